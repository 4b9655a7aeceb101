/*
 * modelarts.h — what the ModelArts handlers share (modelarts_common.c): authentication (X-Auth-Token,
 * SDK-HMAC-SHA256 AK/SK, Bearer), the project check, the error envelope
 * {"error_code":"ModelArts.NNNN","error_msg":...} with the one table from engine failures to codes,
 * request parsing (JSON to the engine's structs), the signed file URLs and the renderings of engine
 * documents under ModelArts names.
 */
#ifndef AV_MODELARTS_H
#define AV_MODELARTS_H

#include "annovec_dataset.h"
#include "http/http.h"

extern const av_dialect ma_dialect;
extern const av_dialect ma_file_dialect;   /* also accepts a pre-signed URL (Expires + Signature) */

/* ModelArts error codes used here (specs/modelarts.md §8). */
#define MA_INVALID        "ModelArts.0107"  /* invalid request parameter */
#define MA_INTERNAL       "ModelArts.0010"
#define MA_TOO_LARGE      "ModelArts.4104"
#define MA_BAD_PATH       "ModelArts.4205"
#define MA_FILE_NOT_FOUND "ModelArts.4345"
#define MA_DS_EXISTS      "ModelArts.4351"
#define MA_DS_NOT_FOUND   "ModelArts.4352"
#define MA_VER_NOT_FOUND  "ModelArts.4353"
#define MA_VER_EXISTS     "ModelArts.4371"
#define MA_LABEL_NOT_FOUND "ModelArts.4410"
#define MA_LABEL_EXISTS   "ModelArts.4411"
#define MA_SAMPLE_NOT_FOUND "ModelArts.4420"
#define MA_UPLOAD_FAILED  "ModelArts.4421"
#define MA_SAMPLE_EXISTS  "ModelArts.4422"
#define MA_OVERSIZED      "ModelArts.4656"
#define MA_NO_TOKEN       "ModelArts.0201"
#define MA_TOKEN_EXPIRED  "ModelArts.0202"
#define MA_BAD_TOKEN      "ModelArts.0203"
#define MA_WRONG_PROJECT  "ModelArts.0210"

/* Writes {"error_code", "error_msg"} with the HTTP status. */
void ma_error(av_http_res *res, int status, const char *code, const char *msg);
/* ma_error with HTTP 400 and a formatted message; returns -1 (for "return ma_errorf(...)"). */
int ma_errorf(av_http_res *res, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A member of a JSON object, or NULL (borrowed). */
json_object *ma_get(json_object *o, const char *key);
/* Adds error_code/error_msg for an engine failure to a batch result w. */
void ma_result_error(json_object *w, const av_err *e);
/* The ModelArts code for an engine failure, by (code, entity, reason). */
const char *ma_code_of(const av_err *e);
/* The error_msg for an engine failure: ModelArts's wording where it has one, else the engine's. */
const char *ma_message_of(const av_err *e, char *buf, size_t n);
/* ma_error(400, ma_code_of(e), ma_message_of(e)) — or 500 for storage failures. */
void ma_fail(av_http_res *res, const av_err *e);

/* Reads a list of label objects {name, type?, property?, score?} (what = the field, for messages)
 * into a new array of the engine's label definitions (*out: caller frees; its strings and property
 * objects are borrowed from arr). Writes a 400 and returns -1 when one is malformed. */
int ma_labels(av_http_res *res, json_object *arr, const char *what, av_label_def **out, int *n);

/* The project the request works in: the path's {project_id}; with --auth it must be the credential's
 * project (else 403 ModelArts.0210). Writes the error and returns -1 when it cannot be used. */
int ma_project(av_http_req *req, av_http_res *res, char project[33]);
/* Parses the body as a JSON object (an empty body gives {} when allow_empty). Writes the error. */
int ma_body(av_http_req *req, av_http_res *res, int allow_empty, json_object **out);
/* An integer query parameter in [lo, hi] (def when absent); writes the error and returns -1 otherwise. */
int ma_query_int(av_http_req *req, av_http_res *res, const char *name, int lo, int hi, int def, int *out);
/* A boolean query parameter ("true"/"false"); def when absent. */
int ma_query_bool(av_http_req *req, av_http_res *res, const char *name, int def, int *out);

/* Verifies a pre-signed URL's Expires and Signature against its project and path (AV_EAUTH). */
int ma_signed_url_check(av_http_req *req, av_err *err);
/* A pre-signed URL for a file of the project, valid for ttl_s seconds (caller frees). */
char *ma_file_url(av_http_req *req, const char *project, const char *path, int ttl_s);

/* Wire renderings of engine documents. A sample's metadata shows ModelArts's import marker
 * ("@modelarts:import_origin": 0) when the engine says it was imported from the input path. */
json_object *ma_dataset_json(json_object *doc);
/* The dataset's work path, or annovec's default when it has none. */
const char *ma_work_path(json_object *dataset_doc);
json_object *ma_sample_json(av_http_req *req, const char *project, json_object *doc);
json_object *ma_version_json(json_object *doc);

void modelarts_register(void);           /* datasets, labels, versions (modelarts_v2.c) */
void modelarts_samples_register(void);   /* samples and files (modelarts_samples.c) */

#endif
