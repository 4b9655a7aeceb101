/*
 * hnsw_search.c — walking the graph (see hnsw.h): the greedy descent through the upper levels and
 * the best-first search of one level that both inserts and searches use, and the top-k search.
 * Tombstones are never scored (their vectors are scrubbed): a search steps over one to its
 * neighbours, so a graph with fresh deletes stays navigable until it is repaired.
 * Locking: reads the graph only (callers hold the collection's lock, shared for a search); scratch
 * is per thread.
 */
#include "core/vector/hnsw.h"
#include "lib/util.h"

#include <stdlib.h>

hnsw_cand hnsw_descend(const hnsw *h, const av_vecdata *vd, const float *q, float qn, int to)
{
    hnsw_cand cur = { hnsw_key(vd, q, qn, h->entry), h->entry };
    for (int lvl = h->maxlevel; lvl > to; lvl--) {
        for (int changed = 1; changed;) {
            changed = 0;
            const uint32_t *l = hnsw_list(h, cur.id, lvl);
            for (uint32_t i = 1; i <= l[0]; i++) {
                uint32_t nb = l[i];
                if (h->dead[nb] || h->level[nb] < lvl) continue;   /* (a reused slot may sit lower now) */
                float k = hnsw_key(vd, q, qn, nb);
                if (k < cur.key) { cur.key = k; cur.id = nb; changed = 1; }
            }
        }
    }
    return cur;
}

/* Scores one unvisited live neighbour and keeps it if it can still make the ef best. */
static inline void consider(const av_vecdata *vd, const float *q, float qn, uint32_t nb, int ef,
                            av_accept_fn accept, void *actx, hnsw_scratch *s)
{
    float k = hnsw_key(vd, q, qn, nb);
    if (s->best.n >= ef && k >= hnsw_heap_top(&s->best).key) return;
    hnsw_heap_push(&s->cand, (hnsw_cand){ k, nb });
    if (!accept || accept(actx, nb)) {
        hnsw_heap_push(&s->best, (hnsw_cand){ k, nb });
        if (s->best.n > ef) hnsw_heap_pop(&s->best);
    }
}

void hnsw_search_level(const hnsw *h, const av_vecdata *vd, const float *q, float qn, const hnsw_cand *eps, int neps,
                       int ef, int lvl, av_accept_fn accept, void *actx, hnsw_scratch *s)
{
    hnsw_heap_init(&s->cand, 0);
    hnsw_heap_init(&s->best, 1);
    for (int i = 0; i < neps; i++) {
        hnsw_cand ep = eps[i];
        if (!hnsw_visit(s, ep.id)) continue;
        hnsw_heap_push(&s->cand, ep);
        if (!h->dead[ep.id] && (!accept || accept(actx, ep.id))) {
            hnsw_heap_push(&s->best, ep);
            if (s->best.n > ef) hnsw_heap_pop(&s->best);
        }
    }
    size_t dim = (size_t)vd->dim;
    while (s->cand.n) {
        hnsw_cand c = hnsw_heap_top(&s->cand);
        if (s->best.n >= ef && c.key > hnsw_heap_top(&s->best).key) break;
        hnsw_heap_pop(&s->cand);
        const uint32_t *l = hnsw_list(h, c.id, lvl);
        for (uint32_t i = 1; i <= l[0]; i++)   /* the next vectors' first lines, ahead of scoring */
            __builtin_prefetch(vd->vecs + (size_t)l[i] * dim);
        for (uint32_t i = 1; i <= l[0]; i++) {
            uint32_t nb = l[i];
            if (h->level[nb] < lvl || !hnsw_visit(s, nb)) continue;
            if (!h->dead[nb]) { consider(vd, q, qn, nb, ef, accept, actx, s); continue; }
            const uint32_t *l2 = hnsw_list(h, nb, lvl);   /* a tombstone: step over it */
            for (uint32_t j = 1; j <= l2[0]; j++)
                if (!h->dead[l2[j]] && h->level[l2[j]] >= lvl && hnsw_visit(s, l2[j])) consider(vd, q, qn, l2[j], ef, accept, actx, s);
        }
    }
}

/* Room for n entry points in the scratch list. */
static hnsw_cand *scratch_seeds(hnsw_scratch *s, int n)
{
    if (n > s->caplist) {
        s->caplist = n;
        s->list = xrealloc(s->list, sizeof(hnsw_cand) * (size_t)n);
    }
    return s->list;
}

static int by_key(const void *a, const void *b)
{
    float x = ((const hnsw_cand *)a)->key, y = ((const hnsw_cand *)b)->key;
    return x < y ? -1 : x > y;
}

int hnsw_search(const hnsw *h, const av_vecdata *vd, const float *q, const av_index_query *iq, int ef, av_scored *out)
{
    int k = iq->k;
    if (k <= 0 || h->entry == HNSW_NONE) return 0;
    if (ef < k) ef = k;
    float qn = hnsw_qnorm(vd, q);
    hnsw_scratch *s = hnsw_scratch_get(h->cap);
    /* Level 1 is searched with a small candidate list rather than greedily, and all it finds seed
     * level 0: a query far from every row (one from a deleted cluster) does not hang on the one
     * region a greedy walk happened to reach. */
    hnsw_cand ep = hnsw_descend(h, vd, q, qn, h->maxlevel > 0 ? 1 : 0);
    hnsw_cand *eps = &ep;
    int neps = 1;
    if (h->maxlevel > 0) {
        hnsw_search_level(h, vd, q, qn, &ep, 1, HNSW_EF_UPPER, 1, NULL, NULL, s);
        neps = s->best.n;
        eps = scratch_seeds(s, neps);
        for (int i = 0; i < neps; i++) eps[i] = s->best.a[i];
        s = hnsw_scratch_get(h->cap);
    }
    hnsw_search_level(h, vd, q, qn, eps, neps, ef, 0, iq->accept, iq->accept_ctx, s);
    int n = s->best.n;
    hnsw_cand *all = s->best.a;    /* the heap's array, sorted in place: the heap is done with */
    qsort(all, (size_t)n, sizeof *all, by_key);
    int m = 0;
    for (int i = 0; i < n && m < k; i++) {
        if (!vd->alive[all[i].id]) continue;
        out[m++] = (av_scored){ vd->metric == AV_METRIC_L2 ? all[i].key : -all[i].key, all[i].id };
    }
    s->best.n = 0;
    return m;
}
