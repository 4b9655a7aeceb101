/*
 * test_hnsw.c — the HNSW index (src/core/vector/hnsw*.c, vecindex_hnsw.c) through the engine's API:
 * recall@10 against an exact (FLAT) twin collection holding the same rows, on a fixed data set of
 * 20 Gaussian clusters (6,000 × 16, L2; the same with COSINE), and the graph's invariants.
 *
 *  recall_after_inserts_and_build: rows inserted one batch at a time (incremental inserts), then
 *    the index rebuilt from the rows (a restart without snapshot), which the maintenance job links
 *    in the background: recall >= 0.95 after the inserts, while the build runs and after it.
 *  recall_cosine: the same on COSINE.
 *  deletes_random_half: after deleting a random half, no deleted id is ever returned, every search
 *    still returns 10 hits, recall >= 0.95, while the background repair runs and after it: then
 *    fewer tombstones are left than start a repair, and no list names a node not in the graph.
 *  deletes_whole_clusters: deleting 10 of the 20 clusters (queries from the deleted clusters too).
 *  index_set_on_existing_rows: av_collection_set_index on a FLAT collection with rows: searches stay
 *    exact (recall >= 0.95) while the maintenance job builds the graph, then the graph answers; a
 *    new metric builds again; type and metric survive a restart; bad type or name refused.
 *  filtered_search_at_every_selectivity: filters matching 1%, 10% and 50% of the rows return 10
 *    matching hits with recall >= 0.95 against the exact filtered answer.
 *  snapshot_restart_answers_the_same: a clean restart loads the graph (it is not rebuilt: the
 *    answers are identical hit for hit, approximate ones included).
 *  searches_during_writes: a writer inserts batches of 10 identical vectors (one point per batch, far
 *    from the clusters) and deletes older batches, so repairs run, while 2 threads search for the
 *    batches' points: a hit on a row whose delete had returned before the search began never comes
 *    back, no row comes twice, and a batch is found whole or not at all (its rows sit at distance 0 from the query);
 *    under ASan this also runs the index's concurrent settle against the searches.
 *  bad_search_params: ef outside 1..32768 or not an integer is refused before the search.
 *  wide_kernels_match_portable: the AVX kernels agree with the portable ones to rounding.
 */
#include "annovec.h"
#include "core/vector/collection.h"
#include "core/vector/distance.h"
#include "core/vector/hnsw.h"
#include "lib/util.h"
#include "test.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DIM 96
#define CLUSTERS 20
#define PER 300
#define N (CLUSTERS * PER)
#define NQ 100
#define K 10

static const char *P = "0123456789abcdef0123456789abcdef";
static float *data, *queries;
static int qcluster[NQ];

static uint64_t rng_state;
static double uniform(void)
{
    uint64_t x = rng_state;
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    rng_state = x;
    return ((double)(x >> 11) + 0.5) / 9007199254740992.0;
}
static double gauss(void) { return sqrt(-2 * log(uniform())) * cos(6.283185307179586 * uniform()); }

/* 20 cluster centres in [-10, 10]^16, points around them (sd 1.5); queries near random points. */
static void make_data(void)
{
    if (data) return;
    rng_state = 42;
    float centre[CLUSTERS][DIM];
    for (int c = 0; c < CLUSTERS; c++) for (int d = 0; d < DIM; d++) centre[c][d] = (float)(uniform() * 20 - 10);
    data = xmalloc(sizeof(float) * N * DIM);
    for (int i = 0; i < N; i++) for (int d = 0; d < DIM; d++) data[i * DIM + d] = centre[i / PER][d] + (float)(gauss() * 1.5);
    queries = xmalloc(sizeof(float) * NQ * DIM);
    for (int q = 0; q < NQ; q++) {
        int i = (int)(uniform() * N);
        qcluster[q] = i / PER;
        for (int d = 0; d < DIM; d++) queries[q * DIM + d] = data[i * DIM + d] + (float)(gauss() * 0.5);
    }
}

static av_store *st;
static char dir[128];

static void open_store(void)
{
    av_err e;
    if (av_store_open(dir, &st, &e)) { fprintf(stderr, "open: %s\n", e.msg); abort(); }
    char id[33];
    av_project_resolve(st, P, 1, id, &e);
}

