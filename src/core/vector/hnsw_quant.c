/*
 * hnsw_quant.c — 4-bit scalar codes of the graph's vectors, so a search walks the graph reading 1/8
 * of the bytes (see hnsw.h; the final candidates are re-ranked with the exact vectors).
 *
 * Per dimension d the codes cover [lo_d, lo_d + 15 step_d], trained from the live vectors' minimum
 * and maximum: code = round((v - lo) / step), clamped to 0..15. Layout: dimensions are padded to a
 * multiple of 32; in each block of 32 dimensions, byte j holds dimension j in its low nibble and
 * dimension j + 16 in its high one, so one 16-byte load unpacks into two runs of 16 floats in order.
 * Scores, for a query q:
 *   L2:  sum_d w_d (q'_d - c_d)^2 with q'_d = (q_d - lo_d) / step_d and w_d = step_d^2 (0 for padding);
 *   IP:  sum_d q_d lo_d + sum_d (q_d step_d) c_d  (COSINE divides that by the norms, as exact scores).
 * Codes of a removed node are zeroed at once (no lossy copy of a deleted vector stays in memory).
 * Training runs again when more than 1 in 50 vectors encoded since the last training fell outside
 * the trained range, so codes never drift far. A snapshot keeps the ranges (not the codes): after a
 * load, and after a compaction, the codes are encoded anew with the same ranges, so a restarted
 * server walks the very same graph with the very same codes.
 * Locking: like the graph (hnsw.h): changed under the collection's write lock, read by searches.
 */
#include "core/vector/hnsw.h"
#include "lib/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 32

void hnsw_quant_free(hnsw_quant *qt)
{
    free(qt->lo); free(qt->step); free(qt->w); free(qt->codes);
    memset(qt, 0, sizeof *qt);
}

void hnsw_quant_reserve(hnsw_quant *qt, uint32_t cap)
{
    if (!qt->trained || cap <= qt->cap) return;
    qt->codes = xrealloc(qt->codes, (size_t)cap * (size_t)qt->bytes);
    memset(qt->codes + (size_t)qt->cap * (size_t)qt->bytes, 0, (size_t)(cap - qt->cap) * (size_t)qt->bytes);
    qt->cap = cap;
}

static uint8_t *code_of(const hnsw_quant *qt, uint32_t node) { return qt->codes + (size_t)node * (size_t)qt->bytes; }

/* Encodes v into node's code; returns 1 when some value fell outside the range by a step or more. */
static int encode(hnsw_quant *qt, const float *v, uint32_t node)
{
    uint8_t *c = code_of(qt, node);
    memset(c, 0, (size_t)qt->bytes);
    int outside = 0;
    for (int d = 0; d < qt->dim; d++) {
        float x = (v[d] - qt->lo[d]) / qt->step[d];
        if (x < -1.0f || x > 16.0f) outside = 1;
        int k = (int)lrintf(x);
        k = k < 0 ? 0 : k > 15 ? 15 : k;
        int blk = d / BLOCK, j = d % BLOCK;
        size_t at = (size_t)blk * (BLOCK / 2) + (size_t)(j % 16);
        c[at] |= (uint8_t)(j < 16 ? k : k << 4);
    }
    return outside;
}

void hnsw_quant_fit(hnsw_quant *qt, const av_vecdata *vd)
{
    int dim = vd->dim, pad = (dim + BLOCK - 1) / BLOCK * BLOCK;
    float *lo = xcalloc((size_t)pad, sizeof(float)), *step = xcalloc((size_t)pad, sizeof(float));
    float *hi = xmalloc(sizeof(float) * (size_t)dim);
    for (int d = 0; d < dim; d++) { lo[d] = INFINITY; hi[d] = -INFINITY; }
    for (uint32_t s = 0; s < vd->nslots; s++) {
        if (!vd->alive[s]) continue;
        const float *v = vd->vecs + (size_t)s * (size_t)dim;
        for (int d = 0; d < dim; d++) {
            if (v[d] < lo[d]) lo[d] = v[d];
            if (v[d] > hi[d]) hi[d] = v[d];
        }
    }
    for (int d = 0; d < dim; d++) {
        if (!(lo[d] <= hi[d])) { lo[d] = 0; hi[d] = 0; }          /* no live vector */
        float range = hi[d] - lo[d];
        step[d] = range > 0 ? range / 15.0f : 1.0f;
        if (range <= 0) lo[d] -= 7.5f;                           /* a constant dimension: mid-range */
    }
    for (int d = dim; d < pad; d++) step[d] = 1.0f;              /* padding: w = 0, codes 0 */
    free(hi);
    hnsw_quant_set(qt, dim, lo, step);
}

