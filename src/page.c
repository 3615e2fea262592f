/* page.c: a report as HTML or Markdown. Both formats show the same sections in the same order
 * with the same numbers; the HTML page draws its two charts as inline SVG, the Markdown one has
 * a text bar per row instead.
 *
 * The HTML is also well-formed XML (every element closed, attributes quoted, numeric character
 * references only), so that a plain XML parser can check it; it refers to nothing outside
 * itself but its own fragments (#summary). */
#include "page.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "output.h"
#include "sessq.h"

static const char *const outcome_names[RP_NOUTCOMES] = {"success", "warning",  "failed",
                                                        "running", "canceled", "other"};

/* ---- values as text ----------------------------------------------------------------------- */

typedef struct {
    char buf[SES_TIME_BUFSZ];
} short_text;

static const char *time_text(int64_t ticks, short_text *s)
{
    if (ticks == SES_NULL)
        return "-";
    s->buf[out_time_text(ticks, s->buf)] = '\0';
    return s->buf;
}

static const char *duration_text(int64_t ticks, short_text *s)
{
    if (ticks == SES_NULL)
        return "-";
    out_duration_text(ticks, s->buf, sizeof s->buf);
    return s->buf;
}

static const char *count_text(int64_t n, short_text *s)
{
    snprintf(s->buf, sizeof s->buf, "%" PRId64, n);
    return s->buf;
}

/* A share as `stats`' table shows it: one decimal of a percentage. */
static const char *percent_text(double share, short_text *s)
{
    if (isnan(share))
        return "-";
    snprintf(s->buf, sizeof s->buf, "%.1f%%", share * 100);
    return s->buf;
}

static const char *plural(int64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* A key of a session as text: the table's own, or written into scratch. */
static sq_str key_text(const tbl_table *t, size_t row, ses_key k, char scratch[SES_TIME_BUFSZ])
{
    sq_value v;
    tbl_get(t, row, k, &v, scratch);
    sq_str s = {NULL, 0};
    if (v.kind == SQ_NULL)
        return s;
    const char *p;
    size_t n;
    ses_value_text(&v, scratch, &p, &n);
    s.p = p;
    s.n = (uint32_t)n;
    return s;
}

/* Restore sessions belong to an organization, Azure ones to a policy: one column for both. */
static sq_str owner_text(const tbl_table *t, size_t row, char scratch[SES_TIME_BUFSZ])
{
    sq_str s = key_text(t, row, K_ORGANIZATION, scratch);
    return s.p ? s : key_text(t, row, K_POLICY_NAME, scratch);
}

/* What went on: restore sessions say it in details, Azure restores in reason. */
static sq_str details_text(const tbl_table *t, size_t row, char scratch[SES_TIME_BUFSZ])
{
    sq_str s = key_text(t, row, K_DETAILS, scratch);
    return s.p ? s : key_text(t, row, K_REASON, scratch);
}

static const char *unit_name(rp_unit u)
{
    return u == RP_DAY ? "day" : u == RP_MONTH ? "month" : "year";
}

static const char *const list_titles[RP_NLISTS] = {"Longest failed sessions",
                                                   "Most recent failed sessions", "Running now"};
static const char *const list_ids[RP_NLISTS] = {"longest-failed", "recent-failed", "running"};
static const char *const grouping_titles[RP_NGROUPINGS] = {
    "Failures by organization", "Failures by policy", "Failures by initiator"};
static const char *const grouping_ids[RP_NGROUPINGS] = {"by-organization", "by-policy",
                                                        "by-initiator"};

/* The columns of a list of sessions; the second is the duration, or for running sessions the
 * time they have run. */
enum {
    LC_START,
    LC_TIME,
    LC_STATUS,
    LC_TYPE,
    LC_NAME,
    LC_OWNER,
    LC_INITIATOR,
    LC_DETAILS,
    LC_ID,
    LC_NCOLS
};
static const char *const list_columns[LC_NCOLS] = {
    "start",        "duration", "status", "type", "name", "organization / policy",
    "initiated by", "details",  "id"};

typedef struct {
    sq_str cell[LC_NCOLS];
    char scratch[LC_NCOLS][SES_TIME_BUFSZ];
    short_text start, time;
} list_line;

static sq_str str_of(const char *s)
{
    sq_str x = {s, (uint32_t)strlen(s)};
    return x;
}

static void fill_list_line(const rp_report *r, rp_list l, size_t row, list_line *line)
{
    const tbl_table *t = rp_table(r);
    sq_value start, duration;
    tbl_get(t, row, K_START, &start, line->scratch[LC_START]);
    tbl_get(t, row, K_DURATION, &duration, line->scratch[LC_TIME]);
    int64_t time = l == RP_RUNNING_NOW        ? rp_running_for(r, row)
                   : duration.kind == SQ_NULL ? SES_NULL
                                              : duration.i;
    line->cell[LC_START] =
        str_of(time_text(start.kind == SQ_NULL ? SES_NULL : start.i, &line->start));
    line->cell[LC_TIME] = str_of(duration_text(time, &line->time));
    line->cell[LC_STATUS] = key_text(t, row, K_STATUS, line->scratch[LC_STATUS]);
    line->cell[LC_TYPE] = key_text(t, row, K_TYPE, line->scratch[LC_TYPE]);
    line->cell[LC_NAME] = key_text(t, row, K_NAME, line->scratch[LC_NAME]);
    line->cell[LC_OWNER] = owner_text(t, row, line->scratch[LC_OWNER]);
    line->cell[LC_INITIATOR] = key_text(t, row, K_INITIATED_BY, line->scratch[LC_INITIATOR]);
    line->cell[LC_DETAILS] = details_text(t, row, line->scratch[LC_DETAILS]);
    line->cell[LC_ID] = key_text(t, row, K_ID, line->scratch[LC_ID]);
}

/* The sentence under a list that shows only part of what there is. */
static bool cut_short(size_t shown, size_t total, char *buf, size_t size)
{
    if (shown >= total)
        return false;
    snprintf(buf, size, "The first %zu of %zu; --top N shows more.", shown, total);
    return true;
}

/* ---- Markdown ----------------------------------------------------------------------------- */

/* Text outside tables: every character Markdown could take for markup is escaped. */
static void md_inline(FILE *fp, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '<')
            fputs("&lt;", fp);
        else if (c == '>')
            fputs("&gt;", fp);
        else if (c == '&')
            fputs("&amp;", fp);
        else if (c < 0x20 || c == 0x7F)
            fputc(' ', fp);
        else if (strchr("\\`*_{}[]()#+-.!|~", c))
            fprintf(fp, "\\%c", c);
        else
            fputc(c, fp);
    }
}

