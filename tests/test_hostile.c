/* test_hostile.c: hostile inputs through the real program ($SESSQ, else build/sessq, run from
 * the repository root), in the manner of cmark's pathological tests. Every run must end within
 * TIME_LIMIT (it is killed after that), exit normally with the status the README gives, print
 * nothing on standard output when it ends in 65, say on standard error which file and, for JSON
 * text, which LINE:COLUMN, and stay under a peak memory stated per case. The inputs are made
 * here, at test time, in a temporary directory removed afterwards: some are hundreds of MB.
 *
 * The program runs under fork/execv so that wait4() gives its peak memory (ru_maxrss). That
 * figure includes the forked copy of this process before execv, so the inputs are written as
 * streams and this process stays small. Under the sanitizers (SESSQ_SANITIZED set) the bounds
 * grow (see bound_kib), the gzip bomb shrinks to 256 MiB, and JSONTestSuite is read in one run
 * instead of one run per file, as each start of an ASan build costs about 0.2 s. Run with
 * --verbose to see each run's time and peak memory. */
#define _XOPEN_SOURCE 700 /* nftw, mkdtemp, mkfifo, symlink */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "jsonrun.h"
#include "sessq.h"

/* Seconds a run may take before it is killed and the case fails: the slowest case, the gzip
 * bomb, takes 4 s of CPU, and make check runs other suites beside this one. */
#define TIME_LIMIT 30.0
#define MAX_ARGS 400 /* JSONTestSuite's 318 files in one run, and a few options */
#define SUITE_DIR "testdata/jsontestsuite/test_parsing"

static char work[64];

static void make_work(void)
{
    strcpy(work, "/tmp/sessq-hostile-XXXXXX");
    cr_assert_not_null(mkdtemp(work));
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_work(void) { nftw(work, remove_one, 16, FTW_DEPTH | FTW_PHYS); }

TestSuite(hostile, .init = make_work, .fini = remove_work, .timeout = 60);

static bool sanitized(void)
{
    const char *s = getenv("SESSQ_SANITIZED");
    return s && *s && strcmp(s, "0");
}

/* The bound in KiB (ru_maxrss's unit) for `mib` MiB, which hold for the plain build. ASan's
 * shadow memory and redzones about triple that, and its quarantine keeps up to 256 MiB of freed
 * blocks (quarantine_size_mb's default): 1,000 gzip members, each inflated with fresh buffers,
 * peak at 2.6 MiB plain but 150 MiB under ASan. */
static long bound_kib(long mib) { return (sanitized() ? 3 * mib + 256 : mib) * 1024; }

/* The work directory joined with `name`, in one of a few rotating static buffers. */
static const char *at(const char *name)
{
    static char bufs[8][512];
    static int next;
    char *b = bufs[next++ % 8];
    snprintf(b, sizeof bufs[0], "%s/%s", work, name);
    return b;
}

/* ---- writing inputs: as streams, so that this process stays small (see the top) ---- */

static FILE *create(const char *path)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot create %s", path);
    return f;
}

/* Write errors are sticky in the FILE, so one check at the end covers every put. */
static void finish(FILE *f)
{
    cr_assert(!ferror(f), "writing an input failed");
    cr_assert_eq(fclose(f), 0, "writing an input failed");
}

static void put_times(FILE *f, const char *s, size_t times)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < times; i++)
        fwrite(s, 1, n, f);
}

static void put_fill(FILE *f, int c, size_t n)
{
    static char block[1 << 16];
    memset(block, c, sizeof block);
    for (; n > sizeof block; n -= sizeof block)
        fwrite(block, 1, sizeof block, f);
    fwrite(block, 1, n, f);
}

static const char *write_bytes(const char *name, const void *data, size_t n)
{
    const char *path = at(name);
    FILE *f = create(path);
    fwrite(data, 1, n, f);
    finish(f);
    return path;
}

static const char *write_text(const char *name, const char *text)
{
    return write_bytes(name, text, strlen(text));
}

/* `prefix`, `open` `levels` times, `body`, `close` `levels` times (an empty `close` leaves them
 * open), `suffix`. */
static const char *write_nested(const char *name, const char *prefix, const char *open,
                                size_t levels, const char *body, const char *close,
                                const char *suffix)
{
    const char *path = at(name);
    FILE *f = create(path);
    fputs(prefix, f);
    put_times(f, open, levels);
    fputs(body, f);
    put_times(f, close, levels);
    fputs(suffix, f);
    finish(f);
    return path;
}

/* A gzip member written through zlib into `f`, so that a huge decompressed size costs no disk. */
typedef struct {
    FILE *f;
    z_stream z;
} gz_member;

static void gz_begin(gz_member *g, FILE *f, int strategy)
{
    memset(g, 0, sizeof *g);
    g->f = f;
    cr_assert_eq(deflateInit2(&g->z, 9, Z_DEFLATED, 15 + 16, 8, strategy), Z_OK);
}

