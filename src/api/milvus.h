/*
 * milvus.h — what the Milvus v1 and v2 dialects share: the {"code","message"} and {"code","data"}
 * envelopes. Request reading is api/request.h, JSON rows api/rows.h.
 */
#ifndef AV_MILVUS_H
#define AV_MILVUS_H

#include "annovec.h"
#include "http/http.h"
#include "api/request.h"
#include "api/rows.h"

/* Envelopes shared by v1 and v2: {"code":code,"message":msg} with an HTTP status, and
 * {"code":code,"data":data} (data NULL: {}) with 200. Both take ownership of data. */
void mv_reply_error(av_http_res *res, int status, int code, const char *msg);
void mv_reply_ok(av_http_res *res, int code, json_object *data);

#endif
