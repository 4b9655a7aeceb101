/*
 * sample.c — samples of a dataset (annovec_dataset.h, sample.h): adding files or text lines, listing
 * with filters, label updates, and the batch delete with its source-file rule. Locking: each public
 * call holds the store lock for its whole run; writes are one transaction (a batch add gives each
 * sample a savepoint, so one sample's failure undoes only that sample).
 */
#include "core/dataset/sample.h"
#include "core/dataset/file.h"
#include "core/dataset/label.h"
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
    json_object_object_add(o, "origin", json_object_new_int(sqlite3_column_int(q, 13)));
    return o;
}

static int status_of(json_object *labels)
{
    if (!labels || json_object_array_length(labels) == 0) return 0;
    json_object *by = NULL;
    json_object_object_get_ex(json_object_array_get_idx(labels, 0), "annotated_by", &by);
    return by && strcmp(json_object_get_string(by), "auto") == 0 ? 2 : 1;
}

int sample_insert(av_store *st, const char *project, const ds_row *ds, const sample_row *r, char id_out[33], av_err *err)
{
    if (r->path && ds_scalar(st, "SELECT count(*) FROM sample WHERE dataset = ?1 AND path = ?2", 2, ds->id, r->path))
        return av_fail_on(err, AV_EEXIST, AV_ENT_SAMPLE, AV_R_DUPLICATE, r->path, ds->id,
                          "dataset %s already has a sample of %.300s", ds->id, r->path);
    int rc = label_ensure(st, ds, r->labels, err);
    if (rc) return rc;
    char id[33];
    ds_id32(id);
    int64_t now = av_now_ms();
    rc = ds_exec(st, err,
        "INSERT INTO sample(id, project, dataset, seq, name, dir, type, path, size, text, labels, metadata, status, origin, created_ms, updated_ms) "
        "VALUES (%Q, %Q, %Q, (SELECT next_seq FROM dataset WHERE id = %Q), %Q, %Q, %d, %Q, %lld, %Q, %Q, %Q, %d, %d, %lld, %lld);"
        "UPDATE dataset SET next_seq = next_seq + 1 WHERE id = %Q",
        id, project, ds->id, ds->id, r->name, r->dir, r->type, r->path, (long long)r->size, r->text,
        r->labels ? ds_json_text(r->labels) : "[]", ds_json_text(r->metadata),
        status_of(r->labels), r->origin, (long long)now, (long long)now, ds->id);
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

/* One text line "text<sep>label<lsep>label" as a sample (each byte of label_sep separates labels). */
static int text_line(av_store *st, const char *project, const ds_row *ds, const char *name, const char *dir,
                     char *line, av_err *err)
{
    char *sep = strstr(line, ds->sample_sep);
    av_label_def defs[AV_DS_LABEL_MAX + 1];
    int n = 0;
    if (sep) {
        *sep = 0;
        char *save = NULL;
        for (char *tok = strtok_r(sep + strlen(ds->sample_sep), ds->label_sep, &save); tok && n <= AV_DS_LABEL_MAX;
             tok = strtok_r(NULL, ds->label_sep, &save)) {
            while (*tok == ' ') tok++;
            if (*tok) defs[n++] = (av_label_def){ .name = tok, .type = -1 };
        }
    }
    json_object *labels;
    int rc = label_normalize(ds, defs, n, 1, &labels, err);
    sample_row row = { .name = name, .dir = dir, .type = 1, .size = (int64_t)strlen(line), .text = line, .labels = labels,
                       .origin = AV_ORIGIN_TEXT_LINE };
    if (!rc) rc = sample_insert(st, project, ds, &row, NULL, err);
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
            if (*count >= AV_DS_LINES_MAX)
                rc = av_fail_on(err, AV_ELIMIT, AV_ENT_NONE, AV_R_NONE, path, project, "%.300s has more than %d lines; split it", path, AV_DS_LINES_MAX);
            else if (!(rc = text_line(st, project, ds, name, dir, p, err))) (*count)++;
        }
        p = stop + 1;
    }
    free(dir);
    free(data);
    return rc;
}

