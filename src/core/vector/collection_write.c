/*
 * collection_write.c — insert, upsert and delete: validate everything, commit one SQLite transaction
 * under the collection's writer mutex, then apply to memory under its read-write lock (see
 * collection.h for the locking story).
 *
 * Delete plan (av_delete_pks / av_delete_filter):
 *   1. validate the request (pk types, filter not always-true) — nothing is locked or changed yet;
 *   2. take the collection's writer mutex (readers go on);
 *   3. resolve the slots to delete (pk lookups, or a filter scan over live slots);
 *   4. delete their rows in one SQLite transaction and commit (durable: synchronous=FULL);
 *   5. take the read-write lock exclusively, scrub the slots in memory (vector zeroed, doc and pk
 *      freed, slot freed), compact the slots when more than half are free, and release both locks —
 *      from here every reader misses them;
 *   6. wake the purge thread, which checkpoints and truncates the WAL so the zeroed pages
 *      (secure_delete) replace the old bytes on disk.
 * Inserts and updates follow the same steps: readers never wait for the transaction's fsync.
 */
#include "core/vector/collection.h"
#include "core/vector/filter.h"
#include "core/store/store.h"
#include "lib/util.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <float.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- validation ------------------------------------------------------------------------------ */

/* av_fail_on about item `row` of a batch (err->index). */
/* A primary key as text, for av_err.name. */
static const char *pk_text(const av_pk *pk, char buf[24])
{
    if (pk->is_str) return pk->s;
    snprintf(buf, 24, "%" PRId64, pk->i);
    return buf;
}

static int json_int64(json_object *v, int64_t *out)
{
    if (!json_object_is_type(v, json_type_int)) return 0;
    int64_t i = json_object_get_int64(v);
    if (i == INT64_MAX && json_object_get_uint64(v) != (uint64_t)INT64_MAX) return 0;
    *out = i;
    return 1;
}

static int check_scalar(const av_field *f, av_type t, json_object *v, int row, av_err *err)
{
    int64_t i;
    const char *tn = av_type_name(t);
    switch (t) {
    case AV_T_BOOL:
        if (json_object_is_type(v, json_type_boolean)) return AV_OK;
        break;
    case AV_T_INT8: case AV_T_INT16: case AV_T_INT32: case AV_T_INT64: {
        if (!json_int64(v, &i)) break;
        int64_t lo = t == AV_T_INT8 ? INT8_MIN : t == AV_T_INT16 ? INT16_MIN : t == AV_T_INT32 ? INT32_MIN : INT64_MIN;
        int64_t hi = t == AV_T_INT8 ? INT8_MAX : t == AV_T_INT16 ? INT16_MAX : t == AV_T_INT32 ? INT32_MAX : INT64_MAX;
        if (i < lo || i > hi)
            return av_fail_item(err, row, AV_ETYPE, AV_ENT_FIELD, AV_R_NONE, f->name, NULL, "row %d: value %" PRId64 " of field \"%s\" is out of range for %s", row, i, f->name, tn);
        return AV_OK;
    }
    case AV_T_FLOAT: case AV_T_DOUBLE: {
        if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)) break;
        double d = json_object_get_double(v);
        if (!isfinite(d) || (t == AV_T_FLOAT && fabs(d) > FLT_MAX))
            return av_fail_item(err, row, AV_ETYPE, AV_ENT_FIELD, AV_R_NONE, f->name, NULL, "row %d: value of field \"%s\" is not a finite %s", row, f->name, tn);
        return AV_OK;
    }
    case AV_T_VARCHAR: {
        if (!json_object_is_type(v, json_type_string)) break;
        int len = json_object_get_string_len(v);
        if (len > f->max_length)
            return av_fail_item(err, row, AV_ELIMIT, AV_ENT_FIELD, AV_R_NONE, f->name, NULL, "row %d: field \"%s\" is %d bytes long; its max_length is %d", row, f->name, len, f->max_length);
        return AV_OK;
    }
    default:
        break;
    }
    return av_fail_item(err, row, AV_ETYPE, AV_ENT_FIELD, AV_R_NONE, f->name, NULL, "row %d: field \"%s\" expects %s, got %s", row, f->name, tn,
                   json_type_to_name(json_object_get_type(v)));
}

