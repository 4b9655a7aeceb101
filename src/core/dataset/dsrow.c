/*
 * dsrow.c — the base of the dataset part: the SQL helpers every dataset file uses, random ids, names,
 * a dataset's row (ds_load) and the one-transaction wrapper (ds_in_txn). Depends on nothing else
 * of src/core/dataset/. Every function runs with the store lock held, on the writer connection.
 */
#include "core/dataset/dataset_internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


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

const char *ds_str(json_object *o, const char *key)
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
        if ((v = ds_str(spec, "data_path"))) snprintf(out->data_path, sizeof out->data_path, "%s", v);
        if ((v = ds_str(spec, "work_path"))) snprintf(out->work_path, sizeof out->work_path, "%s", v);
        json_object *lf = NULL;
        if (spec) json_object_object_get_ex(spec, "label_format", &lf);
        snprintf(out->label_sep, sizeof out->label_sep, "%s", (v = ds_str(lf, "text_label_separator")) ? v : ",");
        snprintf(out->sample_sep, sizeof out->sample_sep, "%s", (v = ds_str(lf, "text_sample_separator")) ? v : "\t");
        json_object_put(spec);
    }
    sqlite3_finalize(q);
    return rc;
}


/* Runs fn(st, ds, arg, err) inside one transaction under the store lock, on a loaded dataset. When fn
 * may delete (deletes = 1) the purge thread is woken after the commit. */
int ds_in_txn(av_store *st, const char *project, const char *id, ds_txn_fn fn, void *arg, int deletes, av_err *err)
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

