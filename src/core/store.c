/*
 * store.c — the data directory: SQLite connection, pragmas and migrations, projects, databases, the
 * catalog of collections, and the purge thread (see store.h).
 *
 * Catalog: every collection of every project is loaded at open and kept in `colls` (guarded by the
 * catalog rwlock). av_collection_open hands out counted references, so dropping a collection that a
 * request still uses is safe: the request sees AV_ENOTFOUND on its next call and the memory goes
 * with the last reference.
 *
 * Purge thread: deletes call store_note_delete(); the thread then returns free pages to the file
 * system (auto_vacuum=INCREMENTAL, so the file shrinks) and checkpoints with TRUNCATE, so the pages
 * secure_delete zeroed replace the old bytes in annovec.db and the WAL (which still holds the
 * inserted bytes) is emptied. It waits for a quiet moment (no delete for PURGE_QUIET_MS) but never
 * longer than PURGE_MAX_DELAY_MS after the first pending delete. While any collection holds rows with
 * a TTL it also wakes every PURGE_TTL_INTERVAL_MS to delete the expired ones (they are invisible to
 * reads from the instant they expire; this only removes them).
 */
#include "core/store.h"
#include "core/collection.h"
#include "core/objects.h"
#include "core/schema.h"
#include "core/util.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define PURGE_QUIET_MS 200
#define PURGE_MAX_DELAY_MS 2000
#define PURGE_TTL_INTERVAL_MS 1000   /* how often expired rows are removed while any exist */

struct av_store {
    char *dir;
    sqlite3 *db;
    pthread_mutex_t wlock;
    pthread_rwlock_t catalog;
    av_collection **colls;
    size_t ncolls, capcolls;

    pthread_t purger;
    pthread_mutex_t purge_mu;
    pthread_cond_t purge_cv;
    int purge_pending, purge_stop;
    int64_t purge_first_ms, purge_last_ms;
    int lazy_running;          /* background frees under way (guarded by purge_mu) */
};

/* ---- migrations ------------------------------------------------------------------------------ */

