/*
 * filter.c — the filter tree (filter_node.h): construction helpers, binding to a schema, type
 * checks, per-row evaluation, constant folding (always-true detection) and the pk fast path.
 * Evaluation reads the row's document with json-c getters only (it is shared and read-only).
 */
#include "core/vector/filter.h"
#include "core/vector/filter_node.h"
#include "lib/util.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- construction ---------------------------------------------------------------------------- */

av_fnode *fn_new(fn_kind kind, int pos)
{
    av_fnode *n = xcalloc(1, sizeof *n);
    n->kind = kind;
    n->pos = pos;
    return n;
}

static void free_one(av_fnode *n)
{
    if (n->owned) json_object_put(n->owned);
    free(n->list);
    free(n->pattern);
    free(n->name);
    for (int i = 0; i < n->npath; i++) free(n->path[i].key);
    free(n->path);
    free(n);
}

/* Iterative, whatever the tree's shape: a left child is rotated up until there is none, then the
 * node goes and its right child is next. No stack, so a refused 10,000-deep chain frees safely. */
void fn_free(av_fnode *n)
{
    while (n) {
        if (n->a) {
            av_fnode *l = n->a;
            n->a = l->b;
            l->b = n;
            n = l;
        } else {
            av_fnode *r = n->b;
            free_one(n);
            n = r;
        }
    }
}

av_fnode *fn_chain(fn_kind kind, av_fnode **items, size_t n)
{
    if (n == 1) return items[0];
    size_t half = n / 2;
    av_fnode *a = fn_chain(kind, items, half), *b = fn_chain(kind, items + half, n - half);
    av_fnode *out = fn_new(kind, a->pos);
    out->a = a;
    out->b = b;
    return out;
}

/* 1 when the tree is more than `left` levels deep; recursion stops at the limit. */
static int deeper_than(const av_fnode *n, int left)
{
    if (!n) return 0;
    if (left <= 0) return 1;
    return deeper_than(n->a, left - 1) || deeper_than(n->b, left - 1);
}

int fn_check_height(const av_fnode *root, av_err *err)
{
    if (!deeper_than(root, AV_FILTER_MAX_HEIGHT)) return AV_OK;
    av_fail_on(err, AV_ELIMIT, AV_ENT_FILTER, AV_R_NONE, NULL, NULL, "the filter is nested more than %d levels deep; simplify it", AV_FILTER_MAX_HEIGHT);
    return AV_ELIMIT;
}

static fval to_fval(const json_object *v)
{
    fval f = { 0 };
    switch (json_object_get_type(v)) {
    case json_type_null: f.t = FV_NULL; break;
    case json_type_boolean: f.t = FV_BOOL; f.i = json_object_get_boolean(v); break;
    case json_type_int: f.t = FV_INT; f.i = json_object_get_int64(v); break;
    case json_type_double: f.t = FV_DBL; f.d = json_object_get_double(v); break;
    case json_type_string: f.t = FV_STR; f.s = json_object_get_string((json_object *)v); f.n = (size_t)json_object_get_string_len(v); break;
    default: f.t = FV_JSON; f.j = v; break;
    }
    return f;
}

av_fnode *fn_literal(json_object *v, int pos)
{
    av_fnode *n = fn_new(FN_LIT, pos);
    n->owned = v;
    n->lit = v ? to_fval(v) : (fval){ FV_NULL, 0, 0, NULL, 0, NULL };
    return n;
}

av_filter *fn_wrap(av_fnode *root)
{
    av_filter *f = xmalloc(sizeof *f);
    f->root = root;
    return f;
}

void av_filter_free(av_filter *f)
{
    if (!f) return;
    fn_free(f->root);
    free(f);
}

/* ---- binding and type checks ----------------------------------------------------------------- */

/* av_fail_at that also says what the error is about (entity, reason, name, scope). */
static int fail_at(av_err *err, int code, int pos, int entity, int reason, const char *name, const char *scope,
                   const char *fmt, ...) __attribute__((format(printf, 8, 9)));
