/*
 * vikingdb_v2.c — the VikingDB V2 data plane (specs/vikingdb.md §2): POST /api/vikingdb/data/
 * {upsert, delete, fetch_in_collection, fetch_in_index, search/vector, search/id, search/scalar,
 * search/random, agg} and GET|POST /api/vikingdb/Ping, on the same collections as V1 and Milvus.
 *
 * Envelope: {"code":"Success","message":..,"request_id":..,"result":..}; errors use string codes with
 * HTTP statuses: MissingParameter / InvalidParameter 400, Unauthorized 401, NotFound.VikingdbCollection
 * and NotFound.VikingdbIndex 404, InternalError 500. A collection is named by collection_name or by
 * resource_id (its numeric collection id, as Milvus's describe shows it); empty strings count as
 * absent. Deletes are visible to fetch, search and agg when the call returns.
 * Rows past their ttl vanish from every read at once. Not yet served: search/multi_modal, keywords.
 */
#include "api/app.h"
#include "api/vikingdb.h"
#include "lib/util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define V2_LIMIT_MAX 5000

typedef struct v2 {
    av_http_req *req;
    av_http_res *res;
    json_object *body;
    av_collection *c;
    json_object *index;        /* the named index's definition, when the call needs one */
    char rid[33];
} v2;

/* ---- envelope -------------------------------------------------------------------------------- */

static json_object *envelope(const char *code, const char *msg, const char *rid)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "code", json_object_new_string(code));
    json_object_object_add(o, "message", json_object_new_string(msg));
    json_object_object_add(o, "request_id", json_object_new_string(rid));
    return o;
}

