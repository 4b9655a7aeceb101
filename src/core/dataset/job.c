/*
 * job.c — annotation jobs (annovec_dataset.h, job.h): a labeling workspace over one dataset. The job
 * keeps only what is its own (name, description, kind, path, validation pass rate, last sync); its
 * images are the dataset's samples and their tags the samples' labels, read and written through the
 * sample functions, so a job and the dataset are two views of one state.
 *
 * Invariants: a dataset has at most one job (ds_job.dataset is UNIQUE) and the job goes with it (ON
 * DELETE CASCADE); a job's num is never reused (AUTOINCREMENT). Locking: every public call holds the
 * store lock for its whole run; every write is one transaction.
 *
 * Deleting a job (av_job_delete), as a plan:
 *   1. load the job (unknown: AV_ENOTFOUND, nothing changed);
 *   2. when it owns its dataset: delete each sample with delete_source (sample_delete_one: a source
 *      no other sample and no version uses is removed, else marked), then the dataset row (its
 *      labels, versions and the job by cascade); otherwise delete the job row only;
 *   3. file_collect: the marked paths left without references go (the dataset's own versions no
 *      longer hold them);
 *   4. commit, and wake the purge thread to erase the objects that lost their last path.
 */
#include "core/dataset/job.h"
#include "core/dataset/dataset.h"
#include "core/dataset/file.h"
#include "core/dataset/sample.h"

#include <stdlib.h>
#include <string.h>

#define JOB_COLUMNS "num, id, dataset, owns_dataset, kind, path, name, description, pass_rate, sync_status, synced_ms, " \
                    "created_ms, updated_ms"

static void job_uuid(char out[37])
{
    unsigned char r[16];
    char hex[33];
    av_random(r, sizeof r);
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);   /* version 4 */
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
    av_hex(r, sizeof r, hex);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

static int job_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > AV_JOB_NAME_MAX) return 0;
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return 0;
    return 1;
}

static int no_such_job(av_err *err, const char *project, const char *id, int64_t num)
{
    char n[24];
    snprintf(n, sizeof n, "%lld", (long long)num);
    return av_fail_on(err, AV_ENOTFOUND, AV_ENT_JOB, AV_R_NONE, id ? id : n, project,
                      "annotation job %.64s does not exist in this project", id ? id : n);
}

int job_load(av_store *st, const char *project, const char *id, int64_t num, job_row *out, av_err *err)
{
    char n[24];
    snprintf(n, sizeof n, "%lld", (long long)num);
    sqlite3_stmt *q = id ? ds_query(st, err, "SELECT num, id, dataset, owns_dataset, kind, path FROM ds_job WHERE project = ?1 AND id = ?2",
                                    2, project, id)
                         : ds_query(st, err, "SELECT num, id, dataset, owns_dataset, kind, path FROM ds_job "
                                             "WHERE project = ?1 AND num = CAST(?2 AS INTEGER)", 2, project, n);
    if (!q) return err ? err->code : AV_EIO;
    int rc = AV_OK;
    if (sqlite3_step(q) != SQLITE_ROW) rc = no_such_job(err, project, id, num);
    else {
        memset(out, 0, sizeof *out);
        out->num = sqlite3_column_int64(q, 0);
        snprintf(out->id, sizeof out->id, "%s", (const char *)sqlite3_column_text(q, 1));
        snprintf(out->dataset, sizeof out->dataset, "%s", (const char *)sqlite3_column_text(q, 2));
        out->owns_dataset = sqlite3_column_int(q, 3);
        out->kind = sqlite3_column_int(q, 4);
        snprintf(out->path, sizeof out->path, "%s", (const char *)sqlite3_column_text(q, 5));
    }
    sqlite3_finalize(q);
    return rc;
}

/* ---- create ----------------------------------------------------------------------------------- */

