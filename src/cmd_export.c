/* cmd_export.c: `sessq export`: the sessions that pass the filters, written as a
 * Hive-partitioned tree of gzip parts for DuckDB, Spark and Trino. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "export.h"
#include "table.h"

static const char usage[] =
    "usage: sessq export [OPTIONS] -o DIR [INPUT...]\n"
    "\n"
    "Writes the sessions of the INPUTs that pass the filters into DIR as a Hive-partitioned\n"
    "tree of gzip parts, DIR/KEY=VALUE/part-NNNN.ndjson.gz, which DuckDB, Spark and Trino\n"
    "read directly. Each part holds the keys of `sessq list -f ndjson`, in that order, but\n"
    "the partition keys (those are in the path; a null or empty value is\n"
    "__HIVE_DEFAULT_PARTITION__). DIR/_sessq_manifest records every session exported. Parts\n"
    "are written whole, then renamed into place: a failed run leaves none behind. The paths\n"
    "of the parts written are printed, one per line.\n"
    "\n"
    "  -o, --output DIR          the directory (made when missing; must be empty without\n"
    "                            --append)\n"
    "  -f, --format FMT          ndjson (the default; .ndjson.gz) or csv (.csv.gz: a header\n"
    "                            row, CRLF, never a ' before =, +, -, @)\n"
    "  -p, --partition-by K1,K2  partition by these keys, outermost first: any key of\n"
    "                            `sessq list -f csv`, or day, month, hour (of start, UTC);\n"
    "                            none: every part directly in DIR\n"
    "      --part-rows N         at most N sessions per part (default 1000000)\n"
    "      --append              add to the export in DIR (same -f and --partition-by):\n"
    "                            sessions it has, by (source, id), are not written again, so\n"
    "                            running it twice on the same inputs adds nothing\n"
    "  -h, --help                show this help\n"
    "\n"
    "Of the options below, -f takes only ndjson or csv, -o names the directory, and\n"
    "--csv-raw changes nothing (export's csv is always raw).\n";

enum { OPT_PART_ROWS = 0x400, OPT_APPEND };

static sq_exit take_option(void *ctx, int opt, const char *arg)
{
    exp_options *o = ctx;
    if (opt == OPT_APPEND) {
        o->append = true;
        return SQ_EXIT_OK;
    }
    if (opt == OPT_PART_ROWS) {
        char *end;
        unsigned long long n = arg[0] >= '0' && arg[0] <= '9' ? strtoull(arg, &end, 10) : 0;
        if (n == 0 || *end) {
            fprintf(stderr, "sessq: --part-rows: expected a whole number from 1, not '%s'\n", arg);
            return SQ_EXIT_USAGE;
        }
        o->part_rows = n;
        return SQ_EXIT_OK;
    }
    int n = cli_key_list("--partition-by", arg, o->by, NULL, EXP_MAX_KEYS); /* 'p' */
    o->nby = n < 0 ? 0 : (size_t)n;
    return n < 0 ? SQ_EXIT_USAGE : SQ_EXIT_OK;
}

static sq_exit export_failed(const char *dir, const sq_error *err)
{
    switch (err->code) {
    case EXP_ERR_NOMEM:
        fprintf(stderr, "sessq: out of memory\n");
        return SQ_EXIT_SOFTWARE;
    case EXP_ERR_NOT_EMPTY:
        fprintf(stderr, "sessq: export: %s: %s\n", dir, err->message);
        return SQ_EXIT_USAGE;
    case EXP_ERR_MISMATCH:
        fprintf(stderr,
                "sessq: export: %s: %s %s; give the same -f and --partition-by to add to it\n", dir,
                err->message, err->detail);
        return SQ_EXIT_USAGE;
    case EXP_ERR_MANIFEST:
        fprintf(stderr, "sessq: export: %s: %s\n", err->detail, err->message);
        return SQ_EXIT_DATA;
    default: /* EXP_ERR_IO, EXP_ERR_BUSY */
        fprintf(stderr, "sessq: export: %s: %s%s%s\n", err->detail, err->message,
                err->sys_errno ? ": " : "", err->sys_errno ? strerror(err->sys_errno) : "");
        return SQ_EXIT_IOERR;
    }
}

static sq_exit report(const cli_common *c, const exp_export *e, const char *dir)
{
    for (size_t i = 0; i < exp_parts(e); i++)
        printf("%s\n", exp_part(e, i));
    if (fflush(stdout) == EOF || ferror(stdout))
        return cli_output_failed(errno);
    const exp_report *r = exp_result(e);
    if (!c->read.quiet)
        fprintf(stderr, "sessq: exported %zu session%s in %zu part%s to %s (%zu already there)\n",
                r->written, r->written == 1 ? "" : "s", r->parts, r->parts == 1 ? "" : "s", dir,
                r->unchanged + r->changed);
    if (r->changed)
        fprintf(stderr,
                "sessq: note: %zu session%s already exported %s other values now (a session "
                "that was running has ended?): not written again; export into a new directory "
                "to have the latest values\n",
                r->changed, r->changed == 1 ? "" : "s", r->changed == 1 ? "has" : "have");
    return SQ_EXIT_OK;
}

static sq_exit run(const cli_common *c, const exp_options *o, char *const *args, size_t nargs)
{
    const char *dir = c->output;
    sq_error err = {0};
    exp_export *e = exp_open(dir, o, &err);
    if (!e)
        return export_failed(dir, &err);
    tbl_table *t;
    size_t *rows, nrows;
    cli_read_stats stats;
    sq_exit status = cli_load(c, args, nargs, &t, &rows, &nrows, &stats);
    if (cli_should_write(c, status)) {
        sq_exit written =
            exp_write(e, t, rows, nrows, &err) == 0 ? report(c, e, dir) : export_failed(dir, &err);
        if (written != SQ_EXIT_OK)
            status = written;
    }
    exp_close(e);
    free(rows);
    tbl_free(t);
    return status;
}

static sq_exit check_options(cli_common *c, exp_options *o)
{
    if (!c->output || !strcmp(c->output, "-")) {
        fprintf(stderr, "sessq: export: -o DIR is required (the directory to write into)\n\n%s",
                usage);
        return SQ_EXIT_USAGE;
    }
    if (!c->fmt_given)
        c->fmt = OUT_NDJSON;
    if (c->fmt != OUT_NDJSON && c->fmt != OUT_CSV) {
        fprintf(stderr, "sessq: export: -f: expected ndjson or csv\n");
        return SQ_EXIT_USAGE;
    }
    o->fmt = c->fmt;
    return SQ_EXIT_OK;
}

int cmd_export(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_OPTIONS,
        {"partition-by", required_argument, NULL, 'p'},
        {"part-rows", required_argument, NULL, OPT_PART_ROWS},
        {"append", no_argument, NULL, OPT_APPEND},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_common common;
    exp_options o = {.part_rows = EXP_DEFAULT_PART_ROWS};
    bool help;
    int first;
    sq_exit status =
        cli_parse(argc, argv, "p:", longopts, usage, &common, take_option, &o, &help, &first);
    if (status == SQ_EXIT_OK && !help)
        status = check_options(&common, &o);
    if (status == SQ_EXIT_OK && !help)
        status = run(&common, &o, argv + first, (size_t)(argc - first));
    cli_common_free(&common);
    return status;
}
