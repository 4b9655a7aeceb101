/*
 * modelarts_v2.c — the ModelArts v2 data-management API on annovec datasets (specs/modelarts.md §2):
 * datasets D1-D6, labels L1-L6 and versions V1-V4. Samples and files are in modelarts_samples.c.
 * Statuses as documented: 201 on create, 204 on delete, 200 otherwise; errors are HTTP 400 with
 * {"error_code":"ModelArts.NNNN","error_msg":...}.
 */
#include "api/modelarts.h"

#include <stdlib.h>
#include <string.h>

#define DS_PATH "/v2/{project_id}/datasets/{dataset_id}"
#define DA_PATH DS_PATH "/data-annotations"

/* A body field that must have the given type when present; writes the error. */
static int field(av_http_res *res, json_object *body, const char *k, json_type t, int required, json_object **out)
{
    *out = ma_get(body, k);
    if (!*out && !required) return 0;
    static const char *const names[] = { [json_type_null] = "null", [json_type_boolean] = "a boolean", [json_type_double] = "a number",
                                         [json_type_int] = "an integer", [json_type_object] = "an object", [json_type_array] = "a list",
                                         [json_type_string] = "a string" };
    if (*out && json_object_is_type(*out, t)) return 0;
    return ma_errorf(res, MA_INVALID, "\"%s\" %s %s", k, *out ? "must be" : "is required:", names[t]);
}

static void ok_success(av_http_res *res)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "success", json_object_new_boolean(1));
    av_http_json(res, 200, o);
}

/* {"<key>": "<id>"}: what creates and updates answer. */
static void ok_id(av_http_res *res, int status, const char *key, const char *id)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, key, json_object_new_string(id));
    av_http_json(res, status, o);
}

static void no_content(av_http_res *res) { res->status = 204; }

/* ---- datasets -------------------------------------------------------------------------------- */

static int valid_type(int t)
{
    static const int types[] = { 0, 1, 3, 100, 101, 102, 200, 201, 202, 400, 600, 900 };
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) if (types[i] == t) return 1;
    return 0;
}

/* D1 */
static void dataset_create(av_http_req *req, av_http_res *res)
{
    char project[33], id[20];
    json_object *body, *name, *type, *sources, *work, *desc, *labels, *lf;
    if (ma_project(req, res, project) || ma_body(req, res, 0, &body)) return;
    if (field(res, body, "dataset_name", json_type_string, 1, &name) || field(res, body, "dataset_type", json_type_int, 0, &type) ||
        field(res, body, "data_sources", json_type_array, 1, &sources) || field(res, body, "work_path", json_type_string, 1, &work) ||
        field(res, body, "description", json_type_string, 0, &desc) || field(res, body, "labels", json_type_array, 0, &labels) ||
        field(res, body, "label_format", json_type_object, 0, &lf)) goto out;
    if (type && !valid_type(json_object_get_int(type))) {
        ma_error(res, 400, MA_INVALID, "dataset_type must be one of 0, 1, 3, 100, 101, 102, 200, 201, 202, 400, 600, 900");
        goto out;
    }
    json_object *src = json_object_array_length(sources) == 1 ? json_object_array_get_idx(sources, 0) : NULL, *path = NULL;
    if (!src || !json_object_is_type(src, json_type_object)) {
        ma_error(res, 400, MA_INVALID, "data_sources must hold exactly one {\"data_type\": 0, \"data_path\": \"/bucket/dir/\"}");
        goto out;
    }
    if (field(res, src, "data_path", json_type_string, 1, &path)) goto out;
    json_object *dt = ma_get(src, "data_type");
    if (dt && (!json_object_is_type(dt, json_type_int) || json_object_get_int(dt) != 0)) {
        ma_error(res, 400, MA_INVALID, "data_sources[0].data_type must be 0 (object storage): annovec imports from its own file store");
        goto out;
    }
    json_object *spec = json_object_new_object();
    static const char *const keep[] = { "dataset_name", "dataset_type", "description", "labels", "label_format", "workspace_id", "data_format" };
    for (size_t i = 0; i < sizeof keep / sizeof *keep; i++)
        if (ma_get(body, keep[i])) json_object_object_add(spec, keep[i], json_object_get(ma_get(body, keep[i])));
    json_object_object_add(spec, "data_path", json_object_get(path));
    json_object_object_add(spec, "work_path", json_object_get(work));
    av_err e;
    av_err_clear(&e);
    if (av_dataset_create(req->store, project, spec, id, &e)) ma_fail(res, &e);
    else {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "dataset_id", json_object_new_string(id));
        json_object_object_add(o, "dataset_name", json_object_get(name));
        av_http_json(res, 201, o);
    }
    json_object_put(spec);
