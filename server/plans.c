/* Care plans: the outcome a meeting records for a case (its risk and
 * proposed actions), the case holder's confirmation that the person
 * agreed the plan (which sends each partner organisation its actions),
 * amendments, the case's status and closure (purge.c removes closed
 * cases' text). Every text passes the same identifier gate as case text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mdtd.h"
#include "scrub.h"
#include "xmalloc.h"

#define MAX_ACTIONS 50
#define MAX_ACTION_TEXT 2000
#define MAX_RISK 20000

/* Whether s is a real calendar date YYYY-MM-DD. */
int mdt__plans_date_valid(const char *s)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d;

    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    y = atoi(s);
    m = atoi(s + 5);
    d = atoi(s + 8);
    if (y < 2000 || y > 2200 || m < 1 || m > 12 || d < 1)
        return 0;
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return d <= 29;
    return d <= mdays[m - 1];
}

static char *trim_dup(const char *s, size_t n)
{
    while (n > 0 && (*s == ' ' || *s == '\t')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return mdt_xstrndup(s, n);
}

void mdt__plans_action_release(struct mdt_plan_action *a)
{
    free(a->org);
    free(a->person);
    free(a->what);
    memset(a, 0, sizeof(*a));
}

/* "ORG: what, due YYYY-MM-DD" or "ORG [EMAIL]: what, due YYYY-MM-DD".
 * The organisation ends at the first colon; the due date is the last
 * ", due " of the text, so the action itself may hold commas. */
int mdt__plans_parse_action(const char *s, struct mdt_plan_action *a, const char **why)
{
    const char *colon, *due = NULL, *p, *lb, *rb;

    memset(a, 0, sizeof(*a));
    *why = NULL;
    if ((colon = strchr(s, ':')) == NULL) {
        *why = "must be \"ORG: what, due YYYY-MM-DD\" (no colon after the organisation)";
        return -EINVAL;
    }
    for (p = colon; (p = strstr(p, ", due ")) != NULL; p++)
        due = p;
    if (due == NULL) {
        *why = "must end with \", due YYYY-MM-DD\"";
        return -EINVAL;
    }
    a->org = trim_dup(s, (size_t)(colon - s));
    /* A named professional in square brackets after the organisation. */
    if ((lb = strchr(a->org, '[')) != NULL && (rb = strchr(lb, ']')) != NULL && rb[1] == '\0') {
        char *org = trim_dup(a->org, (size_t)(lb - a->org));
        a->person = trim_dup(lb + 1, (size_t)(rb - lb - 1));
        free(a->org);
        a->org = org;
        if (a->person[0] == '\0') {
            *why = "the named professional in [ ] is empty";
            goto bad;
        }
    }
    a->what = trim_dup(colon + 1, (size_t)(due - colon - 1));
    p = due + 6;
    while (*p == ' ')
        p++;
    {
        char *date = trim_dup(p, strlen(p));
        if (!mdt__plans_date_valid(date)) {
            free(date);
            *why = "the due date must be a date YYYY-MM-DD";
            goto bad;
        }
        memcpy(a->due, date, 11);
        free(date);
    }
    if (a->org[0] == '\0') {
        *why = "the organisation before the colon is empty";
        goto bad;
    }
    if (a->what[0] == '\0') {
        *why = "the action between the colon and \", due\" is empty";
        goto bad;
    }
    if (strlen(a->what) > MAX_ACTION_TEXT) {
        *why = "the action is longer than 2000 bytes";
        goto bad;
    }
    return 0;
bad:
    mdt__plans_action_release(a);
    return -EINVAL;
}

/* The identifier gate over one text: adds findings and, for the first
 * field with any, the message. Returns how many were found. */
size_t mdt__plans_gate(const struct mdt_scrub_ctx *scrub, const char *field, const char *text,
                       json_t *findings, struct mdt_buf *msg)
{
    struct mdt_finding *f = NULL;
    size_t n = mdt_scrub_detect(scrub, text, strlen(text), &f);

    for (size_t i = 0; i < n; i++)
        json_array_append_new(findings,
                              json_pack("{s:s, s:s, s:I, s:I}", "field", field, "kind",
                                        mdt_kind_name(f[i].kind), "start", (json_int_t)f[i].start,
                                        "end", (json_int_t)f[i].end));
    if (n > 0 && msg->len == 0) {
        mdt_buf_printf(msg, "%s: %zu identifier%s found (", field, n, n == 1 ? "" : "s");
        for (size_t i = 0; i < n && i < 10; i++)
            mdt_buf_printf(msg, "%s%s at %zu", i ? ", " : "", mdt_kind_name(f[i].kind), f[i].start);
        mdt_buf_adds(msg, n > 10 ? ", ...)" : ")");
    }
    free(f);
    return n;
}

/* Answers 422 identifier_found when findings is not empty (never the
 * value). Returns -1 after answering, else 0. */
int mdt__plans_gate_reply(struct mdt_req *r, json_t *findings, struct mdt_buf *msg)
{
    if (json_array_size(findings) == 0)
        return 0;
    mdt_reply_error_extra(r, 422, "identifier_found",
                          json_string_value(json_object_get(json_array_get(findings, 0), "field")),
                          json_pack("{s:O}", "findings", findings), "%s", mdt_buf_str(msg));
    log_info("plans: refused a text: %zu identifiers found", json_array_size(findings));
    return -1;
}

/* The case a {ref} names: its id, or a pseudonym (the newest case with
 * it). Case holders see their own organisation's cases only (others are
 * 404). *holder: whether the token is that case's own case holder. */
int mdt__plans_case(struct mdt_req *r, const char *ref, int64_t *case_id, int *holder)
{
    sqlite3_stmt *st;
    char *end;
    long long id = 0;
    int rc;

    *case_id = 0;
    *holder = 0;
    if (ref == NULL || *ref == '\0')
        return -ENOENT;
    if (ref[0] >= '0' && ref[0] <= '9') {
        id = strtoll(ref, &end, 10);
        if (*end != '\0' || id <= 0)
            return -ENOENT;
    } else if (!mdt__pseudonym_valid(ref)) {
        return -ENOENT;
    }
    st = mdt_db_stmt(r->db, "SELECT c.id, c.org_id, (c.token_id = ?3 OR (c.holder_id IS NOT NULL "
                            "AND c.holder_id = (SELECT person_id FROM tokens WHERE id = ?3))) "
                            "FROM cases c WHERE (c.id = ?1 OR c.pseudonym = ?2) "
                            "AND (?4 = 0 OR c.org_id = ?4) ORDER BY c.created_at DESC, c.id DESC "
                            "LIMIT 1");
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, id);
    if (id == 0)
        sqlite3_bind_text(st, 2, ref, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, r->token_id);
    sqlite3_bind_int64(st, 4, r->role == MDT_ROLE_CASE_HOLDER ? r->org_id : 0);
    if ((rc = mdt_db_step(r->db, st)) != 1)
        return rc < 0 ? rc : -ENOENT;
    *case_id = sqlite3_column_int64(st, 0);
    *holder = sqlite3_column_int(st, 2);
    sqlite3_reset(st);
    return 0;
}

