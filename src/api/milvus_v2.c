/*
 * milvus_v2.c — the Milvus RESTful API v2 (/v2/vectordb/...): collections, entities, databases.
 *
 * Envelope: success {"code":0,"data":...} (search adds "topks"); failure {"code":<merr>,"message":...}
 * with HTTP 200, as Milvus does; 401 {"code":1800} when auth is on and credentials are wrong.
 * Every handler: parse the whole body (1801), check required members (1802), resolve the database
 * (800) and the collection (100), validate everything, then call the engine once.
 * deleteCount reports rows actually deleted (Milvus reports the number of pks named).
 */
#include "api/app.h"
#include "api/milvus.h"
#include "lib/util.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum {
    MERR_OK = 0, MERR_INTERNAL = 5, MERR_COLL_NOT_FOUND = 100, MERR_DB_NOT_FOUND = 800,
    MERR_DB_INVALID = 802, MERR_INVALID = 1100, MERR_UNAUTH = 1800, MERR_JSON = 1801,
    MERR_MISSING = 1802, MERR_INSERT = 1804, MERR_PK = 1806, MERR_UNEXPECTED = 65535,
};

typedef struct v2 {
    av_http_req *req;
    av_http_res *res;
    json_object *body;
    const char *db;
    const char *project;
    int i64s;                  /* Int64 as strings */
    av_collection *c;
} v2;

/* ---- envelope -------------------------------------------------------------------------------- */

static void v2_error(av_http_res *res, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void v2_error(av_http_res *res, int code, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    mv_reply_error(res, 200, code, msg);
}

static void v2_ok(av_http_res *res, json_object *data)
{
    mv_reply_ok(res, 0, data);
}

static void render_transport_error(av_http_res *res, av_http_errkind kind, const av_err *e)
{
    const char *msg = e->msg;
    int status = kind == AV_HTTP_ERR_UNAUTHORIZED ? 401 : kind == AV_HTTP_ERR_FORBIDDEN ? 403 :
                 kind == AV_HTTP_ERR_TOO_LARGE ? 413 : 500;
    int code = kind == AV_HTTP_ERR_UNAUTHORIZED ? MERR_UNAUTH : kind == AV_HTTP_ERR_FORBIDDEN ? 1401 :
               kind == AV_HTTP_ERR_TOO_LARGE ? MERR_JSON : MERR_UNEXPECTED;
    const char *prefix = kind == AV_HTTP_ERR_UNAUTHORIZED ? "user hasn't authenticated: " :
                         kind == AV_HTTP_ERR_TOO_LARGE ? "can only accept json format request, error: " : "";
    char text[768];
    snprintf(text, sizeof text, "%s%s", prefix, msg);
    mv_reply_error(res, status, code, text);
}

static const av_dialect dialect = { "milvus_v2", render_transport_error, NULL };

/* Maps an engine error to the merr code that fits the operation (`insert`: 1804 for data errors). */
static void engine_error(v2 *r, const av_err *e, int data_code)
{
    switch (e->code) {
    case AV_ENOTFOUND: v2_error(r->res, MERR_COLL_NOT_FOUND, "%s", e->msg); break;
    case AV_ENODB: v2_error(r->res, MERR_DB_NOT_FOUND, "%s", e->msg); break;
    case AV_EIO: v2_error(r->res, MERR_UNEXPECTED, "%s", e->msg); break;
    case AV_ETYPE: case AV_EDIM: case AV_EPK: case AV_EFIELD:
        if (data_code == MERR_INSERT) { v2_error(r->res, MERR_INSERT, "fail to deal the insert data, error: %s", e->msg); break; }
        if (data_code == MERR_PK) { v2_error(r->res, MERR_PK, "please check the primary key and its' type can only in [int, string], error: %s", e->msg); break; }
        /* fall through */
    default: v2_error(r->res, MERR_INVALID, "%s: invalid parameter", e->msg); break;
    }
}

/* ---- request plumbing ------------------------------------------------------------------------ */

static int v2_begin(av_http_req *req, av_http_res *res, v2 *r)
{
    memset(r, 0, sizeof *r);
    r->req = req;
    r->res = res;
    r->project = api_project(req);
    r->i64s = api_int64_as_string(req);
    av_err e;
    int empty;
    if (api_parse_body(req, &r->body, &empty, &e)) {
        v2_error(res, MERR_JSON, "can only accept json format request, error: %s", e.msg);
        return -1;
    }
    const char *db = NULL;
    int k = api_get_str(r->body, "dbName", &db);
    if (k == API_WRONG_TYPE) { v2_error(res, MERR_JSON, "can only accept json format request, error: dbName must be a string"); return -1; }
    if (k == API_ABSENT || !*db) db = av_http_header(req, "DB-Name");
    r->db = db && *db ? db : "default";
    if (av_name_check(r->db, "database name", &e)) { v2_error(res, MERR_DB_INVALID, "%s", e.msg); return -1; }
    return 0;
}

static void v2_end(v2 *r)
{
    if (r->c) av_collection_release(r->c);
    if (r->body) json_object_put(r->body);
}

/* Reads a required string member; answers 1802/1801 itself. */
static int need_str(v2 *r, const char *key, const char **out)
{
    int k = api_get_str(r->body, key, out);
    if (k == API_WRONG_TYPE) { v2_error(r->res, MERR_JSON, "can only accept json format request, error: %s must be a string", key); return -1; }
    if (k == API_ABSENT || !**out) { v2_error(r->res, MERR_MISSING, "missing required parameters, required parameters: [%s]", key); return -1; }
    return 0;
}

static int need_db(v2 *r)
{
    if (av_db_exists(r->req->store, r->project, r->db)) return 0;
    v2_error(r->res, MERR_DB_NOT_FOUND, "database not found, database: %s", r->db);
    return -1;
}

/* collectionName, database and collection: answers the error itself. */
static int need_collection(v2 *r)
{
    const char *name;
    if (need_str(r, "collectionName", &name)) return -1;
    av_err e;
    if (av_collection_open(r->req->store, r->project, r->db, name, &r->c, &e)) { engine_error(r, &e, 0); return -1; }
    return 0;
}

/* Optional member of a given JSON type; answers 1801 for a wrong type. */
static int opt_member(v2 *r, const char *key, json_type t, json_object **out)
{
    *out = NULL;
    json_object *v;
    if (!json_object_object_get_ex(r->body, key, &v) || !v) return 0;
    if (!json_object_is_type(v, t) && !(t == json_type_double && json_object_is_type(v, json_type_int))) {
        v2_error(r->res, MERR_JSON, "can only accept json format request, error: %s must be %s", key,
                 t == json_type_array ? "an array" : t == json_type_object ? "an object" : t == json_type_string ? "a string" :
                 t == json_type_boolean ? "a boolean" : "a number");
        return -1;
    }
    *out = v;
    return 0;
}

static int opt_int(v2 *r, const char *key, int64_t def, int64_t *out)
{
    *out = def;
    int k = api_get_int(r->body, key, out);
    if (k == API_WRONG_TYPE) { v2_error(r->res, MERR_JSON, "can only accept json format request, error: %s must be an integer", key); return -1; }
    return 0;
}

#define HANDLER(name) static void name(av_http_req *req, av_http_res *res)
#define BEGIN v2 r; if (v2_begin(req, res, &r)) { v2_end(&r); return; }

/* ---- collections ----------------------------------------------------------------------------- */

static json_object *names_json(char **names, size_t n)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++) { json_object_array_add(a, json_object_new_string(names[i])); free(names[i]); }
    free(names);
    return a;
}

