/* table.c: rows of string ids and numbers; text lives once in a pool of large blocks, found
 * again through an open-addressing hash; a second hash finds a row by (source, id). */
#include "table.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "sessq.h"

/* Text blocks start small (a table per page file of a parallel read stays small) and double up
 * to the largest size. */
#define FIRST_BLOCK ((size_t)64 << 10)
#define LARGEST_BLOCK ((size_t)32 << 20)
#define ID 0             /* ses_text_slot(K_ID): text slots follow the key order, id first */
#define PREFETCH_AHEAD 8 /* rows of a log, see tbl_add_row() */
/* Strings of a lent log that map_strings() takes at once: those of about 8,192 rows, the step in
 * which a split read gives back its log's rows (three plain strings a row). */
#define MAP_BATCH (3 * 8192)
/* From this index size on (1 MiB of slots) a probe mostly misses the caches: tbl_prefetch(). */
#define PREFETCH_MIN_SLOTS (((size_t)1 << 17) - 1)

/* Interned slots hold few texts (types, states, organizations) that every row looks up. Through
 * the pool's hash that is three dependent loads (hash slot, entry, text) into memory the rows
 * stream past. A 2-way cache of MEMO_SETS sets holds short texts beside their ids: one load,
 * mostly. */
#define MEMO_SETS 256
#define MEMO_TEXT 56
#define MEMO_BYTES (MEMO_SETS * 2 * sizeof(memo))

typedef struct {
    uint32_t id; /* 0 = empty */
    uint32_t n;
    char text[MEMO_TEXT];
} memo;

/* The source sits in the padding after the odd number of text ids: 128 bytes a row, not 136. */
typedef struct {
    uint32_t text[SES_NTEXT]; /* string ids, 0 = null */
    uint8_t source;
    int64_t num[SES_NNUM];
} row;

typedef struct {
    const char *p;
    uint32_t n : 31;
    uint32_t interned : 1; /* in str_slots (else copied for a row of its own) */
    uint32_t hash;
} pooled;

typedef struct block {
    struct block *next;
    size_t used, size; /* of data[] */
    size_t bytes;      /* of the whole block, for mem_free() */
    char data[];
} block;

/* A row index entry: the hash of the row's (source, id) beside the row, so that probing past
 * other rows does not read them. */
typedef struct {
    uint32_t row; /* row index + 1, 0 = empty */
    uint32_t hash;
} row_slot;

typedef struct {
    size_t index;
    row old;
} undo;

struct tbl_table {
    block *blocks;
    pooled *strs;           /* id - 1 -> text */
    size_t nstrs, strs_cap; /* capacities of arrays are in bytes (mem_grow) */
    uint32_t *str_slots;    /* hash -> id of an interned text, 0 = empty */
    size_t str_mask;
    size_t ninterned;

    row *rows;
    size_t nrows, rows_cap;
    row_slot *row_slots; /* hash of (source, id) -> row */
    size_t row_mask;
    size_t duplicates;
    size_t last_row; /* the row the last add went to */

    bool plain[SES_NTEXT]; /* text slots copied as they come instead of interned */
    memo (*memos)[2];      /* MEMO_SETS sets, the one used last first */
    /* Held: blocks, arrays and hash slots. Atomic because the threads filling the logs charged
     * to this table read it (tbl_charge_to()). */
    _Atomic size_t bytes;
    size_t limit;           /* 0: none */
    _Atomic size_t charged; /* held by the logs charged to this table */
    tbl_table *owner;       /* the table this log is charged to, or NULL */

    bool log;                 /* tbl_new_log(): every add is a new row, with its place */
    const tbl_table *lent_to; /* tbl_take_text(): the table that owns this log's text now */
    struct place {
        uint64_t line, column;
    } * places;
    size_t places_cap;

    /* A log being merged: its string ids -> those of the table it goes to (0: not yet); the
     * strings before `mapped` went through map_strings(). */
    uint32_t *xlat;
    size_t xlat_len, xlat_cap;
    size_t mapped;

    size_t mark; /* rows before tbl_begin() */
    size_t mark_duplicates;
    undo *undos;
    size_t nundos, undos_cap;
};

static uint32_t hash_text(const char *p, size_t n)
{
    return (uint32_t)sq_mix(sq_hash(0x9E3779B97F4A7C15ULL ^ n, p, n));
}

static size_t held(const tbl_table *t)
{
    return atomic_load_explicit(&t->bytes, memory_order_relaxed);
}

/* Whether `more` bytes fit under the limit; `t` may be NULL while the table is being made. A
 * log charged to a table shares its limit with the table and its other logs. */
static bool within_limit(const tbl_table *t, size_t more)
{
    if (!t)
        return true;
    const tbl_table *o = t->owner ? t->owner : t;
    size_t used =
        t->owner ? held(o) + atomic_load_explicit(&o->charged, memory_order_relaxed) : held(t);
    return !o->limit || (used <= o->limit && more <= o->limit - used);
}

