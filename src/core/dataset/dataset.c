/*
 * dataset.c — datasets (annovec_dataset.h): create (importing the files under the input path), get,
 * list, update, delete and statistics, and deleting labels (here, above samples: a policy may delete
 * the samples that carry them). Locking: each call holds the store lock; writes are one transaction.
 */
#include "core/dataset/dataset.h"
#include "core/dataset/sample.h"
#include "core/dataset/file.h"
#include "core/dataset/label.h"

#include <stdlib.h>
#include <string.h>

/* ---- deleting labels -------------------------------------------------------------------------- */

typedef struct labels_del { const char *const *names; int n, policy; } labels_del;

/* Ids of the samples whose only label is `name` (a new array of strings). */
static json_object *samples_only_with(av_store *st, const ds_row *ds, const char *name, av_err *err)
{
    sqlite3_stmt *q = ds_query(st, err, "SELECT id FROM sample WHERE dataset = ?1 AND json_array_length(labels) = 1 AND "
                                        "EXISTS (SELECT 1 FROM json_each(labels) WHERE json_extract(value, '$.name') = ?2)", 2, ds->id, name);
    if (!q) return NULL;
    json_object *ids = json_object_new_array();
    while (sqlite3_step(q) == SQLITE_ROW) json_object_array_add(ids, json_object_new_string((const char *)sqlite3_column_text(q, 0)));
    sqlite3_finalize(q);
    return ids;
}

/* Removes one label from every sample of the dataset; with policy SAMPLES or SOURCES the samples left
 * without a label (that had only this one) are deleted, with SOURCES together with their sources. */
static int label_remove(av_store *st, const char *project, const ds_row *ds, const char *name, int policy, av_err *err)
{
    if (policy != AV_LABEL_DELETE_ONLY) {
        json_object *ids = samples_only_with(st, ds, name, err);
        if (!ids) return err ? err->code : AV_EIO;
        int rc = AV_OK;
        for (size_t i = 0; !rc && i < json_object_array_length(ids); i++)
            rc = sample_delete_one(st, project, ds, json_object_get_string(json_object_array_get_idx(ids, i)),
                                   policy == AV_LABEL_DELETE_SOURCES, NULL, err);
        json_object_put(ids);
        if (rc) return rc;
    }
    return ds_exec(st, err,
        "UPDATE sample SET labels = (SELECT json_group_array(json(value)) FROM json_each(sample.labels) "
        "  WHERE json_extract(value, '$.name') IS NOT %Q), updated_ms = %lld "
        "WHERE dataset = %Q AND EXISTS (SELECT 1 FROM json_each(labels) WHERE json_extract(value, '$.name') = %Q);"
        "UPDATE sample SET status = 0 WHERE dataset = %Q AND json_array_length(labels) = 0;"
        "DELETE FROM ds_label WHERE dataset = %Q AND name = %Q;",
        name, (long long)av_now_ms(), ds->id, name, ds->id, ds->id, name);
}

static int labels_delete_check(const labels_del *d, av_err *err)
{
    if (d->policy < AV_LABEL_DELETE_ONLY || d->policy > AV_LABEL_DELETE_SOURCES)
        return av_fail_on(err, AV_EINVAL, AV_ENT_LABEL, AV_R_NONE, NULL, NULL,
                          "the label delete policy must be 0 (the label only), 1 (and its samples) or 2 (and their sources)");
    if (d->n < 0 || d->n > AV_DS_LABEL_MAX)
        return av_fail_on(err, AV_ELIMIT, AV_ENT_LABEL, AV_R_NONE, NULL, NULL, "delete at most %d labels at a time", AV_DS_LABEL_MAX);
    for (int i = 0; i < d->n; i++)
        if (!d->names[i] || !*d->names[i])
            return ds_at(err, i, av_fail_on(err, AV_EINVAL, AV_ENT_LABEL, AV_R_MISSING, NULL, NULL, "each label to delete needs a name"));
    return AV_OK;
}

