/* The outbox: messages to the outside world are rows of the outbox
 * table, written in the transaction of the change that causes them, and
 * delivered from the loop by libcurl's multi socket interface (the
 * pattern of curl's docs/examples/multi-uv.c), so that no transfer ever
 * blocks the loop. See docs/internals/OUTBOX.md. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>
#include <uv.h>

#include "log.h"
#include "mdtd.h"
#include "mime.h"
#include "xmalloc.h"

#define MAX_MESSAGE (8 << 20) /* a composed message; invites are a few kB */
#define MAX_ERROR 300         /* last_error as stored */

/* Queueing */

int mdt_outbox_add_mail(struct mdt_db *db, const struct mdt_config *cfg, const struct mdt_mail *m,
                        int64_t *id)
{
    struct mdt_buf msg, mid, err;
    struct mdt_mime_msg mm;
    sqlite3_stmt *st;
    int64_t now = mdt_now();
    int rc;

    mdt_buf_init(&msg, MAX_MESSAGE);
    mdt_buf_init(&mid, 512);
    mdt_buf_init(&err, 1024);
    if (cfg->smtp_from == NULL) {
        log_warnx("outbox: smtp_from is not set: mail cannot be queued");
        rc = -EINVAL;
        goto out;
    }
    if ((rc = mdt_mime_message_id(cfg->smtp_from, &mid)) < 0) {
        log_warnx("outbox: smtp_from is not an address with a domain");
        goto out;
    }
    memset(&mm, 0, sizeof(mm));
    mm.from = cfg->smtp_from;
    mm.to = m->to;
    mm.to_name = m->to_name;
    mm.subject = m->subject;
    mm.text = m->text;
    mm.calendar = m->calendar;
    mm.method = m->method;
    mm.message_id = mdt_buf_str(&mid);
    mm.date = now;
    if ((rc = mdt_mime_compose(&mm, &msg, &err)) < 0) {
        /* the message names the field, never its value */
        log_warnx("outbox: mail for %s not queued: %s", m->ref ? m->ref : "-",
                  rc == -ENOBUFS ? "larger than 8 MiB" : mdt_buf_str(&err));
        goto out;
    }
    st = mdt_db_stmt(db, "INSERT INTO outbox (kind, recipient, subject, ref, message_id, body, "
                         "next_at, created_at) VALUES ('mail', ?1, ?2, ?3, ?4, ?5, ?6, ?6)");
    if (st == NULL) {
        rc = -EPROTO;
        goto out;
    }
    sqlite3_bind_text(st, 1, m->to, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, m->subject, -1, SQLITE_STATIC);
    if (m->ref)
        sqlite3_bind_text(st, 3, m->ref, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_text(st, 4, mdt_buf_str(&mid), -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, msg.data, (int)msg.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, now);
    rc = mdt_db_step(db, st);
    sqlite3_clear_bindings(st);
    if (rc < 0)
        goto out;
    if (id)
        *id = mdt_db_last_id(db);
    rc = 0;
out:
    mdt_buf_release(&msg);
    mdt_buf_release(&mid);
    mdt_buf_release(&err);
    return rc;
}

int mdt_outbox_add_webhook(struct mdt_db *db, const char *url, const char *secret,
                           const char *json_body, const char *ref, int64_t *id)
{
    sqlite3_stmt *st;
    int64_t now = mdt_now();
    int rc;

    if (url == NULL || mdt_check_url(url) != NULL || secret == NULL || *secret == '\0' ||
        json_body == NULL || strlen(json_body) > MAX_MESSAGE) {
        log_warnx("outbox: webhook for %s not queued: bad url, secret or body", ref ? ref : "-");
        return -EINVAL;
    }
    st = mdt_db_stmt(db, "INSERT INTO outbox (kind, recipient, ref, body, secret, next_at, "
                         "created_at) VALUES ('webhook', ?1, ?2, ?3, ?4, ?5, ?5)");
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
    if (ref)
        sqlite3_bind_text(st, 2, ref, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_blob(st, 3, json_body, (int)strlen(json_body), SQLITE_STATIC);
    sqlite3_bind_text(st, 4, secret, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, now);
    rc = mdt_db_step(db, st);
    sqlite3_clear_bindings(st);
    if (rc < 0)
        return rc;
    if (id)
        *id = mdt_db_last_id(db);
    return 0;
}

char *mdt_outbox_signature(const char *secret, int64_t t, const char *body, size_t len)
{
    crypto_auth_hmacsha256_state s;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char ts[32], hex[2 * sizeof(mac) + 1];

    snprintf(ts, sizeof(ts), "%" PRId64 ".", t);
    crypto_auth_hmacsha256_init(&s, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&s, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&s, (const unsigned char *)body, len);
    crypto_auth_hmacsha256_final(&s, mac);
    sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
    return mdt_xasprintf("t=%" PRId64 ",v1=%s", t, hex);
}

/* Delivery
 *
 * libcurl's SMTP waits for the server's reply to the end of the message
 * inside its "done" step with a blocking poll (smtp_done →
 * smtp_block_statemach in curl 7.88), up to the transfer's timeout: a
 * slow or stalling relay would freeze whatever loop drives the multi
 * handle. So the multi handle runs on a loop of its own in a delivery
 * thread, with the multi socket interface as in curl's multi-uv.c, and
 * the daemon's loop only ever touches the database: it claims rows,
 * hands the prepared transfers over, and writes back the outcomes that
 * come back through a uv_async. The SQLite connection never leaves the
 * daemon's thread. */

enum kind { KIND_MAIL, KIND_WEBHOOK };
enum { RES_SENT, RES_RETRY, RES_FAILED, RES_ABANDONED };

/* One transfer: prepared on the daemon's loop, run on the delivery
 * loop, then handed back with its outcome. Owned by whichever list
 * holds it. */
struct xfer {
    struct xfer *next;
    CURL *easy;
    int64_t id;
    int64_t attempts; /* before this one */
    enum kind kind;
    char *body;
    size_t len, off;
    struct curl_slist *list; /* recipients or headers */
    char errbuf[CURL_ERROR_SIZE];
    const int *abandon; /* the worker's flag */
    struct worker *worker;
    int state;   /* RES_*, set when done */
    char *error; /* new, NULL when sent */
};

/* A socket curl asked the delivery loop to watch. */
struct sock {
    uv_poll_t poll;
    struct worker *w;
    struct sock *next;
    curl_socket_t fd;
};

/* The delivery thread's state. Fields under "shared" are guarded by
 * mu; the rest belong to the thread while it runs. */
struct worker {
    struct mdt_outbox *ob;
    uv_loop_t loop;
    uv_async_t wake;
    uv_timer_t curl_timer;
    CURLM *multi;
    struct xfer *running;
    int nrunning;
    struct sock *socks;
    int *fds; /* every socket libcurl has open, idle cached ones too */
    size_t nfds, afds;
    int stopping, cleaning;
    /* Set by the daemon's thread when the grace at stop is over; read
     * (atomically) by the transfers' progress callbacks, which libcurl
     * calls even while it blocks in the SMTP done step. */
    int abandon;
    /* shared */
    uv_mutex_t mu;
    struct xfer *incoming, *finished;
    int stop_requested, exited;
};

/* The outcome of a transfer, kept until it is written to the table. */
struct result {
    int64_t id;
    int64_t attempts; /* including this one */
    int state;
    char *error;
};

struct mdt_outbox {
    uv_loop_t *loop;
    const struct mdt_config *cfg;
    struct mdt_db *db;
    char *smtp_url; /* with the sending domain as its path */
    char *mail_from;
    uv_timer_t poll_timer, grace_timer;
    uv_async_t back; /* the worker's "something finished" */
    uv_thread_t thread;
    int thread_running;
    struct worker w;
    int inflight;
    struct result *results;
    size_t nresults, aresults;
    int started, stopping, closing, closed;
    void (*stop_done)(void *arg);
    void *stop_arg;
    void (*kick_hook)(void *arg);
    void *kick_arg;
};

static void refill(struct mdt_outbox *ob);

static void add_result(struct mdt_outbox *ob, int64_t id, int64_t attempts, int state,
                       const char *error)
{
    struct result *r;

    if (ob->nresults == ob->aresults) {
        ob->aresults = ob->aresults ? 2 * ob->aresults : 16;
        ob->results = mdt_xreallocarray(ob->results, ob->aresults, sizeof(*ob->results));
    }
    r = &ob->results[ob->nresults++];
    r->id = id;
    r->attempts = attempts;
    r->state = state;
    r->error = error ? mdt_xstrndup(error, MAX_ERROR) : NULL;
}

static void xfer_free(struct xfer *x)
{
    if (x->easy)
        curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->list);
    free(x->body);
    free(x->error);
    free(x);
}

static void xfers_free(struct xfer *x)
{
    struct xfer *next;

    for (; x; x = next) {
        next = x->next;
        xfer_free(x);
    }
}

/* The delay before attempt n+1 after n failed ones: min·2^(n-1), capped,
 * then a random 50-100% of it so that many messages failing together do
 * not all come back together. */
static int64_t backoff(const struct mdt_config *cfg, int64_t n)
{
    int64_t d = cfg->outbox_backoff_min;

    for (int64_t i = 1; i < n && d < cfg->outbox_backoff_max; i++)
        d *= 2;
    if (d > cfg->outbox_backoff_max)
        d = cfg->outbox_backoff_max;
    if (d < 1)
        d = 1;
    d = d / 2 + (int64_t)randombytes_uniform((uint32_t)(d - d / 2 + 1));
    return d < 1 ? 1 : d;
}

static size_t read_cb(char *buf, size_t size, size_t nmemb, void *arg)
{
    struct xfer *x = arg;
    size_t n = size * nmemb;

    if (n > x->len - x->off)
        n = x->len - x->off;
    memcpy(buf, x->body + x->off, n);
    x->off += n;
    return n;
}

/* Discards a webhook's answer body: only its status counts. */
static size_t discard_cb(char *buf, size_t size, size_t nmemb, void *arg)
{
    (void)buf;
    (void)arg;
    return size * nmemb;
}

/* libcurl's sockets are opened and closed here so that the worker knows
 * them all, including idle connections it keeps for reuse. */
static curl_socket_t open_cb(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct xfer *x = arg;
    struct worker *w = x->worker;
    int fd;

    (void)purpose;
    if ((fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol)) < 0)
        return CURL_SOCKET_BAD;
    if (w->nfds == w->afds) {
        w->afds = w->afds ? 2 * w->afds : 16;
        w->fds = mdt_xreallocarray(w->fds, w->afds, sizeof(*w->fds));
    }
    w->fds[w->nfds++] = fd;
    return fd;
}

