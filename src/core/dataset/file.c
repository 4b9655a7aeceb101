/*
 * file.c — a project's file namespace (OBS-like paths) over the content-addressed object store, and
 * the reference rule that keeps a shared source file alive: a path is removed only when no sample of
 * any dataset and no version (frozen sample or manifest) refers to it. See file.h. Locking: the
 * file_* functions run under the caller's store lock and transaction; av_file_read, av_file_put,
 * av_file_list, av_file_delete and av_store_secret take the lock (av_file_put, av_file_delete: one
 * transaction).
 */
#include "core/dataset/file.h"
#include "core/dataset/objects.h"

#include <stdlib.h>
#include <string.h>

int av_path_ok(const char *path, int dir)
{
    size_t n = path ? strlen(path) : 0;
    if (n < 3 || n > AV_DS_PATH_MAX || path[0] != '/' || path[1] == '/') return 0;
    if (dir != (path[n - 1] == '/')) return 0;
    for (const char *p = path; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\') return 0;
        if (p[0] == '/' && p[1] == '/') return 0;
        if (p[0] == '/' && p[1] == '.' && (p[2] == '/' || p[2] == 0 || (p[2] == '.' && (p[3] == '/' || p[3] == 0)))) return 0;
    }
    return strchr(path + 1, '/') != NULL || dir;   /* "/bucket/x" or "/bucket/" */
}

int file_lookup(av_store *st, const char *project, const char *path, char sha[65], int64_t *size)
{
    sqlite3_stmt *q = ds_query(st, NULL, "SELECT sha, size FROM file WHERE project = ?1 AND path = ?2", 2, project, path);
    if (!q) return -1;
    int found = sqlite3_step(q) == SQLITE_ROW;
    if (found) {
        snprintf(sha, 65, "%s", (const char *)sqlite3_column_text(q, 0));
        if (size) *size = sqlite3_column_int64(q, 1);
    }
    sqlite3_finalize(q);
    return found;
}

int64_t file_sample_refs(av_store *st, const char *project, const char *path, const char *except)
{
    return ds_scalar(st, "SELECT count(*) FROM sample WHERE project = ?1 AND path = ?2 AND id IS NOT ?3", 3,
                     project, path, except);
}

int64_t file_version_refs(av_store *st, const char *project, const char *path)
{
    return ds_scalar(st, "SELECT count(*) FROM version_sample WHERE project = ?1 AND path = ?2", 2, project, path)
         + ds_scalar(st, "SELECT count(*) FROM ds_version v JOIN dataset d ON d.id = v.dataset "
                         "WHERE d.project = ?1 AND v.manifest_path = ?2", 2, project, path);
}

int file_bind(av_store *st, const char *project, const char *path, const char *sha, int64_t size, av_err *err)
{
    char old[65];
    int found = file_lookup(st, project, path, old, NULL);
    if (found < 0) return av_store_sqlite_fail(st, err, "file lookup");
    if (found && strcmp(old, sha) == 0)
        return ds_exec(st, err, "UPDATE file SET doomed = 0 WHERE project = %Q AND path = %Q", project, path);
    if (found) {
        int64_t refs = file_sample_refs(st, project, path, NULL) + file_version_refs(st, project, path);
        if (refs)
            return av_fail_on(err, AV_EEXIST, AV_ENT_FILE, AV_R_IN_USE, path, project,
                              "a different file is already stored at %.300s and %lld sample(s) or version(s) use it; "
                              "choose another name", path, (long long)refs);
        int rc = objects_ref(st, old, 0, -1, err);
        if (!rc) rc = ds_exec(st, err, "DELETE FROM file WHERE project = %Q AND path = %Q", project, path);
        if (rc) return rc;
    }
    int rc = objects_ref(st, sha, size, +1, err);
    if (rc) return rc;
    return ds_exec(st, err, "INSERT INTO file(project, path, sha, size, created_ms) VALUES (%Q, %Q, %Q, %lld, %lld)",
                   project, path, sha, (long long)size, (long long)av_now_ms());
}

int file_store(av_store *st, const char *project, const char *path, const void *data, size_t n, char sha[65], av_err *err)
{
    if (!av_path_ok(path, 0))
        return av_fail_on(err, AV_EINVAL, AV_ENT_FILE, AV_R_NONE, path, project,
                          "invalid file path \"%.300s\": use /bucket/dir/name without '..', '//' or control characters", path);
    int rc = objects_write(st, data, n, sha, err);
    if (rc) return rc;
    rc = file_bind(st, project, path, sha, (int64_t)n, err);
    if (rc) objects_discard(st, sha);
    return rc;
}