/* Sizes wrap around as unsigned numbers: adding `added - freed` is right either way. */
static void account(tbl_table *t, size_t added, size_t freed)
{
    atomic_store_explicit(&t->bytes, held(t) + added - freed, memory_order_relaxed);
    if (t->owner)
        atomic_fetch_add_explicit(&t->owner->charged, added - freed, memory_order_relaxed);
}

/* Grows an array of *cap bytes to hold `need` elements of `size`; TBL_ERR_LIMIT,
 * TBL_ERR_NOMEM or 0. */
static int grow_array(tbl_table *t, void **a, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap / size)
        return 0;
    if (need > SIZE_MAX / 4 / size)
        return TBL_ERR_NOMEM;
    size_t old = *cap;
    if (!within_limit(t, mem_next_cap(old, need * size) - old))
        return TBL_ERR_LIMIT;
    if (mem_grow(a, cap, need * size))
        return TBL_ERR_NOMEM;
    account(t, *cap, old);
    return 0;
}

/* A zeroed array of n slots of `size` bytes, in huge pages when big; NULL when out of memory. */
static void *new_slots(size_t n, size_t size)
{
    size_t bytes = n * size;
    void *p = mem_block(bytes);
    if (p && bytes < MEM_BIG_BYTES)
        memset(p, 0, bytes);
    return p;
}

tbl_table *tbl_new(void)
{
    tbl_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    atomic_init(&t->bytes, 0);
    atomic_init(&t->charged, 0);
    t->str_mask = 4095;
    t->row_mask = 4095;
    t->str_slots = new_slots(t->str_mask + 1, sizeof *t->str_slots);
    t->row_slots = new_slots(t->row_mask + 1, sizeof *t->row_slots);
    if (!t->str_slots || !t->row_slots) {
        tbl_free(t);
        return NULL;
    }
    account(t,
            sizeof *t + (t->str_mask + 1) * sizeof *t->str_slots +
                (t->row_mask + 1) * sizeof *t->row_slots,
            0);
    /* Nearly every session has its own id, name and details: looking them up in the pool's
     * hash would cost a cache miss each and find nothing. */
    t->plain[ses_text_slot(K_ID)] = t->plain[ses_text_slot(K_NAME)] = true;
    t->plain[ses_text_slot(K_DETAILS)] = t->plain[ses_text_slot(K_RETRIEVAL_ID)] = true;
    return t;
}

void tbl_free(tbl_table *t)
{
    if (!t)
        return;
    account(t, 0, held(t));
    for (block *b = t->blocks, *next; b; b = next) {
        next = b->next;
        mem_free(b, b->bytes);
    }
    mem_free(t->strs, t->strs_cap);
    if (t->str_slots)
        mem_free(t->str_slots, (t->str_mask + 1) * sizeof *t->str_slots);
    mem_free(t->rows, t->rows_cap);
    if (t->row_slots)
        mem_free(t->row_slots, (t->row_mask + 1) * sizeof *t->row_slots);
    mem_free(t->undos, t->undos_cap);
    mem_free(t->places, t->places_cap);
    mem_free(t->xlat, t->xlat_cap);
    free(t->memos);
    free(t);
}

void tbl_clear(tbl_table *t)
{
    block *keep = t->blocks;
    for (block *b = t->blocks; b; b = b->next)
        keep = b->bytes > keep->bytes ? b : keep;
    for (block *b = t->blocks, *next; b; b = next) {
        next = b->next;
        if (b != keep) {
            account(t, 0, b->bytes);
            mem_free(b, b->bytes);
        }
    }
    t->blocks = keep;
    if (keep) {
        keep->next = NULL;
        keep->used = 0;
    }
    memset(t->str_slots, 0, (t->str_mask + 1) * sizeof *t->str_slots);
    memset(t->row_slots, 0, (t->row_mask + 1) * sizeof *t->row_slots);
    t->nstrs = t->ninterned = t->nrows = t->duplicates = t->xlat_len = t->mapped = 0;
    if (t->memos)
        memset(t->memos, 0, MEMO_BYTES);
    t->mark = t->mark_duplicates = t->nundos = 0;
}

tbl_table *tbl_new_log(void)
{
    tbl_table *t = tbl_new();
    if (t)
        t->log = true;
    return t;
}

/* ---- the string pool ---------------------------------------------------------------------- */

