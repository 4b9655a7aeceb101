/*
 * test_auth.c — credentials (src/auth/auth.c): API keys and users are accepted only with the right
 * secret, every malformed or missing header is refused, projects come out right, a changed password
 * stops the old one at once (the verification cache cannot outlive it), Volcengine-signed requests
 * and tokens are verified, and no secret is stored in clear.
 *
 * Every case opens its own data dir (admin connection plus the verifier's read-only one) and removes
 * it at the end, so each one passes alone.
 */
#include "auth/auth.h"
#include "auth/volc_sign.h"
#include "core/store/store.h"
#include "lib/util.h"
#include "test.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One case's credentials store: the admin connection that creates them and the verifier. */
typedef struct fixture { char dir[256]; sqlite3 *db; av_auth *a; } fixture;

static void fx_open(fixture *fx, const char *tag)
{
    av_err e;
    test_tmpdir(fx->dir, sizeof fx->dir, tag);
    fx->db = NULL;
    fx->a = NULL;
    CHECK_INT(av_store_open_admin(fx->dir, &fx->db, &e), AV_OK);
    CHECK_INT(av_auth_open(fx->dir, &fx->a, &e), AV_OK);
}

static void fx_close(fixture *fx)
{
    av_auth_close(fx->a);
    sqlite3_close(fx->db);
    test_rmdir(fx->dir);
}

static int bearer(av_auth *a, const char *header, av_principal *p)
{
    av_err e;
    av_err_clear(&e);
    memset(p, 0, sizeof *p);
    return av_auth_bearer(a, header, p, &e);
}

/* A client's request, signed the way the Node SDK signs (accept;x-content-sha256;x-date). */
typedef struct signed_req { char x_date[17], body_hash[65], auth[512]; const char *body; } signed_req;

static const char *sr_header(void *ctx, const char *name)
{
    signed_req *s = ctx;
    if (strcmp(name, "accept") == 0) return "application/json";
    if (strcmp(name, "x-date") == 0) return s->x_date;
    if (strcmp(name, "x-content-sha256") == 0) return s->body_hash;
    return NULL;
}

static void sign(signed_req *s, const char *ak, const char *sk, const char *service, int64_t when, const char *body)
{
    time_t t = (time_t)when;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(s->x_date, sizeof s->x_date, "%Y%m%dT%H%M%SZ", &tm);
    s->body = body;
    volc_sha256_hex(body, strlen(body), s->body_hash);
    volc_auth va;
    av_err e;
    snprintf(s->auth, sizeof s->auth, "HMAC-SHA256 Credential=%s/%.8s/cn-beijing/%s/request, SignedHeaders=accept;x-content-sha256;x-date, Signature=0", ak, s->x_date, service);
    volc_parse_authorization(s->auth, &va, &e);
    volc_request r = { "POST", "/api/collection/del_data", "", sr_header, s, body, strlen(body), NULL };
    char sig[65];
    volc_signature(&r, &va, sk, s->x_date, sig, &e);
    snprintf(s->auth, sizeof s->auth, "HMAC-SHA256 Credential=%s/%.8s/cn-beijing/%s/request, SignedHeaders=accept;x-content-sha256;x-date, Signature=%s", ak, s->x_date, service, sig);
}

static int verify(av_auth *a, signed_req *s, const char *body, int64_t now, av_principal *p)
{
    volc_request r = { "POST", "/api/collection/del_data", "", sr_header, s, body, strlen(body), NULL };
    av_err e;
    memset(p, 0, sizeof *p);
    return av_auth_volc(a, &r, s->auth, now, p, &e);
}

/* Headers refused whatever the store holds. */
static const char *const refused_headers[] = {
    /* 0 */ NULL,
    /* 1 */ "Bearer",
    /* 2 */ "Bearer    ",
    /* 3 */ "Token abc",
};

static void test_api_keys(void)
{
    fixture fx;
    fx_open(&fx, "auth-keys");
    av_err e;
    char *k1 = NULL, *k2 = NULL, p1[33], p2[33];
    CHECK_INT(av_apikey_create(fx.db, "alpha", &k1, p1, &e), AV_OK);
    CHECK_INT(av_apikey_create(fx.db, "beta", &k2, p2, &e), AV_OK);
    CHECK(strcmp(p1, p2) != 0);
    CHECK_INT(strlen(k1), 57);
    av_principal p;
    char h[256];
    snprintf(h, sizeof h, "Bearer %s", k1);
    CHECK_INT(bearer(fx.a, h, &p), AV_OK);
    CHECK_STR(p.project, p1);
    CHECK_STR(p.user, "");
    snprintf(h, sizeof h, "bearer   %s  ", k2);
    CHECK_INT(bearer(fx.a, h, &p), AV_OK);
    CHECK_STR(p.project, p2);
    /* wrong secret, wrong id, truncated */
    snprintf(h, sizeof h, "Bearer %s", k1);
    h[strlen(h) - 1] = h[strlen(h) - 1] == '0' ? '1' : '0';
    CHECK_INT(bearer(fx.a, h, &p), AV_EAUTH);
    snprintf(h, sizeof h, "Bearer avk_000000000000_%s", k1 + 17);
    CHECK_INT(bearer(fx.a, h, &p), AV_EAUTH);
    snprintf(h, sizeof h, "Bearer %.*s", 30, k1);
    CHECK_INT(bearer(fx.a, h, &p), AV_EAUTH);
    /* missing, empty and other schemes: refused, and no project comes out */
    for (size_t i = 0; i < sizeof refused_headers / sizeof *refused_headers; i++) {
        int mark = test_failed;
        CHECK_INT(bearer(fx.a, refused_headers[i], &p), AV_EAUTH);
        CHECK(p.project[0] == 0);
        test_row(mark, i, refused_headers[i]);
    }
    free(k1); free(k2);
    fx_close(&fx);
}

