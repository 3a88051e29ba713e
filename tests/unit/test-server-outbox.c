/* The outbox on a real libuv loop against real servers on loopback:
 * tests/tools/smtp-sink.py (aiosmtpd) and tests/tools/webhook-sink.py,
 * started by each test. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "../../server/mdtd.h"
#include "test.h"
#include "xmalloc.h"

struct sink {
    pid_t pid;
    int port;
    char *dir;
};

static const char *tool(const char *name)
{
    static char path[4096];
    const char *src = getenv("MDT_SRCDIR");

    snprintf(path, sizeof(path), "%s/tests/tools/%s", src ? src : ".", name);
    if (access(path, R_OK) != 0)
        TEST_FAIL("cannot find %s (run from the source tree or set MDT_SRCDIR)", path);
    return path;
}

/* Starts a sink script; port 0 picks one. extra: NULL-terminated args. */
static void sink_start(struct sink *s, const char *script, const char *subdir, int port,
                       const char *const *extra)
{
    char *pf = mdt_xasprintf("%s/%s.port", test_tmpdir(), subdir);
    char portarg[16];
    const char *argv[20];
    int n = 0;

    s->dir = mdt_xasprintf("%s/%s", test_tmpdir(), subdir);
    unlink(pf);
    snprintf(portarg, sizeof(portarg), "%d", port);
    argv[n++] = "/usr/bin/python3";
    argv[n++] = tool(script);
    argv[n++] = "--dir";
    argv[n++] = s->dir;
    argv[n++] = "--port-file";
    argv[n++] = pf;
    argv[n++] = "--port";
    argv[n++] = portarg;
    for (; extra && *extra; extra++)
        argv[n++] = *extra;
    argv[n] = NULL;
    if ((s->pid = fork()) == 0) {
        /* the sink ends with the test even when the test fails, and
         * keeps no pipe of the runner open */
        char *log = mdt_xasprintf("%s.log", s->dir);
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    ASSERT(s->pid > 0);
    for (int i = 0; i < 200; i++) {
        FILE *f = fopen(pf, "r");
        if (f) {
            ASSERT_EQ(fscanf(f, "%d", &s->port), 1);
            fclose(f);
            free(pf);
            return;
        }
        usleep(25000);
    }
    TEST_FAIL("%s did not start", script);
}

static void sink_stop(struct sink *s)
{
    int status;

    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, &status, 0);
        s->pid = 0;
    }
}

static void sink_release(struct sink *s)
{
    sink_stop(s);
    free(s->dir);
    s->dir = NULL;
}

/* Names of the files in dir ending in suffix, sorted; *n their count. */
static char **list_files(const char *dir, const char *suffix, int *n)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **v = NULL;

    *n = 0;
    if (d == NULL)
        return NULL;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name), sl = strlen(suffix);
        if (e->d_name[0] == '.' || l < sl || strcmp(e->d_name + l - sl, suffix) != 0)
            continue;
        v = mdt_xreallocarray(v, (size_t)*n + 1, sizeof(*v));
        v[(*n)++] = mdt_xasprintf("%s/%s", dir, e->d_name);
    }
    closedir(d);
    return v;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    struct mdt_buf b;
    char chunk[4096];
    size_t n;

    ASSERT(f != NULL);
    mdt_buf_init(&b, MDT_BUF_NOCAP);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        mdt_buf_add(&b, chunk, n);
    fclose(f);
    return mdt_buf_detach(&b);
}