HANDLER(collections_list)
{
    BEGIN;
    char **names; size_t n; av_err e;
    if (need_db(&r) == 0) {
        if (av_collection_list(req->store, r.project, r.db, &names, &n, &e)) engine_error(&r, &e, 0);
        else v2_ok(res, names_json(names, n));
    }
    v2_end(&r);
}

HANDLER(collections_has)
{
    BEGIN;
    const char *name;
    if (need_str(&r, "collectionName", &name) == 0 && need_db(&r) == 0) {
        av_collection *c = NULL;
        av_collection_open(req->store, r.project, r.db, name, &c, NULL);
        json_object *d = json_object_new_object();
        json_object_object_add(d, "has", json_object_new_boolean(c != NULL));
        if (c) av_collection_release(c);
        v2_ok(res, d);
    }
    v2_end(&r);
}

static json_object *kv(const char *k, const char *v)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "key", json_object_new_string(k));
    json_object_object_add(o, "value", json_object_new_string(v));
    return o;
}

static json_object *field_json(const av_field *f, int idx)
{
    json_object *o = json_object_new_object();
    char b[32];
    json_object_object_add(o, "name", json_object_new_string(f->name));
    json_object_object_add(o, "id", json_object_new_int(100 + idx));
    json_object_object_add(o, "type", json_object_new_string(av_type_name(f->type)));
    json_object_object_add(o, "primaryKey", json_object_new_boolean(f->primary));
    json_object_object_add(o, "partitionKey", json_object_new_boolean(0));
    json_object_object_add(o, "clusteringKey", json_object_new_boolean(0));
    json_object_object_add(o, "autoId", json_object_new_boolean(f->auto_id));
    json_object_object_add(o, "nullable", json_object_new_boolean(f->nullable));
    json_object_object_add(o, "description", json_object_new_string(f->description));
    json_object *params = json_object_new_array();
    if (f->type == AV_T_FLOAT_VECTOR) { snprintf(b, sizeof b, "%d", f->dim); json_object_array_add(params, kv("dim", b)); }
    if (f->max_length) { snprintf(b, sizeof b, "%d", f->max_length); json_object_array_add(params, kv("max_length", b)); }
    if (f->type == AV_T_ARRAY) {
        snprintf(b, sizeof b, "%d", f->max_capacity);
        json_object_array_add(params, kv("max_capacity", b));
        json_object_object_add(o, "elementType", json_object_new_string(av_type_name(f->element_type)));
    }
    json_object_object_add(o, "params", params);
    if (f->default_value) {
        json_object *d = NULL;
        json_object_deep_copy(f->default_value, &d, NULL);
        json_object_object_add(o, "defaultValue", d);
    }
    return o;
}

