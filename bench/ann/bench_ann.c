/*
 * bench_ann.c — annovec's HNSW index against hnswlib on Fashion-MNIST (Debian dataset-fashion-mnist):
 * 60,000 × 784 base vectors, the first 2,000 test images as queries, L2, exact ground truth computed
 * here. Both indexes run in this one process on the same data with M 16 and efConstruction 200, one
 * thread each: build time; recall@10 and queries/s over a range of ef; the same after deleting 50%
 * of the rows (fixed seed; hnswlib can only mark them deleted) and after annovec's repair; memory per
 * vector; restart (snapshot load) time. The ratio annovec/hnswlib of queries/s at recall 0.95 and
 * 0.99 is read off each side's recall–QPS curve by linear interpolation; the last two lines are
 * `qps_ratio@0.95 X` and `qps_ratio@0.99 Y`.
 *   usage: bench_ann TRAIN_IDX TEST_IDX [NBASE]
 * annovec's index is driven through its av_vecindex_ops hooks exactly as a collection drives it
 * (remove before the vector is scrubbed, then the slot is freed), over an av_vecdata of the vectors.
 */
#include "../fmnist.h"
#include "hnswlib_peer.h"
#include "core/vector/distance.h"
#include "core/vector/hnsw.h"
#include "core/vector/rows.h"

#include <fcntl.h>
#include <unistd.h>

#define NQ 2000
#define K 10
#define GRAPH_M 16
#define GRAPH_EFC 200

static const int efs[] = { 10, 16, 24, 32, 48, 64, 96, 128, 256, 512 };
#define NEF (int)(sizeof efs / sizeof *efs)

typedef struct curve { double recall[NEF], qps[NEF]; } curve;

static size_t n;
static float *base, *queries;
static uint8_t *alive;
static uint32_t truth[NQ][K];

static av_vecdata vdata(void)
{
    return (av_vecdata){ base, NULL, alive, (uint32_t)n, FM_DIM, AV_METRIC_L2 };
}

/* Exact top-10 of every query over the live rows. */
static void ground_truth(void)
{
    for (int q = 0; q < NQ; q++) {
        float best[K];
        for (int i = 0; i < K; i++) { best[i] = 3.4e38f; truth[q][i] = UINT32_MAX; }
        for (size_t s = 0; s < n; s++) {
            if (!alive[s]) continue;
            float d = av_dist_l2sq(queries + (size_t)q * FM_DIM, base + s * FM_DIM, FM_DIM);
            if (d >= best[K - 1]) continue;
            int i = K - 1;
            while (i > 0 && best[i - 1] > d) { best[i] = best[i - 1]; truth[q][i] = truth[q][i - 1]; i--; }
            best[i] = d; truth[q][i] = (uint32_t)s;
        }
    }
}

static int hits_of(int q, const uint32_t *got, int m)
{
    int found = 0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < K; j++) if (got[i] == truth[q][j]) { found++; break; }
    return found;
}

static void run_ours(hnsw *h, curve *c)
{
    av_vecdata vd = vdata();
    av_scored out[K];
    uint32_t got[K];
    for (int e = 0; e < NEF; e++) {
        long found = 0;
        double t0 = fm_now();
        for (int q = 0; q < NQ; q++) {
            av_index_query iq = { .k = K };
            int m = hnsw_search(h, &vd, queries + (size_t)q * FM_DIM, &iq, efs[e], out);
            for (int i = 0; i < m; i++) got[i] = out[i].slot;
            found += hits_of(q, got, m);
        }
        c->qps[e] = NQ / (fm_now() - t0);
        c->recall[e] = (double)found / (NQ * K);
    }
}

static void run_peer(peer *p, curve *c)
{
    uint64_t out[K];
    uint32_t got[K];
    for (int e = 0; e < NEF; e++) {
        long found = 0;
        double t0 = fm_now();
        for (int q = 0; q < NQ; q++) {
            int m = peer_search(p, queries + (size_t)q * FM_DIM, K, efs[e], out);
            for (int i = 0; i < m; i++) got[i] = (uint32_t)out[i];
            found += hits_of(q, got, m);
        }
        c->qps[e] = NQ / (fm_now() - t0);
        c->recall[e] = (double)found / (NQ * K);
    }
}

