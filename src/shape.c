/* shape.c: a small state machine over the token stream. Each container gets a context from
 * its parent's context and key; values of keys that no context wants are skipped without being
 * looked at. A record's values go into a collector, which notes where they stand in the chunk
 * being read and copies them once the chunk is to be read over (or at once, where a token's
 * bytes live only as long as the token), and become a session when the record's object
 * closes. */
#include "shape.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "json.h"
#include "mem.h"
#include "paging.h"
#include "session.h"
#include "thread.h"

typedef enum {
    C_NONE,      /* between documents */
    C_DOC_ARRAY, /* a bare array of sessions (v5 and older) */
    C_TOP,       /* the outermost object: an envelope, or a session by id */
    C_RESULTS,   /* an envelope's "results" */
    C_RECORD,    /* one session */
    C_LINKS,     /* "_links" */
    C_SELF,      /* "_links.self" */
    C_JOB_INFO,  /* backupJobInfo, repositoryJobInfo, restoreJobInfo, fileLevelRestoreJobInfo */
    C_IGNORE
} context;

typedef enum {
    F_NONE,
    F_ID,
    F_NAME,
    F_TYPE,
    F_STATE,
    F_RESULT,
    F_STATUS,
    F_ORGANIZATION,
    F_INITIATED_BY,
    F_DETAILS,
    F_SCOPE,
    F_CLIENT_HOST,
    F_RETRIEVAL_ID,
    F_POLICY_ID,
    F_POLICY_NAME,
    F_REPOSITORY_ID,
    F_REPOSITORY_NAME,
    F_REASON,
    F_START,
    F_END,
    F_DURATION,
    F_PROCESSED_OBJECTS,
    F_PROGRESS,
    F_USN,
    F_PROTECTED_INSTANCES,
    F_HREF,
    F_OFFSET, /* from here on: the envelope keys of paging */
    F_LIMIT,
    F_TOTAL,
    NFIELDS
} field;

/* Where a field goes in the normalized session: a text key, or a number key. */
static const ses_key text_key_of[NFIELDS] = {
    [F_ID] = K_ID,
    [F_NAME] = K_NAME,
    [F_TYPE] = K_TYPE,
    [F_STATE] = K_STATE,
    [F_RESULT] = K_RESULT,
    [F_ORGANIZATION] = K_ORGANIZATION,
    [F_INITIATED_BY] = K_INITIATED_BY,
    [F_DETAILS] = K_DETAILS,
    [F_SCOPE] = K_SCOPE,
    [F_CLIENT_HOST] = K_CLIENT_HOST,
    [F_RETRIEVAL_ID] = K_RETRIEVAL_ID,
    [F_POLICY_ID] = K_POLICY_ID,
    [F_POLICY_NAME] = K_POLICY_NAME,
    [F_REPOSITORY_ID] = K_REPOSITORY_ID,
    [F_REPOSITORY_NAME] = K_REPOSITORY_NAME,
    [F_REASON] = K_REASON,
};
static const ses_key int_key_of[NFIELDS] = {
    [F_PROCESSED_OBJECTS] = K_PROCESSED_OBJECTS,
    [F_PROGRESS] = K_PROGRESS,
    [F_USN] = K_USN,
    [F_PROTECTED_INSTANCES] = K_PROTECTED_INSTANCES,
};

/* Keys that tell a record's source when no href does (the contract's list). */
/* In the contract's order of precedence: an Azure key beats retrievalId, which beats none. */
typedef enum { H_NONE, H_RETRIEVAL, H_AZURE } hint;

typedef struct {
    const char *name;
    uint8_t len;
    field f;
    context child; /* for an object value */
    hint hint;
    bool session; /* a session key, or one that hints at a source: the object is a session */
} entry;

#define E(n, f, c, h)                                                                              \
    {                                                                                              \
        n, sizeof n - 1, f, c, h, ((f) != F_NONE && (f) < F_OFFSET) || (h) != H_NONE               \
    }
static const entry record_keys[] = {
    E("id", F_ID, C_IGNORE, H_NONE),
    E("name", F_NAME, C_IGNORE, H_NONE),
    E("type", F_TYPE, C_IGNORE, H_NONE),
    E("state", F_STATE, C_IGNORE, H_NONE),
    E("result", F_RESULT, C_IGNORE, H_NONE),
    E("status", F_STATUS, C_IGNORE, H_NONE),
    E("organization", F_ORGANIZATION, C_IGNORE, H_NONE),
    E("initiatedBy", F_INITIATED_BY, C_IGNORE, H_NONE),
    E("details", F_DETAILS, C_IGNORE, H_NONE),
    E("scopeName", F_SCOPE, C_IGNORE, H_NONE),
    E("clientHost", F_CLIENT_HOST, C_IGNORE, H_NONE),
    E("retrievalId", F_RETRIEVAL_ID, C_IGNORE, H_RETRIEVAL),
    E("creationTime", F_START, C_IGNORE, H_NONE),
    E("endTime", F_END, C_IGNORE, H_NONE),
    E("executionStartTime", F_START, C_IGNORE, H_AZURE),
    E("executionStopTime", F_END, C_IGNORE, H_AZURE),
    E("executionDuration", F_DURATION, C_IGNORE, H_AZURE),
    E("processedObjects", F_PROCESSED_OBJECTS, C_IGNORE, H_NONE),
    E("progress", F_PROGRESS, C_IGNORE, H_NONE),
    E("usn", F_USN, C_IGNORE, H_AZURE),
    E("localizedType", F_NONE, C_IGNORE, H_AZURE),
    E("_links", F_NONE, C_LINKS, H_NONE),
    E("backupJobInfo", F_NONE, C_JOB_INFO, H_AZURE),
    E("repositoryJobInfo", F_NONE, C_JOB_INFO, H_AZURE),
    E("restoreJobInfo", F_NONE, C_JOB_INFO, H_AZURE),
    E("fileLevelRestoreJobInfo", F_NONE, C_JOB_INFO, H_AZURE),
    {NULL, 0, F_NONE, C_IGNORE, H_NONE, false},
};
static const entry results_key = E("results", F_NONE, C_RESULTS, H_NONE);
static const entry envelope_keys[] = {E("offset", F_OFFSET, C_IGNORE, H_NONE),
                                      E("limit", F_LIMIT, C_IGNORE, H_NONE),
                                      E("totalCount", F_TOTAL, C_IGNORE, H_NONE),
                                      {NULL, 0, F_NONE, C_IGNORE, H_NONE, false}};
static const entry links_keys[] = {E("self", F_NONE, C_SELF, H_NONE),
                                   {NULL, 0, F_NONE, C_IGNORE, H_NONE, false}};
static const entry self_keys[] = {E("href", F_HREF, C_IGNORE, H_NONE),
                                  {NULL, 0, F_NONE, C_IGNORE, H_NONE, false}};
static const entry job_info_keys[] = {
    E("policyId", F_POLICY_ID, C_IGNORE, H_NONE),
    E("policyName", F_POLICY_NAME, C_IGNORE, H_NONE),
    E("protectedInstancesCount", F_PROTECTED_INSTANCES, C_IGNORE, H_NONE),
    E("repositoryId", F_REPOSITORY_ID, C_IGNORE, H_NONE),
    E("repositoryName", F_REPOSITORY_NAME, C_IGNORE, H_NONE),
    E("reason", F_REASON, C_IGNORE, H_NONE),
    {NULL, 0, F_NONE, C_IGNORE, H_NONE, false},
};
#undef E

