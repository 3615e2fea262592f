/* test_session.c: keys, timestamps, TimeSpans, status words and normalization of a session. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "session.h"

#define SEC 10000000LL
#define DAY (86400 * SEC)

/* Day numbers since 1970-01-01, counted by hand: 365 per year plus one per leap year between.
 * 2022-01-01: 52 years and 13 leap days (1972..2020) = 18993.
 * 2024-01-01: 54 years and 13 leap days = 19723; so 2024-02-29 = 19723 + 31 + 28 = 19782.
 * 2000-01-01: 30 years and 7 leap days (1972..1996) = 10957; 2000-02-29 = 10957 + 59 = 11016.
 * 1900-01-01: 70 years back and 17 leap days (1904..1968) = -25567.
 * 0001-01-01: 1969 years back with 492 - 19 + 4 = 477 leap days = -719162.
 * 10000-01-01: 9999 years from 0001 with 2499 - 99 + 24 = 2424 leap days, 3652059 - 719162 =
 * 2932897. */
#define D2022_01_01 18993LL
#define D2024_01_01 19723LL
#define D2000_01_01 10957LL
#define D1900_01_01 (-25567LL)
#define D0001_01_01 (-719162LL)
#define D10000_01_01 2932897LL

#define MIN_TICKS (D0001_01_01 * DAY)
#define MAX_TICKS (D10000_01_01 * DAY - 1)

/* /Date(1643400232266)/: 1643400232 s = 19020 days (2022-01-28) and 72232 s (20:03:52). */
#define SAMPLE_TICKS (((D2022_01_01 + 27) * 86400 + 20 * 3600 + 3 * 60 + 52) * SEC + 2660000)

static int parse(const char *s, int64_t *t) { return ses_parse_time(s, strlen(s), t); }

static int64_t time_of(const char *s)
{
    int64_t t = 42;
    cr_assert_eq(parse(s, &t), 0, "rejected: \"%s\"", s);
    return t;
}

static void assert_bad_time(const char *s)
{
    int64_t t = 42;
    cr_assert_eq(parse(s, &t), -1, "accepted: \"%s\"", s);
    cr_assert_eq(t, 42, "written on failure: \"%s\"", s);
}

static int64_t span_of(const char *s)
{
    int64_t t = 42;
    cr_assert_eq(ses_parse_timespan(s, strlen(s), &t), 0, "rejected: \"%s\"", s);
    return t;
}

static void assert_bad_span(const char *s)
{
    int64_t t = 42;
    cr_assert_eq(ses_parse_timespan(s, strlen(s), &t), -1, "accepted: \"%s\"", s);
}

static void assert_time_text(int64_t ticks, const char *want)
{
    char buf[SES_TIME_BUFSZ];
    memset(buf, 'x', sizeof buf);
    size_t n = ses_format_time(ticks, buf);
    cr_assert_eq(n, 28);
    cr_assert_str_eq(buf, want);
}

static void assert_seconds_text(int64_t ticks, const char *want)
{
    char buf[SES_TIME_BUFSZ];
    size_t n = ses_format_seconds(ticks, buf);
    cr_assert_str_eq(buf, want);
    cr_assert_eq(n, strlen(want));
}

static sq_str str(const char *s) { return (sq_str){s, (uint32_t)strlen(s)}; }

static ses_raw blank_raw(void)
{
    ses_raw r;
    memset(&r, 0, sizeof r);
    for (int i = 0; i < SES_NNUM; i++)
        r.s.num[i] = SES_NULL;
    r.duration_ms = SES_NULL;
    return r;
}

static void set_text(ses_raw *r, ses_key k, const char *s) { r->s.text[ses_text_slot(k)] = str(s); }

static sq_str text(const ses_raw *r, ses_key k) { return r->s.text[ses_text_slot(k)]; }

static int64_t num(const ses_raw *r, ses_key k) { return r->s.num[ses_num_slot(k)]; }

static void assert_status(const ses_raw *r, const char *want)
{
    sq_str st = text(r, K_STATUS);
    cr_assert_not_null(st.p);
    cr_assert_eq(st.n, strlen(want));
    cr_assert_eq(memcmp(st.p, want, st.n), 0, "status %.*s, want %s", (int)st.n, st.p, want);
}

/* ---- keys ---- */

static const char *const key_names[SES_NALLKEYS] = {
    "source",
    "id",
    "name",
    "type",
    "status",
    "state",
    "result",
    "start",
    "end",
    "duration",
    "organization",
    "initiated_by",
    "details",
    "scope",
    "client_host",
    "retrieval_id",
    "processed_objects",
    "progress",
    "usn",
    "policy_id",
    "policy_name",
    "protected_instances",
    "repository_id",
    "repository_name",
    "reason",
    "day",
    "month",
    "hour",
};

Test(session_keys, names_in_contract_order)
{
    for (int k = 0; k < SES_NALLKEYS; k++)
        cr_assert_str_eq(ses_key_name((ses_key)k), key_names[k]);
    cr_assert_null(ses_key_name(SES_NALLKEYS));
}

Test(session_keys, lookup_every_name)
{
    for (int k = 0; k < SES_NALLKEYS; k++)
        cr_assert_eq(ses_key_lookup(key_names[k], strlen(key_names[k])), k, "%s", key_names[k]);
}

Test(session_keys, lookup_is_exact)
{
    cr_assert_eq(ses_key_lookup("Source", 6), -1);
    cr_assert_eq(ses_key_lookup("sourc", 5), -1);
    cr_assert_eq(ses_key_lookup("sources", 7), -1);
    cr_assert_eq(ses_key_lookup("initiatedBy", 11), -1);
    cr_assert_eq(ses_key_lookup("", 0), -1);
    cr_assert_eq(ses_key_lookup(NULL, 0), -1);
    cr_assert_eq(ses_key_lookup("id\0x", 4), -1);
    /* Only `len` bytes count: the name need not end with a NUL. */
    cr_assert_eq(ses_key_lookup("day,month", 3), K_DAY);
    cr_assert_eq(ses_key_lookup("endx", 3), K_END);
}

