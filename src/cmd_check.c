/* cmd_check.c: `sessq check`: reads the INPUTs like every command and reports what is wrong
 * or odd in them, one finding per line. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "findings.h"
#include "table.h"

static const char usage[] =
    "usage: sessq check [OPTIONS] [INPUT...]\n"
    "\n"
    "Reads every INPUT (going on past damaged ones) and reports, one per line, what is wrong\n"
    "or odd: FILE:LINE:COLUMN: SEVERITY: CODE: MESSAGE, then a summary of what was read.\n"
    "Exit status 1 when a finding is an error, else 0.\n"
    "\n"
    "Codes: invalid-json, unknown-shape, missing-id, powershell-truncated, unreadable,\n"
    "corrupt-input, no-dumps (errors: the input or part of it cannot be read); paging-gap\n"
    "(error: offsets of a paged collection that no page read covers); invalid-utf8,\n"
    "invalid-timestamp, end-before-start, duplicate-id, duplicate-page, overlapping-pages\n"
    "(warnings: read, but look twice); short-page (info: fewer sessions than the limit on a\n"
    "page that is not the last).\n"
    "\n"
    "Paging: every envelope read is a page of its collection, the path of its\n"
    "_links.self.href (lower case) and its query without offset, limit and setId. The pages\n"
    "of all INPUTs are put in offset order, collection by collection; a page covers offset to\n"
    "offset + limit - 1; totalCount, when given, tells the pages missing at the end.\n"
    "\n"
    "  -f, --format FMT     text (default), json (an array of objects with code, severity,\n"
    "                       file, line, column, message), ndjson, csv, md or table\n"
    "  -o, --output FILE    write to FILE (written whole, then renamed into place)\n"
    "  -j, --jobs N, -q, --quiet, --max-memory SIZE, --color WHEN\n"
    "                       as for the other commands (sessq list --help)\n"
    "  -h, --help           show this help\n";

static const char *const columns[] = {"code", "severity", "file", "line", "column", "message"};

static void text_value(sq_value *v, const char *s)
{
    if (s) {
        v->kind = SQ_TEXT;
        v->text = s;
        v->len = (uint32_t)strlen(s);
    } else {
        v->kind = SQ_NULL;
    }
}

static void number_value(sq_value *v, uint64_t n)
{
    v->kind = n ? SQ_INT : SQ_NULL;
    v->i = (int64_t)n;
}

static void fill(void *ctx, size_t i, sq_value *vals, char (*scratch)[SES_TIME_BUFSZ])
{
    (void)scratch;
    const fnd_finding *f = fnd_get(ctx, i);
    memset(vals, 0, 6 * sizeof *vals);
    text_value(&vals[0], fnd_code_name(f->code));
    text_value(&vals[1], fnd_severity_name(f->severity));
    text_value(&vals[2], f->file);
    number_value(&vals[3], f->line);
    number_value(&vals[4], f->column);
    text_value(&vals[5], f->message);
}

/* As compilers colour theirs: the place bold, the severity in its colour. */
static void print_text(FILE *fp, const fnd_list *l, bool color)
{
    const char *bold = color ? OUT_SGR_BOLD : "", *reset = color ? OUT_SGR_RESET : "";
    for (size_t i = 0; i < fnd_count(l); i++) {
        const fnd_finding *f = fnd_get(l, i);
        const char *severity = fnd_severity_name(f->severity);
        const char *sgr = color ? out_status_sgr(severity, strlen(severity)) : "";
        if (f->file && f->line)
            fprintf(fp, "%s%s:%llu:%llu:%s ", bold, f->file, (unsigned long long)f->line,
                    (unsigned long long)f->column, reset);
        else if (f->file)
            fprintf(fp, "%s%s:%s ", bold, f->file, reset);
        fprintf(fp, "%s%s%s: %s: %s\n", sgr, severity, *sgr ? reset : "", fnd_code_name(f->code),
                f->message);
    }
}

