/* dump.c: record spans by table row, and the second reading that copies records into dumps.
 * Records are copied out of the inputs in the order they stand there (each input read once,
 * front to back), into a temporary file; the dumps are then written from that file in the
 * table's order, which may differ (a session read again in a later input keeps its first
 * place but takes the later record). */
#include "dump.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "input.h"
#include "mem.h"

typedef struct {
    uint64_t start, end;
    uint32_t input;
    uint8_t shape;
    bool set;
} span;

typedef struct {
    char *path;
    int spool; /* standard input's copy, else -1 */
} input_file;

typedef struct {
    size_t row;
    span old;
} undo;

struct dmp_spans {
    span *spans; /* by table row */
    size_t nspans, spans_cap;
    size_t mark; /* rows before dmp_begin(): the spans of these are undone by dmp_rollback() */
    bool open;
    undo *undos;
    size_t nundos, undos_cap;
    input_file *inputs;
    size_t ninputs, inputs_cap;
};

/* An array or top-level objects say nothing of their records' source (each record tells its
 * own), so any sources mix there; an envelope's self link may be what tells it, so an
 * envelope holds sessions of one source. */
enum { SHAPE_ARRAY, SHAPE_OBJECTS, SHAPE_ENVELOPE }; /* envelopes: one per source from here */

static const char *const shape_names[DMP_NSHAPES] = {
    "array", "objects", "azure-job-envelope", "vb365-restore-envelope", "vb365-retrieval-envelope",
};

int dmp_shape_index(ses_source source, shp_doc doc)
{
    if (doc == SHP_DOC_ENVELOPE)
        return SHAPE_ENVELOPE + (int)source - 1;
    return doc == SHP_DOC_ARRAY ? SHAPE_ARRAY : SHAPE_OBJECTS;
}

static shp_doc shape_doc(int shape)
{
    return shape == SHAPE_ARRAY     ? SHP_DOC_ARRAY
           : shape == SHAPE_OBJECTS ? SHP_DOC_OBJECT
                                    : SHP_DOC_ENVELOPE;
}

static ses_source envelope_source(int shape) { return (ses_source)(shape - SHAPE_ENVELOPE + 1); }

const char *dmp_shape_name(int shape) { return shape_names[shape]; }

dmp_spans *dmp_new(void) { return calloc(1, sizeof(dmp_spans)); }

void dmp_free(dmp_spans *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->ninputs; i++) {
        free(d->inputs[i].path);
        if (d->inputs[i].spool >= 0)
            close(d->inputs[i].spool);
    }
    free(d->inputs);
    free(d->spans);
    free(d->undos);
    free(d);
}

/* An unnamed file in $TMPDIR (else /tmp): removed as soon as made, it is gone with the
 * descriptor, however the program ends. */
static int temporary_file(void)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    size_t n = strlen(dir);
    char *path = malloc(n + sizeof "/sessq-XXXXXX");
    if (!path) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(path, dir, n);
    memcpy(path + n, "/sessq-XXXXXX", sizeof "/sessq-XXXXXX");
    int fd = mkstemp(path);
    if (fd >= 0)
        unlink(path);
    int saved = errno;
    free(path);
    errno = saved;
    return fd;
}

int dmp_add_input(dmp_spans *d, const char *path, int *tee)
{
    *tee = -1;
    if (mem_reserve((void **)&d->inputs, &d->inputs_cap, d->ninputs + 1, sizeof *d->inputs) < 0)
        return -1;
    input_file *in = &d->inputs[d->ninputs];
    in->spool = -1;
    in->path = strdup(path);
    if (!in->path) {
        errno = ENOMEM;
        return -1;
    }
    if (!strcmp(path, "-") && (in->spool = temporary_file()) < 0) {
        free(in->path);
        return -1;
    }
    *tee = in->spool;
    d->ninputs++;
    return 0;
}

