/*
 * request.c — reading a request for every dialect (see request.h). No state, no locking.
 */
#include "api/request.h"
#include "api/app.h"

#include <math.h>
#include <string.h>

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

