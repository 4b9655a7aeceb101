/*
 * vikingdb_v1.c — the VikingDB V1 API (specs/vikingdb.md §3) on the engine's collections:
 * /api/collection/{create,info,list,drop,upsert_data,del_data,fetch_data},
 * /api/index/{create,info,list,drop,search,fetch_data}, /api/viking_db/data/ping.
 *
 * Every path takes GET (with a JSON body, or parameters in the query string) and POST.
 * Envelope: {"code":0,"message":"success","msg":"success","request_id":..,"data":..}; errors carry the
 * numeric V1 code with HTTP 400 (401 for signatures, 500 for storage). Auth (--auth): Volcengine
 * Signature V4 (service air or vikingdb) or Authorization: Bearer <api-key>.
 *
 * Deletes are visible to fetch and search the moment the call returns (VikingDB documents ~20 s, and
 * ~5 min for del_all); rows past their ttl vanish from every read at once. Not yet served here:
 * aliases, order_by_raw (it needs an embedding model). Engine errors get their code and text from
 * vk1_errors (api/dialect.h), never from their text.
 */
#include "api/app.h"
#include "api/vikingdb.h"
#include "lib/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define VK_SEARCH_VECTORS_MAX 10
#define VK_LIMIT_MAX 5000
#define VK_STRING_MAX 65535
#define VK_LIST_MAX 4096
#define AUTO_ID "__AUTO_ID__"

enum {
    VK_EXISTS = 1000004, VK_NO_COLLECTION = 1000005, VK_INDEX_EXISTS = 1000007, VK_NO_INDEX = 1000008,
    VK_BAD_VECTOR = 1000016, VK_BAD_PK = 1000017, VK_BAD_FILTER = 1000019,
};

enum { VK_NO_DATA = 1000011 };

/* Contexts of the error table (see api/dialect.h). */
enum {
    VK1_CREATE = API_CTX_DIALECT,           /* av_collection_create ({arg}: the name asked for) */
    VK1_ALTER = API_CTX_DIALECT << 1,       /* av_collection_alter */
    VK1_DROP = API_CTX_DIALECT << 2,        /* av_collection_drop ({arg}: the name) */
    VK1_INDEX_CREATE = API_CTX_DIALECT << 3,/* av_index_put creating ({arg}: the index name) */
    VK1_INDEX = API_CTX_DIALECT << 4,       /* finding a named index ({arg}: its name) */
    VK1_ROWS = API_CTX_DIALECT << 5,        /* api_rows_parse */
    VK1_UPSERT = API_CTX_DIALECT << 6,      /* av_insert_ex */
    VK1_UPDATE = API_CTX_DIALECT << 7,      /* av_update */
    VK1_PKS = API_CTX_DIALECT << 8,         /* api_ids_parse of primary_keys */
    VK1_DELETE = API_CTX_DIALECT << 9,      /* av_delete_pks */
    VK1_INTERNAL = API_CTX_DIALECT << 10,   /* reads and writes whose failure is the server's */
    VK1_VECTORS = API_CTX_DIALECT << 11,    /* api_vectors_parse_ex */
    VK1_AGG = API_CTX_DIALECT << 12,        /* vk_agg_count */
    VK1_FILTER = API_CTX_DIALECT << 13,     /* av_filter_compile_viking */
    VK1_ORDER = API_CTX_DIALECT << 14,      /* vk_ranked_rows of order_by_scalar */
};

/* Wire code and text of every error the plumbing or the engine reports; first match wins. */
static const api_error_row vk1_errors[] = {
    { 0, API_ANY, API_ENT_BODY, API_ANY, VK_INVALID, "invalid request: {msg}" },
    { 0, API_ANY, API_ENT_MEMBER, API_ANY, VK_INVALID, "invalid request: {name} is required and must be a non-empty string" },
    { API_CTX_OPEN, API_ANY, API_ANY, API_ANY, VK_NO_COLLECTION, "collection not exist: {arg:256}" },
    { VK1_CREATE, AV_EEXIST, API_ANY, API_ANY, VK_EXISTS, "collection exist: {arg:256}" },
    { VK1_ALTER, AV_ENOTFOUND, API_ANY, API_ANY, VK_NO_COLLECTION, "invalid request: {msg}" },
    { VK1_DROP, AV_ENOTFOUND, API_ANY, API_ANY, VK_NO_COLLECTION, "collection not exist: {arg:256}" },
    { VK1_DROP, API_ANY, API_ANY, API_ANY, VK_NO_COLLECTION, "collection not exist: {msg}" },
    { VK1_INDEX_CREATE, AV_EEXIST, API_ANY, API_ANY, VK_INDEX_EXISTS, "index exist: {arg:256}" },
    { VK1_INDEX, API_ANY, API_ANY, API_ANY, VK_NO_INDEX, "index not exist: {arg:256}" },
    { VK1_ROWS | VK1_UPSERT, AV_EPK, API_ANY, API_ANY, VK_BAD_PK, "invalid request: {msg}" },
    { VK1_UPSERT, AV_EIO, API_ANY, API_ANY, VK_INTERNAL, "invalid request: {msg}" },
    { VK1_UPDATE, AV_ENOTFOUND, API_ANY, API_ANY, VK_NO_DATA, NULL },
    { VK1_UPDATE | VK1_DELETE, AV_EIO, API_ANY, API_ANY, VK_INTERNAL, NULL },
    { VK1_UPDATE, API_ANY, API_ANY, API_ANY, VK_INVALID, NULL },
    { VK1_DELETE, API_ANY, API_ANY, API_ANY, VK_BAD_PK, NULL },
    { VK1_PKS, API_ANY, API_ANY, API_ANY, VK_BAD_PK, "invalid primary key: {msg}" },
    { VK1_ORDER, AV_EFIELD, API_ANY, API_ANY, VK_INVALID, "invalid request: order_by_scalar needs field_name, an int64 or float32 field" },
    { VK1_ORDER, AV_ETYPE, API_ANY, API_ANY, VK_INVALID, "invalid request: order_by_scalar needs field_name, an int64 or float32 field" },
    { VK1_INTERNAL | VK1_ORDER, API_ANY, API_ANY, API_ANY, VK_INTERNAL, NULL },
    { VK1_VECTORS, API_ANY, API_ANY, API_ANY, VK_BAD_VECTOR, "invalid query vector: {msg}" },
    { VK1_AGG, AV_EFILTER, API_ANY, API_ANY, VK_BAD_FILTER, "invalid request: {msg}" },
    { VK1_FILTER, API_ANY, API_ANY, API_ANY, VK_BAD_FILTER, "invalid scalar filter: {msg}" },
    { 0, API_ANY, API_ANY, API_ANY, VK_INVALID, "invalid request: {msg}" },
};

