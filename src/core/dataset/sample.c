/*
 * sample.c — samples of a dataset (annovec_dataset.h): adding files or text lines, listing with
 * filters, label updates, and the batch delete with its source-file rule.
 */
#include "core/dataset/dataset_internal.h"
#include "core/dataset/objects.h"

#include <stdlib.h>
#include <string.h>

json_object *sample_doc(sqlite3_stmt *q)
{
    json_object *o = json_object_new_object();
    static const char *const text_cols[] = { "id", "name", "dir", "path" };
    for (int i = 0; i < 4; i++) {
        const char *v = (const char *)sqlite3_column_text(q, i);
        json_object_object_add(o, text_cols[i], v ? json_object_new_string(v) : NULL);
    }
    json_object_object_add(o, "type", json_object_new_int(sqlite3_column_int(q, 4)));
    json_object_object_add(o, "size", json_object_new_int64(sqlite3_column_int64(q, 5)));
    if (sqlite3_column_type(q, 6) != SQLITE_NULL)
        json_object_object_add(o, "text", json_object_new_string((const char *)sqlite3_column_text(q, 6)));
    json_object *labels = json_tokener_parse((const char *)sqlite3_column_text(q, 7));
    json_object *meta = json_tokener_parse((const char *)sqlite3_column_text(q, 8));
    json_object_object_add(o, "labels", labels ? labels : json_object_new_array());
    json_object_object_add(o, "metadata", meta ? meta : json_object_new_object());
    json_object_object_add(o, "status", json_object_new_int(sqlite3_column_int(q, 9)));
    const char *usage = (const char *)sqlite3_column_text(q, 10);
    json_object_object_add(o, "usage", usage ? json_object_new_string(usage) : NULL);
    json_object_object_add(o, "created_ms", json_object_new_int64(sqlite3_column_int64(q, 11)));
    json_object_object_add(o, "updated_ms", json_object_new_int64(sqlite3_column_int64(q, 12)));
    return o;
}

static int status_of(json_object *labels)
{
    if (!labels || json_object_array_length(labels) == 0) return 0;
    json_object *by = NULL;
    json_object_object_get_ex(json_object_array_get_idx(labels, 0), "annotated_by", &by);
    return by && strcmp(json_object_get_string(by), "auto") == 0 ? 2 : 1;
}

int sample_insert(av_store *st, const char *project, const ds_row *ds, const char *name, const char *dir,
                  int type, const char *path, int64_t size, const char *text, json_object *labels,
                  json_object *metadata, char id_out[33], av_err *err)
{
    if (path && ds_scalar(st, "SELECT count(*) FROM sample WHERE dataset = ?1 AND path = ?2", 2, ds->id, path))
        return ds_fail(err, AV_EEXIST, AV_ENT_SAMPLE, "dataset %s already has a sample of %.300s", ds->id, path);
    int rc = ds_labels_ensure(st, ds, labels, err);
    if (rc) return rc;
    char id[33];
    ds_id32(id);
    int64_t now = av_now_ms();
    rc = ds_exec(st, err,
        "INSERT INTO sample(id, project, dataset, seq, name, dir, type, path, size, text, labels, metadata, status, created_ms, updated_ms) "
        "VALUES (%Q, %Q, %Q, (SELECT next_seq FROM dataset WHERE id = %Q), %Q, %Q, %d, %Q, %lld, %Q, %Q, %Q, %d, %lld, %lld);"
        "UPDATE dataset SET next_seq = next_seq + 1 WHERE id = %Q",
        id, project, ds->id, ds->id, name, dir, type, path, (long long)size, text,
        labels ? json_object_to_json_string_ext(labels, JSON_C_TO_STRING_PLAIN) : "[]",
        metadata ? json_object_to_json_string_ext(metadata, JSON_C_TO_STRING_PLAIN) : "{}",
        status_of(labels), (long long)now, (long long)now, ds->id);
    if (!rc && id_out) memcpy(id_out, id, 33);
    return rc;
}

/* Splits "/a/b/c.jpg" into dir "/a/b/" and name "c.jpg" (dir is a new string). */
static char *dir_of(const char *path, const char **name)
{
    const char *slash = strrchr(path, '/');
    *name = slash + 1;
    return xasprintf("%.*s", (int)(slash - path + 1), path);
}

