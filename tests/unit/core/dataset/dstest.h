/*
 * dstest.h — what the dataset engine's unit tests share: a fresh store per case, datasets, files,
 * samples and the checks on an engine failure (code, entity, reason, name, index) and on "nothing
 * changed". Header-only, like test.h.
 */
#ifndef AV_DSTEST_H
#define AV_DSTEST_H

#include "annovec_dataset.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static const char *P = "0123456789abcdef0123456789abcdef";

typedef struct ds_env { char dir[64]; av_store *st; } ds_env;

static inline av_store *env_open(ds_env *env, const char *tag)
{
    av_err e;
    test_tmpdir(env->dir, sizeof env->dir, tag);
    if (av_store_open(env->dir, &env->st, &e) != AV_OK) { fprintf(stderr, "store: %s\n", e.msg); exit(2); }
    char id[33];
    av_project_resolve(env->st, P, 1, id, &e);
    return env->st;
}

static inline void env_close(ds_env *env)
{
    av_store_close(env->st);
    test_rmdir(env->dir);
}

/* A file dataset on data_path (work path /bkt/out/); its id into id. */
static inline char *new_dataset(av_store *st, const char *name, const char *data_path, char id[20])
{
    av_dataset_spec spec = { .name = name, .data_path = data_path, .work_path = "/bkt/out/" };
    av_err e;
    CHECK_INT(av_dataset_create(st, P, &spec, id, &e), AV_OK);
    return id;
}

static inline void put(av_store *st, const char *path, const char *bytes)
{
    av_err e;
    CHECK_INT(av_file_put(st, P, path, bytes, strlen(bytes), &e), AV_OK);
}

static inline int file_there(av_store *st, const char *path)
{
    void *d = NULL;
    size_t n;
    int rc = av_file_read(st, P, path, &d, &n, NULL);
    free(d);
    return rc == AV_OK;
}

static inline json_object *member(json_object *o, const char *k)
{
    json_object *v = NULL;
    json_object_object_get_ex(o, k, &v);
    return v;
}
static inline int64_t int_of(json_object *o, const char *k) { return json_object_get_int64(member(o, k)); }
static inline const char *str_of(json_object *o, const char *k) { return json_object_get_string(member(o, k)); }

/* A member of the dataset document (an integer count, or a string). */
static inline int64_t ds_count(av_store *st, const char *ds, const char *k)
{
    json_object *d = NULL;
    int64_t v = -1;
    if (av_dataset_get(st, P, ds, &d, NULL) == AV_OK) v = int_of(d, k);
    json_object_put(d);
    return v;
}

/* Sample documents of a dataset in order (q may be NULL: all of them). */
static inline json_object *list_samples(av_store *st, const char *ds, const av_sample_query *q, int64_t *total)
{
    av_sample_query all = { .limit = 1000, .state = -1, .type = -1 };
    json_object *docs = NULL;
    int64_t t;
    CHECK_INT(av_samples_list(st, P, ds, q ? q : &all, &docs, total ? total : &t, NULL), AV_OK);
    return docs;
}

/* Sample ids of a dataset in order, into ids[max][33]; returns how many. */
static inline int sample_ids(av_store *st, const char *ds, char ids[][33], int max)
{
    json_object *docs = list_samples(st, ds, NULL, NULL);
    int n = 0;
    for (size_t i = 0; docs && i < json_object_array_length(docs) && n < max; i++)
        snprintf(ids[n++], 33, "%s", str_of(json_object_array_get_idx(docs, i), "id"));
    json_object_put(docs);
    return n;
}

/* The id of the sample whose name is `name` ("" when none). */
static inline const char *sample_named(av_store *st, const char *ds, const char *name, char id[33])
{
    json_object *docs = list_samples(st, ds, NULL, NULL);
    id[0] = 0;
    for (size_t i = 0; docs && i < json_object_array_length(docs); i++)
        if (strcmp(str_of(json_object_array_get_idx(docs, i), "name"), name) == 0)
            snprintf(id, 33, "%s", str_of(json_object_array_get_idx(docs, i), "id"));
    json_object_put(docs);
    return id;
}

/* Adds one sample of a path already in the namespace; its id into id (may be NULL). */
static inline int add_source(av_store *st, const char *ds, const char *path, const av_label_def *labels, int nlabels, char id[33])
{
    av_sample_in in = { .source = path, .type = -1, .labels = labels, .nlabels = nlabels };
    av_sample_result r;
    av_err e;
    int rc = av_samples_add(st, P, ds, &in, 1, 1, &r, &e);
    if (rc == AV_OK && !r.ok) rc = r.err.code;
    if (id) snprintf(id, 33, "%s", rc == AV_OK ? r.id : "");
    av_sample_results_free(&r, 1);
    return rc;
}

static inline int name_is(const char *got, const char *want)
{
    if (want && strcmp(got, want) != 0) fprintf(stderr, "  err.name is \"%s\", want \"%s\"\n", got, want);
    return !want || strcmp(got, want) == 0;
}

/* The failure e is (code, entity) with that name (NULL: not checked) and some message. */
#define CHECK_ERR(e, want_code, want_entity, want_name) do { \
    CHECK_INT((e).code, want_code); \
    CHECK_INT((e).entity, want_entity); \
    CHECK(name_is((e).name, want_name)); \
    CHECK((e).msg[0] != 0); \
} while (0)

#endif
