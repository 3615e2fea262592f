/* The tokenizer: tokens and decoded text, escapes, numbers, positions of errors, documents in
 * sequence, repair of bad UTF-8, limits; each case also cut byte by byte and at random. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonrun.h"

/* Parses `text` whole, byte by byte and in random chunks; all three must agree. */
static void parse(const char *text, size_t n, unsigned flags, jr_result *r)
{
    jr_result bytes, random;
    jr_run(text, n, flags, JR_WHOLE, r);
    jr_run(text, n, flags, JR_BYTES, &bytes);
    jr_run(text, n, flags, 12345, &random);
    cr_assert_str_eq(bytes.log ? bytes.log : "", r->log ? r->log : "",
                     "byte-wise tokens differ for %s", text);
    cr_assert_str_eq(random.log ? random.log : "", r->log ? r->log : "",
                     "chunked tokens differ for %s", text);
    cr_assert_eq(bytes.code, r->code);
    cr_assert_eq(bytes.offset, r->offset);
    cr_assert_eq(bytes.line, r->line);
    cr_assert_eq(bytes.column, r->column);
    cr_assert_eq(random.line, r->line);
    cr_assert_eq(random.column, r->column);
    jr_free(&bytes);
    jr_free(&random);
}

static void expect_tokens(const char *text, unsigned flags, const char *log)
{
    jr_result r;
    parse(text, strlen(text), flags, &r);
    cr_expect_eq(r.code, 0, "%s: unexpected error %s at %llu", text, r.message,
                 (unsigned long long)r.offset);
    cr_expect_str_eq(r.log ? r.log : "", log, "%s", text);
    jr_free(&r);
}

static void expect_error(const char *text, size_t n, unsigned flags, int code, uint64_t line,
                         uint64_t column)
{
    jr_result r;
    parse(text, n, flags, &r);
    cr_expect_eq(r.code, code, "%s: code %d, wanted %d (%s)", text, r.code, code, r.message);
    cr_expect_eq(r.line, line, "%s: line %llu, wanted %llu", text, (unsigned long long)r.line,
                 (unsigned long long)line);
    cr_expect_eq(r.column, column, "%s: column %llu, wanted %llu", text,
                 (unsigned long long)r.column, (unsigned long long)column);
    jr_free(&r);
}

Test(json, object_tokens_with_offsets)
{
    expect_tokens(
        "{\"id\": \"a1\", \"n\": [1, -2.5e3, true, false, null], \"o\": {}}", 0,
        "@0 {\n@1 K:id\n@7 S:a1\n@13 K:n\n@18 [\n@19 N:1\n@22 N:-2.5e3\n@30 true\n@36 false\n"
        "@43 null\n@47 ]\n@50 K:o\n@55 {\n@56 }\n@57 }\n");
}

/* A ':' or ',' touching the token before it is taken with that token; the tokens, offsets and
 * errors must be those of separators written apart. */
Test(json, separators_right_after_a_token)
{
    expect_tokens("{\"a\":\"x\",\"b\":{\"c\":[1,\"y\",{}],\"d\":null},\"e\":2}", 0,
                  "@0 {\n@1 K:a\n@5 S:x\n@9 K:b\n@13 {\n@14 K:c\n@18 [\n@19 N:1\n@21 S:y\n@25 {\n"
                  "@26 }\n@27 ]\n@29 K:d\n@33 null\n@37 }\n@39 K:e\n@43 N:2\n@44 }\n");
    expect_tokens("[1 ,\"y\" , {} ]", 0, "@0 [\n@1 N:1\n@4 S:y\n@10 {\n@11 }\n@13 ]\n");
    expect_error("{\"a\"1}", 6, 0, JSON_ERR_SYNTAX, 1, 5);
    expect_error("{\"a\"::1}", 8, 0, JSON_ERR_SYNTAX, 1, 6);
    expect_error("[1,,2]", 6, 0, JSON_ERR_SYNTAX, 1, 4);
    expect_error("{\"a\":1,,}", 9, 0, JSON_ERR_SYNTAX, 1, 8);
    expect_error("{\"a\":", 5, 0, JSON_ERR_TRUNCATED, 1, 6);
    expect_error("[1,", 3, 0, JSON_ERR_TRUNCATED, 1, 4);
}