static av_collection *open_coll(const char *name)
{
    av_collection *c = NULL;
    av_err e;
    if (av_collection_open(st, P, "default", name, &c, &e)) { fprintf(stderr, "open %s: %s\n", name, e.msg); abort(); }
    return c;
}

static av_collection *create(const char *name, const char *index, av_metric m)
{
    av_schema s;
    av_schema_init(&s);
    snprintf(s.name, sizeof s.name, "%s", name);
    snprintf(s.index_type, sizeof s.index_type, "%s", index);
    s.metric = m;
    av_field *f = av_schema_add_field(&s, "id", AV_T_INT64);
    f->primary = 1;
    av_schema_add_field(&s, "vector", AV_T_FLOAT_VECTOR)->dim = DIM;
    av_schema_add_field(&s, "cl", AV_T_INT32);
    av_schema_add_field(&s, "sel", AV_T_INT32);
    av_err e;
    CHECK_INT(av_collection_create(st, P, "default", &s, &e), AV_OK);
    av_schema_free(&s);
    return open_coll(name);
}

/* Inserts rows [from, to) in batches of 500. */
static void insert_rows(av_collection *c, int from, int to)
{
    av_row rows[500];
    json_object *docs[500];
    for (int b = from; b < to; b += 500) {
        int n = to - b < 500 ? to - b : 500;
        for (int i = 0; i < n; i++) {
            int id = b + i;
            docs[i] = json_object_new_object();
            json_object_object_add(docs[i], "cl", json_object_new_int(id / PER));
            json_object_object_add(docs[i], "sel", json_object_new_int(id % 100));
            rows[i] = (av_row){ { 0, id, NULL }, data + (size_t)id * DIM, docs[i] };
        }
        av_err e;
        CHECK_INT(av_insert(c, rows, (size_t)n, 0, NULL, &e), AV_OK);
        for (int i = 0; i < n; i++) json_object_put(docs[i]);
    }
}

typedef struct hits { int64_t id[K]; int n; } hits;

static int collect(void *ctx, int query, int rank, float distance, const av_row_view *row)
{
    (void)query; (void)rank; (void)distance;
    hits *h = ctx;
    if (h->n < K) h->id[h->n++] = row->pk.i;
    return 0;
}

static hits search(av_collection *c, int q, const char *filter, json_object *params)
{
    hits h = { .n = 0 };
    av_filter *f = NULL;
    av_err e;
    if (filter) CHECK_INT(av_filter_compile_milvus(c, filter, &f, &e), AV_OK);
    av_search_params p = { .queries = queries + (size_t)q * DIM, .nq = 1, .limit = K, .filter = f, .index_params = params };
    CHECK_INT(av_search(c, &p, collect, &h, &e), AV_OK);
    av_filter_free(f);
    return h;
}

/* Mean recall@10 of `ann` against `exact` over the queries (optionally filtered); counts hits that
 * are deleted (deleted[id]) or that fail `ok` in *bad, and searches with fewer than 10 hits in *short. */
static double recall(av_collection *ann, av_collection *exact, const char *filter, const uint8_t *deleted,
                     int *bad, int *short_answers)
{
    double sum = 0;
    *bad = *short_answers = 0;
    for (int q = 0; q < NQ; q++) {
        hits a = search(ann, q, filter, NULL), x = search(exact, q, filter, NULL);
        if (a.n < x.n) (*short_answers)++;
        int found = 0;
        for (int i = 0; i < a.n; i++) {
            if (deleted && deleted[a.id[i]]) (*bad)++;
            for (int j = 0; j < x.n; j++) if (a.id[i] == x.id[j]) { found++; break; }
        }
        sum += x.n ? (double)found / x.n : 1.0;
    }
    return sum / NQ;
}

/* The graph's invariants: list counts within capacity, every neighbour a node of the graph that
 * reaches the list's level, no self-link, tombstones counted right, the entry point a live top node. */
