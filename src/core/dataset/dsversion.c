/*
 * dsversion.c — dataset versions (annovec_dataset.h): publishing freezes every sample (its document
 * and source path) and the label list into version_sample and ds_version. A version's frozen paths
 * and its manifest (a file the caller renders from the frozen samples and attaches) count as
 * references, so no later delete can remove a file it lists. The engine does not know the manifest's
 * layout. Locking: each call holds the store lock; writes are one transaction.
 */
#include "core/dataset/sample.h"
#include "core/dataset/file.h"

#include <stdlib.h>
#include <string.h>

/* Freezes the samples into version_sample. */
static int freeze(av_store *st, const char *project, const ds_row *ds, const char *vid, av_err *err)
{
    sqlite3_stmt *q = ds_query(st, err, "SELECT " SAMPLE_COLUMNS ", seq FROM sample WHERE dataset = ?1 ORDER BY seq", 1, ds->id);
    if (!q) return err ? err->code : AV_EIO;
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(av_store_db(st), "INSERT INTO version_sample(version, project, sample, seq, doc, path, labels) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                           -1, &ins, NULL) != SQLITE_OK) {
        sqlite3_finalize(q);
        return av_store_sqlite_fail(st, err, "version");
    }
    int rc = AV_OK;
    while (!rc && sqlite3_step(q) == SQLITE_ROW) {
        json_object *doc = sample_doc(q);
        sqlite3_bind_text(ins, 1, vid, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, project, -1, SQLITE_STATIC);
        sqlite3_bind_value(ins, 3, sqlite3_column_value(q, 0));
        sqlite3_bind_int64(ins, 4, sqlite3_column_int64(q, SAMPLE_NCOLUMNS));
        sqlite3_bind_text(ins, 5, json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN), -1, SQLITE_TRANSIENT);
        sqlite3_bind_value(ins, 6, sqlite3_column_value(q, 3));
        sqlite3_bind_value(ins, 7, sqlite3_column_value(q, 7));
        if (sqlite3_step(ins) != SQLITE_DONE) rc = av_store_sqlite_fail(st, err, "version");
        sqlite3_reset(ins);
        json_object_put(doc);
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(q);
    return rc;
}

/* Counts of the new version against the previous one (NULL for the first). */
static void diff_counts(av_store *st, const char *vid, const char *prev, json_object *doc)
{
    ds_add_int(doc, "total", ds_scalar(st, "SELECT count(*) FROM version_sample WHERE version = ?1", 1, vid));
    ds_add_int(doc, "annotated", ds_scalar(st, "SELECT count(*) FROM version_sample WHERE version = ?1 AND json_array_length(labels) > 0", 1, vid));
    ds_add_int(doc, "added", ds_scalar(st, "SELECT count(*) FROM version_sample a WHERE a.version = ?1 AND NOT EXISTS "
                                        "(SELECT 1 FROM version_sample b WHERE b.version = ?2 AND b.sample = a.sample)", 2, vid, prev));
    ds_add_int(doc, "deleted", prev ? ds_scalar(st, "SELECT count(*) FROM version_sample a WHERE a.version = ?2 AND NOT EXISTS "
                                                 "(SELECT 1 FROM version_sample b WHERE b.version = ?1 AND b.sample = a.sample)", 2, vid, prev) : 0);
    ds_add_int(doc, "modified", ds_scalar(st, "SELECT count(*) FROM version_sample a JOIN version_sample b ON b.sample = a.sample "
                                           "WHERE a.version = ?1 AND b.version = ?2 AND a.labels <> b.labels", 2, vid, prev));
}

/* The previous version's id (caller frees), or NULL for the first. */
static char *latest_version(av_store *st, const ds_row *ds)
{
    sqlite3_stmt *q = ds_query(st, NULL, "SELECT id FROM ds_version WHERE dataset = ?1 ORDER BY num DESC LIMIT 1", 1, ds->id);
    char *prev = q && sqlite3_step(q) == SQLITE_ROW ? xstrdup((const char *)sqlite3_column_text(q, 0)) : NULL;
    sqlite3_finalize(q);
    return prev;
}

static int spec_check(const av_version_spec *spec, const ds_row *ds, av_err *err)
{
    if (spec->name && !ds_name_ok(spec->name, AV_DS_VERSION_NAME_MAX))
        return av_fail_on(err, AV_EINVAL, AV_ENT_VERSION, AV_R_NONE, spec->name, ds->id,
                          "a version name must be 1 to %d letters, digits, '_' or '-'", AV_DS_VERSION_NAME_MAX);
    if (spec->description && strlen(spec->description) > AV_DS_DESC_MAX)
        return av_fail_on(err, AV_ELIMIT, AV_ENT_VERSION, AV_R_NONE, spec->name, ds->id,
                          "a version description has at most %d bytes", AV_DS_DESC_MAX);
    if (spec->extra && !json_object_is_type(spec->extra, json_type_object))
        return av_fail_on(err, AV_ETYPE, AV_ENT_VERSION, AV_R_NONE, spec->name, ds->id, "a version's extra fields must be a JSON object");
    return AV_OK;
}