/* av_user_add refusals, after bob exists in project alpha. */
static const struct { const char *project, *name, *password; int want; } user_add_rows[] = {
    /* 0 */ {"alpha", "bob", "other1", AV_EEXIST},
    /* 1 */ {"alpha", "bad name", "secret1", AV_EINVAL},
    /* 2 */ {"alpha", "eve", "short", AV_EINVAL},
    /* 3 */ {"bad project!", "eve", "secret1", AV_EINVAL},
};

static void test_users(void)
{
    fixture fx;
    fx_open(&fx, "auth-users");
    av_err e;
    char *pw = NULL, p1[33];
    CHECK_INT(av_user_add(fx.db, "alpha", "bob", "pa:ss:word", &pw, &e), AV_OK);
    CHECK_STR(pw, "pa:ss:word");
    free(pw);
    CHECK_INT(av_project_resolve_db(fx.db, "alpha", 0, p1, &e), AV_OK);
    for (size_t i = 0; i < sizeof user_add_rows / sizeof *user_add_rows; i++) {
        int mark = test_failed;
        pw = NULL;
        CHECK_INT(av_user_add(fx.db, user_add_rows[i].project, user_add_rows[i].name, user_add_rows[i].password, &pw, &e),
                  user_add_rows[i].want);
        test_row(mark, i, user_add_rows[i].name);
        free(pw);
    }
    CHECK_INT(av_user_add(fx.db, "alpha", "gen", NULL, &pw, &e), AV_OK);
    CHECK_INT(strlen(pw), 24);
    char *gen_pw = pw;

    /* colon inside the password, the cache, wrong password, unknown user, Basic auth */
    av_principal p;
    char h[256];
    CHECK_INT(bearer(fx.a, "Bearer bob:pa:ss:word", &p), AV_OK);
    CHECK_STR(p.user, "bob");
    CHECK_STR(p.project, p1);
    CHECK_INT(bearer(fx.a, "Bearer bob:pa:ss:word", &p), AV_OK);   /* from the cache */
    CHECK_INT(bearer(fx.a, "Bearer bob:pa:ss:wore", &p), AV_EAUTH);
    CHECK_INT(bearer(fx.a, "Bearer nobody:pa:ss:word", &p), AV_EAUTH);
    unsigned char enc[128];
    EVP_EncodeBlock(enc, (const unsigned char *)"bob:pa:ss:word", 14);
    snprintf(h, sizeof h, "Basic %s", enc);
    CHECK_INT(bearer(fx.a, h, &p), AV_OK);
    CHECK_STR(p.user, "bob");
    snprintf(h, sizeof h, "Bearer gen:%s", gen_pw);
    CHECK_INT(bearer(fx.a, h, &p), AV_OK);
    /* change bob's password behind the server's back: the cached old one must stop working */
    sqlite3_exec(fx.db, "DELETE FROM user WHERE name = 'bob'", NULL, NULL, NULL);
    CHECK_INT(av_user_add(fx.db, "alpha", "bob", "newpass1", &pw, &e), AV_OK);
    free(pw);
    CHECK_INT(bearer(fx.a, "Bearer bob:pa:ss:word", &p), AV_EAUTH);
    CHECK_INT(bearer(fx.a, "Bearer bob:newpass1", &p), AV_OK);
    free(gen_pw);
    fx_close(&fx);
}

/* One signed request against one AK/SK pair: how it is signed, what body the server sees, the answer. */
static const struct {
    const char *what, *service;
    int64_t age_s;            /* X-Date this many seconds before now */
    const char *ak, *sk;      /* NULL: the created pair's */
    int other_body;           /* the server sees another body than the signed one */
    int want;
} volc_rows[] = {
    /* 0 */ {"signed for air", "air", 0, NULL, NULL, 0, AV_OK},
    /* 1 */ {"10 minutes of skew is fine", "vikingdb", 600, NULL, NULL, 0, AV_OK},
    /* 2 */ {"body changed", "vikingdb", 600, NULL, NULL, 1, AV_EAUTH},
    /* 3 */ {"stale X-Date", "air", 20 * 60, NULL, NULL, 0, AV_EAUTH},
    /* 4 */ {"other service", "iam", 0, NULL, NULL, 0, AV_EAUTH},
    /* 5 */ {"wrong secret", "air", 0, NULL, "0000000000000000000000000000000000000000", 0, AV_EAUTH},
    /* 6 */ {"unknown AK", "air", 0, "AKAV000000000000000000000000", NULL, 0, AV_EAUTH},
};

