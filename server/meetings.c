/* Meeting series and meetings. A series is one recurring meeting of a
 * PCN: an RRULE evaluated in the series' time zone from a wall-clock
 * start, expanded into meeting rows 12 months ahead (the scheduler tops
 * the horizon up). Every change to a series or one of its meetings raises
 * series.sequence and tells the invites, in the same transaction. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "log.h"
#include "mdtd.h"
#include "recur.h"
#include "xmalloc.h"

#define HORIZON_YEARS 1
#define MAX_PER_WINDOW 800 /* a daily rule over 12 months, with room */
#define MAX_TITLE 200
#define MAX_URL 2000
#define MAX_REQUIRED 50

/* Invites (invites.c). */
int mdt_invites_series_changed(struct mdt_req *r, int64_t series_id);
int mdt_invites_case_changed(struct mdt_req *r, int64_t case_id);
void mdt_invites_w_quorum(struct mdt_db *db, int64_t meeting_id, struct mdt_jsonw *w);

/* A series row, as the expansion needs it. */
struct series {
    int64_t id, pcn_id, expanded_to;
    char rrule[MDT_RRULE_MAX + 1];
    char tz[72];
    struct mdt_local start;
    int duration_min, policy, active;
};

/* A new statement for loops (the cached ones may be in use by callers);
 * NULL after logging. */
static sqlite3_stmt *prep(struct mdt_db *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(mdt_db_handle(db), sql, -1, &st, NULL);

    if (rc != SQLITE_OK) {
        mdt_db_err(db, rc, "prepare");
        return NULL;
    }
    return st;
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

int mdt_meetings_holidays(const struct mdt_config *cfg, struct mdt_holidays **out,
                          struct mdt_buf *err)
{
    struct mdt_holidays *h = mdt_holidays_new();
    struct mdt_buf text, msg;
    char chunk[4096];
    FILE *f = NULL;
    size_t n;
    int rc = 0;

    *out = NULL;
    mdt_buf_init(&text, 1 << 20);
    mdt_buf_init(&msg, 512);
    if (cfg && cfg->holidays_file) {
        if ((f = fopen(cfg->holidays_file, "r")) == NULL) {
            rc = -errno;
            mdt_buf_printf(err, "holidays_file: %s: %s", cfg->holidays_file, strerror(errno));
            goto out;
        }
        while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
            if (mdt_buf_add(&text, chunk, n) < 0) {
                rc = -EFBIG;
                mdt_buf_printf(err, "holidays_file: %s: larger than 1 MiB", cfg->holidays_file);
                goto out;
            }
        if ((rc = mdt_holidays_add_text(h, text.data ? text.data : "", text.len, &msg)) < 0) {
            mdt_buf_printf(err, "holidays_file: %s:%s", cfg->holidays_file, mdt_buf_str(&msg));
            goto out;
        }
    }
    *out = h;
    h = NULL;
out:
    if (f)
        fclose(f);
    mdt_holidays_free(h);
    mdt_buf_release(&text);
    mdt_buf_release(&msg);
    return rc;
}

static int series_load(struct mdt_db *db, int64_t id, struct series *s)
{
    sqlite3_stmt *st = mdt_db_stmt(db, "SELECT id, pcn_id, expanded_to, rrule, tz, dtstart, "
                                       "duration_min, holidays, status FROM series WHERE id = ?1");
    int rc;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, id);
    if ((rc = mdt_db_step(db, st)) <= 0)
        return rc < 0 ? rc : -ENOENT;
    memset(s, 0, sizeof(*s));
    s->id = sqlite3_column_int64(st, 0);
    s->pcn_id = sqlite3_column_int64(st, 1);
    s->expanded_to = sqlite3_column_int64(st, 2);
    snprintf(s->rrule, sizeof(s->rrule), "%s", (const char *)sqlite3_column_text(st, 3));
    snprintf(s->tz, sizeof(s->tz), "%s", (const char *)sqlite3_column_text(st, 4));
    rc = mdt_recur_parse_local((const char *)sqlite3_column_text(st, 5), &s->start);
    s->duration_min = sqlite3_column_int(st, 6);
    s->policy = mdt_holiday_policy_parse((const char *)sqlite3_column_text(st, 7));
    s->active = strcmp((const char *)sqlite3_column_text(st, 8), "active") == 0;
    sqlite3_reset(st);
    if (rc < 0 || s->policy < 0)
        return -EPROTO;
    return 0;
}

/* The end of the horizon: 12 months after now, or after the start when
 * the series begins later. */
static int64_t horizon(const struct series *s, int64_t now)
{
    struct mdt_local l;
    int64_t start, base;

    if (mdt_recur_to_utc(&s->start, s->tz, &start) < 0)
        start = now;
    base = start > now ? start : now;
    if (mdt_recur_from_utc(base, s->tz, &l) < 0)
        return base + 365 * 86400LL;
    l.year += HORIZON_YEARS;
    if (l.month == 2 && l.day == 29)
        l.day = 28;
    if (mdt_recur_to_utc(&l, s->tz, &base) < 0)
        return start + 365 * 86400LL;
    return base;
}

/* Writes the meetings of the occurrences in [from, to). With recompute,
 * existing future rows the chair has not moved or cancelled take the
 * rule's (and the holiday policy's) time again. */
static int expand_window(struct mdt_db *db, const struct mdt_holidays *h, const struct series *s,
                         int64_t from, int64_t to, int recompute, int64_t now, int *added)
{
    sqlite3_stmt *st = NULL;
    struct mdt_buf err;
    int64_t *occ = NULL;
    size_t n = 0;
    int rc;

    mdt_buf_init(&err, 256);
    if (from >= to) {
        rc = 0;
        goto out;
    }
    if ((rc = mdt_recur_expand(s->rrule, &s->start, s->tz, from, to, MAX_PER_WINDOW, &occ, &n,
                               &err)) < 0) {
        log_warnx("meetings: series %lld: cannot expand: %s", (long long)s->id,
                  mdt_buf_str(&err));
        goto out;
    }
    st = prep(db, "INSERT INTO meetings (series_id, recurrence_id, start_at, end_at, moved, "
                  "move_reason, status, cancel_reason, created_at, updated_at) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) "
                  "ON CONFLICT (series_id, recurrence_id) DO UPDATE SET "
                  "start_at = excluded.start_at, end_at = excluded.end_at, moved = excluded.moved, "
                  "move_reason = excluded.move_reason, status = excluded.status, "
                  "cancel_reason = excluded.cancel_reason, version = version + 1, "
                  "updated_at = excluded.updated_at "
                  "WHERE ?10 AND meetings.status != 'closed' AND meetings.start_at >= ?9 "
                  "AND coalesce(meetings.move_reason, '') != 'chair' "
                  "AND coalesce(meetings.cancel_reason, '') != 'chair' "
                  "AND (meetings.start_at, meetings.end_at, meetings.status) IS NOT "
                  "(excluded.start_at, excluded.end_at, excluded.status)");
    if (st == NULL) {
        rc = -EPROTO;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        int64_t start;
        int skip;
        const char *holiday;

        if ((rc = mdt_holidays_apply(h, s->policy, occ[i], s->tz, &start, &skip, &holiday)) < 0)
            start = occ[i], skip = 0;
        sqlite3_bind_int64(st, 1, s->id);
        sqlite3_bind_int64(st, 2, occ[i]);
        sqlite3_bind_int64(st, 3, start);
        sqlite3_bind_int64(st, 4, start + s->duration_min * 60LL);
        sqlite3_bind_int(st, 5, start != occ[i]);
        if (start != occ[i])
            sqlite3_bind_text(st, 6, "holiday", -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 6);
        sqlite3_bind_text(st, 7, skip ? "cancelled" : "scheduled", -1, SQLITE_STATIC);
        if (skip)
            sqlite3_bind_text(st, 8, "holiday", -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 8);
        sqlite3_bind_int64(st, 9, now);
        sqlite3_bind_int(st, 10, recompute);
        if ((rc = mdt_db_step(db, st)) < 0)
            goto out;
        if (added && mdt_db_changes(db) > 0)
            (*added)++;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    free(occ);
    mdt_buf_release(&err);
    return rc;
}

static int set_expanded_to(struct mdt_db *db, int64_t id, int64_t to)
{
    sqlite3_stmt *st = mdt_db_stmt(db, "UPDATE series SET expanded_to = ?2 WHERE id = ?1");

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, to);
    return mdt_db_step(db, st);
}

int mdt_meetings_top_up(struct mdt_db *db, const struct mdt_holidays *h, int64_t series_id,
                        int64_t now, int *added)
{
    struct series s;
    int64_t to, from;
    int rc;

    if ((rc = series_load(db, series_id, &s)) < 0)
        return rc;
    if (!s.active)
        return 0;
    to = horizon(&s, now);
    from = s.expanded_to > now ? s.expanded_to : now;
    if (from >= to)
        return 0;
    if ((rc = expand_window(db, h, &s, from, to, 0, now, added)) < 0)
        return rc;
    return set_expanded_to(db, s.id, to);
}

