/*
 * test_filter.c — the Milvus expression parser, the VikingDB DSL parser and the filter evaluator,
 * as tables: each row is an expression, and either the rows of the fixture it must match or the
 * error code, byte position and message fragment it must produce. A failed row is named by its
 * index (the number in its comment) and its text.
 *
 * Every case builds the fixture (two schemas, four documents) itself and frees it at the end, so
 * each one passes alone.
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

static void teardown(void)
{
    for (int i = 0; i < 4; i++) json_object_put(docs[i]);
    av_schema_free(&schema);
    av_schema_free(&strict);
}

/* Which fixture rows f matches: bit r set = row r matched. */
static unsigned matched(const av_filter *f)
{
    unsigned got = 0;
    for (int r = 0; r < 4; r++) got |= (unsigned)av_filter_match(f, &rows[r]) << r;
    return got;
}

/* Bit i set = row i must match. */
typedef struct match_case { const char *expr; unsigned rows; } match_case;

static const match_case matches[] = {
    /* 0 */ {"age == 30", 0x1},
    /* 1 */ {"age != 30", 0xE},
    /* 2 */ {"age > 30 and age < 50", 0x2},
    /* 3 */ {"age >= 40 && age <= 50", 0x6},
    /* 4 */ {"age < 0 or name == \"alice\"", 0x9},
    /* 5 */ {"age < 0 || name == 'alice'", 0x9},
    /* 6 */ {"not (age == 30)", 0xE},
    /* 7 */ {"!(age == 30)", 0xE},
    /* 8 */ {"NOT age == 30 AND flag == true", 0x4},
    /* 9 */ {"age == 30 or age == 40 and flag == true", 0x1},           /* and binds tighter */
    /* 10 */ {"(age == 30 or age == 40) and flag == false", 0x2},
    /* 11 */ {"id == 449223424352133601", 0x4},
    /* 12 */ {"id == 449223424352133600", 0x0},                          /* int64 stays exact */
    /* 13 */ {"id in [1, -7]", 0x9},
    /* 14 */ {"id not in [1, -7]", 0x6},
    /* 15 */ {"age in [30, 50, 99]", 0x5},
    /* 16 */ {"name like \"a%\"", 0x1},
    /* 17 */ {"name like \"%e\"", 0x1},
    /* 18 */ {"name like \"%o%\"", 0x2},
    /* 19 */ {"name like \"%\"", 0xF},
    /* 20 */ {"name like \"alice\"", 0x1},
    /* 21 */ {"name like \"bob\\_\\%x\"", 0x2},                           /* escaped wildcards */
    /* 22 */ {"name like \"_ed\"", 0x8},
    /* 23 */ {"score > 1", 0x3},
    /* 24 */ {"score is null", 0x4},
    /* 25 */ {"score is not null", 0xB},
    /* 26 */ {"score == 2", 0x2},                                         /* 2 == 2.0 */
    /* 27 */ {"score < 0", 0x8},
    /* 28 */ {"flag", 0x5},
    /* 29 */ {"flag == True", 0x5},
    /* 30 */ {"color == \"red\"", 0x9},                                   /* dynamic key */
    /* 31 */ {"$meta[\"color\"] == \"red\"", 0x9},
    /* 32 */ {"color != \"red\"", 0x2},                                   /* missing compares false */
    /* 33 */ {"not (color == \"red\")", 0x6},
    /* 34 */ {"size > 5", 0x2},
    /* 35 */ {"size is null", 0x5},
    /* 36 */ {"meta[\"s\"] == \"x\"", 0x1},
    /* 37 */ {"meta[\"n\"][\"d\"] == 4", 0x1},
    /* 38 */ {"meta[\"k\"][0] == 3", 0x2},
    /* 39 */ {"json_contains(meta[\"k\"], 2)", 0x1},
    /* 40 */ {"json_contains_all(meta[\"k\"], [1, 2])", 0x1},
    /* 41 */ {"json_contains_any(meta[\"k\"], [2, 3])", 0x3},
    /* 42 */ {"JSON_CONTAINS(meta[\"k\"], 3)", 0x2},
    /* 43 */ {"array_contains(tags, \"a\")", 0x9},
    /* 44 */ {"array_contains_all(tags, [\"a\", \"b\"])", 0x1},
    /* 45 */ {"array_contains_any(tags, [\"b\", \"c\"])", 0xD},
    /* 46 */ {"array_length(tags) == 0", 0x2},
    /* 47 */ {"array_length(tags) >= 2", 0x9},
    /* 48 */ {"10 < age < 45", 0x3},
    /* 49 */ {"50 >= age > 30", 0x6},
    /* 50 */ {"age + 5 == 35", 0x1},
    /* 51 */ {"age * 2 > 90", 0x4},
    /* 52 */ {"age % 20 == 10", 0x5},
    /* 53 */ {"age / 4 == 7.5", 0x1},
    /* 54 */ {"age == -5", 0x8},
    /* 55 */ {"age in [-5, 0x1E]", 0x9},                                  /* hex literal */
    /* 56 */ {"age == 0b11110 or age == 0o62", 0x5},                      /* binary, octal */
    /* 57 */ {"score == 1.5e0", 0x1},
    /* 58 */ {"true", 0xF},
    /* 59 */ {"false or age == 40", 0x2},
    /* 60 */ {"  age==30  ", 0x1},
    /* 61 */ {"name == \"\"", 0x4},
    /* 62 */ {"name > \"b\"", 0x2},                                       /* byte order: Z < a < b */
    /* 63 */ {"((((age == 30))))", 0x1},
};

