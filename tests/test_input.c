/* test_input.c: the input module: detection, decoding, chunking, errors, directory expansion. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "input.h"

static char tmp[64];

static void make_tmp(void)
{
    strcpy(tmp, "/tmp/sessq-input-XXXXXX");
    cr_assert_not_null(mkdtemp(tmp));
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_tmp(void) { nftw(tmp, remove_one, 16, FTW_DEPTH | FTW_PHYS); }

TestSuite(input, .init = make_tmp, .fini = remove_tmp);

/* tmp joined with `name`, in one of a few rotating static buffers */
static const char *at(const char *name)
{
    static char bufs[4][512];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, sizeof bufs[0], "%s/%s", tmp, name);
    return b;
}

static void write_file(const char *name, const void *data, size_t n)
{
    FILE *f = fopen(at(name), "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(data, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}

static unsigned char *gzip_mem(const void *data, size_t n, size_t *out_n)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    cr_assert_eq(deflateInit2(&z, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, (uLong)n);
    unsigned char *out = malloc(cap);
    cr_assert_not_null(out);
    z.next_in = (unsigned char *)(uintptr_t)data;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_n = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

/* Every chunk of `src`, checked for size, concatenated; -1 if in_read failed (err filled). */
static int drain(in_source *src, unsigned char **out, size_t *out_n, sq_error *err)
{
    size_t n = 0, cap = 1024;
    unsigned char *buf = malloc(cap);
    cr_assert_not_null(buf);
    for (;;) {
        const char *data = NULL;
        size_t len = 0;
        int r = in_read(src, &data, &len, err);
        if (r <= 0) {
            *out = buf;
            *out_n = n;
            return r;
        }
        cr_assert_eq(r, 1);
        cr_assert(len > 0 && len <= SQ_CHUNK_SIZE, "chunk of %zu bytes", len);
        while (n + len > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            cr_assert_not_null(buf);
        }
        memcpy(buf + n, data, len);
        n += len;
    }
}

static void expect_decoded(const char *path, const void *want, size_t want_n)
{
    sq_error err = {0};
    in_source *src = in_open(path, &err);
    cr_assert_not_null(src, "in_open: %s", err.message);
    unsigned char *got;
    size_t n;
    cr_assert_eq(drain(src, &got, &n, &err), 0, "in_read: %s", err.message);
    cr_assert_eq(n, want_n, "decoded %zu bytes, want %zu", n, want_n);
    cr_assert(memcmp(got, want, n) == 0, "decoded bytes differ");
    free(got);
    in_close(src);
}

static void expect_file(const void *stored, size_t n, const void *want, size_t want_n)
{
    write_file("f", stored, n);
    expect_decoded(at("f"), want, want_n);
}

/* The error in_read gives on a file holding `stored`. */
static sq_error read_error(const void *stored, size_t n)
{
    sq_error err = {0};
    write_file("bad", stored, n);
    in_source *src = in_open(at("bad"), &err);
    cr_assert_not_null(src);
    unsigned char *got;
    size_t got_n;
    cr_assert_eq(drain(src, &got, &got_n, &err), -1, "no error reading a bad file");
    free(got);
    sq_error again = {0};
    const char *data;
    size_t len;
    cr_assert_eq(in_read(src, &data, &len, &again), -1, "the error is not repeated");
    cr_assert(again.code == err.code && again.message == err.message && again.offset == err.offset);
    in_close(src);
    return err;
}

/* UTF-16 code units serialized, with an optional BOM. */
static unsigned char *utf16(const uint16_t *units, size_t n, int be, int bom, size_t *out_n)
{
    size_t k = 0;
    unsigned char *out = malloc(2 * n + 2);
    cr_assert_not_null(out);
    for (size_t i = (size_t)!bom; i < n + 1; i++) {
        uint16_t u = i == 0 ? 0xFEFF : units[i - 1];
        out[k++] = (unsigned char)(be ? u >> 8 : u & 0xFF);
        out[k++] = (unsigned char)(be ? u & 0xFF : u >> 8);
    }
    *out_n = k;
    return out;
}

#define LEN(a) (sizeof(a) / sizeof((a)[0]))
#define S(lit) lit, sizeof(lit) - 1

static const uint16_t mixed_units[] = {'{',  '"',    'a',    '"',    ':', '"',
                                       0xE9, 0x20AC, 0xD83D, 0xDE00, '"', '}'};
static const char mixed_utf8[] = "{\"a\":\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"}";

static void expect_utf16(const uint16_t *units, size_t n, int be, int bom, const char *want,
                         size_t want_n)
{
    size_t stored_n;
    unsigned char *stored = utf16(units, n, be, bom, &stored_n);
    expect_file(stored, stored_n, want, want_n);
    free(stored);
}

Test(input, utf8_without_bom) { expect_file(S("[1,\"\xC3\xA9\"]\n"), S("[1,\"\xC3\xA9\"]\n")); }

Test(input, utf8_bom_dropped) { expect_file(S("\xEF\xBB\xBF{\"k\":1}"), S("{\"k\":1}")); }

Test(input, short_files_pass_through)
{
    expect_file(S("1"), S("1"));
    expect_file(S("\xEF\xBB"), S("\xEF\xBB"));
    expect_file(S("\xEF\xBB\xBF"), S(""));
}

Test(input, empty_file_ends_at_once)
{
    write_file("empty.json", "", 0);
    sq_error err = {0};
    in_source *src = in_open(at("empty.json"), &err);
    cr_assert_not_null(src);
    const char *data;
    size_t len;
    cr_assert_eq(in_read(src, &data, &len, &err), 0);
    cr_assert_eq(in_read(src, &data, &len, &err), 0);
    cr_assert_eq(in_bytes_read(src), 0);
    in_close(src);
}

Test(input, utf16le_with_bom) { expect_utf16(mixed_units, LEN(mixed_units), 0, 1, S(mixed_utf8)); }

Test(input, utf16be_with_bom) { expect_utf16(mixed_units, LEN(mixed_units), 1, 1, S(mixed_utf8)); }

Test(input, utf16le_told_by_nul_bytes)
{
    expect_utf16(mixed_units, LEN(mixed_units), 0, 0, S(mixed_utf8));
}

Test(input, utf16be_told_by_nul_bytes)
{
    expect_utf16(mixed_units, LEN(mixed_units), 1, 0, S(mixed_utf8));
}

Test(input, utf16_bom_only_is_empty)
{
    expect_file(S("\xFF\xFE"), S(""));
    expect_file(S("\xFE\xFF"), S(""));
}

Test(input, unpaired_surrogates_become_replacement_characters)
{
    static const uint16_t lone[] = {'[', '"',    0xD800, 'x',    0xDC00, '"',
                                    ',', 0xDBFF, 0xD83D, 0xDE00, 0xDFFF, 0xD800};
    static const char want[] = "[\"\xEF\xBF\xBDx\xEF\xBF\xBD\",\xEF\xBF\xBD\xF0\x9F\x98\x80"
                               "\xEF\xBF\xBD\xEF\xBF\xBD";
    expect_utf16(lone, LEN(lone), 0, 1, S(want));
    expect_utf16(lone, LEN(lone), 1, 1, S(want));
}

Test(input, utf16_odd_final_byte_is_an_error)
{
    sq_error err = read_error(S("\xFF\xFE"
                                "1\0"
                                "2"));
    cr_assert_eq(err.code, IN_ERR_ENCODING);
    cr_assert_str_eq(err.message, "UTF-16 text ends in the middle of a character");
    cr_assert_eq(err.offset, 4);

    err = read_error(S("\xFE\xFF\xD8\x3D\xDE"));
    cr_assert_eq(err.code, IN_ERR_ENCODING);
}

Test(input, gzip_single_member)
{
    size_t gz_n;
    unsigned char *gz = gzip_mem(S("[{\"id\":1},{\"id\":2}]"), &gz_n);
    write_file("one.json.gz", gz, gz_n);

    sq_error err = {0};
    in_source *src = in_open(at("one.json.gz"), &err);
    cr_assert_not_null(src);
    unsigned char *got;
    size_t n;
    cr_assert_eq(drain(src, &got, &n, &err), 0, "%s", err.message);
    cr_assert_eq(n, strlen("[{\"id\":1},{\"id\":2}]"));
    cr_assert(memcmp(got, "[{\"id\":1},{\"id\":2}]", n) == 0);
    cr_assert_eq(in_bytes_read(src), gz_n);
    free(got);
    free(gz);
    in_close(src);
}

Test(input, gzip_concatenated_members)
{
    size_t a_n, b_n, e_n;
    unsigned char *a = gzip_mem(S("{\"n\":1}\n"), &a_n);
    unsigned char *e = gzip_mem("", 0, &e_n);
    unsigned char *b = gzip_mem(S("{\"n\":2}\n"), &b_n);
    unsigned char *all = malloc(a_n + e_n + b_n);
    cr_assert_not_null(all);
    memcpy(all, a, a_n);
    memcpy(all + a_n, e, e_n);
    memcpy(all + a_n + e_n, b, b_n);
    expect_file(all, a_n + e_n + b_n, S("{\"n\":1}\n{\"n\":2}\n"));
    free(a);
    free(b);
    free(e);
    free(all);
}

Test(input, gzip_of_empty_text_ends_at_once)
{
    size_t gz_n;
    unsigned char *gz = gzip_mem("", 0, &gz_n);
    expect_file(gz, gz_n, "", 0);
    free(gz);
}

Test(input, gzip_of_utf16le_with_bom)
{
    size_t u_n, gz_n;
    unsigned char *u = utf16(mixed_units, LEN(mixed_units), 0, 1, &u_n);
    unsigned char *gz = gzip_mem(u, u_n, &gz_n);
    expect_file(gz, gz_n, S(mixed_utf8));
    free(u);
    free(gz);
}

Test(input, gzip_of_utf8_with_bom)
{
    size_t gz_n;
    unsigned char *gz = gzip_mem(S("\xEF\xBB\xBF[]"), &gz_n);
    expect_file(gz, gz_n, S("[]"));
    free(gz);
}

static unsigned char *pseudo_text(size_t n)
{
    unsigned char *p = malloc(n);
    cr_assert_not_null(p);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (unsigned char)(' ' + (x >> 16) % 95);
    }
    return p;
}

Test(input, gzip_corrupt_data)
{
    size_t n = 100000, gz_n;
    unsigned char *text = pseudo_text(n);
    unsigned char *gz = gzip_mem(text, n, &gz_n);
    gz[gz_n / 2] ^= 0x55;
    sq_error err = read_error(gz, gz_n);
    cr_assert_eq(err.code, IN_ERR_GZIP);
    cr_assert_str_eq(err.message, "corrupt gzip data");
    cr_assert(err.offset > 10 && err.offset <= gz_n, "offset %llu of %zu",
              (unsigned long long)err.offset, gz_n);
    free(text);
    free(gz);
}

Test(input, gzip_garbage_after_a_member_is_corrupt)
{
    size_t gz_n;
    unsigned char *gz = gzip_mem(S("[1]"), &gz_n);
    unsigned char *all = malloc(gz_n + 8);
    cr_assert_not_null(all);
    memcpy(all, gz, gz_n);
    memcpy(all + gz_n, "garbage!", 8);
    sq_error err = read_error(all, gz_n + 8);
    cr_assert_eq(err.code, IN_ERR_GZIP);
    cr_assert_str_eq(err.message, "corrupt gzip data");
    cr_assert(err.offset > gz_n && err.offset <= gz_n + 8);
    free(gz);
    free(all);
}

Test(input, gzip_truncated)
{
    static const char truncated[] =
        "truncated gzip data (the file ends inside the compressed stream)";
    size_t n = 100000, gz_n;
    unsigned char *text = pseudo_text(n);
    unsigned char *gz = gzip_mem(text, n, &gz_n);

    sq_error err = read_error(gz, gz_n / 2);
    cr_assert_eq(err.code, IN_ERR_GZIP);
    cr_assert_str_eq(err.message, truncated);
    cr_assert_eq(err.offset, gz_n / 2);

    err = read_error(gz, gz_n - 1); /* only the trailer's last byte missing */
    cr_assert_eq(err.code, IN_ERR_GZIP);
    cr_assert_str_eq(err.message, truncated);

    err = read_error(gz, 2); /* the magic alone */
    cr_assert_eq(err.code, IN_ERR_GZIP);
    cr_assert_str_eq(err.message, truncated);
    free(text);
    free(gz);
}

Test(input, large_file_in_bounded_chunks)
{
    size_t n = 3u << 20, chunks = 0;
    unsigned char *text = pseudo_text(n);
    write_file("big.json", text, n);

    sq_error err = {0};
    in_source *src = in_open(at("big.json"), &err);
    cr_assert_not_null(src);
    size_t off = 0;
    const char *data;
    size_t len;
    int r;
    while ((r = in_read(src, &data, &len, &err)) == 1) {
        cr_assert(len > 0 && len <= SQ_CHUNK_SIZE);
        cr_assert(off + len <= n);
        cr_assert(memcmp(data, text + off, len) == 0, "chunk at %zu differs", off);
        off += len;
        chunks++;
    }
    cr_assert_eq(r, 0);
    cr_assert_eq(off, n);
    cr_assert(chunks >= n / SQ_CHUNK_SIZE);
    cr_assert_eq(in_bytes_read(src), n);
    free(text);
    in_close(src);
}

Test(input, large_gzip_file)
{
    size_t n = 3u << 20, gz_n;
    unsigned char *text = pseudo_text(n);
    unsigned char *gz = gzip_mem(text, n, &gz_n);
    write_file("big.json.gz", gz, gz_n);
    expect_decoded(at("big.json.gz"), text, n);

    sq_error err = {0};
    in_source *src = in_open(at("big.json.gz"), &err);
    unsigned char *got;
    size_t got_n;
    cr_assert_eq(drain(src, &got, &got_n, &err), 0);
    cr_assert_eq(in_bytes_read(src), gz_n);
    free(got);
    in_close(src);
    free(text);
    free(gz);
}

static size_t put_utf8(unsigned char *o, uint32_t c)
{
    if (c < 0x80)
        return o[0] = (unsigned char)c, 1;
    if (c < 0x800)
        return o[0] = (unsigned char)(0xC0 | c >> 6), o[1] = (unsigned char)(0x80 | (c & 63)), 2;
    if (c < 0x10000)
        return o[0] = (unsigned char)(0xE0 | c >> 12), o[1] = (unsigned char)(0x80 | (c >> 6 & 63)),
               o[2] = (unsigned char)(0x80 | (c & 63)), 3;
    o[0] = (unsigned char)(0xF0 | c >> 18);
    o[1] = (unsigned char)(0x80 | (c >> 12 & 63));
    o[2] = (unsigned char)(0x80 | (c >> 6 & 63));
    o[3] = (unsigned char)(0x80 | (c & 63));
    return 4;
}

/* Large UTF-16 text (about 3 MB stored), mostly 3-byte characters so the UTF-8 is longer than
 * its source; a surrogate pair is placed across the first 256 KiB read. */
static void big_utf16(int be, unsigned char **stored, size_t *stored_n, unsigned char **want,
                      size_t *want_n)
{
    static const uint32_t cycle[] = {'a', 0x20AC, 0xE9, 0x1F600, 0x4E2D, 0x10FFFF, '\n', 0x800};
    size_t ncp = 1500000;
    uint16_t *units = malloc(2 * ncp * sizeof *units);
    unsigned char *u8 = malloc(4 * ncp);
    cr_assert(units && u8);
    size_t nu = 0, n8 = 0;
    for (size_t i = 0; i < ncp; i++) {
        /* BOM + 131070 units: the pair's high half ends the first SQ_CHUNK_SIZE read */
        uint32_t c = i < 131070 ? 'x' : i == 131070 ? 0x1F600 : cycle[i % LEN(cycle)];
        if (c >= 0x10000) {
            units[nu++] = (uint16_t)(0xD800 + ((c - 0x10000) >> 10));
            units[nu++] = (uint16_t)(0xDC00 + ((c - 0x10000) & 0x3FF));
        } else {
            units[nu++] = (uint16_t)c;
        }
        n8 += put_utf8(u8 + n8, c);
    }
    *stored = utf16(units, nu, be, 1, stored_n);
    *want = u8;
    *want_n = n8;
    free(units);
}

Test(input, large_utf16_file)
{
    unsigned char *stored, *want;
    size_t stored_n, want_n;
    big_utf16(0, &stored, &stored_n, &want, &want_n);
    expect_file(stored, stored_n, want, want_n);
    free(stored);
    free(want);
}

/* Standard input becomes a pipe fed by a child, `piece` bytes per write with a pause between,
 * so that in_read sees the stream in short reads. */
static pid_t feed_stdin(const void *data, size_t n, size_t piece)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        const unsigned char *p = data;
        struct timespec pause = {0, 2000000};
        close(fds[0]);
        for (size_t off = 0; off < n; off += piece) {
            size_t k = n - off < piece ? n - off : piece;
            if (write(fds[1], p + off, k) != (ssize_t)k)
                _exit(1);
            if (n < 4096)
                nanosleep(&pause, NULL);
        }
        _exit(0);
    }
    close(fds[1]);
    cr_assert_eq(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
    close(fds[0]);
    return pid;
}

