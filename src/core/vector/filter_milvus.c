/*
 * filter_milvus.c — a recursive-descent parser for Milvus boolean expressions (specs/milvus.md §4)
 * into the filter tree. Precedence, low to high: or, and, not, comparison / in / like / is null,
 * + -, * / %, unary minus, primary. Keywords are all-lowercase or all-uppercase, as in Milvus.
 * Identifiers are bound to the schema as they are read; every error names its byte position.
 */
#include "core/vector/filter.h"
#include "core/vector/filter_node.h"
#include "lib/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum {
    T_END, T_INT, T_FLOAT, T_STR, T_IDENT, T_LP, T_RP, T_LB, T_RB, T_COMMA,
    T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_AND, T_OR, T_NOT, T_PLUS, T_MINUS, T_STAR, T_SLASH, T_PCT,
    T_LBRACE,
} tok_kind;

typedef struct tok {
    tok_kind k;
    int pos;
    const char *p;             /* source text of the token */
    size_t n;
    int64_t i;
    int min64;                 /* T_INT 9223372036854775808: only valid right after a unary minus */
    double d;
    char *s;                   /* T_STR: unescaped, owned */
} tok;

typedef struct parser {
    const char *src;
    size_t len, at;
    tok t;                     /* current token */
    const av_schema *schema;
    av_err *err;
    int depth;
    int failed;
} parser;

/* ---- errors ---------------------------------------------------------------------------------- */

static av_fnode *fail(parser *ps, int pos, const char *what, const char *hint)
{
    if (!ps->failed) {
        av_fail_at(ps->err, AV_EFILTER, pos, "cannot parse expression: %s at position %d%s%s", what, pos, hint ? "; " : "", hint ? hint : "");
        if (ps->err) ps->err->entity = AV_ENT_FILTER;
    }
    ps->failed = 1;
    return NULL;
}

static av_fnode *unexpected(parser *ps, const char *expected)
{
    char what[160];
    if (ps->t.k == T_END) snprintf(what, sizeof what, "the expression ends too early");
    else snprintf(what, sizeof what, "unexpected \"%.*s\"", (int)(ps->t.n > 40 ? 40 : ps->t.n), ps->t.p);
    return fail(ps, ps->t.pos, what, expected);
}

/* ---- lexer ----------------------------------------------------------------------------------- */

static int keyword(const tok *t, const char *kw)
{
    size_t n = strlen(kw);
    if (t->k != T_IDENT || t->n != n) return 0;
    if (strncmp(t->p, kw, n) == 0) return 1;
    for (size_t i = 0; i < n; i++)
        if (t->p[i] != toupper((unsigned char)kw[i])) return 0;
    return 1;
}

static int lex_string(parser *ps, char quote)
{
    av_buf b = { 0 };
    size_t i = ps->at + 1;
    while (i < ps->len && ps->src[i] != quote) {
        char c = ps->src[i];
        if (c == '\\' && i + 1 < ps->len) {
            char e = ps->src[++i];
            c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == '0' ? '\0' : e;
            if (e == '%' || e == '_') av_buf_put(&b, "\\", 1);   /* keep like-escapes for the matcher */
        }
        av_buf_put(&b, &c, 1);
        i++;
    }
    if (i >= ps->len) {
        av_buf_free(&b);
        fail(ps, (int)ps->at, "unterminated string", "close it with a matching quote");
        return -1;
    }
    ps->t.k = T_STR;
    ps->t.s = b.p ? b.p : xstrdup("");
    ps->t.n = b.len;
    ps->at = i + 1;
    return 0;
}

