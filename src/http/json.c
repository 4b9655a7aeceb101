/*
 * json.c — JSON helpers over json-c: strict parsing with a depth limit and the error's byte offset,
 * exact int64 reading, float vectors, and shortest round-trip number text for output.
 */
#include "http/http.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int av_json_parse(const char *s, size_t n, int max_depth, json_object **out, av_err *err)
{
    *out = NULL;
    if (n > INT32_MAX) return av_fail(err, AV_ELIMIT, "request body too large to parse");
    json_tokener *tok = json_tokener_new_ex(max_depth);
    if (!tok) abort();
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    json_object *o = json_tokener_parse_ex(tok, s, (int)n);
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    if (!o && je == json_tokener_continue) {
        /* a bare number at the very end is complete only once something follows it */
        o = json_tokener_parse_ex(tok, " ", 1);
        je = json_tokener_get_error(tok);
        end = n;
    }
    json_tokener_free(tok);
    if (!o || je != json_tokener_success) {
        if (o) json_object_put(o);
        if (je == json_tokener_continue)
            return av_fail_at(err, AV_EINVAL, (int)n, "invalid JSON: the body ends at byte %zu before the value is complete; check the request body", n);
        if (je == json_tokener_error_depth)
            return av_fail_at(err, AV_EINVAL, (int)end, "invalid JSON: nesting deeper than %d levels at byte %zu", max_depth, end);
        return av_fail_at(err, AV_EINVAL, (int)end, "invalid JSON at byte %zu: %s; check the request body", end, json_tokener_error_desc(je));
    }
    for (size_t i = end; i < n; i++) {
        char c = s[i];
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
            json_object_put(o);
            return av_fail_at(err, AV_EINVAL, (int)i, "invalid JSON at byte %zu: unexpected data after the value; send exactly one JSON value", i);
        }
    }
    *out = o;
    return AV_OK;
}

json_object *av_json_float(float f)
{
    if (!isfinite(f)) return NULL;
    char buf[32];
    for (int prec = 6; prec <= 9; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, (double)f);
        if (strtof(buf, NULL) == f) break;
    }
    return json_object_new_double_s((double)f, buf);
}

json_object *av_json_double(double d)
{
    if (!isfinite(d)) return NULL;
    char buf[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) break;
    }
    return json_object_new_double_s(d, buf);
}

static int parse_decimal(const char *s, int64_t *out)
{
    if (!*s || *s == ' ' || *s == '+' || *s == '\t') return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s) return -1;
    *out = v;
    return 0;
}

int av_json_get_int64(json_object *v, int allow_string, int64_t *out)
{
    if (!v) return AV_ETYPE;
    switch (json_object_get_type(v)) {
    case json_type_int: {
        int64_t i = json_object_get_int64(v);
        if (i == INT64_MAX && json_object_get_uint64(v) != (uint64_t)INT64_MAX) return AV_ETYPE;
        *out = i;
        return AV_OK;
    }
    case json_type_double: {
        double d = json_object_get_double(v);
        if (!isfinite(d) || d != floor(d) || fabs(d) >= 9007199254740992.0) return AV_ETYPE;
        *out = (int64_t)d;
        return AV_OK;
    }
    case json_type_string:
        if (allow_string && parse_decimal(json_object_get_string(v), out) == 0) return AV_OK;
        return AV_ETYPE;
    default:
        return AV_ETYPE;
    }
}

int av_json_get_vector(json_object *v, int dim, float *out, av_err *err)
{
    if (!v || !json_object_is_type(v, json_type_array))
        return av_fail(err, AV_ETYPE, "the vector must be an array of %d numbers", dim);
    size_t n = json_object_array_length(v);
    if (n != (size_t)dim)
        return av_fail(err, AV_EDIM, "the vector has %zu elements but the dimension is %d", n, dim);
    for (size_t i = 0; i < n; i++) {
        json_object *x = json_object_array_get_idx(v, i);
        if (!x || (!json_object_is_type(x, json_type_int) && !json_object_is_type(x, json_type_double)))
            return av_fail(err, AV_ETYPE, "vector element %zu is not a number", i);
        double d = json_object_get_double(x);
        if (!isfinite(d) || fabs(d) > FLT_MAX)
            return av_fail(err, AV_EINVAL, "vector element %zu is NaN, infinite or outside the float32 range", i);
        out[i] = (float)d;
    }
    return AV_OK;
}
