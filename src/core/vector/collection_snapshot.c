/*
 * collection_snapshot.c — a collection's vector index across a restart (see collection_snapshot.h
 * for the file and its rules): coll_index_save at close, coll_index_open at open.
 *
 * Locking: coll_index_save holds the collection's read lock while the index and the trailer are
 * written; coll_index_open holds its write lock while the snapshot is read (or the index built).
 * Both run while nothing else uses the store (catalog_close, load_catalog); the file work after the
 * lock is released (rename, erase) touches only this collection's files.
 */
#include "core/vector/collection_snapshot.h"
#include "core/store/store.h"
#include "lib/util.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SNAP_MAGIC "AVSNAP01"
#define SNAP_TAG "AVSN"
#define SNAP_VERSION 1u
#define SNAP_TAIL 16                     /* u64 trailer offset + magic */

static char *snap_path(const av_collection *c, const char *ext)
{
    return xasprintf("%s/vecindex-%" PRId64 ".%s", av_store_dir(c->st), c->sid, ext);
}

/* Zero-fills a file, then unlinks it (the bytes of a used snapshot do not stay on disk). */
static void erase_file(const char *path)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat sb;
    static const char zeros[65536];
    if (fstat(fd, &sb) == 0)
        for (off_t at = 0; at < sb.st_size; at += (off_t)sizeof zeros) {
            size_t n = sb.st_size - at < (off_t)sizeof zeros ? (size_t)(sb.st_size - at) : sizeof zeros;
            if (pwrite(fd, zeros, n, at) != (ssize_t)n) break;
        }
    if (fsync(fd)) { /* unlinked anyway */ }
    close(fd);
    unlink(path);
}

/* ---- writing ---------------------------------------------------------------------------------- */

static void put(av_buf *b, const void *p, size_t n) { av_buf_put(b, p, n); }
static void put_u32(av_buf *b, uint32_t v) { put(b, &v, sizeof v); }
static void put_i32(av_buf *b, int32_t v) { put(b, &v, sizeof v); }
static void put_i64(av_buf *b, int64_t v) { put(b, &v, sizeof v); }

/* The trailer: what the saved slots held, so that open can map them to the reloaded ones. */
static void build_trailer(const av_collection *c, uint64_t at, av_buf *b)
{
    const coll_rows *r = &c->rows;
    put(b, SNAP_TAG, 4);
    put_u32(b, SNAP_VERSION);
    put_u32(b, (uint32_t)strlen(c->iops->name));
    put(b, c->iops->name, strlen(c->iops->name));
    put_i32(b, c->dim);
    put_i32(b, (int32_t)c->schema.metric);
    put_i32(b, r->pk_is_str);
    put_u32(b, r->nslots);
    put_i64(b, r->live);
    for (uint32_t s = 0; s < r->nslots; s++) {
        uint8_t alive = r->alive[s];
        put(b, &alive, 1);
        if (!alive) continue;
        if (!r->pk_is_str) { put_i64(b, r->pk_i[s]); continue; }
        uint32_t len = (uint32_t)strlen(r->pk_s[s]);
        put_u32(b, len);
        put(b, r->pk_s[s], (size_t)len + 1);   /* with its NUL: read back in place */
    }
    uint64_t off = at;
    put(b, &off, sizeof off);
    put(b, SNAP_MAGIC, 8);
}

/* Writes the index payload then the trailer into tmp. AV_VECINDEX_NOTHING_TO_SAVE leaves it empty. */
static int write_snapshot(const av_collection *c, const char *tmp)
{
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return AV_EIO;
    av_vecdata vd = coll_vecdata(c);
    int rc = c->iops->save(c->index, &vd, fd);
    off_t end = rc == AV_OK ? lseek(fd, 0, SEEK_END) : 0;
    if (end < 0) rc = AV_EIO;
    if (rc == AV_OK) {
        av_buf b = { 0 };
        build_trailer(c, (uint64_t)end, &b);
        if (av_write_all(fd, b.p, b.len) || fsync(fd)) rc = AV_EIO;
        av_buf_free(&b);
    }
    if (close(fd) && rc == AV_OK) rc = AV_EIO;
    return rc;
}

int coll_index_save(av_collection *c, av_err *err)
{
    if (!c->iops->save) return AV_OK;
    char *tmp = snap_path(c, "tmp"), *path = snap_path(c, "snap");
    coll_rdlock(c);
    int rc = c->dropped ? AV_VECINDEX_NOTHING_TO_SAVE : write_snapshot(c, tmp);
    coll_unlock(c);
    if (rc == AV_OK && rename(tmp, path)) rc = AV_EIO;
    if (rc != AV_OK) erase_file(tmp);
    if (rc == AV_VECINDEX_NOTHING_TO_SAVE) rc = AV_OK;   /* FLAT: fine, nothing is left behind */
    else if (rc) av_fail(err, AV_EIO, "could not save the %s index of collection \"%s\"; it is built again at the next start",
                         c->iops->name, c->schema.name);
    free(tmp);
    free(path);
    return rc;
}

/* ---- reading ---------------------------------------------------------------------------------- */

typedef struct cursor { const char *p; size_t left; int bad; } cursor;

static const char *take(cursor *k, size_t n)
{
    if (k->bad || k->left < n) { k->bad = 1; return NULL; }
    const char *at = k->p;
    k->p += n;
    k->left -= n;
    return at;
}

