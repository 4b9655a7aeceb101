/*
 * test_sample.c — samples (src/core/dataset/sample.c) without HTTP: a batch add where each sample
 * succeeds or fails alone (and a failed one leaves nothing behind), text files into text datasets,
 * updates that are all or nothing, batch deletes (results per id, the deleted count, the source
 * rule), and listing: paging and every filter, on live and on frozen samples.
 */
#include "dstest.h"
#include "lib/util.h"

static void add_reports_each_sample(void)
{
    ds_env env;
    av_store *st = env_open(&env, "sadd");
    char id[20];
    new_dataset(st, "add", "/bkt/in/", id);
    put(st, "/bkt/elsewhere/x.jpg", "x");
    put(st, "/bkt/elsewhere/w.wav", "w");
    json_object *meta = json_object_new_object(), *list = json_object_new_array();
    json_object_object_add(meta, "k", json_object_new_string("v"));
    char *big = xcalloc(AV_DS_SAMPLE_BYTES + 1, 1);
    av_label_def cat[] = { { .name = "cat", .type = -1, .has_score = 1, .score = 0.5 } }, noname[] = { { .name = NULL, .type = -1 } };
    const av_sample_in in[] = {
        { .name = "a.jpg", .type = -1, .data = "aaa", .len = 3, .labels = cat, .nlabels = 1, .metadata = meta },   /* 0 ok */
        { .source = "/bkt/none/y.jpg", .type = -1 },                                                        /* 1 unknown file */
        { .name = "a.jpg", .type = -1, .data = "aaa", .len = 3 },                                          /* 2 same path again */
        { .name = "b.jpg", .type = -1, .data = "other", .len = 5, .source = "/bkt/elsewhere/x.jpg" },      /* 3 both */
        { .type = -1, .data = "nameless", .len = 8 },                                                      /* 4 bytes, no name */
        { .name = "dir/c.jpg", .type = -1, .data = "c", .len = 1 },                                        /* 5 '/' in the name */
        { .name = "big.jpg", .type = -1, .data = big, .len = AV_DS_SAMPLE_BYTES + 1 },                     /* 6 too large */
        { .type = -1 },                                                                                    /* 7 nothing */
        { .source = "/bkt/../x.jpg", .type = -1 },                                                         /* 8 bad path */
        { .name = "m.jpg", .type = -1, .data = "m", .len = 1, .metadata = list },                          /* 9 metadata not an object */
        { .name = "l.jpg", .type = -1, .data = "l", .len = 1, .labels = noname, .nlabels = 1 },            /* 10 a label without name */
        { .source = "/bkt/elsewhere/x.jpg", .type = 6 },                                                   /* 11 ok, its own type */
        { .source = "/bkt/elsewhere/w.wav", .type = 0 },                                                   /* 12 ok, type 0 given */
    };
    const struct { int code, entity, reason; } want[] = {
        { AV_OK, 0, 0 }, { AV_ENOTFOUND, AV_ENT_FILE, 0 }, { AV_EEXIST, AV_ENT_SAMPLE, AV_R_DUPLICATE }, { AV_EINVAL, AV_ENT_SAMPLE, 0 },
        { AV_EINVAL, AV_ENT_SAMPLE, AV_R_MISSING }, { AV_EINVAL, AV_ENT_SAMPLE, AV_R_MISSING }, { AV_ELIMIT, AV_ENT_SAMPLE, 0 },
        { AV_EINVAL, AV_ENT_SAMPLE, AV_R_MISSING }, { AV_EINVAL, AV_ENT_FILE, 0 }, { AV_ETYPE, AV_ENT_SAMPLE, 0 },
        { AV_EINVAL, AV_ENT_LABEL, AV_R_MISSING }, { AV_OK, 0, 0 }, { AV_OK, 0, 0 },
    };
    enum { N = sizeof in / sizeof *in };
    av_sample_result r[N];
    av_err e;
    CHECK_INT(av_samples_add(st, P, id, in, N, 1, r, &e), AV_OK);
    for (int i = 0; i < N; i++) {
        if (r[i].err.code != want[i].code) fprintf(stderr, "  sample %d: %s\n", i, r[i].err.msg);
        CHECK_INT(r[i].ok, want[i].code == AV_OK);
        CHECK_INT(r[i].err.code, want[i].code);
        CHECK_INT(r[i].err.entity, want[i].entity);
        CHECK_INT(r[i].err.reason, want[i].reason);
        CHECK_INT(r[i].err.index, want[i].code == AV_OK ? -1 : i);
    }
    CHECK_STR(r[0].path, "/bkt/in/a.jpg");
    CHECK_INT(strlen(r[0].id), 32);
    CHECK_INT(r[0].count, 1);
    CHECK_STR(r[1].path, "/bkt/none/y.jpg");
    CHECK_STR(r[1].err.name, "/bkt/none/y.jpg");
    CHECK_STR(r[2].path, "/bkt/in/a.jpg");
    CHECK(r[4].path == NULL && r[7].path == NULL);              /* refused before a path was known */
    CHECK_STR(r[9].path, "/bkt/in/m.jpg");
    av_sample_results_free(r, N);
    CHECK(r[0].path == NULL);
    CHECK_INT(ds_count(st, id, "total"), 3);
    CHECK(!file_there(st, "/bkt/in/m.jpg") && !file_there(st, "/bkt/in/l.jpg"));    /* failed samples left no file */
    CHECK(!file_there(st, "/bkt/in/big.jpg"));
    json_object *docs = list_samples(st, id, NULL, NULL);
    json_object *a = json_object_array_get_idx(docs, 0), *x = json_object_array_get_idx(docs, 1);
    CHECK_STR(str_of(member(a, "metadata"), "k"), "v");
    CHECK_INT(int_of(a, "origin"), AV_ORIGIN_ADDED);
    CHECK_INT(int_of(a, "status"), 1);
    json_object *l = json_object_array_get_idx(member(a, "labels"), 0);
    CHECK(json_object_get_double(member(l, "score")) == 0.5);
    CHECK_STR(str_of(l, "annotated_by"), "human");
    CHECK_INT(int_of(x, "type"), 6);
    CHECK_STR(str_of(x, "path"), "/bkt/elsewhere/x.jpg");
    CHECK_INT(int_of(json_object_array_get_idx(docs, 2), "type"), 0);          /* a given type 0 is not "from the extension" (2) */
    json_object_put(docs);
    json_object *labels = NULL;
    CHECK_INT(av_labels_list(st, P, id, NULL, &labels, &e), AV_OK);
    CHECK_INT(json_object_array_length(labels), 1);              /* a sample's new label joins the dataset */
    json_object_put(labels);
    free(big);
    json_object_put(meta);
    json_object_put(list);
    env_close(&env);
}

