/*
 * test_dataset.c — the dataset engine without HTTP (src/core/dataset/dataset.c, label.c, dsversion.c,
 * file.c): path validation, the struct inputs of datasets, labels and versions (bad input gets its
 * error and changes nothing), the import of the input path, label delete policies, versions (frozen
 * samples, counts, the manifest a caller attaches), the source-file reference rule, and data written
 * by schema 9 read through migration 10.
 */
#include "dstest.h"
#include "lib/util.h"

#include <sqlite3.h>
#include <unistd.h>

/* ---- paths and encodings ---------------------------------------------------------------------- */

static void paths(void)
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

static void base64(void)
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

/* ---- datasets --------------------------------------------------------------------------------- */

static int64_t dataset_total(av_store *st)
{
    json_object *docs = NULL;
    int64_t total = -1;
    CHECK_INT(av_dataset_list(st, P, NULL, -1, 0, 0, 0, 100, &docs, &total, NULL), AV_OK);
    json_object_put(docs);
    return total;
}

static void create_validates_its_spec(void)
{
    ds_env env;
    av_store *st = env_open(&env, "dsspec");
    char long_name[AV_DS_NAME_MAX + 2], long_desc[AV_DS_DESC_MAX + 2], long_label[AV_DS_LABEL_MAX + 2];
    memset(long_name, 'n', sizeof long_name - 1), long_name[sizeof long_name - 1] = 0;
    memset(long_desc, 'd', sizeof long_desc - 1), long_desc[sizeof long_desc - 1] = 0;
    memset(long_label, 'l', sizeof long_label - 1), long_label[sizeof long_label - 1] = 0;
    json_object *list = json_object_new_array(), *str = json_object_new_string("x");
    av_label_def no_name[] = { { .name = "ok", .type = -1 }, { .name = NULL, .type = -1 } };
    av_label_def too_long[] = { { .name = long_label, .type = -1 } };
    av_label_def bad_prop[] = { { .name = "p", .type = -1, .property = str } };
    av_label_def *many = xcalloc(AV_DS_LABEL_MAX + 1, sizeof *many);
    for (int i = 0; i <= AV_DS_LABEL_MAX; i++) many[i] = (av_label_def){ .name = "m", .type = -1 };
    const struct { const char *what; av_dataset_spec spec; int code, entity, index; } bad[] = {
        { "no name", { .name = NULL }, AV_EINVAL, AV_ENT_DATASET, -1 },
        { "a space in the name", { .name = "a b" }, AV_EINVAL, AV_ENT_DATASET, -1 },
        { "a name over the limit", { .name = long_name }, AV_EINVAL, AV_ENT_DATASET, -1 },
        { "a negative type", { .name = "t", .type = -1 }, AV_EINVAL, AV_ENT_DATASET, -1 },
        { "a long description", { .name = "d", .description = long_desc }, AV_ELIMIT, AV_ENT_DATASET, -1 },
        { "an input path with '..'", { .name = "p", .data_path = "/bkt/../etc/" }, AV_EINVAL, AV_ENT_FILE, -1 },
        { "an input path that is a file", { .name = "p", .data_path = "/bkt/a.jpg" }, AV_EINVAL, AV_ENT_FILE, -1 },
        { "a work path that is a file", { .name = "p", .work_path = "/bkt/out" }, AV_EINVAL, AV_ENT_FILE, -1 },
        { "the work path is the input path", { .name = "w", .data_path = "/bkt/in/", .work_path = "/bkt/in/" }, AV_EINVAL, AV_ENT_FILE, -1 },
        { "the work path inside the input", { .name = "w", .data_path = "/bkt/in/", .work_path = "/bkt/in/out/" }, AV_EINVAL, AV_ENT_FILE, -1 },
        { "an empty label separator", { .name = "s", .label_sep = "" }, AV_EINVAL, AV_ENT_DATASET, -1 },
        { "a sample separator over 7 bytes", { .name = "s", .sample_sep = "12345678" }, AV_EINVAL, AV_ENT_DATASET, -1 },
        { "extra that is not an object", { .name = "x", .extra = list }, AV_ETYPE, AV_ENT_DATASET, -1 },
        { "a label without a name", { .name = "l", .labels = no_name, .nlabels = 2 }, AV_EINVAL, AV_ENT_LABEL, 1 },
        { "a label name over the limit", { .name = "l", .labels = too_long, .nlabels = 1 }, AV_EINVAL, AV_ENT_LABEL, 0 },
        { "a label property that is not an object", { .name = "l", .labels = bad_prop, .nlabels = 1 }, AV_ETYPE, AV_ENT_LABEL, 0 },
        { "too many labels", { .name = "l", .labels = many, .nlabels = AV_DS_LABEL_MAX + 1 }, AV_ELIMIT, AV_ENT_LABEL, -1 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char id[20] = "";
        av_err e;
        av_err_clear(&e);
        int rc = av_dataset_create(st, P, &bad[i].spec, id, &e);
        if (rc != bad[i].code || e.entity != bad[i].entity) fprintf(stderr, "  case: %s (%s)\n", bad[i].what, e.msg);
        CHECK_ERR(e, bad[i].code, bad[i].entity, NULL);
        CHECK_INT(e.index, bad[i].index);
        CHECK(id[0] == 0);
    }
    CHECK_INT(dataset_total(st), 0);                                /* nothing was created */
    char id[20], id2[20] = "";
    new_dataset(st, "taken", NULL, id);
    av_dataset_spec again = { .name = "taken" };
    av_err e;
    CHECK_INT(av_dataset_create(st, P, &again, id2, &e), AV_EEXIST);
    CHECK_ERR(e, AV_EEXIST, AV_ENT_DATASET, "taken");
    CHECK_STR(e.scope, P);
    CHECK_INT(dataset_total(st), 1);
    free(many);
    json_object_put(list);
    json_object_put(str);
    env_close(&env);
}

static void create_imports_the_input_path(void)
{
    ds_env env;
    av_store *st = env_open(&env, "dsimport");
    put(st, "/bkt/in/a.jpg", "a");
    put(st, "/bkt/in/sub/b.png", "b");
    put(st, "/bkt/other/c.jpg", "c");
    json_object *extra = json_object_new_object(), *prop = json_object_new_object();
    json_object_object_add(extra, "workspace", json_object_new_string("w1"));
    json_object_object_add(prop, "color", json_object_new_string("#fff"));
    av_label_def labels[] = { { .name = "cat", .type = -1, .property = prop }, { .name = "dog", .type = 3 } };
    av_dataset_spec spec = { .name = "imp", .type = 1, .description = "two files", .data_path = "/bkt/in/", .work_path = "/bkt/w/",
                             .labels = labels, .nlabels = 2, .extra = extra };
    char id[20];
    av_err e;
    CHECK_INT(av_dataset_create(st, P, &spec, id, &e), AV_OK);
    json_object *d = NULL;
    CHECK_INT(av_dataset_get(st, P, id, &d, &e), AV_OK);
    CHECK_STR(str_of(d, "name"), "imp");
    CHECK_INT(int_of(d, "type"), 1);
    CHECK_STR(str_of(d, "description"), "two files");
    CHECK_STR(str_of(d, "data_path"), "/bkt/in/");
    CHECK_STR(str_of(d, "work_path"), "/bkt/w/");
    CHECK_STR(str_of(d, "label_sep"), ",");
    CHECK_STR(str_of(d, "sample_sep"), "\t");
    CHECK_STR(str_of(member(d, "extra"), "workspace"), "w1");
    CHECK_INT(int_of(d, "total"), 2);
    CHECK_INT(int_of(d, "unannotated"), 2);
    CHECK_INT(int_of(d, "next_version_num"), 1);
    json_object *l = member(d, "labels");
    CHECK_INT(json_object_array_length(l), 2);
    CHECK_STR(str_of(json_object_array_get_idx(l, 0), "name"), "cat");
    CHECK_INT(int_of(json_object_array_get_idx(l, 0), "type"), 1);          /* the dataset's type by default */
    CHECK_STR(str_of(member(json_object_array_get_idx(l, 0), "property"), "color"), "#fff");
    CHECK_INT(int_of(json_object_array_get_idx(l, 1), "type"), 3);
    json_object_put(d);
    json_object *docs = list_samples(st, id, NULL, NULL);
    CHECK_INT(json_object_array_length(docs), 2);
    json_object *a = json_object_array_get_idx(docs, 0), *b = json_object_array_get_idx(docs, 1);
    CHECK_STR(str_of(a, "path"), "/bkt/in/a.jpg");
    CHECK_STR(str_of(a, "dir"), "/bkt/in/");
    CHECK_STR(str_of(a, "name"), "a.jpg");
    CHECK_INT(int_of(a, "size"), 1);
    CHECK_INT(int_of(a, "origin"), AV_ORIGIN_IMPORTED);
    CHECK_INT(json_object_object_length(member(a, "metadata")), 0);        /* the engine adds nothing to metadata */
    CHECK_STR(str_of(b, "dir"), "/bkt/in/sub/");
    CHECK_INT(int_of(b, "type"), 0);
    json_object_put(docs);
    char none[20];
    new_dataset(st, "empty", "/bkt/nothing/", none);
    CHECK_INT(ds_count(st, none, "total"), 0);
    json_object_put(extra);
    json_object_put(prop);
    env_close(&env);
}

static void text_dataset_reads_lines(void)
{
    ds_env env;
    av_store *st = env_open(&env, "dstext");
    put(st, "/bkt/t/a.txt", "\xEF\xBB\xBFgreat|pos;good\r\n\nbad|neg\nplain\n");
    put(st, "/bkt/t/skip.jpg", "not text");
    av_dataset_spec spec = { .name = "txt", .type = 100, .data_path = "/bkt/t/", .label_sep = ";", .sample_sep = "|" };
    char id[20];
    av_err e;
    CHECK_INT(av_dataset_create(st, P, &spec, id, &e), AV_OK);
    json_object *docs = list_samples(st, id, NULL, NULL);
    CHECK_INT(json_object_array_length(docs), 3);                          /* the empty line and the .jpg are skipped */
    json_object *first = json_object_array_get_idx(docs, 0), *labels = member(first, "labels");
    CHECK_STR(str_of(first, "text"), "great");
    CHECK(member(first, "path") == NULL);
    CHECK_INT(int_of(first, "origin"), AV_ORIGIN_TEXT_LINE);
    CHECK_INT(int_of(first, "status"), 1);
    CHECK_INT(json_object_array_length(labels), 2);
    CHECK_STR(str_of(json_object_array_get_idx(labels, 1), "name"), "good");
    CHECK_INT(int_of(json_object_array_get_idx(labels, 1), "type"), 100);
    CHECK_STR(str_of(json_object_array_get_idx(labels, 1), "annotated_by"), "human");
    CHECK_STR(str_of(json_object_array_get_idx(docs, 2), "text"), "plain");
    CHECK_INT(int_of(json_object_array_get_idx(docs, 2), "status"), 0);
    json_object_put(docs);
    json_object *ls = NULL;
    CHECK_INT(av_labels_list(st, P, id, NULL, &ls, &e), AV_OK);
    CHECK_INT(json_object_array_length(ls), 3);                            /* pos, good, neg */
    json_object_put(ls);
    env_close(&env);
}

/* The names a dataset list answers, in order, and its total. */
static const char *listed(av_store *st, const char *search, int type, int by_name, int asc, int offset, int limit,
                          char *out, size_t n, int64_t *total)
{
    json_object *docs = NULL;
    int64_t t;
    out[0] = 0;
    CHECK_INT(av_dataset_list(st, P, search, type, by_name, asc, offset, limit, &docs, total ? total : &t, NULL), AV_OK);
    for (size_t i = 0; docs && i < json_object_array_length(docs); i++)
        snprintf(out + strlen(out), n - strlen(out), "%s%s", i ? " " : "", str_of(json_object_array_get_idx(docs, i), "name"));
    json_object_put(docs);
    return out;
}

static void list_sorts_pages_and_filters(void)
{
    ds_env env;
    av_store *st = env_open(&env, "dslist");
    static const struct { const char *name; int type; } made[] = { { "beta", 0 }, { "alpha", 100 }, { "delta", 0 }, { "gamma", 100 } };
    for (size_t i = 0; i < sizeof made / sizeof *made; i++) {
        av_dataset_spec spec = { .name = made[i].name, .type = made[i].type };
        char id[20];
        av_err e;
        CHECK_INT(av_dataset_create(st, P, &spec, id, &e), AV_OK);
        usleep(3000);                                                   /* distinct creation times */
    }
    char buf[128];
    int64_t total;
    CHECK_STR(listed(st, NULL, -1, 0, 0, 0, 10, buf, sizeof buf, &total), "gamma delta alpha beta");   /* newest first */
    CHECK_INT(total, 4);
    CHECK_STR(listed(st, NULL, -1, 0, 1, 0, 10, buf, sizeof buf, NULL), "beta alpha delta gamma");
    CHECK_STR(listed(st, NULL, -1, 1, 1, 0, 10, buf, sizeof buf, NULL), "alpha beta delta gamma");
    CHECK_STR(listed(st, NULL, -1, 1, 0, 0, 10, buf, sizeof buf, NULL), "gamma delta beta alpha");
    CHECK_STR(listed(st, NULL, -1, 1, 1, 1, 2, buf, sizeof buf, &total), "beta delta");
    CHECK_INT(total, 4);                                                /* counted before paging */
    CHECK_STR(listed(st, NULL, -1, 1, 1, 3, 2, buf, sizeof buf, NULL), "gamma");
    CHECK_STR(listed(st, NULL, 100, 1, 1, 0, 10, buf, sizeof buf, &total), "alpha gamma");
    CHECK_INT(total, 2);
    CHECK_STR(listed(st, "ta", -1, 1, 1, 0, 10, buf, sizeof buf, &total), "beta delta");
    CHECK_INT(total, 2);
    CHECK_STR(listed(st, "zz", -1, 1, 1, 0, 10, buf, sizeof buf, &total), "");
    CHECK_INT(total, 0);
    env_close(&env);
}

/* ---- updating a dataset ----------------------------------------------------------------------- */

static void update_is_all_or_nothing(void)
{
    ds_env env;
    av_store *st = env_open(&env, "dspatch");
    char id[20], other[20], v[20];
    new_dataset(st, "mine", NULL, id);
    new_dataset(st, "other", NULL, other);
    av_label_def cat[] = { { .name = "cat", .type = -1 } }, bad[] = { { .name = "", .type = -1 } };
    av_err e;
    CHECK_INT(av_labels_add(st, P, id, cat, 1, &e), AV_OK);
    CHECK_INT(av_version_create(st, P, id, NULL, v, &e), AV_OK);
    const char *unknown[] = { "nope" }, *null_name[] = { NULL };
    const struct { const char *what; av_dataset_patch p; int code, entity; } patches[] = {
        { "a bad new name", { .name = "a b", .description = "x" }, AV_EINVAL, AV_ENT_DATASET },
        { "a taken name", { .name = "other", .description = "x" }, AV_EEXIST, AV_ENT_DATASET },
        { "an unknown current version", { .name = "renamed", .current_version = "AAAAAAAAAAAAAAAAAAA" }, AV_ENOTFOUND, AV_ENT_VERSION },
        { "an existing label to add", { .name = "renamed", .add_labels = cat, .nadd = 1 }, AV_EEXIST, AV_ENT_LABEL },
        { "a label without a name", { .name = "renamed", .add_labels = bad, .nadd = 1 }, AV_EINVAL, AV_ENT_LABEL },
        { "an unknown label to update", { .name = "renamed", .update_labels = (av_label_def[]){ { .name = "dog", .type = 2 } }, .nupdate = 1 },
          AV_ENOTFOUND, AV_ENT_LABEL },
        { "an unknown label to delete", { .name = "renamed", .delete_labels = unknown, .ndelete = 1 }, AV_ENOTFOUND, AV_ENT_LABEL },
        { "a label to delete without a name", { .name = "renamed", .delete_labels = null_name, .ndelete = 1 }, AV_EINVAL, AV_ENT_LABEL },
    };
    for (size_t i = 0; i < sizeof patches / sizeof *patches; i++) {
        av_err_clear(&e);
        int rc = av_dataset_update(st, P, id, &patches[i].p, &e);
        if (rc != patches[i].code) fprintf(stderr, "  case: %s (%s)\n", patches[i].what, e.msg);
        CHECK_ERR(e, patches[i].code, patches[i].entity, NULL);
    }
    json_object *d = NULL;
    CHECK_INT(av_dataset_get(st, P, id, &d, &e), AV_OK);
    CHECK_STR(str_of(d, "name"), "mine");                                  /* nothing of the failed patches stayed */
    CHECK_STR(str_of(d, "description"), "");
    CHECK_INT(json_object_array_length(member(d, "labels")), 1);
    json_object_put(d);

    const char *del[] = { "cat" };
    av_label_def add[] = { { .name = "dog", .type = 5 } };
    av_dataset_patch ok = { .name = "renamed", .description = "now", .current_version = v, .add_labels = add, .nadd = 1,
                            .delete_labels = del, .ndelete = 1 };
    CHECK_INT(av_dataset_update(st, P, id, &ok, &e), AV_OK);
    CHECK_INT(av_dataset_get(st, P, id, &d, &e), AV_OK);
    CHECK_STR(str_of(d, "name"), "renamed");
    CHECK_STR(str_of(d, "description"), "now");
    CHECK_STR(str_of(d, "current_version_id"), v);
    CHECK_INT(json_object_array_length(member(d, "labels")), 1);
    CHECK_STR(str_of(json_object_array_get_idx(member(d, "labels"), 0), "name"), "dog");
    json_object_put(d);
    av_dataset_patch same = { .name = "renamed" };                         /* its own name is not "taken" */
    CHECK_INT(av_dataset_update(st, P, id, &same, &e), AV_OK);
    CHECK_INT(av_dataset_update(st, P, "AAAAAAAAAAAAAAAAAAA", &same, &e), AV_ENOTFOUND);
    CHECK_ERR(e, AV_ENOTFOUND, AV_ENT_DATASET, "AAAAAAAAAAAAAAAAAAA");
    env_close(&env);
}

/* ---- labels ----------------------------------------------------------------------------------- */

static void labels_add_and_update(void)
{
    ds_env env;
    av_store *st = env_open(&env, "dslabels");
    char id[20];
    new_dataset(st, "l", NULL, id);
    json_object *prop = json_object_new_object(), *notobj = json_object_new_array();
    json_object_object_add(prop, "k", json_object_new_string("v"));
    av_label_def two[] = { { .name = "a", .type = -1 }, { .name = "b", .type = 4, .property = prop } };
    av_err e;
    CHECK_INT(av_labels_add(st, P, id, two, 2, &e), AV_OK);
    av_label_def dup[] = { { .name = "c", .type = -1 }, { .name = "a", .type = -1 } };
    CHECK_INT(av_labels_add(st, P, id, dup, 2, &e), AV_EEXIST);
    CHECK_ERR(e, AV_EEXIST, AV_ENT_LABEL, "a");
    CHECK_INT(e.index, 1);
    CHECK_STR(e.scope, id);
    av_label_def twice[] = { { .name = "d", .type = -1 }, { .name = "d", .type = -1 } };
    CHECK_INT(av_labels_add(st, P, id, twice, 2, &e), AV_EEXIST);
    CHECK_INT(e.index, 1);
    av_label_def badprop[] = { { .name = "e", .type = -1, .property = notobj } };
    CHECK_INT(av_labels_add(st, P, id, badprop, 1, &e), AV_ETYPE);
    json_object *ls = NULL;
    CHECK_INT(av_labels_list(st, P, id, NULL, &ls, &e), AV_OK);
    CHECK_INT(json_object_array_length(ls), 2);                            /* c, d and e were not added */
    json_object_put(ls);

    av_label_def type_only[] = { { .name = "b", .type = 7 } }, prop_only[] = { { .name = "a", .type = -1, .property = prop } };
    CHECK_INT(av_labels_update(st, P, id, type_only, 1, &e), AV_OK);
    CHECK_INT(av_labels_update(st, P, id, prop_only, 1, &e), AV_OK);
    av_label_def unknown[] = { { .name = "a", .type = 1 }, { .name = "zz", .type = 1 } };
    CHECK_INT(av_labels_update(st, P, id, unknown, 2, &e), AV_ENOTFOUND);
    CHECK_ERR(e, AV_ENOTFOUND, AV_ENT_LABEL, "zz");
    CHECK_INT(e.index, 1);
    CHECK_INT(av_labels_list(st, P, id, NULL, &ls, &e), AV_OK);
    json_object *a = json_object_array_get_idx(ls, 0), *b = json_object_array_get_idx(ls, 1);
    CHECK_INT(int_of(a, "type"), 0);                                       /* the failed batch left a's type */
    CHECK_STR(str_of(member(a, "property"), "k"), "v");
    CHECK_INT(int_of(b, "type"), 7);
    CHECK_STR(str_of(member(b, "property"), "k"), "v");                    /* a type-only update keeps the property */
    json_object_put(ls);
    CHECK_INT(av_labels_list(st, P, id, "AAAAAAAAAAAAAAAAAAA", &ls, &e), AV_ENOTFOUND);
    CHECK_ERR(e, AV_ENOTFOUND, AV_ENT_VERSION, "AAAAAAAAAAAAAAAAAAA");
    json_object_put(prop);
    json_object_put(notobj);
    env_close(&env);
}

/* Samples 1.jpg [A], 2.jpg [A, B], 3.jpg [B], 4.jpg [] of a dataset on /bkt/lab/. */
static void labelled_samples(av_store *st, char id[20])
{
    put(st, "/bkt/lab/1.jpg", "one");
    put(st, "/bkt/lab/2.jpg", "two");
    put(st, "/bkt/lab/3.jpg", "three");
    put(st, "/bkt/lab/4.jpg", "four");
    new_dataset(st, "lab", "/bkt/lab/", id);
    char ids[4][33];
    CHECK_INT(sample_ids(st, id, ids, 4), 4);
    av_label_def a[] = { { .name = "A", .type = -1 } }, ab[] = { { .name = "A", .type = -1 }, { .name = "B", .type = -1 } };
    av_label_def b[] = { { .name = "B", .type = -1 } };
    av_sample_update u[] = { { .id = ids[0], .labels = a, .nlabels = 1 }, { .id = ids[1], .labels = ab, .nlabels = 2 },
                             { .id = ids[2], .labels = b, .nlabels = 1 } };
    av_err e;
    CHECK_INT(av_samples_update(st, P, id, u, 3, &e), AV_OK);
}

/* The names of the dataset's samples with their labels: "1.jpg:A 2.jpg:A,B ...". */
static void sample_summary(av_store *st, const char *ds, char *out, size_t n)
{
    json_object *docs = list_samples(st, ds, NULL, NULL);
    out[0] = 0;
    for (size_t i = 0; i < json_object_array_length(docs); i++) {
        json_object *d = json_object_array_get_idx(docs, i), *l = member(d, "labels");
        snprintf(out + strlen(out), n - strlen(out), "%s%s:", i ? " " : "", str_of(d, "name"));
        for (size_t j = 0; j < json_object_array_length(l); j++)
            snprintf(out + strlen(out), n - strlen(out), "%s%s", j ? "," : "", str_of(json_object_array_get_idx(l, j), "name"));
    }
    json_object_put(docs);
}

static void label_delete_policies(void)
{
    char summary[256], id[20];
    const char *A[] = { "A" }, *AB[] = { "A", "nope" };
    av_err e;
    ds_env env;
    av_store *st = env_open(&env, "dspolicy");
    labelled_samples(st, id);
    CHECK_INT(av_labels_delete(st, P, id, A, 1, 3, &e), AV_EINVAL);               /* no such policy */
    CHECK_INT(av_labels_delete(st, P, id, A, 1, -1, &e), AV_EINVAL);
    CHECK_INT(av_labels_delete(st, P, id, A, 0, AV_LABEL_DELETE_ONLY, &e), AV_EINVAL);
    CHECK_INT(av_labels_delete(st, P, id, AB, 2, AV_LABEL_DELETE_SOURCES, &e), AV_ENOTFOUND);
    CHECK_ERR(e, AV_ENOTFOUND, AV_ENT_LABEL, "nope");
    sample_summary(st, id, summary, sizeof summary);
    CHECK_STR(summary, "1.jpg:A 2.jpg:A,B 3.jpg:B 4.jpg:");                         /* the failed deletes changed nothing */
    CHECK_INT(av_labels_delete(st, P, id, A, 1, AV_LABEL_DELETE_ONLY, &e), AV_OK);
    sample_summary(st, id, summary, sizeof summary);
    CHECK_STR(summary, "1.jpg: 2.jpg:B 3.jpg:B 4.jpg:");
    CHECK_INT(ds_count(st, id, "unannotated"), 2);                                  /* 1.jpg lost its only label */
    CHECK_INT(ds_count(st, id, "deleted"), 0);
    env_close(&env);

    st = env_open(&env, "dspolicy1");
    labelled_samples(st, id);
    CHECK_INT(av_labels_delete(st, P, id, A, 1, AV_LABEL_DELETE_SAMPLES, &e), AV_OK);
    sample_summary(st, id, summary, sizeof summary);
    CHECK_STR(summary, "2.jpg:B 3.jpg:B 4.jpg:");
    CHECK_INT(ds_count(st, id, "deleted"), 1);
    CHECK(file_there(st, "/bkt/lab/1.jpg"));                                        /* its source stays */
    env_close(&env);

    st = env_open(&env, "dspolicy2");
    labelled_samples(st, id);
    char keep[20];
    new_dataset(st, "keeper", NULL, keep);
    CHECK_INT(add_source(st, keep, "/bkt/lab/3.jpg", NULL, 0, NULL), AV_OK);
    const char *B[] = { "B" };
    CHECK_INT(av_labels_delete(st, P, id, B, 1, AV_LABEL_DELETE_SOURCES, &e), AV_OK);
    sample_summary(st, id, summary, sizeof summary);
    CHECK_STR(summary, "1.jpg:A 2.jpg:A 4.jpg:");
    CHECK(file_there(st, "/bkt/lab/2.jpg"));                                        /* 2.jpg had another label */
    CHECK(file_there(st, "/bkt/lab/3.jpg"));                                        /* another dataset uses it */
    CHECK_INT(av_labels_delete(st, P, id, A, 1, AV_LABEL_DELETE_SOURCES, &e), AV_OK);
    CHECK(!file_there(st, "/bkt/lab/1.jpg") && !file_there(st, "/bkt/lab/2.jpg"));
    CHECK_INT(ds_count(st, id, "total"), 1);
    env_close(&env);
}

/* A source kept by an earlier delete_source goes when a label delete removes its last sample. */
static void label_delete_collects_doomed_sources(void)
{
    ds_env env;
    av_store *st = env_open(&env, "dslabcollect");
    put(st, "/bkt/c/x.jpg", "x");
    char a[20], b[20], ia[1][33];
    new_dataset(st, "a", "/bkt/c/", a);
    new_dataset(st, "b", NULL, b);
    av_label_def tag[] = { { .name = "tag", .type = -1 } };
    CHECK_INT(add_source(st, b, "/bkt/c/x.jpg", tag, 1, NULL), AV_OK);
    CHECK_INT(sample_ids(st, a, ia, 1), 1);
    const char *ids[] = { ia[0] };
    av_sample_result r;
    int ok;
    av_err e;
    CHECK_INT(av_samples_delete(st, P, a, ids, 1, 1, &r, &ok, &e), AV_OK);
    CHECK(r.kept);
    av_sample_results_free(&r, 1);
    const char *names[] = { "tag" };
    CHECK_INT(av_labels_delete(st, P, b, names, 1, AV_LABEL_DELETE_SAMPLES, &e), AV_OK);
    CHECK_INT(ds_count(st, b, "total"), 0);
    CHECK(!file_there(st, "/bkt/c/x.jpg"));                                 /* its deletion was asked for before */
    env_close(&env);
}

/* ---- versions --------------------------------------------------------------------------------- */

static void version_spec_is_checked(void)
{
    ds_env env;
    av_store *st = env_open(&env, "dsvspec");
    char id[20], v[20] = "";
    new_dataset(st, "v", NULL, id);
    char long_name[AV_DS_VERSION_NAME_MAX + 2], long_desc[AV_DS_DESC_MAX + 2];
    memset(long_name, 'v', sizeof long_name - 1), long_name[sizeof long_name - 1] = 0;
    memset(long_desc, 'd', sizeof long_desc - 1), long_desc[sizeof long_desc - 1] = 0;
    json_object *arr = json_object_new_array();
    const struct { av_version_spec spec; int code; } bad[] = {
        { { .name = "bad name" }, AV_EINVAL }, { { .name = "" }, AV_EINVAL }, { { .name = long_name }, AV_EINVAL },
        { { .description = long_desc }, AV_ELIMIT }, { { .extra = arr }, AV_ETYPE },
    };
    av_err e;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK_INT(av_version_create(st, P, id, &bad[i].spec, v, &e), bad[i].code);
        CHECK_INT(e.entity, AV_ENT_VERSION);
    }
    json_object *vs = NULL;
    CHECK_INT(av_version_list(st, P, id, &vs, &e), AV_OK);
    CHECK_INT(json_object_array_length(vs), 0);
    json_object_put(vs);
    CHECK_INT(ds_count(st, id, "next_version_num"), 1);                    /* refused versions use no number */
    av_version_spec named = { .name = "V002" };
    CHECK_INT(av_version_create(st, P, id, &named, v, &e), AV_OK);         /* number 1, named V002 */
    CHECK_INT(av_version_create(st, P, id, NULL, v, &e), AV_EEXIST);       /* number 2 would be V002: taken */
    CHECK_ERR(e, AV_EEXIST, AV_ENT_VERSION, "V002");
    CHECK_INT(av_version_create(st, P, id, &(av_version_spec){ .name = "n_1-x" }, v, &e), AV_OK);
    json_object_put(arr);
    env_close(&env);
}

