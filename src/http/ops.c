/*
 * ops.c — the operational endpoints, outside every dialect:
 *   GET /healthz   200 {"status":"alive"} while the process serves HTTP (no credentials needed);
 *   GET /readyz    200 {"status":"ready"} when the store is open, loaded and its data dir writable
 *                  (av_store_health_get), else 503 {"status":"not ready","reason":".."} (no credentials);
 *   GET /metrics   the Prometheus text exposition format (0.0.4): the request counters and latency
 *                  histograms of metrics.c, then the store's gauges and counters (av_store_health_get,
 *                  av_store_stats_get; needs credentials with --auth, like any other route).
 * No state besides the registration flag (set before the server starts); the handlers only read.
 */
#include "http/ops.h"
#include "http/http.h"
#include "http/metrics.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int open_route(av_http_req *req, av_err *err)
{
    (void)req; (void)err;
    return AV_OK;
}

static const av_dialect ops_open = { "ops", NULL, open_route };
static const av_dialect ops_auth = { "ops", NULL, NULL };

static void reply(av_http_res *res, int status, const char *json)
{
    res->status = status;
    res->body.len = 0;
    av_buf_puts(&res->body, json);
}

static void healthz(av_http_req *req, av_http_res *res)
{
    (void)req;
    reply(res, 200, "{\"status\":\"alive\"}");
}

static void readyz(av_http_req *req, av_http_res *res)
{
    av_store_health h;
    av_store_health_get(req->store, &h);
    if (h.ok) { reply(res, 200, "{\"status\":\"ready\"}"); return; }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "status", json_object_new_string("not ready"));
    json_object_object_add(o, "reason", json_object_new_string(h.reason[0] ? h.reason : "the store cannot acknowledge writes"));
    reply(res, 503, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

static long long rss_bytes(void)
{
    long long pages = -1, resident = -1;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f) return -1;
    if (fscanf(f, "%lld %lld", &pages, &resident) != 2) resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * sysconf(_SC_PAGESIZE);
}

static void gauge(av_buf *b, const char *name, const char *type, const char *help, long long v)
{
    av_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", name, help, name, type, name, v);
}

static void metrics(av_http_req *req, av_http_res *res)
{
    av_buf b = { 0 };
    metrics_render(&b);
    av_store_health h;
    av_store_health_get(req->store, &h);
    gauge(&b, "annovec_store_ready", "gauge", "1 when the store can acknowledge writes (see /readyz).", h.ok);
    gauge(&b, "annovec_wal_bytes", "gauge", "Size of the SQLite write-ahead log.", (long long)h.wal_bytes);
    gauge(&b, "annovec_data_dir_free_bytes", "gauge", "Free space of the data dir's file system (-1: unknown).", (long long)h.free_bytes);
    gauge(&b, "annovec_reserve_bytes", "gauge", "Space held back so that deletes work on a full disk.", (long long)h.reserve_bytes);
    gauge(&b, "annovec_resident_memory_bytes", "gauge", "Resident set size of the server process.", rss_bytes());
    av_store_stats st;
    av_store_stats_get(req->store, &st);
    gauge(&b, "annovec_collections", "gauge", "Collections, every project and database.", (long long)st.collections);
    gauge(&b, "annovec_entities", "gauge", "Live entities of every collection.", (long long)st.entities);
    gauge(&b, "annovec_delete_commits_total", "counter", "Commits that deleted something (entities, collections, samples, files) since start.", (long long)st.delete_commits);
    gauge(&b, "annovec_purge_pending", "gauge", "1 while deletes wait for the purge thread (checkpoint and erase).", st.purge_pending);
    gauge(&b, "annovec_purge_rows_waiting", "gauge", "Rows of dropped or emptied collections not yet erased (counted up to 100000).", (long long)st.purge_rows_waiting);
    gauge(&b, "annovec_purge_files_waiting", "gauge", "Source files no longer referenced, not yet erased.", (long long)st.purge_files_waiting);
    gauge(&b, "annovec_purge_bytes_waiting", "gauge", "Bytes of those rows and files.", (long long)st.purge_bytes_waiting);
    gauge(&b, "annovec_last_purge_timestamp_seconds", "gauge", "End of the last purge pass, Unix time (0: none since start).", (long long)(st.last_purge_ms / 1000));
    av_buf_free(&res->body);
    res->body = b;
    res->status = 200;
    res->content_type = "text/plain; version=0.0.4; charset=utf-8";
}

void http_ops_register(av_store *st)
{
    static int done;
    (void)st;
    if (done) return;
    done = 1;
    av_http_route("GET", "/healthz", &ops_open, healthz);
    av_http_route("GET", "/readyz", &ops_open, readyz);
    av_http_route("GET", "/metrics", &ops_auth, metrics);
}
