/* Reading one input with two threads (shp_set_split()) gives what reading it alone gives: the
 * same rows in the same order, findings with the same places, the same pages, the same error;
 * and the helper really takes part, except where its guessed start is not an element boundary
 * (a string or a nested array that holds "}, {"), where it must be sent away. The inputs are
 * generated here, several MB each, since a helper starts only after the first 256 KiB chunk. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "findings.h"
#include "input.h"
#include "paging.h"
#include "session.h"
#include "shape.h"
#include "table.h"

typedef struct {
    tbl_table *table;
    fnd_list *findings;
    pg_list *pages;
    sq_error err;
    char detail[64];
    int rc;
    shp_stats stats;
} reading;

/* What the generated records hold besides the plain fields. */
enum {
    ODD_TIMES = 1 << 0,      /* an invalid end time and an end before the start, now and then */
    DUPLICATES = 1 << 1,     /* an id read again with other values, now and then */
    BAD_UTF8 = 1 << 2,       /* a byte that is not UTF-8 in a name, now and then */
    BRACES_IN_TEXT = 1 << 3, /* "}, {" inside every name */
    NESTED = 1 << 4,         /* an array of objects inside every record, which is skipped */
    COMPACT = 1 << 5,        /* one line */
    LINKS_LAST = 1 << 6,     /* the envelope's "_links" after "results" */
    BARE_ARRAY = 1 << 7      /* a v5 array instead of an envelope */
};

static void record(FILE *f, int i, int opts)
{
    const char *nl = opts & COMPACT ? "" : "\n      ";
    int id = (opts & DUPLICATES) && i % 997 == 500 ? i - 300 : i;
    fprintf(f, "{%s\"id\": \"00000000-0000-4000-8000-%012d\",", nl, id);
    fprintf(f, "%s\"name\": \"Restore %d%s%s\",", nl, i, opts & BRACES_IN_TEXT ? " }, {x" : "",
            (opts & BAD_UTF8) && i % 1501 == 700 ? "\xff" : "");
    fprintf(f, "%s\"type\": \"Vex\",%s\"creationTime\": \"2022-03-%02dT10:00:00Z\",", nl, nl,
            1 + i % 28);
    if ((opts & ODD_TIMES) && i % 1001 == 600)
        fprintf(f, "%s\"endTime\": \"2022-03-xx\",", nl);
    else if ((opts & ODD_TIMES) && i % 1003 == 400)
        fprintf(f, "%s\"endTime\": \"2021-03-01T10:00:00Z\",", nl);
    else
        fprintf(f, "%s\"endTime\": \"2022-03-%02dT10:%02d:00Z\",", nl, 1 + i % 28, i % 60);
    if (opts & NESTED)
        fprintf(f, "%s\"extra\": [{\"a\": 1}, {\"b\": [{\"c\": 2}, {\"d\": 3}]}],", nl);
    fprintf(f, "%s\"state\": \"Stopped\",%s\"result\": \"%s\",", nl, nl,
            id != i ? "Failed"
            : i % 7 ? "Success"
                    : "Warning");
    fprintf(f, "%s\"details\": \"%d items processed\"%s}", nl, i * 3,
            opts & COMPACT ? "" : "\n    ");
}

/* An input of `n` records shaped by `opts`; the caller frees it. */
static char *generate(int n, int opts, size_t *len)
{
    /* The stream's buffer pointer lives on the heap: GCC takes one on the stack, returned, for
     * a dangling pointer. */
    char **text = calloc(1, sizeof *text);
    cr_assert_not_null(text);
    FILE *f = open_memstream(text, len);
    const char *links = "\"_links\": {\"self\": {\"href\": \"/v6/RestoreSessions?offset=0\"}}";
    const char *sep = opts & COMPACT ? "," : ",\n    ";
    if (opts & BARE_ARRAY)
        fputs("[", f);
    else
        fprintf(f, "{\"offset\": 0, \"limit\": %d, %s%s\"results\": [", n,
                opts & LINKS_LAST ? "" : links, opts & LINKS_LAST ? "" : ", ");
    for (int i = 0; i < n; i++) {
        fputs(i ? sep : "", f);
        record(f, i, opts);
    }
    if (opts & BARE_ARRAY)
        fputs("]\n", f);
    else
        fprintf(f, "], \"totalCount\": %d%s%s}\n", n, opts & LINKS_LAST ? ", " : "",
                opts & LINKS_LAST ? links : "");
    fclose(f);
    char *out = *text;
    free(text);
    return out;
}

