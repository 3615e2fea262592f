/* The redaction engine: SipHash-2-4 against the specification's vectors; each response shape's
 * fixture redacted record by record: nothing identifying left, valid JSON, every byte outside
 * the replaced strings as it was, the same pseudonym for the same value, keys that change them,
 * `sessq stats` unchanged; the pseudonyms' documented forms; escapes; errors. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "json.h"
#include "jsonrun.h"
#include "redact.h"

#define KEY "test-key"

static rd_redactor *keyed(const char *key)
{
    sq_error err;
    rd_redactor *r = rd_new(key, key ? strlen(key) : 0, &err);
    cr_assert_not_null(r, "rd_new: %s", err.message);
    return r;
}

/* ---- SipHash-2-4 ---- */

/* The specification's vectors (the reference implementation's vectors.h): key 00 01 .. 0f,
 * message 00 01 .. (i-1) for i = 0..63; vector 15 is the paper's Appendix A example. */
static const uint64_t sip_vectors[64] = {
    0x726fdb47dd0e0e31ull, 0x74f839c593dc67fdull, 0x0d6c8009d9a94f5aull, 0x85676696d7fb7e2dull,
    0xcf2794e0277187b7ull, 0x18765564cd99a68dull, 0xcbc9466e58fee3ceull, 0xab0200f58b01d137ull,
    0x93f5f5799a932462ull, 0x9e0082df0ba9e4b0ull, 0x7a5dbbc594ddb9f3ull, 0xf4b32f46226bada7ull,
    0x751e8fbc860ee5fbull, 0x14ea5627c0843d90ull, 0xf723ca908e7af2eeull, 0xa129ca6149be45e5ull,
    0x3f2acc7f57c29bdbull, 0x699ae9f52cbe4794ull, 0x4bc1b3f0968dd39cull, 0xbb6dc91da77961bdull,
    0xbed65cf21aa2ee98ull, 0xd0f2cbb02e3b67c7ull, 0x93536795e3a33e88ull, 0xa80c038ccd5ccec8ull,
    0xb8ad50c6f649af94ull, 0xbce192de8a85b8eaull, 0x17d835b85bbb15f3ull, 0x2f2e6163076bcfadull,
    0xde4daaaca71dc9a5ull, 0xa6a2506687956571ull, 0xad87a3535c49ef28ull, 0x32d892fad841c342ull,
    0x7127512f72f27cceull, 0xa7f32346f95978e3ull, 0x12e0b01abb051238ull, 0x15e034d40fa197aeull,
    0x314dffbe0815a3b4ull, 0x027990f029623981ull, 0xcadcd4e59ef40c4dull, 0x9abfd8766a33735cull,
    0x0e3ea96b5304a7d0ull, 0xad0c42d6fc585992ull, 0x187306c89bc215a9ull, 0xd4a60abcf3792b95ull,
    0xf935451de4f21df2ull, 0xa9538f0419755787ull, 0xdb9acddff56ca510ull, 0xd06c98cd5c0975ebull,
    0xe612a3cb9ecba951ull, 0xc766e62cfcadaf96ull, 0xee64435a9752fe72ull, 0xa192d576b245165aull,
    0x0a8787bf8ecb74b2ull, 0x81b3e73d20b49b6full, 0x7fa8220ba3b2eceaull, 0x245731c13ca42499ull,
    0xb78dbfaf3a8d83bdull, 0xea1ad565322a1a0bull, 0x60e61c23a3795013ull, 0x6606d7e446282b93ull,
    0x6ca4ecb15c5f91e1ull, 0x9f626da15c9625f3ull, 0xe51b38608ef25f57ull, 0x958a324ceb064572ull,
};

Test(redact, siphash_matches_the_specification_vectors)
{
    uint8_t key[16], msg[64];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 64; i++)
        msg[i] = (uint8_t)i;
    for (size_t len = 0; len < 64; len++)
        cr_expect_eq(rd_siphash24(key, msg, len), sip_vectors[len], "length %zu", len);
}

/* ---- Helpers ---- */

typedef struct {
    char *text; /* the redacted document */
    size_t n;
    size_t records;
} redacted_doc;

/* Whether `doc` is an object with "results": an envelope. */
static bool is_envelope(const char *doc, size_t n)
{
    json_parser *p = json_new(0);
    json_feed(p, doc, n);
    json_finish(p);
    json_value v;
    json_token t;
    bool found = false;
    while ((t = json_next(p, &v)) != JSON_END && t != JSON_ERROR)
        found = found ||
                (t == JSON_KEY && json_depth(p) == 1 && v.n == 7 && !memcmp(v.p, "results", 7));
    json_free(p);
    return found;
}

