/*
 * collection.c — collection lifecycle (new, release, clear, move between handles, drop), the slot
 * operations that keep the vector index told (see collection.h and vecindex.h), and loading a
 * collection's rows from SQLite at startup.
 *
 * Stored row (table entity): coll, pk (INTEGER or TEXT), vec (BLOB of dim little-endian float32),
 * doc (JSON text of the non-pk, non-vector fields).
 *
 * Locking: coll_new and coll_load run before the handle is shared (coll_load still takes the write
 * lock); every slot operation and clear/move is called with the write lock held; release runs when
 * no one else holds the handle; the lazy free runs on a background thread holding nothing.
 */
#include "core/vector/collection.h"
#include "core/store/store.h"
#include "lib/util.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

/* A fresh, empty index for c (whose rows are empty). */
static void *fresh_index(const av_collection *c)
{
    av_vecdata vd = coll_vecdata(c);
    return c->iops->create(&vd);
}

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
    pthread_mutex_init(&c->wmu, NULL);
    pthread_cond_init(&c->maint_done, NULL);
    pthread_rwlockattr_destroy(&attr);
    atomic_init(&c->refs, 1);
    c->loaded = 1;
    rows_init(&c->rows, c->dim, c->pk_is_str);
    c->props = json_object_new_object();
    c->iops = av_vecindex_for(c->schema.index_type, NULL);
    c->index = fresh_index(c);
    return c;
}

void coll_ref(av_collection *c)
{
    atomic_fetch_add(&c->refs, 1);
}

void av_collection_release(av_collection *c)
{
    if (!c || atomic_fetch_sub(&c->refs, 1) != 1) return;
    c->iops->destroy(c->index);
    rows_free(&c->rows);
    json_object_put(c->props);
    av_schema_free(&c->schema);
    pthread_rwlock_destroy(&c->lock);
    pthread_mutex_destroy(&c->wmu);
    pthread_cond_destroy(&c->maint_done);
    free(c);
}

/* Rows and their index detached from a collection, freed on a background thread. */
typedef struct detached_rows {
    coll_rows rows;
    const av_vecindex_ops *iops;
    void *index;
} detached_rows;

static void free_detached(void *arg)
{
    detached_rows *d = arg;
    d->iops->destroy(d->index);
    rows_free(&d->rows);
    free(d);
}

void coll_clear_lazily(av_collection *c)
{
    detached_rows *d = xmalloc(sizeof *d);
    rows_init(&d->rows, c->dim, c->pk_is_str);
    rows_move(&d->rows, &c->rows);
    d->iops = c->iops;
    d->index = c->index;
    c->index = fresh_index(c);
    store_lazy_free(c->st, free_detached, d);
}

void coll_move_rows(av_collection *to, av_collection *from)
{
    rows_move(&to->rows, &from->rows);
    if (to->iops == from->iops && to->schema.metric == from->schema.metric) {   /* the index goes with the rows; `from` takes to's empty one */
        void *empty = to->index;
        to->index = from->index;
        from->index = empty;
    } else {                        /* another index type: build to's from the rows */
        from->iops->destroy(from->index);
        from->index = fresh_index(from);
        av_vecdata vd = coll_vecdata(to);
        to->iops->build(to->index, &vd);
        coll_index_maintain(to);   /* an index may finish its build there (HNSW links its nodes) */
    }
    to->last_auto_id = from->last_auto_id;
    to->sid = from->sid;
    to->loaded = from->loaded;
    json_object *p = to->props;   /* the properties go with the rows */
    to->props = from->props;
    from->props = p;
}

void coll_mark_dropped(av_collection *c)
{
    coll_wrlock(c);
    c->dropped = 1;
    coll_clear_lazily(c);
    coll_wrunlock(c);
}

const av_schema *av_collection_schema(const av_collection *c)
{
    return &c->schema;
}

