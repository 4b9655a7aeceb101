/*
 * catalog.c — the vector part's catalog: every collection of every project, loaded at open and kept
 * in memory, and the life cycle of collections (create, open, drop, rename, alter, list), storage ids
 * (delete-all and drop are O(1): rows wait under a retired id in `orphan`), and the purge hooks this
 * part registers with the store: orphaned rows deleted in batches, expired (TTL) rows deleted.
 *
 * av_collection_open hands out counted references, so dropping a collection that a request still
 * uses is safe: the request sees AV_ENOTFOUND on its next call and the memory goes with the last
 * reference.
 *
 * Locking: the catalog rwlock (rank 1) guards `colls`; a collection's writer mutex (rank 2), its
 * rwlock (3) and the store mutex (4) may be taken under it, in that order, never the other way round
 * (lib/lockorder.h).
 */
#include "core/vector/catalog.h"
#include "core/vector/collection.h"
#include "core/vector/collection_snapshot.h"
#include "core/vector/schema.h"
#include "core/store/store.h"
#include "lib/lockorder.h"
#include "lib/util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* An alias: another name of a collection in the same database (table coll_alias). */
typedef struct cat_alias {
    char project[33];
    char db[AV_NAME_MAX + 1];
    char name[AV_NAME_MAX + 1];
    int64_t coll;               /* collection.id */
} cat_alias;

struct av_catalog {
    pthread_rwlock_t lock;
    av_collection **colls;
    size_t n, cap;
    cat_alias *aliases;         /* guarded by lock, like colls */
    size_t na, acap;
};

static void cat_rdlock(av_catalog *cat) { av_lock_acquire(AV_LOCK_CATALOG); pthread_rwlock_rdlock(&cat->lock); }
static void cat_wrlock(av_catalog *cat) { av_lock_acquire(AV_LOCK_CATALOG); pthread_rwlock_wrlock(&cat->lock); }
static void cat_unlock(av_catalog *cat) { pthread_rwlock_unlock(&cat->lock); av_lock_release(AV_LOCK_CATALOG); }

static av_collection *catalog_find(av_catalog *cat, const char *project, const char *db, const char *name, size_t *idx)
{
    for (size_t i = 0; i < cat->n; i++) {
        av_collection *c = cat->colls[i];
        if (strcmp(c->project, project) == 0 && strcmp(c->db, db) == 0 && strcmp(c->schema.name, name) == 0) {
            if (idx) *idx = i;
            return c;
        }
    }
    return NULL;
}

static cat_alias *alias_find(av_catalog *cat, const char *project, const char *db, const char *name)
{
    for (size_t i = 0; i < cat->na; i++) {
        cat_alias *a = &cat->aliases[i];
        if (strcmp(a->name, name) == 0 && strcmp(a->db, db) == 0 && strcmp(a->project, project) == 0) return a;
    }
    return NULL;
}

static av_collection *catalog_find_id(av_catalog *cat, const char *project, int64_t id)
{
    for (size_t i = 0; i < cat->n; i++)
        if (cat->colls[i]->id == id && strcmp(cat->colls[i]->project, project) == 0) return cat->colls[i];
    return NULL;
}

/* The collection `name` names in db: the collection of that name, else the one an alias of that name
 * points to. Every lookup by a client's name goes through here (av_collection_open), so every
 * endpoint takes an alias wherever it takes a collection name. */
static av_collection *catalog_resolve(av_catalog *cat, const char *project, const char *db, const char *name)
{
    av_collection *c = catalog_find(cat, project, db, name, NULL);
    if (c) return c;
    cat_alias *a = alias_find(cat, project, db, name);
    return a ? catalog_find_id(cat, project, a->coll) : NULL;
}

static size_t alias_count(av_catalog *cat, int64_t coll)
{
    size_t n = 0;
    for (size_t i = 0; i < cat->na; i++) n += cat->aliases[i].coll == coll;
    return n;
}

static void catalog_add(av_catalog *cat, av_collection *c)
{
    if (cat->n == cat->cap) {
        cat->cap = cat->cap ? cat->cap * 2 : 16;
        cat->colls = xrealloc(cat->colls, sizeof(av_collection *) * cat->cap);
    }
    cat->colls[cat->n++] = c;
}

static int db_check(av_store *st, const char *project, const char *db, av_err *err)
{
    if (strcmp(db, "default") == 0) {
        /* the project row may be new: make sure the default db row exists for the foreign key */
        char *q = sqlite3_mprintf("INSERT OR IGNORE INTO db(project, name, created_ms) VALUES (%Q, 'default', %lld)", project, (long long)av_now_ms());
        int rc = av_store_exec(st, q, err);
        sqlite3_free(q);
        return rc;
    }
    if (store_count(av_store_db(st), "SELECT count(*) FROM db WHERE project = ?1 AND name = ?2", project, db) > 0) return AV_OK;
    return av_fail_on(err, AV_ENODB, AV_ENT_DATABASE, AV_R_NONE, db, NULL, "database \"%s\" does not exist; create it first or check the name", db);
}

