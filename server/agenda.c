/* Agendas: a meeting's slots in order, each with its case (pseudonymised
 * content only: pseudonym, age band, needs, question) and the directory's
 * organisations that serve the case's needs and have capacity, open
 * before limited, so the discussion starts from who can help. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mdtd.h"
#include "recur.h"
#include "xmalloc.h"

#define MAX_ORGS_PER_CASE 20

static int64_t parse_id(const char *s)
{
    char *end;
    long long v;

    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    v = strtoll(s, &end, 10);
    return *end == '\0' && v > 0 ? v : -1;
}

/* "Tue 12 Jan 2027, 10:00" in tz. */
static void human_time(int64_t t, const char *tz, char out[40])
{
    static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct mdt_local l;

    if (mdt_recur_from_utc(t, tz, &l) < 0) {
        snprintf(out, 40, "%lld", (long long)t);
        return;
    }
    snprintf(out, 40, "%s %d %s %d, %02d:%02d", days[mdt_weekday(l.year, l.month, l.day)], l.day,
             months[(l.month - 1) % 12], l.year, l.hour % 100, l.minute % 100);
}

/* The organisations serving any of needs (a JSON array text) with open
 * or limited capacity: open first, then by name. */
static json_t *helpers(struct mdt_db *db, const char *needs)
{
    sqlite3_stmt *st = mdt_db_stmt(
        db, "SELECT o.id, o.name, o.kind, o.capacity, "
            "(SELECT json_group_array(n.value) FROM json_each(o.needs) n WHERE n.value IN "
            "(SELECT value FROM json_each(?1))) "
            "FROM orgs o WHERE o.capacity IN ('open', 'limited') AND json_valid(o.needs) AND "
            "EXISTS (SELECT 1 FROM json_each(o.needs) n WHERE n.value IN "
            "(SELECT value FROM json_each(?1))) "
            "ORDER BY o.capacity = 'limited', o.name COLLATE NOCASE, o.id LIMIT ?2");
    json_t *arr = json_array();

    if (st == NULL || needs == NULL)
        return arr;
    sqlite3_bind_text(st, 1, needs, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, MAX_ORGS_PER_CASE);
    while (mdt_db_step(db, st) == 1) {
        json_t *serves = json_loads((const char *)sqlite3_column_text(st, 4), 0, NULL);
        json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, s:o}", "id",
                                             (json_int_t)sqlite3_column_int64(st, 0), "name",
                                             (const char *)sqlite3_column_text(st, 1), "kind",
                                             (const char *)sqlite3_column_text(st, 2), "capacity",
                                             (const char *)sqlite3_column_text(st, 3), "serves",
                                             serves ? serves : json_array()));
    }
    return arr;
}

/* The people on the list who declined the meeting's invitation (an
 * answer for this meeting overrides one for the whole series), by
 * organisation: the chair knows before the meeting who sent apologies.
 * new */
