/* output.c: writes rows of typed values as table, csv, json, ndjson or md.
 *
 * Every byte is gathered in one buffer the writer owns and handed to stdio in large blocks, so
 * that escaping a cell costs memory copies, not a stdio call per byte. A failure is sticky: once
 * a write fails or memory runs out, nothing more is written and every later call reports it. */
#include "output.h"

#include <csv.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Large enough that stdio sees few calls, small enough to stay in L2 (PERF-NOTES). */
#define OUT_BUFSZ ((size_t)1 << 16)
/* "%.1f" of DBL_MAX: a sign, 309 digits, ".0" and the NUL. */
#define CELL_BUFSZ 320
/* A table column never shrinks below this many characters (nor below its header). */
#define MIN_FIT_WIDTH 8
#define ELLIPSIS "\xe2\x80\xa6" /* U+2026, one display character */

struct buf {
    char *p;
    size_t len, cap;
};

/* One kept table cell: its text is already what the terminal shows, before fitting. */
struct cell {
    size_t off;     /* in the writer's text arena */
    uint32_t len;   /* bytes */
    uint32_t width; /* code points */
    bool right;     /* numbers are right-aligned */
    uint8_t paint;  /* index into paints[] */
};

/* The colours a table cell may have; 0: none. */
enum { PAINT_NONE, PAINT_HEADER, PAINT_NULL, PAINT_STATUS };

struct col {
    size_t width;
    bool text;   /* holds text, so it may be shrunk to fit */
    bool status; /* "status" or "severity": its words are coloured */
};

struct out_writer {
    out_format fmt;
    FILE *fp;
    const char *const *names;
    char *keys;      /* json, ndjson: each column's `{"name":` or `,"name":`, escaped once */
    size_t *key_end; /* where each column's key ends in keys */
    size_t ncols;
    out_options opt;
    int err;        /* errno of the first failure, 0 while all is well */
    bool begun;     /* csv, md: the header is written */
    size_t nrows;   /* rows written (or kept, for table); a part's count from its first */
    bool part;      /* out_new_part(): keeps every byte, has no stream */
    size_t first;   /* a part: the row its first row is in the whole output */
    struct buf out; /* bytes not yet handed to fp */
    /* table only: the header, then the rows, kept until out_finish() */
    struct buf text;  /* the cells' text */
    struct buf cells; /* struct cell, ncols per line */
    struct col *cols;
    const char *note; /* table only: a line written after it */
};

