#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

/* Set once at start-up, before the loop runs; read-only afterwards. */
static int log_foreground = 1;
static int log_level = MDT_LOG_INFO;

void log_init(int foreground, int level, const char *ident)
{
    log_foreground = foreground;
    log_level = level;
    if (!foreground)
        openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int log_enabled(int level)
{
    return level <= log_level;
}

__attribute__((format(printf, 2, 0))) static void vlog(int pri, const char *fmt, va_list ap,
                                                      const char *suffix)
{
    char msg[2048];
    int saved = errno;

    vsnprintf(msg, sizeof(msg), fmt, ap);
    if (log_foreground) {
        struct timespec ts;
        struct tm tm;
        char when[32];

        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
        fprintf(stderr, "%s.%03ldZ %s%s%s\n", when, ts.tv_nsec / 1000000, msg,
                suffix ? ": " : "", suffix ? suffix : "");
        fflush(stderr);
    } else {
        syslog(pri, "%s%s%s", msg, suffix ? ": " : "", suffix ? suffix : "");
    }
    errno = saved;
}

void log_warn(const char *fmt, ...)
{
    va_list ap;
    int saved = errno;

    va_start(ap, fmt);
    vlog(LOG_WARNING, fmt, ap, strerror(saved));
    va_end(ap);
    errno = saved;
}

#define LOG_FN(name, level, pri)                                                                  \
    void name(const char *fmt, ...)                                                               \
    {                                                                                             \
        va_list ap;                                                                               \
        if (!log_enabled(level))                                                                  \
            return;                                                                               \
        va_start(ap, fmt);                                                                        \
        vlog(pri, fmt, ap, NULL);                                                                 \
        va_end(ap);                                                                               \
    }
LOG_FN(log_warnx, MDT_LOG_WARN, LOG_WARNING)
LOG_FN(log_info, MDT_LOG_INFO, LOG_INFO)
LOG_FN(log_debug, MDT_LOG_DEBUG, LOG_DEBUG)

void fatal(const char *fmt, ...)
{
    va_list ap;
    int saved = errno;

    va_start(ap, fmt);
    vlog(LOG_CRIT, fmt, ap, strerror(saved));
    va_end(ap);
    exit(1);
}

void fatalx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vlog(LOG_CRIT, fmt, ap, NULL);
    va_end(ap);
    exit(1);
}
