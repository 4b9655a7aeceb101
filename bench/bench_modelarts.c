/*
 * bench_modelarts.c — dataset samples through a running server's ModelArts v2 API: Fashion-MNIST
 * images written as binary PGM files (28x28, 8-bit; the dataset's own pixels), added with base64
 * `data` 100 per request (S1), then deleted 100 per request with delete_source=true (S5), every
 * response checked. Prints samples per second and request latencies.
 *   usage: bench_modelarts PORT TRAIN_IDX
 */
#include "fmnist.h"
#include "httpc.h"

#include <openssl/evp.h>

#define N 10000
#define BATCH 100
#define PROJECT "0123456789abcdef0123456789abcdef"

static int failures;

static void check(const char *resp, const char *want)
{
    if (!strstr(resp, want) && ++failures <= 3) fprintf(stderr, "unexpected response: %.300s\n", resp);
}

/* One image as a PGM file, base64-encoded into b. */
static void image_b64(sbuf *b, const float *px)
{
    unsigned char file[64 + FM_DIM];
    int h = snprintf((char *)file, 64, "P5\n28 28\n255\n");
    for (int i = 0; i < FM_DIM; i++) file[h + i] = (unsigned char)px[i];
    char enc[2 * sizeof file];
    int n = EVP_EncodeBlock((unsigned char *)enc, file, h + FM_DIM);
    sb_add(b, enc, (size_t)n);
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: %s PORT TRAIN_IDX\n", argv[0]); return 2; }
    hc_port = atoi(argv[1]);
    size_t n;
    float *img = fm_load(argv[2], N, &n);
    conn c = conn_open();
    const char *create = "{\"dataset_name\":\"fmnist\",\"dataset_type\":0,\"data_sources\":[{\"data_type\":0,\"data_path\":\"/bench/fmnist/\"}],"
                         "\"work_path\":\"/bench/out/\"}";
    char path[256];
    const char *resp = post(&c, "/v2/" PROJECT "/datasets", create, strlen(create));
    const char *idp = strstr(resp, "\"dataset_id\":\"");
    if (!idp) { fprintf(stderr, "cannot create the dataset: %s\n", resp); return 1; }
    char ds[20];
    memcpy(ds, idp + 14, 19);
    ds[19] = 0;
    char (*ids)[33] = calloc(n, 33);
    size_t nids = 0, batches = n / BATCH;
    double *lat = malloc(sizeof(double) * (batches + 1));
    sbuf b = { 0 };

    snprintf(path, sizeof path, "/v2/" PROJECT "/datasets/%s/data-annotations/samples", ds);
    double t0 = fm_now();
    for (size_t r = 0; r < batches; r++) {
        b.len = 0;
        sb_puts(&b, "{\"samples\":[");
        for (size_t k = r * BATCH; k < (r + 1) * BATCH; k++) {
            sb_printf(&b, "%s{\"name\":\"%05zu.pgm\",\"data\":\"", k > r * BATCH ? "," : "", k);
            image_b64(&b, img + k * FM_DIM);
            sb_puts(&b, "\",\"labels\":[{\"name\":\"fmnist\"}]}");
        }
        sb_puts(&b, "]}");
        double q0 = fm_now();
        resp = post(&c, path, b.p, b.len);
        lat[r] = (fm_now() - q0) * 1000;
        check(resp, "{\"success\":true");
        for (const char *p = strstr(resp, "\"info\":\""); p && nids < n; p = strstr(p + 8, "\"info\":\"")) {
            memcpy(ids[nids], p + 8, 32);
            ids[nids++][32] = 0;
        }
    }
    double dt = fm_now() - t0;
    printf("modelarts add samples: %.0f samples/s (%d PGM images of %d bytes per request, base64); request median %.1f ms, p99 %.1f ms\n",
           (double)(batches * BATCH) / dt, BATCH, FM_DIM + 13, fm_quantile(lat, batches, 0.5), fm_quantile(lat, batches, 0.99));

    snprintf(path, sizeof path, "/v2/" PROJECT "/datasets/%s/data-annotations/samples/delete", ds);
    t0 = fm_now();
    for (size_t r = 0; r < nids / BATCH; r++) {
        b.len = 0;
        sb_puts(&b, "{\"delete_source\":true,\"samples\":[");
        for (size_t k = r * BATCH; k < (r + 1) * BATCH; k++) sb_printf(&b, "%s\"%s\"", k > r * BATCH ? "," : "", ids[k]);
        sb_puts(&b, "]}");
        double q0 = fm_now();
        check(post(&c, path, b.p, b.len), "{\"success\":true}");
        lat[r] = (fm_now() - q0) * 1000;
    }
    dt = fm_now() - t0;
    size_t dels = nids / BATCH;
    printf("modelarts delete samples: %.0f samples/s (%d per request, delete_source=true, durable); request median %.1f ms, p99 %.1f ms\n",
           (double)(dels * BATCH) / dt, BATCH, fm_quantile(lat, dels, 0.5), fm_quantile(lat, dels, 0.99));
    if (nids != batches * BATCH) fprintf(stderr, "only %zu of %zu sample ids came back\n", nids, batches * BATCH);
    printf("modelarts responses not as expected: %d\n", failures + (nids != batches * BATCH));
    free(b.p);
    free(lat);
    free(ids);
    free(img);
    close(c.fd);
    free(c.buf);
    return failures ? 1 : 0;
}
