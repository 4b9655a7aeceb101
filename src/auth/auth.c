/*
 * auth.c — see auth.h.
 */
#include "auth/auth.h"
#include "auth/huawei_sign.h"
#include "auth/volc_sign.h"
#include "core/store/store.h"
#include "lib/util.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define SALT_LEN 16
#define HASH_LEN 32
#define KEY_ID_HEX 12
#define KEY_SECRET_HEX 40
#define CACHE_SLOTS 64

typedef struct cache_entry {
    char user[AV_NAME_MAX + 1];
    unsigned char stored[HASH_LEN];   /* the row's PBKDF2 hash when verified */
    unsigned char quick[HASH_LEN];    /* SHA-256(salt || password) of the accepted password */
} cache_entry;

struct av_auth {
    sqlite3 *db;
    pthread_mutex_t mu;
    cache_entry cache[CACHE_SLOTS];
};

static void sha256_2(const void *a, size_t an, const void *b, size_t bn, unsigned char out[HASH_LEN])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL) || !EVP_DigestUpdate(c, a, an) ||
        !EVP_DigestUpdate(c, b, bn) || !EVP_DigestFinal_ex(c, out, NULL)) abort();
    EVP_MD_CTX_free(c);
}

static void pbkdf2(const char *pw, const unsigned char *salt, int iter, unsigned char out[HASH_LEN])
{
    if (!PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, SALT_LEN, iter, EVP_sha256(), HASH_LEN, out)) abort();
}

int av_auth_open(const char *data_dir, av_auth **out, av_err *err)
{
    av_auth *a = xcalloc(1, sizeof *a);
    char *path = xasprintf("%s/annovec.db", data_dir);
    int rc = sqlite3_open_v2(path, &a->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    free(path);
    if (rc != SQLITE_OK) {
        rc = av_fail_on(err, AV_EIO, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "cannot open the credential store: %s", sqlite3_errmsg(a->db));
        sqlite3_close(a->db);
        free(a);
        return rc;
    }
    sqlite3_busy_timeout(a->db, 5000);
    pthread_mutex_init(&a->mu, NULL);
    *out = a;
    return AV_OK;
}

void av_auth_close(av_auth *a)
{
    if (!a) return;
    sqlite3_close(a->db);
    pthread_mutex_destroy(&a->mu);
    OPENSSL_cleanse(a->cache, sizeof a->cache);
    free(a);
}

/* The credential that was sent and is wrong, named by its kind so that the client knows which one to
 * fix (an invalid X-Auth-Token is a token, not an API key). */
static int invalid_kind(av_err *err, const char *what)
{
    return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "invalid credentials: %s", what);
}
#define INVALID_APIKEY "the API key is not valid (unknown, revoked or malformed; keys look like avk_<id>_<secret>, from 'annovec apikey create')"
#define INVALID_TOKEN  "the X-Auth-Token is not valid (unknown, revoked or malformed; tokens look like avt_<id>_<secret>, from 'annovec token create')"
#define INVALID_USER   "the user name or password is not valid (Bearer <user>:<password>; users from 'annovec user create')"

/* Reads (project, salt, hash[, extra]) of one row; 1 found, 0 not, -1 error. */
static int fetch_row(sqlite3 *db, const char *sql, const char *key, char project[33],
                     unsigned char salt[SALT_LEN], unsigned char hash[HASH_LEN], int64_t *extra)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int found = 0;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 1) == SALT_LEN && sqlite3_column_bytes(st, 2) == HASH_LEN) {
        snprintf(project, 33, "%s", (const char *)sqlite3_column_text(st, 0));
        memcpy(salt, sqlite3_column_blob(st, 1), SALT_LEN);
        memcpy(hash, sqlite3_column_blob(st, 2), HASH_LEN);
        if (extra) *extra = sqlite3_column_int64(st, 3);
        found = 1;
    }
    sqlite3_finalize(st);
    return found;
}

