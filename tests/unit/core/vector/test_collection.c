/*
 * test_collection.c — the engine through its public API (include/annovec.h): schema validation,
 * insert/upsert/get/query/count/search, delete by pks and by filter, all-or-nothing batches,
 * durability across reopen, exact search against brute force, and deleted bytes leaving the
 * database files. (The pk map itself is tested in test_pkmap.c.)
 *
 * Every case is independent: it makes its own data dir (test_tmpdir), opens its own store, and
 * finish() removes the dir and frees the documents it built, so `test_collection test_ttl` alone
 * passes exactly as it does in the full run.
 */
#include "annovec.h"
#include "lib/util.h"
#include "test.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static const char *P = "0123456789abcdef0123456789abcdef";

static av_store *open_store(const char *dir)
{
    av_store *st = NULL;
    av_err e;
    int rc = av_store_open(dir, &st, &e);
    if (rc) fprintf(stderr, "open: %s\n", e.msg);
    char id[33];
    av_project_resolve(st, P, 1, id, &e);
    return st;
}

static void make_schema(av_schema *s, const char *name, int dim, av_type pk, int auto_id)
{
    av_schema_init(s);
    snprintf(s->name, sizeof s->name, "%s", name);
    av_field *f = av_schema_add_field(s, "id", pk);
    f->primary = 1;
    f->auto_id = auto_id;
    f->max_length = 64;
    av_schema_add_field(s, "vector", AV_T_FLOAT_VECTOR)->dim = dim;
    f = av_schema_add_field(s, "age", AV_T_INT32);
    f->nullable = 1;
    av_schema_add_field(s, "tag", AV_T_VARCHAR)->max_length = 16;
}

/* Every document a case builds is kept here and freed by finish() (rows borrow their docs). */
static json_object *pool[4096];
static int npool;

/* The end of every case: its data dir goes, and so do the documents it built. */
static void finish(const char *dir)
{
    test_rmdir(dir);
    for (int i = 0; i < npool; i++) json_object_put(pool[i]);
    npool = 0;
}

static json_object *keep(json_object *o)
{
    if (npool < 4096) pool[npool++] = o;
    return o;
}

static json_object *doc(int age, const char *tag)
{
    json_object *o = keep(json_object_new_object());
    json_object_object_add(o, "age", json_object_new_int(age));
    json_object_object_add(o, "tag", json_object_new_string(tag));
    return o;
}

static int count_cb(void *ctx, const av_row_view *row)
{
    (void)row;
    (*(int *)ctx)++;
    return 0;
}

static int64_t count(av_collection *c, const char *expr)
{
    av_filter *f = NULL;
    av_err e;
    if (expr && av_filter_compile_milvus(c, expr, &f, &e)) { fprintf(stderr, "filter: %s\n", e.msg); return -1; }
    int64_t n = -1;
    av_count(c, f, &n, &e);
    av_filter_free(f);
    return n;
}

static void test_schema_validation(void)
{
    char dir[256];
    test_tmpdir(dir, sizeof dir, "coll-schema-validation");
    av_schema s;
    av_err e;
    make_schema(&s, "ok_name", 4, AV_T_INT64, 0);
    av_store *st = open_store(dir);
    CHECK_INT(av_collection_create(st, P, "default", &s, &e), AV_OK);
    CHECK_INT(av_collection_create(st, P, "default", &s, &e), AV_EEXIST);
    snprintf(s.name, sizeof s.name, "bad/name");
    CHECK_INT(av_collection_create(st, P, "default", &s, &e), AV_EINVAL);
    CHECK_CONTAINS(e.msg, "numbers, letters and underscores");
    snprintf(s.name, sizeof s.name, "fine");
    s.fields[1].dim = 0;
    CHECK_INT(av_collection_create(st, P, "default", &s, &e), AV_EINVAL);
    s.fields[1].dim = 4;
    s.fields[0].primary = 0;
    CHECK_INT(av_collection_create(st, P, "default", &s, &e), AV_EINVAL);
    CHECK_CONTAINS(e.msg, "primary key");
    s.fields[0].primary = 1;
    CHECK_INT(av_collection_create(st, P, "nodb", &s, &e), AV_ENODB);
    char **names; size_t n;
    av_collection_list(st, P, "default", &names, &n, &e);
    CHECK_INT(n, 1);
    CHECK_STR(names[0], "ok_name");
    free(names[0]); free(names);
    CHECK_INT(av_collection_drop(st, P, "default", "ok_name", &e), AV_OK);
    CHECK_INT(av_collection_drop(st, P, "default", "ok_name", &e), AV_ENOTFOUND);
    av_schema_free(&s);
    av_store_close(st);
    finish(dir);
}

