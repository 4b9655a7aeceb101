/*
 * test_cred_lifecycle.c — listing, revoking and re-passwording credentials (src/auth/auth.c) while a
 * verifier (the server's read-only connection) stays open, and the wording of each kind's refusal.
 *
 *  list_shows_no_secret: av_cred_list returns every credential of a kind (or of one project) with
 *    its id, project and times, and no byte of any secret.
 *  revoke_is_seen_at_once: each kind is revoked on the admin connection and the open verifier
 *    refuses it on its next call while the other credential of the kind still passes; the id forms
 *    (avk_<id>, <id>, the whole key) all name it; unknown and malformed ids fail.
 *  passwd_beats_the_cache: a password verified (and cached) is refused after av_user_passwd.
 *  refusals_name_the_kind: a table of wrong credentials and the exact message each gets.
 */
#include "auth/auth.h"
#include "core/store/store.h"
#include "lib/util.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

typedef struct fixture { char dir[256]; sqlite3 *db; av_auth *a; } fixture;

static void fx_open(fixture *fx)
{
    av_err e;
    test_tmpdir(fx->dir, sizeof fx->dir, "credlife");
    CHECK_INT(av_store_open_admin(fx->dir, &fx->db, &e), AV_OK);
    CHECK_INT(av_auth_open(fx->dir, &fx->a, &e), AV_OK);
}

static void fx_close(fixture *fx)
{
    av_auth_close(fx->a);
    sqlite3_close(fx->db);
    test_rmdir(fx->dir);
}

static int bearer(av_auth *a, const char *cred, av_err *e)
{
    char h[600];
    av_principal p;
    snprintf(h, sizeof h, "Bearer %s", cred);
    av_err_clear(e);
    return av_auth_bearer(a, h, &p, e);
}

static int token_ok(av_auth *a, const char *tok, av_err *e)
{
    av_principal p;
    av_err_clear(e);
    return av_auth_token(a, tok, av_now_ms(), &p, e);
}

static int contains_bytes(const void *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++)
        if (memcmp((const char *)hay + i, needle, m) == 0) return 1;
    return 0;
}

static void list_shows_no_secret(void)
{
    fixture fx;
    fx_open(&fx);
    av_err e;
    char *k1 = NULL, *k2 = NULL, *t1 = NULL, *pw = NULL, p1[33], p2[33], ak[29], sk[41];
    CHECK_INT(av_apikey_create(fx.db, "alpha", &k1, p1, &e), AV_OK);
    CHECK_INT(av_apikey_create(fx.db, "beta", &k2, p2, &e), AV_OK);
    CHECK_INT(av_token_create(fx.db, "alpha", 3600, &t1, p1, &e), AV_OK);
    CHECK_INT(av_volc_key_create(fx.db, "beta", ak, sk, p2, &e), AV_OK);
    CHECK_INT(av_user_add(fx.db, "alpha", "bob", "bobs-password", &pw, &e), AV_OK);

    av_cred_info *ci = NULL;
    size_t n = 0;
    CHECK_INT(av_cred_list(fx.db, AV_CRED_APIKEY, NULL, &ci, &n, &e), AV_OK);
    CHECK_INT(n, 2);
    if (n == 2) {
        char want[20];
        snprintf(want, sizeof want, "%.16s", k1);
        CHECK_STR(ci[0].id, want);                /* avk_<id>, oldest first */
        CHECK_STR(ci[0].project_name, "alpha");
        CHECK_STR(ci[0].project_id, p1);
        CHECK(ci[0].created_ms > 0);
        CHECK_STR(ci[1].project_name, "beta");
        CHECK(!contains_bytes(ci, n * sizeof *ci, k1 + 17) && !contains_bytes(ci, n * sizeof *ci, k2 + 17));
    }
    free(ci);
    CHECK_INT(av_cred_list(fx.db, AV_CRED_APIKEY, "beta", &ci, &n, &e), AV_OK);
    CHECK_INT(n, 1);
    free(ci);
    CHECK_INT(av_cred_list(fx.db, AV_CRED_APIKEY, "nosuch", &ci, &n, &e), AV_ENOTFOUND);
    CHECK_INT(av_cred_list(fx.db, AV_CRED_TOKEN, NULL, &ci, &n, &e), AV_OK);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK(ci[0].expires_ms > ci[0].created_ms);
        CHECK(strncmp(ci[0].id, "avt_", 4) == 0 && strlen(ci[0].id) == 16);
        CHECK(!contains_bytes(ci, sizeof *ci, t1 + 17));
    }
    free(ci);
    CHECK_INT(av_cred_list(fx.db, AV_CRED_KEY, NULL, &ci, &n, &e), AV_OK);
    CHECK_INT(n, 1);
    if (n == 1) { CHECK_STR(ci[0].id, ak); CHECK(!contains_bytes(ci, sizeof *ci, sk)); }
    free(ci);
    CHECK_INT(av_cred_list(fx.db, AV_CRED_USER, NULL, &ci, &n, &e), AV_OK);
    CHECK_INT(n, 1);
    if (n == 1) { CHECK_STR(ci[0].id, "bob"); CHECK(!contains_bytes(ci, sizeof *ci, "bobs-password")); }
    free(ci);
    free(k1); free(k2); free(t1); free(pw);
    fx_close(&fx);
}

