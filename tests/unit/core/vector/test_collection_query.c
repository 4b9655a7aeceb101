/*
 * test_collection_query.c — ordered queries and grouped counts (src/core/vector/collection_query.c)
 * through the public API: the order (both directions, the tie rule, int and string keys), offset and
 * limit, filters, rows without a value, expired rows, the random draw, grouped counts (first-row
 * order, the count threshold, values that join no group), every refused field (its error, nothing
 * visited, nothing changed), and deletes running alongside ordered queries and counts: each result is
 * one state of the collection, every visited row carries its own value, and no row whose delete had
 * returned appears.
 */
#include "annovec.h"
#include "test.h"

#include <pthread.h>
#include <stdatomic.h>

static const char *P = "0123456789abcdef0123456789abcdef";
static char dir[128];
static av_store *st;

/* ---- fixtures -------------------------------------------------------------------------------- */

/* id (int64 or varchar), vector, and one field of each kind the calls accept or refuse. */
static void make_schema(av_schema *s, const char *name, av_type pk)
{
    av_schema_init(s);
    snprintf(s->name, sizeof s->name, "%s", name);
    av_field *f = av_schema_add_field(s, "id", pk);
    f->primary = 1;
    f->max_length = 16;
    av_schema_add_field(s, "vector", AV_T_FLOAT_VECTOR)->dim = 2;
    av_schema_add_field(s, "n", AV_T_INT64)->nullable = 1;
    av_schema_add_field(s, "price", AV_T_FLOAT)->nullable = 1;
    av_schema_add_field(s, "i32", AV_T_INT32)->nullable = 1;
    av_schema_add_field(s, "d", AV_T_DOUBLE)->nullable = 1;
    av_schema_add_field(s, "i8", AV_T_INT8)->nullable = 1;
    av_schema_add_field(s, "flag", AV_T_BOOL)->nullable = 1;
    f = av_schema_add_field(s, "city", AV_T_VARCHAR);
    f->nullable = 1;
    f->max_length = 300;
    av_schema_add_field(s, "meta", AV_T_JSON)->nullable = 1;
    f = av_schema_add_field(s, "tags", AV_T_ARRAY);
    f->element_type = AV_T_VARCHAR;
    f->max_length = 8;
    f->max_capacity = 4;
    f->nullable = 1;
}

static av_collection *setup(const char *tag, av_type pk)
{
    test_tmpdir(dir, sizeof dir, tag);
    av_err e;
    if (av_store_open(dir, &st, &e)) { fprintf(stderr, "open: %s\n", e.msg); exit(2); }
    char id[33];
    av_project_resolve(st, P, 1, id, &e);
    av_schema s;
    make_schema(&s, "q", pk);
    if (av_collection_create(st, P, "default", &s, &e)) { fprintf(stderr, "create: %s\n", e.msg); exit(2); }
    av_schema_free(&s);
    av_collection *c = NULL;
    av_collection_open(st, P, "default", "q", &c, &e);
    return c;
}

static void teardown(av_collection *c)
{
    av_collection_release(c);
    av_store_close(st);
    test_rmdir(dir);
}

/* Inserts rows with int pks ids[i] and documents parsed from docs[i] (JSON text); expire_ms as
 * av_insert_ex's. Returns the status. */
static int put_ex(av_collection *c, const int64_t *ids, const char *const *sids, const char *const *docs, size_t n, int64_t expire_ms)
{
    av_row *rows = calloc(n, sizeof *rows);
    float *vecs = calloc(n * 2, sizeof *vecs);
    for (size_t i = 0; i < n; i++) {
        vecs[i * 2] = (float)i;
        rows[i] = (av_row){ { sids != NULL, ids ? ids[i] : 0, sids ? sids[i] : NULL }, vecs + i * 2, json_tokener_parse(docs[i]) };
    }
    av_err e;
    int rc = av_insert_ex(c, rows, n, 1, expire_ms, NULL, &e);
    if (rc) fprintf(stderr, "insert: %s\n", e.msg);
    for (size_t i = 0; i < n; i++) json_object_put(rows[i].doc);
    free(vecs);
    free(rows);
    return rc;
}

static int put(av_collection *c, const int64_t *ids, const char *const *docs, size_t n)
{
    return put_ex(c, ids, NULL, docs, n, 0);
}

/* What a visitor saw: "pk:score" items joined by spaces, and whether every score was the row's own value. */
typedef struct seen {
    char text[4096];
    int n, stop_after;
    const char *field;
    int wrong_score;
} seen;

