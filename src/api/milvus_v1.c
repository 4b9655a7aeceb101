/*
 * milvus_v1.c — the Milvus RESTful API v1 (/v1/vector/...), with Zilliz Cloud's v1 error codes.
 *
 * Envelope: success {"code":200,"data":...}; failure {"code":<zilliz code>,"message":...} with HTTP
 * 200; 401 with 80001 (credentials missing or malformed) or 80002 (credentials not valid).
 * Codes used: 80000 incorrect parameter, 90001 collection missing, 90002 unknown output field,
 * 90004/90005/90126 limit/offset, 90007 dimension, 90010 field type, 90011 collection name,
 * 90106 exists, 90107 pk given on autoID, 90108 extra field, 90109 batch size, 90110 no filter,
 * 90118-90121 insert data shape, 90122 dimension missing, 90123 id value, 90124 no id,
 * 90125 no vector, 90132 no delete content, 90139 id type, 90140 more than 100 ids, 800 database.
 * The v1 row key for the primary key is always "id", whatever the field is called.
 */
#include "api/app.h"
#include "api/milvus.h"
#include "lib/util.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define V1_DELETE_IDS_MAX 100

enum {
    Z_PARAM = 80000, Z_TOKEN_ILLEGAL = 80001, Z_TOKEN_INVALID = 80002, Z_NO_COLL = 90001,
    Z_NO_PROPERTY = 90002, Z_LIMIT = 90004, Z_OFFSET = 90005, Z_DIM = 90007, Z_FIELD_TYPE = 90010,
    Z_COLL_NAME = 90011, Z_EXISTS = 90106, Z_PK_AUTO = 90107, Z_EXTRA_FIELD = 90108, Z_BATCH = 90109,
    Z_NO_FILTER = 90110, Z_NO_DATA = 90118, Z_DATA_JSON = 90119, Z_DATA_EMPTY = 90120,
    Z_DATA_EMPTY_ROW = 90121, Z_NO_DIM = 90122, Z_ID_VALUE = 90123, Z_NO_ID = 90124, Z_NO_VECTOR = 90125,
    Z_WINDOW = 90126, Z_NO_DELETE = 90132, Z_ID_TYPE = 90139, Z_TOO_MANY_IDS = 90140, Z_DB = 800,
};

typedef struct v1 {
    av_http_req *req;
    av_http_res *res;
    json_object *body;         /* a JSON object; for GET, built from the query string */
    const char *db;
    const char *project;
    int i64s;
    av_collection *c;
} v1;