static int create_in_txn(av_store *st, const char *project, const ds_row *ds, const av_version_spec *spec, const char *vid, av_err *err)
{
    int64_t num = ds_scalar(st, "SELECT next_version FROM dataset WHERE id = ?1", 1, ds->id);
    char name[AV_DS_VERSION_NAME_MAX + 1];
    snprintf(name, sizeof name, "%s", spec->name ? spec->name : "");
    if (!spec->name) snprintf(name, sizeof name, "V%03lld", (long long)num);
    if (ds_scalar(st, "SELECT count(*) FROM ds_version WHERE dataset = ?1 AND name = ?2", 2, ds->id, name))
        return av_fail_on(err, AV_EEXIST, AV_ENT_VERSION, AV_R_NONE, name, ds->id,
                          "version %s already exists in dataset %s; choose another name", name, ds->id);
    char *prev = latest_version(st, ds);
    json_object *doc = json_object_new_object(), *extra = NULL;
    json_object_object_add(doc, "description", spec->description ? json_object_new_string(spec->description) : NULL);
    json_object_object_add(doc, "previous_version_id", prev ? json_object_new_string(prev) : NULL);
    if (spec->extra) json_object_deep_copy(spec->extra, &extra, NULL);
    json_object_object_add(doc, "extra", extra ? extra : json_object_new_object());
    int64_t now = av_now_ms();
    int rc = ds_exec(st, err, "INSERT INTO ds_version(id, dataset, name, num, doc, labels, manifest_path, created_ms) VALUES "
                     "(%Q, %Q, %Q, %lld, '{}', (SELECT json_group_array(json_object('name', name, 'type', type, 'property', json(property))) "
                     " FROM (SELECT * FROM ds_label WHERE dataset = %Q ORDER BY seq)), '', %lld)",
                     vid, ds->id, name, (long long)num, ds->id, (long long)now);
    if (!rc) rc = freeze(st, project, ds, vid, err);
    if (!rc) {
        diff_counts(st, vid, prev, doc);
        rc = ds_exec(st, err, "UPDATE ds_version SET doc = %Q WHERE id = %Q;"
                     "UPDATE dataset SET next_version = next_version + 1, current_version = %Q, updated_ms = %lld WHERE id = %Q",
                     ds_json_text(doc), vid, vid, (long long)now, ds->id);
    }
    json_object_put(doc);
    free(prev);
    return rc;
}

int av_version_create(av_store *st, const char *project, const char *ds, const av_version_spec *spec, char id_out[20], av_err *err)
{
    static const av_version_spec defaults = { 0 };
    if (!spec) spec = &defaults;
    ds_row d;
    char vid[20];
    ds_id19(vid);
    av_store_lock(st);
    int rc = ds_load(st, project, ds, &d, err);
    if (!rc) rc = spec_check(spec, &d, err);
    if (!rc) rc = av_store_begin(st, err);
    if (!rc) {
        rc = create_in_txn(st, project, &d, spec, vid, err);
        rc = rc ? (av_store_rollback(st), rc) : av_store_commit(st, err);
    }
    av_store_unlock(st);
    if (!rc) snprintf(id_out, 20, "%s", vid);
    return rc;
}

int av_version_samples(av_store *st, const char *project, const char *ds, const char *id, av_doc_fn fn, void *arg, av_err *err)
{
    ds_row d;
    av_store_lock(st);
    int rc = ds_load(st, project, ds, &d, err);
    if (!rc && !ds_has_version(st, ds, id)) rc = ds_no_version(err, ds, id);
    sqlite3_stmt *q = rc ? NULL : ds_query(st, err, "SELECT doc FROM version_sample WHERE version = ?1 ORDER BY seq", 1, id);
    if (!rc && !q) rc = err ? err->code : AV_EIO;
    while (!rc && sqlite3_step(q) == SQLITE_ROW) {
        json_object *doc = json_tokener_parse((const char *)sqlite3_column_text(q, 0));
        if (doc) rc = fn(arg, doc);
        json_object_put(doc);
    }
    sqlite3_finalize(q);
    av_store_unlock(st);
    return rc;
}

static int set_manifest_txn(av_store *st, const char *project, const ds_row *ds, const char *id, const char *path, av_err *err)
{
    if (!ds_has_version(st, ds->id, id)) return ds_no_version(err, ds->id, id);
    char sha[65];
    int found = file_lookup(st, project, path, sha, NULL);
    if (found < 0) return av_store_sqlite_fail(st, err, "file lookup");
    if (!found) return av_fail_on(err, AV_ENOTFOUND, AV_ENT_FILE, AV_R_NONE, path, project, "file %.300s does not exist in this project", path);
    /* a previous manifest is released: it goes when nothing else refers to it */
    int rc = ds_exec(st, err, "UPDATE file SET doomed = 1 WHERE project = %Q AND path = "
                              "(SELECT manifest_path FROM ds_version WHERE id = %Q AND manifest_path <> %Q);"
                              "UPDATE ds_version SET manifest_path = %Q WHERE id = %Q", project, id, path, path, id);
    return rc ? rc : file_collect(st, project, err);
}