/* A GitHub table through output's md writer, which escapes every cell. */
typedef struct {
    out_writer *w;
    sq_value vals[LC_NCOLS + 2];
    size_t ncols;
} md_table;

static int md_begin(md_table *m, FILE *fp, const char *const *names, size_t ncols)
{
    m->ncols = ncols;
    m->w = out_new(OUT_MD, fp, names, ncols, NULL);
    return m->w ? 0 : -1;
}

static void md_cell(md_table *m, size_t col, sq_str s)
{
    sq_value *v = &m->vals[col];
    memset(v, 0, sizeof *v);
    if (s.p) {
        v->kind = SQ_TEXT;
        v->text = s.p;
        v->len = s.n;
    }
}

static int md_end(md_table *m)
{
    int rc = out_finish(m->w);
    out_free(m->w);
    m->w = NULL;
    return rc;
}

static int md_row_of(md_table *m) { return out_row(m->w, m->vals); }

/* Ends a table of `shown` of `total` rows, with the sentence saying so when it is cut short;
 * returns -1 when the table or `rc` failed. */
static int md_close(md_table *m, FILE *fp, int rc, size_t shown, size_t total)
{
    rc = md_end(m) < 0 ? -1 : rc;
    char note[128];
    if (cut_short(shown, total, note, sizeof note))
        fprintf(fp, "\n%s\n", note);
    fputc('\n', fp);
    return rc;
}

static void md_summary(FILE *fp, const rp_report *r)
{
    const rp_summary *s = rp_get_summary(r);
    short_text a = {0}, b = {0}, c = {0};
    fprintf(fp, "## Summary\n\n");
    fprintf(fp, "- **Sessions:** %zu", s->sessions);
    if (s->sessions != s->read)
        fprintf(fp, " (of %zu read)", s->read);
    if (s->first_start == SES_NULL)
        fprintf(fp, "\n- **Time span (start, UTC):** none\n");
    else
        fprintf(fp, "\n- **Time span (start, UTC):** %s to %s\n", time_text(s->first_start, &a),
                time_text(s->last_start, &b));
    fprintf(fp, "- **Sources:** ");
    const char *sep = "";
    for (ses_source src = 1; src < SES_SRC_COUNT; src++)
        if (s->per_source[src]) {
            fprintf(fp, "%s%s %zu", sep, ses_source_name(src), s->per_source[src]);
            sep = ", ";
        }
    fprintf(fp, "%s\n", *sep ? "" : "none");
    int64_t finished = (int64_t)s->sessions - s->outcomes[RP_RUNNING];
    fprintf(fp, "- **Success rate:** %s (%" PRId64 " of %" PRId64 " finished %s)\n",
            percent_text(s->success_rate, &c), s->outcomes[RP_SUCCESS], finished,
            plural(finished, "session", "sessions"));
    fprintf(fp, "- **Failures:** %" PRId64 " (Failed or Error)\n", s->outcomes[RP_FAILED]);
    fprintf(fp, "- **Running now:** %" PRId64 "\n", s->outcomes[RP_RUNNING]);
    fprintf(fp,
            "- **Other outcomes:** %" PRId64 " warning, %" PRId64 " canceled, %" PRId64 " other\n",
            s->outcomes[RP_WARNING], s->outcomes[RP_CANCELED], s->outcomes[RP_OTHER]);
    fprintf(fp, "- **Findings of check:** %" PRIu64 " %s, %" PRIu64 " %s", s->errors,
            plural((int64_t)s->errors, "error", "errors"), s->warnings,
            plural((int64_t)s->warnings, "warning", "warnings"));
    sep = " (";
    for (size_t i = 0; i < rp_codes(r); i++) {
        const rp_code_count *cc = rp_code_at(r, i);
        fprintf(fp, "%s%" PRIu64 " %s", sep, cc->count, fnd_code_name(cc->code));
        sep = ", ";
    }
    fprintf(fp, "%s\n\n", rp_codes(r) ? ")" : "");
}

/* The text bar of one bucket: each outcome's share of `width` characters at the scale of the
 * fullest bucket, cut at cumulative rounding so that the parts add up. */
static void md_bar(const rp_bucket *b, int64_t max, char *out, size_t size)
{
    static const char *const marks[RP_NOUTCOMES] = {"\xe2\x96\x88", "\xe2\x96\x93", "\xe2\x96\x92",
                                                    "\xe2\x96\x91", "\xe2\x96\x91", "\xe2\x96\x91"};
    const int width = 20;
    size_t len = 0;
    int64_t sum = 0;
    int drawn = 0;
    out[0] = '\0';
    for (int o = 0; o < RP_NOUTCOMES && max > 0; o++) {
        sum += b->outcomes[o];
        int upto = (int)((sum * width * 2 + max) / (max * 2));
        if (o == RP_NOUTCOMES - 1 && upto == 0 && b->count > 0)
            upto = 1;
        for (; drawn < upto && len + 4 < size; drawn++)
            len += (size_t)snprintf(out + len, size - len, "%s", marks[o]);
    }
    if (b->count > 0 && drawn == 0)
        for (int o = 0; o < RP_NOUTCOMES; o++)
            if (b->outcomes[o]) {
                snprintf(out, size, "%s", marks[o]);
                break;
            }
}

static int md_chart(FILE *fp, const rp_report *r)
{
    rp_unit unit = rp_chart_unit(r);
    fprintf(fp, "## Sessions per %s\n\n", unit_name(unit));
    int64_t max = 0;
    for (size_t i = 0; i < rp_buckets(r); i++)
        if (rp_bucket_at(r, i)->count > max)
            max = rp_bucket_at(r, i)->count;
    if (max == 0) {
        fprintf(fp, "No session has a start.\n\n");
        return 0;
    }
    fprintf(fp,
            "By start (UTC). Bar: \xe2\x96\x88 success, \xe2\x96\x93 warning, \xe2\x96\x92 "
            "failed, \xe2\x96\x91 running, canceled or other; the longest bar is %" PRId64
            " %s. Empty %ss are left out.\n\n",
            max, plural(max, "session", "sessions"), unit_name(unit));
    const char *names[] = {unit_name(unit), "sessions", "success", "warning", "failed",
                           "running",       "canceled", "other",   "bar"};
    md_table m;
    if (md_begin(&m, fp, names, 9) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < rp_buckets(r) && rc == 0; i++) {
        const rp_bucket *b = rp_bucket_at(r, i);
        if (b->count == 0)
            continue;
        short_text n[RP_NOUTCOMES + 1] = {{{0}}};
        char bar[128];
        md_bar(b, max, bar, sizeof bar);
        md_cell(&m, 0, str_of(b->label));
        md_cell(&m, 1, str_of(count_text(b->count, &n[0])));
        for (int o = 0; o < RP_NOUTCOMES; o++)
            md_cell(&m, 2 + (size_t)o, str_of(count_text(b->outcomes[o], &n[o + 1])));
        md_cell(&m, 8, str_of(bar));
        rc = md_row_of(&m);
    }
    rc = md_end(&m) < 0 ? -1 : rc;
    if (rp_unplaced(r))
        fprintf(fp, "\n%" PRId64 " %s without a start %s in no row.\n", rp_unplaced(r),
                plural(rp_unplaced(r), "session", "sessions"), plural(rp_unplaced(r), "is", "are"));
    fputc('\n', fp);
    return rc;
}

