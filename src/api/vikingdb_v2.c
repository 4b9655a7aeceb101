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
 * Engine errors get their code and text from v2_errors (api/dialect.h), never from their text.
 */
#include "api/app.h"
#include "api/vikingdb.h"
#include "lib/util.h"

#include <stdlib.h>
#include <string.h>

#define V2_LIMIT_MAX 5000

/* Wire codes: an index into `wires`, which gives each its HTTP status and string code. */
enum { W_INVALID, W_MISSING, W_NO_COLLECTION, W_NO_INDEX, W_INTERNAL, W_UNAUTHORIZED, W_DENIED };
static const struct { int status; const char *code; } wires[] = {
    [W_INVALID] = { 400, "InvalidParameter" }, [W_MISSING] = { 400, "MissingParameter" },
    [W_NO_COLLECTION] = { 404, "NotFound.VikingdbCollection" }, [W_NO_INDEX] = { 404, "NotFound.VikingdbIndex" },
    [W_INTERNAL] = { 500, "InternalError" }, [W_UNAUTHORIZED] = { 401, "Unauthorized" }, [W_DENIED] = { 403, "AccessDenied" },
};

/* Contexts of the error table (see api/dialect.h). */
enum {
    V2_INDEX = API_CTX_DIALECT,           /* finding the named index ({arg}: its name) */
    V2_IDS = API_CTX_DIALECT << 1,        /* api_ids_parse */
    V2_WRITE = API_CTX_DIALECT << 2,      /* av_insert_ex, av_update */
    V2_INTERNAL = API_CTX_DIALECT << 3,   /* reads and deletes whose failure is the server's */
    V2_FILTER = API_CTX_DIALECT << 4,     /* av_filter_compile_viking */
    V2_VECTORS = API_CTX_DIALECT << 5,    /* api_vectors_parse_ex of dense_vector */
};

/* Wire code and text of every error the plumbing or the engine reports; first match wins. */
static const api_error_row v2_errors[] = {
    { 0, API_ANY, API_ENT_BODY, API_ANY, W_INVALID, "the request body must be a JSON object: {msg}" },
    { 0, API_ANY, API_ENT_MEMBER, API_ANY, W_MISSING, "{name} is required" },
    { API_CTX_OPEN, API_ANY, API_ANY, API_ANY, W_NO_COLLECTION, "The specified collection '{arg:256}' of VikingDB does not exist." },
    { V2_INDEX, API_ANY, API_ANY, API_ANY, W_NO_INDEX, "The specified index '{arg:256}' of VikingDB does not exist." },
    { V2_IDS, API_ANY, API_ANY, API_ANY, W_INVALID, "invalid id: {msg}" },
    { V2_WRITE, AV_EIO, API_ANY, API_ANY, W_INTERNAL, NULL },
    { V2_INTERNAL, API_ANY, API_ANY, API_ANY, W_INTERNAL, NULL },
    { V2_FILTER, API_ANY, API_ANY, API_ANY, W_INVALID, "invalid filter: {msg}" },
    { V2_VECTORS, API_ANY, API_ANY, API_ANY, W_INVALID, "invalid dense_vector: {msg}" },
    { 0, API_ANY, API_ANY, API_ANY, W_INVALID, NULL },
};

/* ---- envelope -------------------------------------------------------------------------------- */

static json_object *envelope(const char *code, const char *msg, const char *rid)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "code", json_object_new_string(code));
    json_object_object_add(o, "message", json_object_new_string(msg));
    json_object_object_add(o, "request_id", json_object_new_string(rid));
    return o;
}

static void reply_wire(av_http_res *res, int wire, const char *msg, const char *rid)
{
    json_object *o = envelope(wires[wire].code, msg, rid);
    json_object_object_add(o, "result", NULL);
    av_http_json(res, wires[wire].status, o);
}

static void reply_error(api_ctx *r, int wire, const char *msg)
{
    reply_wire(r->res, wire, msg, r->rid);
}

static const api_dialect v2_api = {
    reply_error, v2_errors, sizeof v2_errors / sizeof *v2_errors, NULL, 0,
    API_REQUEST_ID, "collection_name", NULL, NULL,
};

#define INVALID(r, ...) api_failf(r, W_INVALID, __VA_ARGS__)

static void ok(api_ctx *r, json_object *result)
{
    av_err e;
    if (api_budget_check(&e)) { json_object_put(result); api_fail(r, 0, &e); return; }
    json_object *o = envelope("Success", "The API call was executed successfully.", r->rid);
    json_object_object_add(o, "result", result);
    av_http_json(r->res, 200, o);
}