static int fail_at(av_err *err, int code, int pos, int entity, int reason, const char *name, const char *scope,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    av_vfail_on(err, code, entity, reason, name, scope, fmt, ap);
    va_end(ap);
    if (err) err->pos = pos;
    return code;
}

int fn_bind_field(av_fnode *n, const av_schema *s, av_err *err)
{
    const av_field *f = av_schema_field(s, n->name);
    if (f && f->primary) { n->is_pk = 1; n->field = f; return AV_OK; }
    if (f && f->type == AV_T_FLOAT_VECTOR)
        return fail_at(err, AV_EFILTER, n->pos, AV_ENT_VECTOR, AV_R_NONE, n->name, s->name, "cannot parse expression: the vector field \"%s\" cannot be used in a filter (position %d)", n->name, n->pos);
    if (f) { n->field = f; return AV_OK; }
    if (!s->dynamic)
        return fail_at(err, AV_EFILTER, n->pos, AV_ENT_FIELD, AV_R_UNKNOWN, n->name, s->name, "cannot parse expression: field %s does not exist in the schema of \"%s\" and its dynamic field is disabled (position %d)", n->name, s->name, n->pos);
    return AV_OK;
}

static int is_number(fv_type t) { return t == FV_INT || t == FV_DBL; }

/* What literal type a declared scalar field accepts; FV_MISSING when anything goes. */
static fv_type wanted(const av_fnode *field)
{
    if (!field || field->kind != FN_FIELD || !field->field || field->npath) return FV_MISSING;
    switch (field->field->type) {
    case AV_T_BOOL: return FV_BOOL;
    case AV_T_INT8: case AV_T_INT16: case AV_T_INT32: case AV_T_INT64: case AV_T_FLOAT: case AV_T_DOUBLE: return FV_INT;
    case AV_T_VARCHAR: return FV_STR;
    default: return FV_MISSING;
    }
}

static int fits(fv_type want, fv_type got)
{
    if (want == FV_MISSING || got == FV_NULL) return 1;
    if (want == FV_INT) return is_number(got);
    return want == got;
}

static int type_error(const av_fnode *field, const av_fnode *lit, av_err *err)
{
    return fail_at(err, AV_EFILTER, lit->pos, AV_ENT_FIELD, AV_R_NONE, field->name, NULL, "cannot parse expression: field \"%s\" is %s and cannot be compared with %s (position %d)",
                      field->name, av_type_name(field->field->type),
                      lit->lit.t == FV_STR ? "a string" : is_number(lit->lit.t) ? "a number" : lit->lit.t == FV_BOOL ? "a boolean" : "this value",
                      lit->pos);
}

int fn_check_types(const av_fnode *n, av_err *err)
{
    if (n->kind == FN_CMP) {
        const av_fnode *f = n->a->kind == FN_FIELD ? n->a : n->b, *l = n->a->kind == FN_LIT ? n->a : n->b;
        if (f->kind == FN_FIELD && l->kind == FN_LIT && !fits(wanted(f), l->lit.t)) return type_error(f, l, err);
    } else if (n->kind == FN_IN) {
        for (size_t i = 0; i < n->nlist; i++)
            if (!fits(wanted(n->a), n->list[i].t)) {
                av_fnode tmp = *n->b;
                tmp.lit = n->list[i];
                return type_error(n->a, &tmp, err);
            }
    } else if (n->kind == FN_LIKE) {
        fv_type w = wanted(n->a);
        if (w != FV_MISSING && w != FV_STR)
            return fail_at(err, AV_EFILTER, n->pos, AV_ENT_FIELD, AV_R_NONE, n->a->name, NULL, "cannot parse expression: like needs a VarChar field, and \"%s\" is %s (position %d)",
                              n->a->name, av_type_name(n->a->field->type), n->pos);
    }
    return AV_OK;
}

