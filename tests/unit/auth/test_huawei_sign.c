/*
 * test_huawei_sign.c — Huawei SDK-HMAC-SHA256: the published test vector of specs/modelarts.md §9
 * (canonical request, its hash, the signature), and Authorization headers that must not parse.
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

int main(void)
{
    huawei_auth a;
    av_err e;
    CHECK_INT(huawei_parse_authorization("SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, Signature=00", &a, &e), AV_OK);
    CHECK_STR(a.ak, "QTWAOYTTINDUT2QVKYUC");
    volc_request r = { "GET", "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs", "marker=13551d6b-755d-4757-b956-536f674975c0&limit=2", lookup, NULL, "", 0 };
    char *canonical = huawei_canonical(&r, &a, &e);
    CHECK_STR(canonical, "GET\n/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/\nlimit=2&marker=13551d6b-755d-4757-b956-536f674975c0\n"
                         "content-type:application/json\nhost:service.region.example.com\nx-sdk-date:20191115T033655Z\n\n"
                         "content-type;host;x-sdk-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    char h[65];
    volc_sha256_hex(canonical, strlen(canonical), h);
    CHECK_STR(h, "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a");
    free(canonical);
    char sig[65];
    CHECK_INT(huawei_signature(&r, &a, "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc", "20191115T033655Z", sig, &e), AV_OK);
    CHECK_STR(sig, "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe");
    /* the wire path may already end in '/': same canonical URI */
    volc_request r2 = r;
    r2.path = "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/";
    char sig2[65];
    huawei_signature(&r2, &a, "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc", "20191115T033655Z", sig2, &e);
    CHECK_STR(sig2, sig);
    /* another secret or query gives another signature */
    huawei_signature(&r, &a, "other", "20191115T033655Z", sig2, &e);
    CHECK(strcmp(sig2, sig) != 0);
    static const char *const bad[] = {
        NULL, "", "HMAC-SHA256 Access=A, SignedHeaders=a, Signature=b", "SDK-HMAC-SHA256 Access=A, Signature=b",
        "SDK-HMAC-SHA256 SignedHeaders=a, Signature=b", "SDK-HMAC-SHA256 Access=A, SignedHeaders=a",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) CHECK_INT(huawei_parse_authorization(bad[i], &a, &e), AV_EAUTH);
    return test_summary();
}
