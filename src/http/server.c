/*
 * server.c — the HTTP server on libmicrohttpd (internal thread pool, epoll).
 *
 * Request lifecycle (see DESIGN.md, keep-alive pitfall):
 *  1. uri_logger (MHD's URI log callback, the raw request line's URI) creates the per-request
 *     context and notes a NUL byte (%00) in the path or query, which MHD's decoding would cut at.
 *  2. The first call of the access handler checks the head, in order: NUL, HTTP version, Host on
 *     HTTP/1.1, conflicting Content-Length, URI and header sizes, the route (404/405 in the envelope of
 *     the path's dialect), Content-Length against max_body (413), and the credentials (401/403). A
 *     signature over a declared body hash (X-Content-Sha256, X-Sdk-Content-Sha256) is checked here
 *     too, and the body hashed as it streams in; a signature over the body itself can only be checked
 *     at the end: such bodies are counted against a budget of 2 x max_body for all requests together
 *     until then (429 beyond it). A failure of a request with a body is answered at once: no
 *     body byte is kept and MHD closes the connection after the answer (a bodiless one is answered on
 *     the last call, so that its connection stays alive).
 *  3. Later calls append the body; a body that grows past max_body (chunked) is answered 413 then.
 *  4. The final call (*upload_data_size == 0) checks a deferred signature or the declared body hash,
 *     runs the handler and queues the response. Every answer is logged (reqlog.c), counted (metrics.c) and carries X-Request-Id.
 * The completion callback frees the context. Handlers run on the pool threads; a context belongs to
 * one connection, which MHD serves from one thread at a time: no locking here.
 */
#include "http/http.h"
#include "http/envelope.h"
#include "http/metrics.h"
#include "http/ops.h"
#include "http/console.h"
#include "http/reqlog.h"
#include "http/router.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define MAX_URI 8192            /* longer request targets: 414 */
#define MAX_HEADER_BYTES 16384  /* more header bytes: 431 */
#define MHD_MEMORY (64u << 10)  /* MHD's per-connection buffer; above it MHD answers itself */

struct av_http_server {
    struct MHD_Daemon *d;
    av_http_config cfg;
    /* Body bytes held for signed requests whose signature (over the body) is not checked yet; at
     * most unverified_max (2 x max_body), so forged signatures cannot make the server hold more. */
    atomic_size_t unverified;
    size_t unverified_max;
};

typedef struct req_ctx {
    av_buf body;
    double t0;
    int64_t start_ms;
    int started;                /* the head has been checked */
    int answered;               /* a response is queued (an early error) */
    int auth_deferred;          /* a signature over the body: checked at the end */
    EVP_MD_CTX *body_hash;      /* a signature over a declared body hash, checked at the head: the
                                   body's SHA-256 as it streams in, compared at the end */
    size_t reserved;            /* its bytes counted in av_http_server.unverified */
    int too_large;              /* the streamed body went past max_body: dropped, answered 413 */
    int expects_body;           /* Content-Length > 0 or Transfer-Encoding */
    int options;                /* an OPTIONS request: answered with CORS headers at the end */
    int has_pending;            /* an error found on the head of a bodiless request, sent at the end */
    av_http_res pending;        /* (so that the connection stays alive) */
    int uri_nul;
    size_t uri_len;
    size_t bytes_in;
    const av_dialect *d;
    av_http_handler h;
    const char *pattern;
    av_http_req req;
    char rid[65];
} req_ctx;

static const char CORS_HEADERS[] =
    "Authorization, Content-Type, X-Auth-Token, X-Date, X-Content-Sha256, X-Security-Token, Host, "
    "Accept-Type-Allow-Int64, DB-Name, Request-Timeout, X-Project-Id, X-Sdk-Date";