static int graph_ok(av_collection *c, int expect_no_tombstones)
{
    const hnsw *h = c->index;
    uint32_t nodes = 0, dead = 0;
    int top = -1;
    for (uint32_t s = 0; s < h->cap; s++) {
        if (h->level[s] < 0) { if (h->dead[s]) return 0; continue; }
        nodes++;
        dead += h->dead[s] != 0;
        if (!h->dead[s] && h->level[s] > top) top = h->level[s];
        if (!h->dead[s] && (s >= c->rows.nslots || !c->rows.alive[s])) return 0;   /* a live node is a live row */
        for (int lvl = 0; lvl <= h->level[s]; lvl++) {
            const uint32_t *l = hnsw_list(h, s, lvl);
            if ((int)l[0] > hnsw_list_cap(h, lvl)) return 0;
            for (uint32_t i = 1; i <= l[0]; i++)
                if (l[i] >= h->cap || l[i] == s || h->level[l[i]] < lvl) return 0;
        }
    }
    if (nodes != h->nodes || dead != h->ndead || (expect_no_tombstones && dead)) return 0;
    if (nodes - dead == 0) return h->entry == HNSW_NONE;
    return h->entry != HNSW_NONE && !h->dead[h->entry] && h->level[h->entry] == top;
}

static void start(const char *name)
{
    make_data();
    test_tmpdir(dir, sizeof dir, name);
    open_store();
}

static void finish(void)
{
    av_store_close(st);
    test_rmdir(dir);
}

/* Removes the index snapshot files, so that the next open builds the index from the rows. */
static void drop_snapshots(void)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (strncmp(de->d_name, "vecindex-", 9) == 0) {
            char *p = xasprintf("%s/%s", dir, de->d_name);
            unlink(p);
            free(p);
        }
    if (d) closedir(d);
}

static void recall_case(av_metric m)
{
    av_collection *ann = create("ann", "HNSW", m), *exact = create("exact", "FLAT", m);
    CHECK(ann->iops == &av_hnsw_index);
    insert_rows(ann, 0, N);
    insert_rows(exact, 0, N);
    int bad, shorts;
    double r = recall(ann, exact, NULL, NULL, &bad, &shorts);
    printf("  recall@10 after inserts: %.3f\n", r);
    CHECK(r >= 0.95);
    CHECK_INT(shorts, 0);
    CHECK(graph_ok(ann, 1));
    av_collection_release(ann); av_collection_release(exact);
    av_store_close(st);
    drop_snapshots();
    open_store();
    ann = open_coll("ann"); exact = open_coll("exact");
    r = recall(ann, exact, NULL, NULL, &bad, &shorts);   /* the build may be linking meanwhile */
    printf("  recall@10 while the build runs: %.3f\n", r);
    CHECK(r >= 0.95);
    CHECK_INT(shorts, 0);
    coll_maint_wait(ann);
    const hnsw *h = ann->index;
    CHECK_INT(h->npending, 0);   /* the maintenance job linked every node */
    r = recall(ann, exact, NULL, NULL, &bad, &shorts);
    printf("  recall@10 after the build: %.3f\n", r);
    CHECK(r >= 0.95);
    CHECK_INT(shorts, 0);
    CHECK(graph_ok(ann, 1));
    av_collection_release(ann); av_collection_release(exact);
}

static void recall_after_inserts_and_build(void) { start("hnsw_recall"); recall_case(AV_METRIC_L2); finish(); }
static void recall_cosine(void) { start("hnsw_cosine"); recall_case(AV_METRIC_COSINE); finish(); }

/* Deletes the rows for which pick(id) holds from both collections, by pk. */
static void delete_where(av_collection *a, av_collection *b, int (*pick)(int), uint8_t *deleted)
{
    av_pk *pks = xmalloc(sizeof(av_pk) * N);
    size_t n = 0;
    for (int id = 0; id < N; id++)
        if (pick(id)) { pks[n++] = (av_pk){ 0, id, NULL }; deleted[id] = 1; }
    av_err e;
    for (size_t at = 0; at < n; at += 100) {   /* in requests of 100, as clients do */
        size_t m = n - at < 100 ? n - at : 100;
        CHECK_INT(av_delete_pks(a, pks + at, m, NULL, &e), AV_OK);
        CHECK_INT(av_delete_pks(b, pks + at, m, NULL, &e), AV_OK);
        coll_maint_wait(a);   /* repairs at the same points on every run (searches_during_writes races them) */
    }
    free(pks);
}

static uint8_t half[N];
static int random_half(int id) { return half[id]; }
static int first_ten_clusters(int id) { return id / PER < 10; }

