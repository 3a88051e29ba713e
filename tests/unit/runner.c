/* Unit test runner (after libuv's test/runner.c): each test runs in its
 * own process with a timeout, output is TAP. MDT_TEST_TIMEOUT_MULTIPLIER
 * stretches the timeout for sanitizer and valgrind runs.
 *
 *   unit-tests            run all
 *   unit-tests NAME...    run the tests whose names contain NAME
 *   unit-tests --list     print the names
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

#define TEST_ENTRY(name) void test_##name(void);
#include "test-list.h"
#undef TEST_ENTRY

struct test {
    const char *name;
    void (*fn)(void);
};

static const struct test tests[] = {
#define TEST_ENTRY(name) {#name, test_##name},
#include "test-list.h"
#undef TEST_ENTRY
    {NULL, NULL},
};

static char tmpdir[256];

const char *test_tmpdir(void)
{
    return tmpdir;
}

static int selected(const char *name, int argc, char **argv)
{
    if (argc < 2)
        return 1;
    for (int i = 1; i < argc; i++)
        if (strstr(name, argv[i]))
            return 1;
    return 0;
}

static int run_one(const struct test *t, int timeout)
{
    pid_t pid;
    int status = 0;
    time_t start = time(NULL);
    char cmd[300];

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/mdt-unit-XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 0;
    }
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        alarm((unsigned)timeout);
        t->fn();
        fflush(stdout);
        _exit(0);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "  could not remove %s\n", tmpdir);
    if (WIFSIGNALED(status)) {
        printf("# %s: killed by signal %d%s after %lds\n", t->name, WTERMSIG(status),
               WTERMSIG(status) == SIGALRM ? " (timeout)" : "", (long)(time(NULL) - start));
        return 0;
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(int argc, char **argv)
{
    int n = 0, passed = 0, failed = 0, i = 0, timeout = 30;
    const char *mult = getenv("MDT_TEST_TIMEOUT_MULTIPLIER");

    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (const struct test *t = tests; t->name; t++)
            printf("%s\n", t->name);
        return 0;
    }
    if (mult && atoi(mult) > 0)
        timeout *= atoi(mult);
    for (const struct test *t = tests; t->name; t++)
        if (selected(t->name, argc, argv))
            n++;
    printf("1..%d\n", n);
    for (const struct test *t = tests; t->name; t++) {
        if (!selected(t->name, argc, argv))
            continue;
        i++;
        if (run_one(t, timeout)) {
            printf("ok %d - %s\n", i, t->name);
            passed++;
        } else {
            printf("not ok %d - %s\n", i, t->name);
            failed++;
        }
    }
    printf("# unit: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
