/* Logging after OpenSMTPD's log.c: stderr under -d (foreground), syslog
 * otherwise. Every function keeps errno unchanged. Messages never carry
 * request bodies or anything identifying. */
#ifndef MDT_LOG_H
#define MDT_LOG_H

#include <stdarg.h>

enum mdt_log_level { MDT_LOG_WARN = 0, MDT_LOG_INFO = 1, MDT_LOG_DEBUG = 2 };

void log_init(int foreground, int level, const char *ident);
/* Writes the lines that went to stderr to the file path instead
 * (appended, created 0640). Returns 0 or a negative errno; stderr stays
 * in use on failure. */
int log_open_file(const char *path);
/* Opens the file of log_open_file again under its name, after it was
 * moved away by log rotation (SIGHUP). 1 when reopened, 0 when there is
 * no log file (lines go to stderr), negative errno on failure. */
int log_reopen(void);
int log_enabled(int level);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* adds strerror(errno) */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Always-on invariant check: a broken invariant ends the process. */
#define MDT_REQUIRE(x)                                                                            \
    do {                                                                                          \
        if (!(x))                                                                                 \
            fatalx("%s:%d: %s: requirement failed: %s", __FILE__, __LINE__, __func__, #x);       \
    } while (0)

#endif
