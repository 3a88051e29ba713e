/* mdtd: the commands (init, serve), their arguments and the signals. */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <uv.h>

#include "log.h"
#include "mdtd.h"
#include "scrub.h"
#include "xmalloc.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: mdtd init [--db FILE]\n"
               "       mdtd serve [--config FILE] [--check] [--OPTION VALUE ...]\n"
               "       mdtd backup [--db FILE] --to FILE\n"
               "       mdtd restore --from FILE [--db FILE]\n"
               "       mdtd --help | --version\n\n"
               "init creates the database (or applies pending migrations) and prints the\n"
               "first admin token once. serve runs the HTTP API; --check validates the\n"
               "configuration and exits. backup copies the database while mdtd runs;\n"
               "restore checks a backup and puts it in place of a database not in use.\n\n"
               "Options (config file keys use '_', flags '-'; flags override the file):\n"
               "  --config FILE\n      read KEY = VALUE lines from FILE\n");
    mdt_config_usage(f);
}

/* Splits "--name=value" / "--name value"; returns the value or NULL. */
static const char *flag_value(int argc, char **argv, int *i, char *name, size_t namesz)
{
    const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg) : strlen(arg);

    if (n >= namesz)
        n = namesz - 1;
    memcpy(name, arg, n);
    name[n] = '\0';
    if (eq)
        return eq + 1;
    if (*i + 1 < argc)
        return argv[++*i];
    return NULL;
}

static int cmd_init(int argc, char **argv)
{
    const char *path = "var/mdtd.db";
    struct mdt_db *db = NULL;
    struct mdt_buf err;
    int applied = 0, rc = 1, n;
    char *secret = NULL;
    int64_t id;

    mdt_buf_init(&err, 4096);
    for (int i = 0; i < argc; i++) {
        char name[64];
        const char *v;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            rc = 0;
            goto out;
        }
        if (strncmp(argv[i], "--", 2) != 0 || (v = flag_value(argc, argv, &i, name, sizeof(name))) == NULL ||
            strcmp(name, "db") != 0) {
            fprintf(stderr, "mdtd init: unknown or incomplete argument %s\n", argv[i]);
            rc = 2;
            goto out;
        }
        path = v;
    }
    log_init(1, MDT_LOG_INFO, "mdtd");
    mdt_db_global_init();
    if (mdt_db_open(path, 1, &db, &err) < 0 || mdt_db_migrate(db, &applied, &err) < 0) {
        fprintf(stderr, "mdtd init: %s\n", mdt_buf_str(&err));
        goto out;
    }
    printf("database %s: schema version %d (%d migration%s applied)\n", path,
           mdt_db_schema_version(db), applied, applied == 1 ? "" : "s");
    if ((n = mdt_token_count_admin(db)) < 0) {
        fprintf(stderr, "mdtd init: cannot read the tokens\n");
        goto out;
    }
    if (n > 0) {
        printf("an admin token exists already: no new one printed\n");
    } else {
        if (mdt_token_create(db, MDT_ROLE_ADMIN, "admin", 0, &secret, &id) < 0) {
            fprintf(stderr, "mdtd init: cannot create the admin token\n");
            goto out;
        }
        printf("admin token: %s\n", secret);
        printf("keep it safe: it is shown only this once\n");
    }
    fflush(stdout);
    rc = 0;
out:
    if (secret) {
        sodium_memzero(secret, strlen(secret));
        free(secret);
    }
    mdt_db_close(db);
    mdt_buf_release(&err);
    return rc;
}

/* Parses "--db FILE"-style arguments of backup and restore: each name in
 * names[] (NULL-terminated) fills the same index of vals[]. */
