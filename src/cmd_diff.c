/* cmd_diff.c: `sessq diff OLD NEW`: the sessions added, removed and changed between two sets
 * of dumps. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "diff.h"
#include "findings.h"
#include "table.h"

static const char usage[] =
    "usage: sessq diff [OPTIONS] OLD NEW\n"
    "\n"
    "Compares the sessions of OLD with those of NEW (each a file, a directory or '-', read\n"
    "as every command reads its INPUTs; '-' on one side at most), matching them by (source,\n"
    "id): added (only in NEW), removed (only in OLD) and changed (in both, with every key\n"
    "whose value differs, old and new: text by bytes, numbers and times by value, null\n"
    "differs from any value). The filters apply to both sides: a session that leaves them is\n"
    "removed, one that enters them is added. Added and changed sessions come in NEW's order,\n"
    "removed ones in OLD's. Exit status 0 when nothing differs, 1 when something does.\n"
    "\n"
    "  -f table             '+', '-' or '~' with source, id and name per session, '    key:\n"
    "                       old -> new' per differing key (text quoted), and a summary\n"
    "  -f json              {\"added\":[sessions],\"removed\":[sessions],\"changed\":[{source,\n"
    "                       id,changes:[{key,old,new}]}],\"unchanged\":N}; sessions as\n"
    "                       `sessq list -f json` writes them\n"
    "  -f ndjson            one object per session: {change, source, id, session} for\n"
    "                       added and removed, {change, source, id, changes} for changed\n"
    "  -f csv               change,source,id,key,old,new: a row per differing key, one row\n"
    "                       (without key, old, new) per added or removed session\n"
    "  -f md                the summary, then a table per kind of change\n"
    "      --ignore K1,K2   leave these keys out of the comparison (repeatable); any key of\n"
    "                       `sessq list -f csv` but source and id\n"
    "  -h, --help           show this help\n"
    "\n"
    "--max-memory bounds each side on its own.\n";

enum { OPT_IGNORE = 0x300 };

static sq_exit ignore_keys(bool *ignore, const char *arg)
{
    ses_key keys[SES_NALLKEYS * 4];
    int n = cli_key_list("--ignore", arg, keys, NULL, sizeof keys / sizeof *keys);
    for (int i = 0; i < n; i++) {
        if (keys[i] == K_SOURCE || keys[i] == K_ID || keys[i] >= SES_NKEYS) {
            fprintf(stderr, "sessq: --ignore: '%s' %s; ignore any other key of the session\n",
                    ses_key_name(keys[i]),
                    keys[i] >= SES_NKEYS ? "is never compared (it follows from start)"
                                         : "is what sessions are matched by");
            return SQ_EXIT_USAGE;
        }
        ignore[keys[i]] = true;
    }
    return n < 0 ? SQ_EXIT_USAGE : SQ_EXIT_OK;
}

static sq_exit take_option(void *ctx, int opt, const char *arg)
{
    (void)opt; /* OPT_IGNORE, the one option of diff's own */
    return ignore_keys(ctx, arg);
}

static sq_exit worse(sq_exit a, sq_exit b) { return a > b ? a : b; }

static sq_exit bad_inputs(size_t nargs)
{
    if (nargs == 2)
        fprintf(stderr, "sessq: diff: standard input ('-') can be only one of OLD and NEW\n");
    else
        fprintf(stderr, "sessq: diff: expected two inputs, OLD and NEW, but got %zu\n", nargs);
    fprintf(stderr, "\n%s", usage);
    return SQ_EXIT_USAGE;
}

static sq_exit write_report(const cli_common *c, const dif_result *r)
{
    out_file *file = cli_open_output(c->output);
    if (!file)
        return SQ_EXIT_IOERR;
    out_options opt = c->out;
    opt.color = cli_color_for(c->color, out_file_stream(file));
    int rc = dif_write(r, c->fmt, out_file_stream(file), &opt);
    int saved = errno;
    if (out_file_close(file, rc == 0) < 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    return rc == 0 ? SQ_EXIT_OK : cli_output_failed(saved);
}

/* One side, read into a table of its own; a side's oddities are noted on their own. */
typedef struct {
    tbl_table *t;
    size_t *rows, nrows;
} side;

static sq_exit read_side(const cli_common *c, fnd_list *findings, char *const *arg, side *s)
{
    cli_common own = *c;
    own.read.findings = findings;
    cli_read_stats stats;
    return cli_load(&own, arg, 1, &s->t, &s->rows, &s->nrows, &stats);
}

static sq_exit compare(const cli_common *c, const bool *ignore, const side *old, const side *new)
{
    dif_result *r =
        dif_compare(old->t, old->rows, old->nrows, new->t, new->rows, new->nrows, ignore);
    if (!r) {
        fprintf(stderr, "sessq: out of memory\n");
        return SQ_EXIT_SOFTWARE;
    }
    sq_exit status = write_report(c, r);
    if (status == SQ_EXIT_OK && dif_differs(r))
        status = SQ_EXIT_FINDINGS;
    dif_free(r);
    return status;
}

static sq_exit run(const cli_common *c, const bool *ignore, char *const *args, size_t nargs)
{
    if (nargs != 2 || (!strcmp(args[0], "-") && !strcmp(args[1], "-")))
        return bad_inputs(nargs);
    side old = {0}, new = {0};
    fnd_list *new_findings = fnd_new();
    sq_exit status = SQ_EXIT_SOFTWARE;
    if (!new_findings)
        fprintf(stderr, "sessq: out of memory\n");
    else
        status = read_side(c, c->read.findings, &args[0], &old);
    if (new_findings && cli_should_write(c, status))
        status = worse(status, read_side(c, new_findings, &args[1], &new));
    if (new_findings && cli_should_write(c, status))
        status = worse(status, compare(c, ignore, &old, &new));
    free(old.rows);
    free(new.rows);
    tbl_free(old.t);
    tbl_free(new.t);
    fnd_free(new_findings);
    return status;
}

int cmd_diff(int argc, char **argv)
{
    static const struct option longopts[] = {
        CLI_COMMON_OPTIONS,
        {"ignore", required_argument, NULL, OPT_IGNORE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_common common;
    bool ignore[SES_NALLKEYS] = {false};
    bool help;
    int first;
    sq_exit status =
        cli_parse(argc, argv, "", longopts, usage, &common, take_option, ignore, &help, &first);
    if (status == SQ_EXIT_OK && !help)
        status = run(&common, ignore, argv + first, (size_t)(argc - first));
    cli_common_free(&common);
    return status;
}
