/*
 * modelarts_v2.c — the ModelArts v2 data-management API on annovec datasets (specs/modelarts.md §2):
 * datasets D1-D6, labels L1-L6 and versions V1-V4 (with the version manifest, rendered here in
 * ModelArts's JSON-lines layout). Samples and files are in modelarts_samples.c.
 * Statuses as documented: 201 on create, 204 on delete, 200 otherwise; errors are HTTP 400 with
 * {"error_code":"ModelArts.NNNN","error_msg":...}.
 */
#include "api/modelarts.h"

#include <stdlib.h>
#include <string.h>

#define DS_PATH "/v2/{project_id}/datasets/{dataset_id}"
#define DA_PATH DS_PATH "/data-annotations"

/* A body field that must have the given type when present; writes the error. */
static int field(api_ctx *x, json_object *body, const char *k, json_type t, int required, json_object **out)
{
    *out = ma_get(body, k);
    if (!*out && !required) return 0;
    static const char *const names[] = { [json_type_null] = "null", [json_type_boolean] = "a boolean", [json_type_double] = "a number",
                                         [json_type_int] = "an integer", [json_type_object] = "an object", [json_type_array] = "a list",
                                         [json_type_string] = "a string" };
    if (*out && json_object_is_type(*out, t)) return 0;
    return api_failf(x, MA_INVALID, "\"%s\" %s %s", k, *out ? "must be" : "is required:", names[t]);
}

static void ok_success(api_ctx *x)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "success", json_object_new_boolean(1));
    av_http_json(x->res, 200, o);
}

/* {"<key>": "<id>"}: what creates and updates answer. */
static void ok_id(api_ctx *x, int status, const char *key, const char *id)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, key, json_object_new_string(id));
    av_http_json(x->res, status, o);
}

static void no_content(api_ctx *x) { x->res->status = 204; }

/* ---- datasets -------------------------------------------------------------------------------- */

static int valid_type(int t)
{
    static const int types[] = { 0, 1, 3, 100, 101, 102, 200, 201, 202, 400, 600, 900 };
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) if (types[i] == t) return 1;
    return 0;
}

/* D1's body to the engine's spec (labels allocated: caller frees spec->labels). Writes the error. */
static int create_spec(api_ctx *x, json_object *body, av_dataset_spec *spec)
{
    json_object *name, *type, *sources, *work, *desc, *labels, *lf, *path;
    if (field(x, body, "dataset_name", json_type_string, 1, &name) || field(x, body, "dataset_type", json_type_int, 0, &type) ||
        field(x, body, "data_sources", json_type_array, 1, &sources) || field(x, body, "work_path", json_type_string, 1, &work) ||
        field(x, body, "description", json_type_string, 0, &desc) || field(x, body, "labels", json_type_array, 0, &labels) ||
        field(x, body, "label_format", json_type_object, 0, &lf)) return -1;
    if (type && !valid_type(json_object_get_int(type)))
        return api_failf(x, MA_INVALID, "dataset_type must be one of 0, 1, 3, 100, 101, 102, 200, 201, 202, 400, 600, 900");
    json_object *src = json_object_array_length(sources) == 1 ? json_object_array_get_idx(sources, 0) : NULL;
    if (!src || !json_object_is_type(src, json_type_object))
        return api_failf(x, MA_INVALID, "data_sources must hold exactly one {\"data_type\": 0, \"data_path\": \"/bucket/dir/\"}");
    if (field(x, src, "data_path", json_type_string, 1, &path)) return -1;
    json_object *dt = ma_get(src, "data_type");
    if (dt && (!json_object_is_type(dt, json_type_int) || json_object_get_int(dt) != 0))
        return api_failf(x, MA_INVALID, "data_sources[0].data_type must be 0 (object storage): annovec imports from its own file store");
    *spec = (av_dataset_spec){ .name = json_object_get_string(name), .type = type ? json_object_get_int(type) : 0,
                               .description = desc ? json_object_get_string(desc) : NULL, .data_path = json_object_get_string(path),
                               .work_path = json_object_get_string(work) };
    json_object *sep = ma_get(lf, "text_label_separator"), *ssep = ma_get(lf, "text_sample_separator");
    if (sep && json_object_is_type(sep, json_type_string)) spec->label_sep = json_object_get_string(sep);
    if (ssep && json_object_is_type(ssep, json_type_string)) spec->sample_sep = json_object_get_string(ssep);
    return ma_labels(x, labels, "labels", (av_label_def **)&spec->labels, &spec->nlabels);
}