/* Whether the key is the entry's name spelt exactly so. */
static bool spelt_as(const entry *e, const char *key, size_t n)
{
    return e->len == n && sq_same_bytes(e->name, key, n);
}

/* Servers spell keys in camelCase; the case-blind compare is only for the odd one that does
 * not, so it runs only where the lengths agree. */
static bool matches(const entry *e, const char *key, size_t n)
{
    return spelt_as(e, key, n) || (e->len == n && !strncasecmp(e->name, key, n));
}

static const entry *lookup(const entry *table, const char *key, size_t n)
{
    for (const entry *e = table; e->name; e++)
        if (matches(e, key, n))
            return e;
    return NULL;
}

/* Record keys are looked up for every key of every session: a small hash on the length and
 * the first and last letters (any case) leads to the one entry that can match, or to none.
 * The factors give each key of the table a bucket of its own, so that no key of every session
 * ("creationTime" did) is looked for in the whole table; a key added later that collides still
 * works, through the shared bucket. */
#define RECORD_BUCKETS 256
#define SHARED_BUCKET 255 /* two entries fall here: scan the table */
static uint8_t record_index[RECORD_BUCKETS];
static pthread_once_t record_index_once = PTHREAD_ONCE_INIT;

static unsigned bucket_of(const char *key, size_t n)
{
    return (unsigned)(n * 7 + (unsigned)(key[0] | 0x20) * 2 + (unsigned)(key[n - 1] | 0x20) * 7) %
           RECORD_BUCKETS;
}

/* The fields that go into a session, with their slots there: asking session.c for each slot of
 * each record cost more than copying the values. */
typedef struct {
    field f;
    int slot;
} placement;
static placement text_places[NFIELDS], num_places[NFIELDS];
static size_t ntext_places, nnum_places;
/* The text slots no field fills (status, which ses_normalize() writes): a record clears only
 * these, not its whole raw session, of which every other byte is written anyway. */
static int unplaced_text[SES_NTEXT];
static size_t nunplaced_text;

static void index_record_keys(void)
{
    for (uint8_t i = 0; record_keys[i].name; i++) {
        uint8_t *b = &record_index[bucket_of(record_keys[i].name, record_keys[i].len)];
        *b = *b ? SHARED_BUCKET : (uint8_t)(i + 1);
    }
    /* K_SOURCE (0) in these maps means "not this kind of key". */
    for (field f = F_ID; f < NFIELDS; f++) {
        if (text_key_of[f])
            text_places[ntext_places++] = (placement){f, ses_text_slot(text_key_of[f])};
        if (int_key_of[f])
            num_places[nnum_places++] = (placement){f, ses_num_slot(int_key_of[f])};
    }
    for (int slot = 0; slot < SES_NTEXT; slot++) {
        bool placed = false;
        for (size_t i = 0; i < ntext_places; i++)
            placed |= text_places[i].slot == slot;
        if (!placed)
            unplaced_text[nunplaced_text++] = slot;
    }
}

static const entry *lookup_record_key(const char *key, size_t n)
{
    if (n == 0)
        return NULL;
    uint8_t b = record_index[bucket_of(key, n)];
    if (b == SHARED_BUCKET)
        return lookup(record_keys, key, n);
    return b && matches(&record_keys[b - 1], key, n) ? &record_keys[b - 1] : NULL;
}

/* How a value was written in the JSON. */
typedef enum { V_ABSENT, V_STRING, V_INTEGER, V_NUMBER, V_LITERAL } vkind;

typedef struct {
    uint32_t off, len; /* in the collector's buffer, or in its chunk */
    uint8_t kind;      /* a vkind */
    bool in_chunk;
} slot;

/* One record's values: where they stand in the chunk being read, else copied out of their
 * tokens (see keep_values()). */
typedef struct {
    slot f[NFIELDS];
    /* The chunk being read, whose bytes stay until the next read: in_chunk slots point into
     * it, and a value there is noted rather than copied (NULL: none such). */
    const char *chunk, *chunk_end;
    char *buf;
    size_t len, cap;
    hint hint;
    bool has_fields; /* any session key seen (tells "no id" from "not a session") */
    uint64_t offset, line, column;
    uint64_t end; /* just after the object's '}', once it closed */
} collector;

#define MAX_CONTEXTS 8
#define KEY_GUESSES 32
#define HREF_MEMO 64 /* bytes of a link's path that href_source() remembers */

struct shp_reader {
    tbl_table *table;
    fnd_list *findings;
    const char *name;                          /* of the input being read, for findings */
    uint64_t flattened;                        /* objects PowerShell turned into "@{...}" text */
    uint64_t flattened_line, flattened_column; /* the first of them */
    json_parser *json;
    shp_stats totals, file;

    /* The contexts are stack[1..depth]; stack[0] stays C_NONE, the context outside them all, so
     * that current() needs no test. */
    context stack[MAX_CONTEXTS + 1];
    size_t depth;
    size_t ignoring;      /* > 0: inside a skipped value, its nesting */
    const entry *pending; /* the current key's entry, NULL when no context wants it */
    collector top, rec;
    collector *cur; /* where values go: rec inside a record, else top (records do not nest) */

    bool envelope;              /* the document is an object with "results" */
    bool envelope_links;        /* its "_links" has been read */
    ses_source envelope_source; /* what its "_links.self.href" names, once read */
    collector *deferred;        /* records waiting for the envelope's "_links" */
    size_t ndeferred, deferred_cap;

    sq_error *err;
    char detail[40];

    shp_progress_fn progress;
    void *progress_ctx;

    pg_list *pages;            /* where envelopes go as page descriptors (NULL: nowhere) */
    size_t pages_before;       /* pages there before this input: a failed input takes its back */
    uint64_t page_count;       /* records of the envelope being read */
    uint64_t page_fingerprint; /* pg_fingerprint() of them */
    ses_source page_source;    /* the source of its first record */
    ses_source last_source;    /* of the last record added: the likely one of the next */
    shp_record_fn record_hook;
    void *record_ctx;

    /* Reading one input with a second thread (shp_set_split()). */
    uint64_t split_min;   /* 0: never */
    unsigned split_share; /* per cent of what is left that this reader keeps */
    bool split_tried;     /* once per input */
    struct split *split;  /* the helper at work, or NULL */
    in_source *src;       /* being read */
    uint64_t fed_end;     /* stream offset after the last byte fed: of the next chunk */
    /* In a helper's reader: what it helps with, and the number of contexts of the array it
     * reads the elements of (it stops at the array's end). */
    struct split *helping;
    size_t floor;
    char first_key[32]; /* of the first record, to tell its boundaries from others' */
    size_t first_key_len;

    /* Records write their keys in one order: the entry of each record's n-th key is guessed
     * from the record before, and checked (see record_key()). */
    const entry *guess[KEY_GUESSES];
    size_t key_no; /* keys of the current record so far */

    /* href_source()'s memo: the last link's path up to its last '/', and the source that part
     * names; the links of a response mostly share it ("/v6/restoresessions/"). */
    char href_prefix[HREF_MEMO];
    size_t href_prefix_len;
    ses_source href_prefix_source;
};

