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
 * Engine errors get their code and text from v1_errors (by what they are about, never by their text).
 * The v1 row key for the primary key is always "id", whatever the field is called.
 */
#include "api/app.h"
#include "api/milvus.h"
#include "lib/util.h"

#include <inttypes.h>
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
    Z_INTERNAL = 65535,
};

/* Contexts of the error table (see api/dialect.h). */
enum {
    V1_INSERT = MV_CTX_WRITE,          /* av_insert */
    V1_ROWS = MV_CTX_NEXT,             /* api_rows_parse */
    V1_IDS = MV_CTX_NEXT << 1,         /* api_ids_parse ({name}: the pk field, {arg}: its type) */
    V1_FIELDS = MV_CTX_NEXT << 2,      /* api_fields_parse */
    V1_VECTORS = MV_CTX_NEXT << 3,     /* api_vectors_parse */
};

/* Wire code and text of every error the plumbing or the engine reports; first match wins. */
static const api_error_row v1_errors[] = {
    /* the request itself and its members */
    { 0, API_ANY, API_ENT_BODY, API_ANY, Z_PARAM, "Incorrect parameter: can only accept json format request, error: {msg}" },
    { 0, API_ANY, API_ENT_MEMBER, API_ANY, Z_PARAM, "Incorrect parameter: {msg}" },
    { API_CTX_NAME, API_ANY, API_ANY, API_ANY, Z_COLL_NAME, "Invalid CollectionName: {msg}" },
    { API_CTX_OPEN, API_ANY, API_ANY, API_ANY, Z_NO_COLL, "The collection {arg} does not exist; create it first or check the name and dbName" },
    /* credentials (the transport's render_error) */
    { 0, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_MISSING, Z_TOKEN_ILLEGAL, "The token is illegal: {msg}" },
    { 0, AV_EAUTH, API_ANY, API_ANY, Z_TOKEN_INVALID, "The token is invalid: {msg}" },
    /* rows of an insert or upsert: parsed, then written */
    { V1_ROWS, AV_EINVAL, AV_ENT_ROW, AV_R_EMPTY, Z_DATA_EMPTY_ROW, NULL },
    { V1_ROWS, AV_EPK, AV_ENT_PK, AV_R_MISSING, Z_FIELD_TYPE, NULL },
    { V1_INSERT, AV_EPK, AV_ENT_PK, AV_R_IN_USE, Z_PARAM, "Incorrect parameter: {msg}" },
    { V1_ROWS | V1_INSERT, AV_EDIM, API_ANY, API_ANY, Z_DIM, NULL },
    { V1_ROWS | V1_INSERT, AV_EPK, API_ANY, API_ANY, Z_PK_AUTO, NULL },
    { V1_ROWS | V1_INSERT, AV_EFIELD, AV_ENT_VECTOR, AV_R_MISSING, Z_NO_VECTOR, NULL },
    { V1_ROWS | V1_INSERT, AV_EFIELD, API_ANY, API_ANY, Z_EXTRA_FIELD, NULL },
    { V1_ROWS | V1_INSERT, AV_ETYPE, API_ANY, API_ANY, Z_FIELD_TYPE, NULL },
    { V1_ROWS | V1_INSERT, AV_ELIMIT, API_ANY, API_ANY, Z_BATCH, NULL },
    { V1_ROWS, API_ANY, API_ANY, API_ANY, Z_PARAM, NULL },
    { V1_INSERT, API_ANY, API_ANY, API_ANY, Z_PARAM, "Incorrect parameter: {msg}" },
    /* ids, output fields and search vectors */
    { V1_IDS, AV_EPK, API_ANY, API_ANY, Z_ID_VALUE, "inputted ID value does not match the field {name}, expecting {arg}: {msg}" },
    { V1_IDS, API_ANY, API_ANY, API_ANY, Z_ID_TYPE, "Type mismatch for field '{name}'. expected type:{arg}: {msg}" },
    { V1_FIELDS, AV_EFIELD, API_ANY, API_ANY, Z_NO_PROPERTY, "return value property does not exist: {msg}" },
    { V1_FIELDS, API_ANY, API_ANY, API_ANY, Z_PARAM, "Incorrect parameter: {msg}" },
    { V1_VECTORS, AV_EDIM, API_ANY, API_ANY, Z_DIM, NULL },
    { V1_VECTORS, API_ANY, API_ANY, API_ANY, Z_PARAM, "Incorrect parameter: {msg}" },
    /* any other call */
    { 0, AV_ENOTFOUND, API_ANY, API_ANY, Z_NO_COLL, NULL },
    { 0, AV_ENODB, API_ANY, API_ANY, Z_DB, NULL },
    { 0, AV_EDIM, API_ANY, API_ANY, Z_DIM, NULL },
    { 0, AV_ETYPE, API_ANY, API_ANY, Z_FIELD_TYPE, NULL },
    { 0, AV_EFIELD, API_ANY, API_ANY, Z_EXTRA_FIELD, NULL },
    { 0, AV_EPK, API_ANY, API_ANY, Z_PK_AUTO, NULL },
    { 0, AV_EEXIST, API_ANY, API_ANY, Z_EXISTS, NULL },
    { 0, AV_EIO, API_ANY, API_ANY, Z_INTERNAL, NULL },
    { 0, API_ANY, API_ANY, API_ANY, Z_PARAM, "Incorrect parameter: {msg}" },
};

