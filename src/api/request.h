/*
 * request.h — reading a request, for every dialect: the JSON body (with the json_dumps(None) "null"
 * body taken as empty), typed members, the Int64-as-string header and the caller's project.
 * Neutral: errors are engine-style av_err codes; each dialect writes its own envelope.
 */
#ifndef AV_API_REQUEST_H
#define AV_API_REQUEST_H

#include "annovec.h"
#include "http/http.h"

/* What a request-level error is about (av_err.entity), beyond the engine's AV_ENT_*: the body as a
 * whole, or one member of it (named in av_err.name). */
enum { API_ENT_BODY = 64, API_ENT_MEMBER = 65 };

/* Result of reading a string member: absent, present, or of the wrong type. */
enum { API_ABSENT = 0, API_OK = 1, API_WRONG_TYPE = -1 };

/* Parses the body as a JSON object. Returns AV_OK, or AV_EINVAL (err says why, about API_ENT_BODY;
 * `empty` set, and the reason AV_R_EMPTY, when the body was empty, only white space, or the JSON
 * value null). */
int api_parse_body(const av_http_req *req, json_object **out, int *empty, av_err *err);
/* AV_EINVAL when a string in o (keys, values, arrays' strings; parameters read from a query
 * string) is not valid UTF-8. */
int api_strings_check(json_object *o, av_err *err);
int api_get_str(json_object *o, const char *key, const char **out);
/* Integer member (JSON integer, or an integral double); API_ABSENT / API_OK / API_WRONG_TYPE. */
int api_get_int(json_object *o, const char *key, int64_t *out);
int api_get_bool(json_object *o, const char *key, int *out);
int api_get_num(json_object *o, const char *key, double *out);

/* 1 when min_limit <= limit <= max, offset >= 0 and limit + offset <= max, computed without
 * overflow (a client's limit 2^63-1 with offset 1 must not wrap below the cap). */
int api_window_ok(int64_t limit, int64_t offset, int64_t min_limit, int64_t max);

/* Header Accept-Type-Allow-Int64: false renders Int64 values as strings. */
int api_int64_as_string(const av_http_req *req);
/* Principal's project for the request. */
const char *api_project(const av_http_req *req);

#endif
