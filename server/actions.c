/* Actions after confirmation: sending each partner organisation its
 * actions (email with personal expiring links, signed webhook), the
 * partners' updates (token API and the link page), reminders, weekly
 * digests and escalations from the scheduler, and "matters arising" for
 * agendas. Partners see their own organisation's actions only, and of
 * the case only its pseudonymised summary. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "log.h"
#include "mdtd.h"
#include "xmalloc.h"

#define LINK_HEX 64 /* 32 random bytes */
#define MAX_NOTE 4000

static const char *const update_statuses[] = {"accepted", "declined", "in_progress", "done", NULL};

/* Plain words for a status, for people. */
static const char *status_words(const char *s)
{
    /* "proposed" is what a partner sees only through an old history row:
     * an action reaches them when it is sent. */
    if (strcmp(s, "proposed") == 0 || strcmp(s, "sent") == 0)
        return "waiting for your answer";
    if (strcmp(s, "accepted") == 0)
        return "accepted";
    if (strcmp(s, "declined") == 0)
        return "declined";
    if (strcmp(s, "in_progress") == 0)
        return "in progress";
    if (strcmp(s, "done") == 0)
        return "done";
    return s;
}

/* The base of links in emails: public_url (with one '/'), else the
 * listening address. new */
static char *link_base(const struct mdt_config *cfg)
{
    if (cfg->public_url) {
        size_t n = strlen(cfg->public_url);
        return mdt_xasprintf("%.*s/", (int)(n && cfg->public_url[n - 1] == '/' ? n - 1 : n),
                             cfg->public_url);
    }
    return mdt_xasprintf("http://%s/", cfg->listen);
}

/* A new link for (action, recipient): the secret (hex) in out. */
static int link_new(struct mdt_db *db, const struct mdt_config *cfg, int64_t action_id,
                    const char *recipient, int64_t person_id, int64_t now, char out[LINK_HEX + 1])
{
    unsigned char raw[LINK_HEX / 2], hash[crypto_hash_sha256_BYTES];
    sqlite3_stmt *st;

    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(out, LINK_HEX + 1, raw, sizeof(raw));
    crypto_hash_sha256(hash, (const unsigned char *)out, LINK_HEX);
    st = mdt_db_stmt(db, "INSERT INTO action_links (hash, action_id, recipient, person_id, "
                         "created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, action_id);
    sqlite3_bind_text(st, 3, recipient, -1, SQLITE_TRANSIENT);
    if (person_id)
        sqlite3_bind_int64(st, 4, person_id);
    else
        sqlite3_bind_null(st, 4);
    sqlite3_bind_int64(st, 5, now);
    sqlite3_bind_int64(st, 6, now + cfg->action_link_days * 86400LL);
    return mdt_db_step(db, st) < 0 ? -EIO : 0;
}

/* "YYYY-MM-DD" of t in UTC. */
static void day_of(int64_t t, char out[11])
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

struct case_summary {
    char *pseudonym, *age_band, *needs, *pcn, *agreed_on;
};

static void summary_release(struct case_summary *s)
{
    free(s->pseudonym);
    free(s->age_band);
    free(s->needs);
    free(s->pcn);
    free(s->agreed_on);
    memset(s, 0, sizeof(*s));
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return mdt_xstrdup(s ? s : "");
}

static int summary_load(struct mdt_db *db, int64_t case_id, struct case_summary *s)
{
    sqlite3_stmt *st =
        mdt_db_stmt(db, "SELECT c.pseudonym, c.age_band, (SELECT group_concat(value, "
                        "', ') FROM json_each(c.needs)), p.name, pl.agreed_on "
                        "FROM cases c JOIN pcns p ON p.id = c.pcn_id LEFT JOIN plans "
                        "pl ON pl.case_id = c.id WHERE c.id = ?1");
    int rc;

    memset(s, 0, sizeof(*s));
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, case_id);
    if ((rc = mdt_db_step(db, st)) != 1)
        return rc < 0 ? rc : -ENOENT;
    s->pseudonym = col_dup(st, 0);
    s->age_band = col_dup(st, 1);
    s->needs = col_dup(st, 2);
    s->pcn = col_dup(st, 3);
    s->agreed_on = col_dup(st, 4);
    sqlite3_reset(st);
    return 0;
}

/* One email to one recipient about the actions ids[0..n) of one
 * organisation: each with a personal link. */
