/*
 * dialect.h — what every dialect's handlers share (Milvus v1/v2, VikingDB V1/V2 and tasks, ModelArts):
 * one request context, one begin/end pair, required and optional members, the opened collection, and
 * the error tables that turn an engine error (code, entity, reason, name, scope, index) into a
 * dialect's wire code and wire text. Each dialect keeps its envelope, codes and tables in its own
 * file and describes itself to this module with an api_dialect.
 *
 * An error table is an array of api_error_row, searched in order (like libuv's errno table): the
 * first row whose context, code, entity and reason match gives the wire code and a template for the
 * text. Templates substitute {msg} (the dialect's phrase for the error, else the engine's neutral
 * message), {name}, {scope}, {index} and {arg}; {name:256} keeps at most 256 bytes. A dialect may
 * also have a phrase table (rows of the same shape, wire unused) that words particular errors its
 * own way, e.g. Milvus's "collection not found[database=..][collection=..]".
 */
#ifndef AV_API_DIALECT_H
#define AV_API_DIALECT_H

#include "annovec.h"
#include "http/http.h"
#include "api/request.h"

/* Matches every value of a row's code, entity or reason. */
#define API_ANY (-1000)

/* Contexts: what the handler was doing when the error came (bits; a row with ctx 0 matches any). The
 * plumbing uses the first ones; dialects number theirs from API_CTX_DIALECT up. */
enum {
    API_CTX_NAME = 1u << 0,      /* reading and checking the collection name */
    API_CTX_OPEN = 1u << 1,      /* opening the collection */
    API_CTX_DB = 1u << 2,        /* checking the database name */
    API_CTX_DIALECT = 1u << 3,
};

typedef struct api_error_row {
    unsigned ctx;                /* contexts the row applies to; 0: all */
    int code, entity, reason;    /* AV_E*, AV_ENT_* / API_ENT_*, AV_R_* or API_ANY */
    int wire;                    /* the dialect's wire code (an index into its own table when textual) */
    const char *text;            /* template; NULL: "{msg}" */
} api_error_row;

typedef struct api_ctx api_ctx;

/* How a dialect reads requests and writes errors. */
typedef struct api_dialect {
    void (*reply_error)(api_ctx *x, int wire, const char *msg);   /* the error envelope */
    const api_error_row *errors;
    size_t nerrors;
    const api_error_row *phrases;   /* may be NULL */
    size_t nphrases;
    unsigned flags;                 /* API_* below */
    const char *name_key;           /* the member that names the collection */
    const char *const *query_keys;  /* parameters taken from the query string, NULL-ended (NULL: all) */
    const char *const *query_lists; /* those that are comma-separated lists, NULL-ended (may be NULL) */
} api_dialect;

enum {
    API_DB = 1 << 0,             /* the request names its database in dbName ("default" otherwise) */
    API_DB_HEADER = 1 << 1,      /* ... or in the DB-Name header */
    API_DB_EXISTS = 1 << 2,      /* ... and it must exist */
    API_NAME_CHECK = 1 << 3,     /* api_need_name checks the collection name's characters */
    API_GET_QUERY = 1 << 4,      /* a GET's parameters are in its query string (any body is ignored) */
    API_EMPTY_QUERY = 1 << 5,    /* a request without a body has its parameters in the query string */
    API_REQUEST_ID = 1 << 6,     /* every answer carries the request id (x->rid = req->request_id) */
    API_NO_BODY = 1 << 7,        /* api_begin reads no body: the handler calls api_read_body if it takes one */
    API_EMPTY_OK = 1 << 8,       /* an empty body, or the body null, reads as {} (Milvus: json.dumps(None)) */
};

/* One request. Lives on the handler's stack between api_begin and api_end. */
struct api_ctx {
    av_http_req *req;
    av_http_res *res;
    const api_dialect *d;
    json_object *body;           /* the request's object (from the query string when the dialect says) */
    const char *project;         /* the principal's project */
    const char *db;              /* the database ("default" unless the dialect reads one) */
    const char *name;            /* the collection name api_need_name read (borrowed from body) */
    int i64s;                    /* Int64 values go out as strings (Accept-Type-Allow-Int64: false) */
    av_collection *c;            /* the collection api_open opened; released by api_end */
    json_object *index;          /* a named index's definition a handler loaded; put by api_end */
    char rid[65];                /* request id (API_REQUEST_ID): the request's X-Request-Id, sent back */
    char pid[33];                /* a project id the dialect resolved itself (x->project then points here) */
};

/* Reads the body (and the database) for dialect d. Returns 0, or -1 with the error answered. Call
 * api_end in both cases. */
int  api_begin(av_http_req *req, av_http_res *res, const api_dialect *d, api_ctx *x);
/* Reads the body into x->body as api_begin does; an empty body reads as {} when allow_empty. */
int  api_read_body(api_ctx *x, int allow_empty);
void api_end(api_ctx *x);

/* Members. Each answers the error itself (through the dialect's table) and returns -1 on failure:
 * a wrong type is AV_ETYPE about API_ENT_MEMBER, a required member that is absent or "" is AV_EINVAL
 * with AV_R_MISSING; av_err.name is the key. */
int api_need_str(api_ctx *x, const char *key, const char **out);
/* Optional member of JSON type t (a number also takes an integer); *out NULL when absent. */
int api_opt_member(api_ctx *x, const char *key, json_type t, json_object **out);
/* Optional integer member, def when absent. */
int api_opt_int(api_ctx *x, const char *key, int64_t def, int64_t *out);
/* Answers "key must be <what>" (AV_ETYPE) or "key is required" (AV_EINVAL, AV_R_MISSING) about the
 * member key, for checks a handler makes itself. Return -1. */
int api_member_wrong(api_ctx *x, const char *key, const char *what);
int api_member_missing(api_ctx *x, const char *key);

/* The collection name (d->name_key, required; checked when API_NAME_CHECK), into x->name. */
int api_need_name(api_ctx *x, const char **name);
/* api_need_name, then opens it in x->db into x->c. */
int api_open(api_ctx *x);
/* Opens the collection `name` in x->db into x->c. An error is answered in API_CTX_OPEN with {arg} the
 * requested name. */
int api_open_named(api_ctx *x, const char *name);
/* The database db (NULL: x->db) must exist (AV_ENODB about it otherwise). */
int api_need_db(api_ctx *x, const char *db);

/* Answers e through the dialect's table in context ctx. name (may be NULL) is the full name the
 * request gave for what e is about, used for {name} instead of e->name (which the engine cuts at
 * AV_ERR_NAME_MAX); arg fills {arg}. */
void api_fail(api_ctx *x, unsigned ctx, const av_err *e);
void api_fail_ex(api_ctx *x, unsigned ctx, const av_err *e, const char *name, const char *arg);
/* Answers an error the dialect words itself: its wire code and a formatted text. Returns -1. */
int  api_failf(api_ctx *x, int wire, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The table lookup on its own, for errors outside a request (the transport's render_error): fills
 * out with the text and returns the wire code (-1 when no row matches: text is e->msg). */
int api_error_text(const api_dialect *d, unsigned ctx, const av_err *e, const char *name, const char *arg,
                   char *out, size_t n);
/* The first row of rows[0..n) that matches (ctx, e), or NULL. */
const api_error_row *api_error_find(const api_error_row *rows, size_t n, unsigned ctx, const av_err *e);
/* Expands a template (see the top of this file); msg fills {msg}. */
void api_format(char *out, size_t n, const char *tmpl, const av_err *e, const char *msg, const char *name, const char *arg);

/* A new request id: 32 random hex characters. */
void api_new_rid(char rid[33]);

#endif
