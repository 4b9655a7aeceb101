/*
 * rows.c — JSON <-> engine values for the vector dialects (see rows.h). No state, no locking.
 */
#include "api/rows.h"
#include "http/http.h"
#include "lib/util.h"

#include <errno.h>
#include <openssl/evp.h>
#include <inttypes.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* av_fail_on about item `index` of a list (a row, an id, an output field; -1: the list itself). */
/* ---- rows in --------------------------------------------------------------------------------- */

static int row_pk(const av_collection *c, json_object *v, size_t i, av_pk *pk, av_err *err)
{
    const av_schema *s = av_collection_schema(c);
    const av_field *pkf = av_schema_pk(s);
    if (pkf->type == AV_T_VARCHAR) {
        if (!json_object_is_type(v, json_type_string))
            return av_fail_item(err, (int64_t)i, AV_ETYPE, AV_ENT_PK, AV_R_NONE, pkf->name, s->name, "row %zu: primary key \"%s\" is VarChar; send a string", i, pkf->name);
        *pk = (av_pk){ 1, 0, json_object_get_string(v) };
        return AV_OK;
    }
    int64_t id;
    if (av_json_get_int64(v, 1, &id))
        return av_fail_item(err, (int64_t)i, AV_ETYPE, AV_ENT_PK, AV_R_NONE, pkf->name, s->name, "row %zu: primary key \"%s\" is Int64; send an integer (up to 2^63-1)", i, pkf->name);
    *pk = (av_pk){ 0, id, NULL };
    return AV_OK;
}

static int row_parse(const av_collection *c, json_object *obj, size_t i, int mode, av_row *row, float *vec, av_err *err)
{
    const av_schema *s = av_collection_schema(c);
    const av_field *pkf = av_schema_pk(s), *vf = av_schema_vector(s);
    if (!json_object_is_type(obj, json_type_object))
        return av_fail_item(err, (int64_t)i, AV_EINVAL, AV_ENT_ROW, AV_R_NONE, NULL, s->name, "row %zu of data is not a JSON object", i);
    if (json_object_object_length(obj) == 0)
        return av_fail_item(err, (int64_t)i, AV_EINVAL, AV_ENT_ROW, AV_R_EMPTY, NULL, s->name, "row %zu of data is an empty object", i);
    json_object *v;
    int assign_pk = mode & API_ASSIGN_PK;
    int has_pk = json_object_object_get_ex(obj, pkf->name, &v) && v;
    if (assign_pk && has_pk)
        return av_fail_item(err, (int64_t)i, AV_EPK, AV_ENT_PK, AV_R_NONE, pkf->name, s->name, "row %zu: the primary key \"%s\" is assigned by the server (autoID); remove it from the row", i, pkf->name);
    if (!assign_pk && !has_pk)
        return av_fail_item(err, (int64_t)i, AV_EPK, AV_ENT_PK, AV_R_MISSING, pkf->name, s->name, "row %zu: the primary key \"%s\" is missing", i, pkf->name);
    int rc;
    if (has_pk && (rc = row_pk(c, v, i, &row->pk, err))) return rc;
    if (!json_object_object_get_ex(obj, vf->name, &v) || !v) {
        if (!(mode & API_VECTOR_OPTIONAL))
            return av_fail_item(err, (int64_t)i, AV_EFIELD, AV_ENT_VECTOR, AV_R_MISSING, vf->name, s->name, "row %zu: the vector field \"%s\" is missing", i, vf->name);
        vec = NULL;
    } else if ((rc = api_vector_value(v, vf->dim, mode & API_VECTOR_BASE64, vec, err))) {
        char inner[sizeof err->msg];
        snprintf(inner, sizeof inner, "%s", err->msg);
        return av_fail_item(err, (int64_t)i, rc, AV_ENT_VECTOR, AV_R_NONE, vf->name, s->name, "row %zu: %s", i, inner);
    }
    row->vec = vec;
    row->doc = json_object_new_object();
    json_object_object_foreach(obj, key, val) {
        if (strcmp(key, pkf->name) == 0 || strcmp(key, vf->name) == 0) continue;
        json_object_object_add(row->doc, key, json_object_get(val));
    }
    return AV_OK;
}

