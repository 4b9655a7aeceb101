/*
 * fuzz.h — helpers shared by the libFuzzer targets in fuzz/ (one target per fuzz_*.c; see
 * fuzz/README.md). Each target links against the project's own objects built by clang
 * (build-fuzz/libannovec.a), never a copy of the code.
 *
 * libFuzzer's input is not NUL-terminated. An API that takes (pointer, length) gets an exactly sized
 * heap copy, so ASan sees a read one byte past the end; an API that takes a C string gets a copy with
 * a NUL after the last byte (inputs with an inner NUL are cut there, as a C caller would see them).
 */
#ifndef AV_FUZZ_H
#define AV_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An exactly sized copy (no terminator); at least one byte is allocated so that 0 is not NULL. */
static inline char *fuzz_bytes(const uint8_t *data, size_t size)
{
    char *p = malloc(size ? size : 1);
    if (!p) abort();
    if (size) memcpy(p, data, size);
    return p;
}

/* A NUL-terminated copy. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *p = malloc(size + 1);
    if (!p) abort();
    if (size) memcpy(p, data, size);
    p[size] = 0;
    return p;
}

/* Splits a NUL-terminated copy in place at the first '\n' after *s: returns the line, moves *s past
 * it (to the end when there is no newline). */
static inline char *fuzz_line(char **s)
{
    char *line = *s, *nl = strchr(line, '\n');
    if (nl) { *nl = 0; *s = nl + 1; }
    else *s = line + strlen(line);
    return line;
}

#endif
