/*
 * test_job.c — annotation jobs (src/core/dataset/job.c) without HTTP: creating over a directory (the
 * job's own dataset, imported in the same transaction) or over an existing dataset, every refused
 * spec changing nothing, deleting with the reference rule for source files, the all-or-nothing
 * image delete, and the sync that brings files added to or removed from the path into the job.
 */
#include "dstest.h"
#include "lib/util.h"

/* Jobs of the project (total) and datasets of the project (total). */
static int64_t job_count(av_store *st)
{
    json_object *out = NULL;
    int64_t total = -1;
    CHECK_INT(av_job_list(st, P, NULL, 0, 0, 0, 100, &out, &total, NULL), AV_OK);
    json_object_put(out);
    return total;
}

static int64_t dataset_count(av_store *st)
{
    json_object *out = NULL;
    int64_t total = -1;
    CHECK_INT(av_dataset_list(st, P, NULL, -1, 0, 0, 0, 100, &out, &total, NULL), AV_OK);
    json_object_put(out);
    return total;
}

static int64_t job_int(av_store *st, int64_t num, const char *k)
{
    json_object *d = NULL;
    int64_t v = -1;
    if (av_job_get(st, P, NULL, num, &d, NULL) == AV_OK) v = int_of(d, k);
    json_object_put(d);
    return v;
}

static int64_t new_job(av_store *st, const char *name, const char *path, char id[37])
{
    av_job_spec spec = { .name = name, .kind = AV_JOB_CLASSIFY, .path = path };
    int64_t num = 0;
    av_err e;
    CHECK_INT(av_job_create(st, P, &spec, id, &num, &e), AV_OK);
    return num;
}

static void create_over_a_path(void)
{
    ds_env env;
    av_store *st = env_open(&env, "jobcreate");
    put(st, "/bkt/in/a.jpg", "a");
    put(st, "/bkt/in/b.jpg", "b");
    put(st, "/bkt/in/sub/c.jpg", "c");
    put(st, "/bkt/out/x.jpg", "x");
    char id[37], id2[37];
    int64_t num = new_job(st, "first", "/bkt/in/", id);
    CHECK_INT(strlen(id), 36);
    CHECK(id[14] == '4');                                  /* a version 4 UUID */
    CHECK(num >= 1);
    json_object *d = NULL;
    av_err e;
    CHECK_INT(av_job_get(st, P, id, 0, &d, &e), AV_OK);
    CHECK_INT(int_of(d, "num"), num);
    CHECK_INT(int_of(d, "total"), 3);
    CHECK_INT(int_of(d, "unannotated"), 3);
    CHECK_STR(str_of(d, "path"), "/bkt/in/");
    CHECK(json_object_get_boolean(member(d, "owns_dataset")));
    CHECK(member(d, "pass_rate") == NULL);
    char ds[20];
    snprintf(ds, sizeof ds, "%s", str_of(d, "dataset_id"));
    json_object_put(d);
    CHECK_INT(ds_count(st, ds, "total"), 3);               /* the images ARE the dataset's samples */
    CHECK_INT(ds_count(st, ds, "type"), 0);
    int64_t num2 = new_job(st, "second", "/bkt/out/", id2);
    CHECK(num2 > num);
    CHECK_INT(job_int(st, num2, "total"), 1);
    CHECK_INT(av_job_get(st, P, NULL, num2 + 1, &d, &e), AV_ENOTFOUND);
    CHECK_ERR(e, AV_ENOTFOUND, AV_ENT_JOB, NULL);
    env_close(&env);
}