static void expect_stdin(const void *stored, size_t n, size_t piece, const void *want,
                         size_t want_n)
{
    pid_t pid = feed_stdin(stored, n, piece);
    expect_decoded("-", want, want_n);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

Test(input, stdin_through_a_pipe)
{
    pid_t pid = feed_stdin(S("[1,2]"), 1);
    sq_error err = {0};
    in_source *src = in_open("-", &err);
    cr_assert_not_null(src);
    cr_assert_str_eq(in_name(src), "<stdin>");
    unsigned char *got;
    size_t n;
    cr_assert_eq(drain(src, &got, &n, &err), 0);
    cr_assert_eq(n, 5);
    cr_assert(memcmp(got, "[1,2]", 5) == 0);
    cr_assert_eq(in_bytes_read(src), 5);
    in_close(src);
    cr_assert_neq(fcntl(STDIN_FILENO, F_GETFD), -1, "in_close closed standard input");
    free(got);
    waitpid(pid, NULL, 0);
}

Test(input, stdin_bom_in_single_bytes) { expect_stdin(S("\xEF\xBB\xBF[true]"), 1, S("[true]")); }

Test(input, stdin_gzip_in_single_bytes)
{
    size_t gz_n;
    unsigned char *gz = gzip_mem(S("{\"results\":[]}"), &gz_n);
    expect_stdin(gz, gz_n, 1, S("{\"results\":[]}"));
    free(gz);
}

Test(input, stdin_utf16_split_inside_code_units)
{
    size_t n;
    unsigned char *be = utf16(mixed_units, LEN(mixed_units), 1, 1, &n);
    expect_stdin(be, n, 3, S(mixed_utf8));
    free(be);
    unsigned char *le = utf16(mixed_units, LEN(mixed_units), 0, 0, &n);
    expect_stdin(le, n, 1, S(mixed_utf8));
    free(le);
}

Test(input, stdin_large_utf16be)
{
    unsigned char *stored, *want;
    size_t stored_n, want_n;
    big_utf16(1, &stored, &stored_n, &want, &want_n);
    expect_stdin(stored, stored_n, 100001, want, want_n);
    free(stored);
    free(want);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

Test(input, read_interrupted_by_a_signal_is_retried)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        struct timespec late = {0, 300000000};
        close(fds[0]);
        nanosleep(&late, NULL);
        _exit(write(fds[1], "[]", 2) == 2 ? 0 : 1);
    }
    close(fds[1]);
    cr_assert_eq(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
    close(fds[0]);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART: read() fails with EINTR */
    sigemptyset(&sa.sa_mask);
    cr_assert_eq(sigaction(SIGALRM, &sa, NULL), 0);
    struct itimerval t = {{0, 0}, {0, 50000}};
    cr_assert_eq(setitimer(ITIMER_REAL, &t, NULL), 0);

    expect_decoded("-", "[]", 2);
    cr_assert_eq(alarms, 1, "the signal did not arrive during the read");
    waitpid(pid, NULL, 0);
}

Test(input, nonexistent_path)
{
    sq_error err = {0};
    cr_assert_null(in_open(at("no-such.json"), &err));
    cr_assert_eq(err.code, IN_ERR_OPEN);
    cr_assert_eq(err.sys_errno, ENOENT);
    cr_assert_str_eq(err.message, "cannot open");
}

Test(input, directory_is_not_a_file)
{
    sq_error err = {0};
    cr_assert_null(in_open(tmp, &err));
    cr_assert_eq(err.code, IN_ERR_OPEN);
    cr_assert_str_eq(err.message, "cannot open");
    cr_assert_eq(err.sys_errno, EISDIR);
}

Test(input, name_is_the_path)
{
    write_file("x.json", "1", 1);
    sq_error err = {0};
    in_source *src = in_open(at("x.json"), &err);
    cr_assert_not_null(src);
    cr_assert_str_eq(in_name(src), at("x.json"));
    in_close(src);
}

/* --- in_open_buffer --- */

/* Decodes `stored` from memory, in an exact-size copy so that the sanitizers catch a read past
 * its end, and compares with `want`; drain() checks every chunk's size. */
static void expect_buffer(const void *stored, size_t n, const void *want, size_t want_n)
{
    unsigned char *copy = malloc(n ? n : 1);
    cr_assert_not_null(copy);
    memcpy(copy, stored, n);
    sq_error err = {0};
    in_source *src = in_open_buffer(copy, n, "buf", &err);
    cr_assert_not_null(src, "in_open_buffer: %s", err.message);
    unsigned char *got;
    size_t got_n;
    cr_assert_eq(drain(src, &got, &got_n, &err), 0, "in_read: %s", err.message);
    cr_assert_eq(got_n, want_n, "decoded %zu bytes, want %zu", got_n, want_n);
    cr_assert(memcmp(got, want, got_n) == 0, "decoded bytes differ");
    cr_assert_eq(in_bytes_read(src), n);
    free(got);
    in_close(src);
    free(copy);
}

Test(input, buffer_plain)
{
    expect_buffer(S("[1,\"\xC3\xA9\"]\n"), S("[1,\"\xC3\xA9\"]\n"));
    expect_buffer(S("\xEF\xBB\xBF{\"k\":1}"), S("{\"k\":1}"));
}

Test(input, buffer_gzip)
{
    size_t gz_n;
    unsigned char *gz = gzip_mem(S("\xEF\xBB\xBF[{\"id\":1},{\"id\":2}]"), &gz_n);
    expect_buffer(gz, gz_n, S("[{\"id\":1},{\"id\":2}]"));
    free(gz);
}

Test(input, buffer_utf16le_with_bom)
{
    size_t u_n;
    unsigned char *u = utf16(mixed_units, LEN(mixed_units), 0, 1, &u_n);
    expect_buffer(u, u_n, S(mixed_utf8));
    free(u);
}

Test(input, buffer_empty)
{
    expect_buffer("", 0, "", 0);
    sq_error err = {0};
    in_source *src = in_open_buffer(NULL, 0, "none", &err);
    cr_assert_not_null(src);
    const char *data;
    size_t len;
    cr_assert_eq(in_read(src, &data, &len, &err), 0);
    cr_assert_eq(in_read(src, &data, &len, &err), 0);
    in_close(src);
}

/* Larger than a chunk, plain and gzip: bounded chunks that concatenate to the text. */
Test(input, buffer_large_in_bounded_chunks)
{
    size_t n = 3 * SQ_CHUNK_SIZE + 17, gz_n;
    unsigned char *text = pseudo_text(n);
    unsigned char *gz = gzip_mem(text, n, &gz_n);
    expect_buffer(text, n, text, n);
    expect_buffer(gz, gz_n, text, n);
    free(text);
    free(gz);
}

Test(input, buffer_large_utf16)
{
    unsigned char *stored, *want;
    size_t stored_n, want_n;
    big_utf16(0, &stored, &stored_n, &want, &want_n);
    expect_buffer(stored, stored_n, want, want_n);
    free(stored);
    free(want);
}

Test(input, buffer_errors_as_from_a_file)
{
    size_t gz_n;
    unsigned char *gz = gzip_mem(S("[1,2,3]"), &gz_n);
    sq_error want = read_error(gz, gz_n - 3);
    sq_error err = {0};
    in_source *src = in_open_buffer(gz, gz_n - 3, "gz", &err);
    cr_assert_not_null(src);
    unsigned char *got;
    size_t got_n;
    cr_assert_eq(drain(src, &got, &got_n, &err), -1);
    cr_assert(err.code == want.code && err.message == want.message && err.offset == want.offset);
    free(got);
    in_close(src);
    free(gz);
}

Test(input, buffer_name_is_copied)
{
    char name[] = "dump.json";
    sq_error err = {0};
    in_source *src = in_open_buffer("1", 1, name, &err);
    cr_assert_not_null(src);
    name[0] = 'X';
    cr_assert_str_eq(in_name(src), "dump.json");
    in_close(src);
}

static void make_dir(const char *name) { cr_assert_eq(mkdir(at(name), 0755), 0); }

static void expect_list(char **got, size_t count, const char *const *want, size_t want_n)
{
    cr_assert_not_null(got);
    cr_assert_eq(count, want_n, "%zu paths, want %zu", count, want_n);
    for (size_t i = 0; i < want_n; i++)
        cr_assert_str_eq(got[i], want[i], "path %zu", i);
    cr_assert_null(got[want_n]);
}

Test(input, expand_walks_and_sorts_directories)
{
    char root[128], slash[128];
    snprintf(root, sizeof root, "%s/d", tmp);
    snprintf(slash, sizeof slash, "%s/d/", tmp);
    make_dir("d");
    make_dir("d/a");
    make_dir("d/a/deeper");
    make_dir("d/e");
    make_dir("d/sub.json");
    static const char *const files[] = {"d/b.json",
                                        "d/B.ndjson",
                                        "d/c.txt",
                                        "d/a/z.json",
                                        "d/a/b.JSON.gz",
                                        "d/a/deeper/x.jsonl",
                                        "d/a/deeper/y.Jsonl.GZ",
                                        "d/a/deeper/notes.md",
                                        "d/w.json.gz.bak",
                                        "d/sub.json/q.ndjson",
                                        "d/json"};
    for (size_t i = 0; i < LEN(files); i++)
        write_file(files[i], "{}", 2);
    cr_assert_eq(symlink(".", at("d/loop")), 0);
    cr_assert_eq(symlink("..", at("d/a/up.json")), 0);
    cr_assert_eq(symlink("b.json", at("d/link.json")), 0);
    cr_assert_eq(symlink("nowhere", at("d/dangling.json")), 0);

    static const char *const found[] = {
        "B.ndjson", "a/b.JSON.gz", "a/deeper/x.jsonl", "a/deeper/y.Jsonl.GZ",
        "a/z.json", "b.json",      "link.json",        "sub.json/q.ndjson"};
    const char *want[2 * LEN(found) + 3];
    char paths[LEN(found)][256];
    size_t k = 0;
    want[k++] = "-";
    for (size_t i = 0; i < LEN(found); i++) {
        snprintf(paths[i], sizeof paths[i], "%s/%s", root, found[i]);
        want[k++] = paths[i];
    }
    want[k++] = at("missing");
    want[k++] = at("d/c.txt");
    for (size_t i = 0; i < LEN(found); i++)
        want[k++] = paths[i];

    const char *args[] = {"-", root, at("missing"), at("d/c.txt"), slash};
    size_t count = 99;
    sq_error err = {0};
    char *bad = NULL;
    char **got = in_expand(args, LEN(args), &count, &err, &bad);
    expect_list(got, count, want, k);
    cr_assert_null(bad);
    in_free_list(got);
}

Test(input, expand_directory_without_matches_gives_nothing)
{
    make_dir("empty");
    write_file("empty/readme.txt", "x", 1);
    const char *args[] = {at("empty")};
    size_t count = 99;
    sq_error err = {0};
    char *bad = NULL;
    char **got = in_expand(args, 1, &count, &err, &bad);
    expect_list(got, count, NULL, 0);
    in_free_list(got);
}

Test(input, expand_nothing)
{
    size_t count = 99;
    sq_error err = {0};
    char *bad = NULL;
    char **got = in_expand(NULL, 0, &count, &err, &bad);
    expect_list(got, count, NULL, 0);
    in_free_list(got);
    in_free_list(NULL);
}

Test(input, expand_leaves_a_missing_directory_to_in_open)
{
    const char *args[] = {at("gone/")};
    size_t count = 0;
    sq_error err = {0};
    char *bad = NULL;
    char **got = in_expand(args, 1, &count, &err, &bad);
    const char *want[] = {at("gone/")};
    expect_list(got, count, want, 1);
    in_free_list(got);
}

Test(input, expand_unreadable_directory)
{
    if (geteuid() == 0) {
        remove_tmp(); /* a skipped test gets no .fini */
        cr_skip_test("root can read any directory");
    }
    make_dir("d");
    make_dir("d/locked");
    write_file("d/a.json", "1", 1);
    cr_assert_eq(chmod(at("d/locked"), 0), 0);
    const char *args[] = {at("d")};
    size_t count = 0;
    sq_error err = {0};
    char *bad = NULL;
    char **got = in_expand(args, 1, &count, &err, &bad);
    chmod(at("d/locked"), 0755);
    cr_assert_null(got);
    cr_assert_eq(err.code, IN_ERR_OPEN);
    cr_assert_eq(err.sys_errno, EACCES);
    cr_assert_not_null(bad);
    cr_assert_str_eq(bad, at("d/locked"));
    free(bad);
}

/* Text of n bytes that is not one repeated pattern, so that gzip output is not tiny. */
static unsigned char *varied_text(size_t n)
{
    unsigned char *t = malloc(n);
    cr_assert_not_null(t);
    unsigned x = 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        t[i] = (unsigned char)('a' + (x >> 16) % 26);
    }
    return t;
}

