/* The outbox: messages to the outside world are rows of the outbox
 * table, written in the transaction of the change that causes them, and
 * delivered from the loop by libcurl's multi socket interface (the
 * pattern of curl's docs/examples/multi-uv.c), so that no transfer ever
 * blocks the loop. See docs/internals/OUTBOX.md. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

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

/* Delivery */

enum kind { KIND_MAIL, KIND_WEBHOOK };

/* One transfer under way: owns its easy handle and its copy of the row. */
struct xfer {
    struct mdt_outbox *ob;
    struct xfer *next;
    CURL *easy;
    int64_t id;
    int64_t attempts; /* before this one */
    enum kind kind;
    char *body;
    size_t len, off;
    struct curl_slist *list; /* recipients or headers */
    char errbuf[CURL_ERROR_SIZE];
};

/* A socket curl asked us to watch. */
struct sock {
    uv_poll_t poll;
    struct mdt_outbox *ob;
    struct sock *next;
    curl_socket_t fd;
};

/* The outcome of a transfer, kept until it is written to the table. */
struct result {
    int64_t id;
    int64_t attempts; /* including this one */
    int state;        /* RES_* */
    char *error;      /* NULL when sent */
};
enum { RES_SENT, RES_RETRY, RES_FAILED, RES_ABANDONED };

struct mdt_outbox {
    uv_loop_t *loop;
    const struct mdt_config *cfg;
    struct mdt_db *db;
    CURLM *multi;
    char *smtp_url; /* with the sending domain as its path */
    char *mail_from;
    uv_timer_t poll_timer, curl_timer, grace_timer;
    struct xfer *xfers;
    int inflight;
    struct sock *socks;
    struct result *results;
    size_t nresults, aresults;
    int started, stopping, cleaning, closing;
    void (*stop_done)(void *arg);
    void *stop_arg;
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
    free(x);
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
    return d / 2 + (int64_t)randombytes_uniform((uint32_t)(d - d / 2 + 1));
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

/* What became of a finished transfer. */
static void xfer_done(struct mdt_outbox *ob, struct xfer *x, CURLcode code)
{
    long status = 0;
    int64_t n = x->attempts + 1;
    char msg[MAX_ERROR];
    int permanent;

    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    if (x->kind == KIND_MAIL) {
        if (code == CURLE_OK) {
            add_result(ob, x->id, n, RES_SENT, NULL);
            log_debug("outbox: message %" PRId64 " sent", x->id);
            return;
        }
        /* a 5xx reply is the server saying it will never take it */
        permanent = status >= 500 && status <= 599;
        snprintf(msg, sizeof(msg), "%s%.0ld%s%s%s", status ? "SMTP " : "", status,
                 status ? ": " : "", curl_easy_strerror(code), x->errbuf[0] ? ": " : "");
    } else {
        if (code == CURLE_OK && status >= 200 && status <= 299) {
            add_result(ob, x->id, n, RES_SENT, NULL);
            log_debug("outbox: webhook %" PRId64 " delivered", x->id);
            return;
        }
        permanent = code == CURLE_OK && status >= 400 && status <= 499 && status != 408 &&
                    status != 429;
        if (code == CURLE_OK)
            snprintf(msg, sizeof(msg), "HTTP %ld", status);
        else
            snprintf(msg, sizeof(msg), "%s%s", curl_easy_strerror(code), x->errbuf[0] ? ": " : "");
    }
    if (code != CURLE_OK && x->errbuf[0]) {
        size_t l = strlen(msg);
        snprintf(msg + l, sizeof(msg) - l, "%s", x->errbuf);
    }
    if (permanent || n >= ob->cfg->outbox_attempts) {
        log_warnx("outbox: %s %" PRId64 " failed after %" PRId64 " attempt%s: %s",
                  x->kind == KIND_MAIL ? "message" : "webhook", x->id, n, n == 1 ? "" : "s", msg);
        add_result(ob, x->id, n, RES_FAILED, msg);
    } else {
        log_info("outbox: %s %" PRId64 " attempt %" PRId64 " failed, will retry: %s",
                 x->kind == KIND_MAIL ? "message" : "webhook", x->id, n, msg);
        add_result(ob, x->id, n, RES_RETRY, msg);
    }
}

static void unlink_xfer(struct mdt_outbox *ob, struct xfer *x)
{
    for (struct xfer **p = &ob->xfers; *p; p = &(*p)->next)
        if (*p == x) {
            *p = x->next;
            break;
        }
    ob->inflight--;
}

static void close_all(struct mdt_outbox *ob);

static void check_multi_info(struct mdt_outbox *ob)
{
    CURLMsg *m;
    int left, any = 0;

    while ((m = curl_multi_info_read(ob->multi, &left)) != NULL) {
        struct xfer *x = NULL;
        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        MDT_REQUIRE(x != NULL);
        xfer_done(ob, x, m->data.result);
        curl_multi_remove_handle(ob->multi, x->easy);
        unlink_xfer(ob, x);
        xfer_free(x);
        any = 1;
    }
    if (!any)
        return;
    refill(ob);
    if (ob->stopping && ob->inflight == 0)
        close_all(ob);
}

static void on_sock_closed(uv_handle_t *h)
{
    struct sock *s = h->data;
    struct mdt_outbox *ob = s->ob;

    free(s);
    if (--ob->closing == 0 && ob->stop_done)
        ob->stop_done(ob->stop_arg);
}

static void on_poll_event(uv_poll_t *h, int status, int events)
{
    struct sock *s = h->data;
    struct mdt_outbox *ob = s->ob;
    int flags = 0, running;

    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    curl_multi_socket_action(ob->multi, s->fd, flags, &running);
    check_multi_info(ob);
}

static void sock_close(struct mdt_outbox *ob, struct sock *s)
{
    for (struct sock **p = &ob->socks; *p; p = &(*p)->next)
        if (*p == s) {
            *p = s->next;
            break;
        }
    ob->closing++;
    uv_close((uv_handle_t *)&s->poll, on_sock_closed);
}

static int on_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct mdt_outbox *ob = userp;
    struct sock *s = socketp;
    int events = 0;

