/* main.c: sessq's entry point: picks the subcommand and nothing else. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "sessq.h"

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    {"list", cmd_list, "the sessions, one row each (csv, json, ndjson, md or a table)"},
    {"stats", cmd_stats, "counts, success rate and durations, per group of keys"},
    {"check", cmd_check, "what is wrong or odd in the dumps (invalid JSON, missing ids, ...)"},
    {"diff", cmd_diff, "the sessions added, removed and changed between OLD and NEW dumps"},
    {"extract", cmd_extract, "the sessions that pass the filters, as a dump of their own shape"},
    {"redact", cmd_redact,
     "like extract, with what identifies the customer replaced by pseudonyms"},
    {"report", cmd_report, "one page for a ticket: summary, charts, failures, findings (html, md)"},
    {"export", cmd_export, "the sessions as a Hive-partitioned tree of gzip parts (DuckDB, Spark)"},
};

#define NCOMMANDS (sizeof commands / sizeof *commands)

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: sessq COMMAND [OPTIONS] [INPUT...]\n"
            "       sessq help COMMAND | --help | --version\n"
            "\n"
            "sessq reads saved session responses of Veeam Backup for Microsoft 365 (REST v5,\n"
            "v6) and Veeam Backup for Microsoft Azure (REST v1) and answers questions about them.\n"
            "\n"
            "Commands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(fp, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(fp, "\n'sessq COMMAND --help' tells more.\n\n%s", cli_common_help);
}

static const command *find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(commands[i].name, name))
            return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return SQ_EXIT_USAGE;
    }
    const char *arg = argv[1];
    if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
        usage(stdout);
        return SQ_EXIT_OK;
    }
    if (!strcmp(arg, "--version")) {
        printf("sessq %s\n", SESSQ_VERSION);
        return SQ_EXIT_OK;
    }
    if (!strcmp(arg, "help")) {
        if (argc < 3) {
            usage(stdout);
            return SQ_EXIT_OK;
        }
        const command *c = find(argv[2]);
        if (!c) {
            fprintf(stderr, "sessq: unknown command '%s'\n", argv[2]);
            return SQ_EXIT_USAGE;
        }
        char *help_argv[] = {argv[2], "--help", NULL};
        return c->run(2, help_argv);
    }
    const command *c = find(arg);
    if (!c) {
        fprintf(stderr, "sessq: unknown %s '%s'\n\n", arg[0] == '-' ? "option" : "command", arg);
        usage(stderr);
        return SQ_EXIT_USAGE;
    }
    return c->run(argc - 1, argv + 1);
}