/* One text line "text<sep>label<lsep>label" as a sample. */
static int text_line(av_store *st, const char *project, const ds_row *ds, const char *name, const char *dir,
                     char *line, av_err *err)
{
    char *sep = strstr(line, ds->sample_sep);
    json_object *labels = json_object_new_array();
    if (sep) {
        *sep = 0;
        char *save = NULL;
        for (char *tok = strtok_r(sep + strlen(ds->sample_sep), ds->label_sep, &save); tok; tok = strtok_r(NULL, ds->label_sep, &save)) {
            while (*tok == ' ') tok++;
            if (!*tok) continue;
            json_object *l = json_object_new_object();
            json_object_object_add(l, "name", json_object_new_string(tok));
            json_object_object_add(l, "type", json_object_new_int(ds->type));
            json_object_object_add(l, "property", json_object_new_object());
            json_object_object_add(l, "annotated_by", json_object_new_string("human"));
            json_object_array_add(labels, l);
        }
    }
    int rc = sample_insert(st, project, ds, name, dir, 1, NULL, (int64_t)strlen(line), line, labels, NULL, NULL, err);
    json_object_put(labels);
    return rc;
}

static int import_text(av_store *st, const char *project, const ds_row *ds, const char *path, const char *sha,
                       int64_t *count, av_err *err)
{
    void *data;
    size_t n;
    int rc = objects_read(st, sha, &data, &n, err);
    if (rc) return rc;
    const char *name;
    char *dir = dir_of(path, &name);
    char *p = data, *end = p + n;
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3;   /* UTF-8 byte order mark */
    while (!rc && p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *stop = nl ? nl : end;
        if (stop > p && stop[-1] == '\r') stop[-1] = 0;
        *stop = 0;
        if (*p) {
            if (*count >= AV_DS_LINES_MAX) rc = av_fail(err, AV_ELIMIT, "%.300s has more than %d lines; split it", path, AV_DS_LINES_MAX);
            else if (!(rc = text_line(st, project, ds, name, dir, p, err))) (*count)++;
        }
        p = stop + 1;
    }
    free(dir);
    free(data);
    return rc;
}

int sample_import_file(av_store *st, const char *project, const ds_row *ds, const char *path, int64_t *count, av_err *err)
{
    char sha[65];
    int64_t size;
    *count = 0;
    int found = file_lookup(st, project, path, sha, &size);
    if (found < 0) return av_store_sqlite_fail(st, err, "file lookup");
    if (!found) return ds_fail(err, AV_ENOTFOUND, AV_ENT_FILE, "file %.300s does not exist in this project; upload it first", path);
    if (ds_is_text(ds->type)) {
        if (ds_sample_type(path) != 1) return AV_OK;        /* text datasets take .txt and .csv files */
        return import_text(st, project, ds, path, sha, count, err);
    }
    const char *name;
    char *dir = dir_of(path, &name);
    json_object *meta = json_object_new_object();
    json_object_object_add(meta, "@modelarts:import_origin", json_object_new_int(0));
    int rc = sample_insert(st, project, ds, name, dir, ds_sample_type(name), path, size, NULL, NULL, meta, NULL, err);
    json_object_put(meta);
    free(dir);
    if (!rc) *count = 1;
    return rc;
}

/* ---- add ------------------------------------------------------------------------------------- */