static void gz_deflate(gz_member *g, const void *data, size_t n, int flush)
{
    unsigned char out[1 << 16];
    g->z.next_in = (Bytef *)data; /* zlib's next_in is not const, but it only reads */
    g->z.avail_in = (uInt)n;
    int rc;
    do {
        g->z.next_out = out;
        g->z.avail_out = sizeof out;
        rc = deflate(&g->z, flush);
        cr_assert(rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR, "deflate: %d", rc);
        fwrite(out, 1, sizeof out - g->z.avail_out, g->f);
    } while (g->z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
}

static void gz_put(gz_member *g, const char *s) { gz_deflate(g, s, strlen(s), Z_NO_FLUSH); }

static void gz_fill(gz_member *g, int c, size_t n)
{
    static char block[1 << 20];
    memset(block, c, sizeof block);
    for (; n > sizeof block; n -= sizeof block)
        gz_deflate(g, block, sizeof block, Z_NO_FLUSH);
    gz_deflate(g, block, n, Z_NO_FLUSH);
}

static void gz_end(gz_member *g)
{
    gz_deflate(g, "", 0, Z_FINISH);
    deflateEnd(&g->z);
}

/* ---- running the program ---- */

typedef struct {
    char command[512]; /* for messages: the arguments as given */
    bool timed_out;
    int wstatus;
    long maxrss_kib;
    double seconds;
    char *out, *err;
    size_t out_n, err_n;
} run_result;

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* In the child: only calls that are safe between fork and exec. */
static void exec_child(const char *input, const char *out, const char *err, const char *const *argv)
{
    int in_fd = open(input ? input : "/dev/null", O_RDONLY | O_CLOEXEC);
    int out_fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int err_fd = open(err, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (in_fd >= 0 && out_fd >= 0 && err_fd >= 0 && dup2(in_fd, 0) == 0 && dup2(out_fd, 1) == 1 &&
        dup2(err_fd, 2) == 2)
        execv(argv[0], (char *const *)argv); /* execv's prototype predates const */
    _exit(127);
}

/* Waits for `pid`, killing it once it has run TIME_LIMIT seconds; polled, so that the limit
 * holds whatever the child does (sessq starts no processes of its own: killing it is enough). */
static void wait_child(pid_t pid, const struct timespec *t0, run_result *r)
{
    struct rusage ru;
    pid_t got;
    while ((got = wait4(pid, &r->wstatus, WNOHANG, &ru)) == 0 || (got < 0 && errno == EINTR)) {
        if (seconds_since(t0) > TIME_LIMIT) {
            kill(pid, SIGKILL);
            r->timed_out = true;
            got = wait4(pid, &r->wstatus, 0, &ru);
            break;
        }
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
    cr_assert_eq(got, pid, "wait4: %s", strerror(errno));
    r->seconds = seconds_since(t0);
    r->maxrss_kib = ru.ru_maxrss;
}

/* Runs the program with `args` (NULL-terminated), standard input from `input` (NULL:
 * /dev/null). */
static void run_args(run_result *r, const char *input, const char *const *args)
{
    memset(r, 0, sizeof *r);
    const char *argv[MAX_ARGS + 1];
    argv[0] = getenv("SESSQ") ? getenv("SESSQ") : "build/sessq";
    size_t n = 1, used = 0;
    for (; args[n - 1]; n++) {
        cr_assert_lt(n, MAX_ARGS, "too many arguments");
        argv[n] = args[n - 1];
        if (used < sizeof r->command - 1)
            used += (size_t)snprintf(r->command + used, sizeof r->command - used, "%s%s",
                                     n > 1 ? " " : "", argv[n]);
    }
    argv[n] = NULL;
    if (input && used < sizeof r->command - 1)
        snprintf(r->command + used, sizeof r->command - used, " < %s", input);

    char out[512], err[512];
    snprintf(out, sizeof out, "%s", at("stdout"));
    snprintf(err, sizeof err, "%s", at("stderr"));
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid = fork();
    cr_assert_neq(pid, -1, "fork: %s", strerror(errno));
    if (pid == 0)
        exec_child(input, out, err, argv);
    wait_child(pid, &t0, r);
    r->out = jr_slurp(out, &r->out_n);
    r->err = jr_slurp(err, &r->err_n);
    cr_assert(r->out && r->err, "cannot read the run's outputs");
    cr_log_info("%.200s: %.2f s, peak %.1f MiB", r->command, r->seconds, r->maxrss_kib / 1024.0);
}

/* run_args() with the arguments after `input`, up to a NULL. */
static void run(run_result *r, const char *input, ...)
{
    const char *args[MAX_ARGS];
    size_t n = 0;
    va_list ap;
    va_start(ap, input);
    while (n < MAX_ARGS - 1 && (args[n] = va_arg(ap, const char *)) != NULL)
        n++;
    va_end(ap);
    args[n] = NULL;
    run_args(r, input, args);
}

static void run_free(run_result *r)
{
    free(r->out);
    free(r->err);
}

/* ---- what the runs must show ---- */

/* Whether the run ended by itself, not by the kill timer or a signal. */
static bool ended(const run_result *r)
{
    cr_expect(!r->timed_out, "%s: still running after %.0f s, killed", r->command, TIME_LIMIT);
    cr_expect(r->timed_out || WIFEXITED(r->wstatus), "%s: killed by signal %d; stderr:\n%.2000s",
              r->command, WTERMSIG(r->wstatus), r->err);
    return !r->timed_out && WIFEXITED(r->wstatus);
}

static void expect_memory(const run_result *r, long mib)
{
    cr_expect_leq(r->maxrss_kib, bound_kib(mib),
                  "%s: peak memory %ld KiB, over the bound of %ld KiB", r->command, r->maxrss_kib,
                  bound_kib(mib));
}

/* Ended with `want`, under `mib` MiB; nothing on standard output if `want` is 65. */
static void expect_exit(const run_result *r, int want, long mib)
{
    cr_assert(ended(r), "%s: no exit status to check", r->command);
    cr_expect_eq(WEXITSTATUS(r->wstatus), want, "%s: exit %d, wanted %d; stderr:\n%.2000s",
                 r->command, WEXITSTATUS(r->wstatus), want, r->err);
    expect_memory(r, mib);
    if (want == SQ_EXIT_DATA)
        cr_expect_eq(r->out_n, 0, "%s: exit 65 with standard output:\n%.500s", r->command, r->out);
}

/* The line of standard error that starts "sessq: NAME:", or NULL. */
static const char *line_naming(const run_result *r, const char *name)
{
    size_t n = strlen(name);
    for (const char *l = r->err; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
        if (!strncmp(l, "sessq: ", 7) && !strncmp(l + 7, name, n) && l[7 + n] == ':')
            return l;
    return NULL;
}

/* Standard error starts "sessq: NAME:". */
static bool names(const run_result *r, const char *name) { return line_naming(r, name) == r->err; }

static void expect_named(const run_result *r, const char *name)
{
    cr_expect(names(r, name), "%s: standard error does not start 'sessq: %s:':\n%.2000s",
              r->command, name, r->err);
}

/* Reads LINE:COLUMN: after "sessq: NAME:" at `l`. */
static bool position_at(const char *l, const char *name, unsigned long *line, unsigned long *column)
{
    const char *p = l + 7 + strlen(name) + 1;
    char *end;
    if (!isdigit((unsigned char)*p))
        return false;
    *line = strtoul(p, &end, 10);
    if (*end != ':' || !isdigit((unsigned char)end[1]))
        return false;
    *column = strtoul(end + 1, &end, 10);
    return end[0] == ':' && end[1] == ' ' && *line > 0 && *column > 0;
}

/* Reads "sessq: NAME:LINE:COLUMN: " at the start of standard error. */
static bool position(const run_result *r, const char *name, unsigned long *line,
                     unsigned long *column)
{
    return names(r, name) && position_at(r->err, name, line, column);
}

static void expect_positioned(const run_result *r, const char *name)
{
    unsigned long line, column;
    cr_expect(position(r, name, &line, &column),
              "%s: standard error does not start 'sessq: %s:LINE:COLUMN: ':\n%.2000s", r->command,
              name, r->err);
}

static void expect_at(const run_result *r, const char *name, unsigned long line,
                      unsigned long column)
{
    unsigned long l = 0, c = 0;
    cr_expect(position(r, name, &l, &c) && l == line && c == column,
              "%s: wanted 'sessq: %s:%lu:%lu: ', got:\n%.2000s", r->command, name, line, column,
              r->err);
}

static void expect_err_has(const run_result *r, const char *text)
{
    cr_expect(strstr(r->err, text) != NULL, "%s: standard error lacks '%s':\n%.2000s", r->command,
              text, r->err);
}

/* `sessq list PATH` fails with 65, positioned, under `mib` MiB. */
static void expect_invalid(const char *path, long mib)
{
    run_result r;
    run(&r, NULL, "list", path, NULL);
    expect_exit(&r, SQ_EXIT_DATA, mib);
    expect_positioned(&r, path);
    run_free(&r);
}

/* `sessq list PATH` fails with 65 at exactly LINE:COLUMN. */
static void expect_invalid_at(const char *path, unsigned long line, unsigned long column)
{
    run_result r;
    run(&r, NULL, "list", path, NULL);
    expect_exit(&r, SQ_EXIT_DATA, 16);
    expect_at(&r, path, line, column);
    run_free(&r);
}

/* `sessq stats -f csv PATH` succeeds under `mib` MiB and counts `sessions`: the first cell of
 * its second line, as there is no --by. */
static void expect_sessions(const char *path, long sessions, long mib)
{
    run_result r;
    run(&r, NULL, "stats", "-f", "csv", path, NULL);
    expect_exit(&r, 0, mib);
    const char *row = strchr(r.out, '\n');
    long got = row ? strtol(row + 1, NULL, 10) : -1;
    cr_expect_eq(got, sessions, "%s: %ld sessions, wanted %ld; output:\n%.500s", r.command, got,
                 sessions, r.out);
    run_free(&r);
}

/* ---- nesting ---- */

Test(hostile, nested_arrays_100k)
{
    expect_invalid(write_nested("arrays.json", "", "[", 100000, "", "]", ""), 16);
}

Test(hostile, nested_arrays_100k_unclosed_in_a_record)
{
    run_result r;
    const char *path =
        write_nested("arrays.json", "[{\"id\":\"1\",\"x\":", "[", 100000, "", "", "");
    run(&r, NULL, "list", path, NULL);
    expect_exit(&r, SQ_EXIT_DATA, 16);
    expect_positioned(&r, path);
    expect_err_has(&r, "nesting deeper than the limit");
    run_free(&r);
}

Test(hostile, nested_objects_100k)
{
    run_result r;
    const char *path = write_nested("objects.json", "", "{\"a\":", 100000, "1", "}", "");
    run(&r, NULL, "list", path, NULL);
    expect_exit(&r, SQ_EXIT_DATA, 16);
    expect_positioned(&r, path);
    expect_err_has(&r, "nesting deeper than the limit");
    run_free(&r);
}

/* Valid JSON at the limit, but arrays of arrays are no response shape. */
Test(hostile, nested_arrays_512_no_shape)
{
    run_result r;
    const char *path = write_nested("512.json", "", "[", SQ_MAX_DEPTH, "", "]", "");
    run(&r, NULL, "list", path, NULL);
    expect_exit(&r, SQ_EXIT_DATA, 16);
    expect_positioned(&r, path);
    cr_expect(!strstr(r.err, "nesting"), "%s: 512 levels are within the limit:\n%s", r.command,
              r.err);
    run_free(&r);
}

Test(hostile, nested_arrays_513)
{
    expect_invalid(write_nested("513.json", "", "[", SQ_MAX_DEPTH + 1, "", "]", ""), 16);
}

/* The record's array and object are 2 of the levels; the unknown key's value takes the rest. */
Test(hostile, nested_512_levels_in_a_record)
{
    const char *path =
        write_nested("512.json", "[{\"id\":\"1\",\"x\":", "[", SQ_MAX_DEPTH - 2, "", "]", "}]");
    expect_sessions(path, 1, 16);
}

Test(hostile, nested_513_levels_in_a_record)
{
    const char *prefix = "[{\"id\":\"1\",\"x\":";
    const char *path = write_nested("513.json", prefix, "[", SQ_MAX_DEPTH - 1, "", "]", "}]");
    run_result r;
    run(&r, NULL, "list", path, NULL);
    expect_exit(&r, SQ_EXIT_DATA, 16);
    expect_at(&r, path, 1, strlen(prefix) + SQ_MAX_DEPTH - 1); /* the 513th '[' */
    expect_err_has(&r, "nesting deeper than the limit");
    run_free(&r);
}

/* The shape reader skips what it does not know; after 400 levels it must be back in step and
 * still read the record's name. */
Test(hostile, nested_unknown_keys_400_levels_in_a_record)
{
    const char *path = write_nested("deep.json", "[{\"id\":\"1\",\"x\":", "{\"k\":[", 200, "1",
                                    "]}", ",\"name\":\"after\"}]");
    run_result r;
    run(&r, NULL, "list", "-f", "csv", "-F", "id,name", path, NULL);
    expect_exit(&r, 0, 16);
    cr_expect_str_eq(r.out, "id,name\r\n\"1\",\"after\"\r\n", "%s", r.command);
    run_free(&r);
}

/* ---- huge tokens: the parser's limit is SQ_MAX_STRING; memory must not follow the input ---- */

static const char *write_huge(const char *name, const char *prefix, int fill, size_t n,
                              const char *suffix)
{
    const char *path = at(name);
    FILE *f = create(path);
    fputs(prefix, f);
    put_fill(f, fill, n);
    fputs(suffix, f);
    finish(f);
    return path;
}

#define HUGE_SIZE ((size_t)200 << 20)

Test(hostile, string_200mb_in_a_name)
{
    const char *prefix = "[{\"id\":\"1\",\"name\":\"";
    const char *path = write_huge("string.json", prefix, 'x', HUGE_SIZE, "\"}]");
    run_result r;
    run(&r, NULL, "list", path, NULL);
    expect_exit(&r, SQ_EXIT_DATA, 150);
    expect_at(&r, path, 1, strlen(prefix)); /* where the string starts */
    run_free(&r);
}

/* `check` goes on past damaged inputs, but must not keep more of this one. */
Test(hostile, string_200mb_through_check)
{
    const char *prefix = "[{\"id\":\"1\",\"name\":\"";
    const char *path = write_huge("string.json", prefix, 'x', HUGE_SIZE, "\"}]");
    run_result r;
    run(&r, NULL, "check", path, NULL);
    expect_exit(&r, SQ_EXIT_FINDINGS, 150);
    char want[600];
    snprintf(want, sizeof want, "%s:1:%zu: error: invalid-json: ", path, strlen(prefix));
    cr_expect(!strncmp(r.out, want, strlen(want)), "%s: wanted '%s', got:\n%.2000s", r.command,
              want, r.out);
    run_free(&r);
}

Test(hostile, string_200mb_under_an_unknown_key)
{
    expect_invalid(write_huge("string.json", "[{\"id\":\"1\",\"zz\":\"", 'x', HUGE_SIZE, "\"}]"),
                   150);
}

Test(hostile, key_200mb)
{
    expect_invalid(write_huge("key.json", "[{\"id\":\"1\",\"", 'k', HUGE_SIZE, "\":1}]"), 150);
}

Test(hostile, number_200mb)
{
    expect_invalid(write_huge("number.json", "[{\"id\":\"1\",\"progress\":1", '0', HUGE_SIZE, "}]"),
                   150);
}

/* The limit itself is allowed: the name is kept, so this one may take a few times its size. */
Test(hostile, string_at_the_limit)
{
    expect_sessions(
        write_huge("limit.json", "[{\"id\":\"1\",\"name\":\"", 'x', SQ_MAX_STRING, "\"}]"), 1, 256);
}

Test(hostile, string_one_byte_over_the_limit)
{
    expect_invalid(
        write_huge("over.json", "[{\"id\":\"1\",\"name\":\"", 'x', SQ_MAX_STRING + 1, "\"}]"), 150);
}

/* ---- sizes and counts ---- */

Test(hostile, whitespace_10mb_then_empty_array)
{
    expect_sessions(write_huge("spaces.json", "", ' ', 10u << 20, "[]"), 0, 16);
}

Test(hostile, thousand_documents)
{
    const char *path = at("docs.json");
    FILE *f = create(path);
    put_times(f, "[]", 1000);
    finish(f);
    expect_sessions(path, 0, 16);
}

Test(hostile, hundred_thousand_sessions)
{
    const char *path = at("many.json");
    FILE *f = create(path);
    fputs("[", f);
    for (int i = 0; i < 100000; i++)
        fprintf(f, "%s{\"id\":\"%d\"}", i ? "," : "", i);
    fputs("]", f);
    finish(f);
    expect_sessions(path, 100000, 64);
}

/* One line of about 50 MB of full restore sessions. */
Test(hostile, line_50mb_of_sessions)
{
    const char *path = at("line.json");
    FILE *f = create(path);
    long count = 0;
    fputs("[", f);
    for (long written = 0; written < 50000000; count++) {
        int n =
            fprintf(f,
                    "%s{\"id\":\"%ld\",\"name\":\"Restore session %ld\",\"type\":\"Vex\","
                    "\"state\":\"Stopped\",\"result\":\"Success\","
                    "\"creationTime\":\"2022-01-28T10:00:00.1234567Z\","
                    "\"endTime\":\"2022-01-28T11:00:00Z\",\"details\":\"%ld item(s) processed\"}",
                    count ? "," : "", count, count, count);
        cr_assert_gt(n, 0);
        written += n;
    }
    fputs("]", f);
    finish(f);
    expect_sessions(path, count, 128);
}

/* Columns are counted per chunk: they must still be right 50 MB into a line. */
Test(hostile, error_50mb_into_a_line)
{
    expect_invalid_at(write_huge("wide.json", "[", ' ', 50000000, "x"), 1, 50000002);
}

Test(hostile, error_after_a_million_lines)
{
    expect_invalid_at(write_huge("tall.json", "", '\n', 1000000, "x"), 1000001, 1);
}

Test(hostile, crlf_counts_as_one_line_break)
{
    const char *path = at("crlf.json");
    FILE *f = create(path);
    put_times(f, "\r\n", 1000);
    fputs("x", f);
    finish(f);
    expect_invalid_at(path, 1001, 1);
}

/* é, € and 😀 are 2, 3 and 4 bytes but one column each. */
Test(hostile, columns_count_characters)
{
    expect_invalid_at(
        write_text("chars.json", "[{\"id\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\", x}]"), 1, 15);
}

Test(hostile, key_repeated_a_million_times)
{
    const char *path = at("repeat.json");
    FILE *f = create(path);
    fputs("[{\"id\":\"1\"", f);
    put_times(f, ",\"name\":\"x\"", 999999);
    fputs(",\"name\":\"last\"}]", f);
    finish(f);
    run_result r;
    run(&r, NULL, "list", "-f", "csv", "-F", "id,name", path, NULL);
    expect_exit(&r, 0, 16);
    cr_expect_str_eq(r.out, "id,name\r\n\"1\",\"last\"\r\n", "%s: the last value wins", r.command);
    run_free(&r);
}

Test(hostile, million_distinct_unknown_keys)
{
    const char *path = at("keys.json");
    FILE *f = create(path);
    fputs("[{\"id\":\"1\"", f);
    for (int i = 0; i < 1000000; i++)
        fprintf(f, ",\"k%d\":%d", i, i);
    fputs("}]", f);
    finish(f);
    expect_sessions(path, 1, 16);
}

/* Ten files holding the same 20,000 sessions with 400-byte names: the table keeps one copy
 * (about 12 MiB), a log read ahead by another thread a whole file's. Under --max-memory 16M, -j 2
 * must give what -j 1 gives, and the logs read ahead must fit in what the table leaves: the
 * files a thread cannot read ahead are read by the main thread in their turn. Table and logs
 * then stay under twice the limit; unbound, the logs of the four or so files read ahead took
 * over 60 MiB. */
Test(hostile, max_memory_bounds_what_threads_read_ahead)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s", at("ahead"));
    cr_assert_eq(mkdir(dir, 0700), 0);
    char name[401];
    memset(name, 'x', 400);
    name[400] = '\0';
    for (int file = 0; file < 10; file++) {
        char path[600];
        snprintf(path, sizeof path, "%s/page%d.json", dir, file);
        FILE *f = create(path);
        fputs("[", f);
        for (int i = 0; i < 20000; i++)
            fprintf(f, "%s{\"id\":\"%d\",\"name\":\"%s %d\",\"result\":\"Success\"}", i ? "," : "",
                    i, name, i);
        fputs("]", f);
        finish(f);
    }
    run_result one, two;
    run(&one, NULL, "stats", "-f", "csv", "-q", "-j", "1", "--max-memory", "16M", dir, NULL);
    expect_exit(&one, 0, 24);
    run(&two, NULL, "stats", "-f", "csv", "-q", "-j", "2", "--max-memory", "16M", dir, NULL);
    expect_exit(&two, 0, 32);
    cr_expect(one.out_n == two.out_n && !memcmp(one.out, two.out, one.out_n),
              "-j 2 gave:\n%.500s\n-j 1 gave:\n%.500s", two.out, one.out);
    cr_expect(strstr(one.out, "\n20000,"), "20,000 sessions:\n%.500s", one.out);
    run_free(&one);
    run_free(&two);
}

/* ---- truncated and broken documents ---- */

Test(hostile, lone_open_bracket) { expect_invalid_at(write_text("open.json", "["), 1, 2); }

Test(hostile, lone_open_bracket_on_standard_input)
{
    run_result r;
    run(&r, write_text("open.json", "["), "list", "-", NULL);
    expect_exit(&r, SQ_EXIT_DATA, 16);
    expect_at(&r, "<stdin>", 1, 2);
    run_free(&r);
}

Test(hostile, results_without_a_value)
{
    expect_invalid(write_text("results.json", "{\"results\":"), 16);
}

Test(hostile, results_array_unclosed)
{
    expect_invalid(write_text("results.json", "{\"results\":["), 16);
}

Test(hostile, empty_file) { expect_invalid(write_text("empty.json", ""), 16); }

Test(hostile, utf8_bom_only) { expect_invalid(write_text("bom.json", "\xef\xbb\xbf"), 16); }

Test(hostile, nul_between_values)
{
    static const char doc[] = "[{\"id\":\"1\"},\0{\"id\":\"2\"}]";
    expect_invalid_at(write_bytes("nul.json", doc, sizeof doc - 1), 1, 13);
}

Test(hostile, nul_inside_a_string)
{
    static const char doc[] = "[{\"id\":\"1\",\"name\":\"a\0b\"}]";
    expect_invalid_at(write_bytes("nul.json", doc, sizeof doc - 1), 1, 21);
}

Test(hostile, valid_document_then_garbage)
{
    expect_invalid_at(write_text("trail.json", "[{\"id\":\"1\"}] garbage"), 1, 14);
}

/* The README: bytes in a string that are not UTF-8 read as U+FFFD, the session is kept, and a
 * note on standard error points to `sessq check`. How many U+FFFD a bad sequence gives is left
 * open: the name must be "a", then only U+FFFD, then "b". */
static void expect_replaced(const char *path)
{
    static const char head[] = "id,name\r\n\"1\",\"a", fffd[] = "\xef\xbf\xbd", tail[] = "b\"\r\n";
    run_result r;
    run(&r, NULL, "list", "-f", "csv", "-F", "id,name", path, NULL);
    expect_exit(&r, 0, 16);
    const char *p = r.out;
    bool ok = !strncmp(p, head, strlen(head));
    p += ok ? strlen(head) : 0;
    size_t replaced = 0;
    for (; ok && !strncmp(p, fffd, 3); p += 3)
        replaced++;
    cr_expect(ok && replaced > 0 && !strcmp(p, tail), "%s: wanted the name a, U+FFFD, b:\n%s",
              r.command, r.out);
    expect_err_has(&r, "invalid-utf8");
    run_free(&r);
}

Test(hostile, invalid_utf8_in_a_string)
{
    static const char *const bad[] = {
        "\xff",             /* never in UTF-8 */
        "\x80",             /* a continuation byte alone */
        "\xc0\xaf",         /* overlong '/' */
        "\xed\xa0\x80",     /* a surrogate, U+D800 */
        "\xf4\x90\x80\x80", /* beyond U+10FFFF */
        "\xe2\x82",         /* cut short by the closing quote */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char doc[64], name[32];
        snprintf(doc, sizeof doc, "[{\"id\":\"1\",\"name\":\"a%sb\"}]", bad[i]);
        snprintf(name, sizeof name, "utf8-%zu.json", i);
        expect_replaced(write_text(name, doc));
    }
}

/* Outside a string, a byte that is not UTF-8 is simply not JSON. */
Test(hostile, invalid_utf8_between_values)
{
    expect_invalid_at(write_text("utf8.json", "[{\"id\":\"1\"},\xff{\"id\":\"2\"}]"), 1, 13);
}

/* `check` lists at most 1,000 findings of one code, then a summary line; the other 99,000 are
 * only counted, so its memory must not follow them. */
Test(hostile, invalid_utf8_in_100k_sessions_through_check)
{
    const char *path = at("utf8.json");
    FILE *f = create(path);
    fputs("[", f);
    for (int i = 0; i < 100000; i++)
        fprintf(f, "%s{\"id\":\"%d\",\"name\":\"a\xff\"}", i ? "," : "", i);
    fputs("]", f);
    finish(f);
    run_result r;
    run(&r, NULL, "check", path, NULL);
    expect_exit(&r, 0, 64);
    size_t lines = 0;
    for (const char *p = r.out; (p = strchr(p, '\n')); p++)
        lines++;
    cr_expect_eq(lines, 1001, "%s: %zu lines, wanted 1,000 findings and a summary", r.command,
                 lines);
    run_free(&r);
}

/* ---- garbage and encodings ---- */

Test(hostile, random_binary_1mb)
{
    static unsigned char data[1 << 20];
    uint64_t x = 0x9e3779b97f4a7c15u; /* fixed seed: xorshift64 */
    for (size_t i = 0; i < sizeof data; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        data[i] = (unsigned char)(x >> 56);
    }
    const char *path = write_bytes("random.json", data, sizeof data);
    run_result r;
    run(&r, NULL, "list", path, NULL);
    expect_exit(&r, SQ_EXIT_DATA, 16);
    expect_named(&r, path);
    if (strstr(r.err, "invalid JSON"))
        expect_positioned(&r, path);
    run_free(&r);
}

/* An endless stream of NUL bytes must be refused at once, not read forever. */
Test(hostile, dev_zero)
{
    run_result r;
    run(&r, NULL, "list", "/dev/zero", NULL);
    expect_exit(&r, SQ_EXIT_DATA, 16);
    expect_positioned(&r, "/dev/zero");
    run_free(&r);
}

/* Corrupt data, not an unreadable file: 65, naming the file. */
static void expect_corrupt(const char *path)
{
    run_result r;
    run(&r, NULL, "list", path, NULL);
    expect_exit(&r, SQ_EXIT_DATA, 16);
    expect_named(&r, path);
    run_free(&r);
}

Test(hostile, utf16le_with_bom_and_an_odd_final_byte)
{
    static const char doc[] = "\xff\xfe[\0{\0\"\0i\0d\0\"\0:\0\"\0\x31\0\"\0}\0]\0\n";
    expect_corrupt(write_bytes("odd.json", doc, sizeof doc - 1));
}

Test(hostile, utf16le_without_bom_and_an_odd_final_byte)
{
    static const char doc[] = "[\0{\0\"\0i\0d\0\"\0:\0\"\0\x31\0\"\0}\0]\0\n";
    expect_corrupt(write_bytes("odd.json", doc, sizeof doc - 1));
}

/* An unpaired surrogate reads as U+FFFD, as the escape "\ud800" does. */
Test(hostile, utf16le_unpaired_surrogate)
{
    static const char doc[] = "\xff\xfe[\0{\0\"\0i\0d\0\"\0:\0\"\0\x00\xd8\"\0}\0]\0";
    expect_sessions(write_bytes("lone.json", doc, sizeof doc - 1), 1, 16);
}

Test(hostile, gzip_header_then_garbage)
{
    static const char data[] = "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03"
                               "this is not a deflate stream at all, not even close";
    expect_corrupt(write_bytes("garbage.json.gz", data, sizeof data - 1));
}

Test(hostile, gzip_cut_in_half)
{
    const char *path = at("cut.json.gz");
    FILE *f = create(path);
    gz_member g;
    gz_begin(&g, f, Z_DEFAULT_STRATEGY);
    gz_put(&g, "[");
    for (int i = 0; i < 100000; i++) {
        char rec[64];
        snprintf(rec, sizeof rec, "%s{\"id\":\"%d\"}", i ? "," : "", i);
        gz_put(&g, rec);
    }
    gz_put(&g, "]");
    gz_end(&g);
    finish(f);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(truncate(path, st.st_size / 2), 0);
    expect_corrupt(path);
}

Test(hostile, gzip_thousand_members)
{
    const char *path = at("members.json.gz");
    FILE *f = create(path);
    for (int i = 0; i < 1000; i++) {
        char rec[64];
        gz_member g;
        gz_begin(&g, f, Z_DEFAULT_STRATEGY);
        snprintf(rec, sizeof rec, "[{\"id\":\"%d\"}]\n", i);
        gz_put(&g, rec);
        gz_end(&g);
    }
    finish(f);
    expect_sessions(path, 1000, 16);
}

/* 1 GiB of spaces in about 1 MB, then one session: read to the end in bounded memory. Under
 * the sanitizers 256 MiB: the 1 GiB takes 20 s there. */
Test(hostile, gzip_bomb_of_spaces)
{
    const char *path = at("bomb.json.gz");
    FILE *f = create(path);
    gz_member g;
    gz_begin(&g, f, Z_RLE);
    gz_fill(&g, ' ', (size_t)(sanitized() ? 256 : 1024) << 20);
    gz_put(&g, "[{\"id\":\"bomb\"}]");
    gz_end(&g);
    finish(f);
    expect_sessions(path, 1, 16);
}

/* ---- paths ---- */

Test(hostile, directory_without_dumps)
{
    const char *dir = at("nodumps");
    cr_assert_eq(mkdir(dir, 0700), 0);
    write_text("nodumps/notes.txt", "[]");
    run_result r;
    run(&r, NULL, "list", dir, NULL);
    expect_exit(&r, SQ_EXIT_DATA, 16);
    expect_named(&r, dir);
    run_free(&r);
}

Test(hostile, path_that_does_not_exist)
{
    const char *path = at("missing.json");
    run_result r;
    run(&r, NULL, "list", path, NULL);
    expect_exit(&r, SQ_EXIT_NOINPUT, 16);
    expect_named(&r, path);
    run_free(&r);
}

Test(hostile, unreadable_file_in_a_directory)
{
    if (geteuid() == 0) {
        remove_work(); /* a skipped test gets no .fini */
        cr_skip_test("root can read any file");
    }
    const char *dir = at("locked");
    cr_assert_eq(mkdir(dir, 0700), 0);
    const char *path = write_text("locked/a.json", "[]");
    cr_assert_eq(chmod(path, 0), 0);
    run_result r;
    run(&r, NULL, "list", dir, NULL);
    expect_exit(&r, SQ_EXIT_NOINPUT, 16);
    expect_named(&r, path);
    run_free(&r);
}

/* A directory holding a link to itself: the walk must end. */
Test(hostile, directory_with_a_symlink_loop)
{
    const char *dir = at("loop");
    cr_assert_eq(mkdir(dir, 0700), 0);
    write_text("loop/a.json", "[{\"id\":\"1\"}]");
    cr_assert_eq(symlink(".", at("loop/again")), 0);
    expect_sessions(dir, 1, 16);
}

/* A FIFO named like a dump (as a tar archive can hold) must not block the walk; whether it is
 * passed over (no dumps: 65) or refused (66) is the program's choice. */
Test(hostile, directory_with_a_fifo)
{
    const char *dir = at("fifo");
    cr_assert_eq(mkdir(dir, 0700), 0);
    cr_assert_eq(mkfifo(at("fifo/a.json"), 0600), 0);
    run_result r;
    run(&r, NULL, "list", dir, NULL);
    cr_assert(ended(&r), "%s: no exit status to check", r.command);
    int status = WEXITSTATUS(r.wstatus);
    cr_expect(status == SQ_EXIT_DATA || status == SQ_EXIT_NOINPUT, "%s: exit %d; stderr:\n%s",
              r.command, status, r.err);
    expect_named(&r, status == SQ_EXIT_DATA ? dir : at("fifo/a.json"));
    run_free(&r);
}

/* ---- values at and past every range, for UBSan to watch the conversions and sums ---- */

Test(hostile, extreme_values)
{
    const char *path = write_text(
        "extreme.json",
        "[{\"id\":1e400,\"progress\":1e999999999,\"usn\":-99999999999999999999999,"
        "\"processedObjects\":18446744073709551616,"
        "\"creationTime\":\"9999-12-31T23:59:59.9999999-14:00\","
        "\"endTime\":\"0000-01-01T00:00:00+14:00\"},"
        "{\"id\":\"2\",\"creationTime\":\"/Date(-99999999999999999999)/\","
        "\"endTime\":\"/Date(9223372036854775807)/\","
        "\"details\":\"99999999999999999999999 item(s) processed\"},"
        "{\"id\":\"3\",\"executionDuration\":1e308,\"executionStartTime\":\"0001-01-01T00:00:00Z\"},"
        "{\"id\":\"4\",\"executionDuration\":\"10675199.02:48:05.4775807\"},"
        "{\"id\":\"5\",\"executionDuration\":\"99999999999999.23:59:59.9999999\"},"
        "{\"id\":\"6\",\"executionDuration\":-1e308,"
        "\"backupJobInfo\":{\"protectedInstances\":9223372036854775808}},"
        "{\"id\":\"7\",\"executionDuration\":\"-10675199.02:48:05.4775808\","
        "\"creationTime\":\"/Date(-9223372036854775808+9959)/\"},"
        "{\"id\":\"8\",\"progress\":\"99999999999999999999\",\"creationTime\":\"2022-02-30T25:61:61Z\"},"
        "{\"id\":\"9\",\"executionDuration\":\"10675199.02:48:05.4775807\","
        "\"processedObjects\":9223372036854775807,\"retrievalId\":\"r\"},"
        "{\"id\":\"10\",\"executionDuration\":\"10675199.02:48:05.4775807\","
        "\"processedObjects\":9223372036854775807,\"retrievalId\":\"r\"},"
        "{\"id\":\"11\",\"creationTime\":\"9999-12-31T23:59:59.9999999Z\","
        "\"endTime\":\"0001-01-01T00:00:00Z\"},"
        "{\"id\":\"12\",\"creationTime\":\"9999-12-31T23:59:59.9999999Z\","
        "\"endTime\":\"0001-01-01T00:00:00Z\"},"
        "{\"id\":\"13\",\"creationTime\":\"0001-01-01T00:00:00Z\","
        "\"endTime\":\"9999-12-31T23:59:59.9999999Z\"}]");
    run_result r;
    run(&r, NULL, "list", "-f", "ndjson", "--sort", "-duration,processed_objects", path, NULL);
    expect_exit(&r, 0, 16);
    run_free(&r);
    run(&r, NULL, "stats", "-f", "csv", "--by", "source,day", path, NULL);
    expect_exit(&r, 0, 16);
    run_free(&r);
}

/* ---- hostile command lines: a deep --where and a backtracking pattern ---- */

Test(hostile, where_nested_10k_parentheses)
{
    static char expr[24000];
    size_t n = 0;
    for (int i = 0; i < 10000; i++)
        expr[n++] = '(';
    n += (size_t)snprintf(expr + n, sizeof expr - n, "id == 1");
    for (int i = 0; i < 10000; i++)
        expr[n++] = ')';
    expr[n] = '\0';
    run_result r;
    run(&r, NULL, "list", "--where", expr, write_text("one.json", "[{\"id\":\"1\"}]"), NULL);
    expect_exit(&r, SQ_EXIT_USAGE, 16);
    expect_err_has(&r, "sessq: --where: column");
    run_free(&r);
}

Test(hostile, where_10k_nots)
{
    static char expr[48000];
    size_t n = 0;
    for (int i = 0; i < 10000; i++)
        n += (size_t)snprintf(expr + n, sizeof expr - n, "not ");
    snprintf(expr + n, sizeof expr - n, "id == 1");
    run_result r;
    run(&r, NULL, "list", "--where", expr, write_text("one.json", "[{\"id\":\"1\"}]"), NULL);
    expect_exit(&r, SQ_EXIT_USAGE, 16);
    expect_err_has(&r, "sessq: --where: column");
    run_free(&r);
}

Test(hostile, backtracking_pattern)
{
    const char *path = write_text(
        "redos.json", "[{\"id\":\"1\",\"name\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\"}]");
    run_result r;
    run(&r, NULL, "list", "-f", "csv", "--match", "name=^(a+)+$", path, NULL);
    expect_exit(&r, 0, 16);
    run_free(&r);
}

/* ---- JSONTestSuite's test_parsing through `sessq list` ---- */

/* `[][]` is two documents, which sessq reads one after another (README: Inputs). */
static bool several_documents(const char *name)
{
    return !strcmp(name, "n_structure_double_array.json");
}

/* Whether the README's rule reads the file as UTF-16: a byte-order mark FF FE or FE FF, or one NUL
 * in the first two bytes. Damaged UTF-16 is corrupt input, named but with no LINE:COLUMN. */
static bool read_as_utf16(const char *path)
{
    unsigned char b[2] = {1, 1};
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    size_t n = fread(b, 1, 2, f);
    fclose(f);
    return n == 2 &&
           ((b[0] == 0xff && b[1] == 0xfe) || (b[0] == 0xfe && b[1] == 0xff) || (!b[0] != !b[1]));
}

/* Whether the line at `l` (up to its newline) contains `text`. */
static bool line_has(const char *l, const char *text)
{
    char line[4096];
    size_t n = strcspn(l, "\n");
    snprintf(line, sizeof line, "%.*s", (int)n, l);
    return strstr(line, text) != NULL;
}

/* The verdict on one file, from whether sessq refused it and the line of standard error that
 * names it (NULL: none). y_: valid JSON, so read, or refused for no known shape but never as
 * invalid JSON; n_: refused with a position (for UTF-16, whenever the line says "invalid JSON");
 * i_: either way, cleanly. */
static void expect_verdict(const char *command, const char *name, const char *path, bool refused,
                           const char *line)
{
    cr_expect(refused || name[0] != 'n' || several_documents(name), "%s: %s accepted", command,
              name);
    if (!refused)
        return;
    cr_expect_not_null(line, "%s: no message names %s", command, path);
    unsigned long l, c;
    if (line && name[0] == 'n' && (!read_as_utf16(path) || line_has(line, "invalid JSON")))
        cr_expect(position_at(line, path, &l, &c), "%s: no LINE:COLUMN in:\n%.*s", command,
                  (int)strcspn(line, "\n"), line);
    if (line && name[0] == 'y')
        cr_expect(!line_has(line, "invalid JSON"), "%s: valid JSON refused:\n%.*s", command,
                  (int)strcspn(line, "\n"), line);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of the suite's files, sorted, NULL-terminated; *count set. */
static char **suite_files(size_t *count)
{
    DIR *d = opendir(SUITE_DIR);
    cr_assert_not_null(d, SUITE_DIR " is missing");
    char **names = calloc(MAX_ARGS, sizeof *names);
    cr_assert_not_null(names);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len > 5 && !strcmp(e->d_name + len - 5, ".json")) {
            cr_assert_lt(n, MAX_ARGS - 8, "more files in " SUITE_DIR " than MAX_ARGS allows");
            names[n] = strdup(e->d_name);
            cr_assert_not_null(names[n++]);
        }
    }
    closedir(d);
    cr_assert_gt(n, 300, "only %zu files in " SUITE_DIR, n);
    qsort(names, n, sizeof *names, by_name);
    *count = n;
    return names;
}

/* SUITE_DIR/NAME, malloc'ed. */
static char *suite_path(const char *name)
{
    size_t n = sizeof SUITE_DIR + 1 + strlen(name);
    char *path = malloc(n);
    cr_assert_not_null(path);
    snprintf(path, n, SUITE_DIR "/%s", name);
    return path;
}

static void free_names(char **names)
{
    for (char **p = names; *p; p++)
        free(*p);
    free(names);
}

/* `sessq list FILE`, one run per file: 0 or 65, nothing on standard output with 65, and the
 * message first on standard error. */
Test(hostile, jsontestsuite_one_run_per_file, .timeout = 120)
{
    if (sanitized()) {
        remove_work(); /* a skipped test gets no .fini */
        cr_skip_test("318 starts of the ASan build take a minute: see jsontestsuite_in_one_run");
    }
    size_t count;
    char **names = suite_files(&count);
    for (size_t i = 0; i < count; i++) {
        char *path = suite_path(names[i]);
        run_result r;
        run(&r, NULL, "list", path, NULL);
        if (ended(&r)) {
            int status = WEXITSTATUS(r.wstatus);
            cr_expect(status == 0 || status == SQ_EXIT_DATA, "%s: exit %d; stderr:\n%.2000s",
                      r.command, status, r.err);
            expect_memory(&r, 16);
            if (status == SQ_EXIT_DATA) {
                cr_expect_eq(r.out_n, 0, "%s: exit 65 with standard output", r.command);
                expect_named(&r, path);
            }
            expect_verdict(r.command, names[i], path, status == SQ_EXIT_DATA,
                           status == SQ_EXIT_DATA ? line_naming(&r, path) : NULL);
        }
        run_free(&r);
        free(path);
    }
    free_names(names);
}

/* Every file in one `sessq list -k` run: the reader goes from each damaged file to the next,
 * so no state may leak from one file into the next, and the verdicts are as one run per file. */
Test(hostile, jsontestsuite_in_one_run)
{
    size_t count;
    char **names = suite_files(&count);
    char **paths = calloc(count, sizeof *paths);
    const char *args[MAX_ARGS];
    size_t n = 0;
    cr_assert_not_null(paths);
    args[n++] = "list";
    args[n++] = "-k";
    for (size_t i = 0; i < count; i++) {
        paths[i] = suite_path(names[i]);
        args[n++] = paths[i];
    }
    args[n] = NULL;
    run_result r;
    run_args(&r, NULL, args);
    cr_assert(ended(&r), "%s: no exit status to check", r.command);
    cr_expect_eq(WEXITSTATUS(r.wstatus), SQ_EXIT_DATA, "%s: exit %d", r.command,
                 WEXITSTATUS(r.wstatus));
    expect_memory(&r, 16);
    for (size_t i = 0; i < count; i++) {
        const char *line = line_naming(&r, paths[i]);
        expect_verdict("list -k (all of " SUITE_DIR ")", names[i], paths[i], line != NULL, line);
        free(paths[i]);
    }
    run_free(&r);
    free(paths);
    free_names(names);
}
