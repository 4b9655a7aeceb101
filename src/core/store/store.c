/*
 * store.c — the data directory and its one SQLite connection: pragmas, opening (migrations.c applies
 * the schema), the writer mutex and transactions, and the slots where the parts above keep their
 * state (the vector catalog, purge hooks). The store knows nothing of collections or datasets.
 *
 * Locking: the writer mutex (`wlock`, rank 4: the innermost lock) guards the connection; every write
 * and every read that must see the latest commit takes it. See lib/lockorder.h for the order.
 */
#include "core/store/store_internal.h"
#include "lib/lockorder.h"
#include "lib/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* Creates the database file 0600 before SQLite opens it (SQLite would create it 0644 & ~umask; its
 * -wal and -shm files take the database file's mode), and takes group and other bits off a database,
 * WAL or shm file an older version left readable. Errors are left to sqlite3_open_v2 to report. */
static void private_file(const char *db_path)
{
    int fd = open(db_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) close(fd);
    static const char *const suffix[] = { "", "-wal", "-shm" };
    for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
        char *p = xasprintf("%s%s", db_path, suffix[i]);
        struct stat sb;
        if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode) && (sb.st_mode & 077)) chmod(p, sb.st_mode & 0700);
        free(p);
    }
}

static int open_db(const char *dir, sqlite3 **out, av_err *err)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return av_fail_on(err, AV_EIO, AV_ENT_NONE, AV_R_NONE, dir, NULL, "cannot create data directory %s: %s", dir, strerror(errno));
    char *path = xasprintf("%s/annovec.db", dir);
    private_file(path);
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path, &db, flags, NULL);
    free(path);
    if (rc != SQLITE_OK) {
        rc = av_fail_on(err, AV_EIO, AV_ENT_NONE, AV_R_NONE, dir, NULL, "cannot open %s/annovec.db: %s", dir, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_timeout(db, 10000);
    /* auto_vacuum only takes effect on a new database (before the first table), so set it first. */
    rc = store_db_exec(db, "PRAGMA auto_vacuum=INCREMENTAL; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON; PRAGMA journal_size_limit=0;", err);
    if (rc == AV_OK) rc = store_migrate(db, err);
    if (rc) { sqlite3_close(db); return rc; }
    *out = db;
    return AV_OK;
}

int av_store_open_admin(const char *dir, sqlite3 **out, av_err *err)
{
    return open_db(dir, out, err);
}


sqlite3 *av_store_db(av_store *st) { return st->db; }
void av_store_lock(av_store *st)
{
    av_lock_acquire(AV_LOCK_STORE);
    pthread_mutex_lock(&st->wlock);
}

void av_store_unlock(av_store *st)
{
    pthread_mutex_unlock(&st->wlock);
    av_lock_release(AV_LOCK_STORE);
}
const char *av_store_dir(const av_store *st) { return st->dir; }

int av_store_exec(av_store *st, const char *sql, av_err *err)
{
    int rc = store_db_exec(st->db, sql, err);
    if (rc) store_failed(st, err);
    return rc;
}

int av_store_sqlite_fail(av_store *st, av_err *err, const char *what)
{
    int rc = av_fail_on(err, AV_EIO, AV_ENT_NONE, AV_R_NONE, NULL, NULL, "storage error while %s: %s", what, sqlite3_errmsg(st->db));
    store_failed(st, err);
    return rc;
}

int av_store_begin(av_store *st, av_err *err)
{
    int rc = store_failed(st, err);
    return rc ? rc : store_db_exec(st->db, "BEGIN IMMEDIATE", err);
}

int av_store_commit(av_store *st, av_err *err)
{
    int rc = store_db_exec(st->db, "COMMIT", err);
    if (rc) {
        store_db_exec(st->db, "ROLLBACK", NULL);
        store_failed(st, err);   /* the commit hook refused it: say why */
    }
    return rc;
}
void av_store_rollback(av_store *st) { store_db_exec(st->db, "ROLLBACK", NULL); }

int av_project_resolve(av_store *st, const char *name_or_id, int create, char out_id[33], av_err *err)
{
    av_store_lock(st);
    int rc = av_project_resolve_db(st->db, name_or_id, create, out_id, err);
    av_store_unlock(st);
    return rc;
}

struct av_catalog *store_catalog(const av_store *st) { return st->catalog; }
void store_set_catalog(av_store *st, struct av_catalog *cat) { st->catalog = cat; }

void store_hook_add(av_store *st, const store_hooks *h)
{
    if (st->nhooks == STORE_HOOKS_MAX || st->purger_started) abort();   /* a programming error */
    st->hooks[st->nhooks++] = *h;
}

/* ---- open / close ---------------------------------------------------------------------------- */

int store_open(const char *dir, av_store **out, av_err *err)
{
    av_store *st = xcalloc(1, sizeof *st);
    st->dir = xstrdup(dir);
    pthread_mutex_init(&st->wlock, NULL);
    pthread_mutex_init(&st->purge_mu, NULL);
    pthread_cond_init(&st->purge_cv, NULL);
    pthread_mutex_init(&st->space_mu, NULL);
    st->reserve_bytes = AV_STORE_RESERVE_DEFAULT;
    int rc = open_db(dir, &st->db, err);
    char id[33];
    if (rc == AV_OK) rc = av_project_resolve_db(st->db, "default", 1, id, err);
    if (rc) {
        store_close(st);
        return rc;
    }
    store_health_open(st);   /* installs the commit hook */
    store_space_open(st);
    *out = st;
    return AV_OK;
}

void store_close(av_store *st)
{
    if (!st) return;
    if (st->db) sqlite3_close(st->db);
    pthread_mutex_destroy(&st->wlock);
    pthread_mutex_destroy(&st->purge_mu);
    pthread_cond_destroy(&st->purge_cv);
    pthread_mutex_destroy(&st->space_mu);
    free(st->dir);
    free(st);
}

int av_project_list(av_store *st, json_object **out, av_err *err)
{
    sqlite3_stmt *q;
    av_store_lock(st);
    if (sqlite3_prepare_v2(st->db, "SELECT id, name, created_ms FROM project ORDER BY created_ms, id", -1, &q, NULL) != SQLITE_OK) {
        int rc = av_fail(err, AV_EIO, "storage error: %s", sqlite3_errmsg(st->db));
        av_store_unlock(st);
        return rc;
    }
    json_object *arr = json_object_new_array();
    while (sqlite3_step(q) == SQLITE_ROW) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "id", json_object_new_string((const char *)sqlite3_column_text(q, 0)));
        json_object_object_add(o, "name", json_object_new_string((const char *)sqlite3_column_text(q, 1)));
        json_object_object_add(o, "created_ms", json_object_new_int64(sqlite3_column_int64(q, 2)));
        json_object_array_add(arr, o);
    }
    sqlite3_finalize(q);
    av_store_unlock(st);
    *out = arr;
    return AV_OK;
}
