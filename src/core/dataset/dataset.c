/*
 * dataset.c — datasets: create (importing the files under the input path), get, list, update,
 * delete and statistics (annovec_dataset.h). Locking: each call holds the store lock; writes are one
 * transaction.
 */
#include "core/dataset/dataset_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- deleting labels (here, above samples: a policy may delete the samples that carry them) ---- */

static int label_remove(av_store *st, const char *project, const ds_row *ds, const char *name, int policy, av_err *err)
{
    static const char has[] = "EXISTS (SELECT 1 FROM json_each(labels) WHERE json_extract(value, '$.name') = ?2)";
    if (policy >= 1) {
        char *sql = xasprintf("SELECT id FROM sample WHERE dataset = ?1 AND %s AND json_array_length(labels) = 1", has);
        sqlite3_stmt *q = ds_query(st, err, sql, 2, ds->id, name);
        free(sql);
        if (!q) return err->code;
        json_object *ids = json_object_new_array();
        while (sqlite3_step(q) == SQLITE_ROW) json_object_array_add(ids, json_object_new_string((const char *)sqlite3_column_text(q, 0)));
        sqlite3_finalize(q);
        int rc = AV_OK;
        for (size_t i = 0; !rc && i < json_object_array_length(ids); i++)
            rc = sample_delete_one(st, project, ds, json_object_get_string(json_object_array_get_idx(ids, i)), policy == 2, NULL, err);
        json_object_put(ids);
        if (rc) return rc;
    }
    int rc = ds_exec(st, err,
        "UPDATE sample SET labels = (SELECT json_group_array(json(value)) FROM json_each(sample.labels) "
        "  WHERE json_extract(value, '$.name') IS NOT %Q), updated_ms = %lld "
        "WHERE dataset = %Q AND EXISTS (SELECT 1 FROM json_each(labels) WHERE json_extract(value, '$.name') = %Q);"
        "UPDATE sample SET status = 0 WHERE dataset = %Q AND json_array_length(labels) = 0;"
        "DELETE FROM ds_label WHERE dataset = %Q AND name = %Q;",
        name, (long long)av_now_ms(), ds->id, name, ds->id, ds->id, name);
    return rc;
}

int label_delete_txn(av_store *st, const char *project, const ds_row *ds, void *arg, av_err *err)
{
    labels_del *d = arg;
    for (int i = 0; i < d->n; i++)
        if (!ds_scalar(st, "SELECT count(*) FROM ds_label WHERE dataset = ?1 AND name = ?2", 2, ds->id, d->names[i]))
            return ds_fail(err, AV_ENOTFOUND, AV_ENT_LABEL, "label \"%.200s\" does not exist in dataset %s", d->names[i], ds->id);
    for (int i = 0; i < d->n; i++) {
        int rc = label_remove(st, project, ds, d->names[i], d->policy, err);
        if (rc) return rc;
    }
    return file_collect(st, project, err);
}

int av_labels_delete(av_store *st, const char *project, const char *ds, const char *const *names, int n, int policy, av_err *err)
{
    if (policy < 0 || policy > 2) return av_fail(err, AV_EINVAL, "delete_policy must be 0 (label only), 1 (and its samples) or 2 (and their sources)");
    if (n <= 0 || n > AV_DS_LABEL_MAX) return ds_fail(err, AV_EINVAL, AV_ENT_LABEL, "name 1 to %d labels to delete", AV_DS_LABEL_MAX);
    labels_del d = { names, n, policy };
    return ds_in_txn(st, project, ds, label_delete_txn, &d, 1, err);
}

/* ---- datasets ---------------------------------------------------------------------------------- */

static int dir_ok_or_empty(const char *p) { return !p || av_path_ok(p, 1); }