/* A copy of p[0..n) in the pool, or NULL with *why set. */
static char *pool_copy(tbl_table *t, const char *p, size_t n, int *why)
{
    block *b = t->blocks;
    if (!b || b->size - b->used < n) {
        size_t regular = !b ? FIRST_BLOCK : b->bytes < LARGEST_BLOCK ? b->bytes * 2 : b->bytes;
        size_t bytes = n > regular / 4 ? sizeof(block) + n : regular;
        *why = within_limit(t, bytes) ? TBL_ERR_NOMEM : TBL_ERR_LIMIT;
        block *nb = *why == TBL_ERR_LIMIT ? NULL : mem_block(bytes);
        if (!nb)
            return NULL;
        account(t, bytes, 0);
        nb->used = 0;
        nb->size = bytes - sizeof *nb;
        nb->bytes = bytes;
        /* A block made for one big string goes behind the current one, so the current one
         * keeps filling. */
        if (b && bytes != regular) {
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            t->blocks = nb;
        }
        b = nb;
    }
    char *dst = b->data + b->used;
    sq_copy_bytes(dst, p, n);
    b->used += n;
    return dst;
}

static int rehash_strings(tbl_table *t)
{
    size_t mask = t->str_mask * 2 + 1;
    if (!within_limit(t, (mask - t->str_mask) * sizeof(uint32_t)))
        return TBL_ERR_LIMIT;
    uint32_t *slots = new_slots(mask + 1, sizeof *slots);
    if (!slots)
        return TBL_ERR_NOMEM;
    account(t, (mask + 1) * sizeof *slots, (t->str_mask + 1) * sizeof *slots);
    for (size_t id = 1; id <= t->nstrs; id++) {
        if (!t->strs[id - 1].interned)
            continue;
        size_t i = t->strs[id - 1].hash & mask;
        while (slots[i])
            i = (i + 1) & mask;
        slots[i] = (uint32_t)id;
    }
    mem_free(t->str_slots, (t->str_mask + 1) * sizeof *slots);
    t->str_slots = slots;
    t->str_mask = mask;
    return 0;
}

/* Room for n more strings (ids stay below UINT32_MAX, the error value): 0 or a TBL_ERR_*. */
static int grow_strings(tbl_table *t, size_t n)
{
    return t->nstrs + n > UINT32_MAX - 1
               ? TBL_ERR_LIMIT
               : grow_array(t, (void **)&t->strs, &t->strs_cap, t->nstrs + n, sizeof *t->strs);
}

/* The id of a new copy of s (not null) in the pool, with its hash; UINT32_MAX with *why set
 * when it cannot be kept. */
static uint32_t add_text(tbl_table *t, sq_str s, uint32_t hash, bool interned, bool copy, int *why)
{
    *why = grow_strings(t, 1);
    if (*why)
        return UINT32_MAX;
    /* An empty string needs no bytes, but a non-NULL pointer. */
    const char *p = !s.n ? "" : copy ? pool_copy(t, s.p, s.n, why) : s.p;
    if (!p)
        return UINT32_MAX;
    t->strs[t->nstrs++] = (pooled){p, s.n, interned, hash};
    return (uint32_t)t->nstrs;
}

static bool same_text(const pooled *e, sq_str s)
{
    return e->n == s.n && sq_same_bytes(e->p, s.p, s.n);
}

/* The id of text s, interned: copied into the pool when new, unless `copy` is false (text
 * the table already owns). */
static uint32_t intern_hashed(tbl_table *t, sq_str s, uint32_t h, bool copy, int *why)
{
    size_t i = h & t->str_mask;
    for (uint32_t id; (id = t->str_slots[i]); i = (i + 1) & t->str_mask) {
        const pooled *e = &t->strs[id - 1];
        if (e->hash == h && same_text(e, s))
            return id;
    }
    uint32_t id = add_text(t, s, h, true, copy, why);
    if (id == UINT32_MAX)
        return UINT32_MAX;
    t->str_slots[i] = id;
    if (++t->ninterned * 2 > t->str_mask && (*why = rehash_strings(t)) != 0)
        return UINT32_MAX;
    return id;
}

/* ---- rows and their index ----------------------------------------------------------------- */

static uint32_t row_hash(uint8_t source, uint32_t id_hash)
{
    return (uint32_t)sq_mix((uint64_t)source << 32 | id_hash);
}

/* Asks for the index slot of a row hash ahead of its probe; only a hint. */
static void fetch_slot(const tbl_table *t, uint32_t hash)
{
    __builtin_prefetch(&t->row_slots[hash & t->row_mask], 1);
}

/* A new index of mask + 1 slots holding the rows that are still there (a rollback drops the
 * last ones). */
