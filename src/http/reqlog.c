/*
 * reqlog.c — the request log: one line per request (text or JSON) with every byte that came from the
 * client escaped, request ids, and the dialect's code read from the response envelope. No state and
 * no locking: each line is built in a local buffer and written with one fputs (stdio locks the FILE).
 */
#include "http/reqlog.h"
#include "lib/util.h"

#include <string.h>
#include <time.h>

void reqlog_time(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}

/* Appends s escaped: text escapes as \xNN, JSON as \u00NN (plus \" and \\). */
static void put_escaped(av_buf *b, const char *s, int json)
{
    static const char hex[] = "0123456789abcdef";
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        unsigned c = *p;
        int plain = c > 0x20 && c < 0x7f && c != '"' && c != '\\';
        if (json && c == ' ') plain = 1;
        if (plain) { char ch = (char)c; av_buf_put(b, &ch, 1); continue; }
        if (json && (c == '"' || c == '\\')) { char e[2] = { '\\', (char)c }; av_buf_put(b, e, 2); continue; }
        if (json) { char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] }; av_buf_put(b, e, 6); }
        else { char e[4] = { '\\', 'x', hex[c >> 4], hex[c & 15] }; av_buf_put(b, e, 4); }
    }
}

void reqlog_write(FILE *f, int json, const http_reqlog *l)
{
    char when[32];
    reqlog_time(l->start_ms, when);
    av_buf b = { 0 };
    if (json) {
        av_buf_printf(&b, "{\"time\":\"%s\",\"client\":\"", when);
        put_escaped(&b, l->client, 1);
        av_buf_puts(&b, "\",\"request_id\":\"");
        put_escaped(&b, l->rid, 1);
        av_buf_puts(&b, "\",\"method\":\"");
        put_escaped(&b, l->method, 1);
        av_buf_puts(&b, "\",\"path\":\"");
        put_escaped(&b, l->path, 1);
        av_buf_printf(&b, "\",\"status\":%d,\"code\":\"", l->status);
        put_escaped(&b, l->code, 1);
        av_buf_printf(&b, "\",\"ms\":%.3f,\"bytes_in\":%zu,\"bytes_out\":%zu}\n", l->ms, l->bytes_in, l->bytes_out);
    } else {
        av_buf_printf(&b, "%s ", when);
        put_escaped(&b, l->client, 0);
        av_buf_puts(&b, " ");
        put_escaped(&b, l->rid, 0);
        av_buf_puts(&b, " ");
        put_escaped(&b, l->method, 0);
        av_buf_puts(&b, " ");
        put_escaped(&b, l->path, 0);
        av_buf_printf(&b, " %d code=", l->status);
        put_escaped(&b, l->code && *l->code ? l->code : "-", 0);
        av_buf_printf(&b, " %.3fms in=%zu out=%zu\n", l->ms, l->bytes_in, l->bytes_out);
    }
    fputs(b.p, f);
    av_buf_free(&b);
}

void reqlog_request_id(const char *in, char out[65])
{
    size_t n = in ? strlen(in) : 0;
    int sane = n >= 1 && n <= 64;
    for (size_t i = 0; sane && i < n; i++) {
        char c = in[i];
        sane = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("._:-", c);
    }
    if (sane) { memcpy(out, in, n + 1); return; }
    unsigned char r[16];
    av_random(r, sizeof r);
    av_hex(r, sizeof r, out);
}

/* Copies the JSON scalar at p (a number or a short string) into out; "" when it is neither. */
static void scalar_at(const char *p, const char *end, char out[48])
{
    size_t n = 0;
    out[0] = 0;
    while (p < end && *p == ' ') p++;
    if (p < end && *p == '"') {
        for (p++; p < end && *p != '"' && n < 47; p++) {
            if (*p == '\\' || (unsigned char)*p < 0x20) { out[0] = 0; return; }
            out[n++] = *p;
        }
    } else {
        for (; p < end && n < 47 && (*p == '-' || (*p >= '0' && *p <= '9')); p++) out[n++] = *p;
    }
    out[n] = 0;
}

void reqlog_wire_code(const char *body, size_t len, char out[48])
{
    out[0] = 0;
    if (!body || len < 2 || body[0] != '{') return;
    const char *end = body + len;
    if (len > 9 && memcmp(body, "{\"code\":", 8) == 0) { scalar_at(body + 8, end, out); return; }
    size_t scan = len < 256 ? len : 256;
    const char *k = memmem(body, scan, "\"error_code\":", 13);
    if (k) scalar_at(k + 13, end, out);
}
