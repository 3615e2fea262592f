/* filter.c: the flags and --where expressions as one tree of conditions, parsed once and then
 * only evaluated per row.
 *
 * Every flag is sugar for a comparison --where could write (`--status a,b` is `status == "a" or
 * status == "b"`, `--min-duration D` is `duration >= D`, ...), so both are built from the same
 * nodes and cannot disagree. Numbers are exact: durations and instants are 100 ns ticks, other
 * numbers fixed point with seven decimals, never doubles. Each pattern is compiled (and JIT
 * compiled when PCRE2 can) once, with its match data, so testing a row parses and allocates
 * nothing (only PCRE2's interpreter may grow the frames it keeps in that match data); the match
 * data is written by every test, so a filter serves one thread at a time. */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "filter.h"

#include <pcre2.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FRACTION_DIGITS 7
#define FIXED_ONE 10000000LL /* 10^FRACTION_DIGITS */
/* Parentheses and `not`s nested in one expression: bounds the recursion of parsing and testing
 * whatever a user (or a script) passes. */
#define MAX_NESTING 256
#define DETAIL_SIZE 256

static const char NOT_A_TIMESTAMP[] =
    "not a timestamp: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[.fffffff][Z|\xc2\xb1hh:mm]";
static const char NOT_A_DURATION[] =
    "not a duration: expected seconds, or a number with s, m, h or d (90, 1.5m, 2h, 1d)";
static const char NOT_A_NUMBER[] = "not a number";
static const char OUT_OF_RANGE[] = "number out of range";
static const char TOO_MANY_DIGITS[] = "too many digits after the decimal point (at most 7)";

typedef enum { N_ALL, N_ANY, N_NOT, N_CMP } node_kind;
typedef enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_MATCH } cmp_op;

typedef struct node node;
struct node {
    node_kind kind;
    node **kids; /* N_ALL, N_ANY: any number; N_NOT: one */
    size_t nkids, cap;
    /* N_CMP: `key op constant` */
    ses_key key;
    sq_kind vkind; /* the key's kind, which says which constant below is meant */
    cmp_op op;
    bool null;    /* the constant is null */
    int64_t i;    /* ticks (time, duration), or the whole part (floor) of a number (integer) */
    int64_t frac; /* integer keys: the number's fraction in 10^-7, 0 to FIXED_ONE - 1 */
    char *text;   /* text keys, and any quoted value: the bytes the user meant, decoded */
    size_t len;
    pcre2_code *re; /* OP_MATCH */
    pcre2_match_data *md;
};

struct flt_filter {
    node all; /* N_ALL of every condition added */
    char detail[DETAIL_SIZE];
};

/* ---- nodes -------------------------------------------------------------------------------- */

static node *new_node(node_kind kind)
{
    node *n = calloc(1, sizeof *n);
    if (n)
        n->kind = kind;
    return n;
}

static node *new_cmp(ses_key key, cmp_op op)
{
    node *n = new_node(N_CMP);
    if (n) {
        n->key = key;
        n->vkind = ses_key_kind(key);
        n->op = op;
    }
    return n;
}

static void drop(node *n);

static void clear(node *n)
{
    for (size_t k = 0; k < n->nkids; k++)
        drop(n->kids[k]);
    free(n->kids);
    free(n->text);
    pcre2_match_data_free(n->md);
    pcre2_code_free(n->re);
}

static void drop(node *n)
{
    if (n) {
        clear(n);
        free(n);
    }
}

/* Makes kid a child of parent; on failure the caller still owns kid. */
static int adopt(node *parent, node *kid)
{
    if (parent->nkids == parent->cap) {
        size_t cap = parent->cap ? parent->cap * 2 : 4;
        node **kids = realloc(parent->kids, cap * sizeof *kids);
        if (!kids)
            return -1;
        parent->kids = kids;
        parent->cap = cap;
    }
    parent->kids[parent->nkids++] = kid;
    return 0;
}

/* One byte more than the text, so that an empty text still has a pointer memcmp accepts. */
static int set_text(node *n, const char *p, size_t len)
{
    n->text = malloc(len + 1);
    if (!n->text)
        return -1;
    memcpy(n->text, p, len);
    n->len = len;
    return 0;
}