/* Redacts every record of `doc` (a bare array, an envelope's "results", or one session object)
 * with rd_redact, and an envelope's other values with rd_redact_value, as `sessq redact` is to
 * do, and puts the document back together around them. */
static redacted_doc redact_doc(rd_redactor *r, const char *doc, size_t n)
{
    redacted_doc d = {0};
    FILE *m = open_memstream(&d.text, &d.n);
    cr_assert_not_null(m);
    json_parser *p = json_new(0);
    cr_assert_not_null(p);
    json_feed(p, doc, n);
    json_finish(p);
    bool envelope = is_envelope(doc, n);
    /* A record is an object at depth `records_at` + 1: 1 in an array, 2 in "results", 0 alone. */
    size_t copied = 0, start = 0, records_at = envelope ? 2 : doc[strspn(doc, " \r\n\t")] == '[';
    bool in_records = !envelope, member_next = false, in_member = false, results_next = false;
    json_value v;
    json_token t;
    while ((t = json_next(p, &v)) != JSON_END) {
        cr_assert_neq(t, JSON_ERROR, "the input does not parse");
        size_t depth = json_depth(p), end = 0;
        bool record = false;
        if (results_next && t == JSON_ARRAY_BEGIN)
            in_records = true;
        else if (in_records && envelope && t == JSON_ARRAY_END && depth == 1)
            in_records = false;
        else if (member_next && (t == JSON_OBJECT_BEGIN || t == JSON_ARRAY_BEGIN)) {
            in_member = true;
            start = (size_t)v.offset;
        } else if (member_next && t == JSON_STRING) {
            start = (size_t)v.offset;
            end = start + 1;
            while (doc[end] != '"')
                end += doc[end] == '\\' ? 2 : 1;
            end++;
        } else if (in_member && depth == 1) {
            in_member = false;
            end = (size_t)v.offset + 1;
        } else if (in_records && t == JSON_OBJECT_BEGIN && depth == records_at + 1) {
            start = (size_t)v.offset;
        } else if (in_records && t == JSON_OBJECT_END && depth == records_at) {
            end = (size_t)v.offset + 1;
            record = true;
        }
        results_next = t == JSON_KEY && depth == 1 && v.n == 7 && !memcmp(v.p, "results", 7);
        member_next = envelope && t == JSON_KEY && depth == 1 && !results_next;
        if (!end)
            continue;
        const char *out;
        size_t out_n;
        sq_error err;
        int rc = record ? rd_redact(r, doc + start, end - start, &out, &out_n, &err)
                        : rd_redact_value(r, doc + start, end - start, &out, &out_n, &err);
        cr_assert_eq(rc, RD_OK, "%s", err.message);
        fwrite(doc + copied, 1, start - copied, m);
        fwrite(out, 1, out_n, m);
        copied = end;
        d.records += record;
    }
    fwrite(doc + copied, 1, n - copied, m);
    fclose(m);
    json_free(p);
    return d;
}

static char *slurp(const char *path, size_t *n)
{
    char *text = jr_slurp(path, n);
    cr_assert_not_null(text, "cannot read %s", path);
    return text;
}

/* Every string value of `json` under the key `key` (any depth), decoded, in order, joined by
 * newlines. */
static char *values_of(const char *json, size_t n, const char *key)
{
    char *all = NULL;
    size_t all_n = 0;
    FILE *m = open_memstream(&all, &all_n);
    json_parser *p = json_new(0);
    json_feed(p, json, n);
    json_finish(p);
    json_value v;
    json_token t;
    bool wanted = false;
    while ((t = json_next(p, &v)) != JSON_END) {
        cr_assert_neq(t, JSON_ERROR, "not JSON: %.*s", (int)n, json);
        if (t == JSON_STRING && wanted)
            fprintf(m, "%.*s\n", (int)v.n, v.p);
        wanted = t == JSON_KEY && strlen(key) == v.n && !memcmp(v.p, key, v.n);
    }
    json_free(p);
    fclose(m);
    return all;
}

/* The value of `key` in a record that has one. */
static char *value_of(const char *json, const char *key)
{
    char *all = values_of(json, strlen(json), key);
    size_t n = strlen(all);
    cr_assert(n > 0, "no %s in %s", key, json);
    all[n - 1] = '\0';
    return all;
}

/* The document with every string value emptied: what must not change at all. */
static char *skeleton(const char *json, size_t n)
{
    char *s = NULL;
    size_t s_n = 0;
    FILE *m = open_memstream(&s, &s_n);
    json_parser *p = json_new(JSON_REPAIR_UTF8);
    json_feed(p, json, n);
    json_finish(p);
    json_value v;
    json_token t;
    size_t copied = 0;
    while ((t = json_next(p, &v)) != JSON_END) {
        cr_assert_neq(t, JSON_ERROR, "not JSON");
        if (t != JSON_STRING)
            continue;
        size_t i = (size_t)v.offset + 1;
        while (json[i] != '"')
            i += json[i] == '\\' ? 2 : 1;
        fwrite(json + copied, 1, (size_t)v.offset - copied, m);
        fputs("\"\"", m);
        copied = i + 1;
    }
    fwrite(json + copied, 1, n - copied, m);
    fclose(m);
    json_free(p);
    return s;
}

