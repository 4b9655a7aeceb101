/*
 * fuzz_router.c — route lookup (src/http/router.c) over the server's real route table (every
 * dialect's register function, as `annovec serve` calls them). Input: the method, a newline, then
 * the decoded path. The path's bytes also go to router_url_decode as an exactly sized buffer.
 */
#include "fuzz.h"
#include "api/app.h"
#include "http/http.h"
#include "http/router.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    api_register_routes();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t mlen = nl ? (size_t)(nl - data) : 0;
    const uint8_t *p = nl ? nl + 1 : data;
    size_t plen = size - (size_t)(p - data);

    char *raw = fuzz_bytes(p, plen);
    free(router_url_decode(raw, plen));
    free(raw);

    char *method = fuzz_cstr(data, mlen), *path = fuzz_cstr(p, plen);
    av_http_req req;
    memset(&req, 0, sizeof req);
    req.method = mlen ? method : "GET";
    req.path = path;
    req.body = "";
    const av_dialect *d = NULL;
    av_http_handler h = NULL;
    char allowed[64];
    int rc = router_find(&req, &d, &h, allowed, size && (data[0] & 1) ? sizeof allowed : 8);
    if (rc == ROUTE_FOUND) {
        if (!h || req.nparams < 0 || req.nparams > AV_HTTP_MAX_PARAMS) abort();
        for (int k = 0; k < req.nparams; k++) {
            if (!req.param_names[k] || !req.param_values[k]) abort();
            (void)av_http_param(&req, req.param_names[k]);
        }
        (void)av_http_param(&req, "project_id");
        for (int k = 0; k < req.nparams; k++) free(req.param_values[k]);
    } else if (rc == ROUTE_BAD_METHOD) {
        if (!memchr(allowed, 0, sizeof allowed)) abort();
    } else if (rc != ROUTE_NONE) abort();
    free(method);
    free(path);
    return 0;
}