/* Makes room for `extra` more bytes past b->len, growing in doubling steps. */
static int buf_reserve(struct buf *b, size_t extra)
{
    if (b->cap - b->len >= extra)
        return 0;
    if (extra > SIZE_MAX - b->len) {
        errno = ENOMEM;
        return -1;
    }
    size_t need = b->len + extra;
    size_t cap = b->cap > 0 ? b->cap : OUT_BUFSZ;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    char *p = realloc(b->p, cap);
    if (p == NULL) {
        errno = ENOMEM;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

static void hand_over(out_writer *w, const void *p, size_t n)
{
    if (w->err != 0 || n == 0)
        return;
    errno = 0;
    if (fwrite(p, 1, n, w->fp) != n)
        w->err = errno != 0 ? errno : EIO;
}

/* After a failure the buffered bytes are dropped: the output is broken anyway. A part keeps
 * them for out_add_part(). */
static void flush_out(out_writer *w)
{
    if (w->part)
        return;
    hand_over(w, w->out.p, w->out.len);
    w->out.len = 0;
}

static void put_slow(out_writer *w, const void *p, size_t n)
{
    if (w->part) {
        if (buf_reserve(&w->out, n) < 0) {
            if (w->err == 0)
                w->err = ENOMEM;
            return;
        }
        memcpy(w->out.p + w->out.len, p, n);
        w->out.len += n;
        return;
    }
    flush_out(w);
    if (n > w->out.cap) {
        hand_over(w, p, n);
        return;
    }
    memcpy(w->out.p, p, n);
    w->out.len = n;
}

/* Most pieces are a few bytes (a quote, a comma, a key): copied inline, not through a call. */
static inline void put(out_writer *w, const void *p, size_t n)
{
    if (w->out.cap - w->out.len < n) {
        put_slow(w, p, n);
        return;
    }
    char *d = w->out.p + w->out.len;
    const char *s = p;
    if (n <= 8) {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    } else {
        memcpy(d, s, n);
    }
    w->out.len += n;
}

static void put_str(out_writer *w, const char *s) { put(w, s, strlen(s)); }

static void put_spaces(out_writer *w, size_t n)
{
    static const char spaces[] = "                ";
    for (size_t k; n > 0; n -= k) {
        k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        put(w, spaces, k);
    }
}

/* Makes `n` contiguous bytes free in the output buffer, for text written or trimmed in place. */
static int out_reserve(out_writer *w, size_t n)
{
    if (w->out.cap - w->out.len >= n)
        return 0;
    flush_out(w);
    return buf_reserve(&w->out, n);
}

static int fail(out_writer *w, int err)
{
    if (w->err == 0)
        w->err = err;
    errno = w->err;
    return -1;
}

/* The stream's own error flag also counts: stdio may have failed inside a call that has no
 * return value to tell. */
static int status(out_writer *w)
{
    if (w->err == 0 && w->fp && ferror(w->fp))
        w->err = EIO;
    return w->err != 0 ? fail(w, w->err) : 0;
}

/* SES_NULL in an integer kind and a non-finite real are nulls too: JSON and CSV have no way to
 * write them, and a text without bytes behind it is the model's null slice. */
static bool is_null(const sq_value *v)
{
    switch (v->kind) {
    case SQ_TEXT:
        return v->text == NULL;
    case SQ_INT:
    case SQ_TIME:
    case SQ_SECONDS:
        return v->i == SES_NULL;
    case SQ_REAL:
    case SQ_RATIO:
        return !isfinite(v->r);
    default:
        return true;
    }
}

/* An integer in decimal, as "%" PRId64 writes it, without stdio's format parsing: a list
 * writes one or more per row. buf holds at least 21 bytes. */
static size_t format_int(int64_t i, char *buf)
{
    char digits[20];
    size_t n = 0, len = 0;
    uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
    do
        digits[n++] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (i < 0)
        buf[len++] = '-';
    while (n > 0)
        buf[len++] = digits[--n];
    buf[len] = '\0';
    return len;
}

/* The shortest of %.15g, %.16g and %.17g that reads back as the same double. */
static size_t format_real(double r, char *buf, size_t size)
{
    for (int prec = 15; prec < 17; prec++) {
        int n = snprintf(buf, size, "%.*g", prec, r);
        if (strtod(buf, NULL) == r)
            return (size_t)n;
    }
    return (size_t)snprintf(buf, size, "%.17g", r);
}

/* A non-null value other than text, as json, csv and md write it. */
static void put_scalar(out_writer *w, const sq_value *v)
{
    char buf[SES_TIME_BUFSZ]; /* also holds any int64 and any "%.17g" */
    size_t n;
    switch (v->kind) {
    case SQ_INT:
        n = format_int(v->i, buf);
        break;
    case SQ_TIME:
        n = ses_format_time(v->i, buf);
        break;
    case SQ_SECONDS:
        n = ses_format_seconds(v->i, buf);
        break;
    default: /* SQ_REAL and SQ_RATIO, the kinds left */
        n = format_real(v->r, buf, sizeof buf);
        break;
    }
    put(w, buf, n);
}

/* ---- json, ndjson ---- */

static void json_escape(out_writer *w, unsigned char c)
{
    char buf[8];
    switch (c) {
    case '"':
        put(w, "\\\"", 2);
        break;
    case '\\':
        put(w, "\\\\", 2);
        break;
    case '\b':
        put(w, "\\b", 2);
        break;
    case '\f':
        put(w, "\\f", 2);
        break;
    case '\n':
        put(w, "\\n", 2);
        break;
    case '\r':
        put(w, "\\r", 2);
        break;
    case '\t':
        put(w, "\\t", 2);
        break;
    default:
        put(w, buf, (size_t)snprintf(buf, sizeof buf, "\\u%04x", c));
        break;
    }
}

/* Whether any of the 8 bytes in `x` is below 0x20, '"' or '\\' (the bytes JSON escapes):
 * the classic tests for a zero byte and for a byte below a bound, 8 bytes at a time. */
static bool needs_escape8(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\');
    uint64_t found = ((x - ones * 0x20) | (quote - ones) | (backslash - ones)) & ~x & highs;
    return found != 0;
}

/* The first byte of p[i..n) that JSON escapes, or n. */
static size_t plain_json_run(const char *p, size_t i, size_t n)
{
    for (uint64_t x; i + 8 <= n; i += 8) {
        memcpy(&x, p + i, 8);
        if (needs_escape8(x))
            break;
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 || c == '"' || c == '\\')
            break;
    }
    return i;
}

static void json_string(out_writer *w, const char *p, size_t n)
{
    size_t run = 0;
    put(w, "\"", 1);
    for (size_t i = plain_json_run(p, 0, n); i < n; i = plain_json_run(p, i + 1, n)) {
        put(w, p + run, i - run);
        json_escape(w, (unsigned char)p[i]);
        run = i + 1;
    }
    put(w, p + run, n - run);
    put(w, "\"", 1);
}

static void json_value(out_writer *w, const sq_value *v)
{
    if (is_null(v)) {
        put(w, "null", 4);
    } else if (v->kind == SQ_TEXT) {
        json_string(w, v->text, v->len);
    } else if (v->kind == SQ_TIME) {
        put(w, "\"", 1);
        put_scalar(w, v);
        put(w, "\"", 1);
    } else {
        put_scalar(w, v);
    }
}

/* Escapes the keys into the empty output buffer, made big enough that nothing is handed over,
 * and moves them to w->keys. */
static int json_keys(out_writer *w)
{
    size_t need = 1;
    for (size_t c = 0; c < w->ncols; c++)
        need += 6 * strlen(w->names[c]) + 4; /* "\u00XX" at most, quotes, colon, separator */
    w->key_end = malloc((w->ncols ? w->ncols : 1) * sizeof *w->key_end);
    if (!w->key_end || buf_reserve(&w->out, need) < 0)
        return -1;
    for (size_t c = 0; c < w->ncols; c++) {
        put(w, c > 0 ? "," : "{", 1);
        json_string(w, w->names[c], strlen(w->names[c]));
        put(w, ":", 1);
        w->key_end[c] = w->out.len;
    }
    w->keys = malloc(w->out.len ? w->out.len : 1);
    if (!w->keys)
        return -1;
    memcpy(w->keys, w->out.p, w->out.len);
    w->out.len = 0;
    return 0;
}

static void json_row(out_writer *w, const sq_value *vals)
{
    if (w->fmt == OUT_JSON)
        put_str(w, w->nrows == 0 ? "[\n" : ",\n");
    if (w->ncols == 0)
        put(w, "{", 1);
    for (size_t c = 0; c < w->ncols; c++) {
        size_t from = c > 0 ? w->key_end[c - 1] : 0;
        put(w, w->keys + from, w->key_end[c] - from);
        json_value(w, &vals[c]);
    }
    put(w, "}", 1);
    if (w->fmt == OUT_NDJSON)
        put(w, "\n", 1);
}

/* ---- csv ---- */

static void csv_header(out_writer *w)
{
    for (size_t c = 0; c < w->ncols; c++) {
        if (c > 0)
            put(w, ",", 1);
        put_str(w, w->names[c]);
    }
    put(w, "\r\n", 2);
}

/* libcsv quotes the text straight into the output buffer; a guarded cell gets its `'` inside
 * the quotes by letting libcsv write one byte further on and overwriting its opening quote. */
static int csv_text(out_writer *w, const char *p, size_t n)
{
    size_t guard = !w->opt.csv_raw && n > 0 && memchr("=+-@\t\r", p[0], 6) != NULL;
    if (n > (SIZE_MAX - 3) / 2) {
        errno = ENOMEM;
        return -1;
    }
    size_t need = 2 * n + 2 + guard; /* every byte a doubled quote, at worst */
    if (out_reserve(w, need) < 0)
        return -1;
    char *at = w->out.p + w->out.len;
    size_t len = csv_write(at + guard, need - guard, p, n);
    if (guard) {
        at[0] = '"';
        at[1] = '\'';
    }
    w->out.len += len + guard;
    return 0;
}

static int csv_row(out_writer *w, const sq_value *vals)
{
    for (size_t c = 0; c < w->ncols; c++) {
        const sq_value *v = &vals[c];
        if (c > 0)
            put(w, ",", 1);
        if (is_null(v))
            continue;
        if (v->kind != SQ_TEXT)
            put_scalar(w, v);
        else if (csv_text(w, v->text, v->len) < 0)
            return -1;
    }
    put(w, "\r\n", 2);
    return 0;
}

/* ---- md ---- */

static void md_text(out_writer *w, const char *p, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        size_t at = i;
        const char *e;
        switch (c) {
        case '\\':
            e = "\\\\";
            break;
        case '|':
            e = "\\|";
            break;
        case '<':
            e = "&lt;";
            break;
        case '>':
            e = "&gt;";
            break;
        case '&':
            e = "&amp;";
            break;
        case '\r':
            i += i + 1 < n && p[i + 1] == '\n'; /* CRLF is one line break */
            e = "<br>";
            break;
        case '\n':
            e = "<br>";
            break;
        default:
            if (c >= 0x20)
                continue;
            e = " ";
            break;
        }
        put(w, p + run, at - run);
        put_str(w, e);
        run = i + 1;
    }
    put(w, p + run, n - run);
}