int av_collection_create(av_store *st, const char *project, const char *db, const av_schema *schema, av_err *err)
{
    av_catalog *cat = store_catalog(st);
    int rc = av_schema_validate(schema, err);
    if (rc) return rc;
    av_schema s;
    av_schema_copy(&s, schema);
    s.created_ms = av_now_ms();
    cat_wrlock(cat);
    av_store_lock(st);
    rc = db_check(st, project, db, err);
    if (rc == AV_OK && catalog_find(cat, project, db, s.name, NULL))
        rc = av_fail_on(err, AV_EEXIST, AV_ENT_COLLECTION, AV_R_NONE, s.name, db, "collection \"%s\" already exists in database \"%s\"", s.name, db);
    if (rc == AV_OK && alias_find(cat, project, db, s.name))
        rc = av_fail_on(err, AV_EEXIST, AV_ENT_ALIAS, AV_R_NONE, s.name, db, "\"%s\" is an alias in database \"%s\"; choose another collection name", s.name, db);
    int64_t id = 0;
    if (rc == AV_OK) {
        json_object *js = schema_to_json(&s);
        char *q = sqlite3_mprintf("INSERT INTO collection(project, db, name, schema, created_ms) VALUES (%Q, %Q, %Q, %Q, %lld)",
                                  project, db, s.name, json_object_to_json_string_ext(js, JSON_C_TO_STRING_PLAIN), (long long)s.created_ms);
        rc = av_store_exec(st, q, err);
        sqlite3_free(q);
        json_object_put(js);
        id = sqlite3_last_insert_rowid(av_store_db(st));
        if (rc == AV_OK) {
            char u[96];
            snprintf(u, sizeof u, "UPDATE collection SET sid = id WHERE id = %" PRId64, id);
            rc = av_store_exec(st, u, err);
        }
    }
    av_store_unlock(st);
    if (rc == AV_OK) {
        s.id = id;
        catalog_add(cat, coll_new(st, id, project, db, &s));
    }
    cat_unlock(cat);
    av_schema_free(&s);
    return rc;
}

int av_collection_open(av_store *st, const char *project, const char *db, const char *name,
                       av_collection **out, av_err *err)
{
    av_catalog *cat = store_catalog(st);
    cat_rdlock(cat);
    av_collection *c = catalog_resolve(cat, project, db, name);
    if (c) coll_ref(c);
    cat_unlock(cat);
    *out = c;
    if (c) return AV_OK;
    if (!av_db_exists(st, project, db)) return av_fail_on(err, AV_ENODB, AV_ENT_DATABASE, AV_R_NONE, db, NULL, "database \"%s\" does not exist; create it first or check the name", db);
    return av_fail_on(err, AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_NONE, name, db, "collection \"%s\" does not exist in database \"%s\"; create it first or check the name", name, db);
}

int av_collection_open_id(av_store *st, const char *project, int64_t id, av_collection **out)
{
    av_catalog *cat = store_catalog(st);
    *out = NULL;
    cat_rdlock(cat);
    for (size_t i = 0; i < cat->n && !*out; i++)
        if (cat->colls[i]->id == id && strcmp(cat->colls[i]->project, project) == 0) *out = cat->colls[i];
    if (*out) coll_ref(*out);
    cat_unlock(cat);
    return *out ? AV_OK : AV_ENOTFOUND;
}

int av_collection_drop(av_store *st, const char *project, const char *db, const char *name, av_err *err)
{
    av_catalog *cat = store_catalog(st);
    cat_wrlock(cat);
    size_t idx;
    av_collection *c = catalog_find(cat, project, db, name, &idx);
    int rc = AV_OK;
    if (!c && alias_find(cat, project, db, name))
        rc = av_fail_on(err, AV_EINVAL, AV_ENT_ALIAS, AV_R_NONE, name, db, "\"%s\" is an alias, not a collection: drop the collection by its own name", name);
    else if (!c) rc = av_fail_on(err, AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_NONE, name, db, "collection \"%s\" does not exist in database \"%s\"; create it first or check the name", name, db);
    else if (alias_count(cat, c->id))
        rc = av_fail_on(err, AV_EINVAL, AV_ENT_COLLECTION, AV_R_IN_USE, name, db, "collection \"%s\" has %zu aliases; drop them first", name, alias_count(cat, c->id));
    else {
        /* O(1): the rows stay behind under a queued storage id; the purge thread deletes them */
        char q[384];
        coll_rdlock(c);
        int64_t sid = c->sid;
        coll_unlock(c);
        snprintf(q, sizeof q, "BEGIN IMMEDIATE; INSERT OR IGNORE INTO orphan(sid) VALUES (%" PRId64 "); DELETE FROM coll_index WHERE coll = %" PRId64 "; DELETE FROM coll_prop WHERE coll = %" PRId64 "; DELETE FROM collection WHERE id = %" PRId64 "; COMMIT;", sid, c->id, c->id, c->id);
        av_store_make_room(st);   /* a drop works on a full disk */
        av_store_lock(st);
        rc = av_store_exec(st, q, err);
        if (rc) av_store_exec(st, "ROLLBACK", NULL);
        av_store_unlock(st);
    }
    if (rc == AV_OK) {
        cat->colls[idx] = cat->colls[--cat->n];
        coll_mark_dropped(c);
        av_collection_release(c);
    }
    cat_unlock(cat);
    if (rc == AV_OK) store_note_delete(st);
    return rc;
}

