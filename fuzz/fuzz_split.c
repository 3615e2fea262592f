/* fuzz_split.c: libFuzzer target for reading one input with two threads (shp_set_split()). The
 * input's size picks where the helper starts (its share, 1 to 99 per cent), so that the seeds
 * stay whole. It is read once alone and once with a helper allowed from the first record on, each into a
 * fresh table with findings and pages, and the two readings must agree on everything: the
 * result, the error with its place and detail, every row's values in order, every finding with
 * its place, and every page. Built with 61-byte chunks, so that small inputs split. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "findings.h"
#include "input.h"
#include "paging.h"
#include "session.h"
#include "shape.h"
#include "table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    tbl_table *table;
    fnd_list *findings;
    pg_list *pages;
    sq_error err;
    char detail[64];
    int rc;
    shp_stats stats;
} reading;

static void require(int ok, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_split: the two readings differ: %s\n", what);
    abort();
}

static void read_input(reading *x, const uint8_t *data, size_t size, unsigned share)
{
    sq_error open_err;
    x->table = tbl_new();
    x->findings = fnd_new();
    x->pages = pg_new();
    shp_reader *r = shp_new(x->table, x->findings);
    in_source *src = in_open_buffer(data, size, "fuzz", &open_err);
    require(x->table && x->findings && x->pages && r && src, "out of memory");
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

static void free_reading(reading *x)
{
    tbl_free(x->table);
    fnd_free(x->findings);
    pg_free(x->pages);
}

static int same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* What the error found. A character that the end of a chunk cuts is told as its first byte
 * ("byte 0xDE") where a whole one is told as "U+079C": the helper's chunks end elsewhere. */
static int same_detail(const char *a, const char *b)
{
    return same_text(a, b) || (a && b && (!strncmp(a, "byte 0x", 7) || !strncmp(b, "byte 0x", 7)));
}

static void compare_rows(const tbl_table *a, const tbl_table *b)
{
    require(tbl_count(a) == tbl_count(b), "the number of rows");
    require(tbl_duplicates(a) == tbl_duplicates(b), "the number of duplicates");
    for (size_t row = 0; row < tbl_count(a); row++)
        for (int k = 0; k < SES_NALLKEYS; k++) {
            char sa[SES_TIME_BUFSZ], sb[SES_TIME_BUFSZ];
            sq_value va, vb;
            tbl_get(a, row, (ses_key)k, &va, sa);
            tbl_get(b, row, (ses_key)k, &vb, sb);
            require(va.kind == vb.kind, "a value's kind");
            if (va.kind == SQ_TEXT)
                require(va.len == vb.len && memcmp(va.text, vb.text, va.len) == 0, "a text");
            else if (va.kind != SQ_NULL)
                require(va.i == vb.i && (va.r == vb.r || (va.r != va.r && vb.r != vb.r)),
                        "a number");
        }
}

static void compare_findings(const fnd_list *a, const fnd_list *b)
{
    require(fnd_count(a) == fnd_count(b), "the number of findings");
    for (size_t i = 0; i < fnd_count(a); i++) {
        const fnd_finding *fa = fnd_get(a, i), *fb = fnd_get(b, i);
        require(fa->code == fb->code, "a finding's code");
        require(fa->line == fb->line && fa->column == fb->column, "a finding's place");
        require(same_text(fa->message, fb->message), "a finding's message");
    }
    for (fnd_code c = 0; c < FND_NCODES; c++)
        require(fnd_dropped(a, c) == fnd_dropped(b, c), "findings dropped");
}

static void compare_pages(const pg_list *a, const pg_list *b)
{
    require(pg_count(a) == pg_count(b), "the number of pages");
    for (size_t i = 0; i < pg_count(a); i++) {
        const pg_entry *pa = pg_get(a, i), *pb = pg_get(b, i);
        require(pa->line == pb->line && pa->column == pb->column, "a page's place");
        require(pa->offset == pb->offset && pa->limit == pb->limit && pa->total == pb->total,
                "a page's paging");
        require(pa->count == pb->count && pa->fingerprint == pb->fingerprint, "a page's records");
        require(same_text(pa->endpoint, pb->endpoint) && same_text(pa->query, pb->query),
                "a page's href");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned share = 1 + (unsigned)(size * 37 % 99);
    reading alone = {0}, split = {0};
    read_input(&alone, data, size, 0);
    read_input(&split, data, size, share);
    require(alone.rc == split.rc, "the result");
    if (alone.rc < 0) {
        require(alone.err.code == split.err.code, "the error's code");
        require(same_text(alone.err.message, split.err.message), "the error's message");
        require(alone.err.offset == split.err.offset, "the error's offset");
        require(alone.err.line == split.err.line && alone.err.column == split.err.column,
                "the error's place");
        require(same_detail(alone.err.detail, split.err.detail), "the error's detail");
    } else {
        require(alone.stats.documents == split.stats.documents, "the documents");
        require(alone.stats.records == split.stats.records, "the records");
    }
    compare_rows(alone.table, split.table);
    compare_findings(alone.findings, split.findings);
    compare_pages(alone.pages, split.pages);
    free_reading(&alone);
    free_reading(&split);
    return 0;
}