static int md_types(FILE *fp, const rp_report *r)
{
    fprintf(fp, "## Duration per type\n\n");
    if (rp_types(r) == 0 || rp_get_summary(r)->sessions == 0) {
        fprintf(fp, "No sessions.\n\n");
        return 0;
    }
    fprintf(fp, "Over the sessions that have a duration; p50 and p95 are nearest-rank "
                "percentiles, as `sessq stats --by type` gives them.\n\n");
    const char *names[] = {"type", "sessions", "min", "p50", "p95", "max"};
    md_table m;
    if (md_begin(&m, fp, names, 6) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < rp_types(r) && rc == 0; i++) {
        const rp_type *ty = rp_type_at(r, i);
        short_text n = {0}, d[4] = {{{0}}};
        md_cell(&m, 0,
                ty->type.kind == SQ_NULL ? str_of("(none)")
                                         : (sq_str){ty->type.text, ty->type.len});
        md_cell(&m, 1, str_of(count_text(ty->count, &n)));
        md_cell(&m, 2, str_of(duration_text(ty->dmin, &d[0])));
        md_cell(&m, 3, str_of(duration_text(ty->p50, &d[1])));
        md_cell(&m, 4, str_of(duration_text(ty->p95, &d[2])));
        md_cell(&m, 5, str_of(duration_text(ty->dmax, &d[3])));
        rc = md_row_of(&m);
    }
    rc = md_end(&m) < 0 ? -1 : rc;
    fputc('\n', fp);
    return rc;
}

static int md_list(FILE *fp, const rp_report *r, rp_list l)
{
    fprintf(fp, "## %s\n\n", list_titles[l]);
    size_t len = rp_list_len(r, l), total = rp_list_total(r, l);
    if (l == RP_RUNNING_NOW) {
        short_text now = {0};
        fprintf(fp, "Running for: from the start to the reference instant, %s UTC.\n\n",
                time_text(rp_get_summary(r)->now, &now));
    }
    if (total == 0) {
        fprintf(fp, "None.\n\n");
        return 0;
    }
    const char *names[LC_NCOLS];
    memcpy(names, list_columns, sizeof names);
    if (l == RP_RUNNING_NOW)
        names[LC_TIME] = "running for";
    md_table m;
    if (md_begin(&m, fp, names, LC_NCOLS) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < len && rc == 0; i++) {
        list_line line = {0};
        fill_list_line(r, l, rp_list_row(r, l, i), &line);
        for (size_t c = 0; c < LC_NCOLS; c++)
            md_cell(&m, c, line.cell[c]);
        rc = md_row_of(&m);
    }
    return md_close(&m, fp, rc, len, total);
}

static int md_groups(FILE *fp, const rp_report *r, rp_grouping g)
{
    fprintf(fp, "## %s\n\n", grouping_titles[g]);
    size_t len = rp_groups(r, g), total = rp_groups_total(r, g);
    if (total == 0) {
        fprintf(fp, "No failures.\n\n");
        return 0;
    }
    const char *names[] = {ses_key_name(rp_grouping_key(g)), "failed", "sessions", "failed share"};
    md_table m;
    if (md_begin(&m, fp, names, 4) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < len && rc == 0; i++) {
        const rp_group *gr = rp_group_at(r, g, i);
        short_text f = {0}, n = {0}, p = {0};
        md_cell(&m, 0,
                gr->key.kind == SQ_NULL ? str_of("(none)") : (sq_str){gr->key.text, gr->key.len});
        md_cell(&m, 1, str_of(count_text(gr->failed, &f)));
        md_cell(&m, 2, str_of(count_text(gr->count, &n)));
        md_cell(&m, 3, str_of(percent_text((double)gr->failed / (double)gr->count, &p)));
        rc = md_row_of(&m);
    }
    return md_close(&m, fp, rc, len, total);
}

static int md_findings(FILE *fp, const rp_report *r)
{
    fprintf(fp, "## Findings of check\n\n");
    if (rp_codes(r) == 0) {
        fprintf(fp, "None: `sessq check` finds nothing wrong in the input.\n");
        return 0;
    }
    const char *counts[] = {"severity", "code", "count"};
    md_table m;
    if (md_begin(&m, fp, counts, 3) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < rp_codes(r) && rc == 0; i++) {
        const rp_code_count *cc = rp_code_at(r, i);
        short_text n = {0};
        md_cell(&m, 0, str_of(fnd_severity_name(cc->severity)));
        md_cell(&m, 1, str_of(fnd_code_name(cc->code)));
        md_cell(&m, 2, str_of(count_text((int64_t)cc->count, &n)));
        rc = md_row_of(&m);
    }
    rc = md_end(&m) < 0 ? -1 : rc;
    fputc('\n', fp);
    const char *names[] = {"file", "line", "column", "severity", "code", "message"};
    if (rc < 0 || md_begin(&m, fp, names, 6) < 0)
        return -1;
    for (size_t i = 0; i < rp_findings(r) && rc == 0; i++) {
        const fnd_finding *f = rp_finding_at(r, i);
        short_text line = {0}, column = {0};
        md_cell(&m, 0, f->file ? str_of(f->file) : (sq_str){NULL, 0});
        md_cell(&m, 1, f->line ? str_of(count_text((int64_t)f->line, &line)) : (sq_str){NULL, 0});
        md_cell(&m, 2,
                f->line ? str_of(count_text((int64_t)f->column, &column)) : (sq_str){NULL, 0});
        md_cell(&m, 3, str_of(fnd_severity_name(f->severity)));
        md_cell(&m, 4, str_of(fnd_code_name(f->code)));
        md_cell(&m, 5, str_of(f->message));
        rc = md_row_of(&m);
    }
    rc = md_end(&m) < 0 ? -1 : rc;
    if (rp_findings(r) < rp_findings_total(r))
        fprintf(fp, "\nThe first %zu of %" PRIu64 " findings; `sessq check` lists them all.\n",
                rp_findings(r), rp_findings_total(r));
    return rc;
}