static void versions_freeze_samples(void)
{
    ds_env env;
    av_store *st = env_open(&env, "dsversion");
    put(st, "/bkt/v/1.jpg", "one");
    put(st, "/bkt/v/2.jpg", "two");
    char id[20], v1[20], v2[20], ids[2][33];
    new_dataset(st, "ver", "/bkt/v/", id);
    CHECK_INT(sample_ids(st, id, ids, 2), 2);
    json_object *extra = json_object_new_object();
    json_object_object_add(extra, "format", json_object_new_string("csv"));
    av_version_spec spec = { .description = "first", .extra = extra };
    av_err e;
    CHECK_INT(av_version_create(st, P, id, &spec, v1, &e), AV_OK);
    av_label_def cat[] = { { .name = "cat", .type = -1 } };
    av_sample_update u = { .id = ids[0], .labels = cat, .nlabels = 1 };
    CHECK_INT(av_samples_update(st, P, id, &u, 1, &e), AV_OK);
    const char *gone[] = { ids[1] };
    av_sample_result r;
    int ok;
    CHECK_INT(av_samples_delete(st, P, id, gone, 1, 0, &r, &ok, &e), AV_OK);
    CHECK_INT(av_version_create(st, P, id, NULL, v2, &e), AV_OK);
    json_object *dd = NULL;
    CHECK_INT(av_dataset_get(st, P, id, &dd, &e), AV_OK);
    CHECK_STR(str_of(dd, "current_version_name"), "V002");
    CHECK_INT(int_of(dd, "next_version_num"), 3);
    json_object_put(dd);
    json_object *d1 = NULL, *d2 = NULL;
    CHECK_INT(av_version_get(st, P, id, v1, &d1, &e), AV_OK);
    CHECK_INT(av_version_get(st, P, id, v2, &d2, &e), AV_OK);
    CHECK_STR(str_of(d1, "name"), "V001");
    CHECK_STR(str_of(d2, "name"), "V002");
    CHECK_STR(str_of(d1, "description"), "first");
    CHECK_STR(str_of(member(d1, "extra"), "format"), "csv");
    CHECK_STR(str_of(d1, "manifest_path"), "");                            /* none until a caller attaches one */
    CHECK_INT(int_of(d1, "total"), 2);
    CHECK_INT(int_of(d1, "added"), 2);
    CHECK_INT(int_of(d2, "total"), 1);
    CHECK_INT(int_of(d2, "annotated"), 1);
    CHECK_INT(int_of(d2, "added"), 0);
    CHECK_INT(int_of(d2, "deleted"), 1);
    CHECK_INT(int_of(d2, "modified"), 1);
    CHECK_STR(str_of(d2, "previous_version_id"), v1);
    CHECK(json_object_get_boolean(member(d2, "is_current")) && !json_object_get_boolean(member(d1, "is_current")));
    CHECK_INT(json_object_array_length(member(d2, "labels")), 1);          /* the label list is frozen too */
    CHECK_INT(json_object_array_length(member(d1, "labels")), 0);
    json_object_put(d1);
    json_object_put(d2);
    av_sample_query q = { .limit = 10, .state = -1, .type = -1, .version_id = v1 };
    int64_t total;
    json_object *frozen = list_samples(st, id, &q, &total);
    CHECK_INT(total, 2);                                                   /* v1 still has the deleted sample, unlabelled */
    CHECK_INT(json_object_array_length(member(json_object_array_get_idx(frozen, 0), "labels")), 0);
    json_object_put(frozen);
    CHECK_INT(av_version_delete(st, P, id, v2, &e), AV_OK);
    json_object *d = NULL;
    CHECK_INT(av_dataset_get(st, P, id, &d, &e), AV_OK);
    CHECK_STR(str_of(d, "current_version_id"), v1);                        /* the current version falls back */
    CHECK_STR(str_of(d, "current_version_name"), "V001");
    CHECK_INT(int_of(d, "version_count"), 1);
    json_object_put(d);
    CHECK_INT(av_version_get(st, P, id, v2, &d, &e), AV_ENOTFOUND);
    CHECK_ERR(e, AV_ENOTFOUND, AV_ENT_VERSION, v2);
    json_object_put(extra);
    env_close(&env);
}

