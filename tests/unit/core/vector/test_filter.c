/*
 * test_filter.c — the Milvus expression parser and the filter evaluator, as tables: each case is an
 * expression, and either the rows it must match or the error code, byte position and message
 * fragment it must produce.
 */
#include "annovec.h"
#include "core/vector/filter.h"
#include "lib/util.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static av_schema schema, strict;
static json_object *docs[4];
static av_row_view rows[4];

static void setup(void)
{
    av_schema_init(&schema);
    snprintf(schema.name, sizeof schema.name, "t");
    av_field *f = av_schema_add_field(&schema, "id", AV_T_INT64);
    f->primary = 1;
    av_schema_add_field(&schema, "vec", AV_T_FLOAT_VECTOR)->dim = 2;
    av_schema_add_field(&schema, "age", AV_T_INT32);
    av_schema_add_field(&schema, "name", AV_T_VARCHAR)->max_length = 64;
    av_schema_add_field(&schema, "score", AV_T_DOUBLE);
    av_schema_add_field(&schema, "flag", AV_T_BOOL);
    av_schema_add_field(&schema, "meta", AV_T_JSON);
    f = av_schema_add_field(&schema, "tags", AV_T_ARRAY);
    f->element_type = AV_T_VARCHAR;
    av_schema_copy(&strict, &schema);
    strict.dynamic = 0;
    const char *texts[4] = {
        "{\"age\":30,\"name\":\"alice\",\"score\":1.5,\"flag\":true,\"meta\":{\"k\":[1,2],\"s\":\"x\",\"n\":{\"d\":4}},\"tags\":[\"a\",\"b\"],\"color\":\"red\"}",
        "{\"age\":40,\"name\":\"bob_%x\",\"score\":2,\"flag\":false,\"meta\":{\"k\":[3]},\"tags\":[],\"color\":\"blue\",\"size\":10}",
        "{\"age\":50,\"name\":\"\",\"score\":null,\"flag\":true,\"meta\":null,\"tags\":[\"b\"]}",
        "{\"age\":-5,\"name\":\"Zed\",\"score\":-0.5,\"flag\":false,\"meta\":{\"k\":[]},\"tags\":[\"c\",\"a\"],\"color\":\"red\",\"size\":3}",
    };
    static const int64_t ids[4] = { 1, 2, 449223424352133601LL, -7 };
    for (int i = 0; i < 4; i++) {
        docs[i] = json_tokener_parse(texts[i]);
        rows[i] = (av_row_view){ { 0, ids[i], NULL }, NULL, docs[i] };
    }
}

/* Bit i set = row i must match. */
typedef struct match_case { const char *expr; unsigned rows; } match_case;

