/* input.c: files, standard input and directories read as a chunked stream of UTF-8.
 *
 * Three layers, each pulled by the one above it:
 *   stored bytes  read() into `raw`, one reused buffer (or copied there from a caller's buffer:
 *                 that is the only difference between in_open and in_open_buffer);
 *   decoded bytes `raw` itself for a plain file, or inflated by zlib into `dec` for gzip;
 *   UTF-8 text    the decoded bytes handed out as they are (after dropping a UTF-8 BOM), or
 *                 transcoded from UTF-16 into `out`.
 * `dbuf`, `dlen` and `dpos` describe the decoded bytes not yet turned into text.
 *
 * A gzip regular file is inflated ahead by a thread of its own into a ring of chunks, so that
 * inflating and parsing share the two cores instead of taking turns. Pipes and buffers inflate
 * in the caller's thread: closing a source must never wait for a read() that may not end. */
#include "input.h"
#include "mem.h"
#include "thread.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <zlib.h>

enum text { TEXT_UTF8, TEXT_UTF16LE, TEXT_UTF16BE };

#define AHEAD_CHUNKS 4

enum chunk_state { CHUNK_FREE, CHUNK_FILLED, CHUNK_END, CHUNK_ERROR };

typedef struct {
    unsigned char *data;
    size_t len, pos; /* pos: bytes the reader has taken */
    enum chunk_state state;
    sq_error err; /* CHUNK_ERROR */
} chunk;

/* The inflating thread and its ring: it fills chunks in turn, the reader empties them in turn. */
typedef struct {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t filled, freed;
    chunk ring[AHEAD_CHUNKS];
    size_t head; /* the reader's next chunk; the thread keeps its own */
    bool stop;
} ahead;

struct in_source {
    int fd;      /* -1: the stored bytes are `mem` (in_open_buffer) */
    int owns_fd; /* standard input stays open for whoever else wants it */
    const unsigned char *mem;
    size_t mem_len;
    char *name;
    _Atomic uint64_t bytes_read; /* written by the inflating thread while it runs */
    int started;                 /* the kind of stream is decided on the first in_read */
    int raw_eof; /* read() said end of file: never ask again (a terminal would wait) */
    unsigned char *raw;

    int gzip;
    int member_done; /* the last gzip member ended; more input starts a new one */
    z_stream z;
    unsigned char *dec;
    ahead *ahead; /* NULL: inflated by the reader */

    unsigned char *dbuf;
    size_t dlen, dpos;
    int deof;

    enum text text;
    unsigned char *out;

    int tee; /* in_tee()'s descriptor, or -1 */
    int bom; /* a UTF-8 byte-order mark was dropped */

    int positional; /* reads the descriptor with pread() from `at`: in_open_at() */
    uint64_t at;

    int failed; /* zlib and the half-decoded state cannot go on after an error: repeat it */
    sq_error failure;
};

static int fail(sq_error *err, int code, const char *message, int sys_errno, uint64_t offset)
{
    err->code = code;
    err->message = message;
    err->offset = offset;
    err->line = 0;
    err->column = 0;
    err->sys_errno = sys_errno;
    return -1;
}

static bool start_ahead(in_source *src);
static void stop_ahead(in_source *src);

static void free_source(in_source *src)
{
    stop_ahead(src);
    if (src->owns_fd)
        close(src->fd);
    if (src->gzip)
        inflateEnd(&src->z);
    free(src->name);
    free(src->raw);
    free(src->dec);
    free(src->out);
    free(src);
}

/* Opening a directory read-only succeeds on Linux; reading it would fail later, less clearly. */
static int open_path(in_source *src, const char *path, sq_error *err)
{
    struct stat st;

    do
        src->fd = open(path, O_RDONLY | O_CLOEXEC);
    while (src->fd < 0 && errno == EINTR);
    if (src->fd < 0)
        return fail(err, IN_ERR_OPEN, "cannot open", errno, 0);
    src->owns_fd = 1;
    if (fstat(src->fd, &st) != 0)
        return fail(err, IN_ERR_OPEN, "cannot open", errno, 0);
    if (S_ISDIR(st.st_mode))
        return fail(err, IN_ERR_OPEN, "cannot open", EISDIR, 0);
    return 0;
}