typedef struct collect { int n, stop_at; char first[33]; } collect;

static int collect_doc(void *arg, json_object *doc)
{
    collect *c = arg;
    if (c->n++ == 0) snprintf(c->first, sizeof c->first, "%s", str_of(doc, "id"));
    return c->n == c->stop_at ? 42 : 0;
}

static void version_samples_and_manifest(void)
{
    ds_env env;
    av_store *st = env_open(&env, "dsmanifest");
    put(st, "/bkt/m/1.jpg", "one");
    put(st, "/bkt/m/2.jpg", "two");
    char id[20], v[20], ids[2][33];
    new_dataset(st, "man", "/bkt/m/", id);
    CHECK_INT(sample_ids(st, id, ids, 2), 2);
    av_err e;
    CHECK_INT(av_version_create(st, P, id, NULL, v, &e), AV_OK);
    collect c = { 0 };
    CHECK_INT(av_version_samples(st, P, id, v, collect_doc, &c, &e), AV_OK);
    CHECK_INT(c.n, 2);
    CHECK_STR(c.first, ids[0]);                                            /* in sample order */
    collect stop = { .stop_at = 1 };
    CHECK_INT(av_version_samples(st, P, id, v, collect_doc, &stop, &e), 42);
    CHECK_INT(stop.n, 1);
    CHECK_INT(av_version_samples(st, P, id, "AAAAAAAAAAAAAAAAAAA", collect_doc, &c, &e), AV_ENOTFOUND);
    CHECK_INT(e.entity, AV_ENT_VERSION);

    CHECK_INT(av_version_set_manifest(st, P, id, v, "/bkt/w/none.manifest", &e), AV_ENOTFOUND);
    CHECK_ERR(e, AV_ENOTFOUND, AV_ENT_FILE, "/bkt/w/none.manifest");
    CHECK_INT(av_version_set_manifest(st, P, id, v, "/bkt/../x", &e), AV_EINVAL);
    put(st, "/bkt/w/v.manifest", "lines\n");
    CHECK_INT(av_version_set_manifest(st, P, id, "AAAAAAAAAAAAAAAAAAA", "/bkt/w/v.manifest", &e), AV_ENOTFOUND);
    CHECK_INT(e.entity, AV_ENT_VERSION);
    CHECK_INT(av_version_set_manifest(st, P, id, v, "/bkt/w/v.manifest", &e), AV_OK);
    json_object *d = NULL;
    CHECK_INT(av_version_get(st, P, id, v, &d, &e), AV_OK);
    CHECK_STR(str_of(d, "manifest_path"), "/bkt/w/v.manifest");
    json_object_put(d);
    CHECK_INT(av_file_put(st, P, "/bkt/w/v.manifest", "other", 5, &e), AV_EEXIST);   /* the version uses it */
    CHECK_ERR(e, AV_EEXIST, AV_ENT_FILE, "/bkt/w/v.manifest");
    CHECK_INT(e.reason, AV_R_IN_USE);
    char other[20], sid[33];
    new_dataset(st, "reader", NULL, other);
    CHECK_INT(add_source(st, other, "/bkt/w/v.manifest", NULL, 0, sid), AV_OK);
    const char *del[] = { sid };
    av_sample_result r;
    int ok;
    CHECK_INT(av_samples_delete(st, P, other, del, 1, 1, &r, &ok, &e), AV_OK);
    CHECK(r.ok && r.kept && r.kept_versions == 1 && r.kept_samples == 0);
    av_sample_results_free(&r, 1);
    CHECK(file_there(st, "/bkt/w/v.manifest"));                            /* a version's manifest is a reference */
    put(st, "/bkt/w/v2.manifest", "newer\n");
    CHECK_INT(av_version_set_manifest(st, P, id, v, "/bkt/w/v2.manifest", &e), AV_OK);
    CHECK(!file_there(st, "/bkt/w/v.manifest"));                           /* replaced, and asked to go: gone */
    CHECK_INT(av_version_delete(st, P, id, v, &e), AV_OK);
    CHECK(!file_there(st, "/bkt/w/v2.manifest"));                          /* the manifest goes with its version */
    env_close(&env);
}

