/* GET /v1/reports: the figures a chair gives commissioners, per month
 * (of the meeting, in the deployment's time zone) and PCN.
 *
 * The closed meetings of the period are read first; then each meeting
 * costs three short, index-driven statements (its cases, its attendance,
 * its actions), so the work grows with the meetings of the period and
 * never scans a whole table. Actions count towards the month of the
 * meeting that agreed them, with their state as at the period's end
 * (or now, when that is later): the status of the last update before
 * it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "mdtd.h"
#include "xmalloc.h"

/* Longest period one request may ask for: ten years of months. */
#define MAX_DAYS (10 * 366)

struct org_count {
    int64_t org_id;
    char *name;
    int64_t attended; /* attendances (attended or deputy) */
    int64_t meetings; /* meetings the organisation was at */
};

struct figures {
    int64_t meetings, cases, people_new, people_returning;
    int64_t agreed, accepted, declined, completed, on_time, open, overdue;
    /* people seen in this bucket (pseudonyms, new), to count each once */
    char **seen;
    size_t nseen, aseen;
    double *days; /* days from agreement to completion, per completed action */
    size_t ndays, adays;
    struct org_count *orgs;
    size_t norgs, aorgs;
};

static void figures_release(struct figures *f)
{
    for (size_t i = 0; i < f->nseen; i++)
        free(f->seen[i]);
    free(f->seen);
    free(f->days);
    for (size_t i = 0; i < f->norgs; i++)
        free(f->orgs[i].name);
    free(f->orgs);
    memset(f, 0, sizeof(*f));
}

/* 1 when pseudonym p was already counted in f, else remembers it. */
static int seen_before(struct figures *f, const char *p)
{
    for (size_t i = 0; i < f->nseen; i++)
        if (strcmp(f->seen[i], p) == 0)
            return 1;
    if (f->nseen == f->aseen) {
        f->aseen = f->aseen ? 2 * f->aseen : 16;
        f->seen = mdt_xreallocarray(f->seen, f->aseen, sizeof(*f->seen));
    }
    f->seen[f->nseen++] = mdt_xstrdup(p);
    return 0;
}

static void add_days(struct figures *f, double d)
{
    if (f->ndays == f->adays) {
        f->adays = f->adays ? 2 * f->adays : 16;
        f->days = mdt_xreallocarray(f->days, f->adays, sizeof(*f->days));
    }
    f->days[f->ndays++] = d;
}

static void add_org(struct figures *f, int64_t org_id, const char *name, int64_t attended,
                    int64_t meetings)
{
    size_t i;

    for (i = 0; i < f->norgs && f->orgs[i].org_id != org_id; i++)
        ;
    if (i == f->norgs) {
        if (f->norgs == f->aorgs) {
            f->aorgs = f->aorgs ? 2 * f->aorgs : 16;
            f->orgs = mdt_xreallocarray(f->orgs, f->aorgs, sizeof(*f->orgs));
        }
        f->orgs[i].org_id = org_id;
        f->orgs[i].name = mdt_xstrdup(name ? name : "");
        f->orgs[i].attended = f->orgs[i].meetings = 0;
        f->norgs++;
    }
    f->orgs[i].attended += attended;
    f->orgs[i].meetings += meetings;
}

/* Adds b's figures into total (which keeps its own copies). People are
 * summed as counted per bucket: a person presented in two months counts
 * in both. */
