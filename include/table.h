/* table.h: the session table: every session read, deduplicated by (source, id). Text of keys
 * with few distinct values (type, status, organization...) is interned, one copy per text; id,
 * name, details and retrieval_id, nearly always unique, are copied as they come. Everything it
 * holds is freed at once by tbl_free(). */
#ifndef TABLE_H
#define TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "session.h"

typedef struct tbl_table tbl_table;

/* An empty table, or NULL when out of memory. */
tbl_table *tbl_new(void);
void tbl_free(tbl_table *t);

/* What tbl_add() did. */
enum {
    TBL_ADDED = 0,   /* a new row */
    TBL_SAME = 1,    /* (source, id) was there with the very same values */
    TBL_CHANGED = 2, /* (source, id) was there: the new values replaced the old ones */
    TBL_ERR_NOMEM = -1,
    TBL_ERR_LIMIT = -2 /* adding would go over the limit of tbl_set_limit() */
};

/* Adds a normalized session (source set, id not null), copying its text. When (source, id) is
 * already in the table, the new values replace the old ones and the row keeps its place. */
int tbl_add(tbl_table *t, const ses_session *s);

/* A table that keeps every session added, in order, without deduplicating, and where each
 * record began: what one input reads while others are read at the same time, to be added to
 * the real table afterwards with tbl_add_row(). */
tbl_table *tbl_new_log(void);
/* tbl_add(), noting where the record began (a log keeps it; a table ignores it). */
int tbl_add_at(tbl_table *t, const ses_session *s, uint64_t line, uint64_t column);
/* Empties a table or log to be filled again, keeping the memory it has (its arrays and its
 * largest text block): a parallel read reuses logs instead of faulting in fresh pages for each
 * file. The limit stays. */
void tbl_clear(tbl_table *t);
/* Adds row `row` of log `src` to `dst` as tbl_add() would; returns what tbl_add() returns. The
 * log remembers how its text maps to dst's: merge a log into one table only. */
int tbl_add_row(tbl_table *dst, tbl_table *src, size_t row);
/* Whether `dst` surely stays within its limit (tbl_set_limit()) while it takes every row of log
 * `src` with tbl_add_row(), after tbl_take_text(): from an upper bound of what it would grow by,
 * which can be more than adding the same sessions with tbl_add() grows it (two chains of text
 * blocks, arrays grown in other steps). */
bool tbl_can_take(const tbl_table *dst, const tbl_table *src);
/* Gives the text of log `src` to `dst`: rows that tbl_add_row() adds from `src` to `dst` from
 * now on point at it instead of copying it. `src` may then only give rows to `dst`, and be
 * freed (its text stays with `dst`). Without effect when `dst` holds no text yet. */
void tbl_take_text(tbl_table *dst, tbl_table *src);
/* Says that rows before `row` of log `t` will not be asked for again (tbl_add_row(), tbl_get(),
 * tbl_place()), so that their memory can go back while another table takes them in. */
void tbl_forget_rows(tbl_table *t, size_t row);
/* Where row `row` of a log began (0, 0 in a table). */
void tbl_place(const tbl_table *t, size_t row, uint64_t *line, uint64_t *column);

/* The row the last successful add went to: a new one, or the row whose (source, id) it
 * repeated or replaced. */
size_t tbl_last_row(const tbl_table *t);

/* Bounds the memory the table may hold, in bytes (0: no bound); tbl_memory() tells how much it
 * holds now. */
void tbl_set_limit(tbl_table *t, size_t bytes);
/* The bound tbl_set_limit() set (0: none). */
size_t tbl_limit(const tbl_table *t);
size_t tbl_memory(const tbl_table *t);
/* Counts what log `log` holds against the limit of `owner` (or of the table `owner` is itself
 * charged to), from now until it is freed: the log may grow only while the owner's memory and
 * that of every log charged to it stay within the limit, while the owner is bound by its own
 * memory alone, as when it reads by itself. Logs charged to one owner may grow in other threads
 * than the owner's. */
void tbl_charge_to(tbl_table *log, tbl_table *owner);
/* Whether what `t` holds is within its limit (for a charged log: what its owner and all the
 * owner's logs hold, within the owner's). */
bool tbl_fits(const tbl_table *t);

/* Adds made after tbl_begin() are undone by tbl_rollback() (a damaged file that is skipped) or
 * kept by tbl_commit(). */
void tbl_begin(tbl_table *t);
void tbl_commit(tbl_table *t);
/* Returns 0, or TBL_ERR_NOMEM (the rows are then as at tbl_begin(), but the index is lost). */
int tbl_rollback(tbl_table *t);

/* Number of rows (distinct sessions). */
size_t tbl_count(const tbl_table *t);
/* Sessions that replaced an earlier one with the same (source, id). */
size_t tbl_duplicates(const tbl_table *t);

/* What tbl_find() answers when there is no such session. */
#define TBL_NONE SIZE_MAX
/* The row of session (source, id[0..len)), or TBL_NONE. Only a table is indexed: a log (whose
 * every record is a row of its own) answers TBL_NONE. */
size_t tbl_find(const tbl_table *t, ses_source source, const char *id, size_t len);
/* A hint that session (source, id) is about to be added: where the index is bigger than the
 * caches, its slot is fetched meanwhile. Does nothing for a log or a small table. */
void tbl_prefetch(const tbl_table *t, ses_source source, const char *id, size_t len);

/* The value of key `k` of row `row`. Text points into the table, or into `scratch` for derived
 * keys; it stays valid until the table is freed or `scratch` is reused. */
void tbl_get(const tbl_table *t, size_t row, ses_key k, sq_value *v, char scratch[SES_TIME_BUFSZ]);
/* A number standing for the value of key `k` of row `row`: two rows of the table whose numbers
 * for a key are equal have equal values there (equal values may still have different numbers).
 * For remembering what was worked out for a value without reading it again. */
uint64_t tbl_identity(const tbl_table *t, size_t row, ses_key k);
/* The value of a key held as a number (an integer, instant or duration), or SES_NULL when it is
 * null or `k` is not such a key: tbl_get() without the text. */
int64_t tbl_number(const tbl_table *t, size_t row, ses_key k);

/* Sorts rows[0..n) (row indices of `t`) by keys[0..nkeys), each ascending or, where desc[i],
 * descending: numbers and durations by value, instants in time order, text by bytes; a null
 * after every value in either direction; ties keep their order (a stable sort). Returns 0, or
 * -1 when out of memory (rows untouched). */
int tbl_sort(const tbl_table *t, size_t *rows, size_t n, const ses_key *keys, const bool *desc,
             size_t nkeys);

#endif
