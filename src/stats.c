/* stats.c: groups rows by the texts of their key values and computes each group's metrics.
 *
 * One pass gives every row a group through a hash map on its encoded key tuple and counts what
 * can be counted on the way; a second pass gathers each group's durations into one buffer, in
 * group order (a counting sort), so that each group sorts its own durations once. The groups
 * themselves are sorted last, through a small index rather than moved, as they are large.
 *
 * A key tuple is encoded as, per key, a tag byte (null or value), then for a value a 4-byte
 * length and the text: unambiguous, so equal encodings are equal tuples, and the encodings kept
 * in the result are where its key texts live. */
#include "stats.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "sessq.h"

enum { TAG_NULL, TAG_VALUE };
#define LEN_BYTES 4

/* Statuses counted apart, in the order of their columns. */
enum { O_SUCCESS, O_WARNING, O_FAILED, O_RUNNING, O_CANCELED, O_OTHER, NOUTCOMES };

/* Columns after the keys. */
enum {
    M_COUNT,
    M_SUCCESS,
    M_OTHER = M_SUCCESS + O_OTHER,
    M_SUCCESS_RATE,
    M_DURATION_MIN,
    M_DURATION_P50,
    M_DURATION_P95,
    M_DURATION_MAX,
    M_DURATION_TOTAL,
    M_PROCESSED,
    M_FIRST_START,
    M_LAST_START,
    NMETRICS
};

static const char *const metric_names[NMETRICS] = {
    "count",          "success",
    "warning",        "failed",
    "running",        "canceled",
    "other",          "success_rate",
    "duration_min",   "duration_p50",
    "duration_p95",   "duration_max",
    "duration_total", "processed_objects_total",
    "first_start",    "last_start",
};

typedef struct {
    size_t key_off, key_len; /* the encoded tuple in the key arena */
    int64_t count;
    int64_t outcomes[NOUTCOMES];
    int64_t processed;
    int64_t first, last;                  /* SES_NULL when no start */
    size_t ndur, dur_off;                 /* the group's slice of the durations buffer */
    int64_t dmin, p50, p95, dmax, dtotal; /* SES_NULL when no duration */
} group;

struct st_result {
    ses_key *by;
    size_t nby;
    group *groups;
    size_t ngroups;
    size_t *order;       /* the groups in output order */
    unsigned char *keys; /* every group's encoded tuple */
};

/* A slot of the hash map: its own copy of the hash spares a visit to the group on a miss. */
typedef struct {
    uint64_t hash;
    size_t group; /* index + 1, 0 = empty */
} slot;

/* What sorting the groups needs of one, close at hand. */
typedef struct {
    const unsigned char *key, *end;
    size_t group;
} ranked;

/* Rows of a table mostly repeat a few values of the keys they are grouped by: a row whose key
 * values stand for the same numbers (tbl_identity()) as one seen before goes to that row's group
 * without its tuple being encoded and hashed. Likewise the outcome of a status. */
#define MEMO_SLOTS 256
#define MEMO_KEYS 4

typedef struct {
    uint64_t id[MEMO_KEYS];
    size_t group; /* index + 1, 0 = empty */
} memo;

typedef struct {
    uint64_t status; /* tbl_identity() of a status */
    int outcome;     /* -1: empty */
} outcome_memo;

/* What st_compute() needs while it runs, freed at its end. */
typedef struct {
    const tbl_table *t;
    const ses_key *by;
    size_t nby;
    size_t groups_cap, keys_len, keys_cap;
    slot *slots;
    size_t mask;
    unsigned char *enc; /* the current row's tuple */
    size_t enc_len, enc_cap;
    memo *memos; /* NULL when there are no keys or too many */
    outcome_memo outcomes[MEMO_SLOTS];
} builder;

/* ---- small arithmetic --------------------------------------------------------------------- */

/* Saturates rather than wrapping; the low end stops one above INT64_MIN, which means null. */
static int64_t add_saturating(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN + 1 - b)
        return INT64_MIN + 1;
    return a + b;
}

