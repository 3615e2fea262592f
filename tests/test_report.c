/* test_report.c: `sessq report` through the real program ($SESSQ, else build/sessq, run from the
 * repository root) on a dump generated here with hostile names: the totals equal `stats`, the
 * hostile text is escaped in both formats, the HTML is well-formed (xmllint) and refers to
 * nothing outside itself, and headless Chromium renders it with no console message into a
 * screenshot that is not blank (kept as build/report-screenshot.png to look at). */
#define _XOPEN_SOURCE 700
#include <criterion/criterion.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "jsonrun.h"

static char work[64];

static const char *prog(void) { return getenv("SESSQ") ? getenv("SESSQ") : "build/sessq"; }

static const char *at(const char *name)
{
    static char bufs[4][256];
    static int next;
    char *b = bufs[next++ % 4];
    snprintf(b, sizeof bufs[0], "%s/%s", work, name);
    return b;
}

/* Runs a shell command line; returns its exit status. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    int status = system(line);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *slurp(const char *path)
{
    size_t n;
    char *s = jr_slurp(path, &n);
    cr_assert_not_null(s, "cannot read %s", path);
    return s;
}

/* Names a session could carry to break a page: markup, a CDATA end, Markdown table and emphasis
 * characters, controls, a C1 control, a noncharacter, text that looks like a reference to
 * something outside. */
static const char *const hostile[] = {
    "<script>alert(1)</script>",
    "\\\"><img src=x onerror=alert(2)>",
    "</title><style>body{display:none}</style>",
    "]]><!-- x --><![CDATA[",
    "a|b|c **bold** _u_ [link](http://evil.example/)",
    "<link rel=stylesheet href=http://evil.example/s.css>",
    "ctl \\u0001\\u0000\\u001b[31m \\u0085 \\uFFFE end",
    "url(http://evil.example/x.png) @import 'http://evil.example/y.css';",
    "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xf0\x9f\x98\x80 &amp; &lt;",
};
#define NHOSTILE (sizeof hostile / sizeof *hostile)

/* A v6 restore envelope of 40 sessions over 20 days: every status, hostile names, types and
 * organizations, two still running, one without a start. */
static void write_dump(const char *path)
{
    static const char *const results[] = {"Success", "Failed", "Warning", "Success", "Failed"};
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    fputs("{\"offset\":0,\"limit\":100,\"setId\":\"s\",\"results\":[\n", fp);
    for (int i = 0; i < 40; i++) {
        const char *name = hostile[i % NHOSTILE];
        bool working = i == 7 || i == 33;
        fprintf(fp,
                "%s{\"id\":\"id-%d-<b>\",\"name\":\"%s\",\"type\":\"%s\",\"organization\":\"%s\","
                "\"initiatedBy\":\"%s\",\"details\":\"%d items processed %s\",",
                i ? "," : "", i, name, hostile[(i + 1) % NHOSTILE], hostile[(i + 2) % NHOSTILE],
                hostile[(i + 3) % NHOSTILE], i, name);
        if (i != 21)
            fprintf(fp, "\"creationTime\":\"2022-03-%02dT%02d:15:00Z\",", 1 + i / 2, i % 24);
        if (working)
            fputs("\"state\":\"Working\"}\n", fp);
        else
            fprintf(fp,
                    "\"endTime\":\"2022-03-%02dT%02d:%02d:30Z\",\"state\":\"Stopped\","
                    "\"result\":\"%s\"}\n",
                    1 + i / 2, i % 24, 15 + i % 40, results[i % 5]);
    }
    fputs("]}\n", fp);
    cr_assert_eq(fclose(fp), 0);
}

static void setup(void)
{
    strcpy(work, "/tmp/sessq-report-XXXXXX");
    cr_assert_not_null(mkdtemp(work));
    write_dump(at("hostile.json"));
}

static void teardown(void) { run("rm -rf %s", work); }

TestSuite(report, .init = setup, .fini = teardown, .timeout = 120);