static int close_cb(void *arg, curl_socket_t fd)
{
    struct worker *w = arg;

    for (size_t i = 0; i < w->nfds; i++)
        if (w->fds[i] == fd) {
            w->fds[i] = w->fds[--w->nfds];
            break;
        }
    return close(fd);
}

/* Aborting from here is the only way to end a stalled SMTP transfer
 * without libcurl first sending the end of the message and waiting,
 * blocked, for the reply (smtp_done does so for a transfer removed while
 * its status is still fine). */
static int xferinfo_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    struct xfer *x = arg;

    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return __atomic_load_n(x->abandon, __ATOMIC_ACQUIRE);
}

static int xfer_setup(struct mdt_outbox *ob, struct xfer *x, const char *recipient,
                      const char *secret)
{
    const struct mdt_config *cfg = ob->cfg;
    CURL *e = curl_easy_init();
    char *v;

    if (e == NULL)
        return -ENOMEM;
    x->easy = e;
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    x->abandon = &ob->w.abandon;
    x->worker = &ob->w;
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_cb);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, close_cb);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, &ob->w);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, x);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)cfg->outbox_timeout);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT,
                     (long)(cfg->outbox_timeout < 10 ? cfg->outbox_timeout : 10));
    if (x->kind == KIND_MAIL) {
        v = mdt_xasprintf("<%s>", recipient);
        x->list = curl_slist_append(NULL, v);
        free(v);
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        curl_easy_setopt(e, CURLOPT_URL, ob->smtp_url);
        curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
        curl_easy_setopt(e, CURLOPT_MAIL_FROM, ob->mail_from);
        curl_easy_setopt(e, CURLOPT_MAIL_RCPT, x->list);
        if (cfg->smtp_user) {
            curl_easy_setopt(e, CURLOPT_USERNAME, cfg->smtp_user);
            curl_easy_setopt(e, CURLOPT_PASSWORD, cfg->smtp_password ? cfg->smtp_password : "");
        }
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_READFUNCTION, read_cb);
        curl_easy_setopt(e, CURLOPT_READDATA, x);
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->len);
    } else {
        char *sig = mdt_outbox_signature(secret, mdt_now(), x->body, x->len);
        v = mdt_xasprintf("X-MDT-Signature: %s", sig);
        free(sig);
        x->list = curl_slist_append(NULL, "Content-Type: application/json");
        x->list = curl_slist_append(x->list, v);
        x->list = curl_slist_append(x->list, "Expect:");
        free(v);
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(e, CURLOPT_URL, recipient);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->list);
        curl_easy_setopt(e, CURLOPT_USERAGENT, "mdtd/" MDTD_VERSION);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->len);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_cb);
    }
    return 0;
}

