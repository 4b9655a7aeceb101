/*
 * store.h — the data directory and its SQLite database (internal to the engine and src/auth).
 *
 * One SQLite connection, guarded by the store's writer mutex, does every write; SQLite is the source
 * of truth and every in-memory structure is a cache of it. Pragmas: journal_mode=WAL,
 * synchronous=FULL (an acknowledged commit survives power loss), secure_delete=ON (freed content is
 * zeroed), foreign_keys=ON. Migrations are numbered and recorded in PRAGMA user_version.
 * Lock order: store catalog lock -> collection lock -> store writer mutex.
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
/* Wakes the purge thread after a commit that deleted something (rows, objects). */
void store_note_delete(av_store *st);
/* Runs SQL with no results (caller holds the lock). */
int av_store_exec(av_store *st, const char *sql, av_err *err);
/* An error from the writer connection as AV_EIO with SQLite's message. */
int av_store_sqlite_fail(av_store *st, av_err *err, const char *what);

/* Maps a project id or name to its 32-hex id on any connection (see av_project_resolve). */
int av_project_resolve_db(sqlite3 *db, const char *name_or_id, int create, char out_id[33], av_err *err);

/* Opens a separate connection on an existing or new data dir without loading collections: what the
 * credential commands use, whether or not a server runs on the same dir. Migrations are applied. */
int av_store_open_admin(const char *dir, sqlite3 **out, av_err *err);

#endif
