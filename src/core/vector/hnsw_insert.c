/*
 * hnsw_insert.c — adding a node to the HNSW graph (see hnsw.h): draw its level, descend greedily to
 * it, then at each level from there down to 0 search efConstruction candidates, keep M of them by
 * the neighbour-selection heuristic (a candidate is kept only if it is closer to the new node than
 * to every neighbour kept before it, which spreads the links over directions), and link back: a
 * neighbour whose list is full re-selects among its old links and the new node.
 * Locking: changes the graph; the caller holds the collection's write lock (hnsw.h).
 */
#include "core/vector/hnsw.h"
#include "lib/util.h"

#include <stdlib.h>
#include <string.h>


/* The key between two nodes, as seen from `from`. */
static float node_key(const av_vecdata *vd, uint32_t from, uint32_t to)
{
    return hnsw_key(vd, hnsw_vec(vd, from), hnsw_norm(vd, from), to);
}

int hnsw_select(const av_vecdata *vd, uint32_t base, hnsw_cand *cands, int n, int max)
{
    (void)base;
    int kept = 0;
    for (int i = 0; i < n && kept < max; i++) {
        hnsw_cand c = cands[i];
        int good = 1;
        for (int j = 0; j < kept && good; j++)
            if (node_key(vd, c.id, cands[j].id) < c.key) good = 0;
        if (good) cands[kept++] = c;
    }
    return kept;
}

/* Adds `node` to nb's list at lvl; a full list re-selects among its live links and node. */
static void link_back(hnsw *h, const av_vecdata *vd, uint32_t nb, uint32_t node, int lvl, hnsw_scratch *s)
{
    uint32_t *l = hnsw_list(h, nb, lvl);
    int cap = hnsw_list_cap(h, lvl);
    for (uint32_t i = 1; i <= l[0]; i++) if (l[i] == node) return;
    if ((int)l[0] < cap) {   /* the id first, then the count that shows it to a concurrent search */
        __atomic_store_n(&l[l[0] + 1], node, __ATOMIC_RELAXED);
        __atomic_store_n(&l[0], l[0] + 1, __ATOMIC_RELEASE);
        return;
    }
    hnsw_cand *c = hnsw_scratch_list(s, cap + 1);
    int n = 0;
    for (uint32_t i = 1; i <= l[0]; i++)
        if (!h->dead[l[i]] && h->level[l[i]] >= lvl) c[n++] = (hnsw_cand){ node_key(vd, nb, l[i]), l[i] };
    c[n++] = (hnsw_cand){ node_key(vd, nb, node), node };
    qsort(c, (size_t)n, sizeof *c, hnsw_cand_cmp);
    int m = hnsw_select(vd, nb, c, n, cap);
    hnsw_list_write(l, c, m);
}

void hnsw_list_write(uint32_t *l, const hnsw_cand *c, int m)
{
    /* A search reading the list meanwhile sees old and new ids mixed, every one a valid node of the
     * list's level: a path may be worse for that one search, never wrong. */
    for (int i = 0; i < m; i++) __atomic_store_n(&l[i + 1], c[i].id, __ATOMIC_RELAXED);
    __atomic_store_n(&l[0], (uint32_t)m, __ATOMIC_RELEASE);
}

/* The ef best of the last level search, closest first, without `self`, into the scratch list. */
static int drain_best(hnsw_scratch *s, uint32_t self)
{
    int n = 0;
    hnsw_cand *c = hnsw_scratch_list(s, s->best.n);
    while (s->best.n) {
        hnsw_cand b = hnsw_heap_pop(&s->best);
        if (b.id != self) c[n++] = b;
    }
    for (int i = 0; i < n / 2; i++) { hnsw_cand t = c[i]; c[i] = c[n - 1 - i]; c[n - 1 - i] = t; }
    return n;
}

