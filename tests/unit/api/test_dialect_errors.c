/*
 * test_dialect_errors.c — the dialects build their wire code and text from what an error is about
 * (src/api/dialect.c and each dialect's table), never from the engine's message.
 *
 *  table_*: first matching row wins, API_ANY and contexts, the last row as the fallback.
 *  template_*: {msg} {name} {scope} {index} {arg}, {name:N}, a phrase inside a wire text.
 *  milvus_*, vikingdb_*: requests through the real handlers (router + handler, no socket) on a
 *    store in a temporary directory; the engine speaks neutrally, the dialect formats its phrases.
 *  transport_by_reason: render_error picks 80001/80002 and ModelArts.0201/0202/0203 from the
 *    credential error's reason, whatever its text says.
 */
#include "annovec.h"
#include "api/app.h"
#include "api/dialect.h"
#include "api/milvus.h"
#include "api/modelarts.h"
#include "http/router.h"
#include "lib/util.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

/* ---- tables and templates -------------------------------------------------------------------- */

#define CTX_A (API_CTX_DIALECT << 0)
#define CTX_B (API_CTX_DIALECT << 1)

static const api_error_row rows[] = {
    { CTX_A, AV_ENOTFOUND, AV_ENT_COLLECTION, API_ANY, 1, "in A: {msg}" },
    { 0, AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_CHANGED, 2, "changed {name}" },
    { 0, AV_ENOTFOUND, API_ANY, API_ANY, 3, NULL },
    { CTX_B, API_ANY, API_ANY, API_ANY, 4, "in B" },
    { 0, API_ANY, API_ANY, API_ANY, 5, "other: {msg}" },
};
#define NROWS (sizeof rows / sizeof *rows)

static av_err err_on(int code, int entity, int reason, const char *name, const char *scope, const char *msg)
{
    av_err e;
    av_fail_on(&e, code, entity, reason, name, scope, "%s", msg);
    return e;
}

static int wire_of(unsigned ctx, const av_err *e)
{
    const api_error_row *r = api_error_find(rows, NROWS, ctx, e);
    return r ? r->wire : -1;
}

static void table_first_match_wins(void)
{
    av_err gone = err_on(AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_NONE, "c", "db", "gone");
    av_err changed = err_on(AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_CHANGED, "c", "db", "changed");
    CHECK_INT(wire_of(0, &gone), 3);          /* the CHANGED row does not match NONE */
    CHECK_INT(wire_of(0, &changed), 2);
    CHECK_INT(wire_of(CTX_A, &changed), 1);   /* the context row comes first */
}

static void table_wildcards_and_contexts(void)
{
    av_err io = err_on(AV_EIO, AV_ENT_NONE, AV_R_NONE, NULL, NULL, "disk");
    av_err db = err_on(AV_ENOTFOUND, AV_ENT_DATABASE, AV_R_NONE, "d", NULL, "no db");
    CHECK_INT(wire_of(0, &io), 5);
    CHECK_INT(wire_of(CTX_B, &io), 4);         /* a context row matches only its context */
    CHECK_INT(wire_of(CTX_A, &db), 3);         /* CTX_A's row wants a collection */
    CHECK_INT(wire_of(CTX_A | CTX_B, &db), 3); /* rows before the CTX_B row still come first */
}

static void reply_nothing(api_ctx *x, int wire, const char *msg) { (void)x; (void)wire; (void)msg; }

static void table_falls_back_to_last_row(void)
{
    static const api_error_row only[] = { { 0, AV_EDIM, API_ANY, API_ANY, 7, "dim: {msg}" }, { CTX_A, AV_EIO, API_ANY, API_ANY, 8, "io {msg}" } };
    api_dialect d = { reply_nothing, only, 2, NULL, 0, 0, "name", NULL, NULL };
    av_err e = err_on(AV_ETYPE, AV_ENT_FIELD, AV_R_NONE, "f", NULL, "bad type");
    char out[64];
    CHECK_INT(api_error_text(&d, 0, &e, NULL, NULL, out, sizeof out), 8);
    CHECK_STR(out, "io bad type");
}

