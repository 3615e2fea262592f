/* shape.h: reads one input's JSON documents, recognizes each response shape (v5 array, v6
 * envelopes, a session by id, Azure v1 envelopes, NDJSON of sessions) and hands every record,
 * normalized, to the table. */
#ifndef SHAPE_H
#define SHAPE_H

#include <stdint.h>

#include "findings.h"
#include "input.h"
#include "paging.h"
#include "sessq.h"
#include "table.h"

enum {
    SHP_OK = 0,
    SHP_ERR_INPUT,      /* the input could not be read: err as in_read() gave it, its code in
                        err->cause */
    SHP_ERR_JSON,       /* invalid JSON: err has line, column and detail */
    SHP_ERR_SHAPE,      /* valid JSON of no known response shape */
    SHP_ERR_NO_ID,      /* a session record without "id" */
    SHP_ERR_POWERSHELL, /* sessions flattened to "@{...}" text by PowerShell's ConvertTo-Json */
    SHP_ERR_LIMIT,      /* the table would go over its memory limit */
    SHP_ERR_NOMEM
};

/* The message of SHP_ERR_LIMIT. */
#define SHP_LIMIT_MESSAGE "the sessions read need more memory than the limit (see --max-memory)"

typedef struct shp_reader shp_reader;

/* A reader adding to `table` and, for what is odd but readable (invalid UTF-8 replaced by
 * U+FFFD, an invalid timestamp, an end before the start, a session read again with other
 * values, objects PowerShell flattened into text), findings to `findings` (NULL: none); both
 * stay the caller's. NULL when out of memory. */
shp_reader *shp_new(tbl_table *table, fnd_list *findings);
void shp_free(shp_reader *r);

/* Reads `src` to its end. On success every session of it is in the table; on failure none is
 * (the table is as before; findings already added stay) and `err` says what and where
 * (err->code is an SHP_ERR_*; err->detail is owned by the reader, valid until its next call). */
int shp_read(shp_reader *r, in_source *src, sq_error *err);

/* Every envelope read from now on is also described, as a page, in `pages` (the caller's;
 * NULL: not). The pages of an input that fails are taken back out. */
void shp_set_pages(shp_reader *r, pg_list *pages);

/* Told, after each chunk, how many bytes of the input (as stored) were read since last time. */
typedef void (*shp_progress_fn)(void *ctx, uint64_t bytes);
void shp_set_progress(shp_reader *r, shp_progress_fn fn, void *ctx);

/* Reads an input of at least `min_bytes` (0: never) with a second thread when it can: a regular
 * file or a buffer, plain UTF-8 (not gzip, no byte-order mark), with no record hook, the table
 * not a log. Once a record of a records array is read, a helper thread takes the elements from
 * a boundary about `share` per cent (1 to 99) of the remaining bytes further on. Sessions,
 * findings, errors and their places are those of reading alone. */
#define SHP_SPLIT_MIN ((uint64_t)16 << 20)
#define SHP_SPLIT_SHARE 50
void shp_set_split(shp_reader *r, uint64_t min_bytes, unsigned share);

/* The kind of document a record stood in: a bare array (VB365 v5 and older), an envelope's
 * "results" (VB365 v6, Azure v1), or an object at the top (a session by id, NDJSON). */
typedef enum { SHP_DOC_ARRAY, SHP_DOC_ENVELOPE, SHP_DOC_OBJECT, SHP_NDOCS } shp_doc;

/* Where a record stood: the bytes [start, end) of its object, from its '{' to just after its
 * '}', in the input's decoded stream (what in_read() hands out: gzip inflated, a byte-order
 * mark dropped, UTF-16 turned into UTF-8); the kind of document; the session's source. */
typedef struct {
    uint64_t start, end;
    shp_doc doc;
    ses_source source;
} shp_span;

/* Told of every record right after the table took it, in the order the table took them.
 * Returns 0, or -1 to stop reading (out of memory). */
typedef int (*shp_record_fn)(void *ctx, const shp_span *span);
void shp_set_record_hook(shp_reader *r, shp_record_fn fn, void *ctx);

typedef struct {
    uint64_t documents; /* JSON documents read */
    uint64_t records;   /* session records read, duplicates included */
    uint64_t helped;    /* of them, those a helper thread read (shp_set_split()) */
} shp_stats;

/* What all successful shp_read() calls so far have read. */
shp_stats shp_totals(const shp_reader *r);

#endif
