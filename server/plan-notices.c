/* Chasing actions, from the scheduler: a reminder to an action's owner
 * (the named professional, else the organisation's contact)
 * action_reminder_days before it is due; a digest of each
 * organisation's overdue actions every action_digest_interval; an
 * escalation to the meeting's chair once an action is overdue by
 * action_escalate_after. plan_notices records each one sent, in the same
 * transaction as its email, so nothing goes twice. Also the purge of
 * closed cases, and "matters arising" for agendas. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mdtd.h"
#include "xmalloc.h"

static void day_of(int64_t t, char out[11])
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Whether (kind, key, due) was sent; when not, records it now. 1 when it
 * is new (send it), 0 when sent before. */
static int notice_claim(struct mdt_db *db, const char *kind, int64_t key, const char *due,
                        int64_t now)
{
    sqlite3_stmt *st = mdt_db_stmt(db, "INSERT INTO plan_notices (kind, key, due_on, sent_at) "
                                       "VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING");
    int rc;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, key);
    sqlite3_bind_text(st, 3, due, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, now);
    if ((rc = mdt_db_step(db, st)) < 0)
        return rc;
    return mdt_db_changes(db) > 0;
}

/* Rows of one query, each handled in its own transaction by fn. */
struct row {
    int64_t id, key;
    char *to, *to_name, *text, *due, *about; /* about: the subject's end */
};

static void rows_free(struct row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].to);
        free(rows[i].to_name);
        free(rows[i].text);
        free(rows[i].due);
        free(rows[i].about);
    }
    free(rows);
}

static char *dup_col(sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    return s ? mdt_xstrdup(s) : NULL;
}

/* Columns: id, key, to, to_name, text, due, about. */
static int rows_of(struct mdt_db *db, const char *sql, const char *today, int64_t a,
                   struct row **out, size_t *n)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(mdt_db_handle(db), sql, -1, &st, NULL) != SQLITE_OK)
        return mdt_db_err(db, sqlite3_errcode(mdt_db_handle(db)), "prepare");
    sqlite3_bind_text(st, 1, today, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, a);
    while ((rc = mdt_db_step(db, st)) == 1) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = mdt_xreallocarray(*out, cap, sizeof(**out));
        }
        struct row *r = &(*out)[(*n)++];
        r->id = sqlite3_column_int64(st, 0);
        r->key = sqlite3_column_int64(st, 1);
        r->to = dup_col(st, 2);
        r->to_name = dup_col(st, 3);
        r->text = dup_col(st, 4);
        r->due = dup_col(st, 5);
        r->about = dup_col(st, 6);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Open actions: sent, not withdrawn, not finished, case open. */
#define OPEN_ACTION                                                                                \
    "a.sent_at IS NOT NULL AND a.removed_at IS NULL AND a.status IN "                              \
    "('proposed', 'accepted', 'in_progress') AND c.closed_at IS NULL"

/* Sends one notice per row (claim and mail in one transaction). */
static int send_rows(struct mdt_db *db, const struct mdt_config *cfg, const char *kind,
                     struct row *rows, size_t n, const char *subject_prefix, int64_t now, int *sent)
{
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        char subject[256], ref[64];
        int claimed;

        if (rows[i].to == NULL || rows[i].text == NULL)
            continue;
        snprintf(subject, sizeof(subject), "%s: %s", subject_prefix,
                 rows[i].about ? rows[i].about : "");
        snprintf(ref, sizeof(ref), "%s:%lld", kind, (long long)rows[i].key);
        if ((rc = mdt_db_begin(db)) < 0)
            return rc;
        if ((claimed = notice_claim(db, kind, rows[i].key, rows[i].due, now)) < 0) {
            rc = claimed;
            goto fail;
        }
        if (claimed) {
            struct mdt_mail m = {.to = rows[i].to,
                                 .to_name = rows[i].to_name,
                                 .subject = subject,
                                 .text = rows[i].text,
                                 .ref = ref};
            if ((rc = mdt_outbox_add_mail(db, cfg, &m, NULL)) < 0)
                goto fail;
        }
        if ((rc = mdt_db_commit(db)) < 0)
            goto fail;
        *sent += claimed;
        continue;
    fail:
        mdt_db_rollback(db);
        log_warnx("plans: %s %lld: cannot queue: %s", kind, (long long)rows[i].key, strerror(-rc));
    }
    return rc < 0 ? rc : 0;
}

