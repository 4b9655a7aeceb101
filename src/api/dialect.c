/*
 * dialect.c — the dialects' shared request plumbing and error-table lookup (see dialect.h).
 * No state of its own and no locking: a context belongs to one handler call on one thread.
 */
#include "api/dialect.h"
#include "api/rows.h"
#include "lib/util.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_MAX 768   /* bytes of a wire message, NUL included */

/* ---- error tables ---------------------------------------------------------------------------- */

static int key_matches(int want, int got)
{
    return want == API_ANY || want == got;
}

const api_error_row *api_error_find(const api_error_row *rows, size_t n, unsigned ctx, const av_err *e)
{
    for (size_t i = 0; i < n; i++) {
        const api_error_row *r = &rows[i];
        if ((r->ctx == 0 || (r->ctx & ctx)) && key_matches(r->code, e->code) &&
            key_matches(r->entity, e->entity) && key_matches(r->reason, e->reason))
            return r;
    }
    return NULL;
}

/* Appends s[0..len) to out (n bytes, NUL-terminated, *at bytes used), cutting at the end. */
static void put(char *out, size_t n, size_t *at, const char *s, size_t len)
{
    if (*at + 1 >= n) return;
    if (len > n - 1 - *at) len = n - 1 - *at;
    memcpy(out + *at, s, len);
    *at += len;
    out[*at] = 0;
}

/* The value of template token t[0..len) ("name" or "name:256"); NULL when it is not a token. */
static const char *token(const char *t, size_t len, const av_err *e, const char *msg, const char *name,
                         const char *arg, char num[24], size_t *max)
{
    static const char *const names[] = { "msg", "name", "scope", "index", "arg" };
    const char *colon = memchr(t, ':', len);
    size_t klen = colon ? (size_t)(colon - t) : len;
    *max = SIZE_MAX;
    if (colon) {
        char *end;
        unsigned long long m = strtoull(colon + 1, &end, 10);
        if (end != t + len || end == colon + 1) return NULL;
        *max = (size_t)m;
    }
    size_t k = 0;
    while (k < sizeof names / sizeof *names && !(strlen(names[k]) == klen && memcmp(names[k], t, klen) == 0)) k++;
    switch (k) {
    case 0: return msg;
    case 1: return name ? name : e->name;
    case 2: return e->scope;
    case 3: snprintf(num, 24, "%" PRId64, e->index); return num;
    case 4: return arg ? arg : "";
    default: return NULL;
    }
}

void api_format(char *out, size_t n, const char *tmpl, const av_err *e, const char *msg, const char *name, const char *arg)
{
    size_t at = 0;
    out[0] = 0;
    for (const char *p = tmpl ? tmpl : "{msg}"; *p;) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        char num[24];
        size_t max;
        const char *v = close ? token(p + 1, (size_t)(close - p - 1), e, msg, name, arg, num, &max) : NULL;
        if (!v) { put(out, n, &at, p++, 1); continue; }
        size_t len = strlen(v);
        put(out, n, &at, v, len < max ? len : max);
        p = close + 1;
    }
}

int api_error_text(const api_dialect *d, unsigned ctx, const av_err *e, const char *name, const char *arg,
                   char *out, size_t n)
{
    char phrase[sizeof e->msg];   /* the engine's messages are this long at most: so are their phrases */
    const api_error_row *p = d->phrases ? api_error_find(d->phrases, d->nphrases, ctx, e) : NULL;
    if (p) api_format(phrase, sizeof phrase, p->text, e, e->msg, name, arg);
    else snprintf(phrase, sizeof phrase, "%s", e->msg);
    const api_error_row *r = api_error_find(d->errors, d->nerrors, ctx, e);
    if (!r && d->nerrors) r = &d->errors[d->nerrors - 1];   /* tables end with a catch-all row */
    if (!r) { snprintf(out, n, "%s", phrase); return -1; }
    api_format(out, n, r->text, e, phrase, name, arg);
    return r->wire;
}