/* A source with its name and raw buffer, reading from nowhere yet. */
static in_source *new_source(const char *name, sq_error *err)
{
    in_source *src = calloc(1, sizeof *src);

    if (!src) {
        fail(err, IN_ERR_NOMEM, "out of memory", ENOMEM, 0);
        return NULL;
    }
    src->fd = -1;
    src->tee = -1;
    src->name = strdup(name);
    src->raw = mem_alloc(SQ_CHUNK_SIZE);
    if (!src->name || !src->raw) {
        fail(err, IN_ERR_NOMEM, "out of memory", ENOMEM, 0);
        free_source(src);
        return NULL;
    }
    return src;
}

in_source *in_open(const char *path, sq_error *err)
{
    int is_stdin = strcmp(path, "-") == 0;
    in_source *src = new_source(is_stdin ? "<stdin>" : path, err);

    if (!src)
        return NULL;
    if (is_stdin) {
        src->fd = STDIN_FILENO;
    } else if (open_path(src, path, err) != 0) {
        free_source(src);
        return NULL;
    }
    return src;
}

in_source *in_open_fd(int fd, const char *name, sq_error *err)
{
    in_source *src = new_source(name, err);

    if (src)
        src->fd = fd;
    return src;
}

void in_tee(in_source *src, int fd) { src->tee = fd; }

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

in_source *in_open_buffer(const void *data, size_t len, const char *name, sq_error *err)
{
    in_source *src = new_source(name, err);

    if (!src)
        return NULL;
    src->mem = data;
    src->mem_len = len;
    return src;
}