static int see(void *ctx, double score, const av_row_view *row)
{
    seen *s = ctx;
    char item[64];
    if (row->pk.is_str) snprintf(item, sizeof item, "%s%s:%g", s->n ? " " : "", row->pk.s, score);
    else snprintf(item, sizeof item, "%s%" PRId64 ":%g", s->n ? " " : "", row->pk.i, score);
    strncat(s->text, item, sizeof s->text - strlen(s->text) - 1);
    json_object *v = NULL;
    if (s->field && (!json_object_object_get_ex((json_object *)row->doc, s->field, &v) || json_object_get_double(v) != score))
        s->wrong_score++;
    s->n++;
    return s->stop_after && s->n >= s->stop_after;
}

static av_filter *compile(av_collection *c, const char *expr)
{
    av_filter *f = NULL;
    av_err e;
    if (expr && av_filter_compile_milvus(c, expr, &f, &e)) fprintf(stderr, "filter: %s\n", e.msg);
    return f;
}

/* Runs one ordered query; the visited rows land in s (reset first). */
static int ordered(av_collection *c, const char *field, int asc, int64_t offset, int64_t limit, const char *expr,
                   seen *s, int64_t *matched, av_err *e)
{
    memset(s, 0, sizeof *s);
    s->field = field;
    av_filter *f = compile(c, expr);
    av_order o = { f, field, asc, offset, limit };
    int rc = av_query_ordered(c, &o, see, s, matched, e);
    av_filter_free(f);
    return rc;
}

/* The visited rows of a query that must succeed, as seen's text. */
static const char *order_of(av_collection *c, const char *field, int asc, int64_t offset, int64_t limit, const char *expr)
{
    static seen s;
    static av_err e;
    int64_t m;
    if (ordered(c, field, asc, offset, limit, expr, &s, &m, &e) != AV_OK) return e.msg;
    return s.wrong_score ? "a score that is not the row's value" : s.text;
}

/* Groups as "value=count" items joined by spaces, "" for none; the status otherwise. */
static const char *groups_of(av_collection *c, const char *field, int64_t more_than, const char *expr, int64_t *matched)
{
    static char text[4096];
    av_filter *f = compile(c, expr);
    av_group_by g = { f, field, more_than };
    av_group *v = NULL;
    size_t n = 0;
    static av_err e;
    int rc = av_count_groups(c, &g, &v, &n, matched, &e);
    av_filter_free(f);
    text[0] = 0;
    if (rc) return e.msg;
    for (size_t i = 0; i < n; i++) {
        char item[400];
        snprintf(item, sizeof item, "%s%s=%" PRId64, i ? " " : "", json_object_get_string(v[i].value), v[i].count);
        strncat(text, item, sizeof text - strlen(text) - 1);
    }
    if ((n == 0) != (v == NULL)) return "groups array and count disagree";
    av_groups_free(v, n);
    return text;
}

/* Ten rows, inserted in descending pk order so that slot order is not pk order:
 * n: 5 3 5 null 9 3 5 1 null 7 for ids 1..10; price mixes integers and floating-point values. */
static const int64_t IDS[] = { 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };
static const char *const DOCS[] = {
    "{\"n\": 7, \"price\": 1.5, \"city\": \"gz\", \"flag\": true}",
    "{\"n\": null, \"price\": 2, \"city\": \"sh\"}",
    "{\"n\": 1, \"price\": 2.25, \"city\": null, \"flag\": false}",
    "{\"n\": 5, \"price\": 3, \"city\": \"bj\", \"flag\": true}",
    "{\"n\": 3, \"city\": \"bj\", \"flag\": false}",
    "{\"n\": 9, \"price\": 0.5, \"city\": \"gz\"}",
    "{\"city\": \"sh\", \"flag\": true}",
    "{\"n\": 5, \"price\": 2, \"city\": \"sh\", \"flag\": true}",
    "{\"n\": 3, \"price\": -1, \"city\": \"bj\"}",
    "{\"n\": 5, \"price\": 4, \"city\": \"sh\", \"i32\": -2}",
};

static av_collection *ten_rows(const char *tag)
{
    av_collection *c = setup(tag, AV_T_INT64);
    put(c, IDS, DOCS, 10);
    return c;
}

/* ---- ordered queries ------------------------------------------------------------------------- */

