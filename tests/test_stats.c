/* test_stats.c: stats over hand-made tables: column names, status counts, success rate,
 * nearest-rank percentiles, sums and their saturation, group order (bytes, shorter first, null
 * last) by one and two keys, derived and number keys, row subsets, no keys, many rows and many
 * groups. Every expected value is worked out by hand in the comments beside it. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "stats.h"
#include "table.h"

#define SEC 10000000LL
#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static tbl_table *T;
static st_result *R;
static unsigned next_id;

static void setup(void)
{
    T = tbl_new();
    cr_assert_not_null(T);
    R = NULL;
    next_id = 0;
}

static void teardown(void)
{
    st_free(R);
    tbl_free(T);
}

TestSuite(stats, .init = setup, .fini = teardown);

/* ---- building tables ---------------------------------------------------------------------- */

/* A session with every key null. */
static ses_session blank(void)
{
    ses_session s;
    memset(&s, 0, sizeof s);
    s.source = SES_SRC_VB365_RESTORE;
    for (int k = 0; k < SES_NNUM; k++)
        s.num[k] = SES_NULL;
    return s;
}

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

/* Adds s under a fresh id; returns its row. */
static size_t add(ses_session *s)
{
    char id[32];
    snprintf(id, sizeof id, "row-%u", next_id++);
    put(s, K_ID, id);
    cr_assert_eq(tbl_add(T, s), 0);
    return tbl_count(T) - 1;
}

/* A session with a name, a status and a duration (ticks, SES_NULL for none). */
static size_t add_session(const char *name, const char *status, int64_t duration)
{
    ses_session s = blank();
    put(&s, K_NAME, name);
    put(&s, K_STATUS, status);
    put_num(&s, K_DURATION, duration);
    return add(&s);
}

static int64_t utc(const char *s)
{
    int64_t t;
    cr_assert_eq(ses_parse_time(s, strlen(s), &t), 0, "bad test timestamp %s", s);
    return t;
}

/* ---- computing and reading results -------------------------------------------------------- */

static void compute_rows(const size_t *rows, size_t nrows, const ses_key *by, size_t nby)
{
    st_free(R);
    R = st_compute(T, rows, nrows, by, nby);
    cr_assert_not_null(R);
}

/* Stats over every row of T. */
static void compute(const ses_key *by, size_t nby)
{
    size_t n = tbl_count(T);
    size_t *rows = malloc((n ? n : 1) * sizeof *rows);
    cr_assert_not_null(rows);
    for (size_t i = 0; i < n; i++)
        rows[i] = i;
    compute_rows(rows, n, by, nby);
    free(rows);
}

static size_t col(const char *name)
{
    for (size_t c = 0; c < st_columns(R); c++)
        if (!strcmp(st_column_name(R, c), name))
            return c;
    cr_assert_fail("no column %s", name);
    return 0;
}

static sq_value get(size_t g, const char *name)
{
    cr_assert_lt(g, st_groups(R), "group %zu of %zu", g, st_groups(R));
    sq_value v;
    st_get(R, g, col(name), &v);
    return v;
}

static void check_null(size_t g, const char *name)
{
    sq_value v = get(g, name);
    cr_assert_eq(v.kind, SQ_NULL, "group %zu %s: kind %d, expected null", g, name, (int)v.kind);
}

static void check_num(size_t g, const char *name, sq_kind kind, int64_t want)
{
    sq_value v = get(g, name);
    cr_assert_eq(v.kind, kind, "group %zu %s: kind %d, expected %d", g, name, (int)v.kind,
                 (int)kind);
    cr_assert_eq(v.i, want, "group %zu %s: %lld, expected %lld", g, name, (long long)v.i,
                 (long long)want);
}

static void check_int(size_t g, const char *name, int64_t want)
{
    check_num(g, name, SQ_INT, want);
}

static void check_seconds(size_t g, const char *name, int64_t ticks)
{
    check_num(g, name, SQ_SECONDS, ticks);
}

static void check_time(size_t g, const char *name, const char *want)
{
    check_num(g, name, SQ_TIME, utc(want));
}

static void check_ratio(size_t g, const char *name, double want)
{
    sq_value v = get(g, name);
    cr_assert_eq(v.kind, SQ_RATIO, "group %zu %s: kind %d, expected a ratio", g, name, (int)v.kind);
    cr_assert_float_eq(v.r, want, 1e-12, "group %zu %s: %g, expected %g", g, name, v.r, want);
}

static void check_text_n(size_t g, const char *name, const char *want, size_t n)
{
    sq_value v = get(g, name);
    cr_assert_eq(v.kind, SQ_TEXT, "group %zu %s: kind %d, expected \"%s\"", g, name, (int)v.kind,
                 want);
    cr_assert(v.len == n && !memcmp(v.text, want, n), "group %zu %s: \"%.*s\", expected \"%s\"", g,
              name, (int)v.len, v.text, want);
}

