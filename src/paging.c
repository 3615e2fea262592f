/* paging.c: pages kept with their href split into a collection key, and the walk over each
 * collection's pages in offset order that finds gaps, repeats, overlaps and short pages. */
#include "paging.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "sessq.h"

struct pg_list {
    pg_entry *items;
    size_t n, cap;
    size_t memory, limit; /* bytes the pages hold, and the most they may (0: no bound) */
};

uint64_t pg_fingerprint(uint64_t h, const char *source, const char *id, size_t id_len)
{
    const char *s = source ? source : "";
    size_t n = strlen(s);
    /* Each part closed by its length: "a" + "bc" is not "ab" + "c". */
    h = (sq_hash(h, s, n) ^ n) * UINT64_C(1099511628211);
    return (sq_hash(h, id, id_len) ^ (id_len << 8 | 0xFF)) * UINT64_C(1099511628211);
}

pg_list *pg_new(void) { return calloc(1, sizeof(pg_list)); }

static void entry_free(pg_entry *e)
{
    free((char *)e->file);
    free((char *)e->endpoint);
    free((char *)e->query);
}

void pg_free(pg_list *l)
{
    if (!l)
        return;
    pg_truncate(l, 0);
    free(l->items);
    free(l);
}

static int grow(pg_list *l)
{
    return mem_reserve((void **)&l->items, &l->cap, l->n + 1, sizeof *l->items) < 0 ? PG_ERR_NOMEM
                                                                                    : 0;
}

static size_t entry_memory(const pg_entry *e)
{
    return sizeof *e + strlen(e->file) + strlen(e->endpoint) + strlen(e->query) + 3;
}

void pg_truncate(pg_list *l, size_t n)
{
    while (l->n > n) {
        pg_entry *e = &l->items[--l->n];
        l->memory -= entry_memory(e);
        entry_free(e);
    }
}

void pg_set_limit(pg_list *l, size_t bytes) { l->limit = bytes; }

/* Keeps `e` (whose strings it takes over): 0, PG_ERR_NOMEM or PG_ERR_LIMIT. */
static int keep(pg_list *l, pg_entry *e)
{
    size_t need = entry_memory(e);
    int rc = l->limit && l->memory + need > l->limit ? PG_ERR_LIMIT : grow(l);
    if (rc < 0) {
        entry_free(e);
        return rc;
    }
    l->memory += need;
    l->items[l->n++] = *e;
    return 0;
}

size_t pg_count(const pg_list *l) { return l->n; }

const pg_entry *pg_get(const pg_list *l, size_t i) { return &l->items[i]; }

/* ---- the href ----------------------------------------------------------------------------- */

typedef struct {
    const char *p;
    size_t n;
} span;

/* Where the path begins: after "scheme://authority" when the href is absolute. */
static const char *path_start(const char *h, const char *end)
{
    for (const char *q = h; q + 2 < end && *q != '/' && *q != '?' && *q != '#'; q++) {
        if (q[0] == ':' && q[1] == '/' && q[2] == '/') {
            const char *p = q + 3;
            while (p < end && *p != '/' && *p != '?' && *p != '#')
                p++;
            return p;
        }
    }
    return h;
}

/* A decimal number of at most 18 digits (it fits in int64), else PG_ABSENT. */
static int64_t number_of(span s)
{
    if (s.n == 0 || s.n > 18)
        return PG_ABSENT;
    int64_t v = 0;
    for (size_t i = 0; i < s.n; i++) {
        if (s.p[i] < '0' || s.p[i] > '9')
            return PG_ABSENT;
        v = v * 10 + (s.p[i] - '0');
    }
    return v;
}

static bool named(span name, const char *what)
{
    return name.n == strlen(what) && !strncasecmp(name.p, what, name.n);
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "name=value" with the name in lower case. */
static char *parameter(span name, span value, bool has_value)
{
    char *s = malloc(name.n + value.n + 2);
    if (!s)
        return NULL;
    for (size_t i = 0; i < name.n; i++)
        s[i] = (char)((name.p[i] >= 'A' && name.p[i] <= 'Z') ? name.p[i] | 0x20 : name.p[i]);
    size_t n = name.n;
    if (has_value) {
        s[n++] = '=';
        memcpy(s + n, value.p, value.n);
        n += value.n;
    }
    s[n] = '\0';
    return s;
}

static char *join(char **params, size_t n)
{
    qsort(params, n, sizeof *params, by_text);
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(params[i]) + 1;
    char *q = malloc(len), *o = q;
    if (!q)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(params[i]);
        if (i)
            *o++ = '&';
        memcpy(o, params[i], k);
        o += k;
    }
    *o = '\0';
    return q;
}

