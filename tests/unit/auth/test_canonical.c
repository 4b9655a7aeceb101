/*
 * test_canonical.c — the shared pieces of signed canonical requests (src/auth/canonical.c), as
 * tables: canon_decode on components given by length inside a longer text (a '%' in the last two
 * bytes must not read past the component: the fuzz harness fuzz/fuzz_sign.c found the old bound
 * `i + 2 < n + 1` reading s[n]), canon_query's sorted, re-encoded form, and canon_auth_param.
 */
#include "auth/canonical.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static const struct { const char *text; size_t n; const char *want; } decode_rows[] = {
    /* 0 */ {"%41", 3, "A"},
    /* 1 */ {"%41", 2, "%4"},        /* the '1' after the component is not part of it */
    /* 2 */ {"%41", 1, "%"},
    /* 3 */ {"a%4142", 4, "aA"},
    /* 4 */ {"a%4", 3, "a%4"},
    /* 5 */ {"%zz+%2b", 7, "%zz +"},
    /* 6 */ {"x%", 2, "x%"},
    /* 7 */ {"", 0, ""},
    /* 8 */ {"%%41", 4, "%A"},
};

static void test_decode(void)
{
    for (size_t i = 0; i < sizeof decode_rows / sizeof *decode_rows; i++) {
        int mark = test_failed;
        /* an exactly sized copy, so ASan builds also catch a read past the component */
        size_t n = decode_rows[i].n;
        char *exact = malloc(n ? n : 1);
        memcpy(exact, decode_rows[i].text, n);
        char *got = canon_decode(exact, n);
        CHECK_STR(got, decode_rows[i].want);
        free(got);
        free(exact);
        test_row(mark, i, decode_rows[i].text);
    }
}

static const struct { const char *query, *want; } query_rows[] = {
    /* 0 */ {"b=2&a=1", "a=1&b=2"},
    /* 1 */ {"a=2&a=1", "a=1&a=2"},
    /* 2 */ {"k", "k="},
    /* 3 */ {"a=%4", "a=%254"},
    /* 4 */ {"a=%41&b=%4", "a=A&b=%254"},
    /* 5 */ {"x=a+b&&y=%2F", "x=a%20b&y=%2F"},
    /* 6 */ {"=v", "=v"},
    /* 7 */ {"%", "%25="},
    /* 8 */ {"", ""},
};

static void test_query(void)
{
    for (size_t i = 0; i < sizeof query_rows / sizeof *query_rows; i++) {
        int mark = test_failed;
        av_buf b = { 0 };
        canon_query(&b, query_rows[i].query);
        CHECK_STR(b.p ? b.p : "", query_rows[i].want);
        av_buf_free(&b);
        test_row(mark, i, query_rows[i].query);
    }
}

static const struct { const char *header, *name; size_t cap; int rc; const char *want; } param_rows[] = {
    /* 0 */ {"X Access=AK, Signature=ab", "Access=", 16, 0, "AK"},
    /* 1 */ {"X Access=AK  , Signature=ab", "Access=", 16, 0, "AK"},
    /* 2 */ {"X Access=, Signature=ab", "Access=", 16, -1, NULL},
    /* 3 */ {"X Access=ABCD", "Access=", 4, -1, NULL},      /* longer than cap - 1 */
    /* 4 */ {"X Access=ABC", "Access=", 4, 0, "ABC"},
    /* 5 */ {"X Signature=ab", "Access=", 16, -1, NULL},
};

static void test_auth_param(void)
{
    for (size_t i = 0; i < sizeof param_rows / sizeof *param_rows; i++) {
        int mark = test_failed;
        char out[16];
        CHECK_INT(canon_auth_param(param_rows[i].header, param_rows[i].name, out, param_rows[i].cap), param_rows[i].rc);
        if (param_rows[i].want) CHECK_STR(out, param_rows[i].want);
        test_row(mark, i, param_rows[i].header);
    }
}

TEST_MAIN(TEST_CASE(test_decode), TEST_CASE(test_query), TEST_CASE(test_auth_param))