static void render_transport_error(av_http_res *res, av_http_errkind kind, const av_err *e)
{
    char rid[33];
    api_new_rid(rid);
    int wire = kind == AV_HTTP_ERR_UNAUTHORIZED ? W_UNAUTHORIZED : kind == AV_HTTP_ERR_FORBIDDEN ? W_DENIED :
               kind == AV_HTTP_ERR_TOO_LARGE ? W_INVALID : W_INTERNAL;
    json_object *o = envelope(wires[wire].code, e->msg, rid);
    json_object_object_add(o, "result", NULL);
    av_http_json(res, kind == AV_HTTP_ERR_TOO_LARGE ? 413 : wires[wire].status, o);
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

/* A string member where "" counts as absent. */
static const char *str_opt(api_ctx *r, const char *key)
{
    const char *s;
    return api_get_str(r->body, key, &s) == API_OK && *s ? s : NULL;
}

/* collection_name, or resource_id (the collection's numeric id). */
static int need_collection(api_ctx *r)
{
    const char *name = str_opt(r, "collection_name"), *rid = str_opt(r, "resource_id");
    if (name) return api_open_named(r, name);
    if (!rid) return api_member_missing(r, "collection_name or resource_id");
    if (av_collection_open_id(r->req->store, r->project, strtoll(rid, NULL, 10), &r->c) == AV_OK) return 0;
    av_err e;
    av_fail_on(&e, AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_NONE, rid, NULL, "no collection has the resource id %s", rid);
    api_fail_ex(r, API_CTX_OPEN, &e, NULL, rid);
    return -1;
}

/* The named index's definition into r->index. */
static int need_index(api_ctx *r)
{
    const char *name = str_opt(r, "index_name");
    av_err e;
    if (!name) return api_member_missing(r, "index_name");
    if (av_index_get(r->c, name, &r->index, &e) == AV_OK) return 0;
    api_fail_ex(r, V2_INDEX, &e, NULL, name);
    return -1;
}

/* ids: one key or a list of at most 100. */
static int read_ids(api_ctx *r, av_pk **pks, size_t *n)
{
    json_object *ids;
    av_err e;
    if (!json_object_object_get_ex(r->body, "ids", &ids) || !ids) return api_member_missing(r, "ids");
    if (json_object_is_type(ids, json_type_array) && json_object_array_length(ids) > VK_BATCH_MAX)
        return INVALID(r, "%zu ids; at most %d per request", json_object_array_length(ids), VK_BATCH_MAX);
    if (api_ids_parse(r->c, ids, pks, n, &e)) { api_fail(r, V2_IDS, &e); return -1; }
    return 0;
}

/* ---- writes ---------------------------------------------------------------------------------- */

static void upsert(av_http_req *req, av_http_res *res)
{
    api_ctx r;
    if (api_begin(req, res, &v2_api, &r)) { api_end(&r); return; }
    json_object *data;
    int64_t ttl = 0;
    if (need_collection(&r)) { api_end(&r); return; }
    if (!json_object_object_get_ex(r.body, "data", &data) || !data) { api_failf(&r, W_MISSING, "data (a list of rows) is required"); api_end(&r); return; }
    if (api_get_int(r.body, "ttl", &ttl) == API_WRONG_TYPE || ttl < 0 || ttl > INT32_MAX) {
        INVALID(&r, "ttl must be whole seconds from 0 (never expires) to %d", INT32_MAX);
        api_end(&r); return;
    }
    int assign = av_schema_pk(av_collection_schema(r.c))->auto_id;
    api_rows rows;
    av_err e;
    if (api_rows_parse(r.c, data, (assign ? API_ASSIGN_PK : 0) | API_VECTOR_BASE64, VK_BATCH_MAX, &rows, &e)) { api_fail(&r, 0, &e); api_end(&r); return; }
    if (av_insert_ex(r.c, rows.rows, rows.n, !assign, ttl ? av_now_ms() + ttl * 1000 : 0, NULL, &e)) api_fail(&r, V2_WRITE, &e);
    else ok(&r, NULL);
    api_rows_free(&rows);
    api_end(&r);
}

/* Partial rows by id: given fields replace the stored ones, the rest stay; every id must exist. */
static void update(av_http_req *req, av_http_res *res)
{
    api_ctx r;
    if (api_begin(req, res, &v2_api, &r)) { api_end(&r); return; }
    json_object *data;
    api_rows rows;
    av_err e;
    if (need_collection(&r)) { api_end(&r); return; }
    if (!json_object_object_get_ex(r.body, "data", &data) || !data) { api_failf(&r, W_MISSING, "data (rows with their primary keys) is required"); api_end(&r); return; }
    if (json_object_object_get_ex(r.body, "ttl", NULL)) { INVALID(&r, "update keeps each row's expiry; to change the ttl, upsert the row"); api_end(&r); return; }
    if (api_rows_parse(r.c, data, API_VECTOR_OPTIONAL | API_VECTOR_BASE64, VK_BATCH_MAX, &rows, &e)) { api_fail(&r, 0, &e); api_end(&r); return; }
    if (av_update(r.c, rows.rows, rows.n, &e)) api_fail(&r, V2_WRITE, &e);
    else ok(&r, NULL);
    api_rows_free(&rows);
    api_end(&r);
}

static void delete_(av_http_req *req, av_http_res *res)
{
    api_ctx r;
    if (api_begin(req, res, &v2_api, &r)) { api_end(&r); return; }
    int all = 0;
    av_pk *pks = NULL;
    size_t n = 0;
    int64_t deleted;
    av_err e;
    if (need_collection(&r)) { api_end(&r); return; }
    if (api_get_bool(r.body, "del_all", &all) == API_WRONG_TYPE) INVALID(&r, "del_all must be a boolean");
    else if (all && json_object_object_get_ex(r.body, "ids", NULL)) INVALID(&r, "send either ids or del_all, not both");
    else if (all) {
        if (av_delete_all(r.c, &deleted, &e)) api_fail(&r, V2_INTERNAL, &e);
        else ok(&r, NULL);
    } else if (read_ids(&r, &pks, &n) == 0) {
        if (av_delete_pks(r.c, pks, n, &deleted, &e)) api_fail(&r, 0, &e);
        else ok(&r, NULL);
    }
    free(pks);
    api_end(&r);
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
    api_ctx r;
    if (api_begin(req, res, &v2_api, &r)) { api_end(&r); return; }
    av_pk *pks = NULL;
    size_t n = 0;
    api_fields sel = { 0 };
    av_err e;
    if (need_collection(&r) || (in_index && need_index(&r)) || read_ids(&r, &pks, &n)) goto out;
    if (vk_output_fields(r.c, in_index ? r.body : NULL, 0, &sel, &e)) { api_fail(&r, 0, &e); goto out; }
    fetch_ctx x = { r.c, &sel, in_index, json_object_new_array(), xcalloc(n ? n : 1, 1), pks, n };
    if (av_get(r.c, pks, n, fetch_row, &x, &e)) { json_object_put(x.out); api_fail(&r, V2_INTERNAL, &e); }
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
    api_end(&r);
}

static void fetch_in_collection(av_http_req *req, av_http_res *res) { fetch(req, res, 0); }
static void fetch_in_index(av_http_req *req, av_http_res *res) { fetch(req, res, 1); }

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
static int search_common(api_ctx *r, search_req *s)
{
    av_err e;
    json_object *fdsl = NULL;
    memset(s, 0, sizeof *s);
    s->limit = 10;
    if (need_collection(r) || need_index(r)) return -1;
    if (api_get_int(r->body, "limit", &s->limit) == API_WRONG_TYPE || api_get_int(r->body, "offset", &s->offset) == API_WRONG_TYPE ||
        s->limit > V2_LIMIT_MAX || !api_window_ok(s->limit, s->offset, 1, AV_TOPK_MAX)) {
        INVALID(r, "limit must be 1..%d and offset >= 0 (limit + offset <= %d)", V2_LIMIT_MAX, AV_TOPK_MAX);
        return -1;
    }
    if (json_object_object_get_ex(r->body, "filter", &fdsl) && fdsl &&
        av_filter_compile_viking(r->c, fdsl, &s->filter, &e)) {
        api_fail(r, V2_FILTER, &e);
        return -1;
    }
    if (vk_output_fields(r->c, r->body, 0, &s->sel, &e)) { api_fail(r, 0, &e); return -1; }
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
    json_object_object_add(o, "score", api_score_json(score));
    json_object_object_add(o, "ann_score", api_score_json(score));
    json_object_array_add(h->out, o);
    return 0;
}

static void vector_search(api_ctx *r, search_req *s, const float *q)
{
    av_err e;
    int64_t matched = 0;
    json_object *params = vk_index_params(r->index);
    av_search_params p = { .queries = q, .nq = 1, .limit = (int)s->limit, .offset = (int)s->offset,
                           .filter = s->filter, .use_metric = 1, .metric = vk_index_metric(r->index), .index_params = params };
    hit_ctx h = { r->c, &s->sel, json_object_new_array() };
    int rc = av_search(r->c, &p, add_hit, &h, &e) || av_count(r->c, s->filter, &matched, &e);
    if (params) json_object_put(params);
    if (rc) {
        json_object_put(h.out);
        api_fail(r, 0, &e);
        return;
    }
    ok(r, search_result(h.out, s->filter ? matched : 0));
}

static void search_vector(av_http_req *req, av_http_res *res)
{
    api_ctx r;
    if (api_begin(req, res, &v2_api, &r)) { api_end(&r); return; }
    search_req s;
    json_object *dv;
    float *q = NULL;
    int nq = 0;
    av_err e;
    if (search_common(&r, &s) == 0) {
        if (!json_object_object_get_ex(r.body, "dense_vector", &dv) || !dv) api_member_missing(&r, "dense_vector");
        else if (api_vectors_parse_ex(r.c, dv, 0, 1, &q, &nq, &e)) api_fail(&r, V2_VECTORS, &e);
        else vector_search(&r, &s, q);
    }
    free(q);
    search_req_free(&s);
    api_end(&r);
}

typedef struct vec_copy { float *dst; int dim; int found; } vec_copy;

static int copy_vec(void *ctx, const av_row_view *row)
{
    vec_copy *v = ctx;
    memcpy(v->dst, row->vec, sizeof(float) * (size_t)v->dim);
    v->found = 1;
    return 1;
}

static void search_id(av_http_req *req, av_http_res *res)
{
    api_ctx r;
    if (api_begin(req, res, &v2_api, &r)) { api_end(&r); return; }
    search_req s;
    json_object *idv;
    av_pk *pk = NULL;
    size_t n = 0;
    av_err e;
    if (search_common(&r, &s) == 0) {
        int dim = av_schema_vector(av_collection_schema(r.c))->dim;
        vec_copy v = { xmalloc(sizeof(float) * (size_t)dim), dim, 0 };
        if (!json_object_object_get_ex(r.body, "id", &idv) || !idv) api_member_missing(&r, "id");
        else if (json_object_is_type(idv, json_type_array) || api_ids_parse(r.c, idv, &pk, &n, &e)) INVALID(&r, "id must be one primary key of the collection's key type");
        else if (av_get(r.c, pk, 1, copy_vec, &v, &e), !v.found) INVALID(&r, "id does not exist in the collection");
        else vector_search(&r, &s, v.dst);
        free(v.dst);
    }
    free(pk);
    search_req_free(&s);
    api_end(&r);
}

/* Ranked rows (o->field NULL: a random draw) as a search result. */
static void reply_ranked(api_ctx *r, search_req *s, const av_order *o)
{
    av_err e;
    json_object *data = NULL;
    int64_t matched = 0;
    if (vk_ranked_rows(r->c, o, &s->sel, "id", 1, &data, &matched, &e)) api_fail(r, 0, &e);
    else ok(r, search_result(data, s->filter ? matched : 0));
}

static void search_scalar(av_http_req *req, av_http_res *res)
{
    api_ctx r;
    if (api_begin(req, res, &v2_api, &r)) { api_end(&r); return; }
    search_req s;
    if (search_common(&r, &s) == 0) {
        const char *field = str_opt(&r, "field"), *order = str_opt(&r, "order");
        av_order o = { s.filter, field, order && strcmp(order, "asc") == 0, s.offset, s.limit };
        if (!field) api_member_missing(&r, "field");
        else if (order && strcmp(order, "asc") != 0 && strcmp(order, "desc") != 0) INVALID(&r, "order must be asc or desc");
        else reply_ranked(&r, &s, &o);
    }
    search_req_free(&s);
    api_end(&r);
}

static void search_random(av_http_req *req, av_http_res *res)
{
    api_ctx r;
    if (api_begin(req, res, &v2_api, &r)) { api_end(&r); return; }
    search_req s;
    if (search_common(&r, &s) == 0) {
        av_order o = { s.filter, NULL, 0, 0, s.limit };   /* a draw: offset is not used */
        reply_ranked(&r, &s, &o);
    }
    search_req_free(&s);
    api_end(&r);
}

/* ---- agg ------------------------------------------------------------------------------------- */

static void agg(av_http_req *req, av_http_res *res)
{
    api_ctx r;
    if (api_begin(req, res, &v2_api, &r)) { api_end(&r); return; }
    json_object *cond = NULL, *fdsl = NULL, *groups = NULL;
    av_err e;
    if (need_collection(&r)) { api_end(&r); return; }
    const char *op = str_opt(&r, "op"), *field = str_opt(&r, "field");
    json_object_object_get_ex(r.body, "cond", &cond);
    json_object_object_get_ex(r.body, "filter", &fdsl);
    if (!op) api_failf(&r, W_MISSING, "op is required (count)");
    else if (vk_agg_count(r.c, op, field, cond, fdsl, &groups, &e)) api_fail(&r, 0, &e);
    else {
        json_object *result = json_object_new_object();
        json_object_object_add(result, "op", json_object_new_string("count"));
        json_object_object_add(result, "field", json_object_new_string(field ? field : "__NONE__"));
        json_object_object_add(result, "agg", groups);
        ok(&r, result);
    }
    api_end(&r);
}

static void ping(av_http_req *req, av_http_res *res)
{
    (void)req;
    char rid[33];
    api_new_rid(rid);
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