void hnsw_set_pending(hnsw *h, uint32_t node, int to)
{
    uint32_t *count[4] = { NULL, &h->nwrite, &h->nlinked, &h->nbulk };
    int from = h->pending[node];
    if (from == to) return;
    if (from) { (*count[from])--; h->npending--; }
    if (to) { (*count[to])++; h->npending++; }
    __atomic_store_n(&h->pending[node], (uint8_t)to, __ATOMIC_RELAXED);   /* (linking: searches read it) */
}

void hnsw_prepare(hnsw *h, const av_vecdata *vd, uint32_t node, int pend)
{
    hnsw_reserve(h, vd->nslots);
    if (h->level[node] >= 0) {      /* a slot reused while its old node was a tombstone */
        if (h->dead[node]) h->ndead--;
        hnsw_set_pending(h, node, 0);
        h->nodes--;
    }
    hnsw_set_level(h, node, hnsw_random_level(h));
    h->dead[node] = 0;
    hnsw_set_pending(h, node, pend);
    h->nodes++;
    if (hnsw_quant_add(&h->qt, vd, node)) h->retrain = 1;
}

void hnsw_publish_linked(hnsw *h)
{
    for (uint32_t s = 0; h->nlinked && s < h->cap; s++)
        if (h->pending[s] == HNSW_PEND_LINKED) hnsw_set_pending(h, s, 0);
}

void hnsw_link(hnsw *h, const av_vecdata *vd, uint32_t node)
{
    int L = h->level[node];
    if (h->entry == HNSW_NONE) {
        hnsw_set_entry(h, node, L);
        hnsw_set_pending(h, node, HNSW_PEND_LINKED);
        return;
    }
    const float *q = hnsw_vec(vd, node);
    float qn = hnsw_norm(vd, node);
    hnsw_query hq = { vd, q, qn, NULL, NULL, 0 };   /* inserts score exactly: the graph's quality */
    hnsw_cand first = hnsw_descend(h, &hq, h->entry, h->maxlevel, L);
    hnsw_cand *eps = xmalloc(sizeof(hnsw_cand) * (size_t)(h->efc + 1));
    eps[0] = first;
    int neps = 1;
    for (int lvl = L < h->maxlevel ? L : h->maxlevel; lvl >= 0; lvl--) {
        hnsw_scratch *s = hnsw_scratch_get(h->cap);   /* a fresh visited set per level */
        hnsw_search_level(h, &hq, eps, neps, h->efc, lvl, NULL, NULL, s);
        int n = drain_best(s, node);
        if (!n) continue;
        memcpy(eps, s->list, sizeof(hnsw_cand) * (size_t)n);   /* all of them seed the next level */
        neps = n;
        int m = hnsw_select(vd, node, s->list, n, h->M);
        uint32_t keep[HNSW_M_MAX * 2];
        for (int i = 0; i < m; i++) keep[i] = s->list[i].id;
        hnsw_list_write(hnsw_list(h, node, lvl), s->list, m);   /* its own links, then the links to it */
        for (int i = 0; i < m; i++) link_back(h, vd, keep[i], node, lvl, s);
    }
    free(eps);
    if (L > h->maxlevel) hnsw_set_entry(h, node, L);
    hnsw_set_pending(h, node, HNSW_PEND_LINKED);
}

int hnsw_link_bulk(hnsw *h, const av_vecdata *vd, double seconds)
{
    double until = av_mono_s() + seconds;
    while (h->nbulk && h->bulk_at < h->cap) {
        uint32_t s = h->bulk_at++;
        if (h->pending[s] == HNSW_PEND_BULK) hnsw_link(h, vd, s);
        if (av_mono_s() >= until) break;
    }
    if (h->bulk_at >= h->cap) h->bulk_at = 0;   /* slots reused meanwhile: round again */
    return h->nbulk > 0;
}

void hnsw_insert(hnsw *h, const av_vecdata *vd, uint32_t node)
{
    hnsw_prepare(h, vd, node, HNSW_PEND_WRITE);
    hnsw_link(h, vd, node);
    hnsw_set_pending(h, node, 0);
    hnsw_quant_refresh(h, vd);
}
