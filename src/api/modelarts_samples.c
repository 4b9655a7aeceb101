/*
 * modelarts_samples.c — ModelArts v2 samples (S1-S5, specs/modelarts.md §4) and annovec's file
 * endpoint: GET /v2/{project_id}/files?path=... serves a file (with credentials, or through the
 * pre-signed URL a sample's `source` carries); PUT uploads one (the OBS upload a dataset imports from);
 * GET ?prefix=... lists files; DELETE ?path=... deletes one (refused while samples or versions use it,
 * unless when_unused=true).
 * Every request is validated whole before anything is written.
 */
#include "api/modelarts.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DA_PATH "/v2/{project_id}/datasets/{dataset_id}/data-annotations"

/* ---- S1 add ---------------------------------------------------------------------------------- */

typedef struct add_batch {
    av_sample_in *in;
    unsigned char **bytes;
    int n;
} add_batch;

static void add_batch_free(add_batch *b)
{
    for (int i = 0; i < b->n; i++) free(b->bytes[i]), free((void *)b->in[i].labels);
    free(b->bytes);
    free(b->in);
}

/* Checks one sample of S1 and decodes its data. */
static int add_parse_one(api_ctx *x, json_object *s, int i, av_sample_in *in, unsigned char **bytes)
{
    if (!json_object_is_type(s, json_type_object)) return api_failf(x, MA_INVALID, "samples[%d] must be an object", i);
    json_object *name = ma_get(s, "name"), *data = ma_get(s, "data"), *src = ma_get(s, "data_source"), *type = ma_get(s, "sample_type");
    json_object *labels = ma_get(s, "labels"), *meta = ma_get(s, "metadata");
    if (name && (!json_object_is_type(name, json_type_string) || json_object_get_string_len(name) > AV_DS_PATH_MAX))
        return api_failf(x, MA_INVALID, "samples[%d].name must be a string of at most %d characters", i, AV_DS_PATH_MAX);
    if (type && (!json_object_is_type(type, json_type_int) || json_object_get_int(type) < 0 || json_object_get_int(type) > 9))
        return api_failf(x, MA_INVALID, "samples[%d].sample_type must be 0 (image), 1 (text), 2 (audio), 4 (table), 6 (video) or 9 (other)", i);
    char what[48];
    snprintf(what, sizeof what, "samples[%d].labels", i);
    if (ma_labels(x, labels, what, (av_label_def **)&in->labels, &in->nlabels)) return -1;
    if (meta && !json_object_is_type(meta, json_type_object)) return api_failf(x, MA_INVALID, "samples[%d].metadata must be an object", i);
    if (!!data == !!src) return api_failf(x, MA_INVALID, "samples[%d] needs exactly one of \"data\" (base64 bytes) and \"data_source\"", i);
    in->name = name ? json_object_get_string(name) : NULL;
    in->type = type ? json_object_get_int(type) : -1;
    in->metadata = meta;
    if (data) {
        if (!json_object_is_type(data, json_type_string)) return api_failf(x, MA_INVALID, "samples[%d].data must be a base64 string", i);
        size_t len = (size_t)json_object_get_string_len(data);
        if (len / 4 * 3 > AV_DS_SAMPLE_BYTES + 3)
            return api_failf(x, MA_OVERSIZED, "Sample oversized: samples[%d] has more than %d bytes", i, AV_DS_SAMPLE_BYTES);
        size_t n;
        if (av_base64_decode(json_object_get_string(data), len, bytes, &n))
            return api_failf(x, MA_INVALID, "samples[%d].data is not valid base64", i);
        if (n > AV_DS_SAMPLE_BYTES) return api_failf(x, MA_OVERSIZED, "Sample oversized: samples[%d] has %zu bytes; the limit is %d", i, n, AV_DS_SAMPLE_BYTES);
        if (!in->name) return api_failf(x, MA_INVALID, "samples[%d] has data but no \"name\" to store it under", i);
        in->data = *bytes ? (const void *)*bytes : "";
        in->len = n;
        return 0;
    }
    json_object *path = ma_get(src, "data_path"), *dt = ma_get(src, "data_type");
    if (!json_object_is_type(src, json_type_object) || !path || !json_object_is_type(path, json_type_string))
        return api_failf(x, MA_INVALID, "samples[%d].data_source must be {\"data_type\": 0, \"data_path\": \"/bucket/dir/file\"}", i);
    if (dt && (!json_object_is_type(dt, json_type_int) || json_object_get_int(dt) != 0))
        return api_failf(x, MA_INVALID, "samples[%d].data_source.data_type must be 0 (object storage)", i);
    in->source = json_object_get_string(path);
    return 0;
}

