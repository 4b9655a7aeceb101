/*
 * router.c — the route table: method + path patterns with {name} segments, matched in registration
 * order. A path that matches some route but not with this method is reported apart (405 with the
 * allowed methods). A path no route matches still gets a dialect: that of the route sharing the
 * longest prefix of segments with it (literal segments count more than {name} ones), so an unknown
 * VikingDB path answers in VikingDB's envelope. The table is written before the server starts and
 * only read afterwards: no locking.
 */
#include "http/router.h"
#include "lib/util.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ROUTES 512

typedef struct route {
    const char *method;
    char *pattern;
    const av_dialect *dialect;
    av_http_handler handler;
} route;

static route routes[MAX_ROUTES];
static int nroutes;

void av_http_route(const char *method, const char *pattern, const av_dialect *d, av_http_handler h)
{
    if (nroutes == MAX_ROUTES) { fprintf(stderr, "annovec: route table full\n"); abort(); }
    routes[nroutes++] = (route){ method, xstrdup(pattern), d, h };
}

void av_http_routes_clear(void)
{
    for (int i = 0; i < nroutes; i++) free(routes[i].pattern);
    nroutes = 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

char *router_url_decode(const char *s, size_t n)
{
    char *out = xmalloc(n + 1);
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            out[j++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else out[j++] = s[i];
    }
    out[j] = 0;
    return out;
}

/* Length of the path without one trailing slash (but "/" stays "/"). */
static size_t trimmed_len(const char *p)
{
    size_t n = strlen(p);
    return n > 1 && p[n - 1] == '/' ? n - 1 : n;
}

/* Matches pattern against path[0..plen); captures {name} segments into req. */
static int match(const char *pat, const char *path, size_t plen, av_http_req *req)
{
    size_t pi = 0, si = 0, npat = strlen(pat);
    int np = 0;
    while (pi < npat && si < plen) {
        if (pat[pi] == '{') {
            const char *close = strchr(pat + pi, '}');
            size_t seg = si;
            while (seg < plen && path[seg] != '/') seg++;
            if (seg == si || np == AV_HTTP_MAX_PARAMS) goto fail;
            if (req) {
                req->param_names[np] = NULL;   /* name filled below */
                req->param_values[np] = router_url_decode(path + si, seg - si);
                static __thread char names[AV_HTTP_MAX_PARAMS][64];
                size_t nl = (size_t)(close - (pat + pi) - 1);
                if (nl >= 64) nl = 63;
                memcpy(names[np], pat + pi + 1, nl);
                names[np][nl] = 0;
                req->param_names[np] = names[np];
            }
            np++;
            pi = (size_t)(close - pat) + 1;
            si = seg;
            continue;
        }
        if (pat[pi] != path[si]) goto fail;
        pi++; si++;
    }
    if (pi != npat || si != plen) goto fail;
    if (req) req->nparams = np;
    return 1;
fail:
    for (int i = 0; req && i < np; i++) { free(req->param_values[i]); req->param_values[i] = NULL; }
    return 0;
}

/* How well pattern's leading segments match path's: 2 per literal segment, 1 per {name} one. */
static int prefix_score(const char *pat, const char *path)
{
    int score = 0;
    while (*pat == '/' && *path == '/') {
        pat++; path++;
        size_t pl = strcspn(pat, "/"), sl = strcspn(path, "/");
        if (pat[0] == '{' && sl > 0) score += 1;
        else if (pl == sl && pl > 0 && memcmp(pat, path, pl) == 0) score += 2;
        else break;
        pat += pl; path += sl;
    }
    return score;
}

const av_dialect *router_dialect_for(const char *path)
{
    const av_dialect *best = NULL;
    int best_score = 0;
    for (int i = 0; i < nroutes; i++) {
        int sc = prefix_score(routes[i].pattern, path);
        if (sc > best_score) { best_score = sc; best = routes[i].dialect; }
    }
    return best;
}

int router_match(av_http_req *req, const av_dialect **d, av_http_handler *h, const char **pattern, char *allowed, size_t allowed_len)
{
    size_t plen = trimmed_len(req->path);
    int path_seen = 0;
    if (allowed_len) allowed[0] = 0;
    for (int i = 0; i < nroutes; i++) {
        route *r = &routes[i];
        int method_ok = strcmp(r->method, "*") == 0 || strcmp(r->method, req->method) == 0;
        if (!match(r->pattern, req->path, plen, method_ok ? req : NULL)) continue;
        if (method_ok) { *d = r->dialect; *h = r->handler; *pattern = r->pattern; return ROUTE_FOUND; }
        if (!path_seen) { *d = r->dialect; *pattern = r->pattern; }
        if (allowed_len && !strstr(allowed, r->method)) {
            size_t used = strlen(allowed);
            snprintf(allowed + used, allowed_len - used, "%s%s", used ? ", " : "", r->method);
        }
        path_seen = 1;
    }
    if (!path_seen) { *d = router_dialect_for(req->path); *pattern = NULL; }
    return path_seen ? ROUTE_BAD_METHOD : ROUTE_NONE;
}

int router_find(av_http_req *req, const av_dialect **d, av_http_handler *h, char *allowed, size_t allowed_len)
{
    const char *pattern;
    return router_match(req, d, h, &pattern, allowed, allowed_len);
}
