/* test_dump.c: the dump module: spans by row, the second reading (in pieces across chunks, of
 * standard input's copy, of an input that changed), and the dumps written, checked byte for
 * byte against texts written out by hand. */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dump.h"
#include "input.h"

static char *write_temp(const char *data, size_t n)
{
    char *path = strdup("/tmp/sessq-dump-XXXXXX");
    cr_assert_not_null(path);
    int fd = mkstemp(path);
    cr_assert_neq(fd, -1);
    cr_assert_eq(write(fd, data, n), (ssize_t)n);
    cr_assert_eq(close(fd), 0);
    return path;
}

/* Writes the collected records of `shape` into memory; the caller frees. */
static char *write_to_memory(const dmp_records *r, int shape, dmp_transform fn, void *ctx)
{
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    cr_assert_not_null(fp);
    cr_assert_eq(dmp_write(r, shape, fp, fn, ctx), 0);
    cr_assert_eq(fclose(fp), 0);
    return text;
}

static void set(dmp_spans *d, size_t row, uint32_t input, uint64_t start, uint64_t end, shp_doc doc,
                ses_source source)
{
    shp_span s = {start, end, doc, source};
    cr_assert_eq(dmp_set_span(d, row, input, &s), 0);
}

Test(dump, shapes_and_their_names)
{
    int array = dmp_shape_index(SES_SRC_AZURE_JOB, SHP_DOC_ARRAY);
    cr_expect_eq(array, dmp_shape_index(SES_SRC_VB365_RESTORE, SHP_DOC_ARRAY),
                 "an array holds any source");
    cr_expect_str_eq(dmp_shape_name(array), "array");
    cr_expect_str_eq(dmp_shape_name(dmp_shape_index(SES_SRC_VB365_RETRIEVAL, SHP_DOC_OBJECT)),
                     "objects");
    cr_expect_str_eq(dmp_shape_name(dmp_shape_index(SES_SRC_AZURE_JOB, SHP_DOC_ENVELOPE)),
                     "azure-job-envelope");
    cr_expect_str_eq(dmp_shape_name(dmp_shape_index(SES_SRC_VB365_RESTORE, SHP_DOC_ENVELOPE)),
                     "vb365-restore-envelope");
    cr_expect_str_eq(dmp_shape_name(dmp_shape_index(SES_SRC_VB365_RETRIEVAL, SHP_DOC_ENVELOPE)),
                     "vb365-retrieval-envelope");
}

Test(dump, a_row_without_a_span_has_no_shape)
{
    dmp_spans *d = dmp_new();
    cr_assert_not_null(d);
    cr_expect_eq(dmp_shape_of(d, 0), -1);
    set(d, 3, 0, 0, 2, SHP_DOC_ENVELOPE, SES_SRC_AZURE_JOB);
    cr_expect_eq(dmp_shape_of(d, 2), -1, "rows before a set one are not set");
    cr_expect_eq(dmp_shape_of(d, 3), dmp_shape_index(SES_SRC_AZURE_JOB, SHP_DOC_ENVELOPE));
    set(d, 3, 0, 0, 2, SHP_DOC_ARRAY, SES_SRC_AZURE_JOB);
    cr_expect_eq(dmp_shape_of(d, 3), dmp_shape_index(SES_SRC_AZURE_JOB, SHP_DOC_ARRAY),
                 "a later span replaces the earlier");
    cr_expect_eq(dmp_shape_of(d, 4), -1);
    dmp_free(d);
}

