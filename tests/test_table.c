/* test_table.c: the session table: interning, deduplication by (source, id) in place, texts with
 * NUL bytes and empty texts, derived keys, many rows, and tbl_begin/tbl_commit/tbl_rollback. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "sessq.h"
#include "table.h"

#define SEC 10000000LL

static tbl_table *T;

static void setup(void)
{
    T = tbl_new();
    cr_assert_not_null(T);
}

static void teardown(void) { tbl_free(T); }

TestSuite(table, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------------------------ */

static void put_n(ses_session *s, ses_key k, const char *p, size_t n)
{
    int slot = ses_text_slot(k);
    cr_assert_geq(slot, 0, "%s is not a text key", ses_key_name(k));
    s->text[slot] = (sq_str){p, (uint32_t)n};
}

static void put(ses_session *s, ses_key k, const char *p) { put_n(s, k, p, p ? strlen(p) : 0); }

static void put_num(ses_session *s, ses_key k, int64_t v)
{
    int slot = ses_num_slot(k);
    cr_assert_geq(slot, 0, "%s is not a number key", ses_key_name(k));
    s->num[slot] = v;
}

/* A session with every key null but source and id. */
static ses_session make(ses_source src, const char *id)
{
    ses_session s;
    memset(&s, 0, sizeof s);
    s.source = src;
    for (int k = 0; k < SES_NNUM; k++)
        s.num[k] = SES_NULL;
    put(&s, K_ID, id);
    return s;
}

static ses_session named(ses_source src, const char *id, const char *name)
{
    ses_session s = make(src, id);
    put(&s, K_NAME, name);
    return s;
}

/* Adds a session; a re-added (source, id) answers TBL_SAME or TBL_CHANGED, both fine here. */
static void add(const ses_session *s) { cr_assert_geq(tbl_add(T, s), 0); }

static sq_value get(size_t row, ses_key k)
{
    static char scratch[8][SES_TIME_BUFSZ];
    static int next;
    sq_value v;
    tbl_get(T, row, k, &v, scratch[next++ % 8]);
    return v;
}

static void check_text_n(size_t row, ses_key k, const char *want, size_t n)
{
    sq_value v = get(row, k);
    cr_assert_eq(v.kind, SQ_TEXT, "row %zu %s: kind %d, expected text \"%s\"", row, ses_key_name(k),
                 (int)v.kind, want);
    cr_assert_not_null(v.text);
    cr_assert(v.len == n && memcmp(v.text, want, n) == 0, "row %zu %s: \"%.*s\", expected \"%s\"",
              row, ses_key_name(k), (int)v.len, v.text, want);
}

static void check_text(size_t row, ses_key k, const char *want)
{
    check_text_n(row, k, want, strlen(want));
}

static void check_null(size_t row, ses_key k)
{
    sq_value v = get(row, k);
    cr_assert_eq(v.kind, SQ_NULL, "row %zu %s: kind %d, expected null", row, ses_key_name(k),
                 (int)v.kind);
}

static void check_num(size_t row, ses_key k, sq_kind kind, int64_t want)
{
    sq_value v = get(row, k);
    cr_assert_eq(v.kind, kind, "row %zu %s: kind %d, expected %d", row, ses_key_name(k),
                 (int)v.kind, (int)kind);
    cr_assert_eq(v.i, want, "row %zu %s: %lld, expected %lld", row, ses_key_name(k), (long long)v.i,
                 (long long)want);
}

static int64_t utc(const char *s)
{
    int64_t t;
    cr_assert_eq(ses_parse_time(s, strlen(s), &t), 0, "bad test timestamp %s", s);
    return t;
}

/* ---- basics ------------------------------------------------------------------------------- */

Test(table, empty)
{
    cr_assert_eq(tbl_count(T), 0);
    cr_assert_eq(tbl_duplicates(T), 0);
}

Test(table, every_key_of_a_full_session)
{
    ses_session s = make(SES_SRC_VB365_RESTORE, "id-1");
    static const ses_key texts[] = {K_NAME,        K_TYPE,          K_STATUS,          K_STATE,
                                    K_RESULT,      K_ORGANIZATION,  K_INITIATED_BY,    K_DETAILS,
                                    K_SCOPE,       K_CLIENT_HOST,   K_RETRIEVAL_ID,    K_POLICY_ID,
                                    K_POLICY_NAME, K_REPOSITORY_ID, K_REPOSITORY_NAME, K_REASON};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        put(&s, texts[i], ses_key_name(texts[i]));
    put_num(&s, K_START, utc("2022-02-22T15:51:15.1754625Z"));
    put_num(&s, K_END, utc("2022-02-22T17:03:47.8919508Z"));
    put_num(&s, K_DURATION, 43527164883LL);
    put_num(&s, K_PROCESSED_OBJECTS, 0);
    put_num(&s, K_PROGRESS, -1);
    put_num(&s, K_USN, INT64_MAX);
    put_num(&s, K_PROTECTED_INSTANCES, 7);
    add(&s);
    cr_assert_eq(tbl_count(T), 1);
    check_text(0, K_SOURCE, "vb365-restore");
    check_text(0, K_ID, "id-1");
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        check_text(0, texts[i], ses_key_name(texts[i]));
    check_num(0, K_START, SQ_TIME, utc("2022-02-22T15:51:15.1754625Z"));
    check_num(0, K_END, SQ_TIME, utc("2022-02-22T17:03:47.8919508Z"));
    check_num(0, K_DURATION, SQ_SECONDS, 43527164883LL);
    check_num(0, K_PROCESSED_OBJECTS, SQ_INT, 0);
    check_num(0, K_PROGRESS, SQ_INT, -1);
    check_num(0, K_USN, SQ_INT, INT64_MAX);
    check_num(0, K_PROTECTED_INSTANCES, SQ_INT, 7);
    check_text(0, K_DAY, "2022-02-22");
    check_text(0, K_MONTH, "2022-02");
    check_text(0, K_HOUR, "2022-02-22T15");
}

Test(table, null_keys)
{
    ses_session s = make(SES_SRC_AZURE_JOB, "n");
    add(&s);
    for (int k = K_NAME; k < SES_NALLKEYS; k++)
        check_null(0, (ses_key)k);
    check_text(0, K_SOURCE, "azure-job");
    check_text(0, K_ID, "n");
}

Test(table, source_names)
{
    ses_session a = make(SES_SRC_AZURE_JOB, "1");
    ses_session b = make(SES_SRC_VB365_RESTORE, "1");
    ses_session c = make(SES_SRC_VB365_RETRIEVAL, "1");
    add(&a);
    add(&b);
    add(&c);
    /* the same id from three sources: three sessions */
    cr_assert_eq(tbl_count(T), 3);
    cr_assert_eq(tbl_duplicates(T), 0);
    check_text(0, K_SOURCE, "azure-job");
    check_text(1, K_SOURCE, "vb365-restore");
    check_text(2, K_SOURCE, "vb365-retrieval");
    ses_session b2 = named(SES_SRC_VB365_RESTORE, "1", "again");
    add(&b2);
    cr_assert_eq(tbl_count(T), 3);
    cr_assert_eq(tbl_duplicates(T), 1);
    check_text(1, K_NAME, "again");
    check_null(0, K_NAME);
    check_null(2, K_NAME);
}

