/*
 * test_reqlog.c — the request log (src/http/reqlog.c): every byte of a path that could end or forge a
 * line is escaped in both formats, request ids are kept only when sane, and the dialect's code is read
 * from each envelope's first member. Tables of rows; a failed row is named by its index and input.
 */
#include "http/reqlog.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static char *line_of(int json, const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    http_reqlog l = { 1764684811123, "127.0.0.1", "rid1", "GET", path, 200, "0", 1.5, 3, 4 };
    reqlog_write(f, json, &l);
    fclose(f);
    return buf;
}

static void test_escaping(void)
{
    static const struct { const char *path, *text, *json; } rows[] = {
        /* 0 */ {"/a/b", "/a/b", "/a/b"},
        /* 1 */ {"/x\nGET / 200", "/x\\x0aGET\\x20/\\x20200", "/x\\u000aGET / 200"},
        /* 2 */ {"/\r\x1b[31m", "/\\x0d\\x1b[31m", "/\\u000d\\u001b[31m"},
        /* 3 */ {"/q\"uo\\te", "/q\\x22uo\\x5cte", "/q\\\"uo\\\\te"},
        /* 4 */ {"/\xc3\xa9\x7f", "/\\xc3\\xa9\\x7f", "/\\u00c3\\u00a9\\u007f"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        int mark = test_failed;
        char *t = line_of(0, rows[i].path), *j = line_of(1, rows[i].path);
        char want[256];
        snprintf(want, sizeof want, "2025-12-02T14:13:31.123Z 127.0.0.1 rid1 GET %s 200 code=0 1.500ms in=3 out=4\n", rows[i].text);
        CHECK_STR(t, want);
        snprintf(want, sizeof want, "{\"time\":\"2025-12-02T14:13:31.123Z\",\"client\":\"127.0.0.1\",\"request_id\":\"rid1\",\"method\":\"GET\","
                 "\"path\":\"%s\",\"status\":200,\"code\":\"0\",\"ms\":1.500,\"bytes_in\":3,\"bytes_out\":4}\n", rows[i].json);
        CHECK_STR(j, want);
        CHECK(strchr(t, '\n') == t + strlen(t) - 1 && strchr(j, '\n') == j + strlen(j) - 1);
        test_row(mark, i, rows[i].path);
        free(t);
        free(j);
    }
}

static void test_request_ids(void)
{
    static const struct { const char *in; int kept; } rows[] = {
        {"abc-123", 1}, {"A.b_c:d-9", 1}, {"", 0}, {NULL, 0}, {"has space", 0}, {"new\nline", 0},
        {"0123456789012345678901234567890123456789012345678901234567890123", 1},
        {"01234567890123456789012345678901234567890123456789012345678901234", 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        int mark = test_failed;
        char out[65];
        reqlog_request_id(rows[i].in, out);
        if (rows[i].kept) CHECK_STR(out, rows[i].in);
        else CHECK(strlen(out) == 32 && strspn(out, "0123456789abcdef") == 32);
        test_row(mark, i, rows[i].in ? rows[i].in : "(none)");
    }
}

static void test_wire_codes(void)
{
    static const struct { const char *body, *code; } rows[] = {
        {"{\"code\":0,\"data\":{}}", "0"}, {"{\"code\":100,\"message\":\"collection not found\"}", "100"},
        {"{\"code\":\"NotFound.VikingdbCollection\",\"message\":\"x\"}", "NotFound.VikingdbCollection"},
        {"{\"error_code\":\"ModelArts.4352\",\"error_msg\":\"x\"}", "ModelArts.4352"},
        {"{\"dataset_id\":\"x\"}", ""}, {"", ""}, {"# HELP x", ""}, {"{\"code\":-1}", "-1"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        int mark = test_failed;
        char out[48];
        reqlog_wire_code(rows[i].body, strlen(rows[i].body), out);
        CHECK_STR(out, rows[i].code);
        test_row(mark, i, rows[i].body);
    }
}

TEST_MAIN(
    TEST_CASE(test_escaping),
    TEST_CASE(test_request_ids),
    TEST_CASE(test_wire_codes))