out:
    json_object_put(body);
}

/* D2 */
static void dataset_list(av_http_req *req, av_http_res *res)
{
    char project[33];
    int offset, limit, type;
    if (ma_project(req, res, project) || ma_query_int(req, res, "offset", 0, 1000000000, 0, &offset) ||
        ma_query_int(req, res, "limit", 1, 100, 10, &limit) || ma_query_int(req, res, "dataset_type", 0, 900, -1, &type)) return;
    const char *sort = av_http_query(req, "sort_by"), *order = av_http_query(req, "order");
    if ((sort && strcmp(sort, "create_time") && strcmp(sort, "dataset_name")) || (order && strcmp(order, "asc") && strcmp(order, "desc"))) {
        ma_error(res, 400, MA_INVALID, "sort_by must be create_time or dataset_name, and order asc or desc");
        return;
    }
    json_object *docs;
    int64_t total;
    av_err e;
    av_err_clear(&e);
    if (av_dataset_list(req->store, project, av_http_query(req, "search_content"), type, sort && sort[0] == 'd',
                        order && strcmp(order, "asc") == 0, offset, limit, &docs, &total, &e)) { ma_fail(res, &e); return; }
    json_object *o = json_object_new_object(), *arr = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(docs); i++) json_object_array_add(arr, ma_dataset_json(json_object_array_get_idx(docs, i)));
    json_object_put(docs);
    json_object_object_add(o, "total_number", json_object_new_int64(total));
    json_object_object_add(o, "datasets", arr);
    av_http_json(res, 200, o);
}

/* D3 */
static void dataset_get(av_http_req *req, av_http_res *res)
{
    char project[33];
    if (ma_project(req, res, project)) return;
    json_object *doc;
    av_err e;
    av_err_clear(&e);
    if (av_dataset_get(req->store, project, av_http_param(req, "dataset_id"), &doc, &e)) { ma_fail(res, &e); return; }
    av_http_json(res, 200, ma_dataset_json(doc));
    json_object_put(doc);
}

/* D4 */
static void dataset_update(av_http_req *req, av_http_res *res)
{
    char project[33];
    json_object *body, *v;
    if (ma_project(req, res, project) || ma_body(req, res, 0, &body)) return;
    if (!field(res, body, "dataset_name", json_type_string, 0, &v) && !field(res, body, "description", json_type_string, 0, &v) &&
        !field(res, body, "current_version_id", json_type_string, 0, &v) && !field(res, body, "add_labels", json_type_array, 0, &v) &&
        !field(res, body, "update_labels", json_type_array, 0, &v) && !field(res, body, "delete_labels", json_type_array, 0, &v)) {
        av_err e;
        av_err_clear(&e);
        const char *id = av_http_param(req, "dataset_id");
        if (av_dataset_update(req->store, project, id, body, &e)) ma_fail(res, &e);
        else ok_id(res, 200, "dataset_id", id);
    }
    json_object_put(body);
}

/* D5 */
static void dataset_delete(av_http_req *req, av_http_res *res)
{
    char project[33];
    if (ma_project(req, res, project)) return;
    av_err e;
    av_err_clear(&e);
    if (av_dataset_delete(req->store, project, av_http_param(req, "dataset_id"), &e)) ma_fail(res, &e);
    else no_content(res);
}