/* A GET without a body has its parameters in the query string; these are comma-separated lists
 * (keys given as strings are read as Int64 keys). */
static const char *const query_lists[] = { "primary_keys", "output_fields", "scalar_index", NULL };

static const api_dialect vk1_api = {
    vk_v1_reply, vk1_errors, sizeof vk1_errors / sizeof *vk1_errors, NULL, 0,
    API_EMPTY_QUERY | API_REQUEST_ID, "collection_name", NULL, query_lists,
};

static const av_dialect dialect = { "vikingdb_v1", vk_v1_transport_error, vk_authenticate };

static void ok(api_ctx *r, json_object *data)
{
    av_err e;
    if (api_budget_check(&e)) { json_object_put(data); api_fail(r, 0, &e); return; }
    vk_v1_ok(r->res, r->rid, data);
}

/* ---- request plumbing ------------------------------------------------------------------------ */

static int need_collection(api_ctx *r)
{
    const char *name;
    if ((api_get_str(r->body, "collection_name", &name) != API_OK || !*name) &&
        api_get_str(r->body, "collection_alias", &name) == API_OK && *name)
        return api_failf(r, VK_INVALID, "invalid request: collection aliases are not supported; send collection_name");
    return api_open(r);
}

/* ---- types ----------------------------------------------------------------------------------- */

static const struct { const char *name; av_type t, elem; } vk_types[] = {
    {"int64", AV_T_INT64, AV_T_NONE}, {"float32", AV_T_FLOAT, AV_T_NONE}, {"string", AV_T_VARCHAR, AV_T_NONE},
    {"bool", AV_T_BOOL, AV_T_NONE}, {"list<string>", AV_T_ARRAY, AV_T_VARCHAR}, {"list<int64>", AV_T_ARRAY, AV_T_INT64},
    {"vector", AV_T_FLOAT_VECTOR, AV_T_NONE}, {"text", AV_T_VARCHAR, AV_T_NONE}, {"sparse_vector", AV_T_JSON, AV_T_NONE},
};

static const char *vk_type_name(const av_field *f)
{
    if (f->ext_type[0]) return f->ext_type;
    for (size_t i = 0; i < sizeof vk_types / sizeof *vk_types; i++)
        if (vk_types[i].t == f->type && vk_types[i].elem == f->element_type) return vk_types[i].name;
    return av_type_name(f->type);
}

/* VikingDB's default for a field created without default_val, used when a row leaves it out:
 * int64 0, float32 0, string "default", bool false, list<string> ["default"], list<int64> [0]
 * (vector, sparse_vector and text have none). text fields added by collection/update read "". */
static json_object *type_default(const av_field *f)
{
    json_object *a;
    if (strcmp(f->ext_type, "text") == 0) return json_object_new_string("");
    switch (f->type) {
    case AV_T_INT64: return json_object_new_int64(0);
    case AV_T_FLOAT: return json_object_new_double(0);
    case AV_T_BOOL: return json_object_new_boolean(0);
    case AV_T_VARCHAR: return json_object_new_string("default");
    case AV_T_ARRAY:
        a = json_object_new_array();
        json_object_array_add(a, f->element_type == AV_T_INT64 ? json_object_new_int64(0) : json_object_new_string("default"));
        return a;
    default: return NULL;
    }
}

static int add_field(api_ctx *r, av_schema *s, json_object *fo, const char *pk)
{
    const char *name = NULL, *type = NULL;
    if (!json_object_is_type(fo, json_type_object) || api_get_str(fo, "field_name", &name) != API_OK || api_get_str(fo, "field_type", &type) != API_OK) {
        api_failf(r, VK_INVALID, "invalid request: every field needs field_name and field_type");
        return -1;
    }
    size_t k;
    for (k = 0; k < sizeof vk_types / sizeof *vk_types; k++)
        if (strcmp(vk_types[k].name, type) == 0) break;
    if (k == sizeof vk_types / sizeof *vk_types) {
        api_failf(r, VK_INVALID, "invalid request: field %.128s has unsupported field_type \"%.32s\"; use int64, float32, string, bool, list<string>, list<int64>, vector, sparse_vector or text", name, type);
        return -1;
    }
    av_field *f = av_schema_add_field(s, name, vk_types[k].t);
    f->element_type = vk_types[k].elem;
    if (strcmp(type, "text") == 0 || strcmp(type, "sparse_vector") == 0) snprintf(f->ext_type, sizeof f->ext_type, "%s", type);
    if (f->type == AV_T_VARCHAR || f->element_type == AV_T_VARCHAR) f->max_length = VK_STRING_MAX;
    if (f->type == AV_T_ARRAY) f->max_capacity = VK_LIST_MAX;
    f->primary = strcmp(name, pk) == 0;
    int64_t dim = 0;
    if (f->type == AV_T_FLOAT_VECTOR) {
        if (api_get_int(fo, "dim", &dim) != API_OK || dim < 4 || dim > 4096 || dim % 4) {
            api_failf(r, VK_INVALID, "invalid request: vector field %.128s needs dim from 4 to 4096, a multiple of 4", name);
            return -1;
        }
        f->dim = (int)dim;
    }
    json_object *dv;
    if (json_object_object_get_ex(fo, "default_val", &dv) && dv && !f->primary) json_object_deep_copy(dv, &f->default_value, NULL);
    if (!f->default_value && !f->primary && !f->ext_type[0]) f->default_value = type_default(f);
    if (f->type == AV_T_JSON) f->nullable = 1;   /* sparse vectors are optional */
    return 0;
}