static json_object *describe_json(av_collection *c)
{
    const av_schema *s = av_collection_schema(c);
    json_object *d = json_object_new_object();
    json_object_object_add(d, "collectionName", json_object_new_string(s->name));
    json_object_object_add(d, "collectionID", json_object_new_int64(s->id));
    json_object_object_add(d, "description", json_object_new_string(s->description));
    json_object_object_add(d, "autoId", json_object_new_boolean(av_schema_pk(s)->auto_id));
    json_object *fields = json_object_new_array();
    for (int i = 0; i < s->nfields; i++) json_object_array_add(fields, field_json(&s->fields[i], i));
    json_object_object_add(d, "fields", fields);
    json_object_object_add(d, "functions", json_object_new_array());
    json_object_object_add(d, "aliases", json_object_new_array());
    json_object *idx = json_object_new_object();
    json_object_object_add(idx, "fieldName", json_object_new_string(av_schema_vector(s)->name));
    json_object_object_add(idx, "indexName", json_object_new_string(s->index_name));
    json_object_object_add(idx, "metricType", json_object_new_string(av_metric_name(s->metric)));
    json_object *indexes = json_object_new_array();
    json_object_array_add(indexes, idx);
    json_object_object_add(d, "indexes", indexes);
    json_object_object_add(d, "load", json_object_new_string(av_collection_loaded(c) ? "LoadStateLoaded" : "LoadStateNotLoad"));
    json_object_object_add(d, "shardsNum", json_object_new_int(1));
    json_object_object_add(d, "partitionsNum", json_object_new_int(1));
    json_object_object_add(d, "consistencyLevel", json_object_new_string("Strong"));
    json_object_object_add(d, "enableDynamicField", json_object_new_boolean(s->dynamic));
    json_object_object_add(d, "properties", json_object_new_array());
    json_object_object_add(d, "createdTime", json_object_new_int64(s->created_ms));
    return d;
}

HANDLER(collections_describe)
{
    BEGIN;
    if (need_collection(&r) == 0) v2_ok(res, describe_json(r.c));
    v2_end(&r);
}

/* An integer given as a JSON number or a numeric string (SDKs send both in elementTypeParams). */
static int loose_int(json_object *o, const char *key, int *out)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !v) return API_ABSENT;
    int64_t x;
    if (av_json_get_int64(v, 1, &x) || x < INT32_MIN || x > INT32_MAX) return API_WRONG_TYPE;
    *out = (int)x;
    return API_OK;
}

static int bool_member(json_object *o, const char *key, int def)
{
    int b = def;
    json_object *v;
    if (o && json_object_object_get_ex(o, key, &v) && v) {
        if (json_object_is_type(v, json_type_boolean)) b = json_object_get_boolean(v);
        else if (json_object_is_type(v, json_type_string)) b = strcmp(json_object_get_string(v), "true") == 0;
    }
    return b;
}

static const char *str_member(json_object *o, const char *key, const char *def)
{
    const char *s;
    return o && api_get_str(o, key, &s) == API_OK && *s ? s : def;
}

/* Quick form: collectionName, dimension, metricType, idType, autoID, primaryFieldName, vectorFieldName. */
static int schema_quick(v2 *r, av_schema *s, av_err *e)
{
    json_object *params = NULL;
    json_object_object_get_ex(r->body, "params", &params);
    int dim = 0;
    if (loose_int(r->body, "dimension", &dim) != API_OK)
        return av_fail(e, AV_EINVAL, "dimension must be an integer from 1 to %d", AV_DIM_MAX);
    const char *id_type = str_member(r->body, "idType", "Int64");
    av_type pkt;
    if (av_type_from_name(id_type, &pkt) || (pkt != AV_T_INT64 && pkt != AV_T_VARCHAR))
        return av_fail(e, AV_EINVAL, "idType \"%s\" is not supported; use Int64 or VarChar", id_type);
    av_field *pk = av_schema_add_field(s, str_member(r->body, "primaryFieldName", "id"), pkt);
    pk->primary = 1;
    pk->auto_id = bool_member(r->body, "autoID", 0);
    if (pkt == AV_T_VARCHAR && loose_int(params, "max_length", &pk->max_length) != API_OK)
        return av_fail(e, AV_EINVAL, "a VarChar idType needs params.max_length (1..%d)", AV_VARCHAR_MAX);
    av_field *vf = av_schema_add_field(s, str_member(r->body, "vectorFieldName", "vector"), AV_T_FLOAT_VECTOR);
    vf->dim = dim;
    s->dynamic = bool_member(params, "enableDynamicField", bool_member(r->body, "enableDynamicField", 1));
    const char *metric = str_member(r->body, "metricType", "L2");
    if (av_metric_from_name(metric, &s->metric))
        return av_fail(e, AV_EINVAL, "metricType \"%s\" is not supported; use L2, IP or COSINE", metric);
    snprintf(s->index_name, sizeof s->index_name, "%s", vf->name);
    return AV_OK;
}