/* The page's opening lines, in both formats: what was read (numbers and words only, nothing
 * to escape), up to the filters... */
static void read_counts(FILE *fp, const rp_summary *s)
{
    fprintf(fp,
            "Read: %zu %s (%zu could not be), %" PRIu64 " %s, %" PRIu64
            " session %s; %zu %s read more than once, merged. Filters: ",
            s->inputs.files, plural((int64_t)s->inputs.files, "file", "files"),
            s->inputs.files_failed, s->inputs.documents,
            plural((int64_t)s->inputs.documents, "document", "documents"), s->inputs.records,
            plural((int64_t)s->inputs.records, "record", "records"), s->merged,
            plural((int64_t)s->merged, "session", "sessions"));
}

/* ... and after them. */
static void reference_instant(FILE *fp, const rp_summary *s)
{
    short_text now = {0};
    fprintf(fp, ". Times are UTC. Reference instant: %s (%s).",
            s->now == SES_NULL ? "none" : time_text(s->now, &now),
            s->now_given ? "--now" : "the latest start or end read");
}

static void md_intro(FILE *fp, const rp_report *r)
{
    const rp_options *o = rp_opts(r);
    const rp_summary *s = rp_get_summary(r);
    const char *title = o->title ? o->title : "sessq report";
    fputs("# ", fp);
    md_inline(fp, title, strlen(title));
    fputs("\n\n", fp);
    read_counts(fp, s);
    if (o->filters)
        md_inline(fp, o->filters, strlen(o->filters));
    else
        fputs("none", fp);
    reference_instant(fp, s);
    fputs("\n\n", fp);
}

static int write_md(const rp_report *r, FILE *fp)
{
    md_intro(fp, r);
    md_summary(fp, r);
    int rc = md_chart(fp, r) | md_types(fp, r);
    for (rp_list l = 0; l < RP_NLISTS && rc == 0; l++)
        rc = md_list(fp, r, l);
    for (rp_grouping g = 0; g < RP_NGROUPINGS && rc == 0; g++)
        rc = md_groups(fp, r, g);
    return rc == 0 ? md_findings(fp, r) : rc;
}

/* ---- HTML --------------------------------------------------------------------------------- */

/* Text and attribute values: markup characters as references; controls (but tab and newline),
 * C1 controls, noncharacters and bytes that are not UTF-8 as spaces or U+FFFD, which HTML and
 * XML both refuse raw. */
static void h_text(FILE *fp, const char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x80) {
            if (c == '&')
                fputs("&amp;", fp);
            else if (c == '<')
                fputs("&lt;", fp);
            else if (c == '>')
                fputs("&gt;", fp);
            else if (c == '"')
                fputs("&quot;", fp);
            else if (c == '\'')
                fputs("&#39;", fp);
            else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F)
                fputc(' ', fp);
            else
                fputc(c, fp);
            i++;
            continue;
        }
        size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        uint32_t cp = c >= 0xF0 ? c & 0x07u : c >= 0xE0 ? c & 0x0Fu : c & 0x1Fu;
        bool valid = c >= 0xC2 && c <= 0xF4 && i + len <= n;
        for (size_t k = 1; valid && k < len; k++) {
            valid = ((unsigned char)p[i + k] & 0xC0) == 0x80;
            cp = cp << 6 | ((unsigned char)p[i + k] & 0x3Fu);
        }
        valid = valid &&
                cp >= (len == 2   ? 0x80u
                       : len == 3 ? 0x800u
                                  : 0x10000u) &&
                cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF) && cp > 0x9F &&
                !(cp >= 0xFDD0 && cp <= 0xFDEF) && (cp & 0xFFFE) != 0xFFFE;
        if (valid)
            fwrite(p + i, 1, len, fp);
        else
            fputs("\xef\xbf\xbd", fp);
        i += valid ? len : 1;
    }
}

static void h_str(FILE *fp, const char *s) { h_text(fp, s, strlen(s)); }