/* A single integer or text from a one-row query with ?1 = a. */
static int64_t scalar(struct mdt_db *db, const char *sql, int64_t a, int64_t dflt)
{
    sqlite3_stmt *st = mdt_db_stmt(db, sql);
    int64_t v = dflt;

    if (st == NULL)
        return dflt;
    sqlite3_bind_int64(st, 1, a);
    if (mdt_db_step(db, st) == 1) {
        if (sqlite3_column_type(st, 0) != SQLITE_NULL)
            v = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    return v;
}

/* Resolves and checks the actions of a body's "actions" array: each
 * parsed, its organisation and named professional looked up, its text
 * gated. out (n entries) new: release each, free. -1 after answering. */
static int read_actions(struct mdt_req *r, const char *field, int required,
                        struct mdt_plan_action **out, size_t *n)
{
    json_t *arr = json_object_get(r->body, field), *e, *findings = json_array();
    struct mdt_plan_action *acts = NULL;
    struct mdt_buf msg;
    size_t i, k = 0;
    int ret = -1;

    *out = NULL;
    *n = 0;
    mdt_buf_init(&msg, 4096);
    if (arr == NULL && !required) {
        ret = 0;
        goto out;
    }
    if (!json_is_array(arr) || (required && json_array_size(arr) == 0) ||
        json_array_size(arr) > MAX_ACTIONS) {
        mdt_reply_error(r, 422, "invalid", field,
                        "%s: must be an array of 1 to %d actions \"ORG: what, due YYYY-MM-DD\"",
                        field, MAX_ACTIONS);
        goto out;
    }
    acts = mdt_xcalloc(json_array_size(arr) + 1, sizeof(*acts));
    json_array_foreach(arr, i, e)
    {
        char path[48];
        const char *why;
        int64_t id;

        snprintf(path, sizeof(path), "%s.%zu", field, i);
        if (!json_is_string(e) || strlen(json_string_value(e)) != json_string_length(e)) {
            mdt_reply_error(r, 422, "invalid", path, "%s: must be a string", path);
            goto out;
        }
        if (mdt__plans_parse_action(json_string_value(e), &acts[k], &why) < 0) {
            mdt_reply_error(r, 422, "invalid", path, "%s: %s", path, why);
            goto out;
        }
        k++;
        id = mdt_lookup_ref(r->db, acts[k - 1].org, MDT_SQL_ORG_BY_ID, MDT_SQL_ORG_BY_NAME);
        if (id < 0) {
            if (id == -ENOENT || id == -EINVAL)
                mdt_reply_error(r, 422, "invalid", path, "%s: no organisation called \"%s\"", path,
                                acts[k - 1].org);
            else
                mdt_reply_errno(r, (int)id, NULL, "organisation");
            goto out;
        }
        acts[k - 1].org_id = id;
        if (acts[k - 1].person) {
            sqlite3_stmt *st = mdt_db_stmt(r->db, "SELECT id, org_id FROM people WHERE email = ?1");
            int rc;
            if (st == NULL) {
                mdt_reply_errno(r, -EPROTO, NULL, "person");
                goto out;
            }
            sqlite3_bind_text(st, 1, acts[k - 1].person, -1, SQLITE_TRANSIENT);
            if ((rc = mdt_db_step(r->db, st)) != 1) {
                if (rc < 0)
                    mdt_reply_errno(r, rc, NULL, "person");
                else
                    mdt_reply_error(r, 422, "invalid", path,
                                    "%s: no professional with that email in the directory", path);
                goto out;
            }
            acts[k - 1].person_id = sqlite3_column_int64(st, 0);
            id = sqlite3_column_int64(st, 1);
            sqlite3_reset(st);
            if (id != acts[k - 1].org_id) {
                mdt_reply_error(r, 422, "invalid", path,
                                "%s: the named professional works for another organisation", path);
                goto out;
            }
        }
        snprintf(path, sizeof(path), "%s.%zu.what", field, i);
        mdt__plans_gate(r->scrub, path, acts[k - 1].what, findings, &msg);
    }
    if (mdt__plans_gate_reply(r, findings, &msg) < 0)
        goto out;
    *out = acts;
    *n = k;
    acts = NULL;
    ret = 0;
out:
    if (acts) {
        for (i = 0; i < k; i++)
            mdt__plans_action_release(&acts[i]);
        free(acts);
    }
    json_decref(findings);
    mdt_buf_release(&msg);
    return ret;
}

static void free_actions(struct mdt_plan_action *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mdt__plans_action_release(&a[i]);
    free(a);
}

/* "YYYY-MM-DD" of today (UTC, as overdue is reckoned). */
static void today_utc(int64_t now, char out[11])
{
    time_t t = (time_t)now;
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* An action due before floor (today, or the meeting's day when that is
 * later) would be overdue before its partner heard of it: 422 naming
 * FIELD.N.due, what was given and the earliest date allowed. -1 after
 * answering. */
static int check_due_dates(struct mdt_req *r, const char *field, const struct mdt_plan_action *acts,
                           size_t n, const char *floor, const char *floor_is)
{
    char path[48];

    for (size_t i = 0; i < n; i++) {
        if (strcmp(acts[i].due, floor) >= 0)
            continue;
        snprintf(path, sizeof(path), "%s.%zu.due", field, i);
        mdt_reply_error(r, 422, "invalid", path,
                        "%s: %s is in the past: an action must be due on or after %s (%s)", path,
                        acts[i].due, floor, floor_is);
        return -1;
    }
    return 0;
}

/* Inserts one proposed action and its first history row. */
static int insert_action(struct mdt_req *r, int64_t case_id, int64_t meeting_id, int64_t outcome_id,
                         const struct mdt_plan_action *a, const char *via, int64_t now, int64_t *id)
{
    sqlite3_stmt *st =
        mdt_db_stmt(r->db, "INSERT INTO actions (case_id, meeting_id, outcome_id, "
                           "org_id, person_id, what, due_on, created_at, updated_at) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)");
    int rc;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, case_id);
    sqlite3_bind_int64(st, 2, meeting_id);
    sqlite3_bind_int64(st, 3, outcome_id);
    sqlite3_bind_int64(st, 4, a->org_id);
    if (a->person_id)
        sqlite3_bind_int64(st, 5, a->person_id);
    else
        sqlite3_bind_null(st, 5);
    sqlite3_bind_text(st, 6, a->what, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, a->due, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 8, now);
    if ((rc = mdt_db_step(r->db, st)) < 0)
        return rc;
    *id = mdt_db_last_id(r->db);
    st = mdt_db_stmt(r->db, "INSERT INTO action_updates (action_id, status, via, token_id, "
                            "version, at) VALUES (?1, 'proposed', ?2, ?3, 1, ?4)");
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, *id);
    sqlite3_bind_text(st, 2, via, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, r->token_id);
    sqlite3_bind_int64(st, 4, now);
    return mdt_db_step(r->db, st) < 0 ? -EIO : 0;
}

