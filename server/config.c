/* The daemon's options in one table (after tmux's options-table.c): the
 * INI file, the command-line flags and --help all come from it. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ini.h"
#include "log.h"
#include "mdtd.h"
#include "recur.h"
#include "xmalloc.h"

enum opt_type { OPT_STRING, OPT_PATH, OPT_URL, OPT_LISTEN, OPT_SIZE, OPT_LEVEL, OPT_TZ, OPT_COUNT, OPT_SECONDS };

struct option_entry {
    const char *name;
    enum opt_type type;
    long long min, max;
    const char *def; /* NULL: unset */
    size_t off;
    const char *help;
};

#define OFF(f) offsetof(struct mdt_config, f)
static const struct option_entry options[] = {
    {"listen", OPT_LISTEN, 0, 0, "127.0.0.1:8470", OFF(listen),
     "address to listen on, HOST:PORT (port 0 picks a free one)"},
    {"db", OPT_PATH, 0, 0, "var/mdtd.db", OFF(db), "the SQLite database file"},
    {"public_url", OPT_URL, 0, 0, NULL, OFF(public_url),
     "the URL partners reach this server at (links in emails)"},
    {"smtp_url", OPT_URL, 0, 0, NULL, OFF(smtp_url), "SMTP relay, smtp://host:port/domain"},
    {"smtp_from", OPT_STRING, 0, 0, NULL, OFF(smtp_from), "sender address of outgoing email"},
    {"smtp_user", OPT_STRING, 0, 0, NULL, OFF(smtp_user),
     "user name for SMTP authentication (none when unset)"},
    {"smtp_password", OPT_STRING, 0, 0, NULL, OFF(smtp_password), "password of smtp_user"},
    {"outbox_concurrency", OPT_COUNT, 1, 256, "8", OFF(outbox_concurrency),
     "outbox transfers (SMTP, webhooks) under way at once"},
    {"outbox_attempts", OPT_COUNT, 1, 1000, "12", OFF(outbox_attempts),
     "attempts before an outbox message is marked failed"},
    {"outbox_backoff_min", OPT_SECONDS, 1, 86400, "30", OFF(outbox_backoff_min),
     "seconds before the first retry; doubled for each further one, with jitter"},
    {"outbox_backoff_max", OPT_SECONDS, 1, 604800, "3600", OFF(outbox_backoff_max),
     "longest wait between two attempts, seconds"},
    {"outbox_timeout", OPT_SECONDS, 1, 3600, "60", OFF(outbox_timeout),
     "seconds one delivery attempt may take before it is abandoned and retried"},
    {"outbox_poll", OPT_SECONDS, 1, 3600, "5", OFF(outbox_poll),
     "seconds between looks at the outbox table for messages due"},
    {"tls_cert", OPT_PATH, 0, 0, NULL, OFF(tls_cert),
     "PEM certificate chain: serve HTTPS and HTTP/2 (needs tls_key)"},
    {"tls_key", OPT_PATH, 0, 0, NULL, OFF(tls_key), "PEM private key of tls_cert"},
    {"max_body", OPT_SIZE, 1024, 64LL << 20, "1M", OFF(max_body),
     "largest request body in bytes (suffix K or M)"},
    {"log_level", OPT_LEVEL, 0, 2, "info", OFF(log_level), "warn, info or debug"},
    {"log_file", OPT_PATH, 0, 0, NULL, OFF(log_file),
     "append log lines to FILE instead of stderr; SIGHUP reopens it"},
    {"tz", OPT_TZ, 0, 0, "Europe/London", OFF(tz), "time zone of times in answers"},
    {"max_connections", OPT_COUNT, 1, 1000000, "10000", OFF(max_connections),
     "most client connections open at once; more are answered 503 and closed"},
    {"idle_timeout", OPT_SECONDS, 1, 3600, "60", OFF(idle_timeout),
     "seconds an idle HTTP/2 connection is kept open"},
    {"header_timeout", OPT_SECONDS, 1, 3600, "10", OFF(header_timeout),
     "seconds an HTTP/1 client has for its next whole request (headers and body), "
     "counted from the connection or its last answer: idle and slow clients are closed"},
    {"auth_fail_burst", OPT_COUNT, 1, 1000000, "20", OFF(auth_fail_burst),
     "failed authentications one address may make in a row before 429"},
    {"auth_fail_per_minute", OPT_COUNT, 1, 1000000, "10", OFF(auth_fail_per_minute),
     "failed authentications an address is allowed again per minute"},
    {"agenda_days", OPT_COUNT, 0, 60, "3", OFF(agenda_days),
     "days before a meeting its agenda is emailed to the list (0: on the day)"},
    {"scheduler_interval", OPT_SECONDS, 1, 86400, "60", OFF(scheduler_interval),
     "seconds between the scheduler's passes (meetings topped up, agendas sent)"},
    {"holidays_file", OPT_PATH, 0, 0, NULL, OFF(holidays_file),
     "extra one-off bank holidays, lines \"YYYY-MM-DD Name\" (\"-YYYY-MM-DD\" removes one)"},
    {"action_link_days", OPT_COUNT, 1, 3650, "90", OFF(action_link_days),
     "days a partner's personal action link works"},
    {"action_reminder_days", OPT_COUNT, 0, 365, "3", OFF(action_reminder_days),
     "days before an action is due that its owner is reminded (0: on the day)"},
    {"action_digest_interval", OPT_SECONDS, 1, 31536000, "604800", OFF(action_digest_interval),
     "seconds between the digests of overdue actions each organisation receives (a week)"},
    {"action_escalate_after", OPT_SECONDS, 0, 31536000, "1209600", OFF(action_escalate_after),
     "seconds an action may be overdue before the meeting's chair is told (two weeks)"},
    {"purge_after", OPT_SECONDS, 0, 315360000, "15552000", OFF(purge_after),
     "seconds after a case is closed or stepped down that its text is removed (180 days)"},
};
#define NOPTIONS (sizeof(options) / sizeof(options[0]))

