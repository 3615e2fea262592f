/* diff.h: compares two session tables, matching sessions by (source, id): the sessions only the
 * new one has (added), only the old one has (removed), and those in both whose values differ
 * (changed), with the keys that differ; and writes that report in every output format. */
#ifndef DIFF_H
#define DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "output.h"
#include "session.h"
#include "table.h"

typedef struct dif_result dif_result;

typedef enum { DIF_ADDED, DIF_REMOVED, DIF_CHANGED, DIF_NKINDS } dif_kind;

/* Compares rows old_rows[0..n_old) of `old_table` with rows new_rows[0..n_new) of `new_table`
 * (tables, not logs, each row at most once: what cli_load() selects). Every key of the
 * normalized session but source and id is compared, unless ignore[key] (`ignore` may be NULL): text by bytes, numbers,
 * durations and instants by value; a null differs from every value. A session of the old table
 * that is not among old_rows counts as absent. The result keeps pointers to both tables: they
 * must outlive it. NULL when out of memory. */
dif_result *dif_compare(const tbl_table *old_table, const size_t *old_rows, size_t n_old,
                        const tbl_table *new_table, const size_t *new_rows, size_t n_new,
                        const bool ignore[SES_NKEYS]);
void dif_free(dif_result *r);

/* Sessions of each kind: added in the new table's order, removed in the old one's, changed in
 * the new one's. */
size_t dif_count(const dif_result *r, dif_kind kind);
/* Sessions in both whose compared keys are all equal. */
size_t dif_unchanged(const dif_result *r);
/* Whether anything was added, removed or changed. */
bool dif_differs(const dif_result *r);

/* Entry i of a kind: its row in the old table and in the new one (TBL_NONE where it has none),
 * and for a changed session the keys that differ, in the contract's order. */
typedef struct {
    size_t old_row, new_row;
    const ses_key *keys;
    size_t nkeys;
} dif_entry;
dif_entry dif_get(const dif_result *r, dif_kind kind, size_t i);

/* Writes the report to `fp` in format `fmt` (README, "diff"). Returns 0, or -1 with errno set
 * on a write error or when out of memory. */
int dif_write(const dif_result *r, out_format fmt, FILE *fp, const out_options *opt);

#endif