static void md_header(out_writer *w)
{
    put(w, "|", 1);
    for (size_t c = 0; c < w->ncols; c++) {
        put(w, " ", 1);
        md_text(w, w->names[c], strlen(w->names[c]));
        put(w, " |", 2);
    }
    put(w, "\n|", 2);
    for (size_t c = 0; c < w->ncols; c++)
        put(w, " --- |", 6);
    put(w, "\n", 1);
}

static void md_row(out_writer *w, const sq_value *vals)
{
    put(w, "|", 1);
    for (size_t c = 0; c < w->ncols; c++) {
        const sq_value *v = &vals[c];
        put(w, " ", 1);
        if (!is_null(v) && v->kind == SQ_TEXT)
            md_text(w, v->text, v->len);
        else if (!is_null(v))
            put_scalar(w, v);
        put(w, " |", 2);
    }
    put(w, "\n", 1);
}

/* ---- table ---- */

static bool starts_code_point(unsigned char c) { return (c & 0xC0) != 0x80; }

/* Copies a cell's text into the arena, control characters as spaces so it stays one line. */
static int keep_text(out_writer *w, const char *p, size_t n, bool right)
{
    if (buf_reserve(&w->text, n) < 0 || buf_reserve(&w->cells, sizeof(struct cell)) < 0)
        return -1;
    char *dst = w->text.p + w->text.len;
    uint32_t width = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        dst[i] = c < 0x20 || c == 0x7F ? ' ' : (char)c;
        width += starts_code_point(c);
    }
    struct cell cell = {w->text.len, (uint32_t)n, width, right, PAINT_NONE};
    memcpy(w->cells.p + w->cells.len, &cell, sizeof cell);
    w->cells.len += sizeof cell;
    w->text.len += n;
    return 0;
}

