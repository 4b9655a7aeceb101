/*
 * hnsw.h — the HNSW graph index (hierarchical navigable small world, Malkov & Yashunin 2016): every
 * tunable with its bounds, the snapshot's magic and version, the graph's layout, and the functions
 * the phases share. The phases live in one file each:
 *   hnsw_graph.c   allocation, neighbour lists, levels, visited sets, heaps, distance to a node
 *   hnsw_insert.c  adding a node: greedy descent, candidate search, neighbour selection, back-links
 *   hnsw_search.c  top-k search with filter and fallback to an exact scan
 *   hnsw_repair.c  deletes: tombstones, reconnecting the neighbours of deleted nodes, freeing them
 *   hnsw_quant.c   4-bit codes of the vectors that searches walk the graph with (then re-rank exactly)
 *   vecindex_hnsw.c the av_vecindex_ops glue (vecindex.h): hooks, parameters, remap, snapshots
 *
 * Nodes are the collection's slots (vecindex.h: keys are slots). The graph holds no copy of the
 * vectors: inserts and repairs read them from the collection's av_vecdata. Searches walk the graph
 * with 4-bit codes of them (1/8 of the bytes; hnsw_quant.c) and re-rank the ef best they found with
 * the exact vectors. Memory per vector: the level-0 list (1 + 2M uint32), the code (dim/2 bytes),
 * and for the ~1/M of nodes above level 0 their upper lists — under 20% of the vector at dim 784.
 *
 * Deletes: `remove` turns a node into a tombstone (its vector is scrubbed by the collection right
 * after, so its distance is never computed again). A search passes through a tombstone to its
 * neighbours but never returns it, so a deleted row is invisible the moment its delete returns. When
 * tombstones pass HNSW_REPAIR_FRACTION of the nodes, a repair on a background thread (the
 * collection's maintenance job) reconnects every live node that links to one (candidates: its live
 * neighbours and the tombstone's), in steps that each hold the writer mutex a few milliseconds, then
 * frees the tombstones' lists: no deleted node or edge is left in memory, and none is ever written
 * to a snapshot.
 *
 * Locking: none of its own. Hooks run under the collection's locks as vecindex.h states. The costly
 * part of a write runs while searches go on: `add` (exclusive) only makes the node — level, empty
 * lists, code — and marks it pending; `settle` (the writer mutex only, searches running) links the
 * pending nodes and reconnects around tombstones; `publish` (exclusive, short) makes the pending
 * nodes results and frees repaired tombstones. Memory a search may be reading (node arrays, upper
 * lists, codes) is allocated, moved and freed only in the exclusive hooks; settle only rewrites
 * neighbour lists in place, ids first and the count last with release stores (searches load the
 * count with acquire), so a search sees old or new ids, each a valid node of that level, and
 * the entry point and top level change together in one 64-bit store (`top`). The graph walk passes
 * through a pending node but never returns it; the search scores the pending nodes exactly and
 * merges them in (vecindex_hnsw.c), so it answers the whole batch as every other read sees it. Searches keep their
 * scratch (visited tags, heaps) per thread.
 */
#ifndef AV_HNSW_H
#define AV_HNSW_H

#include "core/vector/vecindex.h"

#include <stdint.h>

/* ---- tunables --------------------------------------------------------------------------------- */
#define HNSW_M_DEFAULT        16      /* links per node above level 0; level 0 has 2M */
#define HNSW_M_MIN            4
#define HNSW_M_MAX            64
#define HNSW_EFC_DEFAULT      200     /* candidate list size while inserting (efConstruction) */
#define HNSW_EFC_MIN          8
#define HNSW_EFC_MAX          4096
#define HNSW_EF_DEFAULT       96      /* candidate list size while searching, when a request names none */
#define HNSW_EF_MIN           1       /* (the search uses max(ef, k) */
#define HNSW_EF_MAX           32768
#define HNSW_EF_UPPER         8       /* candidate list at level 1, whose finds seed level 0 */
#define HNSW_MAX_LEVEL        15      /* levels above 0 a node can get (enough for 10^17 nodes at M 16) */
#define HNSW_EXACT_BELOW      1024    /* fewer live rows than this: search exactly (a scan is as fast) */
#define HNSW_REPAIR_FRACTION  0.20    /* repair once this share of the nodes are tombstones */
#define HNSW_REPAIR_STEP_S    0.005   /* a background repair step holds the writer mutex this long */
#define HNSW_BUILD_THREADS_MAX 64     /* a build's linking uses every core, up to this many, ... */
#define HNSW_BUILD_SERIAL_FIRST 4096  /* ... once this many nodes are in (concurrent inserts into a small
                                         graph miss each other) */
