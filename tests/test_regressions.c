/* test_regressions.c: every input of testdata/regressions/ (what the fuzzers found, see its
 * README.md) read through in_open_buffer and shp_read must end in success or a clean error; each
 * file is read in a child process, so that a crash names its file. The tokenizer must also give
 * the same tokens and error for its bytes fed whole and byte by byte, as fuzz_json checks. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "findings.h"
#include "input.h"
#include "json.h"
#include "jsonrun.h"
#include "shape.h"
#include "table.h"

#define REGRESSIONS_DIR "testdata/regressions"

/* The child's exit statuses besides 0 (read, or a clean error). */
enum { BAD_SETUP = 2, BAD_ERROR = 3 };

/* Reads the file's bytes into a fresh table, as the command line would; the exit status. */
static int read_one(const char *path)
{
    size_t n;
    char *data = jr_slurp(path, &n);
    tbl_table *t = tbl_new();
    fnd_list *findings = fnd_new();
    shp_reader *r = t && findings ? shp_new(t, findings) : NULL;
    sq_error err;
    in_source *src = r && data ? in_open_buffer(data, n, path, &err) : NULL;

    if (!src)
        return BAD_SETUP;
    int status = 0;
    if (shp_read(r, src, &err) != 0 &&
        (err.code < SHP_ERR_INPUT || err.code > SHP_ERR_NOMEM || !err.message))
        status = BAD_ERROR;
    in_close(src);
    shp_free(r);
    fnd_free(findings);
    tbl_free(t);
    free(data);
    return status;
}

static void expect_clean_read(const char *path)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0, "fork");
    if (pid == 0)
        _exit(read_one(path));
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_expect(!WIFSIGNALED(status), "%s: killed by signal %d", path, WTERMSIG(status));
    cr_expect(!WIFEXITED(status) || WEXITSTATUS(status) == 0, "%s: %s", path,
              WEXITSTATUS(status) == BAD_ERROR   ? "an error without a known code or message"
              : WEXITSTATUS(status) == BAD_SETUP ? "cannot be read or out of memory"
                                                 : "the reader exited (a sanitizer report?)");
}

static void expect_same_tokens_in_chunks(const char *path)
{
    static const unsigned flag_sets[] = {0, JSON_MULTI | JSON_REPAIR_UTF8};
    size_t n;
    char *data = jr_slurp(path, &n);
    cr_assert_not_null(data, "cannot read %s", path);
    for (size_t i = 0; i < sizeof flag_sets / sizeof flag_sets[0]; i++) {
        jr_result whole, bytes;
        jr_run(data, n, flag_sets[i], JR_WHOLE, &whole);
        jr_run(data, n, flag_sets[i], JR_BYTES, &bytes);
        cr_expect(whole.code == bytes.code && whole.offset == bytes.offset &&
                      whole.line == bytes.line && whole.column == bytes.column,
                  "%s, flags %u: error %d at %llu (%llu:%llu) whole, %d at %llu (%llu:%llu) byte "
                  "by byte",
                  path, flag_sets[i], whole.code, (unsigned long long)whole.offset,
                  (unsigned long long)whole.line, (unsigned long long)whole.column, bytes.code,
                  (unsigned long long)bytes.offset, (unsigned long long)bytes.line,
                  (unsigned long long)bytes.column);
        cr_expect(whole.len == bytes.len &&
                      (whole.len == 0 || !memcmp(whole.log, bytes.log, whole.len)),
                  "%s, flags %u: the tokens differ byte by byte", path, flag_sets[i]);
        jr_free(&whole);
        jr_free(&bytes);
    }
    free(data);
}

Test(regressions, every_file)
{
    DIR *d = opendir(REGRESSIONS_DIR);
    cr_assert_not_null(d, "cannot open %s", REGRESSIONS_DIR);
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[512];
        if (e->d_name[0] == '.' || strcmp(e->d_name, "README.md") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", REGRESSIONS_DIR, e->d_name);
        expect_clean_read(path);
        expect_same_tokens_in_chunks(path);
    }
    closedir(d);
}
