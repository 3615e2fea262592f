/* Golden CLI tests: each directory of tests/cli holds `cmd` (the arguments, a shell fragment
 * run from the repository root), `out` (exact standard output; none: empty), `exit` (status;
 * none: 0) and `err` (lines that standard error must contain). The program is $SESSQ, else
 * build/sessq. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jsonrun.h"

#define CASES "tests/cli"

typedef struct {
    char name[96];
} cli_case;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const cli_case *)a)->name, ((const cli_case *)b)->name);
}

static void free_params(struct criterion_test_params *crp) { cr_free(crp->params); }

ParameterizedTestParameters(cli, golden)
{
    size_t count = 0, cap = 1024;
    cli_case *cases = cr_malloc(cap * sizeof *cases);
    DIR *d = opendir(CASES);
    struct dirent *e;
    while (d && cases && (e = readdir(d)) && count < cap) {
        if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof cases->name)
            continue;
        strcpy(cases[count++].name, e->d_name);
    }
    if (d)
        closedir(d);
    qsort(cases, count, sizeof *cases, by_name);
    return cr_make_param_array(cli_case, cases, count, free_params);
}

/* The case's file `what`, or NULL when it has none. */
static char *case_file(const cli_case *c, const char *what, size_t *n)
{
    char path[256];
    snprintf(path, sizeof path, CASES "/%s/%s", c->name, what);
    return jr_slurp(path, n);
}

ParameterizedTest(cli_case *c, cli, golden, .timeout = 60)
{
    size_t n;
    char *cmd = case_file(c, "cmd", &n);
    cr_assert_not_null(cmd, "%s: no cmd file", c->name);
    while (n && (cmd[n - 1] == '\n' || cmd[n - 1] == '\r'))
        cmd[--n] = '\0';

    char dir[] = "/tmp/sessq-cli-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    const char *prog = getenv("SESSQ") ? getenv("SESSQ") : "build/sessq";
    char *line = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&line, &len);
    /* </dev/null first: a `< file` in cmd comes later and wins. */
    fprintf(m, "%s </dev/null %s >%s/out 2>%s/err", prog, cmd, dir, dir);
    fclose(m);
    int status = system(line);
    cr_assert(WIFEXITED(status), "%s: did not exit normally (%d)", c->name, status);

    size_t want_n = 0, got_n = 0, err_n = 0;
    char *want = case_file(c, "out", &want_n);
    char path[256];
    snprintf(path, sizeof path, "%s/out", dir);
    char *got = jr_slurp(path, &got_n);
    snprintf(path, sizeof path, "%s/err", dir);
    char *err = jr_slurp(path, &err_n);
    cr_assert_not_null(got);
    cr_assert_not_null(err);

    char *exit_text = case_file(c, "exit", &n);
    int want_status = exit_text ? atoi(exit_text) : 0;
    cr_expect_eq(WEXITSTATUS(status), want_status, "%s: exit %d, wanted %d; stderr:\n%.*s", c->name,
                 WEXITSTATUS(status), want_status, (int)err_n, err);
    bool same = got_n == want_n && (!want_n || !memcmp(got, want, want_n));
    cr_expect(same, "%s: standard output differs:\n--- expected\n%.*s\n--- got\n%.*s", c->name,
              (int)want_n, want ? want : "", (int)got_n, got);

    char *expected_err = case_file(c, "err", &n);
    for (char *l = expected_err ? strtok(expected_err, "\n") : NULL; l; l = strtok(NULL, "\n")) {
        err[err_n] = '\0';
        cr_expect(strstr(err, l) != NULL, "%s: standard error lacks '%s':\n%s", c->name, l, err);
    }

    snprintf(path, sizeof path, "rm -rf %s", dir);
    cr_expect_eq(system(path), 0);
    free(expected_err);
    free(exit_text);
    free(want);
    free(got);
    free(err);
    free(line);
    free(cmd);
}

Test(cli, cases_are_present)
{
    DIR *d = opendir(CASES);
    cr_assert_not_null(d, CASES " is missing: the CLI tests would silently not run");
    closedir(d);
}
