/* gendump.c: writes synthetic saved session responses (VB365 REST v5 and v6, Azure REST v1) for
 * `make bench`. The same options always give the same bytes, so timings taken on different days
 * or machines read the same data. The content imitates the documentation's examples
 * (testdata/fixtures/) so that the parser sees realistic strings, numbers and nesting. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TICKS_PER_SEC 10000000LL /* .NET ticks: timestamps carry 7 fraction digits */
#define DAY_SECS 86400
#define MAX_DEPTH 8
#define POLICY_COUNT 12
#define COUNT(a) (sizeof(a) / sizeof *(a))

/* What a restore session's name says it restores from. */
enum origin { ORIGIN_ORGANIZATION, ORIGIN_JOB, ORIGIN_RETRIEVAL, ORIGIN_OPERATOR };

/* Output goes through one large buffer: the generator must never be the slow part. */
typedef struct {
    int fd;
    const char *path;
    int pretty;
    int depth;
    unsigned char has_items[MAX_DEPTH];
    size_t len;
    char buf[1 << 20];
} writer;

typedef struct {
    uint64_t state;
} rng;

typedef struct {
    const char *type, *label;
} product;

typedef struct {
    const char *result, *state, *status;
    int running;
} outcome;

typedef struct {
    char id[37], other_id[37];
    int64_t start, end, restore_point; /* ticks since 1970 UTC; end is unset while running */
    int offset_min;                    /* the server's UTC offset: 0 writes Z */
    const product *product;
    const outcome *outcome;
    enum origin origin;
    unsigned org, initiator, host, items, progress, instances;
    unsigned long long number; /* Azure's numeric id */
} session;

typedef struct {
    rng rng;
    int64_t clock; /* start of the session before: the API lists the newest first */
    unsigned long long index, total;
} generator;

/* Every weight table below has this many entries, adding up to 100. */
#define CHOICES 4

typedef struct shape shape;
struct shape {
    const char *name, *file_prefix, *list_href;
    const product *products;
    const unsigned *product_weights;
    void (*write_session)(writer *w, const session *s);
    void (*write_document)(writer *w, generator *g, const shape *sh, unsigned long long count,
                           unsigned long long limit);
};

static const product restore_products[CHOICES] = {
    {"Vex", "Exchange"},
    {"Vesp", "SharePoint"},
    {"Vet", "Teams"},
    {"Veod", "OneDrive"},
};
static const unsigned restore_weights[CHOICES] = {40, 30, 15, 15};

static const product azure_products[CHOICES] = {
    {"PolicyBackup", "Policy Backup"},
    {"PolicySnapshot", "Policy Snapshot"},
    {"ManualSnapshot", "Manual Snapshot"},
    {"LingeringSnapshotRetention", "Obsolete Snapshot Retention"},
};
static const unsigned azure_weights[CHOICES] = {40, 40, 5, 15};

/* The documentation's v5 example shows a session still Working with result Success. */
static const outcome outcomes[CHOICES] = {
    {"Success", "Stopped", "Success", 0},
    {"Failed", "Stopped", "Failed", 0},
    {"Warning", "Stopped", "Warning", 0},
    {"Success", "Working", "Running", 1},
};
static const unsigned outcome_weights[CHOICES] = {85, 7, 5, 3};

/* 10 names x 5 suffixes: the ~50 tenants of a service provider's server. */
static const char *const org_names[] = {
    "abc",     "acme",     "globex", "initech", "hooli",
    "contoso", "umbrella", "adatum", "litware", "wingtip",
};
static const char *const org_suffixes[] = {"", "-eu", "-us", "-uk", "2"};

/* Pool strings are JSON text as written: a backslash is already escaped. */
static const char *const initiators[] = {
    "SRV0101\\\\Administrator",
    "SRV0101\\\\Administrator",
    "CORP\\\\backup.admin",
    "CORP\\\\svc-veeam",
};
static const char *const client_hosts[] = {
    "srv0101 (via: 127.0.0.1)",
    "srv0101 (via: 127.0.0.1)",
    "srv0102 (via: 10.0.4.17)",
    "vbo-proxy01 (via: 10.0.8.3)",
};