int mdt_meetings_room(struct mdt_db *db, int64_t meeting_id, int *free_slots, int *scheduled)
{
    sqlite3_stmt *st = mdt_db_stmt(
        db, "SELECT s.slots - (SELECT count(*) FROM cases c WHERE c.meeting_id = m.id), "
            "m.status = 'scheduled' AND s.status = 'active' "
            "FROM meetings m JOIN series s ON s.id = m.series_id WHERE m.id = ?1");
    int rc;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, meeting_id);
    if ((rc = mdt_db_step(db, st)) <= 0)
        return rc < 0 ? rc : -ENOENT;
    *free_slots = sqlite3_column_int(st, 0);
    *scheduled = sqlite3_column_int(st, 1);
    sqlite3_reset(st);
    return 0;
}

int mdt_meetings_next_with_room(struct mdt_db *db, int64_t series_id, int64_t pcn_id,
                                int64_t after, int64_t *id)
{
    sqlite3_stmt *st = mdt_db_stmt(
        db, "SELECT m.id FROM meetings m JOIN series s ON s.id = m.series_id "
            "WHERE m.status = 'scheduled' AND s.status = 'active' AND m.start_at > ?3 "
            "AND (CASE WHEN ?1 > 0 THEN s.id = ?1 ELSE s.pcn_id = ?2 END) "
            "AND (SELECT count(*) FROM cases c WHERE c.meeting_id = m.id) < s.slots "
            "ORDER BY m.start_at, m.id LIMIT 1");
    int rc;

    *id = 0;
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, series_id);
    sqlite3_bind_int64(st, 2, pcn_id);
    sqlite3_bind_int64(st, 3, after);
    if ((rc = mdt_db_step(db, st)) < 0)
        return rc;
    if (rc == 1) {
        *id = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    return 0;
}

/* Calls mdt_invites_case_changed for every case on the meeting. */
static int cases_changed_on(struct mdt_req *r, int64_t meeting_id)
{
    sqlite3_stmt *st = prep(r->db, "SELECT id FROM cases WHERE meeting_id = ?1 ORDER BY slot");
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    int rc;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, meeting_id);
    while ((rc = mdt_db_step(r->db, st)) == 1) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            ids = mdt_xreallocarray(ids, cap, sizeof(*ids));
        }
        ids[n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = mdt_invites_case_changed(r, ids[i]);
    free(ids);
    return rc;
}

/* notify: tell the invites about each case whose slot changed. Without
 * it the caller raises the series' sequence afterwards, and the invites
 * then bring every case of the series up to date in one go. */
static int place_case(struct mdt_req *r, int64_t case_id, int64_t meeting_id, int first,
                      int notify)
{
    sqlite3_stmt *st;
    int rc;

    if (first) {
        /* Slots are kept dense from 1: the others move down by one. */
        st = mdt_db_stmt(r->db, "UPDATE cases SET slot = slot + 1 WHERE meeting_id = ?1 "
                                "AND id != ?2");
        if (st == NULL)
            return -EPROTO;
        sqlite3_bind_int64(st, 1, meeting_id);
        sqlite3_bind_int64(st, 2, case_id);
        if ((rc = mdt_db_step(r->db, st)) < 0)
            return rc;
    }
    st = mdt_db_stmt(r->db, "UPDATE cases SET meeting_id = ?2, slot = CASE WHEN ?3 THEN 1 ELSE "
                            "(SELECT coalesce(max(slot), 0) + 1 FROM cases WHERE meeting_id = ?2 "
                            "AND id != ?1) END, updated_at = ?4, version = version + 1 "
                            "WHERE id = ?1");
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, case_id);
    sqlite3_bind_int64(st, 2, meeting_id);
    sqlite3_bind_int(st, 3, first);
    sqlite3_bind_int64(st, 4, mdt_now());
    if ((rc = mdt_db_step(r->db, st)) < 0)
        return rc;
    if (!notify)
        return 0;
    return first ? cases_changed_on(r, meeting_id) : mdt_invites_case_changed(r, case_id);
}

int mdt_meetings_place_case(struct mdt_req *r, int64_t case_id, int64_t meeting_id, int first)
{
    return place_case(r, case_id, meeting_id, first, 1);
}

/* Takes a case off its meeting: it waits for a meeting again. */
static int unplace_case(struct mdt_req *r, int64_t case_id, int notify)
{
    sqlite3_stmt *st = mdt_db_stmt(r->db, "UPDATE cases SET meeting_id = NULL, slot = NULL, "
                                          "updated_at = ?2, version = version + 1 WHERE id = ?1");
    int rc;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, case_id);
    sqlite3_bind_int64(st, 2, mdt_now());
    if ((rc = mdt_db_step(r->db, st)) < 0)
        return rc;
    return notify ? mdt_invites_case_changed(r, case_id) : 0;
}

/* The ids of the cases on a meeting (in slot order) with a status test:
 * all of them, or those not in `except` (a JSON array of ids). *out new. */
static int cases_on(struct mdt_db *db, int64_t meeting_id, int64_t **out, size_t *n)
{
    sqlite3_stmt *st = prep(db, "SELECT id FROM cases WHERE meeting_id = ?1 ORDER BY slot, id");
    size_t cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, meeting_id);
    while ((rc = mdt_db_step(db, st)) == 1) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            *out = mdt_xreallocarray(*out, cap, sizeof(**out));
        }
        (*out)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Moves cases (in their order) to the front of the series' next meeting
 * after `after`, or off any meeting when there is none. carried counts
 * an undiscussed case's meetings. */
static int carry_forward(struct mdt_req *r, int64_t series_id, int64_t after, const int64_t *ids,
                         size_t n, int count_carried, int notify, int64_t *to_meeting)
{
    sqlite3_stmt *st;
    int64_t next = 0;
    int rc;

    *to_meeting = 0;
    if (n == 0)
        return 0;
    st = mdt_db_stmt(r->db, "SELECT id FROM meetings WHERE series_id = ?1 AND start_at > ?2 "
                            "AND status = 'scheduled' ORDER BY start_at, id LIMIT 1");
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, series_id);
    sqlite3_bind_int64(st, 2, after);
    if ((rc = mdt_db_step(r->db, st)) < 0)
        return rc;
    if (rc == 1) {
        next = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    for (size_t i = 0; i < n; i++) {
        if (count_carried) {
            st = mdt_db_stmt(r->db, "UPDATE cases SET carried = carried + 1 WHERE id = ?1");
            if (st == NULL)
                return -EPROTO;
            sqlite3_bind_int64(st, 1, ids[i]);
            if ((rc = mdt_db_step(r->db, st)) < 0)
                return rc;
        }
        if (next == 0) {
            if ((rc = unplace_case(r, ids[i], notify)) < 0)
                return rc;
        }
    }
    if (next == 0)
        return 0;
    /* In reverse, each first: they end up in their old order, ahead of
     * the cases already there. */
    for (size_t i = n; i-- > 0;) {
        st = mdt_db_stmt(r->db, "UPDATE cases SET slot = slot + 1 WHERE meeting_id = ?1");
        if (st == NULL)
            return -EPROTO;
        sqlite3_bind_int64(st, 1, next);
        if ((rc = mdt_db_step(r->db, st)) < 0)
            return rc;
        st = mdt_db_stmt(r->db, "UPDATE cases SET meeting_id = ?2, slot = 1, updated_at = ?3, "
                                "version = version + 1 WHERE id = ?1");
        if (st == NULL)
            return -EPROTO;
        sqlite3_bind_int64(st, 1, ids[i]);
        sqlite3_bind_int64(st, 2, next);
        sqlite3_bind_int64(st, 3, mdt_now());
        if ((rc = mdt_db_step(r->db, st)) < 0)
            return rc;
    }
    *to_meeting = next;
    /* Every slot time of that meeting changed. */
    return notify ? cases_changed_on(r, next) : 0;
}

/* Cases on cancelled meetings of the series in the future go to its next
 * meeting with room (after a policy change skipped their meeting). */
static int rehome_cases(struct mdt_req *r, int64_t series_id, int64_t now)
{
    sqlite3_stmt *st = prep(r->db, "SELECT c.id, m.start_at FROM cases c JOIN meetings m ON "
                                   "m.id = c.meeting_id WHERE m.series_id = ?1 AND "
                                   "m.status = 'cancelled' AND m.start_at >= ?2 "
                                   "ORDER BY m.start_at, c.slot");
    int64_t (*v)[2] = NULL;
    size_t n = 0, cap = 0;
    int rc;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, series_id);
    sqlite3_bind_int64(st, 2, now);
    while ((rc = mdt_db_step(r->db, st)) == 1) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            v = mdt_xreallocarray(v, cap, sizeof(*v));
        }
        v[n][0] = sqlite3_column_int64(st, 0);
        v[n][1] = sqlite3_column_int64(st, 1);
        n++;
    }
    sqlite3_finalize(st);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int64_t next;
        if ((rc = mdt_meetings_next_with_room(r->db, series_id, 0, v[i][1], &next)) < 0)
            break;
        rc = next ? place_case(r, v[i][0], next, 0, 0) : unplace_case(r, v[i][0], 0);
    }
    free(v);
    return rc;
}