/* ---- errors ------------------------------------------------------------------------------- */

static int fail(sq_error *err, int code, const char *message, uint64_t column, const char *detail)
{
    *err = (sq_error){.code = code, .message = message, .column = column, .detail = detail};
    return -1;
}

static int bad(sq_error *err, const char *message, uint64_t column, const char *detail)
{
    return fail(err, FLT_ERR_BAD, message, column, detail);
}

static int nomem(sq_error *err) { return fail(err, FLT_ERR_NOMEM, "out of memory", 0, NULL); }

/* The 1-based character position of byte `off` of s: UTF-8 continuation bytes do not count. */
static uint64_t column_at(const char *s, size_t off)
{
    uint64_t column = 1;
    for (size_t i = 0; i < off; i++)
        column += ((unsigned char)s[i] & 0xC0) != 0x80;
    return column;
}

/* "'name'" in the filter's detail buffer, cut at a character boundary when too long. */
static const char *quoted(flt_filter *f, const char *p, size_t n)
{
    size_t room = sizeof f->detail - 3;
    if (n > room) {
        n = room;
        while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
            n--;
    }
    f->detail[0] = '\'';
    memcpy(f->detail + 1, p, n);
    f->detail[n + 1] = '\'';
    f->detail[n + 2] = '\0';
    return f->detail;
}

static int attach(flt_filter *f, node *n, sq_error *err)
{
    if (adopt(&f->all, n) < 0) {
        drop(n);
        return nomem(err);
    }
    return 0;
}

/* ---- numbers and durations ---------------------------------------------------------------- */

typedef struct {
    int64_t whole; /* the floor of the value, so that -1.5 is -2 + 0.5 */
    int64_t frac;  /* 10^-7 units, 0 to FIXED_ONE - 1 */
} fixed;

typedef enum { NUM_OK, NUM_NONE, NUM_RANGE, NUM_DIGITS } num_result;

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static int64_t unit_seconds(char c)
{
    switch (c) {
    case 's':
        return 1;
    case 'm':
        return 60;
    case 'h':
        return 3600;
    case 'd':
        return 86400;
    default:
        return 0;
    }
}

/* All of p..p+n as "[-]digits[.digits][s|m|h|d]": *v the number, *unit the seconds of its unit
 * (0 when it has none). */
static num_result parse_number(const char *p, size_t n, fixed *v, int64_t *unit)
{
    size_t sign = n > 0 && p[0] == '-';
    size_t whole_digits = ses_digit_run(p + sign, n - sign);
    size_t i = sign + whole_digits;
    size_t frac_digits = 0;
    if (i < n && p[i] == '.') {
        frac_digits = ses_digit_run(p + i + 1, n - i - 1);
        if (frac_digits == 0)
            return NUM_NONE;
        i += 1 + frac_digits;
    }
    *unit = i + 1 == n ? unit_seconds(p[i]) : 0;
    if (*unit)
        i++;
    if (whole_digits == 0 || i != n)
        return NUM_NONE;
    if (frac_digits > FRACTION_DIGITS)
        return NUM_DIGITS;
    int64_t whole = 0;
    for (size_t k = 0; k < whole_digits; k++) {
        int d = p[sign + k] - '0';
        if (whole > (INT64_MAX - d) / 10)
            return NUM_RANGE;
        whole = whole * 10 + d;
    }
    int64_t frac = 0;
    for (size_t k = 0; k < FRACTION_DIGITS; k++)
        frac = frac * 10 + (k < frac_digits ? p[sign + whole_digits + 1 + k] - '0' : 0);
    if (sign && frac) {
        whole = -whole - 1;
        frac = FIXED_ONE - frac;
    } else if (sign) {
        whole = -whole;
    }
    *v = (fixed){whole, frac};
    return NUM_OK;
}

