/* stats.h: groups sessions by keys and computes the contract's metrics for each group. */
#ifndef STATS_H
#define STATS_H

#include <stddef.h>

#include "session.h"
#include "table.h"

typedef struct st_result st_result;

/* Groups rows `rows[0..nrows)` of `t` by the keys `by[0..nby)` (none: one group of all, even
 * when there are no rows) and computes the metrics. The result copies what it needs: `t` may
 * be freed before it. NULL when out of memory. */
st_result *st_compute(const tbl_table *t, const size_t *rows, size_t nrows, const ses_key *by,
                      size_t nby);
void st_free(st_result *r);

/* Groups, in the contract's order: by key values compared as text, a null after every value. */
size_t st_groups(const st_result *r);
/* Columns: the keys grouped by, then count, success, warning, failed, running, canceled,
 * other, success_rate, duration_min, duration_p50, duration_p95, duration_max,
 * duration_total, processed_objects_total, first_start, last_start. */
size_t st_columns(const st_result *r);
/* A column's name: static, or the key's name. */
const char *st_column_name(const st_result *r, size_t col);
/* The value of a column of a group; text points into the result. */
void st_get(const st_result *r, size_t group, size_t col, sq_value *v);

#endif
