/*
 * vecindex_hnsw.c — the HNSW graph (hnsw.h) behind the av_vecindex_ops interface (vecindex.h),
 * registered as "HNSW" and as "AUTOINDEX" (what Milvus clients ask for when they leave the choice to
 * the server). What it decides on top of the graph:
 *   - exact answers where the graph would not help or could not answer: fewer than HNSW_EXACT_BELOW
 *     live rows, a metric other than the one the graph was built for, range search (radius), and a
 *     filter whose sampled selectivity is below HNSW_FILTER_EXACT_BELOW; and whenever the graph finds
 *     fewer than k matches, the exact scan runs, so a search returns k rows whenever k match;
 *   - a filtered search widens ef by the filter's selectivity (ef / selectivity, bounded);
 *   - per-search {"ef": N} (HNSW_EF_MIN..HNSW_EF_MAX; the search uses max(ef, k)).
 * Snapshot layout (save/load; little-endian host order, like the collection's trailer):
 *   magic[8] = HNSW_SNAPSHOT_MAGIC, u32 version, u32 M, u32 efConstruction, i32 metric, i32 dim,
 *   u32 nslots, u32 entry, i32 maxlevel, then i8 level per slot (-1: no node), then per node in slot
 *   order, for each level 0..its level: u32 count, count × u32 neighbour slots; then u32 1 and the
 *   codes' ranges (pad = dim rounded up to 32: pad × f32 lo, pad × f32 step), or u32 0.
 * Tombstones are not written (neither as nodes nor in any list): a snapshot holds no deleted edge.
 * Locking: none of its own (hooks run under the collection's locks, vecindex.h).
 */
#include "core/vector/hnsw.h"
#include "core/vector/rows.h"
#include "lib/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *ix_create(const av_vecdata *vd)
{
    hnsw *h = hnsw_new(HNSW_M_DEFAULT, HNSW_EFC_DEFAULT);
    h->metric = vd->metric;
    hnsw_reserve(h, vd->nslots);
    return h;
}

static void ix_destroy(void *self) { hnsw_free(self); }

/* Exclusive: the node is made (level, empty lists, code) and pending; settle links it. */
static void ix_add(void *self, const av_vecdata *vd, uint32_t slot) { hnsw_prepare(self, vd, slot, HNSW_PEND_WRITE); }

/* Exclusive: a tombstone at once (never returned from here on); settle repairs when they are many. */
static void ix_remove(void *self, const av_vecdata *vd, uint32_t slot) { (void)vd; hnsw_tombstone(self, slot); }

/* The writer mutex only, searches running: link the pending nodes. 1 when tombstones call for a
 * repair (the collection then runs ix_maintain in the background). */
static int ix_settle(void *self, const av_vecdata *vd)
{
    hnsw *h = self;
    for (uint32_t s = 0; h->nwrite && s < h->cap && s < vd->nslots; s++)
        if (h->pending[s] == HNSW_PEND_WRITE) hnsw_link(h, vd, s);
    return h->nbulk || h->repairing || hnsw_needs_repair(h);
}

/* The writer mutex only, searches running: one step of linking a build's nodes, else of the
 * repair, begun when due. */
static int ix_maintain(void *self, const av_vecdata *vd)
{
    hnsw *h = self;
    if (h->nbulk) return hnsw_link_bulk(h, vd, HNSW_REPAIR_STEP_S) || h->repairing || hnsw_needs_repair(h);
    if (!h->repairing) {
        if (!hnsw_needs_repair(h)) return 0;
        hnsw_repair_begin(h);
    }
    return hnsw_repair_step(h, vd, HNSW_REPAIR_STEP_S);
}

/* Exclusive, short: the linked nodes become results, repaired tombstones are freed, codes retrained. */
static void ix_publish(void *self, const av_vecdata *vd)
{
    hnsw *h = self;
    hnsw_publish_linked(h);
    if (h->repaired) hnsw_free_tombstones(h);
    hnsw_quant_refresh(h, vd);
}

static void ix_build(void *self, const av_vecdata *vd)
{
    hnsw *h = self;
    hnsw_clear(h);
    h->metric = vd->metric;
    hnsw_reserve(h, vd->nslots);
    for (uint32_t s = 0; s < vd->nslots; s++)   /* linked by the maintenance job; searched exactly until then */
        if (vd->alive[s]) hnsw_prepare(h, vd, s, HNSW_PEND_BULK);
    h->retrain = 1;   /* fit the codes to every row, not to the first ones inserted */
    hnsw_quant_refresh(h, vd);
}

/* Renumbers the graph: live nodes to their new slots, tombstones to slots past vd->nslots (their
 * vectors are never read; a repair frees them later, or an insert reuses the slot). */