static int bump_sequence(struct mdt_req *r, int64_t series_id)
{
    sqlite3_stmt *st = mdt_db_stmt(r->db, "UPDATE series SET sequence = sequence + 1, "
                                          "updated_at = ?2 WHERE id = ?1");
    int rc;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, series_id);
    sqlite3_bind_int64(st, 2, mdt_now());
    if ((rc = mdt_db_step(r->db, st)) < 0)
        return rc;
    return mdt_invites_series_changed(r, series_id);
}

/* Answers. */

static json_t *ref_json(struct mdt_db *db, const char *sql, int64_t id)
{
    sqlite3_stmt *st;
    json_t *j;

    if (id <= 0 || (st = mdt_db_stmt(db, sql)) == NULL)
        return json_null();
    sqlite3_bind_int64(st, 1, id);
    if (mdt_db_step(db, st) != 1)
        return json_null();
    j = json_pack("{s:I, s:s?}", "id", (json_int_t)id, "name",
                  (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return j ? j : json_null();
}

static json_t *series_json(struct mdt_db *db, int64_t id)
{
    sqlite3_stmt *st = mdt_db_stmt(
        db, "SELECT id, uid, pcn_id, title, rrule, dtstart, tz, duration_min, list_id, url, "
            "chair_id, slots, slot_minutes, holidays, sequence, status, expanded_to, version, "
            "created_at, updated_at FROM series WHERE id = ?1");
    sqlite3_stmt *q;
    json_t *j, *req;
    int64_t pcn, list, chair;
    int64_t next = 0;

    if (st == NULL)
        return NULL;
    sqlite3_bind_int64(st, 1, id);
    if (mdt_db_step(db, st) != 1)
        return NULL;
    pcn = sqlite3_column_int64(st, 2);
    list = sqlite3_column_int64(st, 8);
    chair = sqlite3_column_int64(st, 10);
    j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:i, s:i, s:s, s:I, s:s, s:I}", "id",
                  (json_int_t)id, "uid", (const char *)sqlite3_column_text(st, 1), "title",
                  (const char *)sqlite3_column_text(st, 3), "rrule",
                  (const char *)sqlite3_column_text(st, 4), "start",
                  (const char *)sqlite3_column_text(st, 5), "tz",
                  (const char *)sqlite3_column_text(st, 6), "duration_min",
                  (json_int_t)sqlite3_column_int64(st, 7), "url",
                  (const char *)sqlite3_column_text(st, 9), "slots", sqlite3_column_int(st, 11),
                  "slot_minutes", sqlite3_column_int(st, 12), "holidays",
                  (const char *)sqlite3_column_text(st, 13), "sequence",
                  (json_int_t)sqlite3_column_int64(st, 14), "status",
                  (const char *)sqlite3_column_text(st, 15), "version",
                  (json_int_t)sqlite3_column_int64(st, 17));
    json_object_set_new(j, "expanded_to", mdt_json_time_col(st, 16));
    json_object_set_new(j, "created_at", mdt_json_time_col(st, 18));
    json_object_set_new(j, "updated_at", mdt_json_time_col(st, 19));
    sqlite3_reset(st);
    json_object_set_new(j, "pcn", ref_json(db, "SELECT name FROM pcns WHERE id = ?1", pcn));
    json_object_set_new(j, "list", ref_json(db, "SELECT name FROM lists WHERE id = ?1", list));
    json_object_set_new(j, "chair", ref_json(db, "SELECT name FROM people WHERE id = ?1", chair));
    req = json_array();
    if ((q = mdt_db_stmt(db, "SELECT o.id, o.name FROM series_required_orgs r JOIN orgs o ON "
                             "o.id = r.org_id WHERE r.series_id = ?1 ORDER BY o.name")) != NULL) {
        sqlite3_bind_int64(q, 1, id);
        while (mdt_db_step(db, q) == 1)
            json_array_append_new(req, json_pack("{s:I, s:s}", "id",
                                                 (json_int_t)sqlite3_column_int64(q, 0), "name",
                                                 (const char *)sqlite3_column_text(q, 1)));
    }
    json_object_set_new(j, "required_orgs", req);
    if ((q = mdt_db_stmt(db, "SELECT id, start_at FROM meetings WHERE series_id = ?1 AND "
                             "status = 'scheduled' AND start_at > ?2 ORDER BY start_at LIMIT 1"))) {
        sqlite3_bind_int64(q, 1, id);
        sqlite3_bind_int64(q, 2, mdt_now());
        if (mdt_db_step(db, q) == 1) {
            next = sqlite3_column_int64(q, 0);
            json_object_set_new(j, "next_meeting",
                                json_pack("{s:I, s:o}", "id", (json_int_t)next, "start",
                                          mdt_json_time(sqlite3_column_int64(q, 1))));
            sqlite3_reset(q);
        }
    }
    if (next == 0)
        json_object_set_new(j, "next_meeting", json_null());
    return j;
}

#define MEETING_COLS                                                                              \
    "m.id, m.series_id, s.title, s.pcn_id, p.name, m.recurrence_id, m.start_at, m.end_at, "       \
    "m.moved, m.move_reason, m.status, m.cancel_reason, m.agenda_sent_at, m.closed_at, "          \
    "s.slots, s.slot_minutes, (SELECT count(*) FROM cases c WHERE c.meeting_id = m.id), "         \
    "s.url, s.tz, m.version, m.created_at, m.updated_at, s.sequence "
#define MEETING_FROM " FROM meetings m JOIN series s ON s.id = m.series_id JOIN pcns p ON p.id = s.pcn_id"

static json_t *meeting_row(sqlite3_stmt *st)
{
    int slots = sqlite3_column_int(st, 14), used = sqlite3_column_int(st, 16);
    json_t *j = json_pack(
        "{s:I, s:{s:I, s:s}, s:{s:I, s:s}, s:o, s:o, s:o, s:b, s:o, s:s, s:o, s:o, s:o, s:i, "
        "s:i, s:i, s:i, s:s, s:s, s:I, s:I, s:o, s:o}",
        "id", (json_int_t)sqlite3_column_int64(st, 0), "series", "id",
        (json_int_t)sqlite3_column_int64(st, 1), "title", (const char *)sqlite3_column_text(st, 2),
        "pcn", "id", (json_int_t)sqlite3_column_int64(st, 3), "name",
        (const char *)sqlite3_column_text(st, 4), "recurrence_id",
        mdt_json_time(sqlite3_column_int64(st, 5)), "start",
        mdt_json_time(sqlite3_column_int64(st, 6)), "end",
        mdt_json_time(sqlite3_column_int64(st, 7)), "moved", sqlite3_column_int(st, 8),
        "move_reason", mdt_json_text_col(st, 9), "status",
        (const char *)sqlite3_column_text(st, 10), "cancel_reason", mdt_json_text_col(st, 11),
        "agenda_sent_at", mdt_json_time_col(st, 12), "closed_at", mdt_json_time_col(st, 13),
        "slots", slots, "slot_minutes", sqlite3_column_int(st, 15), "cases", used,
        "free_slots", slots > used ? slots - used : 0, "url",
        (const char *)sqlite3_column_text(st, 17), "tz", (const char *)sqlite3_column_text(st, 18),
        "version", (json_int_t)sqlite3_column_int64(st, 19), "sequence",
        (json_int_t)sqlite3_column_int64(st, 22), "created_at", mdt_json_time_col(st, 20),
        "updated_at", mdt_json_time_col(st, 21));
    return j;
}

static json_t *meeting_json(struct mdt_db *db, int64_t id)
{
    sqlite3_stmt *st = mdt_db_stmt(db, "SELECT " MEETING_COLS MEETING_FROM " WHERE m.id = ?1");
    json_t *j, *att;

    if (st == NULL)
        return NULL;
    sqlite3_bind_int64(st, 1, id);
    if (mdt_db_step(db, st) != 1)
        return NULL;
    j = meeting_row(st);
    sqlite3_reset(st);
    att = json_array();
    if ((st = mdt_db_stmt(db, "SELECT a.person_id, p.name, o.name, a.status, a.deputy_for, "
                              "d.name FROM attendance a JOIN people p ON p.id = a.person_id "
                              "JOIN orgs o ON o.id = p.org_id LEFT JOIN people d ON "
                              "d.id = a.deputy_for WHERE a.meeting_id = ?1 ORDER BY p.name"))) {
        sqlite3_bind_int64(st, 1, id);
        while (mdt_db_step(db, st) == 1) {
            json_t *a = json_pack("{s:{s:I, s:s}, s:s, s:s}", "person", "id",
                                  (json_int_t)sqlite3_column_int64(st, 0), "name",
                                  (const char *)sqlite3_column_text(st, 1), "org",
                                  (const char *)sqlite3_column_text(st, 2), "status",
                                  (const char *)sqlite3_column_text(st, 3));
            if (sqlite3_column_type(st, 4) != SQLITE_NULL)
                json_object_set_new(a, "deputy_for",
                                    json_pack("{s:I, s:s}", "id",
                                              (json_int_t)sqlite3_column_int64(st, 4), "name",
                                              (const char *)sqlite3_column_text(st, 5)));
            json_array_append_new(att, a);
        }
    }
    json_object_set_new(j, "attendance", att);
    /* The required organisations and the quorum warning from the RSVPs. */
    {
        struct mdt_jsonw w;
        char *doc;
        json_t *q;
        size_t len;

        mdt_jsonw_init(&w);
        mdt_jsonw_obj_begin(&w);
        mdt_invites_w_quorum(db, id, &w);
        mdt_jsonw_obj_end(&w);
        if (!mdt_jsonw_failed(&w)) {
            doc = mdt_jsonw_detach(&w, &len);
            if ((q = json_loadb(doc, len, 0, NULL)) != NULL) {
                json_object_update(j, q);
                json_decref(q);
            }
            free(doc);
        }
        mdt_jsonw_release(&w);
    }
    return j;
}

