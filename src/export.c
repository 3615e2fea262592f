/* export.c: the sessions as a Hive-partitioned tree of gzip parts, with a manifest of what is
 * there.
 *
 * A run is a small transaction: every part is written whole under DIR/_sessq_tmp, then all are
 * renamed into their partition directories, then their sessions are appended to the manifest.
 * A failure before the renames removes the temporary parts and the directories the run made,
 * so an interrupted or failed export leaves nothing a reader would see. The manifest is opened
 * first and locked with flock(), so two exports never write into one tree at once. */
#define _GNU_SOURCE /* fopencookie(): the output module's writers write through zlib */
#include "export.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "mem.h"

#define MANIFEST "_sessq_manifest"
#define TEMP_DIR "_sessq_tmp"
#define MANIFEST_MAGIC "sessq-export 1"
/* What Hive, Spark and DuckDB read back as a null partition value. */
#define DEFAULT_PARTITION "__HIVE_DEFAULT_PARTITION__"

struct seen {
    char *key; /* "source\tescaped id"; NULL: a free slot */
    uint64_t fingerprint;
};

struct move {
    char *from, *to;
};

struct text {
    char *p;
    size_t len, cap;
};

struct exp_export {
    char *dir;
    exp_options o;
    int manifest; /* open and locked */
    bool manifest_new;
    bool made_dir, made_temp;
    struct seen *seen; /* open addressing, a power of two slots */
    size_t nseen, seen_cap;
    struct move *moves;
    size_t nmoves, moves_cap;
    char **made; /* partition directories this run made, to remove again on failure */
    size_t nmade, made_cap;
    char **parts;
    size_t nparts;
    struct text lines; /* manifest lines to append */
    exp_report report;
    char where[4096];
};

static int set_error(exp_export *e, sq_error *err, int code, const char *message, const char *path,
                     int errnum)
{
    snprintf(e->where, sizeof e->where, "%s", path ? path : e->dir);
    *err = (sq_error){.code = code, .message = message, .sys_errno = errnum, .detail = e->where};
    return -1;
}

static int nomem(exp_export *e, sq_error *err)
{
    return set_error(e, err, EXP_ERR_NOMEM, "out of memory", NULL, ENOMEM);
}

static int text_add(struct text *t, const char *p, size_t n)
{
    if (n == 0) /* nothing to copy, and no buffer to make: memcpy() may not take NULL */
        return 0;
    if (mem_reserve((void **)&t->p, &t->cap, t->len + n, 1) < 0)
        return -1;
    memcpy(t->p + t->len, p, n);
    t->len += n;
    return 0;
}

static int text_str(struct text *t, const char *s) { return text_add(t, s, strlen(s)); }

/* Hive's escaping of a path component (and, for the manifest, of tabs and newlines): %XX for
 * control characters and " # % ' * / : = ? \ { [ ] ^ DEL, which a reader decodes again. */
static int text_escaped(struct text *t, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 || c == 0x7F || (c && strchr("\"#%'*/:=?\\{[]^", c))) {
            char hex[4];
            snprintf(hex, sizeof hex, "%%%02X", c);
            if (text_add(t, hex, 3) < 0)
                return -1;
        } else if (text_add(t, p + i, 1) < 0) {
            return -1;
        }
    }
    return 0;
}

static char *path_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", a, b);
    return p;
}

/* ---- the manifest: what is already exported ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

#define FNV_START 0xcbf29ce484222325ULL

static struct seen *seen_slot(struct seen *slots, size_t cap, const char *key)
{
    size_t i = (size_t)fnv(FNV_START, key, strlen(key)) & (cap - 1);
    while (slots[i].key && strcmp(slots[i].key, key))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static int seen_grow(exp_export *e)
{
    size_t cap = e->seen_cap ? e->seen_cap * 2 : 1024;
    struct seen *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < e->seen_cap; i++)
        if (e->seen[i].key)
            *seen_slot(slots, cap, e->seen[i].key) = e->seen[i];
    free(e->seen);
    e->seen = slots;
    e->seen_cap = cap;
    return 0;
}

/* Takes `key` (malloc'ed); a key read again keeps its latest fingerprint. */
static int seen_put(exp_export *e, char *key, uint64_t fingerprint)
{
    if ((e->nseen + 1) * 2 > e->seen_cap && seen_grow(e) < 0) {
        free(key);
        return -1;
    }
    struct seen *s = seen_slot(e->seen, e->seen_cap, key);
    if (s->key) {
        free(key);
    } else {
        s->key = key;
        e->nseen++;
    }
    s->fingerprint = fingerprint;
    return 0;
}