const char *av_http_header(const av_http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *av_http_query(const av_http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *av_http_param(const av_http_req *req, const char *name)
{
    for (int i = 0; i < req->nparams; i++)
        if (strcmp(req->param_names[i], name) == 0) return req->param_values[i];
    return NULL;
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    av_buf *b = cls;
    (void)kind;
    static const char hex[] = "0123456789ABCDEF";
    if (b->len) av_buf_puts(b, "&");
    for (int part = 0; part < 2; part++) {
        const char *s = part ? (value ? value : "") : key;
        if (part) av_buf_puts(b, "=");
        for (; *s; s++) {
            unsigned char c = (unsigned char)*s;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~')
                av_buf_put(b, s, 1);
            else {
                char e[3] = { '%', hex[c >> 4], hex[c & 15] };
                av_buf_put(b, e, 3);
            }
        }
    }
    return MHD_YES;
}

typedef struct each_ctx { void (*fn)(void *, const char *, const char *); void *ctx; } each_ctx;

static enum MHD_Result each_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    each_ctx *e = cls;
    (void)kind;
    e->fn(e->ctx, key, value ? value : "");
    return MHD_YES;
}

void av_http_query_each(const av_http_req *req, void (*fn)(void *ctx, const char *key, const char *value), void *ctx)
{
    each_ctx e = { fn, ctx };
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, each_arg, &e);
}

char *av_http_query_string(const av_http_req *req)
{
    av_buf b = { 0 };
    MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, add_arg, &b);
    return b.p ? b.p : xstrdup("");
}

void av_http_json(av_http_res *res, int status, json_object *obj)
{
    res->status = status;
    res->body.len = 0;
    av_buf_puts(&res->body, json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(obj);
}

void av_http_header_add(av_http_res *res, const char *name, const char *value)
{
    for (int i = 0; i < AV_HTTP_MAX_HEADERS; i++) {
        if (res->extra_headers[i][0][0]) continue;
        snprintf(res->extra_headers[i][0], sizeof res->extra_headers[i][0], "%s", name);
        snprintf(res->extra_headers[i][1], sizeof res->extra_headers[i][1], "%s", value);
        return;
    }
}

static void render_error(const av_dialect *d, av_http_res *res, av_http_errkind kind, const av_err *e, const char *rid)
{
    if (d && d->render_error && kind <= AV_HTTP_ERR_INTERNAL) { d->render_error(res, kind, e); return; }
    http_envelope(res, d, kind, e->msg, rid);
}

static void http_error(req_ctx *ctx, av_http_res *res, av_http_errkind kind, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void http_error(req_ctx *ctx, av_http_res *res, av_http_errkind kind, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    http_envelope(res, ctx->d, kind, msg, ctx->rid);
}

static void add_cors(struct MHD_Response *r)
{
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
}

static enum MHD_Result send_response(struct MHD_Connection *conn, av_http_res *res, const char *rid)
{
    size_t len = res->body.len;
    struct MHD_Response *r = len ? MHD_create_response_from_buffer(len, res->body.p, MHD_RESPMEM_MUST_FREE)
                                 : MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (len) res->body.p = NULL;   /* now owned by MHD */
    av_buf_free(&res->body);
    if (!r) return MHD_NO;
    add_cors(r);
    if (len || res->status != 204)
        MHD_add_response_header(r, "Content-Type", res->content_type ? res->content_type : "application/json");
    for (int i = 0; i < AV_HTTP_MAX_HEADERS && res->extra_headers[i][0][0]; i++)
        MHD_add_response_header(r, res->extra_headers[i][0], res->extra_headers[i][1]);
    if (rid && *rid) MHD_add_response_header(r, "X-Request-Id", rid);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)res->status, r);
    MHD_destroy_response(r);
    return ret;
}

static void options_response(av_http_res *res)
{
    res->status = 204;
    av_http_header_add(res, "Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS");
    av_http_header_add(res, "Access-Control-Allow-Headers", CORS_HEADERS);
    av_http_header_add(res, "Access-Control-Max-Age", "86400");
}

static void client_address(struct MHD_Connection *conn, char out[64])
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, 64, "-");
    if (!ci || !ci->client_addr) return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, 64);
    else if (sa->sa_family == AF_INET6) inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, 64);
}

/* Logs and counts the answer res (status, code, out_len) that was just queued. */
static void log_answer(av_http_server *s, req_ctx *ctx, struct MHD_Connection *conn, int status, const char *code, size_t out)
{
    double secs = av_mono_s() - ctx->t0;
    metrics_request(ctx->d ? ctx->d->name : NULL, ctx->pattern, status, code, secs);
    http_console_note(ctx->start_ms, ctx->req.method, ctx->req.path, status, code);
    if (s->cfg.log_level >= 1) {
        char client[64];
        client_address(conn, client);
        http_reqlog l = { ctx->start_ms, client, ctx->rid, ctx->req.method, ctx->req.path, status, code, secs * 1000.0,
                          ctx->bytes_in, out };
        reqlog_write(stderr, s->cfg.log_json, &l);
    }
}

