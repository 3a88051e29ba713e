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

struct mdt_outbox {
    uv_loop_t *loop;
    const struct mdt_config *cfg;
    struct mdt_db *db;
};

void mdt_outbox_kick(struct mdt_outbox *ob)
{
    if (ob == NULL)
        return;
}