void api_fail_ex(api_ctx *x, unsigned ctx, const av_err *e, const char *name, const char *arg)
{
    char text[TEXT_MAX];
    int wire = api_error_text(x->d, ctx, e, name, arg, text, sizeof text);
    av_utf8_scrub(text);   /* a quoted client name cut at a byte width ends at a character */
    x->d->reply_error(x, wire, text);
}

void api_fail(api_ctx *x, unsigned ctx, const av_err *e)
{
    api_fail_ex(x, ctx, e, NULL, NULL);
}

int api_failf(api_ctx *x, int wire, const char *fmt, ...)
{
    char text[TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    av_utf8_scrub(text);
    x->d->reply_error(x, wire, text);
    return -1;
}

void api_new_rid(char rid[33])
{
    unsigned char r[16];
    av_random(r, sizeof r);
    av_hex(r, sizeof r, rid);
}

/* ---- members --------------------------------------------------------------------------------- */

int api_member_wrong(api_ctx *x, const char *key, const char *what)
{
    av_err e;
    av_fail_on(&e, AV_ETYPE, API_ENT_MEMBER, AV_R_NONE, key, NULL, "%s must be %s", key, what);
    api_fail_ex(x, 0, &e, key, NULL);
    return -1;
}

int api_member_missing(api_ctx *x, const char *key)
{
    av_err e;
    av_fail_on(&e, AV_EINVAL, API_ENT_MEMBER, AV_R_MISSING, key, NULL, "%s is required", key);
    api_fail_ex(x, 0, &e, key, NULL);
    return -1;
}

int api_need_str(api_ctx *x, const char *key, const char **out)
{
    int k = api_get_str(x->body, key, out);
    if (k == API_WRONG_TYPE) return api_member_wrong(x, key, "a string");
    if (k == API_ABSENT || !**out) return api_member_missing(x, key);
    return 0;
}

int api_opt_member(api_ctx *x, const char *key, json_type t, json_object **out)
{
    json_object *v;
    *out = NULL;
    if (!json_object_object_get_ex(x->body, key, &v) || !v) return 0;
    if (!json_object_is_type(v, t) && !(t == json_type_double && json_object_is_type(v, json_type_int)))
        return api_member_wrong(x, key, t == json_type_array ? "an array" : t == json_type_object ? "an object" :
                                        t == json_type_string ? "a string" : t == json_type_boolean ? "a boolean" : "a number");
    *out = v;
    return 0;
}

int api_opt_int(api_ctx *x, const char *key, int64_t def, int64_t *out)
{
    *out = def;
    return api_get_int(x->body, key, out) == API_WRONG_TYPE ? api_member_wrong(x, key, "an integer") : 0;
}

/* ---- databases and collections --------------------------------------------------------------- */

int api_need_db(api_ctx *x, const char *db)
{
    if (!db) db = x->db;
    if (av_db_exists(x->req->store, x->project, db)) return 0;
    av_err e;
    av_fail_on(&e, AV_ENODB, AV_ENT_DATABASE, AV_R_NONE, db, NULL, "database \"%s\" does not exist; create it first or check the name", db);
    api_fail_ex(x, 0, &e, db, NULL);
    return -1;
}

int api_need_name(api_ctx *x, const char **name)
{
    if (api_need_str(x, x->d->name_key, name)) return -1;
    av_err e;
    if ((x->d->flags & API_NAME_CHECK) && av_name_check(*name, "collection name", &e)) {
        api_fail_ex(x, API_CTX_NAME, &e, *name, *name);
        return -1;
    }
    x->name = *name;
    return 0;
}

int api_open_named(api_ctx *x, const char *name)
{
    av_err e;
    x->name = name;
    if (av_collection_open(x->req->store, x->project, x->db, name, &x->c, &e) == AV_OK) return 0;
    api_fail_ex(x, API_CTX_OPEN, &e, e.entity == AV_ENT_DATABASE ? x->db : name, name);
    return -1;
}

int api_open(api_ctx *x)
{
    const char *name;
    return api_need_name(x, &name) ? -1 : api_open_named(x, name);
}

/* ---- begin / end ----------------------------------------------------------------------------- */

static int listed(const char *const *keys, const char *key)
{
    for (size_t i = 0; keys && keys[i]; i++)
        if (strcmp(keys[i], key) == 0) return 1;
    return 0;
}

/* Adds a query-string parameter to the body: a string, or an array of the comma-separated items. */
static void add_param(json_object *body, const char *key, const char *value, int is_list)
{
    if (!is_list) { json_object_object_add(body, key, json_object_new_string(value)); return; }
    json_object *a = json_object_new_array();
    for (const char *p = value; *p;) {
        size_t len = strcspn(p, ",");
        json_object_array_add(a, json_object_new_string_len(p, (int)len));
        p += len + (p[len] == ',');
    }
    json_object_object_add(body, key, a);
}

typedef struct param_ctx { json_object *body; const char *const *lists; } param_ctx;

static void each_param(void *arg, const char *key, const char *value)
{
    param_ctx *p = arg;
    add_param(p->body, key, value, listed(p->lists, key));
}

/* The request's parameters as a body object: the dialect's keys (first occurrence), or all of them. */
static json_object *query_body(api_ctx *x)
{
    const api_dialect *d = x->d;
    json_object *body = json_object_new_object();
    if (!d->query_keys) {
        param_ctx p = { body, d->query_lists };
        av_http_query_each(x->req, each_param, &p);
        return body;
    }
    for (size_t i = 0; d->query_keys[i]; i++) {
        const char *v = av_http_query(x->req, d->query_keys[i]);
        if (v) add_param(body, d->query_keys[i], v, listed(d->query_lists, d->query_keys[i]));
    }
    return body;
}

int api_read_body(api_ctx *x, int allow_empty)
{
    unsigned flags = x->d->flags;
    if ((flags & API_GET_QUERY) && strcmp(x->req->method, "GET") == 0) {
        x->body = query_body(x);
        av_err qe;
        if (api_strings_check(x->body, &qe)) { api_fail(x, 0, &qe); return -1; }
        return 0;
    }
    av_err e;
    int empty;
    if (api_parse_body(x->req, &x->body, &empty, &e) == AV_OK) return 0;
    if (empty && (allow_empty || (flags & API_EMPTY_OK))) {
        x->body = json_object_new_object();
        return 0;
    }
    if (empty && (flags & API_EMPTY_QUERY)) {
        x->body = query_body(x);
        if (api_strings_check(x->body, &e)) { api_fail(x, 0, &e); return -1; }
        return 0;
    }
    api_fail(x, 0, &e);
    return -1;
}

static int read_db(api_ctx *x)
{
    const char *db = NULL;
    int k = api_get_str(x->body, "dbName", &db);
    if (k == API_WRONG_TYPE) return api_member_wrong(x, "dbName", "a string");
    if ((k == API_ABSENT || !*db) && (x->d->flags & API_DB_HEADER)) db = av_http_header(x->req, "DB-Name");
    x->db = db && *db ? db : "default";
    av_err e;
    if (av_name_check(x->db, "database name", &e)) {
        api_fail_ex(x, API_CTX_DB, &e, x->db, NULL);
        return -1;
    }
    return (x->d->flags & API_DB_EXISTS) ? api_need_db(x, NULL) : 0;
}

int api_begin(av_http_req *req, av_http_res *res, const api_dialect *d, api_ctx *x)
{
    memset(x, 0, sizeof *x);
    x->req = req;
    x->res = res;
    x->d = d;
    x->project = api_project(req);
    x->i64s = api_int64_as_string(req);
    x->db = "default";
    if ((d->flags & API_REQUEST_ID) && req->request_id && *req->request_id && strlen(req->request_id) < sizeof x->rid)
        memcpy(x->rid, req->request_id, strlen(req->request_id) + 1);   /* the id the transport logs and sends back */
    else if (d->flags & API_REQUEST_ID) api_new_rid(x->rid);
    api_budget_reset();
    if (!(d->flags & API_NO_BODY) && api_read_body(x, 0)) return -1;
    return (d->flags & API_DB) ? read_db(x) : 0;
}

void api_end(api_ctx *x)
{
    if (x->c) av_collection_release(x->c);
    if (x->index) json_object_put(x->index);
    if (x->body) json_object_put(x->body);
    x->c = NULL;
    x->index = x->body = NULL;
}