int sample_import_file(av_store *st, const char *project, const ds_row *ds, const char *path, int origin,
                       int64_t *count, av_err *err)
{
    char sha[65];
    int64_t size;
    *count = 0;
    int found = file_lookup(st, project, path, sha, &size);
    if (found < 0) return av_store_sqlite_fail(st, err, "file lookup");
    if (!found)
        return av_fail_on(err, AV_ENOTFOUND, AV_ENT_FILE, AV_R_NONE, path, project, "file %.300s does not exist in this project; upload it first", path);
    if (ds_is_text(ds->type)) {
        if (ds_sample_type(path) != 1) return AV_OK;        /* text datasets take .txt and .csv files */
        return import_text(st, project, ds, path, sha, count, err);
    }
    const char *name;
    char *dir = dir_of(path, &name);
    sample_row row = { .name = name, .dir = dir, .type = ds_sample_type(name), .path = path, .size = size, .origin = origin };
    int rc = sample_insert(st, project, ds, &row, NULL, err);
    free(dir);
    if (!rc) *count = 1;
    return rc;
}

/* ---- add ------------------------------------------------------------------------------------- */

static int no_such_sample(av_err *err, const char *ds, const char *id)
{
    return av_fail_on(err, AV_ENOTFOUND, AV_ENT_SAMPLE, AV_R_NONE, id, ds, "sample %.64s does not exist in dataset %s", id, ds);
}

/* The path a sample will use: its bytes stored at <data_path><name>, or its source. */
static int add_path(av_store *st, const char *project, const ds_row *ds, const av_sample_in *in, char **path,
                    char sha_written[65], av_err *err)
{
    *path = NULL;
    if (in->data && in->source)
        return av_fail_on(err, AV_EINVAL, AV_ENT_SAMPLE, AV_R_NONE, NULL, ds->id, "a sample has either bytes or a source path, not both");
    if (in->data) {
        if (!in->name || !*in->name || strchr(in->name, '/') || strlen(in->name) > AV_DS_PATH_MAX)
            return av_fail_on(err, AV_EINVAL, AV_ENT_SAMPLE, AV_R_MISSING, in->name, ds->id,
                              "a sample with bytes needs a file name without '/' of at most %d bytes", AV_DS_PATH_MAX);
        if (in->len > AV_DS_SAMPLE_BYTES)
            return av_fail_on(err, AV_ELIMIT, AV_ENT_SAMPLE, AV_R_NONE, in->name, ds->id,
                              "sample %.200s has %zu bytes; the limit is %d", in->name, in->len, AV_DS_SAMPLE_BYTES);
        if (!ds->data_path[0])
            return av_fail_on(err, AV_EINVAL, AV_ENT_FILE, AV_R_MISSING, NULL, ds->id, "dataset %s has no input path to store samples in", ds->id);
        *path = xasprintf("%s%s", ds->data_path, in->name);
        return file_store(st, project, *path, in->data, in->len, sha_written, err);
    }
    if (!in->source)
        return av_fail_on(err, AV_EINVAL, AV_ENT_SAMPLE, AV_R_MISSING, NULL, ds->id, "a sample needs bytes (and a name) or a source path");
    if (!av_path_ok(in->source, 0))
        return av_fail_on(err, AV_EINVAL, AV_ENT_FILE, AV_R_NONE, in->source, project,
                          "source path \"%.300s\" is not a file path like /bucket/dir/file", in->source);
    *path = xstrdup(in->source);
    return AV_OK;
}

/* A text file into a text dataset: its lines become samples. */
static int add_text_file(av_store *st, const char *project, const ds_row *ds, const char *path, av_sample_result *r, av_err *err)
{
    if (ds_sample_type(path) != 1)
        return av_fail_on(err, AV_EINVAL, AV_ENT_SAMPLE, AV_R_NONE, path, ds->id, "text datasets import .txt or .csv files; %.300s is neither", path);
    return sample_import_file(st, project, ds, path, AV_ORIGIN_ADDED, &r->count, err);
}

/* A file sample of a path in the namespace. */
static int add_file_sample(av_store *st, const char *project, const ds_row *ds, const av_sample_in *in, const char *path,
                           int final, av_sample_result *r, av_err *err)
{
    char sha[65];
    int64_t size = 0;
    int found = file_lookup(st, project, path, sha, &size);
    if (found < 0) return av_store_sqlite_fail(st, err, "file lookup");
    if (!found) return av_fail_on(err, AV_ENOTFOUND, AV_ENT_FILE, AV_R_NONE, path, project, "file %.300s does not exist in this project", path);
    if (in->metadata && !json_object_is_type(in->metadata, json_type_object))
        return av_fail_on(err, AV_ETYPE, AV_ENT_SAMPLE, AV_R_NONE, NULL, ds->id, "sample metadata must be a JSON object");
    json_object *labels;
    int rc = label_normalize(ds, in->labels, in->nlabels, final, &labels, err);
    if (rc) return rc;
    const char *name;
    char *dir = dir_of(path, &name);
    sample_row row = { .name = name, .dir = dir, .type = in->type >= 0 ? in->type : ds_sample_type(name), .path = path, .size = size,
                       .labels = labels, .metadata = in->metadata, .origin = AV_ORIGIN_ADDED };
    rc = sample_insert(st, project, ds, &row, r->id, err);
    if (!rc) r->count = 1;
    free(dir);
    json_object_put(labels);
    return rc;
}

