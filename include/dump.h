/* dump.h: sessions written back as dumps. While the inputs are read, every table row's record
 * span (which input, which bytes of its decoded stream, what kind of document) is kept here;
 * afterwards the records of the chosen rows are copied out of the inputs, read a second time,
 * into dumps of the shape they came from, byte for byte or through a per-record transform.
 * Standard input, which cannot be read twice, is kept in an unnamed temporary file as it is
 * read. Memory grows with the rows, never with the size of an input. */
#ifndef DUMP_H
#define DUMP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sessq.h"
#include "shape.h"
typedef struct dmp_spans dmp_spans;

/* An empty set of spans, or NULL when out of memory. */
dmp_spans *dmp_new(void);
/* Frees the spans and closes (so removes) the temporary files. */
void dmp_free(dmp_spans *d);

/* Adds an input (a path as in_open() takes it, "-" for standard input); inputs are numbered
 * from 0 in the order added. For standard input *tee is the descriptor of a temporary file
 * its stored bytes must be copied to as it is read (in_tee()), else -1. Returns 0, or -1 with
 * errno set (out of memory, or no temporary file could be made). */
int dmp_add_input(dmp_spans *d, const char *path, int *tee);

/* Notes that table row `row` holds the record of input number `input` at `span` (a later
 * record of the same session replaces an earlier one's). 0, or -1 when out of memory. */
int dmp_set_span(dmp_spans *d, size_t row, uint32_t input, const shp_span *span);

/* Spans set after dmp_begin() are undone by dmp_rollback() (a damaged file that is skipped,
 * after the table's own tbl_rollback()) or kept by dmp_commit(); `rows` is the table's count
 * at the beginning. */
void dmp_begin(dmp_spans *d, size_t rows);
void dmp_commit(dmp_spans *d);
void dmp_rollback(dmp_spans *d);

/* The shape of a dump, numbered from 0 to DMP_NSHAPES - 1: a bare array, objects one after
 * another, or an envelope of sessions of one source. */
#define DMP_NSHAPES (2 + SES_SRC_COUNT - 1)
/* The shape of dumps of `source` sessions in documents of kind `doc`. */
int dmp_shape_index(ses_source source, shp_doc doc);
/* The shape of the record of table row `row`, or -1 when no span was set for it. */
int dmp_shape_of(const dmp_spans *d, size_t row);
/* "array", "objects", "azure-job-envelope", "vb365-restore-envelope",
 * "vb365-retrieval-envelope": static. */
const char *dmp_shape_name(int shape);

/* Rewrites one record on its way into a dump (redact): record[0..n) is the record as it stood
 * in the input; the new bytes are written to `out`. Returns 0, or -1 with errno set. */
typedef int (*dmp_transform)(void *ctx, const char *record, size_t n, FILE *out);

typedef struct dmp_records dmp_records;

enum {
    DMP_OK = 0,
    DMP_ERR_INPUT,   /* an input cannot be read again: err->cause is input's IN_ERR_* */
    DMP_ERR_CHANGED, /* the bytes at a span are not a record any more */
    DMP_ERR_TEMP,    /* the temporary file cannot be made, written or read (err->sys_errno) */
    DMP_ERR_NOMEM
};

/* Reads the inputs a second time and keeps the records of table rows rows[0..n) (each with a
 * span set), in this order, in a temporary file. NULL on failure, with `err` filled (a
 * DMP_ERR_*) and *where the name of the input concerned (NULL when it is about no input). */
dmp_records *dmp_collect(const dmp_spans *d, const size_t *rows, size_t n, sq_error *err,
                         const char **where);
void dmp_records_free(dmp_records *r);

/* Writes the collected records of shape `shape`, in the order collected, as one dump of that
 * shape to `fp`: a bare array; an envelope with "offset": 0, "limit": N ("totalCount": N too
 * for azure-job), a "_links" self link naming the collection, and "results"; or the objects
 * one per line. Each record passes through `fn` (NULL: copied as it is). Returns 0, or -1 with
 * errno set. */
int dmp_write(const dmp_records *r, int shape, FILE *fp, dmp_transform fn, void *ctx);

#endif
