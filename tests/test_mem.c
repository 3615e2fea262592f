/* Tests of the big-array memory: contents survive every kind of growth. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mem.h"

static void fill(unsigned char *p, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        p[i] = (unsigned char)(i * 7 + (i >> 12));
}

static bool intact(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (unsigned char)(i * 7 + (i >> 12)))
            return false;
    return true;
}

Test(mem, growth_keeps_contents_from_malloc_to_mapping_and_beyond)
{
    void *p = NULL;
    size_t cap = 0, filled = 0;
    size_t steps[] = {100,
                      5000,
                      MEM_BIG_BYTES - 1,
                      MEM_BIG_BYTES + 1,
                      3 * MEM_BIG_BYTES,
                      9 * MEM_BIG_BYTES + 12345};
    for (size_t i = 0; i < sizeof steps / sizeof *steps; i++) {
        cr_assert_eq(mem_grow(&p, &cap, steps[i]), 0);
        cr_assert_geq(cap, steps[i]);
        cr_assert_eq(cap, mem_next_cap(cap, steps[i]), "no growth when it fits");
        cr_assert(intact(p, filled), "step %zu lost bytes", i);
        fill(p, filled, steps[i]);
        filled = steps[i];
    }
    cr_expect(intact(p, filled));
    cr_expect_eq((uintptr_t)p % MEM_BIG_BYTES, 0, "a mapping starts on a huge page");
    mem_free(p, cap);
}

Test(mem, capacity_at_least_doubles_and_big_ones_are_whole_huge_pages)
{
    cr_expect_eq(mem_next_cap(0, 1), 4096);
    cr_expect_eq(mem_next_cap(4096, 4097), 8192);
    cr_expect_eq(mem_next_cap(8192, 100), 8192);
    size_t big = mem_next_cap(MEM_BIG_BYTES, MEM_BIG_BYTES + 1);
    cr_expect_geq(big, 2 * MEM_BIG_BYTES);
    cr_expect_eq(big % MEM_BIG_BYTES, 0);
}

Test(mem, blocks_small_and_big_are_writable)
{
    unsigned char *small = mem_block(1000);
    unsigned char *big = mem_block(3 * MEM_BIG_BYTES + 5);
    cr_assert(small && big);
    fill(small, 0, 1000);
    fill(big, 0, 3 * MEM_BIG_BYTES + 5);
    cr_expect(intact(small, 1000));
    cr_expect(intact(big, 3 * MEM_BIG_BYTES + 5));
    mem_free(small, 1000);
    mem_free(big, 3 * MEM_BIG_BYTES + 5);
}

Test(mem, reserve_grows_small_arrays_keeping_contents)
{
    int *a = NULL;
    size_t cap = 0;
    for (int i = 0; i < 1000; i++) {
        cr_assert_eq(mem_reserve((void **)&a, &cap, (size_t)i + 1, sizeof *a), 0);
        cr_assert_geq(cap, (size_t)i + 1);
        a[i] = i * 3;
    }
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(a[i], i * 3);
    size_t before = cap;
    cr_expect_eq(mem_reserve((void **)&a, &cap, 10, sizeof *a), 0);
    cr_expect_eq(cap, before, "no change when it fits");
    cr_expect_eq(mem_reserve((void **)&a, &cap, SIZE_MAX / 2, sizeof *a), -1);
    cr_expect_eq(cap, before, "an impossible size leaves the array as it was");
    free(a);
}

/* How many of the whole pages inside p[0..n) are resident. */
static size_t resident_pages(const void *p, size_t n, size_t *whole)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = ((uintptr_t)p + page - 1) & ~(uintptr_t)(page - 1);
    uintptr_t end = ((uintptr_t)p + n) & ~(uintptr_t)(page - 1);
    *whole = (size_t)(end - start) / page;
    unsigned char *vec = malloc(*whole);
    cr_assert_not_null(vec);
    cr_assert_eq(mincore((void *)start, end - start, vec), 0);
    size_t k = 0;
    for (size_t i = 0; i < *whole; i++)
        k += vec[i] & 1;
    free(vec);
    return k;
}

/* Arrays below the huge-page size but past MEM_POPULATE_BYTES are present once allocated,
 * before anything is written to them (where the kernel knows MADV_POPULATE_WRITE). */
Test(mem, small_arrays_are_present_at_once)
{
    void *probe = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(probe, MAP_FAILED);
    int refused = madvise(probe, 4096, 23 /* MADV_POPULATE_WRITE */) != 0 && errno == EINVAL;
    munmap(probe, 4096);
    if (refused)
        cr_skip_test("the kernel does not know MADV_POPULATE_WRITE");
    size_t whole, n = 512 << 10; /* above malloc's mapping threshold: fresh pages */
    cr_assert_lt(n, MEM_BIG_BYTES);
    void *block = mem_block(n);
    cr_assert_not_null(block);
    cr_expect_eq(resident_pages(block, n, &whole), whole, "mem_block()");
    mem_free(block, n);
    void *alloc = mem_alloc(n);
    cr_assert_not_null(alloc);
    cr_expect_eq(resident_pages(alloc, n, &whole), whole, "mem_alloc()");
    free(alloc);
    void *p = NULL;
    size_t cap = 0;
    cr_assert_eq(mem_grow(&p, &cap, n), 0);
    cr_expect_eq(resident_pages(p, cap, &whole), whole, "mem_grow()");
    /* Grown, the array is a fresh block, present before the old contents are copied in. */
    fill(p, 0, cap);
    size_t old = cap;
    cr_assert_eq(mem_grow(&p, &cap, cap + 1), 0);
    cr_assert_lt(cap, MEM_BIG_BYTES);
    cr_expect_eq(resident_pages(p, cap, &whole), whole, "mem_grow() growing");
    cr_expect(intact(p, old), "mem_grow() keeps the contents");
    mem_free(p, cap);
    void *a = NULL;
    size_t count = 0;
    cr_assert_eq(mem_reserve(&a, &count, n / 8, 8), 0);
    cr_expect_eq(resident_pages(a, count * 8, &whole), whole, "mem_reserve()");
    free(a);
}