/* S1's answer: {"success": every sample added, "results": [{success, name, info | error_code, error_msg}]}; info is
 * the new sample id, or "N samples" for a text file. */
static json_object *add_response(const av_sample_result *results, int n)
{
    json_object *o = json_object_new_object(), *arr = json_object_new_array();
    int all = 1;
    for (int i = 0; i < n; i++) {
        const av_sample_result *r = &results[i];
        json_object *w = json_object_new_object();
        all &= r->ok;
        json_object_object_add(w, "success", json_object_new_boolean(r->ok));
        json_object_object_add(w, "name", r->path ? json_object_new_string(r->path) : NULL);
        if (r->ok && r->id[0]) json_object_object_add(w, "info", json_object_new_string(r->id));
        else if (r->ok) {
            char info[64];
            snprintf(info, sizeof info, "%lld samples", (long long)r->count);
            json_object_object_add(w, "info", json_object_new_string(info));
        } else ma_result_error(w, &r->err);
        json_object_array_add(arr, w);
    }
    json_object_object_add(o, "success", json_object_new_boolean(all));
    json_object_object_add(o, "results", arr);
    return o;
}

static void add_run(api_ctx *x, const add_batch *b, int final)
{
    av_sample_result *results = xcalloc((size_t)b->n, sizeof *results);
    av_err e;
    if (av_samples_add(x->req->store, x->project, av_http_param(x->req, "dataset_id"), b->in, b->n, final, results, &e)) api_fail(x, 0, &e);
    else av_http_json(x->res, 200, add_response(results, b->n));
    av_sample_results_free(results, b->n);
    free(results);
}

static void samples_add(av_http_req *req, av_http_res *res)
{
    api_ctx c, *x = &c;
    if (ma_begin(req, res, MA_BODY, x)) { api_end(x); return; }
    add_batch b = { 0 };
    json_object *samples = ma_get(x->body, "samples"), *fin = ma_get(x->body, "final_annotation");
    if (!samples || !json_object_is_type(samples, json_type_array) || json_object_array_length(samples) == 0 ||
        json_object_array_length(samples) > AV_DS_BATCH_MAX)
        api_failf(x, MA_INVALID, "\"samples\" must be a list of 1 to %d samples", AV_DS_BATCH_MAX);
    else if (fin && !json_object_is_type(fin, json_type_boolean))
        api_failf(x, MA_INVALID, "\"final_annotation\" must be a boolean");
    else {
        b.n = (int)json_object_array_length(samples);
        b.in = xcalloc((size_t)b.n, sizeof *b.in);
        b.bytes = xcalloc((size_t)b.n, sizeof *b.bytes);
        int ok = 1;
        for (int i = 0; ok && i < b.n; i++)
            ok = add_parse_one(x, json_object_array_get_idx(samples, (size_t)i), i, &b.in[i], &b.bytes[i]) == 0;
        if (ok) add_run(x, &b, !fin || json_object_get_boolean(fin));
    }
    add_batch_free(&b);
    api_end(x);
}

/* ---- S2 list, S3 details ------------------------------------------------------------------- */

