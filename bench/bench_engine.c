/*
 * bench_engine.c — the engine through its C API on Fashion-MNIST (60,000 × 784 train images, test
 * images as queries): insert rate, exact search QPS (1 and 2 threads) with recall@10 against brute
 * force, durable batch deletes of 100 ids per call, the purge and the data dir's size around it, and
 * search after the deletes (checking no deleted id comes back).
 *   usage: bench_engine TRAIN_IDX TEST_IDX
 */
#include "annovec.h"
#include "fmnist.h"

#include <dirent.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#define BATCH 1000
#define NQ 1000
#define K 10
#define DEL_CALLS 200
#define DEL_IDS 100

static av_collection *coll;
static const float *queries;
static uint8_t *deleted;
static int leaked_deleted;

typedef struct job { int from, to; } job;

static int count_hit(void *ctx, int q, int rank, float d, const av_row_view *row)
{
    (void)q; (void)rank; (void)d;
    if (deleted && deleted[row->pk.i]) __atomic_add_fetch(&leaked_deleted, 1, __ATOMIC_RELAXED);
    (*(int *)ctx)++;
    return 0;
}

static void *search_range(void *arg)
{
    job *j = arg;
    for (int q = j->from; q < j->to; q++) {
        int hits = 0;
        av_search_params p = { .queries = queries + (size_t)q * FM_DIM, .nq = 1, .limit = K };
        av_err e;
        if (av_search(coll, &p, count_hit, &hits, &e) || hits != K) { fprintf(stderr, "search failed: %s\n", e.msg); exit(1); }
    }
    return NULL;
}

static double search_qps(int threads)
{
    pthread_t t[8];
    job jobs[8];
    double t0 = fm_now();
    for (int i = 0; i < threads; i++) {
        jobs[i] = (job){ NQ * i / threads, NQ * (i + 1) / threads };
        pthread_create(&t[i], NULL, search_range, &jobs[i]);
    }
    for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
    return NQ / (fm_now() - t0);
}

typedef struct topk_ctx { int64_t ids[K]; int n; } topk_ctx;

static int keep_id(void *ctx, int q, int rank, float d, const av_row_view *row)
{
    (void)q; (void)rank; (void)d;
    topk_ctx *t = ctx;
    t->ids[t->n++] = row->pk.i;
    return 0;
}

/* recall@10 of av_search against a brute-force scan in double precision, over nq queries. */
static double recall(const float *base, size_t n, int nq)
{
    int found = 0;
    for (int q = 0; q < nq; q++) {
        const float *qv = queries + (size_t)q * FM_DIM;
        double best[K];
        int64_t best_id[K];
        for (int k = 0; k < K; k++) { best[k] = 1e300; best_id[k] = -1; }
        for (size_t i = 0; i < n; i++) {
            if (deleted && deleted[i]) continue;
            double d = 0;
            for (int k = 0; k < FM_DIM; k++) { double t = (double)base[i * FM_DIM + k] - qv[k]; d += t * t; }
            if (d >= best[K - 1]) continue;
            int k = K - 1;
            while (k > 0 && best[k - 1] > d) { best[k] = best[k - 1]; best_id[k] = best_id[k - 1]; k--; }
            best[k] = d;
            best_id[k] = (int64_t)i;
        }
        topk_ctx got = { { 0 }, 0 };
        av_search_params p = { .queries = qv, .nq = 1, .limit = K };
        av_err e;
        av_search(coll, &p, keep_id, &got, &e);
        for (int a = 0; a < got.n; a++)
            for (int b = 0; b < K; b++) found += got.ids[a] == best_id[b];
    }
    return (double)found / (nq * K);
}

