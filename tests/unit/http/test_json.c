/*
 * test_json.c — JSON helpers: int64 values survive parse → read → render exactly up to 2^63-1,
 * malformed input is refused with its byte position, nesting is bounded, floats render in their
 * shortest round-trip form, and vectors refuse wrong lengths, non-numbers, NaN and overflow.
 */
#include "http/http.h"
#include "http/router.h"
#include "test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_int64_roundtrip(void)
{
    static const char *const values[] = { "0", "-1", "9007199254740993", "449223424352133601",
                                          "9223372036854775807", "-9223372036854775808" };
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        char text[64];
        snprintf(text, sizeof text, "{\"id\":%s}", values[i]);
        json_object *o = NULL, *v;
        av_err e;
        CHECK_INT(av_json_parse(text, strlen(text), AV_JSON_MAX_DEPTH, &o, &e), AV_OK);
        json_object_object_get_ex(o, "id", &v);
        int64_t x = 0;
        CHECK_INT(av_json_get_int64(v, 0, &x), AV_OK);
        char back[32];
        snprintf(back, sizeof back, "%lld", (long long)x);
        CHECK_STR(back, values[i]);
        json_object *out = json_object_new_object();
        json_object_object_add(out, "id", json_object_new_int64(x));
        CHECK_STR(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN), text);
        json_object_put(out);
        json_object_put(o);
    }
}