int dmp_set_span(dmp_spans *d, size_t row, uint32_t input, const shp_span *s)
{
    if (d->open && row < d->mark) {
        if (mem_reserve((void **)&d->undos, &d->undos_cap, d->nundos + 1, sizeof *d->undos) < 0)
            return -1;
        d->undos[d->nundos++] = (undo){row, d->spans[row]};
    }
    if (row >= d->nspans) {
        if (mem_reserve((void **)&d->spans, &d->spans_cap, row + 1, sizeof *d->spans) < 0)
            return -1;
        memset(d->spans + d->nspans, 0, (row + 1 - d->nspans) * sizeof *d->spans);
        d->nspans = row + 1;
    }
    d->spans[row] =
        (span){s->start, s->end, input, (uint8_t)dmp_shape_index(s->source, s->doc), true};
    return 0;
}

void dmp_begin(dmp_spans *d, size_t rows)
{
    d->mark = rows;
    d->open = true;
    d->nundos = 0;
}

void dmp_commit(dmp_spans *d)
{
    d->open = false;
    d->nundos = 0;
}

void dmp_rollback(dmp_spans *d)
{
    if (!d->open)
        return;
    while (d->nundos) {
        const undo *u = &d->undos[--d->nundos];
        d->spans[u->row] = u->old;
    }
    /* Rows from the mark on are gone from the table; their spans are set again with them. */
    for (size_t row = d->mark; row < d->nspans; row++)
        d->spans[row].set = false;
    d->open = false;
}

int dmp_shape_of(const dmp_spans *d, size_t row)
{
    return row < d->nspans && d->spans[row].set ? d->spans[row].shape : -1;
}

/* ---- the second reading ------------------------------------------------------------------- */

typedef struct {
    uint64_t off, len; /* in the temporary file */
    uint8_t shape;
} record;

struct dmp_records {
    int fd;
    record *recs;
    size_t n;
};

void dmp_records_free(dmp_records *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    free(r->recs);
    free(r);
}

/* One record to copy: where it stands, and its place among the rows asked for. */
typedef struct {
    uint32_t input;
    uint64_t start, end;
    size_t pos;
} wanted;

static int by_place(const void *a, const void *b)
{
    const wanted *x = a, *y = b;
    if (x->input != y->input)
        return x->input < y->input ? -1 : 1;
    return (x->start > y->start) - (x->start < y->start);
}

static const char *const CHANGED = "the input changed since it was first read";

static int fail(sq_error *err, int code, const char *message, int sys_errno)
{
    memset(err, 0, sizeof *err);
    err->code = code;
    err->message = message;
    err->sys_errno = sys_errno;
    return -1;
}

/* Its errors are the input module's own (IN_ERR_*). */
static in_source *open_again(const input_file *in, sq_error *err)
{
    if (in->spool < 0)
        return in_open(in->path, err);
    if (lseek(in->spool, 0, SEEK_SET) < 0) {
        fail(err, IN_ERR_READ, "cannot read", errno);
        return NULL;
    }
    return in_open_fd(in->spool, "<stdin>", err);
}

/* An error of the input module, told as the input's. */
static int input_failed(sq_error *err)
{
    err->cause = err->code;
    err->code = err->cause == IN_ERR_NOMEM ? DMP_ERR_NOMEM : DMP_ERR_INPUT;
    return -1;
}

typedef struct {
    FILE *spool;
    uint64_t size;
    record *recs;
} copying;

/* Copies the records w[0..n), all of one input and in the order they stand there. */
static int copy_input(copying *c, const input_file *in, const wanted *w, size_t n, sq_error *err)
{
    in_source *src = open_again(in, err);
    if (!src)
        return input_failed(err);
    uint64_t off = 0;
    size_t i = 0;
    int rc = 0;
    while (i < n && rc == 0) {
        const char *data;
        size_t len;
        int got = in_read(src, &data, &len, err);
        if (got <= 0) {
            rc = got < 0 ? input_failed(err) : fail(err, DMP_ERR_CHANGED, CHANGED, 0);
            break;
        }
        uint64_t end = off + len;
        while (i < n && w[i].start < end) {
            uint64_t from = w[i].start > off ? w[i].start : off;
            uint64_t to = w[i].end < end ? w[i].end : end;
            if (from == w[i].start) {
                if (data[from - off] != '{') {
                    rc = fail(err, DMP_ERR_CHANGED, CHANGED, 0);
                    break;
                }
                c->recs[w[i].pos].off = c->size;
                c->recs[w[i].pos].len = w[i].end - w[i].start;
            }
            if (fwrite(data + (from - off), 1, (size_t)(to - from), c->spool) != to - from) {
                rc = fail(err, DMP_ERR_TEMP, "cannot write a temporary file", errno);
                break;
            }
            c->size += to - from;
            if (to < w[i].end)
                break;
            if (data[to - 1 - off] != '}') {
                rc = fail(err, DMP_ERR_CHANGED, CHANGED, 0);
                break;
            }
            i++;
        }
        off = end;
    }
    in_close(src);
    return rc;
}

