/*
 * collection_read.c — get, query, count and search. Every call holds the collection's read lock from
 * start to end, visitors included, so it sees one consistent state: all of a write or none of it.
 */
#include "core/vector/collection.h"
#include "core/vector/filter.h"
#include "core/vector/filter_node.h"
#include "core/store/store.h"
#include "lib/util.h"

#include <stdlib.h>
#include <string.h>

/* 1 when node n yields a boolean: a condition, a boolean literal or a Bool field (a number, string,
 * list, JSON value or arithmetic is a value, not a predicate). */
static int yields_bool(const av_fnode *n)
{
    switch (n->kind) {
    case FN_CMP: case FN_IN: case FN_LIKE: case FN_AND: case FN_OR: case FN_NOT: case FN_ISNULL: return 1;
    case FN_CALL: return n->op != FF_ARRAY_LENGTH;
    case FN_LIT: return n->lit.t == FV_BOOL;
    case FN_FIELD: return n->field && n->field->type == AV_T_BOOL && !n->npath;
    default: return 0;
    }
}

int av_filter_compile_milvus(const av_collection *c, const char *expr, av_filter **out, av_err *err)
{
    int rc = av_filter_parse_milvus(expr, &c->schema, out, err);
    if (rc == AV_OK && !yields_bool((*out)->root)) {
        av_filter_free(*out);
        *out = NULL;
        rc = av_fail_at(err, AV_EFILTER, 0, "cannot parse expression: %.200s, error: predicate is not a boolean expression; write a condition such as id > 0", expr);
        if (err) err->entity = AV_ENT_FILTER;
    }
    return rc;
}

int av_filter_compile_viking(const av_collection *c, json_object *dsl, av_filter **out, av_err *err)
{
    return av_filter_parse_viking(dsl, &c->schema, out, err);
}

static int check_live(av_collection *c, av_err *err)
{
    if (c->dropped) return av_fail_on(err, AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_CHANGED, c->schema.name, c->db, "collection \"%s\" was dropped or changed while this request ran; send the request again", c->schema.name);
    return AV_OK;
}

int av_get(av_collection *c, const av_pk *pks, size_t n, av_row_visitor fn, void *ctx, av_err *err)
{
    coll_rdlock(c);
    int rc = check_live(c, err);
    int64_t now = av_now_ms();
    for (size_t i = 0; i < n && rc == AV_OK; i++) {
        if (pks[i].is_str != c->pk_is_str) continue;
        uint32_t s = coll_find(c, &pks[i]);
        if (s == PKMAP_NONE || !coll_visible(c, s, now)) continue;
        av_row_view v = coll_view(c, s);
        if (fn(ctx, &v)) break;
    }
    coll_unlock(c);
    return rc;
}

static int matches(const av_collection *c, const av_filter *f, uint32_t s, int64_t now)
{
    if (!coll_visible(c, s, now)) return 0;
    if (!f) return 1;
    av_row_view v = coll_view(c, s);
    return av_filter_match(f, &v);
}

/* qsort context: glibc's qsort_r. */
static int cmp_pk_slots(const void *a, const void *b, void *arg)
{
    const av_collection *c = arg;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    const coll_rows *r = &c->rows;
    if (r->pk_is_str) return strcmp(r->pk_s[x], r->pk_s[y]);
    return r->pk_i[x] < r->pk_i[y] ? -1 : r->pk_i[x] > r->pk_i[y];
}

int av_query(av_collection *c, const av_filter *f, int64_t offset, int64_t limit,
             av_row_visitor fn, void *ctx, av_err *err)
{
    if (offset < 0) return av_fail_on(err, AV_EINVAL, AV_ENT_NONE, AV_R_NONE, NULL, NULL, "offset %lld is negative", (long long)offset);
    coll_rdlock(c);
    int rc = check_live(c, err);
    uint32_t *hits = NULL;
    size_t m = 0;
    if (rc == AV_OK && c->rows.live > 0) {
        hits = xmalloc(sizeof(uint32_t) * (size_t)c->rows.live);
        int64_t now = av_now_ms();
        for (uint32_t s = 0; s < c->rows.nslots; s++)
            if (matches(c, f, s, now)) hits[m++] = s;
        qsort_r(hits, m, sizeof *hits, cmp_pk_slots, c);
    }
    for (size_t i = (size_t)offset; i < m && (limit < 0 || (int64_t)(i - (size_t)offset) < limit); i++) {
        av_row_view v = coll_view(c, hits[i]);
        if (fn(ctx, &v)) break;
    }
    coll_unlock(c);
    free(hits);
    return rc;
}

int av_delete_filter_dry(av_collection *c, const av_filter *f, int64_t *matched, av_err *err)
{
    *matched = 0;
    if (av_filter_delete_guard(f, c->schema.name, err)) return AV_EUNSAFE;
    return av_count(c, f, matched, err);
}

int av_count(av_collection *c, const av_filter *f, int64_t *out, av_err *err)
{
    coll_rdlock(c);
    int rc = check_live(c, err);
    int64_t n = 0, now = av_now_ms();
    if (rc == AV_OK && !f && !c->rows.nttl) n = c->rows.live;
    else if (rc == AV_OK)
        for (uint32_t s = 0; s < c->rows.nslots; s++) n += matches(c, f, s, now);
    coll_unlock(c);
    *out = n;
    return rc;
}

typedef struct accept_ctx { const av_collection *c; const av_filter *f; int64_t now; } accept_ctx;