typedef struct error_case { const char *expr; int code; int pos; const char *frag; int strict_schema; } error_case;

static const error_case errors[] = {
    /* 0 */ {"", AV_EFILTER, 0, "empty", 0},
    /* 1 */ {"age ==", AV_EFILTER, 6, "ends too early", 0},
    /* 2 */ {"age == 30 and", AV_EFILTER, 13, "ends too early", 0},
    /* 3 */ {"name == \"abc", AV_EFILTER, 8, "unterminated string", 0},
    /* 4 */ {"age == 30)", AV_EFILTER, 9, "unexpected \")\"", 0},
    /* 5 */ {"(age == 30", AV_EFILTER, 10, "\")\"", 0},
    /* 6 */ {"age = 30", AV_EFILTER, 4, "unexpected", 0},
    /* 7 */ {"age == 30 And age == 40", AV_EFILTER, 10, "unexpected \"And\"", 0},
    /* 8 */ {"vec == 1", AV_EFILTER, 0, "vector field", 0},
    /* 9 */ {"nope == 1", AV_EFILTER, 0, "does not exist", 1},
    /* 10 */ {"age == \"x\"", AV_EFILTER, 7, "Int32", 0},
    /* 11 */ {"name == 5", AV_EFILTER, 8, "VarChar", 0},
    /* 12 */ {"age like \"a%\"", AV_EFILTER, 4, "like needs a VarChar", 0},
    /* 13 */ {"id in 5", AV_EFILTER, 6, "list", 0},
    /* 14 */ {"age in [1, \"x\"]", AV_EFILTER, 7, "Int32", 0},
    /* 15 */ {"age == 99999999999999999999", AV_EFILTER, 7, "out of range", 0},
    /* 16 */ {"age == {x}", AV_EFILTER, 7, "template", 0},
    /* 17 */ {"age # 3", AV_EFILTER, 4, "unexpected character", 0},
    /* 18 */ {"json_contains(meta)", AV_EFILTER, 18, "two arguments", 0},
    /* 19 */ {"$meta == 1", AV_EFILTER, 0, "$meta needs a key", 0},
    /* 20 */ {"1 < age == 3", AV_EFILTER, 8, "ranges", 0},
    /* 21 */ {"name is nothing", AV_EFILTER, 8, "is null", 0},
    /* 22 */ {"and", AV_EFILTER, 0, "unexpected", 0},
};

static void test_matches(void)
{
    setup();
    for (size_t i = 0; i < sizeof matches / sizeof *matches; i++) {
        int mark = test_failed;
        av_filter *f = NULL;
        av_err e;
        av_err_clear(&e);
        int rc = av_filter_parse_milvus(matches[i].expr, &schema, &f, &e);
        if (rc) {
            CHECK_INT(rc, AV_OK);
            fprintf(stderr, "  %s\n", e.msg);
        } else CHECK_INT(matched(f), matches[i].rows);
        test_row(mark, i, matches[i].expr);
        av_filter_free(f);
    }
    teardown();
}

static void test_errors(void)
{
    setup();
    for (size_t i = 0; i < sizeof errors / sizeof *errors; i++) {
        int mark = test_failed;
        av_filter *f = NULL;
        av_err e;
        av_err_clear(&e);
        int rc = av_filter_parse_milvus(errors[i].expr, errors[i].strict_schema ? &strict : &schema, &f, &e);
        CHECK_INT(rc, errors[i].code);
        CHECK_INT(e.pos, errors[i].pos);
        CHECK_CONTAINS(e.msg, errors[i].frag);
        CHECK(f == NULL);
        test_row(mark, i, errors[i].expr);
        av_filter_free(f);
    }
    teardown();
}

static void test_limits(void)
{
    setup();
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
    teardown();
}