static void revoke_is_seen_at_once(void)
{
    fixture fx;
    fx_open(&fx);
    av_err e;
    char *k[3] = { 0 }, *t[2] = { 0 }, *pw = NULL, pid[33];
    for (int i = 0; i < 3; i++) CHECK_INT(av_apikey_create(fx.db, "alpha", &k[i], pid, &e), AV_OK);
    for (int i = 0; i < 2; i++) CHECK_INT(av_token_create(fx.db, "alpha", 3600, &t[i], pid, &e), AV_OK);
    CHECK_INT(av_user_add(fx.db, "alpha", "u1", "password-1", &pw, &e), AV_OK);
    free(pw);
    CHECK_INT(av_user_add(fx.db, "alpha", "u2", "password-2", &pw, &e), AV_OK);
    free(pw);
    for (int i = 0; i < 3; i++) CHECK_INT(bearer(fx.a, k[i], &e), AV_OK);
    CHECK_INT(token_ok(fx.a, t[0], &e), AV_OK);
    CHECK_INT(bearer(fx.a, "u1:password-1", &e), AV_OK);

    /* an API key by avk_<id>, by <id> and by the whole key */
    char id[20];
    snprintf(id, sizeof id, "%.16s", k[0]);
    CHECK_INT(av_cred_revoke(fx.db, AV_CRED_APIKEY, id, &e), AV_OK);
    CHECK_INT(bearer(fx.a, k[0], &e), AV_EAUTH);
    CHECK_INT(bearer(fx.a, k[1], &e), AV_OK);
    snprintf(id, sizeof id, "%.12s", k[1] + 4);
    CHECK_INT(av_cred_revoke(fx.db, AV_CRED_APIKEY, id, &e), AV_OK);
    CHECK_INT(bearer(fx.a, k[1], &e), AV_EAUTH);
    CHECK_INT(av_cred_revoke(fx.db, AV_CRED_APIKEY, k[2], &e), AV_OK);
    CHECK_INT(bearer(fx.a, k[2], &e), AV_EAUTH);
    CHECK_INT(av_cred_revoke(fx.db, AV_CRED_APIKEY, k[2], &e), AV_ENOTFOUND);
    CHECK_INT(av_cred_revoke(fx.db, AV_CRED_APIKEY, "avk_xyz", &e), AV_EINVAL);
    CHECK_INT(av_cred_revoke(fx.db, AV_CRED_APIKEY, t[0], &e), AV_EINVAL);   /* a token is not an API key */

    snprintf(id, sizeof id, "%.16s", t[0]);
    CHECK_INT(av_cred_revoke(fx.db, AV_CRED_TOKEN, id, &e), AV_OK);
    CHECK_INT(token_ok(fx.a, t[0], &e), AV_EAUTH);
    CHECK_INT(token_ok(fx.a, t[1], &e), AV_OK);

    CHECK_INT(av_cred_revoke(fx.db, AV_CRED_USER, "u1", &e), AV_OK);
    CHECK_INT(bearer(fx.a, "u1:password-1", &e), AV_EAUTH);   /* it was cached */
    CHECK_INT(bearer(fx.a, "u2:password-2", &e), AV_OK);
    CHECK_INT(av_cred_revoke(fx.db, AV_CRED_USER, "u1", &e), AV_ENOTFOUND);
    CHECK_CONTAINS(e.msg, "no user \"u1\"");
    for (int i = 0; i < 3; i++) free(k[i]);
    free(t[0]); free(t[1]);
    fx_close(&fx);
}