static const struct seen *seen_get(const exp_export *e, const char *key)
{
    if (!e->seen_cap)
        return NULL;
    const struct seen *s = seen_slot(e->seen, e->seen_cap, key);
    return s->key ? s : NULL;
}

/* "sessq-export 1\tformat=ndjson\tpartition-by=source,month": what every run must agree on. */
static int header_line(const exp_options *o, struct text *t)
{
    int rc = text_str(t, MANIFEST_MAGIC "\tformat=");
    rc |= text_str(t, o->fmt == OUT_CSV ? "csv" : "ndjson");
    rc |= text_str(t, "\tpartition-by=");
    for (size_t i = 0; i < o->nby; i++) {
        rc |= i ? text_str(t, ",") : 0;
        rc |= text_str(t, ses_key_name(o->by[i]));
    }
    return rc | text_str(t, "\n");
}

/* One line: "source\tid\tfingerprint\tpart". A last line without its newline was cut by a
 * crash while appending: its parts are in place, but none of its sessions is counted. */
static int manifest_entry(exp_export *e, char *line, sq_error *err)
{
    char *tab1 = strchr(line, '\t');
    char *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
    char *end;
    uint64_t fp = tab2 ? strtoull(tab2 + 1, &end, 16) : 0;
    if (!tab2 || end != tab2 + 17 || *end != '\t') {
        char path[4096];
        snprintf(path, sizeof path, "%s/" MANIFEST, e->dir);
        return set_error(e, err, EXP_ERR_MANIFEST, "a line of the manifest is damaged", path, 0);
    }
    *tab2 = '\0';
    char *key = strdup(line);
    if (!key || seen_put(e, key, fp) < 0)
        return nomem(e, err);
    return 0;
}

static int read_manifest(exp_export *e, FILE *fp, sq_error *err)
{
    char manifest[4096];
    snprintf(manifest, sizeof manifest, "%s/" MANIFEST, e->dir);
    struct text want = {0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, fp);
    int rc = 0;
    if (header_line(&e->o, &want) < 0) {
        rc = nomem(e, err);
    } else if (n <= 0 || strncmp(line, MANIFEST_MAGIC "\t", sizeof MANIFEST_MAGIC)) {
        rc = set_error(e, err, EXP_ERR_MANIFEST, "not a manifest sessq wrote", manifest, 0);
    } else if ((size_t)n != want.len || memcmp(line, want.p, want.len)) {
        line[strcspn(line, "\n")] = '\0';
        snprintf(e->where, sizeof e->where, "%s", line + sizeof MANIFEST_MAGIC);
        for (char *tab = strchr(e->where, '\t'); tab; tab = strchr(tab, '\t'))
            *tab = ' ';
        *err = (sq_error){.code = EXP_ERR_MISMATCH,
                          .message = "the export there was written with",
                          .detail = e->where};
        rc = -1;
    }
    while (rc == 0 && (n = getline(&line, &cap, fp)) > 0 && line[n - 1] == '\n') {
        line[n - 1] = '\0';
        rc = manifest_entry(e, line, err);
    }
    free(line);
    free(want.p);
    return rc;
}

/* ---- the directory ---- */

static bool ours(const char *name)
{
    return !strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, MANIFEST) ||
           !strcmp(name, TEMP_DIR);
}

