/*
 * cmd_cred.c — `annovec apikey create`, `annovec user add`, `annovec key create` and
 * `annovec token create`. They open their own connection to the
 * data dir (av_store_open_admin), so they work whether or not a server runs on it; a running server
 * sees the new credential on its next request.
 */
#include "auth/auth.h"
#include "cli/commands.h"
#include "core/store/store.h"
#include "lib/util.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

typedef struct cred_opts { const char *data, *project, *name, *password, *ttl; } cred_opts;

/* Parses --data/--project/--name/--password after the verb; returns 0 or 2 (usage). */
static int parse(int argc, char **argv, int first, cred_opts *o, const char *usage)
{
    *o = (cred_opts){ "./data", NULL, NULL, NULL, NULL };
    for (int i = first; i < argc; i++) {
        const char **dst = strcmp(argv[i], "--data") == 0 ? &o->data : strcmp(argv[i], "--project") == 0 ? &o->project :
                           strcmp(argv[i], "--name") == 0 ? &o->name : strcmp(argv[i], "--password") == 0 ? &o->password :
                           strcmp(argv[i], "--ttl") == 0 ? &o->ttl : NULL;
        if (!dst || i + 1 >= argc) {
            fprintf(stderr, "annovec: %s %s\nusage: %s\n", dst ? "missing value for" : "unknown option", argv[i], usage);
            return 2;
        }
        *dst = argv[++i];
    }
    if (!o->project) { fprintf(stderr, "annovec: --project is required\nusage: %s\n", usage); return 2; }
    return 0;
}

static sqlite3 *open_admin(const char *dir)
{
    sqlite3 *db = NULL;
    av_err e;
    if (av_store_open_admin(dir, &db, &e)) {
        fprintf(stderr, "annovec: %s\n", e.msg);
        return NULL;
    }
    return db;
}

enum { OPT_NAME = 1, OPT_PASSWORD = 2, OPT_TTL = 4 };

/* Parses "<verb> --data DIR --project P [options in allowed]" and opens the data dir. NULL with
 * *status set (2: usage, 1: the data dir could not be opened). */
static sqlite3 *open_for(int argc, char **argv, const char *verb, const char *usage, unsigned allowed, cred_opts *o, int *status)
{
    *status = 2;
    if (argc < 2 || strcmp(argv[1], verb) != 0) { fprintf(stderr, "usage: %s\n", usage); return NULL; }
    if (parse(argc, argv, 2, o, usage)) return NULL;
    if ((o->name && !(allowed & OPT_NAME)) || (o->password && !(allowed & OPT_PASSWORD)) || (o->ttl && !(allowed & OPT_TTL))) {
        fprintf(stderr, "usage: %s\n", usage);
        return NULL;
    }
    if ((allowed & OPT_NAME) && !o->name) { fprintf(stderr, "annovec: --name is required\nusage: %s\n", usage); return NULL; }
    *status = 1;
    return open_admin(o->data);
}

/* Closes the connection; prints the error when rc failed. Returns the exit status. */
static int finish(sqlite3 *db, int rc, const av_err *e)
{
    sqlite3_close(db);
    if (rc) fprintf(stderr, "annovec: %s\n", e->msg);
    return rc ? 1 : 0;
}

int cmd_apikey(int argc, char **argv)
{
    cred_opts o;
    int status;
    sqlite3 *db = open_for(argc, argv, "create", "annovec apikey create --data DIR --project NAME", 0, &o, &status);
    if (!db) return status;
    char *key = NULL, project_id[33];
    av_err e;
    if ((status = finish(db, av_apikey_create(db, o.project, &key, project_id, &e), &e))) return status;
    printf("project %s (id %s)\n", o.project, project_id);
    printf("API key (shown once; use it as Authorization: Bearer <key>):\n%s\n", key);
    OPENSSL_cleanse(key, strlen(key));
    free(key);
    return 0;
}

int cmd_user(int argc, char **argv)
{
    cred_opts o;
    int status;
    sqlite3 *db = open_for(argc, argv, "add", "annovec user add --data DIR --project NAME --name USER [--password PW]",
                           OPT_NAME | OPT_PASSWORD, &o, &status);
    if (!db) return status;
    char *pw = NULL;
    av_err e;
    if ((status = finish(db, av_user_add(db, o.project, o.name, o.password, &pw, &e), &e))) return status;
    printf("user %s in project %s (use it as Authorization: Bearer <user>:<password>):\n%s:%s\n", o.name, o.project, o.name, pw);
    OPENSSL_cleanse(pw, strlen(pw));
    free(pw);
    return 0;
}

int cmd_key(int argc, char **argv)
{
    cred_opts o;
    int status;
    sqlite3 *db = open_for(argc, argv, "create", "annovec key create --data DIR --project NAME", 0, &o, &status);
    if (!db) return status;
    char ak[29], sk[41], project_id[33];
    av_err e;
    if ((status = finish(db, av_volc_key_create(db, o.project, ak, sk, project_id, &e), &e))) return status;
    printf("project %s (id %s)\n", o.project, project_id);
    printf("access key and secret key for Volcengine signatures (the secret is shown once):\n%s %s\n", ak, sk);
    OPENSSL_cleanse(sk, sizeof sk);
    return 0;
}

int cmd_token(int argc, char **argv)
{
    static const char usage[] = "annovec token create --data DIR --project ID [--ttl SECONDS]";
    cred_opts o;
    int status;
    sqlite3 *db = open_for(argc, argv, "create", usage, OPT_TTL, &o, &status);
    if (!db) return status;
    char *end = NULL;
    long long ttl = o.ttl ? strtoll(o.ttl, &end, 10) : AV_TOKEN_TTL_DEFAULT;
    if (o.ttl && (*end || end == o.ttl)) {
        sqlite3_close(db);
        fprintf(stderr, "annovec: --ttl takes whole seconds\nusage: %s\n", usage);
        return 2;
    }
    char *token = NULL, project_id[33];
    av_err e;
    if ((status = finish(db, av_token_create(db, o.project, ttl, &token, project_id, &e), &e))) return status;
    printf("project %s (id %s), valid for %lld seconds\n", o.project, project_id, ttl);
    printf("token (send it as X-Auth-Token; shown once):\n%s\n", token);
    OPENSSL_cleanse(token, strlen(token));
    free(token);
    return 0;
}