static int check_value(const av_field *f, json_object *v, int row, av_err *err)
{
    if (f->type == AV_T_JSON) return AV_OK;
    if (f->type != AV_T_ARRAY) return check_scalar(f, f->type, v, row, err);
    if (!json_object_is_type(v, json_type_array))
        return av_fail_item(err, row, AV_ETYPE, AV_ENT_FIELD, AV_R_NONE, f->name, NULL, "row %d: field \"%s\" expects an Array of %s", row, f->name, av_type_name(f->element_type));
    size_t n = json_object_array_length(v);
    if (n > (size_t)f->max_capacity)
        return av_fail_item(err, row, AV_ELIMIT, AV_ENT_FIELD, AV_R_NONE, f->name, NULL, "row %d: field \"%s\" has %zu elements; its max_capacity is %d", row, f->name, n, f->max_capacity);
    for (size_t k = 0; k < n; k++) {
        int rc = check_scalar(f, f->element_type, json_object_array_get_idx(v, k), row, err);
        if (rc) return rc;
    }
    return AV_OK;
}

static json_object *copy_json(json_object *v)
{
    json_object *out = NULL;
    if (v) json_object_deep_copy(v, &out, NULL);
    return out;
}

/* Builds the stored document of one row: declared fields checked (defaults and nulls applied), then
 * extra keys when the schema is dynamic. *out is a new object owned by the caller. */
static int build_doc(const av_collection *c, json_object *in, int row, json_object **out, av_err *err)
{
    const av_schema *s = &c->schema;
    if (in && !json_object_is_type(in, json_type_object))
        return av_fail_item(err, row, AV_ETYPE, AV_ENT_ROW, AV_R_NONE, NULL, s->name, "row %d is not a JSON object", row);
    json_object *doc = json_object_new_object();
    int rc = AV_OK;
    for (int k = 0; k < s->nfields && rc == AV_OK; k++) {
        const av_field *f = &s->fields[k];
        if (f->primary || f->type == AV_T_FLOAT_VECTOR) continue;
        json_object *v = NULL;
        int present = in && json_object_object_get_ex(in, f->name, &v) && v != NULL;
        if (!present) {
            if (f->default_value) json_object_object_add(doc, f->name, copy_json(f->default_value));
            else if (f->nullable) json_object_object_add(doc, f->name, NULL);
            else rc = av_fail_item(err, row, AV_EFIELD, AV_ENT_FIELD, AV_R_MISSING, f->name, s->name, "row %d: field \"%s\" is missing; every row needs it (or create the field as nullable or with a default value)", row, f->name);
            continue;
        }
        if ((rc = check_value(f, v, row, err)) == AV_OK)
            json_object_object_add(doc, f->name, copy_json(v));
    }
    if (rc == AV_OK && in) {
        json_object_object_foreach(in, key, val) {
            if (av_schema_field(s, key)) continue;
            if (strcmp(key, "$meta") == 0 && s->dynamic && val && json_object_is_type(val, json_type_object)) {
                json_object_object_foreach(val, mk, mv)
                    if (!av_schema_field(s, mk)) json_object_object_add(doc, mk, copy_json(mv));
                continue;
            }
            if (!s->dynamic) {
                rc = av_fail_item(err, row, AV_EFIELD, AV_ENT_FIELD, AV_R_UNKNOWN, key, s->name, "row %d: field \"%s\" is not in the schema of collection \"%s\" and its dynamic field is disabled; remove the key, or create the collection with the dynamic field enabled", row, key, s->name);
                break;
            }
            json_object_object_add(doc, key, copy_json(val));
        }
    }
    if (rc) { json_object_put(doc); return rc; }
    *out = doc;
    return AV_OK;
}

static int check_pk(const av_collection *c, const av_pk *pk, int row, av_err *err)
{
    if (pk->is_str != c->pk_is_str)
        return av_fail_item(err, row, AV_EPK, AV_ENT_PK, AV_R_NONE, c->pkf->name, c->schema.name, "row %d: primary key \"%s\" is %s, got a %s", row, c->pkf->name,
                       av_type_name(c->pkf->type), pk->is_str ? "string" : "number");
    if (pk->is_str) {
        if (!pk->s) return av_fail_item(err, row, AV_EPK, AV_ENT_PK, AV_R_MISSING, c->pkf->name, c->schema.name, "row %d: primary key \"%s\" is missing", row, c->pkf->name);
        size_t len = strlen(pk->s);
        if (len == 0 || len > (size_t)c->pkf->max_length)
            return av_fail_item(err, row, AV_EPK, AV_ENT_PK, AV_R_NONE, c->pkf->name, c->schema.name, "row %d: primary key \"%s\" must be 1..%d bytes long, got %zu", row, c->pkf->name, c->pkf->max_length, len);
    }
    return AV_OK;
}

