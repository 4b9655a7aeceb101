/*
 * filter.h — the engine's one filter language: an expression tree (filter_node.h) that every
 * dialect's parser builds — Milvus expressions in filter_milvus.c, VikingDB's JSON DSL in
 * filter_viking.c — bound to a schema when built and
 * evaluated per row without allocating.
 *
 * Evaluation is two-valued: a comparison with a missing key or a JSON null is false, and `not`
 * flips it. Numbers compare across int and float (exactly when both are integers); strings by bytes.
 */
#ifndef AV_FILTER_H
#define AV_FILTER_H

#include "annovec.h"

#define AV_FILTER_MAX_LEN   65536   /* bytes of expression text */
#define AV_FILTER_MAX_DEPTH 64      /* nesting of parentheses and operators */
#define AV_FILTER_MAX_LIST  65536   /* elements of an `in` list */
#define AV_FILTER_MAX_CHAIN 256     /* operators in one arithmetic chain (a + b - c ...) */
#define AV_FILTER_MAX_HEIGHT 512    /* levels of the built tree (and/or chains are balanced, so a
                                       chain of n conditions costs log2(n) levels) */

/* Parses a Milvus boolean expression against a schema. AV_EFILTER (err->pos set) or AV_ELIMIT. */
int av_filter_parse_milvus(const char *expr, const av_schema *schema, av_filter **out, av_err *err);
/* Translates VikingDB's JSON filter DSL (filter_viking.c). AV_EFILTER or AV_ELIMIT. */
int av_filter_parse_viking(json_object *dsl, const av_schema *schema, av_filter **out, av_err *err);
int av_filter_match(const av_filter *f, const av_row_view *row);   /* 1 match, 0 not */
/* 1 when the filter holds for every row whatever its values ("true", "a > 1 or 1 == 1", ...). */
int av_filter_always_true(const av_filter *f);
/* The delete guard: AV_EUNSAFE (about the filter, in collection `coll`) when f is NULL or always true. */
int av_filter_delete_guard(const av_filter *f, const char *coll, av_err *err);
/* When the whole filter is `pk == v` or `pk in [...]`, returns 1 with a malloc'd list of pks
 * (strings copied; free with av_filter_pks_free). 0 otherwise. */
int av_filter_pks(const av_filter *f, av_pk **pks, size_t *n);
void av_filter_pks_free(av_pk *pks, size_t n);

#endif
