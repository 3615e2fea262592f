/* json.h: the streaming JSON tokenizer: strict RFC 8259, fed in chunks, pulled token by token.
 *
 * Use: json_feed() a chunk, then json_next() until it answers JSON_NEED_MORE; feed the next
 * chunk; after the last one call json_finish() and drain json_next() until JSON_END or
 * JSON_ERROR. Any chunking of the same bytes gives the same tokens. Nothing is allocated per
 * token: a token's text points into the fed chunk or into the parser's own buffers. */
#ifndef JSON_H
#define JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sessq.h"

typedef enum {
    JSON_NEED_MORE, /* every byte fed so far is consumed: feed more or finish */
    JSON_END,       /* after json_finish(): the input was complete and valid */
    JSON_ERROR,     /* json_error() says what and where; every later call answers the same */
    JSON_OBJECT_BEGIN,
    JSON_OBJECT_END,
    JSON_ARRAY_BEGIN,
    JSON_ARRAY_END,
    JSON_KEY,
    JSON_STRING,
    JSON_NUMBER,
    JSON_TRUE,
    JSON_FALSE,
    JSON_NULL
} json_token;

typedef struct {
    /* KEY, STRING: the decoded UTF-8 text (may contain NUL); NUMBER: the number's text.
     * Valid until the next json_next(), json_feed() or json_free(). */
    const char *p;
    size_t n;
    uint64_t offset; /* byte offset of the token's first byte in the whole stream */
    bool integer;    /* NUMBER: no fraction and no exponent */
    bool repaired;   /* KEY, STRING: something was replaced by U+FFFD (see JSON_REPAIR_UTF8) */
} json_value;

enum {
    /* Accept a sequence of JSON texts one after another (concatenated responses, NDJSON). */
    JSON_MULTI = 1u << 0,
    /* Replace invalid UTF-8 in strings by U+FFFD and mark the token `repaired`, instead of
     * failing. A \u escape of an unpaired surrogate is always replaced and marked (the grammar
     * allows it; UTF-8 cannot carry it). */
    JSON_REPAIR_UTF8 = 1u << 1
};

enum {
    JSON_OK = 0,
    JSON_ERR_SYNTAX,    /* not JSON: the message says what was expected */
    JSON_ERR_TRUNCATED, /* the input ends inside a value */
    JSON_ERR_EMPTY,     /* no JSON text at all */
    JSON_ERR_UTF8,      /* invalid UTF-8 inside a string */
    JSON_ERR_DEPTH,     /* nesting deeper than SQ_MAX_DEPTH */
    JSON_ERR_TOO_LONG,  /* a string or number longer than SQ_MAX_STRING bytes */
    JSON_ERR_NOMEM
};

typedef struct json_parser json_parser;

/* How the tokenizer scans runs of bytes (string contents, whitespace, newlines). Every level
 * gives the same tokens, errors and positions; only the speed differs. */
typedef enum {
    JSON_SIMD_AUTO,   /* the best the processor has: AVX2, else SSE2 (x86-64), else scalar */
    JSON_SIMD_SCALAR, /* a byte at a time */
    JSON_SIMD_SSE2,   /* 16 bytes at a time */
    JSON_SIMD_AVX2    /* 32 bytes at a time */
} json_simd;

/* Chooses the level for every parser of the process (the first json_new() picks AUTO); a level
 * the processor lacks gives the best one below it. Returns the level now in use. Call it before
 * parsers run (tests, SESSQ_SIMD), not while other threads parse. */
json_simd json_set_simd(json_simd want);

/* A parser with the given flags (JSON_MULTI, JSON_REPAIR_UTF8), or NULL when out of memory. */
json_parser *json_new(unsigned flags);
/* Forgets all input, keeping the flags and the allocated buffers, to read another stream. */
void json_reset(json_parser *p);
void json_free(json_parser *p);

/* Hands the next `len` bytes of the stream to the parser. `buf` must stay unchanged until
 * json_next() answers JSON_NEED_MORE. Call only then (or first). */
void json_feed(json_parser *p, const char *buf, size_t len);
/* Says there is no more input after what was fed. */
void json_finish(json_parser *p);
/* The next token; fills *v for KEY, STRING and NUMBER (offset for every token). */
json_token json_next(json_parser *p, json_value *v);

/* Nesting depth after the last token: 0 between documents, 1 inside the outermost container. */
size_t json_depth(const json_parser *p);

/* Splitting one stream between two parsers (see shape.c): a second parser takes the elements
 * of an array from some offset on while the first reads up to there.
 *
 * Whether every byte fed is consumed (json_next() answered JSON_NEED_MORE) and the parser stands
 * just after a ',' between two elements of an array, `depth` levels deep. */
bool json_between_elements(const json_parser *p, size_t depth);
/* Sets `p` (reset) to stand where `model` stands, after a ',' between array elements, with the
 * stream going on at byte `offset` (offsets stay those of the whole stream; lines and columns
 * count from 1, 1 there). */
void json_start_between(json_parser *p, const json_parser *model, uint64_t offset);
/* Tells a parser that stood between array elements (json_between_elements()) that another one
 * read the elements that followed, up to byte `offset` at `line` and `column`, where the array's
 * ']' or a further ',' comes: `p` goes on from there, after an element. */
void json_skip_elements(json_parser *p, uint64_t offset, uint64_t line, uint64_t column);
/* A guess at where an array element that is an object starts in buf[0..n), read as raw bytes:
 * the offset of the '{' of "}" "," "{" (whitespace between), the first one whose object starts
 * with the key `key` (key_len bytes, 0: any) when there is one, else the first one; n when there
 * is none. Only a guess: the bytes may stand inside a string or a nested array. */
size_t json_guess_element(const char *buf, size_t n, const char *key, size_t key_len);
/* Line and column of the byte after the last one consumed: valid once json_next() answered
 * JSON_NEED_MORE. */
void json_position(const json_parser *p, uint64_t *line, uint64_t *column);

/* The error after JSON_ERROR: code, static message, byte offset, line and column (1-based,
 * the column in characters). Owned by the parser. */
const sq_error *json_error(const json_parser *p);
/* What was found at the error's position, for messages: "'.'", "U+00A0", "end of input".
 * Owned by the parser. */
const char *json_error_found(const json_parser *p);

/* Line and column (1-based, column in characters) of byte `offset`. Offsets must be asked in
 * increasing order, and only for bytes the parser has not yet let go of: those of the current
 * chunk, or of the token it is reading across chunks (in practice: the offset of a token just
 * returned, or of an error). */
void json_locate(json_parser *p, uint64_t offset, uint64_t *line, uint64_t *column);

#endif