/* v units of `seconds` as ticks: exact, since a fraction of 10^-7 of a whole second is a tick. */
static bool to_ticks(fixed v, int64_t seconds, int64_t *ticks)
{
    int64_t per = seconds * SES_TICKS_PER_SECOND;
    if (v.whole > INT64_MAX / per || v.whole < INT64_MIN / per)
        return false;
    int64_t t = v.whole * per;
    int64_t rest = v.frac * seconds;
    if (t > INT64_MAX - rest)
        return false;
    *ticks = t + rest;
    return true;
}

/* No sign: the flags bound a length of time. --where reads its own, signed, numbers. */
int flt_parse_duration(const char *text, int64_t *ticks)
{
    fixed v;
    int64_t unit;
    if (text[0] == '-' || parse_number(text, strlen(text), &v, &unit) != NUM_OK)
        return -1;
    return to_ticks(v, unit ? unit : 1, ticks) ? 0 : -1;
}

/* ---- patterns ----------------------------------------------------------------------------- */

/* Compiles pattern p..p+len into n's regex. On a bad pattern, returns FLT_ERR_BAD with PCRE2's
 * message in f->detail and the byte offset in the pattern where PCRE2 stopped in *where. */
static int compile(flt_filter *f, node *n, const char *p, size_t len, size_t *where)
{
    int code;
    PCRE2_SIZE offset;
    /* MATCH_INVALID_UTF: a dump may hold any bytes, and a field with a bad sequence must simply
     * not match there rather than make the match fail. */
    n->re = pcre2_compile((PCRE2_SPTR)p, len, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &offset,
                          NULL);
    if (!n->re) {
        if (code == PCRE2_ERROR_HEAP_FAILED)
            return FLT_ERR_NOMEM;
        pcre2_get_error_message(code, (PCRE2_UCHAR *)f->detail, sizeof f->detail);
        *where = offset;
        return FLT_ERR_BAD;
    }
    /* Without JIT (an unsupported CPU, no executable memory) pcre2_match() interprets. */
    (void)pcre2_jit_compile(n->re, PCRE2_JIT_COMPLETE);
    /* Only whether it matches is asked, so one pair of offsets is enough. */
    n->md = pcre2_match_data_create(1, NULL);
    return n->md ? FLT_OK : FLT_ERR_NOMEM;
}

/* A match PCRE2 gives up on (match or depth limit) counts as no match. */
static bool matches(const node *n, const sq_value *v)
{
    char buf[SES_TIME_BUFSZ];
    const char *p;
    size_t len;
    ses_value_text(v, buf, &p, &len);
    int rc = pcre2_match(n->re, (PCRE2_SPTR)p, len, 0, 0, n->md, NULL);
    /* The JIT's stack is small; the interpreter keeps its frames on the heap and goes deeper. */
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
        rc = pcre2_match(n->re, (PCRE2_SPTR)p, len, 0, PCRE2_NO_JIT, n->md, NULL);
    return rc >= 0;
}

/* ---- testing ------------------------------------------------------------------------------ */

static unsigned char ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

static bool same_text(const char *a, size_t an, const char *b, size_t bn)
{
    if (an != bn)
        return false;
    for (size_t i = 0; i < an; i++)
        if (ascii_lower((unsigned char)a[i]) != ascii_lower((unsigned char)b[i]))
            return false;
    return true;
}

static int compare_bytes(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    if (c)
        return c < 0 ? -1 : 1;
    return (an > bn) - (an < bn);
}

static int compare_int(int64_t a, int64_t b) { return (a > b) - (a < b); }

/* The row's value against the node's constant: -1, 0 or 1. */
static int compare(const node *n, const sq_value *v)
{
    switch (n->vkind) {
    case SQ_TEXT:
        return compare_bytes(v->text, v->len, n->text, n->len);
    case SQ_INT:
        /* v->i + 0 against n->i + n->frac / 10^7 */
        if (v->i != n->i)
            return compare_int(v->i, n->i);
        return n->frac ? -1 : 0;
    default:
        return compare_int(v->i, n->i);
    }
}

static bool holds(cmp_op op, int c)
{
    switch (op) {
    case OP_EQ:
        return c == 0;
    case OP_NE:
        return c != 0;
    case OP_LT:
        return c < 0;
    case OP_LE:
        return c <= 0;
    case OP_GT:
        return c > 0;
    default:
        return c >= 0;
    }
}

