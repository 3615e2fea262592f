/* session.h: one normalized session, its keys, and the timestamp and TimeSpan rules. */
#ifndef SESSION_H
#define SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A slice of UTF-8 text, not NUL-terminated, may contain NUL; p == NULL means JSON null. */
typedef struct {
    const char *p;
    uint32_t n;
} sq_str;

/* The value of one key of one session, as output and filters see it. */
typedef enum {
    SQ_NULL = 0,
    SQ_TEXT,    /* text: UTF-8 bytes `text`, `len` */
    SQ_INT,     /* integer `i` */
    SQ_TIME,    /* instant `i`: 100 ns ticks since 1970-01-01T00:00:00Z */
    SQ_SECONDS, /* duration `i`: 100 ns ticks, written as seconds */
    SQ_REAL,    /* a real `r` */
    SQ_RATIO    /* a share `r` from 0 to 1: a number in data formats, a percentage in a table */
} sq_kind;

typedef struct {
    sq_kind kind;
    uint32_t len;
    const char *text;
    int64_t i;
    double r;
} sq_value;

#define SES_NULL INT64_MIN /* a null integer, instant or duration */
#define SES_TICKS_PER_SECOND 10000000LL

typedef enum {
    SES_SRC_NONE = 0,
    SES_SRC_AZURE_JOB,       /* "azure-job" */
    SES_SRC_VB365_RESTORE,   /* "vb365-restore" */
    SES_SRC_VB365_RETRIEVAL, /* "vb365-retrieval" */
    SES_SRC_COUNT
} ses_source;

/* The normalized keys, in the contract's order, then the derived ones. */
typedef enum {
    K_SOURCE,
    K_ID,
    K_NAME,
    K_TYPE,
    K_STATUS,
    K_STATE,
    K_RESULT,
    K_START,
    K_END,
    K_DURATION,
    K_ORGANIZATION,
    K_INITIATED_BY,
    K_DETAILS,
    K_SCOPE,
    K_CLIENT_HOST,
    K_RETRIEVAL_ID,
    K_PROCESSED_OBJECTS,
    K_PROGRESS,
    K_USN,
    K_POLICY_ID,
    K_POLICY_NAME,
    K_PROTECTED_INSTANCES,
    K_REPOSITORY_ID,
    K_REPOSITORY_NAME,
    K_REASON,
    SES_NKEYS, /* keys of the normalized session end here */
    K_DAY = SES_NKEYS,
    K_MONTH,
    K_HOUR,
    SES_NALLKEYS
} ses_key;

/* The kind every value of a key has when it is not null. */
sq_kind ses_key_kind(ses_key k);
/* The key's name as written in output headers ("initiated_by"): static. */
const char *ses_key_name(ses_key k);
/* The key named `name` (exact, lower case), or -1. */
int ses_key_lookup(const char *name, size_t len);
/* "azure-job" etc.: static; NULL for SES_SRC_NONE. */
const char *ses_source_name(ses_source s);

/* Text keys are stored in `text[]`, the others in `num[]`; these map a key to its slot, or -1. */
int ses_text_slot(ses_key k);
int ses_num_slot(ses_key k);
#define SES_NTEXT 17
#define SES_NNUM 7

/* One normalized session. Text slices point into memory the owner of the struct manages. */
typedef struct {
    ses_source source;
    sq_str text[SES_NTEXT]; /* by ses_text_slot() */
    int64_t num[SES_NNUM];  /* by ses_num_slot(); SES_NULL when null */
} ses_session;

/* A record as the shape layer collected it, before normalization. `s` holds the fields that are
 * copied as they are (text slots; usn, progress, processed_objects, protected_instances); the
 * rest is raw and turned into `s` by ses_normalize(). */
typedef struct {
    ses_session s;
    sq_str start_text;    /* creationTime or executionStartTime, unescaped */
    sq_str end_text;      /* endTime or executionStopTime */
    sq_str duration_text; /* executionDuration as a string */
    int64_t duration_ms;  /* executionDuration as a JSON number (milliseconds), else SES_NULL */
    sq_str server_status; /* the record's own "status" */
} ses_raw;

/* Fills start, end, duration, status and (restore) processed_objects of r->s from the raw
 * fields, for a record of source `src`, and sets r->s.source. Text it writes into r->s points to
 * static storage or into r's own slices. */
void ses_normalize(ses_raw *r, ses_source src);

/* Parses an ISO 8601 timestamp "YYYY-MM-DD(T|t| )HH:MM:SS[.f{1,7}](Z|z|±hh:mm|±hhmm)?" (no
 * offset: UTC; digits past the seventh are dropped) or .NET's "/Date(ms)/" and
 * "/Date(ms±hhmm)/" into ticks since 1970 UTC. Returns 0, or -1 (leaving *ticks alone) when the
 * text is not a valid timestamp or its UTC instant is outside the years 0001-9999. */
int ses_parse_time(const char *p, size_t n, int64_t *ticks);
/* How many of the n bytes at p are ASCII digits before the first that is not. */
size_t ses_digit_run(const char *p, size_t n);
/* Parses a date "YYYY-MM-DD" (midnight UTC) or anything ses_parse_time() takes. */
int ses_parse_date_or_time(const char *p, size_t n, int64_t *ticks);
/* Parses a .NET TimeSpan "[-][d.]hh:mm:ss[.f{1,7}]" into ticks. Returns 0 or -1. */
int ses_parse_timespan(const char *p, size_t n, int64_t *ticks);

#define SES_TIME_BUFSZ 32
/* Writes "YYYY-MM-DDTHH:MM:SS.fffffffZ" (28 bytes) and a NUL into buf; returns the length.
 * Ticks outside the years 0001-9999 are written as the nearest end of that range. */
size_t ses_format_time(int64_t ticks, char buf[SES_TIME_BUFSZ]);
/* Writes ticks as seconds, exactly, without trailing zeros ("77.8237", "3600", "-0.5"); returns
 * the length. buf must hold SES_TIME_BUFSZ bytes. */
size_t ses_format_seconds(int64_t ticks, char buf[SES_TIME_BUFSZ]);

/* The text of a non-null value as data formats write it (text as it is, "2022-01-28T19:52:36.
 * 9177053Z", "77.8237", "12"): what --match and =~ match and what stats groups by. Sets *p and
 * *n to the text, which is the value's own or written into buf. */
void ses_value_text(const sq_value *v, char buf[SES_TIME_BUFSZ], const char **p, size_t *n);

/* The canonical spelling of a status word recognized in any case ("success" -> "Success"), or
 * NULL when the word is not one of the contract's list. */
const char *ses_status_word(const char *p, size_t n);
/* The leading N of "N item(s) processed...", or SES_NULL when details do not start that way. */
int64_t ses_details_count(const char *p, size_t n);

#endif