static char policy_ids[POLICY_COUNT][37];

static void fail(const char *what, const char *path)
{
    fprintf(stderr, "gendump: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

static void flush(writer *w)
{
    size_t done = 0;
    while (done < w->len) {
        ssize_t n = write(w->fd, w->buf + done, w->len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            fail("cannot write", w->path);
        done += (size_t)n;
    }
    w->len = 0;
}

static void put(writer *w, const char *s, size_t n)
{
    if (w->len + n > sizeof w->buf)
        flush(w);
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static void put_str(writer *w, const char *s) { put(w, s, strlen(s)); }

static void put_uint(writer *w, unsigned long long v)
{
    char tmp[20];
    size_t i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(w, tmp + i, sizeof tmp - i);
}

/* v in exactly `width` digits, zero-padded: the fixed fields of timestamps. */
static void put_padded(writer *w, unsigned long long v, int width)
{
    char tmp[20];
    for (int i = width - 1; i >= 0; i--) {
        tmp[i] = (char)('0' + v % 10);
        v /= 10;
    }
    put(w, tmp, (size_t)width);
}

/* The documentation's pretty form: a blank line between lines, 1 space of indent for the
 * envelope's keys and 2 more per level below. */
static void newline(writer *w)
{
    static const char spaces[2 * MAX_DEPTH] = "               ";
    if (!w->pretty)
        return;
    put(w, "\n\n", 2);
    put(w, spaces, w->depth ? (size_t)(2 * w->depth - 1) : 0);
}

/* Starts a value in the open container: the comma after the one before, then its own line. */
static void next_item(writer *w)
{
    if (w->has_items[w->depth])
        put(w, ",", 1);
    w->has_items[w->depth] = 1;
    newline(w);
}

static void key(writer *w, const char *name)
{
    next_item(w);
    put(w, "\"", 1);
    put_str(w, name);
    if (w->pretty)
        put(w, "\": ", 3);
    else
        put(w, "\":", 2);
}

static void open_container(writer *w, char c)
{
    put(w, &c, 1);
    w->depth++;
    w->has_items[w->depth] = 0;
}

static void close_container(writer *w, char c)
{
    int had_items = w->has_items[w->depth];
    w->depth--;
    if (had_items)
        newline(w);
    put(w, &c, 1);
}

static void field_str(writer *w, const char *name, const char *value)
{
    key(w, name);
    put(w, "\"", 1);
    put_str(w, value);
    put(w, "\"", 1);
}

static void field_uint(writer *w, const char *name, unsigned long long value)
{
    key(w, name);
    put_uint(w, value);
}

/* `"name": {"href": "<base><id><suffix>"}`, the shape of every _links entry. */
static void field_link(writer *w, const char *name, const char *base, const char *id,
                       const char *suffix)
{
    key(w, name);
    open_container(w, '{');
    key(w, "href");
    put(w, "\"", 1);
    put_str(w, base);
    put_str(w, id);
    put_str(w, suffix);
    put(w, "\"", 1);
    close_container(w, '}');
}

/* ISO 8601 in the server's local time: 2022-02-22T15:51:15.1754625Z or ...+01:00. */
static void put_time(writer *w, int64_t ticks, int offset_min, int digits)
{
    int64_t local = ticks + (int64_t)offset_min * 60 * TICKS_PER_SEC;
    time_t secs = (time_t)(local / TICKS_PER_SEC);
    unsigned long long frac = (unsigned long long)(local % TICKS_PER_SEC);
    struct tm tm;
    gmtime_r(&secs, &tm);
    put(w, "\"", 1);
    put_padded(w, (unsigned long long)tm.tm_year + 1900, 4);
    put(w, "-", 1);
    put_padded(w, (unsigned long long)tm.tm_mon + 1, 2);
    put(w, "-", 1);
    put_padded(w, (unsigned long long)tm.tm_mday, 2);
    put(w, "T", 1);
    put_padded(w, (unsigned long long)tm.tm_hour, 2);
    put(w, ":", 1);
    put_padded(w, (unsigned long long)tm.tm_min, 2);
    put(w, ":", 1);
    put_padded(w, (unsigned long long)tm.tm_sec, 2);
    put(w, ".", 1);
    put_padded(w, digits == 7 ? frac : frac / 10, digits);
    if (offset_min) {
        put(w, "+", 1);
        put_padded(w, (unsigned long long)offset_min / 60, 2);
        put(w, ":", 1);
        put_padded(w, (unsigned long long)offset_min % 60, 2);
    } else
        put(w, "Z", 1);
    put(w, "\"", 1);
}

static void field_time(writer *w, const char *name, int64_t ticks, int offset_min, int digits)
{
    key(w, name);
    put_time(w, ticks, offset_min, digits);
}

/* The US form that session names carry: 1/29/2022 10:29:05 AM. */
static void put_us_time(writer *w, int64_t ticks)
{
    time_t secs = (time_t)(ticks / TICKS_PER_SEC);
    struct tm tm;
    gmtime_r(&secs, &tm);
    put_uint(w, (unsigned long long)tm.tm_mon + 1);
    put(w, "/", 1);
    put_uint(w, (unsigned long long)tm.tm_mday);
    put(w, "/", 1);
    put_uint(w, (unsigned long long)tm.tm_year + 1900);
    put(w, " ", 1);
    put_uint(w, tm.tm_hour % 12 ? (unsigned long long)tm.tm_hour % 12 : 12);
    put(w, ":", 1);
    put_padded(w, (unsigned long long)tm.tm_min, 2);
    put(w, ":", 1);
    put_padded(w, (unsigned long long)tm.tm_sec, 2);
    put_str(w, tm.tm_hour < 12 ? " AM" : " PM");
}

static void put_org(writer *w, unsigned org)
{
    put_str(w, org_names[org / COUNT(org_suffixes)]);
    put_str(w, org_suffixes[org % COUNT(org_suffixes)]);
    put_str(w, ".onmicrosoft.com");
}

/* SplitMix64 (Steele, Lea and Flood): tiny, fast, and the same sequence on every platform,
 * which rand() does not promise. */
static uint64_t next_random(rng *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* A number in [0, n), by multiplying rather than by modulo. */
static unsigned below(rng *r, unsigned n) { return (unsigned)(((next_random(r) >> 32) * n) >> 32); }

/* An index into a table of CHOICES weights. */
static unsigned pick(rng *r, const unsigned weights[CHOICES])
{
    unsigned roll = below(r, 100), sum = 0;
    for (unsigned i = 0; i + 1 < CHOICES; i++) {
        sum += weights[i];
        if (roll < sum)
            return i;
    }
    return CHOICES - 1;
}

/* A version 4 GUID in lower case, as the servers write them. */
static void make_guid(rng *r, char out[37])
{
    static const char hex[] = "0123456789abcdef";
    uint64_t hi = (next_random(r) & ~0xF000ULL) | 0x4000ULL;
    uint64_t lo = (next_random(r) & ~(3ULL << 62)) | (2ULL << 62);
    int o = 0;
    for (int i = 0; i < 32; i++) {
        uint64_t half = i < 16 ? hi : lo;
        if (i == 8 || i == 12 || i == 16 || i == 20)
            out[o++] = '-';
        out[o++] = hex[(half >> (60 - 4 * (i % 16))) & 0xF];
    }
    out[o] = '\0';
}

/* Most restores take minutes, a third of them hours; names point at a restore point of the
 * month before. */
static void draw_times(rng *r, session *s)
{
    int64_t duration = (int64_t)(5 + below(r, 900)) * TICKS_PER_SEC;
    if (below(r, 100) < 30)
        duration += (int64_t)below(r, 4 * 3600) * TICKS_PER_SEC;
    s->end = s->start + duration + below(r, TICKS_PER_SEC);
    s->restore_point = (s->start / TICKS_PER_SEC - 60 - below(r, 30 * DAY_SECS)) * TICKS_PER_SEC;
    s->offset_min = below(r, 100) < 30 ? 60 : 0;
}

/* Every session draws the same fields whatever the shape, so one seed gives one timeline. */
static void draw_session(generator *g, session *s, const shape *sh)
{
    rng *r = &g->rng;
    unsigned roll = below(r, 100);
    make_guid(r, s->id);
    make_guid(r, s->other_id);
    g->clock -= (int64_t)(1 + below(r, 240)) * TICKS_PER_SEC + below(r, TICKS_PER_SEC);
    s->start = g->clock;
    s->number = g->total - g->index;
    draw_times(r, s);
    s->product = &sh->products[pick(r, sh->product_weights)];
    s->outcome = &outcomes[pick(r, outcome_weights)];
    s->org = below(r, COUNT(org_names) * COUNT(org_suffixes));
    s->origin = roll < 50   ? ORIGIN_ORGANIZATION
                : roll < 85 ? ORIGIN_JOB
                : roll < 95 ? ORIGIN_RETRIEVAL
                            : ORIGIN_OPERATOR;
    s->initiator = below(r, COUNT(initiators));
    s->host = below(r, COUNT(client_hosts));
    roll = below(r, 100);
    s->items = roll < 35 ? 0 : roll < 50 ? 1 : 2 + below(r, 2000);
    s->progress = below(r, 10);
    s->instances = below(r, 40);
}

/* "Exchange restore (Job: Exchange backup - 1/29/2022 10:29:05 AM)" and its siblings. */
static void field_restore_name(writer *w, const session *s)
{
    key(w, "name");
    put(w, "\"", 1);
    put_str(w, s->product->label);
    put_str(w, " restore (");
    if (s->origin == ORIGIN_ORGANIZATION)
        put_str(w, "Entire organization");
    else if (s->origin == ORIGIN_OPERATOR) {
        put_str(w, "Restore operator: operator@");
        put_org(w, s->org);
    } else {
        put_str(w, s->origin == ORIGIN_JOB ? "Job: " : "Data retrieval: ");
        put_str(w, s->product->label);
        put_str(w, s->origin == ORIGIN_JOB ? " backup" : " data retrieval");
    }
    put_str(w, " - ");
    put_us_time(w, s->restore_point);
    put(w, ")\"", 2);
}

/* A restore operator starts sessions scoped to itself; everything else comes from the console. */
static void field_operator_or(writer *w, const char *name, const session *s, const char *other)
{
    key(w, name);
    put(w, "\"", 1);
    if (s->origin == ORIGIN_OPERATOR) {
        put_str(w, "operator@");
        put_org(w, s->org);
    } else
        put_str(w, other);
    put(w, "\"", 1);
}

static void write_v6_restore(writer *w, const session *s)
{
    next_item(w);
    open_container(w, '{');
    field_str(w, "id", s->id);
    field_restore_name(w, s);
    key(w, "organization");
    put(w, "\"", 1);
    put_org(w, s->org);
    put(w, "\"", 1);
    field_str(w, "type", s->product->type);
    field_time(w, "creationTime", s->start, s->offset_min, 7);
    if (!s->outcome->running)
        field_time(w, "endTime", s->end, s->offset_min, 7);
    field_str(w, "state", s->outcome->state);
    field_str(w, "result", s->outcome->result);
    field_operator_or(w, "initiatedBy", s, initiators[s->initiator]);
    key(w, "details");
    put(w, "\"", 1);
    put_uint(w, s->items);
    put_str(w, s->items == 1 ? " item processed\"" : " items processed\"");
    field_operator_or(w, "scopeName", s, "");
    field_str(w, "clientHost", client_hosts[s->host]);
    key(w, "_links");
    open_container(w, '{');
    field_link(w, "self", "/v6/restoresessions/", s->id, "");
    field_link(w, "organization", "/v6/restoresessions/", s->id, "/organization");
    field_link(w, "restoreSessionEvents", "/v6/restoresessions/", s->id, "/events");
    close_container(w, '}');
    close_container(w, '}');
}

static void write_v6_retrieval(writer *w, const session *s)
{
    next_item(w);
    open_container(w, '{');
    field_str(w, "id", s->id);
    key(w, "name");
    put(w, "\"", 1);
    put_str(w, s->product->label);
    put_str(w, " data retrieval\"");
    field_str(w, "retrievalId", s->other_id);
    field_time(w, "creationTime", s->start, s->offset_min, 7);
    if (!s->outcome->running)
        field_time(w, "endTime", s->end, s->offset_min, 7);
    field_uint(w, "progress", s->progress);
    field_uint(w, "processedObjects", s->items);
    field_str(w, "type", "Retrieve");
    field_str(w, "status", s->outcome->status);
    key(w, "_links");
    open_container(w, '{');
    field_link(w, "self", "/v6/dataRetrievalSessions/", s->other_id, "");
    close_container(w, '}');
    close_container(w, '}');
}

static void write_v5(writer *w, const session *s)
{
    next_item(w);
    open_container(w, '{');
    field_str(w, "id", s->id);
    field_str(w, "type", s->product->type);
    field_time(w, "creationTime", s->start, s->offset_min, 7);
    if (!s->outcome->running)
        field_time(w, "endTime", s->end, s->offset_min, 7);
    field_str(w, "state", s->outcome->state);
    field_str(w, "result", s->outcome->result);
    key(w, "_links");
    open_container(w, '{');
    field_link(w, "self", "https://abc.tech.local:4443/v5/RestoreSessions/", s->id, "");
    field_link(w, "organization", "https://abc.tech.local:4443/v5/RestoreSessions/", s->id,
               "/organization");
    close_container(w, '}');
    close_container(w, '}');
}

/* .NET TimeSpan text, [d.]hh:mm:ss.fffffff, as executionDuration carries it. */
static void field_timespan(writer *w, const char *name, int64_t ticks)
{
    long long secs = ticks / TICKS_PER_SEC;
    key(w, name);
    put(w, "\"", 1);
    if (secs >= DAY_SECS) {
        put_uint(w, (unsigned long long)(secs / DAY_SECS));
        put(w, ".", 1);
    }
    put_padded(w, (unsigned long long)(secs % DAY_SECS / 3600), 2);
    put(w, ":", 1);
    put_padded(w, (unsigned long long)(secs % 3600 / 60), 2);
    put(w, ":", 1);
    put_padded(w, (unsigned long long)(secs % 60), 2);
    put(w, ".", 1);
    put_padded(w, (unsigned long long)(ticks % TICKS_PER_SEC), 7);
    put(w, "\"", 1);
}

/* Azure numbers its sessions: the newest, written first, has the highest id and usn. */
static void write_azure(writer *w, const session *s)
{
    int64_t start = s->start - s->start % 10, end = s->end - s->end % 10; /* 6 digits */
    char id[24];
    snprintf(id, sizeof id, "%llu", s->number);
    next_item(w);
    open_container(w, '{');
    field_str(w, "id", id);
    field_str(w, "type", s->product->type);
    field_str(w, "localizedType", s->product->label);
    field_time(w, "executionStartTime", start, 0, 6);
    if (!s->outcome->running) {
        field_time(w, "executionStopTime", end, 0, 6);
        field_timespan(w, "executionDuration", end - start);
    }
    field_str(w, "status", s->outcome->status);
    field_uint(w, "usn", s->number * 8 + s->progress % 8);
    if (!strncmp(s->product->type, "Policy", 6)) {
        key(w, "backupJobInfo");
        open_container(w, '{');
        field_str(w, "policyId", policy_ids[s->org % POLICY_COUNT]);
        key(w, "policyName");
        put_str(w, "\"Policy ");
        put_uint(w, s->org % POLICY_COUNT + 1);
        put(w, "\"", 1);
        field_uint(w, "protectedInstancesCount", s->instances);
        key(w, "policyRemoved");
        put_str(w, "false");
        close_container(w, '}');
    }
    key(w, "_links");
    open_container(w, '{');
    field_link(w, "self", "https://abc.ukwest.cloudapp.azure.com/api/v1/jobSessions/", id, "");
    field_link(w, "log", "https://abc.ukwest.cloudapp.azure.com/api/v1/jobSessions/", id, "/log");
    close_container(w, '}');
    close_container(w, '}');
}

static void write_sessions(writer *w, generator *g, unsigned long long count, const shape *sh)
{
    session s;
    for (unsigned long long i = 0; i < count; i++) {
        draw_session(g, &s, sh);
        sh->write_session(w, &s);
        g->index++;
    }
}

static void field_page_link(writer *w, const char *base, unsigned long long offset,
                            unsigned long long limit, const char *tail)
{
    key(w, "_links");
    open_container(w, '{');
    key(w, "self");
    open_container(w, '{');
    key(w, "href");
    put(w, "\"", 1);
    put_str(w, base);
    put_str(w, "?offset=");
    put_uint(w, offset);
    put_str(w, "&limit=");
    put_uint(w, limit);
    put_str(w, tail);
    put(w, "\"", 1);
    close_container(w, '}');
    close_container(w, '}');
}

static void write_v6_document(writer *w, generator *g, const shape *sh, unsigned long long count,
                              unsigned long long limit)
{
    open_container(w, '{');
    field_uint(w, "offset", g->index);
    field_uint(w, "limit", limit);
    field_page_link(w, sh->list_href, g->index, limit, "");
    key(w, "results");
    open_container(w, '[');
    write_sessions(w, g, count, sh);
    close_container(w, ']');
    field_str(w, "setId", "00000000-0000-0000-0000-000000000000");
    close_container(w, '}');
}

/* v5 answers a bare array: a page says nothing of where it starts. */
static void write_v5_document(writer *w, generator *g, const shape *sh, unsigned long long count,
                              unsigned long long limit)
{
    (void)limit;
    open_container(w, '[');
    write_sessions(w, g, count, sh);
    close_container(w, ']');
}

static void write_azure_document(writer *w, generator *g, const shape *sh, unsigned long long count,
                                 unsigned long long limit)
{
    unsigned long long offset = g->index;
    open_container(w, '{');
    field_uint(w, "offset", offset);
    field_uint(w, "limit", limit);
    field_uint(w, "totalCount", g->total);
    key(w, "results");
    open_container(w, '[');
    write_sessions(w, g, count, sh);
    close_container(w, ']');
    field_page_link(w, sh->list_href, offset, limit, "&display=Full");
    close_container(w, '}');
}

static const shape shapes[] = {
    {"v6-restore", "restoresessions", "/v6/RestoreSessions", restore_products, restore_weights,
     write_v6_restore, write_v6_document},
    {"v6-retrieval", "dataretrievalsessions", "/v6/DataRetrievalSessions", restore_products,
     restore_weights, write_v6_retrieval, write_v6_document},
    {"v5", "restoresessions", NULL, restore_products, restore_weights, write_v5, write_v5_document},
    {"azure", "jobsessions", "https://abc.ukwest.cloudapp.azure.com:443/api/v1/jobSessions",
     azure_products, azure_weights, write_azure, write_azure_document},
};

static void write_document(writer *w, generator *g, const shape *sh, unsigned long long count,
                           unsigned long long limit)
{
    w->depth = 0;
    sh->write_document(w, g, sh, count, limit);
    put(w, "\n", 1);
}

/* Draws the first `n` sessions without writing them: pages that start further on hold the very
 * sessions a full run puts there. */
static void skip_sessions(generator *g, const shape *sh, unsigned long long n)
{
    session s;
    for (unsigned long long i = 0; i < n && g->index < g->total; i++) {
        draw_session(g, &s, sh);
        g->index++;
    }
}

/* One file per page, named and enveloped as a script paging through the API would save them. */
static void write_pages(writer *w, generator *g, const shape *sh, unsigned long long size,
                        const char *dir)
{
    char path[4096];
    if (mkdir(dir, 0777) && errno != EEXIST)
        fail("cannot create", dir);
    while (g->index < g->total) {
        unsigned long long left = g->total - g->index;
        snprintf(path, sizeof path, "%s/%s-offset-%llu.json", dir, sh->file_prefix, g->index);
        w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (w->fd < 0)
            fail("cannot create", path);
        w->path = path;
        write_document(w, g, sh, left < size ? left : size, size);
        flush(w);
        if (close(w->fd))
            fail("cannot write", path);
    }
}

static void usage(FILE *fp)
{
    fprintf(fp, "usage: gendump [--sessions N] [--shape v6-restore|v6-retrieval|v5|azure] "
                "[--pretty]\n"
                "               [--pages SIZE DIR [--first OFFSET]] [--seed S]\n"
                "Writes N (default 1000) synthetic sessions as one response to standard output,\n"
                "or as page files of SIZE sessions in DIR, the first at OFFSET (default 0). The\n"
                "same options give the same bytes.\n");
}

static unsigned long long number_arg(const char *opt, const char *text)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || *text == '-') {
        fprintf(stderr, "gendump: %s takes a number, not '%s'\n", opt, text);
        exit(64);
    }
    return v;
}

static const shape *shape_arg(const char *text)
{
    for (size_t i = 0; i < COUNT(shapes); i++)
        if (!strcmp(shapes[i].name, text))
            return &shapes[i];
    fprintf(stderr, "gendump: unknown shape '%s'\n", text);
    exit(64);
}

typedef struct {
    unsigned long long sessions, page_size, first;
    const char *page_dir;
    const shape *shape;
    int pretty;
    uint64_t seed;
} options;

static options parse_options(int argc, char **argv)
{
    options o = {1000, 0, 0, NULL, &shapes[0], 0, 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int left = argc - i - 1;
        if (!strcmp(a, "--pretty"))
            o.pretty = 1;
        else if (!strcmp(a, "--sessions") && left >= 1)
            o.sessions = number_arg(a, argv[++i]);
        else if (!strcmp(a, "--first") && left >= 1)
            o.first = number_arg(a, argv[++i]);
        else if (!strcmp(a, "--seed") && left >= 1)
            o.seed = number_arg(a, argv[++i]);
        else if (!strcmp(a, "--shape") && left >= 1)
            o.shape = shape_arg(argv[++i]);
        else if (!strcmp(a, "--pages") && left >= 2) {
            o.page_size = number_arg(a, argv[++i]);
            o.page_dir = argv[++i];
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        } else {
            usage(stderr);
            exit(64);
        }
    }
    if (o.first && !o.page_dir) {
        fprintf(stderr, "gendump: --first goes with --pages\n");
        exit(64);
    }
    if (o.page_dir && !o.page_size) {
        fprintf(stderr, "gendump: --pages needs a SIZE of at least 1\n");
        exit(64);
    }
    return o;
}

/* The policies that Azure sessions name come from a stream of their own, so that they stay
 * the same whatever the number of sessions. */
static void make_policies(uint64_t seed)
{
    rng r = {seed ^ 0x5EED5EED5EED5EEDULL};
    for (size_t i = 0; i < POLICY_COUNT; i++)
        make_guid(&r, policy_ids[i]);
}

int main(int argc, char **argv)
{
    static writer w; /* 1 MiB: not on the stack */
    options o = parse_options(argc, argv);
    /* 2022-03-01T00:00:00Z, the newest session; the others go back 2 minutes each on average. */
    generator g = {{o.seed}, 1646092800LL * TICKS_PER_SEC, 0, o.sessions};
    make_policies(o.seed);
    w.pretty = o.pretty;
    if (o.page_dir) {
        skip_sessions(&g, o.shape, o.first);
        write_pages(&w, &g, o.shape, o.page_size, o.page_dir);
    } else {
        w.fd = STDOUT_FILENO;
        w.path = "standard output";
        write_document(&w, &g, o.shape, o.sessions, o.sessions);
        flush(&w);
    }
    return 0;
}
