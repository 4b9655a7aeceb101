/*
 * vikingdb_task.c — VikingDB V1 tasks (/api/task/{create,info,list,update,drop}): the `filter_delete`
 * task deletes every row of a collection that matches a filter (VikingDB's only delete-by-filter).
 *
 * create: {"task_type":"filter_delete","task_params":{collection_name, filter | filter_conds:[..],
 * need_confirm (default true)}}. With need_confirm the task stops in status "confirm" with the number
 * of matching rows and a sample of them; update {task_id, task_status:"confirmed"} runs it. Without,
 * it runs at once. Running is one engine delete-by-filter: one transaction, visible to every read
 * when the call returns. Tasks are kept as engine records (durable). Statuses: confirm, done, fail.
 * Engine errors get their code and text from tk_errors (api/dialect.h).
 */
#include "api/app.h"
#include "api/vikingdb.h"
#include "lib/util.h"

#include <stdlib.h>
#include <string.h>

#define KIND "vikingdb_task"
#define SAMPLE_ROWS 5

enum { TK_INVALID = VK_INVALID, TK_NO_COLLECTION = 1000005, TK_BAD_FILTER = 1000019, TK_INTERNAL = VK_INTERNAL };

/* Contexts of the error table (see api/dialect.h). */
enum {
    TK_RUN = API_CTX_DIALECT,          /* counting or deleting a task's rows */
    TK_RECORD = API_CTX_DIALECT << 1,  /* storing or listing tasks */
};

/* Wire code and text of every error the plumbing or the engine reports; first match wins. */
static const api_error_row tk_errors[] = {
    { 0, API_ANY, API_ENT_BODY, API_ANY, TK_INVALID, "invalid request: {msg}" },
    { API_CTX_OPEN, API_ANY, API_ANY, API_ANY, TK_NO_COLLECTION, "collection not exist: {arg:256}" },
    { TK_RUN, AV_EFILTER, API_ANY, API_ANY, TK_BAD_FILTER, "invalid scalar filter: {msg}" },
    { TK_RUN, AV_EUNSAFE, API_ANY, API_ANY, TK_BAD_FILTER, "invalid scalar filter: {msg}" },
    { TK_RUN, AV_EIO, API_ANY, API_ANY, TK_INTERNAL, "invalid request: {msg}" },
    { TK_RECORD, API_ANY, API_ANY, API_ANY, TK_INTERNAL, NULL },
    { 0, API_ANY, API_ANY, API_ANY, TK_INVALID, "invalid request: {msg}" },
};

/* Without a body, task_id may be in the query string. */
static const char *const query_keys[] = { "task_id", NULL };

static const api_dialect tk_api = {
    vk_v1_reply, tk_errors, sizeof tk_errors / sizeof *tk_errors, NULL, 0,
    API_EMPTY_QUERY | API_REQUEST_ID, "collection_name", query_keys, NULL,
};

static const av_dialect dialect = { "vikingdb_v1_task", vk_v1_transport_error, vk_authenticate };

static void ok(api_ctx *t, json_object *data)
{
    vk_v1_ok(t->res, t->rid, data);
}

/* The task's filter: task_params.filter (one filter) or task_params.filter_conds (all must hold). */
static int task_filter(av_collection *c, json_object *params, av_filter **f, av_err *err)
{
    json_object *one = NULL, *conds = NULL;
    json_object_object_get_ex(params, "filter", &one);
    json_object_object_get_ex(params, "filter_conds", &conds);
    if (one) return av_filter_compile_viking(c, one, f, err);
    if (!conds || !json_object_is_type(conds, json_type_array) || json_object_array_length(conds) == 0)
        return av_fail(err, AV_EFILTER, "a filter_delete task needs task_params.filter (or filter_conds, a non-empty list)");
    json_object *and = json_object_new_object();
    json_object_object_add(and, "op", json_object_new_string("and"));
    json_object_object_add(and, "conds", json_object_get(conds));
    int rc = av_filter_compile_viking(c, and, f, err);
    json_object_put(and);
    return rc;
}