/* D6 */
static void dataset_stats(av_http_req *req, av_http_res *res)
{
    char project[33];
    if (ma_project(req, res, project)) return;
    json_object *doc;
    av_err e;
    av_err_clear(&e);
    if (av_dataset_stats(req->store, project, av_http_param(req, "dataset_id"), &doc, &e)) { ma_fail(res, &e); return; }
    int64_t total = json_object_get_int64(ma_get(doc, "total"));
    json_object *o = json_object_new_object(), *s = json_object_new_object(), *k = json_object_new_object();
    json_object_object_add(o, "label_stats", json_object_get(ma_get(doc, "labels")));
    json_object_object_add(s, "un_annotation", json_object_get(ma_get(doc, "unannotated")));
    json_object_object_add(s, "all", json_object_new_int64(total));
    json_object_object_add(s, "total", json_object_new_int64(total));
    json_object_object_add(s, "deleted", json_object_get(ma_get(doc, "deleted")));
    json_object_object_add(s, "manual_annotation", json_object_get(ma_get(doc, "annotated")));
    json_object_object_add(s, "auto_annotation", json_object_get(ma_get(doc, "auto")));
    json_object_object_add(s, "lefted", json_object_new_int64(total));
    json_object_object_add(o, "sample_stats", s);
    json_object_object_add(k, "total", json_object_new_int64(total));
    json_object_object_add(k, "non_key_sample", json_object_new_int64(total));
    json_object_object_add(k, "key_sample", json_object_new_int64(0));
    json_object_object_add(o, "key_sample_stats", k);
    json_object_object_add(o, "metadata_stats", json_object_new_object());
    json_object_object_add(o, "data_spliting_enable", json_object_new_boolean(0));
    json_object_put(doc);
    av_http_json(res, 200, o);
}

/* ---- labels ---------------------------------------------------------------------------------- */

/* L1 */
static void labels_list(av_http_req *req, av_http_res *res)
{
    char project[33];
    int offset, limit;
    if (ma_project(req, res, project) || ma_query_int(req, res, "offset", 0, 1000000000, 0, &offset) ||
        ma_query_int(req, res, "limit", 1, 100000, 100000, &limit)) return;
    json_object *labels;
    av_err e;
    av_err_clear(&e);
    if (av_labels_list(req->store, project, av_http_param(req, "dataset_id"), av_http_query(req, "version_id"), &labels, &e)) {
        ma_fail(res, &e);
        return;
    }
    json_object *o = json_object_new_object(), *page = json_object_new_array();
    size_t n = json_object_array_length(labels);
    for (size_t i = (size_t)offset; i < n && i < (size_t)offset + (size_t)limit; i++)
        json_object_array_add(page, json_object_get(json_object_array_get_idx(labels, i)));
    json_object_object_add(o, "total_number", json_object_new_int64((int64_t)n));
    json_object_object_add(o, "labels", page);
    json_object_put(labels);
    av_http_json(res, 200, o);
}

typedef int (*labels_fn)(av_store *, const char *, const char *, json_object *, av_err *);

/* L2 and L3: {"labels":[...]} */
static void labels_write(av_http_req *req, av_http_res *res, labels_fn fn)
{
    char project[33];
    json_object *body, *labels;
    if (ma_project(req, res, project) || ma_body(req, res, 0, &body)) return;
    if (!field(res, body, "labels", json_type_array, 1, &labels)) {
        av_err e;
        av_err_clear(&e);
        if (json_object_array_length(labels) == 0) ma_error(res, 400, MA_INVALID, "\"labels\" is empty; name at least one label");
        else if (fn(req->store, project, av_http_param(req, "dataset_id"), labels, &e)) ma_fail(res, &e);
        else ok_success(res);
    }
    json_object_put(body);
}