static void collection_create(av_http_req *req, av_http_res *res)
{
    api_ctx r;
    if (api_begin(req, res, &vk1_api, &r)) { api_end(&r); return; }
    const char *name, *pk;
    json_object *fields;
    if (api_need_str(&r, "collection_name", &name) || api_need_str(&r, "primary_key", &pk)) { api_end(&r); return; }
    if (!json_object_object_get_ex(r.body, "fields", &fields) || !json_object_is_type(fields, json_type_array) ||
        json_object_array_length(fields) == 0 || json_object_array_length(fields) > 200) {
        api_failf(&r, VK_INVALID, "invalid request: fields must be a list of 1..200 field definitions");
        api_end(&r); return;
    }
    av_schema s;
    av_schema_init(&s);
    snprintf(s.name, sizeof s.name, "%.*s", AV_NAME_MAX, name);
    s.dynamic = 0;
    s.metric = AV_METRIC_IP;
    const char *desc;
    if (api_get_str(r.body, "description", &desc) == API_OK) snprintf(s.description, sizeof s.description, "%s", desc);
    int bad = 0;
    if (strcmp(pk, AUTO_ID) == 0) {
        av_field *f = av_schema_add_field(&s, AUTO_ID, AV_T_INT64);
        f->primary = f->auto_id = 1;
    }
    for (size_t i = 0; i < json_object_array_length(fields) && !bad; i++)
        bad = add_field(&r, &s, json_object_array_get_idx(fields, i), pk);
    av_err e;
    if (!bad) {
        const av_field *pkf = av_schema_pk(&s);
        if (!pkf) api_failf(&r, VK_INVALID, "invalid request: primary_key \"%.128s\" is not one of the fields (or use \"%s\")", pk, AUTO_ID);
        else if (pkf->type == AV_T_VARCHAR) ((av_field *)pkf)->max_length = 1024;
        if (pkf && av_collection_create(req->store, r.project, "default", &s, &e)) api_fail_ex(&r, VK1_CREATE, &e, NULL, name);
        else if (pkf) ok(&r, NULL);
    }
    av_schema_free(&s);
    api_end(&r);
}

/* The zero value of a VikingDB scalar type: what rows stored before a field was added read. */
/* description, and fields to add (fields already present must keep their type). */
static void collection_update(av_http_req *req, av_http_res *res)
{
    api_ctx r;
    if (api_begin(req, res, &vk1_api, &r)) { api_end(&r); return; }
    json_object *fields = NULL;
    const char *desc = NULL;
    av_schema add;
    av_schema_init(&add);
    av_err e;
    if (need_collection(&r)) goto out;
    if (api_get_str(r.body, "description", &desc) == API_WRONG_TYPE) { api_failf(&r, VK_INVALID, "invalid request: description must be a string"); goto out; }
    if (json_object_object_get_ex(r.body, "collection_aliases", NULL)) { api_failf(&r, VK_INVALID, "invalid request: collection aliases are not supported"); goto out; }
    json_object_object_get_ex(r.body, "fields", &fields);
    if (fields && !json_object_is_type(fields, json_type_array)) { api_failf(&r, VK_INVALID, "invalid request: fields must be a list"); goto out; }
    const av_schema *cur = av_collection_schema(r.c);
    for (size_t i = 0; fields && i < json_object_array_length(fields); i++) {
        json_object *fo = json_object_array_get_idx(fields, i);
        const char *fname = vk_str(fo, "field_name", ""), *ftype = vk_str(fo, "field_type", "");
        const av_field *have = av_schema_field(cur, fname);
        if (have) {
            if (strcmp(vk_type_name(have), ftype) != 0) {
                api_failf(&r, VK_INVALID, "invalid request: field %.128s exists as %s; fields can only be added", fname, vk_type_name(have));
                goto out;
            }
            continue;
        }
        if (add_field(&r, &add, fo, "")) goto out;
        av_field *f = &add.fields[add.nfields - 1];
        if (!f->default_value && !f->nullable) f->default_value = type_default(f);
    }
    if (av_collection_alter(req->store, r.project, "default", cur->name, desc, add.fields, add.nfields, &e))
        api_fail(&r, VK1_ALTER, &e);
    else ok(&r, NULL);
out:
    av_schema_free(&add);
    api_end(&r);
}

static json_object *index_names_json(av_collection *c, size_t *count)
{
    char **names; size_t n;
    json_object *a = json_object_new_array();
    if (av_index_list(c, &names, &n, NULL) == AV_OK) {
        for (size_t i = 0; i < n; i++) { json_object_array_add(a, json_object_new_string(names[i])); free(names[i]); }
        free(names);
    } else n = 0;
    *count = n;
    return a;
}

static json_object *time_json(int64_t ms)
{
    char b[32];
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_object_new_string(b);
}

static json_object *collection_json(av_collection *c)
{
    const av_schema *s = av_collection_schema(c);
    json_object *o = json_object_new_object(), *fields = json_object_new_array(), *stat = json_object_new_object();
    const av_field *pk = av_schema_pk(s);
    char rid[24];
    snprintf(rid, sizeof rid, "%lld", (long long)s->id);
    json_object_object_add(o, "collection_name", json_object_new_string(s->name));
    json_object_object_add(o, "resource_id", json_object_new_string(rid));   /* what V2 calls accept */
    json_object_object_add(o, "description", json_object_new_string(s->description));
    json_object_object_add(o, "primary_key", json_object_new_string(pk->name));
    json_object_object_add(o, "collection_aliases", json_object_new_array());
    for (int i = 0; i < s->nfields; i++) {
        const av_field *f = &s->fields[i];
        if (f->auto_id) continue;
        json_object *fo = json_object_new_object();
        json_object_object_add(fo, "field_name", json_object_new_string(f->name));
        json_object_object_add(fo, "field_type", json_object_new_string(vk_type_name(f)));
        if (f->type == AV_T_FLOAT_VECTOR) json_object_object_add(fo, "dim", json_object_new_int(f->dim));
        if (f->default_value) {
            json_object *d = NULL;
            json_object_deep_copy(f->default_value, &d, NULL);
            json_object_object_add(fo, "default_val", d);
        }
        json_object_array_add(fields, fo);
    }
    json_object_object_add(o, "fields", fields);
    json_object_object_add(stat, "data_number", json_object_new_int64(av_collection_count(c)));
    json_object_object_add(stat, "data_storage", json_object_new_int64(0));
    json_object_object_add(o, "stat", stat);
    size_t n;
    json_object *names = index_names_json(c, &n);
    json_object *copy = NULL;
    json_object_deep_copy(names, &copy, NULL);
    json_object_object_add(o, "indexes", names);
    json_object_object_add(o, "index_names", copy);
    json_object_object_add(o, "index_num", json_object_new_int((int)n));
    json_object_object_add(o, "create_time", time_json(s->created_ms));
    json_object_object_add(o, "update_time", time_json(s->created_ms));
    json_object_object_add(o, "update_person", json_object_new_string(""));
    return o;
}

