/*
 * volc_sign.c — see volc_sign.h.
 */
#include "auth/volc_sign.h"
#include "core/util.h"

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

static void hmac(const void *key, size_t klen, const char *msg, unsigned char out[32])
{
    unsigned int len = 32;
    if (!HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out, &len)) abort();
}

/* Copies the text after `name=` up to a comma or the end into out. */
static int field(const char *h, const char *name, char *out, size_t cap)
{
    const char *p = strstr(h, name);
    if (!p) return -1;
    p += strlen(name);
    size_t n = strcspn(p, ",");
    while (n && p[n - 1] == ' ') n--;
    if (n == 0 || n >= cap) return -1;
    memcpy(out, p, n);
    out[n] = 0;
    return 0;
}

int volc_parse_authorization(const char *h, volc_auth *a, av_err *err)
{
    memset(a, 0, sizeof *a);
    static const char bad[] = "malformed Authorization header: expected \"HMAC-SHA256 Credential=AK/date/region/service/request, SignedHeaders=..., Signature=...\"";
    if (!h || strncmp(h, "HMAC-SHA256 ", 12) != 0) return av_fail(err, AV_EAUTH, bad);
    char cred[512], sh[VOLC_MAX_SIGNED * 65];
    if (field(h, "Credential=", cred, sizeof cred) || field(h, "SignedHeaders=", sh, sizeof sh) ||
        field(h, "Signature=", a->signature, sizeof a->signature))
        return av_fail(err, AV_EAUTH, bad);
    /* AK/date/region/service/request */
    char *parts[5], *save = NULL;
    int np = 0;
    for (char *t = strtok_r(cred, "/", &save); t && np < 5; t = strtok_r(NULL, "/", &save)) parts[np++] = t;
    if (np != 5 || strcmp(parts[4], "request") != 0 || strlen(parts[1]) != 8 || strlen(parts[0]) >= sizeof a->ak ||
        strlen(parts[2]) >= sizeof a->region || strlen(parts[3]) >= sizeof a->service)
        return av_fail(err, AV_EAUTH, bad);
    snprintf(a->ak, sizeof a->ak, "%s", parts[0]);
    snprintf(a->date, sizeof a->date, "%s", parts[1]);
    snprintf(a->region, sizeof a->region, "%s", parts[2]);
    snprintf(a->service, sizeof a->service, "%s", parts[3]);
    for (char *t = strtok_r(sh, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
        if (a->nsigned == VOLC_MAX_SIGNED || strlen(t) >= sizeof a->signed_headers[0]) return av_fail(err, AV_EAUTH, "too many signed headers");
        for (char *c = t; *c; c++) *c = (char)tolower((unsigned char)*c);
        snprintf(a->signed_headers[a->nsigned++], sizeof a->signed_headers[0], "%s", t);
    }
    if (!a->nsigned) return av_fail(err, AV_EAUTH, bad);
    return AV_OK;
}

/* ---- canonical request ----------------------------------------------------------------------- */

static int unreserved(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

static void encode(av_buf *b, const char *s, size_t n, int keep_slash)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c) || (keep_slash && c == '/')) av_buf_put(b, &s[i], 1);
        else av_buf_printf(b, "%%%02X", c);
    }
}

/* Decodes %XX and '+' of a raw query component. */
static char *decode(const char *s, size_t n)
{
    char *out = xmalloc(n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n + 1 && isxdigit((unsigned char)s[i + 1]) && isxdigit((unsigned char)s[i + 2])) {
            char hex[3] = { s[i + 1], s[i + 2], 0 };
            out[j++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else out[j++] = s[i] == '+' ? ' ' : s[i];
    }
    out[j] = 0;
    return out;
}

typedef struct kv { char *k, *v; } kv;

static int cmp_kv(const void *a, const void *b)
{
    const kv *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    return c ? c : strcmp(x->v, y->v);
}

static void canonical_query(av_buf *b, const char *q)
{
    if (!q || !*q) return;
    size_t cap = 1;
    for (const char *p = q; *p; p++) cap += *p == '&';
    kv *items = xcalloc(cap, sizeof(kv));
    size_t n = 0;
    for (const char *p = q; *p && n < cap;) {
        size_t len = strcspn(p, "&");
        if (len) {
            const char *eq = memchr(p, '=', len);
            size_t kl = eq ? (size_t)(eq - p) : len;
            items[n].k = decode(p, kl);
            items[n].v = eq ? decode(eq + 1, len - kl - 1) : xstrdup("");
            n++;
        }
        p += len + (p[len] == '&');
    }
    qsort(items, n, sizeof *items, cmp_kv);
    for (size_t i = 0; i < n; i++) {
        if (i) av_buf_puts(b, "&");
        encode(b, items[i].k, strlen(items[i].k), 0);
        av_buf_puts(b, "=");
        encode(b, items[i].v, strlen(items[i].v), 0);
        free(items[i].k);
        free(items[i].v);
    }
    free(items);
}

/* Header value trimmed, inner runs of spaces collapsed (what the Node SDK signs; equal to Python/Go's
 * trim for ordinary values). */
static void header_value(av_buf *b, const char *v)
{
    while (*v == ' ' || *v == '\t') v++;
    size_t n = strlen(v);
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t')) n--;
    int space = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i] == ' ' || v[i] == '\t') { space = 1; continue; }
        if (space) av_buf_puts(b, " ");
        space = 0;
        av_buf_put(b, &v[i], 1);
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int volc_signature(const volc_request *r, const volc_auth *a, const char *sk, const char *x_date, char out[65], av_err *err)
{
    av_buf c = { 0 };
    av_buf_puts(&c, r->method);
    av_buf_puts(&c, "\n");
    encode(&c, r->path, strlen(r->path), 1);
    av_buf_puts(&c, "\n");
    canonical_query(&c, r->query);
    av_buf_puts(&c, "\n");
    const char *names[VOLC_MAX_SIGNED];
    for (int i = 0; i < a->nsigned; i++) names[i] = a->signed_headers[i];
    qsort(names, (size_t)a->nsigned, sizeof *names, cmp_str);
    for (int i = 0; i < a->nsigned; i++) {
        const char *v = r->header(r->ctx, names[i]);
        if (!v) { av_buf_free(&c); return av_fail(err, AV_EAUTH, "signed header %s is missing from the request", names[i]); }
        av_buf_printf(&c, "%s:", names[i]);
        header_value(&c, v);
        av_buf_puts(&c, "\n");
    }
    av_buf_puts(&c, "\n");
    for (int i = 0; i < a->nsigned; i++) av_buf_printf(&c, "%s%s", i ? ";" : "", names[i]);
    av_buf_puts(&c, "\n");
    char body_hash[65], creq_hash[65];
    volc_sha256_hex(r->body ? r->body : "", r->body_len, body_hash);
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