static void passwd_beats_the_cache(void)
{
    fixture fx;
    fx_open(&fx);
    av_err e;
    char *pw = NULL, *pw2 = NULL, *gen = NULL;
    CHECK_INT(av_user_add(fx.db, "alpha", "bob", "old-password", &pw, &e), AV_OK);
    CHECK_INT(bearer(fx.a, "bob:old-password", &e), AV_OK);
    CHECK_INT(bearer(fx.a, "bob:old-password", &e), AV_OK);            /* from the cache now */
    CHECK_INT(av_user_passwd(fx.db, "bob", "new-password", &pw2, &e), AV_OK);
    CHECK_STR(pw2, "new-password");
    CHECK_INT(bearer(fx.a, "bob:old-password", &e), AV_EAUTH);
    CHECK_INT(bearer(fx.a, "bob:new-password", &e), AV_OK);
    CHECK_INT(av_user_passwd(fx.db, "bob", NULL, &gen, &e), AV_OK);   /* generated */
    CHECK(gen && strlen(gen) == 24);
    char cred[64];
    snprintf(cred, sizeof cred, "bob:%s", gen ? gen : "");
    CHECK_INT(bearer(fx.a, cred, &e), AV_OK);
    CHECK_INT(bearer(fx.a, "bob:new-password", &e), AV_EAUTH);
    CHECK_INT(av_user_passwd(fx.db, "bob", "short", &pw, &e), AV_EINVAL);
    CHECK_INT(av_user_passwd(fx.db, "nobody", "long-enough", &pw, &e), AV_ENOTFOUND);
    free(pw); free(pw2); free(gen);
    fx_close(&fx);
}

/* What each wrong credential is told. kind: 'b' Bearer header value, 't' X-Auth-Token. */
static const struct { char kind; const char *cred, *msg; } refusal_rows[] = {
    /* 0 */ { 'b', "avk_000000000000_0000000000000000000000000000000000000000",
              "invalid credentials: the API key is not valid (unknown, revoked or malformed; keys look like avk_<id>_<secret>, from 'annovec apikey create')" },
    /* 1 */ { 'b', "not-a-key",
              "invalid credentials: the API key is not valid (unknown, revoked or malformed; keys look like avk_<id>_<secret>, from 'annovec apikey create')" },
    /* 2 */ { 'b', "nobody:some-password",
              "invalid credentials: the user name or password is not valid (Bearer <user>:<password>; users from 'annovec user create')" },
    /* 3 */ { 'b', "avt_000000000000_0000000000000000000000000000000000000000",
              "invalid credentials: this is a ModelArts X-Auth-Token (avt_...), not an API key: only the ModelArts API takes it, in the X-Auth-Token header" },
    /* 4 */ { 't', "avt_000000000000_0000000000000000000000000000000000000000",
              "invalid credentials: the X-Auth-Token is not valid (unknown, revoked or malformed; tokens look like avt_<id>_<secret>, from 'annovec token create')" },
    /* 5 */ { 't', "avk_000000000000_0000000000000000000000000000000000000000",
              "invalid credentials: the X-Auth-Token is not valid (unknown, revoked or malformed; tokens look like avt_<id>_<secret>, from 'annovec token create')" },
};

static void refusals_name_the_kind(void)
{
    fixture fx;
    fx_open(&fx);
    for (size_t i = 0; i < sizeof refusal_rows / sizeof *refusal_rows; i++) {
        int mark = test_failed;
        av_err e;
        int rc = refusal_rows[i].kind == 'b' ? bearer(fx.a, refusal_rows[i].cred, &e) : token_ok(fx.a, refusal_rows[i].cred, &e);
        CHECK_INT(rc, AV_EAUTH);
        CHECK_INT(e.reason, AV_R_NONE);   /* sent but wrong: 80002 / ModelArts.0203 */
        CHECK_STR(e.msg, refusal_rows[i].msg);
        test_row(mark, i, refusal_rows[i].cred);
    }
    fx_close(&fx);
}

TEST_MAIN(TEST_CASE(list_shows_no_secret), TEST_CASE(revoke_is_seen_at_once), TEST_CASE(passwd_beats_the_cache),
          TEST_CASE(refusals_name_the_kind))