/* "YYYY-MM-DD HH:MM:SS": a terminal has no room for ticks. */
size_t out_time_text(int64_t ticks, char *buf)
{
    char iso[SES_TIME_BUFSZ];
    size_t n = ses_format_time(ticks, iso);
    if (n > 19)
        n = 19;
    for (size_t i = 0; i < n; i++)
        buf[i] = iso[i] == 'T' ? ' ' : iso[i];
    return n;
}

/* "12.3s", "4m 05s", "1h 02m", "3d 04h": the two largest units, truncated. */
size_t out_duration_text(int64_t ticks, char *buf, size_t size)
{
    uint64_t t = ticks < 0 ? 0 - (uint64_t)ticks : (uint64_t)ticks;
    const char *sign = ticks < 0 ? "-" : "";
    uint64_t s = t / SES_TICKS_PER_SECOND;
    int n;
    if (s < 60) {
        uint64_t tenths = t / (SES_TICKS_PER_SECOND / 10);
        n = snprintf(buf, size, "%s%" PRIu64 ".%" PRIu64 "s", sign, tenths / 10, tenths % 10);
    } else if (s < 3600) {
        n = snprintf(buf, size, "%s%" PRIu64 "m %02" PRIu64 "s", sign, s / 60, s % 60);
    } else if (s < 86400) {
        n = snprintf(buf, size, "%s%" PRIu64 "h %02" PRIu64 "m", sign, s / 3600, s % 3600 / 60);
    } else {
        n = snprintf(buf, size, "%s%" PRIu64 "d %02" PRIu64 "h", sign, s / 86400, s % 86400 / 3600);
    }
    return (size_t)n;
}

