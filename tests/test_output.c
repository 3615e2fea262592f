/* test_output.c: every output format against bytes written by hand from the contract. */
#include <criterion/criterion.h>

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* 2022-02-22T15:51:15.1754625Z */
#define TICKS_2022 16455450751754625LL
#define SEC(s) ((int64_t)((s)*10000000LL))

static sq_value text_n(const char *s, size_t n)
{
    return (sq_value){.kind = SQ_TEXT, .len = (uint32_t)n, .text = s};
}

static sq_value text(const char *s) { return text_n(s, strlen(s)); }

static sq_value integer(int64_t i) { return (sq_value){.kind = SQ_INT, .i = i}; }

static sq_value instant(int64_t ticks) { return (sq_value){.kind = SQ_TIME, .i = ticks}; }

static sq_value seconds(int64_t ticks) { return (sq_value){.kind = SQ_SECONDS, .i = ticks}; }

static sq_value real(double r) { return (sq_value){.kind = SQ_REAL, .r = r}; }

static const sq_value null = {.kind = SQ_NULL};

/* Writes `nrows` rows through a writer into memory; the caller frees the result. */
static char *render(out_format fmt, const out_options *opt, const char *const *names, size_t ncols,
                    const sq_value *rows, size_t nrows, size_t *len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *fp = open_memstream(&buf, &size);
    cr_assert_not_null(fp);
    out_writer *w = out_new(fmt, fp, names, ncols, opt);
    cr_assert_not_null(w);
    for (size_t r = 0; r < nrows; r++)
        cr_assert_eq(out_row(w, rows + r * ncols), 0, "row %zu", r);
    cr_assert_eq(out_finish(w), 0);
    out_free(w);
    cr_assert_eq(fclose(fp), 0);
    *len = size;
    return buf;
}

/* Shows bytes with C escapes, so that a failing comparison can be read. */
static char *visible(const char *p, size_t n)
{
    char *s = malloc(4 * n + 1), *o = s;
    cr_assert_not_null(s);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\n' || c == '\\' || c < 0x20 || c == 0x7F)
            o += sprintf(o, c == '\n' ? "\\n\n" : c == '\\' ? "\\\\" : "\\x%02x", c);
        else
            *o++ = (char)c;
    }
    *o = '\0';
    return s;
}

static void check_output(out_format fmt, const out_options *opt, const char *const *names,
                         size_t ncols, const sq_value *rows, size_t nrows, const char *want,
                         size_t want_len)
{
    size_t len;
    char *got = render(fmt, opt, names, ncols, rows, nrows, &len);
    if (len != want_len || memcmp(got, want, len) != 0) {
        char *g = visible(got, len), *e = visible(want, want_len);
        cr_assert_fail("output differs\n--- got:\n%s\n--- want:\n%s", g, e);
    }
    free(got);
}

/* `want` is a string literal, so that its length can include NUL bytes. */
#define EXPECT(fmt, opt, names, rows, want)                                                        \
    check_output(fmt, opt, names, LEN(names), rows, LEN(rows) / LEN(names), want, sizeof(want) - 1)
#define EXPECT_EMPTY(fmt, opt, names, want)                                                        \
    check_output(fmt, opt, names, LEN(names), NULL, 0, want, sizeof(want) - 1)

/* ---- out_format_parse ---- */

Test(output_format, parse_names)
{
    out_format f;
    cr_assert_eq(out_format_parse("table", &f), 0);
    cr_assert_eq(f, OUT_TABLE);
    cr_assert_eq(out_format_parse("csv", &f), 0);
    cr_assert_eq(f, OUT_CSV);
    cr_assert_eq(out_format_parse("json", &f), 0);
    cr_assert_eq(f, OUT_JSON);
    cr_assert_eq(out_format_parse("ndjson", &f), 0);
    cr_assert_eq(f, OUT_NDJSON);
    cr_assert_eq(out_format_parse("md", &f), 0);
    cr_assert_eq(f, OUT_MD);
}

Test(output_format, parse_rejects_others)
{
    out_format f = OUT_MD;
    cr_assert_eq(out_format_parse("JSON", &f), -1);
    cr_assert_eq(out_format_parse("", &f), -1);
    cr_assert_eq(out_format_parse("tables", &f), -1);
    cr_assert_eq(out_format_parse("jso", &f), -1);
    cr_assert_eq(out_format_parse("markdown", &f), -1);
    cr_assert_eq(f, OUT_MD);
}

/* ---- ndjson, json ---- */