/* GET requests carry their parameters in the query string (id and outputFields comma-separated). */
static const char *const query_keys[] = { "collectionName", "dbName", "id", "outputFields", NULL };
static const char *const query_lists[] = { "id", "outputFields", NULL };

static const api_dialect v1_api = {
    mv_reply, v1_errors, sizeof v1_errors / sizeof *v1_errors, mv_phrases, MV_NPHRASES,
    API_DB | API_DB_EXISTS | API_NAME_CHECK | API_GET_QUERY | API_EMPTY_OK, "collectionName", query_keys, query_lists,
};

static void v1_ok(av_http_res *res, json_object *data)
{
    mv_reply_ok(res, 200, data);
}

static void render_transport_error(av_http_res *res, av_http_errkind kind, const av_err *e)
{
    char text[768];
    if (kind == AV_HTTP_ERR_UNAUTHORIZED) {
        /* 80001: nothing usable was sent; 80002: credentials were sent but are not valid. */
        int code = api_error_text(&v1_api, 0, e, NULL, NULL, text, sizeof text);
        mv_reply_error(res, 401, code, text);
    } else if (kind == AV_HTTP_ERR_TOO_LARGE) {
        snprintf(text, sizeof text, "Incorrect parameter: %s", e->msg);
        mv_reply_error(res, 413, Z_PARAM, text);
    } else {
        mv_reply_error(res, kind == AV_HTTP_ERR_FORBIDDEN ? 403 : 500, Z_PARAM, e->msg);
    }
}

static const av_dialect dialect = { "milvus_v1", render_transport_error, NULL };

/* ---- collections ----------------------------------------------------------------------------- */

static void collections_list(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    char **names;
    size_t n;
    av_err e;
    if (api_begin(req, res, &v1_api, &x) == 0) {
        if (av_collection_list(req->store, x.project, x.db, &names, &n, &e)) api_fail(&x, 0, &e);
        else {
            json_object *a = json_object_new_array();
            for (size_t i = 0; i < n; i++) { json_object_array_add(a, json_object_new_string(names[i])); free(names[i]); }
            free(names);
            v1_ok(res, a);
        }
    }
    api_end(&x);
}

static const char *str_or(json_object *o, const char *k, const char *def, int *bad)
{
    const char *s = NULL;
    int rc = api_get_str(o, k, &s);
    if (rc == API_WRONG_TYPE) *bad = 1;
    return rc == API_OK && *s ? s : def;
}

