/*
 * collection_query.c — the reads that do more than pick rows: rows ordered by a numeric field or
 * drawn at random (av_query_ordered), and row counts grouped by a field's value (av_count_groups).
 * It owns which rows take part (visible, matching the filter, holding a value), their order (the
 * direction, the tie rule, the random draw) and the grouping; the dialects only name the field and
 * render what they are handed.
 *
 * Locking: a call checks its field against the handle's immutable schema, then takes the collection's
 * read lock once and holds it across everything else — the scan, the field reads, the sort or the
 * count, and every visitor call — like av_query and av_search (collection_read.c). So each call
 * reports one state of the collection: a row's score is read from the very row that is visited, and
 * a delete has either returned before the call took the lock (the row is absent) or waits until the
 * call ends. There is no second lookup for a write to slip between.
 */
#include "core/vector/collection.h"
#include "core/vector/filter.h"
#include "lib/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static int check_live(const av_collection *c, av_err *err)
{
    if (!c->dropped) return AV_OK;
    return av_fail_on(err, AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_CHANGED, c->schema.name, c->db,
                      "collection \"%s\" was dropped or changed while this request ran; send the request again", c->schema.name);
}

/* A field of the schema that is not the pk; AV_EFIELD when absent. */
static int known_field(const av_collection *c, const char *field, const av_field **out, const char *msg, av_err *err)
{
    *out = av_schema_field(&c->schema, field);
    if (!*out) return av_fail_on(err, AV_EFIELD, AV_ENT_FIELD, AV_R_UNKNOWN, field, c->schema.name, msg, field);
    if ((*out)->primary) return av_fail_on(err, AV_ETYPE, AV_ENT_FIELD, AV_R_NONE, field, c->schema.name, msg, field);
    return AV_OK;
}

#define ORDER_FIELD_MSG "field \"%.128s\" must be an int64 or float32 field of the collection"
#define GROUP_FIELD_MSG "field \"%.128s\" cannot be grouped; name a scalar field"

static int check_order_field(const av_collection *c, const char *field, av_err *err)
{
    const av_field *f;
    int rc = known_field(c, field, &f, ORDER_FIELD_MSG, err);
    if (rc) return rc;
    if (f->type == AV_T_INT32 || f->type == AV_T_INT64 || f->type == AV_T_FLOAT || f->type == AV_T_DOUBLE) return AV_OK;
    return av_fail_on(err, AV_ETYPE, AV_ENT_FIELD, AV_R_NONE, field, c->schema.name, ORDER_FIELD_MSG, field);
}

static int check_group_field(const av_collection *c, const char *field, av_err *err)
{
    const av_field *f;
    int rc = known_field(c, field, &f, GROUP_FIELD_MSG, err);
    if (rc) return rc;
    if (f->type != AV_T_FLOAT_VECTOR && f->type != AV_T_JSON && f->type != AV_T_ARRAY) return AV_OK;
    return av_fail_on(err, AV_ETYPE, AV_ENT_FIELD, AV_R_NONE, field, c->schema.name, GROUP_FIELD_MSG, field);
}

/* ---- the rows taking part -------------------------------------------------------------------- */

/* One row taking part: its pk (borrowed from the collection, valid under the lock), slot and score. */
typedef struct entry { av_pk pk; uint32_t slot; double score; } entry;

static int pk_cmp(const av_pk *a, const av_pk *b)
{
    if (a->is_str) return strcmp(a->s, b->s);
    return a->i < b->i ? -1 : a->i > b->i;
}

/* The row's value of `field` as a number: 0 when it is missing, null or not a number. */
static int row_number(const av_row_view *v, const char *field, double *out)
{
    json_object *fv = NULL;
    if (!json_object_object_get_ex((json_object *)v->doc, field, &fv) || !fv) return 0;
    if (!json_object_is_type(fv, json_type_int) && !json_object_is_type(fv, json_type_double)) return 0;
    *out = json_object_get_double(fv);
    return 1;
}

/* The visible rows matching f (caller holds the read lock), with their value of `score_field` as score
 * (rows without one are left out; NULL: every row, score 0). *out is NULL when there are none. */
static size_t collect(const av_collection *c, const av_filter *f, const char *score_field, entry **out)
{
    *out = NULL;
    if (c->rows.live <= 0) return 0;
    entry *v = xmalloc(sizeof(entry) * (size_t)c->rows.live);
    size_t n = 0;
    int64_t now = av_now_ms();
    for (uint32_t s = 0; s < c->rows.nslots; s++) {
        if (!coll_visible(c, s, now)) continue;
        av_row_view rv = coll_view(c, s);
        double score = 0;
        if (f && !av_filter_match(f, &rv)) continue;
        if (score_field && !row_number(&rv, score_field, &score)) continue;
        v[n++] = (entry){ rv.pk, s, score };
    }
    *out = v;
    return n;
}

/* Largest score first, equal scores by primary key ascending: a total order, so the result does not
 * depend on the sort's stability. Ascending order is its exact reverse. */
static int by_score_desc(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    return pk_cmp(&x->pk, &y->pk);
}

static int by_score_asc(const void *a, const void *b)
{
    return by_score_desc(b, a);
}

static int by_pk(const void *a, const void *b)
{
    return pk_cmp(&((const entry *)a)->pk, &((const entry *)b)->pk);
}

/* Moves a uniformly random choice of k of the n entries, in random order, to the front (the first k
 * steps of a Fisher-Yates shuffle). */
