/* yajl_count.c: the yardstick of `make bench`: counts the values of every "result" key with
 * yajl's streaming SAX parser, reading the file in 64 KiB chunks, and does nothing else. What a
 * bare streaming parser costs on a dump, so that sessq's times can be read as a ratio to it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_parse.h>

#define MAX_VALUES 32
#define MAX_VALUE_LEN 64

typedef struct {
    char text[MAX_VALUE_LEN];
    size_t len;
    unsigned long long count;
} tally;

typedef struct {
    int after_result_key; /* the next value is a result */
    size_t n;
    tally values[MAX_VALUES];
    unsigned long long other; /* values past MAX_VALUES distinct ones, or too long */
} counts;

static void count(counts *c, const unsigned char *s, size_t len)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->values[i].len == len && !memcmp(c->values[i].text, s, len)) {
            c->values[i].count++;
            return;
        }
    if (c->n == MAX_VALUES || len > MAX_VALUE_LEN) {
        c->other++;
        return;
    }
    memcpy(c->values[c->n].text, s, len);
    c->values[c->n].len = len;
    c->values[c->n].count = 1;
    c->n++;
}

static int on_key(void *ctx, const unsigned char *key, size_t len)
{
    counts *c = ctx;
    c->after_result_key = len == 6 && !memcmp(key, "result", 6);
    return 1;
}

static int on_string(void *ctx, const unsigned char *s, size_t len)
{
    counts *c = ctx;
    if (c->after_result_key)
        count(c, s, len);
    c->after_result_key = 0;
    return 1;
}

/* Any other value after "result" is not counted, and must not leave the key armed. */
static int on_other(void *ctx)
{
    ((counts *)ctx)->after_result_key = 0;
    return 1;
}

static int on_boolean(void *ctx, int value)
{
    (void)value;
    return on_other(ctx);
}

/* Numbers stay text: converting them would be work the yardstick must not do. */
static int on_number(void *ctx, const char *text, size_t len)
{
    (void)text;
    (void)len;
    return on_other(ctx);
}

static const yajl_callbacks callbacks = {
    .yajl_null = on_other,
    .yajl_boolean = on_boolean,
    .yajl_number = on_number,
    .yajl_string = on_string,
    .yajl_start_map = on_other,
    .yajl_map_key = on_key,
    .yajl_start_array = on_other,
};

static int parse_error(yajl_handle h, const char *path)
{
    unsigned char *message = yajl_get_error(h, 0, NULL, 0);
    fprintf(stderr, "yajl_count: %s: %s", path, (const char *)message);
    yajl_free_error(h, message);
    return 65;
}

/* 0, or the exit status: 65 for invalid JSON, 66 for a read error. */
static int parse(int fd, const char *path, counts *c)
{
    static unsigned char buf[64 * 1024];
    yajl_handle h = yajl_alloc(&callbacks, NULL, c);
    ssize_t n;
    int status = 0;
    while (!status && (n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "yajl_count: cannot read %s: %s\n", path, strerror(errno));
            status = 66;
        } else if (yajl_parse(h, buf, (size_t)n) != yajl_status_ok)
            status = parse_error(h, path);
    }
    if (!status && yajl_complete_parse(h) != yajl_status_ok)
        status = parse_error(h, path);
    yajl_free(h);
    return status;
}

int main(int argc, char **argv)
{
    static counts c;
    const char *path = argc > 1 ? argv[1] : "-";
    if (argc > 2) {
        fprintf(stderr, "usage: yajl_count [FILE]\n");
        return 64;
    }
    int fd = strcmp(path, "-") ? open(path, O_RDONLY) : STDIN_FILENO;
    if (fd < 0) {
        fprintf(stderr, "yajl_count: cannot open %s: %s\n", path, strerror(errno));
        return 66;
    }
    int status = parse(fd, path, &c);
    if (status)
        return status;
    for (size_t i = 0; i < c.n; i++)
        printf("%.*s\t%llu\n", (int)c.values[i].len, c.values[i].text, c.values[i].count);
    if (c.other)
        printf("(other)\t%llu\n", c.other);
    return 0;
}