static bool contains_ci(const char *text, const char *s)
{
    for (size_t k = strlen(s); *text; text++)
        if (!strncasecmp(text, s, k))
            return true;
    return false;
}

static void expect_absent(const char *text, const char *const *originals, const char *what)
{
    for (size_t i = 0; originals[i]; i++)
        cr_expect(!contains_ci(text, originals[i]), "%s: '%s' survives", what, originals[i]);
}

/* The keys whose values must come out byte for byte: the ones the statistics are made of. */
static const char *const kept_keys[] = {"id",
                                        "type",
                                        "localizedType",
                                        "status",
                                        "state",
                                        "result",
                                        "creationTime",
                                        "endTime",
                                        "executionStartTime",
                                        "executionStopTime",
                                        "executionDuration",
                                        "details",
                                        "retrievalId",
                                        "policyId",
                                        "setId",
                                        NULL};

static void check_fixture(const char *path, const char *const *originals, size_t records)
{
    size_t n;
    char *doc = slurp(path, &n);
    rd_redactor *r = keyed(KEY);
    redacted_doc d = redact_doc(r, doc, n);
    cr_expect_eq(d.records, records, "%s: %zu records", path, d.records);
    expect_absent(d.text, originals, path);
    char *a = skeleton(doc, n), *b = skeleton(d.text, d.n);
    cr_expect_str_eq(b, a, "%s: bytes outside the strings changed", path);
    for (size_t i = 0; kept_keys[i]; i++) {
        char *x = values_of(doc, n, kept_keys[i]), *y = values_of(d.text, d.n, kept_keys[i]);
        cr_expect_str_eq(y, x, "%s: values of %s changed", path, kept_keys[i]);
        free(x);
        free(y);
    }
    free(a);
    free(b);
    free(d.text);
    free(doc);
    rd_free(r);
}

/* ---- Each response shape ---- */

Test(redact, v6_restore_sessions)
{
    static const char *const originals[] = {"abc.onmicrosoft.com",     "abc.",      "srv0101",
                                            "Administrator",           "operator@", "Teams backup",
                                            "Exchange data retrieval", "(via: srv", NULL};
    check_fixture("testdata/fixtures/v6-restoresessions.json", originals, 5);
}

Test(redact, v5_restore_sessions)
{
    static const char *const originals[] = {"abc.tech.local", "abc.", NULL};
    check_fixture("testdata/fixtures/v5-restoresessions.json", originals, 2);
}

Test(redact, v6_retrieval_sessions)
{
    static const char *const originals[] = {"Teams data retrieval", "SharePoint data",
                                            "Exchange data", "OneDrive data", NULL};
    check_fixture("testdata/fixtures/v6-dataretrievalsessions.json", originals, 6);
    check_fixture("testdata/fixtures/v6-dataretrievalsession-by-id.json", originals + 2, 1);
}

Test(redact, azure_job_sessions)
{
    static const char *const originals[] = {"abc.ukwest", "cloudapp.azure.com", "Policy 1",
                                            "Policy_2",   "Backup Policy",      "Backup Repository",
                                            NULL};
    check_fixture("testdata/fixtures/v1-azure-jobsessions.json", originals, 14);
}

Test(redact, hand_made_values)
{
    static const char *const originals[] = {"acme",      "contoso",    "j\\u00f6rg", "jörg",
                                            "müller",    "m\\u00fc",   "svc-backup", "vbo-proxy",
                                            "10.0.8.3",  "192.168",    "s3cret",     "admin",
                                            "console01", "fe80::1c2d", NULL};
    check_fixture("testdata/redact/tricky.json", originals, 3);
}

/* ---- The same value, the same pseudonym; keys ---- */

static char *redacted_file(rd_redactor *r, const char *path, size_t *n)
{
    size_t in_n;
    char *doc = slurp(path, &in_n);
    redacted_doc d = redact_doc(r, doc, in_n);
    free(doc);
    *n = d.n;
    return d.text;
}

/* "a\na\nb\n" -> is every line the same? */
static bool all_lines_equal(const char *lines)
{
    const char *nl = strchr(lines, '\n');
    size_t first = nl ? (size_t)(nl - lines) : strlen(lines);
    for (const char *l = lines; *l; l = strchr(l, '\n') + 1)
        if (strncmp(l, lines, first + 1))
            return false;
    return true;
}