static int check_vector(const av_collection *c, const float *v, int row, av_err *err)
{
    if (!v) return av_fail_item(err, row, AV_EFIELD, AV_ENT_VECTOR, AV_R_MISSING, c->vecf->name, c->schema.name, "row %d: vector field \"%s\" is missing", row, c->vecf->name);
    for (int k = 0; k < c->dim; k++)
        if (!isfinite(v[k]))
            return av_fail_item(err, row, AV_EINVAL, AV_ENT_VECTOR, AV_R_NONE, c->vecf->name, c->schema.name, "row %d: vector field \"%s\" has a NaN or infinite value at index %d", row, c->vecf->name, k);
    return AV_OK;
}

/* Duplicate pks inside one batch: refused for insert; for upsert the last occurrence wins, so earlier
 * duplicates are skipped (marked in `skip`). */
static int check_batch_dups(const av_collection *c, const av_pk *pks, size_t n, int upsert, uint8_t *skip, av_err *err)
{
    pkmap seen;
    pkmap_init(&seen, c->pk_is_str);
    char **strs = c->pk_is_str ? xmalloc(sizeof(char *) * n) : NULL;
    int rc = AV_OK;
    for (size_t i = 0; i < n; i++) {
        if (strs) strs[i] = (char *)pks[i].s;
        uint32_t prev = pkmap_get(&seen, &pks[i], strs);
        if (prev != PKMAP_NONE) {
            if (!upsert) {
                rc = pks[i].is_str
                    ? av_fail_item(err, (int64_t)i, AV_EPK, AV_ENT_PK, AV_R_DUPLICATE, pks[i].s, c->schema.name, "rows %u and %zu have the same primary key \"%s\"", prev, i, pks[i].s)
                    : av_fail_item(err, (int64_t)i, AV_EPK, AV_ENT_PK, AV_R_DUPLICATE, pk_text(&pks[i], (char[24]){0}), c->schema.name, "rows %u and %zu have the same primary key %" PRId64, prev, i, pks[i].i);
                break;
            }
            skip[prev] = 1;
        }
        pkmap_put(&seen, &pks[i], (uint32_t)i, strs);
    }
    pkmap_free(&seen);
    free(strs);
    return rc;
}

/* ---- SQLite ---------------------------------------------------------------------------------- */

static void bind_pk(sqlite3_stmt *st, int idx, const av_pk *pk)
{
    if (pk->is_str) sqlite3_bind_text(st, idx, pk->s, -1, SQLITE_STATIC);
    else sqlite3_bind_int64(st, idx, pk->i);
}

/* Writes rows (insert-or-replace: insert semantics are checked in memory, where an expired row that
 * is not purged yet counts as absent). expire[i] is each row's expiry (epoch ms, 0 = never). */
static int write_rows(av_collection *c, const av_pk *pks, const av_row *rows, json_object **docs,
                      const uint8_t *skip, const int64_t *expire, size_t n, int assigned, av_err *err)
{
    sqlite3 *db = av_store_db(c->st);
    sqlite3_stmt *st = NULL;
    const char *sql = "INSERT INTO entity(coll, pk, vec, doc, expire_ms) VALUES (?1, ?2, ?3, ?4, ?5) "
                      "ON CONFLICT(coll, pk) DO UPDATE SET vec = excluded.vec, doc = excluded.doc, expire_ms = excluded.expire_ms";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL)) return av_store_sqlite_fail(c->st, err, "preparing insert");
    int rc = AV_OK;
    for (size_t i = 0; i < n && rc == AV_OK; i++) {
        if (skip[i]) continue;
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, c->sid);
        bind_pk(st, 2, &pks[i]);
        sqlite3_bind_blob(st, 3, rows[i].vec, (int)sizeof(float) * c->dim, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, json_object_to_json_string_ext(docs[i], JSON_C_TO_STRING_PLAIN), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 5, expire[i]);
        if (sqlite3_step(st) != SQLITE_DONE) rc = av_store_sqlite_fail(c->st, err, "writing a row");
    }
    sqlite3_finalize(st);
    if (rc == AV_OK && assigned) {
        char q[128];
        snprintf(q, sizeof q, "UPDATE collection SET last_auto_id = %" PRId64 " WHERE id = %" PRId64, c->last_auto_id, c->id);
        rc = av_store_exec(c->st, q, err);
    }
    return rc;
}

