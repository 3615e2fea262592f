/* export.h: the sessions written as a Hive-partitioned tree of gzip parts
 * (DIR/month=2022-01/part-0000.ndjson.gz) that DuckDB, Spark and Trino read directly, with a
 * manifest (DIR/_sessq_manifest) of the sessions already exported so that adding new dumps to
 * a tree never writes one twice. Parts are written into DIR/_sessq_tmp, then renamed into
 * place; the manifest is appended to last. Writing gzip (zlib) is this module's; the rows are
 * the output module's ndjson and csv. */
#ifndef EXPORT_H
#define EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "output.h"
#include "sessq.h"
#include "session.h"
#include "table.h"

#define EXP_MAX_KEYS 8
#define EXP_DEFAULT_PART_ROWS 1000000u

typedef struct {
    out_format fmt;           /* OUT_NDJSON or OUT_CSV */
    ses_key by[EXP_MAX_KEYS]; /* partition keys, outermost first */
    size_t nby;
    uint64_t part_rows; /* the most sessions in one part */
    bool append;        /* add to an existing export instead of requiring an empty DIR */
} exp_options;

typedef struct {
    size_t written;   /* sessions written */
    size_t unchanged; /* already in the export with the same values: skipped */
    size_t changed;   /* already in the export with other values: skipped, see README */
    size_t parts;     /* part files written */
} exp_report;

enum {
    EXP_ERR_NOMEM = 1,
    EXP_ERR_IO,        /* a file or directory could not be made or written */
    EXP_ERR_NOT_EMPTY, /* DIR holds something and --append was not given */
    EXP_ERR_MISMATCH,  /* --append with another format or partitioning than DIR has */
    EXP_ERR_MANIFEST,  /* DIR's manifest is not one sessq wrote */
    EXP_ERR_BUSY       /* another export holds DIR */
};

typedef struct exp_export exp_export;

/* Opens DIR for an export (creating it when missing) and takes its lock. NULL on failure, with
 * *err set; err->detail names the path concerned (valid until the next exp_open()). */
exp_export *exp_open(const char *dir, const exp_options *o, sq_error *err);

/* Writes rows[0..nrows) of `t` (all in input order within a partition), skipping sessions the
 * manifest already has, then renames the parts into place and records them. 0, or -1 with *err
 * set (err->detail valid until exp_close()); after a failure no part is left in place and the
 * manifest is unchanged. Call once. */
int exp_write(exp_export *e, const tbl_table *t, const size_t *rows, size_t nrows, sq_error *err);

const exp_report *exp_result(const exp_export *e);
/* The paths of the parts written, in the order written (DIR/KEY=VALUE/part-NNNN.EXT). */
size_t exp_parts(const exp_export *e);
const char *exp_part(const exp_export *e, size_t i);

/* Releases the lock. What exp_open() created is removed again when nothing was written. */
void exp_close(exp_export *e);

#endif
