/*
 * cmd_cred.c — the credential commands: `annovec apikey|user|key|token VERB ...`.
 *
 * One verb scheme for the four kinds:
 *   create  makes one and prints its secret alone on the last line of stdout (shown once)
 *   list    prints id/prefix, kind, project and times as a table; never a secret or a hash
 *   revoke  deletes one, named by its id (API key / token: avk_<id> or avt_<id>, a user: its name,
 *           an AK/SK pair: its AK)
 *   passwd  (users only) sets a new password, printed as USER:PASSWORD on the last line
 * `user add` and `user remove` are kept as aliases of `user create` and `user revoke`.
 *
 * They open their own connection to the data dir (av_store_open_admin), so they work whether or not a
 * server runs on it. A running server reads the credential's row on every request and keeps no
 * positive result across requests (see auth.h), so a revoke or passwd is refused on its next request.
 *
 * The data dir: every command says on stderr which one it used ("annovec: data dir /abs/path").
 * Without --data they use ./data only when it already holds a store (annovec.db); otherwise they refuse
 * rather than create ./data wherever they were run. With an explicit --data, `create` makes the store
 * if it is missing (as `serve` does); list, revoke and passwd still need an existing store.
 *
 * Exit status: 0 done, 1 failed (message on stderr), 2 usage error.
 */
#include "auth/auth.h"
#include "cli/commands.h"
#include "core/store/store.h"
#include "lib/util.h"

#include <limits.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define DEFAULT_DATA "./data"

enum { O_PROJECT = 1, O_NAME = 2, O_PASSWORD = 4, O_TTL = 8, O_ID = 16 };

typedef struct cred_opts {
    const char *data, *project, *name, *password, *ttl, *id;
    int data_given;
} cred_opts;

typedef struct verb {
    const char *name, *alias;
    unsigned opts, required;       /* O_* allowed and required (--data is always allowed) */
    int creates;                   /* may create the store when --data is given */
    const char *args;              /* the synopsis after the verb */
    const char *what;              /* one line */
    int (*run)(sqlite3 *db, const cred_opts *o, av_cred_kind kind);
} verb;

typedef struct kind_cmd {
    const char *cmd;
    av_cred_kind kind;
    const char *noun;              /* "API key" */
    const verb *verbs;
} kind_cmd;

/* ---- option help ------------------------------------------------------------------------------ */

static void option_help(FILE *out, unsigned opts, unsigned required, const char *cmd)
{
    fprintf(out, "options:\n"
                 "  --data DIR       the data dir (default %s, used only if it already holds a store;\n"
                 "                   an explicit DIR is created by 'create' when missing)\n", DEFAULT_DATA);
    if (opts & O_PROJECT)
        fprintf(out, "  --project NAME   the project: its name or 32-hex id (%s)\n",
                required & O_PROJECT ? "required; created on first use" : "default: every project");
    if (opts & O_NAME) fprintf(out, "  --name USER      the user name (required): 1..64 letters, digits, '_', '.', '-'\n");
    if (opts & O_PASSWORD) fprintf(out, "  --password PW    the password, 6..256 bytes (default: 24 random hex characters, printed)\n");
    if (opts & O_TTL) fprintf(out, "  --ttl SECONDS    lifetime, 60..%d (default %d = 24 h)\n", AV_TOKEN_TTL_MAX, AV_TOKEN_TTL_DEFAULT);
    if (opts & O_ID)
        fprintf(out, "  ID               %s (required; see '%s list')\n",
                strcmp(cmd, "user") == 0 ? "the user name" : strcmp(cmd, "key") == 0 ? "the access key (AK)" :
                strcmp(cmd, "apikey") == 0 ? "the key's id: avk_<id> (or the whole key)" : "the token's id: avt_<id> (or the whole token)",
                cmd);
    fprintf(out, "  -h, --help       this help\n");
}

static void verb_help(FILE *out, const kind_cmd *k, const verb *v)
{
    fprintf(out, "usage: annovec %s %s %s\n%s\n", k->cmd, v->name, v->args, v->what);
    if (v->alias) fprintf(out, "('annovec %s %s' is the same command.)\n", k->cmd, v->alias);
    option_help(out, v->opts, v->required, k->cmd);
}

