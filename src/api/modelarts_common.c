/*
 * modelarts_common.c — see modelarts.h.
 */
#include "api/modelarts.h"
#include "api/app.h"
#include "auth/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- envelope and error table ---------------------------------------------------------------- */

static const struct { int status; const char *code; } wires[] = {
    [MA_INVALID] = { 400, "ModelArts.0107" },        [MA_INTERNAL] = { 500, "ModelArts.0010" },
    [MA_TOO_LARGE] = { 413, "ModelArts.4104" },      [MA_BAD_PATH] = { 400, "ModelArts.4205" },
    [MA_FILE_NOT_FOUND] = { 400, "ModelArts.4345" }, [MA_DS_EXISTS] = { 400, "ModelArts.4351" },
    [MA_DS_NOT_FOUND] = { 400, "ModelArts.4352" },   [MA_VER_NOT_FOUND] = { 400, "ModelArts.4353" },
    [MA_VER_EXISTS] = { 400, "ModelArts.4371" },     [MA_LABEL_NOT_FOUND] = { 400, "ModelArts.4410" },
    [MA_LABEL_EXISTS] = { 400, "ModelArts.4411" },   [MA_SAMPLE_NOT_FOUND] = { 400, "ModelArts.4420" },
    [MA_UPLOAD_FAILED] = { 400, "ModelArts.4421" },  [MA_SAMPLE_EXISTS] = { 400, "ModelArts.4422" },
    [MA_OVERSIZED] = { 400, "ModelArts.4656" },      [MA_NO_TOKEN] = { 401, "ModelArts.0201" },
    [MA_TOKEN_EXPIRED] = { 401, "ModelArts.0202" },  [MA_BAD_TOKEN] = { 401, "ModelArts.0203" },
    [MA_WRONG_PROJECT] = { 403, "ModelArts.0210" },
    /* ModelArts's "delete failed: something still uses it" (a labeling task using a version); here
     * a sample or version using a file. HTTP 400 as every ModelArts refusal. */
    [MA_IN_USE] = { 400, "ModelArts.4827" },
    [MA_JOB_NOT_FOUND] = { 400, "ModelArts.4338" },   /* "The resource not exists (dataset or labeling task ID)" */
};

const char *ma_wire_code(int wire) { return wires[wire].code; }

/* Writes {"error_code", "error_msg"} with the wire code's HTTP status. */
static void reply_wire(av_http_res *res, int wire, const char *msg)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error_code", json_object_new_string(wires[wire].code));
    json_object_object_add(o, "error_msg", json_object_new_string(msg));
    av_buf_free(&res->body);
    av_http_json(res, wires[wire].status, o);
}

static void reply_error(api_ctx *x, int wire, const char *msg) { reply_wire(x->res, wire, msg); }

/* The one table from an engine (or request) failure to its wire code and text (specs/modelarts.md
 * §8); first match wins. */
static const api_error_row ma_errors[] = {
    { 0, API_ANY,      API_ENT_BODY,   AV_R_EMPTY,  MA_INVALID,          "the request body is empty; send a JSON object" },
    { 0, API_ANY,      API_ENT_BODY,   API_ANY,     MA_INVALID,          "invalid request body: {msg}" },
    { 0, AV_EIO,       API_ANY,        API_ANY,     MA_INTERNAL,         NULL },
    { 0, AV_ENOTFOUND, AV_ENT_JOB,     API_ANY,     MA_JOB_NOT_FOUND,    "The resource not exists: {msg}; list the jobs with GET /v1/<project_id>/annotation-jobs" },
    { MA_CTX_JOB, AV_ENOTFOUND, AV_ENT_DATASET, API_ANY, MA_JOB_NOT_FOUND, "The resource not exists: the annotation job was deleted" },
    { 0, AV_EEXIST,    AV_ENT_DATASET, API_ANY,     MA_DS_EXISTS,        NULL },
    { 0, AV_ENOTFOUND, AV_ENT_DATASET, API_ANY,     MA_DS_NOT_FOUND,     NULL },
    { 0, AV_EEXIST,    AV_ENT_VERSION, API_ANY,     MA_VER_EXISTS,       NULL },
    { 0, AV_ENOTFOUND, AV_ENT_VERSION, API_ANY,     MA_VER_NOT_FOUND,    NULL },
    { 0, AV_EEXIST,    AV_ENT_LABEL,   API_ANY,     MA_LABEL_EXISTS,     NULL },
    { 0, AV_ENOTFOUND, AV_ENT_LABEL,   API_ANY,     MA_LABEL_NOT_FOUND,  NULL },
    { 0, AV_EEXIST,    AV_ENT_SAMPLE,  API_ANY,     MA_SAMPLE_EXISTS,    NULL },
    { 0, AV_ENOTFOUND, AV_ENT_SAMPLE,  API_ANY,     MA_SAMPLE_NOT_FOUND, "Sample not found. [{name:64}]" },
    { 0, AV_ELIMIT,    AV_ENT_SAMPLE,  API_ANY,     MA_OVERSIZED,        NULL },
    { 0, AV_ENOTFOUND, AV_ENT_FILE,    API_ANY,     MA_FILE_NOT_FOUND,   NULL },
    { 0, AV_EEXIST,    AV_ENT_FILE,    AV_R_IN_USE, MA_UPLOAD_FAILED,    NULL },
    { 0, AV_ELIMIT,    AV_ENT_FILE,    API_ANY,     MA_OVERSIZED,        NULL },
    { 0, AV_EUNSAFE,   AV_ENT_FILE,    AV_R_IN_USE, MA_IN_USE,           NULL },
    { 0, API_ANY,      AV_ENT_FILE,    API_ANY,     MA_BAD_PATH,         NULL },   /* malformed or missing paths */
    { 0, API_ANY,      API_ANY,        API_ANY,     MA_INVALID,          NULL },
};