Test(dump, rollback_puts_back_the_spans_of_a_skipped_file)
{
    dmp_spans *d = dmp_new();
    cr_assert_not_null(d);
    set(d, 0, 0, 0, 10, SHP_DOC_ARRAY, SES_SRC_VB365_RESTORE);
    set(d, 1, 0, 10, 20, SHP_DOC_ARRAY, SES_SRC_VB365_RESTORE);
    dmp_begin(d, 2);
    set(d, 1, 1, 5, 9, SHP_DOC_ENVELOPE, SES_SRC_VB365_RESTORE);  /* a row from before, replaced */
    set(d, 2, 1, 9, 12, SHP_DOC_ENVELOPE, SES_SRC_VB365_RESTORE); /* a new row */
    set(d, 1, 1, 12, 15, SHP_DOC_OBJECT, SES_SRC_VB365_RESTORE);  /* replaced again */
    dmp_rollback(d);
    int array = dmp_shape_index(SES_SRC_VB365_RESTORE, SHP_DOC_ARRAY);
    cr_expect_eq(dmp_shape_of(d, 0), array);
    cr_expect_eq(dmp_shape_of(d, 1), array, "the first span of the row is back");
    cr_expect_eq(dmp_shape_of(d, 2), -1, "the new row is gone");

    dmp_begin(d, 2);
    set(d, 1, 1, 5, 9, SHP_DOC_ENVELOPE, SES_SRC_VB365_RESTORE);
    dmp_commit(d);
    cr_expect_eq(dmp_shape_of(d, 1), dmp_shape_index(SES_SRC_VB365_RESTORE, SHP_DOC_ENVELOPE));
    set(d, 0, 1, 0, 1, SHP_DOC_OBJECT, SES_SRC_VB365_RESTORE);
    dmp_rollback(d); /* nothing open: nothing to undo, and no row is dropped */
    cr_expect_eq(dmp_shape_of(d, 0), dmp_shape_index(SES_SRC_VB365_RESTORE, SHP_DOC_OBJECT));
    dmp_free(d);
}

/* Two inputs; rows ask for records in another order than they stand in the files. */
Test(dump, records_in_row_order_byte_for_byte)
{
    static const char a[] = "[{\"id\":\"1\"},\t{ \"id\" : \"2\", \"x\":[1,{}] }]";
    static const char b[] = "[{\"id\":\"3\",\"n\":\"\\u00e9\\/\"}]";
    char *pa = write_temp(a, sizeof a - 1), *pb = write_temp(b, sizeof b - 1);
    dmp_spans *d = dmp_new();
    int tee;
    cr_assert_eq(dmp_add_input(d, pa, &tee), 0);
    cr_expect_eq(tee, -1, "a file needs no copy");
    cr_assert_eq(dmp_add_input(d, pb, &tee), 0);
    set(d, 0, 0, 1, 11, SHP_DOC_ARRAY, SES_SRC_VB365_RESTORE);
    set(d, 1, 1, 1, 26, SHP_DOC_ARRAY, SES_SRC_VB365_RESTORE);
    set(d, 2, 0, 13, 39, SHP_DOC_ARRAY, SES_SRC_VB365_RESTORE);
    size_t rows[] = {2, 1, 0};
    sq_error err;
    const char *where;
    dmp_records *r = dmp_collect(d, rows, 3, &err, &where);
    cr_assert_not_null(r, "%s", err.message);
    char *text =
        write_to_memory(r, dmp_shape_index(SES_SRC_VB365_RESTORE, SHP_DOC_ARRAY), NULL, NULL);
    cr_expect_str_eq(text, "[\n"
                           "  { \"id\" : \"2\", \"x\":[1,{}] },\n"
                           "  {\"id\":\"3\",\"n\":\"\\u00e9\\/\"},\n"
                           "  {\"id\":\"1\"}\n"
                           "]\n");
    free(text);
    dmp_records_free(r);
    dmp_free(d);
    unlink(pa);
    unlink(pb);
    free(pa);
    free(pb);
}