static int delete_rows(av_collection *c, const uint32_t *slots, size_t n, av_err *err)
{
    sqlite3 *db = av_store_db(c->st);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "DELETE FROM entity WHERE coll = ?1 AND pk = ?2", -1, &st, NULL))
        return av_store_sqlite_fail(c->st, err, "preparing delete");
    int rc = AV_OK;
    for (size_t i = 0; i < n && rc == AV_OK; i++) {
        av_row_view v = coll_view(c, slots[i]);
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, c->sid);
        bind_pk(st, 2, &v.pk);
        if (sqlite3_step(st) != SQLITE_DONE) rc = av_store_sqlite_fail(c->st, err, "deleting a row");
    }
    sqlite3_finalize(st);
    return rc;
}

/* Runs fn inside one transaction on the writer connection; commits or rolls back. */
static int in_txn(av_collection *c, int (*fn)(void *, av_err *), void *arg, av_err *err)
{
    av_store_lock(c->st);
    int rc = av_store_begin(c->st, err);
    if (rc == AV_OK) rc = fn(arg, err);
    if (rc == AV_OK) rc = av_store_commit(c->st, err);
    else av_store_rollback(c->st);
    av_store_unlock(c->st);
    return rc;
}

/* ---- insert / upsert ------------------------------------------------------------------------- */

typedef struct insert_job {
    av_collection *c;
    const av_row *rows;
    av_pk *pks;
    json_object **docs;
    uint8_t *skip;
    int64_t *expire;
    size_t n;
    int assigned;              /* auto ids were assigned: persist last_auto_id */
} insert_job;

static int insert_txn(void *arg, av_err *err)
{
    insert_job *j = arg;
    return write_rows(j->c, j->pks, j->rows, j->docs, j->skip, j->expire, j->n, j->assigned, err);
}

/* Time-ordered ids like Milvus's (milliseconds in the high bits, a counter below), but shifted by
 * 10 rather than 18 bits so that they stay below 2^53 (until the year 2248): JavaScript clients read
 * JSON numbers as doubles, and a Milvus-sized autoID (~4.5e17) would collide with its neighbours. */
static int64_t next_auto_id(av_collection *c)
{
    int64_t t = av_now_ms() << 10;
    c->last_auto_id = t > c->last_auto_id ? t : c->last_auto_id + 1;
    return c->last_auto_id;
}

static int validate_rows(av_collection *c, const av_row *rows, size_t n, int assign, json_object **docs, av_err *err)
{
    for (size_t i = 0; i < n; i++) {
        int rc = assign ? AV_OK : check_pk(c, &rows[i].pk, (int)i, err);
        if (!rc) rc = check_vector(c, rows[i].vec, (int)i, err);
        if (!rc) rc = build_doc(c, rows[i].doc, (int)i, &docs[i], err);
        if (rc) return rc;
    }
    return AV_OK;
}

int av_insert(av_collection *c, const av_row *rows, size_t n, int upsert, av_pk *out_pks, av_err *err)
{
    return av_insert_ex(c, rows, n, upsert, 0, out_pks, err);
}