Test(redact, same_value_same_pseudonym_across_records_and_fields)
{
    rd_redactor *r = keyed(KEY);
    size_t n;
    char *text = redacted_file(r, "testdata/fixtures/v6-restoresessions.json", &n);
    char *orgs = values_of(text, n, "organization");
    cr_expect(all_lines_equal(orgs), "organizations differ:\n%s", orgs);
    cr_expect(!strncmp(orgs, "org-", 4), "%s", orgs);

    /* The operator's address, as initiatedBy, as scopeName and inside the name. */
    char *by = values_of(text, n, "initiatedBy"), *scope = values_of(text, n, "scopeName");
    char *names = values_of(text, n, "name");
    char *op = strrchr(by, '\n');
    *op = '\0';
    op = strrchr(by, '\n') + 1;
    cr_expect(strstr(scope, op) != NULL, "scopeName lacks %s:\n%s", op, scope);
    cr_expect(strstr(names, op) != NULL, "the name lacks %s:\n%s", op, names);
    /* ... whose domain is the organization's pseudonym. */
    char org[64];
    snprintf(org, sizeof org, "@%.*s", (int)(strchr(orgs, '\n') - orgs), orgs);
    cr_expect(strstr(op, org) != NULL, "%s is not at %s", op, org);

    /* The retrieval named in a restore session's name is the retrieval session's pseudonym. */
    size_t rn;
    char *retrievals = redacted_file(r, "testdata/fixtures/v6-dataretrievalsessions.json", &rn);
    char *retrieval_names = values_of(retrievals, rn, "name");
    const char *in_name = strstr(names, "(Data retrieval: ");
    cr_assert_not_null(in_name, "%s", names);
    in_name += strlen("(Data retrieval: ");
    char pseudonym[64];
    snprintf(pseudonym, sizeof pseudonym, "%.*s\n", (int)(strstr(in_name, " - ") - in_name),
             in_name);
    cr_expect(strstr(retrieval_names, pseudonym) != NULL, "%s not among\n%s", pseudonym,
              retrieval_names);
    free(retrieval_names);
    free(retrievals);
    free(names);
    free(scope);
    free(by);
    free(orgs);
    free(text);
    rd_free(r);
}

Test(redact, same_key_same_output_other_key_other_pseudonyms)
{
    const char *path = "testdata/fixtures/v6-restoresessions.json";
    rd_redactor *a = keyed(KEY), *b = keyed(KEY), *c = keyed("another key");
    size_t an, bn, cn;
    char *x = redacted_file(a, path, &an), *y = redacted_file(b, path, &bn);
    char *z = redacted_file(c, path, &cn);
    cr_expect(an == bn && !memcmp(x, y, an), "two runs with one key differ");
    char *ox = values_of(x, an, "organization"), *oz = values_of(z, cn, "organization");
    cr_expect_str_neq(ox, oz, "another key gave the same organizations");
    free(ox);
    free(oz);
    free(x);
    free(y);
    free(z);
    rd_free(a);
    rd_free(b);
    rd_free(c);

    /* Without a key, a random one: two runs cannot be compared. */
    rd_redactor *r1 = keyed(NULL), *r2 = keyed(NULL);
    const char *rec = "{\"organization\": \"abc.onmicrosoft.com\"}";
    const char *o1, *o2;
    size_t n1, n2;
    sq_error err;
    cr_assert_eq(rd_redact(r1, rec, strlen(rec), &o1, &n1, &err), RD_OK);
    char *first = strndup(o1, n1);
    cr_assert_eq(rd_redact(r2, rec, strlen(rec), &o2, &n2, &err), RD_OK);
    cr_expect(n1 != n2 || memcmp(first, o2, n2), "two random keys gave %s", first);
    free(first);
    rd_free(r1);
    rd_free(r2);
}

/* The documented rule, computed here from the primitive: the key text becomes
 * SipHash(k0, text) || SipHash(k1, text), and org-<the top 48 bits of SipHash(key, value)>. */
Test(redact, pseudonym_is_the_documented_keyed_hash)
{
    static const uint8_t k0[16] = "sessq redact key", k1[16] = "sessq-redact-key";
    uint64_t h[2] = {rd_siphash24(k0, KEY, strlen(KEY)), rd_siphash24(k1, KEY, strlen(KEY))};
    uint8_t key[16];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)(h[i / 8] >> (8 * (i % 8)));
    const char *value = "abc.onmicrosoft.com";
    char want[96];
    snprintf(want, sizeof want, "{\"organization\": \"org-%012llx.onmicrosoft.com\"}",
             (unsigned long long)(rd_siphash24(key, value, strlen(value)) >> 16));

    rd_redactor *r = keyed(KEY);
    const char *rec = "{\"organization\": \"ABC.onmicrosoft.com\"}";
    const char *out;
    size_t n;
    sq_error err;
    /* Upper case folds to the same digits, spelled in upper case. */
    cr_assert_eq(rd_redact(r, rec, strlen(rec), &out, &n, &err), RD_OK);
    char upper[96];
    strcpy(upper, want);
    for (char *p = upper + strlen("{\"organization\": \""); *p != '.'; p++)
        *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    cr_expect(n == strlen(upper) && !memcmp(out, upper, n), "got %.*s, wanted %s", (int)n, out,
              upper);
    rec = "{\"organization\": \"abc.onmicrosoft.com\"}";
    cr_assert_eq(rd_redact(r, rec, strlen(rec), &out, &n, &err), RD_OK);
    cr_expect(n == strlen(want) && !memcmp(out, want, n), "got %.*s, wanted %s", (int)n, out, want);
    rd_free(r);
}