static void draw_random(entry *v, size_t n, size_t k)
{
    for (size_t i = 0; i < k && i + 1 < n; i++) {
        uint64_t r;
        av_random(&r, sizeof r);
        size_t j = i + (size_t)(r % (n - i));
        entry t = v[i]; v[i] = v[j]; v[j] = t;
    }
}

/* ---- ordered queries ------------------------------------------------------------------------- */

/* Entries [offset, offset + limit) of n, as a count from `*from`. */
static size_t window(size_t n, int64_t offset, int64_t limit, size_t *from)
{
    *from = (uint64_t)offset < n ? (size_t)offset : n;
    size_t rest = n - *from;
    return limit >= 0 && (uint64_t)limit < rest ? (size_t)limit : rest;
}

int av_query_ordered(av_collection *c, const av_order *o, av_ordered_visitor fn, void *ctx, int64_t *matched, av_err *err)
{
    if (matched) *matched = 0;
    if (o->offset < 0) return av_fail(err, AV_EINVAL, "offset %" PRId64 " is negative", o->offset);
    int rc = o->field ? check_order_field(c, o->field, err) : AV_OK;
    if (rc) return rc;
    entry *v = NULL;
    size_t n = 0, from = 0, count = 0;
    coll_rdlock(c);
    if ((rc = check_live(c, err)) == AV_OK) {
        n = collect(c, o->filter, o->field, &v);
        count = window(n, o->offset, o->limit, &from);
        if (!o->field) draw_random(v, n, from + count);
        else if (n) qsort(v, n, sizeof *v, o->ascending ? by_score_asc : by_score_desc);   /* v is NULL when n is 0 */
        for (size_t i = from; i < from + count; i++) {
            av_row_view rv = coll_view(c, v[i].slot);
            if (fn(ctx, v[i].score, &rv)) break;
        }
    }
    coll_unlock(c);
    free(v);
    if (matched) *matched = (int64_t)n;
    return rc;
}

/* ---- grouped counts -------------------------------------------------------------------------- */

/* The text a group is known by while counting (a key of the index object), in buf or borrowed from the
 * value; NULL when the value joins no group. Reads v without modifying it (it is a borrowed doc's). */
static const char *group_key(json_object *v, char *buf, size_t n)
{
    if (!v) return NULL;
    switch (json_object_get_type(v)) {
    case json_type_string: return json_object_get_string(v);
    case json_type_int: snprintf(buf, n, "%" PRId64, json_object_get_int64(v)); return buf;
    case json_type_boolean: return json_object_get_boolean(v) ? "true" : "false";
    default: return NULL;
    }
}

/* A new value equal to v (string, int or boolean), built without serialising the borrowed v. */
static json_object *copy_value(json_object *v)
{
    if (json_object_is_type(v, json_type_string)) return json_object_new_string_len(json_object_get_string(v), json_object_get_string_len(v));
    if (json_object_is_type(v, json_type_int)) return json_object_new_int64(json_object_get_int64(v));
    return json_object_new_boolean(json_object_get_boolean(v));
}

typedef struct group_acc { av_group *v; size_t n, cap; json_object *index; } group_acc;

/* Counts one row into the group of its value of `field` (caller holds the read lock). */
static void count_row(group_acc *a, const av_row_view *row, const char *field)
{
    json_object *v = NULL, *at = NULL;
    char buf[24];
    json_object_object_get_ex((json_object *)row->doc, field, &v);
    const char *key = group_key(v, buf, sizeof buf);
    if (!key) return;
    if (json_object_object_get_ex(a->index, key, &at)) { a->v[json_object_get_int64(at)].count++; return; }
    if (a->n == a->cap) a->v = xrealloc(a->v, sizeof(av_group) * (a->cap = a->cap ? a->cap * 2 : 16));
    a->v[a->n] = (av_group){ copy_value(v), 1 };
    json_object_object_add(a->index, key, json_object_new_int64((int64_t)a->n++));
}

/* Drops the groups whose count is not above more_than, keeping the others' order. */
static size_t keep_above(av_group *v, size_t n, int64_t more_than)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i].count > more_than) v[k++] = v[i];
        else json_object_put(v[i].value);
    }
    return k;
}

int av_count_groups(av_collection *c, const av_group_by *g, av_group **groups, size_t *ngroups, int64_t *matched, av_err *err)
{
    *groups = NULL;
    *ngroups = 0;
    if (matched) *matched = 0;
    int rc = g->field ? check_group_field(c, g->field, err) : AV_OK;
    if (rc) return rc;
    group_acc a = { NULL, 0, 0, g->field ? json_object_new_object() : NULL };
    entry *v = NULL;
    size_t n = 0;
    coll_rdlock(c);
    if ((rc = check_live(c, err)) == AV_OK) {
        n = collect(c, g->filter, NULL, &v);
        if (g->field && n) qsort(v, n, sizeof *v, by_pk);   /* groups come in order of their first row */
        for (size_t i = 0; g->field && i < n; i++) {
            av_row_view rv = coll_view(c, v[i].slot);
            count_row(&a, &rv, g->field);
        }
    }
    coll_unlock(c);
    free(v);
    json_object_put(a.index);
    *ngroups = keep_above(a.v, a.n, g->more_than);
    if (*ngroups) *groups = a.v;
    else free(a.v);
    if (matched) *matched = (int64_t)n;
    return rc;
}

void av_groups_free(av_group *groups, size_t n)
{
    for (size_t i = 0; i < n; i++) json_object_put(groups[i].value);
    free(groups);
}
