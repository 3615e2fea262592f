/* JSONTestSuite's test_parsing, data-driven: the file name says the verdict (y_ accept, n_
 * reject, i_ either way but cleanly). Each file is also parsed byte by byte and in random small
 * chunks, and every chunking must give the same tokens and the same error. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "jsonrun.h"

#define SUITE_DIR "testdata/jsontestsuite/test_parsing"

typedef struct {
    char name[128];
} suite_file;

static int by_name(const void *a, const void *b)
{
    return strcmp(((const suite_file *)a)->name, ((const suite_file *)b)->name);
}

static void free_params(struct criterion_test_params *crp) { cr_free(crp->params); }

ParameterizedTestParameters(conformance, jsontestsuite)
{
    size_t count = 0, cap = 512;
    suite_file *files = cr_malloc(cap * sizeof *files);
    DIR *d = opendir(SUITE_DIR);
    struct dirent *e;
    while (d && files && (e = readdir(d)) && count < cap) {
        size_t n = strlen(e->d_name);
        if (n < 6 || n >= sizeof files->name || strcmp(e->d_name + n - 5, ".json"))
            continue;
        strcpy(files[count++].name, e->d_name);
    }
    if (d)
        closedir(d);
    qsort(files, count, sizeof *files, by_name);
    return cr_make_param_array(suite_file, files, count, free_params);
}

ParameterizedTest(suite_file *f, conformance, jsontestsuite)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", SUITE_DIR, f->name);
    size_t n;
    char *data = jr_slurp(path, &n);
    cr_assert_not_null(data, "cannot read %s", path);

    jr_result whole, bytes, random;
    jr_run(data, n, 0, JR_WHOLE, &whole);
    jr_run(data, n, 0, JR_BYTES, &bytes);
    jr_run(data, n, 0, 7 + (unsigned)n, &random);

    cr_expect_eq(bytes.code, whole.code, "%s: byte-wise code %d vs %d", f->name, bytes.code,
                 whole.code);
    cr_expect_eq(random.code, whole.code, "%s: chunked code %d vs %d", f->name, random.code,
                 whole.code);
    cr_expect_eq(bytes.offset, whole.offset, "%s: error offsets differ", f->name);
    cr_expect_eq(random.offset, whole.offset, "%s: error offsets differ", f->name);
    cr_expect_eq(bytes.line, whole.line, "%s: error lines differ", f->name);
    cr_expect_eq(bytes.column, whole.column, "%s: error columns differ", f->name);
    cr_expect_str_eq(bytes.log ? bytes.log : "", whole.log ? whole.log : "", "%s: tokens differ",
                     f->name);
    cr_expect_str_eq(random.log ? random.log : "", whole.log ? whole.log : "", "%s: tokens differ",
                     f->name);

    /* The scalar, SSE2 and AVX2 scanners give the same tokens, errors and positions (each level
     * the processor lacks falls back to one it has, and is then compared with itself). */
    static const json_simd levels[] = {JSON_SIMD_SCALAR, JSON_SIMD_SSE2, JSON_SIMD_AVX2};
    for (size_t l = 0; l < sizeof levels / sizeof *levels; l++) {
        json_simd used = json_set_simd(levels[l]);
        jr_result other;
        jr_run(data, n, 0, l % 2 ? JR_WHOLE : 11 + (unsigned)n, &other);
        cr_expect_eq(other.code, whole.code, "%s: simd level %d: code %d vs %d", f->name, (int)used,
                     other.code, whole.code);
        cr_expect_eq(other.offset, whole.offset, "%s: simd level %d: offsets differ", f->name,
                     (int)used);
        cr_expect(other.line == whole.line && other.column == whole.column,
                  "%s: simd level %d: positions differ", f->name, (int)used);
        cr_expect_str_eq(other.log ? other.log : "", whole.log ? whole.log : "",
                         "%s: simd level %d: tokens differ", f->name, (int)used);
        jr_free(&other);
    }
    json_set_simd(JSON_SIMD_AUTO);

    if (f->name[0] == 'y')
        cr_expect_eq(whole.code, 0, "%s must be accepted, got: %s at %llu", f->name, whole.message,
                     (unsigned long long)whole.offset);
    else if (f->name[0] == 'n')
        cr_expect_neq(whole.code, 0, "%s must be rejected", f->name);
    if (whole.code) {
        cr_expect_not_null(whole.message);
        cr_expect_leq(whole.offset, n, "%s: error offset past the end", f->name);
        cr_expect_geq(whole.line, 1);
        cr_expect_geq(whole.column, 1);
    }
    jr_free(&whole);
    jr_free(&bytes);
    jr_free(&random);
    free(data);
}

Test(conformance, suite_is_present)
{
    DIR *d = opendir(SUITE_DIR);
    cr_assert_not_null(d, SUITE_DIR " is missing: the conformance tests would silently not run");
    size_t y = 0, n = 0, i = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        y += e->d_name[0] == 'y';
        n += e->d_name[0] == 'n';
        i += e->d_name[0] == 'i';
    }
    closedir(d);
    cr_expect_eq(y, 95);
    cr_expect_eq(n, 188);
    cr_expect_eq(i, 35);
}
