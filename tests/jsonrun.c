/* jsonrun.c: see jsonrun.h. Each chunk is copied into its own exact-size allocation and freed
 * once the parser asks for more, so the sanitizers catch a read past or after a chunk. */
#include "jsonrun.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

static void append(jr_result *r, const char *s, size_t n)
{
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 256;
        while (cap < r->len + n + 1)
            cap *= 2;
        char *b = realloc(r->log, cap);
        if (!b)
            abort();
        r->log = b;
        r->cap = cap;
    }
    memcpy(r->log + r->len, s, n);
    r->len += n;
    r->log[r->len] = '\0';
}

static void append_text(jr_result *r, const json_value *v)
{
    char esc[8];
    for (size_t i = 0; i < v->n; i++) {
        unsigned char c = (unsigned char)v->p[i];
        if (c >= 0x20 && c < 0x7F && c != '\\') {
            append(r, (const char *)&c, 1);
        } else {
            snprintf(esc, sizeof esc, "\\x%02x", c);
            append(r, esc, 4);
        }
    }
}

static void record(jr_result *r, json_token t, const json_value *v)
{
    static const char *const names[] = {"",   "",   "",   "{",    "}",     "[",   "]",
                                        "K:", "S:", "N:", "true", "false", "null"};
    char off[32];
    snprintf(off, sizeof off, "@%llu ", (unsigned long long)v->offset);
    append(r, off, strlen(off));
    append(r, names[t], strlen(names[t]));
    if (t == JSON_KEY || t == JSON_STRING || t == JSON_NUMBER)
        append_text(r, v);
    if ((t == JSON_KEY || t == JSON_STRING) && v->repaired)
        append(r, " (repaired)", 11);
    append(r, "\n", 1);
    r->tokens++;
}

/* Drains tokens; returns 1 when the parser wants more input, 0 when done. */
static int drain(json_parser *p, jr_result *r)
{
    json_value v;
    for (;;) {
        json_token t = json_next(p, &v);
        if (t == JSON_NEED_MORE)
            return 1;
        if (t == JSON_END)
            return 0;
        if (t == JSON_ERROR) {
            const sq_error *e = json_error(p);
            r->code = e->code;
            r->message = e->message;
            r->offset = e->offset;
            r->line = e->line;
            r->column = e->column;
            return 0;
        }
        record(r, t, &v);
    }
}

static size_t next_size(unsigned chunking, unsigned *state, size_t left)
{
    size_t k;
    if (chunking == JR_WHOLE)
        k = left;
    else if (chunking == JR_BYTES)
        k = 1;
    else {
        *state = *state * 1103515245u + 12345u;
        k = 1 + (*state >> 16) % 20;
    }
    return k < left ? k : left;
}

void jr_run(const char *data, size_t n, unsigned flags, unsigned chunking, jr_result *r)
{
    memset(r, 0, sizeof *r);
    json_parser *p = json_new(flags);
    if (!p)
        abort();
    unsigned state = chunking;
    size_t at = 0;
    int more = 1;
    while (more && at < n) {
        size_t k = next_size(chunking, &state, n - at);
        char *chunk = malloc(k);
        if (!chunk)
            abort();
        memcpy(chunk, data + at, k);
        at += k;
        json_feed(p, chunk, k);
        more = drain(p, r);
        free(chunk);
    }
    if (more) {
        json_finish(p);
        drain(p, r);
    }
    json_free(p);
}

void jr_free(jr_result *r)
{
    free(r->log);
    memset(r, 0, sizeof *r);
}

char *jr_slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    char *b = malloc(cap);
    size_t got;
    while (b && (got = fread(b + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            char *nb = realloc(b, cap *= 2);
            if (!nb) {
                free(b);
                b = NULL;
            }
            b = nb;
        }
    }
    fclose(f);
    if (b)
        b[len] = '\0'; /* len < cap: the buffer grows as soon as it is full */
    *n = len;
    return b;
}