static void test_volc(void)
{
    fixture fx;
    fx_open(&fx, "auth-volc");
    char ak[29], sk[41], pid[33];
    av_err e;
    CHECK_INT(av_volc_key_create(fx.db, "viking", ak, sk, pid, &e), AV_OK);
    CHECK_INT(strlen(ak), 28);
    CHECK_INT(strlen(sk), 40);
    const char *body = "{\"collection_name\":\"c1\",\"primary_keys\":[1,2]}";
    int64_t now = (int64_t)time(NULL);
    for (size_t i = 0; i < sizeof volc_rows / sizeof *volc_rows; i++) {
        int mark = test_failed;
        signed_req s;
        av_principal p;
        sign(&s, volc_rows[i].ak ? volc_rows[i].ak : ak, volc_rows[i].sk ? volc_rows[i].sk : sk, volc_rows[i].service,
             now - volc_rows[i].age_s, body);
        CHECK_INT(verify(fx.a, &s, volc_rows[i].other_body ? "{\"collection_name\":\"c2\"}" : body, now, &p), volc_rows[i].want);
        CHECK_STR(p.project, volc_rows[i].want == AV_OK ? pid : "");
        test_row(mark, i, volc_rows[i].what);
    }
    fx_close(&fx);
}

static void test_tokens(void)
{
    fixture fx;
    fx_open(&fx, "auth-tokens");
    char *tok = NULL, pid[33];
    av_err e;
    av_principal p;
    const char *hexid = "0123456789abcdef0123456789abcdef";
    CHECK_INT(av_token_create(fx.db, hexid, 3600, &tok, pid, &e), AV_OK);
    CHECK_STR(pid, hexid);                                            /* a 32-hex project id is kept */
    CHECK(strncmp(tok, "avt_", 4) == 0 && strlen(tok) == 57);
    int64_t now = av_now_ms();
    CHECK_INT(av_auth_token(fx.a, tok, now, &p, &e), AV_OK);
    CHECK_STR(p.project, hexid);
    CHECK_INT(av_auth_token(fx.a, tok, now + 3601 * 1000LL, &p, &e), AV_EAUTH);   /* an hour later */
    CHECK_CONTAINS(e.msg, "expired");
    char bad[64];
    snprintf(bad, sizeof bad, "%s", tok);
    bad[56] = bad[56] == '0' ? '1' : '0';
    CHECK_INT(av_auth_token(fx.a, bad, now, &p, &e), AV_EAUTH);
    CHECK_INT(av_auth_token(fx.a, "", now, &p, &e), AV_EAUTH);
    CHECK_INT(av_auth_token(fx.a, "avk_000000000000_0000000000000000000000000000000000000000", now, &p, &e), AV_EAUTH);
    free(tok);
    tok = NULL;
    CHECK_INT(av_token_create(fx.db, hexid, 10, &tok, pid, &e) == AV_OK ? 0 : 1, 1);   /* ttl below 60 s refused */
    free(tok);
    fx_close(&fx);
}

static int file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return memmem(buf, n, needle, strlen(needle)) != NULL;
}

/* An API key, a chosen and a generated password, each used once (so the verification cache has seen
 * them): none of the secrets is in the database file, though plain names are. */
static void test_no_secret_in_clear(void)
{
    fixture fx;
    fx_open(&fx, "auth-clear");
    av_err e;
    char *k1 = NULL, *pw = NULL, *gen_pw = NULL, p1[33], h[256];
    av_principal p;
    CHECK_INT(av_apikey_create(fx.db, "alpha", &k1, p1, &e), AV_OK);
    CHECK_INT(av_user_add(fx.db, "alpha", "bob", "newpass1", &pw, &e), AV_OK);
    CHECK_INT(av_user_add(fx.db, "alpha", "gen", NULL, &gen_pw, &e), AV_OK);
    snprintf(h, sizeof h, "Bearer %s", k1);
    CHECK_INT(bearer(fx.a, h, &p), AV_OK);
    CHECK_INT(bearer(fx.a, "Bearer bob:newpass1", &p), AV_OK);
    snprintf(h, sizeof h, "Bearer gen:%s", gen_pw);
    CHECK_INT(bearer(fx.a, h, &p), AV_OK);
    char path[300];
    snprintf(path, sizeof path, "%s/annovec.db", fx.dir);
    sqlite3_exec(fx.db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    CHECK(!file_contains(path, k1 + 17));
    CHECK(!file_contains(path, "newpass1"));
    CHECK(!file_contains(path, gen_pw));
    CHECK(file_contains(path, "alpha"));   /* the check can see plain text at all */
    free(k1); free(pw); free(gen_pw);
    fx_close(&fx);
}

TEST_MAIN(
    TEST_CASE(test_api_keys),
    TEST_CASE(test_users),
    TEST_CASE(test_volc),
    TEST_CASE(test_tokens),
    TEST_CASE(test_no_secret_in_clear))