static const char *const migrations[] = {
    /* 1: projects, credentials, databases, collections, entities */
    "CREATE TABLE project(id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_ms INTEGER NOT NULL);"
    "CREATE TABLE apikey(id TEXT PRIMARY KEY, project TEXT NOT NULL REFERENCES project(id),"
    "  salt BLOB NOT NULL, hash BLOB NOT NULL, created_ms INTEGER NOT NULL);"
    "CREATE TABLE user(name TEXT PRIMARY KEY, project TEXT NOT NULL REFERENCES project(id),"
    "  salt BLOB NOT NULL, hash BLOB NOT NULL, iterations INTEGER NOT NULL, created_ms INTEGER NOT NULL);"
    "CREATE TABLE db(project TEXT NOT NULL REFERENCES project(id), name TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL, PRIMARY KEY(project, name));"
    "CREATE TABLE collection(id INTEGER PRIMARY KEY, project TEXT NOT NULL, db TEXT NOT NULL,"
    "  name TEXT NOT NULL, schema TEXT NOT NULL, loaded INTEGER NOT NULL DEFAULT 1,"
    "  last_auto_id INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL,"
    "  UNIQUE(project, db, name), FOREIGN KEY(project, db) REFERENCES db(project, name));"
    "CREATE TABLE entity(coll INTEGER NOT NULL REFERENCES collection(id) ON DELETE CASCADE,"
    "  pk NOT NULL, vec BLOB NOT NULL, doc TEXT NOT NULL);"
    "CREATE UNIQUE INDEX entity_pk ON entity(coll, pk);",
    /* 2: Volcengine AK/SK pairs (VikingDB signatures). The SK is an HMAC key, so it is kept as is
     *    (it cannot be hashed) and never logged. */
    "CREATE TABLE volc_key(ak TEXT PRIMARY KEY, project TEXT NOT NULL REFERENCES project(id),"
    "  sk TEXT NOT NULL, created_ms INTEGER NOT NULL);",
    /* 3: named index definitions of a collection (see av_index_put) */
    "CREATE TABLE coll_index(coll INTEGER NOT NULL REFERENCES collection(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL, spec TEXT NOT NULL, PRIMARY KEY(coll, name));",
    /* 4: per-row expiry (TTL), epoch ms, 0 = never */
    "ALTER TABLE entity ADD COLUMN expire_ms INTEGER NOT NULL DEFAULT 0;",
    /* 5: storage ids. entity.coll holds a collection's storage id (collection.sid: its id at first,
     *    then a fresh negative one after each delete-all); retired ids wait in `orphan` until the
     *    purge thread has deleted their rows. entity is rebuilt without its foreign key for that. */
    "CREATE TABLE entity_new(coll INTEGER NOT NULL, pk NOT NULL, vec BLOB NOT NULL, doc TEXT NOT NULL,"
    "  expire_ms INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO entity_new SELECT coll, pk, vec, doc, expire_ms FROM entity;"
    "DROP TABLE entity;"
    "ALTER TABLE entity_new RENAME TO entity;"
    "CREATE UNIQUE INDEX entity_pk ON entity(coll, pk);"
    "ALTER TABLE collection ADD COLUMN sid INTEGER NOT NULL DEFAULT 0;"
    "UPDATE collection SET sid = id;"
    "CREATE TABLE orphan(sid INTEGER PRIMARY KEY);",
    /* 6: dialect records (VikingDB tasks) */
    "CREATE TABLE record(project TEXT NOT NULL, kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL,"
    "  PRIMARY KEY(project, kind, id));",
    /* 7: project-scoped tokens (ModelArts X-Auth-Token), salted hashes with an expiry */
    "CREATE TABLE token(id TEXT PRIMARY KEY, project TEXT NOT NULL REFERENCES project(id), salt BLOB NOT NULL,"
    "  hash BLOB NOT NULL, expires_ms INTEGER NOT NULL, created_ms INTEGER NOT NULL);",
    /* 8: content-addressed objects (objects.c) and the queue of files to erase */
    "CREATE TABLE object(sha TEXT PRIMARY KEY, size INTEGER NOT NULL, refs INTEGER NOT NULL, created_ms INTEGER NOT NULL);"
    "CREATE TABLE object_trash(sha TEXT PRIMARY KEY);",
    /* 9: datasets (dataset.c, sample.c, dsversion.c). `file` is a project's OBS-like namespace: each
     *    row holds one reference on its object. References to a path are counted by query from
     *    sample.path and version_sample.path, so they cannot drift; `doomed` marks a path whose
     *    deletion was asked for while something still referred to it. */
    "CREATE TABLE server_secret(id INTEGER PRIMARY KEY CHECK(id = 1), key BLOB NOT NULL);"
    "CREATE TABLE file(project TEXT NOT NULL, path TEXT NOT NULL, sha TEXT NOT NULL, size INTEGER NOT NULL,"
    "  doomed INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL, PRIMARY KEY(project, path));"
    "CREATE INDEX file_doomed ON file(project) WHERE doomed = 1;"
    "CREATE TABLE dataset(id TEXT PRIMARY KEY, project TEXT NOT NULL REFERENCES project(id), name TEXT NOT NULL,"
    "  type INTEGER NOT NULL, description TEXT NOT NULL, spec TEXT NOT NULL, created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL, next_version INTEGER NOT NULL DEFAULT 1, current_version TEXT,"
    "  deleted_samples INTEGER NOT NULL DEFAULT 0, next_seq INTEGER NOT NULL DEFAULT 1, UNIQUE(project, name));"
    "CREATE TABLE ds_label(dataset TEXT NOT NULL REFERENCES dataset(id) ON DELETE CASCADE, name TEXT NOT NULL,"
    "  type INTEGER NOT NULL, property TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(dataset, name));"
    "CREATE TABLE sample(id TEXT PRIMARY KEY, project TEXT NOT NULL, dataset TEXT NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL, name TEXT NOT NULL, dir TEXT NOT NULL, type INTEGER NOT NULL, path TEXT, size INTEGER NOT NULL,"
    "  text TEXT, labels TEXT NOT NULL, metadata TEXT NOT NULL, status INTEGER NOT NULL, usage TEXT,"
    "  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE INDEX sample_seq ON sample(dataset, seq);"
    "CREATE INDEX sample_path ON sample(project, path) WHERE path IS NOT NULL;"
    "CREATE UNIQUE INDEX sample_ds_path ON sample(dataset, path) WHERE path IS NOT NULL;"
    "CREATE TABLE ds_version(id TEXT PRIMARY KEY, dataset TEXT NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL, num INTEGER NOT NULL, doc TEXT NOT NULL, labels TEXT NOT NULL, manifest_path TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL, UNIQUE(dataset, name));"
    "CREATE TABLE version_sample(version TEXT NOT NULL REFERENCES ds_version(id) ON DELETE CASCADE, project TEXT NOT NULL,"
    "  sample TEXT NOT NULL, seq INTEGER NOT NULL, doc TEXT NOT NULL, path TEXT, labels TEXT NOT NULL, PRIMARY KEY(version, sample));"
    "CREATE INDEX version_sample_path ON version_sample(project, path) WHERE path IS NOT NULL;",
};

static int db_exec(sqlite3 *db, const char *sql, av_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK) return AV_OK;
    int rc = av_fail(err, AV_EIO, "storage error: %s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return rc;
}

static int user_version(sqlite3 *db)
{
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    return v;
}

static int migrate(sqlite3 *db, av_err *err)
{
    int n = (int)(sizeof migrations / sizeof *migrations);
    int rc = db_exec(db, "BEGIN IMMEDIATE", err);
    if (rc) return rc;
    int v = user_version(db);
    if (v > n) {
        db_exec(db, "ROLLBACK", NULL);
        return av_fail(err, AV_EIO, "the data directory was written by a newer annovec (schema version %d > %d)", v, n);
    }
    for (; v < n && rc == AV_OK; v++) {
        rc = db_exec(db, migrations[v], err);
        if (rc == AV_OK) {
            char q[64];
            snprintf(q, sizeof q, "PRAGMA user_version = %d", v + 1);
            rc = db_exec(db, q, err);
        }
    }
    if (rc == AV_OK) return db_exec(db, "COMMIT", err);
    db_exec(db, "ROLLBACK", NULL);
    return rc;
}