/* No dialect flag reads a body in api_begin: each handler says whether it takes one (ma_begin). */
const api_dialect ma_api = {
    reply_error, ma_errors, sizeof ma_errors / sizeof *ma_errors, NULL, 0, API_NO_BODY, NULL, NULL, NULL,
};

void ma_result_error(json_object *w, const av_err *e)
{
    char text[512];
    int wire = api_error_text(&ma_api, 0, e, NULL, NULL, text, sizeof text);
    json_object_object_add(w, "error_code", json_object_new_string(wires[wire].code));
    json_object_object_add(w, "error_msg", json_object_new_string(text));
}

json_object *ma_get(json_object *o, const char *key)
{
    json_object *v = NULL;
    json_object_object_get_ex(o, key, &v);
    return v;
}

/* ---- request bodies to engine structs ---------------------------------------------------------- */

static int ma_label(api_ctx *x, json_object *l, const char *what, int i, av_label_def *d)
{
    json_object *name = ma_get(l, "name"), *type = ma_get(l, "type"), *prop = ma_get(l, "property"), *score = ma_get(l, "score");
    if (!json_object_is_type(l, json_type_object))
        return api_failf(x, MA_INVALID, "%s[%d] must be a label object {\"name\": ..., \"type\": ...}", what, i);
    if (!name || !json_object_is_type(name, json_type_string))
        return api_failf(x, MA_INVALID, "%s[%d] needs a \"name\" string of 1 to %d bytes", what, i, AV_DS_LABEL_MAX);
    if (type && (!json_object_is_type(type, json_type_int) || json_object_get_int64(type) < 0 || json_object_get_int64(type) > INT32_MAX))
        return api_failf(x, MA_INVALID, "%s[%d] (label \"%.100s\"): \"type\" must be a non-negative integer", what, i, json_object_get_string(name));
    if (prop && !json_object_is_type(prop, json_type_object))
        return api_failf(x, MA_INVALID, "%s[%d] (label \"%.100s\"): \"property\" must be an object", what, i, json_object_get_string(name));
    *d = (av_label_def){ .name = json_object_get_string(name), .type = type ? json_object_get_int(type) : -1, .property = prop };
    if (score && (json_object_is_type(score, json_type_double) || json_object_is_type(score, json_type_int))) {
        d->has_score = 1;
        d->score = json_object_get_double(score);
    }
    return 0;
}

int ma_labels(api_ctx *x, json_object *arr, const char *what, av_label_def **out, int *n)
{
    *out = NULL;
    *n = 0;
    if (!arr) return 0;
    if (!json_object_is_type(arr, json_type_array)) return api_failf(x, MA_INVALID, "\"%s\" must be a list of label objects", what);
    size_t len = json_object_array_length(arr);
    av_label_def *defs = xcalloc(len + 1, sizeof *defs);
    for (size_t i = 0; i < len; i++)
        if (ma_label(x, json_object_array_get_idx(arr, i), what, (int)i, &defs[i])) { free(defs); return -1; }
    *out = defs;
    *n = (int)len;
    return 0;
}