/* A helper reading the later elements of a records array while the first reader reads up to
 * them (see "reading with two threads" below). */
typedef struct split {
    shp_reader *reader; /* the helper's own, adding to `log` and `findings` */
    tbl_table *log;
    fnd_list *findings;
    in_source *part; /* the stream from `start` on */
    uint64_t start;  /* offset of the first element the helper reads */
    size_t json_depth, depth;
    uint64_t document;
    pthread_t thread;
    _Atomic bool cancel;
    /* Once the thread ended: its outcome; places count from `start`. */
    int failed;
    sq_error err;
    char detail[40];
    uint64_t end, end_line, end_column; /* where the array's ']' stands */
    /* For each row of the log, how many findings the helper had once it was added: those of
     * that record and the ones before it. */
    size_t *marks;
    size_t nmarks, marks_cap;
} split;

shp_reader *shp_new(tbl_table *table, fnd_list *findings)
{
    shp_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    pthread_once(&record_index_once, index_record_keys);
    r->table = table;
    r->findings = findings;
    /* Invalid UTF-8 loses a character, not a session: it is replaced and reported. */
    r->json = json_new(JSON_MULTI | JSON_REPAIR_UTF8);
    if (!r->json) {
        free(r);
        return NULL;
    }
    return r;
}

static void free_deferred(shp_reader *r)
{
    for (size_t i = 0; i < r->ndeferred; i++)
        free(r->deferred[i].buf);
    r->ndeferred = 0;
}

void shp_free(shp_reader *r)
{
    if (!r)
        return;
    free_deferred(r);
    free(r->deferred);
    free(r->top.buf);
    free(r->rec.buf);
    json_free(r->json);
    free(r);
}

shp_stats shp_totals(const shp_reader *r) { return r->totals; }

/* ---- errors ------------------------------------------------------------------------------- */

static int fail_at(shp_reader *r, int code, const char *message, uint64_t offset)
{
    r->err->code = code;
    r->err->message = message;
    r->err->offset = offset;
    r->err->detail = NULL;
    json_locate(r->json, offset, &r->err->line, &r->err->column);
    return -1;
}

static int fail_nomem(shp_reader *r)
{
    r->err->code = SHP_ERR_NOMEM;
    r->err->message = "out of memory";
    r->err->line = r->err->column = 0;
    r->err->detail = NULL;
    return -1;
}

static int fail_limit(shp_reader *r)
{
    r->err->code = SHP_ERR_LIMIT;
    r->err->message = SHP_LIMIT_MESSAGE;
    r->err->line = r->err->column = 0;
    r->err->detail = NULL;
    return -1;
}

/* Adds a finding about the input being read; only running out of memory stops the reading. */
#define FINDING(r, code, line, column, ...)                                                        \
    ((r)->findings && fnd_add((r)->findings, (code), (r)->name, (line), (column), __VA_ARGS__) < 0 \
         ? fail_nomem(r)                                                                           \
         : 0)

static const char *const NOT_A_SHAPE =
    "not a known response shape: expected an array of sessions, an envelope with \"results\", "
    "or one session object";

/* ---- collecting values -------------------------------------------------------------------- */

static void collector_start(collector *c, uint64_t offset, uint64_t line, uint64_t column)
{
    memset(c->f, 0, sizeof c->f);
    c->len = 0;
    c->hint = H_NONE;
    c->has_fields = false;
    c->offset = offset;
    c->line = line;
    c->column = column;
}

/* Room for n more bytes in the buffer. It grows also when a value would fill it exactly, so
 * that an empty value finds one too (its text points there), and never past UINT32_MAX bytes,
 * so that room to spare means offsets that fit a slot. */
static bool room(collector *c, size_t n)
{
    if (c->len + n < c->cap)
        return true;
    if (c->len + n >= UINT32_MAX)
        return false;
    uint64_t cap = c->cap ? (uint64_t)c->cap * 2 : 1024;
    while (cap <= c->len + n)
        cap *= 2;
    cap = cap > UINT32_MAX ? UINT32_MAX : cap;
    char *b = realloc(c->buf, (size_t)cap);
    if (!b)
        return false;
    c->buf = b;
    c->cap = (size_t)cap;
    return true;
}

/* Where the bytes of a value (not absent) stand. */
static const char *value_of(const collector *c, const slot *s)
{
    return (s->in_chunk ? c->chunk : c->buf) + s->off;
}

/* Copies p[0..n) to the end of c's buffer and makes *s a value of kind `kind` there. */
static bool copy_value(collector *c, slot *s, uint8_t kind, const char *p, size_t n)
{
    if (!room(c, n))
        return false;
    sq_copy_bytes(c->buf + c->len, p, n);
    *s = (slot){(uint32_t)c->len, (uint32_t)n, kind, false};
    c->len += n;
    return true;
}

/* Value f: p[0..n) where it stands when that is in the chunk, else a copy. */
static bool collector_put(collector *c, field f, vkind kind, const char *p, size_t n)
{
    if ((uintptr_t)p >= (uintptr_t)c->chunk && (uintptr_t)p + n <= (uintptr_t)c->chunk_end) {
        c->f[f] = (slot){(uint32_t)(p - c->chunk), (uint32_t)n, (uint8_t)kind, true};
        return true;
    }
    return copy_value(c, &c->f[f], (uint8_t)kind, p, n);
}

/* Copies value f (not absent) of `from` to the end of the buffer of `to` (`from` itself, or
 * another collector), as value f of `to`. */
static bool copy_field(collector *to, const collector *from, int f)
{
    const slot *s = &from->f[f];
    return copy_value(to, &to->f[f], s->kind, value_of(from, s), s->len);
}

/* Copies the values that stand in the chunk into the buffer: before the chunk is read over. */
static bool keep_values(collector *c)
{
    for (int f = 0; f < NFIELDS; f++)
        if (c->f[f].in_chunk && !copy_field(c, c, f))
            return false;
    return true;
}

/* The chunk read next: data[0..len), or none (NULL). Slots fit offsets below UINT32_MAX. */
static void read_chunk(collector *c, const char *data, size_t len)
{
    bool fits = data && len < UINT32_MAX;
    c->chunk = fits ? data : NULL;
    c->chunk_end = fits ? data + len : NULL;
}

static sq_str text_of(const collector *c, field f)
{
    const slot *s = &c->f[f];
    if (s->kind == V_ABSENT)
        return (sq_str){NULL, 0};
    return (sq_str){value_of(c, s), s->len};
}

static sq_str string_of(const collector *c, field f)
{
    return c->f[f].kind == V_STRING ? text_of(c, f) : (sq_str){NULL, 0};
}

/* A JSON integer, or a string of digits (some servers quote numbers), that fits in int64. */
static int64_t integer_of(const collector *c, field f)
{
    const slot *s = &c->f[f];
    if (s->kind != V_INTEGER && s->kind != V_STRING)
        return SES_NULL;
    const char *p = value_of(c, s);
    size_t n = s->len, i = 0;
    bool negative = n && p[0] == '-' && s->kind == V_INTEGER;
    i += negative;
    if (i == n)
        return SES_NULL;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (p[i] < '0' || p[i] > '9' ||
            v > (UINT64_C(9223372036854775807) - (uint64_t)(p[i] - '0')) / 10)
            return SES_NULL;
        v = v * 10 + (uint64_t)(p[i] - '0');
    }
    return negative ? -(int64_t)v : (int64_t)v;
}

