/*
 * label.c — a dataset's labels (label.h): checking definitions, adding, updating, listing, and the
 * normalising of a sample's labels. Locking: the label_* functions run under the caller's store lock
 * and transaction; av_labels_add / _update / _list take the lock (the writes: one transaction,
 * ds_in_txn). Deleting labels is in dataset.c, above samples.
 */
#include "core/dataset/label.h"

#include <string.h>

/* A label's type: the given one, else the dataset's (text datasets and types below 400), else 0. */
static int label_type(const ds_row *ds, const av_label_def *l)
{
    if (l->type >= 0) return l->type;
    return ds_is_text(ds->type) || ds->type < 400 ? ds->type : 0;
}

static int label_check(const av_label_def *l, int i, av_err *err)
{
    if (!l->name || !*l->name || strlen(l->name) > AV_DS_LABEL_MAX)
        return ds_at(err, i, av_fail_on(err, AV_EINVAL, AV_ENT_LABEL, AV_R_MISSING, NULL, NULL,
                                        "a label needs a name of 1 to %d bytes", AV_DS_LABEL_MAX));
    if (l->property && !json_object_is_type(l->property, json_type_object))
        return ds_at(err, i, av_fail_on(err, AV_ETYPE, AV_ENT_LABEL, AV_R_NONE, l->name, NULL,
                                        "label \"%.100s\": its property must be a JSON object", l->name));
    return AV_OK;
}

int label_check_list(const av_label_def *labels, int n, av_err *err)
{
    if (n < 0 || n > AV_DS_LABEL_MAX)
        return av_fail_on(err, AV_ELIMIT, AV_ENT_LABEL, AV_R_NONE, NULL, NULL, "at most %d labels at a time", AV_DS_LABEL_MAX);
    for (int i = 0; i < n; i++) {
        int rc = label_check(&labels[i], i, err);
        if (rc) return rc;
    }
    return AV_OK;
}

static int label_insert(av_store *st, const ds_row *ds, const char *name, int type, json_object *property, int ignore, av_err *err)
{
    return ds_exec(st, err, "INSERT %s INTO ds_label(dataset, name, type, property, seq) VALUES (%Q, %Q, %d, %Q, "
                   "(SELECT coalesce(max(seq), 0) + 1 FROM ds_label WHERE dataset = %Q))",
                   ignore ? "OR IGNORE" : "", ds->id, name, type, ds_json_text(property), ds->id);
}

int label_exists(av_store *st, const ds_row *ds, const char *name)
{
    return ds_scalar(st, "SELECT count(*) FROM ds_label WHERE dataset = ?1 AND name = ?2", 2, ds->id, name) > 0;
}

int label_create_list(av_store *st, const ds_row *ds, const av_label_def *labels, int n, av_err *err)
{
    int rc = AV_OK;
    for (int i = 0; !rc && i < n; i++) rc = label_insert(st, ds, labels[i].name, label_type(ds, &labels[i]), labels[i].property, 1, err);
    return rc;
}

int label_ensure(av_store *st, const ds_row *ds, json_object *labels, av_err *err)
{
    for (size_t i = 0; labels && i < json_object_array_length(labels); i++) {
        json_object *l = json_object_array_get_idx(labels, i), *name = NULL, *type = NULL;
        json_object_object_get_ex(l, "name", &name);
        json_object_object_get_ex(l, "type", &type);
        int rc = label_insert(st, ds, json_object_get_string(name), json_object_get_int(type), NULL, 1, err);
        if (rc) return rc;
    }
    return AV_OK;
}