static int open_db(const char *dir, sqlite3 **out, av_err *err)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return av_fail(err, AV_EIO, "cannot create data directory %s: %s", dir, strerror(errno));
    char *path = xasprintf("%s/annovec.db", dir);
    sqlite3 *db = NULL;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path, &db, flags, NULL);
    free(path);
    if (rc != SQLITE_OK) {
        rc = av_fail(err, AV_EIO, "cannot open %s/annovec.db: %s", dir, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return rc;
    }
    sqlite3_busy_timeout(db, 10000);
    /* auto_vacuum only takes effect on a new database (before the first table), so set it first. */
    rc = db_exec(db, "PRAGMA auto_vacuum=INCREMENTAL; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                     "PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON; PRAGMA journal_size_limit=0;", err);
    if (rc == AV_OK) rc = migrate(db, err);
    if (rc) { sqlite3_close(db); return rc; }
    *out = db;
    return AV_OK;
}

int av_store_open_admin(const char *dir, sqlite3 **out, av_err *err)
{
    return open_db(dir, out, err);
}

/* ---- writer connection ----------------------------------------------------------------------- */

sqlite3 *av_store_db(av_store *st) { return st->db; }
void av_store_lock(av_store *st) { pthread_mutex_lock(&st->wlock); }
void av_store_unlock(av_store *st) { pthread_mutex_unlock(&st->wlock); }
const char *av_store_dir(const av_store *st) { return st->dir; }

int av_store_exec(av_store *st, const char *sql, av_err *err)
{
    return db_exec(st->db, sql, err);
}

int av_store_sqlite_fail(av_store *st, av_err *err, const char *what)
{
    return av_fail(err, AV_EIO, "storage error while %s: %s", what, sqlite3_errmsg(st->db));
}

int av_store_begin(av_store *st, av_err *err) { return db_exec(st->db, "BEGIN IMMEDIATE", err); }
int av_store_commit(av_store *st, av_err *err)
{
    int rc = db_exec(st->db, "COMMIT", err);
    if (rc) db_exec(st->db, "ROLLBACK", NULL);
    return rc;
}
void av_store_rollback(av_store *st) { db_exec(st->db, "ROLLBACK", NULL); }

/* ---- projects -------------------------------------------------------------------------------- */

static int is_hex32(const char *s)
{
    if (strlen(s) != 32) return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return 0;
    return 1;
}

static int project_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64) return 0;
    if (!(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) return 0;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        if (!(c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return 0;
    }
    return 1;
}

static int project_lookup(sqlite3 *db, const char *sql, const char *key, char out_id[33])
{
    sqlite3_stmt *st;
    int found = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(out_id, 33, "%s", (const char *)sqlite3_column_text(st, 0));
        found = 1;
    }
    sqlite3_finalize(st);
    return found;
}

static int project_insert(sqlite3 *db, const char *id, const char *name, av_err *err)
{
    char *q = sqlite3_mprintf("INSERT INTO project(id, name, created_ms) VALUES (%Q, %Q, %lld);"
                              "INSERT OR IGNORE INTO db(project, name, created_ms) VALUES (%Q, 'default', %lld);",
                              id, name, (long long)av_now_ms(), id, (long long)av_now_ms());
    int rc = db_exec(db, q, err);
    sqlite3_free(q);
    return rc;
}

int av_project_resolve_db(sqlite3 *db, const char *name_or_id, int create, char out_id[33], av_err *err)
{
    if (!name_or_id || !*name_or_id)
        return av_fail(err, AV_EINVAL, "project is empty; name a project by its 32-hex id or its name");
    int hex = is_hex32(name_or_id);
    if (!hex && !project_name_ok(name_or_id))
        return av_fail(err, AV_EINVAL, "invalid project \"%.64s\": use a 32-hex-character id or a name of letters, digits, '_' and '-' (at most 64, starting with a letter or '_')", name_or_id);
    int found = project_lookup(db, hex ? "SELECT id FROM project WHERE id = ?1" : "SELECT id FROM project WHERE name = ?1", name_or_id, out_id);
    if (found < 0) return av_fail(err, AV_EIO, "storage error: %s", sqlite3_errmsg(db));
    if (found) return AV_OK;
    if (!create) return av_fail(err, AV_ENOTFOUND, "project \"%s\" does not exist", name_or_id);
    if (hex) snprintf(out_id, 33, "%s", name_or_id);
    else {
        unsigned char r[16];
        av_random(r, sizeof r);
        av_hex(r, sizeof r, out_id);
    }
    return project_insert(db, out_id, name_or_id, err);
}

int av_project_resolve(av_store *st, const char *name_or_id, int create, char out_id[33], av_err *err)
{
    av_store_lock(st);
    int rc = av_project_resolve_db(st->db, name_or_id, create, out_id, err);
    av_store_unlock(st);
    return rc;
}

/* ---- databases ------------------------------------------------------------------------------- */