static int add_one(av_store *st, const char *project, const ds_row *ds, const av_sample_in *in, int final,
                   av_sample_result *r, char sha_written[65], av_err *err)
{
    char *path;
    int rc = add_path(st, project, ds, in, &path, sha_written, err);
    r->path = path;
    if (rc) return rc;
    return ds_is_text(ds->type) ? add_text_file(st, project, ds, path, r, err) : add_file_sample(st, project, ds, in, path, final, r, err);
}

void av_sample_results_free(av_sample_result *results, int n)
{
    for (int i = 0; results && i < n; i++) {
        free(results[i].path);
        results[i].path = NULL;
    }
}

/* One sample of a batch under its savepoint: a failure of the sample undoes only it. */
static int add_in_savepoint(av_store *st, const char *project, const ds_row *d, const av_sample_in *in, int i, int final,
                            av_sample_result *r, char written[65], av_err *err)
{
    memset(r, 0, sizeof *r);
    av_err_clear(&r->err);
    int rc = av_store_exec(st, "SAVEPOINT sample_add", err);
    if (rc) return rc;
    int one = add_one(st, project, d, in, final, r, written, &r->err);
    if (one == AV_EIO) return *err = r->err, one;
    rc = av_store_exec(st, one ? "ROLLBACK TO sample_add; RELEASE sample_add" : "RELEASE sample_add", err);
    if (one && written[0]) objects_discard(st, written);
    r->ok = one == AV_OK;
    if (one) ds_at(&r->err, i, one);
    return rc;
}

int av_samples_add(av_store *st, const char *project, const char *ds, const av_sample_in *in, int n, int final,
                   av_sample_result *results, av_err *err)
{
    if (n < 1 || n > AV_DS_BATCH_MAX) return av_fail(err, AV_ELIMIT, "add 1 to %d samples at a time", AV_DS_BATCH_MAX);
    memset(results, 0, (size_t)n * sizeof *results);
    ds_row d;
    av_store_lock(st);
    int rc = ds_load(st, project, ds, &d, err);
    if (!rc) rc = av_store_begin(st, err);
    if (rc) { av_store_unlock(st); return rc; }
    char (*written)[65] = xcalloc((size_t)n, 65);
    for (int i = 0; !rc && i < n; i++) rc = add_in_savepoint(st, project, &d, &in[i], i, final, &results[i], written[i], err);
    if (!rc) rc = ds_exec(st, err, "UPDATE dataset SET updated_ms = %lld WHERE id = %Q", (long long)av_now_ms(), d.id);
    rc = rc ? (av_store_rollback(st), rc) : av_store_commit(st, err);
    for (int i = 0; rc && i < n; i++)
        if (written[i][0]) objects_discard(st, written[i]);
    free(written);
    av_store_unlock(st);
    if (rc) av_sample_results_free(results, n);
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
    if (!rc && q->version_id && !ds_has_version(st, ds, q->version_id))
        rc = ds_no_version(err, ds, q->version_id);
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
        else if (sqlite3_step(q) != SQLITE_ROW) rc = no_such_sample(err, ds, id);
        else *out = sample_doc(q);
        sqlite3_finalize(q);
    }
    av_store_unlock(st);
    return rc;
}

/* ---- update ---------------------------------------------------------------------------------- */

static int usage_ok(const char *u)
{
    static const char *const usages[] = { "TRAIN", "EVAL", "TEST", "INFERENCE" };
    for (size_t i = 0; i < sizeof usages / sizeof *usages; i++)
        if (strcmp(u, usages[i]) == 0) return 1;
    return 0;
}

