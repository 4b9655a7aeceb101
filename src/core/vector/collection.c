/*
 * collection.c — collection lifecycle and slot management (see collection.h), and loading a
 * collection's rows from SQLite at startup.
 *
 * Stored row (table entity): coll, pk (INTEGER or TEXT), vec (BLOB of dim little-endian float32),
 * doc (JSON text of the non-pk, non-vector fields).
 */
#include "core/vector/collection.h"
#include "core/vector/distance.h"
#include "core/store/store.h"
#include "lib/util.h"

#include <stdlib.h>
#include <string.h>

av_collection *coll_new(av_store *st, int64_t id, const char *project, const char *db, const av_schema *s)
{
    av_collection *c = xcalloc(1, sizeof *c);
    c->st = st;
    c->id = id;
    c->sid = id;
    snprintf(c->project, sizeof c->project, "%s", project);
    snprintf(c->db, sizeof c->db, "%s", db);
    av_schema_copy(&c->schema, s);
    c->schema.id = id;
    c->pkf = av_schema_pk(&c->schema);
    c->vecf = av_schema_vector(&c->schema);
    c->dim = c->vecf->dim;
    c->pk_is_str = c->pkf->type == AV_T_VARCHAR;
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&c->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    atomic_init(&c->refs, 1);
    c->loaded = 1;
    pkmap_init(&c->map, c->pk_is_str);
    c->iops = &av_flat_index;
    av_vecdata vd = coll_vecdata(c);
    c->index = c->iops->create(&vd);
    return c;
}

static void free_rows(av_collection *c)
{
    for (uint32_t s = 0; s < c->nslots; s++) {
        if (c->docs && c->docs[s]) json_object_put(c->docs[s]);
        if (c->pk_s) free(c->pk_s[s]);
    }
    free(c->vecs); free(c->norms); free(c->alive); free(c->pk_i); free(c->pk_s);
    free(c->docs); free(c->free_slots); free(c->expire);
    c->vecs = c->norms = NULL; c->alive = NULL; c->pk_i = NULL; c->pk_s = NULL;
    c->docs = NULL; c->free_slots = NULL; c->expire = NULL;
    c->nslots = c->cap = c->nfree = 0;
    c->live = c->nttl = 0;
    pkmap_free(&c->map);
    pkmap_init(&c->map, c->pk_is_str);
}

void coll_ref(av_collection *c)
{
    atomic_fetch_add(&c->refs, 1);
}

void av_collection_release(av_collection *c)
{
    if (!c || atomic_fetch_sub(&c->refs, 1) != 1) return;
    c->iops->destroy(c->index);
    free_rows(c);
    pkmap_free(&c->map);
    av_schema_free(&c->schema);
    pthread_rwlock_destroy(&c->lock);
    free(c);
}

static void free_detached(void *arg)
{
    av_collection *old = arg;
    free_rows(old);
    pkmap_free(&old->map);
    free(old);
}

void coll_clear_lazily(av_collection *c)
{
    /* `old` borrows only the row storage of c (arrays, map, counts); its other fields are unused. */
    av_collection *old = xmalloc(sizeof *old);
    memcpy(old, c, sizeof *old);
    c->vecs = c->norms = NULL; c->alive = NULL; c->pk_i = NULL; c->pk_s = NULL;
    c->docs = NULL; c->free_slots = NULL; c->expire = NULL;
    c->nslots = c->cap = c->nfree = 0;
    c->live = c->nttl = 0;
    pkmap_init(&c->map, c->pk_is_str);
    c->iops->clear(c->index);
    store_lazy_free(c->st, free_detached, old);
}

void coll_move_rows(av_collection *to, av_collection *from)
{
    to->iops->destroy(to->index);
    pkmap_free(&to->map);
    to->vecs = from->vecs; to->norms = from->norms; to->alive = from->alive; to->pk_i = from->pk_i;
    to->pk_s = from->pk_s; to->docs = from->docs; to->free_slots = from->free_slots; to->expire = from->expire;
    to->nslots = from->nslots; to->cap = from->cap; to->nfree = from->nfree; to->live = from->live;
    to->nttl = from->nttl; to->map = from->map; to->index = from->index; to->last_auto_id = from->last_auto_id;
    to->sid = from->sid; to->loaded = from->loaded;
    from->vecs = from->norms = NULL; from->alive = NULL; from->pk_i = NULL; from->pk_s = NULL;
    from->docs = NULL; from->free_slots = NULL; from->expire = NULL;
    from->nslots = from->cap = from->nfree = 0;
    from->live = from->nttl = 0;
    pkmap_init(&from->map, from->pk_is_str);
    av_vecdata vd = coll_vecdata(from);
    from->index = from->iops->create(&vd);
}