Test(session_keys, kinds)
{
    for (int k = 0; k < SES_NALLKEYS; k++) {
        sq_kind want = SQ_TEXT;
        if (k == K_START || k == K_END)
            want = SQ_TIME;
        else if (k == K_DURATION)
            want = SQ_SECONDS;
        else if (k == K_PROCESSED_OBJECTS || k == K_PROGRESS || k == K_USN ||
                 k == K_PROTECTED_INSTANCES)
            want = SQ_INT;
        cr_assert_eq(ses_key_kind((ses_key)k), want, "%s", key_names[k]);
    }
    cr_assert_eq(ses_key_kind(SES_NALLKEYS), SQ_NULL);
}

Test(session_keys, text_slots)
{
    static const ses_key text_keys[SES_NTEXT] = {
        K_ID,        K_NAME,        K_TYPE,          K_STATUS,
        K_STATE,     K_RESULT,      K_ORGANIZATION,  K_INITIATED_BY,
        K_DETAILS,   K_SCOPE,       K_CLIENT_HOST,   K_RETRIEVAL_ID,
        K_POLICY_ID, K_POLICY_NAME, K_REPOSITORY_ID, K_REPOSITORY_NAME,
        K_REASON,
    };
    int seen = 0;
    for (int k = 0; k < SES_NALLKEYS; k++) {
        int slot = ses_text_slot((ses_key)k);
        if (slot < 0)
            continue;
        cr_assert_lt(slot, SES_NTEXT);
        cr_assert_eq((int)text_keys[slot], k, "%s", key_names[k]);
        seen++;
    }
    cr_assert_eq(seen, SES_NTEXT);
    cr_assert_eq(ses_text_slot(K_SOURCE), -1);
    cr_assert_eq(ses_text_slot(K_DAY), -1);
    cr_assert_eq(ses_text_slot(K_MONTH), -1);
    cr_assert_eq(ses_text_slot(K_HOUR), -1);
    cr_assert_eq(ses_text_slot(K_START), -1);
    cr_assert_eq(ses_text_slot(SES_NALLKEYS), -1);
}

Test(session_keys, num_slots)
{
    static const ses_key num_keys[SES_NNUM] = {
        K_START, K_END, K_DURATION, K_PROCESSED_OBJECTS, K_PROGRESS, K_USN, K_PROTECTED_INSTANCES,
    };
    int seen = 0;
    for (int k = 0; k < SES_NALLKEYS; k++) {
        int slot = ses_num_slot((ses_key)k);
        if (slot < 0)
            continue;
        cr_assert_lt(slot, SES_NNUM);
        cr_assert_eq((int)num_keys[slot], k, "%s", key_names[k]);
        seen++;
    }
    cr_assert_eq(seen, SES_NNUM);
    cr_assert_eq(ses_num_slot(K_SOURCE), -1);
    cr_assert_eq(ses_num_slot(K_ID), -1);
    cr_assert_eq(ses_num_slot(K_DAY), -1);
    cr_assert_eq(ses_num_slot(SES_NALLKEYS), -1);
}

Test(session_keys, source_names)
{
    cr_assert_str_eq(ses_source_name(SES_SRC_AZURE_JOB), "azure-job");
    cr_assert_str_eq(ses_source_name(SES_SRC_VB365_RESTORE), "vb365-restore");
    cr_assert_str_eq(ses_source_name(SES_SRC_VB365_RETRIEVAL), "vb365-retrieval");
    cr_assert_null(ses_source_name(SES_SRC_NONE));
    cr_assert_null(ses_source_name(SES_SRC_COUNT));
}

/* ---- ses_parse_time ---- */

Test(parse_time, utc_forms)
{
    cr_assert_eq(time_of("1970-01-01T00:00:00Z"), 0);
    cr_assert_eq(time_of("2022-01-28T20:03:52.266Z"), SAMPLE_TICKS);
    cr_assert_eq(time_of("2022-01-28T20:03:52.266z"), SAMPLE_TICKS);
    cr_assert_eq(time_of("2022-01-28t20:03:52.266Z"), SAMPLE_TICKS);
    cr_assert_eq(time_of("2022-01-28 20:03:52.266Z"), SAMPLE_TICKS);
    /* No zone designator is UTC. */
    cr_assert_eq(time_of("2022-01-28T20:03:52.266"), SAMPLE_TICKS);
    cr_assert_eq(time_of("2022-01-28T20:03:52.266+00:00"), SAMPLE_TICKS);
    cr_assert_eq(time_of("2022-01-28T20:03:52.266-00:00"), SAMPLE_TICKS);
}

Test(parse_time, offsets)
{
    /* The same instant as SAMPLE_TICKS written in other zones: local = UTC + offset. */
    cr_assert_eq(time_of("2022-01-28T21:03:52.266+01:00"), SAMPLE_TICKS);
    cr_assert_eq(time_of("2022-01-28T21:03:52.266+0100"), SAMPLE_TICKS);
    cr_assert_eq(time_of("2022-01-28T14:33:52.266-05:30"), SAMPLE_TICKS);
    cr_assert_eq(time_of("2022-01-28T14:33:52.266-0530"), SAMPLE_TICKS);
    cr_assert_eq(time_of("2022-01-29T10:03:52.266+14:00"), SAMPLE_TICKS);
    cr_assert_eq(time_of("2022-01-28T08:03:52.266-12:00"), SAMPLE_TICKS);
    cr_assert_eq(time_of("2022-01-29T19:32:52.266+23:29"), SAMPLE_TICKS);
}

Test(parse_time, offsets_cross_midnight_month_year)
{
    /* 2024-01-01T00:30+14:00 is 2023-12-31T10:30Z: the day before 2024-01-01. */
    cr_assert_eq(time_of("2024-01-01T00:30:00+14:00"),
                 ((D2024_01_01 - 1) * 86400 + 10 * 3600 + 30 * 60) * SEC);
    /* 2023-12-31T20:00-12:00 is 2024-01-01T08:00Z. */
    cr_assert_eq(time_of("2023-12-31T20:00:00-12:00"), (D2024_01_01 * 86400 + 8 * 3600) * SEC);
    /* 2024-03-01T00:15+01:00 is 2024-02-29T23:15Z (day 19782). */
    cr_assert_eq(time_of("2024-03-01T00:15:00+01:00"),
                 (19782 * 86400LL + 23 * 3600 + 15 * 60) * SEC);
    /* 2022-01-31T22:00-05:30 is 2022-02-01T03:30Z: day 18993 + 31. */
    cr_assert_eq(time_of("2022-01-31T22:00:00-05:30"),
                 ((D2022_01_01 + 31) * 86400 + 3 * 3600 + 30 * 60) * SEC);
}