static int check_empty(exp_export *e, sq_error *err)
{
    DIR *d = opendir(e->dir);
    if (!d)
        return set_error(e, err, EXP_ERR_IO, "cannot read the directory", NULL, errno);
    struct dirent *de;
    bool empty = true;
    while (empty && (de = readdir(d)))
        empty = ours(de->d_name);
    closedir(d);
    if (!empty)
        return set_error(e, err, EXP_ERR_NOT_EMPTY,
                         "the directory is not empty (give --append to add to an export there)",
                         NULL, 0);
    return 0;
}

/* Empties DIR/_sessq_tmp of what a killed run left there: safe, since we hold the lock. */
static int make_temp_dir(exp_export *e, sq_error *err)
{
    char *temp = path_join(e->dir, TEMP_DIR);
    if (!temp)
        return nomem(e, err);
    int rc = 0;
    if (mkdir(temp, 0777) == 0) {
        e->made_temp = true;
    } else if (errno != EEXIST) {
        rc = set_error(e, err, EXP_ERR_IO, "cannot make the directory", temp, errno);
    } else {
        DIR *d = opendir(temp);
        struct dirent *de;
        while (d && (de = readdir(d))) {
            char *stale = de->d_name[0] != '.' ? path_join(temp, de->d_name) : NULL;
            if (stale)
                unlink(stale);
            free(stale);
        }
        if (d)
            closedir(d);
        e->made_temp = true;
    }
    free(temp);
    return rc;
}

static int open_manifest(exp_export *e, sq_error *err)
{
    char *path = path_join(e->dir, MANIFEST);
    if (!path)
        return nomem(e, err);
    int rc = 0;
    e->manifest = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
    struct stat st;
    if (e->manifest < 0 || fstat(e->manifest, &st) < 0)
        rc = set_error(e, err, EXP_ERR_IO, "cannot open the manifest", path, errno);
    else if (flock(e->manifest, LOCK_EX | LOCK_NB) < 0)
        rc = set_error(e, err, errno == EWOULDBLOCK ? EXP_ERR_BUSY : EXP_ERR_IO,
                       errno == EWOULDBLOCK ? "another sessq export is writing there"
                                            : "cannot lock the manifest",
                       NULL, errno == EWOULDBLOCK ? 0 : errno);
    else
        e->manifest_new = st.st_size == 0;
    free(path);
    return rc;
}

static int load_manifest(exp_export *e, sq_error *err)
{
    if (e->manifest_new)
        return check_empty(e, err);
    if (!e->o.append)
        return set_error(e, err, EXP_ERR_NOT_EMPTY,
                         "an export is already there (give --append to add to it)", NULL, 0);
    int fd = dup(e->manifest);
    FILE *fp = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (!fp) {
        if (fd >= 0)
            close(fd);
        return set_error(e, err, EXP_ERR_IO, "cannot read the manifest", NULL, errno);
    }
    rewind(fp);
    int rc = read_manifest(e, fp, err);
    fclose(fp);
    return rc;
}

exp_export *exp_open(const char *dir, const exp_options *o, sq_error *err)
{
    exp_export *e = calloc(1, sizeof *e);
    if (!e || !(e->dir = strdup(dir))) {
        free(e);
        *err = (sq_error){.code = EXP_ERR_NOMEM, .message = "out of memory", .detail = dir};
        return NULL;
    }
    e->o = *o;
    e->manifest = -1;
    size_t n = strlen(e->dir);
    while (n > 1 && e->dir[n - 1] == '/')
        e->dir[--n] = '\0';
    struct stat st;
    int rc = 0;
    if (mkdir(e->dir, 0777) == 0)
        e->made_dir = true;
    else if (errno != EEXIST)
        rc = set_error(e, err, EXP_ERR_IO, "cannot make the directory", NULL, errno);
    else if (stat(e->dir, &st) < 0 || !S_ISDIR(st.st_mode))
        rc = set_error(e, err, EXP_ERR_IO, "not a directory", NULL, ENOTDIR);
    if (rc == 0)
        rc = open_manifest(e, err);
    if (rc == 0)
        rc = load_manifest(e, err);
    if (rc == 0)
        rc = make_temp_dir(e, err);
    if (rc < 0) {
        /* The path named in the error outlives the export it was found by. */
        static char failed_at[sizeof e->where];
        memcpy(failed_at, e->where, sizeof failed_at);
        err->detail = failed_at;
        exp_close(e);
        return NULL;
    }
    return e;
}