static int count_rows(sqlite3 *db, const char *sql, const char *a, const char *b)
{
    sqlite3_stmt *st;
    int n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
    sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (b) sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

int av_db_exists(av_store *st, const char *project, const char *db)
{
    if (strcmp(db, "default") == 0) return 1;
    av_store_lock(st);
    int n = count_rows(st->db, "SELECT count(*) FROM db WHERE project = ?1 AND name = ?2", project, db);
    av_store_unlock(st);
    return n > 0;
}

int av_db_create(av_store *st, const char *project, const char *db, av_err *err)
{
    int rc = av_name_check(db, "database name", err);
    if (rc) return rc;
    av_store_lock(st);
    int n = count_rows(st->db, "SELECT count(*) FROM db WHERE project = ?1 AND name = ?2", project, db);
    if (n > 0 || strcmp(db, "default") == 0) rc = av_fail(err, AV_EEXIST, "database \"%s\" already exists", db);
    else {
        char *q = sqlite3_mprintf("INSERT INTO db(project, name, created_ms) VALUES (%Q, %Q, %lld)", project, db, (long long)av_now_ms());
        rc = db_exec(st->db, q, err);
        sqlite3_free(q);
    }
    av_store_unlock(st);
    return rc;
}

int av_db_drop(av_store *st, const char *project, const char *db, av_err *err)
{
    if (strcmp(db, "default") == 0) return av_fail(err, AV_EINVAL, "the database \"default\" cannot be dropped");
    pthread_rwlock_wrlock(&st->catalog);
    av_store_lock(st);
    int rc = AV_OK;
    if (count_rows(st->db, "SELECT count(*) FROM db WHERE project = ?1 AND name = ?2", project, db) <= 0)
        rc = av_fail(err, AV_ENODB, "database not found, database: %s", db);
    else if (count_rows(st->db, "SELECT count(*) FROM collection WHERE project = ?1 AND db = ?2", project, db) > 0)
        rc = av_fail(err, AV_EINVAL, "database \"%s\" still has collections; drop them first", db);
    else {
        char *q = sqlite3_mprintf("DELETE FROM db WHERE project = %Q AND name = %Q", project, db);
        rc = db_exec(st->db, q, err);
        sqlite3_free(q);
    }
    av_store_unlock(st);
    pthread_rwlock_unlock(&st->catalog);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int av_db_list(av_store *st, const char *project, char ***names, size_t *n, av_err *err)
{
    av_store_lock(st);
    sqlite3_stmt *q;
    *names = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(st->db, "SELECT name FROM db WHERE project = ?1", -1, &q, NULL) != SQLITE_OK) {
        int rc = av_store_sqlite_fail(st, err, "listing databases");
        av_store_unlock(st);
        return rc;
    }
    sqlite3_bind_text(q, 1, project, -1, SQLITE_STATIC);
    size_t cap = 8;
    char **v = xmalloc(sizeof(char *) * cap);
    int has_default = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (*n + 1 >= cap) v = xrealloc(v, sizeof(char *) * (cap *= 2));
        v[*n] = xstrdup((const char *)sqlite3_column_text(q, 0));
        has_default |= strcmp(v[*n], "default") == 0;
        (*n)++;
    }
    sqlite3_finalize(q);
    av_store_unlock(st);
    if (!has_default) v[(*n)++] = xstrdup("default");
    qsort(v, *n, sizeof *v, cmp_str);
    *names = v;
    return AV_OK;
}

/* ---- catalog --------------------------------------------------------------------------------- */

/* Caller holds the catalog lock. */
static av_collection *catalog_find(av_store *st, const char *project, const char *db, const char *name, size_t *idx)
{
    for (size_t i = 0; i < st->ncolls; i++) {
        av_collection *c = st->colls[i];
        if (strcmp(c->project, project) == 0 && strcmp(c->db, db) == 0 && strcmp(c->schema.name, name) == 0) {
            if (idx) *idx = i;
            return c;
        }
    }
    return NULL;
}

static void catalog_add(av_store *st, av_collection *c)
{
    if (st->ncolls == st->capcolls) {
        st->capcolls = st->capcolls ? st->capcolls * 2 : 16;
        st->colls = xrealloc(st->colls, sizeof(av_collection *) * st->capcolls);
    }
    st->colls[st->ncolls++] = c;
}

static int db_check(av_store *st, const char *project, const char *db, av_err *err)
{
    if (strcmp(db, "default") == 0) {
        /* the project row may be new: make sure the default db row exists for the foreign key */
        char *q = sqlite3_mprintf("INSERT OR IGNORE INTO db(project, name, created_ms) VALUES (%Q, 'default', %lld)", project, (long long)av_now_ms());
        int rc = db_exec(st->db, q, err);
        sqlite3_free(q);
        return rc;
    }
    if (count_rows(st->db, "SELECT count(*) FROM db WHERE project = ?1 AND name = ?2", project, db) > 0) return AV_OK;
    return av_fail(err, AV_ENODB, "database not found, database: %s", db);
}

int av_collection_create(av_store *st, const char *project, const char *db, const av_schema *schema, av_err *err)
{
    int rc = av_schema_validate(schema, err);
    if (rc) return rc;
    av_schema s;
    av_schema_copy(&s, schema);
    s.created_ms = av_now_ms();
    pthread_rwlock_wrlock(&st->catalog);
    av_store_lock(st);
    rc = db_check(st, project, db, err);
    if (rc == AV_OK && catalog_find(st, project, db, s.name, NULL))
        rc = av_fail(err, AV_EEXIST, "collection \"%s\" already exists in database \"%s\"", s.name, db);
    int64_t id = 0;
    if (rc == AV_OK) {
        json_object *js = schema_to_json(&s);
        char *q = sqlite3_mprintf("INSERT INTO collection(project, db, name, schema, created_ms) VALUES (%Q, %Q, %Q, %Q, %lld)",
                                  project, db, s.name, json_object_to_json_string_ext(js, JSON_C_TO_STRING_PLAIN), (long long)s.created_ms);
        rc = db_exec(st->db, q, err);
        sqlite3_free(q);
        json_object_put(js);
        id = sqlite3_last_insert_rowid(st->db);
        if (rc == AV_OK) {
            char u[96];
            snprintf(u, sizeof u, "UPDATE collection SET sid = id WHERE id = %" PRId64, id);
            rc = db_exec(st->db, u, err);
        }
    }
    av_store_unlock(st);
    if (rc == AV_OK) {
        s.id = id;
        catalog_add(st, coll_new(st, id, project, db, &s));
    }
    pthread_rwlock_unlock(&st->catalog);
    av_schema_free(&s);
    return rc;
}

