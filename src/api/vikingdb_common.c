/*
 * vikingdb_common.c — see vikingdb.h.
 */
#include "api/vikingdb.h"
#include "api/app.h"
#include "auth/auth.h"
#include "lib/util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <inttypes.h>

json_object *vk_v1_envelope(int code, const char *msg, const char *rid)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "code", json_object_new_int(code));
    json_object_object_add(o, "message", json_object_new_string(msg));
    json_object_object_add(o, "msg", json_object_new_string(msg));   /* docs show msg, SDKs read message */
    json_object_object_add(o, "request_id", json_object_new_string(rid));
    return o;
}

int vk_v1_status(int code)
{
    return code == VK_UNAUTHORIZED ? 401 : code == VK_NO_PERMISSION ? 403 : code == VK_INTERNAL ? 500 : 400;
}

void vk_v1_error(av_http_res *res, const char *rid, int code, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    av_http_json(res, vk_v1_status(code), vk_v1_envelope(code, msg, rid));
}

void vk_v1_ok(av_http_res *res, const char *rid, json_object *data)
{
    json_object *o = vk_v1_envelope(0, "success", rid);
    if (data) json_object_object_add(o, "data", data);
    av_http_json(res, 200, o);
}

void vk_v1_reply(api_ctx *x, int wire, const char *msg)
{
    vk_v1_error(x->res, x->rid, wire, "%s", msg);
}

void vk_v1_transport_error(av_http_res *res, av_http_errkind kind, const av_err *err)
{
    char rid[33], text[768];
    const char *msg = err->msg;
    api_new_rid(rid);
    int code = kind == AV_HTTP_ERR_UNAUTHORIZED ? VK_UNAUTHORIZED : kind == AV_HTTP_ERR_FORBIDDEN ? VK_NO_PERMISSION :
               kind == AV_HTTP_ERR_TOO_LARGE ? VK_INVALID : VK_INTERNAL;
    snprintf(text, sizeof text, "%s%s", code == VK_INVALID ? "invalid request: " : "", msg);
    av_http_json(res, kind == AV_HTTP_ERR_TOO_LARGE ? 413 : vk_v1_status(code), vk_v1_envelope(code, text, rid));
}

/* VikingDB clients authenticate by signing (Volcengine HMAC-SHA256 with an AK/SK pair); a Bearer API
 * key also works. A request without a signature that fails says how to sign; the code and envelope
 * stay the dialect's (1000001 / Unauthorized, 401). */
#define VK_SIGN_HINT "sign the request with an AK/SK pair (Volcengine HMAC-SHA256 Signature V4: " \
                     "Authorization: HMAC-SHA256 Credential=<AK>/<date>/<region>/vikingdb/request, X-Date; " \
                     "pairs from 'annovec key create'), or send Authorization: Bearer <api-key>"

int vk_authenticate(av_http_req *req, av_err *err)
{
    av_app *app = req->app;
    const char *h = av_http_header(req, "Authorization");
    if (h && strncmp(h, "HMAC-SHA256", 11) == 0) return av_auth_signed_http(app->auth, req, AV_SIGN_VOLC, err);
    int rc = av_auth_bearer(app->auth, h, &req->principal, err);
    if (rc == AV_EAUTH && err) {
        char why[sizeof err->msg];
        snprintf(why, sizeof why, "%s", err->msg);
        if (err->reason == AV_R_MISSING) snprintf(err->msg, sizeof err->msg, "missing credentials: " VK_SIGN_HINT);
        else snprintf(err->msg, sizeof err->msg, "%.200s; " VK_SIGN_HINT, why);
    }
    return rc;
}

json_object *vk_row_json(av_collection *c, const api_fields *sel, const av_row_view *row, const char *pk_key, int nest)
{
    const char *pk = av_schema_pk(av_collection_schema(c))->name;
    json_object *all = api_render_row(c, row, sel, pk, 0);
    if (!nest && !pk_key) return all;
    json_object *o = json_object_new_object(), *fields = nest ? json_object_new_object() : o, *pkv = NULL;
    json_object_object_get_ex(all, pk, &pkv);
    json_object_object_add(o, pk_key ? pk_key : pk, json_object_get(pkv));
    json_object_object_foreach(all, k, v)
        if (strcmp(k, pk) != 0) json_object_object_add(fields, k, json_object_get(v));
    if (nest) json_object_object_add(o, "fields", fields);
    json_object_put(all);
    return o;
}