/* Request fields. */

/* "90m", "1h30m", "2h", "90" or a JSON integer: minutes. */
static int parse_duration(json_t *v, int *out)
{
    long long total = 0, n = 0;
    int any = 0, unit = 0;
    const char *s;

    if (json_is_integer(v)) {
        total = json_integer_value(v);
        goto check;
    }
    if (!json_is_string(v))
        return -EINVAL;
    s = json_string_value(v);
    if (*s == '\0' || strlen(s) > 16)
        return -EINVAL;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9') {
            n = n * 10 + (*s - '0');
            any = 1;
        } else if ((*s == 'h' || *s == 'm') && any) {
            total += *s == 'h' ? n * 60 : n;
            n = 0;
            any = 0;
            unit = 1;
        } else {
            return -EINVAL;
        }
    }
    if (any) {
        if (unit)
            return -EINVAL; /* "1h30" is ambiguous */
        total += n;
    }
check:
    if (total < 5 || total > 1440)
        return -EINVAL;
    *out = (int)total;
    return 0;
}

/* An instant from "YYYY-MM-DDTHH:MM" in tz, or with Z / an offset. */
static int parse_instant(const char *s, const char *tz, int64_t *out)
{
    struct mdt_local l;
    size_t n = strlen(s);
    char head[17];
    const char *rest;
    int sign, oh, om;

    if (mdt_recur_parse_local(s, &l) == 0)
        return mdt_recur_to_utc(&l, tz, out);
    if (n < 17 || n > 25)
        return -EINVAL;
    memcpy(head, s, 16);
    head[16] = '\0';
    if (mdt_recur_parse_local(head, &l) < 0)
        return -EINVAL;
    rest = s + 16;
    if (rest[0] == ':') {
        if (rest[1] != '0' || rest[2] != '0')
            return -EINVAL;
        rest += 3;
    }
    if (strcmp(rest, "Z") == 0) {
        sign = 0, oh = 0, om = 0;
    } else if ((rest[0] == '+' || rest[0] == '-') && strlen(rest) == 6 && rest[3] == ':' &&
               sscanf(rest + 1, "%2d:%2d", &oh, &om) == 2 && oh < 24 && om < 60) {
        sign = rest[0] == '+' ? 1 : -1;
    } else {
        return -EINVAL;
    }
    *out = mdt_days_from_civil(l.year, l.month, l.day) * 86400 + l.hour * 3600 + l.minute * 60 -
           (sign ? sign * (oh * 3600 + om * 60) : 0);
    return 0;
}

/* A date or time bound of a query: a date is midnight (from) or the next
 * midnight (to) in tz. */
static int parse_bound(const char *s, const char *tz, int end, int64_t *out)
{
    struct mdt_local l;

    if (mdt_recur_parse_date(s, &l) == 0) {
        if (end) {
            int64_t z = mdt_days_from_civil(l.year, l.month, l.day) + 1;
            mdt_civil_from_days(z, &l.year, &l.month, &l.day);
        }
        return mdt_recur_to_utc(&l, tz, out);
    }
    return parse_instant(s, tz, out);
}

static int int_field(struct mdt_req *r, const char *field, int lo, int hi, int *out, int *given)
{
    json_t *v = json_object_get(r->body, field);

    *given = 0;
    if (v == NULL)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        mdt_reply_error(r, 422, "invalid", field, "%s: must be a whole number from %d to %d",
                        field, lo, hi);
        return -1;
    }
    *out = (int)json_integer_value(v);
    *given = 1;
    return 0;
}

/* required_orgs: an array of organisation references; *out new or NULL
 * when absent. */
static int orgs_field(struct mdt_req *r, json_t **out)
{
    json_t *v = json_object_get(r->body, "required_orgs"), *e;
    size_t i;

    *out = NULL;
    if (v == NULL)
        return 0;
    if (!json_is_array(v) || json_array_size(v) > MAX_REQUIRED) {
        mdt_reply_error(r, 422, "invalid", "required_orgs",
                        "required_orgs: must be an array of at most %d organisations",
                        MAX_REQUIRED);
        return -1;
    }
    *out = json_array();
    json_array_foreach(v, i, e) {
        int64_t id = mdt_lookup_json_ref(r->db, e, MDT_SQL_ORG_BY_ID, MDT_SQL_ORG_BY_NAME);
        char path[40];
        snprintf(path, sizeof(path), "required_orgs.%zu", i);
        if (id < 0) {
            if (id == -ENOENT || id == -EINVAL)
                mdt_reply_error(r, 422, "invalid", path, "%s: no such organisation", path);
            else
                mdt_reply_errno(r, (int)id, NULL, "organisation");
            json_decref(*out);
            *out = NULL;
            return -1;
        }
        json_array_append_new(*out, json_integer(id));
    }
    return 0;
}

static int write_required(struct mdt_db *db, int64_t series_id, json_t *orgs)
{
    sqlite3_stmt *st = mdt_db_stmt(db, "DELETE FROM series_required_orgs WHERE series_id = ?1");
    json_t *e;
    size_t i;
    int rc;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, series_id);
    if ((rc = mdt_db_step(db, st)) < 0)
        return rc;
    json_array_foreach(orgs, i, e) {
        st = mdt_db_stmt(db, "INSERT OR IGNORE INTO series_required_orgs (series_id, org_id) "
                             "VALUES (?1, ?2)");
        if (st == NULL)
            return -EPROTO;
        sqlite3_bind_int64(st, 1, series_id);
        sqlite3_bind_int64(st, 2, json_integer_value(e));
        if ((rc = mdt_db_step(db, st)) < 0)
            return rc;
    }
    return 0;
}

/* The fields of create and update, checked. Absent fields stay NULL/0. */
struct series_in {
    const char *title, *rrule, *start, *tz, *url, *holidays;
    int64_t pcn, list, chair;
    int chair_given, duration, duration_given, slots, slots_given, slot_minutes, sm_given;
    int policy;
    json_t *required; /* new or NULL */
};

static int series_fields(struct mdt_req *r, struct series_in *in, int create)
{
    json_t *v;
    const char *why;

    memset(in, 0, sizeof(*in));
    in->policy = -1;
    if (mdt_field_str(r, "title", create, &in->title) < 0 ||
        mdt_field_str(r, "rrule", create, &in->rrule) < 0 ||
        mdt_field_str(r, "start", create, &in->start) < 0 ||
        mdt_field_str(r, "tz", 0, &in->tz) < 0 || mdt_field_str(r, "url", create, &in->url) < 0 ||
        mdt_field_str(r, "holidays", 0, &in->holidays) < 0)
        return -1;
    if (in->title && (why = mdt_check_name(in->title)) != NULL) {
        mdt_reply_error(r, 422, "invalid", "title", "title: %s", why);
        return -1;
    }
    if (in->url && (strlen(in->url) > MAX_URL || (why = mdt_check_url(in->url)) != NULL)) {
        mdt_reply_error(r, 422, "invalid", "url", "url: %s",
                        strlen(in->url) > MAX_URL ? "longer than 2000 bytes" : why);
        return -1;
    }
    if (in->tz && !mdt_recur_tz_valid(in->tz)) {
        mdt_reply_error(r, 422, "invalid", "tz", "tz: unknown time zone (e.g. Europe/London)");
        return -1;
    }
    if (in->start) {
        struct mdt_local l;
        if (mdt_recur_parse_local(in->start, &l) < 0) {
            mdt_reply_error(r, 422, "invalid", "start",
                            "start: must be a wall-clock time YYYY-MM-DDTHH:MM in the series' "
                            "time zone");
            return -1;
        }
    }
    if (in->holidays && (in->policy = mdt_holiday_policy_parse(in->holidays)) < 0) {
        mdt_reply_error(r, 422, "invalid", "holidays",
                        "holidays: must be keep, skip or next_working_day");
        return -1;
    }
    if ((v = json_object_get(r->body, "duration")) != NULL) {
        if (parse_duration(v, &in->duration) < 0) {
            mdt_reply_error(r, 422, "invalid", "duration",
                            "duration: minutes from 5 to 1440, as 90, \"90m\" or \"1h30m\"");
            return -1;
        }
        in->duration_given = 1;
    } else if (create) {
        mdt_reply_error(r, 422, "invalid", "duration", "duration: required");
        return -1;
    }
    if (int_field(r, "slots", 1, 50, &in->slots, &in->slots_given) < 0 ||
        int_field(r, "slot_minutes", 5, 240, &in->slot_minutes, &in->sm_given) < 0)
        return -1;
    if (create || json_object_get(r->body, "pcn")) {
        if (mdt_field_ref(r, "pcn", MDT_SQL_PCN_BY_ID, MDT_SQL_PCN_BY_NAME, "PCN", &in->pcn) < 0)
            return -1;
        if (in->pcn == 0) {
            mdt_reply_error(r, 422, "invalid", "pcn", "pcn: required");
            return -1;
        }
    }
    if (create || json_object_get(r->body, "list")) {
        if (mdt_field_ref(r, "list", MDT_SQL_LIST_BY_ID, MDT_SQL_LIST_BY_NAME, "list", &in->list) < 0)
            return -1;
        if (in->list == 0) {
            mdt_reply_error(r, 422, "invalid", "list", "list: required");
            return -1;
        }
    }
    if ((v = json_object_get(r->body, "chair")) != NULL) {
        in->chair_given = 1;
        if (mdt_field_ref(r, "chair", MDT_SQL_PERSON_BY_ID, MDT_SQL_PERSON_BY_EMAIL, "person",
                      &in->chair) < 0)
            return -1;
    }
    return orgs_field(r, &in->required);
}