static int field_from_json(json_object *fo, av_schema *s, int auto_id, av_err *e)
{
    const char *name = str_member(fo, "fieldName", NULL);
    const char *dt = str_member(fo, "dataType", NULL);
    if (!name || !dt) return av_fail(e, AV_EINVAL, "every schema field needs fieldName and dataType");
    av_type t;
    if (av_type_from_name(dt, &t)) return av_fail(e, AV_EINVAL, "field \"%s\": dataType \"%s\" is not supported; use Bool, Int8, Int16, Int32, Int64, Float, Double, VarChar, JSON, Array or FloatVector", name, dt);
    av_field *f = av_schema_add_field(s, name, t);
    f->primary = bool_member(fo, "isPrimary", 0);
    f->auto_id = f->primary && auto_id;
    f->nullable = bool_member(fo, "nullable", 0);
    snprintf(f->description, sizeof f->description, "%s", str_member(fo, "description", ""));
    json_object *tp = NULL;
    json_object_object_get_ex(fo, "elementTypeParams", &tp);
    if (loose_int(tp, "dim", &f->dim) == API_WRONG_TYPE || loose_int(tp, "max_length", &f->max_length) == API_WRONG_TYPE ||
        loose_int(tp, "max_capacity", &f->max_capacity) == API_WRONG_TYPE)
        return av_fail(e, AV_EINVAL, "field \"%s\": elementTypeParams values must be integers", name);
    const char *et = str_member(fo, "elementDataType", NULL);
    if (t == AV_T_ARRAY && (!et || av_type_from_name(et, &f->element_type)))
        return av_fail(e, AV_EINVAL, "field \"%s\": an Array needs elementDataType", name);
    json_object *dv;
    if (json_object_object_get_ex(fo, "defaultValue", &dv) && dv) json_object_deep_copy(dv, &f->default_value, NULL);
    return AV_OK;
}

static int schema_custom(v2 *r, json_object *sj, av_schema *s, av_err *e)
{
    if (!json_object_is_type(sj, json_type_object)) return av_fail(e, AV_EINVAL, "schema must be an object");
    json_object *fields;
    if (!json_object_object_get_ex(sj, "fields", &fields) || !json_object_is_type(fields, json_type_array))
        return av_fail(e, AV_EINVAL, "schema.fields must be an array of fields");
    if (json_object_array_length(fields) > AV_FIELDS_MAX)
        return av_fail(e, AV_ELIMIT, "schema has %zu fields; the limit is %d", json_object_array_length(fields), AV_FIELDS_MAX);
    int auto_id = bool_member(sj, "autoID", bool_member(sj, "autoId", 0));
    s->dynamic = bool_member(sj, "enableDynamicField", 1);
    for (size_t i = 0; i < json_object_array_length(fields); i++) {
        json_object *fo = json_object_array_get_idx(fields, i);
        if (!json_object_is_type(fo, json_type_object)) return av_fail(e, AV_EINVAL, "schema.fields[%zu] is not an object", i);
        int rc = field_from_json(fo, s, auto_id, e);
        if (rc) return rc;
    }
    const av_field *vf = av_schema_vector(s);
    json_object *ip = NULL;
    json_object_object_get_ex(r->body, "indexParams", &ip);
    snprintf(s->index_name, sizeof s->index_name, "%s", vf ? vf->name : "");
    for (size_t i = 0; ip && json_object_is_type(ip, json_type_array) && i < json_object_array_length(ip); i++) {
        json_object *io = json_object_array_get_idx(ip, i);
        const char *metric = str_member(io, "metricType", "L2");
        if (av_metric_from_name(metric, &s->metric))
            return av_fail(e, AV_EINVAL, "metricType \"%s\" is not supported; use L2, IP or COSINE", metric);
        snprintf(s->index_name, sizeof s->index_name, "%s", str_member(io, "indexName", vf ? vf->name : ""));
        snprintf(s->index_type, sizeof s->index_type, "%s", str_member(io, "indexType", "FLAT"));
    }
    const char *metric = str_member(r->body, "metricType", NULL);
    if (metric && av_metric_from_name(metric, &s->metric))
        return av_fail(e, AV_EINVAL, "metricType \"%s\" is not supported; use L2, IP or COSINE", metric);
    return AV_OK;
}

