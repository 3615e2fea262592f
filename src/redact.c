/* redact.c: keyed pseudonyms for what identifies a customer in one session record.
 *
 * The record is tokenized once; each string value is judged by its key, and only the strings
 * whose text changes are written anew: everything between them is copied from the input as it
 * stood. A record's top-level `name` is judged last, because only the whole record says
 * whether it is a data retrieval session (whose name is the retrieval's own name). */
#include "redact.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "json.h"
#include "mem.h"

typedef struct {
    char *p;
    size_t n, cap;
} rbuf;

/* How a string value is treated, chosen by its key. */
typedef enum {
    K_FREE, /* scanned for e-mail addresses, URLs, DOMAIN\user, IPv4, *.onmicrosoft.com */
    K_KEEP, /* never touched: ids, types, states, results, times */
    K_ORG,
    K_USER,
    K_HOST,
    K_POLICY,
    K_REPO,
    K_JOB,
    K_RETRIEVAL,
    K_NAME /* the record's top-level name: judged once the whole record is read */
} kind;

struct rd_redactor {
    uint8_t key[16];
    json_parser *parser;
    rbuf out;  /* the redacted record */
    rbuf text; /* the new text of one string, before JSON escaping */
    rbuf name; /* the top-level name, decoded, until the record is read */
    /* Per open container, by depth: the identifying kind of the key it stands under (directly
     * or further up), else K_FREE; its `name`s and bare strings are of that kind. */
    unsigned char under[SQ_MAX_DEPTH + 1];
};

static int grow(rbuf *b, size_t more)
{
    if (more > SIZE_MAX / 2 - b->n)
        return -1;
    return mem_reserve((void **)&b->p, &b->cap, b->n + more, 1);
}

static int put(rbuf *b, const void *s, size_t n)
{
    if (grow(b, n))
        return -1;
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
    return 0;
}

static int put_str(rbuf *b, const char *s) { return put(b, s, strlen(s)); }

/* ---- SipHash-2-4, written from the specification (Aumasson, Bernstein: "SipHash: a fast
 * short-input PRF", 2012). The message is read through sip_msg so that the pseudonyms can hash
 * a value with its ASCII letters folded, or behind a marker byte, without copying it. */

typedef struct {
    const uint8_t *s;
    size_t n;
    bool fold;   /* read A-Z as a-z */
    bool marked; /* a 0xFF byte comes first: never the first byte of UTF-8 text */
} sip_msg;

static size_t msg_len(const sip_msg *m) { return m->n + m->marked; }

