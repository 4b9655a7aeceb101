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

hnsw_cand hnsw_descend(const hnsw *h, const hnsw_query *hq, uint32_t entry, int maxlevel, int to)
{
    hnsw_cand cur = { hnsw_qkey(hq, entry), entry };
    for (int lvl = maxlevel; lvl > to; lvl--) {
        for (int changed = 1; changed;) {
            changed = 0;
            const uint32_t *l = hnsw_list(h, cur.id, lvl);
            for (uint32_t i = 1, n = hnsw_count(l); i <= n; i++) {
                uint32_t nb = hnsw_at(l, i);
                if (h->dead[nb] || h->level[nb] < lvl) continue;   /* (a reused slot may sit lower now) */
                float k = hnsw_qkey(hq, nb);
                if (k < cur.key) { cur.key = k; cur.id = nb; changed = 1; }
            }
        }
    }
    return cur;
}

/* Scores one unvisited live neighbour and keeps it if it can still make the ef best. */
static inline void consider(const hnsw_query *hq, uint32_t nb, int ef, av_accept_fn accept, void *actx, hnsw_scratch *s)
{
    float k = hnsw_qkey(hq, nb);
    if (s->best.n >= ef && k >= hnsw_heap_top(&s->best).key) return;
    hnsw_heap_push(&s->cand, (hnsw_cand){ k, nb });
    if (!accept || accept(actx, nb)) {
        hnsw_heap_push(&s->best, (hnsw_cand){ k, nb });
        if (s->best.n > ef) hnsw_heap_pop(&s->best);
    }
}

void hnsw_search_level(const hnsw *h, const hnsw_query *hq, const hnsw_cand *eps, int neps,
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
    const av_vecdata *vd = hq->vd;
    size_t dim = (size_t)vd->dim;
    while (s->cand.n) {
        hnsw_cand c = hnsw_heap_top(&s->cand);
        if (s->best.n >= ef && c.key > hnsw_heap_top(&s->best).key) break;
        hnsw_heap_pop(&s->cand);
        const uint32_t *l = hnsw_list(h, c.id, lvl);
        uint32_t cnt = hnsw_count(l);
        for (uint32_t i = 1; i <= cnt; i++) {   /* what the next scores read, ahead of scoring */
            uint32_t nb = hnsw_at(l, i);
            __builtin_prefetch(hq->qt ? hnsw_quant_code(hq->qt, nb) : (const void *)(vd->vecs + (size_t)nb * dim));
        }
        for (uint32_t i = 1; i <= cnt; i++) {
            uint32_t nb = hnsw_at(l, i);
            if (h->level[nb] < lvl || !hnsw_visit(s, nb)) continue;
            if (!h->dead[nb]) { consider(hq, nb, ef, accept, actx, s); continue; }
            const uint32_t *l2 = hnsw_list(h, nb, lvl);   /* a tombstone: step over it */
            for (uint32_t j = 1, n2 = hnsw_count(l2); j <= n2; j++) {
                uint32_t w = hnsw_at(l2, j);
                if (!h->dead[w] && h->level[w] >= lvl && hnsw_visit(s, w)) consider(hq, w, ef, accept, actx, s);
            }
        }
    }
}

int hnsw_accept_published(void *ctx, uint32_t slot)
{
    const hnsw_accept *a = ctx;
    return !a->h->pending[slot] && (!a->inner || a->inner(a->inner_ctx, slot));
}

/* The query's form for the codes, in this thread's scratch; NULL when the graph has no codes. */
static const hnsw_quant *code_query(const hnsw *h, const av_vecdata *vd, const float *q, hnsw_scratch *s, hnsw_query *hq)
{
    const hnsw_quant *qt = &h->qt;
    if (!qt->trained || vd->metric != h->metric || vd->metric != AV_METRIC_L2) return NULL;   /* see hnsw.h */
    if (s->nqq < qt->pad) {
        free(s->qq);
        s->qq = xmalloc(sizeof(float) * (size_t)qt->pad);
        s->nqq = qt->pad;
    }
    hnsw_quant_query(qt, vd->metric, q, s->qq, &hq->qconst);
    hq->qq = s->qq;
    return qt;
}

int hnsw_search(const hnsw *h, const av_vecdata *vd, const float *q, const av_index_query *iq, int ef, av_scored *out)
{
    int k = iq->k;
    uint32_t entry;
    int maxlevel;
    hnsw_top(h, &entry, &maxlevel);
    if (k <= 0 || entry == HNSW_NONE) return 0;
    if (ef < k) ef = k;
    hnsw_query hq = { vd, q, hnsw_qnorm(vd, q), NULL, NULL, 0 };
    hnsw_scratch *s = hnsw_scratch_get(h->cap);
    hq.qt = code_query(h, vd, q, s, &hq);
    /* Level 1 is searched with a small candidate list rather than greedily, and all it finds seed
     * level 0: a query far from every row (one from a deleted cluster) does not hang on the one
     * region a greedy walk happened to reach. */
    hnsw_cand ep = hnsw_descend(h, &hq, entry, maxlevel, maxlevel > 0 ? 1 : 0);
    hnsw_cand *eps = &ep;
    int neps = 1;
    if (maxlevel > 0) {
        hnsw_search_level(h, &hq, &ep, 1, HNSW_EF_UPPER, 1, NULL, NULL, s);
        neps = s->best.n;
        eps = hnsw_scratch_list(s, neps);
        for (int i = 0; i < neps; i++) eps[i] = s->best.a[i];
        s = hnsw_scratch_get(h->cap);
    }
    hnsw_accept acc = { h, iq->accept, iq->accept_ctx };   /* pending nodes are walked, never returned */
    if (h->npending) hnsw_search_level(h, &hq, eps, neps, ef, 0, hnsw_accept_published, &acc, s);
    else hnsw_search_level(h, &hq, eps, neps, ef, 0, iq->accept, iq->accept_ctx, s);
    int n = s->best.n;
    hnsw_cand *all = s->best.a;    /* the heap's array, re-scored and sorted in place: the heap is done with */
    if (n > 1) qsort(all, (size_t)n, sizeof *all, hnsw_cand_cmp);
    if (hq.qt) {   /* re-rank the best the codes found with the exact vectors */
        int r = HNSW_RERANK_PER_K * k > HNSW_RERANK_MIN ? HNSW_RERANK_PER_K * k : HNSW_RERANK_MIN;
        if (n > r) n = r;
        for (int i = 0; i < n; i++) all[i].key = hnsw_key(vd, q, hq.qn, all[i].id);
        if (n > 1) qsort(all, (size_t)n, sizeof *all, hnsw_cand_cmp);
    }
    int m = 0;
    for (int i = 0; i < n && m < k; i++) {
        if (!vd->alive[all[i].id]) continue;
        out[m++] = (av_scored){ vd->metric == AV_METRIC_L2 ? all[i].key : -all[i].key, all[i].id };
    }
    s->best.n = 0;
    return m;
}
