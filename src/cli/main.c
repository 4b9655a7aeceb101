/*
 * main.c — the annovec command line: serve, version, help, and the credential commands
 * (src/cli/cmd_cred.c).
 *
 * serve: opens the store, registers every dialect's routes, starts the HTTP server, prints
 * "listening on HOST:PORT" to stderr once it accepts connections, then waits for SIGTERM/SIGINT,
 * after which it finishes in-flight requests, closes the store (checkpointing the WAL) and exits 0.
 * Without --auth it binds loopback addresses only, as Redis's protected mode does. --listen HOST:0
 * lets the kernel pick a free port; the "listening on" line names the port actually bound.
 * Start-up prints the version, data dir, auth mode, what it is about to load and, every second while
 * loading, a progress line; then what was loaded and the time taken, then "listening on HOST:PORT".
 *
 * Every command runs under umask 077: whatever it creates in the data dir is private to the user
 * (the store also creates its files with explicit 0600 / 0700 modes).
 */
#include "annovec.h"
#include "api/app.h"
#include "auth/auth.h"
#include "cli/commands.h"
#include "lib/util.h"
#include "http/http.h"

#include "core/store/store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_LISTEN "127.0.0.1:19530"
#define DEFAULT_MAX_BODY (64u << 20)

typedef struct serve_opts {
    const char *data;
    char host[64];
    int port;
    int threads;
    int auth;
    int log_level;
    size_t max_body;
    int log_json;
    unsigned max_conns, max_conns_per_ip, conn_timeout;
} serve_opts;

static long online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 2;
}

/* What serve uses when --threads is not given: 2 x the online cores. */
static int default_threads(void) { return (int)(online_cores() * 2); }

static void usage(FILE *out)
{
    fprintf(out,
        "annovec %s — a self-hosted data store for AI datasets and vectors\n"
        "\n"
        "usage:\n"
        "  annovec serve [--data DIR] [--listen HOST:PORT] [--threads N] [--auth]\n"
        "                [--log-level quiet|info|debug] [--log-format text|json] [--max-body BYTES]\n"
        "                [--max-connections N] [--max-connections-per-ip N] [--conn-timeout SECONDS]\n", AV_VERSION);
    cred_usage(out);
    fprintf(out,
        "  annovec version\n"
        "  annovec help [COMMAND [VERB]]\n"
        "\n"
        "serve defaults: --data ./data --listen %s --threads %d (2 x %ld cores) --max-body %u\n"
        "  --max-connections 1000 --max-connections-per-ip 250 --conn-timeout 30 --log-format text\n"
        "Without --auth the server only listens on loopback addresses.\n"
        "Credentials: apikey (Bearer keys), user (Bearer user:password), key (AK/SK pairs for\n"
        "Volcengine and Huawei signatures), token (ModelArts X-Auth-Token); each has create, list and\n"
        "revoke (users also passwd). 'annovec COMMAND --help' lists a command's options and defaults.\n",
        DEFAULT_LISTEN, default_threads(), online_cores(), DEFAULT_MAX_BODY);
}

static void serve_help(FILE *out)
{
    fprintf(out,
        "usage: annovec serve [options]\n"
        "Serves the Milvus REST (v1, v2), VikingDB (V1, V2) and ModelArts v2 APIs on one port.\n"
        "options:\n"
        "  --data DIR          the data dir, created (0700) if missing (default ./data)\n"
        "  --listen HOST:PORT  the address, HOST:PORT, [v6]:PORT or localhost:PORT; PORT 0 picks a free\n"
        "                      port, named in the 'listening on' line (default %s)\n"
        "  --threads N         HTTP thread pool, 1..1024 (default %d = 2 x %ld cores)\n"
        "  --auth              require credentials (default off: then only loopback addresses)\n"
        "  --log-level L       quiet, info (a line per request) or debug (default info)\n"
        "  --max-body BYTES    largest request body, 1024..4294967296; larger ones get 413 (default %u)\n"
        "  --log-format F      text or json: one line (or JSON object) per request (default text)\n"
        "  --max-connections N       open connections at most, 1..100000 (default 1000)\n"
        "  --max-connections-per-ip N  from one client address (default 250)\n"
        "  --conn-timeout SECONDS    an idle or slow connection is closed after this (default 30)\n"
        "  -h, --help          this help\n",
        DEFAULT_LISTEN, default_threads(), online_cores(), DEFAULT_MAX_BODY);
}