/* ---- authentication ------------------------------------------------------------------------- */

static int ma_authenticate(av_http_req *req, av_err *err)
{
    av_app *app = req->app;
    const char *token = av_http_header(req, "X-Auth-Token");
    const char *h = av_http_header(req, "Authorization");
    if (token) return av_auth_token(app->auth, token, av_now_ms(), &req->principal, err);
    if (h && strncmp(h, "SDK-HMAC-SHA256", 15) == 0) return av_auth_signed_http(app->auth, req, AV_SIGN_HUAWEI, err);
    if (h) return av_auth_bearer(app->auth, h, &req->principal, err);
    return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_MISSING, NULL, NULL, "missing credentials: send X-Auth-Token (from 'annovec token create') or sign the request "
                                  "with an AK/SK (SDK-HMAC-SHA256, keys from 'annovec key create')");
}

static void ma_render_error(av_http_res *res, av_http_errkind kind, const av_err *e)
{
    int wire = kind == AV_HTTP_ERR_TOO_LARGE ? MA_TOO_LARGE : kind == AV_HTTP_ERR_FORBIDDEN ? MA_WRONG_PROJECT :
               kind != AV_HTTP_ERR_UNAUTHORIZED ? MA_INTERNAL :
               e->reason == AV_R_EXPIRED ? MA_TOKEN_EXPIRED : e->reason == AV_R_MISSING ? MA_NO_TOKEN : MA_BAD_TOKEN;
    reply_wire(res, wire, e->msg);
}

const av_dialect ma_dialect = { "modelarts", ma_render_error, ma_authenticate };

/* ---- pre-signed file URLs ------------------------------------------------------------------- */

static int url_signature(av_store *st, const char *project, const char *path, const char *expires, char out[65])
{
    unsigned char key[32], mac[32];
    unsigned int len = 32;
    if (av_store_secret(st, key, NULL)) return -1;
    char *msg = xasprintf("GET\n%s\n%s\n%s", project, path, expires);
    if (!HMAC(EVP_sha256(), key, 32, (const unsigned char *)msg, strlen(msg), mac, &len)) abort();
    OPENSSL_cleanse(key, sizeof key);
    free(msg);
    av_hex(mac, 32, out);
    return 0;
}

static void url_encode(av_buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-_.~/", c)) av_buf_put(b, s, 1);
        else av_buf_printf(b, "%%%02X", c);
    }
}

char *ma_file_url(av_http_req *req, const char *project, const char *path, int ttl_s)
{
    char expires[24], sig[65];
    snprintf(expires, sizeof expires, "%lld", (long long)time(NULL) + ttl_s);
    if (url_signature(req->store, project, path, expires, sig)) return NULL;
    const char *host = av_http_header(req, "Host");
    av_buf b = { 0 };
    av_buf_printf(&b, "http://%s/v2/%s/files?path=", host && *host && !strpbrk(host, "/?#@ ") ? host : "127.0.0.1", project);
    url_encode(&b, path);
    av_buf_printf(&b, "&Expires=%s&Signature=%s", expires, sig);
    return b.p;
}

int ma_signed_url_check(av_http_req *req, av_err *err)
{
    const char *sig = av_http_query(req, "Signature"), *expires = av_http_query(req, "Expires");
    const char *path = av_http_query(req, "path"), *project = av_http_param(req, "project_id");
    char want[65];
    char *end = NULL;
    long long t = expires ? strtoll(expires, &end, 10) : 0;
    if (!expires || !*expires || *end || !path || !project || strlen(project) != 32)
        return av_fail(err, AV_EAUTH, "invalid signed URL: it needs path, Expires and Signature");
    if (t < (long long)time(NULL)) return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_EXPIRED, NULL, NULL, "the signed URL has expired; ask for the sample again to get a fresh one");
    if (url_signature(req->store, project, path, expires, want)) return av_fail(err, AV_EIO, "cannot read the server secret");
    if (strlen(sig) != 64 || CRYPTO_memcmp(want, sig, 64) != 0) return av_fail(err, AV_EAUTH, "invalid signed URL: the signature does not match");
    snprintf(req->principal.project, sizeof req->principal.project, "%s", project);
    return AV_OK;
}

/* A GET with a Signature is authorised by the URL itself. */
static int ma_file_authenticate(av_http_req *req, av_err *err)
{
    if (!av_http_query(req, "Signature") || strcmp(req->method, "GET") != 0) return ma_authenticate(req, err);
    return ma_signed_url_check(req, err);
}