/* executionDuration as a JSON number: whole milliseconds (a fraction is dropped). */
static int64_t millis_of(const collector *c)
{
    const slot *s = &c->f[F_DURATION];
    if (s->kind != V_INTEGER && s->kind != V_NUMBER)
        return SES_NULL;
    const char *p = value_of(c, s);
    size_t n = s->len, i = p[0] == '-';
    int64_t ms = 0;
    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
        if (ms > (INT64_MAX - 9) / 10)
            return SES_NULL;
        ms = ms * 10 + (p[i] - '0');
    }
    if (i < n && p[i] == '.')
        for (i++; i < n && p[i] >= '0' && p[i] <= '9';)
            i++;
    if (i != n) /* an exponent: rare enough to refuse rather than round */
        return SES_NULL;
    return p[0] == '-' ? -ms : ms;
}

/* ---- sources ------------------------------------------------------------------------------ */

static ses_source collection_named(const char *p, size_t len)
{
    if (len == 15 && !strncasecmp(p, "restoresessions", 15))
        return SES_SRC_VB365_RESTORE;
    if (len == 21 && !strncasecmp(p, "dataretrievalsessions", 21))
        return SES_SRC_VB365_RETRIEVAL;
    if (len == 11 && !strncasecmp(p, "jobsessions", 11))
        return SES_SRC_AZURE_JOB;
    return SES_SRC_NONE;
}

/* Whether p[0..n) holds a '/', '?' or '#', 8 bytes at a time (the last 8 overlapping the ones
 * before): a byte equal to c leaves a zero byte in w ^ c, which (x - 0x01...) & ~x & 0x80...
 * finds. '/' (0x2F) and '?' (0x3F) differ in one bit: with it set in every byte, both are '?'. */
static bool has_path_mark(const char *p, size_t n)
{
    const uint64_t ones = 0x0101010101010101ULL, highs = ones << 7;
    if (n < 8) {
        for (size_t i = 0; i < n; i++)
            if (p[i] == '/' || p[i] == '?' || p[i] == '#')
                return true;
        return false;
    }
    for (size_t i = 0;; i += 8) {
        i = i + 8 > n ? n - 8 : i;
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t a = (w | ones * 0x10) ^ (ones * '?'), c = w ^ (ones * '#');
        if ((((a - ones) & ~a) | ((c - ones) & ~c)) & highs)
            return true;
        if (i + 8 == n)
            return false;
    }
}

/* href_source() the long way: each segment of the path in turn. A path without query or
 * fragment whose part up to its last '/' fits is remembered, with what that part names. */
static ses_source href_source_scan(shp_reader *r, sq_str href)
{
    ses_source found = SES_SRC_NONE, before_last = SES_SRC_NONE;
    const char *p = href.p, *end = memchr(p, '?', href.n), *last_slash = NULL;
    end = end ? end : href.p + href.n;
    const char *fragment = memchr(p, '#', (size_t)(end - p));
    end = fragment ? fragment : end;
    while (p < end) {
        const char *slash = memchr(p, '/', (size_t)(end - p));
        const char *seg_end = slash ? slash : end;
        if (!slash)
            before_last = found;
        ses_source named = collection_named(p, (size_t)(seg_end - p));
        found = named ? named : found;
        last_slash = slash ? slash : last_slash;
        p = seg_end + 1;
    }
    size_t prefix = last_slash ? (size_t)(last_slash + 1 - href.p) : 0;
    if (end == href.p + href.n && prefix && prefix < href.n && prefix <= HREF_MEMO) {
        memcpy(r->href_prefix, href.p, prefix);
        r->href_prefix_len = prefix;
        r->href_prefix_source = before_last;
    }
    return found;
}

/* The source a link's path names ("/v6/RestoreSessions?offset=0" -> vb365-restore): the last
 * path segment that is one of the collections. Every record has a link, mostly with the path
 * of the one before up to its last segment: then only that segment is looked at. Out of line:
 * inlined into the token loop, it cost the loop more (in registers) than the call does. */
__attribute__((noinline)) static ses_source href_source(shp_reader *r, sq_str href)
{
    if (!href.p)
        return SES_SRC_NONE;
    size_t m = r->href_prefix_len;
    if (m && href.n > m && sq_same_bytes(href.p, r->href_prefix, m) &&
        !has_path_mark(href.p + m, href.n - m)) {
        ses_source last = collection_named(href.p + m, href.n - m);
        return last ? last : r->href_prefix_source;
    }
    return href_source_scan(r, href);
}

static ses_source hint_source(hint h)
{
    return h == H_AZURE       ? SES_SRC_AZURE_JOB
           : h == H_RETRIEVAL ? SES_SRC_VB365_RETRIEVAL
                              : SES_SRC_VB365_RESTORE;
}

/* ---- records into the table --------------------------------------------------------------- */

/* A timestamp the record has but that is not one: the session keeps a null there. */
static int check_time(shp_reader *r, const collector *c, field f, int64_t parsed, const char *key)
{
    if (c->f[f].kind == V_ABSENT || parsed != SES_NULL)
        return 0;
    sq_str text = text_of(c, f);
    return FINDING(
        r, FND_INVALID_TIMESTAMP, c->line, c->column,
        "%s %s%.*s%s is not a timestamp (YYYY-MM-DDTHH:MM:SS[.fffffff][Z|+hh:mm]): it is "
        "read as null",
        key, c->f[f].kind == V_STRING ? "\"" : "", (int)(text.n > 60 ? 60 : text.n), text.p,
        c->f[f].kind == V_STRING ? "\"" : "");
}

static int check_times(shp_reader *r, const collector *c, const ses_raw *raw)
{
    int64_t start = raw->s.num[ses_num_slot(K_START)], end = raw->s.num[ses_num_slot(K_END)];
    if (check_time(r, c, F_START, start, "start") < 0 || check_time(r, c, F_END, end, "end") < 0)
        return -1;
    if (start == SES_NULL || end == SES_NULL || end >= start)
        return 0;
    char a[SES_TIME_BUFSZ], b[SES_TIME_BUFSZ];
    ses_format_time(start, a);
    ses_format_time(end, b);
    return FINDING(r, FND_END_BEFORE_START, c->line, c->column,
                   "session \"%.*s\" ends (%s) before it starts (%s)", (int)text_of(c, F_ID).n,
                   text_of(c, F_ID).p, b, a);
}

/* Records of an envelope are collected in `rec` or deferred; only a top object is `top`. */
static int tell_record(shp_reader *r, const collector *c, ses_source src)
{
    shp_doc doc = c == &r->top ? SHP_DOC_OBJECT : r->envelope ? SHP_DOC_ENVELOPE : SHP_DOC_ARRAY;
    shp_span span = {c->offset, c->end, doc, src};
    return r->record_hook(r->record_ctx, &span);
}

/* In a helper: the findings so far belong to the records read so far (see split.marks). */
static int note_mark(shp_reader *r)
{
    split *s = r->helping;
    if (mem_reserve((void **)&s->marks, &s->marks_cap, s->nmarks + 1, sizeof *s->marks) < 0)
        return -1;
    s->marks[s->nmarks++] = fnd_count(r->findings);
    return 0;
}

