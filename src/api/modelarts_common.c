/*
 * modelarts_common.c — see modelarts.h.
 */
#include "api/modelarts.h"
#include "api/app.h"
#include "api/request.h"
#include "auth/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void ma_error(av_http_res *res, int status, const char *code, const char *msg)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error_code", json_object_new_string(code));
    json_object_object_add(o, "error_msg", json_object_new_string(msg));
    av_buf_free(&res->body);
    av_http_json(res, status, o);
}

int ma_errorf(av_http_res *res, const char *code, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ma_error(res, 400, code, msg);
    return -1;
}

json_object *ma_get(json_object *o, const char *key)
{
    json_object *v = NULL;
    json_object_object_get_ex(o, key, &v);
    return v;
}

/* ---- engine failures to ModelArts codes ------------------------------------------------------ */

#define ANY (-1000)   /* matches any code, entity or reason */

/* The one table from an engine failure to its wire code (specs/modelarts.md §8), first match wins;
 * fmt, when set, words the message ModelArts's way from the failure's name (the id concerned). */
static const struct ma_code {
    int code, entity, reason;
    const char *wire;
    const char *fmt;
} ma_codes[] = {
    { AV_EIO,       ANY,            ANY,            MA_INTERNAL,         NULL },
    { AV_EEXIST,    AV_ENT_DATASET, ANY,            MA_DS_EXISTS,        NULL },
    { AV_ENOTFOUND, AV_ENT_DATASET, ANY,            MA_DS_NOT_FOUND,     NULL },
    { AV_EEXIST,    AV_ENT_VERSION, ANY,            MA_VER_EXISTS,       NULL },
    { AV_ENOTFOUND, AV_ENT_VERSION, ANY,            MA_VER_NOT_FOUND,    NULL },
    { AV_EEXIST,    AV_ENT_LABEL,   ANY,            MA_LABEL_EXISTS,     NULL },
    { AV_ENOTFOUND, AV_ENT_LABEL,   ANY,            MA_LABEL_NOT_FOUND,  NULL },
    { AV_EEXIST,    AV_ENT_SAMPLE,  ANY,            MA_SAMPLE_EXISTS,    NULL },
    { AV_ENOTFOUND, AV_ENT_SAMPLE,  ANY,            MA_SAMPLE_NOT_FOUND, "Sample not found. [%.64s]" },
    { AV_ELIMIT,    AV_ENT_SAMPLE,  ANY,            MA_OVERSIZED,        NULL },
    { AV_ENOTFOUND, AV_ENT_FILE,    ANY,            MA_FILE_NOT_FOUND,   NULL },
    { AV_EEXIST,    AV_ENT_FILE,    AV_R_IN_USE,    MA_UPLOAD_FAILED,    NULL },
    { AV_ELIMIT,    AV_ENT_FILE,    ANY,            MA_OVERSIZED,        NULL },
    { ANY,          AV_ENT_FILE,    ANY,            MA_BAD_PATH,         NULL },   /* malformed or missing paths */
    { ANY,          ANY,            ANY,            MA_INVALID,          NULL },
};

static const struct ma_code *ma_code_for(const av_err *e)
{
    size_t i = 0, last = sizeof ma_codes / sizeof *ma_codes - 1;
    for (; i < last; i++) {
        const struct ma_code *c = &ma_codes[i];
        if ((c->code == ANY || c->code == e->code) && (c->entity == ANY || c->entity == e->entity) &&
            (c->reason == ANY || c->reason == e->reason)) break;
    }
    return &ma_codes[i];
}

const char *ma_code_of(const av_err *e) { return ma_code_for(e)->wire; }

const char *ma_message_of(const av_err *e, char *buf, size_t n)
{
    const struct ma_code *c = ma_code_for(e);
    if (!c->fmt || !e->name[0]) return e->msg;
    snprintf(buf, n, c->fmt, e->name);
    return buf;
}

void ma_fail(av_http_res *res, const av_err *e)
{
    char buf[256];
    ma_error(res, e->code == AV_EIO ? 500 : 400, ma_code_of(e), ma_message_of(e, buf, sizeof buf));
}

void ma_result_error(json_object *w, const av_err *e)
{
    char buf[256];
    json_object_object_add(w, "error_code", json_object_new_string(ma_code_of(e)));
    json_object_object_add(w, "error_msg", json_object_new_string(ma_message_of(e, buf, sizeof buf)));
}

/* ---- request bodies to engine structs ---------------------------------------------------------- */

