/*
 * util.c — allocators that abort on exhaustion, error formatting, clocks, a byte buffer, hex, random.
 */
#include "lib/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <openssl/rand.h>

static void oom(size_t n)
{
    fprintf(stderr, "annovec: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) oom(n * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = NULL;
    if (vasprintf(&p, fmt, ap) < 0) oom(strlen(fmt));
    va_end(ap);
    return p;
}

size_t av_utf8_seq(const unsigned char *s, size_t n)
{
    if (n == 0) return 0;
    unsigned c = s[0];
    if (c < 0x80) return 1;
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;   /* the allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; if (c == 0xE0) lo = 0xA0; if (c == 0xED) hi = 0x9F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; if (c == 0xF0) lo = 0x90; if (c == 0xF4) hi = 0x8F; }
    else return 0;
    if (n < len || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    return len;
}

size_t av_utf8_check(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (u[i] < 0x80) { i++; continue; }
        size_t k = av_utf8_seq(u + i, n - i);
        if (!k) return i;
        i += k;
    }
    return n;
}

void av_utf8_scrub(char *s)
{
    unsigned char *u = (unsigned char *)s;
    size_t n = strlen(s), r = 0, w = 0;
    while (r < n) {
        size_t k = u[r] < 0x80 ? 1 : av_utf8_seq(u + r, n - r);
        if (!k) { r++; continue; }
        memmove(u + w, u + r, k);
        w += k;
        r += k;
    }
    u[w] = 0;
}

static int vfail(av_err *err, int code, int pos, const char *fmt, va_list ap)
{
    if (err) {
        err->code = code;
        err->pos = pos;
        err->entity = 0;
        err->reason = 0;
        err->index = -1;
        err->name[0] = err->scope[0] = 0;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        av_utf8_scrub(err->msg);
    }
    return code;
}

int av_fail(av_err *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(err, code, -1, fmt, ap);
    va_end(ap);
    return code;
}

int av_fail_at(av_err *err, int code, int pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(err, code, pos, fmt, ap);
    va_end(ap);
    return code;
}

int av_vfail_on(av_err *err, int code, int entity, int reason, const char *name, const char *scope,
                const char *fmt, va_list ap)
{
    vfail(err, code, -1, fmt, ap);
    if (err) {
        err->entity = entity;
        err->reason = reason;
        snprintf(err->name, sizeof err->name, "%s", name ? name : "");
        snprintf(err->scope, sizeof err->scope, "%s", scope ? scope : "");
        av_utf8_scrub(err->name);
        av_utf8_scrub(err->scope);
    }
    return code;
}

int av_fail_on(av_err *err, int code, int entity, int reason, const char *name, const char *scope, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    av_vfail_on(err, code, entity, reason, name, scope, fmt, ap);
    va_end(ap);
    return code;
}

int av_fail_item(av_err *err, int64_t index, int code, int entity, int reason, const char *name, const char *scope,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    av_vfail_on(err, code, entity, reason, name, scope, fmt, ap);
    va_end(ap);
    if (err) err->index = index;
    return code;
}

void av_err_clear(av_err *err)
{
    if (!err) return;
    err->code = AV_OK;
    err->pos = -1;
    err->entity = 0;
    err->reason = 0;
    err->index = -1;
    err->name[0] = err->scope[0] = 0;
    err->msg[0] = 0;
}

const char *av_strerror(int code)
{
    switch (code) {
    case AV_OK: return "ok";
    case AV_EINVAL: return "invalid argument";
    case AV_ENOTFOUND: return "not found";
    case AV_EEXIST: return "already exists";
    case AV_EIO: return "storage error";
    case AV_EFILTER: return "invalid filter";
    case AV_ETYPE: return "type mismatch";
    case AV_EDIM: return "dimension mismatch";
    case AV_ELIMIT: return "limit exceeded";
    case AV_ENODB: return "database not found";
    case AV_EUNSAFE: return "refused as unsafe";
    case AV_EFIELD: return "field error";
    case AV_EPK: return "primary key error";
    case AV_EAUTH: return "not authenticated";
    default: return "unknown error";
    }
}

int64_t av_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double av_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void buf_reserve(av_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
}

void av_buf_put(av_buf *b, const void *data, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = 0;
}

void av_buf_puts(av_buf *b, const char *s)
{
    av_buf_put(b, s, strlen(s));
}

void av_buf_printf(av_buf *b, const char *fmt, ...)
{
    va_list ap;
    char probe[1];
    va_start(ap, fmt);
    int n = vsnprintf(probe, sizeof probe, fmt, ap);   /* measures (a NULL buffer trips gcc 12 + sanitizers) */
    va_end(ap);
    if (n < 0) return;
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void av_buf_free(av_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void av_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = 0;
}

void av_random(void *out, size_t n)
{
    if (RAND_bytes(out, (int)n) != 1) {
        fprintf(stderr, "annovec: RAND_bytes failed\n");
        abort();
    }
}

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

int av_base64_decode(const char *s, size_t n, unsigned char **out, size_t *outlen)
{
    while (n && s[n - 1] == '=') n--;
    if (n % 4 == 1) return -1;
    unsigned char *o = xmalloc(n / 4 * 3 + 3);
    size_t k = 0;
    uint32_t acc = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_value((unsigned char)s[i]);
        if (v < 0) { free(o); return -1; }
        acc = acc << 6 | (uint32_t)v;
        if (i % 4 == 3) {
            o[k++] = (unsigned char)(acc >> 16);
            o[k++] = (unsigned char)(acc >> 8);
            o[k++] = (unsigned char)acc;
            acc = 0;
        }
    }
    if (n % 4 == 2) o[k++] = (unsigned char)(acc >> 4);
    else if (n % 4 == 3) { o[k++] = (unsigned char)(acc >> 10); o[k++] = (unsigned char)(acc >> 2); }
    *out = o;
    *outlen = k;
    return 0;
}

int av_strptr_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int av_read_at(int fd, void *out, size_t n, long long at)
{
    char *p = out;
    while (n) {
        ssize_t r = pread(fd, p, n, (off_t)at);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        p += r;
        at += r;
        n -= (size_t)r;
    }
    return 0;
}

int av_write_all(int fd, const void *data, size_t n)
{
    const char *p = data;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

