/*
 * huawei_sign.h — Huawei Cloud's "SDK-HMAC-SHA256" request signature (ModelArts AK/SK auth,
 * specs/modelarts.md §9):
 *   canonical = METHOD \n URI (segments encoded, ending in "/") \n sorted-query \n
 *               {name:value\n per signed header} \n signed-list \n body-sha256
 *   to_sign   = "SDK-HMAC-SHA256" \n X-Sdk-Date \n sha256-hex(canonical)
 *   signature = hex(HMAC-SHA256(SK, to_sign))            (no key derivation)
 *   Authorization: SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex
 */
#ifndef AV_HUAWEI_SIGN_H
#define AV_HUAWEI_SIGN_H

#include "auth/volc_sign.h"   /* volc_request: the parts of a request a signature covers */

typedef struct huawei_auth {
    char ak[129];
    char signed_headers[VOLC_MAX_SIGNED][65];
    int nsigned;
    char signature[65];
} huawei_auth;

int huawei_parse_authorization(const char *header, huawei_auth *out, av_err *err);
/* The canonical request's text (caller frees) — exposed for the published test vector. */
char *huawei_canonical(const volc_request *r, const huawei_auth *a, av_err *err);
int huawei_signature(const volc_request *r, const huawei_auth *a, const char *sk, const char *sdk_date, char out[65], av_err *err);

#endif