static int sample_state(const char *s)
{
    if (!s) return -1;
    if (strcmp(s, "__ALL__") == 0) return 1;
    if (strcmp(s, "__NONE__") == 0) return 0;
    if (strcmp(s, "__AUTO_ANNOTATION__") == 0) return 2;
    static const char *const team[] = { "__UNCHECK__", "__ACCEPTED__", "__REJECTED__", "__UNREVIEWED__", "__REVIEWED__",
                                        "__WORKFORCE_SAMPLED__", "__WORKFORCE_SAMPLED_UNCHECK__", "__WORKFORCE_SAMPLED_CHECKED__",
                                        "__WORKFORCE_SAMPLED_ACCEPTED__", "__WORKFORCE_SAMPLED_REJECTED__" };
    for (size_t i = 0; i < sizeof team / sizeof *team; i++)
        if (strcmp(s, team[i]) == 0) return 4;   /* team-labeling states: no sample is in them */
    return -2;
}

/* search_conditions: one object or a list of them, ANDed; sample_name, sample_dir and label_list. */
static int search_conditions(api_ctx *x, json_object *sc, av_sample_query *q, const char **names, int max)
{
    int n = json_object_is_type(sc, json_type_array) ? (int)json_object_array_length(sc) : 1;
    if (!json_object_is_type(sc, json_type_array) && !json_object_is_type(sc, json_type_object))
        return api_failf(x, MA_INVALID, "search_conditions must be a JSON object or a list of objects");
    for (int i = 0; i < n; i++) {
        json_object *c = json_object_is_type(sc, json_type_array) ? json_object_array_get_idx(sc, (size_t)i) : sc;
        if (!json_object_is_type(c, json_type_object)) return api_failf(x, MA_INVALID, "each search condition must be an object");
        json_object_object_foreach(c, k, v) {
            if (strcmp(k, "sample_name") == 0 && json_object_is_type(v, json_type_string) && !q->name) q->name = json_object_get_string(v);
            else if (strcmp(k, "sample_dir") == 0 && json_object_is_type(v, json_type_string) && !q->dir) q->dir = json_object_get_string(v);
            else if (strcmp(k, "label_list") == 0 && json_object_is_type(v, json_type_object) && !q->nlabels) {
                json_object *op = ma_get(v, "op"), *labels = ma_get(v, "labels");
                if (!labels || !json_object_is_type(labels, json_type_array) || (op && !json_object_is_type(op, json_type_string)))
                    return api_failf(x, MA_INVALID, "label_list must be {\"op\": \"AND\"|\"OR\", \"labels\": [{\"name\": ...}]}");
                q->labels_all = op && strcmp(json_object_get_string(op), "AND") == 0;
                for (size_t j = 0; j < json_object_array_length(labels); j++) {
                    json_object *nm = ma_get(json_object_array_get_idx(labels, j), "name");
                    if (!nm || !json_object_is_type(nm, json_type_string) || q->nlabels == max)
                        return api_failf(x, MA_INVALID, "label_list.labels must list up to %d objects with a \"name\"", max);
                    names[q->nlabels++] = json_object_get_string(nm);
                }
            } else {
                return api_failf(x, MA_INVALID, "search condition \"%.64s\" is not supported (or repeated, or of the wrong type); "
                                            "annovec filters by sample_name, sample_dir and label_list", k);
            }
        }
    }
    q->labels = names;
    return 0;
}

