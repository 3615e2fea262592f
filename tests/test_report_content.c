/* test_report_content.c: rp_build() over hand-made tables: the chart's unit and its empty
 * buckets, sessions without a start, the reference instant, the lists (order, --top, totals),
 * failures per group, findings per code. Every expected value is worked out by hand beside it. */
#include <criterion/criterion.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "findings.h"
#include "report.h"
#include "session.h"
#include "table.h"

#define SEC 10000000LL
#define DAY (86400 * SEC)
/* 2022-03-01T00:00:00Z in ticks since 1970: 19052 days. */
#define MAR1 (19052 * DAY)

static tbl_table *T;
static fnd_list *F;
static rp_report *R;
static unsigned next_id;
static char ids[64][8];

static void setup(void)
{
    T = tbl_new();
    F = fnd_new();
    cr_assert(T && F);
    R = NULL;
    next_id = 0;
}

static void teardown(void)
{
    rp_free(R);
    fnd_free(F);
    tbl_free(T);
}

TestSuite(report_content, .init = setup, .fini = teardown);

/* Adds a restore session with this status, start and duration (SES_NULL: none), organization. */
static void add(const char *status, int64_t start, int64_t duration, const char *org)
{
    ses_session s;
    memset(&s, 0, sizeof s);
    s.source = SES_SRC_VB365_RESTORE;
    for (int k = 0; k < SES_NNUM; k++)
        s.num[k] = SES_NULL;
    cr_assert_lt(next_id, 64);
    snprintf(ids[next_id], sizeof ids[0], "s%u", next_id);
    s.text[ses_text_slot(K_ID)] = (sq_str){ids[next_id], (uint32_t)strlen(ids[next_id])};
    next_id++;
    s.text[ses_text_slot(K_STATUS)] = (sq_str){status, (uint32_t)strlen(status)};
    if (org)
        s.text[ses_text_slot(K_ORGANIZATION)] = (sq_str){org, (uint32_t)strlen(org)};
    s.num[ses_num_slot(K_START)] = start;
    if (start != SES_NULL && duration != SES_NULL) {
        s.num[ses_num_slot(K_END)] = start + duration;
        s.num[ses_num_slot(K_DURATION)] = duration;
    }
    cr_assert_eq(tbl_add(T, &s), TBL_ADDED);
}

static void build(int64_t now, size_t top)
{
    size_t rows[64];
    for (size_t i = 0; i < tbl_count(T); i++)
        rows[i] = i;
    rp_inputs in = {1, 0, 1, tbl_count(T)};
    rp_options o = {NULL, NULL, now, top};
    R = rp_build(T, rows, tbl_count(T), F, &in, &o);
    cr_assert_not_null(R);
}

Test(report_content, empty_days_of_the_span_are_buckets)
{
    add("Success", MAR1 + 3600 * SEC, 60 * SEC, NULL);       /* 2022-03-01 */
    add("Failed", MAR1 + 3 * DAY, 30 * SEC, NULL);           /* 2022-03-04 */
    add("Failed", MAR1 + 3 * DAY + 60 * SEC, 5 * SEC, NULL); /* 2022-03-04 */
    add("Success", SES_NULL, SES_NULL, NULL);                /* no start */
    build(SES_NULL, 10);
    cr_expect_eq(rp_chart_unit(R), RP_DAY);
    cr_assert_eq(rp_buckets(R), 4); /* 03-01, 03-02, 03-03, 03-04 */
    cr_expect_str_eq(rp_bucket_at(R, 0)->label, "2022-03-01");
    cr_expect_str_eq(rp_bucket_at(R, 1)->label, "2022-03-02");
    cr_expect_eq(rp_bucket_at(R, 1)->count, 0);
    cr_expect_str_eq(rp_bucket_at(R, 3)->label, "2022-03-04");
    cr_expect_eq(rp_bucket_at(R, 3)->count, 2);
    cr_expect_eq(rp_bucket_at(R, 3)->outcomes[RP_FAILED], 2);
    cr_expect_eq(rp_unplaced(R), 1);
    /* The latest start or end: 03-04 00:01:00 + 5 s. */
    cr_expect_eq(rp_get_summary(R)->now, MAR1 + 3 * DAY + 65 * SEC);
    cr_expect_not(rp_get_summary(R)->now_given);
}

