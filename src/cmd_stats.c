/* cmd_stats.c: `sessq stats`: counts and durations of the sessions that pass the filters,
 * per group of --by keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "session.h"
#include "stats.h"
#include "table.h"

static const char usage[] =
    "usage: sessq stats [OPTIONS] [INPUT...]\n"
    "\n"
    "Counts the sessions that pass the filters per group of --by keys (none: one row of all):\n"
    "count, success, warning, failed (with Error), running, canceled, other, success_rate\n"
    "(success / (count - running)), duration_min, _p50, _p95 (nearest rank), _max, _total\n"
    "(over sessions with a duration), processed_objects_total, first_start, last_start.\n"
    "Groups are ordered by their key values compared as text, a null after every value.\n"
    "\n"
    "  -b, --by K1,K2       group by these keys: any key of `sessq list -f csv`, or day, month,\n"
    "                       hour (of start, in UTC)\n"
    "  -h, --help           show this help\n";

static void fill(void *ctx, size_t group, sq_value *vals, char (*scratch)[SES_TIME_BUFSZ])
{
    (void)scratch;
    const st_result *r = ctx;
    for (size_t c = 0; c < st_columns(r); c++)
        st_get(r, group, c, &vals[c]);
}

/* The footer under a table: what the numbers are made of. */
static void describe(char *note, size_t size, size_t selected, const tbl_table *t,
                     const cli_read_stats *stats)
{
    int n = snprintf(note, size, "%zu session%s", selected, selected == 1 ? "" : "s");
    if (selected != tbl_count(t))
        n += snprintf(note + n, size - (size_t)n, " of %zu", tbl_count(t));
    n += snprintf(note + n, size - (size_t)n, " from %zu file%s", stats->files,
                  stats->files == 1 ? "" : "s");
    if (stats->files_failed)
        n += snprintf(note + n, size - (size_t)n, " (%zu skipped)", stats->files_failed);
    snprintf(note + n, size - (size_t)n, "; %zu read more than once, merged", tbl_duplicates(t));
}

static sq_exit run(const cli_common *c, const ses_key *by, size_t nby, char *const *args,
                   size_t nargs)
{
    tbl_table *t;
    size_t *rows, nrows;
    cli_read_stats stats;
    sq_exit status = cli_load(c, args, nargs, &t, &rows, &nrows, &stats);
    if (cli_should_write(c, status)) {
        st_result *r = st_compute(t, rows, nrows, by, nby);
        if (!r) {
            fprintf(stderr, "sessq: out of memory\n");
            status = SQ_EXIT_SOFTWARE;
        } else {
            const char *names[SES_NALLKEYS * 4 + 16];
            for (size_t i = 0; i < st_columns(r); i++)
                names[i] = st_column_name(r, i);
            char note[256];
            describe(note, sizeof note, nrows, t, &stats);
            sq_exit written = cli_emit(c, names, st_columns(r), st_groups(r), fill, r, note);
            if (written != SQ_EXIT_OK)
                status = written;
            st_free(r);
        }
    }
    free(rows);
    tbl_free(t);
    return status;
}

typedef struct {
    ses_key keys[SES_NALLKEYS * 4];
    size_t n;
} by_keys;

static sq_exit take_option(void *ctx, int opt, const char *arg)
{
    by_keys *by = ctx;
    (void)opt; /* 'b', the one option of stats' own */
    int n = cli_key_list("--by", arg, by->keys, NULL, sizeof by->keys / sizeof *by->keys);
    by->n = n < 0 ? 0 : (size_t)n;
    return n < 0 ? SQ_EXIT_USAGE : SQ_EXIT_OK;
}

int cmd_stats(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_OPTIONS,
        {"by", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_common common;
    by_keys by = {0};
    bool help;
    int first;
    sq_exit status =
        cli_parse(argc, argv, "b:", longopts, usage, &common, take_option, &by, &help, &first);
    if (status == SQ_EXIT_OK && !help)
        status = run(&common, by.keys, by.n, argv + first, (size_t)(argc - first));
    cli_common_free(&common);
    return status;
}