static void samples_list(av_http_req *req, av_http_res *res)
{
    api_ctx c, *x = &c;
    av_sample_query q = { 0 };
    if (ma_begin(req, res, MA_NO_BODY, x) || ma_query_int(x, "offset", 0, 1000000000, 0, &q.offset) ||
        ma_query_int(x, "limit", 1, 100, 10, &q.limit) || ma_query_int(x, "sample_type", 0, 9, -1, &q.type)) { api_end(x); return; }
    q.state = sample_state(av_http_query(req, "sample_state"));
    if (q.state == -2) {
        api_failf(x, MA_INVALID, "unknown sample_state; use __ALL__, __NONE__, __AUTO_ANNOTATION__ or a team-labeling state");
        api_end(x);
        return;
    }
    q.label_name = av_http_query(req, "label_name");
    q.version_id = av_http_query(req, "version_id");
    const char *sc = av_http_query(req, "search_conditions");
    json_object *conds = NULL;
    const char *names[32];
    av_err e;
    if (sc && av_json_parse(sc, strlen(sc), 8, &conds, &e)) {
        api_failf(x, MA_INVALID, "search_conditions is not valid JSON: %s", e.msg);
        api_end(x);
        return;
    }
    json_object *docs;
    int64_t total;
    if (sc && search_conditions(x, conds, &q, names, 32)) {
        json_object_put(conds);
        api_end(x);
        return;
    }
    if (av_samples_list(req->store, x->project, av_http_param(req, "dataset_id"), &q, &docs, &total, &e)) api_fail(x, 0, &e);
    else {
        json_object *o = json_object_new_object(), *arr = json_object_new_array();
        for (size_t i = 0; i < json_object_array_length(docs); i++)
            json_object_array_add(arr, ma_sample_json(req, x->project, json_object_array_get_idx(docs, i)));
        json_object_put(docs);
        json_object_object_add(o, "sample_count", json_object_new_int64(total));
        json_object_object_add(o, "samples", arr);
        av_http_json(res, 200, o);
    }
    json_object_put(conds);
    api_end(x);
}

static void sample_get(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    json_object *doc;
    av_err e;
    if (ma_begin(req, res, MA_NO_BODY, &x)) { api_end(&x); return; }
    if (av_sample_get(req->store, x.project, av_http_param(req, "dataset_id"), av_http_param(req, "sample_id"), &doc, &e)) api_fail(&x, 0, &e);
    else {
        av_http_json(res, 200, ma_sample_json(req, x.project, doc));
        json_object_put(doc);
    }
    api_end(&x);
}

/* ---- S4 update ------------------------------------------------------------------------------- */

/* One entry of S4 {"sample_id", "labels"?, "metadata"?, "sample_usage"?} (labels allocated). Writes the error. */
static int update_parse_one(api_ctx *x, json_object *s, int i, av_sample_update *u)
{
    json_object *id = ma_get(s, "sample_id"), *meta = ma_get(s, "metadata"), *use = ma_get(s, "sample_usage");
    if (!json_object_is_type(s, json_type_object))
        return api_failf(x, MA_INVALID, "samples[%d] must be an object {\"sample_id\": ..., \"labels\": [...]}", i);
    if (!id || !json_object_is_type(id, json_type_string)) return api_failf(x, MA_INVALID, "samples[%d] needs a \"sample_id\" string", i);
    if (meta && !json_object_is_type(meta, json_type_object)) return api_failf(x, MA_INVALID, "samples[%d].metadata must be an object", i);
    if (use && !json_object_is_type(use, json_type_string))
        return api_failf(x, MA_INVALID, "samples[%d].sample_usage must be TRAIN, EVAL, TEST or INFERENCE", i);
    char what[48];
    snprintf(what, sizeof what, "samples[%d].labels", i);
    *u = (av_sample_update){ .id = json_object_get_string(id), .metadata = meta, .usage = use ? json_object_get_string(use) : NULL };
    return ma_labels(x, ma_get(s, "labels"), what, (av_label_def **)&u->labels, &u->nlabels);
}

static void samples_update(av_http_req *req, av_http_res *res)
{
    api_ctx c, *x = &c;
    if (ma_begin(req, res, MA_BODY, x)) { api_end(x); return; }
    json_object *samples = ma_get(x->body, "samples");
    int n = samples && json_object_is_type(samples, json_type_array) ? (int)json_object_array_length(samples) : 0, ok = 1;
    av_sample_update *u = xcalloc((size_t)n + 1, sizeof *u);
    if (!samples || !json_object_is_type(samples, json_type_array))
        ok = api_failf(x, MA_INVALID, "\"samples\" must be a list of {\"sample_id\": ..., \"labels\": [...]}") == 0;
    for (int i = 0; ok && i < n; i++) ok = update_parse_one(x, json_object_array_get_idx(samples, (size_t)i), i, &u[i]) == 0;
    av_err e;
    if (ok && av_samples_update(req->store, x->project, av_http_param(req, "dataset_id"), u, n, &e)) api_fail(x, 0, &e);
    else if (ok) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "success", json_object_new_boolean(1));
        av_http_json(res, 200, o);
    }
    for (int i = 0; i < n; i++) free((void *)u[i].labels);
    free(u);
    api_end(x);
}

