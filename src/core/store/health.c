/*
 * health.c — whether the store can still acknowledge writes, and the space held back for deletes.
 *
 * A data dir deleted or moved under a running server: SQLite would go on writing into the unlinked
 * file and acknowledge inserts that a restart loses. A commit hook on the writer connection checks,
 * before every commit, that the database file is still where it was opened (one stat: the same
 * inode); when it is not, SQLite turns the commit into a rollback, the store is marked failed (for
 * good: the open connection points at a file that no longer exists) and every later write fails with
 * the same reason.
 *
 * A full disk: deletes need room too (the WAL takes the zeroed pages before a checkpoint frees
 * anything). The store keeps a reserve file of st->reserve_bytes in the data dir; a delete, drop or
 * purge first calls av_store_make_room, which gives the reserve back to the file system when free
 * space is below it, so that freeing space through the API works on a full disk. The purge thread
 * takes the reserve again once there is twice its size free.
 *
 * Locking: `failed` is an atomic flag set once, after `fail_reason` is written; the reserve is
 * guarded by space_mu, a leaf lock (no other lock is taken while it is held).
 */
#include "core/store/store_internal.h"
#include "lib/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define RESERVE_FILE "reserve"

/* ---- a data dir that moved ------------------------------------------------------------------- */

static void mark_failed(av_store *st, const char *why)
{
    if (atomic_load(&st->failed)) return;
    snprintf(st->fail_reason, sizeof st->fail_reason, "%s", why);
    atomic_store(&st->failed, 1);
}

static char *db_path(const av_store *st) { return xasprintf("%s/annovec.db", st->dir); }

/* The inode of the database file now, 0 when there is none. */
static ino_t db_inode(const av_store *st)
{
    struct stat sb;
    char *path = db_path(st);
    ino_t ino = stat(path, &sb) == 0 ? sb.st_ino : 0;
    free(path);
    return ino;
}

static int db_moved(const av_store *st) { return db_inode(st) != st->db_ino; }

/* SQLite's commit hook: non-zero turns the commit into a rollback. */
static int before_commit(void *arg)
{
    av_store *st = arg;
    if (!atomic_load(&st->failed) && db_moved(st))
        mark_failed(st, "the data dir's database file was deleted or moved while the server ran; nothing more can be stored: "
                        "restore the data dir and restart the server");
    return atomic_load(&st->failed);
}

void store_health_open(av_store *st)
{
    st->db_ino = db_inode(st);
    sqlite3_commit_hook(st->db, before_commit, st);
}

int store_failed(av_store *st, av_err *err)
{
    if (!atomic_load(&st->failed)) return AV_OK;
    return av_fail_on(err, AV_EIO, AV_ENT_NONE, AV_R_NONE, st->dir, NULL, "%s (data dir %s)", st->fail_reason, st->dir);
}

/* ---- free space and the reserve -------------------------------------------------------------- */

static int64_t free_bytes(const char *dir)
{
    struct statvfs v;
    if (statvfs(dir, &v) != 0) return -1;
    return (int64_t)v.f_bavail * (int64_t)v.f_frsize;
}

static char *reserve_path(const av_store *st) { return xasprintf("%s/" RESERVE_FILE, st->dir); }

/* Takes the reserve (caller holds space_mu). Leaves no partial file behind when the disk is too full. */
static void reserve_take(av_store *st)
{
    if (st->reserve_held || st->reserve_bytes <= 0) return;
    char *path = reserve_path(st);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0 && posix_fallocate(fd, 0, (off_t)st->reserve_bytes) == 0 && fsync(fd) == 0) st->reserve_held = 1;
    if (fd >= 0) close(fd);
    if (!st->reserve_held) unlink(path);
    free(path);
}

static void reserve_release(av_store *st)
{
    char *path = reserve_path(st);
    unlink(path);
    free(path);
    st->reserve_held = 0;
}

void store_space_open(av_store *st)
{
    pthread_mutex_lock(&st->space_mu);
    struct stat sb;
    char *path = reserve_path(st);
    st->reserve_held = stat(path, &sb) == 0 && sb.st_size >= st->reserve_bytes;
    free(path);
    if (!st->reserve_held && free_bytes(st->dir) >= 2 * st->reserve_bytes) reserve_take(st);
    pthread_mutex_unlock(&st->space_mu);
}

void av_store_make_room(av_store *st)
{
    pthread_mutex_lock(&st->space_mu);
    if (st->reserve_held && free_bytes(st->dir) < st->reserve_bytes) reserve_release(st);
    pthread_mutex_unlock(&st->space_mu);
}

void store_space_restore(av_store *st)
{
    pthread_mutex_lock(&st->space_mu);
    if (!st->reserve_held && free_bytes(st->dir) >= 2 * st->reserve_bytes) reserve_take(st);
    pthread_mutex_unlock(&st->space_mu);
}

void av_store_set_reserve(av_store *st, int64_t bytes)
{
    pthread_mutex_lock(&st->space_mu);
    if (st->reserve_held) reserve_release(st);
    st->reserve_bytes = bytes <= 0 ? 0 : bytes < AV_STORE_RESERVE_MIN ? AV_STORE_RESERVE_MIN : bytes;
    if (free_bytes(st->dir) >= 2 * st->reserve_bytes) reserve_take(st);
    pthread_mutex_unlock(&st->space_mu);
}

/* ---- the report ------------------------------------------------------------------------------ */

void av_store_health_get(av_store *st, av_store_health *h)
{
    memset(h, 0, sizeof *h);
    h->free_bytes = free_bytes(st->dir);
    pthread_mutex_lock(&st->space_mu);
    h->reserve_bytes = st->reserve_held ? st->reserve_bytes : 0;
    pthread_mutex_unlock(&st->space_mu);
    char *wal = xasprintf("%s/annovec.db-wal", st->dir);   /* the WAL's size, for /metrics */
    struct stat sb;
    h->wal_bytes = stat(wal, &sb) == 0 ? (int64_t)sb.st_size : 0;
    free(wal);
    struct statvfs v;
    if (atomic_load(&st->failed)) snprintf(h->reason, sizeof h->reason, "%s", st->fail_reason);
    else if (db_moved(st)) snprintf(h->reason, sizeof h->reason, "the database file %s/annovec.db was deleted or moved", st->dir);
    else if (access(st->dir, W_OK) != 0 || (statvfs(st->dir, &v) == 0 && (v.f_flag & ST_RDONLY)))
        snprintf(h->reason, sizeof h->reason, "the data dir %s is not writable", st->dir);
    else h->ok = 1;
}