static int spec_check(const char *project, const av_job_spec *spec, av_err *err)
{
    if (!job_name_ok(spec->name))
        return av_fail_on(err, AV_EINVAL, AV_ENT_JOB, spec->name ? AV_R_NONE : AV_R_MISSING, spec->name, project,
                          "a job name must be 1 to %d bytes without control characters", AV_JOB_NAME_MAX);
    if (spec->description && strlen(spec->description) > AV_DS_DESC_MAX)
        return av_fail_on(err, AV_ELIMIT, AV_ENT_JOB, AV_R_NONE, spec->name, project, "a job description has at most %d bytes", AV_DS_DESC_MAX);
    if (spec->kind != AV_JOB_CLASSIFY && spec->kind != AV_JOB_DETECT)
        return av_fail_on(err, AV_EINVAL, AV_ENT_JOB, AV_R_NONE, spec->name, project,
                          "a job is an image classification (0) or an object detection (1) job");
    if (!spec->path == !spec->dataset_id)
        return av_fail_on(err, AV_EINVAL, AV_ENT_JOB, AV_R_MISSING, spec->name, project,
                          "a job needs either a directory of images or an existing dataset, not both");
    if (spec->path && !av_path_ok(spec->path, 1))
        return av_fail_on(err, AV_EINVAL, AV_ENT_FILE, AV_R_NONE, spec->path, project,
                          "the job's path must be a directory like /bucket/dir/ (ending in '/', no '..' or '//')");
    return AV_OK;
}

/* The dataset of a new job: a new one over spec->path (owned), or the existing spec->dataset_id. */
static int job_dataset(av_store *st, const char *project, const av_job_spec *spec, const char *job_id, ds_row *ds, av_err *err)
{
    if (spec->path) {
        char name[AV_DS_NAME_MAX + 1], id[20];
        snprintf(name, sizeof name, "annotation-job-%s", job_id);
        av_dataset_spec ds_spec = { .name = name, .type = spec->kind, .description = spec->description, .data_path = spec->path };
        int rc = dataset_create_in(st, project, &ds_spec, id, err);
        return rc ? rc : ds_load(st, project, id, ds, err);
    }
    int rc = ds_load(st, project, spec->dataset_id, ds, err);
    if (rc) return rc;
    if (ds->type != spec->kind)
        return av_fail_on(err, AV_EINVAL, AV_ENT_DATASET, AV_R_NONE, ds->id, project,
                          "dataset %s is of type %d; a %s job needs a dataset of type %d", ds->id, ds->type,
                          spec->kind == AV_JOB_DETECT ? "detection" : "classification", spec->kind);
    if (ds_scalar(st, "SELECT count(*) FROM ds_job WHERE dataset = ?1", 1, ds->id))
        return av_fail_on(err, AV_EEXIST, AV_ENT_JOB, AV_R_NONE, ds->id, project,
                          "dataset %s already has an annotation job; use that job or another dataset", ds->id);
    return AV_OK;
}

int av_job_create(av_store *st, const char *project, const av_job_spec *spec, char id_out[37], int64_t *num_out, av_err *err)
{
    int rc = spec_check(project, spec, err);
    if (rc) return rc;
    char id[37];
    ds_row ds;
    job_uuid(id);
    av_store_lock(st);
    rc = av_store_begin(st, err);
    if (!rc) {
        rc = job_dataset(st, project, spec, id, &ds, err);
        int64_t now = av_now_ms();
        if (!rc)
            rc = ds_exec(st, err, "INSERT INTO ds_job(id, project, dataset, owns_dataset, name, description, kind, path, created_ms, updated_ms) "
                         "VALUES (%Q, %Q, %Q, %d, %Q, %Q, %d, %Q, %lld, %lld)", id, project, ds.id, spec->path != NULL, spec->name,
                         spec->description ? spec->description : "", spec->kind, ds.data_path, (long long)now, (long long)now);
        int64_t num = rc ? 0 : sqlite3_last_insert_rowid(av_store_db(st));
        rc = rc ? (av_store_rollback(st), rc) : av_store_commit(st, err);
        if (!rc) {
            memcpy(id_out, id, 37);
            if (num_out) *num_out = num;
        }
    }
    av_store_unlock(st);
    return rc;
}

/* ---- read ------------------------------------------------------------------------------------- */