/* ---- the reference rule ----------------------------------------------------------------------- */

static void reference_rule(void)
{
    ds_env env;
    av_store *st = env_open(&env, "dsrefs");
    av_err e;
    put(st, "/bkt/shared/x.png", "xbytes");
    char a[20], b[20], v[20], ia[4][33], ib[4][33];
    new_dataset(st, "a", "/bkt/shared/", a);
    new_dataset(st, "b", "/bkt/b/", b);
    CHECK_INT(add_source(st, b, "/bkt/shared/x.png", NULL, 0, NULL), AV_OK);
    CHECK_INT(av_version_create(st, P, b, NULL, v, &e), AV_OK);
    CHECK(sample_ids(st, a, ia, 4) == 1 && sample_ids(st, b, ib, 4) == 1);

    const char *ids[] = { ia[0], "ffffffffffffffffffffffffffffffff" };
    av_sample_result res[2];
    int ok;
    CHECK_INT(av_samples_delete(st, P, a, ids, 2, 1, res, &ok, &e), AV_OK);
    CHECK(!ok && res[0].ok && !res[1].ok);
    CHECK(res[0].kept && res[0].kept_samples == 1 && res[0].kept_versions == 1);
    CHECK_STR(res[0].path, "/bkt/shared/x.png");
    av_sample_results_free(res, 2);
    CHECK(file_there(st, "/bkt/shared/x.png"));                 /* dataset b and the version use it */
    const char *idb[] = { ib[0] };
    CHECK_INT(av_samples_delete(st, P, b, idb, 1, 0, res, &ok, &e), AV_OK);
    CHECK(ok && !res[0].kept);
    CHECK(file_there(st, "/bkt/shared/x.png"));                 /* the version still does */
    CHECK_INT(av_version_delete(st, P, b, v, &e), AV_OK);
    CHECK(!file_there(st, "/bkt/shared/x.png"));                /* asked for by a, done with the last reference */
    CHECK_INT(av_version_delete(st, P, b, v, &e), AV_ENOTFOUND);
    CHECK_ERR(e, AV_ENOTFOUND, AV_ENT_VERSION, v);
    CHECK_STR(e.scope, b);
    CHECK_INT(av_dataset_delete(st, P, "nope", &e), AV_ENOTFOUND);
    CHECK_ERR(e, AV_ENOTFOUND, AV_ENT_DATASET, "nope");
    env_close(&env);
}

