/*
 * modelarts_v1.c — ModelArts v1, the paths of the old ModelArts Python SDK (specs/modelarts.md §10):
 * annotation jobs (LabelApi: create/list/update/delete, validation) and the images of a job
 * (DataAnnotationsApi: list by tag, modify tags and boxes, tags of one or several images, tag list and
 * statistics, delete one image, batch delete, OBS sync). A job is the engine's annotation job (core
 * /dataset/job.c); {annotation_id} is its number (the SDK's dls_prj_id). Images are the samples of
 * the job's dataset and tags their labels: every image call goes to the sample functions on that
 * dataset, so the v2 dialect sees the same state.
 *
 * Wire: HTTP 200 with the documented fields; errors HTTP 400 (500 for storage failures) with
 * {"error_code":"ModelArts.NNNN","error_msg"}; the deletes add "job_id" (job delete) or
 * "is_success": false (image deletes) to the error, and answer success without any error field.
 * Every request is validated whole before anything is written.
 */
#include "api/modelarts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define JOBS_PATH "/v1/{project_id}/annotation-jobs"
#define DA1_PATH "/v1/{project_id}/data-annotations/{annotation_id}"

static const char *const job_types[] = { [AV_JOB_CLASSIFY] = "Manual Image classify", [AV_JOB_DETECT] = "Manual Object detection" };

/* ---- helpers --------------------------------------------------------------------------------- */

static void add_str(json_object *o, const char *k, const char *v) { json_object_object_add(o, k, json_object_new_string(v)); }
static void add_int(json_object *o, const char *k, int64_t v) { json_object_object_add(o, k, json_object_new_int64(v)); }
static void add_bool(json_object *o, const char *k, int v) { json_object_object_add(o, k, json_object_new_boolean(v)); }
static int64_t int_of(json_object *o, const char *k) { return json_object_get_int64(ma_get(o, k)); }
static const char *str_of(json_object *o, const char *k) { return json_object_get_string(ma_get(o, k)); }

/* An optional body member of type t (required: it must be there); writes the error. */
static int member(api_ctx *x, const char *k, json_type t, int required, json_object **out)
{
    static const char *const names[] = { [json_type_null] = "null", [json_type_boolean] = "a boolean", [json_type_double] = "a number",
                                         [json_type_int] = "an integer", [json_type_object] = "an object", [json_type_array] = "a list",
                                         [json_type_string] = "a string" };
    *out = ma_get(x->body, k);
    if (!*out && !required) return 0;
    if (*out && json_object_is_type(*out, t)) return 0;
    return api_failf(x, MA_INVALID, "\"%s\" %s %s", k, *out ? "must be" : "is required:", names[t]);
}

/* An error with extra members: {"error_code", "error_msg"} plus what the caller put in o. */
static void fail_with(api_ctx *x, json_object *o, unsigned ctx, const av_err *e)
{
    char text[512];
    int wire = api_error_text(&ma_api, ctx, e, NULL, NULL, text, sizeof text);
    if (wire < 0) wire = MA_INVALID;
    add_str(o, "error_code", ma_wire_code(wire));
    add_str(o, "error_msg", text);
    av_http_json(x->res, wire == MA_INTERNAL ? 500 : 400, o);
}

/* {"is_success": false, "error_code", "error_msg"} with a message the handler words. Returns -1. */
static int fail_unsuccessful(api_ctx *x, int wire, const char *msg)
{
    json_object *o = json_object_new_object();
    add_bool(o, "is_success", 0);
    add_str(o, "error_code", ma_wire_code(wire));
    add_str(o, "error_msg", msg);
    av_http_json(x->res, 400, o);
    return -1;
}

static void ok_success(api_ctx *x)
{
    json_object *o = json_object_new_object();
    add_bool(o, "is_success", 1);
    av_http_json(x->res, 200, o);
}

/* ---- jobs ------------------------------------------------------------------------------------ */

static json_object *job_json(json_object *doc)
{
    json_object *o = json_object_new_object(), *p = json_object_new_object();
    int kind = (int)int_of(doc, "kind");
    char num[24];
    snprintf(num, sizeof num, "%lld", (long long)int_of(doc, "num"));
    add_str(o, "id", str_of(doc, "id"));
    add_str(o, "name", str_of(doc, "name"));
    add_str(o, "description", str_of(doc, "description"));
    add_str(o, "type", job_types[kind == AV_JOB_DETECT]);
    add_str(o, "path", str_of(doc, "path"));
    add_int(o, "create_time", int_of(doc, "created_ms"));
    add_int(o, "update_time", int_of(doc, "updated_ms"));
    add_str(o, "dls_prj_id", num);
    add_str(o, "dataset_id", str_of(doc, "dataset_id"));
    add_int(p, "total_count", int_of(doc, "total"));
    add_int(p, "has_tag_count", int_of(doc, "annotated"));
    add_int(p, "not_tag_count", int_of(doc, "unannotated"));
    json_object_object_add(o, "progress_detail", p);
    return o;
}