static const char *type_name(enum opt_type t)
{
    switch (t) {
    case OPT_STRING: return "TEXT";
    case OPT_PATH: return "FILE";
    case OPT_URL: return "URL";
    case OPT_LISTEN: return "HOST:PORT";
    case OPT_SIZE: return "BYTES";
    case OPT_LEVEL: return "LEVEL";
    case OPT_TZ: return "ZONE";
    case OPT_COUNT: return "N";
    case OPT_SECONDS: return "SECONDS";
    }
    return "?";
}

static const struct option_entry *find(const char *name)
{
    char key[64];
    size_t i;

    for (i = 0; name[i] && i < sizeof(key) - 1; i++)
        key[i] = name[i] == '-' ? '_' : name[i];
    if (name[i])
        return NULL;
    key[i] = '\0';
    for (i = 0; i < NOPTIONS; i++)
        if (strcmp(options[i].name, key) == 0)
            return &options[i];
    return NULL;
}

int mdt_config_known(const char *name)
{
    return find(name) != NULL;
}

int mdt_config_split_listen(const char *listen, char **host, int *port)
{
    const char *colon = strrchr(listen, ':');
    char *end;
    long p;

    if (colon == NULL || colon == listen)
        return -EINVAL;
    errno = 0;
    p = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || errno != 0 || p < 0 || p > 65535)
        return -EINVAL;
    if (host)
        *host = mdt_xstrndup(listen, (size_t)(colon - listen));
    if (port)
        *port = (int)p;
    return 0;
}

static int parse_size(const char *v, long long *out)
{
    char *end;
    long long n;

    errno = 0;
    n = strtoll(v, &end, 10);
    if (end == v || errno != 0 || n < 0)
        return -EINVAL;
    if (*end == 'K' || *end == 'k') {
        if (n > LLONG_MAX / 1024)
            return -EINVAL;
        n *= 1024;
        end++;
    } else if (*end == 'M' || *end == 'm') {
        if (n > LLONG_MAX / (1024 * 1024))
            return -EINVAL;
        n *= 1024 * 1024;
        end++;
    }
    if (*end != '\0')
        return -EINVAL;
    *out = n;
    return 0;
}

static int set_entry(struct mdt_config *c, const struct option_entry *o, const char *v,
                     struct mdt_buf *err)
{
    char **sp = (char **)((char *)c + o->off);
    long long *np = (long long *)((char *)c + o->off);
    long long n;

    if (strlen(v) > 1024) {
        mdt_buf_printf(err, "%s: value longer than 1024 characters", o->name);
        return -EINVAL;
    }
    switch (o->type) {
    case OPT_LISTEN:
        if (mdt_config_split_listen(v, NULL, NULL) < 0) {
            mdt_buf_printf(err, "%s: not HOST:PORT with a port from 0 to 65535: \"%s\"", o->name, v);
            return -EINVAL;
        }
        break;
    case OPT_URL:
        if (*v && strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0 &&
            strncmp(v, "smtp://", 7) != 0 && strncmp(v, "smtps://", 8) != 0) {
            mdt_buf_printf(err, "%s: not a URL (http, https, smtp or smtps): \"%s\"", o->name, v);
            return -EINVAL;
        }
        break;
    case OPT_PATH:
        if (*v == '\0') {
            mdt_buf_printf(err, "%s: empty file name", o->name);
            return -EINVAL;
        }
        break;
    case OPT_TZ: {
        struct stat st;
        char *path;
        int bad = *v == '\0' || *v == '/' || strstr(v, "..") != NULL;

        if (!bad) {
            path = mdt_xasprintf("/usr/share/zoneinfo/%s", v);
            bad = stat(path, &st) != 0 || !S_ISREG(st.st_mode);
            free(path);
        }
        if (bad) {
            mdt_buf_printf(err, "%s: unknown time zone \"%s\"", o->name, v);
            return -EINVAL;
        }
        break;
    }
    case OPT_SIZE:
        if (parse_size(v, &n) < 0 || n < o->min || n > o->max) {
            mdt_buf_printf(err, "%s: must be a size from %lld to %lld bytes (K and M allowed): \"%s\"",
                           o->name, o->min, o->max, v);
            return -EINVAL;
        }
        *np = n;
        return 0;
    case OPT_COUNT:
    case OPT_SECONDS: {
        char *end;
        errno = 0;
        n = strtoll(v, &end, 10);
        if (*v < '0' || *v > '9' || *end != '\0' || errno != 0 || n < o->min || n > o->max) {
            mdt_buf_printf(err, "%s: must be a whole number from %lld to %lld%s: \"%s\"", o->name,
                           o->min, o->max, o->type == OPT_SECONDS ? " (seconds)" : "", v);
            return -EINVAL;
        }
        *np = n;
        return 0;
    }
    case OPT_LEVEL:
        if (strcmp(v, "warn") == 0)
            n = MDT_LOG_WARN;
        else if (strcmp(v, "info") == 0)
            n = MDT_LOG_INFO;
        else if (strcmp(v, "debug") == 0)
            n = MDT_LOG_DEBUG;
        else {
            mdt_buf_printf(err, "%s: must be warn, info or debug: \"%s\"", o->name, v);
            return -EINVAL;
        }
        *np = n;
        return 0;
    case OPT_STRING:
        break;
    }
    free(*sp);
    *sp = *v ? mdt_xstrdup(v) : NULL;
    return 0;
}