static void test_write_read_delete(void)
{
    char dir[256];
    test_tmpdir(dir, sizeof dir, "coll-write-read-delete");
    av_store *st = open_store(dir);
    av_schema s;
    av_err e;
    make_schema(&s, "c1", 2, AV_T_INT64, 0);
    av_collection_create(st, P, "default", &s, &e);
    av_schema_free(&s);
    av_collection *c;
    CHECK_INT(av_collection_open(st, P, "default", "c1", &c, &e), AV_OK);

    float v[10][2];
    av_row rows[10];
    for (int i = 0; i < 10; i++) {
        v[i][0] = (float)i; v[i][1] = 0;
        rows[i] = (av_row){ { 0, 449223424352133601LL + i, NULL }, v[i], doc(20 + i, i % 2 ? "odd" : "even") };
    }
    CHECK_INT(av_insert(c, rows, 10, 0, NULL, &e), AV_OK);
    CHECK_INT(av_collection_count(c), 10);
    /* insert of an existing pk fails and changes nothing */
    CHECK_INT(av_insert(c, rows, 1, 0, NULL, &e), AV_EPK);
    CHECK_CONTAINS(e.msg, "already exists");
    /* one bad row fails the whole batch */
    json_object *bad = doc(1, "this tag is far too long for sixteen");
    av_row mixed[2] = { { { 0, 1, NULL }, v[0], doc(1, "a") }, { { 0, 2, NULL }, v[0], bad } };
    CHECK_INT(av_insert(c, mixed, 2, 0, NULL, &e), AV_ELIMIT);
    CHECK_INT(av_collection_count(c), 10);
    av_pk one = { 0, 1, NULL };
    int seen = 0;
    av_get(c, &one, 1, count_cb, &seen, &e);
    CHECK_INT(seen, 0);
    /* wrong type and NaN vectors */
    json_object *wrong = keep(json_object_new_object());
    json_object_object_add(wrong, "age", json_object_new_string("x"));
    json_object_object_add(wrong, "tag", json_object_new_string("t"));
    av_row wr = { { 0, 3, NULL }, v[0], wrong };
    CHECK_INT(av_insert(c, &wr, 1, 0, NULL, &e), AV_ETYPE);
    float nanv[2] = { 0.0f / 0.0f, 1 };
    av_row nr = { { 0, 4, NULL }, nanv, doc(1, "n") };
    CHECK_INT(av_insert(c, &nr, 1, 0, NULL, &e), AV_EINVAL);
    CHECK_INT(av_collection_count(c), 10);

    /* int64 above 2^53 stays exact */
    av_pk big = { 0, 449223424352133601LL, NULL }, near = { 0, 449223424352133600LL, NULL };
    seen = 0; av_get(c, &big, 1, count_cb, &seen, &e); CHECK_INT(seen, 1);
    seen = 0; av_get(c, &near, 1, count_cb, &seen, &e); CHECK_INT(seen, 0);

    CHECK_INT(count(c, "tag == \"odd\""), 5);
    CHECK_INT(count(c, "age >= 25"), 5);

    /* delete by pks: unknown ids are fine, repeated ids count once */
    av_pk del[4] = { { 0, 449223424352133601LL, NULL }, { 0, 449223424352133602LL, NULL }, { 0, 7, NULL }, { 0, 449223424352133601LL, NULL } };
    int64_t n = -1;
    CHECK_INT(av_delete_pks(c, del, 4, &n, &e), AV_OK);
    CHECK_INT(n, 2);
    CHECK_INT(av_collection_count(c), 8);
    seen = 0; av_get(c, &big, 1, count_cb, &seen, &e); CHECK_INT(seen, 0);
    /* a pk of the wrong type refuses the whole delete */
    av_pk mix[2] = { { 0, 449223424352133603LL, NULL }, { 1, 0, "x" } };
    CHECK_INT(av_delete_pks(c, mix, 2, &n, &e), AV_EPK);
    CHECK_INT(av_collection_count(c), 8);

    /* delete by filter; always-true refused */
    av_filter *f = NULL;
    CHECK_INT(av_filter_compile_milvus(c, "age > 0 or age <= 0 or true", &f, &e), AV_OK);
    CHECK_INT(av_delete_filter(c, f, &n, &e), AV_EUNSAFE);
    av_filter_free(f);
    CHECK_INT(av_delete_filter(c, NULL, &n, &e), AV_EUNSAFE);
    CHECK_INT(av_filter_compile_milvus(c, "tag == \"odd\"", &f, &e), AV_OK);
    CHECK_INT(av_delete_filter(c, f, &n, &e), AV_OK);
    CHECK_INT(n, 4);   /* odd rows i = 3, 5, 7, 9 (i = 1 was deleted above) */
    av_filter_free(f);
    CHECK_INT(count(c, "tag == \"odd\""), 0);
    CHECK_INT(av_collection_count(c), 4);

    /* upsert after delete re-creates; upsert of an existing one replaces */
    av_row again[2] = { { big, v[9], doc(99, "back") }, { { 0, 449223424352133603LL, NULL }, v[9], doc(98, "repl") } };
    CHECK_INT(av_insert(c, again, 2, 1, NULL, &e), AV_OK);
    CHECK_INT(av_collection_count(c), 5);
    CHECK_INT(count(c, "tag == \"back\""), 1);
    CHECK_INT(count(c, "tag == \"repl\""), 1);

    /* query order and window */
    int64_t got = 0;
    av_query(c, NULL, 1, 2, count_cb, &got, &e);
    CHECK_INT(got, 2);
    av_collection_release(c);
    av_store_close(st);

    /* everything acknowledged survives a reopen */
    st = open_store(dir);
    CHECK_INT(av_collection_open(st, P, "default", "c1", &c, &e), AV_OK);
    CHECK_INT(av_collection_count(c), 5);
    CHECK_INT(count(c, "tag == \"back\""), 1);
    CHECK_INT(count(c, "tag == \"odd\""), 0);
    av_collection_release(c);
    av_store_close(st);
    finish(dir);
}

