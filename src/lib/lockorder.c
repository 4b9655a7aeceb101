/*
 * lockorder.c — run-time check of the lock order documented in lockorder.h (debug builds).
 */
#include "lib/lockorder.h"

#ifndef NDEBUG
#include <stdio.h>
#include <stdlib.h>

static _Thread_local int held[AV_LOCK_RANKS];

static const char *rank_name(int r)
{
    static const char *const names[AV_LOCK_RANKS] = { "?", "catalog", "collection writer", "collection", "store" };
    return r > 0 && r < AV_LOCK_RANKS ? names[r] : "?";
}

void av_lock_acquire(int rank)
{
    for (int r = rank + 1; r < AV_LOCK_RANKS; r++)
        if (held[r]) {
            fprintf(stderr, "annovec: lock order violated: taking the %s lock while holding the %s lock "
                            "(order: catalog -> collection writer -> collection -> store)\n", rank_name(rank), rank_name(r));
            abort();
        }
    held[rank]++;
}

void av_lock_release(int rank)
{
    if (held[rank] <= 0) {
        fprintf(stderr, "annovec: releasing the %s lock, which this thread does not hold\n", rank_name(rank));
        abort();
    }
    held[rank]--;
}

int av_lock_held(int rank) { return held[rank]; }
#endif
