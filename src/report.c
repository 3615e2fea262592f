/* report.c: the content of `sessq report`. Every count and duration comes out of st_compute()
 * on the same rows `sessq stats` would see, read back by column name, so that the page cannot
 * drift from `stats`; the lists are the rows themselves, sorted by tbl_sort(). */
#include "report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "stats.h"

#define TICKS_PER_DAY (86400 * SES_TICKS_PER_SECOND)
/* A chart of more bars than this is unreadable: the unit grows until it fits. */
#define MAX_BARS 120
#define MAX_DAY_BARS 92

typedef struct {
    size_t *rows; /* at most `top`, in the list's order */
    size_t len, total;
} row_list;

typedef struct {
    st_result *stats; /* the groups' key texts live here */
    rp_group *items;
    size_t len, total;
} group_list;

struct rp_report {
    const tbl_table *t;
    rp_options opt;
    rp_summary summary;
    rp_unit unit;
    rp_bucket *buckets;
    size_t nbuckets;
    int64_t unplaced;
    st_result *type_stats;
    rp_type *types;
    size_t ntypes;
    row_list lists[RP_NLISTS];
    group_list groups[RP_NGROUPINGS];
    rp_code_count codes[FND_NCODES];
    size_t ncodes;
    const fnd_list *findings;
    uint64_t findings_total;
};

/* ---- reading stats results ---------------------------------------------------------------- */

static size_t column(const st_result *s, const char *name)
{
    for (size_t c = 0; c < st_columns(s); c++)
        if (!strcmp(st_column_name(s, c), name))
            return c;
    return st_columns(s); /* st_get() answers null past the columns */
}

static int64_t metric(const st_result *s, size_t group, const char *name)
{
    sq_value v;
    st_get(s, group, column(s, name), &v);
    return v.kind == SQ_NULL ? SES_NULL : v.i;
}

static const char *const outcome_columns[RP_NOUTCOMES] = {"success", "warning",  "failed",
                                                          "running", "canceled", "other"};

static void read_outcomes(const st_result *s, size_t group, int64_t *outcomes)
{
    for (int o = 0; o < RP_NOUTCOMES; o++)
        outcomes[o] = metric(s, group, outcome_columns[o]);
}

/* ---- summary ------------------------------------------------------------------------------ */

static int64_t latest_time(const tbl_table *t)
{
    int64_t latest = SES_NULL;
    char scratch[SES_TIME_BUFSZ];
    for (size_t row = 0; row < tbl_count(t); row++) {
        static const ses_key keys[] = {K_START, K_END};
        for (size_t k = 0; k < 2; k++) {
            sq_value v;
            tbl_get(t, row, keys[k], &v, scratch);
            if (v.kind != SQ_NULL && v.i > latest)
                latest = v.i;
        }
    }
    return latest;
}

static bool summarize(rp_report *r, const size_t *rows, size_t nrows, const rp_inputs *inputs)
{
    st_result *s = st_compute(r->t, rows, nrows, NULL, 0);
    if (!s)
        return false;
    rp_summary *m = &r->summary;
    m->sessions = nrows;
    m->read = tbl_count(r->t);
    m->merged = tbl_duplicates(r->t);
    m->inputs = *inputs;
    read_outcomes(s, 0, m->outcomes);
    sq_value rate;
    st_get(s, 0, column(s, "success_rate"), &rate);
    m->success_rate = rate.kind == SQ_NULL ? NAN : rate.r;
    m->first_start = metric(s, 0, "first_start");
    m->last_start = metric(s, 0, "last_start");
    st_free(s);
    m->now_given = r->opt.now != SES_NULL;
    m->now = m->now_given ? r->opt.now : latest_time(r->t);
    char scratch[SES_TIME_BUFSZ];
    for (size_t i = 0; i < nrows; i++) {
        sq_value v;
        tbl_get(r->t, rows[i], K_SOURCE, &v, scratch);
        for (ses_source src = 1; src < SES_SRC_COUNT; src++)
            if (v.kind == SQ_TEXT && v.len == strlen(ses_source_name(src)) &&
                !memcmp(v.text, ses_source_name(src), v.len))
                m->per_source[src]++;
    }
    return true;
}

/* ---- sessions over time ------------------------------------------------------------------- */

static int64_t day_number(const char *label)
{
    int64_t ticks = 0;
    ses_parse_date_or_time(label, 10, &ticks);
    return ticks >= 0 ? ticks / TICKS_PER_DAY : -((-ticks + TICKS_PER_DAY - 1) / TICKS_PER_DAY);
}

