/*
 * modelarts_tasks.c — ModelArts v2 team labeling tasks (specs/modelarts.md §2 W1-W6, §5) on the
 * engine's workforce tasks (core/dataset/workforce.c): create, list, details, start, update, delete
 * under /v2/{project_id}/datasets/{dataset_id}/workforce-tasks. Workers are given by e-mail and role
 * inside workforces_config; the wire's own fields (synchronize_data, auto_sync_dataset,
 * data_sync_type, sample_conditions, agency, ...) are kept in the task's extra object. Task status on
 * the wire: 6 created (not started), 1 running. Statuses: 200, 204 on delete; errors HTTP 400 with
 * {"error_code","error_msg"}: 0107 invalid input, 4352 unknown dataset, 4619 unknown task.
 * Nothing is written unless the whole request is valid; deleting a task never touches a sample.
 */
#include "api/modelarts.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TASKS_PATH "/v2/{project_id}/datasets/{dataset_id}/workforce-tasks"
#define TASK_PATH TASKS_PATH "/{workforce_task_id}"

enum { WIRE_CREATED = 6, WIRE_RUNNING = 1 };

/* Answers an engine failure: an unknown task is ModelArts.4619 (the shared table has no row for a
 * task), everything else goes through the shared table. */
static void task_fail(api_ctx *x, const av_err *e)
{
    if (e->code == AV_ENOTFOUND && e->entity == AV_ENT_TASK) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "error_code", json_object_new_string("ModelArts.4619"));
        json_object_object_add(o, "error_msg", json_object_new_string(e->msg));
        av_buf_free(&x->res->body);
        av_http_json(x->res, 400, o);
        return;
    }
    api_fail(x, 0, e);
}

/* A member of type t when present (required: it must be); writes the error. A double member also
 * takes an integer. */
static int member(api_ctx *x, json_object *o, const char *where, const char *k, json_type t, int required, json_object **out)
{
    static const char *const names[] = { [json_type_null] = "null", [json_type_boolean] = "a boolean", [json_type_double] = "a number",
                                         [json_type_int] = "an integer", [json_type_object] = "an object", [json_type_array] = "a list",
                                         [json_type_string] = "a string" };
    *out = ma_get(o, k);
    if (!*out && !required) return 0;
    if (*out && (json_object_is_type(*out, t) || (t == json_type_double && json_object_is_type(*out, json_type_int)))) return 0;
    return api_failf(x, MA_INVALID, "\"%s%s\" %s %s", where, k, *out ? "must be" : "is required:", names[t]);
}

/* workforces_config's teams as the engine's (caller frees with teams_free). Writes the error. */
typedef struct team_list { av_task_team *teams; int n; json_object *agency; } team_list;

static void teams_free(team_list *t)
{
    for (int i = 0; t->teams && i < t->n; i++) free((void *)t->teams[i].workers);
    free(t->teams);
    memset(t, 0, sizeof *t);
}

static int read_teams(api_ctx *x, json_object *cfg, team_list *out)
{
    memset(out, 0, sizeof *out);
    json_object *wfs, *agency;
    if (member(x, cfg, "workforces_config.", "agency", json_type_string, 0, &agency) ||
        member(x, cfg, "workforces_config.", "workforces", json_type_array, 1, &wfs)) return -1;
    size_t n = json_object_array_length(wfs);
    if (n < 1 || n > AV_TASK_TEAMS_MAX)
        return api_failf(x, MA_INVALID, "\"workforces_config.workforces\" must hold 1 to %d workforces", AV_TASK_TEAMS_MAX);
    out->agency = agency;
    out->teams = xcalloc(n, sizeof *out->teams);
    for (size_t i = 0; i < n; i++) {
        json_object *w = json_object_array_get_idx(wfs, i), *id, *workers;
        char where[64];
        snprintf(where, sizeof where, "workforces_config.workforces[%zu].", i);
        if (!json_object_is_type(w, json_type_object)) { teams_free(out); return api_failf(x, MA_INVALID, "\"%.40s\" must be an object {workforce_id, workers}", where); }
        if (member(x, w, where, "workforce_id", json_type_string, 1, &id) || member(x, w, where, "workers", json_type_array, 1, &workers)) { teams_free(out); return -1; }
        size_t nw = json_object_array_length(workers);
        if (nw < 1 || nw > AV_TASK_WORKERS_MAX) {
            teams_free(out);
            return api_failf(x, MA_INVALID, "\"%sworkers\" must hold 1 to %d workers {email, role}", where, AV_TASK_WORKERS_MAX);
        }
        av_task_worker *ws = xcalloc(nw, sizeof *ws);
        out->teams[i] = (av_task_team){ .id = json_object_get_string(id), .workers = ws, .nworkers = (int)nw };
        out->n = (int)i + 1;
        for (size_t k = 0; k < nw; k++) {
            json_object *wk = json_object_array_get_idx(workers, k), *email, *role;
            char wwhere[96];
            snprintf(wwhere, sizeof wwhere, "%sworkers[%zu].", where, k);
            if (!json_object_is_type(wk, json_type_object)) { teams_free(out); return api_failf(x, MA_INVALID, "\"%.80s\" must be an object {email, role}", wwhere); }
            if (member(x, wk, wwhere, "email", json_type_string, 1, &email) || member(x, wk, wwhere, "role", json_type_int, 0, &role)) { teams_free(out); return -1; }
            int64_t r = role ? json_object_get_int64(role) : AV_ROLE_LABELER;
            if (r < 0 || r > 3) { teams_free(out); return api_failf(x, MA_INVALID, "\"%srole\" must be 0 (labeler), 1 (reviewer), 2 (team admin) or 3 (dataset owner)", wwhere); }
            ws[k] = (av_task_worker){ .email = json_object_get_string(email), .role = (int)r };
        }
    }
    return 0;
}