/* POST /v1/cases/{ref}/outcome: {"meeting", "actions": [...], "risk"}. */
void mdt_h_outcome_record(struct mdt_req *r)
{
    static const char *const fields[] = {"meeting", "actions", "risk", NULL};
    struct mdt_plan_action *acts = NULL;
    size_t nacts = 0;
    json_t *mv, *findings = json_array();
    const char *risk = NULL;
    struct mdt_buf msg;
    sqlite3_stmt *st;
    int64_t case_id, meeting_id = 0, outcome_id, now = mdt_now();
    int holder, rc, in_tx = 0;

    mdt_buf_init(&msg, 4096);
    if ((rc = mdt__plans_case(r, r->param, &case_id, &holder)) < 0) {
        mdt_reply_errno(r, rc, NULL, "case");
        goto out;
    }
    if (r->role != MDT_ROLE_CHAIR && !holder) {
        mdt_reply_error(r, 403, "forbidden", NULL,
                        "only the chair or the case's own case holder may record its outcome");
        goto out;
    }
    if (mdt_fields_known(r, fields) < 0 || mdt_field_str(r, "risk", 0, &risk) < 0)
        goto out;
    mv = json_object_get(r->body, "meeting");
    if (json_is_integer(mv))
        meeting_id = json_integer_value(mv);
    else if (json_is_string(mv))
        meeting_id = strtoll(json_string_value(mv), NULL, 10);
    if (meeting_id <= 0) {
        mdt_reply_error(r, 422, "invalid", "meeting", "meeting: required, a meeting id");
        goto out;
    }
    if (risk && strlen(risk) > MAX_RISK) {
        mdt_reply_error(r, 422, "invalid", "risk", "risk: at most %d bytes", MAX_RISK);
        goto out;
    }
    if (risk && mdt__plans_gate(r->scrub, "risk", risk, findings, &msg) > 0 &&
        mdt__plans_gate_reply(r, findings, &msg) < 0)
        goto out;
    if (read_actions(r, "actions", 1, &acts, &nacts) < 0)
        goto out;
    /* The case must be on that meeting's agenda, and still open. */
    st = mdt_db_stmt(r->db, "SELECT c.closed_at IS NOT NULL, m.status, date(m.start_at, "
                            "'unixepoch') FROM cases c JOIN meetings m "
                            "ON m.id = c.meeting_id WHERE c.id = ?1 AND c.meeting_id = ?2");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "case");
        goto out;
    }
    sqlite3_bind_int64(st, 1, case_id);
    sqlite3_bind_int64(st, 2, meeting_id);
    if ((rc = mdt_db_step(r->db, st)) != 1) {
        if (rc < 0)
            mdt_reply_errno(r, rc, NULL, "case");
        else
            mdt_reply_error(r, 422, "invalid", "meeting",
                            "meeting: the case is not on meeting %lld's agenda",
                            (long long)meeting_id);
        goto out;
    }
    rc = sqlite3_column_int(st, 0);
    {
        int cancelled = strcmp((const char *)sqlite3_column_text(st, 1), "cancelled") == 0;
        const char *md = (const char *)sqlite3_column_text(st, 2);
        char floor[11];
        int later;

        /* Due dates may not be before today, nor before the meeting. */
        today_utc(now, floor);
        if ((later = md && strlen(md) == 10 && strcmp(md, floor) > 0))
            memcpy(floor, md, sizeof(floor));
        sqlite3_reset(st);
        if (rc) {
            mdt_reply_error(r, 409, "conflict", NULL, "the case is closed");
            goto out;
        }
        if (cancelled) {
            mdt_reply_error(r, 422, "invalid", "meeting", "meeting: the meeting was cancelled");
            goto out;
        }
        if (check_due_dates(r, "actions", acts, nacts, floor,
                            later ? "the meeting's day" : "today") < 0)
            goto out;
    }
    if (scalar(r->db, "SELECT 1 FROM plans WHERE case_id = ?1", case_id, 0)) {
        mdt_reply_error(r, 409, "conflict", NULL,
                        "the plan is confirmed: change it with mdt plan amend");
        goto out;
    }
    if ((rc = mdt_db_begin(r->db)) < 0) {
        mdt_reply_errno(r, rc, NULL, "outcome");
        goto out;
    }
    in_tx = 1;
    /* Recording again before confirmation adds actions (and sets the risk
     * when one is given). */
    st = mdt_db_stmt(r->db,
                     "INSERT INTO outcomes (case_id, meeting_id, risk, recorded_by, "
                     "recorded_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5) "
                     "ON CONFLICT (case_id, meeting_id) DO UPDATE SET "
                     "risk = coalesce(excluded.risk, risk), updated_at = excluded.updated_at");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "outcome");
        goto out;
    }
    sqlite3_bind_int64(st, 1, case_id);
    sqlite3_bind_int64(st, 2, meeting_id);
    if (risk)
        sqlite3_bind_text(st, 3, risk, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int64(st, 4, r->token_id);
    sqlite3_bind_int64(st, 5, now);
    if ((rc = mdt_db_step(r->db, st)) < 0) {
        mdt_reply_errno(r, rc, NULL, "outcome");
        goto out;
    }
    outcome_id = scalar(r->db,
                        "SELECT id FROM outcomes WHERE case_id = ?1 AND meeting_id = "
                        "(SELECT meeting_id FROM cases WHERE id = ?1)",
                        case_id, 0);
    for (size_t i = 0; i < nacts; i++) {
        int64_t aid;
        if ((rc = insert_action(r, case_id, meeting_id, outcome_id, &acts[i], "record", now,
                                &aid)) < 0) {
            mdt_reply_errno(r, rc, NULL, "action");
            goto out;
        }
    }
    if ((rc = mdt_db_commit(r->db)) < 0) {
        in_tx = 0;
        mdt_reply_errno(r, rc, NULL, "outcome");
        goto out;
    }
    in_tx = 0;
    log_info("plans: case %lld: outcome of meeting %lld recorded, %zu actions proposed",
             (long long)case_id, (long long)meeting_id, nacts);
    mdt_req_set_object(r, outcome_id);
    mdt__plans_reply_status(r, case_id, 201);
out:
    if (in_tx)
        mdt_db_rollback(r->db);
    free_actions(acts, nacts);
    json_decref(findings);
    mdt_buf_release(&msg);
}

