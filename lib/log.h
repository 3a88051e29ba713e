/* Logging after OpenSMTPD's log.c: stderr under -d (foreground), syslog
 * otherwise. Every function keeps errno unchanged. Messages never carry
 * request bodies or anything identifying. */
#ifndef MDT_LOG_H
#define MDT_LOG_H

#include <stdarg.h>

enum mdt_log_level { MDT_LOG_WARN = 0, MDT_LOG_INFO = 1, MDT_LOG_DEBUG = 2 };

void log_init(int foreground, int level, const char *ident);
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