/* The members of W1/W5 kept as the task's extra (the wire's own fields); *extra is new or NULL. */
static int read_extra(api_ctx *x, json_object *body, json_object *agency, json_object **extra)
{
    static const struct { const char *k; json_type t; } bools[] = {
        { "synchronize_data", json_type_boolean }, { "synchronize_auto_labeling_data", json_type_boolean },
        { "auto_sync_dataset", json_type_boolean }, { "data_sync_type", json_type_int },
    };
    *extra = NULL;
    json_object *v, *o = json_object_new_object();
    for (size_t i = 0; i < sizeof bools / sizeof *bools; i++) {
        if (member(x, body, "", bools[i].k, bools[i].t, 0, &v)) { json_object_put(o); return -1; }
        if (v) json_object_object_add(o, bools[i].k, json_object_get(v));
    }
    v = ma_get(o, "data_sync_type");
    if (v && (json_object_get_int64(v) < 0 || json_object_get_int64(v) > 3)) {
        json_object_put(o);
        return api_failf(x, MA_INVALID, "\"data_sync_type\" must be 0, 1, 2 or 3");
    }
    v = ma_get(body, "sample_conditions");
    if (v && !json_object_is_type(v, json_type_string) && !json_object_is_type(v, json_type_object) && !json_object_is_type(v, json_type_array)) {
        json_object_put(o);
        return api_failf(x, MA_INVALID, "\"sample_conditions\" must be a string (or a JSON object or list of conditions)");
    }
    if (v) json_object_object_add(o, "sample_conditions", json_object_get(v));
    if (agency) json_object_object_add(o, "agency", json_object_get(agency));
    if (json_object_object_length(o)) *extra = o;
    else json_object_put(o);
    return 0;
}

/* What W1 and W5 share: task_name, description, repetition, workforces_config and the extras. */
typedef struct task_req { av_task_spec spec; team_list t; json_object *extra; } task_req;

static void task_req_free(task_req *r)
{
    teams_free(&r->t);
    json_object_put(r->extra);
}

static int read_task(api_ctx *x, json_object *body, int creating, task_req *r)
{
    memset(r, 0, sizeof *r);
    r->spec.nteams = -1;
    json_object *name, *desc, *rep, *cfg;
    if (member(x, body, "", "task_name", json_type_string, creating, &name) || member(x, body, "", "description", json_type_string, 0, &desc) ||
        member(x, body, "", "repetition", json_type_int, 0, &rep) || member(x, body, "", "workforces_config", json_type_object, creating, &cfg))
        return -1;
    if (rep && (json_object_get_int64(rep) < 1 || json_object_get_int64(rep) > AV_TASK_REPETITION_MAX))
        return api_failf(x, MA_INVALID, "\"repetition\" (workers per sample) must be 1 to %d", AV_TASK_REPETITION_MAX);
    if (cfg && read_teams(x, cfg, &r->t)) return -1;
    if (read_extra(x, body, r->t.agency, &r->extra)) { teams_free(&r->t); return -1; }
    r->spec = (av_task_spec){ .name = name ? json_object_get_string(name) : NULL, .description = desc ? json_object_get_string(desc) : NULL,
                              .repetition = rep ? (int)json_object_get_int64(rep) : 0, .teams = cfg ? r->t.teams : NULL,
                              .nteams = cfg ? r->t.n : -1, .extra = r->extra };
    return 0;
}

