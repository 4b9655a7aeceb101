/*
 * envelope.c — HTTP-level errors (400, 404, 405, 413 before routing, 414, 431, 505) in the JSON
 * envelope of the dialect family a path belongs to, following /work/shared/specs:
 *   milvus_v1 / milvus_v2   {"code":<int>,"message":".."}   (404/405 carry the HTTP status as code, 429
 *                           merr's rate limit 8; other errors v1 80000 "Incorrect parameter", v2 1100)
 *   vikingdb_v1             {"code":1000003,"message":"invalid request: ..","request_id":".."} (429: 1000029)
 *   vikingdb_v2             {"code":"InvalidParameter" ("NotFound" for 404, "TooManyRequests" for 429),"message":..,"request_id":..,"result":null}
 *   modelarts               {"error_code":"ModelArts.0107","error_msg":".."} (413: ModelArts.4104)
 *   anything else           {"code":<HTTP status>,"message":".."}
 * The family is read from the dialect's name (av_dialect.name starts with it). No state, no locking.
 */
#include "http/envelope.h"

#include <string.h>

int http_err_status(av_http_errkind kind)
{
    switch (kind) {
    case AV_HTTP_ERR_TOO_LARGE: return 413;
    case AV_HTTP_ERR_UNAUTHORIZED: return 401;
    case AV_HTTP_ERR_FORBIDDEN: return 403;
    case AV_HTTP_ERR_BAD_REQUEST: return 400;
    case AV_HTTP_ERR_NOT_FOUND: return 404;
    case AV_HTTP_ERR_METHOD: return 405;
    case AV_HTTP_ERR_URI_TOO_LONG: return 414;
    case AV_HTTP_ERR_HEADERS_TOO_LARGE: return 431;
    case AV_HTTP_ERR_VERSION: return 505;
    case AV_HTTP_ERR_BUSY: return 429;
    default: return 500;
    }
}

static int starts(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

void http_envelope(av_http_res *res, const av_dialect *d, av_http_errkind kind, const char *msg, const char *rid)
{
    int status = http_err_status(kind);
    int not_found = status == 404 || status == 405;
    const char *name = d ? d->name : "";
    json_object *o = json_object_new_object();
    char text[700];
    if (starts(name, "milvus_v1") || starts(name, "milvus_v2")) {
        int v1 = starts(name, "milvus_v1");
        int code = not_found ? status : status == 500 ? 65535 : status == 429 ? 8 : v1 ? 80000 : status == 413 ? 1801 : 1100;
        if (!not_found && v1) snprintf(text, sizeof text, "Incorrect parameter: %s", msg);
        else snprintf(text, sizeof text, "%s", msg);
        json_object_object_add(o, "code", json_object_new_int(code));
        json_object_object_add(o, "message", json_object_new_string(text));
    } else if (starts(name, "vikingdb_v1")) {
        snprintf(text, sizeof text, "invalid request: %s", msg);
        json_object_object_add(o, "code", json_object_new_int(status == 500 ? 1000028 : status == 429 ? 1000029 : 1000003));
        json_object_object_add(o, "message", json_object_new_string(text));
        json_object_object_add(o, "request_id", json_object_new_string(rid ? rid : ""));
    } else if (starts(name, "vikingdb_v2")) {
        json_object_object_add(o, "code", json_object_new_string(status == 404 ? "NotFound" : status == 500 ? "InternalError" :
                                                                 status == 429 ? "TooManyRequests" : "InvalidParameter"));
        json_object_object_add(o, "message", json_object_new_string(msg));
        json_object_object_add(o, "request_id", json_object_new_string(rid ? rid : ""));
        json_object_object_add(o, "result", NULL);
    } else if (starts(name, "modelarts")) {
        json_object_object_add(o, "error_code", json_object_new_string(status == 413 ? "ModelArts.4104" : status >= 429 ? "ModelArts.0010" :
                                                                       "ModelArts.0107"));
        json_object_object_add(o, "error_msg", json_object_new_string(msg));
    } else {
        json_object_object_add(o, "code", json_object_new_int(status));
        json_object_object_add(o, "message", json_object_new_string(msg));
    }
    res->status = status;
    res->body.len = 0;
    av_buf_puts(&res->body, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}