static int lex_number(parser *ps)
{
    const char *s = ps->src + ps->at;
    char *end;
    errno = 0;
    int base = 10;
    const char *digits = s;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) { base = 16; digits = s + 2; }
    else if (s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) { base = 8; digits = s + 2; }
    else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) { base = 2; digits = s + 2; }
    size_t span = strspn(s, "0123456789");
    int is_float = base == 10 && (s[span] == '.' || s[span] == 'e' || s[span] == 'E');
    if (is_float) {
        ps->t.d = strtod(s, &end);
        ps->t.k = T_FLOAT;
    } else {
        unsigned long long v = strtoull(digits, &end, base);
        if (end == digits || errno || v > (unsigned long long)INT64_MAX + 1) {
            fail(ps, (int)ps->at, "integer literal out of range", "integers must fit in Int64");
            return -1;
        }
        ps->t.min64 = v == (unsigned long long)INT64_MAX + 1;   /* -9223372036854775808 is INT64_MIN */
        ps->t.i = ps->t.min64 ? INT64_MIN : (int64_t)v;
        ps->t.k = T_INT;
    }
    if (isalnum((unsigned char)*end) || *end == '_') { fail(ps, (int)ps->at, "malformed number", NULL); return -1; }
    ps->at = (size_t)(end - ps->src);
    return 0;
}

static const struct { const char *text; tok_kind k; } ops[] = {
    {"==", T_EQ}, {"!=", T_NE}, {"<=", T_LE}, {">=", T_GE}, {"&&", T_AND}, {"||", T_OR},
    {"<", T_LT}, {">", T_GT}, {"!", T_NOT}, {"(", T_LP}, {")", T_RP}, {"[", T_LB}, {"]", T_RB},
    {",", T_COMMA}, {"+", T_PLUS}, {"-", T_MINUS}, {"*", T_STAR}, {"/", T_SLASH}, {"%", T_PCT}, {"{", T_LBRACE},
};

/* Reads the next token into ps->t. Returns -1 on a lexical error. */
static int next(parser *ps)
{
    free(ps->t.s);
    memset(&ps->t, 0, sizeof ps->t);
    while (ps->at < ps->len && isspace((unsigned char)ps->src[ps->at])) ps->at++;
    ps->t.pos = (int)ps->at;
    ps->t.p = ps->src + ps->at;
    if (ps->at >= ps->len) { ps->t.k = T_END; return 0; }
    char c = ps->src[ps->at];
    int rc = 0;
    size_t start = ps->at;
    if (c == '"' || c == '\'') rc = lex_string(ps, c);
    else if (isdigit((unsigned char)c) || (c == '.' && isdigit((unsigned char)ps->src[ps->at + 1]))) rc = lex_number(ps);
    else if (isalpha((unsigned char)c) || c == '_' || c == '$') {
        while (ps->at < ps->len && (isalnum((unsigned char)ps->src[ps->at]) || ps->src[ps->at] == '_' || ps->src[ps->at] == '$')) ps->at++;
        ps->t.k = T_IDENT;
    } else {
        size_t k;
        for (k = 0; k < sizeof ops / sizeof *ops; k++)
            if (strncmp(ps->src + ps->at, ops[k].text, strlen(ops[k].text)) == 0) break;
        if (k == sizeof ops / sizeof *ops) { fail(ps, (int)ps->at, "unexpected character", NULL); return -1; }
        ps->t.k = ops[k].k;
        ps->at += strlen(ops[k].text);
    }
    if (ps->t.k != T_STR) ps->t.n = ps->at - start;
    else ps->t.p = ps->src + start;
    if (ps->t.k == T_STR) { /* keep n as the unescaped length; report the raw text on errors */ }
    return rc;
}

static int accept(parser *ps, tok_kind k)
{
    if (ps->t.k != k) return 0;
    return next(ps) == 0;
}

static int accept_kw(parser *ps, const char *kw)
{
    if (!keyword(&ps->t, kw)) return 0;
    return next(ps) == 0;
}

/* ---- grammar --------------------------------------------------------------------------------- */

static av_fnode *parse_or(parser *ps);

static av_fnode *binary(fn_kind kind, int op, int pos, av_fnode *a, av_fnode *b)
{
    if (!a || !b) { fn_free(a); fn_free(b); return NULL; }
    av_fnode *n = fn_new(kind, pos);
    n->op = op;
    n->a = a;
    n->b = b;
    return n;
}

