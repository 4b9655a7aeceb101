/*
 * test_auth_errors.c — credential failures say why (src/auth): AV_ENT_CREDENTIAL with AV_R_MISSING
 * when nothing usable was sent (the dialects answer 80001 / ModelArts.0201), AV_R_EXPIRED for a
 * token past its expiry (ModelArts.0202), AV_R_NONE when credentials were sent but are wrong.
 */
#include "auth/auth.h"
#include "auth/volc_sign.h"
#include "core/store/store.h"
#include "lib/util.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static char dir[128];
static sqlite3 *db;
static av_auth *a;
static char *token;

static void open_auth(void)
{
    av_err e;
    char pid[33];
    test_tmpdir(dir, sizeof dir, "autherr");
    if (av_store_open_admin(dir, &db, &e) || av_token_create(db, "alpha", 3600, &token, pid, &e) || av_auth_open(dir, &a, &e)) {
        fprintf(stderr, "auth: %s\n", e.msg);
        exit(2);
    }
}

static void close_auth(void)
{
    free(token);
    av_auth_close(a);
    sqlite3_close(db);
    test_rmdir(dir);
}

static void expect(int rc, const av_err *e, int code, int reason)
{
    CHECK_INT(rc, code);
    CHECK_INT(e->code, code);
    CHECK_INT(e->entity, AV_ENT_CREDENTIAL);
    CHECK_INT(e->reason, reason);
}

static void bearer_reasons(void)
{
    open_auth();
    av_err e;
    av_principal p;
    expect(av_auth_bearer(a, NULL, &p, &e), &e, AV_EAUTH, AV_R_MISSING);
    expect(av_auth_bearer(a, "Bearer   ", &p, &e), &e, AV_EAUTH, AV_R_MISSING);
    expect(av_auth_bearer(a, "Token abc", &p, &e), &e, AV_EAUTH, AV_R_MISSING);
    expect(av_auth_bearer(a, "Bearer avk_000000000000_0000000000000000000000000000000000000000", &p, &e), &e, AV_EAUTH, AV_R_NONE);
    expect(av_auth_bearer(a, "Bearer missing:password", &p, &e), &e, AV_EAUTH, AV_R_NONE);   /* the text may say anything */
    close_auth();
}

static void token_reasons(void)
{
    open_auth();
    av_err e;
    av_principal p;
    int64_t now = av_now_ms();
    CHECK_INT(av_auth_token(a, token, now, &p, &e), AV_OK);
    expect(av_auth_token(a, token, now + 3601 * 1000LL, &p, &e), &e, AV_EAUTH, AV_R_EXPIRED);
    expect(av_auth_token(a, "", now, &p, &e), &e, AV_EAUTH, AV_R_MISSING);
    char bad[64];
    snprintf(bad, sizeof bad, "%s", token);
    bad[56] = bad[56] == '0' ? '1' : '0';
    expect(av_auth_token(a, bad, now, &p, &e), &e, AV_EAUTH, AV_R_NONE);
    close_auth();
}

static const char *no_headers(void *ctx, const char *name) { (void)ctx; (void)name; return NULL; }

static void signature_reasons(void)
{
    open_auth();
    av_err e;
    volc_auth va;
    av_principal p;
    expect(volc_parse_authorization("HMAC-SHA256 nonsense", &va, &e), &e, AV_EAUTH, AV_R_NONE);
    volc_request r = { "POST", "/api/collection/list", "", no_headers, NULL, "{}", 2, NULL };
    const char *h = "HMAC-SHA256 Credential=AKX/20240101/cn-beijing/air/request, SignedHeaders=x-date, Signature=00";
    expect(av_auth_volc(a, &r, h, 1704067200, &p, &e), &e, AV_EAUTH, AV_R_MISSING);   /* no X-Date */
    close_auth();
}

TEST_MAIN(TEST_CASE(bearer_reasons), TEST_CASE(token_reasons), TEST_CASE(signature_reasons))
