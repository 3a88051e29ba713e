/* Unit test macros. A test is `TEST(name) { ... }` in tests/unit/test-*.c;
 * scripts/gen-test-list finds them, the runner forks each one with a
 * timeout and prints TAP. A failed ASSERT prints both sides and ends the
 * test's process with status 1. */
#ifndef MDT_TEST_H
#define MDT_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST(name) void test_##name(void); void test_##name(void)

#define TEST_FAIL(...)                                                                            \
    do {                                                                                          \
        fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);                                         \
        fprintf(stderr, __VA_ARGS__);                                                             \
        fputc('\n', stderr);                                                                      \
        exit(1);                                                                                  \
    } while (0)

#define ASSERT(x)                                                                                 \
    do {                                                                                          \
        if (!(x))                                                                                 \
            TEST_FAIL("assertion failed: %s", #x);                                                \
    } while (0)

#define ASSERT_EQ(a, b)                                                                           \
    do {                                                                                          \
        intmax_t a_ = (intmax_t)(a), b_ = (intmax_t)(b);                                          \
        if (a_ != b_)                                                                             \
            TEST_FAIL("%s == %s: %" PRIdMAX " != %" PRIdMAX, #a, #b, a_, b_);                     \
    } while (0)

#define ASSERT_STREQ(a, b)                                                                        \
    do {                                                                                          \
        const char *a_ = (a), *b_ = (b);                                                          \
        if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)                                      \
            TEST_FAIL("%s == %s:\n    got:  \"%s\"\n    want: \"%s\"", #a, #b,                   \
                      a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                    \
    } while (0)

#define ASSERT_CONTAINS(hay, needle)                                                              \
    do {                                                                                          \
        const char *h_ = (hay), *n_ = (needle);                                                   \
        if (h_ == NULL || strstr(h_, n_) == NULL)                                                 \
            TEST_FAIL("\"%s\" not found in:\n    %s", n_, h_ ? h_ : "(null)");                    \
    } while (0)

#define ASSERT_NOT_CONTAINS(hay, needle)                                                          \
    do {                                                                                          \
        const char *h_ = (hay), *n_ = (needle);                                                   \
        if (h_ != NULL && strstr(h_, n_) != NULL)                                                 \
            TEST_FAIL("\"%s\" unexpectedly found in:\n    %s", n_, h_);                           \
    } while (0)

/* A directory for the test's files, removed by the runner afterwards. */
const char *test_tmpdir(void);

#endif
