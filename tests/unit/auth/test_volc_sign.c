/*
 * test_volc_sign.c — Volcengine Signature V4: both known-answer vectors of specs/vikingdb.md §1 (the
 * Node SDK's header choice and the Python/Go one), and Authorization headers that must not parse.
 */
#include "auth/volc_sign.h"
#include "test.h"

#include <string.h>
#include <strings.h>

typedef struct hdrs { const char *names[6]; const char *values[6]; } hdrs;

static const char *lookup(void *ctx, const char *name)
{
    hdrs *h = ctx;
    for (int i = 0; i < 6 && h->names[i]; i++)
        if (strcasecmp(h->names[i], name) == 0) return h->values[i];
    return NULL;
}

static void kat(const char *path, const char *body, const char *signed_list, hdrs *h, const char *service, const char *want)
{
    char auth[512], sig[65];
    snprintf(auth, sizeof auth, "HMAC-SHA256 Credential=AKTEST/20240101/cn-beijing/%s/request, SignedHeaders=%s, Signature=%064d",
             service, signed_list, 0);
    volc_auth a;
    av_err e;
    CHECK_INT(volc_parse_authorization(auth, &a, &e), AV_OK);
    volc_request r = { "POST", path, "", lookup, h, body, strlen(body) };
    CHECK_INT(volc_signature(&r, &a, "SKTEST", "20240101T000000Z", sig, &e), AV_OK);
    CHECK_STR(sig, want);
}

int main(void)
{
    /* KAT1: the Node SDK signs every header but content-type (service air) */
    const char *b1 = "{\"collection_name\":\"c1\",\"primary_keys\":[1,2]}";
    char h1[65];
    volc_sha256_hex(b1, strlen(b1), h1);
    CHECK_STR(h1, "2bfec8ec4ec96490f6201b12f3f6c272021aafb274f2c95f2fc33abc4ce96d29");
    hdrs n = { { "Accept", "Content-Type", "X-Date", "X-Content-Sha256" }, { "application/json", "application/json", "20240101T000000Z", h1 } };
    kat("/api/collection/del_data", b1, "accept;x-content-sha256;x-date", &n, "air",
        "e1a4fccc60a70ef1f450192d150db76f25ec708f427cf9be754f11c840c2e236");

    /* KAT2: the Python/Go rule signs content-type and host (service vikingdb) */
    const char *b2 = "{\"collection_name\":\"c1\",\"ids\":[1,2]}";
    char h2[65];
    volc_sha256_hex(b2, strlen(b2), h2);
    hdrs p = { { "Content-Type", "Host", "X-Date", "X-Content-Sha256" }, { "application/json", "127.0.0.1:8080", "20240101T000000Z", h2 } };
    kat("/api/vikingdb/data/delete", b2, "content-type;host;x-content-sha256;x-date", &p, "vikingdb",
        "85dbf3f531cac1c4747a8aa014bc55c8609b2805af6a1ef109dc8b838c68d9fd");

    /* a changed body changes the signature */
    char sig[65];
    volc_auth a;
    av_err e;
    volc_parse_authorization("HMAC-SHA256 Credential=AKTEST/20240101/cn-beijing/air/request, SignedHeaders=accept;x-content-sha256;x-date, Signature=00", &a, &e);
    volc_request r = { "POST", "/api/collection/del_data", NULL, lookup, &n, "{}", 2 };
    volc_signature(&r, &a, "SKTEST", "20240101T000000Z", sig, &e);
    CHECK(strcmp(sig, "e1a4fccc60a70ef1f450192d150db76f25ec708f427cf9be754f11c840c2e236") != 0);
    /* a signed header the request lacks */
    volc_parse_authorization("HMAC-SHA256 Credential=AKTEST/20240101/cn-beijing/air/request, SignedHeaders=x-missing, Signature=00", &a, &e);
    CHECK_INT(volc_signature(&r, &a, "SKTEST", "20240101T000000Z", sig, &e), AV_EAUTH);
    CHECK_CONTAINS(e.msg, "x-missing");
    /* query strings are sorted and encoded */
    volc_parse_authorization("HMAC-SHA256 Credential=AKTEST/20240101/cn-beijing/vikingdb/request, SignedHeaders=x-date, Signature=00", &a, &e);
    char s1[65], s2[65];
    volc_request q1 = { "POST", "/", "Version=2025-06-09&Action=ListVikingdbCollection", lookup, &n, "", 0 };
    volc_request q2 = { "POST", "/", "Action=ListVikingdbCollection&Version=2025-06-09", lookup, &n, "", 0 };
    volc_signature(&q1, &a, "SKTEST", "20240101T000000Z", s1, &e);
    volc_signature(&q2, &a, "SKTEST", "20240101T000000Z", s2, &e);
    CHECK_STR(s1, s2);

    static const char *const bad[] = {
        NULL, "", "Bearer x", "HMAC-SHA256 Credential=AK/2024/cn/air/request, SignedHeaders=a, Signature=1",
        "HMAC-SHA256 Credential=AK/20240101/cn/air/oops, SignedHeaders=a, Signature=1",
        "HMAC-SHA256 Credential=AK/20240101/cn/air/request, Signature=1",
        "HMAC-SHA256 Credential=AK/20240101/cn/air/request, SignedHeaders=a",
        "HMAC-SHA256 Credential=AK/20240101/cn/request, SignedHeaders=a, Signature=1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) CHECK_INT(volc_parse_authorization(bad[i], &a, &e), AV_EAUTH);
    return test_summary();
}