/* ---- text ----------------------------------------------------------------------------------- */

/* Keys of few values (organization, type, status...) are interned: one copy per text. */
Test(table, interning_gives_equal_pointers)
{
    char org1[] = "Exchange data retrieval";
    char org2[] = "Exchange data retrieval";
    ses_session a = make(SES_SRC_VB365_RETRIEVAL, "a");
    ses_session b = make(SES_SRC_VB365_RETRIEVAL, "b");
    put(&a, K_ORGANIZATION, org1);
    put(&b, K_ORGANIZATION, org2);
    put(&b, K_TYPE, "Exchange data retrieval");
    put(&a, K_TYPE, "Retrieve");
    add(&a);
    add(&b);
    sq_value oa = get(0, K_ORGANIZATION), ob = get(1, K_ORGANIZATION), tb = get(1, K_TYPE),
             ta = get(0, K_TYPE);
    cr_assert_eq(oa.kind, SQ_TEXT);
    cr_assert_eq(oa.text, ob.text, "the same text twice is stored once");
    cr_assert_eq(oa.text, tb.text, "the same text in another key is stored once");
    cr_assert_neq(oa.text, ta.text);
    /* the table holds copies */
    cr_assert_neq(oa.text, org1);
    memset(org1, 'x', sizeof org1 - 1);
    memset(org2, 'y', sizeof org2 - 1);
    check_text(0, K_ORGANIZATION, "Exchange data retrieval");
    check_text(1, K_ORGANIZATION, "Exchange data retrieval");
    cr_assert_eq(tbl_count(T), 2);
}

/* Interned texts are found again through a small cache of short texts, chosen by a text's
 * length and some of its words: texts that share both ends (NUL bytes in the middle), lengths
 * on both sides of what the cache holds, texts that begin others, and more texts than it
 * holds, in two keys in a scattered order. Each reads back as itself, and a text is kept once. */
Test(table, many_alike_interned_texts_read_back)
{
    enum { NLONG = 1500, NREPEAT = 64, NTEXTS = NLONG + NREPEAT + 4, ROWS = 9000 };
    static char texts[NTEXTS][72];
    static size_t lens[NTEXTS];
    for (int i = 0; i < NLONG; i++) {
        size_t n = 18 + (size_t)i % 47;
        memset(texts[i], 'm', n);
        memcpy(texts[i], "HEADHEAD", 8);
        memcpy(texts[i] + n - 8, "TAILTAIL", 8);
        texts[i][8] = (char)(i & 0xFF);
        texts[i][9] = (char)(i >> 8);
        lens[i] = n;
    }
    for (int i = 0; i < NREPEAT; i++) {
        lens[NLONG + i] = (size_t)i;
        memset(texts[NLONG + i], 'a', (size_t)i);
    }
    const char *shorts[] = {"b", "ab", "ba", "abcdefgh"};
    for (int i = 0; i < 4; i++) {
        lens[NLONG + NREPEAT + i] = strlen(shorts[i]);
        memcpy(texts[NLONG + NREPEAT + i], shorts[i], strlen(shorts[i]));
    }
    const char *kept[NTEXTS] = {0};
    for (int r = 0; r < ROWS; r++) {
        char id[16];
        snprintf(id, sizeof id, "r%d", r);
        ses_session s = make(SES_SRC_VB365_RESTORE, id);
        int org = (r * 7919) % NTEXTS, type = (r * 31 + 5) % NTEXTS;
        put_n(&s, K_ORGANIZATION, texts[org], lens[org]);
        put_n(&s, K_TYPE, texts[type], lens[type]);
        add(&s);
    }
    cr_assert_eq(tbl_count(T), ROWS);
    for (int r = 0; r < ROWS; r++) {
        int org = (r * 7919) % NTEXTS, type = (r * 31 + 5) % NTEXTS;
        check_text_n((size_t)r, K_ORGANIZATION, texts[org], lens[org]);
        check_text_n((size_t)r, K_TYPE, texts[type], lens[type]);
        const char *o = get((size_t)r, K_ORGANIZATION).text, *t = get((size_t)r, K_TYPE).text;
        cr_assert(!kept[org] || kept[org] == o, "row %d: text %d kept twice", r, org);
        cr_assert(!kept[type] || kept[type] == t, "row %d: text %d kept twice", r, type);
        kept[org] = o;
        kept[type] = t;
    }
}

/* id, name, details and retrieval_id are nearly always unique: copied as they come, not
 * looked up; equal texts still read back equal. */
Test(table, unique_keys_are_copied_not_interned)
{
    char name[] = "Exchange data retrieval";
    ses_session a = named(SES_SRC_VB365_RETRIEVAL, "a", name);
    ses_session b = named(SES_SRC_VB365_RETRIEVAL, "b", name);
    add(&a);
    add(&b);
    memset(name, 'x', sizeof name - 1);
    check_text(0, K_NAME, "Exchange data retrieval");
    check_text(1, K_NAME, "Exchange data retrieval");
    check_text(1, K_ID, "b");
}

Test(table, texts_with_nul_bytes)
{
    ses_session a = make(SES_SRC_VB365_RESTORE, NULL);
    put_n(&a, K_ID, "a\0b", 3);
    put_n(&a, K_NAME, "x\0y\0", 4);
    ses_session b = make(SES_SRC_VB365_RESTORE, NULL);
    put_n(&b, K_ID, "a\0c", 3);
    put_n(&b, K_NAME, "x\0z", 3);
    ses_session c = make(SES_SRC_VB365_RESTORE, "a");
    put_n(&c, K_NAME, "x", 1);
    add(&a);
    add(&b);
    add(&c);
    cr_assert_eq(tbl_count(T), 3, "ids differing after a NUL are different");
    check_text_n(0, K_ID, "a\0b", 3);
    check_text_n(0, K_NAME, "x\0y\0", 4);
    check_text_n(1, K_ID, "a\0c", 3);
    check_text_n(1, K_NAME, "x\0z", 3);
    check_text(2, K_ID, "a");
    check_text(2, K_NAME, "x");
    cr_assert_neq(get(0, K_NAME).text, get(2, K_NAME).text);

    ses_session a2 = make(SES_SRC_VB365_RESTORE, NULL);
    put_n(&a2, K_ID, "a\0b", 3);
    put_n(&a2, K_NAME, "\0", 1);
    add(&a2);
    cr_assert_eq(tbl_count(T), 3);
    cr_assert_eq(tbl_duplicates(T), 1);
    check_text_n(0, K_NAME, "\0", 1);
}