/* A JSON value for a literal token (ints, floats, strings, booleans). NULL when not a literal. */
static json_object *literal_json(parser *ps)
{
    if (ps->t.k == T_INT && ps->t.min64) {
        fail(ps, ps->t.pos, "integer literal out of range", "integers must fit in Int64 (9223372036854775808 only as -9223372036854775808)");
        return NULL;
    }
    switch (ps->t.k) {
    case T_INT: return json_object_new_int64(ps->t.i);
    case T_FLOAT: return json_object_new_double(ps->t.d);
    case T_STR: return json_object_new_string_len(ps->t.s, (int)ps->t.n);
    case T_IDENT:
        if (keyword(&ps->t, "true") || (ps->t.n == 4 && strncmp(ps->t.p, "True", 4) == 0)) return json_object_new_boolean(1);
        if (keyword(&ps->t, "false") || (ps->t.n == 5 && strncmp(ps->t.p, "False", 5) == 0)) return json_object_new_boolean(0);
        return NULL;
    default: return NULL;
    }
}

/* [v, v, ...] of literals (possibly negative numbers, nested lists) as one JSON array literal. */
static json_object *parse_list_json(parser *ps, int depth)
{
    if (depth > AV_FILTER_MAX_DEPTH) { fail(ps, ps->t.pos, "list nested too deeply", NULL); return NULL; }
    json_object *arr = json_object_new_array();
    if (!accept(ps, T_LB)) goto bad;
    while (ps->t.k != T_RB) {
        if (json_object_array_length(arr) >= AV_FILTER_MAX_LIST) {
            av_fail_at(ps->err, AV_ELIMIT, ps->t.pos, "a list in the expression has more than %d values", AV_FILTER_MAX_LIST);
            if (ps->err) ps->err->entity = AV_ENT_FILTER;
            ps->failed = 1;
            goto bad;
        }
        int neg = ps->t.k == T_MINUS;
        if (neg && next(ps)) goto bad;
        if (neg && ps->t.k == T_INT && ps->t.min64) {   /* -9223372036854775808 */
            json_object_array_add(arr, json_object_new_int64(INT64_MIN));
            if (next(ps)) goto bad;
            if (!accept(ps, T_COMMA)) break;
            continue;
        }
        json_object *v = ps->t.k == T_LB ? parse_list_json(ps, depth + 1) : literal_json(ps);
        if (!v) { if (!ps->failed) unexpected(ps, "a list holds literal values like [1, 2] or [\"a\", \"b\"]"); goto bad; }
        if (neg) {
            if (json_object_is_type(v, json_type_int)) { int64_t x = json_object_get_int64(v); json_object_put(v); v = json_object_new_int64(-x); }
            else if (json_object_is_type(v, json_type_double)) { double x = json_object_get_double(v); json_object_put(v); v = json_object_new_double(-x); }
            else { json_object_put(v); unexpected(ps, "only numbers can be negative"); goto bad; }
        }
        json_object_array_add(arr, v);
        if (!json_object_is_type(v, json_type_array) && next(ps)) goto bad;
        if (!accept(ps, T_COMMA)) break;
    }
    if (!accept(ps, T_RB)) { if (!ps->failed) unexpected(ps, "expected \",\" or \"]\" in the list"); goto bad; }
    return arr;
bad:
    json_object_put(arr);
    return NULL;
}

static const struct { const char *name; fn_func f; int nargs; } funcs[] = {
    {"json_contains", FF_JSON_CONTAINS, 2}, {"json_contains_all", FF_JSON_CONTAINS_ALL, 2},
    {"json_contains_any", FF_JSON_CONTAINS_ANY, 2}, {"array_contains", FF_ARRAY_CONTAINS, 2},
    {"array_contains_all", FF_ARRAY_CONTAINS_ALL, 2}, {"array_contains_any", FF_ARRAY_CONTAINS_ANY, 2},
    {"array_length", FF_ARRAY_LENGTH, 1},
};