static int label_year(const char *label) { return atoi(label); }
static int label_month(const char *label) { return atoi(label + 5); }

/* How many buckets of `unit` the span from day label `first` to `last` has. */
static int64_t span(rp_unit unit, const char *first, const char *last)
{
    int64_t years = label_year(last) - label_year(first);
    if (unit == RP_DAY)
        return day_number(last) - day_number(first) + 1;
    if (unit == RP_MONTH)
        return years * 12 + label_month(last) - label_month(first) + 1;
    return years + 1;
}

static size_t label_len(rp_unit unit) { return unit == RP_DAY ? 10 : unit == RP_MONTH ? 7 : 4; }

/* The label of the bucket `i` buckets after the one of day label `first`. */
static void bucket_label(rp_unit unit, const char *first, int64_t i, char *label)
{
    char buf[SES_TIME_BUFSZ];
    if (unit == RP_DAY) {
        ses_format_time((day_number(first) + i) * TICKS_PER_DAY, buf);
        memcpy(label, buf, 10);
        label[10] = '\0';
        return;
    }
    int64_t month =
        (int64_t)label_year(first) * 12 + label_month(first) - 1 + (unit == RP_MONTH ? i : 12 * i);
    if (unit == RP_MONTH)
        snprintf(label, 11, "%04d-%02d", (int)(month / 12), (int)(month % 12) + 1);
    else
        snprintf(label, 11, "%04d", (int)(month / 12));
}

static bool add_bucket(rp_report *r, size_t *cap, const char *label)
{
    if (mem_reserve((void **)&r->buckets, cap, r->nbuckets + 1, sizeof *r->buckets) < 0)
        return false;
    rp_bucket *b = &r->buckets[r->nbuckets++];
    memset(b, 0, sizeof *b);
    snprintf(b->label, sizeof b->label, "%s", label);
    return true;
}

/* Per day from `stats --by day`, summed into months or years by the label's prefix: the days
 * come in text order, which is time order, so each bucket's days are together. */
static bool chart(rp_report *r, const size_t *rows, size_t nrows)
{
    static const ses_key by_day = K_DAY;
    st_result *s = st_compute(r->t, rows, nrows, &by_day, 1);
    if (!s)
        return false;
    size_t days = st_groups(s);
    sq_value first, last;
    if (days)
        st_get(s, 0, 0, &first);
    while (days) {
        st_get(s, days - 1, 0, &last);
        if (last.kind != SQ_NULL)
            break;
        r->unplaced = metric(s, --days, "count");
    }
    bool fill = true;
    if (days) {
        r->unit = RP_DAY;
        while (r->unit < RP_YEAR &&
               span(r->unit, first.text, last.text) > (r->unit == RP_DAY ? MAX_DAY_BARS : MAX_BARS))
            r->unit++;
        fill = span(r->unit, first.text, last.text) <= MAX_BARS;
    }
    size_t cap = 0, len = label_len(r->unit);
    char label[11];
    int64_t next = 0;
    bool ok = true;
    for (size_t g = 0; g < days && ok; g++) {
        sq_value day;
        st_get(s, g, 0, &day);
        if (!r->nbuckets || memcmp(r->buckets[r->nbuckets - 1].label, day.text, len)) {
            snprintf(label, sizeof label, "%.*s", (int)len, day.text);
            /* Bounded by the span, in case a label of stats' were written otherwise. */
            while (ok && fill && next <= MAX_BARS) {
                char gap[11];
                bucket_label(r->unit, first.text, next++, gap);
                if (!strcmp(gap, label))
                    break;
                ok = add_bucket(r, &cap, gap);
            }
            ok = ok && add_bucket(r, &cap, label);
        }
        if (!ok)
            break;
        rp_bucket *b = &r->buckets[r->nbuckets - 1];
        int64_t outcomes[RP_NOUTCOMES];
        read_outcomes(s, g, outcomes);
        for (int o = 0; o < RP_NOUTCOMES; o++)
            b->outcomes[o] += outcomes[o];
        b->count += metric(s, g, "count");
    }
    st_free(s);
    return ok;
}

/* ---- durations per type ------------------------------------------------------------------- */