#define HNSW_FILTER_SAMPLE    256     /* slots sampled to estimate a filter's selectivity */
#define HNSW_FILTER_EXACT_BELOW 0.02  /* estimated selectivity below which a filtered search scans */

#define HNSW_QUANT_FROM       HNSW_EXACT_BELOW   /* codes are trained once the graph has this many nodes */
#define HNSW_RERANK_PER_K     8       /* a coded search re-ranks the 8k (at least 64) best by code ... */
#define HNSW_RERANK_MIN       64      /* ... with the exact vectors */
/* Codes walk L2 searches only: on clustered data the 4-bit error is too large next to the angles
 * between near neighbours, and IP/COSINE recall fell to ~0.8 in the tests; they walk exactly. */
#define HNSW_QUANT_MIN_DIM    64      /* below this a vector is a cache line or two: scored exactly */

#define HNSW_SNAPSHOT_MAGIC   "AVHNSW\r\n"   /* 8 bytes */
#define HNSW_SNAPSHOT_VERSION 1u

#define HNSW_NONE UINT32_MAX
#define HNSW_DEAD 1
#define HNSW_DEAD_REPAIRING 2
/* Pending nodes: walked through, never returned by the graph search; scored exactly instead. */
#define HNSW_PEND_WRITE  1    /* added by a write: its settle links it */
#define HNSW_PEND_LINKED 2    /* linked: publish (exclusive) makes it a result */
#define HNSW_PEND_BULK   3    /* added by a build: the maintenance job links it, a step at a time */

/* ---- the graph -------------------------------------------------------------------------------- */
typedef struct hnsw_quant {
    int fitted;                 /* lo/step/w are set */
    int trained;                /* ... and codes are current for every live node */
    int dim, pad, bytes;        /* pad: dim rounded up to 32; bytes per code = pad / 2 */
    float *lo, *step, *w;       /* per padded dimension: range start, step, step^2 (0 for padding) */
    uint8_t *codes;             /* cap * bytes */
    uint32_t cap;
    uint32_t encoded, outside;  /* vectors encoded since training, and how many fell outside the range */
} hnsw_quant;

typedef struct hnsw hnsw;
struct hnsw {
    int M, M0, efc;             /* M0 = 2M: the level-0 list's capacity */
    double level_mult;          /* 1 / ln(M): the level distribution */
    uint64_t rng;               /* xorshift state for levels (deterministic per index) */
    av_metric metric;           /* the metric the graph is built for (a search in another scans) */

    uint32_t cap;               /* slots the arrays below cover */
    int8_t *level;              /* per slot: the node's top level, -1 when the slot is no node */
    uint8_t *dead;              /* per slot: a tombstone (removed, not yet repaired): HNSW_DEAD, or
                                   HNSW_DEAD_REPAIRING once the running repair has taken it on */
    uint32_t *links0;           /* per slot: [count, M0 ids] at level 0 */
    uint32_t **upper;           /* per slot: level * [count, M ids] for levels 1..level, or NULL */

    uint32_t entry;             /* the entry point (a live node at maxlevel), HNSW_NONE when empty */
    int maxlevel;
    uint64_t top;               /* entry | maxlevel << 32, the pair searches read (atomically) */
    uint32_t nodes, ndead;      /* nodes in the graph, tombstones among them */
    uint8_t *pending;           /* per slot: a node not yet a result (HNSW_PEND_*), else 0 */
    uint32_t npending;          /* nodes pending in any state; of them: */
    uint32_t nwrite, nbulk, nlinked;   /* HNSW_PEND_WRITE, _BULK and _LINKED */
    uint32_t bulk_at;           /* where the maintenance job goes on linking bulk nodes */
    int retrain;                /* the codes drifted: train them at the next publish */
    int repairing;              /* a repair is under way: lists below repair_at are done */
    uint32_t repair_at;
    int repaired;               /* the repair has reconnected every list: publish frees its tombstones */
    hnsw_quant qt;              /* the codes searches walk with */
};

/* A scored candidate: key is the metric's "smaller is better" value (vecindex.h). */
typedef struct hnsw_cand { float key; uint32_t id; } hnsw_cand;