static void kind_help(FILE *out, const kind_cmd *k)
{
    fprintf(out, "usage: annovec %s VERB [options]   (annovec %s VERB --help for a verb's options)\n\nverbs:\n", k->cmd, k->cmd);
    for (const verb *v = k->verbs; v->name; v++)
        fprintf(out, "  %s %s%s%s%s\n      %s\n", v->name, v->args, v->alias ? "   (alias: " : "", v->alias ? v->alias : "",
                v->alias ? ")" : "", v->what);
    fprintf(out, "\nEvery verb takes --data DIR (default %s, used only if it already holds a store).\n", DEFAULT_DATA);
}

/* ---- parsing and opening ---------------------------------------------------------------------- */

static int is_help(const char *a) { return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0; }

/* Parses the options after the verb. 0, 1 (help printed) or 2 (usage error printed). */
static int parse(int argc, char **argv, const kind_cmd *k, const verb *v, cred_opts *o)
{
    *o = (cred_opts){ .data = DEFAULT_DATA };
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (is_help(a)) { verb_help(stdout, k, v); return 1; }
        const char **dst = NULL;
        unsigned bit = 0;
        if (strcmp(a, "--data") == 0) dst = &o->data;
        else if (strcmp(a, "--project") == 0) { dst = &o->project; bit = O_PROJECT; }
        else if (strcmp(a, "--name") == 0) { dst = &o->name; bit = O_NAME; }
        else if (strcmp(a, "--password") == 0) { dst = &o->password; bit = O_PASSWORD; }
        else if (strcmp(a, "--ttl") == 0) { dst = &o->ttl; bit = O_TTL; }
        else if (a[0] != '-' && (v->opts & O_ID) && !o->id) { o->id = a; continue; }
        if (!dst || (bit && !(v->opts & bit))) {
            fprintf(stderr, "annovec %s %s: unknown %s %s\n", k->cmd, v->name, a[0] == '-' ? "option" : "argument", a);
            goto usage;
        }
        if (i + 1 >= argc) { fprintf(stderr, "annovec %s %s: %s needs a value\n", k->cmd, v->name, a); goto usage; }
        *dst = argv[++i];
        if (dst == &o->data) o->data_given = 1;
    }
    static const struct { unsigned bit; const char *name; } req[] = {
        { O_PROJECT, "--project" }, { O_NAME, "--name" }, { O_ID, "ID" } };
    for (size_t r = 0; r < sizeof req / sizeof *req; r++) {
        const char *val = req[r].bit == O_PROJECT ? o->project : req[r].bit == O_NAME ? o->name : o->id;
        if ((v->required & req[r].bit) && !val) { fprintf(stderr, "annovec %s %s: %s is required\n", k->cmd, v->name, req[r].name); goto usage; }
    }
    return 0;
usage:
    fprintf(stderr, "usage: annovec %s %s %s   (--help for the options)\n", k->cmd, v->name, v->args);
    return 2;
}

/* Opens the data dir under the rules at the top of this file; prints the dir used. NULL: refused or
 * failed (message printed). */
static sqlite3 *open_data(const cred_opts *o, const verb *v, const kind_cmd *k)
{
    char *dbpath = xasprintf("%s/annovec.db", o->data);
    struct stat sb;
    int has_store = stat(dbpath, &sb) == 0 && S_ISREG(sb.st_mode);
    free(dbpath);
    if (!has_store && !(o->data_given && v->creates)) {
        if (o->data_given)
            fprintf(stderr, "annovec %s %s: %s holds no annovec store (no annovec.db); name the data dir the server uses\n",
                    k->cmd, v->name, o->data);
        else
            fprintf(stderr, "annovec %s %s: no annovec store in %s (the default --data, relative to the current directory); "
                            "pass --data DIR naming the server's data dir (nothing was created)\n", k->cmd, v->name, DEFAULT_DATA);
        return NULL;
    }
    sqlite3 *db = NULL;
    av_err e;
    if (av_store_open_admin(o->data, &db, &e)) {
        fprintf(stderr, "annovec %s %s: %s\n", k->cmd, v->name, e.msg);
        return NULL;
    }
    char abs[PATH_MAX];
    fprintf(stderr, "annovec: data dir %s%s\n", realpath(o->data, abs) ? abs : o->data, has_store ? "" : " (new store created)");
    return db;
}

static int fail(const av_err *e)
{
    fprintf(stderr, "annovec: %s\n", e->msg);
    return 1;
}

/* ---- create ----------------------------------------------------------------------------------- */