static int add_record(shp_reader *r, const collector *c, ses_source src)
{
    ses_raw raw;
    for (int k = 0; k < SES_NNUM; k++)
        raw.s.num[k] = SES_NULL;
    for (size_t i = 0; i < nunplaced_text; i++)
        raw.s.text[unplaced_text[i]] = (sq_str){NULL, 0};
    for (size_t i = 0; i < ntext_places; i++)
        raw.s.text[text_places[i].slot] = text_of(c, text_places[i].f);
    for (size_t i = 0; i < nnum_places; i++)
        raw.s.num[num_places[i].slot] = integer_of(c, num_places[i].f);
    raw.start_text = string_of(c, F_START);
    raw.end_text = string_of(c, F_END);
    raw.duration_text = string_of(c, F_DURATION);
    raw.duration_ms = millis_of(c);
    raw.server_status = text_of(c, F_STATUS);
    ses_normalize(&raw, src);
    if (check_times(r, c, &raw) < 0)
        return -1;
    int added = tbl_add_at(r->table, &raw.s, c->line, c->column);
    r->last_source = src;
    if (added == TBL_ERR_LIMIT)
        return fail_limit(r);
    if (added < 0)
        return fail_nomem(r);
    if (r->record_hook && tell_record(r, c, src) < 0)
        return fail_nomem(r);
    if (r->helping && r->findings && note_mark(r) < 0)
        return fail_nomem(r);
    r->file.records++;
    if (r->envelope && r->pages) {
        r->page_count++;
        r->page_fingerprint = pg_fingerprint(r->page_fingerprint, ses_source_name(src),
                                             text_of(c, F_ID).p, text_of(c, F_ID).n);
        if (!r->page_source)
            r->page_source = src;
    }
    if (added == TBL_CHANGED && r->findings &&
        fnd_add_duplicate(r->findings, r->name, c->line, c->column, ses_source_name(src),
                          text_of(c, F_ID).p, text_of(c, F_ID).n) < 0)
        return fail_nomem(r);
    return 0;
}

static bool has_id(const collector *c)
{
    vkind k = c->f[F_ID].kind;
    return k == V_STRING || k == V_INTEGER || k == V_NUMBER;
}

static int defer_record(shp_reader *r, const collector *c)
{
    if (r->ndeferred == r->deferred_cap) {
        size_t cap = r->deferred_cap ? r->deferred_cap * 2 : 16;
        collector *d = realloc(r->deferred, cap * sizeof *d);
        if (!d)
            return fail_nomem(r);
        r->deferred = d;
        r->deferred_cap = cap;
    }
    /* Its values, wherever they stand, into a buffer of its own: it waits past the chunk. */
    collector *d = &r->deferred[r->ndeferred];
    *d = *c;
    d->buf = NULL;
    d->len = d->cap = 0;
    for (int f = 0; f < NFIELDS; f++)
        if (c->f[f].kind != V_ABSENT && !copy_field(d, c, f)) {
            free(d->buf);
            return fail_nomem(r);
        }
    r->ndeferred++;
    return 0;
}

/* The contract's rule: the record's link, else the envelope's, else the record's keys. */
static ses_source record_source(shp_reader *r, const collector *c, ses_source own)
{
    ses_source src = own;
    if (!src && r->envelope)
        src = r->envelope_links ? r->envelope_source : href_source(r, text_of(&r->top, F_HREF));
    return src ? src : hint_source(c->hint);
}

/* An error at the opening of the collector's object (its position was taken then). */
static int fail_record(shp_reader *r, const collector *c, int code, const char *message)
{
    r->err->code = code;
    r->err->message = message;
    r->err->offset = c->offset;
    r->err->line = c->line;
    r->err->column = c->column;
    r->err->detail = NULL;
    return -1;
}

static int finish_record(shp_reader *r, const collector *c)
{
    if (!has_id(c))
        return fail_record(r, c, SHP_ERR_NO_ID,
                           "session without \"id\": every session record needs one");
    ses_source own = href_source(r, text_of(c, F_HREF));
    /* Once one record waits for the envelope's "_links", the ones after it wait too, so that
     * the table keeps the input order. */
    if (r->envelope && !r->envelope_links && (!own || r->ndeferred))
        return defer_record(r, c);
    return add_record(r, c, record_source(r, c, own));
}

/* An envelope's "offset", "limit" or "totalCount": PG_ABSENT unless a whole number >= 0. */
static int64_t paging_value(const collector *c, field f)
{
    int64_t v = integer_of(c, f);
    return v < 0 ? PG_ABSENT : v;
}

static int describe_page(shp_reader *r)
{
    if (!r->pages)
        return 0;
    sq_str href = string_of(&r->top, F_HREF);
    pg_page p = {r->name,
                 r->top.line,
                 r->top.column,
                 href.p,
                 href.n,
                 ses_source_name(r->page_source),
                 paging_value(&r->top, F_OFFSET),
                 paging_value(&r->top, F_LIMIT),
                 paging_value(&r->top, F_TOTAL),
                 r->page_count,
                 r->page_fingerprint};
    int rc = pg_add(r->pages, &p);
    return rc == PG_ERR_LIMIT ? fail_limit(r) : rc < 0 ? fail_nomem(r) : 0;
}

static int finish_envelope(shp_reader *r)
{
    for (size_t i = 0; i < r->ndeferred; i++)
        if (add_record(r, &r->deferred[i],
                       record_source(r, &r->deferred[i],
                                     href_source(r, text_of(&r->deferred[i], F_HREF)))) < 0)
            return -1;
    free_deferred(r);
    return describe_page(r);
}

static int finish_top(shp_reader *r)
{
    if (r->envelope)
        return finish_envelope(r);
    if (has_id(&r->top) || r->top.has_fields)
        return finish_record(r, &r->top);
    return fail_record(r, &r->top, SHP_ERR_SHAPE, NOT_A_SHAPE);
}

/* ---- reading with two threads ------------------------------------------------------------ */

/* A big input's records array is read by two threads: once this reader has read a record of
 * it, a helper starts at an element boundary further on and reads the elements from there to
 * the array's end into a log of its own. The boundary is only a guess ('}' ',' '{' with
 * whitespace between, which a string may hold too): when this reader gets there, it checks that
 * it stands between two elements of the same array, in the same state as the helper started
 * in. If so it takes the helper's sessions, findings or error as if it had read them, and goes
 * on after the array's last element; if not, it sends the helper away and reads on itself. So
 * the outcome is the same as reading alone, only sooner. */

static int read_all(shp_reader *r, in_source *src);

static context current(const shp_reader *r) { return r->stack[r->depth]; }

/* The offset of an element boundary at or after `from`, or 0 when none is near. */
static uint64_t guess_boundary(const shp_reader *r, uint64_t from)
{
    sq_error err;
    in_source *ahead = in_open_at(r->src, from, &err);
    const char *data;
    size_t len;
    uint64_t at = 0;
    if (ahead && in_read(ahead, &data, &len, &err) > 0) {
        size_t i = json_guess_element(data, len, r->first_key, r->first_key_len);
        at = i < len ? from + i : 0;
    }
    in_close(ahead);
    return at;
}

static void *read_part(void *arg)
{
    split *s = arg;
    s->failed = read_all(s->reader, s->part) < 0;
    if (s->failed && s->err.detail) {
        snprintf(s->detail, sizeof s->detail, "%s", s->err.detail);
        s->err.detail = s->detail;
    }
    return NULL;
}