static int is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i])) return 0;
    return 1;
}

/* "<prefix><12 hex id>_<40 hex secret>" checked against a row (project, salt, hash[, expires_ms]). */
static int verify_secret(av_auth *a, const char *prefix, const char *sql, const char *tok, int64_t now, av_principal *out, av_err *err)
{
    size_t n = strlen(tok), pl = strlen(prefix);
    const char *what = now ? INVALID_TOKEN : INVALID_APIKEY;
    if (n != pl + KEY_ID_HEX + 1 + KEY_SECRET_HEX || strncmp(tok, prefix, pl) != 0 || tok[pl + KEY_ID_HEX] != '_' ||
        !is_hex(tok + pl, KEY_ID_HEX) || !is_hex(tok + pl + 1 + KEY_ID_HEX, KEY_SECRET_HEX)) {
        if (!now && strncmp(tok, "avt_", 4) == 0)
            return invalid_kind(err, "this is a ModelArts X-Auth-Token (avt_...), not an API key: only the ModelArts API takes it, in the X-Auth-Token header");
        return invalid_kind(err, what);
    }
    char id[KEY_ID_HEX + 1], project[33];
    memcpy(id, tok + pl, KEY_ID_HEX);
    id[KEY_ID_HEX] = 0;
    unsigned char salt[SALT_LEN], stored[HASH_LEN], got[HASH_LEN];
    int64_t expires_ms = 0;
    pthread_mutex_lock(&a->mu);
    int found = fetch_row(a->db, sql, id, project, salt, stored, now ? &expires_ms : NULL);
    pthread_mutex_unlock(&a->mu);
    if (found < 0) return av_fail_on(err, AV_EIO, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "credential store error");
    if (!found) return invalid_kind(err, what);
    sha256_2(salt, SALT_LEN, tok + pl + 1 + KEY_ID_HEX, KEY_SECRET_HEX, got);
    if (CRYPTO_memcmp(got, stored, HASH_LEN) != 0) return invalid_kind(err, what);
    if (now && expires_ms <= now)
        return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_EXPIRED, NULL, NULL, "the token has expired; create a new one with 'annovec token create'");
    snprintf(out->project, sizeof out->project, "%s", project);
    out->user[0] = 0;
    return AV_OK;
}

static int verify_key(av_auth *a, const char *tok, av_principal *out, av_err *err)
{
    return verify_secret(a, "avk_", "SELECT project, salt, hash FROM apikey WHERE id = ?1", tok, 0, out, err);
}

int av_auth_token(av_auth *a, const char *token, int64_t now, av_principal *out, av_err *err)
{
    if (!token || !*token) return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_MISSING, NULL, NULL, "missing credentials: send X-Auth-Token (from 'annovec token create')");
    return verify_secret(a, "avt_", "SELECT project, salt, hash, expires_ms FROM token WHERE id = ?1", token, now ? now : 1, out, err);
}