/* ---- Forms ---- */

static char *redact_one(rd_redactor *r, const char *rec)
{
    const char *out;
    size_t n;
    sq_error err;
    cr_assert_eq(rd_redact(r, rec, strlen(rec), &out, &n, &err), RD_OK, "%s: %s", rec, err.message);
    return strndup(out, n);
}

/* The value of `key` after redacting {"key": "value"} (value as JSON text) matches `pattern`
 * (POSIX extended, anchored). */
static void expect_form(rd_redactor *r, const char *key, const char *value, const char *pattern)
{
    char rec[512], anchored[512];
    snprintf(rec, sizeof rec, "{\"%s\": \"%s\"}", key, value);
    snprintf(anchored, sizeof anchored, "^%s$", pattern);
    char *out = redact_one(r, rec);
    char *got = value_of(out, key);
    regex_t re;
    cr_assert_eq(regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB), 0, "%s", pattern);
    cr_expect_eq(regexec(&re, got, 0, NULL, 0), 0, "%s: %s became '%s', not /%s/", key, value, got,
                 pattern);
    regfree(&re);
    free(got);
    free(out);
}

#define HEX "[0-9a-f]{12}"
#define UHEX "[0-9A-F]{12}"
#define TAG "[0-9a-f]{4}"

Test(redact, forms_of_pseudonyms)
{
    rd_redactor *r = keyed(KEY);
    expect_form(r, "organization", "contoso.onmicrosoft.com", "org-" HEX "\\.onmicrosoft\\.com");
    expect_form(r, "organization", "contoso.com", "org-" HEX "\\.example");
    expect_form(r, "organization", "ACME", "ORG-" UHEX);
    expect_form(r, "organization", "Acme", "Org-" HEX);
    expect_form(r, "organization", "AcMe", "org-" HEX "-" TAG);
    expect_form(r, "organizationName", "acme", "org-" HEX);
    expect_form(r, "initiatedBy", "CORP\\\\jdoe", "DOM-" UHEX "\\\\user-" HEX);
    expect_form(r, "initiatedBy", "jdoe@contoso.com", "user-" HEX "@org-" HEX "\\.example");
    expect_form(r, "initiatedBy", "John Doe <jdoe@contoso.com>", "user-" HEX "-" TAG);
    expect_form(r, "userName", "jdoe", "user-" HEX);
    expect_form(r, "clientHost", "vbo-proxy01 (via: 10.0.8.3)",
                "host-" HEX " \\(via: 10\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\)");
    expect_form(r, "clientHost", "srv0101 (via: 127.0.0.1)",
                "host-" HEX " \\(via: 127\\.0\\.0\\.1\\)");
    expect_form(r, "clientHost", "vbo.corp.local:9191", "host-" HEX "\\.example:9191");
    expect_form(r, "clientHost", "2001:db8::7", "fd00:[0-9a-f]{4}:[0-9a-f]{4}:[0-9a-f]{4}::1");
    expect_form(r, "policyName", "Policy 1", "Policy-" HEX);
    expect_form(r, "repositoryName", "backup repo", "repo-" HEX);
    expect_form(r, "jobName", "daily", "job-" HEX);
    expect_form(r, "href", "https://u:p@vbo.acme.local:4443/v6/x?y=1",
                "https://user-" HEX "@host-" HEX "\\.example:4443/v6/x\\?y=1");
    expect_form(r, "href", "https://[2001:db8::7]:443/api",
                "https://\\[fd00:[0-9a-f:]+\\]:443/api");
    expect_form(r, "href", "/v6/RestoreSessions/1", "/v6/RestoreSessions/1");
    expect_form(r, "reason", "asked by jdoe@contoso.com from 192.168.1.20.",
                "asked by user-" HEX "@org-" HEX "\\.example from 10\\.[0-9.]+\\.");
    expect_form(r, "reason", "see C:\\\\Users\\\\jdoe", "see C:\\\\Users\\\\jdoe");
    expect_form(r, "reason", "by CORP\\\\jdoe", "by DOM-" UHEX "\\\\user-" HEX);
    expect_form(r, "reason", "by ACME\\\\j\\u00f6rg and j\\u00f6rg@\\u00e4cme.com",
                "by DOM-" UHEX "\\\\user-" HEX " and user-" HEX "@org-" HEX "\\.example");
    expect_form(r, "scopeName", "", "");
    rd_free(r);
}