/* A binary heap of candidates: min-heap (closest on top) or max-heap (farthest on top). */
typedef struct hnsw_heap { hnsw_cand *a; int n, cap, max; } hnsw_heap;

/* Per-thread scratch for a search or an insert: visited tags and two heaps, grown as needed. */
typedef struct hnsw_scratch {
    uint32_t *tag; uint32_t ntag, epoch;
    hnsw_heap cand, best;
    hnsw_cand *list; int nlist, caplist;
    float *qq; int nqq;         /* the query's form for the codes */
} hnsw_scratch;

/* What a walk scores nodes against: the query, and its form for the codes when qt is set. */
typedef struct hnsw_query {
    const av_vecdata *vd;
    const float *q;
    float qn;                   /* |q| for COSINE */
    const hnsw_quant *qt;       /* NULL: exact scores */
    const float *qq;            /* hnsw_quant_query's form of q (pad floats) */
    float qconst;
} hnsw_query;

/* hnsw_quant.c */
void hnsw_quant_free(hnsw_quant *qt);
void hnsw_quant_reserve(hnsw_quant *qt, uint32_t cap);
void hnsw_quant_fit(hnsw_quant *qt, const av_vecdata *vd);                          /* ranges from the live vectors */
void hnsw_quant_set(hnsw_quant *qt, int dim, float *lo, float *step);               /* ranges given (takes lo, step) */
void hnsw_quant_encode_all(hnsw_quant *qt, const struct hnsw *h, const av_vecdata *vd);
void hnsw_quant_train(hnsw_quant *qt, const struct hnsw *h, const av_vecdata *vd);   /* fit, then encode all */
/* Trains the codes when the graph is worth them (HNSW_QUANT_MIN_DIM, HNSW_QUANT_FROM) and they are
 * missing or h->retrain asks; clears h->retrain. */
void hnsw_quant_refresh(struct hnsw *h, const av_vecdata *vd);
int hnsw_quant_add(hnsw_quant *qt, const av_vecdata *vd, uint32_t node);   /* 1: time to train again */
void hnsw_quant_erase(hnsw_quant *qt, uint32_t node);
void hnsw_quant_query(const hnsw_quant *qt, av_metric m, const float *q, float *qq, float *qconst);
float hnsw_quant_key(const hnsw_query *hq, uint32_t node);
float hnsw_quant_key_portable(const hnsw_query *hq, uint32_t node);       /* for tests */
const void *hnsw_quant_code(const hnsw_quant *qt, uint32_t node);

/* hnsw_graph.c */
hnsw *hnsw_new(int M, int efc);
void hnsw_free(hnsw *h);
void hnsw_reserve(hnsw *h, uint32_t nslots);
void hnsw_clear(hnsw *h);
uint32_t *hnsw_list(const hnsw *h, uint32_t node, int lvl);   /* [count, ids...] */
int hnsw_list_cap(const hnsw *h, int lvl);
int hnsw_random_level(hnsw *h);
void hnsw_set_level(hnsw *h, uint32_t node, int lvl);         /* allocates its upper lists, empty */
float hnsw_key(const av_vecdata *vd, const float *q, float qnorm, uint32_t node);   /* smaller is better */
int hnsw_cand_cmp(const void *a, const void *b);                                    /* qsort by key */
hnsw_cand *hnsw_scratch_list(hnsw_scratch *s, int n);                               /* s->list, room for n */
static inline const float *hnsw_vec(const av_vecdata *vd, uint32_t id) { return vd->vecs + (size_t)id * (size_t)vd->dim; }
static inline float hnsw_norm(const av_vecdata *vd, uint32_t id) { return vd->metric == AV_METRIC_COSINE ? vd->norms[id] : 0.0f; }
static inline float hnsw_qkey(const hnsw_query *hq, uint32_t node)
{
    return hq->qt ? hnsw_quant_key(hq, node) : hnsw_key(hq->vd, hq->q, hq->qn, node);
}
float hnsw_qnorm(const av_vecdata *vd, const float *q);
hnsw_scratch *hnsw_scratch_get(uint32_t nslots);               /* this thread's, epoch advanced */
int hnsw_visit(hnsw_scratch *s, uint32_t id);                  /* 1 when id was not visited yet */
void hnsw_heap_init(hnsw_heap *hp, int max);
void hnsw_heap_push(hnsw_heap *hp, hnsw_cand c);
hnsw_cand hnsw_heap_pop(hnsw_heap *hp);
static inline hnsw_cand hnsw_heap_top(const hnsw_heap *hp) { return hp->a[0]; }