static int file_args(const char *cmd, int argc, char **argv, const char *const *names,
                     const char **vals)
{
    for (int i = 0; i < argc; i++) {
        char name[64];
        const char *v;
        size_t k;

        if (strncmp(argv[i], "--", 2) != 0 || (v = flag_value(argc, argv, &i, name, sizeof(name))) == NULL) {
            fprintf(stderr, "mdtd %s: unknown or incomplete argument %s\n", cmd, argv[i]);
            return -1;
        }
        for (k = 0; names[k] && strcmp(names[k], name) != 0; k++)
            ;
        if (names[k] == NULL || *v == '\0') {
            fprintf(stderr, "mdtd %s: unknown option or empty value --%s\n", cmd, name);
            return -1;
        }
        vals[k] = v;
    }
    return 0;
}

static int cmd_backup(int argc, char **argv)
{
    static const char *const names[] = {"db", "to", NULL};
    const char *vals[2] = {"var/mdtd.db", NULL};
    struct mdt_buf err;
    int rc = 2;

    mdt_buf_init(&err, 4096);
    if (argc == 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
        usage(stdout);
        rc = 0;
        goto out;
    }
    if (file_args("backup", argc, argv, names, vals) < 0)
        goto out;
    if (vals[1] == NULL) {
        fprintf(stderr, "mdtd backup: --to FILE is required\n");
        goto out;
    }
    rc = 1;
    log_init(1, MDT_LOG_WARN, "mdtd");
    mdt_db_global_init();
    if (mdt_backup_copy(vals[0], vals[1], isatty(STDERR_FILENO), &err) < 0) {
        fprintf(stderr, "mdtd backup: %s\n", mdt_buf_str(&err));
        goto out;
    }
    printf("backup of %s written to %s\n", vals[0], vals[1]);
    rc = 0;
out:
    mdt_buf_release(&err);
    return rc;
}

static int cmd_restore(int argc, char **argv)
{
    static const char *const names[] = {"from", "db", NULL};
    const char *vals[2] = {NULL, "var/mdtd.db"};
    struct mdt_buf err;
    char *kept = NULL;
    int rc = 2;

    mdt_buf_init(&err, 4096);
    if (argc == 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
        usage(stdout);
        rc = 0;
        goto out;
    }
    if (file_args("restore", argc, argv, names, vals) < 0)
        goto out;
    if (vals[0] == NULL) {
        fprintf(stderr, "mdtd restore: --from FILE is required\n");
        goto out;
    }
    rc = 1;
    log_init(1, MDT_LOG_WARN, "mdtd");
    mdt_db_global_init();
    if (mdt_backup_restore(vals[0], vals[1], isatty(STDERR_FILENO), &kept, &err) < 0) {
        fprintf(stderr, "mdtd restore: %s\n", mdt_buf_str(&err));
        goto out;
    }
    printf("%s restored from %s\n", vals[1], vals[0]);
    if (kept)
        printf("the database it replaced is kept as %s\n", kept);
    rc = 0;
out:
    free(kept);
    mdt_buf_release(&err);
    return rc;
}

/* The service manager's readiness protocol (sd_notify(3)), by hand: one
 * datagram to the AF_UNIX socket named by $NOTIFY_SOCKET ('@' for the
 * abstract namespace). Nothing happens when it is not set. */
static void notify(const char *state)
{
    const char *path = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sa;
    socklen_t len;
    size_t n;
    int fd;

    if (path == NULL || (path[0] != '/' && path[0] != '@') || (n = strlen(path)) < 2 ||
        n >= sizeof(sa.sun_path))
        return;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, n);
    if (path[0] == '@')
        sa.sun_path[0] = '\0';
    len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
        log_warn("mdtd: notify socket");
        return;
    }
    if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0)
        log_warn("mdtd: notify %s", path);
    close(fd);
}