Test(output_ndjson, escapes)
{
    static const char *const names[] = {"a"};
    static const char raw[] = "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f\0z";
    sq_value rows[] = {text_n(raw, sizeof raw - 1)};
    EXPECT(OUT_NDJSON, NULL, names, rows,
           "{\"a\":\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\\u0000z\"}\n");
}

Test(output_ndjson, every_control_byte)
{
    static const char *const names[] = {"c"};
    char raw[32];
    for (int i = 0; i < 32; i++)
        raw[i] = (char)i;
    sq_value rows[] = {text_n(raw, sizeof raw)};
    EXPECT(OUT_NDJSON, NULL, names, rows,
           "{\"c\":\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007"
           "\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
           "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017"
           "\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\"}\n");
}

/* Strings are scanned 8 bytes at a time: a byte to escape at every place of a longer text, next
 * to bytes on either side of the ones that need it (0x1f/0x20, '!'/'"'/'#', '['/'\\'/']', 0x7f,
 * 0x80, 0xff). */
Test(output_ndjson, escapes_at_every_place)
{
    static const char *const names[] = {"s"};
    static const struct {
        char c;
        const char *as;
    } special[] = {{'"', "\\\""}, {'\\', "\\\\"}, {'\x1f', "\\u001f"}, {'\0', "\\u0000"}};
    static const char filler[] = " !#[]\x7f\x80\xff ab";
    for (size_t k = 0; k < sizeof special / sizeof *special; k++)
        for (size_t at = 0; at < 24; at++) {
            char raw[24], want[128];
            size_t n = 0;
            for (size_t i = 0; i < sizeof raw; i++)
                raw[i] = filler[i % (sizeof filler - 1)];
            raw[at] = special[k].c;
            n += (size_t)snprintf(want, sizeof want, "{\"s\":\"");
            memcpy(want + n, raw, at);
            n += at;
            n += (size_t)snprintf(want + n, sizeof want - n, "%s", special[k].as);
            memcpy(want + n, raw + at + 1, sizeof raw - at - 1);
            n += sizeof raw - at - 1;
            n += (size_t)snprintf(want + n, sizeof want - n, "\"}\n");
            sq_value rows[] = {text_n(raw, sizeof raw)};
            size_t len;
            char *got = render(OUT_NDJSON, NULL, names, 1, rows, 1, &len);
            cr_expect(len == n && !memcmp(got, want, n), "byte %#x at %zu: %s",
                      (unsigned char)special[k].c, at, visible(got, len));
            free(got);
        }
}

Test(output_ndjson, utf8_as_is)
{
    static const char *const names[] = {"city", "mood"};
    sq_value rows[] = {text("Zürich ✓"), text("\xf0\x9f\x98\x80 é")};
    EXPECT(OUT_NDJSON, NULL, names, rows, "{\"city\":\"Zürich ✓\",\"mood\":\"😀 é\"}\n");
}

Test(output_ndjson, kinds)
{
    static const char *const names[] = {"n", "i", "t", "s", "r", "e"};
    sq_value rows[] = {
        null,      integer(-42),    instant(TICKS_2022), seconds(778237000), real(0.1),
        text(""),  text_n(NULL, 0), integer(SES_NULL),   instant(SES_NULL),  seconds(SES_NULL),
        real(NAN), text("x")};
    EXPECT(OUT_NDJSON, NULL, names, rows,
           "{\"n\":null,\"i\":-42,\"t\":\"2022-02-22T15:51:15.1754625Z\",\"s\":77.8237,"
           "\"r\":0.1,\"e\":\"\"}\n"
           "{\"n\":null,\"i\":null,\"t\":null,\"s\":null,\"r\":null,\"e\":\"x\"}\n");
}

Test(output_ndjson, reals)
{
    static const char *const names[] = {"r"};
    sq_value rows[] = {
        real(1.0 / 3), real(0.1 + 0.2), real(1e21),      real(-0.0), real(100),
        real(1.5e-7),  real(INFINITY),  real(-INFINITY), real(0.9),  real(123456789012345678.0)};
    EXPECT(OUT_NDJSON, NULL, names, rows,
           "{\"r\":0.3333333333333333}\n"
           "{\"r\":0.30000000000000004}\n"
           "{\"r\":1e+21}\n"
           "{\"r\":-0}\n"
           "{\"r\":100}\n"
           "{\"r\":1.5e-07}\n"
           "{\"r\":null}\n"
           "{\"r\":null}\n"
           "{\"r\":0.9}\n"
           "{\"r\":1.2345678901234568e+17}\n");
}

