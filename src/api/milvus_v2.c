/*
 * milvus_v2.c — the Milvus RESTful API v2 (/v2/vectordb/...): collections, entities, databases,
 * aliases, properties.
 *
 * Envelope: success {"code":0,"data":...} (search adds "topks"); failure {"code":<merr>,"message":...}
 * with HTTP 200, as Milvus does; 401 {"code":1800} when auth is on and credentials are wrong.
 * Every handler: parse the whole body (1801), check required members (1802), resolve the database
 * (800) and the collection (100), validate everything, then call the engine once. Engine errors get
 * their merr code and text from v2_errors (by what they are about, never by their text).
 * deleteCount reports rows actually deleted (Milvus reports the number of pks named).
 * As Milvus: an empty or null body is {}; create of an identical collection and drop of a missing
 * collection, database or alias succeed; a collectionName may be an alias (the catalog resolves it);
 * properties are kept as strings (Go's %v of the value), and collection.ttl.seconds is applied as the
 * expiry of every row written through Milvus (mv_expire_ms).
 */
#include "api/app.h"
#include "api/milvus.h"
#include "lib/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum {
    MERR_OK = 0, MERR_INTERNAL = 5, MERR_COLL_NOT_FOUND = 100, MERR_DB_NOT_FOUND = 800,
    MERR_DB_INVALID = 802, MERR_INVALID = 1100, MERR_UNAUTH = 1800, MERR_JSON = 1801,
    MERR_MISSING = 1802, MERR_INSERT = 1804, MERR_PK = 1806, MERR_UNEXPECTED = 65535,
    MERR_ALIAS_NOT_FOUND = 1600, MERR_ALIAS_CONFLICT = 1601, MERR_ALIAS_EXISTS = 1602,
};

/* Contexts of the error table (see api/dialect.h). */
enum {
    V2_INSERT = MV_CTX_WRITE,          /* av_insert */
    V2_CREATE = MV_CTX_CREATE,         /* av_collection_create */
    V2_ROWS = MV_CTX_NEXT,             /* api_rows_parse */
    V2_IDS = MV_CTX_NEXT << 1,         /* api_ids_parse */
    V2_DB_CREATE = MV_CTX_NEXT << 2,   /* av_db_create */
    V2_DB_DROP = MV_CTX_NEXT << 3,     /* av_db_drop */
    V2_ALIAS = MV_CTX_NEXT << 4,       /* av_alias_* ({arg}: the collection an existing alias names) */
    V2_DROP = MV_CTX_NEXT << 5,        /* av_collection_drop ({arg}: the collection's aliases) */
    V2_RENAME = MV_CTX_NEXT << 6,      /* av_collection_rename */
};

#define INSERT_TEXT "fail to deal the insert data, error: {msg}"
#define PK_TEXT "please check the primary key and its' type can only in [int, string], error: {msg}"

/* Wire code and text of every error the plumbing or the engine reports; first match wins. */
static const api_error_row v2_errors[] = {
    /* the request itself and its members */
    { 0, API_ANY, API_ENT_BODY, API_ANY, MERR_JSON, "can only accept json format request, error: {msg}" },
    { 0, AV_ETYPE, API_ENT_MEMBER, API_ANY, MERR_JSON, "can only accept json format request, error: {msg}" },
    { 0, API_ANY, API_ENT_MEMBER, API_ANY, MERR_MISSING, "missing required parameters, required parameters: [{name}]" },
    { API_CTX_DB, API_ANY, API_ANY, API_ANY, MERR_DB_INVALID, NULL },
    /* databases */
    { V2_DB_CREATE | V2_DB_DROP, AV_EEXIST, API_ANY, API_ANY, MERR_UNEXPECTED, NULL },
    { V2_DB_CREATE | V2_DB_DROP, AV_ENODB, API_ANY, API_ANY, MERR_DB_NOT_FOUND, NULL },
    { V2_DB_CREATE, AV_EINVAL, API_ANY, API_ANY, MERR_DB_INVALID, NULL },
    { V2_DB_CREATE | V2_DB_DROP, API_ANY, API_ANY, API_ANY, MERR_INVALID, NULL },
    /* aliases (merr 1600-1602) */
    { V2_ALIAS, AV_EEXIST, AV_ENT_ALIAS, AV_R_IN_USE, MERR_ALIAS_CONFLICT, "alias and collection name conflict[database={scope}][alias={name}]" },
    { V2_ALIAS, AV_EEXIST, AV_ENT_ALIAS, API_ANY, MERR_ALIAS_EXISTS, "{name} is alias to another collection: {arg}: alias already exist[database={scope}][alias={name}]" },
    { V2_ALIAS, AV_ENOTFOUND, AV_ENT_ALIAS, API_ANY, MERR_ALIAS_NOT_FOUND, "alias not found[database={scope}][alias={name}]" },
    { V2_CREATE, AV_EEXIST, AV_ENT_ALIAS, API_ANY, MERR_UNEXPECTED, "collection name [{name}] conflicts with an existing alias, please choose a unique name" },
    { V2_DROP, AV_EINVAL, AV_ENT_ALIAS, API_ANY, MERR_UNEXPECTED, "cannot drop the collection via alias = {name}" },
    { V2_DROP, AV_EINVAL, AV_ENT_COLLECTION, AV_R_IN_USE, MERR_UNEXPECTED,
      "unable to drop the collection [{name}] because it has associated aliases [{arg}], please remove all aliases before dropping the collection" },
    { V2_RENAME, AV_EEXIST, AV_ENT_ALIAS, API_ANY, MERR_ALIAS_CONFLICT, "alias and collection name conflict[database={scope}][alias={name}]" },
    { 0, AV_EEXIST, AV_ENT_ALIAS, API_ANY, MERR_UNEXPECTED, "duplicated new collection name {name} with other collection name or alias" },
    { 0, AV_EINVAL, AV_ENT_COLLECTION, AV_R_IN_USE, MERR_UNEXPECTED, "{msg}" },
    /* collections and rows */
    { V2_CREATE, AV_EEXIST, API_ANY, API_ANY, MERR_INVALID, "{msg}; drop it first or choose another name: invalid parameter" },
    { V2_ROWS, API_ANY, API_ANY, API_ANY, MERR_INSERT, INSERT_TEXT },
    { V2_INSERT, AV_ETYPE, API_ANY, API_ANY, MERR_INSERT, INSERT_TEXT },
    { V2_INSERT, AV_EDIM, API_ANY, API_ANY, MERR_INSERT, INSERT_TEXT },
    { V2_INSERT, AV_EPK, API_ANY, API_ANY, MERR_INSERT, INSERT_TEXT },
    { V2_INSERT, AV_EFIELD, API_ANY, API_ANY, MERR_INSERT, INSERT_TEXT },
    { V2_IDS, AV_ETYPE, API_ANY, API_ANY, MERR_PK, PK_TEXT },
    { V2_IDS, AV_EDIM, API_ANY, API_ANY, MERR_PK, PK_TEXT },
    { V2_IDS, AV_EPK, API_ANY, API_ANY, MERR_PK, PK_TEXT },
    { V2_IDS, AV_EFIELD, API_ANY, API_ANY, MERR_PK, PK_TEXT },
    /* any call */
    { 0, AV_ENOTFOUND, API_ANY, API_ANY, MERR_COLL_NOT_FOUND, NULL },
    { 0, AV_ENODB, API_ANY, API_ANY, MERR_DB_NOT_FOUND, NULL },
    { 0, AV_EIO, API_ANY, API_ANY, MERR_UNEXPECTED, NULL },
    { 0, API_ANY, API_ANY, API_ANY, MERR_INVALID, "{msg}: invalid parameter" },
};