typedef struct hits { int n; int64_t ids[64]; float d[64]; } hits;

static int hit_cb(void *ctx, int q, int rank, float d, const av_row_view *row)
{
    hits *h = ctx;
    (void)q; (void)rank;
    h->ids[h->n] = row->pk.i;
    h->d[h->n++] = d;
    return 0;
}

static void test_search_exact(void)
{
    char dir[256];
    test_tmpdir(dir, sizeof dir, "coll-search-exact");
    av_store *st = open_store(dir);
    av_schema s;
    av_err e;
    const int dim = 17, N = 500;
    make_schema(&s, "srch", dim, AV_T_INT64, 0);
    s.fields[2].nullable = 1;
    av_collection_create(st, P, "default", &s, &e);
    av_schema_free(&s);
    av_collection *c;
    av_collection_open(st, P, "default", "srch", &c, &e);
    float *vs = xmalloc(sizeof(float) * dim * N);
    av_row *rows = xcalloc(N, sizeof(av_row));
    srand(7);
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < dim; k++) vs[i * dim + k] = (float)rand() / RAND_MAX - 0.5f;
        rows[i] = (av_row){ { 0, i, NULL }, vs + i * dim, doc(i % 100, i % 3 ? "x" : "y") };
    }
    CHECK_INT(av_insert(c, rows, N, 0, NULL, &e), AV_OK);
    /* brute-force nearest 5 of query = row 42 */
    const float *q = vs + 42 * dim;
    hits h = { 0 };
    av_search_params p = { .queries = q, .nq = 1, .limit = 5 };
    CHECK_INT(av_search(c, &p, hit_cb, &h, &e), AV_OK);
    CHECK_INT(h.n, 5);
    CHECK_INT(h.ids[0], 42);
    CHECK(h.d[0] == 0.0f);
    int ok_order = 1;
    for (int i = 1; i < h.n; i++) ok_order &= h.d[i] >= h.d[i - 1];
    CHECK(ok_order);
    /* the brute-force 2nd nearest matches */
    int best = -1; float bd = 1e30f;
    for (int i = 0; i < N; i++) {
        if (i == 42) continue;
        float d = 0;
        for (int k = 0; k < dim; k++) { float t = vs[i * dim + k] - q[k]; d += t * t; }
        if (d < bd) { bd = d; best = i; }
    }
    CHECK_INT(h.ids[1], best);
    /* delete the nearest: the very next search does not return it */
    av_pk p42 = { 0, 42, NULL };
    int64_t n;
    av_delete_pks(c, &p42, 1, &n, &e);
    hits h2 = { 0 };
    av_search(c, &p, hit_cb, &h2, &e);
    CHECK_INT(h2.ids[0], best);
    for (int i = 0; i < h2.n; i++) CHECK(h2.ids[i] != 42);
    /* filter + offset */
    av_filter *f;
    av_filter_compile_milvus(c, "tag == \"y\"", &f, &e);
    hits h3 = { 0 };
    av_search_params pf = { .queries = q, .nq = 1, .limit = 3, .offset = 1, .filter = f };
    av_search(c, &pf, hit_cb, &h3, &e);
    CHECK_INT(h3.n, 3);
    for (int i = 0; i < h3.n; i++) CHECK_INT(h3.ids[i] % 3, 0);
    av_filter_free(f);
    /* radius keeps d < radius */
    hits h4 = { 0 };
    av_search_params pr = { .queries = q, .nq = 1, .limit = 50, .has_radius = 1, .radius = bd * 1.0001f };
    av_search(c, &pr, hit_cb, &h4, &e);
    CHECK_INT(h4.n, 1);
    /* bad params */
    av_search_params pb = { .queries = q, .nq = 1 };
    CHECK_INT(av_search(c, &pb, hit_cb, &h4, &e), AV_ELIMIT);
    av_search_params pb2 = { .queries = q, .nq = 1, .limit = 5, .has_range_filter = 1, .range_filter = 1 };
    CHECK_INT(av_search(c, &pb2, hit_cb, &h4, &e), AV_EINVAL);
    free(vs); free(rows);
    av_collection_release(c);
    av_store_close(st);
    finish(dir);
}

