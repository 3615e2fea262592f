/* page.h: writes a report (report.h) as one self-contained HTML page (inline CSS and SVG charts,
 * no script, nothing fetched from anywhere) or as GitHub Markdown. Every text that comes from a
 * dump is escaped for the format. */
#ifndef PAGE_H
#define PAGE_H

#include <stdio.h>

#include "report.h"

typedef enum { PAGE_MD, PAGE_HTML } page_format;

/* "md" or "html"; returns 0, or -1 when unknown. */
int page_format_parse(const char *name, page_format *fmt);

/* Writes the whole page to `fp`. Returns 0, or -1 on a write error or when out of memory (errno
 * set). */
int page_write(const rp_report *r, page_format fmt, FILE *fp);

#endif