static int label_delete_txn(av_store *st, const char *project, const ds_row *ds, void *arg, av_err *err)
{
    const labels_del *d = arg;
    int rc = labels_delete_check(d, err);
    if (rc) return rc;
    for (int i = 0; i < d->n; i++)
        if (!label_exists(st, ds, d->names[i]))
            return ds_at(err, i, av_fail_on(err, AV_ENOTFOUND, AV_ENT_LABEL, AV_R_NONE, d->names[i], ds->id,
                                            "label \"%.200s\" does not exist in dataset %s", d->names[i], ds->id));
    for (int i = 0; i < d->n; i++) {
        rc = label_remove(st, project, ds, d->names[i], d->policy, err);
        if (rc) return rc;
    }
    return file_collect(st, project, err);
}

int av_labels_delete(av_store *st, const char *project, const char *ds, const char *const *names, int n, int policy, av_err *err)
{
    av_store_make_room(st);   /* deletes work on a full disk */
    labels_del d = { names, n, policy };
    int rc = labels_delete_check(&d, err);
    if (!rc && n == 0) rc = av_fail_on(err, AV_EINVAL, AV_ENT_LABEL, AV_R_EMPTY, NULL, NULL, "name 1 to %d labels to delete", AV_DS_LABEL_MAX);
    return rc ? rc : ds_in_txn(st, project, ds, label_delete_txn, &d, 1, err);
}

/* ---- datasets ---------------------------------------------------------------------------------- */

static int dir_ok_or_empty(const char *p) { return !p || av_path_ok(p, 1); }

static int sep_ok(const char *s) { return !s || (*s && strlen(s) <= AV_DS_SEP_MAX); }

static int spec_check(const char *project, const av_dataset_spec *spec, av_err *err)
{
    if (!ds_name_ok(spec->name, AV_DS_NAME_MAX))
        return av_fail_on(err, AV_EINVAL, AV_ENT_DATASET, AV_R_NONE, spec->name, project,
                          "a dataset name must be 1 to %d letters, digits, '_' or '-'", AV_DS_NAME_MAX);
    if (spec->type < 0) return av_fail_on(err, AV_EINVAL, AV_ENT_DATASET, AV_R_NONE, spec->name, project, "a dataset type is 0 or more");
    if (spec->description && strlen(spec->description) > AV_DS_DESC_MAX)
        return av_fail_on(err, AV_ELIMIT, AV_ENT_DATASET, AV_R_NONE, spec->name, project, "a dataset description has at most %d bytes", AV_DS_DESC_MAX);
    if (!dir_ok_or_empty(spec->data_path) || !dir_ok_or_empty(spec->work_path))
        return av_fail_on(err, AV_EINVAL, AV_ENT_FILE, AV_R_NONE, spec->data_path, project,
                          "the input and work paths must be directories like /bucket/dir/ (ending in '/', no '..' or '//')");
    if (spec->data_path && spec->work_path && strncmp(spec->work_path, spec->data_path, strlen(spec->data_path)) == 0)
        return av_fail_on(err, AV_EINVAL, AV_ENT_FILE, AV_R_NONE, spec->work_path, project,
                          "the work path must not be the input path or inside it; choose another directory");
    if (!sep_ok(spec->label_sep) || !sep_ok(spec->sample_sep))
        return av_fail_on(err, AV_EINVAL, AV_ENT_DATASET, AV_R_NONE, spec->name, project,
                          "a text dataset's separators have 1 to %d bytes", AV_DS_SEP_MAX);
    if (spec->extra && !json_object_is_type(spec->extra, json_type_object))
        return av_fail_on(err, AV_ETYPE, AV_ENT_DATASET, AV_R_NONE, spec->name, project, "a dataset's extra fields must be a JSON object");
    return label_check_list(spec->labels, spec->nlabels, err);
}

/* Imports every file under the new dataset's input path (distinct paths, so no sample repeats one). */
static int import_input(av_store *st, const char *project, const ds_row *ds, av_err *err)
{
    json_object *paths = file_list_under(st, project, ds->data_path);
    int rc = AV_OK;
    for (size_t i = 0; !rc && i < json_object_array_length(paths); i++) {
        int64_t count;
        rc = sample_import_file(st, project, ds, json_object_get_string(json_object_array_get_idx(paths, i)), AV_ORIGIN_IMPORTED, &count, err);
    }
    json_object_put(paths);
    return rc;
}