/* Flat and/or chains of thousands of conditions are built balanced (evaluated log2(n) deep, no
 * stack overflow); an arithmetic chain longer than AV_FILTER_MAX_CHAIN is refused. */
static void test_chains(void)
{
    setup();
    av_err e;
    av_filter *f = NULL;
    av_buf b = { 0 };
    for (int i = 0; i < 5000; i++) av_buf_puts(&b, "age > 1 && ");
    av_buf_puts(&b, "age == 30");
    av_buf_put(&b, "", 1);
    CHECK_INT(av_filter_parse_milvus(b.p, &schema, &f, &e), AV_OK);
    CHECK_INT(matched(f), 1u);
    av_filter_free(f);
    b.len = 0;
    for (int i = 0; i < 5000; i++) av_buf_puts(&b, "age < 1 or ");
    av_buf_puts(&b, "age == 40");
    av_buf_put(&b, "", 1);
    CHECK_INT(av_filter_parse_milvus(b.p, &schema, &f, &e), AV_OK);
    CHECK_INT(matched(f), 10u);
    av_filter_free(f);
    b.len = 0;
    av_buf_puts(&b, "age");
    for (int i = 0; i < AV_FILTER_MAX_CHAIN + 1; i++) av_buf_puts(&b, " + 1");
    av_buf_puts(&b, " > 0");
    av_buf_put(&b, "", 1);
    CHECK_INT(av_filter_parse_milvus(b.p, &schema, &f, &e), AV_ELIMIT);
    CHECK_CONTAINS(e.msg, "arithmetic operators");
    av_buf_free(&b);
    json_object *conds = json_object_new_array();
    for (int i = 0; i < 20000; i++) json_object_array_add(conds, json_tokener_parse("{\"op\":\"range\",\"field\":\"age\",\"gt\":1}"));
    json_object *dsl = json_object_new_object();
    json_object_object_add(dsl, "op", json_object_new_string("and"));
    json_object_object_add(dsl, "conds", conds);
    CHECK_INT(av_filter_parse_viking(dsl, &schema, &f, &e), AV_OK);
    CHECK_INT(matched(f), 7u);
    av_filter_free(f);
    json_object_put(dsl);
    teardown();
}

/* av_filter_always_true: 1 when the expression cannot be false whatever the row (delete refuses it). */
static const struct { const char *expr; int always; } always_rows[] = {
    /* 0 */ {"true", 1},
    /* 1 */ {"1 == 1", 1},
    /* 2 */ {"not false", 1},
    /* 3 */ {"age > 3 or true", 1},
    /* 4 */ {"(age > 3 or 2 > 1) and 1 < 2", 1},
    /* 5 */ {"age > 3", 0},
    /* 6 */ {"age > 3 and true", 0},
    /* 7 */ {"false", 0},
    /* 8 */ {"id in [1]", 0},
};

static void test_always_true(void)
{
    setup();
    for (size_t i = 0; i < sizeof always_rows / sizeof *always_rows; i++) {
        int mark = test_failed;
        av_filter *f = NULL;
        av_err e;
        int rc = av_filter_parse_milvus(always_rows[i].expr, &schema, &f, &e);
        CHECK_INT(rc ? -1 : av_filter_always_true(f), always_rows[i].always);   /* -1: did not parse */
        test_row(mark, i, always_rows[i].expr);
        av_filter_free(f);
    }
    CHECK_INT(av_filter_always_true(NULL), 1);
    teardown();
}

/* av_filter_pks: an expression that is exactly a set of primary keys yields them (get instead of scan). */
static const struct { const char *expr; size_t n; int64_t pks[3]; } pk_rows[] = {
    /* 0 */ {"id in [1, 449223424352133601, -3]", 3, {1, 449223424352133601LL, -3}},
    /* 1 */ {"5 == id", 1, {5}},
};

static const char *const not_pk_rows[] = {
    /* 0 */ "id in [1] or age == 2",
    /* 1 */ "id not in [1]",
    /* 2 */ "age in [1]",
    /* 3 */ "id > 3",
    /* 4 */ "id == 1 and age == 3",
};

