/* findings.c: the list of findings; messages and file names are copied into one growing
 * block list, so a finding is one small record. */
#include "findings.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "sessq.h"

static const struct {
    const char *name;
    fnd_severity severity;
} codes[FND_NCODES] = {
    [FND_INVALID_JSON] = {"invalid-json", FND_ERROR},
    [FND_UNKNOWN_SHAPE] = {"unknown-shape", FND_ERROR},
    [FND_MISSING_ID] = {"missing-id", FND_ERROR},
    [FND_INVALID_UTF8] = {"invalid-utf8", FND_WARNING},
    [FND_INVALID_TIMESTAMP] = {"invalid-timestamp", FND_WARNING},
    [FND_END_BEFORE_START] = {"end-before-start", FND_WARNING},
    [FND_DUPLICATE_ID] = {"duplicate-id", FND_WARNING},
    [FND_POWERSHELL_TRUNCATED] = {"powershell-truncated", FND_ERROR},
    [FND_UNREADABLE] = {"unreadable", FND_ERROR},
    [FND_CORRUPT_INPUT] = {"corrupt-input", FND_ERROR},
    [FND_NO_DUMPS] = {"no-dumps", FND_ERROR},
    [FND_PAGING_GAP] = {"paging-gap", FND_ERROR},
    [FND_DUPLICATE_PAGE] = {"duplicate-page", FND_WARNING},
    [FND_OVERLAPPING_PAGES] = {"overlapping-pages", FND_WARNING},
    [FND_SHORT_PAGE] = {"short-page", FND_INFO},
    [FND_SUMMARY] = {"summary", FND_INFO},
};

typedef struct text_block {
    struct text_block *next;
    size_t used, size;
    char data[];
} text_block;

struct fnd_list {
    fnd_finding *items;
    size_t n, cap;
    uint64_t per_code[FND_NCODES];
    uint64_t per_severity[3];
    text_block *texts;
    const char *last_file; /* the copy of the last file name, reused while it repeats */
};

const char *fnd_code_name(fnd_code code) { return code < FND_NCODES ? codes[code].name : "?"; }

fnd_severity fnd_code_severity(fnd_code code)
{
    return code < FND_NCODES ? codes[code].severity : FND_ERROR;
}

const char *fnd_severity_name(fnd_severity s)
{
    return s == FND_ERROR ? "error" : s == FND_WARNING ? "warning" : "info";
}

fnd_list *fnd_new(void) { return calloc(1, sizeof(fnd_list)); }

void fnd_free(fnd_list *l)
{
    if (!l)
        return;
    for (text_block *b = l->texts, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    free(l->items);
    free(l);
}

static char *keep_text(fnd_list *l, const char *s, size_t n)
{
    text_block *b = l->texts;
    if (!b || b->size - b->used < n + 1) {
        size_t size = n + 1 > 65536 ? n + 1 : 65536;
        b = malloc(sizeof *b + size);
        if (!b)
            return NULL;
        b->used = 0;
        b->size = size;
        b->next = l->texts;
        l->texts = b;
    }
    char *dst = b->data + b->used;
    memcpy(dst, s, n);
    dst[n] = '\0';
    b->used += n + 1;
    return dst;
}

static const char *keep_file(fnd_list *l, const char *file)
{
    if (!file)
        return NULL;
    if (!l->last_file || strcmp(l->last_file, file))
        l->last_file = keep_text(l, file, strlen(file));
    return l->last_file;
}

int fnd_add(fnd_list *l, fnd_code code, const char *file, uint64_t line, uint64_t column,
            const char *fmt, ...)
{
    fnd_severity severity = fnd_code_severity(code);
    l->per_severity[severity]++;
    if (++l->per_code[code] > FND_MAX_PER_CODE && code != FND_SUMMARY)
        return 0;
    if (mem_reserve((void **)&l->items, &l->cap, l->n + 1, sizeof *l->items) < 0)
        return -1;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    const char *message = keep_text(l, buf, len);
    const char *kept_file = keep_file(l, file);
    if (!message || (file && !kept_file))
        return -1;
    l->items[l->n++] = (fnd_finding){code, severity, kept_file, line, column, message};
    return 0;
}

size_t fnd_count(const fnd_list *l) { return l->n; }

const fnd_finding *fnd_get(const fnd_list *l, size_t i) { return &l->items[i]; }

uint64_t fnd_dropped(const fnd_list *l, fnd_code code)
{
    return l->per_code[code] > FND_MAX_PER_CODE && code != FND_SUMMARY
               ? l->per_code[code] - FND_MAX_PER_CODE
               : 0;
}

uint64_t fnd_total(const fnd_list *l, fnd_severity s) { return l->per_severity[s]; }

int fnd_append(fnd_list *dst, const fnd_list *src)
{
    if (fnd_append_from(dst, src, 0, src->n, 1, 1) < 0)
        return -1;
    fnd_append_dropped(dst, src);
    return 0;
}

int fnd_append_from(fnd_list *dst, const fnd_list *src, size_t from, size_t to, uint64_t line,
                    uint64_t column)
{
    for (size_t i = from; i < to && i < src->n; i++) {
        const fnd_finding *f = &src->items[i];
        uint64_t l = f->line, c = f->column;
        sq_move_place(&l, &c, line, column);
        if (fnd_add(dst, f->code, f->file, l, c, "%s", f->message) < 0)
            return -1;
    }
    return 0;
}

void fnd_append_dropped(fnd_list *dst, const fnd_list *src)
{
    for (fnd_code c = 0; c < FND_NCODES; c++) {
        uint64_t dropped = fnd_dropped(src, c);
        dst->per_code[c] += dropped;
        dst->per_severity[fnd_code_severity(c)] += dropped;
    }
}

static bool before(const fnd_finding *a, const fnd_finding *b)
{
    return a->line < b->line || (a->line == b->line && a->column < b->column);
}

/* Insertion sort: stable, and the findings of one input are few and nearly in order. */
void fnd_sort_from(fnd_list *l, size_t from)
{
    for (size_t i = from + 1; i < l->n; i++) {
        fnd_finding f = l->items[i];
        size_t j = i;
        while (j > from && before(&f, &l->items[j - 1])) {
            l->items[j] = l->items[j - 1];
            j--;
        }
        l->items[j] = f;
    }
}

int fnd_add_duplicate(fnd_list *l, const char *file, uint64_t line, uint64_t column,
                      const char *source, const char *id, size_t id_len)
{
    return fnd_add(
        l, FND_DUPLICATE_ID, file, line, column,
        "%s session \"%.*s\" was read before with other values; these later ones are kept", source,
        (int)(id_len > 200 ? 200 : id_len), id);
}