struct serve {
    uv_loop_t loop;
    uv_signal_t sigterm, sigint, sighup;
    struct mdt_server *srv;
    struct mdt_outbox *outbox;
    struct mdt_scheduler *sched; /* closes itself on stop */
    struct mdt_checkpointer *ckpt;
    struct mdt_fanout *fanout; /* closes itself on stop */
    uv_timer_t outbox_retry;   /* the outbox's start, again, while the database is read-only */
    int outbox_retry_open;
    struct mdt_db *db; /* borrowed: taken back by the retry when it can be written */
    struct mdt_reports *reports; /* reports on the thread pool */
};

/* The outbox's start writes (it puts back rows a previous run left
 * 'sending'): on a read-only database it fails, and is tried again every
 * outbox_poll seconds, so that mail flows once the database can be
 * written, without a restart. */
static void on_outbox_retry(uv_timer_t *t)
{
    struct serve *s = t->data;

    /* Takes the database back if it can be written now, even when no
     * request comes to do so. */
    (void)mdt_db_writable(s->db);
    if (mdt_outbox_start(s->outbox) < 0)
        return;
    log_info("mdtd: the outbox has started");
    uv_timer_stop(t);
}

static void on_outbox_stopped(void *arg)
{
    struct serve *s = arg;
    uv_stop(&s->loop);
}

/* The HTTP side first, then the outbox (a request may still queue mail). */
static void on_stopped(void *arg)
{
    struct serve *s = arg;
    if (s->outbox) {
        mdt_outbox_stop(s->outbox, on_outbox_stopped, s);
        return;
    }
    uv_stop(&s->loop);
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct serve *s = h->data;

    log_info("mdtd: %s: stopping", signum == SIGTERM ? "SIGTERM" : "SIGINT");
    notify("STOPPING=1\nSTATUS=stopping");
    uv_close((uv_handle_t *)&s->sigterm, NULL);
    uv_close((uv_handle_t *)&s->sigint, NULL);
    uv_close((uv_handle_t *)&s->sighup, NULL);
    mdt_scheduler_stop(s->sched);
    s->sched = NULL;
    if (s->outbox_retry_open)
        uv_timer_stop(&s->outbox_retry);
    if (s->outbox)
        mdt_outbox_set_kick_hook(s->outbox, NULL, NULL);
    mdt_fanout_stop(s->fanout); /* pending jobs resume at the next start */
    s->fanout = NULL;
    mdt_reports_stop(s->reports); /* running reports end (503) so connections can close */
    mdt_server_stop(s->srv, on_stopped, s);
}

/* SIGHUP: logrotate has moved the log file away; write to a new one. */
static void on_hup(uv_signal_t *h, int signum)
{
    int rc = log_reopen();

    (void)h;
    (void)signum;
    if (rc < 0)
        log_warnx("mdtd: SIGHUP: cannot reopen the log file: %s", strerror(-rc));
    else if (rc > 0)
        log_info("mdtd: SIGHUP: log file reopened");
    else
        log_info("mdtd: SIGHUP: no log_file to reopen (logging to stderr)");
}

static void close_any(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static int parse_serve_args(int argc, char **argv, struct mdt_config *cfg, int *check,
                            struct mdt_buf *err)
{
    const char *config_file = NULL;
    char name[64];
    int i;

    /* The file first, so that flags override it wherever they stand. */
    for (i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 || strncmp(argv[i], "--config=", 9) == 0) {
            if ((config_file = flag_value(argc, argv, &i, name, sizeof(name))) == NULL) {
                mdt_buf_printf(err, "--config: needs a file name");
                return -EINVAL;
            }
        }
    }
    if (config_file && mdt_config_load(cfg, config_file, err) < 0)
        return -EINVAL;
    for (i = 0; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--check") == 0) {
            *check = 1;
            continue;
        }
        if (strncmp(argv[i], "--", 2) != 0) {
            mdt_buf_printf(err, "unexpected argument \"%s\"", argv[i]);
            return -EINVAL;
        }
        v = flag_value(argc, argv, &i, name, sizeof(name));
        if (strcmp(name, "config") == 0)
            continue;
        if (!mdt_config_known(name)) {
            mdt_buf_printf(err, "--%s: unknown option (see mdtd serve --help)", name);
            return -EINVAL;
        }
        if (v == NULL) {
            mdt_buf_printf(err, "--%s: needs a value", name);
            return -EINVAL;
        }
        if (mdt_config_set(cfg, name, v, err) < 0) {
            /* "name: message" → "--flag: message" */
            struct mdt_buf tmp;
            const char *msg = mdt_buf_str(err), *colon = strchr(msg, ':');
            mdt_buf_init(&tmp, 4096);
            mdt_buf_printf(&tmp, "--%s%s", name, colon ? colon : "");
            mdt_buf_reset(err);
            mdt_buf_adds(err, mdt_buf_str(&tmp));
            mdt_buf_release(&tmp);
            return -EINVAL;
        }
    }
    return mdt_config_check(cfg, err);
}