static int apikey_create(sqlite3 *db, const cred_opts *o, av_cred_kind kind)
{
    char *key = NULL, project_id[33];
    av_err e;
    if (av_apikey_create(db, o->project, &key, project_id, &e)) return fail(&e);
    printf("project %s (id %s)\n", o->project, project_id);
    printf("API key (shown once; use it as Authorization: Bearer <key>):\n%s\n", key);
    OPENSSL_cleanse(key, strlen(key));
    free(key);
    return 0;
}

static int user_create(sqlite3 *db, const cred_opts *o, av_cred_kind kind)
{
    char *pw = NULL;
    av_err e;
    if (av_user_add(db, o->project, o->name, o->password, &pw, &e)) return fail(&e);
    printf("user %s in project %s (use it as Authorization: Bearer <user>:<password>):\n%s:%s\n", o->name, o->project, o->name, pw);
    OPENSSL_cleanse(pw, strlen(pw));
    free(pw);
    return 0;
}

static int key_create(sqlite3 *db, const cred_opts *o, av_cred_kind kind)
{
    char ak[29], sk[41], project_id[33];
    av_err e;
    if (av_volc_key_create(db, o->project, ak, sk, project_id, &e)) return fail(&e);
    printf("project %s (id %s)\n", o->project, project_id);
    printf("access key and secret key for Volcengine and Huawei signatures (the secret is shown once):\n%s %s\n", ak, sk);
    OPENSSL_cleanse(sk, sizeof sk);
    return 0;
}

static int token_create(sqlite3 *db, const cred_opts *o, av_cred_kind kind)
{
    char *end = NULL;
    long long ttl = o->ttl ? strtoll(o->ttl, &end, 10) : AV_TOKEN_TTL_DEFAULT;
    if (o->ttl && (*end || end == o->ttl)) {
        fprintf(stderr, "annovec token create: --ttl takes whole seconds\n");
        return 2;
    }
    char *token = NULL, project_id[33];
    av_err e;
    if (av_token_create(db, o->project, ttl, &token, project_id, &e)) return fail(&e);
    printf("project %s (id %s), valid for %lld seconds\n", o->project, project_id, ttl);
    printf("token (send it as X-Auth-Token; shown once):\n%s\n", token);
    OPENSSL_cleanse(token, strlen(token));
    free(token);
    return 0;
}

/* ---- list, revoke, passwd --------------------------------------------------------------------- */

static void utc(int64_t ms, char out[24])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int cred_list(sqlite3 *db, const cred_opts *o, av_cred_kind kind)
{
    av_cred_info *ci = NULL;
    size_t n = 0;
    av_err e;
    if (av_cred_list(db, kind, o->project, &ci, &n, &e)) return fail(&e);
    int64_t now = av_now_ms();
    printf("%-6s  %-28s  %-20s  %-32s  %-20s%s\n", "KIND", "ID", "PROJECT", "PROJECT ID", "CREATED (UTC)",
           kind == AV_CRED_TOKEN ? "  EXPIRES (UTC)" : "");
    for (size_t i = 0; i < n; i++) {
        char created[24], expires[24];
        utc(ci[i].created_ms, created);
        printf("%-6s  %-28s  %-20s  %-32s  %-20s", av_cred_kind_name(kind), ci[i].id, ci[i].project_name, ci[i].project_id, created);
        if (kind == AV_CRED_TOKEN) {
            utc(ci[i].expires_ms, expires);
            printf("  %s%s", expires, ci[i].expires_ms <= now ? " (expired)" : "");
        }
        printf("\n");
    }
    fprintf(stderr, "annovec: %zu %s%s\n", n, av_cred_kind_name(kind), n == 1 ? "" : "s");
    free(ci);
    return 0;
}

static int cred_revoke(sqlite3 *db, const cred_opts *o, av_cred_kind kind)
{
    av_err e;
    if (av_cred_revoke(db, kind, o->id, &e)) return fail(&e);
    printf("revoked %s %s; a running server refuses it from its next request\n", av_cred_kind_name(kind), o->id);
    return 0;
}

static int user_passwd(sqlite3 *db, const cred_opts *o, av_cred_kind kind)
{
    char *pw = NULL;
    av_err e;
    if (av_user_passwd(db, o->id, o->password, &pw, &e)) return fail(&e);
    printf("new password of user %s (the old one is refused from the next request):\n%s:%s\n", o->id, o->id, pw);
    OPENSSL_cleanse(pw, strlen(pw));
    free(pw);
    return 0;
}

/* ---- the tables ------------------------------------------------------------------------------- */

#define LIST_VERB(noun) { "list", NULL, O_PROJECT, 0, 0, "[--data DIR] [--project NAME]", \
                          "Lists the " noun " (id, project, created time); never prints a secret.", cred_list }

