/*
 * filter_viking.c — VikingDB's JSON filter DSL (specs/vikingdb.md §2.4) into the filter tree:
 *   {"op":"must","field":f,"conds":[v...]}      f in [v...]  (list fields: contains any of them)
 *   {"op":"must_not","field":f,"conds":[v...]}  not (the same)
 *   {"op":"range","field":f,"gt|gte|lt|lte":x}  every given bound holds
 *   {"op":"range_out","field":f,...}            any given bound holds (outside the range)
 *   {"op":"and"|"or","conds":[filter...]}       nestable
 * Geographic ranges are refused. Errors are AV_EFILTER with a message naming the offending part.
 */
#include "core/vector/filter.h"
#include "core/vector/filter_node.h"
#include "lib/util.h"

#include <string.h>

static av_fnode *build(json_object *f, const av_schema *s, int depth, av_err *err);

static av_fnode *pair(fn_kind kind, av_fnode *a, av_fnode *b)
{
    if (!a || !b) { fn_free(a); fn_free(b); return NULL; }
    av_fnode *n = fn_new(kind, 0);
    n->a = a;
    n->b = b;
    return n;
}

static av_fnode *field_node(json_object *f, const av_schema *s, av_err *err)
{
    json_object *name;
    if (!json_object_object_get_ex(f, "field", &name) || !json_object_is_type(name, json_type_string)) {
        av_fail_on(err, AV_EFILTER, AV_ENT_FILTER, AV_R_NONE, NULL, NULL, "invalid filter: \"field\" must be a field name (geographic ranges are not supported)");
        return NULL;
    }
    av_fnode *n = fn_new(FN_FIELD, 0);
    n->name = xstrdup(json_object_get_string(name));
    if (fn_bind_field(n, s, err)) { fn_free(n); return NULL; }
    return n;
}

static av_fnode *must(json_object *f, const av_schema *s, int negate, av_err *err)
{
    json_object *conds;
    if (!json_object_object_get_ex(f, "conds", &conds) || !json_object_is_type(conds, json_type_array)) {
        av_fail_on(err, AV_EFILTER, AV_ENT_FILTER, AV_R_MISSING, NULL, NULL, "invalid filter: must/must_not needs \"conds\", a list of values");
        return NULL;
    }
    av_fnode *fld = field_node(f, s, err);
    if (!fld) return NULL;
    json_object *copy = NULL;
    json_object_deep_copy(conds, &copy, NULL);
    av_fnode *n;
    if (fld->field && fld->field->type == AV_T_ARRAY) {
        n = fn_new(FN_CALL, 0);
        n->op = FF_ARRAY_CONTAINS_ANY;
        n->a = fld;
        n->b = fn_literal(copy, 0);
    } else {
        n = fn_new(FN_IN, 0);
        n->a = fld;
        n->b = fn_literal(copy, 0);
        if (fn_prepare_in(n, err) || fn_check_types(n, err)) { fn_free(n); return NULL; }
    }
    if (!negate) return n;
    av_fnode *no = fn_new(FN_NOT, 0);
    no->a = n;
    return no;
}

