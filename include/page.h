/* page.h: writes a report (report.h) as one self-contained HTML page (inline CSS and SVG charts,
 * no script, nothing fetched from anywhere) or as GitHub Markdown. Every text that comes from a
 * dump is escaped for the format. */
#ifndef PAGE_H
#define PAGE_H

#include <stdio.h>

#include "report.h"

typedef enum { PG_MD, PG_HTML } pg_format;

/* "md" or "html"; returns 0, or -1 when unknown. */
int pg_format_parse(const char *name, pg_format *fmt);

/* Writes the whole page to `fp`. Returns 0, or -1 on a write error or when out of memory (errno
 * set). */
int pg_write(const rp_report *r, pg_format fmt, FILE *fp);

#endif