static int verify_user(av_auth *a, const char *user, const char *pw, av_principal *out, av_err *err)
{
    if (strlen(user) > AV_NAME_MAX) return invalid_kind(err, INVALID_USER);
    char project[33];
    unsigned char salt[SALT_LEN], stored[HASH_LEN], quick[HASH_LEN], slow[HASH_LEN];
    int64_t iter = 0;
    pthread_mutex_lock(&a->mu);
    int found = fetch_row(a->db, "SELECT project, salt, hash, iterations FROM user WHERE name = ?1", user, project, salt, stored, &iter);
    pthread_mutex_unlock(&a->mu);
    if (found < 0) return av_fail_on(err, AV_EIO, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "credential store error");
    if (!found || iter < 1 || iter > 10000000) return invalid_kind(err, INVALID_USER);
    sha256_2(salt, SALT_LEN, pw, strlen(pw), quick);
    size_t slot = 0;
    for (const char *p = user; *p; p++) slot = slot * 31 + (unsigned char)*p;
    slot %= CACHE_SLOTS;
    pthread_mutex_lock(&a->mu);
    cache_entry *ce = &a->cache[slot];
    int cached = strcmp(ce->user, user) == 0 && CRYPTO_memcmp(ce->stored, stored, HASH_LEN) == 0 &&
                 CRYPTO_memcmp(ce->quick, quick, HASH_LEN) == 0;
    pthread_mutex_unlock(&a->mu);
    if (!cached) {
        pbkdf2(pw, salt, (int)iter, slow);
        if (CRYPTO_memcmp(slow, stored, HASH_LEN) != 0) return invalid_kind(err, INVALID_USER);
        pthread_mutex_lock(&a->mu);
        snprintf(ce->user, sizeof ce->user, "%s", user);
        memcpy(ce->stored, stored, HASH_LEN);
        memcpy(ce->quick, quick, HASH_LEN);
        pthread_mutex_unlock(&a->mu);
    }
    snprintf(out->project, sizeof out->project, "%s", project);
    snprintf(out->user, sizeof out->user, "%s", user);
    return AV_OK;
}

static int verify_token(av_auth *a, const char *tok, av_principal *out, av_err *err)
{
    const char *colon = strchr(tok, ':');
    if (!colon) return verify_key(a, tok, out, err);
    char *user = xstrndup(tok, (size_t)(colon - tok));
    int rc = verify_user(a, user, colon + 1, out, err);
    free(user);
    return rc;
}

int av_auth_bearer(av_auth *a, const char *h, av_principal *out, av_err *err)
{
    static const char missing[] = "missing credentials: send Authorization: Bearer <api-key> or Bearer <user>:<password>";
    if (!h) return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_MISSING, NULL, NULL, missing);
    while (*h == ' ') h++;
    int basic = strncasecmp(h, "Basic ", 6) == 0;
    if (!basic && strncasecmp(h, "Bearer", 6) != 0) return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_MISSING, NULL, NULL, missing);
    const char *tok = h + 6;   /* past "Basic " or "Bearer" */
    while (*tok == ' ') tok++;
    size_t n = strlen(tok);
    while (n && tok[n - 1] == ' ') n--;
    if (n == 0) return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_MISSING, NULL, NULL, missing);
    if (n > 1024) return invalid_kind(err, "the Bearer credential is longer than 1024 bytes");
    char *t = xstrndup(tok, n);
    int rc;
    if (basic) {
        unsigned char dec[800];
        int len = EVP_DecodeBlock(dec, (const unsigned char *)t, (int)n);
        while (len > 0 && n >= 1 && t[n - 1] == '=' && dec[len - 1] == 0) { len--; n--; }
        if (len <= 0 || len >= (int)sizeof dec || !memchr(dec, ':', (size_t)len)) rc = invalid_kind(err, "HTTP Basic credentials must be base64 of <user>:<password>");
        else {
            dec[len] = 0;
            rc = verify_token(a, (const char *)dec, out, err);
        }
        OPENSSL_cleanse(dec, sizeof dec);
    } else {
        rc = verify_token(a, t, out, err);
    }
    OPENSSL_cleanse(t, strlen(t));
    free(t);
    return rc;
}

int av_auth_http(void *auth_ctx, av_http_req *req, av_err *err)
{
    return av_auth_bearer(auth_ctx, av_http_header(req, "Authorization"), &req->principal, err);
}

/* ---- Volcengine signatures ------------------------------------------------------------------- */