static int rehash_rows(tbl_table *t, size_t mask)
{
    if (mask > t->row_mask && !within_limit(t, (mask - t->row_mask) * sizeof(row_slot)))
        return TBL_ERR_LIMIT;
    row_slot *slots = new_slots(mask + 1, sizeof *slots);
    if (!slots)
        return TBL_ERR_NOMEM;
    account(t, (mask + 1) * sizeof *slots, (t->row_mask + 1) * sizeof *slots);
    for (size_t j = 0; j <= t->row_mask; j++) {
        row_slot e = t->row_slots[j];
        if (!e.row || e.row > t->nrows)
            continue;
        size_t i = e.hash & mask;
        while (slots[i].row)
            i = (i + 1) & mask;
        slots[i] = e;
    }
    mem_free(t->row_slots, (t->row_mask + 1) * sizeof *slots);
    t->row_slots = slots;
    t->row_mask = mask;
    return 0;
}

/* The slot of (source, id): holding its row, or the empty one where it would go. */
static size_t find_row(const tbl_table *t, uint8_t source, uint32_t hash, uint32_t id_hash,
                       sq_str id)
{
    size_t i = hash & t->row_mask;
    for (uint32_t r; (r = t->row_slots[i].row); i = (i + 1) & t->row_mask) {
        if (t->row_slots[i].hash != hash)
            continue;
        const row *x = &t->rows[r - 1];
        const pooled *e = &t->strs[x->text[ID] - 1];
        if (x->source == source && e->hash == id_hash && same_text(e, id))
            break;
    }
    return i;
}

/* Whether row x holds exactly the values of s. */
static bool same_values(const tbl_table *t, const row *x, const ses_session *s)
{
    if (memcmp(x->num, s->num, sizeof x->num))
        return false;
    for (int k = 0; k < SES_NTEXT; k++) {
        if (!x->text[k] != !s->text[k].p)
            return false;
        if (x->text[k] && !same_text(&t->strs[x->text[k] - 1], s->text[k]))
            return false;
    }
    return true;
}

/* The set of the memo where text s would be: found by its length and three of its words (the
 * first, the middle and the last eight bytes), which tell apart families like "contoso-us.
 * onmicrosoft.com" and "contoso-uk.onmicrosoft.com" at a third of the cost of hash_text(). */
static memo *memo_set(const tbl_table *t, sq_str s)
{
    const unsigned char *p = (const unsigned char *)s.p;
    uint64_t head, middle = 0, tail = 0;
    if (s.n >= 8) {
        memcpy(&head, p, 8);
        memcpy(&middle, p + (s.n / 2 - 4), 8);
        memcpy(&tail, p + (s.n - 8), 8);
    } else {
        head = sq_tail_word(p, s.n);
    }
    uint64_t h = (head ^ (uint64_t)s.n << 56) * 0x9E3779B97F4A7C15ULL ^
                 middle * 0xC2B2AE3D27D4EB4FULL ^ tail * 0x165667B19E3779F9ULL;
    return t->memos[(h ^ h >> 29 ^ h >> 47) & (MEMO_SETS - 1)];
}

static bool memo_holds(const memo *m, sq_str s)
{
    return m->id && m->n == s.n && sq_same_bytes(m->text, s.p, s.n);
}

/* The memo comes with the first interned text, when the limit leaves room for it: a table
 * without one works all the same. */
static bool make_memos(tbl_table *t)
{
    if (!within_limit(t, MEMO_BYTES) || !(t->memos = aligned_alloc(sizeof(memo), MEMO_BYTES)))
        return false;
    memset(t->memos, 0, MEMO_BYTES);
    account(t, MEMO_BYTES, 0);
    return true;
}

/* The id of text s (not null) of an interned slot: from the memo, else interned and memoized
 * (short texts only). UINT32_MAX with *why set when it cannot be kept. */
static uint32_t intern_memoized(tbl_table *t, sq_str s, int *why)
{
    if (!t->memos && !make_memos(t))
        return intern_hashed(t, s, hash_text(s.p, s.n), true, why);
    memo *set = memo_set(t, s);
    if (memo_holds(&set[0], s))
        return set[0].id;
    if (memo_holds(&set[1], s)) {
        memo hit = set[1];
        set[1] = set[0];
        set[0] = hit;
        return hit.id;
    }
    uint32_t id = intern_hashed(t, s, hash_text(s.p, s.n), true, why);
    if (id != UINT32_MAX && s.n <= MEMO_TEXT) {
        set[1] = set[0];
        set[0].id = id;
        set[0].n = s.n;
        memcpy(set[0].text, s.p, s.n);
    }
    return id;
}

/* Copies s into a row: text copied as it comes (plain slots, which keep the id's hash for the
 * row index) or interned, and numbers. 0 or a TBL_ERR_*. */
static int make_row(tbl_table *t, const ses_session *s, uint32_t id_hash, row *nr)
{
    int why = 0;
    for (int k = 0; k < SES_NTEXT; k++) {
        sq_str text = s->text[k];
        uint32_t id;
        /* A source leaves most of the others' keys null. */
        if (!text.p)
            id = 0;
        else if (t->plain[k])
            id = add_text(t, text, k == ID ? id_hash : 0, false, true, &why);
        else
            id = intern_memoized(t, text, &why);
        if (id == UINT32_MAX)
            return why;
        nr->text[k] = id;
    }
    memcpy(nr->num, s->num, sizeof nr->num);
    nr->source = (uint8_t)s->source;
    return 0;
}

