/*
 * fuzz_viking_filter.c — VikingDB's JSON filter DSL (src/core/vector/filter_viking.c) behind the
 * server's JSON parser (src/http/json.c, depth limit AV_JSON_MAX_DEPTH as for request bodies). The
 * input is the DSL's JSON text; a translated filter is evaluated on four fixture rows.
 */
#include "fuzz.h"
#include "schema.h"
#include "core/vector/filter.h"
#include "http/http.h"

static av_schema schema;
static json_object *docs[FUZZ_NDOCS];
static av_row_view rows[FUZZ_NDOCS];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    fuzz_schema(&schema, "fz", 0);
    fuzz_rows(docs, rows);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_bytes(data, size);
    json_object *dsl = NULL;
    av_err e;
    if (av_json_parse(text, size, AV_JSON_MAX_DEPTH, &dsl, &e) == AV_OK) {
        av_filter *f = NULL;
        if (av_filter_parse_viking(dsl, &schema, &f, &e) == AV_OK && f) {
            for (int i = 0; i < FUZZ_NDOCS; i++) (void)av_filter_match(f, &rows[i]);
            (void)av_filter_always_true(f);
            av_pk *pks;
            size_t n;
            if (av_filter_pks(f, &pks, &n)) av_filter_pks_free(pks, n);
            av_filter_free(f);
        }
        json_object_put(dsl);
    }
    free(text);
    return 0;
}