static void v1_error(av_http_res *res, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void v1_error(av_http_res *res, int code, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mv_reply_error(res, 200, code, msg);
}

static void v1_ok(av_http_res *res, json_object *data)
{
    mv_reply_ok(res, 200, data);
}

static void render_transport_error(av_http_res *res, av_http_errkind kind, const av_err *e)
{
    const char *msg = e->msg;
    int status = 200, code = Z_PARAM;
    char text[768];
    if (kind == AV_HTTP_ERR_UNAUTHORIZED) {
        /* 80001: nothing usable was sent; 80002: credentials were sent but are not valid. */
        status = 401;
        code = e->reason == AV_R_MISSING ? Z_TOKEN_ILLEGAL : Z_TOKEN_INVALID;
        snprintf(text, sizeof text, "%s: %s", code == Z_TOKEN_ILLEGAL ? "The token is illegal" : "The token is invalid", msg);
    } else if (kind == AV_HTTP_ERR_TOO_LARGE) {
        status = 413;
        snprintf(text, sizeof text, "Incorrect parameter: %s", msg);
    } else {
        status = kind == AV_HTTP_ERR_FORBIDDEN ? 403 : 500;
        snprintf(text, sizeof text, "%s", msg);
    }
    mv_reply_error(res, status, code, text);
}

static const av_dialect dialect = { "milvus_v1", render_transport_error, NULL };

static void engine_error(v1 *r, const av_err *e)
{
    int code;
    switch (e->code) {
    case AV_ENOTFOUND: code = Z_NO_COLL; break;
    case AV_ENODB: code = Z_DB; break;
    case AV_EDIM: code = Z_DIM; break;
    case AV_ETYPE: code = Z_FIELD_TYPE; break;
    case AV_EFIELD: code = Z_EXTRA_FIELD; break;
    case AV_EPK: code = Z_PK_AUTO; break;
    case AV_EEXIST: code = Z_EXISTS; break;
    case AV_EIO: code = 65535; break;
    default: code = Z_PARAM; break;
    }
    if (code == Z_PARAM) v1_error(r->res, code, "Incorrect parameter: %s", e->msg);
    else v1_error(r->res, code, "%s", e->msg);
}

/* GET requests carry their parameters in the query string; turn them into a body object. */
static json_object *query_body(av_http_req *req)
{
    static const char *const keys[] = { "collectionName", "dbName", "id", "outputFields" };
    json_object *o = json_object_new_object();
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const char *v = av_http_query(req, keys[i]);
        if (!v) continue;
        if (i < 2) { json_object_object_add(o, keys[i], json_object_new_string(v)); continue; }
        json_object *a = json_object_new_array();   /* comma-separated list */
        for (const char *p = v; *p;) {
            const char *comma = strchr(p, ',');
            size_t len = comma ? (size_t)(comma - p) : strlen(p);
            json_object_array_add(a, json_object_new_string_len(p, (int)len));
            p += len + (comma != NULL);
        }
        json_object_object_add(o, keys[i], a);
    }
    return o;
}

static int v1_begin(av_http_req *req, av_http_res *res, v1 *r)
{
    memset(r, 0, sizeof *r);
    r->req = req;
    r->res = res;
    r->project = api_project(req);
    r->i64s = api_int64_as_string(req);
    av_err e;
    int empty;
    if (strcmp(req->method, "GET") == 0) r->body = query_body(req);
    else if (api_parse_body(req, &r->body, &empty, &e)) {
        v1_error(res, Z_PARAM, "Incorrect parameter: can only accept json format request, error: %s", e.msg);
        return -1;
    }
    const char *db = NULL;
    if (api_get_str(r->body, "dbName", &db) == API_WRONG_TYPE) {
        v1_error(res, Z_PARAM, "Incorrect parameter: dbName must be a string");
        return -1;
    }
    r->db = db && *db ? db : "default";
    if (av_name_check(r->db, "database name", &e)) { v1_error(res, Z_PARAM, "Incorrect parameter: %s", e.msg); return -1; }
    if (!av_db_exists(req->store, r->project, r->db)) {
        v1_error(res, Z_DB, "database not found, database: %s", r->db);
        return -1;
    }
    return 0;
}

static void v1_end(v1 *r)
{
    if (r->c) av_collection_release(r->c);
    if (r->body) json_object_put(r->body);
}

static int need_name(v1 *r, const char **name)
{
    int k = api_get_str(r->body, "collectionName", name);
    if (k == API_WRONG_TYPE) { v1_error(r->res, Z_PARAM, "Incorrect parameter: collectionName must be a string"); return -1; }
    if (k == API_ABSENT || !**name) { v1_error(r->res, Z_PARAM, "Incorrect parameter: collectionName is required"); return -1; }
    av_err e;
    if (av_name_check(*name, "collection name", &e)) {
        v1_error(r->res, Z_COLL_NAME, "Invalid CollectionName: %s", e.msg);
        return -1;
    }
    return 0;
}

static int need_collection(v1 *r)
{
    const char *name;
    if (need_name(r, &name)) return -1;
    if (av_collection_open(r->req->store, r->project, r->db, name, &r->c, NULL) == AV_OK) return 0;
    v1_error(r->res, Z_NO_COLL, "The collection %s does not exist; create it first or check the name and dbName", name);
    return -1;
}

#define HANDLER(name) static void name(av_http_req *req, av_http_res *res)
#define BEGIN v1 r; if (v1_begin(req, res, &r)) { v1_end(&r); return; }