static int add_one(av_store *st, const char *project, const ds_row *ds, const av_sample_in *in, int final,
                   json_object *result, char sha_written[65], av_err *err)
{
    char *path = NULL;
    int rc = AV_OK;
    if (in->data) {
        if (!in->name || !*in->name || strchr(in->name, '/') || strlen(in->name) > AV_DS_PATH_MAX)
            return ds_fail(err, AV_EINVAL, AV_ENT_SAMPLE, "a sample with data needs a \"name\": a file name without '/'");
        if (in->len > AV_DS_SAMPLE_BYTES)
            return ds_fail(err, AV_ELIMIT, AV_ENT_SAMPLE, "sample %.200s has %zu bytes; the limit is %d", in->name, in->len, AV_DS_SAMPLE_BYTES);
        if (!ds->data_path[0]) return ds_fail(err, AV_EINVAL, AV_ENT_FILE, "dataset %s has no input path to store samples in", ds->id);
        path = xasprintf("%s%s", ds->data_path, in->name);
        rc = file_store(st, project, path, in->data, in->len, sha_written, err);
    } else if (in->source) {
        if (!av_path_ok(in->source, 0)) return ds_fail(err, AV_EINVAL, AV_ENT_FILE, "data_source.data_path \"%.300s\" is not a file path like /bucket/dir/file", in->source);
        path = xstrdup(in->source);
    } else {
        return ds_fail(err, AV_EINVAL, AV_ENT_SAMPLE, "each sample needs \"data\" (base64 bytes) or \"data_source\" {\"data_path\": ...}");
    }
    json_object_object_add(result, "name", json_object_new_string(path));
    if (!rc && ds_is_text(ds->type)) {
        int64_t count = 0;
        if (ds_sample_type(path) != 1) rc = ds_fail(err, AV_EINVAL, AV_ENT_SAMPLE, "text datasets import .txt or .csv files; %.300s is neither", path);
        else rc = sample_import_file(st, project, ds, path, &count, err);
        if (!rc) {
            char info[64];
            snprintf(info, sizeof info, "%lld samples", (long long)count);
            json_object_object_add(result, "info", json_object_new_string(info));
        }
    } else if (!rc) {
        char sha[65], id[33];
        int64_t size = 0;
        int found = file_lookup(st, project, path, sha, &size);
        json_object *labels = NULL;
        if (found <= 0) rc = found < 0 ? av_store_sqlite_fail(st, err, "file lookup")
                               : ds_fail(err, AV_ENOTFOUND, AV_ENT_FILE, "file %.300s does not exist in this project", path);
        if (!rc) rc = ds_labels_normalize(ds, in->labels, final, &labels, err);
        const char *name;
        char *dir = dir_of(path, &name);
        if (!rc) rc = sample_insert(st, project, ds, name, dir, in->type >= 0 ? in->type : ds_sample_type(name), path, size,
                                    NULL, labels, in->metadata, id, err);
        if (!rc) json_object_object_add(result, "info", json_object_new_string(id));
        free(dir);
        json_object_put(labels);
    }
    free(path);
    return rc;
}

static json_object *error_json(const av_err *e)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "entity", json_object_new_int(e->entity));
    json_object_object_add(o, "code", json_object_new_int(e->code));
    json_object_object_add(o, "msg", json_object_new_string(e->msg));
    return o;
}

int av_samples_add(av_store *st, const char *project, const char *ds, const av_sample_in *in, int n, int final,
                   json_object **results, av_err *err)
{
    *results = NULL;
    if (n < 1 || n > AV_DS_BATCH_MAX) return av_fail(err, AV_ELIMIT, "send 1 to %d samples per request", AV_DS_BATCH_MAX);
    ds_row d;
    av_store_lock(st);
    int rc = ds_load(st, project, ds, &d, err);
    if (!rc) rc = av_store_begin(st, err);
    if (rc) { av_store_unlock(st); return rc; }
    json_object *res = json_object_new_array();
    char (*written)[65] = xcalloc((size_t)n, 65);
    for (int i = 0; !rc && i < n; i++) {
        json_object *r = json_object_new_object();
        av_err e;
        av_err_clear(&e);
        rc = av_store_exec(st, "SAVEPOINT sample_add", err);
        if (rc) { json_object_put(r); break; }
        int one = add_one(st, project, &d, &in[i], final, r, written[i], &e);
        if (one == AV_EIO) rc = one, *err = e;
        else rc = av_store_exec(st, one ? "ROLLBACK TO sample_add; RELEASE sample_add" : "RELEASE sample_add", err);
        if (one && written[i][0]) objects_discard(st, written[i]);
        json_object_object_add(r, "success", json_object_new_boolean(one == AV_OK));
        if (one) json_object_object_add(r, "error", error_json(&e));
        json_object_array_add(res, r);
    }
    if (!rc) rc = ds_exec(st, err, "UPDATE dataset SET updated_ms = %lld WHERE id = %Q", (long long)av_now_ms(), d.id);
    rc = rc ? (av_store_rollback(st), rc) : av_store_commit(st, err);
    for (int i = 0; rc && i < n; i++)
        if (written[i][0]) objects_discard(st, written[i]);
    free(written);
    av_store_unlock(st);
    if (rc) json_object_put(res);
    else *results = res;
    return rc;
}

/* ---- read ------------------------------------------------------------------------------------ */

typedef struct sql_where { av_buf sql; const char *args[64]; int n; } sql_where;

