/*
 * volc_sign.h — Volcengine Signature V4 (HMAC-SHA256), as VikingDB clients sign requests
 * (specs/vikingdb.md §1). Verification recomputes the signature over the headers the client lists in
 * SignedHeaders (SDKs differ), for any region and the services "air" (V1) and "vikingdb" (V2):
 *
 *   canonical = METHOD \n path \n sorted-query \n {name:value\n per signed header} \n signed-list \n body-sha256
 *   scope     = date/region/service/request
 *   to_sign   = "HMAC-SHA256" \n X-Date \n scope \n sha256-hex(canonical)
 *   key       = HMAC(HMAC(HMAC(HMAC(SK, date), region), service), "request")
 */
#ifndef AV_VOLC_SIGN_H
#define AV_VOLC_SIGN_H

#include <stddef.h>
#include "annovec.h"

#define VOLC_MAX_SIGNED 16

/* The parts of an Authorization header. */
typedef struct volc_auth {
    char ak[129];
    char date[9];              /* yyyymmdd */
    char region[65];
    char service[33];
    char signed_headers[VOLC_MAX_SIGNED][65];   /* lowercase, in the client's order */
    int nsigned;
    char signature[65];
} volc_auth;

/* Parses "HMAC-SHA256 Credential=AK/date/region/service/request, SignedHeaders=a;b, Signature=hex". */
int volc_parse_authorization(const char *header, volc_auth *out, av_err *err);

/* Everything a signature covers. Header values are looked up by (lowercase) name; query is the raw
 * query string (may be NULL or ""). */
typedef struct volc_request {
    const char *method;
    const char *path;
    const char *query;
    const char *(*header)(void *ctx, const char *name);
    void *ctx;
    const char *body;
    size_t body_len;
    /* When set, the body's SHA-256 (hex) as the request declares it (X-Content-Sha256,
     * X-Sdk-Content-Sha256): the signature is checked over it before the body arrives, and the
     * caller compares it with the body it then receives. */
    const char *body_sha256;
} volc_request;

/* Lowercase hex SHA-256 of data. */
void volc_sha256_hex(const void *data, size_t n, char out[65]);
/* The body hash a signature covers: r->body_sha256 when set, else the SHA-256 of r->body. */
void volc_body_hash(const volc_request *r, char out[65]);
/* The signature (hex) for request r with the secret key sk, given the parsed credential a. */
int volc_signature(const volc_request *r, const volc_auth *a, const char *sk, const char *x_date, char out[65], av_err *err);

#endif