/* ACME, Acme and acme: one customer, the same digits; three spellings, three pseudonyms. */
Test(redact, case_variants_share_their_digits)
{
    rd_redactor *r = keyed(KEY);
    char *lower = redact_one(r, "{\"organization\": \"acme\"}");
    char *upper = redact_one(r, "{\"organization\": \"ACME\"}");
    char *capital = redact_one(r, "{\"organization\": \"Acme\"}");
    char *mixed = redact_one(r, "{\"organization\": \"aCME\"}");
    char *l = value_of(lower, "organization"), *u = value_of(upper, "organization");
    char *c = value_of(capital, "organization"), *m = value_of(mixed, "organization");
    cr_assert_eq(strlen(l), 16, "%s", l);
    cr_expect(!strcasecmp(l, u) && !strcasecmp(l, c) && !strncmp(l, m, 16) && m[16] == '-',
              "%s %s %s %s", l, u, c, m);
    cr_expect(strcmp(l, u) && strcmp(l, c) && strcmp(u, c), "%s %s %s", l, u, c);
    free(l);
    free(u);
    free(c);
    free(m);
    free(lower);
    free(upper);
    free(capital);
    free(mixed);
    rd_free(r);
}

Test(redact, names_of_restore_sessions)
{
    rd_redactor *r = keyed(KEY);
    expect_form(r, "name", "Teams restore (Job: Teams backup - 1/28/2022 8:09:16 PM)",
                "Teams restore \\(Job: Job-" HEX " - 1/28/2022 8:09:16 PM\\)");
    expect_form(r, "name", "Exchange restore (Organization: Contoso - 1/2/2022 1:00:00 PM)",
                "Exchange restore \\(Organization: Org-" HEX " - 1/2/2022 1:00:00 PM\\)");
    expect_form(r, "name", "Exchange restore (Entire organization - 1/2/2022 1:00:00 PM)",
                "Exchange restore \\(Entire organization - 1/2/2022 1:00:00 PM\\)");
    expect_form(r, "name", "Exchange restore (Job: a - b - 1/2/2022 1:00:00 PM)",
                "Exchange restore \\(Job: job-" HEX " - 1/2/2022 1:00:00 PM\\)");
    /* Not a restore session's name and no retrievalId: only what is recognizable goes. */
    expect_form(r, "name", "Weekly run for jdoe@contoso.com",
                "Weekly run for user-" HEX "@org-" HEX "\\.example");
    rd_free(r);

    /* A data retrieval session's name is the retrieval's, whichever key comes first. */
    r = keyed(KEY);
    char *a = redact_one(r, "{\"name\": \"Exchange data retrieval\", \"retrievalId\": \"1\"}");
    char *b = redact_one(r, "{\"retrievalId\": \"1\", \"name\": \"Exchange data retrieval\"}");
    char *c = redact_one(r, "{\"name\": \"x (Data retrieval: Exchange data retrieval - 1)\"}");
    char *na = value_of(a, "name"), *nb = value_of(b, "name"), *nc = value_of(c, "name");
    cr_expect(!strncmp(na, "Retrieval-", 10), "%s", na);
    cr_expect_str_eq(na, nb);
    cr_expect(strstr(nc, na) != NULL, "%s lacks %s", nc, na);
    free(na);
    free(nb);
    free(nc);
    free(a);
    free(b);
    free(c);
    rd_free(r);
}

/* An identifying key over an object or an array: its names and bare strings are of its kind. */
Test(redact, nested_under_identifying_keys)
{
    rd_redactor *r = keyed(KEY);
    char *out = redact_one(r, "{\"organization\": {\"name\": \"Contoso Ltd\", \"id\": \"c1\","
                              " \"displayName\": \"Contoso\", \"region\": {\"name\": \"x\"}},"
                              " \"initiatedBy\": [\"CORP\\\\ann\", \"bob\"],"
                              " \"tags\": [\"weekly\"], \"job\": {\"name\": \"weekly\"}}");
    static const char *const originals[] = {"contoso", "corp", "ann", "bob", "\"x\"", NULL};
    expect_absent(out, originals, out);
    regex_t re;
    cr_assert_eq(regcomp(&re,
                         "^\\{\"organization\": \\{\"name\": \"org-" HEX "-" TAG
                         "\", \"id\": \"c1\", "
                         "\"displayName\": \"Org-" HEX "\", \"region\": \\{\"name\": \"org-" HEX
                         "\"\\}\\}, \"initiatedBy\": \\[\"DOM-" UHEX "\\\\\\\\user-" HEX
                         "\", \"user-" HEX "\"\\], \"tags\": \\[\"weekly\"\\], "
                         "\"job\": \\{\"name\": \"weekly\"\\}\\}$",
                         REG_EXTENDED | REG_NOSUB),
                 0);
    cr_expect_eq(regexec(&re, out, 0, NULL, 0), 0, "%s", out);
    regfree(&re);
    free(out);
    rd_free(r);
}