/* POST annotation-jobs {name, description?, data_type "OBS", path | dataset_id, type} -> {job_id, dls_prj_id} */
static void job_create(av_http_req *req, av_http_res *res)
{
    api_ctx c, *x = &c;
    json_object *name, *desc, *dtype, *path, *ds, *type;
    if (ma_begin(req, res, MA_BODY, x) || member(x, "name", json_type_string, 1, &name) ||
        member(x, "description", json_type_string, 0, &desc) || member(x, "data_type", json_type_string, 0, &dtype) ||
        member(x, "path", json_type_string, 0, &path) || member(x, "dataset_id", json_type_string, 0, &ds) ||
        member(x, "type", json_type_string, 1, &type)) { api_end(x); return; }
    const char *t = json_object_get_string(type), *dt = dtype ? json_object_get_string(dtype) : NULL;
    int kind = strcmp(t, job_types[AV_JOB_CLASSIFY]) == 0 ? AV_JOB_CLASSIFY : strcmp(t, job_types[AV_JOB_DETECT]) == 0 ? AV_JOB_DETECT : -1;
    if (kind < 0) api_failf(x, MA_INVALID, "\"type\" must be \"Manual Image classify\" or \"Manual Object detection\"");
    else if (dt && strcmp(dt, "OBS") != 0)
        api_failf(x, MA_INVALID, "\"data_type\" must be \"OBS\" (a \"path\" in annovec's file store, or an existing \"dataset_id\"); "
                                 "filter jobs are not supported");
    else if (!dt && !ds) api_failf(x, MA_INVALID, "\"data_type\" is required: \"OBS\" with a \"path\" such as /bucket/images/");
    else if (!!path == !!ds) api_failf(x, MA_INVALID, "give either \"path\" (a directory such as /bucket/images/) or \"dataset_id\", not both");
    else {
        av_job_spec spec = { .name = json_object_get_string(name), .description = desc ? json_object_get_string(desc) : NULL, .kind = kind,
                             .path = path ? json_object_get_string(path) : NULL, .dataset_id = ds ? json_object_get_string(ds) : NULL };
        char id[37];
        int64_t num;
        av_err e;
        if (av_job_create(req->store, x->project, &spec, id, &num, &e)) api_fail(x, 0, &e);
        else {
            json_object *o = json_object_new_object();
            char n[24];
            snprintf(n, sizeof n, "%lld", (long long)num);
            add_str(o, "job_id", id);
            add_str(o, "dls_prj_id", n);
            av_http_json(res, 200, o);
        }
    }
    api_end(x);
}

/* GET annotation-jobs?offset&limit&sort_by&order&search_content -> {job_total_count, jobs[]} */
static void job_list(av_http_req *req, av_http_res *res)
{
    api_ctx c, *x = &c;
    int offset, limit;
    if (ma_begin(req, res, MA_NO_BODY, x) || ma_query_int(x, "offset", 0, 1000000000, 0, &offset) ||
        ma_query_int(x, "limit", 1, 100, 10, &limit)) { api_end(x); return; }
    const char *sort = av_http_query(req, "sort_by"), *order = av_http_query(req, "order");
    if ((sort && strcmp(sort, "create_time") && strcmp(sort, "name")) || (order && strcmp(order, "asc") && strcmp(order, "desc"))) {
        api_failf(x, MA_INVALID, "sort_by must be create_time or name, and order asc or desc");
        api_end(x);
        return;
    }
    json_object *docs;
    int64_t total;
    av_err e;
    if (av_job_list(req->store, x->project, av_http_query(req, "search_content"), sort && sort[0] == 'n', order && order[0] == 'a', offset,
                    limit, &docs, &total, &e)) api_fail(x, 0, &e);
    else {
        json_object *o = json_object_new_object(), *arr = json_object_new_array();
        for (size_t i = 0; i < json_object_array_length(docs); i++) json_object_array_add(arr, job_json(json_object_array_get_idx(docs, i)));
        json_object_put(docs);
        add_int(o, "job_total_count", total);
        json_object_object_add(o, "jobs", arr);
        av_http_json(res, 200, o);
    }
    api_end(x);
}