static const verb apikey_verbs[] = {
    { "create", NULL, O_PROJECT, O_PROJECT, 1, "--project NAME [--data DIR]",
      "Creates an API key; prints it on the last line (shown once). Use it as Authorization: Bearer <key>.", apikey_create },
    LIST_VERB("API keys"),
    { "revoke", NULL, O_ID, O_ID, 0, "ID [--data DIR]", "Deletes an API key (ID: avk_<id> as listed).", cred_revoke },
    { 0 } };
static const verb user_verbs[] = {
    { "create", "add", O_PROJECT | O_NAME | O_PASSWORD, O_PROJECT | O_NAME, 1, "--project NAME --name USER [--password PW] [--data DIR]",
      "Creates a user; prints USER:PASSWORD on the last line. Use it as Authorization: Bearer <user>:<password>.", user_create },
    LIST_VERB("users"),
    { "revoke", "remove", O_ID, O_ID, 0, "USER [--data DIR]", "Deletes a user.", cred_revoke },
    { "passwd", NULL, O_ID | O_PASSWORD, O_ID, 0, "USER [--password PW] [--data DIR]",
      "Sets a user's password; prints USER:PASSWORD on the last line.", user_passwd },
    { 0 } };
static const verb key_verbs[] = {
    { "create", NULL, O_PROJECT, O_PROJECT, 1, "--project NAME [--data DIR]",
      "Creates an AK/SK pair (Volcengine HMAC-SHA256 for VikingDB, SDK-HMAC-SHA256 for ModelArts); prints \"AK SK\" on the last line.", key_create },
    LIST_VERB("AK/SK pairs (the access keys)"),
    { "revoke", NULL, O_ID, O_ID, 0, "AK [--data DIR]", "Deletes an AK/SK pair.", cred_revoke },
    { 0 } };
static const verb token_verbs[] = {
    { "create", NULL, O_PROJECT | O_TTL, O_PROJECT, 1, "--project ID [--ttl SECONDS] [--data DIR]",
      "Creates an X-Auth-Token for ModelArts; prints it on the last line (shown once).", token_create },
    LIST_VERB("tokens (with their expiry)"),
    { "revoke", NULL, O_ID, O_ID, 0, "ID [--data DIR]", "Deletes a token (ID: avt_<id> as listed).", cred_revoke },
    { 0 } };

static const kind_cmd KIND_CMDS[] = {
    { "apikey", AV_CRED_APIKEY, "API key", apikey_verbs },
    { "user", AV_CRED_USER, "user", user_verbs },
    { "key", AV_CRED_KEY, "AK/SK pair", key_verbs },
    { "token", AV_CRED_TOKEN, "token", token_verbs },
};

static int run_kind(const kind_cmd *k, int argc, char **argv)
{
    if (argc < 2 || is_help(argv[1])) {
        kind_help(argc < 2 ? stderr : stdout, k);
        return argc < 2 ? 2 : 0;
    }
    const verb *v = k->verbs;
    while (v->name && strcmp(v->name, argv[1]) != 0 && !(v->alias && strcmp(v->alias, argv[1]) == 0)) v++;
    if (!v->name) {
        fprintf(stderr, "annovec %s: unknown verb \"%s\"\n\n", k->cmd, argv[1]);
        kind_help(stderr, k);
        return 2;
    }
    cred_opts o;
    int rc = parse(argc, argv, k, v, &o);
    if (rc) return rc == 1 ? 0 : rc;
    sqlite3 *db = open_data(&o, v, k);
    if (!db) return 1;
    rc = v->run(db, &o, k->kind);
    sqlite3_close(db);
    return rc;
}

int cmd_apikey(int argc, char **argv) { return run_kind(&KIND_CMDS[0], argc, argv); }
int cmd_user(int argc, char **argv) { return run_kind(&KIND_CMDS[1], argc, argv); }
int cmd_key(int argc, char **argv) { return run_kind(&KIND_CMDS[2], argc, argv); }
int cmd_token(int argc, char **argv) { return run_kind(&KIND_CMDS[3], argc, argv); }

void cred_usage(FILE *out)
{
    for (size_t i = 0; i < sizeof KIND_CMDS / sizeof *KIND_CMDS; i++)
        for (const verb *v = KIND_CMDS[i].verbs; v->name; v++)
            fprintf(out, "  annovec %s %s %s\n", KIND_CMDS[i].cmd, v->name, v->args);
}