int av_collection_open(av_store *st, const char *project, const char *db, const char *name,
                       av_collection **out, av_err *err)
{
    pthread_rwlock_rdlock(&st->catalog);
    av_collection *c = catalog_find(st, project, db, name, NULL);
    if (c) coll_ref(c);
    pthread_rwlock_unlock(&st->catalog);
    *out = c;
    if (c) return AV_OK;
    if (!av_db_exists(st, project, db)) return av_fail(err, AV_ENODB, "database not found, database: %s", db);
    return av_fail(err, AV_ENOTFOUND, "collection not found[database=%s][collection=%s]", db, name);
}

int av_collection_open_id(av_store *st, const char *project, int64_t id, av_collection **out)
{
    *out = NULL;
    pthread_rwlock_rdlock(&st->catalog);
    for (size_t i = 0; i < st->ncolls && !*out; i++)
        if (st->colls[i]->id == id && strcmp(st->colls[i]->project, project) == 0) *out = st->colls[i];
    if (*out) coll_ref(*out);
    pthread_rwlock_unlock(&st->catalog);
    return *out ? AV_OK : AV_ENOTFOUND;
}

int av_collection_drop(av_store *st, const char *project, const char *db, const char *name, av_err *err)
{
    pthread_rwlock_wrlock(&st->catalog);
    size_t idx;
    av_collection *c = catalog_find(st, project, db, name, &idx);
    int rc = AV_OK;
    if (!c) rc = av_fail(err, AV_ENOTFOUND, "collection not found[database=%s][collection=%s]", db, name);
    else {
        /* O(1): the rows stay behind under a queued storage id; the purge thread deletes them */
        char q[256];
        pthread_rwlock_rdlock(&c->lock);
        int64_t sid = c->sid;
        pthread_rwlock_unlock(&c->lock);
        snprintf(q, sizeof q, "BEGIN IMMEDIATE; INSERT OR IGNORE INTO orphan(sid) VALUES (%" PRId64 "); DELETE FROM coll_index WHERE coll = %" PRId64 "; DELETE FROM collection WHERE id = %" PRId64 "; COMMIT;", sid, c->id, c->id);
        av_store_lock(st);
        rc = db_exec(st->db, q, err);
        if (rc) db_exec(st->db, "ROLLBACK", NULL);
        av_store_unlock(st);
    }
    if (rc == AV_OK) {
        st->colls[idx] = st->colls[--st->ncolls];
        coll_mark_dropped(c);
        av_collection_release(c);
    }
    pthread_rwlock_unlock(&st->catalog);
    if (rc == AV_OK) store_note_delete(st);
    return rc;
}

/* Replaces catalog entry idx (collection c, both locks held by the caller) with a new handle that has
 * schema s in database db, moving the rows into it; c is retired (requests still holding it get
 * AV_ENOTFOUND "changed ... send again") and loses the catalog's reference once its lock is released. */
static void catalog_swap(av_store *st, size_t idx, av_collection *c, const char *db, const av_schema *s)
{
    av_collection *n = coll_new(st, c->id, c->project, db, s);
    coll_move_rows(n, c);
    c->dropped = 1;
    st->colls[idx] = n;
}

int av_collection_rename(av_store *st, const char *project, const char *db, const char *name,
                         const char *new_db, const char *new_name, av_err *err)
{
    int rc = av_name_check(new_name, "collection name", err);
    if (rc) return rc;
    pthread_rwlock_wrlock(&st->catalog);
    av_store_lock(st);
    size_t idx;
    av_collection *c = catalog_find(st, project, db, name, &idx);
    if (!c) rc = av_fail(err, AV_ENOTFOUND, "collection not found[database=%s][collection=%s]", db, name);
    if (rc == AV_OK) rc = db_check(st, project, new_db, err);
    if (rc == AV_OK && catalog_find(st, project, new_db, new_name, NULL))
        rc = av_fail(err, AV_EEXIST, "collection \"%s\" already exists in database \"%s\"", new_name, new_db);
    if (rc == AV_OK) {
        pthread_rwlock_wrlock(&c->lock);
        av_schema renamed;
        av_schema_copy(&renamed, &c->schema);
        snprintf(renamed.name, sizeof renamed.name, "%s", new_name);
        json_object *js = schema_to_json(&renamed);
        char *q = sqlite3_mprintf("UPDATE collection SET db = %Q, name = %Q, schema = %Q WHERE id = %lld",
                                  new_db, new_name, json_object_to_json_string_ext(js, JSON_C_TO_STRING_PLAIN), (long long)c->id);
        rc = db_exec(st->db, q, err);
        sqlite3_free(q);
        json_object_put(js);
        /* copy-on-write, as av_collection_alter: no request sees the name change under it */
        if (rc == AV_OK) catalog_swap(st, idx, c, new_db, &renamed);
        av_schema_free(&renamed);
        pthread_rwlock_unlock(&c->lock);
        if (rc == AV_OK) av_collection_release(c);   /* the catalog's reference */
    }
    av_store_unlock(st);
    pthread_rwlock_unlock(&st->catalog);
    return rc;
}

static int check_new_field(const av_schema *s, const av_field *f, av_err *err)
{
    int rc = av_name_check(f->name, "field name", err);
    if (rc) return rc;
    if (av_schema_field(s, f->name)) return av_fail(err, AV_EEXIST, "field \"%s\" already exists", f->name);
    if (f->primary || f->type == AV_T_FLOAT_VECTOR)
        return av_fail(err, AV_EINVAL, "field \"%s\": a primary key or a vector field cannot be added to an existing collection", f->name);
    if (!f->nullable && !f->default_value)
        return av_fail(err, AV_EINVAL, "field \"%s\" needs a default value (or must be nullable): rows already stored take it", f->name);
    return AV_OK;
}