/* ---- collections ----------------------------------------------------------------------------- */

HANDLER(collections_list)
{
    BEGIN;
    char **names; size_t n; av_err e;
    if (av_collection_list(req->store, r.project, r.db, &names, &n, &e)) engine_error(&r, &e);
    else {
        json_object *a = json_object_new_array();
        for (size_t i = 0; i < n; i++) { json_object_array_add(a, json_object_new_string(names[i])); free(names[i]); }
        free(names);
        v1_ok(res, a);
    }
    v1_end(&r);
}

static const char *str_or(json_object *o, const char *k, const char *def, int *bad)
{
    const char *s = NULL;
    int rc = api_get_str(o, k, &s);
    if (rc == API_WRONG_TYPE) *bad = 1;
    return rc == API_OK && *s ? s : def;
}

HANDLER(collections_create)
{
    BEGIN;
    const char *name;
    if (need_name(&r, &name)) { v1_end(&r); return; }
    int64_t dim = 0;
    int bad = 0, dynamic = 1;
    int k = api_get_int(r.body, "dimension", &dim);
    const char *metric = str_or(r.body, "metricType", "L2", &bad);
    const char *pkname = str_or(r.body, "primaryField", "id", &bad);
    const char *vname = str_or(r.body, "vectorField", "vector", &bad);
    const char *desc = str_or(r.body, "description", "", &bad);
    if (api_get_bool(r.body, "enableDynamicField", &dynamic) == API_WRONG_TYPE) bad = 1;
    av_schema s;
    av_schema_init(&s);
    av_metric m = AV_METRIC_L2;
    av_err e;
    if (k == API_ABSENT) v1_error(res, Z_NO_DIM, "No dimension key field: send \"dimension\" (1..%d)", AV_DIM_MAX);
    else if (k == API_WRONG_TYPE || dim < 1 || dim > AV_DIM_MAX) v1_error(res, Z_PARAM, "Incorrect parameter: dimension must be an integer from 1 to %d", AV_DIM_MAX);
    else if (bad) v1_error(res, Z_PARAM, "Incorrect parameter: metricType, primaryField, vectorField and description must be strings, enableDynamicField a boolean");
    else if (av_metric_from_name(metric, &m)) v1_error(res, Z_PARAM, "Incorrect parameter: metricType \"%s\" is not supported; use L2, IP or COSINE", metric);
    else {
        snprintf(s.name, sizeof s.name, "%s", name);
        snprintf(s.description, sizeof s.description, "%s", desc);
        s.metric = m;
        s.dynamic = dynamic;
        av_field *pk = av_schema_add_field(&s, pkname, AV_T_INT64);
        pk->primary = pk->auto_id = 1;
        av_schema_add_field(&s, vname, AV_T_FLOAT_VECTOR)->dim = (int)dim;
        snprintf(s.index_name, sizeof s.index_name, "vector_idx");
        if (av_collection_create(req->store, r.project, r.db, &s, &e)) engine_error(&r, &e);
        else v1_ok(res, NULL);
    }
    av_schema_free(&s);
    v1_end(&r);
}