HANDLER(collections_create)
{
    BEGIN;
    const char *name;
    json_object *sj = NULL;
    if (need_str(&r, "collectionName", &name) || need_db(&r)) { v2_end(&r); return; }
    av_schema s;
    av_schema_init(&s);
    snprintf(s.name, sizeof s.name, "%.*s", AV_NAME_MAX, name);
    const char *desc = str_member(r.body, "description", "");
    snprintf(s.description, sizeof s.description, "%s", desc);
    av_err e;
    av_err_clear(&e);
    int rc = av_name_check(name, "collection name", &e);
    if (rc == AV_OK) {
        json_object_object_get_ex(r.body, "schema", &sj);
        if (sj) rc = schema_custom(&r, sj, &s, &e);
        else if (!json_object_object_get_ex(r.body, "dimension", NULL)) {
            v2_error(res, MERR_MISSING, "missing required parameters, required parameters: [dimension] (or send a schema)");
            av_schema_free(&s); v2_end(&r); return;
        } else rc = schema_quick(&r, &s, &e);
    }
    if (rc == AV_OK) rc = av_collection_create(req->store, r.project, r.db, &s, &e);
    if (rc == AV_EEXIST) v2_error(res, MERR_INVALID, "%s; drop it first or choose another name: invalid parameter", e.msg);
    else if (rc) engine_error(&r, &e, 0);
    else v2_ok(res, NULL);
    av_schema_free(&s);
    v2_end(&r);
}

HANDLER(collections_drop)
{
    BEGIN;
    const char *name;
    av_err e;
    if (need_str(&r, "collectionName", &name) == 0 && need_db(&r) == 0) {
        if (av_collection_drop(req->store, r.project, r.db, name, &e)) engine_error(&r, &e, 0);
        else v2_ok(res, NULL);
    }
    v2_end(&r);
}

HANDLER(collections_rename)
{
    BEGIN;
    const char *to, *to_db = NULL;
    av_err e;
    if (need_collection(&r) == 0 && need_str(&r, "newCollectionName", &to) == 0) {
        if (api_get_str(r.body, "newDbName", &to_db) != API_OK || !*to_db) to_db = r.db;
        if (av_collection_rename(req->store, r.project, r.db, av_collection_schema(r.c)->name, to_db, to, &e)) engine_error(&r, &e, 0);
        else v2_ok(res, NULL);
    }
    v2_end(&r);
}

HANDLER(collections_get_stats)
{
    BEGIN;
    if (need_collection(&r) == 0) {
        json_object *d = json_object_new_object();
        json_object_object_add(d, "rowCount", json_object_new_int64(av_collection_count(r.c)));
        v2_ok(res, d);
    }
    v2_end(&r);
}

static void set_loaded(av_http_req *req, av_http_res *res, int loaded)
{
    BEGIN;
    av_err e;
    if (need_collection(&r) == 0) {
        if (av_collection_set_loaded(r.c, loaded, &e)) engine_error(&r, &e, 0);
        else v2_ok(res, NULL);
    }
    v2_end(&r);
}

HANDLER(collections_load) { set_loaded(req, res, 1); }
HANDLER(collections_release) { set_loaded(req, res, 0); }

HANDLER(collections_load_state)
{
    BEGIN;
    const char *name;
    if (need_str(&r, "collectionName", &name) == 0 && need_db(&r) == 0) {
        av_collection *c = NULL;
        av_collection_open(req->store, r.project, r.db, name, &c, NULL);
        if (!c) v2_error(res, MERR_COLL_NOT_FOUND, "collection not found[database=%s][collection=%s]", r.db, name);
        else {
            json_object *d = json_object_new_object();
            int l = av_collection_loaded(c);
            json_object_object_add(d, "loadState", json_object_new_string(l ? "LoadStateLoaded" : "LoadStateNotLoad"));
            if (l) json_object_object_add(d, "loadProgress", json_object_new_int(100));
            av_collection_release(c);
            v2_ok(res, d);
        }
    }
    v2_end(&r);
}

HANDLER(collections_compact)
{
    BEGIN;
    av_err e;
    if (need_collection(&r) == 0) {
        if (av_store_purge(req->store, &e)) engine_error(&r, &e, 0);
        else {
            json_object *d = json_object_new_object();
            json_object_object_add(d, "compactionID", json_object_new_int64(av_now_ms()));
            v2_ok(res, d);
        }
    }
    v2_end(&r);
}

/* Every acknowledged write is already durable: flush only checks the collection exists. */
HANDLER(collections_flush)
{
    BEGIN;
    if (need_collection(&r) == 0) v2_ok(res, NULL);
    v2_end(&r);
}

/* ---- databases ------------------------------------------------------------------------------- */

HANDLER(databases_list)
{
    BEGIN;
    char **names; size_t n; av_err e;
    if (av_db_list(req->store, r.project, &names, &n, &e)) engine_error(&r, &e, 0);
    else v2_ok(res, names_json(names, n));
    v2_end(&r);
}