static bool durations(rp_report *r, const size_t *rows, size_t nrows)
{
    static const ses_key by_type = K_TYPE;
    r->type_stats = st_compute(r->t, rows, nrows, &by_type, 1);
    if (!r->type_stats)
        return false;
    const st_result *s = r->type_stats;
    r->ntypes = st_groups(s);
    r->types = calloc(r->ntypes + 1, sizeof *r->types);
    if (!r->types)
        return false;
    for (size_t g = 0; g < r->ntypes; g++) {
        rp_type *ty = &r->types[g];
        st_get(s, g, 0, &ty->type);
        ty->count = metric(s, g, "count");
        ty->dmin = metric(s, g, "duration_min");
        ty->p50 = metric(s, g, "duration_p50");
        ty->p95 = metric(s, g, "duration_p95");
        ty->dmax = metric(s, g, "duration_max");
    }
    return true;
}

/* ---- lists of sessions -------------------------------------------------------------------- */

static bool has_status(const tbl_table *t, size_t row, const char *word)
{
    sq_value v;
    char scratch[SES_TIME_BUFSZ];
    tbl_get(t, row, K_STATUS, &v, scratch);
    return v.kind == SQ_TEXT && v.len == strlen(word) && !memcmp(v.text, word, v.len);
}

/* `stats` counts Error as failed, as some Azure servers say it. */
static bool failed(const tbl_table *t, size_t row)
{
    return has_status(t, row, "Failed") || has_status(t, row, "Error");
}

static bool running(const tbl_table *t, size_t row) { return has_status(t, row, "Running"); }

static bool make_list(rp_report *r, rp_list l, const size_t *rows, size_t nrows,
                      bool (*keep)(const tbl_table *, size_t), ses_key by, bool desc)
{
    row_list *list = &r->lists[l];
    list->rows = malloc((nrows + 1) * sizeof *list->rows);
    if (!list->rows)
        return false;
    for (size_t i = 0; i < nrows; i++)
        if (keep(r->t, rows[i]))
            list->rows[list->total++] = rows[i];
    if (tbl_sort(r->t, list->rows, list->total, &by, &desc, 1) < 0)
        return false;
    list->len = list->total < r->opt.top ? list->total : r->opt.top;
    return true;
}

/* ---- failures by group -------------------------------------------------------------------- */

static const ses_key grouping_keys[RP_NGROUPINGS] = {K_ORGANIZATION, K_POLICY_NAME, K_INITIATED_BY};

ses_key rp_grouping_key(rp_grouping g) { return grouping_keys[g]; }

/* Most failures first; ties in stats' order: key texts by bytes, a shorter one first, a null
 * last. Thousands of groups may have failures, so no quadratic sort. */
static int by_failures(const void *a, const void *b)
{
    const rp_group *x = a, *y = b;
    if (x->failed != y->failed)
        return x->failed > y->failed ? -1 : 1;
    if (x->key.kind == SQ_NULL || y->key.kind == SQ_NULL)
        return (x->key.kind == SQ_NULL) - (y->key.kind == SQ_NULL);
    size_t n = x->key.len < y->key.len ? x->key.len : y->key.len;
    int c = n ? memcmp(x->key.text, y->key.text, n) : 0;
    return c ? c : (x->key.len > y->key.len) - (x->key.len < y->key.len);
}

static bool group_failures(rp_report *r, rp_grouping g, const size_t *rows, size_t nrows)
{
    group_list *list = &r->groups[g];
    list->stats = st_compute(r->t, rows, nrows, &grouping_keys[g], 1);
    if (!list->stats)
        return false;
    size_t n = st_groups(list->stats);
    list->items = calloc(n + 1, sizeof *list->items);
    if (!list->items)
        return false;
    for (size_t i = 0; i < n; i++) {
        int64_t f = metric(list->stats, i, "failed");
        if (f <= 0)
            continue;
        rp_group *item = &list->items[list->total++];
        st_get(list->stats, i, 0, &item->key);
        item->failed = f;
        item->count = metric(list->stats, i, "count");
    }
    qsort(list->items, list->total, sizeof *list->items, by_failures);
    list->len = list->total < r->opt.top ? list->total : r->opt.top;
    return true;
}

/* ---- findings ----------------------------------------------------------------------------- */

