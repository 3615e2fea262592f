/* cli.c: reading inputs for the subcommands, and the messages that go with it. */
#include "cli.h"

#include <errno.h>
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
    "  -k, --keep-going      report damaged inputs, skip them and go on (exit status 65/66)\n";

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

static sq_exit report_read_error(const char *name, const sq_error *e)
{
    switch (e->code) {
    case SHP_ERR_JSON:
        fprintf(stderr, "sessq: %s:%llu:%llu: invalid JSON: %s%s%s\n", name,
                (unsigned long long)e->line, (unsigned long long)e->column, e->message,
                e->detail ? ", found " : "", e->detail ? e->detail : "");
        return SQ_EXIT_DATA;
    case SHP_ERR_SHAPE:
    case SHP_ERR_NO_ID:
        fprintf(stderr, "sessq: %s:%llu:%llu: %s\n", name, (unsigned long long)e->line,
                (unsigned long long)e->column, e->message);
        return SQ_EXIT_DATA;
    case SHP_ERR_NOMEM:
        fprintf(stderr, "sessq: %s: out of memory\n", name);
        return SQ_EXIT_SOFTWARE;
    default:
        if (e->sys_errno)
            fprintf(stderr, "sessq: %s: %s: %s\n", name, e->message, strerror(e->sys_errno));
        else
            fprintf(stderr, "sessq: %s: %s (at byte %llu of the file)\n", name, e->message,
                    (unsigned long long)e->offset);
        return e->code == IN_ERR_NOMEM ? SQ_EXIT_SOFTWARE
             : e->code == IN_ERR_OPEN || e->code == IN_ERR_READ ? SQ_EXIT_NOINPUT
                                                                : SQ_EXIT_DATA;
    }
}

static sq_exit read_file(shp_reader *r, const char *path, cli_read_stats *stats)
{
    sq_error err = {0};
    in_source *src = in_open(path, &err);
    if (!src) {
        stats->files_failed++;
        if (err.code == IN_ERR_NOMEM) {
            fprintf(stderr, "sessq: %s: out of memory\n", path);
            return SQ_EXIT_SOFTWARE;
        }
        if (err.sys_errno)
            fprintf(stderr, "sessq: %s: %s: %s\n", path, err.message, strerror(err.sys_errno));
        else
            fprintf(stderr, "sessq: %s: %s\n", path, err.message);
        return SQ_EXIT_NOINPUT;
    }
    sq_exit status = SQ_EXIT_OK;
    if (shp_read(r, src, &err) < 0) {
        stats->files_failed++;
        status = report_read_error(in_name(src), &err);
    } else {
        stats->files++;
    }
    in_close(src);
    return status;
}

static bool is_directory(const char *path)
{
    struct stat st;
    return strcmp(path, "-") && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The files one argument names; NULL after printing why there are none. */
static char **expand(const char *arg, size_t *count, sq_exit *status)
{
    sq_error err = {0};
    char *bad = NULL;
    char **files = in_expand(&arg, 1, count, &err, &bad);
    if (!files) {
        fprintf(stderr, "sessq: %s: %s%s%s\n", bad ? bad : arg, err.message, err.sys_errno ? ": " : "",
                err.sys_errno ? strerror(err.sys_errno) : "");
        free(bad);
        *status = err.code == IN_ERR_NOMEM ? SQ_EXIT_SOFTWARE : SQ_EXIT_NOINPUT;
        return NULL;
    }
    if (*count == 0 && is_directory(arg)) {
        fprintf(stderr, "sessq: %s: no dumps in this directory (files ending in .json, .ndjson or "
                        ".jsonl, or those with .gz)\n", arg);
        in_free_list(files);
        *status = SQ_EXIT_DATA;
        return NULL;
    }
    return files;
}

sq_exit cli_read_inputs(tbl_table *t, char *const *args, size_t nargs, bool keep_going,
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
    shp_reader *r = shp_new(t);
    if (!r) {
        fprintf(stderr, "sessq: out of memory\n");
        return SQ_EXIT_SOFTWARE;
    }
    sq_exit status = SQ_EXIT_OK;
    for (size_t a = 0; a < nargs && (keep_going || status == SQ_EXIT_OK); a++) {
        size_t count;
        sq_exit s = SQ_EXIT_OK;
        char **files = expand(args[a], &count, &s);
        for (size_t i = 0; files && i < count && (keep_going || s == SQ_EXIT_OK); i++)
            s = worse(s, read_file(r, files[i], stats));
        in_free_list(files);
        status = worse(status, s);
        if (status == SQ_EXIT_SOFTWARE)
            break;
    }
    shp_stats totals = shp_totals(r);
    stats->documents = totals.documents;
    stats->records = totals.records;
    shp_free(r);
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
    c->filter = flt_new();
    if (!c->filter) {
        fprintf(stderr, "sessq: out of memory\n");
        return SQ_EXIT_SOFTWARE;
    }
    return SQ_EXIT_OK;
}

void cli_common_free(cli_common *c) { flt_free(c->filter); }

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
        c->keep_going = true;
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
           (c->keep_going && (status == SQ_EXIT_DATA || status == SQ_EXIT_NOINPUT));
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
    sq_exit status = cli_read_inputs(*t, args, nargs, c->keep_going, stats);
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