Test(output_ndjson, seconds_forms)
{
    static const char *const names[] = {"d"};
    sq_value rows[] = {seconds(0), seconds(SEC(3600)), seconds(-5000000), seconds(1)};
    EXPECT(OUT_NDJSON, NULL, names, rows,
           "{\"d\":0}\n{\"d\":3600}\n{\"d\":-0.5}\n{\"d\":0.0000001}\n");
}

Test(output_ndjson, zero_rows)
{
    static const char *const names[] = {"a", "b"};
    EXPECT_EMPTY(OUT_NDJSON, NULL, names, "");
}

Test(output_json, zero_rows)
{
    static const char *const names[] = {"a", "b"};
    EXPECT_EMPTY(OUT_JSON, NULL, names, "[]\n");
}

Test(output_json, one_row)
{
    static const char *const names[] = {"a", "b"};
    sq_value rows[] = {text("x"), integer(1)};
    EXPECT(OUT_JSON, NULL, names, rows, "[\n{\"a\":\"x\",\"b\":1}\n]\n");
}

Test(output_json, rows)
{
    static const char *const names[] = {"id", "end"};
    sq_value rows[] = {text("a\"b"), instant(TICKS_2022), text("c"), null, text("d"), null};
    EXPECT(OUT_JSON, NULL, names, rows,
           "[\n{\"id\":\"a\\\"b\",\"end\":\"2022-02-22T15:51:15.1754625Z\"},\n"
           "{\"id\":\"c\",\"end\":null},\n"
           "{\"id\":\"d\",\"end\":null}\n]\n");
}

Test(output_json, names_are_escaped)
{
    static const char *const names[] = {"a\"b"};
    sq_value rows[] = {integer(1)};
    EXPECT(OUT_NDJSON, NULL, names, rows, "{\"a\\\"b\":1}\n");
}

/* The keys are escaped once, when the writer is made: every row must still carry them whole. */
Test(output_json, escaped_names_on_every_row)
{
    static const char *const names[] = {"a\"b", "c\\d", "e\nf", "g"};
    sq_value rows[] = {integer(1), integer(2), integer(3), integer(4),
                       null,       text("x"),  integer(5), null};
    EXPECT(OUT_NDJSON, NULL, names, rows,
           "{\"a\\\"b\":1,\"c\\\\d\":2,\"e\\nf\":3,\"g\":4}\n"
           "{\"a\\\"b\":null,\"c\\\\d\":\"x\",\"e\\nf\":5,\"g\":null}\n");
    EXPECT(OUT_JSON, NULL, names, rows,
           "[\n{\"a\\\"b\":1,\"c\\\\d\":2,\"e\\nf\":3,\"g\":4},\n"
           "{\"a\\\"b\":null,\"c\\\\d\":\"x\",\"e\\nf\":5,\"g\":null}\n]\n");
}

Test(output_json, no_columns)
{
    static const char *const names[] = {"unused"};
    size_t len;
    char *got = render(OUT_NDJSON, NULL, names, 0, NULL, 0, &len);
    cr_assert_eq(len, 0);
    free(got);
    sq_value row[] = {null};
    got = render(OUT_NDJSON, NULL, names, 0, row, 2, &len);
    cr_assert_eq(len, 6);
    cr_assert_arr_eq(got, "{}\n{}\n", 6);
    free(got);
}

/* Integers are written without stdio: both ends of the range (INT64_MIN is the null). */
Test(output_ndjson, integers_at_the_ends)
{
    static const char *const names[] = {"a", "b", "c", "d", "e", "f"};
    sq_value rows[] = {integer(0),   integer(-1),        integer(9),
                       integer(-10), integer(INT64_MAX), integer(-INT64_MAX)};
    EXPECT(OUT_NDJSON, NULL, names, rows,
           "{\"a\":0,\"b\":-1,\"c\":9,\"d\":-10,\"e\":9223372036854775807,"
           "\"f\":-9223372036854775807}\n");
    EXPECT(OUT_CSV, NULL, names, rows,
           "a,b,c,d,e,f\r\n0,-1,9,-10,9223372036854775807,-9223372036854775807\r\n");
    EXPECT(OUT_TABLE, NULL, names, rows,
           "a  b   c  d    e                    f\n"
           "0  -1  9  -10  9223372036854775807  -9223372036854775807\n");
}

/* ---- parts: rows formatted apart and written in order ---- */

/* Rows 0..nrows of `rows` written through `fmt`: those from `split` on by parts of `each` rows,
 * added in order; the caller frees the result. */