static int sample_row(void *ctx, const av_row_view *row)
{
    void **x = ctx;
    json_object_array_add(x[1], vk_row_json(x[0], x[2], row, NULL, 0));
    return 0;
}

static void set_info(json_object *task, const char *status, json_object *process)
{
    json_object_object_add(task, "task_status", json_object_new_string(status));
    json_object_object_add(task, "update_time", json_object_new_int64(av_now_ms()));
    if (process) json_object_object_add(task, "process_info", process);
}

/* Counts and samples the matching rows (status confirm), or deletes them (status done). Fills the
 * task's status and process_info; returns 0, or -1 with the error answered. */
static int run_task(api_ctx *t, json_object *task, int execute)
{
    json_object *params = NULL;
    json_object_object_get_ex(task, "task_params", &params);
    const char *name = vk_str(params, "collection_name", NULL);
    av_filter *f = NULL;
    av_err e;
    if (!name) return api_failf(t, TK_NO_COLLECTION, "collection not exist: (task_params.collection_name missing)");
    if (api_open_named(t, name)) return -1;
    av_collection *c = t->c;
    int rc = task_filter(c, params, &f, &e);
    json_object *process = json_object_new_object();
    int64_t matched = 0, deleted = 0, total = av_collection_count(c);
    if (rc == AV_OK) rc = av_count(c, f, &matched, &e);
    if (rc == AV_OK && execute) rc = av_delete_filter(c, f, &deleted, &e);
    if (rc == AV_OK && !execute) {
        api_fields sel = { 0 };
        vk_output_fields(c, NULL, 0, &sel, &e);
        json_object *sample = json_object_new_array();
        void *x[3] = { c, sample, &sel };
        av_query(c, f, 0, SAMPLE_ROWS, sample_row, x, &e);
        api_fields_free(&sel);
        json_object_object_add(process, "sampled_data", sample);
        json_object_object_add(process, "sampled_timestamp", json_object_new_int64(av_now_ms()));
    }
    av_filter_free(f);
    if (rc) {
        json_object_put(process);
        api_fail(t, TK_RUN, &e);
        return -1;
    }
    json_object_object_add(process, "total_data_count", json_object_new_int64(total));
    json_object_object_add(process, "total_filter_count", json_object_new_int64(matched));
    json_object_object_add(process, "total_delete_count", json_object_new_int64(deleted));
    json_object_object_add(process, "task_progress", json_object_new_int(execute ? 100 : 0));
    json_object_object_add(process, "process_step", json_object_new_string(execute ? "done" : "confirm"));
    json_object_object_add(process, "err_msg", json_object_new_string(""));
    set_info(task, execute ? "done" : "confirm", process);
    return 0;
}

static void task_create(av_http_req *req, av_http_res *res)
{
    api_ctx t;
    if (api_begin(req, res, &tk_api, &t)) { api_end(&t); return; }
    json_object *params = NULL;
    const char *type = vk_str(t.body, "task_type", NULL);
    int confirm = 1;
    av_err e;
    if (!type) api_failf(&t, TK_INVALID, "invalid request: task_type is required");
    else if (strcmp(type, "filter_delete") != 0) api_failf(&t, TK_INVALID, "invalid request: task_type \"%.32s\" is not supported; annovec runs filter_delete", type);
    else if (!json_object_object_get_ex(t.body, "task_params", &params) || !json_object_is_type(params, json_type_object))
        api_failf(&t, TK_INVALID, "invalid request: task_params (an object) is required");
    else if (api_get_bool(params, "need_confirm", &confirm) == API_WRONG_TYPE) api_failf(&t, TK_INVALID, "invalid request: need_confirm must be a boolean");
    else {
        unsigned char r[12];
        char id[25];
        av_random(r, sizeof r);
        av_hex(r, sizeof r, id);
        json_object *task = json_object_new_object(), *copy = NULL;
        json_object_deep_copy(params, &copy, NULL);
        json_object_object_add(task, "task_id", json_object_new_string(id));
        json_object_object_add(task, "task_type", json_object_new_string(type));
        json_object_object_add(task, "task_params", copy);
        json_object_object_add(task, "create_time", json_object_new_int64(av_now_ms()));
        json_object_object_add(task, "update_person", json_object_new_string(""));
        if (run_task(&t, task, !confirm) == 0) {
            if (av_record_put(req->store, t.project, KIND, id, task, &e)) api_fail(&t, TK_RECORD, &e);
            else {
                json_object *d = json_object_new_object();
                json_object_object_add(d, "task_id", json_object_new_string(id));
                ok(&t, d);
            }
        }
        json_object_put(task);
    }
    api_end(&t);
}