static void ix_remap(void *self, const av_vecdata *vd, const uint32_t *old_to_new, uint32_t old_nslots)
{
    hnsw *h = self;
    uint32_t n = old_nslots < h->cap ? old_nslots : h->cap;
    uint32_t *map = xmalloc(sizeof(uint32_t) * ((size_t)h->cap + 1));
    uint32_t past = vd->nslots;
    for (uint32_t s = 0; s < h->cap; s++) {
        map[s] = HNSW_NONE;
        if (s >= n || h->level[s] < 0) continue;
        if (h->dead[s]) map[s] = past++;
        else if (old_to_new[s] != AV_SLOT_NONE) map[s] = old_to_new[s];
    }
    hnsw *g = hnsw_new(h->M, h->efc);
    g->rng = h->rng;
    g->metric = h->metric;
    hnsw_reserve(g, past > vd->nslots ? past : vd->nslots);
    for (uint32_t s = 0; s < h->cap; s++) {
        uint32_t t = map[s];
        if (t == HNSW_NONE) continue;
        g->level[t] = h->level[s];
        g->dead[t] = h->dead[s] ? HNSW_DEAD : 0;   /* a repair under way starts again on g */
        hnsw_set_pending(g, t, h->pending[s]);
        g->upper[t] = h->upper[s];   /* moved: its lists are renumbered in place below */
        g->nodes++;
        g->ndead += g->dead[t];
        for (int lvl = 0; lvl <= h->level[s]; lvl++) {
            const uint32_t *from = hnsw_list(h, s, lvl);
            uint32_t *to = hnsw_list(g, t, lvl);
            uint32_t m = 0, cnt = from[0];
            uint32_t tmp[2 * HNSW_M_MAX + 1];
            for (uint32_t i = 1; i <= cnt; i++) {
                uint32_t e = from[i] < h->cap ? map[from[i]] : HNSW_NONE;
                if (e != HNSW_NONE) tmp[++m] = e;
            }
            tmp[0] = m;
            memcpy(to, tmp, sizeof(uint32_t) * (m + 1));
        }
        h->upper[s] = NULL;
    }
    uint32_t ge = h->entry != HNSW_NONE && h->entry < h->cap ? map[h->entry] : HNSW_NONE;
    hnsw_set_entry(g, ge, ge != HNSW_NONE ? g->level[ge] : -1);
    free(map);
    /* swap g's contents into h (the collection holds h) */
    hnsw old = *h;
    *h = *g;
    *g = old;
    if (h->entry == HNSW_NONE || h->dead[h->entry]) hnsw_pick_entry(h);
    h->qt = g->qt;                          /* the ranges stay; the codes were numbered by the old slots */
    memset(&g->qt, 0, sizeof g->qt);
    hnsw_free(g);
    if (h->qt.fitted) hnsw_quant_encode_all(&h->qt, h, vd);   /* same ranges, new numbering */
}

/* ---- per-search parameters -------------------------------------------------------------------- */
static int ef_of(json_object *params, int *ef, av_err *err)
{
    json_object *v;
    *ef = HNSW_EF_DEFAULT;
    if (!params || !json_object_is_type(params, json_type_object) || !json_object_object_get_ex(params, "ef", &v))
        return AV_OK;
    if (!json_object_is_type(v, json_type_int))
        return av_fail(err, AV_EINVAL, "the search parameter ef must be an integer from %d to %d", HNSW_EF_MIN, HNSW_EF_MAX);
    int64_t x = json_object_get_int64(v);
    if (x < HNSW_EF_MIN || x > HNSW_EF_MAX)
        return av_fail(err, AV_EINVAL, "the search parameter ef is %lld; it must be from %d to %d", (long long)x, HNSW_EF_MIN, HNSW_EF_MAX);
    *ef = (int)x;
    return AV_OK;
}

static int ix_check_params(json_object *params, int k, av_err *err)
{
    int ef;
    (void)k;
    return ef_of(params, &ef, err);
}

/* Share of live slots the filter accepts, from a spread sample (1 when there is no filter). */
static double selectivity(const av_vecdata *vd, const av_index_query *iq)
{
    if (!iq->accept) return 1.0;
    uint32_t step = vd->nslots / HNSW_FILTER_SAMPLE + 1, alive = 0, yes = 0;
    for (uint32_t s = step / 2; s < vd->nslots; s += step) {
        if (!vd->alive[s]) continue;
        alive++;
        yes += iq->accept(iq->accept_ctx, s) != 0;
    }
    return alive ? (double)yes / alive : 0.0;
}

/* While a write settles, its new nodes are not linked yet (the graph search skips them): they are
 * scored exactly here and merged with the graph's hits, so a search answers the state every other
 * read already sees, the whole batch, never a part of it. */