static void check_text(size_t g, const char *name, const char *want)
{
    check_text_n(g, name, want, strlen(want));
}

/* Group g's value of the key `name` and its count. */
static void check_group(size_t g, const char *name, const char *want, int64_t count)
{
    check_text(g, name, want);
    check_int(g, "count", count);
}

/* success, warning, failed, running, canceled, other */
static void check_outcomes(size_t g, int64_t success, int64_t warning, int64_t failed,
                           int64_t running, int64_t canceled, int64_t other)
{
    check_int(g, "success", success);
    check_int(g, "warning", warning);
    check_int(g, "failed", failed);
    check_int(g, "running", running);
    check_int(g, "canceled", canceled);
    check_int(g, "other", other);
}

static void check_durations_null(size_t g)
{
    static const char *const names[] = {"duration_min", "duration_p50", "duration_p95",
                                        "duration_max", "duration_total"};
    for (size_t i = 0; i < LEN(names); i++)
        check_null(g, names[i]);
}

/* min, p50, p95, max, total, in seconds */
static void check_durations(size_t g, int64_t min, int64_t p50, int64_t p95, int64_t max,
                            int64_t total)
{
    check_seconds(g, "duration_min", min * SEC);
    check_seconds(g, "duration_p50", p50 * SEC);
    check_seconds(g, "duration_p95", p95 * SEC);
    check_seconds(g, "duration_max", max * SEC);
    check_seconds(g, "duration_total", total * SEC);
}

/* ---- columns ------------------------------------------------------------------------------ */

static const char *const METRICS[] = {
    "count",          "success",
    "warning",        "failed",
    "running",        "canceled",
    "other",          "success_rate",
    "duration_min",   "duration_p50",
    "duration_p95",   "duration_max",
    "duration_total", "processed_objects_total",
    "first_start",    "last_start",
};

Test(stats, column_names_without_keys)
{
    compute(NULL, 0);
    cr_assert_eq(st_columns(R), 16);
    for (size_t c = 0; c < LEN(METRICS); c++)
        cr_assert_str_eq(st_column_name(R, c), METRICS[c]);
    cr_assert_null(st_column_name(R, 16));
}

Test(stats, column_names_with_keys)
{
    static const ses_key by[] = {K_INITIATED_BY, K_DAY};
    compute(by, 2);
    cr_assert_eq(st_columns(R), 18);
    cr_assert_str_eq(st_column_name(R, 0), "initiated_by");
    cr_assert_str_eq(st_column_name(R, 1), "day");
    for (size_t c = 0; c < LEN(METRICS); c++)
        cr_assert_str_eq(st_column_name(R, 2 + c), METRICS[c]);
    cr_assert_null(st_column_name(R, 18));
}

/* ---- no keys ------------------------------------------------------------------------------ */

Test(stats, no_keys_and_no_rows_is_one_empty_group)
{
    compute(NULL, 0);
    cr_assert_eq(st_groups(R), 1);
    check_int(0, "count", 0);
    check_outcomes(0, 0, 0, 0, 0, 0, 0);
    check_null(0, "success_rate");
    check_durations_null(0);
    check_int(0, "processed_objects_total", 0);
    check_null(0, "first_start");
    check_null(0, "last_start");
}

Test(stats, keys_and_no_rows_is_no_group)
{
    add_session("a", "Success", 1 * SEC);
    static const ses_key by[] = {K_NAME};
    compute_rows(NULL, 0, by, 1);
    cr_assert_eq(st_groups(R), 0);
}

Test(stats, no_keys_is_one_group_of_all)
{
    add_session("a", "Success", 3 * SEC);
    add_session("b", "Failed", 1 * SEC);
    add_session(NULL, "Success", SES_NULL);
    add_session("a", "Warning", 2 * SEC);
    compute(NULL, 0);
    cr_assert_eq(st_groups(R), 1);
    check_int(0, "count", 4);
    check_outcomes(0, 2, 1, 1, 0, 0, 0);
    check_ratio(0, "success_rate", 0.5); /* 2 / (4 - 0) */
    /* {3, 1, 2} sorted {1, 2, 3}: p50 rank ceil(1.5) = 2, p95 rank ceil(2.85) = 3 */
    check_durations(0, 1, 2, 3, 3, 6);
}

/* ---- statuses ----------------------------------------------------------------------------- */

