/*
 * project.c — projects: the unit of isolation. A project is named by its 32-hex id or by a name;
 * both resolve to the id. Works on any connection (the server's writer connection, or the admin
 * connection of the credential commands). Locking: av_project_resolve takes the store mutex.
 */
#include "core/store/store_internal.h"
#include "lib/util.h"

#include <stdio.h>
#include <string.h>

static int is_hex32(const char *s)
{
    if (strlen(s) != 32) return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f'))) return 0;
    return 1;
}

static int project_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64) return 0;
    if (!(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) return 0;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];
        if (!(c == '_' || c == '-' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return 0;
    }
    return 1;
}

static int project_lookup(sqlite3 *db, const char *sql, const char *key, char out_id[33])
{
    sqlite3_stmt *st;
    int found = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(out_id, 33, "%s", (const char *)sqlite3_column_text(st, 0));
        found = 1;
    }
    sqlite3_finalize(st);
    return found;
}

static int project_insert(sqlite3 *db, const char *id, const char *name, av_err *err)
{
    char *q = sqlite3_mprintf("INSERT INTO project(id, name, created_ms) VALUES (%Q, %Q, %lld);"
                              "INSERT OR IGNORE INTO db(project, name, created_ms) VALUES (%Q, 'default', %lld);",
                              id, name, (long long)av_now_ms(), id, (long long)av_now_ms());
    int rc = store_db_exec(db, q, err);
    sqlite3_free(q);
    return rc;
}

int av_project_resolve_db(sqlite3 *db, const char *name_or_id, int create, char out_id[33], av_err *err)
{
    if (!name_or_id || !*name_or_id)
        return av_fail_on(err, AV_EINVAL, AV_ENT_PROJECT, AV_R_MISSING, NULL, NULL, "project is empty; name a project by its 32-hex id or its name");
    int hex = is_hex32(name_or_id);
    if (!hex && !project_name_ok(name_or_id))
        return av_fail_on(err, AV_EINVAL, AV_ENT_PROJECT, AV_R_NONE, name_or_id, NULL, "invalid project \"%.64s\": use a 32-hex-character id or a name of letters, digits, '_' and '-' (at most 64, starting with a letter or '_')", name_or_id);
    int found = project_lookup(db, hex ? "SELECT id FROM project WHERE id = ?1" : "SELECT id FROM project WHERE name = ?1", name_or_id, out_id);
    if (found < 0) return av_fail_on(err, AV_EIO, AV_ENT_PROJECT, AV_R_NONE, name_or_id, NULL, "storage error: %s", sqlite3_errmsg(db));
    if (found) return AV_OK;
    if (!create) return av_fail_on(err, AV_ENOTFOUND, AV_ENT_PROJECT, AV_R_NONE, name_or_id, NULL, "project \"%s\" does not exist", name_or_id);
    if (hex) snprintf(out_id, 33, "%s", name_or_id);
    else {
        unsigned char r[16];
        av_random(r, sizeof r);
        av_hex(r, sizeof r, out_id);
    }
    return project_insert(db, out_id, name_or_id, err);
}
