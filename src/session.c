/* session.c: the normalized session's keys, and its timestamp, TimeSpan and status rules. */
#include "session.h"
#include "sessq.h"

#include <stdio.h>

#include <string.h>

#define TICKS_PER_MS 10000LL
#define TICKS_PER_MINUTE (60 * SES_TICKS_PER_SECOND)
#define TICKS_PER_HOUR (60 * TICKS_PER_MINUTE)
#define TICKS_PER_DAY (24 * TICKS_PER_HOUR)

/* Days from 0001-01-01 to 1970-01-01, and from 1970-01-01 to 10000-01-01. */
#define DAYS_BEFORE_EPOCH 719162LL
#define DAYS_TO_YEAR_10000 2932897LL

/* The instants .NET's DateTime can hold, 0001-01-01 to 9999-12-31T23:59:59.9999999 UTC: a
 * server cannot have sent any other, and ses_format_time() can write exactly these. */
#define MIN_TICKS (-DAYS_BEFORE_EPOCH * TICKS_PER_DAY)
#define MAX_TICKS (DAYS_TO_YEAR_10000 * TICKS_PER_DAY - 1)

#define FRACTION_DIGITS 7

typedef struct {
    const char *name;
    size_t len;
    sq_kind kind;
    int text_slot;
    int num_slot;
} key_info;

#define KEY(name, kind, text_slot, num_slot)                                                       \
    {                                                                                              \
        name, sizeof name - 1, kind, text_slot, num_slot                                           \
    }

static const key_info keys[SES_NALLKEYS] = {
    [K_SOURCE] = KEY("source", SQ_TEXT, -1, -1),
    [K_ID] = KEY("id", SQ_TEXT, 0, -1),
    [K_NAME] = KEY("name", SQ_TEXT, 1, -1),
    [K_TYPE] = KEY("type", SQ_TEXT, 2, -1),
    [K_STATUS] = KEY("status", SQ_TEXT, 3, -1),
    [K_STATE] = KEY("state", SQ_TEXT, 4, -1),
    [K_RESULT] = KEY("result", SQ_TEXT, 5, -1),
    [K_START] = KEY("start", SQ_TIME, -1, 0),
    [K_END] = KEY("end", SQ_TIME, -1, 1),
    [K_DURATION] = KEY("duration", SQ_SECONDS, -1, 2),
    [K_ORGANIZATION] = KEY("organization", SQ_TEXT, 6, -1),
    [K_INITIATED_BY] = KEY("initiated_by", SQ_TEXT, 7, -1),
    [K_DETAILS] = KEY("details", SQ_TEXT, 8, -1),
    [K_SCOPE] = KEY("scope", SQ_TEXT, 9, -1),
    [K_CLIENT_HOST] = KEY("client_host", SQ_TEXT, 10, -1),
    [K_RETRIEVAL_ID] = KEY("retrieval_id", SQ_TEXT, 11, -1),
    [K_PROCESSED_OBJECTS] = KEY("processed_objects", SQ_INT, -1, 3),
    [K_PROGRESS] = KEY("progress", SQ_INT, -1, 4),
    [K_USN] = KEY("usn", SQ_INT, -1, 5),
    [K_POLICY_ID] = KEY("policy_id", SQ_TEXT, 12, -1),
    [K_POLICY_NAME] = KEY("policy_name", SQ_TEXT, 13, -1),
    [K_PROTECTED_INSTANCES] = KEY("protected_instances", SQ_INT, -1, 6),
    [K_REPOSITORY_ID] = KEY("repository_id", SQ_TEXT, 14, -1),
    [K_REPOSITORY_NAME] = KEY("repository_name", SQ_TEXT, 15, -1),
    [K_REASON] = KEY("reason", SQ_TEXT, 16, -1),
    [K_DAY] = KEY("day", SQ_TEXT, -1, -1),
    [K_MONTH] = KEY("month", SQ_TEXT, -1, -1),
    [K_HOUR] = KEY("hour", SQ_TEXT, -1, -1),
};

static bool is_key(ses_key k) { return (unsigned)k < SES_NALLKEYS; }

sq_kind ses_key_kind(ses_key k) { return is_key(k) ? keys[k].kind : SQ_NULL; }

const char *ses_key_name(ses_key k) { return is_key(k) ? keys[k].name : NULL; }

int ses_key_lookup(const char *name, size_t len)
{
    for (int k = 0; k < SES_NALLKEYS; k++)
        if (keys[k].len == len && memcmp(keys[k].name, name, len) == 0)
            return k;
    return -1;
}