/* Reads `data` into a table of its own bound by `limit` bytes (0: none), split at `share` per
 * cent (0: alone). */
static void read_limited(reading *x, const char *data, size_t size, unsigned share, size_t limit)
{
    sq_error open_err;
    x->table = tbl_new();
    if (x->table)
        tbl_set_limit(x->table, limit);
    x->findings = fnd_new();
    x->pages = pg_new();
    shp_reader *r = shp_new(x->table, x->findings);
    in_source *src = in_open_buffer(data, size, "gen.json", &open_err);
    cr_assert(x->table && x->findings && x->pages && r && src);
    shp_set_pages(r, x->pages);
    if (share)
        shp_set_split(r, 1, share);
    x->rc = shp_read(r, src, &x->err);
    if (x->rc < 0 && x->err.detail) {
        snprintf(x->detail, sizeof x->detail, "%s", x->err.detail);
        x->err.detail = x->detail;
    }
    x->stats = shp_totals(r);
    shp_free(r);
    in_close(src);
}

static void read_input(reading *x, const char *data, size_t size, unsigned share)
{
    read_limited(x, data, size, share, 0);
}

static void free_reading(reading *x)
{
    tbl_free(x->table);
    fnd_free(x->findings);
    pg_free(x->pages);
}

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void expect_same(const reading *a, const reading *b, unsigned share)
{
    cr_assert_eq(a->rc, b->rc, "share %u: result %d alone, %d split", share, a->rc, b->rc);
    if (a->rc < 0) {
        cr_expect_eq(a->err.code, b->err.code, "share %u: error code", share);
        cr_expect(same_text(a->err.message, b->err.message), "share %u: '%s' / '%s'", share,
                  a->err.message, b->err.message);
        cr_expect(a->err.line == b->err.line && a->err.column == b->err.column,
                  "share %u: error at %llu:%llu alone, %llu:%llu split", share,
                  (unsigned long long)a->err.line, (unsigned long long)a->err.column,
                  (unsigned long long)b->err.line, (unsigned long long)b->err.column);
        cr_expect_eq(a->err.offset, b->err.offset, "share %u: error offset", share);
        cr_expect(same_text(a->err.detail, b->err.detail), "share %u: detail", share);
    }
    cr_assert_eq(tbl_count(a->table), tbl_count(b->table), "share %u: rows", share);
    cr_expect_eq(tbl_duplicates(a->table), tbl_duplicates(b->table), "share %u", share);
    for (size_t row = 0; row < tbl_count(a->table); row++)
        for (int k = 0; k < SES_NALLKEYS; k++) {
            char sa[SES_TIME_BUFSZ], sb[SES_TIME_BUFSZ], ba[SES_TIME_BUFSZ], bb[SES_TIME_BUFSZ];
            sq_value va, vb;
            const char *pa, *pb;
            size_t na, nb;
            tbl_get(a->table, row, (ses_key)k, &va, sa);
            tbl_get(b->table, row, (ses_key)k, &vb, sb);
            cr_assert_eq(va.kind, vb.kind, "share %u: row %zu key %d kind", share, row, k);
            if (va.kind == SQ_NULL)
                continue;
            ses_value_text(&va, ba, &pa, &na);
            ses_value_text(&vb, bb, &pb, &nb);
            cr_assert(na == nb && !memcmp(pa, pb, na), "share %u: row %zu key %d: %.*s / %.*s",
                      share, row, k, (int)na, pa, (int)nb, pb);
        }
    cr_assert_eq(fnd_count(a->findings), fnd_count(b->findings), "share %u: findings", share);
    for (size_t i = 0; i < fnd_count(a->findings); i++) {
        const fnd_finding *fa = fnd_get(a->findings, i), *fb = fnd_get(b->findings, i);
        cr_expect(fa->code == fb->code && fa->line == fb->line && fa->column == fb->column &&
                      same_text(fa->message, fb->message),
                  "share %u: finding %zu: %llu:%llu %s / %llu:%llu %s", share, i,
                  (unsigned long long)fa->line, (unsigned long long)fa->column, fa->message,
                  (unsigned long long)fb->line, (unsigned long long)fb->column, fb->message);
    }
    cr_assert_eq(pg_count(a->pages), pg_count(b->pages), "share %u: pages", share);
    for (size_t i = 0; i < pg_count(a->pages); i++) {
        const pg_entry *x = pg_get(a->pages, i), *y = pg_get(b->pages, i);
        cr_expect(x->count == y->count && x->fingerprint == y->fingerprint &&
                      x->total == y->total && x->line == y->line,
                  "share %u: page %zu", share, i);
    }
    cr_expect_eq(a->stats.records, b->stats.records, "share %u: records", share);
}

