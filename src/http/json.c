/*
 * json.c — JSON helpers over json-c: strict parsing with a depth limit and the error's byte offset,
 * exact int64 reading, float vectors, and shortest round-trip number text for output.
 *
 * Bounded parsing: before json-c builds anything, one pass over the text (scan()) counts values,
 * objects and arrays outside strings and estimates the memory json-c's tree would take (measured with
 * json-c 0.16 on x86-64: ~104 bytes a scalar, ~160 an array, ~800 an object, plus the text of its
 * strings); above AV_JSON_MAX_MEMORY the body is refused without parsing. The same pass refuses,
 * with their byte offset: numbers that are not finite (1e999, NaN, Infinity), so no non-finite value
 * enters the engine (av_json_float/av_json_double return NULL, JSON null, for one, so none goes out);
 * integer literals json-c would clamp (below -2^63, above 2^64-1); and strings whose raw bytes are
 * not UTF-8 (json-c stores any bytes, and every later answer quoting them would not be JSON).
 * No state, no locking.
 */
#include "http/http.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define COST_SCALAR 104
#define COST_ARRAY 160
#define COST_OBJECT 800

static int is_num_char(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/* An integer literal's digits (no sign, no leading zeros) fit below the bound's digits. */
static int digits_fit(const char *d, size_t n, const char *bound)
{
    size_t bn = strlen(bound);
    return n < bn || (n == bn && memcmp(d, bound, n) <= 0);
}

/* A number at s[i..): refused when not finite or an integer json-c would clamp; *end is past it. */
static int scan_number(const char *s, size_t n, size_t i, size_t *end, av_err *err)
{
    size_t j = i, exp = 0;
    while (j < n && is_num_char(s[j])) { exp |= s[j] == 'e' || s[j] == 'E'; j++; }
    *end = j;
    if (j < n && s[j] == 'I')
        return av_fail_at(err, AV_EINVAL, (int)i, "invalid JSON at byte %zu: NaN and Infinity are not JSON numbers; send finite numbers", i);
    if (exp || j - i > 300) {
        char buf[400];
        size_t len = j - i < sizeof buf - 1 ? j - i : sizeof buf - 1;
        memcpy(buf, s + i, len);
        buf[len] = 0;
        if (!isfinite(strtod(buf, NULL)))
            return av_fail_at(err, AV_EINVAL, (int)i, "invalid JSON at byte %zu: the number %.40s%s is out of the range of a double; send finite numbers",
                              i, buf, len > 40 ? "..." : "");
    }
    int neg = s[i] == '-';
    size_t d0 = i + (size_t)neg;
    while (d0 + 1 < j && s[d0] == '0' && s[d0 + 1] >= '0' && s[d0 + 1] <= '9') d0++;
    size_t d1 = d0;
    while (d1 < j && s[d1] >= '0' && s[d1] <= '9') d1++;
    int integral = !(d1 < n && (s[d1] == '.' || s[d1] == 'e' || s[d1] == 'E'));
    if (integral && !digits_fit(s + d0, d1 - d0, neg ? "9223372036854775808" : "18446744073709551615"))
        return av_fail_at(err, AV_EINVAL, (int)i, "the integer %.*s%s at byte %zu is out of range: integers must fit in Int64 (-9223372036854775808..9223372036854775807); write a float with a decimal point",
                          (int)(j - i > 40 ? 40 : j - i), s + i, j - i > 40 ? "..." : "", i);
    return AV_OK;
}

/* The pre-parse pass (see the top of this file). Syntax errors are left to json-c. */
static int scan(const char *s, size_t n, av_err *err)
{
    const unsigned char *u = (const unsigned char *)s;
    uint64_t scalars = 1, arrays = 0, objects = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '"') {   /* escapes are json-c's business, raw bytes must be UTF-8 */
            for (i++; i < n && s[i] != '"';) {
                if (s[i] == '\\') { i += 2; continue; }
                if (u[i] < 0x80) { i++; continue; }
                size_t k = av_utf8_seq(u + i, n - i);
                if (!k) return av_fail_at(err, AV_EINVAL, (int)i, "the request body is not valid UTF-8: byte %zu (0x%02x) inside a string; send text as UTF-8", i, u[i]);
                i += k;
            }
        } else if (c == ',' || c == ':') scalars++;
        else if (c == '[') arrays++;
        else if (c == '{') objects++;
        else if (c == 'N' || c == 'I' || ((c == 'n' || c == 'i') && i + 1 < n && (s[i + 1] == 'a' || s[i + 1] == 'n'))) {
            if (c == 'n' && i + 3 < n && memcmp(s + i, "null", 4) == 0) { i += 3; continue; }
            return av_fail_at(err, AV_EINVAL, (int)i, "invalid JSON at byte %zu: NaN and Infinity are not JSON numbers; send finite numbers", i);
        } else if ((c >= '0' && c <= '9') || c == '-') {
            size_t end;
            int rc = scan_number(s, n, i, &end, err);
            if (rc) return rc;
            i = end - 1;
        }
    }
    uint64_t est = scalars * COST_SCALAR + arrays * COST_ARRAY + objects * COST_OBJECT + n;
    if (est > AV_JSON_MAX_MEMORY)
        return av_fail(err, AV_ELIMIT, "the JSON body holds about %llu values and would take about %llu MiB of memory to parse; the limit is %llu MiB: send fewer rows or values per request",
                       (unsigned long long)(scalars + arrays + objects), (unsigned long long)(est >> 20), (unsigned long long)(AV_JSON_MAX_MEMORY >> 20));
    return AV_OK;
}

int av_json_parse(const char *s, size_t n, int max_depth, json_object **out, av_err *err)
{
    *out = NULL;
    if (n > INT32_MAX) return av_fail(err, AV_ELIMIT, "request body too large to parse");
    int rc = scan(s, n, err);
    if (rc) return rc;
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
    if (!o && je == json_tokener_success) {
        /* the text is the JSON value null (json-c's NULL object): valid, and *out stays NULL */
        for (size_t i = end; i < n; i++)
            if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
                return av_fail_at(err, AV_EINVAL, (int)i, "invalid JSON at byte %zu: unexpected data after the value; send exactly one JSON value", i);
        return AV_OK;
    }
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