    (void)e;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            if (!ob->cleaning)
                curl_multi_assign(ob->multi, fd, NULL);
            sock_close(ob, s);
        }
        return 0;
    }
    if (s == NULL) {
        s = mdt_xcalloc(1, sizeof(*s));
        s->ob = ob;
        s->fd = fd;
        if (uv_poll_init_socket(ob->loop, &s->poll, fd) < 0) {
            free(s);
            return -1;
        }
        s->poll.data = s;
        s->next = ob->socks;
        ob->socks = s;
        curl_multi_assign(ob->multi, fd, s);
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
    struct mdt_outbox *ob = t->data;
    int running;

    curl_multi_socket_action(ob->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_multi_info(ob);
}

static int on_curl_timer(CURLM *m, long timeout_ms, void *userp)
{
    struct mdt_outbox *ob = userp;

    (void)m;
    if (ob->cleaning)
        return 0;
    if (timeout_ms < 0)
        uv_timer_stop(&ob->curl_timer);
    else /* 0 too goes through the loop: curl must not be re-entered */
        uv_timer_start(&ob->curl_timer, on_curl_timeout, (uint64_t)timeout_ms, 0);
    return 0;
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
        if (r->error && r->state != RES_SENT && r->state != RES_ABANDONED)
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

/* One transaction: the outcomes of finished transfers, then as many due
 * rows as there are free transfer slots, marked 'sending'. A row left
 * 'sending' by a crash goes out again at the next start. Runs only from
 * loop callbacks, never inside a request's transaction. */
static void refill(struct mdt_outbox *ob)
{
    struct xfer *claimed = NULL, *x;
    sqlite3_stmt *st;
    int64_t now = mdt_now();
    int64_t want = ob->stopping ? 0 : ob->cfg->outbox_concurrency - ob->inflight;
    int rc;

    if (ob->nresults == 0 && want <= 0)
        return;
    if ((rc = mdt_db_begin(ob->db)) < 0)
        return; /* results kept for the next try */
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
            x->ob = ob;
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
    clear_results(ob);
    while ((x = claimed) != NULL) {
        claimed = x->next;
        x->next = ob->xfers;
        ob->xfers = x;
        ob->inflight++;
        curl_multi_add_handle(ob->multi, x->easy);
    }
    return;
fail:
    mdt_db_rollback(ob->db);
fail_committed:
    log_warnx("outbox: cannot update the outbox table (%s): trying again at the next poll",
              strerror(-rc));
    while ((x = claimed) != NULL) {
        claimed = x->next;
        xfer_free(x);
    }
}

static void on_poll(uv_timer_t *t)
{
    refill(t->data);
}

void mdt_outbox_kick(struct mdt_outbox *ob)
{
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

    if (cfg->smtp_url && (cfg->smtp_from == NULL || mdt_mime_check_addr(cfg->smtp_from))) {
        mdt_buf_printf(err, "smtp_url needs smtp_from, an address such as mdt@example.org");
        return NULL;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        mdt_buf_printf(err, "libcurl cannot start");
        return NULL;
    }
    ob = mdt_xcalloc(1, sizeof(*ob));
    ob->loop = uv_loop;
    ob->cfg = cfg;
    ob->db = db;
    if ((ob->multi = curl_multi_init()) == NULL) {
        mdt_buf_printf(err, "libcurl cannot start");
        free(ob);
        curl_global_cleanup();
        return NULL;
    }
    if (cfg->smtp_url) {
        ob->smtp_url = smtp_url_with_domain(cfg->smtp_url, cfg->smtp_from);
        ob->mail_from = mdt_xasprintf("<%s>", cfg->smtp_from);
    }
    curl_multi_setopt(ob->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(ob->multi, CURLMOPT_SOCKETDATA, ob);
    curl_multi_setopt(ob->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(ob->multi, CURLMOPT_TIMERDATA, ob);
    /* one connection per transfer slot to the relay, reused */
    curl_multi_setopt(ob->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)cfg->outbox_concurrency);
    uv_timer_init(ob->loop, &ob->poll_timer);
    uv_timer_init(ob->loop, &ob->curl_timer);
    uv_timer_init(ob->loop, &ob->grace_timer);
    ob->poll_timer.data = ob->curl_timer.data = ob->grace_timer.data = ob;
    return ob;
}

int mdt_outbox_start(struct mdt_outbox *ob)
{
    sqlite3_stmt *st = mdt_db_stmt(ob->db, "UPDATE outbox SET status = 'pending' "
                                           "WHERE status = 'sending'");
    int rc;

    if (st == NULL)
        return -EPROTO;
    if ((rc = mdt_db_step(ob->db, st)) < 0)
        return rc;
    if (mdt_db_changes(ob->db) > 0)
        log_info("outbox: %lld message%s being sent when mdtd stopped: sending again with the "
                 "same Message-ID", (long long)mdt_db_changes(ob->db),
                 mdt_db_changes(ob->db) == 1 ? " was" : "s were");
    if (ob->smtp_url == NULL)
        log_info("outbox: smtp_url is not set: mail stays queued, webhooks are delivered");
    ob->started = 1;
    uv_timer_start(&ob->poll_timer, on_poll, 0, (uint64_t)ob->cfg->outbox_poll * 1000);
    return 0;
}

static void on_handle_closed(uv_handle_t *h)
{
    struct mdt_outbox *ob = h->data;

    if (--ob->closing == 0 && ob->stop_done)
        ob->stop_done(ob->stop_arg);
}

static void close_all(struct mdt_outbox *ob)
{
    struct xfer *x;

    if (ob->cleaning)
        return;
    ob->cleaning = 1;
    uv_timer_stop(&ob->grace_timer);
    /* transfers still under way are abandoned: their rows go back to
     * pending and are sent again (same Message-ID) at the next start */
    while ((x = ob->xfers) != NULL) {
        ob->xfers = x->next;
        add_result(ob, x->id, x->attempts, RES_ABANDONED, NULL);
        curl_multi_remove_handle(ob->multi, x->easy);
        xfer_free(x);
        ob->inflight--;
    }
    if (ob->nresults) {
        if (mdt_db_begin(ob->db) == 0 && write_results(ob, mdt_now()) == 0)
            mdt_db_commit(ob->db);
        else
            mdt_db_rollback(ob->db);
        clear_results(ob);
    }
    ob->closing++; /* held while closing, so done runs once, at the end */
    curl_multi_cleanup(ob->multi);
    ob->multi = NULL;
    while (ob->socks)
        sock_close(ob, ob->socks);
    ob->closing += 3;
    uv_close((uv_handle_t *)&ob->poll_timer, on_handle_closed);
    uv_close((uv_handle_t *)&ob->curl_timer, on_handle_closed);
    uv_close((uv_handle_t *)&ob->grace_timer, on_handle_closed);
    if (--ob->closing == 0 && ob->stop_done)
        ob->stop_done(ob->stop_arg);
}

static void on_grace(uv_timer_t *t)
{
    close_all(t->data);
}

void mdt_outbox_stop(struct mdt_outbox *ob, void (*done)(void *arg), void *arg)
{
    ob->stop_done = done;
    ob->stop_arg = arg;
    if (ob->stopping)
        return;
    ob->stopping = 1;
    uv_timer_stop(&ob->poll_timer);
    if (ob->inflight == 0) {
        close_all(ob);
        return;
    }
    log_info("outbox: waiting up to 5 s for %d transfer%s", ob->inflight,
             ob->inflight == 1 ? "" : "s");
    uv_timer_start(&ob->grace_timer, on_grace, 5000, 0);
}

void mdt_outbox_free(struct mdt_outbox *ob)
{
    if (ob == NULL)
        return;
    if (ob->multi) {
        /* never stopped: the loop has closed every handle by now */
        struct xfer *x;
        struct sock *s;
        ob->cleaning = 1;
        while ((x = ob->xfers) != NULL) {
            ob->xfers = x->next;
            curl_multi_remove_handle(ob->multi, x->easy);
            xfer_free(x);
        }
        curl_multi_cleanup(ob->multi);
        while ((s = ob->socks) != NULL) {
            ob->socks = s->next;
            free(s);
        }
    }
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