/* ---- rendering ------------------------------------------------------------------------------ */

static json_object *get(json_object *o, const char *k) { return json_object_get(ma_get(o, k)); }

static void put_int(json_object *o, const char *k, json_object *from, const char *fk)
{
    json_object_object_add(o, k, json_object_new_int64(json_object_get_int64(ma_get(from, fk))));
}

/* The engine's task document under ModelArts names. */
static json_object *task_json(json_object *doc, int sample_stats, int workforce_stats)
{
    json_object *o = json_object_new_object(), *extra = ma_get(doc, "extra"), *v;
    json_object_object_add(o, "dataset_id", get(doc, "dataset_id"));
    json_object_object_add(o, "task_id", get(doc, "id"));
    json_object_object_add(o, "task_name", get(doc, "name"));
    json_object_object_add(o, "description", get(doc, "description"));
    int status = json_object_get_int(ma_get(doc, "status"));
    json_object_object_add(o, "status", json_object_new_int(status == AV_TASK_RUNNING ? WIRE_RUNNING : WIRE_CREATED));
    put_int(o, "create_time", doc, "created_ms");
    put_int(o, "update_time", doc, "updated_ms");
    json_object_object_add(o, "version_id", get(doc, "version_id"));
    put_int(o, "repetition", doc, "repetition");
    json_object *cfg = json_object_new_object(), *wfs = json_object_new_array(), *teams = ma_get(doc, "teams");
    if ((v = ma_get(extra, "agency"))) json_object_object_add(cfg, "agency", json_object_get(v));
    for (size_t i = 0; i < json_object_array_length(teams); i++) {
        json_object *t = json_object_array_get_idx(teams, i), *w = json_object_new_object();
        json_object_object_add(w, "workforce_id", get(t, "id"));
        json_object_object_add(w, "workers", get(t, "workers"));
        json_object_array_add(wfs, w);
    }
    json_object_object_add(cfg, "workforces", wfs);
    json_object_object_add(o, "workforces_config", cfg);
    json_object_object_add(o, "synchronize_data", json_object_new_boolean(json_object_get_boolean(ma_get(extra, "synchronize_data"))));
    json_object_object_add(o, "synchronize_auto_labeling_data", json_object_new_boolean(json_object_get_boolean(ma_get(extra, "synchronize_auto_labeling_data"))));
    v = ma_get(extra, "auto_sync_dataset");
    json_object_object_add(o, "auto_sync_dataset", json_object_new_boolean(v ? json_object_get_boolean(v) : 1));   /* default true */
    json_object_object_add(o, "data_sync_type", json_object_new_int(json_object_get_int(ma_get(extra, "data_sync_type"))));
    if ((v = ma_get(extra, "sample_conditions"))) json_object_object_add(o, "sample_conditions", json_object_get(v));
    if (workforce_stats) {
        json_object *w = json_object_new_object();
        put_int(w, "workforce_count", doc, "team_count");
        put_int(w, "labeler_count", doc, "labelers");
        put_int(w, "reviewer_count", doc, "reviewers");
        json_object_object_add(o, "workforce_stats", w);
    }
    if (sample_stats) {
        /* team labeling progress is not tracked: what is not labeled is unannotated, what is labeled
         * awaits review; nothing is checked, sampled, accepted or rejected */
        json_object *s = json_object_new_object(), *c = ma_get(doc, "samples");
        put_int(s, "total_sample_count", c, "total");
        put_int(s, "unannotated_sample_count", c, "unannotated");
        put_int(s, "unreviewed_sample_count", c, "annotated");
        static const char *const zero[] = { "uncheck_sample_count", "sampled_sample_count", "rejected_sample_count", "accepted_sample_count" };
        for (size_t i = 0; i < sizeof zero / sizeof *zero; i++) json_object_object_add(s, zero[i], json_object_new_int(0));
        put_int(s, "auto_annotation_sample_count", c, "auto");
        put_int(s, "deleted_sample_count", c, "deleted");
        json_object_object_add(o, "sample_stats", s);
    }
    return o;
}

/* ---- handlers ------------------------------------------------------------------------------- */

/* W1 POST workforce-tasks -> 200 {"task_id"} */
static void task_create(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    task_req r;
    char id[20];
    av_err e;
    if (ma_begin(req, res, MA_BODY, &x) || read_task(&x, x.body, 1, &r)) { api_end(&x); return; }
    if (av_task_create(req->store, x.project, av_http_param(req, "dataset_id"), &r.spec, id, &e)) task_fail(&x, &e);
    else {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "task_id", json_object_new_string(id));
        av_http_json(res, 200, o);
    }
    task_req_free(&r);
    api_end(&x);
}