static void free_list(char **v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* The value of header name (one line) in msg, new. */
static char *header(const char *msg, const char *name)
{
    char *key = mdt_xasprintf("\r\n%s: ", name);
    const char *p = strstr(msg, key), *e;
    char *v;

    if (p == NULL) {
        free(key);
        return NULL;
    }
    p += strlen(key);
    free(key);
    e = strstr(p, "\r\n");
    v = mdt_xstrndup(p, (size_t)(e - p));
    return v;
}

struct env {
    uv_loop_t loop;
    struct mdt_config cfg;
    struct mdt_db *db;
    struct mdt_outbox *ob;
    uv_timer_t check, tick;
    int64_t (*cond)(struct env *);
    int64_t want;
    uint64_t deadline;
    int met, stopped;
    /* responsiveness: ticks of a 10 ms timer, and the longest gap */
    uint64_t ticks, last_tick, max_gap;
};

static int64_t count_where(struct env *e, const char *sql)
{
    sqlite3_stmt *st = mdt_db_stmt(e->db, sql);
    int64_t n;

    ASSERT(st != NULL);
    ASSERT_EQ(mdt_db_step(e->db, st), 1);
    n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return n;
}

static int64_t n_sent(struct env *e)
{
    return count_where(e, "SELECT count(*) FROM outbox WHERE status = 'sent'");
}

static int64_t n_failed(struct env *e)
{
    return count_where(e, "SELECT count(*) FROM outbox WHERE status = 'failed'");
}

/* rows with a failed attempt behind them, not sent */
static int64_t n_retried(struct env *e)
{
    return count_where(e, "SELECT count(*) FROM outbox WHERE status <> 'sent' AND attempts > 0");
}

static int64_t second_retried(struct env *e)
{
    return count_where(e, "SELECT count(*) FROM outbox WHERE id = 2 AND attempts > 0");
}

static void on_check(uv_timer_t *t)
{
    struct env *e = t->data;

    if ((e->cond && e->cond(e) >= e->want) || uv_now(&e->loop) >= e->deadline) {
        e->met = e->cond && e->cond(e) >= e->want;
        uv_stop(&e->loop);
    }
}

static void on_tick(uv_timer_t *t)
{
    struct env *e = t->data;
    uint64_t now = uv_hrtime();

    if (e->last_tick && now - e->last_tick > e->max_gap)
        e->max_gap = now - e->last_tick;
    e->last_tick = now;
    e->ticks++;
}

/* Runs the loop until cond(e) >= want or ms have passed; 1 when met. */
static int run_until(struct env *e, int64_t (*cond)(struct env *), int64_t want, uint64_t ms)
{
    e->cond = cond;
    e->want = want;
    e->met = 0;
    uv_update_time(&e->loop);
    e->deadline = uv_now(&e->loop) + ms;
    uv_timer_start(&e->check, on_check, 20, 20);
    uv_run(&e->loop, UV_RUN_DEFAULT);
    uv_timer_stop(&e->check);
    return e->met;
}

static void set(struct env *e, const char *k, const char *v)
{
    struct mdt_buf err;

    mdt_buf_init(&err, 256);
    if (mdt_config_set(&e->cfg, k, v, &err) < 0)
        TEST_FAIL("config %s: %s", k, mdt_buf_str(&err));
    mdt_buf_release(&err);
}

static void env_init(struct env *e, int smtp_port)
{
    char *path = mdt_xasprintf("%s/outbox.db", test_tmpdir());
    struct mdt_buf err;
    int applied;

    memset(e, 0, sizeof(*e));
    mdt_buf_init(&err, 1024);
    mdt_config_init(&e->cfg);
    if (smtp_port) {
        char *url = mdt_xasprintf("smtp://127.0.0.1:%d", smtp_port);
        set(e, "smtp_url", url);
        free(url);
    }
    set(e, "smtp_from", "mdt@example.org");
    set(e, "outbox_backoff_min", "1");
    set(e, "outbox_backoff_max", "1");
    set(e, "outbox_timeout", "2");
    set(e, "outbox_poll", "1");
    set(e, "outbox_attempts", "5");
    set(e, "outbox_concurrency", "4");
    mdt_db_global_init();
    ASSERT_EQ(mdt_db_open(path, 1, &e->db, &err), 0);
    ASSERT_EQ(mdt_db_migrate(e->db, &applied, &err), 0);
    ASSERT_EQ(uv_loop_init(&e->loop), 0);
    uv_timer_init(&e->loop, &e->check);
    uv_timer_init(&e->loop, &e->tick);
    e->check.data = e->tick.data = e;
    e->ob = mdt_outbox_new(&e->loop, &e->cfg, e->db, &err);
    if (e->ob == NULL)
        TEST_FAIL("outbox: %s", mdt_buf_str(&err));
    free(path);
    mdt_buf_release(&err);
}

static void on_ob_stopped(void *arg)
{
    struct env *e = arg;
    e->stopped = 1;
}

/* Stops the outbox cleanly; the loop must then hold no handle at all.
 * The database stays open. */
static void env_release_keep_db(struct env *e)
{
    mdt_outbox_stop(e->ob, on_ob_stopped, e);
    uv_close((uv_handle_t *)&e->check, NULL);
    uv_close((uv_handle_t *)&e->tick, NULL);
    uv_run(&e->loop, UV_RUN_DEFAULT);
    ASSERT(e->stopped);
    mdt_outbox_free(e->ob);
    ASSERT_EQ(uv_loop_close(&e->loop), 0);
    mdt_config_release(&e->cfg);
}

static void env_release(struct env *e)
{
    env_release_keep_db(e);
    mdt_db_close(e->db);
}

static void queue_mails(struct env *e, int n, const char *tag)
{
    ASSERT_EQ(mdt_db_begin(e->db), 0);
    for (int i = 0; i < n; i++) {
        char to[64], subject[64];
        struct mdt_mail m = {.to = to, .to_name = "Ann Lee", .subject = subject,
                             .text = "The MDT meets on Tuesday.\n", .ref = "series:1"};
        int64_t id = 0;
        snprintf(to, sizeof(to), "p%s%d@partner.example", tag, i);
        snprintf(subject, sizeof(subject), "MDT %s %d", tag, i);
        ASSERT_EQ(mdt_outbox_add_mail(e->db, &e->cfg, &m, &id), 0);
        ASSERT(id > 0);
    }
    ASSERT_EQ(mdt_db_commit(e->db), 0);
}

/* Every message in the sink: each recipient once, each Message-ID once
 * and equal to the row's; returns how many. */
static int check_delivered_once(struct env *e, struct sink *s, const char *tag, int n)
{
    int nf, seen[64] = {0};
    char **files = list_files(s->dir, ".eml", &nf);

    ASSERT(n <= 64);
    for (int i = 0; i < nf; i++) {
        char *msg = slurp(files[i]), *mid = header(msg, "Message-ID"), *rcpt, *helo;
        sqlite3_stmt *st;
        int k;
        /* the sink's own lines come first, without a leading CRLF */
        ASSERT(strncmp(msg, "X-Sink-Helo: example.org\r\n", 26) == 0);
        helo = header(msg, "X-Sink-Mail-From");
        ASSERT_STREQ(helo, "mdt@example.org");
        rcpt = header(msg, "X-Sink-Rcpt-To");
        ASSERT(rcpt != NULL);
        ASSERT_EQ(sscanf(rcpt + 1 + strlen(tag), "%d@", &k), 1);
        ASSERT(k >= 0 && k < n);
        seen[k]++;
        ASSERT(mid != NULL && mid[0] == '<');
        st = mdt_db_stmt(e->db, "SELECT count(*) FROM outbox WHERE recipient = ?1 AND "
                                "'<' || message_id || '>' = ?2 AND status = 'sent'");
        sqlite3_bind_text(st, 1, rcpt, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, mid, -1, SQLITE_TRANSIENT);
        ASSERT_EQ(mdt_db_step(e->db, st), 1);
        ASSERT_EQ(sqlite3_column_int(st, 0), 1);
        sqlite3_reset(st);
        free(helo);
        free(rcpt);
        free(mid);
        free(msg);
    }
    for (int k = 0; k < n; k++)
        if (seen[k] != 1)
            TEST_FAIL("recipient %d got %d messages", k, seen[k]);
    free_list(files, nf);
    return nf;
}

TEST(outbox_delivers_each_message_once_and_resumes_interrupted_sends)
{
    struct sink s = {0};
    struct env e;
    sqlite3_stmt *st;
    char *mid;

    sink_start(&s, "smtp-sink.py", "mail", 0, NULL);
    env_init(&e, s.port);
    queue_mails(&e, 30, "a");
    /* as if mdtd had died in the middle of sending message 7 */
    ASSERT_EQ(sqlite3_exec(mdt_db_handle(e.db), "UPDATE outbox SET status = 'sending' WHERE id = 7",
                           NULL, NULL, NULL), SQLITE_OK);
    st = mdt_db_stmt(e.db, "SELECT message_id FROM outbox WHERE id = 7");
    ASSERT_EQ(mdt_db_step(e.db, st), 1);
    mid = mdt_xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    ASSERT_EQ(mdt_outbox_start(e.ob), 0);
    ASSERT(run_until(&e, n_sent, 30, 20000));
    ASSERT_EQ(check_delivered_once(&e, &s, "a", 30), 30);
    /* the resumed one went out under the Message-ID it was given */
    st = mdt_db_stmt(e.db, "SELECT message_id, attempts FROM outbox WHERE id = 7");
    ASSERT_EQ(mdt_db_step(e.db, st), 1);
    ASSERT_STREQ((const char *)sqlite3_column_text(st, 0), mid);
    ASSERT_EQ(sqlite3_column_int(st, 1), 1);
    sqlite3_reset(st);
    free(mid);
    env_release(&e);
    sink_release(&s);
}

TEST(outbox_keeps_mail_while_smtp_is_down_and_sends_it_once_back)
{
    struct sink s = {0};
    struct env e;
    int port;

    /* a port that was just free: nothing listens on it now */
    sink_start(&s, "smtp-sink.py", "mail", 0, NULL);
    port = s.port;
    sink_stop(&s);
    env_init(&e, port);
    queue_mails(&e, 6, "b");
    ASSERT_EQ(mdt_outbox_start(e.ob), 0);
    ASSERT(run_until(&e, n_retried, 6, 10000));
    ASSERT_EQ(n_sent(&e), 0);
    ASSERT_EQ(count_where(&e, "SELECT count(*) FROM outbox WHERE last_error LIKE '%onnect%'"), 6);
    free(s.dir);
    sink_start(&s, "smtp-sink.py", "mail", port, NULL);
    ASSERT(run_until(&e, n_sent, 6, 15000));
    ASSERT_EQ(check_delivered_once(&e, &s, "b", 6), 6);
    env_release(&e);
    sink_release(&s);
}

TEST(outbox_stalling_server_times_out_loop_stays_responsive)
{
    static const char *const stall[] = {"--stall", NULL};
    struct sink s = {0};
    struct env e;
    int port;
    uint64_t t0;

    sink_start(&s, "smtp-sink.py", "mail", 0, stall);
    port = s.port;
    env_init(&e, port);
    queue_mails(&e, 2, "c");
    uv_timer_start(&e.tick, on_tick, 10, 10);
    t0 = uv_hrtime();
    ASSERT_EQ(mdt_outbox_start(e.ob), 0);
    ASSERT(run_until(&e, n_retried, 2, 8000));
    /* a 10 ms timer kept firing the whole time: nothing blocked the loop */
    if (e.ticks < (uv_hrtime() - t0) / 10000000 / 2)
        TEST_FAIL("%llu ticks of 10 ms in %llu ms, longest gap %llu ms", (unsigned long long)e.ticks,
                  (unsigned long long)((uv_hrtime() - t0) / 1000000),
                  (unsigned long long)(e.max_gap / 1000000));
    if (e.max_gap > 200000000ULL)
        TEST_FAIL("the loop stalled for %llu ms", (unsigned long long)(e.max_gap / 1000000));
    ASSERT_EQ(count_where(&e, "SELECT count(*) FROM outbox WHERE last_error LIKE '%imeout%' "
                              "OR last_error LIKE '%imed out%'"), 2);
    uv_timer_stop(&e.tick);
    /* a working server on the same port: retried and delivered */
    sink_stop(&s);
    free(s.dir);
    sink_start(&s, "smtp-sink.py", "mail", port, NULL);
    ASSERT(run_until(&e, n_sent, 2, 15000));
    ASSERT_EQ(check_delivered_once(&e, &s, "c", 2), 2);
    env_release(&e);
    sink_release(&s);
}

TEST(outbox_permanent_5xx_fails_with_reason_4xx_retries)
{
    static const char *const r550[] = {"--reply", "550", NULL};
    static const char *const r451[] = {"--reply", "451", NULL};
    struct sink s = {0};
    struct env e;
    sqlite3_stmt *st;
    int port;

    sink_start(&s, "smtp-sink.py", "mail", 0, r550);
    port = s.port;
    env_init(&e, port);
    queue_mails(&e, 1, "d");
    ASSERT_EQ(mdt_outbox_start(e.ob), 0);
    ASSERT(run_until(&e, n_failed, 1, 10000));
    st = mdt_db_stmt(e.db, "SELECT attempts, last_error FROM outbox WHERE id = 1");
    ASSERT_EQ(mdt_db_step(e.db, st), 1);
    ASSERT_EQ(sqlite3_column_int(st, 0), 1);
    ASSERT_CONTAINS((const char *)sqlite3_column_text(st, 1), "550");
    sqlite3_reset(st);
    /* a 4xx is temporary: retried until the attempts run out */
    sink_stop(&s);
    free(s.dir);
    sink_start(&s, "smtp-sink.py", "mail", port, r451);
    queue_mails(&e, 1, "e");
    mdt_outbox_kick(e.ob);
    ASSERT(run_until(&e, second_retried, 1, 10000));
    st = mdt_db_stmt(e.db, "SELECT status, last_error FROM outbox WHERE id = 2");
    ASSERT_EQ(mdt_db_step(e.db, st), 1);
    /* pending, or being tried again just now */
    ASSERT(strcmp((const char *)sqlite3_column_text(st, 0), "failed") != 0 &&
           strcmp((const char *)sqlite3_column_text(st, 0), "sent") != 0);
    ASSERT_CONTAINS((const char *)sqlite3_column_text(st, 1), "451");
    sqlite3_reset(st);
    env_release(&e);
    sink_release(&s);
}

TEST(outbox_webhook_signed_and_verified_by_receiver)
{
    static const char *const secret[] = {"--secret", "s3cret-of-partner", NULL};
    const char *body = "{\"action\":42,\"status\":\"proposed\",\"text\":\"caf\\u00e9\"}";
    struct sink w = {0};
    struct env e;
    char *url, **files, *got;
    int n;

    sink_start(&w, "webhook-sink.py", "hooks", 0, secret);
    env_init(&e, 0); /* no smtp_url: webhooks are still delivered */
    url = mdt_xasprintf("http://127.0.0.1:%d/hook", w.port);
    ASSERT_EQ(mdt_db_begin(e.db), 0);
    ASSERT_EQ(mdt_outbox_add_webhook(e.db, url, "s3cret-of-partner", body, "action:42", NULL), 0);
    /* a wrong secret: the receiver answers 401, which is final */
    ASSERT_EQ(mdt_outbox_add_webhook(e.db, url, "not-the-secret", body, "action:43", NULL), 0);
    ASSERT_EQ(mdt_outbox_add_webhook(e.db, "ftp://x", "s", body, NULL, NULL), -EINVAL);
    ASSERT_EQ(mdt_db_commit(e.db), 0);
    ASSERT_EQ(mdt_outbox_start(e.ob), 0);
    ASSERT(run_until(&e, n_sent, 1, 10000));
    ASSERT(run_until(&e, n_failed, 1, 10000));
    ASSERT_EQ(count_where(&e, "SELECT count(*) FROM outbox WHERE ref = 'action:43' AND "
                              "last_error = 'HTTP 401' AND attempts = 1"), 1);
    files = list_files(w.dir, ".meta", &n);
    ASSERT_EQ(n, 2);
    got = slurp(files[0]);
    if (strstr(got, "valid\n") != got) { /* the order of the two is not fixed */
        free(got);
        got = slurp(files[1]);
    }
    ASSERT_STREQ(got, "valid\napplication/json\n");
    free(got);
    free_list(files, n);
    files = list_files(w.dir, ".json", &n);
    ASSERT_EQ(n, 2);
    got = slurp(files[0]);
    ASSERT_STREQ(got, body);
    free(got);
    free_list(files, n);
    free(url);
    env_release(&e);
    sink_release(&w);
}

TEST(outbox_signature_format)
{
    char *sig = mdt_outbox_signature("key", 1700000000, "{}", 2);

    /* python3 -c 'import hmac,hashlib;print(hmac.new(b"key",b"1700000000.{}",hashlib.sha256).hexdigest())' */
    ASSERT_STREQ(sig, "t=1700000000,v1=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae");
    free(sig);
}

TEST(outbox_stop_abandons_transfers_under_way_to_pending)
{
    static const char *const stall[] = {"--stall", NULL};
    struct sink s = {0};
    struct env e;
    uint64_t t0;

    sink_start(&s, "smtp-sink.py", "mail", 0, stall);
    env_init(&e, s.port);
    set(&e, "outbox_timeout", "60"); /* longer than the grace at stop */
    queue_mails(&e, 1, "f");
    ASSERT_EQ(mdt_outbox_start(e.ob), 0);
    ASSERT(run_until(&e, NULL, 1, 1000) == 0); /* a second: the DATA is stalled */
    ASSERT_EQ(count_where(&e, "SELECT count(*) FROM outbox WHERE status = 'sending'"), 1);
    t0 = uv_hrtime();
    env_release_keep_db(&e);
    /* the transfer got its grace and was abandoned, not counted */
    ASSERT((uv_hrtime() - t0) / 1000000 >= 4000);
    ASSERT_EQ(count_where(&e, "SELECT count(*) FROM outbox WHERE status = 'pending' AND "
                              "attempts = 0"), 1);
    mdt_db_close(e.db);
    sink_release(&s);
}

TEST(outbox_smtp_auth_used_and_refused_login_fails)
{
    static const char *const auth[] = {"--auth", "mdt-relay:s3cret pass", NULL};
    struct sink s = {0};
    struct env e;
    sqlite3_stmt *st;

    sink_start(&s, "smtp-sink.py", "mail", 0, auth);
    env_init(&e, s.port);
    set(&e, "smtp_user", "mdt-relay");
    set(&e, "smtp_password", "s3cret pass");
    queue_mails(&e, 2, "g");
    ASSERT_EQ(mdt_outbox_start(e.ob), 0);
    ASSERT(run_until(&e, n_sent, 2, 10000));
    ASSERT_EQ(check_delivered_once(&e, &s, "g", 2), 2);
    /* the wrong password: 535, final */
    set(&e, "smtp_password", "wrong");
    queue_mails(&e, 1, "h");
    mdt_outbox_kick(e.ob);
    ASSERT(run_until(&e, n_failed, 1, 10000));
    st = mdt_db_stmt(e.db, "SELECT attempts, last_error FROM outbox WHERE status = 'failed'");
    ASSERT_EQ(mdt_db_step(e.db, st), 1);
    ASSERT_EQ(sqlite3_column_int(st, 0), 1);
    ASSERT_CONTAINS((const char *)sqlite3_column_text(st, 1), "535");
    sqlite3_reset(st);
    env_release(&e);
    sink_release(&s);
}
