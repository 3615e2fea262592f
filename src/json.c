/* json.c: the streaming tokenizer. Tokens are lexed straight from the fed chunk; only a token
 * cut by a chunk boundary is copied (into `carry`) and lexed once it is whole, so the lexers
 * below always see complete tokens and chunking cannot change the result. */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stdatomic.h>

#if defined(__x86_64__) && defined(__SSE2__)
#define SIMD_X86
#include <immintrin.h>
#endif

typedef unsigned char uchar;

/* What the grammar allows next. */
typedef enum {
    X_VALUE,        /* a value: at the top, after ':' or after ',' in an array */
    X_VALUE_OR_END, /* just after '[' */
    X_KEY_OR_END,   /* just after '{' */
    X_KEY,          /* after ',' in an object */
    X_COLON,        /* after a key */
    X_COMMA_OR_END, /* after a value inside a container */
    X_DOC_END       /* after a whole top-level value */
} expect;

typedef enum { P_NONE, P_STRING, P_NUMBER, P_LITERAL } partial_kind;

typedef enum { LEX_OK, LEX_MORE, LEX_ERR } lex_result;

typedef struct {
    uint64_t offset, line, column;
} position;

struct json_parser {
    unsigned flags;
    const uchar *buf; /* current chunk */
    size_t len, pos;
    uint64_t base; /* stream offset of buf[0] */
    bool finished;
    bool seen_document;

    expect want;
    size_t depth;
    uchar stack[SQ_MAX_DEPTH]; /* 1: object, 0: array */

    /* A token cut by the end of a chunk: its bytes so far, from stream offset carry_off. */
    partial_kind partial;
    bool carry_escaped; /* P_STRING: the carried bytes end in an unescaped backslash */
    uchar *carry;
    size_t carry_len, carry_cap;
    uint64_t carry_off;

    uchar *text; /* decoded strings that could not point into the input */
    size_t text_cap;

    position loc; /* line and column of loc.offset; only moves forward */

    sq_error err;
    char found[32];
};

static const char *const MSG_VALUE =
    "expected a value (object, array, string, number, true, false or null)";
static const char *const MSG_KEY = "expected a string in double quotes as object key";
static const char *const MSG_KEY_OR_END =
    "expected a string in double quotes as object key, or '}'";
static const char *const MSG_COLON = "expected ':' after an object key";
static const char *const MSG_ARRAY_NEXT = "expected ',' or ']' after an array element";
static const char *const MSG_OBJECT_NEXT = "expected ',' or '}' after an object member";
static const char *const MSG_AFTER_DOC = "expected the end of input after the JSON document";

/* Bytes a string can hold as they are: printable ASCII other than '"' and '\\'. (Tests, not
 * tables filled on first use: parsers run in several threads at once.) */
static bool is_plain(uchar c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

/* Bytes that may continue a number (the grammar is checked once the token is whole). */
static bool is_numeric(uchar c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

static json_simd level(void);

json_parser *json_new(unsigned flags)
{
    if (level() == JSON_SIMD_AUTO)
        json_set_simd(JSON_SIMD_AUTO);
    json_parser *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->flags = flags;
    json_reset(p);
    return p;
}

void json_reset(json_parser *p)
{
    p->buf = (const uchar *)"";
    p->len = p->pos = 0;
    p->base = 0;
    p->finished = p->seen_document = false;
    p->want = X_VALUE;
    p->depth = 0;
    p->partial = P_NONE;
    p->carry_len = 0;
    p->loc = (position){0, 1, 1};
    p->err = (sq_error){0};
    p->found[0] = '\0';
}

void json_free(json_parser *p)
{
    if (!p)
        return;
    free(p->carry);
    free(p->text);
    free(p);
}

size_t json_depth(const json_parser *p) { return p->depth; }

const sq_error *json_error(const json_parser *p) { return &p->err; }

const char *json_error_found(const json_parser *p) { return p->found; }

/* ---- scanners ----------------------------------------------------------------------------- */

/* Every input byte passes through one of three scanners: newlines (for positions), plain string
 * bytes, whitespace. Each has a scalar form and, on x86-64, an SSE2 form (16 bytes at a time,
 * always there) and an AVX2 form (32 at a time, used when the processor has it). All forms give
 * the same answers; tests run the corpus through each (json_set_simd). */

static bool is_space(uchar c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

static _Atomic int simd_level = JSON_SIMD_AUTO;

static json_simd level(void) { return atomic_load_explicit(&simd_level, memory_order_relaxed); }

/* What count_bytes() counts: newlines (for lines), or UTF-8 continuation bytes (for columns,
 * which count characters: a compact dump is one line of many megabytes). */
typedef enum { NEWLINES, CONTINUATIONS } byte_class;

static uint64_t count_scalar(const uchar *s, size_t i, size_t n, byte_class what)
{
    uint64_t k = 0;
    for (; i < n; i++)
        k += what == NEWLINES ? s[i] == '\n' : (s[i] & 0xC0) == 0x80;
    return k;
}

static size_t plain_scalar(const uchar *s, size_t i, size_t n)
{
    while (i < n && is_plain(s[i]))
        i++;
    return i;
}

static size_t space_scalar(const uchar *s, size_t i, size_t n)
{
    while (i < n && is_space(s[i]))
        i++;
    return i;
}

#ifdef SIMD_X86
/* Byte counters hold up to 255 blocks before they are summed into 64-bit lanes. A continuation
 * byte (0x80-0xBF) is one below -64 as a signed byte. */
static uint64_t count_sse2(const uchar *s, size_t n, size_t *done, byte_class what)
{
    uint64_t k = 0;
    size_t i = 0;
    const __m128i newline = _mm_set1_epi8('\n'), limit = _mm_set1_epi8(-64);
    while (i + 16 <= n) {
        __m128i counts = _mm_setzero_si128();
        size_t end = i + 16 * 255 < n ? i + 16 * 255 : n;
        for (; i + 16 <= end; i += 16) {
            __m128i x = _mm_loadu_si128((const __m128i *)(s + i));
            counts = _mm_sub_epi8(counts, what == NEWLINES ? _mm_cmpeq_epi8(x, newline)
                                                           : _mm_cmplt_epi8(x, limit));
        }
        __m128i sums = _mm_sad_epu8(counts, _mm_setzero_si128());
        k += (uint64_t)_mm_cvtsi128_si64(sums) +
             (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums));
    }
    /* The last 16 bytes once more, counting only the ones not counted yet: most spans counted
     * (a record's, from the one before) would otherwise end in a byte-by-byte tail. */
    if (i < n && n >= 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(s + n - 16));
        __m128i hit = what == NEWLINES ? _mm_cmpeq_epi8(x, newline) : _mm_cmplt_epi8(x, limit);
        k += (uint64_t)__builtin_popcount((unsigned)_mm_movemask_epi8(hit) >> (16 - (n - i)));
        i = n;
    }
    *done = i;
    return k;
}

/* The bytes of s[0..16) that are not plain, as bits. */
static unsigned not_plain_sse2(const uchar *s)
{
    __m128i x = _mm_loadu_si128((const __m128i *)s);
    __m128i special =
        _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')));
    special = _mm_or_si128(special, _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1F)), x));
    return (unsigned)(_mm_movemask_epi8(special) | _mm_movemask_epi8(x));
}