int api_rows_parse(const av_collection *c, json_object *data, int mode, size_t max_rows, api_rows *out, av_err *err)
{
    memset(out, 0, sizeof *out);
    int single = json_object_is_type(data, json_type_object);
    if (!single && !json_object_is_type(data, json_type_array))
        return av_fail_item(err, -1, AV_EINVAL, AV_ENT_ROW, AV_R_NONE, NULL, NULL, "data must be an array of row objects (or one object)");
    size_t n = single ? 1 : json_object_array_length(data);
    if (n == 0) return av_fail_item(err, -1, AV_EINVAL, AV_ENT_ROW, AV_R_EMPTY, NULL, NULL, "data is empty; send at least one row");
    if (n > max_rows) return av_fail_item(err, -1, AV_ELIMIT, AV_ENT_ROW, AV_R_NONE, NULL, NULL, "data has %zu rows; the limit is %zu per request", n, max_rows);
    int dim = av_schema_vector(av_collection_schema(c))->dim;
    out->rows = xcalloc(n, sizeof(av_row));
    out->vecs = xmalloc(sizeof(float) * (size_t)dim * n);
    out->n = n;
    for (size_t i = 0; i < n; i++) {
        json_object *obj = single ? data : json_object_array_get_idx(data, i);
        int rc = row_parse(c, obj, i, mode, &out->rows[i], out->vecs + i * (size_t)dim, err);
        if (rc) { api_rows_free(out); return rc; }
    }
    return AV_OK;
}

void api_rows_free(api_rows *r)
{
    for (size_t i = 0; r->rows && i < r->n; i++)
        if (r->rows[i].doc) json_object_put(r->rows[i].doc);
    free(r->rows);
    free(r->vecs);
    memset(r, 0, sizeof *r);
}

int api_vector_value(json_object *v, int dim, int allow_base64, float *out, av_err *err)
{
    if (!allow_base64 || !json_object_is_type(v, json_type_string)) return av_json_get_vector(v, dim, out, err);
    const char *s = json_object_get_string(v);
    size_t n = (size_t)json_object_get_string_len(v);
    if (n == 0 || n % 4 || n / 4 * 3 > (size_t)dim * 8 + 3)
        return av_fail_item(err, -1, AV_EDIM, AV_ENT_VECTOR, AV_R_NONE, NULL, NULL, "a base64 vector must encode %d float32 (%d bytes) or float64 (%d bytes) values", dim, dim * 4, dim * 8);
    unsigned char *raw = xmalloc(n / 4 * 3 + 1);
    int len = EVP_DecodeBlock(raw, (const unsigned char *)s, (int)n);
    if (len > 0 && s[n - 1] == '=') len--;
    if (len > 0 && s[n - 2] == '=') len--;
    int rc = AV_OK;
    if (len == dim * 4) {
        for (int k = 0; k < dim; k++) memcpy(&out[k], raw + 4 * k, 4);
    } else if (len == dim * 8) {
        for (int k = 0; k < dim; k++) { double d; memcpy(&d, raw + 8 * k, 8); out[k] = (float)d; }
    } else rc = av_fail_item(err, -1, len < 0 ? AV_ETYPE : AV_EDIM, AV_ENT_VECTOR, AV_R_NONE, NULL, NULL, "the base64 vector decodes to %d bytes; dimension %d needs %d (float32) or %d (float64)", len, dim, dim * 4, dim * 8);
    free(raw);
    for (int k = 0; rc == AV_OK && k < dim; k++)
        if (!isfinite(out[k])) rc = av_fail_item(err, -1, AV_EINVAL, AV_ENT_VECTOR, AV_R_NONE, NULL, NULL, "vector element %d is NaN or infinite", k);
    return rc;
}

