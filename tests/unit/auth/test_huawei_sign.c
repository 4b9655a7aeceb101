/*
 * test_huawei_sign.c — Huawei SDK-HMAC-SHA256 (src/auth/huawei_sign.c): the published test vector of
 * specs/modelarts.md §9 (canonical request, its hash, the signature) as a table, also with the wire
 * path already ending in '/'; what changes a signature; Authorization headers that must not parse.
 */
#include "auth/huawei_sign.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *lookup(void *ctx, const char *name)
{
    (void)ctx;
    if (strcasecmp(name, "content-type") == 0) return "application/json";
    if (strcasecmp(name, "host") == 0) return "service.region.example.com";
    if (strcasecmp(name, "x-sdk-date") == 0) return "20191115T033655Z";
    return NULL;
}

#define AUTH  "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=00"
#define SK    "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"
#define DATE  "20191115T033655Z"
#define QUERY "marker=13551d6b-755d-4757-b956-536f674975c0&limit=2"
#define CANONICAL "GET\n/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/\nlimit=2&marker=13551d6b-755d-4757-b956-536f674975c0\n" \
                  "content-type:application/json\nhost:service.region.example.com\nx-sdk-date:20191115T033655Z\n\n" \
                  "content-type;host;x-sdk-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* GET with QUERY, AUTH's signed headers, SK, DATE. Row 1: the wire path may already end in '/' —
 * the same canonical URI, so the same answers. */
static const struct { const char *path, *canonical, *canonical_sha256, *signature; } kat_rows[] = {
    /* 0 */ {"/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs", CANONICAL,
             "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a",
             "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"},
    /* 1 */ {"/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/", CANONICAL,
             "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a",
             "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"},
};

static void test_known_answers(void)
{
    huawei_auth a;
    av_err e;
    CHECK_INT(huawei_parse_authorization(AUTH, &a, &e), AV_OK);
    CHECK_STR(a.ak, "QTWAOYTTINDUT2QVKYUC");
    for (size_t i = 0; i < sizeof kat_rows / sizeof *kat_rows; i++) {
        int mark = test_failed;
        volc_request r = { "GET", kat_rows[i].path, QUERY, lookup, NULL, "", 0, NULL };
        char *canonical = huawei_canonical(&r, &a, &e);
        CHECK_STR(canonical, kat_rows[i].canonical);
        char h[65] = "";
        if (canonical) volc_sha256_hex(canonical, strlen(canonical), h);
        CHECK_STR(h, kat_rows[i].canonical_sha256);
        free(canonical);
        char sig[65] = "";
        CHECK_INT(huawei_signature(&r, &a, SK, DATE, sig, &e), AV_OK);
        CHECK_STR(sig, kat_rows[i].signature);
        test_row(mark, i, kat_rows[i].path);
    }
}

/* Another secret or another query gives another signature. */
static void test_signature_changes(void)
{
    huawei_auth a;
    av_err e;
    huawei_parse_authorization(AUTH, &a, &e);
    volc_request r = { "GET", kat_rows[0].path, QUERY, lookup, NULL, "", 0, NULL };
    char sig[65];
    huawei_signature(&r, &a, "other", DATE, sig, &e);
    CHECK(strcmp(sig, kat_rows[0].signature) != 0);
    r.query = "marker=13551d6b-755d-4757-b956-536f674975c0&limit=3";
    huawei_signature(&r, &a, SK, DATE, sig, &e);
    CHECK(strcmp(sig, kat_rows[0].signature) != 0);
}

static const char *const bad_authorization[] = {
    /* 0 */ NULL,
    /* 1 */ "",
    /* 2 */ "HMAC-SHA256 Access=A, SignedHeaders=a, Signature=b",
    /* 3 */ "SDK-HMAC-SHA256 Access=A, Signature=b",
    /* 4 */ "SDK-HMAC-SHA256 SignedHeaders=a, Signature=b",
    /* 5 */ "SDK-HMAC-SHA256 Access=A, SignedHeaders=a",
};

static void test_bad_authorization(void)
{
    for (size_t i = 0; i < sizeof bad_authorization / sizeof *bad_authorization; i++) {
        int mark = test_failed;
        huawei_auth a;
        av_err e;
        CHECK_INT(huawei_parse_authorization(bad_authorization[i], &a, &e), AV_EAUTH);
        test_row(mark, i, bad_authorization[i]);
    }
}

TEST_MAIN(TEST_CASE(test_known_answers), TEST_CASE(test_signature_changes), TEST_CASE(test_bad_authorization))