int av_dataset_create(av_store *st, const char *project, json_object *spec, char id_out[20], av_err *err)
{
    const char *name = ds_str(spec, "dataset_name"), *desc = ds_str(spec, "description");
    const char *data_path = ds_str(spec, "data_path"), *work_path = ds_str(spec, "work_path");
    json_object *t = NULL, *labels = NULL;
    int type = 0;
    if (!ds_name_ok(name, AV_DS_NAME_MAX))
        return av_fail(err, AV_EINVAL, "dataset_name must be 1 to %d letters, digits, '_' or '-'", AV_DS_NAME_MAX);
    if (desc && strlen(desc) > AV_DS_DESC_MAX) return av_fail(err, AV_ELIMIT, "description is longer than %d characters", AV_DS_DESC_MAX);
    if (json_object_object_get_ex(spec, "dataset_type", &t) && t) type = json_object_get_int(t);
    if (!dir_ok_or_empty(data_path) || !dir_ok_or_empty(work_path))
        return ds_fail(err, AV_EINVAL, AV_ENT_FILE, "data_path and work_path must be directories like /bucket/dir/ (ending in '/', no '..' or '//')");
    if (data_path && work_path && strncmp(work_path, data_path, strlen(data_path)) == 0)
        return ds_fail(err, AV_EINVAL, AV_ENT_FILE, "work_path must not be the input path or inside it; choose another directory");
    ds_row ds = { .type = type };
    snprintf(ds.label_sep, sizeof ds.label_sep, ",");
    snprintf(ds.sample_sep, sizeof ds.sample_sep, "\t");
    if (json_object_object_get_ex(spec, "labels", &labels) && labels) {
        int rc = label_check_list(&ds, labels, err);
        if (rc) return rc;
    }
    ds_id19(ds.id);
    snprintf(ds.name, sizeof ds.name, "%s", name);
    int rc;
    av_store_lock(st);
    if (ds_scalar(st, "SELECT count(*) FROM dataset WHERE project = ?1 AND name = ?2", 2, project, name)) {
        rc = ds_fail(err, AV_EEXIST, AV_ENT_DATASET, "a dataset named \"%s\" already exists; choose another name", name);
        goto out;
    }
    rc = av_store_begin(st, err);
    if (rc) goto out;
    int64_t now = av_now_ms();
    rc = ds_exec(st, err, "INSERT INTO dataset(id, project, name, type, description, spec, created_ms, updated_ms) "
                 "VALUES (%Q, %Q, %Q, %d, %Q, %Q, %lld, %lld)", ds.id, project, name, type, desc ? desc : "",
                 json_object_to_json_string_ext(spec, JSON_C_TO_STRING_PLAIN), (long long)now, (long long)now);
    if (!rc) rc = ds_load(st, project, ds.id, &ds, err);
    if (!rc) rc = label_create_list(st, &ds, labels, err);
    if (!rc && data_path) {
        json_object *paths = file_list_under(st, project, data_path);
        for (size_t i = 0; !rc && i < json_object_array_length(paths); i++) {
            int64_t count;
            rc = sample_import_file(st, project, &ds, json_object_get_string(json_object_array_get_idx(paths, i)), &count, err);
            if (rc == AV_EEXIST) rc = AV_OK;
        }
        json_object_put(paths);
    }
    rc = rc ? (av_store_rollback(st), rc) : av_store_commit(st, err);
    if (!rc) snprintf(id_out, 20, "%s", ds.id);
out:
    av_store_unlock(st);
    return rc;
}

static void add_counts(av_store *st, const char *ds, json_object *o)
{
    sqlite3_stmt *q = ds_query(st, NULL, "SELECT count(*), coalesce(sum(status = 0), 0), coalesce(sum(status = 1), 0), "
                                         "coalesce(sum(status = 2), 0) FROM sample WHERE dataset = ?1", 1, ds);
    if (q && sqlite3_step(q) == SQLITE_ROW) {
        ds_add_int(o, "total", sqlite3_column_int64(q, 0));
        ds_add_int(o, "unannotated", sqlite3_column_int64(q, 1));
        ds_add_int(o, "annotated", sqlite3_column_int64(q, 2));
        ds_add_int(o, "auto", sqlite3_column_int64(q, 3));
    }
    sqlite3_finalize(q);
    ds_add_int(o, "deleted", ds_scalar(st, "SELECT deleted_samples FROM dataset WHERE id = ?1", 1, ds));
}