static void labels_create(av_http_req *req, av_http_res *res) { labels_write(req, res, av_labels_add); }
static void labels_update(av_http_req *req, av_http_res *res) { labels_write(req, res, av_labels_update); }

static void labels_delete_names(av_http_req *req, av_http_res *res, const char *const *names, int n, int policy, int status)
{
    char project[33];
    if (ma_project(req, res, project)) return;
    av_err e;
    av_err_clear(&e);
    if (av_labels_delete(req->store, project, av_http_param(req, "dataset_id"), names, n, policy, &e)) ma_fail(res, &e);
    else if (status == 204) no_content(res);
    else ok_success(res);
}

/* L4: POST labels/delete?delete_policy=N {"labels":[{"name"}]} */
static void labels_delete(av_http_req *req, av_http_res *res)
{
    char project[33];
    int policy;
    json_object *body, *labels;
    if (ma_project(req, res, project) || ma_query_int(req, res, "delete_policy", 0, 2, 0, &policy) || ma_body(req, res, 0, &body)) return;
    if (!field(res, body, "labels", json_type_array, 1, &labels)) {
        int n = (int)json_object_array_length(labels);
        const char **names = xcalloc((size_t)n + 1, sizeof *names);
        int bad = n == 0 || n > AV_DS_LABEL_MAX;
        for (int i = 0; !bad && i < n; i++) {
            json_object *nm = ma_get(json_object_array_get_idx(labels, (size_t)i), "name");
            if (!nm || !json_object_is_type(nm, json_type_string)) bad = 1;
            else names[i] = json_object_get_string(nm);
        }
        if (bad) ma_error(res, 400, MA_INVALID, "\"labels\" must list 1 to 1024 objects, each with a \"name\" string");
        else labels_delete_names(req, res, names, n, policy, 200);
        free(names);
    }
    json_object_put(body);
}

/* L5: PUT labels/{label_name} {"type"?, "property"?} */
static void label_update_one(av_http_req *req, av_http_res *res)
{
    char project[33];
    json_object *body, *v;
    if (ma_project(req, res, project) || ma_body(req, res, 0, &body)) return;
    if (!field(res, body, "type", json_type_int, 0, &v) && !field(res, body, "property", json_type_object, 0, &v)) {
        json_object *labels = json_object_new_array(), *l = json_object_new_object();
        json_object_object_add(l, "name", json_object_new_string(av_http_param(req, "label_name")));
        json_object_object_foreach(body, k, val)
            if (strcmp(k, "type") == 0 || strcmp(k, "property") == 0) json_object_object_add(l, k, json_object_get(val));
        json_object_array_add(labels, l);
        av_err e;
        av_err_clear(&e);
        if (av_labels_update(req->store, project, av_http_param(req, "dataset_id"), labels, &e)) ma_fail(res, &e);
        else ok_success(res);
        json_object_put(labels);
    }
    json_object_put(body);
}

/* L6: DELETE labels/{label_name}?delete_source=bool: the label and the samples that have only it. */
static void label_delete_one(av_http_req *req, av_http_res *res)
{
    int del_source;
    if (ma_query_bool(req, res, "delete_source", 0, &del_source)) return;
    const char *name = av_http_param(req, "label_name");
    labels_delete_names(req, res, &name, 1, del_source ? 2 : 1, 204);
}

/* ---- versions -------------------------------------------------------------------------------- */

/* V1 */
static void version_create(av_http_req *req, av_http_res *res)
{
    char project[33], id[20];
    json_object *body, *v;
    if (ma_project(req, res, project) || ma_body(req, res, 1, &body)) return;
    if (!field(res, body, "version_name", json_type_string, 0, &v) && !field(res, body, "description", json_type_string, 0, &v) &&
        !field(res, body, "version_format", json_type_string, 0, &v) && !field(res, body, "train_evaluate_sample_ratio", json_type_string, 0, &v)) {
        json_object *f = ma_get(body, "version_format");
        const char *fmt = f ? json_object_get_string(f) : NULL;
        av_err e;
        av_err_clear(&e);
        if (fmt && strcmp(fmt, "Default") && strcmp(fmt, "CarbonData") && strcmp(fmt, "CSV"))
            ma_error(res, 400, MA_INVALID, "version_format must be Default, CarbonData or CSV");
        else if (av_version_create(req->store, project, av_http_param(req, "dataset_id"), body, id, &e)) ma_fail(res, &e);
        else ok_id(res, 201, "version_id", id);
    }
    json_object_put(body);
}