Test(json, top_level_scalars)
{
    expect_tokens("42", 0, "@0 N:42\n");
    expect_tokens(" \"x\" ", 0, "@1 S:x\n");
    expect_tokens("null", 0, "@0 null\n");
}

Test(json, escapes_are_decoded)
{
    /* \u00e9 is é (C3 A9); \ud83d\ude00 is U+1F600 (F0 9F 98 80); \/ is a plain slash. */
    expect_tokens(
        "[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\\u0000z\"]", 0,
        "@0 [\n@1 S:a\"b\\x5cc/d\\x08\\x0c\\x0a\\x0d\\x09\\xc3\\xa9\\xf0\\x9f\\x98\\x80\\x00z\n@48 ]\n");
}

/* Plain ASCII with up to 8 one-letter escapes, whole in its chunk, is decoded in one pass
 * (escaped_string()); more escapes, another byte or a cut go the general way. Both give the
 * same text, which parse() checks by cutting each case byte by byte too. */
Test(json, strings_with_a_few_escapes)
{
    expect_tokens("{\"k\\\"y\": \"CORP\\\\backup.admin\"}", 0,
                  "@0 {\n@1 K:k\"y\n@9 S:CORP\\x5cbackup.admin\n@29 }\n");
    expect_tokens("[\"ab\\\\\", \"\\\"x\", \"\\/\"]", 0,
                  "@0 [\n@1 S:ab\\x5c\n@9 S:\"x\n@16 S:/\n@20 ]\n");
    /* Eight escapes, the most decoded in one pass, and nine. */
    expect_tokens("[\"\\n\\n\\n\\n\\n\\n\\n\\nz\"]", 0,
                  "@0 [\n@1 S:\\x0a\\x0a\\x0a\\x0a\\x0a\\x0a\\x0a\\x0az\n@20 ]\n");
    expect_tokens("[\"\\t\\t\\t\\t\\t\\t\\t\\t\\t\"]", 0,
                  "@0 [\n@1 S:\\x09\\x09\\x09\\x09\\x09\\x09\\x09\\x09\\x09\n@21 ]\n");
    /* UTF-8 or a \u escape after a one-letter escape. */
    expect_tokens("[\"\\t\xc3\xa9\"]", 0, "@0 [\n@1 S:\\x09\\xc3\\xa9\n@7 ]\n");
    expect_tokens("[\"\\n\\u0041\"]", 0, "@0 [\n@1 S:\\x0aA\n@11 ]\n");
    /* A bad escape after good ones is found where it is. */
    const char *bad = "[\"a\\nb\\qc\"]";
    expect_error(bad, strlen(bad), 0, JSON_ERR_SYNTAX, 1, 8);
}

Test(json, raw_utf8_passes_through)
{
    expect_tokens(
        "[\"Z\xc3\xbcrich \xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80\"]", 0,
        "@0 [\n@1 S:Z\\xc3\\xbcrich \\xe6\\x9d\\xb1\\xe4\\xba\\xac \\xf0\\x9f\\x98\\x80\n@22 ]\n");
}

Test(json, lone_surrogates_become_replacement_characters)
{
    expect_tokens(
        "[\"\\ud800x\", \"\\udc00\"]", 0,
        "@0 [\n@1 S:\\xef\\xbf\\xbdx (repaired)\n@12 S:\\xef\\xbf\\xbd (repaired)\n@20 ]\n");
}

Test(json, invalid_utf8_fails_or_is_repaired)
{
    const char text[] = "[\"a\xff"
                        "b\"]";
    expect_error(text, sizeof text - 1, 0, JSON_ERR_UTF8, 1, 4);
    expect_tokens(text, JSON_REPAIR_UTF8, "@0 [\n@1 S:a\\xef\\xbf\\xbdb (repaired)\n@6 ]\n");
    /* Overlong encodings and encoded surrogates are invalid too. */
    expect_error("[\"\xc0\xaf\"]", 6, 0, JSON_ERR_UTF8, 1, 3);
    expect_error("[\"\xed\xa0\x80\"]", 7, 0, JSON_ERR_UTF8, 1, 3);
    expect_error("[\"\xf4\x90\x80\x80\"]", 8, 0, JSON_ERR_UTF8, 1, 3);
}

