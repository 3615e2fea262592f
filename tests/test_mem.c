/* Tests of the big-array memory: contents survive every kind of growth. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

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
