/* jsonrun.h: runs the tokenizer over bytes cut into chunks in a chosen way, and records the
 * tokens as one transcript, so that tests can compare any two chunkings. */
#ifndef JSONRUN_H
#define JSONRUN_H

#include <stddef.h>
#include <stdint.h>

enum { JR_WHOLE = 0, JR_BYTES = 1 }; /* any other value: chunks of 1-20 bytes from that seed */

typedef struct {
    char *log; /* the transcript: one line per token, decoded strings in hex-safe form */
    size_t len, cap;
    int code; /* 0, or the json_error code */
    const char *message;
    uint64_t offset, line, column;
    size_t tokens;
} jr_result;

void jr_run(const char *data, size_t n, unsigned flags, unsigned chunking, jr_result *r);
void jr_free(jr_result *r);
/* Reads a whole file into a malloc'ed, NUL-terminated buffer; NULL on failure. */
char *jr_slurp(const char *path, size_t *n);

#endif
