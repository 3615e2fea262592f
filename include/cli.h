/* cli.h: what every subcommand shares: reading INPUT arguments into the table with messages
 * on standard error, the exit status they lead to, and the terminal's width. Only cli.c,
 * cmd_*.c and main.c print to standard error or choose an exit status. */
#ifndef CLI_H
#define CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "dump.h"
#include "filter.h"
#include "findings.h"
#include "output.h"
#include "sessq.h"
#include "table.h"

typedef struct {
    size_t files;        /* inputs read whole */
    size_t files_failed; /* inputs skipped (--keep-going) or stopped at */
    uint64_t documents;
    uint64_t records; /* session records read, duplicates included */
} cli_read_stats;

typedef struct {
    bool keep_going;    /* go on after a bad input */
    fnd_list *findings; /* where oddities of readable data go (NULL: nowhere) */
    bool as_findings;   /* check: every problem becomes a finding instead of a message, and
                             reading always goes on */
    size_t max_memory;  /* bytes the session table may hold; 0: no limit */
    unsigned jobs;      /* files read at the same time (0 or 1: one by one) */
    uint64_t split_min; /* with jobs > 1, one input at least this big is read by two threads
                           (shp_set_split(); 0: never) */
    unsigned split_share;
    bool quiet;       /* no progress line */
    dmp_spans *spans; /* where each row's record span goes (NULL: nowhere) */
} cli_read_options;

/* Reads the INPUT arguments (none: standard input, unless it is a terminal) into `t`.
 * Reports each problem ("sessq: FILE:LINE:COLUMN: ...", or a finding). Without keep_going it
 * stops at the first bad input. Returns SQ_EXIT_OK, SQ_EXIT_USAGE (no input), SQ_EXIT_DATA,
 * SQ_EXIT_NOINPUT (the worst seen) or SQ_EXIT_SOFTWARE (out of memory, over the limit). */
sq_exit cli_read_inputs(tbl_table *t, char *const *args, size_t nargs, const cli_read_options *o,
                        cli_read_stats *stats);

/* The width to fit table output to: $COLUMNS, else the terminal's, when `fp` is a terminal;
 * 0 (never truncate) when it is not. */
size_t cli_terminal_width(FILE *fp);

/* The part of every command's help about inputs, limits and exit statuses. */
extern const char cli_common_help[];

/* The filter flags of every command that reads sessions: their getopt_long codes, entries for
 * a `struct option` array, and their help. */
enum {
    CLI_OPT_SINCE = 0x100,
    CLI_OPT_UNTIL,
    CLI_OPT_STATUS,
    CLI_OPT_TYPE,
    CLI_OPT_SOURCE,
    CLI_OPT_MIN_DURATION,
    CLI_OPT_MAX_DURATION,
    CLI_OPT_MATCH,
    CLI_OPT_WHERE
};
#define CLI_FILTER_OPTIONS                                                                         \
    {"since", required_argument, NULL, CLI_OPT_SINCE},                                             \
        {"until", required_argument, NULL, CLI_OPT_UNTIL},                                         \
        {"status", required_argument, NULL, CLI_OPT_STATUS},                                       \
        {"type", required_argument, NULL, CLI_OPT_TYPE},                                           \
        {"source", required_argument, NULL, CLI_OPT_SOURCE},                                       \
        {"min-duration", required_argument, NULL, CLI_OPT_MIN_DURATION},                           \
        {"max-duration", required_argument, NULL, CLI_OPT_MAX_DURATION},                           \
        {"match", required_argument, NULL, CLI_OPT_MATCH},                                         \
    {                                                                                              \
        "where", required_argument, NULL, CLI_OPT_WHERE                                            \
    }
extern const char cli_filter_help[];

/* Adds filter flag `opt` (a CLI_OPT_* code) with its argument to `f`. Returns SQ_EXIT_OK, or
 * the exit status after printing what is wrong (with a caret under the place in --where). */