static int compare_ticks(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The nearest-rank percentile q_num/q_den of n > 0 values: rank ceil(q * n), 1-based; as a
 * 0-based index into the values in order. */
static size_t percentile_index(size_t n, uint64_t q_num, uint64_t q_den)
{
    return (size_t)((q_num * n + q_den - 1) / q_den) - 1;
}

static void swap_ticks(int64_t *a, size_t i, size_t j)
{
    int64_t x = a[i];
    a[i] = a[j];
    a[j] = x;
}

/* Reorders a[lo..hi] so that a[k] holds the value a sort would put there, with no larger value
 * before it and no smaller one after it (quickselect). Sorting every group of a big table cost
 * more than reading it; inputs built to make quickselect slow fall back to a sort. */
static void select_rank(int64_t *a, size_t lo, size_t hi, size_t k)
{
    int budget = 2 * 64;
    while (lo < hi) {
        if (--budget == 0) {
            qsort(a + lo, hi - lo + 1, sizeof *a, compare_ticks);
            return;
        }
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo])
            swap_ticks(a, mid, lo);
        if (a[hi] < a[lo])
            swap_ticks(a, hi, lo);
        if (a[hi] < a[mid])
            swap_ticks(a, hi, mid);
        int64_t pivot = a[mid];
        size_t i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                swap_ticks(a, i, j);
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            return;
    }
}

static uint64_t hash_bytes(const unsigned char *p, size_t n)
{
    return sq_mix(sq_hash(0xcbf29ce484222325ULL ^ n, p, n));
}

static bool reserve(unsigned char **a, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 256;
    while (n < need)
        n *= 2;
    unsigned char *b = realloc(*a, n);
    if (!b)
        return false;
    *a = b;
    *cap = n;
    return true;
}

/* ---- key tuples --------------------------------------------------------------------------- */

static bool encode_value(builder *b, const sq_value *v)
{
    if (v->kind == SQ_NULL) {
        if (!reserve(&b->enc, &b->enc_cap, b->enc_len + 1))
            return false;
        b->enc[b->enc_len++] = TAG_NULL;
        return true;
    }
    char buf[SES_TIME_BUFSZ];
    const char *p;
    size_t n;
    ses_value_text(v, buf, &p, &n);
    if (!reserve(&b->enc, &b->enc_cap, b->enc_len + 1 + LEN_BYTES + n))
        return false;
    uint32_t len = (uint32_t)n; /* texts in the table are below 4 GiB (sq_str) */
    b->enc[b->enc_len] = TAG_VALUE;
    memcpy(b->enc + b->enc_len + 1, &len, LEN_BYTES);
    memcpy(b->enc + b->enc_len + 1 + LEN_BYTES, p, n);
    b->enc_len += 1 + LEN_BYTES + n;
    return true;
}

static bool encode_row(builder *b, size_t row)
{
    b->enc_len = 0;
    for (size_t i = 0; i < b->nby; i++) {
        sq_value v;
        char scratch[SES_TIME_BUFSZ];
        tbl_get(b->t, row, b->by[i], &v, scratch);
        if (!encode_value(b, &v))
            return false;
    }
    return true;
}

/* Reads one key of an encoded tuple at *p into *v (text pointing into the tuple) and steps on. */
static void decode_value(const unsigned char **p, sq_value *v)
{
    memset(v, 0, sizeof *v);
    if (*(*p)++ == TAG_NULL)
        return;
    uint32_t len;
    memcpy(&len, *p, LEN_BYTES);
    v->kind = SQ_TEXT;
    v->len = len;
    v->text = (const char *)*p + LEN_BYTES;
    *p += LEN_BYTES + len;
}

/* Text by bytes, a shorter text before a longer one it begins, a null after every text. */
static int compare_values(const sq_value *a, const sq_value *b)
{
    if (a->kind == SQ_NULL || b->kind == SQ_NULL)
        return (a->kind == SQ_NULL) - (b->kind == SQ_NULL);
    int c = memcmp(a->text, b->text, a->len < b->len ? a->len : b->len);
    if (c)
        return c;
    return (a->len > b->len) - (a->len < b->len);
}

/* Both tuples hold the same number of keys, so they end together. */
static int compare_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    const unsigned char *p = x->key, *q = y->key;
    while (p < x->end) {
        sq_value u, v;
        decode_value(&p, &u);
        decode_value(&q, &v);
        int c = compare_values(&u, &v);
        if (c)
            return c;
    }
    return 0;
}

/* ---- building groups ---------------------------------------------------------------------- */