static void collection_info(av_http_req *req, av_http_res *res)
{
    api_ctx r;
    if (api_begin(req, res, &vk1_api, &r)) { api_end(&r); return; }
    if (need_collection(&r) == 0) ok(&r, collection_json(r.c));
    api_end(&r);
}

static void collection_list(av_http_req *req, av_http_res *res)
{
    api_ctx r;
    if (api_begin(req, res, &vk1_api, &r)) { api_end(&r); return; }
    char **names; size_t n;
    json_object *a = json_object_new_array();
    if (av_collection_list(req->store, r.project, "default", &names, &n, NULL) == AV_OK) {
        for (size_t i = 0; i < n; i++) {
            av_collection *c;
            if (av_collection_open(req->store, r.project, "default", names[i], &c, NULL) == AV_OK) {
                json_object_array_add(a, collection_json(c));
                av_collection_release(c);
            }
            free(names[i]);
        }
        free(names);
    }
    ok(&r, a);
    api_end(&r);
}

static void collection_drop(av_http_req *req, av_http_res *res)
{
    api_ctx r;
    if (api_begin(req, res, &vk1_api, &r)) { api_end(&r); return; }
    av_err e;
    if (need_collection(&r) == 0) {
        if (av_collection_drop(req->store, r.project, "default", av_collection_schema(r.c)->name, &e)) api_fail_ex(&r, VK1_DROP, &e, NULL, av_collection_schema(r.c)->name);
        else ok(&r, NULL);
    }
    api_end(&r);
}

/* ---- indexes --------------------------------------------------------------------------------- */

static int check_vector_index(api_ctx *r, json_object *vi)
{
    static const char *const types[] = { "hnsw", "hnsw_hybrid", "flat", "ivf", "diskann" };
    static const char *const metrics[] = { "ip", "l2", "cosine" };
    const char *t = vk_str(vi, "index_type", "hnsw"), *d = vk_str(vi, "distance", "ip");
    int ok_t = 0, ok_d = 0;
    for (size_t i = 0; i < 5; i++) ok_t |= strcasecmp(t, types[i]) == 0;
    for (size_t i = 0; i < 3; i++) ok_d |= strcasecmp(d, metrics[i]) == 0;
    if (vi && !json_object_is_type(vi, json_type_object)) ok_t = 0;
    if (!(ok_t && ok_d)) {
        api_failf(r, VK_INVALID, "invalid request: vector_index needs index_type in hnsw, hnsw_hybrid, flat, ivf, diskann and distance in ip, l2, cosine (got %.32s, %.32s)", t, d);
        return -1;
    }
    static const char *const ints[] = { "hnsw_m", "hnsw_cef", "hnsw_sef" };
    for (size_t i = 0; i < 3; i++) {
        json_object *v;
        if (!vi || !json_object_object_get_ex(vi, ints[i], &v)) continue;
        if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1 || json_object_get_int64(v) > 32768) {
            api_failf(r, VK_INVALID, "invalid request: vector_index.%s must be an integer from 1 to 32768", ints[i]);
            return -1;
        }
    }
    return 0;
}

static void index_create(av_http_req *req, av_http_res *res)
{
    api_ctx r;
    if (api_begin(req, res, &vk1_api, &r)) { api_end(&r); return; }
    const char *name;
    json_object *vi = NULL, *si = NULL;
    if (need_collection(&r) || api_need_str(&r, "index_name", &name)) { api_end(&r); return; }
    json_object_object_get_ex(r.body, "vector_index", &vi);
    json_object_object_get_ex(r.body, "scalar_index", &si);
    if (check_vector_index(&r, vi)) { api_end(&r); return; }
    const av_schema *s = av_collection_schema(r.c);
    for (size_t i = 0; si && json_object_is_type(si, json_type_array) && i < json_object_array_length(si); i++) {
        json_object *fv = json_object_array_get_idx(si, i);
        if (!json_object_is_type(fv, json_type_string) || !av_schema_field(s, json_object_get_string(fv))) {
            api_failf(&r, VK_INVALID, "invalid request: scalar_index names a field that is not in the collection");
            api_end(&r); return;
        }
    }
    json_object *spec = json_object_new_object();
    json_object_object_foreach(r.body, k, v)
        if (strcmp(k, "collection_name") != 0) {
            json_object *copy = NULL;
            json_object_deep_copy(v, &copy, NULL);
            json_object_object_add(spec, k, copy);
        }
    json_object_object_add(spec, "create_ms", json_object_new_int64(av_now_ms()));
    av_err e;
    if (av_index_put(r.c, name, spec, 1, &e)) {
        api_fail_ex(&r, VK1_INDEX_CREATE, &e, NULL, name);
    } else if (av_collection_set_index(req->store, r.project, "default", s->name, vk_index_engine_type(spec),
                                       vk_index_metric(spec), &e)) {   /* the newest vector index sets the graph */
        api_fail(&r, 0, &e);
    } else ok(&r, NULL);
    json_object_put(spec);
    api_end(&r);
}

