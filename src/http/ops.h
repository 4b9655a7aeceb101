/*
 * ops.h — internal to src/http: the operational endpoints /healthz, /readyz and /metrics (ops.c).
 */
#ifndef AV_HTTP_OPS_H
#define AV_HTTP_OPS_H

#include "annovec.h"

/* Registers the three routes (once; later calls do nothing). */
void http_ops_register(av_store *st);

#endif