Test(table, empty_text_is_not_null)
{
    ses_session a = make(SES_SRC_VB365_RESTORE, "a");
    put(&a, K_SCOPE, "");
    put(&a, K_NAME, NULL);
    ses_session e = make(SES_SRC_VB365_RESTORE, "");
    put_n(&e, K_NAME, "", 0);
    add(&a);
    add(&e);
    cr_assert_eq(tbl_count(T), 2);
    check_text(0, K_SCOPE, "");
    check_null(0, K_NAME);
    check_text(1, K_ID, "");
    check_text(1, K_NAME, "");
    /* an empty id is an id like any other */
    ses_session e2 = named(SES_SRC_VB365_RESTORE, "", "now named");
    add(&e2);
    cr_assert_eq(tbl_count(T), 2);
    cr_assert_eq(tbl_duplicates(T), 1);
    check_text(1, K_NAME, "now named");
    check_text(0, K_ID, "a");
    /* an empty text from a pointer that is not at a NUL */
    ses_session f = make(SES_SRC_VB365_RESTORE, "f");
    put_n(&f, K_NAME, "not empty", 0);
    add(&f);
    check_text(2, K_NAME, "");
}

Test(table, long_texts_between_short_ones)
{
    size_t sizes[] = {5, 300000, 7, 1 << 20, 3, (1 << 20) + 1, 262144, 262145, 11, 900000, 2};
    size_t n = sizeof sizes / sizeof sizes[0];
    char **texts = calloc(n, sizeof *texts);
    cr_assert_not_null(texts);
    for (size_t i = 0; i < n; i++) {
        texts[i] = malloc(sizes[i]);
        cr_assert_not_null(texts[i]);
        for (size_t j = 0; j < sizes[i]; j++)
            texts[i][j] = (char)('A' + (i * 7 + j) % 53);
        char id[16];
        snprintf(id, sizeof id, "t%zu", i);
        ses_session s = make(SES_SRC_AZURE_JOB, id);
        put_n(&s, K_DETAILS, texts[i], sizes[i]);
        add(&s);
    }
    cr_assert_eq(tbl_count(T), n);
    for (size_t i = 0; i < n; i++) {
        char id[16];
        snprintf(id, sizeof id, "t%zu", i);
        check_text(i, K_ID, id);
        check_text_n(i, K_DETAILS, texts[i], sizes[i]);
        free(texts[i]);
    }
    free(texts);
}

/* ---- derived keys --------------------------------------------------------------------------- */

Test(table, derived_keys_from_start)
{
    const char *starts[] = {"2022-01-28T19:52:36.9177053Z", "1969-12-31T23:59:59.9999999Z",
                            "0001-01-01T00:00:00Z",         "2024-02-29T00:00:00Z",
                            "9999-12-31T23:59:59.9999999Z", "2022-01-28T21:03:52.2663895+01:00"};
    const char *days[] = {"2022-01-28", "1969-12-31", "0001-01-01",
                          "2024-02-29", "9999-12-31", "2022-01-28"};
    const char *months[] = {"2022-01", "1969-12", "0001-01", "2024-02", "9999-12", "2022-01"};
    const char *hours[] = {"2022-01-28T19", "1969-12-31T23", "0001-01-01T00",
                           "2024-02-29T00", "9999-12-31T23", "2022-01-28T20"};
    for (size_t i = 0; i < 6; i++) {
        char id[8];
        snprintf(id, sizeof id, "%zu", i);
        ses_session s = make(SES_SRC_VB365_RETRIEVAL, id);
        put_num(&s, K_START, utc(starts[i]));
        add(&s);
    }
    for (size_t i = 0; i < 6; i++) {
        check_text(i, K_DAY, days[i]);
        check_text(i, K_MONTH, months[i]);
        check_text(i, K_HOUR, hours[i]);
    }
    /* one scratch buffer per value: two derived values at once do not overwrite each other */
    char s1[SES_TIME_BUFSZ], s2[SES_TIME_BUFSZ];
    sq_value d, h;
    tbl_get(T, 1, K_DAY, &d, s1);
    tbl_get(T, 3, K_HOUR, &h, s2);
    cr_assert(d.len == 10 && !memcmp(d.text, "1969-12-31", 10));
    cr_assert(h.len == 13 && !memcmp(h.text, "2024-02-29T00", 13));
}

Test(table, derived_keys_null_without_start)
{
    ses_session s = make(SES_SRC_VB365_RESTORE, "x");
    put_num(&s, K_END, utc("2022-01-28T19:52:36Z"));
    put_num(&s, K_DURATION, 5 * SEC);
    add(&s);
    check_null(0, K_START);
    check_num(0, K_END, SQ_TIME, utc("2022-01-28T19:52:36Z"));
    check_null(0, K_DAY);
    check_null(0, K_MONTH);
    check_null(0, K_HOUR);

    /* a replacement that drops the start drops the derived keys too */
    ses_session a = make(SES_SRC_VB365_RESTORE, "y");
    put_num(&a, K_START, utc("2022-01-28T19:52:36Z"));
    add(&a);
    check_text(1, K_DAY, "2022-01-28");
    ses_session b = make(SES_SRC_VB365_RESTORE, "y");
    add(&b);
    check_null(1, K_DAY);
    check_null(1, K_HOUR);
}

/* ---- many rows ------------------------------------------------------------------------------ */

#define MANY 200000

Test(table, many_rows_dedupe_in_place)
{
    char id[32], name[32];
    for (int i = 0; i < MANY; i++) {
        snprintf(id, sizeof id, "id-%d", i);
        snprintf(name, sizeof name, "name-%d", i);
        ses_session s = named(SES_SRC_VB365_RESTORE, id, name);
        put_num(&s, K_USN, i);
        add(&s);
    }
    cr_assert_eq(tbl_count(T), MANY);
    cr_assert_eq(tbl_duplicates(T), 0);
    for (int i = 0; i < MANY; i++) {
        snprintf(id, sizeof id, "id-%d", i);
        snprintf(name, sizeof name, "name-%d", i);
        check_text((size_t)i, K_ID, id);
        check_text((size_t)i, K_NAME, name);
        check_num((size_t)i, K_USN, SQ_INT, i);
    }

    /* every 10th again, with another name: replaced in place, order kept */
    for (int i = 0; i < MANY; i += 10) {
        snprintf(id, sizeof id, "id-%d", i);
        snprintf(name, sizeof name, "renamed-%d", i);
        ses_session s = named(SES_SRC_VB365_RESTORE, id, name);
        add(&s);
    }
    cr_assert_eq(tbl_count(T), MANY);
    cr_assert_eq(tbl_duplicates(T), MANY / 10);
    for (int i = 0; i < MANY; i++) {
        snprintf(id, sizeof id, "id-%d", i);
        snprintf(name, sizeof name, i % 10 ? "name-%d" : "renamed-%d", i);
        check_text((size_t)i, K_ID, id);
        check_text((size_t)i, K_NAME, name);
        if (i % 10)
            check_num((size_t)i, K_USN, SQ_INT, i);
        else
            check_null((size_t)i, K_USN);
    }

    /* the same ids from another source are other sessions, appended */
    for (int i = 0; i < 1000; i++) {
        snprintf(id, sizeof id, "id-%d", i);
        ses_session s = make(SES_SRC_VB365_RETRIEVAL, id);
        add(&s);
    }
    cr_assert_eq(tbl_count(T), MANY + 1000);
    cr_assert_eq(tbl_duplicates(T), MANY / 10);
    check_text(MANY + 999, K_ID, "id-999");
    check_text(MANY + 999, K_SOURCE, "vb365-retrieval");
    check_text(999, K_SOURCE, "vb365-restore");
}