static json_t *apologies(struct mdt_db *db, int64_t meeting_id)
{
    sqlite3_stmt *st = NULL;
    json_t *arr = json_array();

    if (sqlite3_prepare_v2(
            mdt_db_handle(db),
            "WITH a AS (SELECT p.id AS pid, p.name AS pname, o.id AS oid, o.name AS oname, "
            "COALESCE(r1.partstat, r0.partstat) AS ps, CASE WHEN r1.partstat IS NOT NULL THEN "
            "r1.answered_at ELSE r0.answered_at END AS at, CASE WHEN r1.partstat IS NOT NULL "
            "THEN 'meeting' ELSE 'series' END AS scope FROM meetings mt JOIN series s ON s.id = "
            "mt.series_id JOIN list_members lm ON lm.list_id = s.list_id JOIN people p ON p.id = "
            "lm.person_id JOIN orgs o ON o.id = p.org_id JOIN invitations i ON i.series_id = "
            "s.id AND i.person_id = p.id AND i.case_id = 0 AND i.status = 'active' LEFT JOIN "
            "rsvps r1 ON r1.invitation_id = i.id AND r1.meeting_id = mt.id LEFT JOIN rsvps r0 "
            "ON r0.invitation_id = i.id AND r0.meeting_id = 0 WHERE mt.id = ?1) "
            "SELECT pid, pname, oid, oname, at, scope FROM a WHERE ps = 'declined' "
            "ORDER BY oname COLLATE NOCASE, pname COLLATE NOCASE, pid",
            -1, &st, NULL) != SQLITE_OK) {
        log_warnx("agenda: apologies: %s", sqlite3_errmsg(mdt_db_handle(db)));
        return arr;
    }
    sqlite3_bind_int64(st, 1, meeting_id);
    while (mdt_db_step(db, st) == 1)
        json_array_append_new(arr, json_pack("{s:{s:I, s:s}, s:{s:I, s:s}, s:o, s:s}", "person",
                                             "id", (json_int_t)sqlite3_column_int64(st, 0), "name",
                                             (const char *)sqlite3_column_text(st, 1), "org", "id",
                                             (json_int_t)sqlite3_column_int64(st, 2), "name",
                                             (const char *)sqlite3_column_text(st, 3),
                                             "answered_at", mdt_json_time_col(st, 4), "for",
                                             (const char *)sqlite3_column_text(st, 5)));
    sqlite3_finalize(st);
    return arr;
}

/* new: the agenda of meeting id, or NULL (-ENOENT in *rc). */
static json_t *agenda_json(struct mdt_db *db, int64_t id, int *rc)
{
    sqlite3_stmt *st = mdt_db_stmt(
        db, "SELECT m.id, m.start_at, m.end_at, m.status, s.id, s.title, s.url, s.slots, "
            "s.slot_minutes, s.tz, p.id, p.name, m.agenda_sent_at FROM meetings m JOIN series s "
            "ON s.id = m.series_id JOIN pcns p ON p.id = s.pcn_id WHERE m.id = ?1");
    sqlite3_stmt *q = NULL;
    json_t *j, *slots;
    int64_t start, slot_min;
    int nslots, used = 0;

    *rc = -EPROTO;
    if (st == NULL)
        return NULL;
    sqlite3_bind_int64(st, 1, id);
    if ((*rc = mdt_db_step(db, st)) != 1) {
        *rc = *rc < 0 ? *rc : -ENOENT;
        return NULL;
    }
    start = sqlite3_column_int64(st, 1);
    nslots = sqlite3_column_int(st, 7);
    slot_min = sqlite3_column_int64(st, 8);
    j = json_pack("{s:{s:I, s:o, s:o, s:s}, s:{s:I, s:s, s:s, s:s}, s:{s:I, s:s}, s:i, s:I}",
                  "meeting", "id", (json_int_t)id, "start", mdt_json_time(start), "end",
                  mdt_json_time(sqlite3_column_int64(st, 2)), "status",
                  (const char *)sqlite3_column_text(st, 3), "series", "id",
                  (json_int_t)sqlite3_column_int64(st, 4), "title",
                  (const char *)sqlite3_column_text(st, 5), "url",
                  (const char *)sqlite3_column_text(st, 6), "tz",
                  (const char *)sqlite3_column_text(st, 9), "pcn", "id",
                  (json_int_t)sqlite3_column_int64(st, 10), "name",
                  (const char *)sqlite3_column_text(st, 11), "slot_count", nslots, "slot_minutes",
                  (json_int_t)slot_min);
    json_object_set_new(j, "agenda_sent_at", mdt_json_time_col(st, 12));
    sqlite3_reset(st);
    slots = json_array();
    /* Its own statement: helpers() uses the cache while this one steps. */
    if (sqlite3_prepare_v2(mdt_db_handle(db),
                           "SELECT id, slot, pseudonym, age_band, needs, question, carried "
                           "FROM cases WHERE meeting_id = ?1 ORDER BY slot, id",
                           -1, &q, NULL) != SQLITE_OK) {
        json_decref(j);
        json_decref(slots);
        *rc = -EPROTO;
        return NULL;
    }
    sqlite3_bind_int64(q, 1, id);
    while (mdt_db_step(db, q) == 1) {
        int slot = ++used;
        const char *needs = (const char *)sqlite3_column_text(q, 4);
        json_t *nj = json_loads(needs ? needs : "[]", 0, NULL);
        json_t *c = json_pack("{s:I, s:s, s:s, s:o, s:s, s:i}", "id",
                              (json_int_t)sqlite3_column_int64(q, 0), "pseudonym",
                              (const char *)sqlite3_column_text(q, 2), "age_band",
                              (const char *)sqlite3_column_text(q, 3), "needs",
                              nj ? nj : json_array(), "question",
                              (const char *)sqlite3_column_text(q, 5), "carried",
                              sqlite3_column_int(q, 6));
        json_array_append_new(slots, json_pack("{s:i, s:o, s:o, s:o}", "slot", slot, "start",
                                               mdt_json_time(start + (slot - 1) * slot_min * 60),
                                               "case", c, "orgs", helpers(db, needs)));
    }
    sqlite3_finalize(q);
    for (int slot = used + 1; slot <= nslots; slot++)
        json_array_append_new(slots, json_pack("{s:i, s:o, s:n, s:[]}", "slot", slot, "start",
                                               mdt_json_time(start + (slot - 1) * slot_min * 60),
                                               "case", "orgs"));
    json_object_set_new(j, "slots", slots);
    json_object_set_new(j, "free_slots", json_integer(nslots > used ? nslots - used : 0));
    json_object_set_new(j, "matters_arising", mdt_plans_matters_arising(db, id));
    json_object_set_new(j, "apologies", apologies(db, id));
    *rc = 0;
    return j;
}