static void deletes_random_half(void)
{
    start("hnsw_del_half");
    av_collection *ann = create("ann", "HNSW", AV_METRIC_L2), *exact = create("exact", "FLAT", AV_METRIC_L2);
    insert_rows(ann, 0, N);
    insert_rows(exact, 0, N);
    rng_state = 7;
    for (int i = 0; i < N; i++) half[i] = uniform() < 0.5;
    uint8_t deleted[N] = { 0 };
    delete_where(ann, exact, random_half, deleted);
    int bad, shorts;
    double r = recall(ann, exact, NULL, deleted, &bad, &shorts);   /* a repair may be running */
    printf("  recall@10 after deleting half: %.3f\n", r);
    CHECK_INT(bad, 0);
    CHECK_INT(shorts, 0);
    CHECK(r >= 0.95);
    coll_maint_wait(ann);
    r = recall(ann, exact, NULL, deleted, &bad, &shorts);
    printf("  recall@10 after the repair: %.3f\n", r);
    CHECK_INT(bad, 0);
    CHECK_INT(shorts, 0);
    CHECK(r >= 0.95);
    const hnsw *h = ann->index;
    CHECK((double)h->ndead < HNSW_REPAIR_FRACTION * h->nodes);   /* the background repairs ran */
    CHECK(graph_ok(ann, 0));
    av_collection_release(ann); av_collection_release(exact);
    finish();
}

static void deletes_whole_clusters(void)
{
    start("hnsw_del_clusters");
    av_collection *ann = create("ann", "HNSW", AV_METRIC_L2), *exact = create("exact", "FLAT", AV_METRIC_L2);
    insert_rows(ann, 0, N);
    insert_rows(exact, 0, N);
    uint8_t deleted[N] = { 0 };
    delete_where(ann, exact, first_ten_clusters, deleted);
    int bad, shorts;
    double r = recall(ann, exact, NULL, deleted, &bad, &shorts);
    printf("  recall@10 after deleting 10 of 20 clusters: %.3f\n", r);
    CHECK_INT(bad, 0);
    CHECK_INT(shorts, 0);
    CHECK(r >= 0.95);
    coll_maint_wait(ann);
    r = recall(ann, exact, NULL, deleted, &bad, &shorts);
    printf("  recall@10 after the repair: %.3f\n", r);
    CHECK_INT(bad, 0);
    CHECK_INT(shorts, 0);
    CHECK(r >= 0.95);
    CHECK(graph_ok(ann, 0));
    /* and inserts keep working into the repaired graph, reusing the freed slots */
    av_collection_release(ann); av_collection_release(exact);
    finish();
}

/* An index set on a collection that has rows: the handle is swapped, the graph is built in the
 * background while searches answer exactly, and the type and metric persist. */
static void index_set_on_existing_rows(void)
{
    start("hnsw_set_index");
    av_collection *flat = create("c", "FLAT", AV_METRIC_L2), *exact = create("exact", "FLAT", AV_METRIC_L2);
    insert_rows(flat, 0, N);
    insert_rows(exact, 0, N);
    av_index_state is;
    av_collection_index_state(flat, &is);
    CHECK_STR(is.type, "FLAT");
    av_err e;
    CHECK_INT(av_collection_set_index(st, P, "default", "c", "HNSW", AV_METRIC_L2, &e), AV_OK);
    av_pk one = { 0, 1, NULL };
    CHECK_INT(av_delete_pks(flat, &one, 1, NULL, &e), AV_ENOTFOUND);   /* the old handle is retired */
    av_collection_release(flat);
    av_collection *ann = open_coll("c");
    CHECK(ann->iops == &av_hnsw_index);
    int bad, shorts;
    double r = recall(ann, exact, NULL, NULL, &bad, &shorts);
    printf("  recall@10 while the new index builds: %.3f\n", r);
    CHECK(r >= 0.95);
    CHECK_INT(shorts, 0);
    coll_maint_wait(ann);
    av_collection_index_state(ann, &is);
    CHECK_STR(is.type, "HNSW");
    CHECK_INT(is.pending, 0);
    CHECK_INT(is.indexed, N);
    r = recall(ann, exact, NULL, NULL, &bad, &shorts);
    printf("  recall@10 once built: %.3f\n", r);
    CHECK(r >= 0.95);
    CHECK(graph_ok(ann, 1));
    /* another metric: built again for it (a graph for L2 would only be scanned) */
    CHECK_INT(av_collection_set_index(st, P, "default", "c", "HNSW", AV_METRIC_COSINE, &e), AV_OK);
    av_collection_release(ann);
    ann = open_coll("c");
    coll_maint_wait(ann);
    CHECK_INT(((const hnsw *)ann->index)->metric, AV_METRIC_COSINE);
    CHECK_INT(av_collection_schema(ann)->metric, AV_METRIC_COSINE);
    CHECK_INT(av_collection_set_index(st, P, "default", "c", "", AV_METRIC_L2, &e), AV_EINVAL);
    CHECK_INT(av_collection_set_index(st, P, "default", "nope", "HNSW", AV_METRIC_L2, &e), AV_ENOTFOUND);
    av_collection_release(ann);
    av_collection_release(exact);
    av_store_close(st);
    open_store();   /* kept across a restart */
    ann = open_coll("c");
    av_collection_index_state(ann, &is);
    CHECK_STR(is.type, "HNSW");
    CHECK_INT(av_collection_schema(ann)->metric, AV_METRIC_COSINE);
    CHECK_INT(av_collection_count(ann), N);
    av_collection_release(ann);
    finish();
}