const char *ses_source_name(ses_source s)
{
    static const char *const names[SES_SRC_COUNT] = {
        [SES_SRC_AZURE_JOB] = "azure-job",
        [SES_SRC_VB365_RESTORE] = "vb365-restore",
        [SES_SRC_VB365_RETRIEVAL] = "vb365-retrieval",
    };
    return (unsigned)s < SES_SRC_COUNT ? names[s] : NULL;
}

int ses_text_slot(ses_key k) { return is_key(k) ? keys[k].text_slot : -1; }

int ses_num_slot(ses_key k) { return is_key(k) ? keys[k].num_slot : -1; }

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

size_t ses_digit_run(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && is_digit(p[i]))
        i++;
    return i;
}

/* The value of n digits, or false when it would exceed `limit` (checked before it can
 * overflow). */
static bool decimal(const char *p, size_t n, int64_t limit, int64_t *value)
{
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = p[i] - '0';
        if (v > (limit - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *value = v;
    return true;
}

/* Exactly `count` digits at p (the caller has checked they are there), or -1. */
static int fixed_digits(const char *p, int count)
{
    int v = 0;
    for (int i = 0; i < count; i++) {
        if (!is_digit(p[i]))
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

/* ---- fixed-position fields, eight bytes at a time ------------------------------------------
 * Every session has two timestamps, and checking and converting them a digit at a time cost
 * more than a tenth of the time left after tokenizing. A field is checked as one 64-bit word
 * instead: XOR with its form leaves each digit's value (0-9) in its byte and 0 in a separator's.
 * Adding 0x76 to a digit's byte, or 0x7F to a separator's, reaches 0x80 exactly when the byte
 * holds anything else; a byte that could carry into the next one has 0x80 set already, so the
 * lowest bad byte is always seen. */

#define LANES(b) (0x0101010101010101ULL * (uint8_t)(b))

/* p[0..7] as a word whose lowest byte is p[0], on any machine. */
static uint64_t load8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

/* The bytes of x that are not a digit's value 0-9 (their 0x80 bits; 0: none), where `sep`
 * has 0x80 set in each byte that must be 0 instead. */
static uint64_t bad_lanes(uint64_t x, uint64_t sep)
{
    uint64_t add = LANES(0x76) | (sep >> 7) * 0x09;
    return ((x + add) | x) & LANES(0x80);
}

/* The eight bytes at p against `form`, whose '0's stand for any digit and other bytes for
 * themselves: the digits' values in their bytes (separators 0), or false. */
static bool match8(const char *p, const char form[8], uint64_t *values)
{
    uint64_t f = load8(form);
    uint64_t sep = (f ^ LANES('0')) + LANES(0x7F);
    uint64_t x = load8(p) ^ f;
    if (bad_lanes(x, sep & LANES(0x80)))
        return false;
    *values = x;
    return true;
}

static int lane(uint64_t x, int i) { return (int)(x >> (8 * i) & 0xFF); }

static int two_lanes(uint64_t x, int i) { return lane(x, i) * 10 + lane(x, i + 1); }

/* The number written by the digits in the seven lowest bytes of x, the lowest byte first. */
static int64_t seven_digits(uint64_t x)
{
    /* With a 0 digit in front: pairs, then fours, each step in the low half of wider lanes. */
    uint64_t v = x << 8;
    v = (v * 10 + (v >> 8)) & 0x00FF00FF00FF00FFULL;
    v = (v * 100 + (v >> 16)) & 0x0000FFFF0000FFFFULL;
    return (int64_t)((v & 0xFFFF) * 10000 + (v >> 32));
}

/* The count of up to `n` digits at p, and in *ticks the first seven as 100 ns units: later
 * digits are below .NET's precision. */
static size_t fraction(const char *p, size_t n, int64_t *ticks)
{
    /* Servers write all seven digits: one word holds them and what follows. */
    if (n >= 8) {
        uint64_t x = load8(p) ^ LANES('0');
        uint64_t bad = bad_lanes(x, 0);
        size_t count = bad ? (size_t)__builtin_ctzll(bad) / 8 : 8;
        if (count >= FRACTION_DIGITS) {
            *ticks = seven_digits(x);
            return count == 8 ? 8 + ses_digit_run(p + 8, n - 8) : count;
        }
    }
    size_t count = ses_digit_run(p, n);
    int64_t f = 0;
    for (size_t i = 0; i < FRACTION_DIGITS; i++)
        f = f * 10 + (i < count ? p[i] - '0' : 0);
    *ticks = f;
    return count;
}

static bool is_leap(int y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

static const int days_before_month[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

/* Days of the year before month m (1-12). */
static int month_start(int y, int m) { return days_before_month[m - 1] + (m > 2 && is_leap(y)); }

static int days_in_month(int y, int m)
{
    return m == 12 ? 31 : month_start(y, m + 1) - month_start(y, m);
}

/* Days since 1970-01-01 of a valid date of years 1-9999. */
static int64_t days_from_civil(int y, int m, int d)
{
    int64_t before = y - 1;
    int64_t days = 365 * before + before / 4 - before / 100 + before / 400;
    return days + month_start(y, m) + d - 1 - DAYS_BEFORE_EPOCH;
}

/* The inverse of days_from_civil(), for days of years 1-9999. The Gregorian calendar repeats
 * every 400 years (146097 days); a century is 36524 days but for the last of the four, a
 * four-year span 1461 days, a year 365: only the last day of each longer span overflows the
 * count of shorter ones, so the quotients are capped. */
static void civil_from_days(int64_t days, int *y, int *m, int *d)
{
    int64_t z = days + DAYS_BEFORE_EPOCH;
    int64_t cycles = z / 146097;
    z %= 146097;
    int64_t centuries = z / 36524;
    if (centuries == 4)
        centuries = 3;
    z -= centuries * 36524;
    int64_t quads = z / 1461;
    z %= 1461;
    int64_t years = z / 365;
    if (years == 4)
        years = 3;
    z -= years * 365;
    int year = (int)(400 * cycles + 100 * centuries + 4 * quads + years + 1);
    int month = 1;
    while (month < 12 && z >= month_start(year, month + 1))
        month++;
    *y = year;
    *m = month;
    *d = (int)(z - month_start(year, month)) + 1;
}

/* "YYYY-MM-DD" at p (10 bytes) as days since 1970, worked out anew. */
static bool civil_date_at(const char *p, int64_t *days)
{
    uint64_t x, tail;
    if (!match8(p, "0000-00-", &x) || !match8(p + 2, "00-00-00", &tail))
        return false;
    int y = two_lanes(x, 0) * 100 + two_lanes(x, 2);
    int m = two_lanes(x, 5);
    int d = two_lanes(tail, 6);
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return false;
    *days = days_from_civil(y, m, d);
    return true;
}

/* The last two dates read by this thread: a session's start and end mostly fall on one day,
 * and neighbouring sessions on the same few. */
typedef struct {
    char text[10];
    int64_t days;
} known_date;
static _Thread_local known_date known[2];

/* "YYYY-MM-DD" at p (10 bytes) as days since 1970. */
static bool date_at(const char *p, int64_t *days)
{
    for (int i = 0; i < 2; i++)
        if (known[i].text[0] && sq_same_bytes(known[i].text, p, 10)) {
            *days = known[i].days;
            return true;
        }
    if (!civil_date_at(p, days))
        return false;
    known[1] = known[0];
    memcpy(known[0].text, p, 10);
    known[0].days = *days;
    return true;
}

/* Hours 0-23, minutes 0-59 and seconds 0-59 (-1: not digits) as ticks since midnight. */
static bool clock_ticks(int hh, int mm, int ss, int64_t *ticks)
{
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59)
        return false;
    *ticks = hh * TICKS_PER_HOUR + mm * TICKS_PER_MINUTE + ss * SES_TICKS_PER_SECOND;
    return true;
}

/* Hours at h and minutes at m, two digits each, as ticks. */
static bool hours_minutes(const char *h, const char *m, int64_t *ticks)
{
    return clock_ticks(fixed_digits(h, 2), fixed_digits(m, 2), 0, ticks);
}

/* "HH:MM:SS" at p (8 bytes) as ticks since midnight. */
static bool clock_at(const char *p, int64_t *ticks)
{
    uint64_t x;
    return match8(p, "00:00:00", &x) &&
           clock_ticks(two_lanes(x, 0), two_lanes(x, 3), two_lanes(x, 6), ticks);
}

/* All of p..p+n as a zone designator: nothing or Z (UTC), ±hh:mm or ±hhmm. */
static bool utc_offset(const char *p, size_t n, int64_t *ticks)
{
    *ticks = 0;
    if (n == 0)
        return true;
    if (n == 1)
        return p[0] == 'Z' || p[0] == 'z';
    if (p[0] != '+' && p[0] != '-')
        return false;
    bool ok = (n == 6 && p[3] == ':' && hours_minutes(p + 1, p + 4, ticks)) ||
              (n == 5 && hours_minutes(p + 1, p + 3, ticks));
    if (ok && p[0] == '-')
        *ticks = -*ticks;
    return ok;
}

static bool in_range(int64_t ticks) { return ticks >= MIN_TICKS && ticks <= MAX_TICKS; }

/* The rest of "/Date([-]ms[±hhmm])/" after its "/Date(". The offset only tells the zone of the
 * writer: ms already counts from 1970 UTC. */
static int parse_dotnet_date(const char *p, size_t n, int64_t *ticks)
{
    size_t i = n > 0 && p[0] == '-';
    size_t count = ses_digit_run(p + i, n - i);
    int64_t ms;
    if (count == 0 || !decimal(p + i, count, MAX_TICKS / TICKS_PER_MS, &ms))
        return -1;
    int64_t t = (i ? -ms : ms) * TICKS_PER_MS;
    i += count;
    int64_t zone;
    if (i < n && (p[i] == '+' || p[i] == '-')) {
        if (n - i < 5 || !hours_minutes(p + i + 1, p + i + 3, &zone))
            return -1;
        i += 5;
    }
    if (n - i != 2 || p[i] != ')' || p[i + 1] != '/' || !in_range(t))
        return -1;
    *ticks = t;
    return 0;
}

int ses_parse_time(const char *p, size_t n, int64_t *ticks)
{
    static const char dotnet[] = "/Date(";
    if (n >= sizeof dotnet - 1 && sq_same_bytes(p, dotnet, sizeof dotnet - 1))
        return parse_dotnet_date(p + sizeof dotnet - 1, n - (sizeof dotnet - 1), ticks);
    int64_t days;
    int64_t clock;
    if (n < 19 || !date_at(p, &days) || (p[10] != 'T' && p[10] != 't' && p[10] != ' ') ||
        !clock_at(p + 11, &clock))
        return -1;
    size_t i = 19;
    int64_t frac = 0;
    if (i < n && p[i] == '.') {
        size_t count = fraction(p + i + 1, n - i - 1, &frac);
        if (count == 0)
            return -1;
        i += 1 + count;
    }
    int64_t zone;
    if (!utc_offset(p + i, n - i, &zone))
        return -1;
    int64_t t = days * TICKS_PER_DAY + clock + frac - zone;
    if (!in_range(t))
        return -1;
    *ticks = t;
    return 0;
}

int ses_parse_date_or_time(const char *p, size_t n, int64_t *ticks)
{
    int64_t days;
    if (n == 10 && date_at(p, &days)) {
        *ticks = days * TICKS_PER_DAY;
        return 0;
    }
    return ses_parse_time(p, n, ticks);
}

int ses_parse_timespan(const char *p, size_t n, int64_t *ticks)
{
    size_t i = n > 0 && p[0] == '-';
    bool negative = i == 1;
    size_t run = ses_digit_run(p + i, n - i);
    int64_t days = 0;
    if (i + run < n && p[i + run] == '.') {
        if (run == 0 || !decimal(p + i, run, INT64_MAX / TICKS_PER_DAY, &days))
            return -1;
        i += run + 1;
    }
    int64_t clock;
    if (n - i < 8 || !clock_at(p + i, &clock))
        return -1;
    i += 8;
    int64_t frac = 0;
    if (i < n) {
        if (p[i] != '.')
            return -1;
        size_t count = fraction(p + i + 1, n - i - 1, &frac);
        if (count == 0 || count > FRACTION_DIGITS || i + 1 + count != n)
            return -1;
    }
    int64_t part = clock + frac;
    if (days > (INT64_MAX - part) / TICKS_PER_DAY)
        return -1;
    int64_t total = days * TICKS_PER_DAY + part;
    *ticks = negative ? -total : total;
    return 0;
}

/* Writes v as exactly `count` digits, zero-padded on the left. */
static char *put_digits(char *out, uint64_t v, int count)
{
    for (int i = count - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return out + count;
}

static char *put_unsigned(char *out, uint64_t v)
{
    int count = 1;
    for (uint64_t rest = v / 10; rest > 0; rest /= 10)
        count++;
    return put_digits(out, v, count);
}

/* Instants outside years 0001-9999 (which no parser here yields) are written as the nearest
 * of 0001-01-01T00:00:00.0000000Z and 9999-12-31T23:59:59.9999999Z, so that the text is
 * always 28 bytes and still sorts as the instants do. */
size_t ses_format_time(int64_t ticks, char buf[SES_TIME_BUFSZ])
{
    if (ticks < MIN_TICKS)
        ticks = MIN_TICKS;
    else if (ticks > MAX_TICKS)
        ticks = MAX_TICKS;
    int64_t days = ticks / TICKS_PER_DAY;
    int64_t rest = ticks % TICKS_PER_DAY;
    if (rest < 0) {
        rest += TICKS_PER_DAY;
        days--;
    }
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    char *out = buf;
    out = put_digits(out, (uint64_t)y, 4);
    *out++ = '-';
    out = put_digits(out, (uint64_t)m, 2);
    *out++ = '-';
    out = put_digits(out, (uint64_t)d, 2);
    *out++ = 'T';
    out = put_digits(out, (uint64_t)(rest / TICKS_PER_HOUR), 2);
    *out++ = ':';
    out = put_digits(out, (uint64_t)(rest / TICKS_PER_MINUTE % 60), 2);
    *out++ = ':';
    out = put_digits(out, (uint64_t)(rest / SES_TICKS_PER_SECOND % 60), 2);
    *out++ = '.';
    out = put_digits(out, (uint64_t)(rest % SES_TICKS_PER_SECOND), FRACTION_DIGITS);
    *out++ = 'Z';
    *out = '\0';
    return (size_t)(out - buf);
}

size_t ses_format_seconds(int64_t ticks, char buf[SES_TIME_BUFSZ])
{
    /* The magnitude in unsigned arithmetic, where negating INT64_MIN is defined. */
    uint64_t magnitude = ticks < 0 ? 0 - (uint64_t)ticks : (uint64_t)ticks;
    uint64_t frac = magnitude % SES_TICKS_PER_SECOND;
    char *out = buf;
    if (ticks < 0)
        *out++ = '-';
    out = put_unsigned(out, magnitude / SES_TICKS_PER_SECOND);
    if (frac > 0) {
        int count = FRACTION_DIGITS;
        for (; frac % 10 == 0; frac /= 10)
            count--;
        *out++ = '.';
        out = put_digits(out, frac, count);
    }
    *out = '\0';
    return (size_t)(out - buf);
}

typedef enum {
    W_SUCCESS,
    W_WARNING,
    W_FAILED,
    W_ERROR,
    W_RUNNING,
    W_CANCELED,
    W_STOPPED,
    W_NOT_CONFIGURED,
    W_NONE,
    W_UNKNOWN,
    W_WORKING,
    W_STARTING,
    W_STOPPING,
    W_COUNT
} status_id;

#define WORD(text)                                                                                 \
    {                                                                                              \
        text, sizeof text - 1                                                                      \
    }

static const struct {
    const char *text;
    size_t len;
} status_words[W_COUNT] = {
    [W_SUCCESS] = WORD("Success"),   [W_WARNING] = WORD("Warning"),
    [W_FAILED] = WORD("Failed"),     [W_ERROR] = WORD("Error"),
    [W_RUNNING] = WORD("Running"),   [W_CANCELED] = WORD("Canceled"),
    [W_STOPPED] = WORD("Stopped"),   [W_NOT_CONFIGURED] = WORD("NotConfigured"),
    [W_NONE] = WORD("None"),         [W_UNKNOWN] = WORD("Unknown"),
    [W_WORKING] = WORD("Working"),   [W_STARTING] = WORD("Starting"),
    [W_STOPPING] = WORD("Stopping"),
};

/* ASCII only: the words are ASCII, and the locale must not change what matches. */
static char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

static bool same_ignoring_case(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    return true;
}

/* Asked of two fields of every session: the exact spelling is tried first, and the first
 * letter (any case) rules out the other words before a case-blind compare. */
static int status_index(const char *p, size_t n)
{
    if (n == 0)
        return -1;
    for (int w = 0; w < W_COUNT; w++)
        if (status_words[w].len == n && sq_same_bytes(status_words[w].text, p, n))
            return w;
    char first = ascii_lower(p[0]);
    for (int w = 0; w < W_COUNT; w++)
        if (status_words[w].len == n && ascii_lower(status_words[w].text[0]) == first &&
            same_ignoring_case(status_words[w].text, p, n))
            return w;
    return -1;
}

const char *ses_status_word(const char *p, size_t n)
{
    int w = status_index(p, n);
    return w < 0 ? NULL : status_words[w].text;
}

int64_t ses_details_count(const char *p, size_t n)
{
    static const char item[] = " item";
    static const char processed[] = " processed";
    size_t count = ses_digit_run(p, n);
    int64_t v;
    if (count == 0 || !decimal(p, count, INT64_MAX, &v))
        return SES_NULL;
    size_t i = count;
    if (n - i < sizeof item - 1 || memcmp(p + i, item, sizeof item - 1) != 0)
        return SES_NULL;
    i += sizeof item - 1;
    if (i < n && p[i] == 's')
        i++;
    if (n - i < sizeof processed - 1 || memcmp(p + i, processed, sizeof processed - 1) != 0)
        return SES_NULL;
    return v;
}

static sq_str word_str(status_id w)
{
    return (sq_str){status_words[w].text, (uint32_t)status_words[w].len};
}

static int64_t time_or_null(sq_str t)
{
    int64_t ticks;
    return t.p != NULL && ses_parse_time(t.p, t.n, &ticks) == 0 ? ticks : SES_NULL;
}

static int64_t elapsed(int64_t start, int64_t end)
{
    return start == SES_NULL || end == SES_NULL ? SES_NULL : end - start;
}

/* executionDuration wins over the timestamps; a number there that no tick count can hold is
 * treated as if it were absent. */
static int64_t azure_duration(const ses_raw *r, int64_t start, int64_t end)
{
    int64_t ticks;
    if (r->duration_text.p != NULL &&
        ses_parse_timespan(r->duration_text.p, r->duration_text.n, &ticks) == 0)
        return ticks;
    int64_t limit = INT64_MAX / TICKS_PER_MS;
    if (r->duration_ms != SES_NULL && r->duration_ms >= -limit && r->duration_ms <= limit)
        return r->duration_ms * TICKS_PER_MS;
    return elapsed(start, end);
}

static sq_str restore_status(const ses_session *s)
{
    sq_str state = s->text[keys[K_STATE].text_slot];
    sq_str result = s->text[keys[K_RESULT].text_slot];
    int w = state.p != NULL ? status_index(state.p, state.n) : -1;
    if (w == W_WORKING || w == W_STARTING || w == W_STOPPING)
        return word_str(W_RUNNING);
    return result.p != NULL ? result : state;
}

static sq_str canonical_status(sq_str t)
{
    if (t.p == NULL)
        return (sq_str){NULL, 0};
    int w = status_index(t.p, t.n);
    return w < 0 ? t : word_str((status_id)w);
}

void ses_normalize(ses_raw *r, ses_source src)
{
    ses_session *s = &r->s;
    int64_t start = time_or_null(r->start_text);
    int64_t end = time_or_null(r->end_text);
    s->source = src;
    s->num[keys[K_START].num_slot] = start;
    s->num[keys[K_END].num_slot] = end;
    s->num[keys[K_DURATION].num_slot] =
        src == SES_SRC_AZURE_JOB ? azure_duration(r, start, end) : elapsed(start, end);
    bool restore = src == SES_SRC_VB365_RESTORE;
    s->text[keys[K_STATUS].text_slot] =
        canonical_status(restore ? restore_status(s) : r->server_status);
    if (restore) {
        sq_str details = s->text[keys[K_DETAILS].text_slot];
        s->num[keys[K_PROCESSED_OBJECTS].num_slot] =
            details.p != NULL ? ses_details_count(details.p, details.n) : SES_NULL;
    }
}

void ses_value_text(const sq_value *v, char buf[SES_TIME_BUFSZ], const char **p, size_t *n)
{
    *p = buf;
    switch (v->kind) {
    case SQ_TEXT:
        *p = v->text;
        *n = v->len;
        return;
    case SQ_TIME:
        *n = ses_format_time(v->i, buf);
        return;
    case SQ_SECONDS:
        *n = ses_format_seconds(v->i, buf);
        return;
    case SQ_INT:
        *n = (size_t)snprintf(buf, SES_TIME_BUFSZ, "%lld", (long long)v->i);
        return;
    case SQ_REAL:
    case SQ_RATIO:
        *n = (size_t)snprintf(buf, SES_TIME_BUFSZ, "%.17g", v->r);
        return;
    default:
        *n = 0;
        return;
    }
}