/* The bytes of s[0..16) that are not whitespace, as bits. */
static unsigned not_space_sse2(const uchar *s)
{
    __m128i x = _mm_loadu_si128((const __m128i *)s);
    __m128i ws = _mm_or_si128(
        _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')), _mm_cmpeq_epi8(x, _mm_set1_epi8('\n'))),
        _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('\t')),
                     _mm_cmpeq_epi8(x, _mm_set1_epi8('\r'))));
    return ~(unsigned)_mm_movemask_epi8(ws) & 0xFFFF;
}

static size_t plain_sse2(const uchar *s, size_t i, size_t n)
{
    for (; i + 16 <= n; i += 16) {
        unsigned mask = not_plain_sse2(s + i);
        if (mask)
            return i + (size_t)__builtin_ctz(mask);
    }
    return i;
}

static size_t space_sse2(const uchar *s, size_t i, size_t n)
{
    for (; i + 16 <= n; i += 16) {
        unsigned other = not_space_sse2(s + i);
        if (other)
            return i + (size_t)__builtin_ctz(other);
    }
    return i;
}

__attribute__((target("avx2"))) static uint64_t count_avx2(const uchar *s, size_t n, size_t *done,
                                                           byte_class what)
{
    uint64_t k = 0;
    size_t i = 0;
    const __m256i newline = _mm256_set1_epi8('\n'), limit = _mm256_set1_epi8(-64);
    while (i + 32 <= n) {
        __m256i counts = _mm256_setzero_si256();
        size_t end = i + 32 * 255 < n ? i + 32 * 255 : n;
        for (; i + 32 <= end; i += 32) {
            __m256i x = _mm256_loadu_si256((const __m256i *)(s + i));
            counts = _mm256_sub_epi8(counts, what == NEWLINES ? _mm256_cmpeq_epi8(x, newline)
                                                              : _mm256_cmpgt_epi8(limit, x));
        }
        __m256i sums = _mm256_sad_epu8(counts, _mm256_setzero_si256());
        k += (uint64_t)_mm256_extract_epi64(sums, 0) + (uint64_t)_mm256_extract_epi64(sums, 1) +
             (uint64_t)_mm256_extract_epi64(sums, 2) + (uint64_t)_mm256_extract_epi64(sums, 3);
    }
    if (i < n && n >= 32) { /* as in count_sse2() */
        __m256i x = _mm256_loadu_si256((const __m256i *)(s + n - 32));
        __m256i hit =
            what == NEWLINES ? _mm256_cmpeq_epi8(x, newline) : _mm256_cmpgt_epi8(limit, x);
        k += (uint64_t)__builtin_popcount((unsigned)_mm256_movemask_epi8(hit) >> (32 - (n - i)));
        i = n;
    }
    *done = i;
    return k;
}

__attribute__((target("avx2"))) static size_t plain_avx2(const uchar *s, size_t i, size_t n)
{
    const __m256i quote = _mm256_set1_epi8('"');
    const __m256i backslash = _mm256_set1_epi8('\\');
    const __m256i control = _mm256_set1_epi8(0x1F);
    while (i + 32 <= n) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(s + i));
        __m256i special =
            _mm256_or_si256(_mm256_cmpeq_epi8(x, quote), _mm256_cmpeq_epi8(x, backslash));
        special = _mm256_or_si256(special, _mm256_cmpeq_epi8(_mm256_min_epu8(x, control), x));
        unsigned mask = (unsigned)(_mm256_movemask_epi8(special) | _mm256_movemask_epi8(x));
        if (mask)
            return i + (size_t)__builtin_ctz(mask);
        i += 32;
    }
    return i;
}