static void refused_specs_change_nothing(void)
{
    ds_env env;
    av_store *st = env_open(&env, "jobspec");
    put(st, "/bkt/in/a.jpg", "a");
    char other[20], used[20], id[37];
    new_dataset(st, "other", "/bkt/other/", other);       /* type 0 */
    new_job(st, "taken", "/bkt/in/", id);
    json_object *d = NULL;
    av_job_get(st, P, id, 0, &d, NULL);
    snprintf(used, sizeof used, "%s", str_of(d, "dataset_id"));
    json_object_put(d);
    char long_name[AV_JOB_NAME_MAX + 2], long_desc[AV_DS_DESC_MAX + 2];
    memset(long_name, 'n', sizeof long_name - 1), long_name[sizeof long_name - 1] = 0;
    memset(long_desc, 'd', sizeof long_desc - 1), long_desc[sizeof long_desc - 1] = 0;
    static const struct { const char *name, *desc; int kind; const char *path, *ds; int code, entity, reason; } rows[] = {
        { NULL, NULL, 0, "/bkt/in/", NULL, AV_EINVAL, AV_ENT_JOB, AV_R_MISSING },
        { "", NULL, 0, "/bkt/in/", NULL, AV_EINVAL, AV_ENT_JOB, AV_R_NONE },
        { "a\tb", NULL, 0, "/bkt/in/", NULL, AV_EINVAL, AV_ENT_JOB, AV_R_NONE },
        { "LONG", NULL, 0, "/bkt/in/", NULL, AV_EINVAL, AV_ENT_JOB, AV_R_NONE },
        { "x", "LONG", 0, "/bkt/in/", NULL, AV_ELIMIT, AV_ENT_JOB, AV_R_NONE },
        { "x", NULL, 2, "/bkt/in/", NULL, AV_EINVAL, AV_ENT_JOB, AV_R_NONE },
        { "x", NULL, 0, NULL, NULL, AV_EINVAL, AV_ENT_JOB, AV_R_MISSING },
        { "x", NULL, 0, "/bkt/in/", "OTHER", AV_EINVAL, AV_ENT_JOB, AV_R_MISSING },
        { "x", NULL, 0, "/bkt/../in/", NULL, AV_EINVAL, AV_ENT_FILE, AV_R_NONE },
        { "x", NULL, 0, "/bkt/in", NULL, AV_EINVAL, AV_ENT_FILE, AV_R_NONE },
        { "x", NULL, 0, NULL, "NoSuchDataset000000", AV_ENOTFOUND, AV_ENT_DATASET, AV_R_NONE },
        { "x", NULL, 1, NULL, "OTHER", AV_EINVAL, AV_ENT_DATASET, AV_R_NONE },
        { "x", NULL, 0, NULL, "USED", AV_EEXIST, AV_ENT_JOB, AV_R_NONE },
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        int mark = test_failed;
        const char *ds = rows[i].ds && strcmp(rows[i].ds, "OTHER") == 0 ? other : rows[i].ds && strcmp(rows[i].ds, "USED") == 0 ? used : rows[i].ds;
        av_job_spec spec = { .name = rows[i].name && strcmp(rows[i].name, "LONG") == 0 ? long_name : rows[i].name,
                             .description = rows[i].desc ? long_desc : NULL, .kind = rows[i].kind, .path = rows[i].path, .dataset_id = ds };
        av_err e;
        char out[37];
        CHECK_INT(av_job_create(st, P, &spec, out, NULL, &e), rows[i].code);
        CHECK_INT(e.entity, rows[i].entity);
        CHECK_INT(e.reason, rows[i].reason);
        CHECK(e.msg[0] != 0);
        CHECK_INT(job_count(st), 1);
        CHECK_INT(dataset_count(st), 2);
        test_row(mark, i, rows[i].name);
    }
    av_job_spec ok = { .name = "borrowed", .kind = AV_JOB_CLASSIFY, .dataset_id = other };
    av_err e;
    CHECK_INT(av_job_create(st, P, &ok, id, NULL, &e), AV_OK);
    CHECK_INT(dataset_count(st), 2);                       /* over an existing dataset: no new one */
    env_close(&env);
}

static void delete_follows_the_reference_rule(void)
{
    ds_env env;
    av_store *st = env_open(&env, "jobdel");
    put(st, "/bkt/in/shared.jpg", "s");
    put(st, "/bkt/in/solo.jpg", "o");
    put(st, "/bkt/in/ver.jpg", "v");
    char other[20], id[37], ds[20], vid[20];
    new_dataset(st, "other", "/bkt/other/", other);
    CHECK_INT(add_source(st, other, "/bkt/in/shared.jpg", NULL, 0, NULL), AV_OK);
    int64_t num = new_job(st, "doomed", "/bkt/in/", id);
    json_object *d = NULL;
    av_job_get(st, P, id, 0, &d, NULL);
    snprintf(ds, sizeof ds, "%s", str_of(d, "dataset_id"));
    json_object_put(d);
    av_err e;
    CHECK_INT(av_version_create(st, P, ds, NULL, vid, &e), AV_OK);
    CHECK_INT(av_job_set_pass_rate(st, P, id, 0.5, &e), AV_OK);
    CHECK_INT(av_job_delete(st, P, "00000000-0000-4000-8000-000000000000", &e), AV_ENOTFOUND);
    CHECK_ERR(e, AV_ENOTFOUND, AV_ENT_JOB, "00000000-0000-4000-8000-000000000000");
    CHECK_INT(job_count(st), 1);
    CHECK_INT(av_job_delete(st, P, id, &e), AV_OK);
    CHECK_INT(job_count(st), 0);
    CHECK_INT(av_job_get(st, P, NULL, num, &d, &e), AV_ENOTFOUND);
    CHECK_INT(av_dataset_get(st, P, ds, &d, &e), AV_ENOTFOUND);   /* the job's dataset went with it */
    CHECK(file_there(st, "/bkt/in/shared.jpg"));                   /* another dataset uses it */
    CHECK(!file_there(st, "/bkt/in/solo.jpg"));
    CHECK(!file_there(st, "/bkt/in/ver.jpg"));                     /* only the job's own version held it */
    CHECK_INT(ds_count(st, other, "total"), 1);
    CHECK_INT(av_job_delete(st, P, id, &e), AV_ENOTFOUND);
    /* a job over an existing dataset leaves the dataset, its samples and files */
    av_job_spec spec = { .name = "borrowed", .kind = AV_JOB_CLASSIFY, .dataset_id = other };
    CHECK_INT(av_job_create(st, P, &spec, id, NULL, &e), AV_OK);
    CHECK_INT(av_job_delete(st, P, id, &e), AV_OK);
    CHECK_INT(ds_count(st, other, "total"), 1);
    CHECK(file_there(st, "/bkt/in/shared.jpg"));
    /* deleting the dataset deletes its job */
    CHECK_INT(av_job_create(st, P, &spec, id, NULL, &e), AV_OK);
    CHECK_INT(av_dataset_delete(st, P, other, &e), AV_OK);
    CHECK_INT(job_count(st), 0);
    env_close(&env);
}

