/* diff.c: matches the sessions of two tables by (source, id), finds the keys that differ, and
 * writes the report. */
#include "diff.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

typedef struct {
    size_t old_row, new_row;
    size_t first_key, nkeys; /* in the result's `keys` */
} entry;

typedef struct {
    entry *items;
    size_t n, cap;
} entry_list;

struct dif_result {
    const tbl_table *old_table, *new_table;
    entry_list lists[DIF_NKINDS];
    ses_key *keys; /* the differing keys of every changed session, one after another */
    size_t nkeys, keys_cap;
    size_t unchanged;
};

/* ---- comparing ---------------------------------------------------------------------------- */

static int push(entry_list *l, entry e)
{
    if (mem_reserve((void **)&l->items, &l->cap, l->n + 1, sizeof *l->items) < 0)
        return -1;
    l->items[l->n++] = e;
    return 0;
}

static bool same_value(const sq_value *a, const sq_value *b)
{
    if (a->kind != b->kind)
        return false;
    if (a->kind == SQ_NULL)
        return true;
    if (a->kind == SQ_TEXT)
        return a->len == b->len && (a->len == 0 || !memcmp(a->text, b->text, a->len));
    return a->i == b->i;
}

static ses_source source_of(const tbl_table *t, size_t row)
{
    sq_value v;
    char scratch[SES_TIME_BUFSZ];
    tbl_get(t, row, K_SOURCE, &v, scratch);
    for (int s = SES_SRC_NONE + 1; s < SES_SRC_COUNT; s++) {
        const char *name = ses_source_name((ses_source)s);
        if (v.kind == SQ_TEXT && strlen(name) == v.len && !memcmp(name, v.text, v.len))
            return (ses_source)s;
    }
    return SES_SRC_NONE;
}

/* Notes the keys in which the two rows differ; 0, or -1 when out of memory. */
static int compare_rows(dif_result *r, size_t old_row, size_t new_row, const bool ignore[SES_NKEYS])
{
    size_t first = r->nkeys;
    for (int k = K_ID + 1; k < SES_NKEYS; k++) {
        if (ignore && ignore[k])
            continue;
        sq_value a, b;
        char sa[SES_TIME_BUFSZ], sb[SES_TIME_BUFSZ];
        tbl_get(r->old_table, old_row, (ses_key)k, &a, sa);
        tbl_get(r->new_table, new_row, (ses_key)k, &b, sb);
        if (same_value(&a, &b))
            continue;
        if (mem_reserve((void **)&r->keys, &r->keys_cap, r->nkeys + 1, sizeof *r->keys) < 0)
            return -1;
        r->keys[r->nkeys++] = (ses_key)k;
    }
    if (r->nkeys == first) {
        r->unchanged++;
        return 0;
    }
    return push(&r->lists[DIF_CHANGED], (entry){old_row, new_row, first, r->nkeys - first});
}

/* The new rows in the new table's order: each is added, or changed or the same as its old
 * match, which is marked in `matched`. */