void coll_mark_dropped(av_collection *c)
{
    coll_wrlock(c);
    c->dropped = 1;
    coll_clear_lazily(c);
    coll_unlock(c);
}

const av_schema *av_collection_schema(const av_collection *c)
{
    return &c->schema;
}

int64_t av_collection_count(av_collection *c)
{
    coll_rdlock(c);
    int64_t n = c->live;
    if (c->nttl) {
        int64_t now = av_now_ms();
        n = 0;
        for (uint32_t s = 0; s < c->nslots; s++) n += coll_visible(c, s, now);
    }
    coll_unlock(c);
    return n;
}

int av_collection_loaded(av_collection *c)
{
    coll_rdlock(c);
    int l = c->loaded;
    coll_unlock(c);
    return l;
}

av_vecdata coll_vecdata(const av_collection *c)
{
    return (av_vecdata){ c->vecs, c->norms, c->alive, c->nslots, c->dim, c->schema.metric };
}

av_row_view coll_view(const av_collection *c, uint32_t slot)
{
    av_row_view v;
    v.pk.is_str = c->pk_is_str;
    v.pk.i = c->pk_is_str ? 0 : c->pk_i[slot];
    v.pk.s = c->pk_is_str ? c->pk_s[slot] : NULL;
    v.vec = c->vecs + (size_t)slot * (size_t)c->dim;
    v.doc = c->docs[slot];
    return v;
}

uint32_t coll_find(const av_collection *c, const av_pk *pk)
{
    return pkmap_get(&c->map, pk, c->pk_s);
}

static void grow(av_collection *c)
{
    uint32_t cap = c->cap ? c->cap * 2 : 64;
    size_t dim = (size_t)c->dim;
    c->vecs = xrealloc(c->vecs, sizeof(float) * dim * cap);
    c->norms = xrealloc(c->norms, sizeof(float) * cap);
    c->alive = xrealloc(c->alive, cap);
    c->docs = xrealloc(c->docs, sizeof(json_object *) * cap);
    c->free_slots = xrealloc(c->free_slots, sizeof(uint32_t) * cap);
    if (c->pk_is_str) c->pk_s = xrealloc(c->pk_s, sizeof(char *) * cap);
    else c->pk_i = xrealloc(c->pk_i, sizeof(int64_t) * cap);
    if (c->expire) {
        c->expire = xrealloc(c->expire, sizeof(int64_t) * cap);
        memset(c->expire + c->cap, 0, sizeof(int64_t) * (cap - c->cap));
    }
    c->cap = cap;
}

uint32_t coll_slot_alloc(av_collection *c)
{
    if (c->nfree) return c->free_slots[--c->nfree];
    if (c->nslots == c->cap) grow(c);
    uint32_t s = c->nslots++;
    c->alive[s] = 0;
    c->docs[s] = NULL;
    if (c->pk_is_str) c->pk_s[s] = NULL;
    return s;
}

/* Fills a slot (new or being replaced); takes ownership of doc. */
void coll_slot_fill(av_collection *c, uint32_t slot, const av_pk *pk, const float *vec, json_object *doc)
{
    size_t dim = (size_t)c->dim;
    int was_alive = c->alive[slot];
    av_vecdata before = coll_vecdata(c);
    if (was_alive) c->iops->remove(c->index, &before, slot);
    memcpy(c->vecs + slot * dim, vec, sizeof(float) * dim);
    c->norms[slot] = av_norm(vec, dim);
    if (c->docs[slot]) json_object_put(c->docs[slot]);
    c->docs[slot] = doc;
    if (!was_alive) {
        if (c->pk_is_str) c->pk_s[slot] = xstrdup(pk->s);
        else c->pk_i[slot] = pk->i;
        pkmap_put(&c->map, pk, slot, c->pk_s);
        c->live++;
    }
    c->alive[slot] = 1;
    av_vecdata vd = coll_vecdata(c);
    c->iops->add(c->index, &vd, slot);
}