static void figures_add(struct figures *t, const struct figures *b)
{
    t->meetings += b->meetings;
    t->cases += b->cases;
    t->people_new += b->people_new;
    t->people_returning += b->people_returning;
    t->agreed += b->agreed;
    t->accepted += b->accepted;
    t->declined += b->declined;
    t->completed += b->completed;
    t->on_time += b->on_time;
    t->open += b->open;
    t->overdue += b->overdue;
    for (size_t i = 0; i < b->ndays; i++)
        add_days(t, b->days[i]);
    for (size_t i = 0; i < b->norgs; i++)
        add_org(t, b->orgs[i].org_id, b->orgs[i].name, b->orgs[i].attended, b->orgs[i].meetings);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static int cmp_org(const void *a, const void *b)
{
    const struct org_count *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    return c ? c : (x->org_id > y->org_id) - (x->org_id < y->org_id);
}

/* Writes the members of one bucket's figures into the open object. */
static void write_figures(struct mdt_jsonw *w, struct figures *f)
{
    char num[32];

    mdt_jsonw_kint(w, "meetings_held", f->meetings);
    mdt_jsonw_kint(w, "cases_presented", f->cases);
    mdt_jsonw_kint(w, "people_new", f->people_new);
    mdt_jsonw_kint(w, "people_returning", f->people_returning);
    MDT_JSONW_KEY(w, "attendance");
    mdt_jsonw_arr_begin(w);
    if (f->norgs > 1)
        qsort(f->orgs, f->norgs, sizeof(*f->orgs), cmp_org);
    for (size_t i = 0; i < f->norgs; i++) {
        mdt_jsonw_obj_begin(w);
        MDT_JSONW_KEY(w, "org");
        mdt_jsonw_obj_begin(w);
        mdt_jsonw_kint(w, "id", f->orgs[i].org_id);
        mdt_jsonw_kstr(w, "name", f->orgs[i].name);
        mdt_jsonw_obj_end(w);
        mdt_jsonw_kint(w, "attended", f->orgs[i].attended);
        mdt_jsonw_kint(w, "meetings", f->orgs[i].meetings);
        mdt_jsonw_obj_end(w);
    }
    mdt_jsonw_arr_end(w);
    MDT_JSONW_KEY(w, "actions");
    mdt_jsonw_obj_begin(w);
    mdt_jsonw_kint(w, "agreed", f->agreed);
    mdt_jsonw_kint(w, "accepted", f->accepted);
    mdt_jsonw_kint(w, "declined", f->declined);
    mdt_jsonw_kint(w, "completed", f->completed);
    mdt_jsonw_kint(w, "completed_on_time", f->on_time);
    /* Shares and medians are written with a fixed number of decimals so
     * that the same figures give the same bytes. */
    MDT_JSONW_KEY(w, "share_on_time");
    if (f->completed) {
        snprintf(num, sizeof(num), "%.4f", (double)f->on_time / (double)f->completed);
        mdt_jsonw_raw(w, num, strlen(num));
    } else {
        mdt_jsonw_null(w);
    }
    MDT_JSONW_KEY(w, "median_days_to_completion");
    if (f->ndays) {
        double m;
        qsort(f->days, f->ndays, sizeof(*f->days), cmp_double);
        m = f->ndays % 2 ? f->days[f->ndays / 2]
                         : (f->days[f->ndays / 2 - 1] + f->days[f->ndays / 2]) / 2;
        snprintf(num, sizeof(num), "%.1f", m);
        mdt_jsonw_raw(w, num, strlen(num));
    } else {
        mdt_jsonw_null(w);
    }
    mdt_jsonw_kint(w, "open", f->open);
    mdt_jsonw_kint(w, "overdue", f->overdue);
    mdt_jsonw_obj_end(w);
}

/* Midnight (local time) at the start of date s (YYYY-MM-DD), plus days. */
static int64_t local_midnight(const char *s, int days)
{
    struct tm tm;

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = atoi(s) - 1900;
    tm.tm_mon = atoi(s + 5) - 1;
    tm.tm_mday = atoi(s + 8) + days;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm);
}

struct meeting_row {
    int64_t id, start, pcn_id;
    char month[8];
};

/* One meeting's cases into f: presented, and each person new or
 * returning (seen at a closed meeting that started earlier). */
static int count_cases(struct mdt_db *db, const struct meeting_row *m, struct figures *f)
{
    sqlite3_stmt *st = mdt_db_stmt(
        db, "SELECT c.pseudonym, EXISTS (SELECT 1 FROM cases c2 JOIN meetings m2 ON "
            "m2.id = c2.meeting_id WHERE c2.pseudonym = c.pseudonym AND m2.status = 'closed' "
            "AND m2.start_at < ?2) FROM cases c WHERE c.meeting_id = ?1");
    int rc;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, m->id);
    sqlite3_bind_int64(st, 2, m->start);
    while ((rc = mdt_db_step(db, st)) == 1) {
        const char *p = (const char *)sqlite3_column_text(st, 0);

        f->cases++;
        if (p && !seen_before(f, p)) {
            if (sqlite3_column_int(st, 1))
                f->people_returning++;
            else
                f->people_new++;
        }
    }
    return rc;
}