static int mail_actions(struct mdt_db *db, const struct mdt_config *cfg,
                        const struct case_summary *cs, const char *org, const char *to,
                        const char *to_name, int64_t person_id, const int64_t *ids, size_t n,
                        int amend, int64_t now)
{
    struct mdt_buf b;
    char *base = link_base(cfg), *subject = NULL, ref[64], secret[LINK_HEX + 1], until[11];
    int rc = 0;

    mdt_buf_init(&b, MDT_BUF_NOCAP);
    day_of(now + cfg->action_link_days * 86400LL, until);
    mdt_buf_printf(&b,
                   "%s the care plan for %s (age %s%s%s), agreed with the person on %s, "
                   "from the MDT of %s.\n\n%s to %s:\n\n",
                   amend ? "A change to" : "Actions from", cs->pseudonym, cs->age_band,
                   cs->needs[0] ? "; needs: " : "", cs->needs, cs->agreed_on, cs->pcn,
                   n == 1 ? "This action falls" : "These actions fall", org);
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st =
            mdt_db_stmt(db, "SELECT what, due_on, status FROM actions WHERE id = ?1");
        if (st == NULL) {
            rc = -EPROTO;
            goto out;
        }
        sqlite3_bind_int64(st, 1, ids[i]);
        if ((rc = mdt_db_step(db, st)) != 1) {
            rc = rc < 0 ? rc : -ENOENT;
            goto out;
        }
        mdt_buf_printf(&b, "%zu. %s\n   Due: %s (action %lld, %s)\n", i + 1,
                       (const char *)sqlite3_column_text(st, 0),
                       (const char *)sqlite3_column_text(st, 1), (long long)ids[i],
                       status_words((const char *)sqlite3_column_text(st, 2)));
        sqlite3_reset(st);
        if ((rc = link_new(db, cfg, ids[i], to, person_id, now, secret)) < 0)
            goto out;
        mdt_buf_printf(&b, "   Accept, decline, or report progress: %sv1/action-link/%s\n\n", base,
                       secret);
    }
    mdt_buf_printf(&b,
                   "The links are yours alone and work until %s; no login is needed.\n"
                   "Nothing here identifies the person: the case holder alone knows who "
                   "they are.\n",
                   until);
    subject = mdt_xasprintf("%s for %s: %s", amend ? "Care plan changed" : "MDT actions", org,
                            cs->pseudonym);
    snprintf(ref, sizeof(ref), "action:%lld", (long long)ids[0]);
    {
        struct mdt_mail m = {
            .to = to, .to_name = to_name, .subject = subject, .text = mdt_buf_str(&b), .ref = ref};
        rc = mdt_outbox_add_mail(db, cfg, &m, NULL);
    }
out:
    free(base);
    free(subject);
    mdt_buf_release(&b);
    return rc < 0 ? rc : 0;
}

/* The signed webhook to an organisation: event and its actions. */
static int webhook_actions(struct mdt_db *db, int64_t org_id, const struct case_summary *cs,
                           const char *event, const int64_t *ids, size_t n)
{
    sqlite3_stmt *st = mdt_db_stmt(db, "SELECT webhook_url, webhook_secret, name FROM orgs "
                                       "WHERE id = ?1");
    json_t *j = NULL, *arr;
    char *url = NULL, *secret = NULL, *body = NULL, ref[64];
    int rc;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, org_id);
    if ((rc = mdt_db_step(db, st)) != 1)
        return rc < 0 ? rc : 0;
    if (sqlite3_column_type(st, 0) == SQLITE_NULL || sqlite3_column_text(st, 0)[0] == '\0') {
        sqlite3_reset(st);
        return 0;
    }
    if (sqlite3_column_type(st, 1) == SQLITE_NULL) {
        log_warnx("actions: organisation %lld has a webhook_url but no webhook secret: set one "
                  "with POST /v1/orgs/ID/webhook-secret",
                  (long long)org_id);
        sqlite3_reset(st);
        return 0;
    }
    url = col_dup(st, 0);
    secret = col_dup(st, 1);
    j = json_pack("{s:s, s:{s:I, s:s}, s:{s:s, s:s, s:s}}", "event", event, "org", "id",
                  (json_int_t)org_id, "name", (const char *)sqlite3_column_text(st, 2), "case",
                  "pseudonym", cs->pseudonym, "age_band", cs->age_band, "needs", cs->needs);
    sqlite3_reset(st);
    arr = json_array();
    for (size_t i = 0; i < n; i++) {
        st = mdt_db_stmt(db, "SELECT what, due_on, status, version, removed_at IS NOT NULL "
                             "FROM actions WHERE id = ?1");
        if (st == NULL) {
            rc = -EPROTO;
            goto out;
        }
        sqlite3_bind_int64(st, 1, ids[i]);
        if (mdt_db_step(db, st) == 1) {
            json_array_append_new(
                arr, json_pack("{s:I, s:s, s:s, s:s, s:I, s:b}", "id", (json_int_t)ids[i], "what",
                               (const char *)sqlite3_column_text(st, 0), "due",
                               (const char *)sqlite3_column_text(st, 1), "status",
                               /* it is being sent now */
                               mdt__plans_status((const char *)sqlite3_column_text(st, 2), 1),
                               "version", (json_int_t)sqlite3_column_int64(st, 3), "removed",
                               sqlite3_column_int(st, 4)));
            sqlite3_reset(st);
        }
    }
    json_object_set_new(j, "actions", arr);
    body = json_dumps(j, JSON_COMPACT);
    snprintf(ref, sizeof(ref), "action:%lld", (long long)ids[0]);
    rc = mdt_outbox_add_webhook(db, url, secret, body, ref, NULL);
out:
    json_decref(j);
    free(body);
    free(url);
    sodium_memzero(secret, strlen(secret));
    free(secret);
    return rc < 0 ? rc : 0;
}

/* The ids a statement gives (column 0), new in *out. */
static int collect(struct mdt_db *db, sqlite3_stmt *st, int64_t **out, size_t *n)
{
    size_t cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    while ((rc = mdt_db_step(db, st)) == 1) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *out = mdt_xreallocarray(*out, cap, sizeof(**out));
        }
        (*out)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    return rc;
}

static int64_t scalar_person(struct mdt_db *db, int64_t action_id);