/* HOST:PORT, [v6]:PORT, or localhost:PORT. */
static int parse_listen(const char *s, serve_opts *o)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s) return -1;
    size_t hl = (size_t)(colon - s);
    if (s[0] == '[') {
        if (hl < 3 || s[hl - 1] != ']') return -1;
        s++; hl -= 2;
    }
    if (hl >= sizeof o->host) return -1;
    memcpy(o->host, s, hl);
    o->host[hl] = 0;
    if (strcmp(o->host, "localhost") == 0) strcpy(o->host, "127.0.0.1");
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || end == colon + 1 || port < 0 || port > 65535) return -1;   /* 0: the kernel picks */
    o->port = (int)port;
    return 0;
}

static int is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, host, &a4) == 1) return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &a6) == 1) return IN6_IS_ADDR_LOOPBACK(&a6);
    return 0;
}

static int parse_log_level(const char *s)
{
    if (strcmp(s, "quiet") == 0 || strcmp(s, "0") == 0) return 0;
    if (strcmp(s, "info") == 0 || strcmp(s, "1") == 0) return 1;
    if (strcmp(s, "debug") == 0 || strcmp(s, "2") == 0) return 2;
    return -1;
}

static int parse_serve(int argc, char **argv, serve_opts *o)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    *o = (serve_opts){ "./data", "", 0, cores > 0 ? (int)(cores * 2) : 4, 0, 1, DEFAULT_MAX_BODY, 0, 1000, 250, 30 };
    parse_listen(DEFAULT_LISTEN, o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = strcmp(a, "--data") == 0 || strcmp(a, "--listen") == 0 || strcmp(a, "--threads") == 0 ||
                    strcmp(a, "--log-level") == 0 || strcmp(a, "--max-body") == 0 || strcmp(a, "--log-format") == 0 ||
                    strcmp(a, "--max-connections") == 0 || strcmp(a, "--max-connections-per-ip") == 0 ||
                    strcmp(a, "--conn-timeout") == 0;
        if (takes && !v) { fprintf(stderr, "annovec serve: %s needs a value\n", a); return 2; }
        if (strcmp(a, "--data") == 0) o->data = v;
        else if (strcmp(a, "--listen") == 0) {
            if (parse_listen(v, o)) { fprintf(stderr, "annovec serve: --listen %s is not HOST:PORT (e.g. 127.0.0.1:19530)\n", v); return 2; }
        } else if (strcmp(a, "--threads") == 0) {
            o->threads = atoi(v);
            if (o->threads < 1 || o->threads > 1024) { fprintf(stderr, "annovec serve: --threads must be 1..1024\n"); return 2; }
        } else if (strcmp(a, "--log-level") == 0) {
            o->log_level = parse_log_level(v);
            if (o->log_level < 0) { fprintf(stderr, "annovec serve: --log-level must be quiet, info or debug\n"); return 2; }
        } else if (strcmp(a, "--max-body") == 0) {
            char *end;
            unsigned long long mb = strtoull(v, &end, 10);
            if (*end || mb < 1024 || mb > (1ull << 32)) { fprintf(stderr, "annovec serve: --max-body must be 1024..4294967296 bytes\n"); return 2; }
            o->max_body = (size_t)mb;
        } else if (strcmp(a, "--log-format") == 0) {
            if (strcmp(v, "text") != 0 && strcmp(v, "json") != 0) { fprintf(stderr, "annovec serve: --log-format must be text or json\n"); return 2; }
            o->log_json = strcmp(v, "json") == 0;
        } else if (strcmp(a, "--max-connections") == 0 || strcmp(a, "--max-connections-per-ip") == 0 || strcmp(a, "--conn-timeout") == 0) {
            char *end;
            long n = strtol(v, &end, 10);
            if (*end || n < 1 || n > 100000) { fprintf(stderr, "annovec serve: %s must be 1..100000\n", a); return 2; }
            if (strcmp(a, "--max-connections") == 0) o->max_conns = (unsigned)n;
            else if (strcmp(a, "--conn-timeout") == 0) o->conn_timeout = (unsigned)n;
            else o->max_conns_per_ip = (unsigned)n;
        } else if (strcmp(a, "--auth") == 0) o->auth = 1;
        else { fprintf(stderr, "annovec serve: unknown option %s (see annovec help)\n", a); return 2; }
        if (takes) i++;
    }
    return 0;
}

static int wait_for_signal(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int sig = 0;
    sigwait(&set, &sig);
    return sig;
}

/* ---- start-up report ------------------------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* What a store on disk holds, read on a connection of its own before loading (all -1 when there is
 * no store yet or it cannot be read). */
typedef struct store_size { int64_t collections, rows, datasets; } store_size;