static void descending_ties_by_pk(void)
{
    av_collection *c = ten_rows("qdesc");
    CHECK_STR(order_of(c, "n", 0, 0, -1, NULL), "5:9 10:7 1:5 3:5 7:5 2:3 6:3 8:1");
    teardown(c);
}

static void ascending_is_the_exact_reverse(void)
{
    av_collection *c = ten_rows("qasc");
    CHECK_STR(order_of(c, "n", 1, 0, -1, NULL), "8:1 6:3 2:3 7:5 3:5 1:5 10:7 5:9");
    teardown(c);
}

static void string_pks_break_ties(void)
{
    av_collection *c = setup("qstr", AV_T_VARCHAR);
    const char *sids[] = { "b", "c", "a", "d", "ab" };
    const char *docs[] = { "{\"n\": 2}", "{\"n\": 1}", "{\"n\": 2}", "{\"n\": 2}", "{\"n\": 3}" };
    put_ex(c, NULL, sids, docs, 5, 0);
    CHECK_STR(order_of(c, "n", 0, 0, -1, NULL), "ab:3 a:2 b:2 d:2 c:1");
    CHECK_STR(order_of(c, "n", 1, 0, -1, NULL), "c:1 d:2 b:2 a:2 ab:3");
    teardown(c);
}

static void offset_and_limit(void)
{
    av_collection *c = ten_rows("qwin");
    seen s;
    int64_t m = -1;
    av_err e;
    CHECK_STR(order_of(c, "n", 0, 0, 3, NULL), "5:9 10:7 1:5");
    CHECK_STR(order_of(c, "n", 0, 1, 3, NULL), "10:7 1:5 3:5");
    CHECK_STR(order_of(c, "n", 1, 2, 2, NULL), "2:3 7:5");
    CHECK_STR(order_of(c, "n", 0, 7, 5, NULL), "8:1");
    CHECK_STR(order_of(c, "n", 0, 3, -1, NULL), "3:5 7:5 2:3 6:3 8:1");
    CHECK_INT(ordered(c, "n", 0, 8, 5, NULL, &s, &m, &e), AV_OK);
    CHECK_INT(s.n, 0);
    CHECK_INT(m, 8);                       /* matched counts the ordered rows, whatever the window */
    CHECK_INT(ordered(c, "n", 0, 100, 1, NULL, &s, &m, &e), AV_OK);
    CHECK_INT(s.n, 0);
    CHECK_INT(ordered(c, "n", 0, 0, 0, NULL, &s, &m, &e), AV_OK);
    CHECK_INT(s.n, 0);
    CHECK_INT(m, 8);
    CHECK_INT(ordered(c, "n", 0, 2, 1, NULL, &s, NULL, &e), AV_OK);   /* matched may be NULL */
    CHECK_STR(s.text, "1:5");
    teardown(c);
}

static void filter_selects_the_rows(void)
{
    av_collection *c = ten_rows("qfilter");
    seen s;
    int64_t m = -1;
    av_err e;
    CHECK_STR(order_of(c, "n", 0, 0, -1, "city == \"sh\""), "1:5 3:5");
    CHECK_STR(order_of(c, "n", 1, 0, -1, "id > 4"), "8:1 6:3 7:5 10:7 5:9");
    CHECK_INT(ordered(c, "n", 0, 1, 1, "city == \"bj\"", &s, &m, &e), AV_OK);
    CHECK_STR(s.text, "2:3");
    CHECK_INT(m, 3);
    CHECK_INT(ordered(c, "n", 0, 0, -1, "city == \"nowhere\"", &s, &m, &e), AV_OK);
    CHECK_INT(s.n + m, 0);
    teardown(c);
}

static void rows_without_a_value_are_left_out(void)
{
    av_collection *c = ten_rows("qmissing");
    seen s;
    int64_t m = -1;
    av_err e;
    /* n is null on 4 and 9, price on 4 and 6 (fields not sent are stored as null): left out, and not
     * counted in matched */
    CHECK_INT(ordered(c, "n", 0, 0, -1, NULL, &s, &m, &e), AV_OK);
    CHECK_INT(m, 8);
    CHECK_STR(order_of(c, "price", 0, 0, -1, NULL), "1:4 7:3 8:2.25 3:2 9:2 10:1.5 5:0.5 2:-1");
    CHECK_STR(order_of(c, "i32", 0, 0, -1, NULL), "1:-2");
    CHECK_INT(ordered(c, "d", 0, 0, -1, NULL, &s, &m, &e), AV_OK);
    CHECK_INT(s.n + m, 0);
    /* a field added later: rows stored before have no value in their documents and stay out */
    av_field add = { .name = "later", .type = AV_T_INT64, .default_value = json_object_new_int(4) };
    CHECK_INT(av_collection_alter(st, P, "default", "q", NULL, &add, 1, &e), AV_OK);
    json_object_put(add.default_value);
    av_collection_release(c);
    av_collection_open(st, P, "default", "q", &c, &e);
    const int64_t id = 11;
    const char *doc = "{\"later\": 2, \"n\": 0}";
    put(c, &id, &doc, 1);
    CHECK_INT(ordered(c, "later", 1, 0, -1, NULL, &s, &m, &e), AV_OK);
    CHECK_STR(s.text, "11:2");
    CHECK_INT(m, 1);
    teardown(c);
}