/* Tells one organisation about ids (its actions of one case): the
 * contact, each named professional (their own actions), the webhook. */
static int tell_org(struct mdt_db *db, const struct mdt_config *cfg, int64_t case_id,
                    int64_t org_id, const int64_t *ids, size_t n, const char *event, int amend,
                    int64_t now)
{
    struct case_summary cs;
    sqlite3_stmt *st = NULL;
    char *org = NULL, *email = NULL;
    int64_t *pids = NULL;
    size_t np = 0;
    int rc;

    if ((rc = summary_load(db, case_id, &cs)) < 0)
        return rc;
    if ((st = mdt_db_stmt(db, "SELECT name, email FROM orgs WHERE id = ?1")) == NULL) {
        rc = -EPROTO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, org_id);
    if ((rc = mdt_db_step(db, st)) != 1) {
        rc = rc < 0 ? rc : -ENOENT;
        goto out;
    }
    org = col_dup(st, 0);
    email = col_dup(st, 1);
    sqlite3_reset(st);
    if (cfg->smtp_from == NULL) {
        log_warnx("actions: smtp_from is not set: organisation %lld is not emailed",
                  (long long)org_id);
    } else {
        if ((rc = mail_actions(db, cfg, &cs, org, email, org, 0, ids, n, amend, now)) < 0)
            goto out;
        /* Each named professional: their own actions, their own links. */
        st = NULL;
        if (sqlite3_prepare_v2(mdt_db_handle(db),
                               "SELECT DISTINCT person_id FROM actions WHERE person_id IS NOT NULL "
                               "AND id IN (SELECT value FROM json_each(?1))",
                               -1, &st, NULL) != SQLITE_OK) {
            rc = -EPROTO;
            goto out;
        }
        {
            json_t *arr = json_array();
            char *s;
            for (size_t i = 0; i < n; i++)
                json_array_append_new(arr, json_integer(ids[i]));
            s = json_dumps(arr, JSON_COMPACT);
            sqlite3_bind_text(st, 1, s, -1, SQLITE_TRANSIENT);
            free(s);
            json_decref(arr);
        }
        rc = collect(db, st, &pids, &np);
        sqlite3_finalize(st);
        if (rc < 0)
            goto out;
        for (size_t p = 0; p < np; p++) {
            int64_t mine[64];
            size_t k = 0;
            char *pemail = NULL, *pname = NULL;
            for (size_t i = 0; i < n && k < 64; i++)
                if (scalar_person(db, ids[i]) == pids[p])
                    mine[k++] = ids[i];
            if ((st = mdt_db_stmt(db, "SELECT email, name FROM people WHERE id = ?1")) == NULL) {
                rc = -EPROTO;
                goto out;
            }
            sqlite3_bind_int64(st, 1, pids[p]);
            if (mdt_db_step(db, st) != 1)
                continue;
            pemail = col_dup(st, 0);
            pname = col_dup(st, 1);
            sqlite3_reset(st);
            rc = strcasecmp(pemail, email) == 0
                     ? 0
                     : mail_actions(db, cfg, &cs, org, pemail, pname, pids[p], mine, k, amend, now);
            free(pemail);
            free(pname);
            if (rc < 0)
                goto out;
        }
    }
    rc = webhook_actions(db, org_id, &cs, event, ids, n);
out:
    free(pids);
    free(org);
    free(email);
    summary_release(&cs);
    return rc;
}

static int64_t scalar_person(struct mdt_db *db, int64_t action_id)
{
    sqlite3_stmt *st = mdt_db_stmt(db, "SELECT person_id FROM actions WHERE id = ?1");
    int64_t v = 0;

    if (st == NULL)
        return 0;
    sqlite3_bind_int64(st, 1, action_id);
    if (mdt_db_step(db, st) == 1) {
        v = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    return v;
}

int mdt__actions_send(struct mdt_db *db, const struct mdt_config *cfg, int64_t case_id, int amend,
                      int64_t now, int *orgs)
{
    sqlite3_stmt *st = NULL;
    int64_t *org_ids = NULL;
    size_t norgs = 0;
    int rc;

    *orgs = 0;
    if (sqlite3_prepare_v2(mdt_db_handle(db),
                           "SELECT DISTINCT org_id FROM actions WHERE case_id = ?1 AND sent_at IS "
                           "NULL AND removed_at IS NULL ORDER BY org_id",
                           -1, &st, NULL) != SQLITE_OK)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, case_id);
    rc = collect(db, st, &org_ids, &norgs);
    sqlite3_finalize(st);
    for (size_t o = 0; rc >= 0 && o < norgs; o++) {
        int64_t *ids = NULL;
        size_t n = 0;
        if (sqlite3_prepare_v2(mdt_db_handle(db),
                               "SELECT id FROM actions WHERE case_id = ?1 AND org_id = ?2 AND "
                               "sent_at IS NULL AND removed_at IS NULL ORDER BY id",
                               -1, &st, NULL) != SQLITE_OK) {
            rc = -EPROTO;
            break;
        }
        sqlite3_bind_int64(st, 1, case_id);
        sqlite3_bind_int64(st, 2, org_ids[o]);
        rc = collect(db, st, &ids, &n);
        sqlite3_finalize(st);
        if (rc >= 0 && n > 0)
            rc = tell_org(db, cfg, case_id, org_ids[o], ids, n,
                          amend ? "actions.changed" : "actions.assigned", amend, now);
        free(ids);
        (*orgs)++;
    }
    free(org_ids);
    if (rc < 0)
        return rc;
    if ((st = mdt_db_stmt(db, "UPDATE actions SET sent_at = ?2 WHERE case_id = ?1 AND sent_at IS "
                              "NULL AND removed_at IS NULL")) == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, case_id);
    sqlite3_bind_int64(st, 2, now);
    return mdt_db_step(db, st) < 0 ? -EIO : 0;
}