/* The case's holder only (chairs neither). */
static int holder_case(struct mdt_req *r, int64_t *case_id)
{
    int holder, rc;

    if ((rc = mdt__plans_case(r, r->param, case_id, &holder)) < 0) {
        mdt_reply_errno(r, rc, NULL, "case");
        return -1;
    }
    if (!holder) {
        mdt_reply_error(r, 403, "forbidden", NULL, "only the case's own case holder may do this");
        return -1;
    }
    return 0;
}

/* POST /v1/cases/{ref}/plan/confirm: {"agreed_on": DATE}. */
void mdt_h_plan_confirm(struct mdt_req *r)
{
    static const char *const fields[] = {"agreed_on", NULL};
    const char *agreed;
    sqlite3_stmt *st;
    int64_t case_id, now = mdt_now();
    int rc, in_tx = 0, orgs = 0;

    if (holder_case(r, &case_id) < 0 || mdt_fields_known(r, fields) < 0 ||
        mdt_field_str(r, "agreed_on", 1, &agreed) < 0)
        return;
    if (!mdt__plans_date_valid(agreed)) {
        mdt_reply_error(r, 422, "invalid", "agreed_on", "agreed_on: must be a date YYYY-MM-DD");
        return;
    }
    if (scalar(r->db, "SELECT closed_at IS NOT NULL FROM cases WHERE id = ?1", case_id, 0)) {
        mdt_reply_error(r, 409, "conflict", NULL, "the case is closed");
        return;
    }
    if (scalar(r->db, "SELECT 1 FROM plans WHERE case_id = ?1", case_id, 0)) {
        mdt_reply_error(r, 409, "conflict", NULL,
                        "the plan is already confirmed: change it with mdt plan amend");
        return;
    }
    if (scalar(r->db, "SELECT count(*) FROM actions WHERE case_id = ?1 AND removed_at IS NULL",
               case_id, 0) == 0) {
        mdt_reply_error(r, 409, "conflict", NULL,
                        "no actions recorded: record the meeting's outcome first");
        return;
    }
    if ((rc = mdt_db_begin(r->db)) < 0) {
        mdt_reply_errno(r, rc, NULL, "plan");
        return;
    }
    in_tx = 1;
    st = mdt_db_stmt(r->db, "INSERT INTO plans (case_id, agreed_on, confirmed_at, confirmed_by) "
                            "VALUES (?1, ?2, ?3, ?4)");
    if (st == NULL) {
        rc = -EPROTO;
        goto fail;
    }
    sqlite3_bind_int64(st, 1, case_id);
    sqlite3_bind_text(st, 2, agreed, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_int64(st, 4, r->token_id);
    if ((rc = mdt_db_step(r->db, st)) < 0)
        goto fail;
    if ((rc = mdt__actions_send(r->db, r->cfg, case_id, 0, now, &orgs)) < 0)
        goto fail;
    if ((rc = mdt_db_commit(r->db)) < 0) {
        in_tx = 0;
        goto fail;
    }
    in_tx = 0;
    mdt_outbox_kick(r->outbox);
    log_info("plans: case %lld: plan confirmed, actions sent to %d organisations",
             (long long)case_id, orgs);
    mdt_req_set_object(r, case_id);
    mdt__plans_reply_status(r, case_id, 200);
    return;
fail:
    if (in_tx)
        mdt_db_rollback(r->db);
    mdt_reply_errno(r, rc, NULL, "plan");
}

/* POST /v1/cases/{ref}/plan/amend: {"add": [...], "remove": [ids],
 * "due": {"ID": DATE}}. Added actions are sent at once; a removed
 * action's links stop working and its organisation is told; a moved due
 * date is sent again. Only the organisations affected hear of it. */
void mdt_h_plan_amend(struct mdt_req *r)
{
    static const char *const fields[] = {"add", "remove", "due", NULL};
    struct mdt_plan_action *acts = NULL;
    size_t nacts = 0, i;
    json_t *remove = json_object_get(r->body, "remove"), *due = json_object_get(r->body, "due");
    json_t *v;
    const char *k;
    sqlite3_stmt *st;
    int64_t case_id, now = mdt_now(), outcome_id;
    int rc = 0, in_tx = 0, orgs = 0, changes = 0;
    char today[11];

    if (holder_case(r, &case_id) < 0 || mdt_fields_known(r, fields) < 0)
        return;
    if (!scalar(r->db, "SELECT 1 FROM plans WHERE case_id = ?1", case_id, 0)) {
        mdt_reply_error(r, 409, "conflict", NULL,
                        "the plan is not confirmed yet: mdt plan confirm");
        return;
    }
    if (scalar(r->db, "SELECT closed_at IS NOT NULL FROM cases WHERE id = ?1", case_id, 0)) {
        mdt_reply_error(r, 409, "conflict", NULL, "the case is closed");
        return;
    }
    if ((remove && !json_is_array(remove)) || (due && !json_is_object(due))) {
        mdt_reply_error(r, 422, "invalid", remove && !json_is_array(remove) ? "remove" : "due",
                        "remove: an array of action ids; due: an object of action id to date");
        return;
    }
    json_array_foreach(remove, i, v)
    {
        if (!json_is_integer(v) ||
            scalar(r->db, "SELECT case_id FROM actions WHERE id = ?1 AND removed_at IS NULL",
                   json_integer_value(v), 0) != case_id) {
            mdt_reply_error(r, 422, "invalid", "remove", "remove.%zu: not an action of this plan",
                            i);
            return;
        }
    }
    json_object_foreach(due, k, v)
    {
        long long id = strtoll(k, NULL, 10);
        if (!json_is_string(v) || !mdt__plans_date_valid(json_string_value(v)) ||
            scalar(r->db, "SELECT case_id FROM actions WHERE id = ?1 AND removed_at IS NULL", id,
                   0) != case_id) {
            mdt_reply_error(r, 422, "invalid", "due",
                            "due.%s: must name an action of this plan and a date YYYY-MM-DD", k);
            return;
        }
    }
    today_utc(now, today);
    json_object_foreach(due, k, v)
    {
        char path[48];
        if (strcmp(json_string_value(v), today) >= 0)
            continue;
        snprintf(path, sizeof(path), "due.%.30s", k);
        mdt_reply_error(r, 422, "invalid", path,
                        "%s: %s is in the past: an action must be due on or after %s (today)", path,
                        json_string_value(v), today);
        return;
    }
    if (read_actions(r, "add", 0, &acts, &nacts) < 0)
        return;
    if (check_due_dates(r, "add", acts, nacts, today, "today") < 0)
        goto out;
    if (nacts == 0 && json_array_size(remove) == 0 && json_object_size(due) == 0) {
        mdt_reply_error(r, 422, "invalid", "add", "nothing to change: give add, remove or due");
        goto out;
    }
    if ((rc = mdt_db_begin(r->db)) < 0)
        goto fail;
    in_tx = 1;
    /* The amendment is stamped on the plan; its version marks what the
     * partners were told. */
    st = mdt_db_stmt(r->db, "UPDATE plans SET amended_at = ?2, version = version + 1 "
                            "WHERE case_id = ?1");
    if (st == NULL) {
        rc = -EPROTO;
        goto fail;
    }
    sqlite3_bind_int64(st, 1, case_id);
    sqlite3_bind_int64(st, 2, now);
    if ((rc = mdt_db_step(r->db, st)) < 0)
        goto fail;
    outcome_id = scalar(r->db,
                        "SELECT id FROM outcomes WHERE case_id = ?1 ORDER BY recorded_at "
                        "DESC, id DESC LIMIT 1",
                        case_id, 0);
    for (i = 0; i < nacts; i++) {
        int64_t aid,
            mid = scalar(r->db, "SELECT meeting_id FROM outcomes WHERE id = ?1", outcome_id, 0);
        if ((rc = insert_action(r, case_id, mid, outcome_id, &acts[i], "amend", now, &aid)) < 0)
            goto fail;
        changes++;
    }
    json_array_foreach(remove, i, v)
    {
        if ((rc = mdt__actions_removed(r->db, r->cfg, json_integer_value(v), now)) < 0)
            goto fail;
        changes++;
    }
    json_object_foreach(due, k, v)
    {
        int64_t id = strtoll(k, NULL, 10);
        st = mdt_db_stmt(r->db, "UPDATE actions SET due_on = ?2, sent_at = NULL, version = "
                                "version + 1, updated_at = ?3 WHERE id = ?1 AND due_on <> ?2");
        if (st == NULL) {
            rc = -EPROTO;
            goto fail;
        }
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, json_string_value(v), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, now);
        if ((rc = mdt_db_step(r->db, st)) < 0)
            goto fail;
        changes++;
    }
    /* Added actions and moved due dates have sent_at NULL: send those. */
    if ((rc = mdt__actions_send(r->db, r->cfg, case_id, 1, now, &orgs)) < 0)
        goto fail;
    if ((rc = mdt_db_commit(r->db)) < 0) {
        in_tx = 0;
        goto fail;
    }
    in_tx = 0;
    mdt_outbox_kick(r->outbox);
    log_info("plans: case %lld: plan amended (%d changes), %d organisations told",
             (long long)case_id, changes, orgs);
    mdt_req_set_object(r, case_id);
    mdt__plans_reply_status(r, case_id, 200);
    goto out;
fail:
    if (in_tx)
        mdt_db_rollback(r->db);
    mdt_reply_errno(r, rc, NULL, "plan");
out:
    free_actions(acts, nacts);
}