static void paint_last(out_writer *w, uint8_t paint)
{
    struct cell *last = (struct cell *)(void *)(w->cells.p + w->cells.len) - 1;
    last->paint = w->opt.color ? paint : PAINT_NONE;
}

static int keep_cell(out_writer *w, const sq_value *v, size_t col)
{
    char buf[CELL_BUFSZ];
    int rc;
    if (is_null(v)) {
        rc = keep_text(w, "-", 1, false);
        if (rc == 0)
            paint_last(w, PAINT_NULL);
        return rc;
    }
    switch (v->kind) {
    case SQ_TEXT:
        w->cols[col].text = true;
        rc = keep_text(w, v->text, v->len, false);
        if (rc == 0 && w->cols[col].status && *out_status_sgr(v->text, v->len))
            paint_last(w, PAINT_STATUS);
        return rc;
    case SQ_INT:
        return keep_text(w, buf, format_int(v->i, buf), true);
    case SQ_TIME:
        return keep_text(w, buf, out_time_text(v->i, buf), false);
    case SQ_SECONDS:
        return keep_text(w, buf, out_duration_text(v->i, buf, sizeof buf), true);
    case SQ_RATIO:
        return keep_text(w, buf, (size_t)snprintf(buf, sizeof buf, "%.1f%%", v->r * 100), true);
    default: /* SQ_REAL, the one kind left */
        return keep_text(w, buf, (size_t)snprintf(buf, sizeof buf, "%.1f", v->r), true);
    }
}

static int keep_row(out_writer *w, const sq_value *vals)
{
    for (size_t c = 0; c < w->ncols; c++)
        if (keep_cell(w, &vals[c], c) < 0)
            return -1;
    return 0;
}

/* The header is kept as the first line, so that widths and writing treat it like any row. */
static int table_init(out_writer *w)
{
    /* +1: zero columns must not look like a failed allocation */
    w->cols = calloc(w->ncols + 1, sizeof *w->cols);
    if (w->cols == NULL || buf_reserve(&w->text, OUT_BUFSZ) < 0 ||
        buf_reserve(&w->cells, OUT_BUFSZ) < 0)
        return -1;
    for (size_t c = 0; c < w->ncols; c++) {
        if (keep_text(w, w->names[c], strlen(w->names[c]), false) < 0)
            return -1;
        paint_last(w, PAINT_HEADER);
        w->cols[c].status = !strcmp(w->names[c], "status") || !strcmp(w->names[c], "severity");
    }
    return 0;
}

static const struct cell *table_line_cells(const out_writer *w, size_t line)
{
    return (const struct cell *)(const void *)w->cells.p + line * w->ncols;
}

static size_t table_width(const out_writer *w)
{
    size_t total = w->ncols > 0 ? 2 * (w->ncols - 1) : 0;
    for (size_t c = 0; c < w->ncols; c++)
        total += w->cols[c].width;
    return total;
}

static size_t min_fit_width(const out_writer *w, size_t col)
{
    size_t header = table_line_cells(w, 0)[col].width;
    return header > MIN_FIT_WIDTH ? header : MIN_FIT_WIDTH;
}

static bool can_shrink(const out_writer *w, size_t col)
{
    return w->cols[col].text && w->cols[col].width > min_fit_width(w, col);
}