int av_db_drop(av_store *st, const char *project, const char *db, av_err *err)
{
    av_catalog *cat = store_catalog(st);
    if (strcmp(db, "default") == 0) return av_fail_on(err, AV_EINVAL, AV_ENT_DATABASE, AV_R_NONE, db, NULL, "the database \"default\" cannot be dropped");
    cat_wrlock(cat);
    av_store_lock(st);
    int rc = AV_OK;
    if (store_count(av_store_db(st), "SELECT count(*) FROM db WHERE project = ?1 AND name = ?2", project, db) <= 0)
        rc = av_fail_on(err, AV_ENODB, AV_ENT_DATABASE, AV_R_NONE, db, NULL, "database \"%s\" does not exist; create it first or check the name", db);
    else if (store_count(av_store_db(st), "SELECT count(*) FROM collection WHERE project = ?1 AND db = ?2", project, db) > 0)
        rc = av_fail_on(err, AV_EINVAL, AV_ENT_DATABASE, AV_R_IN_USE, db, NULL, "database \"%s\" still has collections; drop them first", db);
    else {
        char *q = sqlite3_mprintf("DELETE FROM db_prop WHERE project = %Q AND db = %Q; DELETE FROM db WHERE project = %Q AND name = %Q", project, db, project, db);
        rc = av_store_exec(st, q, err);
        sqlite3_free(q);
    }
    av_store_unlock(st);
    cat_unlock(cat);
    return rc;
}

/* Replaces catalog entry idx (collection c, both locks held by the caller) with a new handle that has
 * schema s in database db, moving the rows into it; c is retired (requests still holding it get
 * AV_ENOTFOUND "changed ... send again") and loses the catalog's reference once its lock is released. */
static void catalog_swap(av_catalog *cat, av_store *st, size_t idx, av_collection *c, const char *db, const av_schema *s)
{
    av_collection *n = coll_new(st, c->id, c->project, db, s);
    coll_move_rows(n, c);
    c->dropped = 1;
    cat->colls[idx] = n;
}

int av_collection_rename(av_store *st, const char *project, const char *db, const char *name,
                         const char *new_db, const char *new_name, av_err *err)
{
    av_catalog *cat = store_catalog(st);
    int rc = av_name_check(new_name, "collection name", err);
    if (rc) return rc;
    cat_wrlock(cat);
    size_t idx;
    av_collection *c = catalog_find(cat, project, db, name, &idx);
    if (!c) rc = av_fail_on(err, AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_NONE, name, db, "collection \"%s\" does not exist in database \"%s\"; create it first or check the name", name, db);
    if (rc == AV_OK && catalog_find(cat, project, new_db, new_name, NULL))
        rc = av_fail_on(err, AV_EEXIST, AV_ENT_COLLECTION, AV_R_NONE, new_name, new_db, "collection \"%s\" already exists in database \"%s\"", new_name, new_db);
    if (rc == AV_OK && alias_find(cat, project, new_db, new_name))
        rc = av_fail_on(err, AV_EEXIST, AV_ENT_ALIAS, AV_R_NONE, new_name, new_db, "\"%s\" is an alias in database \"%s\"; choose another collection name", new_name, new_db);
    if (rc == AV_OK && strcmp(db, new_db) != 0 && alias_count(cat, c->id))
        rc = av_fail_on(err, AV_EINVAL, AV_ENT_COLLECTION, AV_R_IN_USE, name, db, "collection \"%s\" has aliases in database \"%s\"; drop them before moving it to another database", name, db);
    if (rc == AV_OK) {
        /* order: catalog -> collection writer -> collection -> store (as every write) */
        coll_wrlock(c);
        av_schema renamed;
        av_schema_copy(&renamed, &c->schema);
        snprintf(renamed.name, sizeof renamed.name, "%s", new_name);
        json_object *js = schema_to_json(&renamed);
        char *q = sqlite3_mprintf("UPDATE collection SET db = %Q, name = %Q, schema = %Q WHERE id = %lld",
                                  new_db, new_name, json_object_to_json_string_ext(js, JSON_C_TO_STRING_PLAIN), (long long)c->id);
        av_store_lock(st);
        rc = db_check(st, project, new_db, err);
        if (rc == AV_OK) rc = av_store_exec(st, q, err);
        av_store_unlock(st);
        sqlite3_free(q);
        json_object_put(js);
        /* copy-on-write, as av_collection_alter: no request sees the name change under it */
        if (rc == AV_OK) catalog_swap(cat, st, idx, c, new_db, &renamed);
        av_schema_free(&renamed);
        coll_wrunlock(c);
        if (rc == AV_OK) av_collection_release(c);   /* the catalog's reference */
    }
    cat_unlock(cat);
    return rc;
}