/* PUT annotation-jobs/{job_id} {name, description?} -> {job_id} */
static void job_update(av_http_req *req, av_http_res *res)
{
    api_ctx c, *x = &c;
    json_object *name, *desc;
    if (ma_begin(req, res, MA_BODY, x) || member(x, "name", json_type_string, 1, &name) ||
        member(x, "description", json_type_string, 0, &desc)) { api_end(x); return; }
    const char *id = av_http_param(req, "job_id");
    av_err e;
    if (av_job_update(req->store, x->project, id, json_object_get_string(name), desc ? json_object_get_string(desc) : NULL, &e))
        api_fail(x, 0, &e);
    else {
        json_object *o = json_object_new_object();
        add_str(o, "job_id", id);
        av_http_json(res, 200, o);
    }
    api_end(x);
}

/* DELETE annotation-jobs/{job_id} -> {job_id} (+ error_code, error_msg on failure) */
static void job_delete(av_http_req *req, av_http_res *res)
{
    api_ctx c, *x = &c;
    if (ma_begin(req, res, MA_NO_BODY, x)) { api_end(x); return; }
    const char *id = av_http_param(req, "job_id");
    json_object *o = json_object_new_object();
    add_str(o, "job_id", id);
    av_err e;
    if (av_job_delete(req->store, x->project, id, &e)) fail_with(x, o, 0, &e);
    else av_http_json(res, 200, o);
    api_end(x);
}

static void validation_answer(api_ctx *x, const char *id)
{
    json_object *doc;
    av_err e;
    if (av_job_get(x->req->store, x->project, id, 0, &doc, &e)) { api_fail(x, 0, &e); return; }
    json_object *o = json_object_new_object();
    add_str(o, "job_id", id);
    json_object_object_add(o, "pass_rate", json_object_get(ma_get(doc, "pass_rate")));
    add_int(o, "total_count", int_of(doc, "total"));
    add_int(o, "has_tag_count", int_of(doc, "annotated"));
    json_object_put(doc);
    av_http_json(x->res, 200, o);
}

/* GET annotation-jobs/{job_id}/validation -> {job_id, pass_rate (null until saved), total_count, has_tag_count} */
static void validation_get(av_http_req *req, av_http_res *res)
{
    api_ctx c, *x = &c;
    if (!ma_begin(req, res, MA_NO_BODY, x)) validation_answer(x, av_http_param(req, "job_id"));
    api_end(x);
}

/* POST annotation-jobs/{job_id}/validation {pass_rate: 0..1} -> as GET */
static void validation_save(av_http_req *req, av_http_res *res)
{
    api_ctx c, *x = &c;
    if (ma_begin(req, res, MA_BODY, x)) { api_end(x); return; }
    json_object *rate = ma_get(x->body, "pass_rate");
    const char *id = av_http_param(req, "job_id");
    av_err e;
    if (!rate || !(json_object_is_type(rate, json_type_double) || json_object_is_type(rate, json_type_int)) ||
        !(json_object_get_double(rate) >= 0 && json_object_get_double(rate) <= 1))
        api_failf(x, MA_INVALID, "\"pass_rate\" is required: a number from 0 to 1 (e.g. 0.95)");
    else if (av_job_set_pass_rate(req->store, x->project, id, json_object_get_double(rate), &e)) api_fail(x, 0, &e);
    else validation_answer(x, id);
    api_end(x);
}

/* ---- the job behind {annotation_id} ----------------------------------------------------------- */

typedef struct job_ref { int64_t num; int kind; char ds[20]; json_object *doc; } job_ref;

/* Reads {annotation_id} (the job's number) and loads the job; writes the error. */
static int job_ref_load(api_ctx *x, job_ref *j)
{
    const char *p = av_http_param(x->req, "annotation_id");
    char *end = NULL;
    long long n = p && *p >= '1' && *p <= '9' && strlen(p) <= 18 ? strtoll(p, &end, 10) : 0;
    memset(j, 0, sizeof *j);
    if (n <= 0 || *end)
        return api_failf(x, MA_INVALID, "data_annotation_id \"%.32s\" must be the job's dls_prj_id, a positive number such as 282", p ? p : "");
    av_err e;
    if (av_job_head(x->req->store, x->project, NULL, n, &j->doc, &e)) { api_fail(x, MA_CTX_JOB, &e); return -1; }
    j->num = n;
    j->kind = (int)int_of(j->doc, "kind");
    snprintf(j->ds, sizeof j->ds, "%s", str_of(j->doc, "dataset_id"));
    return 0;
}

static int begin_job(av_http_req *req, av_http_res *res, int body, api_ctx *x, job_ref *j)
{
    memset(j, 0, sizeof *j);
    return ma_begin(req, res, body, x) || job_ref_load(x, j) ? -1 : 0;
}