/* Takes the excess off the widest text columns as if one character at a time, each from the
 * leftmost of the widest, but a whole level of equally wide columns per step, so a huge cell
 * costs no more than a short one. */
static void fit_columns(out_writer *w)
{
    size_t total = table_width(w);
    while (total > w->opt.width) {
        size_t top = 0, below = 0, k = 0;
        for (size_t c = 0; c < w->ncols; c++)
            if (can_shrink(w, c) && w->cols[c].width > top)
                top = w->cols[c].width;
        /* `below`: how far the widest may go before another column or a minimum is reached */
        for (size_t c = 0; c < w->ncols; c++) {
            if (!can_shrink(w, c))
                continue;
            size_t stop = w->cols[c].width == top ? min_fit_width(w, c) : w->cols[c].width;
            k += w->cols[c].width == top;
            if (stop > below)
                below = stop;
        }
        if (k == 0)
            return;
        size_t excess = total - w->opt.width, step = top - below;
        if (excess < k * step) {
            size_t each = excess / k, extra = excess % k;
            for (size_t c = 0; c < w->ncols; c++) {
                if (w->cols[c].width != top || !can_shrink(w, c))
                    continue;
                w->cols[c].width -= each + (extra > 0);
                extra -= extra > 0;
            }
            return;
        }
        for (size_t c = 0; c < w->ncols; c++)
            if (w->cols[c].width == top && can_shrink(w, c))
                w->cols[c].width = below;
        total -= k * step;
    }
}

/* Bytes of the first `count` code points of p. */
static size_t prefix_bytes(const char *p, size_t n, size_t count)
{
    size_t i = 0;
    for (size_t seen = 0; i < n; i++) {
        if (starts_code_point((unsigned char)p[i]) && seen++ == count)
            break;
    }
    return i;
}

/* The colour of a kept cell; a status word's is found again from its text. */
static const char *cell_sgr(const out_writer *w, const struct cell *cell)
{
    switch (cell->paint) {
    case PAINT_HEADER:
        return OUT_SGR_BOLD;
    case PAINT_NULL:
        return OUT_SGR_DIM;
    case PAINT_STATUS:
        return out_status_sgr(w->text.p + cell->off, cell->len);
    default:
        return "";
    }
}

/* Padding stays outside the colour, so that trailing spaces can still be trimmed. */
static void put_cell(out_writer *w, const struct cell *cell, size_t width)
{
    const char *p = w->text.p + cell->off;
    const char *sgr = cell_sgr(w, cell);
    const char *reset = *sgr ? OUT_SGR_RESET : "";
    if (cell->width > width) {
        put_str(w, sgr);
        put(w, p, prefix_bytes(p, cell->len, width - 1));
        put(w, ELLIPSIS, sizeof ELLIPSIS - 1);
        put_str(w, reset);
    } else if (cell->right) {
        put_spaces(w, width - cell->width);
        put_str(w, sgr);
        put(w, p, cell->len);
        put_str(w, reset);
    } else {
        put_str(w, sgr);
        put(w, p, cell->len);
        put_str(w, reset);
        put_spaces(w, width - cell->width);
    }
}

/* The whole line is reserved first so that its trailing spaces are still in the buffer to
 * trim once it is written. */
static int table_line(out_writer *w, size_t line)
{
    const struct cell *cells = table_line_cells(w, line);
    size_t bound = 1;
    for (size_t c = 0; c < w->ncols; c++)
        bound +=
            2 + cells[c].len + w->cols[c].width + sizeof ELLIPSIS + 2 * sizeof OUT_SGR_BOLD_RED;
    if (out_reserve(w, bound) < 0)
        return -1;
    size_t start = w->out.len;
    for (size_t c = 0; c < w->ncols; c++) {
        if (c > 0)
            put(w, "  ", 2);
        put_cell(w, &cells[c], w->cols[c].width);
    }
    while (w->out.len > start && w->out.p[w->out.len - 1] == ' ')
        w->out.len--;
    put(w, "\n", 1);
    return 0;
}