static void add_batch_limits(void)
{
    ds_env env;
    av_store *st = env_open(&env, "slimits");
    char id[20], noinput[20];
    new_dataset(st, "lim", "/bkt/in/", id);
    av_sample_in one = { .name = "a.jpg", .type = -1, .data = "a", .len = 1 };
    av_sample_in *many = xcalloc(AV_DS_BATCH_MAX + 1, sizeof *many);
    av_sample_result *r = xcalloc(AV_DS_BATCH_MAX + 1, sizeof *r);
    av_err e;
    CHECK_INT(av_samples_add(st, P, id, &one, 0, 1, r, &e), AV_ELIMIT);
    CHECK_INT(av_samples_add(st, P, id, many, AV_DS_BATCH_MAX + 1, 1, r, &e), AV_ELIMIT);
    CHECK_INT(av_samples_add(st, P, "AAAAAAAAAAAAAAAAAAA", &one, 1, 1, r, &e), AV_ENOTFOUND);
    CHECK_ERR(e, AV_ENOTFOUND, AV_ENT_DATASET, "AAAAAAAAAAAAAAAAAAA");
    CHECK_INT(ds_count(st, id, "total"), 0);
    av_dataset_spec spec = { .name = "noinput" };
    CHECK_INT(av_dataset_create(st, P, &spec, noinput, &e), AV_OK);
    CHECK_INT(av_samples_add(st, P, noinput, &one, 1, 1, r, &e), AV_OK);
    CHECK(!r[0].ok);
    CHECK_ERR(r[0].err, AV_EINVAL, AV_ENT_FILE, "");             /* no input path to store bytes in */
    CHECK_INT(r[0].err.reason, AV_R_MISSING);
    av_sample_results_free(r, 1);
    free(many);
    free(r);
    env_close(&env);
}