static int check_new_field(const av_schema *s, const av_field *f, av_err *err)
{
    int rc = av_name_check(f->name, "field name", err);
    if (rc) return rc;
    if (av_schema_field(s, f->name)) return av_fail_on(err, AV_EEXIST, AV_ENT_FIELD, AV_R_NONE, f->name, s->name, "field \"%s\" already exists", f->name);
    if (f->primary || f->type == AV_T_FLOAT_VECTOR)
        return av_fail_on(err, AV_EINVAL, AV_ENT_FIELD, AV_R_NONE, f->name, s->name, "field \"%s\": a primary key or a vector field cannot be added to an existing collection", f->name);
    if (!f->nullable && !f->default_value)
        return av_fail_on(err, AV_EINVAL, AV_ENT_FIELD, AV_R_MISSING, f->name, s->name, "field \"%s\" needs a default value (or must be nullable): rows already stored take it", f->name);
    return AV_OK;
}

/* Swaps collection (project, db, name) for a new handle whose schema is its own changed by
 * edit(&schema, arg, err), stored first; see av_collection_alter. */
typedef int (*schema_edit)(av_schema *s, const void *arg, av_err *err);

static int change_schema(av_store *st, const char *project, const char *db, const char *name, schema_edit edit,
                         const void *arg, av_err *err)
{
    av_catalog *cat = store_catalog(st);
    cat_wrlock(cat);
    size_t idx;
    av_collection *c = catalog_find(cat, project, db, name, &idx);
    int rc = c ? AV_OK : av_fail_on(err, AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_NONE, name, db, "collection \"%s\" does not exist in database \"%s\"; create it first or check the name", name, db);
    av_schema s;
    av_schema_init(&s);
    if (rc == AV_OK) {
        coll_wrlock(c);
        av_schema_free(&s);
        av_schema_copy(&s, &c->schema);
        rc = edit(&s, arg, err);
        if (rc == AV_OK) rc = av_schema_validate(&s, err);
        if (rc == AV_OK) {
            json_object *js = schema_to_json(&s);
            char *q = sqlite3_mprintf("UPDATE collection SET schema = %Q WHERE id = %lld",
                                      json_object_to_json_string_ext(js, JSON_C_TO_STRING_PLAIN), (long long)c->id);
            av_store_lock(st);
            rc = av_store_exec(st, q, err);
            av_store_unlock(st);
            sqlite3_free(q);
            json_object_put(js);
        }
        if (rc == AV_OK) catalog_swap(cat, st, idx, c, db, &s);
        coll_wrunlock(c);
        if (rc == AV_OK) av_collection_release(c);   /* the catalog's reference */
    }
    cat_unlock(cat);
    av_schema_free(&s);
    return rc;
}

typedef struct alter_args { const char *description; const av_field *add; int nadd; } alter_args;

static int alter_edit(av_schema *s, const void *arg, av_err *err)
{
    const alter_args *a = arg;
    if (a->description) snprintf(s->description, sizeof s->description, "%s", a->description);
    int rc = AV_OK;
    for (int i = 0; i < a->nadd && rc == AV_OK; i++) {
        rc = check_new_field(s, &a->add[i], err);
        if (rc == AV_OK) {
            av_field *f = av_schema_add_field(s, a->add[i].name, a->add[i].type);
            json_object *d = NULL;
            if (a->add[i].default_value) json_object_deep_copy(a->add[i].default_value, &d, NULL);
            *f = a->add[i];
            f->default_value = d;
        }
    }
    return rc;
}

int av_collection_alter(av_store *st, const char *project, const char *db, const char *name,
                        const char *description, const av_field *add, int nadd, av_err *err)
{
    alter_args a = { description, add, nadd };
    return change_schema(st, project, db, name, alter_edit, &a, err);
}

typedef struct index_args { const char *type; av_metric metric; } index_args;

static int index_edit(av_schema *s, const void *arg, av_err *err)
{
    const index_args *a = arg;
    (void)err;
    snprintf(s->index_type, sizeof s->index_type, "%s", a->type);
    s->metric = a->metric;
    return AV_OK;
}