static void dataset_delete_collects_doomed_sources(void)
{
    ds_env env;
    av_store *st = env_open(&env, "dsdelete");
    put(st, "/bkt/d/x.jpg", "x");
    char a[20], b[20], ia[1][33];
    new_dataset(st, "a", "/bkt/d/", a);
    new_dataset(st, "b", "/bkt/d/", b);
    CHECK_INT(sample_ids(st, a, ia, 1), 1);
    const char *ids[] = { ia[0] };
    av_sample_result r;
    int ok;
    av_err e;
    CHECK_INT(av_samples_delete(st, P, a, ids, 1, 1, &r, &ok, &e), AV_OK);
    CHECK(r.kept && r.kept_samples == 1);
    av_sample_results_free(&r, 1);
    CHECK(file_there(st, "/bkt/d/x.jpg"));                      /* dataset b still uses it */
    CHECK_INT(av_dataset_delete(st, P, b, &e), AV_OK);
    CHECK(!file_there(st, "/bkt/d/x.jpg"));                     /* its last reference went with b */
    CHECK_INT(dataset_total(st), 1);
    env_close(&env);
}

/* ---- files ------------------------------------------------------------------------------------ */

static void file_put_rules(void)
{
    ds_env env;
    av_store *st = env_open(&env, "dsfiles");
    av_err e;
    CHECK_INT(av_file_put(st, P, "/bkt/../etc/passwd", "x", 1, &e), AV_EINVAL);
    CHECK_ERR(e, AV_EINVAL, AV_ENT_FILE, "/bkt/../etc/passwd");
    char *big = xcalloc(AV_DS_FILE_BYTES + 1, 1);
    CHECK_INT(av_file_put(st, P, "/bkt/big.bin", big, AV_DS_FILE_BYTES + 1, &e), AV_ELIMIT);
    CHECK_INT(e.entity, AV_ENT_FILE);
    CHECK_INT(av_file_put(st, P, "/bkt/large.bin", big, AV_DS_SAMPLE_BYTES + 1, &e), AV_OK);   /* files may be larger than samples */
    free(big);
    put(st, "/bkt/f/a.jpg", "first");
    put(st, "/bkt/f/a.jpg", "second");                          /* nothing uses it: replaced */
    void *data;
    size_t n;
    CHECK_INT(av_file_read(st, P, "/bkt/f/a.jpg", &data, &n, &e), AV_OK);
    CHECK(n == 6 && memcmp(data, "second", 6) == 0);
    free(data);
    CHECK_INT(av_file_read(st, P, "/bkt/f/none.jpg", &data, &n, &e), AV_ENOTFOUND);
    CHECK_ERR(e, AV_ENOTFOUND, AV_ENT_FILE, "/bkt/f/none.jpg");
    CHECK_INT(av_file_read(st, "ffffffffffffffffffffffffffffffff", "/bkt/f/a.jpg", &data, &n, &e), AV_ENOTFOUND);   /* per project */
    env_close(&env);
}