int mdt__actions_removed(struct mdt_db *db, const struct mdt_config *cfg, int64_t action_id,
                         int64_t now)
{
    sqlite3_stmt *st = mdt_db_stmt(db, "UPDATE actions SET removed_at = ?2, version = version + 1, "
                                       "updated_at = ?2 WHERE id = ?1 RETURNING case_id, org_id, "
                                       "sent_at IS NOT NULL");
    int64_t case_id, org_id;
    int sent, rc;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, action_id);
    sqlite3_bind_int64(st, 2, now);
    if ((rc = mdt_db_step(db, st)) != 1)
        return rc < 0 ? rc : -ENOENT;
    case_id = sqlite3_column_int64(st, 0);
    org_id = sqlite3_column_int64(st, 1);
    sent = sqlite3_column_int(st, 2);
    /* RETURNING: step to the end so the update completes. */
    while ((rc = mdt_db_step(db, st)) == 1)
        ;
    if (rc < 0)
        return rc;
    if ((st = mdt_db_stmt(db, "UPDATE action_links SET revoked_at = ?2 WHERE action_id = ?1 AND "
                              "revoked_at IS NULL")) == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, action_id);
    sqlite3_bind_int64(st, 2, now);
    if ((rc = mdt_db_step(db, st)) < 0)
        return rc;
    if (!sent)
        return 0;
    /* The organisation hears that it no longer has to do it. */
    {
        struct case_summary cs;
        if ((rc = summary_load(db, case_id, &cs)) < 0)
            return rc;
        if (cfg->smtp_from) {
            sqlite3_stmt *q = mdt_db_stmt(db, "SELECT o.name, o.email, a.what, a.due_on FROM "
                                              "actions a JOIN orgs o ON o.id = a.org_id "
                                              "WHERE a.id = ?1");
            if (q == NULL) {
                summary_release(&cs);
                return -EPROTO;
            }
            sqlite3_bind_int64(q, 1, action_id);
            if (mdt_db_step(db, q) == 1) {
                char *org = col_dup(q, 0), *email = col_dup(q, 1), *subject, *text, ref[64];
                text = mdt_xasprintf("The care plan for %s was changed: this action of %s is "
                                     "withdrawn and no longer needed.\n\n  %s (due %s, action "
                                     "%lld)\n\nIts links no longer work.\n",
                                     cs.pseudonym, org, (const char *)sqlite3_column_text(q, 2),
                                     (const char *)sqlite3_column_text(q, 3), (long long)action_id);
                sqlite3_reset(q);
                subject = mdt_xasprintf("Care plan changed for %s: %s", org, cs.pseudonym);
                snprintf(ref, sizeof(ref), "action:%lld", (long long)action_id);
                struct mdt_mail m = {
                    .to = email, .to_name = org, .subject = subject, .text = text, .ref = ref};
                rc = mdt_outbox_add_mail(db, cfg, &m, NULL);
                free(org);
                free(email);
                free(subject);
                free(text);
            }
        }
        if (rc >= 0)
            rc = webhook_actions(db, org_id, &cs, "action.removed", &action_id, 1);
        summary_release(&cs);
    }
    return rc < 0 ? rc : 0;
}

/* Records one update. -ENOENT: no such action (for this org); -ESTALE:
 * version is not the current one; -EAGAIN: the action cannot change any
 * more (not sent, removed, or its case closed). */