static group *new_group(builder *b, st_result *r)
{
    if (mem_reserve((void **)&r->groups, &b->groups_cap, r->ngroups + 1, sizeof *r->groups) < 0)
        return NULL;
    if (!reserve(&r->keys, &b->keys_cap, b->keys_len + b->enc_len))
        return NULL;
    group *g = &r->groups[r->ngroups++];
    memset(g, 0, sizeof *g);
    g->key_off = b->keys_len;
    g->key_len = b->enc_len;
    g->first = g->last = SES_NULL;
    memcpy(r->keys + b->keys_len, b->enc, b->enc_len);
    b->keys_len += b->enc_len;
    return g;
}

static bool rehash(builder *b)
{
    size_t mask = b->mask * 2 + 1;
    slot *slots = calloc(mask + 1, sizeof *slots);
    if (!slots)
        return false;
    for (size_t j = 0; j <= b->mask; j++) {
        if (!b->slots[j].group)
            continue;
        size_t i = b->slots[j].hash & mask;
        while (slots[i].group)
            i = (i + 1) & mask;
        slots[i] = b->slots[j];
    }
    free(b->slots);
    b->slots = slots;
    b->mask = mask;
    return true;
}

/* The group of the tuple in b->enc, made when new; NULL when out of memory. */
static group *find_group(builder *b, st_result *r)
{
    uint64_t h = hash_bytes(b->enc, b->enc_len);
    size_t i = h & b->mask;
    for (; b->slots[i].group; i = (i + 1) & b->mask) {
        group *g = &r->groups[b->slots[i].group - 1];
        if (b->slots[i].hash == h && g->key_len == b->enc_len &&
            !memcmp(r->keys + g->key_off, b->enc, b->enc_len))
            return g;
    }
    group *g = new_group(b, r);
    if (!g)
        return NULL;
    b->slots[i] = (slot){h, r->ngroups};
    if (r->ngroups * 2 > b->mask && !rehash(b))
        return NULL;
    return g;
}

static int outcome(const sq_value *status)
{
#define WORD(w, o)                                                                                 \
    {                                                                                              \
        w, sizeof w - 1, o                                                                         \
    }
    static const struct {
        const char *word;
        uint32_t len;
        int outcome;
    } words[] = {
        WORD("Success", O_SUCCESS), WORD("Warning", O_WARNING), WORD("Failed", O_FAILED),
        WORD("Error", O_FAILED),    WORD("Running", O_RUNNING), WORD("Canceled", O_CANCELED),
    };
#undef WORD
    if (status->kind != SQ_TEXT)
        return O_OTHER;
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (status->len == words[i].len && !memcmp(status->text, words[i].word, status->len))
            return words[i].outcome;
    return O_OTHER;
}

static int row_outcome(builder *b, size_t row)
{
    uint64_t status = tbl_identity(b->t, row, K_STATUS);
    outcome_memo *m = &b->outcomes[sq_mix(status) & (MEMO_SLOTS - 1)];
    if (m->outcome < 0 || m->status != status) {
        sq_value v;
        char scratch[SES_TIME_BUFSZ];
        tbl_get(b->t, row, K_STATUS, &v, scratch);
        *m = (outcome_memo){status, outcome(&v)};
    }
    return m->outcome;
}

/* A row's group and duration, kept from the first pass so that the second need not read the
 * table again. */
typedef struct {
    size_t group;
    int64_t duration;
} placed;

static void count_row(builder *b, group *g, size_t row, int64_t duration)
{
    const tbl_table *t = b->t;
    g->count++;
    g->outcomes[row_outcome(b, row)]++;
    if (duration != SES_NULL)
        g->ndur++;
    int64_t processed = tbl_number(t, row, K_PROCESSED_OBJECTS);
    if (processed != SES_NULL)
        g->processed = add_saturating(g->processed, processed);
    int64_t start = tbl_number(t, row, K_START);
    if (start != SES_NULL) {
        if (g->first == SES_NULL || start < g->first)
            g->first = start;
        if (g->last == SES_NULL || start > g->last)
            g->last = start;
    }
}

/* The group of a row, through its tuple; SIZE_MAX when out of memory. */
static size_t group_of_tuple(builder *b, st_result *r, size_t row)
{
    if (!encode_row(b, row))
        return SIZE_MAX;
    group *g = find_group(b, r);
    return g ? (size_t)(g - r->groups) : SIZE_MAX;
}