/* ---- ids ------------------------------------------------------------------------------------- */

static int parse_int64_text(const char *s, int64_t *out)
{
    if (!*s) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s || *s == ' ' || *s == '+') return -1;
    *out = v;
    return 0;
}

/* Id #i of a list for the primary key field pkf. */
static int id_one(const av_field *pkf, json_object *v, size_t i, av_pk *pk, av_err *err)
{
    if (pkf->type == AV_T_VARCHAR) {
        if (!json_object_is_type(v, json_type_string))
            return av_fail_item(err, (int64_t)i, AV_ETYPE, AV_ENT_PK, AV_R_NONE, pkf->name, NULL, "id #%zu is %s; the primary key is VarChar, send strings", i, json_type_to_name(json_object_get_type(v)));
        *pk = (av_pk){ 1, 0, json_object_get_string(v) };
        return AV_OK;
    }
    if (json_object_is_type(v, json_type_string)) {
        int64_t x;
        if (parse_int64_text(json_object_get_string(v), &x))
            return av_fail_item(err, (int64_t)i, AV_EPK, AV_ENT_PK, AV_R_NONE, pkf->name, NULL, "id #%zu \"%.64s\" is not an Int64; the primary key is Int64", i, json_object_get_string(v));
        *pk = (av_pk){ 0, x, NULL };
        return AV_OK;
    }
    int64_t x;
    if (av_json_get_int64(v, 0, &x))
        return av_fail_item(err, (int64_t)i, AV_ETYPE, AV_ENT_PK, AV_R_NONE, pkf->name, NULL, "id #%zu is %s; the primary key is Int64, send integers", i,
                       json_object_is_type(v, json_type_double) ? "a number with a fraction or out of range" : json_type_to_name(json_object_get_type(v)));
    *pk = (av_pk){ 0, x, NULL };
    return AV_OK;
}

int api_ids_parse(const av_collection *c, json_object *ids, av_pk **out, size_t *n, av_err *err)
{
    const av_field *pkf = av_schema_pk(av_collection_schema(c));
    int arr = json_object_is_type(ids, json_type_array);
    size_t m = arr ? json_object_array_length(ids) : 1;
    av_pk *pks = xcalloc(m ? m : 1, sizeof(av_pk));
    for (size_t i = 0; i < m; i++) {
        int rc = id_one(pkf, arr ? json_object_array_get_idx(ids, i) : ids, i, &pks[i], err);
        if (rc) { free(pks); return rc; }
    }
    *out = pks;
    *n = m;
    return AV_OK;
}

/* ---- output fields --------------------------------------------------------------------------- */

void api_fields_free(api_fields *f)
{
    for (size_t i = 0; i < f->n; i++) free(f->names[i]);
    free(f->names);
    memset(f, 0, sizeof *f);
}

int api_fields_parse(const av_collection *c, json_object *arr, int default_all, api_fields *out, av_err *err)
{
    const av_schema *s = av_collection_schema(c);
    memset(out, 0, sizeof *out);
    if (!arr || (json_object_is_type(arr, json_type_array) && json_object_array_length(arr) == 0)) {
        out->all = default_all;
        return AV_OK;
    }
    if (!json_object_is_type(arr, json_type_array))
        return av_fail_item(err, -1, AV_EINVAL, AV_ENT_FIELD, AV_R_NONE, NULL, s->name, "outputFields must be an array of field names");
    size_t n = json_object_array_length(arr);
    out->names = xcalloc(n, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(arr, i);
        if (!json_object_is_type(v, json_type_string)) {
            api_fields_free(out);
            return av_fail_item(err, (int64_t)i, AV_EINVAL, AV_ENT_FIELD, AV_R_NONE, NULL, s->name, "outputFields[%zu] is not a string", i);
        }
        const char *name = json_object_get_string(v);
        if (strcmp(name, "*") == 0) { out->all = 1; continue; }
        if (strcasecmp(name, "count(*)") == 0) { out->count = 1; continue; }
        if (!av_schema_field(s, name) && !s->dynamic) {
            api_fields_free(out);
            return av_fail_item(err, (int64_t)i, AV_EFIELD, AV_ENT_FIELD, AV_R_UNKNOWN, name, s->name, "field %s not exist: outputFields names a field that is not in the schema of \"%s\"", name, s->name);
        }
        out->names[out->n++] = xstrdup(name);
    }
    return AV_OK;
}