/* The history of one action, oldest first. */
static json_t *history_json(struct mdt_db *db, int64_t action_id)
{
    sqlite3_stmt *st = NULL;
    json_t *arr = json_array();

    if (sqlite3_prepare_v2(mdt_db_handle(db),
                           "SELECT u.status, u.note, u.via, t.name, u.version, u.at, u.link_id "
                           "FROM action_updates u LEFT JOIN tokens t ON t.id = u.token_id "
                           "WHERE u.action_id = ?1 ORDER BY u.id",
                           -1, &st, NULL) != SQLITE_OK)
        return arr;
    sqlite3_bind_int64(st, 1, action_id);
    while (mdt_db_step(db, st) == 1) {
        json_t *h = json_pack(
            "{s:s, s:o, s:s, s:I, s:o}", "status", (const char *)sqlite3_column_text(st, 0), "note",
            mdt_json_text_col(st, 1), "via", (const char *)sqlite3_column_text(st, 2), "version",
            (json_int_t)sqlite3_column_int64(st, 4), "at",
            mdt_json_time(sqlite3_column_int64(st, 5)));
        /* Who: a token's name, or "link" (the recipient's own page). */
        if (sqlite3_column_type(st, 3) != SQLITE_NULL)
            json_object_set_new(h, "by", mdt_json_text_col(st, 3));
        else if (sqlite3_column_type(st, 6) != SQLITE_NULL)
            json_object_set_new(h, "by", json_string("link"));
        else
            json_object_set_new(h, "by", json_null());
        json_array_append_new(arr, h);
    }
    sqlite3_finalize(st);
    return arr;
}

