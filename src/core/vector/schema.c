/*
 * schema.c — collection schemas: construction, validation, type and metric names, and the JSON text
 * form stored in the `collection.schema` column (schema_to_json / schema_from_json, see schema.h).
 *
 * Stored form (one JSON object, version 1):
 *   {"v":1,"name":..,"description":..,"dynamic":bool,"metric":"L2|IP|COSINE","index_name":..,
 *    "index_type":..,"created_ms":int,"fields":[{"name","type","element_type","primary","auto_id",
 *    "max_length","max_capacity","dim","nullable","default","description"}]}
 */
#include "core/vector/schema.h"
#include "lib/util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct { av_type t; const char *name; } type_names[] = {
    {AV_T_BOOL, "Bool"}, {AV_T_INT8, "Int8"}, {AV_T_INT16, "Int16"}, {AV_T_INT32, "Int32"},
    {AV_T_INT64, "Int64"}, {AV_T_FLOAT, "Float"}, {AV_T_DOUBLE, "Double"}, {AV_T_VARCHAR, "VarChar"},
    {AV_T_JSON, "JSON"}, {AV_T_ARRAY, "Array"}, {AV_T_FLOAT_VECTOR, "FloatVector"},
};

const char *av_type_name(av_type t)
{
    for (size_t i = 0; i < sizeof type_names / sizeof *type_names; i++)
        if (type_names[i].t == t) return type_names[i].name;
    return "None";
}

int av_type_from_name(const char *name, av_type *out)
{
    if (!name) return AV_EINVAL;
    for (size_t i = 0; i < sizeof type_names / sizeof *type_names; i++)
        if (strcasecmp(type_names[i].name, name) == 0) { *out = type_names[i].t; return AV_OK; }
    if (strcasecmp(name, "String") == 0) { *out = AV_T_VARCHAR; return AV_OK; }
    return AV_EINVAL;
}

const char *av_metric_name(av_metric m)
{
    return m == AV_METRIC_IP ? "IP" : m == AV_METRIC_COSINE ? "COSINE" : "L2";
}

int av_metric_from_name(const char *name, av_metric *out)
{
    if (!name) return AV_EINVAL;
    if (strcasecmp(name, "L2") == 0) *out = AV_METRIC_L2;
    else if (strcasecmp(name, "IP") == 0) *out = AV_METRIC_IP;
    else if (strcasecmp(name, "COSINE") == 0) *out = AV_METRIC_COSINE;
    else return AV_EINVAL;
    return AV_OK;
}