int av_collection_alter(av_store *st, const char *project, const char *db, const char *name,
                        const char *description, const av_field *add, int nadd, av_err *err)
{
    pthread_rwlock_wrlock(&st->catalog);
    size_t idx;
    av_collection *c = catalog_find(st, project, db, name, &idx);
    int rc = c ? AV_OK : av_fail(err, AV_ENOTFOUND, "collection not found[database=%s][collection=%s]", db, name);
    av_schema s;
    av_schema_init(&s);
    if (rc == AV_OK) {
        pthread_rwlock_wrlock(&c->lock);
        av_schema_free(&s);
        av_schema_copy(&s, &c->schema);
        if (description) snprintf(s.description, sizeof s.description, "%s", description);
        for (int i = 0; i < nadd && rc == AV_OK; i++) {
            rc = check_new_field(&s, &add[i], err);
            if (rc == AV_OK) {
                av_field *f = av_schema_add_field(&s, add[i].name, add[i].type);
                json_object *d = NULL;
                if (add[i].default_value) json_object_deep_copy(add[i].default_value, &d, NULL);
                *f = add[i];
                f->default_value = d;
            }
        }
        if (rc == AV_OK) rc = av_schema_validate(&s, err);
        if (rc == AV_OK) {
            json_object *js = schema_to_json(&s);
            char *q = sqlite3_mprintf("UPDATE collection SET schema = %Q WHERE id = %lld",
                                      json_object_to_json_string_ext(js, JSON_C_TO_STRING_PLAIN), (long long)c->id);
            av_store_lock(st);
            rc = db_exec(st->db, q, err);
            av_store_unlock(st);
            sqlite3_free(q);
            json_object_put(js);
        }
        if (rc == AV_OK) catalog_swap(st, idx, c, db, &s);
        pthread_rwlock_unlock(&c->lock);
        if (rc == AV_OK) av_collection_release(c);   /* the catalog's reference */
    }
    pthread_rwlock_unlock(&st->catalog);
    av_schema_free(&s);
    return rc;
}

int av_collection_list(av_store *st, const char *project, const char *db, char ***names, size_t *n, av_err *err)
{
    pthread_rwlock_rdlock(&st->catalog);
    char **v = xmalloc(sizeof(char *) * (st->ncolls + 1));
    size_t m = 0;
    for (size_t i = 0; i < st->ncolls; i++) {
        av_collection *c = st->colls[i];
        if (strcmp(c->project, project) == 0 && strcmp(c->db, db) == 0) v[m++] = xstrdup(c->schema.name);
    }
    pthread_rwlock_unlock(&st->catalog);
    qsort(v, m, sizeof *v, cmp_str);
    *names = v;
    *n = m;
    (void)err;
    return AV_OK;
}

static int load_catalog(av_store *st, av_err *err)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(st->db, "SELECT id, project, db, schema, loaded, last_auto_id, sid FROM collection ORDER BY id", -1, &q, NULL))
        return av_store_sqlite_fail(st, err, "loading the catalog");
    int rc = AV_OK;
    while (rc == AV_OK && sqlite3_step(q) == SQLITE_ROW) {
        json_object *js = json_tokener_parse((const char *)sqlite3_column_text(q, 3));
        av_schema s;
        rc = js ? schema_from_json(js, &s, err) : av_fail(err, AV_EIO, "a stored schema is damaged");
        if (js) json_object_put(js);
        if (rc) break;
        av_collection *c = coll_new(st, sqlite3_column_int64(q, 0), (const char *)sqlite3_column_text(q, 1),
                                    (const char *)sqlite3_column_text(q, 2), &s);
        av_schema_free(&s);
        c->loaded = sqlite3_column_int(q, 4);
        c->last_auto_id = sqlite3_column_int64(q, 5);
        c->sid = sqlite3_column_int64(q, 6);
        rc = coll_load(c, st->db, err);
        if (rc) av_collection_release(c);
        else catalog_add(st, c);
    }
    sqlite3_finalize(q);
    return rc;
}

/* ---- records --------------------------------------------------------------------------------- */

static sqlite3_stmt *record_stmt(av_store *st, const char *sql, const char *project, const char *kind, const char *id)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK) return NULL;
    sqlite3_bind_text(q, 1, project, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, kind, -1, SQLITE_STATIC);
    if (id) sqlite3_bind_text(q, 3, id, -1, SQLITE_STATIC);
    return q;
}

int av_record_put(av_store *st, const char *project, const char *kind, const char *id, json_object *doc, av_err *err)
{
    av_store_lock(st);
    sqlite3_stmt *q = record_stmt(st, "INSERT INTO record(project, kind, id, doc) VALUES (?1, ?2, ?3, ?4) "
                                      "ON CONFLICT(project, kind, id) DO UPDATE SET doc = excluded.doc", project, kind, id);
    int rc = AV_OK;
    if (!q) rc = av_store_sqlite_fail(st, err, "writing a record");
    else {
        sqlite3_bind_text(q, 4, json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN), -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) != SQLITE_DONE) rc = av_store_sqlite_fail(st, err, "writing a record");
        sqlite3_finalize(q);
    }
    av_store_unlock(st);
    return rc;
}