static void expired_rows_are_absent(void)
{
    av_collection *c = ten_rows("qexpired");
    const int64_t ids[] = { 20, 21 };
    const char *docs[] = { "{\"n\": 100, \"city\": \"sh\"}", "{\"n\": -100, \"city\": \"xx\"}" };
    CHECK_INT(put_ex(c, ids, NULL, docs, 2, 1), AV_OK);   /* expired at 1 ms after the epoch */
    int64_t m = -1;
    CHECK_STR(order_of(c, "n", 0, 0, 2, NULL), "5:9 10:7");
    CHECK_STR(order_of(c, "n", 1, 0, 1, NULL), "8:1");
    CHECK_STR(groups_of(c, "city", INT64_MIN, NULL, &m), "sh=4 bj=3 gz=2");
    CHECK_INT(m, 10);
    CHECK_STR(groups_of(c, NULL, INT64_MIN, NULL, &m), "");
    CHECK_INT(m, 10);
    teardown(c);
}

enum { DRAW_ROWS = 60, DRAWS = 40 };

/* DRAWS random draws of [offset, offset + limit) of the rows matching expr. Every draw must visit
 * want distinct rows of the filter ("n == 1": even ids) with score 0 and report matched; *bad counts
 * the draws that did not. Returns how often the most frequent first row came first: a fresh uniform
 * draw over 30 or 60 rows keeps it far below DRAWS / 3. */
static int draws(av_collection *c, int64_t offset, int64_t limit, const char *expr, int want, int64_t matched, int *bad)
{
    int firsts[DRAW_ROWS + 1] = { 0 }, most = 0;
    for (int round = 0; round < DRAWS; round++) {
        seen s;
        int64_t m = -1;
        av_err e;
        int used[DRAW_ROWS + 1] = { 0 }, first = 0;
        *bad += ordered(c, NULL, round % 2, offset, limit, expr, &s, &m, &e) != AV_OK || s.n != want || m != matched;
        const char *p = s.text;
        for (int k = 0; k < s.n; k++) {
            int pk = 0, len = 0;
            double score = -1;
            if (sscanf(p, "%d:%lf%n", &pk, &score, &len) != 2 || pk < 1 || pk > DRAW_ROWS || used[pk]++ || score != 0 ||
                (expr && pk % 2 != 0)) { (*bad)++; break; }
            if (!first) first = pk;
            p += len;
        }
        if (first && ++firsts[first] > most) most = firsts[first];
    }
    return most;
}

static void random_order_draws_distinct_matching_rows(void)
{
    av_collection *c = setup("qrandom", AV_T_INT64);
    int64_t ids[DRAW_ROWS];
    char texts[DRAW_ROWS][32];
    const char *docs[DRAW_ROWS];
    for (int i = 0; i < DRAW_ROWS; i++) {
        ids[i] = i + 1;
        snprintf(texts[i], sizeof texts[i], "{\"n\": %d}", i % 2);
        docs[i] = texts[i];
    }
    put(c, ids, docs, DRAW_ROWS);
    int bad = 0;
    /* drawn afresh each call, whatever the window: its first row is not the same one again and again */
    CHECK(draws(c, 0, 10, "n == 1", 10, DRAW_ROWS / 2, &bad) < DRAWS / 3);
    CHECK(draws(c, 0, 1, NULL, 1, DRAW_ROWS, &bad) < DRAWS / 3);
    CHECK(draws(c, 20, 5, NULL, 5, DRAW_ROWS, &bad) < DRAWS / 3);
    CHECK(draws(c, 10, 3, "n == 1", 3, DRAW_ROWS / 2, &bad) < DRAWS / 3);
    /* a window running past the end, one past it, and no limit: every row once */
    draws(c, 55, 10, NULL, 5, DRAW_ROWS, &bad);
    draws(c, 60, 10, NULL, 0, DRAW_ROWS, &bad);
    draws(c, 0, -1, NULL, DRAW_ROWS, DRAW_ROWS, &bad);
    CHECK_INT(bad, 0);
    teardown(c);
}