static json_object *dataset_doc(av_store *st, sqlite3_stmt *q)
{
    json_object *o = json_object_new_object();
    const char *id = (const char *)sqlite3_column_text(q, 0);
    json_object_object_add(o, "id", json_object_new_string(id));
    json_object_object_add(o, "name", json_object_new_string((const char *)sqlite3_column_text(q, 1)));
    ds_add_int(o, "type", sqlite3_column_int(q, 2));
    json_object_object_add(o, "description", json_object_new_string((const char *)sqlite3_column_text(q, 3)));
    json_object *spec = json_tokener_parse((const char *)sqlite3_column_text(q, 4));
    json_object_object_add(o, "spec", spec ? spec : json_object_new_object());
    ds_add_int(o, "created_ms", sqlite3_column_int64(q, 5));
    ds_add_int(o, "updated_ms", sqlite3_column_int64(q, 6));
    ds_add_int(o, "next_version_num", sqlite3_column_int64(q, 7));
    const char *cur = (const char *)sqlite3_column_text(q, 8);
    json_object_object_add(o, "current_version_id", cur ? json_object_new_string(cur) : NULL);
    ds_add_int(o, "version_count", ds_scalar(st, "SELECT count(*) FROM ds_version WHERE dataset = ?1", 1, id));
    if (cur) {
        sqlite3_stmt *v = ds_query(st, NULL, "SELECT name FROM ds_version WHERE id = ?1", 1, cur);
        if (v && sqlite3_step(v) == SQLITE_ROW)
            json_object_object_add(o, "current_version_name", json_object_new_string((const char *)sqlite3_column_text(v, 0)));
        sqlite3_finalize(v);
    }
    json_object_object_add(o, "labels", ds_labels_of(st, id));
    add_counts(st, id, o);
    return o;
}

#define DATASET_COLUMNS "id, name, type, description, spec, created_ms, updated_ms, next_version, current_version"

int av_dataset_get(av_store *st, const char *project, const char *id, json_object **out, av_err *err)
{
    *out = NULL;
    av_store_lock(st);
    sqlite3_stmt *q = ds_query(st, err, "SELECT " DATASET_COLUMNS " FROM dataset WHERE project = ?1 AND id = ?2", 2, project, id);
    int rc = !q ? err->code : sqlite3_step(q) == SQLITE_ROW ? AV_OK
           : ds_fail(err, AV_ENOTFOUND, AV_ENT_DATASET, "dataset %.64s does not exist in this project", id);
    if (!rc) *out = dataset_doc(st, q);
    sqlite3_finalize(q);
    av_store_unlock(st);
    return rc;
}

int av_dataset_list(av_store *st, const char *project, const char *search, int type, int by_name, int ascending,
                    int offset, int limit, json_object **out, int64_t *total, av_err *err)
{
    char typebuf[16];
    snprintf(typebuf, sizeof typebuf, "%d", type);
    const char *where = "project = ?1 AND (?2 IS NULL OR instr(name, ?2) > 0) AND (CAST(?3 AS INTEGER) < 0 OR type = CAST(?3 AS INTEGER))";
    char *count_sql = xasprintf("SELECT count(*) FROM dataset WHERE %s", where);
    char *sql = xasprintf("SELECT " DATASET_COLUMNS " FROM dataset WHERE %s ORDER BY %s %s, id LIMIT %d OFFSET %d",
                          where, by_name ? "name" : "created_ms", ascending ? "ASC" : "DESC", limit, offset);
    av_store_lock(st);
    *total = ds_scalar(st, count_sql, 3, project, search, typebuf);
    sqlite3_stmt *q = ds_query(st, err, sql, 3, project, search, typebuf);
    int rc = q ? AV_OK : err->code;
    *out = json_object_new_array();
    while (q && sqlite3_step(q) == SQLITE_ROW) json_object_array_add(*out, dataset_doc(st, q));
    sqlite3_finalize(q);
    av_store_unlock(st);
    free(sql);
    free(count_sql);
    return rc;
}

static int names_of(json_object *arr, const char ***names, int *n, av_err *err)
{
    *n = (int)json_object_array_length(arr);
    *names = xcalloc((size_t)*n + 1, sizeof **names);
    for (int i = 0; i < *n; i++) {
        const char *nm = ds_str(json_object_array_get_idx(arr, (size_t)i), "name");
        if (!nm) { free(*names); return ds_fail(err, AV_EINVAL, AV_ENT_LABEL, "each label to delete needs a \"name\""); }
        (*names)[i] = nm;
    }
    return AV_OK;
}