Test(stats, status_counts_and_success_rate)
{
    /* "mixed": every status word once, and a null status */
    static const char *const mixed[] = {"Success",       "Warning",  "Failed",    "Error",
                                        "Running",       "Canceled", "Stopped",   "None",
                                        "NotConfigured", "Unknown",  "Succeeded", NULL};
    for (size_t i = 0; i < LEN(mixed); i++)
        add_session("mixed", mixed[i], SES_NULL);
    /* "running": nothing finished */
    add_session("running", "Running", SES_NULL);
    add_session("running", "Running", SES_NULL);
    /* "some": 3 successes, 1 failure, 2 running */
    static const char *const some[] = {"Running", "Success", "Failed",
                                       "Success", "Running", "Success"};
    for (size_t i = 0; i < LEN(some); i++)
        add_session("some", some[i], SES_NULL);
    static const ses_key by[] = {K_NAME};
    compute(by, 1);
    cr_assert_eq(st_groups(R), 3);

    check_group(0, "name", "mixed", 12);
    /* Failed and Error are failed; Stopped, None, NotConfigured, Unknown, Succeeded and null
     * are other */
    check_outcomes(0, 1, 1, 2, 1, 1, 6);
    check_ratio(0, "success_rate", 1.0 / 11.0); /* 1 / (12 - 1) */

    check_group(1, "name", "running", 2);
    check_outcomes(1, 0, 0, 0, 2, 0, 0);
    check_null(1, "success_rate"); /* 0 / (2 - 2) */

    check_group(2, "name", "some", 6);
    check_outcomes(2, 3, 0, 1, 2, 0, 0);
    check_ratio(2, "success_rate", 0.75); /* 3 / (6 - 2) */
}

Test(stats, success_rate_zero_when_nothing_succeeded)
{
    add_session("x", "Failed", SES_NULL);
    add_session("x", "Warning", SES_NULL);
    compute(NULL, 0);
    check_ratio(0, "success_rate", 0.0);
}

Test(stats, status_words_match_exactly)
{
    /* status is canonical in the table; another spelling is not one of the counted words */
    add_session("x", "success", SES_NULL);
    add_session("x", "Success ", SES_NULL);
    add_session("x", "", SES_NULL);
    compute(NULL, 0);
    check_outcomes(0, 0, 0, 0, 0, 0, 3);
    check_ratio(0, "success_rate", 0.0);
}

/* ---- durations ---------------------------------------------------------------------------- */

/* One group per list of durations (seconds), named so that text order is the order here. */
typedef struct {
    const char *name;
    size_t n;
    int64_t d[8];
    int64_t min, p50, p95, max, total;
} duration_case;

static const duration_case small_cases[] = {
    /* n = 1: every rank is 1 */
    {"n=01", 1, {7}, 7, 7, 7, 7, 7},
    /* {3, 9}: p50 rank ceil(1.0) = 1, p95 rank ceil(1.9) = 2 */
    {"n=02", 2, {9, 3}, 3, 3, 9, 9, 12},
    /* {1, 5, 5}: p50 rank ceil(1.5) = 2, p95 rank ceil(2.85) = 3 */
    {"n=03", 3, {5, 5, 1}, 1, 5, 5, 5, 11},
    /* {10, 20, 30, 40}: p50 rank 2, p95 rank ceil(3.8) = 4 */
    {"n=04", 4, {40, 10, 30, 20}, 10, 20, 40, 40, 100},
    /* {2, 2, 4, 6, 8}: p50 rank ceil(2.5) = 3, p95 rank ceil(4.75) = 5 */
    {"n=05", 5, {2, 8, 2, 6, 4}, 2, 4, 8, 8, 22},
};

Test(stats, nearest_rank_on_small_sets)
{
    for (size_t c = 0; c < LEN(small_cases); c++)
        for (size_t i = 0; i < small_cases[c].n; i++)
            add_session(small_cases[c].name, "Success", small_cases[c].d[i] * SEC);
    static const ses_key by[] = {K_NAME};
    compute(by, 1);
    cr_assert_eq(st_groups(R), LEN(small_cases));
    for (size_t c = 0; c < LEN(small_cases); c++) {
        const duration_case *k = &small_cases[c];
        check_text(c, "name", k->name);
        check_int(c, "count", (int64_t)k->n);
        check_durations(c, k->min, k->p50, k->p95, k->max, k->total);
    }
}

Test(stats, nearest_rank_on_ten_with_duplicates)
{
    static const int64_t d[] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
    for (size_t i = 0; i < LEN(d); i++)
        add_session("pi", "Success", d[i] * SEC);
    compute(NULL, 0);
    /* sorted {1, 1, 2, 3, 3, 4, 5, 5, 6, 9}: p50 rank 5 -> 3, p95 rank ceil(9.5) = 10 -> 9;
     * total 3+1+4+1+5+9+2+6+5+3 = 39 */
    check_durations(0, 1, 3, 9, 9, 39);
}

/* Durations k^2 seconds for k = 1..n, added in the order k = (11 i mod n) + 1, which visits
 * every k once because 11 has no factor in common with 19, 20 or 21. */
static void add_squares(size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t k = (int64_t)((11 * i) % n) + 1;
        add_session("squares", "Success", k * k * SEC);
    }
}