int av_collection_set_index(av_store *st, const char *project, const char *db, const char *name,
                            const char *index_type, av_metric metric, av_err *err)
{
    if (!index_type || !*index_type || strlen(index_type) >= sizeof ((av_schema *)0)->index_type)
        return av_fail_on(err, AV_EINVAL, AV_ENT_COLLECTION, AV_R_NONE, name, db, "an index type is 1 to %zu characters", sizeof ((av_schema *)0)->index_type - 1);
    index_args a = { index_type, metric };
    return change_schema(st, project, db, name, index_edit, &a, err);
}

int av_collection_list(av_store *st, const char *project, const char *db, char ***names, size_t *n, av_err *err)
{
    av_catalog *cat = store_catalog(st);
    cat_rdlock(cat);
    char **v = xmalloc(sizeof(char *) * (cat->n + 1));
    size_t m = 0;
    for (size_t i = 0; i < cat->n; i++) {
        av_collection *c = cat->colls[i];
        if (strcmp(c->project, project) == 0 && strcmp(c->db, db) == 0) v[m++] = xstrdup(c->schema.name);
    }
    cat_unlock(cat);
    qsort(v, m, sizeof *v, av_strptr_cmp);
    *names = v;
    *n = m;
    (void)err;
    return AV_OK;
}

static int count_collections(av_store *st)
{
    sqlite3_stmt *q;
    int n = 0;
    if (sqlite3_prepare_v2(av_store_db(st), "SELECT count(*) FROM collection", -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW) n = sqlite3_column_int(q, 0);
        sqlite3_finalize(q);
    }
    return n;
}

static int load_catalog(av_store *st, av_load_fn fn, void *arg, av_err *err)
{
    av_catalog *cat = store_catalog(st);
    sqlite3_stmt *q;
    av_load_progress p = { .total = fn ? count_collections(st) : 0 };
    if (sqlite3_prepare_v2(av_store_db(st), "SELECT c.id, c.project, c.db, c.schema, c.loaded, c.last_auto_id, c.sid, p.props FROM collection c LEFT JOIN coll_prop p ON p.coll = c.id ORDER BY c.id", -1, &q, NULL))
        return av_store_sqlite_fail(st, err, "loading the catalog");
    int rc = AV_OK;
    while (rc == AV_OK && sqlite3_step(q) == SQLITE_ROW) {
        double t0 = av_mono_s();
        json_object *js = json_tokener_parse((const char *)sqlite3_column_text(q, 3));
        av_schema s;
        rc = js ? schema_from_json(js, &s, err) : av_fail_on(err, AV_EIO, AV_ENT_COLLECTION, AV_R_NONE, NULL, NULL, "a stored schema is damaged");
        if (js) json_object_put(js);
        if (rc) break;
        av_collection *c = coll_new(st, sqlite3_column_int64(q, 0), (const char *)sqlite3_column_text(q, 1),
                                    (const char *)sqlite3_column_text(q, 2), &s);
        av_schema_free(&s);
        c->loaded = sqlite3_column_int(q, 4);
        c->last_auto_id = sqlite3_column_int64(q, 5);
        c->sid = sqlite3_column_int64(q, 6);
        const char *pt = (const char *)sqlite3_column_text(q, 7);
        json_object *props = pt ? json_tokener_parse(pt) : NULL;
        if (json_object_is_type(props, json_type_object)) { json_object_put(c->props); c->props = props; }
        else json_object_put(props);
        p.index++;
        p.loaded = 0;
        p.project = c->project;
        p.db = c->db;
        p.name = c->schema.name;
        if (fn) fn(arg, &p);
        rc = coll_load(c, av_store_db(st), err);
        if (rc == AV_OK) coll_index_open(c);   /* its snapshot, or a build from the rows */
        if (rc) {
            av_collection_release(c);
            break;
        }
        p.loaded = 1;
        p.rows = av_collection_count(c);
        p.rows_so_far += p.rows;
        p.seconds = av_mono_s() - t0;
        if (fn) fn(arg, &p);
        catalog_add(cat, c);
    }
    sqlite3_finalize(q);
    return rc;
}

/* Deletes the rows of retired storage ids, ORPHAN_BATCH rows per transaction so that writers wait
 * at most one small batch. Returns when none are left. */
#define ORPHAN_BATCH 1000
static void purge_orphans(av_store *st)
{
    for (;;) {
        av_store_lock(st);
        sqlite3_stmt *q;
        int64_t sid = 0;
        int found = 0;
        if (sqlite3_prepare_v2(av_store_db(st), "SELECT sid FROM orphan LIMIT 1", -1, &q, NULL) == SQLITE_OK) {
            if (sqlite3_step(q) == SQLITE_ROW) { sid = sqlite3_column_int64(q, 0); found = 1; }
            sqlite3_finalize(q);
        }
        int rc = AV_OK, deleted = 0;
        if (found) {
            char sql[200];
            snprintf(sql, sizeof sql, "DELETE FROM entity WHERE rowid IN (SELECT rowid FROM entity WHERE coll = %" PRId64 " LIMIT %d)", sid, ORPHAN_BATCH);
            rc = av_store_exec(st, sql, NULL);
            deleted = sqlite3_changes(av_store_db(st));
            if (rc == AV_OK && deleted == 0) {
                snprintf(sql, sizeof sql, "DELETE FROM orphan WHERE sid = %" PRId64, sid);
                rc = av_store_exec(st, sql, NULL);
            }
        }
        av_store_unlock(st);
        if (!found || rc != AV_OK) return;
    }
}