static void visitor_stops_early(void)
{
    av_collection *c = ten_rows("qstop");
    seen s = { .stop_after = 2 };
    av_order o = { NULL, "n", 0, 0, -1 };
    av_err e;
    int64_t m = -1;
    CHECK_INT(av_query_ordered(c, &o, see, &s, &m, &e), AV_OK);
    CHECK_STR(s.text, "5:9 10:7");
    CHECK_INT(m, 8);
    teardown(c);
}

/* A call that must fail: its code, entity and name, nothing visited, matched 0. */
static void refused(av_collection *c, const char *field, int64_t offset, int code, int entity)
{
    seen s;
    int64_t m = -1;
    av_err e = { 0 };
    int rc = ordered(c, field, 0, offset, -1, NULL, &s, &m, &e);
    CHECK_INT(rc, code);
    CHECK_INT(e.code, code);
    CHECK_INT(s.n, 0);
    CHECK_INT(m, 0);
    CHECK_INT(e.entity, entity);
    if (entity == AV_ENT_FIELD) CHECK_STR(e.name, field);
    CHECK(e.msg[0] != 0);
}

static void refused_order_fields(void)
{
    av_collection *c = ten_rows("qrefused");
    const char *before = "5:9 10:7 1:5 3:5 7:5 2:3 6:3 8:1";
    CHECK_STR(order_of(c, "n", 0, 0, -1, NULL), before);
    refused(c, "nope", 0, AV_EFIELD, AV_ENT_FIELD);
    refused(c, "id", 0, AV_ETYPE, AV_ENT_FIELD);
    const char *wrong[] = { "vector", "city", "flag", "i8", "meta", "tags" };
    for (size_t i = 0; i < sizeof wrong / sizeof *wrong; i++) refused(c, wrong[i], 0, AV_ETYPE, AV_ENT_FIELD);
    refused(c, "n", -1, AV_EINVAL, AV_ENT_NONE);
    seen s;
    av_err e;
    ordered(c, "nope", 0, 0, -1, NULL, &s, NULL, &e);
    CHECK_INT(e.reason, AV_R_UNKNOWN);
    CHECK_STR(e.msg, "field \"nope\" must be an int64 or float32 field of the collection");
    ordered(c, "city", 0, 0, -1, NULL, &s, NULL, &e);
    CHECK_STR(e.msg, "field \"city\" must be an int64 or float32 field of the collection");
    /* nothing changed */
    CHECK_INT(av_collection_count(c), 10);
    CHECK_STR(order_of(c, "n", 0, 0, -1, NULL), before);
    teardown(c);
}

static void dropped_handle(void)
{
    av_collection *c = ten_rows("qdropped");
    av_err e;
    CHECK_INT(av_collection_drop(st, P, "default", "q", &e), AV_OK);
    refused(c, "n", 0, AV_ENOTFOUND, AV_ENT_COLLECTION);
    av_group *v = (av_group *)&e;
    size_t n = 7;
    int64_t m = -1;
    av_group_by g = { NULL, "city", INT64_MIN };
    CHECK_INT(av_count_groups(c, &g, &v, &n, &m, &e), AV_ENOTFOUND);
    CHECK_INT(e.reason, AV_R_CHANGED);
    CHECK(v == NULL && n == 0 && m == 0);
    teardown(c);
}

/* ---- grouped counts -------------------------------------------------------------------------- */

static void groups_in_first_row_order(void)
{
    av_collection *c = ten_rows("ggroups");
    int64_t m = -1;
    /* in order of each group's first row by pk (1 sh, 2 bj, 5 gz), not of the slots (10 gz first) */
    CHECK_STR(groups_of(c, "city", INT64_MIN, NULL, &m), "sh=4 bj=3 gz=2");
    CHECK_INT(m, 10);                      /* row 8's city is null: counted in matched, in no group */
    CHECK_STR(groups_of(c, "n", INT64_MIN, NULL, &m), "5=3 3=2 9=1 1=1 7=1");
    CHECK_STR(groups_of(c, "flag", INT64_MIN, NULL, &m), "true=4 false=2");
    CHECK_INT(m, 10);
    teardown(c);
}