static const api_dialect v2_api = {
    mv_reply, v2_errors, sizeof v2_errors / sizeof *v2_errors, mv_phrases, MV_NPHRASES,
    API_DB | API_DB_HEADER | API_EMPTY_OK, "collectionName", NULL, NULL,
};

/* ---- envelope -------------------------------------------------------------------------------- */

static void v2_ok(av_http_res *res, json_object *data)
{
    mv_reply_ok(res, 0, data);
}

static void render_transport_error(av_http_res *res, av_http_errkind kind, const av_err *e)
{
    int status = kind == AV_HTTP_ERR_UNAUTHORIZED ? 401 : kind == AV_HTTP_ERR_FORBIDDEN ? 403 :
                 kind == AV_HTTP_ERR_TOO_LARGE ? 413 : 500;
    int code = kind == AV_HTTP_ERR_UNAUTHORIZED ? MERR_UNAUTH : kind == AV_HTTP_ERR_FORBIDDEN ? 1401 :
               kind == AV_HTTP_ERR_TOO_LARGE ? MERR_JSON : MERR_UNEXPECTED;
    const char *prefix = kind == AV_HTTP_ERR_UNAUTHORIZED ? "user hasn't authenticated: " :
                         kind == AV_HTTP_ERR_TOO_LARGE ? "can only accept json format request, error: " : "";
    char text[768];
    snprintf(text, sizeof text, "%s%s", prefix, e->msg);
    mv_reply_error(res, status, code, text);
}

static const av_dialect dialect = { "milvus_v2", render_transport_error, NULL };

/* ---- collections ----------------------------------------------------------------------------- */

static json_object *names_json(char **names, size_t n)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++) { json_object_array_add(a, json_object_new_string(names[i])); free(names[i]); }
    free(names);
    return a;
}

static void collections_list(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    char **names;
    size_t n;
    av_err e;
    if (api_begin(req, res, &v2_api, &x) == 0 && api_need_db(&x, NULL) == 0) {
        if (av_collection_list(req->store, x.project, x.db, &names, &n, &e)) api_fail(&x, 0, &e);
        else v2_ok(res, names_json(names, n));
    }
    api_end(&x);
}

static void collections_has(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    const char *name;
    if (api_begin(req, res, &v2_api, &x) == 0 && api_need_name(&x, &name) == 0 && api_need_db(&x, NULL) == 0) {
        av_collection *c = NULL;
        av_collection_open(req->store, x.project, x.db, name, &c, NULL);
        json_object *d = json_object_new_object();
        json_object_object_add(d, "has", json_object_new_boolean(c != NULL));
        if (c) av_collection_release(c);
        v2_ok(res, d);
    }
    api_end(&x);
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

/* Go's %v of a float64: the shortest text that reads back as the same double. */
static void go_float(double d, char *buf, size_t n)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, n, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) return;
    }
}

/* A TTL in seconds as Milvus takes it: a decimal integer 0..MV_TTL_MAX. */
static int ttl_ok(const char *v)
{
    char *end;
    if (!*v || *v == '-' || *v == '+' || *v == ' ') return 0;
    long long t = strtoll(v, &end, 10);
    return !*end && t >= 0 && t <= MV_TTL_MAX;
}

/* Checks one property a client sets and adds it to o as a string (Go's %v of the value). */
static int add_prop(api_ctx *x, json_object *o, const char *k, json_object *v)
{
    char buf[64];
    const char *sv;
    switch (json_object_get_type(v)) {
    case json_type_string: sv = json_object_get_string(v); break;
    case json_type_boolean: sv = json_object_get_boolean(v) ? "true" : "false"; break;
    case json_type_int: sv = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN); break;   /* exact, uint64 too */
    case json_type_double: go_float(json_object_get_double(v), buf, sizeof buf); sv = buf; break;
    default: return api_failf(x, MERR_INVALID, "property \"%.64s\": the value must be a string, a number or a boolean: invalid parameter", k);
    }
    if (strncmp(k, MV_OWN_PREFIX, strlen(MV_OWN_PREFIX)) == 0)
        return api_failf(x, MERR_INVALID, "property \"%.64s\": keys that start with \"" MV_OWN_PREFIX "\" are reserved: invalid parameter", k);
    if (strcmp(k, MV_TTL_KEY) == 0 && !ttl_ok(sv))
        return api_failf(x, MERR_INVALID, "collection TTL is not a valid positive integer: %.64s: invalid parameter", sv);
    json_object_object_add(o, k, json_object_new_string(sv));
    return 0;
}

/* The member `key` (an object) as properties: *set new (NULL when absent and not required). Returns
 * 0, or -1 with the error answered. */
static int read_props(api_ctx *x, const char *key, int required, json_object **set)
{
    json_object *p;
    *set = NULL;
    if (api_opt_member(x, key, json_type_object, &p)) return -1;
    if (!p) return required ? api_member_missing(x, key) : 0;
    if (json_object_object_length(p) > AV_PROPS_MAX)
        return api_failf(x, MERR_INVALID, "%d properties in one request; the limit is %d: invalid parameter", json_object_object_length(p), AV_PROPS_MAX);
    json_object *o = json_object_new_object();
    json_object_object_foreach(p, k, v) {
        if (add_prop(x, o, k, v)) { json_object_put(o); return -1; }
    }
    *set = o;
    return 0;
}

/* propertyKeys: a required array of at most AV_PROPS_MAX strings, borrowed from the body into *keys
 * (caller frees the array). Returns 0, or -1 answered. */
static int read_keys(api_ctx *x, const char ***keys, size_t *n)
{
    json_object *a;
    *keys = NULL;
    *n = 0;
    if (api_opt_member(x, "propertyKeys", json_type_array, &a)) return -1;
    if (!a) return api_member_missing(x, "propertyKeys");
    size_t m = json_object_array_length(a);
    if (m > AV_PROPS_MAX) return api_failf(x, MERR_INVALID, "%zu propertyKeys in one request; the limit is %d: invalid parameter", m, AV_PROPS_MAX);
    const char **v = xcalloc(m ? m : 1, sizeof *v);
    for (size_t i = 0; i < m; i++) {
        json_object *k = json_object_array_get_idx(a, i);
        if (!json_object_is_type(k, json_type_string)) { free(v); return api_member_wrong(x, "propertyKeys", "an array of strings"); }
        v[i] = json_object_get_string(k);
        if (strncmp(v[i], MV_OWN_PREFIX, strlen(MV_OWN_PREFIX)) == 0) {
            free(v);
            return api_failf(x, MERR_INVALID, "property \"%.64s\": keys that start with \"" MV_OWN_PREFIX "\" are reserved: invalid parameter", json_object_get_string(k));
        }
    }
    *keys = v;
    *n = m;
    return 0;
}