static int cmd_serve(int argc, char **argv)
{
    struct mdt_config cfg;
    struct mdt_buf err;
    struct mdt_db *db = NULL;
    struct mdt_scrub_ctx *scrub = NULL;
    struct serve s;
    int check = 0, applied, rc = 1, loop_ready = 0;

    memset(&s, 0, sizeof(s));
    mdt_config_init(&cfg);
    mdt_buf_init(&err, 8192);
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            rc = 0;
            goto out;
        }
    if (parse_serve_args(argc, argv, &cfg, &check, &err) < 0) {
        fprintf(stderr, "mdtd: %s\n", mdt_buf_str(&err));
        goto out;
    }
    if (check) {
        printf("configuration OK\n");
        rc = 0;
        goto out;
    }
    /* Times in answers are local to the deployment: set once, here. */
    setenv("TZ", cfg.tz, 1);
    tzset();
    log_init(1, (int)cfg.log_level, "mdtd");
    if (cfg.log_file && (applied = log_open_file(cfg.log_file)) < 0) {
        fprintf(stderr, "mdtd: log_file %s: %s\n", cfg.log_file, strerror(-applied));
        goto out;
    }
    signal(SIGPIPE, SIG_IGN);
    /* A file size limit reached (RLIMIT_FSIZE) is a full disk by another
     * name: the write fails (EFBIG), the change is answered 503, and the
     * daemon goes on serving reads instead of dying of the signal. */
    signal(SIGXFSZ, SIG_IGN);
    /* Every answer is built in a fresh buffer of tens of kilobytes and
     * freed once sent. By default glibc gives the top of the heap back
     * to the kernel after each free and faults the pages in again for
     * the next answer; keep a few megabytes instead. */
    mallopt(M_TRIM_THRESHOLD, 32 << 20);
    mallopt(M_TOP_PAD, 1 << 20);
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
    if (sodium_init() < 0)
        fatalx("mdtd: libsodium cannot start");
    mdt_db_global_init();
    if (mdt_db_open(cfg.db, 0, &db, &err) < 0 || mdt_db_migrate(db, &applied, &err) < 0) {
        log_warnx("mdtd: %s", mdt_buf_str(&err));
        goto out;
    }
    scrub = mdt_scrub_ctx_new();
    uv_loop_init(&s.loop);
    loop_ready = 1;
    s.ckpt = mdt_checkpointer_new(&s.loop, db, cfg.db, 0);
    if ((s.srv = mdt_server_new(&s.loop, &cfg, db, scrub, &err)) == NULL) {
        log_warnx("mdtd: %s", mdt_buf_str(&err));
        goto out;
    }
    if ((s.outbox = mdt_outbox_new(&s.loop, &cfg, db, &err)) == NULL) {
        log_warnx("mdtd: %s", mdt_buf_str(&err));
        goto out;
    }
    mdt_server_set_outbox(s.srv, s.outbox);
    s.reports = mdt_reports_new(&s.loop, cfg.db);
    mdt_server_set_reports(s.srv, s.reports);
    s.fanout = mdt_fanout_new(&s.loop, &cfg, db, s.outbox);
    mdt_outbox_set_kick_hook(s.outbox, mdt_fanout_kick, s.fanout);
    if ((s.sched = mdt_scheduler_new(&s.loop, &cfg, db, &err)) == NULL) {
        log_warnx("mdtd: %s", mdt_buf_str(&err));
        goto out;
    }
    mdt_scheduler_set_outbox(s.sched, s.outbox);
    uv_signal_init(&s.loop, &s.sigterm);
    uv_signal_init(&s.loop, &s.sigint);
    uv_signal_init(&s.loop, &s.sighup);
    s.sigterm.data = s.sigint.data = s.sighup.data = &s;
    uv_signal_start(&s.sigterm, on_signal, SIGTERM);
    uv_signal_start(&s.sigint, on_signal, SIGINT);
    uv_signal_start(&s.sighup, on_hup, SIGHUP);
    if (mdt_server_start(s.srv, &err) < 0) {
        log_warnx("mdtd: %s", mdt_buf_str(&err));
        uv_close((uv_handle_t *)&s.sigterm, NULL);
        uv_close((uv_handle_t *)&s.sigint, NULL);
        uv_close((uv_handle_t *)&s.sighup, NULL);
        mdt_server_stop(s.srv, on_stopped, &s);
        uv_run(&s.loop, UV_RUN_DEFAULT);
        goto out;
    }
    if (mdt_outbox_start(s.outbox) < 0) {
        log_warnx("mdtd: the outbox cannot start (is the database read-only?): nothing is "
                  "delivered until it can; trying again every %lld s", cfg.outbox_poll);
        uv_timer_init(&s.loop, &s.outbox_retry);
        s.outbox_retry.data = &s;
        s.db = db;
        s.outbox_retry_open = 1;
        uv_timer_start(&s.outbox_retry, on_outbox_retry, (uint64_t)cfg.outbox_poll * 1000,
                       (uint64_t)cfg.outbox_poll * 1000);
    }
    mdt_scheduler_start(s.sched);
    mdt_fanout_start(s.fanout);
    notify("READY=1\nSTATUS=serving");
    uv_run(&s.loop, UV_RUN_DEFAULT);
    log_info("mdtd: stopped");
    rc = 0;