static void free_split(split *s)
{
    if (!s)
        return;
    shp_free(s->reader);
    tbl_free(s->log);
    fnd_free(s->findings);
    in_close(s->part);
    free(s->marks);
    free(s);
}

/* A helper's reader: where `r` stands, between two elements of its records array, at `start`. */
static shp_reader *helper_reader(shp_reader *r, split *s)
{
    shp_reader *h = shp_new(s->log, s->findings);
    if (!h)
        return NULL;
    json_start_between(h->json, r->json, s->start);
    h->name = r->name;
    h->err = &s->err;
    memcpy(h->stack, r->stack, (r->depth + 1) * sizeof *r->stack);
    h->depth = h->floor = r->depth;
    h->cur = &h->top;
    h->envelope = r->envelope;
    h->envelope_links = r->envelope_links;
    h->envelope_source = r->envelope_source;
    h->progress = r->progress;
    h->progress_ctx = r->progress_ctx;
    h->helping = s;
    return h;
}

/* Called after each record of an array: starts a helper when the input is big enough and
 * nothing in the reader's state depends on what the helper would skip. Failing to start one is
 * no error: this reader reads on alone. */
static int try_split(shp_reader *r, uint64_t here)
{
    context c = current(r);
    uint64_t size;
    if ((c != C_RESULTS && c != C_DOC_ARRAY) || (r->envelope && !r->envelope_links) ||
        r->ndeferred || r->record_hook || !r->src)
        return 0;
    r->split_tried = true;
    if (!in_splittable(r->src, &size) || size < here || size - here < r->split_min)
        return 0;
    uint64_t from = here + (size - here) / 100 * r->split_share;
    if (from < r->fed_end)
        from = r->fed_end;
    uint64_t start = from < size ? guess_boundary(r, from) : 0;
    if (!start)
        return 0;
    split *s = calloc(1, sizeof *s);
    if (!s)
        return 0;
    s->start = start;
    s->json_depth = json_depth(r->json);
    s->depth = r->depth;
    s->document = r->file.documents;
    s->log = tbl_new_log();
    s->findings = r->findings ? fnd_new() : NULL;
    sq_error err;
    s->part = in_open_at(r->src, start, &err);
    if (s->log)
        tbl_charge_to(s->log, r->table);
    if (s->log && (s->findings || !r->findings) && s->part)
        s->reader = helper_reader(r, s);
    if (!s->reader || thr_start(&s->thread, read_part, s) != 0) {
        free_split(s);
        return 0;
    }
    r->split = s;
    return 0;
}

/* In a helper: the array's ']' at v->offset; the part is read. */
static int end_of_part(shp_reader *r, const json_value *v)
{
    split *s = r->helping;
    s->end = v->offset;
    json_locate(r->json, v->offset, &s->end_line, &s->end_column);
    return 1;
}

/* Sends the helper away (if still at work) and waits for it to go. */
static void end_split(shp_reader *r)
{
    if (!r->split)
        return;
    atomic_store(&r->split->cancel, true);
    pthread_join(r->split->thread, NULL);
    free_split(r->split);
    r->split = NULL;
}

/* The helper's error, as if this reader had met it: its place counted from the file's start. */
static int take_error(shp_reader *r, const split *s, uint64_t line, uint64_t column)
{
    *r->err = s->err;
    sq_move_place(&r->err->line, &r->err->column, line, column);
    if (s->err.detail) {
        snprintf(r->detail, sizeof r->detail, "%s", s->err.detail);
        r->err->detail = r->detail;
    }
    return -1;
}

/* The helper's findings from *next up to `to`, moved to their place in the file. */
static int take_findings(shp_reader *r, const split *s, size_t *next, size_t to,
                         const uint64_t at[2])
{
    if (!s->findings)
        return 0;
    int rc = fnd_append_from(r->findings, s->findings, *next, to, at[0], at[1]);
    *next = to;
    return rc < 0 ? fail_nomem(r) : 0;
}

/* Adds the helper's sessions to the table, one by one, as add_record() would have, and its
 * findings in the order reading alone adds them: a record's own (found while it was read), then
 * its duplicate-id one (found as the table takes it). */
static int take_sessions(shp_reader *r, const split *s, const uint64_t at[2])
{
    size_t next = 0, rows = tbl_count(s->log);
    tbl_take_text(r->table, s->log);
    for (size_t row = 0; row < rows; row++) {
        /* The table grows as the log is read: give back what the log no longer needs. */
        if (row % 8192 == 0)
            tbl_forget_rows(s->log, row);
        if (row < s->nmarks && take_findings(r, s, &next, s->marks[row], at) < 0)
            return -1;
        int added = tbl_add_row(r->table, s->log, row);
        if (added == TBL_ERR_LIMIT)
            return fail_limit(r);
        if (added < 0)
            return fail_nomem(r);
        bool duplicate = added == TBL_CHANGED && r->findings;
        if (!duplicate && !(r->envelope && r->pages))
            continue;
        sq_value source, id;
        char scratch[2][SES_TIME_BUFSZ];
        tbl_get(s->log, row, K_SOURCE, &source, scratch[0]);
        tbl_get(s->log, row, K_ID, &id, scratch[1]);
        if (r->envelope && r->pages) {
            r->page_count++;
            r->page_fingerprint = pg_fingerprint(r->page_fingerprint, source.text, id.text, id.len);
        }
        uint64_t l, c;
        tbl_place(s->log, row, &l, &c);
        sq_move_place(&l, &c, at[0], at[1]);
        if (duplicate &&
            fnd_add_duplicate(r->findings, r->name, l, c, source.text, id.text, id.len) < 0)
            return fail_nomem(r);
    }
    if (s->findings && take_findings(r, s, &next, fnd_count(s->findings), at) < 0)
        return -1;
    if (s->findings)
        fnd_append_dropped(r->findings, s->findings);
    r->file.records += s->reader->file.records;
    r->file.helped += s->reader->file.records;
    return 0;
}

/* At the helper's start, with every byte before it read: takes what the helper read and moves
 * the stream past it (1), sends the helper away (0: read on from here), or fails (-1). */
static int join_split(shp_reader *r, in_source *src)
{
    split *s = r->split;
    context c = current(r);
    if (!json_between_elements(r->json, s->json_depth) || r->depth != s->depth ||
        (c != C_RESULTS && c != C_DOC_ARRAY) || r->ignoring || r->file.documents != s->document) {
        end_split(r);
        return 0;
    }
    pthread_join(s->thread, NULL);
    r->split = NULL;
    /* The helper ran out of the memory this reader leaves it, or taking its sessions might go
     * over the limit (tbl_can_take()): reading on alone, this reader either fits or fails where
     * reading alone fails. */
    if ((s->failed && s->err.code == SHP_ERR_LIMIT) || !tbl_can_take(r->table, s->log)) {
        free_split(s);
        return 0;
    }
    uint64_t line, column;
    json_position(r->json, &line, &column);
    shp_reader *h = s->reader;
    int rc = 1;
    /* Findings first: a record's own come before the duplicate-id one, as when read here. */
    /* Sessions even before the helper's error: a duplicate among them is a finding, which
     * stays when the input fails. */
    const uint64_t at[2] = {line, column};
    if (take_sessions(r, s, at) < 0)
        rc = -1;
    else if (s->failed)
        rc = take_error(r, s, line, column);
    if (rc > 0 && h->flattened) {
        if (!r->flattened) {
            r->flattened_line = h->flattened_line;
            r->flattened_column = h->flattened_column;
            sq_move_place(&r->flattened_line, &r->flattened_column, line, column);
        }
        r->flattened += h->flattened;
    }
    if (rc > 0) {
        sq_move_place(&s->end_line, &s->end_column, line, column);
        json_skip_elements(r->json, s->end, s->end_line, s->end_column);
        if (in_seek(src, s->end, r->err) < 0) {
            r->err->cause = r->err->code;
            r->err->code = SHP_ERR_INPUT;
            rc = -1;
        }
    }
    free_split(s);
    return rc;
}