const av_dialect ma_file_dialect = { "modelarts_file", ma_render_error, ma_file_authenticate };

/* ---- requests ------------------------------------------------------------------------------- */

static int project_id_ok(const char *p)
{
    if (!p || strlen(p) != 32) return 0;
    for (; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return 0;
    return 1;
}

int ma_need_project(api_ctx *x)
{
    const char *p = av_http_param(x->req, "project_id");
    av_err e;
    if (x->req->auth_on) {
        if (!p || strcmp(p, x->req->principal.project) != 0)
            return api_failf(x, MA_WRONG_PROJECT, "The project id in the request URL does not match the credential's project; "
                                                  "use the project id the token or key was created for");
        snprintf(x->pid, sizeof x->pid, "%s", p);
    } else {
        if (!project_id_ok(p))
            return api_failf(x, MA_INVALID, "invalid project id \"%.64s\" in the URL: use 32 lowercase hex characters "
                                            "(e.g. 0123456789abcdef0123456789abcdef)", p ? p : "");
        /* only a write creates the project; a read of an unknown one answers as an empty project */
        const char *m = x->req->method;
        int create = strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0;
        int rc = av_project_resolve(x->req->store, p, create, x->pid, &e);
        if (rc == AV_ENOTFOUND && !create) snprintf(x->pid, sizeof x->pid, "%s", p);
        else if (rc) { api_fail(x, 0, &e); return -1; }
    }
    x->project = x->pid;
    return 0;
}

int ma_begin(av_http_req *req, av_http_res *res, int body, api_ctx *x)
{
    if (api_begin(req, res, &ma_api, x) || ma_need_project(x)) return -1;
    return body == MA_NO_BODY ? 0 : api_read_body(x, body == MA_BODY_OR_EMPTY);
}

int ma_query_int(api_ctx *x, const char *name, int lo, int hi, int def, int *out)
{
    const char *v = av_http_query(x->req, name);
    *out = def;
    if (!v) return 0;
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || n < lo || n > hi) return api_failf(x, MA_INVALID, "query parameter %s must be an integer from %d to %d", name, lo, hi);
    *out = (int)n;
    return 0;
}

int ma_query_bool(api_ctx *x, const char *name, int def, int *out)
{
    const char *v = av_http_query(x->req, name);
    *out = def;
    if (!v) return 0;
    if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) { *out = v[0] == 't'; return 0; }
    return api_failf(x, MA_INVALID, "query parameter %s must be true or false", name);
}

/* ---- renderings ----------------------------------------------------------------------------- */

static void copy(json_object *to, const char *k, json_object *from, const char *fk)
{
    json_object_object_add(to, k, json_object_get(ma_get(from, fk)));
}

static void add_str(json_object *o, const char *k, const char *v) { json_object_object_add(o, k, json_object_new_string(v)); }
static void add_int(json_object *o, const char *k, int64_t v) { json_object_object_add(o, k, json_object_new_int64(v)); }

/* A member of a document as text, or def when absent. */
static const char *str_or(json_object *doc, const char *k, const char *def)
{
    json_object *v = ma_get(doc, k);
    return v ? json_object_get_string(v) : def;
}

const char *ma_work_path(json_object *dataset_doc)
{
    const char *w = str_or(dataset_doc, "work_path", "");
    return *w ? w : "/annovec-work/";
}