static const match_case matches[] = {
    /* 1 */ {"age == 30", 0x1},
    /* 2 */ {"age != 30", 0xE},
    /* 3 */ {"age > 30 and age < 50", 0x2},
    /* 4 */ {"age >= 40 && age <= 50", 0x6},
    /* 5 */ {"age < 0 or name == \"alice\"", 0x9},
    /* 6 */ {"age < 0 || name == 'alice'", 0x9},
    /* 7 */ {"not (age == 30)", 0xE},
    /* 8 */ {"!(age == 30)", 0xE},
    /* 9 */ {"NOT age == 30 AND flag == true", 0x4},
    /* 10 */ {"age == 30 or age == 40 and flag == true", 0x1},           /* and binds tighter */
    /* 11 */ {"(age == 30 or age == 40) and flag == false", 0x2},
    /* 12 */ {"id == 449223424352133601", 0x4},
    /* 13 */ {"id == 449223424352133600", 0x0},                          /* int64 stays exact */
    /* 14 */ {"id in [1, -7]", 0x9},
    /* 15 */ {"id not in [1, -7]", 0x6},
    /* 16 */ {"age in [30, 50, 99]", 0x5},
    /* 17 */ {"name like \"a%\"", 0x1},
    /* 18 */ {"name like \"%e\"", 0x1},
    /* 19 */ {"name like \"%o%\"", 0x2},
    /* 20 */ {"name like \"%\"", 0xF},
    /* 21 */ {"name like \"alice\"", 0x1},
    /* 22 */ {"name like \"bob\\_\\%x\"", 0x2},                           /* escaped wildcards */
    /* 23 */ {"name like \"_ed\"", 0x8},
    /* 24 */ {"score > 1", 0x3},
    /* 25 */ {"score is null", 0x4},
    /* 26 */ {"score is not null", 0xB},
    /* 27 */ {"score == 2", 0x2},                                         /* 2 == 2.0 */
    /* 28 */ {"score < 0", 0x8},
    /* 29 */ {"flag", 0x5},
    /* 30 */ {"flag == True", 0x5},
    /* 31 */ {"color == \"red\"", 0x9},                                   /* dynamic key */
    /* 32 */ {"$meta[\"color\"] == \"red\"", 0x9},
    /* 33 */ {"color != \"red\"", 0x2},                                   /* missing compares false */
    /* 34 */ {"not (color == \"red\")", 0x6},
    /* 35 */ {"size > 5", 0x2},
    /* 36 */ {"size is null", 0x5},
    /* 37 */ {"meta[\"s\"] == \"x\"", 0x1},
    /* 38 */ {"meta[\"n\"][\"d\"] == 4", 0x1},
    /* 39 */ {"meta[\"k\"][0] == 3", 0x2},
    /* 40 */ {"json_contains(meta[\"k\"], 2)", 0x1},
    /* 41 */ {"json_contains_all(meta[\"k\"], [1, 2])", 0x1},
    /* 42 */ {"json_contains_any(meta[\"k\"], [2, 3])", 0x3},
    /* 43 */ {"JSON_CONTAINS(meta[\"k\"], 3)", 0x2},
    /* 44 */ {"array_contains(tags, \"a\")", 0x9},
    /* 45 */ {"array_contains_all(tags, [\"a\", \"b\"])", 0x1},
    /* 46 */ {"array_contains_any(tags, [\"b\", \"c\"])", 0xD},
    /* 47 */ {"array_length(tags) == 0", 0x2},
    /* 48 */ {"array_length(tags) >= 2", 0x9},
    /* 49 */ {"10 < age < 45", 0x3},
    /* 50 */ {"50 >= age > 30", 0x6},
    /* 51 */ {"age + 5 == 35", 0x1},
    /* 52 */ {"age * 2 > 90", 0x4},
    /* 53 */ {"age % 20 == 10", 0x5},
    /* 54 */ {"age / 4 == 7.5", 0x1},
    /* 55 */ {"age == -5", 0x8},
    /* 56 */ {"age in [-5, 0x1E]", 0x9},                                  /* hex literal */
    /* 57 */ {"age == 0b11110 or age == 0o62", 0x5},                      /* binary, octal */
    /* 58 */ {"score == 1.5e0", 0x1},
    /* 59 */ {"true", 0xF},
    /* 60 */ {"false or age == 40", 0x2},
    /* 61 */ {"  age==30  ", 0x1},
    /* 62 */ {"name == \"\"", 0x4},
    /* 63 */ {"name > \"b\"", 0x2},                                       /* byte order: Z < a < b */
    /* 64 */ {"((((age == 30))))", 0x1},
};

typedef struct error_case { const char *expr; int code; int pos; const char *frag; int strict_schema; } error_case;

static const error_case errors[] = {
    /* 1 */ {"", AV_EFILTER, 0, "empty", 0},
    /* 2 */ {"age ==", AV_EFILTER, 6, "ends too early", 0},
    /* 3 */ {"age == 30 and", AV_EFILTER, 13, "ends too early", 0},
    /* 4 */ {"name == \"abc", AV_EFILTER, 8, "unterminated string", 0},
    /* 5 */ {"age == 30)", AV_EFILTER, 9, "unexpected \")\"", 0},
    /* 6 */ {"(age == 30", AV_EFILTER, 10, "\")\"", 0},
    /* 7 */ {"age = 30", AV_EFILTER, 4, "unexpected", 0},
    /* 8 */ {"age == 30 And age == 40", AV_EFILTER, 10, "unexpected \"And\"", 0},
    /* 9 */ {"vec == 1", AV_EFILTER, 0, "vector field", 0},
    /* 10 */ {"nope == 1", AV_EFILTER, 0, "does not exist", 1},
    /* 11 */ {"age == \"x\"", AV_EFILTER, 7, "Int32", 0},
    /* 12 */ {"name == 5", AV_EFILTER, 8, "VarChar", 0},
    /* 13 */ {"age like \"a%\"", AV_EFILTER, 4, "like needs a VarChar", 0},
    /* 14 */ {"id in 5", AV_EFILTER, 6, "list", 0},
    /* 15 */ {"age in [1, \"x\"]", AV_EFILTER, 7, "Int32", 0},
    /* 16 */ {"age == 99999999999999999999", AV_EFILTER, 7, "out of range", 0},
    /* 17 */ {"age == {x}", AV_EFILTER, 7, "template", 0},
    /* 18 */ {"age # 3", AV_EFILTER, 4, "unexpected character", 0},
    /* 19 */ {"json_contains(meta)", AV_EFILTER, 18, "two arguments", 0},
    /* 20 */ {"$meta == 1", AV_EFILTER, 0, "$meta needs a key", 0},
    /* 21 */ {"1 < age == 3", AV_EFILTER, 8, "ranges", 0},
    /* 22 */ {"name is nothing", AV_EFILTER, 8, "is null", 0},
    /* 23 */ {"and", AV_EFILTER, 0, "unexpected", 0},
};

