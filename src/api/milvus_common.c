/*
 * milvus_common.c — the envelopes and the phrases Milvus v1 and v2 share (see milvus.h). No state.
 */
#include "api/milvus.h"
#include "lib/util.h"

#include <stdlib.h>

void mv_reply_error(av_http_res *res, int status, int code, const char *msg)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "code", json_object_new_int(code));
    json_object_object_add(o, "message", json_object_new_string(msg));
    av_http_json(res, status, o);
}

void mv_reply_ok(av_http_res *res, int code, json_object *data)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "code", json_object_new_int(code));
    json_object_object_add(o, "data", data ? data : json_object_new_object());
    av_http_json(res, 200, o);
}

void mv_reply(api_ctx *x, int wire, const char *msg)
{
    mv_reply_error(x->res, 200, wire, msg);
}

/* Milvus's words for engine errors; every other error keeps the engine's neutral message. */
const api_error_row mv_phrases[] = {
    { 0, AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_NONE, 0, "collection not found[database={scope}][collection={name}]" },
    { 0, AV_ENODB, AV_ENT_DATABASE, API_ANY, 0, "database not found, database: {name}" },
    { 0, AV_EUNSAFE, AV_ENT_FILTER, API_ANY, 0,
      "delete plan can't be empty or always true: the filter would delete every entity; name the entities to delete, or drop the collection" },
    { MV_CTX_WRITE, AV_EFIELD, AV_ENT_FIELD, AV_R_UNKNOWN, 0,
      "row {index}: field \"{name}\" is not in the schema of collection \"{scope}\" and its dynamic field is disabled; remove the key or create the collection with enableDynamicField" },
    { MV_CTX_CREATE, AV_EINVAL, AV_ENT_PK, AV_R_NONE, 0, "autoID is only supported for an Int64 primary key (field \"{name}\" is VarChar)" },
    { MV_CTX_CREATE, AV_EINVAL, AV_ENT_PK, API_ANY, 0, "the schema has {arg} primary key fields; exactly one Int64 or VarChar field must have isPrimary set" },
    { MV_CTX_CREATE, AV_EINVAL, AV_ENT_FIELD, AV_R_UNKNOWN, 0, "field \"{name}\": an Array needs a scalar elementDataType" },
};

int64_t mv_expire_ms(av_collection *c)
{
    char v[32];
    if (!av_collection_property(c, MV_TTL_KEY, v, sizeof v)) return 0;
    char *end;
    long long ttl = strtoll(v, &end, 10);
    return *end || ttl <= 0 || ttl > MV_TTL_MAX ? 0 : av_now_ms() + ttl * 1000;
}

json_object *mv_written_json(const av_pk *pks, size_t n, int upsert, int i64s)
{
    json_object *d = json_object_new_object(), *ids = json_object_new_array();
    for (size_t i = 0; i < n; i++) json_object_array_add(ids, api_pk_json(&pks[i], i64s));
    json_object_object_add(d, upsert ? "upsertCount" : "insertCount", json_object_new_int64((int64_t)n));
    json_object_object_add(d, upsert ? "upsertIds" : "insertIds", ids);
    return d;
}

int mv_dry_run(api_ctx *x, int *dry)
{
    *dry = 0;
    if (api_get_bool(x->body, MV_DRY_RUN_KEY, dry) != API_WRONG_TYPE) return 0;
    return api_member_wrong(x, MV_DRY_RUN_KEY, "a boolean");
}

json_object *mv_deleted_json(int64_t n, int dry)
{
    json_object *d = json_object_new_object();
    json_object_object_add(d, "deleteCount", json_object_new_int64(dry ? 0 : n));
    if (dry) {
        json_object_object_add(d, "matchCount", json_object_new_int64(n));
        json_object_object_add(d, "dryRun", json_object_new_boolean(1));
    }
    return d;
}