static json_object *index_json(av_collection *c, const char *name, json_object *spec)
{
    const av_schema *s = av_collection_schema(c);
    json_object *o = json_object_new_object(), *cost = json_object_new_object(), *vi = NULL, *si = NULL, *scalars = json_object_new_array();
    int64_t created = 0;
    api_get_int(spec, "create_ms", &created);
    json_object_object_add(o, "collection_name", json_object_new_string(s->name));
    json_object_object_add(o, "index_name", json_object_new_string(name));
    json_object_object_add(o, "description", json_object_new_string(vk_str(spec, "description", "")));
    int64_t cpu = 1, shards = 1;
    api_get_int(spec, "cpu_quota", &cpu);
    api_get_int(spec, "shard_count", &shards);
    json_object_object_add(o, "cpu_quota", json_object_new_int64(cpu));
    json_object_object_add(o, "shard_policy", json_object_new_string(vk_str(spec, "shard_policy", "auto")));
    json_object_object_add(o, "shard_count", json_object_new_int64(shards));
    json_object_object_add(o, "partition_by", json_object_new_string(vk_str(spec, "partition_by", "")));
    json_object_object_add(o, "partitions", json_object_new_array());
    json_object *copy = NULL;
    if (json_object_object_get_ex(spec, "vector_index", &vi) && vi) json_object_deep_copy(vi, &copy, NULL);
    else {
        copy = json_object_new_object();
        json_object_object_add(copy, "index_type", json_object_new_string("hnsw"));
        json_object_object_add(copy, "distance", json_object_new_string("ip"));
        json_object_object_add(copy, "quant", json_object_new_string("int8"));
    }
    json_object_object_add(o, "vector_index", copy);
    /* scalar_index: absent means every scalar field */
    int listed = json_object_object_get_ex(spec, "scalar_index", &si) && si && json_object_is_type(si, json_type_array);
    for (int i = 0; i < s->nfields; i++) {
        const av_field *f = &s->fields[i];
        if (f->type == AV_T_FLOAT_VECTOR || f->type == AV_T_JSON || f->auto_id) continue;
        int in = !listed;
        for (size_t k = 0; listed && k < json_object_array_length(si); k++)
            in |= strcmp(json_object_get_string(json_object_array_get_idx(si, k)), f->name) == 0;
        if (!in) continue;
        json_object *fo = json_object_new_object();
        json_object_object_add(fo, "field_name", json_object_new_string(f->name));
        json_object_object_add(fo, "field_type", json_object_new_string(vk_type_name(f)));
        json_object_array_add(scalars, fo);
    }
    json_object_object_add(o, "scalar_index", scalars);
    av_index_state is;
    av_collection_index_state(c, &is);   /* INIT while the graph is built, CHANGING while repaired */
    json_object_object_add(o, "status", json_object_new_string(is.pending ? "INIT" : is.maintaining ? "CHANGING" : "READY"));
    json_object_object_add(cost, "cpu_core", json_object_new_int64(cpu));
    json_object_object_add(cost, "mem_gb", json_object_new_double(0));
    json_object_object_add(o, "index_cost", cost);
    json_object_object_add(o, "create_time", time_json(created));
    json_object_object_add(o, "update_time", time_json(created));
    json_object_object_add(o, "update_person", json_object_new_string(""));
    return o;
}

/* The index named in the request (answers 1000008 itself). *spec is new. */
static int need_index(api_ctx *r, const char **name, json_object **spec)
{
    if (api_need_str(r, "index_name", name)) return -1;
    av_err e;
    if (av_index_get(r->c, *name, spec, &e) == AV_OK) return 0;
    api_fail_ex(r, VK1_INDEX, &e, NULL, *name);
    return -1;
}

static void index_info(av_http_req *req, av_http_res *res)
{
    api_ctx r;
    if (api_begin(req, res, &vk1_api, &r)) { api_end(&r); return; }
    const char *name;
    json_object *spec = NULL;
    if (need_collection(&r) == 0 && need_index(&r, &name, &spec) == 0) ok(&r, index_json(r.c, name, spec));
    if (spec) json_object_put(spec);
    api_end(&r);
}

static void index_list(av_http_req *req, av_http_res *res)
{
    api_ctx r;
    if (api_begin(req, res, &vk1_api, &r)) { api_end(&r); return; }
    char **names; size_t n;
    if (need_collection(&r) == 0) {
        json_object *a = json_object_new_array();
        if (av_index_list(r.c, &names, &n, NULL) == AV_OK) {
            for (size_t i = 0; i < n; i++) {
                json_object *spec = NULL;
                if (av_index_get(r.c, names[i], &spec, NULL) == AV_OK) json_object_array_add(a, index_json(r.c, names[i], spec));
                if (spec) json_object_put(spec);
                free(names[i]);
            }
            free(names);
        }
        ok(&r, a);
    }
    api_end(&r);
}

/* description, cpu_quota, scalar_index and shard settings of an index; its vector_index stays. */
static void index_update(av_http_req *req, av_http_res *res)
{
    api_ctx r;
    if (api_begin(req, res, &vk1_api, &r)) { api_end(&r); return; }
    const char *name;
    json_object *spec = NULL, *si = NULL;
    av_err e;
    if (need_collection(&r) || need_index(&r, &name, &spec)) goto out;
    if (json_object_object_get_ex(r.body, "vector_index", NULL)) {
        api_failf(&r, VK_INVALID, "invalid request: vector_index cannot be changed; drop and create the index");
        goto out;
    }
    if (json_object_object_get_ex(r.body, "scalar_index", &si) && si) {
        const av_schema *s = av_collection_schema(r.c);
        int ok = json_object_is_type(si, json_type_array);
        for (size_t i = 0; ok && i < json_object_array_length(si); i++) {
            json_object *fv = json_object_array_get_idx(si, i);
            ok = json_object_is_type(fv, json_type_string) && av_schema_field(s, json_object_get_string(fv));
        }
        if (!ok) { api_failf(&r, VK_INVALID, "invalid request: scalar_index must list fields of the collection"); goto out; }
    }
    static const char *const keys[] = { "description", "cpu_quota", "scalar_index", "shard_policy", "shard_count" };
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        json_object *v;
        if (json_object_object_get_ex(r.body, keys[i], &v) && v) {
            json_object *copy = NULL;
            json_object_deep_copy(v, &copy, NULL);
            json_object_object_add(spec, keys[i], copy);
        }
    }
    if (av_index_put(r.c, name, spec, 0, &e)) api_fail(&r, VK1_INTERNAL, &e);
    else ok(&r, NULL);