int mdt_plans_run(struct mdt_db *db, const struct mdt_config *cfg, int64_t now, int *queued)
{
    char today[11], period[24];
    struct row *rows = NULL;
    size_t n = 0;
    int rc, first_rc = 0;

    *queued = 0;
    day_of(now, today);
    /* Reminders: due within action_reminder_days (and not yet past). */
    rc = rows_of(db,
                 "SELECT a.id, a.id, coalesce(p.email, o.email), coalesce(p.name, o.name), "
                 "printf('A reminder: this action for %s of the MDT care plan for %s is due on "
                 "%s.%s%s  %s%s%sAnswer or report progress with the link in the email that brought "
                 "it, or with mdt action update %d.%s', o.name, c.pseudonym, a.due_on, char(10), "
                 "char(10), a.what, char(10), char(10), a.id, char(10)), a.due_on, o.name "
                 "FROM actions a JOIN cases c ON c.id = a.case_id JOIN orgs o ON o.id = a.org_id "
                 "LEFT JOIN people p ON p.id = a.person_id WHERE " OPEN_ACTION
                 " AND a.due_on >= ?1 AND a.due_on <= date(?1, '+' || ?2 || ' days') "
                 "AND NOT EXISTS (SELECT 1 FROM plan_notices n WHERE n.kind = 'reminder' AND "
                 "n.key = a.id AND n.due_on = a.due_on) ORDER BY a.id",
                 today, cfg->action_reminder_days, &rows, &n);
    if (rc >= 0)
        rc = send_rows(db, cfg, "reminder", rows, n, "Reminder: an MDT action is due soon", now,
                       queued);
    rows_free(rows, n);
    if (rc < 0)
        first_rc = rc;
    /* Escalations: overdue by action_escalate_after seconds or more,
     * counted from the end of the due day; to the series' chair. */
    rc = rows_of(db,
                 "SELECT a.id, a.id, ch.email, ch.name, "
                 "printf('An MDT action is overdue and has not been completed.%s%s  Case: %s%s  "
                 "Organisation: %s%s  Action: %s%s  Due: %s%s  Status: %s%s%smdt case status %s "
                 "shows its history.%s', char(10), char(10), c.pseudonym, char(10), o.name, "
                 "char(10), a.what, char(10), a.due_on, char(10), a.status, char(10), char(10), "
                 "c.pseudonym, char(10)), a.due_on, o.name || ', ' || c.pseudonym "
                 "FROM actions a JOIN cases c ON c.id = a.case_id JOIN orgs o ON o.id = a.org_id "
                 "JOIN meetings m ON m.id = a.meeting_id JOIN series s ON s.id = m.series_id "
                 "JOIN people ch ON ch.id = s.chair_id WHERE " OPEN_ACTION
                 " AND a.due_on < ?1 AND unixepoch(a.due_on, '+1 day') <= ?2 "
                 "AND NOT EXISTS (SELECT 1 FROM plan_notices n WHERE n.kind = 'escalation' AND "
                 "n.key = a.id AND n.due_on = a.due_on) ORDER BY a.id",
                 today, now - cfg->action_escalate_after, &rows, &n);
    if (rc >= 0)
        rc = send_rows(db, cfg, "escalation", rows, n, "Overdue MDT action escalated", now, queued);
    rows_free(rows, n);
    if (rc < 0 && first_rc == 0)
        first_rc = rc;
    /* Digests: each organisation with overdue actions, once a period. */
    snprintf(
        period, sizeof(period), "p%lld",
        (long long)(now / (cfg->action_digest_interval > 0 ? cfg->action_digest_interval : 1)));
    rc = rows_of(db,
                 "SELECT o.id, o.id, o.email, o.name, "
                 "'Overdue MDT actions of ' || o.name || ':' || char(10) || char(10) || "
                 "group_concat(printf('  action %d (%s), due %s, %s: %s', a.id, c.pseudonym, "
                 "a.due_on, a.status, a.what), char(10)) || char(10) || char(10) || "
                 "'Report progress with the links in the emails that brought them, or with mdt "
                 "action update.' || char(10), ?2, o.name "
                 "FROM actions a JOIN cases c ON c.id = a.case_id JOIN orgs o ON o.id = a.org_id "
                 "WHERE " OPEN_ACTION " AND a.due_on < ?1 GROUP BY o.id ORDER BY o.id",
                 today, 0, &rows, &n);
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        free(rows[i].due);
        rows[i].due = mdt_xstrdup(period);
    }
    if (rc >= 0)
        rc = send_rows(db, cfg, "digest", rows, n, "Overdue MDT actions", now, queued);
    rows_free(rows, n);
    if (rc < 0 && first_rc == 0)
        first_rc = rc;
    if (*queued)
        log_info("plans: %d reminders, digests and escalations queued", *queued);
    return first_rc;
}