static void fail(v2 *r, int status, const char *code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void fail(v2 *r, int status, const char *code, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_object *o = envelope(code, msg, r->rid);
    json_object_object_add(o, "result", NULL);
    av_http_json(r->res, status, o);
}

#define INVALID(r, ...) fail(r, 400, "InvalidParameter", __VA_ARGS__)

/* An engine write's failure: storage errors are 500, everything else the caller's 400. */
static void write_failed(v2 *r, const av_err *e)
{
    if (e->code == AV_EIO) fail(r, 500, "InternalError", "%s", e->msg);
    else INVALID(r, "%s", e->msg);
}

static void ok(v2 *r, json_object *result)
{
    json_object *o = envelope("Success", "The API call was executed successfully.", r->rid);
    json_object_object_add(o, "result", result);
    av_http_json(r->res, 200, o);
}

static void render_transport_error(av_http_res *res, av_http_errkind kind, const av_err *e)
{
    const char *msg = e->msg;
    char rid[33];
    vk_new_rid(rid);
    int status = kind == AV_HTTP_ERR_UNAUTHORIZED ? 401 : kind == AV_HTTP_ERR_TOO_LARGE ? 413 : kind == AV_HTTP_ERR_FORBIDDEN ? 403 : 500;
    const char *code = kind == AV_HTTP_ERR_UNAUTHORIZED ? "Unauthorized" : kind == AV_HTTP_ERR_FORBIDDEN ? "AccessDenied" :
                       kind == AV_HTTP_ERR_TOO_LARGE ? "InvalidParameter" : "InternalError";
    json_object *o = envelope(code, msg, rid);
    json_object_object_add(o, "result", NULL);
    av_http_json(res, status, o);
}

static const av_dialect dialect = { "vikingdb_v2", render_transport_error, vk_authenticate };

/* The Python V2 client pings unsigned while it is being constructed: Ping needs no credentials. */
static int no_credentials(av_http_req *req, av_err *err)
{
    (void)req; (void)err;
    return AV_OK;
}

static const av_dialect ping_dialect = { "vikingdb_v2_ping", render_transport_error, no_credentials };

/* ---- request plumbing ------------------------------------------------------------------------ */

static int begin(av_http_req *req, av_http_res *res, v2 *r)
{
    memset(r, 0, sizeof *r);
    r->req = req;
    r->res = res;
    vk_new_rid(r->rid);
    av_err e;
    int empty;
    if (api_parse_body(req, &r->body, &empty, &e)) { INVALID(r, "the request body must be a JSON object: %s", e.msg); return -1; }
    return 0;
}

static void end(v2 *r)
{
    if (r->index) json_object_put(r->index);
    if (r->c) av_collection_release(r->c);
    if (r->body) json_object_put(r->body);
}

/* A string member where "" counts as absent. */
static const char *str_opt(v2 *r, const char *key)
{
    const char *s;
    return api_get_str(r->body, key, &s) == API_OK && *s ? s : NULL;
}

static int need_collection(v2 *r)
{
    const char *name = str_opt(r, "collection_name"), *rid = str_opt(r, "resource_id");
    const char *project = r->req->principal.project;
    if (!name && !rid) {
        fail(r, 400, "MissingParameter", "collection_name or resource_id is required");
        return -1;
    }
    int rc = name ? av_collection_open(r->req->store, project, "default", name, &r->c, NULL)
                  : av_collection_open_id(r->req->store, project, strtoll(rid, NULL, 10), &r->c);
    if (rc == AV_OK) return 0;
    fail(r, 404, "NotFound.VikingdbCollection", "The specified collection '%.256s' of VikingDB does not exist.", name ? name : rid);
    return -1;
}

static int need_index(v2 *r)
{
    const char *name = str_opt(r, "index_name");
    if (!name) { fail(r, 400, "MissingParameter", "index_name is required"); return -1; }
    if (av_index_get(r->c, name, &r->index, NULL) == AV_OK) return 0;
    fail(r, 404, "NotFound.VikingdbIndex", "The specified index '%.256s' of VikingDB does not exist.", name);
    return -1;
}

/* ids: one key or a list of at most 100. */
static int read_ids(v2 *r, av_pk **pks, size_t *n)
{
    json_object *ids;
    av_err e;
    if (!json_object_object_get_ex(r->body, "ids", &ids) || !ids) { fail(r, 400, "MissingParameter", "ids is required"); return -1; }
    if (json_object_is_type(ids, json_type_array) && json_object_array_length(ids) > VK_BATCH_MAX) {
        INVALID(r, "%zu ids; at most %d per request", json_object_array_length(ids), VK_BATCH_MAX);
        return -1;
    }
    if (api_ids_parse(r->c, ids, pks, n, &e)) { INVALID(r, "invalid id: %s", e.msg); return -1; }
    return 0;
}

#define HANDLER(name) static void name(av_http_req *req, av_http_res *res)
#define BEGIN v2 r; if (begin(req, res, &r)) { end(&r); return; }

/* ---- writes ---------------------------------------------------------------------------------- */

HANDLER(upsert)
{
    BEGIN;
    json_object *data;
    int64_t ttl = 0;
    if (need_collection(&r)) { end(&r); return; }
    if (!json_object_object_get_ex(r.body, "data", &data) || !data) { fail(&r, 400, "MissingParameter", "data (a list of rows) is required"); end(&r); return; }
    if (api_get_int(r.body, "ttl", &ttl) == API_WRONG_TYPE || ttl < 0 || ttl > INT32_MAX) {
        INVALID(&r, "ttl must be whole seconds from 0 (never expires) to %d", INT32_MAX);
        end(&r); return;
    }
    int assign = av_schema_pk(av_collection_schema(r.c))->auto_id;
    api_rows rows;
    av_err e;
    if (api_rows_parse(r.c, data, (assign ? API_ASSIGN_PK : 0) | API_VECTOR_BASE64, VK_BATCH_MAX, &rows, &e)) { INVALID(&r, "%s", e.msg); end(&r); return; }
    if (av_insert_ex(r.c, rows.rows, rows.n, !assign, ttl ? av_now_ms() + ttl * 1000 : 0, NULL, &e)) write_failed(&r, &e);
    else ok(&r, NULL);
    api_rows_free(&rows);
    end(&r);
}

/* Partial rows by id: given fields replace the stored ones, the rest stay; every id must exist. */
HANDLER(update)
{
    BEGIN;
    json_object *data;
    api_rows rows;
    av_err e;
    if (need_collection(&r)) { end(&r); return; }
    if (!json_object_object_get_ex(r.body, "data", &data) || !data) { fail(&r, 400, "MissingParameter", "data (rows with their primary keys) is required"); end(&r); return; }
    if (json_object_object_get_ex(r.body, "ttl", NULL)) { INVALID(&r, "update keeps each row's expiry; to change the ttl, upsert the row"); end(&r); return; }
    if (api_rows_parse(r.c, data, API_VECTOR_OPTIONAL | API_VECTOR_BASE64, VK_BATCH_MAX, &rows, &e)) { INVALID(&r, "%s", e.msg); end(&r); return; }
    if (av_update(r.c, rows.rows, rows.n, &e)) write_failed(&r, &e);
    else ok(&r, NULL);
    api_rows_free(&rows);
    end(&r);
}

HANDLER(delete_)
{
    BEGIN;
    int all = 0;
    av_pk *pks = NULL;
    size_t n = 0;
    int64_t deleted;
    av_err e;
    if (need_collection(&r)) { end(&r); return; }
    if (api_get_bool(r.body, "del_all", &all) == API_WRONG_TYPE) INVALID(&r, "del_all must be a boolean");
    else if (all && json_object_object_get_ex(r.body, "ids", NULL)) INVALID(&r, "send either ids or del_all, not both");
    else if (all) {
        if (av_delete_all(r.c, &deleted, &e)) fail(&r, 500, "InternalError", "%s", e.msg);
        else ok(&r, NULL);
    } else if (read_ids(&r, &pks, &n) == 0) {
        if (av_delete_pks(r.c, pks, n, &deleted, &e)) INVALID(&r, "%s", e.msg);
        else ok(&r, NULL);
    }
    free(pks);
    end(&r);
}

/* ---- fetch ----------------------------------------------------------------------------------- */

typedef struct fetch_ctx {
    av_collection *c;
    api_fields *sel;
    int dense;                 /* fetch_in_index: add dense_vector and dense_dim */
    json_object *out;
    uint8_t *found;            /* per requested id */
    const av_pk *asked;
    size_t nasked;
} fetch_ctx;

static int pk_eq(const av_pk *a, const av_pk *b)
{
    return a->is_str == b->is_str && (a->is_str ? strcmp(a->s, b->s) == 0 : a->i == b->i);
}

static int fetch_row(void *ctx, const av_row_view *row)
{
    fetch_ctx *x = ctx;
    json_object *o = vk_row_json(x->c, x->sel, row, "id", 1);
    if (x->dense) {
        int dim = av_schema_vector(av_collection_schema(x->c))->dim;
        json_object *v = json_object_new_array_ext(dim);
        for (int k = 0; k < dim; k++) json_object_array_add(v, av_json_float(row->vec[k]));
        json_object_object_add(o, "dense_vector", v);
        json_object_object_add(o, "dense_dim", json_object_new_int(dim));
    }
    json_object_array_add(x->out, o);
    for (size_t i = 0; i < x->nasked; i++)
        if (pk_eq(&x->asked[i], &row->pk)) x->found[i] = 1;
    return 0;
}

static void fetch(av_http_req *req, av_http_res *res, int in_index)
{
    BEGIN;
    av_pk *pks = NULL;
    size_t n = 0;
    api_fields sel = { 0 };
    av_err e;
    if (need_collection(&r) || (in_index && need_index(&r)) || read_ids(&r, &pks, &n)) goto out;
    if (vk_output_fields(r.c, in_index ? r.body : NULL, 0, &sel, &e)) { INVALID(&r, "%s", e.msg); goto out; }
    fetch_ctx x = { r.c, &sel, in_index, json_object_new_array(), xcalloc(n ? n : 1, 1), pks, n };
    if (av_get(r.c, pks, n, fetch_row, &x, &e)) { json_object_put(x.out); fail(&r, 500, "InternalError", "%s", e.msg); }
    else {
        json_object *result = json_object_new_object(), *missing = json_object_new_array();
        for (size_t i = 0; i < n; i++)
            if (!x.found[i]) json_object_array_add(missing, api_pk_json(&pks[i], 0));
        json_object_object_add(result, "fetch", x.out);
        json_object_object_add(result, "ids_not_exist", missing);
        ok(&r, result);
    }
    free(x.found);
out:
    free(pks);
    api_fields_free(&sel);
    end(&r);
}

HANDLER(fetch_in_collection) { fetch(req, res, 0); }
HANDLER(fetch_in_index) { fetch(req, res, 1); }

/* ---- search ---------------------------------------------------------------------------------- */

typedef struct search_req {
    int64_t limit, offset;
    av_filter *filter;
    api_fields sel;
} search_req;

static void search_req_free(search_req *s)
{
    av_filter_free(s->filter);
    api_fields_free(&s->sel);
}

/* Collection, index, limit/offset, filter and output_fields, common to every search. */
static int search_common(v2 *r, search_req *s)
{
    av_err e;
    json_object *fdsl = NULL;
    memset(s, 0, sizeof *s);
    s->limit = 10;
    if (need_collection(r) || need_index(r)) return -1;
    if (api_get_int(r->body, "limit", &s->limit) == API_WRONG_TYPE || api_get_int(r->body, "offset", &s->offset) == API_WRONG_TYPE ||
        s->limit < 1 || s->limit > V2_LIMIT_MAX || s->offset < 0 || s->limit + s->offset > AV_TOPK_MAX) {
        INVALID(r, "limit must be 1..%d and offset >= 0 (limit + offset <= %d)", V2_LIMIT_MAX, AV_TOPK_MAX);
        return -1;
    }
    if (json_object_object_get_ex(r->body, "filter", &fdsl) && fdsl &&
        av_filter_compile_viking(r->c, fdsl, &s->filter, &e)) {
        INVALID(r, "invalid filter: %s", e.msg);
        return -1;
    }
    if (vk_output_fields(r->c, r->body, 0, &s->sel, &e)) { INVALID(r, "%s", e.msg); return -1; }
    return 0;
}

static json_object *search_result(json_object *data, int64_t matched)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "total_return_count", json_object_new_int64((int64_t)json_object_array_length(data)));
    json_object_object_add(o, "data", data);
    json_object_object_add(o, "filter_matched_count", json_object_new_int64(matched));
    json_object_object_add(o, "real_text_query", json_object_new_string(""));
    json_object_object_add(o, "token_usage", json_object_new_object());
    return o;
}