int av_insert_ex(av_collection *c, const av_row *rows, size_t n, int upsert, int64_t expire_ms, av_pk *out_pks, av_err *err)
{
    if (n == 0) return av_fail_on(err, AV_EINVAL, AV_ENT_ROW, AV_R_EMPTY, NULL, c->schema.name, "no rows to write; send at least one row");
    if (n > AV_BATCH_MAX) return av_fail_on(err, AV_ELIMIT, AV_ENT_ROW, AV_R_NONE, NULL, c->schema.name, "%zu rows in one request; the limit is %d", n, AV_BATCH_MAX);
    int assign = c->pkf->auto_id && !upsert;
    if (expire_ms < 0) return av_fail_on(err, AV_EINVAL, AV_ENT_ROW, AV_R_NONE, NULL, c->schema.name, "the expiry time is negative");
    json_object **docs = xcalloc(n, sizeof *docs);
    av_pk *pks = xcalloc(n, sizeof *pks);
    uint8_t *skip = xcalloc(n, 1);
    int64_t *expire = xmalloc(sizeof(int64_t) * n);
    for (size_t i = 0; i < n; i++) expire[i] = expire_ms;
    int rc = validate_rows(c, rows, n, assign, docs, err);
    for (size_t i = 0; i < n; i++) pks[i] = rows[i].pk;
    if (rc == AV_OK && !assign) rc = check_batch_dups(c, pks, n, upsert, skip, err);
    if (rc) goto done;

    coll_writer_lock(c);
    if (c->dropped) {
        rc = av_fail_on(err, AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_CHANGED, c->schema.name, c->db, "collection \"%s\" was dropped or changed while this request ran; send the request again", c->schema.name);
        goto unlock;
    }
    int64_t saved_auto = c->last_auto_id, now = av_now_ms();
    for (size_t i = 0; i < n && rc == AV_OK; i++) {
        uint32_t found;
        if (assign) pks[i] = (av_pk){ 0, next_auto_id(c), NULL };
        else if (!upsert && (found = coll_find(c, &pks[i])) != PKMAP_NONE && coll_visible(c, found, now))
            rc = pks[i].is_str   /* in use by a stored row */
                ? av_fail_item(err, (int64_t)i, AV_EPK, AV_ENT_PK, AV_R_IN_USE, pks[i].s, c->schema.name, "row %zu: primary key \"%s\" already exists; use upsert to replace it", i, pks[i].s)
                : av_fail_item(err, (int64_t)i, AV_EPK, AV_ENT_PK, AV_R_IN_USE, pk_text(&pks[i], (char[24]){0}), c->schema.name, "row %zu: primary key %" PRId64 " already exists; use upsert to replace it", i, pks[i].i);
    }
    insert_job job = { c, rows, pks, docs, skip, expire, n, assign };
    if (rc == AV_OK) rc = in_txn(c, insert_txn, &job, err);
    if (rc) { c->last_auto_id = saved_auto; goto unlock; }
    coll_apply_lock(c);
    for (size_t i = 0; i < n; i++) {
        if (skip[i]) continue;
        uint32_t slot = coll_find(c, &pks[i]);
        if (slot == PKMAP_NONE) slot = coll_slot_alloc(c);
        coll_slot_fill(c, slot, &pks[i], rows[i].vec, docs[i]);
        coll_slot_set_expire(c, slot, expire_ms);
        docs[i] = NULL;
    }
    coll_unlock(c);
    coll_index_settle(c);
    if (out_pks) memcpy(out_pks, pks, sizeof(av_pk) * n);
unlock:
    coll_writer_unlock(c);
done:
    for (size_t i = 0; i < n; i++) if (docs[i]) json_object_put(docs[i]);
    free(docs); free(pks); free(skip); free(expire);
    return rc;
}

/* ---- update ---------------------------------------------------------------------------------- */

/* The stored doc of a slot with `patch`'s keys laid over it (a new object). */
static json_object *merged_doc(const av_collection *c, uint32_t slot, json_object *patch)
{
    json_object *m = json_object_new_object();
    json_object_object_foreach(c->rows.docs[slot], k, v) json_object_object_add(m, k, copy_json(v));
    if (patch) {
        json_object_object_foreach(patch, pk, pv) json_object_object_add(m, pk, copy_json(pv));
    }
    return m;
}

