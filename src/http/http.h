/*
 * http.h — the HTTP layer: a libmicrohttpd server, a route table, request/response types.
 *
 * A dialect (src/api/) registers routes with av_http_route(); each route names its dialect, whose
 * render_error() writes that dialect's error envelope for failures the transport detects itself
 * (body over the limit, authentication). HTTP-level errors (400/404/405/414/431/505) are written by
 * src/http/envelope.c in the envelope of the dialect the path belongs to. The server (server.c):
 *  - checks the request head before any body byte is kept: NUL bytes in the path or query, Host on
 *    HTTP/1.1, conflicting Content-Length, the route, Content-Length against max_body, and the
 *    credentials (all but signatures, which cover the body and are checked once it is in);
 *  - reads the whole body before answering (keep-alive; see DESIGN.md pitfalls), never more than
 *    max_body bytes;
 *  - answers OPTIONS with 204 and CORS headers, adds CORS headers to every response;
 *  - without auth the principal is the project "default";
 *  - logs one line per request (reqlog.c) and counts it (metrics.c); serves /healthz, /readyz and
 *    /metrics (ops.c).
 * Handlers run on libmicrohttpd's pool threads, many at once.
 */
#ifndef AV_HTTP_H
#define AV_HTTP_H

#include <stddef.h>
#include <json-c/json.h>
#include "annovec.h"
#include "lib/util.h"

struct MHD_Connection;

#define AV_HTTP_MAX_PARAMS 8
#define AV_JSON_MAX_DEPTH  64
#define AV_HTTP_MAX_HEADERS 6
/* Memory json-c may take to parse one body (estimated before parsing, see json.c). */
#define AV_JSON_MAX_MEMORY (256ull << 20)

typedef struct av_http_req {
    const char *method;                 /* "GET", "POST", ... */
    const char *path;                   /* decoded path, no query string */
    const char *body;                   /* NUL-terminated; "" when none */
    size_t body_len;
    struct MHD_Connection *conn;
    int nparams;                        /* path parameters captured by {name} route segments */
    const char *param_names[AV_HTTP_MAX_PARAMS];
    char *param_values[AV_HTTP_MAX_PARAMS];
    av_principal principal;             /* set before the handler runs */
    int auth_on;                        /* server started with --auth */
    av_store *store;
    void *app;                          /* the server's application context (av_app, src/api/app.h) */
    const char *request_id;             /* the X-Request-Id sent back (taken from the request when sane) */
    /* A signed request that declares its body's SHA-256 (X-Content-Sha256, X-Sdk-Content-Sha256):
     * that value, which its signature is checked over before the body is read; the server then
     * compares it with the body received. NULL otherwise (the signature covers the body itself). */
    const char *body_sha256;
} av_http_req;

typedef struct av_http_res {
    int status;                         /* HTTP status, default 200 */
    av_buf body;
    const char *content_type;           /* default application/json */
    char extra_headers[AV_HTTP_MAX_HEADERS][2][256];  /* name/value pairs, empty name ends */
} av_http_res;

typedef enum {
    AV_HTTP_ERR_TOO_LARGE,              /* body over max_body */
    AV_HTTP_ERR_UNAUTHORIZED,           /* credentials missing or wrong */
    AV_HTTP_ERR_FORBIDDEN,
    AV_HTTP_ERR_INTERNAL,
    /* HTTP-level errors, rendered by envelope.c (never by a dialect's render_error) */
    AV_HTTP_ERR_BAD_REQUEST,            /* 400 */
    AV_HTTP_ERR_NOT_FOUND,              /* 404 */
    AV_HTTP_ERR_METHOD,                 /* 405 */
    AV_HTTP_ERR_URI_TOO_LONG,           /* 414 */
    AV_HTTP_ERR_HEADERS_TOO_LARGE,      /* 431 */
    AV_HTTP_ERR_VERSION,                /* 505 */
    AV_HTTP_ERR_BUSY,                   /* 429: too many signed bodies waiting for their check */
} av_http_errkind;

typedef struct av_dialect {
    const char *name;                   /* "milvus_v1", "milvus_v2", ... */
    /* err->msg is the text; err->code, entity and reason say what failed (AV_EAUTH, AV_ENT_CREDENTIAL,
     * AV_R_MISSING ...), so the dialect picks its wire code without reading the text. */
    void (*render_error)(av_http_res *res, av_http_errkind kind, const av_err *err);
    /* Resolves req->principal from the request's credentials when auth is on. Returns 0 or a negative
     * AV_E* code with err set; NULL means the server's default (av_http_config.authenticate). */
    int (*authenticate)(av_http_req *req, av_err *err);
} av_dialect;