json_object *ma_dataset_json(json_object *doc)
{
    json_object *o = json_object_new_object(), *extra = ma_get(doc, "extra");
    const char *id = json_object_get_string(ma_get(doc, "id")), *name = json_object_get_string(ma_get(doc, "name"));
    const char *work = ma_work_path(doc);
    copy(o, "dataset_id", doc, "id");
    copy(o, "dataset_name", doc, "name");
    copy(o, "dataset_type", doc, "type");
    add_str(o, "data_format", str_or(extra, "data_format", "Default"));
    add_int(o, "status", 1);
    copy(o, "description", doc, "description");
    copy(o, "create_time", doc, "created_ms");
    copy(o, "update_time", doc, "updated_ms");
    add_str(o, "workspace_id", str_or(extra, "workspace_id", "0"));
    json_object *sources = json_object_new_array(), *src = json_object_new_object();
    add_int(src, "data_type", 0);
    copy(src, "data_path", doc, "data_path");
    json_object_array_add(sources, src);
    json_object_object_add(o, "data_sources", sources);
    add_str(o, "work_path", work);
    add_int(o, "work_path_type", 0);
    char *inner = xasprintf("%s%s-%s/", work, name, id);
    add_str(o, "inner_work_path", inner);
    static const char *const inner_dirs[] = { "annotation", "data", "log", "temp", "task" };
    for (size_t i = 0; i < sizeof inner_dirs / sizeof *inner_dirs; i++) {
        char *k = xasprintf("inner_%s_path", inner_dirs[i]), *v = xasprintf("%s%s/", inner, inner_dirs[i]);
        add_str(o, k, v);
        free(k);
        free(v);
    }
    free(inner);
    copy(o, "current_version_id", doc, "current_version_id");
    copy(o, "current_version_name", doc, "current_version_name");
    copy(o, "next_version_num", doc, "next_version_num");
    copy(o, "dataset_version_count", doc, "version_count");
    copy(o, "total_sample_count", doc, "total");
    add_int(o, "annotated_sample_count", json_object_get_int64(ma_get(doc, "annotated")) + json_object_get_int64(ma_get(doc, "auto")));
    copy(o, "unconfirmed_sample_count", doc, "auto");
    copy(o, "deleted_sample_count", doc, "deleted");
    copy(o, "labels", doc, "labels");
    json_object_object_add(o, "exist_running_task", json_object_new_boolean(0));
    json_object_object_add(o, "running_tasks_id", json_object_new_array());
    add_int(o, "workforce_task_count", 0);
    add_int(o, "label_task_count", 0);
    add_int(o, "dataset_format", json_object_get_int(ma_get(doc, "type")) == 400 ? 1 : 0);
    copy(o, "label_format", extra, "label_format");
    return o;
}

json_object *ma_sample_json(av_http_req *req, const char *project, json_object *doc)
{
    static const char *const status[] = { "UN_ANNOTATION", "MANUAL_ANNOTATION", "AUTO_ANNOTATION" };
    json_object *o = json_object_new_object(), *path = ma_get(doc, "path"), *text = ma_get(doc, "text");
    copy(o, "sample_id", doc, "id");
    copy(o, "sample_type", doc, "type");
    copy(o, "sample_name", doc, "name");
    copy(o, "sample_dir", doc, "dir");
    copy(o, "sample_size", doc, "size");
    copy(o, "sample_time", doc, "created_ms");
    int st = json_object_get_int(ma_get(doc, "status"));
    add_str(o, "sample_status", status[st >= 0 && st <= 2 ? st : 0]);
    if (path) {
        char *url = ma_file_url(req, project, json_object_get_string(path), 3600);
        if (url) { add_str(o, "source", url); add_str(o, "preview", url); }
        free(url);
    } else if (text) {
        char *content = xasprintf("content://%s", json_object_get_string(text));
        add_str(o, "source", content);
        free(content);
    }
    copy(o, "labels", doc, "labels");
    json_object *meta = NULL;
    json_object_deep_copy(ma_get(doc, "metadata"), &meta, NULL);
    if (!meta) meta = json_object_new_object();
    if (json_object_get_int(ma_get(doc, "origin")) == AV_ORIGIN_IMPORTED) add_int(meta, "@modelarts:import_origin", 0);
    json_object_object_add(o, "metadata", meta);
    if (ma_get(doc, "usage")) copy(o, "sample_usage", doc, "usage");
    json_object_object_add(o, "labelers", json_object_new_array());
    json_object_object_add(o, "deletion_reasons", json_object_new_array());
    return o;
}

json_object *ma_version_json(json_object *doc)
{
    json_object *o = json_object_new_object(), *extra = ma_get(doc, "extra");
    copy(o, "version_id", doc, "id");
    copy(o, "version_name", doc, "name");
    add_str(o, "version_format", str_or(extra, "version_format", "Default"));
    copy(o, "previous_version_id", doc, "previous_version_id");
    add_int(o, "status", 1);
    copy(o, "create_time", doc, "created_ms");
    copy(o, "is_current", doc, "is_current");
    copy(o, "description", doc, "description");
    copy(o, "total_sample_count", doc, "total");
    copy(o, "annotated_sample_count", doc, "annotated");
    copy(o, "add_sample_count", doc, "added");
    copy(o, "modified_sample_count", doc, "modified");
    copy(o, "deleted_sample_count", doc, "deleted");
    copy(o, "manifest_path", doc, "manifest_path");
    add_str(o, "train_evaluate_sample_ratio", str_or(extra, "train_evaluate_sample_ratio", "1.00"));
    copy(o, "label_stats", doc, "labels");
    return o;
}
