/*
 * test_rows.c — a collection's rows in memory (src/core/vector/rows.c), without a store.
 *
 *  fill_free_and_reuse: filling, replacing and freeing slots keeps the counters, the pk map and the
 *    free list right, and a freed slot is scrubbed (vector zeroed, pk string gone).
 *  compact_keeps_every_row (int and string pks): deleting two rows in three compacts the slots; the
 *    map old -> new names every survivor's new slot, which holds its pk, vector, doc and expiry.
 *  compact_waits_for_enough_free_slots: below the threshold nothing moves.
 *  move_keeps_every_row: rows_move hands every row to another set and leaves an empty, usable one.
 *  free_releases_everything: docs, string pks, expiry and map are freed (make check-asan finds leaks).
 *  expiry_grows_with_the_slots: an expiry array created mid-way grows with the others, new slots 0.
 */
#include "core/vector/rows.h"
#include "lib/util.h"
#include "test.h"

#define DIM 4

static void vec_of(int i, float *v)
{
    for (int k = 0; k < DIM; k++) v[k] = (float)(i * 10 + k);
}

static av_pk pk_of(int is_str, int i, char *buf, size_t n)
{
    snprintf(buf, n, "key-%d", i);
    return is_str ? (av_pk){ 1, 0, buf } : (av_pk){ 0, i, NULL };
}

static json_object *doc_of(int i)
{
    json_object *d = json_object_new_object();
    json_object_object_add(d, "n", json_object_new_int(i));
    return d;
}

/* Fills n rows with pks 0..n-1; row i expires at 1000 + i when with_ttl and i is odd. */
static void fill_rows(coll_rows *r, int n, int with_ttl)
{
    for (int i = 0; i < n; i++) {
        char buf[32];
        float v[DIM];
        vec_of(i, v);
        av_pk pk = pk_of(r->pk_is_str, i, buf, sizeof buf);
        uint32_t s = rows_slot_alloc(r);
        rows_slot_fill(r, s, &pk, v, doc_of(i));
        if (with_ttl && i % 2) rows_slot_set_expire(r, s, 1000 + i);
    }
}

/* Row i is at a live slot with its own pk, vector, doc and expiry. */
static int row_intact(const coll_rows *r, int i, int with_ttl)
{
    char buf[32];
    float v[DIM];
    vec_of(i, v);
    av_pk pk = pk_of(r->pk_is_str, i, buf, sizeof buf);
    uint32_t s = rows_find(r, &pk);
    if (s == AV_SLOT_NONE || s >= r->nslots || !r->alive[s]) return 0;
    av_row_view view = rows_view(r, s);
    int pk_ok = r->pk_is_str ? strcmp(view.pk.s, buf) == 0 : view.pk.i == i;
    json_object *n = NULL;
    int doc_ok = json_object_object_get_ex((json_object *)view.doc, "n", &n) && json_object_get_int(n) == i;
    int64_t want_exp = with_ttl && i % 2 ? 1000 + i : 0;
    int exp_ok = (r->expire ? r->expire[s] : 0) == want_exp;
    return pk_ok && doc_ok && exp_ok && memcmp(view.vec, v, sizeof v) == 0;
}

static void fill_free_and_reuse(void)
{
    coll_rows r;
    rows_init(&r, DIM, 1);
    fill_rows(&r, 10, 0);
    CHECK_INT(r.live, 10);
    CHECK_INT(r.nslots, 10);
    char buf[32];
    av_pk pk = pk_of(1, 3, buf, sizeof buf);
    uint32_t s = rows_find(&r, &pk);
    rows_slot_free(&r, s);
    CHECK_INT(r.live, 9);
    CHECK_INT(r.nfree, 1);
    CHECK(!r.alive[s] && r.pk_s[s] == NULL && r.docs[s] == NULL);
    float zero[DIM] = { 0 };
    CHECK(memcmp(r.vecs + (size_t)s * DIM, zero, sizeof zero) == 0);
    CHECK_INT(rows_find(&r, &pk), AV_SLOT_NONE);
    CHECK_INT(rows_slot_alloc(&r), s);   /* the freed slot comes back first */
    float v[DIM];
    vec_of(42, v);
    av_pk pk42 = pk_of(1, 42, buf, sizeof buf);
    rows_slot_fill(&r, s, &pk42, v, doc_of(42));
    CHECK_INT(rows_find(&r, &pk42), s);
    /* replacing a live slot keeps its pk and the live count */
    vec_of(7, v);
    rows_slot_fill(&r, s, &pk42, v, doc_of(43));
    CHECK_INT(r.live, 10);
    CHECK(memcmp(r.vecs + (size_t)s * DIM, v, sizeof v) == 0);
    int bad = 0;
    for (int i = 0; i < 10; i++) bad += i != 3 && !row_intact(&r, i, 0);
    CHECK_INT(bad, 0);
    rows_free(&r);
}

