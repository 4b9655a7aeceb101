/*
 * fuzz_json.c — the JSON layer: the server's strict parser (src/http/json.c: depth limit, trailing
 * data, bare numbers) and, for what parses, the vector dialects' row decoding (src/api/rows.c):
 * rows in every mode, ids, output fields, search vectors, int64/vector readers, and rows rendered
 * back to JSON. The input is a request body. Members are looked up as the dialects name them
 * ("data", "id"/"ids"/"primary_keys", "outputFields"/"output_fields", "vector"); a body that is not
 * an object is used whole for each decoder.
 *
 * rows.c works on a collection, so LLVMFuzzerInitialize opens a store in a fresh /tmp directory
 * (removed at exit) with two collections: an Int64 pk and a VarChar pk, both dynamic.
 */
#include "fuzz.h"
#include "schema.h"
#include "api/rows.h"
#include "http/http.h"

#include <stdio.h>
#include <unistd.h>

static char dir[64];
static av_store *st;
static av_collection *colls[2];

static void cleanup(void)
{
    for (int i = 0; i < 2; i++) if (colls[i]) av_collection_release(colls[i]);
    if (st) av_store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (dir[0] && system(cmd) != 0) fprintf(stderr, "fuzz_json: could not remove %s\n", dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    snprintf(dir, sizeof dir, "/tmp/avfuzz-json-XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); abort(); }
    atexit(cleanup);
    av_err e;
    char project[33];
    if (av_store_open(dir, &st, &e) || av_project_resolve(st, "default", 1, project, &e)) {
        fprintf(stderr, "fuzz_json: store: %s\n", e.msg);
        abort();
    }
    for (int i = 0; i < 2; i++) {
        av_schema s;
        fuzz_schema(&s, i ? "fz_str" : "fz_int", i);
        if (av_collection_create(st, project, "default", &s, &e) ||
            av_collection_open(st, project, "default", s.name, &colls[i], &e)) {
            fprintf(stderr, "fuzz_json: collection: %s\n", e.msg);
            abort();
        }
        av_schema_free(&s);
    }
    return 0;
}

static json_object *member(json_object *body, const char *a, const char *b, const char *c)
{
    if (!json_object_is_type(body, json_type_object)) return body;
    json_object *v;
    if (a && json_object_object_get_ex(body, a, &v)) return v;
    if (b && json_object_object_get_ex(body, b, &v)) return v;
    if (c && json_object_object_get_ex(body, c, &v)) return v;
    return NULL;
}

static void decode(const av_collection *c, json_object *body)
{
    av_err e;
    api_fields sel = { 0 };
    int have_sel = api_fields_parse(c, member(body, "outputFields", "output_fields", "output_fields_list"), 1, &sel, &e) == AV_OK;
    json_object *data = member(body, "data", "fields", NULL);
    for (int mode = 0; data && mode < 8; mode++) {
        api_rows r;
        if (api_rows_parse(c, data, mode, 64, &r, &e) != AV_OK) continue;
        for (size_t i = 0; have_sel && i < r.n; i++) {
            av_row_view v = { r.rows[i].pk, r.rows[i].vec, r.rows[i].doc };
            float zero[FUZZ_DIM] = { 0 };
            if (!v.vec) v.vec = zero;
            json_object_put(api_render_row(c, &v, &sel, "id", mode & 1));
        }
        api_rows_free(&r);
    }
    av_pk *pks;
    size_t n;
    if (api_ids_parse(c, member(body, "id", "ids", "primary_keys"), &pks, &n, &e) == AV_OK) {
        for (size_t i = 0; i < n; i++) json_object_put(api_pk_json(&pks[i], (int)(i & 1)));
        free(pks);
    }
    json_object *vq = member(body, "data", "vector", "dense_vectors");
    for (int nested = 0; vq && nested < 2; nested++)
        for (int b64 = 0; b64 < 2; b64++) {
            float *q = NULL;
            int nq = 0;
            if (api_vectors_parse_ex(c, vq, nested, b64, &q, &nq, &e) == AV_OK) free(q);
        }
    if (have_sel) api_fields_free(&sel);
}

static void readers(json_object *v, int depth)
{
    int64_t i64;
    (void)av_json_get_int64(v, 0, &i64);
    (void)av_json_get_int64(v, 1, &i64);
    float vec[FUZZ_DIM];
    av_err e;
    (void)av_json_get_vector(v, FUZZ_DIM, vec, &e);
    if (json_object_is_type(v, json_type_double)) {
        json_object_put(av_json_double(json_object_get_double(v)));
        json_object_put(av_json_float((float)json_object_get_double(v)));
    }
    if (depth < 2 && json_object_is_type(v, json_type_array))
        for (size_t k = 0; k < json_object_array_length(v) && k < 16; k++) readers(json_object_array_get_idx(v, k), depth + 1);
    if (depth < 2 && json_object_is_type(v, json_type_object)) {
        json_object_object_foreach(v, key, val) { (void)key; readers(val, depth + 1); }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_bytes(data, size);
    json_object *body = NULL;
    av_err e;
    if (av_json_parse(text, size, AV_JSON_MAX_DEPTH, &body, &e) == AV_OK) {
        readers(body, 0);
        decode(colls[0], body);
        decode(colls[1], body);
        json_object_put(body);
    } else if (e.pos < 0 || (size_t)e.pos > size) {
        abort();   /* the error position must be inside the body (or at its end) */
    }
    free(text);
    return 0;
}