/* D1 */
static void dataset_create(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    char id[20];
    av_dataset_spec spec = { 0 };
    if (!ma_begin(req, res, MA_BODY, &x) && !create_spec(&x, x.body, &spec)) {
        json_object *body = x.body;
        /* ModelArts fields the engine keeps for us, rendered back by ma_dataset_json */
        json_object *extra = json_object_new_object();
        static const char *const keep[] = { "label_format", "workspace_id", "data_format" };
        for (size_t i = 0; i < sizeof keep / sizeof *keep; i++)
            if (ma_get(body, keep[i])) json_object_object_add(extra, keep[i], json_object_get(ma_get(body, keep[i])));
        spec.extra = extra;
        av_err e;
        if (av_dataset_create(req->store, x.project, &spec, id, &e)) api_fail(&x, 0, &e);
        else {
            json_object *o = json_object_new_object();
            json_object_object_add(o, "dataset_id", json_object_new_string(id));
            json_object_object_add(o, "dataset_name", json_object_new_string(spec.name));
            av_http_json(res, 201, o);
        }
        json_object_put(extra);
    }
    free((void *)spec.labels);
    api_end(&x);
}

/* D2's page, once the query parameters are read. */
static void dataset_list_page(api_ctx *x, int offset, int limit, int type)
{
    const char *sort = av_http_query(x->req, "sort_by"), *order = av_http_query(x->req, "order");
    if ((sort && strcmp(sort, "create_time") && strcmp(sort, "dataset_name")) || (order && strcmp(order, "asc") && strcmp(order, "desc"))) {
        api_failf(x, MA_INVALID, "sort_by must be create_time or dataset_name, and order asc or desc");
        return;
    }
    json_object *docs;
    int64_t total;
    av_err e;
    if (av_dataset_list(x->req->store, x->project, av_http_query(x->req, "search_content"), type, sort && sort[0] == 'd',
                        order && strcmp(order, "asc") == 0, offset, limit, &docs, &total, &e)) { api_fail(x, 0, &e); return; }
    json_object *o = json_object_new_object(), *arr = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(docs); i++) json_object_array_add(arr, ma_dataset_json(json_object_array_get_idx(docs, i)));
    json_object_put(docs);
    json_object_object_add(o, "total_number", json_object_new_int64(total));
    json_object_object_add(o, "datasets", arr);
    av_http_json(x->res, 200, o);
}

/* D2 */
static void dataset_list(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    int offset, limit, type;
    if (!ma_begin(req, res, MA_NO_BODY, &x) && !ma_query_int(&x, "offset", 0, 1000000000, 0, &offset) &&
        !ma_query_int(&x, "limit", 1, 100, 10, &limit) && !ma_query_int(&x, "dataset_type", 0, 900, -1, &type))
        dataset_list_page(&x, offset, limit, type);
    api_end(&x);
}

/* D3 */
static void dataset_get(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    json_object *doc;
    av_err e;
    if (ma_begin(req, res, MA_NO_BODY, &x)) { api_end(&x); return; }
    if (av_dataset_get(req->store, x.project, av_http_param(req, "dataset_id"), &doc, &e)) api_fail(&x, 0, &e);
    else {
        av_http_json(res, 200, ma_dataset_json(doc));
        json_object_put(doc);
    }
    api_end(&x);
}

/* D4's delete_labels: [{"name": ...}] to names (*names: caller frees). Writes the error. */
static int label_names(api_ctx *x, json_object *arr, const char ***names, int *n)
{
    *n = arr ? (int)json_object_array_length(arr) : 0;
    *names = xcalloc((size_t)*n + 1, sizeof **names);
    for (int i = 0; i < *n; i++) {
        json_object *nm = ma_get(json_object_array_get_idx(arr, (size_t)i), "name");
        if (!nm || !json_object_is_type(nm, json_type_string)) return api_failf(x, MA_INVALID, "delete_labels[%d] needs a \"name\" string", i);
        (*names)[i] = json_object_get_string(nm);
    }
    return 0;
}

static const char *opt_str(json_object *o, const char *k)
{
    json_object *v = ma_get(o, k);
    return v ? json_object_get_string(v) : NULL;
}

