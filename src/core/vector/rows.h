/*
 * rows.h — a collection's rows in memory (coll_rows): every per-slot array, the slot counters and the
 * primary-key map, in one struct. rows.c is the one place that allocates, grows, moves and frees
 * them; the collection (collection.c) adds what the vector index must be told.
 *
 * Slots: every entity lives in a slot s in [0, nslots). Per slot: pk (pk_i or pk_s), vector
 * (vecs + s*dim), norm, doc (json object of the non-pk, non-vector fields), expire and alive[s]. A
 * freed slot is scrubbed at once (vector zeroed, doc and pk string freed, alive = 0) and put on the
 * free list for reuse; rows_compact moves live slots down over free ones when more than half are free.
 *
 * Ownership: a coll_rows owns its arrays, docs and pk strings. It holds no lock and no pointer into
 * itself, so rows_move may hand it over by value; nothing else copies one.
 * Locking: none of its own. The owning collection's rwlock guards it: readers shared for the whole
 * call, writers (everything below that changes r) exclusive.
 */
#ifndef AV_ROWS_H
#define AV_ROWS_H

#include <stdint.h>
#include "annovec.h"
#include "core/vector/pkmap.h"

#define AV_SLOT_NONE PKMAP_NONE

typedef struct coll_rows {
    int dim, pk_is_str;        /* fixed by rows_init */
    uint32_t nslots, cap;      /* slots in [0, nslots) used or free; arrays sized for cap */
    float *vecs;               /* cap * dim */
    float *norms;              /* L2 norm per slot (COSINE) */
    uint8_t *alive;            /* 1: the slot holds a row */
    int64_t *pk_i;             /* int pks (NULL when pk_is_str) */
    char **pk_s;               /* string pks, owned (NULL unless pk_is_str) */
    json_object **docs;        /* owned */
    int64_t *expire;           /* epoch ms, 0 = never; NULL until a row has a TTL */
    uint32_t *free_slots;      /* nfree entries: freed slots below nslots, reused first */
    uint32_t nfree;
    int64_t live;              /* slots in use, expired or not */
    int64_t nttl;              /* slots in use with an expiry */
    pkmap map;                 /* pk -> slot */
} coll_rows;

/* An empty set of rows (no slot arrays yet; they grow on the first slot). */
void rows_init(coll_rows *r, int dim, int pk_is_str);
/* Frees every array, doc and pk string, and the pk map: r keeps only dim and pk_is_str and holds
 * nothing (rows_init it again before use). */
void rows_free(coll_rows *r);
/* Frees what `to` holds, hands it everything `from` holds (O(1)) and leaves `from` empty and usable
 * (rows_init). Used to move rows between collection handles and to detach them for a lazy free. */
void rows_move(coll_rows *to, coll_rows *from);

/* A free slot (reused first, else a new one at the end; grows the arrays). Not alive until filled. */
uint32_t rows_slot_alloc(coll_rows *r);
/* Fills a slot, new or being replaced (a replaced slot keeps its pk); takes ownership of doc. */
void rows_slot_fill(coll_rows *r, uint32_t slot, const av_pk *pk, const float *vec, json_object *doc);
/* Removes a live slot and scrubs what it held: nothing of the entity stays in memory. */
void rows_slot_free(coll_rows *r, uint32_t slot);
/* Sets a live slot's expiry (epoch ms, 0 = never). */
void rows_slot_set_expire(coll_rows *r, uint32_t slot, int64_t expire_ms);

/* When more than half the slots (and at least 1024) are free, moves the live slots down over the free
 * ones, keeping their order, and returns the map old slot -> new slot (AV_SLOT_NONE for a slot that
 * was free), *old_nslots entries, caller frees; else NULL and nothing moves. */
uint32_t *rows_compact(coll_rows *r, uint32_t *old_nslots);

/* A slot readers may see: in use and not expired at `now` (epoch ms). */
static inline int rows_visible(const coll_rows *r, uint32_t s, int64_t now)
{
    return r->alive[s] && (!r->nttl || !r->expire[s] || r->expire[s] > now);
}
/* The row of a live slot, borrowed from r. */
av_row_view rows_view(const coll_rows *r, uint32_t slot);
/* Slot holding pk, or AV_SLOT_NONE. */
uint32_t rows_find(const coll_rows *r, const av_pk *pk);

#endif