/* ---- transactions --------------------------------------------------------------------------- */

static void add_named(ses_source src, const char *id, const char *name)
{
    ses_session s = named(src, id, name);
    add(&s);
}

static void check_row(size_t row, const char *id, const char *name)
{
    check_text(row, K_ID, id);
    if (name)
        check_text(row, K_NAME, name);
    else
        check_null(row, K_NAME);
}

Test(table, rollback_undoes_new_rows_and_replacements)
{
    tbl_begin(T);
    add_named(SES_SRC_VB365_RESTORE, "a", "a1");
    add_named(SES_SRC_VB365_RESTORE, "b", "b1");
    add_named(SES_SRC_VB365_RESTORE, "c", "c1");
    add_named(SES_SRC_VB365_RESTORE, "b", "b1'");
    tbl_commit(T);
    cr_assert_eq(tbl_count(T), 3);
    cr_assert_eq(tbl_duplicates(T), 1);

    tbl_begin(T);
    add_named(SES_SRC_VB365_RESTORE, "d", "d1");
    add_named(SES_SRC_VB365_RESTORE, "a", "a2");
    add_named(SES_SRC_VB365_RESTORE, "a", "a3");
    add_named(SES_SRC_VB365_RESTORE, "e", "e1");
    add_named(SES_SRC_VB365_RESTORE, "b", NULL);
    add_named(SES_SRC_VB365_RESTORE, "d", "d2");
    add_named(SES_SRC_AZURE_JOB, "c", "other source");
    cr_assert_eq(tbl_count(T), 6);
    cr_assert_eq(tbl_duplicates(T), 5);
    check_row(0, "a", "a3");
    check_row(1, "b", NULL);
    check_row(3, "d", "d2");
    cr_assert_eq(tbl_rollback(T), 0);

    cr_assert_eq(tbl_count(T), 3);
    cr_assert_eq(tbl_duplicates(T), 1);
    check_row(0, "a", "a1");
    check_row(1, "b", "b1'");
    check_row(2, "c", "c1");
    check_text(2, K_SOURCE, "vb365-restore");

    /* the index forgot the dropped rows and still finds the old ones */
    add_named(SES_SRC_VB365_RESTORE, "d", "d3");
    cr_assert_eq(tbl_count(T), 4);
    cr_assert_eq(tbl_duplicates(T), 1);
    check_row(3, "d", "d3");
    add_named(SES_SRC_VB365_RESTORE, "b", "b3");
    add_named(SES_SRC_VB365_RESTORE, "a", "a4");
    add_named(SES_SRC_VB365_RESTORE, "c", "c4");
    cr_assert_eq(tbl_count(T), 4);
    cr_assert_eq(tbl_duplicates(T), 4);
    check_row(0, "a", "a4");
    check_row(1, "b", "b3");
    check_row(2, "c", "c4");
    add_named(SES_SRC_VB365_RESTORE, "e", "e2");
    add_named(SES_SRC_AZURE_JOB, "c", "azure c");
    cr_assert_eq(tbl_count(T), 6);
    check_row(4, "e", "e2");
    check_row(5, "c", "azure c");
    check_text(5, K_SOURCE, "azure-job");
    add_named(SES_SRC_VB365_RESTORE, "d", "d4");
    cr_assert_eq(tbl_count(T), 6);
    check_row(3, "d", "d4");
}

Test(table, commit_keeps_adds)
{
    tbl_begin(T);
    add_named(SES_SRC_AZURE_JOB, "1", "one");
    add_named(SES_SRC_AZURE_JOB, "2", "two");
    tbl_commit(T);

    tbl_begin(T);
    add_named(SES_SRC_AZURE_JOB, "1", "uno");
    add_named(SES_SRC_AZURE_JOB, "3", "three");
    tbl_commit(T);
    cr_assert_eq(tbl_count(T), 3);
    cr_assert_eq(tbl_duplicates(T), 1);

    /* a rollback after them goes back to the last commit, not further */
    tbl_begin(T);
    add_named(SES_SRC_AZURE_JOB, "1", "eins");
    add_named(SES_SRC_AZURE_JOB, "3", "drei");
    add_named(SES_SRC_AZURE_JOB, "4", "vier");
    cr_assert_eq(tbl_rollback(T), 0);
    cr_assert_eq(tbl_count(T), 3);
    cr_assert_eq(tbl_duplicates(T), 1);
    check_row(0, "1", "uno");
    check_row(1, "2", "two");
    check_row(2, "3", "three");

    /* an empty transaction changes nothing */
    tbl_begin(T);
    cr_assert_eq(tbl_rollback(T), 0);
    tbl_begin(T);
    tbl_commit(T);
    cr_assert_eq(tbl_count(T), 3);
    cr_assert_eq(tbl_duplicates(T), 1);
    check_row(0, "1", "uno");
}

Test(table, rollback_of_everything_from_empty)
{
    tbl_begin(T);
    add_named(SES_SRC_VB365_RETRIEVAL, "x", "1");
    add_named(SES_SRC_VB365_RETRIEVAL, "x", "2");
    cr_assert_eq(tbl_count(T), 1);
    cr_assert_eq(tbl_duplicates(T), 1);
    cr_assert_eq(tbl_rollback(T), 0);
    cr_assert_eq(tbl_count(T), 0);
    cr_assert_eq(tbl_duplicates(T), 0);
    add_named(SES_SRC_VB365_RETRIEVAL, "x", "3");
    cr_assert_eq(tbl_count(T), 1);
    cr_assert_eq(tbl_duplicates(T), 0);
    check_row(0, "x", "3");
}