/* What became of a finished transfer (delivery thread). */
static void xfer_outcome(struct worker *w, struct xfer *x, CURLcode code)
{
    long status = 0;
    int64_t n = x->attempts + 1;
    char msg[MAX_ERROR];
    int permanent;

    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    x->state = RES_SENT;
    if (x->kind == KIND_MAIL) {
        if (code == CURLE_OK)
            return;
        /* a 5xx reply is the server saying it will never take it */
        permanent = status >= 500 && status <= 599;
        if (status)
            snprintf(msg, sizeof(msg), "SMTP %ld: %s", status, curl_easy_strerror(code));
        else
            snprintf(msg, sizeof(msg), "%s", curl_easy_strerror(code));
    } else {
        if (code == CURLE_OK && status >= 200 && status <= 299)
            return;
        permanent = code == CURLE_OK && status >= 400 && status <= 499 && status != 408 &&
                    status != 429;
        if (code == CURLE_OK)
            snprintf(msg, sizeof(msg), "HTTP %ld", status);
        else
            snprintf(msg, sizeof(msg), "%s", curl_easy_strerror(code));
    }
    if (code != CURLE_OK && x->errbuf[0]) {
        size_t l = strlen(msg);
        snprintf(msg + l, sizeof(msg) - l, ": %s", x->errbuf);
    }
    x->error = mdt_xstrdup(msg);
    x->state = permanent || n >= w->ob->cfg->outbox_attempts ? RES_FAILED : RES_RETRY;
}

static void worker_close_all(struct worker *w);

/* Hands x back to the daemon's loop. */
static void worker_return(struct worker *w, struct xfer *x)
{
    uv_mutex_lock(&w->mu);
    x->next = w->finished;
    w->finished = x;
    uv_mutex_unlock(&w->mu);
}

static void worker_check(struct worker *w)
{
    CURLMsg *m;
    int left, any = 0;

    while ((m = curl_multi_info_read(w->multi, &left)) != NULL) {
        struct xfer *x = NULL;
        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        MDT_REQUIRE(x != NULL);
        if (__atomic_load_n(&w->abandon, __ATOMIC_ACQUIRE))
            x->state = RES_ABANDONED;
        else
            xfer_outcome(w, x, m->data.result);
        curl_multi_remove_handle(w->multi, x->easy);
        for (struct xfer **p = &w->running; *p; p = &(*p)->next)
            if (*p == x) {
                *p = x->next;
                break;
            }
        w->nrunning--;
        worker_return(w, x);
        any = 1;
    }
    if (any)
        uv_async_send(&w->ob->back);
    if (w->stopping && w->nrunning == 0)
        worker_close_all(w);
}