/* A log keeps every record, and where it began. */
static int add_to_log(tbl_table *t, const ses_session *s, uint64_t line, uint64_t column)
{
    row nr;
    sq_str id = s->text[ID];
    int why = make_row(t, s, hash_text(id.p, id.n), &nr);
    if (!why)
        why = grow_array(t, (void **)&t->rows, &t->rows_cap, t->nrows + 1, sizeof *t->rows);
    if (!why)
        why = grow_array(t, (void **)&t->places, &t->places_cap, t->nrows + 1, sizeof *t->places);
    if (why)
        return why;
    t->places[t->nrows] = (struct place){line, column};
    t->last_row = t->nrows;
    t->rows[t->nrows++] = nr;
    return TBL_ADDED;
}

static int put_row(tbl_table *t, size_t slot, uint32_t hash, const row *nr);

/* A table keeps one row per (source, id). */
static int add_to_table(tbl_table *t, const ses_session *s)
{
    sq_str id = s->text[ID];
    uint32_t id_hash = hash_text(id.p, id.n);
    uint32_t hash = row_hash((uint8_t)s->source, id_hash);
    size_t slot = find_row(t, (uint8_t)s->source, hash, id_hash, id);
    uint32_t existing = t->row_slots[slot].row;
    if (existing && same_values(t, &t->rows[existing - 1], s)) {
        t->last_row = existing - 1;
        t->duplicates++;
        return TBL_SAME;
    }
    row nr;
    int why = make_row(t, s, id_hash, &nr);
    return why ? why : put_row(t, slot, hash, &nr);
}

/* Puts a new row made for the index slot found for it: in place of the row that is there with
 * other values, or appended. */
static int put_row(tbl_table *t, size_t slot, uint32_t hash, const row *nr)
{
    uint32_t existing = t->row_slots[slot].row;
    int why;
    if (existing) {
        size_t index = existing - 1;
        t->last_row = index;
        if (index < t->mark) {
            if ((why = grow_array(t, (void **)&t->undos, &t->undos_cap, t->nundos + 1,
                                  sizeof *t->undos)))
                return why;
            t->undos[t->nundos++] = (undo){index, t->rows[index]};
        }
        t->rows[index] = *nr;
        t->duplicates++;
        return TBL_CHANGED;
    }
    why = t->nrows >= UINT32_MAX - 1
              ? TBL_ERR_LIMIT
              : grow_array(t, (void **)&t->rows, &t->rows_cap, t->nrows + 1, sizeof *t->rows);
    if (why)
        return why;
    t->last_row = t->nrows;
    t->rows[t->nrows++] = *nr;
    t->row_slots[slot] = (row_slot){(uint32_t)t->nrows, hash};
    if (t->nrows * 2 > t->row_mask && (why = rehash_rows(t, t->row_mask * 2 + 1)))
        return why;
    return TBL_ADDED;
}

int tbl_add_at(tbl_table *t, const ses_session *s, uint64_t line, uint64_t column)
{
    return t->log ? add_to_log(t, s, line, column) : add_to_table(t, s);
}

int tbl_add(tbl_table *t, const ses_session *s) { return tbl_add_at(t, s, 0, 0); }

/* The text of string id `id` (not 0) of t. */
static sq_str text_of(const tbl_table *t, uint32_t id)
{
    return (sq_str){t->strs[id - 1].p, t->strs[id - 1].n};
}

/* Whether row x of dst and row y of src hold the same values. */
static bool same_rows(const tbl_table *dst, const row *x, const tbl_table *src, const row *y)
{
    if (memcmp(x->num, y->num, sizeof x->num))
        return false;
    for (int k = 0; k < SES_NTEXT; k++) {
        if (!x->text[k] != !y->text[k])
            return false;
        if (x->text[k] && !same_text(&dst->strs[x->text[k] - 1], text_of(src, y->text[k])))
            return false;
    }
    return true;
}

/* The id in dst of string `id` (not 0) of src, remembered in src->xlat: interned text is looked
 * up with the hash src computed, once per log; the text of a plain slot, which one row owns, is
 * added when that row is. Every table has the same plain slots, so src's flag tells which. */
static uint32_t translate(tbl_table *dst, tbl_table *src, uint32_t id, int *why)
{
    const pooled *e = &src->strs[id - 1];
    sq_str text = {e->p, e->n};
    bool copy = src->lent_to != dst;
    uint32_t to = e->interned ? intern_hashed(dst, text, e->hash, copy, why)
                              : add_text(dst, text, e->hash, false, copy, why);
    if (to != UINT32_MAX)
        src->xlat[id - 1] = to;
    return to;
}