/* The answer's status, dialect code and size, taken before send_response hands the body to MHD. */
typedef struct answer { int status; size_t out; char code[48]; } answer;

static answer answer_of(const av_http_res *res)
{
    answer a = { res->status, res->body.len, "" };
    reqlog_wire_code(res->body.p, res->body.len, a.code);
    return a;
}

/* Queues res, then logs and counts the answer. */
static enum MHD_Result finish(av_http_server *s, req_ctx *ctx, struct MHD_Connection *conn, av_http_res *res)
{
    answer a = answer_of(res);
    enum MHD_Result ret = send_response(conn, res, ctx->rid);
    log_answer(s, ctx, conn, a.status, a.code, a.out);
    return ret;
}

static void too_large(av_http_server *s, req_ctx *ctx, av_http_res *res)
{
    av_err e;
    av_fail(&e, AV_ELIMIT, "request body exceeds the limit of %zu bytes; send a smaller body or start the server with a larger --max-body", s->cfg.max_body);
    render_error(ctx->d, res, AV_HTTP_ERR_TOO_LARGE, &e, ctx->rid);
}

typedef struct head_scan { const char *cl; int cl_conflict; size_t bytes; } head_scan;

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    head_scan *h = cls;
    (void)kind;
    h->bytes += strlen(key) + (value ? strlen(value) : 0) + 4;
    if (strcasecmp(key, "Content-Length") == 0) {
        if (h->cl && strcmp(h->cl, value ? value : "") != 0) h->cl_conflict = 1;
        h->cl = value ? value : "";
    }
    return MHD_YES;
}

static int signed_request(const av_http_req *req)
{
    const char *a = av_http_header(req, "Authorization");
    return a && (strncmp(a, "HMAC-SHA256", 11) == 0 || strncmp(a, "SDK-HMAC-SHA256", 15) == 0);
}

/* The header in which a signed request may declare its body's SHA-256 for its signature scheme. */
static const char *body_hash_header(const av_http_req *req)
{
    const char *a = av_http_header(req, "Authorization");
    return strncmp(a, "SDK-", 4) == 0 ? "X-Sdk-Content-Sha256" : "X-Content-Sha256";
}

/* The declared body hash of a signed request when it is one the signature can be checked over
 * before the body arrives: 64 hex digits, or Huawei's UNSIGNED-PAYLOAD (the body is not signed). */
static const char *declared_body_hash(const av_http_req *req)
{
    const char *name = body_hash_header(req);
    const char *v = av_http_header(req, name);
    if (!v) return NULL;
    if (name[2] == 'S' && strcmp(v, "UNSIGNED-PAYLOAD") == 0) return v;
    size_t n = 0;
    while (n < 65 && isxdigit((unsigned char)v[n])) n++;
    return n == 64 && !v[64] ? v : NULL;
}

static int authenticate(av_http_server *s, req_ctx *ctx, av_http_res *res)
{
    av_http_req *req = &ctx->req;
    if (!s->cfg.auth_on) {
        snprintf(req->principal.project, sizeof req->principal.project, "%s", s->cfg.default_project);
        return 0;
    }
    av_err e;
    av_err_clear(&e);
    const av_dialect *d = ctx->d;
    int rc = d && d->authenticate ? d->authenticate(req, &e)
           : s->cfg.authenticate ? s->cfg.authenticate(s->cfg.auth_ctx, req, &e)
           : av_fail(&e, AV_EAUTH, "authentication is not configured");
    if (!rc) return 0;
    render_error(d, res, rc == AV_EAUTH ? AV_HTTP_ERR_UNAUTHORIZED : AV_HTTP_ERR_FORBIDDEN, &e, ctx->rid);
    return -1;
}

