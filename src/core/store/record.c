/*
 * record.c — small durable JSON documents a dialect keeps per project, by kind and id (VikingDB
 * tasks), in the `record` table. Every call takes the store mutex for its one statement.
 */
#include "core/store/store_internal.h"
#include "lib/util.h"

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
    return *doc ? AV_OK : av_fail_on(err, AV_ENOTFOUND, AV_ENT_RECORD, AV_R_NONE, id, kind, "%s \"%.64s\" does not exist", kind, id);
}

int av_record_drop(av_store *st, const char *project, const char *kind, const char *id, av_err *err)
{
    av_store_lock(st);
    sqlite3_stmt *q = record_stmt(st, "DELETE FROM record WHERE project = ?1 AND kind = ?2 AND id = ?3", project, kind, id);
    int done = q && sqlite3_step(q) == SQLITE_DONE && sqlite3_changes(st->db) > 0;
    sqlite3_finalize(q);
    av_store_unlock(st);
    return done ? AV_OK : av_fail_on(err, AV_ENOTFOUND, AV_ENT_RECORD, AV_R_NONE, id, kind, "%s \"%.64s\" does not exist", kind, id);
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
