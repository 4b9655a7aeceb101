/*
 * bench_modelarts.c — dataset samples through a running server's ModelArts v2 API: Fashion-MNIST
 * images written as binary PGM files (28x28, 8-bit; the dataset's own pixels), added with base64
 * `data` 100 per request (S1), then deleted 100 per request with delete_source=true (S5), every
 * response checked. Prints samples per second and request latencies. Then the v1 (old SDK) view of
 * the same engine: an annotation job over a dataset of all 60,000 training images (half of them
 * tagged), show_images_by_tag pages of 100 at random pages, and images/delete in batches of 100
 * (durable, all or nothing).
 *   usage: bench_modelarts PORT TRAIN_IDX
 */
#include "fmnist.h"
#include "httpc.h"

#include <openssl/evp.h>

#define N 10000
#define JOB_N 60000
#define PAGES 1000
#define JOB_DELETES 20000
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
    size_t nall;
    float *img = fm_load(argv[2], JOB_N, &nall);
    size_t n = nall < N ? nall : N;
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
    int short_ids = nids != batches * BATCH;

    /* ---- v1: an annotation job over 60,000 images ---- */
    const char *create2 = "{\"dataset_name\":\"fmnist-job\",\"dataset_type\":0,\"data_sources\":[{\"data_type\":0,\"data_path\":\"/bench/job/\"}],"
                          "\"work_path\":\"/bench/out/\"}";
    resp = post(&c, "/v2/" PROJECT "/datasets", create2, strlen(create2));
    if (!(idp = strstr(resp, "\"dataset_id\":\""))) { fprintf(stderr, "cannot create the job dataset: %s\n", resp); return 1; }
    memcpy(ds, idp + 14, 19);
    char (*jids)[33] = calloc(nall, 33);
    size_t njids = 0;
    snprintf(path, sizeof path, "/v2/" PROJECT "/datasets/%s/data-annotations/samples", ds);
    for (size_t r = 0; r < nall / BATCH; r++) {
        b.len = 0;
        sb_puts(&b, "{\"samples\":[");
        for (size_t k = r * BATCH; k < (r + 1) * BATCH; k++) {
            sb_printf(&b, "%s{\"name\":\"%05zu.pgm\",\"data\":\"", k > r * BATCH ? "," : "", k);
            image_b64(&b, img + k * FM_DIM);
            sb_puts(&b, k % 2 ? "\"}" : "\",\"labels\":[{\"name\":\"tagged\"}]}");
        }
        sb_puts(&b, "]}");
        resp = post(&c, path, b.p, b.len);
        check(resp, "{\"success\":true");
        for (const char *p = strstr(resp, "\"info\":\""); p && njids < nall; p = strstr(p + 8, "\"info\":\"")) {
            memcpy(jids[njids], p + 8, 32);
            jids[njids++][32] = 0;
        }
    }
    char body[128];
    int bn = snprintf(body, sizeof body, "{\"name\":\"fmnist\",\"dataset_id\":\"%s\",\"type\":\"Manual Image classify\"}", ds);
    resp = post(&c, "/v1/" PROJECT "/annotation-jobs", body, (size_t)bn);
    const char *np = strstr(resp, "\"dls_prj_id\":\"");
    if (!np) { fprintf(stderr, "cannot create the job: %s\n", resp); return 1; }
    long num = strtol(np + 14, NULL, 10);
    size_t pages = njids / 100;
    unsigned seed = 12345;
    double *plat = malloc(sizeof(double) * PAGES);
    t0 = fm_now();
    for (int r = 0; r < PAGES; r++) {
        seed = seed * 1103515245u + 12345u;
        snprintf(path, sizeof path, "/v1/" PROJECT "/data-annotations/%ld/images?per_page=100&page=%zu", num, pages ? (seed >> 8) % pages : 0);
        double q0 = fm_now();
        check(request(&c, "GET", path, NULL, 0), "\"is_success\":true");
        plat[r] = (fm_now() - q0) * 1000;
    }
    dt = fm_now() - t0;
    printf("modelarts v1 show_images_by_tag: %.0f pages/s (100 images per page, random pages of a %zu-image job); request median %.1f ms, p99 %.1f ms\n",
           PAGES / dt, njids, fm_quantile(plat, PAGES, 0.5), fm_quantile(plat, PAGES, 0.99));
    t0 = fm_now();
    for (int r = 0; r < PAGES / 2; r++) {
        seed = seed * 1103515245u + 12345u;
        snprintf(path, sizeof path, "/v1/" PROJECT "/data-annotations/%ld/images?per_page=100&tag_name=%s&page=%zu", num,
                 r % 2 ? "tagged" : "__none__", pages ? (seed >> 8) % (pages / 2) : 0);
        double q0 = fm_now();
        check(request(&c, "GET", path, NULL, 0), "\"is_success\":true");
        plat[r] = (fm_now() - q0) * 1000;
    }
    dt = fm_now() - t0;
    printf("modelarts v1 show_images_by_tag with tag_name (tagged / __none__): %.0f pages/s; request median %.1f ms, p99 %.1f ms\n",
           (PAGES / 2) / dt, fm_quantile(plat, PAGES / 2, 0.5), fm_quantile(plat, PAGES / 2, 0.99));

    snprintf(path, sizeof path, "/v1/" PROJECT "/data-annotations/%ld/images/delete", num);
    size_t jdels = (njids < JOB_DELETES ? njids : JOB_DELETES) / BATCH;
    double *dlat = malloc(sizeof(double) * (jdels + 1));
    t0 = fm_now();
    for (size_t r = 0; r < jdels; r++) {
        b.len = 0;
        sb_puts(&b, "{\"image_id\":[");
        for (size_t k = r * BATCH; k < (r + 1) * BATCH; k++) sb_printf(&b, "%s\"%s\"", k > r * BATCH ? "," : "", jids[k]);
        sb_puts(&b, "]}");
        double q0 = fm_now();
        check(post(&c, path, b.p, b.len), "{\"is_success\":true}");
        dlat[r] = (fm_now() - q0) * 1000;
    }
    dt = fm_now() - t0;
    printf("modelarts v1 images/delete: %.0f images/s (%d per request, sources deleted, durable, %zu-image job); request median %.1f ms, p99 %.1f ms\n",
           (double)(jdels * BATCH) / dt, BATCH, njids, fm_quantile(dlat, jdels, 0.5), fm_quantile(dlat, jdels, 0.99));
    if (njids != nall / BATCH * BATCH) fprintf(stderr, "only %zu of %zu job image ids came back\n", njids, nall);
    short_ids += njids != nall / BATCH * BATCH;
    free(plat);
    free(dlat);
    free(jids);
    printf("modelarts responses not as expected: %d\n", failures + short_ids);
    free(b.p);
    free(lat);
    free(ids);
    free(img);
    close(c.fd);
    free(c.buf);
    return failures ? 1 : 0;
}
