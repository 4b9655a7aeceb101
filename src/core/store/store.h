/*
 * store.h — the data directory and its SQLite database: the bottom of the engine (src/core/store/),
 * used by the vector and dataset parts and by src/auth. It knows nothing of collections or datasets;
 * the parts above register hooks for the work the purge thread does for them.
 *
 * One SQLite connection, guarded by the store's writer mutex, does every write; SQLite is the source
 * of truth and every in-memory structure is a cache of it. Pragmas: journal_mode=WAL,
 * synchronous=FULL (an acknowledged commit survives power loss), secure_delete=ON (freed content is
 * zeroed), foreign_keys=ON. Migrations are numbered and recorded in PRAGMA user_version.
 * Lock order (checked in debug builds, lib/lockorder.h): catalog -> collection writer mutex -> collection rwlock -> store writer mutex.
 *
 * Files: store.c (connection, open/close, slots), migrations.c, project.c, record.c, purge.c,
 * health.c (a data dir that moved; the space reserve for deletes), stats.c (figures for metrics).
 */
#ifndef AV_STORE_H
#define AV_STORE_H

#include <sqlite3.h>
#include "annovec.h"

/* The writer connection; use only between av_store_lock() and av_store_unlock(). */
sqlite3 *av_store_db(av_store *st);
void av_store_lock(av_store *st);
void av_store_unlock(av_store *st);
/* Transactions on the writer connection (caller holds the lock). Commit is durable on return. */
int av_store_begin(av_store *st, av_err *err);
int av_store_commit(av_store *st, av_err *err);
void av_store_rollback(av_store *st);
/* Before a delete, drop or purge: gives the reserve back to the file system when free space is
 * below it, so that freeing space works on a full disk (health.c). Any thread, any locks held. */
void av_store_make_room(av_store *st);
/* Runs SQL with no results (caller holds the lock). */
int av_store_exec(av_store *st, const char *sql, av_err *err);
/* An error from the writer connection as AV_EIO with SQLite's message. */
int av_store_sqlite_fail(av_store *st, av_err *err, const char *what);
/* count(*)-style query with up to two text parameters (NULL: not bound); -1 on error. */
int store_count(sqlite3 *db, const char *sql, const char *a, const char *b);

/* Maps a project id or name to its 32-hex id on any connection (see av_project_resolve). */
int av_project_resolve_db(sqlite3 *db, const char *name_or_id, int create, char out_id[33], av_err *err);

/* Opens a separate connection on an existing or new data dir without loading collections: what the
 * credential commands use, whether or not a server runs on the same dir. Migrations are applied. */
int av_store_open_admin(const char *dir, sqlite3 **out, av_err *err);

/* ---- life cycle (core/engine.c drives it: av_store_open / av_store_close) ---------------------- */
/* Opens the data dir and its database (migrations applied, the default project made). */
int  store_open(const char *dir, av_store **out, av_err *err);
/* Starts the purge thread (after every hook is registered); wakes it when a hook reports leftovers. */
void store_start(av_store *st);
/* Stops and joins the purge thread. */
void store_stop(av_store *st);
/* Waits for every store_lazy_free job to finish. */
void store_wait_lazy(av_store *st);
/* Closes the connection and frees the store (after store_stop). */
void store_close(av_store *st);

/* The vector part's catalog, kept here so that one av_store handle reaches it (opaque to the store). */
struct av_catalog;
struct av_catalog *store_catalog(const av_store *st);
void store_set_catalog(av_store *st, struct av_catalog *cat);

/* ---- figures for av_store_stats_get (stats.c; core/engine.c adds the catalog's) ---------------- */
/* Fills the purge figures of out and zeroes collections and entities. */
void store_stats_purge(av_store *st, av_store_stats *out);
/* Every project's id (caller frees each and the array); *n entries. */
char **store_project_ids(av_store *st, size_t *n);

/* ---- purge thread and hooks (purge.c) --------------------------------------------------------- */
/* Work the purge thread does for a part above the store. Every member may be NULL. Hooks run on the
 * purge thread (and in av_store_purge) without any store lock held. */
typedef struct store_hooks {
    int  (*tick)(av_store *st, void *arg);      /* each wake; 1: run again within a second (TTL rows) */
    void (*purge)(av_store *st, void *arg);     /* deletes are pending: erase what they left behind */
    int  (*leftover)(av_store *st, void *arg);  /* at start: 1 when a crash left work for purge */
    void *arg;
} store_hooks;
/* Registers hooks (copied); only before store_start. At most 4. */
void store_hook_add(av_store *st, const store_hooks *h);
/* Wakes the purge thread after a commit that deleted something (rows, objects). */
void store_note_delete(av_store *st);
/* Runs fn(arg) on a background thread (lazy frees, index maintenance); av_store_close waits for
 * every one to finish. */
void store_lazy_free(av_store *st, void (*fn)(void *), void *arg);
/* 1 once av_store_close has begun: background work should stop at its next step. */
int store_stopping(av_store *st);

#endif