Test(dump, envelopes_say_how_many_and_name_their_collection)
{
    static const char a[] = "{\"results\":[{\"id\":\"1\"},{\"id\":\"2\"}]}";
    char *pa = write_temp(a, sizeof a - 1);
    dmp_spans *d = dmp_new();
    int tee;
    cr_assert_eq(dmp_add_input(d, pa, &tee), 0);
    set(d, 0, 0, 12, 22, SHP_DOC_ENVELOPE, SES_SRC_AZURE_JOB);
    set(d, 1, 0, 23, 33, SHP_DOC_ENVELOPE, SES_SRC_VB365_RETRIEVAL);
    size_t rows[] = {0, 1};
    sq_error err;
    const char *where;
    dmp_records *r = dmp_collect(d, rows, 2, &err, &where);
    cr_assert_not_null(r);
    char *azure =
        write_to_memory(r, dmp_shape_index(SES_SRC_AZURE_JOB, SHP_DOC_ENVELOPE), NULL, NULL);
    cr_expect_str_eq(
        azure,
        "{\n"
        "  \"offset\": 0,\n"
        "  \"limit\": 1,\n"
        "  \"totalCount\": 1,\n"
        "  \"results\": [\n"
        "    {\"id\":\"1\"}\n"
        "  ],\n"
        "  \"_links\": { \"self\": { \"href\": \"/api/v1/jobSessions?offset=0&limit=1\" } }\n"
        "}\n");
    char *retrieval =
        write_to_memory(r, dmp_shape_index(SES_SRC_VB365_RETRIEVAL, SHP_DOC_ENVELOPE), NULL, NULL);
    cr_expect_str_eq(
        retrieval,
        "{\n"
        "  \"offset\": 0,\n"
        "  \"limit\": 1,\n"
        "  \"_links\": { \"self\": { \"href\": \"/v6/DataRetrievalSessions?offset=0&limit=1\" } },\n"
        "  \"results\": [\n"
        "    {\"id\":\"2\"}\n"
        "  ]\n"
        "}\n");
    char *none =
        write_to_memory(r, dmp_shape_index(SES_SRC_VB365_RESTORE, SHP_DOC_ENVELOPE), NULL, NULL);
    cr_expect_str_eq(
        none,
        "{\n"
        "  \"offset\": 0,\n"
        "  \"limit\": 0,\n"
        "  \"_links\": { \"self\": { \"href\": \"/v6/RestoreSessions?offset=0&limit=0\" } },\n"
        "  \"results\": []\n"
        "}\n");
    char *empty_array =
        write_to_memory(r, dmp_shape_index(SES_SRC_VB365_RESTORE, SHP_DOC_ARRAY), NULL, NULL);
    cr_expect_str_eq(empty_array, "[]\n");
    free(azure);
    free(retrieval);
    free(none);
    free(empty_array);
    dmp_records_free(r);
    dmp_free(d);
    unlink(pa);
    free(pa);
}

/* Records bigger than a read chunk (256 KiB) come out whole, through the copy in pieces and
 * through a transform. */
static int bracket(void *ctx, const char *record, size_t n, FILE *out)
{
    size_t *seen = ctx;
    *seen += n;
    fputc('<', out);
    fwrite(record, 1, n, out);
    fputc('>', out);
    return 0;
}

Test(dump, records_across_chunks_and_through_a_transform)
{
    size_t big = 600000;
    char *doc = malloc(big + 64);
    cr_assert_not_null(doc);
    int head = sprintf(doc, "{\"id\":\"b\",\"name\":\"");
    memset(doc + head, 'z', big);
    size_t n = (size_t)head + big;
    n += (size_t)sprintf(doc + n, "\"}\n{\"id\":\"c\"}");
    char *path = write_temp(doc, n);
    dmp_spans *d = dmp_new();
    int tee;
    cr_assert_eq(dmp_add_input(d, path, &tee), 0);
    size_t first_end = (size_t)head + big + 2;
    set(d, 0, 0, 0, first_end, SHP_DOC_OBJECT, SES_SRC_VB365_RESTORE);
    set(d, 1, 0, first_end + 1, n, SHP_DOC_OBJECT, SES_SRC_VB365_RESTORE);
    size_t rows[] = {0, 1};
    sq_error err;
    const char *where;
    dmp_records *r = dmp_collect(d, rows, 2, &err, &where);
    cr_assert_not_null(r);
    int objects = dmp_shape_index(SES_SRC_VB365_RESTORE, SHP_DOC_OBJECT);
    char *copied = write_to_memory(r, objects, NULL, NULL);
    doc[first_end] = '\n';
    cr_expect_eq(strlen(copied), n + 1);
    cr_expect_eq(memcmp(copied, doc, n), 0, "objects, one per line, as they were");
    cr_expect_eq(copied[n], '\n');
    size_t seen = 0;
    char *bracketed = write_to_memory(r, objects, bracket, &seen);
    cr_expect_eq(seen, n - 1, "the transform saw each record whole, and nothing else");
    cr_expect_eq(bracketed[0], '<');
    cr_expect_eq(memcmp(bracketed + 1, doc, first_end), 0);
    cr_expect_str_eq(bracketed + 1 + first_end, ">\n<{\"id\":\"c\"}>\n");
    free(copied);
    free(bracketed);
    dmp_records_free(r);
    dmp_free(d);
    unlink(path);
    free(path);
    free(doc);
}

static int failing(void *ctx, const char *record, size_t n, FILE *out)
{
    (void)ctx, (void)record, (void)n, (void)out;
    errno = EINVAL;
    return -1;
}