Test(stats, nearest_rank_on_19)
{
    add_squares(19);
    compute(NULL, 0);
    /* p50 rank ceil(9.5) = 10 -> 100, p95 rank ceil(18.05) = 19 -> 361;
     * total 19 * 20 * 39 / 6 = 2470 */
    check_durations(0, 1, 100, 361, 361, 2470);
}

Test(stats, nearest_rank_on_20)
{
    add_squares(20);
    compute(NULL, 0);
    /* p50 rank 10 -> 100, p95 rank 19 -> 361; total 20 * 21 * 41 / 6 = 2870 */
    check_durations(0, 1, 100, 361, 400, 2870);
}

Test(stats, nearest_rank_on_21)
{
    add_squares(21);
    compute(NULL, 0);
    /* p50 rank ceil(10.5) = 11 -> 121, p95 rank ceil(19.95) = 20 -> 400;
     * total 21 * 22 * 43 / 6 = 3311 */
    check_durations(0, 1, 121, 400, 441, 3311);
}

Test(stats, durations_skip_nulls)
{
    add_session("a", "Success", SES_NULL);
    add_session("a", "Success", 4 * SEC);
    add_session("a", "Running", SES_NULL);
    add_session("a", "Success", 2 * SEC);
    add_session("b", "Running", SES_NULL);
    static const ses_key by[] = {K_NAME};
    compute(by, 1);
    cr_assert_eq(st_groups(R), 2);
    check_int(0, "count", 4);
    /* {2, 4}: p50 rank 1, p95 rank 2 */
    check_durations(0, 2, 2, 4, 4, 6);
    check_int(1, "count", 1);
    check_durations_null(1);
}

Test(stats, durations_keep_ticks_and_zero)
{
    add_session("a", "Success", 0);
    add_session("a", "Success", 778237000LL); /* 77.8237 s */
    add_session("a", "Success", 1);           /* 100 ns */
    compute(NULL, 0);
    /* {0, 1, 778237000}: p50 rank 2, p95 rank 3 */
    check_seconds(0, "duration_min", 0);
    check_seconds(0, "duration_p50", 1);
    check_seconds(0, "duration_p95", 778237000LL);
    check_seconds(0, "duration_max", 778237000LL);
    check_seconds(0, "duration_total", 778237001LL);
}

Test(stats, totals_saturate)
{
    add_session("up", "Success", INT64_MAX - 10);
    add_session("up", "Success", 20);
    add_session("down", "Success", INT64_MIN + 5);
    add_session("down", "Success", -10);
    static const ses_key by[] = {K_NAME};
    compute(by, 1);
    cr_assert_eq(st_groups(R), 2);
    check_text(0, "name", "down");
    /* the low end stops one above INT64_MIN, which is null */
    check_seconds(0, "duration_total", INT64_MIN + 1);
    check_seconds(0, "duration_min", INT64_MIN + 5);
    check_text(1, "name", "up");
    check_seconds(1, "duration_total", INT64_MAX);
    check_seconds(1, "duration_max", INT64_MAX - 10);
}

/* ---- processed objects and starts --------------------------------------------------------- */

static size_t add_processed(const char *name, int64_t processed)
{
    ses_session s = blank();
    put(&s, K_NAME, name);
    put_num(&s, K_PROCESSED_OBJECTS, processed);
    return add(&s);
}

Test(stats, processed_objects_total_counts_null_as_zero)
{
    add_processed("a", 5);
    add_processed("a", SES_NULL);
    add_processed("a", 7);
    add_processed("a", 0);
    add_processed("b", SES_NULL);
    add_processed("b", SES_NULL);
    add_processed("c", INT64_MAX);
    add_processed("c", 1);
    static const ses_key by[] = {K_NAME};
    compute(by, 1);
    cr_assert_eq(st_groups(R), 3);
    check_int(0, "processed_objects_total", 12); /* 5 + 0 + 7 + 0 */
    check_int(1, "processed_objects_total", 0);
    check_int(2, "processed_objects_total", INT64_MAX); /* saturated */
}

static size_t add_start(const char *name, const char *start)
{
    ses_session s = blank();
    put(&s, K_NAME, name);
    put_num(&s, K_START, start ? utc(start) : SES_NULL);
    return add(&s);
}

Test(stats, first_and_last_start_skip_nulls)
{
    add_start("a", NULL);
    add_start("a", "2022-03-01T10:00:00Z");
    add_start("a", "2021-12-31T23:59:59.9999999Z");
    add_start("a", NULL);
    add_start("a", "2022-02-01T00:00:00Z");
    add_start("b", NULL);
    static const ses_key by[] = {K_NAME};
    compute(by, 1);
    cr_assert_eq(st_groups(R), 2);
    check_time(0, "first_start", "2021-12-31T23:59:59.9999999Z");
    check_time(0, "last_start", "2022-03-01T10:00:00Z");
    check_null(1, "first_start");
    check_null(1, "last_start");
}

/* ---- group order -------------------------------------------------------------------------- */