static int match_new_rows(dif_result *r, const bool *selected, bool *matched,
                          const size_t *new_rows, size_t n_new, const bool ignore[SES_NKEYS])
{
    for (size_t i = 0; i < n_new; i++) {
        size_t row = new_rows[i];
        sq_value id;
        char scratch[SES_TIME_BUFSZ];
        tbl_get(r->new_table, row, K_ID, &id, scratch);
        size_t old_row = tbl_find(r->old_table, source_of(r->new_table, row), id.text, id.len);
        int rc;
        if (old_row == TBL_NONE || !selected[old_row]) {
            rc = push(&r->lists[DIF_ADDED], (entry){TBL_NONE, row, 0, 0});
        } else {
            matched[old_row] = true;
            rc = compare_rows(r, old_row, row, ignore);
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

dif_result *dif_compare(const tbl_table *old_table, const size_t *old_rows, size_t n_old,
                        const tbl_table *new_table, const size_t *new_rows, size_t n_new,
                        const bool ignore[SES_NKEYS])
{
    dif_result *r = calloc(1, sizeof *r);
    size_t total = tbl_count(old_table);
    /* +1: an empty old table must not look like a failed allocation */
    bool *selected = calloc(total + 1, sizeof *selected);
    bool *matched = calloc(total + 1, sizeof *matched);
    int rc = r && selected && matched ? 0 : -1;
    if (rc == 0) {
        r->old_table = old_table;
        r->new_table = new_table;
        for (size_t i = 0; i < n_old; i++)
            selected[old_rows[i]] = true;
        rc = match_new_rows(r, selected, matched, new_rows, n_new, ignore);
    }
    for (size_t i = 0; rc == 0 && i < n_old; i++)
        if (!matched[old_rows[i]])
            rc = push(&r->lists[DIF_REMOVED], (entry){old_rows[i], TBL_NONE, 0, 0});
    free(selected);
    free(matched);
    if (rc < 0) {
        dif_free(r);
        return NULL;
    }
    return r;
}

void dif_free(dif_result *r)
{
    if (!r)
        return;
    for (int k = 0; k < DIF_NKINDS; k++)
        free(r->lists[k].items);
    free(r->keys);
    free(r);
}

size_t dif_count(const dif_result *r, dif_kind kind) { return r->lists[kind].n; }

size_t dif_unchanged(const dif_result *r) { return r->unchanged; }

bool dif_differs(const dif_result *r)
{
    return r->lists[DIF_ADDED].n || r->lists[DIF_REMOVED].n || r->lists[DIF_CHANGED].n;
}

dif_entry dif_get(const dif_result *r, dif_kind kind, size_t i)
{
    const entry *e = &r->lists[kind].items[i];
    return (dif_entry){e->old_row, e->new_row, r->keys + e->first_key, e->nkeys};
}

/* ---- writing ------------------------------------------------------------------------------ */

static const char *const kind_names[DIF_NKINDS] = {"added", "removed", "changed"};

/* The table a session of this entry is read from: the new one, but for a removed session. */
static const tbl_table *table_of(const dif_result *r, dif_kind kind, const dif_entry *e,
                                 size_t *row)
{
    *row = kind == DIF_REMOVED ? e->old_row : e->new_row;
    return kind == DIF_REMOVED ? r->old_table : r->new_table;
}

static void summary(const dif_result *r, FILE *fp)
{
    fprintf(fp, "%zu added, %zu removed, %zu changed, %zu unchanged\n", dif_count(r, DIF_ADDED),
            dif_count(r, DIF_REMOVED), dif_count(r, DIF_CHANGED), dif_unchanged(r));
}

/* What became of the stream: 0, or -1 with errno set. */
static int stream_status(FILE *fp)
{
    errno = 0;
    if (fflush(fp) == EOF || ferror(fp)) {
        if (errno == 0)
            errno = EIO;
        return -1;
    }
    return 0;
}

/* -- table: a line per session, `+`, `-` or `~`, and a line per differing key -- */

/* Text for a terminal: control characters as spaces, so that a line stays one line and data
 * cannot move the cursor. */
static void put_plain(FILE *fp, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        fputc(c < 0x20 || c == 0x7F ? ' ' : c, fp);
    }
}

/* A value as the table shows it in a change: exact, and text quoted so that an empty text,
 * spaces at its ends and a null all look different. */
static void put_exact(FILE *fp, const sq_value *v)
{
    if (v->kind == SQ_NULL) {
        fputs("null", fp);
    } else if (v->kind == SQ_TEXT) {
        out_json_value(fp, v);
    } else {
        char buf[SES_TIME_BUFSZ];
        const char *p;
        size_t n;
        ses_value_text(v, buf, &p, &n);
        fwrite(p, 1, n, fp);
    }
}

static void table_session_line(const dif_result *r, dif_kind kind, const dif_entry *e, FILE *fp,
                               bool color)
{
    static const char signs[DIF_NKINDS] = {'+', '-', '~'};
    static const char *const colors[DIF_NKINDS] = {OUT_SGR_GREEN, OUT_SGR_RED, OUT_SGR_YELLOW};
    size_t row;
    const tbl_table *t = table_of(r, kind, e, &row);
    sq_value source, id, name;
    char scratch[3][SES_TIME_BUFSZ];
    tbl_get(t, row, K_SOURCE, &source, scratch[0]);
    tbl_get(t, row, K_ID, &id, scratch[1]);
    tbl_get(t, row, K_NAME, &name, scratch[2]);
    fprintf(fp, "%s%c%s %.*s ", color ? colors[kind] : "", signs[kind], color ? OUT_SGR_RESET : "",
            (int)source.len, source.text);
    put_plain(fp, id.text, id.len);
    if (name.kind == SQ_TEXT && name.len) {
        fputs("  ", fp);
        put_plain(fp, name.text, name.len);
    }
    fputc('\n', fp);
}

static void table_changes(const dif_result *r, const dif_entry *e, FILE *fp)
{
    for (size_t k = 0; k < e->nkeys; k++) {
        sq_value a, b;
        char sa[SES_TIME_BUFSZ], sb[SES_TIME_BUFSZ];
        tbl_get(r->old_table, e->old_row, e->keys[k], &a, sa);
        tbl_get(r->new_table, e->new_row, e->keys[k], &b, sb);
        fprintf(fp, "    %s: ", ses_key_name(e->keys[k]));
        put_exact(fp, &a);
        fputs(" -> ", fp);
        put_exact(fp, &b);
        fputc('\n', fp);
    }
}

static int write_table(const dif_result *r, FILE *fp, bool color)
{
    for (int kind = 0; kind < DIF_NKINDS; kind++) {
        for (size_t i = 0; i < dif_count(r, (dif_kind)kind); i++) {
            dif_entry e = dif_get(r, (dif_kind)kind, i);
            table_session_line(r, (dif_kind)kind, &e, fp, color);
            table_changes(r, &e, fp);
        }
    }
    if (dif_differs(r))
        fputc('\n', fp);
    summary(r, fp);
    return stream_status(fp);
}

/* -- json, ndjson -- */

/* A session as `list -f json` writes it: every key of the contract, in its order. */
static void json_session(const tbl_table *t, size_t row, FILE *fp)
{
    fputc('{', fp);
    for (int k = 0; k < SES_NKEYS; k++) {
        sq_value v;
        char scratch[SES_TIME_BUFSZ];
        tbl_get(t, row, (ses_key)k, &v, scratch);
        fprintf(fp, "%s\"%s\":", k ? "," : "", ses_key_name((ses_key)k));
        out_json_value(fp, &v);
    }
    fputc('}', fp);
}

static void json_source_id(const tbl_table *t, size_t row, FILE *fp)
{
    sq_value source, id;
    char scratch[2][SES_TIME_BUFSZ];
    tbl_get(t, row, K_SOURCE, &source, scratch[0]);
    tbl_get(t, row, K_ID, &id, scratch[1]);
    fputs("\"source\":", fp);
    out_json_value(fp, &source);
    fputs(",\"id\":", fp);
    out_json_value(fp, &id);
}

static void json_changes(const dif_result *r, const dif_entry *e, FILE *fp)
{
    fputs("\"changes\":[", fp);
    for (size_t k = 0; k < e->nkeys; k++) {
        sq_value a, b;
        char sa[SES_TIME_BUFSZ], sb[SES_TIME_BUFSZ];
        tbl_get(r->old_table, e->old_row, e->keys[k], &a, sa);
        tbl_get(r->new_table, e->new_row, e->keys[k], &b, sb);
        fprintf(fp, "%s{\"key\":\"%s\",\"old\":", k ? "," : "", ses_key_name(e->keys[k]));
        out_json_value(fp, &a);
        fputs(",\"new\":", fp);
        out_json_value(fp, &b);
        fputc('}', fp);
    }
    fputc(']', fp);
}

/* One changed session: {"source","id","changes"}; json and ndjson alike. */
static void json_changed(const dif_result *r, const dif_entry *e, FILE *fp)
{
    json_source_id(r->new_table, e->new_row, fp);
    fputc(',', fp);
    json_changes(r, e, fp);
}

static int write_json(const dif_result *r, FILE *fp)
{
    for (int kind = 0; kind < DIF_NKINDS; kind++) {
        size_t n = dif_count(r, (dif_kind)kind);
        fprintf(fp, "%s\"%s\":[", kind ? ",\n" : "{", kind_names[kind]);
        for (size_t i = 0; i < n; i++) {
            dif_entry e = dif_get(r, (dif_kind)kind, i);
            size_t row;
            const tbl_table *t = table_of(r, (dif_kind)kind, &e, &row);
            fputs(i ? ",\n" : "\n", fp);
            if (kind == DIF_CHANGED) {
                fputc('{', fp);
                json_changed(r, &e, fp);
                fputc('}', fp);
            } else {
                json_session(t, row, fp);
            }
        }
        fputs(n ? "\n]" : "]", fp);
    }
    fprintf(fp, ",\n\"unchanged\":%zu}\n", dif_unchanged(r));
    return stream_status(fp);
}

static int write_ndjson(const dif_result *r, FILE *fp)
{
    for (int kind = 0; kind < DIF_NKINDS; kind++) {
        for (size_t i = 0; i < dif_count(r, (dif_kind)kind); i++) {
            dif_entry e = dif_get(r, (dif_kind)kind, i);
            fprintf(fp, "{\"change\":\"%s\",", kind_names[kind]);
            if (kind == DIF_CHANGED) {
                json_changed(r, &e, fp);
            } else {
                size_t row;
                const tbl_table *t = table_of(r, (dif_kind)kind, &e, &row);
                json_source_id(t, row, fp);
                fputs(",\"session\":", fp);
                json_session(t, row, fp);
            }
            fputs("}\n", fp);
        }
    }
    return stream_status(fp);
}

/* -- csv and md: through output's writer, so that quoting, escaping and the formula guard are
 * those of every other command -- */

static const char *const change_columns[] = {"change", "source", "id", "key", "old", "new"};
#define NCHANGE_COLUMNS (sizeof change_columns / sizeof *change_columns)

/* The keys md lists for an added or a removed session: those `list -f table` shows. */
static const ses_key session_keys[] = {K_START,    K_SOURCE, K_TYPE, K_STATUS,
                                       K_DURATION, K_NAME,   K_ID};
#define NSESSION_KEYS (sizeof session_keys / sizeof *session_keys)

static void text_value(sq_value *v, const char *s)
{
    memset(v, 0, sizeof *v);
    v->kind = SQ_TEXT;
    v->text = s;
    v->len = (uint32_t)strlen(s);
}

/* A value as put_exact() writes it, as a text value (md: an empty cell could be an empty text
 * or a null); the caller frees *buf. 0, or -1 when out of memory. */
static int exact_value(const sq_value *v, sq_value *out, char **buf)
{
    size_t n = 0;
    FILE *fp = open_memstream(buf, &n);
    if (!fp)
        return -1;
    put_exact(fp, v);
    if (fclose(fp) == EOF || n > UINT32_MAX) {
        free(*buf);
        *buf = NULL;
        errno = ENOMEM;
        return -1;
    }
    memset(out, 0, sizeof *out);
    out->kind = SQ_TEXT;
    out->text = *buf;
    out->len = (uint32_t)n;
    return 0;
}

/* One row per differing key, old and new as typed values (csv) or as put_exact() writes them
 * (md). */
static int key_rows(const dif_result *r, const dif_entry *e, sq_value *vals, const sq_value *cells,
                    out_writer *w, bool exact)
{
    for (size_t k = 0; k < e->nkeys; k++) {
        sq_value a, b;
        char sa[SES_TIME_BUFSZ], sb[SES_TIME_BUFSZ], *ta = NULL, *tb = NULL;
        text_value(&vals[3], ses_key_name(e->keys[k]));
        tbl_get(r->old_table, e->old_row, e->keys[k], &a, sa);
        tbl_get(r->new_table, e->new_row, e->keys[k], &b, sb);
        int rc = 0;
        if (exact)
            rc = exact_value(&a, &vals[4], &ta) < 0 || exact_value(&b, &vals[5], &tb) < 0 ? -1 : 0;
        else
            vals[4] = a, vals[5] = b;
        if (rc == 0)
            rc = out_row(w, cells);
        free(ta);
        free(tb);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* csv: a row per differing key of a changed session, one row with only change, source and id
 * for an added or a removed one. md: the rows of a changed session, without the change column. */
static int change_rows(const dif_result *r, dif_kind kind, size_t i, out_writer *w, bool md)
{
    dif_entry e = dif_get(r, kind, i);
    size_t row;
    const tbl_table *t = table_of(r, kind, &e, &row);
    sq_value vals[NCHANGE_COLUMNS];
    char scratch[2][SES_TIME_BUFSZ];
    text_value(&vals[0], kind_names[kind]);
    tbl_get(t, row, K_SOURCE, &vals[1], scratch[0]);
    tbl_get(t, row, K_ID, &vals[2], scratch[1]);
    memset(&vals[3], 0, 3 * sizeof *vals);
    const sq_value *cells = md ? vals + 1 : vals;
    if (kind != DIF_CHANGED)
        return out_row(w, cells);
    return key_rows(r, &e, vals, cells, w, md);
}

static int finish(out_writer *w, int rc)
{
    if (rc == 0)
        rc = out_finish(w);
    int saved = errno;
    out_free(w);
    errno = saved;
    return rc;
}

static int write_csv(const dif_result *r, FILE *fp, const out_options *opt)
{
    out_writer *w = out_new(OUT_CSV, fp, change_columns, NCHANGE_COLUMNS, opt);
    if (!w)
        return -1;
    int rc = 0;
    for (int kind = 0; kind < DIF_NKINDS && rc == 0; kind++)
        for (size_t i = 0; i < dif_count(r, (dif_kind)kind) && rc == 0; i++)
            rc = change_rows(r, (dif_kind)kind, i, w, false);
    return finish(w, rc);
}

static int md_sessions(const dif_result *r, dif_kind kind, FILE *fp, const out_options *opt)
{
    const char *names[NSESSION_KEYS];
    for (size_t k = 0; k < NSESSION_KEYS; k++)
        names[k] = ses_key_name(session_keys[k]);
    out_writer *w = out_new(OUT_MD, fp, names, NSESSION_KEYS, opt);
    if (!w)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < dif_count(r, kind) && rc == 0; i++) {
        dif_entry e = dif_get(r, kind, i);
        size_t row;
        const tbl_table *t = table_of(r, kind, &e, &row);
        sq_value vals[NSESSION_KEYS];
        char scratch[NSESSION_KEYS][SES_TIME_BUFSZ];
        for (size_t k = 0; k < NSESSION_KEYS; k++)
            tbl_get(t, row, session_keys[k], &vals[k], scratch[k]);
        rc = out_row(w, vals);
    }
    return finish(w, rc);
}

static int md_changes(const dif_result *r, FILE *fp, const out_options *opt)
{
    out_writer *w = out_new(OUT_MD, fp, change_columns + 1, NCHANGE_COLUMNS - 1, opt);
    if (!w)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < dif_count(r, DIF_CHANGED) && rc == 0; i++)
        rc = change_rows(r, DIF_CHANGED, i, w, true);
    return finish(w, rc);
}

/* The summary, then a section per kind that has sessions. */
static int write_md(const dif_result *r, FILE *fp, const out_options *opt)
{
    static const char *const titles[DIF_NKINDS] = {"Added", "Removed", "Changed"};
    summary(r, fp);
    int rc = stream_status(fp);
    for (int kind = 0; kind < DIF_NKINDS && rc == 0; kind++) {
        if (!dif_count(r, (dif_kind)kind))
            continue;
        fprintf(fp, "\n## %s\n\n", titles[kind]);
        rc = stream_status(fp);
        if (rc == 0)
            rc = kind == DIF_CHANGED ? md_changes(r, fp, opt)
                                     : md_sessions(r, (dif_kind)kind, fp, opt);
    }
    return rc;
}

int dif_write(const dif_result *r, out_format fmt, FILE *fp, const out_options *opt)
{
    switch (fmt) {
    case OUT_CSV:
        return write_csv(r, fp, opt);
    case OUT_JSON:
        return write_json(r, fp);
    case OUT_NDJSON:
        return write_ndjson(r, fp);
    case OUT_MD:
        return write_md(r, fp, opt);
    default: /* OUT_TABLE */
        return write_table(r, fp, opt->color);
    }
}
