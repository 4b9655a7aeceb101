/*
 * distance.c — see distance.h. Eight partial sums per kernel break the loop-carried dependency so the
 * compiler can keep them in vector registers; the tail is summed scalar.
 */
#include "core/vector/distance.h"

#include <math.h>

#define LANES 8

float av_dist_l2sq(const float *restrict a, const float *restrict b, size_t n)
{
    float acc[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int k = 0; k < LANES; k++) {
            float d = a[i + k] - b[i + k];
            acc[k] += d * d;
        }
    float s = 0;
    for (; i < n; i++) { float d = a[i] - b[i]; s += d * d; }
    for (int k = 0; k < LANES; k++) s += acc[k];
    return s;
}

float av_dist_dot(const float *restrict a, const float *restrict b, size_t n)
{
    float acc[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int k = 0; k < LANES; k++) acc[k] += a[i + k] * b[i + k];
    float s = 0;
    for (; i < n; i++) s += a[i] * b[i];
    for (int k = 0; k < LANES; k++) s += acc[k];
    return s;
}

float av_norm(const float *a, size_t n)
{
    return sqrtf(av_dist_dot(a, a, n));
}