static void test_string_pk_and_auto_id(void)
{
    char dir[256];
    test_tmpdir(dir, sizeof dir, "coll-string-pk-and-auto-id");
    av_store *st = open_store(dir);
    av_schema s;
    av_err e;
    make_schema(&s, "strpk", 2, AV_T_VARCHAR, 0);
    CHECK_INT(av_collection_create(st, P, "default", &s, &e), AV_OK);
    av_schema_free(&s);
    make_schema(&s, "auto", 2, AV_T_INT64, 1);
    CHECK_INT(av_collection_create(st, P, "default", &s, &e), AV_OK);
    av_schema_free(&s);
    av_collection *c;
    av_collection_open(st, P, "default", "strpk", &c, &e);
    float v[2] = { 1, 2 };
    av_row r[2] = { { { 1, 0, "a\"b" }, v, doc(1, "q") }, { { 1, 0, "a\"b" }, v, doc(2, "q") } };
    CHECK_INT(av_insert(c, r, 2, 0, NULL, &e), AV_EPK);   /* duplicate inside the batch */
    CHECK_CONTAINS(e.msg, "same primary key");
    CHECK_INT(av_insert(c, r, 2, 1, NULL, &e), AV_OK);    /* upsert: last wins */
    CHECK_INT(count(c, "age == 2"), 1);
    CHECK_INT(count(c, "id == 'a\"b'"), 1);
    av_pk ip = { 0, 5, NULL };
    int64_t n;
    CHECK_INT(av_delete_pks(c, &ip, 1, &n, &e), AV_EPK);
    av_collection_release(c);

    av_collection_open(st, P, "default", "auto", &c, &e);
    av_row ar[3] = { { { 0, 0, NULL }, v, doc(1, "a") }, { { 0, 0, NULL }, v, doc(2, "a") }, { { 0, 0, NULL }, v, doc(3, "a") } };
    av_pk out[3];
    CHECK_INT(av_insert(c, ar, 3, 0, out, &e), AV_OK);
    CHECK(out[0].i > (1LL << 40) && out[2].i < (1LL << 53));   /* time-ordered, JS-safe */
    CHECK(out[1].i > out[0].i && out[2].i > out[1].i);
    av_collection_release(c);
    av_store_close(st);
    finish(dir);
}

/* Deleting most rows compacts the slots; every survivor stays reachable and search stays exact. */
static void test_compaction(void)
{
    char dir[256];
    test_tmpdir(dir, sizeof dir, "coll-compaction");
    av_store *st = open_store(dir);
    av_schema s;
    av_err e;
    const int dim = 8, N = 3000;
    make_schema(&s, "compact", dim, AV_T_INT64, 0);
    av_collection_create(st, P, "default", &s, &e);
    av_schema_free(&s);
    av_collection *c;
    av_collection_open(st, P, "default", "compact", &c, &e);
    float *vs = xmalloc(sizeof(float) * dim * N);
    av_row *rows = xcalloc(N, sizeof(av_row));
    for (int i = 0; i < N; i++) {
        for (int k = 0; k < dim; k++) vs[i * dim + k] = (float)((i * 7 + k * 13) % 101);
        rows[i] = (av_row){ { 0, i, NULL }, vs + i * dim, doc(i % 50, "c") };
    }
    CHECK_INT(av_insert(c, rows, N, 0, NULL, &e), AV_OK);
    av_pk *del = xcalloc(N, sizeof(av_pk));
    int nd = 0;
    for (int i = 0; i < N; i++) if (i % 3 != 0) del[nd++] = (av_pk){ 0, i, NULL };
    int64_t n;
    CHECK_INT(av_delete_pks(c, del, (size_t)nd, &n, &e), AV_OK);
    CHECK_INT(n, nd);
    CHECK_INT(av_collection_count(c), N - nd);
    int seen = 0, bad = 0;
    for (int i = 0; i < N; i++) {
        av_pk pk = { 0, i, NULL };
        int got = 0;
        av_get(c, &pk, 1, count_cb, &got, &e);
        bad += got != (i % 3 == 0);
        seen += got;
    }
    CHECK_INT(bad, 0);
    CHECK_INT(seen, N - nd);
    CHECK_INT(count(c, "age < 25"), (N / 3) / 2);
    /* exact search still finds each survivor as its own nearest neighbour */
    int exact = 1;
    for (int i = 0; i < N; i += 300) {
        hits h = { 0 };
        av_search_params p = { .queries = vs + i * dim, .nq = 1, .limit = 1 };
        av_search(c, &p, hit_cb, &h, &e);
        exact &= h.n == 1 && h.d[0] == 0.0f;
    }
    CHECK(exact);
    /* and new rows reuse the space */
    av_row again = { { 0, 1, NULL }, vs, doc(1, "new") };
    CHECK_INT(av_insert(c, &again, 1, 0, NULL, &e), AV_OK);
    CHECK_INT(count(c, "tag == \"new\""), 1);
    free(vs); free(rows); free(del);
    av_collection_release(c);
    av_store_close(st);
    finish(dir);
}

