/* test_shape.c: the shape module through real inputs: the five response shapes, source rules,
 * unknown and oddly typed keys, several documents per file, errors with their positions, the
 * table left as it was by a failing read, totals and duplicates.
 *
 * Fixtures are written with ' for " (see fixture()), so that JSON reads as JSON; the conversion
 * keeps every byte's position, so error columns are those of the text as written here. Expected
 * values are worked out by hand from SESSION-MODEL.md and the API reference examples. */
#include <criterion/criterion.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "findings.h"
#include "input.h"
#include "paging.h"
#include "session.h"
#include "shape.h"
#include "table.h"

#define SEC 10000000LL
#define NO_ROW ((size_t)-1)

static tbl_table *T;
static shp_reader *R;

static void setup(void)
{
    T = tbl_new();
    cr_assert_not_null(T);
    R = shp_new(T, NULL);
    cr_assert_not_null(R);
}

static void teardown(void)
{
    shp_free(R);
    tbl_free(T);
}

TestSuite(shape, .init = setup, .fini = teardown);

/* ---- helpers ------------------------------------------------------------------------------ */

typedef struct {
    char *p;
    size_t n, cap;
} sbuf;

static void sb_add(sbuf *b, const void *p, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        b->p = realloc(b->p, cap);
        cr_assert_not_null(b->p);
        b->cap = cap;
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    cr_assert_geq(n, 0);
    if ((size_t)n < sizeof small) {
        sb_add(b, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    cr_assert_not_null(big);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_add(b, big, (size_t)n);
    free(big);
}

/* The fixture with every ' turned into ", in a buffer the caller frees. */
static char *fixture(const char *s)
{
    char *j = strdup(s);
    cr_assert_not_null(j);
    for (char *p = j; *p; p++)
        if (*p == '\'')
            *p = '"';
    return j;
}

static char *write_temp(const void *data, size_t n)
{
    char *path = strdup("/tmp/sessq-shape-XXXXXX");
    cr_assert_not_null(path);
    int fd = mkstemp(path);
    cr_assert_neq(fd, -1);
    const char *p = data;
    for (size_t done = 0; done < n;) {
        ssize_t w = write(fd, p + done, n - done);
        cr_assert_gt(w, 0);
        done += (size_t)w;
    }
    cr_assert_eq(close(fd), 0);
    return path;
}

/* Reads the file at `path` into `r` through a real in_source. */
static int read_path(shp_reader *r, const char *path, sq_error *err)
{
    sq_error oerr;
    in_source *src = in_open(path, &oerr);
    cr_assert_not_null(src, "in_open(%s) failed", path);
    int rc = shp_read(r, src, err);
    in_close(src);
    return rc;
}

static int read_bytes_into(shp_reader *r, const void *data, size_t n, sq_error *err)
{
    char *path = write_temp(data, n);
    int rc = read_path(r, path, err);
    unlink(path);
    free(path);
    return rc;
}

/* Reads raw bytes (no ' conversion). */
static int read_raw(const char *data, size_t n, sq_error *err)
{
    return read_bytes_into(R, data, n, err);
}

static int read_fixture_into(shp_reader *r, const char *text, sq_error *err)
{
    char *j = fixture(text);
    int rc = read_bytes_into(r, j, strlen(j), err);
    free(j);
    return rc;
}

static void read_ok_into(shp_reader *r, const char *text)
{
    sq_error err;
    int rc = read_fixture_into(r, text, &err);
    cr_assert_eq(rc, 0, "shp_read failed: code %d, %s, at %llu:%llu (%s)", err.code,
                 err.message ? err.message : "?", (unsigned long long)err.line,
                 (unsigned long long)err.column, err.detail ? err.detail : "-");
}

static void read_ok(const char *text) { read_ok_into(R, text); }

static void read_raw_ok(const char *data, size_t n)
{
    sq_error err;
    int rc = read_raw(data, n, &err);
    cr_assert_eq(rc, 0, "shp_read failed: code %d, %s, at %llu:%llu", err.code,
                 err.message ? err.message : "?", (unsigned long long)err.line,
                 (unsigned long long)err.column);
}

/* A byte-exact picture of the whole table: count, duplicates, every key of every row. */
static char *dump_table(const tbl_table *t, size_t *len)
{
    sbuf b = {0};
    sb_printf(&b, "count %zu duplicates %zu\n", tbl_count(t), tbl_duplicates(t));
    for (size_t row = 0; row < tbl_count(t); row++) {
        for (int k = 0; k < SES_NALLKEYS; k++) {
            sq_value v;
            char scratch[SES_TIME_BUFSZ];
            tbl_get(t, row, (ses_key)k, &v, scratch);
            sb_printf(&b, "%zu.%d kind %d ", row, k, (int)v.kind);
            if (v.kind == SQ_TEXT) {
                sb_printf(&b, "len %u: ", (unsigned)v.len);
                sb_add(&b, v.text, v.len);
            } else if (v.kind != SQ_NULL) {
                sb_printf(&b, "%lld", (long long)v.i);
            }
            sb_add(&b, "\n", 1);
        }
    }
    *len = b.n;
    return b.p;
}

static void assert_same_dump(const char *a, size_t na, const char *b, size_t nb, const char *what)
{
    cr_assert(na == nb && memcmp(a, b, na) == 0,
              "%s: the table changed:\n--- before\n%s\n--- after\n%s", what, a, b);
}

/* Reads a fixture that must fail with `code` at line:column (0 for "don't check"), and checks
 * that the table is exactly as it was and the totals did not move. */
static sq_error expect_error_at(const char *text, int code, uint64_t line, uint64_t column)
{
    size_t n0;
    char *before = dump_table(T, &n0);
    shp_stats t0 = shp_totals(R);
    sq_error err;
    int rc = read_fixture_into(R, text, &err);
    cr_assert_eq(rc, -1, "read succeeded, expected error %d: %s", code, text);
    cr_assert_eq(err.code, code, "error code %d (%s), expected %d, for: %s", err.code,
                 err.message ? err.message : "?", code, text);
    cr_assert_not_null(err.message);
    if (line)
        cr_assert_eq(err.line, line, "line %llu, expected %llu, for: %s",
                     (unsigned long long)err.line, (unsigned long long)line, text);
    if (column)
        cr_assert_eq(err.column, column, "column %llu, expected %llu, for: %s",
                     (unsigned long long)err.column, (unsigned long long)column, text);
    size_t n1;
    char *after = dump_table(T, &n1);
    assert_same_dump(before, n0, after, n1, text);
    shp_stats t1 = shp_totals(R);
    cr_assert_eq(t1.documents, t0.documents);
    cr_assert_eq(t1.records, t0.records);
    free(before);
    free(after);
    return err;
}

static int64_t utc(const char *s)
{
    int64_t t;
    cr_assert_eq(ses_parse_time(s, strlen(s), &t), 0, "bad test timestamp %s", s);
    return t;
}

static size_t row_in(const tbl_table *t, const char *source, const char *id)
{
    for (size_t row = 0; row < tbl_count(t); row++) {
        sq_value s, i;
        char scratch[SES_TIME_BUFSZ];
        tbl_get(t, row, K_SOURCE, &s, scratch);
        tbl_get(t, row, K_ID, &i, scratch);
        if (s.kind == SQ_TEXT && i.kind == SQ_TEXT && s.len == strlen(source) &&
            !memcmp(s.text, source, s.len) && i.len == strlen(id) && !memcmp(i.text, id, i.len))
            return row;
    }
    return NO_ROW;
}

/* The row of (source, id), which must exist. */
static size_t row_of(const char *source, const char *id)
{
    size_t row = row_in(T, source, id);
    cr_assert_neq(row, NO_ROW, "no row (%s, %s)", source, id);
    return row;
}

static void check_text_n(size_t row, ses_key k, const char *want, size_t n)
{
    sq_value v;
    char scratch[SES_TIME_BUFSZ];
    tbl_get(T, row, k, &v, scratch);
    cr_assert_eq(v.kind, SQ_TEXT, "row %zu %s: kind %d, expected text \"%s\"", row, ses_key_name(k),
                 (int)v.kind, want);
    cr_assert(v.len == n && memcmp(v.text, want, n) == 0, "row %zu %s: \"%.*s\", expected \"%s\"",
              row, ses_key_name(k), (int)v.len, v.text, want);
}

static void check_text(size_t row, ses_key k, const char *want)
{
    check_text_n(row, k, want, strlen(want));
}

static void check_null(size_t row, ses_key k)
{
    sq_value v;
    char scratch[SES_TIME_BUFSZ];
    tbl_get(T, row, k, &v, scratch);
    cr_assert_eq(v.kind, SQ_NULL, "row %zu %s: kind %d (\"%.*s\" / %lld), expected null", row,
                 ses_key_name(k), (int)v.kind, v.kind == SQ_TEXT ? (int)v.len : 0,
                 v.kind == SQ_TEXT ? v.text : "", (long long)v.i);
}

static void check_num(size_t row, ses_key k, int64_t want)
{
    sq_value v;
    char scratch[SES_TIME_BUFSZ];
    tbl_get(T, row, k, &v, scratch);
    cr_assert_eq(v.kind, ses_key_kind(k), "row %zu %s: kind %d, expected %d (value %lld)", row,
                 ses_key_name(k), (int)v.kind, (int)ses_key_kind(k), (long long)want);
    cr_assert_eq(v.i, want, "row %zu %s: %lld, expected %lld", row, ses_key_name(k), (long long)v.i,
                 (long long)want);
}

static void check_source_id(size_t row, const char *source, const char *id)
{
    check_text(row, K_SOURCE, source);
    check_text(row, K_ID, id);
}

static void check_totals(uint64_t documents, uint64_t records)
{
    shp_stats s = shp_totals(R);
    cr_assert_eq(s.documents, documents, "documents %llu, expected %llu",
                 (unsigned long long)s.documents, (unsigned long long)documents);
    cr_assert_eq(s.records, records, "records %llu, expected %llu", (unsigned long long)s.records,
                 (unsigned long long)records);
}

/* ---- the five shapes ---------------------------------------------------------------------- */

/* VB365 v5 GET /v5/RestoreSessions, example 1 of the reference, as printed. */
static const char V5_SAMPLE[] =
    "[ { 'id': '0800471b-d0e2-422b-9d7c-35d15661c3fb', 'type': 'Vex', 'creationTime': "
    "'2018-06-29T07:42:21.191694Z', 'endTime': '2018-06-29T08:14:58.3532833Z', 'state': 'Stopped', "
    "'result': 'Success', '_links': { 'self': { 'href': "
    "'https://abc.tech.local:4443/v5/RestoreSessions/0800471b-d0e2-422b-9d7c-35d15661c3fb' }, "
    "'organization': { 'href': "
    "'https://abc.tech.local:4443/v5/RestoreSessions/0800471b-d0e2-422b-9d7c-35d15661c3fb/organization' } } "
    "}, { 'id': '9f786f0f-de9a-4a90-8118-093b6cb2c4fc', 'type': 'Vex', 'creationTime': "
    "'2017-06-29T08:30:05.0983973Z', 'state': 'Working', 'result': 'Success', '_links': { 'self': { "
    "'href': 'https://abc.tech.local:4443/v5/RestoreSessions/9f786f0f-de9a-4a90-8118-093b6cb2c4fc' }, "
    "'organization': { 'href': "
    "'https://abc.tech.local:4443/v5/RestoreSessions/9f786f0f-de9a-4a90-8118-093b6cb2c4fc/organization' } } "
    "} ]";

Test(shape, v5_bare_array)
{
    read_ok(V5_SAMPLE);
    cr_assert_eq(tbl_count(T), 2);
    cr_assert_eq(tbl_duplicates(T), 0);
    check_totals(1, 2);

    check_source_id(0, "vb365-restore", "0800471b-d0e2-422b-9d7c-35d15661c3fb");
    check_null(0, K_NAME);
    check_text(0, K_TYPE, "Vex");
    check_text(0, K_STATE, "Stopped");
    check_text(0, K_RESULT, "Success");
    check_text(0, K_STATUS, "Success");
    check_num(0, K_START, utc("2018-06-29T07:42:21.1916940Z"));
    check_num(0, K_END, utc("2018-06-29T08:14:58.3532833Z"));
    /* 07:42:21.1916940 to 08:14:58.3532833: 32 min 37.1615893 s */
    check_num(0, K_DURATION, 19571615893LL);
    check_null(0, K_ORGANIZATION);
    check_null(0, K_DETAILS);
    check_null(0, K_PROCESSED_OBJECTS);
    check_null(0, K_RETRIEVAL_ID);
    check_null(0, K_USN);
    check_text(0, K_DAY, "2018-06-29");
    check_text(0, K_MONTH, "2018-06");
    check_text(0, K_HOUR, "2018-06-29T07");

    /* Working: status Running whatever the result; no end, no duration. */
    check_source_id(1, "vb365-restore", "9f786f0f-de9a-4a90-8118-093b6cb2c4fc");
    check_text(1, K_STATE, "Working");
    check_text(1, K_RESULT, "Success");
    check_text(1, K_STATUS, "Running");
    check_num(1, K_START, utc("2017-06-29T08:30:05.0983973Z"));
    check_null(1, K_END);
    check_null(1, K_DURATION);
}

/* VB365 v6 GET /v6/RestoreSessions, three records of the reference example. */
static const char V6_RESTORE_SAMPLE[] =
    "{\n"
    " 'offset': 0,\n"
    " 'limit': 30,\n"
    " '_links': {\n"
    "   'self': {\n"
    "     'href': '/v6/RestoreSessions?offset=0&limit=30'\n"
    "   }\n"
    " },\n"
    " 'results': [\n"
    "   {\n"
    "     'id': 'b7f43a7f-3508-4d04-8ec2-ece6944e916b',\n"
    "     'name': 'SharePoint restore (Entire organization - 1/29/2022 10:29:05 AM)',\n"
    "     'organization': 'abc.onmicrosoft.com',\n"
    "     'type': 'Vesp',\n"
    "     'creationTime': '2022-02-22T15:51:15.1754625Z',\n"
    "     'endTime': '2022-02-22T17:03:47.8919508Z',\n"
    "     'state': 'Stopped',\n"
    "     'result': 'Success',\n"
    "     'initiatedBy': 'SRV0101\\\\Administrator',\n"
    "     'details': '0 items processed',\n"
    "     'scopeName': '',\n"
    "     'clientHost': 'srv0101 (via: 127.0.0.1)',\n"
    "     '_links': {\n"
    "       'self': {\n"
    "         'href': '/v6/restoresessions/b7f43a7f-3508-4d04-8ec2-ece6944e916b'\n"
    "       },\n"
    "       'organization': {\n"
    "         'href': '/v6/restoresessions/b7f43a7f-3508-4d04-8ec2-ece6944e916b/organization'\n"
    "       },\n"
    "       'restoreSessionEvents': {\n"
    "         'href': '/v6/restoresessions/b7f43a7f-3508-4d04-8ec2-ece6944e916b/events'\n"
    "       }\n"
    "     }\n"
    "   },\n"
    "   {\n"
    "     'id': 'd9d4d55d-d7d9-46b4-b5bf-dec5e5459184',\n"
    "     'name': 'Teams restore (Job: Teams backup - 1/28/2022 8:09:16 PM)',\n"
    "     'organization': 'abc.onmicrosoft.com',\n"
    "     'type': 'Vet',\n"
    "     'creationTime': '2022-02-02T15:59:09.6610178Z',\n"
    "     'endTime': '2022-02-02T16:23:07.5533876Z',\n"
    "     'state': 'Stopped',\n"
    "     'result': 'Success',\n"
    "     'initiatedBy': 'SRV0101\\\\Administrator',\n"
    "     'details': '1 item processed (1 success)',\n"
    "     'scopeName': '',\n"
    "     'clientHost': 'srv0101 (via: 127.0.0.1)',\n"
    "     '_links': {\n"
    "       'self': {\n"
    "         'href': '/v6/restoresessions/d9d4d55d-d7d9-46b4-b5bf-dec5e5459184'\n"
    "       }\n"
    "     }\n"
    "   },\n"
    "   {\n"
    "     'id': 'c600e3fd-2e1d-4e5a-8318-c9f3c6e8d9b6',\n"
    "     'name': 'OneDrive restore (Restore operator: operator@abc.onmicrosoft.com - 1/11/2022 4:04:43 PM)',\n"
    "     'organization': 'abc.onmicrosoft.com',\n"
    "     'type': 'Veod',\n"
    "     'creationTime': '2022-01-11T16:04:56.4364996Z',\n"
    "     'endTime': '2022-01-11T17:04:58.6080072Z',\n"
    "     'state': 'Stopped',\n"
    "     'result': 'Success',\n"
    "     'initiatedBy': 'operator@abc.onmicrosoft.com',\n"
    "     'details': '0 items processed',\n"
    "     'scopeName': 'operator@abc.onmicrosoft.com',\n"
    "     'clientHost': 'srv0101 (via: 127.0.0.1)',\n"
    "     '_links': {\n"
    "       'self': {\n"
    "         'href': '/v6/restoresessions/c600e3fd-2e1d-4e5a-8318-c9f3c6e8d9b6'\n"
    "       }\n"
    "     }\n"
    "   }\n"
    " ],\n"
    " 'setId': '00000000-0000-0000-0000-000000000000'\n"
    "}\n";

Test(shape, v6_restore_envelope)
{
    read_ok(V6_RESTORE_SAMPLE);
    cr_assert_eq(tbl_count(T), 3);
    check_totals(1, 3);

    check_source_id(0, "vb365-restore", "b7f43a7f-3508-4d04-8ec2-ece6944e916b");
    check_text(0, K_NAME, "SharePoint restore (Entire organization - 1/29/2022 10:29:05 AM)");
    check_text(0, K_TYPE, "Vesp");
    check_text(0, K_STATUS, "Success");
    check_text(0, K_ORGANIZATION, "abc.onmicrosoft.com");
    check_text(0, K_INITIATED_BY, "SRV0101\\Administrator");
    check_text(0, K_DETAILS, "0 items processed");
    check_num(0, K_PROCESSED_OBJECTS, 0);
    check_text(0, K_SCOPE, ""); /* empty, not null */
    check_text(0, K_CLIENT_HOST, "srv0101 (via: 127.0.0.1)");
    check_num(0, K_START, utc("2022-02-22T15:51:15.1754625Z"));
    check_num(0, K_END, utc("2022-02-22T17:03:47.8919508Z"));
    /* 1 h 12 min 32.7164883 s */
    check_num(0, K_DURATION, 43527164883LL);
    check_null(0, K_RETRIEVAL_ID);
    check_null(0, K_PROGRESS);

    check_source_id(1, "vb365-restore", "d9d4d55d-d7d9-46b4-b5bf-dec5e5459184");
    check_text(1, K_DETAILS, "1 item processed (1 success)");
    check_num(1, K_PROCESSED_OBJECTS, 1);
    /* 15:59:09.6610178 to 16:23:07.5533876: 23 min 57.8923698 s */
    check_num(1, K_DURATION, 14378923698LL);

    check_source_id(2, "vb365-restore", "c600e3fd-2e1d-4e5a-8318-c9f3c6e8d9b6");
    check_text(2, K_SCOPE, "operator@abc.onmicrosoft.com");
    check_text(2, K_INITIATED_BY, "operator@abc.onmicrosoft.com");
    /* 1 h 0 min 2.1715076 s */
    check_num(2, K_DURATION, 36021715076LL);
    check_text(2, K_DAY, "2022-01-11");
    check_text(2, K_HOUR, "2022-01-11T16");
}

/* VB365 v6 GET /v6/DataRetrievalSessions, three records of the reference example. */
static const char V6_RETRIEVAL_SAMPLE[] =
    "{ 'offset': 0, 'limit': 30, '_links': { 'self': { 'href': '/v6/DataRetrievalSessions?offset=0&limit=30' "
    "} }, 'results': [ { 'id': '42deec23-35eb-4692-8a4d-024b20873ea6', 'name': 'Teams data retrieval', "
    "'retrievalId': '97ea63e9-125d-44e4-aaed-182c46b2b2b5', 'creationTime': "
    "'2022-01-28T21:03:52.2663895+01:00', 'endTime': '2022-01-28T21:04:02.0599467+01:00', 'progress': 0, "
    "'processedObjects': 30, 'type': 'Retrieve', 'status': 'Failed', '_links': { 'self': { 'href': "
    "'/v6/dataRetrievalSessions/97ea63e9-125d-44e4-aaed-182c46b2b2b5' } } }, { 'id': "
    "'668f478c-0326-440a-8bdf-58cf39163ea2', 'name': 'Exchange data retrieval', 'retrievalId': "
    "'8a76872b-7f2c-4c50-95f4-92c4d41bc47c', 'creationTime': '2022-01-28T20:52:36.9177053+01:00', "
    "'endTime': '2022-01-28T20:56:17.7513457+01:00', 'progress': 5, 'processedObjects': 37, 'type': "
    "'Retrieve', 'status': 'Success', '_links': { 'self': { 'href': "
    "'/v6/dataRetrievalSessions/8a76872b-7f2c-4c50-95f4-92c4d41bc47c' } } }, { 'id': "
    "'17aaf3f1-d353-4e2d-a5f4-69d708d76868', 'name': 'Exchange data retrieval', 'retrievalId': "
    "'fbcced10-80c5-49f4-a221-a007729a1a2c', 'creationTime': '2022-01-27T14:09:32.9160212+01:00', "
    "'endTime': '2022-01-27T17:23:32.6725394+01:00', 'progress': 4, 'processedObjects': 16, 'type': "
    "'Retrieve', 'status': 'Success', '_links': { 'self': { 'href': "
    "'/v6/dataRetrievalSessions/fbcced10-80c5-49f4-a221-a007729a1a2c' } } } ], 'setId': "
    "'00000000-0000-0000-0000-000000000000' }";

static void check_exchange_retrieval(size_t row)
{
    check_source_id(row, "vb365-retrieval", "668f478c-0326-440a-8bdf-58cf39163ea2");
    check_text(row, K_NAME, "Exchange data retrieval");
    check_text(row, K_RETRIEVAL_ID, "8a76872b-7f2c-4c50-95f4-92c4d41bc47c");
    check_text(row, K_TYPE, "Retrieve");
    check_text(row, K_STATUS, "Success");
    check_null(row, K_STATE);
    check_null(row, K_RESULT);
    check_num(row, K_START, utc("2022-01-28T19:52:36.9177053Z"));
    check_num(row, K_END, utc("2022-01-28T19:56:17.7513457Z"));
    /* 3 min 40.8336404 s */
    check_num(row, K_DURATION, 2208336404LL);
    check_num(row, K_PROGRESS, 5);
    check_num(row, K_PROCESSED_OBJECTS, 37);
    check_text(row, K_DAY, "2022-01-28");
    check_text(row, K_MONTH, "2022-01");
    check_text(row, K_HOUR, "2022-01-28T19");
    check_null(row, K_ORGANIZATION);
    check_null(row, K_USN);
}

Test(shape, v6_retrieval_envelope)
{
    read_ok(V6_RETRIEVAL_SAMPLE);
    cr_assert_eq(tbl_count(T), 3);
    check_totals(1, 3);

    check_source_id(0, "vb365-retrieval", "42deec23-35eb-4692-8a4d-024b20873ea6");
    check_text(0, K_STATUS, "Failed");
    check_num(0, K_PROGRESS, 0); /* zero, not null */
    check_num(0, K_PROCESSED_OBJECTS, 30);
    check_num(0, K_START, utc("2022-01-28T20:03:52.2663895Z"));
    check_num(0, K_DURATION, 97935572LL); /* 9.7935572 s */

    check_exchange_retrieval(1);

    check_source_id(2, "vb365-retrieval", "17aaf3f1-d353-4e2d-a5f4-69d708d76868");
    check_num(2, K_START, utc("2022-01-27T13:09:32.9160212Z"));
    check_num(2, K_DURATION, 116397565182LL); /* 3 h 13 min 59.7565182 s */
    check_text(2, K_HOUR, "2022-01-27T13");
}

/* VB365 v6 GET /v6/DataRetrievalSessions/{id}, the reference example as printed (CRLF). */
static const char V6_RETRIEVAL_BY_ID[] =
    "{\r\n"
    " 'id': '668f478c-0326-440a-8bdf-58cf39163ea2',\r\n"
    " 'name': 'Exchange data retrieval',\r\n"
    " 'retrievalId': '8a76872b-7f2c-4c50-95f4-92c4d41bc47c',\r\n"
    " 'creationTime': '2022-01-28T20:52:36.9177053+01:00',\r\n"
    " 'endTime': '2022-01-28T20:56:17.7513457+01:00',\r\n"
    " 'progress': 5,\r\n"
    " 'processedObjects': 37,\r\n"
    " 'type': 'Retrieve',\r\n"
    " 'status': 'Success',\r\n"
    " '_links': {\r\n"
    "   'self': {\r\n"
    "     'href': '/v6/dataRetrievalSessions/8a76872b-7f2c-4c50-95f4-92c4d41bc47c'\r\n"
    "   }\r\n"
    " }\r\n"
    "}\r\n";

Test(shape, v6_retrieval_session_by_id)
{
    read_ok(V6_RETRIEVAL_BY_ID);
    cr_assert_eq(tbl_count(T), 1);
    check_totals(1, 1);
    check_exchange_retrieval(0);
}

/* The by-id response beside the list: the same session, one row. */
Test(shape, by_id_beside_list_is_one_session)
{
    read_ok(V6_RETRIEVAL_SAMPLE);
    read_ok(V6_RETRIEVAL_BY_ID);
    cr_assert_eq(tbl_count(T), 3);
    cr_assert_eq(tbl_duplicates(T), 1);
    check_exchange_retrieval(1);
    check_totals(2, 4);
}

/* Backup for Azure v1 GET /api/v1/jobSessions: records of the reference example (with
 * backupJobInfo, with repositoryJobInfo, with neither), two with restore infos, totalCount, and
 * `_links` after `results`. */
static const char AZURE_SAMPLE[] =
    "{ 'offset': 0, 'limit': 30, 'totalCount': 5, 'results': [ { 'id': '14', 'type': 'PolicyBackup', "
    "'localizedType': 'Policy Backup', 'executionStartTime': '2020-02-07T12:21:04.223155Z', "
    "'executionStopTime': '2020-02-07T12:22:22.046855Z', 'executionDuration': '00:01:17.8237000', "
    "'status': 'Canceled', 'usn': 102, 'backupJobInfo': { 'policyId': "
    "'a91630ab-1603-47ea-a76c-0525e77a1188', 'policyName': 'Policy 1', 'protectedInstancesCount': 0, "
    "'policyRemoved': false }, '_links': { 'self': {'href': "
    "'https://abc.ukwest.cloudapp.azure.com/api/v1/jobSessions/14'}, 'log': {'href': "
    "'https://abc.ukwest.cloudapp.azure.com/api/v1/jobSessions/14/log'} } }, { 'id': '3', 'type': "
    "'RepositoryCreation', 'localizedType': 'Create Repository', 'executionStartTime': "
    "'2020-02-07T08:04:29.825504Z', 'executionStopTime': '2020-02-07T08:05:05.293101Z', "
    "'executionDuration': '00:00:35.4675970', 'status': 'Success', 'usn': 19, 'repositoryJobInfo': { "
    "'repositoryId': 1, 'repositoryName': 'Backup Repository', 'repositoryRemoved': true }, '_links': { "
    "'self': {'href': 'https://abc.ukwest.cloudapp.azure.com/api/v1/jobSessions/3'}, 'log': {'href': "
    "'https://abc.ukwest.cloudapp.azure.com/api/v1/jobSessions/3/log'} } }, { 'id': '6', 'type': "
    "'ManualSnapshot', 'localizedType': 'Manual Snapshot', 'executionStartTime': "
    "'2020-02-07T08:43:30.892836Z', 'executionStopTime': '2020-02-07T08:44:41.08057Z', "
    "'executionDuration': '00:01:10.1877340', 'status': 'Success', 'usn': 44, '_links': { 'self': "
    "{'href': 'https://abc.ukwest.cloudapp.azure.com/api/v1/jobSessions/6'}, 'log': {'href': "
    "'https://abc.ukwest.cloudapp.azure.com/api/v1/jobSessions/6/log'} } }, { 'id': '20', 'type': "
    "'RestoreVm', 'executionStartTime': '2020-02-08T10:00:00Z', 'status': 'Running', 'usn': 120, "
    "'restoreJobInfo': { 'reason': 'Disaster drill', 'items': [ { 'reason': 'not this one' } ] } }, { "
    "'id': '21', 'type': 'FileLevelRestore', 'executionStartTime': '2020-02-08T11:00:00Z', "
    "'executionStopTime': '2020-02-08T11:30:00Z', 'status': 'Success', 'usn': 121, "
    "'fileLevelRestoreJobInfo': { 'reason': 'User request', 'flrLink': { 'url': 'https://flr', "
    "'thumbprint': 'ab:cd', 'reason': 'not this one' }, 'vmId': 'vm-1' } } ], '_links': {'self': {'href': "
    "'https://abc.ukwest.cloudapp.azure.com:443/api/v1/jobSessions?offset=0&limit=30&display=Full'}} }";

Test(shape, azure_v1_envelope)
{
    read_ok(AZURE_SAMPLE);
    cr_assert_eq(tbl_count(T), 5);
    check_totals(1, 5);

    check_source_id(0, "azure-job", "14");
    check_text(0, K_TYPE, "PolicyBackup");
    check_text(0, K_STATUS, "Canceled");
    check_num(0, K_USN, 102);
    check_text(0, K_POLICY_ID, "a91630ab-1603-47ea-a76c-0525e77a1188");
    check_text(0, K_POLICY_NAME, "Policy 1");
    check_num(0, K_PROTECTED_INSTANCES, 0);
    check_null(0, K_REPOSITORY_ID);
    check_null(0, K_REASON);
    check_num(0, K_START, utc("2020-02-07T12:21:04.2231550Z"));
    check_num(0, K_END, utc("2020-02-07T12:22:22.0468550Z"));
    check_num(0, K_DURATION, 778237000LL); /* 77.8237 s */
    check_null(0, K_STATE);
    check_null(0, K_NAME);

    check_source_id(1, "azure-job", "3");
    check_text(1, K_REPOSITORY_ID, "1"); /* an integer in the reference: its digits */
    check_text(1, K_REPOSITORY_NAME, "Backup Repository");
    check_null(1, K_POLICY_ID);
    check_null(1, K_PROTECTED_INSTANCES);
    check_num(1, K_DURATION, 354675970LL);
    check_num(1, K_USN, 19);

    check_source_id(2, "azure-job", "6");
    check_null(2, K_POLICY_NAME);
    check_null(2, K_REPOSITORY_NAME);
    check_num(2, K_DURATION, 701877340LL);

    /* No own link: the envelope's, which comes after `results`. */
    check_source_id(3, "azure-job", "20");
    check_text(3, K_REASON, "Disaster drill");
    check_text(3, K_STATUS, "Running");
    check_null(3, K_END);
    check_null(3, K_DURATION);

    check_source_id(4, "azure-job", "21");
    check_text(4, K_REASON, "User request");
    check_num(4, K_DURATION, 1800 * SEC); /* end - start */
}

/* ---- envelopes ---------------------------------------------------------------------------- */

Test(shape, envelope_keys_in_any_order)
{
    /* results first; the records have neither a link nor a key that tells: the envelope's. */
    read_ok(
        "{'results': [{'id': 'a', 'status': 'success'}, {'id': 'b'}], 'setId': 'x', 'limit': 30,"
        " 'offset': 0, '_links': {'self': {'href': '/v6/DataRetrievalSessions?offset=0'}}}");
    read_ok("{'_links': {'self': {'href': '/api/v1/jobSessions'}}, 'totalCount': 1,"
            " 'results': [{'id': 'c'}], 'offset': 0, 'limit': 30}");
    read_ok("{'limit': 30, 'results': [{'id': 'd'}], 'setId': 'x', 'offset': 0}");
    cr_assert_eq(tbl_count(T), 4);
    check_source_id(0, "vb365-retrieval", "a");
    check_text(0, K_STATUS, "Success");
    check_source_id(1, "vb365-retrieval", "b");
    check_null(1, K_STATUS);
    check_source_id(2, "azure-job", "c");
    check_source_id(3, "vb365-restore", "d");
    check_totals(3, 4);
}

Test(shape, newer_envelopes_with_more_keys)
{
    read_ok(
        "{'offset': 0, 'limit': 100, 'totalCount': 2, 'nextPage': null, 'filters': {'status': 'x'},"
        " 'results': [{'id': 'v8-1', 'retrievalId': 'r'}, {'id': 'v8-2', 'executionStartTime':"
        " '2024-02-29T23:59:59Z'}], '_links': {'self': {'href': '/v8/Unknown'}, 'next': {'href':"
        " '/v8/DataRetrievalSessions?offset=100'}}}");
    cr_assert_eq(tbl_count(T), 2);
    check_source_id(0, "vb365-retrieval", "v8-1");
    check_source_id(1, "azure-job", "v8-2");
    check_text(1, K_DAY, "2024-02-29");
    check_text(1, K_HOUR, "2024-02-29T23");
}

/* ---- unknown keys and unexpected types ---------------------------------------------------- */

/* The same retrieval envelope, clean and with unknown keys at every level, some named like the
 * keys sessq reads: both must give the very same table. */
static const char CLEAN_ENVELOPE[] =
    "{'offset': 0, '_links': {'self': {'href': '/v6/DataRetrievalSessions?offset=0'}}, 'results': ["
    "{'id': 'r1', 'name': 'Teams data retrieval', 'retrievalId': 'ret-1', 'creationTime':"
    " '2022-01-28T21:03:52.2663895+01:00', 'endTime': '2022-01-28T21:04:02.0599467+01:00', 'progress': 0,"
    " 'processedObjects': 30, 'type': 'Retrieve', 'status': 'Failed', '_links': {'self': {'href':"
    " '/v6/dataRetrievalSessions/ret-1'}}},"
    "{'id': 'r2', 'name': 'no link', 'status': 'Success'}]}";

static const char NOISY_ENVELOPE[] =
    "{'extra': {'id': 'x', 'results': [], 'name': 'n', '_links': {'self': {'href': '/api/v1/jobSessions'}}},"
    " 'offset': 0, 'weird': [[{'id': 'zzz', 'results': [{'id': 'q'}]}], {'results': [{'id': 'q2'}]}, 1, null],"
    " 'nothing': null, 't': true, 'f': false, 'n': -1.5e3, 's': 'results',"
    " '_links': {'next': {'href': '/api/v1/jobSessions'}, 'first': [1, {'href': '/api/v1/jobSessions'}],"
    "  'self': {'method': 'GET', 'deeper': {'href': '/api/v1/jobSessions'},"
    "   'href': '/v6/DataRetrievalSessions?offset=0', 'templated': false}},"
    " 'results': ["
    "{'before': {'id': 'nope', 'name': 'nope', 'results': [], '_links': {'self': {'href': '/api/v1/jobSessions/1'}}},"
    " 'id': 'r1', 'list': [{'id': 'nope2', 'executionStartTime': '2020-01-01T00:00:00Z'}, [], {}, 's', 1, null, true],"
    " 'name': 'Teams data retrieval', 'meta': {'creationTime': '1999-01-01T00:00:00Z', 'usn': 5,"
    "  'backupJobInfo': {'policyName': 'p'}, 'status': 'Warning'},"
    " 'retrievalId': 'ret-1', 'creationTime': '2022-01-28T21:03:52.2663895+01:00', 'endTime':"
    " '2022-01-28T21:04:02.0599467+01:00', 'progress': 0, 'processedObjects': 30, 'type': 'Retrieve',"
    " 'status': 'Failed', 'deep': [[[[[[[[[[[[{'id': 'deep', 'results': [[[]]]}]]]]]]]]]]]],"
    " '_links': {'organization': {'href': '/api/v1/jobSessions'}, 'self': {'x': {'href':"
    " '/api/v1/jobSessions'}, 'href': '/v6/dataRetrievalSessions/ret-1', 'y': ['/api/v1/jobSessions']},"
    "  'z': {'self': {'href': '/api/v1/jobSessions'}}}, 'after': {'results': 'x', 'id': 'no'}},"
    "{'id': 'r2', 'x': {'_links': {'self': {'href': '/v6/RestoreSessions'}}}, 'name': 'no link',"
    " 'status': 'Success', 'y': {'usn': 1, 'executionStartTime': 'x', 'retrievalId': 'y'}}],"
    " 'setId': '0000', 'trailer': {'results': 'nope', 'id': 'nope'}, 'tail': [{'id': 't'}]}";

Test(shape, unknown_keys_skipped_at_every_level)
{
    tbl_table *clean = tbl_new();
    cr_assert_not_null(clean);
    shp_reader *cr = shp_new(clean, NULL);
    cr_assert_not_null(cr);
    read_ok_into(cr, CLEAN_ENVELOPE);
    read_ok(NOISY_ENVELOPE);

    size_t na, nb;
    char *a = dump_table(clean, &na);
    char *b = dump_table(T, &nb);
    assert_same_dump(a, na, b, nb, "clean vs noisy envelope");
    free(a);
    free(b);

    cr_assert_eq(tbl_count(T), 2);
    check_source_id(0, "vb365-retrieval", "r1");
    check_text(0, K_NAME, "Teams data retrieval");
    check_num(0, K_START, utc("2022-01-28T20:03:52.2663895Z"));
    check_null(0, K_USN);
    check_null(0, K_POLICY_NAME);
    check_source_id(1, "vb365-retrieval", "r2");
    check_text(1, K_STATUS, "Success");
    check_null(1, K_RETRIEVAL_ID);
    check_totals(1, 2);
    cr_assert_eq(shp_totals(cr).records, 2);
    shp_free(cr);
    tbl_free(clean);
}

Test(shape, unknown_keys_in_records_do_not_decide_source_or_values)
{
    /* Keys named like the ones that tell a source, and like session keys, inside unknown objects
     * and arrays of a bare-array record: nothing of them counts. */
    read_ok(
        "[{'id': 'a', 'extra': {'executionStartTime': '2020-01-01T00:00:00Z', 'retrievalId': 'r',"
        " 'backupJobInfo': {'policyName': 'p'}, 'usn': 3, '_links': {'self': {'href': '/api/v1/jobSessions'}}},"
        " 'more': [{'localizedType': 'x', 'repositoryJobInfo': {}}],"
        " 'backupJobInfoX': {'policyName': 'p'}, 'nested': {'a': {'b': {'c': {'name': 'deep'}}}}},"
        " {'id': 'b', 'backupJobInfo': {'policyName': 'P', 'policyRemoved': true, 'extra': {'policyId': 'no'},"
        "  'list': [{'policyId': 'no'}], 'protectedInstancesCount': 2}}]");
    cr_assert_eq(tbl_count(T), 2);
    check_source_id(0, "vb365-restore", "a");
    check_null(0, K_START);
    check_null(0, K_RETRIEVAL_ID);
    check_null(0, K_POLICY_NAME);
    check_null(0, K_USN);
    check_null(0, K_NAME);
    check_source_id(1, "azure-job", "b");
    check_text(1, K_POLICY_NAME, "P");
    check_null(1, K_POLICY_ID);
    check_num(1, K_PROTECTED_INSTANCES, 2);
}

Test(shape, deeply_nested_unknown_value)
{
    sbuf b = {0};
    sb_printf(&b, "[{\"id\": \"deep\", \"x\": ");
    for (int i = 0; i < 400; i++)
        sb_printf(&b, "%s", i % 2 ? "[" : "{\"id\": ");
    sb_printf(&b, "1");
    for (int i = 399; i >= 0; i--)
        sb_printf(&b, "%s", i % 2 ? "]" : "}");
    sb_printf(&b, ", \"name\": \"after\"}]");
    read_raw_ok(b.p, b.n);
    free(b.p);
    cr_assert_eq(tbl_count(T), 1);
    check_source_id(0, "vb365-restore", "deep");
    check_text(0, K_NAME, "after");
}

Test(shape, unexpected_value_types)
{
    read_ok(
        "[{'id': 'a', 'name': {'x': 1}, 'type': ['Vex'], 'organization': 1.5, 'initiatedBy': 12,"
        " 'details': false, 'scopeName': null, 'clientHost': {}, 'creationTime': 1643400232266,"
        " 'endTime': {'value': '2022-01-01T00:00:00Z'}, 'state': true, 'result': ['Success'],"
        " '_links': 'nope'},"
        " {'id': 'b', 'name': true, 'type': false, 'state': 'Stopped', 'result': 7,"
        " '_links': {'self': 'nope'}},"
        " {'id': 'c', 'name': 'x', '_links': {'self': {'href': {'p': '/api/v1/jobSessions'}}}},"
        " {'id': 'd', '_links': [{'self': {'href': '/api/v1/jobSessions'}}]}]");
    cr_assert_eq(tbl_count(T), 4);
    check_source_id(0, "vb365-restore", "a");
    check_null(0, K_NAME);
    check_null(0, K_TYPE);
    check_text(0, K_ORGANIZATION, "1.5");
    check_text(0, K_INITIATED_BY, "12");
    check_text(0, K_DETAILS, "false");
    check_null(0, K_PROCESSED_OBJECTS);
    check_null(0, K_SCOPE);
    check_null(0, K_CLIENT_HOST);
    check_null(0, K_START);
    check_null(0, K_END);
    check_null(0, K_DURATION);
    check_text(0, K_STATE, "true");
    check_null(0, K_RESULT);
    check_text(0, K_STATUS, "true"); /* no result: the state */
    check_null(0, K_DAY);

    check_source_id(1, "vb365-restore", "b");
    check_text(1, K_NAME, "true");
    check_text(1, K_TYPE, "false");
    check_text(1, K_RESULT, "7");
    check_text(1, K_STATUS, "7");

    check_source_id(2, "vb365-restore", "c");
    check_source_id(3, "vb365-restore", "d");
}

Test(shape, retrieval_number_fields_of_other_types)
{
    read_ok(
        "{'_links': {'self': {'href': '/v6/DataRetrievalSessions'}}, 'results': ["
        "{'id': 'a', 'progress': '7', 'processedObjects': 'x', 'retrievalId': 5, 'status': true},"
        "{'id': 'b', 'progress': {'v': 1}, 'processedObjects': [3], 'retrievalId': ['r'], 'status': 1}]}");
    check_source_id(0, "vb365-retrieval", "a");
    check_num(0, K_PROGRESS, 7);
    check_null(0, K_PROCESSED_OBJECTS);
    check_text(0, K_RETRIEVAL_ID, "5");
    check_text(0, K_STATUS, "true");
    check_source_id(1, "vb365-retrieval", "b");
    check_null(1, K_PROGRESS);
    check_null(1, K_PROCESSED_OBJECTS);
    check_null(1, K_RETRIEVAL_ID);
    check_text(1, K_STATUS, "1");
}

Test(shape, id_of_wrong_type_is_missing)
{
    expect_error_at("[{'id': ['a'], 'name': 'x'}]", SHP_ERR_NO_ID, 1, 2);
    expect_error_at("[{'name': 'x', 'id': {'id': 'a'}}]", SHP_ERR_NO_ID, 1, 2);
    expect_error_at("[{'id': 'ok'}, {'id': true}]", SHP_ERR_NO_ID, 1, 16);
    expect_error_at("[{'id': 'ok'},\n  {'id': null, 'type': 'Vex'}]", SHP_ERR_NO_ID, 2, 3);
    expect_error_at("{'results': [{'id': false}]}", SHP_ERR_NO_ID, 1, 14);
    cr_assert_eq(tbl_count(T), 0);
}

Test(shape, escaped_keys_and_strings)
{
    static const char doc[] =
        "[{\"\\u0069d\": \"a\\u0000b\", \"n\\u0061me\": "
        "\"caf\\u00e9 \\\"q\\\" \\\\ \\n \\ud83d\\ude00\", \"type\": \"\\/x\"}]";
    read_raw_ok(doc, sizeof doc - 1);
    cr_assert_eq(tbl_count(T), 1);
    check_text_n(0, K_ID, "a\0b", 3);
    check_text(0, K_NAME, "caf\xc3\xa9 \"q\" \\ \n \xf0\x9f\x98\x80");
    check_text(0, K_TYPE, "/x");
}

/* ---- sources ------------------------------------------------------------------------------ */

Test(shape, source_record_href_beats_envelope_and_keys)
{
    read_ok("{'_links': {'self': {'href': '/api/v1/jobSessions?offset=0'}}, 'results': ["
            "{'id': '1', 'retrievalId': 'r', 'executionStartTime': '2020-02-07T12:21:04Z',"
            " '_links': {'self': {'href': '/v6/RestoreSessions/1'}}},"
            "{'id': '2', 'usn': 3, 'backupJobInfo': {}, '_links': {'self': {'href':"
            " 'https://h:4443/v6/dataRetrievalSessions/2'}}},"
            "{'id': '3', 'retrievalId': 'r'},"
            "{'id': '4'}]}");
    cr_assert_eq(tbl_count(T), 4);
    check_source_id(0, "vb365-restore", "1");
    check_source_id(1, "vb365-retrieval", "2");
    check_source_id(2, "azure-job", "3"); /* the envelope's link before the keys */
    check_source_id(3, "azure-job", "4");
}

Test(shape, source_envelope_href_after_results)
{
    read_ok(
        "{'results': ["
        "{'id': '3', 'retrievalId': 'r'},"
        "{'id': '4'},"
        "{'id': '5', 'executionStartTime': '2020-02-07T12:21:04Z'}],"
        " 'totalCount': 3, '_links': {'self': {'href': '/v6/RestoreSessions?offset=0&limit=30'}}}");
    cr_assert_eq(tbl_count(T), 3);
    check_source_id(0, "vb365-restore", "3");
    check_source_id(1, "vb365-restore", "4");
    check_source_id(2, "vb365-restore", "5");
    check_text(2, K_DAY, "2020-02-07");
}

Test(shape, source_envelope_without_link_uses_keys)
{
    read_ok("{'results': [{'id': '1', 'retrievalId': 'r'}, {'id': '2', 'usn': 1}, {'id': '3'}],"
            " '_links': {'next': {'href': '/api/v1/jobSessions'}}}");
    check_source_id(0, "vb365-retrieval", "1");
    check_source_id(1, "azure-job", "2");
    check_source_id(2, "vb365-restore", "3");
}

Test(shape, source_by_keys)
{
    read_ok(
        "[{'id': 'k1', 'executionStartTime': null}, {'id': 'k2', 'executionStopTime': 'x'},"
        " {'id': 'k3', 'executionDuration': '00:00:01'}, {'id': 'k4', 'localizedType': 'L'},"
        " {'id': 'k5', 'usn': 1}, {'id': 'k6', 'backupJobInfo': {}}, {'id': 'k7', 'repositoryJobInfo': null},"
        " {'id': 'k8', 'restoreJobInfo': {'reason': 'r'}}, {'id': 'k9', 'fileLevelRestoreJobInfo': []},"
        " {'id': 'r1', 'retrievalId': 'x'}, {'id': 'r2', 'retrievalId': null, 'creationTime': '2022-01-01T00:00:00Z'},"
        " {'id': 'v1', 'creationTime': '2022-01-01T00:00:00Z', 'state': 'Stopped'}, {'id': 'v2'}]");
    cr_assert_eq(tbl_count(T), 13);
    const char *azure[] = {"k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9"};
    for (size_t i = 0; i < 9; i++)
        check_source_id(i, "azure-job", azure[i]);
    check_source_id(9, "vb365-retrieval", "r1");
    check_source_id(10, "vb365-retrieval", "r2");
    check_source_id(11, "vb365-restore", "v1");
    check_source_id(12, "vb365-restore", "v2");
    check_text(7, K_REASON, "r");
    check_num(2, K_DURATION, 1 * SEC);
}

/* The contract: "any of the keys executionStartTime, ... → azure-job; else retrievalId →
 * vb365-retrieval": the Azure keys are looked at first. */
Test(shape, source_azure_keys_before_retrieval_id)
{
    read_ok("[{'id': 'x1', 'executionStartTime': '2020-02-07T12:21:04Z', 'retrievalId': 'r'},"
            " {'id': 'x2', 'retrievalId': 'r', 'usn': 4}]");
    cr_assert_eq(tbl_count(T), 2);
    check_source_id(0, "azure-job", "x1");
    check_source_id(1, "azure-job", "x2");
}

Test(shape, source_unknown_href_falls_through)
{
    read_ok("[{'id': 'u1', 'retrievalId': 'r', '_links': {'self': {'href': '/v6/Jobs/1'}}},"
            " {'id': 'u2', '_links': {'self': {'href': '/v6/Organizations/x'}}},"
            " {'id': 'u3', 'usn': 1, '_links': {'self': {'href': '/api/v1/policies/3'}}},"
            " {'id': 'u4', 'retrievalId': 'r', '_links': {'self': {'href': ''}}}]");
    check_source_id(0, "vb365-retrieval", "u1");
    check_source_id(1, "vb365-restore", "u2");
    check_source_id(2, "azure-job", "u3");
    check_source_id(3, "vb365-retrieval", "u4");

    /* In an envelope, an unknown record link gives way to the envelope's, before the keys. */
    read_ok(
        "{'_links': {'self': {'href': '/v6/RestoreSessions'}}, 'results': ["
        "{'id': 'u5', 'executionStartTime': '2020-02-07T12:21:04Z', '_links': {'self': {'href': '/v6/Jobs'}}}]}");
    check_source_id(4, "vb365-restore", "u5");
}

Test(shape, source_absolute_urls_host_query_and_case)
{
    read_ok(
        "[{'id': 'a1', '_links': {'self': {'href': 'https://abc.tech.local:4443/v5/RestoreSessions/0800?x=1'}}},"
        " {'id': 'a2', '_links': {'self': {'href': 'HTTPS://jobsessions.example.com:443/V6/DataRetrievalSessions/9#frag'}}},"
        " {'id': 'a3', 'retrievalId': 'r', '_links': {'self': {'href':"
        "  'https://restoresessions.example.com/api/v1/Policies?next=/api/v1/jobSessions'}}},"
        " {'id': 'a4', 'retrievalId': 'r', '_links': {'self': {'href': 'https://restoresessions.example.com'}}},"
        " {'id': 'a5', '_links': {'self': {'href': '/API/V1/JOBSESSIONS/1'}}},"
        " {'id': 'a6', 'usn': 1, '_links': {'self': {'href': '/v6/dataretrievalsessions/x'}}},"
        " {'id': 'a7', 'retrievalId': 'r', '_links': {'self': {'href': '/V5/restoreSESSIONS'}}},"
        " {'id': 'a8', '_links': {'self': {'href': 'http://h:8080/api/v1/JobSessions?offset=0&limit=30'}}},"
        " {'id': 'a9', 'usn': 2, '_links': {'self': {'href': '/v6/Jobs#/v6/RestoreSessions'}}}]");
    cr_assert_eq(tbl_count(T), 9);
    check_source_id(0, "vb365-restore", "a1");
    check_source_id(1, "vb365-retrieval", "a2");
    check_source_id(2, "vb365-retrieval", "a3"); /* neither the host nor the query is the path */
    check_source_id(3, "vb365-retrieval", "a4");
    check_source_id(4, "azure-job", "a5");
    check_source_id(5, "vb365-retrieval", "a6");
    check_source_id(6, "vb365-restore", "a7");
    check_source_id(7, "azure-job", "a8");
    check_source_id(8, "azure-job", "a9");
}

/* Links mostly share their path up to the last segment, which is then the only one looked at
 * (href_source()'s memo): whatever follows that part, the source is the contract's, the last
 * path segment that names a collection, else the keys'. */
Test(shape, source_of_links_sharing_a_path)
{
    read_ok(
        "[{'id': 'b1', '_links': {'self': {'href': '/v6/restoresessions/b1'}}},"
        " {'id': 'b2', 'usn': 1, '_links': {'self': {'href': '/v6/restoresessions/b2'}}},"
        " {'id': 'b3', '_links': {'self': {'href': '/v6/restoresessions/JobSessions'}}},"
        " {'id': 'b4', '_links': {'self': {'href': '/v6/restoresessions/b4/dataRetrievalSessions'}}},"
        " {'id': 'b5', 'usn': 1, '_links': {'self': {'href': '/v6/restoresessions/b4/x'}}},"
        " {'id': 'b6', '_links': {'self': {'href': '/v6/restoresessions/b4/jobsessions?x=1'}}},"
        " {'id': 'b7', '_links': {'self': {'href': '/v6/restoresessions/b4/jobsessions#top'}}},"
        " {'id': 'b8', '_links': {'self': {'href': '/v6/restoresessions/b4/abcdefghij/jobsessions'}}},"
        " {'id': 'b9', 'usn': 1, '_links': {'self': {'href': '/v6/Jobs/b9'}}},"
        " {'id': 'b10', '_links': {'self': {'href': '/v6/Jobs/restoresessions'}}},"
        " {'id': 'b11', 'retrievalId': 'r', '_links': {'self': {'href': '/v6/Jobs/b11'}}},"
        " {'id': 'b12', 'usn': 1, '_links': {'self': {'href': '/v6/Jobs/'}}},"
        " {'id': 'b13', '_links': {'self': {'href': "
        "'/a/very/long/path/that/is/longer/than/what/is/remembered/dataretrievalsessions/b13'}}},"
        " {'id': 'b14', 'usn': 1, '_links': {'self': {'href': "
        "'/a/very/long/path/that/is/longer/than/what/is/remembered/dataretrievalsessions/b14'}}}]");
    cr_assert_eq(tbl_count(T), 14);
    check_source_id(0, "vb365-restore", "b1");
    check_source_id(1, "vb365-restore", "b2"); /* the link before the keys */
    check_source_id(2, "azure-job", "b3");
    check_source_id(3, "vb365-retrieval", "b4");
    check_source_id(4, "vb365-restore", "b5");
    check_source_id(5, "azure-job", "b6"); /* the path ends at the query ... */
    check_source_id(6, "azure-job", "b7"); /* ... and at the fragment */
    check_source_id(7, "azure-job", "b8");
    check_source_id(8, "azure-job", "b9"); /* no collection: the keys */
    check_source_id(9, "vb365-restore", "b10");
    check_source_id(10, "vb365-retrieval", "b11");
    check_source_id(11, "azure-job", "b12");
    check_source_id(12, "vb365-retrieval", "b13");
    check_source_id(13, "vb365-retrieval", "b14");
}

/* Records decided at once by their own link and records waiting for the envelope's link must
 * still come out in input order ("Input order is otherwise kept"). */
Test(shape, envelope_links_after_results_keeps_input_order)
{
    read_ok(
        "{'results': [{'id': 'a'}, {'id': 'b', '_links': {'self': {'href': '/v6/RestoreSessions/b'}}},"
        " {'id': 'c'}], '_links': {'self': {'href': '/v6/RestoreSessions'}}}");
    cr_assert_eq(tbl_count(T), 3);
    check_source_id(0, "vb365-restore", "a");
    check_source_id(1, "vb365-restore", "b");
    check_source_id(2, "vb365-restore", "c");
}

/* Same cause: of two records with one key, the later one's values must win. */
Test(shape, envelope_links_after_results_later_record_wins)
{
    read_ok(
        "{'results': [{'id': 'a', 'name': 'first'},"
        " {'id': 'a', 'name': 'second', '_links': {'self': {'href': '/v6/RestoreSessions/a'}}}],"
        " '_links': {'self': {'href': '/v6/RestoreSessions'}}}");
    cr_assert_eq(tbl_count(T), 1);
    check_source_id(0, "vb365-restore", "a");
    check_text(0, K_NAME, "second");
}

/* ---- documents ---------------------------------------------------------------------------- */

Test(shape, several_documents_in_one_file)
{
    read_ok(
        "[{'id': 'a', 'state': 'Stopped'}]{'offset': 0, 'results': [{'id': 'b', 'retrievalId': 'r'}],"
        " '_links': {'self': {'href': '/v6/DataRetrievalSessions'}}}{'id': 'c', 'executionStartTime':"
        " '2020-02-07T12:21:04Z'}\n\n[]  {'results': []}\t[{'id': 'd'}]");
    cr_assert_eq(tbl_count(T), 4);
    check_source_id(0, "vb365-restore", "a");
    check_source_id(1, "vb365-retrieval", "b");
    check_source_id(2, "azure-job", "c");
    check_source_id(3, "vb365-restore", "d");
    check_totals(6, 4);
}

Test(shape, envelope_state_does_not_leak_into_next_document)
{
    /* The first envelope's link must not decide records of the documents after it. */
    read_ok("{'_links': {'self': {'href': '/api/v1/jobSessions'}}, 'results': [{'id': 'a'}]}\n"
            "{'results': [{'id': 'b'}]}\n"
            "[{'id': 'c'}]\n"
            "{'id': 'd'}\n");
    cr_assert_eq(tbl_count(T), 4);
    check_source_id(0, "azure-job", "a");
    check_source_id(1, "vb365-restore", "b");
    check_source_id(2, "vb365-restore", "c");
    check_source_id(3, "vb365-restore", "d");
}

Test(shape, ndjson_lines)
{
    read_ok(
        "{'id': 'n1', 'name': 'one', 'retrievalId': 'r', 'status': 'warning'}\r\n"
        "{'id': 'n2', 'executionStartTime': '2020-02-07T12:21:04Z', 'executionDuration': 250}\r\n"
        "{'id': 'n3', 'state': 'Stopping', 'details': '12 items processed'}\r\n"
        "\r\n");
    cr_assert_eq(tbl_count(T), 3);
    check_totals(3, 3);
    check_source_id(0, "vb365-retrieval", "n1");
    check_text(0, K_NAME, "one");
    check_text(0, K_STATUS, "Warning");
    check_source_id(1, "azure-job", "n2");
    check_num(1, K_DURATION, 2500000); /* 250 ms */
    check_source_id(2, "vb365-restore", "n3");
    check_text(2, K_STATUS, "Running");
    check_num(2, K_PROCESSED_OBJECTS, 12);
}

Test(shape, empty_array_and_empty_results)
{
    read_ok("[]");
    cr_assert_eq(tbl_count(T), 0);
    check_totals(1, 0);
    read_ok(
        "{'offset': 0, 'limit': 30, '_links': {'self': {'href': '/v6/RestoreSessions'}}, 'results': [],"
        " 'setId': '00000000-0000-0000-0000-000000000000'}");
    read_ok("{'offset': 0, 'limit': 30, 'totalCount': 0, 'results': [], '_links': {'self': {'href':"
            " '/api/v1/jobSessions'}}}");
    read_ok("  [ ]\n[\n]\n");
    cr_assert_eq(tbl_count(T), 0);
    cr_assert_eq(tbl_duplicates(T), 0);
    check_totals(5, 0);
}

/* How the dump was saved does not matter: BOM, UTF-16, gzip. */
Test(shape, encodings_and_gzip)
{
    static const char doc[] = "[{\"id\": \"e1\", \"name\": \"caf\xc3\xa9\"}]";
    sbuf b = {0};
    sb_add(&b, "\xef\xbb\xbf", 3);
    sb_add(&b, doc, strlen(doc));
    read_raw_ok(b.p, b.n);
    free(b.p);

    /* UTF-16LE with a BOM, as PowerShell writes it */
    sbuf u = {0};
    sb_add(&u, "\xff\xfe", 2);
    const char *doc2 = "{\"id\": \"e2\", \"name\": \"caf\xc3\xa9\"}";
    for (const char *p = doc2; *p; p++) {
        if ((unsigned char)*p == 0xc3) { /* é = U+00E9 */
            sb_add(&u, "\xe9\x00", 2);
            p++;
            continue;
        }
        char le[2] = {*p, 0};
        sb_add(&u, le, 2);
    }
    read_raw_ok(u.p, u.n);
    free(u.p);

    char *path = strdup("/tmp/sessq-shape-gz-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_neq(fd, -1);
    gzFile gz = gzdopen(fd, "wb");
    cr_assert_not_null(gz);
    const char *doc3 = "{\"results\": [{\"id\": \"e3\", \"name\": \"zipped\"}]}";
    cr_assert_eq(gzwrite(gz, doc3, (unsigned)strlen(doc3)), (int)strlen(doc3));
    cr_assert_eq(gzclose(gz), Z_OK);
    sq_error err;
    int rc = read_path(R, path, &err);
    unlink(path);
    free(path);
    cr_assert_eq(rc, 0);

    cr_assert_eq(tbl_count(T), 3);
    check_source_id(0, "vb365-restore", "e1");
    check_text(0, K_NAME, "caf\xc3\xa9");
    check_source_id(1, "vb365-restore", "e2");
    check_text(1, K_NAME, "caf\xc3\xa9");
    check_source_id(2, "vb365-restore", "e3");
    check_text(2, K_NAME, "zipped");
}

/* ---- errors ------------------------------------------------------------------------------- */

Test(shape, invalid_json_has_line_and_column)
{
    sq_error e = expect_error_at("[\n  {'id': 'a',}\n]", SHP_ERR_JSON, 2, 14);
    cr_assert_not_null(e.detail);
    /* the column counts characters: 'é' is one, two bytes */
    e = expect_error_at("[{'id':'\xc3\xa9'},]", SHP_ERR_JSON, 1, 13);
    cr_assert_eq(e.offset, 13);
    expect_error_at("[{'id': 'a'}", SHP_ERR_JSON, 1, 0);
    expect_error_at("{'id': 'a'} x", SHP_ERR_JSON, 1, 13);
    expect_error_at("[{'id': 'a', 'name': 'x' 'type': 'y'}]", SHP_ERR_JSON, 1, 26);
    expect_error_at("[{'id': 01}]", SHP_ERR_JSON, 1, 0);
    cr_assert_eq(tbl_count(T), 0);
    check_totals(0, 0);
}

/* Invalid UTF-8 costs a character, not the session: the byte becomes U+FFFD (EF BF BD) and a
 * finding says where the string starts (column 8: the quote after "id":). */
Test(shape, invalid_utf8_is_replaced_and_reported)
{
    static const char doc[] = "[{\"id\":\"a\xff\"}]";
    char path[] = "/tmp/sessq-shape-utf8-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, doc, sizeof doc - 1), (ssize_t)(sizeof doc - 1));
    close(fd);
    fnd_list *findings = fnd_new();
    shp_reader *r = shp_new(T, findings);
    sq_error err;
    in_source *src = in_open(path, &err);
    cr_assert_not_null(src);
    cr_assert_eq(shp_read(r, src, &err), 0);
    in_close(src);
    unlink(path);
    cr_assert_eq(tbl_count(T), 1);
    cr_assert_eq(fnd_count(findings), 1);
    const fnd_finding *f = fnd_get(findings, 0);
    cr_expect_eq(f->code, FND_INVALID_UTF8);
    cr_expect_eq(f->line, 1);
    cr_expect_eq(f->column, 8);
    sq_value v;
    char scratch[SES_TIME_BUFSZ];
    tbl_get(T, 0, K_ID, &v, scratch);
    cr_assert_eq(v.len, 4);
    cr_expect_eq(memcmp(v.text, "a\xef\xbf\xbd", 4), 0);
    shp_free(r);
    fnd_free(findings);
}

Test(shape, empty_input_is_an_error)
{
    sq_error err;
    cr_assert_eq(read_raw("", 0, &err), -1);
    cr_assert_eq(err.code, SHP_ERR_JSON);
    cr_assert_eq(read_raw(" \n ", 3, &err), -1);
    cr_assert_eq(err.code, SHP_ERR_JSON);
}

Test(shape, corrupt_gzip_is_an_input_error)
{
    read_ok("[{'id': 'kept'}]");
    static const char bad[] = "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage that is not deflate";
    sq_error err;
    cr_assert_eq(read_raw(bad, sizeof bad - 1, &err), -1);
    cr_assert_eq(err.code, SHP_ERR_INPUT);
    cr_assert_eq(tbl_count(T), 1);
    check_source_id(0, "vb365-restore", "kept");
}

Test(shape, scalars_and_arrays_of_non_objects)
{
    expect_error_at("42\n", SHP_ERR_SHAPE, 1, 1);
    expect_error_at("\n  'x'", SHP_ERR_SHAPE, 2, 3);
    expect_error_at("null ", SHP_ERR_SHAPE, 1, 1);
    expect_error_at("true\r\n", SHP_ERR_SHAPE, 1, 1);
    expect_error_at("[1, 2]", SHP_ERR_SHAPE, 1, 2);
    expect_error_at("[[]]", SHP_ERR_SHAPE, 1, 2);
    expect_error_at("[{'id': 'a'},\n 'b']", SHP_ERR_SHAPE, 2, 2);
    expect_error_at("[{'id': 'a'}, [{'id': 'b'}]]", SHP_ERR_SHAPE, 1, 15);
    expect_error_at("[{'id': 'a'}, null]", SHP_ERR_SHAPE, 1, 15);
    cr_assert_eq(tbl_count(T), 0);
}

/* The position of a scalar whose token ends the input or crosses a chunk boundary (the
 * tokenizer carries it over): it must still be where the scalar begins. Every case is checked
 * (cr_expect), so that a failure lists them all. */
static void expect_shape_error_position(const char *data, size_t n, uint64_t line, uint64_t column)
{
    sq_error err;
    cr_assert_eq(read_raw(data, n, &err), -1);
    cr_assert_eq(err.code, SHP_ERR_SHAPE);
    cr_expect(err.line == line && err.column == column,
              "%.20s...: at %llu:%llu, expected %llu:%llu", data, (unsigned long long)err.line,
              (unsigned long long)err.column, (unsigned long long)line, (unsigned long long)column);
}

Test(shape, position_of_a_scalar_carried_across_chunks)
{
    static const char *const at_end[] = {"42", "null", "true", "[{\"id\": \"a\"}]\n  7",
                                         "[{\"id\": \"a\"}]\n  false"};
    static const uint64_t line[] = {1, 1, 1, 2, 2}, column[] = {1, 1, 1, 3, 3};
    for (size_t i = 0; i < 5; i++)
        expect_shape_error_position(at_end[i], strlen(at_end[i]), line[i], column[i]);

    /* a string, and a number, from byte SQ_CHUNK_SIZE - 2 to past the first chunk */
    static const char *const tails[] = {"\"abcd\"]", "12345]"};
    for (size_t i = 0; i < 2; i++) {
        sbuf b = {0};
        sb_add(&b, "[{\"id\": \"a\"},\n", 14);
        while (b.n < SQ_CHUNK_SIZE - 2)
            sb_add(&b, " ", 1);
        sb_add(&b, tails[i], strlen(tails[i]));
        expect_shape_error_position(b.p, b.n, 2, SQ_CHUNK_SIZE - 2 - 14 + 1);
        free(b.p);
    }
    cr_assert_eq(tbl_count(T), 0);
}

Test(shape, results_not_an_array_of_objects)
{
    expect_error_at("{'offset':0,'results':{'id':'a'}}", SHP_ERR_SHAPE, 1, 23);
    expect_error_at("{'results':[1]}", SHP_ERR_SHAPE, 1, 13);
    expect_error_at("{'results':[{'id':'a'},[{'id':'b'}]]}", SHP_ERR_SHAPE, 1, 24);
    expect_error_at("{'results':[{'id':'a'},'b']}", SHP_ERR_SHAPE, 1, 24);
    expect_error_at("{'offset':0,'results':'x'}", SHP_ERR_SHAPE, 0, 0);
    expect_error_at("{'results':5}", SHP_ERR_SHAPE, 0, 0);
    expect_error_at("{'results':null,'totalCount':0}", SHP_ERR_SHAPE, 0, 0);
    cr_assert_eq(tbl_count(T), 0);
}

Test(shape, record_without_id)
{
    expect_error_at("[{'id':'a'},\n {'name':'x'}]", SHP_ERR_NO_ID, 2, 2);
    expect_error_at("{'name':'x','state':'Stopped'}", SHP_ERR_NO_ID, 1, 1);
    expect_error_at("{'results':[{'id':'a'},{'type':'Vex'}]}", SHP_ERR_NO_ID, 1, 24);
    /* deferred records (the envelope's link after them) are checked too */
    expect_error_at(
        "{'results':[{'id':'a'},\n\n    {'usn':1}],'_links':{'self':{'href':'/api/v1/jobSessions'}}}",
        SHP_ERR_NO_ID, 3, 5);
    expect_error_at("{'id':'a'}\n{'id':'b'}\n{'retrievalId':'r'}\n", SHP_ERR_NO_ID, 3, 1);
    expect_error_at("{'usn': 1, '_links': {'self': {'href': '/api/v1/jobSessions/1'}}}",
                    SHP_ERR_NO_ID, 1, 1);
    cr_assert_eq(tbl_count(T), 0);
}

Test(shape, object_of_no_known_shape)
{
    expect_error_at("{'hello':1}", SHP_ERR_SHAPE, 1, 1);
    expect_error_at("{}", SHP_ERR_SHAPE, 1, 1);
    expect_error_at("  {'offset': 0, 'limit': 30, 'setId': 'x'}", SHP_ERR_SHAPE, 1, 3);
    expect_error_at("[{'id':'a'}]\n{'hello':{'id':'b'}}", SHP_ERR_SHAPE, 2, 1);
    cr_assert_eq(tbl_count(T), 0);
}

/* After any failing read, the table is exactly as before: no new row, no replaced value, the
 * duplicate count and totals unchanged; and the reader and table keep working. */
Test(shape, failed_read_leaves_table_as_before)
{
    read_ok("[{'id': 'a', 'name': 'good', 'type': 'Vex', 'state': 'Stopped', 'result': 'Success',"
            " 'creationTime': '2022-01-01T00:00:00Z', 'details': '3 items processed'},"
            " {'id': 'b', 'name': 'b-good'}]");
    read_ok("[{'id': 'b', 'name': 'b-good'}]");
    cr_assert_eq(tbl_duplicates(T), 1);

    /* missing id after a replacement and a new row */
    expect_error_at(
        "[{'id': 'a', 'name': 'bad', 'type': 'Vet', 'state': 'Working'}, {'id': 'c', 'name': 'new'},"
        " {'id': 'b', 'name': 'b-bad'}, {'name': 'no id'}]",
        SHP_ERR_NO_ID, 1, 0);
    /* invalid JSON after them */
    expect_error_at("[{'id': 'a', 'name': 'bad'}, {'id': 'd'}, {'id': 'b'} ,]", SHP_ERR_JSON, 1, 0);
    /* a bad document after a good one in the same file */
    expect_error_at("[{'id': 'a', 'name': 'bad'}]{'offset': 0, 'results': [{'id': 'e'}]} 7",
                    SHP_ERR_SHAPE, 1, 0);
    /* records waiting for the envelope's link, then a bad document */
    expect_error_at(
        "{'results': [{'id': 'a', 'name': 'bad'}, {'id': 'f'}], '_links': {'self': {'href':"
        " '/v6/RestoreSessions'}}} [1]",
        SHP_ERR_SHAPE, 1, 0);
    /* the same key many times, then a bad one */
    expect_error_at(
        "[{'id': 'a', 'name': 'x1'}, {'id': 'a', 'name': 'x2'}, {'id': 'a', 'name': 'x3'}, {}]",
        SHP_ERR_NO_ID, 1, 0);

    cr_assert_eq(tbl_count(T), 2);
    cr_assert_eq(tbl_duplicates(T), 1);
    check_source_id(0, "vb365-restore", "a");
    check_text(0, K_NAME, "good");
    check_text(0, K_TYPE, "Vex");
    check_text(0, K_STATUS, "Success");
    check_num(0, K_PROCESSED_OBJECTS, 3);
    check_num(0, K_START, utc("2022-01-01T00:00:00Z"));
    check_source_id(1, "vb365-restore", "b");
    check_text(1, K_NAME, "b-good");
    check_totals(2, 3);

    /* the index still finds the old rows and takes new ones after the rollbacks */
    read_ok(
        "[{'id': 'c', 'name': 'c'}, {'id': 'a', 'name': 'a2'}, {'id': 'd'}, {'id': 'c', 'name': 'c2'}]");
    cr_assert_eq(tbl_count(T), 4);
    cr_assert_eq(tbl_duplicates(T), 3);
    check_source_id(0, "vb365-restore", "a");
    check_text(0, K_NAME, "a2");
    check_null(0, K_TYPE);
    check_text(1, K_NAME, "b-good");
    check_source_id(2, "vb365-restore", "c");
    check_text(2, K_NAME, "c2");
    check_source_id(3, "vb365-restore", "d");
    check_totals(3, 7);
}

Test(shape, failed_big_read_leaves_table_as_before)
{
    read_ok("[{'id': 'id-0', 'name': 'kept'}]");
    sbuf b = {0};
    sb_add(&b, "[", 1);
    for (int i = 0; i < 20000; i++)
        sb_printf(&b, "{\"id\": \"id-%d\", \"name\": \"n-%d\", \"retrievalId\": \"%s\"},", i, i,
                  i % 2 ? "r" : "");
    sb_printf(&b, "{\"id\": \"id-0\", \"name\": \"replaced\"},\n{\"name\": \"none\"}]");
    size_t n0;
    char *before = dump_table(T, &n0);
    sq_error err;
    cr_assert_eq(read_raw(b.p, b.n, &err), -1);
    cr_assert_eq(err.code, SHP_ERR_NO_ID);
    cr_assert_eq(err.line, 2);
    cr_assert_eq(err.column, 1);
    size_t n1;
    char *after = dump_table(T, &n1);
    assert_same_dump(before, n0, after, n1, "big failed read");
    free(before);
    free(after);
    free(b.p);
    read_ok("[{'id': 'id-5'}, {'id': 'id-0', 'name': 'again'}]");
    cr_assert_eq(tbl_count(T), 2);
    check_text(0, K_NAME, "again");
    check_source_id(1, "vb365-restore", "id-5");
}

/* ---- totals and duplicates ---------------------------------------------------------------- */

Test(shape, totals_count_documents_and_records)
{
    check_totals(0, 0);
    read_ok("[{'id': 'a'}, {'id': 'b'}]{'id': 'c'}");
    check_totals(2, 3);
    expect_error_at("[{'id': 'x'}] 5\n", SHP_ERR_SHAPE, 1, 15);
    check_totals(2, 3);
    read_ok("{'results': [{'id': 'a'}]}\n{'results': []}\n");
    check_totals(4, 4);
    cr_assert_eq(tbl_count(T), 3);
    cr_assert_eq(tbl_duplicates(T), 1);
}

Test(shape, duplicates_across_reads)
{
    read_ok("[{'id': 'a', 'name': 'one', 'type': 'Vex'}, {'id': 'b', 'name': 'bee'}]");
    read_ok("[{'id': 'c', 'name': 'sea'}, {'id': 'a', 'name': 'two'}]");
    cr_assert_eq(tbl_count(T), 3);
    cr_assert_eq(tbl_duplicates(T), 1);
    check_source_id(0, "vb365-restore", "a");
    check_text(0, K_NAME, "two");
    check_null(0, K_TYPE); /* the later record's values, all of them */
    check_source_id(1, "vb365-restore", "b");
    check_text(1, K_NAME, "bee");
    check_source_id(2, "vb365-restore", "c");

    /* the same id from another source is another session */
    read_ok("[{'id': 'a', 'retrievalId': 'r', 'name': 'other'}]");
    cr_assert_eq(tbl_count(T), 4);
    check_source_id(3, "vb365-retrieval", "a");
    cr_assert_eq(row_of("vb365-retrieval", "a"), 3);
    cr_assert_eq(row_of("vb365-restore", "a"), 0);
    check_text(0, K_NAME, "two");

    /* within one read */
    read_ok("[{'id': 'x', 'name': '1'}, {'id': 'b', 'name': 'bee2'}, {'id': 'x', 'name': '2'}]");
    cr_assert_eq(tbl_count(T), 5);
    cr_assert_eq(tbl_duplicates(T), 3);
    check_text(1, K_NAME, "bee2");
    check_source_id(4, "vb365-restore", "x");
    check_text(4, K_NAME, "2");
    check_totals(4, 8);
}

Test(shape, same_content_read_twice)
{
    read_ok(AZURE_SAMPLE);
    size_t n0;
    char *once = dump_table(T, &n0);
    read_ok(AZURE_SAMPLE);
    cr_assert_eq(tbl_count(T), 5);
    cr_assert_eq(tbl_duplicates(T), 5);
    check_totals(2, 10);
    /* everything but the duplicate count is as after the first read */
    size_t n1;
    char *twice = dump_table(T, &n1);
    const char *a = strchr(once, '\n'), *b = strchr(twice, '\n');
    cr_assert_not_null(a);
    cr_assert_not_null(b);
    cr_assert(n0 - (size_t)(a - once) == n1 - (size_t)(b - twice) &&
              !memcmp(a, b, n0 - (size_t)(a - once)));
    free(once);
    free(twice);

    /* and twice in one file */
    read_ok(V5_SAMPLE);
    sbuf d = {0};
    char *j = fixture(V5_SAMPLE);
    sb_add(&d, j, strlen(j));
    sb_add(&d, "\n", 1);
    sb_add(&d, j, strlen(j));
    free(j);
    read_raw_ok(d.p, d.n);
    free(d.p);
    cr_assert_eq(tbl_count(T), 7);
    cr_assert_eq(tbl_duplicates(T), 9);
    check_text(5, K_STATUS, "Success");
    check_text(6, K_STATUS, "Running");
}

/* ---- ids and numbers ---------------------------------------------------------------------- */

Test(shape, numeric_ids_as_their_digits)
{
    read_ok("[{'id': 14}, {'id': -3}, {'id': 123456789012345678901234567890}, {'id': 0},"
            " {'id': '14', 'name': 'quoted'}]");
    cr_assert_eq(tbl_count(T), 4);
    cr_assert_eq(tbl_duplicates(T), 1);
    check_source_id(0, "vb365-restore", "14");
    check_text(0, K_NAME, "quoted");
    check_source_id(1, "vb365-restore", "-3");
    check_source_id(2, "vb365-restore", "123456789012345678901234567890");
    check_source_id(3, "vb365-restore", "0");
}

Test(shape, integer_fields)
{
    read_ok(
        "{'_links': {'self': {'href': '/v6/DataRetrievalSessions'}}, 'results': ["
        "{'id': 'p1', 'progress': 5, 'processedObjects': '37'},"
        "{'id': 'p2', 'progress': '12a', 'processedObjects': 1.5},"
        "{'id': 'p3', 'progress': 99999999999999999999, 'processedObjects': '99999999999999999999'},"
        "{'id': 'p4', 'progress': 9223372036854775807, 'processedObjects': 9223372036854775808},"
        "{'id': 'p5', 'progress': null, 'processedObjects': ''},"
        "{'id': 'p6', 'progress': 0, 'processedObjects': -4},"
        "{'id': 'p7', 'progress': [5], 'processedObjects': ' 7'},"
        "{'id': 'p8', 'progress': '-4', 'processedObjects': '007'},"
        "{'id': 'p9', 'progress': true, 'processedObjects': {'n': 3}}]}");
    cr_assert_eq(tbl_count(T), 9);
    check_num(0, K_PROGRESS, 5);
    check_num(0, K_PROCESSED_OBJECTS, 37);
    check_null(1, K_PROGRESS);
    check_null(1, K_PROCESSED_OBJECTS);
    check_null(2, K_PROGRESS);
    check_null(2, K_PROCESSED_OBJECTS);
    check_num(3, K_PROGRESS, INT64_MAX);
    check_null(3, K_PROCESSED_OBJECTS);
    check_null(4, K_PROGRESS);
    check_null(4, K_PROCESSED_OBJECTS);
    check_num(5, K_PROGRESS, 0);
    check_num(5, K_PROCESSED_OBJECTS, -4);
    check_null(6, K_PROGRESS);
    check_null(6, K_PROCESSED_OBJECTS);
    check_null(7, K_PROGRESS);
    check_num(7, K_PROCESSED_OBJECTS, 7);
    check_null(8, K_PROGRESS);
    check_null(8, K_PROCESSED_OBJECTS);

    read_ok("[{'id': 'z1', 'usn': '102', 'backupJobInfo': {'protectedInstancesCount': '3'}},"
            " {'id': 'z2', 'usn': 2.5, 'backupJobInfo': {'protectedInstancesCount': 'many'}},"
            " {'id': 'z3', 'usn': null, 'backupJobInfo': {'protectedInstancesCount': null}}]");
    check_source_id(9, "azure-job", "z1");
    check_num(9, K_USN, 102);
    check_num(9, K_PROTECTED_INSTANCES, 3);
    check_null(10, K_USN);
    check_null(10, K_PROTECTED_INSTANCES);
    check_null(11, K_USN);
    check_null(11, K_PROTECTED_INSTANCES);
}

Test(shape, json_null_fields_are_null)
{
    read_ok(
        "[{'id': 'a', 'name': null, 'type': null, 'state': null, 'result': null, 'status': null,"
        " 'organization': null, 'initiatedBy': null, 'details': null, 'scopeName': null, 'clientHost': null,"
        " 'creationTime': null, 'endTime': null, '_links': null},"
        " {'id': 'b', 'name': 'set', 'type': 'Vex', 'creationTime': '2022-01-01T00:00:00Z'}]");
    read_ok("{'_links': null, 'results': [{'id': 'c', 'retrievalId': null, 'progress': null,"
            " 'processedObjects': null, 'status': null, 'endTime': null}]}");
    read_ok(
        "[{'id': 'd', 'executionStartTime': null, 'executionStopTime': null, 'executionDuration': null,"
        " 'usn': null, 'backupJobInfo': {'policyId': null, 'policyName': null}, 'repositoryJobInfo': null,"
        " 'restoreJobInfo': {'reason': null}}]");
    cr_assert_eq(tbl_count(T), 4);
    for (int k = K_NAME; k < SES_NALLKEYS; k++)
        if (k != K_SOURCE && k != K_ID) {
            check_null(0, (ses_key)k);
            check_null(3, (ses_key)k);
        }
    check_text(1, K_NAME, "set");
    check_source_id(2, "vb365-retrieval", "c");
    check_null(2, K_RETRIEVAL_ID);
    check_null(2, K_PROGRESS);
    check_null(2, K_STATUS);
    check_source_id(3, "azure-job", "d");
}

/* ---- normalization through the reader ----------------------------------------------------- */

Test(shape, azure_duration_forms)
{
    read_ok(
        "{'results': ["
        "{'id': 'd1', 'executionStartTime': '2020-02-07T12:21:04.223155Z', 'executionStopTime':"
        " '2020-02-07T12:22:22.046855Z', 'executionDuration': '00:02:00'},"
        "{'id': 'd2', 'executionStartTime': '2020-02-07T12:21:04.223155Z', 'executionStopTime':"
        " '2020-02-07T12:22:22.046855Z', 'executionDuration': 1500},"
        "{'id': 'd3', 'executionStartTime': '2020-02-07T12:21:04.223155Z', 'executionStopTime':"
        " '2020-02-07T12:22:22.046855Z'},"
        "{'id': 'd4', 'executionStartTime': '2020-02-07T12:21:04.223155Z', 'executionStopTime':"
        " '2020-02-07T12:22:22.046855Z', 'executionDuration': null},"
        "{'id': 'd5', 'executionStartTime': '2020-02-07T12:21:04Z', 'executionDuration': '1.02:03:04.5'},"
        "{'id': 'd6', 'executionStartTime': '2020-02-07T12:21:04Z'},"
        "{'id': 'd7', 'executionStartTime': '2020-02-07T12:21:04Z', 'executionStopTime':"
        " '2020-02-07T12:21:04Z', 'executionDuration': 0},"
        "{'id': 'd8', 'executionDuration': '00:00:00.0000001'},"
        "{'id': 'd9', 'executionStartTime': '2020-02-07T13:21:04+01:00', 'executionStopTime':"
        " '2020-02-07T12:31:04Z'}"
        "], '_links': {'self': {'href': '/api/v1/jobSessions'}}}");
    cr_assert_eq(tbl_count(T), 9);
    for (size_t i = 0; i < 9; i++)
        check_text(i, K_SOURCE, "azure-job");
    check_num(0, K_DURATION, 120 * SEC); /* the TimeSpan, not end - start */
    check_num(1, K_DURATION, 15000000);  /* 1500 ms */
    check_num(2, K_DURATION, 778237000); /* end - start: 77.8237 s */
    check_num(3, K_DURATION, 778237000);
    check_num(4, K_DURATION, 937845LL * SEC / 10); /* 1 d 2 h 3 min 4.5 s = 93784.5 s */
    check_null(4, K_END);
    check_null(5, K_DURATION);
    check_num(6, K_DURATION, 0);
    check_num(7, K_DURATION, 1);
    check_null(7, K_START);
    check_num(8, K_START, utc("2020-02-07T12:21:04Z"));
    check_num(8, K_DURATION, 600 * SEC);
}

Test(shape, vb365_duration_is_end_minus_start)
{
    /* executionDuration on a record the link says is a retrieval: VB365 rule */
    read_ok(
        "[{'id': 'v', 'creationTime': '2022-01-28T20:52:36.9177053+01:00', 'endTime':"
        " '2022-01-28T19:56:17.7513457Z', 'executionDuration': '01:00:00',"
        " '_links': {'self': {'href': '/v6/DataRetrievalSessions/v'}}},"
        " {'id': 'w', 'creationTime': '2022-01-28T20:52:36.9177053+01:00', 'endTime': 'soon'}]");
    check_source_id(0, "vb365-retrieval", "v");
    check_num(0, K_DURATION, 2208336404LL);
    check_source_id(1, "vb365-restore", "w");
    check_null(1, K_END);
    check_null(1, K_DURATION);
}

Test(shape, restore_status_rule_and_processed_objects)
{
    read_ok("[{'id': 's1', 'state': 'Working', 'result': 'Success'},"
            " {'id': 's2', 'state': 'starting', 'result': 'Failed'},"
            " {'id': 's3', 'state': 'STOPPING'},"
            " {'id': 's4', 'state': 'Stopped', 'result': 'success'},"
            " {'id': 's5', 'state': 'Stopped', 'result': 'warning'},"
            " {'id': 's6', 'state': 'stopped'},"
            " {'id': 's7', 'state': 'Queued'},"
            " {'id': 's8'},"
            " {'id': 's9', 'result': 'FAILED'},"
            " {'id': 's10', 'state': 'Stopped', 'result': 'PartiallyDone'},"
            " {'id': 's11', 'state': 'Stopped', 'result': 'error', 'status': 'Success'},"
            " {'id': 'p1', 'details': '1 item processed (1 success)'},"
            " {'id': 'p2', 'details': '25 items processed'},"
            " {'id': 'p3', 'details': 'Restoring 3 items'},"
            " {'id': 'p4', 'processedObjects': 9},"
            " {'id': 'p5', 'details': '2 items processed', 'processedObjects': 9}]");
    cr_assert_eq(tbl_count(T), 16);
    check_text(0, K_STATUS, "Running");
    check_text(0, K_STATE, "Working");
    check_text(0, K_RESULT, "Success");
    check_text(1, K_STATUS, "Running");
    check_text(1, K_STATE, "starting"); /* the server's text */
    check_text(2, K_STATUS, "Running");
    check_text(3, K_STATUS, "Success");
    check_text(3, K_RESULT, "success");
    check_text(4, K_STATUS, "Warning");
    check_text(5, K_STATUS, "Stopped");
    check_text(5, K_STATE, "stopped");
    check_text(6, K_STATUS, "Queued");
    check_null(7, K_STATUS);
    check_text(8, K_STATUS, "Failed");
    check_text(9, K_STATUS, "PartiallyDone");
    check_text(10, K_STATUS, "Error"); /* restore: the result, not a "status" key */
    check_num(11, K_PROCESSED_OBJECTS, 1);
    check_num(12, K_PROCESSED_OBJECTS, 25);
    check_null(13, K_PROCESSED_OBJECTS);
    check_null(14, K_PROCESSED_OBJECTS);
    check_num(15, K_PROCESSED_OBJECTS, 2);
    for (size_t i = 0; i < 16; i++)
        check_text(i, K_SOURCE, "vb365-restore");
}

Test(shape, retrieval_and_azure_status_words)
{
    read_ok(
        "{'_links': {'self': {'href': '/v6/DataRetrievalSessions'}}, 'results': ["
        "{'id': 'r1', 'status': 'success', 'state': 'Working'}, {'id': 'r2', 'status': 'NOTCONFIGURED'},"
        " {'id': 'r3', 'status': 'Paused'}]}");
    read_ok(
        "[{'id': 'a1', 'usn': 1, 'status': 'error'}, {'id': 'a2', 'usn': 2, 'status': 'canceled'},"
        " {'id': 'a3', 'usn': 3, 'status': 'Queued'}, {'id': 'a4', 'usn': 4}]");
    check_text(0, K_STATUS, "Success"); /* a retrieval's own status, whatever its state */
    check_text(1, K_STATUS, "NotConfigured");
    check_text(2, K_STATUS, "Paused");
    check_text(3, K_STATUS, "Error");
    check_text(4, K_STATUS, "Canceled");
    check_text(5, K_STATUS, "Queued");
    check_null(6, K_STATUS);
}

/* ---- streams larger than a chunk ---------------------------------------------------------- */

Test(shape, many_records_waiting_for_a_late_envelope_link)
{
    sbuf b = {0};
    sb_add(&b, "{\"results\": [", 13);
    for (int i = 0; i < 20000; i++)
        sb_printf(&b, "%s{\"id\": \"id-%d\", \"status\": \"Success\", \"pad\": \"%050d\"}",
                  i ? "," : "", i, i);
    sb_printf(
        &b,
        "], \"totalCount\": 20000, \"_links\": {\"self\": {\"href\": \"/api/v1/jobSessions\"}}}");
    cr_assert_gt(b.n, 3 * SQ_CHUNK_SIZE);
    read_raw_ok(b.p, b.n);
    free(b.p);
    cr_assert_eq(tbl_count(T), 20000);
    check_totals(1, 20000);
    char id[32];
    for (size_t i = 0; i < 20000; i += 997) {
        snprintf(id, sizeof id, "id-%zu", i);
        check_source_id(i, "azure-job", id);
    }
    check_source_id(19999, "azure-job", "id-19999");
}

Test(shape, long_string_across_chunks)
{
    size_t len = 600000;
    char *name = malloc(len + 1);
    cr_assert_not_null(name);
    for (size_t i = 0; i < len; i++)
        name[i] = (char)('a' + i % 26);
    name[len] = '\0';
    sbuf b = {0};
    sb_printf(&b, "[{\"id\": \"long\", \"name\": \"%s\", \"type\": \"after\"}]", name);
    read_raw_ok(b.p, b.n);
    free(b.p);
    check_text_n(0, K_NAME, name, len);
    check_text(0, K_TYPE, "after");
    free(name);
}

Test(shape, error_position_far_into_the_stream)
{
    sbuf b = {0};
    for (int i = 0; i < 30000; i++)
        sb_printf(&b, "{\"id\": \"n-%d\", \"name\": \"line %d\"}\n", i, i);
    sb_add(&b, "  {\"name\": \"x\"}\n", 17);
    sq_error err;
    cr_assert_eq(read_raw(b.p, b.n, &err), -1);
    cr_assert_eq(err.code, SHP_ERR_NO_ID);
    cr_assert_eq(err.line, 30001);
    cr_assert_eq(err.column, 3);
    cr_assert_eq(tbl_count(T), 0);

    b.n -= 17;
    sb_add(&b, "\t7\n", 3);
    cr_assert_eq(read_raw(b.p, b.n, &err), -1);
    cr_assert_eq(err.code, SHP_ERR_SHAPE);
    cr_assert_eq(err.line, 30001);
    cr_assert_eq(err.column, 2);
    cr_assert_eq(tbl_count(T), 0);

    b.n -= 3;
    read_raw_ok(b.p, b.n);
    cr_assert_eq(tbl_count(T), 30000);
    check_text(29999, K_NAME, "line 29999");
    free(b.p);
}

/* Keys are matched without regard to ASCII case (some serializers write PascalCase); every
 * record key read through the hashed index must still be found, and an unknown key of the
 * same length and letters at its ends must not be taken for one. */
Test(shape, keys_in_any_case)
{
    static const char doc[] =
        "[{\"ID\":\"x1\",\"Name\":\"n\",\"CREATIONTIME\":\"2022-01-01T00:00:00Z\","
        "\"endtime\":\"2022-01-01T00:00:10Z\",\"State\":\"Stopped\",\"Result\":\"Success\","
        "\"InitiatedBy\":\"me\",\"ScopeName\":\"s\",\"ClientHost\":\"h\",\"Details\":\"3 items processed\","
        "\"Organization\":\"o\",\"Type\":\"Vex\",\"nXme\":\"not a name\"}]";
    sq_error err;
    cr_assert_eq(read_raw(doc, sizeof doc - 1, &err), 0);
    check_text(0, K_ID, "x1");
    check_text(0, K_NAME, "n");
    check_text(0, K_STATUS, "Success");
    check_text(0, K_INITIATED_BY, "me");
    check_text(0, K_SCOPE, "s");
    check_text(0, K_CLIENT_HOST, "h");
    check_text(0, K_ORGANIZATION, "o");
    check_text(0, K_TYPE, "Vex");
    sq_value v;
    char scratch[SES_TIME_BUFSZ];
    tbl_get(T, 0, K_DURATION, &v, scratch);
    cr_expect_eq(v.i, 10 * SES_TICKS_PER_SECOND);
    tbl_get(T, 0, K_PROCESSED_OBJECTS, &v, scratch);
    cr_expect_eq(v.i, 3);
}

/* A record's keys are first checked against the keys of the record before, place by place:
 * whatever the next record changes (order, case, a key missing, one unknown, more keys than
 * are guessed), each value must still reach its own key. */
Test(shape, keys_that_change_from_record_to_record)
{
    sbuf b = {0};
    sb_printf(&b, "[{\"id\":\"a\",\"name\":\"n1\",\"state\":\"Stopped\",\"result\":\"Failed\"},"
                  "{\"name\":\"n2\",\"id\":\"b\",\"result\":\"Warning\",\"state\":\"Stopped\"},"
                  "{\"id\":\"c\",\"Name\":\"n3\",\"stat\":\"x\",\"result\":\"Success\"},"
                  "{\"id\":\"d\",\"nXme\":\"not a name\",\"result\":\"Success\"},"
                  "{\"id\":\"e\"");
    /* More keys than are guessed: the value of the last one still counts. */
    for (int i = 0; i < 40; i++)
        sb_printf(&b, ",\"x%d\":%d", i, i);
    sb_printf(&b, ",\"name\":\"n5\"},{\"id\":\"f\",\"name\":\"n6\"}]");
    sq_error err;
    cr_assert_eq(read_raw(b.p, b.n, &err), 0);
    cr_assert_eq(tbl_count(T), 6);
    check_text(0, K_ID, "a");
    check_text(0, K_NAME, "n1");
    check_text(0, K_STATUS, "Failed");
    check_text(1, K_ID, "b");
    check_text(1, K_NAME, "n2");
    check_text(1, K_STATUS, "Warning");
    check_text(2, K_ID, "c");
    check_text(2, K_NAME, "n3");
    check_null(2, K_STATE);
    check_text(2, K_RESULT, "Success");
    check_text(3, K_ID, "d");
    check_null(3, K_NAME);
    check_text(4, K_ID, "e");
    check_text(4, K_NAME, "n5");
    check_text(5, K_ID, "f");
    check_text(5, K_NAME, "n6");
    free(b.p);
}

/* Every record key the contract names is found by its exact spelling. */
Test(shape, every_record_key_is_found)
{
    static const char doc[] =
        "{\"results\":[{\"id\":\"7\",\"executionStartTime\":\"2020-02-07T12:21:04Z\","
        "\"executionStopTime\":\"2020-02-07T12:22:04Z\",\"executionDuration\":\"00:00:30\",\"status\":\"Success\","
        "\"usn\":5,\"localizedType\":\"x\",\"retrievalId\":\"r\",\"progress\":2,\"processedObjects\":9,"
        "\"backupJobInfo\":{\"policyId\":\"p\",\"policyName\":\"P\",\"protectedInstancesCount\":4},"
        "\"repositoryJobInfo\":{\"repositoryId\":1,\"repositoryName\":\"R\"},"
        "\"restoreJobInfo\":{\"reason\":\"why\"},\"fileLevelRestoreJobInfo\":{\"reason\":\"flr\"}}]}";
    sq_error err;
    cr_assert_eq(read_raw(doc, sizeof doc - 1, &err), 0);
    check_text(0, K_SOURCE, "azure-job");
    check_text(0, K_POLICY_ID, "p");
    check_text(0, K_POLICY_NAME, "P");
    check_text(0, K_REPOSITORY_ID, "1");
    check_text(0, K_REPOSITORY_NAME, "R");
    check_text(0, K_REASON, "flr");
    check_text(0, K_RETRIEVAL_ID, "r");
    sq_value v;
    char scratch[SES_TIME_BUFSZ];
    tbl_get(T, 0, K_DURATION, &v, scratch);
    cr_expect_eq(v.i, 30 * SES_TICKS_PER_SECOND, "executionDuration wins over end - start (60 s)");
    tbl_get(T, 0, K_USN, &v, scratch);
    cr_expect_eq(v.i, 5);
    tbl_get(T, 0, K_PROGRESS, &v, scratch);
    cr_expect_eq(v.i, 2);
    tbl_get(T, 0, K_PROCESSED_OBJECTS, &v, scratch);
    cr_expect_eq(v.i, 9);
    tbl_get(T, 0, K_PROTECTED_INSTANCES, &v, scratch);
    cr_expect_eq(v.i, 4);
}

/* ---- pages: every envelope described for the paging check ---------------------------------- */

static uint64_t ids_fingerprint(const char *source, const char *const *ids, size_t n)
{
    uint64_t h = PG_FINGERPRINT_START;
    for (size_t i = 0; i < n; i++)
        h = pg_fingerprint(h, source, ids[i], strlen(ids[i]));
    return h;
}

Test(shape, an_envelope_is_described_as_a_page)
{
    pg_list *pages = pg_new();
    cr_assert_not_null(pages);
    shp_set_pages(R, pages);
    read_ok("\n  {'offset': 100, 'limit': 2, '_links': {'self': {'href': "
            "'/v6/RestoreSessions?offset=100&limit=2'}},\n"
            "   'results': [{'id': 'a'}, {'id': 'b'}], 'setId': 'x'}");
    cr_assert_eq(pg_count(pages), 1);
    const pg_entry *e = pg_get(pages, 0);
    cr_expect_eq(e->line, 2);
    cr_expect_eq(e->column, 3);
    cr_expect_str_eq(e->endpoint, "/v6/restoresessions");
    cr_expect_str_eq(e->query, "");
    cr_expect_eq(e->offset, 100);
    cr_expect_eq(e->limit, 2);
    cr_expect_eq(e->total, PG_ABSENT);
    cr_expect_eq(e->count, 2);
    const char *const ids[] = {"a", "b"};
    cr_expect_eq(e->fingerprint, ids_fingerprint("vb365-restore", ids, 2));
    pg_free(pages);
}

Test(shape, azure_page_with_total_count_and_the_link_after_the_results)
{
    pg_list *pages = pg_new();
    shp_set_pages(R, pages);
    read_ok("{'results': [{'id': 7, 'usn': 1}], 'totalCount': '40', 'limit': 30, 'offset': 30, "
            "'_links': {'self': {'href': 'https://h:443/api/v1/jobSessions?offset=30&limit=30&"
            "display=Full'}}}");
    cr_assert_eq(pg_count(pages), 1);
    const pg_entry *e = pg_get(pages, 0);
    cr_expect_str_eq(e->endpoint, "/api/v1/jobsessions");
    cr_expect_str_eq(e->query, "display=Full");
    cr_expect_eq(e->offset, 30);
    cr_expect_eq(e->total, 40, "a quoted number is read too");
    cr_expect_eq(e->count, 1);
    const char *const ids[] = {"7"};
    cr_expect_eq(e->fingerprint, ids_fingerprint("azure-job", ids, 1));
    pg_free(pages);
}

Test(shape, same_ids_give_the_same_fingerprint_whatever_the_values)
{
    pg_list *pages = pg_new();
    shp_set_pages(R, pages);
    read_ok("{'offset': 0, 'results': [{'id': 'a', 'state': 'Working'}, {'id': 'b'}]}\n"
            "{'offset': 0, 'results': [{'id': 'a', 'state': 'Stopped'}, {'id': 'b'}]}\n"
            "{'offset': 0, 'results': [{'id': 'b'}, {'id': 'a'}]}");
    cr_assert_eq(pg_count(pages), 3);
    cr_expect_eq(pg_get(pages, 0)->fingerprint, pg_get(pages, 1)->fingerprint);
    cr_expect_neq(pg_get(pages, 0)->fingerprint, pg_get(pages, 2)->fingerprint);
    cr_expect_eq(pg_get(pages, 2)->line, 3);
    cr_expect_str_eq(pg_get(pages, 0)->endpoint, "vb365-restore pages without _links.self.href");
    pg_free(pages);
}

Test(shape, arrays_single_sessions_and_ndjson_are_no_pages)
{
    pg_list *pages = pg_new();
    shp_set_pages(R, pages);
    read_ok("[{'id': 'a', '_links': {'self': {'href': '/v5/RestoreSessions/a'}}}]\n"
            "{'id': 'b', 'offset': 3}\n"
            "{'id': 'c'}");
    cr_expect_eq(pg_count(pages), 0);
    pg_free(pages);
}

Test(shape, paging_keys_alone_do_not_make_a_session)
{
    sq_error err;
    char *j = fixture("{'offset': 0, 'limit': 30, 'totalCount': 0}");
    cr_assert_eq(read_raw(j, strlen(j), &err), -1);
    cr_expect_eq(err.code, SHP_ERR_SHAPE);
    free(j);
}

Test(shape, a_failed_input_takes_its_pages_back)
{
    pg_list *pages = pg_new();
    shp_set_pages(R, pages);
    read_ok("{'offset': 0, 'results': [{'id': 'a'}]}");
    sq_error err;
    char *j = fixture("{'offset': 1, 'results': [{'id': 'b'}]}\n{'offset': 2, 'results': [");
    cr_assert_eq(read_raw(j, strlen(j), &err), -1);
    free(j);
    cr_expect_eq(pg_count(pages), 1, "the pages of the good input stay, none of the bad one");
    cr_expect_eq(pg_get(pages, 0)->offset, 0);
    pg_free(pages);
}

Test(shape, pages_over_their_memory_bound_stop_the_read)
{
    pg_list *pages = pg_new();
    pg_set_limit(pages, 2048);
    shp_set_pages(R, pages);
    sbuf b = {0};
    for (int i = 0; i < 500; i++)
        sb_printf(&b, "{\"offset\": %d, \"results\": []}\n", i);
    sq_error err;
    cr_assert_eq(read_raw(b.p, b.n, &err), -1);
    cr_expect_eq(err.code, SHP_ERR_LIMIT);
    cr_expect_eq(pg_count(pages), 0, "the failed input took its pages back");
    free(b.p);
    pg_free(pages);
}

/* ---- record spans ------------------------------------------------------------------------- */

typedef struct {
    shp_span s[8];
    size_t n;
    size_t rows_when_told[8]; /* the table's rows when the hook ran: right after the add */
} spans_seen;

static int see_span(void *ctx, const shp_span *span)
{
    spans_seen *seen = ctx;
    cr_assert_lt(seen->n, 8);
    seen->rows_when_told[seen->n] = tbl_count(T);
    seen->s[seen->n++] = *span;
    return 0;
}

static void check_span(const spans_seen *seen, size_t i, uint64_t start, uint64_t end, shp_doc doc,
                       ses_source source)
{
    cr_assert_lt(i, seen->n);
    cr_expect_eq(seen->s[i].start, start, "span %zu starts at %llu, wanted %llu", i,
                 (unsigned long long)seen->s[i].start, (unsigned long long)start);
    cr_expect_eq(seen->s[i].end, end, "span %zu ends at %llu, wanted %llu", i,
                 (unsigned long long)seen->s[i].end, (unsigned long long)end);
    cr_expect_eq(seen->s[i].doc, doc, "span %zu: document kind %d, wanted %d", i, seen->s[i].doc,
                 doc);
    cr_expect_eq(seen->s[i].source, source, "span %zu: source %d, wanted %d", i, seen->s[i].source,
                 source);
}

Test(shape, spans_of_array_records)
{
    /* offsets:         0123456789012345678901234567 */
    static const char doc[] = "[ {\"id\":\"a\"},\n  {\"id\":1} ]";
    spans_seen seen = {0};
    shp_set_record_hook(R, see_span, &seen);
    read_raw_ok(doc, sizeof doc - 1);
    cr_assert_eq(seen.n, 2);
    check_span(&seen, 0, 2, 12, SHP_DOC_ARRAY, SES_SRC_VB365_RESTORE);
    check_span(&seen, 1, 16, 24, SHP_DOC_ARRAY, SES_SRC_VB365_RESTORE);
    cr_expect_eq(seen.rows_when_told[0], 1);
    cr_expect_eq(seen.rows_when_told[1], 2);
}

Test(shape, spans_of_envelope_records_waiting_for_links)
{
    /* The records wait for the envelope's "_links" (after "results"): their spans are told
     * when they are added, in input order, with the source the link gave. */
    static const char doc[] = "{\"results\":[{\"id\":\"x\"},{\"id\":\"y\",\"usn\":1}],"
                              "\"_links\":{\"self\":{\"href\":\"/v6/DataRetrievalSessions\"}}}";
    spans_seen seen = {0};
    shp_set_record_hook(R, see_span, &seen);
    read_raw_ok(doc, sizeof doc - 1);
    cr_assert_eq(seen.n, 2);
    /* {"results":[ is 12 bytes; {"id":"x"} 10; then a comma; {"id":"y","usn":1} 18 */
    check_span(&seen, 0, 12, 22, SHP_DOC_ENVELOPE, SES_SRC_VB365_RETRIEVAL);
    check_span(&seen, 1, 23, 41, SHP_DOC_ENVELOPE, SES_SRC_VB365_RETRIEVAL);
    cr_expect_eq(memcmp(doc + 23, "{\"id\":\"y\",\"usn\":1}", 18), 0);
}

Test(shape, spans_of_top_objects_after_a_bom)
{
    /* Offsets count the decoded stream: the byte-order mark is not part of it. */
    static const char doc[] =
        "\xef\xbb\xbf{\"id\":\"p\"}\n{\"id\":\"q\",\n\"retrievalId\":\"r\"}\n";
    spans_seen seen = {0};
    shp_set_record_hook(R, see_span, &seen);
    read_raw_ok(doc, sizeof doc - 1);
    cr_assert_eq(seen.n, 2);
    check_span(&seen, 0, 0, 10, SHP_DOC_OBJECT, SES_SRC_VB365_RESTORE);
    check_span(&seen, 1, 11, 40, SHP_DOC_OBJECT, SES_SRC_VB365_RETRIEVAL);
}

Test(shape, spans_of_utf16_count_utf8_bytes)
{
    /* [{"id":"é"}] in UTF-16LE: é is 2 bytes of UTF-8, so the record is 11 bytes long. */
    static const char doc[] = "\xff\xfe[\0{\0\"\0i\0d\0\"\0:\0\"\0\xe9\0\"\0}\0]\0";
    spans_seen seen = {0};
    shp_set_record_hook(R, see_span, &seen);
    read_raw_ok(doc, sizeof doc - 1);
    cr_assert_eq(seen.n, 1);
    check_span(&seen, 0, 1, 12, SHP_DOC_ARRAY, SES_SRC_VB365_RESTORE);
}
