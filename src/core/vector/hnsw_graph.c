/*
 * hnsw_graph.c — the HNSW graph's storage (see hnsw.h): per-slot arrays grown with the collection,
 * neighbour lists, random levels, the distance from a query to a node, and the per-thread scratch
 * that searches and inserts share (visited tags with an epoch, so a search clears nothing; heaps).
 * Locking: the graph is guarded by the collection's locks (hnsw.h); the scratch is thread-local
 * (a pthread key whose destructor frees it when the thread ends).
 */
#include "core/vector/hnsw.h"
#include "core/vector/distance.h"
#include "lib/util.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

hnsw *hnsw_new(int M, int efc)
{
    hnsw *h = xcalloc(1, sizeof *h);
    h->M = M;
    h->M0 = 2 * M;
    h->efc = efc;
    h->level_mult = 1.0 / log((double)M);
    h->rng = 0x9E3779B97F4A7C15ull;
    hnsw_set_entry(h, HNSW_NONE, -1);
    return h;
}

void hnsw_clear(hnsw *h)
{
    for (uint32_t i = 0; i < h->cap; i++) {
        free(h->upper[i]);
        h->upper[i] = NULL;
        h->level[i] = -1;
        h->dead[i] = 0;
        h->pending[i] = 0;
        h->links0[(size_t)i * (size_t)(h->M0 + 1)] = 0;
    }
    hnsw_set_entry(h, HNSW_NONE, -1);
    h->nodes = h->ndead = h->npending = h->nwrite = h->nbulk = h->nlinked = h->bulk_at = 0;
    h->retrain = h->repaired = 0;
    hnsw_quant_free(&h->qt);
}

void hnsw_free(hnsw *h)
{
    if (!h) return;
    for (uint32_t i = 0; i < h->cap; i++) free(h->upper[i]);
    free(h->upper); free(h->level); free(h->dead); free(h->pending); free(h->links0);
    hnsw_quant_free(&h->qt);
    free(h);
}

void hnsw_reserve(hnsw *h, uint32_t nslots)
{
    if (nslots <= h->cap) return;
    uint32_t cap = h->cap ? h->cap : 1024;
    while (cap < nslots) cap = cap > UINT32_MAX / 2 ? nslots : cap * 2;
    size_t per = (size_t)(h->M0 + 1);
    h->level = xrealloc(h->level, cap);
    h->dead = xrealloc(h->dead, cap);
    h->pending = xrealloc(h->pending, cap);
    h->links0 = xrealloc(h->links0, sizeof(uint32_t) * per * cap);
    h->upper = xrealloc(h->upper, sizeof(uint32_t *) * cap);
    for (uint32_t i = h->cap; i < cap; i++) {
        h->level[i] = -1;
        h->dead[i] = 0;
        h->pending[i] = 0;
        h->links0[(size_t)i * per] = 0;
        h->upper[i] = NULL;
    }
    h->cap = cap;
    hnsw_quant_reserve(&h->qt, cap);
}

void hnsw_set_entry(hnsw *h, uint32_t entry, int maxlevel)
{
    h->entry = entry;
    h->maxlevel = maxlevel;
    __atomic_store_n(&h->top, (uint64_t)entry | (uint64_t)(uint32_t)maxlevel << 32, __ATOMIC_RELEASE);
}

int hnsw_list_cap(const hnsw *h, int lvl) { return lvl == 0 ? h->M0 : h->M; }

uint32_t *hnsw_list(const hnsw *h, uint32_t node, int lvl)
{
    if (lvl == 0) return h->links0 + (size_t)node * (size_t)(h->M0 + 1);
    return h->upper[node] + (size_t)(lvl - 1) * (size_t)(h->M + 1);
}

int hnsw_random_level(hnsw *h)
{
    uint64_t x = h->rng;
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    h->rng = x;
    double u = ((double)(x >> 11) + 0.5) / 9007199254740992.0;   /* (0, 1) */
    int lvl = (int)(-log(u) * h->level_mult);
    return lvl > HNSW_MAX_LEVEL ? HNSW_MAX_LEVEL : lvl;
}