/* X-Date "yyyymmddThhmmssZ" as epoch seconds; -1 when malformed. */
static int64_t parse_x_date(const char *s)
{
    struct tm tm = { 0 };
    if (!s || strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z') return -1;
    for (int i = 0; i < 15; i++) if (i != 8 && !isdigit((unsigned char)s[i])) return -1;
    if (sscanf(s, "%4d%2d%2dT%2d%2d%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (int64_t)timegm(&tm);
}

static int lookup_sk(av_auth *a, const char *ak, char project[33], char sk[65])
{
    sqlite3_stmt *st;
    int found = 0;
    pthread_mutex_lock(&a->mu);
    if (sqlite3_prepare_v2(a->db, "SELECT project, sk FROM volc_key WHERE ak = ?1", -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, ak, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            snprintf(project, 33, "%s", (const char *)sqlite3_column_text(st, 0));
            snprintf(sk, 65, "%s", (const char *)sqlite3_column_text(st, 1));
            found = 1;
        }
        sqlite3_finalize(st);
    } else found = -1;
    pthread_mutex_unlock(&a->mu);
    return found;
}

int av_auth_volc(av_auth *a, const volc_request *r, const char *authorization, int64_t now, av_principal *out, av_err *err)
{
    volc_auth va;
    int rc = volc_parse_authorization(authorization, &va, err);
    if (rc) return rc;
    if (strcmp(va.service, "air") != 0 && strcmp(va.service, "vikingdb") != 0)
        return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "signature scope names service \"%s\"; sign for \"air\" (V1) or \"vikingdb\" (V2)", va.service);
    const char *x_date = r->header(r->ctx, "x-date");
    int64_t t = parse_x_date(x_date);
    if (t < 0) return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_MISSING, NULL, NULL, "missing or malformed X-Date header (expected yyyymmddThhmmssZ)");
    if (strncmp(x_date, va.date, 8) != 0) return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "the credential scope date does not match X-Date");
    if (t < now - AV_VOLC_SKEW_S || t > now + AV_VOLC_SKEW_S)
        return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "X-Date is more than %d minutes away from the server's clock; sign with the current time", AV_VOLC_SKEW_S / 60);
    const char *claimed = r->header(r->ctx, "x-content-sha256");
    if (claimed && !r->body_sha256) {   /* (with body_sha256 the caller compares it with the body) */
        char actual[65];
        volc_sha256_hex(r->body ? r->body : "", r->body_len, actual);
        if (strcasecmp(claimed, actual) != 0) return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "X-Content-Sha256 does not match the request body");
    }
    char project[33], sk[65], want[65];
    int found = lookup_sk(a, va.ak, project, sk);
    if (found < 0) return av_fail_on(err, AV_EIO, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "credential store error");
    if (!found) return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "invalid credentials: the access key (AK) is not known or was revoked; AK/SK pairs come from 'annovec key create'");
    rc = volc_signature(r, &va, sk, x_date, want, err);
    OPENSSL_cleanse(sk, sizeof sk);
    if (rc) return rc;
    if (CRYPTO_memcmp(want, va.signature, 64) != 0 || strlen(va.signature) != 64)
        return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "invalid credentials: the AK/SK signature does not match (check the secret key and what is signed)");
    snprintf(out->project, sizeof out->project, "%s", project);
    snprintf(out->user, sizeof out->user, "%s", va.ak);
    return AV_OK;
}

int av_auth_huawei(av_auth *a, const volc_request *r, const char *authorization, int64_t now, av_principal *out, av_err *err)
{
    huawei_auth ha;
    int rc = huawei_parse_authorization(authorization, &ha, err);
    if (rc) return rc;
    const char *sdk_date = r->header(r->ctx, "x-sdk-date");
    int64_t t = parse_x_date(sdk_date);
    if (t < 0) return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_MISSING, NULL, NULL, "missing or malformed X-Sdk-Date header (expected yyyymmddThhmmssZ)");
    if (t < now - AV_VOLC_SKEW_S || t > now + AV_VOLC_SKEW_S)
        return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "X-Sdk-Date is more than %d minutes away from the server's clock; sign with the current time", AV_VOLC_SKEW_S / 60);
    char project[33], sk[65], want[65];
    int found = lookup_sk(a, ha.ak, project, sk);
    if (found < 0) return av_fail_on(err, AV_EIO, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "credential store error");
    if (!found) return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "invalid credentials: the access key (AK) is not known or was revoked; AK/SK pairs come from 'annovec key create'");
    rc = huawei_signature(r, &ha, sk, sdk_date, want, err);
    OPENSSL_cleanse(sk, sizeof sk);
    if (rc) return rc;
    if (strlen(ha.signature) != 64 || CRYPTO_memcmp(want, ha.signature, 64) != 0)
        return av_fail_on(err, AV_EAUTH, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "invalid credentials: the AK/SK signature does not match (check the secret key and what is signed)");
    snprintf(out->project, sizeof out->project, "%s", project);
    snprintf(out->user, sizeof out->user, "%s", ha.ak);
    return AV_OK;
}