Test(stats, groups_in_byte_order_null_last)
{
    /* added scrambled; expected order by bytes, a prefix first, null last:
     * "" < "B" (0x42) < "Vesp" < "Vesp2" < "Vex" ('s' 0x73 < 'x' 0x78) < "a" (0x61)
     * < "a\0b" < "ab" < "é" (0xC3 0xA9) < null */
    add_session("a", NULL, SES_NULL);
    add_session(NULL, NULL, SES_NULL);
    add_session("Vex", NULL, SES_NULL);
    add_session("\xc3\xa9", NULL, SES_NULL);
    add_session("ab", NULL, SES_NULL);
    add_session("Vesp2", NULL, SES_NULL);
    add_session("B", NULL, SES_NULL);
    ses_session s = blank();
    put_n(&s, K_NAME, "a\0b", 3);
    add(&s);
    add_session("Vesp", NULL, SES_NULL);
    add_session("", NULL, SES_NULL);
    add_session("Vex", NULL, SES_NULL);
    add_session(NULL, NULL, SES_NULL);

    static const ses_key by[] = {K_NAME};
    compute(by, 1);
    cr_assert_eq(st_groups(R), 10);
    check_text(0, "name", "");
    check_text(1, "name", "B");
    check_text(2, "name", "Vesp");
    check_text(3, "name", "Vesp2");
    check_group(4, "name", "Vex", 2);
    check_text(5, "name", "a");
    check_text_n(6, "name", "a\0b", 3);
    check_text(7, "name", "ab");
    check_text(8, "name", "\xc3\xa9");
    check_null(9, "name");
    check_int(9, "count", 2);
    check_outcomes(9, 0, 0, 0, 0, 0, 2);
}

Test(stats, two_keys_order_key_by_key)
{
    add_session("X", "Success", SES_NULL);
    add_session("X", NULL, SES_NULL);
    add_session(NULL, "Failed", SES_NULL);
    add_session("X", "Failed", SES_NULL);
    add_session(NULL, NULL, SES_NULL);
    add_session("A", "Success", SES_NULL);
    add_session("X", "Success", SES_NULL);
    add_session(NULL, NULL, SES_NULL);
    static const ses_key by[] = {K_NAME, K_STATUS};
    compute(by, 2);
    /* (A, Success) 1, (X, Failed) 1, (X, Success) 2, (X, null) 1, (null, Failed) 1,
     * (null, null) 2 */
    cr_assert_eq(st_groups(R), 6);
    check_text(0, "name", "A");
    check_group(0, "status", "Success", 1);
    check_text(1, "name", "X");
    check_group(1, "status", "Failed", 1);
    check_int(1, "failed", 1);
    check_text(2, "name", "X");
    check_group(2, "status", "Success", 2);
    check_int(2, "success", 2);
    check_text(3, "name", "X");
    check_null(3, "status");
    check_int(3, "count", 1);
    check_int(3, "other", 1);
    check_null(4, "name");
    check_group(4, "status", "Failed", 1);
    check_null(5, "name");
    check_null(5, "status");
    check_int(5, "count", 2);
}

Test(stats, tuples_do_not_run_together)
{
    /* ("ab", "c") and ("a", "bc") have the same bytes end to end, but are two groups */
    add_session("ab", "c", SES_NULL);
    add_session("a", "bc", SES_NULL);
    add_session("a", "bc", SES_NULL);
    static const ses_key by[] = {K_NAME, K_STATUS};
    compute(by, 2);
    cr_assert_eq(st_groups(R), 2);
    check_text(0, "name", "a");
    check_group(0, "status", "bc", 2);
    check_text(1, "name", "ab");
    check_group(1, "status", "c", 1);
}

/* ---- derived and number keys -------------------------------------------------------------- */

static void add_starts_for_calendar(void)
{
    add_start("s", "2022-02-01T05:00:00Z");
    add_start("s", "2022-01-31T23:30:00Z");
    add_start("s", NULL);
    add_start("s", "2022-02-01T00:50:00Z");
    add_start("s", "2022-02-01T00:10:00Z");
}

Test(stats, by_day)
{
    add_starts_for_calendar();
    static const ses_key by[] = {K_DAY};
    compute(by, 1);
    cr_assert_eq(st_groups(R), 3);
    check_group(0, "day", "2022-01-31", 1);
    check_group(1, "day", "2022-02-01", 3);
    check_time(1, "first_start", "2022-02-01T00:10:00Z");
    check_time(1, "last_start", "2022-02-01T05:00:00Z");
    check_null(2, "day");
    check_int(2, "count", 1);
    check_null(2, "first_start");
}

Test(stats, by_month)
{
    add_starts_for_calendar();
    static const ses_key by[] = {K_MONTH};
    compute(by, 1);
    cr_assert_eq(st_groups(R), 3);
    check_group(0, "month", "2022-01", 1);
    check_group(1, "month", "2022-02", 3);
    check_null(2, "month");
    check_int(2, "count", 1);
}

