/*
 * milvus.h — what the Milvus v1 and v2 dialects share: the {"code","message"} and {"code","data"}
 * envelopes, and Milvus's own wording of engine errors (mv_phrases: "collection not found[...]",
 * "database not found, database: ..."), which each dialect's code table wraps. Request plumbing is
 * api/dialect.h, JSON rows api/rows.h.
 */
#ifndef AV_MILVUS_H
#define AV_MILVUS_H

#include "annovec.h"
#include "http/http.h"
#include "api/dialect.h"
#include "api/request.h"
#include "api/rows.h"

/* Envelopes shared by v1 and v2: {"code":code,"message":msg} with an HTTP status, and
 * {"code":code,"data":data} (data NULL: {}) with 200. Both take ownership of data. */
void mv_reply_error(av_http_res *res, int status, int code, const char *msg);
void mv_reply_ok(av_http_res *res, int code, json_object *data);
/* api_dialect.reply_error of both: {"code":wire,"message":msg} with HTTP 200. */
void mv_reply(api_ctx *x, int wire, const char *msg);

/* Contexts both versions use in their tables and in mv_phrases; each version numbers its own from
 * MV_CTX_NEXT. */
enum {
    MV_CTX_WRITE = API_CTX_DIALECT,        /* the engine writing rows (av_insert) */
    MV_CTX_CREATE = API_CTX_DIALECT << 1,  /* the engine creating a collection ({arg}: its pk count) */
    MV_CTX_NEXT = API_CTX_DIALECT << 2,
};
#define MV_NPHRASES 7
extern const api_error_row mv_phrases[MV_NPHRASES];

/* The data of an insert or upsert answer (v1 and v2): {"insertCount"|"upsertCount": n,
 * "insertIds"|"upsertIds": [...]}, Int64 ids as strings when i64s. */
json_object *mv_written_json(const av_pk *pks, size_t n, int upsert, int i64s);

/* annovec's own dry run of a filter delete (v1 and v2): the body member "annovecDryRun" (a name no
 * Milvus or Zilliz field can take). Sets *dry (0 when absent); -1 with the error answered when it is
 * not a boolean. */
#define MV_DRY_RUN_KEY "annovecDryRun"
int mv_dry_run(api_ctx *x, int *dry);
/* The data of a filter delete's answer: {"deleteCount": n}; a dry run:
 * {"deleteCount": 0, "matchCount": n, "dryRun": true}. */
json_object *mv_deleted_json(int64_t n, int dry);

/* Properties (collection and database): Milvus's TTL key, which annovec applies to every row written
 * through Milvus (v1 and v2) as its expiry, and the prefix of keys annovec keeps for itself (shown
 * elsewhere in describe, refused from clients). */
#define MV_TTL_KEY "collection.ttl.seconds"
#define MV_TTL_MAX 1000000000000ll         /* seconds (~31,700 years): now + ttl stays far inside int64 ms */
#define MV_OWN_PREFIX "annovec."
#define MV_SHARDS_KEY "annovec.shardsNum"
/* The expiry (epoch ms) of a row written now to c: now + its collection.ttl.seconds, 0 without one. */
int64_t mv_expire_ms(av_collection *c);

#endif
