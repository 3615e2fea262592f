/* output.h: writes rows of typed values as table, csv, json, ndjson or md. */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "session.h"

typedef enum { OUT_TABLE, OUT_CSV, OUT_JSON, OUT_NDJSON, OUT_MD } out_format;

/* Parses a -f value ("table", "csv", "json", "ndjson", "md"); returns 0, or -1 if unknown. */
int out_format_parse(const char *name, out_format *fmt);

typedef struct {
    size_t width; /* table: terminal width to fit, 0 = never truncate */
    bool csv_raw; /* csv: no formula guard */
    bool color;   /* table: ANSI colours (bold header, status words, dim nulls) */
} out_options;

/* The ANSI colours (SGR sequences) of tables and messages. */
#define OUT_SGR_RESET "\033[0m"
#define OUT_SGR_BOLD "\033[1m"
#define OUT_SGR_DIM "\033[2m"
#define OUT_SGR_RED "\033[31m"
#define OUT_SGR_GREEN "\033[32m"
#define OUT_SGR_YELLOW "\033[33m"
#define OUT_SGR_CYAN "\033[36m"
#define OUT_SGR_BOLD_RED "\033[1;31m"
#define OUT_SGR_BOLD_YELLOW "\033[1;33m"
#define OUT_SGR_BOLD_CYAN "\033[1;36m"

/* The colour of a status word (Success green, Warning yellow, Failed and Error red, Running
 * cyan; check's severities error and warning alike), or "" for any other text. */
const char *out_status_sgr(const char *p, size_t n);

typedef struct out_writer out_writer;

/* A writer of rows with `ncols` columns named `names` (the strings must outlive the writer) to
 * `fp`, which stays the caller's. Returns NULL when out of memory. */
out_writer *out_new(out_format fmt, FILE *fp, const char *const *names, size_t ncols,
                    const out_options *opt);
/* Writes (or, for table, keeps a copy of) one row of `ncols` values. Returns 0, or -1 on a
 * write error or when out of memory (errno set). */
int out_row(out_writer *w, const sq_value *vals);
/* Writes what is still pending (table body, json closing bracket) and flushes. 0 or -1. */
int out_finish(out_writer *w);
void out_free(out_writer *w);

/* Formatting rows on other threads: a part is a writer like out_new()'s that keeps every byte
 * it is given rows for, with no stream and no header; out_add_part() writes them through the
 * writer that has the stream, in order. Not for table, whose widths come from every row (NULL,
 * errno EINVAL), nor out_finish(). NULL when out of memory; freed with out_free(). */
out_writer *out_new_part(out_format fmt, const char *const *names, size_t ncols,
                         const out_options *opt);
/* Empties a part to take rows again, the first of which is to be row `first` of the whole
 * output (json writes its separators from it). */
void out_part_reset(out_writer *part, size_t first);
/* Writes the rows of `part` through `w`, as if out_row() had been given them there: w must have
 * written exactly `first` rows (else -1, errno EINVAL). Returns 0, or -1 (errno set) on a write
 * error, or when the part ran out of memory. The part is unchanged. */
int out_add_part(out_writer *w, const out_writer *part);

/* Table only: a line written after the table (a footer); `text` must outlive the writer.
 * Other formats ignore it. */
void out_note(out_writer *w, const char *text);

/* Writes one value to `fp` as json and ndjson rows write their cells: text quoted and escaped,
 * a time quoted, a number bare, a null as null; for reports of other shapes than rows. Returns 0,
 * or -1 on a write error (errno set). */
int out_json_value(FILE *fp, const sq_value *v);

/* An instant and a duration as the table format shows them: "2022-03-01 09:12:04" (buf holds
 * SES_TIME_BUFSZ bytes; not NUL-terminated) and "12.3s", "4m 05s", "1h 02m", "3d 04h" (the two
 * largest units, truncated). Each returns the length. */
size_t out_time_text(int64_t ticks, char *buf);
size_t out_duration_text(int64_t ticks, char *buf, size_t size);

/* Where output goes: standard output for NULL or "-", else a temporary file beside `path`
 * that out_file_close() renames to `path` once everything is written, so that an interrupted
 * or failed run never leaves a half-written file. A `path` that exists and is not a regular
 * file (a device, a FIFO, a symbolic link) is written in place. NULL (errno set) on failure. */
typedef struct out_file out_file;
out_file *out_file_open(const char *path);
FILE *out_file_stream(const out_file *f);
/* Finishes: when `ok`, flushes, syncs and renames into place; otherwise removes the temporary
 * file. Returns 0, or -1 with errno set (then no file was put in place). */
int out_file_close(out_file *f, bool ok);

#endif