static void stats_count_labels(void)
{
    ds_env env;
    av_store *st = env_open(&env, "dsstats");
    char id[20], four[33];
    labelled_samples(st, id);
    av_label_def twice[] = { { .name = "A", .type = -1 }, { .name = "A", .type = -1 } };   /* two boxes of one label */
    av_sample_update u = { .id = sample_named(st, id, "4.jpg", four), .labels = twice, .nlabels = 2 };
    json_object *s = NULL;
    av_err e;
    CHECK_INT(av_samples_update(st, P, id, &u, 1, &e), AV_OK);
    CHECK_INT(av_dataset_stats(st, P, id, &s, &e), AV_OK);
    CHECK_INT(int_of(s, "total"), 4);
    CHECK_INT(int_of(s, "annotated"), 4);
    CHECK_INT(int_of(s, "unannotated"), 0);
    json_object *l = member(s, "labels");
    CHECK_STR(str_of(json_object_array_get_idx(l, 0), "name"), "A");
    CHECK_INT(int_of(json_object_array_get_idx(l, 0), "count"), 4);       /* labels put on samples */
    CHECK_INT(int_of(json_object_array_get_idx(l, 0), "sample_count"), 3); /* samples that carry it */
    CHECK_INT(int_of(json_object_array_get_idx(l, 1), "count"), 2);
    CHECK_INT(int_of(json_object_array_get_idx(l, 1), "sample_count"), 2);
    json_object_put(s);
    CHECK_INT(av_dataset_stats(st, P, "nope", &s, &e), AV_ENOTFOUND);
    env_close(&env);
}