Test(table, rollback_after_index_growth)
{
    char id[32], name[32];
    tbl_begin(T);
    for (int i = 0; i < 10; i++) {
        snprintf(id, sizeof id, "old-%d", i);
        snprintf(name, sizeof name, "kept-%d", i);
        add_named(SES_SRC_VB365_RESTORE, id, name);
    }
    tbl_commit(T);

    tbl_begin(T);
    for (int i = 0; i < 100000; i++) {
        snprintf(id, sizeof id, "new-%d", i);
        add_named(SES_SRC_VB365_RESTORE, id, "doomed");
        if (i % 10000 == 0) {
            snprintf(id, sizeof id, "old-%d", i / 10000);
            snprintf(name, sizeof name, "lost-%d", i);
            add_named(SES_SRC_VB365_RESTORE, id, name);
        }
    }
    cr_assert_eq(tbl_count(T), 100010);
    cr_assert_eq(tbl_duplicates(T), 10);
    cr_assert_eq(tbl_rollback(T), 0);
    cr_assert_eq(tbl_count(T), 10);
    cr_assert_eq(tbl_duplicates(T), 0);
    for (int i = 0; i < 10; i++) {
        snprintf(id, sizeof id, "old-%d", i);
        snprintf(name, sizeof name, "kept-%d", i);
        check_row((size_t)i, id, name);
    }

    /* the same new ids again: new rows, none taken for a duplicate of a dropped row */
    for (int i = 0; i < 100000; i++) {
        snprintf(id, sizeof id, "new-%d", i);
        snprintf(name, sizeof name, "n-%d", i);
        add_named(SES_SRC_VB365_RESTORE, id, name);
    }
    cr_assert_eq(tbl_count(T), 100010);
    cr_assert_eq(tbl_duplicates(T), 0);
    check_row(10, "new-0", "n-0");
    check_row(100009, "new-99999", "n-99999");
    for (int i = 0; i < 10; i++) {
        snprintf(id, sizeof id, "old-%d", i);
        add_named(SES_SRC_VB365_RESTORE, id, "final");
    }
    cr_assert_eq(tbl_count(T), 100010);
    cr_assert_eq(tbl_duplicates(T), 10);
    check_row(9, "old-9", "final");
}

Test(table, repeated_transactions)
{
    char id[32];
    for (int round = 0; round < 50; round++) {
        tbl_begin(T);
        snprintf(id, sizeof id, "r-%d", round);
        add_named(SES_SRC_AZURE_JOB, id, "committed");
        add_named(SES_SRC_AZURE_JOB, "shared", id);
        tbl_commit(T);
        tbl_begin(T);
        add_named(SES_SRC_AZURE_JOB, id, "rolled back");
        add_named(SES_SRC_AZURE_JOB, "shared", "rolled back");
        add_named(SES_SRC_AZURE_JOB, "ghost", "rolled back");
        cr_assert_eq(tbl_rollback(T), 0);
    }
    /* rows: r-0, shared, r-1 ... r-49 */
    cr_assert_eq(tbl_count(T), 51);
    cr_assert_eq(tbl_duplicates(T), 49);
    check_row(0, "r-0", "committed");
    check_row(1, "shared", "r-49");
    check_row(50, "r-49", "committed");
    add_named(SES_SRC_AZURE_JOB, "ghost", "real");
    cr_assert_eq(tbl_count(T), 52);
    check_row(51, "ghost", "real");
}

static void add_org(const char *id, const char *org)
{
    ses_session s = make(SES_SRC_VB365_RESTORE, id);
    put(&s, K_ORGANIZATION, org);
    add(&s);
}

Test(table, interned_text_survives_rollback)
{
    add_org("a", "shared org");
    tbl_begin(T);
    add_org("b", "only in the rolled back one");
    add_org("a", "only in the rolled back one");
    cr_assert_eq(tbl_rollback(T), 0);
    add_org("c", "shared org");
    add_org("d", "only in the rolled back one");
    cr_assert_eq(tbl_count(T), 3);
    cr_assert_eq(get(0, K_ORGANIZATION).text, get(1, K_ORGANIZATION).text);
    check_text(0, K_ORGANIZATION, "shared org");
    check_text(2, K_ORGANIZATION, "only in the rolled back one");
}

Test(table, add_says_what_it_did)
{
    ses_session a = named(SES_SRC_AZURE_JOB, "1", "first");
    ses_session b = named(SES_SRC_AZURE_JOB, "1", "second");
    ses_session c = named(SES_SRC_VB365_RESTORE, "1", "first");
    cr_expect_eq(tbl_add(T, &a), TBL_ADDED);
    cr_expect_eq(tbl_add(T, &a), TBL_SAME);
    cr_expect_eq(tbl_add(T, &b), TBL_CHANGED);
    cr_expect_eq(tbl_add(T, &b), TBL_SAME);
    cr_expect_eq(tbl_add(T, &c), TBL_ADDED, "another source is another session");
    cr_expect_eq(tbl_count(T), 2);
    cr_expect_eq(tbl_duplicates(T), 3);
}

/* A limit of 64 KiB holds the empty table's hash slots (2 x 4096 x 4 bytes) but not a 1 MiB
 * block of text: the first add fails with TBL_ERR_LIMIT and the table stays usable. */
Test(table, limit_refuses_growth)
{
    tbl_set_limit(T, 64 << 10);
    ses_session a = named(SES_SRC_AZURE_JOB, "1", "first");
    cr_expect_eq(tbl_add(T, &a), TBL_ERR_LIMIT);
    cr_expect_eq(tbl_count(T), 0);
    cr_expect_leq(tbl_memory(T), (size_t)64 << 10);
    tbl_set_limit(T, 0);
    cr_expect_eq(tbl_add(T, &a), TBL_ADDED);
    cr_expect_gt(tbl_memory(T), (size_t)64 << 10, "a first text block of 64 KiB is now held");
}

/* Adds sessions with 1,000-byte names, numbered from `first`, until an add answers other than
 * TBL_ADDED (or 20 MB are added); returns that answer and sets *added to the number added. */
static int fill(tbl_table *t, int first, int *added)
{
    char id[32], name[1001];
    for (int i = first; i < first + 20000; i++) {
        snprintf(id, sizeof id, "%d", i);
        memset(name, 'a' + i % 26, 1000);
        name[1000] = '\0';
        ses_session s = named(SES_SRC_VB365_RESTORE, id, name);
        int rc = tbl_add(t, &s);
        if (rc != TBL_ADDED) {
            *added = i - first;
            return rc;
        }
    }
    *added = 20000;
    return TBL_ADDED;
}

/* What other threads read ahead for a table (tbl_charge_to()) shares its limit: a log grows
 * only while the table and its logs stay within it, and gives its share back when freed; the
 * table itself is bound by its own memory, as when it reads alone. */
