/* input.h: opening inputs (files, stdin, directories, gzip) as a chunked stream of UTF-8. */
#ifndef INPUT_H
#define INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sessq.h"

enum {
    IN_OK = 0,
    IN_ERR_OPEN,     /* cannot be opened or read (exit 66); sys_errno set */
    IN_ERR_READ,     /* a read failed midway; sys_errno set */
    IN_ERR_GZIP,     /* corrupt or truncated gzip data */
    IN_ERR_ENCODING, /* a UTF-16 stream with an odd trailing byte */
    IN_ERR_NOMEM     /* out of memory (sys_errno ENOMEM) */
};

typedef struct in_source in_source;

/* Opens `path`, or standard input for "-". Returns NULL with `err` filled (IN_ERR_OPEN). The
 * source owns its buffers; close it with in_close(). */
in_source *in_open(const char *path, sq_error *err);

/* Reads `len` bytes at `data` (which must outlive the source) through the same detection and
 * decoding as a file: gzip, BOM, UTF-16. `name` is shown in messages, copied. Returns NULL with
 * `err` filled (IN_ERR_NOMEM) when out of memory; close it with in_close(). */
in_source *in_open_buffer(const void *data, size_t len, const char *name, sq_error *err);

/* Reads the open descriptor `fd` from where it stands (it stays the caller's, open), named
 * `name` in messages (copied): a second reading of what in_tee() kept. NULL with `err` filled
 * (IN_ERR_NOMEM) when out of memory. */
in_source *in_open_fd(int fd, const char *name, sq_error *err);

/* From now on, every stored byte read (before any decoding) is also written to `fd`, so that
 * an input that cannot be read twice (standard input) can be read again from there. A failed
 * write fails the read (IN_ERR_READ). */
void in_tee(in_source *src, int fd);

/* The next chunk of the decoded stream: gzip (by magic bytes) inflated, a UTF-8 byte-order mark
 * dropped, UTF-16 (with a BOM, or told by its NUL bytes) transcoded to UTF-8. `*data` points
 * into the source and stays valid until the next call. Returns 1 with *len > 0, 0 at the end,
 * -1 with `err` filled (err->offset: byte offset in the file as stored). */
int in_read(in_source *src, const char **data, size_t *len, sq_error *err);

/* Whether the decoded stream is the stored bytes themselves, so that another reader may take
 * any part of it by offset: a regular file opened by path, or a buffer, neither gzip nor
 * UTF-16 nor starting with a byte-order mark, not teed. Ask after the first in_read(); fills
 * *size with the stream's length. */
bool in_splittable(const in_source *src, uint64_t *size);

/* A second source reading the stream of `src` (splittable) from byte `offset` to its end,
 * without disturbing `src`; close it before `src`. Its in_bytes_read() counts from `offset`.
 * NULL with `err` filled when out of memory. */
in_source *in_open_at(const in_source *src, uint64_t offset, sq_error *err);

/* Makes the next in_read() of a splittable source answer from byte `offset` on (forward or
 * back), as if the bytes between had been read. Returns 0, or -1 with `err` filled. */
int in_seek(in_source *src, uint64_t offset, sq_error *err);

/* The name to show in messages: the path, or "<stdin>". Owned by the source. */
const char *in_name(const in_source *src);
/* Bytes read from the file as stored (compressed size for gzip), so far. */
uint64_t in_bytes_read(const in_source *src);
void in_close(in_source *src);

/* The files named by INPUT arguments: a file or "-" as it is; a directory walked recursively for
 * files ending in .json, .ndjson or .jsonl, each also with .gz, sorted by the bytes of their
 * paths. Returns a NULL-terminated array the caller frees with in_free_list(), with *count set;
 * on failure NULL, *count untouched, `err` filled (IN_ERR_OPEN or IN_ERR_NOMEM) and the path
 * that failed in *bad_path (malloc'ed, for the caller to free; NULL if even that copy failed). */
char **in_expand(const char *const *args, size_t nargs, size_t *count, sq_error *err,
                 char **bad_path);
void in_free_list(char **list);

#endif
