/*
 * test.h — the unit test harness. A test binary is a table of named cases:
 *
 *     static void rename_under_writers(void) { ... CHECK(...); ... }
 *     TEST_MAIN(TEST_CASE(rename_under_writers), TEST_CASE(...))
 *
 * `build/tests/.../test_x` runs every case; `test_x NAME...` runs the named ones; `test_x --list`
 * prints the names. Each case prints "ok NAME" or "FAIL NAME" (with every failed CHECK above it);
 * the binary ends with "N passed, N failed" (checks, summed over binaries by tests/run-all) and exits
 * non-zero when a check failed or a name is unknown. Binaries mirror src/: tests/unit/core/vector/
 * tests src/core/vector/, and so on. Where a case is a list of inputs with expected results, it is a
 * static table looped over, and test_row() names the failing row by index (test_filter.c).
 */
#ifndef AV_TEST_H
#define AV_TEST_H

#include <stdio.h>
#include <string.h>
#include <inttypes.h>
#include <stdlib.h>

static int test_passed, test_failed;

#define CHECK(cond) do { \
    if (cond) test_passed++; \
    else { test_failed++; fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_INT(got, want) do { \
    long long g_ = (long long)(got), w_ = (long long)(want); \
    if (g_ == w_) test_passed++; \
    else { test_failed++; fprintf(stderr, "FAIL %s:%d: %s == %lld, want %lld\n", __FILE__, __LINE__, #got, g_, w_); } \
} while (0)

#define CHECK_STR(got, want) do { \
    const char *g_ = (got), *w_ = (want); \
    if (g_ && w_ && strcmp(g_, w_) == 0) test_passed++; \
    else { test_failed++; fprintf(stderr, "FAIL %s:%d: %s == \"%s\", want \"%s\"\n", __FILE__, __LINE__, #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } \
} while (0)

#define CHECK_CONTAINS(hay, needle) do { \
    const char *h_ = (hay), *n_ = (needle); \
    if (h_ && strstr(h_, n_)) test_passed++; \
    else { test_failed++; fprintf(stderr, "FAIL %s:%d: \"%s\" does not contain \"%s\"\n", __FILE__, __LINE__, h_ ? h_ : "(null)", n_); } \
} while (0)

static inline int test_summary(void)
{
    printf("%d passed, %d failed\n", test_passed, test_failed);
    return test_failed ? 1 : 0;
}

/* Table rows: take `int mark = test_failed;` before a row's checks; test_row(mark, i, input) then
 * names the row (its index in the table and its input) under the failed checks, if any failed. */
static inline void test_row(int mark, size_t i, const char *input)
{
    if (test_failed > mark) fprintf(stderr, "  ^ row %zu: %s\n", i, input ? input : "(null)");
}

typedef struct test_case { const char *name; void (*fn)(void); } test_case;
#define TEST_CASE(fn) { #fn, fn }

static inline int test_run(const test_case *cases, size_t n, int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < n; i++) printf("%s\n", cases[i].name);
        return 0;
    }
    for (int a = 1; a < argc; a++) {
        size_t i = 0;
        while (i < n && strcmp(cases[i].name, argv[a]) != 0) i++;
        if (i == n) { fprintf(stderr, "%s: no test case named \"%s\" (--list shows them)\n", argv[0], argv[a]); return 2; }
    }
    for (size_t i = 0; i < n; i++) {
        int run = argc == 1;
        for (int a = 1; a < argc && !run; a++) run = strcmp(cases[i].name, argv[a]) == 0;
        if (!run) continue;
        int before = test_failed;
        cases[i].fn();
        printf("%s %s\n", test_failed == before ? "ok  " : "FAIL", cases[i].name);
        fflush(stdout);
    }
    return test_summary();
}

/* main() of a test binary: the table of its cases. */
#define TEST_MAIN(...) \
    static const test_case test_cases_[] = { __VA_ARGS__ }; \
    int main(int argc, char **argv) { return test_run(test_cases_, sizeof test_cases_ / sizeof *test_cases_, argc, argv); }

/* A fresh directory under /tmp for one case (tag names it); test_rmdir removes it and its files. */
static inline void test_tmpdir(char *buf, size_t n, const char *tag)
{
    snprintf(buf, n, "/tmp/avtest-%s-XXXXXX", tag);
    if (!mkdtemp(buf)) { perror("mkdtemp"); exit(2); }
}
static inline void test_rmdir(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

#endif