static void auto_labels_wait_for_confirmation(void)
{
    ds_env env;
    av_store *st = env_open(&env, "sauto");
    char id[20];
    new_dataset(st, "auto", "/bkt/in/", id);
    av_label_def cat[] = { { .name = "cat", .type = -1 } };
    av_sample_in in[] = { { .name = "a.jpg", .type = -1, .data = "a", .len = 1, .labels = cat, .nlabels = 1 },
                          { .name = "b.jpg", .type = -1, .data = "b", .len = 1 } };
    av_sample_result r[2];
    av_err e;
    CHECK_INT(av_samples_add(st, P, id, in, 2, 0, r, &e), AV_OK);
    av_sample_results_free(r, 2);
    json_object *docs = list_samples(st, id, NULL, NULL);
    CHECK_INT(int_of(json_object_array_get_idx(docs, 0), "status"), 2);
    CHECK_STR(str_of(json_object_array_get_idx(member(json_object_array_get_idx(docs, 0), "labels"), 0), "annotated_by"), "auto");
    CHECK_INT(int_of(json_object_array_get_idx(docs, 1), "status"), 0);
    json_object_put(docs);
    CHECK_INT(ds_count(st, id, "auto"), 1);
    CHECK_INT(ds_count(st, id, "annotated"), 0);
    CHECK_INT(ds_count(st, id, "unannotated"), 1);
    env_close(&env);
}

static void text_files_into_text_datasets(void)
{
    ds_env env;
    av_store *st = env_open(&env, "stext");
    av_dataset_spec spec = { .name = "t", .type = 101, .data_path = "/bkt/t/" };
    char id[20];
    av_err e;
    CHECK_INT(av_dataset_create(st, P, &spec, id, &e), AV_OK);
    const char *lines = "one\tA\ntwo\n\nthree\t B,  C\n";
    av_sample_in in[] = { { .name = "x.txt", .type = -1, .data = lines, .len = strlen(lines) },
                          { .name = "x.jpg", .type = -1, .data = "img", .len = 3 } };
    av_sample_result r[2];
    CHECK_INT(av_samples_add(st, P, id, in, 2, 1, r, &e), AV_OK);
    CHECK(r[0].ok && r[0].count == 3 && r[0].id[0] == 0);
    CHECK(!r[1].ok && r[1].err.code == AV_EINVAL && r[1].err.entity == AV_ENT_SAMPLE);
    av_sample_results_free(r, 2);
    CHECK(!file_there(st, "/bkt/t/x.jpg"));
    json_object *docs = list_samples(st, id, NULL, NULL);
    CHECK_INT(json_object_array_length(docs), 3);
    CHECK_INT(int_of(json_object_array_get_idx(docs, 2), "origin"), AV_ORIGIN_TEXT_LINE);
    json_object *three = member(json_object_array_get_idx(docs, 2), "labels");
    CHECK_INT(json_object_array_length(three), 2);
    CHECK_STR(str_of(json_object_array_get_idx(three, 0), "name"), "B");      /* spaces before a label are dropped */
    CHECK_STR(str_of(json_object_array_get_idx(three, 1), "name"), "C");
    json_object_put(docs);
    char ids[3][33];
    sample_ids(st, id, ids, 3);
    const char *del[] = { ids[0] };
    int ok;
    CHECK_INT(av_samples_delete(st, P, id, del, 1, 1, r, &ok, &e), AV_OK);
    CHECK(ok && !r[0].kept);
    CHECK(file_there(st, "/bkt/t/x.txt"));                      /* delete_source never removes a text file */
    env_close(&env);
}

/* ---- update ----------------------------------------------------------------------------------- */