void hnsw_set_entry(hnsw *h, uint32_t entry, int maxlevel);   /* writers: entry, maxlevel and top */
static inline void hnsw_top(const hnsw *h, uint32_t *entry, int *maxlevel)
{
    uint64_t t = __atomic_load_n(&h->top, __ATOMIC_ACQUIRE);
    *entry = (uint32_t)t;
    *maxlevel = (int)(int32_t)(uint32_t)(t >> 32);
}
/* A list's count, loaded so that the ids it covers are seen (settle may be writing it). */
static inline uint32_t hnsw_count(const uint32_t *l) { return __atomic_load_n(l, __ATOMIC_ACQUIRE); }
static inline uint32_t hnsw_at(const uint32_t *l, uint32_t i) { return __atomic_load_n(&l[i], __ATOMIC_RELAXED); }

/* hnsw_search.c */
/* Greedy descent from `entry` (at maxlevel) down to level `to` (exclusive of levels below it): the
 * closest node found at level `to`. */
hnsw_cand hnsw_descend(const hnsw *h, const hnsw_query *hq, uint32_t entry, int maxlevel, int to);
/* Best-first search of one level from the entry points eps[0..neps), keeping `ef` results in s->best (a max-heap). Tombstones
 * are passed through, never kept; with accept, only accepted nodes are kept. */
void hnsw_search_level(const hnsw *h, const hnsw_query *hq, const hnsw_cand *eps, int neps,
                       int ef, int lvl, av_accept_fn accept, void *actx, hnsw_scratch *s);
/* The filter of a search while nodes are pending: published nodes the request's own filter accepts. */
typedef struct hnsw_accept { const hnsw *h; av_accept_fn inner; void *inner_ctx; } hnsw_accept;
int hnsw_accept_published(void *ctx, uint32_t slot);
int hnsw_search(const hnsw *h, const av_vecdata *vd, const float *q, const av_index_query *iq, int ef, av_scored *out);

/* hnsw_insert.c */
/* Exclusive: makes the node (level, empty lists, code), pending in state `pend` (HNSW_PEND_WRITE or
 * _BULK). hnsw_link links it (writer only) and marks it HNSW_PEND_LINKED; hnsw_publish_linked
 * (exclusive) makes the linked ones results. */
void hnsw_prepare(hnsw *h, const av_vecdata *vd, uint32_t node, int pend);
void hnsw_publish_linked(hnsw *h);
void hnsw_set_pending(hnsw *h, uint32_t node, int to);   /* exclusive; 0: not pending; keeps the counts */
void hnsw_link(hnsw *h, const av_vecdata *vd, uint32_t node);      /* writer only: link it */
/* Writer only: links the bulk-pending nodes for about `seconds`; 1 while some are left. */
int  hnsw_link_bulk(hnsw *h, const av_vecdata *vd, double seconds);
void hnsw_insert(hnsw *h, const av_vecdata *vd, uint32_t node);    /* both, published (build, tests) */
void hnsw_list_write(uint32_t *l, const hnsw_cand *c, int m);      /* ids, then the count */
/* Keeps at most `max` of cands[0..n) (sorted by key from `base`, closest first) by the HNSW
 * heuristic; returns how many, kept at the front. */
int hnsw_select(const av_vecdata *vd, uint32_t base, hnsw_cand *cands, int n, int max);

/* hnsw_repair.c */
void hnsw_tombstone(hnsw *h, uint32_t node);
void hnsw_pick_entry(hnsw *h);   /* a live node of the top level, or none when no live node is left */
/* A repair in steps (the writer mutex only, searches running): begin takes on the tombstones there
 * are now; each step reconnects the lists of the next nodes for about `seconds` and returns 1 while
 * nodes are left; then (exclusive) free_tombstones frees the tombstones the repair took on. Nodes
 * deleted meanwhile stay tombstones for the next repair: no list written after begin names one that
 * the repair took on (inserts and reconnects never link to a tombstone). */
void hnsw_repair_begin(hnsw *h);
int  hnsw_repair_step(hnsw *h, const av_vecdata *vd, double seconds);
void hnsw_free_tombstones(hnsw *h);
void hnsw_repair(hnsw *h, const av_vecdata *vd);           /* all three at once (both locks) */
int hnsw_needs_repair(const hnsw *h);

#endif
