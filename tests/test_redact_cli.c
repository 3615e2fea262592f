/* sessq redact end to end: what the issue asks of it, checked on the bundled demo dumps (every
 * shape): no organization, user or host string of the input survives in the output, every stats
 * grouping that does not group by an identifying key gives the same numbers, the same --key
 * gives the same output and another key another, and -j does not change a byte. The program is
 * $SESSQ, else build/sessq. */
#define _GNU_SOURCE /* strcasestr */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEMO "testdata/demo"

static const char *program(void) { return getenv("SESSQ") ? getenv("SESSQ") : "build/sessq"; }

/* The standard output of `sessq ARGS` (malloc'ed), and its exit status in *status. */
static char *run(const char *args, int *status)
{
    char line[1024];
    snprintf(line, sizeof line, "%s %s 2>/dev/null", program(), args);
    FILE *p = popen(line, "r");
    cr_assert_not_null(p, "cannot run %s", line);
    size_t n = 0, cap = 4096;
    char *out = malloc(cap);
    cr_assert_not_null(out);
    size_t got;
    while ((got = fread(out + n, 1, cap - n - 1, p)) > 0) {
        n += got;
        if (cap - n < 2) {
            cap *= 2;
            out = realloc(out, cap);
            cr_assert_not_null(out);
        }
    }
    out[n] = '\0';
    int rc = pclose(p);
    *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    return out;
}

static char *run_ok(const char *args)
{
    int status;
    char *out = run(args, &status);
    cr_assert(status == 0 || status == 1, "sessq %s: exit %d", args, status);
    return out;
}

/* The demo redacted with --key K into one dump per shape under DIR. */
static void redact_demo(const char *key, const char *dir, const char *more)
{
    char args[512];
    snprintf(args, sizeof args, "redact -q --key %s %s --split %s " DEMO, key, more, dir);
    int status;
    free(run(args, &status));
    cr_assert_eq(status, 0, "sessq %s: exit %d", args, status);
}

static char *tmp_dir(void)
{
    char *d = strdup("/tmp/sessq-redact-XXXXXX");
    cr_assert(d && mkdtemp(d));
    return d;
}

static void remove_dir(const char *d)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", d);
    cr_expect_eq(system(cmd), 0);
}

/* Everything written under DIR, as one text. */
static char *all_output(const char *dir)
{
    char args[512];
    snprintf(args, sizeof args, "cat %s/*.json", dir);
    FILE *p = popen(args, "r");
    cr_assert_not_null(p);
    size_t n = 0, cap = 1 << 20;
    char *out = malloc(cap);
    cr_assert_not_null(out);
    n = fread(out, 1, cap - 1, p);
    out[n] = '\0';
    pclose(p);
    return out;
}

Test(redact_cli, no_identifying_value_survives)
{
    char *dir = tmp_dir();
    redact_demo("demo-key", dir, "");
    char *text = all_output(dir);
    cr_assert_gt(strlen(text), 1000, "the redacted dumps are there");
    /* Every distinct organization, user and host of the input, as list reads them. */
    char *values =
        run_ok("list -q -f csv --csv-raw -F organization,initiated_by,client_host,policy_name,"
               "repository_name " DEMO);
    size_t checked = 0;
    for (char *line = strtok(values, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strncmp(line, "organization,", 13))
            continue;
        char *save = line;
        for (char *cell = strsep(&save, ","); cell; cell = strsep(&save, ",")) {
            /* "CORP\\backup.admin" and "host (via: 10.0.0.1)": the parts that identify. */
            char *name = cell;
            char *at = strchr(name, '\\');
            name = at ? at + 1 : name;
            char *paren = strstr(name, " (");
            if (paren)
                *paren = '\0';
            if (strlen(name) < 4)
                continue;
            cr_expect_null(strcasestr(text, name), "'%s' survives redaction", name);
            checked++;
        }
    }
    cr_expect_gt(checked, 20, "the demo has identifying values to look for");
    free(values);
    free(text);
    remove_dir(dir);
    free(dir);
}

Test(redact_cli, stats_are_unchanged)
{
    char *dir = tmp_dir();
    redact_demo("demo-key", dir, "");
    static const char *const groupings[] = {"source,status", "type,result", "day", "state,hour",
                                            ""};
    for (size_t i = 0; i < sizeof groupings / sizeof *groupings; i++) {
        char a[512], b[512];
        const char *by = groupings[i];
        snprintf(a, sizeof a, "stats -q -f csv %s%s " DEMO, *by ? "--by " : "", by);
        snprintf(b, sizeof b, "stats -q -f csv %s%s %s", *by ? "--by " : "", by, dir);
        char *before = run_ok(a), *after = run_ok(b);
        cr_expect_str_eq(after, before, "stats --by %s differ after redaction", by);
        free(before);
        free(after);
    }
    remove_dir(dir);
    free(dir);
}

Test(redact_cli, same_key_same_output_other_key_other_output_any_jobs)
{
    char *d1 = tmp_dir(), *d2 = tmp_dir(), *d3 = tmp_dir(), *d4 = tmp_dir();
    redact_demo("k1", d1, "-j 1");
    redact_demo("k1", d2, "-j 2");
    redact_demo("k2", d3, "");
    redact_demo("k1", d4, "-j 4");
    char *o1 = all_output(d1), *o2 = all_output(d2), *o3 = all_output(d3), *o4 = all_output(d4);
    cr_expect_str_eq(o1, o2, "-j 1 and -j 2 differ");
    cr_expect_str_eq(o1, o4, "-j 1 and -j 4 differ");
    cr_expect_str_neq(o1, o3, "another key gave the same pseudonyms");
    free(o1);
    free(o2);
    free(o3);
    free(o4);
    remove_dir(d1);
    remove_dir(d2);
    remove_dir(d3);
    remove_dir(d4);
    free(d1);
    free(d2);
    free(d3);
    free(d4);
}

Test(redact_cli, without_a_key_runs_differ_and_an_empty_key_is_refused)
{
    int status;
    char *a = run("redact -q --source azure-job " DEMO, &status);
    cr_assert_eq(status, 0);
    char *b = run("redact -q --source azure-job " DEMO, &status);
    cr_assert_eq(status, 0);
    cr_expect_str_neq(a, b, "two runs without --key gave the same pseudonyms");
    free(a);
    free(b);
    free(run("redact --key '' --source azure-job " DEMO, &status));
    cr_expect_eq(status, 64);
    free(run("extract --key k --source azure-job " DEMO, &status));
    cr_expect_eq(status, 64, "--key is redact's");
}
