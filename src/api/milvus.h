/*
 * milvus.h — what the Milvus v1 and v2 dialects share: request body and parameter reading, turning
 * JSON rows into engine rows, id lists, output-field selection and row rendering. Each dialect keeps
 * its own envelope and error codes; this file only reports engine-style av_err codes.
 */
#ifndef AV_MILVUS_H
#define AV_MILVUS_H

#include "annovec.h"
#include "http/http.h"

/* Result of reading a string member: absent, present, or of the wrong type. */
enum { MV_ABSENT = 0, MV_OK = 1, MV_WRONG_TYPE = -1 };

#define MV_NQ_MAX 1024

/* Parses the body as a JSON object. Returns AV_OK, or AV_EINVAL (err says why; `empty` set when the
 * body was empty). */
int mv_parse_body(const av_http_req *req, json_object **out, int *empty, av_err *err);
int mv_get_str(json_object *o, const char *key, const char **out);
/* Integer member (JSON integer, or an integral double); MV_ABSENT / MV_OK / MV_WRONG_TYPE. */
int mv_get_int(json_object *o, const char *key, int64_t *out);
int mv_get_bool(json_object *o, const char *key, int *out);
int mv_get_num(json_object *o, const char *key, double *out);

/* Envelopes shared by v1 and v2: {"code":code,"message":msg} with an HTTP status, and
 * {"code":code,"data":data} (data NULL: {}) with 200. Both take ownership of data. */
void mv_reply_error(av_http_res *res, int status, int code, const char *msg);
void mv_reply_ok(av_http_res *res, int code, json_object *data);

/* Header Accept-Type-Allow-Int64: false renders Int64 values as strings. */
int mv_int64_as_string(const av_http_req *req);
/* Principal's project for the request. */
const char *mv_project(const av_http_req *req);

/* Rows of an insert/upsert/update: data is one object or an array of objects. On success *rows has
 * *n entries whose vec points into *vecs (NULL when an update leaves it out) and whose doc objects
 * are owned by the rows (free with mv_rows_free). Modes: MV_ASSIGN_PK, the engine assigns pks
 * (auto_id insert) and a row that names the pk is refused with AV_EPK; MV_VECTOR_OPTIONAL, a row may
 * leave the vector out (updates); MV_VECTOR_BASE64, a vector may also be a base64 string of packed
 * little-endian float32 or float64 values (VikingDB). Errors: AV_EINVAL (shape), AV_EPK, AV_EDIM, AV_ETYPE, AV_EFIELD,
 * AV_ELIMIT. */
enum { MV_ASSIGN_PK = 1, MV_VECTOR_OPTIONAL = 2, MV_VECTOR_BASE64 = 4 };
typedef struct mv_rows { av_row *rows; float *vecs; size_t n; } mv_rows;
int  mv_rows_parse(const av_collection *c, json_object *data, int mode, size_t max_rows, mv_rows *out, av_err *err);
void mv_rows_free(mv_rows *r);

/* Ids from a scalar or an array (ints, strings, or a comma-separated string from a query string).
 * Int64 pk: numbers or decimal strings; VarChar pk: strings. AV_ETYPE: an element of a JSON type
 * that cannot be an id (float with fraction, bool, object); AV_EPK: a string that is not an Int64.
 * String pks point into `ids` (borrowed). */
int mv_ids_parse(const av_collection *c, json_object *ids, av_pk **out, size_t *n, av_err *err);

/* Output-field selection. */
typedef struct mv_fields {
    int all;                   /* "*": every scalar field, dynamic keys and the vector */
    int count;                 /* ["count(*)"] */
    char **names;
    size_t n;
} mv_fields;
/* arr: NULL/absent or array of strings. Unknown names are refused (AV_EFIELD) unless the schema is
 * dynamic (then they name dynamic keys). */
int  mv_fields_parse(const av_collection *c, json_object *arr, int default_all, mv_fields *out, av_err *err);
void mv_fields_free(mv_fields *f);

/* A new JSON object for a row: pk under pk_key, then the selected fields. */
json_object *mv_render_row(const av_collection *c, const av_row_view *row, const mv_fields *sel,
                           const char *pk_key, int int64_as_string);
/* JSON value of a pk (string form for Int64 when int64_as_string). */
json_object *mv_pk_json(const av_pk *pk, int int64_as_string);

/* One vector: a JSON array of dim numbers, or (allow_base64) a base64 string of dim packed
 * little-endian float32 or float64 values. */
int mv_vector_value(json_object *v, int dim, int allow_base64, float *out, av_err *err);

/* Reads a search vector list: v2 `data` ([[...]] or a single [...]), v1 `vector` ([...]).
 * *queries gets nq*dim floats (caller frees). */
int mv_vectors_parse(const av_collection *c, json_object *v, int allow_nested, float **queries, int *nq, av_err *err);
/* The same; allow_base64 also takes base64 vectors (one string, or strings in the list). */
int mv_vectors_parse_ex(const av_collection *c, json_object *v, int allow_nested, int allow_base64, float **queries, int *nq, av_err *err);

#endif