void hnsw_quant_set(hnsw_quant *qt, int dim, float *lo, float *step)
{
    hnsw_quant_free(qt);
    int pad = (dim + BLOCK - 1) / BLOCK * BLOCK;
    qt->dim = dim; qt->pad = pad; qt->bytes = pad / 2;
    qt->lo = lo; qt->step = step;
    qt->w = xcalloc((size_t)pad, sizeof(float));
    for (int d = 0; d < dim; d++) qt->w[d] = step[d] * step[d];
    qt->fitted = 1;   /* the codes come with hnsw_quant_encode_all */
}

void hnsw_quant_encode_all(hnsw_quant *qt, const hnsw *h, const av_vecdata *vd)
{
    if (!qt->fitted) return;
    free(qt->codes);
    qt->cap = h->cap;
    qt->codes = xcalloc((size_t)qt->cap ? qt->cap : 1, (size_t)qt->bytes);
    for (uint32_t s = 0; s < vd->nslots && s < h->cap; s++)
        if (h->level[s] >= 0 && !h->dead[s]) encode(qt, vd->vecs + (size_t)s * (size_t)qt->dim, s);
    qt->trained = 1;
    qt->outside = 0;
    qt->encoded = 0;
}

void hnsw_quant_train(hnsw_quant *qt, const hnsw *h, const av_vecdata *vd)
{
    hnsw_quant_fit(qt, vd);
    hnsw_quant_encode_all(qt, h, vd);
}

void hnsw_quant_refresh(hnsw *h, const av_vecdata *vd)
{
    int eligible = vd->dim >= HNSW_QUANT_MIN_DIM && h->nodes - h->ndead >= HNSW_QUANT_FROM;
    if (eligible && (h->retrain || !h->qt.trained)) hnsw_quant_train(&h->qt, h, vd);
    h->retrain = 0;
}

int hnsw_quant_add(hnsw_quant *qt, const av_vecdata *vd, uint32_t node)
{
    if (!qt->trained) return 0;
    hnsw_quant_reserve(qt, node + 1);
    qt->encoded++;
    qt->outside += encode(qt, vd->vecs + (size_t)node * (size_t)vd->dim, node);
    return qt->outside * 50 > qt->encoded + 50;   /* retrain when over 1 in 50 fell outside */
}

void hnsw_quant_erase(hnsw_quant *qt, uint32_t node)
{
    if (qt->trained && node < qt->cap) memset(code_of(qt, node), 0, (size_t)qt->bytes);
}

void hnsw_quant_query(const hnsw_quant *qt, av_metric m, const float *q, float *qq, float *qconst)
{
    float c = 0;
    for (int d = 0; d < qt->pad; d++) {
        float x = d < qt->dim ? q[d] : 0.0f;
        if (m == AV_METRIC_L2) qq[d] = (x - qt->lo[d]) / qt->step[d];
        else { qq[d] = x * qt->step[d]; c += x * qt->lo[d]; }
    }
    *qconst = c;
}