static int with_pending(const hnsw *h, const av_vecdata *vd, const float *q, const av_index_query *iq, av_scored *out, int n)
{
    hnsw_cand *all = xmalloc(sizeof(hnsw_cand) * ((size_t)n + h->npending));
    int m = 0;
    for (int i = 0; i < n; i++) all[m++] = (hnsw_cand){ av_score_key(vd->metric, out[i].score), out[i].slot };
    float qn = hnsw_qnorm(vd, q);
    for (uint32_t s = 0; s < h->cap && s < vd->nslots; s++) {
        if (!h->pending[s] || !vd->alive[s] || (iq->accept && !iq->accept(iq->accept_ctx, s))) continue;
        all[m++] = (hnsw_cand){ av_score_key(vd->metric, av_vec_score(vd, q, qn, s)), s };
    }
    if (m > 1) qsort(all, (size_t)m, sizeof *all, hnsw_cand_cmp);
    int k = m < iq->k ? m : iq->k;
    for (int i = 0; i < k; i++) out[i] = (av_scored){ vd->metric == AV_METRIC_L2 ? all[i].key : -all[i].key, all[i].id };
    free(all);
    return k;
}

static int ix_search(void *self, const av_vecdata *vd, const float *q, const av_index_query *iq, av_scored *out)
{
    hnsw *h = self;
    int ef;
    if (ef_of(iq->params, &ef, NULL)) ef = HNSW_EF_DEFAULT;
    uint32_t live = h->nodes - h->ndead;
    int ranged = iq->range && (iq->range->has_radius || iq->range->has_range_filter);
    uint32_t entry;
    int maxlevel;
    hnsw_top(h, &entry, &maxlevel);
    int exact = live < HNSW_EXACT_BELOW || ranged || entry == HNSW_NONE || vd->metric != h->metric ||
                h->npending > live / 2;   /* a build under way: most nodes are scored exactly anyway */
    if (!exact && iq->accept) {
        double sel = selectivity(vd, iq);
        if (sel < HNSW_FILTER_EXACT_BELOW) exact = 1;
        else {
            double wide = (double)(ef > iq->k ? ef : iq->k) / sel;
            ef = wide > HNSW_EF_MAX ? HNSW_EF_MAX : (int)wide;
        }
    }
    if (!exact) {
        int n = hnsw_search(h, vd, q, iq, ef, out);
        if (h->npending) n = with_pending(h, vd, q, iq, out, n);
        if (n >= iq->k) return n;
    }
    return av_flat_index.search(NULL, vd, q, iq, out);
}

static void ix_progress(const void *self, uint64_t *indexed, uint64_t *pending)
{
    const hnsw *h = self;
    *pending = h->npending;
    *indexed = h->nodes - h->ndead - h->npending;
}

/* ---- snapshots -------------------------------------------------------------------------------- */
static void put_u32(av_buf *b, uint32_t v) { av_buf_put(b, &v, sizeof v); }

static int ix_save(void *self, const av_vecdata *vd, int fd)
{
    hnsw *h = self;
    if (h->npending) return AV_VECINDEX_NOTHING_TO_SAVE;   /* a build under way: the next start builds again */
    av_buf b = { 0 };
    av_buf_put(&b, HNSW_SNAPSHOT_MAGIC, 8);
    put_u32(&b, HNSW_SNAPSHOT_VERSION);
    put_u32(&b, (uint32_t)h->M);
    put_u32(&b, (uint32_t)h->efc);
    put_u32(&b, (uint32_t)h->metric);
    put_u32(&b, (uint32_t)vd->dim);
    uint32_t n = vd->nslots < h->cap ? vd->nslots : h->cap;
    put_u32(&b, n);
    put_u32(&b, h->entry);
    put_u32(&b, (uint32_t)h->maxlevel);
    for (uint32_t s = 0; s < n; s++) {
        int8_t lv = h->dead[s] ? -1 : h->level[s];
        av_buf_put(&b, &lv, 1);
    }
    for (uint32_t s = 0; s < n; s++) {
        if (h->level[s] < 0 || h->dead[s]) continue;
        for (int lvl = 0; lvl <= h->level[s]; lvl++) {
            const uint32_t *l = hnsw_list(h, s, lvl);
            uint32_t keep[2 * HNSW_M_MAX + 1], m = 0;
            for (uint32_t i = 1; i <= l[0]; i++)
                if (l[i] < n && !h->dead[l[i]] && h->level[l[i]] >= lvl) keep[++m] = l[i];
            keep[0] = m;
            av_buf_put(&b, keep, sizeof(uint32_t) * (m + 1));
        }
    }
    const hnsw_quant *qt = &h->qt;
    put_u32(&b, (uint32_t)qt->fitted);
    if (qt->fitted) {
        av_buf_put(&b, qt->lo, sizeof(float) * (size_t)qt->pad);
        av_buf_put(&b, qt->step, sizeof(float) * (size_t)qt->pad);
    }
    int rc = av_write_all(fd, b.p, b.len) ? AV_EIO : AV_OK;
    free(b.p);
    return rc;
}