static void test_int64_refusals(void)
{
    static const struct { const char *text; int allow_string; int ok; int64_t want; } cases[] = {
        {"9223372036854775808", 0, 0, 0}, {"1.5", 0, 0, 0}, {"true", 0, 0, 0}, {"\"123\"", 0, 0, 0},
        {"\"123\"", 1, 1, 123}, {"\"-9\"", 1, 1, -9}, {"\"12a\"", 1, 0, 0}, {"\" 1\"", 1, 0, 0},
        {"\"\"", 1, 0, 0}, {"\"99999999999999999999\"", 1, 0, 0}, {"2.0", 0, 1, 2}, {"1e300", 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_object *v = NULL;
        av_err e;
        CHECK_INT(av_json_parse(cases[i].text, strlen(cases[i].text), 8, &v, &e), AV_OK);
        int64_t x = 0;
        int rc = av_json_get_int64(v, cases[i].allow_string, &x);
        if ((rc == AV_OK) != cases[i].ok) fprintf(stderr, "  int64 case %zu (%s)\n", i, cases[i].text);
        CHECK_INT(rc == AV_OK, cases[i].ok);
        if (cases[i].ok) CHECK_INT(x, cases[i].want);
        json_object_put(v);
    }
}

static void test_parse_errors(void)
{
    static const struct { const char *text; int pos; const char *frag; } cases[] = {
        {"{\"a\":", 5, "ends"}, {"{\"a\":1} x", 8, "byte 8"}, {"{\"a\" 1}", 5, "invalid JSON"},
        {"[1,2,]", 5, "invalid JSON"}, {"", 0, "ends"}, {"{\"a\":tru}", 8, "invalid JSON"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_object *o = NULL;
        av_err e;
        av_err_clear(&e);
        CHECK_INT(av_json_parse(cases[i].text, strlen(cases[i].text), 8, &o, &e), AV_EINVAL);
        if (e.pos != cases[i].pos) fprintf(stderr, "  parse case %zu: pos %d msg %s\n", i, e.pos, e.msg);
        CHECK_INT(e.pos, cases[i].pos);
        CHECK_CONTAINS(e.msg, cases[i].frag);
        CHECK(o == NULL);
    }
    char deep[200];
    memset(deep, '[', 65);
    memset(deep + 65, ']', 65);
    json_object *o = NULL;
    av_err e;
    CHECK_INT(av_json_parse(deep, 130, 64, &o, &e), AV_EINVAL);
    CHECK_CONTAINS(e.msg, "nesting");
    CHECK_INT(av_json_parse(deep + 1, 128, 64, &o, &e), AV_OK);
    json_object_put(o);
}

static void test_numbers_out(void)
{
    static const struct { float f; const char *text; } cases[] = {
        {0.1f, "0.1"}, {1.0f, "1"}, {0.0f, "0"}, {-2.5f, "-2.5"}, {3.4028235e38f, "3.4028235e+38"}, {1e-7f, "1e-07"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_object *v = av_json_float(cases[i].f);
        CHECK_STR(json_object_to_json_string(v), cases[i].text);
        CHECK(strtof(json_object_to_json_string(v), NULL) == cases[i].f);
        json_object_put(v);
    }
    json_object *d = av_json_double(0.1);
    CHECK_STR(json_object_to_json_string(d), "0.1");
    json_object_put(d);
    CHECK(av_json_float(NAN) == NULL);
}

static void test_vectors(void)
{
    static const struct { const char *text; int rc; } cases[] = {
        {"[1, 2.5, -3]", AV_OK}, {"[1, 2]", AV_EDIM}, {"[1, 2, 3, 4]", AV_EDIM}, {"[1, \"2\", 3]", AV_ETYPE},
        {"[1, null, 3]", AV_ETYPE}, {"[1, 1e39, 3]", AV_EINVAL}, {"[1, NaN, 3]", AV_EINVAL}, {"[1, -Infinity, 3]", AV_EINVAL}, {"{\"a\":1}", AV_ETYPE}, {"[1, [2], 3]", AV_ETYPE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_object *v = NULL;
        av_err e;
        av_json_parse(cases[i].text, strlen(cases[i].text), 8, &v, &e);
        float out[3];
        CHECK_INT(av_json_get_vector(v, 3, out, &e), cases[i].rc);
        if (cases[i].rc == AV_OK) CHECK(out[1] == 2.5f && out[2] == -3.0f);
        json_object_put(v);
    }
}

static void h_a(av_http_req *req, av_http_res *res) { (void)req; res->status = 1; }
static void h_b(av_http_req *req, av_http_res *res) { (void)req; res->status = 2; }

static int route(const char *method, const char *path, av_http_handler *h, av_http_req *req, char *allowed)
{
    memset(req, 0, sizeof *req);
    req->method = method;
    req->path = path;
    const av_dialect *d;
    return router_find(req, &d, h, allowed, 64);
}

static void test_router(void)
{
    av_http_route("POST", "/v2/vectordb/entities/search", NULL, h_a);
    av_http_route("GET", "/v2/{project_id}/datasets/{dataset_id}", NULL, h_b);
    av_http_route("DELETE", "/v2/{project_id}/datasets/{dataset_id}", NULL, h_a);
    av_http_req req;
    av_http_handler h = NULL;
    char allowed[64];
    CHECK_INT(route("POST", "/v2/vectordb/entities/search", &h, &req, allowed), ROUTE_FOUND);
    CHECK(h == h_a);
    CHECK_INT(route("POST", "/v2/vectordb/entities/search/", &h, &req, allowed), ROUTE_FOUND);   /* trailing slash */
    CHECK_INT(route("GET", "/v2/vectordb/entities/search", &h, &req, allowed), ROUTE_BAD_METHOD);
    CHECK_STR(allowed, "POST");
    CHECK_INT(route("POST", "/v2/vectordb/entities/searchx", &h, &req, allowed), ROUTE_NONE);
    CHECK_INT(route("GET", "/v2/abc%20d/datasets/42", &h, &req, allowed), ROUTE_FOUND);
    CHECK(h == h_b);
    CHECK_STR(av_http_param(&req, "project_id"), "abc d");
    CHECK_STR(av_http_param(&req, "dataset_id"), "42");
    CHECK(av_http_param(&req, "nope") == NULL);
    for (int i = 0; i < req.nparams; i++) free(req.param_values[i]);
    CHECK_INT(route("PUT", "/v2/p/datasets/d", &h, &req, allowed), ROUTE_BAD_METHOD);
    CHECK_STR(allowed, "GET, DELETE");
    CHECK_INT(route("GET", "/v2//datasets/42", &h, &req, allowed), ROUTE_NONE);    /* empty segment */
    CHECK_INT(route("GET", "/v2/p/datasets/42/x", &h, &req, allowed), ROUTE_NONE);
    av_http_routes_clear();
}

int main(void)
{
    test_int64_roundtrip();
    test_int64_refusals();
    test_parse_errors();
    test_numbers_out();
    test_vectors();
    test_router();
    return test_summary();
}
