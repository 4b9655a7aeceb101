/*
 * test_workforce.c — team labeling tasks (core/dataset/workforce.c): spec checks with the failing
 * team's index, documents, listing, update and start, deletes that leave samples alone, tasks going
 * with their dataset, and other projects seeing none of it.
 */
#include "dstest.h"

static const av_task_worker W1[] = { { "a@example.com", AV_ROLE_LABELER }, { "b@example.com", AV_ROLE_REVIEWER } };
static const av_task_worker W2[] = { { "c@example.com", AV_ROLE_ADMIN } };
static const av_task_team TEAMS[] = { { "teamA", W1, 2 }, { "teamB", W2, 1 } };

static int ntasks(av_store *st, const char *ds)
{
    json_object *docs = NULL;
    int64_t total = -1;
    if (av_task_list(st, P, ds, 0, 1000, &docs, &total, NULL) != AV_OK) return -1;
    json_object_put(docs);
    return (int)total;
}

static void create_checks_its_spec(void)
{
    ds_env env;
    av_store *st = env_open(&env, "wfspec");
    char ds[20], id[20];
    new_dataset(st, "d", "/bkt/in/", ds);
    av_err e;
    av_task_spec s = { .name = "t1", .teams = TEAMS, .nteams = 2 };
    CHECK_INT(av_task_create(st, P, ds, &s, id, &e), AV_OK);
    CHECK_INT(av_task_create(st, P, ds, &s, id, &e), AV_EEXIST);
    CHECK_ERR(e, AV_EEXIST, AV_ENT_TASK, "t1");
    av_task_spec no_name = { .teams = TEAMS, .nteams = 2 };
    CHECK_INT(av_task_create(st, P, ds, &no_name, id, &e), AV_EINVAL);
    CHECK_INT(e.entity, AV_ENT_TASK);
    CHECK_INT(e.reason, AV_R_MISSING);
    av_task_spec no_teams = { .name = "t2", .nteams = -1 };
    CHECK_INT(av_task_create(st, P, ds, &no_teams, id, &e), AV_EINVAL);
    av_task_spec bad_name = { .name = "a b", .teams = TEAMS, .nteams = 2 };
    CHECK_INT(av_task_create(st, P, ds, &bad_name, id, &e), AV_EINVAL);
    av_task_spec bad_rep = { .name = "t3", .repetition = AV_TASK_REPETITION_MAX + 1, .teams = TEAMS, .nteams = 2 };
    CHECK_INT(av_task_create(st, P, ds, &bad_rep, id, &e), AV_EINVAL);
    static const av_task_worker bad_email[] = { { "nobody", 0 } }, bad_role[] = { { "x@y.zz", 4 } }, twice[] = { { "x@y.zz", 0 }, { "X@Y.zz", 1 } };
    const av_task_team bad_teams[][2] = {
        { { "ok", W2, 1 }, { "bad", bad_email, 1 } }, { { "ok", W2, 1 }, { "bad", bad_role, 1 } },
        { { "ok", W2, 1 }, { "bad", twice, 2 } }, { { "ok", W2, 1 }, { "ok", W1, 2 } }, { { "ok", W2, 1 }, { "noworkers", W1, 0 } },
        { { "ok", W2, 1 }, { "bad id!", W1, 2 } },
    };
    for (size_t i = 0; i < sizeof bad_teams / sizeof *bad_teams; i++) {
        av_task_spec b = { .name = "tb", .teams = bad_teams[i], .nteams = 2 };
        e.index = -1;
        CHECK_INT(av_task_create(st, P, ds, &b, id, &e), AV_EINVAL);
        CHECK_INT(e.entity, AV_ENT_TASK);
        CHECK_INT(e.index, 1);                                   /* the second team is the bad one */
    }
    CHECK_INT(ntasks(st, ds), 1);                                /* nothing was created by the refusals */
    CHECK_INT(av_task_create(st, P, "AAAAAAAAAAAAAAAAAAA", &s, id, &e), AV_ENOTFOUND);
    CHECK_INT(e.entity, AV_ENT_DATASET);
    env_close(&env);
}