static void update_is_all_or_nothing(void)
{
    ds_env env;
    av_store *st = env_open(&env, "supdate");
    put(st, "/bkt/u/1.jpg", "1");
    put(st, "/bkt/u/2.jpg", "2");
    char id[20], ids[2][33];
    new_dataset(st, "upd", "/bkt/u/", id);
    CHECK_INT(sample_ids(st, id, ids, 2), 2);
    json_object *meta = json_object_new_object(), *list = json_object_new_array();
    json_object_object_add(meta, "m", json_object_new_int(1));
    av_label_def cat[] = { { .name = "cat", .type = -1 } }, bad[] = { { .name = "", .type = -1 } };
    const struct { const char *what; av_sample_update u[2]; int n, code, entity, index; } cases[] = {
        { "an unknown id", { { .id = ids[0], .labels = cat, .nlabels = 1 }, { .id = "e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0" } }, 2,
          AV_ENOTFOUND, AV_ENT_SAMPLE, 1 },
        { "no id", { { .id = ids[0], .labels = cat, .nlabels = 1 }, { .id = NULL } }, 2, AV_EINVAL, AV_ENT_SAMPLE, 1 },
        { "an unknown usage", { { .id = ids[0], .labels = cat, .nlabels = 1, .usage = "VALIDATE" } }, 1, AV_EINVAL, AV_ENT_SAMPLE, 0 },
        { "metadata not an object", { { .id = ids[0], .metadata = list } }, 1, AV_ETYPE, AV_ENT_SAMPLE, 0 },
        { "a label without a name", { { .id = ids[1], .labels = bad, .nlabels = 1 } }, 1, AV_EINVAL, AV_ENT_LABEL, 0 },
        { "none", { { .id = ids[0] } }, 0, AV_ELIMIT, AV_ENT_NONE, -1 },
    };
    av_err e;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        av_err_clear(&e);
        int rc = av_samples_update(st, P, id, cases[i].u, cases[i].n, &e);
        if (rc != cases[i].code) fprintf(stderr, "  case: %s (%s)\n", cases[i].what, e.msg);
        CHECK_INT(rc, cases[i].code);
        CHECK_INT(e.entity, cases[i].entity);
        CHECK_INT(e.index, cases[i].index);
    }
    CHECK_INT(ds_count(st, id, "unannotated"), 2);               /* no failed batch labelled anything */
    json_object *labels = NULL;
    CHECK_INT(av_labels_list(st, P, id, NULL, &labels, &e), AV_OK);
    CHECK_INT(json_object_array_length(labels), 0);
    json_object_put(labels);
    CHECK_INT(av_samples_update(st, P, id, cases[0].u, 2, &e), AV_ENOTFOUND);
    CHECK_ERR(e, AV_ENOTFOUND, AV_ENT_SAMPLE, "e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0");
    CHECK_STR(e.scope, id);

    av_sample_update good[] = { { .id = ids[0], .labels = cat, .nlabels = 1, .metadata = meta, .usage = "EVAL" }, { .id = ids[1] } };
    CHECK_INT(av_samples_update(st, P, id, good, 2, &e), AV_OK);
    json_object *d = NULL;
    CHECK_INT(av_sample_get(st, P, id, ids[0], &d, &e), AV_OK);
    CHECK_INT(int_of(d, "status"), 1);
    CHECK_STR(str_of(d, "usage"), "EVAL");
    CHECK_INT(int_of(member(d, "metadata"), "m"), 1);
    json_object_put(d);
    av_sample_update clear = { .id = ids[0] };                   /* no labels: cleared; usage and metadata kept */
    CHECK_INT(av_samples_update(st, P, id, &clear, 1, &e), AV_OK);
    CHECK_INT(av_sample_get(st, P, id, ids[0], &d, &e), AV_OK);
    CHECK_INT(int_of(d, "status"), 0);
    CHECK_INT(json_object_array_length(member(d, "labels")), 0);
    CHECK_STR(str_of(d, "usage"), "EVAL");
    CHECK_INT(int_of(member(d, "metadata"), "m"), 1);
    json_object_put(d);
    CHECK_INT(av_sample_get(st, P, id, "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0", &d, &e), AV_ENOTFOUND);
    CHECK_ERR(e, AV_ENOTFOUND, AV_ENT_SAMPLE, "f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0");
    json_object_put(meta);
    json_object_put(list);
    env_close(&env);
}

/* ---- delete ----------------------------------------------------------------------------------- */