static uint8_t msg_byte(const sip_msg *m, size_t i)
{
    if (m->marked) {
        if (i == 0)
            return 0xff;
        i--;
    }
    uint8_t c = m->s[i];
    return m->fold && c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static uint64_t rotl(uint64_t x, unsigned b) { return (x << b) | (x >> (64 - b)); }

static void sip_round(uint64_t v[4])
{
    v[0] += v[1];
    v[1] = rotl(v[1], 13);
    v[1] ^= v[0];
    v[0] = rotl(v[0], 32);
    v[2] += v[3];
    v[3] = rotl(v[3], 16);
    v[3] ^= v[2];
    v[0] += v[3];
    v[3] = rotl(v[3], 21);
    v[3] ^= v[0];
    v[2] += v[1];
    v[1] = rotl(v[1], 17);
    v[1] ^= v[2];
    v[2] = rotl(v[2], 32);
}

static uint64_t load_le(const uint8_t *p, size_t n)
{
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x |= (uint64_t)p[i] << (8 * i);
    return x;
}

static void sip_compress(uint64_t v[4], uint64_t m)
{
    v[3] ^= m;
    sip_round(v);
    sip_round(v);
    v[0] ^= m;
}

static uint64_t sip(const uint8_t key[16], const sip_msg *m)
{
    uint64_t k0 = load_le(key, 8), k1 = load_le(key + 8, 8);
    uint64_t v[4] = {k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
                     k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull};
    size_t len = msg_len(m), i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w = 0;
        for (size_t j = 0; j < 8; j++)
            w |= (uint64_t)msg_byte(m, i + j) << (8 * j);
        sip_compress(v, w);
    }
    uint64_t last = (uint64_t)(len & 0xff) << 56;
    for (size_t j = 0; i + j < len; j++)
        last |= (uint64_t)msg_byte(m, i + j) << (8 * j);
    sip_compress(v, last);
    v[2] ^= 0xff;
    for (int r = 0; r < 4; r++)
        sip_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

uint64_t rd_siphash24(const uint8_t key[16], const void *msg, size_t len)
{
    sip_msg m = {msg, len, false, false};
    return sip(key, &m);
}

/* ---- Pseudonyms ---- */

static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alnum(char c) { return is_upper(c) || is_lower(c) || is_digit(c); }
/* A byte of a non-ASCII UTF-8 character: taken as a letter, so that "jörg" is one word. */
static bool is_high(char c) { return (unsigned char)c >= 0x80; }

typedef enum { CASE_LOWER, CASE_UPPER, CASE_CAPITAL, CASE_MIXED } case_class;

/* The spelling of a value's ASCII letters, which its pseudonym mirrors: values that differ only
 * in case share their digits (one customer) yet stay apart, as `stats` keeps them apart. */
static case_class case_of(const char *s, size_t n)
{
    size_t upper = 0, lower = 0;
    bool first_letter_upper = false, seen_letter = false;
    for (size_t i = 0; i < n; i++) {
        if (is_upper(s[i])) {
            upper++;
            if (!seen_letter)
                first_letter_upper = true;
        } else if (is_lower(s[i])) {
            lower++;
        }
        seen_letter = seen_letter || is_upper(s[i]) || is_lower(s[i]);
    }
    if (!upper)
        return CASE_LOWER;
    if (!lower)
        return CASE_UPPER;
    return upper == 1 && first_letter_upper ? CASE_CAPITAL : CASE_MIXED;
}

/* prefix-hhhhhhhhhhhh: 48 bits of the keyed hash of `v` with its ASCII letters folded; spelled
 * after v[0..case_n) (see case_of); a mixed spelling adds 16 bits of the hash of the exact
 * spelling. */
static int pseudonym(const rd_redactor *r, rbuf *b, const char *prefix, const char *v, size_t n,
                     size_t case_n)
{
    sip_msg folded = {(const uint8_t *)v, n, true, false};
    uint64_t h = sip(r->key, &folded) >> 16;
    case_class c = case_of(v, case_n);
    char text[64];
    int len = snprintf(text, sizeof text, "%s-%012llx", prefix, (unsigned long long)h);
    if (c == CASE_UPPER)
        for (int i = 0; i < len; i++)
            text[i] = is_lower(text[i]) ? (char)(text[i] - 32) : text[i];
    if (c == CASE_CAPITAL)
        text[0] = (char)(text[0] - 32);
    if (c == CASE_MIXED) {
        sip_msg exact = {(const uint8_t *)v, n, false, true};
        unsigned tag = (unsigned)(sip(r->key, &exact) & 0xffff);
        len += snprintf(text + len, sizeof text - (size_t)len, "-%04x", tag);
    }
    return put(b, text, (size_t)len);
}

static bool ends_with_ci(const char *v, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n > k && !strncasecmp(v + n - k, suffix, k);
}

/* A DNS name: letters, digits, '-' and at least one inner '.', with a letter somewhere. */
static bool is_dns_name(const char *v, size_t n)
{
    bool dot = false, letter = false;
    if (!n || v[0] == '.' || v[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == '.')
            dot = true;
        else if (is_upper(v[i]) || is_lower(v[i]) || is_high(v[i]))
            letter = true;
        else if (!is_digit(v[i]) && v[i] != '-')
            return false;
    }
    return dot && letter;
}

#define ONMICROSOFT ".onmicrosoft.com"

/* An organization: its tenant name keeps Microsoft's own ".onmicrosoft.com", any other DNS
 * name gets the reserved ".example", anything else is org-hhhh. */
static int org_value(const rd_redactor *r, rbuf *b, const char *v, size_t n)
{
    if (!n)
        return 0;
    if (ends_with_ci(v, n, ONMICROSOFT)) {
        size_t k = n - strlen(ONMICROSOFT);
        return pseudonym(r, b, "org", v, n, k) || put(b, v + k, n - k);
    }
    if (is_dns_name(v, n))
        return pseudonym(r, b, "org", v, n, n) || put_str(b, ".example");
    return pseudonym(r, b, "org", v, n, n);
}

static const char *find_char(const char *v, size_t n, char c, bool last)
{
    const char *hit = NULL;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == c) {
            hit = v + i;
            if (!last)
                break;
        }
    }
    return hit;
}