typedef struct hit_ctx { av_collection *c; api_fields *sel; json_object *out; } hit_ctx;

static int add_hit(void *ctx, int q, int rank, float score, const av_row_view *row)
{
    hit_ctx *h = ctx;
    (void)q; (void)rank;
    json_object *o = vk_row_json(h->c, h->sel, row, "id", 1);
    json_object_object_add(o, "score", av_json_float(score));
    json_object_object_add(o, "ann_score", av_json_float(score));
    json_object_array_add(h->out, o);
    return 0;
}

static void vector_search(v2 *r, search_req *s, const float *q)
{
    av_err e;
    int64_t matched = 0;
    av_search_params p = { .queries = q, .nq = 1, .limit = (int)s->limit, .offset = (int)s->offset,
                           .filter = s->filter, .use_metric = 1, .metric = vk_index_metric(r->index) };
    hit_ctx h = { r->c, &s->sel, json_object_new_array() };
    if (av_search(r->c, &p, add_hit, &h, &e) || av_count(r->c, s->filter, &matched, &e)) {
        json_object_put(h.out);
        INVALID(r, "%s", e.msg);
        return;
    }
    ok(r, search_result(h.out, s->filter ? matched : 0));
}

HANDLER(search_vector)
{
    BEGIN;
    search_req s;
    json_object *dv;
    float *q = NULL;
    int nq = 0;
    av_err e;
    if (search_common(&r, &s) == 0) {
        if (!json_object_object_get_ex(r.body, "dense_vector", &dv) || !dv) fail(&r, 400, "MissingParameter", "dense_vector is required");
        else if (api_vectors_parse_ex(r.c, dv, 0, 1, &q, &nq, &e)) INVALID(&r, "invalid dense_vector: %s", e.msg);
        else vector_search(&r, &s, q);
    }
    free(q);
    search_req_free(&s);
    end(&r);
}

