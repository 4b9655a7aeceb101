/*
 * test_objects.c — the content-addressed object store (src/core/dataset/objects.c): identical bytes
 * stored once, counts changed inside transactions (a rolled-back change changes nothing), a file
 * erased only after its count reached 0 and the purge ran (and not when it was referenced again
 * first), bytes gone from the disk, bad input refused.
 */
#include "annovec.h"
#include "core/dataset/objects.h"
#include "core/store/store.h"
#include "lib/util.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *CONTENT = "OBJECT-CONTENT-5f1c: a tiny image";

typedef struct env { char dir[64]; av_store *st; } env;

static av_store *open_env(env *v)
{
    av_err e;
    test_tmpdir(v->dir, sizeof v->dir, "obj");
    if (av_store_open(v->dir, &v->st, &e) != AV_OK) { fprintf(stderr, "store: %s\n", e.msg); exit(2); }
    return v->st;
}

static void close_env(env *v)
{
    av_store_close(v->st);
    test_rmdir(v->dir);
}

/* One reference change in its own transaction, committed or rolled back. */
static int ref(av_store *st, const char *sha, int64_t size, int delta, int commit)
{
    av_err e;
    av_store_lock(st);
    int rc = av_store_begin(st, &e);
    if (rc == AV_OK) rc = objects_ref(st, sha, size, delta, &e);
    if (rc == AV_OK && commit) rc = av_store_commit(st, &e);
    else av_store_rollback(st);
    av_store_unlock(st);
    return rc;
}

static int file_exists(const env *v, const char *sha)
{
    char path[512];
    struct stat sb;
    snprintf(path, sizeof path, "%s/objects/%.2s/%s", v->dir, sha, sha);
    return stat(path, &sb) == 0;
}

static void identical_bytes_stored_once(void)
{
    env v;
    av_store *st = open_env(&v);
    av_err e;
    char a[65], b[65];
    CHECK_INT(objects_write(st, CONTENT, strlen(CONTENT), a, &e), AV_OK);
    CHECK_INT(objects_write(st, CONTENT, strlen(CONTENT), b, &e), AV_OK);
    CHECK_STR(a, b);
    CHECK(file_exists(&v, a));
    void *data;
    size_t n;
    CHECK_INT(objects_read(st, a, &data, &n, &e), AV_OK);
    CHECK(n == strlen(CONTENT) && memcmp(data, CONTENT, n) == 0);
    free(data);
    close_env(&v);
}

static void counts_change_inside_transactions(void)
{
    env v;
    av_store *st = open_env(&v);
    av_err e;
    char a[65];
    CHECK_INT(objects_write(st, CONTENT, strlen(CONTENT), a, &e), AV_OK);
    CHECK_INT(ref(st, a, (int64_t)strlen(CONTENT), 1, 1), AV_OK);
    CHECK_INT(ref(st, a, (int64_t)strlen(CONTENT), 1, 1), AV_OK);
    CHECK_INT(objects_refs(st, a), 2);
    CHECK_INT(ref(st, a, 0, -1, 0), AV_OK);                       /* rolled back */
    CHECK_INT(objects_refs(st, a), 2);
    CHECK_INT(ref(st, a, 0, -1, 1), AV_OK);
    CHECK_INT(objects_refs(st, a), 1);
    close_env(&v);
}

static void erased_only_by_the_purge(void)
{
    env v;
    av_store *st = open_env(&v);
    av_err e;
    char a[65];
    CHECK_INT(objects_write(st, CONTENT, strlen(CONTENT), a, &e), AV_OK);
    CHECK_INT(ref(st, a, (int64_t)strlen(CONTENT), 1, 1), AV_OK);
    CHECK_INT(ref(st, a, 0, -1, 1), AV_OK);
    CHECK_INT(objects_refs(st, a), 0);
    CHECK(file_exists(&v, a));                                    /* erased only by the purge */
    CHECK_INT(ref(st, a, 0, -1, 1), AV_ENOTFOUND);                /* no reference left to release */
    CHECK_INT(ref(st, a, 0, 1, 1), AV_OK);                        /* taken back before the purge */
    av_store_purge(st, &e);
    CHECK(file_exists(&v, a));
    CHECK_INT(ref(st, a, 0, -1, 1), AV_OK);
    CHECK_INT(av_store_purge(st, &e), AV_OK);
    CHECK(!file_exists(&v, a));
    void *data;
    size_t n;
    CHECK_INT(objects_read(st, a, &data, &n, &e), AV_ENOTFOUND);
    av_store_close(st);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "grep -rq OBJECT-CONTENT-5f1c '%s'", v.dir);
    CHECK(system(cmd) != 0);                                      /* the bytes are gone from the data dir */
    test_rmdir(v.dir);
}

static void bad_input_refused(void)
{
    env v;
    av_store *st = open_env(&v);
    av_err e;
    void *data;
    size_t n;
    char b[65];
    CHECK_INT(objects_read(st, "../../etc/passwd", &data, &n, &e), AV_EINVAL);
    CHECK_INT(ref(st, "not-a-sha", 0, 1, 1), AV_EINVAL);
    char *big = xcalloc(AV_OBJECT_MAX + 1, 1);
    CHECK_INT(objects_write(st, big, AV_OBJECT_MAX + 1, b, &e), AV_ELIMIT);
    free(big);
    close_env(&v);
}

TEST_MAIN(TEST_CASE(identical_bytes_stored_once), TEST_CASE(counts_change_inside_transactions),
          TEST_CASE(erased_only_by_the_purge), TEST_CASE(bad_input_refused))