static char *render_in_parts(out_format fmt, const char *const *names, size_t ncols,
                             const sq_value *rows, size_t nrows, size_t split, size_t each,
                             size_t *len)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *fp = open_memstream(&buf, &size);
    cr_assert_not_null(fp);
    out_writer *w = out_new(fmt, fp, names, ncols, NULL);
    out_writer *part = out_new_part(fmt, names, ncols, NULL);
    cr_assert(w && part);
    for (size_t r = 0; r < split; r++)
        cr_assert_eq(out_row(w, rows + r * ncols), 0);
    for (size_t first = split; first < nrows; first += each) {
        out_part_reset(part, first);
        for (size_t r = first; r < first + each && r < nrows; r++)
            cr_assert_eq(out_row(part, rows + r * ncols), 0);
        cr_assert_eq(out_add_part(w, part), 0, "part from row %zu", first);
    }
    cr_assert_eq(out_finish(w), 0);
    out_free(part);
    out_free(w);
    cr_assert_eq(fclose(fp), 0);
    *len = size;
    return buf;
}

Test(output_parts, same_bytes_as_one_writer)
{
    static const char *const names[] = {"id", "n", "end"};
    sq_value rows[7 * 3];
    static const char *const ids[] = {"a", "b\"q", "c,d", "=e", "f|g", "h\n", "i"};
    for (size_t r = 0; r < 7; r++) {
        rows[3 * r] = text(ids[r]);
        rows[3 * r + 1] = r % 3 ? integer((int64_t)r - 3) : null;
        rows[3 * r + 2] = instant(TICKS_2022 + (int64_t)r);
    }
    const out_format fmts[] = {OUT_CSV, OUT_JSON, OUT_NDJSON, OUT_MD};
    for (size_t f = 0; f < LEN(fmts); f++) {
        size_t want_len, got_len;
        char *want = render(fmts[f], NULL, names, 3, rows, 7, &want_len);
        /* From the first row on, after some rows, one row a part, and a part past the end. */
        const size_t splits[][2] = {{0, 2}, {3, 2}, {1, 1}, {0, 7}, {6, 5}};
        for (size_t s = 0; s < LEN(splits); s++) {
            char *got =
                render_in_parts(fmts[f], names, 3, rows, 7, splits[s][0], splits[s][1], &got_len);
            cr_expect(got_len == want_len && !memcmp(got, want, want_len),
                      "format %zu, split %zu:\n%s\nwant:\n%s", f, s, visible(got, got_len),
                      visible(want, want_len));
            free(got);
        }
        free(want);
    }
}

Test(output_parts, no_rows_and_wrong_order)
{
    static const char *const names[] = {"a"};
    sq_value rows[] = {integer(1), integer(2)};
    char *buf = NULL;
    size_t size = 0;
    FILE *fp = open_memstream(&buf, &size);
    out_writer *w = out_new(OUT_JSON, fp, names, 1, NULL);
    out_writer *part = out_new_part(OUT_JSON, names, 1, NULL);
    cr_assert(fp && w && part);
    cr_assert_eq(out_row(w, &rows[0]), 0);
    out_part_reset(part, 1);
    cr_expect_eq(out_add_part(w, part), 0, "a part without rows adds nothing");
    out_part_reset(part, 2);
    cr_assert_eq(out_row(part, &rows[1]), 0);
    errno = 0;
    cr_expect_eq(out_add_part(w, part), -1, "a part that starts past the rows written");
    cr_expect_eq(errno, EINVAL);
    out_free(w);
    out_free(part);
    fclose(fp);
    free(buf);

    buf = NULL;
    fp = open_memstream(&buf, &size);
    w = out_new(OUT_JSON, fp, names, 1, NULL);
    part = out_new_part(OUT_JSON, names, 1, NULL);
    cr_assert(fp && w && part);
    cr_assert_eq(out_row(w, &rows[0]), 0);
    out_part_reset(part, 1);
    cr_assert_eq(out_add_part(w, part), 0);
    cr_assert_eq(out_row(part, &rows[1]), 0);
    cr_assert_eq(out_add_part(w, part), 0);
    cr_assert_eq(out_finish(w), 0);
    out_free(w);
    out_free(part);
    fclose(fp);
    cr_expect_str_eq(buf, "[\n{\"a\":1},\n{\"a\":2}\n]\n");
    free(buf);

    errno = 0;
    cr_expect_null(out_new_part(OUT_TABLE, names, 1, NULL), "a table fits widths to every row");
    cr_expect_eq(errno, EINVAL);
}

/* ---- csv ---- */