/* Overdue and declined actions, each declined one with the partner's
 * reason (its note), so the meeting can take it up. */
static void matters_text(struct mdt_buf *b, const json_t *agenda)
{
    const json_t *arr = json_object_get(agenda, "matters_arising"), *m;
    size_t i;

    if (json_array_size(arr) == 0)
        return;
    mdt_buf_adds(b, "\nMatters arising (overdue or declined actions):\n");
    json_array_foreach(arr, i, m)
    {
        const char *reason = json_string_value(json_object_get(m, "reason"));
        const char *note = json_string_value(json_object_get(m, "note"));
        int declined = reason && strcmp(reason, "declined") == 0;

        mdt_buf_printf(b, "  - %s, %s: %s (due %s, %s)\n",
                       json_string_value(json_object_get(json_object_get(m, "case"), "pseudonym")),
                       json_string_value(json_object_get(m, "org")),
                       json_string_value(json_object_get(m, "what")),
                       json_string_value(json_object_get(m, "due")), reason ? reason : "");
        if (declined && note && *note) {
            /* on one line, whatever the partner typed */
            mdt_buf_adds(b, "    Reason given: ");
            for (const char *c = note; *c; c++)
                mdt_buf_add(b, *c == '\n' || *c == '\r' ? " " : c, 1);
            mdt_buf_adds(b, "\n");
        }
    }
}

/* Who declined the meeting (names and organisations only). */
static void apologies_text(struct mdt_buf *b, const json_t *agenda)
{
    const json_t *arr = json_object_get(agenda, "apologies"), *p;
    size_t i;

    if (json_array_size(arr) == 0)
        return;
    mdt_buf_adds(b, "\nApologies (declined the invitation):\n");
    json_array_foreach(arr, i, p)
    {
        const char *scope = json_string_value(json_object_get(p, "for"));

        mdt_buf_printf(b, "  - %s (%s)%s\n",
                       json_string_value(json_object_get(json_object_get(p, "person"), "name")),
                       json_string_value(json_object_get(json_object_get(p, "org"), "name")),
                       scope && strcmp(scope, "series") == 0 ? ", for the whole series" : "");
    }
}

