/* fresh.c: a probe of `make bench`: makes MIB MiB of fresh memory present the way the session
 * table's big arrays get theirs (the mem module: a huge-page mapping grown by mem_grow(), then a
 * write to each 4 KiB page, as rows and text fill it), and does nothing else. On this kind of
 * machine the time depends on whether the host still backs the pages the kernel hands out, so
 * its rows tell how much of sessq's time, and of its variance, is the supply of memory rather
 * than work. Prints the pages written, so that the writes cannot be left out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "mem.h"

#define PAGE 4096

int main(int argc, char **argv)
{
    char *end = NULL;
    errno = 0;
    unsigned long mib = argc == 2 ? strtoul(argv[1], &end, 10) : 0;
    if (argc != 2 || *end || errno || mib == 0 || mib > 4096) {
        fprintf(stderr, "usage: fresh MIB (1 to 4096)\n");
        return 64;
    }
    size_t bytes = (size_t)mib << 20, cap = 0;
    void *p = NULL;
    if (mem_grow(&p, &cap, bytes) < 0) {
        fprintf(stderr, "fresh: cannot map %lu MiB\n", mib);
        return 70;
    }
    volatile char *b = p;
    size_t pages = 0;
    for (size_t i = 0; i < bytes; i += PAGE, pages++)
        b[i] = 1;
    printf("%zu pages\n", pages);
    mem_free(p, cap);
    return 0;
}