static int64_t count_of(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    int64_t n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static store_size size_on_disk(const char *dir)
{
    store_size z = { -1, -1, -1 };
    char *path = xasprintf("%s/annovec.db", dir);
    struct stat sb;
    sqlite3 *db = NULL;
    if (stat(path, &sb) == 0 && sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 2000);
        z.collections = count_of(db, "SELECT count(*) FROM collection");
        z.rows = count_of(db, "SELECT count(*) FROM entity");
        z.datasets = count_of(db, "SELECT count(*) FROM dataset");
    }
    sqlite3_close(db);
    free(path);
    return z;
}

/* What the opened store serves: collections and their live rows (from memory), datasets. */
static store_size size_loaded(av_store *st)
{
    store_size z = { 0, 0, -1 };
    typedef struct { char *project, *db, *name; } coll_name;
    coll_name *names = NULL;
    size_t n = 0, cap = 0;
    av_store_lock(st);
    sqlite3 *db = av_store_db(st);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(db, "SELECT project, db, name FROM collection", -1, &q, NULL) == SQLITE_OK) {
        while (sqlite3_step(q) == SQLITE_ROW) {
            if (n == cap) names = xrealloc(names, (cap = cap ? cap * 2 : 16) * sizeof *names);
            names[n++] = (coll_name){ xstrdup((const char *)sqlite3_column_text(q, 0)), xstrdup((const char *)sqlite3_column_text(q, 1)),
                                      xstrdup((const char *)sqlite3_column_text(q, 2)) };
        }
        sqlite3_finalize(q);
    }
    z.datasets = count_of(db, "SELECT count(*) FROM dataset");
    av_store_unlock(st);
    for (size_t i = 0; i < n; i++) {
        av_collection *c = NULL;
        if (av_collection_open(st, names[i].project, names[i].db, names[i].name, &c, NULL) == AV_OK) {
            z.collections++;
            z.rows += av_collection_count(c);
            av_collection_release(c);
        }
        free(names[i].project);
        free(names[i].db);
        free(names[i].name);
    }
    free(names);
    return z;
}

/* Progress while the store loads (a large store takes a while): a line for each collection that
 * took a second or more, and every second a line naming the collection being loaded. */
typedef struct loader {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
    double t0;
    av_load_progress now;      /* the latest report; its names copied below */
    char current[3 * 256];
} loader;

static void on_load(void *arg, const av_load_progress *p)
{
    loader *l = arg;
    pthread_mutex_lock(&l->mu);
    l->now = *p;
    snprintf(l->current, sizeof l->current, "%s/%s/%s", p->project, p->db, p->name);
    if (p->loaded && p->seconds >= 1.0)
        fprintf(stderr, "annovec: loaded collection %s (%d of %d): %lld rows in %.1f s\n", l->current, p->index, p->total,
                (long long)p->rows, p->seconds);
    pthread_mutex_unlock(&l->mu);
}

static void *progress(void *arg)
{
    loader *l = arg;
    pthread_mutex_lock(&l->mu);
    while (!l->done) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        if (pthread_cond_timedwait(&l->cv, &l->mu, &until) == 0 || l->done) continue;
        if (l->now.index && !l->now.loaded)
            fprintf(stderr, "annovec: loading the store... %.0f s: collection %s (%d of %d), %lld rows loaded before it\n",
                    now_s() - l->t0, l->current, l->now.index, l->now.total, (long long)l->now.rows_so_far);
        else
            fprintf(stderr, "annovec: loading the store... %.0f s\n", now_s() - l->t0);
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

static int open_with_progress(const char *dir, av_store **st, av_err *err)
{
    loader l = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .t0 = now_s() };
    pthread_t th;
    int have = pthread_create(&th, NULL, progress, &l) == 0;
    int rc = av_store_open_with(dir, on_load, &l, st, err);
    pthread_mutex_lock(&l.mu);
    l.done = 1;
    pthread_cond_signal(&l.cv);
    pthread_mutex_unlock(&l.mu);
    if (have) pthread_join(th, NULL);
    return rc;
}

