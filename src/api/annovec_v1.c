/*
 * annovec_v1.c — annovec's own read-only endpoints, outside every dialect, for the web console
 * (docs/API.md "annovec's own endpoints"):
 *   GET /annovec/v1/projects  the projects with their collections (rows) and datasets (samples);
 *                             without --auth every project of the data dir, with --auth only the
 *                             caller's;
 *   GET /annovec/v1/state     version, data dir size, each visible collection's rows and vector
 *                             bytes, the purge queue, and (without --auth) the last error answers.
 * Credentials with --auth: Authorization: Bearer <api-key> or <user>:<password>, or X-Auth-Token.
 * Answers {"code":0,"data":...}; errors {"code":<HTTP status>,"message":...}. No state; only reads.
 */
#include "api/app.h"
#include "annovec_dataset.h"
#include "auth/auth.h"
#include "http/console.h"
#include "http/http.h"

#define _XOPEN_SOURCE_EXTENDED 1
#include <ftw.h>
#include <stdlib.h>
#include <string.h>

static int own_authenticate(av_http_req *req, av_err *err)
{
    av_app *app = req->app;
    const char *token = av_http_header(req, "X-Auth-Token");
    if (token) return av_auth_token(app->auth, token, av_now_ms(), &req->principal, err);
    return av_auth_bearer(app->auth, av_http_header(req, "Authorization"), &req->principal, err);
}

static void own_error(av_http_res *res, av_http_errkind kind, const av_err *e)
{
    int status = kind == AV_HTTP_ERR_UNAUTHORIZED ? 401 : kind == AV_HTTP_ERR_FORBIDDEN ? 403 :
                 kind == AV_HTTP_ERR_TOO_LARGE ? 413 : 500;
    json_object *o = json_object_new_object();
    json_object_object_add(o, "code", json_object_new_int(status));
    json_object_object_add(o, "message", json_object_new_string(e->msg));
    av_http_json(res, status, o);
}

static const av_dialect own_dialect = { "annovec", own_error, own_authenticate };

static void reply_data(av_http_res *res, json_object *data)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "code", json_object_new_int(0));
    json_object_object_add(o, "data", data);
    av_http_json(res, 200, o);
}

static void reply_fail(av_http_res *res, const av_err *e)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "code", json_object_new_int(500));
    json_object_object_add(o, "message", json_object_new_string(e->msg));
    av_http_json(res, 500, o);
}

static const char *metric_name(av_metric m)
{
    return m == AV_METRIC_IP ? "IP" : m == AV_METRIC_COSINE ? "COSINE" : "L2";
}

/* The collections of every database of the project: {db,name,rows,dim,metric,index,vector_bytes}. */
static json_object *collections_of(av_store *st, const char *project)
{
    json_object *arr = json_object_new_array();
    char **dbs = NULL;
    size_t ndb = 0;
    av_err e;
    if (av_db_list(st, project, &dbs, &ndb, &e)) return arr;
    for (size_t d = 0; d < ndb; d++) {
        char **names = NULL;
        size_t n = 0;
        if (av_collection_list(st, project, dbs[d], &names, &n, &e) == AV_OK) {
            for (size_t i = 0; i < n; i++) {
                av_collection *c;
                if (av_collection_open(st, project, dbs[d], names[i], &c, &e)) continue;
                const av_schema *s = av_collection_schema(c);
                int dim = 0;
                for (int f = 0; f < s->nfields; f++)
                    if (s->fields[f].type == AV_T_FLOAT_VECTOR) dim = s->fields[f].dim;
                int64_t rows = av_collection_count(c);
                json_object *o = json_object_new_object();
                json_object_object_add(o, "db", json_object_new_string(dbs[d]));
                json_object_object_add(o, "name", json_object_new_string(names[i]));
                json_object_object_add(o, "rows", json_object_new_int64(rows));
                json_object_object_add(o, "dim", json_object_new_int(dim));
                json_object_object_add(o, "metric", json_object_new_string(metric_name(s->metric)));
                json_object_object_add(o, "index", json_object_new_string(s->index_type));
                json_object_object_add(o, "vector_bytes", json_object_new_int64(rows * dim * 4));
                json_object_array_add(arr, o);
                av_collection_release(c);
            }
        }
        for (size_t i = 0; i < n; i++) free(names[i]);
        free(names);
        free(dbs[d]);
    }
    free(dbs);
    return arr;
}