static int create_in_txn(av_store *st, const char *project, const av_dataset_spec *spec, ds_row *ds, av_err *err)
{
    int64_t now = av_now_ms();
    int rc = ds_exec(st, err, "INSERT INTO dataset(id, project, name, type, description, data_path, work_path, label_sep, sample_sep, "
                     "extra, created_ms, updated_ms) VALUES (%Q, %Q, %Q, %d, %Q, %Q, %Q, %Q, %Q, %Q, %lld, %lld)",
                     ds->id, project, spec->name, spec->type, spec->description ? spec->description : "",
                     spec->data_path ? spec->data_path : "", spec->work_path ? spec->work_path : "",
                     spec->label_sep ? spec->label_sep : ",", spec->sample_sep ? spec->sample_sep : "\t",
                     ds_json_text(spec->extra), (long long)now, (long long)now);
    if (!rc) rc = ds_load(st, project, ds->id, ds, err);
    if (!rc) rc = label_create_list(st, ds, spec->labels, spec->nlabels, err);
    if (!rc && ds->data_path[0]) rc = import_input(st, project, ds, err);
    return rc;
}

int dataset_create_in(av_store *st, const char *project, const av_dataset_spec *spec, char id_out[20], av_err *err)
{
    int rc = spec_check(project, spec, err);
    if (rc) return rc;
    ds_row ds = { .type = spec->type };
    ds_id19(ds.id);
    if (ds_scalar(st, "SELECT count(*) FROM dataset WHERE project = ?1 AND name = ?2", 2, project, spec->name))
        return av_fail_on(err, AV_EEXIST, AV_ENT_DATASET, AV_R_NONE, spec->name, project,
                          "a dataset named \"%s\" already exists; choose another name", spec->name);
    rc = create_in_txn(st, project, spec, &ds, err);
    if (!rc) snprintf(id_out, 20, "%s", ds.id);
    return rc;
}

