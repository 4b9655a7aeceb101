/*
 * distance.h — distance kernels over float32 vectors. Written with independent accumulators so that
 * gcc vectorises them at -O2 without -ffast-math (results are deterministic for a given build).
 */
#ifndef AV_DISTANCE_H
#define AV_DISTANCE_H

#include <stddef.h>

float av_dist_l2sq(const float *a, const float *b, size_t n);   /* sum (a-b)^2 */
float av_dist_dot(const float *a, const float *b, size_t n);    /* sum a*b */
float av_norm(const float *a, size_t n);                        /* sqrt(sum a^2) */

#endif