int fn_prepare_in(av_fnode *n, av_err *err)
{
    const fval *l = &n->b->lit;
    if (n->b->kind != FN_LIT || l->t != FV_JSON || !json_object_is_type(l->j, json_type_array))
        return fail_at(err, AV_EFILTER, n->b->pos, AV_ENT_FILTER, AV_R_NONE, NULL, NULL, "cannot parse expression: `in` needs a list of values like [1, 2] (position %d)", n->b->pos);
    size_t len = json_object_array_length(l->j);
    if (len > AV_FILTER_MAX_LIST)
        return fail_at(err, AV_ELIMIT, n->b->pos, AV_ENT_FILTER, AV_R_NONE, NULL, NULL, "the `in` list has %zu values; the limit is %d", len, AV_FILTER_MAX_LIST);
    n->list = xcalloc(len ? len : 1, sizeof(fval));
    n->nlist = len;
    for (size_t i = 0; i < len; i++) n->list[i] = to_fval(json_object_array_get_idx(l->j, i));
    return AV_OK;
}

/* ---- evaluation ------------------------------------------------------------------------------ */

static const fval MISSING = { FV_MISSING, 0, 0, NULL, 0, NULL };

static fval boolv(int b)
{
    fval f = MISSING;
    f.t = FV_BOOL;
    f.i = b != 0;
    return f;
}

static int truthy(fval v) { return v.t == FV_BOOL && v.i; }

static fval field_value(const av_fnode *n, const av_row_view *row)
{
    if (n->is_pk) {
        fval f = MISSING;
        if (row->pk.is_str) { f.t = FV_STR; f.s = row->pk.s; f.n = strlen(row->pk.s); }
        else { f.t = FV_INT; f.i = row->pk.i; }
        return f;
    }
    json_object *v = NULL;
    if (!row->doc || !json_object_object_get_ex(row->doc, n->name, &v)) {
        /* a field added after the row was stored reads as its default */
        if (!n->field || !n->field->default_value) return MISSING;
        v = n->field->default_value;
    }
    for (int k = 0; k < n->npath && v; k++) {
        const fn_step *st = &n->path[k];
        if (st->key) {
            if (!json_object_is_type(v, json_type_object) || !json_object_object_get_ex(v, st->key, &v)) return MISSING;
        } else {
            if (!json_object_is_type(v, json_type_array) || st->index < 0 || (size_t)st->index >= json_object_array_length(v)) return MISSING;
            v = json_object_array_get_idx(v, (size_t)st->index);
        }
    }
    return v ? to_fval(v) : (fval){ FV_NULL, 0, 0, NULL, 0, NULL };
}

/* Three-way comparison; 0 when the values cannot be compared (missing, null, different kinds). */
static int compare(fval a, fval b, int *res)
{
    if (a.t == FV_INT && b.t == FV_INT) { *res = a.i < b.i ? -1 : a.i > b.i; return 1; }
    if (is_number(a.t) && is_number(b.t)) {
        double x = a.t == FV_INT ? (double)a.i : a.d, y = b.t == FV_INT ? (double)b.i : b.d;
        *res = x < y ? -1 : x > y;
        return 1;
    }
    if (a.t == FV_STR && b.t == FV_STR) {
        size_t m = a.n < b.n ? a.n : b.n;
        int c = memcmp(a.s, b.s, m);
        *res = c ? (c < 0 ? -1 : 1) : (a.n < b.n ? -1 : a.n > b.n);
        return 1;
    }
    if (a.t == FV_BOOL && b.t == FV_BOOL) { *res = (int)(a.i - b.i); return 1; }
    return 0;
}

static int equal(fval a, fval b)
{
    int r;
    return compare(a, b, &r) && r == 0;
}

static int cmp_holds(int op, int r)
{
    switch (op) {
    case FC_EQ: return r == 0;
    case FC_NE: return r != 0;
    case FC_LT: return r < 0;
    case FC_LE: return r <= 0;
    case FC_GT: return r > 0;
    default: return r >= 0;
    }
}

/* SQL-style LIKE: % any run, _ one byte, backslash escapes. Iterative with one backtrack point. */
static int like(const char *s, size_t n, const char *p)
{
    size_t si = 0, star_s = 0;
    const char *star_p = NULL;
    while (si < n || *p) {
        if (*p == '%') { star_p = ++p; star_s = si; continue; }
        if (si < n && *p) {
            char pc = *p;
            const char *next = p + 1;
            if (pc == '\\' && p[1]) { pc = p[1]; next = p + 2; }
            else if (pc == '_') { si++; p = next; continue; }
            if (s[si] == pc) { si++; p = next; continue; }
        }
        if (!star_p || star_s >= n) return 0;
        p = star_p;
        si = ++star_s;
    }
    return 1;
}

