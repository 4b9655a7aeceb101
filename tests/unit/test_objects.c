/*
 * test_objects.c — the content-addressed object store: identical bytes stored once, counts changed
 * inside transactions (a rolled-back change changes nothing), a file erased only after its count
 * reached 0 and the purge ran (and not when it was referenced again first), bytes gone from the disk.
 */
#include "annovec.h"
#include "core/dataset/objects.h"
#include "core/store/store.h"
#include "lib/util.h"
#include "test.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[128];

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

static int file_exists(const char *sha)
{
    char path[512];
    struct stat sb;
    snprintf(path, sizeof path, "%s/objects/%.2s/%s", dir, sha, sha);
    return stat(path, &sb) == 0;
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/avtest-obj-%d", (int)getpid());
    av_store *st;
    av_err e;
    CHECK_INT(av_store_open(dir, &st, &e), AV_OK);
    const char *content = "OBJECT-CONTENT-5f1c: a tiny image";
    char a[65], b[65];
    CHECK_INT(objects_write(st, content, strlen(content), a, &e), AV_OK);
    CHECK_INT(objects_write(st, content, strlen(content), b, &e), AV_OK);
    CHECK_STR(a, b);                                              /* identical bytes, one object */
    CHECK(file_exists(a));
    CHECK_INT(ref(st, a, (int64_t)strlen(content), 1, 1), AV_OK);
    CHECK_INT(ref(st, a, (int64_t)strlen(content), 1, 1), AV_OK);
    CHECK_INT(objects_refs(st, a), 2);
    CHECK_INT(ref(st, a, 0, -1, 0), AV_OK);                         /* rolled back */
    CHECK_INT(objects_refs(st, a), 2);
    void *data; size_t n;
    CHECK_INT(objects_read(st, a, &data, &n, &e), AV_OK);
    CHECK(n == strlen(content) && memcmp(data, content, n) == 0);
    free(data);
    CHECK_INT(ref(st, a, 0, -1, 1), AV_OK);
    CHECK_INT(ref(st, a, 0, -1, 1), AV_OK);
    CHECK_INT(objects_refs(st, a), 0);
    CHECK(file_exists(a));                                        /* erased only by the purge */
    CHECK_INT(ref(st, a, 0, -1, 1), AV_ENOTFOUND);                  /* no reference left to release */
    CHECK_INT(ref(st, a, 0, 1, 1), AV_OK);                          /* taken back before the purge */
    av_store_purge(st, &e);
    CHECK(file_exists(a));
    CHECK_INT(ref(st, a, 0, -1, 1), AV_OK);
    CHECK_INT(av_store_purge(st, &e), AV_OK);
    CHECK(!file_exists(a));
    CHECK_INT(objects_read(st, a, &data, &n, &e), AV_ENOTFOUND);
    CHECK_INT(objects_read(st, "../../etc/passwd", &data, &n, &e), AV_EINVAL);
    CHECK_INT(ref(st, "not-a-sha", 0, 1, 1), AV_EINVAL);
    char *big = xcalloc(AV_OBJECT_MAX + 1, 1);
    CHECK_INT(objects_write(st, big, AV_OBJECT_MAX + 1, b, &e), AV_ELIMIT);
    free(big);
    av_store_close(st);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "grep -rq OBJECT-CONTENT-5f1c '%s'", dir);
    CHECK(system(cmd) != 0);                                      /* the bytes are gone from the data dir */
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) return 1;
    return test_summary();
}