int av_dataset_create(av_store *st, const char *project, const av_dataset_spec *spec, char id_out[20], av_err *err)
{
    av_store_lock(st);
    int rc = av_store_begin(st, err);
    if (!rc) {
        rc = dataset_create_in(st, project, spec, id_out, err);
        rc = rc ? (av_store_rollback(st), rc) : av_store_commit(st, err);
    }
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

#define DATASET_COLUMNS "id, name, type, description, data_path, work_path, label_sep, sample_sep, extra, " \
                        "created_ms, updated_ms, next_version, current_version"

static json_object *dataset_doc(av_store *st, sqlite3_stmt *q)
{
    json_object *o = json_object_new_object();
    const char *id = (const char *)sqlite3_column_text(q, 0);
    static const char *const text_cols[] = { "id", "name", NULL, "description", "data_path", "work_path", "label_sep", "sample_sep" };
    for (int i = 0; i < 8; i++) {
        if (i == 2) ds_add_int(o, "type", sqlite3_column_int(q, 2));
        else json_object_object_add(o, text_cols[i], json_object_new_string((const char *)sqlite3_column_text(q, i)));
    }
    json_object *extra = json_tokener_parse((const char *)sqlite3_column_text(q, 8));
    json_object_object_add(o, "extra", extra ? extra : json_object_new_object());
    ds_add_int(o, "created_ms", sqlite3_column_int64(q, 9));
    ds_add_int(o, "updated_ms", sqlite3_column_int64(q, 10));
    ds_add_int(o, "next_version_num", sqlite3_column_int64(q, 11));
    const char *cur = (const char *)sqlite3_column_text(q, 12);
    json_object_object_add(o, "current_version_id", cur ? json_object_new_string(cur) : NULL);
    ds_add_int(o, "version_count", ds_scalar(st, "SELECT count(*) FROM ds_version WHERE dataset = ?1", 1, id));
    if (cur) {
        sqlite3_stmt *v = ds_query(st, NULL, "SELECT name FROM ds_version WHERE id = ?1", 1, cur);
        if (v && sqlite3_step(v) == SQLITE_ROW)
            json_object_object_add(o, "current_version_name", json_object_new_string((const char *)sqlite3_column_text(v, 0)));
        sqlite3_finalize(v);
    }
    json_object_object_add(o, "labels", label_list_of(st, id));
    add_counts(st, id, o);
    return o;
}

int av_dataset_get(av_store *st, const char *project, const char *id, json_object **out, av_err *err)
{
    *out = NULL;
    av_store_lock(st);
    sqlite3_stmt *q = ds_query(st, err, "SELECT " DATASET_COLUMNS " FROM dataset WHERE project = ?1 AND id = ?2", 2, project, id);
    int rc = !q ? (err ? err->code : AV_EIO) : sqlite3_step(q) == SQLITE_ROW ? AV_OK
           : av_fail_on(err, AV_ENOTFOUND, AV_ENT_DATASET, AV_R_NONE, id, project, "dataset %.64s does not exist in this project", id);
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
    int rc = q ? AV_OK : err ? err->code : AV_EIO;
    *out = json_object_new_array();
    while (q && sqlite3_step(q) == SQLITE_ROW) json_object_array_add(*out, dataset_doc(st, q));
    sqlite3_finalize(q);
    av_store_unlock(st);
    free(sql);
    free(count_sql);
    return rc;
}

static int patch_name(av_store *st, const char *project, const ds_row *ds, const char *name, av_err *err)
{
    if (!name || strcmp(name, ds->name) == 0) return AV_OK;
    if (!ds_name_ok(name, AV_DS_NAME_MAX))
        return av_fail_on(err, AV_EINVAL, AV_ENT_DATASET, AV_R_NONE, name, project,
                          "a dataset name must be 1 to %d letters, digits, '_' or '-'", AV_DS_NAME_MAX);
    if (ds_scalar(st, "SELECT count(*) FROM dataset WHERE project = ?1 AND name = ?2", 2, project, name))
        return av_fail_on(err, AV_EEXIST, AV_ENT_DATASET, AV_R_NONE, name, project, "a dataset named \"%s\" already exists; choose another name", name);
    return ds_exec(st, err, "UPDATE dataset SET name = %Q WHERE id = %Q", name, ds->id);
}

static int do_dataset_update(av_store *st, const char *project, const ds_row *ds, void *arg, av_err *err)
{
    const av_dataset_patch *p = arg;
    int rc = patch_name(st, project, ds, p->name, err);
    if (!rc && p->description) {
        if (strlen(p->description) > AV_DS_DESC_MAX)
            return av_fail_on(err, AV_ELIMIT, AV_ENT_DATASET, AV_R_NONE, ds->id, project, "a dataset description has at most %d bytes", AV_DS_DESC_MAX);
        rc = ds_exec(st, err, "UPDATE dataset SET description = %Q WHERE id = %Q", p->description, ds->id);
    }
    if (!rc && p->current_version) {
        if (!ds_has_version(st, ds->id, p->current_version)) return ds_no_version(err, ds->id, p->current_version);
        rc = ds_exec(st, err, "UPDATE dataset SET current_version = %Q WHERE id = %Q", p->current_version, ds->id);
    }
    if (!rc && p->nadd) rc = label_add_list(st, ds, p->add_labels, p->nadd, err);
    if (!rc && p->nupdate) rc = label_update_list(st, ds, p->update_labels, p->nupdate, err);
    if (!rc && p->ndelete) {
        labels_del d = { p->delete_labels, p->ndelete, AV_LABEL_DELETE_ONLY };
        rc = label_delete_txn(st, project, ds, &d, err);
    }
    return rc;
}

int av_dataset_update(av_store *st, const char *project, const char *id, const av_dataset_patch *patch, av_err *err)
{
    return ds_in_txn(st, project, id, do_dataset_update, (void *)patch, 1, err);
}

int av_dataset_delete(av_store *st, const char *project, const char *id, av_err *err)
{
    av_store_make_room(st);   /* deletes work on a full disk */
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
        json_object *o = json_object_new_object(), *labels = label_list_of(st, id);
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