int av_version_set_manifest(av_store *st, const char *project, const char *ds, const char *id, const char *path, av_err *err)
{
    if (!av_path_ok(path, 0))
        return av_fail_on(err, AV_EINVAL, AV_ENT_FILE, AV_R_NONE, path, project, "invalid file path \"%.300s\"", path);
    ds_row d;
    av_store_lock(st);
    int rc = ds_load(st, project, ds, &d, err);
    if (!rc) rc = av_store_begin(st, err);
    if (!rc) {
        rc = set_manifest_txn(st, project, &d, id, path, err);
        rc = rc ? (av_store_rollback(st), rc) : av_store_commit(st, err);
        if (!rc) store_note_delete(st);
    }
    av_store_unlock(st);
    return rc;
}

static json_object *version_doc(sqlite3_stmt *q, const char *current)
{
    json_object *o = json_tokener_parse((const char *)sqlite3_column_text(q, 3));
    if (!o) o = json_object_new_object();
    const char *id = (const char *)sqlite3_column_text(q, 0);
    json_object_object_add(o, "id", json_object_new_string(id));
    json_object_object_add(o, "name", json_object_new_string((const char *)sqlite3_column_text(q, 1)));
    ds_add_int(o, "num", sqlite3_column_int64(q, 2));
    json_object *labels = json_tokener_parse((const char *)sqlite3_column_text(q, 4));
    json_object_object_add(o, "labels", labels ? labels : json_object_new_array());
    json_object_object_add(o, "manifest_path", json_object_new_string((const char *)sqlite3_column_text(q, 5)));
    ds_add_int(o, "created_ms", sqlite3_column_int64(q, 6));
    json_object_object_add(o, "is_current", json_object_new_boolean(current && strcmp(current, id) == 0));
    return o;
}

static int versions(av_store *st, const char *project, const char *ds, const char *id, json_object **out, av_err *err)
{
    ds_row d;
    *out = NULL;
    av_store_lock(st);
    int rc = ds_load(st, project, ds, &d, err);
    if (!rc) {
        sqlite3_stmt *c = ds_query(st, err, "SELECT current_version FROM dataset WHERE id = ?1", 1, ds);
        char *current = c && sqlite3_step(c) == SQLITE_ROW && sqlite3_column_text(c, 0) ? xstrdup((const char *)sqlite3_column_text(c, 0)) : NULL;
        sqlite3_finalize(c);
        sqlite3_stmt *q = ds_query(st, err, "SELECT id, name, num, doc, labels, manifest_path, created_ms FROM ds_version "
                                            "WHERE dataset = ?1 AND (?2 IS NULL OR id = ?2) ORDER BY num DESC", 2, ds, id);
        json_object *arr = json_object_new_array();
        while (q && sqlite3_step(q) == SQLITE_ROW) json_object_array_add(arr, version_doc(q, current));
        sqlite3_finalize(q);
        free(current);
        if (id && json_object_array_length(arr) == 0) {
            rc = ds_no_version(err, ds, id);
            json_object_put(arr);
        } else if (id) {
            *out = json_object_get(json_object_array_get_idx(arr, 0));
            json_object_put(arr);
        } else {
            *out = arr;
        }
    }
    av_store_unlock(st);
    return rc;
}

int av_version_get(av_store *st, const char *project, const char *ds, const char *id, json_object **out, av_err *err)
{
    return versions(st, project, ds, id, out, err);
}

int av_version_list(av_store *st, const char *project, const char *ds, json_object **out, av_err *err)
{
    return versions(st, project, ds, NULL, out, err);
}

int av_version_delete(av_store *st, const char *project, const char *ds, const char *id, av_err *err)
{
    av_store_make_room(st);   /* deletes work on a full disk */
    ds_row d;
    av_store_lock(st);
    int rc = ds_load(st, project, ds, &d, err);
    if (!rc && !ds_has_version(st, ds, id)) rc = ds_no_version(err, ds, id);
    if (!rc) rc = av_store_begin(st, err);
    if (!rc) {
        /* the manifest is the version's own file: it goes with the version (unless a sample uses it) */
        rc = ds_exec(st, err,
            "UPDATE file SET doomed = 1 WHERE project = %Q AND path = (SELECT manifest_path FROM ds_version WHERE id = %Q);"
            "DELETE FROM ds_version WHERE id = %Q;"
            "UPDATE dataset SET current_version = (SELECT id FROM ds_version WHERE dataset = %Q ORDER BY num DESC LIMIT 1), updated_ms = %lld "
            "WHERE id = %Q AND current_version = %Q;",
            project, id, id, ds, (long long)av_now_ms(), ds, id);
        if (!rc) rc = file_collect(st, project, err);
        rc = rc ? (av_store_rollback(st), rc) : av_store_commit(st, err);
        if (!rc) store_note_delete(st);
    }
    av_store_unlock(st);
    return rc;
}