int av_update(av_collection *c, const av_row *rows, size_t n, av_err *err)
{
    if (n == 0) return av_fail_on(err, AV_EINVAL, AV_ENT_ROW, AV_R_EMPTY, NULL, c->schema.name, "no rows to update; send at least one row");
    if (n > AV_BATCH_MAX) return av_fail_on(err, AV_ELIMIT, AV_ENT_ROW, AV_R_NONE, NULL, c->schema.name, "%zu rows in one request; the limit is %d", n, AV_BATCH_MAX);
    json_object **docs = xcalloc(n, sizeof *docs);
    av_row *full = xcalloc(n, sizeof *full);
    float *vecs = xmalloc(sizeof(float) * (size_t)c->dim * n);
    av_pk *pks = xcalloc(n, sizeof *pks);
    uint8_t *skip = xcalloc(n, 1);
    int64_t *expire = xcalloc(n, sizeof(int64_t));
    int rc = AV_OK;
    for (size_t i = 0; i < n && rc == AV_OK; i++) {
        rc = check_pk(c, &rows[i].pk, (int)i, err);
        if (rc == AV_OK && rows[i].vec) rc = check_vector(c, rows[i].vec, (int)i, err);
        if (rc == AV_OK && rows[i].doc && !json_object_is_type(rows[i].doc, json_type_object))
            rc = av_fail_item(err, (int64_t)i, AV_ETYPE, AV_ENT_ROW, AV_R_NONE, NULL, c->schema.name, "row %zu is not a JSON object", i);
        pks[i] = rows[i].pk;
    }
    if (rc == AV_OK) rc = check_batch_dups(c, pks, n, 1, skip, err);
    if (rc) goto done;
    coll_writer_lock(c);
    if (c->dropped) rc = av_fail_on(err, AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_CHANGED, c->schema.name, c->db, "collection \"%s\" was dropped or changed while this request ran; send the request again", c->schema.name);
    int64_t now = av_now_ms();
    for (size_t i = 0; i < n && rc == AV_OK; i++) {
        uint32_t slot = coll_find(c, &pks[i]);
        if (slot == PKMAP_NONE || !coll_visible(c, slot, now)) {
            rc = pks[i].is_str ? av_fail_item(err, (int64_t)i, AV_ENOTFOUND, AV_ENT_ROW, AV_R_NONE, pks[i].s, c->schema.name, "row %zu: data not found: primary key \"%s\" does not exist", i, pks[i].s)
                               : av_fail_item(err, (int64_t)i, AV_ENOTFOUND, AV_ENT_ROW, AV_R_NONE, pk_text(&pks[i], (char[24]){0}), c->schema.name, "row %zu: data not found: primary key %" PRId64 " does not exist", i, pks[i].i);
            break;
        }
        json_object *m = merged_doc(c, slot, rows[i].doc);
        rc = build_doc(c, m, (int)i, &docs[i], err);
        json_object_put(m);
        float *v = vecs + i * (size_t)c->dim;
        memcpy(v, rows[i].vec ? rows[i].vec : coll_view(c, slot).vec, sizeof(float) * (size_t)c->dim);
        full[i] = (av_row){ pks[i], v, NULL };
        expire[i] = c->rows.expire ? c->rows.expire[slot] : 0;   /* an update keeps the row's expiry */
    }
    insert_job job = { c, full, pks, docs, skip, expire, n, 0 };
    if (rc == AV_OK) rc = in_txn(c, insert_txn, &job, err);
    if (rc == AV_OK) {
        coll_apply_lock(c);
        for (size_t i = 0; i < n; i++) {
            if (skip[i]) continue;
            coll_slot_fill(c, coll_find(c, &pks[i]), &pks[i], full[i].vec, docs[i]);
            docs[i] = NULL;
        }
        coll_unlock(c);
        coll_index_settle(c);
    }
    coll_writer_unlock(c);
done:
    for (size_t i = 0; i < n; i++) if (docs[i]) json_object_put(docs[i]);
    free(docs); free(full); free(vecs); free(pks); free(skip); free(expire);
    return rc;
}

/* ---- delete ---------------------------------------------------------------------------------- */

typedef struct delete_job { av_collection *c; uint32_t *slots; size_t n; } delete_job;

static int delete_txn(void *arg, av_err *err)
{
    delete_job *j = arg;
    return delete_rows(j->c, j->slots, j->n, err);
}