/* ---- the state machine -------------------------------------------------------------------- */

/* A record's key: first the entry of the key at the same place in the record before, when it
 * is spelt exactly so; else looked up (and guessed for the next record). */
static const entry *record_key(shp_reader *r, const char *key, size_t n)
{
    size_t i = r->key_no++;
    if (i >= KEY_GUESSES)
        return lookup_record_key(key, n);
    const entry *g = r->guess[i];
    if (g && spelt_as(g, key, n))
        return g;
    return r->guess[i] = lookup_record_key(key, n);
}

static const entry *key_entry(shp_reader *r, context c, const char *key, size_t n)
{
    /* Most keys are a record's: one compare rather than the switch's indirect jump. */
    if (c == C_RECORD)
        return record_key(r, key, n);
    switch (c) {
    case C_TOP: {
        if (n == 7 && !strncasecmp(key, "results", 7))
            return &results_key;
        const entry *e = lookup_record_key(key, n);
        return e ? e : lookup(envelope_keys, key, n);
    }
    case C_LINKS:
        return lookup(links_keys, key, n);
    case C_SELF:
        return lookup(self_keys, key, n);
    case C_JOB_INFO:
        return lookup(job_info_keys, key, n);
    default:
        return NULL;
    }
}

/* What PowerShell's ConvertTo-Json writes for an object deeper than its -Depth (2 by
 * default): "@{id=...; name=...}". */
static bool flattened(const json_value *v) { return v->n >= 2 && v->p[0] == '@' && v->p[1] == '{'; }

static const char *const FLATTENED =
    "sessions were flattened into text (\"@{id=...; name=...}\") by PowerShell's ConvertTo-Json, "
    "whose default -Depth is 2: save the response again with ConvertTo-Json -Depth 10";

/* A record's object (_links, backupJobInfo...) flattened by PowerShell: the session is read,
 * without what that object held; one finding per input says so. */
static void note_flattened(shp_reader *r, const json_value *v)
{
    if (r->flattened++ == 0)
        json_locate(r->json, v->offset, &r->flattened_line, &r->flattened_column);
}

static int note_repaired(shp_reader *r, const json_value *v)
{
    uint64_t line, column;
    json_locate(r->json, v->offset, &line, &column);
    return FINDING(r, FND_INVALID_UTF8, line, column,
                   "a string holds bytes that are not UTF-8: they are read as U+FFFD");
}

static int on_key(shp_reader *r, const json_value *v)
{
    if (v->repaired && note_repaired(r, v) < 0)
        return -1;
    context here = current(r);
    if (r->split_min && !r->first_key_len && here == C_RECORD && v->n < sizeof r->first_key)
        memcpy(r->first_key, v->p, r->first_key_len = v->n);
    r->pending = key_entry(r, here, v->p, v->n);
    if (r->pending) {
        collector *c = r->cur;
        if (r->pending->hint > c->hint)
            c->hint = r->pending->hint;
        if (here == C_RECORD || here == C_TOP)
            c->has_fields |= r->pending->session;
    }
    return 0;
}

static void start_collecting(shp_reader *r, collector *c, uint64_t offset)
{
    uint64_t line, column;
    json_locate(r->json, offset, &line, &column);
    collector_start(c, offset, line, column);
}

/* The context of a container opening in context `c` under the pending key. */
static int on_open(shp_reader *r, json_token t, const json_value *v)
{
    bool object = t == JSON_OBJECT_BEGIN;
    context c = current(r), child = C_IGNORE;
    const entry *e = r->pending;
    r->pending = NULL;
    switch (c) {
    case C_NONE:
        r->file.documents++;
        r->envelope = r->envelope_links = false;
        r->page_count = 0;
        r->page_fingerprint = PG_FINGERPRINT_START;
        r->page_source = SES_SRC_NONE;
        child = object ? C_TOP : C_DOC_ARRAY;
        r->cur = &r->top;
        if (object)
            start_collecting(r, &r->top, v->offset);
        break;
    case C_DOC_ARRAY:
    case C_RESULTS:
        if (!object)
            return fail_at(r, SHP_ERR_SHAPE, NOT_A_SHAPE, v->offset);
        child = C_RECORD;
        r->key_no = 0;
        start_collecting(r, &r->rec, v->offset);
        r->cur = &r->rec;
        break;
    default:
        if (!e)
            break;
        if (e == &results_key) {
            if (object)
                return fail_at(r, SHP_ERR_SHAPE, NOT_A_SHAPE, v->offset);
            r->envelope = true;
            child = C_RESULTS;
        } else if (object) {
            child = e->child;
        }
        break;
    }
    if (child == C_IGNORE || r->depth == MAX_CONTEXTS) {
        r->ignoring = 1;
        return 0;
    }
    r->stack[++r->depth] = child;
    return 0;
}

/* Returns 1 when a helper reached the end of its array. */
static int on_close(shp_reader *r, const json_value *v)
{
    if (r->depth == r->floor)
        return end_of_part(r, v);
    context c = r->stack[r->depth--];
    if (c == C_RECORD) {
        r->cur = &r->top;
        r->rec.end = v->offset + 1;
        if (finish_record(r, &r->rec) < 0)
            return -1;
        return r->split_min && !r->split_tried ? try_split(r, v->offset + 1) : 0;
    }
    if (c == C_TOP) {
        r->top.end = v->offset + 1;
        return finish_top(r);
    }
    if (c == C_LINKS && current(r) == C_TOP) {
        r->envelope_links = true;
        r->envelope_source = href_source(r, text_of(&r->top, F_HREF));
    }
    return 0;
}

static int on_scalar(shp_reader *r, json_token t, const json_value *v)
{
    context c = current(r);
    const entry *e = r->pending;
    r->pending = NULL;
    if (t == JSON_STRING && v->repaired && note_repaired(r, v) < 0)
        return -1;
    if (c == C_NONE || c == C_DOC_ARRAY || c == C_RESULTS) {
        if (t == JSON_STRING && flattened(v))
            return fail_at(r, SHP_ERR_POWERSHELL, FLATTENED, v->offset);
        return fail_at(r, SHP_ERR_SHAPE, NOT_A_SHAPE, v->offset);
    }
    if (e && e->child != C_IGNORE && t == JSON_STRING && flattened(v))
        note_flattened(r, v);
    if (!e || e->f == F_NONE || t == JSON_NULL)
        return 0;
    static const char *const literal[] = {[JSON_TRUE] = "true", [JSON_FALSE] = "false"};
    vkind kind = t == JSON_STRING   ? V_STRING
                 : t == JSON_NUMBER ? (v->integer ? V_INTEGER : V_NUMBER)
                                    : V_LITERAL;
    const char *p = kind == V_LITERAL ? literal[t] : v->p;
    size_t n = kind == V_LITERAL ? strlen(p) : v->n;
    if (!collector_put(r->cur, e->f, kind, p, n))
        return fail_nomem(r);
    /* The record's source is known at its end; the last record's is the likely one, good
     * enough for a hint that lets the table fetch the id's index slot meanwhile. */
    if (e->f == F_ID && c == C_RECORD && kind == V_STRING && r->last_source)
        tbl_prefetch(r->table, r->last_source, p, n);
    return 0;
}