static int table_write(out_writer *w)
{
    for (size_t line = 0; line <= w->nrows; line++) {
        const struct cell *cells = table_line_cells(w, line);
        for (size_t c = 0; c < w->ncols; c++)
            if (cells[c].width > w->cols[c].width)
                w->cols[c].width = cells[c].width;
    }
    if (w->opt.width > 0)
        fit_columns(w);
    for (size_t line = 0; line <= w->nrows; line++)
        if (table_line(w, line) < 0)
            return -1;
    return 0;
}

/* ---- the writer ---- */

const char *out_status_sgr(const char *p, size_t n)
{
    static const struct {
        const char *word;
        const char *sgr;
    } colors[] = {
        {"Success", OUT_SGR_GREEN}, {"Warning", OUT_SGR_YELLOW}, {"warning", OUT_SGR_YELLOW},
        {"Failed", OUT_SGR_RED},    {"Error", OUT_SGR_RED},      {"error", OUT_SGR_RED},
        {"Running", OUT_SGR_CYAN},
    };
    for (size_t i = 0; i < sizeof colors / sizeof *colors; i++)
        if (strlen(colors[i].word) == n && !memcmp(colors[i].word, p, n))
            return colors[i].sgr;
    return "";
}

int out_format_parse(const char *name, out_format *fmt)
{
    static const char *const names[] = {
        [OUT_TABLE] = "table",   [OUT_CSV] = "csv", [OUT_JSON] = "json",
        [OUT_NDJSON] = "ndjson", [OUT_MD] = "md",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i]) == 0) {
            *fmt = (out_format)i;
            return 0;
        }
    }
    return -1;
}