Test(json, numbers_keep_their_text)
{
    expect_tokens("[0, -0, 12.5, 1e10, 1E-2, -3.0e+7, 123456789012345678901234567890]", 0,
                  "@0 [\n@1 N:0\n@4 N:-0\n@8 N:12.5\n@14 N:1e10\n@20 N:1E-2\n@26 N:-3.0e+7\n"
                  "@35 N:123456789012345678901234567890\n@65 ]\n");
}

Test(json, bad_numbers_point_at_the_fault)
{
    expect_error("[01]", 4, 0, JSON_ERR_SYNTAX, 1, 3);
    expect_error("[1.]", 4, 0, JSON_ERR_SYNTAX, 1, 4);
    expect_error("[-]", 3, 0, JSON_ERR_SYNTAX, 1, 3);
    expect_error("[1e+]", 5, 0, JSON_ERR_SYNTAX, 1, 5);
    expect_error("[.5]", 4, 0, JSON_ERR_SYNTAX, 1, 2);
}

Test(json, syntax_errors_have_line_and_column)
{
    expect_error("{\n  \"a\": 1,\n  \"b\" 2\n}", 20, 0, JSON_ERR_SYNTAX, 3, 7);
    expect_error("[1, 2 ..]", 9, 0, JSON_ERR_SYNTAX, 1, 7);
    expect_error("[1,]", 4, 0, JSON_ERR_SYNTAX, 1, 4);
    expect_error("{\"a\":1,}", 8, 0, JSON_ERR_SYNTAX, 1, 8);
    expect_error("[tru]", 5, 0, JSON_ERR_SYNTAX, 1, 2);
    expect_error("[\"a\tb\"]", 7, 0, JSON_ERR_SYNTAX, 1, 4);
    expect_error("[\"\\x\"]", 6, 0, JSON_ERR_SYNTAX, 1, 4);
    expect_error("[\"\\u12g4\"]", 10, 0, JSON_ERR_SYNTAX, 1, 7);
}

Test(json, columns_count_characters_not_bytes)
{
    /* "é" is two bytes but one column; U+00A0 (C2 A0) is not JSON whitespace. */
    expect_error("[\"\xc3\xa9\", x]", 9, 0, JSON_ERR_SYNTAX, 1, 7);
    expect_error("{\n\n\xc2\xa0\"id\": 1}", 12, 0, JSON_ERR_SYNTAX, 3, 1);
    expect_error("[\r\n1,\r\n?]", 9, 0, JSON_ERR_SYNTAX, 3, 1);
}

Test(json, truncated_input_points_past_the_end)
{
    expect_error("[1, 2", 5, 0, JSON_ERR_TRUNCATED, 1, 6);
    expect_error("{\"a\": \"bc", 9, 0, JSON_ERR_TRUNCATED, 1, 10);
    expect_error("{\"results\":\n", 12, 0, JSON_ERR_TRUNCATED, 2, 1);
    expect_error("[", 1, 0, JSON_ERR_TRUNCATED, 1, 2);
}

Test(json, empty_input_is_an_error)
{
    expect_error("", 0, 0, JSON_ERR_EMPTY, 1, 1);
    expect_error(" \n ", 3, 0, JSON_ERR_EMPTY, 2, 2);
    expect_error("", 0, JSON_MULTI, JSON_ERR_EMPTY, 1, 1);
}

Test(json, one_document_unless_multi)
{
    expect_error("{} {}", 5, 0, JSON_ERR_SYNTAX, 1, 4);
    expect_tokens("{}\n[1]\r\n{\"a\":null}\n", JSON_MULTI,
                  "@0 {\n@1 }\n@3 [\n@4 N:1\n@5 ]\n@8 {\n@9 K:a\n@13 null\n@17 }\n");
    expect_tokens("[][]", JSON_MULTI, "@0 [\n@1 ]\n@2 [\n@3 ]\n");
    expect_error("{}\n{\"a\":", 8, JSON_MULTI, JSON_ERR_TRUNCATED, 2, 6);
}

