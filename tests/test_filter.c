/* test_filter.c: the filters. Every flag at its edges, --match and its patterns, --where with
 * precedence, every operator on every kind of key, null, UTF-8, and every syntax error with its
 * column. Expected rows are worked out by hand from the table below. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "filter.h"
#include "session.h"
#include "table.h"

#define SEC 10000000LL

static tbl_table *T;

/* ---- the table ---------------------------------------------------------------------------- */

static ses_session session(ses_source src, const char *id)
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
    int slot = ses_text_slot(k);
    cr_assert_geq(slot, 0, "%s is not a text key", ses_key_name(k));
    s->text[slot] = (sq_str){p, p ? (uint32_t)strlen(p) : 0};
}

static void put_num(ses_session *s, ses_key k, int64_t v)
{
    int slot = ses_num_slot(k);
    cr_assert_geq(slot, 0, "%s is not a number key", ses_key_name(k));
    s->num[slot] = v;
}

static int64_t at(const char *iso)
{
    int64_t t;
    cr_assert_eq(ses_parse_time(iso, strlen(iso), &t), 0, "%s", iso);
    return t;
}

static void add(const ses_session *s) { cr_assert_eq(tbl_add(T, s), 0); }

/* One row of the fixture; NULL and SES_NULL are null. */
typedef struct {
    ses_source src;
    const char *id, *name, *type, *status, *start;
    int64_t duration, processed, usn;
} spec;

static void add_spec(const spec *r)
{
    ses_session s = session(r->src, r->id);
    put(&s, K_NAME, r->name);
    put(&s, K_TYPE, r->type);
    put(&s, K_STATUS, r->status);
    if (r->start)
        put_num(&s, K_START, at(r->start));
    put_num(&s, K_DURATION, r->duration);
    put_num(&s, K_PROCESSED_OBJECTS, r->processed);
    put_num(&s, K_USN, r->usn);
    add(&s);
}

/*
 * row source           id     name                     type      status   processed  usn
 *  0  azure-job        14     Exchange nightly         Backup    Failed   null       7
 *  1  vb365-restore    r-1    Exchange Online restore  Exchange  Success  12         null
 *  2  vb365-retrieval  ret-2  Exchange retrieval       Exchange  Running  0          null
 *  3  azure-job        15     null                     Backup    null     null       8
 *  4  vb365-restore    r-4    Überprüfung ÄÖ           OneDrive  Failed   3          null
 *  5  azure-job        16     EXCHANGE nightly         backup    Error    null       -2
 *
 * row start                         duration (s)
 *  0  2022-01-01T00:00:00Z          3600
 *  1  2021-12-31T23:59:59.9999999Z  90
 *  2  2022-01-02T10:30:00Z          null
 *  3  null                          3599.9999999
 *  4  2022-01-01T00:00:00.0000001Z  86400
 *  5  2022-01-03T00:00:00Z          3600.0000001
 */