HANDLER(collections_describe)
{
    BEGIN;
    if (need_collection(&r)) { v1_end(&r); return; }
    const av_schema *s = av_collection_schema(r.c);
    json_object *d = json_object_new_object(), *fields = json_object_new_array();
    json_object_object_add(d, "collectionName", json_object_new_string(s->name));
    json_object_object_add(d, "description", json_object_new_string(s->description));
    for (int i = 0; i < s->nfields; i++) {
        const av_field *f = &s->fields[i];
        json_object *fo = json_object_new_object();
        char type[48];
        if (f->type == AV_T_FLOAT_VECTOR) snprintf(type, sizeof type, "FloatVector(%d)", f->dim);
        else if (f->type == AV_T_VARCHAR) snprintf(type, sizeof type, "VarChar(%d)", f->max_length);
        else snprintf(type, sizeof type, "%s", av_type_name(f->type));
        json_object_object_add(fo, "name", json_object_new_string(f->name));
        json_object_object_add(fo, "type", json_object_new_string(type));
        json_object_object_add(fo, "primaryKey", json_object_new_boolean(f->primary));
        json_object_object_add(fo, "partitionKey", json_object_new_boolean(0));
        json_object_object_add(fo, "clusteringKey", json_object_new_boolean(0));
        json_object_object_add(fo, "autoId", json_object_new_boolean(f->auto_id));
        json_object_object_add(fo, "nullable", json_object_new_boolean(f->nullable));
        json_object_object_add(fo, "description", json_object_new_string(f->description));
        json_object_array_add(fields, fo);
    }
    json_object_object_add(d, "fields", fields);
    json_object *idx = json_object_new_object(), *indexes = json_object_new_array();
    json_object_object_add(idx, "fieldName", json_object_new_string(av_schema_vector(s)->name));
    json_object_object_add(idx, "indexName", json_object_new_string(s->index_name));
    json_object_object_add(idx, "metricType", json_object_new_string(av_metric_name(s->metric)));
    json_object_array_add(indexes, idx);
    json_object_object_add(d, "indexes", indexes);
    json_object_object_add(d, "load", json_object_new_string(av_collection_loaded(r.c) ? "LoadStateLoaded" : "LoadStateNotLoad"));
    json_object_object_add(d, "shardsNum", json_object_new_int(1));
    json_object_object_add(d, "enableDynamicField", json_object_new_boolean(s->dynamic));
    v1_ok(res, d);
    v1_end(&r);
}

HANDLER(collections_drop)
{
    BEGIN;
    const char *name;
    av_err e;
    if (need_name(&r, &name) == 0) {
        if (av_collection_drop(req->store, r.project, r.db, name, &e)) engine_error(&r, &e);
        else v1_ok(res, NULL);
    }
    v1_end(&r);
}

/* ---- entities -------------------------------------------------------------------------------- */

static int data_error_code(const av_err *e)
{
    switch (e->code) {
    case AV_EDIM: return Z_DIM;
    case AV_EPK: return Z_PK_AUTO;
    case AV_EFIELD: return strstr(e->msg, "vector field") ? Z_NO_VECTOR : Z_EXTRA_FIELD;
    case AV_ETYPE: return Z_FIELD_TYPE;
    case AV_ELIMIT: return Z_BATCH;
    default: return Z_PARAM;
    }
}

static void write_rows(av_http_req *req, av_http_res *res, int upsert)
{
    BEGIN;
    json_object *data;
    if (need_collection(&r)) { v1_end(&r); return; }
    if (!json_object_object_get_ex(r.body, "data", &data) || !data) {
        v1_error(res, Z_NO_DATA, "No data key field: send \"data\" with one row object or an array of them");
        v1_end(&r); return;
    }
    if (!json_object_is_type(data, json_type_array) && !json_object_is_type(data, json_type_object)) {
        v1_error(res, Z_DATA_JSON, "data is not a JSON object or array of objects");
        v1_end(&r); return;
    }
    if ((json_object_is_type(data, json_type_array) && json_object_array_length(data) == 0)) {
        v1_error(res, Z_DATA_EMPTY, "data is empty; send at least one row");
        v1_end(&r); return;
    }
    const av_schema *s = av_collection_schema(r.c);
    int assign = av_schema_pk(s)->auto_id && !upsert;
    api_rows rows;
    av_err e;
    if (api_rows_parse(r.c, data, assign ? API_ASSIGN_PK : 0, AV_BATCH_MAX, &rows, &e)) {
        int code = strstr(e.msg, "empty object") ? Z_DATA_EMPTY_ROW : data_error_code(&e);
        if (code == Z_PK_AUTO && !assign) code = Z_FIELD_TYPE;
        v1_error(res, code, "%s", e.msg);
        v1_end(&r); return;
    }
    av_pk *pks = xcalloc(rows.n, sizeof(av_pk));
    if (av_insert(r.c, rows.rows, rows.n, upsert, pks, &e)) {
        int code = data_error_code(&e);
        if (e.code == AV_EPK && strstr(e.msg, "already exists")) code = Z_PARAM;
        v1_error(res, code, code == Z_PARAM ? "Incorrect parameter: %s" : "%s", e.msg);
    } else {
        json_object *d = json_object_new_object(), *ids = json_object_new_array();
        for (size_t i = 0; i < rows.n; i++) json_object_array_add(ids, api_pk_json(&pks[i], r.i64s));
        json_object_object_add(d, upsert ? "upsertCount" : "insertCount", json_object_new_int64((int64_t)rows.n));
        json_object_object_add(d, upsert ? "upsertIds" : "insertIds", ids);
        v1_ok(res, d);
    }
    free(pks);
    api_rows_free(&rows);
    v1_end(&r);
}

