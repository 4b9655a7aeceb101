/*
 * router.h — internal to src/http: route lookup for the server.
 */
#ifndef AV_ROUTER_H
#define AV_ROUTER_H

#include "http/http.h"

enum { ROUTE_NONE = 0, ROUTE_FOUND = 1, ROUTE_BAD_METHOD = 2 };

/* router_match: finds the route for req->method + req->path; on ROUTE_FOUND fills req's params (values malloc'd,
 * freed by the caller), *d, *h and *pattern (the route's pattern). On ROUTE_BAD_METHOD, `allowed`
 * lists the methods the path takes and *d, *pattern are the path's first route's; on ROUTE_NONE, *d
 * is router_dialect_for(path) (maybe NULL) and *pattern NULL. */
int router_match(av_http_req *req, const av_dialect **d, av_http_handler *h, const char **pattern, char *allowed, size_t allowed_len);
/* router_match without the pattern. */
int router_find(av_http_req *req, const av_dialect **d, av_http_handler *h, char *allowed, size_t allowed_len);
/* The dialect of the route sharing the longest leading segments with path; NULL when none shares one. */
const av_dialect *router_dialect_for(const char *path);
char *router_url_decode(const char *s, size_t n);

#endif