static void test_matches(void)
{
    for (size_t i = 0; i < sizeof matches / sizeof *matches; i++) {
        av_filter *f = NULL;
        av_err e;
        av_err_clear(&e);
        int rc = av_filter_parse_milvus(matches[i].expr, &schema, &f, &e);
        if (rc) {
            CHECK_INT(rc, AV_OK);
            fprintf(stderr, "  case %zu \"%s\": %s\n", i + 1, matches[i].expr, e.msg);
            continue;
        }
        unsigned got = 0;
        for (int r = 0; r < 4; r++) got |= (unsigned)av_filter_match(f, &rows[r]) << r;
        if (got != matches[i].rows) fprintf(stderr, "  case %zu \"%s\": matched 0x%X, want 0x%X\n", i + 1, matches[i].expr, got, matches[i].rows);
        CHECK_INT(got, matches[i].rows);
        av_filter_free(f);
    }
}

static void test_errors(void)
{
    for (size_t i = 0; i < sizeof errors / sizeof *errors; i++) {
        av_filter *f = NULL;
        av_err e;
        av_err_clear(&e);
        int rc = av_filter_parse_milvus(errors[i].expr, errors[i].strict_schema ? &strict : &schema, &f, &e);
        if (rc != errors[i].code || e.pos != errors[i].pos || !strstr(e.msg, errors[i].frag))
            fprintf(stderr, "  error case %zu \"%s\": rc %d pos %d msg \"%s\"\n", i + 1, errors[i].expr, rc, e.pos, e.msg);
        CHECK_INT(rc, errors[i].code);
        CHECK_INT(e.pos, errors[i].pos);
        CHECK_CONTAINS(e.msg, errors[i].frag);
        CHECK(f == NULL);
        av_filter_free(f);
    }
}

static void test_limits(void)
{
    av_err e;
    av_filter *f = NULL;
    char deep[400];
    memset(deep, '(', 200);
    strcpy(deep + 200, "age == 1");
    memset(deep + 208, ')', 190);
    deep[398] = 0;
    CHECK_INT(av_filter_parse_milvus(deep, &schema, &f, &e), AV_EFILTER);
    CHECK_CONTAINS(e.msg, "nested too deeply");
    size_t n = AV_FILTER_MAX_LEN + 10;
    char *big = xmalloc(n + 1);
    memset(big, ' ', n);
    big[n] = 0;
    CHECK_INT(av_filter_parse_milvus(big, &schema, &f, &e), AV_ELIMIT);
    free(big);
}

static int always(const char *expr)
{
    av_filter *f = NULL;
    av_err e;
    if (av_filter_parse_milvus(expr, &schema, &f, &e)) return -1;
    int r = av_filter_always_true(f);
    av_filter_free(f);
    return r;
}

static void test_always_true(void)
{
    CHECK_INT(always("true"), 1);
    CHECK_INT(always("1 == 1"), 1);
    CHECK_INT(always("not false"), 1);
    CHECK_INT(always("age > 3 or true"), 1);
    CHECK_INT(always("(age > 3 or 2 > 1) and 1 < 2"), 1);
    CHECK_INT(always("age > 3"), 0);
    CHECK_INT(always("age > 3 and true"), 0);
    CHECK_INT(always("false"), 0);
    CHECK_INT(always("id in [1]"), 0);
    CHECK_INT(av_filter_always_true(NULL), 1);
}

static void test_pks(void)
{
    av_filter *f = NULL;
    av_err e;
    av_pk *pks;
    size_t n;
    av_filter_parse_milvus("id in [1, 449223424352133601, -3]", &schema, &f, &e);
    CHECK_INT(av_filter_pks(f, &pks, &n), 1);
    CHECK_INT(n, 3);
    CHECK(pks[1].i == 449223424352133601LL && !pks[1].is_str);
    CHECK_INT(pks[2].i, -3);
    av_filter_pks_free(pks, n);
    av_filter_free(f);
    av_filter_parse_milvus("5 == id", &schema, &f, &e);
    CHECK_INT(av_filter_pks(f, &pks, &n), 1);
    CHECK_INT(pks[0].i, 5);
    av_filter_pks_free(pks, n);
    av_filter_free(f);
    static const char *not_pk[] = { "id in [1] or age == 2", "id not in [1]", "age in [1]", "id > 3", "id == 1 and age == 3" };
    for (size_t i = 0; i < sizeof not_pk / sizeof *not_pk; i++) {
        av_filter_parse_milvus(not_pk[i], &schema, &f, &e);
        CHECK_INT(av_filter_pks(f, &pks, &n), 0);
        av_filter_free(f);
    }
    /* string primary keys keep quotes and backslashes intact */
    av_schema s2;
    av_schema_copy(&s2, &schema);
    s2.fields[0].type = AV_T_VARCHAR;
    s2.fields[0].max_length = 64;
    CHECK_INT(av_filter_parse_milvus("id in [\"a\\\"b\", 'c']", &s2, &f, &e), AV_OK);
    CHECK_INT(av_filter_pks(f, &pks, &n), 1);
    CHECK_STR(pks[0].s, "a\"b");
    CHECK_STR(pks[1].s, "c");
    av_filter_pks_free(pks, n);
    av_filter_free(f);
    CHECK_INT(av_filter_parse_milvus("id in [1]", &s2, &f, &e), AV_EFILTER);
    av_schema_free(&s2);
}