/* What collections/create keeps as properties: `properties`, params.ttlSeconds (as
 * collection.ttl.seconds) and params.shardsNum (1..16, shown as shardsNum). *set new or NULL. */
static int create_props(api_ctx *x, json_object **set)
{
    if (read_props(x, "properties", 0, set)) return -1;
    json_object *params = NULL, *v;
    json_object_object_get_ex(x->body, "params", &params);
    if (!json_object_is_type(params, json_type_object)) return 0;
    if (json_object_object_get_ex(params, "ttlSeconds", &v) && v) {
        if (!*set) *set = json_object_new_object();
        if (add_prop(x, *set, MV_TTL_KEY, v)) return -1;
    }
    if (json_object_object_get_ex(params, "shardsNum", &v) && v) {
        int64_t n;
        if (av_json_get_int64(v, 1, &n) || n < 1 || n > 16)
            return api_failf(x, MERR_INVALID, "params.shardsNum must be an integer from 1 to 16 (maximum shards's number should be limited to 16): invalid parameter");
        char b[8];
        snprintf(b, sizeof b, "%d", (int)n);
        if (!*set) *set = json_object_new_object();
        json_object_object_add(*set, MV_SHARDS_KEY, json_object_new_string(b));
    }
    return 0;
}

/* Properties as Milvus describes them: [{"key","value"}] sorted by key, without annovec's own keys. */
static json_object *props_json(json_object *props)
{
    json_object *a = json_object_new_array();
    const char *keys[AV_PROPS_MAX];
    size_t n = 0;
    json_object_object_foreach(props, k, v) {
        (void)v;
        if (n < AV_PROPS_MAX && strncmp(k, MV_OWN_PREFIX, strlen(MV_OWN_PREFIX)) != 0) keys[n++] = k;
    }
    qsort(keys, n, sizeof *keys, av_strptr_cmp);
    for (size_t i = 0; i < n; i++) {
        json_object *pv;
        json_object_object_get_ex(props, keys[i], &pv);
        json_object_array_add(a, kv(keys[i], json_object_get_string(pv)));
    }
    return a;
}

static json_object *describe_json(av_store *st, const char *project, const char *db, av_collection *c)
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
    char **aliases;
    size_t na;
    if (av_alias_list(st, project, db, s->name, &aliases, &na, NULL) == AV_OK) json_object_object_add(d, "aliases", names_json(aliases, na));
    else json_object_object_add(d, "aliases", json_object_new_array());
    json_object *idx = json_object_new_object();
    json_object_object_add(idx, "fieldName", json_object_new_string(av_schema_vector(s)->name));
    json_object_object_add(idx, "indexName", json_object_new_string(s->index_name));
    json_object_object_add(idx, "metricType", json_object_new_string(av_metric_name(s->metric)));
    av_index_state is;   /* what searches use: the index type that runs and how far its build is */
    av_collection_index_state(c, &is);
    json_object_object_add(idx, "indexType", json_object_new_string(is.type));
    json_object_object_add(idx, "indexState", json_object_new_string(is.pending || is.maintaining ? "InProgress" : "Finished"));
    json_object *indexes = json_object_new_array();
    json_object_array_add(indexes, idx);
    json_object_object_add(d, "indexes", indexes);
    json_object_object_add(d, "load", json_object_new_string(av_collection_loaded(c) ? "LoadStateLoaded" : "LoadStateNotLoad"));
    char shards[16];
    json_object_object_add(d, "shardsNum", json_object_new_int(av_collection_property(c, MV_SHARDS_KEY, shards, sizeof shards) ? atoi(shards) : 1));
    json_object_object_add(d, "partitionsNum", json_object_new_int(1));
    json_object_object_add(d, "consistencyLevel", json_object_new_string("Strong"));
    json_object_object_add(d, "enableDynamicField", json_object_new_boolean(s->dynamic));
    json_object *props = NULL;
    av_collection_properties(c, &props);
    json_object_object_add(d, "properties", props_json(props));
    json_object_put(props);
    json_object_object_add(d, "createdTime", json_object_new_int64(s->created_ms));
    return d;
}

