/* test_diff.c: comparing two tables: matching by (source, id), what counts as a difference
 * (text by bytes, numbers and instants by value, null against a value), --ignore, the rows
 * selected on each side, and the order of each kind. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "session.h"
#include "table.h"

static tbl_table *OLD, *NEW;

static void setup(void)
{
    OLD = tbl_new();
    NEW = tbl_new();
    cr_assert(OLD && NEW);
}

static void teardown(void)
{
    tbl_free(OLD);
    tbl_free(NEW);
}

TestSuite(diff, .init = setup, .fini = teardown);

static ses_session make(ses_source src, const char *id)
{
    ses_session s;
    memset(&s, 0, sizeof s);
    s.source = src;
    for (int k = 0; k < SES_NNUM; k++)
        s.num[k] = SES_NULL;
    s.text[ses_text_slot(K_ID)] = (sq_str){id, (uint32_t)strlen(id)};
    return s;
}

static void put(ses_session *s, ses_key k, const char *p)
{
    s->text[ses_text_slot(k)] = (sq_str){p, p ? (uint32_t)strlen(p) : 0};
}

static void put_num(ses_session *s, ses_key k, int64_t v) { s->num[ses_num_slot(k)] = v; }

static void add(tbl_table *t, const ses_session *s) { cr_assert_geq(tbl_add(t, s), 0); }

/* Compares every row of both tables. */
static dif_result *compare_all(const bool *ignore)
{
    size_t rows_old[64], rows_new[64];
    cr_assert_leq(tbl_count(OLD), 64);
    cr_assert_leq(tbl_count(NEW), 64);
    for (size_t i = 0; i < tbl_count(OLD); i++)
        rows_old[i] = i;
    for (size_t i = 0; i < tbl_count(NEW); i++)
        rows_new[i] = i;
    dif_result *r =
        dif_compare(OLD, rows_old, tbl_count(OLD), NEW, rows_new, tbl_count(NEW), ignore);
    cr_assert_not_null(r);
    return r;
}

static void check_counts(const dif_result *r, size_t added, size_t removed, size_t changed,
                         size_t unchanged)
{
    cr_assert_eq(dif_count(r, DIF_ADDED), added, "added %zu, expected %zu", dif_count(r, DIF_ADDED),
                 added);
    cr_assert_eq(dif_count(r, DIF_REMOVED), removed, "removed %zu, expected %zu",
                 dif_count(r, DIF_REMOVED), removed);
    cr_assert_eq(dif_count(r, DIF_CHANGED), changed, "changed %zu, expected %zu",
                 dif_count(r, DIF_CHANGED), changed);
    cr_assert_eq(dif_unchanged(r), unchanged, "unchanged %zu, expected %zu", dif_unchanged(r),
                 unchanged);
    cr_assert_eq(dif_differs(r), added + removed + changed > 0);
}