HANDLER(entities_insert) { write_rows(req, res, 0); }
HANDLER(entities_upsert) { write_rows(req, res, 1); }

/* The `id` member of get/delete: 90124 when absent, 90139/90123 for bad elements. */
static int read_ids(v1 *r, json_object *ids, size_t max, av_pk **pks, size_t *n)
{
    av_err e;
    if (json_object_is_type(ids, json_type_array) && json_object_array_length(ids) > max) {
        v1_error(r->res, Z_TOO_MANY_IDS, "number of elements in parameter 'id' should not exceed %zu (got %zu); send the ids in several requests",
                 max, json_object_array_length(ids));
        return -1;
    }
    if (api_ids_parse(r->c, ids, pks, n, &e) == AV_OK) return 0;
    const av_field *pkf = av_schema_pk(av_collection_schema(r->c));
    if (e.code == AV_EPK)
        v1_error(r->res, Z_ID_VALUE, "inputted ID value does not match the field %s, expecting %s: %s", pkf->name, av_type_name(pkf->type), e.msg);
    else
        v1_error(r->res, Z_ID_TYPE, "Type mismatch for field '%s'. expected type:%s: %s", pkf->name, av_type_name(pkf->type), e.msg);
    return -1;
}

static int filter_member(v1 *r, const char **filter)
{
    *filter = NULL;
    int k = api_get_str(r->body, "filter", filter);
    if (k == API_WRONG_TYPE) { v1_error(r->res, Z_PARAM, "Incorrect parameter: filter must be a string"); return -1; }
    if (k == API_OK && !**filter) *filter = NULL;
    return 0;
}

HANDLER(entities_delete)
{
    BEGIN;
    json_object *ids = NULL;
    const char *filter;
    if (need_collection(&r) || filter_member(&r, &filter)) { v1_end(&r); return; }
    int has_id = json_object_object_get_ex(r.body, "id", &ids);
    av_err e;
    int64_t n = 0;
    av_filter *f = NULL;
    av_pk *pks = NULL;
    size_t npk = 0;
    if (filter) {   /* filter takes precedence, as in Milvus */
        if (av_filter_compile_milvus(r.c, filter, &f, &e) || av_delete_filter(r.c, f, &n, &e)) engine_error(&r, &e);
        else v1_ok(res, NULL);
    } else if (!has_id) {
        v1_error(res, Z_NO_ID, "no id key field, please check your request: send \"id\" (one id or an array of at most %d) or \"filter\"", V1_DELETE_IDS_MAX);
    } else if (!ids) {
        v1_error(res, Z_NO_DELETE, "No delete content provided: \"id\" is null; send ids or a filter");
    } else if (read_ids(&r, ids, V1_DELETE_IDS_MAX, &pks, &npk) == 0) {
        if (av_delete_pks(r.c, pks, npk, &n, &e)) engine_error(&r, &e);
        else v1_ok(res, NULL);
    }
    free(pks);
    av_filter_free(f);
    v1_end(&r);
}