/* No character that would make "local@domain" or "DOMAIN\\user" a phrase rather than an
 * account: a display name around an address is replaced whole. */
static bool is_account_part(const char *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)v[i] <= ' ' || strchr("\"<>(),;:@\\", v[i]))
            return false;
    return n > 0;
}

/* A user: user@domain keeps its form (the domain as an organization), DOMAIN\user too. */
static int user_value(const rd_redactor *r, rbuf *b, const char *v, size_t n)
{
    if (!n)
        return 0;
    const char *at = find_char(v, n, '@', true);
    size_t k = at ? (size_t)(at - v) : 0;
    if (at && is_account_part(v, k) && is_dns_name(at + 1, n - k - 1))
        return pseudonym(r, b, "user", v, k, k) || put(b, "@", 1) ||
               org_value(r, b, at + 1, n - k - 1);
    const char *bs = find_char(v, n, '\\', false);
    k = bs ? (size_t)(bs - v) : 0;
    if (bs && is_account_part(v, k) && is_account_part(bs + 1, n - k - 1)) {
        return pseudonym(r, b, "dom", v, k, k) || put(b, "\\", 1) ||
               pseudonym(r, b, "user", bs + 1, n - k - 1, n - k - 1);
    }
    return pseudonym(r, b, "user", v, n, n);
}

static bool is_ipv4(const char *v, size_t n)
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part && (i >= n || v[i++] != '.'))
            return false;
        unsigned x = 0, digits = 0;
        while (i < n && is_digit(v[i]) && digits < 4) {
            x = x * 10 + (unsigned)(v[i++] - '0');
            digits++;
        }
        if (!digits || digits > 3 || x > 255)
            return false;
    }
    return i == n;
}

static bool is_ipv6(const char *v, size_t n)
{
    size_t colons = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == ':')
            colons++;
        else if (!is_digit(v[i]) && !(v[i] && strchr("abcdefABCDEF.", v[i])))
            return false;
    }
    return colons >= 2;
}

/* Loopback addresses say "on the server itself" and identify no one: they stay. Others become
 * an address of the same family, in 10.0.0.0/8 or fd00::/8, from the keyed hash. */
static int ip_value(const rd_redactor *r, rbuf *b, const char *v, size_t n, bool v4)
{
    if ((v4 && n > 4 && !memcmp(v, "127.", 4)) || (!v4 && n == 3 && !memcmp(v, "::1", 3)))
        return put(b, v, n);
    sip_msg m = {(const uint8_t *)v, n, false, false};
    uint64_t h = sip(r->key, &m);
    char text[48];
    int len;
    if (v4)
        len = snprintf(text, sizeof text, "10.%u.%u.%u", (unsigned)(h >> 56),
                       (unsigned)(h >> 48) & 0xff, (unsigned)(h >> 40) & 0xff);
    else
        len = snprintf(text, sizeof text, "fd00:%04x:%04x:%04x::1", (unsigned)(h >> 48),
                       (unsigned)(h >> 32) & 0xffff, (unsigned)(h >> 16) & 0xffff);
    return put(b, text, (size_t)len);
}

/* One host: an address, a DNS name (host-hhhh.example) or a single name (host-hhhh), with a
 * ":port" kept. */
static int host_name(const rd_redactor *r, rbuf *b, const char *v, size_t n)
{
    if (!n)
        return 0;
    if (is_ipv4(v, n))
        return ip_value(r, b, v, n, true);
    if (is_ipv6(v, n))
        return ip_value(r, b, v, n, false);
    const char *colon = find_char(v, n, ':', true);
    if (colon && colon > v && colon < v + n - 1) {
        size_t k = (size_t)(colon - v), i = k + 1;
        while (i < n && is_digit(v[i]))
            i++;
        if (i == n)
            return host_name(r, b, v, k) || put(b, colon, n - k);
    }
    if (is_dns_name(v, n))
        return pseudonym(r, b, "host", v, n, n) || put_str(b, ".example");
    return pseudonym(r, b, "host", v, n, n);
}