typedef struct reader { int fd; off_t at; int bad; } reader;

static void take(reader *r, void *out, size_t n)
{
    if (r->bad || av_read_at(r->fd, out, n, r->at)) { r->bad = 1; memset(out, 0, n); return; }
    r->at += (off_t)n;
}

static uint32_t take_u32(reader *r) { uint32_t v = 0; take(r, &v, sizeof v); return v; }

static int ix_load(void *self, const av_vecdata *vd, int fd)
{
    hnsw *h = self;
    reader r = { fd, 0, 0 };
    char magic[8];
    take(&r, magic, 8);
    if (r.bad || memcmp(magic, HNSW_SNAPSHOT_MAGIC, 8) || take_u32(&r) != HNSW_SNAPSHOT_VERSION) return AV_EIO;
    uint32_t M = take_u32(&r), efc = take_u32(&r), metric = take_u32(&r), dim = take_u32(&r);
    uint32_t n = take_u32(&r), entry = take_u32(&r);
    int maxlevel = (int)take_u32(&r);
    if (r.bad || M != (uint32_t)h->M || efc < HNSW_EFC_MIN || efc > HNSW_EFC_MAX || metric != (uint32_t)vd->metric ||
        dim != (uint32_t)vd->dim || (entry != HNSW_NONE && entry >= n) || maxlevel > HNSW_MAX_LEVEL)
        return AV_EIO;
    hnsw_clear(h);
    h->efc = (int)efc;
    hnsw_reserve(h, n);
    int8_t *lv = xmalloc(n ? n : 1);
    take(&r, lv, n);
    for (uint32_t s = 0; s < n && !r.bad; s++) {
        if (lv[s] < -1 || lv[s] > HNSW_MAX_LEVEL) r.bad = 1;
        else if (lv[s] >= 0) { hnsw_set_level(h, s, lv[s]); h->nodes++; }
    }
    free(lv);
    for (uint32_t s = 0; s < n && !r.bad; s++) {
        for (int lvl = 0; lvl <= h->level[s] && !r.bad; lvl++) {
            uint32_t *l = hnsw_list(h, s, lvl), cnt = take_u32(&r);
            if (cnt > (uint32_t)hnsw_list_cap(h, lvl)) { r.bad = 1; break; }
            take(&r, l + 1, sizeof(uint32_t) * cnt);
            l[0] = cnt;
            for (uint32_t i = 1; i <= cnt && !r.bad; i++)
                if (l[i] >= n || h->level[l[i]] < lvl) r.bad = 1;
        }
    }
    if (!r.bad && take_u32(&r)) {   /* the codes' ranges */
        int pad = (vd->dim + 31) / 32 * 32;
        float *lo = xmalloc(sizeof(float) * (size_t)pad), *step = xmalloc(sizeof(float) * (size_t)pad);
        take(&r, lo, sizeof(float) * (size_t)pad);
        take(&r, step, sizeof(float) * (size_t)pad);
        for (int d = 0; d < pad && !r.bad; d++)
            if (!isfinite(lo[d]) || !isfinite(step[d]) || !(step[d] > 0)) r.bad = 1;
        if (r.bad) { free(lo); free(step); }
        else hnsw_quant_set(&h->qt, vd->dim, lo, step);
    }
    if (!r.bad && (entry == HNSW_NONE) != (h->nodes == 0)) r.bad = 1;
    if (!r.bad && entry != HNSW_NONE && h->level[entry] != maxlevel) r.bad = 1;
    if (r.bad) { hnsw_clear(h); return AV_EIO; }
    hnsw_set_entry(h, entry, entry == HNSW_NONE ? -1 : maxlevel);
    return AV_OK;
}

#define HNSW_OPS(type_name) {                                                                          \
    .name = type_name,                                                                                 \
    .create = ix_create, .destroy = ix_destroy, .add = ix_add, .remove = ix_remove, .build = ix_build, \
    .settle = ix_settle, .maintain = ix_maintain, .publish = ix_publish, .remap = ix_remap, .check_params = ix_check_params,     \
    .search = ix_search, .save = ix_save, .load = ix_load, .progress = ix_progress,                                             \
}
const av_vecindex_ops av_hnsw_index = HNSW_OPS("HNSW");
const av_vecindex_ops av_autoindex_index = HNSW_OPS("AUTOINDEX");   /* Milvus's AUTOINDEX: the server's choice, HNSW */