static void where_add(sql_where *w, const char *clause, const char *arg)
{
    if (arg && w->n >= 63) return;
    av_buf_printf(&w->sql, " AND ");
    for (const char *p = clause; *p; p++) {
        if (*p == '?') av_buf_printf(&w->sql, "?%d", w->n + 1);
        else av_buf_put(&w->sql, p, 1);
    }
    if (arg) w->args[w->n++] = arg;
}

#define HAS_LABEL "EXISTS (SELECT 1 FROM json_each(labels) WHERE json_extract(value, '$.name') = ?)"

static void sample_filters(sql_where *w, const av_sample_query *q, char *typebuf)
{
    static const char *const states[] = { "status = 0", "status = 1", "status = 2", "status IN (1, 2)", "0" };
    if (q->state >= 0 && q->state <= 4) where_add(w, states[q->state], NULL);
    if (q->type >= 0) { snprintf(typebuf, 16, "%d", q->type); where_add(w, "type = CAST(? AS INTEGER)", typebuf); }
    if (q->label_name) where_add(w, HAS_LABEL, q->label_name);
    if (q->name) where_add(w, "instr(name, ?) > 0", q->name);
    if (q->dir) where_add(w, "dir = ?", q->dir);
    if (q->nlabels) {
        av_buf_printf(&w->sql, " AND (");
        for (int i = 0; i < q->nlabels && w->n < 63; i++) {
            if (i) av_buf_printf(&w->sql, q->labels_all ? " AND " : " OR ");
            av_buf_printf(&w->sql, "EXISTS (SELECT 1 FROM json_each(labels) WHERE json_extract(value, '$.name') = ?%d)", w->n + 1);
            w->args[w->n++] = q->labels[i];
        }
        av_buf_printf(&w->sql, ")");
    }
}

static sqlite3_stmt *prepare_where(av_store *st, const char *sql, const sql_where *w, av_err *err)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(av_store_db(st), sql, -1, &q, NULL) != SQLITE_OK) { av_store_sqlite_fail(st, err, "sample query"); return NULL; }
    for (int i = 0; i < w->n; i++) sqlite3_bind_text(q, i + 1, w->args[i], -1, SQLITE_STATIC);
    return q;
}

int av_samples_list(av_store *st, const char *project, const char *ds, const av_sample_query *q,
                    json_object **out, int64_t *total, av_err *err)
{
    ds_row d;
    char typebuf[16];
    *out = NULL;
    *total = 0;
    sql_where w = { 0 };
    w.args[w.n++] = ds;
    /* a version's frozen samples are documents: expose the filtered fields as columns */
    const char *from = q->version_id ? "(SELECT json_extract(doc, '$.status') AS status, json_extract(doc, '$.type') AS type, "
                                       "json_extract(doc, '$.name') AS name, json_extract(doc, '$.dir') AS dir, labels, doc, seq "
                                       "FROM version_sample WHERE version = ?1) WHERE 1"
                                     : "sample WHERE dataset = ?1";
    if (q->version_id) w.args[0] = q->version_id;
    sample_filters(&w, q, typebuf);
    const char *filters = w.sql.p ? w.sql.p : "";
    char *count_sql = xasprintf("SELECT count(*) FROM %s%s", from, filters);
    char *sql = q->version_id ? xasprintf("SELECT doc FROM %s%s ORDER BY seq LIMIT %d OFFSET %d", from, filters, q->limit, q->offset)
                              : xasprintf("SELECT " SAMPLE_COLUMNS " FROM %s%s ORDER BY seq LIMIT %d OFFSET %d", from, filters, q->limit, q->offset);
    av_store_lock(st);
    int rc = ds_load(st, project, ds, &d, err);
    if (!rc && q->version_id && !ds_scalar(st, "SELECT count(*) FROM ds_version WHERE dataset = ?1 AND id = ?2", 2, ds, q->version_id))
        rc = ds_fail(err, AV_ENOTFOUND, AV_ENT_VERSION, "version %.64s does not exist in dataset %s", q->version_id, ds);
    sqlite3_stmt *c = rc ? NULL : prepare_where(st, count_sql, &w, err);
    sqlite3_stmt *s = c ? prepare_where(st, sql, &w, err) : NULL;
    if (!rc && (!c || !s)) rc = err->code;
    if (!rc) {
        if (sqlite3_step(c) == SQLITE_ROW) *total = sqlite3_column_int64(c, 0);
        *out = json_object_new_array();
        while (sqlite3_step(s) == SQLITE_ROW) {
            json_object *doc = q->version_id ? json_tokener_parse((const char *)sqlite3_column_text(s, 0)) : sample_doc(s);
            if (doc) json_object_array_add(*out, doc);
        }
    }
    sqlite3_finalize(c);
    sqlite3_finalize(s);
    av_store_unlock(st);
    av_buf_free(&w.sql);
    free(sql);
    free(count_sql);
    return rc;
}