static void groups_keep_counts_above_the_threshold(void)
{
    av_collection *c = ten_rows("gcond");
    int64_t m = -1;
    CHECK_STR(groups_of(c, "city", 2, NULL, &m), "sh=4 bj=3");
    CHECK_STR(groups_of(c, "city", 3, NULL, &m), "sh=4");
    CHECK_STR(groups_of(c, "city", 4, NULL, &m), "");
    CHECK_INT(m, 10);                      /* the threshold does not change matched */
    CHECK_STR(groups_of(c, "city", 0, NULL, &m), "sh=4 bj=3 gz=2");
    CHECK_STR(groups_of(c, "city", -5, NULL, &m), "sh=4 bj=3 gz=2");
    teardown(c);
}

static void groups_of_filtered_rows(void)
{
    av_collection *c = ten_rows("gfilter");
    int64_t m = -1;
    CHECK_STR(groups_of(c, "city", INT64_MIN, "n >= 5", &m), "sh=2 gz=2 bj=1");
    CHECK_INT(m, 5);
    CHECK_STR(groups_of(c, NULL, INT64_MIN, "n >= 5", &m), "");
    CHECK_INT(m, 5);
    CHECK_STR(groups_of(c, "city", INT64_MIN, "id == 99", &m), "");
    CHECK_INT(m, 0);
    teardown(c);
}

static void values_that_join_no_group(void)
{
    av_collection *c = ten_rows("gnone");
    int64_t m = -1;
    /* price: integers group; 1.5, 2.25, 0.5 (floating point) and the missing one join none */
    CHECK_STR(groups_of(c, "price", INT64_MIN, NULL, &m), "4=1 -1=1 2=2 3=1");
    CHECK_INT(m, 10);
    CHECK_STR(groups_of(c, "d", INT64_MIN, NULL, &m), "");
    CHECK_INT(m, 10);
    /* rows stored before a field was added have no value for it */
    av_err e;
    av_field add = { .name = "later", .type = AV_T_VARCHAR, .max_length = 8, .default_value = json_object_new_string("dflt") };
    CHECK_INT(av_collection_alter(st, P, "default", "q", NULL, &add, 1, &e), AV_OK);
    json_object_put(add.default_value);
    av_collection_release(c);
    av_collection_open(st, P, "default", "q", &c, &e);
    const int64_t id = 11;
    const char *doc = "{\"later\": \"x\"}";
    put(c, &id, &doc, 1);
    CHECK_STR(groups_of(c, "later", INT64_MIN, NULL, &m), "x=1");
    CHECK_INT(m, 11);
    teardown(c);
}

static void long_values_keep_their_own_groups(void)
{
    av_collection *c = setup("glong", AV_T_INT64);
    char a[300], b[300];
    memset(a, 'a', 200);
    snprintf(a + 200, sizeof a - 200, "%s", "1");
    memset(b, 'a', 200);
    snprintf(b + 200, sizeof b - 200, "%s", "2");
    char da[320], db[320];
    snprintf(da, sizeof da, "{\"city\": \"%s\"}", a);
    snprintf(db, sizeof db, "{\"city\": \"%s\"}", b);
    const int64_t ids[] = { 1, 2, 3 };
    const char *docs[] = { da, db, da };
    put(c, ids, docs, 3);
    av_group_by g = { NULL, "city", INT64_MIN };
    av_group *v = NULL;
    size_t n = 0;
    av_err e;
    CHECK_INT(av_count_groups(c, &g, &v, &n, NULL, &e), AV_OK);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_STR(json_object_get_string(v[0].value), a);
        CHECK_INT(v[0].count, 2);
        CHECK_STR(json_object_get_string(v[1].value), b);
        CHECK_INT(v[1].count, 1);
        CHECK(json_object_is_type(v[0].value, json_type_string));
    }
    av_groups_free(v, n);
    teardown(c);
}

static void group_values_keep_their_types(void)
{
    av_collection *c = ten_rows("gtypes");
    const char *fields[] = { "n", "flag", "city" };
    json_type want[] = { json_type_int, json_type_boolean, json_type_string };
    for (int k = 0; k < 3; k++) {
        av_group_by g = { NULL, fields[k], INT64_MIN };
        av_group *v = NULL;
        size_t n = 0;
        av_err e;
        CHECK_INT(av_count_groups(c, &g, &v, &n, NULL, &e), AV_OK);
        int bad = n == 0;
        for (size_t i = 0; i < n; i++) bad += !json_object_is_type(v[i].value, want[k]);
        CHECK_INT(bad, 0);
        av_groups_free(v, n);
    }
    teardown(c);
}