static json_object *job_doc(av_store *st, sqlite3_stmt *q, int counts)
{
    json_object *o = json_object_new_object();
    const char *ds = (const char *)sqlite3_column_text(q, 2);
    ds_add_int(o, "num", sqlite3_column_int64(q, 0));
    json_object_object_add(o, "id", json_object_new_string((const char *)sqlite3_column_text(q, 1)));
    json_object_object_add(o, "dataset_id", json_object_new_string(ds));
    json_object_object_add(o, "owns_dataset", json_object_new_boolean(sqlite3_column_int(q, 3)));
    ds_add_int(o, "kind", sqlite3_column_int(q, 4));
    json_object_object_add(o, "path", json_object_new_string((const char *)sqlite3_column_text(q, 5)));
    json_object_object_add(o, "name", json_object_new_string((const char *)sqlite3_column_text(q, 6)));
    json_object_object_add(o, "description", json_object_new_string((const char *)sqlite3_column_text(q, 7)));
    json_object_object_add(o, "pass_rate", sqlite3_column_type(q, 8) == SQLITE_NULL ? NULL : json_object_new_double(sqlite3_column_double(q, 8)));
    ds_add_int(o, "sync_status", sqlite3_column_int(q, 9));
    json_object_object_add(o, "synced_ms", sqlite3_column_type(q, 10) == SQLITE_NULL ? NULL : json_object_new_int64(sqlite3_column_int64(q, 10)));
    ds_add_int(o, "created_ms", sqlite3_column_int64(q, 11));
    ds_add_int(o, "updated_ms", sqlite3_column_int64(q, 12));
    if (!counts) return o;
    sqlite3_stmt *c = ds_query(st, NULL, "SELECT count(*), coalesce(sum(status <> 0), 0) FROM sample WHERE dataset = ?1", 1, ds);
    int64_t total = 0, annotated = 0;
    if (c && sqlite3_step(c) == SQLITE_ROW) total = sqlite3_column_int64(c, 0), annotated = sqlite3_column_int64(c, 1);
    sqlite3_finalize(c);
    ds_add_int(o, "total", total);
    ds_add_int(o, "annotated", annotated);
    ds_add_int(o, "unannotated", total - annotated);
    return o;
}

static int job_get(av_store *st, const char *project, const char *id, int64_t num, int counts, json_object **out, av_err *err)
{
    char n[24];
    snprintf(n, sizeof n, "%lld", (long long)num);
    *out = NULL;
    av_store_lock(st);
    sqlite3_stmt *q = id ? ds_query(st, err, "SELECT " JOB_COLUMNS " FROM ds_job WHERE project = ?1 AND id = ?2", 2, project, id)
                         : ds_query(st, err, "SELECT " JOB_COLUMNS " FROM ds_job WHERE project = ?1 AND num = CAST(?2 AS INTEGER)", 2, project, n);
    int rc = !q ? (err ? err->code : AV_EIO) : sqlite3_step(q) == SQLITE_ROW ? AV_OK : no_such_job(err, project, id, num);
    if (!rc) *out = job_doc(st, q, counts);
    sqlite3_finalize(q);
    av_store_unlock(st);
    return rc;
}

int av_job_get(av_store *st, const char *project, const char *id, int64_t num, json_object **out, av_err *err)
{
    return job_get(st, project, id, num, 1, out, err);
}

int av_job_head(av_store *st, const char *project, const char *id, int64_t num, json_object **out, av_err *err)
{
    return job_get(st, project, id, num, 0, out, err);
}

int av_job_list(av_store *st, const char *project, const char *search, int by_name, int ascending, int offset, int limit,
                json_object **out, int64_t *total, av_err *err)
{
    const char *where = "project = ?1 AND (?2 IS NULL OR instr(name, ?2) > 0)";
    char *sql = xasprintf("SELECT " JOB_COLUMNS " FROM ds_job WHERE %s ORDER BY %s %s, num %s LIMIT %d OFFSET %d", where,
                          by_name ? "name" : "created_ms", ascending ? "ASC" : "DESC", ascending ? "ASC" : "DESC",
                          limit < 0 ? 0 : limit, offset < 0 ? 0 : offset);
    char *count_sql = xasprintf("SELECT count(*) FROM ds_job WHERE %s", where);
    av_store_lock(st);
    *total = ds_scalar(st, count_sql, 2, project, search);
    sqlite3_stmt *q = ds_query(st, err, sql, 2, project, search);
    int rc = q ? AV_OK : err ? err->code : AV_EIO;
    *out = json_object_new_array();
    while (q && sqlite3_step(q) == SQLITE_ROW) json_object_array_add(*out, job_doc(st, q, 1));
    sqlite3_finalize(q);
    av_store_unlock(st);
    free(sql);
    free(count_sql);
    return rc;
}