/* Makes room in src->xlat for the strings src added since the last call. 0 or TBL_ERR_NOMEM. */
static int size_xlat(tbl_table *src)
{
    size_t from = src->xlat_len, old = src->xlat_cap;
    if (mem_grow((void **)&src->xlat, &src->xlat_cap, src->nstrs * sizeof *src->xlat))
        return TBL_ERR_NOMEM;
    account(src, src->xlat_cap, old);
    memset(src->xlat + from, 0, (src->nstrs - from) * sizeof *src->xlat);
    src->xlat_len = src->nstrs;
    return 0;
}

/* With src's text lent to dst: the strings of plain slots, each owned by one row, from
 * src->mapped on go over to dst in one pass instead of one add per row (a row that turns out
 * the same as one dst has leaves its entries unused). A batch at a time, up to MAP_BATCH
 * strings from string `at`, so that dst's entries grow as the log's rows are given back
 * (tbl_forget_rows()). 0 or a TBL_ERR_*. */
static int map_strings(tbl_table *dst, tbl_table *src, size_t at)
{
    size_t upto = at + MAP_BATCH < src->nstrs ? at + MAP_BATCH : src->nstrs;
    /* A bound: the batch's interned strings, and any translated already, take no room. */
    int why = grow_strings(dst, upto - src->mapped);
    if (why)
        return why;
    for (size_t i = src->mapped; i < upto; i++) {
        if (!src->strs[i].interned && !src->xlat[i]) {
            dst->strs[dst->nstrs++] = src->strs[i];
            src->xlat[i] = (uint32_t)dst->nstrs;
        }
    }
    src->mapped = upto;
    return 0;
}

int tbl_add_row(tbl_table *dst, tbl_table *src, size_t r)
{
    int why;
    if (src->xlat_len < src->nstrs && (why = size_xlat(src)) != 0)
        return why;
    /* The row's id is its first plain string, the others follow it (make_row()); any left
     * out of a batch are translated one by one below. */
    uint32_t first = src->rows[r].text[ID];
    if (src->lent_to == dst && first > src->mapped && (why = map_strings(dst, src, first - 1)))
        return why;
    /* A big table's index is far bigger than the caches: ask for the slot of a row a few ahead
     * now, so that it has arrived by the time that row is added. */
    if (r + PREFETCH_AHEAD < src->nrows && dst->row_slots) {
        const row *ahead = &src->rows[r + PREFETCH_AHEAD];
        fetch_slot(dst, row_hash(ahead->source, src->strs[ahead->text[ID] - 1].hash));
    }
    const row *y = &src->rows[r];
    const pooled *id = &src->strs[y->text[ID] - 1];
    uint32_t hash = row_hash(y->source, id->hash);
    size_t slot = find_row(dst, y->source, hash, id->hash, text_of(src, y->text[ID]));
    uint32_t existing = dst->row_slots[slot].row;
    if (existing && same_rows(dst, &dst->rows[existing - 1], src, y)) {
        dst->last_row = existing - 1;
        dst->duplicates++;
        return TBL_SAME;
    }
    row nr;
    for (int k = 0; k < SES_NTEXT; k++) {
        uint32_t from = y->text[k];
        uint32_t to = !from                 ? 0
                      : src->xlat[from - 1] ? src->xlat[from - 1]
                                            : translate(dst, src, from, &why);
        if (to == UINT32_MAX)
            return why;
        nr.text[k] = to;
    }
    memcpy(nr.num, y->num, sizeof nr.num);
    nr.source = y->source;
    return put_row(dst, slot, hash, &nr);
}

/* The bytes of the text blocks from b on. */
static size_t chain_bytes(const block *b)
{
    size_t bytes = 0;
    for (; b; b = b->next)
        bytes += b->bytes;
    return bytes;
}

/* The mask an index of mask + 1 slots grows to as it takes n entries (doubled while half full). */
static size_t grown_mask(size_t mask, size_t n)
{
    while (n * 2 > mask)
        mask = mask * 2 + 1;
    return mask;
}

/* Bytes an array of mem_grow() of `cap` bytes adds to hold `need` bytes. */
static size_t growth(size_t cap, size_t need) { return mem_next_cap(cap, need) - cap; }

