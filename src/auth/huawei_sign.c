/*
 * huawei_sign.c — see huawei_sign.h.
 */
#include "auth/huawei_sign.h"
#include "auth/canonical.h"
#include "lib/util.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

int huawei_parse_authorization(const char *h, huawei_auth *a, av_err *err)
{
    static const char bad[] = "malformed Authorization header: expected \"SDK-HMAC-SHA256 Access=AK, SignedHeaders=..., Signature=...\"";
    memset(a, 0, sizeof *a);
    char sh[VOLC_MAX_SIGNED * 65];
    if (!h || strncmp(h, "SDK-HMAC-SHA256 ", 16) != 0 || canon_auth_param(h, "Access=", a->ak, sizeof a->ak) ||
        canon_auth_param(h, "SignedHeaders=", sh, sizeof sh) || canon_auth_param(h, "Signature=", a->signature, sizeof a->signature))
        return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, bad);
    char *save = NULL;
    for (char *t = strtok_r(sh, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
        if (a->nsigned == VOLC_MAX_SIGNED || strlen(t) >= sizeof a->signed_headers[0]) return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "too many signed headers");
        for (char *c = t; *c; c++) *c = (char)tolower((unsigned char)*c);
        snprintf(a->signed_headers[a->nsigned++], sizeof a->signed_headers[0], "%s", t);
    }
    return a->nsigned ? AV_OK : av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, bad);
}

/* Each path segment encoded, '/' kept, and a trailing '/' added when missing. */
static void canonical_uri(av_buf *b, const char *path)
{
    canon_encode(b, path, strlen(path), 1);
    if (!b->len || b->p[b->len - 1] != '/') av_buf_puts(b, "/");
}

char *huawei_canonical(const volc_request *r, const huawei_auth *a, av_err *err)
{
    av_buf c = { 0 };
    av_buf_printf(&c, "%s\n", r->method);
    canonical_uri(&c, r->path);
    av_buf_puts(&c, "\n");
    canon_query(&c, r->query);
    av_buf_puts(&c, "\n");
    const char *names[VOLC_MAX_SIGNED];
    for (int i = 0; i < a->nsigned; i++) names[i] = a->signed_headers[i];
    if (canon_headers(&c, names, a->nsigned, r->header, r->ctx, err)) { av_buf_free(&c); return NULL; }
    const char *claimed = r->header(r->ctx, "x-sdk-content-sha256");
    char body_hash[65];
    volc_body_hash(r, body_hash);
    av_buf_puts(&c, claimed && strcmp(claimed, "UNSIGNED-PAYLOAD") == 0 ? claimed : body_hash);
    return c.p;
}

int huawei_signature(const volc_request *r, const huawei_auth *a, const char *sk, const char *sdk_date, char out[65], av_err *err)
{
    char *canonical = huawei_canonical(r, a, err);
    if (!canonical) return AV_EAUTH;
    char creq_hash[65];
    volc_sha256_hex(canonical, strlen(canonical), creq_hash);
    free(canonical);
    char *to_sign = xasprintf("SDK-HMAC-SHA256\n%s\n%s", sdk_date, creq_hash);
    unsigned char sig[32];
    unsigned int len = 32;
    if (!HMAC(EVP_sha256(), sk, (int)strlen(sk), (const unsigned char *)to_sign, strlen(to_sign), sig, &len)) abort();
    free(to_sign);
    av_hex(sig, 32, out);
    return AV_OK;
}
