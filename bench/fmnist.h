/*
 * fmnist.h — reads Fashion-MNIST image files in IDX format (already decompressed by bench/run from
 * the Debian package dataset-fashion-mnist) into float vectors of 784 pixel values (0..255), plus
 * small timing and statistics helpers shared by the benchmark programs. Header-only: every file in
 * bench/ with a main() is its own program.
 */
#ifndef AV_BENCH_FMNIST_H
#define AV_BENCH_FMNIST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FM_DIM 784

static uint32_t fm_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Loads up to max images; returns a malloc'd n*784 float array and sets *n. Exits on error. */
static float *fm_load(const char *path, size_t max, size_t *n)
{
    FILE *f = fopen(path, "rb");
    unsigned char h[16];
    if (!f || fread(h, 1, 16, f) != 16 || fm_be32(h) != 0x803 || fm_be32(h + 8) * fm_be32(h + 12) != FM_DIM) {
        fprintf(stderr, "cannot read IDX images from %s\n", path);
        exit(1);
    }
    size_t count = fm_be32(h + 4);
    if (count > max) count = max;
    unsigned char *px = malloc(count * FM_DIM);
    float *v = malloc(sizeof(float) * count * FM_DIM);
    if (!px || !v || fread(px, FM_DIM, count, f) != count) { fprintf(stderr, "short read in %s\n", path); exit(1); }
    fclose(f);
    for (size_t i = 0; i < count * FM_DIM; i++) v[i] = (float)px[i];
    free(px);
    *n = count;
    return v;
}

static double fm_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fm_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sorts v in place and returns the q-quantile (0.5 = median). */
__attribute__((unused)) static double fm_quantile(double *v, size_t n, double q)
{
    if (!n) return 0;
    qsort(v, n, sizeof *v, fm_cmp_double);
    size_t i = (size_t)(q * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

#endif
