/* mem.h: memory for the big, long-lived arrays (the session table's rows, text and indexes).
 *
 * On this kind of machine every first touch of a 4 KiB page costs about 10 µs, a third of the
 * time of a whole read. Arrays that grow past MEM_BIG_BYTES therefore move to their own mapping,
 * 2 MiB aligned and marked for transparent huge pages (one fault per 2 MiB), and grow with
 * mremap(), which moves page tables instead of copying bytes. Smaller arrays stay with malloc, so
 * that the many small tables of a parallel read do not each fault in 2 MiB, and past
 * MEM_POPULATE_BYTES get all their pages in one call when allocated. */
#ifndef MEM_H
#define MEM_H

#include <stddef.h>

/* Makes room for `need` elements of `size` bytes in the malloc'ed array *a of *cap elements
 * (NULL, 0 at first), at least doubling. Returns 0, or -1 with errno ENOMEM (*a unchanged).
 * For the many small arrays that are not the table's; free them with free(). */
int mem_reserve(void **a, size_t *cap, size_t need, size_t size);

/* From this size on, an array lives in a mapping of its own. */
#define MEM_BIG_BYTES ((size_t)2 << 20)
/* From this size on, a smaller array's pages are made present as it is allocated (by
 * madvise(MADV_POPULATE_WRITE)), rather than each faulting in at its first use. */
#define MEM_POPULATE_BYTES ((size_t)32 << 10)

/* Resizes the array at *p of *cap bytes (NULL, 0 at first) to hold at least `need` bytes,
 * keeping its contents. The new capacity is chosen here (at least doubling) and may be up to
 * `need` rounded up to 2 MiB. Returns 0, or -1 when out of memory (the array is then unchanged).
 * The array is the caller's, to be freed with mem_free(*p, *cap). */
int mem_grow(void **p, size_t *cap, size_t need);
/* The capacity mem_grow() would choose for `need` bytes from `cap`, to check a limit first. */
size_t mem_next_cap(size_t cap, size_t need);
/* Frees an array of mem_grow(); its capacity says how it was made. */
void mem_free(void *p, size_t cap);

/* Gives the memory of the first `bytes` of an array of mem_grow() back to the system, in whole
 * 2 MiB pages of a mapping of its own (a smaller array keeps it): those bytes read as zero
 * afterwards. For an array read once from the front while another fills up. */
void mem_release(void *p, size_t cap, size_t bytes);

/* malloc(bytes), with its pages made present at once when it is MEM_POPULATE_BYTES or more;
 * freed with free(). For a big array filled at once. */
void *mem_alloc(size_t bytes);

/* A block of `bytes` (uninitialized) for text that must never move, mapped with huge pages when
 * big; NULL when out of memory. Freed with mem_free(p, bytes). */
void *mem_block(size_t bytes);

#endif