/* ---- S5 delete ------------------------------------------------------------------------------- */

/* The note on a result whose source had to stay. */
static json_object *kept_note(const av_sample_result *r)
{
    char *note = xasprintf("source %s kept: still used by %lld other sample(s) and %lld version(s); it is deleted when the last of them goes",
                           r->path, (long long)r->kept_samples, (long long)r->kept_versions);
    json_object *o = json_object_new_string(note);
    free(note);
    return o;
}

/* Renders the engine's per-id results: {"success":true} when all succeeded without a note, else
 * {"success", "error_code"?, "error_msg"?, "results":[{"success", "error_code"?, "error_msg"?, "info"?}]}. */
static json_object *delete_response(const av_sample_result *results, int n, int all)
{
    json_object *o = json_object_new_object(), *arr = json_object_new_array();
    int notes = 0, failed = 0;
    for (int i = 0; i < n; i++) {
        const av_sample_result *r = &results[i];
        json_object *w = json_object_new_object();
        json_object_object_add(w, "success", json_object_new_boolean(r->ok));
        if (!r->ok) {
            ma_result_error(w, &r->err);
            failed++;
        }
        if (r->kept) json_object_object_add(w, "info", kept_note(r)), notes++;
        json_object_array_add(arr, w);
    }
    json_object_object_add(o, "success", json_object_new_boolean(all));
    if (failed) {
        char msg[128];
        snprintf(msg, sizeof msg, "%d of %d samples were not deleted; see results", failed, n);
        json_object_object_add(o, "error_code", json_object_new_string(ma_wire_code(MA_SAMPLE_NOT_FOUND)));
        json_object_object_add(o, "error_msg", json_object_new_string(msg));
    }
    if (failed || notes) json_object_object_add(o, "results", arr);
    else json_object_put(arr);
    return o;
}

static void samples_delete(av_http_req *req, av_http_res *res)
{
    api_ctx c, *x = &c;
    if (ma_begin(req, res, MA_BODY_OR_EMPTY, x)) { api_end(x); return; }
    json_object *samples = ma_get(x->body, "samples"), *del = ma_get(x->body, "delete_source");
    size_t n = samples && json_object_is_type(samples, json_type_array) ? json_object_array_length(samples) : 0;
    const char **ids = xcalloc(n + 1, sizeof *ids);
    int ok = 1;
    if (samples && !json_object_is_type(samples, json_type_array)) ok = api_failf(x, MA_INVALID, "\"samples\" must be a list of sample ids") == 0;
    else if (n > AV_DS_BATCH_MAX) ok = api_failf(x, MA_INVALID, "\"samples\" lists %zu ids; at most %d per request, so split the list", n, AV_DS_BATCH_MAX) == 0;
    else if (del && !json_object_is_type(del, json_type_boolean)) ok = api_failf(x, MA_INVALID, "\"delete_source\" must be true or false") == 0;
    for (size_t i = 0; ok && i < n; i++) {
        json_object *id = json_object_array_get_idx(samples, i);
        if (!json_object_is_type(id, json_type_string) || json_object_get_string_len(id) == 0 || json_object_get_string_len(id) > 64)
            ok = api_failf(x, MA_INVALID, "samples[%zu] must be a sample id string", i) == 0;
        else ids[i] = json_object_get_string(id);
    }
    if (ok) {
        av_sample_result *results = xcalloc(n + 1, sizeof *results);
        int all;
        av_err e;
        if (av_samples_delete(req->store, x->project, av_http_param(req, "dataset_id"), ids, (int)n, del && json_object_get_boolean(del),
                              results, &all, &e))
            api_fail(x, 0, &e);
        else av_http_json(res, 200, delete_response(results, (int)n, all));
        av_sample_results_free(results, (int)n);
        free(results);
    }
    free(ids);
    api_end(x);
}

