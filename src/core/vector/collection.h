/*
 * collection.h — engine-internal view of a collection: the in-memory cache of its SQLite rows
 * (coll_rows, see rows.h) and the vector index over them (vecindex.h).
 *
 * The rows live in slots (rows.h). collection.c wraps every slot change with what the vector index
 * must be told, so that the index always describes the live slots: add/remove per slot, remap when
 * coll_compact renumbers them, a fresh index when the rows are cleared or moved to another handle.
 *
 * Locking: two locks. `wmu`, the writer mutex, lets one writer at a time change the collection;
 * `lock`, a writer-preferring rwlock, guards what readers read. Readers (get/query/count/search) hold
 * `lock` shared for the whole call, visitors included. Writers validate outside both, take `wmu` and
 * under it alone check the rows (only writers change them, so a writer that holds `wmu` reads them
 * safely) and run the SQLite transaction — readers go on meanwhile, seeing the last committed state —
 * then take `lock` exclusively just to apply the batch in memory. So a read never waits for an fsync,
 * a write that has returned is visible to every later reader, and no reader sees half a batch.
 * Everything that changes rows, the index, sid, loaded or dropped holds both.
 * Lock order: catalog -> collection writer -> collection -> store.
 * A struct av_collection is never copied: rows move between handles with coll_move_rows.
 *
 * TTL: a slot whose expire time has passed is invisible to every read at once (coll_visible); the
 * store's purge thread deletes expired rows from SQLite and memory later (av_collection_expire).
 */
#ifndef AV_COLLECTION_H
#define AV_COLLECTION_H

#include <pthread.h>
#include <stdatomic.h>
#include <sqlite3.h>
#include "annovec.h"
#include "core/vector/rows.h"
#include "core/vector/vecindex.h"
#include "lib/lockorder.h"

struct av_collection {
    av_store *st;
    int64_t id;                 /* collection.id in SQLite */
    int64_t sid;                /* storage id: entity.coll of this collection's rows (see store.c) */
    char project[33];
    char db[AV_NAME_MAX + 1];
    av_schema schema;
    const av_field *pkf, *vecf; /* into schema.fields */
    int dim;
    int pk_is_str;

    pthread_mutex_t wmu;        /* the writer mutex */
    pthread_rwlock_t lock;
    atomic_int refs;
    int dropped;                /* changed under wmu and lock: either one suffices to read it */
    int loaded;                 /* likewise */

    coll_rows rows;             /* likewise */
    json_object *props;         /* the properties a dialect set (table coll_prop): a JSON object of
                                   strings, replaced (never changed in place) under wmu and lock */
    int64_t last_auto_id;       /* under wmu */

    const av_vecindex_ops *iops; /* from schema.index_type at coll_new (vecindex.h); never changes */
    void *index;                 /* like rows: iops's state over them */

    int maint;                   /* under wmu: a maintenance job (the index's background work) runs */
    pthread_cond_t maint_done;   /* with wmu: signalled when it ends */
};

/* Creates the in-memory collection (refs = 1, empty) with the index its schema's index_type names
 * (FLAT when none is registered for it). Takes a copy of the schema. */
av_collection *coll_new(av_store *st, int64_t id, const char *project, const char *db, const av_schema *s);
/* Loads the rows stored for c (startup) without telling the index: coll_index_open
 * (collection_snapshot.h) then reads the index's snapshot or builds it in one go. */
int coll_load(av_collection *c, sqlite3 *db, av_err *err);
void coll_ref(av_collection *c);
/* Marks dropped and hands the in-memory rows to a background thread to free (caller holds no lock). */
void coll_mark_dropped(av_collection *c);
/* Swaps the rows and the index for an empty set in O(1) and frees the old ones on a background
 * thread (Redis's lazy free, store_lazy_free). Caller holds the write lock. */
void coll_clear_lazily(av_collection *c);
/* Moves all rows (and the vector index) of `from` into `to`, fresh from coll_new and not shared yet
 * (rename and alter swap handles), leaving `from` empty. Caller holds from's write lock. */
void coll_move_rows(av_collection *to, av_collection *from);

/* Slot operations (caller holds the write lock: `lock` exclusive, by coll_apply_lock or coll_wrlock). */
uint32_t coll_slot_alloc(av_collection *c);
void coll_slot_fill(av_collection *c, uint32_t slot, const av_pk *pk, const float *vec, json_object *doc);
void coll_slot_free(av_collection *c, uint32_t slot);
/* Sets a live slot's expiry (epoch ms, 0 = never). */
void coll_slot_set_expire(av_collection *c, uint32_t slot, int64_t expire_ms);
/* A slot readers may see: in use and not expired at `now` (epoch ms). */
static inline int coll_visible(const av_collection *c, uint32_t s, int64_t now)
{
    return rows_visible(&c->rows, s, now);
}
/* Moves live slots down over free ones when more than half the slots are free (keeps scans dense)
 * and tells the index with one remap (or a build when it has no remap). Slot numbers change: caller
 * holds the write lock and keeps no slot numbers across it. */
void coll_compact(av_collection *c);
av_vecdata coll_vecdata(const av_collection *c);
av_row_view coll_view(const av_collection *c, uint32_t slot);
/* After a write's in-memory apply: the index's settle (writer mutex only, searches running) and
 * publish (under the rwlock, briefly); when settle asks for background work, starts the
 * collection's maintenance job (one at a time) on a background thread of the store: it calls the
 * index's maintain step by step, taking the writer mutex for each step only, until the work is
 * done, the collection is dropped or the store closes. Caller holds the writer mutex, not the rwlock. */
void coll_index_settle(av_collection *c);
/* Starts the maintenance job unless it runs (after a build, whose index may finish it there). Caller
 * holds the writer mutex. */
void coll_index_maintain(av_collection *c);
/* Waits until no maintenance job of c runs (tests, benchmarks). Caller holds no lock of c. */
void coll_maint_wait(av_collection *c);

/* Slot holding pk, or PKMAP_NONE. */
uint32_t coll_find(const av_collection *c, const av_pk *pk);

/* The collection's locks, with the lock-order check of lib/lockorder.h. Readers: coll_rdlock /
 * coll_unlock (the rwlock shared, rank 3). Writers: coll_writer_lock (the writer mutex, rank 2), then
 * coll_apply_lock / coll_unlock (the rwlock exclusive) around the in-memory apply only. coll_wrlock /
 * coll_wrunlock take both, for changes short enough to hold readers off for their whole length. */
static inline void coll_rdlock(av_collection *c) { av_lock_acquire(AV_LOCK_COLLECTION); pthread_rwlock_rdlock(&c->lock); }
static inline void coll_unlock(av_collection *c) { pthread_rwlock_unlock(&c->lock); av_lock_release(AV_LOCK_COLLECTION); }
static inline void coll_writer_lock(av_collection *c) { av_lock_acquire(AV_LOCK_COLL_WRITER); pthread_mutex_lock(&c->wmu); }
static inline void coll_writer_unlock(av_collection *c) { pthread_mutex_unlock(&c->wmu); av_lock_release(AV_LOCK_COLL_WRITER); }
static inline void coll_apply_lock(av_collection *c) { av_lock_acquire(AV_LOCK_COLLECTION); pthread_rwlock_wrlock(&c->lock); }
static inline void coll_wrlock(av_collection *c) { coll_writer_lock(c); coll_apply_lock(c); }
static inline void coll_wrunlock(av_collection *c) { coll_unlock(c); coll_writer_unlock(c); }

#endif