json_object *api_pk_json(const av_pk *pk, int int64_as_string)
{
    if (pk->is_str) return json_object_new_string(pk->s);
    if (int64_as_string) {
        char b[24];
        snprintf(b, sizeof b, "%" PRId64, pk->i);
        return json_object_new_string(b);
    }
    return json_object_new_int64(pk->i);
}

static json_object *vector_json(const float *v, int dim)
{
    json_object *a = json_object_new_array_ext(dim);
    for (int k = 0; k < dim; k++) json_object_array_add(a, av_json_float(v[k]));
    return a;
}

/* A copy of a stored value (the stored object is shared and read-only). */
static json_object *value_json(const av_field *f, json_object *v, int int64_as_string)
{
    if (!v) return NULL;
    if (f && f->type == AV_T_INT64 && int64_as_string && json_object_is_type(v, json_type_int)) {
        char b[24];
        snprintf(b, sizeof b, "%" PRId64, json_object_get_int64(v));
        return json_object_new_string(b);
    }
    if (f && f->type == AV_T_FLOAT && (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
        return av_json_float((float)json_object_get_double(v));
    json_object *copy = NULL;
    json_object_deep_copy(v, &copy, NULL);
    return copy;
}

static void add_field(json_object *out, const av_collection *c, const av_row_view *row, const char *name, int i64s)
{
    const av_schema *s = av_collection_schema(c);
    const av_field *f = av_schema_field(s, name);
    if (f && f->primary) return;   /* rendered under pk_key */
    if (f && f->type == AV_T_FLOAT_VECTOR) {
        json_object_object_add(out, name, vector_json(row->vec, f->dim));
        return;
    }
    json_object *v = NULL;
    if (!json_object_object_get_ex((json_object *)row->doc, name, &v)) {
        if (!f) return;
        if (!f->default_value) { json_object_object_add(out, name, NULL); return; }
        v = f->default_value;   /* a field added after the row was stored */
    }
    json_object_object_add(out, name, value_json(f, v, i64s));
}

/* ---- the answer budget ------------------------------------------------------------------------ */

static _Thread_local size_t budget_spent;   /* one request at a time per server thread */

void api_budget_reset(void) { budget_spent = 0; }

int api_budget_check(av_err *err)
{
    if (budget_spent <= API_ANSWER_MAX_BYTES) return AV_OK;
    return av_fail_on(err, AV_ELIMIT, AV_ENT_ROW, AV_R_NONE, NULL, NULL,
                      "the answer would be more than %u bytes (the limit of one answer): ask for fewer rows (limit, nq) or fewer outputFields, and page with offset", API_ANSWER_MAX_BYTES);
}

/* Estimated JSON bytes of v (depth-bounded: stored documents are at most 64 levels deep). */
static size_t json_size(json_object *v, int depth)
{
    size_t n = 0;
    if (depth > 80) return 0;
    switch (json_object_get_type(v)) {
    case json_type_null: return 4;
    case json_type_boolean: return 5;
    case json_type_int: return 20;
    case json_type_double: return 24;
    case json_type_string: return (size_t)json_object_get_string_len(v) + 2;
    case json_type_array:
        for (size_t i = 0; i < json_object_array_length(v); i++) n += json_size(json_object_array_get_idx(v, i), depth + 1) + 1;
        return n + 2;
    case json_type_object: {
        json_object_object_foreach(v, k, val) n += strlen(k) + 4 + json_size(val, depth + 1);
        return n + 2;
    }
    }
    return n;
}

json_object *api_score_json(float d)
{
    if (isnan(d)) d = FLT_MAX;
    else if (isinf(d)) d = d > 0 ? FLT_MAX : -FLT_MAX;
    return av_json_float(d);
}

json_object *api_render_row(const av_collection *c, const av_row_view *row, const api_fields *sel,
                           const char *pk_key, int int64_as_string)
{
    if (budget_spent > API_ANSWER_MAX_BYTES) return json_object_new_object();   /* refused anyway */
    const av_schema *s = av_collection_schema(c);
    json_object *out = json_object_new_object();
    json_object_object_add(out, pk_key, api_pk_json(&row->pk, int64_as_string));
    if (sel->all) {
        for (int k = 0; k < s->nfields; k++) add_field(out, c, row, s->fields[k].name, int64_as_string);
        json_object_object_foreach((json_object *)row->doc, key, val) {
            (void)val;
            if (!av_schema_field(s, key)) add_field(out, c, row, key, int64_as_string);
        }
    }
    for (size_t i = 0; i < sel->n; i++)
        if (!json_object_object_get_ex(out, sel->names[i], NULL)) add_field(out, c, row, sel->names[i], int64_as_string);
    budget_spent += json_size(out, 0) + 40;   /* + a distance or score and its key */
    return out;
}

/* ---- search vectors -------------------------------------------------------------------------- */

int api_hits_check(int nq, int64_t limit, av_err *err)
{
    if (nq < 1 || limit < 1 || limit <= API_HITS_MAX / nq) return AV_OK;
    return av_fail_item(err, -1, AV_ELIMIT, AV_ENT_VECTOR, AV_R_NONE, NULL, NULL,
                        "%d query vectors x limit %" PRId64 " could answer more than %d rows; send fewer vectors or a smaller limit", nq, limit, API_HITS_MAX);
}

int api_vectors_parse(const av_collection *c, json_object *v, int allow_nested, float **queries, int *nq, av_err *err)
{
    return api_vectors_parse_ex(c, v, allow_nested, 0, queries, nq, err);
}

int api_vectors_parse_ex(const av_collection *c, json_object *v, int allow_nested, int allow_base64, float **queries, int *nq, av_err *err)
{
    int dim = av_schema_vector(av_collection_schema(c))->dim;
    if (allow_base64 && json_object_is_type(v, json_type_string)) {
        float *one = xmalloc(sizeof(float) * (size_t)dim);
        int rc = api_vector_value(v, dim, 1, one, err);
        if (rc) { free(one); return rc; }
        *queries = one;
        *nq = 1;
        return AV_OK;
    }
    if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0)
        return av_fail_item(err, -1, AV_EINVAL, AV_ENT_VECTOR, AV_R_NONE, NULL, NULL, "the query vector must be a non-empty array of numbers");
    json_object *first = json_object_array_get_idx(v, 0);
    int nested = allow_nested && (json_object_is_type(first, json_type_array) || (allow_base64 && json_object_is_type(first, json_type_string)));
    size_t n = nested ? json_object_array_length(v) : 1;
    if (n > API_NQ_MAX) return av_fail_item(err, -1, AV_ELIMIT, AV_ENT_VECTOR, AV_R_NONE, NULL, NULL, "%zu query vectors; the limit is %d per request", n, API_NQ_MAX);
    float *q = xmalloc(sizeof(float) * (size_t)dim * n);
    for (size_t i = 0; i < n; i++) {
        int rc = api_vector_value(nested ? json_object_array_get_idx(v, i) : v, dim, allow_base64, q + i * (size_t)dim, err);
        if (rc) { free(q); return rc; }
    }
    *queries = q;
    *nq = (int)n;
    return AV_OK;
}