static const char *header_of(void *req, const char *name) { return av_http_header(req, name); }

int av_auth_signed_http(av_auth *a, av_http_req *req, av_sign_scheme scheme, av_err *err)
{
    const char *authorization = av_http_header(req, "Authorization");
    char *query = av_http_query_string(req);
    volc_request r = { req->method, req->path, query, header_of, req, req->body, req->body_len, req->body_sha256 };
    int64_t now = (int64_t)time(NULL);
    int rc = scheme == AV_SIGN_VOLC ? av_auth_volc(a, &r, authorization, now, &req->principal, err)
                                    : av_auth_huawei(a, &r, authorization, now, &req->principal, err);
    free(query);
    return rc;
}

/* ---- admin ----------------------------------------------------------------------------------- */

static int exec(sqlite3 *db, const char *sql, av_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK) return AV_OK;
    int rc = av_fail_on(err, AV_EIO, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "storage error: %s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return rc;
}

/* Binds ?1 key, ?2 project, ?3 salt, ?4 hash, ?5 now and (when not 0) ?6 extra, and runs sql. */
static int insert_secret(sqlite3 *db, const char *sql, const char *key, const char *project,
                         const unsigned char *salt, const unsigned char *hash, int64_t extra, av_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return av_fail_on(err, AV_EIO, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "storage error: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, project, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, salt, SALT_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, hash, HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, av_now_ms());
    if (extra) sqlite3_bind_int64(st, 6, extra);
    int rc = sqlite3_step(st) == SQLITE_DONE ? AV_OK : av_fail_on(err, AV_EIO, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "storage error: %s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc;
}

/* A new "<prefix><12 hex id>_<40 hex secret>" credential: the salted hash goes into a row of `sql`
 * (see insert_secret) in the project, created on first use; *out is the whole credential. */
static int create_secret(sqlite3 *db, const char *sql, const char *prefix, const char *project, int64_t extra,
                         char **out, char project_id_out[33], av_err *err)
{
    unsigned char idb[KEY_ID_HEX / 2], sec[KEY_SECRET_HEX / 2], salt[SALT_LEN], hash[HASH_LEN];
    char id[KEY_ID_HEX + 1], secret[KEY_SECRET_HEX + 1];
    av_random(idb, sizeof idb);
    av_random(sec, sizeof sec);
    av_random(salt, sizeof salt);
    av_hex(idb, sizeof idb, id);
    av_hex(sec, sizeof sec, secret);
    sha256_2(salt, SALT_LEN, secret, KEY_SECRET_HEX, hash);
    int rc = exec(db, "BEGIN IMMEDIATE", err);
    if (rc == AV_OK) rc = av_project_resolve_db(db, project, 1, project_id_out, err);
    if (rc == AV_OK) rc = insert_secret(db, sql, id, project_id_out, salt, hash, extra, err);
    if (rc == AV_OK) rc = exec(db, "COMMIT", err);
    if (rc) exec(db, "ROLLBACK", NULL);
    else *out = xasprintf("%s%s_%s", prefix, id, secret);
    OPENSSL_cleanse(secret, sizeof secret);
    OPENSSL_cleanse(sec, sizeof sec);
    return rc;
}

int av_apikey_create(sqlite3 *db, const char *project, char **key_out, char project_id_out[33], av_err *err)
{
    return create_secret(db, "INSERT INTO apikey(id, project, salt, hash, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                         "avk_", project, 0, key_out, project_id_out, err);
}

static int user_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || !(isalpha((unsigned char)s[0]) || s[0] == '_')) return 0;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '.' || s[i] == '-')) return 0;
    return 1;
}