static int update_one(av_store *st, const ds_row *ds, const av_sample_update *u, av_err *err)
{
    if (!u->id) return av_fail_on(err, AV_EINVAL, AV_ENT_SAMPLE, AV_R_MISSING, NULL, ds->id, "each sample to update needs its id");
    if (!ds_scalar(st, "SELECT count(*) FROM sample WHERE dataset = ?1 AND id = ?2", 2, ds->id, u->id)) return no_such_sample(err, ds->id, u->id);
    if (u->metadata && !json_object_is_type(u->metadata, json_type_object))
        return av_fail_on(err, AV_ETYPE, AV_ENT_SAMPLE, AV_R_NONE, u->id, ds->id, "sample metadata must be a JSON object");
    if (u->usage && !usage_ok(u->usage))
        return av_fail_on(err, AV_EINVAL, AV_ENT_SAMPLE, AV_R_NONE, u->id, ds->id, "a sample's usage must be TRAIN, EVAL, TEST or INFERENCE");
    json_object *labels;
    int rc = label_normalize(ds, u->labels, u->nlabels, 1, &labels, err);
    if (rc) return rc;
    rc = label_ensure(st, ds, labels, err);
    if (!rc) rc = ds_exec(st, err, "UPDATE sample SET labels = %Q, status = %d, updated_ms = %lld WHERE id = %Q",
                          ds_json_text(labels), status_of(labels), (long long)av_now_ms(), u->id);
    if (!rc && u->metadata) rc = ds_exec(st, err, "UPDATE sample SET metadata = %Q WHERE id = %Q", ds_json_text(u->metadata), u->id);
    if (!rc && u->usage) rc = ds_exec(st, err, "UPDATE sample SET usage = %Q WHERE id = %Q", u->usage, u->id);
    json_object_put(labels);
    return rc;
}

int av_samples_update(av_store *st, const char *project, const char *ds, const av_sample_update *u, int n, av_err *err)
{
    if (n < 1 || n > AV_DS_BATCH_MAX) return av_fail(err, AV_ELIMIT, "update 1 to %d samples at a time", AV_DS_BATCH_MAX);
    ds_row d;
    av_store_lock(st);
    int rc = ds_load(st, project, ds, &d, err);
    if (!rc) rc = av_store_begin(st, err);
    if (!rc) {
        for (int i = 0; !rc && i < n; i++) {
            int one = update_one(st, &d, &u[i], err);
            if (one) rc = ds_at(err, i, one);
        }
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
    if (!q) return err ? err->code : AV_EIO;
    if (sqlite3_step(q) != SQLITE_ROW) {
        sqlite3_finalize(q);
        return no_such_sample(err, ds->id, id);
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

/* Fills a result whose source had to stay, once the whole batch is applied: what still refers to it,
 * or nothing when a later delete in the batch removed the file after all. */
static void kept_counts(av_store *st, const char *project, av_sample_result *r)
{
    char sha[65];
    if (!r->path || file_lookup(st, project, r->path, sha, NULL) != 1) {
        free(r->path);
        r->path = NULL;
        return;
    }
    r->kept = 1;
    r->kept_samples = file_sample_refs(st, project, r->path, NULL);
    r->kept_versions = file_version_refs(st, project, r->path);
}

int av_samples_delete(av_store *st, const char *project, const char *ds, const char *const *ids, int n,
                      int delete_source, av_sample_result *results, int *ok, av_err *err)
{
    av_store_make_room(st);   /* deletes work on a full disk */
    *ok = 0;
    if (n < 0 || n > AV_DS_BATCH_MAX) return av_fail(err, AV_ELIMIT, "at most %d samples per delete; split the list", AV_DS_BATCH_MAX);
    if (n) memset(results, 0, (size_t)n * sizeof *results);
    ds_row d;
    av_store_lock(st);
    int rc = ds_load(st, project, ds, &d, err);
    if (!rc) rc = av_store_begin(st, err);
    if (rc) { av_store_unlock(st); return rc; }
    int text = ds_is_text(d.type), all = 1;
    for (int i = 0; !rc && i < n; i++) {
        av_sample_result *r = &results[i];
        av_err_clear(&r->err);
        int one = sample_delete_one(st, project, &d, ids[i], delete_source && !text, &r->path, &r->err);
        if (one && one != AV_ENOTFOUND) { rc = one; *err = r->err; break; }
        r->ok = !one;
        if (one) ds_at(&r->err, i, one), all = 0;
    }
    if (!rc) rc = file_collect(st, project, err);
    for (int i = 0; !rc && i < n; i++) kept_counts(st, project, &results[i]);
    if (!rc) rc = ds_exec(st, err, "UPDATE dataset SET updated_ms = %lld WHERE id = %Q", (long long)av_now_ms(), d.id);
    rc = rc ? (av_store_rollback(st), rc) : av_store_commit(st, err);
    if (!rc) store_note_delete(st);
    av_store_unlock(st);
    if (rc) av_sample_results_free(results, n);
    else *ok = all;
    return rc;
}
