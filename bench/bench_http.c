/*
 * bench_http.c — the same workload as bench_engine, through a running server's Milvus REST API:
 * v2 insert (1,000 rows per request), v2 exact search with 1 and 4 keep-alive connections, batch
 * deletes of 100 ids per request through v2 (`filter: id in [...]`) and v1 (`id: [...]`), and search
 * after the deletes, then a mixed load: one connection upserting 1,000-row batches while one gets 10
 * ids at a time and one searches, each reporting its latency median and p99 (reads must not queue
 * behind the writes' fsyncs). A minimal blocking HTTP/1.1 client (keep-alive, Content-Length bodies) so the
 * numbers measure the server, not a client library. Every response's code is checked.
 *   usage: bench_http PORT TRAIN_IDX TEST_IDX
 */
#include "fmnist.h"
#include "httpc.h"

#include <pthread.h>
#include <unistd.h>

#define BATCH 1000
#define NQ 1000
#define DEL_REQS 100

static const float *queries;
static int failures;

static void vector_json(sbuf *b, const float *v)
{
    sb_puts(b, "[");
    for (int k = 0; k < FM_DIM; k++) sb_printf(b, k ? ",%d" : "%d", (int)v[k]);
    sb_puts(b, "]");
}

static void expect(const char *resp, const char *code)
{
    if (!strstr(resp, code)) {
        if (__atomic_add_fetch(&failures, 1, __ATOMIC_RELAXED) <= 3) fprintf(stderr, "unexpected response: %.200s\n", resp);
    }
}

typedef struct job { int from, to; double *lat; } job;

static void *search_worker(void *arg)
{
    job *j = arg;
    conn c = conn_open();
    sbuf b = { 0 };
    for (int q = j->from; q < j->to; q++) {
        b.len = 0;
        sb_puts(&b, "{\"collectionName\":\"fmnist\",\"limit\":10,\"data\":[");
        vector_json(&b, queries + (size_t)q * FM_DIM);
        sb_puts(&b, "]}");
        double t0 = fm_now();
        expect(post(&c, "/v2/vectordb/entities/search", b.p, b.len), "\"code\":0");
        j->lat[q] = (fm_now() - t0) * 1000;
    }
    free(b.p);
    close(c.fd);
    free(c.buf);
    return NULL;
}

static void search(int threads, const char *label)
{
    pthread_t t[8];
    job jobs[8];
    double *lat = malloc(sizeof(double) * NQ);
    double t0 = fm_now();
    for (int i = 0; i < threads; i++) {
        jobs[i] = (job){ NQ * i / threads, NQ * (i + 1) / threads, lat };
        pthread_create(&t[i], NULL, search_worker, &jobs[i]);
    }
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    double dt = fm_now() - t0;
    printf("http search%s: %.0f QPS with %d connection%s; latency median %.2f ms, p99 %.2f ms\n", label, NQ / dt, threads,
           threads > 1 ? "s" : "", fm_quantile(lat, NQ, 0.5), fm_quantile(lat, NQ, 0.99));
    free(lat);
}

/* Deletes 100 distinct not-yet-deleted ids per request, through v2 or v1. */
static void deletes(conn *c, uint8_t *deleted, size_t n, int v1)
{
    sbuf b = { 0 };
    double *lat = malloc(sizeof(double) * DEL_REQS);
    double t0 = fm_now();
    for (int r = 0; r < DEL_REQS; r++) {
        b.len = 0;
        sb_puts(&b, v1 ? "{\"collectionName\":\"fmnist\",\"id\":[" : "{\"collectionName\":\"fmnist\",\"filter\":\"id in [");
        for (int k = 0; k < 100; k++) {
            size_t id;
            do id = (size_t)rand() % n; while (deleted[id]);
            deleted[id] = 1;
            sb_printf(&b, k ? ",%zu" : "%zu", id);
        }
        sb_puts(&b, v1 ? "]}" : "]\"}");
        double q0 = fm_now();
        const char *resp = post(c, v1 ? "/v1/vector/delete" : "/v2/vectordb/entities/delete", b.p, b.len);
        expect(resp, v1 ? "\"code\":200" : "\"deleteCount\":100");
        lat[r] = (fm_now() - q0) * 1000;
    }
    double dt = fm_now() - t0;
    printf("http delete %s: %.0f requests/s, %.0f ids/s (100 ids per durable request); latency median %.2f ms, p99 %.2f ms\n",
           v1 ? "v1 id:[...]" : "v2 filter id in [...]", DEL_REQS / dt, DEL_REQS * 100 / dt, fm_quantile(lat, DEL_REQS, 0.5), fm_quantile(lat, DEL_REQS, 0.99));
    free(lat);
    free(b.p);
}

/* ---- mixed load: one writer, one getter, one searcher on their own connections ---------------- */
#define MIX_WRITES 30
#define MIX_READS_MAX 4000000

typedef struct mix { const float *base; size_t n; double *lat; int count; } mix;
static volatile int mix_writing;

