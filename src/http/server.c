/*
 * server.c — the HTTP server on libmicrohttpd (internal thread pool, epoll).
 *
 * Request lifecycle (see DESIGN.md, keep-alive pitfall): the first call of the access handler only
 * creates the per-request context; later calls append the body (bounded by max_body: the excess is
 * read and dropped so the connection stays usable); the final call (*upload_data_size == 0) routes,
 * authenticates, runs the handler and queues the response. The completion callback frees the
 * context. Handlers run on the pool threads; the server adds CORS headers to every response.
 */
#include "http/http.h"
#include "http/router.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct av_http_server {
    struct MHD_Daemon *d;
    av_http_config cfg;
};

typedef struct req_ctx {
    av_buf body;
    int too_large;
    double t0;
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

static void plain_error(av_http_res *res, int status, const char *msg)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "code", json_object_new_int(status));
    json_object_object_add(o, "message", json_object_new_string(msg));
    av_http_json(res, status, o);
}

static void render_error(const av_dialect *d, av_http_res *res, av_http_errkind kind, const av_err *e)
{
    if (d && d->render_error) { d->render_error(res, kind, e); return; }
    int status = kind == AV_HTTP_ERR_TOO_LARGE ? 413 : kind == AV_HTTP_ERR_UNAUTHORIZED ? 401 :
                 kind == AV_HTTP_ERR_FORBIDDEN ? 403 : 500;
    plain_error(res, status, e->msg);
}

static void add_cors(struct MHD_Response *r)
{
    MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
}

static enum MHD_Result send_response(struct MHD_Connection *conn, av_http_res *res)
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

static void dispatch(av_http_server *s, av_http_req *req, av_http_res *res, int too_large)
{
    const av_dialect *d = NULL;
    av_http_handler h = NULL;
    char allowed[64], msg[600];
    if (strcmp(req->method, "OPTIONS") == 0) { options_response(res); return; }
    int found = router_find(req, &d, &h, allowed, sizeof allowed);
    if (found == ROUTE_NONE) {
        snprintf(msg, sizeof msg, "no such endpoint: %s %.400s", req->method, req->path);
        plain_error(res, 404, msg);
        return;
    }
    if (found == ROUTE_BAD_METHOD) {
        snprintf(msg, sizeof msg, "%s is not supported on %.400s; use %s", req->method, req->path, allowed);
        plain_error(res, 404, msg);
        return;
    }
    if (too_large) {
        av_err e;
        av_fail(&e, AV_ELIMIT, "request body exceeds the limit of %zu bytes; send a smaller body or start the server with a larger --max-body", s->cfg.max_body);
        render_error(d, res, AV_HTTP_ERR_TOO_LARGE, &e);
        return;
    }
    if (s->cfg.auth_on) {
        av_err e;
        av_err_clear(&e);
        int rc = d && d->authenticate ? d->authenticate(req, &e)
               : s->cfg.authenticate ? s->cfg.authenticate(s->cfg.auth_ctx, req, &e)
               : av_fail(&e, AV_EAUTH, "authentication is not configured");
        if (rc) { render_error(d, res, rc == AV_EAUTH ? AV_HTTP_ERR_UNAUTHORIZED : AV_HTTP_ERR_FORBIDDEN, &e); return; }
    } else {
        snprintf(req->principal.project, sizeof req->principal.project, "%s", s->cfg.default_project);
    }
    h(req, res);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    av_http_server *s = cls;
    (void)version;
    req_ctx *ctx = *con_cls;
    if (!ctx) {
        ctx = xcalloc(1, sizeof *ctx);
        ctx->t0 = av_mono_s();
        *con_cls = ctx;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!ctx->too_large && ctx->body.len + *upload_data_size <= s->cfg.max_body)
            av_buf_put(&ctx->body, upload_data, *upload_data_size);
        else {
            ctx->too_large = 1;
            av_buf_free(&ctx->body);
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    av_http_req req = { 0 };
    req.method = method;
    req.path = url;
    req.body = ctx->body.p ? ctx->body.p : "";
    req.body_len = ctx->body.len;
    req.conn = conn;
    req.auth_on = s->cfg.auth_on;
    req.store = s->cfg.store;
    req.app = s->cfg.app;
    av_http_res res = { 0 };
    res.status = 200;
    dispatch(s, &req, &res, ctx->too_large);
    for (int i = 0; i < req.nparams; i++) free(req.param_values[i]);
    int status = res.status;
    enum MHD_Result ret = send_response(conn, &res);
    if (s->cfg.log_level >= 1)
        fprintf(stderr, "%s %s %d %.3fms\n", method, url, status, (av_mono_s() - ctx->t0) * 1000.0);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls; (void)conn; (void)toe;
    req_ctx *ctx = *con_cls;
    if (!ctx) return;
    av_buf_free(&ctx->body);
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
    s->d = MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, on_request, s,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
                            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(cfg->threads > 1 ? cfg->threads : 1),
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
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