/* ---- writing parts ---- */

static ssize_t gz_cookie_write(void *cookie, const char *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        unsigned step = n - done > (1u << 30) ? 1u << 30 : (unsigned)(n - done);
        int w = gzwrite(cookie, buf + done, step);
        if (w <= 0) {
            errno = EIO;
            return -1;
        }
        done += (size_t)w;
    }
    return (ssize_t)n;
}

static int gz_cookie_close(void *cookie) { return gzclose(cookie) == Z_OK ? 0 : -1; }

/* A stdio stream that gzips into `fd` (a descriptor of its own: closing the stream closes it). */
static FILE *gzip_stream(int fd)
{
    gzFile gz = gzdopen(fd, "wb6");
    if (!gz) {
        close(fd);
        return NULL;
    }
    cookie_io_functions_t io = {.write = gz_cookie_write, .close = gz_cookie_close};
    FILE *fp = fopencookie(gz, "w", io);
    if (!fp)
        gzclose(gz);
    return fp;
}

typedef struct {
    const tbl_table *t;
    ses_key keys[SES_NKEYS];
    const char *names[SES_NKEYS];
    size_t ncols;
    sq_value vals[SES_NKEYS];
    char scratch[SES_NKEYS][SES_TIME_BUFSZ];
} row_shape;

/* The columns of the parts: the session's keys but those in the path, as Hive and Spark write
 * partitioned data; readers with hive partitioning add them back from the path. */
static void shape_columns(row_shape *r, const exp_options *o)
{
    r->ncols = 0;
    for (size_t k = 0; k < SES_NKEYS; k++) {
        bool in_path = false;
        for (size_t i = 0; i < o->nby; i++)
            in_path |= o->by[i] == (ses_key)k;
        if (!in_path) {
            r->keys[r->ncols] = (ses_key)k;
            r->names[r->ncols++] = ses_key_name((ses_key)k);
        }
    }
}

/* Writes rows[0..n) into a new file `path` through gzip; the file is synced before it is
 * renamed. 0, or -1 with errno set. */
static int write_part(const char *path, row_shape *r, const exp_options *o, const size_t *rows,
                      size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0)
        return -1;
    int gzfd = dup(fd);
    FILE *fp = gzfd >= 0 ? gzip_stream(gzfd) : NULL;
    if (!fp) {
        int saved = errno ? errno : ENOMEM;
        close(fd);
        errno = saved;
        return -1;
    }
    out_options opt = {.csv_raw = true};
    out_writer *w = out_new(o->fmt, fp, r->names, r->ncols, &opt);
    int rc = w ? 0 : -1;
    for (size_t i = 0; i < n && rc == 0; i++) {
        for (size_t c = 0; c < r->ncols; c++)
            tbl_get(r->t, rows[i], r->keys[c], &r->vals[c], r->scratch[c]);
        rc = out_row(w, r->vals);
    }
    if (rc == 0)
        rc = out_finish(w);
    int saved = errno;
    out_free(w);
    if (fclose(fp) == EOF && rc == 0)
        rc = -1, saved = errno ? errno : EIO;
    if (rc == 0 && fsync(fd) < 0)
        rc = -1, saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

/* ---- partitions ---- */

typedef struct {
    char *path; /* "month=2022-01/source=azure-job", "" without partition keys */
    size_t row;
} pick;

static int by_path(const void *a, const void *b)
{
    const pick *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    return c ? c : (x->row > y->row) - (x->row < y->row);
}

static char *partition_path(const exp_export *e, const tbl_table *t, size_t row)
{
    struct text p = {0};
    int rc = 0;
    for (size_t i = 0; i < e->o.nby && rc == 0; i++) {
        sq_value v;
        char scratch[SES_TIME_BUFSZ], buf[SES_TIME_BUFSZ];
        tbl_get(t, row, e->o.by[i], &v, scratch);
        const char *text;
        size_t n;
        ses_value_text(&v, buf, &text, &n);
        bool null = v.kind == SQ_NULL;
        rc |= i ? text_add(&p, "/", 1) : 0;
        rc |= text_str(&p, ses_key_name(e->o.by[i]));
        rc |= text_add(&p, "=", 1);
        rc |= null || n == 0 ? text_str(&p, DEFAULT_PARTITION) : text_escaped(&p, text, n);
    }
    if (rc < 0 || text_add(&p, "", 1) < 0) {
        free(p.p);
        return NULL;
    }
    return p.p;
}