static void template_tokens(void)
{
    av_err e = err_on(AV_EFIELD, AV_ENT_FIELD, AV_R_UNKNOWN, "color", "coll", "neutral");
    e.index = 7;
    char out[128];
    api_format(out, sizeof out, "row {index}: {name} in {scope} ({msg}; {arg})", &e, "phrase", NULL, "extra");
    CHECK_STR(out, "row 7: color in coll (phrase; extra)");
    api_format(out, sizeof out, "{name:3}|{name}|{arg}", &e, "m", "override", NULL);
    CHECK_STR(out, "ove|override|");
    api_format(out, sizeof out, "{nope} {name:x} {name", &e, "m", NULL, NULL);
    CHECK_STR(out, "{nope} {name:x} {name");
    api_format(out, sizeof out, NULL, &e, "just the message", NULL, NULL);
    CHECK_STR(out, "just the message");
    api_format(out, 6, "{name} and more", &e, "m", NULL, NULL);
    CHECK_STR(out, "color");
}

static void template_phrase_inside_text(void)
{
    static const api_error_row phrases[] = { { 0, AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_NONE, 0, "P[{scope}/{name}]" } };
    static const api_error_row errors[] = { { 0, API_ANY, API_ANY, API_ANY, 9, "E: {msg}" } };
    api_dialect d = { reply_nothing, errors, 1, phrases, 1, 0, "name", NULL, NULL };
    av_err e = err_on(AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_NONE, "c", "db", "collection \"c\" does not exist");
    char out[128];
    CHECK_INT(api_error_text(&d, 0, &e, NULL, NULL, out, sizeof out), 9);
    CHECK_STR(out, "E: P[db/c]");
    e.reason = AV_R_CHANGED;                   /* no phrase: the neutral message goes out */
    api_error_text(&d, 0, &e, NULL, NULL, out, sizeof out);
    CHECK_STR(out, "E: collection \"c\" does not exist");
}

/* ---- through the handlers -------------------------------------------------------------------- */

static char dir[128];
static av_store *st;
static av_app app;
static char project[33];
static av_http_res res;
static json_object *reply;     /* the last answer, parsed */

static void setup(void)
{
    av_err e;
    test_tmpdir(dir, sizeof dir, "dialect");
    if (av_store_open(dir, &st, &e) || av_project_resolve(st, "default", 1, project, &e)) {
        fprintf(stderr, "store: %s\n", e.msg);
        exit(2);
    }
    app.store = st;
    api_register_routes();
}

static void teardown(void)
{
    if (reply) json_object_put(reply);
    reply = NULL;
    av_buf_free(&res.body);
    memset(&res, 0, sizeof res);
    av_http_routes_clear();
    av_store_close(st);
    test_rmdir(dir);
}

static const av_dialect *route(const char *method, const char *path, av_http_req *req, av_http_handler *h)
{
    char allowed[64];
    const av_dialect *d = NULL;
    memset(req, 0, sizeof *req);
    req->method = method;
    req->path = path;
    req->body = "";
    req->store = st;
    req->app = &app;
    snprintf(req->principal.project, sizeof req->principal.project, "%s", project);
    if (router_find(req, &d, h, allowed, sizeof allowed) != ROUTE_FOUND) { fprintf(stderr, "no route %s\n", path); exit(2); }
    return d;
}

static void take_reply(void)
{
    if (reply) json_object_put(reply);
    reply = json_tokener_parse(res.body.p ? res.body.p : "");
}

/* Sends body to method path; the answer is in res and reply. */
static void send_req(const char *method, const char *path, const char *body)
{
    av_http_req req;
    av_http_handler h;
    route(method, path, &req, &h);
    req.body = body;
    req.body_len = strlen(body);
    res.body.len = 0;
    res.status = 200;
    h(&req, &res);
    for (int i = 0; i < req.nparams; i++) free(req.param_values[i]);
    take_reply();
}

static json_object *member(const char *key)
{
    json_object *v = NULL;
    json_object_object_get_ex(reply, key, &v);
    return v;
}

static int code(void) { return json_object_get_int(member("code")); }
static const char *text(const char *key) { return json_object_get_string(member(key)); }

#define EXPECT(status_, code_, message_) do { \
    CHECK_INT(res.status, status_); CHECK_INT(code(), code_); CHECK_STR(text("message"), message_); \
} while (0)