static void test_named_indexes_and_metric(void)
{
    char dir[256];
    test_tmpdir(dir, sizeof dir, "coll-named-indexes-and-metric");
    av_store *st = open_store(dir);
    av_schema s;
    av_err e;
    make_schema(&s, "idx", 2, AV_T_INT64, 0);
    av_collection_create(st, P, "default", &s, &e);
    av_schema_free(&s);
    av_collection *c;
    av_collection_open(st, P, "default", "idx", &c, &e);
    json_object *spec = keep(json_tokener_parse("{\"distance\":\"ip\"}"));
    CHECK_INT(av_index_put(c, "i1", spec, 1, &e), AV_OK);
    CHECK_INT(av_index_put(c, "i1", spec, 1, &e), AV_EEXIST);
    CHECK_INT(av_index_put(c, "i2", spec, 0, &e), AV_ENOTFOUND);
    CHECK_INT(av_index_put(c, "bad/name", spec, 1, &e), AV_EINVAL);
    json_object *got = NULL;
    CHECK_INT(av_index_get(c, "i1", &got, &e), AV_OK);
    CHECK_STR(json_object_to_json_string(got), json_object_to_json_string(spec));
    json_object_put(got);
    char **names; size_t n;
    av_index_list(c, &names, &n, &e);
    CHECK_INT(n, 1);
    CHECK_STR(names[0], "i1");
    free(names[0]); free(names);
    /* an index's metric overrides the collection's for one search: IP prefers the long vector */
    float v[2][2] = { { 1, 0 }, { 10, 0 } };
    av_row r[2] = { { { 0, 1, NULL }, v[0], doc(1, "a") }, { { 0, 2, NULL }, v[1], doc(2, "b") } };
    av_insert(c, r, 2, 0, NULL, &e);
    float q[2] = { 1, 0 };
    hits l2 = { 0 }, ip = { 0 };
    av_search_params pl = { .queries = q, .nq = 1, .limit = 1 };
    av_search_params pi = { .queries = q, .nq = 1, .limit = 1, .use_metric = 1, .metric = AV_METRIC_IP };
    av_search(c, &pl, hit_cb, &l2, &e);
    av_search(c, &pi, hit_cb, &ip, &e);
    CHECK_INT(l2.ids[0], 1);
    CHECK_INT(ip.ids[0], 2);
    CHECK(ip.d[0] == 10.0f);
    CHECK_INT(av_index_drop(c, "i1", &e), AV_OK);
    CHECK_INT(av_index_drop(c, "i1", &e), AV_ENOTFOUND);
    CHECK_INT(av_index_get(c, "i1", &got, &e), AV_ENOTFOUND);
    av_collection_release(c);
    av_store_close(st);
    finish(dir);
}

static void test_update(void)
{
    char dir[256];
    test_tmpdir(dir, sizeof dir, "coll-update");
    av_store *st = open_store(dir);
    av_schema s;
    av_err e;
    make_schema(&s, "upd", 2, AV_T_INT64, 0);
    av_collection_create(st, P, "default", &s, &e);
    av_schema_free(&s);
    av_collection *c;
    av_collection_open(st, P, "default", "upd", &c, &e);
    float v[2][2] = { { 1, 2 }, { 3, 4 } };
    av_row r[2] = { { { 0, 1, NULL }, v[0], doc(10, "a") }, { { 0, 2, NULL }, v[1], doc(20, "b") } };
    av_insert(c, r, 2, 0, NULL, &e);
    json_object *patch = keep(json_object_new_object());
    json_object_object_add(patch, "tag", json_object_new_string("patched"));
    av_row u = { { 0, 1, NULL }, NULL, patch };
    CHECK_INT(av_update(c, &u, 1, &e), AV_OK);
    CHECK_INT(count(c, "tag == \"patched\" and age == 10"), 1);   /* other fields kept */
    hits h = { 0 };
    av_search_params p = { .queries = v[0], .nq = 1, .limit = 1 };
    av_search(c, &p, hit_cb, &h, &e);
    CHECK(h.ids[0] == 1 && h.d[0] == 0.0f);                          /* vector kept */
    av_row both[2] = { { { 0, 2, NULL }, NULL, patch }, { { 0, 99, NULL }, NULL, patch } };
    CHECK_INT(av_update(c, both, 2, &e), AV_ENOTFOUND);
    CHECK_CONTAINS(e.msg, "data not found");
    CHECK_INT(count(c, "tag == \"b\""), 1);                          /* the batch changed nothing */
    json_object *bad = keep(json_object_new_object());
    json_object_object_add(bad, "age", json_object_new_string("old"));
    av_row ub = { { 0, 2, NULL }, NULL, bad };
    CHECK_INT(av_update(c, &ub, 1, &e), AV_ETYPE);
    av_collection_release(c);
    av_store_close(st);
    /* durable */
    st = open_store(dir);
    av_collection_open(st, P, "default", "upd", &c, &e);
    CHECK_INT(count(c, "tag == \"patched\""), 1);
    av_collection_release(c);
    av_store_close(st);
    finish(dir);
}

/* Rows past their expiry are invisible at once to every read, count and search; later the purge
 * removes them. Expiry times in the past and far future make this deterministic without waiting. */