/* Checks the rule against the start; 422 naming rrule. */
static int check_rule(struct mdt_req *r, const char *rrule, const char *start)
{
    struct mdt_local l;
    struct mdt_buf err;
    int rc;

    if (mdt_recur_parse_local(start, &l) < 0) {
        mdt_reply_error(r, 422, "invalid", "start", "start: not a valid time");
        return -1;
    }
    mdt_buf_init(&err, 512);
    if ((rc = mdt_recur_check(rrule, &l, &err)) < 0)
        mdt_reply_error(r, 422, "invalid", "rrule", "rrule: %s", mdt_buf_str(&err));
    mdt_buf_release(&err);
    return rc < 0 ? -1 : 0;
}

/* The series answer after a change: commits first. */
static void commit_and_reply(struct mdt_req *r, int status, json_t *j)
{
    int rc;

    if (j == NULL) {
        mdt_db_rollback(r->db);
        mdt_reply_errno(r, -EPROTO, NULL, "series");
        return;
    }
    if ((rc = mdt_db_commit(r->db)) < 0) {
        json_decref(j);
        mdt_reply_errno(r, rc, NULL, "series");
        return;
    }
    mdt_outbox_kick(r->outbox);
    mdt_reply_json(r, status, j);
}

static void fail(struct mdt_req *r, int rc, const char *what)
{
    mdt_db_rollback(r->db);
    mdt_reply_errno(r, rc, NULL, what);
}

void mdt_h_series_create(struct mdt_req *r)
{
    static const char *const fields[] = {"pcn",     "title",        "rrule",    "start",
                                         "duration", "tz",          "list",     "url",
                                         "chair",    "slots",       "slot_minutes", "holidays",
                                         "required_orgs", NULL};
    struct series_in in = {0};
    struct mdt_holidays *h = NULL;
    struct mdt_buf err;
    sqlite3_stmt *st;
    unsigned char raw[12];
    char uid[80];
    int64_t id, now = mdt_now();
    int rc, added = 0;

    mdt_buf_init(&err, 512);
    if (mdt_fields_known(r, fields) < 0 || series_fields(r, &in, 1) < 0)
        goto out;
    if (in.tz == NULL)
        in.tz = "Europe/London";
    if (check_rule(r, in.rrule, in.start) < 0)
        goto out;
    if ((rc = mdt_meetings_holidays(r->cfg, &h, &err)) < 0) {
        log_warnx("meetings: %s", mdt_buf_str(&err));
        mdt_reply_error(r, 500, "internal", NULL, "the bank holidays cannot be read");
        goto out;
    }
    /* The UID is stable for the life of the series and reveals nothing. */
    randombytes_buf(raw, sizeof(raw));
    snprintf(uid, sizeof(uid), "series-%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x@mdtd",
             raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7], raw[8], raw[9],
             raw[10], raw[11]);
    if ((rc = mdt_db_begin(r->db)) < 0) {
        mdt_reply_errno(r, rc, NULL, "series");
        goto out;
    }
    st = mdt_db_stmt(r->db, "INSERT INTO series (uid, pcn_id, title, rrule, dtstart, tz, "
                            "duration_min, list_id, url, chair_id, slots, slot_minutes, holidays, "
                            "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                            "nullif(?10, 0), ?11, ?12, ?13, ?14, ?14)");
    if (st == NULL) {
        fail(r, -EPROTO, "series");
        goto out;
    }
    {
        struct mdt_local l;
        char start[32];
        mdt_recur_parse_local(in.start, &l);
        mdt_recur_format_local(&l, start);
        sqlite3_bind_text(st, 1, uid, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, in.pcn);
        sqlite3_bind_text(st, 3, in.title, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, in.rrule, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, start, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 6, in.tz, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 7, in.duration);
        sqlite3_bind_int64(st, 8, in.list);
        sqlite3_bind_text(st, 9, in.url, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 10, in.chair);
        sqlite3_bind_int(st, 11, in.slots_given ? in.slots : 6);
        sqlite3_bind_int(st, 12, in.sm_given ? in.slot_minutes : 20);
        sqlite3_bind_text(st, 13, mdt_holiday_policy_name(in.policy < 0 ? 0 : in.policy), -1,
                          SQLITE_STATIC);
        sqlite3_bind_int64(st, 14, now);
        rc = mdt_db_step(r->db, st);
        sqlite3_clear_bindings(st);
    }
    if (rc < 0) {
        fail(r, rc, "series");
        goto out;
    }
    id = mdt_db_last_id(r->db);
    if (in.required && (rc = write_required(r->db, id, in.required)) < 0) {
        fail(r, rc, "series");
        goto out;
    }
    if ((rc = mdt_meetings_top_up(r->db, h, id, now, &added)) < 0) {
        fail(r, rc, "series");
        goto out;
    }
    log_info("meetings: series %lld created, %d meetings", (long long)id, added);
    commit_and_reply(r, 201, series_json(r->db, id));
out:
    json_decref(in.required);
    mdt_holidays_free(h);
    mdt_buf_release(&err);
}

void mdt_h_series_list(struct mdt_req *r)
{
    const char *pcn = mdt_req_query(r, "pcn"), *status = mdt_req_query(r, "status");
    sqlite3_stmt *st;
    int64_t pcn_id = 0, *ids = NULL;
    size_t n = 0, cap = 0;
    json_t *arr;
    int rc;

    if (mdt_param_ref(r, "pcn", pcn, MDT_SQL_PCN_BY_ID, MDT_SQL_PCN_BY_NAME, "PCN", &pcn_id) < 0)
        return;
    if (status && strcmp(status, "active") != 0 && strcmp(status, "cancelled") != 0) {
        mdt_reply_error(r, 422, "invalid", "status", "status: must be active or cancelled");
        return;
    }
    if ((st = prep(r->db, "SELECT id FROM series WHERE (?1 = 0 OR pcn_id = ?1) AND "
                          "(?2 IS NULL OR status = ?2) ORDER BY title, id")) == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "series");
        return;
    }
    sqlite3_bind_int64(st, 1, pcn_id);
    if (status)
        sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    while ((rc = mdt_db_step(r->db, st)) == 1) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            ids = mdt_xreallocarray(ids, cap, sizeof(*ids));
        }
        ids[n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    if (rc < 0) {
        free(ids);
        mdt_reply_errno(r, rc, NULL, "series");
        return;
    }
    arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *j = series_json(r->db, ids[i]);
        if (j)
            json_array_append_new(arr, j);
    }
    free(ids);
    mdt_reply_json(r, 200, arr);
}

void mdt_h_series_get(struct mdt_req *r)
{
    int64_t id = parse_id(r->param);
    json_t *j = id > 0 ? series_json(r->db, id) : NULL;

    if (j == NULL) {
        mdt_reply_error(r, 404, "not_found", NULL, "no such series");
        return;
    }
    mdt_reply_json(r, 200, j);
}

static int check_series_version(struct mdt_req *r, int64_t id, int *active)
{
    sqlite3_stmt *st = mdt_db_stmt(r->db, "SELECT version, status = 'active' FROM series "
                                          "WHERE id = ?1");
    int64_t want, have;
    int rc;

    if (mdt_field_version(r, &want) < 0)
        return -1;
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "series");
        return -1;
    }
    sqlite3_bind_int64(st, 1, id);
    if ((rc = mdt_db_step(r->db, st)) != 1) {
        if (rc == 0)
            mdt_reply_error(r, 404, "not_found", NULL, "no such series");
        else
            mdt_reply_errno(r, rc, NULL, "series");
        return -1;
    }
    have = sqlite3_column_int64(st, 0);
    *active = sqlite3_column_int(st, 1);
    sqlite3_reset(st);
    if (want >= 0 && have != want) {
        mdt_reply_error(r, 409, "stale", "version",
                        "version: the series is at version %lld, not %lld", (long long)have,
                        (long long)want);
        return -1;
    }
    return 0;
}

