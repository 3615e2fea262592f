/* redact.h: the engine of `sessq redact`: rewrites one session record's JSON text so that what
 * identifies a customer (organization, user, operator, host, policy, repository, job and
 * retrieval names, IP addresses, the host of every absolute URL) becomes a keyed pseudonym,
 * and every other byte of the record stays as it was. The README's "sessq redact" section
 * states the rules; `sessq redact` runs it on each record `sessq extract` selects.
 *
 * Pseudonyms come from SipHash-2-4 under a 128-bit key, so the same value gives the same
 * pseudonym in every record of a run and, with the same key text, in every run. */
#ifndef REDACT_H
#define REDACT_H

#include <stddef.h>
#include <stdint.h>

#include "sessq.h"

enum {
    RD_OK = 0,
    RD_ERR_JSON,       /* the record is not valid JSON: err has the tokenizer's message and
                          line and column within the record */
    RD_ERR_NOT_OBJECT, /* valid JSON, but not one object */
    RD_ERR_RANDOM,     /* no random key could be had from the system (sys_errno set) */
    RD_ERR_NOMEM
};

typedef struct rd_redactor rd_redactor;

/* A redactor keyed by the `key_len` bytes of `key` (the text of `--key`, any length, empty
 * too), or, when `key` is NULL, by 16 random bytes from the system: a run without --key can
 * not be compared with another run, and nobody can test guesses against its pseudonyms.
 * NULL with `err` filled (RD_ERR_RANDOM, RD_ERR_NOMEM) on failure. */
rd_redactor *rd_new(const void *key, size_t key_len, sq_error *err);
void rd_free(rd_redactor *r);

/* Redacts the record `rec` (`len` bytes of UTF-8 holding one JSON object, optionally with
 * white space around it). On success *out and *out_len give the redacted text, owned by the
 * redactor and valid until its next rd_redact() or rd_free(); it has the record's bytes except
 * inside the strings that were replaced. On failure `err` says what (an RD_ERR_*; err->detail
 * owned by the redactor, valid until its next call). */
int rd_redact(rd_redactor *r, const char *rec, size_t len, const char **out, size_t *out_len,
              sq_error *err);

/* The same for any other JSON value a dump holds beside its records, such as an envelope's
 * `_links` (whose hrefs may name the server) or a whole envelope without its records: the
 * same rules, except that no key is a session's `name`. Same ownership and errors, with no
 * RD_ERR_NOT_OBJECT. */
int rd_redact_value(rd_redactor *r, const char *json, size_t len, const char **out, size_t *out_len,
                    sq_error *err);

/* SipHash-2-4 (Aumasson and Bernstein, 2012) of `len` bytes under the 16-byte `key`, its 8
 * output bytes read as a little-endian integer, as the specification's test vectors give it. */
uint64_t rd_siphash24(const uint8_t key[16], const void *msg, size_t len);

#endif