/* The group of a row, remembered by the numbers of its key values; SIZE_MAX when out of memory. */
static size_t group_of(builder *b, st_result *r, size_t row)
{
    if (!b->memos)
        return group_of_tuple(b, r, row);
    uint64_t id[MEMO_KEYS] = {0}, h = 0;
    for (size_t k = 0; k < b->nby; k++) {
        id[k] = tbl_identity(b->t, row, b->by[k]);
        h = sq_mix(h ^ id[k]);
    }
    memo *m = &b->memos[h & (MEMO_SLOTS - 1)];
    if (m->group && !memcmp(m->id, id, sizeof id))
        return m->group - 1;
    size_t gi = group_of_tuple(b, r, row);
    if (gi != SIZE_MAX) {
        memcpy(m->id, id, sizeof id);
        m->group = gi + 1;
    }
    return gi;
}

/* Places every row (at[i] for rows[i]) and counts all but the durations' metrics. */
static bool group_rows(builder *b, st_result *r, const size_t *rows, size_t nrows, placed *at)
{
    b->mask = 1023;
    b->slots = calloc(b->mask + 1, sizeof *b->slots);
    /* Both buffers exist from here on, so that an empty tuple (no keys) is never a null
     * pointer handed to memcpy or memcmp. */
    if (!b->slots || !reserve(&b->enc, &b->enc_cap, 1) || !reserve(&r->keys, &b->keys_cap, 1))
        return false;
    if (b->nby > 0 && b->nby <= MEMO_KEYS && !(b->memos = calloc(MEMO_SLOTS, sizeof *b->memos)))
        return false;
    for (size_t i = 0; i < MEMO_SLOTS; i++)
        b->outcomes[i].outcome = -1;
    /* Without keys there is one group, rows or not. */
    if (b->nby == 0 && !find_group(b, r))
        return false;
    for (size_t i = 0; i < nrows; i++) {
        size_t gi = group_of(b, r, rows[i]);
        if (gi == SIZE_MAX)
            return false;
        at[i] = (placed){gi, tbl_number(b->t, rows[i], K_DURATION)};
        count_row(b, &r->groups[gi], rows[i], at[i].duration);
    }
    return true;
}

/* ---- durations ---------------------------------------------------------------------------- */

static void summarize_durations(group *g, int64_t *d)
{
    g->dmin = g->p50 = g->p95 = g->dmax = g->dtotal = SES_NULL;
    if (g->ndur == 0)
        return;
    size_t n = g->ndur;
    size_t i95 = percentile_index(n, 95, 100), i50 = percentile_index(n, 50, 100);
    select_rank(d, 0, n - 1, i95);
    select_rank(d, 0, i95, i50);
    g->p50 = d[i50];
    g->p95 = d[i95];
    g->dmin = g->dmax = d[0];
    /* Summed exactly, then clamped: the order of the values cannot change the total. */
    __int128 total = 0;
    for (size_t i = 0; i < n; i++) {
        g->dmin = d[i] < g->dmin ? d[i] : g->dmin;
        g->dmax = d[i] > g->dmax ? d[i] : g->dmax;
        total += d[i];
    }
    g->dtotal = total > INT64_MAX ? INT64_MAX : total <= INT64_MIN ? INT64_MIN + 1 : (int64_t)total;
}

/* Gathers the durations into d (room for one per row), group by group, and summarizes them. */
static void durations(st_result *r, const placed *at, size_t nrows, int64_t *d)
{
    size_t total = 0;
    for (size_t gi = 0; gi < r->ngroups; gi++) {
        r->groups[gi].dur_off = total;
        total += r->groups[gi].ndur;
    }
    /* ndur counts again as the slices fill, ending where the first pass left it. */
    for (size_t gi = 0; gi < r->ngroups; gi++)
        r->groups[gi].ndur = 0;
    for (size_t i = 0; i < nrows; i++) {
        if (at[i].duration != SES_NULL) {
            group *g = &r->groups[at[i].group];
            d[g->dur_off + g->ndur++] = at[i].duration;
        }
    }
    for (size_t gi = 0; gi < r->ngroups; gi++)
        summarize_durations(&r->groups[gi], d + r->groups[gi].dur_off);
}

/* ---- the result --------------------------------------------------------------------------- */