Test(parse_time, leap_days)
{
    cr_assert_eq(time_of("2024-02-29T12:00:00Z"), (19782 * 86400LL + 12 * 3600) * SEC);
    cr_assert_eq(time_of("2000-02-29T00:00:00Z"), (D2000_01_01 + 59) * DAY);
    /* 2000 is a leap year, so March 1st comes 60 days after January 1st. */
    cr_assert_eq(time_of("2000-03-01T00:00:00Z"), (D2000_01_01 + 60) * DAY);
    /* 1900 is not: 59 days. */
    cr_assert_eq(time_of("1900-03-01T00:00:00Z"), (D1900_01_01 + 59) * DAY);
    assert_bad_time("2023-02-29T00:00:00Z");
    assert_bad_time("1900-02-29T00:00:00Z");
    assert_bad_time("2024-02-30T00:00:00Z");
    cr_assert_eq(time_of("2023-02-28T00:00:00Z"), (D2022_01_01 + 365 + 58) * DAY);
}

Test(parse_time, days_of_month)
{
    cr_assert_eq(time_of("2022-04-30T00:00:00Z"), (D2022_01_01 + 31 + 28 + 31 + 29) * DAY);
    assert_bad_time("2022-04-31T00:00:00Z");
    cr_assert_eq(time_of("2022-12-31T00:00:00Z"), (D2022_01_01 + 364) * DAY);
    assert_bad_time("2022-12-32T00:00:00Z");
    assert_bad_time("2022-01-00T00:00:00Z");
}

Test(parse_time, fraction_digits)
{
    int64_t base = SAMPLE_TICKS - 2660000;
    cr_assert_eq(time_of("2022-01-28T20:03:52Z"), base);
    cr_assert_eq(time_of("2022-01-28T20:03:52.2Z"), base + 2000000);
    cr_assert_eq(time_of("2022-01-28T20:03:52.26Z"), base + 2600000);
    cr_assert_eq(time_of("2022-01-28T20:03:52.266Z"), base + 2660000);
    cr_assert_eq(time_of("2022-01-28T20:03:52.2661Z"), base + 2661000);
    cr_assert_eq(time_of("2022-01-28T20:03:52.26612Z"), base + 2661200);
    cr_assert_eq(time_of("2022-01-28T20:03:52.266123Z"), base + 2661230);
    cr_assert_eq(time_of("2022-01-28T20:03:52.2661234Z"), base + 2661234);
    cr_assert_eq(time_of("2022-01-28T20:03:52.0000001Z"), base + 1);
    /* Digits past the seventh are dropped, not rounded (...34|9 stays ...34). */
    cr_assert_eq(time_of("2022-01-28T20:03:52.26612349Z"), base + 2661234);
    cr_assert_eq(time_of("2022-01-28T20:03:52.999999999999+01:00"), base - 3600 * SEC + 9999999);
    cr_assert_eq(time_of("2022-01-28T20:03:52.26612349"), base + 2661234);
    assert_bad_time("2022-01-28T20:03:52.Z");
    assert_bad_time("2022-01-28T20:03:52.");
    assert_bad_time("2022-01-28T20:03:52,266Z");
}

Test(parse_time, extremes_and_pre_1970)
{
    cr_assert_eq(time_of("0001-01-01T00:00:00Z"), MIN_TICKS);
    cr_assert_eq(time_of("9999-12-31T23:59:59.9999999Z"), MAX_TICKS);
    cr_assert_eq(time_of("1969-12-31T23:59:59Z"), -SEC);
    cr_assert_eq(time_of("1969-12-31T23:59:59.9999999Z"), -1);
    /* 1900-01-01 is 2208988800 s before 1970, the NTP epoch. */
    cr_assert_eq(time_of("1900-01-01T00:00:00Z"), -2208988800LL * SEC);
    cr_assert_eq(time_of("0001-01-01T00:30:00-01:00"), MIN_TICKS + 90 * 60 * SEC);
    /* Instants before year 1 or after year 9999 in UTC cannot be represented. */
    assert_bad_time("0001-01-01T00:30:00+01:00");
    assert_bad_time("9999-12-31T23:30:00-01:00");
    assert_bad_time("0000-12-31T23:00:00Z");
}

Test(parse_time, invalid_fields)
{
    assert_bad_time("2022-13-01T00:00:00Z");
    assert_bad_time("2022-00-01T00:00:00Z");
    assert_bad_time("2022-01-28T24:00:00Z");
    assert_bad_time("2022-01-28T23:60:00Z");
    assert_bad_time("2022-01-28T23:59:60Z");
    assert_bad_time("2022-01-28T20:03:52+24:00");
    assert_bad_time("2022-01-28T20:03:52+01:60");
}

Test(parse_time, invalid_shapes)
{
    assert_bad_time("");
    assert_bad_time("2022-01-28");
    assert_bad_time("2022-01-28T20:03");
    assert_bad_time("2022-01-28T20:03:5");
    assert_bad_time("2022-1-28T20:03:52Z");
    assert_bad_time("22-01-28T20:03:52Z");
    assert_bad_time("2022-01-28T2:03:52Z");
    assert_bad_time("2022/01/28T20:03:52Z");
    assert_bad_time("2022-01-28X20:03:52Z");
    assert_bad_time("2022-01-28  20:03:52Z");
    assert_bad_time("2022-01-28T20-03-52Z");
    assert_bad_time("2022-01-28T20:03:52ZZ");
    assert_bad_time("2022-01-28T20:03:52Zx");
    assert_bad_time("2022-01-28T20:03:52 ");
    assert_bad_time("2022-01-28T20:03:52+01:00x");
    assert_bad_time("2022-01-28T20:03:52+01:0");
    assert_bad_time("2022-01-28T20:03:52+1:00");
    assert_bad_time("2022-01-28T20:03:52+01");
    assert_bad_time("2022-01-28T20:03:52+010");
    assert_bad_time("2022-01-28T20:03:52+01000");
    assert_bad_time("2022-01-28T20:03:52 +01:00");
    assert_bad_time("2022-01-28T20:03:52UTC");
    assert_bad_time("+022-01-28T20:03:52Z");
    assert_bad_time("2022-01-28T20:03:52.2-");
    assert_bad_time(" 2022-01-28T20:03:52Z");
}