#define VIA " (via: "

/* A client host as VB365 writes it: "NAME (via: ADDRESS)", each part a host. */
static int host_value(const rd_redactor *r, rbuf *b, const char *v, size_t n)
{
    size_t k = strlen(VIA);
    for (size_t i = 0; n > k && i + k < n; i++) {
        if (!strncasecmp(v + i, VIA, k) && v[n - 1] == ')')
            return host_name(r, b, v, i) || put(b, v + i, k) ||
                   host_name(r, b, v + i + k, n - 1 - i - k) || put(b, ")", 1);
    }
    return host_name(r, b, v, n);
}

static int plain_value(const rd_redactor *r, rbuf *b, const char *prefix, const char *v, size_t n)
{
    return n ? pseudonym(r, b, prefix, v, n, n) : 0;
}

/* ---- Free text: what identifies someone inside other words. Each matcher looks at v[i], a
 * word's first byte, and either writes the replacement and says how many bytes it took, or
 * takes none (0). */

static bool is_local_char(char c) { return is_alnum(c) || is_high(c) || (c && strchr("._%+-", c)); }
static bool is_dns_char(char c) { return is_alnum(c) || is_high(c) || c == '.' || c == '-'; }
static bool is_word_char(char c)
{
    return is_alnum(c) || is_high(c) || c == '.' || c == '_' || c == '-';
}

static size_t run(const char *v, size_t n, size_t i, bool (*in)(char))
{
    while (i < n && in(v[i]))
        i++;
    return i;
}

/* The end of a DNS name starting at i, without a trailing '.' or '-' (sentence punctuation). */
static size_t dns_end(const char *v, size_t n, size_t i)
{
    size_t e = run(v, n, i, is_dns_char);
    while (e > i && (v[e - 1] == '.' || v[e - 1] == '-'))
        e--;
    return e;
}

static int match_url(const rd_redactor *r, rbuf *b, const char *v, size_t n, size_t i, size_t *took)
{
    size_t s = i;
    if (!is_upper(v[s]) && !is_lower(v[s]))
        return 0;
    while (s < n && (is_alnum(v[s]) || v[s] == '+' || v[s] == '.' || v[s] == '-'))
        s++;
    if (n - s < 3 || memcmp(v + s, "://", 3))
        return 0;
    s += 3;
    size_t a = s;
    while (a < n && !strchr("/?#\"<> \t\r\n", v[a]))
        a++;
    if (put(b, v + i, s - i))
        return -1;
    const char *at = find_char(v + s, a - s, '@', true);
    if (at) {
        size_t k = (size_t)(at - (v + s));
        if (user_value(r, b, v + s, k) || put(b, "@", 1))
            return -1;
        s += k + 1;
    }
    if (s < a && v[s] == '[') {
        const char *close = find_char(v + s, a - s, ']', false);
        if (close) {
            size_t k = (size_t)(close - (v + s));
            if (put(b, "[", 1) || ip_value(r, b, v + s + 1, k - 1, false) ||
                put(b, close, (size_t)(v + a - close)))
                return -1;
            *took = a - i;
            return 0;
        }
    }
    if (host_name(r, b, v + s, a - s))
        return -1;
    *took = a - i;
    return 0;
}

static int match_email(const rd_redactor *r, rbuf *b, const char *v, size_t n, size_t i,
                       size_t *took)
{
    size_t at = run(v, n, i, is_local_char);
    if (at == i || at >= n || v[at] != '@')
        return 0;
    size_t e = dns_end(v, n, at + 1);
    if (!is_dns_name(v + at + 1, e - at - 1))
        return 0;
    if (pseudonym(r, b, "user", v + i, at - i, at - i) || put(b, "@", 1) ||
        org_value(r, b, v + at + 1, e - at - 1))
        return -1;
    *took = e - i;
    return 0;
}

