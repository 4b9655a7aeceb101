/*
 * vikingdb_task.c — VikingDB V1 tasks (/api/task/{create,info,list,update,drop}): the `filter_delete`
 * task deletes every row of a collection that matches a filter (VikingDB's only delete-by-filter).
 *
 * create: {"task_type":"filter_delete","task_params":{collection_name, filter | filter_conds:[..],
 * need_confirm (default true)}}. With need_confirm the task stops in status "confirm" with the number
 * of matching rows and a sample of them; update {task_id, task_status:"confirmed"} runs it. Without,
 * it runs at once. Running is one engine delete-by-filter: one transaction, visible to every read
 * when the call returns. Tasks are kept as engine records (durable). Statuses: confirm, done, fail.
 */
#include "api/app.h"
#include "api/vikingdb.h"
#include "lib/util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define KIND "vikingdb_task"
#define SAMPLE_ROWS 5

enum { TK_INVALID = VK_INVALID, TK_NO_COLLECTION = 1000005, TK_BAD_FILTER = 1000019, TK_INTERNAL = VK_INTERNAL };

typedef struct tk {
    av_http_req *req;
    av_http_res *res;
    json_object *body;
    char rid[33];
} tk;

#define tk_error(x, code, ...) vk_v1_error((x)->res, (x)->rid, code, __VA_ARGS__)
#define tk_ok(x, data) vk_v1_ok((x)->res, (x)->rid, data)

static const av_dialect dialect = { "vikingdb_v1_task", vk_v1_transport_error, vk_authenticate };

static int begin(av_http_req *req, av_http_res *res, tk *t)
{
    memset(t, 0, sizeof *t);
    t->req = req;
    t->res = res;
    vk_new_rid(t->rid);
    av_err e;
    int empty;
    if (!api_parse_body(req, &t->body, &empty, &e)) return 0;
    if (!empty) { tk_error(t, TK_INVALID, "invalid request: %s", e.msg); return -1; }
    t->body = json_object_new_object();   /* no body: task_id may be in the query string */
    const char *id = av_http_query(req, "task_id");
    if (id) json_object_object_add(t->body, "task_id", json_object_new_string(id));
    return 0;
}

#define HANDLER(name) static void name(av_http_req *req, av_http_res *res)
#define BEGIN tk t; if (begin(req, res, &t)) { json_object_put(t.body); return; }
#define END json_object_put(t.body)

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
static int run_task(tk *t, json_object *task, int execute)
{
    json_object *params = NULL;
    json_object_object_get_ex(task, "task_params", &params);
    const char *name = vk_str(params, "collection_name", NULL);
    av_collection *c = NULL;
    av_filter *f = NULL;
    av_err e;
    if (!name || av_collection_open(t->req->store, t->req->principal.project, "default", name, &c, NULL)) {
        tk_error(t, TK_NO_COLLECTION, "collection not exist: %.256s", name ? name : "(task_params.collection_name missing)");
        return -1;
    }
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
    av_collection_release(c);
    if (rc) {
        json_object_put(process);
        if (rc == AV_EFILTER || rc == AV_EUNSAFE) tk_error(t, TK_BAD_FILTER, "invalid scalar filter: %s", e.msg);
        else tk_error(t, rc == AV_EIO ? TK_INTERNAL : TK_INVALID, "invalid request: %s", e.msg);
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

HANDLER(task_create)
{
    BEGIN;
    json_object *params = NULL;
    const char *type = vk_str(t.body, "task_type", NULL);
    int confirm = 1;
    av_err e;
    if (!type) tk_error(&t, TK_INVALID, "invalid request: task_type is required");
    else if (strcmp(type, "filter_delete") != 0) tk_error(&t, TK_INVALID, "invalid request: task_type \"%.32s\" is not supported; annovec runs filter_delete", type);
    else if (!json_object_object_get_ex(t.body, "task_params", &params) || !json_object_is_type(params, json_type_object))
        tk_error(&t, TK_INVALID, "invalid request: task_params (an object) is required");
    else if (api_get_bool(params, "need_confirm", &confirm) == API_WRONG_TYPE) tk_error(&t, TK_INVALID, "invalid request: need_confirm must be a boolean");
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
            if (av_record_put(req->store, req->principal.project, KIND, id, task, &e)) tk_error(&t, TK_INTERNAL, "%s", e.msg);
            else {
                json_object *d = json_object_new_object();
                json_object_object_add(d, "task_id", json_object_new_string(id));
                tk_ok(&t, d);
            }
        }
        json_object_put(task);
    }
    END;
}

/* The task named by task_id (answers the error itself). */
static json_object *load_task(tk *t)
{
    const char *id = vk_str(t->body, "task_id", NULL);
    json_object *task = NULL;
    if (!id) { tk_error(t, TK_INVALID, "invalid request: task_id is required"); return NULL; }
    if (av_record_get(t->req->store, t->req->principal.project, KIND, id, &task, NULL)) {
        tk_error(t, TK_INVALID, "invalid request: task %.64s does not exist", id);
        return NULL;
    }
    return task;
}

HANDLER(task_info)
{
    BEGIN;
    json_object *task = load_task(&t);
    if (task) {
        json_object *d = json_object_new_object();
        json_object_object_add(d, "process_info", task);   /* the SDK reads data.process_info */
        tk_ok(&t, d);
    }
    END;
}

HANDLER(task_list)
{
    BEGIN;
    json_object *all = NULL;
    av_err e;
    if (av_record_list(req->store, req->principal.project, KIND, &all, &e)) tk_error(&t, TK_INTERNAL, "%s", e.msg);
    else tk_ok(&t, all);
    END;
}

HANDLER(task_update)
{
    BEGIN;
    json_object *task = load_task(&t);
    const char *want = vk_str(t.body, "task_status", NULL);
    av_err e;
    if (task) {
        const char *status = vk_str(task, "task_status", "");
        if (!want || strcmp(want, "confirmed") != 0)
            tk_error(&t, TK_INVALID, "invalid request: task_status must be \"confirmed\" (to run a task waiting in \"confirm\")");
        else if (strcmp(status, "confirm") != 0)
            tk_error(&t, TK_INVALID, "invalid request: the task is \"%s\"; only a task in \"confirm\" can be confirmed", status);
        else if (run_task(&t, task, 1) == 0) {
            if (av_record_put(req->store, req->principal.project, KIND, vk_str(task, "task_id", ""), task, &e)) tk_error(&t, TK_INTERNAL, "%s", e.msg);
            else tk_ok(&t, NULL);
        }
        json_object_put(task);
    }
    END;
}

HANDLER(task_drop)
{
    BEGIN;
    const char *id = vk_str(t.body, "task_id", NULL);
    if (!id) tk_error(&t, TK_INVALID, "invalid request: task_id is required");
    else if (av_record_drop(req->store, req->principal.project, KIND, id, NULL)) tk_error(&t, TK_INVALID, "invalid request: task %.64s does not exist", id);
    else tk_ok(&t, NULL);
    END;
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
