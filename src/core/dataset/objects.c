/*
 * objects.c — see objects.h. File layout: DATA/objects/ab/ab12…(64 hex); temporary files in
 * DATA/objects/tmp. Names are derived from the content hash only, so no caller-supplied path ever
 * reaches the file system.
 */
#include "core/dataset/objects.h"
#include "core/store/store.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_sha(const char *s)
{
    if (strlen(s) != 64) return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return 0;
    return 1;
}

static char *object_path(av_store *st, const char *sha)
{
    return xasprintf("%s/objects/%.2s/%s", av_store_dir(st), sha, sha);
}

static int mkdir_p(const char *path)
{
    return mkdir(path, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int objects_write(av_store *st, const void *data, size_t n, char sha[65], av_err *err)
{
    if (n > AV_OBJECT_MAX) return av_fail(err, AV_ELIMIT, "object of %zu bytes; the limit is %u", n, AV_OBJECT_MAX);
    unsigned char d[32];
    unsigned int dl = 0;
    if (!EVP_Digest(data, n, d, &dl, EVP_sha256(), NULL)) abort();
    av_hex(d, 32, sha);
    char *path = object_path(st, sha);
    struct stat sb;
    int rc = AV_OK;
    if (stat(path, &sb) == 0 && (size_t)sb.st_size == n) { free(path); return AV_OK; }   /* stored once */
    char *root = xasprintf("%s/objects", av_store_dir(st));
    char *tmpdir = xasprintf("%s/tmp", root);
    char *dir = xasprintf("%s/%.2s", root, sha);
    char *tmp = xasprintf("%s/%s.XXXXXX", tmpdir, sha);
    int fd = -1;
    if (mkdir_p(root) || mkdir_p(tmpdir) || mkdir_p(dir) || (fd = mkstemp(tmp)) < 0 ||
        av_write_all(fd, data, n) || fsync(fd) || close(fd) || (fd = -1, rename(tmp, path)) || fsync_dir(dir)) {
        rc = av_fail(err, AV_EIO, "cannot store an object: %s", strerror(errno));
        if (fd >= 0) close(fd);
        unlink(tmp);
    }
    free(root); free(tmpdir); free(dir); free(tmp); free(path);
    return rc;
}

int objects_ref(av_store *st, const char *sha, int64_t size, int delta, av_err *err)
{
    if (!is_sha(sha)) return av_fail(err, AV_EINVAL, "not an object id: %.70s", sha);
    if (delta < 0) {
        sqlite3_stmt *q;
        int found = 0;
        if (sqlite3_prepare_v2(av_store_db(st), "SELECT refs FROM object WHERE sha = ?1", -1, &q, NULL) == SQLITE_OK) {
            sqlite3_bind_text(q, 1, sha, -1, SQLITE_STATIC);
            found = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int64(q, 0) >= -delta;
            sqlite3_finalize(q);
        }
        if (!found) return av_fail(err, AV_ENOTFOUND, "object %s has no reference to release", sha);
    }
    char *q = sqlite3_mprintf(
        "INSERT INTO object(sha, size, refs, created_ms) VALUES (%Q, %lld, %d, %lld) "
        "ON CONFLICT(sha) DO UPDATE SET refs = refs + %d;"
        "DELETE FROM object_trash WHERE sha = %Q AND (SELECT refs FROM object WHERE sha = %Q) > 0;"
        "INSERT OR IGNORE INTO object_trash(sha) SELECT sha FROM object WHERE sha = %Q AND refs <= 0;",
        sha, (long long)size, delta > 0 ? delta : 0, (long long)av_now_ms(), delta, sha, sha, sha);
    int rc = av_store_exec(st, q, err);
    sqlite3_free(q);
    return rc;
}

int64_t objects_refs(av_store *st, const char *sha)
{
    av_store_lock(st);
    sqlite3_stmt *q;
    int64_t n = 0;
    if (sqlite3_prepare_v2(av_store_db(st), "SELECT refs FROM object WHERE sha = ?1", -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, sha, -1, SQLITE_STATIC);
        if (sqlite3_step(q) == SQLITE_ROW) n = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    av_store_unlock(st);
    return n;
}

int objects_read(av_store *st, const char *sha, void **data, size_t *n, av_err *err)
{
    *data = NULL;
    *n = 0;
    if (!is_sha(sha)) return av_fail(err, AV_EINVAL, "not an object id: %.70s", sha);
    char *path = object_path(st, sha);
    int fd = open(path, O_RDONLY);
    free(path);
    if (fd < 0) return av_fail(err, AV_ENOTFOUND, "object %s does not exist", sha);
    struct stat sb;
    int rc = AV_OK;
    if (fstat(fd, &sb) || sb.st_size > AV_OBJECT_MAX) rc = av_fail(err, AV_EIO, "cannot read object %s", sha);
    else {
        char *buf = xmalloc((size_t)sb.st_size + 1);
        size_t got = 0;
        while (got < (size_t)sb.st_size) {
            ssize_t r = read(fd, buf + got, (size_t)sb.st_size - got);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            got += (size_t)r;
        }
        if (got != (size_t)sb.st_size) { free(buf); rc = av_fail(err, AV_EIO, "short read of object %s", sha); }
        else { buf[got] = 0; *data = buf; *n = got; }
    }
    close(fd);
    return rc;
}

/* Overwrites a file with zeros, syncs it and unlinks it. */
static void erase_file(const char *path)
{
    int fd = open(path, O_WRONLY);
    if (fd >= 0) {
        struct stat sb;
        if (fstat(fd, &sb) == 0) {
            static const char zeros[65536];
            for (off_t left = sb.st_size; left > 0;) {
                size_t chunk = left > (off_t)sizeof zeros ? sizeof zeros : (size_t)left;
                if (av_write_all(fd, zeros, chunk)) break;
                left -= (off_t)chunk;
            }
            fsync(fd);
        }
        close(fd);
    }
    unlink(path);
}

void objects_discard(av_store *st, const char *sha)
{
    if (!is_sha(sha)) return;
    sqlite3_stmt *q;
    int referenced = 1;
    if (sqlite3_prepare_v2(av_store_db(st), "SELECT 1 FROM object WHERE sha = ?1", -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, sha, -1, SQLITE_STATIC);
        referenced = sqlite3_step(q) == SQLITE_ROW;
        sqlite3_finalize(q);
    }
    if (referenced) return;
    char *path = object_path(st, sha);
    erase_file(path);
    free(path);
}

void objects_purge(av_store *st)
{
    for (;;) {
        char sha[65] = "";
        av_store_lock(st);
        sqlite3_stmt *q;
        /* only objects whose count is still 0: a later reference took them back */
        if (sqlite3_prepare_v2(av_store_db(st), "SELECT t.sha FROM object_trash t JOIN object o ON o.sha = t.sha WHERE o.refs <= 0 LIMIT 1",
                               -1, &q, NULL) == SQLITE_OK) {
            if (sqlite3_step(q) == SQLITE_ROW) snprintf(sha, sizeof sha, "%s", (const char *)sqlite3_column_text(q, 0));
            sqlite3_finalize(q);
        }
        if (sha[0]) {
            /* erase under the store lock: no writer can reference the object meanwhile */
            char *path = object_path(st, sha);
            erase_file(path);
            free(path);
            char *del = sqlite3_mprintf("DELETE FROM object_trash WHERE sha = %Q; DELETE FROM object WHERE sha = %Q AND refs <= 0;", sha, sha);
            av_store_exec(st, del, NULL);
            sqlite3_free(del);
        } else {
            av_store_exec(st, "DELETE FROM object_trash WHERE sha NOT IN (SELECT sha FROM object WHERE refs <= 0)", NULL);
        }
        av_store_unlock(st);
        if (!sha[0]) return;
    }
}

static void hook_purge(av_store *st, void *arg) { (void)arg; objects_purge(st); }
static int hook_leftover(av_store *st, void *arg)
{
    (void)arg;
    av_store_lock(st);
    int n = store_count(av_store_db(st), "SELECT count(*) FROM object_trash", NULL, NULL);
    av_store_unlock(st);
    return n > 0;
}

void objects_attach(av_store *st)
{
    store_hook_add(st, &(store_hooks){ .purge = hook_purge, .leftover = hook_leftover });
}