/* The number after `key` in `text`, or -1. */
static long number_after(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

Test(report, totals_equal_stats)
{
    cr_assert_eq(run("%s report -f md %s >%s", prog(), at("hostile.json"), at("r.md")), 0);
    cr_assert_eq(run("%s stats -f json %s >%s", prog(), at("hostile.json"), at("s.json")), 0);
    char *md = slurp(at("r.md")), *stats = slurp(at("s.json"));
    cr_expect_eq(number_after(md, "**Sessions:** "), number_after(stats, "\"count\":"));
    cr_expect_eq(number_after(md, "**Failures:** "), number_after(stats, "\"failed\":"));
    cr_expect_eq(number_after(md, "**Running now:** "), number_after(stats, "\"running\":"));
    char rate[64];
    snprintf(rate, sizeof rate, "(%ld of %ld finished sessions)",
             number_after(stats, "\"success\":"),
             number_after(stats, "\"count\":") - number_after(stats, "\"running\":"));
    cr_expect_not_null(strstr(md, rate), "no %s", rate);
    cr_expect_eq(number_after(md, "**Sessions:** "), 40);
    cr_expect_eq(number_after(stats, "\"failed\":"), 16); /* i % 5 is 1 or 4 */
    cr_expect_eq(number_after(stats, "\"running\":"), 2);
    free(md);
    free(stats);
}

/* In Markdown, no raw '<' from the dump, and every table row keeps its number of cells. */
Test(report, md_escapes_hostile_text)
{
    cr_assert_eq(run("%s report -f md %s >%s", prog(), at("hostile.json"), at("r.md")), 0);
    char *md = slurp(at("r.md"));
    cr_expect_null(strstr(md, "<script"));
    cr_expect_null(strstr(md, "<img"));
    cr_expect_null(strstr(md, "<link"));
    cr_expect_not_null(strstr(md, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    size_t want = 0;
    for (char *line = strtok(md, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] != '|') {
            want = 0;
            continue;
        }
        size_t pipes = 0;
        for (const char *p = line; *p; p++) {
            if (*p == '\\' && p[1]) {
                p++;
                continue;
            }
            pipes += *p == '|';
        }
        if (want == 0)
            want = pipes; /* the header row */
        cr_expect_eq(pipes, want, "a row of %zu cells under a header of %zu: %s", pipes - 1,
                     want - 1, line);
    }
    free(md);
}

Test(report, html_escapes_and_refers_to_nothing_outside)
{
    cr_assert_eq(run("%s report -o %s %s", prog(), at("r.html"), at("hostile.json")), 0);
    char *html = slurp(at("r.html"));
    cr_expect_eq(strncmp(html, "<!DOCTYPE html>", 15), 0, "-o *.html gives html");
    cr_expect_null(strstr(html, "<script"));
    cr_expect_null(strstr(html, "<img"));
    cr_expect_null(strstr(html, "<link"));
    cr_expect_not_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    /* CSS: one style element, whose url()s are the page's own patterns; no style attributes. */
    char *style = strstr(html, "<style>"), *end = style ? strstr(style, "</style>") : NULL;
    cr_assert(style && end && !strstr(end + 1, "<style"));
    *end = '\0';
    cr_expect_null(strstr(style, "@import"));
    for (const char *p = style; (p = strstr(p, "url(")); p++)
        cr_expect_eq(p[4], '#', "url() to something outside: %.40s", p);
    cr_expect_null(strstr(end + 1, " style="));
    free(html);
    cr_expect_eq(run("xmllint --noout %s", at("r.html")), 0, "the page is not well-formed");
    /* Every attribute that can fetch something points into the page itself; the internal links
     * are counted too, so that the query is seen to find attributes at all. */
    const char *fetching = "local-name()='src' or local-name()='href' or local-name()='srcset' or "
                           "local-name()='action' or local-name()='poster' or local-name()='data'";
    cr_assert_eq(run("xmllint --xpath \"count(//@*[(%s) and not(starts-with(., '#'))])\" %s >%s",
                     fetching, at("r.html"), at("outside")),
                 0);
    cr_assert_eq(
        run("xmllint --xpath \"count(//@*[%s])\" %s >%s", fetching, at("r.html"), at("inside")), 0);
    char *outside = slurp(at("outside")), *inside = slurp(at("inside"));
    cr_expect_eq(atoi(outside), 0, "%s attributes refer outside the page", outside);
    cr_expect_gt(atoi(inside), 5);
    free(outside);
    free(inside);
}

Test(report, format_flag_beats_the_file_name)
{
    cr_assert_eq(run("%s report -f html %s >%s", prog(), at("hostile.json"), at("a")), 0);
    cr_assert_eq(run("%s report -f md -o %s %s", prog(), at("b.html"), at("hostile.json")), 0);
    cr_assert_eq(run("%s report -o %s %s", prog(), at("c.HTM"), at("hostile.json")), 0);
    cr_assert_eq(run("%s report -o %s %s", prog(), at("d.txt"), at("hostile.json")), 0);
    char *a = slurp(at("a")), *b = slurp(at("b.html")), *c = slurp(at("c.HTM")),
         *d = slurp(at("d.txt"));
    cr_expect_eq(strncmp(a, "<!DOCTYPE html>", 15), 0);
    cr_expect_eq(strncmp(b, "# sessq report\n", 15), 0);
    cr_expect_eq(strncmp(c, "<!DOCTYPE html>", 15), 0);
    cr_expect_eq(strncmp(d, "# sessq report\n", 15), 0);
    free(a);
    free(b);
    free(c);
    free(d);
}

Test(report, help_names_every_flag)
{
    cr_assert_eq(run("%s report --help >%s", prog(), at("help")), 0);
    cr_assert_eq(run("%s help report >%s", prog(), at("help2")), 0);
    char *help = slurp(at("help")), *help2 = slurp(at("help2"));
    cr_expect_str_eq(help, help2);
    const char *flags[] = {
        "usage: sessq report", "--format", "--output", "--now", "--top", "--title",
        "--max-memory",        "--since",  "--where"};
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++)
        cr_expect_not_null(strstr(help, flags[i]), "help lacks %s", flags[i]);
    free(help);
    free(help2);
}

/* The HTML page carries the numbers of the Markdown one. */
Test(report, html_and_md_agree)
{
    cr_assert_eq(run("%s report -f html testdata/report/small.json >%s", prog(), at("s.html")), 0);
    char *html = slurp(at("s.html"));
    const char *expected[] = {
        "<dt>Sessions</dt><dd>4</dd>",
        "<dt>Success rate</dt><dd>33.3%<small>1 of 3 finished</small>",
        "<dt>Failures</dt><dd>2<small>Failed or Error</small>",
        "<dt>Running now</dt><dd>1</dd>",
        "<td class=\"x\">Beta &lt;b&gt;|x</td>",
        ("<tr><td class=\"x\">Vex</td><td class=\"n\">2</td><td class=\"n\">1m 00s</td>"
         "<td class=\"n\">1m 00s</td><td class=\"n\">1h 00m</td><td class=\"n\">1h 00m</td></tr>"),
        "<td class=\"t\">2022-03-03 09:00:00</td><td class=\"n\">1h 00m</td>",
        "<title>2022-03-01: 1 failed of 2</title>",
    };
    for (size_t i = 0; i < sizeof expected / sizeof *expected; i++)
        cr_expect_not_null(strstr(html, expected[i]), "no %s", expected[i]);
    free(html);
}

/* ---- the browser ---------------------------------------------------------------------------- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c)
{
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Decodes an 8-bit RGB or RGBA PNG (what Chromium writes) and counts the pixels that are not
 * near white, and the dark ones (text). */
static void png_ink(const char *path, size_t *pixels, size_t *ink, size_t *dark)
{
    size_t n;
    unsigned char *png = (unsigned char *)jr_slurp(path, &n);
    cr_assert_not_null(png, "no screenshot %s", path);
    cr_assert(n > 33 && !memcmp(png, "\x89PNG\r\n\x1a\n", 8), "not a PNG");
    uint32_t w = be32(png + 16), h = be32(png + 20);
    int depth = png[24], type = png[25], interlace = png[28];
    cr_assert(depth == 8 && (type == 2 || type == 6) && !interlace, "PNG %d/%d/%d", depth, type,
              interlace);
    size_t bpp = type == 6 ? 4 : 3, stride = w * bpp;
    unsigned char *z = malloc(n), *raw = malloc((stride + 1) * h);
    cr_assert(z && raw);
    size_t zn = 0;
    for (size_t p = 8; p + 12 <= n;) {
        uint32_t len = be32(png + p);
        if (!memcmp(png + p + 4, "IDAT", 4) && p + 12 + len <= n) {
            memcpy(z + zn, png + p + 8, len);
            zn += len;
        }
        p += 12 + (size_t)len;
    }
    uLongf rawn = (uLongf)((stride + 1) * h);
    cr_assert_eq(uncompress(raw, &rawn, z, zn), Z_OK);
    cr_assert_eq(rawn, (stride + 1) * h);
    *pixels = (size_t)w * h;
    *ink = *dark = 0;
    for (size_t y = 0; y < h; y++) {
        unsigned char *line = raw + y * (stride + 1) + 1, *up = y ? line - stride - 1 : NULL;
        int filter = line[-1];
        for (size_t x = 0; x < stride; x++) {
            int a = x >= bpp ? line[x - bpp] : 0, b = up ? up[x] : 0,
                c = up && x >= bpp ? up[x - bpp] : 0;
            int add = filter == 1   ? a
                      : filter == 2 ? b
                      : filter == 3 ? (a + b) / 2
                      : filter == 4 ? paeth(a, b, c)
                                    : 0;
            line[x] = (unsigned char)(line[x] + add);
        }
        for (size_t x = 0; x < w; x++) {
            const unsigned char *px = line + x * bpp;
            int lum = (px[0] * 3 + px[1] * 6 + px[2]) / 10;
            *ink += lum < 235;
            *dark += lum < 80;
        }
    }
    free(z);
    free(raw);
    free(png);
}

static bool have_chromium(void) { return run("command -v chromium >/dev/null 2>&1") == 0; }

/* Renders `page` headless into `png`; the browser's log goes to `log`. */
static int render(const char *page, const char *png, const char *log, const char *size)
{
    return run("chromium --headless --no-sandbox --disable-gpu --hide-scrollbars "
               "--user-data-dir=%s --enable-logging=stderr --v=0 --window-size=%s "
               "--screenshot=%s file://%s >%s 2>&1",
               at("profile"), size, png, page, log);
}

/* What the page said in the browser's console, or NULL. */
static char *console_line(const char *log)
{
    char *text = slurp(log);
    char *hit = strstr(text, ":CONSOLE");
    char *line = NULL;
    if (hit) {
        char *end = strchr(hit, '\n');
        line = strndup(hit, end ? (size_t)(end - hit) : strlen(hit));
    }
    free(text);
    return line;
}

Test(report, chromium_renders_without_console_messages)
{
    if (!have_chromium())
        cr_skip_test("chromium is not installed (scripts/deps.sh installs it): not rendered");
    /* The console check must see a message when there is one. */
    FILE *fp = fopen(at("noisy.html"), "w");
    cr_assert_not_null(fp);
    fputs("<!DOCTYPE html><html><body><p>x</p><script>console.error('noisy')</script></body>"
          "</html>\n",
          fp);
    fclose(fp);
    cr_assert_eq(render(at("noisy.html"), at("noisy.png"), at("noisy.log"), "400,300"), 0);
    char *noisy = console_line(at("noisy.log"));
    cr_assert_not_null(noisy, "the browser's log shows no console messages at all");
    free(noisy);

    cr_assert_eq(run("%s report --title '<script>alert(\"title\")</script> ticket #42' -o %s %s",
                     prog(), at("r.html"), at("hostile.json")),
                 0);
    cr_assert_eq(render(at("r.html"), at("shot.png"), at("shot.log"), "1200,3200"), 0);
    char *line = console_line(at("shot.log"));
    cr_expect_null(line, "console: %s", line ? line : "");
    free(line);
    size_t pixels, ink, dark;
    png_ink(at("shot.png"), &pixels, &ink, &dark);
    cr_expect_gt(ink * 100, pixels * 3, "the page looks blank: %zu of %zu pixels inked", ink,
                 pixels);
    cr_expect_gt(dark * 1000, pixels, "no text to be seen: %zu dark pixels", dark);
    run("mkdir -p build && cp %s build/report-screenshot.png", at("shot.png"));

    /* A narrow screen renders as well. */
    cr_assert_eq(render(at("r.html"), at("narrow.png"), at("narrow.log"), "390,2400"), 0);
    line = console_line(at("narrow.log"));
    cr_expect_null(line, "console: %s", line ? line : "");
    free(line);
    run("cp %s build/report-screenshot-narrow.png", at("narrow.png"));
}
