/*
 * console.c — serves the web console built into the binary, and keeps the recent errors it shows.
 *
 * Files: http_console_assets (generated from console/ by console/embed) are served at
 * /console/<name>; /console/ is index.html, and /console (no slash) redirects there so that the
 * page's relative module URLs resolve under /console/; /console/config.json says whether the server
 * runs with --auth. Every answer carries its ETag (If-None-Match
 * answers 304), Cache-Control: no-cache (the browser revalidates, so a new binary's files show at
 * once) and a Content-Security-Policy of default-src 'self': nothing loads from anywhere else, no
 * inline script or style runs, and the page cannot be framed. The files need no credentials; the
 * console sends the signed-in user's credential with each API call itself.
 *
 * Recent errors: a ring of the last RING error answers, written by server.c's request log under a
 * mutex and copied out by http_console_recent_errors.
 */
#include "http/console.h"
#include "http/http.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static const char CSP[] = "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; "
                          "form-action 'self'; frame-ancestors 'none'";

/* server.c calls this file (registration, the error ring), so this file calls nothing of server.c
 * (scripts/check-deps refuses call cycles): headers and path parameters are read and written here. */
static void header_add(av_http_res *res, const char *name, const char *value)
{
    for (int i = 0; i < AV_HTTP_MAX_HEADERS; i++) {
        if (res->extra_headers[i][0][0]) continue;
        snprintf(res->extra_headers[i][0], sizeof res->extra_headers[i][0], "%s", name);
        snprintf(res->extra_headers[i][1], sizeof res->extra_headers[i][1], "%s", value);
        return;
    }
}

static const char *param(const av_http_req *req, const char *name)
{
    for (int i = 0; i < req->nparams; i++)
        if (req->param_names[i] && strcmp(req->param_names[i], name) == 0) return req->param_values[i];
    return "";
}

static int open_route(av_http_req *req, av_err *err)
{
    (void)req; (void)err;
    return AV_OK;
}

static const av_dialect console_dialect = { "console", NULL, open_route };

static const char *content_type(const char *name)
{
    static const struct { const char *ext, *type; } types[] = {
        { ".html", "text/html; charset=utf-8" }, { ".js", "text/javascript; charset=utf-8" },
        { ".css", "text/css; charset=utf-8" }, { ".svg", "image/svg+xml" }, { ".png", "image/png" },
        { ".json", "application/json" },
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0) return types[i].type;
    return "application/octet-stream";
}

static void not_found(av_http_res *res, const char *name)
{
    res->status = 404;
    res->content_type = "text/plain; charset=utf-8";
    res->body.len = 0;
    av_buf_printf(&res->body, "no console file \"%.100s\"\n", name);
}

static void serve(av_http_req *req, av_http_res *res, const char *name)
{
    const http_console_asset *a = http_console_assets;
    while (a->name && strcmp(a->name, name) != 0) a++;
    if (!a->name) { not_found(res, name); return; }
    header_add(res, "ETag", a->etag);
    header_add(res, "Cache-Control", "no-cache");
    header_add(res, "Content-Security-Policy", CSP);
    header_add(res, "X-Content-Type-Options", "nosniff");
    header_add(res, "Referrer-Policy", "no-referrer");
    res->content_type = content_type(a->name);
    res->body.len = 0;
    const char *inm = MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, "If-None-Match");
    if (inm && strstr(inm, a->etag)) { res->status = 304; return; }
    res->status = 200;
    av_buf_put(&res->body, a->data, a->len);
}

static void console_root(av_http_req *req, av_http_res *res)
{
    size_t n = strlen(req->path);
    if (n && req->path[n - 1] == '/') { serve(req, res, "index.html"); return; }
    res->status = 308;
    res->content_type = "text/plain; charset=utf-8";
    header_add(res, "Location", "/console/");
    av_buf_puts(&res->body, "see /console/\n");
}

/* config.json is the one answer made at run time: whether the console must ask for a credential
 * (so it never has to provoke a 401 to find out) and the version. */
static void console_file(av_http_req *req, av_http_res *res)
{
    const char *name = param(req, "file");
    if (strcmp(name, "config.json") != 0) { serve(req, res, name); return; }
    header_add(res, "Cache-Control", "no-store");
    res->status = 200;
    res->body.len = 0;
    av_buf_printf(&res->body, "{\"auth\":%s,\"version\":\"%s\"}", req->auth_on ? "true" : "false", AV_VERSION);
}

void http_console_register(void)
{
    static int done;
    if (done) return;
    done = 1;
    av_http_route("GET", "/console", &console_dialect, console_root);
    av_http_route("GET", "/console/{file}", &console_dialect, console_file);
}

/* ---- recent errors ---------------------------------------------------------------------------- */
#define RING 50

typedef struct noted {
    long long time_ms;
    char method[8], path[160], code[48];
    int status;
} noted;

static pthread_mutex_t ring_mu = PTHREAD_MUTEX_INITIALIZER;
static noted ring[RING];
static unsigned ring_next, ring_count;

static int is_error(int status, const char *code)
{
    if (status >= 400) return 1;
    if (!code || !*code) return 0;
    return strcmp(code, "0") != 0 && strcmp(code, "200") != 0 && strcmp(code, "Success") != 0;
}

void http_console_note(long long time_ms, const char *method, const char *path, int status, const char *code)
{
    if (!is_error(status, code)) return;
    pthread_mutex_lock(&ring_mu);
    noted *n = &ring[ring_next];
    n->time_ms = time_ms;
    n->status = status;
    snprintf(n->method, sizeof n->method, "%s", method ? method : "");
    snprintf(n->path, sizeof n->path, "%s", path ? path : "");
    snprintf(n->code, sizeof n->code, "%s", code ? code : "");
    ring_next = (ring_next + 1) % RING;
    if (ring_count < RING) ring_count++;
    pthread_mutex_unlock(&ring_mu);
}

json_object *http_console_recent_errors(void)
{
    json_object *arr = json_object_new_array();
    pthread_mutex_lock(&ring_mu);
    for (unsigned i = 0; i < ring_count; i++) {
        const noted *n = &ring[(ring_next + RING - 1 - i) % RING];
        json_object *o = json_object_new_object();
        json_object_object_add(o, "time_ms", json_object_new_int64(n->time_ms));
        json_object_object_add(o, "method", json_object_new_string(n->method));
        json_object_object_add(o, "path", json_object_new_string(n->path));
        json_object_object_add(o, "status", json_object_new_int(n->status));
        json_object_object_add(o, "code", json_object_new_string(n->code));
        json_object_array_add(arr, o);
    }
    pthread_mutex_unlock(&ring_mu);
    return arr;
}
