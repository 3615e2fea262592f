/* cli.h: what every subcommand shares: reading INPUT arguments into the table with messages
 * on standard error, the exit status they lead to, and the terminal's width. Only cli.c,
 * cmd_*.c and main.c print to standard error or choose an exit status. */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sessq.h"
#include "table.h"

typedef struct {
    size_t files;        /* inputs read whole */
    size_t files_failed; /* inputs skipped (--keep-going) or stopped at */
    uint64_t documents;
    uint64_t records; /* session records read, duplicates included */
} cli_read_stats;

/* Reads the INPUT arguments (none: standard input, unless it is a terminal) into `t`. Prints
 * "sessq: ..." for each problem. Without keep_going it stops at the first bad input. Returns
 * SQ_EXIT_OK, SQ_EXIT_USAGE (no input), SQ_EXIT_DATA, SQ_EXIT_NOINPUT (the worst seen) or
 * SQ_EXIT_SOFTWARE (out of memory). */
sq_exit cli_read_inputs(tbl_table *t, char *const *args, size_t nargs, bool keep_going,
                        cli_read_stats *stats);

/* The width to fit table output to: $COLUMNS, else the terminal's, when `fp` is a terminal;
 * 0 (never truncate) when it is not. */
size_t cli_terminal_width(FILE *fp);

/* The part of every command's help about inputs, limits and exit statuses. */
extern const char cli_common_help[];

/* Prints "sessq: cannot write output: <reason>" and returns SQ_EXIT_IOERR. */
sq_exit cli_output_failed(int errnum);

#endif