__attribute__((target("avx2"))) static size_t space_avx2(const uchar *s, size_t i, size_t n)
{
    const __m256i space = _mm256_set1_epi8(' ');
    const __m256i newline = _mm256_set1_epi8('\n');
    const __m256i tab = _mm256_set1_epi8('\t');
    const __m256i cr = _mm256_set1_epi8('\r');
    while (i + 32 <= n) {
        __m256i x = _mm256_loadu_si256((const __m256i *)(s + i));
        __m256i ws = _mm256_or_si256(
            _mm256_or_si256(_mm256_cmpeq_epi8(x, space), _mm256_cmpeq_epi8(x, newline)),
            _mm256_or_si256(_mm256_cmpeq_epi8(x, tab), _mm256_cmpeq_epi8(x, cr)));
        unsigned other = ~(unsigned)_mm256_movemask_epi8(ws);
        if (other)
            return i + (size_t)__builtin_ctz(other);
        i += 32;
    }
    return i;
}
#endif

/* Newlines, or continuation bytes, in s[0..n). */
static uint64_t count_bytes(const uchar *s, size_t n, byte_class what)
{
    size_t done = 0;
    uint64_t k = 0;
#ifdef SIMD_X86
    json_simd l = level();
    if (l == JSON_SIMD_AVX2)
        k = count_avx2(s, n, &done, what);
    else if (l == JSON_SIMD_SSE2)
        k = count_sse2(s, n, &done, what);
#endif
    return k + count_scalar(s, done, n, what);
}

/* Index of the first byte at or after i that is not plain (quote, backslash, control, non-ASCII).
 * The vector forms stop at such a byte or short of the end; the scalar form does the rest. */
static size_t skip_plain(const uchar *s, size_t i, size_t n)
{
#ifdef SIMD_X86
    /* Most runs end in their first 32 bytes (keys in 16, timestamps and names of a few words
     * in 32): two SSE2 blocks here, inline, before the loops (AVX2 code cannot be inlined
     * into code compiled without it). */
    json_simd l = level();
    if (l != JSON_SIMD_SCALAR && i + 16 <= n) {
        unsigned mask = not_plain_sse2(s + i);
        if (mask)
            return i + (size_t)__builtin_ctz(mask);
        i += 16;
        if (i + 16 <= n) {
            if ((mask = not_plain_sse2(s + i)))
                return i + (size_t)__builtin_ctz(mask);
            i += 16;
        }
        i = l == JSON_SIMD_AVX2 ? plain_avx2(s, i, n) : plain_sse2(s, i, n);
    }
#endif
    return plain_scalar(s, i, n);
}

/* Index of the first byte at or after i that is not JSON whitespace. Pretty-printed dumps put
 * a newline and a run of indentation before most tokens: after a first test byte by byte, the
 * run is crossed many bytes at a time. */
static size_t skip_space(const uchar *s, size_t i, size_t n)
{
    if (i >= n)
        return i;
    /* Every byte above ' ' is no whitespace: one compare decides most calls. A ':' is mostly
     * followed by one space, then the value; a newline, by a run of indentation. */
    uchar c = s[i];
    if (c > ' ')
        return i;
    if (c == ' ' && i + 1 < n && s[i + 1] > ' ')
        return i + 1;
#ifdef SIMD_X86
    json_simd l = level();
    if (l != JSON_SIMD_SCALAR && i + 16 <= n) {
        unsigned other = not_space_sse2(s + i);
        if (other)
            return i + (size_t)__builtin_ctz(other);
        i = l == JSON_SIMD_AVX2 ? space_avx2(s, i + 16, n) : space_sse2(s, i + 16, n);
    }
#endif
    return space_scalar(s, i, n);
}

static json_simd best_simd(void)
{
#ifdef SIMD_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? JSON_SIMD_AVX2 : JSON_SIMD_SSE2;
#else
    return JSON_SIMD_SCALAR;
#endif
}

json_simd json_set_simd(json_simd want)
{
    json_simd best = best_simd();
    json_simd l = want == JSON_SIMD_AUTO || want > best ? best : want;
    atomic_store_explicit(&simd_level, l, memory_order_relaxed);
    return l;
}

/* ---- positions ---------------------------------------------------------------------------- */

/* Moves a position over n bytes: lines end at '\n'; a column counts UTF-8 lead bytes since
 * the last one. */
static void count_span(position *at, const uchar *s, size_t n)
{
    uint64_t lines = count_bytes(s, n, NEWLINES);
    size_t from = 0;
    if (lines) {
        from = n;
        while (s[from - 1] != '\n')
            from--;
        at->line += lines;
        at->column = 1;
    }
    at->column += (n - from) - count_bytes(s + from, n - from, CONTINUATIONS);
    at->offset += n;
}

/* The bytes at stream offset `off` still held: in the carry or in the current chunk. */
static const uchar *held_bytes(const json_parser *p, uint64_t off, size_t *avail)
{
    if (off >= p->base && off - p->base <= p->len) {
        *avail = p->len - (size_t)(off - p->base);
        return p->buf + (off - p->base);
    }
    if (p->carry_len && off >= p->carry_off && off - p->carry_off < p->carry_len) {
        *avail = p->carry_len - (size_t)(off - p->carry_off);
        return p->carry + (off - p->carry_off);
    }
    *avail = 0;
    return NULL;
}

static void advance_to(json_parser *p, uint64_t target)
{
    while (p->loc.offset < target) {
        size_t avail;
        const uchar *s = held_bytes(p, p->loc.offset, &avail);
        if (!s || avail == 0)
            return;
        uint64_t want = target - p->loc.offset;
        count_span(&p->loc, s, want < avail ? (size_t)want : avail);
    }
}

void json_locate(json_parser *p, uint64_t offset, uint64_t *line, uint64_t *column)
{
    advance_to(p, offset);
    *line = p->loc.line;
    *column = p->loc.column;
}

/* ---- errors ------------------------------------------------------------------------------- */

