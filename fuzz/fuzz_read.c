/* fuzz_read.c: libFuzzer target for the whole read path: bytes -> in_open_buffer -> shp_read ->
 * the table and the findings, then every value of every row read back and formatted as text,
 * and every finding's text read. The table already holds one known session before the input is
 * read, so that a failed read can be checked to leave it exactly as it was (the same rows, the
 * known row's values unchanged); an input that reads is read a second time, which must change
 * nothing (deduplication by source and id keeps every row in its place, with its last values).
 * Every envelope is also kept as a page, taken back when its input fails, and the paging check
 * runs over them at the end. */
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

/* A v6 restore session with most keys set; its id may well come back from the fuzzer (it is in
 * the dictionary), which makes the input replace it. */
static const char KNOWN[] =
    "{\"offset\":0,\"limit\":30,\"setId\":\"s\",\"_links\":{\"self\":{\"href\":\"/v6/RestoreSessions\"}},"
    "\"results\":[{\"id\":\"known-1\",\"name\":\"known\",\"organization\":\"contoso\","
    "\"type\":\"Vex\",\"creationTime\":\"2022-03-04T09:12:41.5180123Z\","
    "\"endTime\":\"2022-03-04T09:40:02Z\",\"state\":\"Stopped\",\"result\":\"Success\","
    "\"initiatedBy\":\"admin\",\"details\":\"42 items processed\",\"scopeName\":\"\","
    "\"clientHost\":\"vbo01\",\"usn\":7,\"progress\":\"100\"}]}";

static void require(int ok, const char *what)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_read: broken invariant: %s\n", what);
    abort();
}

/* FNV-1a over the bytes, continuing from h. */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3u;
    return h;
}

/* Reads every key of the row as output would (tbl_get, then ses_value_text) and returns a
 * digest of the kinds and texts: reading the bytes is what lets the sanitizers check them. */
static uint64_t read_row(const tbl_table *t, size_t row)
{
    uint64_t h = 0xcbf29ce484222325u;

    for (int k = 0; k < SES_NALLKEYS; k++) {
        char scratch[SES_TIME_BUFSZ], buf[SES_TIME_BUFSZ];
        sq_value v;
        const char *p;
        size_t n;

        tbl_get(t, row, (ses_key)k, &v, scratch);
        require(v.kind == SQ_NULL || v.kind == ses_key_kind((ses_key)k),
                "a value has its key's kind");
        h = mix(h, &v.kind, sizeof v.kind);
        if (v.kind == SQ_NULL)
            continue;
        ses_value_text(&v, buf, &p, &n);
        h = mix(h, &n, sizeof n);
        h = mix(h, p, n);
    }
    return h;
}

/* Reads `len` bytes at `data` into the table through `r`; shp_read's result. */
static int read_buffer(shp_reader *r, const void *data, size_t len, sq_error *err)
{
    sq_error open_err;
    in_source *src = in_open_buffer(data, len, "fuzz", &open_err);

    require(src != NULL, "in_open_buffer");
    int rc = shp_read(r, src, err);
    in_close(src);
    return rc;
}

static void check_failure(const sq_error *err)
{
    require(err->code >= SHP_ERR_INPUT && err->code <= SHP_ERR_NOMEM, "a known error code");
    require(err->message != NULL, "an error has a message");
    require(err->code != SHP_ERR_JSON || (err->line >= 1 && err->column >= 1),
            "a JSON error has its line and column");
}

/* A digest of every row, in order. */
static uint64_t read_table(const tbl_table *t)
{
    uint64_t h = tbl_count(t);

    for (size_t row = 0; row < tbl_count(t); row++) {
        uint64_t d = read_row(t, row);
        h = mix(h, &d, sizeof d);
    }
    return h;
}

/* Reads every finding's texts, so that the sanitizers check them. */
static void read_findings(const fnd_list *l)
{
    for (size_t i = 0; i < fnd_count(l); i++) {
        const fnd_finding *f = fnd_get(l, i);
        require(f->message != NULL && strlen(f->message) > 0, "a finding has a message");
        require(f->file == NULL || strcmp(f->file, "fuzz") == 0, "a finding names its input");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tbl_table *t = tbl_new();
    fnd_list *findings = fnd_new();
    pg_list *pages = pg_new();
    shp_reader *r = t && findings && pages ? shp_new(t, findings) : NULL;
    sq_error err;

    require(r != NULL, "tbl_new, fnd_new, pg_new, shp_new");
    shp_set_pages(r, pages);
    require(read_buffer(r, KNOWN, sizeof KNOWN - 1, &err) == 0 && tbl_count(t) == 1,
            "the known document reads as one session");
    require(pg_count(pages) == 1, "the known envelope is one page");
    uint64_t known = read_table(t);

    if (read_buffer(r, data, size, &err) != 0) {
        check_failure(&err);
        require(read_table(t) == known, "a failed read leaves the table as it was");
        require(pg_count(pages) == 1, "a failed read takes its pages back");
    } else {
        /* Every session read again replaces itself with the same values, in the same place. */
        uint64_t first = read_table(t);
        size_t once = pg_count(pages) - 1;
        require(read_buffer(r, data, size, &err) == 0, "the same input reads again");
        require(read_table(t) == first, "reading the same input again changes the table");
        require(pg_count(pages) == 1 + 2 * once, "the same input gives the same pages again");
    }
    require(pg_check(pages, findings) == 0, "the paging check runs");
    read_findings(findings);
    pg_free(pages);
    shp_free(r);
    fnd_free(findings);
    tbl_free(t);
    return 0;
}