/* Deletes expired rows of every collection; returns 1 when rows with a TTL remain anywhere. */
static int expire_all(av_store *st)
{
    av_catalog *cat = store_catalog(st);
    cat_rdlock(cat);
    size_t n = cat->n;
    av_collection **v = xmalloc(sizeof(av_collection *) * (n ? n : 1));
    for (size_t i = 0; i < n; i++) { v[i] = cat->colls[i]; coll_ref(v[i]); }
    cat_unlock(cat);
    int remaining = 0;
    int64_t now = av_now_ms(), purged;
    for (size_t i = 0; i < n; i++) {
        coll_rdlock(v[i]);
        int has = v[i]->rows.nttl > 0;
        coll_unlock(v[i]);
        if (has && av_collection_expire(v[i], now, &purged, NULL) == AV_OK) {
            coll_rdlock(v[i]);
            remaining |= v[i]->rows.nttl > 0;
            coll_unlock(v[i]);
        }
        av_collection_release(v[i]);
    }
    free(v);
    return remaining;
}


/* ---- properties ------------------------------------------------------------------------------ */

/* Runs q (sqlite3_mprintf'd; freed here) under the store lock. */
static int alias_sql(av_store *st, char *q, av_err *err)
{
    av_store_lock(st);
    int rc = av_store_exec(st, q, err);
    av_store_unlock(st);
    sqlite3_free(q);
    return rc;
}


int av_collection_properties(av_collection *c, json_object **out)
{
    coll_rdlock(c);
    *out = NULL;
    json_object_deep_copy(c->props, out, NULL);
    coll_unlock(c);
    return AV_OK;
}

int av_collection_property(av_collection *c, const char *key, char *out, size_t n)
{
    json_object *v;
    int found = 0;
    coll_rdlock(c);
    if (json_object_object_get_ex(c->props, key, &v) && json_object_is_type(v, json_type_string)) {
        snprintf(out, n, "%s", json_object_get_string(v));
        found = 1;
    }
    coll_unlock(c);
    return found;
}

int av_collection_alter_properties(av_store *st, const char *project, const char *db, const char *name,
                                   json_object *set, const char *const *drop, size_t ndrop, av_err *err)
{
    av_catalog *cat = store_catalog(st);
    cat_wrlock(cat);   /* no rename or alter swaps the handle meanwhile */
    av_collection *c = catalog_resolve(cat, project, db, name);
    int rc = c ? AV_OK : av_fail_on(err, AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_NONE, name, db, "collection \"%s\" does not exist in database \"%s\"; create it first or check the name", name, db);
    if (rc == AV_OK) {
        coll_wrlock(c);
        json_object *n = NULL;
        rc = props_apply(c->props, set, drop, ndrop, &n, err);
        if (rc == AV_OK)
            rc = alias_sql(st, sqlite3_mprintf("INSERT OR REPLACE INTO coll_prop(coll, props) VALUES (%lld, %Q)",
                                               (long long)c->id, json_object_to_json_string_ext(n, JSON_C_TO_STRING_PLAIN)), err);
        if (rc == AV_OK) { json_object_put(c->props); c->props = n; }
        else json_object_put(n);
        coll_wrunlock(c);
    }
    cat_unlock(cat);
    return rc;
}

/* ---- aliases ---------------------------------------------------------------------------------
 * Rows of coll_alias mirrored in cat->aliases; both change under the catalog write lock (and the
 * store lock for the SQL), so a request resolves a name against one state: before or after an alter. */

static int alias_checks(av_store *st, av_catalog *cat, const char *project, const char *db, const char *alias, av_err *err)
{
    int rc = av_name_check(alias, "alias name", err);
    if (rc) return rc;
    if (!av_db_exists(st, project, db))
        return av_fail_on(err, AV_ENODB, AV_ENT_DATABASE, AV_R_NONE, db, NULL, "database \"%s\" does not exist; create it first or check the name", db);
    if (catalog_find(cat, project, db, alias, NULL))
        return av_fail_on(err, AV_EEXIST, AV_ENT_ALIAS, AV_R_IN_USE, alias, db, "\"%s\" is the name of a collection in database \"%s\"; an alias needs a name of its own", alias, db);
    return AV_OK;
}

static av_collection *alias_target(av_catalog *cat, const char *project, const char *db, const char *collection, av_err *err)
{
    av_collection *c = catalog_find(cat, project, db, collection, NULL);
    if (!c) av_fail_on(err, AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_NONE, collection, db, "collection \"%s\" does not exist in database \"%s\"; create it first or check the name", collection, db);
    return c;
}