/* W2 GET workforce-tasks?offset&limit -> {"count", "tasks"} */
static void task_list(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    int offset, limit;
    json_object *docs;
    int64_t total;
    av_err e;
    if (ma_begin(req, res, MA_NO_BODY, &x) || ma_query_int(&x, "offset", 0, 1000000000, 0, &offset) ||
        ma_query_int(&x, "limit", 1, AV_TASK_LIST_MAX, AV_TASK_LIST_MAX, &limit)) { api_end(&x); return; }
    if (av_task_list(req->store, x.project, av_http_param(req, "dataset_id"), offset, limit, &docs, &total, &e)) { task_fail(&x, &e); api_end(&x); return; }
    json_object *o = json_object_new_object(), *arr = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(docs); i++) json_object_array_add(arr, task_json(json_object_array_get_idx(docs, i), 1, 1));
    json_object_put(docs);
    json_object_object_add(o, "count", json_object_new_int64(total));
    json_object_object_add(o, "tasks", arr);
    av_http_json(res, 200, o);
    api_end(&x);
}

/* W3 GET workforce-tasks/{id}?label_stats&sample_stats&workforce_stats */
static void task_get(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    int label_stats, sample_stats, workforce_stats;
    json_object *doc, *stats = NULL;
    av_err e;
    const char *ds = av_http_param(req, "dataset_id");
    if (ma_begin(req, res, MA_NO_BODY, &x) || ma_query_bool(&x, "label_stats", 0, &label_stats) ||
        ma_query_bool(&x, "sample_stats", 1, &sample_stats) || ma_query_bool(&x, "workforce_stats", 1, &workforce_stats)) { api_end(&x); return; }
    if (av_task_get(req->store, x.project, ds, av_http_param(req, "workforce_task_id"), &doc, &e)) { task_fail(&x, &e); api_end(&x); return; }
    if (label_stats && av_dataset_stats(req->store, x.project, ds, &stats, &e)) { json_object_put(doc); task_fail(&x, &e); api_end(&x); return; }
    json_object *o = task_json(doc, sample_stats, workforce_stats);
    if (stats) json_object_object_add(o, "label_stats", get(stats, "labels"));
    json_object_put(stats);
    json_object_put(doc);
    av_http_json(res, 200, o);
    api_end(&x);
}

/* W4 POST workforce-tasks/{id} {"workforces_config"?} -> 200 {} */
static void task_start(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    team_list t = { 0 };
    json_object *cfg;
    av_err e;
    if (ma_begin(req, res, MA_BODY_OR_EMPTY, &x) || member(&x, x.body, "", "workforces_config", json_type_object, 0, &cfg) ||
        (cfg && read_teams(&x, cfg, &t))) { api_end(&x); return; }
    if (av_task_start(req->store, x.project, av_http_param(req, "dataset_id"), av_http_param(req, "workforce_task_id"),
                      cfg ? t.teams : NULL, cfg ? t.n : -1, &e)) task_fail(&x, &e);
    else av_http_json(res, 200, json_object_new_object());
    teams_free(&t);
    api_end(&x);
}

/* W5 PUT workforce-tasks/{id} {task_name?, description?, repetition?, workforces_config?, ...} -> 200 {} */
static void task_update(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    task_req r;
    av_err e;
    if (ma_begin(req, res, MA_BODY, &x) || read_task(&x, x.body, 0, &r)) { api_end(&x); return; }
    if (av_task_update(req->store, x.project, av_http_param(req, "dataset_id"), av_http_param(req, "workforce_task_id"), &r.spec, &e)) task_fail(&x, &e);
    else av_http_json(res, 200, json_object_new_object());
    task_req_free(&r);
    api_end(&x);
}

/* W6 DELETE workforce-tasks/{id} -> 204 */
static void task_delete(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    av_err e;
    if (ma_begin(req, res, MA_NO_BODY, &x)) { api_end(&x); return; }
    if (av_task_delete(req->store, x.project, av_http_param(req, "dataset_id"), av_http_param(req, "workforce_task_id"), &e)) task_fail(&x, &e);
    else res->status = 204;
    api_end(&x);
}

void modelarts_tasks_register(void)
{
    const av_dialect *d = &ma_dialect;
    av_http_route("POST", TASKS_PATH, d, task_create);
    av_http_route("GET", TASKS_PATH, d, task_list);
    av_http_route("GET", TASK_PATH, d, task_get);
    av_http_route("POST", TASK_PATH, d, task_start);
    av_http_route("PUT", TASK_PATH, d, task_update);
    av_http_route("DELETE", TASK_PATH, d, task_delete);
}