static void db_change(av_http_req *req, av_http_res *res, int create)
{
    BEGIN;
    const char *name;
    av_err e;
    if (need_str(&r, "dbName", &name) == 0) {
        int rc = create ? av_db_create(req->store, r.project, name, &e) : av_db_drop(req->store, r.project, name, &e);
        if (rc == AV_EEXIST) v2_error(res, 65535, "%s", e.msg);
        else if (rc == AV_ENODB) v2_error(res, MERR_DB_NOT_FOUND, "%s", e.msg);
        else if (rc) v2_error(res, rc == AV_EINVAL && create ? MERR_DB_INVALID : MERR_INVALID, "%s", e.msg);
        else v2_ok(res, NULL);
    }
    v2_end(&r);
}

HANDLER(databases_create) { db_change(req, res, 1); }
HANDLER(databases_drop) { db_change(req, res, 0); }

HANDLER(databases_describe)
{
    BEGIN;
    const char *name;
    if (need_str(&r, "dbName", &name) == 0) {
        if (!av_db_exists(req->store, r.project, name)) v2_error(res, MERR_DB_NOT_FOUND, "database not found, database: %s", name);
        else {
            json_object *d = json_object_new_object();
            json_object_object_add(d, "dbName", json_object_new_string(name));
            json_object_object_add(d, "properties", json_object_new_array());
            v2_ok(res, d);
        }
    }
    v2_end(&r);
}

/* ---- entities -------------------------------------------------------------------------------- */

static void write_rows(av_http_req *req, av_http_res *res, int upsert)
{
    BEGIN;
    json_object *data;
    if (need_collection(&r) || opt_member(&r, "data", json_type_array, &data)) { v2_end(&r); return; }
    if (!data) { v2_error(res, MERR_MISSING, "missing required parameters, required parameters: [data]"); v2_end(&r); return; }
    const av_schema *s = av_collection_schema(r.c);
    int assign = av_schema_pk(s)->auto_id && !upsert;
    api_rows rows;
    av_err e;
    if (api_rows_parse(r.c, data, assign ? API_ASSIGN_PK : 0, AV_BATCH_MAX, &rows, &e)) {
        v2_error(res, MERR_INSERT, "fail to deal the insert data, error: %s", e.msg);
        v2_end(&r);
        return;
    }
    av_pk *pks = xcalloc(rows.n, sizeof(av_pk));
    if (av_insert(r.c, rows.rows, rows.n, upsert, pks, &e)) engine_error(&r, &e, MERR_INSERT);
    else {
        json_object *d = json_object_new_object(), *ids = json_object_new_array();
        for (size_t i = 0; i < rows.n; i++) json_object_array_add(ids, api_pk_json(&pks[i], r.i64s));
        json_object_object_add(d, upsert ? "upsertCount" : "insertCount", json_object_new_int64((int64_t)rows.n));
        json_object_object_add(d, upsert ? "upsertIds" : "insertIds", ids);
        v2_ok(res, d);
    }
    free(pks);
    api_rows_free(&rows);
    v2_end(&r);
}

HANDLER(entities_insert) { write_rows(req, res, 0); }
HANDLER(entities_upsert) { write_rows(req, res, 1); }

HANDLER(entities_delete)
{
    BEGIN;
    const char *filter;
    if (need_collection(&r) || need_str(&r, "filter", &filter)) { v2_end(&r); return; }
    av_filter *f = NULL;
    av_err e;
    int64_t n = 0;
    if (av_filter_compile_milvus(r.c, filter, &f, &e) || av_delete_filter(r.c, f, &n, &e)) engine_error(&r, &e, 0);
    else {
        json_object *d = json_object_new_object();
        json_object_object_add(d, "deleteCount", json_object_new_int64(n));
        v2_ok(res, d);
    }
    av_filter_free(f);
    v2_end(&r);
}

typedef struct rows_ctx {
    av_collection *c;
    api_fields *sel;
    const char *pk_key;
    int i64s;
    json_object *out;
} rows_ctx;

static int collect_row(void *arg, const av_row_view *row)
{
    rows_ctx *x = arg;
    json_object_array_add(x->out, api_render_row(x->c, row, x->sel, x->pk_key, x->i64s));
    return 0;
}

static int read_fields(v2 *r, int default_all, api_fields *sel)
{
    json_object *of;
    av_err e;
    if (opt_member(r, "outputFields", json_type_array, &of)) return -1;
    if (api_fields_parse(r->c, of, default_all, sel, &e)) { engine_error(r, &e, 0); return -1; }
    return 0;
}

