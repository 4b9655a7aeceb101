/*
 * canonical.h — shared pieces of canonical requests for HMAC request signatures (volc_sign.c,
 * huawei_sign.c).
 */
#ifndef AV_CANONICAL_H
#define AV_CANONICAL_H

#include "annovec.h"
#include "lib/util.h"

/* Percent-encodes s[0..n) keeping A-Za-z0-9 - _ . ~ (and '/' when keep_slash). */
void canon_encode(av_buf *b, const char *s, size_t n, int keep_slash);
/* Decodes %XX and '+' of a raw query component s[0..n) (not NUL-terminated) into a new string
 * (caller frees). Reads nothing past s[n - 1]: a '%' without two hex digits after it inside s stays. */
char *canon_decode(const char *s, size_t n);
/* A raw query string as "k=v&..." sorted by key then value, re-encoded (nothing for NULL or ""). */
void canon_query(av_buf *b, const char *q);
/* "name:value\n" for each signed header (names lowercase; sorted in place), a blank line, then the
 * ";"-joined list and "\n". Values are trimmed with inner runs of spaces collapsed. AV_EAUTH when a
 * signed header is missing from the request. */
int canon_headers(av_buf *b, const char **names, int n, const char *(*header)(void *, const char *), void *ctx, av_err *err);

/* Copies the value of `name=` in an Authorization header (up to a comma or the end, trailing spaces
 * dropped) into out. -1 when absent, empty or longer than cap - 1. */
int canon_auth_param(const char *header, const char *name, char *out, size_t cap);

#endif