static fval eval(const av_fnode *n, const av_row_view *row);

static int contains(const json_object *arr, fval v)
{
    size_t len = json_object_array_length(arr);
    for (size_t i = 0; i < len; i++)
        if (equal(to_fval(json_object_array_get_idx(arr, i)), v)) return 1;
    return 0;
}

static fval call(const av_fnode *n, const av_row_view *row)
{
    fval a = eval(n->a, row);
    int is_arr = a.t == FV_JSON && json_object_is_type(a.j, json_type_array);
    if (n->op == FF_ARRAY_LENGTH) {
        if (!is_arr) return MISSING;
        fval f = MISSING;
        f.t = FV_INT;
        f.i = (int64_t)json_object_array_length(a.j);
        return f;
    }
    if (!is_arr) return boolv(0);
    fval b = eval(n->b, row);
    if (n->op == FF_JSON_CONTAINS || n->op == FF_ARRAY_CONTAINS) return boolv(contains(a.j, b));
    if (b.t != FV_JSON || !json_object_is_type(b.j, json_type_array)) return boolv(0);
    int all = n->op == FF_JSON_CONTAINS_ALL || n->op == FF_ARRAY_CONTAINS_ALL;
    size_t len = json_object_array_length(b.j);
    for (size_t i = 0; i < len; i++) {
        int has = contains(a.j, to_fval(json_object_array_get_idx(b.j, i)));
        if (all && !has) return boolv(0);
        if (!all && has) return boolv(1);
    }
    return boolv(all);
}

static fval arith(const av_fnode *n, const av_row_view *row)
{
    fval a = eval(n->a, row), b = eval(n->b, row), r = MISSING;
    if (!is_number(a.t) || !is_number(b.t)) return MISSING;
    if (a.t == FV_INT && b.t == FV_INT && n->op != '/') {
        r.t = FV_INT;
        switch (n->op) {
        case '+': r.i = (int64_t)((uint64_t)a.i + (uint64_t)b.i); break;
        case '-': r.i = (int64_t)((uint64_t)a.i - (uint64_t)b.i); break;
        case '*': r.i = (int64_t)((uint64_t)a.i * (uint64_t)b.i); break;
        default:
            if (b.i == 0 || (a.i == INT64_MIN && b.i == -1)) return MISSING;
            r.i = a.i % b.i;
        }
        return r;
    }
    double x = a.t == FV_INT ? (double)a.i : a.d, y = b.t == FV_INT ? (double)b.i : b.d;
    r.t = FV_DBL;
    switch (n->op) {
    case '+': r.d = x + y; break;
    case '-': r.d = x - y; break;
    case '*': r.d = x * y; break;
    case '/': if (y == 0) return MISSING; r.d = x / y; break;
    default: if (y == 0) return MISSING; r.d = fmod(x, y);
    }
    return r;
}

static fval eval(const av_fnode *n, const av_row_view *row)
{
    switch (n->kind) {
    case FN_LIT: return n->lit;
    case FN_FIELD: return field_value(n, row);
    case FN_AND: return boolv(truthy(eval(n->a, row)) && truthy(eval(n->b, row)));
    case FN_OR: return boolv(truthy(eval(n->a, row)) || truthy(eval(n->b, row)));
    case FN_NOT: return boolv(!truthy(eval(n->a, row)));
    case FN_CMP: {
        int r;
        return boolv(compare(eval(n->a, row), eval(n->b, row), &r) && cmp_holds(n->op, r));
    }
    case FN_IN: {
        fval v = eval(n->a, row);
        if (v.t == FV_MISSING || v.t == FV_NULL) return boolv(0);
        int found = 0;
        for (size_t i = 0; i < n->nlist && !found; i++) found = equal(v, n->list[i]);
        return boolv(found != n->negate);
    }
    case FN_LIKE: {
        fval v = eval(n->a, row);
        return boolv(v.t == FV_STR && like(v.s, v.n, n->pattern));
    }
    case FN_ISNULL: {
        fval v = eval(n->a, row);
        return boolv((v.t == FV_MISSING || v.t == FV_NULL) != n->negate);
    }
    case FN_CALL: return call(n, row);
    case FN_ARITH: return arith(n, row);
    case FN_NEG: {
        fval v = eval(n->a, row);
        if (v.t == FV_INT) v.i = (int64_t)(0 - (uint64_t)v.i);
        else if (v.t == FV_DBL) v.d = -v.d;
        else return MISSING;
        return v;
    }
    }
    return MISSING;
}