/* ---- Bytes: what is not replaced stays, what is replaced is valid JSON ---- */

Test(redact, untouched_bytes_stay_byte_for_byte)
{
    rd_redactor *r = keyed(KEY);
    const char *rec =
        "{ \"Id\" :\t\"\\u0041b\",\r\n \"unknown\": [1, 2.50e1, null, {\"x\": \"caf\\u00e9 \\/ \\\"q\\\"\"}],"
        "\n  \"organization\"  :  \"acme\" ,\"details\":\"0 items processed\"}";
    char *out = redact_one(r, rec);
    const char *org = strstr(rec, "\"acme\"");
    size_t before = (size_t)(org - rec);
    cr_expect(!strncmp(out, rec, before), "the bytes before the value changed:\n%s", out);
    const char *rest = strstr(out + before + 1, "\" ,\"details\"");
    cr_assert_not_null(rest, "%s", out);
    cr_expect_str_eq(rest + 1, org + strlen("\"acme\""));
    free(out);
    rd_free(r);
}

Test(redact, escaped_identifying_values)
{
    rd_redactor *r = keyed(KEY);
    const char *rec = "{\"organization\": \"Soci\\u00e9t\\u00e9 \\\"ACME\\\"\","
                      " \"initiatedBy\": \"CORP\\\\j\\u00f6rg\","
                      " \"reason\": \"asked by \\\"jo@acme.com\\\"\\n\\ttwice\\u0001\"}";
    char *out = redact_one(r, rec);
    static const char *const originals[] = {"soci", "acme", "j\\u00f6rg", "jörg", "corp", NULL};
    expect_absent(out, originals, out);
    char *org = value_of(out, "organization"), *by = value_of(out, "initiatedBy");
    char *reason = value_of(out, "reason");
    cr_expect(!strncmp(org, "org-", 4) && strlen(org) == 4 + 12 + 5, "%s", org);
    regex_t re;
    cr_assert_eq(regcomp(&re, "^DOM-" UHEX "\\\\user-" HEX "$", REG_EXTENDED | REG_NOSUB), 0);
    cr_expect_eq(regexec(&re, by, 0, NULL, 0), 0, "%s", by);
    regfree(&re);
    cr_assert_eq(regcomp(&re, "^asked by \"user-" HEX "@org-" HEX "\\.example\"\n\ttwice\001$",
                         REG_EXTENDED | REG_NOSUB),
                 0);
    cr_expect_eq(regexec(&re, reason, 0, NULL, 0), 0, "%s", reason);
    regfree(&re);
    cr_expect(strstr(out, "\\\"user-") && strstr(out, "\\n\\ttwice\\u0001\""),
              "escapes not written back: %s", out);
    free(org);
    free(by);
    free(reason);
    free(out);
    rd_free(r);
}

Test(redact, errors_are_values)
{
    rd_redactor *r = keyed(KEY);
    const char *out;
    size_t n;
    sq_error err;
    cr_expect_eq(rd_redact(r, "[1]", 3, &out, &n, &err), RD_ERR_NOT_OBJECT);
    cr_expect_eq(rd_redact(r, "\"x\"", 3, &out, &n, &err), RD_ERR_NOT_OBJECT);
    cr_expect_eq(rd_redact(r, "{\"a\": }", 7, &out, &n, &err), RD_ERR_JSON);
    cr_expect_eq(err.line, 1);
    cr_expect_eq(err.column, 7);
    cr_expect_eq(rd_redact(r, "{} {}", 5, &out, &n, &err), RD_ERR_JSON);
    cr_expect_eq(rd_redact(r, "", 0, &out, &n, &err), RD_ERR_JSON);
    /* And it goes on working after a failure. */
    cr_expect_eq(rd_redact(r, "{\"id\": \"1\"}", 11, &out, &n, &err), RD_OK);
    cr_expect(n == 11 && !memcmp(out, "{\"id\": \"1\"}", 11));
    rd_free(r);
}