Test(output_csv, kinds_and_header)
{
    static const char *const names[] = {"id", "name", "n", "t", "s", "r"};
    sq_value rows[] = {text("1"),
                       text("x"),
                       integer(-5),
                       instant(TICKS_2022),
                       seconds(778237000),
                       real(2.5),
                       null,
                       null,
                       null,
                       null,
                       null,
                       real(NAN)};
    EXPECT(OUT_CSV, NULL, names, rows,
           "id,name,n,t,s,r\r\n"
           "\"1\",\"x\",-5,2022-02-22T15:51:15.1754625Z,77.8237,2.5\r\n"
           ",,,,,\r\n");
}

Test(output_csv, null_versus_empty)
{
    static const char *const names[] = {"a", "b", "c", "d"};
    sq_value rows[] = {text("x"), null, text(""), text("y")};
    EXPECT(OUT_CSV, NULL, names, rows, "a,b,c,d\r\n\"x\",,\"\",\"y\"\r\n");
}

Test(output_csv, special_characters)
{
    static const char *const names[] = {"a", "b", "c", "d", "e"};
    sq_value rows[] = {text("a,b"), text("say \"hi\""), text("line1\nline2\r\nline3"), text("a\tb"),
                       text_n("n\0l", 3)};
    EXPECT(OUT_CSV, NULL, names, rows,
           "a,b,c,d,e\r\n"
           "\"a,b\",\"say \"\"hi\"\"\",\"line1\nline2\r\nline3\",\"a\tb\",\"n\0l\"\r\n");
}

Test(output_csv, formula_guard)
{
    static const char *const names[] = {"eq", "plus", "minus", "at", "tab", "cr", "q"};
    sq_value rows[] = {text("=1+1"),
                       text("+1"),
                       text("-1"),
                       text("@SUM(A1)"),
                       text("\tx"),
                       text("\rx"),
                       text("=HYPERLINK(\"h\")")};
    EXPECT(
        OUT_CSV, NULL, names, rows,
        "eq,plus,minus,at,tab,cr,q\r\n"
        "\"'=1+1\",\"'+1\",\"'-1\",\"'@SUM(A1)\",\"'\tx\",\"'\rx\",\"'=HYPERLINK(\"\"h\"\")\"\r\n");
}

Test(output_csv, no_guard_elsewhere)
{
    static const char *const names[] = {"a", "b", "c", "d", "e", "f"};
    sq_value rows[] = {text(" =x"), text("x=1"), text("'q"), text("\n="), integer(-1), real(-2.5)};
    EXPECT(OUT_CSV, NULL, names, rows, "a,b,c,d,e,f\r\n\" =x\",\"x=1\",\"'q\",\"\n=\",-1,-2.5\r\n");
}

Test(output_csv, raw_has_no_guard)
{
    static const char *const names[] = {"eq", "plus", "minus", "at", "tab", "cr"};
    sq_value rows[] = {text("=1+1"), text("+1"), text("-1"), text("@x"), text("\tx"), text("\rx")};
    out_options opt = {.csv_raw = true};
    EXPECT(OUT_CSV, &opt, names, rows,
           "eq,plus,minus,at,tab,cr\r\n\"=1+1\",\"+1\",\"-1\",\"@x\",\"\tx\",\"\rx\"\r\n");
}

Test(output_csv, zero_rows)
{
    static const char *const names[] = {"source", "id"};
    EXPECT_EMPTY(OUT_CSV, NULL, names, "source,id\r\n");
}

Test(output_csv, cell_larger_than_the_buffer)
{
    static const char *const names[] = {"q"};
    size_t n = 200000;
    char *quotes = malloc(n);
    cr_assert_not_null(quotes);
    memset(quotes, '"', n);
    quotes[0] = '=';
    sq_value row = text_n(quotes, n);
    size_t len;
    char *got = render(OUT_CSV, NULL, names, 1, &row, 1, &len);
    cr_assert_eq(len, 3 + 3 + 2 * (n - 1) + 1 + 2); /* header, "'=, doubled quotes, ", CRLF */
    cr_assert_eq(memcmp(got, "q\r\n\"'=", 6), 0);
    for (size_t i = 6; i < len - 3; i++)
        cr_assert_eq(got[i], '"', "byte %zu", i);
    cr_assert_eq(memcmp(got + len - 3, "\"\r\n", 3), 0);
    free(got);
    free(quotes);
}

/* Reads the CSV back with libcsv's own parser: what it gives must be what was written. */
struct parsed {
    size_t nfields, nrecords;
    char *field[64];
    size_t len[64];
    bool is_null[64];
};