const char *mdt__plans_status(const char *stored, int sent)
{
    if (stored == NULL)
        return "";
    return sent && strcmp(stored, "proposed") == 0 ? "sent" : stored;
}

/* One action as JSON: with_history adds its updates. The case appears
 * only as its pseudonymised summary. */
json_t *mdt__plans_action_json(struct mdt_db *db, sqlite3_stmt *st, int with_history)
{
    /* Columns: see MDT__ACTION_COLS in mdtd.h. */
    int64_t id = sqlite3_column_int64(st, 0);
    json_t *a = json_pack(
        "{s:I, s:{s:I, s:s, s:s, s:o}, s:I, s:{s:I, s:s}, s:o, s:s, s:s, s:s, s:I, s:b, s:b, "
        "s:o, s:o, s:o, s:o}",
        "id", (json_int_t)id, "case", "id", (json_int_t)sqlite3_column_int64(st, 1), "pseudonym",
        (const char *)sqlite3_column_text(st, 2), "age_band",
        (const char *)sqlite3_column_text(st, 3), "needs",
        json_loads(sqlite3_column_text(st, 4) ? (const char *)sqlite3_column_text(st, 4) : "[]", 0,
                   NULL)
            ?: json_array(),
        "meeting", (json_int_t)sqlite3_column_int64(st, 5), "org", "id",
        (json_int_t)sqlite3_column_int64(st, 6), "name", (const char *)sqlite3_column_text(st, 7),
        "person", mdt_json_text_col(st, 8), "what", (const char *)sqlite3_column_text(st, 9), "due",
        (const char *)sqlite3_column_text(st, 10), "status",
        mdt__plans_status((const char *)sqlite3_column_text(st, 11),
                          sqlite3_column_type(st, 13) != SQLITE_NULL),
        "version", (json_int_t)sqlite3_column_int64(st, 12), "sent",
        sqlite3_column_type(st, 13) != SQLITE_NULL, "overdue", sqlite3_column_int(st, 17),
        "sent_at", mdt_json_time_col(st, 13), "updated_at", mdt_json_time_col(st, 14),
        "completed_at", mdt_json_time_col(st, 15), "removed_at", mdt_json_time_col(st, 16));
    if (with_history)
        json_object_set_new(a, "history", history_json(db, id));
    return a;
}