int label_normalize(const ds_row *ds, const av_label_def *labels, int n, int final, json_object **out, av_err *err)
{
    *out = NULL;
    int rc = label_check_list(labels, n, err);
    if (rc) return rc;
    *out = json_object_new_array();
    for (int i = 0; i < n; i++) {
        const av_label_def *l = &labels[i];
        json_object *o = json_object_new_object(), *pc = NULL;
        json_object_object_add(o, "name", json_object_new_string(l->name));
        json_object_object_add(o, "type", json_object_new_int(label_type(ds, l)));
        if (l->property) json_object_deep_copy(l->property, &pc, NULL);
        json_object_object_add(o, "property", pc ? pc : json_object_new_object());
        if (l->has_score) json_object_object_add(o, "score", json_object_new_double(l->score));
        json_object_object_add(o, "annotated_by", json_object_new_string(final ? "human" : "auto"));
        json_object_array_add(*out, o);
    }
    return AV_OK;
}

json_object *label_list_of(av_store *st, const char *ds)
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

int label_add_list(av_store *st, const ds_row *ds, const av_label_def *labels, int n, av_err *err)
{
    int rc = label_check_list(labels, n, err);
    for (int i = 0; !rc && i < n; i++) {
        if (label_exists(st, ds, labels[i].name))
            return ds_at(err, i, av_fail_on(err, AV_EEXIST, AV_ENT_LABEL, AV_R_NONE, labels[i].name, ds->id,
                                            "label \"%.200s\" already exists in dataset %s", labels[i].name, ds->id));
        rc = label_insert(st, ds, labels[i].name, label_type(ds, &labels[i]), labels[i].property, 0, err);
    }
    return rc;
}

int label_update_list(av_store *st, const ds_row *ds, const av_label_def *labels, int n, av_err *err)
{
    int rc = label_check_list(labels, n, err);
    for (int i = 0; !rc && i < n; i++) {
        const av_label_def *l = &labels[i];
        if (!label_exists(st, ds, l->name))
            return ds_at(err, i, av_fail_on(err, AV_ENOTFOUND, AV_ENT_LABEL, AV_R_NONE, l->name, ds->id,
                                            "label \"%.200s\" does not exist in dataset %s", l->name, ds->id));
        if (l->type >= 0)
            rc = ds_exec(st, err, "UPDATE ds_label SET type = %d WHERE dataset = %Q AND name = %Q", l->type, ds->id, l->name);
        if (!rc && l->property)
            rc = ds_exec(st, err, "UPDATE ds_label SET property = %Q WHERE dataset = %Q AND name = %Q", ds_json_text(l->property), ds->id, l->name);
    }
    return rc;
}

typedef struct label_batch { const av_label_def *labels; int n; } label_batch;

static int add_txn(av_store *st, const char *project, const ds_row *ds, void *arg, av_err *err)
{
    (void)project;
    const label_batch *b = arg;
    return label_add_list(st, ds, b->labels, b->n, err);
}

static int update_txn(av_store *st, const char *project, const ds_row *ds, void *arg, av_err *err)
{
    (void)project;
    const label_batch *b = arg;
    return label_update_list(st, ds, b->labels, b->n, err);
}

int av_labels_add(av_store *st, const char *project, const char *ds, const av_label_def *labels, int n, av_err *err)
{
    label_batch b = { labels, n };
    return ds_in_txn(st, project, ds, add_txn, &b, 0, err);
}

int av_labels_update(av_store *st, const char *project, const char *ds, const av_label_def *labels, int n, av_err *err)
{
    label_batch b = { labels, n };
    return ds_in_txn(st, project, ds, update_txn, &b, 0, err);
}

int av_labels_list(av_store *st, const char *project, const char *ds, const char *version_id, json_object **out, av_err *err)
{
    ds_row d;
    *out = NULL;
    av_store_lock(st);
    int rc = ds_load(st, project, ds, &d, err);
    if (!rc && version_id) {
        sqlite3_stmt *q = ds_query(st, err, "SELECT labels FROM ds_version WHERE dataset = ?1 AND id = ?2", 2, ds, version_id);
        if (!q) rc = err ? err->code : AV_EIO;
        else if (sqlite3_step(q) != SQLITE_ROW) rc = ds_no_version(err, ds, version_id);
        else *out = json_tokener_parse((const char *)sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
    } else if (!rc) {
        *out = label_list_of(st, ds);
    }
    av_store_unlock(st);
    return rc;
}