static av_fnode *parse_call(parser *ps, int fi, int pos)
{
    av_fnode *n = fn_new(FN_CALL, pos);
    n->op = funcs[fi].f;
    if (!accept(ps, T_LP)) { fn_free(n); return unexpected(ps, "expected \"(\" after the function name"); }
    n->a = parse_or(ps);
    if (n->a && funcs[fi].nargs == 2) {
        if (!accept(ps, T_COMMA)) { fn_free(n); return unexpected(ps, "this function takes two arguments"); }
        n->b = parse_or(ps);
        if (!n->b) { fn_free(n); return NULL; }
    }
    if (!n->a) { fn_free(n); return NULL; }
    if (!accept(ps, T_RP)) { fn_free(n); return unexpected(ps, "expected \")\" to close the function call"); }
    return n;
}

/* identifier, identifier["key"][0]..., or $meta["key"]... */
static av_fnode *parse_field(parser *ps)
{
    int pos = ps->t.pos;
    char *name = xstrndup(ps->t.p, ps->t.n);
    if (next(ps)) { free(name); return NULL; }
    av_fnode *n = fn_new(FN_FIELD, pos);
    n->name = name;
    while (ps->t.k == T_LB) {
        if (next(ps)) { fn_free(n); return NULL; }
        fn_step st = { NULL, 0 };
        if (ps->t.k == T_STR) st.key = xstrndup(ps->t.s, ps->t.n);
        else if (ps->t.k == T_INT) st.index = ps->t.i;
        else { fn_free(n); return unexpected(ps, "a JSON path step is a string key or an integer index, like meta[\"k\"][0]"); }
        if (next(ps) || !accept(ps, T_RB)) { free(st.key); fn_free(n); return ps->failed ? NULL : unexpected(ps, "expected \"]\""); }
        n->path = xrealloc(n->path, sizeof(fn_step) * (size_t)(n->npath + 1));
        n->path[n->npath++] = st;
    }
    if (strcmp(n->name, "$meta") == 0) {   /* $meta["k"] is the dynamic key k */
        if (!n->npath || !n->path[0].key) { fn_free(n); return fail(ps, pos, "$meta needs a key, like $meta[\"color\"]", NULL); }
        free(n->name);
        n->name = n->path[0].key;
        memmove(n->path, n->path + 1, sizeof(fn_step) * (size_t)(n->npath - 1));
        n->npath--;
        if (!ps->schema->dynamic) { fn_free(n); return fail(ps, pos, "$meta is used but the collection's dynamic field is disabled", NULL); }
        return n;
    }
    if (fn_bind_field(n, ps->schema, ps->err)) { ps->failed = 1; fn_free(n); return NULL; }
    return n;
}

static av_fnode *parse_primary(parser *ps)
{
    int pos = ps->t.pos;
    if (ps->t.k == T_LP) {
        if (++ps->depth > AV_FILTER_MAX_DEPTH) return fail(ps, pos, "expression nested too deeply", "simplify it");
        if (next(ps)) return NULL;
        av_fnode *n = parse_or(ps);
        ps->depth--;
        if (n && !accept(ps, T_RP)) { fn_free(n); return ps->failed ? NULL : unexpected(ps, "expected \")\""); }
        return n;
    }
    if (ps->t.k == T_LB) {
        json_object *arr = parse_list_json(ps, 0);
        return arr ? fn_literal(arr, pos) : NULL;
    }
    if (ps->t.k == T_LBRACE)
        return fail(ps, pos, "template variables like {name} are not supported", "put the values in the expression itself");
    json_object *lit = literal_json(ps);
    if (lit) {
        if (next(ps)) { json_object_put(lit); return NULL; }
        return fn_literal(lit, pos);
    }
    if (ps->t.k == T_IDENT) {
        for (size_t i = 0; i < sizeof funcs / sizeof *funcs; i++)
            if (keyword(&ps->t, funcs[i].name)) {
                if (next(ps)) return NULL;
                return parse_call(ps, (int)i, pos);
            }
        static const char *const reserved[] = { "and", "or", "not", "in", "like", "is", "null" };
        for (size_t i = 0; i < sizeof reserved / sizeof *reserved; i++)
            if (keyword(&ps->t, reserved[i])) return unexpected(ps, "expected a value or a field name");
        return parse_field(ps);
    }
    return unexpected(ps, "expected a value, a field name or \"(\"");
}

