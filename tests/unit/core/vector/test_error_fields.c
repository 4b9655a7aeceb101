/*
 * test_error_fields.c — every engine failure says what it is about (src/core/store, src/core/vector):
 * av_err.entity, reason, name, scope and, for one row or id of a batch, index; and its message is
 * neutral English, with no dialect's wording (the dialects format "collection not found[...]" and
 * the like from these fields).
 *
 *  collections_and_databases: unknown, existing, non-empty, retired by a drop, bad names.
 *  rows_of_a_batch: duplicate and stored keys, unknown and missing fields, missing vectors,
 *    updates of absent rows: each with the row it concerns.
 *  schema_checks: primary-key count, automatic keys, array element types.
 *  filters_indexes_records: unknown filter fields keep their position, the unsafe delete, missing
 *    named indexes and records.
 */
#include "annovec.h"
#include "lib/util.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static const char *P = "0123456789abcdef0123456789abcdef";
static char dir[128];
static av_store *st;

static void open_store(void)
{
    av_err e;
    char id[33];
    test_tmpdir(dir, sizeof dir, "errfields");
    if (av_store_open(dir, &st, &e) || av_project_resolve(st, P, 1, id, &e)) { fprintf(stderr, "open: %s\n", e.msg); exit(2); }
}

static void close_store(void)
{
    av_store_close(st);
    test_rmdir(dir);
}

static void schema(av_schema *s, const char *name, int dynamic)
{
    av_schema_init(s);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->dynamic = dynamic;
    av_field *f = av_schema_add_field(s, "id", AV_T_INT64);
    f->primary = 1;
    av_schema_add_field(s, "vector", AV_T_FLOAT_VECTOR)->dim = 2;
    f = av_schema_add_field(s, "tag", AV_T_VARCHAR);
    f->max_length = 8;
    f->nullable = 1;
}

static av_collection *create(const char *name, int dynamic)
{
    av_schema s;
    av_err e;
    av_collection *c = NULL;
    schema(&s, name, dynamic);
    CHECK_INT(av_collection_create(st, P, "default", &s, &e), AV_OK);
    av_schema_free(&s);
    CHECK_INT(av_collection_open(st, P, "default", name, &c, &e), AV_OK);
    return c;
}

/* The fields of an error, and that its message carries none of the dialects' words. */
static void check_about(const av_err *e, int code, int entity, int reason, const char *name, const char *scope, int64_t index)
{
    static const char *const wire_words[] = {
        "not found[", "database not found, database:", "delete plan", "enableDynamicField", "isPrimary", "autoID", "elementDataType",
    };
    CHECK_INT(e->code, code);
    CHECK_INT(e->entity, entity);
    CHECK_INT(e->reason, reason);
    if (name) CHECK_STR(e->name, name);
    if (scope) CHECK_STR(e->scope, scope);
    CHECK_INT(e->index, index);
    for (size_t i = 0; i < sizeof wire_words / sizeof *wire_words; i++)
        if (strstr(e->msg, wire_words[i])) { CHECK(!"dialect wording in an engine message"); fprintf(stderr, "  %s\n", e->msg); }
}