static int record_update(struct mdt_db *db, int64_t action_id, int64_t org_id, const char *status,
                         const char *note, int64_t version, int64_t token_id, int64_t link_id,
                         int64_t now, int64_t *new_version)
{
    sqlite3_stmt *st =
        mdt_db_stmt(db, "SELECT a.version, a.sent_at IS NOT NULL AND a.removed_at "
                        "IS NULL AND c.closed_at IS NULL FROM actions a JOIN cases c "
                        "ON c.id = a.case_id WHERE a.id = ?1 AND (?2 = 0 OR "
                        "a.org_id = ?2)");
    int64_t cur;
    int open, rc;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, action_id);
    sqlite3_bind_int64(st, 2, org_id);
    if ((rc = mdt_db_step(db, st)) != 1)
        return rc < 0 ? rc : -ENOENT;
    cur = sqlite3_column_int64(st, 0);
    open = sqlite3_column_int(st, 1);
    sqlite3_reset(st);
    if (!open)
        return -EAGAIN;
    if (version >= 0 && version != cur)
        return -ESTALE;
    if ((rc = mdt_db_begin(db)) < 0)
        return rc;
    st = mdt_db_stmt(db, "UPDATE actions SET status = ?2, version = version + 1, updated_at = ?3, "
                         "completed_at = CASE WHEN ?2 = 'done' THEN coalesce(completed_at, ?3) "
                         "ELSE NULL END WHERE id = ?1 AND version = ?4");
    if (st == NULL) {
        rc = -EPROTO;
        goto fail;
    }
    sqlite3_bind_int64(st, 1, action_id);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_int64(st, 4, cur);
    if ((rc = mdt_db_step(db, st)) < 0)
        goto fail;
    *new_version = cur + 1;
    st = mdt_db_stmt(db, "INSERT INTO action_updates (action_id, status, note, via, token_id, "
                         "link_id, version, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    if (st == NULL) {
        rc = -EPROTO;
        goto fail;
    }
    sqlite3_bind_int64(st, 1, action_id);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_TRANSIENT);
    if (note && *note)
        sqlite3_bind_text(st, 3, note, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_text(st, 4, link_id ? "link" : "token", -1, SQLITE_STATIC);
    if (token_id)
        sqlite3_bind_int64(st, 5, token_id);
    else
        sqlite3_bind_null(st, 5);
    if (link_id)
        sqlite3_bind_int64(st, 6, link_id);
    else
        sqlite3_bind_null(st, 6);
    sqlite3_bind_int64(st, 7, *new_version);
    sqlite3_bind_int64(st, 8, now);
    if ((rc = mdt_db_step(db, st)) < 0 || (rc = mdt_db_commit(db)) < 0)
        goto fail;
    log_info("actions: action %lld now %s (version %lld, by %s)", (long long)action_id, status,
             (long long)*new_version, link_id ? "link" : "token");
    return 0;
fail:
    mdt_db_rollback(db);
    return rc;
}

/* Checks status and note: NULL when fine, else the message (static).
 * A decline needs its reason. */
static const char *check_update(const char *status, const char *note)
{
    if (status == NULL || mdt_check_enum(status, update_statuses) != NULL)
        return "status: must be accepted, declined, in_progress or done";
    if (strcmp(status, "declined") == 0 && (note == NULL || *note == '\0'))
        return "note: a decline needs its reason";
    if (note && strlen(note) > MAX_NOTE)
        return "note: at most 4000 bytes";
    if (note && !mdt_utf8_valid(note, strlen(note)))
        return "note: not valid UTF-8";
    return NULL;
}

static int64_t parse_id(const char *s)
{
    char *end;
    long long v;

    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    v = strtoll(s, &end, 10);
    return *end == '\0' && v > 0 ? v : -1;
}

/* The organisation whose actions the token may see: a partner's own;
 * 0 for chairs and admins (all); case holders: -1 (their cases, below). */
static int64_t visible_org(const struct mdt_req *r)
{
    return r->role == MDT_ROLE_PARTNER ? r->org_id : 0;
}

/* GET /v1/actions[?overdue=1][&status=S] */
void mdt_h_actions_list(struct mdt_req *r)
{
    const char *overdue = mdt_req_query(r, "overdue"), *status = mdt_req_query(r, "status");
    sqlite3_stmt *st = NULL;
    json_t *arr = json_array();
    int rc;

    if (status && mdt_check_enum(status, update_statuses) != NULL && strcmp(status, "proposed") &&
        strcmp(status, "sent")) {
        json_decref(arr);
        mdt_reply_error(r, 422, "invalid", "status",
                        "status: must be proposed, sent, accepted, declined, in_progress or done");
        return;
    }
    /* Partners: only what was sent to their organisation. */
    if (sqlite3_prepare_v2(mdt_db_handle(r->db),
                           "SELECT " MDT__ACTION_COLS " WHERE a.removed_at IS NULL "
                           "AND (?1 = 0 OR (a.org_id = ?1 AND a.sent_at IS NOT NULL)) "
                           "AND (?2 = 0 OR c.org_id = ?2) AND (?3 IS NULL OR (CASE WHEN a.status = "
                           "'proposed' AND a.sent_at IS NOT NULL THEN 'sent' ELSE a.status END) "
                           "= ?3) "
                           "AND (?4 = 0 OR (a.due_on < date('now') AND a.sent_at IS NOT NULL AND "
                           "a.status IN ('proposed', 'accepted', 'in_progress') AND "
                           "c.closed_at IS NULL)) ORDER BY a.due_on, a.id",
                           -1, &st, NULL) != SQLITE_OK) {
        json_decref(arr);
        mdt_reply_errno(r, -EPROTO, NULL, "action");
        return;
    }
    sqlite3_bind_int64(st, 1, visible_org(r));
    sqlite3_bind_int64(st, 2, r->role == MDT_ROLE_CASE_HOLDER ? r->org_id : 0);
    if (status)
        sqlite3_bind_text(st, 3, status, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 4, overdue && strcmp(overdue, "0") != 0 && strcmp(overdue, "false") != 0);
    while ((rc = mdt_db_step(r->db, st)) == 1)
        json_array_append_new(arr, mdt__plans_action_json(r->db, st, 0));
    sqlite3_finalize(st);
    if (rc < 0) {
        json_decref(arr);
        mdt_reply_errno(r, rc, NULL, "action");
        return;
    }
    mdt_reply_json(r, 200, arr);
}