int av_token_create(sqlite3 *db, const char *project, int64_t ttl_s, char **token_out, char project_id_out[33], av_err *err)
{
    if (ttl_s < 60 || ttl_s > AV_TOKEN_TTL_MAX)
        return av_fail_on(err, AV_EINVAL, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "the ttl must be 60..%d seconds", AV_TOKEN_TTL_MAX);
    return create_secret(db, "INSERT INTO token(id, project, salt, hash, created_ms, expires_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                         "avt_", project, av_now_ms() + ttl_s * 1000, token_out, project_id_out, err);
}

int av_volc_key_create(sqlite3 *db, const char *project, char ak_out[29], char sk_out[41], char project_id_out[33], av_err *err)
{
    unsigned char r1[12], r2[20];
    char hex[25];
    av_random(r1, sizeof r1);
    av_random(r2, sizeof r2);
    av_hex(r1, sizeof r1, hex);
    for (char *c = hex; *c; c++) *c = (char)toupper((unsigned char)*c);
    snprintf(ak_out, 29, "AKAV%s", hex);
    av_hex(r2, sizeof r2, sk_out);
    int rc = exec(db, "BEGIN IMMEDIATE", err);
    if (rc == AV_OK) rc = av_project_resolve_db(db, project, 1, project_id_out, err);
    if (rc == AV_OK) {
        sqlite3_stmt *st;
        sqlite3_prepare_v2(db, "INSERT INTO volc_key(ak, project, sk, created_ms) VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL);
        sqlite3_bind_text(st, 1, ak_out, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, project_id_out, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, sk_out, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, av_now_ms());
        if (sqlite3_step(st) != SQLITE_DONE) rc = av_fail_on(err, AV_EIO, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "storage error: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
    }
    if (rc == AV_OK) rc = exec(db, "COMMIT", err);
    if (rc) { exec(db, "ROLLBACK", NULL); OPENSSL_cleanse(sk_out, 41); }
    return rc;
}

/* The password to store (a generated one in gen[25] when *password is NULL), checked, salted and
 * hashed. */
static int password_hash(const char **password, char gen[25], unsigned char salt[SALT_LEN], unsigned char hash[HASH_LEN], av_err *err)
{
    if (!*password) {
        unsigned char r[12];
        av_random(r, sizeof r);
        av_hex(r, sizeof r, gen);
        *password = gen;
    }
    size_t pl = strlen(*password);
    if (pl < 6 || pl > 256) return av_fail_on(err, AV_EINVAL, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "the password must be 6..256 bytes long");
    av_random(salt, SALT_LEN);
    pbkdf2(*password, salt, AV_PBKDF2_ITERATIONS, hash);
    return AV_OK;
}

int av_user_add(sqlite3 *db, const char *project, const char *name, const char *password, char **password_out, av_err *err)
{
    if (!user_name_ok(name))
        return av_fail_on(err, AV_EINVAL, AV_ENT_CREDENTIAL, AV_R_NONE, name, NULL, "invalid user name \"%.64s\": use 1..64 letters, digits, '_', '.' or '-', starting with a letter or '_'", name);
    char gen[25];
    unsigned char salt[SALT_LEN], hash[HASH_LEN];
    int prc = password_hash(&password, gen, salt, hash, err);
    if (prc) return prc;
    char project_id[33];
    int rc = exec(db, "BEGIN IMMEDIATE", err);
    if (rc == AV_OK) rc = av_project_resolve_db(db, project, 1, project_id, err);
    if (rc == AV_OK) {
        sqlite3_stmt *st;
        sqlite3_prepare_v2(db, "SELECT 1 FROM user WHERE name = ?1", -1, &st, NULL);
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) rc = av_fail_on(err, AV_EEXIST, AV_ENT_CREDENTIAL, AV_R_NONE, name, NULL, "user \"%s\" already exists", name);
        sqlite3_finalize(st);
    }
    if (rc == AV_OK) rc = insert_secret(db, "INSERT INTO user(name, project, salt, hash, created_ms, iterations) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                                        name, project_id, salt, hash, AV_PBKDF2_ITERATIONS, err);
    if (rc == AV_OK) rc = exec(db, "COMMIT", err);
    if (rc) exec(db, "ROLLBACK", NULL);
    else *password_out = xstrdup(password);
    OPENSSL_cleanse(gen, sizeof gen);
    return rc;
}

/* ---- credential lifecycle: list, revoke, change password -------------------------------------- */

/* Per kind: its table, the column that identifies a row, the prefix shown before the id, and the
 * columns a list reads (never a salt, hash or secret). */
typedef struct kind_info { const char *table, *idcol, *prefix, *label; } kind_info;
static const kind_info KINDS[] = {
    [AV_CRED_APIKEY] = { "apikey", "id", "avk_", "apikey" },
    [AV_CRED_USER] = { "user", "name", "", "user" },
    [AV_CRED_KEY] = { "volc_key", "ak", "", "key" },
    [AV_CRED_TOKEN] = { "token", "id", "avt_", "token" },
};

const char *av_cred_kind_name(av_cred_kind kind) { return KINDS[kind].label; }

int av_cred_list(sqlite3 *db, av_cred_kind kind, const char *project, av_cred_info **out, size_t *n, av_err *err)
{
    *out = NULL;
    *n = 0;
    char pid[33] = "";
    if (project) {
        int rc = av_project_resolve_db(db, project, 0, pid, err);
        if (rc) return rc;
    }
    const kind_info *k = &KINDS[kind];
    char *sql = sqlite3_mprintf("SELECT c.%s, c.project, p.name, c.created_ms, %s FROM %s c LEFT JOIN project p ON p.id = c.project"
                                " WHERE ?1 = '' OR c.project = ?1 ORDER BY c.created_ms, c.rowid",   /* insertion order within a millisecond */
                                k->idcol, kind == AV_CRED_TOKEN ? "c.expires_ms" : "0", k->table);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK) return av_fail_on(err, AV_EIO, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "storage error: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
    size_t cap = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) *out = xrealloc(*out, (cap = cap ? cap * 2 : 16) * sizeof **out);
        av_cred_info *ci = &(*out)[(*n)++];
        memset(ci, 0, sizeof *ci);
        ci->kind = kind;
        snprintf(ci->id, sizeof ci->id, "%s%s", k->prefix, (const char *)sqlite3_column_text(st, 0));
        snprintf(ci->project_id, sizeof ci->project_id, "%s", (const char *)sqlite3_column_text(st, 1));
        const unsigned char *pn = sqlite3_column_text(st, 2);
        snprintf(ci->project_name, sizeof ci->project_name, "%s", pn ? (const char *)pn : "");
        ci->created_ms = sqlite3_column_int64(st, 3);
        ci->expires_ms = sqlite3_column_int64(st, 4);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return av_fail_on(err, AV_EIO, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "storage error: %s", sqlite3_errmsg(db));
    }
    return AV_OK;
}

/* The row key of a credential as the user names it: an API key or token by "avk_<id>", "<id>" or the
 * whole "avk_<id>_<secret>" (only the id is used); a user by name; an AK/SK pair by its AK. */
static int cred_key(av_cred_kind kind, const char *given, char *key, size_t keysz)
{
    const char *prefix = KINDS[kind].prefix;
    size_t pl = strlen(prefix);
    if (!pl) {
        if (!*given || strlen(given) >= keysz) return -1;
        snprintf(key, keysz, "%s", given);
        return 0;
    }
    if (strncmp(given, prefix, pl) == 0) given += pl;
    size_t n = strlen(given);
    if ((n != KEY_ID_HEX && !(n == KEY_ID_HEX + 1 + KEY_SECRET_HEX && given[KEY_ID_HEX] == '_')) || !is_hex(given, KEY_ID_HEX)) return -1;
    snprintf(key, keysz, "%.*s", KEY_ID_HEX, given);
    return 0;
}

int av_cred_revoke(sqlite3 *db, av_cred_kind kind, const char *id, av_err *err)
{
    const kind_info *k = &KINDS[kind];
    char key[AV_NAME_MAX + 2];
    if (cred_key(kind, id, key, sizeof key))
        return av_fail_on(err, AV_EINVAL, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "\"%.80s\" is not a %s id (see '%s list' for the ids)",
                          id, kind == AV_CRED_APIKEY ? "API key" : kind == AV_CRED_TOKEN ? "token" : kind == AV_CRED_KEY ? "access key" : "user", k->label);
    char *sql = sqlite3_mprintf("DELETE FROM %s WHERE %s = ?1", k->table, k->idcol);
    sqlite3_stmt *st = NULL;
    int rc = exec(db, "BEGIN IMMEDIATE", err);
    if (rc == AV_OK && sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        rc = av_fail_on(err, AV_EIO, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "storage error: %s", sqlite3_errmsg(db));
    sqlite3_free(sql);
    if (rc == AV_OK) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) rc = av_fail_on(err, AV_EIO, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "storage error: %s", sqlite3_errmsg(db));
        else if (sqlite3_changes(db) == 0)
            rc = av_fail_on(err, AV_ENOTFOUND, AV_ENT_CREDENTIAL, AV_R_NONE, key, NULL, "no %s \"%s%s\" in this data dir (see '%s list')",
                            k->label, k->prefix, key, k->label);
    }
    sqlite3_finalize(st);
    if (rc == AV_OK) rc = exec(db, "COMMIT", err);
    if (rc) exec(db, "ROLLBACK", NULL);
    return rc;
}