static int count_attendance(struct mdt_db *db, const struct meeting_row *m, struct figures *f)
{
    sqlite3_stmt *st = mdt_db_stmt(
        db, "SELECT pe.org_id, o.name, count(*) FROM attendance a JOIN people pe ON "
            "pe.id = a.person_id JOIN orgs o ON o.id = pe.org_id WHERE a.meeting_id = ?1 AND "
            "a.status IN ('attended', 'deputy') GROUP BY pe.org_id");
    int rc;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, m->id);
    while ((rc = mdt_db_step(db, st)) == 1)
        add_org(f, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                sqlite3_column_int64(st, 2), 1);
    return rc;
}

/* The actions the meeting agreed (sent to partners before asat, not
 * withdrawn by then), each with its status as at asat. asat_date is
 * asat's local date, for comparing with due dates. */
static int count_actions(struct mdt_db *db, const struct meeting_row *m, int64_t asat,
                         const char *asat_date, struct figures *f)
{
    /* An action not changed since asat has its status of now then (every
     * status change sets updated_at), so the history is read only for
     * the actions changed later: for a period up to today, none. */
    sqlite3_stmt *st = mdt_db_stmt(
        db, "SELECT due_on, sent_at, s, d, CASE WHEN s = 'done' THEN date(d, 'unixepoch', "
            "'localtime') END FROM (SELECT a.due_on, a.sent_at, CASE WHEN a.updated_at < ?2 "
            "THEN a.status ELSE (SELECT status FROM action_updates WHERE action_id = a.id AND "
            "at < ?2 ORDER BY id DESC LIMIT 1) END AS s, CASE WHEN a.completed_at < ?2 THEN "
            "a.completed_at ELSE (SELECT at FROM action_updates WHERE action_id = a.id AND "
            "at < ?2 ORDER BY id DESC LIMIT 1) END AS d FROM actions a WHERE a.meeting_id = ?1 "
            "AND a.sent_at IS NOT NULL AND a.sent_at < ?2 AND (a.removed_at IS NULL OR "
            "a.removed_at >= ?2))");
    int rc;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, m->id);
    sqlite3_bind_int64(st, 2, asat);
    while ((rc = mdt_db_step(db, st)) == 1) {
        const char *due = (const char *)sqlite3_column_text(st, 0);
        const char *status = (const char *)sqlite3_column_text(st, 2);
        const char *done_on = (const char *)sqlite3_column_text(st, 4);
        int64_t sent = sqlite3_column_int64(st, 1), done_at = sqlite3_column_int64(st, 3);

        if (due == NULL || status == NULL)
            continue;
        f->agreed++;
        if (strcmp(status, "done") == 0) {
            f->accepted++;
            f->completed++;
            if (done_on && strcmp(done_on, due) <= 0)
                f->on_time++;
            add_days(f, (double)(done_at > sent ? done_at - sent : 0) / 86400.0);
        } else if (strcmp(status, "declined") == 0) {
            f->declined++;
        } else {
            if (strcmp(status, "proposed") != 0)
                f->accepted++;
            f->open++;
            if (strcmp(due, asat_date) < 0)
                f->overdue++;
        }
    }
    return rc;
}

static void write_row(struct mdt_jsonw *w, const char *month, int64_t pcn_id, const char *pcn,
                      struct figures *f)
{
    mdt_jsonw_obj_begin(w);
    mdt_jsonw_kstr(w, "month", month);
    MDT_JSONW_KEY(w, "pcn");
    mdt_jsonw_obj_begin(w);
    mdt_jsonw_kint(w, "id", pcn_id);
    mdt_jsonw_kstr(w, "name", pcn);
    mdt_jsonw_obj_end(w);
    write_figures(w, f);
    mdt_jsonw_obj_end(w);
}