typedef void (*av_http_handler)(av_http_req *req, av_http_res *res);

/* Registers a route. pattern is a path with optional {name} segments, e.g. "/v2/{project_id}/datasets".
 * method "*" matches any method. Routes are matched in registration order. Not thread-safe: register
 * everything before av_http_start(). */
void av_http_route(const char *method, const char *pattern, const av_dialect *d, av_http_handler h);
void av_http_routes_clear(void);

typedef struct av_http_config {
    const char *host;                   /* numeric address to bind */
    int port;
    int threads;
    size_t max_body;
    int auth_on;
    int log_level;                      /* 0 quiet, 1 info (request lines), 2 debug */
    int log_json;                       /* request lines as one JSON object each */
    unsigned max_conns;                 /* open connections at most (0: 1000) */
    unsigned max_conns_per_ip;          /* from one client address (0: 250) */
    unsigned conn_timeout;              /* seconds a connection may stay idle (0: 30) */
    av_store *store;
    void *app;
    /* Project every request works in when auth is off (32-hex id of the project "default"). */
    char default_project[33];
    /* With auth on, routes whose dialect has no authenticate() use this (Bearer API key or
     * user:password). Returns 0 with req->principal set, or a negative AV_E* code with err set. */
    int (*authenticate)(void *auth_ctx, av_http_req *req, av_err *err);
    void *auth_ctx;
} av_http_config;

typedef struct av_http_server av_http_server;
int  av_http_start(const av_http_config *cfg, av_http_server **out, av_err *err);
void av_http_stop(av_http_server *s);   /* finishes in-flight requests, then returns */
/* The port the server listens on (the one the kernel picked when the config's port was 0). */
int  av_http_port(const av_http_server *s);

/* Request accessors (borrowed strings, valid during the handler). */
const char *av_http_header(const av_http_req *req, const char *name);
const char *av_http_query(const av_http_req *req, const char *name);
const char *av_http_param(const av_http_req *req, const char *name);
/* The query string rebuilt from the parsed arguments, percent-encoded ("a=1&b=x%20y"); caller frees.
 * "" when there is none. (libmicrohttpd does not keep the raw text; signatures re-canonicalise it.) */
char *av_http_query_string(const av_http_req *req);
/* Calls fn for every query-string argument (decoded), in order. */
void av_http_query_each(const av_http_req *req, void (*fn)(void *ctx, const char *key, const char *value), void *ctx);

/* Response helpers. av_http_json takes ownership of obj and serialises it (plain, no spaces, int64
 * exact). */
void av_http_json(av_http_res *res, int status, json_object *obj);
void av_http_header_add(av_http_res *res, const char *name, const char *value);

/* ---- JSON helpers (src/http/json.c) ---------------------------------------------------------- */
/* Parses exactly one JSON value from s[0..n). Refuses trailing garbage, nesting deeper than
 * max_depth and numbers that are not finite (1e999, NaN, Infinity): AV_EINVAL with err->pos = byte
 * offset and a message naming it. Refuses a text whose tree would take more than AV_JSON_MAX_MEMORY
 * (estimated from its counts of values before parsing): AV_ELIMIT. The text `null` is valid JSON:
 * AV_OK with *out NULL (json-c's null). */
int av_json_parse(const char *s, size_t n, int max_depth, json_object **out, av_err *err);
/* A JSON number for a float32 with the shortest text that reads back as the same float. */
json_object *av_json_float(float f);
/* A JSON number for a double with the shortest text that round-trips. */
json_object *av_json_double(double d);
/* Reads an int64 exactly: accepts a JSON integer, or (when allow_string) a decimal string. Refuses
 * doubles with a fraction, out-of-range values and other types. Returns 0 or AV_ETYPE. */
int av_json_get_int64(json_object *v, int allow_string, int64_t *out);
/* Reads a JSON array of numbers into out (dim floats). AV_ETYPE for non-numbers, AV_EDIM for a wrong
 * length, AV_EINVAL for NaN/Infinity or values outside float range. */
int av_json_get_vector(json_object *v, int dim, float *out, av_err *err);

#endif
