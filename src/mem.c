/* mem.c: big arrays in huge-page mappings that grow without copying. */
#define _GNU_SOURCE /* mremap */
#include "mem.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE ((size_t)2 << 20)
#define PAGE ((size_t)4096)
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

/* A first write to a fresh 4 KiB page traps into the hypervisor on this kind of machine (about
 * 10 us a page); asking the kernel for the page tables of a whole stretch at once costs about a
 * fifth of that. Only a hint: where the kernel refuses, the pages fault in as they are used. */
static void populate(void *p, size_t bytes)
{
    uintptr_t start = ((uintptr_t)p + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
    uintptr_t end = ((uintptr_t)p + bytes) & ~(uintptr_t)(PAGE - 1);
    if (bytes >= MEM_POPULATE_BYTES && end > start)
        madvise((void *)start, (size_t)(end - start), MADV_POPULATE_WRITE);
}

/* A malloc'ed block of `bytes` with the `used` bytes of the malloc'ed `old` (freed), like
 * realloc(), but with its pages made present before the copy: realloc()'s copy would fault them
 * in one by one. */
static void *fresh_copy(void *old, size_t used, size_t bytes)
{
    void *p = mem_alloc(bytes);
    if (!p)
        return NULL;
    if (used)
        memcpy(p, old, used);
    free(old);
    return p;
}

static size_t round_huge(size_t n) { return (n + HUGE - 1) & ~(HUGE - 1); }

/* The kernel only uses a huge page for a 2 MiB aligned stretch: map 2 MiB more than asked and
 * give back the ends. */
static void *map_aligned(size_t bytes)
{
    size_t span = bytes + HUGE;
    char *raw = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED)
        return NULL;
    char *start = (char *)(((uintptr_t)raw + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
    if (start > raw)
        munmap(raw, (size_t)(start - raw));
    size_t tail = (size_t)(raw + span - (start + bytes));
    if (tail)
        munmap(start + bytes, tail);
    madvise(start, bytes, MADV_HUGEPAGE);
    return start;
}

/* Moves the pages of [from, from + bytes) to the start of the bigger mapping `to`, by page
 * tables, not by copying, and keeps `to` aligned (mremap() to a place of its own choosing would
 * not); `from` is unmapped. */
static void move_pages(void *from, size_t bytes, void *to)
{
    if (mremap(from, bytes, bytes, MREMAP_MAYMOVE | MREMAP_FIXED, to) == to)
        return;
    memcpy(to, from, bytes);
    munmap(from, bytes);
}

size_t mem_next_cap(size_t cap, size_t need)
{
    if (need <= cap)
        return cap;
    size_t n = cap ? cap * 2 : 4096;
    while (n < need)
        n *= 2;
    return n >= MEM_BIG_BYTES ? round_huge(n) : n;
}

int mem_grow(void **p, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    if (need > SIZE_MAX / 4)
        return -1;
    size_t n = mem_next_cap(*cap, need);
    void *q;
    if (n < MEM_BIG_BYTES) {
        q = fresh_copy(*p, *cap, n);
    } else if (*cap < MEM_BIG_BYTES) {
        q = map_aligned(n);
        if (q && *cap)
            memcpy(q, *p, *cap);
        if (q)
            free(*p);
    } else {
        q = map_aligned(n);
        if (q)
            move_pages(*p, *cap, q);
    }
    if (!q)
        return -1;
    *p = q;
    *cap = n;
    return 0;
}

void mem_free(void *p, size_t cap)
{
    if (!p)
        return;
    if (cap >= MEM_BIG_BYTES)
        munmap(p, round_huge(cap));
    else
        free(p);
}

void mem_release(void *p, size_t cap, size_t bytes)
{
    size_t whole = bytes & ~(HUGE - 1);
    if (cap >= MEM_BIG_BYTES && whole)
        madvise(p, whole < cap ? whole : cap, MADV_DONTNEED);
}

void *mem_block(size_t bytes)
{
    if (bytes >= MEM_BIG_BYTES)
        return map_aligned(round_huge(bytes));
    return mem_alloc(bytes);
}

void *mem_alloc(size_t bytes)
{
    void *p = malloc(bytes);
    if (p)
        populate(p, bytes);
    return p;
}

int mem_reserve(void **a, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 64;
    while (n < need && n <= SIZE_MAX / 2 / size)
        n *= 2;
    void *b = n >= need ? fresh_copy(*a, *cap * size, n * size) : NULL;
    if (!b) {
        errno = ENOMEM;
        return -1;
    }
    *a = b;
    *cap = n;
    return 0;
}
