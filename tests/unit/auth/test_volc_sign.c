/*
 * test_volc_sign.c — Volcengine Signature V4 (src/auth/volc_sign.c): both known-answer vectors of
 * specs/vikingdb.md §1 (the Node SDK's header choice and the Python/Go one) as a table, what changes
 * a signature and what does not, and Authorization headers that must not parse (a table).
 */
#include "auth/volc_sign.h"
#include "test.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

typedef struct hdrs { const char *names[6]; const char *values[6]; } hdrs;

static const char *lookup(void *ctx, const char *name)
{
    const hdrs *h = ctx;
    for (int i = 0; i < 6 && h->names[i]; i++)
        if (strcasecmp(h->names[i], name) == 0) return h->values[i];
    return NULL;
}

/* The Node SDK's request of KAT 0: it signs every header but content-type (service air). */
#define NODE_BODY "{\"collection_name\":\"c1\",\"primary_keys\":[1,2]}"
#define NODE_SIG  "e1a4fccc60a70ef1f450192d150db76f25ec708f427cf9be754f11c840c2e236"
static const hdrs node_hdrs = {
    { "Accept", "Content-Type", "X-Date", "X-Content-Sha256" },
    { "application/json", "application/json", "20240101T000000Z", "2bfec8ec4ec96490f6201b12f3f6c272021aafb274f2c95f2fc33abc4ce96d29" },
};

/* Known answers: AK "AKTEST", SK "SKTEST", X-Date 20240101T000000Z, region cn-beijing. The body's
 * SHA-256 is the X-Content-Sha256 header the client sends (checked first: sha256sum agrees). */
static const struct {
    const char *what, *path, *body, *signed_list, *service, *body_sha256, *signature;
    const hdrs *headers;
} kat_rows[] = {
    /* 0 */ {"Node SDK: all headers but content-type, service air", "/api/collection/del_data", NODE_BODY,
             "accept;x-content-sha256;x-date", "air", "2bfec8ec4ec96490f6201b12f3f6c272021aafb274f2c95f2fc33abc4ce96d29",
             NODE_SIG, &node_hdrs},
    /* 1 */ {"Python/Go: content-type and host, service vikingdb", "/api/vikingdb/data/delete",
             "{\"collection_name\":\"c1\",\"ids\":[1,2]}", "content-type;host;x-content-sha256;x-date", "vikingdb",
             "a807c5da872a483633b3bfcfd3fd04eb25762ddf61a52dfc7e75f6de801ebe4c",
             "85dbf3f531cac1c4747a8aa014bc55c8609b2805af6a1ef109dc8b838c68d9fd",
             &(const hdrs){ { "Content-Type", "Host", "X-Date", "X-Content-Sha256" },
                            { "application/json", "127.0.0.1:8080", "20240101T000000Z",
                              "a807c5da872a483633b3bfcfd3fd04eb25762ddf61a52dfc7e75f6de801ebe4c" } }},
};

static void test_known_answers(void)
{
    for (size_t i = 0; i < sizeof kat_rows / sizeof *kat_rows; i++) {
        int mark = test_failed;
        char hash[65], auth[512], sig[65];
        volc_sha256_hex(kat_rows[i].body, strlen(kat_rows[i].body), hash);
        CHECK_STR(hash, kat_rows[i].body_sha256);
        snprintf(auth, sizeof auth, "HMAC-SHA256 Credential=AKTEST/20240101/cn-beijing/%s/request, SignedHeaders=%s, Signature=%064d",
                 kat_rows[i].service, kat_rows[i].signed_list, 0);
        volc_auth a;
        av_err e;
        CHECK_INT(volc_parse_authorization(auth, &a, &e), AV_OK);
        volc_request r = { "POST", kat_rows[i].path, "", lookup, (void *)kat_rows[i].headers, kat_rows[i].body, strlen(kat_rows[i].body), NULL };
        CHECK_INT(volc_signature(&r, &a, "SKTEST", "20240101T000000Z", sig, &e), AV_OK);
        CHECK_STR(sig, kat_rows[i].signature);
        /* checked at the head, before the body: over the declared hash (in upper case too) */
        char upper[65];
        for (int k = 0; k < 65; k++) upper[k] = (char)toupper((unsigned char)kat_rows[i].body_sha256[k]);
        volc_request d = { "POST", kat_rows[i].path, "", lookup, (void *)kat_rows[i].headers, NULL, 0, upper };
        CHECK_INT(volc_signature(&d, &a, "SKTEST", "20240101T000000Z", sig, &e), AV_OK);
        CHECK_STR(sig, kat_rows[i].signature);
        test_row(mark, i, kat_rows[i].what);
    }
}