/* The action r->param names, as the token may see it; 404 otherwise. */
static json_t *visible_action(struct mdt_req *r, int64_t id, int with_history)
{
    sqlite3_stmt *st = mdt_db_stmt(r->db, "SELECT " MDT__ACTION_COLS " WHERE a.id = ?1 AND "
                                          "(?2 = 0 OR (a.org_id = ?2 AND a.sent_at IS NOT NULL)) "
                                          "AND (?3 = 0 OR c.org_id = ?3)");
    json_t *j;

    if (st == NULL || id <= 0)
        return NULL;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, visible_org(r));
    sqlite3_bind_int64(st, 3, r->role == MDT_ROLE_CASE_HOLDER ? r->org_id : 0);
    if (mdt_db_step(r->db, st) != 1)
        return NULL;
    j = mdt__plans_action_json(r->db, st, with_history);
    sqlite3_reset(st);
    return j;
}

void mdt_h_actions_get(struct mdt_req *r)
{
    json_t *j = visible_action(r, parse_id(r->param), 1);

    if (j == NULL) {
        mdt_reply_error(r, 404, "not_found", NULL, "no such action");
        return;
    }
    mdt_reply_json(r, 200, j);
}

/* POST /v1/actions/{id}/updates: {"status", "note", "version"} (partners). */
void mdt_h_actions_update(struct mdt_req *r)
{
    static const char *const fields[] = {"status", "note", "version", NULL};
    const char *status, *note = NULL, *why;
    json_t *findings = json_array(), *j;
    struct mdt_buf msg;
    int64_t id = parse_id(r->param), version, nv;
    int rc;

    mdt_buf_init(&msg, 4096);
    if (mdt_fields_known(r, fields) < 0 || mdt_field_str(r, "status", 1, &status) < 0 ||
        mdt_field_str(r, "note", 0, &note) < 0 || mdt_field_version(r, &version) < 0)
        goto out;
    if ((j = visible_action(r, id, 0)) == NULL) {
        mdt_reply_error(r, 404, "not_found", NULL, "no such action");
        goto out;
    }
    json_decref(j);
    if ((why = check_update(status, note)) != NULL) {
        mdt_reply_error(r, 422, "invalid", strncmp(why, "note", 4) == 0 ? "note" : "status", "%s",
                        why);
        goto out;
    }
    if (note && mdt__plans_gate(r->scrub, "note", note, findings, &msg) > 0 &&
        mdt__plans_gate_reply(r, findings, &msg) < 0)
        goto out;
    rc = record_update(r->db, id, r->org_id, status, note, version, r->token_id, 0, mdt_now(), &nv);
    if (rc == -ENOENT) {
        mdt_reply_error(r, 404, "not_found", NULL, "no such action");
    } else if (rc == -ESTALE) {
        mdt_reply_error(r, 409, "conflict", "version",
                        "version: the action changed since version %lld; read it again",
                        (long long)version);
    } else if (rc == -EAGAIN) {
        mdt_reply_error(r, 409, "conflict", NULL,
                        "the action is closed (withdrawn from the plan, or its case closed)");
    } else if (rc < 0) {
        mdt_reply_errno(r, rc, NULL, "action");
    } else {
        mdt_req_set_object(r, id);
        mdt_reply_json(r, 200, visible_action(r, id, 1));
    }
out:
    json_decref(findings);
    mdt_buf_release(&msg);
}

/* The partner page (html.c's shell). The link a secret names: 0 with its action and link ids, -ENOENT when
 * unknown (or malformed), -ETIMEDOUT when expired, -EACCES when revoked. */
static int link_lookup(struct mdt_db *db, const char *secret, int64_t now, int64_t *link_id,
                       int64_t *action_id)
{
    unsigned char hash[crypto_hash_sha256_BYTES];
    sqlite3_stmt *st;
    int64_t expires;
    int revoked, rc;

    if (secret == NULL || strlen(secret) != LINK_HEX)
        return -ENOENT;
    for (const char *p = secret; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return -ENOENT;
    crypto_hash_sha256(hash, (const unsigned char *)secret, LINK_HEX);
    st = mdt_db_stmt(db, "SELECT id, action_id, expires_at, revoked_at IS NOT NULL FROM "
                         "action_links WHERE hash = ?1");
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
    if ((rc = mdt_db_step(db, st)) != 1)
        return rc < 0 ? rc : -ENOENT;
    *link_id = sqlite3_column_int64(st, 0);
    *action_id = sqlite3_column_int64(st, 1);
    expires = sqlite3_column_int64(st, 2);
    revoked = sqlite3_column_int(st, 3);
    sqlite3_reset(st);
    if (revoked)
        return -EACCES;
    if (expires <= now)
        return -ETIMEDOUT;
    return 0;
}

/* Decodes an application/x-www-form-urlencoded body: the values of
 * status, note and version (new strings or NULL). -EINVAL when it cannot
 * be decoded. */
static int form_fields(const char *raw, size_t len, char **status, char **note, char **version)
{
    struct mdt_buf v;
    const char *p = raw, *end = raw + len;
    int rc = 0;

    *status = *note = *version = NULL;
    mdt_buf_init(&v, 64 * 1024);
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p)), *eq;
        const char *stop = amp ? amp : end;
        char **slot = NULL;

        eq = memchr(p, '=', (size_t)(stop - p));
        if (eq) {
            size_t kl = (size_t)(eq - p);
            if (kl == 6 && memcmp(p, "status", 6) == 0)
                slot = status;
            else if (kl == 4 && memcmp(p, "note", 4) == 0)
                slot = note;
            else if (kl == 7 && memcmp(p, "version", 7) == 0)
                slot = version;
        }
        if (slot && *slot == NULL) {
            mdt_buf_reset(&v);
            if (mdt_url_decode(eq + 1, (size_t)(stop - eq - 1), 1, &v) < 0) {
                rc = -EINVAL;
                break;
            }
            *slot = mdt_xstrdup(mdt_buf_str(&v));
        }
        p = stop + 1;
    }
    mdt_buf_release(&v);
    if (rc < 0) {
        free(*status);
        free(*note);
        free(*version);
        *status = *note = *version = NULL;
    }
    return rc;
}

