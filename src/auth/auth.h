/*
 * auth.h — credentials: API keys and users, stored hashed in the data dir, and Bearer verification.
 *
 * API key: "avk_<id>_<secret>", id = 12 hex (the lookup key), secret = 40 hex (160 random bits).
 * Stored: a 16-byte salt and SHA-256(salt || secret). Users: "<name>:<password>", stored as a 16-byte
 * salt and PBKDF2-HMAC-SHA256(password, salt, iterations). Verifying PBKDF2 per request would cost
 * milliseconds, so a verified password is remembered as SHA-256(salt || password) next to the stored
 * hash it was checked against: a later request is accepted from that cache only while the stored row
 * is unchanged, so a changed password takes effect at once. Secrets are compared in constant time and
 * never logged.
 *
 * Revocation: no positive result is kept across requests. Every request reads its credential's row
 * from SQLite (a read transaction on the WAL sees every commit made before it began, by this process
 * or by a CLI process on the same data dir), and the password cache above is only consulted after that
 * read, against the hash the row holds now. So a credential revoked (row deleted) or a password changed
 * by `annovec ... revoke|passwd` is refused on the very next request, with no signal to the server.
 */
#ifndef AV_AUTH_H
#define AV_AUTH_H

#include <sqlite3.h>
#include "annovec.h"
#include "http/http.h"

#define AV_PBKDF2_ITERATIONS 100000

typedef struct av_auth av_auth;

/* Opens a read-only connection to DIR/annovec.db for verification (its own mutex). */
int  av_auth_open(const char *data_dir, av_auth **out, av_err *err);
void av_auth_close(av_auth *a);
/* Verifies an Authorization header ("Bearer <key>", "Bearer <user>:<password>", "Basic ...").
 * AV_EAUTH with a message saying whether credentials were missing or invalid. */
int av_auth_bearer(av_auth *a, const char *authorization, av_principal *out, av_err *err);
/* The server's hook (av_http_config.authenticate): reads the Authorization header. */
int av_auth_http(void *auth_ctx, av_http_req *req, av_err *err);

/* Verifies a Volcengine Signature V4 request (VikingDB): the AK's secret, service "air" or
 * "vikingdb", X-Date within AV_VOLC_SKEW_S of now, and X-Content-Sha256 (when sent) equal to the
 * body's hash. `now` is epoch seconds (a parameter so tests can pin it). */
#define AV_VOLC_SKEW_S (15 * 60)
struct volc_request;
int av_auth_volc(av_auth *a, const struct volc_request *r, const char *authorization, int64_t now,
                 av_principal *out, av_err *err);

/* Verifies a Huawei SDK-HMAC-SHA256 request (ModelArts AK/SK): the AK's secret (the same AK/SK pairs
 * as `annovec key create`), X-Sdk-Date within AV_VOLC_SKEW_S of now. */
int av_auth_huawei(av_auth *a, const struct volc_request *r, const char *authorization, int64_t now,
                   av_principal *out, av_err *err);

/* Verifies a signed HTTP request (its Authorization header, path, query, headers and body) at the
 * current time with the scheme's verifier above; sets req->principal. */
typedef enum { AV_SIGN_VOLC, AV_SIGN_HUAWEI } av_sign_scheme;
int av_auth_signed_http(av_auth *a, av_http_req *req, av_sign_scheme scheme, av_err *err);

/* Admin operations on a connection from av_store_open_admin (one transaction each). */
int av_apikey_create(sqlite3 *db, const char *project, char **key_out, char project_id_out[33], av_err *err);
int av_user_add(sqlite3 *db, const char *project, const char *name, const char *password_or_null,
                char **password_out, av_err *err);
/* A token scoped to one project (X-Auth-Token): "avt_<12 hex id>_<40 hex secret>", stored as a salted
 * SHA-256 with its expiry (now + ttl_s). */
#define AV_TOKEN_TTL_DEFAULT (24 * 3600)
#define AV_TOKEN_TTL_MAX (366 * 24 * 3600)
int av_token_create(sqlite3 *db, const char *project, int64_t ttl_s, char **token_out, char project_id_out[33], av_err *err);
/* Verifies a token at `now` (epoch ms): AV_EAUTH when unknown, wrong or expired. */
int av_auth_token(av_auth *a, const char *token, int64_t now, av_principal *out, av_err *err);

/* A new AK/SK pair for Volcengine signatures: AK "AKAV" + 24 uppercase hex, SK 40 hex. */
int av_volc_key_create(sqlite3 *db, const char *project, char ak_out[29], char sk_out[41], char project_id_out[33], av_err *err);

/* ---- credential lifecycle (the CLI's list / revoke / passwd; one transaction each) ---------------- */
typedef enum { AV_CRED_APIKEY, AV_CRED_USER, AV_CRED_KEY, AV_CRED_TOKEN } av_cred_kind;
typedef struct av_cred_info {
    av_cred_kind kind;
    char id[80];               /* "avk_<id>" / "avt_<id>" (the lookup id, not the secret), the user name, the AK */
    char project_id[33];
    char project_name[65];
    int64_t created_ms;
    int64_t expires_ms;        /* tokens; 0 for the other kinds */
} av_cred_info;
/* "apikey", "user", "key", "token": the CLI command of a kind. */
const char *av_cred_kind_name(av_cred_kind kind);
/* Every credential of a kind (of one project when project is not NULL: its name or id; AV_ENOTFOUND
 * when it does not exist), oldest first; *out (caller frees) never holds a salt, hash or secret. */
int av_cred_list(sqlite3 *db, av_cred_kind kind, const char *project, av_cred_info **out, size_t *n, av_err *err);
/* Deletes a credential: an API key or token named by "avk_<id>", "<id>" or the whole credential, a
 * user by name, an AK/SK pair by its AK. AV_EINVAL when the id is malformed, AV_ENOTFOUND when no
 * such credential exists. A running server refuses it from its next request on. */
int av_cred_revoke(sqlite3 *db, av_cred_kind kind, const char *id, av_err *err);
/* Sets a user's password (generated when NULL; *password_out gets it, caller frees). AV_ENOTFOUND. */
int av_user_passwd(sqlite3 *db, const char *name, const char *password_or_null, char **password_out, av_err *err);

#endif