static int match_tenant(const rd_redactor *r, rbuf *b, const char *v, size_t n, size_t i,
                        size_t *took)
{
    size_t e = dns_end(v, n, i);
    if (!ends_with_ci(v + i, e - i, ONMICROSOFT))
        return 0;
    if (org_value(r, b, v + i, e - i))
        return -1;
    *took = e - i;
    return 0;
}

static bool is_account_char(char c) { return is_word_char(c) || c == '$'; }

static int match_account(const rd_redactor *r, rbuf *b, const char *v, size_t n, size_t i,
                         size_t *took)
{
    if (i > 0 && v[i - 1] == '\\')
        return 0;
    size_t bs = run(v, n, i, is_word_char);
    if (bs == i || bs >= n || v[bs] != '\\')
        return 0;
    size_t e = run(v, n, bs + 1, is_account_char);
    if (e == bs + 1)
        return 0;
    if (user_value(r, b, v + i, e - i))
        return -1;
    *took = e - i;
    return 0;
}

static int match_ipv4(const rd_redactor *r, rbuf *b, const char *v, size_t n, size_t i,
                      size_t *took)
{
    size_t e = i;
    while (e < n && (is_digit(v[e]) || v[e] == '.'))
        e++;
    while (e > i && v[e - 1] == '.')
        e--;
    if (!is_ipv4(v + i, e - i))
        return 0;
    if (ip_value(r, b, v + i, e - i, true))
        return -1;
    *took = e - i;
    return 0;
}

typedef int (*matcher)(const rd_redactor *, rbuf *, const char *, size_t, size_t, size_t *);

static int free_text(const rd_redactor *r, rbuf *b, const char *v, size_t n)
{
    static const matcher matchers[] = {match_url, match_email, match_tenant, match_account,
                                       match_ipv4};
    size_t i = 0;
    while (i < n) {
        size_t took = 0;
        if (i == 0 || !is_word_char(v[i - 1])) {
            for (size_t m = 0; m < sizeof matchers / sizeof *matchers && !took; m++)
                if (matchers[m](r, b, v, n, i, &took))
                    return -1;
        }
        if (!took) {
            if (put(b, v + i, 1))
                return -1;
            took = 1;
        }
        i += took;
    }
    return 0;
}

/* ---- Names of restore sessions: "Exchange restore (LABEL: VALUE - 1/28/2022 6:12:44 PM)".
 * VALUE names a job, a data retrieval, a restore operator or an organization: it is replaced
 * as that; the rest of the name stays. "(Entire organization - ...)" has no VALUE. */

static int label_value(const rd_redactor *r, rbuf *b, const char *label, size_t ln, const char *v,
                       size_t n)
{
    static const struct {
        const char *label;
        kind k;
    } labels[] = {{"restore operator", K_USER},    {"operator", K_USER},      {"user", K_USER},
                  {"organization", K_ORG},         {"tenant", K_ORG},         {"job", K_JOB},
                  {"data retrieval", K_RETRIEVAL}, {"retrieval", K_RETRIEVAL}};
    for (size_t i = 0; i < sizeof labels / sizeof *labels; i++) {
        if (strlen(labels[i].label) != ln || strncasecmp(labels[i].label, label, ln))
            continue;
        switch (labels[i].k) {
        case K_USER:
            return user_value(r, b, v, n);
        case K_ORG:
            return org_value(r, b, v, n);
        case K_JOB:
            return plain_value(r, b, "job", v, n);
        default:
            return plain_value(r, b, "retrieval", v, n);
        }
    }
    return plain_value(r, b, "name", v, n);
}

static const char *find_text(const char *v, size_t n, const char *s, bool last)
{
    size_t k = strlen(s);
    const char *hit = NULL;
    for (size_t i = 0; i + k <= n; i++) {
        if (!memcmp(v + i, s, k)) {
            hit = v + i;
            if (!last)
                break;
        }
    }
    return hit;
}

/* Writes the redacted name and answers 1 when `v` has the form above, else writes nothing and
 * answers 0; -1 when out of memory. */