static bool test_cmp(const node *n, const tbl_table *t, size_t row)
{
    char scratch[SES_TIME_BUFSZ];
    sq_value v;
    tbl_get(t, row, n->key, &v, scratch);
    /* A null field equals only null and differs from every value; it is neither before nor
     * after anything, and no pattern matches it. */
    if (v.kind == SQ_NULL)
        return n->null ? n->op == OP_EQ : n->op == OP_NE;
    if (n->null)
        return n->op == OP_NE;
    if (n->op == OP_MATCH)
        return matches(n, &v);
    if (n->vkind == SQ_TEXT && (n->op == OP_EQ || n->op == OP_NE))
        return same_text(v.text, v.len, n->text, n->len) == (n->op == OP_EQ);
    return holds(n->op, compare(n, &v));
}

static bool test(const node *n, const tbl_table *t, size_t row)
{
    switch (n->kind) {
    case N_ALL:
        for (size_t k = 0; k < n->nkids; k++)
            if (!test(n->kids[k], t, row))
                return false;
        return true;
    case N_ANY:
        for (size_t k = 0; k < n->nkids; k++)
            if (test(n->kids[k], t, row))
                return true;
        return false;
    case N_NOT:
        return !test(n->kids[0], t, row);
    default:
        return test_cmp(n, t, row);
    }
}

bool flt_test(const flt_filter *f, const tbl_table *t, size_t row) { return test(&f->all, t, row); }

/* ---- the flags ---------------------------------------------------------------------------- */

flt_filter *flt_new(void)
{
    flt_filter *f = calloc(1, sizeof *f);
    if (f)
        f->all.kind = N_ALL;
    return f;
}

void flt_free(flt_filter *f)
{
    if (f) {
        clear(&f->all);
        free(f);
    }
}

static int add_start(flt_filter *f, const char *text, cmp_op op, sq_error *err)
{
    int64_t ticks;
    if (ses_parse_date_or_time(text, strlen(text), &ticks) < 0)
        return bad(err, NOT_A_TIMESTAMP, 0, NULL);
    node *n = new_cmp(K_START, op);
    if (!n)
        return nomem(err);
    n->i = ticks;
    return attach(f, n, err);
}

int flt_add_since(flt_filter *f, const char *text, sq_error *err)
{
    return add_start(f, text, OP_GE, err);
}

int flt_add_until(flt_filter *f, const char *text, sq_error *err)
{
    return add_start(f, text, OP_LT, err);
}

static bool is_blank(char c) { return c == ' ' || c == '\t'; }

/* `key == item` for each item of the list, any of which may hold. Blanks around items and empty
 * items are dropped, so that "failed, warning" and a script's trailing comma work. */
static int add_list(flt_filter *f, ses_key key, const char *list, sq_error *err)
{
    node *any = new_node(N_ANY);
    if (!any)
        return nomem(err);
    for (const char *p = list;;) {
        const char *end = p + strcspn(p, ",");
        const char *item = p;
        while (item < end && is_blank(*item))
            item++;
        size_t len = (size_t)(end - item);
        while (len > 0 && is_blank(item[len - 1]))
            len--;
        if (len > 0) {
            node *eq = new_cmp(key, OP_EQ);
            if (!eq || set_text(eq, item, len) < 0 || adopt(any, eq) < 0) {
                drop(eq);
                drop(any);
                return nomem(err);
            }
        }
        if (!*end)
            break;
        p = end + 1;
    }
    if (any->nkids == 0) {
        drop(any);
        return bad(err, "expected a comma-separated list of values", 0, NULL);
    }
    return attach(f, any, err);
}

int flt_add_status(flt_filter *f, const char *list, sq_error *err)
{
    return add_list(f, K_STATUS, list, err);
}

int flt_add_type(flt_filter *f, const char *list, sq_error *err)
{
    return add_list(f, K_TYPE, list, err);
}

int flt_add_source(flt_filter *f, const char *list, sq_error *err)
{
    return add_list(f, K_SOURCE, list, err);
}