typedef struct vec_copy { float *dst; int dim; int found; } vec_copy;

static int copy_vec(void *ctx, const av_row_view *row)
{
    vec_copy *v = ctx;
    memcpy(v->dst, row->vec, sizeof(float) * (size_t)v->dim);
    v->found = 1;
    return 1;
}

HANDLER(search_id)
{
    BEGIN;
    search_req s;
    json_object *idv;
    av_pk *pk = NULL;
    size_t n = 0;
    av_err e;
    if (search_common(&r, &s) == 0) {
        int dim = av_schema_vector(av_collection_schema(r.c))->dim;
        vec_copy v = { xmalloc(sizeof(float) * (size_t)dim), dim, 0 };
        if (!json_object_object_get_ex(r.body, "id", &idv) || !idv) fail(&r, 400, "MissingParameter", "id is required");
        else if (json_object_is_type(idv, json_type_array) || api_ids_parse(r.c, idv, &pk, &n, &e)) INVALID(&r, "id must be one primary key of the collection's key type");
        else if (av_get(r.c, pk, 1, copy_vec, &v, &e), !v.found) INVALID(&r, "id does not exist in the collection");
        else vector_search(&r, &s, v.dst);
        free(v.dst);
    }
    free(pk);
    search_req_free(&s);
    end(&r);
}

