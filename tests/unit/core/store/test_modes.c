/*
 * test_modes.c — every file the store creates in the data dir is the user's alone: files 0600,
 * directories 0700, whatever the umask (src/core/store/store.c, health.c; objects.c and
 * collection_snapshot.c create theirs with the same modes). The CLI also sets umask 077, but the
 * engine is a library and must not rely on its caller's umask, so these cases run under umask 0.
 *
 *  every_file_private: a new store (the dir itself, annovec.db, -wal and -shm while open, the
 *    reserve file), a dataset source file (objects/, objects/<2 hex>/, the object, objects/tmp) and
 *    an HNSW snapshot written at close: each is named and checked, then the whole tree is walked.
 *  admin_open_private: the credential commands' connection (av_store_open_admin) on a new dir.
 *  loose_database_tightened: a database an older version left 0644 (and its WAL) is 0600 after open.
 */
#include "annovec.h"
#include "annovec_dataset.h"
#include "core/store/store.h"
#include "test.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIM 8

static const char *P = "0123456789abcdef0123456789abcdef";

/* The permission bits of path, or -1 when it does not exist. */
static int mode_of(const char *dir, const char *name)
{
    char path[1400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat sb;
    return stat(path, &sb) == 0 ? (int)(sb.st_mode & 07777) : -1;
}

#define CHECK_MODE(dir, name, want) do { \
    int m_ = mode_of(dir, name); \
    if (m_ != (want)) fprintf(stderr, "  %s/%s: mode %o, want %o\n", dir, name, m_ < 0 ? 0 : m_, want); \
    CHECK_INT(m_, want); \
} while (0)

/* Walks dir: every regular file 0600, every directory 0700. Returns the number of files seen. */
static int walk_private(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    CHECK(d != NULL);
    for (struct dirent *de; d && (de = readdir(d));) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        char path[1400];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat sb;
        if (lstat(path, &sb) != 0) continue;
        int m = (int)(sb.st_mode & 07777);
        if (S_ISDIR(sb.st_mode)) {
            if (m != 0700) fprintf(stderr, "  directory %s: mode %o, want 700\n", path, m);
            CHECK_INT(m, 0700);
            n += walk_private(path);
        } else {
            if (m != 0600) fprintf(stderr, "  file %s: mode %o, want 600\n", path, m);
            CHECK_INT(m, 0600);
            n++;
        }
    }
    if (d) closedir(d);
    return n;
}

/* The name of the first entry of dir starting with prefix ("" when none). */
static void find_entry(const char *dir, const char *prefix, char *out, size_t n)
{
    DIR *d = opendir(dir);
    out[0] = 0;
    for (struct dirent *de; d && (de = readdir(d));)
        if (strncmp(de->d_name, prefix, strlen(prefix)) == 0 && strcmp(de->d_name, "tmp") != 0 && de->d_name[0] != '.') {
            snprintf(out, n, "%s", de->d_name);
            break;
        }
    if (d) closedir(d);
}