static int file_remove(av_store *st, const char *project, const char *path, av_err *err)
{
    char sha[65];
    int found = file_lookup(st, project, path, sha, NULL);
    if (found <= 0) return found < 0 ? av_store_sqlite_fail(st, err, "file lookup") : AV_OK;
    int rc = ds_exec(st, err, "DELETE FROM file WHERE project = %Q AND path = %Q", project, path);
    return rc ? rc : objects_ref(st, sha, 0, -1, err);
}

int file_delete_or_doom(av_store *st, const char *project, const char *path, av_err *err)
{
    if (file_sample_refs(st, project, path, NULL) + file_version_refs(st, project, path) == 0) {
        int rc = file_remove(st, project, path, err);
        return rc ? rc : 1;
    }
    return file_doom(st, project, path, err);
}

int file_doom(av_store *st, const char *project, const char *path, av_err *err)
{
    return ds_exec(st, err, "UPDATE file SET doomed = 1 WHERE project = %Q AND path = %Q", project, path);
}

int file_collect(av_store *st, const char *project, av_err *err)
{
    sqlite3_stmt *q = ds_query(st, err, "SELECT path FROM file WHERE project = ?1 AND doomed = 1", 1, project);
    if (!q) return err ? err->code : AV_EIO;
    json_object *paths = json_object_new_array();
    while (sqlite3_step(q) == SQLITE_ROW)
        json_object_array_add(paths, json_object_new_string((const char *)sqlite3_column_text(q, 0)));
    sqlite3_finalize(q);
    int rc = AV_OK;
    for (size_t i = 0; !rc && i < json_object_array_length(paths); i++) {
        int r = file_delete_or_doom(st, project, json_object_get_string(json_object_array_get_idx(paths, i)), err);
        if (r < 0) rc = r;
    }
    json_object_put(paths);
    return rc;
}

json_object *file_list_under(av_store *st, const char *project, const char *dir)
{
    json_object *out = json_object_new_array();
    /* prefix match by range: [dir, dir + 0xff) keeps the primary key index usable */
    char *hi = xasprintf("%s\xff", dir);
    sqlite3_stmt *q = ds_query(st, NULL, "SELECT path FROM file WHERE project = ?1 AND path >= ?2 AND path < ?3 ORDER BY path",
                               3, project, dir, hi);
    free(hi);
    if (!q) return out;
    while (sqlite3_step(q) == SQLITE_ROW)
        json_object_array_add(out, json_object_new_string((const char *)sqlite3_column_text(q, 0)));
    sqlite3_finalize(q);
    return out;
}

int av_file_read(av_store *st, const char *project, const char *path, void **data, size_t *n, av_err *err)
{
    char sha[65];
    *data = NULL;
    *n = 0;
    av_store_lock(st);
    int found = file_lookup(st, project, path, sha, NULL);
    /* read under the lock: the purge erases objects under the same lock */
    int rc = found < 0 ? av_store_sqlite_fail(st, err, "file lookup")
           : !found ? av_fail_on(err, AV_ENOTFOUND, AV_ENT_FILE, AV_R_NONE, path, project, "file %.300s does not exist", path)
           : objects_read(st, sha, data, n, err);
    av_store_unlock(st);
    return rc;
}

int av_file_put(av_store *st, const char *project, const char *path, const void *data, size_t n, av_err *err)
{
    if (n > AV_DS_FILE_BYTES)
        return av_fail_on(err, AV_ELIMIT, AV_ENT_FILE, AV_R_NONE, path, project, "file of %zu bytes; the limit is %u bytes", n, AV_DS_FILE_BYTES);
    av_store_lock(st);
    int rc = av_store_begin(st, err);
    if (!rc) {
        char sha[65] = "";
        rc = file_store(st, project, path, data, n, sha, err);
        rc = rc ? (av_store_rollback(st), rc) : av_store_commit(st, err);
        if (rc && sha[0]) objects_discard(st, sha);
        if (!rc) store_note_delete(st);
    }
    av_store_unlock(st);
    return rc;
}

