/*
 * fuzz_sign.c — the request-signature parsers and canonicalisation (src/auth/canonical.c,
 * volc_sign.c, huawei_sign.c). Input, line by line:
 *     Authorization header value
 *     METHOD
 *     path
 *     raw query string
 *     Name: value            (any number of request headers, up to a blank line)
 *     <body>                 (the rest)
 * The header is parsed as Volcengine V4 and as Huawei SDK-HMAC-SHA256, and what parses is signed
 * over the request (so the signed-header lookup, header trimming and the sorted query run on fuzzed
 * text). canon_decode, canon_encode and canon_auth_param also get the raw parts directly (exactly
 * sized copies where they take a length).
 */
#include "fuzz.h"
#include "auth/canonical.h"
#include "auth/huawei_sign.h"
#include "auth/volc_sign.h"

#include <strings.h>

#define MAX_HDRS 32
typedef struct hdrs { int n; const char *names[MAX_HDRS], *values[MAX_HDRS]; } hdrs;

static const char *lookup(void *ctx, const char *name)
{
    const hdrs *h = ctx;
    for (int i = 0; i < h->n; i++)
        if (strcasecmp(h->names[i], name) == 0) return h->values[i];
    return NULL;
}

static void raw_parts(const char *s, size_t n)
{
    char *exact = fuzz_bytes((const uint8_t *)s, n);
    free(canon_decode(exact, n));
    av_buf b = { 0 };
    canon_encode(&b, exact, n, 0);
    canon_encode(&b, exact, n, 1);
    av_buf_free(&b);
    free(exact);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_cstr(data, size), *s = text;
    char *auth = fuzz_line(&s), *method = fuzz_line(&s), *path = fuzz_line(&s), *query = fuzz_line(&s);
    hdrs h = { 0 };
    while (*s) {
        char *line = fuzz_line(&s);
        if (!*line) break;
        char *colon = strchr(line, ':');
        if (!colon || h.n == MAX_HDRS) continue;
        *colon = 0;
        h.names[h.n] = line;
        h.values[h.n++] = colon + 1;
    }
    /* the body: every byte after the blank line, inner NULs included (a prefix of it when an inner
     * NUL cut a line above short: the line parser sees the copy as a C string) */
    const char *body = s;
    size_t body_len = size - (size_t)(s - text);

    raw_parts(auth, strlen(auth));
    raw_parts(path, strlen(path));
    raw_parts(query, strlen(query));
    char out[129];
    static const char *const params[] = { "Credential=", "SignedHeaders=", "Signature=", "Access=", "" };
    for (size_t i = 0; i < sizeof params / sizeof *params; i++)
        for (size_t cap = 1; cap <= sizeof out; cap *= 8) (void)canon_auth_param(auth, params[i], out, cap);

    av_buf q = { 0 };
    canon_query(&q, query);
    av_buf_free(&q);

    volc_request r = { method, path, query, lookup, &h, body, body_len, NULL };
    av_err e;
    char sig[65];
    volc_auth va;
    if (volc_parse_authorization(auth, &va, &e) == AV_OK) {
        if (strlen(va.date) != 8 || va.nsigned < 1 || va.nsigned > VOLC_MAX_SIGNED) abort();
        (void)volc_signature(&r, &va, "SKTEST", "20240101T000000Z", sig, &e);
    }
    huawei_auth ha;
    if (huawei_parse_authorization(auth, &ha, &e) == AV_OK) {
        if (ha.nsigned < 1 || ha.nsigned > VOLC_MAX_SIGNED) abort();
        char *c = huawei_canonical(&r, &ha, &e);
        free(c);
        (void)huawei_signature(&r, &ha, "SKTEST", "20240101T000000Z", sig, &e);
    }
    free(text);
    return 0;
}