static void collections_and_databases(void)
{
    open_store();
    av_err e;
    av_collection *c = NULL;
    av_schema s;
    CHECK_INT(av_collection_open(st, P, "default", "nope", &c, &e), AV_ENOTFOUND);
    check_about(&e, AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_NONE, "nope", "default", -1);
    CHECK_CONTAINS(e.msg, "collection \"nope\" does not exist in database \"default\"");
    CHECK_INT(av_collection_open(st, P, "nodb", "nope", &c, &e), AV_ENODB);
    check_about(&e, AV_ENODB, AV_ENT_DATABASE, AV_R_NONE, "nodb", "", -1);
    CHECK_INT(av_collection_drop(st, P, "default", "nope", &e), AV_ENOTFOUND);
    check_about(&e, AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_NONE, "nope", "default", -1);
    CHECK_INT(av_db_create(st, P, "db2", &e), AV_OK);
    CHECK_INT(av_db_create(st, P, "db2", &e), AV_EEXIST);
    check_about(&e, AV_EEXIST, AV_ENT_DATABASE, AV_R_NONE, "db2", "", -1);
    schema(&s, "c", 1);
    CHECK_INT(av_collection_create(st, P, "db2", &s, &e), AV_OK);
    CHECK_INT(av_collection_create(st, P, "db2", &s, &e), AV_EEXIST);
    check_about(&e, AV_EEXIST, AV_ENT_COLLECTION, AV_R_NONE, "c", "db2", -1);
    CHECK_INT(av_db_drop(st, P, "db2", &e), AV_EINVAL);
    check_about(&e, AV_EINVAL, AV_ENT_DATABASE, AV_R_IN_USE, "db2", "", -1);
    snprintf(s.name, sizeof s.name, "bad/name");
    CHECK_INT(av_collection_create(st, P, "default", &s, &e), AV_EINVAL);
    check_about(&e, AV_EINVAL, AV_ENT_COLLECTION, AV_R_NONE, "bad/name", "", -1);
    av_schema_free(&s);
    CHECK_INT(av_collection_open(st, P, "db2", "c", &c, &e), AV_OK);
    CHECK_INT(av_collection_drop(st, P, "db2", "c", &e), AV_OK);
    int64_t n;
    CHECK_INT(av_count(c, NULL, &n, &e), AV_ENOTFOUND);          /* a handle the drop retired */
    check_about(&e, AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_CHANGED, "c", "db2", -1);
    av_collection_release(c);
    close_store();
}

static void rows_of_a_batch(void)
{
    open_store();
    av_collection *c = create("r", 0);
    av_err e;
    float v[2] = { 1, 2 };
    json_object *plain = json_object_new_object(), *extra = json_object_new_object();
    json_object_object_add(extra, "zz", json_object_new_int(1));
    av_row rows[3] = { { { 0, 5, NULL }, v, plain }, { { 0, 6, NULL }, v, plain }, { { 0, 5, NULL }, v, plain } };
    CHECK_INT(av_insert(c, rows, 3, 0, NULL, &e), AV_EPK);         /* row 2 repeats row 0's key */
    check_about(&e, AV_EPK, AV_ENT_PK, AV_R_DUPLICATE, "5", "r", 2);
    CHECK_INT(av_insert(c, rows, 1, 0, NULL, &e), AV_OK);
    CHECK_INT(av_insert(c, rows, 2, 0, NULL, &e), AV_EPK);         /* row 0's key is stored */
    check_about(&e, AV_EPK, AV_ENT_PK, AV_R_IN_USE, "5", "r", 0);
    av_row odd[2] = { { { 0, 7, NULL }, v, plain }, { { 0, 8, NULL }, v, extra } };
    CHECK_INT(av_insert(c, odd, 2, 0, NULL, &e), AV_EFIELD);
    check_about(&e, AV_EFIELD, AV_ENT_FIELD, AV_R_UNKNOWN, "zz", "r", 1);
    odd[1] = (av_row){ { 0, 8, NULL }, NULL, plain };
    CHECK_INT(av_insert(c, odd, 2, 0, NULL, &e), AV_EFIELD);
    check_about(&e, AV_EFIELD, AV_ENT_VECTOR, AV_R_MISSING, "vector", "r", 1);
    av_row patch[2] = { { { 0, 5, NULL }, NULL, plain }, { { 0, 99, NULL }, NULL, plain } };
    CHECK_INT(av_update(c, patch, 2, &e), AV_ENOTFOUND);
    check_about(&e, AV_ENOTFOUND, AV_ENT_ROW, AV_R_NONE, "99", "r", 1);
    av_pk bad = { 1, 0, "x" };
    int64_t deleted;
    CHECK_INT(av_delete_pks(c, &bad, 1, &deleted, &e), AV_EPK);
    check_about(&e, AV_EPK, AV_ENT_PK, AV_R_NONE, "id", "r", 0);
    CHECK_INT(av_insert(c, rows, 0, 0, NULL, &e), AV_EINVAL);
    check_about(&e, AV_EINVAL, AV_ENT_ROW, AV_R_EMPTY, "", "r", -1);
    json_object_put(plain);
    json_object_put(extra);
    av_collection_release(c);
    close_store();
}