bool tbl_can_take(const tbl_table *dst, const tbl_table *src)
{
    /* Without text of its own, dst copies src's text instead of taking its blocks: that is not
     * bounded here, so only a table without a limit takes it. */
    if (!dst->blocks && src->blocks)
        return within_limit(dst, SIZE_MAX);
    /* Each of src's strings goes over once; map_strings() asks room for a whole batch, whose
     * interned strings may have gone over already. */
    size_t strs = dst->nstrs + src->nstrs + MAP_BATCH, rows = dst->nrows + src->nrows;
    /* Each row that replaces one of an earlier input keeps the old one (tbl_rollback()). */
    size_t undos = dst->nundos + (dst->mark ? src->nrows : 0);
    size_t more = chain_bytes(src->blocks) + growth(dst->strs_cap, strs * sizeof(pooled)) +
                  growth(dst->rows_cap, rows * sizeof(row)) +
                  (grown_mask(dst->row_mask, rows) - dst->row_mask) * sizeof(row_slot) +
                  (grown_mask(dst->str_mask, dst->ninterned + src->ninterned) - dst->str_mask) *
                      sizeof(uint32_t) +
                  growth(dst->undos_cap, undos * sizeof(undo));
    return within_limit(dst, more);
}

void tbl_take_text(tbl_table *dst, tbl_table *src)
{
    block *last = src->blocks;
    if (!last || !dst->blocks)
        return;
    size_t bytes = chain_bytes(src->blocks);
    while (last->next)
        last = last->next;
    /* Behind dst's current block, which keeps filling. */
    last->next = dst->blocks->next;
    dst->blocks->next = src->blocks;
    src->blocks = NULL;
    account(dst, bytes, 0);
    account(src, 0, bytes);
    src->lent_to = dst;
}

void tbl_forget_rows(tbl_table *t, size_t r)
{
    mem_release(t->rows, t->rows_cap, r * sizeof *t->rows);
    if (t->places)
        mem_release(t->places, t->places_cap, r * sizeof *t->places);
}

void tbl_place(const tbl_table *t, size_t r, uint64_t *line, uint64_t *column)
{
    *line = t->places ? t->places[r].line : 0;
    *column = t->places ? t->places[r].column : 0;
}

size_t tbl_last_row(const tbl_table *t) { return t->last_row; }

void tbl_set_limit(tbl_table *t, size_t bytes) { t->limit = bytes; }

size_t tbl_limit(const tbl_table *t) { return t->limit; }

size_t tbl_memory(const tbl_table *t) { return held(t); }

bool tbl_fits(const tbl_table *t) { return within_limit(t, 0); }

void tbl_charge_to(tbl_table *log, tbl_table *owner)
{
    while (owner->owner)
        owner = owner->owner;
    if (log->owner == owner)
        return;
    if (log->owner)
        atomic_fetch_sub_explicit(&log->owner->charged, held(log), memory_order_relaxed);
    log->owner = owner;
    atomic_fetch_add_explicit(&owner->charged, held(log), memory_order_relaxed);
}

void tbl_begin(tbl_table *t)
{
    t->mark = t->nrows;
    t->mark_duplicates = t->duplicates;
    t->nundos = 0;
}

void tbl_commit(tbl_table *t)
{
    t->mark = t->nrows;
    t->nundos = 0;
}

int tbl_rollback(tbl_table *t)
{
    while (t->nundos) {
        const undo *u = &t->undos[--t->nundos];
        t->rows[u->index] = u->old;
    }
    t->nrows = t->mark;
    t->duplicates = t->mark_duplicates;
    /* Rows past the mark are gone: their index entries go with a rebuild (a rare path). */
    return rehash_rows(t, t->row_mask) == TBL_ERR_NOMEM ? TBL_ERR_NOMEM : 0;
}

size_t tbl_count(const tbl_table *t) { return t->nrows; }

size_t tbl_duplicates(const tbl_table *t) { return t->duplicates; }

void tbl_prefetch(const tbl_table *t, ses_source source, const char *id, size_t len)
{
    if (t->log || t->row_mask < PREFETCH_MIN_SLOTS)
        return;
    fetch_slot(t, row_hash((uint8_t)source, hash_text(id, len)));
}

size_t tbl_find(const tbl_table *t, ses_source source, const char *id, size_t len)
{
    if (t->log || !id || len > UINT32_MAX)
        return TBL_NONE;
    sq_str s = {id, (uint32_t)len};
    uint32_t id_hash = hash_text(id, len);
    uint32_t r =
        t->row_slots[find_row(t, (uint8_t)source, row_hash((uint8_t)source, id_hash), id_hash, s)]
            .row;
    return r ? r - 1 : TBL_NONE;
}