sq_exit cli_filter_flag(flt_filter *f, int opt, const char *arg);

/* The rows of `t` that pass `f`, in table order, as a malloc'ed array the caller frees (NULL
 * with *n = 0 when there are none; NULL with *n = SIZE_MAX when out of memory). */
size_t *cli_select(const tbl_table *t, const flt_filter *f, size_t *n);

/* Parses a comma-separated list of key names ("source,-start" when `signs`: a leading '-' sets
 * desc[i]) into keys[], at most `max`. Returns how many, or -1 after printing what is wrong;
 * `what` names the option in the message. */
int cli_key_list(const char *what, const char *list, ses_key *keys, bool *desc, size_t max);

/* --sort KEYS and --limit N, as the commands that write rows take them. */
typedef struct {
    ses_key sort[SES_NALLKEYS * 4];
    bool desc[SES_NALLKEYS * 4];
    size_t nsort;
    size_t limit;
    bool has_limit;
} cli_order;
/* Takes option 's' (--sort) or 'n' (--limit) into o; says what is wrong and answers
 * SQ_EXIT_USAGE for a bad value. */
sq_exit cli_order_option(cli_order *o, int opt, const char *arg);
/* Sorts rows[0..nrows) of t as o says and sets *n to how many of them to write; says so and
 * answers SQ_EXIT_SOFTWARE when out of memory. */
sq_exit cli_order_rows(const cli_order *o, const tbl_table *t, size_t *rows, size_t nrows,
                       size_t *n);

/* The options every command that reads sessions and writes rows takes: -f, -o, --csv-raw,
 * -k and the filters. */
enum { CLI_OPT_CSV_RAW = 0x200, CLI_OPT_MAX_MEMORY, CLI_OPT_COLOR };
#define CLI_COMMON_SHORT "f:o:kj:q"
#define CLI_COMMON_OPTIONS                                                                         \
    {"format", required_argument, NULL, 'f'}, {"output", required_argument, NULL, 'o'},            \
        {"csv-raw", no_argument, NULL, CLI_OPT_CSV_RAW}, {"keep-going", no_argument, NULL, 'k'},   \
        {"max-memory", required_argument, NULL, CLI_OPT_MAX_MEMORY},                               \
        {"jobs", required_argument, NULL, 'j'}, {"quiet", no_argument, NULL, 'q'},                 \
        {"color", required_argument, NULL, CLI_OPT_COLOR}, CLI_FILTER_OPTIONS

/* The default of --max-memory: what the session table may hold. */
#define CLI_DEFAULT_MAX_MEMORY ((size_t)4 << 30)
/* The help of -o, -k, --max-memory, -j, -q (and of -f, --csv-raw for commands that take them). */
extern const char cli_output_help[];

/* --color=WHEN */
typedef enum { CLI_COLOR_AUTO, CLI_COLOR_ALWAYS, CLI_COLOR_NEVER } cli_color;

/* Whether what goes to `fp` is coloured under `when`: always, never, or (auto) when `fp` is a
 * terminal, NO_COLOR is unset or empty, and TERM is not "dumb". */
bool cli_color_for(cli_color when, FILE *fp);

typedef struct {
    out_format fmt;
    bool fmt_given; /* -f was given: export's default differs */
    cli_color color;
    out_options out;
    cli_read_options read; /* its findings list is the common options' own */
    const char *output;    /* -o: NULL for standard output */
    flt_filter *filter;
    char *filters; /* the filter flags as given ("--since 2022-03-01 --status failed"), for a
                      page that states them; NULL when none */
    size_t filters_len;
} cli_common;

/* Sets the defaults. SQ_EXIT_OK, or SQ_EXIT_SOFTWARE after printing "out of memory". */
sq_exit cli_common_init(cli_common *c);
void cli_common_free(cli_common *c);
/* Takes option `opt` when it is one of the common ones: sets *taken and returns SQ_EXIT_OK or
 * the exit status after printing what is wrong; leaves *taken false otherwise. */