static void on_field(void *s, size_t len, void *data)
{
    struct parsed *p = data;
    cr_assert_lt(p->nfields, LEN(p->field));
    p->is_null[p->nfields] = s == NULL;
    p->field[p->nfields] = malloc(len + 1);
    cr_assert_not_null(p->field[p->nfields]);
    if (len > 0)
        memcpy(p->field[p->nfields], s, len);
    p->len[p->nfields++] = len;
}

static void on_record(int c, void *data)
{
    struct parsed *p = data;
    (void)c;
    p->nrecords++;
}

Test(output_csv, round_trip_through_libcsv)
{
    static const char *const names[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"};
    static const char nul[] = "x\0y";
    sq_value rows[] = {text("plain"),
                       text(""),
                       null,
                       text("a,b"),
                       text("say \"hi\""),
                       text("l1\nl2\r\nl3"),
                       text("=cmd|' /C calc'!A0"),
                       text("\ttab"),
                       text("-\"q\""),
                       text_n(nul, 3),
                       text("Zürich ✓"),
                       text("+"),
                       text("@"),
                       text("\r"),
                       text(" lead"),
                       text("trail "),
                       integer(7),
                       text("\"\""),
                       text("\\"),
                       text("x")};
    size_t nrows = LEN(rows) / LEN(names);
    size_t len;
    char *got = render(OUT_CSV, NULL, names, LEN(names), rows, nrows, &len);

    struct parsed p = {0};
    struct csv_parser parser;
    cr_assert_eq(csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL), 0);
    cr_assert_eq(csv_parse(&parser, got, len, on_field, on_record, &p), len);
    cr_assert_eq(csv_fini(&parser, on_field, on_record, &p), 0);
    csv_free(&parser);

    cr_assert_eq(p.nrecords, 1 + nrows);
    cr_assert_eq(p.nfields, LEN(names) * (1 + nrows));
    for (size_t c = 0; c < LEN(names); c++) {
        cr_assert_eq(p.len[c], strlen(names[c]));
        cr_assert_eq(memcmp(p.field[c], names[c], p.len[c]), 0);
    }
    for (size_t i = 0; i < LEN(rows); i++) {
        const sq_value *v = &rows[i];
        size_t f = LEN(names) + i;
        if (v->kind == SQ_NULL) {
            cr_assert(p.is_null[f], "field %zu should be null", i);
            continue;
        }
        cr_assert_not(p.is_null[f], "field %zu should not be null", i);
        if (v->kind == SQ_INT) {
            cr_assert_eq(p.len[f], 1);
            cr_assert_eq(p.field[f][0], '7');
            continue;
        }
        bool guarded = v->len > 0 && strchr("=+-@\t\r", v->text[0]) != NULL;
        cr_assert_eq(p.len[f], v->len + guarded, "field %zu", i);
        if (guarded)
            cr_assert_eq(p.field[f][0], '\'', "field %zu", i);
        cr_assert_eq(memcmp(p.field[f] + guarded, v->text, v->len), 0, "field %zu", i);
    }
    for (size_t f = 0; f < p.nfields; f++)
        free(p.field[f]);
    free(got);
}

/* ---- md ---- */

Test(output_md, escapes)
{
    static const char *const names[] = {"a", "b"};
    sq_value rows[] = {text("x|y"),
                       text("<script>alert('&')</script>"),
                       text("l1\nl2\r\nl3\rl4"),
                       text("a\\b"),
                       text("\x01\tz\x7f"),
                       text("Zürich ✓")};
    EXPECT(OUT_MD, NULL, names, rows,
           "| a | b |\n"
           "| --- | --- |\n"
           "| x\\|y | &lt;script&gt;alert('&amp;')&lt;/script&gt; |\n"
           "| l1<br>l2<br>l3<br>l4 | a\\\\b |\n"
           "|   z\x7f | Zürich ✓ |\n");
}

Test(output_md, nulls_and_numbers)
{
    static const char *const names[] = {"n", "e", "i", "t", "s", "r"};
    sq_value rows[] = {null,      text(""), integer(3), instant(TICKS_2022), seconds(778237000),
                       real(0.25)};
    EXPECT(OUT_MD, NULL, names, rows,
           "| n | e | i | t | s | r |\n"
           "| --- | --- | --- | --- | --- | --- |\n"
           "|  |  | 3 | 2022-02-22T15:51:15.1754625Z | 77.8237 | 0.25 |\n");
}

Test(output_md, zero_rows)
{
    static const char *const names[] = {"status", "count"};
    EXPECT_EMPTY(OUT_MD, NULL, names, "| status | count |\n| --- | --- |\n");
}

/* ---- table ---- */

