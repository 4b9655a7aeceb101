/*
 * console.h — the web console (issue 14): the files of console/ built into the binary (the Makefile
 * turns them into $(BUILD)/gen/console_assets.c with console/embed), served at GET /console/ with
 * their Content-Type, an ETag and a strict Content-Security-Policy; and a small ring of the recent
 * error answers of the request log, which the console's server screen shows.
 */
#ifndef AV_HTTP_CONSOLE_H
#define AV_HTTP_CONSOLE_H

#include <stddef.h>
#include <json-c/json.h>

/* One embedded file (generated table, NULL-named entry last). */
typedef struct http_console_asset {
    const char *name;            /* "index.html", "app.js", ... (no directories) */
    const unsigned char *data;
    size_t len;
    const char *etag;            /* "\"<16 hex of its SHA-256>\"" */
} http_console_asset;
extern const http_console_asset http_console_assets[];

/* Registers GET /console and /console/{file} (no credentials: the files are public; the console then
 * calls the APIs with the credential its user signs in with). Call before av_http_start. */
void http_console_register(void);

/* Remembers an error answer (HTTP status >= 400, or a dialect code that is not success) for
 * http_console_recent_errors. Thread-safe. */
void http_console_note(long long time_ms, const char *method, const char *path, int status, const char *code);
/* *out: a new array of the last (at most 50) noted errors, newest first:
 * {"time_ms","method","path","status","code"}. */
json_object *http_console_recent_errors(void);

#endif
