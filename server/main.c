/* mdtd: the commands (init, serve), their arguments and the signals. */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
               "       mdtd --help | --version\n\n"
               "init creates the database (or applies pending migrations) and prints the\n"
               "first admin token once. serve runs the HTTP API; --check validates the\n"
               "configuration and exits.\n\n"
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

struct serve {
    uv_loop_t loop;
    uv_signal_t sigterm, sigint;
    struct mdt_server *srv;
};

static void on_stopped(void *arg)
{
    struct serve *s = arg;
    uv_stop(&s->loop);
}

static void on_signal(uv_signal_t *h, int signum)
{
    struct serve *s = h->data;

    log_info("mdtd: %s: stopping", signum == SIGTERM ? "SIGTERM" : "SIGINT");
    uv_close((uv_handle_t *)&s->sigterm, NULL);
    uv_close((uv_handle_t *)&s->sigint, NULL);
    mdt_server_stop(s->srv, on_stopped, s);
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
    signal(SIGPIPE, SIG_IGN);
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
    if ((s.srv = mdt_server_new(&s.loop, &cfg, db, scrub, &err)) == NULL) {
        log_warnx("mdtd: %s", mdt_buf_str(&err));
        goto out;
    }
    uv_signal_init(&s.loop, &s.sigterm);
    uv_signal_init(&s.loop, &s.sigint);
    s.sigterm.data = s.sigint.data = &s;
    uv_signal_start(&s.sigterm, on_signal, SIGTERM);
    uv_signal_start(&s.sigint, on_signal, SIGINT);
    if (mdt_server_start(s.srv, &err) < 0) {
        log_warnx("mdtd: %s", mdt_buf_str(&err));
        uv_close((uv_handle_t *)&s.sigterm, NULL);
        uv_close((uv_handle_t *)&s.sigint, NULL);
        mdt_server_stop(s.srv, on_stopped, &s);
        uv_run(&s.loop, UV_RUN_DEFAULT);
        goto out;
    }
    uv_run(&s.loop, UV_RUN_DEFAULT);
    log_info("mdtd: stopped");
    rc = 0;
out:
    if (s.srv)
        mdt_server_free(s.srv);
    if (loop_ready) {
        uv_run(&s.loop, UV_RUN_DEFAULT); /* the close callbacks */
        if (uv_loop_close(&s.loop) == UV_EBUSY) {
            uv_walk(&s.loop, close_any, NULL);
            uv_run(&s.loop, UV_RUN_DEFAULT);
            uv_loop_close(&s.loop);
        }
    }
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
    fprintf(stderr, "mdtd: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return 2;
}