Test(output_table, alignment_with_multibyte_text)
{
    static const char *const names[] = {"name", "count", "ratio"};
    sq_value rows[] = {text("Zürich ✓"), integer(5),     real(0.5),
                       text("ab"),       integer(12345), real(10)};
    EXPECT(OUT_TABLE, NULL, names, rows,
           "name      count  ratio\n"
           "Zürich ✓      5    0.5\n"
           "ab        12345   10.0\n");
}

Test(output_table, trailing_spaces_and_control_bytes)
{
    static const char *const names[] = {"n", "x"};
    sq_value rows[] = {integer(1),  text("long text"), integer(22),
                       text("y  "), integer(3),        text("a\tb\nc\x7f")};
    EXPECT(OUT_TABLE, NULL, names, rows,
           "n   x\n"
           " 1  long text\n"
           "22  y\n"
           " 3  a b c\n");
}

Test(output_table, null_time_and_real)
{
    static const char *const names[] = {"start", "id", "rate"};
    sq_value rows[] = {instant(TICKS_2022), null,       real(0.96), null,       text("b"),
                       real(NAN),           instant(0), text("c"),  real(-1.25)};
    EXPECT(OUT_TABLE, NULL, names, rows,
           "start                id  rate\n"
           "2022-02-22 15:51:15  -    1.0\n"
           "-                    b   -\n"
           "1970-01-01 00:00:00  c   -1.2\n");
}

Test(output_table, human_durations)
{
    static const char *const names[] = {"d"};
    sq_value rows[] = {
        seconds(0),           seconds(SEC(12.34)),
        seconds(599900000), /* 59.99 s */
        seconds(599999999), /* just under a minute */
        seconds(SEC(60)),     seconds(SEC(245)),
        seconds(SEC(3599)),   seconds(SEC(3600)),
        seconds(SEC(3720)),   seconds(SEC(86399)),
        seconds(SEC(86400)),  seconds(SEC(3 * 86400 + 4 * 3600 + 59 * 60)),
        seconds(-5000000),    seconds(SEC(-3600)),
        seconds(SEC(-86400)), seconds(SEC(-61)),
    };
    EXPECT(OUT_TABLE, NULL, names, rows,
           "d\n"
           "   0.0s\n"
           "  12.3s\n"
           "  59.9s\n"
           "  59.9s\n"
           " 1m 00s\n"
           " 4m 05s\n"
           "59m 59s\n"
           " 1h 00m\n"
           " 1h 02m\n"
           "23h 59m\n"
           " 1d 00h\n"
           " 3d 04h\n"
           "  -0.5s\n"
           "-1h 00m\n"
           "-1d 00h\n"
           "-1m 01s\n");
}

Test(output_table, truncates_to_width)
{
    static const char *const names[] = {"id", "details", "n"};
    sq_value rows[] = {text("1"), text("Zürich ✓ processed 12 items successfully"), integer(7)};
    out_options opt = {.width = 30};
    EXPECT(OUT_TABLE, &opt, names, rows,
           "id  details                  n\n"
           "1   Zürich ✓ processed 12 …  7\n");
}

Test(output_table, no_truncation_without_width)
{
    static const char *const names[] = {"id", "details"};
    sq_value rows[] = {text("1"), text("Zürich ✓ processed 12 items successfully")};
    EXPECT(OUT_TABLE, NULL, names, rows,
           "id  details\n"
           "1   Zürich ✓ processed 12 items successfully\n");
}

Test(output_table, cut_never_splits_a_character)
{
    static const char *const names[] = {"x", "y"};
    sq_value rows[] = {text("ééééééééééé"), text("😀😀😀😀😀😀😀😀😀😀")};
    out_options opt = {.width = 18};
    EXPECT(OUT_TABLE, &opt, names, rows,
           "x         y\n"
           "ééééééé…  😀😀😀😀😀😀😀…\n");
}

Test(output_table, never_below_eight_or_the_header)
{
    static const char *const names[] = {"description", "x"};
    sq_value rows[] = {text("abcdefghijklmnopqrst"), text("abcdefghijklmnop")};
    out_options opt = {.width = 5};
    EXPECT(OUT_TABLE, &opt, names, rows,
           "description  x\n"
           "abcdefghij…  abcdefg…\n");
}