/* Steps 4-5 of the plan, for slots resolved under the writer mutex (held by the caller). */
static int delete_slots(av_collection *c, uint32_t *slots, size_t n, int64_t *deleted, av_err *err)
{
    int rc = AV_OK;
    int64_t visible = 0, now = av_now_ms();
    for (size_t i = 0; i < n; i++) visible += coll_visible(c, slots[i], now);
    if (n) {
        delete_job job = { c, slots, n };
        av_store_make_room(c->st);   /* a delete works on a full disk */
        rc = in_txn(c, delete_txn, &job, err);
    }
    if (rc == AV_OK) {
        coll_apply_lock(c);
        for (size_t i = 0; i < n; i++) coll_slot_free(c, slots[i]);
        coll_compact(c);
        coll_unlock(c);
        coll_index_settle(c);
    }
    if (deleted) *deleted = rc == AV_OK ? visible : 0;   /* expired rows were already gone */
    return rc;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts and removes repeats (an id named twice in one request is deleted once). */
static size_t unique_slots(uint32_t *slots, size_t n)
{
    if (n < 2) return n;
    qsort(slots, n, sizeof *slots, cmp_u32);
    size_t m = 1;
    for (size_t i = 1; i < n; i++)
        if (slots[i] != slots[m - 1]) slots[m++] = slots[i];
    return m;
}

int av_delete_pks(av_collection *c, const av_pk *pks, size_t n, int64_t *deleted, av_err *err)
{
    if (deleted) *deleted = 0;
    for (size_t i = 0; i < n; i++) {
        if (pks[i].is_str != c->pk_is_str)
            return av_fail_item(err, (int64_t)i, AV_EPK, AV_ENT_PK, AV_R_NONE, c->pkf->name, c->schema.name, "id #%zu is a %s but primary key \"%s\" is %s", i,
                           pks[i].is_str ? "string" : "number", c->pkf->name, av_type_name(c->pkf->type));
        if (pks[i].is_str && !pks[i].s) return av_fail_item(err, (int64_t)i, AV_EPK, AV_ENT_PK, AV_R_MISSING, c->pkf->name, c->schema.name, "id #%zu is missing", i);
    }
    coll_writer_lock(c);
    int rc = AV_OK;
    uint32_t *slots = xmalloc(sizeof(uint32_t) * (n ? n : 1));
    size_t m = 0;
    if (c->dropped) {
        rc = av_fail_on(err, AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_CHANGED, c->schema.name, c->db, "collection \"%s\" was dropped or changed while this request ran; send the request again", c->schema.name);
    } else {
        for (size_t i = 0; i < n; i++) {
            uint32_t s = coll_find(c, &pks[i]);
            if (s != PKMAP_NONE) slots[m++] = s;
        }
        m = unique_slots(slots, m);
        rc = delete_slots(c, slots, m, deleted, err);
    }
    coll_writer_unlock(c);
    free(slots);
    if (rc == AV_OK && m) store_note_delete(c->st);
    return rc;
}

int av_delete_filter(av_collection *c, const av_filter *f, int64_t *deleted, av_err *err)
{
    if (deleted) *deleted = 0;
    if (av_filter_delete_guard(f, c->schema.name, err)) return AV_EUNSAFE;
    av_pk *pks = NULL;
    size_t npk = 0;
    if (av_filter_pks(f, &pks, &npk)) {
        int rc = av_delete_pks(c, pks, npk, deleted, err);
        av_filter_pks_free(pks, npk);
        return rc;
    }
    coll_writer_lock(c);
    int rc = AV_OK;
    uint32_t *slots = xmalloc(sizeof(uint32_t) * (c->rows.live ? (size_t)c->rows.live : 1));
    size_t m = 0;
    if (c->dropped) {
        rc = av_fail_on(err, AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_CHANGED, c->schema.name, c->db, "collection \"%s\" was dropped or changed while this request ran; send the request again", c->schema.name);
    } else {
        int64_t now = av_now_ms();
        for (uint32_t s = 0; s < c->rows.nslots; s++) {
            if (!coll_visible(c, s, now)) continue;
            av_row_view v = coll_view(c, s);
            if (av_filter_match(f, &v)) slots[m++] = s;
        }
        rc = delete_slots(c, slots, m, deleted, err);
    }
    coll_writer_unlock(c);
    free(slots);
    if (rc == AV_OK && m) store_note_delete(c->st);
    return rc;
}

/* O(1) on the caller's path: the collection moves to a new, empty storage id in one durable row
 * update (the old id is queued in `orphan` in the same transaction), the in-memory rows are swapped
 * for an empty set and freed on a background thread, and the purge thread deletes the old rows from
 * SQLite in small batches (secure_delete zeroes them) — after a crash too, since the queue is durable. */
/* Moves collection `id` from storage id `old_sid` to a fresh one (*new_sid) and queues the old rows
 * for the purge thread, in one transaction (delete-all is O(1)). Caller holds the store lock. */
static int retire_sid(av_store *st, int64_t id, int64_t old_sid, int64_t *new_sid, av_err *err)
{
    sqlite3_stmt *q;
    int64_t sid = -1;
    if (sqlite3_prepare_v2(av_store_db(st), "SELECT min(min(sid), min(coalesce((SELECT min(sid) FROM orphan), 0)), 0) - 1 FROM collection", -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW) sid = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    char sql[256];
    snprintf(sql, sizeof sql, "BEGIN IMMEDIATE; INSERT OR IGNORE INTO orphan(sid) VALUES (%" PRId64 "); UPDATE collection SET sid = %" PRId64 " WHERE id = %" PRId64 "; COMMIT;",
             old_sid, sid, id);
    av_store_make_room(st);
    int rc = av_store_exec(st, sql, err);
    if (rc) av_store_exec(st, "ROLLBACK", NULL);
    else *new_sid = sid;
    return rc;
}

int av_delete_all(av_collection *c, int64_t *deleted, av_err *err)
{
    if (deleted) *deleted = 0;
    coll_writer_lock(c);
    int rc = AV_OK;
    if (c->dropped) {
        rc = av_fail_on(err, AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_CHANGED, c->schema.name, c->db, "collection \"%s\" was dropped or changed while this request ran; send the request again", c->schema.name);
    } else {
        int64_t sid = 0;
        av_store_lock(c->st);
        rc = retire_sid(c->st, c->id, c->sid, &sid, err);
        av_store_unlock(c->st);
        if (rc == AV_OK) {
            if (deleted) *deleted = c->rows.live;   /* rows held, expired ones not yet purged included */
            coll_apply_lock(c);
            c->sid = sid;
            coll_clear_lazily(c);
            coll_unlock(c);
        }
    }
    coll_writer_unlock(c);
    if (rc == AV_OK) store_note_delete(c->st);
    return rc;
}

int av_collection_set_loaded(av_collection *c, int loaded, av_err *err)
{
    coll_writer_lock(c);
    char q[96];
    snprintf(q, sizeof q, "UPDATE collection SET loaded = %d WHERE id = %" PRId64, loaded ? 1 : 0, c->id);
    av_store_lock(c->st);
    int rc = av_store_exec(c->st, q, err);
    av_store_unlock(c->st);
    if (rc == AV_OK) {
        coll_apply_lock(c);
        c->loaded = loaded ? 1 : 0;
        coll_unlock(c);
    }
    coll_writer_unlock(c);
    return rc;
}

/* ---- named indexes --------------------------------------------------------------------------- */

int av_index_put(av_collection *c, const char *name, json_object *spec, int create, av_err *err)
{
    int rc = av_name_check(name, "index name", err);
    if (rc) return rc;
    coll_writer_lock(c);
    av_store_lock(c->st);
    sqlite3 *db = av_store_db(c->st);
    sqlite3_stmt *st;
    const char *sql = create ? "INSERT INTO coll_index(coll, name, spec) VALUES (?1, ?2, ?3)"
                             : "UPDATE coll_index SET spec = ?3 WHERE coll = ?1 AND name = ?2";
    if (c->dropped) rc = av_fail_on(err, AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_CHANGED, c->schema.name, c->db, "collection \"%s\" was dropped or changed while this request ran; send the request again", c->schema.name);
    else if (sqlite3_prepare_v2(db, sql, -1, &st, NULL)) rc = av_store_sqlite_fail(c->st, err, "writing an index");
    else {
        sqlite3_bind_int64(st, 1, c->id);
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, json_object_to_json_string_ext(spec, JSON_C_TO_STRING_PLAIN), -1, SQLITE_TRANSIENT);
        int s = sqlite3_step(st);
        sqlite3_finalize(st);
        if (s == SQLITE_CONSTRAINT) rc = av_fail_on(err, AV_EEXIST, AV_ENT_INDEX, AV_R_NONE, name, c->schema.name, "index \"%s\" already exists on collection \"%s\"", name, c->schema.name);
        else if (s != SQLITE_DONE) rc = av_store_sqlite_fail(c->st, err, "writing an index");
        else if (!create && sqlite3_changes(db) == 0) rc = av_fail_on(err, AV_ENOTFOUND, AV_ENT_INDEX, AV_R_NONE, name, c->schema.name, "index \"%s\" does not exist on collection \"%s\"", name, c->schema.name);
    }
    av_store_unlock(c->st);
    coll_writer_unlock(c);
    return rc;
}

int av_index_drop(av_collection *c, const char *name, av_err *err)
{
    coll_writer_lock(c);
    av_store_lock(c->st);
    char *q = sqlite3_mprintf("DELETE FROM coll_index WHERE coll = %lld AND name = %Q", (long long)c->id, name);
    int rc = av_store_exec(c->st, q, err);
    sqlite3_free(q);
    if (rc == AV_OK && sqlite3_changes(av_store_db(c->st)) == 0)
        rc = av_fail_on(err, AV_ENOTFOUND, AV_ENT_INDEX, AV_R_NONE, name, c->schema.name, "index \"%s\" does not exist on collection \"%s\"", name, c->schema.name);
    av_store_unlock(c->st);
    coll_writer_unlock(c);
    return rc;
}

/* ---- expiry ---------------------------------------------------------------------------------- */

int av_collection_expire(av_collection *c, int64_t now, int64_t *purged, av_err *err)
{
    *purged = 0;
    coll_writer_lock(c);
    int rc = AV_OK;
    const coll_rows *r = &c->rows;
    if (!c->dropped && r->nttl) {
        uint32_t *slots = xmalloc(sizeof(uint32_t) * (size_t)r->nttl);
        size_t m = 0;
        for (uint32_t s = 0; s < r->nslots && m < (size_t)r->nttl; s++)
            if (r->alive[s] && r->expire[s] && r->expire[s] <= now) slots[m++] = s;
        int64_t ignored;
        rc = delete_slots(c, slots, m, &ignored, err);
        if (rc == AV_OK) *purged = (int64_t)m;
        free(slots);
    }
    coll_writer_unlock(c);
    if (*purged) store_note_delete(c->st);
    return rc;
}