void mdt_h_series_patch(struct mdt_req *r)
{
    static const char *const fields[] = {"title",    "rrule", "start", "duration", "tz",
                                         "list",     "url",   "chair", "slots",    "slot_minutes",
                                         "holidays", "required_orgs", "pcn", "version", NULL};
    int64_t id = parse_id(r->param), now = mdt_now();
    struct series_in in = {0};
    struct series s;
    struct mdt_holidays *h = NULL;
    struct mdt_buf err;
    sqlite3_stmt *st;
    int rc, active, timing;

    memset(&in, 0, sizeof(in));
    mdt_buf_init(&err, 512);
    if (id < 0) {
        mdt_reply_error(r, 404, "not_found", NULL, "no such series");
        goto out;
    }
    if (mdt_fields_known(r, fields) < 0 || check_series_version(r, id, &active) < 0 ||
        series_fields(r, &in, 0) < 0)
        goto out;
    if (!active) {
        mdt_reply_error(r, 409, "conflict", NULL, "the series is cancelled");
        goto out;
    }
    if (json_object_get(r->body, "pcn")) {
        mdt_reply_error(r, 422, "invalid", "pcn", "pcn: a series stays with its PCN; cancel it "
                                                  "and create another");
        goto out;
    }
    if ((rc = series_load(r->db, id, &s)) < 0) {
        mdt_reply_errno(r, rc, NULL, "series");
        goto out;
    }
    if (in.rrule || in.start) {
        char start[32];
        mdt_recur_format_local(&s.start, start);
        if (check_rule(r, in.rrule ? in.rrule : s.rrule, in.start ? in.start : start) < 0)
            goto out;
    }
    timing = in.rrule || in.start || in.tz || in.policy >= 0 || in.duration_given;
    if ((rc = mdt_meetings_holidays(r->cfg, &h, &err)) < 0) {
        log_warnx("meetings: %s", mdt_buf_str(&err));
        mdt_reply_error(r, 500, "internal", NULL, "the bank holidays cannot be read");
        goto out;
    }
    if ((rc = mdt_db_begin(r->db)) < 0) {
        mdt_reply_errno(r, rc, NULL, "series");
        goto out;
    }
    st = mdt_db_stmt(r->db,
                     "UPDATE series SET title = coalesce(?2, title), rrule = coalesce(?3, rrule), "
                     "dtstart = coalesce(?4, dtstart), tz = coalesce(?5, tz), "
                     "duration_min = CASE WHEN ?6 > 0 THEN ?6 ELSE duration_min END, "
                     "list_id = CASE WHEN ?7 > 0 THEN ?7 ELSE list_id END, "
                     "url = coalesce(?8, url), "
                     "chair_id = CASE WHEN ?9 THEN nullif(?10, 0) ELSE chair_id END, "
                     "slots = CASE WHEN ?11 > 0 THEN ?11 ELSE slots END, "
                     "slot_minutes = CASE WHEN ?12 > 0 THEN ?12 ELSE slot_minutes END, "
                     "holidays = coalesce(?13, holidays), version = version + 1, "
                     "updated_at = ?14 WHERE id = ?1");
    if (st == NULL) {
        fail(r, -EPROTO, "series");
        goto out;
    }
    {
        struct mdt_local l;
        char start[32] = "";
        if (in.start) {
            mdt_recur_parse_local(in.start, &l);
            mdt_recur_format_local(&l, start);
        }
        sqlite3_bind_int64(st, 1, id);
        if (in.title)
            sqlite3_bind_text(st, 2, in.title, -1, SQLITE_STATIC);
        if (in.rrule)
            sqlite3_bind_text(st, 3, in.rrule, -1, SQLITE_STATIC);
        if (in.start)
            sqlite3_bind_text(st, 4, start, -1, SQLITE_TRANSIENT);
        if (in.tz)
            sqlite3_bind_text(st, 5, in.tz, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 6, in.duration_given ? in.duration : 0);
        sqlite3_bind_int64(st, 7, in.list);
        if (in.url)
            sqlite3_bind_text(st, 8, in.url, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 9, in.chair_given);
        sqlite3_bind_int64(st, 10, in.chair);
        sqlite3_bind_int(st, 11, in.slots_given ? in.slots : 0);
        sqlite3_bind_int(st, 12, in.sm_given ? in.slot_minutes : 0);
        if (in.policy >= 0)
            sqlite3_bind_text(st, 13, mdt_holiday_policy_name(in.policy), -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 14, now);
        rc = mdt_db_step(r->db, st);
        sqlite3_clear_bindings(st);
    }
    if (rc < 0) {
        fail(r, rc, "series");
        goto out;
    }
    if (in.required && (rc = write_required(r->db, id, in.required)) < 0) {
        fail(r, rc, "series");
        goto out;
    }
    if (timing) {
        /* The future follows the new rule: occurrences it no longer gives
         * are removed (their cases move on), the others are recomputed
         * unless the chair moved or cancelled them, new ones are added. */
        int64_t to;
        if ((rc = series_load(r->db, id, &s)) < 0) {
            fail(r, rc, "series");
            goto out;
        }
        to = horizon(&s, now);
        if ((rc = expand_window(r->db, h, &s, now, to, 1, now, NULL)) < 0 ||
            (rc = set_expanded_to(r->db, id, to)) < 0) {
            fail(r, rc, "series");
            goto out;
        }
        /* Chair-moved meetings keep their time; the rest keep length. */
        st = mdt_db_stmt(r->db, "UPDATE meetings SET end_at = start_at + ?2 * 60 WHERE "
                                "series_id = ?1 AND start_at >= ?3 AND status != 'closed'");
        if (st) {
            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_int(st, 2, s.duration_min);
            sqlite3_bind_int64(st, 3, now);
        }
        if (st == NULL || (rc = mdt_db_step(r->db, st)) < 0) {
            fail(r, st ? rc : -EPROTO, "series");
            goto out;
        }
        {
            /* Rows of the old rule in the future that the new one does
             * not give: their cases are re-homed, then the row goes. */
            int64_t *occ = NULL, *gone = NULL;
            size_t n = 0, ng = 0, cap = 0;
            sqlite3_stmt *q;
            mdt_recur_expand(s.rrule, &s.start, s.tz, now, to, MAX_PER_WINDOW, &occ, &n, &err);
            q = prep(r->db, "SELECT id, recurrence_id FROM meetings WHERE series_id = ?1 AND "
                            "start_at >= ?2 AND status != 'closed'");
            if (q) {
                sqlite3_bind_int64(q, 1, id);
                sqlite3_bind_int64(q, 2, now);
                while (mdt_db_step(r->db, q) == 1) {
                    int64_t rid = sqlite3_column_int64(q, 1);
                    int found = 0;
                    for (size_t i = 0; i < n && !found; i++)
                        found = occ[i] == rid;
                    if (!found) {
                        if (ng == cap) {
                            cap = cap ? cap * 2 : 8;
                            gone = mdt_xreallocarray(gone, cap, sizeof(*gone));
                        }
                        gone[ng++] = sqlite3_column_int64(q, 0);
                    }
                }
                sqlite3_finalize(q);
            }
            free(occ);
            rc = 0;
            for (size_t i = 0; i < ng && rc == 0; i++) {
                st = mdt_db_stmt(r->db, "UPDATE meetings SET status = 'cancelled', "
                                        "cancel_reason = 'rule', updated_at = ?2, version = "
                                        "version + 1 WHERE id = ?1");
                if (st == NULL) {
                    rc = -EPROTO;
                    break;
                }
                sqlite3_bind_int64(st, 1, gone[i]);
                sqlite3_bind_int64(st, 2, now);
                rc = mdt_db_step(r->db, st);
            }
            free(gone);
            if (rc < 0) {
                fail(r, rc, "series");
                goto out;
            }
            /* Rows that are not the rule's any more and hold nothing go. */
            st = mdt_db_stmt(r->db, "DELETE FROM meetings WHERE series_id = ?1 AND "
                                    "cancel_reason = 'rule' AND start_at >= ?2 AND NOT EXISTS "
                                    "(SELECT 1 FROM cases c WHERE c.meeting_id = meetings.id) "
                                    "AND NOT EXISTS (SELECT 1 FROM attendance a WHERE "
                                    "a.meeting_id = meetings.id)");
            if (st) {
                sqlite3_bind_int64(st, 1, id);
                sqlite3_bind_int64(st, 2, now);
                /* Rows other tables still refer to stay, cancelled. */
                if (mdt_db_step(r->db, st) < 0)
                    log_info("meetings: series %lld: old occurrences kept as cancelled",
                             (long long)id);
            }
        }
        if ((rc = rehome_cases(r, id, now)) < 0) {
            fail(r, rc, "series");
            goto out;
        }
    }
    if ((rc = bump_sequence(r, id)) < 0) {
        fail(r, rc, "series");
        goto out;
    }
    log_info("meetings: series %lld updated", (long long)id);
    commit_and_reply(r, 200, series_json(r->db, id));
out:
    json_decref(in.required);
    mdt_holidays_free(h);
    mdt_buf_release(&err);
}