/* The task named by task_id (answers the error itself). */
static json_object *load_task(api_ctx *t)
{
    const char *id = vk_str(t->body, "task_id", NULL);
    json_object *task = NULL;
    if (!id) { api_failf(t, TK_INVALID, "invalid request: task_id is required"); return NULL; }
    if (av_record_get(t->req->store, t->req->principal.project, KIND, id, &task, NULL)) {
        api_failf(t, TK_INVALID, "invalid request: task %.64s does not exist", id);
        return NULL;
    }
    return task;
}

static void task_info(av_http_req *req, av_http_res *res)
{
    api_ctx t;
    if (api_begin(req, res, &tk_api, &t)) { api_end(&t); return; }
    json_object *task = load_task(&t);
    if (task) {
        json_object *d = json_object_new_object();
        json_object_object_add(d, "process_info", task);   /* the SDK reads data.process_info */
        ok(&t, d);
    }
    api_end(&t);
}

static void task_list(av_http_req *req, av_http_res *res)
{
    api_ctx t;
    if (api_begin(req, res, &tk_api, &t)) { api_end(&t); return; }
    json_object *all = NULL;
    av_err e;
    if (av_record_list(req->store, t.project, KIND, &all, &e)) api_fail(&t, TK_RECORD, &e);
    else ok(&t, all);
    api_end(&t);
}

static void task_update(av_http_req *req, av_http_res *res)
{
    api_ctx t;
    if (api_begin(req, res, &tk_api, &t)) { api_end(&t); return; }
    json_object *task = load_task(&t);
    const char *want = vk_str(t.body, "task_status", NULL);
    av_err e;
    if (task) {
        const char *status = vk_str(task, "task_status", "");
        if (!want || strcmp(want, "confirmed") != 0)
            api_failf(&t, TK_INVALID, "invalid request: task_status must be \"confirmed\" (to run a task waiting in \"confirm\")");
        else if (strcmp(status, "confirm") != 0)
            api_failf(&t, TK_INVALID, "invalid request: the task is \"%s\"; only a task in \"confirm\" can be confirmed", status);
        else if (run_task(&t, task, 1) == 0) {
            if (av_record_put(req->store, t.project, KIND, vk_str(task, "task_id", ""), task, &e)) api_fail(&t, TK_RECORD, &e);
            else ok(&t, NULL);
        }
        json_object_put(task);
    }
    api_end(&t);
}

static void task_drop(av_http_req *req, av_http_res *res)
{
    api_ctx t;
    if (api_begin(req, res, &tk_api, &t)) { api_end(&t); return; }
    const char *id = vk_str(t.body, "task_id", NULL);
    if (!id) api_failf(&t, TK_INVALID, "invalid request: task_id is required");
    else if (av_record_drop(req->store, req->principal.project, KIND, id, NULL)) api_failf(&t, TK_INVALID, "invalid request: task %.64s does not exist", id);
    else ok(&t, NULL);
    api_end(&t);
}

void vikingdb_task_register(void)
{
    static const struct { const char *path; av_http_handler h; } routes[] = {
        {"/api/task/create", task_create}, {"/api/task/info", task_info}, {"/api/task/list", task_list},
        {"/api/task/update", task_update}, {"/api/task/drop", task_drop},
    };
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        av_http_route("POST", routes[i].path, &dialect, routes[i].h);
        av_http_route("GET", routes[i].path, &dialect, routes[i].h);
    }
}
