/* cmd_list.c: `sessq list`: every session, one row each, in input order. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "output.h"
#include "session.h"
#include "table.h"

static const char usage[] =
    "usage: sessq list [OPTIONS] [INPUT...]\n"
    "\n"
    "Lists every session of the INPUTs, one row each, in input order (a session read twice,\n"
    "by (source, id), keeps its first place and its last values).\n"
    "\n"
    "Options:\n"
    "  -f, --format FMT   table (default; a readable subset of the keys, fitted to the\n"
    "                     terminal), csv, json, ndjson or md (all keys, in contract order)\n"
    "      --csv-raw      csv: do not prefix cells starting with = + - @ TAB CR with '\n"
    "  -k, --keep-going   report damaged inputs, skip them and go on (exit status still 65)\n"
    "  -h, --help         show this help\n";

/* The keys `-f table` shows: enough to spot a session, narrow enough for a terminal. */
static const ses_key table_keys[] = {K_START, K_SOURCE, K_TYPE, K_STATUS, K_DURATION, K_NAME, K_ID};

static int bad_usage(const char *what, const char *arg, const char *hint)
{
    fprintf(stderr, "sessq: list: %s '%s'%s\n%s", what, arg, hint, usage);
    return SQ_EXIT_USAGE;
}

static int write_rows(const tbl_table *t, out_format fmt, const out_options *opt)
{
    ses_key all[SES_NKEYS];
    const ses_key *keys = all;
    size_t nkeys = SES_NKEYS;
    if (fmt == OUT_TABLE) {
        keys = table_keys;
        nkeys = sizeof table_keys / sizeof *table_keys;
    } else {
        for (size_t k = 0; k < SES_NKEYS; k++)
            all[k] = (ses_key)k;
    }
    const char *names[SES_NKEYS];
    for (size_t k = 0; k < nkeys; k++)
        names[k] = ses_key_name(keys[k]);
    out_writer *w = out_new(fmt, stdout, names, nkeys, opt);
    if (!w)
        return cli_output_failed(ENOMEM);
    sq_value vals[SES_NKEYS];
    char scratch[SES_NKEYS][SES_TIME_BUFSZ];
    int rc = 0;
    for (size_t row = 0; row < tbl_count(t) && rc == 0; row++) {
        for (size_t k = 0; k < nkeys; k++)
            tbl_get(t, row, keys[k], &vals[k], scratch[k]);
        rc = out_row(w, vals);
    }
    if (rc == 0)
        rc = out_finish(w);
    int saved = errno;
    out_free(w);
    return rc == 0 ? SQ_EXIT_OK : cli_output_failed(saved);
}

int cmd_list(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"csv-raw", no_argument, NULL, 'R'},
        {"keep-going", no_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    out_format fmt = OUT_TABLE;
    out_options opt = {0, false};
    bool keep_going = false;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+f:kh", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (out_format_parse(optarg, &fmt) < 0)
                return bad_usage("unknown format", optarg, " (table, csv, json, ndjson or md)");
            break;
        case 'R':
            opt.csv_raw = true;
            break;
        case 'k':
            keep_going = true;
            break;
        case 'h':
            printf("%s\n%s", usage, cli_common_help);
            return SQ_EXIT_OK;
        default:
            if (optopt == 'f')
                return bad_usage("option", argv[optind - 1], " needs a value");
            return bad_usage("unknown option", argv[optind - 1], "");
        }
    }
    tbl_table *t = tbl_new();
    if (!t) {
        fprintf(stderr, "sessq: out of memory\n");
        return SQ_EXIT_SOFTWARE;
    }
    cli_read_stats stats;
    sq_exit status = cli_read_inputs(t, argv + optind, (size_t)(argc - optind), keep_going, &stats);
    if (status == SQ_EXIT_OK || (keep_going && status != SQ_EXIT_USAGE && status != SQ_EXIT_SOFTWARE)) {
        opt.width = fmt == OUT_TABLE ? cli_terminal_width(stdout) : 0;
        sq_exit written = write_rows(t, fmt, &opt);
        if (written != SQ_EXIT_OK)
            status = written;
    }
    tbl_free(t);
    return status;
}
