/*
 * stats.c — the store's figures for av_store_stats_get (core/engine.c adds the catalog's counts):
 * delete commits and purge times from the purge schedule (read under purge_mu), rows and files the
 * purge thread has yet to erase (three queries on the writer connection under the store lock, the
 * row scan capped at AV_STATS_SCAN_MAX), and the list of projects. Read-only.
 */
#include "core/store/store_internal.h"
#include "lib/util.h"

#include <stdlib.h>
#include <string.h>

/* Runs a query of two integer columns; leaves a and b at 0 on error. */
static void two_ints(sqlite3 *db, const char *sql, int64_t *a, int64_t *b)
{
    sqlite3_stmt *q;
    *a = *b = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) return;
    if (sqlite3_step(q) == SQLITE_ROW) {
        *a = sqlite3_column_int64(q, 0);
        *b = sqlite3_column_int64(q, 1);
    }
    sqlite3_finalize(q);
}

#define STR2(x) #x
#define STR(x) STR2(x)

void store_stats_purge(av_store *st, av_store_stats *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&st->purge_mu);
    out->delete_commits = st->delete_commits;
    out->purge_pending = st->purge_pending;
    out->last_purge_ms = st->purge_done_ms;
    pthread_mutex_unlock(&st->purge_mu);
    int64_t rows, row_bytes, files, file_bytes;
    av_store_lock(st);
    two_ints(st->db, "SELECT count(*), coalesce(sum(length(vec) + length(doc)), 0) FROM (SELECT vec, doc FROM entity "
                     "WHERE coll IN (SELECT sid FROM orphan) LIMIT " STR(AV_STATS_SCAN_MAX) ")", &rows, &row_bytes);
    two_ints(st->db, "SELECT count(*), coalesce(sum(o.size), 0) FROM object_trash t JOIN object o ON o.sha = t.sha WHERE o.refs <= 0",
             &files, &file_bytes);
    av_store_unlock(st);
    out->purge_rows_waiting = rows;
    out->purge_files_waiting = files;
    out->purge_bytes_waiting = row_bytes + file_bytes;
}

char **store_project_ids(av_store *st, size_t *n)
{
    char **ids = NULL;
    size_t len = 0, cap = 0;
    sqlite3_stmt *q;
    av_store_lock(st);
    if (sqlite3_prepare_v2(st->db, "SELECT id FROM project ORDER BY id", -1, &q, NULL) == SQLITE_OK) {
        while (sqlite3_step(q) == SQLITE_ROW) {
            if (len == cap) { cap = cap ? cap * 2 : 8; ids = xrealloc(ids, cap * sizeof *ids); }
            ids[len++] = xstrdup((const char *)sqlite3_column_text(q, 0));
        }
        sqlite3_finalize(q);
    }
    av_store_unlock(st);
    *n = len;
    return ids;
}