static void milvus_v2_phrases(void)
{
    send_req("POST", "/v2/vectordb/collections/describe", "{\"collectionName\":\"nope\"}");
    EXPECT(200, 100, "collection not found[database=default][collection=nope]");
    send_req("POST", "/v2/vectordb/entities/query", "{\"collectionName\":\"c\",\"dbName\":\"nodb\",\"filter\":\"id > 0\"}");
    EXPECT(200, 800, "database not found, database: nodb");
    send_req("POST", "/v2/vectordb/collections/create", "{\"collectionName\":\"c\",\"dimension\":2}");
    CHECK_INT(code(), 0);
    send_req("POST", "/v2/vectordb/entities/delete", "{\"collectionName\":\"c\",\"filter\":\"true\"}");
    EXPECT(200, 1100, "delete plan can't be empty or always true: the filter would delete every entity; name the entities to delete, or drop the collection: invalid parameter");
    send_req("POST", "/v2/vectordb/collections/create", "{\"collectionName\":\"v\",\"dimension\":2,\"idType\":\"VarChar\",\"autoID\":true,\"params\":{\"max_length\":8}}");
    EXPECT(200, 1100, "autoID is only supported for an Int64 primary key (field \"id\" is VarChar): invalid parameter");
    send_req("POST", "/v2/vectordb/collections/create", "{\"collectionName\":\"v\",\"schema\":{\"fields\":["
             "{\"fieldName\":\"a\",\"dataType\":\"Int64\",\"isPrimary\":true},{\"fieldName\":\"b\",\"dataType\":\"Int64\",\"isPrimary\":true},"
             "{\"fieldName\":\"w\",\"dataType\":\"FloatVector\",\"elementTypeParams\":{\"dim\":2}}]}}");
    EXPECT(200, 1100, "the schema has 2 primary key fields; exactly one Int64 or VarChar field must have isPrimary set: invalid parameter");
    send_req("POST", "/v2/vectordb/collections/create", "{\"collectionName\":\"v\",\"schema\":{\"fields\":["
             "{\"fieldName\":\"a\",\"dataType\":\"Int64\",\"isPrimary\":true},{\"fieldName\":\"w\",\"dataType\":\"FloatVector\",\"elementTypeParams\":{\"dim\":2}},"
             "{\"fieldName\":\"r\",\"dataType\":\"Array\",\"elementDataType\":\"FloatVector\",\"elementTypeParams\":{\"max_capacity\":2}}]}}");
    EXPECT(200, 1100, "field \"r\": an Array needs a scalar elementDataType: invalid parameter");
    send_req("POST", "/v2/vectordb/entities/insert", "{\"collectionName\":\"c\",\"data\":[{\"id\":1,\"vector\":[1,2]},{\"id\":1,\"vector\":[1,2]}]}");
    EXPECT(200, 1804, "fail to deal the insert data, error: rows 0 and 1 have the same primary key 1");
}

static void milvus_v1_codes_from_fields(void)
{
    send_req("POST", "/v1/vector/collections/create", "{\"collectionName\":\"d\",\"dimension\":2,\"enableDynamicField\":false}");
    CHECK_INT(code(), 200);
    send_req("POST", "/v1/vector/insert", "{\"collectionName\":\"d\",\"data\":[{}]}");
    EXPECT(200, 90121, "row 0 of data is an empty object");
    send_req("POST", "/v1/vector/insert", "{\"collectionName\":\"d\",\"data\":[{\"x\":1}]}");
    EXPECT(200, 90125, "row 0: the vector field \"vector\" is missing");
    send_req("POST", "/v1/vector/insert", "{\"collectionName\":\"d\",\"data\":[{\"vector\":[1,2]},{\"vector\":[1,2],\"x\":1}]}");
    EXPECT(200, 90108, "row 1: field \"x\" is not in the schema of collection \"d\" and its dynamic field is disabled; remove the key or create the collection with enableDynamicField");
    send_req("POST", "/v2/vectordb/collections/create", "{\"collectionName\":\"p\",\"dimension\":2}");
    send_req("POST", "/v2/vectordb/entities/insert", "{\"collectionName\":\"p\",\"data\":[{\"id\":1,\"vector\":[1,2]}]}");
    send_req("POST", "/v1/vector/insert", "{\"collectionName\":\"p\",\"data\":[{\"id\":1,\"vector\":[1,2]}]}");
    EXPECT(200, 80000, "Incorrect parameter: row 0: primary key 1 already exists; use upsert to replace it");
    send_req("POST", "/v1/vector/insert", "{\"collectionName\":\"p\",\"data\":[{\"id\":2,\"vector\":[1,2]},{\"id\":2,\"vector\":[1,2]}]}");
    EXPECT(200, 90107, "rows 0 and 1 have the same primary key 2");
    send_req("POST", "/v1/vector/insert", "{\"collectionName\":\"p\",\"data\":[{\"vector\":[1,2]}]}");
    EXPECT(200, 90010, "row 0: the primary key \"id\" is missing");
    send_req("POST", "/v1/vector/delete", "{\"collectionName\":\"p\",\"id\":[\"abc\"]}");
    EXPECT(200, 90123, "inputted ID value does not match the field id, expecting Int64: id #0 \"abc\" is not an Int64; the primary key is Int64");
    send_req("POST", "/v1/vector/collections/drop", "{\"collectionName\":\"nope\"}");
    EXPECT(200, 90001, "collection not found[database=default][collection=nope]");
    send_req("POST", "/v1/vector/query", "{\"collectionName\":\"nope\",\"filter\":\"id > 0\"}");
    EXPECT(200, 90001, "The collection nope does not exist; create it first or check the name and dbName");
    send_req("POST", "/v1/vector/query", "{\"collectionName\":\"p\",\"dbName\":\"nodb\",\"filter\":\"id > 0\"}");
    EXPECT(200, 800, "database not found, database: nodb");
}

