/*
 * vecindex.h — the vector-index interface. A collection owns its vectors (contiguous slots, see
 * av_vecdata) and tells its index about every slot added or removed; the index answers top-k
 * searches over live slots. The flat index (exact scan) is the first implementation; an ANN index
 * (HNSW) plugs in by providing another av_vecindex_ops.
 *
 * Scores follow Milvus: squared L2 (smaller is better), IP and COSINE similarity (larger is better).
 * Internally every index ranks by a "key" where smaller is better (L2: d, IP/COSINE: -s).
 * Called under the collection's lock: add/remove/clear under the write lock, search under the read
 * lock (so search must not mutate shared state).
 */
#ifndef AV_VECINDEX_H
#define AV_VECINDEX_H

#include <stdint.h>
#include "annovec.h"

typedef struct av_vecdata {
    const float *vecs;          /* nslots * dim */
    const float *norms;         /* per slot; used by COSINE */
    const uint8_t *alive;       /* per slot: 1 live, 0 free */
    uint32_t nslots;
    int dim;
    av_metric metric;
} av_vecdata;

typedef struct av_scored { float score; uint32_t slot; } av_scored;

typedef struct av_range {
    int has_radius, has_range_filter;
    float radius, range_filter;
} av_range;

/* Returns non-zero when the slot passes the request's filter. */
typedef int (*av_accept_fn)(void *ctx, uint32_t slot);

typedef struct av_vecindex_ops {
    const char *name;                                   /* "FLAT" */
    void *(*create)(const av_vecdata *vd);
    void (*add)(void *self, const av_vecdata *vd, uint32_t slot);
    void (*remove)(void *self, const av_vecdata *vd, uint32_t slot);
    void (*clear)(void *self);
    /* Best-first into out (capacity k); returns how many were written. */
    int (*search)(void *self, const av_vecdata *vd, const float *q, int k, const av_range *range,
                  av_accept_fn accept, void *ctx, av_scored *out);
    void (*destroy)(void *self);
} av_vecindex_ops;

extern const av_vecindex_ops av_flat_index;

/* Shared helpers for index implementations. */
float av_vec_score(const av_vecdata *vd, const float *q, float qnorm, uint32_t slot);
int   av_range_keep(av_metric m, const av_range *r, float score);
float av_score_key(av_metric m, float score);          /* smaller is better */

#endif