out_writer *out_new(out_format fmt, FILE *fp, const char *const *names, size_t ncols,
                    const out_options *opt)
{
    out_writer *w = calloc(1, sizeof *w);
    if (w == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    w->fmt = fmt;
    w->fp = fp;
    w->names = names;
    w->ncols = ncols;
    if (opt != NULL)
        w->opt = *opt;
    if (buf_reserve(&w->out, OUT_BUFSZ) < 0 ||
        ((fmt == OUT_JSON || fmt == OUT_NDJSON) && json_keys(w) < 0) ||
        (fmt == OUT_TABLE && table_init(w) < 0)) {
        out_free(w);
        errno = ENOMEM;
        return NULL;
    }
    return w;
}

/* Headers wait for the first row or the finish, so that out_new() writes nothing. */
static void begin(out_writer *w)
{
    if (w->begun)
        return;
    w->begun = true;
    if (w->fmt == OUT_CSV)
        csv_header(w);
    else if (w->fmt == OUT_MD)
        md_header(w);
}

int out_row(out_writer *w, const sq_value *vals)
{
    if (w->err != 0)
        return fail(w, w->err);
    begin(w);
    int rc = 0;
    switch (w->fmt) {
    case OUT_TABLE:
        rc = keep_row(w, vals);
        break;
    case OUT_CSV:
        rc = csv_row(w, vals);
        break;
    case OUT_JSON:
    case OUT_NDJSON:
        json_row(w, vals);
        break;
    case OUT_MD:
        md_row(w, vals);
        break;
    }
    if (rc < 0)
        return fail(w, errno);
    w->nrows++;
    return status(w);
}

int out_finish(out_writer *w)
{
    if (w->part)
        return status(w);
    if (w->err == 0) {
        begin(w);
        if (w->fmt == OUT_JSON)
            put_str(w, w->nrows == 0 ? "[]\n" : "\n]\n");
        else if (w->fmt == OUT_TABLE && table_write(w) < 0)
            fail(w, errno);
        if (w->fmt == OUT_TABLE && w->note) {
            put_str(w, "\n");
            put_str(w, w->note);
            put_str(w, "\n");
        }
    }
    flush_out(w);
    errno = 0;
    if (fflush(w->fp) == EOF && w->err == 0)
        w->err = errno != 0 ? errno : EIO;
    return status(w);
}

out_writer *out_new_part(out_format fmt, const char *const *names, size_t ncols,
                         const out_options *opt)
{
    if (fmt == OUT_TABLE) {
        errno = EINVAL;
        return NULL;
    }
    out_writer *w = out_new(fmt, NULL, names, ncols, opt);
    if (w) {
        w->part = true;
        w->begun = true;
    }
    return w;
}

void out_part_reset(out_writer *part, size_t first)
{
    part->out.len = 0;
    part->nrows = part->first = first;
}

int out_add_part(out_writer *w, const out_writer *part)
{
    if (w->err != 0)
        return fail(w, w->err);
    if (part->err != 0)
        return fail(w, part->err);
    if (w->part || w->fmt != part->fmt || w->nrows != part->first)
        return fail(w, EINVAL);
    if (part->nrows == part->first)
        return 0;
    begin(w);
    put(w, part->out.p, part->out.len);
    w->nrows = part->nrows;
    return status(w);
}

void out_free(out_writer *w)
{
    if (w == NULL)
        return;
    free(w->keys);
    free(w->key_end);
    free(w->out.p);
    free(w->text.p);
    free(w->cells.p);
    free(w->cols);
    free(w);
}

void out_note(out_writer *w, const char *text) { w->note = text; }

/* A writer on the stack with a buffer of its own: one value needs no allocation. */
int out_json_value(FILE *fp, const sq_value *v)
{
    char buf[256];
    out_writer w = {.fmt = OUT_JSON, .fp = fp, .out = {buf, 0, sizeof buf}};
    json_value(&w, v);
    flush_out(&w);
    return status(&w);
}

struct out_file {
    FILE *fp;
    bool direct; /* written in place, not through a temporary file */
    char *path;  /* NULL: standard output */
    char *temp;
};

out_file *out_file_open(const char *path)
{
    out_file *f = calloc(1, sizeof *f);
    if (f == NULL)
        return NULL;
    if (path == NULL || strcmp(path, "-") == 0) {
        f->fp = stdout;
        return f;
    }
    /* A device, a pipe or a symbolic link (/dev/full, a FIFO, /dev/stdout) is written in
     * place: renaming onto it would replace it instead of writing where it leads. */
    struct stat st;
    if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        f->fp = fopen(path, "w");
        if (f->fp == NULL) {
            int saved = errno;
            free(f);
            errno = saved;
            return NULL;
        }
        f->direct = true;
        return f;
    }
    size_t n = strlen(path);
    f->path = strdup(path);
    f->temp = malloc(n + sizeof ".XXXXXX");
    if (f->path == NULL || f->temp == NULL) {
        out_file_close(f, false);
        errno = ENOMEM;
        return NULL;
    }
    /* Beside the target, so that rename() stays within one file system. */
    memcpy(f->temp, path, n);
    memcpy(f->temp + n, ".XXXXXX", sizeof ".XXXXXX");
    int fd = mkstemp(f->temp);
    if (fd < 0 || (f->fp = fdopen(fd, "w")) == NULL) {
        int saved = errno;
        if (fd >= 0) {
            close(fd);
            unlink(f->temp);
        }
        free(f->temp);
        f->temp = NULL;
        out_file_close(f, false);
        errno = saved;
        return NULL;
    }
    return f;
}

FILE *out_file_stream(const out_file *f) { return f->fp; }

int out_file_close(out_file *f, bool ok)
{
    int rc = 0, saved = 0;
    if (f->direct) {
        if (fclose(f->fp) == EOF)
            rc = -1, saved = errno;
    } else if (f->path == NULL) {
        if (f->fp != NULL && fflush(f->fp) == EOF)
            rc = -1, saved = errno;
    } else if (f->fp != NULL) {
        if (ok && (fflush(f->fp) == EOF || fsync(fileno(f->fp)) < 0 || ferror(f->fp)))
            rc = -1, saved = errno ? errno : EIO;
        if (fclose(f->fp) == EOF && rc == 0)
            rc = -1, saved = errno;
        if (ok && rc == 0 && rename(f->temp, f->path) < 0)
            rc = -1, saved = errno;
        if (!ok || rc < 0)
            unlink(f->temp);
    }
    free(f->path);
    free(f->temp);
    free(f);
    errno = saved;
    return rc;
}
