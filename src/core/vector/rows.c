/*
 * rows.c — a collection's rows in memory (see rows.h): the one place that allocates and grows
 * (resize), moves (rows_move) and frees (rows_free) the per-slot arrays, and the slot operations
 * over them. Knows nothing of the vector index: the collection tells it what changed.
 *
 * Locking: none here; the owning collection's rwlock guards every call (writers exclusive).
 */
#include "core/vector/rows.h"
#include "core/vector/distance.h"
#include "lib/util.h"

#include <stdlib.h>
#include <string.h>

#define ROWS_FIRST_CAP 64
#define COMPACT_MIN_FREE 1024

void rows_init(coll_rows *r, int dim, int pk_is_str)
{
    memset(r, 0, sizeof *r);
    r->dim = dim;
    r->pk_is_str = pk_is_str;
    pkmap_init(&r->map, pk_is_str);
}

/* Sizes every per-slot array for cap slots (the only allocation of them). The expiry array exists
 * only once a row has a TTL: with_expire allocates it (zeroed) or keeps it growing. */
static void resize(coll_rows *r, uint32_t cap, int with_expire)
{
    size_t n = cap, dim = (size_t)r->dim;
    r->vecs = xrealloc(r->vecs, sizeof(float) * dim * n);
    r->norms = xrealloc(r->norms, sizeof(float) * n);
    r->alive = xrealloc(r->alive, n);
    r->docs = xrealloc(r->docs, sizeof(json_object *) * n);
    r->free_slots = xrealloc(r->free_slots, sizeof(uint32_t) * n);
    if (r->pk_is_str) r->pk_s = xrealloc(r->pk_s, sizeof(char *) * n);
    else r->pk_i = xrealloc(r->pk_i, sizeof(int64_t) * n);
    if (with_expire) {
        size_t had = r->expire ? r->cap : 0;
        r->expire = xrealloc(r->expire, sizeof(int64_t) * n);
        memset(r->expire + had, 0, sizeof(int64_t) * (n - had));
    }
    r->cap = cap;
}

void rows_free(coll_rows *r)
{
    for (uint32_t s = 0; s < r->nslots; s++) {
        if (r->docs[s]) json_object_put(r->docs[s]);
        if (r->pk_s) free(r->pk_s[s]);
    }
    free(r->vecs); free(r->norms); free(r->alive); free(r->docs); free(r->free_slots);
    free(r->pk_s); free(r->pk_i); free(r->expire);
    pkmap_free(&r->map);
    int dim = r->dim, pk_is_str = r->pk_is_str;
    memset(r, 0, sizeof *r);
    r->dim = dim;
    r->pk_is_str = pk_is_str;
}

void rows_move(coll_rows *to, coll_rows *from)
{
    rows_free(to);
    *to = *from;
    rows_init(from, from->dim, from->pk_is_str);
}

uint32_t rows_slot_alloc(coll_rows *r)
{
    if (r->nfree) return r->free_slots[--r->nfree];
    if (r->nslots == r->cap) resize(r, r->cap ? r->cap * 2 : ROWS_FIRST_CAP, r->expire != NULL);
    uint32_t s = r->nslots++;
    r->alive[s] = 0;
    r->docs[s] = NULL;
    if (r->pk_is_str) r->pk_s[s] = NULL;
    if (r->expire) r->expire[s] = 0;
    return s;
}

void rows_slot_fill(coll_rows *r, uint32_t slot, const av_pk *pk, const float *vec, json_object *doc)
{
    size_t dim = (size_t)r->dim;
    memcpy(r->vecs + slot * dim, vec, sizeof(float) * dim);
    r->norms[slot] = av_norm(vec, dim);
    if (r->docs[slot]) json_object_put(r->docs[slot]);
    r->docs[slot] = doc;
    if (!r->alive[slot]) {
        if (r->pk_is_str) r->pk_s[slot] = xstrdup(pk->s);
        else r->pk_i[slot] = pk->i;
        pkmap_put(&r->map, pk, slot, r->pk_s);
        r->live++;
    }
    r->alive[slot] = 1;
}

void rows_slot_set_expire(coll_rows *r, uint32_t slot, int64_t expire_ms)
{
    if (!r->expire) {
        if (!expire_ms) return;
        resize(r, r->cap, 1);
    }
    r->nttl += (expire_ms != 0) - (r->expire[slot] != 0);
    r->expire[slot] = expire_ms;
}

void rows_slot_free(coll_rows *r, uint32_t slot)
{
    rows_slot_set_expire(r, slot, 0);
    av_row_view v = rows_view(r, slot);
    pkmap_del(&r->map, &v.pk, r->pk_s);
    memset(r->vecs + (size_t)slot * (size_t)r->dim, 0, sizeof(float) * (size_t)r->dim);
    r->norms[slot] = 0;
    json_object_put(r->docs[slot]);
    r->docs[slot] = NULL;
    if (r->pk_is_str) {
        memset(r->pk_s[slot], 0, strlen(r->pk_s[slot]));
        free(r->pk_s[slot]);
        r->pk_s[slot] = NULL;
    } else {
        r->pk_i[slot] = 0;
    }
    r->alive[slot] = 0;
    r->free_slots[r->nfree++] = slot;
    r->live--;
}

/* Moves the live slot `from` to the free slot `to` (to < from), leaving `from` scrubbed and free. */
static void move_slot(coll_rows *r, uint32_t from, uint32_t to)
{
    size_t dim = (size_t)r->dim;
    memcpy(r->vecs + to * dim, r->vecs + from * dim, sizeof(float) * dim);
    memset(r->vecs + from * dim, 0, sizeof(float) * dim);
    r->norms[to] = r->norms[from];
    r->norms[from] = 0;
    if (r->expire) { r->expire[to] = r->expire[from]; r->expire[from] = 0; }
    r->docs[to] = r->docs[from];
    r->docs[from] = NULL;
    if (r->pk_is_str) r->pk_s[to] = r->pk_s[from];
    else r->pk_i[to] = r->pk_i[from];
    /* re-point the map while pk_s[from] still names the key: a string entry is compared through it */
    av_row_view v = rows_view(r, to);
    pkmap_put(&r->map, &v.pk, to, r->pk_s);
    if (r->pk_is_str) r->pk_s[from] = NULL;
    else r->pk_i[from] = 0;
    r->alive[to] = 1;
    r->alive[from] = 0;
}

uint32_t *rows_compact(coll_rows *r, uint32_t *old_nslots)
{
    if (r->nfree < COMPACT_MIN_FREE || r->nfree * 2 < r->nslots) return NULL;
    uint32_t *map = xmalloc(sizeof(uint32_t) * r->nslots);
    uint32_t to = 0;
    for (uint32_t from = 0; from < r->nslots; from++) {
        if (!r->alive[from]) { map[from] = AV_SLOT_NONE; continue; }
        if (from != to) move_slot(r, from, to);
        map[from] = to++;
    }
    *old_nslots = r->nslots;
    r->nslots = to;
    r->nfree = 0;
    return map;
}

av_row_view rows_view(const coll_rows *r, uint32_t slot)
{
    av_row_view v;
    v.pk.is_str = r->pk_is_str;
    v.pk.i = r->pk_is_str ? 0 : r->pk_i[slot];
    v.pk.s = r->pk_is_str ? r->pk_s[slot] : NULL;
    v.vec = r->vecs + (size_t)slot * (size_t)r->dim;
    v.doc = r->docs[slot];
    return v;
}

uint32_t rows_find(const coll_rows *r, const av_pk *pk)
{
    return pkmap_get(&r->map, pk, r->pk_s);
}