out:
    mdt_scheduler_stop(s.sched);
    if (s.outbox)
        mdt_outbox_set_kick_hook(s.outbox, NULL, NULL);
    mdt_fanout_stop(s.fanout);
    if (s.srv)
        mdt_server_free(s.srv);
    mdt_checkpointer_free(s.ckpt, db); /* a running checkpoint ends in the loop below */
    mdt_reports_free(s.reports);         /* and so does a running report */
    if (loop_ready) {
        uv_run(&s.loop, UV_RUN_DEFAULT); /* the close callbacks */
        if (uv_loop_close(&s.loop) == UV_EBUSY) {
            uv_walk(&s.loop, close_any, NULL);
            uv_run(&s.loop, UV_RUN_DEFAULT);
            uv_loop_close(&s.loop);
        }
    }
    mdt_outbox_free(s.outbox); /* its handles are closed by now */
    if (scrub)
        mdt_scrub_ctx_free(scrub);
    mdt_db_close(db);
    mdt_config_release(&cfg);
    mdt_buf_release(&err);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("mdtd %s\n", MDTD_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "init") == 0)
        return cmd_init(argc - 2, argv + 2);
    if (strcmp(argv[1], "serve") == 0)
        return cmd_serve(argc - 2, argv + 2);
    if (strcmp(argv[1], "backup") == 0)
        return cmd_backup(argc - 2, argv + 2);
    if (strcmp(argv[1], "restore") == 0)
        return cmd_restore(argc - 2, argv + 2);
    fprintf(stderr, "mdtd: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return 2;
}
