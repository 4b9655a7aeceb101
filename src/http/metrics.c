/*
 * metrics.c — request counters by (dialect, route, HTTP status, dialect code) and a latency
 * histogram per dialect, rendered in the Prometheus text exposition format by ops.c.
 *
 * Storage: a fixed open-addressing table of MAX_SERIES counters (keys point to static strings, the
 * code is copied); when it is full new series go to one overflow series with route "other". A histogram
 * per dialect (MAX_DIALECTS, then "other"). Locking: one mutex around every update and the render;
 * an update is a hash probe and a few additions.
 */
#include "http/metrics.h"

#include <pthread.h>
#include <string.h>

#define MAX_SERIES 2048
#define MAX_DIALECTS 16

static const double BUCKETS[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
#define NBUCKETS (sizeof BUCKETS / sizeof *BUCKETS)

typedef struct series {
    const char *dialect, *route;
    int status;
    char code[48];
    uint64_t n;
} series;

typedef struct histo {
    const char *dialect;
    uint64_t bucket[NBUCKETS];
    uint64_t count;
    double sum;
} histo;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static series table[MAX_SERIES];
static series overflow = { "other", "other", 0, "", 0 };
static histo histos[MAX_DIALECTS + 1];

static uint64_t hash_str(uint64_t h, const char *s)
{
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static histo *histo_of(const char *dialect)
{
    for (int i = 0; i < MAX_DIALECTS; i++) {
        if (!histos[i].dialect) histos[i].dialect = dialect;
        if (strcmp(histos[i].dialect, dialect) == 0) return &histos[i];
    }
    histos[MAX_DIALECTS].dialect = "other";
    return &histos[MAX_DIALECTS];
}

void metrics_request(const char *dialect, const char *route, int status, const char *code, double seconds)
{
    if (!dialect) dialect = "none";
    if (!route) route = "unmatched";
    if (!code) code = "";
    uint64_t h = hash_str(hash_str(hash_str(14695981039346656037ull, dialect), route), code) ^ (uint64_t)status;
    pthread_mutex_lock(&mu);
    series *s = &overflow;
    for (size_t i = 0, at = h % MAX_SERIES; i < MAX_SERIES; i++, at = (at + 1) % MAX_SERIES) {
        series *t = &table[at];
        if (!t->dialect) {
            *t = (series){ dialect, route, status, "", 0 };
            snprintf(t->code, sizeof t->code, "%s", code);
            s = t;
            break;
        }
        if (t->status == status && strcmp(t->dialect, dialect) == 0 && strcmp(t->route, route) == 0 && strcmp(t->code, code) == 0) { s = t; break; }
    }
    s->n++;
    histo *hg = histo_of(dialect);
    for (size_t b = 0; b < NBUCKETS; b++)
        if (seconds <= BUCKETS[b]) hg->bucket[b]++;
    hg->count++;
    hg->sum += seconds;
    pthread_mutex_unlock(&mu);
}

void metrics_label(av_buf *b, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\') av_buf_puts(b, "\\\\");
        else if (*v == '"') av_buf_puts(b, "\\\"");
        else if (*v == '\n') av_buf_puts(b, "\\n");
        else av_buf_put(b, v, 1);
    }
}

static void series_line(av_buf *b, const series *s)
{
    av_buf_puts(b, "annovec_http_requests_total{dialect=\"");
    metrics_label(b, s->dialect);
    av_buf_puts(b, "\",route=\"");
    metrics_label(b, s->route);
    av_buf_printf(b, "\",status=\"%d\",code=\"", s->status);
    metrics_label(b, s->code);
    av_buf_printf(b, "\"} %llu\n", (unsigned long long)s->n);
}

void metrics_render(av_buf *b)
{
    pthread_mutex_lock(&mu);
    av_buf_puts(b, "# HELP annovec_http_requests_total HTTP requests answered, by dialect, route pattern, HTTP status and the dialect's own code.\n"
                   "# TYPE annovec_http_requests_total counter\n");
    for (size_t i = 0; i < MAX_SERIES; i++)
        if (table[i].dialect) series_line(b, &table[i]);
    if (overflow.n) series_line(b, &overflow);
    av_buf_puts(b, "# HELP annovec_http_request_duration_seconds Time from the request's first byte to its answer, by dialect.\n"
                   "# TYPE annovec_http_request_duration_seconds histogram\n");
    for (int i = 0; i <= MAX_DIALECTS; i++) {
        histo *h = &histos[i];
        if (!h->dialect || !h->count) continue;
        for (size_t k = 0; k <= NBUCKETS; k++) {
            av_buf_puts(b, "annovec_http_request_duration_seconds_bucket{dialect=\"");
            metrics_label(b, h->dialect);
            if (k < NBUCKETS) av_buf_printf(b, "\",le=\"%g\"} %llu\n", BUCKETS[k], (unsigned long long)h->bucket[k]);
            else av_buf_printf(b, "\",le=\"+Inf\"} %llu\n", (unsigned long long)h->count);
        }
        av_buf_puts(b, "annovec_http_request_duration_seconds_sum{dialect=\"");
        metrics_label(b, h->dialect);
        av_buf_printf(b, "\"} %.6f\n", h->sum);
        av_buf_puts(b, "annovec_http_request_duration_seconds_count{dialect=\"");
        metrics_label(b, h->dialect);
        av_buf_printf(b, "\"} %llu\n", (unsigned long long)h->count);
    }
    pthread_mutex_unlock(&mu);
}