int vk_output_fields(av_collection *c, json_object *holder, int with_vector, api_fields *sel, av_err *err)
{
    json_object *of = NULL;
    memset(sel, 0, sizeof *sel);
    if (holder && json_object_object_get_ex(holder, "output_fields", &of) && of) {
        if (!json_object_is_type(of, json_type_array)) return av_fail(err, AV_EINVAL, "output_fields must be a list of field names");
        return json_object_array_length(of) ? api_fields_parse(c, of, 0, sel, err) : AV_OK;
    }
    const av_schema *s = av_collection_schema(c);
    sel->names = xcalloc((size_t)s->nfields, sizeof(char *));
    for (int i = 0; i < s->nfields; i++)
        if (!s->fields[i].primary && (with_vector || s->fields[i].type != AV_T_FLOAT_VECTOR))
            sel->names[sel->n++] = xstrdup(s->fields[i].name);
    return AV_OK;
}

const char *vk_str(json_object *o, const char *key, const char *def)
{
    const char *s;
    return o && api_get_str(o, key, &s) == API_OK && *s ? s : def;
}

av_metric vk_index_metric(json_object *spec)
{
    json_object *vi = NULL;
    json_object_object_get_ex(spec, "vector_index", &vi);
    const char *d = vk_str(vi, "distance", "ip");
    return strcasecmp(d, "l2") == 0 ? AV_METRIC_L2 : strcasecmp(d, "cosine") == 0 ? AV_METRIC_COSINE : AV_METRIC_IP;
}

const char *vk_index_engine_type(json_object *spec)
{
    json_object *vi = NULL;
    json_object_object_get_ex(spec, "vector_index", &vi);
    return strcasecmp(vk_str(vi, "index_type", "hnsw"), "flat") == 0 ? "FLAT" : "HNSW";
}

json_object *vk_index_params(json_object *spec)
{
    json_object *vi = NULL, *sef = NULL;
    json_object_object_get_ex(spec, "vector_index", &vi);
    if (!vi || !json_object_object_get_ex(vi, "hnsw_sef", &sef) || !json_object_is_type(sef, json_type_int)) return NULL;
    json_object *p = json_object_new_object();
    json_object_object_add(p, "ef", json_object_new_int64(json_object_get_int64(sef)));
    return p;
}

/* ---- count aggregation ----------------------------------------------------------------------- */

/* {value: count, ...} in the engine's order, or {"__TOTAL__": matched} without a field. */
static json_object *groups_json(const char *field, const av_group *v, size_t n, int64_t matched)
{
    json_object *out = json_object_new_object();
    if (!field) json_object_object_add(out, "__TOTAL__", json_object_new_int64(matched));
    for (size_t i = 0; i < n; i++)
        json_object_object_add(out, json_object_get_string(v[i].value), json_object_new_int64(v[i].count));
    return out;
}

int vk_agg_count(av_collection *c, const char *op, const char *field, json_object *cond, json_object *filter_dsl,
                 json_object **groups, av_err *err)
{
    *groups = NULL;
    av_group_by g = { NULL, field, INT64_MIN };
    if (!op || strcmp(op, "count") != 0) return av_fail(err, AV_EINVAL, "agg op \"%.32s\" is not supported; use count", op ? op : "");
    if (cond && (!json_object_is_type(cond, json_type_object) || api_get_int(cond, "gt", &g.more_than) == API_WRONG_TYPE))
        return av_fail(err, AV_EINVAL, "cond must be an object like {\"gt\": 1}");
    av_filter *f = NULL;
    int rc = filter_dsl ? av_filter_compile_viking(c, filter_dsl, &f, err) : AV_OK;
    av_group *v = NULL;
    size_t n = 0;
    int64_t matched = 0;
    g.filter = f;
    if (rc == AV_OK && (rc = av_count_groups(c, &g, &v, &n, &matched, err)) == AV_OK) *groups = groups_json(field, v, n, matched);
    av_groups_free(v, n);
    av_filter_free(f);
    return rc;
}

/* ---- scalar ordering ------------------------------------------------------------------------- */

typedef struct render_ctx { av_collection *c; const api_fields *sel; const char *pk_key; int nest, random; json_object *out; } render_ctx;

static int render_ranked(void *ctx, double score, const av_row_view *row)
{
    render_ctx *x = ctx;
    json_object *o = vk_row_json(x->c, x->sel, row, x->pk_key, x->nest);
    json_object_object_add(o, "score", av_json_double(x->random ? 1.0 : score));
    json_object_array_add(x->out, o);
    return 0;
}

int vk_ranked_rows(av_collection *c, const av_order *o, const api_fields *sel, const char *pk_key, int nest,
                   json_object **rows, int64_t *matched, av_err *err)
{
    render_ctx x = { c, sel, pk_key, nest, o->field == NULL, json_object_new_array() };
    int rc = av_query_ordered(c, o, render_ranked, &x, matched, err);
    if (rc) { json_object_put(x.out); x.out = NULL; }
    *rows = x.out;
    return rc;
}