/* The number after the highest part-NNNN in `dir` (0 when there is none, or no `dir`). */
static unsigned next_part_number(const char *dir)
{
    DIR *d = opendir(dir);
    unsigned next = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        unsigned n;
        char dot;
        if (sscanf(de->d_name, "part-%u%c", &n, &dot) == 2 && dot == '.' && n >= next)
            next = n + 1;
    }
    if (d)
        closedir(d);
    return next;
}

/* Makes `path` and the directories above it up to DIR, noting those made. */
static int make_dirs(exp_export *e, char *path)
{
    size_t base = strlen(e->dir);
    if (strlen(path) <= base)
        return 0;
    for (char *p = path + base + 1;; p++) {
        if (*p != '/' && *p)
            continue;
        char c = *p;
        *p = '\0';
        int rc = mkdir(path, 0777);
        if (rc == 0) {
            if (mem_reserve((void **)&e->made, &e->made_cap, e->nmade + 1, sizeof *e->made) < 0) {
                *p = c;
                return -1;
            }
            if (!(e->made[e->nmade] = strdup(path))) {
                *p = c;
                errno = ENOMEM;
                return -1;
            }
            e->nmade++;
        }
        *p = c;
        if (rc < 0 && errno != EEXIST)
            return -1;
        if (!c)
            return 0;
    }
}

static int add_move(exp_export *e, char *from, char *to)
{
    if (mem_reserve((void **)&e->moves, &e->moves_cap, e->nmoves + 1, sizeof *e->moves) < 0)
        return -1;
    e->moves[e->nmoves++] = (struct move){from, to};
    return 0;
}

static uint64_t fingerprint(const tbl_table *t, size_t row)
{
    uint64_t h = FNV_START;
    for (size_t k = 0; k < SES_NKEYS; k++) {
        sq_value v;
        char scratch[SES_TIME_BUFSZ], buf[SES_TIME_BUFSZ];
        tbl_get(t, row, (ses_key)k, &v, scratch);
        unsigned char tag[2] = {(unsigned char)k, v.kind == SQ_NULL};
        h = fnv(h, tag, 2);
        const char *text;
        size_t n;
        ses_value_text(&v, buf, &text, &n);
        h = fnv(h, text, n);
        h = fnv(h, "\xff", 1);
    }
    return h;
}

/* "source\tescaped id", the key of the manifest. */
static char *session_key(const tbl_table *t, size_t row)
{
    sq_value src, id;
    char scratch[SES_TIME_BUFSZ];
    tbl_get(t, row, K_SOURCE, &src, scratch);
    tbl_get(t, row, K_ID, &id, scratch);
    struct text k = {0};
    if (text_add(&k, src.text, src.len) < 0 || text_add(&k, "\t", 1) < 0 ||
        text_escaped(&k, id.text, id.len) < 0 || text_add(&k, "", 1) < 0) {
        free(k.p);
        return NULL;
    }
    return k.p;
}

/* The manifest lines of a part's sessions. */
static int note_sessions(exp_export *e, const tbl_table *t, const pick *picks, size_t n,
                         const char *part)
{
    for (size_t i = 0; i < n; i++) {
        char *key = session_key(t, picks[i].row);
        char fp[24];
        snprintf(fp, sizeof fp, "\t%016" PRIx64 "\t", fingerprint(t, picks[i].row));
        int rc = key ? text_str(&e->lines, key) : -1;
        free(key);
        if (rc < 0 || text_str(&e->lines, fp) < 0 || text_str(&e->lines, part) < 0 ||
            text_add(&e->lines, "\n", 1) < 0)
            return -1;
    }
    return 0;
}