Test(json, depth_is_limited)
{
    size_t n = SQ_MAX_DEPTH + 1;
    char *deep = malloc(2 * n);
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    jr_result r;
    jr_run(deep, 2 * n, 0, JR_WHOLE, &r);
    cr_expect_eq(r.code, JSON_ERR_DEPTH);
    cr_expect_eq(r.column, SQ_MAX_DEPTH + 1);
    jr_free(&r);
    jr_run(deep + 1, 2 * n - 2, 0, JR_WHOLE, &r);
    cr_expect_eq(r.code, 0, "exactly %d levels are allowed", SQ_MAX_DEPTH);
    jr_free(&r);
    free(deep);
}

Test(json, long_strings_across_many_chunks)
{
    size_t n = 3 * SQ_CHUNK_SIZE;
    char *text = malloc(n + 4);
    text[0] = '"';
    for (size_t i = 1; i <= n; i++)
        text[i] = (char)('a' + i % 26);
    text[n + 1] = '"';
    json_parser *p = json_new(0);
    size_t at = 0, total = n + 2, chunk = 1000;
    json_value v;
    json_token t = JSON_NEED_MORE;
    while (at < total && t == JSON_NEED_MORE) {
        size_t k = total - at < chunk ? total - at : chunk;
        json_feed(p, text + at, k);
        at += k;
        t = json_next(p, &v);
    }
    cr_assert_eq(t, JSON_STRING);
    cr_expect_eq(v.n, n);
    cr_expect_eq(memcmp(v.p, text + 1, n), 0);
    json_finish(p);
    cr_expect_eq(json_next(p, &v), JSON_END);
    json_free(p);
    free(text);
}

Test(json, reset_reads_a_new_stream)
{
    json_parser *p = json_new(0);
    json_value v;
    json_feed(p, "[1,", 3);
    cr_expect_eq(json_next(p, &v), JSON_ARRAY_BEGIN);
    json_reset(p);
    json_feed(p, "7", 1);
    json_finish(p);
    cr_expect_eq(json_next(p, &v), JSON_NUMBER);
    cr_expect_eq(v.n, 1);
    cr_expect_eq(json_next(p, &v), JSON_END);
    json_free(p);
}

Test(json, error_describes_what_was_found)
{
    json_parser *p = json_new(0);
    json_value v;
    json_feed(p, "[1 ..]", 6);
    while (json_next(p, &v) != JSON_ERROR)
        ;
    cr_expect_str_eq(json_error_found(p), "'.'");
    cr_expect_str_eq(json_error(p)->message, "expected ',' or ']' after an array element");
    json_reset(p);
    json_feed(p, "\xc2\xa0[]", 4);
    cr_expect_eq(json_next(p, &v), JSON_ERROR);
    cr_expect_str_eq(json_error_found(p), "U+00A0 (no-break space)");
    json_free(p);
}

/* Found by fuzzing: a string that is never closed and holds an invalid escape. Whole, the
 * escape is the first error; cut into chunks it must be too, not "end of input". */
Test(json, bad_escape_in_an_unclosed_string_whatever_the_chunks)
{
    expect_error("[\"ab\\ cd", 8, 0, JSON_ERR_SYNTAX, 1, 6);
    expect_error("[\"ab\\u12", 8, 0, JSON_ERR_TRUNCATED, 1, 9);
    expect_error("[\"ab\xff", 5, 0, JSON_ERR_UTF8, 1, 5);
}