/* The whole plan of a case: what `mdt case status` shows. */
void mdt__plans_reply_status(struct mdt_req *r, int64_t case_id, int status)
{
    sqlite3_stmt *st = NULL;
    json_t *j = NULL, *arr;
    int rc;

    st = mdt_db_stmt(r->db, "SELECT c.id, c.pseudonym, c.age_band, c.needs, c.status, c.closure, "
                            "c.closed_at, c.purged_at, c.meeting_id, p.agreed_on, p.confirmed_at, "
                            "p.amended_at, p.version, c.created_at FROM cases c LEFT JOIN plans p "
                            "ON p.case_id = c.id WHERE c.id = ?1");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "case");
        return;
    }
    sqlite3_bind_int64(st, 1, case_id);
    if ((rc = mdt_db_step(r->db, st)) != 1) {
        mdt_reply_errno(r, rc < 0 ? rc : -ENOENT, NULL, "case");
        return;
    }
    j = json_pack(
        "{s:{s:I, s:s, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o}}", "case", "id", (json_int_t)case_id,
        "pseudonym", (const char *)sqlite3_column_text(st, 1), "age_band",
        (const char *)sqlite3_column_text(st, 2), "needs",
        json_loads(sqlite3_column_text(st, 3) ? (const char *)sqlite3_column_text(st, 3) : "[]", 0,
                   NULL)
            ?: json_array(),
        "status", (const char *)sqlite3_column_text(st, 4), "closure", mdt_json_text_col(st, 5),
        "closed_at", mdt_json_time_col(st, 6), "purged_at", mdt_json_time_col(st, 7), "meeting",
        sqlite3_column_type(st, 8) == SQLITE_NULL ? json_null()
                                                  : json_integer(sqlite3_column_int64(st, 8)),
        "submitted_at", mdt_json_time_col(st, 13));
    if (sqlite3_column_type(st, 9) == SQLITE_NULL)
        json_object_set_new(j, "plan", json_null());
    else
        json_object_set_new(j, "plan",
                            json_pack("{s:s, s:o, s:o, s:I}", "agreed_on",
                                      (const char *)sqlite3_column_text(st, 9), "confirmed_at",
                                      mdt_json_time_col(st, 10), "amended_at",
                                      mdt_json_time_col(st, 11), "version",
                                      (json_int_t)sqlite3_column_int64(st, 12)));
    sqlite3_reset(st);
    /* Outcomes, then actions with their history. */
    arr = json_array();
    if (sqlite3_prepare_v2(mdt_db_handle(r->db),
                           "SELECT o.id, o.meeting_id, m.start_at, o.risk, o.recorded_at "
                           "FROM outcomes o JOIN meetings m ON m.id = o.meeting_id "
                           "WHERE o.case_id = ?1 ORDER BY m.start_at, o.id",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, case_id);
        while (mdt_db_step(r->db, st) == 1)
            json_array_append_new(arr, json_pack("{s:I, s:I, s:o, s:o, s:o}", "id",
                                                 (json_int_t)sqlite3_column_int64(st, 0), "meeting",
                                                 (json_int_t)sqlite3_column_int64(st, 1),
                                                 "meeting_start", mdt_json_time_col(st, 2), "risk",
                                                 mdt_json_text_col(st, 3), "recorded_at",
                                                 mdt_json_time_col(st, 4)));
        sqlite3_finalize(st);
    }
    json_object_set_new(j, "outcomes", arr);
    arr = json_array();
    if (sqlite3_prepare_v2(mdt_db_handle(r->db),
                           "SELECT " MDT__ACTION_COLS " WHERE a.case_id = ?1 ORDER BY a.id", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, case_id);
        while (mdt_db_step(r->db, st) == 1)
            json_array_append_new(arr, mdt__plans_action_json(r->db, st, 1));
        sqlite3_finalize(st);
    }
    json_object_set_new(j, "actions", arr);
    mdt_reply_json(r, status, j);
}

