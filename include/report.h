/* report.h: the content of `sessq report`: the summary and the sections a support engineer reads
 * first, computed from the selected rows of a table (through `stats`, so that every number agrees
 * with `sessq stats`) and from the findings of reading (as `sessq check` lists them). Rendering
 * it as HTML or Markdown is `page`'s work. */
#ifndef REPORT_H
#define REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "findings.h"
#include "session.h"
#include "table.h"

/* How sessions ended, in the order of `stats`' columns. */
enum { RP_SUCCESS, RP_WARNING, RP_FAILED, RP_RUNNING, RP_CANCELED, RP_OTHER, RP_NOUTCOMES };

typedef struct {
    size_t files, files_failed; /* inputs read whole, inputs skipped */
    uint64_t documents, records;
} rp_inputs;

typedef struct {
    const char *title;   /* NULL: "sessq report" */
    const char *filters; /* the filter flags as given, for the page to say; NULL: none */
    int64_t now;         /* the reference instant; SES_NULL: the latest start or end read */
    size_t top;          /* rows of each list */
} rp_options;

typedef struct {
    size_t sessions; /* selected */
    size_t read;     /* in the table, before the filters */
    size_t merged;   /* sessions read more than once */
    rp_inputs inputs;
    int64_t outcomes[RP_NOUTCOMES];
    double success_rate;             /* NAN when no session has finished */
    int64_t first_start, last_start; /* SES_NULL when no session has a start */
    int64_t now;
    bool now_given; /* --now, rather than the latest time read */
    size_t per_source[SES_SRC_COUNT];
    uint64_t errors, warnings; /* findings */
} rp_summary;

/* The chart of sessions over time: a bar per day when the span is short, else per month, else
 * per year; every bucket of the span, empty or not, while there are few enough. */
typedef enum { RP_DAY, RP_MONTH, RP_YEAR } rp_unit;

typedef struct {
    char label[11]; /* "2022-03-01", "2022-03", "2022" */
    int64_t outcomes[RP_NOUTCOMES];
    int64_t count;
} rp_bucket;

/* A group of `stats --by type`: the key (null: no type) and its durations. */
typedef struct {
    sq_value type;
    int64_t count;
    int64_t dmin, p50, p95, dmax; /* ticks; SES_NULL when no session of the type has one */
} rp_type;

/* A group of failures: the key value (null: none) with its failed and total sessions. */
typedef struct {
    sq_value key;
    int64_t failed, count;
} rp_group;

/* Lists of sessions, and groups of failures. */
typedef enum { RP_LONGEST_FAILED, RP_RECENT_FAILED, RP_RUNNING_NOW, RP_NLISTS } rp_list;
typedef enum { RP_BY_ORGANIZATION, RP_BY_POLICY, RP_BY_INITIATOR, RP_NGROUPINGS } rp_grouping;

typedef struct {
    fnd_code code;
    fnd_severity severity;
    uint64_t count; /* listed or not */
} rp_code_count;

/* How many findings the page lists one by one; the counts by code cover all. */
#define RP_MAX_FINDINGS 100

typedef struct rp_report rp_report;

/* Builds the report of rows[0..nrows) of `t`, with the findings of reading it. The report points
 * into `t`, `findings` and `o`'s strings: they must outlive it. NULL when out of memory. */
rp_report *rp_build(const tbl_table *t, const size_t *rows, size_t nrows, const fnd_list *findings,
                    const rp_inputs *inputs, const rp_options *o);
void rp_free(rp_report *r);

const rp_options *rp_opts(const rp_report *r);
const rp_summary *rp_get_summary(const rp_report *r);

rp_unit rp_chart_unit(const rp_report *r);
size_t rp_buckets(const rp_report *r);
const rp_bucket *rp_bucket_at(const rp_report *r, size_t i);
/* Selected sessions without a start: in no bucket. */
int64_t rp_unplaced(const rp_report *r);

size_t rp_types(const rp_report *r);
const rp_type *rp_type_at(const rp_report *r, size_t i);

/* The rows of a list, at most `top` of them, and how many there were in all. */
size_t rp_list_len(const rp_report *r, rp_list l);
size_t rp_list_total(const rp_report *r, rp_list l);
size_t rp_list_row(const rp_report *r, rp_list l, size_t i);
/* A running session's time since its start at the reference instant; SES_NULL when it has no
 * start or starts after it. */
int64_t rp_running_for(const rp_report *r, size_t row);
const tbl_table *rp_table(const rp_report *r);

/* Groups with failures, most failures first (ties in `stats` order), at most `top`. */
size_t rp_groups(const rp_report *r, rp_grouping g);
size_t rp_groups_total(const rp_report *r, rp_grouping g);
const rp_group *rp_group_at(const rp_report *r, rp_grouping g, size_t i);
/* The key the groups are made of (organization, policy_name, initiated_by). */
ses_key rp_grouping_key(rp_grouping g);

/* Findings counted by code, every code that occurred, errors first; then the findings kept. */
size_t rp_codes(const rp_report *r);
const rp_code_count *rp_code_at(const rp_report *r, size_t i);
size_t rp_findings(const rp_report *r);
const fnd_finding *rp_finding_at(const rp_report *r, size_t i);
uint64_t rp_findings_total(const rp_report *r);

#endif