/* Runs `doc` whole under every scanner level and in random chunks, and expects one result. */
static void expect_same_under_every_level(const char *doc, size_t n)
{
    static const json_simd levels[] = {JSON_SIMD_SCALAR, JSON_SIMD_SSE2, JSON_SIMD_AVX2};
    jr_result want;
    json_set_simd(JSON_SIMD_SCALAR);
    jr_run(doc, n, JSON_MULTI, JR_WHOLE, &want);
    for (size_t l = 0; l < 3; l++) {
        json_simd used = json_set_simd(levels[l]);
        for (unsigned chunking = JR_WHOLE; chunking < 3; chunking += 2) {
            jr_result got;
            jr_run(doc, n, JSON_MULTI, chunking, &got);
            cr_assert_eq(got.code, want.code, "level %d, %zu bytes: code %d vs %d", (int)used, n,
                         got.code, want.code);
            cr_assert(got.offset == want.offset && got.line == want.line &&
                          got.column == want.column,
                      "level %d, %zu bytes: error at %llu vs %llu", (int)used, n,
                      (unsigned long long)got.offset, (unsigned long long)want.offset);
            cr_assert_str_eq(got.log ? got.log : "", want.log ? want.log : "",
                             "level %d: tokens differ on %.*s", (int)used, (int)n, doc);
            jr_free(&got);
        }
    }
    jr_free(&want);
    json_set_simd(JSON_SIMD_AUTO);
}

/* The vector scanners look at 16 or 32 bytes at a time: what ends a run (a quote, an escape, a
 * control character, a UTF-8 sequence, a bad byte, a token after whitespace, newlines) is put at
 * every position of the first blocks, and every level must see it where the scalar one does. */
Test(json, scanner_levels_agree_at_every_position)
{
    static const char *const enders[] = {"\"",     "\\n\"",  "\\u00e9\"",  "\xC3\xA9\"", "\x01\"",
                                         "\xFF\"", "\x7F\"", "\xE2\x82\"", "\\q\""};
    char doc[256];
    for (size_t e = 0; e < sizeof enders / sizeof *enders; e++)
        for (size_t len = 0; len <= 70; len++) {
            size_t n = 0;
            doc[n++] = '[';
            doc[n++] = '"';
            for (size_t i = 0; i < len; i++)
                doc[n++] = (char)('a' + i % 26);
            n += (size_t)snprintf(doc + n, sizeof doc - n, "%s, 1]", enders[e]);
            expect_same_under_every_level(doc, n);
        }
    static const char ws[] = " \n\t\r";
    for (size_t len = 0; len <= 70; len++) {
        size_t n = 0;
        doc[n++] = '[';
        for (size_t i = 0; i < len; i++)
            doc[n++] = ws[(i * 7 + len) % 4];
        n += (size_t)snprintf(doc + n, sizeof doc - n, "1,%.*s\xC2\xA0]", (int)(len % 40),
                              "\n\n  \n\t\n                                      ");
        expect_same_under_every_level(doc, n);
    }
}

/* A compact dump is one line of many megabytes: its columns are counted by the vector code,
 * which must count characters, not bytes, at every level. The error's column is known: after
 * k repetitions of "é" and "€" (2 and 3 bytes, one character each) and ASCII. */
Test(json, columns_count_characters_on_a_long_line_at_every_level)
{
    static const json_simd levels[] = {JSON_SIMD_SCALAR, JSON_SIMD_SSE2, JSON_SIMD_AVX2};
    for (size_t k = 0; k < 300; k += 7) {
        char doc[4096];
        size_t n = 0;
        n += (size_t)snprintf(doc + n, sizeof doc - n, "[\"");
        for (size_t i = 0; i < k; i++)
            n += (size_t)snprintf(doc + n, sizeof doc - n, "a\xC3\xA9\xE2\x82\xAC");
        n += (size_t)snprintf(doc + n, sizeof doc - n, "\", x]");
        /* '[' '"' then 3 characters per repetition, '"' ',' ' ': the x is character 6 + 3k. */
        uint64_t want = 6 + 3 * (uint64_t)k;
        for (size_t l = 0; l < 3; l++) {
            json_set_simd(levels[l]);
            jr_result r;
            jr_run(doc, n, 0, JR_WHOLE, &r);
            cr_assert_neq(r.code, 0);
            cr_assert_eq(r.line, 1);
            cr_assert_eq(r.column, want, "k %zu, level %d: column %llu, want %llu", k,
                         (int)levels[l], (unsigned long long)r.column, (unsigned long long)want);
            jr_free(&r);
        }
    }
    json_set_simd(JSON_SIMD_AUTO);
}