int av_file_list(av_store *st, const char *project, const char *prefix, const char *after, int limit,
                 json_object **out, int *more, av_err *err)
{
    *out = NULL;
    *more = 0;
    if (!prefix || prefix[0] != '/' || strlen(prefix) > AV_DS_PATH_MAX)
        return av_fail_on(err, AV_EINVAL, AV_ENT_FILE, AV_R_NONE, prefix, project,
                          "invalid prefix: it must start with '/' and hold at most %d bytes", AV_DS_PATH_MAX);
    for (const char *p = prefix; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return av_fail_on(err, AV_EINVAL, AV_ENT_FILE, AV_R_NONE, prefix, project, "invalid prefix: it holds a control character");
    if (limit < 1 || limit > AV_DS_LIST_MAX)
        return av_fail(err, AV_EINVAL, "limit must be from 1 to %d", AV_DS_LIST_MAX);
    /* prefix match by range, [prefix, prefix + 0xff), as file_list_under; one extra row says "more" */
    char *hi = xasprintf("%s\xff", prefix);
    char *sql = xasprintf("SELECT path, size, created_ms, doomed FROM file WHERE project = ?1 AND path >= ?2 AND path < ?3 "
                          "AND (?4 IS NULL OR path > ?4) ORDER BY path LIMIT %d", limit + 1);
    const char *from = after && strcmp(after, prefix) > 0 ? after : NULL;
    av_store_lock(st);
    sqlite3_stmt *q = ds_query(st, err, sql, 4, project, prefix, hi, from);
    int rc = q ? AV_OK : (err ? err->code : AV_EIO);
    json_object *arr = json_object_new_array();
    while (q && sqlite3_step(q) == SQLITE_ROW) {
        if ((int)json_object_array_length(arr) == limit) { *more = 1; break; }
        const char *path = (const char *)sqlite3_column_text(q, 0);
        json_object *f = json_object_new_object();
        json_object_object_add(f, "path", json_object_new_string(path));
        ds_add_int(f, "size", sqlite3_column_int64(q, 1));
        ds_add_int(f, "created_ms", sqlite3_column_int64(q, 2));
        ds_add_int(f, "sample_refs", file_sample_refs(st, project, path, NULL));
        ds_add_int(f, "version_refs", file_version_refs(st, project, path));
        json_object_object_add(f, "doomed", json_object_new_boolean(sqlite3_column_int(q, 3) != 0));
        json_object_array_add(arr, f);
    }
    if (q) sqlite3_finalize(q);
    av_store_unlock(st);
    free(hi);
    free(sql);
    if (rc) json_object_put(arr);
    else *out = arr;
    return rc;
}

/* Deleting a file: 1. validate the path; 2. in one transaction, find it (else not found); 3. count
 * its references; 4. referred to: refuse, or mark it doomed (when_unused); 5. else remove the path
 * and drop its object reference; 6. commit and wake the purge thread, which zero-fills and unlinks
 * the object once its count is 0. */
int av_file_delete(av_store *st, const char *project, const char *path, int when_unused, av_file_refs *refs, av_err *err)
{
    av_file_refs r = { 0 };
    if (!av_path_ok(path, 0))
        return av_fail_on(err, AV_EINVAL, AV_ENT_FILE, AV_R_NONE, path, project,
                          "invalid file path: use /bucket/dir/name without '..', '//' or control characters");
    char sha[65];
    av_store_lock(st);
    int rc = av_store_begin(st, err);
    if (!rc) {
        int found = file_lookup(st, project, path, sha, NULL);
        if (found < 0) rc = av_store_sqlite_fail(st, err, "file lookup");
        else if (!found) rc = av_fail_on(err, AV_ENOTFOUND, AV_ENT_FILE, AV_R_NONE, path, project, "file %.300s does not exist", path);
        if (!rc) {
            r.sample_refs = file_sample_refs(st, project, path, NULL);
            r.version_refs = file_version_refs(st, project, path);
            if (r.sample_refs + r.version_refs == 0) {
                rc = file_remove(st, project, path, err);
                r.removed = !rc;
            } else if (when_unused) {
                rc = file_doom(st, project, path, err);
            } else {
                rc = av_fail_on(err, AV_EUNSAFE, AV_ENT_FILE, AV_R_IN_USE, path, project,
                                "file %.300s is used by %lld sample(s) and %lld version(s): delete those first, or ask for "
                                "the file to go with its last reference", path, (long long)r.sample_refs, (long long)r.version_refs);
            }
        }
        rc = rc ? (av_store_rollback(st), rc) : av_store_commit(st, err);
        if (!rc && r.removed) store_note_delete(st);
    }
    av_store_unlock(st);
    if (refs) *refs = r;
    return rc;
}

int av_store_secret(av_store *st, unsigned char key[32], av_err *err)
{
    av_store_lock(st);
    int rc = AV_OK;
    sqlite3_stmt *q = ds_query(st, err, "SELECT key FROM server_secret WHERE id = 1", 0);
    if (!q) rc = err ? err->code : AV_EIO;
    else if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_bytes(q, 0) == 32) memcpy(key, sqlite3_column_blob(q, 0), 32);
    else {
        av_random(key, 32);
        sqlite3_stmt *ins = ds_query(st, err, "INSERT OR REPLACE INTO server_secret(id, key) VALUES (1, ?1)", 0);
        if (!ins) rc = err ? err->code : AV_EIO;
        else {
            sqlite3_bind_blob(ins, 1, key, 32, SQLITE_TRANSIENT);
            if (sqlite3_step(ins) != SQLITE_DONE) rc = av_store_sqlite_fail(st, err, "secret");
            sqlite3_finalize(ins);
        }
    }
    sqlite3_finalize(q);
    av_store_unlock(st);
    return rc;
}