static void on_sock_closed(uv_handle_t *h)
{
    free(h->data);
}

static void on_poll_event(uv_poll_t *h, int status, int events)
{
    struct sock *s = h->data;
    struct worker *w = s->w;
    int flags = 0, running;

    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    curl_multi_socket_action(w->multi, s->fd, flags, &running);
    worker_check(w);
}

static void sock_close(struct worker *w, struct sock *s)
{
    for (struct sock **p = &w->socks; *p; p = &(*p)->next)
        if (*p == s) {
            *p = s->next;
            break;
        }
    uv_close((uv_handle_t *)&s->poll, on_sock_closed);
}

static int on_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct worker *w = userp;
    struct sock *s = socketp;
    int events = 0;

    (void)e;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            if (!w->cleaning)
                curl_multi_assign(w->multi, fd, NULL);
            sock_close(w, s);
        }
        return 0;
    }
    if (s == NULL) {
        s = mdt_xcalloc(1, sizeof(*s));
        s->w = w;
        s->fd = fd;
        if (uv_poll_init_socket(&w->loop, &s->poll, fd) < 0) {
            free(s);
            return -1;
        }
        s->poll.data = s;
        s->next = w->socks;
        w->socks = s;
        curl_multi_assign(w->multi, fd, s);
    }
    if (what & CURL_POLL_IN)
        events |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        events |= UV_WRITABLE;
    uv_poll_start(&s->poll, events, on_poll_event);
    return 0;
}

