/*
 * schema.h — the schema and rows the filter and row targets fuzz against: an Int64 pk "id", a
 * 4-d vector "vector", one field of every scalar kind, dynamic fields on (like test_filter.c's
 * fixture, with the names the tests/api suites use).
 */
#ifndef AV_FUZZ_SCHEMA_H
#define AV_FUZZ_SCHEMA_H

#include "annovec.h"
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_DIM 4

static inline void fuzz_schema(av_schema *s, const char *name, int varchar_pk)
{
    av_schema_init(s);
    snprintf(s->name, sizeof s->name, "%s", name);
    av_field *f = av_schema_add_field(s, "id", varchar_pk ? AV_T_VARCHAR : AV_T_INT64);
    f->primary = 1;
    if (varchar_pk) f->max_length = 64;
    av_schema_add_field(s, "vector", AV_T_FLOAT_VECTOR)->dim = FUZZ_DIM;
    av_schema_add_field(s, "age", AV_T_INT32);
    av_schema_add_field(s, "tag", AV_T_INT64);
    av_schema_add_field(s, "color", AV_T_VARCHAR)->max_length = 64;
    av_schema_add_field(s, "name", AV_T_VARCHAR)->max_length = 64;
    av_schema_add_field(s, "score", AV_T_DOUBLE);
    av_schema_add_field(s, "ratio", AV_T_FLOAT);
    av_schema_add_field(s, "flag", AV_T_BOOL);
    av_schema_add_field(s, "meta", AV_T_JSON);
    f = av_schema_add_field(s, "tags", AV_T_ARRAY);
    f->element_type = AV_T_VARCHAR;
    f->max_capacity = 16;
    f->max_length = 32;
    f = av_schema_add_field(s, "nums", AV_T_ARRAY);
    f->element_type = AV_T_INT64;
    f->max_capacity = 16;
}

#define FUZZ_NDOCS 4
static const char *const fuzz_doc_texts[FUZZ_NDOCS] = {
    "{\"age\":30,\"tag\":0,\"color\":\"red\",\"name\":\"alice\",\"score\":1.5,\"ratio\":0.5,\"flag\":true,"
    "\"meta\":{\"k\":[1,2],\"s\":\"x\",\"n\":{\"d\":4}},\"tags\":[\"a\",\"b\"],\"nums\":[1,2,3],\"extra\":\"e\"}",
    "{\"age\":40,\"tag\":1,\"color\":\"blue\",\"name\":\"bob_%x\",\"score\":2,\"flag\":false,\"meta\":{\"k\":[3]},"
    "\"tags\":[],\"nums\":[],\"size\":10}",
    "{\"age\":50,\"name\":\"\",\"score\":null,\"flag\":true,\"meta\":null,\"tags\":[\"b\"]}",
    "{\"age\":-5,\"tag\":9223372036854775807,\"color\":\"red\",\"name\":\"Zed\",\"score\":-0.5,\"flag\":false,"
    "\"meta\":{\"k\":[]},\"tags\":[\"c\",\"a\"],\"nums\":[-1],\"size\":3}",
};

/* The fixture rows: the documents above with their ids and one shared vector (docs kept for life). */
static inline void fuzz_rows(json_object *docs[FUZZ_NDOCS], av_row_view rows[FUZZ_NDOCS])
{
    static const int64_t ids[FUZZ_NDOCS] = { 1, 2, 449223424352133601LL, -7 };
    static float vec[FUZZ_DIM] = { 0.1f, 0.2f, 0.3f, 0.4f };
    for (int i = 0; i < FUZZ_NDOCS; i++) {
        docs[i] = json_tokener_parse(fuzz_doc_texts[i]);
        if (!docs[i]) abort();
        rows[i] = (av_row_view){ { 0, ids[i], NULL }, vec, docs[i] };
    }
}

#endif