static long long dir_bytes(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    long long total = 0;
    while (d && (de = readdir(d))) {
        char p[512];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (de->d_name[0] != '.' && stat(p, &st) == 0) total += st.st_size;
    }
    if (d) closedir(d);
    return total;
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: %s TRAIN_IDX TEST_IDX\n", argv[0]); return 2; }
    size_t n, nq;
    float *base = fm_load(argv[1], 60000, &n);
    float *qs = fm_load(argv[2], NQ, &nq);
    queries = qs;
    char dir[] = "/tmp/avbench-XXXXXX";
    if (!mkdtemp(dir)) return 1;
    av_store *st;
    av_err e;
    char project[33];
    if (av_store_open(dir, &st, &e) || av_project_resolve(st, "bench", 1, project, &e)) { fprintf(stderr, "%s\n", e.msg); return 1; }
    av_schema s;
    av_schema_init(&s);
    snprintf(s.name, sizeof s.name, "fmnist");
    s.dynamic = 0;
    av_field *pk = av_schema_add_field(&s, "id", AV_T_INT64);
    pk->primary = 1;
    av_schema_add_field(&s, "vector", AV_T_FLOAT_VECTOR)->dim = FM_DIM;
    if (av_collection_create(st, project, "default", &s, &e) || av_collection_open(st, project, "default", "fmnist", &coll, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    av_schema_free(&s);

    /* 1. insert */
    av_row *rows = calloc(BATCH, sizeof(av_row));
    double *lat = malloc(sizeof(double) * (n / BATCH + DEL_CALLS + 1));
    size_t nb = 0;
    double t0 = fm_now();
    for (size_t i = 0; i < n; i += BATCH) {
        size_t m = n - i < BATCH ? n - i : BATCH;
        for (size_t k = 0; k < m; k++) rows[k] = (av_row){ { 0, (int64_t)(i + k), NULL }, base + (i + k) * FM_DIM, NULL };
        double b0 = fm_now();
        if (av_insert(coll, rows, m, 0, NULL, &e)) { fprintf(stderr, "insert: %s\n", e.msg); return 1; }
        lat[nb++] = (double)m / (fm_now() - b0);
    }
    double ins = (double)n / (fm_now() - t0);
    printf("engine insert: %.0f rows/s overall, %.0f rows/s median batch (%zu rows, %d per durable batch)\n", ins, fm_quantile(lat, nb, 0.5), n, BATCH);

    /* 2. search */
    printf("engine search: %.0f QPS exact top-%d, 1 thread (%zu queries over %zu vectors of dim %d)\n", search_qps(1), K, nq, n, FM_DIM);
    printf("engine search: %.0f QPS exact top-%d, 2 threads\n", search_qps(2), K);
    printf("engine recall@%d: %.3f (50 queries vs brute force)\n", K, recall(base, n, 50));

    /* 3. durable batch deletes of 100 random ids */
    deleted = calloc(n, 1);
    srand(42);
    av_pk ids[DEL_IDS];
    int64_t total = 0;
    t0 = fm_now();
    for (int c = 0; c < DEL_CALLS; c++) {
        for (int k = 0; k < DEL_IDS; k++) {
            int64_t id;
            do id = rand() % (int64_t)n; while (deleted[id]);
            deleted[id] = 1;
            ids[k] = (av_pk){ 0, id, NULL };
        }
        int64_t got;
        double b0 = fm_now();
        if (av_delete_pks(coll, ids, DEL_IDS, &got, &e)) { fprintf(stderr, "delete: %s\n", e.msg); return 1; }
        lat[c] = (fm_now() - b0) * 1000;
        total += got;
    }
    double dt = fm_now() - t0;
    printf("engine delete: %.0f ids/s, %.0f calls/s (%lld ids in %d durable calls of %d); per call median %.2f ms, p99 %.2f ms\n",
           (double)total / dt, DEL_CALLS / dt, (long long)total, DEL_CALLS, DEL_IDS, fm_quantile(lat, DEL_CALLS, 0.5), fm_quantile(lat, DEL_CALLS, 0.99));
    printf("engine count after deletes: %lld (expected %zu)\n", (long long)av_collection_count(coll), n - (size_t)total);

    /* 4. purge (normally the background thread does it shortly after deletes), then search again */
    long long before = dir_bytes(dir);
    t0 = fm_now();
    av_store_purge(st, &e);
    printf("engine purge: %.0f ms; disk %.1f MB before, %.1f MB after (free pages returned, WAL truncated)\n",
           (fm_now() - t0) * 1000, before / 1e6, dir_bytes(dir) / 1e6);
    printf("engine search after deletes: %.0f QPS, 1 thread; deleted ids returned: %d\n", search_qps(1), leaked_deleted);
    printf("engine recall@%d after deletes: %.3f\n", K, recall(base, n, 50));

    av_collection_release(coll);
    av_store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) return 1;
    free(base); free(qs); free(rows); free(lat); free(deleted);
    return leaked_deleted ? 1 : 0;
}