/* KAT 0's headers over another body: another signature. */
static void test_changed_body(void)
{
    char sig[65];
    volc_auth a;
    av_err e;
    volc_parse_authorization("HMAC-SHA256 Credential=AKTEST/20240101/cn-beijing/air/request, SignedHeaders=accept;x-content-sha256;x-date, Signature=00", &a, &e);
    volc_request r = { "POST", "/api/collection/del_data", NULL, lookup, (void *)&node_hdrs, "{}", 2, NULL };
    volc_signature(&r, &a, "SKTEST", "20240101T000000Z", sig, &e);
    CHECK(strcmp(sig, NODE_SIG) != 0);
}

static void test_missing_signed_header(void)
{
    char sig[65];
    volc_auth a;
    av_err e;
    volc_parse_authorization("HMAC-SHA256 Credential=AKTEST/20240101/cn-beijing/air/request, SignedHeaders=x-missing, Signature=00", &a, &e);
    volc_request r = { "POST", "/api/collection/del_data", NULL, lookup, (void *)&node_hdrs, "{}", 2, NULL };
    CHECK_INT(volc_signature(&r, &a, "SKTEST", "20240101T000000Z", sig, &e), AV_EAUTH);
    CHECK_CONTAINS(e.msg, "x-missing");
}

/* Query strings are sorted and encoded: the order the client wrote them in does not matter. */
static void test_query_order(void)
{
    volc_auth a;
    av_err e;
    volc_parse_authorization("HMAC-SHA256 Credential=AKTEST/20240101/cn-beijing/vikingdb/request, SignedHeaders=x-date, Signature=00", &a, &e);
    char s1[65], s2[65];
    volc_request q1 = { "POST", "/", "Version=2025-06-09&Action=ListVikingdbCollection", lookup, (void *)&node_hdrs, "", 0, NULL };
    volc_request q2 = { "POST", "/", "Action=ListVikingdbCollection&Version=2025-06-09", lookup, (void *)&node_hdrs, "", 0, NULL };
    volc_signature(&q1, &a, "SKTEST", "20240101T000000Z", s1, &e);
    volc_signature(&q2, &a, "SKTEST", "20240101T000000Z", s2, &e);
    CHECK_STR(s1, s2);
}

static const char *const bad_authorization[] = {
    /* 0 */ NULL,
    /* 1 */ "",
    /* 2 */ "Bearer x",
    /* 3 */ "HMAC-SHA256 Credential=AK/2024/cn/air/request, SignedHeaders=a, Signature=1",
    /* 4 */ "HMAC-SHA256 Credential=AK/20240101/cn/air/oops, SignedHeaders=a, Signature=1",
    /* 5 */ "HMAC-SHA256 Credential=AK/20240101/cn/air/request, Signature=1",
    /* 6 */ "HMAC-SHA256 Credential=AK/20240101/cn/air/request, SignedHeaders=a",
    /* 7 */ "HMAC-SHA256 Credential=AK/20240101/cn/request, SignedHeaders=a, Signature=1",
};

static void test_bad_authorization(void)
{
    for (size_t i = 0; i < sizeof bad_authorization / sizeof *bad_authorization; i++) {
        int mark = test_failed;
        volc_auth a;
        av_err e;
        CHECK_INT(volc_parse_authorization(bad_authorization[i], &a, &e), AV_EAUTH);
        test_row(mark, i, bad_authorization[i]);
    }
}

TEST_MAIN(
    TEST_CASE(test_known_answers),
    TEST_CASE(test_changed_body),
    TEST_CASE(test_missing_signed_header),
    TEST_CASE(test_query_order),
    TEST_CASE(test_bad_authorization))