static void test_pks(void)
{
    setup();
    av_filter *f = NULL;
    av_err e;
    av_pk *pks;
    size_t n;
    for (size_t i = 0; i < sizeof pk_rows / sizeof *pk_rows; i++) {
        int mark = test_failed;
        CHECK_INT(av_filter_parse_milvus(pk_rows[i].expr, &schema, &f, &e), AV_OK);
        CHECK_INT(av_filter_pks(f, &pks, &n), 1);
        CHECK_INT(n, pk_rows[i].n);
        for (size_t k = 0; k < n && k < pk_rows[i].n; k++) CHECK(pks[k].i == pk_rows[i].pks[k] && !pks[k].is_str);
        test_row(mark, i, pk_rows[i].expr);
        av_filter_pks_free(pks, n);
        av_filter_free(f);
    }
    for (size_t i = 0; i < sizeof not_pk_rows / sizeof *not_pk_rows; i++) {
        int mark = test_failed;
        av_filter_parse_milvus(not_pk_rows[i], &schema, &f, &e);
        CHECK_INT(av_filter_pks(f, &pks, &n), 0);
        test_row(mark, i, not_pk_rows[i]);
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
    teardown();
}

static const match_case viking[] = {
    /* 0 */ {"{\"op\":\"must\",\"field\":\"age\",\"conds\":[30,50]}", 0x5},
    /* 1 */ {"{\"op\":\"must_not\",\"field\":\"age\",\"conds\":[30,50]}", 0xA},
    /* 2 */ {"{\"op\":\"must\",\"field\":\"name\",\"conds\":[\"alice\",\"Zed\"]}", 0x9},
    /* 3 */ {"{\"op\":\"must\",\"field\":\"tags\",\"conds\":[\"c\",\"b\"]}", 0xD},
    /* 4 */ {"{\"op\":\"range\",\"field\":\"age\",\"gte\":30,\"lt\":50}", 0x3},
    /* 5 */ {"{\"op\":\"range\",\"field\":\"score\",\"gt\":1.5}", 0x2},
    /* 6 */ {"{\"op\":\"range_out\",\"field\":\"age\",\"gt\":45,\"lt\":0}", 0xC},
    /* 7 */ {"{\"op\":\"and\",\"conds\":[{\"op\":\"range\",\"field\":\"age\",\"gt\":0},{\"op\":\"must\",\"field\":\"flag\",\"conds\":[true]}]}", 0x5},
    /* 8 */ {"{\"op\":\"or\",\"conds\":[{\"op\":\"must\",\"field\":\"id\",\"conds\":[2]},{\"op\":\"and\",\"conds\":[{\"op\":\"must\",\"field\":\"color\",\"conds\":[\"red\"]}]}]}", 0xB},
};

static const char *const viking_bad[] = {
    /* 0 */ "5",
    /* 1 */ "{}",
    /* 2 */ "{\"op\":\"near\",\"field\":\"age\"}",
    /* 3 */ "{\"op\":\"must\",\"field\":\"age\"}",
    /* 4 */ "{\"op\":\"must\",\"field\":\"age\",\"conds\":[\"x\"]}",
    /* 5 */ "{\"op\":\"range\",\"field\":\"age\"}",
    /* 6 */ "{\"op\":\"range\",\"field\":\"age\",\"gt\":\"1\"}",
    /* 7 */ "{\"op\":\"range\",\"field\":[\"x\",\"y\"],\"center\":[1,2],\"radius\":3}",
    /* 8 */ "{\"op\":\"and\",\"conds\":[]}",
    /* 9 */ "{\"op\":\"must\",\"field\":\"vec\",\"conds\":[1]}",
};

static void test_viking(void)
{
    setup();
    for (size_t i = 0; i < sizeof viking / sizeof *viking; i++) {
        int mark = test_failed;
        json_object *dsl = json_tokener_parse(viking[i].expr);
        av_filter *f = NULL;
        av_err e;
        av_err_clear(&e);
        int rc = av_filter_parse_viking(dsl, &schema, &f, &e);
        CHECK_INT(rc, AV_OK);
        if (rc) fprintf(stderr, "  %s\n", e.msg);
        else CHECK_INT(matched(f), viking[i].rows);
        test_row(mark, i, viking[i].expr);
        av_filter_free(f);
        json_object_put(dsl);
    }
    teardown();
}

static void test_viking_errors(void)
{
    setup();
    for (size_t i = 0; i < sizeof viking_bad / sizeof *viking_bad; i++) {
        int mark = test_failed;
        json_object *dsl = json_tokener_parse(viking_bad[i]);
        av_filter *f = NULL;
        av_err e;
        av_err_clear(&e);
        CHECK_INT(av_filter_parse_viking(dsl, &schema, &f, &e), AV_EFILTER);
        CHECK(f == NULL && e.msg[0]);
        test_row(mark, i, viking_bad[i]);
        json_object_put(dsl);
    }
    teardown();
}

TEST_MAIN(
    TEST_CASE(test_viking),
    TEST_CASE(test_viking_errors),
    TEST_CASE(test_matches),
    TEST_CASE(test_errors),
    TEST_CASE(test_limits),
    TEST_CASE(test_chains),
    TEST_CASE(test_always_true),
    TEST_CASE(test_pks))