static av_fnode *parse_unary(parser *ps)
{
    int pos = ps->t.pos;
    if (ps->t.k == T_MINUS) {
        if (next(ps)) return NULL;
        if (ps->t.k == T_INT && ps->t.min64) {   /* -9223372036854775808: INT64_MIN as a literal */
            if (next(ps)) return NULL;
            return fn_literal(json_object_new_int64(INT64_MIN), pos);
        }
        if (++ps->depth > AV_FILTER_MAX_DEPTH) return fail(ps, pos, "expression nested too deeply", NULL);
        av_fnode *a = parse_unary(ps);
        ps->depth--;
        if (!a) return NULL;
        if (a->kind == FN_LIT && a->lit.t == FV_INT && a->lit.i == INT64_MIN) {   /* -(-2^63) is 2^63 */
            fn_free(a);
            return fail(ps, pos, "integer literal out of range", "integers must fit in Int64");
        }
        if (a->kind == FN_LIT && (a->lit.t == FV_INT || a->lit.t == FV_DBL)) {   /* fold -literal */
            json_object *v = a->lit.t == FV_INT ? json_object_new_int64(-a->lit.i) : json_object_new_double(-a->lit.d);
            fn_free(a);
            return fn_literal(v, pos);
        }
        av_fnode *n = fn_new(FN_NEG, pos);
        n->a = a;
        return n;
    }
    return parse_primary(ps);
}

/* Arithmetic is not associative for floats, so a chain stays left-deep and is bounded instead. */
static int chain_too_long(parser *ps, int *count)
{
    if (++*count <= AV_FILTER_MAX_CHAIN) return 0;
    av_fail_at(ps->err, AV_ELIMIT, ps->t.pos, "cannot parse expression: more than %d arithmetic operators in a row at position %d; simplify it", AV_FILTER_MAX_CHAIN, ps->t.pos);
    if (ps->err) ps->err->entity = AV_ENT_FILTER;
    ps->failed = 1;
    return 1;
}

static av_fnode *parse_mul(parser *ps)
{
    av_fnode *a = parse_unary(ps);
    int count = 0;
    while (a && (ps->t.k == T_STAR || ps->t.k == T_SLASH || ps->t.k == T_PCT)) {
        int op = ps->t.k == T_STAR ? '*' : ps->t.k == T_SLASH ? '/' : '%', pos = ps->t.pos;
        if (chain_too_long(ps, &count) || next(ps)) { fn_free(a); return NULL; }
        a = binary(FN_ARITH, op, pos, a, parse_unary(ps));
    }
    return a;
}

static av_fnode *parse_add(parser *ps)
{
    av_fnode *a = parse_mul(ps);
    int count = 0;
    while (a && (ps->t.k == T_PLUS || ps->t.k == T_MINUS)) {
        int op = ps->t.k == T_PLUS ? '+' : '-', pos = ps->t.pos;
        if (chain_too_long(ps, &count) || next(ps)) { fn_free(a); return NULL; }
        a = binary(FN_ARITH, op, pos, a, parse_mul(ps));
    }
    return a;
}

static int cmp_op(tok_kind k)
{
    switch (k) {
    case T_EQ: return FC_EQ;
    case T_NE: return FC_NE;
    case T_LT: return FC_LT;
    case T_LE: return FC_LE;
    case T_GT: return FC_GT;
    case T_GE: return FC_GE;
    default: return -1;
    }
}