/* Queries/s at recall r on a curve, interpolated between the points around it; 0 when out of reach. */
static double qps_at(const curve *c, double r)
{
    for (int e = 0; e < NEF; e++) {
        if (c->recall[e] < r) continue;
        if (e == 0) return c->qps[0];
        double r0 = c->recall[e - 1], r1 = c->recall[e];
        double t = r1 > r0 ? (r - r0) / (r1 - r0) : 1;
        return c->qps[e - 1] + t * (c->qps[e] - c->qps[e - 1]);
    }
    return 0;
}

static void print_curves(const char *phase, const curve *a, const curve *b)
{
    printf("%s\n  ef     annovec recall  QPS      hnswlib recall  QPS\n", phase);
    for (int e = 0; e < NEF; e++)
        printf("  %-5d  %.4f         %-7.0f  %.4f          %.0f\n", efs[e], a->recall[e], a->qps[e], b->recall[e], b->qps[e]);
    for (int i = 0; i < 2; i++) {
        double r = i ? 0.99 : 0.95, qa = qps_at(a, r), qb = qps_at(b, r);
        printf("  at recall %.2f: annovec %.0f QPS, hnswlib %.0f QPS, ratio %.2f\n", r, qa, qb, qb > 0 ? qa / qb : 0);
    }
}

/* What the index allocates beyond the collection's vectors: the graph and the codes. */
static size_t graph_bytes(const hnsw *h)
{
    size_t b = (size_t)h->cap * (1 + 1 + sizeof(uint32_t *) + sizeof(uint32_t) * (size_t)(h->M0 + 1));
    b += (size_t)h->qt.cap * (size_t)h->qt.bytes + 3 * sizeof(float) * (size_t)h->qt.pad;
    for (uint32_t s = 0; s < h->cap; s++)
        if (h->level[s] > 0) b += sizeof(uint32_t) * (size_t)h->level[s] * (size_t)(h->M + 1);
    return b;
}