/* A table cell of dump text; a null shows as a dash. */
static void h_cell(FILE *fp, const char *cls, sq_str s)
{
    fprintf(fp, "<td%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    if (s.p)
        h_text(fp, s.p, s.n);
    else
        fputs("<span class=\"null\">-</span>", fp);
    fputs("</td>", fp);
}

/* A group's key cell: a null key is the group of sessions without one. */
static void h_key_cell(FILE *fp, const sq_value *key)
{
    if (key->kind == SQ_NULL) {
        fputs("<td class=\"x\"><span class=\"null\">(none)</span></td>", fp);
        return;
    }
    fputs("<td class=\"x\">", fp);
    h_text(fp, key->text, key->len);
    fputs("</td>", fp);
}

static void h_num(FILE *fp, const char *text) { fprintf(fp, "<td class=\"n\">%s</td>", text); }

static void h_head(FILE *fp, const char *const *names, size_t n)
{
    fputs("<div class=\"wrap\"><table><thead><tr>", fp);
    for (size_t i = 0; i < n; i++) {
        fputs("<th>", fp);
        h_str(fp, names[i]);
        fputs("</th>", fp);
    }
    fputs("</tr></thead><tbody>\n", fp);
}

static void h_foot(FILE *fp) { fputs("</tbody></table></div>\n", fp); }

static const char css[] =
    ":root{color-scheme:light}\n"
    "body{font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,"
    "sans-serif;color:#1a1a1a;background:#fff;margin:0 auto;max-width:1100px;padding:16px}\n"
    "h1{font-size:1.6em;margin:.2em 0;overflow-wrap:anywhere}\n"
    "h2{font-size:1.2em;border-bottom:2px solid #333;padding-bottom:2px;margin:1.6em 0 .5em}\n"
    "nav a{margin-right:.8em;color:#1a4f8a}\n"
    ".meta,.note{color:#444;font-size:.92em;overflow-wrap:anywhere}\n"
    "dl.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:8px;"
    "margin:0}\n"
    "dl.cards div{border:1px solid #bbb;border-radius:4px;padding:6px 10px}\n"
    "dl.cards dt{font-size:.85em;color:#444}\n"
    "dl.cards dd{margin:0;font-size:1.3em;font-weight:600}\n"
    "dl.cards dd small{display:block;font-size:.62em;font-weight:400;color:#444}\n"
    "dl.cards div.bad{border:2px solid #a50026}\n"
    ".wrap{overflow-x:auto}\n"
    "table{border-collapse:collapse;width:100%;font-size:.88em;margin:.4em 0}\n"
    "th,td{border:1px solid #c8c8c8;padding:3px 6px;text-align:left;vertical-align:top}\n"
    "th{background:#ececec}\n"
    "td.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}\n"
    "td.t{white-space:nowrap}\n"
    "td.x{overflow-wrap:anywhere;min-width:5em}\n"
    ".null{color:#888}\n"
    ".chart{overflow-x:auto}\n"
    ".chart svg{display:block;width:100%;min-width:560px;height:auto}\n"
    "svg text{font-family:system-ui,Arial,sans-serif;font-size:11px;fill:#1a1a1a}\n"
    "details{margin:.3em 0}\n"
    "footer{margin-top:2em;color:#555;font-size:.85em}\n"
    "@media (max-width:600px){body{padding:8px;font-size:13px}}\n"
    "@page{margin:12mm}\n"
    "@media print{body{max-width:none;padding:0;font-size:9.5pt}nav{display:none}"
    ".wrap,.chart{overflow:visible}.chart svg{min-width:0}"
    "figure,tr,dl.cards div{break-inside:avoid}h2{break-after:avoid}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

/* Fills that stay apart in grayscale: lightness steps, and patterns on the two that would
 * otherwise sit near others (failed, other). */
static const char *const outcome_fills[RP_NOUTCOMES] = {"#2e7d32", "#f9a825", "url(#fill-failed)",
                                                        "#0d2c6c", "#9e9e9e", "url(#fill-other)"};

static void svg_defs(FILE *fp)
{
    fputs("<defs><pattern id=\"fill-failed\" width=\"6\" height=\"6\" "
          "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
          "<rect width=\"6\" height=\"6\" fill=\"#c62828\"/>"
          "<rect width=\"2\" height=\"6\" fill=\"#ffffff\"/></pattern>"
          "<pattern id=\"fill-other\" width=\"5\" height=\"5\" patternUnits=\"userSpaceOnUse\">"
          "<rect width=\"5\" height=\"5\" fill=\"#eeeeee\"/>"
          "<circle cx=\"2.5\" cy=\"2.5\" r=\"1.2\" fill=\"#555555\"/></pattern></defs>\n",
          fp);
}

/* A round step for `max` in about five parts: 1, 2 or 5 times a power of ten. */
static int64_t nice_step(int64_t max)
{
    int64_t step = 1;
    while (step * 5 < max) {
        if (step * 2 * 5 >= max)
            return step * 2;
        if (step * 5 * 5 >= max)
            return step * 5;
        step *= 10;
    }
    return step;
}

enum { DC_W = 900, DC_LEFT = 52, DC_RIGHT = 14, DC_TOP = 44, DC_PLOT_H = 210, DC_BOTTOM = 74 };

static void day_legend(FILE *fp)
{
    for (int o = 0; o < RP_NOUTCOMES; o++) {
        int x = DC_LEFT + o * 118;
        fprintf(fp,
                "<rect x=\"%d\" y=\"10\" width=\"14\" height=\"14\" fill=\"%s\" "
                "stroke=\"#333333\" stroke-width=\"0.5\"/><text x=\"%d\" y=\"21\">%s</text>\n",
                x, outcome_fills[o], x + 19, outcome_names[o]);
    }
}

static void day_axes(FILE *fp, int64_t top, int64_t step)
{
    for (int64_t v = 0; v <= top; v += step) {
        double y = DC_TOP + DC_PLOT_H - (double)v * DC_PLOT_H / (double)top;
        fprintf(fp,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#d0d0d0\"/>"
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%" PRId64 "</text>\n",
                DC_LEFT, y, DC_W - DC_RIGHT, y, DC_LEFT - 6, y + 4, v);
    }
    fprintf(fp,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333333\"/>"
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333333\"/>\n",
            DC_LEFT, DC_TOP, DC_LEFT, DC_TOP + DC_PLOT_H, DC_LEFT, DC_TOP + DC_PLOT_H,
            DC_W - DC_RIGHT, DC_TOP + DC_PLOT_H);
    fprintf(fp,
            "<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" "
            "text-anchor=\"middle\">sessions</text>\n",
            DC_TOP + DC_PLOT_H / 2, DC_TOP + DC_PLOT_H / 2);
}

static void day_bar(FILE *fp, const rp_bucket *b, double x, double w, int64_t top)
{
    double base = DC_TOP + DC_PLOT_H;
    for (int o = 0; o < RP_NOUTCOMES; o++) {
        if (b->outcomes[o] == 0)
            continue;
        double h = (double)b->outcomes[o] * DC_PLOT_H / (double)top;
        base -= h;
        fprintf(fp,
                "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\" "
                "stroke=\"#ffffff\" stroke-width=\"0.5\"><title>%s: %" PRId64 " %s of %" PRId64
                "</title></rect>\n",
                x, base, w, h, outcome_fills[o], b->label, b->outcomes[o], outcome_names[o],
                b->count);
    }
}

static void h_day_chart(FILE *fp, const rp_report *r, int64_t max)
{
    size_t n = rp_buckets(r);
    int64_t step = nice_step(max), top = (max + step - 1) / step * step;
    double plot_w = DC_W - DC_LEFT - DC_RIGHT, band = plot_w / (double)n;
    size_t every = (size_t)ceil((double)n * 15 / plot_w);
    fprintf(fp,
            "<figure class=\"chart\"><svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
            "role=\"img\" aria-label=\"Sessions per %s, stacked by status\">\n",
            DC_W, DC_TOP + DC_PLOT_H + DC_BOTTOM, DC_W, DC_TOP + DC_PLOT_H + DC_BOTTOM,
            unit_name(rp_chart_unit(r)));
    svg_defs(fp);
    day_legend(fp);
    day_axes(fp, top, step);
    for (size_t i = 0; i < n; i++) {
        const rp_bucket *b = rp_bucket_at(r, i);
        double x = DC_LEFT + band * (double)i;
        day_bar(fp, b, x + band * 0.12, band * 0.76, top);
        if (i % (every ? every : 1) == 0) {
            double cx = x + band / 2, cy = DC_TOP + DC_PLOT_H + 12;
            fprintf(fp,
                    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" "
                    "transform=\"rotate(-45 %.1f %.1f)\">%s</text>\n",
                    cx, cy, cx, cy, b->label);
        }
    }
    fputs("</svg></figure>\n", fp);
}

static void h_day_table(FILE *fp, const rp_report *r)
{
    const char *names[] = {unit_name(rp_chart_unit(r)),
                           "sessions",
                           "success",
                           "warning",
                           "failed",
                           "running",
                           "canceled",
                           "other"};
    fputs("<details><summary>The numbers of the chart</summary>\n", fp);
    h_head(fp, names, 8);
    for (size_t i = 0; i < rp_buckets(r); i++) {
        const rp_bucket *b = rp_bucket_at(r, i);
        if (b->count == 0)
            continue;
        short_text t = {0};
        fprintf(fp, "<tr><td class=\"t\">%s</td>", b->label);
        h_num(fp, count_text(b->count, &t));
        for (int o = 0; o < RP_NOUTCOMES; o++)
            h_num(fp, count_text(b->outcomes[o], &t));
        fputs("</tr>\n", fp);
    }
    h_foot(fp);
    fputs("</details>\n", fp);
}

static void h_chart(FILE *fp, const rp_report *r)
{
    rp_unit unit = rp_chart_unit(r);
    fprintf(fp, "<section id=\"per-%s\"><h2>Sessions per %s</h2>\n", unit_name(unit),
            unit_name(unit));
    int64_t max = 0;
    for (size_t i = 0; i < rp_buckets(r); i++)
        if (rp_bucket_at(r, i)->count > max)
            max = rp_bucket_at(r, i)->count;
    if (max == 0) {
        fputs("<p>No session has a start.</p></section>\n", fp);
        return;
    }
    fprintf(fp,
            "<p class=\"note\">By start (UTC), every %s of the span; hover over a bar for "
            "its numbers.</p>\n",
            unit_name(unit));
    h_day_chart(fp, r, max);
    h_day_table(fp, r);
    if (rp_unplaced(r))
        fprintf(fp, "<p class=\"note\">%" PRId64 " %s without a start %s in no bar.</p>\n",
                rp_unplaced(r), plural(rp_unplaced(r), "session", "sessions"),
                plural(rp_unplaced(r), "is", "are"));
    fputs("</section>\n", fp);
}

/* The duration chart's axis: a log scale, ticks at these many seconds. */
static const double log_ticks[] = {0.1, 1, 10, 60, 600, 3600, 36000, 86400, 864000, 8640000};
static const char *const log_labels[] = {"0.1s", "1s",  "10s", "1m",  "10m",
                                         "1h",   "10h", "1d",  "10d", "100d"};
#define NLOG_TICKS (sizeof log_ticks / sizeof *log_ticks)

enum { TC_W = 900, TC_LEFT = 190, TC_RIGHT = 200, TC_TOP = 36, TC_ROW = 32, TC_BOTTOM = 34 };

typedef struct {
    size_t lo, hi; /* tick indices of the axis' ends */
} log_axis;

static double seconds(int64_t ticks) { return (double)ticks / SES_TICKS_PER_SECOND; }

static log_axis axis_for(const rp_report *r)
{
    double least = INFINITY, most = 0;
    for (size_t i = 0; i < rp_types(r); i++) {
        const rp_type *ty = rp_type_at(r, i);
        int64_t v[] = {ty->dmin, ty->p50, ty->p95, ty->dmax};
        for (size_t k = 0; k < 4; k++) {
            if (v[k] == SES_NULL || v[k] <= 0)
                continue;
            least = fmin(least, seconds(v[k]));
            most = fmax(most, seconds(v[k]));
        }
    }
    log_axis a = {1, NLOG_TICKS - 1};
    while (a.lo > 0 && log_ticks[a.lo] > least)
        a.lo--;
    while (a.lo + 1 < NLOG_TICKS && log_ticks[a.lo + 1] <= least)
        a.lo++;
    a.hi = a.lo + 1;
    while (a.hi + 1 < NLOG_TICKS && log_ticks[a.hi] < most)
        a.hi++;
    return a;
}

static double log_x(const log_axis *a, int64_t ticks)
{
    double plot = TC_W - TC_LEFT - TC_RIGHT, lo = log(log_ticks[a->lo]), hi = log(log_ticks[a->hi]);
    if (ticks == SES_NULL || ticks <= 0)
        return TC_LEFT;
    double f = (log(seconds(ticks)) - lo) / (hi - lo);
    return TC_LEFT + plot * fmin(fmax(f, 0), 1);
}

static void type_row(FILE *fp, const log_axis *a, const rp_type *ty, int y)
{
    short_text d[4] = {{{0}}};
    fputs("<g><title>", fp);
    if (ty->type.kind == SQ_NULL)
        fputs("(none)", fp);
    else
        h_text(fp, ty->type.text, ty->type.len);
    fprintf(fp, ": min %s, p50 %s, p95 %s, max %s</title>\n", duration_text(ty->dmin, &d[0]),
            duration_text(ty->p50, &d[1]), duration_text(ty->p95, &d[2]),
            duration_text(ty->dmax, &d[3]));
    fprintf(fp, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", TC_LEFT - 8, y + 16);
    if (ty->type.kind == SQ_NULL) {
        fputs("(none)", fp);
    } else {
        size_t n = ty->type.len, cut = n;
        for (size_t chars = 0, i = 0; i < n; i++)
            if (((unsigned char)ty->type.text[i] & 0xC0) != 0x80 && chars++ == 26)
                cut = i;
        h_text(fp, ty->type.text, cut);
        if (cut < n)
            fputs("\xe2\x80\xa6", fp);
    }
    fputs("</text>\n", fp);
    if (ty->p50 == SES_NULL) {
        fprintf(fp,
                "<text x=\"%d\" y=\"%d\" class=\"null\">no session of this type has a "
                "duration</text></g>\n",
                TC_LEFT + 4, y + 16);
        return;
    }
    double x0 = TC_LEFT, mid = y + TC_ROW / 2.0 - 2;
    fprintf(fp,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555555\" "
            "stroke-dasharray=\"3 2\"/>\n",
            log_x(a, ty->dmin), mid, log_x(a, ty->dmax), mid);
    fprintf(fp,
            "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"11\" fill=\"#1f4e79\"/>\n"
            "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"11\" fill=\"#a6cbe8\" "
            "stroke=\"#1f4e79\" stroke-width=\"0.8\"/>\n",
            x0, y + 3, log_x(a, ty->p50) - x0, x0, y + 16, log_x(a, ty->p95) - x0);
    fprintf(fp, "<text x=\"%d\" y=\"%d\">p50 %s \xc2\xb7 p95 %s</text></g>\n", TC_W - TC_RIGHT + 10,
            y + 16, d[1].buf, d[2].buf);
}

static void h_type_chart(FILE *fp, const rp_report *r)
{
    log_axis a = axis_for(r);
    size_t n = rp_types(r);
    int h = TC_TOP + (int)n * TC_ROW + TC_BOTTOM, base = TC_TOP + (int)n * TC_ROW;
    fprintf(fp,
            "<figure class=\"chart\"><svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
            "role=\"img\" aria-label=\"Duration per type: p50 and p95\">\n",
            TC_W, h, TC_W, h);
    fprintf(fp,
            "<rect x=\"%d\" y=\"8\" width=\"14\" height=\"11\" fill=\"#1f4e79\"/>"
            "<text x=\"%d\" y=\"18\">p50</text>"
            "<rect x=\"%d\" y=\"8\" width=\"14\" height=\"11\" fill=\"#a6cbe8\" stroke=\"#1f4e79\" "
            "stroke-width=\"0.8\"/><text x=\"%d\" y=\"18\">p95</text>"
            "<line x1=\"%d\" y1=\"13\" x2=\"%d\" y2=\"13\" stroke=\"#555555\" "
            "stroke-dasharray=\"3 2\"/><text x=\"%d\" y=\"18\">min to max (log scale)</text>\n",
            TC_LEFT, TC_LEFT + 19, TC_LEFT + 70, TC_LEFT + 89, TC_LEFT + 140, TC_LEFT + 170,
            TC_LEFT + 176);
    for (size_t k = a.lo; k <= a.hi; k++) {
        double x = log_x(&a, (int64_t)(log_ticks[k] * SES_TICKS_PER_SECOND));
        fprintf(fp,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#d0d0d0\"/>"
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                x, TC_TOP - 4, x, base, x, base + 16, log_labels[k]);
    }
    for (size_t i = 0; i < n; i++)
        type_row(fp, &a, rp_type_at(r, i), TC_TOP + (int)i * TC_ROW);
    fprintf(fp, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333333\"/>\n", TC_LEFT,
            base, TC_W - TC_RIGHT, base);
    fputs("</svg></figure>\n", fp);
}

static void h_types(FILE *fp, const rp_report *r)
{
    fputs("<section id=\"durations\"><h2>Duration per type</h2>\n", fp);
    if (rp_get_summary(r)->sessions == 0) {
        fputs("<p>No sessions.</p></section>\n", fp);
        return;
    }
    fputs("<p class=\"note\">Over the sessions that have a duration; p50 and p95 are "
          "nearest-rank percentiles, as <code>sessq stats --by type</code> gives them.</p>\n",
          fp);
    h_type_chart(fp, r);
    const char *names[] = {"type", "sessions", "min", "p50", "p95", "max"};
    h_head(fp, names, 6);
    for (size_t i = 0; i < rp_types(r); i++) {
        const rp_type *ty = rp_type_at(r, i);
        short_text n = {0}, d = {0};
        fputs("<tr>", fp);
        h_key_cell(fp, &ty->type);
        h_num(fp, count_text(ty->count, &n));
        int64_t v[] = {ty->dmin, ty->p50, ty->p95, ty->dmax};
        for (size_t k = 0; k < 4; k++)
            h_num(fp, duration_text(v[k], &d));
        fputs("</tr>\n", fp);
    }
    h_foot(fp);
    fputs("</section>\n", fp);
}

static void h_note(FILE *fp, size_t shown, size_t total)
{
    char note[128];
    if (cut_short(shown, total, note, sizeof note))
        fprintf(fp, "<p class=\"note\">%s</p>\n", note);
}

static void h_list(FILE *fp, const rp_report *r, rp_list l)
{
    fprintf(fp, "<section id=\"%s\"><h2>%s</h2>\n", list_ids[l], list_titles[l]);
    size_t len = rp_list_len(r, l), total = rp_list_total(r, l);
    if (l == RP_RUNNING_NOW) {
        short_text now = {0};
        fprintf(fp,
                "<p class=\"note\">Running for: from the start to the reference instant, %s "
                "UTC.</p>\n",
                time_text(rp_get_summary(r)->now, &now));
    }
    if (total == 0) {
        fputs("<p>None.</p></section>\n", fp);
        return;
    }
    const char *names[LC_NCOLS];
    memcpy(names, list_columns, sizeof names);
    if (l == RP_RUNNING_NOW)
        names[LC_TIME] = "running for";
    h_head(fp, names, LC_NCOLS);
    for (size_t i = 0; i < len; i++) {
        list_line line = {0};
        fill_list_line(r, l, rp_list_row(r, l, i), &line);
        fputs("<tr>", fp);
        for (size_t c = 0; c < LC_NCOLS; c++) {
            if (c == LC_TIME)
                h_num(fp, line.time.buf[0] ? line.time.buf : "-");
            else
                h_cell(fp, c == LC_START ? "t" : "x", line.cell[c]);
        }
        fputs("</tr>\n", fp);
    }
    h_foot(fp);
    h_note(fp, len, total);
    fputs("</section>\n", fp);
}

static void h_groups(FILE *fp, const rp_report *r, rp_grouping g)
{
    fprintf(fp, "<section id=\"%s\"><h2>%s</h2>\n", grouping_ids[g], grouping_titles[g]);
    size_t len = rp_groups(r, g), total = rp_groups_total(r, g);
    if (total == 0) {
        fputs("<p>No failures.</p></section>\n", fp);
        return;
    }
    const char *names[] = {ses_key_name(rp_grouping_key(g)), "failed", "sessions", "failed share"};
    h_head(fp, names, 4);
    for (size_t i = 0; i < len; i++) {
        const rp_group *gr = rp_group_at(r, g, i);
        short_text f = {0}, n = {0}, p = {0};
        fputs("<tr>", fp);
        h_key_cell(fp, &gr->key);
        h_num(fp, count_text(gr->failed, &f));
        h_num(fp, count_text(gr->count, &n));
        h_num(fp, percent_text((double)gr->failed / (double)gr->count, &p));
        fputs("</tr>\n", fp);
    }
    h_foot(fp);
    h_note(fp, len, total);
    fputs("</section>\n", fp);
}

static void h_findings(FILE *fp, const rp_report *r)
{
    fputs("<section id=\"findings\"><h2>Findings of check</h2>\n", fp);
    if (rp_codes(r) == 0) {
        fputs("<p>None: <code>sessq check</code> finds nothing wrong in the input.</p>"
              "</section>\n",
              fp);
        return;
    }
    const char *counts[] = {"severity", "code", "count"};
    h_head(fp, counts, 3);
    for (size_t i = 0; i < rp_codes(r); i++) {
        const rp_code_count *cc = rp_code_at(r, i);
        short_text n = {0};
        fprintf(fp, "<tr><td>%s</td><td>%s</td>", fnd_severity_name(cc->severity),
                fnd_code_name(cc->code));
        h_num(fp, count_text((int64_t)cc->count, &n));
        fputs("</tr>\n", fp);
    }
    h_foot(fp);
    const char *names[] = {"file", "line", "column", "severity", "code", "message"};
    h_head(fp, names, 6);
    for (size_t i = 0; i < rp_findings(r); i++) {
        const fnd_finding *f = rp_finding_at(r, i);
        short_text line = {0}, column = {0};
        fputs("<tr>", fp);
        h_cell(fp, "x", f->file ? str_of(f->file) : (sq_str){NULL, 0});
        h_num(fp, f->line ? count_text((int64_t)f->line, &line) : "");
        h_num(fp, f->line ? count_text((int64_t)f->column, &column) : "");
        fprintf(fp, "<td>%s</td><td>%s</td>", fnd_severity_name(f->severity),
                fnd_code_name(f->code));
        h_cell(fp, "x", str_of(f->message));
        fputs("</tr>\n", fp);
    }
    h_foot(fp);
    if (rp_findings(r) < rp_findings_total(r))
        fprintf(fp,
                "<p class=\"note\">The first %zu of %" PRIu64 " findings; <code>sessq check</code> "
                "lists them all.</p>\n",
                rp_findings(r), rp_findings_total(r));
    fputs("</section>\n", fp);
}

static void card(FILE *fp, bool bad, const char *label, const char *value)
{
    fprintf(fp, "<div%s><dt>%s</dt><dd>%s", bad ? " class=\"bad\"" : "", label, value);
}

static void h_summary(FILE *fp, const rp_report *r)
{
    const rp_summary *s = rp_get_summary(r);
    short_text a = {0}, b = {0}, c = {0};
    fputs("<section id=\"summary\"><h2>Summary</h2><dl class=\"cards\">\n", fp);
    card(fp, false, "Sessions", count_text((int64_t)s->sessions, &a));
    if (s->sessions != s->read)
        fprintf(fp, "<small>of %zu read</small>", s->read);
    fputs("</dd></div>\n", fp);
    card(fp, false, "Time span (start, UTC)", "");
    if (s->first_start == SES_NULL)
        fputs("<small>none</small></dd></div>\n", fp);
    else
        fprintf(fp, "<small>%s</small><small>to %s</small></dd></div>\n",
                time_text(s->first_start, &a), time_text(s->last_start, &b));
    card(fp, false, "Sources", "");
    bool any = false;
    for (ses_source src = 1; src < SES_SRC_COUNT; src++)
        if (s->per_source[src]) {
            fprintf(fp, "<small>%s %zu</small>", ses_source_name(src), s->per_source[src]);
            any = true;
        }
    fprintf(fp, "%s</dd></div>\n", any ? "" : "<small>none</small>");
    int64_t finished = (int64_t)s->sessions - s->outcomes[RP_RUNNING];
    card(fp, false, "Success rate", percent_text(s->success_rate, &c));
    fprintf(fp, "<small>%" PRId64 " of %" PRId64 " finished</small></dd></div>\n",
            s->outcomes[RP_SUCCESS], finished);
    card(fp, s->outcomes[RP_FAILED] > 0, "Failures", count_text(s->outcomes[RP_FAILED], &a));
    fputs("<small>Failed or Error</small></dd></div>\n", fp);
    card(fp, false, "Running now", count_text(s->outcomes[RP_RUNNING], &a));
    fputs("</dd></div>\n", fp);
    card(fp, false, "Other outcomes", "");
    fprintf(fp,
            "<small>%" PRId64 " warning</small><small>%" PRId64 " canceled</small><small>%" PRId64
            " other</small></dd></div>\n",
            s->outcomes[RP_WARNING], s->outcomes[RP_CANCELED], s->outcomes[RP_OTHER]);
    card(fp, s->errors > 0, "Findings of check", "");
    fprintf(fp, "<small>%" PRIu64 " %s, %" PRIu64 " %s</small>", s->errors,
            plural((int64_t)s->errors, "error", "errors"), s->warnings,
            plural((int64_t)s->warnings, "warning", "warnings"));
    for (size_t i = 0; i < rp_codes(r); i++)
        fprintf(fp, "<small>%" PRIu64 " %s</small>", rp_code_at(r, i)->count,
                fnd_code_name(rp_code_at(r, i)->code));
    fputs("</dd></div>\n</dl></section>\n", fp);
}

static void h_intro(FILE *fp, const rp_report *r)
{
    const rp_options *o = rp_opts(r);
    const rp_summary *s = rp_get_summary(r);
    const char *title = o->title ? o->title : "sessq report";
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>",
          fp);
    h_str(fp, title);
    fprintf(fp, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header><h1>", css);
    h_str(fp, title);
    fputs("</h1>\n<p class=\"meta\">", fp);
    read_counts(fp, s);
    if (o->filters) {
        fputs("<code>", fp);
        h_str(fp, o->filters);
        fputs("</code>", fp);
    } else {
        fputs("none", fp);
    }
    reference_instant(fp, s);
    fputs("</p>\n", fp);
    fprintf(fp,
            "<nav><a href=\"#summary\">Summary</a><a href=\"#per-%s\">Per %s</a>"
            "<a href=\"#durations\">Durations</a>",
            unit_name(rp_chart_unit(r)), unit_name(rp_chart_unit(r)));
    for (rp_list l = 0; l < RP_NLISTS; l++)
        fprintf(fp, "<a href=\"#%s\">%s</a>", list_ids[l], list_titles[l]);
    for (rp_grouping g = 0; g < RP_NGROUPINGS; g++)
        fprintf(fp, "<a href=\"#%s\">%s</a>", grouping_ids[g], grouping_titles[g]);
    fputs("<a href=\"#findings\">Findings</a></nav>\n</header>\n<main>\n", fp);
}

static int write_html(const rp_report *r, FILE *fp)
{
    h_intro(fp, r);
    h_summary(fp, r);
    h_chart(fp, r);
    h_types(fp, r);
    for (rp_list l = 0; l < RP_NLISTS; l++)
        h_list(fp, r, l);
    for (rp_grouping g = 0; g < RP_NGROUPINGS; g++)
        h_groups(fp, r, g);
    h_findings(fp, r);
    fputs("</main>\n<footer>Made by sessq " SESSQ_VERSION ".</footer>\n</body>\n</html>\n", fp);
    return 0;
}

/* ---- the writer --------------------------------------------------------------------------- */

int page_format_parse(const char *name, page_format *fmt)
{
    if (!strcmp(name, "md"))
        *fmt = PAGE_MD;
    else if (!strcmp(name, "html"))
        *fmt = PAGE_HTML;
    else
        return -1;
    return 0;
}

int page_write(const rp_report *r, page_format fmt, FILE *fp)
{
    errno = 0;
    int rc = fmt == PAGE_MD ? write_md(r, fp) : write_html(r, fp);
    if (fflush(fp) == EOF || ferror(fp))
        rc = -1;
    if (rc < 0 && errno == 0)
        errno = EIO;
    return rc;
}