/* The summary is a finding of its own, the last one, so that every format carries it. */
static int summarize(fnd_list *l, const tbl_table *t, const cli_read_stats *st)
{
    char dropped[512] = "";
    size_t n = 0;
    for (fnd_code c = 0; c < FND_NCODES; c++)
        if (fnd_dropped(l, c) && n < sizeof dropped)
            n += (size_t)snprintf(dropped + n, sizeof dropped - n, "; %llu more %s not listed",
                                  (unsigned long long)fnd_dropped(l, c), fnd_code_name(c));
    uint64_t errors = fnd_total(l, FND_ERROR), warnings = fnd_total(l, FND_WARNING);
    return fnd_add(
        l, FND_SUMMARY, NULL, 0, 0,
        "%zu file%s read (%zu could not be), %llu document%s, %llu session record%s, "
        "%zu session%s (%zu read more than once); %llu error%s, %llu warning%s%s",
        st->files, st->files == 1 ? "" : "s", st->files_failed, (unsigned long long)st->documents,
        st->documents == 1 ? "" : "s", (unsigned long long)st->records, st->records == 1 ? "" : "s",
        tbl_count(t), tbl_count(t) == 1 ? "" : "s", tbl_duplicates(t), (unsigned long long)errors,
        errors == 1 ? "" : "s", (unsigned long long)warnings, warnings == 1 ? "" : "s", dropped);
}

static sq_exit write_findings(const cli_common *c, bool text, fnd_list *l)
{
    if (!text)
        return cli_emit(c, columns, 6, fnd_count(l), fill, l, NULL);
    out_file *file = cli_open_output(c->output);
    if (!file)
        return SQ_EXIT_IOERR;
    print_text(out_file_stream(file), l, cli_color_for(c->color, out_file_stream(file)));
    bool ok = !ferror(out_file_stream(file));
    return out_file_close(file, ok) == 0 && ok ? SQ_EXIT_OK : cli_output_failed(errno);
}

static sq_exit run(cli_common *c, bool text, char *const *args, size_t nargs)
{
    tbl_table *t = tbl_new();
    if (!t) {
        fprintf(stderr, "sessq: out of memory\n");
        return SQ_EXIT_SOFTWARE;
    }
    cli_read_stats stats;
    c->read.as_findings = true;
    sq_exit status = cli_read_inputs(t, args, nargs, &c->read, &stats);
    if (status == SQ_EXIT_USAGE || status == SQ_EXIT_SOFTWARE) {
        tbl_free(t);
        return status;
    }
    if (summarize(c->read.findings, t, &stats) < 0) {
        fprintf(stderr, "sessq: out of memory\n");
        tbl_free(t);
        return SQ_EXIT_SOFTWARE;
    }
    status = write_findings(c, text, c->read.findings);
    if (status == SQ_EXIT_OK && fnd_total(c->read.findings, FND_ERROR))
        status = SQ_EXIT_FINDINGS;
    tbl_free(t);
    return status;
}

int cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"max-memory", required_argument, NULL, CLI_OPT_MAX_MEMORY},
        {"jobs", required_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"color", required_argument, NULL, CLI_OPT_COLOR},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cli_common common;
    sq_exit status = cli_common_init(&common);
    bool text = true;
    int c;
    opterr = 0;
    optind = 1;
    while (status == SQ_EXIT_OK &&
           (c = getopt_long(argc, argv, ":f:o:j:qh", longopts, NULL)) != -1) {
        bool taken = false;
        if (c == 'f' && strcmp(optarg, "text") == 0)
            text = true;
        else if (c == 'f' || c == 'o' || c == 'j' || c == 'q' || c == CLI_OPT_MAX_MEMORY ||
                 c == CLI_OPT_COLOR) {
            text = text && c != 'f';
            status = cli_common_option(&common, c, optarg, &taken);
        } else if (c == 'h') {
            printf("%s", usage);
            cli_common_free(&common);
            return SQ_EXIT_OK;
        } else {
            status = cli_bad_option("check", c, argv, usage);
        }
    }
    if (status == SQ_EXIT_OK)
        status = run(&common, text, argv + optind, (size_t)(argc - optind));
    cli_common_free(&common);
    return status;
}
