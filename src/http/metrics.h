/*
 * metrics.h — internal to src/http: request counters and latency histograms (metrics.c).
 */
#ifndef AV_HTTP_METRICS_H
#define AV_HTTP_METRICS_H

#include "lib/util.h"

/* Counts one answered request. dialect and route must outlive the process (route patterns and
 * dialect names are static); code is copied. */
void metrics_request(const char *dialect, const char *route, int status, const char *code, double seconds);
/* Appends the request metrics in the Prometheus text format (HELP, TYPE, samples). */
void metrics_render(av_buf *b);
/* Appends a label value escaped for the Prometheus text format (\\, \" and \n). */
void metrics_label(av_buf *b, const char *v);

#endif