/* Writes one partition's sessions into parts of at most part_rows, in DIR/_sessq_tmp. */
static int write_partition(exp_export *e, row_shape *r, const pick *picks, size_t n, size_t *rows,
                           unsigned *serial, sq_error *err)
{
    const char *ext = e->o.fmt == OUT_CSV ? "csv.gz" : "ndjson.gz";
    char *dir = *picks[0].path ? path_join(e->dir, picks[0].path) : strdup(e->dir);
    if (!dir)
        return nomem(e, err);
    unsigned number = next_part_number(dir);
    int rc = 0;
    if (make_dirs(e, dir) < 0)
        rc = errno == ENOMEM
                 ? nomem(e, err)
                 : set_error(e, err, EXP_ERR_IO, "cannot make the directory", dir, errno);
    for (size_t at = 0, count; at < n && rc == 0; at += count) {
        count = n - at < e->o.part_rows ? n - at : (size_t)e->o.part_rows;
        for (size_t i = 0; i < count; i++)
            rows[i] = picks[at + i].row;
        char name[64], temp_name[64];
        snprintf(name, sizeof name, "part-%04u.%s", number++, ext);
        snprintf(temp_name, sizeof temp_name, TEMP_DIR "/%u.%s.tmp", (*serial)++, ext);
        char *temp = path_join(e->dir, temp_name);
        char *final = path_join(dir, name);
        if (!temp || !final || add_move(e, temp, final) < 0) {
            free(temp);
            free(final);
            rc = nomem(e, err);
        } else if (write_part(temp, r, &e->o, rows, count) < 0) {
            rc = set_error(e, err, EXP_ERR_IO, "cannot write", temp, errno);
        } else if (note_sessions(e, r->t, picks + at, count, final + strlen(e->dir) + 1) < 0) {
            rc = nomem(e, err);
        } else {
            e->report.written += count;
        }
    }
    free(dir);
    return rc;
}

/* Whether the manifest has the session of `row`: 0 no, 1 with the same values, 2 with others,
 * -1 out of memory. */
static int known(const exp_export *e, const tbl_table *t, size_t row)
{
    if (!e->nseen)
        return 0;
    char *key = session_key(t, row);
    if (!key)
        return -1;
    const struct seen *s = seen_get(e, key);
    free(key);
    return !s ? 0 : s->fingerprint == fingerprint(t, row) ? 1 : 2;
}

/* The sessions to write, with their partition paths; those the manifest has are counted. */
static pick *choose(exp_export *e, const tbl_table *t, const size_t *rows, size_t nrows, size_t *n)
{
    pick *picks = malloc((nrows ? nrows : 1) * sizeof *picks);
    *n = 0;
    for (size_t i = 0; picks && i < nrows; i++) {
        int k = known(e, t, rows[i]);
        e->report.unchanged += k == 1;
        e->report.changed += k == 2;
        if (k > 0)
            continue;
        if (k < 0 || !(picks[*n].path = partition_path(e, t, rows[i]))) {
            while (*n > 0)
                free(picks[--*n].path);
            free(picks);
            return NULL;
        }
        picks[(*n)++].row = rows[i];
    }
    return picks;
}

/* Puts the renamed parts back, so that exp_close() removes them. */
static void undo_moves(exp_export *e, size_t n)
{
    while (n-- > 0)
        rename(e->moves[n].to, e->moves[n].from);
}

