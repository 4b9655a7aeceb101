/*
 * test_json.c — JSON helpers (src/http/json.c): int64 values survive parse → read → render exactly up
 * to 2^63-1, malformed input is refused with its byte position, nesting is bounded, floats render in
 * their shortest round-trip form, and vectors refuse wrong lengths, non-numbers, NaN and overflow.
 * Non-finite numbers (1e999, NaN, Infinity) are refused at parse with their byte offset, and a text
 * whose tree would take more than AV_JSON_MAX_MEMORY is refused before it is parsed.
 * Each case is a table of rows; a failed row is named by its index and text.
 */
#include "http/http.h"
#include "test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void test_int64_roundtrip(void)
{
    static const char *const values[] = { "0", "-1", "9007199254740993", "449223424352133601",
                                          "9223372036854775807", "-9223372036854775808" };
    for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
        int mark = test_failed;
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
        test_row(mark, i, values[i]);
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
        int mark = test_failed;
        json_object *v = NULL;
        av_err e;
        CHECK_INT(av_json_parse(cases[i].text, strlen(cases[i].text), 8, &v, &e), AV_OK);
        int64_t x = 0;
        int rc = av_json_get_int64(v, cases[i].allow_string, &x);
        CHECK_INT(rc == AV_OK, cases[i].ok);
        if (cases[i].ok) CHECK_INT(x, cases[i].want);
        test_row(mark, i, cases[i].text);
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
        int mark = test_failed;
        json_object *o = NULL;
        av_err e;
        av_err_clear(&e);
        CHECK_INT(av_json_parse(cases[i].text, strlen(cases[i].text), 8, &o, &e), AV_EINVAL);
        CHECK_INT(e.pos, cases[i].pos);
        CHECK_CONTAINS(e.msg, cases[i].frag);
        CHECK(o == NULL);
        test_row(mark, i, cases[i].text);
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
        int mark = test_failed;
        json_object *v = av_json_float(cases[i].f);
        CHECK_STR(json_object_to_json_string(v), cases[i].text);
        CHECK(strtof(json_object_to_json_string(v), NULL) == cases[i].f);
        test_row(mark, i, cases[i].text);
        json_object_put(v);
    }
    json_object *d = av_json_double(0.1);
    CHECK_STR(json_object_to_json_string(d), "0.1");
    json_object_put(d);
    CHECK(av_json_float(NAN) == NULL);
}

static void test_nonfinite(void)
{
    static const struct { const char *text; int rc; int pos; } cases[] = {
        {"[1, NaN, 3]", AV_EINVAL, 4}, {"[1, -Infinity, 3]", AV_EINVAL, 4}, {"[Infinity]", AV_EINVAL, 1},
        {"1e999", AV_EINVAL, 0}, {"{\"a\":-1E+400}", AV_EINVAL, 5}, {"[1e308, -1e308, 1e-999]", AV_OK, 0},
        {"{\"NaN\":\"Infinity 1e999\"}", AV_OK, 0}, {"[null, true, false]", AV_OK, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int mark = test_failed;
        json_object *v = NULL;
        av_err e;
        CHECK_INT(av_json_parse(cases[i].text, strlen(cases[i].text), 8, &v, &e), cases[i].rc);
        if (cases[i].rc) CHECK_INT(e.pos, cases[i].pos);
        test_row(mark, i, cases[i].text);
        json_object_put(v);
    }
    CHECK(av_json_double(INFINITY) == NULL);
    CHECK(av_json_float(-INFINITY) == NULL);
}

/* 20 MB of [0,0,...] would take ~700 MB as json-c objects: refused before parsing. */
static void test_parse_memory(void)
{
    size_t n = 10u << 20;
    char *s = malloc(2 * n + 2);
    s[0] = '[';
    for (size_t i = 0; i < n; i++) { s[1 + 2 * i] = '0'; s[2 + 2 * i] = ','; }
    s[2 * n] = ']';
    s[2 * n + 1] = 0;
    json_object *v = NULL;
    av_err e;
    CHECK_INT(av_json_parse(s, 2 * n + 1, 8, &v, &e), AV_ELIMIT);
    CHECK(v == NULL && strstr(e.msg, "MiB") != NULL);
    /* 100k values (a 784-d batch of ~130 rows) parse */
    size_t m = 100000;
    s[2 * m] = ']';
    CHECK_INT(av_json_parse(s, 2 * m + 1, 8, &v, &e), AV_OK);
    json_object_put(v);
    free(s);
}

static void test_vectors(void)
{
    static const struct { const char *text; int rc; } cases[] = {
        {"[1, 2.5, -3]", AV_OK}, {"[1, 2]", AV_EDIM}, {"[1, 2, 3, 4]", AV_EDIM}, {"[1, \"2\", 3]", AV_ETYPE},
        {"[1, null, 3]", AV_ETYPE}, {"[1, 1e39, 3]", AV_EINVAL}, {"{\"a\":1}", AV_ETYPE}, {"[1, [2], 3]", AV_ETYPE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int mark = test_failed;
        json_object *v = NULL;
        av_err e;
        av_json_parse(cases[i].text, strlen(cases[i].text), 8, &v, &e);
        float out[3];
        CHECK_INT(av_json_get_vector(v, 3, out, &e), cases[i].rc);
        if (cases[i].rc == AV_OK) CHECK(out[1] == 2.5f && out[2] == -3.0f);
        test_row(mark, i, cases[i].text);
        json_object_put(v);
    }
}

/* The text null is valid JSON: json-c's null is NULL, with no error and no "success" message. */
static void test_null(void)
{
    static const char *const ok[] = { "null", " null \n" };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        int mark = test_failed;
        json_object *o = (json_object *)1;
        av_err e;
        av_err_clear(&e);
        CHECK_INT(av_json_parse(ok[i], strlen(ok[i]), 8, &o, &e), AV_OK);
        CHECK(o == NULL);
        test_row(mark, i, ok[i]);
    }
    json_object *o = NULL;
    av_err e;
    CHECK_INT(av_json_parse("null x", 6, 8, &o, &e), AV_EINVAL);
    CHECK_INT(e.pos, 5);
    CHECK(strstr(e.msg, "success") == NULL);
}

TEST_MAIN(
    TEST_CASE(test_null),
    TEST_CASE(test_int64_roundtrip),
    TEST_CASE(test_int64_refusals),
    TEST_CASE(test_parse_errors),
    TEST_CASE(test_numbers_out),
    TEST_CASE(test_vectors),
    TEST_CASE(test_nonfinite),
    TEST_CASE(test_parse_memory))