/* ---- migration 10 ----------------------------------------------------------------------------- */

static int sql(sqlite3 *db, const char *q)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, q, NULL, NULL, &msg);
    if (rc != SQLITE_OK) fprintf(stderr, "  sql: %s\n", msg);
    sqlite3_free(msg);
    return rc;
}

/* Turns a fresh data dir back into schema 9 and writes rows the way the engine wrote them then. */
static void write_schema9(const char *dir)
{
    char path[128];
    snprintf(path, sizeof path, "%s/annovec.db", dir);
    sqlite3 *db;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_INT(sql(db, "ALTER TABLE dataset DROP COLUMN data_path; ALTER TABLE dataset DROP COLUMN work_path;"
                      "ALTER TABLE dataset DROP COLUMN label_sep; ALTER TABLE dataset DROP COLUMN sample_sep;"
                      "ALTER TABLE dataset RENAME COLUMN extra TO spec; ALTER TABLE sample DROP COLUMN origin;"
                      "PRAGMA user_version = 9;"), SQLITE_OK);
    char *q = sqlite3_mprintf(
        "INSERT INTO dataset(id, project, name, type, description, spec, created_ms, updated_ms, next_version) VALUES "
        "('OLDDATASET000000000', %Q, 'old', 100, 'd', '{\"dataset_name\":\"old\",\"data_path\":\"/bkt/old/\",\"work_path\":\"/bkt/w/\","
        "\"label_format\":{\"text_label_separator\":\";\",\"text_sample_separator\":\"|\"},\"workspace_id\":\"ws\"}', 1, 1, 2);"
        "INSERT INTO dataset(id, project, name, type, description, spec, created_ms, updated_ms) VALUES "
        "('OLDPLAIN00000000000', %Q, 'plain', 0, '', '{\"dataset_name\":\"plain\"}', 1, 1);"
        "INSERT INTO sample(id, project, dataset, seq, name, dir, type, path, size, text, labels, metadata, status, created_ms, updated_ms) VALUES "
        "('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', %Q, 'OLDDATASET000000000', 1, 'a.txt', '/bkt/old/', 1, NULL, 2, 'hi', '[]', '{}', 0, 1, 1),"
        "('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', %Q, 'OLDPLAIN00000000000', 1, 'b.jpg', '/bkt/p/', 0, '/bkt/p/b.jpg', 1, NULL, '[]', '{\"k\":1}', 0, 1, 1);"
        "INSERT INTO ds_version(id, dataset, name, num, doc, labels, manifest_path, created_ms) VALUES "
        "('OLDVERSION000000000', 'OLDDATASET000000000', 'V001', 1, '{\"description\":\"first\",\"version_format\":\"CSV\","
        "\"previous_version_id\":null,\"total\":1,\"annotated\":0,\"added\":1,\"modified\":0,\"deleted\":0}', '[]', '/bkt/w/V001.manifest', 1);",
        P, P, P, P);
    CHECK_INT(sql(db, q), SQLITE_OK);
    sqlite3_free(q);
    sqlite3_close(db);
}