Test(table, charged_logs_share_the_limit_of_their_table)
{
    const size_t limit = (size_t)4 << 20;
    tbl_set_limit(T, limit);
    tbl_table *log = tbl_new_log(), *log2 = tbl_new_log(), *log3 = tbl_new_log();
    cr_assert(log && log2 && log3);
    tbl_charge_to(log, T);
    tbl_charge_to(log2, T);
    int n, n2, more, k;
    cr_assert_eq(fill(log, 0, &n), TBL_ERR_LIMIT);
    cr_assert_eq(fill(log2, 0, &n2), TBL_ERR_LIMIT);
    size_t all = tbl_memory(T) + tbl_memory(log) + tbl_memory(log2);
    cr_expect_leq(all, limit);
    cr_expect_gt(all, limit / 2, "the logs filled what the limit allows: %zu bytes", all);
    cr_expect_lt(n2, n, "the second log had what the first left: %d, %d sessions", n2, n);
    cr_expect(tbl_fits(log) && tbl_fits(log2));

    tbl_free(log);
    cr_assert_eq(fill(log2, n2, &more), TBL_ERR_LIMIT);
    cr_expect_gt(more, 0, "the freed log gave its share back");

    cr_assert_eq(fill(T, 0, &k), TBL_ERR_LIMIT);
    cr_expect_leq(tbl_memory(T), limit);
    cr_expect_gt(tbl_memory(T) + tbl_memory(log2), limit,
                 "the table grew into what its log holds: %zu + %zu bytes", tbl_memory(T),
                 tbl_memory(log2));
    cr_expect(!tbl_fits(log2));
    cr_expect(tbl_fits(T));

    tbl_charge_to(log3, log2);
    cr_expect_eq(fill(log3, 0, &k), TBL_ERR_LIMIT);
    cr_expect_eq(k, 0, "a log charged to a log counts against its table");
    tbl_free(log2);
    tbl_free(log3);
}

/* ---- logs merged into a table (parallel reading) ------------------------------------------ */

/* Session i of a small made-up set: ids repeat across logs, organizations and types repeat
 * often (interned), names are unique, some keys null. */
static ses_session numbered(int i, const char *name, char *id_buf, size_t id_size)
{
    static const char *const orgs[] = {"acme.onmicrosoft.com", "contoso", NULL};
    static const char *const types[] = {"Vex", "Vesp", "Veod"};
    snprintf(id_buf, id_size, "id-%d", i % 50);
    ses_session s = named(i % 7 == 0 ? SES_SRC_AZURE_JOB : SES_SRC_VB365_RESTORE, id_buf, name);
    put(&s, K_ORGANIZATION, orgs[i % 3]);
    put(&s, K_TYPE, types[i % 3]);
    put_num(&s, K_PROCESSED_OBJECTS, i % 4 ? i : SES_NULL);
    return s;
}

/* Rows of logs merged in order give the very table that adding the same sessions directly
 * gives, with the same answers; a log emptied with tbl_clear() serves again. */
Test(table, merged_logs_equal_direct_adds)
{
    tbl_table *direct = tbl_new(), *log = tbl_new_log();
    cr_assert(direct && log);
    int answers_direct[300], answers_merged[300];
    for (int file = 0; file < 3; file++) {
        for (int i = file * 100; i < file * 100 + 100; i++) {
            char id[32], name[32];
            snprintf(name, sizeof name, "name %d", i % 120);
            ses_session s = numbered(i, name, id, sizeof id);
            answers_direct[i] = tbl_add(direct, &s);
            cr_assert_eq(tbl_add(log, &s), TBL_ADDED, "a log keeps every record");
        }
        for (size_t r = 0; r < tbl_count(log); r++)
            answers_merged[file * 100 + r] = tbl_add_row(T, log, r);
        tbl_clear(log);
        cr_assert_eq(tbl_count(log), 0);
    }
    for (int i = 0; i < 300; i++)
        cr_expect_eq(answers_merged[i], answers_direct[i], "record %d: %d, directly %d", i,
                     answers_merged[i], answers_direct[i]);
    cr_assert_eq(tbl_count(T), tbl_count(direct));
    cr_expect_eq(tbl_duplicates(T), tbl_duplicates(direct));
    for (size_t r = 0; r < tbl_count(T); r++)
        for (ses_key k = 0; k < SES_NKEYS; k++) {
            sq_value a, b;
            char sa[SES_TIME_BUFSZ], sb[SES_TIME_BUFSZ];
            tbl_get(T, r, k, &a, sa);
            tbl_get(direct, r, k, &b, sb);
            cr_assert_eq(a.kind, b.kind, "row %zu %s", r, ses_key_name(k));
            if (a.kind == SQ_TEXT)
                cr_assert(a.len == b.len && !memcmp(a.text, b.text, a.len), "row %zu %s", r,
                          ses_key_name(k));
            else if (a.kind != SQ_NULL)
                cr_assert_eq(a.i, b.i, "row %zu %s", r, ses_key_name(k));
        }
    tbl_free(direct);
    tbl_free(log);
}

/* Session i of the test below: a unique id and a 100-byte name, so that text blocks fill. */
static ses_session long_named(int i, char id[32], char name[101])
{
    snprintf(id, 32, "id-%d", i);
    int k = snprintf(name, 101, "%d ", i);
    memset(name + k, 'a' + i % 26, (size_t)(100 - k));
    name[100] = '\0';
    return named(SES_SRC_VB365_RESTORE, id, name);
}

/* A log taken with its text (a split read) can need more memory than adding its sessions: it
 * brings a chain of text blocks of its own. tbl_can_take() says when the table surely stays
 * within its limit; then taking every row never runs out. */
Test(table, a_log_is_taken_within_the_limit_when_it_can_be)
{
    enum { N = 8800 }; /* each half's text just over a doubling of the blocks */
    char id[32], name[101];
    tbl_table *unbound = tbl_new();
    cr_assert_not_null(unbound);
    for (int i = 0; i < N; i++) {
        ses_session s = long_named(i, id, name);
        cr_assert_eq(tbl_add(unbound, &s), TBL_ADDED);
    }
    size_t need = tbl_memory(unbound);
    tbl_free(unbound);
    int taken = 0, refused = 0, overshoots = 0;
    for (size_t limit = need / 2; limit <= need * 2; limit += need / 64) {
        tbl_table *dst = tbl_new(), *log = tbl_new_log(), *direct = tbl_new();
        cr_assert(dst && log && direct);
        tbl_set_limit(dst, limit);
        tbl_set_limit(direct, limit);
        bool first_fits = true, direct_fits = true;
        for (int i = 0; i < N; i++) {
            ses_session s = long_named(i, id, name);
            direct_fits = direct_fits && tbl_add(direct, &s) >= 0;
            if (i < N / 2)
                first_fits = first_fits && tbl_add(dst, &s) >= 0;
            else
                cr_assert_eq(tbl_add(log, &s), TBL_ADDED);
        }
        if (first_fits) {
            bool can = tbl_can_take(dst, log), took = true;
            tbl_take_text(dst, log);
            for (size_t r = 0; took && r < tbl_count(log); r++) {
                int rc = tbl_add_row(dst, log, r);
                cr_assert(rc >= 0 || rc == TBL_ERR_LIMIT, "limit %zu: %d", limit, rc);
                took = rc >= 0;
            }
            cr_expect(!can || took, "limit %zu: said it could take the log, then ran out", limit);
            cr_expect(!can || tbl_memory(dst) <= limit, "limit %zu: %zu bytes held", limit,
                      tbl_memory(dst));
            taken += can;
            refused += direct_fits && !can;
            overshoots += direct_fits && !took;
        }
        tbl_free(dst);
        tbl_free(log);
        tbl_free(direct);
    }
    /* A table without text copies the log's rather than taking its blocks: unbounded here. */
    tbl_table *empty = tbl_new(), *log = tbl_new_log();
    cr_assert(empty && log);
    ses_session s = long_named(0, id, name);
    cr_assert_eq(tbl_add(log, &s), TBL_ADDED);
    cr_expect(tbl_can_take(empty, log), "without a limit, anything can be taken");
    tbl_set_limit(empty, need * 4);
    cr_expect(!tbl_can_take(empty, log));
    tbl_free(empty);
    tbl_free(log);
    cr_expect_gt(taken, 0, "never could take the log");
    cr_expect_gt(refused, 0, "never refused where adding fits");
    cr_expect_gt(overshoots, 0,
                 "no limit at which adding fits and taking the log does not: the "
                 "sizes no longer show what tbl_can_take() is for");
}

