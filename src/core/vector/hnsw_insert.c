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

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Linkers that run at once (a build's workers) each write their own node's lists and add
 * themselves to their neighbours' lists: a striped spin lock guards each list being written (a leaf
 * lock, held for one list), and one mutex the entry point. Searches take none: they read lists as
 * hnsw_list_write leaves them, whatever the writers. */
#define LIST_STRIPES 4096
static pthread_spinlock_t stripes[LIST_STRIPES];
static pthread_mutex_t entry_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t stripes_once = PTHREAD_ONCE_INIT;

static void stripes_init(void)
{
    for (int i = 0; i < LIST_STRIPES; i++) pthread_spin_init(&stripes[i], PTHREAD_PROCESS_PRIVATE);
}

static pthread_spinlock_t *list_lock(uint32_t node) { return &stripes[node % LIST_STRIPES]; }


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

/* Adds `node` to nb's list at lvl; a full list re-selects among its live links and node. Caller
 * holds nb's list lock. */
static void link_back_locked(hnsw *h, const av_vecdata *vd, uint32_t nb, uint32_t node, int lvl, hnsw_scratch *s)
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

static void link_back(hnsw *h, const av_vecdata *vd, uint32_t nb, uint32_t node, int lvl, hnsw_scratch *s)
{
    pthread_spin_lock(list_lock(nb));
    link_back_locked(h, vd, nb, node, lvl, s);
    pthread_spin_unlock(list_lock(nb));
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

/* Links node into the graph (its lists and its neighbours'), leaving its pending state alone. Safe
 * against other linkers at once (the list locks, the entry mutex). */
static void link_node(hnsw *h, const av_vecdata *vd, uint32_t node)
{
    pthread_once(&stripes_once, stripes_init);
    int L = h->level[node];
    uint32_t entry;
    int maxlevel;
    hnsw_top(h, &entry, &maxlevel);
    if (entry == HNSW_NONE) {
        pthread_mutex_lock(&entry_mu);
        hnsw_top(h, &entry, &maxlevel);
        if (entry == HNSW_NONE) hnsw_set_entry(h, node, L);
        pthread_mutex_unlock(&entry_mu);
        if (entry == HNSW_NONE) return;
    }
    const float *q = hnsw_vec(vd, node);
    float qn = hnsw_norm(vd, node);
    hnsw_query hq = { vd, q, qn, NULL, NULL, 0 };   /* inserts score exactly: the graph's quality */
    hnsw_cand first = hnsw_descend(h, &hq, entry, maxlevel, L);
    hnsw_cand *eps = xmalloc(sizeof(hnsw_cand) * (size_t)(h->efc + 1));
    eps[0] = first;
    int neps = 1;
    for (int lvl = L < maxlevel ? L : maxlevel; lvl >= 0; lvl--) {
        hnsw_scratch *s = hnsw_scratch_get(h->cap);   /* a fresh visited set per level */
        hnsw_search_level(h, &hq, eps, neps, h->efc, lvl, NULL, NULL, s);
        int n = drain_best(s, node);
        if (!n) continue;
        memcpy(eps, s->list, sizeof(hnsw_cand) * (size_t)n);   /* all of them seed the next level */
        neps = n;
        int m = hnsw_select(vd, node, s->list, n, h->M);
        uint32_t keep[HNSW_M_MAX * 2];
        for (int i = 0; i < m; i++) keep[i] = s->list[i].id;
        pthread_spin_lock(list_lock(node));   /* its own links, then the links to it */
        hnsw_list_write(hnsw_list(h, node, lvl), s->list, m);
        pthread_spin_unlock(list_lock(node));
        for (int i = 0; i < m; i++) link_back(h, vd, keep[i], node, lvl, s);
    }
    free(eps);
    if (L > maxlevel) {
        pthread_mutex_lock(&entry_mu);
        if (L > h->maxlevel) hnsw_set_entry(h, node, L);
        pthread_mutex_unlock(&entry_mu);
    }
}

void hnsw_link(hnsw *h, const av_vecdata *vd, uint32_t node)
{
    link_node(h, vd, node);
    hnsw_set_pending(h, node, HNSW_PEND_LINKED);
}

/* A step of a build's linking shared by the cores: each worker takes the next slot of `slots` and
 * links it until the step's time is up; slots[0, done) are linked. */
typedef struct bulk_step {
    hnsw *h;
    const av_vecdata *vd;
    const uint32_t *slots;
    uint32_t n;
    double until;
    atomic_uint next;
} bulk_step;

static void *bulk_worker(void *arg)
{
    bulk_step *b = arg;
    while (av_mono_s() < b->until) {   /* the clock first: a slot taken is always linked */
        uint32_t i = atomic_fetch_add(&b->next, 1);
        if (i >= b->n) break;
        link_node(b->h, b->vd, b->slots[i]);
    }
    return NULL;
}

static int cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > HNSW_BUILD_THREADS_MAX ? HNSW_BUILD_THREADS_MAX : (int)n;
}

int hnsw_link_bulk(hnsw *h, const av_vecdata *vd, double seconds)
{
    uint32_t want = 256u * (uint32_t)cores(), n = 0;
    uint32_t *slots = xmalloc(sizeof(uint32_t) * want);
    for (uint32_t scanned = 0; scanned < h->cap && n < want && n < h->nbulk; scanned++) {
        uint32_t s = h->bulk_at++;
        if (h->bulk_at >= h->cap) h->bulk_at = 0;   /* slots reused meanwhile: round again */
        if (h->pending[s] == HNSW_PEND_BULK) slots[n++] = s;
    }
    uint32_t first = 0;
    if (n && h->entry == HNSW_NONE) link_node(h, vd, slots[first++]);   /* the entry point, alone */
    bulk_step b = { h, vd, slots + first, n - first, av_mono_s() + seconds, 0 };
    pthread_t th[HNSW_BUILD_THREADS_MAX];
    int started = 0, threads = h->nodes - h->ndead - h->npending < HNSW_BUILD_SERIAL_FIRST ? 1 : cores();
    for (int i = 1; i < threads && b.n > 1; i++)
        if (pthread_create(&th[started], NULL, bulk_worker, &b) == 0) started++;
    bulk_worker(&b);
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
    uint32_t done = first + (atomic_load(&b.next) < b.n ? atomic_load(&b.next) : b.n);
    for (uint32_t i = 0; i < done; i++) hnsw_set_pending(h, slots[i], HNSW_PEND_LINKED);
    if (done < n) h->bulk_at = slots[done];   /* the next step goes on from the first one left */
    free(slots);
    return h->nbulk > 0;
}

void hnsw_insert(hnsw *h, const av_vecdata *vd, uint32_t node)
{
    hnsw_prepare(h, vd, node, HNSW_PEND_WRITE);
    hnsw_link(h, vd, node);
    hnsw_set_pending(h, node, 0);
    hnsw_quant_refresh(h, vd);
}