/* Whether `text` is one JSON text (bad UTF-8 allowed: untouched strings keep their bytes). */
static bool parses(const char *text, size_t n)
{
    json_parser *p = json_new(JSON_REPAIR_UTF8);
    json_feed(p, text, n);
    json_finish(p);
    json_value v;
    json_token t;
    while ((t = json_next(p, &v)) != JSON_END && t != JSON_ERROR)
        ;
    json_free(p);
    return t == JSON_END;
}

/* Every JSON text of JSONTestSuite that the tokenizer accepts comes out as valid JSON: odd
 * escapes, surrogates, deep nesting, huge numbers. Every one it refuses is an error value. */
Test(redact, jsontestsuite_texts_stay_valid)
{
    const char *dir = "testdata/jsontestsuite/test_parsing";
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    rd_redactor *r = keyed(KEY);
    size_t tried = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t n;
        char *text = slurp(path, &n);
        const char *out;
        size_t out_n;
        sq_error err;
        int rc = rd_redact_value(r, text, n, &out, &out_n, &err);
        if (parses(text, n)) {
            cr_expect_eq(rc, RD_OK, "%s: %s", e->d_name, err.message);
            cr_expect(rc != RD_OK || parses(out, out_n), "%s: the output does not parse",
                      e->d_name);
        } else {
            cr_expect_eq(rc, RD_ERR_JSON, "%s", e->d_name);
        }
        tried++;
        free(text);
    }
    closedir(d);
    cr_expect_geq(tried, 300);
    rd_free(r);
}

/* ---- sessq stats of a redacted dump equals the original's ---- */

static char *run_sessq(const char *args, const char *path)
{
    const char *prog = getenv("SESSQ") ? getenv("SESSQ") : "build/sessq";
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s %s", prog, args, path);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    char *text = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&text, &n);
    char buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, p)) > 0)
        fwrite(buf, 1, got, m);
    fclose(m);
    cr_assert_eq(pclose(p), 0, "%s failed", cmd);
    return text;
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The CSV rows without their first `drop` cells, sorted: the group keys are pseudonyms (whose
 * order differs from the originals'), the numbers must not differ. */
static char *numbers_only(char *csv, int drop)
{
    char *lines[256];
    size_t n = 0;
    for (char *l = strtok(csv, "\n"); l && n < 256; l = strtok(NULL, "\n")) {
        for (int d = 0; d < drop; d++) {
            /* Pseudonyms hold no comma or quote; originals here neither. */
            char *comma = strchr(l, ',');
            cr_assert_not_null(comma);
            l = comma + 1;
        }
        lines[n++] = l;
    }
    qsort(lines + 1, n - 1, sizeof *lines, by_text);
    char *out = NULL;
    size_t out_n = 0;
    FILE *m = open_memstream(&out, &out_n);
    for (size_t i = 0; i < n; i++)
        fprintf(m, "%s\n", lines[i]);
    fclose(m);
    return out;
}

static void expect_same_stats(const char *path)
{
    rd_redactor *r = keyed(KEY);
    size_t n;
    char *text = redacted_file(r, path, &n);
    char redacted[] = "/tmp/sessq-redact-XXXXXX";
    int fd = mkstemp(redacted);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    fwrite(text, 1, n, f);
    fclose(f);
    static const struct {
        const char *args;
        int keys;
    } runs[] = {
        {"stats -f csv", 0},
        {"stats -f csv --by source,type,status,day", 0},
        {"stats -f csv --by organization", 1},
        {"stats -f csv --by initiated_by,client_host", 2},
        {"stats -f csv --by scope", 1},
        {"stats -f csv --by name", 1},
        {"stats -f csv --by policy_name", 1},
        {"stats -f csv --by repository_name", 1},
        {"list -f csv -F id,source,type,status,state,result,start,end,duration,details,"
         "processed_objects,progress,usn,policy_id,protected_instances,repository_id,reason",
         0},
    };
    for (size_t i = 0; i < sizeof runs / sizeof *runs; i++) {
        char *a = run_sessq(runs[i].args, path), *b = run_sessq(runs[i].args, redacted);
        char *x = numbers_only(a, runs[i].keys), *y = numbers_only(b, runs[i].keys);
        cr_expect_str_eq(y, x, "%s: sessq %s differs", path, runs[i].args);
        free(a);
        free(b);
        free(x);
        free(y);
    }
    unlink(redacted);
    free(text);
    rd_free(r);
}

Test(redact, stats_of_a_redacted_dump_are_the_originals)
{
    expect_same_stats("testdata/fixtures/v6-restoresessions.json");
    expect_same_stats("testdata/fixtures/v5-restoresessions.json");
    expect_same_stats("testdata/fixtures/v6-dataretrievalsessions.json");
    expect_same_stats("testdata/fixtures/v6-dataretrievalsession-by-id.json");
    expect_same_stats("testdata/fixtures/v1-azure-jobsessions.json");
    expect_same_stats("testdata/redact/tricky.json");
}