/* The page body for an action: summary, status, history and forms. */
static void action_page_html(struct mdt_req *r, struct mdt_buf *b, int64_t action_id,
                             const char *notice)
{
    sqlite3_stmt *st = mdt_db_stmt(r->db, "SELECT " MDT__ACTION_COLS " WHERE a.id = ?1");
    json_t *a = NULL, *h;
    size_t i;

    if (st == NULL)
        return;
    sqlite3_bind_int64(st, 1, action_id);
    if (mdt_db_step(r->db, st) != 1)
        return;
    a = mdt__plans_action_json(r->db, st, 1);
    sqlite3_reset(st);
    if (notice)
        mdt_buf_printf(b, "<p><strong>%s</strong></p>\n", notice);
    mdt_buf_adds(b, "<p>");
    mdt_html_esc(b, json_string_value(json_object_get(json_object_get(a, "org"), "name")));
    mdt_buf_adds(b, ", for ");
    mdt_html_esc(b, json_string_value(json_object_get(json_object_get(a, "case"), "pseudonym")));
    mdt_buf_adds(b, " (age ");
    mdt_html_esc(b, json_string_value(json_object_get(json_object_get(a, "case"), "age_band")));
    mdt_buf_adds(b, ")</p>\n<p style=\"font-size:1.2em\">");
    mdt_html_esc(b, json_string_value(json_object_get(a, "what")));
    mdt_buf_adds(b, "</p>\n<p>Due: ");
    mdt_html_esc(b, json_string_value(json_object_get(a, "due")));
    mdt_buf_printf(b, "<br>Now: <strong>%s</strong>%s</p>\n",
                   status_words(json_string_value(json_object_get(a, "status"))),
                   json_is_true(json_object_get(a, "overdue")) ? " (overdue)" : "");
    if (json_object_get(a, "removed_at") && !json_is_null(json_object_get(a, "removed_at"))) {
        mdt_buf_adds(b, "<p>This action was withdrawn from the plan: nothing more is needed.</p>");
        json_decref(a);
        return;
    }
    long long ver = (long long)json_integer_value(json_object_get(a, "version"));
    mdt_buf_printf(b,
                   "<form method=\"post\"><input type=\"hidden\" name=\"version\" value=\"%lld\">"
                   "<button name=\"status\" value=\"accepted\">Accept</button>"
                   "<button name=\"status\" value=\"in_progress\">In progress</button></form>\n",
                   ver);
    mdt_buf_printf(b,
                   "<form method=\"post\"><fieldset><legend>Done</legend>"
                   "<input type=\"hidden\" name=\"version\" value=\"%lld\">"
                   "<label for=\"dn\">What was done (no names or other details that "
                   "identify anyone)</label><textarea id=\"dn\" name=\"note\" rows=\"3\">"
                   "</textarea><button name=\"status\" value=\"done\">Done</button>"
                   "</fieldset></form>\n",
                   ver);
    mdt_buf_printf(b,
                   "<form method=\"post\"><fieldset><legend>Decline</legend>"
                   "<input type=\"hidden\" name=\"version\" value=\"%lld\">"
                   "<label for=\"dr\">Why (needed)</label><textarea id=\"dr\" name=\"note\" "
                   "rows=\"3\" required></textarea><button name=\"status\" value=\"declined\">"
                   "Decline</button></fieldset></form>\n",
                   ver);
    mdt_buf_adds(b, "<h2>History</h2>\n<ul>\n");
    json_array_foreach(json_object_get(a, "history"), i, h)
    {
        mdt_buf_adds(b, "<li>");
        mdt_html_esc(b, json_string_value(json_object_get(h, "at")));
        mdt_buf_printf(b, ": %s", status_words(json_string_value(json_object_get(h, "status"))));
        if (json_is_string(json_object_get(h, "note"))) {
            mdt_buf_adds(b, " &mdash; ");
            mdt_html_esc(b, json_string_value(json_object_get(h, "note")));
        }
        mdt_buf_adds(b, "</li>\n");
    }
    mdt_buf_adds(b, "</ul>\n<p>This page is for you alone: do not forward the link.</p>");
    json_decref(a);
}

static void link_refused(struct mdt_req *r, int rc)
{
    if (rc == -ENOENT)
        mdt_reply_html(r, 404, "Link not valid",
             "<p>This link is not valid. Use the link in the most recent email about the "
             "action.</p>");
    else if (rc == -ETIMEDOUT)
        mdt_reply_html(r, 410, "Link expired",
             "<p>This link has expired. Ask the MDT chair for a new one, or use your "
             "organisation's token.</p>");
    else if (rc == -EACCES)
        mdt_reply_html(r, 410, "Link withdrawn",
             "<p>This link no longer works: the action was withdrawn or its case closed.</p>");
    else
        mdt_reply_errno(r, rc, NULL, "link");
}