Test(stats, by_hour)
{
    add_starts_for_calendar();
    static const ses_key by[] = {K_HOUR};
    compute(by, 1);
    cr_assert_eq(st_groups(R), 4);
    check_group(0, "hour", "2022-01-31T23", 1);
    check_group(1, "hour", "2022-02-01T00", 2);
    check_time(1, "first_start", "2022-02-01T00:10:00Z");
    check_time(1, "last_start", "2022-02-01T00:50:00Z");
    check_group(2, "hour", "2022-02-01T05", 1);
    check_null(3, "hour");
    check_int(3, "count", 1);
}

Test(stats, by_number_key_in_text_order)
{
    add_processed("p", 9);
    add_processed("p", 10);
    add_processed("p", SES_NULL);
    add_processed("p", 100);
    add_processed("p", 9);
    add_processed("p", -1);
    static const ses_key by[] = {K_PROCESSED_OBJECTS};
    compute(by, 1);
    /* as text: "-1" < "10" < "100" < "9" < null */
    cr_assert_eq(st_groups(R), 5);
    check_text(0, "processed_objects", "-1");
    check_int(0, "processed_objects_total", -1);
    check_text(1, "processed_objects", "10");
    check_text(2, "processed_objects", "100");
    check_group(3, "processed_objects", "9", 2);
    check_int(3, "processed_objects_total", 18);
    check_null(4, "processed_objects");
    check_int(4, "processed_objects_total", 0);
}

Test(stats, by_duration_and_start_show_their_text)
{
    ses_session s = blank();
    put_num(&s, K_DURATION, 778237000LL); /* 77.8237 s */
    put_num(&s, K_START, utc("2022-01-28T19:52:36.9177053Z"));
    add(&s);
    s = blank();
    put_num(&s, K_DURATION, 3600 * SEC);
    put_num(&s, K_START, utc("2022-01-28T20:00:00Z"));
    add(&s);
    static const ses_key by[] = {K_DURATION, K_START};
    compute(by, 2);
    cr_assert_eq(st_groups(R), 2);
    /* "3600" < "77.8237" */
    check_text(0, "duration", "3600");
    check_text(0, "start", "2022-01-28T20:00:00.0000000Z");
    check_seconds(0, "duration_total", 3600 * SEC);
    check_text(1, "duration", "77.8237");
    check_text(1, "start", "2022-01-28T19:52:36.9177053Z");
}

Test(stats, by_source)
{
    ses_session s = blank();
    s.source = SES_SRC_VB365_RETRIEVAL;
    add(&s);
    s = blank();
    s.source = SES_SRC_AZURE_JOB;
    add(&s);
    add(&s);
    static const ses_key by[] = {K_SOURCE};
    compute(by, 1);
    cr_assert_eq(st_groups(R), 2);
    check_group(0, "source", "azure-job", 2);
    check_group(1, "source", "vb365-retrieval", 1);
}

/* ---- rows, lifetime, size ----------------------------------------------------------------- */

Test(stats, only_the_given_rows_count)
{
    add_session("a", "Success", 1 * SEC); /* 0 */
    add_session("a", "Failed", 2 * SEC);  /* 1 */
    add_session("b", "Success", 3 * SEC); /* 2 */
    add_session("a", "Running", 4 * SEC); /* 3 */
    add_session("a", "Success", 5 * SEC); /* 4 */
    add_session("c", "Success", 6 * SEC); /* 5 */
    static const size_t rows[] = {4, 1, 3};
    static const ses_key by[] = {K_NAME};
    compute_rows(rows, LEN(rows), by, 1);
    cr_assert_eq(st_groups(R), 1);
    check_group(0, "name", "a", 3);
    check_outcomes(0, 1, 0, 1, 1, 0, 0);
    check_ratio(0, "success_rate", 0.5); /* 1 / (3 - 1) */
    /* {2, 4, 5}: p50 rank 2, p95 rank 3 */
    check_durations(0, 2, 4, 5, 5, 11);

    compute_rows(rows, LEN(rows), NULL, 0);
    cr_assert_eq(st_groups(R), 1);
    check_int(0, "count", 3);
}

Test(stats, result_outlives_the_table)
{
    add_start("kept name", "2022-02-01T05:00:00Z");
    static const ses_key by[] = {K_NAME, K_DAY};
    compute(by, 2);
    tbl_free(T);
    T = NULL;
    check_text(0, "name", "kept name");
    check_text(0, "day", "2022-02-01");
    check_time(0, "first_start", "2022-02-01T05:00:00Z");
}

Test(stats, out_of_range_reads_are_null)
{
    compute(NULL, 0);
    sq_value v;
    st_get(R, 1, 0, &v);
    cr_assert_eq(v.kind, SQ_NULL);
    st_get(R, 0, 16, &v);
    cr_assert_eq(v.kind, SQ_NULL);
}

