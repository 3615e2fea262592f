/* sessq.h: what every module shares: version, exit statuses, limits, the error value. */
#ifndef SESSQ_H
#define SESSQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SESSQ_VERSION "0.1.0"

/* Exit statuses (the contract's "Exit status"); only cmd_*.c and main.c turn errors into these. */
typedef enum {
    SQ_EXIT_OK = 0,
    SQ_EXIT_FINDINGS = 1,  /* check found problems, diff found differences */
    SQ_EXIT_USAGE = 64,    /* bad option, pattern or expression (EX_USAGE) */
    SQ_EXIT_DATA = 65,     /* invalid JSON, unknown shape (EX_DATAERR) */
    SQ_EXIT_NOINPUT = 66,  /* an input cannot be opened (EX_NOINPUT) */
    SQ_EXIT_SOFTWARE = 70, /* out of memory, internal error (EX_SOFTWARE) */
    SQ_EXIT_IOERR = 74     /* output could not be written (EX_IOERR) */
} sq_exit;

/* Limits, documented in --help and the README. */
#define SQ_MAX_DEPTH 512           /* JSON nesting levels */
#define SQ_MAX_STRING (64u << 20)  /* bytes in one JSON string or number, after decoding */
#ifndef SQ_CHUNK_SIZE              /* the fuzz build makes it tiny, to cut tokens everywhere */
#define SQ_CHUNK_SIZE (256u << 10) /* bytes handed to the parser per read */
#endif

/* An error as a value: what went wrong, and where in the decoded byte stream. The message is a
 * static string; `offset` is a byte offset, `line` and `column` (1-based, column in characters)
 * are filled by whoever knows the stream (0 when not known). */
typedef struct {
    int code;            /* module-specific, 0 = no error */
    const char *message; /* static text; never freed */
    uint64_t offset;
    uint64_t line;
    uint64_t column;
    int sys_errno;      /* errno of a failed system call, else 0 */
    int cause;          /* when a module passes on an error of the one below it: that error's
                            own code (shape's SHP_ERR_INPUT keeps input's IN_ERR_* here) */
    const char *detail; /* what was found there ("'.'"), or NULL; owned by the producer and
                            valid until its next call */
} sq_error;

/* Moves a place counted from line 1, column 1 at some point of a stream to one counted from
 * the stream's start, where that point stood at `line`, `column`. A place of 0, 0 (not known)
 * stays so. */
static inline void sq_move_place(uint64_t *l, uint64_t *c, uint64_t line, uint64_t column)
{
    if (*l == 0)
        return;
    if (*l == 1)
        *c += column - 1;
    *l += line - 1;
}

/* The n < 8 bytes at s as the low bytes of a word, as memcpy() into a zeroed word would put them
 * on a little-endian machine, from overlapping loads instead of a copy of variable length. */
static inline uint64_t sq_tail_word(const unsigned char *s, size_t n)
{
    if (n >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, s, 4);
        memcpy(&hi, s + (n - 4), 4);
        return (uint64_t)lo | (uint64_t)hi << (8 * (n - 4));
    }
    if (n == 0)
        return 0;
    return (uint64_t)s[0] | (uint64_t)s[n / 2] << (8 * (n / 2)) |
           (uint64_t)s[n - 1] << (8 * (n - 1));
}

/* Folds p[0..n) into h, 8 bytes at a time: the one hash of the in-memory indexes (the table's
 * text and rows, stats' groups, paging's page contents). Not mixed: a caller taking low bits
 * for slots mixes the result with sq_mix(). Never stored anywhere, so it may change between
 * versions. */
static inline uint64_t sq_hash(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (; n >= 8; s += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0x100000001B3ULL;
        h ^= h >> 29;
    }
    return h ^ sq_tail_word(s, n);
}

/* Whether a[0..n) and b[0..n) hold the same bytes: for the short keys and values compared on
 * every record, where a call to memcmp() costs more than the compare. Reads only inside both. */
static inline bool sq_same_bytes(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    uint64_t u, v;
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(&u, x + i, 8);
            memcpy(&v, y + i, 8);
            if (u != v)
                return false;
        }
        memcpy(&u, x + (n - 8), 8);
        memcpy(&v, y + (n - 8), 8);
        return u == v;
    }
    if (n >= 4) {
        uint32_t p, q, r, s;
        memcpy(&p, x, 4);
        memcpy(&q, y, 4);
        memcpy(&r, x + (n - 4), 4);
        memcpy(&s, y + (n - 4), 4);
        return p == q && r == s;
    }
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return false;
    return true;
}

/* Copies w bytes (4 or 8, a constant) from s to d through a register. */
static inline void sq_move_word(unsigned char *d, const unsigned char *s, size_t w)
{
    unsigned char word[8];
    memcpy(word, s, w);
    memcpy(d, word, w);
}

/* memcpy() for the short values of every record: words from both ends, overlapping in the
 * middle, where the copy a compiler inlines for a length it cannot see runs a loop. d and s
 * must not overlap. */
static inline void sq_copy_bytes(void *d, const void *s, size_t n)
{
    unsigned char *to = d;
    const unsigned char *from = s;
    if (n > 64) {
        memcpy(to, from, n);
    } else if (n >= 16) {
        sq_move_word(to, from, 8);
        sq_move_word(to + 8, from + 8, 8);
        sq_move_word(to + n - 16, from + n - 16, 8);
        sq_move_word(to + n - 8, from + n - 8, 8);
        if (n > 32) {
            sq_move_word(to + 16, from + 16, 8);
            sq_move_word(to + 24, from + 24, 8);
            sq_move_word(to + n - 32, from + n - 32, 8);
            sq_move_word(to + n - 24, from + n - 24, 8);
        }
    } else if (n >= 8) {
        sq_move_word(to, from, 8);
        sq_move_word(to + n - 8, from + n - 8, 8);
    } else if (n >= 4) {
        sq_move_word(to, from, 4);
        sq_move_word(to + n - 4, from + n - 4, 4);
    } else if (n) {
        to[0] = from[0];
        to[n / 2] = from[n / 2];
        to[n - 1] = from[n - 1];
    }
}

/* Spreads every bit of h over all the others (MurmurHash3's finalizer), so that the low bits of
 * an sq_hash() can pick a slot. */
static inline uint64_t sq_mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

#endif