static bool sort_groups(st_result *r)
{
    size_t n = r->ngroups ? r->ngroups : 1;
    ranked *rank = malloc(n * sizeof *rank);
    r->order = malloc(n * sizeof *r->order);
    if (!rank || !r->order) {
        free(rank);
        return false;
    }
    for (size_t gi = 0; gi < r->ngroups; gi++) {
        const unsigned char *key = r->keys + r->groups[gi].key_off;
        rank[gi] = (ranked){key, key + r->groups[gi].key_len, gi};
    }
    qsort(rank, r->ngroups, sizeof *rank, compare_ranked);
    for (size_t i = 0; i < r->ngroups; i++)
        r->order[i] = rank[i].group;
    free(rank);
    return true;
}

static bool build(st_result *r, const tbl_table *t, const size_t *rows, size_t nrows)
{
    builder b = {.t = t, .by = r->by, .nby = r->nby};
    /* Both per-row arrays in one, from mem: fresh pages cost more than the counting. */
    void *work = NULL;
    size_t cap = 0, n = nrows ? nrows : 1;
    bool ok = mem_grow(&work, &cap, n * (sizeof(placed) + sizeof(int64_t))) == 0 &&
              group_rows(&b, r, rows, nrows, work);
    if (ok)
        durations(r, work, nrows, (int64_t *)((placed *)work + n));
    mem_free(work, cap);
    free(b.slots);
    free(b.enc);
    free(b.memos);
    return ok && sort_groups(r);
}

st_result *st_compute(const tbl_table *t, const size_t *rows, size_t nrows, const ses_key *by,
                      size_t nby)
{
    st_result *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->nby = nby;
    r->by = malloc((nby ? nby : 1) * sizeof *r->by);
    if (!r->by) {
        st_free(r);
        return NULL;
    }
    if (nby)
        memcpy(r->by, by, nby * sizeof *by);
    if (!build(r, t, rows, nrows)) {
        st_free(r);
        return NULL;
    }
    return r;
}

void st_free(st_result *r)
{
    if (!r)
        return;
    free(r->by);
    free(r->groups);
    free(r->order);
    free(r->keys);
    free(r);
}

size_t st_groups(const st_result *r) { return r->ngroups; }

size_t st_columns(const st_result *r) { return r->nby + NMETRICS; }

const char *st_column_name(const st_result *r, size_t col)
{
    if (col < r->nby)
        return ses_key_name(r->by[col]);
    return col < r->nby + NMETRICS ? metric_names[col - r->nby] : NULL;
}

static void key_value(const st_result *r, const group *g, size_t col, sq_value *v)
{
    const unsigned char *p = r->keys + g->key_off;
    for (size_t i = 0; i <= col; i++)
        decode_value(&p, v);
}

static void set_int(sq_value *v, sq_kind kind, int64_t i)
{
    if (i != SES_NULL) {
        v->kind = kind;
        v->i = i;
    }
}

static void success_rate(const group *g, sq_value *v)
{
    int64_t finished = g->count - g->outcomes[O_RUNNING];
    if (finished > 0) {
        v->kind = SQ_RATIO;
        v->r = (double)g->outcomes[O_SUCCESS] / (double)finished;
    }
}

void st_get(const st_result *r, size_t group_index, size_t col, sq_value *v)
{
    memset(v, 0, sizeof *v);
    if (group_index >= r->ngroups)
        return;
    const group *g = &r->groups[r->order[group_index]];
    if (col < r->nby) {
        key_value(r, g, col, v);
        return;
    }
    size_t m = col - r->nby;
    if (m >= M_SUCCESS && m <= M_OTHER) {
        set_int(v, SQ_INT, g->outcomes[m - M_SUCCESS]);
        return;
    }
    switch (m) {
    case M_COUNT:
        set_int(v, SQ_INT, g->count);
        break;
    case M_SUCCESS_RATE:
        success_rate(g, v);
        break;
    case M_DURATION_MIN:
        set_int(v, SQ_SECONDS, g->dmin);
        break;
    case M_DURATION_P50:
        set_int(v, SQ_SECONDS, g->p50);
        break;
    case M_DURATION_P95:
        set_int(v, SQ_SECONDS, g->p95);
        break;
    case M_DURATION_MAX:
        set_int(v, SQ_SECONDS, g->dmax);
        break;
    case M_DURATION_TOTAL:
        set_int(v, SQ_SECONDS, g->dtotal);
        break;
    case M_PROCESSED:
        set_int(v, SQ_INT, g->processed);
        break;
    case M_FIRST_START:
        set_int(v, SQ_TIME, g->first);
        break;
    case M_LAST_START:
        set_int(v, SQ_TIME, g->last);
        break;
    default:
        break;
    }
}
