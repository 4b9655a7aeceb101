/*
 * hnsw_repair.c — deletes in the HNSW graph (see hnsw.h). A removed node becomes a tombstone at once
 * (never returned, stepped over by searches); the entry point moves off it. hnsw_repair then rebuilds
 * every live node's list that names a tombstone from its live links and the tombstones' live links
 * (re-selected by the heuristic), and frees the tombstones: afterwards no list names a deleted node
 * and the deleted nodes' own lists are gone.
 * Locking: hnsw_tombstone and hnsw_free_tombstones change memory searches read (exclusive lock);
 * hnsw_repair_begin and hnsw_repair_step only rewrite flags and lists in place and run while searches
 * go on (hnsw.h).
 */
#include "core/vector/hnsw.h"
#include "lib/util.h"

#include <math.h>
#include <stdlib.h>

int hnsw_needs_repair(const hnsw *h)
{
    return h->ndead > 0 && (double)h->ndead >= HNSW_REPAIR_FRACTION * (double)h->nodes;
}

void hnsw_pick_entry(hnsw *h)
{
    uint32_t e = HNSW_NONE;
    int top = -1;
    for (uint32_t i = 0; i < h->cap; i++)
        if (h->level[i] > top && !h->dead[i]) { e = i; top = h->level[i]; }
    hnsw_set_entry(h, e, top);
}

void hnsw_tombstone(hnsw *h, uint32_t node)
{
    if (node >= h->cap || h->level[node] < 0 || h->dead[node]) return;
    h->dead[node] = HNSW_DEAD;
    h->ndead++;
    hnsw_set_pending(h, node, 0);     /* a tombstone is never linked */
    hnsw_quant_erase(&h->qt, node);   /* the code is a copy of the deleted vector */
    if (node == h->entry) hnsw_pick_entry(h);
}

/* Whether a list names a tombstone or a node that no longer reaches its level. */
static int names_dead(const hnsw *h, const uint32_t *l, int lvl)
{
    for (uint32_t i = 1; i <= l[0]; i++) if (h->dead[l[i]] || h->level[l[i]] < lvl) return 1;
    return 0;
}

/* Appends w to the candidate buffer. */
static void add_cand(hnsw_cand **buf, int *n, int *cap, hnsw_cand c)
{
    if (*n == *cap) { *cap = *cap ? *cap * 2 : 256; *buf = xrealloc(*buf, sizeof(hnsw_cand) * (size_t)*cap); }
    (*buf)[(*n)++] = c;
}

/* Rebuilds u's list at lvl without tombstones. Candidates: its live links and its tombstones' live
 * links; when those are fewer than the list holds (the tombstones' neighbourhood went with them, as
 * when a whole cluster is deleted), also what a search of the level from the entry point finds, as
 * for an insert, so that u is linked to the live graph again rather than to what is left nearby. */