/* {id,name,type,samples,annotated} of every dataset of the project (at most 1,000). */
static json_object *datasets_of(av_store *st, const char *project)
{
    json_object *list = NULL, *arr = json_object_new_array();
    int64_t total = 0;
    av_err e;
    if (av_dataset_list(st, project, NULL, -1, 1, 1, 0, 1000, &list, &total, &e)) return arr;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *d = json_object_array_get_idx(list, i), *v, *o = json_object_new_object();
        static const char *keys[][2] = { { "id", "id" }, { "name", "name" }, { "type", "type" },
                                         { "total", "samples" }, { "annotated", "annotated" } };
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            if (json_object_object_get_ex(d, keys[k][0], &v)) json_object_object_add(o, keys[k][1], json_object_get(v));
        json_object_array_add(arr, o);
    }
    json_object_put(list);
    return arr;
}

/* The projects the caller may see: every one without --auth, else the credential's own. */
static int visible_projects(av_http_req *req, json_object **out, av_err *e)
{
    json_object *all;
    int rc = av_project_list(req->store, &all, e);
    if (rc) return rc;
    if (!req->auth_on) { *out = all; return AV_OK; }
    json_object *mine = json_object_new_array(), *id;
    for (size_t i = 0; i < json_object_array_length(all); i++) {
        json_object *p = json_object_array_get_idx(all, i);
        if (json_object_object_get_ex(p, "id", &id) && strcmp(json_object_get_string(id), req->principal.project) == 0)
            json_object_array_add(mine, json_object_get(p));
    }
    json_object_put(all);
    *out = mine;
    return AV_OK;
}

static void projects(av_http_req *req, av_http_res *res)
{
    json_object *list;
    av_err e;
    if (visible_projects(req, &list, &e)) { reply_fail(res, &e); return; }
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *p = json_object_array_get_idx(list, i), *id;
        json_object_object_get_ex(p, "id", &id);
        const char *pid = json_object_get_string(id);
        json_object_object_add(p, "collections", collections_of(req->store, pid));
        json_object_object_add(p, "datasets", datasets_of(req->store, pid));
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "auth", json_object_new_boolean(req->auth_on));
    /* The project the Milvus and VikingDB dialects work in for this caller. */
    json_object_object_add(o, "current_project", json_object_new_string(req->principal.project));
    json_object_object_add(o, "projects", list);
    reply_data(res, o);
}

static __thread long long walk_bytes;
static int add_size(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)path; (void)ftw;
    if (type == FTW_F) walk_bytes += (long long)sb->st_size;
    return 0;
}

static void state(av_http_req *req, av_http_res *res)
{
    json_object *list;
    av_err e;
    if (visible_projects(req, &list, &e)) { reply_fail(res, &e); return; }
    json_object *o = json_object_new_object(), *colls = json_object_new_array();
    json_object_object_add(o, "version", json_object_new_string(AV_VERSION));
    json_object_object_add(o, "auth", json_object_new_boolean(req->auth_on));
    walk_bytes = 0;
    nftw(av_store_dir(req->store), add_size, 16, FTW_PHYS);
    json_object_object_add(o, "data_dir_bytes", json_object_new_int64(walk_bytes));
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *p = json_object_array_get_idx(list, i), *id, *name;
        json_object_object_get_ex(p, "id", &id);
        json_object_object_get_ex(p, "name", &name);
        json_object *cs = collections_of(req->store, json_object_get_string(id));
        for (size_t k = 0; k < json_object_array_length(cs); k++) {
            json_object *c = json_object_array_get_idx(cs, k);
            json_object_object_add(c, "project", json_object_get(name));
            json_object_array_add(colls, json_object_get(c));
        }
        json_object_put(cs);
    }
    json_object_put(list);
    json_object_object_add(o, "collections", colls);
    av_store_stats st;
    av_store_stats_get(req->store, &st);
    json_object *pq = json_object_new_object();
    json_object_object_add(pq, "pending", json_object_new_boolean(st.purge_pending));
    json_object_object_add(pq, "rows_waiting", json_object_new_int64(st.purge_rows_waiting));
    json_object_object_add(pq, "files_waiting", json_object_new_int64(st.purge_files_waiting));
    json_object_object_add(pq, "bytes_waiting", json_object_new_int64(st.purge_bytes_waiting));
    json_object_object_add(pq, "last_purge_ms", json_object_new_int64(st.last_purge_ms));
    json_object_object_add(pq, "delete_commits", json_object_new_int64(st.delete_commits));
    json_object_object_add(o, "purge", pq);
    /* The error log is server-wide (paths name other projects): only for a server without --auth. */
    json_object_object_add(o, "recent_errors", req->auth_on ? NULL : http_console_recent_errors());
    reply_data(res, o);
}

void annovec_v1_register(void)
{
    av_http_route("GET", "/annovec/v1/projects", &own_dialect, projects);
    av_http_route("GET", "/annovec/v1/state", &own_dialect, state);
}