static void compact_case(int is_str)
{
    const int n = 3000;
    coll_rows r;
    rows_init(&r, DIM, is_str);
    fill_rows(&r, n, 1);
    for (int i = 0; i < n; i++) {
        if (i % 3 == 0) continue;
        char buf[32];
        av_pk pk = pk_of(is_str, i, buf, sizeof buf);
        rows_slot_free(&r, rows_find(&r, &pk));
    }
    uint32_t old_n = 0;
    uint32_t *map = rows_compact(&r, &old_n);
    CHECK(map != NULL);
    CHECK_INT(old_n, n);
    CHECK_INT(r.nslots, n / 3);
    CHECK_INT(r.nfree, 0);
    CHECK_INT(r.live, n / 3);
    int bad_map = 0, bad_row = 0, ttl = 0;
    for (int i = 0; i < n && map; i++) {
        uint32_t want = i % 3 == 0 ? (uint32_t)(i / 3) : AV_SLOT_NONE;   /* order kept */
        bad_map += map[i] != want;
        if (i % 3 == 0) bad_row += !row_intact(&r, i, 1);
        ttl += i % 3 == 0 && i % 2;
    }
    CHECK_INT(bad_map, 0);
    CHECK_INT(bad_row, 0);
    CHECK_INT(r.nttl, ttl);
    free(map);
    rows_free(&r);
}

static void compact_keeps_every_row(void) { compact_case(0); }
static void compact_keeps_every_row_string_pks(void) { compact_case(1); }

static void compact_waits_for_enough_free_slots(void)
{
    coll_rows r;
    rows_init(&r, DIM, 0);
    fill_rows(&r, 3000, 0);
    for (int i = 0; i < 1000; i++) {   /* a third free: not yet */
        av_pk pk = { 0, i, NULL };
        rows_slot_free(&r, rows_find(&r, &pk));
    }
    uint32_t old_n = 0;
    CHECK(rows_compact(&r, &old_n) == NULL);
    CHECK_INT(r.nslots, 3000);
    CHECK_INT(r.nfree, 1000);
    rows_free(&r);
}

static void move_keeps_every_row(void)
{
    coll_rows a, b;
    rows_init(&a, DIM, 1);
    rows_init(&b, DIM, 1);
    fill_rows(&a, 500, 1);
    fill_rows(&b, 3, 0);   /* what `to` held is freed, not leaked */
    rows_move(&b, &a);
    CHECK_INT(b.live, 500);
    CHECK_INT(a.live, 0);
    CHECK_INT(a.nslots, 0);
    CHECK(a.vecs == NULL && a.pk_s == NULL && a.expire == NULL);
    int bad = 0;
    for (int i = 0; i < 500; i++) bad += !row_intact(&b, i, 1);
    CHECK_INT(bad, 0);
    char buf[32];
    av_pk pk = pk_of(1, 7, buf, sizeof buf);
    CHECK_INT(rows_find(&a, &pk), AV_SLOT_NONE);
    fill_rows(&a, 2, 0);   /* the emptied set is usable */
    CHECK_INT(a.live, 2);
    rows_free(&a);
    rows_free(&b);
}

static void free_releases_everything(void)
{
    coll_rows r;
    rows_init(&r, DIM, 1);
    fill_rows(&r, 200, 1);
    rows_free(&r);
    CHECK(r.vecs == NULL && r.docs == NULL && r.pk_s == NULL && r.expire == NULL && r.map.t == NULL);
    CHECK_INT(r.nslots, 0);
    CHECK_INT(r.live, 0);
    CHECK_INT(r.dim, DIM);
}

static void expiry_grows_with_the_slots(void)
{
    coll_rows r;
    rows_init(&r, DIM, 0);
    fill_rows(&r, 10, 0);
    CHECK(r.expire == NULL);
    rows_slot_set_expire(&r, 2, 500);
    CHECK(r.expire != NULL);
    CHECK_INT(r.nttl, 1);
    fill_rows(&r, 0, 0);
    for (int i = 10; i < 300; i++) {   /* grows past the first capacity */
        float v[DIM];
        vec_of(i, v);
        av_pk pk = { 0, i, NULL };
        rows_slot_fill(&r, rows_slot_alloc(&r), &pk, v, doc_of(i));
    }
    int nonzero = 0;
    for (uint32_t s = 0; s < r.nslots; s++) nonzero += r.expire[s] != 0;
    CHECK_INT(nonzero, 1);
    CHECK(!rows_visible(&r, 2, 600));
    CHECK(rows_visible(&r, 2, 400));
    CHECK(rows_visible(&r, 3, 600));
    rows_slot_set_expire(&r, 2, 0);
    CHECK_INT(r.nttl, 0);
    rows_free(&r);
}

TEST_MAIN(TEST_CASE(fill_free_and_reuse), TEST_CASE(compact_keeps_every_row),
          TEST_CASE(compact_keeps_every_row_string_pks), TEST_CASE(compact_waits_for_enough_free_slots),
          TEST_CASE(move_keeps_every_row), TEST_CASE(free_releases_everything),
          TEST_CASE(expiry_grows_with_the_slots))