sq_exit cli_common_option(cli_common *c, int opt, const char *arg, bool *taken);

/* Reads INPUTs into *t (a new table the caller frees) and selects the rows passing the filter
 * into *rows (the caller frees). Returns the reading status; the caller goes on to write when
 * it is SQ_EXIT_OK, or with --keep-going a data or input error. */
sq_exit cli_load(const cli_common *c, char *const *args, size_t nargs, tbl_table **t, size_t **rows,
                 size_t *nrows, cli_read_stats *stats);
/* Whether a command should still write its output after cli_load() answered `status`. */
bool cli_should_write(const cli_common *c, sq_exit status);

/* Fills vals[0..ncols) for output row i; text may point into scratch[0..ncols), the calling
 * thread's own. Called from two threads at once for long outputs: it must only read ctx. */
typedef void (*cli_row_fn)(void *ctx, size_t i, sq_value *vals, char (*scratch)[SES_TIME_BUFSZ]);
/* The rows cli_emit() formats at a time on one thread. */
#define EMIT_BLOCK_ROWS 4096
/* Writes nrows rows of ncols columns named `names` in the chosen format to -o or standard
 * output (atomically for a file), with `note` under a table. With --jobs above 1, a second
 * thread formats every other block of EMIT_BLOCK_ROWS rows (but for a table, which must see
 * every row first); the bytes are the same. SQ_EXIT_OK or SQ_EXIT_IOERR. */
sq_exit cli_emit(const cli_common *c, const char *const *names, size_t ncols, size_t nrows,
                 cli_row_fn fill, void *ctx, const char *note);

/* What extract and redact write: rows[0..nrows) of `t`, whose record spans `spans` kept, as
 * dumps of the shape they came from. Without `split_dir`: one dump to -o or standard output
 * when they all have one shape (none: the shape of every session read, when there is one, else
 * an empty bare array), else exit 64 naming the shapes and asking for --source or --split.
 * With `split_dir` (made when missing): DIR/SHAPE.json for each shape there is. Each record
 * passes through `fn` (NULL: copied as it is). `command` names the command in messages. */
sq_exit cli_write_dumps(const cli_common *c, const char *command, const dmp_spans *spans,
                        const tbl_table *t, const size_t *rows, size_t nrows, const char *split_dir,
                        dmp_transform fn, void *ctx);

/* A command's own option `opt` with its argument; returns SQ_EXIT_OK or the exit status after
 * printing what is wrong. */
typedef sq_exit (*cli_option_fn)(void *ctx, int opt, const char *arg);

/* Parses argv (argv[0] is the command's name) with getopt_long: the common options go to `c`,
 * the command's own (`own_short`, and `longopts` which holds CLI_COMMON_OPTIONS too) to `own`,
 * -h/--help prints `usage` with the shared help and sets *help. On success *first is the index
 * of the first INPUT. Initializes `c` (free it with cli_common_free()). */
sq_exit cli_parse(int argc, char **argv, const char *own_short, const struct option *longopts,
                  const char *usage, cli_common *c, cli_option_fn own, void *ctx, bool *help,
                  int *first);

/* After getopt_long() (with an option string starting ":") answered `c`, '?' or ':', for
 * argv[optind - 1]: prints what is wrong and the command's usage; returns SQ_EXIT_USAGE. */
sq_exit cli_bad_option(const char *command, int c, char **argv, const char *usage);

/* out_file_open(path) (NULL: standard output), or NULL after printing "sessq: PATH: cannot
 * write: <reason>" (the caller then exits with SQ_EXIT_IOERR). */
out_file *cli_open_output(const char *path);

/* Prints "sessq: cannot write output: <reason>" and returns SQ_EXIT_IOERR. */
sq_exit cli_output_failed(int errnum);

#endif