static int add_duration(flt_filter *f, const char *text, cmp_op op, sq_error *err)
{
    int64_t ticks;
    if (flt_parse_duration(text, &ticks) < 0) {
        fixed v;
        int64_t unit;
        bool negative = parse_number(text, strlen(text), &v, &unit) == NUM_OK && text[0] == '-';
        return bad(err, negative ? "a duration cannot be negative" : NOT_A_DURATION, 0, NULL);
    }
    node *n = new_cmp(K_DURATION, op);
    if (!n)
        return nomem(err);
    n->i = ticks;
    return attach(f, n, err);
}

int flt_add_min_duration(flt_filter *f, const char *text, sq_error *err)
{
    return add_duration(f, text, OP_GE, err);
}

int flt_add_max_duration(flt_filter *f, const char *text, sq_error *err)
{
    return add_duration(f, text, OP_LE, err);
}

int flt_add_match(flt_filter *f, const char *arg, sq_error *err)
{
    const char *eq = strchr(arg, '=');
    if (!eq)
        return bad(err, "expected FIELD=PATTERN", 0, NULL);
    size_t field_len = (size_t)(eq - arg);
    if (field_len == 0)
        return bad(err, "expected a field name before '='", 1, NULL);
    int key = ses_key_lookup(arg, field_len);
    if (key < 0)
        return bad(err, "unknown field", 1, quoted(f, arg, field_len));
    node *n = new_cmp((ses_key)key, OP_MATCH);
    if (!n)
        return nomem(err);
    size_t where;
    int rc = compile(f, n, eq + 1, strlen(eq + 1), &where);
    if (rc != FLT_OK) {
        drop(n);
        if (rc == FLT_ERR_NOMEM)
            return nomem(err);
        return bad(err, "invalid pattern", column_at(arg, field_len + 1 + where), f->detail);
    }
    return attach(f, n, err);
}

/* ---- --where ------------------------------------------------------------------------------
 *
 *   expr := or      or := and ("or" and)*      and := not ("and" not)*
 *   not  := "not" not | "(" expr ")" | cmp     cmp := FIELD OP value
 *
 * Keywords are all lower or all upper case; field names are the output's, exactly. A value is a
 * "quoted string" or a word: everything up to a blank or ')'. What a value may be depends on the
 * field, checked here so that a typo fails before any row is read: a time field takes a
 * timestamp or date (as a word or quoted), duration a number of seconds or a duration, an
 * integer field a number, a text field a string or any word as its text, =~ a quoted pattern;
 * all but =~ take null, with == or != only (an order against null means nothing). Columns count
 * characters of EXPR, from 1. */

typedef struct {
    flt_filter *f;
    const char *s; /* the expression, NUL-terminated */
    size_t n;
    size_t pos;
    int depth;
    sq_error *err;
} parser;

/* Two-character operators first, so that "<=" is not read as "<". */
static const struct {
    const char *text;
    cmp_op op;
    const char *no_value; /* the message when no value follows */
} ops[] = {
    {"==", OP_EQ, "expected a value after '=='"},
    {"!=", OP_NE, "expected a value after '!='"},
    {"<=", OP_LE, "expected a value after '<='"},
    {">=", OP_GE, "expected a value after '>='"},
    {"=~", OP_MATCH, "expected a quoted pattern after '=~'"},
    {"<", OP_LT, "expected a value after '<'"},
    {">", OP_GT, "expected a value after '>'"},
};
#define NOPS (sizeof ops / sizeof ops[0])

typedef enum { FOUND_NUMBER, FOUND_DURATION, FOUND_TIME, FOUND_STRING, FOUND_KINDS } found;

#define TIME_KEY(name)                                                                             \
    {                                                                                              \
        [FOUND_NUMBER] = name " takes a timestamp, not a number",                                  \
        [FOUND_DURATION] = name " takes a timestamp, not a duration",                              \
    }
