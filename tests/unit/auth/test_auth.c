/*
 * test_auth.c — credentials: API keys and users are accepted only with the right secret, every
 * malformed or missing header is refused, projects come out right, a changed password stops the old
 * one at once (the verification cache cannot outlive it), and no secret is stored in clear.
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
#include <unistd.h>

static char dir[128];

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
    volc_request r = { "POST", "/api/collection/del_data", "", sr_header, s, body, strlen(body) };
    char sig[65];
    volc_signature(&r, &va, sk, s->x_date, sig, &e);
    snprintf(s->auth, sizeof s->auth, "HMAC-SHA256 Credential=%s/%.8s/cn-beijing/%s/request, SignedHeaders=accept;x-content-sha256;x-date, Signature=%s", ak, s->x_date, service, sig);
}

static int verify(av_auth *a, signed_req *s, const char *body, int64_t now, av_principal *p)
{
    volc_request r = { "POST", "/api/collection/del_data", "", sr_header, s, body, strlen(body) };
    av_err e;
    memset(p, 0, sizeof *p);
    return av_auth_volc(a, &r, s->auth, now, p, &e);
}

static void test_volc(sqlite3 *db, av_auth *a)
{
    char ak[29], sk[41], pid[33];
    av_err e;
    CHECK_INT(av_volc_key_create(db, "viking", ak, sk, pid, &e), AV_OK);
    CHECK_INT(strlen(ak), 28);
    CHECK_INT(strlen(sk), 40);
    const char *body = "{\"collection_name\":\"c1\",\"primary_keys\":[1,2]}";
    int64_t now = (int64_t)time(NULL);
    signed_req s;
    av_principal p;
    sign(&s, ak, sk, "air", now, body);
    CHECK_INT(verify(a, &s, body, now, &p), AV_OK);
    CHECK_STR(p.project, pid);
    sign(&s, ak, sk, "vikingdb", now - 600, body);
    CHECK_INT(verify(a, &s, body, now, &p), AV_OK);                        /* 10 minutes of skew is fine */
    CHECK_INT(verify(a, &s, "{\"collection_name\":\"c2\"}", now, &p), AV_EAUTH);  /* body changed */
    sign(&s, ak, sk, "air", now - 20 * 60, body);
    CHECK_INT(verify(a, &s, body, now, &p), AV_EAUTH);                     /* stale X-Date */
    sign(&s, ak, sk, "iam", now, body);
    CHECK_INT(verify(a, &s, body, now, &p), AV_EAUTH);                     /* other service */
    sign(&s, ak, "0000000000000000000000000000000000000000", "air", now, body);
    CHECK_INT(verify(a, &s, body, now, &p), AV_EAUTH);                     /* wrong secret */
    sign(&s, "AKAV000000000000000000000000", sk, "air", now, body);
    CHECK_INT(verify(a, &s, body, now, &p), AV_EAUTH);                     /* unknown AK */
    CHECK(p.project[0] == 0);
}