static uint32_t take_u32(cursor *k) { uint32_t v = 0; const char *p = take(k, sizeof v); if (p) memcpy(&v, p, sizeof v); return v; }
static int32_t take_i32(cursor *k) { int32_t v = 0; const char *p = take(k, sizeof v); if (p) memcpy(&v, p, sizeof v); return v; }
static int64_t take_i64(cursor *k) { int64_t v = 0; const char *p = take(k, sizeof v); if (p) memcpy(&v, p, sizeof v); return v; }

/* The trailer's header matches c: same index, dim, metric and pk type, as many live rows. */
static int header_matches(const av_collection *c, cursor *k, uint32_t *old_n)
{
    const char *tag = take(k, 4);
    if (!tag || memcmp(tag, SNAP_TAG, 4) || take_u32(k) != SNAP_VERSION) return 0;
    uint32_t nlen = take_u32(k);
    const char *name = take(k, nlen);
    if (!name || nlen != strlen(c->iops->name) || memcmp(name, c->iops->name, nlen)) return 0;
    int ok = take_i32(k) == c->dim;
    ok &= take_i32(k) == (int32_t)c->schema.metric;
    ok &= take_i32(k) == c->rows.pk_is_str;
    *old_n = take_u32(k);
    ok &= take_i64(k) == c->rows.live;
    return ok && !k->bad && *old_n <= k->left;   /* a byte per saved slot at least */
}

/* The reloaded slot of the next saved slot's pk, AV_SLOT_NONE when it is not there. */
static uint32_t take_slot(const av_collection *c, cursor *k)
{
    av_pk pk = { c->rows.pk_is_str, 0, NULL };
    if (!pk.is_str) pk.i = take_i64(k);
    else {
        uint32_t len = take_u32(k);
        pk.s = take(k, (size_t)len + 1);
        if (!pk.s || pk.s[len] || strlen(pk.s) != len) return AV_SLOT_NONE;
    }
    return k->bad ? AV_SLOT_NONE : rows_find(&c->rows, &pk);
}

/* Saved slot -> reloaded slot, from the trailer (NULL when it does not describe c's rows). */
static uint32_t *map_slots(const av_collection *c, cursor *k, uint32_t *old_n)
{
    if (!header_matches(c, k, old_n)) return NULL;
    uint32_t *map = xmalloc(sizeof(uint32_t) * ((size_t)*old_n + 1));
    uint8_t *seen = xcalloc((size_t)c->rows.nslots + 1, 1);
    int64_t live = 0;
    int ok = 1;
    for (uint32_t s = 0; s < *old_n && ok; s++) {
        const char *alive = take(k, 1);
        map[s] = AV_SLOT_NONE;
        if (!alive || !*alive) { ok = alive != NULL; continue; }
        uint32_t to = take_slot(c, k);
        ok = to != AV_SLOT_NONE && !seen[to];
        if (ok) { seen[to] = 1; map[s] = to; live++; }
    }
    free(seen);
    if (ok && live == c->rows.live && k->left == 0) return map;
    free(map);
    return NULL;
}

/* Reads the trailer of the snapshot open on fd into memory (*len bytes; NULL when malformed). */
static char *read_trailer(int fd, size_t *len)
{
    struct stat sb;
    if (fstat(fd, &sb) || sb.st_size < SNAP_TAIL) return NULL;
    char tail[SNAP_TAIL];
    uint64_t at;
    if (av_read_at(fd, tail, sizeof tail, sb.st_size - SNAP_TAIL) || memcmp(tail + 8, SNAP_MAGIC, 8)) return NULL;
    memcpy(&at, tail, sizeof at);
    if (at > (uint64_t)(sb.st_size - SNAP_TAIL)) return NULL;
    *len = (size_t)((uint64_t)(sb.st_size - SNAP_TAIL) - at);
    char *buf = xmalloc(*len + 1);
    if (av_read_at(fd, buf, *len, (off_t)at)) { free(buf); return NULL; }
    return buf;
}

/* Loads c's index from the snapshot at path and renumbers it; 0 when there is none or it does not
 * fit the reloaded rows (the index may then hold anything: the caller builds it). */
static int load_snapshot(av_collection *c, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    size_t len = 0;
    char *trailer = read_trailer(fd, &len);
    uint32_t old_n = 0, *map = NULL;
    if (trailer) {
        cursor k = { trailer, len, 0 };
        map = map_slots(c, &k, &old_n);
    }
    av_vecdata vd = coll_vecdata(c);
    int ok = map && lseek(fd, 0, SEEK_SET) == 0 && c->iops->load(c->index, &vd, fd) == AV_OK;
    if (ok) c->iops->remap(c->index, &vd, map, old_n);
    free(map);
    free(trailer);
    close(fd);
    return ok;
}

int coll_index_open(av_collection *c)
{
    char *path = snap_path(c, "snap"), *tmp = snap_path(c, "tmp");
    coll_wrlock(c);
    int used = c->iops->load && c->iops->remap && load_snapshot(c, path);
    if (!used) {
        av_vecdata vd = coll_vecdata(c);
        c->iops->build(c->index, &vd);
        coll_index_maintain(c);
    }
    coll_wrunlock(c);
    erase_file(path);
    erase_file(tmp);    /* left by a save that did not finish */
    free(path);
    free(tmp);
    return used;
}
