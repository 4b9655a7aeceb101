/*
 * main.c — the annovec command line: serve, version, help, and the credential commands
 * (src/cli/cmd_cred.c).
 *
 * serve: opens the store, registers every dialect's routes, starts the HTTP server, prints
 * "listening on HOST:PORT" to stderr once it accepts connections, then waits for SIGTERM/SIGINT,
 * after which it finishes in-flight requests, closes the store (checkpointing the WAL) and exits 0.
 * Without --auth it binds loopback addresses only, as Redis's protected mode does.
 */
#include "annovec.h"
#include "api/app.h"
#include "auth/auth.h"
#include "cli/commands.h"
#include "lib/util.h"
#include "http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
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

static void usage(FILE *out)
{
    fprintf(out,
        "annovec %s — a self-hosted data store for AI datasets and vectors\n"
        "\n"
        "usage:\n"
        "  annovec serve [--data DIR] [--listen HOST:PORT] [--threads N] [--auth]\n"
        "                [--log-level quiet|info|debug] [--log-format text|json] [--max-body BYTES]\n"
        "                [--max-connections N] [--max-connections-per-ip N] [--conn-timeout SECONDS]\n"
        "  annovec apikey create --data DIR --project NAME\n"
        "  annovec user add --data DIR --project NAME --name USER [--password PW]\n"
        "  annovec key create --data DIR --project NAME      (AK/SK for Volcengine and Huawei signatures)\n"
        "  annovec token create --data DIR --project ID [--ttl SECONDS]   (X-Auth-Token, default 24 h)\n"
        "  annovec version\n"
        "  annovec help\n"
        "\n"
        "serve defaults: --data ./data --listen %s --threads <cores> --max-body %u\n"
        "  --max-connections 1000 --max-connections-per-ip 250 --conn-timeout 30 --log-format text\n"
        "Without --auth the server only listens on loopback addresses.\n",
        AV_VERSION, DEFAULT_LISTEN, DEFAULT_MAX_BODY);
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
    if (*end || port < 1 || port > 65535) return -1;
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

static int cmd_serve(int argc, char **argv)
{
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

    av_err err;
    av_err_clear(&err);
    av_app app = { 0 };
    if (av_store_open(o.data, &app.store, &err)) {
        fprintf(stderr, "annovec serve: %s\n", err.msg);
        return 1;
    }
    if (o.auth && av_auth_open(o.data, &app.auth, &err)) {
        fprintf(stderr, "annovec serve: %s\n", err.msg);
        av_store_close(app.store);
        return 1;
    }
    milvus_v1_register();
    milvus_v2_register();
    vikingdb_v1_register();
    vikingdb_v2_register();
    vikingdb_task_register();
    modelarts_register();

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
    int v6 = strchr(o.host, ':') != NULL;
    fprintf(stderr, "listening on %s%s%s:%d\n", v6 ? "[" : "", o.host, v6 ? "]" : "", o.port);
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
    if (argc < 2) { usage(stderr); return 2; }
    const char *cmd = argv[1];
    if (strcmp(cmd, "serve") == 0) return cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "apikey") == 0) return cmd_apikey(argc - 1, argv + 1);
    if (strcmp(cmd, "user") == 0) return cmd_user(argc - 1, argv + 1);
    if (strcmp(cmd, "key") == 0) return cmd_key(argc - 1, argv + 1);
    if (strcmp(cmd, "token") == 0) return cmd_token(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) { printf("annovec %s\n", AV_VERSION); return 0; }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) { usage(stdout); return 0; }
    fprintf(stderr, "annovec: unknown command \"%s\"\n\n", cmd);
    usage(stderr);
    return 2;
}