HANDLER(entities_get)
{
    BEGIN;
    json_object *ids;
    api_fields sel = { 0 };
    if (need_collection(&r)) { v2_end(&r); return; }
    if (!json_object_object_get_ex(r.body, "id", &ids) || !ids) {
        v2_error(res, MERR_MISSING, "missing required parameters, required parameters: [id]");
    } else if (read_fields(&r, 1, &sel) == 0) {
        av_pk *pks = NULL; size_t n = 0; av_err e;
        const char *pk_key = av_schema_pk(av_collection_schema(r.c))->name;
        rows_ctx x = { r.c, &sel, pk_key, r.i64s, json_object_new_array() };
        if (json_object_is_type(ids, json_type_array) && json_object_array_length(ids) > AV_BATCH_MAX)
            v2_error(res, MERR_INVALID, "%zu ids in one request; the limit is %d: invalid parameter", json_object_array_length(ids), AV_BATCH_MAX);
        else if (api_ids_parse(r.c, ids, &pks, &n, &e)) engine_error(&r, &e, MERR_PK);
        else if (av_get(r.c, pks, n, collect_row, &x, &e)) engine_error(&r, &e, 0);
        else { v2_ok(res, x.out); x.out = NULL; }
        if (x.out) json_object_put(x.out);
        free(pks);
    }
    api_fields_free(&sel);
    v2_end(&r);
}

static json_object *count_json(int64_t n)
{
    json_object *row = json_object_new_object(), *a = json_object_new_array();
    json_object_object_add(row, "count(*)", json_object_new_int64(n));
    json_object_array_add(a, row);
    return a;
}

HANDLER(entities_query)
{
    BEGIN;
    const char *filter = NULL;
    int64_t limit, offset;
    api_fields sel = { 0 };
    if (need_collection(&r) || read_fields(&r, 1, &sel) || opt_int(&r, "limit", sel.count ? -1 : 100, &limit) ||
        opt_int(&r, "offset", 0, &offset)) { api_fields_free(&sel); v2_end(&r); return; }
    if (api_get_str(r.body, "filter", &filter) == API_WRONG_TYPE) {
        v2_error(res, MERR_JSON, "can only accept json format request, error: filter must be a string");
        api_fields_free(&sel); v2_end(&r); return;
    }
    av_filter *f = NULL;
    av_err e;
    int has_filter = filter && *filter;
    if (!sel.count && (limit < 1 || offset < 0 || limit + offset > AV_TOPK_MAX)) {
        v2_error(res, MERR_INVALID, "limit %" PRId64 " and offset %" PRId64 ": limit must be 1..%d, offset >= 0, and limit + offset <= %d: invalid parameter",
                 limit, offset, AV_TOPK_MAX, AV_TOPK_MAX);
    } else if (has_filter && av_filter_compile_milvus(r.c, filter, &f, &e)) {
        engine_error(&r, &e, 0);
    } else if (sel.count) {
        int64_t n = 0;
        if (av_count(r.c, f, &n, &e)) engine_error(&r, &e, 0);
        else v2_ok(res, count_json(n));
    } else {
        rows_ctx x = { r.c, &sel, av_schema_pk(av_collection_schema(r.c))->name, r.i64s, json_object_new_array() };
        if (av_query(r.c, f, offset, limit, collect_row, &x, &e)) { json_object_put(x.out); engine_error(&r, &e, 0); }
        else v2_ok(res, x.out);
    }
    av_filter_free(f);
    api_fields_free(&sel);
    v2_end(&r);
}

typedef struct hits_ctx {
    rows_ctx rows;
    int *topks;
} hits_ctx;

static int collect_hit(void *arg, int query, int rank, float distance, const av_row_view *row)
{
    hits_ctx *x = arg;
    (void)rank;
    json_object *o = api_render_row(x->rows.c, row, x->rows.sel, x->rows.pk_key, x->rows.i64s);
    json_object_object_add(o, "distance", av_json_float(distance));
    json_object_array_add(x->rows.out, o);
    x->topks[query]++;
    return 0;
}

/* searchParams: {metricType, params: {radius, range_filter}} (radius may also sit in searchParams). */
static int read_range(v2 *r, av_search_params *p, av_err *e)
{
    json_object *sp = NULL, *params = NULL;
    if (opt_member(r, "searchParams", json_type_object, &sp)) return -1;
    const av_schema *s = av_collection_schema(r->c);
    const char *metric = str_member(sp, "metricType", NULL);
    av_metric m;
    if (metric && (av_metric_from_name(metric, &m) || m != s->metric)) {
        av_fail(e, AV_EINVAL, "metric type not match: searchParams.metricType is %s but the collection's index uses %s", metric, av_metric_name(s->metric));
        return 1;
    }
    if (sp) json_object_object_get_ex(sp, "params", &params);
    json_object *src[2] = { params, sp };
    for (int i = 0; i < 2; i++) {
        double d;
        if (!src[i] || !json_object_is_type(src[i], json_type_object)) continue;
        int k = api_get_num(src[i], "radius", &d);
        if (k == API_WRONG_TYPE) { av_fail(e, AV_EINVAL, "radius must be a number"); return 1; }
        if (k == API_OK && !p->has_radius) { p->has_radius = 1; p->radius = (float)d; }
        k = api_get_num(src[i], "range_filter", &d);
        if (k == API_WRONG_TYPE) { av_fail(e, AV_EINVAL, "range_filter must be a number"); return 1; }
        if (k == API_OK && !p->has_range_filter) { p->has_range_filter = 1; p->range_filter = (float)d; }
    }
    return 0;
}