void mdt_h_series_cancel(struct mdt_req *r)
{
    static const char *const fields[] = {"version", NULL};
    int64_t id = parse_id(r->param), now = mdt_now(), *ids = NULL;
    sqlite3_stmt *st;
    size_t n = 0, cap = 0;
    int rc, active;

    if (id < 0) {
        mdt_reply_error(r, 404, "not_found", NULL, "no such series");
        return;
    }
    if ((r->body && mdt_fields_known(r, fields) < 0) || check_series_version(r, id, &active) < 0)
        return;
    if (!active) {
        mdt_reply_error(r, 409, "conflict", NULL, "the series is cancelled already");
        return;
    }
    if ((rc = mdt_db_begin(r->db)) < 0) {
        mdt_reply_errno(r, rc, NULL, "series");
        return;
    }
    st = mdt_db_stmt(r->db, "UPDATE series SET status = 'cancelled', version = version + 1, "
                            "updated_at = ?2 WHERE id = ?1");
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, now);
    }
    if (st == NULL || (rc = mdt_db_step(r->db, st)) < 0) {
        fail(r, st ? rc : -EPROTO, "series");
        return;
    }
    /* The cases of the meetings that will not happen wait again. */
    if ((st = prep(r->db, "SELECT c.id FROM cases c JOIN meetings m ON m.id = c.meeting_id "
                          "WHERE m.series_id = ?1 AND m.status = 'scheduled' AND m.start_at > ?2 "
                          "ORDER BY m.start_at, c.slot")) == NULL) {
        fail(r, -EPROTO, "series");
        return;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    while ((rc = mdt_db_step(r->db, st)) == 1) {
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            ids = mdt_xreallocarray(ids, cap, sizeof(*ids));
        }
        ids[n++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    /* Meetings that have taken place are history: only those to come. */
    st = mdt_db_stmt(r->db, "UPDATE meetings SET status = 'cancelled', cancel_reason = 'series', "
                            "updated_at = ?2, version = version + 1 WHERE series_id = ?1 AND "
                            "status = 'scheduled' AND start_at > ?2");
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, now);
    }
    if (rc < 0 || st == NULL || (rc = mdt_db_step(r->db, st)) < 0) {
        free(ids);
        fail(r, rc < 0 ? rc : -EPROTO, "series");
        return;
    }
    for (size_t i = 0; i < n && rc >= 0; i++)
        rc = unplace_case(r, ids[i], 0);
    free(ids);
    if (rc < 0 || (rc = bump_sequence(r, id)) < 0) {
        fail(r, rc, "series");
        return;
    }
    log_info("meetings: series %lld cancelled", (long long)id);
    commit_and_reply(r, 200, series_json(r->db, id));
}

void mdt_h_meetings_list(struct mdt_req *r)
{
    const char *pcn = mdt_req_query(r, "pcn"), *from = mdt_req_query(r, "from"),
               *to = mdt_req_query(r, "to"), *series = mdt_req_query(r, "series"),
               *status = mdt_req_query(r, "status");
    int64_t pcn_id = 0, series_id = 0, t_from = INT64_MIN, t_to = INT64_MAX;
    sqlite3_stmt *st;
    json_t *arr;
    int rc;

    if (mdt_param_ref(r, "pcn", pcn, MDT_SQL_PCN_BY_ID, MDT_SQL_PCN_BY_NAME, "PCN", &pcn_id) < 0)
        return;
    if (series && (series_id = parse_id(series)) < 0) {
        mdt_reply_error(r, 422, "invalid", "series", "series: not a series id");
        return;
    }
    if (from && parse_bound(from, r->cfg->tz, 0, &t_from) < 0) {
        mdt_reply_error(r, 422, "invalid", "from", "from: must be YYYY-MM-DD or a time");
        return;
    }
    if (to && parse_bound(to, r->cfg->tz, 1, &t_to) < 0) {
        mdt_reply_error(r, 422, "invalid", "to", "to: must be YYYY-MM-DD or a time");
        return;
    }
    if (status && strcmp(status, "scheduled") != 0 && strcmp(status, "cancelled") != 0 &&
        strcmp(status, "closed") != 0) {
        mdt_reply_error(r, 422, "invalid", "status",
                        "status: must be scheduled, cancelled or closed");
        return;
    }
    st = prep(r->db, "SELECT " MEETING_COLS MEETING_FROM
                     " WHERE (?1 = 0 OR s.pcn_id = ?1) AND (?2 = 0 OR m.series_id = ?2) "
                     "AND m.start_at >= ?3 AND m.start_at < ?4 AND (?5 IS NULL OR m.status = ?5) "
                     "ORDER BY m.start_at, m.id LIMIT 10000");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "meeting");
        return;
    }
    sqlite3_bind_int64(st, 1, pcn_id);
    sqlite3_bind_int64(st, 2, series_id);
    sqlite3_bind_int64(st, 3, t_from);
    sqlite3_bind_int64(st, 4, t_to);
    if (status)
        sqlite3_bind_text(st, 5, status, -1, SQLITE_STATIC);
    arr = json_array();
    while ((rc = mdt_db_step(r->db, st)) == 1)
        json_array_append_new(arr, meeting_row(st));
    sqlite3_finalize(st);
    if (rc < 0) {
        json_decref(arr);
        mdt_reply_errno(r, rc, NULL, "meeting");
        return;
    }
    mdt_reply_json(r, 200, arr);
}

void mdt_h_meetings_get(struct mdt_req *r)
{
    int64_t id = parse_id(r->param);
    json_t *j = id > 0 ? meeting_json(r->db, id) : NULL;

    if (j == NULL) {
        mdt_reply_error(r, 404, "not_found", NULL, "no such meeting");
        return;
    }
    mdt_invites_add_quorum(r->db, id, j); /* required_orgs, quorum_warning (invites.c) */
    mdt_reply_json(r, 200, j);
}

/* Loads what a meeting change needs; answers 404/409 itself. */
static int meeting_for_change(struct mdt_req *r, int64_t *id, int64_t *series_id,
                              int64_t *start, int *duration, char tz[72])
{
    sqlite3_stmt *st;
    int rc;

    if ((*id = parse_id(r->param)) < 0) {
        mdt_reply_error(r, 404, "not_found", NULL, "no such meeting");
        return -1;
    }
    st = mdt_db_stmt(r->db, "SELECT m.series_id, m.start_at, s.duration_min, s.tz, m.status, "
                            "s.status FROM meetings m JOIN series s ON s.id = m.series_id "
                            "WHERE m.id = ?1");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "meeting");
        return -1;
    }
    sqlite3_bind_int64(st, 1, *id);
    if ((rc = mdt_db_step(r->db, st)) != 1) {
        if (rc == 0)
            mdt_reply_error(r, 404, "not_found", NULL, "no such meeting");
        else
            mdt_reply_errno(r, rc, NULL, "meeting");
        return -1;
    }
    *series_id = sqlite3_column_int64(st, 0);
    *start = sqlite3_column_int64(st, 1);
    *duration = sqlite3_column_int(st, 2);
    snprintf(tz, 72, "%s", (const char *)sqlite3_column_text(st, 3));
    if (strcmp((const char *)sqlite3_column_text(st, 4), "scheduled") != 0 ||
        strcmp((const char *)sqlite3_column_text(st, 5), "active") != 0) {
        char what[32];
        snprintf(what, sizeof(what), "%s", (const char *)sqlite3_column_text(st, 4));
        sqlite3_reset(st);
        mdt_reply_error(r, 409, "conflict", NULL, "the meeting is %s",
                        strcmp(what, "scheduled") == 0 ? "in a cancelled series" : what);
        return -1;
    }
    sqlite3_reset(st);
    return 0;
}

void mdt_h_meetings_move(struct mdt_req *r)
{
    static const char *const fields[] = {"start", NULL};
    int64_t id, series_id, old_start, start;
    const char *s;
    sqlite3_stmt *st;
    char tz[72];
    int duration, rc;

    if (mdt_fields_known(r, fields) < 0 || mdt_field_str(r, "start", 1, &s) < 0 ||
        meeting_for_change(r, &id, &series_id, &old_start, &duration, tz) < 0)
        return;
    if (parse_instant(s, tz, &start) < 0) {
        mdt_reply_error(r, 422, "invalid", "start",
                        "start: must be YYYY-MM-DDTHH:MM in the series' time zone (%s), or a time "
                        "with its offset", tz);
        return;
    }
    if ((rc = mdt_db_begin(r->db)) < 0) {
        mdt_reply_errno(r, rc, NULL, "meeting");
        return;
    }
    st = mdt_db_stmt(r->db, "UPDATE meetings SET start_at = ?2, end_at = ?2 + ?3 * 60, "
                            "moved = (?2 != recurrence_id), move_reason = CASE WHEN "
                            "?2 != recurrence_id THEN 'chair' END, updated_at = ?4, "
                            "version = version + 1 WHERE id = ?1");
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, start);
        sqlite3_bind_int(st, 3, duration);
        sqlite3_bind_int64(st, 4, mdt_now());
    }
    /* The update of the series brings its case holders' slots along. */
    if (st == NULL || (rc = mdt_db_step(r->db, st)) < 0 || (rc = bump_sequence(r, series_id)) < 0) {
        fail(r, st ? rc : -EPROTO, "meeting");
        return;
    }
    log_info("meetings: meeting %lld moved", (long long)id);
    commit_and_reply(r, 200, meeting_json(r->db, id));
}