/* The quick schema: an autoID Int64 key and one vector of `dimension`; answers its own errors. */
static int quick_schema(api_ctx *x, const char *name, av_schema *s)
{
    int64_t dim = 0;
    int bad = 0, dynamic = 1;
    int k = api_get_int(x->body, "dimension", &dim);
    const char *metric = str_or(x->body, "metricType", "L2", &bad);
    const char *pkname = str_or(x->body, "primaryField", "id", &bad);
    const char *vname = str_or(x->body, "vectorField", "vector", &bad);
    const char *desc = str_or(x->body, "description", "", &bad);
    if (api_get_bool(x->body, "enableDynamicField", &dynamic) == API_WRONG_TYPE) bad = 1;
    av_metric m = AV_METRIC_L2;
    if (k == API_ABSENT) return api_failf(x, Z_NO_DIM, "No dimension key field: send \"dimension\" (1..%d)", AV_DIM_MAX);
    if (k == API_WRONG_TYPE || dim < 1 || dim > AV_DIM_MAX)
        return api_failf(x, Z_PARAM, "Incorrect parameter: dimension must be an integer from 1 to %d", AV_DIM_MAX);
    if (bad) return api_failf(x, Z_PARAM, "Incorrect parameter: metricType, primaryField, vectorField and description must be strings, enableDynamicField a boolean");
    if (av_metric_from_name(metric, &m))
        return api_failf(x, Z_PARAM, "Incorrect parameter: metricType \"%s\" is not supported; use L2, IP or COSINE", metric);
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->description, sizeof s->description, "%s", desc);
    s->metric = m;
    s->dynamic = dynamic;
    av_field *pk = av_schema_add_field(s, pkname, AV_T_INT64);
    pk->primary = pk->auto_id = 1;
    av_schema_add_field(s, vname, AV_T_FLOAT_VECTOR)->dim = (int)dim;
    snprintf(s->index_name, sizeof s->index_name, "vector_idx");
    snprintf(s->index_type, sizeof s->index_type, "AUTOINDEX");   /* what Milvus's v1 create builds */
    return 0;
}

static void collections_create(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    const char *name;
    av_schema s;
    av_err e;
    av_schema_init(&s);
    if (api_begin(req, res, &v1_api, &x) == 0 && api_need_name(&x, &name) == 0 && quick_schema(&x, name, &s) == 0) {
        if (av_collection_create(req->store, x.project, x.db, &s, &e)) api_fail(&x, 0, &e);
        else v1_ok(res, NULL);
    }
    av_schema_free(&s);
    api_end(&x);
}

static json_object *describe_json(av_collection *c)
{
    const av_schema *s = av_collection_schema(c);
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
    av_index_state is;   /* what searches use: the index type that runs and how far its build is */
    av_collection_index_state(c, &is);
    json_object_object_add(idx, "indexType", json_object_new_string(is.type));
    json_object_object_add(idx, "indexState", json_object_new_string(is.pending || is.maintaining ? "InProgress" : "Finished"));
    json_object_array_add(indexes, idx);
    json_object_object_add(d, "indexes", indexes);
    json_object_object_add(d, "load", json_object_new_string(av_collection_loaded(c) ? "LoadStateLoaded" : "LoadStateNotLoad"));
    json_object_object_add(d, "shardsNum", json_object_new_int(1));
    json_object_object_add(d, "enableDynamicField", json_object_new_boolean(s->dynamic));
    return d;
}

static void collections_describe(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    if (api_begin(req, res, &v1_api, &x) == 0 && api_open(&x) == 0) v1_ok(res, describe_json(x.c));
    api_end(&x);
}

static void collections_drop(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    const char *name;
    av_err e;
    if (api_begin(req, res, &v1_api, &x) == 0 && api_need_name(&x, &name) == 0) {
        if (av_collection_drop(req->store, x.project, x.db, name, &e)) api_fail(&x, 0, &e);
        else v1_ok(res, NULL);
    }
    api_end(&x);
}

/* ---- entities -------------------------------------------------------------------------------- */

