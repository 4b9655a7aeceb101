/*
 * filter_node.h — engine-internal: the filter expression tree, for the parsers that build it
 * (filter_milvus.c; later the VikingDB DSL) and the evaluator (filter.c).
 *
 * Every node evaluates to an fval; boolean nodes yield FV_BOOL. Literal strings and JSON values point
 * into json-c objects the node owns; row values point into the row's (read-only) document.
 */
#ifndef AV_FILTER_NODE_H
#define AV_FILTER_NODE_H

#include "annovec.h"

typedef enum { FV_MISSING = 0, FV_NULL, FV_BOOL, FV_INT, FV_DBL, FV_STR, FV_JSON } fv_type;

typedef struct fval {
    fv_type t;
    int64_t i;                  /* FV_BOOL, FV_INT */
    double d;                   /* FV_DBL */
    const char *s;              /* FV_STR */
    size_t n;
    const json_object *j;       /* FV_JSON (object or array) */
} fval;

typedef enum {
    FN_LIT, FN_FIELD, FN_CMP, FN_IN, FN_LIKE, FN_AND, FN_OR, FN_NOT, FN_ISNULL, FN_CALL, FN_ARITH, FN_NEG,
} fn_kind;

typedef enum { FC_EQ, FC_NE, FC_LT, FC_LE, FC_GT, FC_GE } fn_cmp;

typedef enum {
    FF_JSON_CONTAINS, FF_JSON_CONTAINS_ALL, FF_JSON_CONTAINS_ANY,
    FF_ARRAY_CONTAINS, FF_ARRAY_CONTAINS_ALL, FF_ARRAY_CONTAINS_ANY, FF_ARRAY_LENGTH,
} fn_func;

typedef struct fn_step { char *key; int64_t index; } fn_step;   /* key NULL: array index */

typedef struct av_fnode {
    fn_kind kind;
    int op;                     /* fn_cmp, fn_func, or '+','-','*','/','%' */
    int negate;                 /* FN_IN (not in), FN_ISNULL (is not null) */
    int pos;                    /* byte offset in the source, for errors */
    struct av_fnode *a, *b;
    /* FN_LIT */
    fval lit;
    json_object *owned;
    /* FN_IN: the list, converted */
    fval *list;
    size_t nlist;
    /* FN_LIKE */
    char *pattern;
    /* FN_FIELD */
    char *name;                 /* doc key (dynamic keys and declared fields alike) */
    int is_pk;
    const av_field *field;      /* declared field, NULL for dynamic keys */
    fn_step *path;
    int npath;
} av_fnode;

struct av_filter {
    av_fnode *root;
};

av_fnode *fn_new(fn_kind kind, int pos);
void fn_free(av_fnode *n);
/* A literal from a json-c value (owned by the node). */
av_fnode *fn_literal(json_object *v, int pos);
/* Binds a field reference to the schema: pk, declared field, or dynamic key. AV_EFILTER when the
 * name is unknown and the schema is not dynamic, or names the vector field. */
int fn_bind_field(av_fnode *n, const av_schema *s, av_err *err);
/* Checks that a literal fits a declared field's type (comparison, in-list, like). */
int fn_check_types(const av_fnode *n, av_err *err);
/* Converts FN_IN's literal list (node b, a JSON array) into n->list. */
int fn_prepare_in(av_fnode *n, av_err *err);
/* A balanced tree of `kind` (FN_AND or FN_OR, which are associative) over n >= 1 operands, so a
 * chain of n conditions is log2(n) deep: evaluation and analysis recurse that deep, never n. */
av_fnode *fn_chain(fn_kind kind, av_fnode **items, size_t n);
/* AV_ELIMIT when the tree is deeper than AV_FILTER_MAX_HEIGHT (evaluation recurses per level);
 * every parser checks its tree with it before wrapping it. */
int fn_check_height(const av_fnode *root, av_err *err);
/* Wraps a finished tree. */
av_filter *fn_wrap(av_fnode *root);

#endif