int av_record_get(av_store *st, const char *project, const char *kind, const char *id, json_object **doc, av_err *err)
{
    *doc = NULL;
    av_store_lock(st);
    sqlite3_stmt *q = record_stmt(st, "SELECT doc FROM record WHERE project = ?1 AND kind = ?2 AND id = ?3", project, kind, id);
    if (q && sqlite3_step(q) == SQLITE_ROW) *doc = json_tokener_parse((const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    av_store_unlock(st);
    return *doc ? AV_OK : av_fail(err, AV_ENOTFOUND, "%s \"%.64s\" does not exist", kind, id);
}

int av_record_drop(av_store *st, const char *project, const char *kind, const char *id, av_err *err)
{
    av_store_lock(st);
    sqlite3_stmt *q = record_stmt(st, "DELETE FROM record WHERE project = ?1 AND kind = ?2 AND id = ?3", project, kind, id);
    int done = q && sqlite3_step(q) == SQLITE_DONE && sqlite3_changes(st->db) > 0;
    sqlite3_finalize(q);
    av_store_unlock(st);
    return done ? AV_OK : av_fail(err, AV_ENOTFOUND, "%s \"%.64s\" does not exist", kind, id);
}

int av_record_list(av_store *st, const char *project, const char *kind, json_object **docs, av_err *err)
{
    (void)err;
    *docs = json_object_new_array();
    av_store_lock(st);
    sqlite3_stmt *q = record_stmt(st, "SELECT doc FROM record WHERE project = ?1 AND kind = ?2 ORDER BY rowid", project, kind, NULL);
    while (q && sqlite3_step(q) == SQLITE_ROW) {
        json_object *d = json_tokener_parse((const char *)sqlite3_column_text(q, 0));
        if (d) json_object_array_add(*docs, d);
    }
    sqlite3_finalize(q);
    av_store_unlock(st);
    return AV_OK;
}

/* ---- lazy free ------------------------------------------------------------------------------- */

typedef struct lazy_job { av_store *st; void (*fn)(void *); void *arg; } lazy_job;

static void *lazy_main(void *p)
{
    lazy_job *j = p;
    j->fn(j->arg);
    pthread_mutex_lock(&j->st->purge_mu);
    j->st->lazy_running--;
    pthread_cond_broadcast(&j->st->purge_cv);
    pthread_mutex_unlock(&j->st->purge_mu);
    free(j);
    return NULL;
}

void store_lazy_free(av_store *st, void (*fn)(void *), void *arg)
{
    lazy_job *j = xmalloc(sizeof *j);
    *j = (lazy_job){ st, fn, arg };
    pthread_mutex_lock(&st->purge_mu);
    st->lazy_running++;
    pthread_mutex_unlock(&st->purge_mu);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, lazy_main, j) != 0) lazy_main(j);
    pthread_attr_destroy(&attr);
}

/* ---- storage ids and orphaned rows ----------------------------------------------------------- */