/* The `data` member of insert/upsert: 90118 absent, 90119 not rows, 90120 an empty list. */
static int read_data(api_ctx *x, json_object **data)
{
    if (!json_object_object_get_ex(x->body, "data", data) || !*data)
        return api_failf(x, Z_NO_DATA, "No data key field: send \"data\" with one row object or an array of them");
    if (!json_object_is_type(*data, json_type_array) && !json_object_is_type(*data, json_type_object))
        return api_failf(x, Z_DATA_JSON, "data is not a JSON object or array of objects");
    if (json_object_is_type(*data, json_type_array) && json_object_array_length(*data) == 0)
        return api_failf(x, Z_DATA_EMPTY, "data is empty; send at least one row");
    return 0;
}

static void write_rows(av_http_req *req, av_http_res *res, int upsert)
{
    api_ctx x;
    json_object *data;
    api_rows rows = { 0 };
    av_err e;
    if (api_begin(req, res, &v1_api, &x) || api_open(&x) || read_data(&x, &data)) { api_end(&x); return; }
    int assign = av_schema_pk(av_collection_schema(x.c))->auto_id && !upsert;
    if (api_rows_parse(x.c, data, assign ? API_ASSIGN_PK : 0, AV_BATCH_MAX, &rows, &e)) {
        api_fail(&x, V1_ROWS, &e);
    } else {
        av_pk *pks = xcalloc(rows.n, sizeof(av_pk));
        if (av_insert_ex(x.c, rows.rows, rows.n, upsert, mv_expire_ms(x.c), pks, &e)) api_fail(&x, V1_INSERT, &e);
        else v1_ok(res, mv_written_json(pks, rows.n, upsert, x.i64s));
        free(pks);
    }
    api_rows_free(&rows);
    api_end(&x);
}

static void entities_insert(av_http_req *req, av_http_res *res) { write_rows(req, res, 0); }
static void entities_upsert(av_http_req *req, av_http_res *res) { write_rows(req, res, 1); }

/* The `id` member of get/delete: 90140 over `max`, 90139/90123 for bad elements. */
static int read_ids(api_ctx *x, json_object *ids, size_t max, av_pk **pks, size_t *n)
{
    av_err e;
    if (json_object_is_type(ids, json_type_array) && json_object_array_length(ids) > max)
        return api_failf(x, Z_TOO_MANY_IDS, "number of elements in parameter 'id' should not exceed %zu (got %zu); send the ids in several requests",
                         max, json_object_array_length(ids));
    if (api_ids_parse(x->c, ids, pks, n, &e) == AV_OK) return 0;
    const av_field *pkf = av_schema_pk(av_collection_schema(x->c));
    api_fail_ex(x, V1_IDS, &e, pkf->name, av_type_name(pkf->type));
    return -1;
}

static int filter_member(api_ctx *x, const char **filter)
{
    *filter = NULL;
    int k = api_get_str(x->body, "filter", filter);
    if (k == API_WRONG_TYPE) return api_failf(x, Z_PARAM, "Incorrect parameter: filter must be a string");
    if (k == API_OK && !**filter) *filter = NULL;
    return 0;
}

static void delete_by(api_ctx *x, const char *filter, int has_id, json_object *ids)
{
    av_err e;
    int64_t n = 0;
    av_filter *f = NULL;
    av_pk *pks = NULL;
    size_t npk = 0;
    int dry = 0;
    if (filter) {   /* filter takes precedence, as in Milvus */
        if (mv_dry_run(x, &dry)) { /* answered */ }
        else if (av_filter_compile_milvus(x->c, filter, &f, &e) ||
                 (dry ? av_delete_filter_dry(x->c, f, &n, &e) : av_delete_filter(x->c, f, &n, &e))) api_fail(x, 0, &e);
        else v1_ok(x->res, dry ? mv_deleted_json(n, 1) : NULL);
    } else if (!has_id) {
        api_failf(x, Z_NO_ID, "no id key field, please check your request: send \"id\" (one id or an array of at most %d) or \"filter\"", V1_DELETE_IDS_MAX);
    } else if (!ids) {
        api_failf(x, Z_NO_DELETE, "No delete content provided: \"id\" is null; send ids or a filter");
    } else if (read_ids(x, ids, V1_DELETE_IDS_MAX, &pks, &npk) == 0) {
        if (av_delete_pks(x->c, pks, npk, &n, &e)) api_fail(x, 0, &e);
        else v1_ok(x->res, NULL);
    }
    free(pks);
    av_filter_free(f);
}

