/*
 * fuzz_milvus_filter.c — the Milvus boolean expression parser (src/core/vector/filter_milvus.c)
 * and the evaluator (filter.c). The input is the expression text. A parsed filter is matched
 * against four fixture rows and asked for its pk list and whether it is always true.
 */
#include "fuzz.h"
#include "schema.h"
#include "core/vector/filter.h"

static av_schema schema, strict;
static json_object *docs[FUZZ_NDOCS];
static av_row_view rows[FUZZ_NDOCS];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    fuzz_schema(&schema, "fz", 0);
    av_schema_copy(&strict, &schema);
    strict.dynamic = 0;
    fuzz_rows(docs, rows);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *expr = fuzz_cstr(data, size);
    for (int k = 0; k < 2; k++) {
        av_filter *f = NULL;
        av_err e;
        if (av_filter_parse_milvus(expr, k ? &strict : &schema, &f, &e) == AV_OK && f) {
            for (int i = 0; i < FUZZ_NDOCS; i++) (void)av_filter_match(f, &rows[i]);
            (void)av_filter_always_true(f);
            av_pk *pks;
            size_t n;
            if (av_filter_pks(f, &pks, &n)) av_filter_pks_free(pks, n);
            av_filter_free(f);
        }
    }
    free(expr);
    return 0;
}