/* Counts n more bytes of a signed body not yet verified; -1 (nothing counted) when over the budget. */
static int reserve(av_http_server *s, req_ctx *ctx, size_t n)
{
    size_t prev = atomic_fetch_add(&s->unverified, n);
    if (prev + n > s->unverified_max) {
        atomic_fetch_sub(&s->unverified, n);
        return -1;
    }
    ctx->reserved += n;
    return 0;
}

static void unreserve(av_http_server *s, req_ctx *ctx)
{
    if (ctx->reserved) atomic_fetch_sub(&s->unverified, ctx->reserved);
    ctx->reserved = 0;
}

/* The end of a body whose declared hash the signature was checked over: -1 with res filled (401)
 * when the body received is not the one declared. */
static int body_mismatch(req_ctx *ctx, av_http_res *res)
{
    unsigned char d[32];
    unsigned int len = 0;
    char hex[65];
    if (!EVP_DigestFinal_ex(ctx->body_hash, d, &len)) abort();
    av_hex(d, 32, hex);
    if (strcasecmp(hex, ctx->req.body_sha256) == 0) return 0;
    av_err e;
    av_fail_on(&e, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "%s does not match the request body; send the body's SHA-256 (hex) and sign it",
               body_hash_header(&ctx->req));
    render_error(ctx->d, res, AV_HTTP_ERR_UNAUTHORIZED, &e, ctx->rid);
    return -1;
}

/* Step 2 of the lifecycle. Returns 0 to go on reading the body, -1 with res filled to answer now. */
static int check_head(av_http_server *s, req_ctx *ctx, const char *version, av_http_res *res)
{
    av_http_req *req = &ctx->req;
    char allowed[64];
    head_scan hs = { NULL, 0, 0 };
    size_t cl_val = 0;
    MHD_get_connection_values(req->conn, MHD_HEADER_KIND, scan_header, &hs);
    reqlog_request_id(av_http_header(req, "X-Request-Id"), ctx->rid);
    req->request_id = ctx->rid;
    int found = router_match(req, &ctx->d, &ctx->h, &ctx->pattern, allowed, sizeof allowed);
    if (ctx->uri_nul) {
        http_error(ctx, res, AV_HTTP_ERR_BAD_REQUEST, "the path or query string holds a NUL byte (%%00); it is refused, not cut");
        return -1;
    }
    if (strcmp(version, "HTTP/1.1") != 0 && strcmp(version, "HTTP/1.0") != 0) {
        http_error(ctx, res, AV_HTTP_ERR_VERSION, "HTTP version %.20s is not supported; use HTTP/1.1", version);
        return -1;
    }
    if (strcmp(version, "HTTP/1.1") == 0 && !av_http_header(req, "Host")) {
        http_error(ctx, res, AV_HTTP_ERR_BAD_REQUEST, "an HTTP/1.1 request needs a Host header");
        return -1;
    }
    if (hs.cl_conflict) {
        http_error(ctx, res, AV_HTTP_ERR_BAD_REQUEST, "the request has two different Content-Length headers");
        return -1;
    }
    if (hs.cl && av_http_header(req, "Transfer-Encoding")) {   /* which one frames the body is ambiguous */
        http_error(ctx, res, AV_HTTP_ERR_BAD_REQUEST, "the request has both Content-Length and Transfer-Encoding; send one");
        return -1;
    }
    if (ctx->uri_len > MAX_URI) {
        http_error(ctx, res, AV_HTTP_ERR_URI_TOO_LONG, "the request target is %zu bytes; at most %d are accepted", ctx->uri_len, MAX_URI);
        return -1;
    }
    if (hs.bytes > MAX_HEADER_BYTES) {
        http_error(ctx, res, AV_HTTP_ERR_HEADERS_TOO_LARGE, "the request headers are %zu bytes; at most %d are accepted", hs.bytes, MAX_HEADER_BYTES);
        return -1;
    }
    ctx->expects_body = (hs.cl && strcmp(hs.cl, "0") != 0) || av_http_header(req, "Transfer-Encoding");
    if (strcmp(req->method, "OPTIONS") == 0) { ctx->options = 1; return 0; }
    if (found == ROUTE_NONE) {
        http_error(ctx, res, AV_HTTP_ERR_NOT_FOUND, "no such endpoint: %s %.400s", req->method, req->path);
        return -1;
    }
    if (found == ROUTE_BAD_METHOD) {
        /* Milvus (gin) answers a wrong method like an unknown path: 404 (specs/milvus.md) */
        int milvus = ctx->d && ctx->d->name && strncmp(ctx->d->name, "milvus", 6) == 0;
        http_error(ctx, res, milvus ? AV_HTTP_ERR_NOT_FOUND : AV_HTTP_ERR_METHOD, "%s is not supported on %.400s; use %s", req->method, req->path, allowed);
        av_http_header_add(res, "Allow", allowed);
        return -1;
    }
    if (hs.cl) {
        char *end;
        unsigned long long cl = strtoull(hs.cl, &end, 10);
        if (*end || end == hs.cl || hs.cl[0] < '0' || hs.cl[0] > '9') {
            http_error(ctx, res, AV_HTTP_ERR_BAD_REQUEST, "Content-Length is not a number");
            return -1;
        }
        if (cl > s->cfg.max_body) {
            av_err e;
            av_fail(&e, AV_ELIMIT, "request body of %llu bytes exceeds the limit of %zu bytes; send a smaller body or start the server with a larger --max-body", cl, s->cfg.max_body);
            render_error(ctx->d, res, AV_HTTP_ERR_TOO_LARGE, &e, ctx->rid);
            return -1;
        }
        cl_val = (size_t)cl;
    }
    const char *declared = s->cfg.auth_on && signed_request(req) ? declared_body_hash(req) : NULL;
    if (declared) {   /* the signature covers the declared hash: checked now, the body against it at the end */
        req->body_sha256 = declared;
        if (authenticate(s, ctx, res)) return -1;
        if (strcmp(declared, "UNSIGNED-PAYLOAD") != 0) {
            ctx->body_hash = EVP_MD_CTX_new();
            if (!ctx->body_hash || !EVP_DigestInit_ex(ctx->body_hash, EVP_sha256(), NULL)) abort();
        }
    } else if (s->cfg.auth_on && signed_request(req)) {
        ctx->auth_deferred = 1;
        if (cl_val && reserve(s, ctx, cl_val)) {
            http_error(ctx, res, AV_HTTP_ERR_BUSY, "too many signed request bodies are being received at once; retry shortly");
            return -1;
        }
    } else if (authenticate(s, ctx, res)) return -1;
    if (cl_val) {   /* the body's exact size, allocated once the caller is known: no doubling past it */
        ctx->body.p = xmalloc(cl_val + 1);
        ctx->body.cap = cl_val + 1;
        ctx->body.p[0] = 0;
    }
    return 0;
}