typedef struct rows_ctx { av_collection *c; api_fields *sel; int i64s; json_object *out; } rows_ctx;

static int collect_row(void *arg, const av_row_view *row)
{
    rows_ctx *x = arg;
    json_object_array_add(x->out, api_render_row(x->c, row, x->sel, "id", x->i64s));
    return 0;
}

static int read_fields(v1 *r, int default_all, api_fields *sel)
{
    json_object *of = NULL;
    av_err e;
    json_object_object_get_ex(r->body, "outputFields", &of);
    if (api_fields_parse(r->c, of, default_all, sel, &e) == AV_OK) return 0;
    if (e.code == AV_EFIELD) v1_error(r->res, Z_NO_PROPERTY, "return value property does not exist: %s", e.msg);
    else v1_error(r->res, Z_PARAM, "Incorrect parameter: %s", e.msg);
    return -1;
}

HANDLER(entities_get)
{
    BEGIN;
    json_object *ids = NULL;
    api_fields sel = { 0 };
    av_pk *pks = NULL;
    size_t n = 0;
    av_err e;
    if (need_collection(&r)) { v1_end(&r); return; }
    if (!json_object_object_get_ex(r.body, "id", &ids) || !ids)
        v1_error(res, Z_NO_ID, "no id key field, please check your request: send \"id\"");
    else if (read_fields(&r, 1, &sel) == 0 && read_ids(&r, ids, AV_BATCH_MAX, &pks, &n) == 0) {
        rows_ctx x = { r.c, &sel, r.i64s, json_object_new_array() };
        if (av_get(r.c, pks, n, collect_row, &x, &e)) { json_object_put(x.out); engine_error(&r, &e); }
        else v1_ok(res, x.out);
    }
    free(pks);
    api_fields_free(&sel);
    v1_end(&r);
}

/* limit (default 100) and offset, with Zilliz's checks; answers the error itself. */
static int read_window(v1 *r, int64_t *limit, int64_t *offset, int allow_zero)
{
    *limit = 100;
    *offset = 0;
    if (api_get_int(r->body, "limit", limit) == API_WRONG_TYPE || api_get_int(r->body, "offset", offset) == API_WRONG_TYPE) {
        v1_error(r->res, Z_PARAM, "Incorrect parameter: limit and offset must be integers");
        return -1;
    }
    if (*limit < (allow_zero ? 0 : 1) || *limit > AV_TOPK_MAX) {
        v1_error(r->res, Z_LIMIT, "'limit' should be between 1 and %d", AV_TOPK_MAX);
        return -1;
    }
    if (*offset < 0) { v1_error(r->res, Z_OFFSET, "'offset' should not be less than 0"); return -1; }
    if (*limit + *offset > AV_TOPK_MAX) { v1_error(r->res, Z_WINDOW, "offset+limit should not exceed %d", AV_TOPK_MAX); return -1; }
    return 0;
}

HANDLER(entities_query)
{
    BEGIN;
    const char *filter;
    int64_t limit, offset;
    api_fields sel = { 0 };
    av_filter *f = NULL;
    av_err e;
    if (need_collection(&r) || filter_member(&r, &filter) || read_fields(&r, 1, &sel) || read_window(&r, &limit, &offset, sel.count))
        goto out;
    if (!filter) { v1_error(res, Z_NO_FILTER, "No filter key field: query needs a non-empty \"filter\""); goto out; }
    if (av_filter_compile_milvus(r.c, filter, &f, &e)) { engine_error(&r, &e); goto out; }
    if (sel.count) {
        int64_t n = 0;
        if (av_count(r.c, f, &n, &e)) { engine_error(&r, &e); goto out; }
        json_object *row = json_object_new_object(), *a = json_object_new_array();
        json_object_object_add(row, "count(*)", json_object_new_int64(n));
        json_object_array_add(a, row);
        v1_ok(res, a);
    } else {
        rows_ctx x = { r.c, &sel, r.i64s, json_object_new_array() };
        if (av_query(r.c, f, offset, limit, collect_row, &x, &e)) { json_object_put(x.out); engine_error(&r, &e); }
        else v1_ok(res, x.out);
    }
out:
    av_filter_free(f);
    api_fields_free(&sel);
    v1_end(&r);
}