/* What a timestamp of the form "YYYY-MM-DDTHH:MM:SS.fffffffZ" stands for, worked out apart from
 * the parser: fields read a digit at a time, the calendar left to timegm(). False when a field
 * is out of range (timegm() would move the date on) or a digit is missing. */
static bool reference_time(const char *s, int64_t *ticks)
{
    static const char form[] = "0000-00-00T00:00:00.0000000Z";
    int64_t v[8] = {0};
    int field = 0;
    for (size_t i = 0; form[i]; i++) {
        if (form[i] != '0') {
            bool same = s[i] == form[i] || (i == 10 && (s[i] == 't' || s[i] == ' '));
            if (!same)
                return false;
            field++;
            continue;
        }
        if (s[i] < '0' || s[i] > '9')
            return false;
        v[field] = v[field] * 10 + (s[i] - '0');
    }
    struct tm tm = {.tm_year = (int)v[0] - 1900,
                    .tm_mon = (int)v[1] - 1,
                    .tm_mday = (int)v[2],
                    .tm_hour = (int)v[3],
                    .tm_min = (int)v[4],
                    .tm_sec = (int)v[5]};
    struct tm asked = tm;
    time_t secs = timegm(&tm);
    if (v[0] < 1 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[3] > 23 || v[4] > 59 || v[5] > 59 ||
        tm.tm_mday != asked.tm_mday || tm.tm_mon != asked.tm_mon)
        return false;
    *ticks = (int64_t)secs * SEC + v[6];
    return true;
}

Test(parse_time, every_byte_of_every_field_against_a_reference)
{
    /* The fields are checked eight bytes at a time: each byte of each one is set to every value
     * in turn, and the parser must agree with the reference on accepting and on the instant. */
    const char *samples[] = {"2022-01-28T20:03:52.2661234Z", "2024-02-29T23:59:59.9999999Z",
                             "0001-01-01T00:00:00.0000000Z", "1900-12-31T09:09:09.0909090Z"};
    for (size_t k = 0; k < sizeof samples / sizeof samples[0]; k++) {
        for (size_t i = 0; i + 1 < strlen(samples[k]); i++) {
            for (int b = 1; b < 256; b++) {
                char s[32];
                snprintf(s, sizeof s, "%s", samples[k]);
                s[i] = (char)b;
                int64_t want = 0, got = 42;
                bool ok = reference_time(s, &want);
                int rc = ses_parse_time(s, strlen(s), &got);
                cr_assert_eq(rc, ok ? 0 : -1, "\"%s\": %d, the reference says %s", s, rc,
                             ok ? "valid" : "invalid");
                if (ok)
                    cr_assert_eq(got, want, "\"%s\"", s);
            }
        }
    }
}

Test(parse_time, dates_read_again_give_what_they_gave_first)
{
    /* The last dates read are remembered: read in turn, again and again (each one pushing out
     * others), every one keeps its own day; a date of NUL bytes never passes for the empty
     * memory this process starts with. */
    int64_t t = 0;
    cr_assert_eq(ses_parse_time("\0\0\0\0\0\0\0\0\0\0T00:00:00Z", 20, &t), -1);
    const char *dates[] = {"2022-01-28T20:03:52.2661234Z", "2024-02-29T23:59:59.9999999Z",
                           "0001-01-01T00:00:00.0000000Z", "2022-01-29T20:03:52.2661234Z",
                           "2022-01-28T00:00:00.0000000Z", "1900-12-31T09:09:09.0909090Z"};
    const size_t n = sizeof dates / sizeof *dates;
    for (size_t round = 0; round < 5 * n; round++) {
        const char *s = dates[(round * round + round / 3) % n];
        int64_t want = 0, got = 42;
        cr_assert(reference_time(s, &want), "%s", s);
        cr_assert_eq(ses_parse_time(s, strlen(s), &got), 0, "%s", s);
        cr_assert_eq(got, want, "round %zu: %s", round, s);
        cr_assert_eq(ses_parse_time("2022-01-28T24:00:00Z", 20, &got), -1);
        cr_assert_eq(ses_parse_time("2022-01-2xT00:00:00Z", 20, &got), -1);
    }
}

Test(parse_time, length_bounds_the_text)
{
    /* Only n bytes are read: a valid prefix of a longer buffer is valid, a cut one is not. */
    const char *s = "2022-01-28T20:03:52.266Zjunk";
    int64_t t = 0;
    cr_assert_eq(ses_parse_time(s, 24, &t), 0);
    cr_assert_eq(t, SAMPLE_TICKS);
    cr_assert_eq(ses_parse_time(s, 18, &t), -1);
    cr_assert_eq(ses_parse_time("2022-01-28T20:03:52\0", 20, &t), -1);
}

Test(parse_time, dotnet_dates)
{
    cr_assert_eq(time_of("/Date(1643400232266)/"), SAMPLE_TICKS);
    /* The offset says where the writer was; the milliseconds are UTC already. */
    cr_assert_eq(time_of("/Date(1643400232266+0100)/"), SAMPLE_TICKS);
    cr_assert_eq(time_of("/Date(1643400232266-0530)/"), SAMPLE_TICKS);
    cr_assert_eq(time_of("/Date(0)/"), 0);
    cr_assert_eq(time_of("/Date(-0)/"), 0);
    cr_assert_eq(time_of("/Date(-1000)/"), -SEC);
    cr_assert_eq(time_of("/Date(1)/"), 10000);
    /* Year 1 starts 62135596800 s before 1970 (719162 days); year 10000 253402300800 s after. */
    cr_assert_eq(time_of("/Date(-62135596800000)/"), MIN_TICKS);
    cr_assert_eq(time_of("/Date(253402300799999)/"), MAX_TICKS - 9999);
}

