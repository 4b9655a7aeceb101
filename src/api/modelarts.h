/*
 * modelarts.h — what the ModelArts handlers share (modelarts_common.c): authentication (X-Auth-Token,
 * SDK-HMAC-SHA256 AK/SK, Bearer), the project check, the error envelope
 * {"error_code":"ModelArts.NNNN","error_msg":...} with the one table (an api_dialect, api/dialect.h)
 * from engine failures to codes, request parsing (JSON to the engine's structs), the signed file URLs
 * and the renderings of engine documents under ModelArts names.
 */
#ifndef AV_MODELARTS_H
#define AV_MODELARTS_H

#include "annovec_dataset.h"
#include "api/dialect.h"
#include "http/http.h"

extern const av_dialect ma_dialect;
extern const av_dialect ma_file_dialect;   /* also accepts a pre-signed URL (Expires + Signature) */

/* Wire codes (specs/modelarts.md §8): indexes into modelarts_common.c's table of "ModelArts.NNNN"
 * codes and their HTTP statuses. */
enum {
    MA_INVALID, MA_INTERNAL, MA_TOO_LARGE, MA_BAD_PATH, MA_FILE_NOT_FOUND, MA_DS_EXISTS, MA_DS_NOT_FOUND,
    MA_VER_NOT_FOUND, MA_VER_EXISTS, MA_LABEL_NOT_FOUND, MA_LABEL_EXISTS, MA_SAMPLE_NOT_FOUND, MA_UPLOAD_FAILED,
    MA_SAMPLE_EXISTS, MA_OVERSIZED, MA_NO_TOKEN, MA_TOKEN_EXPIRED, MA_BAD_TOKEN, MA_WRONG_PROJECT, MA_IN_USE,
    MA_JOB_NOT_FOUND,
};
/* Error contexts (api/dialect.h): MA_CTX_JOB, a v1 call on the images of a job, where the job's dataset
 * vanishing means the job went with it. */
enum { MA_CTX_JOB = API_CTX_DIALECT };
/* The "ModelArts.NNNN" code of a wire code. */
const char *ma_wire_code(int wire);

/* The request plumbing of api/dialect.h, ModelArts's way: api_begin, then the project (the path's
 * {project_id}, which with --auth must be the credential's: 403 otherwise; without --auth it must be
 * 32 lowercase hex, and only a POST or PUT creates an unknown project: a read or a delete of one finds
 * nothing and leaves no trace) into x->project, then the body as the handler wants it. Returns 0, or -1 with the error answered; call api_end in both cases. */
enum { MA_NO_BODY, MA_BODY, MA_BODY_OR_EMPTY };
extern const api_dialect ma_api;   /* MA_BODY_OR_EMPTY: an empty body reads as {} */
int ma_begin(av_http_req *req, av_http_res *res, int body, api_ctx *x);
/* The project step of ma_begin on its own, after api_begin(..., &ma_api, x). */
int ma_need_project(api_ctx *x);
/* An integer query parameter in [lo, hi] (def when absent); answers the error and returns -1 otherwise. */
int ma_query_int(api_ctx *x, const char *name, int lo, int hi, int def, int *out);
/* A boolean query parameter ("true"/"false"); def when absent. */
int ma_query_bool(api_ctx *x, const char *name, int def, int *out);
/* A member of a JSON object, or NULL (borrowed). */
json_object *ma_get(json_object *o, const char *key);
/* Adds error_code/error_msg for an engine failure to a batch result w. */
void ma_result_error(json_object *w, const av_err *e);

/* Reads a list of label objects {name, type?, property?, score?} (what = the field, for messages)
 * into a new array of the engine's label definitions (*out: caller frees; its strings and property
 * objects are borrowed from arr). Answers the error and returns -1 when one is malformed. */
int ma_labels(api_ctx *x, json_object *arr, const char *what, av_label_def **out, int *n);

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
void modelarts_v1_register(void);        /* v1 annotation jobs and their images (modelarts_v1.c) */

#endif