int av_sample_get(av_store *st, const char *project, const char *ds, const char *id, json_object **out, av_err *err)
{
    ds_row d;
    *out = NULL;
    av_store_lock(st);
    int rc = ds_load(st, project, ds, &d, err);
    if (!rc) {
        sqlite3_stmt *q = ds_query(st, err, "SELECT " SAMPLE_COLUMNS " FROM sample WHERE dataset = ?1 AND id = ?2", 2, ds, id);
        if (!q) rc = err->code;
        else if (sqlite3_step(q) != SQLITE_ROW) rc = ds_fail(err, AV_ENOTFOUND, AV_ENT_SAMPLE, "sample %.64s does not exist in dataset %s", id, ds);
        else *out = sample_doc(q);
        sqlite3_finalize(q);
    }
    av_store_unlock(st);
    return rc;
}

/* ---- update ---------------------------------------------------------------------------------- */

static int update_one(av_store *st, const ds_row *ds, json_object *u, av_err *err)
{
    json_object *v = NULL, *labels = NULL;
    if (!json_object_is_type(u, json_type_object)) return av_fail(err, AV_EINVAL, "each sample must be an object {\"sample_id\": ..., \"labels\": [...]}");
    if (!json_object_object_get_ex(u, "sample_id", &v) || !json_object_is_type(v, json_type_string))
        return av_fail(err, AV_EINVAL, "each sample needs a \"sample_id\" string");
    const char *id = json_object_get_string(v);
    if (!ds_scalar(st, "SELECT count(*) FROM sample WHERE dataset = ?1 AND id = ?2", 2, ds->id, id))
        return ds_fail(err, AV_ENOTFOUND, AV_ENT_SAMPLE, "sample %.64s does not exist in dataset %s", id, ds->id);
    json_object *in = NULL;
    json_object_object_get_ex(u, "labels", &in);
    int rc = ds_labels_normalize(ds, in, 1, &labels, err);
    if (!rc) rc = ds_labels_ensure(st, ds, labels, err);
    if (!rc) rc = ds_exec(st, err, "UPDATE sample SET labels = %Q, status = %d, updated_ms = %lld WHERE id = %Q",
                          json_object_to_json_string_ext(labels, JSON_C_TO_STRING_PLAIN), status_of(labels), (long long)av_now_ms(), id);
    if (!rc && json_object_object_get_ex(u, "metadata", &v) && v) {
        if (!json_object_is_type(v, json_type_object)) rc = av_fail(err, AV_ETYPE, "\"metadata\" must be an object");
        else rc = ds_exec(st, err, "UPDATE sample SET metadata = %Q WHERE id = %Q", json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), id);
    }
    if (!rc && json_object_object_get_ex(u, "sample_usage", &v) && v) {
        const char *use = json_object_get_string(v);
        if (!json_object_is_type(v, json_type_string) || (strcmp(use, "TRAIN") && strcmp(use, "EVAL") && strcmp(use, "TEST") && strcmp(use, "INFERENCE")))
            rc = av_fail(err, AV_EINVAL, "sample_usage must be TRAIN, EVAL, TEST or INFERENCE");
        else rc = ds_exec(st, err, "UPDATE sample SET usage = %Q WHERE id = %Q", use, id);
    }
    json_object_put(labels);
    return rc;
}