/* A gzip file is inflated ahead by a thread into a ring of chunks: many chunks' worth must come
 * out whole and in order, also when UTF-16 keeps a few bytes back between chunks. */
Test(input, gzip_many_chunks_inflated_ahead)
{
    size_t n = 9 * SQ_CHUNK_SIZE + 12345, gz_n;
    unsigned char *text = varied_text(n);
    unsigned char *gz = gzip_mem(text, n, &gz_n);
    expect_file(gz, gz_n, text, n);
    free(gz);

    /* UTF-16LE with a BOM: every ASCII byte becomes two, and the text comes back as it was. */
    size_t u_n = 2 * n + 2;
    unsigned char *u = malloc(u_n);
    cr_assert_not_null(u);
    u[0] = 0xFF;
    u[1] = 0xFE;
    for (size_t i = 0; i < n; i++) {
        u[2 + 2 * i] = text[i];
        u[3 + 2 * i] = 0;
    }
    gz = gzip_mem(u, u_n, &gz_n);
    expect_file(gz, gz_n, text, n);
    free(gz);
    free(u);
    free(text);
}

/* A reader that stops early (a JSON error in the first chunk) closes the source while the
 * inflating thread waits for room: closing must not wait for the rest of the file. */
Test(input, gzip_closed_after_the_first_chunk, .timeout = 10)
{
    size_t n = 40 * SQ_CHUNK_SIZE, gz_n;
    unsigned char *text = varied_text(n);
    unsigned char *gz = gzip_mem(text, n, &gz_n);
    write_file("big.gz", gz, gz_n);
    sq_error err = {0};
    in_source *src = in_open(at("big.gz"), &err);
    cr_assert_not_null(src);
    const char *data;
    size_t len;
    cr_assert_eq(in_read(src, &data, &len, &err), 1);
    cr_assert(memcmp(data, text, len) == 0);
    in_close(src);
    free(gz);
    free(text);
}

