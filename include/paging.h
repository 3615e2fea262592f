/* paging.h: paging integrity. The shape reader describes every envelope it reads as a page;
 * pg_check() puts the pages of one collection (same endpoint and query, offset and limit
 * aside) side by side and reports what is missing, read twice, overlapping or short. */
#ifndef PAGING_H
#define PAGING_H

#include <stddef.h>
#include <stdint.h>

#include "findings.h"

/* An envelope key the document did not have. */
#define PG_ABSENT (-1)

/* One envelope as the reader saw it; pg_add() copies what it keeps. */
typedef struct {
    const char *file;      /* the input's name */
    uint64_t line, column; /* where the document begins */
    const char *href;      /* _links.self.href as written, NULL when there is none */
    size_t href_len;
    const char *source;   /* the source of its records, for a page without href (NULL: none) */
    int64_t offset;       /* the envelope's "offset", else the href's; PG_ABSENT: not a page */
    int64_t limit, total; /* "limit" (else the href's), "totalCount"; PG_ABSENT when unknown */
    uint64_t count;       /* records in "results" */
    uint64_t fingerprint; /* pg_fingerprint() over the (source, id) of every record, in order */
} pg_page;

/* A page as kept: endpoint and query normalized. */
typedef struct {
    const char *file;
    uint64_t line, column;
    const char *endpoint; /* the href's path, lower case, no trailing '/' ("/v6/restoresessions") */
    const char *query;    /* its parameters but offset, limit and setId: names in lower case,
                             values as written, sorted, joined by '&' ("" when none) */
    int64_t offset, limit, total;
    uint64_t count;
    uint64_t fingerprint;
} pg_entry;

typedef struct pg_list pg_list;

/* The fingerprint of no record. */
#define PG_FINGERPRINT_START UINT64_C(14695981039346656037)

/* The fingerprint `h` extended by one record's source and id (FNV-1a). */
uint64_t pg_fingerprint(uint64_t h, const char *source, const char *id, size_t id_len);

/* An empty list, or NULL when out of memory. */
pg_list *pg_new(void);
void pg_free(pg_list *l);

enum { PG_ERR_NOMEM = -1, PG_ERR_LIMIT = -2 };

/* Bounds the memory the pages may hold, in bytes (0: no bound): a file of millions of tiny
 * envelopes must not take the machine. */
void pg_set_limit(pg_list *l, size_t bytes);

/* Keeps a copy of page `p`; an envelope with no offset (in its keys or its href) is not a page
 * and is left out. Returns 0, PG_ERR_NOMEM, or PG_ERR_LIMIT (over the bound; nothing kept). */
int pg_add(pg_list *l, const pg_page *p);
/* Adds every page of `src` to `dst`, in order: 0, PG_ERR_NOMEM or PG_ERR_LIMIT. */
int pg_append(pg_list *dst, const pg_list *src);
/* Forgets the pages from index `n` on (those of an input that could not be read). */
void pg_truncate(pg_list *l, size_t n);

size_t pg_count(const pg_list *l);
const pg_entry *pg_get(const pg_list *l, size_t i);

/* Adds to `findings` what the pages show, collection by collection (in the order each was
 * first read), each in offset order: paging-gap, duplicate-page, overlapping-pages,
 * short-page. Returns 0, or -1 when out of memory. */
int pg_check(const pg_list *l, fnd_list *findings);

#endif
