/*
 * pkmap.c — see pkmap.h. Hashes: splitmix64 finaliser for int64 keys, FNV-1a 64 mixed by the same
 * finaliser for strings. An empty bucket has slot == PKMAP_NONE.
 */
#include "core/vector/pkmap.h"
#include "lib/util.h"

#include <stdlib.h>
#include <string.h>

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27; x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static uint64_t str_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) { h ^= (unsigned char)*s; h *= 0x100000001b3ULL; }
    return mix64(h);
}

/* The stored key: the int itself, or the string's hash. */
static uint64_t stored_key(const pkmap *m, const av_pk *pk)
{
    return m->is_str ? str_hash(pk->s) : (uint64_t)pk->i;
}

static size_t bucket_of(const pkmap *m, uint64_t key)
{
    return (size_t)(m->is_str ? key : mix64(key)) & (m->cap - 1);
}

static int entry_matches(const pkmap *m, const pkmap_entry *e, uint64_t key, const av_pk *pk, char *const *strs)
{
    if (e->key != key) return 0;
    return !m->is_str || strcmp(strs[e->slot], pk->s) == 0;
}

void pkmap_init(pkmap *m, int is_str)
{
    m->cap = 16;
    m->n = 0;
    m->is_str = is_str;
    m->t = xmalloc(sizeof(pkmap_entry) * m->cap);
    for (size_t i = 0; i < m->cap; i++) m->t[i].slot = PKMAP_NONE;
}

void pkmap_free(pkmap *m)
{
    free(m->t);
    m->t = NULL;
    m->cap = m->n = 0;
}

static size_t find(const pkmap *m, uint64_t key, const av_pk *pk, char *const *strs)
{
    size_t i = bucket_of(m, key);
    while (m->t[i].slot != PKMAP_NONE) {
        if (entry_matches(m, &m->t[i], key, pk, strs)) return i;
        i = (i + 1) & (m->cap - 1);
    }
    return i;   /* the empty bucket where it would go */
}

uint32_t pkmap_get(const pkmap *m, const av_pk *pk, char *const *strs)
{
    if (m->is_str != pk->is_str) return PKMAP_NONE;
    return m->t[find(m, stored_key(m, pk), pk, strs)].slot;
}

static void grow(pkmap *m)
{
    pkmap_entry *old = m->t;
    size_t oldcap = m->cap;
    m->cap *= 2;
    m->t = xmalloc(sizeof(pkmap_entry) * m->cap);
    for (size_t i = 0; i < m->cap; i++) m->t[i].slot = PKMAP_NONE;
    for (size_t i = 0; i < oldcap; i++) {
        if (old[i].slot == PKMAP_NONE) continue;
        size_t j = bucket_of(m, old[i].key);
        while (m->t[j].slot != PKMAP_NONE) j = (j + 1) & (m->cap - 1);
        m->t[j] = old[i];
    }
    free(old);
}

void pkmap_put(pkmap *m, const av_pk *pk, uint32_t slot, char *const *strs)
{
    if ((m->n + 1) * 2 > m->cap) grow(m);
    uint64_t key = stored_key(m, pk);
    size_t i = find(m, key, pk, strs);
    if (m->t[i].slot == PKMAP_NONE) m->n++;
    m->t[i].key = key;
    m->t[i].slot = slot;
}

uint32_t pkmap_del(pkmap *m, const av_pk *pk, char *const *strs)
{
    if (m->is_str != pk->is_str) return PKMAP_NONE;
    size_t i = find(m, stored_key(m, pk), pk, strs);
    uint32_t slot = m->t[i].slot;
    if (slot == PKMAP_NONE) return slot;
    /* Backward-shift: pull later entries of the probe run into the hole when their home allows. */
    size_t hole = i, j = i;
    for (;;) {
        j = (j + 1) & (m->cap - 1);
        if (m->t[j].slot == PKMAP_NONE) break;
        size_t home = bucket_of(m, m->t[j].key);
        int movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
        if (movable) { m->t[hole] = m->t[j]; hole = j; }
    }
    m->t[hole].slot = PKMAP_NONE;
    m->n--;
    return slot;
}
