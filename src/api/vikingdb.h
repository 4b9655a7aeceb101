/*
 * vikingdb.h — what the VikingDB V1 and V2 dialects share: the V1 envelope (also the tasks'), the
 * authentication hook (Volcengine Signature V4 or Bearer), row rendering, output-field rules and
 * index definitions. Request plumbing is api/dialect.h.
 */
#ifndef AV_VIKINGDB_H
#define AV_VIKINGDB_H

#include "annovec.h"
#include "api/dialect.h"
#include "api/request.h"
#include "api/rows.h"
#include "http/http.h"

#define VK_BATCH_MAX 100

/* The V1 envelope {"code","message","msg","request_id"} (new object; add "data" to it). */
json_object *vk_v1_envelope(int code, const char *msg, const char *rid);
/* V1 codes used by more than one file, and the HTTP status each error code goes out with. */
enum { VK_UNAUTHORIZED = 1000001, VK_NO_PERMISSION = 1000002, VK_INVALID = 1000003, VK_INTERNAL = 1000028 };
int vk_v1_status(int code);
/* Answers a V1 error: vk_v1_envelope(code, formatted message) with vk_v1_status(code). */
void vk_v1_error(av_http_res *res, const char *rid, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Answers V1 success; data (may be NULL) is taken. */
void vk_v1_ok(av_http_res *res, const char *rid, json_object *data);
/* api_dialect.reply_error of V1 and tasks: vk_v1_error with the request's id. */
void vk_v1_reply(api_ctx *x, int wire, const char *msg);
/* The V1 dialects' render_error: body over the limit, credentials. */
void vk_v1_transport_error(av_http_res *res, av_http_errkind kind, const av_err *err);

/* The dialect hook: "HMAC-SHA256 ..." is verified as a Volcengine signature, anything else as Bearer. */
int vk_authenticate(av_http_req *req, av_err *err);

/* A row as JSON: the pk under pk_key (NULL: the pk field's own name), then the selected fields, either
 * flat or (nest) under "fields". */
json_object *vk_row_json(av_collection *c, const api_fields *sel, const av_row_view *row, const char *pk_key, int nest);

/* output_fields of `holder`: absent → every scalar field (and the vector when with_vector); [] → none;
 * unknown names refused (AV_EINVAL/AV_EFIELD). */
int vk_output_fields(av_collection *c, json_object *holder, int with_vector, api_fields *sel, av_err *err);

/* count aggregation: op must be "count"; with `field` it groups by that field's values and keeps the
 * groups whose count is > cond.gt; filter_dsl (may be NULL) is the VikingDB filter. One engine call
 * (av_count_groups). *groups gets a new object {"__TOTAL__": n} or {value: count, ...}. AV_EINVAL,
 * AV_EFILTER, or the engine's AV_EFIELD / AV_ETYPE for a field that cannot be grouped, with err set. */
int vk_agg_count(av_collection *c, const char *op, const char *field, json_object *cond, json_object *filter_dsl,
                 json_object **groups, av_err *err);

/* Rows ranked by a numeric scalar field (search/scalar, V1 order_by_scalar) or drawn at random
 * (o->field NULL, search/random): one engine call (av_query_ordered) rendered as a JSON array of
 * vk_row_json(pk_key, nest) plus "score" (the field's value; 1.0 for a random draw). *matched (may be
 * NULL) receives the number of rows ranked. Errors are the engine's (AV_EFIELD / AV_ETYPE for a field
 * that cannot order), with err set and *rows NULL. */
int vk_ranked_rows(av_collection *c, const av_order *o, const api_fields *sel, const char *pk_key, int nest,
                   json_object **rows, int64_t *matched, av_err *err);

/* From a stored index definition: its vector_index.distance (default ip). */
av_metric vk_index_metric(json_object *spec);
/* The engine's index type for an index's vector_index: FLAT for "flat"; every other type (hnsw,
 * hnsw_hybrid, ivf, diskann) is served by annovec's HNSW. */
const char *vk_index_engine_type(json_object *spec);
/* The search parameters an index's vector_index sets ({"ef": hnsw_sef}, new), or NULL. */
json_object *vk_index_params(json_object *spec);
const char *vk_str(json_object *o, const char *key, const char *def);

#endif