static void vikingdb_codes_from_fields(void)
{
    send_req("POST", "/api/collection/create", "{\"collection_name\":\"k\",\"primary_key\":\"pk\",\"fields\":["
             "{\"field_name\":\"pk\",\"field_type\":\"int64\"},{\"field_name\":\"v\",\"field_type\":\"vector\",\"dim\":4}]}");
    CHECK_INT(code(), 0);
    send_req("POST", "/api/collection/info", "{\"collection_name\":\"nope\"}");
    EXPECT(400, 1000005, "collection not exist: nope");
    send_req("POST", "/api/collection/upsert_data", "{\"collection_name\":\"k\",\"fields\":[{\"v\":[1,2,3,4]}]}");
    EXPECT(400, 1000017, "invalid request: row 0: the primary key \"pk\" is missing");
    send_req("POST", "/api/collection/update_data", "{\"collection_name\":\"k\",\"fields\":[{\"pk\":9,\"v\":[1,2,3,4]}]}");
    EXPECT(400, 1000011, "row 0: data not found: primary key 9 does not exist");
    send_req("POST", "/api/collection/upsert_data", "{\"collection_name\":\"k\",\"fields\":[{\"pk\":1,\"v\":[1,2,3,4],\"zz\":1}]}");
    EXPECT(400, 1000003, "invalid request: row 0: field \"zz\" is not in the schema of collection \"k\" and its dynamic field is disabled; remove the key, or create the collection with the dynamic field enabled");
    send_req("POST", "/api/index/info", "{\"collection_name\":\"k\",\"index_name\":\"nope\"}");
    EXPECT(400, 1000008, "index not exist: nope");
    send_req("POST", "/api/vikingdb/data/fetch_in_collection", "{\"collection_name\":\"nope\",\"ids\":[1]}");
    CHECK_INT(res.status, 404);
    CHECK_STR(text("code"), "NotFound.VikingdbCollection");
    CHECK_STR(text("message"), "The specified collection 'nope' of VikingDB does not exist.");
    send_req("POST", "/api/vikingdb/data/fetch_in_collection", "{\"collection_name\":\"k\"}");
    CHECK_INT(res.status, 400);
    CHECK_STR(text("code"), "MissingParameter");
    CHECK_STR(text("message"), "ids is required");
    send_req("POST", "/api/task/create", "{\"task_type\":\"filter_delete\",\"task_params\":{\"collection_name\":\"nope\",\"filter\":{\"op\":\"must\",\"field\":\"pk\",\"conds\":[1]}}}");
    EXPECT(400, 1000005, "collection not exist: nope");
}

static void ma_expect(int status, const char *code, const char *msg)
{
    CHECK_INT(res.status, status);
    CHECK_STR(text("error_code"), code);
    CHECK_STR(text("error_msg"), msg);
}