bool in_splittable(const in_source *src, uint64_t *size)
{
    struct stat st;

    if (!src->started || src->gzip || src->text != TEXT_UTF8 || src->bom || src->tee >= 0 ||
        src->failed)
        return false;
    if (src->fd < 0) {
        *size = src->mem_len;
        return true;
    }
    if (!src->owns_fd || src->positional || fstat(src->fd, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    *size = (uint64_t)st.st_size;
    return true;
}

in_source *in_open_at(const in_source *src, uint64_t offset, sq_error *err)
{
    in_source *at = new_source(src->name, err);

    if (!at)
        return NULL;
    if (src->fd < 0) {
        size_t skip = offset < src->mem_len ? (size_t)offset : src->mem_len;
        at->mem = src->mem + skip;
        at->mem_len = src->mem_len - skip;
    } else {
        at->fd = src->fd;
        at->positional = 1;
        at->at = offset;
    }
    /* Already known to be plain UTF-8: no detection, which would take a byte-order mark's
     * bytes in the middle of the stream for one. */
    at->dbuf = at->raw;
    at->started = 1;
    return at;
}

int in_seek(in_source *src, uint64_t offset, sq_error *err)
{
    if (src->fd >= 0 && lseek(src->fd, (off_t)offset, SEEK_SET) < 0)
        return fail(err, IN_ERR_READ, "cannot read", errno, src->bytes_read);
    src->bytes_read = src->fd < 0 && offset > src->mem_len ? src->mem_len : offset;
    src->dpos = src->dlen = 0;
    src->deof = src->raw_eof = 0;
    return 0;
}

const char *in_name(const in_source *src) { return src->name; }

uint64_t in_bytes_read(const in_source *src) { return src->bytes_read; }

void in_close(in_source *src)
{
    if (src)
        free_source(src);
}

/* The next stored bytes of a buffer source, as much as fits in `cap`: like a read() of a file. */
static size_t copy_mem(in_source *src, unsigned char *buf, size_t cap)
{
    size_t n = src->mem_len - (size_t)src->bytes_read;

    if (n > cap)
        n = cap;
    if (n > 0)
        memcpy(buf, src->mem + src->bytes_read, n);
    return n;
}

/* One read() of stored bytes: the count, 0 at the end, -1 on error. */
static ssize_t read_raw(in_source *src, unsigned char *buf, size_t cap, sq_error *err)
{
    ssize_t n;

    if (src->raw_eof)
        return 0;
    if (src->fd < 0) {
        n = (ssize_t)copy_mem(src, buf, cap);
    } else if (src->positional) {
        do
            n = pread(src->fd, buf, cap, (off_t)src->at);
        while (n < 0 && errno == EINTR);
        src->at += n > 0 ? (uint64_t)n : 0;
    } else {
        do
            n = read(src->fd, buf, cap);
        while (n < 0 && errno == EINTR);
    }
    if (n < 0)
        return fail(err, IN_ERR_READ, "cannot read", errno, src->bytes_read);
    if (n > 0 && src->tee >= 0 && write_all(src->tee, buf, (size_t)n) < 0)
        return fail(err, IN_ERR_READ, "cannot keep a copy for a second reading", errno,
                    src->bytes_read);
    if (n == 0)
        src->raw_eof = 1;
    src->bytes_read += (uint64_t)n;
    return n;
}

static int start_gzip(in_source *src, size_t have, sq_error *err)
{
    src->dec = mem_alloc(SQ_CHUNK_SIZE);
    if (!src->dec)
        return fail(err, IN_ERR_NOMEM, "out of memory", ENOMEM, 0);
    src->z.zalloc = Z_NULL;
    src->z.zfree = Z_NULL;
    src->z.opaque = Z_NULL;
    src->z.next_in = src->raw;
    src->z.avail_in = (uInt)have;
    /* gzip only (16): a zlib stream is not a gzip member, even after a first member */
    if (inflateInit2(&src->z, 16 + MAX_WBITS) != Z_OK)
        return fail(err, IN_ERR_NOMEM, "out of memory", ENOMEM, 0);
    src->gzip = 1;
    src->dbuf = src->dec;
    struct stat st;
    if (src->fd >= 0 && fstat(src->fd, &st) == 0 && S_ISREG(st.st_mode))
        start_ahead(src);
    return 0;
}

/* Inflates into out[0..room) until some bytes are there (*got of them), reading and starting
 * members as needed: 1, 0 at the end, -1 on error. */
static int inflate_into(in_source *src, unsigned char *out, size_t room, size_t *got, sq_error *err)
{
    z_stream *z = &src->z;

    z->next_out = out;
    z->avail_out = (uInt)room;
    while (z->avail_out == room) {
        if (z->avail_in == 0) {
            ssize_t n = read_raw(src, src->raw, SQ_CHUNK_SIZE, err);
            if (n < 0)
                return -1;
            if (n == 0 && src->member_done)
                return 0;
            if (n == 0)
                return fail(err, IN_ERR_GZIP,
                            "truncated gzip data (the file ends inside the compressed stream)", 0,
                            src->bytes_read);
            z->next_in = src->raw;
            z->avail_in = (uInt)n;
        }
        if (src->member_done) {
            inflateReset(z);
            src->member_done = 0;
        }
        int rc = inflate(z, Z_NO_FLUSH);
        if (rc == Z_STREAM_END)
            src->member_done = 1;
        else if (rc == Z_MEM_ERROR)
            return fail(err, IN_ERR_NOMEM, "out of memory", ENOMEM, 0);
        else if (rc != Z_OK && rc != Z_BUF_ERROR)
            return fail(err, IN_ERR_GZIP, "corrupt gzip data", 0, src->bytes_read - z->avail_in);
    }
    *got = room - z->avail_out;
    return 1;
}

static void *inflate_ahead(void *arg)
{
    in_source *src = arg;
    ahead *a = src->ahead;
    for (size_t tail = 0;; tail = (tail + 1) % AHEAD_CHUNKS) {
        chunk *c = &a->ring[tail];
        pthread_mutex_lock(&a->lock);
        while (c->state != CHUNK_FREE && !a->stop)
            pthread_cond_wait(&a->freed, &a->lock);
        bool stop = a->stop;
        pthread_mutex_unlock(&a->lock);
        if (stop)
            return NULL;
        size_t got = 0;
        int r = inflate_into(src, c->data, SQ_CHUNK_SIZE, &got, &c->err);
        pthread_mutex_lock(&a->lock);
        c->len = got;
        c->pos = 0;
        c->state = r > 0 ? CHUNK_FILLED : r == 0 ? CHUNK_END : CHUNK_ERROR;
        pthread_cond_signal(&a->filled);
        pthread_mutex_unlock(&a->lock);
        if (r <= 0)
            return NULL;
    }
}

static void free_ahead(ahead *a)
{
    for (size_t i = 0; i < AHEAD_CHUNKS; i++)
        free(a->ring[i].data);
    free(a);
}

/* Starts the inflating thread; false when it cannot (the reader then inflates itself). */
static bool start_ahead(in_source *src)
{
    ahead *a = calloc(1, sizeof *a);
    if (!a)
        return false;
    bool ok = true;
    for (size_t i = 0; i < AHEAD_CHUNKS; i++)
        ok = ok && (a->ring[i].data = mem_alloc(SQ_CHUNK_SIZE)) != NULL;
    if (!ok || pthread_mutex_init(&a->lock, NULL) != 0) {
        free_ahead(a);
        return false;
    }
    if (pthread_cond_init(&a->filled, NULL) != 0 || pthread_cond_init(&a->freed, NULL) != 0 ||
        (src->ahead = a, thr_start(&a->thread, inflate_ahead, src) != 0)) {
        src->ahead = NULL;
        pthread_mutex_destroy(&a->lock);
        free_ahead(a);
        return false;
    }
    return true;
}

static void stop_ahead(in_source *src)
{
    ahead *a = src->ahead;
    if (!a)
        return;
    pthread_mutex_lock(&a->lock);
    a->stop = true;
    pthread_cond_signal(&a->freed);
    pthread_mutex_unlock(&a->lock);
    pthread_join(a->thread, NULL);
    pthread_cond_destroy(&a->filled);
    pthread_cond_destroy(&a->freed);
    pthread_mutex_destroy(&a->lock);
    free_ahead(a);
    src->ahead = NULL;
}

/* Appends what the thread inflated to `dec`: 1, 0 at the end, -1 on error. A chunk may take more
 * than one call when `dec` holds a few bytes still (UTF-16 waiting for the rest of a unit). */
static int take_ahead(in_source *src, sq_error *err)
{
    ahead *a = src->ahead;
    chunk *c = &a->ring[a->head];
    pthread_mutex_lock(&a->lock);
    while (c->state == CHUNK_FREE)
        pthread_cond_wait(&a->filled, &a->lock);
    pthread_mutex_unlock(&a->lock);
    if (c->state == CHUNK_END)
        return 0;
    if (c->state == CHUNK_ERROR) {
        *err = c->err;
        return -1;
    }
    size_t n = c->len - c->pos, room = SQ_CHUNK_SIZE - src->dlen;
    if (n > room)
        n = room;
    memcpy(src->dec + src->dlen, c->data + c->pos, n);
    src->dlen += n;
    c->pos += n;
    if (c->pos == c->len) {
        pthread_mutex_lock(&a->lock);
        c->state = CHUNK_FREE;
        pthread_cond_signal(&a->freed);
        pthread_mutex_unlock(&a->lock);
        a->head = (a->head + 1) % AHEAD_CHUNKS;
    }
    return 1;
}

/* Inflates into `dec` after what it holds: 1, 0 at the end, -1 on error. */
static int inflate_more(in_source *src, sq_error *err)
{
    if (src->ahead)
        return take_ahead(src, err);
    size_t got = 0;
    int r = inflate_into(src, src->dec + src->dlen, SQ_CHUNK_SIZE - src->dlen, &got, err);
    src->dlen += got;
    return r;
}

/* Appends decoded bytes at dbuf + dlen (which must have room): 1, 0 at the end, -1 on error. */
static int decode_more(in_source *src, sq_error *err)
{
    int r;

    if (src->gzip) {
        r = inflate_more(src, err);
    } else {
        ssize_t n = read_raw(src, src->raw + src->dlen, SQ_CHUNK_SIZE - src->dlen, err);
        if (n < 0)
            return -1;
        src->dlen += (size_t)n;
        r = n > 0;
    }
    if (r == 0)
        src->deof = 1;
    return r;
}

static void detect_text(in_source *src)
{
    const unsigned char *b = src->dbuf;
    size_t n = src->dlen;

    if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        src->dpos = 3;
        src->bom = 1;
    } else if (n >= 2 && b[0] == 0xFF && b[1] == 0xFE) {
        src->text = TEXT_UTF16LE;
        src->dpos = 2;
    } else if (n >= 2 && b[0] == 0xFE && b[1] == 0xFF) {
        src->text = TEXT_UTF16BE;
        src->dpos = 2;
    } else if (n >= 2 && b[0] != 0 && b[1] == 0) { /* JSON starts with ASCII: RFC 4627, 3 */
        src->text = TEXT_UTF16LE;
    } else if (n >= 2 && b[0] == 0 && b[1] != 0) {
        src->text = TEXT_UTF16BE;
    }
}

/* Decides gzip on the first two stored bytes and the text encoding on the first three decoded
 * ones; a pipe may deliver them one read at a time. */
static int start(in_source *src, sq_error *err)
{
    size_t have = 0;

    while (have < 2) {
        ssize_t n = read_raw(src, src->raw + have, SQ_CHUNK_SIZE - have, err);
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        have += (size_t)n;
    }
    if (have >= 2 && src->raw[0] == 0x1f && src->raw[1] == 0x8b) {
        if (start_gzip(src, have, err) != 0)
            return -1;
    } else {
        src->dbuf = src->raw;
        src->dlen = have;
    }
    while (src->dlen < 3 && !src->deof)
        if (decode_more(src, err) < 0)
            return -1;
    detect_text(src);
    if (src->text != TEXT_UTF8) {
        src->out = mem_alloc(SQ_CHUNK_SIZE);
        if (!src->out)
            return fail(err, IN_ERR_NOMEM, "out of memory", ENOMEM, 0);
    }
    src->started = 1;
    return 0;
}

static int read_utf8(in_source *src, const char **data, size_t *len, sq_error *err)
{
    if (src->dpos == src->dlen) {
        src->dpos = 0;
        src->dlen = 0;
        int r = decode_more(src, err);
        if (r <= 0)
            return r;
    }
    *data = (const char *)src->dbuf + src->dpos;
    *len = src->dlen - src->dpos;
    src->dpos = src->dlen;
    return 1;
}

static unsigned unit16(const unsigned char *p, int be)
{
    return be ? (unsigned)p[0] << 8 | p[1] : (unsigned)p[1] << 8 | p[0];
}

/* How many UTF-16 code units from `in` are ASCII, up to `max`, copied to `out` as they go.
 * Four units at a time while they are all ASCII: JSON is mostly ASCII. */
static size_t ascii_run(const unsigned char *in, size_t max, unsigned char *out, int be)
{
    static const unsigned char le_bits[8] = {0x80, 0xFF, 0x80, 0xFF, 0x80, 0xFF, 0x80, 0xFF};
    static const unsigned char be_bits[8] = {0xFF, 0x80, 0xFF, 0x80, 0xFF, 0x80, 0xFF, 0x80};
    const unsigned char *lo = in + (be ? 1 : 0), *hi = in + (be ? 0 : 1);
    uint64_t mask, w;
    size_t i = 0;

    memcpy(&mask, be ? be_bits : le_bits, 8);
    while (i + 4 <= max) {
        memcpy(&w, in + 2 * i, 8);
        if (w & mask)
            break;
        out[i] = lo[2 * i];
        out[i + 1] = lo[2 * i + 2];
        out[i + 2] = lo[2 * i + 4];
        out[i + 3] = lo[2 * i + 6];
        i += 4;
    }
    while (i < max && hi[2 * i] == 0 && lo[2 * i] < 0x80) {
        out[i] = lo[2 * i];
        i++;
    }
    return i;
}

static size_t put_utf8(unsigned char *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (unsigned char)(0xC0 | c >> 6);
        o[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (unsigned char)(0xE0 | c >> 12);
        o[1] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
        o[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | c >> 18);
    o[1] = (unsigned char)(0x80 | (c >> 12 & 0x3F));
    o[2] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
    o[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

/* The code point of the non-ASCII unit at *in, advancing *in; 0 (never a code point here: NUL is
 * ASCII, which ascii_run takes) when a high surrogate needs a low one not read yet. Unpaired
 * surrogates become U+FFFD. */
static uint32_t next_char(const unsigned char **in, const unsigned char *end, int be, int final)
{
    uint32_t c = unit16(*in, be);

    if (c >= 0xD800 && c <= 0xDBFF) {
        if (end - *in < 4 && !final)
            return 0;
        uint32_t low = end - *in >= 4 ? unit16(*in + 2, be) : 0;
        if (low >= 0xDC00 && low <= 0xDFFF) {
            *in += 4;
            return 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
        }
        c = 0xFFFD;
    } else if (c >= 0xDC00 && c <= 0xDFFF) {
        c = 0xFFFD;
    }
    *in += 2;
    return c;
}

/* Transcodes the decoded bytes into `out` until either runs short; the bytes written. */
static size_t transcode(in_source *src)
{
    const unsigned char *in = src->dbuf + src->dpos, *end = src->dbuf + src->dlen;
    unsigned char *o = src->out, *oend = src->out + SQ_CHUNK_SIZE;
    int be = src->text == TEXT_UTF16BE;

    for (;;) {
        size_t units = (size_t)(end - in) / 2, room = (size_t)(oend - o);
        size_t k = ascii_run(in, units < room ? units : room, o, be);
        in += 2 * k;
        o += k;
        if (k == units || room - k < 4) /* 4: the longest UTF-8 sequence */
            break;
        uint32_t c = next_char(&in, end, be, src->deof);
        if (c == 0)
            break;
        o += put_utf8(o, c);
    }
    src->dpos = (size_t)(in - src->dbuf);
    return (size_t)(o - src->out);
}

static int read_utf16(in_source *src, const char **data, size_t *len, sq_error *err)
{
    for (;;) {
        size_t n = transcode(src);
        if (n > 0) {
            *data = (const char *)src->out;
            *len = n;
            return 1;
        }
        size_t left = src->dlen - src->dpos;
        if (src->deof && left == 0)
            return 0;
        if (src->deof)
            return fail(err, IN_ERR_ENCODING, "UTF-16 text ends in the middle of a character", 0,
                        src->gzip ? src->bytes_read : src->bytes_read - left);
        /* a split code unit or surrogate pair (at most 3 bytes) waits for the rest */
        memmove(src->dbuf, src->dbuf + src->dpos, left);
        src->dpos = 0;
        src->dlen = left;
        if (decode_more(src, err) < 0)
            return -1;
    }
}

int in_read(in_source *src, const char **data, size_t *len, sq_error *err)
{
    int r;

    if (src->failed) {
        *err = src->failure;
        return -1;
    }
    if (!src->started && start(src, err) != 0)
        r = -1;
    else if (src->text == TEXT_UTF8)
        r = read_utf8(src, data, len, err);
    else
        r = read_utf16(src, data, len, err);
    if (r < 0) {
        src->failed = 1;
        src->failure = *err;
    }
    return r;
}

/* --- in_expand --- */

typedef struct {
    char **v;
    size_t n, cap;
} path_list;

static int list_push(path_list *l, char *s)
{
    if (!s)
        return -1;
    if (l->n + 1 >= l->cap) { /* + 1: the NULL at the end */
        size_t cap = 2 * l->cap;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            free(s);
            return -1;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = s;
    l->v[l->n] = NULL;
    return 0;
}

static int ends_with_ci(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);

    if (n < k)
        return 0;
    for (size_t i = 0; i < k; i++) {
        unsigned char c = (unsigned char)s[n - k + i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (c != (unsigned char)suffix[i])
            return 0;
    }
    return 1;
}

static int wanted_name(const char *name)
{
    size_t n = strlen(name);

    if (ends_with_ci(name, n, ".gz"))
        n -= 3;
    return ends_with_ci(name, n, ".json") || ends_with_ci(name, n, ".ndjson") ||
           ends_with_ci(name, n, ".jsonl");
}

static char *join(const char *dir, const char *name)
{
    size_t d = strlen(dir), k = strlen(name);
    int slash = d > 0 && dir[d - 1] != '/';
    char *p = malloc(d + (size_t)slash + k + 1);

    if (!p)
        return NULL;
    memcpy(p, dir, d);
    if (slash)
        p[d] = '/';
    memcpy(p + d + (size_t)slash, name, k + 1);
    return p;
}

typedef struct {
    path_list *files;
    sq_error *err;
    char **bad_path;
} walk;

static int walk_fail(walk *w, const char *message, int sys_errno, const char *path)
{
    fail(w->err, sys_errno == ENOMEM ? IN_ERR_NOMEM : IN_ERR_OPEN, message, sys_errno, 0);
    *w->bad_path = strdup(path);
    return -1;
}

static int walk_dir(walk *w, const char *dir);

/* Symlinks to directories are not followed: that is what keeps a link loop from walking
 * forever. A symlink to a regular file counts as the file. */
static int walk_entry(walk *w, const char *path, const char *name)
{
    struct stat st;

    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : walk_fail(w, "cannot access", errno, path);
    if (S_ISDIR(st.st_mode))
        return walk_dir(w, path);
    if (!wanted_name(name))
        return 0;
    if (S_ISLNK(st.st_mode) && stat(path, &st) != 0)
        return 0; /* a dangling link is not a file */
    if (!S_ISREG(st.st_mode))
        return 0;
    if (list_push(w->files, strdup(path)) != 0)
        return walk_fail(w, "out of memory", ENOMEM, path);
    return 0;
}

static int walk_dir(walk *w, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int rc = 0;

    if (!d)
        return walk_fail(w, "cannot open directory", errno, dir);
    for (;;) {
        errno = 0;
        e = readdir(d);
        if (!e)
            break;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *path = join(dir, e->d_name);
        if (!path) {
            rc = walk_fail(w, "out of memory", ENOMEM, dir);
            break;
        }
        rc = walk_entry(w, path, e->d_name);
        free(path);
        if (rc != 0)
            break;
    }
    if (rc == 0 && errno != 0)
        rc = walk_fail(w, "cannot read directory", errno, dir);
    closedir(d);
    return rc;
}

static int by_bytes(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int expand_arg(walk *w, const char *arg)
{
    struct stat st;
    size_t first = w->files->n;

    /* anything that is not a directory is in_open's to judge, including a missing path */
    if (strcmp(arg, "-") == 0 || stat(arg, &st) != 0 || !S_ISDIR(st.st_mode)) {
        if (list_push(w->files, strdup(arg)) != 0)
            return walk_fail(w, "out of memory", ENOMEM, arg);
        return 0;
    }
    if (walk_dir(w, arg) != 0)
        return -1;
    qsort(w->files->v + first, w->files->n - first, sizeof *w->files->v, by_bytes);
    return 0;
}

char **in_expand(const char *const *args, size_t nargs, size_t *count, sq_error *err,
                 char **bad_path)
{
    path_list files = {NULL, 0, 0};
    walk w = {&files, err, bad_path};

    *bad_path = NULL;
    files.cap = 16;
    files.v = malloc(files.cap * sizeof *files.v);
    if (!files.v) {
        fail(err, IN_ERR_NOMEM, "out of memory", ENOMEM, 0);
        return NULL;
    }
    files.v[0] = NULL;
    for (size_t i = 0; i < nargs; i++) {
        if (expand_arg(&w, args[i]) != 0) {
            in_free_list(files.v);
            return NULL;
        }
    }
    *count = files.n;
    return files.v;
}

void in_free_list(char **list)
{
    if (!list)
        return;
    for (char **p = list; *p; p++)
        free(*p);
    free(list);
}