void coll_slot_set_expire(av_collection *c, uint32_t slot, int64_t expire_ms)
{
    if (!c->expire) {
        if (!expire_ms) return;
        c->expire = xcalloc(c->cap, sizeof(int64_t));
    }
    c->nttl += (expire_ms != 0) - (c->expire[slot] != 0);
    c->expire[slot] = expire_ms;
}

/* Removes a live slot and scrubs what it held: nothing of the entity stays in memory. */
void coll_slot_free(av_collection *c, uint32_t slot)
{
    coll_slot_set_expire(c, slot, 0);
    av_vecdata vd = coll_vecdata(c);
    c->iops->remove(c->index, &vd, slot);
    av_row_view v = coll_view(c, slot);
    pkmap_del(&c->map, &v.pk, c->pk_s);
    memset(c->vecs + (size_t)slot * (size_t)c->dim, 0, sizeof(float) * (size_t)c->dim);
    c->norms[slot] = 0;
    json_object_put(c->docs[slot]);
    c->docs[slot] = NULL;
    if (c->pk_is_str) {
        memset(c->pk_s[slot], 0, strlen(c->pk_s[slot]));
        free(c->pk_s[slot]);
        c->pk_s[slot] = NULL;
    } else {
        c->pk_i[slot] = 0;
    }
    c->alive[slot] = 0;
    c->free_slots[c->nfree++] = slot;
    c->live--;
}

void coll_compact(av_collection *c)
{
    if (c->nfree < 1024 || c->nfree * 2 < c->nslots) return;
    size_t dim = (size_t)c->dim;
    av_vecdata vd = coll_vecdata(c);
    uint32_t to = 0;
    for (uint32_t from = 0; from < c->nslots; from++) {
        if (!c->alive[from]) continue;
        if (from != to) {
            c->iops->remove(c->index, &vd, from);
            memcpy(c->vecs + to * dim, c->vecs + from * dim, sizeof(float) * dim);
            memset(c->vecs + from * dim, 0, sizeof(float) * dim);
            c->norms[to] = c->norms[from];
            if (c->expire) { c->expire[to] = c->expire[from]; c->expire[from] = 0; }
            c->docs[to] = c->docs[from];
            c->docs[from] = NULL;
            if (c->pk_is_str) { c->pk_s[to] = c->pk_s[from]; c->pk_s[from] = NULL; }
            else c->pk_i[to] = c->pk_i[from];
            c->alive[to] = 1;
            c->alive[from] = 0;
            av_row_view v = coll_view(c, to);
            pkmap_put(&c->map, &v.pk, to, c->pk_s);
            vd = coll_vecdata(c);
            c->iops->add(c->index, &vd, to);
        }
        to++;
    }
    c->nslots = to;
    c->nfree = 0;
}

int coll_load(av_collection *c, sqlite3 *db, av_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT pk, vec, doc, expire_ms FROM entity WHERE coll = ? ORDER BY rowid", -1, &st, NULL))
        return av_fail(err, AV_EIO, "loading collection %s: %s", c->schema.name, sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, c->sid);
    int rc;
    coll_wrlock(c);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        av_pk pk = { c->pk_is_str, 0, NULL };
        if (c->pk_is_str) pk.s = (const char *)sqlite3_column_text(st, 0);
        else pk.i = sqlite3_column_int64(st, 0);
        const void *blob = sqlite3_column_blob(st, 1);
        int bytes = sqlite3_column_bytes(st, 1);
        json_object *doc = json_tokener_parse((const char *)sqlite3_column_text(st, 2));
        if (bytes != (int)sizeof(float) * c->dim || !doc || (c->pk_is_str && !pk.s)) {
            if (doc) json_object_put(doc);
            rc = SQLITE_CORRUPT;
            break;
        }
        uint32_t slot = coll_slot_alloc(c);
        coll_slot_fill(c, slot, &pk, blob, doc);
        coll_slot_set_expire(c, slot, sqlite3_column_int64(st, 3));
    }
    coll_unlock(c);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return av_fail(err, AV_EIO, "loading collection %s: a stored row is damaged or unreadable", c->schema.name);
    return AV_OK;
}
