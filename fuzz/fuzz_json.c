/* fuzz_json.c: libFuzzer target for the tokenizer. The input is parsed twice, fed whole and cut
 * into chunks of 1-64 bytes, and both runs must give the same tokens (with their positions) and
 * the same error; along the way the parser's promises are checked and any broken one aborts.
 *
 * The parser is reset between the runs, not made anew, which checks json_reset() too. The
 * chunked run scans with the scalar scanners, the whole one with the best vector ones (SSE2 or
 * AVX2): they must agree as well.
 *
 * The first byte chooses the flags (its two low bits: JSON_MULTI, JSON_REPAIR_UTF8) and the
 * second seeds the chunk sizes, but both stay part of the text: a seed from the corpus is still
 * the JSON it was, and every flag combination is one leading blank away ('[' and '{' give 3,
 * ' ' 0, '\t' 1, '\n' 2). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What one run saw: a transcript of the tokens and the error it ended with, if any. */
typedef struct {
    unsigned char *log;
    size_t len, cap;
    sq_error err;
} run;

static void require(int ok, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_json: broken invariant: %s\n", what);
    abort();
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    require(p != NULL, "out of memory in the harness");
    return p;
}

static void append(run *r, const void *p, size_t n)
{
    if (r->len + n > r->cap) {
        size_t cap = r->cap ? r->cap : 1024;
        while (cap < r->len + n)
            cap *= 2;
        unsigned char *b = realloc(r->log, cap);
        require(b != NULL, "out of memory in the harness");
        r->log = b;
        r->cap = cap;
    }
    memcpy(r->log + r->len, p, n);
    r->len += n;
}

/* One token as fixed-size fields and its text: runs compare their logs byte for byte. */
static void record(run *r, json_parser *p, json_token t, const json_value *v)
{
    uint64_t f[6] = {(uint64_t)t, v->offset, 0, 0, 0, 0};

    json_locate(p, v->offset, &f[2], &f[3]);
    require(f[2] >= 1 && f[3] >= 1, "token line and column start at 1");
    if (t == JSON_KEY || t == JSON_STRING || t == JSON_NUMBER) {
        f[4] = v->n;
        f[5] = (uint64_t)(t == JSON_NUMBER ? v->integer : v->repaired);
    }
    append(r, f, sizeof f);
    if (f[4])
        append(r, v->p, v->n);
}

/* An error is final: every later call says JSON_ERROR and the error itself stays as it was. */
static void check_error(run *r, json_parser *p, size_t size)
{
    json_value v;

    r->err = *json_error(p);
    require(r->err.code != JSON_OK && r->err.message != NULL, "an error has a code and message");
    require(r->err.offset <= size, "error offset within the input");
    require(r->err.line >= 1 && r->err.column >= 1, "error line and column start at 1");
    require(json_next(p, &v) == JSON_ERROR, "JSON_ERROR is repeated");
    json_finish(p);
    require(json_next(p, &v) == JSON_ERROR, "JSON_ERROR is repeated after json_finish");
    const sq_error *again = json_error(p);
    require(again->code == r->err.code && again->offset == r->err.offset &&
                again->line == r->err.line && again->column == r->err.column,
            "the error does not change");
}

/* Pulls tokens until the parser wants more (1) or is done (0). */
static int drain(run *r, json_parser *p, size_t size, uint64_t *last_offset)
{
    json_value v;

    for (;;) {
        json_token t = json_next(p, &v);
        require(json_depth(p) <= SQ_MAX_DEPTH, "depth within SQ_MAX_DEPTH");
        if (t == JSON_NEED_MORE)
            return 1;
        if (t == JSON_END)
            return 0;
        if (t == JSON_ERROR) {
            check_error(r, p, size);
            return 0;
        }
        require(v.offset < size, "token offset within the input");
        require(*last_offset == UINT64_MAX || v.offset > *last_offset, "token offsets increase");
        *last_offset = v.offset;
        record(r, p, t, &v);
    }
}

/* Chunk sizes of 1-64 bytes from a small linear congruential generator. */
static size_t next_size(unsigned *state, size_t left)
{
    *state = *state * 1103515245u + 12345u;
    size_t k = 1 + (*state >> 16) % 64;
    return k < left ? k : left;
}

/* Parses data[0..size) in chunks (whole when `seed` is 0), each in its own exact-size copy freed
 * as soon as the parser has let go of it, so that the sanitizers catch a read past or after it. */
static void parse(run *r, json_parser *p, const uint8_t *data, size_t size, unsigned seed)
{
    unsigned state = seed;
    uint64_t last = UINT64_MAX;
    size_t at = 0;
    int more = 1;

    while (more && at < size) {
        size_t k = seed ? next_size(&state, size - at) : size;
        char *chunk = xmalloc(k);
        memcpy(chunk, data + at, k);
        at += k;
        json_feed(p, chunk, k);
        more = drain(r, p, size, &last);
        free(chunk);
    }
    if (more) {
        json_finish(p);
        require(drain(r, p, size, &last) == 0, "the parser ends after json_finish");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned flags = size > 0 ? data[0] & (JSON_MULTI | JSON_REPAIR_UTF8) : 0;
    unsigned seed = size > 1 ? data[1] + 1u : 1u; /* never 0, which means whole */
    json_parser *p = json_new(flags);
    run whole = {0}, cut = {0};

    require(p != NULL, "json_new");
    /* One parser for both runs, as shape reuses its own for every file: json_reset() must
     * forget everything the chunked run left behind (a carry, an error, positions). */
    json_set_simd(JSON_SIMD_SCALAR);
    parse(&cut, p, data, size, seed);
    json_reset(p);
    json_set_simd(JSON_SIMD_AUTO);
    parse(&whole, p, data, size, 0);
    json_free(p);
    require(whole.len == cut.len && (whole.len == 0 || !memcmp(whole.log, cut.log, whole.len)),
            "chunking or scanning changes the tokens");
    require(whole.err.code == cut.err.code && whole.err.offset == cut.err.offset &&
                whole.err.line == cut.err.line && whole.err.column == cut.err.column,
            "chunking or scanning changes the error");
    require(whole.err.message == cut.err.message || !strcmp(whole.err.message, cut.err.message),
            "chunking changes the error message");
    free(whole.log);
    free(cut.log);
    return 0;
}
