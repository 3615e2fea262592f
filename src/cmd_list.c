/* cmd_list.c: `sessq list`: the sessions that pass the filters, one row each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "session.h"
#include "table.h"

static const char usage[] =
    "usage: sessq list [OPTIONS] [INPUT...]\n"
    "\n"
    "Lists the sessions of the INPUTs that pass the filters, one row each, in input order (a\n"
    "session read twice, by (source, id), keeps its first place and its last values).\n"
    "\n"
    "  -F, --fields K1,K2   the keys to show, in this order (default: all, in the contract's\n"
    "                       order; for -f table: start, source, type, status, duration, name, id)\n"
    "  -s, --sort K1,-K2    sort by these keys, '-' for descending; ties keep input order;\n"
    "                       nulls last\n"
    "  -n, --limit N        only the first N rows (after sorting)\n"
    "  -h, --help           show this help\n";

/* The keys `-f table` shows: enough to spot a session, narrow enough for a terminal. */
static const ses_key table_keys[] = {K_START, K_SOURCE, K_TYPE, K_STATUS, K_DURATION, K_NAME, K_ID};

typedef struct {
    const tbl_table *t;
    const size_t *rows;
    const ses_key *keys;
    size_t nkeys;
} list_rows;

static void fill(void *ctx, size_t i, sq_value *vals, char (*scratch)[SES_TIME_BUFSZ])
{
    const list_rows *l = ctx;
    for (size_t k = 0; k < l->nkeys; k++)
        tbl_get(l->t, l->rows[i], l->keys[k], &vals[k], scratch[k]);
}

typedef struct {
    ses_key fields[SES_NALLKEYS * 4];
    size_t nfields;
    cli_order order;
} list_options;

static sq_exit list_option(list_options *o, int c, const char *arg)
{
    if (c != 'F')
        return cli_order_option(&o->order, c, arg);
    int n = cli_key_list("--fields", arg, o->fields, NULL, sizeof o->fields / sizeof *o->fields);
    o->nfields = n < 0 ? 0 : (size_t)n;
    return n < 0 ? SQ_EXIT_USAGE : SQ_EXIT_OK;
}

static sq_exit run(const cli_common *c, const list_options *o, char *const *args, size_t nargs)
{
    tbl_table *t;
    size_t *rows, nrows;
    cli_read_stats stats;
    sq_exit status = cli_load(c, args, nargs, &t, &rows, &nrows, &stats);
    if (cli_should_write(c, status)) {
        size_t n;
        sq_exit ordered = cli_order_rows(&o->order, t, rows, nrows, &n);
        if (ordered != SQ_EXIT_OK) {
            status = ordered;
        } else {
            ses_key all[SES_NKEYS];
            for (size_t k = 0; k < SES_NKEYS; k++)
                all[k] = (ses_key)k;
            list_rows l = {t, rows, all, SES_NKEYS};
            if (o->nfields) {
                l.keys = o->fields;
                l.nkeys = o->nfields;
            } else if (c->fmt == OUT_TABLE) {
                l.keys = table_keys;
                l.nkeys = sizeof table_keys / sizeof *table_keys;
            }
            const char *names[sizeof o->fields / sizeof *o->fields];
            for (size_t k = 0; k < l.nkeys; k++)
                names[k] = ses_key_name(l.keys[k]);
            sq_exit written = cli_emit(c, names, l.nkeys, n, fill, &l, NULL);
            if (written != SQ_EXIT_OK)
                status = written;
        }
    }
    free(rows);
    tbl_free(t);
    return status;
}

static sq_exit take_option(void *ctx, int opt, const char *arg)
{
    return list_option(ctx, opt, arg);
}

int cmd_list(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_OPTIONS,
        {"fields", required_argument, NULL, 'F'},
        {"sort", required_argument, NULL, 's'},
        {"limit", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_common common;
    list_options o = {0};
    bool help;
    int first;
    sq_exit status =
        cli_parse(argc, argv, "F:s:n:", longopts, usage, &common, take_option, &o, &help, &first);
    if (status == SQ_EXIT_OK && !help)
        status = run(&common, &o, argv + first, (size_t)(argc - first));
    cli_common_free(&common);
    return status;
}