static void refused_group_fields(void)
{
    av_collection *c = ten_rows("grefused");
    const char *names[] = { "nope", "id", "vector", "meta", "tags" };
    int codes[] = { AV_EFIELD, AV_ETYPE, AV_ETYPE, AV_ETYPE, AV_ETYPE };
    for (int k = 0; k < 5; k++) {
        av_group_by g = { NULL, names[k], INT64_MIN };
        av_group *v = (av_group *)names;
        size_t n = 9;
        int64_t m = -1;
        av_err e = { 0 };
        CHECK_INT(av_count_groups(c, &g, &v, &n, &m, &e), codes[k]);
        CHECK(v == NULL && n == 0 && m == 0);
        CHECK_INT(e.entity, AV_ENT_FIELD);
        CHECK_STR(e.name, names[k]);
        if (k == 0) CHECK_INT(e.reason, AV_R_UNKNOWN);
        char msg[128];
        snprintf(msg, sizeof msg, "field \"%s\" cannot be grouped; name a scalar field", names[k]);
        CHECK_STR(e.msg, msg);
    }
    int64_t m = -1;
    CHECK_STR(groups_of(c, "city", INT64_MIN, NULL, &m), "sh=4 bj=3 gz=2");   /* nothing changed */
    CHECK_INT(av_collection_count(c), 10);
    teardown(c);
}

/* ---- deletes alongside ordered queries and counts -------------------------------------------- */

enum { ROWS = 3000, DELETERS = 2, DEL_BATCH = 25, QUERIERS = 2, QUERY_MAX = 200000, WINDOW = 40 };

static av_collection *shared;
static atomic_int deleters_left, failures, mid_queries, queries;
/* Deleter d removes the ids ≡ d (mod DELETERS) in increasing order, a batch at a time: before each
 * call every such id below deleting_below[d] may be gone, after it returns every one below
 * deleted_below[d] is. */
static atomic_llong deleting_below[DELETERS], deleted_below[DELETERS];
static pthread_barrier_t start;

static int64_t value_of(int64_t id) { return (id * 7919) % 101; }   /* ties aplenty */

static void *deleter(void *arg)
{
    int d = (int)(intptr_t)arg;
    pthread_barrier_wait(&start);
    av_pk pks[DEL_BATCH];
    int n = 0;
    for (int64_t id = d; id < ROWS; id += DELETERS) {
        pks[n++] = (av_pk){ 0, id, NULL };
        if (n < DEL_BATCH && id + DELETERS < ROWS) continue;
        int64_t gone = 0;
        av_err e;
        atomic_store(&deleting_below[d], id + 1);
        if (av_delete_pks(shared, pks, (size_t)n, &gone, &e) || gone != n) atomic_fetch_add(&failures, 1);
        atomic_store(&deleted_below[d], id + 1);
        n = 0;
    }
    atomic_fetch_sub(&deleters_left, 1);
    return NULL;
}

/* How many rows the watermarks say are gone; below[] receives them. */
static int64_t gone_by(atomic_llong *marks, int64_t below[DELETERS])
{
    int64_t n = 0;
    for (int d = 0; d < DELETERS; d++) {
        below[d] = atomic_load(&marks[d]);
        n += below[d] > d ? (below[d] - d + DELETERS - 1) / DELETERS : 0;
    }
    return n;
}

typedef struct check_ctx { int64_t below[DELETERS]; int n, bad, asc; double last_score; int64_t last_pk; } check_ctx;

/* Every visited row: not deleted before the call began, its score its own value, in order. */
static int check_row(void *ctx, double score, const av_row_view *row)
{
    check_ctx *x = ctx;
    int64_t id = row->pk.i;
    json_object *v = NULL;
    json_object_object_get_ex((json_object *)row->doc, "n", &v);
    if (id < x->below[id % DELETERS]) x->bad++;
    if (score != (double)value_of(id) || !v || json_object_get_int64(v) != value_of(id)) x->bad++;
    if (x->n && (x->asc ? score < x->last_score || (score == x->last_score && id > x->last_pk)
                        : score > x->last_score || (score == x->last_score && id < x->last_pk))) x->bad++;
    x->last_score = score;
    x->last_pk = id;
    x->n++;
    return 0;
}