static void end_job(api_ctx *x, job_ref *j)
{
    json_object_put(j->doc);
    api_end(x);
}

/* ---- images ---------------------------------------------------------------------------------- */

/* A sample's labels as v1 tags: "name", or {"tag", "pos": [x1, y1, x2, y2]} for a box. */
static json_object *tags_json(json_object *labels)
{
    json_object *arr = json_object_new_array();
    for (size_t i = 0; labels && i < json_object_array_length(labels); i++) {
        json_object *l = json_object_array_get_idx(labels, i), *f = ma_get(ma_get(l, "property"), "@modelarts:feature");
        if (f && json_object_is_type(f, json_type_array) && json_object_array_length(f) == 2) {
            json_object *t = json_object_new_object(), *pos = json_object_new_array();
            add_str(t, "tag", str_of(l, "name"));
            for (size_t k = 0; k < 2; k++) {
                json_object *pt = json_object_array_get_idx(f, k);
                for (size_t d = 0; d < 2; d++) json_object_array_add(pos, json_object_get(json_object_array_get_idx(pt, d)));
            }
            json_object_object_add(t, "pos", pos);
            json_object_array_add(arr, t);
        } else {
            json_object_array_add(arr, json_object_get(ma_get(l, "name")));
        }
    }
    return arr;
}

static json_object *size_of(json_object *doc)
{
    json_object *s = ma_get(ma_get(doc, "metadata"), "@modelarts:size");
    return s ? json_object_get(s) : NULL;
}

static json_object *image_json(av_http_req *req, const char *project, json_object *doc)
{
    json_object *o = json_object_new_object();
    add_str(o, "image_id", str_of(doc, "id"));
    add_str(o, "name", str_of(doc, "name"));
    json_object_object_add(o, "path", json_object_get(ma_get(doc, "path")));
    json_object_object_add(o, "tags", tags_json(ma_get(doc, "labels")));
    json_object_object_add(o, "size", size_of(doc));
    add_int(o, "create_time", int_of(doc, "created_ms"));
    const char *path = str_of(doc, "path");
    char *url = path ? ma_file_url(req, project, path, 3600) : NULL;
    json_object_object_add(o, "url", url ? json_object_new_string(url) : NULL);
    free(url);
    return o;
}

/* GET data-annotations/{id}/images?tag_name&page&per_page -> {is_success, project_id, project_name,
 * data_path, versions[], total_count, images[]}; tag_name __none__: the untagged images; page from 0. */
static void images_list(av_http_req *req, av_http_res *res)
{
    api_ctx c, *x = &c;
    job_ref j;
    int page, per_page;
    if (begin_job(req, res, MA_NO_BODY, x, &j) || ma_query_int(x, "page", 0, 10000000, 0, &page) ||
        ma_query_int(x, "per_page", 1, 100, 10, &per_page)) { end_job(x, &j); return; }
    const char *tag = av_http_query(req, "tag_name");
    av_sample_query q = { .offset = 0, .limit = per_page, .state = -1, .type = -1 };
    if (tag && strcmp(tag, "__none__") == 0) q.state = 0;
    else if (tag && *tag) q.label_name = tag;
    if ((int64_t)page * per_page > 1000000000) {
        api_failf(x, MA_INVALID, "page * per_page must stay under 1000000000");
        end_job(x, &j);
        return;
    }
    q.offset = page * per_page;
    json_object *docs = NULL, *versions = NULL;
    int64_t total;
    av_err e;
    if (av_samples_list(req->store, x->project, j.ds, &q, &docs, &total, &e) || av_version_list(req->store, x->project, j.ds, &versions, &e))
        api_fail(x, MA_CTX_JOB, &e);
    else {
        json_object *o = json_object_new_object(), *imgs = json_object_new_array(), *vs = json_object_new_array();
        char num[24];
        snprintf(num, sizeof num, "%lld", (long long)j.num);
        add_bool(o, "is_success", 1);
        add_str(o, "project_id", num);
        add_str(o, "project_name", str_of(j.doc, "name"));
        add_str(o, "data_path", str_of(j.doc, "path"));
        for (size_t i = 0; i < json_object_array_length(versions); i++) {
            json_object *v = json_object_array_get_idx(versions, i), *w = json_object_new_object();
            add_str(w, "version_id", str_of(v, "id"));
            add_str(w, "version_name", str_of(v, "name"));
            add_int(w, "create_time", int_of(v, "created_ms"));
            json_object_array_add(vs, w);
        }
        json_object_object_add(o, "versions", vs);
        add_int(o, "total_count", total);
        for (size_t i = 0; i < json_object_array_length(docs); i++) json_object_array_add(imgs, image_json(req, x->project, json_object_array_get_idx(docs, i)));
        json_object_object_add(o, "images", imgs);
        av_http_json(res, 200, o);
    }
    json_object_put(docs);
    json_object_put(versions);
    end_job(x, &j);
}