static void filtered_search_at_every_selectivity(void)
{
    start("hnsw_filter");
    av_collection *ann = create("ann", "HNSW", AV_METRIC_L2), *exact = create("exact", "FLAT", AV_METRIC_L2);
    insert_rows(ann, 0, N);
    insert_rows(exact, 0, N);
    const char *filters[] = { "sel < 1", "sel < 10", "sel < 50" };
    for (int i = 0; i < 3; i++) {
        int bad, shorts;
        double r = recall(ann, exact, filters[i], NULL, &bad, &shorts);
        printf("  recall@10 with filter %s: %.3f\n", filters[i], r);
        CHECK(r >= 0.95);
        CHECK_INT(shorts, 0);
        for (int q = 0; q < NQ; q++) {   /* every hit matches the filter */
            hits a = search(ann, q, filters[i], NULL);
            int lim = i == 0 ? 1 : i == 1 ? 10 : 50;
            for (int j = 0; j < a.n; j++) if (a.id[j] % 100 >= lim) bad++;
        }
        CHECK_INT(bad, 0);
    }
    av_collection_release(ann); av_collection_release(exact);
    finish();
}

static void snapshot_restart_answers_the_same(void)
{
    start("hnsw_snapshot");
    av_collection *ann = create("ann", "HNSW", AV_METRIC_L2);
    insert_rows(ann, 0, N);
    hits before[NQ];
    json_object *small_ef = json_tokener_parse("{\"ef\": 10}");   /* approximate answers, so a rebuild would show */
    for (int q = 0; q < NQ; q++) before[q] = search(ann, q, NULL, small_ef);
    av_collection_release(ann);
    av_store_close(st);
    open_store();
    ann = open_coll("ann");
    int same = 0;
    for (int q = 0; q < NQ; q++) {
        hits after = search(ann, q, NULL, small_ef);
        same += after.n == before[q].n && memcmp(after.id, before[q].id, sizeof(int64_t) * (size_t)after.n) == 0;
    }
    CHECK_INT(same, NQ);
    CHECK(graph_ok(ann, 1));
    json_object_put(small_ef);
    av_collection_release(ann);
    finish();
}

/* ---- searches during writes ------------------------------------------------------------------- */
#define WBATCHES 120
#define WBATCH 10
#define WBASE 2000
static av_collection *wcoll;
static atomic_int wseq, wdone, wviolations, wsearches;
static atomic_int wdeleted_at[WBATCHES];   /* wseq value after the batch's delete returned, 0 before */
static atomic_int winserted[WBATCHES];

static void batch_point(int b, float *v)
{
    memcpy(v, data + (size_t)(b % N) * DIM, sizeof(float) * DIM);
    v[0] += 200.0f + 5.0f * (float)b;   /* far from the clusters and from the other batches */
}

