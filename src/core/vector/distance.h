/*
 * distance.h — distance kernels over float32 vectors, the widest the CPU supports (AVX-512F,
 * AVX2+FMA, or portable C), chosen once at start-up. Results agree across kernels to float rounding
 * (the sums are taken in a different order), not bit for bit.
 */
#ifndef AV_DISTANCE_H
#define AV_DISTANCE_H

#include <stddef.h>

float av_dist_l2sq(const float *a, const float *b, size_t n);   /* sum (a-b)^2 */
float av_dist_dot(const float *a, const float *b, size_t n);    /* sum a*b */
float av_norm(const float *a, size_t n);                        /* sqrt(sum a^2) */
const char *av_dist_kernel(void);                               /* "avx512", "avx2" or "portable" */

/* The portable kernels, for tests that compare the wide ones against them. */
float av_dist_l2sq_portable(const float *a, const float *b, size_t n);
float av_dist_dot_portable(const float *a, const float *b, size_t n);

#endif