/* GET /v1/cases/{ref}/status */
void mdt_h_case_status(struct mdt_req *r)
{
    int64_t case_id;
    int holder, rc;

    if ((rc = mdt__plans_case(r, r->param, &case_id, &holder)) < 0) {
        mdt_reply_errno(r, rc, NULL, "case");
        return;
    }
    mdt__plans_reply_status(r, case_id, 200);
}

/* Closing or stepping down: the case's holder or the chair. Its
 * actions' links stop working and nothing more is chased. */
static void close_case(struct mdt_req *r, const char *closure)
{
    sqlite3_stmt *st;
    int64_t case_id, now = mdt_now();
    int holder, rc;

    if ((rc = mdt__plans_case(r, r->param, &case_id, &holder)) < 0) {
        mdt_reply_errno(r, rc, NULL, "case");
        return;
    }
    if (r->role != MDT_ROLE_CHAIR && !holder) {
        mdt_reply_error(r, 403, "forbidden", NULL,
                        "only the chair or the case's own case holder may close it");
        return;
    }
    if (scalar(r->db, "SELECT closed_at IS NOT NULL FROM cases WHERE id = ?1", case_id, 0)) {
        mdt_reply_error(r, 409, "conflict", NULL, "the case is already closed");
        return;
    }
    if ((rc = mdt_db_begin(r->db)) < 0)
        goto fail;
    st = mdt_db_stmt(r->db, "UPDATE cases SET closure = ?2, closed_at = ?3, updated_at = ?3, "
                            "version = version + 1 WHERE id = ?1");
    if (st == NULL) {
        rc = -EPROTO;
        goto fail;
    }
    sqlite3_bind_int64(st, 1, case_id);
    sqlite3_bind_text(st, 2, closure, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    if ((rc = mdt_db_step(r->db, st)) < 0)
        goto fail;
    st = mdt_db_stmt(r->db, "UPDATE action_links SET revoked_at = ?2 WHERE revoked_at IS NULL AND "
                            "action_id IN (SELECT id FROM actions WHERE case_id = ?1)");
    if (st == NULL) {
        rc = -EPROTO;
        goto fail;
    }
    sqlite3_bind_int64(st, 1, case_id);
    sqlite3_bind_int64(st, 2, now);
    if ((rc = mdt_db_step(r->db, st)) < 0 || (rc = mdt_db_commit(r->db)) < 0)
        goto fail;
    log_info("plans: case %lld %s", (long long)case_id, closure);
    mdt_req_set_object(r, case_id);
    mdt__plans_reply_status(r, case_id, 200);
    return;
fail:
    mdt_db_rollback(r->db);
    mdt_reply_errno(r, rc, NULL, "case");
}

void mdt_h_case_close(struct mdt_req *r)
{
    close_case(r, "closed");
}

void mdt_h_case_step_down(struct mdt_req *r)
{
    close_case(r, "stepped_down");
}
