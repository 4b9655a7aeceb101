/*
 * store_internal.h — the av_store struct, shared by the files of src/core/store/ only.
 *
 * Fields and who guards them:
 *   db, wlock     the one SQLite connection and its writer mutex (store.c; rank 4 in lib/lockorder.h)
 *   catalog       the vector part's catalog, opaque here (core/vector/catalog.c owns and locks it)
 *   hooks         purge hooks registered before store_start (read-only afterwards)
 *   purge_*       the purge thread's schedule, under purge_mu (purge.c)
 *   lazy_running  background frees under way, under purge_mu (purge.c)
 *   failed, fail_reason, db_ino   a store that can no longer acknowledge writes (health.c: atomic flag)
 *   reserve_*     the space held back for deletes, under space_mu (health.c; a leaf lock)
 */
#ifndef AV_STORE_INTERNAL_H
#define AV_STORE_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>
#include "core/store/store.h"

#define STORE_HOOKS_MAX 4

struct av_store {
    char *dir;
    sqlite3 *db;
    pthread_mutex_t wlock;
    struct av_catalog *catalog;

    store_hooks hooks[STORE_HOOKS_MAX];
    int nhooks;

    pthread_t purger;
    int purger_started;
    pthread_mutex_t purge_mu;
    pthread_cond_t purge_cv;
    int purge_pending, purge_stop;
    int64_t purge_first_ms, purge_last_ms;
    int64_t delete_commits, purge_done_ms;   /* for av_store_stats_get (stats.c) */
    int lazy_running;

    atomic_int failed;
    char fail_reason[200];
    ino_t db_ino;
    pthread_mutex_t space_mu;
    int64_t reserve_bytes;
    int reserve_held;
};

/* Runs SQL with no results on any connection; AV_EIO with SQLite's message. */
int store_db_exec(sqlite3 *db, const char *sql, av_err *err);
/* health.c: records the database file's identity and installs the commit hook that refuses commits
 * once it moved; takes the reserve when there is room; takes it again (purge thread) once twice its
 * size is free. */
void store_health_open(av_store *st);
void store_space_open(av_store *st);
void store_space_restore(av_store *st);
/* AV_OK, or AV_EIO (err says why, replacing what it said) when the store can no longer acknowledge
 * writes. */
int store_failed(av_store *st, av_err *err);
/* Applies the numbered migrations (migrations.c) in one transaction. */
int store_migrate(sqlite3 *db, av_err *err);

#endif