static av_fnode *range(json_object *f, const av_schema *s, int outside, av_err *err)
{
    static const struct { const char *key; int op; } bounds[] = {
        {"gt", FC_GT}, {"gte", FC_GE}, {"lt", FC_LT}, {"lte", FC_LE},
    };
    json_object *center;
    if (json_object_object_get_ex(f, "center", &center)) {
        av_fail_on(err, AV_EFILTER, AV_ENT_FILTER, AV_R_NONE, NULL, NULL, "invalid filter: geographic ranges (center/radius) are not supported");
        return NULL;
    }
    av_fnode *out = NULL;
    for (size_t i = 0; i < sizeof bounds / sizeof *bounds; i++) {
        json_object *v;
        if (!json_object_object_get_ex(f, bounds[i].key, &v) || !v) continue;
        if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)) {
            fn_free(out);
            av_fail_on(err, AV_EFILTER, AV_ENT_FILTER, AV_R_NONE, NULL, NULL, "invalid filter: range bound \"%s\" must be a number", bounds[i].key);
            return NULL;
        }
        av_fnode *fld = field_node(f, s, err);
        if (!fld) { fn_free(out); return NULL; }
        json_object *copy = NULL;
        json_object_deep_copy(v, &copy, NULL);
        av_fnode *cmp = pair(FN_CMP, fld, fn_literal(copy, 0));
        cmp->op = bounds[i].op;
        if (fn_check_types(cmp, err)) { fn_free(cmp); fn_free(out); return NULL; }
        out = out ? pair(outside ? FN_OR : FN_AND, out, cmp) : cmp;
    }
    if (!out) av_fail_on(err, AV_EFILTER, AV_ENT_FILTER, AV_R_MISSING, NULL, NULL, "invalid filter: range needs at least one of gt, gte, lt, lte");
    return out;
}

static av_fnode *logic(json_object *f, const av_schema *s, int is_and, int depth, av_err *err)
{
    json_object *conds;
    if (!json_object_object_get_ex(f, "conds", &conds) || !json_object_is_type(conds, json_type_array) ||
        json_object_array_length(conds) == 0) {
        av_fail_on(err, AV_EFILTER, AV_ENT_FILTER, AV_R_MISSING, NULL, NULL, "invalid filter: and/or needs \"conds\", a non-empty list of filters");
        return NULL;
    }
    size_t n = json_object_array_length(conds);
    av_fnode **items = xcalloc(n, sizeof *items);
    for (size_t i = 0; i < n; i++) {
        items[i] = build(json_object_array_get_idx(conds, i), s, depth + 1, err);
        if (!items[i]) {
            for (size_t k = 0; k < i; k++) fn_free(items[k]);
            free(items);
            return NULL;
        }
    }
    av_fnode *out = fn_chain(is_and ? FN_AND : FN_OR, items, n);   /* balanced: log2(n) deep */
    free(items);
    return out;
}

static av_fnode *build(json_object *f, const av_schema *s, int depth, av_err *err)
{
    if (depth > AV_FILTER_MAX_DEPTH) { av_fail_on(err, AV_ELIMIT, AV_ENT_FILTER, AV_R_NONE, NULL, NULL, "filter nested deeper than %d levels", AV_FILTER_MAX_DEPTH); return NULL; }
    json_object *opv;
    if (!f || !json_object_is_type(f, json_type_object) || !json_object_object_get_ex(f, "op", &opv) ||
        !json_object_is_type(opv, json_type_string)) {
        av_fail_on(err, AV_EFILTER, AV_ENT_FILTER, AV_R_MISSING, NULL, NULL, "invalid filter: every filter is an object with \"op\" (must, must_not, range, range_out, and, or)");
        return NULL;
    }
    const char *op = json_object_get_string(opv);
    if (strcmp(op, "must") == 0) return must(f, s, 0, err);
    if (strcmp(op, "must_not") == 0) return must(f, s, 1, err);
    if (strcmp(op, "range") == 0) return range(f, s, 0, err);
    if (strcmp(op, "range_out") == 0) return range(f, s, 1, err);
    if (strcmp(op, "and") == 0) return logic(f, s, 1, depth, err);
    if (strcmp(op, "or") == 0) return logic(f, s, 0, depth, err);
    av_fail_on(err, AV_EFILTER, AV_ENT_FILTER, AV_R_UNKNOWN, NULL, NULL, "invalid filter: unknown op \"%.32s\"; use must, must_not, range, range_out, and, or", op);
    return NULL;
}

int av_filter_parse_viking(json_object *dsl, const av_schema *schema, av_filter **out, av_err *err)
{
    *out = NULL;
    av_fnode *root = build(dsl, schema, 0, err);
    if (!root) return err ? err->code : AV_EFILTER;
    if (fn_check_height(root, err)) { fn_free(root); return AV_ELIMIT; }
    *out = fn_wrap(root);
    return AV_OK;
}