static void delete_reports_each_id(void)
{
    ds_env env;
    av_store *st = env_open(&env, "sdelete");
    put(st, "/bkt/d/1.jpg", "1");
    put(st, "/bkt/d/2.jpg", "2");
    put(st, "/bkt/d/3.jpg", "3");
    char id[20], ids[3][33];
    new_dataset(st, "del", "/bkt/d/", id);
    CHECK_INT(sample_ids(st, id, ids, 3), 3);
    const char *del[] = { "a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0", ids[0], ids[0], ids[1] };
    av_sample_result r[4];
    int ok = -1;
    av_err e;
    CHECK_INT(av_samples_delete(st, P, id, del, 4, 1, r, &ok, &e), AV_OK);
    CHECK_INT(ok, 0);
    CHECK(!r[0].ok && r[1].ok && !r[2].ok && r[3].ok);           /* unknown and repeated ids fail alone */
    CHECK_ERR(r[0].err, AV_ENOTFOUND, AV_ENT_SAMPLE, del[0]);
    CHECK_INT(r[0].err.index, 0);
    CHECK_INT(r[2].err.index, 2);
    CHECK(!r[1].kept && !r[3].kept);                              /* nothing else used their sources */
    av_sample_results_free(r, 4);
    CHECK(!file_there(st, "/bkt/d/1.jpg") && !file_there(st, "/bkt/d/2.jpg"));
    CHECK(file_there(st, "/bkt/d/3.jpg"));
    CHECK_INT(ds_count(st, id, "total"), 1);
    CHECK_INT(ds_count(st, id, "deleted"), 2);                    /* each deleted sample counted once */
    const char *last[] = { ids[2] };
    CHECK_INT(av_samples_delete(st, P, id, last, 1, 0, r, &ok, &e), AV_OK);
    CHECK_INT(ok, 1);
    CHECK(file_there(st, "/bkt/d/3.jpg"));                        /* without delete_source the file stays */
    CHECK_INT(ds_count(st, id, "deleted"), 3);
    CHECK_INT(av_samples_delete(st, P, id, last, 0, 1, r, &ok, &e), AV_OK);
    CHECK_INT(ok, 1);
    CHECK_INT(av_samples_delete(st, P, id, last, AV_DS_BATCH_MAX + 1, 1, r, &ok, &e), AV_ELIMIT);
    CHECK_INT(av_samples_delete(st, P, "AAAAAAAAAAAAAAAAAAA", last, 1, 1, r, &ok, &e), AV_ENOTFOUND);
    CHECK_INT(e.entity, AV_ENT_DATASET);
    env_close(&env);
}

/* A source kept by delete_source goes when its last reference does, whoever deletes that one. */
static void kept_source_goes_with_last_reference(void)
{
    ds_env env;
    av_store *st = env_open(&env, "sbatch");
    put(st, "/bkt/s/x.jpg", "x");
    char a[20], b[20], ia[1][33], ib[1][33];
    new_dataset(st, "a", "/bkt/s/", a);
    new_dataset(st, "b", NULL, b);
    CHECK_INT(add_source(st, b, "/bkt/s/x.jpg", NULL, 0, ib[0]), AV_OK);
    CHECK_INT(sample_ids(st, a, ia, 1), 1);
    const char *first[] = { ia[0] };
    av_sample_result r;
    int ok;
    av_err e;
    CHECK_INT(av_samples_delete(st, P, a, first, 1, 1, &r, &ok, &e), AV_OK);
    CHECK(r.kept && r.kept_samples == 1 && r.kept_versions == 0);
    CHECK_STR(r.path, "/bkt/s/x.jpg");
    av_sample_results_free(&r, 1);
    const char *second[] = { ib[0] };
    CHECK_INT(av_samples_delete(st, P, b, second, 1, 0, &r, &ok, &e), AV_OK);     /* without delete_source ... */
    CHECK(!file_there(st, "/bkt/s/x.jpg"));                       /* ... the earlier request still holds */
    env_close(&env);
}