int av_alias_create(av_store *st, const char *project, const char *db, const char *alias, const char *collection, av_err *err)
{
    av_catalog *cat = store_catalog(st);
    cat_wrlock(cat);
    int rc = alias_checks(st, cat, project, db, alias, err);
    av_collection *c = rc ? NULL : alias_target(cat, project, db, collection, err);
    if (rc == AV_OK && !c) rc = AV_ENOTFOUND;
    cat_alias *a = rc ? NULL : alias_find(cat, project, db, alias);
    if (a && a->coll == c->id) goto out;   /* the same alias again: nothing to do */
    if (a) {
        av_collection *other = catalog_find_id(cat, project, a->coll);
        rc = av_fail_on(err, AV_EEXIST, AV_ENT_ALIAS, AV_R_NONE, alias, db, "alias \"%s\" already exists and names collection \"%s\"; alter it or drop it first", alias, other ? other->schema.name : "");
        goto out;
    }
    size_t in_db = 0;
    for (size_t i = 0; rc == AV_OK && i < cat->na; i++)
        in_db += strcmp(cat->aliases[i].db, db) == 0 && strcmp(cat->aliases[i].project, project) == 0;
    if (rc == AV_OK && in_db >= AV_ALIASES_MAX)
        rc = av_fail_on(err, AV_ELIMIT, AV_ENT_ALIAS, AV_R_NONE, alias, db, "database \"%s\" has %zu aliases; the limit is %d", db, in_db, AV_ALIASES_MAX);
    if (rc == AV_OK)
        rc = alias_sql(st, sqlite3_mprintf("INSERT INTO coll_alias(project, db, name, coll, created_ms) VALUES (%Q, %Q, %Q, %lld, %lld)",
                                           project, db, alias, (long long)c->id, (long long)av_now_ms()), err);
    if (rc == AV_OK) {
        if (cat->na == cat->acap) cat->aliases = xrealloc(cat->aliases, sizeof(cat_alias) * (cat->acap = cat->acap ? cat->acap * 2 : 8));
        a = &cat->aliases[cat->na++];
        snprintf(a->project, sizeof a->project, "%s", project);
        snprintf(a->db, sizeof a->db, "%s", db);
        snprintf(a->name, sizeof a->name, "%s", alias);
        a->coll = c->id;
    }
out:
    cat_unlock(cat);
    return rc;
}

int av_alias_alter(av_store *st, const char *project, const char *db, const char *alias, const char *collection, av_err *err)
{
    av_catalog *cat = store_catalog(st);
    cat_wrlock(cat);
    int rc = alias_checks(st, cat, project, db, alias, err);
    av_collection *c = rc ? NULL : alias_target(cat, project, db, collection, err);
    if (rc == AV_OK && !c) rc = AV_ENOTFOUND;
    cat_alias *a = rc ? NULL : alias_find(cat, project, db, alias);
    if (rc == AV_OK && !a)
        rc = av_fail_on(err, AV_ENOTFOUND, AV_ENT_ALIAS, AV_R_NONE, alias, db, "alias \"%s\" does not exist in database \"%s\"; create it first", alias, db);
    if (rc == AV_OK && a->coll != c->id)
        rc = alias_sql(st, sqlite3_mprintf("UPDATE coll_alias SET coll = %lld WHERE project = %Q AND db = %Q AND name = %Q",
                                           (long long)c->id, project, db, alias), err);
    if (rc == AV_OK) a->coll = c->id;
    cat_unlock(cat);
    return rc;
}

int av_alias_drop(av_store *st, const char *project, const char *db, const char *alias, av_err *err)
{
    av_catalog *cat = store_catalog(st);
    cat_wrlock(cat);
    int rc = AV_OK;
    cat_alias *a = alias_find(cat, project, db, alias);
    if (!av_db_exists(st, project, db))
        rc = av_fail_on(err, AV_ENODB, AV_ENT_DATABASE, AV_R_NONE, db, NULL, "database \"%s\" does not exist; create it first or check the name", db);
    else if (!a)
        rc = av_fail_on(err, AV_ENOTFOUND, AV_ENT_ALIAS, AV_R_NONE, alias, db, "alias \"%s\" does not exist in database \"%s\"", alias, db);
    else rc = alias_sql(st, sqlite3_mprintf("DELETE FROM coll_alias WHERE project = %Q AND db = %Q AND name = %Q", project, db, alias), err);
    if (rc == AV_OK) *a = cat->aliases[--cat->na];
    cat_unlock(cat);
    return rc;
}