static void test_tokens(sqlite3 *db, av_auth *a)
{
    char *tok = NULL, pid[33];
    av_err e;
    av_principal p;
    const char *hexid = "0123456789abcdef0123456789abcdef";
    CHECK_INT(av_token_create(db, hexid, 3600, &tok, pid, &e), AV_OK);
    CHECK_STR(pid, hexid);                                            /* a 32-hex project id is kept */
    CHECK(strncmp(tok, "avt_", 4) == 0 && strlen(tok) == 57);
    int64_t now = av_now_ms();
    CHECK_INT(av_auth_token(a, tok, now, &p, &e), AV_OK);
    CHECK_STR(p.project, hexid);
    CHECK_INT(av_auth_token(a, tok, now + 3601 * 1000LL, &p, &e), AV_EAUTH);   /* an hour later */
    CHECK_CONTAINS(e.msg, "expired");
    char bad[64];
    snprintf(bad, sizeof bad, "%s", tok);
    bad[56] = bad[56] == '0' ? '1' : '0';
    CHECK_INT(av_auth_token(a, bad, now, &p, &e), AV_EAUTH);
    CHECK_INT(av_auth_token(a, "", now, &p, &e), AV_EAUTH);
    CHECK_INT(av_auth_token(a, "avk_000000000000_0000000000000000000000000000000000000000", now, &p, &e), AV_EAUTH);
    CHECK_INT(av_token_create(db, hexid, 10, &tok, pid, &e) == AV_OK ? 0 : 1, 1);   /* ttl below 60 s refused */
    free(tok);
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

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/avtest-auth-%d", (int)getpid());
    sqlite3 *db = NULL;
    av_err e;
    CHECK_INT(av_store_open_admin(dir, &db, &e), AV_OK);
    char *k1 = NULL, *k2 = NULL, *pw = NULL, p1[33], p2[33];
    CHECK_INT(av_apikey_create(db, "alpha", &k1, p1, &e), AV_OK);
    CHECK_INT(av_apikey_create(db, "beta", &k2, p2, &e), AV_OK);
    CHECK(strcmp(p1, p2) != 0);
    CHECK_INT(strlen(k1), 57);
    CHECK_INT(av_user_add(db, "alpha", "bob", "pa:ss:word", &pw, &e), AV_OK);
    CHECK_STR(pw, "pa:ss:word");
    free(pw);
    CHECK_INT(av_user_add(db, "alpha", "bob", "other1", &pw, &e), AV_EEXIST);
    CHECK_INT(av_user_add(db, "alpha", "bad name", "secret1", &pw, &e), AV_EINVAL);
    CHECK_INT(av_user_add(db, "alpha", "eve", "short", &pw, &e), AV_EINVAL);
    CHECK_INT(av_user_add(db, "bad project!", "eve", "secret1", &pw, &e), AV_EINVAL);
    CHECK_INT(av_user_add(db, "alpha", "gen", NULL, &pw, &e), AV_OK);
    CHECK_INT(strlen(pw), 24);
    char *gen_pw = pw;

    av_auth *a = NULL;
    CHECK_INT(av_auth_open(dir, &a, &e), AV_OK);
    av_principal p;
    char h[256];
    snprintf(h, sizeof h, "Bearer %s", k1);
    CHECK_INT(bearer(a, h, &p), AV_OK);
    CHECK_STR(p.project, p1);
    CHECK_STR(p.user, "");
    snprintf(h, sizeof h, "bearer   %s  ", k2);
    CHECK_INT(bearer(a, h, &p), AV_OK);
    CHECK_STR(p.project, p2);
    /* wrong secret, wrong id, truncated, uppercase hex, other schemes, missing */
    snprintf(h, sizeof h, "Bearer %s", k1);
    h[strlen(h) - 1] = h[strlen(h) - 1] == '0' ? '1' : '0';
    CHECK_INT(bearer(a, h, &p), AV_EAUTH);
    snprintf(h, sizeof h, "Bearer avk_000000000000_%s", k1 + 17);
    CHECK_INT(bearer(a, h, &p), AV_EAUTH);
    snprintf(h, sizeof h, "Bearer %.*s", 30, k1);
    CHECK_INT(bearer(a, h, &p), AV_EAUTH);
    CHECK_INT(bearer(a, NULL, &p), AV_EAUTH);
    CHECK_INT(bearer(a, "Bearer", &p), AV_EAUTH);
    CHECK_INT(bearer(a, "Bearer    ", &p), AV_EAUTH);
    CHECK_INT(bearer(a, "Token abc", &p), AV_EAUTH);
    CHECK(p.project[0] == 0);
    /* users: colon inside the password, Basic auth, wrong password */
    CHECK_INT(bearer(a, "Bearer bob:pa:ss:word", &p), AV_OK);
    CHECK_STR(p.user, "bob");
    CHECK_STR(p.project, p1);
    CHECK_INT(bearer(a, "Bearer bob:pa:ss:word", &p), AV_OK);   /* from the cache */
    CHECK_INT(bearer(a, "Bearer bob:pa:ss:wore", &p), AV_EAUTH);
    CHECK_INT(bearer(a, "Bearer nobody:pa:ss:word", &p), AV_EAUTH);
    unsigned char enc[128];
    EVP_EncodeBlock(enc, (const unsigned char *)"bob:pa:ss:word", 14);
    snprintf(h, sizeof h, "Basic %s", enc);
    CHECK_INT(bearer(a, h, &p), AV_OK);
    CHECK_STR(p.user, "bob");
    snprintf(h, sizeof h, "Bearer gen:%s", gen_pw);
    CHECK_INT(bearer(a, h, &p), AV_OK);
    /* change bob's password behind the server's back: the cached old one must stop working */
    sqlite3_exec(db, "DELETE FROM user WHERE name = 'bob'", NULL, NULL, NULL);
    CHECK_INT(av_user_add(db, "alpha", "bob", "newpass1", &pw, &e), AV_OK);
    free(pw);
    CHECK_INT(bearer(a, "Bearer bob:pa:ss:word", &p), AV_EAUTH);
    CHECK_INT(bearer(a, "Bearer bob:newpass1", &p), AV_OK);
    test_volc(db, a);
    test_tokens(db, a);
    /* nothing secret in clear on disk */
    char path[256];
    snprintf(path, sizeof path, "%s/annovec.db", dir);
    sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    CHECK(!file_contains(path, k1 + 17));
    CHECK(!file_contains(path, "newpass1"));
    CHECK(!file_contains(path, gen_pw));
    CHECK(file_contains(path, "alpha"));   /* the check can see plain text at all */
    av_auth_close(a);
    sqlite3_close(db);
    free(k1); free(k2); free(gen_pw);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) return 1;
    return test_summary();
}
