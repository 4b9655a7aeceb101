/*
 * reqlog.h — internal to src/http: the request log line (reqlog.c) and request ids.
 */
#ifndef AV_HTTP_REQLOG_H
#define AV_HTTP_REQLOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct http_reqlog {
    int64_t start_ms;           /* wall clock at the request's start, epoch ms */
    const char *client;         /* client address ("127.0.0.1", "::1") */
    const char *rid;            /* request id */
    const char *method, *path;  /* path as decoded: may hold any byte, escaped on output */
    int status;                 /* HTTP status */
    const char *code;           /* the dialect's own code ("0", "1100", "Success", "ModelArts.4352"), "" when none */
    double ms;                  /* duration */
    size_t bytes_in, bytes_out; /* body bytes received and sent */
} http_reqlog;

/* Writes one line to f (one fputs, so lines of concurrent requests never interleave): text
 *   TIME CLIENT RID METHOD PATH STATUS code=CODE DURATIONms in=N out=N
 * or, when json, one JSON object with the keys time, client, request_id, method, path, status, code,
 * ms, bytes_in, bytes_out. Control characters, spaces, quotes, backslashes and bytes >= 0x80 of the
 * path (and method) are escaped (\xNN in text, \u00NN in JSON): a path cannot forge a line. */
void reqlog_write(FILE *f, int json, const http_reqlog *l);
/* The request id: incoming when it is 1..64 of [A-Za-z0-9._:-], else 32 random hex characters. */
void reqlog_request_id(const char *incoming, char out[65]);
/* The dialect's code from a JSON response body: the value of a leading "code" member, or of an
 * "error_code" member near the start; "" when neither. */
void reqlog_wire_code(const char *body, size_t len, char out[48]);
/* RFC 3339 UTC with milliseconds: "2026-12-02T14:13:31.123Z". */
void reqlog_time(int64_t ms, char out[32]);

#endif
