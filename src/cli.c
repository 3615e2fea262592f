/* cli.c: reading inputs for the subcommands, and the messages that go with it. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "input.h"
#include "shape.h"

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

const char cli_output_help[] =
    "Output:\n"
    "  -f, --format FMT      table (default), csv, json, ndjson or md\n"
    "  -o, --output FILE     write to FILE (written whole, then renamed into place)\n"
    "      --csv-raw         csv: no ' before cells starting with = + - @ TAB CR\n"
    "  -k, --keep-going      report damaged inputs, skip them and go on (exit status 65/66)\n"
    "      --max-memory SIZE the most memory the sessions read may take (default 4G; K, M,\n"
    "                        G suffixes); beyond it sessq stops with exit status 70\n";

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

/* Where reading problems go: to standard error, or (check) into the findings. */
typedef struct {
    const cli_read_options *o;
    cli_read_stats *stats;
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
        fprintf(stderr, "sessq: %s:%llu:%llu: %s\n", file, (unsigned long long)line,
                (unsigned long long)column, message);
    else
        fprintf(stderr, "sessq: %s: %s\n", file, message);
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
        return problem(x, FND_UNKNOWN_SHAPE, SQ_EXIT_DATA, name, e->line, e->column, "%s", e->message);
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

static sq_exit read_file(const reading *x, shp_reader *r, const char *path)
{
    sq_error err = {0};
    in_source *src = in_open(path, &err);
    if (!src) {
        x->stats->files_failed++;
        return input_problem(x, path, &err);
    }
    sq_exit status = SQ_EXIT_OK;
    if (shp_read(r, src, &err) < 0) {
        x->stats->files_failed++;
        status = read_problem(x, in_name(src), &err);
    } else {
        x->stats->files++;
    }
    in_close(src);
    return status;
}

static bool is_directory(const char *path)
{
    struct stat st;
    return strcmp(path, "-") && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The files one argument names; NULL after reporting why there are none. */
static char **expand(const reading *x, const char *arg, size_t *count, sq_exit *status)
{
    sq_error err = {0};
    char *bad = NULL;
    char **files = in_expand(&arg, 1, count, &err, &bad);
    if (!files) {
        *status = input_problem(x, bad ? bad : arg, &err);
        free(bad);
        return NULL;
    }
    if (*count == 0 && is_directory(arg)) {
        in_free_list(files);
        *status = problem(x, FND_NO_DUMPS, SQ_EXIT_DATA, arg, 0, 0,
                          "no dumps in this directory (files ending in .json, .ndjson or .jsonl, "
                          "or those with .gz)");
        return NULL;
    }
    return files;
}

/* For commands other than check: one line saying that the data had oddities, and where to
 * see them. */
static void mention_findings(const fnd_list *l)
{
    uint64_t n = fnd_total(l, FND_WARNING) + fnd_total(l, FND_ERROR);
    if (n == 0)
        return;
    fprintf(stderr, "sessq: note: the input has %llu oddit%s (", (unsigned long long)n, n == 1 ? "y" : "ies");
    const char *sep = "";
    for (fnd_code c = 0; c < FND_NCODES; c++) {
        uint64_t k = 0;
        for (size_t i = 0; i < fnd_count(l); i++)
            k += fnd_get(l, i)->code == c;
        k += fnd_dropped(l, c);
        if (k && fnd_code_severity(c) != FND_INFO) {
            fprintf(stderr, "%s%llu %s", sep, (unsigned long long)k, fnd_code_name(c));
            sep = ", ";
        }
    }
    fprintf(stderr, "): 'sessq check' shows where\n");
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
    shp_reader *r = shp_new(t, o->findings);
    if (!r) {
        fprintf(stderr, "sessq: out of memory\n");
        return SQ_EXIT_SOFTWARE;
    }
    tbl_set_limit(t, o->max_memory);
    reading x = {o, stats};
    bool go_on = o->keep_going || o->as_findings;
    sq_exit status = SQ_EXIT_OK;
    for (size_t a = 0; a < nargs && (go_on || status == SQ_EXIT_OK); a++) {
        size_t count;
        sq_exit s = SQ_EXIT_OK;
        char **files = expand(&x, args[a], &count, &s);
        for (size_t i = 0; files && i < count && (go_on || s == SQ_EXIT_OK) && s != SQ_EXIT_SOFTWARE; i++)
            s = worse(s, read_file(&x, r, files[i]));
        in_free_list(files);
        status = worse(status, s);
        if (status == SQ_EXIT_SOFTWARE)
            break;
    }
    shp_stats totals = shp_totals(r);
    stats->documents = totals.documents;
    stats->records = totals.records;
    shp_free(r);
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
    fputs("^\n", stderr);
}

sq_exit cli_filter_flag(flt_filter *f, int opt, const char *arg)
{
    typedef int (*adder)(flt_filter *, const char *, sq_error *);
    static const adder adders[] = {
        flt_add_since, flt_add_until, flt_add_status, flt_add_type, flt_add_source,
        flt_add_min_duration, flt_add_max_duration, flt_add_match, flt_add_where,
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
    size_t *rows = malloc(total * sizeof *rows);
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

sq_exit cli_common_init(cli_common *c)
{
    memset(c, 0, sizeof *c);
    c->fmt = OUT_TABLE;
    c->read.max_memory = CLI_DEFAULT_MAX_MEMORY;
    c->filter = flt_new();
    c->read.findings = fnd_new();
    if (!c->filter || !c->read.findings) {
        fprintf(stderr, "sessq: out of memory\n");
        return SQ_EXIT_SOFTWARE;
    }
    return SQ_EXIT_OK;
}

void cli_common_free(cli_common *c)
{
    flt_free(c->filter);
    fnd_free(c->read.findings);
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

sq_exit cli_common_option(cli_common *c, int opt, const char *arg, bool *taken)
{
    *taken = true;
    switch (opt) {
    case 'f':
        if (out_format_parse(arg, &c->fmt) < 0) {
            fprintf(stderr, "sessq: -f: unknown format '%s' (table, csv, json, ndjson or md)\n", arg);
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
    case CLI_OPT_MAX_MEMORY:
        if (parse_size(arg, &c->read.max_memory) < 0) {
            fprintf(stderr, "sessq: --max-memory: expected a size like 512M or 4G, not '%s'\n", arg);
            return SQ_EXIT_USAGE;
        }
        return SQ_EXIT_OK;
    default:
        if (opt >= CLI_OPT_SINCE && opt <= CLI_OPT_WHERE)
            return cli_filter_flag(c->filter, opt, arg);
        *taken = false;
        return SQ_EXIT_OK;
    }
}

bool cli_should_write(const cli_common *c, sq_exit status)
{
    return status == SQ_EXIT_OK ||
           (c->read.keep_going && (status == SQ_EXIT_DATA || status == SQ_EXIT_NOINPUT));
}

sq_exit cli_load(const cli_common *c, char *const *args, size_t nargs, tbl_table **t,
                 size_t **rows, size_t *nrows, cli_read_stats *stats)
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

sq_exit cli_emit(const cli_common *c, const char *const *names, size_t ncols, size_t nrows,
                 cli_row_fn fill, void *ctx, const char *note)
{
    out_file *file = out_file_open(c->output);
    if (!file) {
        fprintf(stderr, "sessq: %s: cannot write: %s\n", c->output ? c->output : "-", strerror(errno));
        return SQ_EXIT_IOERR;
    }
    out_options opt = c->out;
    opt.width = c->fmt == OUT_TABLE ? cli_terminal_width(out_file_stream(file)) : 0;
    out_writer *w = out_new(c->fmt, out_file_stream(file), names, ncols, &opt);
    sq_value *vals = calloc(ncols ? ncols : 1, sizeof *vals);
    int rc = w && vals ? 0 : (errno = ENOMEM, -1);
    for (size_t i = 0; i < nrows && rc == 0; i++) {
        fill(ctx, i, vals);
        rc = out_row(w, vals);
    }
    if (rc == 0 && note)
        out_note(w, note);
    if (rc == 0)
        rc = out_finish(w);
    int saved = errno;
    out_free(w);
    free(vals);
    if (out_file_close(file, rc == 0) < 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    return rc == 0 ? SQ_EXIT_OK : cli_output_failed(saved);
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