#define INT_KEY(name)                                                                              \
    {                                                                                              \
        [FOUND_DURATION] = name " takes a number, not a duration",                                 \
        [FOUND_TIME] = name " takes a number, not a timestamp",                                    \
        [FOUND_STRING] = name " takes a number, not a string",                                     \
    }

/* The message for a value of the wrong kind, by key and by what was found. */
static const char *const wrong_value[SES_NALLKEYS][FOUND_KINDS] = {
    [K_START] = TIME_KEY("start"),
    [K_END] = TIME_KEY("end"),
    [K_DURATION] =
        {
            [FOUND_TIME] = "duration takes a number or a duration, not a timestamp",
            [FOUND_STRING] = "duration takes a number or a duration, not a string",
        },
    [K_PROCESSED_OBJECTS] = INT_KEY("processed_objects"),
    [K_PROGRESS] = INT_KEY("progress"),
    [K_USN] = INT_KEY("usn"),
    [K_PROTECTED_INSTANCES] = INT_KEY("protected_instances"),
};

static int syntax(parser *p, const char *message, size_t off)
{
    return bad(p->err, message, column_at(p->s, off), NULL);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void skip_space(parser *p)
{
    while (p->pos < p->n && is_space(p->s[p->pos]))
        p->pos++;
}

static bool is_name_char(char c)
{
    return is_digit(c) || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static size_t name_len(const parser *p)
{
    size_t i = p->pos;
    while (i < p->n && is_name_char(p->s[i]))
        i++;
    return i - p->pos;
}

static bool is_keyword(const char *w, size_t len, const char *lower, const char *upper)
{
    return len == strlen(lower) && (memcmp(w, lower, len) == 0 || memcmp(w, upper, len) == 0);
}

static bool is_null_word(const char *w, size_t len) { return is_keyword(w, len, "null", "NULL"); }

static bool is_reserved(const char *w, size_t len)
{
    return is_keyword(w, len, "and", "AND") || is_keyword(w, len, "or", "OR") ||
           is_keyword(w, len, "not", "NOT") || is_null_word(w, len);
}

/* Consumes keyword `lower` (or `upper`) when it comes next. */
static bool take_keyword(parser *p, const char *lower, const char *upper)
{
    skip_space(p);
    size_t len = name_len(p);
    if (!is_keyword(p->s + p->pos, len, lower, upper))
        return false;
    p->pos += len;
    return true;
}

/* Strings know the escapes \" \\ \n \t; any other backslash is kept as it is, so that patterns
 * can be written "\d+" as well as "\\d+". */
static bool is_escape(char c) { return c == '"' || c == '\\' || c == 'n' || c == 't'; }

/* Bytes of EXPR at s[j] that make one byte of a decoded string. s[j + 1] exists: the NUL at the
 * end of EXPR at worst, which is no escape. */
static size_t escape_len(const char *s, size_t j)
{
    return s[j] == '\\' && is_escape(s[j + 1]) ? 2 : 1;
}

static char unescape(char c) { return c == 'n' ? '\n' : c == 't' ? '\t' : c; }

/* Where in EXPR byte k of the string opened by the quote at `open` came from: PCRE2 counts in
 * the decoded pattern, the user in what they typed. */
static size_t source_of(const char *s, size_t open, size_t k)
{
    size_t j = open + 1;
    for (size_t d = 0; d < k; d++)
        j += escape_len(s, j);
    return j;
}

static int not_a_number(parser *p, const node *n, num_result r, const char *w, size_t len,
                        size_t at, const char *otherwise)
{
    int64_t ticks;
    if (r == NUM_RANGE)
        return syntax(p, OUT_OF_RANGE, at);
    if (r == NUM_DIGITS)
        return syntax(p, TOO_MANY_DIGITS, at);
    if (ses_parse_date_or_time(w, len, &ticks) == 0)
        return syntax(p, wrong_value[n->key][FOUND_TIME], at);
    return syntax(p, otherwise, at);
}

static int time_word(parser *p, node *n, const char *w, size_t len, size_t at)
{
    if (ses_parse_date_or_time(w, len, &n->i) == 0)
        return 0;
    fixed v;
    int64_t unit;
    num_result r = parse_number(w, len, &v, &unit);
    if (r == NUM_NONE)
        return syntax(p, NOT_A_TIMESTAMP, at);
    return syntax(p, wrong_value[n->key][r == NUM_OK && unit ? FOUND_DURATION : FOUND_NUMBER], at);
}

/* A bare number is seconds, as in --min-duration. */
static int duration_word(parser *p, node *n, const char *w, size_t len, size_t at)
{
    fixed v;
    int64_t unit;
    num_result r = parse_number(w, len, &v, &unit);
    if (r != NUM_OK)
        return not_a_number(p, n, r, w, len, at, NOT_A_DURATION);
    return to_ticks(v, unit ? unit : 1, &n->i) ? 0 : syntax(p, OUT_OF_RANGE, at);
}

static int int_word(parser *p, node *n, const char *w, size_t len, size_t at)
{
    fixed v;
    int64_t unit;
    num_result r = parse_number(w, len, &v, &unit);
    if (r != NUM_OK)
        return not_a_number(p, n, r, w, len, at, NOT_A_NUMBER);
    if (unit)
        return syntax(p, wrong_value[n->key][FOUND_DURATION], at);
    n->i = v.whole;
    n->frac = v.frac;
    return 0;
}

/* An unquoted value: on a text key it is taken as text, so that `id == 14` finds Azure's text
 * ids and `day >= 2022-01-01` needs no quotes. */
static int word_value(parser *p, node *n, const char *w, size_t len, size_t at)
{
    switch (n->vkind) {
    case SQ_TEXT:
        return set_text(n, w, len) < 0 ? nomem(p->err) : 0;
    case SQ_TIME:
        return time_word(p, n, w, len, at);
    case SQ_SECONDS:
        return duration_word(p, n, w, len, at);
    default:
        return int_word(p, n, w, len, at);
    }
}

static int pattern_value(parser *p, node *n, size_t open)
{
    size_t where;
    int rc = compile(p->f, n, n->text, n->len, &where);
    if (rc == FLT_ERR_NOMEM)
        return nomem(p->err);
    if (rc != FLT_OK)
        return bad(p->err, "invalid pattern", column_at(p->s, source_of(p->s, open, where)),
                   p->f->detail);
    return 0;
}

/* A quoted string: a pattern after =~, text on a text key, a timestamp on a time key. */
static int string_value(parser *p, node *n, size_t open)
{
    size_t close = open + 1;
    while (close < p->n && p->s[close] != '"')
        close += escape_len(p->s, close);
    if (close >= p->n)
        return syntax(p, "unterminated string", open);
    n->text = malloc(close - open);
    if (!n->text)
        return nomem(p->err);
    for (size_t j = open + 1; j < close; j += escape_len(p->s, j))
        n->text[n->len++] = escape_len(p->s, j) == 2 ? unescape(p->s[j + 1]) : p->s[j];
    p->pos = close + 1;
    if (n->op == OP_MATCH)
        return pattern_value(p, n, open);
    if (n->vkind == SQ_TEXT)
        return 0;
    if (n->vkind != SQ_TIME)
        return syntax(p, wrong_value[n->key][FOUND_STRING], open);
    return ses_parse_date_or_time(n->text, n->len, &n->i) == 0 ? 0
                                                               : syntax(p, NOT_A_TIMESTAMP, open);
}

static int parse_value(parser *p, node *n, const char *no_value)
{
    skip_space(p);
    size_t at = p->pos;
    if (at < p->n && p->s[at] == '"')
        return string_value(p, n, at);
    size_t end = at;
    while (end < p->n && !is_space(p->s[end]) && p->s[end] != ')')
        end++;
    const char *w = p->s + at;
    size_t len = end - at;
    bool null = is_null_word(w, len);
    /* A word that starts like an operator is a typo ("<>", "==="), not text. */
    bool op_like = len > 0 && strchr("=!<>~(", w[0]) != NULL;
    if (len == 0 || op_like || n->op == OP_MATCH || (is_reserved(w, len) && !null))
        return syntax(p, no_value, at);
    p->pos = end;
    if (!null)
        return word_value(p, n, w, len, at);
    if (n->op != OP_EQ && n->op != OP_NE)
        return syntax(p, "null can only be compared with == or !=", at);
    n->null = true;
    return 0;
}

static node *parse_cmp(parser *p)
{
    size_t at = p->pos;
    size_t len = name_len(p);
    const char *name = p->s + at;
    if (len == 0 || is_reserved(name, len)) {
        syntax(p, "expected a field name", at);
        return NULL;
    }
    int key = ses_key_lookup(name, len);
    if (key < 0) {
        bad(p->err, "unknown field", column_at(p->s, at), quoted(p->f, name, len));
        return NULL;
    }
    p->pos += len;
    skip_space(p);
    size_t op = 0;
    while (op < NOPS && strncmp(p->s + p->pos, ops[op].text, strlen(ops[op].text)) != 0)
        op++;
    if (op == NOPS) {
        syntax(p, "expected an operator (== != < <= > >= =~)", p->pos);
        return NULL;
    }
    p->pos += strlen(ops[op].text);
    node *n = new_cmp((ses_key)key, ops[op].op);
    if (!n) {
        nomem(p->err);
        return NULL;
    }
    if (parse_value(p, n, ops[op].no_value) < 0) {
        drop(n);
        return NULL;
    }
    return n;
}

static node *parse_chain(parser *p, bool any);
static node *parse_not(parser *p);

static node *parse_group(parser *p)
{
    p->pos++;
    node *n = parse_chain(p, true);
    if (!n)
        return NULL;
    skip_space(p);
    if (p->pos == p->n || p->s[p->pos] != ')') {
        drop(n);
        syntax(p, "expected ')'", p->pos);
        return NULL;
    }
    p->pos++;
    return n;
}

static node *parse_negation(parser *p)
{
    node *kid = parse_not(p);
    if (!kid)
        return NULL;
    node *n = new_node(N_NOT);
    if (!n || adopt(n, kid) < 0) {
        drop(kid);
        drop(n);
        nomem(p->err);
        return NULL;
    }
    return n;
}

/* not := "not" not | "(" expr ")" | cmp */
static node *parse_not(parser *p)
{
    skip_space(p);
    size_t at = p->pos;
    bool negation = take_keyword(p, "not", "NOT");
    if (!negation && (at == p->n || p->s[at] != '('))
        return parse_cmp(p);
    if (p->depth == MAX_NESTING) {
        syntax(p, "expression nested too deeply", at);
        return NULL;
    }
    p->depth++;
    node *n = negation ? parse_negation(p) : parse_group(p);
    p->depth--;
    return n;
}

static node *operand(parser *p, bool any) { return any ? parse_chain(p, false) : parse_not(p); }

/* With `any`, or := and ("or" and)*; else and := not ("and" not)*. One operand alone is
 * returned as it is. */
static node *parse_chain(parser *p, bool any)
{
    const char *lower = any ? "or" : "and";
    const char *upper = any ? "OR" : "AND";
    node *first = operand(p, any);
    if (!first || !take_keyword(p, lower, upper))
        return first;
    node *list = new_node(any ? N_ANY : N_ALL);
    if (!list || adopt(list, first) < 0) {
        drop(first);
        drop(list);
        nomem(p->err);
        return NULL;
    }
    do {
        node *next = operand(p, any);
        if (!next) {
            drop(list);
            return NULL;
        }
        if (adopt(list, next) < 0) {
            drop(next);
            drop(list);
            nomem(p->err);
            return NULL;
        }
    } while (take_keyword(p, lower, upper));
    return list;
}

int flt_add_where(flt_filter *f, const char *expr, sq_error *err)
{
    parser p = {.f = f, .s = expr, .n = strlen(expr), .err = err};
    skip_space(&p);
    if (p.pos == p.n)
        return bad(err, "empty expression", 0, NULL);
    node *n = parse_chain(&p, true);
    if (!n)
        return -1;
    skip_space(&p);
    if (p.pos < p.n) {
        drop(n);
        return syntax(&p, "unexpected text after the expression", p.pos);
    }
    return attach(f, n, err);
}