/* One box: 4 finite numbers x1 <= x2, y1 <= y2, all >= 0, into a new [[x1,y1],[x2,y2]]. */
static json_object *box_feature(json_object *pos)
{
    double v[4];
    if (!pos || !json_object_is_type(pos, json_type_array) || json_object_array_length(pos) != 4) return NULL;
    for (size_t i = 0; i < 4; i++) {
        json_object *n = json_object_array_get_idx(pos, i);
        if (!json_object_is_type(n, json_type_int) && !json_object_is_type(n, json_type_double)) return NULL;
        v[i] = json_object_get_double(n);
        if (!isfinite(v[i]) || v[i] < 0) return NULL;
    }
    if (v[0] > v[2] || v[1] > v[3]) return NULL;
    json_object *f = json_object_new_array();
    for (size_t k = 0; k < 2; k++) {
        json_object *pt = json_object_new_array();
        json_object_array_add(pt, json_object_get(json_object_array_get_idx(pos, 2 * k)));
        json_object_array_add(pt, json_object_get(json_object_array_get_idx(pos, 2 * k + 1)));
        json_object_array_add(f, pt);
    }
    return f;
}

/* Everything one modify_image_info request allocates. */
typedef struct modify_batch {
    av_sample_update *u;
    json_object *props;        /* the boxes' label properties, and the new metadata objects */
    int n;
} modify_batch;

static void modify_free(modify_batch *b)
{
    for (int i = 0; i < b->n; i++) free((void *)b->u[i].labels);
    free(b->u);
    json_object_put(b->props);
}

/* images[i].tags into the sample's labels: strings for a classification job, {"tag", "pos"} boxes for
 * a detection job. Writes the error. */
static int parse_tags(api_ctx *x, const job_ref *j, json_object *tags, int i, modify_batch *b, av_sample_update *u)
{
    if (!tags || !json_object_is_type(tags, json_type_array) || json_object_array_length(tags) > AV_DS_LABEL_MAX)
        return api_failf(x, MA_INVALID, "images[%d].tags must be a list of at most %d tags (an empty list removes them all)", i, AV_DS_LABEL_MAX);
    size_t n = json_object_array_length(tags);
    av_label_def *defs = xcalloc(n + 1, sizeof *defs);
    u->labels = defs;
    u->nlabels = (int)n;
    for (size_t k = 0; k < n; k++) {
        json_object *t = json_object_array_get_idx(tags, k), *name = t, *pos = NULL;
        if (json_object_is_type(t, json_type_object)) name = ma_get(t, "tag"), pos = ma_get(t, "pos");
        if (!name || !json_object_is_type(name, json_type_string) || json_object_get_string_len(name) == 0 ||
            json_object_get_string_len(name) > AV_DS_LABEL_MAX)
            return api_failf(x, MA_INVALID, "images[%d].tags[%zu] must be a tag name of 1 to %d bytes%s", i, k, AV_DS_LABEL_MAX,
                             j->kind == AV_JOB_DETECT ? " in {\"tag\": ..., \"pos\": [x1, y1, x2, y2]}" : "");
        defs[k] = (av_label_def){ .name = json_object_get_string(name), .type = -1 };
        if (j->kind == AV_JOB_CLASSIFY && pos)
            return api_failf(x, MA_INVALID, "images[%d].tags[%zu] has a box (\"pos\"); this is an image classification job: send tag names", i, k);
        if (j->kind != AV_JOB_DETECT) continue;
        json_object *f = box_feature(pos);
        if (!f)
            return api_failf(x, MA_INVALID, "images[%d].tags[%zu] (\"%.100s\") needs \"pos\": [x1, y1, x2, y2], four numbers >= 0 with "
                                            "x1 <= x2 and y1 <= y2 (this is an object detection job)", i, k, json_object_get_string(name));
        json_object *p = json_object_new_object();
        add_str(p, "@modelarts:shape", "bndbox");
        json_object_object_add(p, "@modelarts:feature", f);
        json_object_array_add(b->props, p);
        defs[k].property = p;
    }
    return 0;
}

/* The image's metadata with "@modelarts:size" set (a new object kept in b->props); writes the error. */
static int with_size(api_ctx *x, const job_ref *j, const char *id, json_object *size, modify_batch *b, av_sample_update *u)
{
    json_object *doc, *meta = NULL;
    av_err e;
    if (av_sample_get(x->req->store, x->project, j->ds, id, &doc, &e)) { api_fail(x, MA_CTX_JOB, &e); return -1; }
    json_object_deep_copy(ma_get(doc, "metadata"), &meta, NULL);
    json_object_put(doc);
    if (!meta) meta = json_object_new_object();
    json_object_object_add(meta, "@modelarts:size", json_object_get(size));
    json_object_array_add(b->props, meta);
    u->metadata = meta;
    return 0;
}