static void count_findings(rp_report *r)
{
    uint64_t per_code[FND_NCODES] = {0};
    for (size_t i = 0; i < fnd_count(r->findings); i++)
        per_code[fnd_get(r->findings, i)->code]++;
    static const fnd_severity order[] = {FND_ERROR, FND_WARNING, FND_INFO};
    for (size_t s = 0; s < 3; s++)
        for (fnd_code c = 0; c < FND_NCODES; c++) {
            uint64_t n = per_code[c] + fnd_dropped(r->findings, c);
            if (n && fnd_code_severity(c) == order[s])
                r->codes[r->ncodes++] = (rp_code_count){c, order[s], n};
        }
    for (size_t i = 0; i < r->ncodes; i++)
        r->findings_total += r->codes[i].count;
    r->summary.errors = fnd_total(r->findings, FND_ERROR);
    r->summary.warnings = fnd_total(r->findings, FND_WARNING);
}

/* ---- the report --------------------------------------------------------------------------- */

rp_report *rp_build(const tbl_table *t, const size_t *rows, size_t nrows, const fnd_list *findings,
                    const rp_inputs *inputs, const rp_options *o)
{
    rp_report *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->t = t;
    r->opt = *o;
    r->findings = findings;
    bool ok = summarize(r, rows, nrows, inputs) && chart(r, rows, nrows) &&
              durations(r, rows, nrows) &&
              make_list(r, RP_LONGEST_FAILED, rows, nrows, failed, K_DURATION, true) &&
              make_list(r, RP_RECENT_FAILED, rows, nrows, failed, K_START, true) &&
              make_list(r, RP_RUNNING_NOW, rows, nrows, running, K_START, false);
    for (rp_grouping g = 0; ok && g < RP_NGROUPINGS; g++)
        ok = group_failures(r, g, rows, nrows);
    if (!ok) {
        rp_free(r);
        return NULL;
    }
    count_findings(r);
    return r;
}

void rp_free(rp_report *r)
{
    if (!r)
        return;
    free(r->buckets);
    st_free(r->type_stats);
    free(r->types);
    for (int l = 0; l < RP_NLISTS; l++)
        free(r->lists[l].rows);
    for (int g = 0; g < RP_NGROUPINGS; g++) {
        st_free(r->groups[g].stats);
        free(r->groups[g].items);
    }
    free(r);
}

const rp_options *rp_opts(const rp_report *r) { return &r->opt; }
const rp_summary *rp_get_summary(const rp_report *r) { return &r->summary; }
rp_unit rp_chart_unit(const rp_report *r) { return r->unit; }
size_t rp_buckets(const rp_report *r) { return r->nbuckets; }
const rp_bucket *rp_bucket_at(const rp_report *r, size_t i) { return &r->buckets[i]; }
int64_t rp_unplaced(const rp_report *r) { return r->unplaced; }
size_t rp_types(const rp_report *r) { return r->ntypes; }
const rp_type *rp_type_at(const rp_report *r, size_t i) { return &r->types[i]; }
size_t rp_list_len(const rp_report *r, rp_list l) { return r->lists[l].len; }
size_t rp_list_total(const rp_report *r, rp_list l) { return r->lists[l].total; }
size_t rp_list_row(const rp_report *r, rp_list l, size_t i) { return r->lists[l].rows[i]; }
const tbl_table *rp_table(const rp_report *r) { return r->t; }
size_t rp_groups(const rp_report *r, rp_grouping g) { return r->groups[g].len; }
size_t rp_groups_total(const rp_report *r, rp_grouping g) { return r->groups[g].total; }
const rp_group *rp_group_at(const rp_report *r, rp_grouping g, size_t i)
{
    return &r->groups[g].items[i];
}
size_t rp_codes(const rp_report *r) { return r->ncodes; }
const rp_code_count *rp_code_at(const rp_report *r, size_t i) { return &r->codes[i]; }
uint64_t rp_findings_total(const rp_report *r) { return r->findings_total; }

size_t rp_findings(const rp_report *r)
{
    size_t n = fnd_count(r->findings);
    return n < RP_MAX_FINDINGS ? n : RP_MAX_FINDINGS;
}

const fnd_finding *rp_finding_at(const rp_report *r, size_t i) { return fnd_get(r->findings, i); }

int64_t rp_running_for(const rp_report *r, size_t row)
{
    sq_value start;
    char scratch[SES_TIME_BUFSZ];
    tbl_get(r->t, row, K_START, &start, scratch);
    if (start.kind == SQ_NULL || r->summary.now == SES_NULL || start.i > r->summary.now)
        return SES_NULL;
    return r->summary.now - start.i;
}