/* in_tee keeps the stored bytes (compressed, as they came); in_open_fd reads them again through
 * the same decoding. */
Test(input, tee_then_read_the_copy_again)
{
    static const char text[] = "\xEF\xBB\xBF[{\"id\":\"t\"}]";
    size_t gz_n;
    unsigned char *gz = gzip_mem(text, sizeof text - 1, &gz_n);
    write_file("g", gz, gz_n);
    FILE *copy = tmpfile();
    cr_assert_not_null(copy);
    sq_error err = {0};
    in_source *src = in_open(at("g"), &err);
    cr_assert_not_null(src);
    in_tee(src, fileno(copy));
    unsigned char *got;
    size_t n;
    cr_assert_eq(drain(src, &got, &n, &err), 0);
    in_close(src);
    free(got);

    struct stat st;
    cr_assert_eq(fstat(fileno(copy), &st), 0);
    cr_expect_eq((size_t)st.st_size, gz_n, "the copy holds the stored (gzip) bytes");
    cr_assert_eq(lseek(fileno(copy), 0, SEEK_SET), 0);
    src = in_open_fd(fileno(copy), "<stdin>", &err);
    cr_assert_not_null(src);
    cr_expect_str_eq(in_name(src), "<stdin>");
    cr_assert_eq(drain(src, &got, &n, &err), 0);
    cr_expect_eq(n, sizeof text - 4, "decoded again, without the BOM");
    cr_expect_eq(memcmp(got, text + 3, n), 0);
    free(got);
    in_close(src);
    cr_expect_neq(fcntl(fileno(copy), F_GETFD), -1, "the descriptor stays the caller's, open");
    fclose(copy);
    free(gz);
}

Test(input, tee_write_failure_fails_the_read)
{
    write_file("h", "[1]", 3);
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    close(fds[0]); /* writing into a pipe with no reader fails (EPIPE; SIGPIPE ignored here) */
    signal(SIGPIPE, SIG_IGN);
    sq_error err = {0};
    in_source *src = in_open(at("h"), &err);
    cr_assert_not_null(src);
    in_tee(src, fds[1]);
    const char *data;
    size_t len;
    cr_expect_eq(in_read(src, &data, &len, &err), -1);
    cr_expect_eq(err.code, IN_ERR_READ);
    cr_expect_eq(err.sys_errno, EPIPE);
    in_close(src);
    close(fds[1]);
}