Test(stats, many_rows_seven_groups)
{
    /* row i: day name i mod 7, start i seconds after 2022-01-01, duration (i mod 7) + 1 s,
     * 1 processed object; status Success, except for "thu" (i mod 7 = 3): Running when i is
     * even, Failed when odd */
    static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    const size_t n = 100000;
    int64_t t0 = utc("2022-01-01T00:00:00Z");
    for (size_t i = 0; i < n; i++) {
        ses_session s = blank();
        size_t d = i % 7;
        put(&s, K_NAME, days[d]);
        put(&s, K_STATUS, d != 3 ? "Success" : i % 2 ? "Failed" : "Running");
        put_num(&s, K_DURATION, (int64_t)(d + 1) * SEC);
        put_num(&s, K_START, t0 + (int64_t)i * SEC);
        put_num(&s, K_PROCESSED_OBJECTS, 1);
        add(&s);
    }
    static const ses_key by[] = {K_NAME};
    compute(by, 1);
    cr_assert_eq(st_groups(R), 7);
    /* 100000 = 7 * 14285 + 5: residues 0-4 have 14286 rows, 5 and 6 have 14285. The last row
     * of residue d is 99995 + d for d <= 4 (99995 = 7 * 14285), else 99988 + d. */
    static const size_t order[] = {4, 0, 5, 6, 3, 1, 2}; /* fri mon sat sun thu tue wed */
    for (size_t g = 0; g < 7; g++) {
        size_t d = order[g];
        int64_t count = d <= 4 ? 14286 : 14285;
        int64_t last = d <= 4 ? 99995 + (int64_t)d : 99988 + (int64_t)d;
        check_text(g, "name", days[d]);
        check_int(g, "count", count);
        check_int(g, "processed_objects_total", count);
        int64_t secs = (int64_t)d + 1;
        check_durations(g, secs, secs, secs, secs, count * secs);
        check_num(g, "first_start", SQ_TIME, t0 + (int64_t)d * SEC);
        check_num(g, "last_start", SQ_TIME, t0 + last * SEC);
        if (d == 3) {
            /* i = 3 + 7 j for j = 0..14285: i is even when j is odd, 7143 of each */
            check_outcomes(g, 0, 0, 7143, 7143, 0, 0);
            check_ratio(g, "success_rate", 0.0);
        } else {
            check_outcomes(g, count, 0, 0, 0, 0, 0);
            check_ratio(g, "success_rate", 1.0);
        }
    }
}

Test(stats, many_groups_in_order)
{
    /* 5000 ids added in the order (37 i mod 5000), which visits each once (37 and 5000 share
     * no factor); grouped by id, each is a group of one, in the order of their numbers */
    const size_t n = 5000;
    for (size_t i = 0; i < n; i++) {
        char id[16];
        snprintf(id, sizeof id, "id-%05zu", (37 * i) % n);
        ses_session s = blank();
        put(&s, K_ID, id);
        cr_assert_eq(tbl_add(T, &s), 0);
    }
    static const ses_key by[] = {K_ID};
    compute(by, 1);
    cr_assert_eq(st_groups(R), n);
    for (size_t g = 0; g < n; g++) {
        char want[16];
        snprintf(want, sizeof want, "id-%05zu", g);
        check_text(g, "id", want);
        check_int(g, "count", 1);
    }
}

/* Names are copied row by row, not interned: equal names are texts of different rows, and
 * must still be one group. Statuses come in more kinds than are remembered at once. */
Test(stats, equal_texts_of_different_rows_are_one_group)
{
    /* row i: name "a", "b" or "c" by i mod 3; status "Success" when i is even, else one of 600
     * made-up words "S0".."S599" (i / 2 mod 600), which all count as other */
    static const char *const names[] = {"a", "b", "c"};
    const size_t n = 3000;
    for (size_t i = 0; i < n; i++) {
        char status[16];
        snprintf(status, sizeof status, "S%zu", (i / 2) % 600);
        add_session(names[i % 3], i % 2 ? status : "Success", SES_NULL);
    }
    static const ses_key by[] = {K_NAME};
    compute(by, 1);
    cr_assert_eq(st_groups(R), 3);
    /* each residue mod 3 holds 1000 rows, 500 even (i mod 6 in {r, r + 3}: one even, one odd) */
    for (size_t g = 0; g < 3; g++) {
        check_text(g, "name", names[g]);
        check_int(g, "count", 1000);
        check_outcomes(g, 500, 0, 0, 0, 0, 500);
    }
    static const ses_key by_status[] = {K_STATUS};
    compute(by_status, 1);
    /* 600 words, in byte order, then "Success" ('u' sorts after every digit). The odd rows
     * i = 2k + 1, k in [0, 1500), use word k mod 600: three k for a word below 300, else two */
    cr_assert_eq(st_groups(R), 601);
    int64_t total = 0;
    for (size_t g = 0; g < 600; g++) {
        sq_value v = get(g, "status");
        cr_assert_eq(v.kind, SQ_TEXT);
        char word[8] = {0};
        cr_assert_lt(v.len, sizeof word);
        memcpy(word, v.text, v.len);
        unsigned w = (unsigned)atoi(word + 1);
        check_int(g, "count", w < 300 ? 3 : 2);
        check_outcomes(g, 0, 0, 0, 0, 0, w < 300 ? 3 : 2);
        total += w < 300 ? 3 : 2;
    }
    cr_assert_eq(total, 1500);
    check_text(600, "status", "Success");
    check_outcomes(600, 1500, 0, 0, 0, 0, 0);
}

