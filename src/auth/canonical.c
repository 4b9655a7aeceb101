/*
 * canonical.c — the pieces of a canonical request that Volcengine Signature V4 and Huawei's
 * SDK-HMAC-SHA256 share: RFC 3986 encoding, the sorted query string, and the signed-header block.
 */
#include "auth/canonical.h"
#include "lib/util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>


static int unreserved(unsigned char c)
{
    return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

void canon_encode(av_buf *b, const char *s, size_t n, int keep_slash)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c) || (keep_slash && c == '/')) av_buf_put(b, &s[i], 1);
        else av_buf_printf(b, "%%%02X", c);
    }
}

char *canon_decode(const char *s, size_t n)
{
    char *out = xmalloc(n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        /* both hex digits must lie inside s[0..n): a '%' in the last two bytes is kept as it is */
        if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) && isxdigit((unsigned char)s[i + 2])) {
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

void canon_query(av_buf *b, const char *q)
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
            items[n].k = canon_decode(p, kl);
            items[n].v = eq ? canon_decode(eq + 1, len - kl - 1) : xstrdup("");
            n++;
        }
        p += len + (p[len] == '&');
    }
    qsort(items, n, sizeof *items, cmp_kv);
    for (size_t i = 0; i < n; i++) {
        if (i) av_buf_puts(b, "&");
        canon_encode(b, items[i].k, strlen(items[i].k), 0);
        av_buf_puts(b, "=");
        canon_encode(b, items[i].v, strlen(items[i].v), 0);
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

int canon_headers(av_buf *b, const char **names, int n, const char *(*header)(void *, const char *), void *ctx, av_err *err)
{
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    for (int i = 0; i < n; i++) {
        const char *v = header(ctx, names[i]);
        if (!v) return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "signed header %s is missing from the request", names[i]);
        av_buf_printf(b, "%s:", names[i]);
        header_value(b, v);
        av_buf_puts(b, "\n");
    }
    av_buf_puts(b, "\n");
    for (int i = 0; i < n; i++) av_buf_printf(b, "%s%s", i ? ";" : "", names[i]);
    av_buf_puts(b, "\n");
    return AV_OK;
}

int canon_auth_param(const char *h, const char *name, char *out, size_t cap)
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