/* ---- tbl_find ----------------------------------------------------------------------------- */

static size_t find(ses_source src, const char *id) { return tbl_find(T, src, id, strlen(id)); }

Test(table, find_by_source_and_id)
{
    cr_assert_eq(find(SES_SRC_VB365_RESTORE, "a"), TBL_NONE, "an empty table has nothing");
    ses_session a = make(SES_SRC_VB365_RESTORE, "a");
    ses_session b = make(SES_SRC_AZURE_JOB, "a");
    ses_session c = make(SES_SRC_VB365_RESTORE, "ab");
    add(&a);
    add(&b);
    add(&c);
    cr_assert_eq(find(SES_SRC_VB365_RESTORE, "a"), 0);
    cr_assert_eq(find(SES_SRC_AZURE_JOB, "a"), 1);
    cr_assert_eq(find(SES_SRC_VB365_RESTORE, "ab"), 2);
    /* the same id from another source, a prefix, another case: other sessions */
    cr_assert_eq(find(SES_SRC_VB365_RETRIEVAL, "a"), TBL_NONE);
    cr_assert_eq(find(SES_SRC_AZURE_JOB, "ab"), TBL_NONE);
    cr_assert_eq(find(SES_SRC_VB365_RESTORE, "A"), TBL_NONE);
    cr_assert_eq(find(SES_SRC_VB365_RESTORE, ""), TBL_NONE);
    cr_assert_eq(tbl_find(T, SES_SRC_VB365_RESTORE, NULL, 0), TBL_NONE);
}

Test(table, find_ids_with_nul_bytes_and_empty_ids)
{
    ses_session a = make(SES_SRC_AZURE_JOB, NULL);
    put_n(&a, K_ID, "x\0y", 3);
    ses_session e = make(SES_SRC_AZURE_JOB, "");
    add(&a);
    add(&e);
    cr_assert_eq(tbl_find(T, SES_SRC_AZURE_JOB, "x\0y", 3), 0);
    cr_assert_eq(tbl_find(T, SES_SRC_AZURE_JOB, "x\0z", 3), TBL_NONE);
    cr_assert_eq(tbl_find(T, SES_SRC_AZURE_JOB, "x", 1), TBL_NONE);
    cr_assert_eq(tbl_find(T, SES_SRC_AZURE_JOB, "", 0), 1);
}

/* A replaced session keeps its row; rows past a rollback are not found any more. */
Test(table, find_after_replacement_and_rollback)
{
    ses_session a = named(SES_SRC_VB365_RESTORE, "a", "first");
    ses_session b = named(SES_SRC_VB365_RESTORE, "b", "b");
    add(&a);
    add(&b);
    ses_session a2 = named(SES_SRC_VB365_RESTORE, "a", "second");
    add(&a2);
    cr_assert_eq(find(SES_SRC_VB365_RESTORE, "a"), 0);
    check_text(0, K_NAME, "second");
    tbl_begin(T);
    ses_session c = make(SES_SRC_VB365_RESTORE, "c");
    add(&c);
    cr_assert_eq(find(SES_SRC_VB365_RESTORE, "c"), 2);
    cr_assert_eq(tbl_rollback(T), 0);
    cr_assert_eq(find(SES_SRC_VB365_RESTORE, "c"), TBL_NONE);
    cr_assert_eq(find(SES_SRC_VB365_RESTORE, "b"), 1);
}

/* Past the index's first growths (4096 slots, half full), every row is still found. */
Test(table, find_among_many_rows)
{
    char id[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(id, sizeof id, "s-%d", i);
        ses_session s = make(i % 2 ? SES_SRC_AZURE_JOB : SES_SRC_VB365_RETRIEVAL, id);
        add(&s);
    }
    for (int i = 0; i < 20000; i++) {
        snprintf(id, sizeof id, "s-%d", i);
        cr_assert_eq(find(i % 2 ? SES_SRC_AZURE_JOB : SES_SRC_VB365_RETRIEVAL, id), (size_t)i);
        cr_assert_eq(find(i % 2 ? SES_SRC_VB365_RETRIEVAL : SES_SRC_AZURE_JOB, id), TBL_NONE);
    }
    cr_assert_eq(find(SES_SRC_AZURE_JOB, "s-20001"), TBL_NONE);
}

Test(table, find_in_a_log_answers_none)
{
    tbl_table *log = tbl_new_log();
    cr_assert_not_null(log);
    ses_session a = make(SES_SRC_VB365_RESTORE, "a");
    cr_assert_eq(tbl_add(log, &a), TBL_ADDED);
    cr_assert_eq(tbl_find(log, SES_SRC_VB365_RESTORE, "a", 1), TBL_NONE);
    tbl_free(log);
}