out:
    if (spec) json_object_put(spec);
    api_end(&r);
}

static void index_drop(av_http_req *req, av_http_res *res)
{
    api_ctx r;
    if (api_begin(req, res, &vk1_api, &r)) { api_end(&r); return; }
    const char *name;
    if (need_collection(&r) == 0 && api_need_str(&r, "index_name", &name) == 0) {
        av_err e;
        if (av_index_drop(r.c, name, &e)) api_fail_ex(&r, VK1_INDEX, &e, NULL, name);
        else ok(&r, NULL);
    }
    api_end(&r);
}

/* ---- data ------------------------------------------------------------------------------------ */

static void upsert_data(av_http_req *req, av_http_res *res)
{
    api_ctx r;
    if (api_begin(req, res, &vk1_api, &r)) { api_end(&r); return; }
    json_object *fields;
    int64_t ttl = 0;
    if (need_collection(&r)) { api_end(&r); return; }
    if (!json_object_object_get_ex(r.body, "fields", &fields) || !fields) {
        api_failf(&r, VK_INVALID, "invalid request: fields (a list of rows) is required");
        api_end(&r); return;
    }
    if (api_get_int(r.body, "ttl", &ttl) == API_WRONG_TYPE || ttl < 0 || ttl > INT32_MAX) {
        api_failf(&r, VK_INVALID, "invalid request: ttl must be whole seconds from 0 (never expires) to %d", INT32_MAX);
        api_end(&r); return;
    }
    int assign = av_schema_pk(av_collection_schema(r.c))->auto_id;
    api_rows rows;
    av_err e;
    if (api_rows_parse(r.c, fields, (assign ? API_ASSIGN_PK : 0) | API_VECTOR_BASE64, VK_BATCH_MAX, &rows, &e)) {
        api_fail(&r, VK1_ROWS, &e);
        api_end(&r); return;
    }
    int64_t expire = ttl ? av_now_ms() + ttl * 1000 : 0;
    if (av_insert_ex(r.c, rows.rows, rows.n, !assign, expire, NULL, &e))
        api_fail(&r, VK1_UPSERT, &e);
    else ok(&r, NULL);
    api_rows_free(&rows);
    api_end(&r);
}

/* Partial rows by primary key: given fields replace the stored ones; a missing key is 1000011. */
static void update_data(av_http_req *req, av_http_res *res)
{
    api_ctx r;
    if (api_begin(req, res, &vk1_api, &r)) { api_end(&r); return; }
    json_object *fields;
    api_rows rows;
    av_err e;
    if (need_collection(&r)) { api_end(&r); return; }
    if (!json_object_object_get_ex(r.body, "fields", &fields) || !fields) {
        api_failf(&r, VK_INVALID, "invalid request: fields (a list of rows with their primary keys) is required");
        api_end(&r); return;
    }
    if (json_object_object_get_ex(r.body, "ttl", NULL)) {
        api_failf(&r, VK_INVALID, "invalid request: update_data keeps each row's expiry; to change the ttl, upsert the row");
        api_end(&r); return;
    }
    if (api_rows_parse(r.c, fields, API_VECTOR_OPTIONAL | API_VECTOR_BASE64, VK_BATCH_MAX, &rows, &e)) {
        api_fail(&r, VK1_ROWS, &e);
        api_end(&r); return;
    }
    if (av_update(r.c, rows.rows, rows.n, &e))
        api_fail(&r, VK1_UPDATE, &e);
    else ok(&r, NULL);
    api_rows_free(&rows);
    api_end(&r);
}

/* primary_keys: one value or a list of at most 100. Answers errors itself. */
static int read_pks(api_ctx *r, av_pk **pks, size_t *n)
{
    json_object *ids;
    av_err e;
    if (!json_object_object_get_ex(r->body, "primary_keys", &ids) || !ids) {
        api_failf(r, VK_INVALID, "invalid request: primary_keys is required (one key or a list of at most %d)", VK_BATCH_MAX);
        return -1;
    }
    if (json_object_is_type(ids, json_type_array) && json_object_array_length(ids) > VK_BATCH_MAX) {
        api_failf(r, VK_INVALID, "invalid request: %zu primary_keys; at most %d per request", json_object_array_length(ids), VK_BATCH_MAX);
        return -1;
    }
    if (api_ids_parse(r->c, ids, pks, n, &e)) { api_fail(r, VK1_PKS, &e); return -1; }
    return 0;
}

static void del_data(av_http_req *req, av_http_res *res)
{
    api_ctx r;
    if (api_begin(req, res, &vk1_api, &r)) { api_end(&r); return; }
    int all = 0;
    av_pk *pks = NULL;
    size_t n = 0;
    av_err e;
    int64_t deleted;
    if (need_collection(&r)) { api_end(&r); return; }
    int k = api_get_bool(r.body, "del_all", &all);
    if (k == API_WRONG_TYPE) api_failf(&r, VK_INVALID, "invalid request: del_all must be a boolean");
    else if (all && json_object_object_get_ex(r.body, "primary_keys", NULL))
        api_failf(&r, VK_INVALID, "invalid request: send either primary_keys or del_all, not both");
    else if (all) {
        if (av_delete_all(r.c, &deleted, &e)) api_fail(&r, VK1_INTERNAL, &e);
        else ok(&r, NULL);
    } else if (read_pks(&r, &pks, &n) == 0) {
        if (av_delete_pks(r.c, pks, n, &deleted, &e)) api_fail(&r, VK1_DELETE, &e);
        else ok(&r, NULL);
    }
    free(pks);
    api_end(&r);
}

typedef struct out_ctx {
    av_collection *c;
    api_fields *sel;
    int nest;                  /* index reads: {pk, "fields":{...}} */
    json_object *out;
} out_ctx;

