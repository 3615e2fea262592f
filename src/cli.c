/* cli.c: reading inputs for the subcommands, and the messages that go with it. */
#include "cli.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"
#include "json.h"
#include "mem.h"
#include "paging.h"
#include "shape.h"
#include "thread.h"

const char cli_common_help[] =
    "INPUT is a file, '-' (standard input; also when no INPUT is given and standard input is\n"
    "not a terminal) or a directory (walked recursively for *.json, *.ndjson, *.jsonl, each\n"
    "also with .gz). Gzip is recognized by its magic bytes, UTF-16 by its byte-order mark.\n"
    "Read: VB365 v5 restore sessions (array), v6 restore and data retrieval sessions\n"
    "(envelopes, or one session by id), Azure v1 job sessions; several documents per file.\n"
    "\n"
    "Limits: JSON nesting 512 levels; one string or number 64 MiB.\n"
    "\n"
    "Exit status: 0 success; 1 check found problems or diff found differences; 64 usage\n"
    "(bad option); 65 bad data (invalid JSON, unknown shape, session without id); 66 an\n"
    "input cannot be opened; 70 out of memory; 74 output could not be written.\n";

/* The formats part goes only to commands that write rows (their options name "format"). */
static const char format_help[] =
    "  -f, --format FMT      table (default), csv, json, ndjson or md\n"
    "      --csv-raw         csv: no ' before cells starting with = + - @ TAB CR\n";

const char cli_output_help[] =
    "  -o, --output FILE     write to FILE (written whole, then renamed into place)\n"
    "  -k, --keep-going      report damaged inputs, skip them and go on (exit status 65/66)\n"
    "      --max-memory SIZE the most memory the sessions read may take (default 4G; K, M,\n"
    "                        G suffixes); beyond it sessq stops with exit status 70\n"
    "  -j, --jobs N          read N files at the same time (default: one per core); with\n"
    "                        2 or more, one big file (16 MiB and up, not gzip) is read by\n"
    "                        two threads, and over 4096 rows are written by two; the\n"
    "                        output is the same for every N\n"
    "  -q, --quiet           no progress line (shown on a terminal for runs over a second)\n"
    "      --color WHEN      auto (the default: when writing to a terminal and NO_COLOR is\n"
    "                        not set), always or never: colours in tables and messages\n";

const char cli_filter_help[] =
    "Filters (all given must hold):\n"
    "      --since T         start at or after T (YYYY-MM-DD is midnight UTC; or an ISO\n"
    "                        timestamp, with or without offset)\n"
    "      --until T         start before T\n"
    "      --status A,B      status is one of these (any case); also --type, --source\n"
    "      --min-duration D  duration at least D (seconds, or a number with s, m, h, d)\n"
    "      --max-duration D  duration at most D\n"
    "      --match KEY=RE    the key's text matches the PCRE2 pattern RE (repeatable)\n"
    "      --where EXPR      e.g. 'status == \"Failed\" and (duration >= 1h or end == null)':\n"
    "                        KEY OP VALUE with OP one of == != < <= > >= =~, joined by and, or,\n"
    "                        not and parentheses; VALUE a \"string\", a number, a duration\n"
    "                        (90s, 1h), a timestamp (2022-01-28T10:00:00Z) or null. Text ==\n"
    "                        ignores ASCII case; a null key only passes == null and != VALUE.\n";

static sq_exit worse(sq_exit a, sq_exit b) { return a > b ? a : b; }

/* Whether messages on standard error are coloured: --color, else whether it is a terminal. */
static int colored_messages = -1;

static const char *paint(const char *sgr)
{
    if (colored_messages < 0)
        colored_messages = cli_color_for(CLI_COLOR_AUTO, stderr);
    return colored_messages ? sgr : "";
}

bool cli_color_for(cli_color when, FILE *fp)
{
    if (when != CLI_COLOR_AUTO)
        return when == CLI_COLOR_ALWAYS;
    const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");
    int fd = fileno(fp);
    return fd >= 0 && isatty(fd) && !(no_color && *no_color) && !(term && !strcmp(term, "dumb"));
}

/* Where reading problems go: to standard error, or (check) into the findings. */
/* Progress on standard error, for long runs at a terminal: updated by every reading thread,
 * printed by whichever comes when it is time. */
typedef struct {
    bool on;
    uint64_t total; /* bytes of all the files, as stored (0: unknown, e.g. a pipe) */
    size_t files;
    _Atomic uint64_t read;
    _Atomic size_t done;
    double start, last;
    bool shown;
    pthread_mutex_t lock;
} progress;

typedef struct {
    const cli_read_options *o;
    cli_read_stats *stats;
    progress *progress;
    pg_list *pages; /* every envelope read, as a page (NULL when there are no findings) */
} reading;