int store_retire_sid(av_store *st, int64_t id, int64_t old_sid, int64_t *new_sid, av_err *err)
{
    sqlite3_stmt *q;
    int64_t sid = -1;
    if (sqlite3_prepare_v2(st->db, "SELECT min(min(sid), min(coalesce((SELECT min(sid) FROM orphan), 0)), 0) - 1 FROM collection", -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW) sid = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    char sql[256];
    snprintf(sql, sizeof sql, "BEGIN IMMEDIATE; INSERT OR IGNORE INTO orphan(sid) VALUES (%" PRId64 "); UPDATE collection SET sid = %" PRId64 " WHERE id = %" PRId64 "; COMMIT;",
             old_sid, sid, id);
    int rc = db_exec(st->db, sql, err);
    if (rc) db_exec(st->db, "ROLLBACK", NULL);
    else *new_sid = sid;
    return rc;
}

/* Deletes the rows of retired storage ids, ORPHAN_BATCH rows per transaction so that writers wait
 * at most one small batch. Returns when none are left. */
#define ORPHAN_BATCH 1000
static void purge_orphans(av_store *st)
{
    for (;;) {
        av_store_lock(st);
        sqlite3_stmt *q;
        int64_t sid = 0;
        int found = 0;
        if (sqlite3_prepare_v2(st->db, "SELECT sid FROM orphan LIMIT 1", -1, &q, NULL) == SQLITE_OK) {
            if (sqlite3_step(q) == SQLITE_ROW) { sid = sqlite3_column_int64(q, 0); found = 1; }
            sqlite3_finalize(q);
        }
        int rc = AV_OK, deleted = 0;
        if (found) {
            char sql[200];
            snprintf(sql, sizeof sql, "DELETE FROM entity WHERE rowid IN (SELECT rowid FROM entity WHERE coll = %" PRId64 " LIMIT %d)", sid, ORPHAN_BATCH);
            rc = db_exec(st->db, sql, NULL);
            deleted = sqlite3_changes(st->db);
            if (rc == AV_OK && deleted == 0) {
                snprintf(sql, sizeof sql, "DELETE FROM orphan WHERE sid = %" PRId64, sid);
                rc = db_exec(st->db, sql, NULL);
            }
        }
        av_store_unlock(st);
        if (!found || rc != AV_OK) return;
    }
}

/* ---- purge ----------------------------------------------------------------------------------- */

void store_note_delete(av_store *st)
{
    pthread_mutex_lock(&st->purge_mu);
    int64_t now = av_now_ms();
    if (!st->purge_pending) st->purge_first_ms = now;
    st->purge_pending = 1;
    st->purge_last_ms = now;
    pthread_cond_signal(&st->purge_cv);
    pthread_mutex_unlock(&st->purge_mu);
}

int av_store_purge(av_store *st, av_err *err)
{
    purge_orphans(st);
    objects_purge(st);
    av_store_lock(st);
    int rc = db_exec(st->db, "PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE)", err);
    av_store_unlock(st);
    return rc;
}

/* Deletes expired rows of every collection; returns 1 when rows with a TTL remain anywhere. */
static int expire_all(av_store *st)
{
    pthread_rwlock_rdlock(&st->catalog);
    size_t n = st->ncolls;
    av_collection **v = xmalloc(sizeof(av_collection *) * (n ? n : 1));
    for (size_t i = 0; i < n; i++) { v[i] = st->colls[i]; coll_ref(v[i]); }
    pthread_rwlock_unlock(&st->catalog);
    int remaining = 0;
    int64_t now = av_now_ms(), purged;
    for (size_t i = 0; i < n; i++) {
        pthread_rwlock_rdlock(&v[i]->lock);
        int has = v[i]->nttl > 0;
        pthread_rwlock_unlock(&v[i]->lock);
        if (has && av_collection_expire(v[i], now, &purged, NULL) == AV_OK) {
            pthread_rwlock_rdlock(&v[i]->lock);
            remaining |= v[i]->nttl > 0;
            pthread_rwlock_unlock(&v[i]->lock);
        }
        av_collection_release(v[i]);
    }
    free(v);
    return remaining;
}

static void wait_ms(av_store *st, int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ns = ts.tv_nsec + ms * 1000000LL;
    ts.tv_sec += ns / 1000000000LL;
    ts.tv_nsec = ns % 1000000000LL;
    pthread_cond_timedwait(&st->purge_cv, &st->purge_mu, &ts);
}

static void *purge_main(void *arg)
{
    av_store *st = arg;
    pthread_mutex_lock(&st->purge_mu);
    while (!st->purge_stop) {
        pthread_mutex_unlock(&st->purge_mu);
        int ttl_rows = expire_all(st);   /* expired rows are invisible already; this removes them */
        pthread_mutex_lock(&st->purge_mu);
        if (st->purge_stop) break;
        if (!st->purge_pending) {
            if (ttl_rows) wait_ms(st, PURGE_TTL_INTERVAL_MS);
            else pthread_cond_wait(&st->purge_cv, &st->purge_mu);
            continue;
        }
        int64_t now = av_now_ms();
        int64_t due = st->purge_last_ms + PURGE_QUIET_MS;
        if (due > st->purge_first_ms + PURGE_MAX_DELAY_MS) due = st->purge_first_ms + PURGE_MAX_DELAY_MS;
        if (now < due) {
            wait_ms(st, due - now);
            continue;
        }
        st->purge_pending = 0;
        pthread_mutex_unlock(&st->purge_mu);
        av_store_purge(st, NULL);
        pthread_mutex_lock(&st->purge_mu);
    }
    pthread_mutex_unlock(&st->purge_mu);
    return NULL;
}

/* ---- open / close ---------------------------------------------------------------------------- */

int av_store_open(const char *dir, av_store **out, av_err *err)
{
    av_store *st = xcalloc(1, sizeof *st);
    st->dir = xstrdup(dir);
    pthread_mutex_init(&st->wlock, NULL);
    pthread_rwlock_init(&st->catalog, NULL);
    pthread_mutex_init(&st->purge_mu, NULL);
    pthread_cond_init(&st->purge_cv, NULL);
    int rc = open_db(dir, &st->db, err);
    char id[33];
    if (rc == AV_OK) rc = av_project_resolve_db(st->db, "default", 1, id, err);
    if (rc == AV_OK) rc = load_catalog(st, err);
    if (rc) {
        if (st->db) sqlite3_close(st->db);
        st->db = NULL;
        for (size_t i = 0; i < st->ncolls; i++) av_collection_release(st->colls[i]);
        free(st->colls);
        free(st->dir);
        free(st);
        return rc;
    }
    pthread_create(&st->purger, NULL, purge_main, st);
    if (count_rows(st->db, "SELECT count(*) FROM orphan WHERE ?1 = ?1", "", NULL) > 0 ||
        count_rows(st->db, "SELECT count(*) FROM object_trash WHERE ?1 = ?1", "", NULL) > 0) store_note_delete(st);   /* left by a crash */
    *out = st;
    return AV_OK;
}

void av_store_close(av_store *st)
{
    if (!st) return;
    pthread_mutex_lock(&st->purge_mu);
    st->purge_stop = 1;
    pthread_cond_broadcast(&st->purge_cv);
    pthread_mutex_unlock(&st->purge_mu);
    pthread_join(st->purger, NULL);
    pthread_rwlock_wrlock(&st->catalog);
    for (size_t i = 0; i < st->ncolls; i++) av_collection_release(st->colls[i]);
    free(st->colls);
    st->colls = NULL;
    st->ncolls = 0;
    pthread_rwlock_unlock(&st->catalog);
    pthread_mutex_lock(&st->purge_mu);
    while (st->lazy_running) pthread_cond_wait(&st->purge_cv, &st->purge_mu);   /* background frees */
    pthread_mutex_unlock(&st->purge_mu);
    av_store_purge(st, NULL);
    sqlite3_close(st->db);
    pthread_mutex_destroy(&st->wlock);
    pthread_rwlock_destroy(&st->catalog);
    pthread_mutex_destroy(&st->purge_mu);
    pthread_cond_destroy(&st->purge_cv);
    free(st->dir);
    free(st);
}