/* ---- small writes ----------------------------------------------------------------------------- */

/* Runs a formatted UPDATE of the job's row in one transaction, after loading the job. */
static int job_update_row(av_store *st, const char *project, const char *id, char *sql, av_err *err)
{
    job_row j;
    av_store_lock(st);
    int rc = job_load(st, project, id, 0, &j, err);
    if (!rc) rc = av_store_begin(st, err);
    if (!rc) {
        rc = ds_exec(st, err, "%s, updated_ms = %lld WHERE num = %lld", sql, (long long)av_now_ms(), (long long)j.num);
        rc = rc ? (av_store_rollback(st), rc) : av_store_commit(st, err);
    }
    av_store_unlock(st);
    sqlite3_free(sql);
    return rc;
}

int av_job_update(av_store *st, const char *project, const char *id, const char *name, const char *description, av_err *err)
{
    if (!job_name_ok(name))
        return av_fail_on(err, AV_EINVAL, AV_ENT_JOB, name ? AV_R_NONE : AV_R_MISSING, name, project,
                          "a job name must be 1 to %d bytes without control characters", AV_JOB_NAME_MAX);
    if (description && strlen(description) > AV_DS_DESC_MAX)
        return av_fail_on(err, AV_ELIMIT, AV_ENT_JOB, AV_R_NONE, id, project, "a job description has at most %d bytes", AV_DS_DESC_MAX);
    char *sql = description ? sqlite3_mprintf("UPDATE ds_job SET name = %Q, description = %Q", name, description)
                            : sqlite3_mprintf("UPDATE ds_job SET name = %Q", name);
    return job_update_row(st, project, id, sql, err);
}

int av_job_set_pass_rate(av_store *st, const char *project, const char *id, double pass_rate, av_err *err)
{
    if (!(pass_rate >= 0 && pass_rate <= 1))
        return av_fail_on(err, AV_EINVAL, AV_ENT_JOB, AV_R_NONE, id, project, "a pass rate is a number from 0 to 1");
    /* 15 significant digits: SQLite reads them back as the same double (0.85 stays 0.85) */
    return job_update_row(st, project, id, sqlite3_mprintf("UPDATE ds_job SET pass_rate = %.15g", pass_rate), err);
}

/* ---- delete ----------------------------------------------------------------------------------- */

/* Ids of a query's first column (a new array of strings), or NULL after setting err. */
static json_object *ids_of(av_store *st, av_err *err, const char *sql, int n, const char *a, const char *b, const char *c)
{
    sqlite3_stmt *q = ds_query(st, err, sql, n, a, b, c);
    if (!q) return NULL;
    json_object *ids = json_object_new_array();
    while (sqlite3_step(q) == SQLITE_ROW) json_object_array_add(ids, json_object_new_string((const char *)sqlite3_column_text(q, 0)));
    sqlite3_finalize(q);
    return ids;
}

/* Deletes each sample of ids from the dataset (delete_source as av_samples_delete). */
static int delete_samples(av_store *st, const char *project, const ds_row *ds, json_object *ids, int delete_source, av_err *err)
{
    int rc = AV_OK;
    for (size_t i = 0; !rc && i < json_object_array_length(ids); i++)
        rc = sample_delete_one(st, project, ds, json_object_get_string(json_object_array_get_idx(ids, i)), delete_source, NULL, err);
    return rc;
}