HANDLER(entities_search)
{
    BEGIN;
    json_object *data;
    const char *filter = NULL, *anns = NULL;
    int64_t limit, offset;
    api_fields sel = { 0 };
    float *queries = NULL;
    av_filter *f = NULL;
    av_err e;
    av_err_clear(&e);
    av_search_params p = { 0 };
    if (need_collection(&r) || read_fields(&r, 0, &sel) || opt_int(&r, "limit", 100, &limit) || opt_int(&r, "offset", 0, &offset))
        goto out;
    if (!json_object_object_get_ex(r.body, "data", &data) || !data) {
        v2_error(res, MERR_MISSING, "missing required parameters, required parameters: [data]");
        goto out;
    }
    const av_schema *s = av_collection_schema(r.c);
    if (api_get_str(r.body, "annsField", &anns) == API_OK && *anns && strcmp(anns, av_schema_vector(s)->name) != 0) {
        v2_error(res, MERR_INVALID, "annsField \"%s\" is not the vector field of \"%s\" (it is \"%s\"): invalid parameter", anns, s->name, av_schema_vector(s)->name);
        goto out;
    }
    int rc = api_vectors_parse(r.c, data, 1, &queries, &p.nq, &e);
    if (rc == AV_OK && (limit < 1 || offset < 0 || limit + offset > AV_TOPK_MAX))
        rc = av_fail(&e, AV_ELIMIT, "limit %" PRId64 " and offset %" PRId64 ": limit must be 1..%d, offset >= 0, and limit + offset <= %d", limit, offset, AV_TOPK_MAX, AV_TOPK_MAX);
    if (rc == AV_OK && api_get_str(r.body, "filter", &filter) == API_WRONG_TYPE) rc = av_fail(&e, AV_EINVAL, "filter must be a string");
    if (rc == AV_OK && filter && *filter) rc = av_filter_compile_milvus(r.c, filter, &f, &e);
    if (rc == AV_OK) {
        int k = read_range(&r, &p, &e);
        if (k < 0) goto out;
        if (k > 0) rc = AV_EINVAL;
    }
    if (rc) { engine_error(&r, &e, 0); goto out; }
    p.queries = queries;
    p.limit = (int)limit;
    p.offset = (int)offset;
    p.filter = f;
    hits_ctx x = { { r.c, &sel, av_schema_pk(s)->name, r.i64s, json_object_new_array() }, xcalloc((size_t)p.nq, sizeof(int)) };
    if (av_search(r.c, &p, collect_hit, &x, &e)) { json_object_put(x.rows.out); engine_error(&r, &e, 0); }
    else {
        json_object *o = json_object_new_object(), *topks = json_object_new_array();
        for (int q = 0; q < p.nq; q++) json_object_array_add(topks, json_object_new_int(x.topks[q]));
        json_object_object_add(o, "code", json_object_new_int(0));
        json_object_object_add(o, "cost", json_object_new_int(0));
        json_object_object_add(o, "data", x.rows.out);
        json_object_object_add(o, "topks", topks);
        av_http_json(res, 200, o);
    }
    free(x.topks);
out:
    free(queries);
    av_filter_free(f);
    api_fields_free(&sel);
    v2_end(&r);
}

/* ---- routes ---------------------------------------------------------------------------------- */

void milvus_v2_register(void)
{
    static const struct { const char *path; av_http_handler h; } routes[] = {
        {"collections/list", collections_list}, {"collections/has", collections_has},
        {"collections/describe", collections_describe}, {"collections/create", collections_create},
        {"collections/drop", collections_drop}, {"collections/rename", collections_rename},
        {"collections/get_stats", collections_get_stats}, {"collections/load", collections_load},
        {"collections/release", collections_release}, {"collections/get_load_state", collections_load_state},
        {"collections/compact", collections_compact}, {"collections/flush", collections_flush},
        {"databases/list", databases_list}, {"databases/create", databases_create},
        {"databases/drop", databases_drop}, {"databases/describe", databases_describe},
        {"entities/insert", entities_insert}, {"entities/upsert", entities_upsert},
        {"entities/delete", entities_delete}, {"entities/get", entities_get},
        {"entities/query", entities_query}, {"entities/search", entities_search},
    };
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        char path[96];
        snprintf(path, sizeof path, "/v2/vectordb/%s", routes[i].path);
        av_http_route("POST", path, &dialect, routes[i].h);
    }
}