void mdt_config_init(struct mdt_config *c)
{
    struct mdt_buf err;

    memset(c, 0, sizeof(*c));
    mdt_buf_init(&err, 1024);
    for (size_t i = 0; i < NOPTIONS; i++)
        if (options[i].def)
            MDT_REQUIRE(set_entry(c, &options[i], options[i].def, &err) == 0);
    mdt_buf_release(&err);
}

void mdt_config_release(struct mdt_config *c)
{
    for (size_t i = 0; i < NOPTIONS; i++) {
        enum opt_type t = options[i].type;
        if (t != OPT_SIZE && t != OPT_LEVEL && t != OPT_COUNT && t != OPT_SECONDS)
            free(*(char **)((char *)c + options[i].off));
    }
    memset(c, 0, sizeof(*c));
}

int mdt_config_set(struct mdt_config *c, const char *name, const char *value, struct mdt_buf *err)
{
    const struct option_entry *o = find(name);

    if (o == NULL) {
        mdt_buf_printf(err, "unknown option \"%s\"", name);
        return -EINVAL;
    }
    return set_entry(c, o, value, err);
}

static int file_cb(const char *key, const char *value, int line, void *arg, struct mdt_buf *err)
{
    const struct option_entry *o = find(key);

    (void)line;
    if (o == NULL || strchr(key, '-') != NULL) {
        mdt_buf_printf(err, "unknown key \"%s\"", key);
        return -EINVAL;
    }
    return set_entry(arg, o, value, err);
}

int mdt_config_load(struct mdt_config *c, const char *path, struct mdt_buf *err)
{
    FILE *f = NULL;
    struct mdt_buf text, msg;
    char chunk[4096];
    size_t n;
    int rc = 0;

    mdt_buf_init(&text, 1 << 20);
    mdt_buf_init(&msg, 4096);
    if ((f = fopen(path, "r")) == NULL) {
        rc = -errno;
        mdt_buf_printf(err, "%s: %s", path, strerror(errno));
        goto out;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (mdt_buf_add(&text, chunk, n) < 0) {
            rc = -EFBIG;
            mdt_buf_printf(err, "%s: larger than 1 MiB", path);
            goto out;
        }
    }
    if (ferror(f)) {
        rc = -EIO;
        mdt_buf_printf(err, "%s: read error", path);
        goto out;
    }
    if ((rc = mdt_ini_parse(mdt_buf_str(&text), text.len, file_cb, c, &msg)) < 0)
        mdt_buf_printf(err, "%s:%s", path, mdt_buf_str(&msg));
out:
    if (f)
        fclose(f);
    mdt_buf_release(&text);
    mdt_buf_release(&msg);
    return rc;
}

int mdt_config_check(const struct mdt_config *c, struct mdt_buf *err)
{
    if ((c->tls_cert == NULL) != (c->tls_key == NULL)) {
        mdt_buf_printf(err, "tls_cert and tls_key go together: set both or neither");
        return -EINVAL;
    }
    if (c->holidays_file) {
        /* Read and parsed now, so --check and start-up name a bad line. */
        struct mdt_holidays *h = NULL;
        if (mdt_meetings_holidays(c, &h, err) < 0)
            return -EINVAL;
        mdt_holidays_free(h);
    }
    return 0;
}

void mdt_config_usage(FILE *f)
{
    for (size_t i = 0; i < NOPTIONS; i++) {
        char flag[80];
        size_t j;

        for (j = 0; options[i].name[j] && j < sizeof(flag) - 1; j++)
            flag[j] = options[i].name[j] == '_' ? '-' : options[i].name[j];
        flag[j] = '\0';
        fprintf(f, "  --%s %s\n      %s", flag, type_name(options[i].type), options[i].help);
        if (options[i].def)
            fprintf(f, " (default %s)", options[i].def);
        fputc('\n', f);
    }
}