Test(parse_time, dotnet_invalid)
{
    assert_bad_time("/Date()/");
    assert_bad_time("/Date(-)/");
    assert_bad_time("/Date(12a)/");
    assert_bad_time("/Date(1)");
    assert_bad_time("/Date(1)/x");
    assert_bad_time("/Date(1)//");
    assert_bad_time("/Date(+1)/");
    assert_bad_time("/Date( 1)/");
    assert_bad_time("/Date(1+01)/");
    assert_bad_time("/Date(1+01:00)/");
    assert_bad_time("/Date(1+2400)/");
    assert_bad_time("/Date(1+0100");
    assert_bad_time("/Date(");
    assert_bad_time("/date(1)/");
    assert_bad_time("\\/Date(1)\\/");
    assert_bad_time("/Date(-62135596800001)/");
    assert_bad_time("/Date(253402300800000)/");
    assert_bad_time("/Date(99999999999999999999999)/");
    assert_bad_time("/Date(9223372036854775807)/");
}

Test(parse_time, date_or_time)
{
    int64_t t = 42;
    cr_assert_eq(ses_parse_date_or_time("2024-02-29", 10, &t), 0);
    cr_assert_eq(t, 19782 * DAY);
    cr_assert_eq(ses_parse_date_or_time("1969-12-31", 10, &t), 0);
    cr_assert_eq(t, -DAY);
    cr_assert_eq(ses_parse_date_or_time("2024-02-29T01:00:00+01:00", 25, &t), 0);
    cr_assert_eq(t, 19782 * DAY);
    cr_assert_eq(ses_parse_date_or_time("/Date(-1000)/", 13, &t), 0);
    cr_assert_eq(t, -SEC);
    t = 42;
    cr_assert_eq(ses_parse_date_or_time("2023-02-29", 10, &t), -1);
    cr_assert_eq(ses_parse_date_or_time("2023-02-2", 9, &t), -1);
    cr_assert_eq(ses_parse_date_or_time("2023-02-28Z", 11, &t), -1);
    cr_assert_eq(ses_parse_date_or_time("2023-02-28T", 11, &t), -1);
    cr_assert_eq(ses_parse_date_or_time("", 0, &t), -1);
    cr_assert_eq(t, 42);
}

/* ---- ses_parse_timespan ---- */

Test(timespan, valid)
{
    cr_assert_eq(span_of("00:01:17.8237000"), 778237000);
    /* 1 day 2 h 3 min 4.5 s = 86400 + 7200 + 180 + 4.5 = 93784.5 s. */
    cr_assert_eq(span_of("1.02:03:04.5"), 937845000000LL);
    cr_assert_eq(span_of("-00:00:01"), -SEC);
    cr_assert_eq(span_of("23:59:59.9999999"), DAY - 1);
    cr_assert_eq(span_of("00:00:00"), 0);
    cr_assert_eq(span_of("-0.00:00:00"), 0);
    cr_assert_eq(span_of("00:00:00.0000001"), 1);
    cr_assert_eq(span_of("12.00:00:00"), 12 * DAY);
    cr_assert_eq(span_of("007.00:00:00"), 7 * DAY);
    cr_assert_eq(span_of("-2.12:00:00.25"), -(2 * DAY + DAY / 2 + SEC / 4));
}

Test(timespan, range_of_int64)
{
    /* TimeSpan.MaxValue: 10675199 days = 9223371936000000000 ticks; the remaining
     * 100854775807 ticks are 10085.4775807 s = 2 h 48 min 5.4775807 s. */
    cr_assert_eq(span_of("10675199.02:48:05.4775807"), INT64_MAX);
    cr_assert_eq(span_of("-10675199.02:48:05.4775807"), -INT64_MAX);
    assert_bad_span("10675199.02:48:05.4775808");
    assert_bad_span("-10675199.02:48:05.4775808");
    assert_bad_span("10675200.00:00:00");
    assert_bad_span("99999999999999999999999.00:00:00");
}

Test(timespan, invalid)
{
    assert_bad_span("");
    assert_bad_span("-");
    assert_bad_span("24:00:00");
    assert_bad_span("00:60:00");
    assert_bad_span("00:00:60");
    assert_bad_span("1:2:3");
    assert_bad_span("1:02:03");
    assert_bad_span("001:02:03");
    assert_bad_span("00:00:00.12345678");
    assert_bad_span("00:00:00.");
    assert_bad_span("00:00");
    assert_bad_span("00:00:00 ");
    assert_bad_span(" 00:00:00");
    assert_bad_span("00:00:00Z");
    assert_bad_span(".00:00:00");
    assert_bad_span("1.");
    assert_bad_span("1.1:00:00");
    assert_bad_span("1.-00:00:00");
    assert_bad_span("+00:00:01");
    assert_bad_span("--00:00:01");
    assert_bad_span("1.2.00:00:00");
    assert_bad_span("00:00:00.5.5");
    assert_bad_span("PT1M17S");
}

/* ---- ses_format_time ---- */

Test(format_time, exact_strings)
{
    assert_time_text(0, "1970-01-01T00:00:00.0000000Z");
    assert_time_text(1, "1970-01-01T00:00:00.0000001Z");
    assert_time_text(-1, "1969-12-31T23:59:59.9999999Z");
    assert_time_text(-DAY, "1969-12-31T00:00:00.0000000Z");
    assert_time_text(-DAY - 1, "1969-12-30T23:59:59.9999999Z");
    assert_time_text(SAMPLE_TICKS, "2022-01-28T20:03:52.2660000Z");
    assert_time_text(19782 * DAY + 23 * 3600 * SEC, "2024-02-29T23:00:00.0000000Z");
    assert_time_text(-2208988800LL * SEC, "1900-01-01T00:00:00.0000000Z");
    assert_time_text((D1900_01_01 + 58) * DAY, "1900-02-28T00:00:00.0000000Z");
    assert_time_text((D1900_01_01 + 59) * DAY, "1900-03-01T00:00:00.0000000Z");
    /* 2000 has 366 days: its last is 2000-01-01 + 365, the last day of a 400-year cycle. */
    assert_time_text((D2000_01_01 + 365) * DAY, "2000-12-31T00:00:00.0000000Z");
    assert_time_text((D2000_01_01 + 366) * DAY, "2001-01-01T00:00:00.0000000Z");
    /* 2024 is the last year of a four-year span, and a leap year. */
    assert_time_text((D2024_01_01 + 365) * DAY, "2024-12-31T00:00:00.0000000Z");
    assert_time_text(MIN_TICKS, "0001-01-01T00:00:00.0000000Z");
    assert_time_text(MAX_TICKS, "9999-12-31T23:59:59.9999999Z");
}

