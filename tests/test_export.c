/* sessq export: the module's contract in process (the lock, refusals, what a failure leaves),
 * and end to end through tests/export_check.py, which exports the bundled dumps and reads the
 * parts back with Python's gzip, json and csv alone (round trip, partition values, Hive
 * escaping, --append, bounded parts, failures that leave nothing, and the DuckDB query's
 * equivalent against `sessq stats --by month`). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "export.h"
#include "table.h"

static char root[] = "/tmp/sessq-test-export-XXXXXX";
static char dir[sizeof root + 16];

static void setup(void)
{
    strcpy(root, "/tmp/sessq-test-export-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
    snprintf(dir, sizeof dir, "%s/out", root);
}

static void teardown(void)
{
    char cmd[sizeof root + 16];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(export, .init = setup, .fini = teardown);

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* A table of n sessions with ids "s0".."s<n-1>" and every other key null (month: null too). */
static tbl_table *sessions(size_t n)
{
    tbl_table *t = tbl_new();
    cr_assert_not_null(t);
    static char ids[8][4];
    for (size_t i = 0; i < n && i < 8; i++) {
        ses_session s;
        memset(&s, 0, sizeof s);
        s.source = SES_SRC_AZURE_JOB;
        for (int k = 0; k < SES_NNUM; k++)
            s.num[k] = SES_NULL;
        snprintf(ids[i], sizeof ids[i], "s%zu", i);
        s.text[ses_text_slot(K_ID)] = (sq_str){ids[i], (uint32_t)strlen(ids[i])};
        cr_assert_geq(tbl_add(t, &s), 0);
    }
    return t;
}

static const exp_options by_month = {.fmt = OUT_NDJSON, .by = {K_MONTH}, .nby = 1, .part_rows = 2};

Test(export, second_export_is_busy)
{
    sq_error err = {0};
    exp_export *first = exp_open(dir, &by_month, &err);
    cr_assert_not_null(first, "%s", err.message);
    exp_export *second = exp_open(dir, &(exp_options){.fmt = OUT_NDJSON, .append = true}, &err);
    cr_expect_null(second);
    cr_expect_eq(err.code, EXP_ERR_BUSY);
    exp_close(first);
}

Test(export, nothing_written_leaves_nothing)
{
    sq_error err = {0};
    exp_export *e = exp_open(dir, &by_month, &err);
    cr_assert_not_null(e);
    exp_close(e); /* as when reading the inputs failed */
    cr_expect(!exists(dir), "an export that wrote nothing left %s", dir);
}

Test(export, parts_bounded_and_recorded)
{
    tbl_table *t = sessions(5);
    size_t rows[] = {0, 1, 2, 3, 4};
    sq_error err = {0};
    exp_export *e = exp_open(dir, &by_month, &err);
    cr_assert_not_null(e);
    cr_assert_eq(exp_write(e, t, rows, 5, &err), 0, "%s", err.message);
    /* no start: every session in the null partition, two per part */
    cr_expect_eq(exp_parts(e), 3);
    cr_expect_eq(exp_result(e)->written, 5);
    char want[sizeof dir + 64];
    snprintf(want, sizeof want, "%s/month=__HIVE_DEFAULT_PARTITION__/part-0002.ndjson.gz", dir);
    cr_expect_str_eq(exp_part(e, 2), want);
    exp_close(e);
    cr_expect(exists(want));

    /* the same sessions again: refused without --append, skipped with it */
    cr_expect_null(exp_open(dir, &by_month, &err));
    cr_expect_eq(err.code, EXP_ERR_NOT_EMPTY);
    exp_options append = by_month;
    append.append = true;
    e = exp_open(dir, &append, &err);
    cr_assert_not_null(e);
    cr_assert_eq(exp_write(e, t, rows, 5, &err), 0);
    cr_expect_eq(exp_parts(e), 0);
    cr_expect_eq(exp_result(e)->unchanged, 5);
    exp_close(e);

    /* another partitioning is named in the error */
    append.by[0] = K_DAY;
    cr_expect_null(exp_open(dir, &append, &err));
    cr_expect_eq(err.code, EXP_ERR_MISMATCH);
    cr_expect_str_eq(err.detail, "format=ndjson partition-by=month");
    tbl_free(t);
}

Test(export, end_to_end, .timeout = 120)
{
    int status = system("python3 tests/export_check.py");
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "tests/export_check.py failed (its message is above)");
}