Test(output_table, widest_columns_shrink_first)
{
    static const char *const names[] = {"a", "b"};
    sq_value rows[] = {text("aaaaaaaaaaaaaaaaaaaa"), text("bbbbbbbbbbbb")};
    out_options opt = {.width = 26};
    EXPECT(OUT_TABLE, &opt, names, rows,
           "a             b\n"
           "aaaaaaaaaaa…  bbbbbbbbbbbb\n");
    opt.width = 24;
    EXPECT(OUT_TABLE, &opt, names, rows,
           "a            b\n"
           "aaaaaaaaaa…  bbbbbbbbbb…\n");
    opt.width = 23; /* one more to take: from the leftmost of the two widest */
    EXPECT(OUT_TABLE, &opt, names, rows,
           "a           b\n"
           "aaaaaaaaa…  bbbbbbbbbb…\n");
}

Test(output_table, numbers_never_shrink)
{
    static const char *const names[] = {"n", "t"};
    sq_value rows[] = {integer(1234567890123), text("some rather long text")};
    out_options opt = {.width = 20};
    EXPECT(OUT_TABLE, &opt, names, rows,
           "n              t\n"
           "1234567890123  some ra…\n");
}

Test(output_table, fits_already)
{
    static const char *const names[] = {"a", "b"};
    sq_value rows[] = {text("exactly"), text("twenty")};
    out_options opt = {.width = 15};
    EXPECT(OUT_TABLE, &opt, names, rows, "a        b\nexactly  twenty\n");
}

Test(output_table, zero_rows)
{
    static const char *const names[] = {"id", "name", "count"};
    EXPECT_EMPTY(OUT_TABLE, NULL, names, "id  name  count\n");
}

Test(output_table, many_rows_and_a_huge_cell)
{
    static const char *const names[] = {"i", "t"};
    size_t nrows = 5000, huge = 300000;
    char *big = malloc(huge);
    cr_assert_not_null(big);
    memset(big, 'x', huge);
    sq_value *rows = calloc(2 * nrows, sizeof *rows);
    cr_assert_not_null(rows);
    for (size_t r = 0; r < nrows; r++) {
        rows[2 * r] = integer((int64_t)r);
        rows[2 * r + 1] = r == 1 ? text_n(big, huge) : text("y");
    }
    size_t len;
    char *got = render(OUT_TABLE, NULL, names, 2, rows, nrows, &len);
    /* "i" padded to 4 + 2, "t"; then each row: 4 digits, 2 spaces, its text */
    cr_assert_eq(len, 4 + 2 + 1 + 1 + (nrows - 1) * (4 + 2 + 1 + 1) + huge + 7);
    cr_assert_eq(memcmp(got, "i     t\n   0  y\n   1  xxx", 25), 0);
    cr_assert_eq(memcmp(got + len - 8, "4999  y\n", 8), 0);
    free(got);
    free(rows);
    free(big);
}

/* ---- write errors ---- */

static void full_device(out_format fmt)
{
    static const char *const names[] = {"a"};
    sq_value row = text("x");
    FILE *fp = fopen("/dev/full", "w");
    cr_assert_not_null(fp);
    out_writer *w = out_new(fmt, fp, names, 1, NULL);
    cr_assert_not_null(w);
    cr_assert_eq(out_row(w, &row), 0);
    errno = 0;
    cr_assert_eq(out_finish(w), -1);
    cr_assert_eq(errno, ENOSPC);
    out_free(w);
    fclose(fp);
}

Test(output_errors, dev_full_table) { full_device(OUT_TABLE); }
Test(output_errors, dev_full_csv) { full_device(OUT_CSV); }
Test(output_errors, dev_full_json) { full_device(OUT_JSON); }
Test(output_errors, dev_full_ndjson) { full_device(OUT_NDJSON); }
Test(output_errors, dev_full_md) { full_device(OUT_MD); }

Test(output_errors, dev_full_during_rows)
{
    static const char *const names[] = {"a"};
    char text_buf[1000];
    memset(text_buf, 'z', sizeof text_buf);
    sq_value row = text_n(text_buf, sizeof text_buf);
    FILE *fp = fopen("/dev/full", "w");
    cr_assert_not_null(fp);
    out_writer *w = out_new(OUT_NDJSON, fp, names, 1, NULL);
    cr_assert_not_null(w);
    int rc = 0;
    for (int i = 0; i < 1000 && rc == 0; i++)
        rc = out_row(w, &row);
    cr_assert_eq(rc, -1);
    cr_assert_eq(errno, ENOSPC);
    errno = 0;
    cr_assert_eq(out_row(w, &row), -1, "a failure is sticky");
    cr_assert_eq(errno, ENOSPC);
    cr_assert_eq(out_finish(w), -1);
    cr_assert_eq(errno, ENOSPC);
    out_free(w);
    fclose(fp);
}

Test(output_errors, free_null) { out_free(NULL); }