static void image_deletes_are_all_or_nothing(void)
{
    ds_env env;
    av_store *st = env_open(&env, "jobimg");
    put(st, "/bkt/in/a.jpg", "a");
    put(st, "/bkt/in/b.jpg", "b");
    put(st, "/bkt/in/c.jpg", "c");
    char id[37], ds[20], a[33], b[33], c[33];
    int64_t num = new_job(st, "imgs", "/bkt/in/", id);
    json_object *d = NULL;
    av_job_get(st, P, id, 0, &d, NULL);
    snprintf(ds, sizeof ds, "%s", str_of(d, "dataset_id"));
    json_object_put(d);
    sample_named(st, ds, "a.jpg", a);
    sample_named(st, ds, "b.jpg", b);
    sample_named(st, ds, "c.jpg", c);
    const char *unknown = "ffffffffffffffffffffffffffffffff";
    static const struct { int n, code, reason, index; } rows[] = {
        { 0, AV_ELIMIT, AV_R_NONE, -1 },               /* nothing */
        { 2, AV_ENOTFOUND, AV_R_NONE, 1 },             /* a, unknown */
        { 3, AV_EINVAL, AV_R_DUPLICATE, 2 },           /* a, b, a */
        { 2, AV_EINVAL, AV_R_MISSING, 1 },             /* a, "" */
        { AV_DS_BATCH_MAX + 1, AV_ELIMIT, AV_R_NONE, -1 },
    };
    const char *lists[][3] = { { a }, { a, unknown }, { a, b, a }, { a, "" }, { a } };
    const char **big = xcalloc(AV_DS_BATCH_MAX + 1, sizeof *big);
    for (int i = 0; i <= AV_DS_BATCH_MAX; i++) big[i] = a;
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        int mark = test_failed;
        av_err e;
        const char *const *ids = rows[i].n > 3 ? big : lists[i];
        CHECK_INT(av_job_images_delete(st, P, num, ids, rows[i].n, &e), rows[i].code);
        CHECK_INT(e.reason, rows[i].reason);
        if (rows[i].index >= 0) CHECK_INT(e.index, rows[i].index);
        CHECK_INT(ds_count(st, ds, "total"), 3);
        CHECK(file_there(st, "/bkt/in/a.jpg"));
        test_row(mark, i, NULL);
    }
    free(big);
    av_err e;
    CHECK_INT(av_job_images_delete(st, P, num, (const char *[]){ a, unknown }, 2, &e), AV_ENOTFOUND);
    CHECK_ERR(e, AV_ENOTFOUND, AV_ENT_SAMPLE, unknown);
    CHECK_INT(av_job_images_delete(st, P, num + 1, (const char *[]){ a }, 1, &e), AV_ENOTFOUND);
    CHECK_INT(e.entity, AV_ENT_JOB);
    CHECK_INT(av_job_images_delete(st, P, num, (const char *[]){ a, b }, 2, &e), AV_OK);
    CHECK_INT(ds_count(st, ds, "total"), 1);
    CHECK_INT(ds_count(st, ds, "deleted"), 2);
    CHECK_INT(job_int(st, num, "total"), 1);
    CHECK(!file_there(st, "/bkt/in/a.jpg"));
    CHECK(!file_there(st, "/bkt/in/b.jpg"));
    CHECK(file_there(st, "/bkt/in/c.jpg"));
    CHECK_INT(av_job_images_delete(st, P, num, (const char *[]){ a }, 1, &e), AV_ENOTFOUND);   /* deleted: unknown now */
    (void)c;
    env_close(&env);
}