static int delete_in_txn(av_store *st, const char *project, const job_row *j, av_err *err)
{
    if (!j->owns_dataset) return ds_exec(st, err, "DELETE FROM ds_job WHERE num = %lld", (long long)j->num);
    ds_row ds;
    int rc = ds_load(st, project, j->dataset, &ds, err);
    json_object *ids = rc ? NULL : ids_of(st, err, "SELECT id FROM sample WHERE dataset = ?1", 1, ds.id, NULL, NULL);
    if (!rc && !ids) rc = err ? err->code : AV_EIO;
    if (!rc) rc = delete_samples(st, project, &ds, ids, 1, err);
    json_object_put(ids);
    /* labels, versions and the job go with the dataset (ON DELETE CASCADE) */
    return rc ? rc : ds_exec(st, err, "DELETE FROM dataset WHERE id = %Q", ds.id);
}

int av_job_delete(av_store *st, const char *project, const char *id, av_err *err)
{
    av_store_make_room(st);   /* deletes work on a full disk */
    job_row j;
    av_store_lock(st);
    int rc = job_load(st, project, id, 0, &j, err);
    if (!rc) rc = av_store_begin(st, err);
    if (!rc) {
        rc = delete_in_txn(st, project, &j, err);
        if (!rc) rc = file_collect(st, project, err);
        rc = rc ? (av_store_rollback(st), rc) : av_store_commit(st, err);
        if (!rc) store_note_delete(st);
    }
    av_store_unlock(st);
    return rc;
}

/* ---- sync ------------------------------------------------------------------------------------- */

static int sync_in_txn(av_store *st, const char *project, const ds_row *ds, av_job_sync_result *out, av_err *err)
{
    char *hi = xasprintf("%s\xff", ds->data_path);
    /* files under the path that no sample of the dataset uses (marked ones are on their way out), and
     * samples under the path whose file is gone or marked; ?1 project, ?2..?3 the path range */
    char *add_sql = sqlite3_mprintf("SELECT f.path FROM file f WHERE f.project = ?1 AND f.path >= ?2 AND f.path < ?3 AND f.doomed = 0 "
                                    "AND NOT EXISTS (SELECT 1 FROM sample s WHERE s.dataset = %Q AND s.path = f.path) ORDER BY f.path", ds->id);
    char *gone_sql = sqlite3_mprintf("SELECT s.id FROM sample s WHERE s.dataset = %Q AND s.path >= ?2 AND s.path < ?3 AND NOT EXISTS "
                                     "(SELECT 1 FROM file f WHERE f.project = ?1 AND f.path = s.path AND f.doomed = 0)", ds->id);
    json_object *add = ids_of(st, err, add_sql, 3, project, ds->data_path, hi);
    json_object *gone = add ? ids_of(st, err, gone_sql, 3, project, ds->data_path, hi) : NULL;
    int rc = add && gone ? AV_OK : err ? err->code : AV_EIO;
    for (size_t i = 0; !rc && i < json_object_array_length(add); i++) {
        int64_t count = 0;
        rc = sample_import_file(st, project, ds, json_object_get_string(json_object_array_get_idx(add, i)), AV_ORIGIN_IMPORTED, &count, err);
        out->added += count;
    }
    if (!rc) rc = delete_samples(st, project, ds, gone, 0, err);
    if (!rc) out->removed = (int64_t)json_object_array_length(gone);
    if (!rc) rc = file_collect(st, project, err);
    if (!rc) rc = ds_exec(st, err, "UPDATE dataset SET updated_ms = %lld WHERE id = %Q", (long long)av_now_ms(), ds->id);
    json_object_put(add);
    json_object_put(gone);
    sqlite3_free(add_sql);
    sqlite3_free(gone_sql);
    free(hi);
    return rc;
}

int av_job_sync(av_store *st, const char *project, int64_t num, av_job_sync_result *out, av_err *err)
{
    job_row j;
    ds_row ds;
    memset(out, 0, sizeof *out);
    av_store_lock(st);
    int rc = job_load(st, project, NULL, num, &j, err);
    if (!rc) rc = ds_load(st, project, j.dataset, &ds, err);
    if (!rc && !ds.data_path[0])
        rc = av_fail_on(err, AV_EINVAL, AV_ENT_JOB, AV_R_MISSING, j.id, project,
                        "job %s has no path to synchronise with: its dataset has no input path", j.id);
    if (!rc) rc = av_store_begin(st, err);
    if (!rc) {
        int synced = sync_in_txn(st, project, &ds, out, err);
        if (!synced) synced = ds_exec(st, err, "UPDATE ds_job SET sync_status = 1, synced_ms = %lld WHERE num = %lld",
                                      (long long)av_now_ms(), (long long)j.num);
        synced = synced ? (av_store_rollback(st), synced) : av_store_commit(st, err);
        if (synced) {   /* record the failure on its own; the sync changed nothing */
            memset(out, 0, sizeof *out);
            if (!av_store_begin(st, NULL)) {
                if (ds_exec(st, NULL, "UPDATE ds_job SET sync_status = 2, synced_ms = %lld WHERE num = %lld", (long long)av_now_ms(),
                            (long long)j.num) || av_store_commit(st, NULL)) av_store_rollback(st);
            }
        } else store_note_delete(st);
        rc = synced;
    }
    av_store_unlock(st);
    return rc;
}