static const match_case viking[] = {
    {"{\"op\":\"must\",\"field\":\"age\",\"conds\":[30,50]}", 0x5},
    {"{\"op\":\"must_not\",\"field\":\"age\",\"conds\":[30,50]}", 0xA},
    {"{\"op\":\"must\",\"field\":\"name\",\"conds\":[\"alice\",\"Zed\"]}", 0x9},
    {"{\"op\":\"must\",\"field\":\"tags\",\"conds\":[\"c\",\"b\"]}", 0xD},
    {"{\"op\":\"range\",\"field\":\"age\",\"gte\":30,\"lt\":50}", 0x3},
    {"{\"op\":\"range\",\"field\":\"score\",\"gt\":1.5}", 0x2},
    {"{\"op\":\"range_out\",\"field\":\"age\",\"gt\":45,\"lt\":0}", 0xC},
    {"{\"op\":\"and\",\"conds\":[{\"op\":\"range\",\"field\":\"age\",\"gt\":0},{\"op\":\"must\",\"field\":\"flag\",\"conds\":[true]}]}", 0x5},
    {"{\"op\":\"or\",\"conds\":[{\"op\":\"must\",\"field\":\"id\",\"conds\":[2]},{\"op\":\"and\",\"conds\":[{\"op\":\"must\",\"field\":\"color\",\"conds\":[\"red\"]}]}]}", 0xB},
};

static const char *const viking_bad[] = {
    "5", "{}", "{\"op\":\"near\",\"field\":\"age\"}", "{\"op\":\"must\",\"field\":\"age\"}",
    "{\"op\":\"must\",\"field\":\"age\",\"conds\":[\"x\"]}", "{\"op\":\"range\",\"field\":\"age\"}",
    "{\"op\":\"range\",\"field\":\"age\",\"gt\":\"1\"}", "{\"op\":\"range\",\"field\":[\"x\",\"y\"],\"center\":[1,2],\"radius\":3}",
    "{\"op\":\"and\",\"conds\":[]}", "{\"op\":\"must\",\"field\":\"vec\",\"conds\":[1]}",
};

static void test_viking(void)
{
    for (size_t i = 0; i < sizeof viking / sizeof *viking; i++) {
        json_object *dsl = json_tokener_parse(viking[i].expr);
        av_filter *f = NULL;
        av_err e;
        av_err_clear(&e);
        int rc = av_filter_parse_viking(dsl, &schema, &f, &e);
        CHECK_INT(rc, AV_OK);
        if (rc) { fprintf(stderr, "  viking case %zu: %s\n", i + 1, e.msg); json_object_put(dsl); continue; }
        unsigned got = 0;
        for (int r = 0; r < 4; r++) got |= (unsigned)av_filter_match(f, &rows[r]) << r;
        if (got != viking[i].rows) fprintf(stderr, "  viking case %zu: matched 0x%X, want 0x%X\n", i + 1, got, viking[i].rows);
        CHECK_INT(got, viking[i].rows);
        av_filter_free(f);
        json_object_put(dsl);
    }
    for (size_t i = 0; i < sizeof viking_bad / sizeof *viking_bad; i++) {
        json_object *dsl = json_tokener_parse(viking_bad[i]);
        av_filter *f = NULL;
        av_err e;
        av_err_clear(&e);
        CHECK_INT(av_filter_parse_viking(dsl, &schema, &f, &e), AV_EFILTER);
        CHECK(f == NULL && e.msg[0]);
        json_object_put(dsl);
    }
}

int main(void)
{
    setup();
    test_viking();
    test_matches();
    test_errors();
    test_limits();
    test_always_true();
    test_pks();
    for (int i = 0; i < 4; i++) json_object_put(docs[i]);
    av_schema_free(&schema);
    av_schema_free(&strict);
    return test_summary();
}
