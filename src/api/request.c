/*
 * request.c — reading a request for every dialect (see request.h). No state, no locking.
 */
#include "api/request.h"
#include "api/app.h"

#include "lib/util.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <string.h>

static int body_fail(av_err *err, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int body_fail(av_err *err, size_t at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    av_vfail_on(err, AV_EINVAL, API_ENT_BODY, AV_R_NONE, NULL, NULL, fmt, ap);
    va_end(ap);
    if (err) err->pos = at > INT32_MAX ? -1 : (int)at;
    return AV_EINVAL;
}

static int strings_check(json_object *o, int depth, av_err *err)
{
    if (depth > AV_JSON_MAX_DEPTH) return AV_OK;
    switch (json_object_get_type(o)) {
    case json_type_string: {
        size_t n = (size_t)json_object_get_string_len(o), at = av_utf8_check(json_object_get_string(o), n);
        return at == n ? AV_OK : body_fail(err, at, "a parameter is not valid UTF-8 (byte %zu of its value); send text as UTF-8", at);
    }
    case json_type_array:
        for (size_t i = 0; i < json_object_array_length(o); i++)
            if (strings_check(json_object_array_get_idx(o, i), depth + 1, err)) return AV_EINVAL;
        return AV_OK;
    case json_type_object: {
        json_object_object_foreach(o, key, v) {
            size_t n = strlen(key);
            if (av_utf8_check(key, n) != n) return body_fail(err, 0, "a parameter name is not valid UTF-8; send text as UTF-8");
            if (strings_check(v, depth + 1, err)) return AV_EINVAL;
        }
        return AV_OK;
    }
    default:
        return AV_OK;
    }
}

int api_strings_check(json_object *o, av_err *err)
{
    return o ? strings_check(o, 0, err) : AV_OK;
}

int api_parse_body(const av_http_req *req, json_object **out, int *empty, av_err *err)
{
    *out = NULL;
    *empty = 0;
    const char *p = req->body;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n') p++;
    if (!*p) {
        *empty = 1;
        return av_fail_on(err, AV_EINVAL, API_ENT_BODY, AV_R_EMPTY, NULL, NULL, "the request body should be nil, however {} is valid");
    }
    json_object *o = NULL;
    int rc = av_json_parse(req->body, req->body_len, AV_JSON_MAX_DEPTH, &o, err);
    if (rc) {
        if (err) err->entity = API_ENT_BODY;   /* err->pos says where */
        return rc;
    }
    if (!o) {   /* the body `null`: what Python's json.dumps(None) sends on a bodiless POST */
        *empty = 1;
        return av_fail_on(err, AV_EINVAL, API_ENT_BODY, AV_R_EMPTY, NULL, NULL, "the request body is null; send a JSON object");
    }
    if (!json_object_is_type(o, json_type_object)) {
        json_object_put(o);
        return av_fail_on(err, AV_EINVAL, API_ENT_BODY, AV_R_NONE, NULL, NULL, "the request body must be a JSON object");
    }
    *out = o;
    return AV_OK;
}

int api_get_str(json_object *o, const char *key, const char **out)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !v) return API_ABSENT;
    if (!json_object_is_type(v, json_type_string)) return API_WRONG_TYPE;
    *out = json_object_get_string(v);
    return API_OK;
}

int api_get_int(json_object *o, const char *key, int64_t *out)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !v) return API_ABSENT;
    return av_json_get_int64(v, 0, out) == AV_OK ? API_OK : API_WRONG_TYPE;
}

int api_get_bool(json_object *o, const char *key, int *out)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !v) return API_ABSENT;
    if (!json_object_is_type(v, json_type_boolean)) return API_WRONG_TYPE;
    *out = json_object_get_boolean(v);
    return API_OK;
}

int api_get_num(json_object *o, const char *key, double *out)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !v) return API_ABSENT;
    if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)) return API_WRONG_TYPE;
    *out = json_object_get_double(v);
    return isfinite(*out) ? API_OK : API_WRONG_TYPE;
}

int api_window_ok(int64_t limit, int64_t offset, int64_t min_limit, int64_t max)
{
    return limit >= min_limit && limit <= max && offset >= 0 && offset <= max - limit;
}

int api_int64_as_string(const av_http_req *req)
{
    const char *h = av_http_header(req, "Accept-Type-Allow-Int64");
    return h && strcasecmp(h, "false") == 0;
}

const char *api_project(const av_http_req *req)
{
    return req->principal.project;
}