static void schema_checks(void)
{
    open_store();
    av_schema s;
    av_err e;
    schema(&s, "s", 1);
    s.fields[0].primary = 0;
    CHECK_INT(av_collection_create(st, P, "default", &s, &e), AV_EINVAL);
    check_about(&e, AV_EINVAL, AV_ENT_PK, AV_R_MISSING, "", "s", -1);
    s.fields[0].primary = 1;
    av_schema_add_field(&s, "id2", AV_T_INT64)->primary = 1;
    CHECK_INT(av_collection_create(st, P, "default", &s, &e), AV_EINVAL);
    check_about(&e, AV_EINVAL, AV_ENT_PK, AV_R_DUPLICATE, "", "s", -1);
    av_schema_free(&s);
    schema(&s, "s", 1);
    s.fields[0].type = AV_T_VARCHAR;
    s.fields[0].max_length = 8;
    s.fields[0].auto_id = 1;
    CHECK_INT(av_collection_create(st, P, "default", &s, &e), AV_EINVAL);
    check_about(&e, AV_EINVAL, AV_ENT_PK, AV_R_NONE, "id", "s", -1);
    s.fields[0].auto_id = 0;
    av_field *a = av_schema_add_field(&s, "arr", AV_T_ARRAY);
    a->element_type = AV_T_FLOAT_VECTOR;
    a->max_capacity = 2;
    CHECK_INT(av_collection_create(st, P, "default", &s, &e), AV_EINVAL);
    check_about(&e, AV_EINVAL, AV_ENT_FIELD, AV_R_UNKNOWN, "arr", "s", -1);
    av_schema_free(&s);
    close_store();
}

static void filters_indexes_records(void)
{
    open_store();
    av_collection *c = create("f", 0);
    av_err e;
    av_filter *f = NULL;
    CHECK_INT(av_filter_compile_milvus(c, "tag == \"a\" and zz == 1", &f, &e), AV_EFILTER);
    check_about(&e, AV_EFILTER, AV_ENT_FIELD, AV_R_UNKNOWN, "zz", "f", -1);
    CHECK_INT(e.pos, 15);
    CHECK_INT(av_filter_compile_milvus(c, "", &f, &e), AV_EFILTER);
    check_about(&e, AV_EFILTER, AV_ENT_FILTER, AV_R_EMPTY, "", "", -1);
    CHECK_INT(e.pos, 0);
    CHECK_INT(av_filter_compile_milvus(c, "id > 0 or true", &f, &e), AV_OK);
    int64_t n;
    CHECK_INT(av_delete_filter(c, f, &n, &e), AV_EUNSAFE);
    check_about(&e, AV_EUNSAFE, AV_ENT_FILTER, AV_R_NONE, "", "f", -1);
    av_filter_free(f);
    json_object *spec = NULL;
    CHECK_INT(av_index_get(c, "nope", &spec, &e), AV_ENOTFOUND);
    check_about(&e, AV_ENOTFOUND, AV_ENT_INDEX, AV_R_NONE, "nope", "f", -1);
    CHECK_INT(av_record_get(st, P, "task", "t1", &spec, &e), AV_ENOTFOUND);
    check_about(&e, AV_ENOTFOUND, AV_ENT_RECORD, AV_R_NONE, "t1", "task", -1);
    av_collection_release(c);
    close_store();
}

TEST_MAIN(TEST_CASE(collections_and_databases), TEST_CASE(rows_of_a_batch), TEST_CASE(schema_checks),
          TEST_CASE(filters_indexes_records))
