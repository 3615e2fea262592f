/* cmd_extract.c: `sessq extract`: the sessions that pass the filters, written back as a dump
 * of the shape they came from, each record byte for byte as it stood in its input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "dump.h"
#include "table.h"

static const char usage[] =
    "usage: sessq extract [OPTIONS] [-o FILE | --split DIR] [INPUT...]\n"
    "\n"
    "Writes the sessions of the INPUTs that pass the filters as a dump of the shape they came\n"
    "from, each record byte for byte as it stood in its input (after gzip, a byte-order mark\n"
    "or UTF-16 were undone): a bare array (VB365 v5); an envelope with \"offset\": 0, \"limit\"\n"
    "(and, for Azure, \"totalCount\") equal to the number written, a \"_links\" self link and\n"
    "\"results\" (VB365 v6, Azure v1); or session objects one after another, one per line (a\n"
    "session by id, NDJSON). Sessions in input order (a session read twice keeps its first\n"
    "place and its last record). Sessions of several shapes need --source or --split.\n"
    "\n"
    "      --split DIR      one dump per shape, DIR/SHAPE.json, SHAPE one of array, objects,\n"
    "                       vb365-restore-envelope, vb365-retrieval-envelope,\n"
    "                       azure-job-envelope (DIR is made when missing)\n"
    "  -s, --sort K1,-K2    write the sessions in this order ('-' for descending; ties keep\n"
    "                       input order; nulls last)\n"
    "  -n, --limit N        only the first N sessions (after sorting)\n"
    "  -h, --help           show this help\n"
    "\n"
    "Standard input is copied to a temporary file ($TMPDIR, else /tmp) as it is read, and the\n"
    "records are gathered there before they are written: allow room for what is written.\n";

typedef struct {
    const char *split;
    ses_key sort[SES_NALLKEYS * 4];
    bool desc[SES_NALLKEYS * 4];
    size_t nsort;
    size_t limit;
    bool has_limit;
} extract_options;

static sq_exit take_option(void *ctx, int opt, const char *arg)
{
    extract_options *o = ctx;
    int n;
    char *end;
    switch (opt) {
    case 'S':
        o->split = arg;
        return SQ_EXIT_OK;
    case 's':
        n = cli_key_list("--sort", arg, o->sort, o->desc, sizeof o->sort / sizeof *o->sort);
        o->nsort = n < 0 ? 0 : (size_t)n;
        return n < 0 ? SQ_EXIT_USAGE : SQ_EXIT_OK;
    default: /* 'n' */
        if (arg[0] < '0' || arg[0] > '9' || (o->limit = strtoull(arg, &end, 10), *end)) {
            fprintf(stderr, "sessq: --limit: expected a whole number, not '%s'\n", arg);
            return SQ_EXIT_USAGE;
        }
        o->has_limit = true;
        return SQ_EXIT_OK;
    }
}

static sq_exit check_options(const cli_common *c, const extract_options *o)
{
    if (c->fmt_given) {
        fprintf(stderr, "sessq: extract: -f does not apply: extract writes dumps of the shape the "
                        "sessions came from (see 'sessq list' for other formats)\n");
        return SQ_EXIT_USAGE;
    }
    if (o->split && c->output) {
        fprintf(stderr, "sessq: extract: -o and --split go one without the other (--split "
                        "writes one file per shape in its directory)\n");
        return SQ_EXIT_USAGE;
    }
    return SQ_EXIT_OK;
}

static sq_exit run(cli_common *c, const extract_options *o, char *const *args, size_t nargs)
{
    dmp_spans *spans = dmp_new();
    if (!spans) {
        fprintf(stderr, "sessq: out of memory\n");
        return SQ_EXIT_SOFTWARE;
    }
    c->read.spans = spans;
    tbl_table *t;
    size_t *rows, nrows;
    cli_read_stats stats;
    sq_exit status = cli_load(c, args, nargs, &t, &rows, &nrows, &stats);
    if (cli_should_write(c, status)) {
        if (tbl_sort(t, rows, nrows, o->sort, o->desc, o->nsort) < 0) {
            fprintf(stderr, "sessq: out of memory\n");
            status = SQ_EXIT_SOFTWARE;
        } else {
            size_t n = o->has_limit && o->limit < nrows ? o->limit : nrows;
            sq_exit written =
                cli_write_dumps(c, "extract", spans, t, rows, n, o->split, NULL, NULL);
            if (written != SQ_EXIT_OK)
                status = written;
        }
    }
    free(rows);
    tbl_free(t);
    dmp_free(spans);
    return status;
}

int cmd_extract(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"keep-going", no_argument, NULL, 'k'},
        {"max-memory", required_argument, NULL, CLI_OPT_MAX_MEMORY},
        {"jobs", required_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        CLI_FILTER_OPTIONS,
        {"split", required_argument, NULL, 'S'},
        {"sort", required_argument, NULL, 's'},
        {"limit", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_common common;
    extract_options o = {0};
    bool help;
    int first;
    sq_exit status =
        cli_parse(argc, argv, "s:n:", longopts, usage, &common, take_option, &o, &help, &first);
    if (status == SQ_EXIT_OK && !help)
        status = check_options(&common, &o);
    if (status == SQ_EXIT_OK && !help)
        status = run(&common, &o, argv + first, (size_t)(argc - first));
    cli_common_free(&common);
    return status;
}