/* ModelArts's codes come from the engine's (code, entity, reason), its HTTP status with the code. */
static void modelarts_codes_from_fields(void)
{
    char path[160];
    snprintf(path, sizeof path, "/v2/%s/datasets", project);
    send_req("POST", path, "");
    ma_expect(400, "ModelArts.0107", "the request body is empty; send a JSON object");
    send_req("POST", path, "{\"dataset_name\":");
    CHECK_STR(text("error_code"), "ModelArts.0107");
    CHECK(strncmp(text("error_msg"), "invalid request body: ", 22) == 0);
    send_req("POST", path, "{\"dataset_name\":\"d\",\"data_sources\":[{\"data_path\":\"/b/in/\"}],\"work_path\":\"/b/out/\"}");
    CHECK_INT(res.status, 201);
    char ds[32];
    snprintf(ds, sizeof ds, "%s", text("dataset_id"));
    send_req("POST", path, "{\"dataset_name\":\"d\",\"data_sources\":[{\"data_path\":\"/b/in/\"}],\"work_path\":\"/b/out/\"}");
    CHECK_INT(res.status, 400);
    CHECK_STR(text("error_code"), "ModelArts.4351");
    snprintf(path, sizeof path, "/v2/%s/datasets/nope", project);
    send_req("GET", path, "");
    CHECK_INT(res.status, 400);
    CHECK_STR(text("error_code"), "ModelArts.4352");
    snprintf(path, sizeof path, "/v2/%s/datasets/%s/data-annotations/samples/s-missing", project, ds);
    send_req("GET", path, "");
    ma_expect(400, "ModelArts.4420", "Sample not found. [s-missing]");
    /* a batch result carries the same code and text as a whole answer would */
    json_object *w = json_object_new_object();
    av_err e = err_on(AV_ENOTFOUND, AV_ENT_SAMPLE, AV_R_NONE, "s-9", NULL, "neutral text");
    ma_result_error(w, &e);
    CHECK_STR(json_object_get_string(json_object_object_get(w, "error_code")), "ModelArts.4420");
    CHECK_STR(json_object_get_string(json_object_object_get(w, "error_msg")), "Sample not found. [s-9]");
    json_object_put(w);
}

/* The same text for every error: only entity and reason tell them apart. */
static const char *render(const char *method, const char *path, int reason)
{
    av_http_req req;
    av_http_handler h;
    const av_dialect *d = route(method, path, &req, &h);
    av_err e;
    av_fail_on(&e, AV_EAUTH, AV_ENT_CREDENTIAL, reason, NULL, NULL, "missing or expired, who knows");
    res.body.len = 0;
    d->render_error(&res, AV_HTTP_ERR_UNAUTHORIZED, &e);
    for (int i = 0; i < req.nparams; i++) free(req.param_values[i]);
    take_reply();
    return res.body.p;
}

static void transport_by_reason(void)
{
    render("GET", "/v1/vector/collections", AV_R_MISSING);
    EXPECT(401, 80001, "The token is illegal: missing or expired, who knows");
    render("GET", "/v1/vector/collections", AV_R_NONE);
    EXPECT(401, 80002, "The token is invalid: missing or expired, who knows");
    render("GET", "/v1/vector/collections", AV_R_EXPIRED);
    CHECK_INT(code(), 80002);
    static const struct { int reason; const char *code; } ma[] = {
        { AV_R_MISSING, "ModelArts.0201" }, { AV_R_EXPIRED, "ModelArts.0202" }, { AV_R_NONE, "ModelArts.0203" },
    };
    for (size_t i = 0; i < sizeof ma / sizeof *ma; i++) {
        char path[96];
        snprintf(path, sizeof path, "/v2/%s/datasets", project);
        render("GET", path, ma[i].reason);
        CHECK_INT(res.status, 401);
        CHECK_STR(text("error_code"), ma[i].code);
    }
}

static void with_store(void (*fn)(void))
{
    setup();
    fn();
    teardown();
}

static void milvus_v2(void) { with_store(milvus_v2_phrases); }
static void milvus_v1(void) { with_store(milvus_v1_codes_from_fields); }
static void vikingdb(void) { with_store(vikingdb_codes_from_fields); }
static void transport(void) { with_store(transport_by_reason); }
static void modelarts(void) { with_store(modelarts_codes_from_fields); }

TEST_MAIN(TEST_CASE(table_first_match_wins), TEST_CASE(table_wildcards_and_contexts), TEST_CASE(table_falls_back_to_last_row),
          TEST_CASE(template_tokens), TEST_CASE(template_phrase_inside_text),
          TEST_CASE(milvus_v2), TEST_CASE(milvus_v1), TEST_CASE(vikingdb), TEST_CASE(modelarts), TEST_CASE(transport))