/* The entity a name check is about, from the `what` its caller names ("collection name", ...). */
static int name_entity(const char *what)
{
    static const struct { const char *what; int entity; } kinds[] = {
        {"collection name", AV_ENT_COLLECTION}, {"database name", AV_ENT_DATABASE},
        {"field name", AV_ENT_FIELD}, {"index name", AV_ENT_INDEX},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (strcmp(kinds[i].what, what) == 0) return kinds[i].entity;
    return AV_ENT_NONE;
}

int av_name_check(const char *name, const char *what, av_err *err)
{
    int ent = name_entity(what);
    if (!name || !*name)
        return av_fail_on(err, AV_EINVAL, ent, AV_R_EMPTY, NULL, NULL, "the %s is empty; use letters, digits and underscores, starting with a letter or underscore", what);
    size_t n = strlen(name);
    if (n > AV_NAME_MAX)
        return av_fail_on(err, AV_EINVAL, ent, AV_R_NONE, name, NULL, "the %s is %zu characters long; the limit is %d", what, n, AV_NAME_MAX);
    char c = name[0];
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
        return av_fail_on(err, AV_EINVAL, ent, AV_R_NONE, name, NULL, "invalid %s \"%.64s\": the first character must be a letter or an underscore", what, name);
    for (size_t i = 1; i < n; i++) {
        c = name[i];
        if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            return av_fail_on(err, AV_EINVAL, ent, AV_R_NONE, name, NULL, "invalid %s \"%.64s\": it can only contain numbers, letters and underscores (found '%c' at position %zu)", what, name, c, i);
    }
    return AV_OK;
}

void av_schema_init(av_schema *s)
{
    memset(s, 0, sizeof *s);
    s->dynamic = 1;
    s->metric = AV_METRIC_L2;
    strcpy(s->index_type, "FLAT");
}

av_field *av_schema_add_field(av_schema *s, const char *name, av_type type)
{
    s->fields = xrealloc(s->fields, sizeof(av_field) * (size_t)(s->nfields + 1));
    av_field *f = &s->fields[s->nfields++];
    memset(f, 0, sizeof *f);
    snprintf(f->name, sizeof f->name, "%s", name);
    f->type = type;
    return f;
}

void av_schema_free(av_schema *s)
{
    for (int i = 0; i < s->nfields; i++)
        if (s->fields[i].default_value) json_object_put(s->fields[i].default_value);
    free(s->fields);
    s->fields = NULL;
    s->nfields = 0;
}

int av_schema_copy(av_schema *dst, const av_schema *src)
{
    *dst = *src;
    dst->fields = xmalloc(sizeof(av_field) * (size_t)(src->nfields ? src->nfields : 1));
    memcpy(dst->fields, src->fields, sizeof(av_field) * (size_t)src->nfields);
    for (int i = 0; i < dst->nfields; i++) {
        json_object *d = src->fields[i].default_value;
        dst->fields[i].default_value = NULL;
        if (d) json_object_deep_copy(d, &dst->fields[i].default_value, NULL);
    }
    return AV_OK;
}

const av_field *av_schema_pk(const av_schema *s)
{
    for (int i = 0; i < s->nfields; i++)
        if (s->fields[i].primary) return &s->fields[i];
    return NULL;
}

const av_field *av_schema_vector(const av_schema *s)
{
    for (int i = 0; i < s->nfields; i++)
        if (s->fields[i].type == AV_T_FLOAT_VECTOR) return &s->fields[i];
    return NULL;
}

const av_field *av_schema_field(const av_schema *s, const char *name)
{
    for (int i = 0; i < s->nfields; i++)
        if (strcmp(s->fields[i].name, name) == 0) return &s->fields[i];
    return NULL;
}

static int is_scalar_type(av_type t)
{
    return t >= AV_T_BOOL && t <= AV_T_VARCHAR;
}

/* One field of collection `coll` (the errors' scope). */
static int check_field(const av_field *f, const char *coll, av_err *err)
{
    int rc = av_name_check(f->name, "field name", err);
    if (rc) return rc;
    if (f->type == AV_T_NONE)
        return av_fail_on(err, AV_EINVAL, AV_ENT_FIELD, AV_R_MISSING, f->name, coll, "field \"%s\" has no data type", f->name);
    if (f->primary) {
        if (f->type != AV_T_INT64 && f->type != AV_T_VARCHAR)
            return av_fail_on(err, AV_EINVAL, AV_ENT_FIELD, AV_R_NONE, f->name, coll, "the primary key field \"%s\" must be Int64 or VarChar, not %s", f->name, av_type_name(f->type));
        if (f->auto_id && f->type != AV_T_INT64)
            return av_fail_on(err, AV_EINVAL, AV_ENT_PK, AV_R_NONE, f->name, coll, "automatically assigned keys need an Int64 primary key (field \"%s\" is VarChar)", f->name);
        if (f->nullable)
            return av_fail_on(err, AV_EINVAL, AV_ENT_FIELD, AV_R_NONE, f->name, coll, "the primary key field \"%s\" cannot be nullable", f->name);
    }
    if (f->type == AV_T_FLOAT_VECTOR && (f->dim < 1 || f->dim > AV_DIM_MAX))
        return av_fail_on(err, AV_EINVAL, AV_ENT_VECTOR, AV_R_NONE, f->name, coll, "field \"%s\": dim %d is out of range; use 1..%d", f->name, f->dim, AV_DIM_MAX);
    int varchar = f->type == AV_T_VARCHAR || (f->type == AV_T_ARRAY && f->element_type == AV_T_VARCHAR);
    if (varchar && (f->max_length < 1 || f->max_length > AV_VARCHAR_MAX))
        return av_fail_on(err, AV_EINVAL, AV_ENT_FIELD, AV_R_NONE, f->name, coll, "field \"%s\": max_length %d is out of range; set max_length to 1..%d", f->name, f->max_length, AV_VARCHAR_MAX);
    if (f->type == AV_T_ARRAY) {
        if (!is_scalar_type(f->element_type))
            return av_fail_on(err, AV_EINVAL, AV_ENT_FIELD, AV_R_UNKNOWN, f->name, coll, "field \"%s\": an Array needs a scalar element type (Bool, an integer, Float, Double or VarChar)", f->name);
        if (f->max_capacity < 1 || f->max_capacity > AV_ARRAY_CAP_MAX)
            return av_fail_on(err, AV_EINVAL, AV_ENT_FIELD, AV_R_NONE, f->name, coll, "field \"%s\": max_capacity %d is out of range; use 1..%d", f->name, f->max_capacity, AV_ARRAY_CAP_MAX);
    }
    return AV_OK;
}

int av_schema_validate(const av_schema *s, av_err *err)
{
    int rc = av_name_check(s->name, "collection name", err);
    if (rc) return rc;
    if (s->nfields > AV_FIELDS_MAX)
        return av_fail_on(err, AV_ELIMIT, AV_ENT_FIELD, AV_R_NONE, NULL, s->name, "the schema has %d fields; the limit is %d", s->nfields, AV_FIELDS_MAX);
    int npk = 0, nvec = 0;
    for (int i = 0; i < s->nfields; i++) {
        if ((rc = check_field(&s->fields[i], s->name, err))) return rc;
        npk += s->fields[i].primary != 0;
        nvec += s->fields[i].type == AV_T_FLOAT_VECTOR;
        for (int j = 0; j < i; j++)
            if (strcmp(s->fields[i].name, s->fields[j].name) == 0)
                return av_fail_on(err, AV_EINVAL, AV_ENT_FIELD, AV_R_DUPLICATE, s->fields[i].name, s->name, "duplicate field name \"%s\"", s->fields[i].name);
        if (strcmp(s->fields[i].name, "$meta") == 0)
            return av_fail_on(err, AV_EINVAL, AV_ENT_FIELD, AV_R_NONE, "$meta", s->name, "\"$meta\" is reserved for the dynamic field");
    }
    if (npk != 1)
        return av_fail_on(err, AV_EINVAL, AV_ENT_PK, npk ? AV_R_DUPLICATE : AV_R_MISSING, NULL, s->name, "the schema has %d primary key fields; make exactly one Int64 or VarChar field the primary key", npk);
    if (nvec != 1)
        return av_fail_on(err, AV_EINVAL, AV_ENT_VECTOR, nvec ? AV_R_DUPLICATE : AV_R_MISSING, NULL, s->name, "the schema has %d float vector fields; annovec needs exactly one FloatVector field", nvec);
    return AV_OK;
}

static int field_equal(const av_field *a, const av_field *b)
{
    return strcmp(a->name, b->name) == 0 && a->type == b->type && a->element_type == b->element_type &&
           a->primary == b->primary && a->auto_id == b->auto_id && a->max_length == b->max_length &&
           a->max_capacity == b->max_capacity && a->dim == b->dim && a->nullable == b->nullable &&
           strcmp(a->description, b->description) == 0 && strcmp(a->ext_type, b->ext_type) == 0 &&
           (a->default_value ? b->default_value && json_object_equal(a->default_value, b->default_value) : !b->default_value);
}

int av_schema_equal(const av_schema *a, const av_schema *b)
{
    if (strcmp(a->name, b->name) || strcmp(a->description, b->description) || a->nfields != b->nfields ||
        a->dynamic != b->dynamic || a->metric != b->metric || strcmp(a->index_name, b->index_name) ||
        strcmp(a->index_type, b->index_type))
        return 0;
    for (int i = 0; i < a->nfields; i++)
        if (!field_equal(&a->fields[i], &b->fields[i])) return 0;
    return 1;
}

/* ---- properties ---------------------------------------------------------------------------- */

/* A new object: props with `set`'s members (string values) and without the keys in drop. AV_EINVAL for a
 * value that is not a string, AV_ELIMIT beyond the bounds (annovec.h). */
int props_apply(json_object *props, json_object *set, const char *const *drop, size_t ndrop, json_object **out, av_err *err)
{
    json_object *n = NULL;
    json_object_deep_copy(props, &n, NULL);
    for (size_t i = 0; i < ndrop; i++) json_object_object_del(n, drop[i]);
    if (set) {
        json_object_object_foreach(set, k, v) {
            if (strlen(k) < 1 || strlen(k) > AV_NAME_MAX || !json_object_is_type(v, json_type_string) ||
                json_object_get_string_len(v) > AV_PROP_VALUE_MAX) {
                json_object_put(n);
                return av_fail_on(err, AV_EINVAL, AV_ENT_NONE, AV_R_NONE, k, NULL, "property \"%.64s\": keys are 1..%d bytes, values strings of at most %d bytes", k, AV_NAME_MAX, AV_PROP_VALUE_MAX);
            }
            json_object_object_add(n, k, json_object_get(v));
        }
    }
    if (json_object_object_length(n) > AV_PROPS_MAX) {
        int len = json_object_object_length(n);
        json_object_put(n);
        return av_fail_on(err, AV_ELIMIT, AV_ENT_NONE, AV_R_NONE, NULL, NULL, "%d properties; the limit is %d", len, AV_PROPS_MAX);
    }
    *out = n;
    return AV_OK;
}

/* ---- stored JSON form ----------------------------------------------------------------------- */

json_object *schema_to_json(const av_schema *s)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "v", json_object_new_int(1));
    json_object_object_add(o, "name", json_object_new_string(s->name));
    json_object_object_add(o, "description", json_object_new_string(s->description));
    json_object_object_add(o, "dynamic", json_object_new_boolean(s->dynamic));
    json_object_object_add(o, "metric", json_object_new_string(av_metric_name(s->metric)));
    json_object_object_add(o, "index_name", json_object_new_string(s->index_name));
    json_object_object_add(o, "index_type", json_object_new_string(s->index_type));
    json_object_object_add(o, "created_ms", json_object_new_int64(s->created_ms));
    json_object *fields = json_object_new_array();
    for (int i = 0; i < s->nfields; i++) {
        const av_field *f = &s->fields[i];
        json_object *fo = json_object_new_object();
        json_object_object_add(fo, "name", json_object_new_string(f->name));
        json_object_object_add(fo, "type", json_object_new_string(av_type_name(f->type)));
        json_object_object_add(fo, "element_type", json_object_new_string(av_type_name(f->element_type)));
        json_object_object_add(fo, "primary", json_object_new_boolean(f->primary));
        json_object_object_add(fo, "auto_id", json_object_new_boolean(f->auto_id));
        json_object_object_add(fo, "max_length", json_object_new_int(f->max_length));
        json_object_object_add(fo, "max_capacity", json_object_new_int(f->max_capacity));
        json_object_object_add(fo, "dim", json_object_new_int(f->dim));
        json_object_object_add(fo, "nullable", json_object_new_boolean(f->nullable));
        json_object *d = NULL;
        if (f->default_value) json_object_deep_copy(f->default_value, &d, NULL);
        json_object_object_add(fo, "default", d);
        json_object_object_add(fo, "description", json_object_new_string(f->description));
        json_object_object_add(fo, "ext_type", json_object_new_string(f->ext_type));
        json_object_array_add(fields, fo);
    }
    json_object_object_add(o, "fields", fields);
    return o;
}