int64_t av_collection_count(av_collection *c)
{
    coll_rdlock(c);
    int64_t n = c->rows.live;
    if (c->rows.nttl) {
        int64_t now = av_now_ms();
        n = 0;
        for (uint32_t s = 0; s < c->rows.nslots; s++) n += coll_visible(c, s, now);
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

void av_collection_index_state(av_collection *c, av_index_state *out)
{
    coll_rdlock(c);
    int fallback = 0;
    av_vecindex_for(c->schema.index_type, &fallback);
    uint64_t indexed = (uint64_t)c->rows.live, pending = 0;
    if (c->iops->progress) c->iops->progress(c->index, &indexed, &pending);
    *out = (av_index_state){ c->iops->name, fallback, (int64_t)indexed, (int64_t)pending,
                             __atomic_load_n(&c->maint, __ATOMIC_RELAXED) };   /* (set under wmu) */
    coll_unlock(c);
}

av_vecdata coll_vecdata(const av_collection *c)
{
    const coll_rows *r = &c->rows;
    return (av_vecdata){ r->vecs, r->norms, r->alive, r->nslots, c->dim, c->schema.metric };
}

av_row_view coll_view(const av_collection *c, uint32_t slot)
{
    return rows_view(&c->rows, slot);
}

uint32_t coll_find(const av_collection *c, const av_pk *pk)
{
    return rows_find(&c->rows, pk);
}

uint32_t coll_slot_alloc(av_collection *c)
{
    return rows_slot_alloc(&c->rows);
}

/* Fills a slot (new or being replaced); takes ownership of doc. The index forgets the old vector
 * before it is overwritten and learns the new one after. */
void coll_slot_fill(av_collection *c, uint32_t slot, const av_pk *pk, const float *vec, json_object *doc)
{
    if (c->rows.alive[slot]) {
        av_vecdata before = coll_vecdata(c);
        c->iops->remove(c->index, &before, slot);
    }
    rows_slot_fill(&c->rows, slot, pk, vec, doc);
    av_vecdata vd = coll_vecdata(c);
    c->iops->add(c->index, &vd, slot);
}

void coll_slot_set_expire(av_collection *c, uint32_t slot, int64_t expire_ms)
{
    rows_slot_set_expire(&c->rows, slot, expire_ms);
}

/* The index forgets the slot while it still holds its vector; then the slot is scrubbed. */
void coll_slot_free(av_collection *c, uint32_t slot)
{
    av_vecdata vd = coll_vecdata(c);
    c->iops->remove(c->index, &vd, slot);
    rows_slot_free(&c->rows, slot);
}

static void index_publish(av_collection *c)
{
    coll_apply_lock(c);
    av_vecdata vd = coll_vecdata(c);
    c->iops->publish(c->index, &vd);
    coll_unlock(c);
}

/* The maintenance job: maintain steps, each under the writer mutex, writers let in between. */
static void maint_job(void *arg)
{
    av_collection *c = arg;
    for (int more = 1; more;) {
        coll_writer_lock(c);
        int stop = c->dropped || store_stopping(c->st);
        av_vecdata vd = coll_vecdata(c);
        more = !stop && c->iops->maintain(c->index, &vd);
        index_publish(c);   /* what the step linked or repaired, visible at once */
        if (!more) {
            vd = coll_vecdata(c);
            more = !stop && c->iops->settle(c->index, &vd);   /* more fell due meanwhile */
        }
        if (!more) {
            __atomic_store_n(&c->maint, 0, __ATOMIC_RELAXED);   /* under wmu: a settle after this starts a new job */
            pthread_cond_broadcast(&c->maint_done);
        }
        coll_writer_unlock(c);
        if (more) sched_yield();
    }
    av_collection_release(c);
}

void coll_index_maintain(av_collection *c)
{
    if (!c->iops->maintain || c->maint) return;
    __atomic_store_n(&c->maint, 1, __ATOMIC_RELAXED);
    coll_ref(c);
    store_lazy_free(c->st, maint_job, c);
}

void coll_index_settle(av_collection *c)
{
    if (!c->iops->settle) return;
    av_vecdata vd = coll_vecdata(c);
    int wants = c->iops->settle(c->index, &vd);   /* searches go on meanwhile */
    index_publish(c);
    if (wants) coll_index_maintain(c);
}

void coll_maint_wait(av_collection *c)
{
    coll_writer_lock(c);
    while (c->maint) pthread_cond_wait(&c->maint_done, &c->wmu);
    coll_writer_unlock(c);
}

void coll_compact(av_collection *c)
{
    uint32_t old_n = 0;
    uint32_t *map = rows_compact(&c->rows, &old_n);
    if (!map) return;
    av_vecdata vd = coll_vecdata(c);
    if (c->iops->remap) c->iops->remap(c->index, &vd, map, old_n);
    else c->iops->build(c->index, &vd);
    free(map);
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
        uint32_t slot = rows_slot_alloc(&c->rows);
        rows_slot_fill(&c->rows, slot, &pk, blob, doc);
        rows_slot_set_expire(&c->rows, slot, sqlite3_column_int64(st, 3));
    }
    coll_wrunlock(c);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return av_fail(err, AV_EIO, "loading collection %s: a stored row is damaged or unreadable", c->schema.name);
    return AV_OK;
}