static int collect(void *ctx, const av_row_view *row)
{
    out_ctx *x = ctx;
    json_object_array_add(x->out, vk_row_json(x->c, x->sel, row, NULL, x->nest));
    return 0;
}

static int read_output_fields(api_ctx *r, json_object *holder, int with_vector, api_fields *sel)
{
    av_err e;
    if (vk_output_fields(r->c, holder, with_vector, sel, &e) == AV_OK) return 0;
    api_fail(r, 0, &e);
    return -1;
}

static void fetch(av_http_req *req, av_http_res *res, int from_index)
{
    api_ctx r;
    if (api_begin(req, res, &vk1_api, &r)) { api_end(&r); return; }
    av_pk *pks = NULL;
    size_t n = 0;
    api_fields sel = { 0 };
    json_object *spec = NULL;
    const char *iname;
    av_err e;
    if (need_collection(&r) || (from_index && need_index(&r, &iname, &spec)) || read_pks(&r, &pks, &n) ||
        read_output_fields(&r, from_index ? r.body : NULL, !from_index, &sel))
        goto out;
    out_ctx x = { r.c, &sel, from_index, json_object_new_array() };
    if (av_get(r.c, pks, n, collect, &x, &e)) { json_object_put(x.out); api_fail(&r, VK1_INTERNAL, &e); }
    else ok(&r, x.out);
out:
    if (spec) json_object_put(spec);
    free(pks);
    api_fields_free(&sel);
    api_end(&r);
}

static void collection_fetch_data(av_http_req *req, av_http_res *res) { fetch(req, res, 0); }
static void index_fetch_data(av_http_req *req, av_http_res *res) { fetch(req, res, 1); }

/* ---- search ---------------------------------------------------------------------------------- */

typedef struct hits_ctx { out_ctx rows; json_object **lists; } hits_ctx;

static int collect_hit(void *ctx, int q, int rank, float score, const av_row_view *row)
{
    hits_ctx *h = ctx;
    (void)rank;
    json_object *o = vk_row_json(h->rows.c, h->rows.sel, row, NULL, 1);
    json_object_object_add(o, "score", api_score_json(score));
    json_object_array_add(h->lists[q], o);
    return 0;
}

static int copy_vector(void *ctx, const av_row_view *row)
{
    float **dst = ctx;
    size_t dim = (size_t)(intptr_t)dst[1];
    memcpy(dst[0], row->vec, sizeof(float) * dim);
    dst[0] += dim;
    return 0;
}

/* Query vectors from order_by_vector: "vectors" ([[f]], ≤10) or "primary_keys" (their stored vectors). */
static int query_vectors(api_ctx *r, json_object *obv, float **q, int *nq)
{
    json_object *vs = NULL, *pks = NULL;
    av_err e;
    int dim = av_schema_vector(av_collection_schema(r->c))->dim;
    if (obv && json_object_object_get_ex(obv, "vectors", &vs) && vs) {
        if (!json_object_is_type(vs, json_type_array) || json_object_array_length(vs) == 0 || json_object_array_length(vs) > VK_SEARCH_VECTORS_MAX) {
            api_failf(r, VK_BAD_VECTOR, "invalid query vector: send 1..%d vectors in order_by_vector.vectors", VK_SEARCH_VECTORS_MAX);
            return -1;
        }
        if (api_vectors_parse_ex(r->c, vs, 1, 1, q, nq, &e)) { api_fail(r, VK1_VECTORS, &e); return -1; }
        return 0;
    }
    if (obv && json_object_object_get_ex(obv, "primary_keys", &pks) && pks) {
        av_pk *ids = NULL;
        size_t n = 0;
        if ((json_object_is_type(pks, json_type_array) && json_object_array_length(pks) > VK_SEARCH_VECTORS_MAX) ||
            api_ids_parse(r->c, pks, &ids, &n, &e) || n == 0) {
            free(ids);
            api_failf(r, VK_BAD_PK, "invalid primary key: order_by_vector.primary_keys takes 1..%d keys of the primary key's type", VK_SEARCH_VECTORS_MAX);
            return -1;
        }
        *q = xmalloc(sizeof(float) * (size_t)dim * n);
        float *cursor[2] = { *q, (float *)(intptr_t)dim };
        av_get(r->c, ids, n, copy_vector, cursor, &e);
        size_t found = (size_t)(cursor[0] - *q) / (size_t)dim;
        free(ids);
        if (found != n) { free(*q); *q = NULL; api_failf(r, VK_BAD_PK, "invalid primary key: %zu of the primary_keys do not exist", n - found); return -1; }
        *nq = (int)n;
        return 0;
    }
    api_failf(r, VK_INVALID, "invalid request: search.order_by_vector needs vectors or primary_keys");
    return -1;
}

/* search.order_by_scalar {field_name, order asc|desc (desc)}: rows by a numeric field's value. */
static void order_by_scalar(api_ctx *r, json_object *obs, const av_filter *f, const api_fields *sel, int64_t limit, int64_t offset)
{
    av_err e;
    const char *field = vk_str(obs, "field_name", NULL), *order = vk_str(obs, "order", "desc");
    av_order o = { f, field, strcmp(order, "asc") == 0, offset, limit };
    json_object *rows = NULL;
    if (!json_object_is_type(obs, json_type_object) || !field)
        api_failf(r, VK_INVALID, "invalid request: order_by_scalar needs field_name, an int64 or float32 field");
    else if (strcmp(order, "asc") != 0 && strcmp(order, "desc") != 0) api_failf(r, VK_INVALID, "invalid request: order must be asc or desc");
    else if (vk_ranked_rows(r->c, &o, sel, NULL, 1, &rows, NULL, &e)) api_fail(r, VK1_ORDER, &e);
    else {
        json_object *data = json_object_new_array();
        json_object_array_add(data, rows);
        ok(r, data);
    }
}

