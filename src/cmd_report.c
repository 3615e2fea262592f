/* cmd_report.c: `sessq report`: one page that says what is wrong in a dump, as HTML or Markdown.
 * Reads like `check` (going on past damaged inputs, which become findings on the page) and
 * counts like `stats` on the sessions that pass the filters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "cmd.h"
#include "page.h"
#include "report.h"
#include "session.h"
#include "table.h"

static const char usage[] =
    "usage: sessq report [OPTIONS] [INPUT...]\n"
    "\n"
    "Writes one page for a support ticket: a summary (sessions, time span, sources, success\n"
    "rate, failures, running sessions, findings of check), sessions per day by status,\n"
    "durations per type (p50, p95), the longest and the most recent failed sessions, failures\n"
    "by organization, policy and initiator, the sessions still running and for how long, and\n"
    "the findings of `sessq check`. Its numbers are those of `sessq stats` and `sessq check`\n"
    "on the same INPUTs and filters. Damaged inputs are read as check reads them: skipped,\n"
    "and listed among the findings; the page is still written (exit status 0, or 65 or 66\n"
    "when no input at all could be read).\n"
    "\n"
    "  -f, --format FMT     html (one self-contained file: inline CSS and SVG, no script, no\n"
    "                       reference outside it) or md (GitHub Markdown). Default: html when\n"
    "                       -o ends in .html or .htm, else md\n"
    "  -o, --output FILE    write to FILE (written whole, then renamed into place)\n"
    "      --now T          the reference instant for how long sessions have been running\n"
    "                       (YYYY-MM-DD or an ISO timestamp; default: the latest start or end\n"
    "                       read, so that the same dump always gives the same page)\n"
    "      --top N          rows in each list (default 10)\n"
    "      --title TEXT     the page's title (default: sessq report)\n"
    "      --max-memory SIZE, -j, --jobs N, -q, --quiet, --color WHEN\n"
    "                       as for the other commands\n"
    "  -h, --help           show this help\n";

enum { OPT_NOW = 0x300, OPT_TOP, OPT_TITLE };

typedef struct {
    page_format fmt;
    bool fmt_given;
    rp_options rp;
} report_options;

static bool ends_with_html(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    return (n >= 5 && !strcasecmp(path + n - 5, ".html")) ||
           (n >= 4 && !strcasecmp(path + n - 4, ".htm"));
}

static sq_exit own_option(report_options *o, int c, const char *arg)
{
    char *end;
    switch (c) {
    case 'f':
        if (page_format_parse(arg, &o->fmt) < 0) {
            fprintf(stderr, "sessq: report: -f: unknown format '%s' (html or md)\n", arg);
            return SQ_EXIT_USAGE;
        }
        o->fmt_given = true;
        return SQ_EXIT_OK;
    case OPT_NOW:
        if (ses_parse_date_or_time(arg, strlen(arg), &o->rp.now) < 0) {
            fprintf(stderr, "sessq: --now: expected YYYY-MM-DD or an ISO timestamp, not '%s'\n",
                    arg);
            return SQ_EXIT_USAGE;
        }
        return SQ_EXIT_OK;
    case OPT_TOP: {
        unsigned long n = arg[0] >= '0' && arg[0] <= '9' ? strtoul(arg, &end, 10) : 0;
        if (n < 1 || n > 100000 || *end) {
            fprintf(stderr, "sessq: --top: expected a number from 1 to 100000, not '%s'\n", arg);
            return SQ_EXIT_USAGE;
        }
        o->rp.top = n;
        return SQ_EXIT_OK;
    }
    default: /* OPT_TITLE */
        o->rp.title = arg;
        return SQ_EXIT_OK;
    }
}

static sq_exit write_page(const cli_common *c, const report_options *o, const rp_report *r)
{
    out_file *file = cli_open_output(c->output);
    if (!file)
        return SQ_EXIT_IOERR;
    page_format fmt = o->fmt_given ? o->fmt : ends_with_html(c->output) ? PAGE_HTML : PAGE_MD;
    int rc = page_write(r, fmt, out_file_stream(file));
    int saved = errno;
    if (out_file_close(file, rc == 0) < 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    if (rc < 0 && saved == ENOMEM) {
        fprintf(stderr, "sessq: out of memory\n");
        return SQ_EXIT_SOFTWARE;
    }
    return rc == 0 ? SQ_EXIT_OK : cli_output_failed(saved);
}

static sq_exit run(cli_common *c, report_options *o, char *const *args, size_t nargs)
{
    tbl_table *t = tbl_new();
    if (!t) {
        fprintf(stderr, "sessq: out of memory\n");
        return SQ_EXIT_SOFTWARE;
    }
    cli_read_stats stats;
    c->read.as_findings = true;
    sq_exit read = cli_read_inputs(t, args, nargs, &c->read, &stats), status;
    if (read == SQ_EXIT_USAGE || read == SQ_EXIT_SOFTWARE) {
        tbl_free(t);
        return read;
    }
    size_t nrows;
    size_t *rows = cli_select(t, c->filter, &nrows);
    rp_inputs inputs = {stats.files, stats.files_failed, stats.documents, stats.records};
    o->rp.filters = c->filters;
    rp_report *r =
        nrows == SIZE_MAX ? NULL : rp_build(t, rows, nrows, c->read.findings, &inputs, &o->rp);
    if (!r) {
        fprintf(stderr, "sessq: out of memory\n");
        status = SQ_EXIT_SOFTWARE;
    } else {
        status = write_page(c, o, r);
        uint64_t errors = fnd_total(c->read.findings, FND_ERROR);
        if (status == SQ_EXIT_OK && errors)
            fprintf(stderr,
                    "sessq: note: the input has %llu error%s (damaged or unreadable parts); the "
                    "report lists %s under its findings\n",
                    (unsigned long long)errors, errors == 1 ? "" : "s",
                    errors == 1 ? "it" : "them");
        /* A page about nothing that could be read is written, but is no success. */
        if (status == SQ_EXIT_OK && stats.files == 0)
            status = read;
    }
    rp_free(r);
    free(rows);
    tbl_free(t);
    return status;
}

int cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"max-memory", required_argument, NULL, CLI_OPT_MAX_MEMORY},
        {"jobs", required_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"color", required_argument, NULL, CLI_OPT_COLOR},
        {"now", required_argument, NULL, OPT_NOW},
        {"top", required_argument, NULL, OPT_TOP},
        {"title", required_argument, NULL, OPT_TITLE},
        {"help", no_argument, NULL, 'h'},
        CLI_FILTER_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    cli_common common;
    report_options o = {.fmt = PAGE_MD, .rp = {.now = SES_NULL, .top = 10}};
    sq_exit status = cli_common_init(&common);
    int c;
    opterr = 0;
    optind = 1;
    while (status == SQ_EXIT_OK &&
           (c = getopt_long(argc, argv, ":f:o:j:qh", longopts, NULL)) != -1) {
        bool taken = false;
        if (c == 'h') {
            printf("%s\n%s\n%s", usage, cli_filter_help, cli_common_help);
            cli_common_free(&common);
            return SQ_EXIT_OK;
        } else if (c == 'f' || c == OPT_NOW || c == OPT_TOP || c == OPT_TITLE) {
            status = own_option(&o, c, optarg);
        } else if (c == '?' || c == ':') {
            status = cli_bad_option("report", c, argv, usage);
        } else {
            status = cli_common_option(&common, c, optarg, &taken);
        }
    }
    if (status == SQ_EXIT_OK)
        status = run(&common, &o, argv + optind, (size_t)(argc - optind));
    cli_common_free(&common);
    return status;
}
