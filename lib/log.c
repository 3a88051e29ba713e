#define _GNU_SOURCE /* dup3 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* Set once at start-up, before the loop runs; read-only afterwards. */
static int log_foreground = 1;
static int log_level = MDT_LOG_INFO;
/* The descriptor lines go to. A reopened log file is dup2()ed onto the
 * same number, so the switch is a single system call. */
static int log_fd = STDERR_FILENO;
static char log_path[PATH_MAX];

void log_init(int foreground, int level, const char *ident)
{
    log_foreground = foreground;
    log_level = level;
    if (!foreground)
        openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

int log_open_file(const char *path)
{
    int fd;

    if (strlen(path) >= sizeof(log_path))
        return -ENAMETOOLONG;
    if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640)) < 0)
        return -errno;
    if (log_fd != STDERR_FILENO)
        close(log_fd);
    log_fd = fd;
    memcpy(log_path, path, strlen(path) + 1);
    return 0;
}

int log_reopen(void)
{
    int fd, rc = 0;

    if (log_fd == STDERR_FILENO)
        return 0;
    if ((fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640)) < 0)
        return -errno;
    if (dup3(fd, log_fd, O_CLOEXEC) < 0)
        rc = -errno;
    close(fd);
    return rc < 0 ? rc : 1;
}

int log_enabled(int level)
{
    return level <= log_level;
}

static char *two(char *o, unsigned v)
{
    o[0] = (char)('0' + v / 10 % 10);
    o[1] = (char)('0' + v % 10);
    return o + 2;
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ " by arithmetic (civil_from_days): no
 * time-zone lock, no locale, no strftime on every request's line. */
static size_t stamp(char *o)
{
    struct timespec ts;
    int64_t days, secs, z, era, y;
    unsigned doe, yoe, doy, mp, m, d, ms;
    char *p = o;

    clock_gettime(CLOCK_REALTIME, &ts);
    days = ts.tv_sec >= 0 ? ts.tv_sec / 86400 : -((-(int64_t)ts.tv_sec + 86399) / 86400);
    secs = ts.tv_sec - days * 86400;
    z = days + 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = (int64_t)yoe + era * 400 + (m <= 2);
    if (y < 0 || y > 9999)
        y = 0;
    p = two(p, (unsigned)(y / 100));
    p = two(p, (unsigned)(y % 100));
    *p++ = '-';
    p = two(p, m);
    *p++ = '-';
    p = two(p, d);
    *p++ = 'T';
    p = two(p, (unsigned)(secs / 3600));
    *p++ = ':';
    p = two(p, (unsigned)(secs / 60 % 60));
    *p++ = ':';
    p = two(p, (unsigned)(secs % 60));
    ms = (unsigned)(ts.tv_nsec / 1000000);
    *p++ = '.';
    *p++ = (char)('0' + ms / 100);
    p = two(p, ms % 100);
    *p++ = 'Z';
    *p++ = ' ';
    return (size_t)(p - o);
}

/* One line is one write(2): lines of concurrent writers never mix, and
 * there is no stdio buffer to flush. */
__attribute__((format(printf, 2, 0))) static void vlog(int pri, const char *fmt, va_list ap,
                                                      const char *suffix)
{
    char line[2200];
    int saved = errno;

    if (log_foreground) {
        size_t n = stamp(line), cap = sizeof(line) - 1; /* room for the newline */
        int k = vsnprintf(line + n, cap - n, fmt, ap);
        const char *p;

        n = k < 0 ? n : (size_t)k >= cap - n ? cap - 1 : n + (size_t)k;
        if (suffix) {
            k = snprintf(line + n, cap - n, ": %s", suffix);
            n = k < 0 ? n : (size_t)k >= cap - n ? cap - 1 : n + (size_t)k;
        }
        line[n++] = '\n';
        for (p = line; n > 0;) {
            ssize_t w = write(log_fd, p, n);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                break;
            p += w, n -= (size_t)w;
        }
    } else {
        char msg[2048];
        vsnprintf(msg, sizeof(msg), fmt, ap);
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