/* Ranked rows (o->field NULL: a random draw) as a search result. */
static void reply_ranked(v2 *r, search_req *s, const av_order *o)
{
    av_err e;
    json_object *data = NULL;
    int64_t matched = 0;
    if (vk_ranked_rows(r->c, o, &s->sel, "id", 1, &data, &matched, &e)) INVALID(r, "%s", e.msg);
    else ok(r, search_result(data, s->filter ? matched : 0));
}

HANDLER(search_scalar)
{
    BEGIN;
    search_req s;
    if (search_common(&r, &s) == 0) {
        const char *field = str_opt(&r, "field"), *order = str_opt(&r, "order");
        av_order o = { s.filter, field, order && strcmp(order, "asc") == 0, s.offset, s.limit };
        if (!field) fail(&r, 400, "MissingParameter", "field is required");
        else if (order && strcmp(order, "asc") != 0 && strcmp(order, "desc") != 0) INVALID(&r, "order must be asc or desc");
        else reply_ranked(&r, &s, &o);
    }
    search_req_free(&s);
    end(&r);
}

HANDLER(search_random)
{
    BEGIN;
    search_req s;
    if (search_common(&r, &s) == 0) {
        av_order o = { s.filter, NULL, 0, 0, s.limit };   /* a draw: offset is not used */
        reply_ranked(&r, &s, &o);
    }
    search_req_free(&s);
    end(&r);
}

/* ---- agg ------------------------------------------------------------------------------------- */

HANDLER(agg)
{
    BEGIN;
    json_object *cond = NULL, *fdsl = NULL, *groups = NULL;
    av_err e;
    if (need_collection(&r)) { end(&r); return; }
    const char *op = str_opt(&r, "op"), *field = str_opt(&r, "field");
    json_object_object_get_ex(r.body, "cond", &cond);
    json_object_object_get_ex(r.body, "filter", &fdsl);
    if (!op) fail(&r, 400, "MissingParameter", "op is required (count)");
    else if (vk_agg_count(r.c, op, field, cond, fdsl, &groups, &e)) INVALID(&r, "%s", e.msg);
    else {
        json_object *result = json_object_new_object();
        json_object_object_add(result, "op", json_object_new_string("count"));
        json_object_object_add(result, "field", json_object_new_string(field ? field : "__NONE__"));
        json_object_object_add(result, "agg", groups);
        ok(&r, result);
    }
    end(&r);
}

HANDLER(ping)
{
    (void)req;
    char rid[33];
    vk_new_rid(rid);
    json_object *o = envelope("Success", "The API call was executed successfully.", rid);
    json_object_object_add(o, "result", NULL);
    av_http_json(res, 200, o);
}

void vikingdb_v2_register(void)
{
    static const struct { const char *path; av_http_handler h; } routes[] = {
        {"upsert", upsert}, {"update", update}, {"delete", delete_}, {"fetch_in_collection", fetch_in_collection},
        {"fetch_in_index", fetch_in_index}, {"search/vector", search_vector}, {"search/id", search_id},
        {"search/scalar", search_scalar}, {"search/random", search_random}, {"agg", agg},
    };
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        char path[96];
        snprintf(path, sizeof path, "/api/vikingdb/data/%s", routes[i].path);
        av_http_route("POST", path, &dialect, routes[i].h);
    }
    av_http_route("GET", "/api/vikingdb/Ping", &ping_dialect, ping);
    av_http_route("POST", "/api/vikingdb/Ping", &ping_dialect, ping);
}