Test(report_content, a_long_span_goes_by_month_then_by_year)
{
    add("Success", MAR1, SES_NULL, NULL);
    add("Success", MAR1 + 92 * DAY, SES_NULL, NULL); /* 93 days: too many bars of a day */
    build(SES_NULL, 10);
    cr_expect_eq(rp_chart_unit(R), RP_MONTH);
    cr_expect_eq(rp_buckets(R), 4); /* 2022-03 to 2022-06 (June 1st) */
    cr_expect_str_eq(rp_bucket_at(R, 3)->label, "2022-06");
    rp_free(R);
    add("Success", MAR1 - 11 * 365 * DAY, SES_NULL, NULL); /* 2011: 136 months */
    build(SES_NULL, 10);
    cr_expect_eq(rp_chart_unit(R), RP_YEAR);
    cr_expect_eq(rp_buckets(R), 12); /* 2011 to 2022, 2012-2021 empty */
    cr_expect_str_eq(rp_bucket_at(R, 0)->label, "2011");
    cr_expect_eq(rp_bucket_at(R, 11)->count, 2);
}

Test(report_content, lists_are_ordered_cut_and_counted)
{
    add("Failed", MAR1, 10 * SEC, "a");           /* s0 */
    add("Error", MAR1 + DAY, 50 * SEC, "b");      /* s1 */
    add("Failed", MAR1 + 2 * DAY, SES_NULL, "a"); /* s2: no duration, last when by duration */
    add("Running", MAR1 + 2 * DAY, SES_NULL, NULL);
    add("Running", MAR1 + DAY, SES_NULL, NULL);
    add("Success", MAR1, 5 * SEC, "b");
    build(MAR1 + 3 * DAY, 2);
    cr_expect_eq(rp_list_total(R, RP_LONGEST_FAILED), 3);
    cr_assert_eq(rp_list_len(R, RP_LONGEST_FAILED), 2);
    cr_expect_eq(rp_list_row(R, RP_LONGEST_FAILED, 0), 1);
    cr_expect_eq(rp_list_row(R, RP_LONGEST_FAILED, 1), 0);
    cr_expect_eq(rp_list_row(R, RP_RECENT_FAILED, 0), 2);
    cr_expect_eq(rp_list_row(R, RP_RECENT_FAILED, 1), 1);
    /* Running: the longest running first; at --now, 2 days since the start of row 4. */
    cr_assert_eq(rp_list_len(R, RP_RUNNING_NOW), 2);
    cr_expect_eq(rp_list_row(R, RP_RUNNING_NOW, 0), 4);
    cr_expect_eq(rp_running_for(R, 4), 2 * DAY);
    cr_expect(rp_get_summary(R)->now_given);
    /* Failures by organization: a 2 failed of 2, b 1 failed of 2, none 0 (left out). */
    cr_assert_eq(rp_groups_total(R, RP_BY_ORGANIZATION), 2);
    cr_expect_eq(rp_group_at(R, RP_BY_ORGANIZATION, 0)->failed, 2);
    cr_expect_eq(rp_group_at(R, RP_BY_ORGANIZATION, 0)->count, 2);
    cr_expect_eq(rp_group_at(R, RP_BY_ORGANIZATION, 1)->failed, 1);
    /* Success 1 of 4 finished. */
    cr_expect_float_eq(rp_get_summary(R)->success_rate, 0.25, 1e-12);
    cr_expect_eq(rp_get_summary(R)->outcomes[RP_FAILED], 3);
}

Test(report_content, a_running_session_that_starts_after_now_has_no_time)
{
    add("Running", MAR1 + DAY, SES_NULL, NULL);
    build(MAR1, 10);
    cr_expect_eq(rp_running_for(R, 0), SES_NULL);
    cr_expect(isnan(rp_get_summary(R)->success_rate));
}

Test(report_content, findings_are_counted_by_code_errors_first)
{
    for (int i = 0; i < 3; i++)
        cr_assert_eq(fnd_add(F, FND_INVALID_UTF8, "f", 1, 1, "w"), 0);
    cr_assert_eq(fnd_add(F, FND_MISSING_ID, "g", 2, 1, "e"), 0);
    build(SES_NULL, 10);
    cr_assert_eq(rp_codes(R), 2);
    cr_expect_eq(rp_code_at(R, 0)->code, FND_MISSING_ID);
    cr_expect_eq(rp_code_at(R, 1)->code, FND_INVALID_UTF8);
    cr_expect_eq(rp_code_at(R, 1)->count, 3);
    cr_expect_eq(rp_findings_total(R), 4);
    cr_expect_eq(rp_get_summary(R)->errors, 1);
    cr_expect_eq(rp_get_summary(R)->warnings, 3);
}
