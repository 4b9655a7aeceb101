/*
 * test_pkmap.c — the primary key -> slot map (src/core/vector/pkmap.c) against a plain array under
 * random churn: puts, replaces and backward-shift deletes, for int64 keys and for string keys (which
 * the map compares through the caller's slot-indexed string array).
 */
#include "core/vector/pkmap.h"
#include "test.h"

#include <stdlib.h>

static void test_pkmap_churn(void)
{
    pkmap m;
    pkmap_init(&m, 0);
    enum { N = 20000 };
    static uint32_t ref[N];
    for (int i = 0; i < N; i++) ref[i] = PKMAP_NONE;
    srand(3);
    int bad = 0;
    for (int step = 0; step < 200000; step++) {
        int k = rand() % N;
        av_pk pk = { 0, (int64_t)k * 7919, NULL };
        if (rand() % 3) { pkmap_put(&m, &pk, (uint32_t)step, NULL); ref[k] = (uint32_t)step; }
        else { uint32_t s = pkmap_del(&m, &pk, NULL); bad += s != ref[k]; ref[k] = PKMAP_NONE; }
    }
    size_t live = 0;
    for (int k = 0; k < N; k++) {
        av_pk pk = { 0, (int64_t)k * 7919, NULL };
        bad += pkmap_get(&m, &pk, NULL) != ref[k];
        live += ref[k] != PKMAP_NONE;
    }
    CHECK_INT(bad, 0);
    CHECK_INT(m.n, live);
    pkmap_free(&m);
}

/* String keys: slot `step` holds the key written at that step, as a collection's string column would. */
static void test_string_keys_churn(void)
{
    enum { N = 2000, STEPS = 20000 };
    static char keys[N][16];
    static char *strs[STEPS];
    static uint32_t ref[N];
    for (int k = 0; k < N; k++) { snprintf(keys[k], sizeof keys[k], "key-%d", k); ref[k] = PKMAP_NONE; }
    pkmap m;
    pkmap_init(&m, 1);
    srand(5);
    int bad = 0;
    for (int step = 0; step < STEPS; step++) {
        int k = rand() % N;
        av_pk pk = { 1, 0, keys[k] };
        if (rand() % 3) { strs[step] = keys[k]; pkmap_put(&m, &pk, (uint32_t)step, strs); ref[k] = (uint32_t)step; }
        else { uint32_t s = pkmap_del(&m, &pk, strs); bad += s != ref[k]; ref[k] = PKMAP_NONE; }
    }
    size_t live = 0;
    for (int k = 0; k < N; k++) {
        av_pk pk = { 1, 0, keys[k] };
        bad += pkmap_get(&m, &pk, strs) != ref[k];
        live += ref[k] != PKMAP_NONE;
    }
    CHECK_INT(bad, 0);
    CHECK_INT(m.n, live);
    /* an int key never matches in a string map */
    av_pk ipk = { 0, 1, NULL };
    CHECK(pkmap_get(&m, &ipk, strs) == PKMAP_NONE);
    CHECK(pkmap_del(&m, &ipk, strs) == PKMAP_NONE);
    CHECK_INT(m.n, live);
    pkmap_free(&m);
}

TEST_MAIN(TEST_CASE(test_pkmap_churn), TEST_CASE(test_string_keys_churn))