/* Reports one problem with an input and returns the exit status it stands for. */
static sq_exit problem(const reading *x, fnd_code code, sq_exit status, const char *file,
                       uint64_t line, uint64_t column, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static sq_exit problem(const reading *x, fnd_code code, sq_exit status, const char *file,
                       uint64_t line, uint64_t column, const char *fmt, ...)
{
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (x->o->as_findings && status != SQ_EXIT_SOFTWARE) {
        if (fnd_add(x->o->findings, code, file, line, column, "%s", message) < 0) {
            fprintf(stderr, "sessq: out of memory\n");
            return SQ_EXIT_SOFTWARE;
        }
        return status;
    }
    if (line)
        fprintf(stderr, "sessq: %s%s:%llu:%llu:%s %s\n", paint(OUT_SGR_BOLD), file,
                (unsigned long long)line, (unsigned long long)column, paint(OUT_SGR_RESET),
                message);
    else
        fprintf(stderr, "sessq: %s%s:%s %s\n", paint(OUT_SGR_BOLD), file, paint(OUT_SGR_RESET),
                message);
    return status;
}

static sq_exit input_problem(const reading *x, const char *name, const sq_error *e)
{
    if (e->code == IN_ERR_NOMEM)
        return problem(x, FND_UNREADABLE, SQ_EXIT_SOFTWARE, name, 0, 0, "out of memory");
    if (e->code == IN_ERR_OPEN || e->code == IN_ERR_READ)
        return problem(x, FND_UNREADABLE, SQ_EXIT_NOINPUT, name, 0, 0, "%s%s%s", e->message,
                       e->sys_errno ? ": " : "", e->sys_errno ? strerror(e->sys_errno) : "");
    return problem(x, FND_CORRUPT_INPUT, SQ_EXIT_DATA, name, 0, 0, "%s (at byte %llu of the file)",
                   e->message, (unsigned long long)e->offset);
}

static sq_exit read_problem(const reading *x, const char *name, const sq_error *e)
{
    switch (e->code) {
    case SHP_ERR_JSON:
        /* A finding's code already says "invalid-json". */
        return problem(x, FND_INVALID_JSON, SQ_EXIT_DATA, name, e->line, e->column, "%s%s%s%s",
                       x->o->as_findings ? "" : "invalid JSON: ", e->message,
                       e->detail ? ", found " : "", e->detail ? e->detail : "");
    case SHP_ERR_SHAPE:
        return problem(x, FND_UNKNOWN_SHAPE, SQ_EXIT_DATA, name, e->line, e->column, "%s",
                       e->message);
    case SHP_ERR_NO_ID:
        return problem(x, FND_MISSING_ID, SQ_EXIT_DATA, name, e->line, e->column, "%s", e->message);
    case SHP_ERR_POWERSHELL:
        return problem(x, FND_POWERSHELL_TRUNCATED, SQ_EXIT_DATA, name, e->line, e->column, "%s",
                       e->message);
    case SHP_ERR_LIMIT:
        return problem(x, FND_UNREADABLE, SQ_EXIT_SOFTWARE, name, 0, 0, "%s", e->message);
    case SHP_ERR_NOMEM:
        return problem(x, FND_UNREADABLE, SQ_EXIT_SOFTWARE, name, 0, 0, "out of memory");
    default: { /* SHP_ERR_INPUT: what input said */
        sq_error cause = *e;
        cause.code = e->cause;
        return input_problem(x, name, &cause);
    }
    }
}

/* One file to read, or a problem with an argument found while listing them. Reading fills
 * the rest: into a log of its own when files are read in parallel. */
typedef struct {
    char *path;
    bool no_dumps;       /* the argument is a directory without dumps */
    sq_error list_error; /* listing the argument failed (code != 0) */
    bool taken;          /* a thread is reading it, or has */
    bool done;           /* read into a log */
    bool main_only;      /* read by the main thread alone, in its turn: not a regular file, or
                            its log outgrew --max-memory */
    uint64_t counted;    /* bytes read, as told to the progress */
    int64_t size;        /* of a regular file; -1: standard input, a pipe, a device */
    bool opened;
    sq_error err;    /* code != 0: reading failed */
    char *name;      /* in_name() of the source */
    char detail[48]; /* err.detail's text: the reader that made it is gone */
    tbl_table *log;
    fnd_list *findings;
    pg_list *pages;
    shp_stats stats;
    dmp_spans *keep_spans; /* where to note where each record stood, or NULL */
    uint32_t index;        /* the input's number among the spans' inputs */
    int tee;               /* standard input's copy for a second reading, or -1 */
    shp_span *spans;       /* read into a log: those of its rows, one each */
    size_t nspans, spans_cap;
    tbl_table *table; /* read into the table itself: the table, for its last row */
} item;

/* Frees what reading the item gave: its name, log, findings and pages. */
static void forget_reading(item *it)
{
    free(it->name);
    tbl_free(it->log);
    fnd_free(it->findings);
    pg_free(it->pages);
    it->name = NULL;
    it->log = NULL;
    it->findings = NULL;
    it->pages = NULL;
}

static void item_free(item *it)
{
    forget_reading(it);
    free(it->path);
    free(it->spans);
    it->path = NULL;
    it->spans = NULL;
}

/* Whether the item is a file to read (not an argument that failed to list). */
static bool wanted(const item *it) { return it->path && !it->no_dumps && !it->list_error.code; }

/* Appends the files an argument names, or the problem it has, to *items. 0, or -1 when out of
 * memory. */
static int list_argument(const char *arg, item **items, size_t *n, size_t *cap)
{
    sq_error err = {0};
    char *bad = NULL;
    size_t count = 0;
    char **files = in_expand(&arg, 1, &count, &err, &bad);
    if (mem_reserve((void **)items, cap, *n + (files && count ? count : 1), sizeof **items) < 0) {
        free(bad);
        in_free_list(files);
        return -1;
    }
    if (!files || count == 0) {
        item *it = &(*items)[(*n)++];
        memset(it, 0, sizeof *it);
        it->path = strdup(bad ? bad : arg);
        if (!files)
            it->list_error = err;
        it->no_dumps = files != NULL;
        free(bad);
        in_free_list(files);
        return it->path ? 0 : -1;
    }
    for (size_t i = 0; i < count; i++) {
        item *it = &(*items)[(*n)++];
        memset(it, 0, sizeof *it);
        it->path = files[i];
    }
    free(files); /* the paths now belong to the items */
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void human_bytes(char *buf, size_t size, double bytes)
{
    const char *units[] = {"B", "KB", "MB", "GB", "TB"};
    int u = 0;
    while (bytes >= 1000 && u < 4) {
        bytes /= 1000;
        u++;
    }
    snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

/* Shown only after a second, and four times a second at most: short runs print nothing. */
static void show_progress(progress *p)
{
    double t = now();
    if (t - p->start < 1 || t - p->last < 0.25 || pthread_mutex_trylock(&p->lock))
        return;
    p->last = t;
    p->shown = true;
    char read[32], total[32], rate[32];
    uint64_t bytes = p->read;
    human_bytes(read, sizeof read, (double)bytes);
    human_bytes(total, sizeof total, (double)p->total);
    human_bytes(rate, sizeof rate, (double)bytes / (t - p->start));
    if (p->total)
        fprintf(stderr, "\rsessq: %s of %s (%d%%), %s/s, %zu of %zu files\033[K", read, total,
                (int)(100.0 * (double)bytes / (double)p->total), rate, (size_t)p->done, p->files);
    else
        fprintf(stderr, "\rsessq: %s, %s/s, %zu of %zu files\033[K", read, rate, (size_t)p->done,
                p->files);
    pthread_mutex_unlock(&p->lock);
}

static void count_bytes(void *ctx, uint64_t bytes)
{
    progress *p = ctx;
    p->read += bytes;
    if (p->on)
        show_progress(p);
}

/* The size of a regular file, or -1 for anything else (standard input, a pipe, a device). */
static int64_t file_size(const char *path)
{
    struct stat st;
    if (!path || !strcmp(path, "-") || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return -1;
    return (int64_t)st.st_size;
}

static void start_progress(progress *p, bool quiet, const item *items, size_t n)
{
    p->on = !quiet && isatty(STDERR_FILENO);
    p->start = p->last = now();
    p->files = n;
    for (size_t i = 0; i < n; i++)
        if (items[i].size > 0)
            p->total += (uint64_t)items[i].size;
    pthread_mutex_init(&p->lock, NULL);
}

static void end_progress(progress *p)
{
    if (p->shown)
        fputs("\r\033[K", stderr);
    pthread_mutex_destroy(&p->lock);
}

/* The log has one row per record, in order: the spans go beside them; read into the table
 * itself, a record's span goes with the row it went to. */
static int keep_span(void *ctx, const shp_span *span)
{
    item *it = ctx;
    if (it->table)
        return dmp_set_span(it->keep_spans, tbl_last_row(it->table), it->index, span);
    if (mem_reserve((void **)&it->spans, &it->spans_cap, it->nspans + 1, sizeof *it->spans) < 0)
        return -1;
    it->spans[it->nspans++] = *span;
    return 0;
}

/* Reads one file into `table` (the real one, or the item's own log), its pages into `pages`;
 * with two threads when `o` says so (read into the table, nothing else to note per record). */
static void read_item(item *it, tbl_table *table, fnd_list *findings, pg_list *pages, progress *p,
                      const cli_read_options *o)
{
    in_source *src = in_open(it->path, &it->err);
    if (!src)
        return;
    it->opened = true;
    it->name = strdup(in_name(src));
    shp_reader *r = it->name ? shp_new(table, findings) : NULL;
    if (r) {
        shp_set_progress(r, count_bytes, p);
        shp_set_pages(r, pages);
    }
    if (r && it->keep_spans)
        shp_set_record_hook(r, keep_span, it);
    else if (r && o && o->jobs > 1 && table != it->log && it->tee < 0)
        shp_set_split(r, o->split_min, o->split_share);
    if (it->tee >= 0)
        in_tee(src, it->tee);
    it->table = table == it->log ? NULL : table;
    if (it->keep_spans && it->table)
        dmp_begin(it->keep_spans, tbl_count(table));
    if (!r) {
        it->err = (sq_error){.code = SHP_ERR_NOMEM, .message = "out of memory"};
    } else if (shp_read(r, src, &it->err) == 0) {
        it->err.code = 0;
        it->stats = shp_totals(r);
    } else if (it->err.detail) {
        snprintf(it->detail, sizeof it->detail, "%s", it->err.detail);
        it->err.detail = it->detail;
    }
    if (it->keep_spans && it->table && it->err.code)
        dmp_rollback(it->keep_spans);
    else if (it->keep_spans && it->table)
        dmp_commit(it->keep_spans);
    it->counted = in_bytes_read(src);
    shp_free(r);
    in_close(src);
}

/* Adds a read log to the real table, record by record, as if read there: a session read
 * again with other values is a finding at the record's place. */
static sq_exit merge_log(const reading *x, tbl_table *t, const item *it)
{
    for (size_t row = 0; row < tbl_count(it->log); row++) {
        int added = tbl_add_row(t, it->log, row);
        /* The span goes to the row that took the record: a new one, or the one whose values it
         * replaced (or repeated), so that the later record's span wins as its values do. */
        if (added >= 0 && it->keep_spans &&
            (row >= it->nspans ||
             dmp_set_span(it->keep_spans, tbl_last_row(t), it->index, &it->spans[row]) < 0))
            added = TBL_ERR_NOMEM;
        if (added == TBL_ERR_LIMIT || added == TBL_ERR_NOMEM) {
            sq_error e = {.code = added == TBL_ERR_LIMIT ? SHP_ERR_LIMIT : SHP_ERR_NOMEM,
                          .message = added == TBL_ERR_LIMIT ? SHP_LIMIT_MESSAGE : "out of memory"};
            return read_problem(x, it->name, &e);
        }
        if (added == TBL_CHANGED && x->o->findings) {
            uint64_t line, column;
            sq_value source, id;
            char scratch[2][SES_TIME_BUFSZ];
            tbl_place(it->log, row, &line, &column);
            tbl_get(it->log, row, K_SOURCE, &source, scratch[0]);
            tbl_get(it->log, row, K_ID, &id, scratch[1]);
            if (fnd_add_duplicate(x->o->findings, it->name, line, column, source.text, id.text,
                                  id.len) < 0)
                return problem(x, FND_UNREADABLE, SQ_EXIT_SOFTWARE, it->name, 0, 0,
                               "out of memory");
        }
    }
    return SQ_EXIT_OK;
}

/* Adds the pages a worker read, after those of the inputs before it. */
static sq_exit merge_pages(const reading *x, const item *it)
{
    int rc = pg_append(x->pages, it->pages);
    if (rc == 0)
        return SQ_EXIT_OK;
    sq_error e = {.code = rc == PG_ERR_LIMIT ? SHP_ERR_LIMIT : SHP_ERR_NOMEM,
                  .message = rc == PG_ERR_LIMIT ? SHP_LIMIT_MESSAGE : "out of memory"};
    return read_problem(x, it->name, &e);
}

/* Reports what reading an item gave and adds its sessions, in input order. */
static sq_exit settle(const reading *x, tbl_table *t, item *it)
{
    if (it->no_dumps)
        return problem(x, FND_NO_DUMPS, SQ_EXIT_DATA, it->path, 0, 0,
                       "no dumps in this directory (files ending in .json, .ndjson or .jsonl, or "
                       "those with .gz)");
    if (it->list_error.code)
        return input_problem(x, it->path, &it->list_error);
    size_t first = x->o->findings ? fnd_count(x->o->findings) : 0;
    sq_exit status = SQ_EXIT_OK;
    if (it->findings && fnd_append(x->o->findings, it->findings) < 0)
        return problem(x, FND_UNREADABLE, SQ_EXIT_SOFTWARE, it->path, 0, 0, "out of memory");
    if (!it->opened) {
        status = input_problem(x, it->path, &it->err);
    } else if (it->err.code) {
        status = read_problem(x, it->name, &it->err);
    } else {
        if (it->log)
            status = merge_log(x, t, it);
        if (status == SQ_EXIT_OK && it->pages)
            status = merge_pages(x, it);
        x->stats->documents += it->stats.documents;
        x->stats->records += it->stats.records;
    }
    if (status == SQ_EXIT_OK)
        x->stats->files++;
    else
        x->stats->files_failed++;
    x->progress->done++;
    if (x->o->findings)
        fnd_sort_from(x->o->findings, first);
    return status;
}

/* ---- reading in parallel ------------------------------------------------------------------ */

/* The main thread reads too. It settles the inputs in order and reads the next one to settle
 * straight into the table when no worker has taken it; workers take inputs from the far end of
 * a window ahead of it, into logs that the main thread merges when it gets there. So on two
 * cores about half of the inputs need no log at all, and the two meet wherever the work
 * balances. */

#define SPARE_LOGS 8

typedef struct {
    item *items;
    size_t n;
    tbl_table *table; /* the logs count against its --max-memory */
    progress *progress;
    bool pages;        /* each item keeps its pages */
    size_t max_memory; /* what they may hold */
    size_t settled;    /* items the main thread has settled */
    size_t window;     /* how far workers may run ahead of settling */
    bool stop;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    /* Logs already merged, emptied for the next files: fresh ones would fault in fresh pages
     * for every file, which costs more than reading it. */
    tbl_table *spare[SPARE_LOGS];
    size_t nspare;
} pool;

/* The lock is held. */
static tbl_table *take_log(pool *p) { return p->nspare ? p->spare[--p->nspare] : tbl_new_log(); }

/* Keeps a merged log for another file, or frees it: also when the memory it keeps would take
 * what is read over --max-memory. */
static void give_back_log(pool *p, tbl_table *log)
{
    if (!log)
        return;
    tbl_clear(log);
    pthread_mutex_lock(&p->lock);
    if (p->nspare < SPARE_LOGS && tbl_fits(log)) {
        p->spare[p->nspare++] = log;
        log = NULL;
    }
    pthread_mutex_unlock(&p->lock);
    tbl_free(log);
}

/* The window's last untaken input (workers), or its first one after `from` (the main thread,
 * helping); n when there is none. The lock is held. */
static size_t untaken(const pool *p, size_t from, bool last)
{
    size_t end = p->settled + p->window < p->n ? p->settled + p->window : p->n;
    if (last) {
        for (size_t i = end; i > from; i--)
            if (!p->items[i - 1].taken && !p->items[i - 1].main_only)
                return i - 1;
        return p->n;
    }
    for (size_t i = from; i < end; i++)
        if (!p->items[i].taken && !p->items[i].main_only)
            return i;
    return p->n;
}

/* Forgets what a log's read gave, for the main thread to read the item again. */
static void leave_to_main(pool *p, item *it)
{
    atomic_fetch_sub(&p->progress->read, it->counted);
    forget_reading(it);
    it->opened = false;
    it->err = (sq_error){0};
    it->stats = (shp_stats){0};
    it->nspans = 0;
}

/* Reads a taken item into a log of its own; the lock is held, and held again on return. */
static void read_into_log(pool *p, item *it)
{
    if (wanted(it))
        it->log = take_log(p);
    pthread_mutex_unlock(&p->lock);
    bool again = false;
    if (wanted(it)) {
        it->findings = fnd_new();
        it->pages = p->pages ? pg_new() : NULL;
        if (it->pages)
            pg_set_limit(it->pages, p->max_memory);
        if (it->log && it->findings && (it->pages || !p->pages)) {
            tbl_charge_to(it->log, p->table);
            read_item(it, it->log, it->findings, it->pages, p->progress, NULL);
            /* Out of what the table leaves of --max-memory: the main thread, reading the item
             * in its turn, may have the memory (logs are only of regular files, which can be
             * read again). */
            if ((again = it->err.code == SHP_ERR_LIMIT))
                leave_to_main(p, it);
        } else {
            it->err = (sq_error){.code = SHP_ERR_NOMEM, .message = "out of memory"};
            it->opened = true;
        }
    }
    pthread_mutex_lock(&p->lock);
    if (again) {
        it->taken = false;
        it->main_only = true;
    } else {
        it->done = true;
    }
    pthread_cond_broadcast(&p->changed);
}

static void *worker(void *arg)
{
    pool *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        size_t i = untaken(p, p->settled, true);
        if (i == p->n) {
            if (p->settled >= p->n)
                break;
            pthread_cond_wait(&p->changed, &p->lock);
            continue;
        }
        p->items[i].taken = true;
        read_into_log(p, &p->items[i]);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* The main thread's part for item i, the next to settle: 1 when it is read (into the table, or
 * by a worker into its log), 0 when the main thread did something else meanwhile. The lock is
 * held, and held again on return. */
static int next_in_order(const reading *x, tbl_table *t, pool *p, size_t i)
{
    item *it = &p->items[i];
    if (it->done)
        return 1;
    if (!it->taken) {
        it->taken = true;
        pthread_mutex_unlock(&p->lock);
        if (wanted(it))
            read_item(it, t, x->o->findings, x->pages, x->progress, NULL);
        pthread_mutex_lock(&p->lock);
        return 1;
    }
    size_t later = untaken(p, i + 1, false);
    if (later < p->n) {
        p->items[later].taken = true;
        read_into_log(p, &p->items[later]);
    } else {
        pthread_cond_wait(&p->changed, &p->lock);
    }
    return 0;
}

/* Reads the items with the main thread and `jobs` - 1 workers, settling them in input order,
 * so that every output is the same whatever the number of threads. */
static sq_exit read_parallel(const reading *x, tbl_table *t, item *items, size_t n, unsigned jobs,
                             bool go_on)
{
    pool p = {items,
              n,
              t,
              x->progress,
              x->pages != NULL,
              x->o->max_memory,
              0,
              4 * (size_t)jobs,
              false,
              PTHREAD_MUTEX_INITIALIZER,
              PTHREAD_COND_INITIALIZER,
              {NULL},
              0};
    /* Standard input, pipes and devices are read once, in order: read ahead into a log, they
     * could not be read again when the log outgrows --max-memory. */
    for (size_t i = 0; i < n; i++)
        items[i].main_only = wanted(&items[i]) && items[i].size < 0;
    pthread_t threads[64];
    unsigned started = 0;
    while (started + 1 < jobs && started < 64 && thr_start(&threads[started], worker, &p) == 0)
        started++;
    sq_exit status = SQ_EXIT_OK;
    pthread_mutex_lock(&p.lock);
    for (size_t i = 0; i < n && (go_on || status == SQ_EXIT_OK) && status != SQ_EXIT_SOFTWARE;) {
        if (!next_in_order(x, t, &p, i))
            continue;
        pthread_mutex_unlock(&p.lock);
        status = worse(status, settle(x, t, &items[i]));
        give_back_log(&p, items[i].log);
        items[i].log = NULL;
        item_free(&items[i]);
        pthread_mutex_lock(&p.lock);
        p.settled = ++i;
        pthread_cond_broadcast(&p.changed);
    }
    p.stop = true;
    pthread_cond_broadcast(&p.changed);
    pthread_mutex_unlock(&p.lock);
    for (unsigned i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    while (p.nspare)
        tbl_free(p.spare[--p.nspare]);
    pthread_mutex_destroy(&p.lock);
    pthread_cond_destroy(&p.changed);
    return status;
}

static sq_exit read_sequential(const reading *x, tbl_table *t, item *items, size_t n, bool go_on)
{
    sq_exit status = SQ_EXIT_OK;
    for (size_t i = 0; i < n && (go_on || status == SQ_EXIT_OK) && status != SQ_EXIT_SOFTWARE;
         i++) {
        if (wanted(&items[i]))
            read_item(&items[i], t, x->o->findings, x->pages, x->progress, x->o);
        status = worse(status, settle(x, t, &items[i]));
    }
    return status;
}

/* Once every input is read (or skipped): what the pages of each collection show. Not after a
 * run stopped at a bad input, whose unread pages would look missing. */
static sq_exit check_pages(const reading *x, sq_exit status, bool go_on)
{
    if (!x->pages || status == SQ_EXIT_SOFTWARE || (status != SQ_EXIT_OK && !go_on))
        return SQ_EXIT_OK;
    if (pg_check(x->pages, x->o->findings) < 0) {
        fprintf(stderr, "sessq: out of memory\n");
        return SQ_EXIT_SOFTWARE;
    }
    return SQ_EXIT_OK;
}

/* For commands other than check: one line saying that the data had oddities, and where to
 * see them. */
static void mention_findings(const fnd_list *l)
{
    uint64_t n = fnd_total(l, FND_WARNING) + fnd_total(l, FND_ERROR);
    if (n == 0)
        return;
    fprintf(stderr, "sessq: %snote:%s the input has %llu oddit%s (", paint(OUT_SGR_BOLD_CYAN),
            paint(OUT_SGR_RESET), (unsigned long long)n, n == 1 ? "y" : "ies");
    const char *sep = "";
    bool gaps = false;
    for (fnd_code c = 0; c < FND_NCODES; c++) {
        uint64_t k = 0;
        for (size_t i = 0; i < fnd_count(l); i++)
            k += fnd_get(l, i)->code == c;
        k += fnd_dropped(l, c);
        if (k && fnd_code_severity(c) != FND_INFO) {
            fprintf(stderr, "%s%llu %s", sep, (unsigned long long)k, fnd_code_name(c));
            sep = ", ";
            gaps |= c == FND_PAGING_GAP;
        }
    }
    fprintf(stderr, "): %s'sessq check' shows where\n",
            gaps ? "pages are missing, and the sessions on them; " : "");
}

/* Numbers the inputs for their spans, gives standard input a file to be copied to, and notes
 * each one's size (for the progress; -1 for what can be read only once). */
static sq_exit note_inputs(dmp_spans *spans, item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        items[i].size = file_size(items[i].path);
        items[i].tee = -1;
        items[i].index = (uint32_t)i;
        items[i].keep_spans = spans;
        if (spans && dmp_add_input(spans, items[i].path, &items[i].tee) < 0) {
            fprintf(stderr, "sessq: %s: cannot keep a copy for a second reading: %s\n",
                    strcmp(items[i].path, "-") ? items[i].path : "<stdin>", strerror(errno));
            return errno == ENOMEM ? SQ_EXIT_SOFTWARE : SQ_EXIT_IOERR;
        }
    }
    return SQ_EXIT_OK;
}

sq_exit cli_read_inputs(tbl_table *t, char *const *args, size_t nargs, const cli_read_options *o,
                        cli_read_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    static char *const standard_input[] = {"-"};
    if (nargs == 0) {
        if (isatty(STDIN_FILENO)) {
            fprintf(stderr, "sessq: no INPUT given, and standard input is a terminal "
                            "(give files or directories, or '-' to read standard input)\n");
            return SQ_EXIT_USAGE;
        }
        args = standard_input;
        nargs = 1;
    }
    item *items = NULL;
    size_t n = 0, cap = 0;
    sq_exit status = SQ_EXIT_OK;
    for (size_t a = 0; a < nargs && status == SQ_EXIT_OK; a++)
        if (list_argument(args[a], &items, &n, &cap) < 0)
            status = SQ_EXIT_SOFTWARE;
    if (status != SQ_EXIT_OK)
        fprintf(stderr, "sessq: out of memory\n");
    else
        status = note_inputs(o->spans, items, n);
    if (status == SQ_EXIT_OK) {
        tbl_set_limit(t, o->max_memory);
        progress p = {0};
        start_progress(&p, o->quiet, items, n);
        reading x = {o, stats, &p, o->findings ? pg_new() : NULL};
        bool go_on = o->keep_going || o->as_findings;
        unsigned jobs = o->jobs ? o->jobs : 1;
        if (x.pages)
            pg_set_limit(x.pages, o->max_memory);
        if (o->findings && !x.pages)
            status = problem(&x, FND_UNREADABLE, SQ_EXIT_SOFTWARE, "-", 0, 0, "out of memory");
        else
            status = jobs > 1 && n > 1 ? read_parallel(&x, t, items, n, jobs, go_on)
                                       : read_sequential(&x, t, items, n, go_on);
        end_progress(&p);
        status = worse(status, check_pages(&x, status, go_on));
        pg_free(x.pages);
    }
    for (size_t i = 0; i < n; i++)
        item_free(&items[i]);
    free(items);
    if (!o->as_findings && o->findings)
        mention_findings(o->findings);
    return status;
}

size_t cli_terminal_width(FILE *fp)
{
    int fd = fileno(fp);
    if (fd < 0 || !isatty(fd))
        return 0;
    const char *columns = getenv("COLUMNS");
    if (columns && *columns) {
        char *end;
        long n = strtol(columns, &end, 10);
        if (!*end && n > 0)
            return (size_t)n;
    }
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

out_file *cli_open_output(const char *path)
{
    out_file *file = out_file_open(path);
    if (!file)
        fprintf(stderr, "sessq: %s: cannot write: %s\n", path ? path : "-", strerror(errno));
    return file;
}

sq_exit cli_output_failed(int errnum)
{
    fprintf(stderr, "sessq: cannot write output: %s\n", strerror(errnum));
    return SQ_EXIT_IOERR;
}

static const char *const flag_names[] = {
    [CLI_OPT_SINCE - CLI_OPT_SINCE] = "--since",
    [CLI_OPT_UNTIL - CLI_OPT_SINCE] = "--until",
    [CLI_OPT_STATUS - CLI_OPT_SINCE] = "--status",
    [CLI_OPT_TYPE - CLI_OPT_SINCE] = "--type",
    [CLI_OPT_SOURCE - CLI_OPT_SINCE] = "--source",
    [CLI_OPT_MIN_DURATION - CLI_OPT_SINCE] = "--min-duration",
    [CLI_OPT_MAX_DURATION - CLI_OPT_SINCE] = "--max-duration",
    [CLI_OPT_MATCH - CLI_OPT_SINCE] = "--match",
    [CLI_OPT_WHERE - CLI_OPT_SINCE] = "--where",
};

/* Prints the argument and a caret under its column-th character. */
static void point_at(const char *arg, uint64_t column)
{
    fprintf(stderr, "  %s\n  ", arg);
    uint64_t chars = 0;
    for (const unsigned char *p = (const unsigned char *)arg; *p && chars + 1 < column; p++) {
        if ((*p & 0xC0) != 0x80) {
            fputc(*p == '\t' ? '\t' : ' ', stderr);
            chars++;
        }
    }
    fprintf(stderr, "%s^%s\n", paint(OUT_SGR_BOLD_RED), paint(OUT_SGR_RESET));
}

sq_exit cli_filter_flag(flt_filter *f, int opt, const char *arg)
{
    typedef int (*adder)(flt_filter *, const char *, sq_error *);
    static const adder adders[] = {
        flt_add_since,        flt_add_until,        flt_add_status, flt_add_type,  flt_add_source,
        flt_add_min_duration, flt_add_max_duration, flt_add_match,  flt_add_where,
    };
    sq_error err = {0};
    if (adders[opt - CLI_OPT_SINCE](f, arg, &err) == 0)
        return SQ_EXIT_OK;
    const char *name = flag_names[opt - CLI_OPT_SINCE];
    if (err.code == FLT_ERR_NOMEM) {
        fprintf(stderr, "sessq: out of memory\n");
        return SQ_EXIT_SOFTWARE;
    }
    if (err.column)
        fprintf(stderr, "sessq: %s: column %llu: %s%s%s\n", name, (unsigned long long)err.column,
                err.message, err.detail ? ": " : "", err.detail ? err.detail : "");
    else
        fprintf(stderr, "sessq: %s: %s%s%s: '%s'\n", name, err.message, err.detail ? ": " : "",
                err.detail ? err.detail : "", arg);
    if (err.column)
        point_at(arg, err.column);
    return SQ_EXIT_USAGE;
}

size_t *cli_select(const tbl_table *t, const flt_filter *f, size_t *n)
{
    size_t total = tbl_count(t);
    *n = 0;
    if (total == 0)
        return NULL;
    size_t *rows = mem_alloc(total * sizeof *rows);
    if (!rows) {
        *n = SIZE_MAX;
        return NULL;
    }
    for (size_t r = 0; r < total; r++)
        if (flt_test(f, t, r))
            rows[(*n)++] = r;
    return rows;
}

int cli_key_list(const char *what, const char *list, ses_key *keys, bool *desc, size_t max)
{
    size_t count = 0;
    const char *p = list;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        bool minus = desc && len > 0 && p[0] == '-';
        int k = ses_key_lookup(p + minus, len - minus);
        if (k < 0 || count == max) {
            fprintf(stderr, "sessq: %s: %s '%.*s' (keys: ", what,
                    k < 0 ? "unknown key" : "too many keys at", (int)len, p);
            for (int i = 0; i < SES_NALLKEYS; i++)
                fprintf(stderr, "%s%s", i ? ", " : "", ses_key_name((ses_key)i));
            fprintf(stderr, ")\n");
            return -1;
        }
        if (desc)
            desc[count] = minus;
        keys[count++] = (ses_key)k;
        if (!end)
            return (int)count;
        p = end + 1;
    }
}

sq_exit cli_order_option(cli_order *o, int opt, const char *arg)
{
    if (opt == 's') {
        int n = cli_key_list("--sort", arg, o->sort, o->desc, sizeof o->sort / sizeof *o->sort);
        o->nsort = n < 0 ? 0 : (size_t)n;
        return n < 0 ? SQ_EXIT_USAGE : SQ_EXIT_OK;
    }
    char *end;
    if (arg[0] < '0' || arg[0] > '9' || (o->limit = strtoull(arg, &end, 10), *end)) {
        fprintf(stderr, "sessq: --limit: expected a whole number, not '%s'\n", arg);
        return SQ_EXIT_USAGE;
    }
    o->has_limit = true;
    return SQ_EXIT_OK;
}

sq_exit cli_order_rows(const cli_order *o, const tbl_table *t, size_t *rows, size_t nrows,
                       size_t *n)
{
    if (tbl_sort(t, rows, nrows, o->sort, o->desc, o->nsort) < 0) {
        fprintf(stderr, "sessq: out of memory\n");
        return SQ_EXIT_SOFTWARE;
    }
    *n = o->has_limit && o->limit < nrows ? o->limit : nrows;
    return SQ_EXIT_OK;
}

/* SESSQ_SIMD=scalar|sse2|avx2|auto: how the tokenizer scans, to compare or to work around. */
static sq_exit choose_simd(const char *name)
{
    static const struct {
        const char *name;
        json_simd level;
    } levels[] = {{"auto", JSON_SIMD_AUTO},
                  {"scalar", JSON_SIMD_SCALAR},
                  {"sse2", JSON_SIMD_SSE2},
                  {"avx2", JSON_SIMD_AVX2}};
    if (!name || !*name)
        return SQ_EXIT_OK;
    for (size_t i = 0; i < sizeof levels / sizeof *levels; i++)
        if (!strcmp(name, levels[i].name)) {
            json_set_simd(levels[i].level);
            return SQ_EXIT_OK;
        }
    fprintf(stderr, "sessq: SESSQ_SIMD='%s': expected auto, scalar, sse2 or avx2\n", name);
    return SQ_EXIT_USAGE;
}

static int parse_size(const char *arg, size_t *bytes);

/* "SIZE[:SHARE]" into its parts; -1 when it is not that. */
static int parse_split(const char *value, uint64_t *min, unsigned *share)
{
    char size[32];
    const char *colon = strchr(value, ':');
    size_t n = colon ? (size_t)(colon - value) : strlen(value), bytes;
    char *end = NULL;
    unsigned long pc = colon ? strtoul(colon + 1, &end, 10) : SHP_SPLIT_SHARE;
    if (n >= sizeof size || (colon && (*end || end == colon + 1 || pc < 1 || pc > 99)))
        return -1;
    memcpy(size, value, n);
    size[n] = '\0';
    if (parse_size(size, &bytes) < 0 || bytes == 0)
        return -1;
    *min = bytes;
    *share = (unsigned)pc;
    return 0;
}

/* SESSQ_SPLIT=off|SIZE[:SHARE]: from what size one input is read by two threads, and where the
 * second starts (per cent of what is left); to tune, and for tests to split small inputs. */
static sq_exit choose_split(cli_read_options *o, const char *value)
{
    o->split_min = SHP_SPLIT_MIN;
    o->split_share = SHP_SPLIT_SHARE;
    if (!value || !*value)
        return SQ_EXIT_OK;
    if (!strcmp(value, "off")) {
        o->split_min = 0;
        return SQ_EXIT_OK;
    }
    if (parse_split(value, &o->split_min, &o->split_share) == 0)
        return SQ_EXIT_OK;
    fprintf(stderr,
            "sessq: SESSQ_SPLIT='%s': expected off, or a size (16M) with an optional ':' and a "
            "share from 1 to 99\n",
            value);
    return SQ_EXIT_USAGE;
}

sq_exit cli_common_init(cli_common *c)
{
    memset(c, 0, sizeof *c);
    c->fmt = OUT_TABLE;
    c->read.max_memory = CLI_DEFAULT_MAX_MEMORY;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    c->read.jobs = cores > 0 ? (unsigned)(cores < 64 ? cores : 64) : 1;
    c->filter = flt_new();
    c->read.findings = fnd_new();
    if (!c->filter || !c->read.findings) {
        fprintf(stderr, "sessq: out of memory\n");
        return SQ_EXIT_SOFTWARE;
    }
    sq_exit status = choose_simd(getenv("SESSQ_SIMD"));
    return status ? status : choose_split(&c->read, getenv("SESSQ_SPLIT"));
}

void cli_common_free(cli_common *c)
{
    flt_free(c->filter);
    fnd_free(c->read.findings);
    free(c->filters);
}

/* "512M", "4G", "1048576": bytes. */
static int parse_size(const char *arg, size_t *bytes)
{
    char *end;
    if (arg[0] < '0' || arg[0] > '9')
        return -1;
    unsigned long long v = strtoull(arg, &end, 10);
    unsigned shift = 0;
    if (*end) {
        const char *units = "KMGT";
        const char *u = strchr(units, *end & ~0x20);
        if (!u || (end[1] && !(end[1] == 'B' || end[1] == 'b')) || (end[1] && end[2]))
            return -1;
        shift = 10 * (unsigned)(u - units + 1);
    }
    if (v > (SIZE_MAX >> shift))
        return -1;
    *bytes = (size_t)v << shift;
    return 0;
}

/* Keeps "--since 2022-03-01 --status failed" for a page that states the filters. */
static sq_exit note_filter(cli_common *c, const char *flag, const char *arg)
{
    size_t add = strlen(flag) + strlen(arg) + 3;
    char *grown = realloc(c->filters, c->filters_len + add);
    if (!grown) {
        fprintf(stderr, "sessq: out of memory\n");
        return SQ_EXIT_SOFTWARE;
    }
    c->filters = grown;
    c->filters_len +=
        (size_t)sprintf(grown + c->filters_len, "%s%s %s", c->filters_len ? " " : "", flag, arg);
    return SQ_EXIT_OK;
}

sq_exit cli_common_option(cli_common *c, int opt, const char *arg, bool *taken)
{
    *taken = true;
    switch (opt) {
    case 'f':
        c->fmt_given = true;
        if (out_format_parse(arg, &c->fmt) < 0) {
            fprintf(stderr, "sessq: -f: unknown format '%s' (table, csv, json, ndjson or md)\n",
                    arg);
            return SQ_EXIT_USAGE;
        }
        return SQ_EXIT_OK;
    case 'o':
        c->output = arg;
        return SQ_EXIT_OK;
    case CLI_OPT_CSV_RAW:
        c->out.csv_raw = true;
        return SQ_EXIT_OK;
    case 'k':
        c->read.keep_going = true;
        return SQ_EXIT_OK;
    case 'q':
        c->read.quiet = true;
        return SQ_EXIT_OK;
    case CLI_OPT_COLOR:
        if (!strcmp(arg, "auto") || !strcmp(arg, "always") || !strcmp(arg, "never")) {
            c->color = arg[0] == 'n'   ? CLI_COLOR_NEVER
                       : arg[1] == 'l' ? CLI_COLOR_ALWAYS
                                       : CLI_COLOR_AUTO;
            colored_messages = cli_color_for(c->color, stderr);
            return SQ_EXIT_OK;
        }
        fprintf(stderr, "sessq: --color: expected auto, always or never, not '%s'\n", arg);
        return SQ_EXIT_USAGE;
    case 'j': {
        char *end;
        long n = strtol(arg, &end, 10);
        if (*end || n < 1 || n > 64) {
            fprintf(stderr, "sessq: --jobs: expected a number from 1 to 64, not '%s'\n", arg);
            return SQ_EXIT_USAGE;
        }
        c->read.jobs = (unsigned)n;
        return SQ_EXIT_OK;
    }
    case CLI_OPT_MAX_MEMORY:
        if (parse_size(arg, &c->read.max_memory) < 0) {
            fprintf(stderr, "sessq: --max-memory: expected a size like 512M or 4G, not '%s'\n",
                    arg);
            return SQ_EXIT_USAGE;
        }
        return SQ_EXIT_OK;
    default:
        if (opt >= CLI_OPT_SINCE && opt <= CLI_OPT_WHERE) {
            sq_exit status = cli_filter_flag(c->filter, opt, arg);
            return status == SQ_EXIT_OK ? note_filter(c, flag_names[opt - CLI_OPT_SINCE], arg)
                                        : status;
        }
        *taken = false;
        return SQ_EXIT_OK;
    }
}

bool cli_should_write(const cli_common *c, sq_exit status)
{
    return status == SQ_EXIT_OK ||
           (c->read.keep_going && (status == SQ_EXIT_DATA || status == SQ_EXIT_NOINPUT));
}

sq_exit cli_load(const cli_common *c, char *const *args, size_t nargs, tbl_table **t, size_t **rows,
                 size_t *nrows, cli_read_stats *stats)
{
    *rows = NULL;
    *nrows = 0;
    *t = tbl_new();
    if (!*t) {
        fprintf(stderr, "sessq: out of memory\n");
        return SQ_EXIT_SOFTWARE;
    }
    sq_exit status = cli_read_inputs(*t, args, nargs, &c->read, stats);
    if (!cli_should_write(c, status))
        return status;
    *rows = cli_select(*t, c->filter, nrows);
    if (*nrows == SIZE_MAX) {
        *nrows = 0;
        fprintf(stderr, "sessq: out of memory\n");
        return SQ_EXIT_SOFTWARE;
    }
    return status;
}

/* The rows of cli_emit(), in blocks of EMIT_BLOCK_ROWS: the even ones formatted by the main
 * thread straight into its writer; the odd ones too, or, when a helper thread was started, by
 * the helper into two parts in turn, which the main thread writes in order between its own. */
typedef struct {
    cli_row_fn fill;
    void *ctx;
    size_t nrows;
    bool helped;
    out_writer *part[2];
    size_t held[2]; /* the block a part holds, ready to be written; SIZE_MAX: free */
    bool stop;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    pthread_t helper;
    sq_value *vals; /* the helper's */
    char (*scratch)[SES_TIME_BUFSZ];
} emitter;

static size_t block_end(const emitter *e, size_t b)
{
    return (b + 1) * EMIT_BLOCK_ROWS < e->nrows ? (b + 1) * EMIT_BLOCK_ROWS : e->nrows;
}

/* The part odd block b goes to. */
static size_t part_of(size_t b) { return b / 2 % 2; }

/* The helper: the odd blocks, each into its part once that is free; a failure stays in the
 * part, for out_add_part() to tell. */
static void *format_blocks(void *arg)
{
    emitter *e = arg;
    for (size_t b = 1; b * EMIT_BLOCK_ROWS < e->nrows; b += 2) {
        out_writer *part = e->part[part_of(b)];
        pthread_mutex_lock(&e->lock);
        while (!e->stop && e->held[part_of(b)] != SIZE_MAX)
            pthread_cond_wait(&e->changed, &e->lock);
        bool stop = e->stop;
        pthread_mutex_unlock(&e->lock);
        if (stop)
            break;
        out_part_reset(part, b * EMIT_BLOCK_ROWS);
        for (size_t i = b * EMIT_BLOCK_ROWS; i < block_end(e, b); i++) {
            e->fill(e->ctx, i, e->vals, e->scratch);
            out_row(part, e->vals);
        }
        pthread_mutex_lock(&e->lock);
        e->held[part_of(b)] = b;
        pthread_cond_broadcast(&e->changed);
        pthread_mutex_unlock(&e->lock);
    }
    return NULL;
}

/* The main thread: every block in order; 0, or -1 (errno set) as out_row(). */
static int write_blocks(emitter *e, out_writer *w, sq_value *vals, char (*scratch)[SES_TIME_BUFSZ])
{
    int rc = 0;
    for (size_t b = 0; b * EMIT_BLOCK_ROWS < e->nrows && rc == 0; b++) {
        if (b % 2 == 0 || !e->helped) {
            for (size_t i = b * EMIT_BLOCK_ROWS; i < block_end(e, b) && rc == 0; i++) {
                e->fill(e->ctx, i, vals, scratch);
                rc = out_row(w, vals);
            }
            continue;
        }
        pthread_mutex_lock(&e->lock);
        while (e->held[part_of(b)] != b)
            pthread_cond_wait(&e->changed, &e->lock);
        pthread_mutex_unlock(&e->lock);
        rc = out_add_part(w, e->part[part_of(b)]);
        pthread_mutex_lock(&e->lock);
        e->held[part_of(b)] = SIZE_MAX;
        pthread_cond_broadcast(&e->changed);
        pthread_mutex_unlock(&e->lock);
    }
    return rc;
}

static void free_helper(emitter *e)
{
    out_free(e->part[0]);
    out_free(e->part[1]);
    free(e->vals);
    free(e->scratch);
}

/* Starts the helper; e->helped says whether it could be (else nothing is held). */
static void start_helper(emitter *e, const cli_common *c, const char *const *names, size_t ncols)
{
    e->part[0] = out_new_part(c->fmt, names, ncols, &c->out);
    e->part[1] = out_new_part(c->fmt, names, ncols, &c->out);
    e->vals = calloc(ncols ? ncols : 1, sizeof *e->vals);
    e->scratch = calloc(ncols ? ncols : 1, sizeof *e->scratch);
    e->helped = e->part[0] && e->part[1] && e->vals && e->scratch;
    if (e->helped && thr_start(&e->helper, format_blocks, e) == 0)
        return;
    free_helper(e);
    e->helped = false;
}

/* Stops the helper (it may be waiting for a part the main thread, failing, never took) and
 * frees what it held, keeping errno. */
static void stop_helper(emitter *e)
{
    int saved = errno;
    pthread_mutex_lock(&e->lock);
    e->stop = true;
    pthread_cond_broadcast(&e->changed);
    pthread_mutex_unlock(&e->lock);
    pthread_join(e->helper, NULL);
    free_helper(e);
    pthread_mutex_destroy(&e->lock);
    pthread_cond_destroy(&e->changed);
    errno = saved;
}

sq_exit cli_emit(const cli_common *c, const char *const *names, size_t ncols, size_t nrows,
                 cli_row_fn fill, void *ctx, const char *note)
{
    out_file *file = cli_open_output(c->output);
    if (!file)
        return SQ_EXIT_IOERR;
    out_options opt = c->out;
    opt.width = c->fmt == OUT_TABLE ? cli_terminal_width(out_file_stream(file)) : 0;
    opt.color = c->fmt == OUT_TABLE && cli_color_for(c->color, out_file_stream(file));
    out_writer *w = out_new(c->fmt, out_file_stream(file), names, ncols, &opt);
    sq_value *vals = calloc(ncols ? ncols : 1, sizeof *vals);
    char(*scratch)[SES_TIME_BUFSZ] = calloc(ncols ? ncols : 1, sizeof *scratch);
    emitter e = {.fill = fill,
                 .ctx = ctx,
                 .nrows = nrows,
                 .held = {SIZE_MAX, SIZE_MAX},
                 .lock = PTHREAD_MUTEX_INITIALIZER,
                 .changed = PTHREAD_COND_INITIALIZER};
    int rc = w && vals && scratch ? 0 : (errno = ENOMEM, -1);
    if (rc == 0 && c->read.jobs > 1 && c->fmt != OUT_TABLE && nrows > EMIT_BLOCK_ROWS)
        start_helper(&e, c, names, ncols);
    if (rc == 0)
        rc = write_blocks(&e, w, vals, scratch);
    if (e.helped)
        stop_helper(&e);
    if (rc == 0 && note)
        out_note(w, note);
    if (rc == 0)
        rc = out_finish(w);
    int saved = errno;
    out_free(w);
    free(vals);
    free(scratch);
    if (out_file_close(file, rc == 0) < 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    return rc == 0 ? SQ_EXIT_OK : cli_output_failed(saved);
}

/* ---- dumps (extract, redact) -------------------------------------------------------------- */

typedef struct {
    size_t count[DMP_NSHAPES];
    int order[DMP_NSHAPES]; /* the shapes there are, in the order they first come */
    size_t n;
} shape_counts;

static sq_exit count_shapes(const dmp_spans *spans, const size_t *rows, size_t nrows,
                            shape_counts *sc)
{
    memset(sc, 0, sizeof *sc);
    for (size_t i = 0; i < nrows; i++) {
        int shape = dmp_shape_of(spans, rows[i]);
        if (shape < 0) {
            fprintf(stderr, "sessq: internal error: a session without its place in the input\n");
            return SQ_EXIT_SOFTWARE;
        }
        if (sc->count[shape]++ == 0)
            sc->order[sc->n++] = shape;
    }
    return SQ_EXIT_OK;
}

static sq_exit mixed_shapes(const char *command, const shape_counts *sc)
{
    fprintf(stderr, "sessq: %s: the sessions selected come from dumps of %zu shapes (", command,
            sc->n);
    for (size_t i = 0; i < sc->n; i++)
        fprintf(stderr, "%s%zu %s", i ? ", " : "", sc->count[sc->order[i]],
                dmp_shape_name(sc->order[i]));
    fprintf(stderr, "), and one dump holds one shape: choose one with --source or other "
                    "filters, or write one file per shape with --split DIR\n");
    return SQ_EXIT_USAGE;
}

/* The shape of a dump of no session: that of every session read, when they have one. */
static int empty_shape(const dmp_spans *spans, const tbl_table *t)
{
    int shape = -1;
    for (size_t row = 0; row < tbl_count(t); row++) {
        int s = dmp_shape_of(spans, row);
        if (shape >= 0 && s != shape)
            return -1;
        shape = s;
    }
    return shape;
}

static sq_exit write_dump(const char *path, const dmp_records *recs, int shape, dmp_transform fn,
                          void *ctx)
{
    out_file *file = cli_open_output(path);
    if (!file)
        return SQ_EXIT_IOERR;
    int rc = dmp_write(recs, shape, out_file_stream(file), fn, ctx);
    int saved = errno;
    if (out_file_close(file, rc == 0) < 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    if (rc == 0)
        return SQ_EXIT_OK;
    fprintf(stderr, "sessq: %s: cannot write: %s\n", path ? path : "-", strerror(saved));
    return saved == ENOMEM ? SQ_EXIT_SOFTWARE : SQ_EXIT_IOERR;
}

static sq_exit write_split(const char *dir, const dmp_records *recs, const shape_counts *sc,
                           dmp_transform fn, void *ctx)
{
    struct stat st;
    if (mkdir(dir, 0777) < 0 && !(errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))) {
        fprintf(stderr, "sessq: %s: cannot make the directory: %s\n", dir,
                strerror(errno == EEXIST ? ENOTDIR : errno));
        return SQ_EXIT_IOERR;
    }
    sq_exit status = SQ_EXIT_OK;
    for (size_t i = 0; i < sc->n && status == SQ_EXIT_OK; i++) {
        const char *name = dmp_shape_name(sc->order[i]);
        size_t n = strlen(dir) + strlen(name) + sizeof "/.json";
        char *path = malloc(n);
        if (!path) {
            fprintf(stderr, "sessq: out of memory\n");
            return SQ_EXIT_SOFTWARE;
        }
        snprintf(path, n, "%s/%s.json", dir, name);
        status = write_dump(path, recs, sc->order[i], fn, ctx);
        free(path);
    }
    return status;
}

static sq_exit collect_failed(const char *command, const sq_error *err, const char *where)
{
    cli_read_options quiet = {0};
    reading x = {&quiet, NULL, NULL, NULL};
    sq_error cause = *err;
    switch (err->code) {
    case DMP_ERR_INPUT:
        cause.code = err->cause;
        return input_problem(&x, where, &cause);
    case DMP_ERR_CHANGED:
        fprintf(stderr, "sessq: %s: %s (it is read twice: once to select, once to copy)\n", where,
                err->message);
        return SQ_EXIT_NOINPUT;
    case DMP_ERR_TEMP:
        fprintf(stderr, "sessq: %s: %s ($TMPDIR, else /tmp): %s\n", command, err->message,
                strerror(err->sys_errno));
        return SQ_EXIT_IOERR;
    default:
        fprintf(stderr, "sessq: out of memory\n");
        return SQ_EXIT_SOFTWARE;
    }
}

sq_exit cli_write_dumps(const cli_common *c, const char *command, const dmp_spans *spans,
                        const tbl_table *t, const size_t *rows, size_t nrows, const char *split_dir,
                        dmp_transform fn, void *ctx)
{
    shape_counts sc;
    sq_exit status = count_shapes(spans, rows, nrows, &sc);
    if (status != SQ_EXIT_OK)
        return status;
    if (!split_dir && sc.n > 1)
        return mixed_shapes(command, &sc);
    sq_error err;
    const char *where;
    dmp_records *recs = dmp_collect(spans, rows, nrows, &err, &where);
    if (!recs)
        return collect_failed(command, &err, where);
    if (split_dir) {
        status = write_split(split_dir, recs, &sc, fn, ctx);
    } else {
        int shape = sc.n ? sc.order[0] : empty_shape(spans, t);
        /* No session and no one shape read: an empty bare array says "none" to every reader. */
        if (shape < 0)
            shape = dmp_shape_index(SES_SRC_VB365_RESTORE, SHP_DOC_ARRAY);
        status = write_dump(c->output, recs, shape, fn, ctx);
    }
    dmp_records_free(recs);
    return status;
}

sq_exit cli_bad_option(const char *command, int c, char **argv, const char *usage)
{
    const char *arg = argv[optind - 1];
    if (c == ':')
        fprintf(stderr, "sessq: %s: option '%s' needs a value\n", command, arg);
    else if (optopt && arg[0] == '-' && arg[1] != '-')
        fprintf(stderr, "sessq: %s: unknown option '-%c'\n", command, optopt);
    else
        fprintf(stderr, "sessq: %s: unknown option '%s'\n", command, arg);
    fprintf(stderr, "\n%s", usage);
    return SQ_EXIT_USAGE;
}

static bool writes_rows(const struct option *longopts)
{
    for (const struct option *o = longopts; o->name; o++)
        if (!strcmp(o->name, "format"))
            return true;
    return false;
}

/* ":" and the common short options whose long forms the command lists: extract and redact,
 * which write dumps, have no --format, and so no -f either. */
static void common_short(const struct option *longopts, char *out, size_t size)
{
    size_t n = 0;
    out[n++] = ':';
    for (const char *c = CLI_COMMON_SHORT; *c && n + 3 < size; c++) {
        if (*c == ':')
            continue;
        bool listed = false;
        for (const struct option *o = longopts; o->name && !listed; o++)
            listed = o->val == *c;
        if (!listed)
            continue;
        out[n++] = *c;
        if (c[1] == ':')
            out[n++] = ':';
    }
    out[n] = '\0';
}

sq_exit cli_parse(int argc, char **argv, const char *own_short, const struct option *longopts,
                  const char *usage, cli_common *c, cli_option_fn own, void *ctx, bool *help,
                  int *first)
{
    char shortopts[64];
    common_short(longopts, shortopts, sizeof shortopts);
    snprintf(shortopts + strlen(shortopts), sizeof shortopts - strlen(shortopts), "h%s", own_short);
    *help = false;
    sq_exit status = cli_common_init(c);
    int opt;
    opterr = 0;
    optind = 1;
    while (status == SQ_EXIT_OK && !*help &&
           (opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        bool taken;
        status = cli_common_option(c, opt, optarg, &taken);
        if (taken)
            continue;
        if (opt == 'h') {
            printf("%s\nOutput:\n%s%s\n%s\n%s", usage, writes_rows(longopts) ? format_help : "",
                   cli_output_help, cli_filter_help, cli_common_help);
            *help = true;
        } else if (opt == '?' || opt == ':') {
            status = cli_bad_option(argv[0], opt, argv, usage);
        } else {
            status = own(ctx, opt, optarg);
        }
    }
    *first = optind;
    return status;
}