static void test_ttl(void)
{
    char dir[256];
    test_tmpdir(dir, sizeof dir, "coll-ttl");
    av_store *st = open_store(dir);
    av_schema s;
    av_err e;
    make_schema(&s, "ttl", 2, AV_T_INT64, 0);
    av_collection_create(st, P, "default", &s, &e);
    av_schema_free(&s);
    av_collection *c;
    av_collection_open(st, P, "default", "ttl", &c, &e);
    float v[3][2] = { { 1, 0 }, { 2, 0 }, { 3, 0 } };
    av_row gone = { { 0, 1, NULL }, v[0], doc(1, "old") };
    av_row later = { { 0, 2, NULL }, v[1], doc(2, "later") };
    av_row never = { { 0, 3, NULL }, v[2], doc(3, "never") };
    int64_t now = av_now_ms();
    CHECK_INT(av_insert_ex(c, &gone, 1, 0, now - 1, NULL, &e), AV_OK);
    CHECK_INT(av_insert_ex(c, &later, 1, 0, now + 3600 * 1000, NULL, &e), AV_OK);
    CHECK_INT(av_insert(c, &never, 1, 0, NULL, &e), AV_OK);
    CHECK_INT(av_collection_count(c), 2);
    CHECK_INT(count(c, NULL), 2);
    CHECK_INT(count(c, "age > 0"), 2);
    int seen = 0;
    av_get(c, &gone.pk, 1, count_cb, &seen, &e);
    CHECK_INT(seen, 0);
    hits h = { 0 };
    float q[2] = { 1, 0 };
    av_search_params p = { .queries = q, .nq = 1, .limit = 3 };
    av_search(c, &p, hit_cb, &h, &e);
    CHECK_INT(h.n, 2);
    CHECK_INT(h.ids[0], 2);
    int64_t n = -1;
    CHECK_INT(av_delete_pks(c, &gone.pk, 1, &n, &e), AV_OK);
    CHECK_INT(n, 0);                                   /* it was already gone */
    CHECK_INT(av_insert_ex(c, &gone, 1, 0, now - 1, NULL, &e), AV_OK);   /* an expired key can be inserted again */
    av_row back = { { 0, 1, NULL }, v[0], doc(1, "back") };
    CHECK_INT(av_insert(c, &back, 1, 0, NULL, &e), AV_OK);
    CHECK_INT(count(c, "tag == \"back\""), 1);
    CHECK_INT(av_collection_count(c), 3);
    av_collection_release(c);
    av_store_close(st);
    /* expiry survives a restart, and the purge removes the expired row for good */
    st = open_store(dir);
    av_collection_open(st, P, "default", "ttl", &c, &e);
    av_row again = { { 0, 4, NULL }, v[0], doc(4, "soon") };
    av_insert_ex(c, &again, 1, 0, av_now_ms() + 3600 * 1000, NULL, &e);
    CHECK_INT(av_collection_count(c), 4);
    int64_t purged = -1;
    CHECK_INT(av_collection_expire(c, av_now_ms() + 7200 * 1000, &purged, &e), AV_OK);   /* two hours on */
    CHECK_INT(purged, 2);                              /* rows 2 and 4 */
    CHECK_INT(av_collection_count(c), 2);
    av_collection_release(c);
    av_store_close(st);
    finish(dir);
}

static void test_alter(void)
{
    char dir[256];
    test_tmpdir(dir, sizeof dir, "coll-alter");
    av_store *st = open_store(dir);
    av_schema s;
    av_err e;
    make_schema(&s, "alt", 2, AV_T_INT64, 0);
    av_collection_create(st, P, "default", &s, &e);
    av_schema_free(&s);
    av_collection *old;
    av_collection_open(st, P, "default", "alt", &old, &e);
    float v[2] = { 1, 1 };
    av_row r = { { 0, 1, NULL }, v, doc(1, "x") };
    av_insert(old, &r, 1, 0, NULL, &e);
    av_field add[1];
    memset(add, 0, sizeof add);
    snprintf(add[0].name, sizeof add[0].name, "rank");
    add[0].type = AV_T_INT64;
    add[0].default_value = keep(json_object_new_int64(7));
    CHECK_INT(av_collection_alter(st, P, "default", "alt", "described", add, 1, &e), AV_OK);
    int64_t n;
    CHECK_INT(av_count(old, NULL, &n, &e), AV_ENOTFOUND);             /* the old handle is retired */
    CHECK_CONTAINS(e.msg, "send the request again");
    av_collection *c;
    CHECK_INT(av_collection_open(st, P, "default", "alt", &c, &e), AV_OK);
    CHECK_STR(av_collection_schema(c)->description, "described");
    CHECK_INT(count(c, "rank == 7"), 1);                              /* stored rows read the default */
    json_object *d = keep(json_object_new_object());
    json_object_object_add(d, "age", json_object_new_int(2));
    json_object_object_add(d, "tag", json_object_new_string("y"));
    json_object_object_add(d, "rank", json_object_new_int64(9));
    av_row r2 = { { 0, 2, NULL }, v, d };
    CHECK_INT(av_insert(c, &r2, 1, 0, NULL, &e), AV_OK);
    CHECK_INT(count(c, "rank == 9"), 1);
    CHECK_INT(av_collection_alter(st, P, "default", "alt", NULL, add, 1, &e), AV_EEXIST);   /* twice */
    add[0].default_value = NULL;
    snprintf(add[0].name, sizeof add[0].name, "nodefault");
    CHECK_INT(av_collection_alter(st, P, "default", "alt", NULL, add, 1, &e), AV_EINVAL);
    add[0].type = AV_T_FLOAT_VECTOR;
    add[0].dim = 2;
    add[0].nullable = 1;
    CHECK_INT(av_collection_alter(st, P, "default", "alt", NULL, add, 1, &e), AV_EINVAL);
    CHECK_INT(av_collection_alter(st, P, "default", "nope", NULL, NULL, 0, &e), AV_ENOTFOUND);
    av_collection_release(old);
    av_collection_release(c);
    av_store_close(st);
    st = open_store(dir);
    av_collection_open(st, P, "default", "alt", &c, &e);
    CHECK_INT(count(c, "rank == 7"), 1);                              /* durable */
    CHECK_INT(av_collection_count(c), 2);
    av_collection_release(c);
    av_store_close(st);
    finish(dir);
}

