/*
 * dataset.c — datasets, their labels and statistics (annovec_dataset.h), and the small SQL helpers
 * the dataset files share (dataset_internal.h).
 */
#include "core/dataset_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- shared helpers ------------------------------------------------------------------------- */

int ds_fail(av_err *err, int code, int entity, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        char msg[sizeof err->msg];
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        av_fail(err, code, "%s", msg);
        err->entity = entity;
    }
    return code;
}

static sqlite3_stmt *vquery(av_store *st, av_err *err, const char *sql, int n, va_list ap)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(av_store_db(st), sql, -1, &q, NULL) != SQLITE_OK) {
        av_store_sqlite_fail(st, err, "query");
        return NULL;
    }
    for (int i = 1; i <= n; i++) {
        const char *v = va_arg(ap, const char *);
        if (v) sqlite3_bind_text(q, i, v, -1, SQLITE_TRANSIENT);
    }
    return q;
}

sqlite3_stmt *ds_query(av_store *st, av_err *err, const char *sql, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    sqlite3_stmt *q = vquery(st, err, sql, n, ap);
    va_end(ap);
    return q;
}

int64_t ds_scalar(av_store *st, const char *sql, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    sqlite3_stmt *q = vquery(st, NULL, sql, n, ap);
    va_end(ap);
    int64_t v = 0;
    if (q && sqlite3_step(q) == SQLITE_ROW) v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

int ds_exec(av_store *st, av_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    int rc = av_store_exec(st, sql, err);
    sqlite3_free(sql);
    return rc;
}

void ds_id19(char out[20])
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char r[19];
    av_random(r, sizeof r);
    for (int i = 0; i < 19; i++) out[i] = abc[r[i] % 62];
    out[19] = 0;
}

void ds_id32(char out[33])
{
    unsigned char r[16];
    av_random(r, sizeof r);
    av_hex(r, sizeof r, out);
}

void ds_add_int(json_object *o, const char *k, int64_t v) { json_object_object_add(o, k, json_object_new_int64(v)); }

int ds_is_text(int t) { return t >= 100 && t <= 102; }

int ds_sample_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot) return 9;
    static const struct { const char *ext; int type; } map[] = {
        { "jpg", 0 }, { "jpeg", 0 }, { "png", 0 }, { "bmp", 0 }, { "gif", 0 }, { "webp", 0 }, { "tif", 0 }, { "tiff", 0 }, { "pgm", 0 }, { "ppm", 0 },
        { "txt", 1 }, { "csv", 1 }, { "wav", 2 }, { "mp3", 2 }, { "flac", 2 }, { "mp4", 6 }, { "avi", 6 }, { "mov", 6 },
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (strcasecmp(dot + 1, map[i].ext) == 0) return map[i].type;
    return 9;
}