static void *batch_writer(void *arg)
{
    (void)arg;
    float vec[DIM];
    av_row rows[WBATCH];
    av_pk pks[WBATCH];
    av_err e;
    json_object *doc = json_object_new_object();
    json_object_object_add(doc, "cl", json_object_new_int(-1));
    json_object_object_add(doc, "sel", json_object_new_int(-1));
    for (int b = 0; b < WBATCHES; b++) {
        batch_point(b, vec);
        for (int i = 0; i < WBATCH; i++) {
            rows[i] = (av_row){ { 0, 1000000 + b * WBATCH + i, NULL }, vec, doc };
        }
        if (av_insert(wcoll, rows, WBATCH, 0, NULL, &e) != AV_OK) { fprintf(stderr, "insert: %s\n", e.msg); atomic_fetch_add(&wviolations, 1); }
        atomic_store(&winserted[b], 1);
        int old = b - 3;   /* keep three batches, delete the one before */
        if (old >= 0) {
            for (int i = 0; i < WBATCH; i++) pks[i] = (av_pk){ 0, 1000000 + old * WBATCH + i, NULL };
            if (av_delete_pks(wcoll, pks, WBATCH, NULL, &e) != AV_OK) atomic_fetch_add(&wviolations, 1);
            atomic_store(&wdeleted_at[old], atomic_fetch_add(&wseq, 1) + 1);
        }
    }
    /* and delete some base rows, so that repairs fall due during the searches */
    for (int at = 0; at < WBASE / 2; at += 100) {
        av_pk base[100];
        for (int i = 0; i < 100; i++) base[i] = (av_pk){ 0, at * 2 + i * 2, NULL };
        if (av_delete_pks(wcoll, base, 100, NULL, &e) != AV_OK) atomic_fetch_add(&wviolations, 1);
    }
    json_object_put(doc);
    atomic_store(&wdone, 1);
    return NULL;
}

typedef struct bhits { int64_t id[K]; float d[K]; int n; } bhits;

static int collect_d(void *ctx, int query, int rank, float distance, const av_row_view *row)
{
    (void)query; (void)rank;
    bhits *h = ctx;
    if (h->n < K) { h->id[h->n] = row->pk.i; h->d[h->n] = distance; h->n++; }
    return 0;
}

static void *batch_searcher(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg;
    float vec[DIM];
    while (!atomic_load(&wdone)) {
        int b = (int)(rand_r(&seed) % WBATCHES);
        if (!atomic_load(&winserted[b])) continue;
        int s0 = atomic_load(&wseq);
        batch_point(b, vec);
        bhits h = { .n = 0 };
        av_search_params p = { .queries = vec, .nq = 1, .limit = K };
        av_err e;
        if (av_search(wcoll, &p, collect_d, &h, &e) != AV_OK) { atomic_fetch_add(&wviolations, 1); continue; }
        int zero = 0;
        for (int i = 0; i < h.n; i++) {
            for (int j = 0; j < i; j++) if (h.id[j] == h.id[i]) atomic_fetch_add(&wviolations, 1);   /* twice */
            if (h.d[i] == 0.0f) zero++;
            int64_t id = h.id[i];
            if (id >= 1000000) {
                int d = atomic_load(&wdeleted_at[(id - 1000000) / WBATCH]);
                if (d && d <= s0) atomic_fetch_add(&wviolations, 1);   /* deleted before we began */
            }
        }
        if (zero != 0 && zero != WBATCH) atomic_fetch_add(&wviolations, 1);   /* part of a batch */
        atomic_fetch_add(&wsearches, 1);
    }
    return NULL;
}

static void searches_during_writes(void)
{
    start("hnsw_concurrent");
    wcoll = create("ann", "HNSW", AV_METRIC_L2);
    insert_rows(wcoll, 0, WBASE);
    pthread_t w, r[2];
    for (int i = 0; i < 2; i++) pthread_create(&r[i], NULL, batch_searcher, (void *)(uintptr_t)(i + 1));
    pthread_create(&w, NULL, batch_writer, NULL);
    pthread_join(w, NULL);
    for (int i = 0; i < 2; i++) pthread_join(r[i], NULL);
    printf("  %d searches alongside the writes\n", atomic_load(&wsearches));
    CHECK_INT(atomic_load(&wviolations), 0);
    CHECK(atomic_load(&wsearches) > 0);
    coll_maint_wait(wcoll);
    CHECK(graph_ok(wcoll, 0));
    av_collection_release(wcoll);
    finish();
}

static void bad_search_params(void)
{
    start("hnsw_params");
    av_collection *ann = create("ann", "HNSW", AV_METRIC_L2);
    insert_rows(ann, 0, 2000);
    const char *bad[] = { "{\"ef\": 0}", "{\"ef\": 32769}", "{\"ef\": \"64\"}", "{\"ef\": 1.5}" };
    for (int i = 0; i < 4; i++) {
        json_object *p = json_tokener_parse(bad[i]);
        av_search_params sp = { .queries = queries, .nq = 1, .limit = K, .index_params = p };
        hits h = { .n = 0 };
        av_err e;
        CHECK_INT(av_search(ann, &sp, collect, &h, &e), AV_EINVAL);
        CHECK_CONTAINS(e.msg, "ef");
        CHECK_INT(h.n, 0);
        json_object_put(p);
    }
    json_object *good = json_tokener_parse("{\"ef\": 200}");
    CHECK_INT(search(ann, 0, NULL, good).n, K);
    json_object_put(good);
    av_collection_release(ann);
    finish();
}

