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

static const float *vec_of(const av_vecdata *vd, uint32_t id) { return vd->vecs + (size_t)id * (size_t)vd->dim; }
static float norm_of(const av_vecdata *vd, uint32_t id) { return vd->metric == AV_METRIC_COSINE ? vd->norms[id] : 0.0f; }

/* The key between two nodes, as seen from `from`. */
static float node_key(const av_vecdata *vd, uint32_t from, uint32_t to)
{
    return hnsw_key(vd, vec_of(vd, from), norm_of(vd, from), to);
}

static int by_key(const void *a, const void *b)
{
    float x = ((const hnsw_cand *)a)->key, y = ((const hnsw_cand *)b)->key;
    return x < y ? -1 : x > y;
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

/* Makes sure the scratch list holds n candidates. */
static hnsw_cand *scratch_list(hnsw_scratch *s, int n)
{
    if (n > s->caplist) {
        s->caplist = n;
        s->list = xrealloc(s->list, sizeof(hnsw_cand) * (size_t)n);
    }
    return s->list;
}

/* Adds `node` to nb's list at lvl; a full list re-selects among its live links and node. */
static void link_back(hnsw *h, const av_vecdata *vd, uint32_t nb, uint32_t node, int lvl, hnsw_scratch *s)
{
    uint32_t *l = hnsw_list(h, nb, lvl);
    int cap = hnsw_list_cap(h, lvl);
    for (uint32_t i = 1; i <= l[0]; i++) if (l[i] == node) return;
    if ((int)l[0] < cap) { l[++l[0]] = node; return; }
    hnsw_cand *c = scratch_list(s, cap + 1);
    int n = 0;
    for (uint32_t i = 1; i <= l[0]; i++)
        if (!h->dead[l[i]] && h->level[l[i]] >= lvl) c[n++] = (hnsw_cand){ node_key(vd, nb, l[i]), l[i] };
    c[n++] = (hnsw_cand){ node_key(vd, nb, node), node };
    qsort(c, (size_t)n, sizeof *c, by_key);
    int m = hnsw_select(vd, nb, c, n, cap);
    l[0] = (uint32_t)m;
    for (int i = 0; i < m; i++) l[i + 1] = c[i].id;
}

/* The ef best of the last level search, closest first, without `self`, into the scratch list. */
static int drain_best(hnsw_scratch *s, uint32_t self)
{
    int n = 0;
    hnsw_cand *c = scratch_list(s, s->best.n);
    while (s->best.n) {
        hnsw_cand b = hnsw_heap_pop(&s->best);
        if (b.id != self) c[n++] = b;
    }
    for (int i = 0; i < n / 2; i++) { hnsw_cand t = c[i]; c[i] = c[n - 1 - i]; c[n - 1 - i] = t; }
    return n;
}

void hnsw_insert(hnsw *h, const av_vecdata *vd, uint32_t node)
{
    hnsw_reserve(h, vd->nslots);
    if (h->level[node] >= 0) {      /* a slot reused while its old node was a tombstone */
        if (h->dead[node]) h->ndead--;
        h->nodes--;
    }
    int L = hnsw_random_level(h);
    hnsw_set_level(h, node, L);
    h->dead[node] = 0;
    h->nodes++;
    if (h->entry == HNSW_NONE) { h->entry = node; h->maxlevel = L; return; }

    const float *q = vec_of(vd, node);
    float qn = norm_of(vd, node);
    hnsw_query hq = { vd, q, qn, NULL, NULL, 0 };   /* inserts score exactly: the graph's quality */
    hnsw_cand first = hnsw_descend(h, &hq, L);
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
        uint32_t *l = hnsw_list(h, node, lvl);
        l[0] = (uint32_t)m;
        uint32_t keep[HNSW_M_MAX * 2];
        for (int i = 0; i < m; i++) l[i + 1] = keep[i] = s->list[i].id;
        for (int i = 0; i < m; i++) link_back(h, vd, keep[i], node, lvl, s);
    }
    free(eps);
    if (L > h->maxlevel) { h->maxlevel = L; h->entry = node; }
    if (hnsw_quant_add(&h->qt, vd, node) ||
        (!h->qt.trained && vd->dim >= HNSW_QUANT_MIN_DIM && h->nodes - h->ndead >= HNSW_QUANT_FROM))
        hnsw_quant_train(&h->qt, h, vd);
}
