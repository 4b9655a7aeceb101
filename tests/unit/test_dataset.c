/*
 * test_dataset.c — the dataset engine without HTTP: path validation, base64 decoding, and the
 * source-file reference rule (a path shared by two datasets and a version is removed only with its
 * last reference, and a failed batch changes nothing).
 */
#include "annovec_dataset.h"
#include "lib/util.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *P = "0123456789abcdef0123456789abcdef";

static void test_paths(void)
{
    CHECK(av_path_ok("/bkt/dir/a.jpg", 0));
    CHECK(av_path_ok("/bkt/dir/", 1));
    CHECK(!av_path_ok("/bkt/dir/", 0));              /* a directory is not a file */
    CHECK(!av_path_ok("/bkt/../etc/passwd", 0));
    CHECK(!av_path_ok("/bkt/./a", 0));
    CHECK(!av_path_ok("/bkt//a", 0));
    CHECK(!av_path_ok("bkt/a", 0));
    CHECK(!av_path_ok("/bkt", 0));                   /* a bucket alone */
    CHECK(!av_path_ok("/bkt/a\nb", 0));
    CHECK(!av_path_ok("/bkt/a\\b", 0));
    CHECK(av_path_ok("/bkt/..a/b..", 0));            /* dots inside names are fine */
}

static void test_base64(void)
{
    unsigned char *out;
    size_t n;
    CHECK_INT(av_base64_decode("aGVsbG8=", 8, &out, &n), 0);
    CHECK(n == 5 && memcmp(out, "hello", 5) == 0);
    free(out);
    CHECK_INT(av_base64_decode("aGVsbG8", 7, &out, &n), 0);     /* padding optional */
    CHECK(n == 5 && memcmp(out, "hello", 5) == 0);
    free(out);
    CHECK_INT(av_base64_decode("-_8=", 4, &out, &n), 0);         /* URL alphabet */
    CHECK(n == 2 && out[0] == 0xfb && out[1] == 0xff);
    free(out);
    CHECK_INT(av_base64_decode("a***", 4, &out, &n), -1);
    CHECK_INT(av_base64_decode("aGVsb", 5, &out, &n), -1);       /* 4k+1 characters cannot be */
    CHECK_INT(av_base64_decode("", 0, &out, &n), 0);
    CHECK_INT(n, 0);
    free(out);
}

static char *new_dataset(av_store *st, const char *name, const char *data_path, char id[20])
{
    json_object *spec = json_object_new_object();
    json_object_object_add(spec, "dataset_name", json_object_new_string(name));
    json_object_object_add(spec, "data_path", json_object_new_string(data_path));
    json_object_object_add(spec, "work_path", json_object_new_string("/bkt/out/"));
    av_err e;
    CHECK_INT(av_dataset_create(st, P, spec, id, &e), AV_OK);
    json_object_put(spec);
    return id;
}

static int file_there(av_store *st, const char *path)
{
    void *d;
    size_t n;
    int rc = av_file_read(st, P, path, &d, &n, NULL);
    free(d);
    return rc == AV_OK;
}

static void sample_ids(av_store *st, const char *ds, char ids[][33], int max, int *n)
{
    av_sample_query q = { .limit = max, .state = -1, .type = -1 };
    json_object *docs;
    int64_t total;
    *n = 0;
    CHECK_INT(av_samples_list(st, P, ds, &q, &docs, &total, NULL), AV_OK);
    for (size_t i = 0; i < json_object_array_length(docs) && *n < max; i++) {
        json_object *id = NULL;
        json_object_object_get_ex(json_object_array_get_idx(docs, i), "id", &id);
        snprintf(ids[(*n)++], 33, "%s", json_object_get_string(id));
    }
    json_object_put(docs);
}

static void test_reference_rule(const char *dir)
{
    av_store *st;
    av_err e;
    CHECK_INT(av_store_open(dir, &st, &e), AV_OK);
    av_project_resolve(st, P, 1, (char[33]){ 0 }, &e);
    CHECK_INT(av_file_put(st, P, "/bkt/shared/x.png", "xbytes", 6, &e), AV_OK);
    char a[20], b[20], v[20], ia[4][33], ib[4][33];
    int na, nb;
    new_dataset(st, "a", "/bkt/shared/", a);
    new_dataset(st, "b", "/bkt/b/", b);
    av_sample_in in = { .source = "/bkt/shared/x.png", .type = -1 };
    json_object *res;
    CHECK_INT(av_samples_add(st, P, b, &in, 1, 1, &res, &e), AV_OK);
    json_object_put(res);
    json_object *vspec = json_object_new_object();
    CHECK_INT(av_version_create(st, P, b, vspec, v, &e), AV_OK);
    json_object_put(vspec);
    sample_ids(st, a, ia, 4, &na);
    sample_ids(st, b, ib, 4, &nb);
    CHECK(na == 1 && nb == 1);

    const char *ids[] = { ia[0], "ffffffffffffffffffffffffffffffff" };
    int ok;
    CHECK_INT(av_samples_delete(st, P, a, ids, 2, 1, &res, &ok, &e), AV_OK);
    CHECK(!ok && json_object_array_length(res) == 2);
    json_object_put(res);
    CHECK(file_there(st, "/bkt/shared/x.png"));                 /* dataset b and the version use it */
    const char *idb[] = { ib[0] };
    CHECK_INT(av_samples_delete(st, P, b, idb, 1, 0, &res, &ok, &e), AV_OK);
    json_object_put(res);
    CHECK(file_there(st, "/bkt/shared/x.png"));                 /* the version still does */
    CHECK_INT(av_version_delete(st, P, b, v, &e), AV_OK);
    CHECK(!file_there(st, "/bkt/shared/x.png"));                /* asked for by a, done with the last reference */
    CHECK_INT(av_version_delete(st, P, b, v, &e), AV_ENOTFOUND);
    CHECK_INT(e.entity, AV_ENT_VERSION);
    CHECK_INT(av_dataset_delete(st, P, "nope", &e), AV_ENOTFOUND);
    CHECK_INT(e.entity, AV_ENT_DATASET);
    av_store_close(st);
}

int main(void)
{
    char dir[] = "/tmp/avtest-dataset-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    test_paths();
    test_base64();
    test_reference_rule(dir);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) return 1;
    return test_summary();
}