/* The agenda as plain text for the email. */
static char *agenda_text(const json_t *a, const char *when)
{
    const json_t *s = json_object_get(a, "series"), *slot;
    struct mdt_buf b;
    size_t i;

    mdt_buf_init(&b, MDT_BUF_NOCAP);
    mdt_buf_printf(&b, "%s\n%s (%s)\nJoin: %s\n\n", json_string_value(json_object_get(s, "title")),
                   when, json_string_value(json_object_get(s, "tz")),
                   json_string_value(json_object_get(s, "url")));
    json_array_foreach(json_object_get(a, "slots"), i, slot) {
        const json_t *c = json_object_get(slot, "case"), *o, *n;
        const char *start = json_string_value(json_object_get(slot, "start"));
        size_t k;

        mdt_buf_printf(&b, "%lld. %.5s  ", (long long)json_integer_value(json_object_get(slot, "slot")),
                       start && strlen(start) >= 16 ? start + 11 : "");
        if (json_is_null(c) || c == NULL) {
            mdt_buf_adds(&b, "(free)\n");
            continue;
        }
        mdt_buf_printf(&b, "%s, age %s", json_string_value(json_object_get(c, "pseudonym")),
                       json_string_value(json_object_get(c, "age_band")));
        if (json_integer_value(json_object_get(c, "carried")) > 0)
            mdt_buf_printf(&b, " (carried over %lld time%s)",
                           (long long)json_integer_value(json_object_get(c, "carried")),
                           json_integer_value(json_object_get(c, "carried")) == 1 ? "" : "s");
        mdt_buf_adds(&b, "\n   Needs: ");
        json_array_foreach(json_object_get(c, "needs"), k, n)
            mdt_buf_printf(&b, "%s%s", k ? ", " : "", json_string_value(n));
        mdt_buf_printf(&b, "\n   Question: %s\n", json_string_value(json_object_get(c, "question")));
        if (json_array_size(json_object_get(slot, "orgs")) > 0) {
            mdt_buf_adds(&b, "   Who can help:\n");
            json_array_foreach(json_object_get(slot, "orgs"), k, o)
                mdt_buf_printf(&b, "     - %s (%s)\n", json_string_value(json_object_get(o, "name")),
                               json_string_value(json_object_get(o, "capacity")));
        }
    }
    matters_text(&b, a);
    apologies_text(&b, a);
    mdt_buf_adds(&b, "\nCases are pseudonymised: the case holder alone knows who each one is.\n");
    return mdt_buf_detach(&b);
}