/* A text file of exactly AV_DS_LINES_MAX lines is imported; one more line refuses the whole file. */
static void text_line_limit(void)
{
    ds_env env;
    av_store *st = env_open(&env, "slines");
    av_dataset_spec spec = { .name = "t", .type = 100, .data_path = "/bkt/t/" };
    char id[20];
    av_err e;
    CHECK_INT(av_dataset_create(st, P, &spec, id, &e), AV_OK);
    size_t n = (size_t)AV_DS_LINES_MAX + 1;
    char *text = xmalloc(2 * n + 1);
    for (size_t i = 0; i < n; i++) text[2 * i] = 'x', text[2 * i + 1] = '\n';
    av_sample_in in[] = { { .name = "over.txt", .type = -1, .data = text, .len = 2 * n },
                          { .name = "max.txt", .type = -1, .data = text, .len = 2 * (n - 1) } };
    av_sample_result r[2];
    CHECK_INT(av_samples_add(st, P, id, in, 2, 1, r, &e), AV_OK);
    CHECK(!r[0].ok);
    CHECK_INT(r[0].err.code, AV_ELIMIT);
    CHECK_STR(r[0].err.name, "/bkt/t/over.txt");
    CHECK(r[1].ok);
    CHECK_INT(r[1].count, AV_DS_LINES_MAX);
    av_sample_results_free(r, 2);
    CHECK_INT(ds_count(st, id, "total"), AV_DS_LINES_MAX);          /* none of the refused file's lines */
    free(text);
    env_close(&env);
}

/* A sample id is only found through its own dataset: get, update and delete through another fail. */
static void samples_belong_to_their_dataset(void)
{
    ds_env env;
    av_store *st = env_open(&env, "sowner");
    put(st, "/bkt/a/1.jpg", "1");
    char a[20], b[20], ids[1][33];
    new_dataset(st, "a", "/bkt/a/", a);
    new_dataset(st, "b", NULL, b);
    CHECK_INT(sample_ids(st, a, ids, 1), 1);
    json_object *d = NULL;
    av_err e;
    CHECK_INT(av_sample_get(st, P, b, ids[0], &d, &e), AV_ENOTFOUND);
    CHECK_ERR(e, AV_ENOTFOUND, AV_ENT_SAMPLE, ids[0]);
    CHECK_STR(e.scope, b);
    av_label_def cat[] = { { .name = "cat", .type = -1 } };
    av_sample_update u = { .id = ids[0], .labels = cat, .nlabels = 1 };
    CHECK_INT(av_samples_update(st, P, b, &u, 1, &e), AV_ENOTFOUND);
    const char *del[] = { ids[0] };
    av_sample_result r;
    int ok;
    CHECK_INT(av_samples_delete(st, P, b, del, 1, 1, &r, &ok, &e), AV_OK);
    CHECK(!ok && !r.ok && r.err.code == AV_ENOTFOUND);
    av_sample_results_free(&r, 1);
    CHECK_INT(av_sample_get(st, P, a, ids[0], &d, &e), AV_OK);    /* untouched in its own dataset */
    CHECK(d && json_object_array_length(member(d, "labels")) == 0);
    json_object_put(d);
    CHECK(file_there(st, "/bkt/a/1.jpg"));
    CHECK_INT(ds_count(st, b, "deleted"), 0);
    env_close(&env);
}

/* A sample refused after its bytes were written leaves no object file behind. */
static void refused_sample_leaves_no_object(void)
{
    ds_env env;
    av_store *st = env_open(&env, "sobject");
    char id[20];
    new_dataset(st, "o", "/bkt/o/", id);
    json_object *list = json_object_new_array();
    const char *bytes = "REFUSED-SAMPLE-BYTES-3e9a";
    av_sample_in in = { .name = "r.jpg", .type = -1, .data = bytes, .len = strlen(bytes), .metadata = list };
    av_sample_result r;
    av_err e;
    CHECK_INT(av_samples_add(st, P, id, &in, 1, 1, &r, &e), AV_OK);
    CHECK(!r.ok);
    av_sample_results_free(&r, 1);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "grep -rq REFUSED-SAMPLE-BYTES-3e9a '%s/objects'", env.dir);
    CHECK(system(cmd) != 0);
    json_object_put(list);
    env_close(&env);
}

/* ---- list ------------------------------------------------------------------------------------- */