static void describe_found(json_parser *p, const uchar *s, size_t avail)
{
    if (!s || avail == 0) {
        snprintf(p->found, sizeof p->found, "end of input");
        return;
    }
    uchar c = s[0];
    if (c >= 0x20 && c < 0x7F) {
        snprintf(p->found, sizeof p->found, "'%c'", c);
        return;
    }
    uint32_t cp = c;
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (len > avail)
        len = 1;
    if (len > 1) {
        cp = c & (0x3F >> (len - 1));
        for (size_t i = 1; i < len; i++) {
            if ((s[i] & 0xC0) != 0x80) {
                len = 1;
                break;
            }
            cp = cp << 6 | (s[i] & 0x3F);
        }
    }
    if (len == 1 && c >= 0x80) {
        snprintf(p->found, sizeof p->found, "byte 0x%02X", c);
        return;
    }
    if (len == 1)
        cp = c;
    /* Characters that sneak into dumps copied from web pages and documents. */
    const char *name = cp == 0xA0                     ? " (no-break space)"
                       : cp == 0xFEFF                 ? " (byte-order mark)"
                       : cp == 0x2026                 ? " (ellipsis)"
                       : cp == 0x201C || cp == 0x201D ? " (curly quote)"
                                                      : "";
    snprintf(p->found, sizeof p->found, "U+%04X%s", (unsigned)cp, name);
}

static json_token fail(json_parser *p, int code, const char *message, uint64_t offset)
{
    if (p->err.code)
        return JSON_ERROR;
    p->err.code = code;
    p->err.message = message;
    p->err.offset = offset;
    size_t avail;
    const uchar *s = held_bytes(p, offset, &avail);
    describe_found(p, s, avail);
    json_locate(p, offset, &p->err.line, &p->err.column);
    return JSON_ERROR;
}

/* ---- buffers ------------------------------------------------------------------------------ */

static bool grow(uchar **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 4096;
    while (n < need)
        n *= 2;
    uchar *b = realloc(*buf, n);
    if (!b)
        return false;
    *buf = b;
    *cap = n;
    return true;
}

/* ---- strings ------------------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates, at most
 * U+10FFFF), 0 if invalid, or -1 if it may be valid but is cut at n. */
static int utf8_length(const uchar *s, size_t n)
{
    uchar c = s[0];
    int len;
    uchar lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < 2)
        return -1;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (int i = 2; i < len; i++) {
        if ((size_t)i >= n)
            return -1;
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    }
    return len;
}

static int hex_value(uchar c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* The 4 hex digits at s as a code unit, or -1. */
static long hex4(const uchar *s)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hex_value(s[i]);
        if (h < 0)
            return -1;
        v = v << 4 | h;
    }
    return v;
}

/* How many of the n bytes at s (at most 6) match "\\uXXXX" before the first that does not. */
static size_t u_escape_prefix(const uchar *s, size_t n)
{
    static const char shape[] = "\\uxxxx";
    size_t i = 0;
    while (i < n && i < 6 && (shape[i] == 'x' ? hex_value(s[i]) >= 0 : s[i] == (uchar)shape[i]))
        i++;
    return i;
}

static size_t put_utf8(uchar *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (uchar)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (uchar)(0xC0 | cp >> 6);
        o[1] = (uchar)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (uchar)(0xE0 | cp >> 12);
        o[1] = (uchar)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (uchar)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (uchar)(0xF0 | cp >> 18);
    o[1] = (uchar)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (uchar)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (uchar)(0x80 | (cp & 0x3F));
    return 4;
}

/* The byte a one-letter escape ("\\n" and the like) stands for; 0 for "\\u" and invalid ones. */
static uchar simple_escape(uchar e)
{
    return e == '"'    ? '"'
           : e == '\\' ? '\\'
           : e == '/'  ? '/'
           : e == 'b'  ? '\b'
           : e == 'f'  ? '\f'
           : e == 'n'  ? '\n'
           : e == 'r'  ? '\r'
           : e == 't'  ? '\t'
                       : 0;
}

typedef struct {
    json_parser *p;
    const uchar *s; /* the token, from its opening quote */
    size_t n;       /* bytes available */
    uint64_t off;   /* stream offset of s[0] */
    size_t used;    /* on LEX_OK: bytes of the token, quotes included */
    lex_result why; /* set with fail_lex */
} lexer;

static lex_result lex_fail(lexer *lx, int code, const char *message, size_t at)
{
    fail(lx->p, code, message, lx->off + at);
    return LEX_ERR;
}

/* Decodes escapes (and, when repairing, invalid UTF-8) from s[i], after the plain prefix
 * s[1..i) has been copied to p->text. Each step writes at most 4 bytes per input byte
 * consumed or less (an escape of 6 or 12 bytes writes 1 to 4; a bad byte writes 3). */