int av_samples_update(av_store *st, const char *project, const char *ds, json_object *updates, av_err *err)
{
    if (!json_object_is_type(updates, json_type_array) || json_object_array_length(updates) == 0 ||
        json_object_array_length(updates) > AV_DS_BATCH_MAX)
        return av_fail(err, AV_ELIMIT, "\"samples\" must list 1 to %d samples", AV_DS_BATCH_MAX);
    ds_row d;
    av_store_lock(st);
    int rc = ds_load(st, project, ds, &d, err);
    if (!rc) rc = av_store_begin(st, err);
    if (!rc) {
        for (size_t i = 0; !rc && i < json_object_array_length(updates); i++)
            rc = update_one(st, &d, json_object_array_get_idx(updates, i), err);
        rc = rc ? (av_store_rollback(st), rc) : av_store_commit(st, err);
    }
    av_store_unlock(st);
    return rc;
}

/* ---- delete ---------------------------------------------------------------------------------- */

int sample_delete_one(av_store *st, const char *project, const ds_row *ds, const char *id, int delete_source,
                      char **kept, av_err *err)
{
    sqlite3_stmt *q = ds_query(st, err, "SELECT path FROM sample WHERE dataset = ?1 AND id = ?2", 2, ds->id, id);
    if (!q) return err->code;
    if (sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_finalize(q);
        return ds_fail(err, AV_ENOTFOUND, AV_ENT_SAMPLE, "Sample not found. [%.64s]", id);
    }
    const char *p = (const char *)sqlite3_column_text(q, 0);
    char *path = p ? xstrdup(p) : NULL;
    sqlite3_finalize(q);
    int rc = ds_exec(st, err, "DELETE FROM sample WHERE id = %Q; UPDATE dataset SET deleted_samples = deleted_samples + 1 WHERE id = %Q",
                     id, ds->id);
    if (!rc && delete_source && path) {
        rc = file_delete_or_doom(st, project, path, err);
        if (rc == 0 && kept) { *kept = path; path = NULL; }
        if (rc > 0) rc = AV_OK;
    }
    free(path);
    return rc;
}

/* The note on a result whose source had to stay, counted once the whole batch is applied; NULL when
 * a later delete in the batch removed the file after all. */
static char *kept_note(av_store *st, const char *project, const char *path)
{
    char sha[65];
    if (file_lookup(st, project, path, sha, NULL) != 1) return NULL;
    return xasprintf("source %s kept: still used by %lld other sample(s) and %lld version(s); it is deleted when the last of them goes",
                     path, (long long)file_sample_refs(st, project, path, NULL), (long long)file_version_refs(st, project, path));
}

int av_samples_delete(av_store *st, const char *project, const char *ds, const char *const *ids, int n,
                      int delete_source, json_object **results, int *ok, av_err *err)
{
    *results = NULL;
    *ok = 0;
    if (n > AV_DS_BATCH_MAX) return av_fail(err, AV_ELIMIT, "at most %d samples per delete; split the list", AV_DS_BATCH_MAX);
    ds_row d;
    av_store_lock(st);
    int rc = ds_load(st, project, ds, &d, err);
    if (!rc) rc = av_store_begin(st, err);
    if (rc) { av_store_unlock(st); return rc; }
    int text = ds_is_text(d.type);
    json_object *res = json_object_new_array();
    char **kept = xcalloc((size_t)n + 1, sizeof *kept);   /* per id: its source path, when it had to stay */
    int all = 1;
    for (int i = 0; !rc && i < n; i++) {
        av_err e;
        av_err_clear(&e);
        int one = sample_delete_one(st, project, &d, ids[i], delete_source && !text, &kept[i], &e);
        if (one && one != AV_ENOTFOUND) { rc = one; *err = e; break; }
        json_object *r = json_object_new_object();
        json_object_object_add(r, "success", json_object_new_boolean(!one));
        if (one) json_object_object_add(r, "error", error_json(&e)), all = 0;
        json_object_array_add(res, r);
    }
    if (!rc) rc = file_collect(st, project, err);
    for (int i = 0; i < n; i++) {
        char *note = !rc && kept[i] ? kept_note(st, project, kept[i]) : NULL;
        if (note) json_object_object_add(json_object_array_get_idx(res, (size_t)i), "info", json_object_new_string(note));
        free(note);
        free(kept[i]);
    }
    free(kept);
    if (!rc) rc = ds_exec(st, err, "UPDATE dataset SET updated_ms = %lld WHERE id = %Q", (long long)av_now_ms(), d.id);
    rc = rc ? (av_store_rollback(st), rc) : av_store_commit(st, err);
    if (!rc) store_note_delete(st);
    av_store_unlock(st);
    if (rc) json_object_put(res);
    else { *results = res; *ok = all; }
    return rc;
}