static void every_file_private(void)
{
    mode_t old = umask(0);
    char tmp[128], dir[160];
    test_tmpdir(tmp, sizeof tmp, "modes");
    snprintf(dir, sizeof dir, "%s/data", tmp);   /* created by the store */
    av_store *st = NULL;
    av_err e;
    CHECK_INT(av_store_open(dir, &st, &e), AV_OK);
    if (!st) { umask(old); return; }
    char id[33];
    CHECK_INT(av_project_resolve(st, P, 1, id, &e), AV_OK);

    /* a collection with an HNSW index (snapshotted at close) and some rows: the WAL and shm exist */
    av_schema s;
    av_schema_init(&s);
    snprintf(s.name, sizeof s.name, "m");
    snprintf(s.index_type, sizeof s.index_type, "HNSW");
    av_field *f = av_schema_add_field(&s, "id", AV_T_INT64);
    f->primary = 1;
    av_schema_add_field(&s, "vector", AV_T_FLOAT_VECTOR)->dim = DIM;
    CHECK_INT(av_collection_create(st, P, "default", &s, &e), AV_OK);
    av_schema_free(&s);
    av_collection *c = NULL;
    CHECK_INT(av_collection_open(st, P, "default", "m", &c, &e), AV_OK);
    enum { N = 64 };
    static float v[N * DIM];
    av_row rows[N];
    for (int i = 0; i < N; i++) {
        for (int d = 0; d < DIM; d++) v[i * DIM + d] = (float)(i * 7 + d);
        rows[i] = (av_row){ { 0, i, NULL }, v + i * DIM, NULL };
    }
    if (c) CHECK_INT(av_insert(c, rows, N, 0, NULL, &e), AV_OK);
    if (c) av_collection_release(c);

    /* a dataset source file: the object store */
    CHECK_INT(av_file_put(st, P, "/in/a.txt", "hello modes", 11, &e), AV_OK);

    CHECK_MODE(tmp, "data", 0700);
    CHECK_MODE(dir, "annovec.db", 0600);
    CHECK_MODE(dir, "annovec.db-wal", 0600);
    CHECK_MODE(dir, "annovec.db-shm", 0600);
    CHECK_MODE(dir, "reserve", 0600);
    CHECK_MODE(dir, "objects", 0700);
    CHECK_MODE(dir, "objects/tmp", 0700);
    char objdir[600], sub[300], obj[300];
    snprintf(objdir, sizeof objdir, "%s/objects", dir);
    find_entry(objdir, "", sub, sizeof sub);
    CHECK(sub[0] != 0);
    snprintf(objdir, sizeof objdir, "%s/objects/%s", dir, sub);
    CHECK_MODE(objdir, "", 0700);
    find_entry(objdir, "", obj, sizeof obj);
    CHECK(strlen(obj) == 64);                    /* objects/<2 hex>/<sha256> */
    CHECK_MODE(objdir, obj, 0600);
    CHECK(walk_private(dir) >= 5);

    av_store_close(st);
    char snap[300];
    find_entry(dir, "vecindex-", snap, sizeof snap);
    CHECK(snap[0] != 0);                         /* the HNSW snapshot written at close */
    if (snap[0]) CHECK_MODE(dir, snap, 0600);
    CHECK(walk_private(dir) >= 3);
    umask(old);
    test_rmdir(tmp);
}

static void admin_open_private(void)
{
    mode_t old = umask(0);
    char tmp[128], dir[160];
    test_tmpdir(tmp, sizeof tmp, "modes");
    snprintf(dir, sizeof dir, "%s/data", tmp);
    sqlite3 *db = NULL;
    av_err e;
    CHECK_INT(av_store_open_admin(dir, &db, &e), AV_OK);
    CHECK_MODE(tmp, "data", 0700);
    CHECK_MODE(dir, "annovec.db", 0600);
    CHECK_MODE(dir, "annovec.db-wal", 0600);
    CHECK_MODE(dir, "annovec.db-shm", 0600);
    walk_private(dir);
    sqlite3_close(db);
    umask(old);
    test_rmdir(tmp);
}

static void loose_database_tightened(void)
{
    mode_t old = umask(0);
    char tmp[128], dir[160], path[256];
    test_tmpdir(tmp, sizeof tmp, "modes");
    snprintf(dir, sizeof dir, "%s/data", tmp);
    sqlite3 *db = NULL;
    av_err e;
    CHECK_INT(av_store_open_admin(dir, &db, &e), AV_OK);
    sqlite3_close(db);
    snprintf(path, sizeof path, "%s/annovec.db", dir);
    CHECK_INT(chmod(path, 0644), 0);
    CHECK_MODE(dir, "annovec.db", 0644);
    av_store *st = NULL;
    CHECK_INT(av_store_open(dir, &st, &e), AV_OK);
    CHECK_MODE(dir, "annovec.db", 0600);
    CHECK_MODE(dir, "annovec.db-wal", 0600);
    walk_private(dir);
    if (st) av_store_close(st);
    umask(old);
    test_rmdir(tmp);
}

TEST_MAIN(TEST_CASE(every_file_private), TEST_CASE(admin_open_private), TEST_CASE(loose_database_tightened))
