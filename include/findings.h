/* findings.h: what `sessq check` reports: a growing list of findings, each with a code, a
 * severity, a place (file, line, column) and a message. Readers add to it as they go. */
#ifndef FINDINGS_H
#define FINDINGS_H

#include <stddef.h>
#include <stdint.h>

typedef enum { FND_INFO, FND_WARNING, FND_ERROR } fnd_severity;

/* New checks add a code here and a row in findings.c's table. */
typedef enum {
    FND_INVALID_JSON,
    FND_UNKNOWN_SHAPE,
    FND_MISSING_ID,
    FND_INVALID_UTF8,
    FND_INVALID_TIMESTAMP,
    FND_END_BEFORE_START,
    FND_DUPLICATE_ID,
    FND_POWERSHELL_TRUNCATED,
    FND_UNREADABLE,
    FND_CORRUPT_INPUT,
    FND_NO_DUMPS,
    FND_PAGING_GAP,
    FND_DUPLICATE_PAGE,
    FND_OVERLAPPING_PAGES,
    FND_SHORT_PAGE,
    FND_SUMMARY,
    FND_NCODES
} fnd_code;

/* "invalid-json", ...: static. */
const char *fnd_code_name(fnd_code code);
fnd_severity fnd_code_severity(fnd_code code);
/* "info", "warning", "error": static. */
const char *fnd_severity_name(fnd_severity s);

typedef struct {
    fnd_code code;
    fnd_severity severity;
    const char *file;      /* NULL when the finding is about no one file */
    uint64_t line, column; /* 0 when not known */
    const char *message;
} fnd_finding;

typedef struct fnd_list fnd_list;

/* At most this many findings of one code are kept; the rest are only counted. */
#define FND_MAX_PER_CODE 1000

fnd_list *fnd_new(void);
void fnd_free(fnd_list *l);

/* Adds a finding; `file` and the formatted message are copied. Returns 0, or -1 when out of
 * memory. */
int fnd_add(fnd_list *l, fnd_code code, const char *file, uint64_t line, uint64_t column,
            const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Adds the duplicate-id finding: session `id` of `source` read again with other values. */
int fnd_add_duplicate(fnd_list *l, const char *file, uint64_t line, uint64_t column,
                      const char *source, const char *id, size_t id_len);

/* Adds every finding of `src` (the kept ones, and the count of those it dropped) to `dst`.
 * Returns 0, or -1 when out of memory. */
int fnd_append(fnd_list *dst, const fnd_list *src);
/* Adds findings [from, to) of `src`, kept ones only, whose places count from `line`, `column`
 * of their file (what a reader that started there found): sq_move_place(). Returns 0, or -1
 * when out of memory. */
int fnd_append_from(fnd_list *dst, const fnd_list *src, size_t from, size_t to, uint64_t line,
                    uint64_t column);
/* Adds the counts of the findings `src` did not keep (FND_MAX_PER_CODE) to `dst`'s. */
void fnd_append_dropped(fnd_list *dst, const fnd_list *src);
/* Sorts the findings from index `from` on by line and column, keeping the order of those at
 * one place: one input's findings in the order of the text. */
void fnd_sort_from(fnd_list *l, size_t from);

/* Findings kept, in the order they were added; each valid until fnd_free(). */
size_t fnd_count(const fnd_list *l);
const fnd_finding *fnd_get(const fnd_list *l, size_t i);
/* Findings of `code` that were not kept because of FND_MAX_PER_CODE. */
uint64_t fnd_dropped(const fnd_list *l, fnd_code code);
/* Findings of that severity added, kept or not. */
uint64_t fnd_total(const fnd_list *l, fnd_severity s);

#endif
