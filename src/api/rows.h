/*
 * rows.h — the vector dialects' shared translation between JSON and engine values: rows in (insert,
 * upsert, update), id lists, vectors, output-field selection and rows out. Used by Milvus v1/v2 and
 * VikingDB V1/V2; errors are engine-style av_err codes, each dialect maps them to its own.
 */
#ifndef AV_API_ROWS_H
#define AV_API_ROWS_H

#include "annovec.h"

#define API_NQ_MAX 1024   /* query vectors in one search (Milvus allows 16,384) */
#define API_HITS_MAX 65536   /* nq x limit: rows one search may answer (4 x 16,384; VikingDB's 10 x 5,000) */

/* The answer budget: the rows one request answers are at most API_ANSWER_MAX_BYTES of estimated
 * JSON (strings' bytes, 20 per integer, 24 per float, keys and punctuation; 16,384 rows of small
 * fields are ~1.5 MB). api_render_row charges every row it renders to the calling thread's budget,
 * which api_begin resets; once over, it renders empty objects (no more memory is spent) and the
 * dialect answers api_budget_check's AV_ELIMIT instead of the rows. */
#define API_ANSWER_MAX_BYTES (8u << 20)
void api_budget_reset(void);
int  api_budget_check(av_err *err);
/* A distance or score as JSON: finite floats as they are; +-inf (an overflow of float32) and NaN are
 * clamped to +-FLT_MAX (NaN to +FLT_MAX), never null. */
json_object *api_score_json(float d);

/* AV_ELIMIT when nq queries of `limit` hits each could answer more than API_HITS_MAX rows. */
int api_hits_check(int nq, int64_t limit, av_err *err);


/* Rows of an insert/upsert/update: data is one object or an array of objects. On success *rows has
 * *n entries whose vec points into *vecs (NULL when an update leaves it out) and whose doc objects
 * are owned by the rows (free with api_rows_free). Modes: API_ASSIGN_PK, the engine assigns pks
 * (auto_id insert) and a row that names the pk is refused with AV_EPK; API_VECTOR_OPTIONAL, a row may
 * leave the vector out (updates); API_VECTOR_BASE64, a vector may also be a base64 string of packed
 * little-endian float32 or float64 values (VikingDB). Errors: AV_EINVAL (shape), AV_EPK, AV_EDIM, AV_ETYPE, AV_EFIELD,
 * AV_ELIMIT. */
enum { API_ASSIGN_PK = 1, API_VECTOR_OPTIONAL = 2, API_VECTOR_BASE64 = 4 };
typedef struct api_rows { av_row *rows; float *vecs; size_t n; } api_rows;
int  api_rows_parse(const av_collection *c, json_object *data, int mode, size_t max_rows, api_rows *out, av_err *err);
void api_rows_free(api_rows *r);

/* Ids from a scalar or an array (ints, strings, or a comma-separated string from a query string).
 * Int64 pk: numbers or decimal strings; VarChar pk: strings. AV_ETYPE: an element of a JSON type
 * that cannot be an id (float with fraction, bool, object); AV_EPK: a string that is not an Int64.
 * String pks point into `ids` (borrowed). */
int api_ids_parse(const av_collection *c, json_object *ids, av_pk **out, size_t *n, av_err *err);

/* Output-field selection. */
typedef struct api_fields {
    int all;                   /* "*": every scalar field, dynamic keys and the vector */
    int count;                 /* ["count(*)"] */
    char **names;
    size_t n;
} api_fields;
/* arr: NULL/absent or array of strings. Unknown names are refused (AV_EFIELD) unless the schema is
 * dynamic (then they name dynamic keys). */
int  api_fields_parse(const av_collection *c, json_object *arr, int default_all, api_fields *out, av_err *err);
void api_fields_free(api_fields *f);

/* A new JSON object for a row: pk under pk_key, then the selected fields. */
json_object *api_render_row(const av_collection *c, const av_row_view *row, const api_fields *sel,
                           const char *pk_key, int int64_as_string);
/* JSON value of a pk (string form for Int64 when int64_as_string). */
json_object *api_pk_json(const av_pk *pk, int int64_as_string);

/* One vector: a JSON array of dim numbers, or (allow_base64) a base64 string of dim packed
 * little-endian float32 or float64 values. */
int api_vector_value(json_object *v, int dim, int allow_base64, float *out, av_err *err);

/* Reads a search vector list: v2 `data` ([[...]] or a single [...]), v1 `vector` ([...]).
 * *queries gets nq*dim floats (caller frees). */
int api_vectors_parse(const av_collection *c, json_object *v, int allow_nested, float **queries, int *nq, av_err *err);
/* The same; allow_base64 also takes base64 vectors (one string, or strings in the list). */
int api_vectors_parse_ex(const av_collection *c, json_object *v, int allow_nested, int allow_base64, float **queries, int *nq, av_err *err);

#endif
