/*
 * label.c — a dataset's labels: add, update, delete (with the policies for samples that carry them),
 * list, and the normalising of a sample's labels. Locking: each public call is one transaction
 * under the store lock (ds_in_txn).
 */
#include "core/dataset/dataset_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- labels ------------------------------------------------------------------------------------ */

/* Reads {name, type?, property?}; the type defaults to the dataset's. */
static int label_parse(const ds_row *ds, json_object *l, const char **name, int *type, json_object **property, av_err *err)
{
    if (!json_object_is_type(l, json_type_object)) return ds_fail(err, AV_EINVAL, AV_ENT_LABEL, "each label must be an object {\"name\": ..., \"type\": ...}");
    json_object *v = NULL;
    *name = ds_str(l, "name");
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

int label_check_list(const ds_row *ds, json_object *labels, av_err *err)
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
    int rc = label_check_list(ds, labels, err);
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

json_object *ds_labels_of(av_store *st, const char *ds)
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

int label_add_txn(av_store *st, const char *project, const ds_row *ds, void *arg, av_err *err)
{
    (void)project;
    json_object *labels = arg;
    int rc = label_check_list(ds, labels, err);
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
    return ds_in_txn(st, project, ds, label_add_txn, labels, 0, err);
}

int label_update_txn(av_store *st, const char *project, const ds_row *ds, void *arg, av_err *err)
{
    (void)project;
    json_object *labels = arg;
    int rc = label_check_list(ds, labels, err);
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
    return ds_in_txn(st, project, ds, label_update_txn, labels, 0, err);
}


/* Removes one label from every sample of the dataset; with policy >= 1 the samples left without a
 * label (that had this one) are deleted, with policy 2 together with their sources. */
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
        *out = ds_labels_of(st, ds);
    }
    av_store_unlock(st);
    return rc;
}


int label_create_list(av_store *st, const ds_row *ds, json_object *labels, av_err *err)
{
    int rc = AV_OK;
    for (size_t i = 0; !rc && labels && i < json_object_array_length(labels); i++) {
        const char *ln;
        int lt;
        json_object *prop;
        label_parse(ds, json_object_array_get_idx(labels, i), &ln, &lt, &prop, err);
        rc = label_insert(st, ds, ln, lt, prop, 1, err);
    }
    return rc;
}