static int restore_name(const rd_redactor *r, rbuf *b, const char *v, size_t n)
{
    if (!n || v[n - 1] != ')')
        return 0;
    const char *open = find_text(v, n, " (", false);
    if (!open)
        return 0;
    const char *label = open + 2, *end = v + n - 1;
    const char *colon = find_text(label, (size_t)(end - label), ": ", false);
    if (!colon || colon == label)
        return 0;
    for (const char *p = label; p < colon; p++)
        if (!is_upper(*p) && !is_lower(*p) && *p != ' ')
            return 0;
    const char *value = colon + 2;
    const char *dash = find_text(value, (size_t)(end - value), " - ", true);
    const char *value_end = dash ? dash : end;
    if (put(b, v, (size_t)(value - v)) ||
        label_value(r, b, label, (size_t)(colon - label), value, (size_t)(value_end - value)) ||
        put(b, value_end, (size_t)(v + n - value_end)))
        return -1;
    return 1;
}

static int name_value(const rd_redactor *r, rbuf *b, const char *v, size_t n, bool retrieval)
{
    int form = restore_name(r, b, v, n);
    if (form)
        return form < 0 ? -1 : 0;
    if (retrieval)
        return plain_value(r, b, "retrieval", v, n);
    return free_text(r, b, v, n);
}

static int new_text(const rd_redactor *r, rbuf *b, kind k, const char *v, size_t n)
{
    switch (k) {
    case K_ORG:
        return org_value(r, b, v, n);
    case K_USER:
        return user_value(r, b, v, n);
    case K_HOST:
        return host_value(r, b, v, n);
    case K_POLICY:
        return plain_value(r, b, "policy", v, n);
    case K_REPO:
        return plain_value(r, b, "repo", v, n);
    case K_JOB:
        return plain_value(r, b, "job", v, n);
    case K_RETRIEVAL:
        return plain_value(r, b, "retrieval", v, n);
    case K_KEEP:
        return put(b, v, n);
    default:
        return free_text(r, b, v, n);
    }
}

/* ---- The record ---- */

static kind key_kind(const char *key, size_t n, size_t depth)
{
    static const struct {
        const char *key;
        kind k;
    } keys[] = {
        {"organization", K_ORG},
        {"organizationName", K_ORG},
        {"organizationDisplayName", K_ORG},
        {"tenant", K_ORG},
        {"tenantName", K_ORG},
        {"initiatedBy", K_USER},
        {"userName", K_USER},
        {"user", K_USER},
        {"operator", K_USER},
        {"operatorName", K_USER},
        {"scopeName", K_USER},
        {"owner", K_USER},
        {"createdBy", K_USER},
        {"accountName", K_USER},
        {"email", K_USER},
        {"clientHost", K_HOST},
        {"host", K_HOST},
        {"hostName", K_HOST},
        {"server", K_HOST},
        {"serverName", K_HOST},
        {"proxy", K_HOST},
        {"proxyName", K_HOST},
        {"computerName", K_HOST},
        {"machineName", K_HOST},
        {"vmName", K_HOST},
        {"policyName", K_POLICY},
        {"repositoryName", K_REPO},
        {"jobName", K_JOB},
        {"retrievalName", K_RETRIEVAL},
        {"id", K_KEEP},
        {"type", K_KEEP},
        {"localizedType", K_KEEP},
        {"status", K_KEEP},
        {"state", K_KEEP},
        {"result", K_KEEP},
        {"creationTime", K_KEEP},
        {"endTime", K_KEEP},
        {"executionStartTime", K_KEEP},
        {"executionStopTime", K_KEEP},
        {"executionDuration", K_KEEP},
        {"retrievalId", K_KEEP},
        {"policyId", K_KEEP},
        {"repositoryId", K_KEEP},
        {"vmId", K_KEEP},
        {"setId", K_KEEP},
    };
    if (depth == 1 && n == 4 && !strncasecmp(key, "name", 4))
        return K_NAME;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (strlen(keys[i].key) == n && !strncasecmp(keys[i].key, key, n))
            return keys[i].k;
    return K_FREE;
}

static bool identifying(kind k) { return k >= K_ORG && k <= K_RETRIEVAL; }

/* A key that names what holds it: `"organization": {"name": "ACME"}`. */
static bool is_name_key(const char *key, size_t n)
{
    return (n == 4 && !strncasecmp(key, "name", 4)) ||
           (n == 11 && !strncasecmp(key, "displayName", 11));
}