/* PUT data-annotations/{id}/images {"images":[{"image_id","tags"}],"size":[w,h]?} -> {is_success} */
static void images_modify(av_http_req *req, av_http_res *res)
{
    api_ctx c, *x = &c;
    job_ref j;
    json_object *images, *size;
    if (begin_job(req, res, MA_BODY, x, &j) || member(x, "images", json_type_array, 1, &images) ||
        member(x, "size", json_type_array, 0, &size)) { end_job(x, &j); return; }
    int n = (int)json_object_array_length(images), ok = 1;
    if (n < 1 || n > AV_DS_BATCH_MAX) ok = api_failf(x, MA_INVALID, "\"images\" must list 1 to %d images", AV_DS_BATCH_MAX) == 0;
    for (size_t k = 0; ok && size && k < 2; k++) {
        json_object *d = json_object_array_get_idx(size, k);
        if (json_object_array_length(size) != 2 || !json_object_is_type(d, json_type_int) || json_object_get_int64(d) < 1 ||
            json_object_get_int64(d) > 1000000)
            ok = api_failf(x, MA_INVALID, "\"size\" must be [width, height] in pixels, two integers from 1 to 1000000") == 0;
    }
    modify_batch b = { .u = xcalloc((size_t)(ok ? n : 0) + 1, sizeof *b.u), .props = json_object_new_array(), .n = ok ? n : 0 };
    for (int i = 0; ok && i < n; i++) {
        json_object *im = json_object_array_get_idx(images, (size_t)i), *id = ma_get(im, "image_id");
        if (!json_object_is_type(im, json_type_object) || !id || !json_object_is_type(id, json_type_string) || !json_object_get_string_len(id))
            ok = api_failf(x, MA_INVALID, "images[%d] must be {\"image_id\": \"...\", \"tags\": [...]}", i) == 0;
        else {
            b.u[i].id = json_object_get_string(id);
            ok = parse_tags(x, &j, ma_get(im, "tags"), i, &b, &b.u[i]) == 0 && (!size || with_size(x, &j, b.u[i].id, size, &b, &b.u[i]) == 0);
        }
    }
    av_err e;
    if (ok && av_samples_update(req->store, x->project, j.ds, b.u, n, &e)) api_fail(x, MA_CTX_JOB, &e);
    else if (ok) ok_success(x);
    modify_free(&b);
    end_job(x, &j);
}

static json_object *image_tags(json_object *doc)
{
    json_object *o = json_object_new_object();
    add_str(o, "image_id", str_of(doc, "id"));
    json_object_object_add(o, "tags", tags_json(ma_get(doc, "labels")));
    json_object_object_add(o, "size", size_of(doc));
    return o;
}

/* GET data-annotations/{id}/images/{image_id}/tags -> {image_id, tags, size} */
static void image_tags_get(av_http_req *req, av_http_res *res)
{
    api_ctx c, *x = &c;
    job_ref j;
    json_object *doc;
    av_err e;
    if (begin_job(req, res, MA_NO_BODY, x, &j)) { end_job(x, &j); return; }
    if (av_sample_get(req->store, x->project, j.ds, av_http_param(req, "image_id"), &doc, &e)) api_fail(x, MA_CTX_JOB, &e);
    else {
        av_http_json(res, 200, image_tags(doc));
        json_object_put(doc);
    }
    end_job(x, &j);
}

/* The id list of a body member ("image_id", 1 to AV_DS_BATCH_MAX image ids; more is refused whole). */
static int id_list(api_ctx *x, json_object *arr, const char *key, const char ***ids, int *n)
{
    *ids = NULL;
    *n = 0;
    if (!arr || !json_object_is_type(arr, json_type_array))
        return fail_unsuccessful(x, MA_INVALID, "\"image_id\" is required: a list of 1 to 1000 image ids");
    size_t len = json_object_array_length(arr);
    char msg[256];
    if (len == 0 || len > AV_DS_BATCH_MAX) {
        snprintf(msg, sizeof msg, "\"%s\" lists %zu ids; send 1 to %d per request (split longer lists)", key, len, AV_DS_BATCH_MAX);
        return fail_unsuccessful(x, MA_INVALID, msg);
    }
    *ids = xcalloc(len + 1, sizeof **ids);
    for (size_t i = 0; i < len; i++) {
        json_object *id = json_object_array_get_idx(arr, i);
        const char *s = json_object_is_type(id, json_type_string) ? json_object_get_string(id) : NULL;
        int good = s && strlen(s) == 32;
        for (const char *p = s; good && *p; p++) good = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f');
        if (!good) {
            snprintf(msg, sizeof msg, "%s[%zu] (%.64s) is not an image id: image ids are 32 lowercase hex characters", key, i,
                     s ? s : json_object_to_json_string(id));
            free(*ids);
            *ids = NULL;
            return fail_unsuccessful(x, MA_INVALID, msg);
        }
        (*ids)[i] = s;
    }
    *n = (int)len;
    return 0;
}