/* One ordered query or grouped count; 0 when its result is one state of the collection. */
static int one_query(int q)
{
    check_ctx x = { .asc = q % 2 };
    int64_t later[DELETERS], matched = -1;
    int64_t gone_before = gone_by(deleted_below, x.below);
    av_err e;
    int bad = 0;
    if (q % 3 == 2) {
        av_group_by g = { NULL, "city", INT64_MIN };
        av_group *v = NULL;
        size_t n = 0;
        bad += av_count_groups(shared, &g, &v, &n, &matched, &e) != AV_OK;
        int64_t sum = 0;
        for (size_t i = 0; i < n; i++) sum += v[i].count;
        bad += sum != matched;           /* every row has a city: the groups add up to matched */
        av_groups_free(v, n);
    } else {
        av_order o = { NULL, "n", x.asc, q % 50, WINDOW };
        bad += av_query_ordered(shared, &o, check_row, &x, &matched, &e) != AV_OK;
        int64_t want = matched - o.offset < 0 ? 0 : matched - o.offset > WINDOW ? WINDOW : matched - o.offset;
        bad += x.bad || x.n != want;
    }
    int64_t gone_after = gone_by(deleting_below, later);
    bad += matched > ROWS - gone_before || matched < ROWS - gone_after;
    if (gone_before > 0 && gone_after < ROWS) atomic_fetch_add(&mid_queries, 1);
    return bad;
}

static void *querier(void *arg)
{
    (void)arg;
    pthread_barrier_wait(&start);
    for (int q = 0; q < QUERY_MAX && atomic_load(&deleters_left) > 0; q++) {
        if (one_query(q)) atomic_fetch_add(&failures, 1);
        atomic_fetch_add(&queries, 1);
    }
    return NULL;
}

static void deletes_during_queries(void)
{
    shared = setup("qrace", AV_T_INT64);
    static int64_t ids[ROWS];
    static char texts[ROWS][48];
    static const char *docs[ROWS];
    for (int i = 0; i < ROWS; i++) {
        ids[i] = i;
        snprintf(texts[i], sizeof texts[i], "{\"n\": %" PRId64 ", \"city\": \"c%d\"}", value_of(i), i % 7);
        docs[i] = texts[i];
    }
    for (int i = 0; i < ROWS; i += 1000) put(shared, ids + i, docs + i, 1000);
    atomic_store(&deleters_left, DELETERS);
    pthread_barrier_init(&start, NULL, DELETERS + QUERIERS);
    pthread_t t[DELETERS + QUERIERS];
    for (int d = 0; d < DELETERS; d++) pthread_create(&t[d], NULL, deleter, (void *)(intptr_t)d);
    for (int q = 0; q < QUERIERS; q++) pthread_create(&t[DELETERS + q], NULL, querier, NULL);
    for (int i = 0; i < DELETERS + QUERIERS; i++) pthread_join(t[i], NULL);
    pthread_barrier_destroy(&start);
    CHECK_INT(atomic_load(&failures), 0);
    CHECK(atomic_load(&mid_queries) > 0);    /* queries really ran while rows were being deleted */
    CHECK_INT(av_collection_count(shared), 0);
    seen s;
    int64_t m = -1;
    av_err e;
    CHECK_INT(ordered(shared, "n", 0, 0, -1, NULL, &s, &m, &e), AV_OK);
    CHECK_INT(s.n + m, 0);
    printf("     %d queries, %d while deletes ran\n", atomic_load(&queries), atomic_load(&mid_queries));
    teardown(shared);
}

TEST_MAIN(
    TEST_CASE(descending_ties_by_pk),
    TEST_CASE(ascending_is_the_exact_reverse),
    TEST_CASE(string_pks_break_ties),
    TEST_CASE(offset_and_limit),
    TEST_CASE(filter_selects_the_rows),
    TEST_CASE(rows_without_a_value_are_left_out),
    TEST_CASE(expired_rows_are_absent),
    TEST_CASE(random_order_draws_distinct_matching_rows),
    TEST_CASE(visitor_stops_early),
    TEST_CASE(refused_order_fields),
    TEST_CASE(dropped_handle),
    TEST_CASE(groups_in_first_row_order),
    TEST_CASE(groups_keep_counts_above_the_threshold),
    TEST_CASE(groups_of_filtered_rows),
    TEST_CASE(values_that_join_no_group),
    TEST_CASE(long_values_keep_their_own_groups),
    TEST_CASE(group_values_keep_their_types),
    TEST_CASE(refused_group_fields),
    TEST_CASE(deletes_during_queries),
)