/* The offset just past the closing quote of the string whose opening quote is at `start`:
 * the tokenizer gives where a token begins, not where it ends. */
static size_t string_end(const char *rec, size_t len, size_t start)
{
    for (size_t i = start + 1; i < len; i++) {
        if (rec[i] == '\\')
            i++;
        else if (rec[i] == '"')
            return i + 1;
    }
    return len;
}

/* Writes `v` as a JSON string: only '"', '\\' and control characters are escaped. */
static int put_json_string(rbuf *b, const char *v, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (put(b, "\"", 1))
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        int fail;
        if (c == '"' || c == '\\') {
            esc[1] = (char)c;
            fail = put(b, esc, 2);
        } else if (c < 0x20) {
            const char *named = c == '\n' ? "n" : c == '\t' ? "t" : c == '\r' ? "r" : NULL;
            if (named) {
                esc[1] = *named;
                fail = put(b, esc, 2);
            } else {
                fail = put(b, esc, 6);
            }
        } else {
            fail = put(b, v + i, 1);
        }
        if (fail)
            return -1;
    }
    return put(b, "\"", 1);
}

/* The JSON text of a string that decodes to `v`: its own bytes when the redacted text is the
 * same (so that untouched strings keep their escapes), else the new text. */
static int put_redacted(rd_redactor *r, kind k, const char *v, size_t n, const char *raw,
                        size_t raw_n, bool retrieval)
{
    r->text.n = 0;
    int fail =
        k == K_NAME ? name_value(r, &r->text, v, n, retrieval) : new_text(r, &r->text, k, v, n);
    if (fail)
        return -1;
    if (r->text.n == n && !memcmp(r->text.p, v, n))
        return put(&r->out, raw, raw_n);
    return put_json_string(&r->out, r->text.p, r->text.n);
}

rd_redactor *rd_new(const void *key, size_t key_len, sq_error *err)
{
    rd_redactor *r = calloc(1, sizeof *r);
    if (r)
        r->parser = json_new(JSON_REPAIR_UTF8);
    if (!r || !r->parser) {
        rd_free(r);
        *err = (sq_error){.code = RD_ERR_NOMEM, .message = "out of memory", .sys_errno = ENOMEM};
        return NULL;
    }
    if (key) {
        /* Any text becomes a 128-bit SipHash key: two SipHash-2-4 of the text under fixed
         * keys, the README's "sessq redact" gives them. */
        static const uint8_t k0[16] = "sessq redact key", k1[16] = "sessq-redact-key";
        uint64_t h[2] = {rd_siphash24(k0, key, key_len), rd_siphash24(k1, key, key_len)};
        for (int i = 0; i < 16; i++)
            r->key[i] = (uint8_t)(h[i / 8] >> (8 * (i % 8)));
        return r;
    }
    size_t got = 0;
    while (got < sizeof r->key) {
        ssize_t n = getrandom(r->key + got, sizeof r->key - got, 0);
        if (n < 0 && errno != EINTR) {
            *err = (sq_error){.code = RD_ERR_RANDOM,
                              .message = "no random key could be had from the system",
                              .sys_errno = errno};
            rd_free(r);
            return NULL;
        }
        got += n > 0 ? (size_t)n : 0;
    }
    return r;
}

void rd_free(rd_redactor *r)
{
    if (!r)
        return;
    json_free(r->parser);
    free(r->out.p);
    free(r->text.p);
    free(r->name.p);
    free(r);
}

static int json_failure(rd_redactor *r, sq_error *err)
{
    *err = *json_error(r->parser);
    if (err->code == JSON_ERR_NOMEM) {
        err->code = RD_ERR_NOMEM;
        return RD_ERR_NOMEM;
    }
    err->cause = err->code;
    err->code = RD_ERR_JSON;
    err->detail = json_error_found(r->parser);
    return RD_ERR_JSON;
}

static int no_memory(sq_error *err)
{
    *err = (sq_error){.code = RD_ERR_NOMEM, .message = "out of memory", .sys_errno = ENOMEM};
    return RD_ERR_NOMEM;
}