/* The one changed session differs in exactly keys[0..n). */
static void check_changed_keys(const dif_result *r, const ses_key *keys, size_t n)
{
    cr_assert_eq(dif_count(r, DIF_CHANGED), 1);
    dif_entry e = dif_get(r, DIF_CHANGED, 0);
    cr_assert_eq(e.nkeys, n, "%zu keys differ, expected %zu", e.nkeys, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(e.keys[i], keys[i], "key %zu is %s, expected %s", i, ses_key_name(e.keys[i]),
                     ses_key_name(keys[i]));
}

Test(diff, empty_tables_are_the_same)
{
    dif_result *r = compare_all(NULL);
    check_counts(r, 0, 0, 0, 0);
    dif_free(r);
}

Test(diff, identical_sessions)
{
    ses_session a = make(SES_SRC_VB365_RESTORE, "a");
    put(&a, K_NAME, "Exchange restore");
    put_num(&a, K_START, 1000);
    add(OLD, &a);
    add(NEW, &a);
    dif_result *r = compare_all(NULL);
    check_counts(r, 0, 0, 0, 1);
    dif_free(r);
}

/* Matched by (source, id): the same id from another source is another session. */
Test(diff, added_and_removed_by_source_and_id)
{
    ses_session a = make(SES_SRC_VB365_RESTORE, "1");
    ses_session b = make(SES_SRC_AZURE_JOB, "1");
    add(OLD, &a);
    add(NEW, &b);
    dif_result *r = compare_all(NULL);
    check_counts(r, 1, 1, 0, 0);
    dif_entry added = dif_get(r, DIF_ADDED, 0), removed = dif_get(r, DIF_REMOVED, 0);
    cr_assert_eq(added.new_row, 0);
    cr_assert_eq(added.old_row, TBL_NONE);
    cr_assert_eq(removed.old_row, 0);
    cr_assert_eq(removed.new_row, TBL_NONE);
    cr_assert_eq(added.nkeys, 0);
    dif_free(r);
}

Test(diff, text_compared_by_bytes)
{
    ses_session a = make(SES_SRC_VB365_RESTORE, "a");
    ses_session b = make(SES_SRC_VB365_RESTORE, "a");
    put(&a, K_RESULT, "Success");
    put(&b, K_RESULT, "success");
    put(&a, K_NAME, "same");
    put(&b, K_NAME, "same");
    add(OLD, &a);
    add(NEW, &b);
    dif_result *r = compare_all(NULL);
    check_counts(r, 0, 0, 1, 0);
    static const ses_key want[] = {K_RESULT};
    check_changed_keys(r, want, 1);
    dif_free(r);
}

/* An empty text is a value: it differs from a null, in either direction. */
Test(diff, null_against_empty_text_and_values)
{
    ses_session a = make(SES_SRC_VB365_RESTORE, "a");
    ses_session b = make(SES_SRC_VB365_RESTORE, "a");
    put(&a, K_ORGANIZATION, "");
    put(&b, K_SCOPE, "");
    put_num(&b, K_END, 0); /* the instant 1970-01-01, not a null */
    put_num(&a, K_PROCESSED_OBJECTS, 0);
    add(OLD, &a);
    add(NEW, &b);
    dif_result *r = compare_all(NULL);
    static const ses_key want[] = {K_END, K_ORGANIZATION, K_SCOPE, K_PROCESSED_OBJECTS};
    check_changed_keys(r, want, 4);
    check_counts(r, 0, 0, 1, 0);
    dif_free(r);
}

Test(diff, numbers_durations_and_instants_by_value)
{
    ses_session a = make(SES_SRC_AZURE_JOB, "42");
    ses_session b = make(SES_SRC_AZURE_JOB, "42");
    put_num(&a, K_START, 100);
    put_num(&b, K_START, 100);
    put_num(&a, K_END, 200);
    put_num(&b, K_END, 201); /* 100 ns later */
    put_num(&a, K_DURATION, 6000000000LL);
    put_num(&b, K_DURATION, 6000000000LL);
    put_num(&a, K_USN, 100);
    put_num(&b, K_USN, 250);
    put_num(&a, K_PROTECTED_INSTANCES, 3);
    put_num(&b, K_PROTECTED_INSTANCES, 3);
    add(OLD, &a);
    add(NEW, &b);
    dif_result *r = compare_all(NULL);
    static const ses_key want[] = {K_END, K_USN};
    check_changed_keys(r, want, 2);
    dif_free(r);
}

Test(diff, ignored_keys_are_not_compared)
{
    ses_session a = make(SES_SRC_VB365_RESTORE, "a");
    ses_session b = make(SES_SRC_VB365_RESTORE, "a");
    put(&a, K_STATE, "Working");
    put(&b, K_STATE, "Stopped");
    put(&a, K_STATUS, "Running");
    put(&b, K_STATUS, "Success");
    put(&b, K_RESULT, "Success");
    add(OLD, &a);
    add(NEW, &b);
    bool ignore[SES_NKEYS] = {false};
    ignore[K_STATE] = ignore[K_STATUS] = true;
    dif_result *r = compare_all(ignore);
    static const ses_key want[] = {K_RESULT};
    check_changed_keys(r, want, 1);
    dif_free(r);
    ignore[K_RESULT] = true;
    r = compare_all(ignore);
    check_counts(r, 0, 0, 0, 1);
    dif_free(r);
}

/* Added and changed in the new table's order, removed in the old one's. */
Test(diff, order_of_each_kind)
{
    const char *old_ids[] = {"r1", "c1", "r2", "c2", "u"};
    const char *new_ids[] = {"c2", "a1", "u", "c1", "a2"};
    for (size_t i = 0; i < 5; i++) {
        ses_session s = make(SES_SRC_VB365_RESTORE, old_ids[i]);
        put(&s, K_NAME, "old");
        add(OLD, &s);
    }
    for (size_t i = 0; i < 5; i++) {
        ses_session s = make(SES_SRC_VB365_RESTORE, new_ids[i]);
        put(&s, K_NAME, new_ids[i][0] == 'u' ? "old" : "new");
        add(NEW, &s);
    }
    dif_result *r = compare_all(NULL);
    check_counts(r, 2, 2, 2, 1);
    cr_assert_eq(dif_get(r, DIF_ADDED, 0).new_row, 1);   /* a1 */
    cr_assert_eq(dif_get(r, DIF_ADDED, 1).new_row, 4);   /* a2 */
    cr_assert_eq(dif_get(r, DIF_REMOVED, 0).old_row, 0); /* r1 */
    cr_assert_eq(dif_get(r, DIF_REMOVED, 1).old_row, 2); /* r2 */
    dif_entry c2 = dif_get(r, DIF_CHANGED, 0), c1 = dif_get(r, DIF_CHANGED, 1);
    cr_assert(c2.new_row == 0 && c2.old_row == 3, "c2 first: new 0, old 3");
    cr_assert(c1.new_row == 3 && c1.old_row == 1, "c1 next: new 3, old 1");
    dif_free(r);
}

/* Only the selected rows take part: an old session that is not selected is absent, so its new
 * match is added; a new one that is not selected leaves its old match removed. */
Test(diff, only_selected_rows_compare)
{
    ses_session a = make(SES_SRC_VB365_RESTORE, "a");
    ses_session b = make(SES_SRC_VB365_RESTORE, "b");
    add(OLD, &a);
    add(OLD, &b);
    add(NEW, &a);
    add(NEW, &b);
    size_t old_rows[] = {1}, new_rows[] = {0};
    dif_result *r = dif_compare(OLD, old_rows, 1, NEW, new_rows, 1, NULL);
    cr_assert_not_null(r);
    check_counts(r, 1, 1, 0, 0);
    cr_assert_eq(dif_get(r, DIF_ADDED, 0).new_row, 0);
    cr_assert_eq(dif_get(r, DIF_REMOVED, 0).old_row, 1);
    dif_free(r);
}

/* The report of one changed session in json: values typed as `list -f json` types them. */
Test(diff, json_report_types_values)
{
    ses_session a = make(SES_SRC_AZURE_JOB, "7");
    ses_session b = make(SES_SRC_AZURE_JOB, "7");
    put_num(&a, K_USN, 5);
    put_num(&b, K_USN, 6);
    put_num(&b, K_END, 0);
    put(&a, K_NAME, "q\"uote");
    add(OLD, &a);
    add(NEW, &b);
    dif_result *r = compare_all(NULL);
    char *text = NULL;
    size_t n = 0;
    FILE *fp = open_memstream(&text, &n);
    cr_assert_not_null(fp);
    cr_assert_eq(dif_write(r, OUT_JSON, fp, NULL), 0);
    fclose(fp);
    const char *want = "{\"added\":[],\n\"removed\":[],\n\"changed\":[\n"
                       "{\"source\":\"azure-job\",\"id\":\"7\",\"changes\":["
                       "{\"key\":\"name\",\"old\":\"q\\\"uote\",\"new\":null},"
                       "{\"key\":\"end\",\"old\":null,\"new\":\"1970-01-01T00:00:00.0000000Z\"},"
                       "{\"key\":\"usn\",\"old\":5,\"new\":6}]}\n],\n\"unchanged\":0}\n";
    cr_assert_str_eq(text, want);
    free(text);
    dif_free(r);
}