void hnsw_set_level(hnsw *h, uint32_t node, int lvl)
{
    free(h->upper[node]);
    h->upper[node] = NULL;
    if (lvl > 0) h->upper[node] = xcalloc((size_t)lvl * (size_t)(h->M + 1), sizeof(uint32_t));
    h->level[node] = (int8_t)lvl;
    h->links0[(size_t)node * (size_t)(h->M0 + 1)] = 0;
}

float hnsw_qnorm(const av_vecdata *vd, const float *q)
{
    return vd->metric == AV_METRIC_COSINE ? av_norm(q, (size_t)vd->dim) : 0.0f;
}

float hnsw_key(const av_vecdata *vd, const float *q, float qnorm, uint32_t node)
{
    return av_score_key(vd->metric, av_vec_score(vd, q, qnorm, node));
}

int hnsw_cand_cmp(const void *a, const void *b)
{
    float x = ((const hnsw_cand *)a)->key, y = ((const hnsw_cand *)b)->key;
    return x < y ? -1 : x > y;
}

/* ---- per-thread scratch ----------------------------------------------------------------------- */
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *p)
{
    hnsw_scratch *s = p;
    free(s->tag); free(s->cand.a); free(s->best.a); free(s->list); free(s->qq);
    free(s);
}

static void scratch_key_make(void) { pthread_key_create(&scratch_key, scratch_free); }

hnsw_scratch *hnsw_scratch_get(uint32_t nslots)
{
    pthread_once(&scratch_once, scratch_key_make);
    hnsw_scratch *s = pthread_getspecific(scratch_key);
    if (!s) {
        s = xcalloc(1, sizeof *s);
        pthread_setspecific(scratch_key, s);
    }
    if (s->ntag < nslots) {
        free(s->tag);
        s->tag = xcalloc(nslots, sizeof(uint32_t));
        s->ntag = nslots;
        s->epoch = 0;
    }
    if (++s->epoch == 0) {   /* wrapped: old tags could collide with the new epoch */
        memset(s->tag, 0, sizeof(uint32_t) * s->ntag);
        s->epoch = 1;
    }
    return s;
}

hnsw_cand *hnsw_scratch_list(hnsw_scratch *s, int n)
{
    if (n > s->caplist) {
        s->caplist = n;
        s->list = xrealloc(s->list, sizeof(hnsw_cand) * (size_t)n);
    }
    return s->list;
}

int hnsw_visit(hnsw_scratch *s, uint32_t id)
{
    if (s->tag[id] == s->epoch) return 0;
    s->tag[id] = s->epoch;
    return 1;
}

/* ---- heaps: max = 1 keeps the largest key on top ------------------------------------------------ */
void hnsw_heap_init(hnsw_heap *hp, int max) { hp->n = 0; hp->max = max; }

static int above(const hnsw_heap *hp, hnsw_cand a, hnsw_cand b) { return hp->max ? a.key > b.key : a.key < b.key; }

void hnsw_heap_push(hnsw_heap *hp, hnsw_cand c)
{
    if (hp->n == hp->cap) {
        hp->cap = hp->cap ? hp->cap * 2 : 256;
        hp->a = xrealloc(hp->a, sizeof(hnsw_cand) * (size_t)hp->cap);
    }
    int i = hp->n++;
    while (i > 0) {
        int p = (i - 1) / 2;
        if (!above(hp, c, hp->a[p])) break;
        hp->a[i] = hp->a[p];
        i = p;
    }
    hp->a[i] = c;
}

hnsw_cand hnsw_heap_pop(hnsw_heap *hp)
{
    hnsw_cand top = hp->a[0], last = hp->a[--hp->n];
    int i = 0;
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = l;
        if (l >= hp->n) break;
        if (r < hp->n && above(hp, hp->a[r], hp->a[l])) m = r;
        if (!above(hp, hp->a[m], last)) break;
        hp->a[i] = hp->a[m];
        i = m;
    }
    if (hp->n) hp->a[i] = last;
    return top;
}