static dmp_records *new_records(size_t n, FILE **spool, sq_error *err)
{
    dmp_records *r = calloc(1, sizeof *r);
    if (r) {
        r->fd = -1;
        r->n = n;
        r->recs = calloc(n ? n : 1, sizeof *r->recs);
    }
    if (!r || !r->recs) {
        dmp_records_free(r);
        fail(err, DMP_ERR_NOMEM, "out of memory", ENOMEM);
        return NULL;
    }
    int fd = temporary_file();
    *spool = fd < 0 ? NULL : fdopen(fd, "w+");
    if (!*spool) {
        fail(err, DMP_ERR_TEMP, "cannot make a temporary file", errno);
        if (fd >= 0)
            close(fd);
        dmp_records_free(r);
        return NULL;
    }
    return r;
}

dmp_records *dmp_collect(const dmp_spans *d, const size_t *rows, size_t n, sq_error *err,
                         const char **where)
{
    *where = NULL;
    FILE *spool;
    dmp_records *r = new_records(n, &spool, err);
    if (!r)
        return NULL;
    wanted *w = malloc((n ? n : 1) * sizeof *w);
    if (!w) {
        fclose(spool);
        dmp_records_free(r);
        fail(err, DMP_ERR_NOMEM, "out of memory", ENOMEM);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const span *s = &d->spans[rows[i]];
        w[i] = (wanted){s->input, s->start, s->end, i};
        r->recs[i].shape = s->shape;
    }
    qsort(w, n, sizeof *w, by_place);
    copying c = {spool, 0, r->recs};
    int rc = 0;
    for (size_t i = 0, j; i < n && rc == 0; i = j) {
        for (j = i + 1; j < n && w[j].input == w[i].input;)
            j++;
        rc = copy_input(&c, &d->inputs[w[i].input], w + i, j - i, err);
        if (rc < 0 && (err->code == DMP_ERR_INPUT || err->code == DMP_ERR_CHANGED))
            *where = d->inputs[w[i].input].spool >= 0 ? "<stdin>" : d->inputs[w[i].input].path;
    }
    free(w);
    if (rc == 0 && fflush(spool) != 0)
        rc = fail(err, DMP_ERR_TEMP, "cannot write a temporary file", errno);
    r->fd = rc == 0 ? dup(fileno(spool)) : -1;
    if (rc == 0 && r->fd < 0)
        rc = fail(err, DMP_ERR_TEMP, "cannot read a temporary file", errno);
    fclose(spool);
    if (rc < 0) {
        dmp_records_free(r);
        return NULL;
    }
    return r;
}

/* ---- writing dumps ------------------------------------------------------------------------ */

#define PIECE 65536

static int read_at(int fd, char *buf, size_t n, uint64_t off)
{
    while (n > 0) {
        ssize_t got = pread(fd, buf, n, (off_t)off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            if (got == 0)
                errno = EIO;
            return -1;
        }
        buf += got;
        n -= (size_t)got;
        off += (uint64_t)got;
    }
    return 0;
}

/* A record as it is, in pieces: no record needs to fit in memory whole. */
static int copy_record(int fd, const record *rec, FILE *fp, char *piece)
{
    for (uint64_t done = 0; done < rec->len;) {
        size_t n = rec->len - done < PIECE ? (size_t)(rec->len - done) : PIECE;
        if (read_at(fd, piece, n, rec->off + done) < 0 || fwrite(piece, 1, n, fp) != n)
            return -1;
        done += n;
    }
    return 0;
}