void mdt_h_meetings_cancel(struct mdt_req *r)
{
    int64_t id, series_id, start, to, *ids = NULL;
    sqlite3_stmt *st;
    size_t n = 0;
    char tz[72];
    int duration, rc;
    json_t *j;

    if (meeting_for_change(r, &id, &series_id, &start, &duration, tz) < 0)
        return;
    if ((rc = mdt_db_begin(r->db)) < 0) {
        mdt_reply_errno(r, rc, NULL, "meeting");
        return;
    }
    st = mdt_db_stmt(r->db, "UPDATE meetings SET status = 'cancelled', cancel_reason = 'chair', "
                            "updated_at = ?2, version = version + 1 WHERE id = ?1");
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, mdt_now());
    }
    if (st == NULL || (rc = mdt_db_step(r->db, st)) < 0 || (rc = cases_on(r->db, id, &ids, &n)) < 0 ||
        (rc = carry_forward(r, series_id, start, ids, n, 0, 0, &to)) < 0 ||
        (rc = bump_sequence(r, series_id)) < 0) {
        free(ids);
        fail(r, st ? rc : -EPROTO, "meeting");
        return;
    }
    free(ids);
    log_info("meetings: meeting %lld cancelled, %zu cases moved on", (long long)id, n);
    j = meeting_json(r->db, id);
    if (j)
        json_object_set_new(j, "cases_moved_to", to ? json_integer(to) : json_null());
    commit_and_reply(r, 200, j);
}

static const char *const attendance_status[] = {"attended", "apologies", "absent", "deputy",
                                                NULL};

void mdt_h_meetings_close(struct mdt_req *r)
{
    static const char *const fields[] = {"attendance", "discussed", NULL};
    json_t *att = json_object_get(r->body, "attendance"), *disc = json_object_get(r->body, "discussed");
    json_t *e, *carried = json_array(), *j;
    int64_t id, series_id, start, to = 0, *ids = NULL, *keep = NULL, now = mdt_now();
    size_t i, n = 0, nk = 0;
    sqlite3_stmt *st;
    char tz[72];
    int duration, rc;

    if (mdt_fields_known(r, fields) < 0)
        goto out;
    if (att && !json_is_array(att)) {
        mdt_reply_error(r, 422, "invalid", "attendance", "attendance: must be an array");
        goto out;
    }
    if (disc && !json_is_array(disc)) {
        mdt_reply_error(r, 422, "invalid", "discussed", "discussed: must be an array of case ids");
        goto out;
    }
    if (json_array_size(att) > 1000 || json_array_size(disc) > 100) {
        mdt_reply_error(r, 422, "invalid", json_array_size(att) > 1000 ? "attendance" : "discussed",
                        "too many entries");
        goto out;
    }
    if (meeting_for_change(r, &id, &series_id, &start, &duration, tz) < 0)
        goto out;
    if ((rc = mdt_db_begin(r->db)) < 0) {
        mdt_reply_errno(r, rc, NULL, "meeting");
        goto out;
    }
    json_array_foreach(att, i, e) {
        static const char *const afields[] = {"person", "status", "deputy_for", NULL};
        json_t *p = json_object_get(e, "person"), *s = json_object_get(e, "status"),
               *d = json_object_get(e, "deputy_for");
        int64_t pid, did = 0;
        char path[48];
        const char *k;
        json_t *x;

        snprintf(path, sizeof(path), "attendance.%zu", i);
        if (!json_is_object(e)) {
            mdt_db_rollback(r->db);
            mdt_reply_error(r, 422, "invalid", path, "%s: must be an object", path);
            goto out;
        }
        json_object_foreach(e, k, x) {
            int ok = 0;
            for (const char *const *f = afields; *f; f++)
                ok |= strcmp(*f, k) == 0;
            if (!ok) {
                mdt_db_rollback(r->db);
                mdt_reply_error(r, 422, "invalid", path, "%s: unknown field %s", path, k);
                goto out;
            }
        }
        pid = p ? mdt_lookup_json_ref(r->db, p, MDT_SQL_PERSON_BY_ID, MDT_SQL_PERSON_BY_EMAIL)
                : -ENOENT;
        if (pid < 0) {
            mdt_db_rollback(r->db);
            mdt_reply_error(r, 422, "invalid", path, "%s.person: no such person", path);
            goto out;
        }
        if (!json_is_string(s) || mdt_check_enum(json_string_value(s), attendance_status)) {
            mdt_db_rollback(r->db);
            mdt_reply_error(r, 422, "invalid", path,
                            "%s.status: must be attended, apologies, absent or deputy", path);
            goto out;
        }
        if ((strcmp(json_string_value(s), "deputy") == 0) != (d != NULL && !json_is_null(d))) {
            mdt_db_rollback(r->db);
            mdt_reply_error(r, 422, "invalid", path,
                            "%s.deputy_for: required with status deputy, and only then", path);
            goto out;
        }
        if (d && !json_is_null(d) &&
            ((did = mdt_lookup_json_ref(r->db, d, MDT_SQL_PERSON_BY_ID,
                                        MDT_SQL_PERSON_BY_EMAIL)) < 0 ||
             did == pid)) {
            mdt_db_rollback(r->db);
            mdt_reply_error(r, 422, "invalid", path, "%s.deputy_for: no such other person", path);
            goto out;
        }
        st = mdt_db_stmt(r->db, "INSERT INTO attendance (meeting_id, person_id, status, "
                                "deputy_for) VALUES (?1, ?2, ?3, nullif(?4, 0)) "
                                "ON CONFLICT (meeting_id, person_id) DO UPDATE SET "
                                "status = excluded.status, deputy_for = excluded.deputy_for");
        if (st) {
            sqlite3_bind_int64(st, 1, id);
            sqlite3_bind_int64(st, 2, pid);
            sqlite3_bind_text(st, 3, json_string_value(s), -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 4, did);
        }
        if (st == NULL || (rc = mdt_db_step(r->db, st)) < 0) {
            fail(r, st ? rc : -EPROTO, "meeting");
            goto out;
        }
        sqlite3_clear_bindings(st);
    }
    if ((rc = cases_on(r->db, id, &ids, &n)) < 0) {
        fail(r, rc, "meeting");
        goto out;
    }
    json_array_foreach(disc, i, e) {
        int found = 0;
        for (size_t k = 0; k < n && !found; k++)
            found = json_is_integer(e) && json_integer_value(e) == ids[k];
        if (!found) {
            char path[32];
            snprintf(path, sizeof(path), "discussed.%zu", i);
            mdt_db_rollback(r->db);
            mdt_reply_error(r, 422, "invalid", path, "%s: not a case on this meeting's agenda",
                            path);
            goto out;
        }
    }
    keep = mdt_xcalloc(n ? n : 1, sizeof(*keep));
    for (size_t k = 0; k < n; k++) {
        int done = 0;
        json_array_foreach(disc, i, e) done |= json_integer_value(e) == ids[k];
        if (done) {
            st = mdt_db_stmt(r->db, "UPDATE cases SET status = 'discussed', updated_at = ?2, "
                                    "version = version + 1 WHERE id = ?1");
            if (st) {
                sqlite3_bind_int64(st, 1, ids[k]);
                sqlite3_bind_int64(st, 2, now);
            }
            if (st == NULL || (rc = mdt_db_step(r->db, st)) < 0) {
                fail(r, st ? rc : -EPROTO, "meeting");
                goto out;
            }
        } else {
            keep[nk++] = ids[k];
            json_array_append_new(carried, json_integer(ids[k]));
        }
    }
    st = mdt_db_stmt(r->db, "UPDATE meetings SET status = 'closed', closed_at = ?2, "
                            "updated_at = ?2, version = version + 1 WHERE id = ?1");
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, now);
    }
    if (st == NULL || (rc = mdt_db_step(r->db, st)) < 0 ||
        (rc = carry_forward(r, series_id, start, keep, nk, 1, 1, &to)) < 0) {
        fail(r, st ? rc : -EPROTO, "meeting");
        goto out;
    }
    log_info("meetings: meeting %lld closed, %zu cases carried forward", (long long)id, nk);
    j = meeting_json(r->db, id);
    if (j) {
        json_object_set(j, "carried_forward", carried);
        json_object_set_new(j, "carried_to", to ? json_integer(to) : json_null());
    }
    commit_and_reply(r, 200, j);
out:
    free(ids);
    free(keep);
    json_decref(carried);
}
