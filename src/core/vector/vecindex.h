/*
 * vecindex.h — the vector-index interface (av_vecindex_ops) and the registry that maps an index type
 * to its implementation. A collection owns its vectors (contiguous slots, see av_vecdata and rows.h)
 * and tells its index about every change through the hooks below; the index answers top-k searches
 * over live slots. FLAT (vecindex_flat.c, exact scan) is the only implementation today; an ANN index
 * (HNSW) provides another av_vecindex_ops and adds itself to the registry (vecindex_registry.c).
 *
 * Which index: a collection takes the implementation registered for its schema's index_type
 * (case-insensitive). An empty type is FLAT; a type nothing implements (HNSW today, AUTOINDEX, IVF)
 * falls back to FLAT: the schema keeps the requested type (describe shows it) and search is exact.
 *
 * Keys are slots, renumbered by one remap call. An index is keyed by the collection's slot numbers,
 * the same numbers a search returns and `accept` filters on, so a hit needs no translation and the
 * FLAT scan stays a straight pass over the vectors. Slots are not stable: coll_compact moves live
 * rows down over free slots, and a restart loads rows into new slots. Both then call `remap` once
 * with the whole old -> new map, not a move per slot: an HNSW rewrites its neighbour lists in one
 * pass (O(edges)), where per-slot moves would have to find each moved node's in-edges every time.
 * Stable ids were the other choice; they would need an id -> slot table maintained on every write and
 * an extra indirection per distance in the search loop, to spare an event that is rare (compaction
 * runs only when more than half the slots, and at least 1024, are free: amortised O(1) per delete).
 *
 * Hooks, in the order a collection's life calls them. `vd` always describes the collection's slots at
 * the moment of the call, except in destroy (none) and load (see there). Every hook runs under the
 * collection's rwlock as stated; an index needs no lock of its own unless search caches something.
 * Allocation: every hook may allocate and free the index's own memory (x* allocators: out of memory
 * aborts, lib/util.h); none may keep a pointer into vd past the call (the arrays move as they grow).
 *   create       coll_new (handle not shared yet), and coll_clear_lazily / coll_move_rows (write
 *                lock) for the fresh index of an emptied collection. vd has no live slot. Allocates
 *                the index's state; may return NULL when it keeps none (FLAT).
 *   add          write lock, after the slot was filled (vd->alive[slot] = 1, its vector in place):
 *                a new row, or a replaced one (upsert, update: after its remove).
 *   remove       write lock, before the slot is scrubbed or overwritten: vd still shows its vector.
 *                The slot may come back later through add with another vector (slots are reused).
 *                From the moment remove returns, search must not return the slot.
 *   settle       optional, with publish. After every write's in-memory apply (adds, removes, and a
 *                compaction's remap), holding only the collection's writer mutex: searches run
 *                concurrently, so settle may only rewrite what they read in place, safely for them,
 *                and must not allocate, move or free memory they read. The place for the costly
 *                work a write must finish before it returns (linking new nodes into a graph).
 *                Meanwhile search answers for every live slot of vd, the added ones included (HNSW
 *                scores its not-yet-linked nodes exactly), as every other read already sees them.
 *                Returns 1 when the index wants background work (maintain), else 0.
 *   maintain     optional, with settle. On a background thread after a settle that returned 1,
 *                holding only the writer mutex (as settle; writers wait, searches run): one step
 *                of a few milliseconds of work no write waits for (HNSW: repairing around removed
 *                nodes). Returns 1 while work is left (the thread lets writers in and calls again),
 *                0 when done; publish follows the step that returned 0.
 *   publish      optional, with settle: write lock, right after settle or the last maintain step;
 *                short. Makes what they did visible (the write returns after it) and frees what
 *                they retired.
 *   build        write lock: replace whatever the index holds by every live slot of vd (bulk build).
 *                At load (before the handle is published), after a compaction when remap is NULL,
 *                when a snapshot cannot be used, when rows move in from an index of another type.
 *   remap        write lock, optional (NULL: build instead). old_to_new[s] for s < old_nslots is the
 *                new slot of the row that was in slot s, or AV_SLOT_NONE when s held none; every live
 *                slot of vd appears exactly once. Called after coll_compact (vd: the new layout) and
 *                right after load. May allocate scratch; must free it before returning.
 *   check_params no lock, optional (NULL: any parameters are accepted). Validates the per-search
 *                parameters (av_search_params.index_params, e.g. HNSW {"ef": 64}) for k results
 *                before av_search takes the read lock; an error fills err (AV_EINVAL).
 *   search       read lock, concurrently with other searches: must not change `self` (unless it
 *                synchronises that itself). May allocate per-call scratch and must free it. Writes the
 *                best iq->k hits first into out and returns how many. vd->metric may differ from the
 *                build's when a request names its own metric (av_search_params.use_metric): an index
 *                that cannot answer for that metric answers exactly with av_flat_index.search.
 *   save         read lock, at av_store_close (collection_snapshot.c), optional (NULL: nothing to save).
 *                Writes the index's state to fd from offset 0 (the collection appends its own trailer
 *                after it) and returns AV_OK, AV_VECINDEX_NOTHING_TO_SAVE (no state: FLAT; the empty
 *                file is dropped and that is fine) or AV_EIO.
 *   load         write lock, at av_store_open before the handle is published, optional, used only
 *                together with remap. Reads what save wrote from fd (at offset 0; the collection's
 *                trailer follows, so it reads exactly what it wrote) into an empty index. Its slot
 *                numbers are those of the saved collection and vd is the reloaded one, numbered
 *                anew: load must not look up vectors by saved slot number; remap follows at once.
 *                Returns AV_OK, or an error and the collection calls build instead.
 *   destroy      when the last reference to the collection goes (no lock: nobody else holds it),
 *                or on the lazy-free thread after a delete-all or drop (no lock; the rows it indexed
 *                are freed alongside: it must only free its own memory).
 *
 * Scores follow Milvus: squared L2 (smaller is better), IP and COSINE similarity (larger is better).
 * Internally every index ranks by a "key" where smaller is better (L2: d, IP/COSINE: -s).
 */