Test(format_time, out_of_range_is_clamped)
{
    assert_time_text(MIN_TICKS - 1, "0001-01-01T00:00:00.0000000Z");
    assert_time_text(INT64_MIN, "0001-01-01T00:00:00.0000000Z");
    assert_time_text(MAX_TICKS + 1, "9999-12-31T23:59:59.9999999Z");
    assert_time_text(INT64_MAX, "9999-12-31T23:59:59.9999999Z");
}

Test(format_time, round_trips)
{
    static const char *const texts[] = {
        "1970-01-01T00:00:00.0000000Z", "2022-01-28T20:03:52.2660000Z",
        "1969-07-20T20:17:40.1234567Z", "1600-02-29T12:34:56.7890123Z",
        "0001-01-01T00:00:00.0000000Z", "9999-12-31T23:59:59.9999999Z",
        "2100-02-28T23:59:59.0000001Z", "0004-02-29T00:00:00.5000000Z",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        char buf[SES_TIME_BUFSZ];
        ses_format_time(time_of(texts[i]), buf);
        cr_assert_str_eq(buf, texts[i]);
    }
    /* From ticks: every 997 days and an odd time of day, across the whole range. */
    for (int64_t t = MIN_TICKS + 12345678901LL; t <= MAX_TICKS; t += 997 * DAY + 1) {
        char buf[SES_TIME_BUFSZ];
        size_t n = ses_format_time(t, buf);
        int64_t back = 0;
        cr_assert_eq(ses_parse_time(buf, n, &back), 0, "%s", buf);
        cr_assert_eq(back, t, "%s", buf);
    }
}