static int append_manifest(exp_export *e)
{
    struct text all = {0};
    int rc = e->manifest_new ? header_line(&e->o, &all) : 0;
    if (rc == 0 && e->lines.len)
        rc = text_add(&all, e->lines.p, e->lines.len);
    if (rc < 0) {
        free(all.p);
        errno = ENOMEM;
        return -1;
    }
    off_t size = lseek(e->manifest, 0, SEEK_END);
    size_t done = 0;
    while (size >= 0 && done < all.len) {
        ssize_t w = write(e->manifest, all.p + done, all.len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break;
        done += (size_t)w;
    }
    free(all.p);
    if (size >= 0 && done == all.len && fsync(e->manifest) == 0)
        return 0;
    int saved = errno ? errno : EIO;
    if (size >= 0 && ftruncate(e->manifest, size) < 0)
        saved = errno;
    errno = saved;
    return -1;
}

/* Puts every part in place, then records their sessions in the manifest. */
static int commit(exp_export *e, sq_error *err)
{
    for (size_t i = 0; i < e->nmoves; i++) {
        if (rename(e->moves[i].from, e->moves[i].to) < 0) {
            int saved = errno;
            undo_moves(e, i);
            return set_error(e, err, EXP_ERR_IO, "cannot rename into place", e->moves[i].to, saved);
        }
    }
    if (append_manifest(e) < 0) {
        int saved = errno;
        undo_moves(e, e->nmoves);
        char *manifest = path_join(e->dir, MANIFEST);
        set_error(e, err, saved == ENOMEM ? EXP_ERR_NOMEM : EXP_ERR_IO,
                  saved == ENOMEM ? "out of memory" : "cannot write the manifest", manifest, saved);
        free(manifest);
        return -1;
    }
    e->manifest_new = false;
    for (size_t i = 0; i < e->nmoves; i++) {
        e->parts[e->nparts++] = e->moves[i].to;
        e->moves[i].to = NULL;
    }
    e->report.parts = e->nparts;
    return 0;
}

int exp_write(exp_export *e, const tbl_table *t, const size_t *rows, size_t nrows, sq_error *err)
{
    size_t n;
    pick *picks = choose(e, t, rows, nrows, &n);
    if (!picks)
        return nomem(e, err);
    qsort(picks, n, sizeof *picks, by_path);
    row_shape *r = malloc(sizeof *r);
    size_t *chunk = malloc((n ? n : 1) * sizeof *chunk);
    int rc = r && chunk ? 0 : nomem(e, err);
    if (rc == 0) {
        r->t = t;
        shape_columns(r, &e->o);
    }
    unsigned serial = 0;
    for (size_t at = 0, end; rc == 0 && at < n; at = end) {
        for (end = at + 1; end < n && !strcmp(picks[end].path, picks[at].path); end++)
            ;
        rc = write_partition(e, r, picks + at, end - at, chunk, &serial, err);
    }
    for (size_t i = 0; i < n; i++)
        free(picks[i].path);
    free(picks);
    free(chunk);
    free(r);
    if (rc == 0 && !(e->parts = calloc(e->nmoves + 1, sizeof *e->parts)))
        rc = nomem(e, err);
    if (rc == 0)
        rc = commit(e, err);
    if (rc < 0)
        e->report.written = 0;
    return rc;
}

const exp_report *exp_result(const exp_export *e) { return &e->report; }

size_t exp_parts(const exp_export *e) { return e->nparts; }

const char *exp_part(const exp_export *e, size_t i) { return e->parts[i]; }

void exp_close(exp_export *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->nmoves; i++) {
        unlink(e->moves[i].from); /* fails, as it should, for the parts renamed into place */
        free(e->moves[i].from);
        free(e->moves[i].to);
    }
    /* Only the directories left empty go: a directory another run filled stays. */
    while (e->nmade > 0) {
        e->nmade--;
        if (e->nparts == 0)
            rmdir(e->made[e->nmade]);
        free(e->made[e->nmade]);
    }
    char *temp = e->made_temp ? path_join(e->dir, TEMP_DIR) : NULL;
    if (temp)
        rmdir(temp);
    free(temp);
    if (e->manifest_new) {
        char *manifest = path_join(e->dir, MANIFEST);
        if (manifest)
            unlink(manifest);
        free(manifest);
    }
    if (e->made_dir && e->nparts == 0)
        rmdir(e->dir);
    if (e->manifest >= 0)
        close(e->manifest);
    for (size_t i = 0; i < e->nparts; i++)
        free(e->parts[i]);
    free(e->parts);
    for (size_t i = 0; i < e->seen_cap; i++)
        free(e->seen[i].key);
    free(e->seen);
    free(e->moves);
    free(e->made);
    free(e->lines.p);
    free(e->dir);
    free(e);
}