static int transform_record(int fd, const record *rec, FILE *fp, dmp_transform fn, void *ctx)
{
    char *buf = malloc(rec->len ? (size_t)rec->len : 1);
    if (!buf) {
        errno = ENOMEM;
        return -1;
    }
    int rc = read_at(fd, buf, (size_t)rec->len, rec->off);
    if (rc == 0)
        rc = fn(ctx, buf, (size_t)rec->len, fp);
    int saved = errno;
    free(buf);
    errno = saved;
    return rc;
}

/* The path of a collection's list, for an envelope's self link: what tells the source of
 * records that do not say it themselves. */
static const char *collection(ses_source source)
{
    switch (source) {
    case SES_SRC_AZURE_JOB:
        return "/api/v1/jobSessions";
    case SES_SRC_VB365_RETRIEVAL:
        return "/v6/DataRetrievalSessions";
    default:
        return "/v6/RestoreSessions";
    }
}

static void write_links(FILE *fp, ses_source source, size_t count)
{
    fprintf(fp, "  \"_links\": { \"self\": { \"href\": \"%s?offset=0&limit=%zu\" } }",
            collection(source), count);
}

static void write_head(FILE *fp, int shape, size_t count)
{
    shp_doc doc = shape_doc(shape);
    ses_source source = envelope_source(shape);
    if (doc == SHP_DOC_ARRAY) {
        fputs(count ? "[\n" : "[", fp);
    } else if (doc == SHP_DOC_ENVELOPE) {
        fprintf(fp, "{\n  \"offset\": 0,\n  \"limit\": %zu,\n", count);
        if (source == SES_SRC_AZURE_JOB) {
            fprintf(fp, "  \"totalCount\": %zu,\n", count);
        } else {
            write_links(fp, source, count);
            fputs(",\n", fp);
        }
        fputs(count ? "  \"results\": [\n" : "  \"results\": [", fp);
    }
}

static void write_separator(FILE *fp, shp_doc doc, size_t i)
{
    if (doc == SHP_DOC_OBJECT)
        return;
    if (i > 0)
        fputs(",\n", fp);
    fputs(doc == SHP_DOC_ARRAY ? "  " : "    ", fp);
}

static void write_tail(FILE *fp, int shape, size_t count)
{
    shp_doc doc = shape_doc(shape);
    if (doc == SHP_DOC_ARRAY) {
        fputs(count ? "\n]\n" : "]\n", fp);
    } else if (doc == SHP_DOC_ENVELOPE) {
        fputs(count ? "\n  ]" : "]", fp);
        if (envelope_source(shape) == SES_SRC_AZURE_JOB) {
            fputs(",\n", fp);
            write_links(fp, SES_SRC_AZURE_JOB, count);
        }
        fputs("\n}\n", fp);
    }
}

int dmp_write(const dmp_records *r, int shape, FILE *fp, dmp_transform fn, void *ctx)
{
    size_t count = 0;
    for (size_t i = 0; i < r->n; i++)
        count += r->recs[i].shape == shape;
    char *piece = fn ? NULL : malloc(PIECE);
    if (!fn && !piece) {
        errno = ENOMEM;
        return -1;
    }
    shp_doc doc = shape_doc(shape);
    write_head(fp, shape, count);
    int rc = 0;
    for (size_t i = 0, k = 0; i < r->n && rc == 0; i++) {
        if (r->recs[i].shape != shape)
            continue;
        write_separator(fp, doc, k++);
        rc = fn ? transform_record(r->fd, &r->recs[i], fp, fn, ctx)
                : copy_record(r->fd, &r->recs[i], fp, piece);
        if (rc == 0 && doc == SHP_DOC_OBJECT)
            fputc('\n', fp);
    }
    int saved = errno;
    free(piece);
    if (rc == 0)
        write_tail(fp, shape, count);
    if (rc == 0 && ferror(fp))
        return -1;
    errno = saved;
    return rc;
}