static int on_token(shp_reader *r, json_token t, const json_value *v)
{
    if (r->ignoring) {
        if (t == JSON_OBJECT_BEGIN || t == JSON_ARRAY_BEGIN)
            r->ignoring++;
        else if (t == JSON_OBJECT_END || t == JSON_ARRAY_END)
            r->ignoring--;
        return 0;
    }
    switch (t) {
    case JSON_KEY:
        return on_key(r, v);
    case JSON_OBJECT_BEGIN:
    case JSON_ARRAY_BEGIN:
        return on_open(r, t, v);
    case JSON_OBJECT_END:
    case JSON_ARRAY_END:
        return on_close(r, v);
    default:
        return on_scalar(r, t, v);
    }
}

/* ---- reading an input --------------------------------------------------------------------- */

static void start_input(shp_reader *r, in_source *src, sq_error *err)
{
    json_reset(r->json);
    r->name = in_name(src);
    /* Nothing of an input read before (a failed one may end inside a record) is kept. */
    collector_start(&r->top, 0, 0, 0);
    collector_start(&r->rec, 0, 0, 0);
    r->cur = &r->top;
    r->flattened = 0;
    r->err = err;
    r->depth = 0;
    r->ignoring = 0;
    r->pending = NULL;
    r->envelope = r->envelope_links = false;
    r->file = (shp_stats){0, 0, 0};
    r->split_tried = false;
    r->fed_end = 0;
    r->first_key_len = 0;
    r->pages_before = r->pages ? pg_count(r->pages) : 0;
    free_deferred(r);
    tbl_begin(r->table);
}

static int json_failed(shp_reader *r)
{
    const sq_error *e = json_error(r->json);
    *r->err = *e;
    r->err->code = e->code == JSON_ERR_NOMEM ? SHP_ERR_NOMEM : SHP_ERR_JSON;
    snprintf(r->detail, sizeof r->detail, "%s", json_error_found(r->json));
    /* "unexpected end of input ..., found end of input" would say the same twice. */
    bool at_end = e->code == JSON_ERR_TRUNCATED || e->code == JSON_ERR_EMPTY;
    r->err->detail = at_end ? NULL : r->detail;
    return -1;
}

void shp_set_pages(shp_reader *r, pg_list *pages) { r->pages = pages; }

void shp_set_progress(shp_reader *r, shp_progress_fn fn, void *ctx)
{
    r->progress = fn;
    r->progress_ctx = ctx;
}

void shp_set_split(shp_reader *r, uint64_t min_bytes, unsigned share)
{
    r->split_min = min_bytes;
    r->split_share = share < 1 ? 1 : share > 99 ? 99 : share;
}

void shp_set_record_hook(shp_reader *r, shp_record_fn fn, void *ctx)
{
    r->record_hook = fn;
    r->record_ctx = ctx;
}

/* Tokens of what was fed, into the state machine: 0 when all is consumed, 1 at the end of the
 * input or of a helper's part, -1 on error. */
static int drain(shp_reader *r)
{
    json_value v;
    json_token t;
    while ((t = json_next(r->json, &v)) > JSON_ERROR) {
        int rc = on_token(r, t, &v);
        if (rc)
            return rc;
    }
    if (t == JSON_ERROR)
        return json_failed(r);
    return t == JSON_END;
}

static int read_all(shp_reader *r, in_source *src)
{
    uint64_t told = 0;
    r->src = src;
    for (;;) {
        const char *data;
        size_t len;
        if (r->helping && atomic_load(&r->helping->cancel))
            return -1;
        /* The read may go over the chunk the open record's values stand in. */
        if (!keep_values(&r->top) || !keep_values(&r->rec))
            return fail_nomem(r);
        int got = in_read(src, &data, &len, r->err), rc;
        read_chunk(&r->top, got > 0 ? data : NULL, got > 0 ? len : 0);
        read_chunk(&r->rec, got > 0 ? data : NULL, got > 0 ? len : 0);
        if (r->progress && in_bytes_read(src) > told) {
            r->progress(r->progress_ctx, in_bytes_read(src) - told);
            told = in_bytes_read(src);
        }
        if (got < 0) {
            r->err->detail = NULL;
            r->err->line = r->err->column = 0;
            r->err->cause = r->err->code;
            r->err->code = SHP_ERR_INPUT;
            return -1;
        }
        if (got == 0) {
            json_finish(r->json);
        } else if (r->split && r->split->start < r->fed_end + len) {
            /* The helper's start is in this chunk: read up to it, then see. */
            size_t head = (size_t)(r->split->start - r->fed_end);
            json_feed(r->json, data, head);
            r->fed_end += head;
            if ((rc = drain(r)) != 0)
                return rc < 0 ? -1 : 0;
            if ((rc = join_split(r, src)) < 0)
                return -1;
            if (rc > 0) {
                /* On after the helper's part; it told of the bytes it read. */
                r->fed_end = told = in_bytes_read(src);
                continue;
            }
            data += head;
            len -= head;
        }
        if (got > 0) {
            json_feed(r->json, data, len);
            r->fed_end += len;
        }
        if ((rc = drain(r)) != 0)
            return rc < 0 ? -1 : 0;
    }
}

int shp_read(shp_reader *r, in_source *src, sq_error *err)
{
    memset(err, 0, sizeof *err);
    start_input(r, src, err);
    int rc = read_all(r, src);
    end_split(r);
    r->src = NULL;
    if (rc < 0) {
        int code = err->code;
        if (r->pages)
            pg_truncate(r->pages, r->pages_before);
        if (tbl_rollback(r->table) < 0)
            code = SHP_ERR_NOMEM;
        err->code = code;
        return -1;
    }
    if (r->flattened && r->findings &&
        fnd_add(
            r->findings, FND_POWERSHELL_TRUNCATED, r->name, r->flattened_line, r->flattened_column,
            "%llu object%s (_links, backupJobInfo...) %s flattened into \"@{...}\" text by PowerShell's "
            "ConvertTo-Json, whose default -Depth is 2: the sessions are read without what they held; "
            "save the response again with ConvertTo-Json -Depth 10",
            (unsigned long long)r->flattened, r->flattened == 1 ? "" : "s",
            r->flattened == 1 ? "was" : "were") < 0) {
        tbl_rollback(r->table);
        if (r->pages)
            pg_truncate(r->pages, r->pages_before);
        err->code = SHP_ERR_NOMEM;
        err->message = "out of memory";
        return -1;
    }
    tbl_commit(r->table);
    r->totals.documents += r->file.documents;
    r->totals.records += r->file.records;
    r->totals.helped += r->file.helped;
    return 0;
}