static av_fnode *checked(parser *ps, av_fnode *n)
{
    if (n && fn_check_types(n, ps->err)) { ps->failed = 1; fn_free(n); return NULL; }
    return n;
}

static av_fnode *parse_in(parser *ps, av_fnode *a, int negate, int pos)
{
    av_fnode *n = fn_new(FN_IN, pos);
    n->negate = negate;
    n->a = a;
    n->b = parse_add(ps);
    if (!n->b) { fn_free(n); return NULL; }
    if (fn_prepare_in(n, ps->err)) { ps->failed = 1; fn_free(n); return NULL; }
    return checked(ps, n);
}

static av_fnode *parse_cmp(parser *ps)
{
    av_fnode *a = parse_add(ps);
    if (!a) return NULL;
    int pos = ps->t.pos;
    int op = cmp_op(ps->t.k);
    if (op >= 0) {
        if (next(ps)) { fn_free(a); return NULL; }
        av_fnode *b = parse_add(ps);
        av_fnode *n = checked(ps, binary(FN_CMP, op, pos, a, b));
        int op2 = cmp_op(ps->t.k);
        if (n && op2 >= 0) {   /* chained range: a < b < c means a < b and b < c */
            int pos2 = ps->t.pos;
            if (op == FC_EQ || op == FC_NE || op2 == FC_EQ || op2 == FC_NE || n->b->kind != FN_FIELD) {
                fn_free(n);
                return fail(ps, pos2, "only ranges like 1 < x < 5 may chain comparisons", "join comparisons with and");
            }
            if (next(ps)) { fn_free(n); return NULL; }
            av_fnode *mid = fn_new(FN_FIELD, n->b->pos);
            mid->name = xstrdup(n->b->name);
            mid->is_pk = n->b->is_pk;
            mid->field = n->b->field;
            mid->path = xcalloc((size_t)(n->b->npath ? n->b->npath : 1), sizeof(fn_step));
            for (int i = 0; i < n->b->npath; i++)
                mid->path[i] = (fn_step){ n->b->path[i].key ? xstrdup(n->b->path[i].key) : NULL, n->b->path[i].index };
            mid->npath = n->b->npath;
            av_fnode *second = checked(ps, binary(FN_CMP, op2, pos2, mid, parse_add(ps)));
            return binary(FN_AND, 0, pos, n, second);
        }
        return n;
    }
    if (keyword(&ps->t, "in")) {
        if (next(ps)) { fn_free(a); return NULL; }
        return parse_in(ps, a, 0, pos);
    }
    if (keyword(&ps->t, "not")) {   /* not in */
        size_t save_at = ps->at;
        tok save = ps->t;
        ps->t.s = NULL;
        if (next(ps)) { fn_free(a); return NULL; }
        if (keyword(&ps->t, "in")) {
            if (next(ps)) { fn_free(a); return NULL; }
            return parse_in(ps, a, 1, pos);
        }
        ps->at = save_at;   /* not a "not in": let the caller report it */
        free(ps->t.s);
        ps->t = save;
        return a;
    }
    if (keyword(&ps->t, "like")) {
        if (next(ps)) { fn_free(a); return NULL; }
        if (ps->t.k != T_STR) { fn_free(a); return unexpected(ps, "like needs a string pattern, like name like \"ab%\""); }
        av_fnode *n = fn_new(FN_LIKE, pos);
        n->a = a;
        n->pattern = xstrndup(ps->t.s, ps->t.n);
        if (next(ps)) { fn_free(n); return NULL; }
        return checked(ps, n);
    }
    if (keyword(&ps->t, "is")) {
        if (next(ps)) { fn_free(a); return NULL; }
        int negate = accept_kw(ps, "not");
        if (!accept_kw(ps, "null")) { fn_free(a); return ps->failed ? NULL : unexpected(ps, "expected \"is null\" or \"is not null\""); }
        av_fnode *n = fn_new(FN_ISNULL, pos);
        n->a = a;
        n->negate = negate;
        return n;
    }
    return a;
}