static int month_length(int y, int m)
{
    static const int lengths[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return lengths[m - 1] + (m == 2 && leap);
}

Test(format_time, every_day_of_the_calendar)
{
    /* Walks the calendar one day at a time from 0001-01-01 and checks both directions. */
    int y = 1, m = 1, d = 1;
    for (int64_t day = D0001_01_01; day < D10000_01_01; day++) {
        char want[48];
        char buf[SES_TIME_BUFSZ];
        snprintf(want, sizeof want, "%04d-%02d-%02d", y, m, d);
        ses_format_time(day * DAY, buf);
        cr_assert_eq(memcmp(buf, want, 10), 0, "day %lld: %s, want %s", (long long)day, buf, want);
        int64_t t = 0;
        cr_assert_eq(ses_parse_date_or_time(want, 10, &t), 0, "%s", want);
        cr_assert_eq(t, day * DAY, "%s", want);
        if (++d > month_length(y, m)) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    cr_assert_eq(y, 10000);
}

/* ---- ses_format_seconds ---- */

Test(format_seconds, exact)
{
    assert_seconds_text(778237000, "77.8237");
    assert_seconds_text(3600 * SEC, "3600");
    assert_seconds_text(0, "0");
    assert_seconds_text(-SEC / 2, "-0.5");
    assert_seconds_text(1, "0.0000001");
    assert_seconds_text(-1, "-0.0000001");
    assert_seconds_text(10 * SEC, "10");
    assert_seconds_text(-SEC, "-1");
    assert_seconds_text(1234567890, "123.456789");
    assert_seconds_text(1000 * SEC + 1000, "1000.0001");
    assert_seconds_text(DAY - 1, "86399.9999999");
}

Test(format_seconds, extremes)
{
    assert_seconds_text(INT64_MAX, "922337203685.4775807");
    assert_seconds_text(INT64_MIN + 1, "-922337203685.4775807");
    assert_seconds_text(INT64_MIN, "-922337203685.4775808");
}

/* ---- status words and details ---- */

Test(status_word, canonical_spelling_in_any_case)
{
    static const char *const words[] = {
        "Success",       "Warning", "Failed",  "Error",   "Running",  "Canceled", "Stopped",
        "NotConfigured", "None",    "Unknown", "Working", "Starting", "Stopping",
    };
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        char lower[32], upper[32];
        size_t n = strlen(words[i]);
        for (size_t j = 0; j <= n; j++) {
            char c = words[i][j];
            lower[j] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
            upper[j] = c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
        }
        cr_assert_str_eq(ses_status_word(words[i], n), words[i]);
        cr_assert_str_eq(ses_status_word(lower, n), words[i]);
        cr_assert_str_eq(ses_status_word(upper, n), words[i]);
    }
    cr_assert_str_eq(ses_status_word("sUcCeSs", 7), "Success");
    cr_assert_str_eq(ses_status_word("notconfigured", 13), "NotConfigured");
    /* The result is the static spelling, whatever the input's storage. */
    cr_assert_eq(ses_status_word("FAILED", 6), ses_status_word("failed", 6));
}

Test(status_word, other_words)
{
    cr_assert_null(ses_status_word("", 0));
    cr_assert_null(ses_status_word(NULL, 0));
    cr_assert_null(ses_status_word("Succes", 6));
    cr_assert_null(ses_status_word("Successful", 10));
    cr_assert_null(ses_status_word("Success ", 8));
    cr_assert_null(ses_status_word(" Success", 8));
    cr_assert_null(ses_status_word("Cancelled", 9));
    cr_assert_null(ses_status_word("Not Configured", 14));
    cr_assert_null(ses_status_word("Queued", 6));
    cr_assert_null(ses_status_word("Succ\0ss", 7));
    /* Only ASCII letters fold: 'S' + 0x80 is not 's'. */
    cr_assert_null(ses_status_word("\xd3uccess", 7));
    cr_assert_str_eq(ses_status_word("Successful", 7), "Success");
}

static int64_t count_of(const char *s) { return ses_details_count(s, strlen(s)); }

Test(details_count, counts)
{
    cr_assert_eq(count_of("0 items processed"), 0);
    cr_assert_eq(count_of("1 item processed (1 success)"), 1);
    cr_assert_eq(count_of("12 items processed"), 12);
    cr_assert_eq(count_of("12 items processed, 3 failed"), 12);
    cr_assert_eq(count_of("007 items processed"), 7);
    cr_assert_eq(count_of("9223372036854775807 items processed"), INT64_MAX);
    /* The word's number does not have to agree with the count. */
    cr_assert_eq(count_of("2 item processed"), 2);
    cr_assert_eq(count_of("1 items processed"), 1);
}

Test(details_count, not_counts)
{
    cr_assert_eq(count_of("items processed"), SES_NULL);
    cr_assert_eq(count_of(""), SES_NULL);
    cr_assert_eq(ses_details_count(NULL, 0), SES_NULL);
    cr_assert_eq(count_of("12"), SES_NULL);
    cr_assert_eq(count_of("12 items"), SES_NULL);
    cr_assert_eq(count_of("12 items processe"), SES_NULL);
    cr_assert_eq(count_of("12  items processed"), SES_NULL);
    cr_assert_eq(count_of("12items processed"), SES_NULL);
    cr_assert_eq(count_of("12 itemsprocessed"), SES_NULL);
    cr_assert_eq(count_of("12 itemss processed"), SES_NULL);
    cr_assert_eq(count_of("12 objects processed"), SES_NULL);
    cr_assert_eq(count_of("12 Items processed"), SES_NULL);
    cr_assert_eq(count_of(" 12 items processed"), SES_NULL);
    cr_assert_eq(count_of("-1 items processed"), SES_NULL);
    cr_assert_eq(count_of("+1 items processed"), SES_NULL);
    cr_assert_eq(count_of("9223372036854775808 items processed"), SES_NULL);
    cr_assert_eq(count_of("9223372036854775809 items processed"), SES_NULL);
    cr_assert_eq(count_of("99999999999999999999999 items processed"), SES_NULL);
    cr_assert_eq(ses_details_count("12 items processed", 17), SES_NULL);
}

/* ---- ses_normalize ---- */

Test(normalize, azure_duration_from_timespan)
{
    ses_raw r = blank_raw();
    set_text(&r, K_ID, "a1");
    r.start_text = str("2022-01-28T20:00:00Z");
    r.end_text = str("2022-01-28T20:05:00Z");
    r.duration_text = str("00:01:17.8237000");
    r.duration_ms = 5000;
    r.server_status = str("success");
    r.s.num[ses_num_slot(K_USN)] = 7;
    r.s.num[ses_num_slot(K_PROCESSED_OBJECTS)] = 3;
    ses_normalize(&r, SES_SRC_AZURE_JOB);
    cr_assert_eq(r.s.source, SES_SRC_AZURE_JOB);
    int64_t start = ((D2022_01_01 + 27) * 86400 + 20 * 3600) * SEC;
    cr_assert_eq(num(&r, K_START), start);
    cr_assert_eq(num(&r, K_END), start + 300 * SEC);
    /* The TimeSpan wins over both the milliseconds and end - start. */
    cr_assert_eq(num(&r, K_DURATION), 778237000);
    assert_status(&r, "Success");
    cr_assert_eq(text(&r, K_STATUS).p, ses_status_word("Success", 7));
    cr_assert_eq(num(&r, K_USN), 7);
    cr_assert_eq(num(&r, K_PROCESSED_OBJECTS), 3);
    cr_assert_str_eq(text(&r, K_ID).p, "a1");
}

Test(normalize, azure_duration_from_milliseconds)
{
    ses_raw r = blank_raw();
    r.start_text = str("2022-01-28T20:00:00Z");
    r.end_text = str("2022-01-28T20:05:00Z");
    r.duration_text = str("not a timespan");
    r.duration_ms = 1500;
    ses_normalize(&r, SES_SRC_AZURE_JOB);
    cr_assert_eq(num(&r, K_DURATION), 15000000);
    cr_assert_null(text(&r, K_STATUS).p);

    r = blank_raw();
    r.duration_ms = -250;
    ses_normalize(&r, SES_SRC_AZURE_JOB);
    cr_assert_eq(num(&r, K_DURATION), -2500000);
    cr_assert_eq(num(&r, K_START), SES_NULL);
}

Test(normalize, azure_duration_from_timestamps)
{
    ses_raw r = blank_raw();
    r.start_text = str("2022-01-28T21:00:00+01:00");
    r.end_text = str("2022-01-28T20:01:17.8237Z");
    ses_normalize(&r, SES_SRC_AZURE_JOB);
    cr_assert_eq(num(&r, K_DURATION), 778237000);

    /* Milliseconds no tick count can hold count as absent. */
    r.duration_ms = INT64_MAX;
    ses_normalize(&r, SES_SRC_AZURE_JOB);
    cr_assert_eq(num(&r, K_DURATION), 778237000);

    r.end_text = (sq_str){NULL, 0};
    r.duration_ms = SES_NULL;
    ses_normalize(&r, SES_SRC_AZURE_JOB);
    cr_assert_eq(num(&r, K_END), SES_NULL);
    cr_assert_eq(num(&r, K_DURATION), SES_NULL);
}

Test(normalize, azure_status_kept_when_unknown)
{
    ses_raw r = blank_raw();
    r.server_status = str("Queued");
    ses_normalize(&r, SES_SRC_AZURE_JOB);
    cr_assert_eq(text(&r, K_STATUS).p, r.server_status.p);
    cr_assert_eq(text(&r, K_STATUS).n, 6);

    r.server_status = str("ERROR");
    ses_normalize(&r, SES_SRC_AZURE_JOB);
    assert_status(&r, "Error");

    r.server_status = str("");
    ses_normalize(&r, SES_SRC_AZURE_JOB);
    cr_assert_not_null(text(&r, K_STATUS).p);
    cr_assert_eq(text(&r, K_STATUS).n, 0);
}

Test(normalize, retrieval)
{
    ses_raw r = blank_raw();
    r.start_text = str("/Date(1643400232266)/");
    r.end_text = str("/Date(1643400292266+0100)/");
    r.duration_text = str("00:00:01");
    r.duration_ms = 99;
    r.server_status = str("running");
    set_text(&r, K_STATE, "Working");
    set_text(&r, K_DETAILS, "5 items processed");
    r.s.num[ses_num_slot(K_PROCESSED_OBJECTS)] = 42;
    r.s.num[ses_num_slot(K_PROGRESS)] = 80;
    ses_normalize(&r, SES_SRC_VB365_RETRIEVAL);
    cr_assert_eq(r.s.source, SES_SRC_VB365_RETRIEVAL);
    cr_assert_eq(num(&r, K_START), SAMPLE_TICKS);
    /* Not Azure: end - start (60 s), the raw duration fields are ignored. */
    cr_assert_eq(num(&r, K_DURATION), 60 * SEC);
    assert_status(&r, "Running");
    cr_assert_eq(num(&r, K_PROCESSED_OBJECTS), 42);
    cr_assert_eq(num(&r, K_PROGRESS), 80);
}

Test(normalize, restore_running_states)
{
    static const char *const states[] = {"Working", "starting", "STOPPING"};
    for (size_t i = 0; i < sizeof states / sizeof *states; i++) {
        ses_raw r = blank_raw();
        set_text(&r, K_STATE, states[i]);
        set_text(&r, K_RESULT, "Failed");
        r.server_status = str("Success");
        r.start_text = str("2022-01-28T20:03:52.266Z");
        ses_normalize(&r, SES_SRC_VB365_RESTORE);
        cr_assert_eq(r.s.source, SES_SRC_VB365_RESTORE);
        assert_status(&r, "Running");
        cr_assert_eq(num(&r, K_START), SAMPLE_TICKS);
        cr_assert_eq(num(&r, K_DURATION), SES_NULL);
        /* state and result keep the server's text. */
        cr_assert_str_eq(text(&r, K_STATE).p, states[i]);
        cr_assert_str_eq(text(&r, K_RESULT).p, "Failed");
    }
}

Test(normalize, restore_result_then_state)
{
    ses_raw r = blank_raw();
    set_text(&r, K_STATE, "Stopped");
    set_text(&r, K_RESULT, "success");
    r.server_status = str("Failed");
    ses_normalize(&r, SES_SRC_VB365_RESTORE);
    assert_status(&r, "Success");
    cr_assert_str_eq(text(&r, K_RESULT).p, "success");

    r = blank_raw();
    set_text(&r, K_STATE, "stopped");
    ses_normalize(&r, SES_SRC_VB365_RESTORE);
    assert_status(&r, "Stopped");

    r = blank_raw();
    set_text(&r, K_STATE, "Finished");
    ses_normalize(&r, SES_SRC_VB365_RESTORE);
    assert_status(&r, "Finished");

    r = blank_raw();
    set_text(&r, K_RESULT, "PartiallySucceeded");
    ses_normalize(&r, SES_SRC_VB365_RESTORE);
    assert_status(&r, "PartiallySucceeded");

    r = blank_raw();
    r.server_status = str("Success");
    ses_normalize(&r, SES_SRC_VB365_RESTORE);
    cr_assert_null(text(&r, K_STATUS).p);
}

Test(normalize, restore_times_and_count)
{
    ses_raw r = blank_raw();
    r.start_text = str("2024-02-29T23:30:00-01:00");
    r.end_text = str("2024-03-01T00:31:17.8237Z");
    r.duration_text = str("05:00:00");
    set_text(&r, K_DETAILS, "1 item processed (1 success)");
    set_text(&r, K_RESULT, "Warning");
    r.s.num[ses_num_slot(K_PROCESSED_OBJECTS)] = 99;
    ses_normalize(&r, SES_SRC_VB365_RESTORE);
    /* 23:30-01:00 on Feb 29 is 00:30Z on March 1st (day 19783). */
    cr_assert_eq(num(&r, K_START), (19783 * 86400LL + 30 * 60) * SEC);
    cr_assert_eq(num(&r, K_DURATION), 778237000);
    cr_assert_eq(num(&r, K_PROCESSED_OBJECTS), 1);
    assert_status(&r, "Warning");

    set_text(&r, K_DETAILS, "Restore finished");
    ses_normalize(&r, SES_SRC_VB365_RESTORE);
    cr_assert_eq(num(&r, K_PROCESSED_OBJECTS), SES_NULL);

    r.s.text[ses_text_slot(K_DETAILS)] = (sq_str){NULL, 0};
    r.s.num[ses_num_slot(K_PROCESSED_OBJECTS)] = 5;
    ses_normalize(&r, SES_SRC_VB365_RESTORE);
    cr_assert_eq(num(&r, K_PROCESSED_OBJECTS), SES_NULL);
}

Test(normalize, invalid_times_are_null)
{
    ses_raw r = blank_raw();
    r.start_text = str("2023-02-29T00:00:00Z");
    r.end_text = str("2023-03-01T00:00:00Z");
    ses_normalize(&r, SES_SRC_VB365_RESTORE);
    cr_assert_eq(num(&r, K_START), SES_NULL);
    cr_assert_eq(num(&r, K_END), (D2022_01_01 + 365 + 59) * DAY);
    cr_assert_eq(num(&r, K_DURATION), SES_NULL);

    r = blank_raw();
    r.start_text = str("");
    r.end_text = str("yesterday");
    ses_normalize(&r, SES_SRC_AZURE_JOB);
    cr_assert_eq(num(&r, K_START), SES_NULL);
    cr_assert_eq(num(&r, K_END), SES_NULL);
    cr_assert_eq(num(&r, K_DURATION), SES_NULL);
}

Test(normalize, leaves_other_fields_alone)
{
    ses_raw r = blank_raw();
    static const char *const values[SES_NTEXT] = {
        "id",    "name", "type", NULL,  "state", "result", "org",      "who",    "details",
        "scope", "host", "rid",  "pid", "pname", "repoid", "reponame", "reason",
    };
    for (int i = 0; i < SES_NTEXT; i++)
        if (values[i] != NULL)
            r.s.text[i] = str(values[i]);
    r.s.num[ses_num_slot(K_PROGRESS)] = 1;
    r.s.num[ses_num_slot(K_USN)] = 2;
    r.s.num[ses_num_slot(K_PROTECTED_INSTANCES)] = 3;
    r.s.num[ses_num_slot(K_PROCESSED_OBJECTS)] = 4;
    for (int src = SES_SRC_AZURE_JOB; src < SES_SRC_COUNT; src++) {
        ses_normalize(&r, (ses_source)src);
        for (int i = 0; i < SES_NTEXT; i++)
            if (values[i] != NULL)
                cr_assert_eq(r.s.text[i].p, values[i], "slot %d, source %d", i, src);
        cr_assert_eq(num(&r, K_PROGRESS), 1);
        cr_assert_eq(num(&r, K_USN), 2);
        cr_assert_eq(num(&r, K_PROTECTED_INSTANCES), 3);
    }
}