/* ---- kernels: (a) L2 sum w (qq - c)^2, (b) dot sum qq c -------------------------------------- */
static float l2_portable(const float *qq, const float *w, const uint8_t *c, int pad)
{
    float acc[16] = { 0 };
    for (int b = 0; b < pad; b += BLOCK, c += BLOCK / 2)
        for (int j = 0; j < 16; j++) {
            float d0 = qq[b + j] - (float)(c[j] & 15), d1 = qq[b + 16 + j] - (float)(c[j] >> 4);
            acc[j] += w[b + j] * d0 * d0 + w[b + 16 + j] * d1 * d1;
        }
    float s = 0;
    for (int j = 0; j < 16; j++) s += acc[j];
    return s;
}

static float dot_portable(const float *qq, const uint8_t *c, int pad)
{
    float acc[16] = { 0 };
    for (int b = 0; b < pad; b += BLOCK, c += BLOCK / 2)
        for (int j = 0; j < 16; j++) acc[j] += qq[b + j] * (float)(c[j] & 15) + qq[b + 16 + j] * (float)(c[j] >> 4);
    float s = 0;
    for (int j = 0; j < 16; j++) s += acc[j];
    return s;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

__attribute__((target("avx512f"))) static float l2_avx512(const float *qq, const float *w, const uint8_t *c, int pad)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = s0;
    const __m128i low = _mm_set1_epi8(15);
    for (int b = 0; b < pad; b += BLOCK, c += BLOCK / 2) {
        __m128i raw = _mm_loadu_si128((const __m128i *)c);
        __m512 c0 = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(raw, low)));
        __m512 c1 = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(_mm_srli_epi16(raw, 4), low)));
        __m512 d0 = _mm512_sub_ps(_mm512_loadu_ps(qq + b), c0), d1 = _mm512_sub_ps(_mm512_loadu_ps(qq + b + 16), c1);
        s0 = _mm512_fmadd_ps(_mm512_mul_ps(d0, d0), _mm512_loadu_ps(w + b), s0);
        s1 = _mm512_fmadd_ps(_mm512_mul_ps(d1, d1), _mm512_loadu_ps(w + b + 16), s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

__attribute__((target("avx512f"))) static float dot_avx512(const float *qq, const uint8_t *c, int pad)
{
    __m512 s0 = _mm512_setzero_ps(), s1 = s0;
    const __m128i low = _mm_set1_epi8(15);
    for (int b = 0; b < pad; b += BLOCK, c += BLOCK / 2) {
        __m128i raw = _mm_loadu_si128((const __m128i *)c);
        __m512 c0 = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(raw, low)));
        __m512 c1 = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(_mm_srli_epi16(raw, 4), low)));
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(qq + b), c0, s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(qq + b + 16), c1, s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}
#endif

static float (*l2_fn)(const float *, const float *, const uint8_t *, int) = l2_portable;
static float (*dot_fn)(const float *, const uint8_t *, int) = dot_portable;

__attribute__((constructor)) static void pick_kernels(void)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) { l2_fn = l2_avx512; dot_fn = dot_avx512; }
#endif
}

float hnsw_quant_key(const hnsw_query *hq, uint32_t node)
{
    const hnsw_quant *qt = hq->qt;
    const uint8_t *c = code_of(qt, node);
    switch (hq->vd->metric) {
    case AV_METRIC_L2: return l2_fn(hq->qq, qt->w, c, qt->pad);
    case AV_METRIC_IP: return -(hq->qconst + dot_fn(hq->qq, c, qt->pad));
    default: {
        float den = hq->qn * hq->vd->norms[node];
        return den > 0 ? -(hq->qconst + dot_fn(hq->qq, c, qt->pad)) / den : 0.0f;
    }
    }
}

const void *hnsw_quant_code(const hnsw_quant *qt, uint32_t node) { return code_of(qt, node); }

float hnsw_quant_key_portable(const hnsw_query *hq, uint32_t node)
{
    const hnsw_quant *qt = hq->qt;
    const uint8_t *c = code_of(qt, node);
    if (hq->vd->metric == AV_METRIC_L2) return l2_portable(hq->qq, qt->w, c, qt->pad);
    return -(hq->qconst + dot_portable(hq->qq, c, qt->pad));
}