static double restart_seconds(hnsw *h)
{
    av_vecdata vd = vdata();
    char path[] = "/tmp/bench_ann_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || av_hnsw_index.save(h, &vd, fd) != AV_OK) { fprintf(stderr, "save failed\n"); exit(1); }
    uint32_t *ident = malloc(sizeof(uint32_t) * n);
    for (size_t s = 0; s < n; s++) ident[s] = alive[s] ? (uint32_t)s : AV_SLOT_NONE;
    double t0 = fm_now();
    void *again = av_hnsw_index.create(&vd);
    int rc = av_hnsw_index.load(again, &vd, fd);
    if (rc == AV_OK) av_hnsw_index.remap(again, &vd, ident, (uint32_t)n);
    double dt = fm_now() - t0;
    if (rc != AV_OK) { fprintf(stderr, "load failed\n"); exit(1); }
    av_hnsw_index.destroy(again);
    free(ident);
    close(fd);
    unlink(path);
    return dt;
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: %s TRAIN_IDX TEST_IDX [NBASE]\n", argv[0]); return 2; }
    size_t nq;
    base = fm_load(argv[1], argc > 3 ? (size_t)atol(argv[3]) : 60000, &n);
    queries = fm_load(argv[2], NQ, &nq);
    if (nq < NQ) { fprintf(stderr, "need %d queries\n", NQ); return 1; }
    alive = malloc(n);
    memset(alive, 1, n);
    printf("ann bench: %zu x %d base, %d queries, L2, k %d, M %d, efConstruction %d, 1 thread; kernel %s\n",
           n, FM_DIM, NQ, K, GRAPH_M, GRAPH_EFC, av_dist_kernel());
    double t0 = fm_now();
    ground_truth();
    printf("ground truth: %.1f s (exact scan)\n", fm_now() - t0);

    av_vecdata vd = vdata();
    hnsw *h = av_hnsw_index.create(&vd);
    t0 = fm_now();
    av_hnsw_index.build(h, &vd);   /* makes the nodes; a collection's maintenance job links them: */
    while (av_hnsw_index.maintain(h, &vd)) av_hnsw_index.publish(h, &vd);
    av_hnsw_index.publish(h, &vd);
    double ours_build = fm_now() - t0;
    peer *p = peer_new(FM_DIM, n, GRAPH_M, GRAPH_EFC);
    t0 = fm_now();
    for (size_t s = 0; s < n; s++) peer_add(p, base + s * FM_DIM, s);
    double peer_build = fm_now() - t0;
    printf("build: annovec %.1f s (%.0f vectors/s), hnswlib %.1f s (%.0f vectors/s), ratio %.2f\n", ours_build,
           n / ours_build, peer_build, n / peer_build, peer_build / ours_build);
    size_t raw = sizeof(float) * FM_DIM;
    printf("memory per vector: annovec %.0f bytes (%zu raw + %.0f graph and codes, +%.1f%%), hnswlib %zu bytes (+%.1f%%)\n",
           raw + (double)graph_bytes(h) / n, raw, (double)graph_bytes(h) / n, 100.0 * graph_bytes(h) / n / raw,
           peer_bytes_per_element(p), 100.0 * ((double)peer_bytes_per_element(p) - raw) / raw);
    double peer_load = 0;
    peer_save_load(p, "/tmp/bench_ann_peer.bin", &peer_load, fm_now);
    printf("restart (load the saved index): annovec %.2f s, hnswlib %.2f s; a rebuild takes %.1f s\n",
           restart_seconds(h), peer_load, ours_build);

    curve before_a, before_b;
    run_ours(h, &before_a);
    run_peer(p, &before_b);
    print_curves("search, before deletes:", &before_a, &before_b);

    /* delete half the rows, fixed seed, the way a collection does for requests of 100 ids: remove,
     * scrub and free each slot, then settle and publish; when settle asks for it, the repair a
     * collection runs on its maintenance thread, step by step (here in line, timed apart) */
    srand(1234);
    size_t deleted = 0, repairs = 0, in_request = 0, steps = 0;
    double repair_s = 0, request_s = 0, longest_step = 0;
    for (size_t s = 0; s < n; s++) {
        if (rand() % 2 == 0) {
            av_hnsw_index.remove(h, &vd, (uint32_t)s);
            memset(base + s * FM_DIM, 0, raw);
            alive[s] = 0;
            deleted++;
            in_request++;
        }
        if (in_request == 100 || (s == n - 1 && in_request)) {
            double r0 = fm_now();
            int wants = av_hnsw_index.settle(h, &vd);
            av_hnsw_index.publish(h, &vd);
            request_s += fm_now() - r0;
            in_request = 0;
            if (!wants) continue;
            repairs++;
            for (int more = 1; more; steps++) {
                double s0 = fm_now();
                more = av_hnsw_index.maintain(h, &vd);
                if (!more) av_hnsw_index.publish(h, &vd);
                double st = fm_now() - s0;
                repair_s += st;
                if (st > longest_step) longest_step = st;
            }
        }
    }
    t0 = fm_now();
    for (size_t s = 0; s < n; s++) if (!alive[s]) peer_delete(p, s);
    double peer_del = fm_now() - t0;
    printf("deleted %zu rows in requests of 100: annovec %.2f s in the requests, hnswlib %.2f s (marks only); "
           "annovec's background repairs: %zu, %.2f s in %zu steps, the longest %.1f ms (searches run meanwhile)\n",
           deleted, request_s, peer_del, repairs, repair_s, steps, longest_step * 1000);
    ground_truth();
    curve after_a, after_b;
    run_ours(h, &after_a);
    run_peer(p, &after_b);
    print_curves("search, after deleting 50%:", &after_a, &after_b);
    t0 = fm_now();
    hnsw_repair(h, &vd);
    printf("final repair: %.2f s; tombstones left %u\n", fm_now() - t0, h->ndead);
    curve rep_a;
    run_ours(h, &rep_a);
    print_curves("search, after annovec's repair (hnswlib unchanged: it has none):", &rep_a, &after_b);
    printf("after delete+repair vs before, annovec QPS at recall 0.99: %.0f vs %.0f\n", qps_at(&rep_a, 0.99), qps_at(&before_a, 0.99));

    double r95 = qps_at(&before_b, 0.95) > 0 ? qps_at(&before_a, 0.95) / qps_at(&before_b, 0.95) : 0;
    double r99 = qps_at(&before_b, 0.99) > 0 ? qps_at(&before_a, 0.99) / qps_at(&before_b, 0.99) : 0;
    av_hnsw_index.destroy(h);
    peer_free(p);
    free(base); free(queries); free(alive);
    printf("qps_ratio@0.95 %.2f\n", r95);
    printf("qps_ratio@0.99 %.2f\n", r99);
    return 0;
}