/* The codes' scores equal the scores of the vectors they decode to (lo + code * step), with the
 * wide and the portable kernels, for each metric. */
static void codes_score_like_their_reconstruction(void)
{
    make_data();
    av_metric ms[3] = { AV_METRIC_L2, AV_METRIC_IP, AV_METRIC_COSINE };
    uint8_t alive[64];
    float norms[64];
    memset(alive, 1, sizeof alive);
    for (int i = 0; i < 64; i++) norms[i] = av_norm(data + (size_t)i * DIM, DIM);
    for (int mi = 0; mi < 3; mi++) {
        av_vecdata vd = { data, norms, alive, 64, DIM, ms[mi] };
        hnsw *h = hnsw_new(16, 100);
        hnsw_reserve(h, 64);
        for (uint32_t s = 0; s < 64; s++) { hnsw_set_level(h, s, 0); h->nodes++; }
        hnsw_quant_train(&h->qt, h, &vd);
        const hnsw_quant *qt = &h->qt;
        float qq[DIM + 32], qconst, qn = av_norm(queries, DIM);
        hnsw_quant_query(qt, ms[mi], queries, qq, &qconst);
        hnsw_query hq = { &vd, queries, qn, qt, qq, qconst };
        int bad = 0;
        for (uint32_t s = 0; s < 64; s++) {
            const uint8_t *c = hnsw_quant_code(qt, s);
            float rec[DIM], l2 = 0, dot = 0;
            for (int d = 0; d < DIM; d++) {
                int blk = d / 32, j = d % 32;
                uint8_t byte = c[blk * 16 + j % 16];
                int code = j < 16 ? byte & 15 : byte >> 4;
                rec[d] = qt->lo[d] + (float)code * qt->step[d];
                if (fabsf(rec[d] - data[s * DIM + d]) > qt->step[d] * 0.5f + 1e-3f) bad++;   /* rounds to the nearest */
                l2 += (queries[d] - rec[d]) * (queries[d] - rec[d]);
                dot += queries[d] * rec[d];
            }
            float want = ms[mi] == AV_METRIC_L2 ? l2 : ms[mi] == AV_METRIC_IP ? -dot : -dot / (qn * norms[s]);
            float got = hnsw_quant_key(&hq, s);
            if (fabsf(got - want) > 1e-3f * fmaxf(1.0f, fabsf(want))) bad++;
            if (ms[mi] != AV_METRIC_COSINE && fabsf(hnsw_quant_key_portable(&hq, s) - want) > 1e-3f * fmaxf(1.0f, fabsf(want))) bad++;
        }
        CHECK_INT(bad, 0);
        hnsw_free(h);
    }
}

static void wide_kernels_match_portable(void)
{
    make_data();
    for (size_t n = 1; n <= 100; n++) {
        float a = av_dist_l2sq(data, data + 160, n), b = av_dist_l2sq_portable(data, data + 160, n);
        float c = av_dist_dot(data, data + 160, n), d = av_dist_dot_portable(data, data + 160, n);
        CHECK(fabsf(a - b) <= 1e-4f * fmaxf(1.0f, fabsf(b)));
        CHECK(fabsf(c - d) <= 1e-4f * fmaxf(1.0f, fabsf(d)));
    }
    printf("  kernel: %s\n", av_dist_kernel());
}

TEST_MAIN(TEST_CASE(recall_after_inserts_and_build), TEST_CASE(recall_cosine), TEST_CASE(deletes_random_half),
          TEST_CASE(deletes_whole_clusters), TEST_CASE(index_set_on_existing_rows), TEST_CASE(filtered_search_at_every_selectivity),
          TEST_CASE(snapshot_restart_answers_the_same), TEST_CASE(searches_during_writes), TEST_CASE(bad_search_params),
          TEST_CASE(codes_score_like_their_reconstruction), TEST_CASE(wide_kernels_match_portable))