/* ---- files ----------------------------------------------------------------------------------- */

static const char *content_type(const char *path)
{
    static const struct { const char *ext, *type; } map[] = {
        { ".jpg", "image/jpeg" }, { ".jpeg", "image/jpeg" }, { ".png", "image/png" }, { ".bmp", "image/bmp" }, { ".gif", "image/gif" },
        { ".webp", "image/webp" }, { ".txt", "text/plain; charset=utf-8" }, { ".csv", "text/csv; charset=utf-8" },
        { ".manifest", "application/jsonlines" }, { ".json", "application/json" }, { ".wav", "audio/wav" }, { ".mp4", "video/mp4" },
    };
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof map / sizeof *map; i++)
        if (strcasecmp(dot, map[i].ext) == 0) return map[i].type;
    return "application/octet-stream";
}

static const char *file_path(api_ctx *x)
{
    const char *path = av_http_query(x->req, "path");   /* (the transport refuses a NUL anywhere in the query) */
    if (!path || !av_path_ok(path, 0)) {
        api_failf(x, MA_BAD_PATH, "query parameter path must name a file like /bucket/dir/file.jpg (no '..', '//' or control characters)");
        return NULL;
    }
    return path;
}

/* GET files?prefix=P[&marker=M][&limit=N]: the files whose path starts with P, in path order after M
 * (OBS's list-objects). {"files":[{"path","size","create_time","sample_refs","version_refs",
 * "in_use","doomed"}],"is_truncated":bool,"next_marker"?} */
static void file_list(api_ctx *x, const char *prefix)
{
    int limit;
    json_object *files;
    int more;
    av_err e;
    if (ma_query_int(x, "limit", 1, AV_DS_LIST_MAX, AV_DS_LIST_MAX, &limit)) return;
    if (av_file_list(x->req->store, x->project, prefix, av_http_query(x->req, "marker"), limit, &files, &more, &e)) {
        api_fail(x, 0, &e);
        return;
    }
    json_object *o = json_object_new_object(), *arr = json_object_new_array();
    size_t n = json_object_array_length(files);
    for (size_t i = 0; i < n; i++) {
        json_object *f = json_object_array_get_idx(files, i), *w = json_object_new_object();
        int64_t srefs = json_object_get_int64(ma_get(f, "sample_refs")), vrefs = json_object_get_int64(ma_get(f, "version_refs"));
        json_object_object_add(w, "path", json_object_get(ma_get(f, "path")));
        json_object_object_add(w, "size", json_object_get(ma_get(f, "size")));
        json_object_object_add(w, "create_time", json_object_get(ma_get(f, "created_ms")));
        json_object_object_add(w, "sample_refs", json_object_new_int64(srefs));
        json_object_object_add(w, "version_refs", json_object_new_int64(vrefs));
        json_object_object_add(w, "in_use", json_object_new_boolean(srefs + vrefs > 0));
        json_object_object_add(w, "doomed", json_object_get(ma_get(f, "doomed")));
        json_object_array_add(arr, w);
    }
    json_object_object_add(o, "files", arr);
    json_object_object_add(o, "is_truncated", json_object_new_boolean(more));
    if (more && n) json_object_object_add(o, "next_marker", json_object_get(ma_get(json_object_array_get_idx(files, n - 1), "path")));
    json_object_put(files);
    av_http_json(x->res, 200, o);
}