/* Overdue and declined actions for the agenda of meeting_id: those of
 * cases on it, and, at the PCN's next meeting, those of the PCN's cases
 * on no later meeting. */
json_t *mdt_plans_matters_arising(struct mdt_db *db, int64_t meeting_id)
{
    sqlite3_stmt *st = NULL;
    json_t *arr = json_array();

    if (sqlite3_prepare_v2(
            mdt_db_handle(db),
            "WITH m AS (SELECT mm.id, mm.start_at, s.pcn_id FROM meetings mm JOIN series s ON "
            "s.id = mm.series_id WHERE mm.id = ?1), "
            "nxt AS (SELECT mm.id FROM meetings mm JOIN series s ON s.id = mm.series_id, m "
            "WHERE s.pcn_id = m.pcn_id AND mm.status = 'scheduled' AND mm.start_at > "
            "unixepoch('now') ORDER BY mm.start_at, mm.id LIMIT 1) "
            "SELECT a.id, c.id, c.pseudonym, o.name, a.what, a.due_on, a.status, "
            "CASE WHEN a.status = 'declined' THEN 'declined' ELSE 'overdue' END, "
            "(SELECT note FROM action_updates u WHERE u.action_id = a.id ORDER BY u.id DESC "
            "LIMIT 1) FROM actions a JOIN cases c ON c.id = a.case_id JOIN orgs o ON o.id = "
            "a.org_id, m WHERE a.sent_at IS NOT NULL AND a.removed_at IS NULL AND c.closed_at "
            "IS NULL AND (a.status = 'declined' OR (a.status IN ('proposed', 'accepted', "
            "'in_progress') AND a.due_on < date('now'))) AND (c.meeting_id = m.id OR "
            "(c.pcn_id = m.pcn_id AND m.id = (SELECT id FROM nxt) AND NOT EXISTS (SELECT 1 FROM "
            "meetings cm WHERE cm.id = c.meeting_id AND cm.status = 'scheduled' AND cm.start_at "
            "> unixepoch('now')))) ORDER BY c.id, a.id",
            -1, &st, NULL) != SQLITE_OK) {
        log_warnx("plans: matters arising: %s", sqlite3_errmsg(mdt_db_handle(db)));
        return arr;
    }
    sqlite3_bind_int64(st, 1, meeting_id);
    while (mdt_db_step(db, st) == 1)
        json_array_append_new(arr, json_pack("{s:I, s:{s:I, s:s}, s:s, s:s, s:s, s:s, s:s, s:o}",
                                             "action", (json_int_t)sqlite3_column_int64(st, 0),
                                             "case", "id", (json_int_t)sqlite3_column_int64(st, 1),
                                             "pseudonym", (const char *)sqlite3_column_text(st, 2),
                                             "org", (const char *)sqlite3_column_text(st, 3),
                                             "what", (const char *)sqlite3_column_text(st, 4),
                                             "due", (const char *)sqlite3_column_text(st, 5),
                                             /* every one was sent: the API's status */
                                             "status",
                                             mdt__plans_status(
                                                 (const char *)sqlite3_column_text(st, 6), 1),
                                             "reason", (const char *)sqlite3_column_text(st, 7),
                                             "note", mdt_json_text_col(st, 8)));
    sqlite3_finalize(st);
    return arr;
}