static void setup(void)
{
    T = tbl_new();
    cr_assert_not_null(T);
    const spec rows[] = {
        {SES_SRC_AZURE_JOB, "14", "Exchange nightly", "Backup", "Failed", "2022-01-01T00:00:00Z",
         3600 * SEC, SES_NULL, 7},
        {SES_SRC_VB365_RESTORE, "r-1", "Exchange Online restore", "Exchange", "Success",
         "2021-12-31T23:59:59.9999999Z", 90 * SEC, 12, SES_NULL},
        {SES_SRC_VB365_RETRIEVAL, "ret-2", "Exchange retrieval", "Exchange", "Running",
         "2022-01-02T10:30:00Z", SES_NULL, 0, SES_NULL},
        {SES_SRC_AZURE_JOB, "15", NULL, "Backup", NULL, NULL, 3600 * SEC - 1, SES_NULL, 8},
        {SES_SRC_VB365_RESTORE, "r-4",
         "\xc3\x9c"
         "berpr\xc3\xbc"
         "fung \xc3\x84\xc3\x96",
         "OneDrive", "Failed", "2022-01-01T00:00:00.0000001Z", 86400 * SEC, 3, SES_NULL},
        {SES_SRC_AZURE_JOB, "16", "EXCHANGE nightly", "backup", "Error", "2022-01-03T00:00:00Z",
         3600 * SEC + 1, SES_NULL, -2},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        add_spec(&rows[i]);
}

static void teardown(void) { tbl_free(T); }

TestSuite(filter, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------------------------ */

typedef int (*adder)(flt_filter *, const char *, sq_error *);

/* The rows of T that pass f, as "0,2,5". */
static const char *passing(const flt_filter *f)
{
    static char buf[1024];
    size_t len = 0;
    buf[0] = '\0';
    for (size_t r = 0; r < tbl_count(T); r++)
        if (flt_test(f, T, r))
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%zu", len ? "," : "", r);
    return buf;
}

static void must_add(flt_filter *f, adder add_fn, const char *arg)
{
    sq_error err;
    memset(&err, 0, sizeof err);
    int rc = add_fn(f, arg, &err);
    cr_assert_eq(rc, 0, "[%s] failed: %s (column %llu)", arg, err.message ? err.message : "",
                 (unsigned long long)err.column);
}

/* The rows that pass the one condition add_fn(arg). */
static const char *with(adder add_fn, const char *arg)
{
    flt_filter *f = flt_new();
    cr_assert_not_null(f);
    must_add(f, add_fn, arg);
    const char *rows = passing(f);
    flt_free(f);
    return rows;
}

static const char *where(const char *expr) { return with(flt_add_where, expr); }

typedef struct {
    const char *message;
    uint64_t column;
    char detail[300]; /* "" when there was none */
} failure;

static failure failing(adder add_fn, const char *arg)
{
    failure out;
    memset(&out, 0, sizeof out);
    flt_filter *f = flt_new();
    cr_assert_not_null(f);
    sq_error err;
    memset(&err, 0, sizeof err);
    cr_assert_eq(add_fn(f, arg, &err), -1, "[%s] was accepted", arg);
    cr_assert_eq(err.code, FLT_ERR_BAD, "[%s]", arg);
    cr_assert_not_null(err.message, "[%s]", arg);
    out.message = err.message;
    out.column = err.column;
    if (err.detail)
        snprintf(out.detail, sizeof out.detail, "%s", err.detail);
    /* The filter stays usable after a failed call: it still lets everything through. */
    cr_assert_str_eq(passing(f), "0,1,2,3,4,5");
    flt_free(f);
    return out;
}

static void expect_error(adder add_fn, const char *arg, const char *message, uint64_t column)
{
    failure e = failing(add_fn, arg);
    cr_assert_str_eq(e.message, message, "[%s]", arg);
    cr_assert_eq(e.column, column, "[%s]: column %llu, expected %llu", arg,
                 (unsigned long long)e.column, (unsigned long long)column);
}

static void where_error(const char *expr, const char *message, uint64_t column)
{
    expect_error(flt_add_where, expr, message, column);
}

static const char NOT_A_TIMESTAMP[] =
    "not a timestamp: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.fffffff][Z|\xc2\xb1hh:mm]";
static const char NOT_A_DURATION[] =
    "not a duration: expected seconds, or a number with s, m, h or d (90, 1.5m, 2h, 1d)";

/* ---- an empty filter, several conditions -------------------------------------------------- */

Test(filter, empty_filter_keeps_everything)
{
    flt_filter *f = flt_new();
    cr_assert_not_null(f);
    cr_assert_str_eq(passing(f), "0,1,2,3,4,5");
    flt_free(f);
    flt_free(NULL);
}

Test(filter, conditions_all_hold)
{
    flt_filter *f = flt_new();
    cr_assert_not_null(f);
    must_add(f, flt_add_status, "failed,error");
    cr_assert_str_eq(passing(f), "0,4,5");
    must_add(f, flt_add_source, "azure-job");
    cr_assert_str_eq(passing(f), "0,5");
    must_add(f, flt_add_where, "name =~ \"^Ex\"");
    cr_assert_str_eq(passing(f), "0");
    flt_free(f);
}

/* ---- --since, --until --------------------------------------------------------------------- */

Test(filter, since_is_inclusive_at_the_exact_tick)
{
    cr_assert_str_eq(with(flt_add_since, "2022-01-01"), "0,2,4,5");
    cr_assert_str_eq(with(flt_add_since, "2022-01-01T00:00:00Z"), "0,2,4,5");
    cr_assert_str_eq(with(flt_add_since, "2022-01-01T00:00:00.0000001Z"), "2,4,5");
    cr_assert_str_eq(with(flt_add_since, "2021-12-31T23:59:59.9999999Z"), "0,1,2,4,5");
    cr_assert_str_eq(with(flt_add_since, "2022-01-03T00:00:00.0000001Z"), "");
}

Test(filter, since_with_an_offset_is_the_same_instant)
{
    cr_assert_str_eq(with(flt_add_since, "2022-01-01T01:00:00+01:00"), "0,2,4,5");
    cr_assert_str_eq(with(flt_add_since, "2021-12-31T19:00:00-05:00"), "0,2,4,5");
    cr_assert_str_eq(with(flt_add_since, "2022-01-02T11:30:00+0100"), "2,5");
}

Test(filter, until_is_exclusive)
{
    cr_assert_str_eq(with(flt_add_until, "2022-01-01"), "1");
    cr_assert_str_eq(with(flt_add_until, "2022-01-01T00:00:00.0000001Z"), "0,1");
    cr_assert_str_eq(with(flt_add_until, "2022-01-02T10:30:00Z"), "0,1,4");
    cr_assert_str_eq(with(flt_add_until, "2022-01-02T10:30:00.0000001Z"), "0,1,2,4");
    cr_assert_str_eq(with(flt_add_until, "2021-12-31T23:59:59.9999999Z"), "");
}

Test(filter, since_and_until_make_a_window_and_skip_null_starts)
{
    flt_filter *f = flt_new();
    cr_assert_not_null(f);
    must_add(f, flt_add_since, "2022-01-01");
    must_add(f, flt_add_until, "2022-01-02");
    cr_assert_str_eq(passing(f), "0,4");
    flt_free(f);
    /* Row 3 has no start: it fails both, even with bounds that every start meets. */
    cr_assert_str_eq(with(flt_add_since, "0001-01-01"), "0,1,2,4,5");
    cr_assert_str_eq(with(flt_add_until, "9999-12-31"), "0,1,2,4,5");
}

Test(filter, since_and_until_reject_what_is_not_a_timestamp)
{
    const char *bad[] = {"",
                         "yesterday",
                         "2022-13-01",
                         "2022-01-32",
                         "2022-01-01T25:00:00Z",
                         "2022-01-01 junk",
                         "1640995200",
                         "2022-1-1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_error(flt_add_since, bad[i], NOT_A_TIMESTAMP, 0);
        expect_error(flt_add_until, bad[i], NOT_A_TIMESTAMP, 0);
    }
}

/* ---- --status, --type, --source ----------------------------------------------------------- */

Test(filter, status_list_in_any_case_with_spaces)
{
    cr_assert_str_eq(with(flt_add_status, "failed"), "0,4");
    cr_assert_str_eq(with(flt_add_status, "FAILED"), "0,4");
    cr_assert_str_eq(with(flt_add_status, " FAILED , success ,,"), "0,1,4");
    cr_assert_str_eq(with(flt_add_status, "\tError\t"), "5");
    cr_assert_str_eq(with(flt_add_status, "running,Running"), "2");
}

Test(filter, status_must_match_exactly_and_null_never_does)
{
    cr_assert_str_eq(with(flt_add_status, "fail"), "");
    cr_assert_str_eq(with(flt_add_status, "failed "), "0,4");
    cr_assert_str_eq(with(flt_add_status, "null"), "");
    cr_assert_str_eq(with(flt_add_status, "Warning"), "");
    /* Spaces inside an item stay. */
    cr_assert_str_eq(with(flt_add_status, "Fail ed"), "");
}

Test(filter, type_and_source_lists)
{
    cr_assert_str_eq(with(flt_add_type, "backup"), "0,3,5");
    cr_assert_str_eq(with(flt_add_type, "EXCHANGE,onedrive"), "1,2,4");
    cr_assert_str_eq(with(flt_add_source, "Azure-Job"), "0,3,5");
    cr_assert_str_eq(with(flt_add_source, "vb365-restore, VB365-RETRIEVAL"), "1,2,4");
    cr_assert_str_eq(with(flt_add_source, "vb365"), "");
}

Test(filter, a_list_with_no_items_is_an_error)
{
    const char *bad[] = {"", ",", " , ,\t", ",,,"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_error(flt_add_status, bad[i], "expected a comma-separated list of values", 0);
        expect_error(flt_add_type, bad[i], "expected a comma-separated list of values", 0);
        expect_error(flt_add_source, bad[i], "expected a comma-separated list of values", 0);
    }
}

/* ---- durations ---------------------------------------------------------------------------- */

static int64_t duration_of(const char *text)
{
    int64_t ticks = -12345;
    cr_assert_eq(flt_parse_duration(text, &ticks), 0, "[%s]", text);
    return ticks;
}

Test(filter, parse_duration_units_exactly)
{
    cr_assert_eq(duration_of("90"), 90 * SEC);
    cr_assert_eq(duration_of("90s"), 90 * SEC);
    cr_assert_eq(duration_of("1.5m"), 90 * SEC);
    cr_assert_eq(duration_of("2h"), 7200 * SEC);
    cr_assert_eq(duration_of("1d"), 86400 * SEC);
    cr_assert_eq(duration_of("0"), 0);
    cr_assert_eq(duration_of("0.0000001"), 1);
    cr_assert_eq(duration_of("0.1"), SEC / 10);
    cr_assert_eq(duration_of("3599.9999999"), 3600 * SEC - 1);
    cr_assert_eq(duration_of("0.0000001d"), 86400);
    cr_assert_eq(duration_of("1.0000001h"), 3600 * SEC + 3600);
    cr_assert_eq(duration_of("007"), 7 * SEC);
    /* The largest whole seconds that fit in ticks. */
    cr_assert_eq(duration_of("922337203685"), 922337203685 * SEC);
}

Test(filter, parse_duration_rejects)
{
    const char *bad[] = {"",
                         "s",
                         "-1",
                         "-0",
                         "+1",
                         "1.",
                         ".5",
                         "1.5x",
                         "1ms",
                         "1 h",
                         " 1",
                         "1h ",
                         "1.12345678",
                         "1e3",
                         "99999999999999999999",
                         "922337203686",
                         "106751991167301d",
                         "1w",
                         "1H",
                         "h1",
                         "1..5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ticks = 42;
        cr_assert_eq(flt_parse_duration(bad[i], &ticks), -1, "[%s] accepted", bad[i]);
        cr_assert_eq(ticks, 42, "[%s] touched the result", bad[i]);
    }
}

Test(filter, min_duration_is_inclusive)
{
    cr_assert_str_eq(with(flt_add_min_duration, "1h"), "0,4,5");
    cr_assert_str_eq(with(flt_add_min_duration, "3600"), "0,4,5");
    cr_assert_str_eq(with(flt_add_min_duration, "60m"), "0,4,5");
    cr_assert_str_eq(with(flt_add_min_duration, "3599.9999999"), "0,3,4,5");
    cr_assert_str_eq(with(flt_add_min_duration, "3600.0000001s"), "4,5");
    cr_assert_str_eq(with(flt_add_min_duration, "90s"), "0,1,3,4,5");
    cr_assert_str_eq(with(flt_add_min_duration, "1.5m"), "0,1,3,4,5");
    cr_assert_str_eq(with(flt_add_min_duration, "1d"), "4");
    cr_assert_str_eq(with(flt_add_min_duration, "0"), "0,1,3,4,5");
}

Test(filter, max_duration_is_inclusive)
{
    cr_assert_str_eq(with(flt_add_max_duration, "1h"), "0,1,3");
    cr_assert_str_eq(with(flt_add_max_duration, "1.5m"), "1");
    cr_assert_str_eq(with(flt_add_max_duration, "89.9999999"), "");
    cr_assert_str_eq(with(flt_add_max_duration, "1d"), "0,1,3,4,5");
    cr_assert_str_eq(with(flt_add_max_duration, "0.9999999d"), "0,1,3,5");
}

Test(filter, min_and_max_duration_together_and_null_durations)
{
    flt_filter *f = flt_new();
    cr_assert_not_null(f);
    must_add(f, flt_add_min_duration, "1h");
    must_add(f, flt_add_max_duration, "3600s");
    cr_assert_str_eq(passing(f), "0");
    flt_free(f);
    /* Row 2 has no duration: it passes neither bound. */
    cr_assert_str_eq(with(flt_add_max_duration, "100000d"), "0,1,3,4,5");
}

Test(filter, duration_flags_reject)
{
    expect_error(flt_add_min_duration, "-5", "a duration cannot be negative", 0);
    expect_error(flt_add_max_duration, "-1.5m", "a duration cannot be negative", 0);
    const char *bad[] = {"", "1w", "abc", "1.00000001", "1 h", "-x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_error(flt_add_min_duration, bad[i], NOT_A_DURATION, 0);
        expect_error(flt_add_max_duration, bad[i], NOT_A_DURATION, 0);
    }
}

/* ---- --match ------------------------------------------------------------------------------ */

Test(filter, match_anywhere_in_the_text)
{
    cr_assert_str_eq(with(flt_add_match, "name=nightly"), "0,5");
    cr_assert_str_eq(with(flt_add_match, "name=^Ex.*al$"), "2");
    cr_assert_str_eq(with(flt_add_match, "name=(?i)exchange"), "0,1,2,5");
    cr_assert_str_eq(with(flt_add_match, "status=(?i)FAILED"), "0,4");
    cr_assert_str_eq(with(flt_add_match, "status=Failed|Error"), "0,4,5");
    cr_assert_str_eq(with(flt_add_match, "id=^1[45]$"), "0,3");
    cr_assert_str_eq(with(flt_add_match, "source=job$"), "0,3,5");
    cr_assert_str_eq(with(flt_add_match, "name=a=b"), "");
}

Test(filter, match_null_never_matches)
{
    /* An empty pattern matches every text, so it finds the rows where the field is not null. */
    cr_assert_str_eq(with(flt_add_match, "name="), "0,1,2,4,5");
    cr_assert_str_eq(with(flt_add_match, "name=."), "0,1,2,4,5");
    cr_assert_str_eq(with(flt_add_match, "status=^"), "0,1,2,4,5");
    cr_assert_str_eq(with(flt_add_match, "usn=.*"), "0,3,5");
    cr_assert_str_eq(with(flt_add_match, "repository_name=.*"), "");
}

Test(filter, match_numbers_and_times_by_their_text)
{
    /* durations: "3600", "90", null, "3599.9999999", "86400", "3600.0000001" */
    cr_assert_str_eq(with(flt_add_match, "duration=^3600$"), "0");
    cr_assert_str_eq(with(flt_add_match, "duration=^3600"), "0,5");
    cr_assert_str_eq(with(flt_add_match, "duration=\\."), "3,5");
    cr_assert_str_eq(with(flt_add_match, "start=^2022-01-01T"), "0,4");
    cr_assert_str_eq(with(flt_add_match, "start=\\.0000001Z$"), "4");
    cr_assert_str_eq(with(flt_add_match, "start=T00:00:00\\.0000000Z$"), "0,5");
    cr_assert_str_eq(with(flt_add_match, "usn=^-"), "5");
    cr_assert_str_eq(with(flt_add_match, "processed_objects=^0$"), "2");
    cr_assert_str_eq(with(flt_add_match, "day=-01$"), "0,4");
    cr_assert_str_eq(with(flt_add_match, "month=^2021-12$"), "1");
    cr_assert_str_eq(with(flt_add_match, "hour=T10$"), "2");
}

Test(filter, match_counts_characters_in_utf8)
{
    cr_assert_str_eq(with(flt_add_match, "name=^\xc3\x9c"
                                         "ber"),
                     "4");
    /* "Überprüfung ÄÖ" is 14 characters (18 bytes). */
    cr_assert_str_eq(with(flt_add_match, "name=^.{14}$"), "4");
    cr_assert_str_eq(with(flt_add_match, "name=^.{18}$"), "2");
    cr_assert_str_eq(with(flt_add_match, "name=(?i)\xc3\xbc"
                                         "berpr"),
                     "4");
}

Test(filter, match_bad_patterns_report_pcre2_and_the_column)
{
    failure e = failing(flt_add_match, "name=a)");
    cr_assert_str_eq(e.message, "invalid pattern");
    cr_assert_eq(e.column, 7); /* the ')' */
    cr_assert_str_eq(e.detail, "unmatched closing parenthesis");

    e = failing(flt_add_match, "name=a(b");
    cr_assert_eq(e.column, 9); /* the end: PCRE2 looked for ')' there */
    cr_assert_str_eq(e.detail, "missing closing parenthesis");

    e = failing(flt_add_match, "status=*a");
    cr_assert_eq(e.column, 8); /* the '*' */
    cr_assert_str_eq(e.detail, "quantifier does not follow a repeatable item");

    /* PCRE2 counts bytes; the column counts characters: "Ä" is one. */
    e = failing(flt_add_match, "name=\xc3\x84)");
    cr_assert_eq(e.column, 7);
    cr_assert_str_eq(e.detail, "unmatched closing parenthesis");

    e = failing(flt_add_match, "name=\xff");
    cr_assert_str_eq(e.message, "invalid pattern");
    cr_assert_neq(e.detail[0], '\0');
}

Test(filter, match_needs_a_known_field)
{
    failure e = failing(flt_add_match, "nam=x");
    cr_assert_str_eq(e.message, "unknown field");
    cr_assert_eq(e.column, 1);
    cr_assert_str_eq(e.detail, "'nam'");
    /* Key names are lower case, as in output headers. */
    e = failing(flt_add_match, "Name=x");
    cr_assert_str_eq(e.detail, "'Name'");
    /* A long name is cut in the detail, never inside a character: 300 "é" are 600 bytes, the
     * detail keeps 126 of them in quotes. */
    char arg[700];
    size_t len = 0;
    for (int i = 0; i < 300; i++) {
        arg[len++] = '\xc3';
        arg[len++] = '\xa9';
    }
    snprintf(arg + len, sizeof arg - len, "=x");
    e = failing(flt_add_match, arg);
    cr_assert_eq(strlen(e.detail), 254);
    cr_assert_eq(e.detail[0], '\'');
    cr_assert_eq(e.detail[253], '\'');
    cr_assert_eq(memcmp(e.detail + 1, arg, 252), 0);
    expect_error(flt_add_match, "name", "expected FIELD=PATTERN", 0);
    expect_error(flt_add_match, "", "expected FIELD=PATTERN", 0);
    expect_error(flt_add_match, "=x", "expected a field name before '='", 1);
}

Test(filter, match_is_repeatable)
{
    flt_filter *f = flt_new();
    cr_assert_not_null(f);
    must_add(f, flt_add_match, "name=(?i)exchange");
    must_add(f, flt_add_match, "name=nightly$");
    must_add(f, flt_add_match, "type=^B");
    cr_assert_str_eq(passing(f), "0");
    flt_free(f);
}

/* Odd bytes in the data never make a match fail: the valid parts still match. */
Test(filter, match_survives_invalid_utf8_and_empty_text)
{
    ses_session s = session(SES_SRC_AZURE_JOB, "odd");
    put(&s, K_NAME, "bad \xff\xfe name");
    add(&s);
    s = session(SES_SRC_AZURE_JOB, "empty");
    put(&s, K_NAME, "");
    add(&s);
    cr_assert_str_eq(with(flt_add_match, "name=name$"), "6");
    cr_assert_str_eq(with(flt_add_match, "name=^bad"), "6");
    cr_assert_str_eq(with(flt_add_match, "name=^$"), "7");
    cr_assert_str_eq(where("name =~ \"^$\""), "7");
    cr_assert_str_eq(where("name == \"\""), "7");
    cr_assert_str_eq(where("name == \"bad \xff\xfe NAME\""), "6");
}

/* JIT code runs on a small stack that a group repeated 200000 times overflows; the interpreter
 * keeps its frames on the heap and gets to the end. Either way the answer is the same. */
Test(filter, match_long_text_beyond_the_jit_stack)
{
    static char name[200001];
    memset(name, 'a', sizeof name - 1);
    ses_session s = session(SES_SRC_AZURE_JOB, "long");
    put(&s, K_NAME, name);
    add(&s);
    cr_assert_str_eq(with(flt_add_match, "name=^(a|b)*$"), "6");
    cr_assert_str_eq(where("name =~ \"^(?:(a)|b)*$\""), "6");
    cr_assert_str_eq(where("name =~ \"^(a|b)*c$\""), "");
}

/* ---- --where: precedence and grouping ----------------------------------------------------- */

Test(filter, where_and_binds_tighter_than_or)
{
    /* Failed: 0, 4; Success and Exchange: 1. */
    cr_assert_str_eq(
        where("status == \"Failed\" or status == \"Success\" and type == \"Exchange\""), "0,1,4");
    cr_assert_str_eq(
        where("type == \"Exchange\" and status == \"Success\" or status == \"Failed\""), "0,1,4");
    cr_assert_str_eq(
        where("(status == \"Failed\" or status == \"Success\") and type == \"Exchange\""), "1");
}

Test(filter, where_not_binds_tightest)
{
    /* Backup: 0, 3, 5; of those not Failed: 3 (null status), 5. */
    cr_assert_str_eq(where("not status == \"Failed\" and type == \"Backup\""), "3,5");
    cr_assert_str_eq(where("not (status == \"Failed\" and type == \"Backup\")"), "1,2,3,4,5");
    cr_assert_str_eq(where("not not status == \"Failed\""), "0,4");
    cr_assert_str_eq(where("not(status == \"Failed\")"), "1,2,3,5");
}

Test(filter, where_upper_case_keywords)
{
    cr_assert_str_eq(where("NOT status == \"Failed\" AND type == \"Backup\" OR id == 14"), "0,3,5");
    cr_assert_str_eq(where("name == NULL"), "3");
}

Test(filter, where_parentheses_nest)
{
    cr_assert_str_eq(where("((((id == 14))))"), "0");
    cr_assert_str_eq(where("(id == 14 or (id == 15 or (id == 16))) and not (usn < 0)"), "0,3");
    cr_assert_str_eq(where("  (  id == 14  )  "), "0");
    cr_assert_str_eq(where("(id==14)or(id==15)"), "0,3");
}

Test(filter, where_long_chains_and_deep_nesting)
{
    static char expr[8192];
    size_t len = 0;
    for (int i = 0; i < 300; i++)
        len += (size_t)snprintf(expr + len, sizeof expr - len, "%sid == %d", i ? " or " : "", i);
    cr_assert_str_eq(where(expr), "0,3,5"); /* ids 14, 15, 16 */

    /* 256 levels of nesting are allowed, the 257th is not. */
    len = 0;
    for (int i = 0; i < 256; i++)
        expr[len++] = '(';
    len += (size_t)snprintf(expr + len, sizeof expr - len, "id == 14");
    for (int i = 0; i < 256; i++)
        expr[len++] = ')';
    expr[len] = '\0';
    cr_assert_str_eq(where(expr), "0");

    len = 0;
    for (int i = 0; i < 256; i++)
        len += (size_t)snprintf(expr + len, sizeof expr - len, "not ");
    snprintf(expr + len, sizeof expr - len, "id == 14");
    cr_assert_str_eq(where(expr), "0"); /* an even number of nots */

    len = 0;
    for (int i = 0; i < 300; i++)
        expr[len++] = '(';
    snprintf(expr + len, sizeof expr - len, "id == 14");
    where_error(expr, "expression nested too deeply", 257);

    len = 0;
    for (int i = 0; i < 257; i++)
        len += (size_t)snprintf(expr + len, sizeof expr - len, "not ");
    snprintf(expr + len, sizeof expr - len, "id == 14");
    where_error(expr, "expression nested too deeply", 256 * 4 + 1);
}

/* ---- --where: every operator on every kind ------------------------------------------------ */

Test(filter, where_text_operators)
{
    cr_assert_str_eq(where("name == \"exchange NIGHTLY\""), "0,5");
    cr_assert_str_eq(where("name != \"exchange nightly\""), "1,2,3,4");
    /* By bytes: "EXCHANGE" < "Exchange" ('X' < 'x'); a prefix sorts first; "Ü" (0xC3) last. */
    cr_assert_str_eq(where("name < \"Exchange\""), "5");
    cr_assert_str_eq(where("name <= \"Exchange nightly\""), "0,1,5");
    cr_assert_str_eq(where("name > \"Exchange r\""), "2,4");
    cr_assert_str_eq(where("name >= \"Exchange retrieval\""), "2,4");
    cr_assert_str_eq(where("name < \"zzz\""), "0,1,2,5");
    cr_assert_str_eq(where("name =~ \"^Ex.*al$\""), "2");
    cr_assert_str_eq(where("name =~ \"(?i)NIGHTLY$\""), "0,5");
}

Test(filter, where_text_takes_unquoted_words)
{
    cr_assert_str_eq(where("id == 14"), "0");
    cr_assert_str_eq(where("id == R-1"), "1");
    cr_assert_str_eq(where("id >= r"), "1,2,4");
    cr_assert_str_eq(where("status == failed"), "0,4");
    cr_assert_str_eq(where("source == AZURE-JOB"), "0,3,5");
    cr_assert_str_eq(where("day == 2022-01-01"), "0,4");
    cr_assert_str_eq(where("day >= 2022-01-02"), "2,5");
    cr_assert_str_eq(where("month == \"2021-12\""), "1");
    cr_assert_str_eq(where("hour == 2022-01-02T10"), "2");
    cr_assert_str_eq(where("hour =~ \"T10$\""), "2");
}

Test(filter, where_time_operators)
{
    cr_assert_str_eq(where("start == 2022-01-01"), "0");
    cr_assert_str_eq(where("start != 2022-01-01"), "1,2,3,4,5");
    cr_assert_str_eq(where("start < 2022-01-01T00:00:00Z"), "1");
    cr_assert_str_eq(where("start <= 2022-01-01"), "0,1");
    cr_assert_str_eq(where("start > 2022-01-01"), "2,4,5");
    cr_assert_str_eq(where("start >= \"2022-01-01 00:00:00.0000001\""), "2,4,5");
    cr_assert_str_eq(where("start >= 2022-01-01T01:00:00+01:00"), "0,2,4,5");
    cr_assert_str_eq(where("start == \"2022-01-02T11:30:00+01:00\""), "2");
    cr_assert_str_eq(where("start =~ \"T10:30\""), "2");
    cr_assert_str_eq(where("end == null"), "0,1,2,3,4,5");
}

Test(filter, where_duration_operators)
{
    cr_assert_str_eq(where("duration == 1h"), "0");
    cr_assert_str_eq(where("duration == 3600"), "0");
    cr_assert_str_eq(where("duration == 3600.0000000"), "0");
    cr_assert_str_eq(where("duration != 3600"), "1,2,3,4,5");
    cr_assert_str_eq(where("duration < 1h"), "1,3");
    cr_assert_str_eq(where("duration <= 3600.0000001"), "0,1,3,5");
    cr_assert_str_eq(where("duration > 1h"), "4,5");
    cr_assert_str_eq(where("duration >= 1.5m"), "0,1,3,4,5");
    cr_assert_str_eq(where("duration > 3599.9999999"), "0,4,5");
    cr_assert_str_eq(where("duration == 1d"), "4");
    cr_assert_str_eq(where("duration > -1"), "0,1,3,4,5");
    cr_assert_str_eq(where("duration > -1.5m"), "0,1,3,4,5");
    cr_assert_str_eq(where("duration =~ \"\\\\.\""), "3,5");
    /* An unknown escape keeps its backslash, so regex escapes need no doubling. */
    cr_assert_str_eq(where("duration =~ \"\\.\""), "3,5");
    cr_assert_str_eq(where("duration =~ \"^\\d{2}$\""), "1");
}

Test(filter, where_integer_operators_compare_exactly)
{
    /* processed_objects: null, 12, 0, null, 3, null */
    cr_assert_str_eq(where("processed_objects == 12"), "1");
    cr_assert_str_eq(where("processed_objects != 12"), "0,2,3,4,5");
    cr_assert_str_eq(where("processed_objects < 3"), "2");
    cr_assert_str_eq(where("processed_objects <= 3"), "2,4");
    cr_assert_str_eq(where("processed_objects > 3"), "1");
    cr_assert_str_eq(where("processed_objects >= 0"), "1,2,4");
    cr_assert_str_eq(where("processed_objects > 2.5"), "1,4");
    cr_assert_str_eq(where("processed_objects < 3.0000001"), "2,4");
    cr_assert_str_eq(where("processed_objects > 2.9999999"), "1,4");
    cr_assert_str_eq(where("processed_objects == 3.0"), "4");
    cr_assert_str_eq(where("processed_objects == 3.5"), "");
    cr_assert_str_eq(where("processed_objects == null"), "0,3,5");
    /* usn: 7, null, null, 8, null, -2 */
    cr_assert_str_eq(where("usn < -1.5"), "5");
    cr_assert_str_eq(where("usn > -2.5"), "0,3,5");
    cr_assert_str_eq(where("usn >= -2"), "0,3,5");
    cr_assert_str_eq(where("usn > -2"), "0,3");
    cr_assert_str_eq(where("usn == -2"), "5");
    cr_assert_str_eq(where("usn <= -2.0000001"), "");
    cr_assert_str_eq(where("usn =~ \"^-\""), "5");
    cr_assert_str_eq(where("usn < 9223372036854775807"), "0,3,5");
    cr_assert_str_eq(where("usn > -9223372036854775807"), "0,3,5");
}

/* Negative fractions are floor and remainder (-0.25 is -1 + 0.75): exact on both sides. */
Test(filter, where_negative_fractions_compare_exactly)
{
    ses_session s = session(SES_SRC_AZURE_JOB, "neg");
    put_num(&s, K_DURATION, -SEC / 2);
    put_num(&s, K_USN, -3);
    add(&s);
    cr_assert_str_eq(where("duration < -0.25"), "6");
    cr_assert_str_eq(where("duration == -0.5"), "6");
    cr_assert_str_eq(where("duration == -0.5s"), "6");
    cr_assert_str_eq(where("duration > -0.75"), "0,1,3,4,5,6");
    cr_assert_str_eq(where("duration < -0.0083333m"), "6"); /* -0.499998 s */
    cr_assert_str_eq(where("duration >= -0.0000001"), "0,1,3,4,5");
    cr_assert_str_eq(where("usn < -2.25"), "6");
    cr_assert_str_eq(where("usn > -3.0000001"), "0,3,5,6");
    cr_assert_str_eq(where("usn == -3.0"), "6");
}

Test(filter, where_null_semantics)
{
    /* status: Failed, Success, Running, null, Failed, Error */
    cr_assert_str_eq(where("status == \"Failed\""), "0,4");
    cr_assert_str_eq(where("status != \"Failed\""), "1,2,3,5");
    cr_assert_str_eq(where("status == null"), "3");
    cr_assert_str_eq(where("status != null"), "0,1,2,4,5");
    cr_assert_str_eq(where("status < \"Z\""), "0,1,2,4,5");
    cr_assert_str_eq(where("status >= \"\""), "0,1,2,4,5");
    cr_assert_str_eq(where("status =~ \"\""), "0,1,2,4,5");
    cr_assert_str_eq(where("not status =~ \"\""), "3");
    cr_assert_str_eq(where("start < 9999-12-31 or start >= 9999-12-31"), "0,1,2,4,5");
    cr_assert_str_eq(where("duration == null or duration != null"), "0,1,2,3,4,5");
    /* "null" in quotes is text, not null. */
    cr_assert_str_eq(where("status == \"null\""), "");
}

Test(filter, where_text_equality_folds_ascii_only)
{
    cr_assert_str_eq(where("name == \"\xc3\x9c"
                           "berpr\xc3\xbc"
                           "fung \xc3\x84\xc3\x96\""),
                     "4");
    cr_assert_str_eq(where("name == \"\xc3\x9c"
                           "BERPR\xc3\xbc"
                           "FUNG \xc3\x84\xc3\x96\""),
                     "4");
    /* ü is not Ü: no folding outside ASCII. */
    cr_assert_str_eq(where("name == \"\xc3\xbc"
                           "berpr\xc3\xbc"
                           "fung \xc3\x84\xc3\x96\""),
                     "");
    cr_assert_str_eq(where("name > \"Z\""), "4");
}

Test(filter, where_string_escapes)
{
    ses_session s = session(SES_SRC_AZURE_JOB, "esc");
    put(&s, K_NAME, "say \"hi\"\tnow\\then\nend");
    add(&s);
    cr_assert_str_eq(where("name == \"say \\\"hi\\\"\\tnow\\\\then\\nend\""), "6");
    cr_assert_str_eq(where("name =~ \"\\\"hi\\\"\""), "6");
    cr_assert_str_eq(where("name =~ \"\\\\\\\\then\""), "6");
    cr_assert_str_eq(where("name =~ \"now\\\\\\\\then\\nend$\""), "6");
}

/* ---- --where: the flags, written as expressions ------------------------------------------- */

Test(filter, where_equals_the_flags_on_the_fixture)
{
    flt_filter *f = flt_new();
    cr_assert_not_null(f);
    must_add(f, flt_add_status, "failed");
    must_add(f, flt_add_min_duration, "3600");
    cr_assert_str_eq(passing(f), "0,4");
    flt_free(f);
    cr_assert_str_eq(where("status == \"Failed\" and duration >= 1h"), "0,4");

    f = flt_new();
    cr_assert_not_null(f);
    must_add(f, flt_add_since, "2022-01-01");
    must_add(f, flt_add_until, "2022-01-02");
    must_add(f, flt_add_type, "backup,onedrive");
    cr_assert_str_eq(passing(f), "0,4");
    flt_free(f);
    cr_assert_str_eq(where("start >= 2022-01-01 and start < 2022-01-02 and "
                           "(type == backup or type == onedrive)"),
                     "0,4");
}

/* Rows i = 0..39: status Failed, Success, FAILED, null by i % 4; duration 3599.9999999, 3600,
 * 7200, null, 0 by i % 5. Failed in any case (i even) with at least an hour (i % 5 is 1 or 2):
 * i % 10 is 2 or 6. */
Test(filter, where_equals_the_flags_row_by_row)
{
    tbl_free(T);
    T = tbl_new();
    cr_assert_not_null(T);
    static const char *const statuses[] = {"Failed", "Success", "FAILED", NULL};
    static const int64_t durations[] = {3600 * SEC - 1, 3600 * SEC, 7200 * SEC, SES_NULL, 0};
    char ids[40][16];
    for (int i = 0; i < 40; i++) {
        snprintf(ids[i], sizeof ids[i], "s%d", i);
        ses_session s = session(SES_SRC_AZURE_JOB, ids[i]);
        put(&s, K_STATUS, statuses[i % 4]);
        put_num(&s, K_DURATION, durations[i % 5]);
        add(&s);
    }
    flt_filter *flags = flt_new();
    flt_filter *expr = flt_new();
    cr_assert(flags && expr);
    must_add(flags, flt_add_status, "failed");
    must_add(flags, flt_add_min_duration, "3600");
    must_add(expr, flt_add_where, "status == \"Failed\" and duration >= 1h");
    char want[256];
    snprintf(want, sizeof want, "%s", passing(flags));
    cr_assert_str_eq(want, "2,6,12,16,22,26,32,36");
    cr_assert_str_eq(passing(expr), want);
    flt_free(flags);
    flt_free(expr);
}

/* ---- --where: errors ---------------------------------------------------------------------- */

Test(filter, where_empty_expression)
{
    where_error("", "empty expression", 0);
    where_error("   \t", "empty expression", 0);
}

Test(filter, where_field_errors)
{
    where_error("== 1", "expected a field name", 1);
    where_error("()", "expected a field name", 2);
    where_error("not", "expected a field name", 4);
    where_error("status == \"x\" and", "expected a field name", 18);
    where_error("status == \"x\" or or id == 1", "expected a field name", 18);
    where_error("null == 1", "expected a field name", 1);
    failure e = failing(flt_add_where, "  foo == 1");
    cr_assert_str_eq(e.message, "unknown field");
    cr_assert_eq(e.column, 3);
    cr_assert_str_eq(e.detail, "'foo'");
    where_error("Status == \"x\"", "unknown field", 1);
}

Test(filter, where_operator_errors)
{
    const char *ops = "expected an operator (== != < <= > >= =~)";
    where_error("status", ops, 7);
    where_error("status = \"x\"", ops, 8);
    where_error("status ~= \"x\"", ops, 8);
    where_error("status <> \"x\"", "expected a value after '<'", 9);
    where_error("status \"x\"", ops, 8);
    /* A value never starts with an operator's character. */
    where_error("status === \"x\"", "expected a value after '=='", 10);
    where_error("id == !14", "expected a value after '=='", 7);
}

Test(filter, where_value_errors)
{
    where_error("duration >=", "expected a value after '>='", 12);
    where_error("duration >= )", "expected a value after '>='", 13);
    where_error("(duration > )", "expected a value after '>'", 13);
    where_error("status == and id == 1", "expected a value after '=='", 11);
    where_error("status != or", "expected a value after '!='", 11);
    where_error("status <= not", "expected a value after '<='", 11);
    where_error("name =~ abc", "expected a quoted pattern after '=~'", 9);
    where_error("name =~ null", "expected a quoted pattern after '=~'", 9);
    where_error("name =~", "expected a quoted pattern after '=~'", 8);
    where_error("start < null", "null can only be compared with == or !=", 9);
    where_error("name >= NULL", "null can only be compared with == or !=", 9);
}

Test(filter, where_structure_errors)
{
    where_error("(status == \"x\"", "expected ')'", 15);
    where_error("(status == \"x\" id == 1)", "expected ')'", 16);
    where_error("status == \"x\")", "unexpected text after the expression", 14);
    where_error("status == \"x\" foo", "unexpected text after the expression", 15);
    where_error("status == \"x\" And id == 1", "unexpected text after the expression", 15);
    where_error("status == x y", "unexpected text after the expression", 13);
    where_error("status == \"abc", "unterminated string", 11);
    where_error("status == \"abc\\\"", "unterminated string", 11);
    where_error("status == \"abc\\", "unterminated string", 11);
}

Test(filter, where_type_errors)
{
    where_error("start > 5", "start takes a timestamp, not a number", 9);
    where_error("end > -1.5", "end takes a timestamp, not a number", 7);
    where_error("start > 5m", "start takes a timestamp, not a duration", 9);
    where_error("start > yesterday", NOT_A_TIMESTAMP, 9);
    where_error("start > \"yesterday\"", NOT_A_TIMESTAMP, 9);
    where_error("start > 2022-02-30", NOT_A_TIMESTAMP, 9);
    where_error("duration > 2022-01-01", "duration takes a number or a duration, not a timestamp",
                12);
    where_error("duration > \"5\"", "duration takes a number or a duration, not a string", 12);
    where_error("duration > 5x", NOT_A_DURATION, 12);
    where_error("duration > 1.00000001", "too many digits after the decimal point (at most 7)", 12);
    where_error("duration > 9999999999999999d", "number out of range", 12);
    where_error("usn > 5s", "usn takes a number, not a duration", 7);
    where_error("usn > \"5\"", "usn takes a number, not a string", 7);
    where_error("usn > 2022-01-01", "usn takes a number, not a timestamp", 7);
    where_error("progress == abc", "not a number", 13);
    where_error("processed_objects == 1.12345678",
                "too many digits after the decimal point (at most 7)", 22);
    where_error("protected_instances > 99999999999999999999", "number out of range", 23);
    where_error("protected_instances > 5h", "protected_instances takes a number, not a duration",
                23);
}

Test(filter, where_columns_count_characters)
{
    /* "Ä" is two bytes but one character. */
    failure e = failing(flt_add_where, "name == \"\xc3\x84\" and foo == 1");
    cr_assert_str_eq(e.message, "unknown field");
    cr_assert_eq(e.column, 17);
    where_error("name == \"\xc3\x84\" and name == \"\xc3\x84\xc3\x96", "unterminated string", 25);
    where_error("name == \xc3\x84\xc3\x96 junk", "unexpected text after the expression", 12);
}

Test(filter, where_bad_pattern_column)
{
    failure e = failing(flt_add_where, "name =~ \"a)\"");
    cr_assert_str_eq(e.message, "invalid pattern");
    cr_assert_eq(e.column, 11);
    cr_assert_str_eq(e.detail, "unmatched closing parenthesis");

    e = failing(flt_add_where, "name =~ \"(a\"");
    cr_assert_eq(e.column, 12); /* the closing quote: the pattern ended there */
    cr_assert_str_eq(e.detail, "missing closing parenthesis");

    /* Characters before the offset are counted in EXPR: "Ä" is one, an escape is two. */
    e = failing(flt_add_where, "id == 1 or name =~ \"\xc3\x84)\"");
    cr_assert_eq(e.column, 22);
    e = failing(flt_add_where, "name =~ \"\\\"a)\"");
    cr_assert_eq(e.column, 13);
    e = failing(flt_add_where, "name =~ \"\\\\d)\"");
    cr_assert_eq(e.column, 13);
    e = failing(flt_add_where, "name =~ \"\\d)\"");
    cr_assert_eq(e.column, 12);
    e = failing(flt_add_where, "name =~ \"*\"");
    cr_assert_eq(e.column, 10);
    cr_assert_str_eq(e.detail, "quantifier does not follow a repeatable item");
}