/* The query's parameters but the paging ones, normalized; the paging ones into *offset and
 * *limit. NULL when out of memory. */
static char *split_query(const char *p, const char *end, int64_t *offset, int64_t *limit)
{
    size_t cap = 1;
    for (const char *q = p; q < end; q++)
        cap += *q == '&';
    char **params = calloc(cap, sizeof *params);
    if (!params)
        return NULL;
    size_t n = 0;
    bool ok = true;
    while (p < end && ok) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        span name = {p, (size_t)((eq ? eq : stop) - p)};
        span value = {eq ? eq + 1 : stop, eq ? (size_t)(stop - eq - 1) : 0};
        if (named(name, "offset"))
            *offset = number_of(value);
        else if (named(name, "limit"))
            *limit = number_of(value);
        else if (name.n && !named(name, "setId"))
            ok = (params[n++] = parameter(name, value, eq != NULL)) != NULL;
        p = amp ? amp + 1 : end;
    }
    char *query = ok ? join(params, n) : NULL;
    for (size_t i = 0; i < n; i++)
        free(params[i]);
    free(params);
    return query;
}

static char *lower_path(const char *p, const char *end)
{
    while (end - p > 1 && end[-1] == '/')
        end--;
    size_t n = (size_t)(end - p);
    char *s = malloc(n + 2);
    if (!s)
        return NULL;
    if (n == 0)
        s[n++] = '/';
    else
        for (size_t i = 0; i < n; i++)
            s[i] = (char)((p[i] >= 'A' && p[i] <= 'Z') ? p[i] | 0x20 : p[i]);
    s[n] = '\0';
    return s;
}

static char *no_link_endpoint(const char *source)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s%spages without _links.self.href", source ? source : "",
             source ? " " : "");
    return strdup(buf);
}

/* Fills e->endpoint and e->query from the href; *offset and *limit get the href's. 0 or -1. */
static int split_href(const pg_page *p, pg_entry *e, int64_t *offset, int64_t *limit)
{
    *offset = *limit = PG_ABSENT;
    if (!p->href) {
        e->endpoint = no_link_endpoint(p->source);
        e->query = strdup("");
        return e->endpoint && e->query ? 0 : -1;
    }
    const char *end = p->href + p->href_len;
    const char *hash = memchr(p->href, '#', p->href_len);
    if (hash)
        end = hash;
    const char *path = path_start(p->href, end);
    const char *question = memchr(path, '?', (size_t)(end - path));
    e->endpoint = lower_path(path, question ? question : end);
    e->query = question ? split_query(question + 1, end, offset, limit) : strdup("");
    return e->endpoint && e->query ? 0 : -1;
}

int pg_add(pg_list *l, const pg_page *p)
{
    pg_entry e = {0};
    int64_t href_offset, href_limit;
    if (split_href(p, &e, &href_offset, &href_limit) < 0) {
        entry_free(&e);
        return PG_ERR_NOMEM;
    }
    e.offset = p->offset >= 0 ? p->offset : href_offset;
    if (e.offset < 0) {
        entry_free(&e);
        return 0;
    }
    e.limit = p->limit >= 0 ? p->limit : href_limit;
    e.total = p->total >= 0 ? p->total : PG_ABSENT;
    e.count = p->count;
    e.fingerprint = p->fingerprint;
    e.line = p->line;
    e.column = p->column;
    e.file = strdup(p->file ? p->file : "-");
    if (!e.file) {
        entry_free(&e);
        return PG_ERR_NOMEM;
    }
    return keep(l, &e);
}