static void *uri_logger(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls; (void)conn;
    req_ctx *ctx = xcalloc(1, sizeof *ctx);
    ctx->t0 = av_mono_s();
    ctx->start_ms = av_now_ms();
    ctx->uri_len = strlen(uri);
    ctx->uri_nul = strstr(uri, "%00") != NULL;
    return ctx;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    av_http_server *s = cls;
    req_ctx *ctx = *con_cls;
    if (!ctx) *con_cls = ctx = uri_logger(NULL, url, conn);
    av_http_req *req = &ctx->req;
    req->method = method;
    req->path = url;
    req->conn = conn;
    req->auth_on = s->cfg.auth_on;
    req->store = s->cfg.store;
    req->app = s->cfg.app;
    av_http_res res = { 0 };
    res.status = 200;
    if (!ctx->started) {
        ctx->started = 1;
        if (check_head(s, ctx, version, &res) == 0) return MHD_YES;
        if (!ctx->expects_body) {   /* nothing to refuse reading: answer on the last call, keep-alive */
            ctx->pending = res;
            ctx->has_pending = 1;
            return MHD_YES;
        }
        ctx->answered = 1;
        return finish(s, ctx, conn, &res);
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        ctx->bytes_in += n;
        if (ctx->answered || ctx->has_pending) return MHD_YES;
        if (ctx->too_large) {
            /* MHD cannot answer in the middle of a chunked body: drop it, answer at its end, and close
             * a connection that goes on sending far past the limit. */
            return ctx->bytes_in > 2 * s->cfg.max_body + (1u << 20) ? MHD_NO : MHD_YES;
        }
        if (ctx->body.len + n > s->cfg.max_body) {
            av_buf_free(&ctx->body);
            ctx->too_large = 1;
            too_large(s, ctx, &res);
            answer a = answer_of(&res);
            if (send_response(conn, &res, ctx->rid) == MHD_YES) {   /* MHD took it: answered now */
                ctx->answered = 1;
                log_answer(s, ctx, conn, a.status, a.code, a.out);
            }
            return MHD_YES;
        }
        if (ctx->auth_deferred && ctx->body.len + n > ctx->reserved && reserve(s, ctx, ctx->body.len + n - ctx->reserved))
            return MHD_NO;   /* a chunked signed body past the budget: cut off */
        av_buf_put(&ctx->body, upload_data, n);
        if (ctx->body_hash && !EVP_DigestUpdate(ctx->body_hash, upload_data, n)) abort();
        return MHD_YES;
    }
    if (ctx->answered) return MHD_YES;
    ctx->answered = 1;
    if (ctx->has_pending) {
        ctx->has_pending = 0;
        return finish(s, ctx, conn, &ctx->pending);
    }
    if (ctx->options) {
        options_response(&res);
        return finish(s, ctx, conn, &res);
    }
    if (ctx->too_large) {
        too_large(s, ctx, &res);
        ctx->answered = 1;
        return finish(s, ctx, conn, &res);
    }
    req->body = ctx->body.p ? ctx->body.p : "";
    req->body_len = ctx->body.len;
    int denied = ctx->auth_deferred ? authenticate(s, ctx, &res) : ctx->body_hash ? body_mismatch(ctx, &res) : 0;
    unreserve(s, ctx);
    if (!denied) ctx->h(req, &res);
    ctx->answered = 1;
    return finish(s, ctx, conn, &res);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)conn; (void)toe;
    req_ctx *ctx = *con_cls;
    if (!ctx) return;
    unreserve(cls, ctx);
    EVP_MD_CTX_free(ctx->body_hash);
    for (int i = 0; i < ctx->req.nparams; i++) free(ctx->req.param_values[i]);
    av_buf_free(&ctx->body);
    if (ctx->has_pending) av_buf_free(&ctx->pending.body);
    free(ctx);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    av_http_server *s = cls;
    if (s->cfg.log_level < 2) return;
    vfprintf(stderr, fmt, ap);
}