/* D4 */
static void dataset_update(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    json_object *v, *add, *upd, *del;
    if (ma_begin(req, res, MA_BODY, &x)) { api_end(&x); return; }
    json_object *body = x.body;
    av_dataset_patch p = { 0 };
    const char **names = NULL;
    if (!field(&x, body, "dataset_name", json_type_string, 0, &v) && !field(&x, body, "description", json_type_string, 0, &v) &&
        !field(&x, body, "current_version_id", json_type_string, 0, &v) && !field(&x, body, "add_labels", json_type_array, 0, &add) &&
        !field(&x, body, "update_labels", json_type_array, 0, &upd) && !field(&x, body, "delete_labels", json_type_array, 0, &del) &&
        !ma_labels(&x, add, "add_labels", (av_label_def **)&p.add_labels, &p.nadd) &&
        !ma_labels(&x, upd, "update_labels", (av_label_def **)&p.update_labels, &p.nupdate) &&
        !label_names(&x, del, &names, &p.ndelete)) {
        p.name = opt_str(body, "dataset_name");
        p.description = opt_str(body, "description");
        p.current_version = opt_str(body, "current_version_id");
        p.delete_labels = names;
        av_err e;
        const char *id = av_http_param(req, "dataset_id");
        if (av_dataset_update(req->store, x.project, id, &p, &e)) api_fail(&x, 0, &e);
        else ok_id(&x, 200, "dataset_id", id);
    }
    free((void *)p.add_labels);
    free((void *)p.update_labels);
    free(names);
    api_end(&x);
}

/* D5 */
static void dataset_delete(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    av_err e;
    if (ma_begin(req, res, MA_NO_BODY, &x)) { api_end(&x); return; }
    if (av_dataset_delete(req->store, x.project, av_http_param(req, "dataset_id"), &e)) api_fail(&x, 0, &e);
    else no_content(&x);
    api_end(&x);
}

/* D6 */
static void dataset_stats(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    json_object *doc;
    av_err e;
    if (ma_begin(req, res, MA_NO_BODY, &x)) { api_end(&x); return; }
    if (av_dataset_stats(req->store, x.project, av_http_param(req, "dataset_id"), &doc, &e)) { api_fail(&x, 0, &e); api_end(&x); return; }
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
    api_end(&x);
}

/* ---- labels ---------------------------------------------------------------------------------- */