static void sync_follows_the_path(void)
{
    ds_env env;
    av_store *st = env_open(&env, "jobsync");
    put(st, "/bkt/in/a.jpg", "a");
    char id[37], plain[20];
    int64_t num = new_job(st, "synced", "/bkt/in/", id);
    CHECK_INT(job_int(st, num, "sync_status"), 0);
    put(st, "/bkt/in/b.jpg", "b");
    put(st, "/bkt/in/deep/c.jpg", "c");
    put(st, "/bkt/elsewhere/d.jpg", "d");
    av_job_sync_result r;
    av_err e;
    CHECK_INT(av_job_sync(st, P, num, &r, &e), AV_OK);
    CHECK_INT(r.added, 2);
    CHECK_INT(r.removed, 0);
    CHECK_INT(job_int(st, num, "total"), 3);
    CHECK_INT(job_int(st, num, "sync_status"), 1);
    CHECK_INT(av_job_sync(st, P, num, &r, &e), AV_OK);
    CHECK_INT(r.added + r.removed, 0);
    av_file_refs refs;
    CHECK_INT(av_file_delete(st, P, "/bkt/in/b.jpg", 1, &refs, &e), AV_OK);   /* in use: marked */
    CHECK_INT(refs.removed, 0);
    CHECK_INT(av_job_sync(st, P, num, &r, &e), AV_OK);
    CHECK_INT(r.removed, 1);
    CHECK_INT(job_int(st, num, "total"), 2);
    CHECK(!file_there(st, "/bkt/in/b.jpg"));                                  /* and the marked file went */
    CHECK_INT(av_job_sync(st, P, num + 1, &r, &e), AV_ENOTFOUND);
    av_dataset_spec spec = { .name = "nopath" };
    CHECK_INT(av_dataset_create(st, P, &spec, plain, &e), AV_OK);
    av_job_spec js = { .name = "nopath", .kind = AV_JOB_CLASSIFY, .dataset_id = plain };
    int64_t n2;
    CHECK_INT(av_job_create(st, P, &js, id, &n2, &e), AV_OK);
    CHECK_INT(av_job_sync(st, P, n2, &r, &e), AV_EINVAL);
    CHECK_INT(e.reason, AV_R_MISSING);
    env_close(&env);
}

static void update_and_pass_rate(void)
{
    ds_env env;
    av_store *st = env_open(&env, "jobupd");
    char id[37];
    int64_t num = new_job(st, "old", "/bkt/in/", id);
    av_err e;
    CHECK_INT(av_job_update(st, P, id, "new", "desc", &e), AV_OK);
    CHECK_INT(av_job_update(st, P, id, "newer", NULL, &e), AV_OK);
    json_object *d = NULL;
    CHECK_INT(av_job_get(st, P, NULL, num, &d, &e), AV_OK);
    CHECK_STR(str_of(d, "name"), "newer");
    CHECK_STR(str_of(d, "description"), "desc");
    json_object_put(d);
    CHECK_INT(av_job_update(st, P, id, "", NULL, &e), AV_EINVAL);
    CHECK_INT(av_job_update(st, P, "nope", "x", NULL, &e), AV_ENOTFOUND);
    CHECK_INT(e.entity, AV_ENT_JOB);
    CHECK_INT(av_job_set_pass_rate(st, P, id, 1.5, &e), AV_EINVAL);
    CHECK_INT(av_job_set_pass_rate(st, P, id, -0.0001, &e), AV_EINVAL);
    CHECK_INT(av_job_set_pass_rate(st, P, id, 0.85, &e), AV_OK);
    CHECK_INT(av_job_get(st, P, id, 0, &d, &e), AV_OK);
    CHECK(json_object_get_double(member(d, "pass_rate")) == 0.85);
    CHECK_STR(str_of(d, "name"), "newer");
    json_object_put(d);
    json_object *list = NULL;
    int64_t total;
    new_job(st, "alpha", "/bkt/a/", id);
    CHECK_INT(av_job_list(st, P, NULL, 1, 1, 0, 10, &list, &total, &e), AV_OK);
    CHECK_INT(total, 2);
    CHECK_STR(str_of(json_object_array_get_idx(list, 0), "name"), "alpha");
    json_object_put(list);
    CHECK_INT(av_job_list(st, P, "ew", 0, 0, 0, 10, &list, &total, &e), AV_OK);
    CHECK_INT(total, 1);
    json_object_put(list);
    env_close(&env);
}

TEST_MAIN(TEST_CASE(create_over_a_path), TEST_CASE(refused_specs_change_nothing), TEST_CASE(delete_follows_the_reference_rule),
          TEST_CASE(image_deletes_are_all_or_nothing), TEST_CASE(sync_follows_the_path), TEST_CASE(update_and_pass_rate))