int av_http_start(const av_http_config *cfg, av_http_server **out, av_err *err)
{
    av_http_server *s = xcalloc(1, sizeof *s);
    s->cfg = *cfg;
    if (!s->cfg.max_conns) s->cfg.max_conns = 1000;
    if (!s->cfg.max_conns_per_ip) s->cfg.max_conns_per_ip = 250;
    if (!s->cfg.conn_timeout) s->cfg.conn_timeout = 30;
    s->unverified_max = 2 * s->cfg.max_body;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES) flags |= MHD_USE_EPOLL;
    struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, cfg->host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)cfg->port);
    } else if (inet_pton(AF_INET6, cfg->host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)cfg->port);
        flags |= MHD_USE_IPv6;
    } else {
        free(s);
        return av_fail(err, AV_EINVAL, "cannot listen on \"%s\": give a numeric IPv4 or IPv6 address", cfg->host);
    }
    http_ops_register(cfg->store);
    http_console_register();
    s->d = MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, on_request, s,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(cfg->threads > 1 ? cfg->threads : 1),
                            MHD_OPTION_URI_LOG_CALLBACK, uri_logger, s,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_CONNECTION_TIMEOUT, s->cfg.conn_timeout,
                            MHD_OPTION_CONNECTION_LIMIT, s->cfg.max_conns,
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->cfg.max_conns_per_ip,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MHD_MEMORY,
                            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
                            MHD_OPTION_END);
    if (!s->d) {
        free(s);
        return av_fail(err, AV_EIO, "cannot listen on %s:%d (address in use, or not available on this machine)", cfg->host, cfg->port);
    }
    *out = s;
    return AV_OK;
}

void av_http_stop(av_http_server *s)
{
    if (!s) return;
    MHD_quiesce_daemon(s->d);
    MHD_stop_daemon(s->d);
    free(s);
}

int av_http_port(const av_http_server *s)
{
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    return di ? (int)di->port : 0;
}