void tbl_get(const tbl_table *t, size_t r, ses_key k, sq_value *v, char scratch[SES_TIME_BUFSZ])
{
    const row *x = &t->rows[r];
    memset(v, 0, sizeof *v);
    if (k == K_SOURCE) {
        const char *name = ses_source_name((ses_source)x->source);
        if (name) {
            v->kind = SQ_TEXT;
            v->text = name;
            v->len = (uint32_t)strlen(name);
        }
        return;
    }
    if (k == K_DAY || k == K_MONTH || k == K_HOUR) {
        int64_t start = x->num[ses_num_slot(K_START)];
        if (start == SES_NULL)
            return;
        ses_format_time(start, scratch);
        v->kind = SQ_TEXT;
        v->text = scratch;
        v->len = k == K_DAY ? 10 : k == K_MONTH ? 7 : 13;
        return;
    }
    int slot = ses_text_slot(k);
    if (slot >= 0) {
        uint32_t id = x->text[slot];
        if (id) {
            v->kind = SQ_TEXT;
            v->text = t->strs[id - 1].p;
            v->len = t->strs[id - 1].n;
        }
        return;
    }
    slot = ses_num_slot(k);
    if (slot >= 0 && x->num[slot] != SES_NULL) {
        v->kind = ses_key_kind(k);
        v->i = x->num[slot];
    }
}

/* Days and hours since 1970, rounded down: what the derived keys show of a start. */
static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b < 0); }

uint64_t tbl_identity(const tbl_table *t, size_t r, ses_key k)
{
    const row *x = &t->rows[r];
    if (k == K_SOURCE)
        return x->source;
    if (k == K_DAY || k == K_MONTH || k == K_HOUR) {
        /* A month is told by its day, too: the same day is the same month. */
        int64_t start = x->num[ses_num_slot(K_START)];
        int64_t unit = (k == K_HOUR ? 3600 : 86400) * SES_TICKS_PER_SECOND;
        return start == SES_NULL ? (uint64_t)SES_NULL : (uint64_t)floor_div(start, unit);
    }
    int slot = ses_text_slot(k);
    if (slot >= 0)
        return x->text[slot];
    slot = ses_num_slot(k);
    return slot >= 0 ? (uint64_t)x->num[slot] : 0;
}

int64_t tbl_number(const tbl_table *t, size_t r, ses_key k)
{
    int slot = ses_num_slot(k);
    return slot >= 0 ? t->rows[r].num[slot] : SES_NULL;
}

/* ---- sorting ------------------------------------------------------------------------------ */

typedef struct {
    const tbl_table *t;
    const ses_key *keys;
    const bool *desc;
    size_t nkeys;
} order;

static int compare_values(const sq_value *a, const sq_value *b)
{
    if (a->kind == SQ_NULL || b->kind == SQ_NULL)
        return (a->kind == SQ_NULL) - (b->kind == SQ_NULL);
    if (a->kind == SQ_TEXT) {
        size_t n = a->len < b->len ? a->len : b->len;
        int c = n ? memcmp(a->text, b->text, n) : 0;
        return c ? c : (a->len > b->len) - (a->len < b->len);
    }
    if (a->kind == SQ_REAL || a->kind == SQ_RATIO)
        return (a->r > b->r) - (a->r < b->r);
    return (a->i > b->i) - (a->i < b->i);
}

static int compare_rows(const order *o, size_t x, size_t y)
{
    char sx[SES_TIME_BUFSZ], sy[SES_TIME_BUFSZ];
    for (size_t k = 0; k < o->nkeys; k++) {
        sq_value a, b;
        tbl_get(o->t, x, o->keys[k], &a, sx);
        tbl_get(o->t, y, o->keys[k], &b, sy);
        int c = compare_values(&a, &b);
        /* Nulls stay last when descending: only a comparison of two values turns round. */
        if (c && o->desc[k] && a.kind != SQ_NULL && b.kind != SQ_NULL)
            c = -c;
        if (c)
            return c;
    }
    return 0;
}

/* Merge sort, stable: merges runs of `width` from src into dst. */
static void merge_pass(const order *o, const size_t *src, size_t *dst, size_t n, size_t width)
{
    for (size_t lo = 0; lo < n; lo += 2 * width) {
        size_t mid = lo + width < n ? lo + width : n;
        size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
        size_t i = lo, j = mid, k = lo;
        while (i < mid && j < hi)
            dst[k++] = compare_rows(o, src[j], src[i]) < 0 ? src[j++] : src[i++];
        while (i < mid)
            dst[k++] = src[i++];
        while (j < hi)
            dst[k++] = src[j++];
    }
}

int tbl_sort(const tbl_table *t, size_t *rows, size_t n, const ses_key *keys, const bool *desc,
             size_t nkeys)
{
    if (n < 2 || nkeys == 0)
        return 0;
    size_t *tmp = malloc(n * sizeof *tmp);
    if (!tmp)
        return -1;
    order o = {t, keys, desc, nkeys};
    size_t *src = rows, *dst = tmp;
    for (size_t width = 1; width < n; width *= 2) {
        merge_pass(&o, src, dst, n, width);
        size_t *swap = src;
        src = dst;
        dst = swap;
    }
    if (src != rows)
        memcpy(rows, src, n * sizeof *rows);
    free(tmp);
    return 0;
}