static void on_curl_timeout(uv_timer_t *t)
{
    struct worker *w = t->data;
    int running;

    curl_multi_socket_action(w->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    worker_check(w);
}

static int on_curl_timer(CURLM *m, long timeout_ms, void *userp)
{
    struct worker *w = userp;

    (void)m;
    if (w->cleaning)
        return 0;
    if (timeout_ms < 0)
        uv_timer_stop(&w->curl_timer);
    else /* 0 too goes through the loop: curl must not be re-entered */
        uv_timer_start(&w->curl_timer, on_curl_timeout, (uint64_t)timeout_ms, 0);
    return 0;
}

/* Transfers still under way at the end are abandoned: their rows go
 * back to pending and are sent again (same Message-ID) later. */
static void worker_close_all(struct worker *w)
{
    struct xfer *x;

    if (w->cleaning)
        return;
    w->cleaning = 1;
    while ((x = w->running) != NULL) {
        w->running = x->next;
        curl_multi_remove_handle(w->multi, x->easy);
        x->state = RES_ABANDONED;
        w->nrunning--;
        worker_return(w, x);
    }
    /* libcurl says QUIT on every cached SMTP connection and waits,
     * blocked, for the answer: a server that stalls would hold the stop
     * for minutes. Shut the sockets first so that QUIT fails at once. */
    for (size_t i = 0; i < w->nfds; i++)
        shutdown(w->fds[i], SHUT_RDWR);
    curl_multi_cleanup(w->multi);
    w->multi = NULL;
    while (w->socks)
        sock_close(w, w->socks);
    uv_close((uv_handle_t *)&w->curl_timer, NULL);
    uv_close((uv_handle_t *)&w->wake, NULL);
}

/* The grace is over: every handle runs once (the socket interface
 * would only run those with activity) and aborts from its progress
 * callback, then everything closes. */
static void worker_abandon(struct worker *w)
{
    int running;

    if (w->cleaning)
        return;
    curl_multi_perform(w->multi, &running);
    worker_check(w);
    worker_close_all(w);
}

/* New transfers or a stop request from the daemon's loop. */
static void on_wake(uv_async_t *a)
{
    struct worker *w = a->data;
    struct xfer *in, *x;
    int stop;

    uv_mutex_lock(&w->mu);
    in = w->incoming;
    w->incoming = NULL;
    stop = w->stop_requested;
    uv_mutex_unlock(&w->mu);
    while ((x = in) != NULL) {
        in = x->next;
        if (w->stopping) { /* too late: back unsent */
            x->state = RES_ABANDONED;
            worker_return(w, x);
            continue;
        }
        x->next = w->running;
        w->running = x;
        w->nrunning++;
        curl_multi_add_handle(w->multi, x->easy);
    }
    if (stop && !w->stopping) {
        w->stopping = 1;
        if (w->nrunning == 0)
            worker_close_all(w);
    }
    if (__atomic_load_n(&w->abandon, __ATOMIC_ACQUIRE))
        worker_abandon(w);
}

static void worker_main(void *arg)
{
    struct worker *w = arg;

    uv_run(&w->loop, UV_RUN_DEFAULT);
    uv_loop_close(&w->loop);
    uv_mutex_lock(&w->mu);
    w->exited = 1;
    uv_mutex_unlock(&w->mu);
    uv_async_send(&w->ob->back);
}

/* Writes the outcomes kept so far; inside the caller's transaction. */
static int write_results(struct mdt_outbox *ob, int64_t now)
{
    sqlite3_stmt *st;
    int rc;

    for (size_t i = 0; i < ob->nresults; i++) {
        struct result *r = &ob->results[i];
        switch (r->state) {
        case RES_SENT:
            st = mdt_db_stmt(ob->db, "UPDATE outbox SET status = 'sent', sent_at = ?2, "
                                     "attempts = ?3, last_error = NULL WHERE id = ?1");
            break;
        case RES_RETRY:
            st = mdt_db_stmt(ob->db, "UPDATE outbox SET status = 'pending', next_at = ?2, "
                                     "attempts = ?3, last_error = ?4 WHERE id = ?1");
            break;
        case RES_FAILED:
            st = mdt_db_stmt(ob->db, "UPDATE outbox SET status = 'failed', next_at = ?2, "
                                     "attempts = ?3, last_error = ?4 WHERE id = ?1");
            break;
        default: /* abandoned at stop: the attempt's outcome is unknown */
            st = mdt_db_stmt(ob->db, "UPDATE outbox SET status = 'pending', next_at = ?2, "
                                     "attempts = ?3 WHERE id = ?1 AND status = 'sending'");
            break;
        }
        if (st == NULL)
            return -EPROTO;
        sqlite3_bind_int64(st, 1, r->id);
        sqlite3_bind_int64(st, 2, r->state == RES_RETRY ? now + backoff(ob->cfg, r->attempts) : now);
        sqlite3_bind_int64(st, 3, r->attempts);
        if (r->error && (r->state == RES_RETRY || r->state == RES_FAILED))
            sqlite3_bind_text(st, 4, r->error, -1, SQLITE_STATIC);
        rc = mdt_db_step(ob->db, st);
        sqlite3_clear_bindings(st);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static void clear_results(struct mdt_outbox *ob)
{
    for (size_t i = 0; i < ob->nresults; i++)
        free(ob->results[i].error);
    ob->nresults = 0;
}

/* The outbox's own bookkeeping (claims, outcomes) is committed without
 * waiting for the disk (synchronous=NORMAL in WAL mode): on a power cut
 * the worst loss is a 'sent' mark, and the message then goes out again
 * with the same Message-ID. Messages themselves are queued by requests
 * with synchronous=FULL. Waiting for an fsync per outcome would stall
 * every request behind it during a fan-out. */
static void relaxed(struct mdt_db *db, int on)
{
    sqlite3_exec(mdt_db_handle(db), on ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL",
                 NULL, NULL, NULL);
}

/* One transaction: the outcomes of finished transfers, then as many due
 * rows as there are free transfer slots, marked 'sending'. A row left
 * 'sending' by a crash goes out again at the next start. Runs only from
 * loop callbacks, never inside a request's transaction. */
static void refill(struct mdt_outbox *ob)
{
    struct xfer *claimed = NULL, *x;
    sqlite3_stmt *st;
    int64_t now = mdt_now();
    int64_t want = ob->stopping || !ob->started ? 0 : ob->cfg->outbox_concurrency - ob->inflight;
    int rc, n = 0;

    if (ob->nresults == 0 && want <= 0)
        return;
    relaxed(ob->db, 1);
    if ((rc = mdt_db_begin(ob->db)) < 0) {
        relaxed(ob->db, 0);
        return; /* results kept for the next try */
    }
    if ((rc = write_results(ob, now)) < 0)
        goto fail;
    if (want > 0) {
        st = mdt_db_stmt(ob->db, "SELECT id, kind, recipient, body, secret, attempts FROM outbox "
                                 "WHERE status = 'pending' AND next_at <= ?1 AND (?2 OR kind = "
                                 "'webhook') ORDER BY next_at, id LIMIT ?3");
        if (st == NULL) {
            rc = -EPROTO;
            goto fail;
        }
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_int(st, 2, ob->smtp_url != NULL);
        sqlite3_bind_int64(st, 3, want);
        while ((rc = mdt_db_step(ob->db, st)) == 1) {
            const void *b = sqlite3_column_blob(st, 3);
            const char *secret = (const char *)sqlite3_column_text(st, 4);
            x = mdt_xcalloc(1, sizeof(*x));
            x->id = sqlite3_column_int64(st, 0);
            x->kind = strcmp((const char *)sqlite3_column_text(st, 1), "mail") == 0 ? KIND_MAIL
                                                                                   : KIND_WEBHOOK;
            x->len = (size_t)sqlite3_column_bytes(st, 3);
            x->body = mdt_xmalloc(x->len + 1);
            if (x->len)
                memcpy(x->body, b, x->len);
            x->body[x->len] = '\0';
            x->attempts = sqlite3_column_int64(st, 5);
            x->next = claimed;
            claimed = x;
            n++;
            if (xfer_setup(ob, x, (const char *)sqlite3_column_text(st, 2),
                           secret ? secret : "") < 0) {
                rc = -ENOMEM;
                sqlite3_reset(st);
                goto fail;
            }
        }
        sqlite3_clear_bindings(st);
        if (rc < 0)
            goto fail;
        for (x = claimed; x; x = x->next) {
            st = mdt_db_stmt(ob->db, "UPDATE outbox SET status = 'sending' WHERE id = ?1");
            if (st == NULL) {
                rc = -EPROTO;
                goto fail;
            }
            sqlite3_bind_int64(st, 1, x->id);
            if ((rc = mdt_db_step(ob->db, st)) < 0)
                goto fail;
        }
    }
    if ((rc = mdt_db_commit(ob->db)) < 0)
        goto fail_committed;
    relaxed(ob->db, 0);
    clear_results(ob);
    if (claimed) {
        ob->inflight += n;
        uv_mutex_lock(&ob->w.mu);
        while ((x = claimed) != NULL) {
            claimed = x->next;
            x->next = ob->w.incoming;
            ob->w.incoming = x;
        }
        uv_mutex_unlock(&ob->w.mu);
        uv_async_send(&ob->w.wake);
    }
    return;
fail:
    mdt_db_rollback(ob->db);
fail_committed:
    relaxed(ob->db, 0);
    log_warnx("outbox: cannot update the outbox table (%s): trying again at the next poll",
              strerror(-rc));
    xfers_free(claimed);
}

static void on_poll(uv_timer_t *t)
{
    refill(t->data);
}

static void on_main_closed(uv_handle_t *h)
{
    struct mdt_outbox *ob = h->data;

    if (--ob->closing == 0) {
        ob->closed = 1;
        if (ob->stop_done)
            ob->stop_done(ob->stop_arg);
    }
}

/* Outcomes (or the thread's end) from the delivery thread. */
static void on_back(uv_async_t *a)
{
    struct mdt_outbox *ob = a->data;
    struct xfer *done, *x;
    int exited;

    uv_mutex_lock(&ob->w.mu);
    done = ob->w.finished;
    ob->w.finished = NULL;
    exited = ob->w.exited;
    uv_mutex_unlock(&ob->w.mu);
    while ((x = done) != NULL) {
        int64_t n = x->state == RES_ABANDONED ? x->attempts : x->attempts + 1;
        done = x->next;
        if (x->state == RES_SENT)
            log_debug("outbox: %s %" PRId64 " delivered", x->kind == KIND_MAIL ? "message" : "webhook",
                      x->id);
        else if (x->state == RES_FAILED)
            log_warnx("outbox: %s %" PRId64 " failed after %" PRId64 " attempt%s: %s",
                      x->kind == KIND_MAIL ? "message" : "webhook", x->id, n, n == 1 ? "" : "s",
                      x->error);
        else if (x->state == RES_RETRY)
            log_info("outbox: %s %" PRId64 " attempt %" PRId64 " failed, will retry: %s",
                     x->kind == KIND_MAIL ? "message" : "webhook", x->id, n, x->error);
        add_result(ob, x->id, n, x->state, x->error);
        ob->inflight--;
        xfer_free(x);
    }
    refill(ob);
    if (exited && ob->thread_running) {
        uv_thread_join(&ob->thread);
        ob->thread_running = 0;
        if (ob->nresults) { /* refill could not write them: last try */
            if (mdt_db_begin(ob->db) == 0 && write_results(ob, mdt_now()) == 0)
                mdt_db_commit(ob->db);
            else
                mdt_db_rollback(ob->db);
            clear_results(ob);
        }
        ob->closing = 3;
        uv_close((uv_handle_t *)&ob->poll_timer, on_main_closed);
        uv_close((uv_handle_t *)&ob->grace_timer, on_main_closed);
        uv_close((uv_handle_t *)&ob->back, on_main_closed);
    }
}

void mdt_outbox_set_kick_hook(struct mdt_outbox *ob, void (*fn)(void *arg), void *arg)
{
    ob->kick_hook = fn;
    ob->kick_arg = arg;
}

void mdt_outbox_kick(struct mdt_outbox *ob)
{
    if (ob && ob->kick_hook)
        ob->kick_hook(ob->kick_arg);
    if (ob == NULL || !ob->started || ob->stopping)
        return;
    /* through the loop: the caller may still be inside its handler */
    uv_timer_start(&ob->poll_timer, on_poll, 0, (uint64_t)ob->cfg->outbox_poll * 1000);
}

/* smtp_url with the sending domain as its path when it has none: curl
 * says it in EHLO. */
static char *smtp_url_with_domain(const char *url, const char *from)
{
    const char *p = strstr(url, "://"), *at = strrchr(from, '@');

    p = p ? strchr(p + 3, '/') : NULL;
    if (p && p[1])
        return mdt_xstrdup(url);
    return mdt_xasprintf("%.*s/%s", (int)(p ? p - url : (ptrdiff_t)strlen(url)), url, at + 1);
}

struct mdt_outbox *mdt_outbox_new(void *uv_loop, const struct mdt_config *cfg, struct mdt_db *db,
                                  struct mdt_buf *err)
{
    struct mdt_outbox *ob;
    struct worker *w;

    if (cfg->smtp_url && (cfg->smtp_from == NULL || mdt_mime_check_addr(cfg->smtp_from))) {
        mdt_buf_printf(err, "smtp_url needs smtp_from, an address such as mdt@example.org");
        return NULL;
    }
    /* before any thread: curl_global_init is not thread-safe */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        mdt_buf_printf(err, "libcurl cannot start");
        return NULL;
    }
    ob = mdt_xcalloc(1, sizeof(*ob));
    w = &ob->w;
    ob->loop = uv_loop;
    ob->cfg = cfg;
    ob->db = db;
    w->ob = ob;
    if ((w->multi = curl_multi_init()) == NULL || uv_loop_init(&w->loop) < 0) {
        mdt_buf_printf(err, "libcurl cannot start");
        if (w->multi)
            curl_multi_cleanup(w->multi);
        free(ob);
        curl_global_cleanup();
        return NULL;
    }
    if (cfg->smtp_url) {
        ob->smtp_url = smtp_url_with_domain(cfg->smtp_url, cfg->smtp_from);
        ob->mail_from = mdt_xasprintf("<%s>", cfg->smtp_from);
    }
    curl_multi_setopt(w->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(w->multi, CURLMOPT_SOCKETDATA, w);
    curl_multi_setopt(w->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(w->multi, CURLMOPT_TIMERDATA, w);
    /* at most one connection per transfer slot to the relay, reused */
    curl_multi_setopt(w->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)cfg->outbox_concurrency);
    uv_mutex_init(&w->mu);
    uv_async_init(&w->loop, &w->wake, on_wake);
    uv_timer_init(&w->loop, &w->curl_timer);
    w->wake.data = w->curl_timer.data = w;
    uv_timer_init(ob->loop, &ob->poll_timer);
    uv_timer_init(ob->loop, &ob->grace_timer);
    uv_async_init(ob->loop, &ob->back, on_back);
    ob->poll_timer.data = ob->grace_timer.data = ob->back.data = ob;
    MDT_REQUIRE(uv_thread_create(&ob->thread, worker_main, w) == 0);
    ob->thread_running = 1;
    return ob;
}

int mdt_outbox_start(struct mdt_outbox *ob)
{
    sqlite3_stmt *st = mdt_db_stmt(ob->db, "UPDATE outbox SET status = 'pending' "
                                           "WHERE status = 'sending'");
    int64_t n;
    int rc;

    if (st == NULL)
        return -EPROTO;
    if ((rc = mdt_db_step(ob->db, st)) < 0)
        return rc;
    if ((n = mdt_db_changes(ob->db)) > 0)
        log_info("outbox: %lld message%s being sent when mdtd stopped: sending again with the "
                 "same Message-ID", (long long)n, n == 1 ? " was" : "s were");
    if (ob->smtp_url == NULL)
        log_info("outbox: smtp_url is not set: mail stays queued, webhooks are delivered");
    ob->started = 1;
    uv_timer_start(&ob->poll_timer, on_poll, 0, (uint64_t)ob->cfg->outbox_poll * 1000);
    return 0;
}

static void abandon_now(struct mdt_outbox *ob)
{
    __atomic_store_n(&ob->w.abandon, 1, __ATOMIC_RELEASE);
    uv_async_send(&ob->w.wake);
}

static void on_grace(uv_timer_t *t)
{
    abandon_now(t->data);
}

void mdt_outbox_stop(struct mdt_outbox *ob, void (*done)(void *arg), void *arg)
{
    ob->stop_done = done;
    ob->stop_arg = arg;
    if (ob->stopping)
        return;
    ob->stopping = 1;
    uv_timer_stop(&ob->poll_timer);
    if (ob->inflight)
        log_info("outbox: waiting up to 5 s for %d transfer%s", ob->inflight,
                 ob->inflight == 1 ? "" : "s");
    uv_mutex_lock(&ob->w.mu);
    ob->w.stop_requested = 1;
    uv_mutex_unlock(&ob->w.mu);
    uv_async_send(&ob->w.wake);
    /* a few seconds for the transfers under way */
    uv_timer_start(&ob->grace_timer, on_grace, 5000, 0);
}

void mdt_outbox_free(struct mdt_outbox *ob)
{
    if (ob == NULL)
        return;
    if (ob->thread_running) {
        /* never stopped (the loop was torn down around us): stop the
         * thread here; the abandoned rows are reset at the next start */
        uv_mutex_lock(&ob->w.mu);
        ob->w.stop_requested = 1;
        uv_mutex_unlock(&ob->w.mu);
        abandon_now(ob);
        uv_thread_join(&ob->thread);
    }
    xfers_free(ob->w.incoming);
    xfers_free(ob->w.finished);
    uv_mutex_destroy(&ob->w.mu);
    free(ob->w.fds);
    clear_results(ob);
    free(ob->results);
    free(ob->smtp_url);
    free(ob->mail_from);
    free(ob);
    curl_global_cleanup();
}

/* Routes: listings never carry message bodies or secrets. */

#define OUTBOX_COLS                                                                               \
    "id, kind, recipient, subject, ref, message_id, status, attempts, next_at, last_error, "      \
    "created_at, sent_at"

static void outbox_row_w(struct mdt_jsonw *w, sqlite3_stmt *st)
{
    const char *status = (const char *)sqlite3_column_text(st, 6);

    mdt_jsonw_obj_begin(w);
    MDT_JSONW_KEY(w, "id");
    mdt_jsonw_int(w, sqlite3_column_int64(st, 0));
    MDT_JSONW_KEY(w, "kind");
    mdt_db_w_text(w, st, 1);
    MDT_JSONW_KEY(w, "recipient");
    mdt_db_w_text(w, st, 2);
    MDT_JSONW_KEY(w, "subject");
    mdt_db_w_text(w, st, 3);
    MDT_JSONW_KEY(w, "ref");
    mdt_db_w_text(w, st, 4);
    MDT_JSONW_KEY(w, "message_id");
    mdt_db_w_text(w, st, 5);
    MDT_JSONW_KEY(w, "status");
    mdt_db_w_text(w, st, 6);
    MDT_JSONW_KEY(w, "attempts");
    mdt_jsonw_int(w, sqlite3_column_int64(st, 7));
    MDT_JSONW_KEY(w, "next_attempt_at");
    if (status && strcmp(status, "pending") == 0)
        mdt_db_w_time(w, st, 8);
    else
        mdt_jsonw_null(w);
    MDT_JSONW_KEY(w, "last_error");
    mdt_db_w_text(w, st, 9);
    MDT_JSONW_KEY(w, "created_at");
    mdt_db_w_time(w, st, 10);
    MDT_JSONW_KEY(w, "sent_at");
    mdt_db_w_time(w, st, 11);
    mdt_jsonw_obj_end(w);
}

void mdt_h_outbox_list(struct mdt_req *r)
{
    const char *status = mdt_req_query(r, "status"), *limit_s = mdt_req_query(r, "limit");
    const char *sql;
    sqlite3_stmt *st;
    struct mdt_jsonw w;
    long long limit = 100;
    char *end;
    int rc;

    if (limit_s) {
        errno = 0;
        limit = strtoll(limit_s, &end, 10);
        if (*limit_s < '0' || *limit_s > '9' || *end || errno || limit < 1 || limit > 1000) {
            mdt_reply_error(r, 422, "invalid", "limit", "limit: must be a number from 1 to 1000");
            return;
        }
    }
    if (status == NULL)
        sql = "SELECT " OUTBOX_COLS " FROM outbox WHERE status <> 'sent' ORDER BY id LIMIT ?1";
    else if (strcmp(status, "pending") == 0)
        sql = "SELECT " OUTBOX_COLS " FROM outbox WHERE status IN ('pending', 'sending') "
              "ORDER BY id LIMIT ?1";
    else if (strcmp(status, "failed") == 0)
        sql = "SELECT " OUTBOX_COLS " FROM outbox WHERE status = 'failed' ORDER BY id LIMIT ?1";
    else if (strcmp(status, "sent") == 0)
        sql = "SELECT " OUTBOX_COLS " FROM outbox WHERE status = 'sent' ORDER BY id DESC LIMIT ?1";
    else {
        mdt_reply_error(r, 422, "invalid", "status", "status: must be pending, failed or sent");
        return;
    }
    if ((st = mdt_db_stmt(r->db, sql)) == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "outbox");
        return;
    }
    sqlite3_bind_int64(st, 1, limit);
    mdt_jsonw_init(&w);
    mdt_jsonw_arr_begin(&w);
    while ((rc = mdt_db_step(r->db, st)) == 1)
        outbox_row_w(&w, st);
    if (rc < 0) {
        mdt_jsonw_release(&w);
        mdt_reply_errno(r, rc, NULL, "outbox message");
        return;
    }
    mdt_jsonw_arr_end(&w);
    mdt_reply_jsonw(r, 200, &w);
}

void mdt_h_outbox_retry(struct mdt_req *r)
{
    sqlite3_stmt *st;
    char *end;
    long long id;
    int rc;

    errno = 0;
    id = strtoll(r->param, &end, 10);
    if (*r->param < '0' || *r->param > '9' || *end || errno || id <= 0) {
        mdt_reply_error(r, 404, "not_found", NULL, "no such outbox message");
        return;
    }
    /* A failed message gets its full number of attempts again; a pending
     * one simply goes now. One being sent or already sent is left alone. */
    st = mdt_db_stmt(r->db, "UPDATE outbox SET status = 'pending', next_at = ?2, attempts = "
                            "CASE WHEN status = 'failed' THEN 0 ELSE attempts END "
                            "WHERE id = ?1 AND status IN ('pending', 'failed')");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "outbox message");
        return;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, mdt_now());
    if ((rc = mdt_db_step(r->db, st)) < 0) {
        mdt_reply_errno(r, rc, NULL, "outbox message");
        return;
    }
    rc = (int)mdt_db_changes(r->db);
    if ((st = mdt_db_stmt(r->db, "SELECT " OUTBOX_COLS " FROM outbox WHERE id = ?1")) == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "outbox message");
        return;
    }
    sqlite3_bind_int64(st, 1, id);
    if (mdt_db_step(r->db, st) != 1) {
        mdt_reply_error(r, 404, "not_found", NULL, "no such outbox message");
        return;
    }
    if (rc == 0) {
        const char *status = (const char *)sqlite3_column_text(st, 6);
        mdt_reply_error(r, 409, "conflict", "status", "outbox message %lld is %s already", id,
                        status && strcmp(status, "sent") == 0 ? "sent" : "being sent");
        sqlite3_reset(st);
        return;
    }
    {
        struct mdt_jsonw w;
        mdt_jsonw_init(&w);
        outbox_row_w(&w, st);
        sqlite3_reset(st);
        mdt_reply_jsonw(r, 200, &w);
    }
    mdt_outbox_kick(r->outbox);
}
