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
