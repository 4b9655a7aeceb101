/*
 * milvus_common.c — the envelopes Milvus v1 and v2 share (see milvus.h).
 */
#include "api/milvus.h"

void mv_reply_error(av_http_res *res, int status, int code, const char *msg)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "code", json_object_new_int(code));
    json_object_object_add(o, "message", json_object_new_string(msg));
    av_http_json(res, status, o);
}

void mv_reply_ok(av_http_res *res, int code, json_object *data)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "code", json_object_new_int(code));
    json_object_object_add(o, "data", data ? data : json_object_new_object());
    av_http_json(res, 200, o);
}