int av_filter_match(const av_filter *f, const av_row_view *row)
{
    return !f || truthy(eval(f->root, row));
}

/* ---- analysis -------------------------------------------------------------------------------- */

static int has_fields(const av_fnode *n)
{
    return n && (n->kind == FN_FIELD || has_fields(n->a) || has_fields(n->b));
}

/* 1 always true, 0 always false, -1 depends on the row. */
static int fold(const av_fnode *n)
{
    switch (n->kind) {
    case FN_AND: {
        int a = fold(n->a), b = fold(n->b);
        return a == 0 || b == 0 ? 0 : a == 1 && b == 1 ? 1 : -1;
    }
    case FN_OR: {
        int a = fold(n->a), b = fold(n->b);
        return a == 1 || b == 1 ? 1 : a == 0 && b == 0 ? 0 : -1;
    }
    case FN_NOT: {
        int a = fold(n->a);
        return a < 0 ? -1 : !a;
    }
    default: {
        if (has_fields(n)) return -1;
        av_row_view none = { { 0, 0, NULL }, NULL, NULL };
        return truthy(eval(n, &none));
    }
    }
}

int av_filter_always_true(const av_filter *f)
{
    return !f || fold(f->root) == 1;
}

int av_filter_delete_guard(const av_filter *f, const char *coll, av_err *err)
{
    if (f && !av_filter_always_true(f)) return AV_OK;
    return av_fail_on(err, AV_EUNSAFE, AV_ENT_FILTER, AV_R_NONE, NULL, coll, "the filter is empty or always true, so it would delete every row; name the rows to delete, or drop the collection");
}

static int pk_literal(const fval *v, av_pk *out)
{
    if (v->t == FV_INT) { *out = (av_pk){ 0, v->i, NULL }; return 1; }
    if (v->t == FV_STR) { *out = (av_pk){ 1, 0, xstrndup(v->s, v->n) }; return 1; }
    return 0;
}

int av_filter_pks(const av_filter *f, av_pk **pks, size_t *n)
{
    const av_fnode *r = f ? f->root : NULL;
    *pks = NULL;
    *n = 0;
    if (!r) return 0;
    if (r->kind == FN_CMP && r->op == FC_EQ) {
        const av_fnode *fld = r->a->kind == FN_FIELD ? r->a : r->b, *lit = r->a->kind == FN_LIT ? r->a : r->b;
        if (fld->kind != FN_FIELD || !fld->is_pk || fld->npath || lit->kind != FN_LIT) return 0;
        av_pk pk;
        if (!pk_literal(&lit->lit, &pk)) return 0;
        *pks = xmalloc(sizeof pk);
        **pks = pk;
        *n = 1;
        return 1;
    }
    if (r->kind != FN_IN || r->negate || r->a->kind != FN_FIELD || !r->a->is_pk || r->a->npath) return 0;
    av_pk *out = xcalloc(r->nlist ? r->nlist : 1, sizeof(av_pk));
    for (size_t i = 0; i < r->nlist; i++)
        if (!pk_literal(&r->list[i], &out[i])) { av_filter_pks_free(out, i); return 0; }
    *pks = out;
    *n = r->nlist;
    return 1;
}

void av_filter_pks_free(av_pk *pks, size_t n)
{
    for (size_t i = 0; pks && i < n; i++)
        if (pks[i].is_str) free((char *)pks[i].s);
    free(pks);
}
