/*
 * envelope.h — internal to src/http: HTTP-level errors in the dialect's JSON envelope (envelope.c).
 */
#ifndef AV_HTTP_ENVELOPE_H
#define AV_HTTP_ENVELOPE_H

#include "http/http.h"

/* The HTTP status of an error kind. */
int http_err_status(av_http_errkind kind);
/* Writes the error into res (status and JSON body) in d's family's envelope (d may be NULL). */
void http_envelope(av_http_res *res, const av_dialect *d, av_http_errkind kind, const char *msg, const char *rid);

#endif