static void test_rename(void)
{
    char dir[256];
    test_tmpdir(dir, sizeof dir, "coll-rename");
    av_store *st = open_store(dir);
    av_schema s;
    av_err e;
    make_schema(&s, "before", 2, AV_T_INT64, 0);
    av_collection_create(st, P, "default", &s, &e);
    av_schema_free(&s);
    av_collection *old, *c;
    av_collection_open(st, P, "default", "before", &old, &e);
    float v[2] = { 1, 2 };
    av_row r = { { 0, 1, NULL }, v, doc(1, "kept") };
    av_insert(old, &r, 1, 0, NULL, &e);
    CHECK_INT(av_collection_rename(st, P, "default", "before", "default", "after", &e), AV_OK);
    CHECK_STR(av_collection_schema(old)->name, "before");               /* a held handle never changes */
    int64_t n;
    CHECK_INT(av_count(old, NULL, &n, &e), AV_ENOTFOUND);
    CHECK_INT(av_collection_open(st, P, "default", "before", &c, &e), AV_ENOTFOUND);
    CHECK_INT(av_collection_open(st, P, "default", "after", &c, &e), AV_OK);
    CHECK_INT(count(c, "tag == \"kept\""), 1);
    av_collection_release(c);
    av_collection_release(old);
    av_store_close(st);
    st = open_store(dir);
    CHECK_INT(av_collection_open(st, P, "default", "after", &c, &e), AV_OK);
    CHECK_INT(av_collection_count(c), 1);
    av_collection_release(c);
    av_store_close(st);
    finish(dir);
}

/* Returns 1 when `needle` occurs in any file of the data dir. */
static int dir_contains(const char *dir, const char *needle)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int found = 0;
    size_t nl = strlen(needle);
    while (d && (de = readdir(d)) && !found) {
        if (de->d_name[0] == '.') continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        fseek(f, 0, SEEK_END);
        long sz = ftell(f);
        rewind(f);
        char *buf = xmalloc((size_t)sz + 1);
        size_t got = fread(buf, 1, (size_t)sz, f);
        fclose(f);
        found = memmem(buf, got, needle, nl) != NULL;
        free(buf);
    }
    if (d) closedir(d);
    return found;
}

static void test_deleted_bytes_leave_disk(void)
{
    char dir[256];
    test_tmpdir(dir, sizeof dir, "coll-deleted-bytes-leave-disk");
    av_store *st = open_store(dir);
    av_schema s;
    av_err e;
    make_schema(&s, "purge", 2, AV_T_INT64, 0);
    av_collection_create(st, P, "default", &s, &e);
    av_schema_free(&s);
    av_collection *c;
    av_collection_open(st, P, "default", "purge", &c, &e);
    float v[2] = { 3, 4 };
    av_row r = { { 0, 77, NULL }, v, doc(5, "MARKERzq81") };
    CHECK_INT(av_insert(c, &r, 1, 0, NULL, &e), AV_OK);
    av_store_purge(st, &e);
    CHECK(dir_contains(dir, "MARKERzq81"));
    int64_t n;
    av_delete_pks(c, &r.pk, 1, &n, &e);
    CHECK_INT(n, 1);
    CHECK_INT(av_store_purge(st, &e), AV_OK);
    CHECK(!dir_contains(dir, "MARKERzq81"));
    av_collection_release(c);
    av_store_close(st);
    finish(dir);
}

/* delete-all and drop are O(1) swaps; their rows leave SQLite through the purge, and nothing of
 * them comes back after a restart. */
