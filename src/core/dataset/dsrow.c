/*
 * dsrow.c — the base of the dataset part (dsrow.h): the SQL helpers every dataset file uses, random
 * ids, names, a dataset's row (ds_load) and the one-transaction wrapper (ds_in_txn). Depends on
 * nothing else of src/core/dataset/. Locking: every function runs with the store lock held, on the
 * writer connection; ds_in_txn takes the lock and opens the transaction itself.
 */
#include "core/dataset/dsrow.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>



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

int ds_is_text(int t) { return t >= AV_DS_TEXT_FIRST && t <= AV_DS_TEXT_LAST; }

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

const char *ds_json_text(json_object *o)
{
    return o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : "{}";
}

int ds_at(av_err *err, int64_t index, int rc)
{
    if (err) err->index = index;
    return rc;
}

int ds_name_ok(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-')) return 0;
    return 1;
}

static void copy_col(char *to, size_t n, sqlite3_stmt *q, int col)
{
    const unsigned char *v = sqlite3_column_text(q, col);
    snprintf(to, n, "%s", v ? (const char *)v : "");
}

int ds_load(av_store *st, const char *project, const char *id, ds_row *out, av_err *err)
{
    sqlite3_stmt *q = ds_query(st, err, "SELECT id, name, type, data_path, work_path, label_sep, sample_sep FROM dataset "
                                        "WHERE project = ?1 AND id = ?2", 2, project, id);
    if (!q) return err ? err->code : AV_EIO;
    int rc = AV_OK;
    if (sqlite3_step(q) != SQLITE_ROW) {
        rc = av_fail_on(err, AV_ENOTFOUND, AV_ENT_DATASET, AV_R_NONE, id, project, "dataset %.64s does not exist in this project", id);
    } else {
        memset(out, 0, sizeof *out);
        copy_col(out->id, sizeof out->id, q, 0);
        copy_col(out->name, sizeof out->name, q, 1);
        out->type = sqlite3_column_int(q, 2);
        copy_col(out->data_path, sizeof out->data_path, q, 3);
        copy_col(out->work_path, sizeof out->work_path, q, 4);
        copy_col(out->label_sep, sizeof out->label_sep, q, 5);
        copy_col(out->sample_sep, sizeof out->sample_sep, q, 6);
    }
    sqlite3_finalize(q);
    return rc;
}

int ds_has_version(av_store *st, const char *ds, const char *version)
{
    return ds_scalar(st, "SELECT count(*) FROM ds_version WHERE dataset = ?1 AND id = ?2", 2, ds, version) > 0;
}

int ds_no_version(av_err *err, const char *ds, const char *version)
{
    return av_fail_on(err, AV_ENOTFOUND, AV_ENT_VERSION, AV_R_NONE, version, ds, "version %.64s does not exist in dataset %s", version, ds);
}

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

