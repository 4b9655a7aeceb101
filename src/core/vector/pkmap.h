/*
 * pkmap.h — primary key -> slot map: open addressing with linear probing and backward-shift deletion
 * (no tombstones, so lookups never slow down after many deletes).
 *
 * Int64 keys are stored in the table. String keys are not: an entry keeps the key's 64-bit hash and
 * the slot, and the caller passes its slot-indexed string array (`strs`) so the map can compare; the
 * map never owns or copies strings. Capacity is a power of two, load factor kept <= 0.5.
 * Not thread-safe: the owning collection's lock protects it.
 */
#ifndef AV_PKMAP_H
#define AV_PKMAP_H

#include <stddef.h>
#include <stdint.h>
#include "annovec.h"

#define PKMAP_NONE UINT32_MAX

typedef struct pkmap_entry { uint64_t key; uint32_t slot; } pkmap_entry;

typedef struct pkmap {
    pkmap_entry *t;
    size_t cap, n;
    int is_str;
} pkmap;

void pkmap_init(pkmap *m, int is_str);
void pkmap_free(pkmap *m);
/* Slot of pk, or PKMAP_NONE. */
uint32_t pkmap_get(const pkmap *m, const av_pk *pk, char *const *strs);
/* Inserts or replaces pk -> slot. */
void pkmap_put(pkmap *m, const av_pk *pk, uint32_t slot, char *const *strs);
/* Removes pk; returns its slot or PKMAP_NONE. */
uint32_t pkmap_del(pkmap *m, const av_pk *pk, char *const *strs);

#endif