static void entities_delete(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    json_object *ids = NULL;
    const char *filter;
    if (api_begin(req, res, &v1_api, &x) == 0 && api_open(&x) == 0 && filter_member(&x, &filter) == 0) {
        int has_id = json_object_object_get_ex(x.body, "id", &ids);
        delete_by(&x, filter, has_id, ids);
    }
    api_end(&x);
}

/* Rows answered, or the answer budget's limit error when they are too many bytes. */
static void v1_rows(api_ctx *x, json_object *rows)
{
    av_err e;
    if (api_budget_check(&e)) { json_object_put(rows); api_fail(x, 0, &e); }
    else v1_ok(x->res, rows);
}

typedef struct rows_ctx { av_collection *c; api_fields *sel; int i64s; json_object *out; } rows_ctx;

static int collect_row(void *arg, const av_row_view *row)
{
    rows_ctx *x = arg;
    json_object_array_add(x->out, api_render_row(x->c, row, x->sel, "id", x->i64s));
    return 0;
}

static int read_fields(api_ctx *x, int default_all, api_fields *sel)
{
    json_object *of = NULL;
    av_err e;
    json_object_object_get_ex(x->body, "outputFields", &of);
    if (api_fields_parse(x->c, of, default_all, sel, &e) == AV_OK) return 0;
    api_fail(x, V1_FIELDS, &e);
    return -1;
}

static void entities_get(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    json_object *ids = NULL;
    api_fields sel = { 0 };
    av_pk *pks = NULL;
    size_t n = 0;
    av_err e;
    if (api_begin(req, res, &v1_api, &x) || api_open(&x)) goto out;
    if (!json_object_object_get_ex(x.body, "id", &ids) || !ids)
        api_failf(&x, Z_NO_ID, "no id key field, please check your request: send \"id\"");
    else if (read_fields(&x, 1, &sel) == 0 && read_ids(&x, ids, AV_BATCH_MAX, &pks, &n) == 0) {
        rows_ctx r = { x.c, &sel, x.i64s, json_object_new_array() };
        if (av_get(x.c, pks, n, collect_row, &r, &e)) { json_object_put(r.out); api_fail(&x, 0, &e); }
        else v1_rows(&x, r.out);
    }
out:
    free(pks);
    api_fields_free(&sel);
    api_end(&x);
}

/* limit (default 100) and offset, with Zilliz's checks; answers the error itself. */
static int read_window(api_ctx *x, int64_t *limit, int64_t *offset, int allow_zero)
{
    *limit = 100;
    *offset = 0;
    if (api_get_int(x->body, "limit", limit) == API_WRONG_TYPE || api_get_int(x->body, "offset", offset) == API_WRONG_TYPE)
        return api_failf(x, Z_PARAM, "Incorrect parameter: limit and offset must be integers");
    if (*limit < (allow_zero ? 0 : 1) || *limit > AV_TOPK_MAX) return api_failf(x, Z_LIMIT, "'limit' should be between 1 and %d", AV_TOPK_MAX);
    if (*offset < 0) return api_failf(x, Z_OFFSET, "'offset' should not be less than 0");
    if (!api_window_ok(*limit, *offset, 0, AV_TOPK_MAX)) return api_failf(x, Z_WINDOW, "offset+limit should not exceed %d", AV_TOPK_MAX);
    return 0;
}

static json_object *count_json(int64_t n)
{
    json_object *row = json_object_new_object(), *a = json_object_new_array();
    json_object_object_add(row, "count(*)", json_object_new_int64(n));
    json_object_array_add(a, row);
    return a;
}

