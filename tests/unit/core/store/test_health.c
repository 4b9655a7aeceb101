/*
 * test_health.c — a store that can no longer keep what it acknowledges, and deletes on a full disk
 * (src/core/store/health.c).
 *
 *  moved_data_dir_refuses_writes: the data dir is moved away under an open store. Before the fix the
 *    insert was acknowledged into the unlinked database and gone after a restart; now it fails with
 *    the reason, the health report says why, and a restart on the moved-back dir holds exactly the
 *    rows acknowledged before the move.
 *  full_disk_deletes_still_work: on a 24 MiB tmpfs with an 8 MiB reserve, rows are inserted until the disk is full; a delete
 *    by id, a delete by filter, a delete-all and a drop must then all succeed (the reserve is given
 *    back for them), and the purge takes the reserve again once the space is free. Needs root (mount).
 */
#include "annovec.h"
#include "core/store/store.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIM 256
#define RESERVE (8 << 20)

static const char *P = "0123456789abcdef0123456789abcdef";

static void make_schema(av_schema *s, const char *name)
{
    av_schema_init(s);
    snprintf(s->name, sizeof s->name, "%s", name);
    av_field *f = av_schema_add_field(s, "id", AV_T_INT64);
    f->primary = 1;
    av_schema_add_field(s, "vector", AV_T_FLOAT_VECTOR)->dim = DIM;
}

static av_collection *create_open(av_store *st, const char *name)
{
    av_schema s;
    av_err e;
    av_collection *c = NULL;
    char id[33];
    CHECK_INT(av_project_resolve(st, P, 1, id, &e), AV_OK);
    make_schema(&s, name);
    CHECK_INT(av_collection_create(st, P, "default", &s, &e), AV_OK);
    av_schema_free(&s);
    CHECK_INT(av_collection_open(st, P, "default", name, &c, &e), AV_OK);
    return c;
}

/* Inserts rows [first, first + n) with distinct vectors; returns the engine's code. */
static int insert_range(av_collection *c, int64_t first, int n, av_err *e)
{
    av_row *rows = calloc((size_t)n, sizeof *rows);
    float *v = malloc(sizeof(float) * DIM * (size_t)n);
    for (int i = 0; i < n; i++) {
        for (int d = 0; d < DIM; d++) v[i * DIM + d] = (float)((first + i) * 31 + d);
        rows[i] = (av_row){ { 0, first + i, NULL }, v + i * DIM, NULL };
    }
    int rc = av_insert(c, rows, (size_t)n, 0, NULL, e);
    free(rows);
    free(v);
    return rc;
}

static int64_t count(av_collection *c)
{
    int64_t n = -1;
    av_err e;
    av_count(c, NULL, &n, &e);
    return n;
}

static void moved_data_dir_refuses_writes(void)
{
    char dir[] = "/tmp/av_health_XXXXXX", data[64], away[64];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(data, sizeof data, "%s/data", dir);
    snprintf(away, sizeof away, "%s/away", dir);
    av_store *st;
    av_err e;
    CHECK_INT(av_store_open(data, &st, &e), AV_OK);
    av_collection *c = create_open(st, "kept");
    CHECK_INT(insert_range(c, 0, 10, &e), AV_OK);
    av_store_health h;
    av_store_health_get(st, &h);
    CHECK_INT(h.ok, 1);

    CHECK_INT(rename(data, away), 0);   /* what `rm -rf data` does to the open files, but recoverable */
    CHECK_INT(insert_range(c, 10, 10, &e), AV_EIO);
    CHECK_CONTAINS(e.msg, "deleted or moved");
    CHECK_INT(count(c), 10);
    av_store_health_get(st, &h);
    CHECK_INT(h.ok, 0);
    CHECK_CONTAINS(h.reason, "deleted or moved");
    av_pk pk = { 0, 3, NULL };
    int64_t deleted = -1;
    CHECK_INT(av_delete_pks(c, &pk, 1, &deleted, &e), AV_EIO);   /* every later write too */
    av_collection_release(c);
    av_store_close(st);

    CHECK_INT(rename(away, data), 0);
    CHECK_INT(av_store_open(data, &st, &e), AV_OK);
    CHECK_INT(av_collection_open(st, P, "default", "kept", &c, &e), AV_OK);
    CHECK_INT(count(c), 10);
    CHECK_INT(insert_range(c, 10, 10, &e), AV_OK);   /* a restart on the real dir writes again */
    av_collection_release(c);
    av_store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
}

static void full_disk_deletes_still_work(void)
{
    char dir[] = "/tmp/av_full_XXXXXX", cmd[160], data[64];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(cmd, sizeof cmd, "mount -t tmpfs -o size=24m,mode=0700 tmpfs %s", dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "FAIL full_disk_deletes_still_work: cannot mount a small tmpfs (needs root)\n");
        test_failed++;
        rmdir(dir);
        return;
    }
    snprintf(data, sizeof data, "%s/data", dir);
    av_store *st;
    av_err e;
    CHECK_INT(av_store_open(data, &st, &e), AV_OK);
    av_store_set_reserve(st, RESERVE);
    av_store_health h;
    av_store_health_get(st, &h);
    CHECK_INT(h.reserve_bytes, RESERVE);
    av_collection *c = create_open(st, "fill"), *other = create_open(st, "other");
    CHECK_INT(insert_range(other, 0, 50, &e), AV_OK);
    int64_t next = 0;
    int rc;
    while ((rc = insert_range(c, next, 200, &e)) == AV_OK) next += 200;
    CHECK_INT(rc, AV_EIO);   /* the disk is full: inserts fail, nothing half-written */
    CHECK(next > 1000);
    CHECK_INT(count(c), next);

    av_pk pks[100];
    for (int i = 0; i < 100; i++) pks[i] = (av_pk){ 0, i, NULL };
    int64_t deleted = 0;
    CHECK_INT(av_delete_pks(c, pks, 100, &deleted, &e), AV_OK);
    CHECK_INT(deleted, 100);
    av_filter *f = NULL;
    CHECK_INT(av_filter_compile_milvus(c, "id < 400", &f, &e), AV_OK);
    CHECK_INT(av_delete_filter(c, f, &deleted, &e), AV_OK);
    CHECK_INT(deleted, 300);
    av_filter_free(f);
    CHECK_INT(av_delete_all(c, &deleted, &e), AV_OK);
    CHECK_INT(count(c), 0);
    av_collection_release(c);
    CHECK_INT(av_collection_drop(st, P, "default", "other", &e), AV_OK);
    av_collection_release(other);

    CHECK_INT(av_store_purge(st, &e), AV_OK);
    av_store_health_get(st, &h);
    CHECK_INT(h.reserve_bytes, RESERVE);   /* taken again once the space came back */
    CHECK(h.free_bytes >= RESERVE);
    c = create_open(st, "after");
    CHECK_INT(insert_range(c, 0, 200, &e), AV_OK);
    av_collection_release(c);
    av_store_close(st);
    snprintf(cmd, sizeof cmd, "umount %s", dir);
    CHECK_INT(system(cmd), 0);
    rmdir(dir);
}

TEST_MAIN(TEST_CASE(moved_data_dir_refuses_writes), TEST_CASE(full_disk_deletes_still_work))