int av_alias_describe(av_store *st, const char *project, const char *db, const char *alias, char **collection, av_err *err)
{
    av_catalog *cat = store_catalog(st);
    *collection = NULL;
    int rc = AV_OK;
    cat_rdlock(cat);
    cat_alias *a = alias_find(cat, project, db, alias);
    av_collection *c = a ? catalog_find_id(cat, project, a->coll) : NULL;
    if (c) *collection = xstrdup(c->schema.name);
    cat_unlock(cat);
    if (!c && !av_db_exists(st, project, db))
        rc = av_fail_on(err, AV_ENODB, AV_ENT_DATABASE, AV_R_NONE, db, NULL, "database \"%s\" does not exist; create it first or check the name", db);
    else if (!c) rc = av_fail_on(err, AV_ENOTFOUND, AV_ENT_ALIAS, AV_R_NONE, alias, db, "alias \"%s\" does not exist in database \"%s\"", alias, db);
    return rc;
}

int av_alias_list(av_store *st, const char *project, const char *db, const char *collection, char ***names, size_t *n, av_err *err)
{
    av_catalog *cat = store_catalog(st);
    *names = NULL;
    *n = 0;
    if (!av_db_exists(st, project, db))
        return av_fail_on(err, AV_ENODB, AV_ENT_DATABASE, AV_R_NONE, db, NULL, "database \"%s\" does not exist; create it first or check the name", db);
    int rc = AV_OK;
    cat_rdlock(cat);
    av_collection *c = collection ? catalog_find(cat, project, db, collection, NULL) : NULL;
    if (collection && !c)
        rc = av_fail_on(err, AV_ENOTFOUND, AV_ENT_COLLECTION, AV_R_NONE, collection, db, "collection \"%s\" does not exist in database \"%s\"; create it first or check the name", collection, db);
    char **v = xmalloc(sizeof(char *) * (cat->na + 1));
    size_t m = 0;
    for (size_t i = 0; rc == AV_OK && i < cat->na; i++) {
        cat_alias *a = &cat->aliases[i];
        if (strcmp(a->project, project) == 0 && strcmp(a->db, db) == 0 && (!c || a->coll == c->id)) v[m++] = xstrdup(a->name);
    }
    cat_unlock(cat);
    qsort(v, m, sizeof *v, av_strptr_cmp);
    *names = v;
    *n = m;
    return rc;
}

static int load_aliases(av_store *st, av_err *err)
{
    av_catalog *cat = store_catalog(st);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(av_store_db(st), "SELECT project, db, name, coll FROM coll_alias ORDER BY rowid", -1, &q, NULL))
        return av_store_sqlite_fail(st, err, "loading the aliases");
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (cat->na == cat->acap) cat->aliases = xrealloc(cat->aliases, sizeof(cat_alias) * (cat->acap = cat->acap ? cat->acap * 2 : 8));
        cat_alias *a = &cat->aliases[cat->na++];
        snprintf(a->project, sizeof a->project, "%s", (const char *)sqlite3_column_text(q, 0));
        snprintf(a->db, sizeof a->db, "%s", (const char *)sqlite3_column_text(q, 1));
        snprintf(a->name, sizeof a->name, "%s", (const char *)sqlite3_column_text(q, 2));
        a->coll = sqlite3_column_int64(q, 3);
    }
    sqlite3_finalize(q);
    return AV_OK;
}

/* ---- purge hooks ----------------------------------------------------------------------------- */

static int hook_tick(av_store *st, void *arg) { (void)arg; return expire_all(st); }
static void hook_purge(av_store *st, void *arg) { (void)arg; purge_orphans(st); }
static int hook_leftover(av_store *st, void *arg)
{
    (void)arg;
    av_store_lock(st);
    int n = store_count(av_store_db(st), "SELECT count(*) FROM orphan", NULL, NULL);
    av_store_unlock(st);
    return n > 0;
}

/* ---- open / close ---------------------------------------------------------------------------- */

int catalog_open(av_store *st, av_load_fn fn, void *arg, av_err *err)
{
    av_catalog *cat = xcalloc(1, sizeof *cat);
    pthread_rwlock_init(&cat->lock, NULL);
    store_set_catalog(st, cat);
    int rc = load_catalog(st, fn, arg, err);   /* before the purge thread starts: nothing else runs yet */
    if (rc == AV_OK) rc = load_aliases(st, err);
    if (rc) {
        catalog_close(st);
        return rc;
    }
    store_hook_add(st, &(store_hooks){ .tick = hook_tick, .purge = hook_purge, .leftover = hook_leftover });
    return AV_OK;
}

void catalog_close(av_store *st)
{
    av_catalog *cat = store_catalog(st);
    if (!cat) return;
    cat_wrlock(cat);
    for (size_t i = 0; i < cat->n; i++) {
        coll_index_save(cat->colls[i], NULL);   /* when its index has state; else nothing */
        av_collection_release(cat->colls[i]);
    }
    free(cat->colls);
    free(cat->aliases);
    cat->colls = NULL;
    cat->aliases = NULL;
    cat->n = cat->na = 0;
    cat_unlock(cat);
    pthread_rwlock_destroy(&cat->lock);
    free(cat);
    store_set_catalog(st, NULL);
}