/* Slots a search may return: not expired, and passing the filter. */
static int accept_slot(void *arg, uint32_t slot)
{
    accept_ctx *a = arg;
    if (!coll_visible(a->c, slot, a->now)) return 0;
    if (!a->f) return 1;
    av_row_view v = coll_view(a->c, slot);
    return av_filter_match(a->f, &v);
}

static int check_search(const av_collection *c, const av_search_params *p, av_err *err)
{
    if (p->nq < 1) return av_fail_on(err, AV_EINVAL, AV_ENT_VECTOR, AV_R_EMPTY, NULL, NULL, "no query vectors; send at least one");
    if (p->limit < 1 || p->offset < 0 || (int64_t)p->limit + p->offset > AV_TOPK_MAX)
        return av_fail_on(err, AV_ELIMIT, AV_ENT_NONE, AV_R_NONE, NULL, NULL, "limit %d and offset %d: limit must be >= 1, offset >= 0 and limit + offset <= %d",
                       p->limit, p->offset, AV_TOPK_MAX);
    if (p->has_range_filter && !p->has_radius)
        return av_fail_on(err, AV_EINVAL, AV_ENT_NONE, AV_R_MISSING, NULL, NULL, "range_filter needs radius; send both, or neither");
    av_metric m = p->use_metric ? p->metric : c->schema.metric;
    if (m > AV_METRIC_COSINE) return av_fail_on(err, AV_EINVAL, AV_ENT_INDEX, AV_R_UNKNOWN, NULL, NULL, "unknown metric %d", (int)m);
    if (p->has_radius && p->has_range_filter) {
        int ok = m == AV_METRIC_L2 ? p->range_filter < p->radius : p->range_filter > p->radius;
        if (!ok) return av_fail_on(err, AV_EINVAL, AV_ENT_NONE, AV_R_NONE, NULL, NULL, "with metric %s, range_filter must be %s than radius",
                                av_metric_name(m), m == AV_METRIC_L2 ? "smaller" : "larger");
    }
    for (size_t i = 0; i < (size_t)p->nq * (size_t)c->dim; i++)
        if (p->queries[i] != p->queries[i] || p->queries[i] - p->queries[i] != 0)
            return av_fail_on(err, AV_EINVAL, AV_ENT_VECTOR, AV_R_NONE, NULL, NULL, "query vector %zu has a NaN or infinite value", i / (size_t)c->dim);
    return AV_OK;
}

int av_search(av_collection *c, const av_search_params *p, av_hit_visitor fn, void *ctx, av_err *err)
{
    int rc = check_search(c, p, err);
    if (rc) return rc;
    int k = p->limit + p->offset;
    if (c->iops->check_params && (rc = c->iops->check_params(p->index_params, k, err))) return rc;
    av_scored *hits = xmalloc(sizeof(av_scored) * (size_t)k);
    av_range range = { p->has_radius, p->has_range_filter, p->radius, p->range_filter };
    accept_ctx actx = { c, p->filter, av_now_ms() };
    av_index_query iq = { k, &range, NULL, &actx, p->index_params };
    coll_rdlock(c);
    rc = check_live(c, err);
    av_vecdata vd = coll_vecdata(c);
    if (p->use_metric) vd.metric = p->metric;
    if (p->filter || c->rows.nttl) iq.accept = accept_slot;
    for (int q = 0; q < p->nq && rc == AV_OK; q++) {
        const float *qv = p->queries + (size_t)q * (size_t)c->dim;
        int n = c->iops->search(c->index, &vd, qv, &iq, hits);
        int stop = 0;
        for (int r = p->offset; r < n && !stop; r++) {
            av_row_view v = coll_view(c, hits[r].slot);
            stop = fn(ctx, q, r - p->offset, hits[r].score, &v);
        }
        if (stop) break;
    }
    coll_unlock(c);
    free(hits);
    return rc;
}

/* ---- named indexes (stored in coll_index; see annovec.h) ------------------------------------- */

int av_index_get(av_collection *c, const char *name, json_object **spec, av_err *err)
{
    *spec = NULL;
    av_store_lock(c->st);
    sqlite3_stmt *st;
    int rc = AV_OK;
    if (sqlite3_prepare_v2(av_store_db(c->st), "SELECT spec FROM coll_index WHERE coll = ?1 AND name = ?2", -1, &st, NULL))
        rc = av_store_sqlite_fail(c->st, err, "reading an index");
    else {
        sqlite3_bind_int64(st, 1, c->id);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) *spec = json_tokener_parse((const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        if (!*spec) rc = av_fail_on(err, AV_ENOTFOUND, AV_ENT_INDEX, AV_R_NONE, name, c->schema.name, "index \"%s\" does not exist on collection \"%s\"", name, c->schema.name);
    }
    av_store_unlock(c->st);
    return rc;
}

int av_index_list(av_collection *c, char ***names, size_t *n, av_err *err)
{
    *names = NULL;
    *n = 0;
    av_store_lock(c->st);
    sqlite3_stmt *st;
    int rc = AV_OK;
    if (sqlite3_prepare_v2(av_store_db(c->st), "SELECT name FROM coll_index WHERE coll = ?1 ORDER BY name", -1, &st, NULL))
        rc = av_store_sqlite_fail(c->st, err, "listing indexes");
    else {
        sqlite3_bind_int64(st, 1, c->id);
        size_t cap = 4;
        char **v = xmalloc(sizeof(char *) * cap);
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (*n == cap) v = xrealloc(v, sizeof(char *) * (cap *= 2));
            v[(*n)++] = xstrdup((const char *)sqlite3_column_text(st, 0));
        }
        sqlite3_finalize(st);
        *names = v;
    }
    av_store_unlock(c->st);
    return rc;
}