/* POST data-annotations/{id}/tags/show {"image_id": [...]} -> {images_tags: [{image_id, tags, size}]} */
static void tags_show(av_http_req *req, av_http_res *res)
{
    api_ctx c, *x = &c;
    job_ref j;
    const char **ids = NULL;
    int n;
    if (begin_job(req, res, MA_BODY, x, &j)) { end_job(x, &j); return; }
    json_object *arr = ma_get(x->body, "image_id") ? ma_get(x->body, "image_id") : ma_get(x->body, "image_ids");
    if (id_list(x, arr, "image_id", &ids, &n)) { end_job(x, &j); return; }
    json_object *o = json_object_new_object(), *list = json_object_new_array();
    int ok = 1;
    for (int i = 0; ok && i < n; i++) {
        json_object *doc;
        av_err e;
        if (av_sample_get(req->store, x->project, j.ds, ids[i], &doc, &e)) ok = 0, api_fail(x, MA_CTX_JOB, &e);
        else json_object_array_add(list, image_tags(doc)), json_object_put(doc);
    }
    json_object_object_add(o, "images_tags", list);
    if (ok) av_http_json(res, 200, o);
    else json_object_put(o);
    free(ids);
    end_job(x, &j);
}

/* GET data-annotations/{id}/tags -> {tags: [names]} */
static void tags_list(av_http_req *req, av_http_res *res)
{
    api_ctx c, *x = &c;
    job_ref j;
    json_object *labels;
    av_err e;
    if (begin_job(req, res, MA_NO_BODY, x, &j)) { end_job(x, &j); return; }
    if (av_labels_list(req->store, x->project, j.ds, NULL, &labels, &e)) api_fail(x, MA_CTX_JOB, &e);
    else {
        json_object *o = json_object_new_object(), *names = json_object_new_array();
        for (size_t i = 0; i < json_object_array_length(labels); i++)
            json_object_array_add(names, json_object_get(ma_get(json_object_array_get_idx(labels, i), "name")));
        json_object_put(labels);
        json_object_object_add(o, "tags", names);
        av_http_json(res, 200, o);
    }
    end_job(x, &j);
}

/* GET data-annotations/{id}/tags/stats -> {tag_count: [{tag, count (images)}], tags_stat: [{has_tag, count}]} */
static void tags_stats(av_http_req *req, av_http_res *res)
{
    api_ctx c, *x = &c;
    job_ref j;
    json_object *doc;
    av_err e;
    if (begin_job(req, res, MA_NO_BODY, x, &j)) { end_job(x, &j); return; }
    if (av_dataset_stats(req->store, x->project, j.ds, &doc, &e)) api_fail(x, MA_CTX_JOB, &e);
    else {
        json_object *o = json_object_new_object(), *tc = json_object_new_array(), *ts = json_object_new_array(), *labels = ma_get(doc, "labels");
        for (size_t i = 0; i < json_object_array_length(labels); i++) {
            json_object *l = json_object_array_get_idx(labels, i), *w = json_object_new_object();
            add_str(w, "tag", str_of(l, "name"));
            add_int(w, "count", int_of(l, "sample_count"));
            json_object_array_add(tc, w);
        }
        for (int has = 1; has >= 0; has--) {
            json_object *w = json_object_new_object();
            add_bool(w, "has_tag", has);
            add_int(w, "count", has ? int_of(doc, "annotated") + int_of(doc, "auto") : int_of(doc, "unannotated"));
            json_object_array_add(ts, w);
        }
        json_object_object_add(o, "tag_count", tc);
        json_object_object_add(o, "tags_stat", ts);
        json_object_put(doc);
        av_http_json(res, 200, o);
    }
    end_job(x, &j);
}

/* Deletes images all or nothing; answers {"is_success": true} or {"is_success": false, error_code, error_msg}. */
static void delete_images(api_ctx *x, const job_ref *j, const char *const *ids, int n)
{
    av_err e;
    if (av_job_images_delete(x->req->store, x->project, j->num, ids, n, &e)) {
        json_object *o = json_object_new_object();
        add_bool(o, "is_success", 0);
        fail_with(x, o, MA_CTX_JOB, &e);
    } else ok_success(x);
}

