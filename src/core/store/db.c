/*
 * db.c — the two SQL helpers every file of the store uses, on any connection (no locking of its own:
 * the caller holds the store mutex when the connection is the writer's).
 */
#include "core/store/store_internal.h"
#include "lib/util.h"

int store_db_exec(sqlite3 *db, const char *sql, av_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK) return AV_OK;
    int rc = av_fail_on(err, AV_EIO, AV_ENT_NONE, AV_R_NONE, NULL, NULL, "storage error: %s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return rc;
}

int store_count(sqlite3 *db, const char *sql, const char *a, const char *b)
{
    sqlite3_stmt *st;
    int n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
    if (a) sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (b) sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

