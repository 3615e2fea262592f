/* cmd_extract.c: `sessq extract`: the sessions that pass the filters, written back as a dump
 * of the shape they came from, each record byte for byte as it stood in its input; and
 * `sessq redact`, which is extract with each record passed through the redaction engine. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "dump.h"
#include "redact.h"
#include "table.h"

static const char extract_usage[] =
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

static const char redact_usage[] =
    "usage: sessq redact [--key K] [OPTIONS] [-o FILE | --split DIR] [INPUT...]\n"
    "\n"
    "Writes what 'sessq extract' writes, with what identifies the customer replaced by\n"
    "pseudonyms: organization, user and operator names (also inside name and scopeName), host\n"
    "names and IP addresses, policy, repository, job and retrieval names, and the host of every\n"
    "URL. IDs, types, states, results, timestamps and counts stay, so 'sessq stats' of the\n"
    "redacted dump gives the same numbers. The same value gets the same pseudonym everywhere in\n"
    "a run; see the README's 'sessq redact' for the rules.\n"
    "\n"
    "      --key K          derive the pseudonyms from K (keyed SipHash-2-4), so that runs with\n"
    "                       the same K give the same pseudonyms; without it a random key is\n"
    "                       taken and two runs cannot be compared. Keep K secret: whoever has it\n"
    "                       can test guesses against the pseudonyms. K must not be empty\n"
    "      --split DIR      one dump per shape, DIR/SHAPE.json (see 'sessq extract --help')\n"
    "  -s, --sort K1,-K2    write the sessions in this order\n"
    "  -n, --limit N        only the first N sessions (after sorting)\n"
    "  -h, --help           show this help\n";

typedef struct {
    const char *command; /* "extract" or "redact" */
    const char *key;     /* redact --key, or NULL */
    const char *split;
    cli_order order;
} extract_options;

static sq_exit take_option(void *ctx, int opt, const char *arg)
{
    extract_options *o = ctx;
    switch (opt) {
    case 'S':
        o->split = arg;
        return SQ_EXIT_OK;
    case 'K':
        if (!*arg) {
            fprintf(stderr, "sessq: redact: --key: an empty key is known to everyone; give a "
                            "secret text, or no --key for a random one\n");
            return SQ_EXIT_USAGE;
        }
        o->key = arg;
        return SQ_EXIT_OK;
    default: /* 's', 'n' */
        return cli_order_option(&o->order, opt, arg);
    }
}

static sq_exit check_options(const cli_common *c, const extract_options *o)
{
    if (o->split && c->output) {
        fprintf(stderr,
                "sessq: %s: -o and --split go one without the other (--split writes one file "
                "per shape in its directory)\n",
                o->command);
        return SQ_EXIT_USAGE;
    }
    return SQ_EXIT_OK;
}

/* dmp_transform of redact: the record through the redaction engine. */
static int redact_record(void *ctx, const char *record, size_t n, FILE *out)
{
    const char *text;
    size_t len;
    sq_error err;
    if (rd_redact(ctx, record, n, &text, &len, &err) != RD_OK) {
        errno = err.code == RD_ERR_NOMEM ? ENOMEM : EINVAL;
        return -1;
    }
    return fwrite(text, 1, len, out) == len ? 0 : -1;
}

static sq_exit run(cli_common *c, const extract_options *o, char *const *args, size_t nargs)
{
    rd_redactor *redactor = NULL;
    if (!strcmp(o->command, "redact")) {
        sq_error err;
        redactor = rd_new(o->key, o->key ? strlen(o->key) : 0, &err);
        if (!redactor) {
            fprintf(stderr, "sessq: redact: %s\n",
                    err.code == RD_ERR_RANDOM ? "no random key from the system: give --key"
                                              : "out of memory");
            return SQ_EXIT_SOFTWARE;
        }
    }
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
        size_t n;
        sq_exit ordered = cli_order_rows(&o->order, t, rows, nrows, &n);
        if (ordered != SQ_EXIT_OK) {
            status = ordered;
        } else {
            sq_exit written = cli_write_dumps(c, o->command, spans, t, rows, n, o->split,
                                              redactor ? redact_record : NULL, redactor);
            if (written != SQ_EXIT_OK)
                status = written;
        }
    }
    free(rows);
    tbl_free(t);
    dmp_free(spans);
    rd_free(redactor);
    return status;
}

/* The options both commands take; redact adds --key. */
#define DUMP_OPTIONS                                                                               \
    {"help", no_argument, NULL, 'h'}, {"output", required_argument, NULL, 'o'},                    \
        {"keep-going", no_argument, NULL, 'k'},                                                    \
        {"max-memory", required_argument, NULL, CLI_OPT_MAX_MEMORY},                               \
        {"jobs", required_argument, NULL, 'j'}, {"quiet", no_argument, NULL, 'q'},                 \
        {"color", required_argument, NULL, CLI_OPT_COLOR},                                         \
        {"split", required_argument, NULL, 'S'}, {"sort", required_argument, NULL, 's'},           \
        {"limit", required_argument, NULL, 'n'}, CLI_FILTER_OPTIONS

static int extract_or_redact(int argc, char **argv, const char *command, const char *usage,
                             const struct option *longopts)
{
    cli_common common;
    extract_options o = {.command = command};
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

int cmd_extract(int argc, char **argv)
{
    static const struct option longopts[] = {DUMP_OPTIONS, {NULL, 0, NULL, 0}};
    return extract_or_redact(argc, argv, "extract", extract_usage, longopts);
}

int cmd_redact(int argc, char **argv)
{
    static const struct option longopts[] = {
        DUMP_OPTIONS, {"key", required_argument, NULL, 'K'}, {NULL, 0, NULL, 0}};
    return extract_or_redact(argc, argv, "redact", redact_usage, longopts);
}