static int cmd_serve(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) { serve_help(stdout); return 0; }
    serve_opts o;
    int rc = parse_serve(argc, argv, &o);
    if (rc) return rc;
    if (!o.auth && !is_loopback(o.host)) {
        fprintf(stderr, "annovec serve: refusing to listen on %s without --auth. Without authentication "
                        "annovec only binds loopback addresses (127.0.0.1, ::1). Start it with --auth and create "
                        "credentials with 'annovec apikey create', or listen on 127.0.0.1.\n", o.host);
        return 1;
    }
    /* Block the stop signals before any thread starts so that only sigwait sees them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    double t0 = now_s();
    char abs[PATH_MAX * 2], cwd[PATH_MAX];
    if (!realpath(o.data, abs)) {   /* not there yet: the store creates it */
        int rel = o.data[0] != '/' && getcwd(cwd, sizeof cwd);
        snprintf(abs, sizeof abs, "%s%s%s", rel ? cwd : "", rel ? "/" : "", o.data);
    }
    fprintf(stderr, "annovec %s starting: data dir %s, auth %s, %d threads\n", AV_VERSION, abs, o.auth ? "on (--auth: every request needs credentials)" : "off (loopback only)", o.threads);
    store_size disk = size_on_disk(o.data);
    if (disk.collections < 0) fprintf(stderr, "annovec: no store in %s yet: creating one\n", o.data);
    else fprintf(stderr, "annovec: loading %lld collections (%lld stored rows) and %lld datasets\n",
                 (long long)disk.collections, (long long)disk.rows, (long long)(disk.datasets < 0 ? 0 : disk.datasets));

    av_err err;
    av_err_clear(&err);
    av_app app = { 0 };
    if (open_with_progress(o.data, &app.store, &err)) {
        fprintf(stderr, "annovec serve: %s\n", err.msg);
        return 1;
    }
    if (o.auth && av_auth_open(o.data, &app.auth, &err)) {
        fprintf(stderr, "annovec serve: %s\n", err.msg);
        av_store_close(app.store);
        return 1;
    }
    api_register_routes();

    av_http_config cfg = { .host = o.host, .port = o.port, .threads = o.threads, .max_body = o.max_body, .auth_on = o.auth,
                           .log_level = o.log_level, .log_json = o.log_json, .max_conns = o.max_conns,
                           .max_conns_per_ip = o.max_conns_per_ip, .conn_timeout = o.conn_timeout, .store = app.store,
                           .app = &app, .authenticate = av_auth_http, .auth_ctx = app.auth };
    av_http_server *srv = NULL;
    if (av_project_resolve(app.store, "default", 1, cfg.default_project, &err) ||
        av_http_start(&cfg, &srv, &err)) {
        fprintf(stderr, "annovec serve: %s\n", err.msg);
        if (app.auth) av_auth_close(app.auth);
        av_store_close(app.store);
        return 1;
    }
    store_size got = size_loaded(app.store);
    int port = av_http_port(srv);
    if (port <= 0) port = o.port;
    int v6 = strchr(o.host, ':') != NULL;
    fprintf(stderr, "annovec: loaded %lld collections (%lld rows) and %lld datasets in %.2f s\n",
            (long long)got.collections, (long long)got.rows, (long long)(got.datasets < 0 ? 0 : got.datasets), now_s() - t0);
    fprintf(stderr, "listening on %s%s%s:%d\n", v6 ? "[" : "", o.host, v6 ? "]" : "", port);
    int sig = wait_for_signal();
    fprintf(stderr, "annovec: %s received, finishing in-flight requests\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    av_http_stop(srv);
    if (app.auth) av_auth_close(app.auth);
    av_store_close(app.store);
    fprintf(stderr, "annovec: stopped cleanly\n");
    return 0;
}

int main(int argc, char **argv)
{
    setvbuf(stderr, NULL, _IOLBF, 0);
    umask(077);   /* the data dir and everything in it: the user's alone */
    if (argc < 2) { usage(stderr); return 2; }
    const char *cmd = argv[1];
    if (strcmp(cmd, "serve") == 0) return cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "apikey") == 0) return cmd_apikey(argc - 1, argv + 1);
    if (strcmp(cmd, "user") == 0) return cmd_user(argc - 1, argv + 1);
    if (strcmp(cmd, "key") == 0) return cmd_key(argc - 1, argv + 1);
    if (strcmp(cmd, "token") == 0) return cmd_token(argc - 1, argv + 1);
    int help_asked = argc > 2 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        if (help_asked) { printf("usage: annovec version\nPrints the version (no options).\n"); return 0; }
        printf("annovec %s\n", AV_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        if (argc > 2 && strcmp(cmd, "help") == 0) {   /* annovec help COMMAND [VERB] = annovec COMMAND [VERB] --help */
            char *sub[4] = { argv[2], argc > 3 ? argv[3] : "--help", "--help", NULL };
            int n = argc > 3 ? 3 : 2;
            if (strcmp(argv[2], "serve") == 0) { serve_help(stdout); return 0; }
            if (strcmp(argv[2], "apikey") == 0) return cmd_apikey(n, sub);
            if (strcmp(argv[2], "user") == 0) return cmd_user(n, sub);
            if (strcmp(argv[2], "key") == 0) return cmd_key(n, sub);
            if (strcmp(argv[2], "token") == 0) return cmd_token(n, sub);
        }
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "annovec: unknown command \"%s\"\n\n", cmd);
    usage(stderr);
    return 2;
}
