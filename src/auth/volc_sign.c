/*
 * volc_sign.c — see volc_sign.h.
 */
#include "auth/volc_sign.h"
#include "auth/canonical.h"
#include "lib/util.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void volc_sha256_hex(const void *data, size_t n, char out[65])
{
    unsigned char d[32];
    unsigned int len = 0;
    if (!EVP_Digest(data, n, d, &len, EVP_sha256(), NULL)) abort();
    av_hex(d, 32, out);
}

void volc_body_hash(const volc_request *r, char out[65])
{
    if (!r->body_sha256) {
        volc_sha256_hex(r->body ? r->body : "", r->body_len, out);
        return;
    }
    int i = 0;
    for (; i < 64 && r->body_sha256[i]; i++) out[i] = (char)tolower((unsigned char)r->body_sha256[i]);
    out[i] = 0;
}

static void hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
    unsigned int len = 32;
    if (!HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out, &len)) abort();
}

int volc_parse_authorization(const char *h, volc_auth *a, av_err *err)
{
    memset(a, 0, sizeof *a);
    static const char bad[] = "malformed Authorization header: expected \"HMAC-SHA256 Credential=AK/date/region/service/request, SignedHeaders=..., Signature=...\"";
    if (!h || strncmp(h, "HMAC-SHA256 ", 12) != 0) return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, bad);
    char cred[512], sh[VOLC_MAX_SIGNED * 65];
    if (canon_auth_param(h, "Credential=", cred, sizeof cred) || canon_auth_param(h, "SignedHeaders=", sh, sizeof sh) ||
        canon_auth_param(h, "Signature=", a->signature, sizeof a->signature))
        return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, bad);
    /* AK/date/region/service/request */
    char *parts[5], *save = NULL;
    int np = 0;
    for (char *t = strtok_r(cred, "/", &save); t && np < 5; t = strtok_r(NULL, "/", &save)) parts[np++] = t;
    if (np != 5 || strcmp(parts[4], "request") != 0 || strlen(parts[1]) != 8 || strlen(parts[0]) >= sizeof a->ak ||
        strlen(parts[2]) >= sizeof a->region || strlen(parts[3]) >= sizeof a->service)
        return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, bad);
    snprintf(a->ak, sizeof a->ak, "%s", parts[0]);
    snprintf(a->date, sizeof a->date, "%s", parts[1]);
    snprintf(a->region, sizeof a->region, "%s", parts[2]);
    snprintf(a->service, sizeof a->service, "%s", parts[3]);
    for (char *t = strtok_r(sh, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
        if (a->nsigned == VOLC_MAX_SIGNED || strlen(t) >= sizeof a->signed_headers[0]) return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "too many signed headers");
        for (char *c = t; *c; c++) *c = (char)tolower((unsigned char)*c);
        snprintf(a->signed_headers[a->nsigned++], sizeof a->signed_headers[0], "%s", t);
    }
    if (!a->nsigned) return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, bad);
    return AV_OK;
}

int volc_signature(const volc_request *r, const volc_auth *a, const char *sk, const char *x_date, char out[65], av_err *err)
{
    av_buf c = { 0 };
    av_buf_puts(&c, r->method);
    av_buf_puts(&c, "\n");
    canon_encode(&c, r->path, strlen(r->path), 1);
    av_buf_puts(&c, "\n");
    canon_query(&c, r->query);
    av_buf_puts(&c, "\n");
    const char *names[VOLC_MAX_SIGNED];
    for (int i = 0; i < a->nsigned; i++) names[i] = a->signed_headers[i];
    if (canon_headers(&c, names, a->nsigned, r->header, r->ctx, err)) { av_buf_free(&c); return AV_EAUTH; }
    char body_hash[65], creq_hash[65];
    volc_body_hash(r, body_hash);
    av_buf_puts(&c, body_hash);
    volc_sha256_hex(c.p, c.len, creq_hash);
    av_buf_free(&c);

    char *to_sign = xasprintf("HMAC-SHA256\n%s\n%s/%s/%s/request\n%s", x_date, a->date, a->region, a->service, creq_hash);
    unsigned char k1[32], k2[32], k3[32], k4[32], sig[32];
    hmac(sk, strlen(sk), a->date, k1);
    hmac(k1, 32, a->region, k2);
    hmac(k2, 32, a->service, k3);
    hmac(k3, 32, "request", k4);
    hmac(k4, 32, to_sign, sig);
    free(to_sign);
    av_hex(sig, 32, out);
    return AV_OK;
}