static void collections_describe(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    if (api_begin(req, res, &v2_api, &x) == 0 && api_open(&x) == 0) v2_ok(res, describe_json(req->store, x.project, x.db, x.c));
    api_end(&x);
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

/* A boolean member into *out (def when absent or null). Milvus binds these to Go bools, so any other
 * JSON type is a malformed request (AV_ETYPE about the member: 1801); in `params`, a map of any values
 * in Milvus, the strings "true" and "false" are taken too. */
static int bool_member(json_object *o, const char *key, const char *where, int def, int *out, av_err *e)
{
    json_object *v;
    *out = def;
    if (!o || !json_object_object_get_ex(o, key, &v) || !v) return AV_OK;
    if (json_object_is_type(v, json_type_boolean)) { *out = json_object_get_boolean(v); return AV_OK; }
    const char *sv = json_object_is_type(v, json_type_string) && strcmp(where, "params.") == 0 ? json_object_get_string(v) : "";
    if (strcmp(sv, "true") == 0 || strcmp(sv, "false") == 0) { *out = sv[0] == 't'; return AV_OK; }
    return av_fail_on(e, AV_ETYPE, API_ENT_MEMBER, AV_R_NONE, key, NULL, "%s%s must be a boolean (true or false)", where, key);
}

static const char *str_member(json_object *o, const char *key, const char *def)
{
    const char *s;
    return o && api_get_str(o, key, &s) == API_OK && *s ? s : def;
}

/* Quick form: collectionName, dimension, metricType, idType, autoID, primaryFieldName, vectorFieldName. */
static int schema_quick(api_ctx *x, av_schema *s, av_err *e)
{
    json_object *params = NULL;
    json_object_object_get_ex(x->body, "params", &params);
    int dim = 0;
    if (loose_int(x->body, "dimension", &dim) != API_OK)
        return av_fail(e, AV_EINVAL, "dimension must be an integer from 1 to %d", AV_DIM_MAX);
    const char *id_type = str_member(x->body, "idType", "Int64");
    av_type pkt;
    if (av_type_from_name(id_type, &pkt) || (pkt != AV_T_INT64 && pkt != AV_T_VARCHAR))
        return av_fail(e, AV_EINVAL, "idType \"%s\" is not supported; use Int64 or VarChar", id_type);
    av_field *pk = av_schema_add_field(s, str_member(x->body, "primaryFieldName", "id"), pkt);
    pk->primary = 1;
    int rc = bool_member(x->body, "autoID", "", 0, &pk->auto_id, e);
    if (rc) return rc;
    if (pkt == AV_T_VARCHAR && loose_int(params, "max_length", &pk->max_length) != API_OK)
        return av_fail(e, AV_EINVAL, "a VarChar idType needs params.max_length (1..%d)", AV_VARCHAR_MAX);
    av_field *vf = av_schema_add_field(s, str_member(x->body, "vectorFieldName", "vector"), AV_T_FLOAT_VECTOR);
    vf->dim = dim;
    int top;
    if ((rc = bool_member(x->body, "enableDynamicField", "", 1, &top, e)) ||
        (rc = bool_member(params, "enableDynamicField", "params.", top, &s->dynamic, e)))
        return rc;
    const char *metric = str_member(x->body, "metricType", "L2");
    if (av_metric_from_name(metric, &s->metric))
        return av_fail(e, AV_EINVAL, "metricType \"%s\" is not supported; use L2, IP or COSINE", metric);
    snprintf(s->index_name, sizeof s->index_name, "%s", vf->name);
    snprintf(s->index_type, sizeof s->index_type, "AUTOINDEX");   /* as Milvus's quick setup */
    return AV_OK;
}

/* Milvus's dataType names are case sensitive (schemapb.DataType_value). Returns 0 when dt is not a
 * Milvus name; 1 with *t the type, or AV_T_NONE for a Milvus type annovec does not have. */
static int milvus_type(const char *dt, av_type *t)
{
    static const char *const other[] = { "None", "String", "Text", "Geometry", "BinaryVector", "Float16Vector",
                                         "BFloat16Vector", "SparseFloatVector", "Int8Vector", "Struct", "ArrayOfVector" };
    if (av_type_from_name(dt, t) == AV_OK && strcmp(av_type_name(*t), dt) == 0) return 1;
    *t = AV_T_NONE;
    for (size_t i = 0; i < sizeof other / sizeof *other; i++)
        if (strcmp(other[i], dt) == 0) return 1;
    return 0;
}

static int field_from_json(json_object *fo, av_schema *s, int auto_id, av_err *e)
{
    const char *name = str_member(fo, "fieldName", NULL);
    const char *dt = str_member(fo, "dataType", NULL);
    if (!name || !dt) return av_fail(e, AV_EINVAL, "every schema field needs fieldName and dataType");
    av_type t;
    if (!milvus_type(dt, &t)) return av_fail(e, AV_EINVAL, "invalid parameter, data type %s is invalid(case sensitive).", dt);
    if (t == AV_T_NONE) return av_fail(e, AV_EINVAL, "field \"%s\": dataType \"%s\" is not supported; use Bool, Int8, Int16, Int32, Int64, Float, Double, VarChar, JSON, Array or FloatVector", name, dt);
    av_field *f = av_schema_add_field(s, name, t);
    int rc, part_key;
    if ((rc = bool_member(fo, "isPrimary", "schema.fields[].", 0, &f->primary, e)) ||
        (rc = bool_member(fo, "nullable", "schema.fields[].", 0, &f->nullable, e)) ||
        (rc = bool_member(fo, "isPartitionKey", "schema.fields[].", 0, &part_key, e)) ||
        (rc = bool_member(fo, "isClusteringKey", "schema.fields[].", 0, &(int){ 0 }, e)))
        return rc;
    f->auto_id = f->primary && auto_id;
    if (part_key && f->nullable) return av_fail(e, AV_EINVAL, "partition key field not support nullable, field: %s", name);
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
    if (json_object_object_get_ex(fo, "defaultValue", &dv) && dv) {
        if (f->primary) return av_fail(e, AV_EINVAL, "primary field not support default_value, field: %s", name);
        if (t == AV_T_JSON || t == AV_T_ARRAY || t == AV_T_FLOAT_VECTOR)
            return av_fail(e, AV_EINVAL, "convert defaultValue fail, err: default value unsupported data type %s, field: %s", dt, name);
        json_object_deep_copy(dv, &f->default_value, NULL);
    }
    return AV_OK;
}

static int schema_custom(api_ctx *x, json_object *sj, av_schema *s, av_err *e)
{
    if (!json_object_is_type(sj, json_type_object)) return av_fail(e, AV_EINVAL, "schema must be an object");
    json_object *fields;
    if (!json_object_object_get_ex(sj, "fields", &fields) || !json_object_is_type(fields, json_type_array))
        return av_fail(e, AV_EINVAL, "schema.fields must be an array of fields");
    if (json_object_array_length(fields) > AV_FIELDS_MAX)
        return av_fail(e, AV_ELIMIT, "schema has %zu fields; the limit is %d", json_object_array_length(fields), AV_FIELDS_MAX);
    int auto_id, rc;
    if ((rc = bool_member(sj, "autoId", "schema.", 0, &auto_id, e)) || (rc = bool_member(sj, "autoID", "schema.", auto_id, &auto_id, e)) ||
        (rc = bool_member(sj, "enableDynamicField", "schema.", 1, &s->dynamic, e)))
        return rc;
    for (size_t i = 0; i < json_object_array_length(fields); i++) {
        json_object *fo = json_object_array_get_idx(fields, i);
        if (!json_object_is_type(fo, json_type_object)) return av_fail(e, AV_EINVAL, "schema.fields[%zu] is not an object", i);
        rc = field_from_json(fo, s, auto_id, e);
        if (rc) return rc;
    }
    const av_field *vf = av_schema_vector(s);
    json_object *ip = NULL;
    json_object_object_get_ex(x->body, "indexParams", &ip);
    snprintf(s->index_name, sizeof s->index_name, "%s", vf ? vf->name : "");
    for (size_t i = 0; ip && json_object_is_type(ip, json_type_array) && i < json_object_array_length(ip); i++) {
        json_object *io = json_object_array_get_idx(ip, i);
        const char *metric = str_member(io, "metricType", "L2");
        if (av_metric_from_name(metric, &s->metric))
            return av_fail(e, AV_EINVAL, "metricType \"%s\" is not supported; use L2, IP or COSINE", metric);
        snprintf(s->index_name, sizeof s->index_name, "%s", str_member(io, "indexName", vf ? vf->name : ""));
        snprintf(s->index_type, sizeof s->index_type, "%s", str_member(io, "indexType", "AUTOINDEX"));   /* Milvus's default */
    }
    const char *metric = str_member(x->body, "metricType", NULL);
    if (metric && av_metric_from_name(metric, &s->metric))
        return av_fail(e, AV_EINVAL, "metricType \"%s\" is not supported; use L2, IP or COSINE", metric);
    return AV_OK;
}

/* Answers an engine error of collection creation; {arg} is the schema's number of primary keys. */
static void create_failed(api_ctx *x, const av_schema *s, const av_err *e)
{
    char npk[16];
    int n = 0;
    for (int i = 0; i < s->nfields; i++) n += s->fields[i].primary != 0;
    snprintf(npk, sizeof npk, "%d", n);
    api_fail_ex(x, V2_CREATE, e, NULL, npk);
}

/* Creating a collection that exists, as Milvus: the same schema succeeds (idempotent), another one
 * is refused. Returns AV_OK (answer success), or 1 with the refusal answered. */
static int create_again(api_ctx *x, const av_schema *s)
{
    av_collection *c = NULL;
    int same = 0;
    if (av_collection_open(x->req->store, x->project, x->db, s->name, &c, NULL) == AV_OK) {
        same = av_schema_equal(av_collection_schema(c), s);
        av_collection_release(c);
    }
    if (same) return AV_OK;
    api_failf(x, MERR_UNEXPECTED, "create duplicate collection with different parameters, collection: %s", s->name);
    return 1;
}

static void collections_create(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    const char *name;
    json_object *sj = NULL, *props = NULL;
    av_schema s;
    av_err e;
    av_schema_init(&s);
    av_err_clear(&e);
    if (api_begin(req, res, &v2_api, &x) || api_need_name(&x, &name) || api_need_db(&x, NULL)) goto out;
    snprintf(s.name, sizeof s.name, "%.*s", AV_NAME_MAX, name);
    snprintf(s.description, sizeof s.description, "%s", str_member(x.body, "description", ""));
    int rc = av_name_check(name, "collection name", &e);
    if (rc == AV_OK) {
        json_object_object_get_ex(x.body, "schema", &sj);
        if (sj) rc = schema_custom(&x, sj, &s, &e);
        else if (!json_object_object_get_ex(x.body, "dimension", NULL)) {
            api_failf(&x, MERR_MISSING, "missing required parameters, required parameters: [dimension] (or send a schema)");
            goto out;
        } else rc = schema_quick(&x, &s, &e);
    }
    if (rc == AV_OK && create_props(&x, &props)) goto out;
    if (rc == AV_OK) rc = av_collection_create(req->store, x.project, x.db, &s, &e);
    if (rc == AV_OK && props) rc = av_collection_alter_properties(req->store, x.project, x.db, s.name, props, NULL, 0, &e);
    else if (rc == AV_EEXIST && e.entity == AV_ENT_COLLECTION) rc = create_again(&x, &s);
    if (rc < 0) create_failed(&x, &s, &e);
    else if (rc == AV_OK) v2_ok(res, NULL);
out:
    json_object_put(props);
    av_schema_free(&s);
    api_end(&x);
}

/* The aliases of collection `name` as Go prints a []string's items: "a b" (cut at n bytes). */
static void aliases_text(api_ctx *x, const char *name, char *out, size_t n)
{
    char **v;
    size_t m, at = 0;
    out[0] = 0;
    if (av_alias_list(x->req->store, x->project, x->db, name, &v, &m, NULL)) return;
    for (size_t i = 0; i < m; i++) {
        if (at + 1 < n) at += (size_t)snprintf(out + at, n - at, "%s%s", i ? " " : "", v[i]);
        if (at >= n) at = n - 1;
        free(v[i]);
    }
    free(v);
}

static void collections_drop(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    const char *name;
    av_err e;
    if (api_begin(req, res, &v2_api, &x) == 0 && api_need_name(&x, &name) == 0 && api_need_db(&x, NULL) == 0) {
        /* dropping a collection that does not exist succeeds, as Milvus (idempotent) */
        if (av_collection_drop(req->store, x.project, x.db, name, &e) && !(e.code == AV_ENOTFOUND && e.entity == AV_ENT_COLLECTION)) {
            char list[512] = "";
            if (e.code == AV_EINVAL && e.entity == AV_ENT_COLLECTION) aliases_text(&x, name, list, sizeof list);
            api_fail_ex(&x, V2_DROP, &e, name, list);
        } else v2_ok(res, NULL);
    }
    api_end(&x);
}

static void collections_rename(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    const char *to, *to_db = NULL;
    av_err e;
    if (api_begin(req, res, &v2_api, &x) == 0 && api_open(&x) == 0 && api_need_str(&x, "newCollectionName", &to) == 0) {
        if (api_get_str(x.body, "newDbName", &to_db) != API_OK || !*to_db) to_db = x.db;
        if (strcmp(x.name, av_collection_schema(x.c)->name) != 0)   /* opened through an alias: Milvus refuses */
            api_failf(&x, MERR_UNEXPECTED, "unsupported use an alias to rename collection, alias:%s", x.name);
        else if (av_collection_rename(req->store, x.project, x.db, x.name, to_db, to, &e))
            api_fail_ex(&x, V2_RENAME, &e, e.entity == AV_ENT_DATABASE ? to_db : NULL, NULL);
        else v2_ok(res, NULL);
    }
    api_end(&x);
}

static void collections_get_stats(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    if (api_begin(req, res, &v2_api, &x) == 0 && api_open(&x) == 0) {
        json_object *d = json_object_new_object();
        json_object_object_add(d, "rowCount", json_object_new_int64(av_collection_count(x.c)));
        v2_ok(res, d);
    }
    api_end(&x);
}

static void set_loaded(av_http_req *req, av_http_res *res, int loaded)
{
    api_ctx x;
    av_err e;
    if (api_begin(req, res, &v2_api, &x) == 0 && api_open(&x) == 0) {
        if (av_collection_set_loaded(x.c, loaded, &e)) api_fail(&x, 0, &e);
        else v2_ok(res, NULL);
    }
    api_end(&x);
}

static void collections_load(av_http_req *req, av_http_res *res) { set_loaded(req, res, 1); }
static void collections_release(av_http_req *req, av_http_res *res) { set_loaded(req, res, 0); }
static void collections_refresh_load(av_http_req *req, av_http_res *res) { set_loaded(req, res, 1); }

static void collections_load_state(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    const char *name;
    if (api_begin(req, res, &v2_api, &x) == 0 && api_need_name(&x, &name) == 0 && api_need_db(&x, NULL) == 0 &&
        api_open_named(&x, name) == 0) {
        json_object *d = json_object_new_object();
        int l = av_collection_loaded(x.c);
        json_object_object_add(d, "loadState", json_object_new_string(l ? "LoadStateLoaded" : "LoadStateNotLoad"));
        if (l) json_object_object_add(d, "loadProgress", json_object_new_int(100));
        v2_ok(res, d);
    }
    api_end(&x);
}

static void collections_compact(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    av_err e;
    if (api_begin(req, res, &v2_api, &x) == 0 && api_open(&x) == 0) {
        if (av_store_purge(req->store, &e)) api_fail(&x, 0, &e);
        else {
            json_object *d = json_object_new_object();
            json_object_object_add(d, "compactionID", json_object_new_int64(av_now_ms()));
            v2_ok(res, d);
        }
    }
    api_end(&x);
}

/* Every acknowledged write is already durable: flush only checks the collection exists. */
static void collections_flush(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    if (api_begin(req, res, &v2_api, &x) == 0 && api_open(&x) == 0) v2_ok(res, NULL);
    api_end(&x);
}

/* ---- databases ------------------------------------------------------------------------------- */

static void databases_list(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    char **names;
    size_t n;
    av_err e;
    if (api_begin(req, res, &v2_api, &x) == 0) {
        if (av_db_list(req->store, x.project, &names, &n, &e)) api_fail(&x, 0, &e);
        else v2_ok(res, names_json(names, n));
    }
    api_end(&x);
}

static void db_change(av_http_req *req, av_http_res *res, int create)
{
    api_ctx x;
    const char *name;
    av_err e;
    json_object *set = NULL;
    if (api_begin(req, res, &v2_api, &x) == 0 && api_need_str(&x, "dbName", &name) == 0 && (!create || read_props(&x, "properties", 0, &set) == 0)) {
        int rc = create ? av_db_create(req->store, x.project, name, &e) : av_db_drop(req->store, x.project, name, &e);
        if (rc == AV_OK && set) rc = av_db_alter_properties(req->store, x.project, name, set, NULL, 0, &e);
        if (rc == AV_ENODB && !create) rc = AV_OK;   /* dropping a missing database succeeds, as Milvus */
        if (rc) api_fail_ex(&x, create ? V2_DB_CREATE : V2_DB_DROP, &e, name, NULL);
        else v2_ok(res, NULL);
    }
    json_object_put(set);
    api_end(&x);
}

static void databases_create(av_http_req *req, av_http_res *res) { db_change(req, res, 1); }
static void databases_drop(av_http_req *req, av_http_res *res) { db_change(req, res, 0); }

static void databases_describe(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    const char *name;
    json_object *props = NULL;
    int64_t id;
    av_err e;
    if (api_begin(req, res, &v2_api, &x) == 0 && api_need_str(&x, "dbName", &name) == 0) {
        if (av_db_properties(req->store, x.project, name, &id, &props, &e)) api_fail_ex(&x, 0, &e, name, NULL);
        else {
            json_object *d = json_object_new_object();
            json_object_object_add(d, "dbName", json_object_new_string(name));
            json_object_object_add(d, "dbID", json_object_new_int64(id));
            json_object_object_add(d, "properties", props_json(props));
            v2_ok(res, d);
        }
    }
    json_object_put(props);
    api_end(&x);
}

/* ---- properties ------------------------------------------------------------------------------ */

static void collections_alter_properties(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    const char *name;
    json_object *set = NULL;
    av_err e;
    if (api_begin(req, res, &v2_api, &x) == 0 && api_need_name(&x, &name) == 0 && api_need_db(&x, NULL) == 0 &&
        read_props(&x, "properties", 1, &set) == 0) {
        if (av_collection_alter_properties(req->store, x.project, x.db, name, set, NULL, 0, &e)) api_fail_ex(&x, 0, &e, NULL, NULL);
        else v2_ok(res, NULL);
    }
    json_object_put(set);
    api_end(&x);
}

static void collections_drop_properties(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    const char *name, **keys = NULL;
    size_t n;
    av_err e;
    if (api_begin(req, res, &v2_api, &x) == 0 && api_need_name(&x, &name) == 0 && api_need_db(&x, NULL) == 0 && read_keys(&x, &keys, &n) == 0) {
        if (av_collection_alter_properties(req->store, x.project, x.db, name, NULL, keys, n, &e)) api_fail_ex(&x, 0, &e, NULL, NULL);
        else v2_ok(res, NULL);
    }
    free(keys);
    api_end(&x);
}

/* Compactions finish within the call (collections/compact): every job is Completed. Milvus reads
 * `jobID`; @zilliz/milvus2-sdk-node 3.x sends `compactionID`: either names the job. */
static void collections_compaction_state(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    int64_t id;
    if (api_begin(req, res, &v2_api, &x) == 0) {
        const char *key = json_object_object_get_ex(x.body, "jobID", NULL) ? "jobID" : "compactionID";
        int k = api_get_int(x.body, key, &id);
        if (k == API_WRONG_TYPE) api_member_wrong(&x, key, "an integer");
        else if (k == API_ABSENT) api_member_missing(&x, "jobID");
        else {
            json_object *d = json_object_new_object();
            json_object_object_add(d, "compactionID", json_object_new_int64(id));
            json_object_object_add(d, "state", json_object_new_string("Completed"));
            json_object_object_add(d, "executingPlanNumber", json_object_new_int(0));
            json_object_object_add(d, "timeoutPlanNumber", json_object_new_int(0));
            json_object_object_add(d, "completedPlanNumber", json_object_new_int(0));
            v2_ok(res, d);
        }
    }
    api_end(&x);
}

static void databases_alter(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    const char *name;
    json_object *set = NULL;
    av_err e;
    if (api_begin(req, res, &v2_api, &x) == 0 && api_need_str(&x, "dbName", &name) == 0 && read_props(&x, "properties", 1, &set) == 0) {
        if (av_db_alter_properties(req->store, x.project, name, set, NULL, 0, &e)) api_fail_ex(&x, 0, &e, name, NULL);
        else v2_ok(res, NULL);
    }
    json_object_put(set);
    api_end(&x);
}

static void databases_drop_properties(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    const char *name, **keys = NULL;
    size_t n;
    av_err e;
    if (api_begin(req, res, &v2_api, &x) == 0 && api_need_str(&x, "dbName", &name) == 0 && read_keys(&x, &keys, &n) == 0) {
        if (av_db_alter_properties(req->store, x.project, name, NULL, keys, n, &e)) api_fail_ex(&x, 0, &e, name, NULL);
        else v2_ok(res, NULL);
    }
    free(keys);
    api_end(&x);
}

/* ---- aliases --------------------------------------------------------------------------------- */

/* Answers an alias error; {arg} is the collection an existing alias names (alias exists). */
static void alias_failed(api_ctx *x, const char *alias, const av_err *e)
{
    char *other = NULL;
    if (e->code == AV_EEXIST && e->entity == AV_ENT_ALIAS && e->reason == AV_R_NONE)
        av_alias_describe(x->req->store, x->project, x->db, alias, &other, NULL);
    api_fail_ex(x, V2_ALIAS, e, e->entity == AV_ENT_ALIAS ? alias : NULL, other ? other : "");
    free(other);
}

static void alias_change(av_http_req *req, av_http_res *res, int alter)
{
    api_ctx x;
    const char *coll, *alias;
    av_err e;
    if (api_begin(req, res, &v2_api, &x) == 0 && api_need_str(&x, "collectionName", &coll) == 0 &&
        api_need_str(&x, "aliasName", &alias) == 0 && api_need_db(&x, NULL) == 0) {
        int rc = alter ? av_alias_alter(req->store, x.project, x.db, alias, coll, &e) : av_alias_create(req->store, x.project, x.db, alias, coll, &e);
        if (rc) alias_failed(&x, alias, &e);
        else v2_ok(res, NULL);
    }
    api_end(&x);
}

static void aliases_create(av_http_req *req, av_http_res *res) { alias_change(req, res, 0); }
static void aliases_alter(av_http_req *req, av_http_res *res) { alias_change(req, res, 1); }

static void aliases_drop(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    const char *alias;
    av_err e;
    if (api_begin(req, res, &v2_api, &x) == 0 && api_need_str(&x, "aliasName", &alias) == 0 && api_need_db(&x, NULL) == 0) {
        /* dropping an alias that does not exist succeeds, as Milvus */
        if (av_alias_drop(req->store, x.project, x.db, alias, &e) && !(e.code == AV_ENOTFOUND && e.entity == AV_ENT_ALIAS)) alias_failed(&x, alias, &e);
        else v2_ok(res, NULL);
    }
    api_end(&x);
}

static void aliases_list(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    char **names;
    size_t n;
    av_err e;
    if (api_begin(req, res, &v2_api, &x) == 0 && api_need_db(&x, NULL) == 0) {
        if (av_alias_list(req->store, x.project, x.db, NULL, &names, &n, &e)) api_fail(&x, V2_ALIAS, &e);
        else v2_ok(res, names_json(names, n));
    }
    api_end(&x);
}

static void aliases_describe(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    const char *alias;
    char *coll = NULL;
    av_err e;
    if (api_begin(req, res, &v2_api, &x) == 0 && api_need_str(&x, "aliasName", &alias) == 0 && api_need_db(&x, NULL) == 0) {
        if (av_alias_describe(req->store, x.project, x.db, alias, &coll, &e)) alias_failed(&x, alias, &e);
        else {
            json_object *d = json_object_new_object();
            json_object_object_add(d, "dbName", json_object_new_string(x.db));
            json_object_object_add(d, "collectionName", json_object_new_string(coll));
            json_object_object_add(d, "aliasName", json_object_new_string(alias));
            v2_ok(res, d);
        }
    }
    free(coll);
    api_end(&x);
}

/* ---- entities -------------------------------------------------------------------------------- */

static void write_rows(av_http_req *req, av_http_res *res, int upsert)
{
    api_ctx x;
    json_object *data;
    api_rows rows = { 0 };
    av_err e;
    if (api_begin(req, res, &v2_api, &x) || api_open(&x) || api_opt_member(&x, "data", json_type_array, &data)) goto out;
    if (!data) { api_member_missing(&x, "data"); goto out; }
    int assign = av_schema_pk(av_collection_schema(x.c))->auto_id && !upsert;
    if (api_rows_parse(x.c, data, assign ? API_ASSIGN_PK : 0, AV_BATCH_MAX, &rows, &e)) { api_fail(&x, V2_ROWS, &e); goto out; }
    av_pk *pks = xcalloc(rows.n, sizeof(av_pk));
    if (av_insert_ex(x.c, rows.rows, rows.n, upsert, mv_expire_ms(x.c), pks, &e)) api_fail(&x, V2_INSERT, &e);
    else v2_ok(res, mv_written_json(pks, rows.n, upsert, x.i64s));
    free(pks);
out:
    api_rows_free(&rows);
    api_end(&x);
}

static void entities_insert(av_http_req *req, av_http_res *res) { write_rows(req, res, 0); }
static void entities_upsert(av_http_req *req, av_http_res *res) { write_rows(req, res, 1); }

static void entities_delete(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    const char *filter;
    av_filter *f = NULL;
    av_err e;
    int64_t n = 0;
    int dry = 0;
    if (api_begin(req, res, &v2_api, &x) == 0 && api_open(&x) == 0 && api_need_str(&x, "filter", &filter) == 0 &&
        mv_dry_run(&x, &dry) == 0) {
        if (av_filter_compile_milvus(x.c, filter, &f, &e) ||
            (dry ? av_delete_filter_dry(x.c, f, &n, &e) : av_delete_filter(x.c, f, &n, &e))) api_fail(&x, 0, &e);
        else v2_ok(res, mv_deleted_json(n, dry));
    }
    av_filter_free(f);
    api_end(&x);
}

/* Rows answered, or the answer budget's limit error when they are too many bytes. */
static void v2_rows(api_ctx *x, json_object *rows)
{
    av_err e;
    if (api_budget_check(&e)) { json_object_put(rows); api_fail(x, 0, &e); }
    else v2_ok(x->res, rows);
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

static int read_fields(api_ctx *x, int default_all, api_fields *sel)
{
    json_object *of;
    av_err e;
    if (api_opt_member(x, "outputFields", json_type_array, &of)) return -1;
    if (api_fields_parse(x->c, of, default_all, sel, &e)) { api_fail(x, 0, &e); return -1; }
    return 0;
}

static void get_ids(api_ctx *x, json_object *ids, api_fields *sel)
{
    av_pk *pks = NULL;
    size_t n = 0;
    av_err e;
    rows_ctx r = { x->c, sel, av_schema_pk(av_collection_schema(x->c))->name, x->i64s, json_object_new_array() };
    if (json_object_is_type(ids, json_type_array) && json_object_array_length(ids) > AV_BATCH_MAX)
        api_failf(x, MERR_INVALID, "%zu ids in one request; the limit is %d: invalid parameter", json_object_array_length(ids), AV_BATCH_MAX);
    else if (api_ids_parse(x->c, ids, &pks, &n, &e)) api_fail(x, V2_IDS, &e);
    else if (av_get(x->c, pks, n, collect_row, &r, &e)) api_fail(x, 0, &e);
    else { v2_rows(x, r.out); r.out = NULL; }
    if (r.out) json_object_put(r.out);
    free(pks);
}

static void entities_get(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    json_object *ids;
    api_fields sel = { 0 };
    if (api_begin(req, res, &v2_api, &x) == 0 && api_open(&x) == 0) {
        if (!json_object_object_get_ex(x.body, "id", &ids) || !ids) api_member_missing(&x, "id");
        else if (read_fields(&x, 1, &sel) == 0) get_ids(&x, ids, &sel);
    }
    api_fields_free(&sel);
    api_end(&x);
}

/* A filter that is absent or only white space means every row (query and search), as Milvus. */
static int blank(const char *filter)
{
    if (!filter) return 1;
    while (*filter == ' ' || *filter == '\t' || *filter == '\r' || *filter == '\n') filter++;
    return !*filter;
}

static json_object *count_json(int64_t n)
{
    json_object *row = json_object_new_object(), *a = json_object_new_array();
    json_object_object_add(row, "count(*)", json_object_new_int64(n));
    json_object_array_add(a, row);
    return a;
}

static void query_rows(api_ctx *x, const char *filter, api_fields *sel, int64_t limit, int64_t offset)
{
    av_filter *f = NULL;
    av_err e;
    int64_t n = 0;
    if (!sel->count && !api_window_ok(limit, offset, 1, AV_TOPK_MAX)) {
        api_failf(x, MERR_INVALID, "limit %" PRId64 " and offset %" PRId64 ": limit must be 1..%d, offset >= 0, and limit + offset <= %d: invalid parameter",
                  limit, offset, AV_TOPK_MAX, AV_TOPK_MAX);
    } else if (!blank(filter) && av_filter_compile_milvus(x->c, filter, &f, &e)) {
        api_fail(x, 0, &e);
    } else if (sel->count) {
        if (av_count(x->c, f, &n, &e)) api_fail(x, 0, &e);
        else v2_ok(x->res, count_json(n));
    } else {
        rows_ctx r = { x->c, sel, av_schema_pk(av_collection_schema(x->c))->name, x->i64s, json_object_new_array() };
        if (av_query(x->c, f, offset, limit, collect_row, &r, &e)) { json_object_put(r.out); api_fail(x, 0, &e); }
        else v2_rows(x, r.out);
    }
    av_filter_free(f);
}

static void entities_query(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    const char *filter = NULL;
    int64_t limit, offset;
    api_fields sel = { 0 };
    if (api_begin(req, res, &v2_api, &x) == 0 && api_open(&x) == 0 && read_fields(&x, 1, &sel) == 0 &&
        api_opt_int(&x, "limit", sel.count ? -1 : 100, &limit) == 0 && api_opt_int(&x, "offset", 0, &offset) == 0) {
        if (api_get_str(x.body, "filter", &filter) == API_WRONG_TYPE) api_member_wrong(&x, "filter", "a string");
        else query_rows(&x, filter, &sel, limit, offset);
    }
    api_fields_free(&sel);
    api_end(&x);
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
    json_object_object_add(o, "distance", api_score_json(distance));
    json_object_array_add(x->rows.out, o);
    x->topks[query]++;
    return 0;
}

/* searchParams: {metricType, params: {radius, range_filter, ef}} (radius may also sit in searchParams);
 * params goes to the index as its per-search parameters (HNSW's ef). */
static int read_range(api_ctx *x, av_search_params *p, av_err *e)
{
    json_object *sp = NULL, *params = NULL;
    if (api_opt_member(x, "searchParams", json_type_object, &sp)) return -1;
    const av_schema *s = av_collection_schema(x->c);
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
    if (params && json_object_is_type(params, json_type_object)) p->index_params = params;   /* borrowed from the body */
    return 0;
}

/* Everything a search needs besides the collection: vectors, window, filter and range. Returns 0,
 * or -1 with the error answered. */
static int read_search(api_ctx *x, int64_t limit, int64_t offset, float **queries, av_filter **f, av_search_params *p)
{
    av_err err, *e = &err;
    json_object *data;
    const char *filter = NULL, *anns = NULL;
    if (!json_object_object_get_ex(x->body, "data", &data) || !data) return api_member_missing(x, "data");
    const av_schema *s = av_collection_schema(x->c);
    if (api_get_str(x->body, "annsField", &anns) == API_OK && *anns && strcmp(anns, av_schema_vector(s)->name) != 0)
        return api_failf(x, MERR_INVALID, "annsField \"%s\" is not the vector field of \"%s\" (it is \"%s\"): invalid parameter", anns, s->name, av_schema_vector(s)->name);
    int rc = api_vectors_parse(x->c, data, 1, queries, &p->nq, e);
    if (rc == AV_OK && !api_window_ok(limit, offset, 1, AV_TOPK_MAX))
        rc = av_fail(e, AV_ELIMIT, "limit %" PRId64 " and offset %" PRId64 ": limit must be 1..%d, offset >= 0, and limit + offset <= %d", limit, offset, AV_TOPK_MAX, AV_TOPK_MAX);
    if (rc == AV_OK) rc = api_hits_check(p->nq, limit, e);
    if (rc == AV_OK && api_get_str(x->body, "filter", &filter) == API_WRONG_TYPE) rc = av_fail(e, AV_EINVAL, "filter must be a string");
    if (rc == AV_OK && !blank(filter)) rc = av_filter_compile_milvus(x->c, filter, f, e);
    if (rc == AV_OK) {
        int k = read_range(x, p, e);
        if (k < 0) return -1;
        if (k > 0) rc = AV_EINVAL;
    }
    if (rc) { api_fail(x, 0, e); return -1; }
    p->queries = *queries;
    p->limit = (int)limit;
    p->offset = (int)offset;
    p->filter = *f;
    return 0;
}

static void search_reply(api_ctx *x, hits_ctx *h, int nq)
{
    av_err e;
    if (api_budget_check(&e)) { json_object_put(h->rows.out); api_fail(x, 0, &e); return; }
    json_object *o = json_object_new_object(), *topks = json_object_new_array();
    for (int q = 0; q < nq; q++) json_object_array_add(topks, json_object_new_int(h->topks[q]));
    json_object_object_add(o, "code", json_object_new_int(0));
    json_object_object_add(o, "cost", json_object_new_int(0));
    json_object_object_add(o, "data", h->rows.out);
    json_object_object_add(o, "topks", topks);
    av_http_json(x->res, 200, o);
}

static void entities_search(av_http_req *req, av_http_res *res)
{
    api_ctx x;
    int64_t limit, offset;
    api_fields sel = { 0 };
    float *queries = NULL;
    av_filter *f = NULL;
    av_err e;
    av_search_params p = { 0 };
    if (api_begin(req, res, &v2_api, &x) || api_open(&x) || read_fields(&x, 0, &sel) || api_opt_int(&x, "limit", 100, &limit) ||
        api_opt_int(&x, "offset", 0, &offset))
        goto out;
    if (read_search(&x, limit, offset, &queries, &f, &p)) goto out;
    hits_ctx h = { { x.c, &sel, av_schema_pk(av_collection_schema(x.c))->name, x.i64s, json_object_new_array() }, xcalloc((size_t)p.nq, sizeof(int)) };
    if (av_search(x.c, &p, collect_hit, &h, &e)) { json_object_put(h.rows.out); api_fail(&x, 0, &e); }
    else search_reply(&x, &h, p.nq);
    free(h.topks);
out:
    free(queries);
    av_filter_free(f);
    api_fields_free(&sel);
    api_end(&x);
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
        {"collections/refresh_load", collections_refresh_load}, {"collections/alter_properties", collections_alter_properties},
        {"collections/drop_properties", collections_drop_properties}, {"collections/get_compaction_state", collections_compaction_state},
        {"databases/alter", databases_alter}, {"databases/alter_properties", databases_alter},
        {"databases/drop_properties", databases_drop_properties},
        {"databases/list", databases_list}, {"databases/create", databases_create},
        {"databases/drop", databases_drop}, {"databases/describe", databases_describe},
        {"aliases/create", aliases_create}, {"aliases/alter", aliases_alter}, {"aliases/drop", aliases_drop},
        {"aliases/list", aliases_list}, {"aliases/describe", aliases_describe},
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
