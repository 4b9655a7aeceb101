/*
 * test_router.c — the route table (src/http/router.c): exact paths with or without a trailing slash,
 * a known path with another method (405 with the allowed list), {name} segments captured and
 * percent-decoded, and near misses (a longer last segment, an empty segment, an extra segment) that
 * must not match. A table of requests against three routes; a failed row is named by index and path.
 */
#include "http/http.h"
#include "http/router.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static void h_a(av_http_req *req, av_http_res *res) { (void)req; res->status = 1; }
static void h_b(av_http_req *req, av_http_res *res) { (void)req; res->status = 2; }

typedef struct param { const char *name, *value; } param;   /* value NULL: the request has no such param */

static const struct {
    const char *method, *path;
    int want;                   /* ROUTE_FOUND, ROUTE_BAD_METHOD or ROUTE_NONE */
    av_http_handler h;          /* ROUTE_FOUND: the handler it must pick */
    const char *allowed;        /* ROUTE_BAD_METHOD: the Allow list */
    param params[3];
} route_rows[] = {
    /* 0 */ {"POST", "/v2/vectordb/entities/search", ROUTE_FOUND, h_a, NULL, {{0}}},
    /* 1 */ {"POST", "/v2/vectordb/entities/search/", ROUTE_FOUND, h_a, NULL, {{0}}},   /* trailing slash */
    /* 2 */ {"GET", "/v2/vectordb/entities/search", ROUTE_BAD_METHOD, NULL, "POST", {{0}}},
    /* 3 */ {"POST", "/v2/vectordb/entities/searchx", ROUTE_NONE, NULL, NULL, {{0}}},
    /* 4 */ {"GET", "/v2/abc%20d/datasets/42", ROUTE_FOUND, h_b, NULL,
             {{"project_id", "abc d"}, {"dataset_id", "42"}, {"nope", NULL}}},
    /* 5 */ {"PUT", "/v2/p/datasets/d", ROUTE_BAD_METHOD, NULL, "GET, DELETE", {{0}}},
    /* 6 */ {"GET", "/v2//datasets/42", ROUTE_NONE, NULL, NULL, {{0}}},                 /* empty segment */
    /* 7 */ {"GET", "/v2/p/datasets/42/x", ROUTE_NONE, NULL, NULL, {{0}}},
};

static void test_routes(void)
{
    av_http_route("POST", "/v2/vectordb/entities/search", NULL, h_a);
    av_http_route("GET", "/v2/{project_id}/datasets/{dataset_id}", NULL, h_b);
    av_http_route("DELETE", "/v2/{project_id}/datasets/{dataset_id}", NULL, h_a);
    for (size_t i = 0; i < sizeof route_rows / sizeof *route_rows; i++) {
        int mark = test_failed;
        av_http_req req;
        memset(&req, 0, sizeof req);
        req.method = route_rows[i].method;
        req.path = route_rows[i].path;
        const av_dialect *d;
        av_http_handler h = NULL;
        char allowed[64] = "";
        CHECK_INT(router_find(&req, &d, &h, allowed, sizeof allowed), route_rows[i].want);
        if (route_rows[i].h) CHECK(h == route_rows[i].h);
        if (route_rows[i].allowed) CHECK_STR(allowed, route_rows[i].allowed);
        for (const param *p = route_rows[i].params; p < route_rows[i].params + 3 && p->name; p++) {
            if (p->value) CHECK_STR(av_http_param(&req, p->name), p->value);
            else CHECK(av_http_param(&req, p->name) == NULL);
        }
        test_row(mark, i, route_rows[i].path);
        for (int k = 0; k < req.nparams; k++) free(req.param_values[k]);
    }
    av_http_routes_clear();
}

/* A path no route matches takes the dialect of the route sharing the most leading segments (a literal
 * segment counts more than a {name} one): an unknown VikingDB path answers in VikingDB's envelope. */
static void test_dialect_of_unknown_paths(void)
{
    static const av_dialect milvus = { "milvus_v2", NULL, NULL }, viking = { "vikingdb_v2", NULL, NULL },
                            modelarts = { "modelarts", NULL, NULL }, viking1 = { "vikingdb_v1", NULL, NULL };
    av_http_route("POST", "/v2/vectordb/collections/list", &milvus, h_a);
    av_http_route("POST", "/api/vikingdb/data/upsert", &viking, h_a);
    av_http_route("POST", "/api/collection/create", &viking1, h_a);
    av_http_route("GET", "/v2/{project_id}/datasets", &modelarts, h_a);
    static const struct { const char *path; const av_dialect *want; } rows[] = {
        /* 0 */ {"/v2/vectordb/nope", &milvus},
        /* 1 */ {"/v2/vectordb", &milvus},
        /* 2 */ {"/api/vikingdb/data/nope/deeper", &viking},
        /* 3 */ {"/api/collection/nope", &viking1},
        /* 4 */ {"/api/index/nope", &viking},   /* only "/api" shared: the first such route wins */
        /* 5 */ {"/v2/0123456789abcdef0123456789abcdef/nope", &modelarts},
        /* 6 */ {"/nowhere", NULL},
        /* 7 */ {"/", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        int mark = test_failed;
        CHECK(router_dialect_for(rows[i].path) == rows[i].want);
        test_row(mark, i, rows[i].path);
    }
    av_http_routes_clear();
}

TEST_MAIN(TEST_CASE(test_routes), TEST_CASE(test_dialect_of_unknown_paths))
