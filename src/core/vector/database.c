/*
 * database.c — databases: namespaces of collections inside a project (the `db` table). "default"
 * always exists. Locking: each call takes the store mutex. (av_db_drop is in catalog.c: it must hold
 * the catalog lock so that no collection is created in the database while it is dropped.)
 */
#include "core/store/store.h"
#include "core/vector/schema.h"
#include "lib/util.h"

#include <stdlib.h>
#include <string.h>

int av_db_exists(av_store *st, const char *project, const char *db)
{
    if (strcmp(db, "default") == 0) return 1;
    av_store_lock(st);
    int n = store_count(av_store_db(st), "SELECT count(*) FROM db WHERE project = ?1 AND name = ?2", project, db);
    av_store_unlock(st);
    return n > 0;
}

int av_db_create(av_store *st, const char *project, const char *db, av_err *err)
{
    int rc = av_name_check(db, "database name", err);
    if (rc) return rc;
    av_store_lock(st);
    int n = store_count(av_store_db(st), "SELECT count(*) FROM db WHERE project = ?1 AND name = ?2", project, db);
    if (n > 0 || strcmp(db, "default") == 0) rc = av_fail_on(err, AV_EEXIST, AV_ENT_DATABASE, AV_R_NONE, db, NULL, "database \"%s\" already exists", db);
    else {
        char *q = sqlite3_mprintf("INSERT INTO db(project, name, created_ms) VALUES (%Q, %Q, %lld)", project, db, (long long)av_now_ms());
        rc = av_store_exec(st, q, err);
        sqlite3_free(q);
    }
    av_store_unlock(st);
    return rc;
}

int av_db_list(av_store *st, const char *project, char ***names, size_t *n, av_err *err)
{
    av_store_lock(st);
    sqlite3_stmt *q;
    *names = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(av_store_db(st), "SELECT name FROM db WHERE project = ?1", -1, &q, NULL) != SQLITE_OK) {
        int rc = av_store_sqlite_fail(st, err, "listing databases");
        av_store_unlock(st);
        return rc;
    }
    sqlite3_bind_text(q, 1, project, -1, SQLITE_STATIC);
    size_t cap = 8;
    char **v = xmalloc(sizeof(char *) * cap);
    int has_default = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        if (*n + 1 >= cap) v = xrealloc(v, sizeof(char *) * (cap *= 2));
        v[*n] = xstrdup((const char *)sqlite3_column_text(q, 0));
        has_default |= strcmp(v[*n], "default") == 0;
        (*n)++;
    }
    sqlite3_finalize(q);
    av_store_unlock(st);
    if (!has_default) v[(*n)++] = xstrdup("default");
    qsort(v, *n, sizeof *v, av_strptr_cmp);
    *names = v;
    return AV_OK;
}

/* The db row of `default` exists once the project has used it; make sure it does (caller holds the
 * store lock). */
static int default_row(av_store *st, const char *project, const char *db, av_err *err)
{
    if (strcmp(db, "default") != 0) return AV_OK;
    char *q = sqlite3_mprintf("INSERT OR IGNORE INTO db(project, name, created_ms) VALUES (%Q, 'default', %lld)", project, (long long)av_now_ms());
    int rc = av_store_exec(st, q, err);
    sqlite3_free(q);
    return rc;
}

/* The db row's rowid and properties (a new object), or AV_ENODB. Caller holds the store lock. */
static int db_row(av_store *st, const char *project, const char *db, int64_t *id, json_object **props, av_err *err)
{
    int rc = default_row(st, project, db, err);
    if (rc) return rc;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(av_store_db(st), "SELECT d.rowid, p.props FROM db d LEFT JOIN db_prop p ON p.project = d.project AND p.db = d.name"
                                            " WHERE d.project = ?1 AND d.name = ?2", -1, &q, NULL) != SQLITE_OK)
        return av_store_sqlite_fail(st, err, "reading a database");
    sqlite3_bind_text(q, 1, project, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, db, -1, SQLITE_STATIC);
    rc = av_fail_on(err, AV_ENODB, AV_ENT_DATABASE, AV_R_NONE, db, NULL, "database \"%s\" does not exist; create it first or check the name", db);
    if (sqlite3_step(q) == SQLITE_ROW) {
        *id = sqlite3_column_int64(q, 0);
        const char *pt = (const char *)sqlite3_column_text(q, 1);
        *props = pt ? json_tokener_parse(pt) : NULL;
        if (!json_object_is_type(*props, json_type_object)) { json_object_put(*props); *props = json_object_new_object(); }
        if (err) av_err_clear(err);
        rc = AV_OK;
    }
    sqlite3_finalize(q);
    return rc;
}

int av_db_properties(av_store *st, const char *project, const char *db, int64_t *id, json_object **props, av_err *err)
{
    *props = NULL;
    *id = 0;
    av_store_lock(st);
    int rc = db_row(st, project, db, id, props, err);
    av_store_unlock(st);
    return rc;
}

int av_db_alter_properties(av_store *st, const char *project, const char *db, json_object *set, const char *const *drop, size_t ndrop, av_err *err)
{
    json_object *old = NULL, *n = NULL;
    int64_t id;
    av_store_lock(st);
    int rc = db_row(st, project, db, &id, &old, err);
    if (rc == AV_OK) rc = props_apply(old, set, drop, ndrop, &n, err);
    if (rc == AV_OK) {
        char *q = sqlite3_mprintf("INSERT OR REPLACE INTO db_prop(project, db, props) VALUES (%Q, %Q, %Q)", project, db, json_object_to_json_string_ext(n, JSON_C_TO_STRING_PLAIN));
        rc = av_store_exec(st, q, err);
        sqlite3_free(q);
    }
    av_store_unlock(st);
    json_object_put(old);
    json_object_put(n);
    return rc;
}
