/* test_genpages.c: folders of pages made by scripts/genpages.sh (dropped, repeated, overlapping,
 * gzipped pages) through `sessq check` with -j 1 and -j 2. The expected findings follow from
 * the generator's options alone (1,000 sessions in pages of 100: which offsets each file holds)
 * and were written by hand. The program is $SESSQ, the generator $GENDUMP. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jsonrun.h"

static char *run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs a shell command; returns its standard output (the caller frees) and asserts its exit. */
static char *run(const char *fmt, ...)
{
    char cmd[2048], out[] = "/tmp/sessq-genpages-out-XXXXXX";
    int fd = mkstemp(out);
    cr_assert_neq(fd, -1);
    close(fd);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    cr_assert_lt((size_t)n, sizeof cmd - 64);
    char wrapped[2200];
    snprintf(wrapped, sizeof wrapped, "( %s ) >%s", cmd, out);
    int status = system(wrapped);
    cr_assert(WIFEXITED(status), "%s: did not exit", cmd);
    size_t len;
    char *text = jr_slurp(out, &len);
    unlink(out);
    cr_assert_not_null(text);
    text[len] = '\0';
    return text;
}

static char *format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The formatted text in a buffer the caller frees. */
static char *format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    cr_assert_geq(n, 0);
    char *s = malloc((size_t)n + 1);
    cr_assert_not_null(s);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static const char *program(void) { return getenv("SESSQ") ? getenv("SESSQ") : "build/sessq"; }

static void make_folder(char *tmp, char *dir, size_t size, const char *options)
{
    cr_assert_not_null(mkdtemp(tmp));
    snprintf(dir, size, "%s/pages", tmp);
    free(run("sh scripts/genpages.sh %s %s", options, dir));
}

static void remove_folder(const char *tmp)
{
    char *out = run("rm -rf %s", tmp);
    free(out);
}

Test(genpages, dropped_repeated_overlapping_gzipped_pages, .timeout = 60)
{
    char tmp[] = "/tmp/sessq-genpages-XXXXXX", d[64];
    make_folder(tmp, d, sizeof d, "--drop 300 --duplicate 500 --overlap 650 --gzip");
    char *one = run("%s check -j 1 %s; echo exit $?", program(), d);
    char *two = run("%s check -j 2 %s; echo exit $?", program(), d);
    char *want = format(
        "%s/restoresessions-offset-400.json.gz:1:1: error: paging-gap: /v6/restoresessions: "
        "offsets 300-399 missing (no page covers them), between "
        "%s/restoresessions-offset-200.json.gz (offset 200, limit 100, 100 sessions) and "
        "%s/restoresessions-offset-400.json.gz (offset 400, limit 100, 100 sessions)\n"
        "%s/restoresessions-offset-500.json.gz:1:1: warning: duplicate-page: "
        "/v6/restoresessions: %s/restoresessions-offset-500.json.gz holds the same page as "
        "%s/restoresessions-offset-500 (1).json.gz (offset 500, limit 100, 100 sessions): its "
        "sessions count once\n"
        "%s/restoresessions-offset-650.json.gz:1:1: warning: overlapping-pages: "
        "/v6/restoresessions: offsets 650-699 are in two pages, "
        "%s/restoresessions-offset-600.json.gz (offset 600, limit 100, 100 sessions) and "
        "%s/restoresessions-offset-650.json.gz (offset 650, limit 100, 100 sessions)\n"
        "%s/restoresessions-offset-700.json.gz:1:1: warning: overlapping-pages: "
        "/v6/restoresessions: offsets 700-749 are in two pages, "
        "%s/restoresessions-offset-650.json.gz (offset 650, limit 100, 100 sessions) and "
        "%s/restoresessions-offset-700.json.gz (offset 700, limit 100, 100 sessions)\n"
        "info: summary: 11 files read (0 could not be), 11 documents, 1100 session records, "
        "900 sessions (200 read more than once); 1 error, 3 warnings\n"
        "exit 1\n",
        d, d, d, d, d, d, d, d, d, d, d, d);
    cr_expect_str_eq(one, want);
    cr_expect_str_eq(two, one, "-j 2 gives what -j 1 gives");
    free(want);
    free(one);
    free(two);
    remove_folder(tmp);
}

Test(genpages, azure_last_page_missing_shows_through_total_count, .timeout = 60)
{
    char tmp[] = "/tmp/sessq-genpages-XXXXXX", d[64];
    make_folder(tmp, d, sizeof d, "--shape azure --sessions 250 --drop 200");
    char *got = run("%s check -f ndjson -j 2 %s", program(), d);
    char *want =
        format("{\"code\":\"paging-gap\",\"severity\":\"error\",\"file\":\"%s/"
               "jobsessions-offset-100.json\",\"line\":1,\"column\":1,\"message\":\"/api/v1/"
               "jobsessions?display=Full: offsets 200-249 missing at the end (totalCount is "
               "250), after %s/jobsessions-offset-100.json (offset 100, limit 100, 100 "
               "sessions)\"}\n"
               "{\"code\":\"summary\",\"severity\":\"info\",\"file\":null,\"line\":null,"
               "\"column\":null,\"message\":\"2 files read (0 could not be), 2 documents, 200 "
               "session records, 200 sessions (0 read more than once); 1 error, 0 warnings\"}\n",
               d, d);
    cr_expect_str_eq(got, want);
    free(want);
    free(got);
    remove_folder(tmp);
}

Test(genpages, a_whole_folder_has_no_finding_and_stats_no_note, .timeout = 60)
{
    char tmp[] = "/tmp/sessq-genpages-XXXXXX", d[64];
    make_folder(tmp, d, sizeof d, "--sessions 300 --page-size 50 --pretty");
    char *got = run("%s check %s", program(), d);
    cr_expect_str_eq(got, "info: summary: 6 files read (0 could not be), 6 documents, 300 session "
                          "records, 300 sessions (0 read more than once); 0 errors, 0 warnings\n");
    free(got);
    char *err = run("%s stats -q -f csv %s 2>&1 >/dev/null", program(), d);
    cr_expect_str_eq(err, "", "no note on standard error for whole pages");
    free(err);
    remove_folder(tmp);
}
