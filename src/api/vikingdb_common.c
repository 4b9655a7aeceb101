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

void vk_new_rid(char rid[33])
{
    unsigned char r[16];
    av_random(r, sizeof r);
    av_hex(r, sizeof r, rid);
}

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

void vk_v1_transport_error(av_http_res *res, av_http_errkind kind, const char *msg)
{
    char rid[33], text[768];
    vk_new_rid(rid);
    int code = kind == AV_HTTP_ERR_UNAUTHORIZED ? VK_UNAUTHORIZED : kind == AV_HTTP_ERR_FORBIDDEN ? VK_NO_PERMISSION :
               kind == AV_HTTP_ERR_TOO_LARGE ? VK_INVALID : VK_INTERNAL;
    snprintf(text, sizeof text, "%s%s", code == VK_INVALID ? "invalid request: " : "", msg);
    av_http_json(res, kind == AV_HTTP_ERR_TOO_LARGE ? 413 : vk_v1_status(code), vk_v1_envelope(code, text, rid));
}

int vk_authenticate(av_http_req *req, av_err *err)
{
    av_app *app = req->app;
    const char *h = av_http_header(req, "Authorization");
    if (!h || strncmp(h, "HMAC-SHA256", 11) != 0) return av_auth_bearer(app->auth, h, &req->principal, err);
    return av_auth_signed_http(app->auth, req, AV_SIGN_VOLC, err);
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

/* ---- count aggregation ----------------------------------------------------------------------- */

typedef struct agg_ctx { const char *field; json_object *groups; } agg_ctx;

static int agg_row(void *ctx, const av_row_view *row)
{
    agg_ctx *a = ctx;
    json_object *v = NULL, *cnt;
    char key[128];
    if (!json_object_object_get_ex((json_object *)row->doc, a->field, &v) || !v) return 0;
    if (json_object_is_type(v, json_type_string)) snprintf(key, sizeof key, "%s", json_object_get_string(v));
    else if (json_object_is_type(v, json_type_int)) snprintf(key, sizeof key, "%" PRId64, json_object_get_int64(v));
    else if (json_object_is_type(v, json_type_boolean)) snprintf(key, sizeof key, "%s", json_object_get_boolean(v) ? "true" : "false");
    else return 0;
    int64_t n = json_object_object_get_ex(a->groups, key, &cnt) ? json_object_get_int64(cnt) : 0;
    json_object_object_add(a->groups, key, json_object_new_int64(n + 1));
    return 0;
}

int vk_agg_count(av_collection *c, const char *op, const char *field, json_object *cond, json_object *filter_dsl,
                 json_object **groups, av_err *err)
{
    *groups = NULL;
    const av_field *fd = field ? av_schema_field(av_collection_schema(c), field) : NULL;
    int64_t gt = INT64_MIN;
    if (!op || strcmp(op, "count") != 0) return av_fail(err, AV_EINVAL, "agg op \"%.32s\" is not supported; use count", op ? op : "");
    if (field && (!fd || fd->primary || fd->type == AV_T_FLOAT_VECTOR || fd->type == AV_T_JSON || fd->type == AV_T_ARRAY))
        return av_fail(err, AV_EINVAL, "field \"%.128s\" cannot be grouped; name a scalar field", field);
    if (cond && (!json_object_is_type(cond, json_type_object) || api_get_int(cond, "gt", &gt) == API_WRONG_TYPE))
        return av_fail(err, AV_EINVAL, "cond must be an object like {\"gt\": 1}");
    av_filter *f = NULL;
    int rc = filter_dsl ? av_filter_compile_viking(c, filter_dsl, &f, err) : AV_OK;
    if (rc) return rc;
    json_object *out = json_object_new_object();
    if (!field) {
        int64_t n = 0;
        rc = av_count(c, f, &n, err);
        json_object_object_add(out, "__TOTAL__", json_object_new_int64(n));
    } else {
        agg_ctx a = { field, json_object_new_object() };
        rc = av_query(c, f, 0, -1, agg_row, &a, err);
        json_object_object_foreach(a.groups, k, v)
            if (json_object_get_int64(v) > gt) json_object_object_add(out, k, json_object_get(v));
        json_object_put(a.groups);
    }
    av_filter_free(f);
    if (rc) { json_object_put(out); return rc; }
    *groups = out;
    return AV_OK;
}

/* ---- scalar ordering ------------------------------------------------------------------------- */

int vk_check_order_field(av_collection *c, const char *field, av_err *err)
{
    const av_field *f = field ? av_schema_field(av_collection_schema(c), field) : NULL;
    if (!f || f->primary || (f->type != AV_T_INT64 && f->type != AV_T_FLOAT && f->type != AV_T_INT32 && f->type != AV_T_DOUBLE))
        return av_fail(err, AV_EINVAL, "field \"%.128s\" must be an int64 or float32 field of the collection", field ? field : "");
    return AV_OK;
}

typedef struct rank_ctx { const char *field; vk_ranked *v; size_t n, cap; } rank_ctx;

static int rank_row(void *ctx, const av_row_view *row)
{
    rank_ctx *x = ctx;
    double score = 0;
    if (x->field) {
        json_object *fv;
        if (!json_object_object_get_ex((json_object *)row->doc, x->field, &fv) || !fv ||
            (!json_object_is_type(fv, json_type_int) && !json_object_is_type(fv, json_type_double))) return 0;
        score = json_object_get_double(fv);
    }
    if (x->n == x->cap) x->v = xrealloc(x->v, sizeof(vk_ranked) * (x->cap = x->cap ? x->cap * 2 : 64));
    x->v[x->n++] = (vk_ranked){ { row->pk.is_str, row->pk.i, row->pk.is_str ? xstrdup(row->pk.s) : NULL }, score };
    return 0;
}

static int by_score_desc(const void *a, const void *b)
{
    double x = ((const vk_ranked *)a)->score, y = ((const vk_ranked *)b)->score;
    return x < y ? 1 : x > y ? -1 : 0;
}

int vk_rank(av_collection *c, const av_filter *f, const char *field, int asc, vk_ranked **out, size_t *n, av_err *err)
{
    rank_ctx x = { field, NULL, 0, 0 };
    int rc = av_query(c, f, 0, -1, rank_row, &x, err);
    if (field) {
        qsort(x.v, x.n, sizeof *x.v, by_score_desc);
        for (size_t i = 0; asc && i < x.n / 2; i++) { vk_ranked t = x.v[i]; x.v[i] = x.v[x.n - 1 - i]; x.v[x.n - 1 - i] = t; }
    }
    *out = x.v;
    *n = x.n;
    return rc;
}

void vk_ranked_free(vk_ranked *v, size_t n)
{
    for (size_t i = 0; i < n; i++) free((char *)v[i].pk.s);
    free(v);
}

typedef struct render_ctx { av_collection *c; const api_fields *sel; const vk_ranked *v; const char *pk_key; int nest; json_object *out; } render_ctx;

static int render_ranked(void *ctx, const av_row_view *row)
{
    render_ctx *x = ctx;
    json_object *o = vk_row_json(x->c, x->sel, row, x->pk_key, x->nest);
    json_object_object_add(o, "score", av_json_double(x->v[json_object_array_length(x->out)].score));
    json_object_array_add(x->out, o);
    return 0;
}

json_object *vk_render_ranked(av_collection *c, const api_fields *sel, const vk_ranked *v, size_t n,
                              const char *pk_key, int nest, av_err *err)
{
    av_pk *pks = xcalloc(n ? n : 1, sizeof(av_pk));
    for (size_t i = 0; i < n; i++) pks[i] = v[i].pk;
    render_ctx x = { c, sel, v, pk_key, nest, json_object_new_array() };
    int rc = av_get(c, pks, n, render_ranked, &x, err);
    free(pks);
    if (rc) { json_object_put(x.out); return NULL; }
    return x.out;
}