void mdt_h_reports(struct mdt_req *r)
{
    const char *from = mdt_req_query(r, "from"), *to = mdt_req_query(r, "to"),
               *pcn = mdt_req_query(r, "pcn");
    struct meeting_row *ms = NULL;
    size_t nms = 0, ams = 0;
    struct figures bucket, total;
    struct mdt_jsonw w;
    int64_t pcn_id = 0, lo, hi, asat, now = mdt_now();
    int in_tx = 0;
    char asat_date[16], **pcn_names = NULL;
    struct timespec t0, t1, c0, c1;
    sqlite3_stmt *st;
    struct tm tm;
    time_t tt;
    int rc;

    memset(&bucket, 0, sizeof(bucket));
    memset(&total, 0, sizeof(total));
    mdt_jsonw_init(&w);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    if (from == NULL || !mdt__plans_date_valid(from)) {
        mdt_reply_error(r, 422, "invalid", "from", "from: required, a date YYYY-MM-DD");
        goto out;
    }
    if (to == NULL || !mdt__plans_date_valid(to)) {
        mdt_reply_error(r, 422, "invalid", "to", "to: required, a date YYYY-MM-DD");
        goto out;
    }
    if (strcmp(from, to) > 0) {
        mdt_reply_error(r, 422, "invalid", "to", "to: must not be before from");
        goto out;
    }
    lo = local_midnight(from, 0);
    hi = local_midnight(to, 1);
    if (lo < 0 || hi <= lo || (hi - lo) / 86400 > MAX_DAYS) {
        mdt_reply_error(r, 422, "invalid", "to", "to: the period may span at most ten years");
        goto out;
    }
    if (mdt_param_ref(r, "pcn", pcn && *pcn ? pcn : NULL, MDT_SQL_PCN_BY_ID,
                      MDT_SQL_PCN_BY_NAME, "PCN", &pcn_id) < 0)
        goto out;
    /* now + 1: a change made in this very second counts */
    asat = hi < now + 1 ? hi : now + 1;
    tt = (time_t)(asat - 1);
    if (localtime_r(&tt, &tm) == NULL ||
        strftime(asat_date, sizeof(asat_date), "%Y-%m-%d", &tm) == 0) {
        mdt_reply_error(r, 500, "internal", NULL, "cannot convert the period's end");
        goto out;
    }
    /* asat_date is the day as at which "overdue" is judged: an action
     * due on the last day of the period is not yet overdue on that day. */

    /* One read transaction for the whole report: the figures come from
     * one snapshot, and SQLite takes its shared lock once rather than
     * for each of the thousands of statements. */
    if (sqlite3_exec(mdt_db_handle(r->db), "BEGIN DEFERRED", NULL, NULL, NULL) != SQLITE_OK) {
        mdt_reply_errno(r, -EAGAIN, NULL, "report");
        goto out;
    }
    in_tx = 1;
    /* The closed meetings of the period in bucket order; for one PCN
     * through its series and their meetings' (series_id, start_at)
     * index rather than every meeting of the period. */
    if (pcn_id > 0)
        st =
            mdt_db_stmt(r->db, "SELECT m.id, m.start_at, strftime('%Y-%m', m.start_at, "
                               "'unixepoch', 'localtime'), s.pcn_id, p.name FROM series s "
                               "JOIN meetings m ON m.series_id = s.id JOIN pcns p ON "
                               "p.id = s.pcn_id WHERE s.pcn_id = ?3 AND m.status = 'closed' AND "
                               "m.start_at >= ?1 AND m.start_at < ?2 ORDER BY 3, m.start_at, m.id");
    else
        st = mdt_db_stmt(r->db, "SELECT m.id, m.start_at, strftime('%Y-%m', m.start_at, "
                                "'unixepoch', 'localtime'), s.pcn_id, p.name FROM meetings m "
                                "JOIN series s ON s.id = m.series_id JOIN pcns p ON "
                                "p.id = s.pcn_id WHERE m.status = 'closed' AND m.start_at >= ?1 "
                                "AND m.start_at < ?2 ORDER BY 3, p.name, p.id, m.start_at, m.id");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "report");
        goto out;
    }
    sqlite3_bind_int64(st, 1, lo);
    sqlite3_bind_int64(st, 2, hi);
    sqlite3_bind_int64(st, 3, pcn_id);
    while ((rc = mdt_db_step(r->db, st)) == 1) {
        const char *mon = (const char *)sqlite3_column_text(st, 2);

        if (nms == ams) {
            ams = ams ? 2 * ams : 64;
            ms = mdt_xreallocarray(ms, ams, sizeof(*ms));
            pcn_names = mdt_xreallocarray(pcn_names, ams, sizeof(*pcn_names));
        }
        ms[nms].id = sqlite3_column_int64(st, 0);
        ms[nms].start = sqlite3_column_int64(st, 1);
        snprintf(ms[nms].month, sizeof(ms[nms].month), "%s", mon ? mon : "");
        ms[nms].pcn_id = sqlite3_column_int64(st, 3);
        pcn_names[nms] = mdt_xstrdup((const char *)sqlite3_column_text(st, 4));
        nms++;
    }
    if (rc < 0) {
        mdt_reply_errno(r, rc, NULL, "report");
        goto out;
    }

    mdt_jsonw_obj_begin(&w);
    mdt_jsonw_kstr(&w, "from", from);
    mdt_jsonw_kstr(&w, "to", to);
    MDT_JSONW_KEY(&w, "pcn");
    if (pcn_id > 0) {
        sqlite3_stmt *ps = mdt_db_stmt(r->db, "SELECT id, name FROM pcns WHERE id = ?1");
        mdt_jsonw_obj_begin(&w);
        mdt_jsonw_kint(&w, "id", pcn_id);
        if (ps) {
            sqlite3_bind_int64(ps, 1, pcn_id);
            if (mdt_db_step(r->db, ps) == 1) {
                mdt_jsonw_kstr(&w, "name", (const char *)sqlite3_column_text(ps, 1));
                sqlite3_reset(ps);
            }
        }
        mdt_jsonw_obj_end(&w);
    } else {
        mdt_jsonw_null(&w);
    }
    mdt_jsonw_ktime(&w, "as_at", asat);
    MDT_JSONW_KEY(&w, "rows");
    mdt_jsonw_arr_begin(&w);
    for (size_t i = 0; i < nms; i++) {
        const struct meeting_row *m = &ms[i];

        bucket.meetings++;
        if ((rc = count_cases(r->db, m, &bucket)) < 0 ||
            (rc = count_attendance(r->db, m, &bucket)) < 0 ||
            (rc = count_actions(r->db, m, asat, asat_date, &bucket)) < 0) {
            mdt_reply_errno(r, rc, NULL, "report");
            goto out;
        }
        if (i + 1 == nms || strcmp(ms[i + 1].month, m->month) != 0 ||
            ms[i + 1].pcn_id != m->pcn_id) {
            write_row(&w, m->month, m->pcn_id, pcn_names[i], &bucket);
            figures_add(&total, &bucket);
            figures_release(&bucket);
        }
    }
    mdt_jsonw_arr_end(&w);
    MDT_JSONW_KEY(&w, "totals");
    mdt_jsonw_obj_begin(&w);
    write_figures(&w, &total);
    mdt_jsonw_obj_end(&w);
    mdt_jsonw_obj_end(&w);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    /* the loop waits for this answer: its cost is logged for operators */
    log_info("reports: %s to %s, %zu meetings, %lld ms (%lld ms CPU)", from, to, nms,
             (long long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000),
             (long long)((c1.tv_sec - c0.tv_sec) * 1000 + (c1.tv_nsec - c0.tv_nsec) / 1000000));
    sqlite3_exec(mdt_db_handle(r->db), "COMMIT", NULL, NULL, NULL);
    in_tx = 0;
    mdt_reply_jsonw(r, 200, &w);
out:
    if (in_tx)
        sqlite3_exec(mdt_db_handle(r->db), "ROLLBACK", NULL, NULL, NULL);
    for (size_t i = 0; i < nms; i++)
        free(pcn_names[i]);
    free(pcn_names);
    free(ms);
    figures_release(&bucket);
    figures_release(&total);
    mdt_jsonw_release(&w);
}