static int ma_label(av_http_res *res, json_object *l, const char *what, int i, av_label_def *d)
{
    json_object *name = ma_get(l, "name"), *type = ma_get(l, "type"), *prop = ma_get(l, "property"), *score = ma_get(l, "score");
    if (!json_object_is_type(l, json_type_object))
        return ma_errorf(res, MA_INVALID, "%s[%d] must be a label object {\"name\": ..., \"type\": ...}", what, i);
    if (!name || !json_object_is_type(name, json_type_string))
        return ma_errorf(res, MA_INVALID, "%s[%d] needs a \"name\" string of 1 to %d bytes", what, i, AV_DS_LABEL_MAX);
    if (type && (!json_object_is_type(type, json_type_int) || json_object_get_int64(type) < 0 || json_object_get_int64(type) > INT32_MAX))
        return ma_errorf(res, MA_INVALID, "%s[%d] (label \"%.100s\"): \"type\" must be a non-negative integer", what, i, json_object_get_string(name));
    if (prop && !json_object_is_type(prop, json_type_object))
        return ma_errorf(res, MA_INVALID, "%s[%d] (label \"%.100s\"): \"property\" must be an object", what, i, json_object_get_string(name));
    *d = (av_label_def){ .name = json_object_get_string(name), .type = type ? json_object_get_int(type) : -1, .property = prop };
    if (score && (json_object_is_type(score, json_type_double) || json_object_is_type(score, json_type_int))) {
        d->has_score = 1;
        d->score = json_object_get_double(score);
    }
    return 0;
}

int ma_labels(av_http_res *res, json_object *arr, const char *what, av_label_def **out, int *n)
{
    *out = NULL;
    *n = 0;
    if (!arr) return 0;
    if (!json_object_is_type(arr, json_type_array)) return ma_errorf(res, MA_INVALID, "\"%s\" must be a list of label objects", what);
    size_t len = json_object_array_length(arr);
    av_label_def *defs = xcalloc(len + 1, sizeof *defs);
    for (size_t i = 0; i < len; i++)
        if (ma_label(res, json_object_array_get_idx(arr, i), what, (int)i, &defs[i])) { free(defs); return -1; }
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
    const char *msg = e->msg;
    switch (kind) {
    case AV_HTTP_ERR_TOO_LARGE: ma_error(res, 413, MA_TOO_LARGE, msg); break;
    case AV_HTTP_ERR_UNAUTHORIZED:
        ma_error(res, 401, e->reason == AV_R_EXPIRED ? MA_TOKEN_EXPIRED : e->reason == AV_R_MISSING ? MA_NO_TOKEN : MA_BAD_TOKEN, msg);
        break;
    case AV_HTTP_ERR_FORBIDDEN: ma_error(res, 403, MA_WRONG_PROJECT, msg); break;
    default: ma_error(res, 500, MA_INTERNAL, msg); break;
    }
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

int ma_project(av_http_req *req, av_http_res *res, char project[33])
{
    const char *p = av_http_param(req, "project_id");
    av_err e;
    av_err_clear(&e);
    if (req->auth_on) {
        if (!p || strcmp(p, req->principal.project) != 0) {
            ma_error(res, 403, MA_WRONG_PROJECT, "The project id in the request URL does not match the credential's project; "
                                                 "use the project id the token or key was created for");
            return -1;
        }
        snprintf(project, 33, "%s", p);
        return 0;
    }
    if (av_project_resolve(req->store, p, 1, project, &e)) {
        ma_error(res, 400, MA_INVALID, e.msg);
        return -1;
    }
    return 0;
}

int ma_body(av_http_req *req, av_http_res *res, int allow_empty, json_object **out)
{
    av_err e;
    int empty;
    if (!api_parse_body(req, out, &empty, &e)) return 0;
    if (empty && allow_empty) { *out = json_object_new_object(); return 0; }
    return ma_errorf(res, MA_INVALID, empty ? "the request body is empty; send a JSON object" : "invalid request body: %s", e.msg);
}

int ma_query_int(av_http_req *req, av_http_res *res, const char *name, int lo, int hi, int def, int *out)
{
    const char *v = av_http_query(req, name);
    *out = def;
    if (!v) return 0;
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || n < lo || n > hi) return ma_errorf(res, MA_INVALID, "query parameter %s must be an integer from %d to %d", name, lo, hi);
    *out = (int)n;
    return 0;
}

int ma_query_bool(av_http_req *req, av_http_res *res, const char *name, int def, int *out)
{
    const char *v = av_http_query(req, name);
    *out = def;
    if (!v) return 0;
    if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) { *out = v[0] == 't'; return 0; }
    return ma_errorf(res, MA_INVALID, "query parameter %s must be true or false", name);
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