static const unsigned SHARES[] = {1, 10, 25, 40, 50, 60, 75, 90, 99};
#define NSHARES (sizeof SHARES / sizeof *SHARES)

/* Reads `text` alone and split at every share; returns how many split readings had help. */
static size_t compare_at_every_share(const char *text, size_t len)
{
    reading alone = {0};
    read_input(&alone, text, len, 0);
    cr_assert_eq(alone.stats.helped, 0, "no helper without shp_set_split()");
    size_t helped = 0;
    for (size_t i = 0; i < NSHARES; i++) {
        reading split = {0};
        read_input(&split, text, len, SHARES[i]);
        expect_same(&alone, &split, SHARES[i]);
        helped += split.stats.helped > 0;
        free_reading(&split);
    }
    free_reading(&alone);
    return helped;
}

typedef struct {
    int opts;
    bool helps; /* a split reading is expected to have help at most shares */
} variant;

ParameterizedTestParameters(split, same_as_alone)
{
    static variant v[] = {
        {0, true},
        {ODD_TIMES | DUPLICATES | BAD_UTF8, true},
        {COMPACT | ODD_TIMES | DUPLICATES | BAD_UTF8, true},
        {BARE_ARRAY | DUPLICATES | ODD_TIMES, true},
        {BARE_ARRAY | COMPACT, true},
        {NESTED | DUPLICATES, true},
        {BRACES_IN_TEXT, true},
        {LINKS_LAST | DUPLICATES, false}, /* records wait for the links: never split */
    };
    return cr_make_param_array(variant, v, sizeof v / sizeof *v);
}

ParameterizedTest(variant *v, split, same_as_alone, .timeout = 120)
{
    size_t len;
    char *text = generate(12000, v->opts, &len);
    size_t helped = compare_at_every_share(text, len);
    if (v->helps)
        cr_expect_geq(helped, NSHARES - 2, "options %#x: help at only %zu of %zu shares", v->opts,
                      helped, NSHARES);
    else
        cr_expect_eq(helped, 0, "options %#x: helped at %zu shares", v->opts, helped);
    free(text);
}

/* A bare array of records 0 to n - 1, then the same records again: the table keeps n rows,
 * a log of the later half keeps n more. The caller frees it. */
static char *generate_twice(int n, size_t *len)
{
    char **text = calloc(1, sizeof *text);
    cr_assert_not_null(text);
    FILE *f = open_memstream(text, len);
    fputs("[", f);
    for (int i = 0; i < 2 * n; i++) {
        fputs(i ? ",\n    " : "", f);
        record(f, i % n, BARE_ARRAY);
    }
    fputs("]\n", f);
    fclose(f);
    char *out = *text;
    free(text);
    return out;
}

/* The helper's log counts against the table's limit with what the table holds: under limits
 * from a quarter of what reading alone needs to three times that, a split reading gives what
 * reading alone gives. The input's later half repeats the first: the table alone needs half
 * of what it and the helper's log need together, so at some limits the helper runs out and is
 * sent away while reading alone fits. Where reading alone fails, the split reading fails with
 * the same error, but it may fail later (the table takes the helper's text whole), after more
 * findings. */
Test(split, a_helper_out_of_memory_is_sent_away, .timeout = 120)
{
    size_t len;
    char *text = generate_twice(6000, &len);
    reading unbound = {0};
    read_input(&unbound, text, len, 0);
    size_t need = tbl_memory(unbound.table);
    free_reading(&unbound);
    size_t fits_alone = 0, sent_away = 0, helped = 0;
    for (size_t limit = need / 4; limit <= need * 3; limit += need / 8) {
        reading alone = {0}, split = {0};
        read_limited(&alone, text, len, 0, limit);
        read_limited(&split, text, len, 50, limit);
        if (alone.rc == 0) {
            expect_same(&alone, &split, 50);
        } else {
            cr_expect_eq(alone.err.code, SHP_ERR_LIMIT, "limit %zu: error %d", limit,
                         alone.err.code);
            cr_expect(split.rc < 0 && split.err.code == SHP_ERR_LIMIT,
                      "limit %zu: split reading: %d, error %d", limit, split.rc, split.err.code);
        }
        fits_alone += alone.rc == 0;
        sent_away += alone.rc == 0 && split.stats.helped == 0;
        helped += split.stats.helped > 0;
        free_reading(&alone);
        free_reading(&split);
    }
    cr_expect_gt(fits_alone, 0);
    cr_expect_gt(sent_away, 0, "the helper never ran out where the table alone fits");
    cr_expect_gt(helped, 0, "the helper never had room enough");
    free(text);
}