Test(dump, a_failing_transform_fails_the_write)
{
    static const char a[] = "[{\"id\":\"1\"}]";
    char *pa = write_temp(a, sizeof a - 1);
    dmp_spans *d = dmp_new();
    int tee;
    cr_assert_eq(dmp_add_input(d, pa, &tee), 0);
    set(d, 0, 0, 1, 11, SHP_DOC_ARRAY, SES_SRC_VB365_RESTORE);
    size_t rows[] = {0};
    sq_error err;
    const char *where;
    dmp_records *r = dmp_collect(d, rows, 1, &err, &where);
    cr_assert_not_null(r);
    FILE *fp = tmpfile();
    cr_assert_not_null(fp);
    errno = 0;
    cr_expect_eq(
        dmp_write(r, dmp_shape_index(SES_SRC_VB365_RESTORE, SHP_DOC_ARRAY), fp, failing, NULL), -1);
    cr_expect_eq(errno, EINVAL, "the transform's errno is kept");
    fclose(fp);
    dmp_records_free(r);
    dmp_free(d);
    unlink(pa);
    free(pa);
}

Test(dump, an_input_that_changed_is_refused)
{
    static const char a[] = "[{\"id\":\"1\"},{\"id\":\"2\"}]";
    char *pa = write_temp(a, sizeof a - 1);
    dmp_spans *d = dmp_new();
    int tee;
    cr_assert_eq(dmp_add_input(d, pa, &tee), 0);
    set(d, 0, 0, 12, 22, SHP_DOC_ARRAY, SES_SRC_VB365_RESTORE);
    size_t rows[] = {0};
    static const char shifted[] = "[ {\"id\":\"1\"},{\"id\":\"2\"}]";
    FILE *fp = fopen(pa, "w");
    cr_assert_not_null(fp);
    fputs(shifted, fp);
    fclose(fp);
    sq_error err;
    const char *where;
    cr_expect_null(dmp_collect(d, rows, 1, &err, &where));
    cr_expect_eq(err.code, DMP_ERR_CHANGED);
    cr_expect_str_eq(err.message, "the input changed since it was first read");
    cr_expect_str_eq(where, pa);

    fp = fopen(pa, "w");
    cr_assert_not_null(fp);
    fputs("[{\"id\":\"1\"}]", fp);
    fclose(fp);
    cr_expect_null(dmp_collect(d, rows, 1, &err, &where), "cut short");
    cr_expect_eq(err.code, DMP_ERR_CHANGED);

    unlink(pa);
    cr_expect_null(dmp_collect(d, rows, 1, &err, &where), "gone");
    cr_expect_eq(err.code, DMP_ERR_INPUT);
    cr_expect_eq(err.cause, IN_ERR_OPEN);
    cr_expect_eq(err.sys_errno, ENOENT);
    cr_expect_str_eq(where, pa);
    dmp_free(d);
    free(pa);
}

/* Standard input's copy: what was teed is read again, through the same decoding. */
Test(dump, standard_input_is_read_again_from_its_copy)
{
    dmp_spans *d = dmp_new();
    int tee;
    cr_assert_eq(dmp_add_input(d, "-", &tee), 0);
    cr_assert_geq(tee, 0, "standard input gets a copy to be written to");
    static const char bytes[] = "\xef\xbb\xbf[{\"id\":\"s\"}]";
    static const char other[] = "{\"id\":\"ignored\"}";
    char *po = write_temp(other, sizeof other - 1);
    sq_error err;
    in_source *src = in_open(po, &err);
    cr_assert_not_null(src);
    in_tee(src, tee);
    const char *data;
    size_t len;
    cr_assert_eq(in_read(src, &data, &len, &err), 1);
    in_close(src);
    /* What was teed is what will be read again: here the other file's bytes, then more. */
    cr_assert_eq(write(tee, bytes, sizeof bytes - 1), (ssize_t)(sizeof bytes - 1));
    set(d, 0, 0, 0, 16, SHP_DOC_OBJECT, SES_SRC_VB365_RESTORE);
    size_t rows[] = {0};
    const char *where;
    dmp_records *r = dmp_collect(d, rows, 1, &err, &where);
    cr_assert_not_null(r, "%s", err.message);
    char *text =
        write_to_memory(r, dmp_shape_index(SES_SRC_VB365_RESTORE, SHP_DOC_OBJECT), NULL, NULL);
    cr_expect_str_eq(text, "{\"id\":\"ignored\"}\n");
    free(text);
    dmp_records_free(r);
    dmp_free(d);
    unlink(po);
    free(po);
}