static int collect_hit(void *arg, int query, int rank, float distance, const av_row_view *row)
{
    rows_ctx *x = arg;
    (void)query; (void)rank;
    json_object *o = api_render_row(x->c, row, x->sel, "id", x->i64s);
    json_object_object_add(o, "distance", av_json_float(distance));
    json_object_array_add(x->out, o);
    return 0;
}

HANDLER(entities_search)
{
    BEGIN;
    json_object *vec = NULL, *params = NULL;
    const char *filter;
    int64_t limit, offset;
    api_fields sel = { 0 };
    av_filter *f = NULL;
    float *q = NULL;
    av_err e;
    av_search_params p = { 0 };
    if (need_collection(&r) || filter_member(&r, &filter) || read_fields(&r, 0, &sel) || read_window(&r, &limit, &offset, 0))
        goto out;
    if (!json_object_object_get_ex(r.body, "vector", &vec) || !vec) {
        v1_error(res, Z_NO_VECTOR, "No vector key field: send \"vector\" as an array of %d numbers", av_schema_vector(av_collection_schema(r.c))->dim);
        goto out;
    }
    if (api_vectors_parse(r.c, vec, 0, &q, &p.nq, &e)) {
        v1_error(res, e.code == AV_EDIM ? Z_DIM : Z_PARAM, e.code == AV_EDIM ? "%s" : "Incorrect parameter: %s", e.msg);
        goto out;
    }
    if (json_object_object_get_ex(r.body, "params", &params) && params) {
        double d;
        int k1 = api_get_num(params, "radius", &d);
        if (k1 == API_OK) { p.has_radius = 1; p.radius = (float)d; }
        int k2 = api_get_num(params, "range_filter", &d);
        if (k2 == API_OK) { p.has_range_filter = 1; p.range_filter = (float)d; }
        if (!json_object_is_type(params, json_type_object) || k1 == API_WRONG_TYPE || k2 == API_WRONG_TYPE) {
            v1_error(res, Z_PARAM, "Incorrect parameter: params must be an object with numeric radius and range_filter");
            goto out;
        }
    }
    if (filter && av_filter_compile_milvus(r.c, filter, &f, &e)) { engine_error(&r, &e); goto out; }
    p.queries = q;
    p.limit = (int)limit;
    p.offset = (int)offset;
    p.filter = f;
    rows_ctx x = { r.c, &sel, r.i64s, json_object_new_array() };
    if (av_search(r.c, &p, collect_hit, &x, &e)) { json_object_put(x.out); engine_error(&r, &e); }
    else v1_ok(res, x.out);
out:
    free(q);
    av_filter_free(f);
    api_fields_free(&sel);
    v1_end(&r);
}

void milvus_v1_register(void)
{
    av_http_route("GET", "/v1/vector/collections", &dialect, collections_list);
    av_http_route("POST", "/v1/vector/collections/create", &dialect, collections_create);
    av_http_route("GET", "/v1/vector/collections/describe", &dialect, collections_describe);
    av_http_route("POST", "/v1/vector/collections/drop", &dialect, collections_drop);
    av_http_route("POST", "/v1/vector/insert", &dialect, entities_insert);
    av_http_route("POST", "/v1/vector/upsert", &dialect, entities_upsert);
    av_http_route("POST", "/v1/vector/query", &dialect, entities_query);
    av_http_route("POST", "/v1/vector/get", &dialect, entities_get);
    av_http_route("GET", "/v1/vector/get", &dialect, entities_get);  /* what SDK 2.3.x sends */
    av_http_route("POST", "/v1/vector/delete", &dialect, entities_delete);
    av_http_route("POST", "/v1/vector/search", &dialect, entities_search);
}