/* Where the top-level name goes once the record is read. */
typedef struct {
    bool seen;
    size_t at;         /* its place in r->out */
    size_t raw, raw_n; /* its JSON text in the record */
} name_slot;

/* Puts the redacted name into r->out at its place. */
static int place_name(rd_redactor *r, const char *rec, const name_slot *slot, bool retrieval)
{
    size_t tail = r->out.n - slot->at;
    size_t before = r->out.n;
    if (put_redacted(r, K_NAME, r->name.p, r->name.n, rec + slot->raw, slot->raw_n, retrieval))
        return -1;
    size_t added = r->out.n - before;
    /* The name was written after the tail; rotate it into place through r->text. */
    r->text.n = 0;
    if (put(&r->text, r->out.p + before, added))
        return -1;
    memmove(r->out.p + slot->at + added, r->out.p + slot->at, tail);
    memcpy(r->out.p + slot->at, r->text.p, added);
    return 0;
}

/* A record (an object, whose top-level name is a session's name) or any other JSON value. */
static int redact(rd_redactor *r, bool record, const char *rec, size_t len, const char **out,
                  size_t *out_len, sq_error *err)
{
    json_parser *p = r->parser;
    json_reset(p);
    json_feed(p, rec, len);
    json_finish(p);
    r->out.n = 0;
    r->name.n = 0;
    name_slot name = {0};
    bool retrieval = false, first = true;
    kind pending = K_FREE;
    bool keyed = false;
    size_t copied = 0;
    r->under[0] = K_FREE;
    for (;;) {
        json_value v;
        json_token t = json_next(p, &v);
        if (t == JSON_ERROR)
            return json_failure(r, err);
        if (t == JSON_END || t == JSON_NEED_MORE)
            break;
        if (first && record && t != JSON_OBJECT_BEGIN) {
            *err = (sq_error){.code = RD_ERR_NOT_OBJECT,
                              .message = "a session record must be a JSON object",
                              .offset = v.offset};
            return RD_ERR_NOT_OBJECT;
        }
        first = false;
        size_t depth = json_depth(p);
        if (t == JSON_KEY) {
            pending = key_kind(v.p, v.n, record ? depth : 0);
            if (pending == K_FREE && is_name_key(v.p, v.n))
                pending = (kind)r->under[depth];
            if (depth == 1 && v.n == 11 && !strncasecmp(v.p, "retrievalId", 11))
                retrieval = true;
            keyed = true;
            continue;
        }
        bool opens = t == JSON_OBJECT_BEGIN || t == JSON_ARRAY_BEGIN;
        /* A string in an array is of the kind its array stands under. */
        kind k = keyed ? pending : (kind)r->under[opens ? depth - 1 : depth];
        pending = K_FREE;
        keyed = false;
        if (opens)
            r->under[depth] = identifying(k) ? k : r->under[depth - 1];
        if (t != JSON_STRING || k == K_KEEP)
            continue;
        size_t start = (size_t)v.offset, end = string_end(rec, len, start);
        if (put(&r->out, rec + copied, start - copied))
            return no_memory(err);
        copied = end;
        if (k == K_NAME && !name.seen) {
            name = (name_slot){true, r->out.n, start, end - start};
            if (put(&r->name, v.p, v.n))
                return no_memory(err);
        } else if (put_redacted(r, k == K_NAME ? K_FREE : k, v.p, v.n, rec + start, end - start,
                                false)) {
            return no_memory(err);
        }
    }
    if (put(&r->out, rec + copied, len - copied))
        return no_memory(err);
    if (name.seen && place_name(r, rec, &name, retrieval))
        return no_memory(err);
    *out = r->out.p ? r->out.p : "";
    *out_len = r->out.n;
    return RD_OK;
}

int rd_redact(rd_redactor *r, const char *rec, size_t len, const char **out, size_t *out_len,
              sq_error *err)
{
    return redact(r, true, rec, len, out, out_len, err);
}

int rd_redact_value(rd_redactor *r, const char *json, size_t len, const char **out, size_t *out_len,
                    sq_error *err)
{
    return redact(r, false, json, len, out, out_len, err);
}