int av_user_passwd(sqlite3 *db, const char *name, const char *password, char **password_out, av_err *err)
{
    char gen[25];
    unsigned char salt[SALT_LEN], hash[HASH_LEN];
    int prc = password_hash(&password, gen, salt, hash, err);
    if (prc) return prc;
    sqlite3_stmt *st = NULL;
    int rc = exec(db, "BEGIN IMMEDIATE", err);
    if (rc == AV_OK) {
        sqlite3_prepare_v2(db, "UPDATE user SET salt = ?2, hash = ?3, iterations = ?4 WHERE name = ?1", -1, &st, NULL);
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, salt, SALT_LEN, SQLITE_STATIC);
        sqlite3_bind_blob(st, 3, hash, HASH_LEN, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, AV_PBKDF2_ITERATIONS);
        if (sqlite3_step(st) != SQLITE_DONE) rc = av_fail_on(err, AV_EIO, AV_ENT_CREDENTIAL, AV_R_NONE, NULL, NULL, "storage error: %s", sqlite3_errmsg(db));
        else if (sqlite3_changes(db) == 0) rc = av_fail_on(err, AV_ENOTFOUND, AV_ENT_CREDENTIAL, AV_R_NONE, name, NULL, "no user \"%.64s\" in this data dir (see 'user list')", name);
        sqlite3_finalize(st);
    }
    if (rc == AV_OK) rc = exec(db, "COMMIT", err);
    if (rc) exec(db, "ROLLBACK", NULL);
    else *password_out = xstrdup(password);
    OPENSSL_cleanse(gen, sizeof gen);
    return rc;
}