static void test_delete_all_and_drop_purge(void)
{
    char dir[256];
    test_tmpdir(dir, sizeof dir, "coll-delete-all-and-drop-purge");
    av_store *st = open_store(dir);
    av_schema s;
    av_err e;
    make_schema(&s, "wipe", 2, AV_T_INT64, 0);
    av_collection_create(st, P, "default", &s, &e);
    snprintf(s.name, sizeof s.name, "gone");
    av_collection_create(st, P, "default", &s, &e);
    av_schema_free(&s);
    av_collection *c, *g;
    av_collection_open(st, P, "default", "wipe", &c, &e);
    av_collection_open(st, P, "default", "gone", &g, &e);
    float v[2] = { 5, 6 };
    av_row r1 = { { 0, 1, NULL }, v, doc(1, "WIPEMARK1") }, r2 = { { 0, 1, NULL }, v, doc(1, "DROPMARK2") };
    av_insert(c, &r1, 1, 0, NULL, &e);
    av_insert(g, &r2, 1, 0, NULL, &e);
    int64_t n = -1;
    CHECK_INT(av_delete_all(c, &n, &e), AV_OK);
    CHECK_INT(n, 1);
    CHECK_INT(av_collection_count(c), 0);
    CHECK_INT(count(c, "age >= 0"), 0);
    av_row r3 = { { 0, 1, NULL }, v, doc(2, "after") };
    CHECK_INT(av_insert(c, &r3, 1, 0, NULL, &e), AV_OK);            /* the key is free again */
    av_collection_release(g);
    CHECK_INT(av_collection_drop(st, P, "default", "gone", &e), AV_OK);
    CHECK_INT(av_store_purge(st, &e), AV_OK);
    CHECK(!dir_contains(dir, "WIPEMARK1"));
    CHECK(!dir_contains(dir, "DROPMARK2"));
    av_collection_release(c);
    av_store_close(st);
    st = open_store(dir);
    av_collection_open(st, P, "default", "wipe", &c, &e);
    CHECK_INT(av_collection_count(c), 1);
    CHECK_INT(count(c, "tag == \"after\""), 1);
    CHECK_INT(av_collection_open(st, P, "default", "gone", &g, &e), AV_ENOTFOUND);
    av_collection_release(c);
    av_store_close(st);
    finish(dir);
}

/* av_store_open_with reports each collection before and after it loads: index of total, its name,
 * its rows and the rows so far. */
typedef struct load_log { int n; av_load_progress p[8]; char names[8][64]; } load_log;

static void on_load(void *arg, const av_load_progress *p)
{
    load_log *l = arg;
    if (l->n >= 8) return;
    l->p[l->n] = *p;
    snprintf(l->names[l->n++], 64, "%s/%s", p->db, p->name);
}

static void test_load_progress(void)
{
    char dir[256];
    test_tmpdir(dir, sizeof dir, "coll-load-progress");
    av_store *st = open_store(dir);
    av_err e;
    const char *names[3] = { "a", "b", "c" };
    const int nrows[3] = { 2, 0, 5 };
    float v[2] = { 1, 0 };
    for (int k = 0; k < 3; k++) {
        av_schema s;
        make_schema(&s, names[k], 2, AV_T_INT64, 0);
        CHECK_INT(av_collection_create(st, P, "default", &s, &e), AV_OK);
        av_schema_free(&s);
        av_collection *c;
        av_collection_open(st, P, "default", names[k], &c, &e);
        av_row rows[5];
        for (int i = 0; i < nrows[k]; i++) rows[i] = (av_row){ { 0, i + 1, NULL }, v, doc(i, "t") };
        if (nrows[k]) CHECK_INT(av_insert(c, rows, nrows[k], 0, NULL, &e), AV_OK);
        av_collection_release(c);
    }
    av_store_close(st);

    load_log l = { 0 };
    CHECK_INT(av_store_open_with(dir, on_load, &l, &st, &e), AV_OK);
    CHECK_INT(l.n, 6);
    int64_t so_far = 0;
    for (int k = 0; k < 3 && l.n == 6; k++) {
        const av_load_progress *before = &l.p[2 * k], *after = &l.p[2 * k + 1];
        char want[64];
        snprintf(want, sizeof want, "default/%s", names[k]);
        CHECK_STR(l.names[2 * k], want);
        CHECK_STR(l.names[2 * k + 1], want);
        CHECK_INT(before->index, k + 1);
        CHECK_INT(before->total, 3);
        CHECK_INT(before->loaded, 0);
        CHECK_INT(before->rows_so_far, so_far);
        CHECK_INT(after->loaded, 1);
        CHECK_INT(after->rows, nrows[k]);
        so_far += nrows[k];
        CHECK_INT(after->rows_so_far, so_far);
        CHECK(after->seconds >= 0);
    }
    av_store_close(st);
    finish(dir);
}

TEST_MAIN(
    TEST_CASE(test_schema_validation),
    TEST_CASE(test_write_read_delete),
    TEST_CASE(test_search_exact),
    TEST_CASE(test_string_pk_and_auto_id),
    TEST_CASE(test_compaction),
    TEST_CASE(test_named_indexes_and_metric),
    TEST_CASE(test_update),
    TEST_CASE(test_ttl),
    TEST_CASE(test_alter),
    TEST_CASE(test_rename),
    TEST_CASE(test_deleted_bytes_leave_disk),
    TEST_CASE(test_delete_all_and_drop_purge),
    TEST_CASE(test_load_progress))