static int do_dataset_update(av_store *st, const char *project, const ds_row *ds, void *arg, av_err *err)
{
    json_object *patch = arg, *v = NULL;
    const char *name = ds_str(patch, "dataset_name"), *desc = ds_str(patch, "description"), *cur = ds_str(patch, "current_version_id");
    int rc = AV_OK;
    if (name && strcmp(name, ds->name) != 0) {
        if (!ds_name_ok(name, AV_DS_NAME_MAX)) return av_fail(err, AV_EINVAL, "dataset_name must be 1 to %d letters, digits, '_' or '-'", AV_DS_NAME_MAX);
        if (ds_scalar(st, "SELECT count(*) FROM dataset WHERE project = ?1 AND name = ?2", 2, project, name))
            return ds_fail(err, AV_EEXIST, AV_ENT_DATASET, "a dataset named \"%s\" already exists; choose another name", name);
        rc = ds_exec(st, err, "UPDATE dataset SET name = %Q WHERE id = %Q", name, ds->id);
    }
    if (!rc && desc) {
        if (strlen(desc) > AV_DS_DESC_MAX) return av_fail(err, AV_ELIMIT, "description is longer than %d characters", AV_DS_DESC_MAX);
        rc = ds_exec(st, err, "UPDATE dataset SET description = %Q WHERE id = %Q", desc, ds->id);
    }
    if (!rc && cur) {
        if (!ds_scalar(st, "SELECT count(*) FROM ds_version WHERE dataset = ?1 AND id = ?2", 2, ds->id, cur))
            return ds_fail(err, AV_ENOTFOUND, AV_ENT_VERSION, "version %.64s does not exist in dataset %s", cur, ds->id);
        rc = ds_exec(st, err, "UPDATE dataset SET current_version = %Q WHERE id = %Q", cur, ds->id);
    }
    if (!rc && json_object_object_get_ex(patch, "add_labels", &v) && v) rc = label_add_txn(st, project, ds, v, err);
    if (!rc && json_object_object_get_ex(patch, "update_labels", &v) && v) rc = label_update_txn(st, project, ds, v, err);
    if (!rc && json_object_object_get_ex(patch, "delete_labels", &v) && v) {
        if (!json_object_is_type(v, json_type_array)) return av_fail(err, AV_EINVAL, "\"delete_labels\" must be a list of labels");
        labels_del d = { NULL, 0, 0 };
        rc = names_of(v, (const char ***)&d.names, &d.n, err);
        if (!rc) { if (d.n) rc = label_delete_txn(st, project, ds, &d, err); free((void *)d.names); }
    }
    return rc;
}

int av_dataset_update(av_store *st, const char *project, const char *id, json_object *patch, av_err *err)
{
    return ds_in_txn(st, project, id, do_dataset_update, patch, 1, err);
}

int av_dataset_delete(av_store *st, const char *project, const char *id, av_err *err)
{
    ds_row ds;
    av_store_lock(st);
    int rc = ds_load(st, project, id, &ds, err);
    if (!rc) rc = av_store_begin(st, err);
    if (!rc) {
        /* samples, labels, versions and their frozen samples go by cascade; files stay */
        rc = ds_exec(st, err, "DELETE FROM dataset WHERE id = %Q", ds.id);
        if (!rc) rc = file_collect(st, project, err);
        rc = rc ? (av_store_rollback(st), rc) : av_store_commit(st, err);
        if (!rc) store_note_delete(st);
    }
    av_store_unlock(st);
    return rc;
}

int av_dataset_stats(av_store *st, const char *project, const char *id, json_object **out, av_err *err)
{
    ds_row ds;
    *out = NULL;
    av_store_lock(st);
    int rc = ds_load(st, project, id, &ds, err);
    if (!rc) {
        json_object *o = json_object_new_object(), *labels = ds_labels_of(st, id);
        sqlite3_stmt *q = ds_query(st, err,
            "SELECT json_extract(j.value, '$.name'), count(*), count(DISTINCT s.id) FROM sample s, json_each(s.labels) j "
            "WHERE s.dataset = ?1 GROUP BY 1", 1, id);
        for (size_t i = 0; i < json_object_array_length(labels); i++) {
            ds_add_int(json_object_array_get_idx(labels, i), "count", 0);
            ds_add_int(json_object_array_get_idx(labels, i), "sample_count", 0);
        }
        while (q && sqlite3_step(q) == SQLITE_ROW) {
            const char *name = (const char *)sqlite3_column_text(q, 0);
            for (size_t i = 0; name && i < json_object_array_length(labels); i++) {
                json_object *l = json_object_array_get_idx(labels, i), *n = NULL;
                if (json_object_object_get_ex(l, "name", &n) && strcmp(json_object_get_string(n), name) == 0) {
                    ds_add_int(l, "count", sqlite3_column_int64(q, 1));
                    ds_add_int(l, "sample_count", sqlite3_column_int64(q, 2));
                }
            }
        }
        sqlite3_finalize(q);
        json_object_object_add(o, "labels", labels);
        add_counts(st, id, o);
        *out = o;
    }
    av_store_unlock(st);
    return rc;
}

