/*
 * httpc.h — the benchmarks' minimal blocking HTTP/1.1 client: keep-alive connections to 127.0.0.1,
 * Content-Length bodies, and a growable string buffer. Small on purpose, so the numbers measure the
 * server and not a client library. Header-only (each bench file is its own program).
 */
#ifndef AV_BENCH_HTTPC_H
#define AV_BENCH_HTTPC_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int hc_port;   /* the server's port on 127.0.0.1 */

typedef struct conn { int fd; char *buf; size_t cap; } conn;
typedef struct sbuf { char *p; size_t len, cap; } sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) exit(1);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void sb_puts(sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    sb_add(b, tmp, (size_t)n);
}

static conn conn_open(void)
{
    conn c = { socket(AF_INET, SOCK_STREAM, 0), malloc(1 << 20), 1 << 20 };
    struct sockaddr_in a = { 0 };
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)hc_port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c.fd, (struct sockaddr *)&a, sizeof a)) { perror("connect"); exit(1); }
    return c;
}

static void write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) { perror("write"); exit(1); }
        p += w;
        n -= (size_t)w;
    }
}

/* Sends method path with body (len bytes, may be 0); returns the response body (in c->buf, NUL-terminated). */
static const char *request(conn *c, const char *method, const char *path, const char *body, size_t len)
{
    char head[512];
    int hn = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                      method, path, len);
    write_all(c->fd, head, (size_t)hn);
    write_all(c->fd, body, len);
    size_t got = 0;
    char *end = NULL;
    while (!end) {
        ssize_t r = read(c->fd, c->buf + got, c->cap - 1 - got);
        if (r <= 0) { fprintf(stderr, "connection closed\n"); exit(1); }
        got += (size_t)r;
        c->buf[got] = 0;
        end = strstr(c->buf, "\r\n\r\n");
    }
    const char *cl = strcasestr(c->buf, "Content-Length:");
    size_t body_len = cl ? strtoul(cl + 15, NULL, 10) : 0;
    size_t hdr = (size_t)(end + 4 - c->buf);
    if (hdr + body_len + 1 > c->cap) { fprintf(stderr, "response too large\n"); exit(1); }
    while (got < hdr + body_len) {
        ssize_t r = read(c->fd, c->buf + got, hdr + body_len - got);
        if (r <= 0) { fprintf(stderr, "connection closed\n"); exit(1); }
        got += (size_t)r;
    }
    c->buf[hdr + body_len] = 0;
    return c->buf + hdr;
}

/* POSTs body to path; returns the response body (in c->buf, NUL-terminated). */
__attribute__((unused)) static const char *post(conn *c, const char *path, const char *body, size_t len)
{
    return request(c, "POST", path, body, len);
}

#endif
