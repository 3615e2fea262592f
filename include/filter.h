/* filter.h: which sessions a command keeps. The flags (--since, --until, --status, --type,
 * --source, --min-duration, --max-duration, --match) and --where expressions are all parsed
 * into one expression tree, tested per row. PCRE2 is used in this module only. */
#ifndef FILTER_H
#define FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "sessq.h"
#include "table.h"

typedef struct flt_filter flt_filter;

/* An empty filter (every session passes), or NULL when out of memory. */
flt_filter *flt_new(void);
void flt_free(flt_filter *f);

/* Each call adds one condition; every condition added must hold. On a bad argument they return
 * -1 and fill `err`: err->message is static ("expected a value after '=='"), err->detail is
 * NULL or text owned by the filter (PCRE2's own message), valid until the next call;
 * err->column is the 1-based character position in `text` where it went wrong (0 when the
 * whole text is wrong); err->code is FLT_ERR_NOMEM when out of memory, else FLT_ERR_BAD. */
enum { FLT_OK = 0, FLT_ERR_BAD, FLT_ERR_NOMEM };

int flt_add_since(flt_filter *f, const char *text, sq_error *err);  /* start >= T */
int flt_add_until(flt_filter *f, const char *text, sq_error *err);  /* start < T */
int flt_add_status(flt_filter *f, const char *list, sq_error *err); /* "a,b" any case */
int flt_add_type(flt_filter *f, const char *list, sq_error *err);
int flt_add_source(flt_filter *f, const char *list, sq_error *err);
int flt_add_min_duration(flt_filter *f, const char *text, sq_error *err); /* duration >= D */
int flt_add_max_duration(flt_filter *f, const char *text, sq_error *err); /* duration <= D */
int flt_add_match(flt_filter *f, const char *field_eq_pattern, sq_error *err);
int flt_add_where(flt_filter *f, const char *expr, sq_error *err);

/* Parses a duration "90", "90s", "1.5m", "2h", "1d" into 100 ns ticks. 0, or -1. */
int flt_parse_duration(const char *text, int64_t *ticks);

/* Whether row `row` of `t` passes every condition. */
bool flt_test(const flt_filter *f, const tbl_table *t, size_t row);

#endif