/* ---- deleting images -------------------------------------------------------------------------- */

/* Every id present, distinct and a sample of the dataset; else the failure about the first bad one. */
static int images_check(av_store *st, const ds_row *ds, const char *const *ids, int n, av_err *err)
{
    int rc = AV_OK;
    for (int i = 0; i < n; i++) {
        if (!ids[i] || !*ids[i])
            return ds_at(err, i, av_fail_on(err, AV_EINVAL, AV_ENT_SAMPLE, AV_R_MISSING, "", ds->id, "image %d of the list has no id", i));
        for (int k = 0; k < i; k++)   /* n <= AV_DS_BATCH_MAX: at most half a million comparisons */
            if (strcmp(ids[k], ids[i]) == 0)
                return ds_at(err, i, av_fail_on(err, AV_EINVAL, AV_ENT_SAMPLE, AV_R_DUPLICATE, ids[i], ds->id,
                                                "image %.64s is listed twice; list each image once", ids[i]));
    }
    sqlite3_stmt *q = ds_query(st, err, "SELECT count(*) FROM sample WHERE dataset = ?1 AND id = ?2", 1, ds->id);
    if (!q) return err ? err->code : AV_EIO;
    for (int i = 0; !rc && i < n; i++) {
        sqlite3_reset(q);
        sqlite3_bind_text(q, 2, ids[i], -1, SQLITE_STATIC);
        if (sqlite3_step(q) != SQLITE_ROW) rc = av_store_sqlite_fail(st, err, "image lookup");
        else if (sqlite3_column_int64(q, 0) == 0)
            rc = ds_at(err, i, av_fail_on(err, AV_ENOTFOUND, AV_ENT_SAMPLE, AV_R_NONE, ids[i], ds->id,
                                          "image %.64s does not exist in this job", ids[i]));
    }
    sqlite3_finalize(q);
    return rc;
}

int av_job_images_delete(av_store *st, const char *project, int64_t num, const char *const *ids, int n, av_err *err)
{
    av_store_make_room(st);   /* deletes work on a full disk */
    if (n < 1 || n > AV_DS_BATCH_MAX)
        return av_fail_on(err, AV_ELIMIT, AV_ENT_SAMPLE, AV_R_NONE, NULL, NULL, "delete 1 to %d images at a time; split the list", AV_DS_BATCH_MAX);
    job_row j;
    ds_row ds;
    av_store_lock(st);
    int rc = job_load(st, project, NULL, num, &j, err);
    if (!rc) rc = ds_load(st, project, j.dataset, &ds, err);
    if (!rc) rc = images_check(st, &ds, ids, n, err);
    if (!rc) rc = av_store_begin(st, err);
    if (!rc) {
        for (int i = 0; !rc && i < n; i++) rc = sample_delete_one(st, project, &ds, ids[i], 1, NULL, err);
        if (!rc) rc = file_collect(st, project, err);
        int64_t now = av_now_ms();
        if (!rc) rc = ds_exec(st, err, "UPDATE dataset SET updated_ms = %lld WHERE id = %Q; UPDATE ds_job SET updated_ms = %lld WHERE num = %lld",
                              (long long)now, ds.id, (long long)now, (long long)j.num);
        rc = rc ? (av_store_rollback(st), rc) : av_store_commit(st, err);
        if (!rc) store_note_delete(st);
    }
    av_store_unlock(st);
    return rc;
}