#ifndef AV_VECINDEX_H
#define AV_VECINDEX_H

#include <stdint.h>
#include "annovec.h"

/* save: the index keeps no state worth writing (FLAT). Not an error. */
#define AV_VECINDEX_NOTHING_TO_SAVE 1
/* Implementations the registry holds at most (FLAT included). */
#define AV_VECINDEX_MAX 8

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

/* Returns non-zero when the slot passes the request's filter (and is not expired). */
typedef int (*av_accept_fn)(void *ctx, uint32_t slot);

/* One query's search request, built once per av_search call. */
typedef struct av_index_query {
    int k;                      /* hits wanted (the request's limit + offset) */
    const av_range *range;      /* radius / range_filter; NULL: none */
    av_accept_fn accept;        /* NULL: every live slot */
    void *accept_ctx;
    json_object *params;        /* per-search parameters (av_search_params.index_params); borrowed, may be NULL */
} av_index_query;

typedef struct av_vecindex_ops {
    const char *name;                                   /* the index type it serves: "FLAT" */
    void *(*create)(const av_vecdata *vd);
    void (*destroy)(void *self);
    void (*add)(void *self, const av_vecdata *vd, uint32_t slot);
    void (*remove)(void *self, const av_vecdata *vd, uint32_t slot);
    void (*build)(void *self, const av_vecdata *vd);
    void (*remap)(void *self, const av_vecdata *vd, const uint32_t *old_to_new, uint32_t old_nslots);
    int  (*check_params)(json_object *params, int k, av_err *err);
    int  (*search)(void *self, const av_vecdata *vd, const float *q, const av_index_query *iq, av_scored *out);
    int  (*save)(void *self, const av_vecdata *vd, int fd);
    int  (*load)(void *self, const av_vecdata *vd, int fd);
    int  (*settle)(void *self, const av_vecdata *vd);
    int  (*maintain)(void *self, const av_vecdata *vd);
    void (*publish)(void *self, const av_vecdata *vd);
    /* optional, read lock: live rows built in and not yet (NULL: every live row is in) */
    void (*progress)(const void *self, uint64_t *indexed, uint64_t *pending);
} av_vecindex_ops;

extern const av_vecindex_ops av_flat_index;
extern const av_vecindex_ops av_hnsw_index;       /* vecindex_hnsw.c */
extern const av_vecindex_ops av_autoindex_index;  /* the same, named AUTOINDEX */

/* ---- registry (vecindex_registry.c; a leaf mutex guards it, held only inside these calls) ------ */
/* The implementation for an index type, compared case-insensitively with each registered name. NULL
 * or "" is FLAT. A type nothing implements falls back to FLAT (exact); *fallback (may be NULL) is
 * set to 1 then, else 0. */
const av_vecindex_ops *av_vecindex_for(const char *type, int *fallback);
/* Adds an implementation, named by ops->name (ops must outlive every store; call before
 * av_store_open so that every collection sees it). AV_EEXIST when the name is taken, AV_ELIMIT when
 * AV_VECINDEX_MAX are registered. */
int av_vecindex_register(const av_vecindex_ops *ops, av_err *err);

/* Shared helpers for index implementations. */
float av_vec_score(const av_vecdata *vd, const float *q, float qnorm, uint32_t slot);
int   av_range_keep(av_metric m, const av_range *r, float score);
float av_score_key(av_metric m, float score);          /* smaller is better */

#endif