/* An error after the helper's start is the same error, at the same place, with the same
 * findings before it; so is an input cut short. */
Test(split, errors_in_the_later_part, .timeout = 120)
{
    size_t len;
    char *text = generate(12000, ODD_TIMES | DUPLICATES, &len);
    char *at = strstr(text + len * 9 / 10, "\"id\"");
    cr_assert_not_null(at);
    memcpy(at, "\"xx\"", 4); /* a session without "id" */
    compare_at_every_share(text, len);
    memcpy(at, "\"id\" 1", 6); /* not JSON: no ':' */
    compare_at_every_share(text, len);
    compare_at_every_share(text, len * 95 / 100); /* the end is missing */
    free(text);
}

/* The record after a duplicate holds a byte that is not UTF-8, then an error: the duplicate's
 * finding comes before the other, as when reading alone (the helper's last session is taken
 * before the findings of the record it failed in). */
Test(split, findings_of_a_failed_record_come_last, .timeout = 120)
{
    size_t len;
    char *text = generate(12000, DUPLICATES, &len);
    char id[64];
    snprintf(id, sizeof id, "\"00000000-0000-4000-8000-%012d\"", 997 * 9 + 501);
    char *at = strstr(text, id);
    cr_assert_not_null(at);
    char *name = strstr(at, "Restore");
    char *details = strstr(at, "\"details\":");
    cr_assert(name && details);
    name[0] = '\xff';
    details[10] = ';';
    size_t helped = compare_at_every_share(text, len);
    cr_expect_eq(helped, 0, "a failed read has no totals");
    free(text);
}

/* Where the helper's guess falls inside a long string full of "}, {", or inside a nested array,
 * the first reader finds it is no element boundary and reads on alone. */
Test(split, a_wrong_guess_is_sent_away, .timeout = 120)
{
    size_t len, big = 3u << 20;
    char *records = generate(20, 0, &len);
    char *text = malloc(len + big + 64);
    cr_assert_not_null(text);
    /* The first record, one with a 3 MB name of "}, {", then the other records. */
    char *first_end = strstr(strstr(records, "\"results\""), "},\n");
    cr_assert_not_null(first_end);
    size_t head = (size_t)(first_end + 1 - records), n = head;
    memcpy(text, records, head);
    n += (size_t)sprintf(text + n, ", {\"id\": \"braces\", \"name\": \"");
    for (size_t i = 0; i < big / 4; i++, n += 4)
        memcpy(text + n, "}, {", 4);
    n += (size_t)sprintf(text + n, "\"}");
    memcpy(text + n, records + head, len - head);
    n += len - head;
    reading alone = {0}, split = {0};
    read_input(&alone, text, n, 0);
    read_input(&split, text, n, 50);
    expect_same(&alone, &split, 50);
    cr_expect_eq(split.stats.helped, 0, "a helper started inside a string was kept");
    cr_expect_eq(tbl_count(split.table), 21);
    free_reading(&alone);
    free_reading(&split);
    free(records);
    free(text);
}

/* The command line: SESSQ_SPLIT picks when one file is read by two threads; `-j 1` never does;
 * the output is the same every way. */
static char *run(const char *env, const char *args, const char *file, int *status)
{
    char dir[] = "/tmp/sessq-split-XXXXXX", cmd[1024], path[64];
    cr_assert_not_null(mkdtemp(dir));
    const char *prog = getenv("SESSQ") ? getenv("SESSQ") : "build/sessq";
    snprintf(cmd, sizeof cmd, "%s %s %s -q %s >%s/out 2>&1", env, prog, args, file, dir);
    *status = system(cmd);
    snprintf(path, sizeof path, "%s/out", dir);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    char *out = NULL;
    size_t size = 0;
    FILE *m = open_memstream(&out, &size);
    for (int c; (c = fgetc(f)) != EOF;)
        fputc(c, m);
    fclose(m);
    fclose(f);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_expect_eq(system(cmd), 0);
    return out;
}