/* V2 */
static void version_list(av_http_req *req, av_http_res *res)
{
    char project[33];
    int offset, limit, status;
    if (ma_project(req, res, project) || ma_query_int(req, res, "offset", 0, 1000000000, 0, &offset) ||
        ma_query_int(req, res, "limit", 1, 1000, 1000, &limit) || ma_query_int(req, res, "status", 0, 4, 1, &status)) return;
    json_object *docs;
    av_err e;
    av_err_clear(&e);
    if (av_version_list(req->store, project, av_http_param(req, "dataset_id"), &docs, &e)) { ma_fail(res, &e); return; }
    json_object *o = json_object_new_object(), *arr = json_object_new_array();
    size_t n = status == 1 ? json_object_array_length(docs) : 0;   /* every version is "normal" (1) */
    for (size_t i = (size_t)offset; i < n && i < (size_t)offset + (size_t)limit; i++)
        json_object_array_add(arr, ma_version_json(json_object_array_get_idx(docs, i)));
    json_object_put(docs);
    json_object_object_add(o, "total_number", json_object_new_int64((int64_t)n));
    json_object_object_add(o, "versions", arr);
    av_http_json(res, 200, o);
}

/* V3 */
static void version_get(av_http_req *req, av_http_res *res)
{
    char project[33];
    if (ma_project(req, res, project)) return;
    json_object *doc;
    av_err e;
    av_err_clear(&e);
    if (av_version_get(req->store, project, av_http_param(req, "dataset_id"), av_http_param(req, "version_id"), &doc, &e)) { ma_fail(res, &e); return; }
    av_http_json(res, 200, ma_version_json(doc));
    json_object_put(doc);
}

/* V4 */
static void version_delete(av_http_req *req, av_http_res *res)
{
    char project[33];
    if (ma_project(req, res, project)) return;
    av_err e;
    av_err_clear(&e);
    if (av_version_delete(req->store, project, av_http_param(req, "dataset_id"), av_http_param(req, "version_id"), &e)) ma_fail(res, &e);
    else no_content(res);
}

void modelarts_register(void)
{
    const av_dialect *d = &ma_dialect;
    av_http_route("POST", "/v2/{project_id}/datasets", d, dataset_create);
    av_http_route("GET", "/v2/{project_id}/datasets", d, dataset_list);
    av_http_route("GET", DS_PATH, d, dataset_get);
    av_http_route("PUT", DS_PATH, d, dataset_update);
    av_http_route("DELETE", DS_PATH, d, dataset_delete);
    av_http_route("GET", DA_PATH "/stats", d, dataset_stats);
    av_http_route("GET", DA_PATH "/labels", d, labels_list);
    av_http_route("POST", DA_PATH "/labels", d, labels_create);
    av_http_route("PUT", DA_PATH "/labels", d, labels_update);
    av_http_route("POST", DA_PATH "/labels/delete", d, labels_delete);
    av_http_route("PUT", DA_PATH "/labels/{label_name}", d, label_update_one);
    av_http_route("DELETE", DA_PATH "/labels/{label_name}", d, label_delete_one);
    av_http_route("POST", DS_PATH "/versions", d, version_create);
    av_http_route("GET", DS_PATH "/versions", d, version_list);
    av_http_route("GET", DS_PATH "/versions/{version_id}", d, version_get);
    av_http_route("DELETE", DS_PATH "/versions/{version_id}", d, version_delete);
    modelarts_samples_register();
}