static void documents_update_and_start(void)
{
    ds_env env;
    av_store *st = env_open(&env, "wfdoc");
    char ds[20], id[20], sid[33];
    new_dataset(st, "d", "/bkt/in/", ds);
    put(st, "/bkt/in/a.jpg", "a");
    av_label_def cat = { .name = "cat", .type = -1 };
    CHECK_INT(add_source(st, ds, "/bkt/in/a.jpg", &cat, 1, sid), AV_OK);
    av_err e;
    json_object *extra = json_tokener_parse("{\"k\":1}");
    av_task_spec s = { .name = "t1", .description = "d", .repetition = 3, .teams = TEAMS, .nteams = 2, .extra = extra };
    CHECK_INT(av_task_create(st, P, ds, &s, id, &e), AV_OK);
    json_object_put(extra);
    json_object *d = NULL;
    CHECK_INT(av_task_get(st, P, ds, id, &d, &e), AV_OK);
    CHECK_STR(str_of(d, "name"), "t1");
    CHECK_INT(int_of(d, "status"), AV_TASK_CREATED);
    CHECK_INT(int_of(d, "repetition"), 3);
    CHECK_INT(int_of(d, "team_count"), 2);
    CHECK_INT(int_of(d, "labelers"), 1);
    CHECK_INT(int_of(d, "reviewers"), 1);
    CHECK_INT(int_of(d, "admins"), 1);
    CHECK_INT(int_of(member(d, "extra"), "k"), 1);
    CHECK_INT(int_of(member(d, "samples"), "total"), 1);
    CHECK_INT(int_of(member(d, "samples"), "annotated"), 1);
    CHECK(member(d, "started_ms") == NULL);
    json_object_put(d);

    av_task_spec nothing = { .nteams = -1 };
    CHECK_INT(av_task_update(st, P, ds, id, &nothing, &e), AV_EINVAL);
    extra = json_tokener_parse("{\"j\":2}");
    av_task_spec u = { .name = "t1b", .nteams = -1, .extra = extra };
    CHECK_INT(av_task_update(st, P, ds, id, &u, &e), AV_OK);
    json_object_put(extra);
    CHECK_INT(av_task_start(st, P, ds, id, &TEAMS[1], 1, &e), AV_OK);
    CHECK_INT(av_task_get(st, P, ds, id, &d, &e), AV_OK);
    CHECK_STR(str_of(d, "name"), "t1b");
    CHECK_STR(str_of(d, "description"), "d");                    /* unchanged */
    CHECK_INT(int_of(d, "repetition"), 3);
    CHECK_INT(int_of(d, "status"), AV_TASK_RUNNING);
    CHECK_INT(int_of(d, "team_count"), 1);
    CHECK_INT(int_of(member(d, "extra"), "k"), 1);              /* extra members merge */
    CHECK_INT(int_of(member(d, "extra"), "j"), 2);
    CHECK(member(d, "started_ms") != NULL);
    json_object_put(d);
    CHECK_INT(av_task_start(st, P, ds, "BBBBBBBBBBBBBBBBBBB", NULL, -1, &e), AV_ENOTFOUND);
    CHECK_ERR(e, AV_ENOTFOUND, AV_ENT_TASK, "BBBBBBBBBBBBBBBBBBB");
    env_close(&env);
}

static void list_delete_and_isolation(void)
{
    ds_env env;
    av_store *st = env_open(&env, "wflist");
    char ds[20], other[20], ids[3][20], sid[33];
    new_dataset(st, "d", "/bkt/in/", ds);
    new_dataset(st, "o", "/bkt/o/", other);
    put(st, "/bkt/in/a.jpg", "a");
    CHECK_INT(add_source(st, ds, "/bkt/in/a.jpg", NULL, 0, sid), AV_OK);
    av_err e;
    const char *names[] = { "t0", "t1", "t2" };
    for (int i = 0; i < 3; i++) {
        av_task_spec s = { .name = names[i], .teams = TEAMS, .nteams = 1 };
        CHECK_INT(av_task_create(st, P, ds, &s, ids[i], &e), AV_OK);
    }
    json_object *docs = NULL;
    int64_t total;
    CHECK_INT(av_task_list(st, P, ds, 1, 1, &docs, &total, &e), AV_OK);
    CHECK_INT(total, 3);
    CHECK_INT((int)json_object_array_length(docs), 1);
    CHECK_STR(str_of(json_object_array_get_idx(docs, 0), "name"), "t1");   /* oldest first */
    json_object_put(docs);
    CHECK_INT(av_task_list(st, P, ds, 0, 0, &docs, &total, &e), AV_EINVAL);
    CHECK_INT(av_task_get(st, P, other, ids[0], &docs, &e), AV_ENOTFOUND);  /* a task of another dataset */
    CHECK_INT(e.entity, AV_ENT_TASK);
    CHECK_INT(av_task_delete(st, P, other, ids[0], &e), AV_ENOTFOUND);
    char other_project[33];
    av_project_resolve(st, "fedcba9876543210fedcba9876543210", 1, other_project, &e);
    CHECK_INT(av_task_get(st, "fedcba9876543210fedcba9876543210", ds, ids[0], &docs, &e), AV_ENOTFOUND);
    CHECK_INT(e.entity, AV_ENT_DATASET);                         /* another project does not see the dataset */
    CHECK_INT(av_task_delete(st, P, ds, ids[0], &e), AV_OK);
    CHECK_INT(av_task_delete(st, P, ds, ids[0], &e), AV_ENOTFOUND);
    CHECK_INT(ntasks(st, ds), 2);
    char left[1][33];
    CHECK_INT(sample_ids(st, ds, left, 1), 1);                   /* the sample stays */
    CHECK_STR(left[0], sid);
    CHECK_INT(av_dataset_delete(st, P, ds, &e), AV_OK);
    CHECK_INT(av_task_get(st, P, ds, ids[1], &docs, &e), AV_ENOTFOUND);
    CHECK_INT(e.entity, AV_ENT_DATASET);
    av_task_spec s = { .name = "t1", .teams = TEAMS, .nteams = 1 };
    CHECK_INT(av_task_create(st, P, other, &s, ids[0], &e), AV_OK);   /* names are per dataset */
    env_close(&env);
}

TEST_MAIN(TEST_CASE(create_checks_its_spec), TEST_CASE(documents_update_and_start), TEST_CASE(list_delete_and_isolation))
