/*
 * util.h — allocation policy, error reporting and small helpers shared by every module.
 *
 * Out-of-memory policy (decided once, like Redis's zmalloc): the x* allocators abort the process with
 * a message. No caller checks for NULL from them and no function reports AV_ENOMEM.
 */
#ifndef AV_UTIL_H
#define AV_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include "annovec.h"

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sets err (when not NULL) to code and a formatted message; returns code so callers can
 * `return av_fail(err, AV_EINVAL, "...")`. pos is reset to -1. */
int av_fail(av_err *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The same with a byte position (parse errors). */
int av_fail_at(av_err *err, int code, int pos, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The same, saying what the error is about: entity (AV_ENT_*), reason (AV_R_*), the entity's name
 * and its scope (either may be NULL), so that a dialect can word it in its own terms. */
int av_fail_on(av_err *err, int code, int entity, int reason, const char *name, const char *scope,
               const char *fmt, ...) __attribute__((format(printf, 7, 8)));
int av_vfail_on(av_err *err, int code, int entity, int reason, const char *name, const char *scope,
                const char *fmt, va_list ap);
/* av_fail_on for one item of a batch: also sets err->index (the row, id or sample). */
int av_fail_item(av_err *err, int64_t index, int code, int entity, int reason, const char *name, const char *scope,
                 const char *fmt, ...) __attribute__((format(printf, 8, 9)));
void av_err_clear(av_err *err);

int64_t av_now_ms(void);           /* wall clock, epoch milliseconds */
double  av_mono_s(void);           /* monotonic seconds */

/* Growable byte buffer (NUL-terminated at all times). */
typedef struct av_buf { char *p; size_t len, cap; } av_buf;
void av_buf_put(av_buf *b, const void *data, size_t n);
void av_buf_puts(av_buf *b, const char *s);
void av_buf_printf(av_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void av_buf_free(av_buf *b);

/* Writes all n bytes to fd, retrying short writes and EINTR; 0, or -1 with errno set. */
int av_write_all(int fd, const void *data, size_t n);
/* Reads exactly n bytes at offset `at` (pread, EINTR retried); -1 on an error or a short file. */
int av_read_at(int fd, void *out, size_t n, long long at);

/* qsort comparator of char * elements (strcmp order). */
int av_strptr_cmp(const void *a, const void *b);

/* UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
 * av_utf8_seq: length (1..4) of the valid sequence at s with n bytes available, 0 when invalid or
 * cut short. av_utf8_check: offset of the first invalid byte in s[0..n), n when all is valid.
 * av_utf8_scrub: drops, in place, every byte of s that is not part of a valid sequence, so a text
 * cut at a byte limit (vsnprintf, or a %.*s precision) never ends mid-character. */
size_t av_utf8_seq(const unsigned char *s, size_t n);
size_t av_utf8_check(const char *s, size_t n);
void av_utf8_scrub(char *s);

/* Lower-case hex of n bytes into out (2n+1 chars). */
void av_hex(const unsigned char *in, size_t n, char *out);
/* Cryptographically random bytes (OpenSSL RAND_bytes); aborts on failure. */
void av_random(void *out, size_t n);
/* Decodes base64 (standard or URL alphabet, padding optional) into a new buffer (caller frees).
 * Returns 0, or -1 for a character outside the alphabet or an impossible length. */
int av_base64_decode(const char *s, size_t n, unsigned char **out, size_t *outlen);

#endif