static void schema9_data_reads_after_migration(void)
{
    ds_env env;
    av_store *st = env_open(&env, "dsmigrate");
    av_store_close(st);
    write_schema9(env.dir);
    av_err e;
    CHECK_INT(av_store_open(env.dir, &env.st, &e), AV_OK);
    st = env.st;
    json_object *d = NULL;
    CHECK_INT(av_dataset_get(st, P, "OLDDATASET000000000", &d, &e), AV_OK);
    CHECK_STR(str_of(d, "data_path"), "/bkt/old/");
    CHECK_STR(str_of(d, "work_path"), "/bkt/w/");
    CHECK_STR(str_of(d, "label_sep"), ";");
    CHECK_STR(str_of(d, "sample_sep"), "|");
    CHECK_STR(str_of(member(d, "extra"), "workspace_id"), "ws");           /* the caller's fields stay theirs */
    CHECK(member(member(d, "extra"), "label_format") != NULL);
    CHECK(member(member(d, "extra"), "data_path") == NULL);                /* the engine's are columns now */
    json_object_put(d);
    CHECK_INT(av_dataset_get(st, P, "OLDPLAIN00000000000", &d, &e), AV_OK);
    CHECK_STR(str_of(d, "data_path"), "");
    CHECK_STR(str_of(d, "label_sep"), ",");
    CHECK_STR(str_of(d, "sample_sep"), "\t");
    json_object_put(d);
    json_object *v = NULL;
    CHECK_INT(av_version_get(st, P, "OLDDATASET000000000", "OLDVERSION000000000", &v, &e), AV_OK);
    CHECK_STR(str_of(v, "description"), "first");
    CHECK_STR(str_of(member(v, "extra"), "version_format"), "CSV");
    CHECK(member(v, "version_format") == NULL);
    CHECK_INT(int_of(v, "total"), 1);
    CHECK_INT(int_of(v, "added"), 1);
    CHECK_STR(str_of(v, "manifest_path"), "/bkt/w/V001.manifest");
    json_object_put(v);
    json_object *docs = list_samples(st, "OLDDATASET000000000", NULL, NULL);
    CHECK_INT(int_of(json_object_array_get_idx(docs, 0), "origin"), AV_ORIGIN_TEXT_LINE);
    json_object_put(docs);
    docs = list_samples(st, "OLDPLAIN00000000000", NULL, NULL);
    CHECK_INT(int_of(json_object_array_get_idx(docs, 0), "origin"), AV_ORIGIN_ADDED);
    CHECK_INT(int_of(member(json_object_array_get_idx(docs, 0), "metadata"), "k"), 1);
    json_object_put(docs);
    put(st, "/bkt/old/more.txt", "line|x;y\n");                            /* the migrated separators are used */
    av_sample_in in = { .source = "/bkt/old/more.txt", .type = -1 };
    av_sample_result r;
    CHECK_INT(av_samples_add(st, P, "OLDDATASET000000000", &in, 1, 1, &r, &e), AV_OK);
    CHECK(r.ok && r.count == 1);
    av_sample_results_free(&r, 1);
    docs = list_samples(st, "OLDDATASET000000000", NULL, NULL);
    json_object *line = json_object_array_get_idx(docs, 1);
    CHECK_STR(str_of(line, "text"), "line");
    CHECK_INT(json_object_array_length(member(line, "labels")), 2);
    json_object_put(docs);
    char v2[20];
    CHECK_INT(av_version_create(st, P, "OLDDATASET000000000", NULL, v2, &e), AV_OK);
    CHECK_INT(av_version_get(st, P, "OLDDATASET000000000", v2, &v, &e), AV_OK);
    CHECK_STR(str_of(v, "name"), "V002");
    CHECK_STR(str_of(v, "previous_version_id"), "OLDVERSION000000000");
    json_object_put(v);
    env_close(&env);
}

TEST_MAIN(TEST_CASE(paths), TEST_CASE(base64), TEST_CASE(create_validates_its_spec), TEST_CASE(create_imports_the_input_path),
          TEST_CASE(list_sorts_pages_and_filters), TEST_CASE(label_delete_collects_doomed_sources),
          TEST_CASE(text_dataset_reads_lines), TEST_CASE(update_is_all_or_nothing), TEST_CASE(labels_add_and_update),
          TEST_CASE(label_delete_policies), TEST_CASE(version_spec_is_checked), TEST_CASE(versions_freeze_samples),
          TEST_CASE(version_samples_and_manifest), TEST_CASE(reference_rule), TEST_CASE(dataset_delete_collects_doomed_sources),
          TEST_CASE(file_put_rules), TEST_CASE(stats_count_labels), TEST_CASE(schema9_data_reads_after_migration))