int mdt_agenda_queue(struct mdt_db *db, const struct mdt_config *cfg, int64_t meeting_id,
                     int *queued)
{
    json_t *a = NULL;
    char *text = NULL, *subject = NULL, *ref = NULL, when[40];
    sqlite3_stmt *st = NULL;
    int rc, n = 0;

    *queued = 0;
    if ((a = agenda_json(db, meeting_id, &rc)) == NULL)
        return rc;
    human_time(0, "UTC", when);
    {
        const char *tz = json_string_value(json_object_get(json_object_get(a, "series"), "tz"));
        sqlite3_stmt *t = mdt_db_stmt(db, "SELECT start_at FROM meetings WHERE id = ?1");
        if (t) {
            sqlite3_bind_int64(t, 1, meeting_id);
            if (mdt_db_step(db, t) == 1) {
                human_time(sqlite3_column_int64(t, 0), tz, when);
                sqlite3_reset(t);
            }
        }
    }
    text = agenda_text(a, when);
    subject = mdt_xasprintf("Agenda: %s, %s",
                            json_string_value(json_object_get(json_object_get(a, "series"),
                                                              "title")),
                            when);
    ref = mdt_xasprintf("meeting:%lld", (long long)meeting_id);
    if (sqlite3_prepare_v2(mdt_db_handle(db),
                           "SELECT p.email, p.name FROM meetings m JOIN series s ON "
                           "s.id = m.series_id JOIN list_members lm ON lm.list_id = s.list_id "
                           "JOIN people p ON p.id = lm.person_id WHERE m.id = ?1 "
                           "ORDER BY p.email",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = -EPROTO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, meeting_id);
    while ((rc = mdt_db_step(db, st)) == 1) {
        struct mdt_mail m = {
            .to = (const char *)sqlite3_column_text(st, 0),
            .to_name = (const char *)sqlite3_column_text(st, 1),
            .subject = subject,
            .text = text,
            .ref = ref,
        };
        if ((rc = mdt_outbox_add_mail(db, cfg, &m, NULL)) < 0)
            goto out;
        n++;
    }
    if (rc < 0)
        goto out;
    st = (sqlite3_finalize(st), NULL);
    if ((st = mdt_db_stmt(db, "UPDATE meetings SET agenda_sent_at = ?2 WHERE id = ?1")) == NULL) {
        rc = -EPROTO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, meeting_id);
    sqlite3_bind_int64(st, 2, mdt_now());
    rc = mdt_db_step(db, st);
    st = NULL; /* cached */
    *queued = n;
out:
    if (st)
        sqlite3_finalize(st);
    json_decref(a);
    free(text);
    free(subject);
    free(ref);
    return rc < 0 ? rc : 0;
}

void mdt_h_agenda_get(struct mdt_req *r)
{
    int64_t id = parse_id(r->param);
    json_t *a;
    int rc = -ENOENT;

    if (id < 0 || (a = agenda_json(r->db, id, &rc)) == NULL) {
        if (rc == -ENOENT)
            mdt_reply_error(r, 404, "not_found", NULL, "no such meeting");
        else
            mdt_reply_errno(r, rc, NULL, "meeting");
        return;
    }
    mdt_reply_json(r, 200, a);
}

void mdt_h_agenda_send(struct mdt_req *r)
{
    int64_t id = parse_id(r->param);
    sqlite3_stmt *st;
    int rc, n = 0;

    if (id < 0 || (st = mdt_db_stmt(r->db, "SELECT status FROM meetings WHERE id = ?1")) == NULL) {
        mdt_reply_error(r, 404, "not_found", NULL, "no such meeting");
        return;
    }
    sqlite3_bind_int64(st, 1, id);
    if ((rc = mdt_db_step(r->db, st)) != 1) {
        if (rc == 0)
            mdt_reply_error(r, 404, "not_found", NULL, "no such meeting");
        else
            mdt_reply_errno(r, rc, NULL, "meeting");
        return;
    }
    if (strcmp((const char *)sqlite3_column_text(st, 0), "scheduled") != 0) {
        char what[16];
        snprintf(what, sizeof(what), "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_reset(st);
        mdt_reply_error(r, 409, "conflict", NULL, "the meeting is %s", what);
        return;
    }
    sqlite3_reset(st);
    if ((rc = mdt_db_begin(r->db)) < 0) {
        mdt_reply_errno(r, rc, NULL, "meeting");
        return;
    }
    if ((rc = mdt_agenda_queue(r->db, r->cfg, id, &n)) < 0) {
        mdt_db_rollback(r->db);
        if (rc == -EINVAL)
            mdt_reply_error(r, 409, "conflict", NULL,
                            "the agenda cannot be emailed: is smtp_from set?");
        else
            mdt_reply_errno(r, rc, NULL, "meeting");
        return;
    }
    if ((rc = mdt_db_commit(r->db)) < 0) {
        mdt_reply_errno(r, rc, NULL, "meeting");
        return;
    }
    mdt_outbox_kick(r->outbox);
    log_info("agenda: meeting %lld: agenda queued to %d people", (long long)id, n);
    mdt_reply_json(r, 200, json_pack("{s:I, s:i}", "meeting", (json_int_t)id, "queued", n));
}