static int names_of(json_object *docs, char *out, size_t n)
{
    out[0] = 0;
    for (size_t i = 0; i < json_object_array_length(docs); i++)
        snprintf(out + strlen(out), n - strlen(out), "%s%s", i ? " " : "", str_of(json_object_array_get_idx(docs, i), "name"));
    return (int)json_object_array_length(docs);
}

/* The names a query lists (and the total before paging). */
static const char *query(av_store *st, const char *ds, av_sample_query q, char *out, size_t n, int64_t *total)
{
    json_object *docs = NULL;
    int64_t t = -1;
    if (!q.limit) q.limit = 100;
    CHECK_INT(av_samples_list(st, P, ds, &q, &docs, &t, NULL), AV_OK);
    names_of(docs, out, n);
    json_object_put(docs);
    if (total) *total = t;
    return out;
}

static void list_pages_and_filters(void)
{
    ds_env env;
    av_store *st = env_open(&env, "slist");
    put(st, "/bkt/l/a.jpg", "a");
    put(st, "/bkt/l/b.png", "b");
    put(st, "/bkt/l/c.wav", "c");
    put(st, "/bkt/l/sub/d.jpg", "d");
    put(st, "/bkt/l/sub/e.jpg", "e");
    char id[20], ids[5][33], v[20], buf[256];
    new_dataset(st, "list", "/bkt/l/", id);
    CHECK_INT(sample_ids(st, id, ids, 5), 5);
    av_label_def cat[] = { { .name = "cat", .type = -1 } }, dog[] = { { .name = "dog", .type = -1 } };
    av_label_def both[] = { { .name = "cat", .type = -1 }, { .name = "dog", .type = -1 } };
    av_sample_update u[] = { { .id = ids[0], .labels = cat, .nlabels = 1 }, { .id = ids[1], .labels = both, .nlabels = 2 },
                             { .id = ids[3], .labels = dog, .nlabels = 1 } };
    av_err e;
    CHECK_INT(av_samples_update(st, P, id, u, 3, &e), AV_OK);
    int64_t total;
    CHECK_STR(query(st, id, (av_sample_query){ .state = -1, .type = -1 }, buf, sizeof buf, &total), "a.jpg b.png c.wav d.jpg e.jpg");
    CHECK_INT(total, 5);
    CHECK_STR(query(st, id, (av_sample_query){ .offset = 0, .limit = 2, .state = -1, .type = -1 }, buf, sizeof buf, &total), "a.jpg b.png");
    CHECK_INT(total, 5);                                          /* the total is before paging */
    CHECK_STR(query(st, id, (av_sample_query){ .offset = 2, .limit = 2, .state = -1, .type = -1 }, buf, sizeof buf, NULL), "c.wav d.jpg");
    CHECK_STR(query(st, id, (av_sample_query){ .offset = 4, .limit = 2, .state = -1, .type = -1 }, buf, sizeof buf, NULL), "e.jpg");
    CHECK_STR(query(st, id, (av_sample_query){ .offset = 5, .limit = 2, .state = -1, .type = -1 }, buf, sizeof buf, &total), "");
    CHECK_INT(total, 5);
    CHECK_STR(query(st, id, (av_sample_query){ .state = 0, .type = -1 }, buf, sizeof buf, &total), "c.wav e.jpg");
    CHECK_INT(total, 2);
    CHECK_STR(query(st, id, (av_sample_query){ .state = 1, .type = -1 }, buf, sizeof buf, NULL), "a.jpg b.png d.jpg");
    CHECK_STR(query(st, id, (av_sample_query){ .state = 2, .type = -1 }, buf, sizeof buf, NULL), "");
    CHECK_STR(query(st, id, (av_sample_query){ .state = 3, .type = -1 }, buf, sizeof buf, NULL), "a.jpg b.png d.jpg");
    CHECK_STR(query(st, id, (av_sample_query){ .state = 4, .type = -1 }, buf, sizeof buf, &total), "");
    CHECK_INT(total, 0);
    CHECK_STR(query(st, id, (av_sample_query){ .state = -1, .type = 2 }, buf, sizeof buf, NULL), "c.wav");
    CHECK_STR(query(st, id, (av_sample_query){ .state = -1, .type = -1, .label_name = "dog" }, buf, sizeof buf, NULL), "b.png d.jpg");
    CHECK_STR(query(st, id, (av_sample_query){ .state = -1, .type = -1, .name = ".jpg" }, buf, sizeof buf, NULL), "a.jpg d.jpg e.jpg");
    CHECK_STR(query(st, id, (av_sample_query){ .state = -1, .type = -1, .dir = "/bkt/l/sub/" }, buf, sizeof buf, NULL), "d.jpg e.jpg");
    const char *cd[] = { "cat", "dog" };
    CHECK_STR(query(st, id, (av_sample_query){ .state = -1, .type = -1, .labels = cd, .nlabels = 2 }, buf, sizeof buf, NULL),
              "a.jpg b.png d.jpg");
    CHECK_STR(query(st, id, (av_sample_query){ .state = -1, .type = -1, .labels = cd, .nlabels = 2, .labels_all = 1 }, buf, sizeof buf, NULL),
              "b.png");
    CHECK_STR(query(st, id, (av_sample_query){ .state = 1, .type = 0, .dir = "/bkt/l/", .name = "a", .labels = cd, .nlabels = 1 },
                    buf, sizeof buf, NULL), "a.jpg");             /* filters combine with AND */

    CHECK_INT(av_version_create(st, P, id, NULL, v, &e), AV_OK);
    const char *del[] = { ids[0] };
    av_sample_result r;
    int ok;
    CHECK_INT(av_samples_delete(st, P, id, del, 1, 0, &r, &ok, &e), AV_OK);
    CHECK_STR(query(st, id, (av_sample_query){ .state = -1, .type = -1 }, buf, sizeof buf, NULL), "b.png c.wav d.jpg e.jpg");
    CHECK_STR(query(st, id, (av_sample_query){ .state = -1, .type = -1, .version_id = v }, buf, sizeof buf, &total),
              "a.jpg b.png c.wav d.jpg e.jpg");
    CHECK_INT(total, 5);
    CHECK_STR(query(st, id, (av_sample_query){ .offset = 1, .limit = 2, .state = -1, .type = -1, .version_id = v }, buf, sizeof buf, &total),
              "b.png c.wav");                                     /* frozen samples page the same way */
    CHECK_INT(total, 5);
    CHECK_STR(query(st, id, (av_sample_query){ .offset = 1, .limit = 3, .state = 1, .type = -1, .version_id = v }, buf, sizeof buf, &total),
              "b.png d.jpg");
    CHECK_INT(total, 3);
    CHECK_STR(query(st, id, (av_sample_query){ .state = -1, .type = -1, .label_name = "cat", .dir = "/bkt/l/", .version_id = v },
                    buf, sizeof buf, NULL), "a.jpg b.png");
    json_object *docs = NULL;
    av_sample_query unknown = { .limit = 10, .state = -1, .type = -1, .version_id = "AAAAAAAAAAAAAAAAAAA" };
    CHECK_INT(av_samples_list(st, P, id, &unknown, &docs, &total, &e), AV_ENOTFOUND);
    CHECK_ERR(e, AV_ENOTFOUND, AV_ENT_VERSION, "AAAAAAAAAAAAAAAAAAA");
    CHECK(docs == NULL);
    av_sample_query any = { .limit = 10, .state = -1, .type = -1 };
    CHECK_INT(av_samples_list(st, P, "AAAAAAAAAAAAAAAAAAA", &any, &docs, &total, &e), AV_ENOTFOUND);
    CHECK_INT(e.entity, AV_ENT_DATASET);
    env_close(&env);
}

TEST_MAIN(TEST_CASE(add_reports_each_sample), TEST_CASE(add_batch_limits), TEST_CASE(auto_labels_wait_for_confirmation),
          TEST_CASE(text_files_into_text_datasets), TEST_CASE(update_is_all_or_nothing), TEST_CASE(delete_reports_each_id),
          TEST_CASE(kept_source_goes_with_last_reference), TEST_CASE(list_pages_and_filters),
          TEST_CASE(text_line_limit), TEST_CASE(samples_belong_to_their_dataset), TEST_CASE(refused_sample_leaves_no_object))