static const char *str_of(json_object *o, const char *key)
{
    json_object *v = NULL;
    return o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

int ds_name_ok(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-')) return 0;
    return 1;
}

int ds_load(av_store *st, const char *project, const char *id, ds_row *out, av_err *err)
{
    sqlite3_stmt *q = ds_query(st, err, "SELECT id, name, type, spec FROM dataset WHERE project = ?1 AND id = ?2", 2, project, id);
    if (!q) return err ? err->code : AV_EIO;
    int rc = AV_OK;
    if (sqlite3_step(q) != SQLITE_ROW) rc = ds_fail(err, AV_ENOTFOUND, AV_ENT_DATASET, "dataset %.64s does not exist in this project", id);
    else {
        memset(out, 0, sizeof *out);
        snprintf(out->id, sizeof out->id, "%s", (const char *)sqlite3_column_text(q, 0));
        snprintf(out->name, sizeof out->name, "%s", (const char *)sqlite3_column_text(q, 1));
        out->type = sqlite3_column_int(q, 2);
        json_object *spec = json_tokener_parse((const char *)sqlite3_column_text(q, 3));
        const char *v;
        if ((v = str_of(spec, "data_path"))) snprintf(out->data_path, sizeof out->data_path, "%s", v);
        if ((v = str_of(spec, "work_path"))) snprintf(out->work_path, sizeof out->work_path, "%s", v);
        json_object *lf = NULL;
        if (spec) json_object_object_get_ex(spec, "label_format", &lf);
        snprintf(out->label_sep, sizeof out->label_sep, "%s", (v = str_of(lf, "text_label_separator")) ? v : ",");
        snprintf(out->sample_sep, sizeof out->sample_sep, "%s", (v = str_of(lf, "text_sample_separator")) ? v : "\t");
        json_object_put(spec);
    }
    sqlite3_finalize(q);
    return rc;
}

/* ---- labels ------------------------------------------------------------------------------------ */

/* Reads {name, type?, property?}; the type defaults to the dataset's. */
static int label_parse(const ds_row *ds, json_object *l, const char **name, int *type, json_object **property, av_err *err)
{
    if (!json_object_is_type(l, json_type_object)) return ds_fail(err, AV_EINVAL, AV_ENT_LABEL, "each label must be an object {\"name\": ..., \"type\": ...}");
    json_object *v = NULL;
    *name = str_of(l, "name");
    if (!*name || !**name || strlen(*name) > AV_DS_LABEL_MAX)
        return ds_fail(err, AV_EINVAL, AV_ENT_LABEL, "a label needs a \"name\" string of 1 to %d bytes", AV_DS_LABEL_MAX);
    *type = ds_is_text(ds->type) || ds->type < 400 ? ds->type : 0;
    if (json_object_object_get_ex(l, "type", &v) && v) {
        if (!json_object_is_type(v, json_type_int)) return ds_fail(err, AV_ETYPE, AV_ENT_LABEL, "label \"%.100s\": \"type\" must be an integer", *name);
        *type = json_object_get_int(v);
    }
    *property = NULL;
    if (json_object_object_get_ex(l, "property", &v) && v) {
        if (!json_object_is_type(v, json_type_object)) return ds_fail(err, AV_ETYPE, AV_ENT_LABEL, "label \"%.100s\": \"property\" must be an object", *name);
        *property = v;
    }
    return AV_OK;
}

static int label_insert(av_store *st, const ds_row *ds, const char *name, int type, json_object *property, int ignore, av_err *err)
{
    return ds_exec(st, err, "INSERT %s INTO ds_label(dataset, name, type, property, seq) VALUES (%Q, %Q, %d, %Q, "
                   "(SELECT coalesce(max(seq), 0) + 1 FROM ds_label WHERE dataset = %Q))",
                   ignore ? "OR IGNORE" : "", ds->id, name, type,
                   property ? json_object_to_json_string_ext(property, JSON_C_TO_STRING_PLAIN) : "{}", ds->id);
}

static int labels_check(const ds_row *ds, json_object *labels, av_err *err)
{
    if (!json_object_is_type(labels, json_type_array)) return ds_fail(err, AV_EINVAL, AV_ENT_LABEL, "\"labels\" must be a list of label objects");
    if (json_object_array_length(labels) > AV_DS_LABEL_MAX) return ds_fail(err, AV_ELIMIT, AV_ENT_LABEL, "at most %d labels per request", AV_DS_LABEL_MAX);
    for (size_t i = 0; i < json_object_array_length(labels); i++) {
        const char *name;
        int type;
        json_object *prop;
        int rc = label_parse(ds, json_object_array_get_idx(labels, i), &name, &type, &prop, err);
        if (rc) return rc;
    }
    return AV_OK;
}

int ds_labels_ensure(av_store *st, const ds_row *ds, json_object *labels, av_err *err)
{
    for (size_t i = 0; labels && i < json_object_array_length(labels); i++) {
        const char *name;
        int type;
        json_object *prop;
        int rc = label_parse(ds, json_object_array_get_idx(labels, i), &name, &type, &prop, err);
        if (!rc) rc = label_insert(st, ds, name, type, NULL, 1, err);
        if (rc) return rc;
    }
    return AV_OK;
}

int ds_labels_normalize(const ds_row *ds, json_object *labels, int final, json_object **out, av_err *err)
{
    *out = json_object_new_array();
    if (!labels) return AV_OK;
    int rc = labels_check(ds, labels, err);
    for (size_t i = 0; !rc && i < json_object_array_length(labels); i++) {
        json_object *l = json_object_array_get_idx(labels, i), *prop, *v = NULL;
        const char *name;
        int type;
        label_parse(ds, l, &name, &type, &prop, err);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "name", json_object_new_string(name));
        json_object_object_add(o, "type", json_object_new_int(type));
        json_object *pc = NULL;
        if (prop) json_object_deep_copy(prop, &pc, NULL);
        json_object_object_add(o, "property", pc ? pc : json_object_new_object());
        if (json_object_object_get_ex(l, "score", &v) && (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
            json_object_object_add(o, "score", json_object_new_double(json_object_get_double(v)));
        json_object_object_add(o, "annotated_by", json_object_new_string(final ? "human" : "auto"));
        json_object_array_add(*out, o);
    }
    if (rc) { json_object_put(*out); *out = NULL; }
    return rc;
}

static json_object *labels_of(av_store *st, const char *ds)
{
    json_object *out = json_object_new_array();
    sqlite3_stmt *q = ds_query(st, NULL, "SELECT name, type, property FROM ds_label WHERE dataset = ?1 ORDER BY seq", 1, ds);
    while (q && sqlite3_step(q) == SQLITE_ROW) {
        json_object *l = json_object_new_object();
        json_object_object_add(l, "name", json_object_new_string((const char *)sqlite3_column_text(q, 0)));
        json_object_object_add(l, "type", json_object_new_int(sqlite3_column_int(q, 1)));
        json_object *p = json_tokener_parse((const char *)sqlite3_column_text(q, 2));
        json_object_object_add(l, "property", p ? p : json_object_new_object());
        json_object_array_add(out, l);
    }
    sqlite3_finalize(q);
    return out;
}

/* Runs fn(st, ds, arg, err) inside one transaction under the store lock, on a loaded dataset. When fn
 * may delete (deletes = 1) the purge thread is woken after the commit. */
typedef int (*ds_txn_fn)(av_store *st, const char *project, const ds_row *ds, void *arg, av_err *err);
static int in_txn(av_store *st, const char *project, const char *id, ds_txn_fn fn, void *arg, int deletes, av_err *err)
{
    ds_row ds;
    av_store_lock(st);
    int rc = ds_load(st, project, id, &ds, err);
    if (!rc) rc = av_store_begin(st, err);
    if (!rc) {
        rc = fn(st, project, &ds, arg, err);
        if (!rc) rc = ds_exec(st, err, "UPDATE dataset SET updated_ms = %lld WHERE id = %Q", (long long)av_now_ms(), ds.id);
        rc = rc ? (av_store_rollback(st), rc) : av_store_commit(st, err);
        if (!rc && deletes) store_note_delete(st);
    }
    av_store_unlock(st);
    return rc;
}

static int do_labels_add(av_store *st, const char *project, const ds_row *ds, void *arg, av_err *err)
{
    (void)project;
    json_object *labels = arg;
    int rc = labels_check(ds, labels, err);
    for (size_t i = 0; !rc && i < json_object_array_length(labels); i++) {
        const char *name;
        int type;
        json_object *prop;
        label_parse(ds, json_object_array_get_idx(labels, i), &name, &type, &prop, err);
        if (ds_scalar(st, "SELECT count(*) FROM ds_label WHERE dataset = ?1 AND name = ?2", 2, ds->id, name))
            return ds_fail(err, AV_EEXIST, AV_ENT_LABEL, "label \"%.200s\" already exists in dataset %s", name, ds->id);
        rc = label_insert(st, ds, name, type, prop, 0, err);
    }
    return rc;
}

int av_labels_add(av_store *st, const char *project, const char *ds, json_object *labels, av_err *err)
{
    return in_txn(st, project, ds, do_labels_add, labels, 0, err);
}

static int do_labels_update(av_store *st, const char *project, const ds_row *ds, void *arg, av_err *err)
{
    (void)project;
    json_object *labels = arg;
    int rc = labels_check(ds, labels, err);
    for (size_t i = 0; !rc && i < json_object_array_length(labels); i++) {
        json_object *l = json_object_array_get_idx(labels, i), *v = NULL, *prop;
        const char *name;
        int type;
        label_parse(ds, l, &name, &type, &prop, err);
        if (!ds_scalar(st, "SELECT count(*) FROM ds_label WHERE dataset = ?1 AND name = ?2", 2, ds->id, name))
            return ds_fail(err, AV_ENOTFOUND, AV_ENT_LABEL, "label \"%.200s\" does not exist in dataset %s", name, ds->id);
        if (json_object_object_get_ex(l, "type", &v))
            rc = ds_exec(st, err, "UPDATE ds_label SET type = %d WHERE dataset = %Q AND name = %Q", type, ds->id, name);
        if (!rc && prop)
            rc = ds_exec(st, err, "UPDATE ds_label SET property = %Q WHERE dataset = %Q AND name = %Q",
                         json_object_to_json_string_ext(prop, JSON_C_TO_STRING_PLAIN), ds->id, name);
    }
    return rc;
}

int av_labels_update(av_store *st, const char *project, const char *ds, json_object *labels, av_err *err)
{
    return in_txn(st, project, ds, do_labels_update, labels, 0, err);
}

typedef struct labels_del { const char *const *names; int n, policy; } labels_del;

/* Removes one label from every sample of the dataset; with policy >= 1 the samples left without a
 * label (that had this one) are deleted, with policy 2 together with their sources. */
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

static int do_labels_delete(av_store *st, const char *project, const ds_row *ds, void *arg, av_err *err)
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
    return in_txn(st, project, ds, do_labels_delete, &d, 1, err);
}

int av_labels_list(av_store *st, const char *project, const char *ds, const char *version_id, json_object **out, av_err *err)
{
    ds_row d;
    *out = NULL;
    av_store_lock(st);
    int rc = ds_load(st, project, ds, &d, err);
    if (!rc && version_id) {
        sqlite3_stmt *q = ds_query(st, err, "SELECT labels FROM ds_version WHERE dataset = ?1 AND id = ?2", 2, ds, version_id);
        if (!q) rc = err->code;
        else if (sqlite3_step(q) != SQLITE_ROW) rc = ds_fail(err, AV_ENOTFOUND, AV_ENT_VERSION, "version %.64s does not exist in dataset %s", version_id, ds);
        else *out = json_tokener_parse((const char *)sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
    } else if (!rc) {
        *out = labels_of(st, ds);
    }
    av_store_unlock(st);
    return rc;
}

/* ---- datasets ---------------------------------------------------------------------------------- */

static int dir_ok_or_empty(const char *p) { return !p || av_path_ok(p, 1); }

int av_dataset_create(av_store *st, const char *project, json_object *spec, char id_out[20], av_err *err)
{
    const char *name = str_of(spec, "dataset_name"), *desc = str_of(spec, "description");
    const char *data_path = str_of(spec, "data_path"), *work_path = str_of(spec, "work_path");
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
        int rc = labels_check(&ds, labels, err);
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
    for (size_t i = 0; !rc && labels && i < json_object_array_length(labels); i++) {
        const char *ln;
        int lt;
        json_object *prop;
        label_parse(&ds, json_object_array_get_idx(labels, i), &ln, &lt, &prop, err);
        rc = label_insert(st, &ds, ln, lt, prop, 1, err);
    }
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
    json_object_object_add(o, "labels", labels_of(st, id));
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
        const char *nm = str_of(json_object_array_get_idx(arr, (size_t)i), "name");
        if (!nm) { free(*names); return ds_fail(err, AV_EINVAL, AV_ENT_LABEL, "each label to delete needs a \"name\""); }
        (*names)[i] = nm;
    }
    return AV_OK;
}

static int do_dataset_update(av_store *st, const char *project, const ds_row *ds, void *arg, av_err *err)
{
    json_object *patch = arg, *v = NULL;
    const char *name = str_of(patch, "dataset_name"), *desc = str_of(patch, "description"), *cur = str_of(patch, "current_version_id");
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
    if (!rc && json_object_object_get_ex(patch, "add_labels", &v) && v) rc = do_labels_add(st, project, ds, v, err);
    if (!rc && json_object_object_get_ex(patch, "update_labels", &v) && v) rc = do_labels_update(st, project, ds, v, err);
    if (!rc && json_object_object_get_ex(patch, "delete_labels", &v) && v) {
        if (!json_object_is_type(v, json_type_array)) return av_fail(err, AV_EINVAL, "\"delete_labels\" must be a list of labels");
        labels_del d = { NULL, 0, 0 };
        rc = names_of(v, (const char ***)&d.names, &d.n, err);
        if (!rc) { if (d.n) rc = do_labels_delete(st, project, ds, &d, err); free((void *)d.names); }
    }
    return rc;
}

int av_dataset_update(av_store *st, const char *project, const char *id, json_object *patch, av_err *err)
{
    return in_txn(st, project, id, do_dataset_update, patch, 1, err);
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
        json_object *o = json_object_new_object(), *labels = labels_of(st, id);
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