Test(split, command_line, .timeout = 300)
{
    char file[] = "/tmp/sessq-split-input-XXXXXX";
    int fd = mkstemp(file);
    cr_assert_geq(fd, 0);
    size_t len;
    char *text = generate(8000, ODD_TIMES | DUPLICATES | BAD_UTF8, &len);
    cr_assert_eq(write(fd, text, len), (ssize_t)len);
    close(fd);
    free(text);
    int status;
    char *alone = run("SESSQ_SPLIT=off", "list -f csv", file, &status);
    cr_assert_eq(WEXITSTATUS(status), 0, "%s", alone);
    char *one_job = run("SESSQ_SPLIT=1M:30", "list -f csv -j 1", file, &status);
    cr_expect_str_eq(one_job, alone);
    free(one_job);
    const char *splits[] = {"SESSQ_SPLIT=1M:20", "SESSQ_SPLIT=1M", "SESSQ_SPLIT=1M:80"};
    for (size_t i = 0; i < 3; i++) {
        char *split = run(splits[i], "list -f csv -j 2", file, &status);
        cr_expect_eq(WEXITSTATUS(status), 0);
        cr_expect_str_eq(split, alone, "%s", splits[i]);
        free(split);
    }
    free(alone);
    char *check_alone = run("SESSQ_SPLIT=off", "check -f json", file, &status);
    char *check_split = run("SESSQ_SPLIT=1M", "check -f json -j 2", file, &status);
    cr_expect_str_eq(check_split, check_alone);
    free(check_alone);
    free(check_split);
    const char *bad[] = {"SESSQ_SPLIT=",       "SESSQ_SPLIT=big", "SESSQ_SPLIT=1M:0",
                         "SESSQ_SPLIT=1M:100", "SESSQ_SPLIT=0",   "SESSQ_SPLIT=1M:"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *out = run(bad[i], "stats", file, &status);
        if (i == 0) {
            cr_expect_eq(WEXITSTATUS(status), 0, "an empty SESSQ_SPLIT is the default");
        } else {
            cr_expect_eq(WEXITSTATUS(status), 64, "%s: exit %d", bad[i], WEXITSTATUS(status));
            cr_expect(strstr(out, "SESSQ_SPLIT") != NULL, "%s: %s", bad[i], out);
        }
        free(out);
    }
    unlink(file);
}

/* Writing: with -j 2 a second thread formats every other block of EMIT_BLOCK_ROWS rows; the
 * bytes are those of -j 1, in every format but table (always written by one thread), with the
 * last block short, and when the output cannot be written. */
Test(split, list_formatted_by_two_threads, .timeout = 300)
{
    char file[] = "/tmp/sessq-split-input-XXXXXX";
    int fd = mkstemp(file);
    cr_assert_geq(fd, 0);
    size_t len;
    char *text = generate(4 * 4096 + 1000, ODD_TIMES | DUPLICATES, &len);
    cr_assert_eq(write(fd, text, len), (ssize_t)len);
    close(fd);
    free(text);
    const char *lists[] = {"list -f csv",
                           "list -f json",
                           "list -f ndjson",
                           "list -f md",
                           "list -f csv -F name,end,id --sort=-end,id",
                           "list -f ndjson -n 4097",
                           "list -f table"};
    for (size_t i = 0; i < sizeof lists / sizeof *lists; i++) {
        char args[128];
        int status;
        snprintf(args, sizeof args, "%s -j 1", lists[i]);
        char *one = run("", args, file, &status);
        cr_expect_eq(WEXITSTATUS(status), 0, "%s", args);
        snprintf(args, sizeof args, "%s -j 2", lists[i]);
        char *two = run("", args, file, &status);
        cr_expect_eq(WEXITSTATUS(status), 0, "%s", args);
        cr_expect(strlen(one) > 4 * 4096 * 50, "%s: %zu bytes", lists[i], strlen(one));
        cr_expect(strcmp(one, two) == 0, "%s: -j 1 and -j 2 differ", lists[i]);
        free(one);
        free(two);
    }
    int status;
    char *full = run("", "list -f ndjson -j 2 -o /dev/full", file, &status);
    cr_expect_eq(WEXITSTATUS(status), 74, "%s", full);
    cr_expect(strstr(full, "No space left") != NULL, "%s", full);
    free(full);
    unlink(file);
}