static void file_get(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    const char *path;
    av_err e;
    void *data;
    size_t n;
    if (api_begin(req, res, &ma_api, &x)) { api_end(&x); return; }
    /* without --auth the server did not check a signed URL: an invalid one is still refused */
    if (!req->auth_on && av_http_query(req, "Signature") && ma_signed_url_check(req, &e)) api_failf(&x, MA_BAD_TOKEN, "%s", e.msg);
    else if (ma_need_project(&x)) { api_end(&x); return; }
    else if (!av_http_query(req, "path") && av_http_query(req, "prefix")) {
        /* a signed URL grants one file, never a listing */
        if (av_http_query(req, "Signature")) api_failf(&x, MA_INVALID, "a signed URL cannot list files; send credentials");
        else file_list(&x, av_http_query(req, "prefix"));
    } else if (!(path = file_path(&x))) { api_end(&x); return; }
    else if (av_file_read(req->store, x.project, path, &data, &n, &e)) api_fail(&x, 0, &e);
    else {
        res->status = 200;
        res->content_type = content_type(path);
        av_buf_put(&res->body, data, n);
        free(data);
    }
    api_end(&x);
}

static void file_put(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    const char *path;
    av_err e;
    if (ma_begin(req, res, MA_NO_BODY, &x) || !(path = file_path(&x))) { api_end(&x); return; }
    if (req->body_len > AV_DS_SAMPLE_BYTES)
        api_failf(&x, MA_OVERSIZED, "file of %zu bytes; the limit is %d bytes", req->body_len, AV_DS_SAMPLE_BYTES);
    else if (av_file_put(req->store, x.project, path, req->body, req->body_len, &e)) api_fail(&x, 0, &e);
    else {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "path", json_object_new_string(path));
        json_object_object_add(o, "size", json_object_new_int64((int64_t)req->body_len));
        av_http_json(res, 200, o);
    }
    api_end(&x);
}

/* DELETE files?path=P[&when_unused=true]: 204 when the file is gone; while samples or versions use it,
 * ModelArts.4827 with nothing changed, or with when_unused=true 202 {"path","doomed":true,
 * "sample_refs","version_refs","info"}: it goes with its last reference. */
static void file_delete(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    const char *path;
    int when_unused;
    av_file_refs refs;
    av_err e;
    if (ma_begin(req, res, MA_NO_BODY, &x) || !(path = file_path(&x)) || ma_query_bool(&x, "when_unused", 0, &when_unused)) {
        api_end(&x);
        return;
    }
    if (av_file_delete(req->store, x.project, path, when_unused, &refs, &e)) api_fail(&x, 0, &e);
    else if (refs.removed) res->status = 204;
    else {
        json_object *o = json_object_new_object();
        char *info = xasprintf("still used by %lld sample(s) and %lld version(s); the file is deleted when the last of them goes",
                               (long long)refs.sample_refs, (long long)refs.version_refs);
        json_object_object_add(o, "path", json_object_new_string(path));
        json_object_object_add(o, "doomed", json_object_new_boolean(1));
        json_object_object_add(o, "sample_refs", json_object_new_int64(refs.sample_refs));
        json_object_object_add(o, "version_refs", json_object_new_int64(refs.version_refs));
        json_object_object_add(o, "info", json_object_new_string(info));
        free(info);
        av_http_json(res, 202, o);
    }
    api_end(&x);
}

void modelarts_samples_register(void)
{
    const av_dialect *d = &ma_dialect;
    av_http_route("POST", DA_PATH "/samples", d, samples_add);
    av_http_route("GET", DA_PATH "/samples", d, samples_list);
    av_http_route("PUT", DA_PATH "/samples", d, samples_update);
    av_http_route("POST", DA_PATH "/samples/delete", d, samples_delete);
    av_http_route("GET", DA_PATH "/samples/{sample_id}", d, sample_get);
    av_http_route("GET", "/v2/{project_id}/files", &ma_file_dialect, file_get);
    av_http_route("PUT", "/v2/{project_id}/files", &ma_file_dialect, file_put);
    av_http_route("DELETE", "/v2/{project_id}/files", &ma_dialect, file_delete);
}
