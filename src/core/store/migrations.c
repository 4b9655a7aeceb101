/*
 * migrations.c — the database schema, as numbered migrations applied in order inside one transaction
 * and recorded in PRAGMA user_version. A migration is never edited once released: a change is a new
 * entry at the end. docs/ARCHITECTURE.md describes every table.
 */
#include "core/store/store_internal.h"
#include "lib/util.h"

#include <stdio.h>

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
    /* 10: the dataset engine's own fields. Until 9 a dataset's `spec` held the request that created it
     *    (the engine read data_path, work_path and label_format.text_label_separator /
     *    .text_sample_separator from it); those become columns, and what is left of `spec` becomes
     *    `extra`, the caller's fields, returned as given. A version's `doc` keeps the engine's keys
     *    (description, previous_version_id, counts); every other key moves into doc.extra. A sample's
     *    `origin` says how it came (AV_ORIGIN_*): text lines are known by their text; file samples
     *    stored before keep 0, and whatever marker a caller had put in their metadata stays there. */
    "ALTER TABLE dataset ADD COLUMN data_path TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE dataset ADD COLUMN work_path TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE dataset ADD COLUMN label_sep TEXT NOT NULL DEFAULT ',';"
    "ALTER TABLE dataset ADD COLUMN sample_sep TEXT NOT NULL DEFAULT '\t';"
    "UPDATE dataset SET"
    "  data_path = CASE WHEN json_type(spec, '$.data_path') = 'text' THEN json_extract(spec, '$.data_path') ELSE '' END,"
    "  work_path = CASE WHEN json_type(spec, '$.work_path') = 'text' THEN json_extract(spec, '$.work_path') ELSE '' END,"
    "  label_sep = CASE WHEN json_type(spec, '$.label_format.text_label_separator') = 'text'"
    "              THEN json_extract(spec, '$.label_format.text_label_separator') ELSE ',' END,"
    "  sample_sep = CASE WHEN json_type(spec, '$.label_format.text_sample_separator') = 'text'"
    "               THEN json_extract(spec, '$.label_format.text_sample_separator') ELSE char(9) END,"
    "  spec = json_remove(spec, '$.data_path', '$.work_path');"
    "ALTER TABLE dataset RENAME COLUMN spec TO extra;"
    "UPDATE ds_version SET doc = json_object("
    "  'description', json_extract(doc, '$.description'), 'previous_version_id', json_extract(doc, '$.previous_version_id'),"
    "  'total', json_extract(doc, '$.total'), 'annotated', json_extract(doc, '$.annotated'), 'added', json_extract(doc, '$.added'),"
    "  'modified', json_extract(doc, '$.modified'), 'deleted', json_extract(doc, '$.deleted'),"
    "  'extra', json(json_remove(doc, '$.description', '$.previous_version_id', '$.total', '$.annotated', '$.added',"
    "                           '$.modified', '$.deleted')));"
    "ALTER TABLE sample ADD COLUMN origin INTEGER NOT NULL DEFAULT 0;"
    "UPDATE sample SET origin = 2 WHERE text IS NOT NULL;",
    /* 11: annotation jobs (core/dataset/job.c): a labeling workspace over one dataset, whose images
     *    and tags are that dataset's samples and labels. `num` is the job's number (ModelArts v1's
     *    data_annotation_id), never reused; `owns_dataset` = 1 when the dataset was made for the
     *    job (it goes with the job). A dataset has at most one job, which goes with it. (IF NOT EXISTS: a data dir
     *    turned back to an older user_version, as the migration tests do, applies it again.) */
    "CREATE TABLE IF NOT EXISTS ds_job(num INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, project TEXT NOT NULL,"
    "  dataset TEXT NOT NULL UNIQUE REFERENCES dataset(id) ON DELETE CASCADE, owns_dataset INTEGER NOT NULL,"
    "  name TEXT NOT NULL, description TEXT NOT NULL, kind INTEGER NOT NULL, path TEXT NOT NULL, pass_rate REAL,"
    "  sync_status INTEGER NOT NULL DEFAULT 0, synced_ms INTEGER, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS ds_job_project ON ds_job(project, created_ms);",
};

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

int store_migrate(sqlite3 *db, av_err *err)
{
    int n = (int)(sizeof migrations / sizeof *migrations);
    int rc = store_db_exec(db, "BEGIN IMMEDIATE", err);
    if (rc) return rc;
    int v = user_version(db);
    if (v > n) {
        store_db_exec(db, "ROLLBACK", NULL);
        return av_fail_on(err, AV_EIO, AV_ENT_NONE, AV_R_NONE, NULL, NULL, "the data directory was written by a newer annovec (schema version %d > %d)", v, n);
    }
    for (; v < n && rc == AV_OK; v++) {
        rc = store_db_exec(db, migrations[v], err);
        if (rc == AV_OK) {
            char q[64];
            snprintf(q, sizeof q, "PRAGMA user_version = %d", v + 1);
            rc = store_db_exec(db, q, err);
        }
    }
    if (rc == AV_OK) return store_db_exec(db, "COMMIT", err);
    store_db_exec(db, "ROLLBACK", NULL);
    return rc;
}