/* Days and hours before 1970 round down: a second before midnight is another day, and the last
 * second of a day is the same day as its first. */
Test(stats, days_and_hours_around_midnight_before_and_after_1970)
{
    static const char *const starts[] = {
        "1969-12-31T00:00:00Z",         "1969-12-31T23:59:59Z", "1970-01-01T00:00:00Z",
        "1970-01-01T00:59:59Z",         "1970-01-01T01:00:00Z", "1969-12-31T23:00:00Z",
        "1969-12-31T22:59:59.9999999Z",
    };
    for (size_t i = 0; i < LEN(starts); i++) {
        ses_session s = blank();
        put_num(&s, K_START, utc(starts[i]));
        add(&s);
    }
    static const ses_key by_day[] = {K_DAY};
    compute(by_day, 1);
    cr_assert_eq(st_groups(R), 2);
    check_group(0, "day", "1969-12-31", 4);
    check_group(1, "day", "1970-01-01", 3);
    static const ses_key by_hour[] = {K_HOUR};
    compute(by_hour, 1);
    cr_assert_eq(st_groups(R), 5);
    check_group(0, "hour", "1969-12-31T00", 1);
    check_group(1, "hour", "1969-12-31T22", 1);
    check_group(2, "hour", "1969-12-31T23", 2);
    check_group(3, "hour", "1970-01-01T00", 2);
    check_group(4, "hour", "1970-01-01T01", 1);
}

/* More keys than rows are remembered by: the tuple alone decides. */
Test(stats, five_keys)
{
    /* row i: type "t" + (i mod 2), state "s" + (i mod 3), organization "o", scope null,
     * client host "h"; 12 rows make 6 groups of 2 */
    for (size_t i = 0; i < 12; i++) {
        ses_session s = blank();
        char type[4], state[4];
        snprintf(type, sizeof type, "t%zu", i % 2);
        snprintf(state, sizeof state, "s%zu", i % 3);
        put(&s, K_TYPE, type);
        put(&s, K_STATE, state);
        put(&s, K_ORGANIZATION, "o");
        put(&s, K_CLIENT_HOST, "h");
        add(&s);
    }
    static const ses_key by[] = {K_TYPE, K_STATE, K_ORGANIZATION, K_SCOPE, K_CLIENT_HOST};
    compute(by, 5);
    cr_assert_eq(st_groups(R), 6);
    for (size_t g = 0; g < 6; g++) {
        char type[4], state[4];
        snprintf(type, sizeof type, "t%zu", g / 3);
        snprintf(state, sizeof state, "s%zu", g % 3);
        check_text(g, "type", type);
        check_text(g, "state", state);
        check_null(g, "scope");
        check_int(g, "count", 2);
    }
}

static int by_value(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Percentiles are found by selection, not by sorting: on many values, in orders that are hard
 * for a quickselect (sorted, reversed, all equal, few distinct, random), each must be the value
 * at rank ceil(q * n) of the sorted list, and the total must not depend on the order. */
Test(stats, percentiles_by_selection_equal_those_of_a_sorted_list)
{
    enum { N = 5001 };
    static int64_t d[N], sorted[N];
    for (int order = 0; order < 5; order++) {
        tbl_free(T);
        T = tbl_new();
        cr_assert_not_null(T);
        unsigned x = 12345;
        for (int i = 0; i < N; i++) {
            x = x * 1103515245u + 12345u;
            d[i] = order == 0   ? i
                   : order == 1 ? N - i
                   : order == 2 ? 7
                   : order == 3 ? (int64_t)(x >> 16) % 4
                                : (int64_t)(x >> 8) % 100000;
            add_session("n", "Success", d[i] * SEC);
        }
        memcpy(sorted, d, sizeof d);
        qsort(sorted, N, sizeof *sorted, by_value);
        int64_t total = 0;
        for (int i = 0; i < N; i++)
            total += sorted[i];
        compute(NULL, 0);
        /* ceil(0.5 * 5001) = 2501, ceil(0.95 * 5001) = 4751 (1-based ranks) */
        check_durations(0, sorted[0], sorted[2500], sorted[4750], sorted[N - 1], total);
    }
}