/* search/agg (and /api/index/search with a top-level "agg", which the Node SDK sends). */
static void search_agg(api_ctx *r, json_object *aggo)
{
    json_object *search = NULL, *fdsl = NULL, *cond = NULL, *groups = NULL;
    av_err e;
    if (!json_object_is_type(aggo, json_type_object)) { api_failf(r, VK_INVALID, "invalid request: agg must be an object like {\"op\":\"count\"}"); return; }
    json_object_object_get_ex(r->body, "search", &search);
    if (search && json_object_is_type(search, json_type_object)) json_object_object_get_ex(search, "filter", &fdsl);
    json_object_object_get_ex(aggo, "cond", &cond);
    const char *op = vk_str(aggo, "op", NULL), *field = vk_str(aggo, "field", NULL);
    if (vk_agg_count(r->c, op, field, cond, fdsl, &groups, &e)) {
        api_fail(r, VK1_AGG, &e);
        return;
    }
    json_object *d = json_object_new_object();
    json_object_object_add(d, "agg_op", json_object_new_string("count"));
    json_object_object_add(d, "group_by_field", json_object_new_string(field ? field : "__NONE__"));
    json_object_object_add(d, "agg_result", groups);
    ok(r, d);
}

static void index_search_agg(av_http_req *req, av_http_res *res)
{
    api_ctx r;
    if (api_begin(req, res, &vk1_api, &r)) { api_end(&r); return; }
    const char *iname;
    json_object *spec = NULL, *aggo = NULL;
    if (need_collection(&r) == 0 && need_index(&r, &iname, &spec) == 0) {
        if (!json_object_object_get_ex(r.body, "agg", &aggo) || !aggo) api_failf(&r, VK_INVALID, "invalid request: agg is required");
        else search_agg(&r, aggo);
    }
    if (spec) json_object_put(spec);
    api_end(&r);
}

static void index_search(av_http_req *req, av_http_res *res)
{
    api_ctx r;
    if (api_begin(req, res, &vk1_api, &r)) { api_end(&r); return; }
    const char *iname;
    json_object *spec = NULL, *search = NULL, *obv = NULL, *fdsl = NULL, *params = NULL;
    api_fields sel = { 0 };
    float *q = NULL;
    av_filter *f = NULL;
    av_err e;
    av_search_params p = { 0 };
    int64_t limit = 10, offset = 0;
    if (need_collection(&r) || need_index(&r, &iname, &spec)) goto out;
    json_object *aggo = NULL;
    if (json_object_object_get_ex(r.body, "agg", &aggo) && aggo) { search_agg(&r, aggo); goto out; }
    if (!json_object_object_get_ex(r.body, "search", &search) || !json_object_is_type(search, json_type_object)) {
        api_failf(&r, VK_INVALID, "invalid request: search (an object) is required");
        goto out;
    }
    if (json_object_object_get_ex(search, "order_by_raw", NULL)) {
        api_failf(&r, 1000024, "not implemented: order_by_raw needs a server-side embedding model; use order_by_vector");
        goto out;
    }
    json_object_object_get_ex(search, "order_by_vector", &obv);
    if (api_get_int(search, "limit", &limit) == API_WRONG_TYPE || api_get_int(search, "offset", &offset) == API_WRONG_TYPE ||
        limit > VK_LIMIT_MAX || !api_window_ok(limit, offset, 1, AV_TOPK_MAX)) {
        api_failf(&r, VK_INVALID, "invalid request: limit must be 1..%d and offset >= 0", VK_LIMIT_MAX);
        goto out;
    }
    if (read_output_fields(&r, search, 0, &sel)) goto out;
    if (json_object_object_get_ex(search, "filter", &fdsl) && fdsl &&
        av_filter_compile_viking(r.c, fdsl, &f, &e)) {
        api_fail(&r, VK1_FILTER, &e);
        goto out;
    }
    json_object *obs = NULL;
    if (json_object_object_get_ex(search, "order_by_scalar", &obs) && obs) {
        order_by_scalar(&r, obs, f, &sel, limit, offset);
        goto out;
    }
    if (query_vectors(&r, obv, &q, &p.nq)) goto out;
    p.queries = q;
    p.limit = (int)limit;
    p.offset = (int)offset;
    p.filter = f;
    p.use_metric = 1;
    p.metric = vk_index_metric(spec);
    p.index_params = params = vk_index_params(spec);
    hits_ctx h = { { r.c, &sel, 1, NULL }, xcalloc((size_t)p.nq, sizeof(json_object *)) };
    for (int i = 0; i < p.nq; i++) h.lists[i] = json_object_new_array();
    if (av_search(r.c, &p, collect_hit, &h, &e)) {
        for (int i = 0; i < p.nq; i++) json_object_put(h.lists[i]);
        api_fail(&r, 0, &e);
    } else {
        json_object *data = json_object_new_array();
        for (int i = 0; i < p.nq; i++) json_object_array_add(data, h.lists[i]);
        ok(&r, data);
    }
    free(h.lists);
out:
    if (spec) json_object_put(spec);
    if (params) json_object_put(params);
    free(q);
    av_filter_free(f);
    api_fields_free(&sel);
    api_end(&r);
}

static void ping(av_http_req *req, av_http_res *res)
{
    char rid[33];
    (void)req;
    api_new_rid(rid);
    av_http_json(res, 200, vk_v1_envelope(0, "success", rid));
}

void vikingdb_v1_register(void)
{
    static const struct { const char *path; av_http_handler h; } routes[] = {
        {"/api/collection/create", collection_create}, {"/api/collection/info", collection_info},
        {"/api/collection/list", collection_list}, {"/api/collection/drop", collection_drop},
        {"/api/collection/update", collection_update},
        {"/api/collection/upsert_data", upsert_data}, {"/api/collection/update_data", update_data},
        {"/api/collection/del_data", del_data},
        {"/api/collection/fetch_data", collection_fetch_data},
        {"/api/index/create", index_create}, {"/api/index/info", index_info}, {"/api/index/list", index_list},
        {"/api/index/update", index_update},
        {"/api/index/drop", index_drop}, {"/api/index/search", index_search}, {"/api/index/search/agg", index_search_agg},
        {"/api/index/fetch_data", index_fetch_data},
        {"/api/viking_db/data/ping", ping},
    };
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        av_http_route("POST", routes[i].path, &dialect, routes[i].h);
        av_http_route("GET", routes[i].path, &dialect, routes[i].h);
    }
}