Test(table, last_row_is_where_the_last_add_went)
{
    ses_session a = make(SES_SRC_VB365_RESTORE, "s1"), b = make(SES_SRC_AZURE_JOB, "s1");
    ses_session c = make(SES_SRC_VB365_RESTORE, "s2");
    cr_assert_eq(tbl_add(T, &a), TBL_ADDED);
    cr_expect_eq(tbl_last_row(T), 0);
    cr_assert_eq(tbl_add(T, &b), TBL_ADDED);
    cr_expect_eq(tbl_last_row(T), 1, "the source is part of the key");
    cr_assert_eq(tbl_add(T, &c), TBL_ADDED);
    cr_expect_eq(tbl_last_row(T), 2);
    cr_assert_eq(tbl_add(T, &a), TBL_SAME);
    cr_expect_eq(tbl_last_row(T), 0, "repeated: the row it repeats");
    ses_session again = named(SES_SRC_AZURE_JOB, "s1", "changed");
    cr_assert_eq(tbl_add(T, &again), TBL_CHANGED);
    cr_expect_eq(tbl_last_row(T), 1, "replaced: the row it replaced, which keeps its place");

    tbl_table *log = tbl_new_log();
    cr_assert_not_null(log);
    cr_assert_eq(tbl_add(log, &a), TBL_ADDED);
    cr_assert_eq(tbl_add(log, &a), TBL_ADDED);
    cr_expect_eq(tbl_last_row(log), 1, "a log adds a row for every record");
    tbl_table *merged = tbl_new();
    cr_assert_not_null(merged);
    cr_assert_eq(tbl_add(merged, &c), TBL_ADDED);
    cr_assert_eq(tbl_add_row(merged, log, 0), TBL_ADDED);
    cr_expect_eq(tbl_last_row(merged), 1);
    cr_assert_eq(tbl_add_row(merged, log, 1), TBL_SAME);
    cr_expect_eq(tbl_last_row(merged), 1);
    tbl_free(merged);
    tbl_free(log);
}

/* tbl_identity(): equal numbers mean equal values; interned texts that are equal share theirs;
 * derived keys stand for their day or hour; tbl_number() reads number keys only. */
Test(table, identities_and_numbers)
{
    static const char *const orgs[] = {"contoso", "fabrikam", "contoso"};
    static const int64_t starts[] = {0, 86399 * SEC, 86400 * SEC};
    for (size_t i = 0; i < 3; i++) {
        char id[8];
        snprintf(id, sizeof id, "s%zu", i);
        ses_session s = make(i == 1 ? SES_SRC_AZURE_JOB : SES_SRC_VB365_RESTORE, id);
        put(&s, K_ORGANIZATION, orgs[i]);
        put_num(&s, K_START, starts[i]);
        put_num(&s, K_PROCESSED_OBJECTS, (int64_t)i * 7);
        cr_assert_eq(tbl_add(T, &s), 0);
    }
    cr_assert_eq(tbl_identity(T, 0, K_ORGANIZATION), tbl_identity(T, 2, K_ORGANIZATION));
    cr_assert_neq(tbl_identity(T, 0, K_ORGANIZATION), tbl_identity(T, 1, K_ORGANIZATION));
    cr_assert_neq(tbl_identity(T, 0, K_ID), tbl_identity(T, 1, K_ID));
    cr_assert_eq(tbl_identity(T, 0, K_SOURCE), tbl_identity(T, 2, K_SOURCE));
    cr_assert_neq(tbl_identity(T, 0, K_SOURCE), tbl_identity(T, 1, K_SOURCE));
    /* 0 and 86399 s are the first day and month; 86400 s is the next day, same month */
    cr_assert_eq(tbl_identity(T, 0, K_DAY), tbl_identity(T, 1, K_DAY));
    cr_assert_neq(tbl_identity(T, 1, K_DAY), tbl_identity(T, 2, K_DAY));
    cr_assert_neq(tbl_identity(T, 0, K_HOUR), tbl_identity(T, 1, K_HOUR));
    cr_assert_eq(tbl_identity(T, 0, K_MONTH), tbl_identity(T, 1, K_MONTH));
    cr_assert_eq(tbl_number(T, 2, K_PROCESSED_OBJECTS), 14);
    cr_assert_eq(tbl_number(T, 1, K_START), 86399 * SEC);
    cr_assert_eq(tbl_number(T, 0, K_DURATION), SES_NULL);
    cr_assert_eq(tbl_number(T, 0, K_ORGANIZATION), SES_NULL);
}

/* sq_same_bytes() stands in for memcmp() on keys and texts: it must agree with it at every
 * length around its word sizes, wherever the one differing byte is, and read nothing outside
 * either side (the bytes are at the very end of their allocations, for the sanitizers). */
Test(same_bytes, agrees_with_memcmp_at_every_length_and_position)
{
    for (size_t n = 0; n <= 40; n++) {
        char *a = malloc(n ? n : 1), *b = malloc(n ? n : 1);
        cr_assert(a && b);
        for (size_t i = 0; i < n; i++)
            a[i] = b[i] = (char)('a' + i % 26);
        cr_assert(sq_same_bytes(a, b, n), "equal, %zu bytes", n);
        for (size_t at = 0; at < n; at++) {
            b[at] ^= 0x20;
            cr_assert(!sq_same_bytes(a, b, n), "%zu bytes, differing at %zu", n, at);
            b[at] ^= 0x20;
        }
        free(a);
        free(b);
    }
}

/* sq_copy_bytes() stands in for memcpy() on a record's values: at every length around its word
 * sizes and past its limit it copies every byte and writes nothing outside the destination
 * (guard bytes around it), and reads nothing outside the source (exact-size allocations, for
 * the sanitizers). */
Test(same_bytes, copy_writes_every_byte_and_nothing_else)
{
    enum { GUARD = 16 };
    for (size_t n = 0; n <= 100; n++) {
        unsigned char *from = malloc(n ? n : 1), *to = malloc(n + 2 * GUARD);
        cr_assert(from && to);
        for (size_t i = 0; i < n; i++)
            from[i] = (unsigned char)(0x5A ^ (i * 131));
        memset(to, 0xEE, n + 2 * GUARD);
        sq_copy_bytes(to + GUARD, from, n);
        cr_expect(!memcmp(to + GUARD, from, n), "%zu bytes copied", n);
        for (size_t i = 0; i < GUARD; i++) {
            cr_expect_eq(to[i], 0xEE, "%zu bytes: guard before, %zu", n, i);
            cr_expect_eq(to[GUARD + n + i], 0xEE, "%zu bytes: guard after, %zu", n, i);
        }
        free(from);
        free(to);
    }
}

/* sq_hash() folds a last partial word as the bytes it holds, the first lowest: the same as
 * folding the word whose bytes are those and then zeros, at every length. */
Test(same_bytes, hash_of_a_partial_last_word)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    cr_skip_test("the word's bytes are placed for a little-endian machine");
#endif
    unsigned char buf[16];
    for (size_t n = 0; n < 16; n++) {
        for (size_t i = 0; i < n; i++)
            buf[i] = (unsigned char)(0xA5 ^ (i * 37));
        unsigned char *copy = malloc(n ? n : 1); /* exact size, for the sanitizers */
        cr_assert_not_null(copy);
        memcpy(copy, buf, n);
        uint64_t h = 0x1234;
        size_t whole = n / 8 * 8;
        uint64_t expect = whole ? sq_hash(h, buf, whole) : h, w = 0;
        for (size_t i = whole; i < n; i++)
            w |= (uint64_t)buf[i] << (8 * (i - whole));
        cr_expect_eq(sq_hash(h, copy, n), expect ^ w, "%zu bytes", n);
        free(copy);
    }
}