int pg_append(pg_list *dst, const pg_list *src)
{
    for (size_t i = 0; i < src->n; i++) {
        const pg_entry *s = &src->items[i];
        pg_entry e = *s;
        e.file = strdup(s->file);
        e.endpoint = strdup(s->endpoint);
        e.query = strdup(s->query);
        if (!e.file || !e.endpoint || !e.query) {
            entry_free(&e);
            return PG_ERR_NOMEM;
        }
        int rc = keep(dst, &e);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ---- the check ---------------------------------------------------------------------------- */

/* Where a page's range ends (exclusive): what it asked for, or what it holds when that is
 * more or the limit is unknown. */
static int64_t end_of(const pg_entry *e)
{
    uint64_t size = e->limit > 0 && (uint64_t)e->limit > e->count ? (uint64_t)e->limit : e->count;
    uint64_t end = (uint64_t)e->offset + size;
    return end > INT64_MAX || end < size ? INT64_MAX : (int64_t)end;
}

static int64_t held_end(const pg_entry *e)
{
    uint64_t end = (uint64_t)e->offset + e->count;
    return end > INT64_MAX || end < e->count ? INT64_MAX : (int64_t)end;
}

/* "FILE (offset 100, limit 100, 100 sessions)"; FILE:LINE when the page is not the file's
 * first line. */
static void describe(char *buf, size_t size, const pg_entry *e)
{
    char where[64] = "", limit[48] = "";
    if (e->line > 1)
        snprintf(where, sizeof where, ":%llu", (unsigned long long)e->line);
    if (e->limit >= 0)
        snprintf(limit, sizeof limit, ", limit %lld", (long long)e->limit);
    snprintf(buf, size, "%.600s%s (offset %lld%s, %llu session%s)", e->file, where,
             (long long)e->offset, limit, (unsigned long long)e->count, e->count == 1 ? "" : "s");
}

/* "offsets 300-399" or "offset 300". */
static void range_text(char *buf, size_t size, int64_t from, int64_t to)
{
    if (from == to)
        snprintf(buf, size, "offset %lld", (long long)from);
    else
        snprintf(buf, size, "offsets %lld-%lld", (long long)from, (long long)to);
}

typedef struct {
    const pg_list *l;
    fnd_list *findings;
    char name[700]; /* the collection: endpoint[?query] */
} checker;

static int add(checker *c, fnd_code code, const pg_entry *at, const char *what)
{
    return fnd_add(c->findings, code, at->file, at->line, at->column, "%s: %s", c->name, what);
}

static int gap(checker *c, const pg_entry *before, const pg_entry *after, int64_t from)
{
    char range[64], a[800], b[800], what[2000];
    range_text(range, sizeof range, from, after->offset - 1);
    describe(b, sizeof b, after);
    if (before) {
        describe(a, sizeof a, before);
        snprintf(what, sizeof what, "%s missing (no page covers them), between %s and %s", range, a,
                 b);
    } else {
        snprintf(what, sizeof what, "%s missing (no page covers them), before %s", range, b);
    }
    return add(c, FND_PAGING_GAP, after, what);
}

static int overlap(checker *c, const pg_entry *first, const pg_entry *later, int64_t reach)
{
    char range[64], a[800], b[800], what[2000];
    int64_t to = end_of(later) < reach ? end_of(later) : reach;
    range_text(range, sizeof range, later->offset, to - 1);
    describe(a, sizeof a, first);
    describe(b, sizeof b, later);
    snprintf(what, sizeof what, "%s %s in two pages, %s and %s%s", range,
             later->offset == to - 1 ? "is" : "are", a, b,
             first->offset == later->offset
                 ? ", which hold different sessions: the collection changed between the two reads"
                 : "");
    return add(c, FND_OVERLAPPING_PAGES, later, what);
}

static int duplicate(checker *c, const pg_entry *first, const pg_entry *again)
{
    char a[800], where[64] = "", what[2000];
    describe(a, sizeof a, first);
    if (again->line > 1)
        snprintf(where, sizeof where, ":%llu", (unsigned long long)again->line);
    snprintf(what, sizeof what, "%.600s%s holds the same page as %s: its sessions count once",
             again->file, where, a);
    return add(c, FND_DUPLICATE_PAGE, again, what);
}

static int short_page(checker *c, const pg_entry *e, const pg_entry *next)
{
    char a[800], b[800], what[2000];
    describe(a, sizeof a, e);
    describe(b, sizeof b, next);
    snprintf(what, sizeof what,
             "%s holds fewer sessions than its limit but is not the last page: %s follows", a, b);
    return add(c, FND_SHORT_PAGE, e, what);
}

static int end_gap(checker *c, const pg_entry *last, int64_t total)
{
    char range[64], a[800], what[2000];
    range_text(range, sizeof range, held_end(last), total - 1);
    describe(a, sizeof a, last);
    snprintf(what, sizeof what, "%s missing at the end (totalCount is %lld), after %s", range,
             (long long)total, a);
    return add(c, FND_PAGING_GAP, last, what);
}

/* A page of the collection being checked. */
typedef struct {
    const pg_entry *e;
    size_t i;                /* its input order */
    const pg_entry *same_as; /* the first page read with the same content, when it repeats one */
    const pg_entry *next;    /* the first page after it that starts further on, or NULL */
} ref;

/* In offset order, ties in input order: the order of the walk. */
static int by_offset(const void *a, const void *b)
{
    const ref *x = a, *y = b;
    if (x->e->offset != y->e->offset)
        return x->e->offset < y->e->offset ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* Pages of the same content next to each other, the first read first. */
static int by_content(const void *a, const void *b)
{
    const ref *x = a, *y = b;
    if (x->e->offset != y->e->offset)
        return x->e->offset < y->e->offset ? -1 : 1;
    if (x->e->count != y->e->count)
        return x->e->count < y->e->count ? -1 : 1;
    if (x->e->fingerprint != y->e->fingerprint)
        return x->e->fingerprint < y->e->fingerprint ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static bool same_collection(const pg_entry *a, const pg_entry *b)
{
    return !strcmp(a->endpoint, b->endpoint) && !strcmp(a->query, b->query);
}

static bool same_page(const pg_entry *a, const pg_entry *b)
{
    return a->offset == b->offset && a->count == b->count && a->fingerprint == b->fingerprint;
}

/* Sorts the pages for the walk, noting which repeat another and which page follows each. */
static void order_pages(ref *pages, size_t n)
{
    qsort(pages, n, sizeof *pages, by_content);
    for (size_t k = 0, first = 0; k < n; k++) {
        if (!same_page(pages[first].e, pages[k].e))
            first = k;
        pages[k].same_as = first == k ? NULL : pages[first].e;
    }
    qsort(pages, n, sizeof *pages, by_offset);
    const pg_entry *nearest = NULL;
    for (size_t k = n; k > 0;) {
        size_t to = k;
        while (k > 0 && pages[k - 1].e->offset == pages[to - 1].e->offset)
            k--;
        const pg_entry *first = NULL;
        for (size_t j = k; j < to; j++) {
            pages[j].next = nearest;
            if (!first && !pages[j].same_as)
                first = pages[j].e;
        }
        if (first)
            nearest = first;
    }
}

static int check_collection(checker *c, ref *pages, size_t n)
{
    order_pages(pages, n);
    int64_t reach = 0, total = PG_ABSENT;
    const pg_entry *reacher = NULL, *last = NULL;
    for (size_t k = 0; k < n; k++) {
        const pg_entry *e = pages[k].e;
        if (pages[k].same_as) {
            if (duplicate(c, pages[k].same_as, e) < 0)
                return -1;
            continue;
        }
        if (e->offset > reach && gap(c, reacher, e, reach) < 0)
            return -1;
        if (e->offset < reach && overlap(c, reacher, e, reach) < 0)
            return -1;
        if (end_of(e) > reach || !reacher) {
            reach = end_of(e);
            reacher = e;
        }
        if (!last || held_end(e) >= held_end(last))
            last = e;
        if (e->total > total)
            total = e->total;
    }
    for (size_t k = 0; k < n; k++) {
        const pg_entry *e = pages[k].e;
        if (!pages[k].same_as && e->limit >= 0 && e->count < (uint64_t)e->limit && pages[k].next &&
            short_page(c, e, pages[k].next) < 0)
            return -1;
    }
    if (last && total > held_end(last) && end_gap(c, last, total) < 0)
        return -1;
    return 0;
}

/* Pages ordered by collection, then input order: each collection is one run. */
typedef struct {
    const pg_entry *e;
    size_t i;
} member;

static int by_collection(const void *a, const void *b)
{
    const member *x = a, *y = b;
    int c = strcmp(x->e->endpoint, y->e->endpoint);
    if (!c)
        c = strcmp(x->e->query, y->e->query);
    return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* A collection: a run of members, and the input index of its first page. */
typedef struct {
    size_t from, n, first;
} run;

static int by_first(const void *a, const void *b)
{
    const run *x = a, *y = b;
    return (x->first > y->first) - (x->first < y->first);
}

int pg_check(const pg_list *l, fnd_list *findings)
{
    if (l->n == 0)
        return 0;
    member *members = malloc(l->n * sizeof *members);
    run *runs = malloc(l->n * sizeof *runs);
    ref *pages = malloc(l->n * sizeof *pages);
    int rc = members && runs && pages ? 0 : -1;
    size_t nruns = 0;
    for (size_t i = 0; i < l->n && rc == 0; i++)
        members[i] = (member){&l->items[i], i};
    if (rc == 0) {
        qsort(members, l->n, sizeof *members, by_collection);
        for (size_t i = 0; i < l->n; i++) {
            if (i == 0 || !same_collection(members[i - 1].e, members[i].e))
                runs[nruns++] = (run){i, 0, members[i].i};
            runs[nruns - 1].n++;
        }
        qsort(runs, nruns, sizeof *runs, by_first);
    }
    checker c = {l, findings, ""};
    for (size_t r = 0; r < nruns && rc == 0; r++) {
        for (size_t k = 0; k < runs[r].n; k++) {
            const member *m = &members[runs[r].from + k];
            pages[k] = (ref){m->e, m->i, NULL, NULL};
        }
        const pg_entry *e = &l->items[runs[r].first];
        snprintf(c.name, sizeof c.name, "%.400s%s%.280s", e->endpoint, *e->query ? "?" : "",
                 e->query);
        rc = check_collection(&c, pages, runs[r].n);
    }
    free(members);
    free(runs);
    free(pages);
    return rc;
}