static av_fnode *parse_not(parser *ps)
{
    int pos = ps->t.pos;
    if (ps->t.k == T_NOT || keyword(&ps->t, "not")) {
        if (next(ps)) return NULL;
        if (++ps->depth > AV_FILTER_MAX_DEPTH) return fail(ps, pos, "expression nested too deeply", NULL);
        av_fnode *a = parse_not(ps);
        ps->depth--;
        if (!a) return NULL;
        av_fnode *n = fn_new(FN_NOT, pos);
        n->a = a;
        return n;
    }
    return parse_cmp(ps);
}

/* operands of one and/or chain, built into a balanced tree (fn_chain) so that evaluating a chain
 * of thousands of conditions recurses log2(n) deep */
typedef struct chain { av_fnode **v; size_t n, cap; } chain;

static void chain_add(chain *c, av_fnode *n)
{
    if (c->n == c->cap) { c->cap = c->cap ? c->cap * 2 : 8; c->v = xrealloc(c->v, sizeof *c->v * c->cap); }
    c->v[c->n++] = n;
}

static av_fnode *chain_end(chain *c, fn_kind kind, int ok)
{
    av_fnode *out = NULL;
    if (ok && c->n) out = fn_chain(kind, c->v, c->n);
    else for (size_t i = 0; i < c->n; i++) fn_free(c->v[i]);
    free(c->v);
    return out;
}

static av_fnode *parse_and(parser *ps)
{
    chain c = { 0 };
    av_fnode *a = parse_not(ps);
    if (a) chain_add(&c, a);
    while (a && (ps->t.k == T_AND || keyword(&ps->t, "and"))) {
        if (next(ps)) return chain_end(&c, FN_AND, 0);
        a = parse_not(ps);
        if (a) chain_add(&c, a);
    }
    return chain_end(&c, FN_AND, a != NULL);
}

static av_fnode *parse_or(parser *ps)
{
    if (++ps->depth > AV_FILTER_MAX_DEPTH) return fail(ps, ps->t.pos, "expression nested too deeply", "simplify it");
    chain c = { 0 };
    av_fnode *a = parse_and(ps);
    if (a) chain_add(&c, a);
    while (a && (ps->t.k == T_OR || keyword(&ps->t, "or"))) {
        if (next(ps)) { ps->depth--; return chain_end(&c, FN_OR, 0); }
        a = parse_and(ps);
        if (a) chain_add(&c, a);
    }
    ps->depth--;
    return chain_end(&c, FN_OR, a != NULL);
}

int av_filter_parse_milvus(const char *expr, const av_schema *schema, av_filter **out, av_err *err)
{
    *out = NULL;
    size_t len = strlen(expr);
    if (len > AV_FILTER_MAX_LEN)
        return av_fail_on(err, AV_ELIMIT, AV_ENT_FILTER, AV_R_NONE, NULL, NULL, "the filter expression is %zu bytes; the limit is %d", len, AV_FILTER_MAX_LEN);
    parser ps = { expr, len, 0, { 0 }, schema, err, 0, 0 };
    if (next(&ps)) return AV_EFILTER;
    if (ps.t.k == T_END) {
        av_fail_at(err, AV_EFILTER, 0, "cannot parse expression: the filter is empty");
        if (err) { err->entity = AV_ENT_FILTER; err->reason = AV_R_EMPTY; }
        return AV_EFILTER;
    }
    av_fnode *root = parse_or(&ps);
    if (root && ps.t.k != T_END) {
        fn_free(root);
        root = unexpected(&ps, "expected and, or, or the end of the expression");
    }
    free(ps.t.s);
    if (root && fn_check_height(root, err)) { fn_free(root); return AV_ELIMIT; }
    if (!root) return err ? err->code : AV_EFILTER;
    *out = fn_wrap(root);
    return AV_OK;
}