static lex_result lex_string_slow(lexer *lx, size_t i, json_value *v)
{
    json_parser *p = lx->p;
    const uchar *s = lx->s;
    size_t n = lx->n;
    size_t o = i - 1;
    bool repaired = false;
    for (;;) {
        size_t j = skip_plain(s, i, n);
        if (!grow(&p->text, &p->text_cap, o + (j - i) + 8))
            return lex_fail(lx, JSON_ERR_NOMEM, "out of memory", i);
        memcpy(p->text + o, s + i, j - i);
        o += j - i;
        i = j;
        if (o > SQ_MAX_STRING)
            return lex_fail(lx, JSON_ERR_TOO_LONG, "string longer than the 64 MiB limit", 0);
        if (i >= n)
            return LEX_MORE;
        uchar c = s[i];
        if (c == '"') {
            lx->used = i + 1;
            v->p = (const char *)p->text;
            v->n = o;
            v->repaired = repaired;
            return LEX_OK;
        }
        if (c == '\\') {
            if (i + 1 >= n)
                return LEX_MORE;
            uchar e = s[i + 1];
            uchar simple = simple_escape(e);
            if (simple) {
                p->text[o++] = simple;
                i += 2;
                continue;
            }
            if (e != 'u')
                return lex_fail(
                    lx, JSON_ERR_SYNTAX,
                    "invalid escape in string: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX",
                    i + 1);
            size_t bad = u_escape_prefix(s + i, n - i);
            if (bad < 6 && i + bad < n)
                return lex_fail(lx, JSON_ERR_SYNTAX, "invalid \\u escape: expected 4 hex digits",
                                i + bad);
            if (i + 6 > n)
                return LEX_MORE;
            long u = hex4(s + i + 2);
            i += 6;
            uint32_t cp = (uint32_t)u;
            if (u >= 0xD800 && u <= 0xDBFF) {
                /* A high surrogate: whether a low one follows may be in the next chunk. */
                if (i + 6 > n && i + u_escape_prefix(s + i, n - i) == n)
                    return LEX_MORE;
                long lo = (i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u') ? hex4(s + i + 2) : -1;
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + (((uint32_t)u - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                    i += 6;
                } else {
                    cp = 0xFFFD;
                    repaired = true;
                }
            } else if (u >= 0xDC00 && u <= 0xDFFF) {
                cp = 0xFFFD;
                repaired = true;
            }
            o += put_utf8(p->text + o, cp);
            continue;
        }
        if (c < 0x20)
            return lex_fail(lx, JSON_ERR_SYNTAX,
                            "control character in string: it must be written as an escape", i);
        int len = utf8_length(s + i, n - i);
        if (len < 0)
            return LEX_MORE;
        if (len > 0) {
            memcpy(p->text + o, s + i, (size_t)len);
            o += (size_t)len;
            i += (size_t)len;
            continue;
        }
        if (!(p->flags & JSON_REPAIR_UTF8))
            return lex_fail(lx, JSON_ERR_UTF8, "invalid UTF-8 in string", i);
        o += put_utf8(p->text + o, 0xFFFD);
        repaired = true;
        i++;
    }
}

/* A string token at lx->s[0] == '"'. Plain strings point into the input; others are decoded. */
static lex_result lex_string(lexer *lx, json_value *v)
{
    const uchar *s = lx->s;
    size_t n = lx->n;
    size_t i = 1;
    for (;;) {
        i = skip_plain(s, i, n);
        if (i >= n)
            return LEX_MORE;
        if (s[i] == '"') {
            lx->used = i + 1;
            v->p = (const char *)s + 1;
            v->n = i - 1;
            v->repaired = false;
            return LEX_OK;
        }
        if (s[i] >= 0x80) {
            int len = utf8_length(s + i, n - i);
            if (len < 0)
                return LEX_MORE;
            if (len > 0) {
                i += (size_t)len;
                continue;
            }
        }
        break;
    }
    if (!grow(&lx->p->text, &lx->p->text_cap, i + 8))
        return lex_fail(lx, JSON_ERR_NOMEM, "out of memory", i);
    memcpy(lx->p->text, s + 1, i - 1);
    return lex_string_slow(lx, i, v);
}

/* ---- numbers and literals ----------------------------------------------------------------- */

static size_t skip_digits(const uchar *s, size_t i, size_t n)
{
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

static bool is_digit_at(const uchar *s, size_t i, size_t n)
{
    return i < n && s[i] >= '0' && s[i] <= '9';
}

/* Checks the RFC 8259 number grammar on a whole run of number characters. */
static lex_result check_number(lexer *lx, json_value *v)
{
    const uchar *s = lx->s;
    size_t n = lx->used;
    size_t i = 0;
    const char *digit = "invalid number: expected a digit";
    if (s[i] == '-')
        i++;
    if (!is_digit_at(s, i, n))
        return lex_fail(lx, JSON_ERR_SYNTAX, digit, i);
    if (s[i] == '0') {
        i++;
        if (is_digit_at(s, i, n))
            return lex_fail(lx, JSON_ERR_SYNTAX, "invalid number: no leading zeros", i);
    } else
        i = skip_digits(s, i, n);
    v->integer = true;
    if (i < n && s[i] == '.') {
        i++;
        if (!is_digit_at(s, i, n))
            return lex_fail(lx, JSON_ERR_SYNTAX, "invalid number: expected a digit after '.'", i);
        i = skip_digits(s, i, n);
        v->integer = false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (!is_digit_at(s, i, n))
            return lex_fail(lx, JSON_ERR_SYNTAX, "invalid number: expected a digit in the exponent",
                            i);
        i = skip_digits(s, i, n);
        v->integer = false;
    }
    if (i != n)
        return lex_fail(lx, JSON_ERR_SYNTAX, "invalid number", i);
    v->p = (const char *)s;
    v->n = n;
    return LEX_OK;
}

static size_t skip_letters(const uchar *s, size_t i, size_t n)
{
    while (i < n && s[i] >= 'a' && s[i] <= 'z')
        i++;
    return i;
}

/* ---- the grammar ------------------------------------------------------------------------- */

static json_token push(json_parser *p, uchar is_object, uint64_t off)
{
    if (p->depth >= SQ_MAX_DEPTH)
        return fail(p, JSON_ERR_DEPTH, "nesting deeper than the limit of 512 levels", off);
    p->stack[p->depth++] = is_object;
    p->want = is_object ? X_KEY_OR_END : X_VALUE_OR_END;
    return is_object ? JSON_OBJECT_BEGIN : JSON_ARRAY_BEGIN;
}

/* The separator that most often follows at once (a value's ',', a key's ':') is taken as soon
 * as its token ends: the next token then starts without a round through next_token()'s loop for
 * the separator alone. Where it is not there yet (space, the end of the chunk), the loop takes
 * it as before, so chunking cannot change the tokens. */
static bool take_byte(json_parser *p, uchar c)
{
    if (p->pos < p->len && p->buf[p->pos] == c) {
        p->pos++;
        return true;
    }
    return false;
}

/* What a ',' inside the current container leads to. */
static expect after_comma(const json_parser *p) { return p->stack[p->depth - 1] ? X_KEY : X_VALUE; }

static void value_done(json_parser *p)
{
    if (!p->depth) {
        p->want = X_DOC_END;
        p->seen_document = true;
    } else if (take_byte(p, ',')) {
        p->want = after_comma(p);
    } else {
        p->want = X_COMMA_OR_END;
    }
}

static json_token pop(json_parser *p)
{
    json_token t = p->stack[--p->depth] ? JSON_OBJECT_END : JSON_ARRAY_END;
    value_done(p);
    return t;
}

/* A string was read: an object key where one was expected, else a value. */
static json_token string_done(json_parser *p)
{
    if (p->want == X_KEY || p->want == X_KEY_OR_END) {
        p->want = take_byte(p, ':') ? X_VALUE : X_COLON;
        return JSON_KEY;
    }
    value_done(p);
    return JSON_STRING;
}

/* Turns a whole scalar token (at lx->s, lx->used bytes) into its token. */
static json_token finish_scalar(json_parser *p, partial_kind kind, lexer *lx, json_value *v)
{
    if (kind == P_STRING)
        return string_done(p);
    if (kind == P_NUMBER) {
        if (check_number(lx, v) != LEX_OK)
            return JSON_ERROR;
        value_done(p);
        return JSON_NUMBER;
    }
    const uchar *s = lx->s;
    size_t n = lx->used;
    json_token t = n == 4 && !memcmp(s, "true", 4)    ? JSON_TRUE
                   : n == 5 && !memcmp(s, "false", 5) ? JSON_FALSE
                   : n == 4 && !memcmp(s, "null", 4)  ? JSON_NULL
                                                      : JSON_ERROR;
    if (t == JSON_ERROR)
        return fail(p, JSON_ERR_SYNTAX, MSG_VALUE, lx->off);
    value_done(p);
    return t;
}

/* Keeps the unfinished token s[0..n) for the next chunk. */
static json_token start_carry(json_parser *p, partial_kind kind, const uchar *s, size_t n,
                              uint64_t off)
{
    /* The carry may still hold the last carried token, whose lines are not counted yet: count
     * them before they are overwritten (the token's own position had to stay askable). */
    advance_to(p, p->base);
    if (!grow(&p->carry, &p->carry_cap, n))
        return fail(p, JSON_ERR_NOMEM, "out of memory", off);
    memcpy(p->carry, s, n);
    p->carry_len = n;
    p->carry_off = off;
    p->partial = kind;
    p->carry_escaped = false;
    if (kind == P_STRING)
        for (size_t i = 1; i < n; i++)
            p->carry_escaped = s[i] == '\\' && !p->carry_escaped;
    p->pos = p->len;
    return JSON_NEED_MORE;
}

/* Lexes the scalar starting at the current position; `kind` says which. Out of line: inlined,
 * it made lex_value() too big to be inlined into the token loop, and every value paid for
 * saving the registers it needs (7% more instructions in all). */
__attribute__((noinline)) static json_token lex_scalar(json_parser *p, partial_kind kind,
                                                       json_value *v)
{
    const uchar *s = p->buf + p->pos;
    size_t n = p->len - p->pos;
    uint64_t off = p->base + p->pos;
    lexer lx = {p, s, n, off, 0, LEX_OK};
    v->offset = off;
    lex_result r;
    if (kind == P_STRING)
        r = lex_string(&lx, v);
    else {
        size_t end = kind == P_NUMBER ? 1 : skip_letters(s, 1, n);
        while (kind == P_NUMBER && end < n && is_numeric(s[end]))
            end++;
        lx.used = end;
        r = end == n && !p->finished ? LEX_MORE : LEX_OK;
    }
    if (r == LEX_ERR)
        return JSON_ERROR;
    if (r == LEX_MORE) {
        if (p->finished)
            return fail(p, JSON_ERR_TRUNCATED, "unexpected end of input inside a string",
                        p->base + p->len);
        return start_carry(p, kind, s, n, off);
    }
    p->pos += lx.used;
    return finish_scalar(p, kind, &lx, v);
}

/* Escapes a string may have for escaped_string() to decode it. */
#define FEW_ESCAPES 8

/* A string whose first escape is at s[i] (s: the token, from its quote), when it is plain ASCII
 * with up to FEW_ESCAPES one-letter escapes and ends in this chunk, as in "CORP\\admin": its
 * end is found first, then it is decoded into p->text in one pass. Anything else goes through
 * lex_scalar(), which decodes the same strings to the same bytes, only slower. */
__attribute__((noinline)) static json_token escaped_string(json_parser *p, json_value *v, size_t i)
{
    const uchar *s = p->buf + p->pos;
    size_t n = p->len - p->pos, at[FEW_ESCAPES], k = 0;
    uchar byte[FEW_ESCAPES]; /* what the escape at at[e] stands for */
    for (;;) {
        if (k == FEW_ESCAPES || i + 1 >= n || !(byte[k] = simple_escape(s[i + 1])))
            return lex_scalar(p, P_STRING, v);
        at[k++] = i;
        i = skip_plain(s, i + 2, n);
        if (i < n && s[i] == '"')
            break;
        if (i == n || s[i] != '\\')
            return lex_scalar(p, P_STRING, v);
    }
    /* Decoded, the string is shorter than the i - 1 bytes between its quotes. */
    if (i - 1 > SQ_MAX_STRING || !grow(&p->text, &p->text_cap, i))
        return lex_scalar(p, P_STRING, v);
    size_t from = 1, o = 0;
    for (size_t e = 0; e < k; e++) {
        sq_copy_bytes(p->text + o, s + from, at[e] - from);
        o += at[e] - from;
        p->text[o++] = byte[e];
        from = at[e] + 2;
    }
    sq_copy_bytes(p->text + o, s + from, i - from);
    o += i - from;
    v->offset = p->base + p->pos;
    v->p = (const char *)p->text;
    v->n = o;
    v->repaired = false;
    p->pos += i + 1;
    return string_done(p);
}

/* A string at the current position: most are plain ASCII and end in this chunk, and are told at
 * once; the rest go through lex_scalar(). */
static json_token string_token(json_parser *p, json_value *v)
{
    const uchar *s = p->buf + p->pos;
    size_t n = p->len - p->pos;
    size_t i = skip_plain(s, 1, n);
    if (i == n || s[i] != '"')
        return i < n && s[i] == '\\' ? escaped_string(p, v, i) : lex_scalar(p, P_STRING, v);
    v->offset = p->base + p->pos;
    v->p = (const char *)s + 1;
    v->n = i - 1;
    v->repaired = false;
    p->pos += i + 1;
    return string_done(p);
}

/* Where the string in the carry ends in s[0..n): index after its closing quote, or n + 1. */
static size_t find_string_end(json_parser *p, const uchar *s, size_t n)
{
    bool escaped = p->carry_escaped;
    for (size_t i = 0; i < n; i++) {
        if (escaped)
            escaped = false;
        else if (s[i] == '\\')
            escaped = true;
        else if (s[i] == '"')
            return i + 1;
    }
    p->carry_escaped = escaped;
    return n + 1;
}

/* The input ends inside the carried string. An error inside it comes first, as it would have
 * if the whole string had been in one chunk. */
static json_token unclosed_string(json_parser *p, json_value *v)
{
    lexer lx = {p, p->carry, p->carry_len, p->carry_off, 0, LEX_OK};
    if (lex_string(&lx, v) == LEX_ERR)
        return JSON_ERROR;
    return fail(p, JSON_ERR_TRUNCATED, "unexpected end of input inside a string", p->base + p->len);
}

/* Goes on with the token cut by the previous chunk; lexes it when whole. */
static json_token resume_carry(json_parser *p, json_value *v)
{
    const uchar *s = p->buf + p->pos;
    size_t n = p->len - p->pos;
    size_t take;
    bool whole;
    if (p->partial == P_STRING) {
        size_t end = find_string_end(p, s, n);
        whole = end <= n;
        take = whole ? end : n;
    } else {
        take = 0;
        if (p->partial == P_NUMBER)
            while (take < n && is_numeric(s[take]))
                take++;
        else
            take = skip_letters(s, 0, n);
        whole = take < n || p->finished;
    }
    if (p->carry_len + take > (size_t)SQ_MAX_STRING + 2)
        return fail(p, JSON_ERR_TOO_LONG, "string or number longer than the 64 MiB limit",
                    p->carry_off);
    if (!grow(&p->carry, &p->carry_cap, p->carry_len + take))
        return fail(p, JSON_ERR_NOMEM, "out of memory", p->carry_off);
    memcpy(p->carry + p->carry_len, s, take);
    p->carry_len += take;
    p->pos += take;
    if (!whole) {
        if (p->finished)
            return unclosed_string(p, v);
        return JSON_NEED_MORE;
    }
    partial_kind kind = p->partial;
    p->partial = P_NONE;
    lexer lx = {p, p->carry, p->carry_len, p->carry_off, p->carry_len, LEX_OK};
    v->offset = p->carry_off;
    if (kind == P_STRING) {
        lex_result r = lex_string(&lx, v);
        if (r == LEX_MORE)
            return fail(p, JSON_ERR_SYNTAX, "invalid escape in string", p->carry_off);
        if (r == LEX_ERR)
            return JSON_ERROR;
    }
    return finish_scalar(p, kind, &lx, v);
}

static json_token unexpected_end(json_parser *p)
{
    uint64_t end = p->base + p->len;
    switch (p->want) {
    case X_DOC_END:
        return JSON_END;
    case X_VALUE:
        if (!p->depth && p->seen_document)
            return JSON_END;
        if (!p->depth)
            return fail(p, JSON_ERR_EMPTY, "no JSON document: expected a value", end);
        return fail(p, JSON_ERR_TRUNCATED, "unexpected end of input: expected a value", end);
    case X_VALUE_OR_END:
        return fail(p, JSON_ERR_TRUNCATED, "unexpected end of input: expected a value or ']'", end);
    case X_KEY_OR_END:
        return fail(p, JSON_ERR_TRUNCATED, "unexpected end of input: expected an object key or '}'",
                    end);
    case X_KEY:
        return fail(p, JSON_ERR_TRUNCATED, "unexpected end of input: expected an object key", end);
    case X_COLON:
        return fail(p, JSON_ERR_TRUNCATED, "unexpected end of input: expected ':'", end);
    case X_COMMA_OR_END:
        return fail(p, JSON_ERR_TRUNCATED,
                    p->stack[p->depth - 1] ? "unexpected end of input: expected ',' or '}'"
                                           : "unexpected end of input: expected ',' or ']'",
                    end);
    }
    return JSON_ERROR;
}

static json_token lex_value(json_parser *p, uchar c, json_value *v)
{
    uint64_t off = p->base + p->pos;
    if (c == '{' || c == '[') {
        p->pos++;
        v->offset = off;
        return push(p, c == '{', off);
    }
    if (c == '"')
        return string_token(p, v);
    if (c == '-' || (c >= '0' && c <= '9'))
        return lex_scalar(p, P_NUMBER, v);
    if (c >= 'a' && c <= 'z')
        return lex_scalar(p, P_LITERAL, v);
    return fail(p, JSON_ERR_SYNTAX, MSG_VALUE, off);
}

static json_token after_value(json_parser *p, uchar c, json_value *v)
{
    uint64_t off = p->base + p->pos;
    bool in_object = p->stack[p->depth - 1];
    v->offset = off;
    if (c == ',') {
        p->pos++;
        p->want = after_comma(p);
        return JSON_NEED_MORE; /* no token: the caller goes on */
    }
    if (c == (in_object ? '}' : ']')) {
        p->pos++;
        return pop(p);
    }
    return fail(p, JSON_ERR_SYNTAX, in_object ? MSG_OBJECT_NEXT : MSG_ARRAY_NEXT, off);
}

static json_token next_token(json_parser *p, json_value *v)
{
    /* An error and a token cut by the chunk's end are both rare: one test for the two (with
     * ||, each cost a branch of its own on every token). */
    if (p->err.code | (int)p->partial) {
        if (p->err.code)
            return JSON_ERROR;
        json_token t = resume_carry(p, v);
        if (t != JSON_NEED_MORE || p->pos < p->len)
            return t;
    }
    for (;;) {
        const uchar *b = p->buf;
        size_t pos = skip_space(b, p->pos, p->len), len = p->len;
        p->pos = pos;
        if (pos == len)
            return p->finished ? unexpected_end(p) : JSON_NEED_MORE;
        uchar c = b[pos];
        uint64_t off = p->base + pos;
        v->offset = off;
        /* Most tokens are a value after ':' or a key after ',': two compares take them, where
         * the switch's indirect jump for every token cost 3% of all instructions. */
        expect want = p->want;
        if (want == X_VALUE)
            return lex_value(p, c, v);
        if (want == X_KEY)
            return c == '"' ? string_token(p, v) : fail(p, JSON_ERR_SYNTAX, MSG_KEY, off);
        switch (want) {
        case X_VALUE_OR_END:
            if (c == ']') {
                p->pos++;
                return pop(p);
            }
            return lex_value(p, c, v);
        case X_KEY_OR_END:
            if (c == '}') {
                p->pos++;
                return pop(p);
            }
            if (c != '"')
                return fail(p, JSON_ERR_SYNTAX, MSG_KEY_OR_END, off);
            return string_token(p, v);
        case X_COLON:
            if (c != ':')
                return fail(p, JSON_ERR_SYNTAX, MSG_COLON, off);
            p->pos++;
            p->want = X_VALUE;
            continue;
        case X_COMMA_OR_END: {
            json_token t = after_value(p, c, v);
            if (t != JSON_NEED_MORE)
                return t;
            continue;
        }
        default: /* X_DOC_END (X_VALUE and X_KEY are taken above) */
            if (!(p->flags & JSON_MULTI))
                return fail(p, JSON_ERR_SYNTAX, MSG_AFTER_DOC, off);
            p->want = X_VALUE;
            return lex_value(p, c, v);
        }
    }
}

bool json_between_elements(const json_parser *p, size_t depth)
{
    return !p->err.code && !p->partial && p->pos == p->len && p->want == X_VALUE &&
           p->depth == depth && depth > 0 && p->stack[depth - 1] == 0;
}

void json_start_between(json_parser *p, const json_parser *model, uint64_t offset)
{
    json_reset(p);
    memcpy(p->stack, model->stack, model->depth);
    p->depth = model->depth;
    p->want = X_VALUE;
    p->seen_document = true;
    p->base = offset;
    p->loc = (position){offset, 1, 1};
}

void json_skip_elements(json_parser *p, uint64_t offset, uint64_t line, uint64_t column)
{
    p->want = X_COMMA_OR_END;
    p->buf = (const uchar *)"";
    p->len = p->pos = 0;
    p->base = offset;
    p->loc = (position){offset, line, column};
}

size_t json_guess_element(const char *buf, size_t n, const char *key, size_t key_len)
{
    const uchar *s = (const uchar *)buf;
    size_t first = n;
    for (const uchar *q = memchr(s, '}', n); q; q = memchr(q + 1, '}', n - (size_t)(q + 1 - s))) {
        size_t i = skip_space(s, (size_t)(q - s) + 1, n);
        if (i == n || s[i] != ',')
            continue;
        i = skip_space(s, i + 1, n);
        if (i == n || s[i] != '{')
            continue;
        size_t k = skip_space(s, i + 1, n);
        /* Records write their keys in one order; nested objects and text seldom start so. */
        if (key_len && k + key_len + 2 <= n && s[k] == '"' && !memcmp(s + k + 1, key, key_len) &&
            s[k + key_len + 1] == '"')
            return i;
        if (first == n)
            first = i;
        if (!key_len)
            break;
    }
    return first;
}

void json_position(const json_parser *p, uint64_t *line, uint64_t *column)
{
    *line = p->loc.line;
    *column = p->loc.column;
}

json_token json_next(json_parser *p, json_value *v)
{
    json_token t = next_token(p, v);
    /* The caller may reuse the chunk once told JSON_NEED_MORE: count its lines now (all but
     * what the carry holds), so that positions survive it. */
    if (t == JSON_NEED_MORE) {
        advance_to(p, p->partial ? p->carry_off : p->base + p->len);
        p->base += p->len;
        p->buf = (const uchar *)"";
        p->len = p->pos = 0;
    }
    return t;
}

void json_feed(json_parser *p, const char *buf, size_t len)
{
    p->buf = (const uchar *)buf;
    p->len = len;
    p->pos = 0;
}

void json_finish(json_parser *p) { p->finished = true; }