void mdt_h_action_link_get(struct mdt_req *r)
{
    int64_t link_id, action_id;
    struct mdt_buf b;
    int rc;

    if ((rc = link_lookup(r->db, r->param, mdt_now(), &link_id, &action_id)) < 0) {
        link_refused(r, rc);
        return;
    }
    mdt_buf_init(&b, MDT_BUF_NOCAP);
    action_page_html(r, &b, action_id, NULL);
    mdt_reply_html(r, 200, "Your action", mdt_buf_str(&b));
    mdt_buf_release(&b);
}

void mdt_h_action_link_post(struct mdt_req *r)
{
    char *status = NULL, *note = NULL, *version = NULL;
    int64_t link_id, action_id, nv, ver = -1;
    json_t *findings = json_array();
    struct mdt_buf b, msg;
    const char *why;
    int rc;

    mdt_buf_init(&b, MDT_BUF_NOCAP);
    mdt_buf_init(&msg, 4096);
    if ((rc = link_lookup(r->db, r->param, mdt_now(), &link_id, &action_id)) < 0) {
        link_refused(r, rc);
        goto out;
    }
    if (form_fields(r->raw, r->raw_len, &status, &note, &version) < 0) {
        mdt_reply_html(r, 400, "Not understood", "<p>The form could not be read. Go back and try again.</p>");
        goto out;
    }
    if (version && *version) {
        char *end;
        ver = strtoll(version, &end, 10);
        if (*end != '\0' || ver < 1)
            ver = -2; /* never current: a tampered form is stale */
    }
    if ((why = check_update(status, note)) != NULL) {
        mdt_buf_adds(&b, "<p>");
        mdt_buf_adds(&b, strncmp(why, "note: a decline", 15) == 0
                             ? "Please say why you decline: the case holder needs the reason."
                             : "Choose one of the buttons below.");
        mdt_buf_adds(&b, "</p>\n");
        action_page_html(r, &b, action_id, NULL);
        mdt_reply_html(r, 422, "Not recorded", mdt_buf_str(&b));
        goto out;
    }
    if (note && mdt__plans_gate(r->scrub, "note", note, findings, &msg) > 0) {
        mdt_buf_adds(&b, "<p>The note seems to contain details that identify someone (");
        mdt_html_esc(&b, mdt_buf_str(&msg));
        mdt_buf_adds(&b, "). Write it again without them.</p>\n");
        action_page_html(r, &b, action_id, NULL);
        mdt_reply_html(r, 422, "Not recorded", mdt_buf_str(&b));
        goto out;
    }
    rc = record_update(r->db, action_id, 0, status, note, ver, 0, link_id, mdt_now(), &nv);
    if (rc == -ESTALE) {
        action_page_html(r, &b, action_id,
                         "Someone else updated this action in the meantime: here it is as it "
                         "stands now. Answer again if you still need to.");
        mdt_reply_html(r, 409, "Changed meanwhile", mdt_buf_str(&b));
    } else if (rc == -EAGAIN || rc == -ENOENT) {
        link_refused(r, -EACCES);
    } else if (rc < 0) {
        mdt_reply_errno(r, rc, NULL, "action");
    } else {
        char thanks[128];
        snprintf(thanks, sizeof(thanks), "Thank you: recorded as %s.", status_words(status));
        action_page_html(r, &b, action_id, thanks);
        mdt_req_set_object(r, action_id);
        mdt_reply_html(r, 200, "Recorded", mdt_buf_str(&b));
    }
out:
    free(status);
    free(note);
    free(version);
    json_decref(findings);
    mdt_buf_release(&b);
    mdt_buf_release(&msg);
}

/* POST /v1/orgs/{ref}/webhook-secret: a new signing secret, shown once. */
void mdt_h_org_webhook_secret(struct mdt_req *r)
{
    unsigned char raw[32];
    char hex[65], *secret;
    sqlite3_stmt *st;
    int64_t id = mdt_lookup_ref(r->db, r->param, MDT_SQL_ORG_BY_ID, MDT_SQL_ORG_BY_NAME);
    int rc;

    if (id < 0) {
        mdt_reply_errno(r, (int)id, NULL, "organisation");
        return;
    }
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
    secret = mdt_xasprintf("whsec_%s", hex);
    st = mdt_db_stmt(r->db, "UPDATE orgs SET webhook_secret = ?2, version = version + 1, "
                            "updated_at = ?3 WHERE id = ?1");
    if (st == NULL) {
        free(secret);
        mdt_reply_errno(r, -EPROTO, NULL, "organisation");
        return;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, secret, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, mdt_now());
    if ((rc = mdt_db_step(r->db, st)) < 0) {
        free(secret);
        mdt_reply_errno(r, rc, NULL, "organisation");
        return;
    }
    log_info("actions: organisation %lld has a new webhook secret", (long long)id);
    mdt_req_set_object(r, id);
    mdt_reply_json(r, 200,
                   json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id, "webhook_secret", secret,
                             "signature",
                             "X-MDT-Signature: t=UNIX,v1=HEX, HEX the HMAC-SHA-256 of "
                             "\"UNIX.\" followed by the body"));
    sodium_memzero(secret, strlen(secret));
    free(secret);
}