static void *mix_writer(void *arg)
{
    mix *m = arg;
    conn c = conn_open();
    sbuf b = { 0 };
    for (int r = 0; r < MIX_WRITES; r++) {
        b.len = 0;
        sb_puts(&b, "{\"collectionName\":\"fmnist\",\"data\":[");
        size_t from = (size_t)r * BATCH % m->n;
        for (size_t k = from; k < from + BATCH && k < m->n; k++) {
            sb_printf(&b, k > from ? ",{\"id\":%zu,\"vector\":" : "{\"id\":%zu,\"vector\":", k);
            vector_json(&b, m->base + k * FM_DIM);
            sb_puts(&b, "}");
        }
        sb_puts(&b, "]}");
        double t0 = fm_now();
        expect(post(&c, "/v2/vectordb/entities/upsert", b.p, b.len), "\"upsertCount\":1000");
        m->lat[m->count++] = (fm_now() - t0) * 1000;
    }
    __atomic_store_n(&mix_writing, 0, __ATOMIC_RELEASE);
    free(b.p); close(c.fd); free(c.buf);
    return NULL;
}

static void *mix_reader(void *arg)
{
    mix *m = arg;   /* base == NULL: get; else search with base as the queries */
    conn c = conn_open();
    sbuf b = { 0 };
    for (int q = 0; __atomic_load_n(&mix_writing, __ATOMIC_ACQUIRE) && m->count < MIX_READS_MAX; q++) {
        b.len = 0;
        if (m->base) {
            sb_puts(&b, "{\"collectionName\":\"fmnist\",\"limit\":10,\"data\":[");
            vector_json(&b, m->base + (size_t)(q % NQ) * FM_DIM);
            sb_puts(&b, "]}");
        } else {
            sb_puts(&b, "{\"collectionName\":\"fmnist\",\"outputFields\":[\"id\"],\"id\":[");
            for (int k = 0; k < 10; k++) sb_printf(&b, k ? ",%d" : "%d", (q * 10 + k) % 60000);
            sb_puts(&b, "]}");
        }
        double t0 = fm_now();
        expect(post(&c, m->base ? "/v2/vectordb/entities/search" : "/v2/vectordb/entities/get", b.p, b.len), "\"code\":0");
        m->lat[m->count++] = (fm_now() - t0) * 1000;
    }
    free(b.p); close(c.fd); free(c.buf);
    return NULL;
}

static void mixed_load(const float *base, size_t n)
{
    mix w = { base, n, malloc(sizeof(double) * MIX_WRITES), 0 };
    mix g = { NULL, n, malloc(sizeof(double) * MIX_READS_MAX), 0 };
    mix s = { queries, n, malloc(sizeof(double) * MIX_READS_MAX), 0 };
    mix_writing = 1;
    pthread_t t[3];
    pthread_create(&t[0], NULL, mix_writer, &w);
    pthread_create(&t[1], NULL, mix_reader, &g);
    pthread_create(&t[2], NULL, mix_reader, &s);
    for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
    const char *name[3] = { "upsert (1,000 rows)", "get (10 ids)", "search (top 10)" };
    mix *all[3] = { &w, &g, &s };
    for (int i = 0; i < 3; i++) {
        printf("http mixed load, %s: %d requests; latency median %.2f ms, p99 %.2f ms\n", name[i], all[i]->count,
               fm_quantile(all[i]->lat, (size_t)all[i]->count, 0.5), fm_quantile(all[i]->lat, (size_t)all[i]->count, 0.99));
        free(all[i]->lat);
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) { fprintf(stderr, "usage: %s PORT TRAIN_IDX TEST_IDX\n", argv[0]); return 2; }
    hc_port = atoi(argv[1]);
    size_t n, nq;
    float *base = fm_load(argv[2], 60000, &n);
    float *qs = fm_load(argv[3], NQ, &nq);
    queries = qs;
    conn c = conn_open();
    const char *create = "{\"collectionName\":\"fmnist\",\"dimension\":784,\"metricType\":\"L2\"}";
    expect(post(&c, "/v2/vectordb/collections/create", create, strlen(create)), "\"code\":0");

    sbuf b = { 0 };
    double t0 = fm_now();
    double *lat = malloc(sizeof(double) * (n / BATCH + 1));
    size_t nb = 0;
    for (size_t i = 0; i < n; i += BATCH) {
        b.len = 0;
        sb_puts(&b, "{\"collectionName\":\"fmnist\",\"data\":[");
        for (size_t k = i; k < i + BATCH && k < n; k++) {
            sb_printf(&b, k > i ? ",{\"id\":%zu,\"vector\":" : "{\"id\":%zu,\"vector\":", k);
            vector_json(&b, base + k * FM_DIM);
            sb_puts(&b, "}");
        }
        sb_puts(&b, "]}");
        double q0 = fm_now();
        expect(post(&c, "/v2/vectordb/entities/insert", b.p, b.len), "\"insertCount\":1000");
        lat[nb++] = (fm_now() - q0) * 1000;
    }
    double dt = fm_now() - t0;
    printf("http insert: %.0f rows/s (%zu rows, %d per request, ~%.1f MB JSON each); request median %.1f ms\n",
           (double)n / dt, n, BATCH, b.len / 1e6, fm_quantile(lat, nb, 0.5));

    search(1, "");
    search(4, "");
    mixed_load(base, n);
    uint8_t *deleted = calloc(n, 1);
    srand(42);
    deletes(&c, deleted, n, 0);
    deletes(&c, deleted, n, 1);
    search(1, " after 20,000 deletes");
    printf("http failures: %d\n", failures);
    free(b.p); free(lat); free(base); free(qs); free(deleted);
    close(c.fd);
    free(c.buf);
    return failures ? 1 : 0;
}