static void entities_query(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    const char *filter;
    int64_t limit, offset, n = 0;
    api_fields sel = { 0 };
    av_filter *f = NULL;
    av_err e;
    if (api_begin(req, res, &v1_api, &x) || api_open(&x) || filter_member(&x, &filter) || read_fields(&x, 1, &sel) ||
        read_window(&x, &limit, &offset, sel.count))
        goto out;
    if (!filter) { api_failf(&x, Z_NO_FILTER, "No filter key field: query needs a non-empty \"filter\""); goto out; }
    if (av_filter_compile_milvus(x.c, filter, &f, &e)) { api_fail(&x, 0, &e); goto out; }
    if (sel.count) {
        if (av_count(x.c, f, &n, &e)) api_fail(&x, 0, &e);
        else v1_ok(res, count_json(n));
    } else {
        rows_ctx r = { x.c, &sel, x.i64s, json_object_new_array() };
        if (av_query(x.c, f, offset, limit, collect_row, &r, &e)) { json_object_put(r.out); api_fail(&x, 0, &e); }
        else v1_rows(&x, r.out);
    }
out:
    av_filter_free(f);
    api_fields_free(&sel);
    api_end(&x);
}

static int collect_hit(void *arg, int query, int rank, float distance, const av_row_view *row)
{
    rows_ctx *x = arg;
    (void)query; (void)rank;
    json_object *o = api_render_row(x->c, row, x->sel, "id", x->i64s);
    json_object_object_add(o, "distance", api_score_json(distance));
    json_object_array_add(x->out, o);
    return 0;
}

/* vector (90125 absent) and params {radius, range_filter, ef}; answers its own errors. */
static int read_search(api_ctx *x, av_search_params *p, float **q)
{
    json_object *vec = NULL, *params = NULL;
    av_err e;
    if (!json_object_object_get_ex(x->body, "vector", &vec) || !vec)
        return api_failf(x, Z_NO_VECTOR, "No vector key field: send \"vector\" as an array of %d numbers", av_schema_vector(av_collection_schema(x->c))->dim);
    if (api_vectors_parse(x->c, vec, 0, q, &p->nq, &e)) { api_fail(x, V1_VECTORS, &e); return -1; }
    if (!json_object_object_get_ex(x->body, "params", &params) || !params) return 0;
    double d;
    int k1 = api_get_num(params, "radius", &d);
    if (k1 == API_OK) { p->has_radius = 1; p->radius = (float)d; }
    int k2 = api_get_num(params, "range_filter", &d);
    if (k2 == API_OK) { p->has_range_filter = 1; p->range_filter = (float)d; }
    if (!json_object_is_type(params, json_type_object) || k1 == API_WRONG_TYPE || k2 == API_WRONG_TYPE)
        return api_failf(x, Z_PARAM, "Incorrect parameter: params must be an object with numeric radius and range_filter");
    p->index_params = params;   /* the index's per-search parameters (HNSW's ef); borrowed from the body */
    return 0;
}

static void entities_search(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    const char *filter;
    int64_t limit, offset;
    api_fields sel = { 0 };
    av_filter *f = NULL;
    float *q = NULL;
    av_err e;
    av_search_params p = { 0 };
    if (api_begin(req, res, &v1_api, &x) || api_open(&x) || filter_member(&x, &filter) || read_fields(&x, 0, &sel) ||
        read_window(&x, &limit, &offset, 0) || read_search(&x, &p, &q))
        goto out;
    if (filter && av_filter_compile_milvus(x.c, filter, &f, &e)) { api_fail(&x, 0, &e); goto out; }
    p.queries = q;
    p.limit = (int)limit;
    p.offset = (int)offset;
    p.filter = f;
    rows_ctx r = { x.c, &sel, x.i64s, json_object_new_array() };
    if (av_search(x.c, &p, collect_hit, &r, &e)) { json_object_put(r.out); api_fail(&x, 0, &e); }
    else v1_rows(&x, r.out);
out:
    free(q);
    av_filter_free(f);
    api_fields_free(&sel);
    api_end(&x);
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