static void reconnect(hnsw *h, const av_vecdata *vd, uint32_t u, int lvl, hnsw_cand **buf, int *cap)
{
    uint32_t *l = hnsw_list(h, u, lvl);
    const float *q = hnsw_vec(vd, u);
    float qn = hnsw_norm(vd, u);
    hnsw_scratch *s = hnsw_scratch_get(h->cap);
    hnsw_visit(s, u);
    int n = 0;
    for (uint32_t i = 1; i <= l[0]; i++) {
        uint32_t v = l[i];
        if (h->level[v] < lvl) continue;   /* a reused slot that sits lower now */
        const uint32_t *from = h->dead[v] ? hnsw_list(h, v, lvl) : NULL;
        uint32_t count = from ? from[0] : 1;
        for (uint32_t j = 1; j <= count; j++) {
            uint32_t w = from ? from[j] : v;
            if (h->dead[w] || h->level[w] < lvl || !hnsw_visit(s, w)) continue;
            add_cand(buf, &n, cap, (hnsw_cand){ hnsw_key(vd, q, qn, w), w });
        }
    }
    int want = hnsw_list_cap(h, lvl);
    if (n < want && h->entry != HNSW_NONE && h->entry != u) {
        hnsw_query hq = { vd, q, qn, NULL, NULL, 0 };
        hnsw_cand ep = hnsw_descend(h, &hq, h->entry, h->maxlevel, lvl);
        hnsw_scratch *t = hnsw_scratch_get(h->cap);   /* a new epoch: the marks above are gone */
        hnsw_search_level(h, &hq, &ep, 1, h->efc, lvl, NULL, NULL, t);
        for (int i = 0; i < n; i++) hnsw_visit(t, (*buf)[i].id);   /* found already */
        hnsw_visit(t, u);
        while (t->best.n) {
            hnsw_cand c = hnsw_heap_pop(&t->best);
            if (c.id != u && !h->dead[c.id]) add_cand(buf, &n, cap, c);
        }
        /* (duplicates of the first candidates are dropped by the sort and the selection below) */
    }
    if (n > 1) qsort(*buf, (size_t)n, sizeof **buf, hnsw_cand_cmp);
    int m = 0;
    for (int i = 0; i < n; i++)   /* drop duplicates: equal keys sort together */
        if (!m || (*buf)[i].id != (*buf)[m - 1].id) (*buf)[m++] = (*buf)[i];
    m = hnsw_select(vd, u, *buf, m, want);
    hnsw_list_write(l, *buf, m);   /* searches may be reading it (settle) */
}

void hnsw_repair_begin(hnsw *h)
{
    for (uint32_t u = 0; u < h->cap; u++)
        if (h->dead[u]) __atomic_store_n(&h->dead[u], HNSW_DEAD_REPAIRING, __ATOMIC_RELAXED);   /* searches read it */
    h->repairing = 1;
    h->repair_at = 0;
}

/* A tombstone deleted after the repair began keeps its lists for searches to step over: the nodes
 * the repair took on leave them, as those go when it ends. */
static void drop_repairing(hnsw *h, uint32_t *l)
{
    uint32_t m = 0, n = l[0];
    for (uint32_t i = 1; i <= n; i++)
        if (h->dead[l[i]] != HNSW_DEAD_REPAIRING) __atomic_store_n(&l[++m], l[i], __ATOMIC_RELAXED);
    if (m != n) __atomic_store_n(&l[0], m, __ATOMIC_RELEASE);
}

int hnsw_repair_step(hnsw *h, const av_vecdata *vd, double seconds)
{
    hnsw_cand *buf = NULL;
    int cap = 0;
    double until = av_mono_s() + seconds;
    while (h->repair_at < h->cap) {
        uint32_t u = h->repair_at++;
        if (h->level[u] >= 0 && !h->dead[u]) {
            for (int lvl = 0; lvl <= h->level[u]; lvl++)
                if (names_dead(h, hnsw_list(h, u, lvl), lvl)) reconnect(h, vd, u, lvl, &buf, &cap);
        } else if (h->level[u] >= 0 && h->dead[u] == HNSW_DEAD) {
            for (int lvl = 0; lvl <= h->level[u]; lvl++) drop_repairing(h, hnsw_list(h, u, lvl));
        }
        if (av_mono_s() >= until) break;   /* a node costs far more than the clock */
    }
    free(buf);
    if (h->repair_at < h->cap) return 1;
    h->repaired = 1;
    return 0;
}

void hnsw_free_tombstones(hnsw *h)
{
    for (uint32_t u = 0; u < h->cap; u++) {
        if (h->dead[u] != HNSW_DEAD_REPAIRING) continue;
        hnsw_set_level(h, u, 0);
        h->level[u] = -1;
        h->dead[u] = 0;
        h->nodes--;
        h->ndead--;
    }
    h->repairing = h->repaired = 0;
    if (h->entry == HNSW_NONE) hnsw_pick_entry(h);
}

void hnsw_repair(hnsw *h, const av_vecdata *vd)
{
    if (!h->ndead) return;
    hnsw_repair_begin(h);
    hnsw_repair_step(h, vd, INFINITY);
    hnsw_free_tombstones(h);
}