static const char *jstr(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

static int64_t jint(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

int schema_from_json(json_object *o, av_schema *s, av_err *err)
{
    av_schema_init(s);
    if (jint(o, "v") != 1)
        return av_fail_on(err, AV_EIO, AV_ENT_COLLECTION, AV_R_NONE, NULL, NULL, "stored schema has an unknown version");
    snprintf(s->name, sizeof s->name, "%s", jstr(o, "name"));
    snprintf(s->description, sizeof s->description, "%s", jstr(o, "description"));
    s->dynamic = (int)jint(o, "dynamic");
    av_metric_from_name(jstr(o, "metric"), &s->metric);
    snprintf(s->index_name, sizeof s->index_name, "%s", jstr(o, "index_name"));
    snprintf(s->index_type, sizeof s->index_type, "%s", jstr(o, "index_type"));
    s->created_ms = jint(o, "created_ms");
    json_object *fields;
    if (!json_object_object_get_ex(o, "fields", &fields) || !json_object_is_type(fields, json_type_array))
        return av_fail_on(err, AV_EIO, AV_ENT_COLLECTION, AV_R_NONE, NULL, NULL, "stored schema has no fields");
    for (size_t i = 0; i < json_object_array_length(fields); i++) {
        json_object *fo = json_object_array_get_idx(fields, i);
        av_type t = AV_T_NONE, et = AV_T_NONE;
        av_type_from_name(jstr(fo, "type"), &t);
        av_type_from_name(jstr(fo, "element_type"), &et);
        av_field *f = av_schema_add_field(s, jstr(fo, "name"), t);
        f->element_type = et;
        f->primary = (int)jint(fo, "primary");
        f->auto_id = (int)jint(fo, "auto_id");
        f->max_length = (int)jint(fo, "max_length");
        f->max_capacity = (int)jint(fo, "max_capacity");
        f->dim = (int)jint(fo, "dim");
        f->nullable = (int)jint(fo, "nullable");
        json_object *d;
        if (json_object_object_get_ex(fo, "default", &d) && d)
            json_object_deep_copy(d, &f->default_value, NULL);
        snprintf(f->description, sizeof f->description, "%s", jstr(fo, "description"));
        snprintf(f->ext_type, sizeof f->ext_type, "%s", jstr(fo, "ext_type"));
    }
    return AV_OK;
}