/* An error the request plumbing answered ({"error_code", "error_msg"}: a bad body, project or job)
 * gets the image deletes' "is_success": false too. */
static void mark_unsuccessful(av_http_res *res)
{
    json_object *o = res->body.p ? json_tokener_parse(res->body.p) : NULL;
    if (!o || !json_object_is_type(o, json_type_object) || ma_get(o, "is_success")) { json_object_put(o); return; }
    add_bool(o, "is_success", 0);
    av_http_json(res, res->status, o);
}

/* DELETE data-annotations/{id}/images/{image_id} */
static void image_delete(av_http_req *req, av_http_res *res)
{
    api_ctx c, *x = &c;
    job_ref j;
    if (!begin_job(req, res, MA_NO_BODY, x, &j)) {
        const char *id = av_http_param(req, "image_id");
        delete_images(x, &j, &id, 1);
    } else mark_unsuccessful(res);
    end_job(x, &j);
}

/* POST data-annotations/{id}/images/delete {"image_id": [...]} (at most 1,000; all or nothing) */
static void images_delete(av_http_req *req, av_http_res *res)
{
    api_ctx c, *x = &c;
    job_ref j;
    const char **ids = NULL;
    int n;
    if (begin_job(req, res, MA_BODY, x, &j)) mark_unsuccessful(res);
    else if (!id_list(x, ma_get(x->body, "image_id"), "image_id", &ids, &n)) delete_images(x, &j, ids, n);
    free(ids);
    end_job(x, &j);
}

/* POST data-annotations/{id}/obs/sync -> {is_success, sync_status: 1, added_count, removed_count} */
static void obs_sync(av_http_req *req, av_http_res *res)
{
    api_ctx c, *x = &c;
    job_ref j;
    av_job_sync_result r;
    av_err e;
    if (begin_job(req, res, MA_BODY_OR_EMPTY, x, &j)) { end_job(x, &j); return; }
    if (av_job_sync(req->store, x->project, j.num, &r, &e)) api_fail(x, MA_CTX_JOB, &e);
    else {
        json_object *o = json_object_new_object();
        add_bool(o, "is_success", 1);
        add_int(o, "sync_status", 1);
        add_int(o, "added_count", r.added);
        add_int(o, "removed_count", r.removed);
        av_http_json(res, 200, o);
    }
    end_job(x, &j);
}

/* GET data-annotations/{id}/obs/sync-status -> {sync_status: 0 never, 1 done, 2 failed (3 running: a
 * sync runs inside its request, so never seen), sync_time} */
static void obs_sync_status(av_http_req *req, av_http_res *res)
{
    api_ctx c, *x = &c;
    job_ref j;
    if (!begin_job(req, res, MA_NO_BODY, x, &j)) {
        json_object *o = json_object_new_object();
        add_int(o, "sync_status", int_of(j.doc, "sync_status"));
        json_object_object_add(o, "sync_time", json_object_get(ma_get(j.doc, "synced_ms")));
        av_http_json(res, 200, o);
    }
    end_job(x, &j);
}

void modelarts_v1_register(void)
{
    const av_dialect *d = &ma_dialect;
    av_http_route("POST", JOBS_PATH, d, job_create);
    av_http_route("GET", JOBS_PATH, d, job_list);
    av_http_route("PUT", JOBS_PATH "/{job_id}", d, job_update);
    av_http_route("DELETE", JOBS_PATH "/{job_id}", d, job_delete);
    av_http_route("GET", JOBS_PATH "/{job_id}/validation", d, validation_get);
    av_http_route("POST", JOBS_PATH "/{job_id}/validation", d, validation_save);
    av_http_route("GET", DA1_PATH "/images", d, images_list);
    av_http_route("PUT", DA1_PATH "/images", d, images_modify);
    av_http_route("POST", DA1_PATH "/images/delete", d, images_delete);
    av_http_route("GET", DA1_PATH "/images/{image_id}/tags", d, image_tags_get);
    av_http_route("DELETE", DA1_PATH "/images/{image_id}", d, image_delete);
    av_http_route("POST", DA1_PATH "/tags/show", d, tags_show);
    av_http_route("GET", DA1_PATH "/tags", d, tags_list);
    av_http_route("GET", DA1_PATH "/tags/stats", d, tags_stats);
    av_http_route("POST", DA1_PATH "/obs/sync", d, obs_sync);
    av_http_route("GET", DA1_PATH "/obs/sync-status", d, obs_sync_status);
}