/* L1 */
static void labels_list(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    int offset, limit;
    json_object *labels;
    av_err e;
    if (ma_begin(req, res, MA_NO_BODY, &x) || ma_query_int(&x, "offset", 0, 1000000000, 0, &offset) ||
        ma_query_int(&x, "limit", 1, 100000, 100000, &limit)) { api_end(&x); return; }
    if (av_labels_list(req->store, x.project, av_http_param(req, "dataset_id"), av_http_query(req, "version_id"), &labels, &e)) {
        api_fail(&x, 0, &e);
        api_end(&x);
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
    api_end(&x);
}

typedef int (*labels_fn)(av_store *, const char *, const char *, const av_label_def *, int, av_err *);

/* L2 and L3: {"labels":[...]} */
static void labels_write(av_http_req *req, av_http_res *res, labels_fn fn)
{
    api_ctx x;
    json_object *labels;
    av_label_def *defs = NULL;
    int n = 0;
    av_err e;
    if (ma_begin(req, res, MA_BODY, &x) || field(&x, x.body, "labels", json_type_array, 1, &labels)) { api_end(&x); return; }
    if (json_object_array_length(labels) == 0) api_failf(&x, MA_INVALID, "\"labels\" is empty; name at least one label");
    else if (ma_labels(&x, labels, "labels", &defs, &n) == 0) {
        if (fn(req->store, x.project, av_http_param(req, "dataset_id"), defs, n, &e)) api_fail(&x, 0, &e);
        else ok_success(&x);
    }
    free(defs);
    api_end(&x);
}

static void labels_create(av_http_req *req, av_http_res *res) { labels_write(req, res, av_labels_add); }
static void labels_update(av_http_req *req, av_http_res *res) { labels_write(req, res, av_labels_update); }

static void labels_delete_names(api_ctx *x, const char *const *names, int n, int policy, int status)
{
    av_err e;
    if (av_labels_delete(x->req->store, x->project, av_http_param(x->req, "dataset_id"), names, n, policy, &e)) api_fail(x, 0, &e);
    else if (status == 204) no_content(x);
    else ok_success(x);
}

/* L4: POST labels/delete?delete_policy=N {"labels":[{"name"}]} */
static void labels_delete(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    int policy;
    json_object *labels;
    if (ma_begin(req, res, MA_NO_BODY, &x) || ma_query_int(&x, "delete_policy", 0, 2, 0, &policy) || api_read_body(&x, 0)) {
        api_end(&x);
        return;
    }
    if (!field(&x, x.body, "labels", json_type_array, 1, &labels)) {
        int n = (int)json_object_array_length(labels);
        const char **names = xcalloc((size_t)n + 1, sizeof *names);
        int bad = n == 0 || n > AV_DS_LABEL_MAX;
        for (int i = 0; !bad && i < n; i++) {
            json_object *nm = ma_get(json_object_array_get_idx(labels, (size_t)i), "name");
            if (!nm || !json_object_is_type(nm, json_type_string)) bad = 1;
            else names[i] = json_object_get_string(nm);
        }
        if (bad) api_failf(&x, MA_INVALID, "\"labels\" must list 1 to 1024 objects, each with a \"name\" string");
        else labels_delete_names(&x, names, n, policy, 200);
        free(names);
    }
    api_end(&x);
}

/* L5: PUT labels/{label_name} {"type"?, "property"?} */
static void label_update_one(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    json_object *type, *prop;
    if (ma_begin(req, res, MA_BODY, &x) || field(&x, x.body, "type", json_type_int, 0, &type) ||
        field(&x, x.body, "property", json_type_object, 0, &prop)) { api_end(&x); return; }
    av_label_def l = { .name = av_http_param(req, "label_name"), .type = type ? json_object_get_int(type) : -1, .property = prop };
    av_err e;
    if (type && l.type < 0) api_failf(&x, MA_INVALID, "\"type\" must be a non-negative integer");
    else if (av_labels_update(req->store, x.project, av_http_param(req, "dataset_id"), &l, 1, &e)) api_fail(&x, 0, &e);
    else ok_success(&x);
    api_end(&x);
}

/* L6: DELETE labels/{label_name}?delete_source=bool: the label and the samples that have only it. */
static void label_delete_one(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    int del_source;
    const char *name = av_http_param(req, "label_name");
    if (!ma_begin(req, res, MA_NO_BODY, &x) && !ma_query_bool(&x, "delete_source", 0, &del_source))
        labels_delete_names(&x, &name, 1, del_source ? 2 : 1, 204);
    api_end(&x);
}

/* ---- versions -------------------------------------------------------------------------------- */

/* One manifest line: {"id", "source" ("obs:/" + path, or "content://" + text), "usage" (TRAIN when
 * unset), "annotation": the labels, "annotated_by" written "annotated-by"}. */
static void manifest_line(av_buf *b, json_object *doc)
{
    json_object *o = json_object_new_object(), *v = NULL, *labels = NULL;
    json_object_object_get_ex(doc, "id", &v);
    json_object_object_add(o, "id", json_object_get(v));
    char *source = json_object_object_get_ex(doc, "path", &v) && v ? xasprintf("obs:/%s", json_object_get_string(v))
                 : json_object_object_get_ex(doc, "text", &v) ? xasprintf("content://%s", json_object_get_string(v)) : xstrdup("");
    json_object_object_add(o, "source", json_object_new_string(source));
    free(source);
    json_object_object_get_ex(doc, "usage", &v);
    json_object_object_add(o, "usage", json_object_new_string(v ? json_object_get_string(v) : "TRAIN"));
    json_object *ann = json_object_new_array();
    json_object_object_get_ex(doc, "labels", &labels);
    for (size_t i = 0; labels && i < json_object_array_length(labels); i++) {
        json_object *l = json_object_array_get_idx(labels, i), *a = json_object_new_object();
        json_object_object_foreach(l, k, val) json_object_object_add(a, strcmp(k, "annotated_by") == 0 ? "annotated-by" : k, json_object_get(val));
        json_object_array_add(ann, a);
    }
    json_object_object_add(o, "annotation", ann);
    av_buf_puts(b, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    av_buf_puts(b, "\n");
    json_object_put(o);
}

static int manifest_add(void *arg, json_object *doc)
{
    manifest_line(arg, doc);
    return 0;
}

/* Renders a new version's manifest from its frozen samples, stores it at
 * <work_path><dataset name>-<dataset id>/annotation/<version>/<version>.manifest and attaches it. */
static int write_manifest(av_store *st, const char *project, const char *ds, const char *vid, av_err *e)
{
    json_object *d = NULL, *v = NULL;
    av_buf b = { 0 };
    char *path = NULL;
    int rc = av_dataset_get(st, project, ds, &d, e);
    if (!rc) rc = av_version_get(st, project, ds, vid, &v, e);
    if (!rc) rc = av_version_samples(st, project, ds, vid, manifest_add, &b, e);
    if (!rc) {
        const char *name = json_object_get_string(ma_get(v, "name"));
        path = xasprintf("%s%s-%s/annotation/%s/%s.manifest", ma_work_path(d), json_object_get_string(ma_get(d, "name")), ds, name, name);
        rc = av_file_put(st, project, path, b.p ? b.p : "", b.len, e);
    }
    if (!rc) rc = av_version_set_manifest(st, project, ds, vid, path, e);
    free(path);
    av_buf_free(&b);
    json_object_put(d);
    json_object_put(v);
    return rc;
}

/* Publishes a version with its manifest; a version whose manifest could not be written is withdrawn. */
static int publish(av_store *st, const char *project, const char *ds, json_object *body, char id[20], av_err *e)
{
    json_object *extra = json_object_new_object(), *v;
    static const char *const keep[] = { "version_format", "train_evaluate_sample_ratio", "clear_hard_property",
                                        "remove_sample_usage", "export_images", "with_column_header" };
    for (size_t i = 0; i < sizeof keep / sizeof *keep; i++)
        if ((v = ma_get(body, keep[i]))) json_object_object_add(extra, keep[i], json_object_get(v));
    av_version_spec spec = { .name = opt_str(body, "version_name"), .description = opt_str(body, "description"), .extra = extra };
    int rc = av_version_create(st, project, ds, &spec, id, e);
    json_object_put(extra);
    if (!rc && (rc = write_manifest(st, project, ds, id, e)) != AV_OK) {
        av_err ignored;
        av_version_delete(st, project, ds, id, &ignored);
    }
    return rc;
}

/* V1 */
static void version_create(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    char id[20];
    json_object *v;
    if (ma_begin(req, res, MA_BODY_OR_EMPTY, &x)) { api_end(&x); return; }
    json_object *body = x.body;
    if (!field(&x, body, "version_name", json_type_string, 0, &v) && !field(&x, body, "description", json_type_string, 0, &v) &&
        !field(&x, body, "version_format", json_type_string, 0, &v) && !field(&x, body, "train_evaluate_sample_ratio", json_type_string, 0, &v)) {
        const char *fmt = opt_str(body, "version_format");
        av_err e;
        if (fmt && strcmp(fmt, "Default") && strcmp(fmt, "CarbonData") && strcmp(fmt, "CSV"))
            api_failf(&x, MA_INVALID, "version_format must be Default, CarbonData or CSV");
        else if (publish(req->store, x.project, av_http_param(req, "dataset_id"), body, id, &e)) api_fail(&x, 0, &e);
        else ok_id(&x, 201, "version_id", id);
    }
    api_end(&x);
}

/* V2 */
static void version_list(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    int offset, limit, status;
    json_object *docs;
    av_err e;
    if (ma_begin(req, res, MA_NO_BODY, &x) || ma_query_int(&x, "offset", 0, 1000000000, 0, &offset) ||
        ma_query_int(&x, "limit", 1, 1000, 1000, &limit) || ma_query_int(&x, "status", 0, 4, 1, &status)) { api_end(&x); return; }
    if (av_version_list(req->store, x.project, av_http_param(req, "dataset_id"), &docs, &e)) { api_fail(&x, 0, &e); api_end(&x); return; }
    json_object *o = json_object_new_object(), *arr = json_object_new_array();
    size_t n = status == 1 ? json_object_array_length(docs) : 0;   /* every version is "normal" (1) */
    for (size_t i = (size_t)offset; i < n && i < (size_t)offset + (size_t)limit; i++)
        json_object_array_add(arr, ma_version_json(json_object_array_get_idx(docs, i)));
    json_object_put(docs);
    json_object_object_add(o, "total_number", json_object_new_int64((int64_t)n));
    json_object_object_add(o, "versions", arr);
    av_http_json(res, 200, o);
    api_end(&x);
}

/* V3 */
static void version_get(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    json_object *doc;
    av_err e;
    if (ma_begin(req, res, MA_NO_BODY, &x)) { api_end(&x); return; }
    if (av_version_get(req->store, x.project, av_http_param(req, "dataset_id"), av_http_param(req, "version_id"), &doc, &e)) api_fail(&x, 0, &e);
    else {
        av_http_json(res, 200, ma_version_json(doc));
        json_object_put(doc);
    }
    api_end(&x);
}

/* V4 */
static void version_delete(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    av_err e;
    if (ma_begin(req, res, MA_NO_BODY, &x)) { api_end(&x); return; }
    if (av_version_delete(req->store, x.project, av_http_param(req, "dataset_id"), av_http_param(req, "version_id"), &e)) api_fail(&x, 0, &e);
    else no_content(&x);
    api_end(&x);
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
