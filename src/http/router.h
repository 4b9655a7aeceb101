/*
 * router.h — internal to src/http: route lookup for the server.
 */
#ifndef AV_ROUTER_H
#define AV_ROUTER_H

#include "http/http.h"

enum { ROUTE_NONE = 0, ROUTE_FOUND = 1, ROUTE_BAD_METHOD = 2 };

/* Finds the route for req->method + req->path; on ROUTE_FOUND fills req's params (values malloc'd,
 * freed by the caller), *d and *h. On ROUTE_BAD_METHOD, `allowed` lists the methods the path takes. */
int router_find(av_http_req *req, const av_dialect **d, av_http_handler *h, char *allowed, size_t allowed_len);
char *router_url_decode(const char *s, size_t n);

#endif
