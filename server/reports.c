/* GET /v1/reports: the figures a chair gives commissioners, per month
 * (of the meeting, in the deployment's time zone) and PCN.
 *
 * The closed meetings of the period are read first; then each meeting
 * costs three short, index-driven statements (its cases, its attendance,
 * its actions), so the work grows with the meetings of the period and
 * never scans a whole table. Actions count towards the month of the
 * meeting that agreed them, with their state as at the period's end
 * (or now, when that is later): the status of the last update before
 * it. The work runs on libuv's thread pool with a connection of its own
 * (see "Reports on the thread pool" below), so the loop goes on serving
 * meanwhile. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

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

/* What one report is asked for, checked on the loop. */
struct params {
    char from[11], to[11];
    int64_t pcn_id, lo, hi, asat;
    char asat_date[16];
};

/* Why a report failed: an errno from the store, or a status with a
 * message (written by compute, answered by the caller). */
struct failure {
    int rc;
    int status;
    char msg[120];
};

/* Computes the report on db into w (empty on entry): on the loop's
 * connection, or on a connection of a worker thread's own. 0, or -1
 * with f set. */
static int compute(struct mdt_db *db, const struct params *p, struct mdt_jsonw *w,
                   struct failure *f)
{
    struct meeting_row *ms = NULL;
    size_t nms = 0, ams = 0;
    struct figures bucket, total;
    int in_tx = 0, ret = -1;
    char **pcn_names = NULL;
    struct timespec t0, t1, c0, c1;
    sqlite3_stmt *st;
    int rc;

    memset(&bucket, 0, sizeof(bucket));
    memset(&total, 0, sizeof(total));
    memset(f, 0, sizeof(*f));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
    /* One read transaction for the whole report: the figures come from
     * one snapshot, and SQLite takes its shared lock once rather than
     * for each of the thousands of statements. */
    if (sqlite3_exec(mdt_db_handle(db), "BEGIN DEFERRED", NULL, NULL, NULL) != SQLITE_OK) {
        f->rc = -EAGAIN;
        goto out;
    }
    in_tx = 1;
    /* The closed meetings of the period in bucket order; for one PCN
     * through its series and their meetings' (series_id, start_at)
     * index rather than every meeting of the period. */
    if (p->pcn_id > 0)
        st = mdt_db_stmt(db, "SELECT m.id, m.start_at, strftime('%Y-%m', m.start_at, "
                             "'unixepoch', 'localtime'), s.pcn_id, p.name FROM series s "
                             "JOIN meetings m ON m.series_id = s.id JOIN pcns p ON "
                             "p.id = s.pcn_id WHERE s.pcn_id = ?3 AND m.status = 'closed' AND "
                             "m.start_at >= ?1 AND m.start_at < ?2 ORDER BY 3, m.start_at, m.id");
    else
        st = mdt_db_stmt(db, "SELECT m.id, m.start_at, strftime('%Y-%m', m.start_at, "
                             "'unixepoch', 'localtime'), s.pcn_id, p.name FROM meetings m "
                             "JOIN series s ON s.id = m.series_id JOIN pcns p ON "
                             "p.id = s.pcn_id WHERE m.status = 'closed' AND m.start_at >= ?1 "
                             "AND m.start_at < ?2 ORDER BY 3, p.name, p.id, m.start_at, m.id");
    if (st == NULL) {
        f->rc = -EPROTO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, p->lo);
    sqlite3_bind_int64(st, 2, p->hi);
    sqlite3_bind_int64(st, 3, p->pcn_id);
    while ((rc = mdt_db_step(db, st)) == 1) {
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
        f->rc = rc;
        goto out;
    }

    mdt_jsonw_obj_begin(w);
    mdt_jsonw_kstr(w, "from", p->from);
    mdt_jsonw_kstr(w, "to", p->to);
    MDT_JSONW_KEY(w, "pcn");
    if (p->pcn_id > 0) {
        sqlite3_stmt *ps = mdt_db_stmt(db, "SELECT id, name FROM pcns WHERE id = ?1");
        mdt_jsonw_obj_begin(w);
        mdt_jsonw_kint(w, "id", p->pcn_id);
        if (ps) {
            sqlite3_bind_int64(ps, 1, p->pcn_id);
            if (mdt_db_step(db, ps) == 1) {
                mdt_jsonw_kstr(w, "name", (const char *)sqlite3_column_text(ps, 1));
                sqlite3_reset(ps);
            }
        }
        mdt_jsonw_obj_end(w);
    } else {
        mdt_jsonw_null(w);
    }
    mdt_jsonw_ktime(w, "as_at", p->asat);
    MDT_JSONW_KEY(w, "rows");
    mdt_jsonw_arr_begin(w);
    for (size_t i = 0; i < nms; i++) {
        const struct meeting_row *m = &ms[i];

        bucket.meetings++;
        if ((rc = count_cases(db, m, &bucket)) < 0 ||
            (rc = count_attendance(db, m, &bucket)) < 0 ||
            (rc = count_actions(db, m, p->asat, p->asat_date, &bucket)) < 0) {
            f->rc = rc;
            goto out;
        }
        if (i + 1 == nms || strcmp(ms[i + 1].month, m->month) != 0 ||
            ms[i + 1].pcn_id != m->pcn_id) {
            write_row(w, m->month, m->pcn_id, pcn_names[i], &bucket);
            figures_add(&total, &bucket);
            figures_release(&bucket);
        }
    }
    mdt_jsonw_arr_end(w);
    MDT_JSONW_KEY(w, "totals");
    mdt_jsonw_obj_begin(w);
    write_figures(w, &total);
    mdt_jsonw_obj_end(w);
    mdt_jsonw_obj_end(w);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
    /* its cost is logged for operators */
    log_info("reports: %s to %s, %zu meetings, %lld ms (%lld ms CPU)", p->from, p->to, nms,
             (long long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000),
             (long long)((c1.tv_sec - c0.tv_sec) * 1000 + (c1.tv_nsec - c0.tv_nsec) / 1000000));
    ret = 0;
out:
    if (in_tx)
        sqlite3_exec(mdt_db_handle(db), "COMMIT", NULL, NULL, NULL);
    for (size_t i = 0; i < nms; i++)
        free(pcn_names[i]);
    free(pcn_names);
    free(ms);
    figures_release(&bucket);
    figures_release(&total);
    return ret;
}

static void reply_failure(struct mdt_req *r, const struct failure *f)
{
    if (f->status)
        mdt_reply_error(r, f->status, f->status == 503 ? "unavailable" : "internal", NULL, "%s",
                        f->msg);
    else
        mdt_reply_errno(r, f->rc, NULL, "report");
}

/* Reports on the thread pool.
 *
 * A national year takes about two seconds of CPU; on the loop that is
 * two seconds in which nothing else is answered. Each report is a job on
 * libuv's thread pool with a read-only connection of its own (WAL: it
 * reads a snapshot while the loop goes on writing), answered from the
 * loop when it is done. At most MAX_RUNNING run at once, so that the
 * pool keeps threads for the WAL checkpoints and a burst of reports does
 * not take every core; up to MAX_WAITING more wait their turn, and more
 * than that are answered 503. The client may go away meanwhile (the
 * request is then freed and the answer dropped); at shutdown waiting
 * jobs are answered 503 at once, queued ones cancelled and running ones
 * interrupted (503 too). */
#define MAX_RUNNING 2
#define MAX_WAITING 16

struct job {
    struct mdt_reports *owner;
    struct mdt_later *later; /* the request, to answer from after_cb */
    uv_work_t work;
    struct params p;
    struct mdt_jsonw w;
    struct failure f;
    int ok;
    int started; /* handed to the pool (else waiting for a turn) */
    int cancel;  /* set on the loop (__atomic), read by the worker's SQLite */
    struct job *next;
};

struct mdt_reports {
    uv_loop_t *loop;
    char *path;
    struct job *jobs; /* running and waiting, oldest first */
    int running, waiting;
    int stopping;
    int freeing; /* free once the last job is back */
};

/* SQLite's progress handler on the worker's connection: non-zero ends
 * the statement with SQLITE_INTERRUPT. */
static int job_cancelled(void *arg)
{
    struct job *j = arg;
    return __atomic_load_n(&j->cancel, __ATOMIC_RELAXED);
}

static void work_cb(uv_work_t *w)
{
    struct job *j = w->data;
    struct mdt_db *db = NULL;
    struct mdt_buf err;

    mdt_buf_init(&err, 1024);
    if (mdt_db_open(j->owner->path, 0, &db, &err) < 0) {
        log_warnx("reports: %s", mdt_buf_str(&err));
        j->f.status = 503;
        snprintf(j->f.msg, sizeof(j->f.msg), "the database cannot be read now");
        goto out;
    }
    /* This connection only reads; busy readers never wait in WAL mode. */
    sqlite3_exec(mdt_db_handle(db), "PRAGMA query_only = 1", NULL, NULL, NULL);
    sqlite3_progress_handler(mdt_db_handle(db), 10000, job_cancelled, j);
    j->ok = compute(db, &j->p, &j->w, &j->f) == 0;
    if (!j->ok && __atomic_load_n(&j->cancel, __ATOMIC_RELAXED)) {
        j->f.status = 503;
        snprintf(j->f.msg, sizeof(j->f.msg), "the server is stopping: ask again in a moment");
    }
out:
    mdt_db_close(db);
    mdt_buf_release(&err);
}

static void unlink_job(struct mdt_reports *rep, struct job *j)
{
    struct job **pp;

    for (pp = &rep->jobs; *pp && *pp != j; pp = &(*pp)->next)
        ;
    if (*pp)
        *pp = j->next;
}

/* Answers j's request with a 503 saying why (unless the client has gone,
 * or why is NULL) and frees j. */
static void drop_job(struct job *j, const char *why)
{
    struct mdt_req *r = mdt_later_req(j->later);

    if (r && why)
        mdt_reply_error(r, 503, "unavailable", NULL, "%s", why);
    mdt_later_free(j->later);
    mdt_jsonw_release(&j->w);
    free(j);
}

static void after_cb(uv_work_t *w, int status);

/* The client went away: a running report stops at SQLite's next
 * progress check, a waiting one is dropped when its turn comes. */
static void job_gone(void *arg)
{
    struct job *j = arg;
    __atomic_store_n(&j->cancel, 1, __ATOMIC_RELAXED);
}

/* Hands waiting jobs to the pool, oldest first, while there is room. */
static void start_waiting(struct mdt_reports *rep)
{
    struct job *j, *next;

    for (j = rep->jobs; j && rep->running < MAX_RUNNING; j = next) {
        next = j->next;
        if (j->started)
            continue;
        rep->waiting--;
        if (mdt_later_req(j->later) == NULL) {
            log_info("reports: %s to %s: the client went away before its turn", j->p.from,
                     j->p.to);
            unlink_job(rep, j);
            drop_job(j, NULL);
            continue;
        }
        if (uv_queue_work(rep->loop, &j->work, work_cb, after_cb) != 0) {
            unlink_job(rep, j);
            drop_job(j, "the report cannot be started now");
            continue;
        }
        j->started = 1;
        rep->running++;
    }
}

static void after_cb(uv_work_t *w, int status)
{
    struct job *j = w->data;
    struct mdt_reports *rep = j->owner;
    struct mdt_req *r;

    unlink_job(rep, j);
    rep->running--;
    if (rep->freeing) {
        /* the server is freed: nothing may be sent any more */
    } else if ((r = mdt_later_req(j->later)) == NULL) {
        log_info("reports: %s to %s: the client went away before the answer", j->p.from, j->p.to);
    } else if (status == UV_ECANCELED) {
        mdt_reply_error(r, 503, "unavailable", NULL, "the server is stopping: ask again in a moment");
    } else if (j->ok) {
        mdt_reply_jsonw(r, 200, &j->w);
    } else {
        reply_failure(r, &j->f);
    }
    mdt_later_free(j->later);
    mdt_jsonw_release(&j->w);
    free(j);
    if (!rep->stopping)
        start_waiting(rep);
    if (rep->freeing && rep->jobs == NULL) {
        free(rep->path);
        free(rep);
    }
}

struct mdt_reports *mdt_reports_new(void *uv_loop, const char *db_path)
{
    struct mdt_reports *rep = mdt_xcalloc(1, sizeof(*rep));

    rep->loop = uv_loop;
    rep->path = mdt_xstrdup(db_path);
    return rep;
}

void mdt_reports_stop(struct mdt_reports *rep)
{
    struct job *j, *next;

    if (rep == NULL)
        return;
    rep->stopping = 1;
    for (j = rep->jobs; j; j = next) {
        next = j->next;
        if (!j->started) {
            unlink_job(rep, j);
            rep->waiting--;
            if (rep->freeing) { /* nothing may be sent any more */
                mdt_later_free(j->later);
                mdt_jsonw_release(&j->w);
                free(j);
            } else {
                drop_job(j, "the server is stopping: ask again in a moment");
            }
            continue;
        }
        __atomic_store_n(&j->cancel, 1, __ATOMIC_RELAXED);
        uv_cancel((uv_req_t *)&j->work); /* only a queued job: after_cb gets UV_ECANCELED */
    }
}

void mdt_reports_free(struct mdt_reports *rep)
{
    if (rep == NULL)
        return;
    rep->freeing = 1;
    mdt_reports_stop(rep);
    if (rep->jobs)
        return; /* the last after_cb frees it: run the loop */
    free(rep->path);
    free(rep);
}

/* Takes the report to the thread pool: 0 (answered, or to be answered
 * from after_cb), or -1 when it cannot (no pool here, or a request that
 * cannot wait) and the caller computes it on the loop. */
static int queue(struct mdt_req *r, const struct params *p)
{
    struct mdt_reports *rep = mdt_server_reports(r->srv);
    struct mdt_later *later;
    struct job *j, **pp;

    if (rep == NULL || rep->freeing)
        return -1;
    if (rep->stopping) {
        mdt_reply_error(r, 503, "unavailable", NULL, "the server is stopping: ask again in a moment");
        return 0;
    }
    if (rep->running >= MAX_RUNNING && rep->waiting >= MAX_WAITING) {
        mdt_reply_error(r, 503, "unavailable", NULL,
                        "%d reports are being computed and %d more wait: ask again in a moment",
                        rep->running, rep->waiting);
        return 0;
    }
    j = mdt_xcalloc(1, sizeof(*j));
    if ((later = mdt_req_later(r, job_gone, j)) == NULL) {
        free(j);
        return -1;
    }
    j->owner = rep;
    j->later = later;
    j->p = *p;
    j->work.data = j;
    mdt_jsonw_init(&j->w);
    for (pp = &rep->jobs; *pp; pp = &(*pp)->next)
        ;
    *pp = j;
    rep->waiting++;
    start_waiting(rep);
    return 0;
}

void mdt_h_reports(struct mdt_req *r)
{
    const char *from = mdt_req_query(r, "from"), *to = mdt_req_query(r, "to"),
               *pcn = mdt_req_query(r, "pcn");
    struct params p;
    struct failure f;
    struct mdt_jsonw w;
    int64_t now = mdt_now();
    struct tm tm;
    time_t tt;

    memset(&p, 0, sizeof(p));
    if (from == NULL || !mdt__plans_date_valid(from)) {
        mdt_reply_error(r, 422, "invalid", "from", "from: required, a date YYYY-MM-DD");
        return;
    }
    if (to == NULL || !mdt__plans_date_valid(to)) {
        mdt_reply_error(r, 422, "invalid", "to", "to: required, a date YYYY-MM-DD");
        return;
    }
    if (strcmp(from, to) > 0) {
        mdt_reply_error(r, 422, "invalid", "to", "to: must not be before from");
        return;
    }
    snprintf(p.from, sizeof(p.from), "%s", from);
    snprintf(p.to, sizeof(p.to), "%s", to);
    p.lo = local_midnight(from, 0);
    p.hi = local_midnight(to, 1);
    if (p.lo < 0 || p.hi <= p.lo || (p.hi - p.lo) / 86400 > MAX_DAYS) {
        mdt_reply_error(r, 422, "invalid", "to", "to: the period may span at most ten years");
        return;
    }
    if (mdt_param_ref(r, "pcn", pcn && *pcn ? pcn : NULL, MDT_SQL_PCN_BY_ID,
                      MDT_SQL_PCN_BY_NAME, "PCN", &p.pcn_id) < 0)
        return;
    /* now + 1: a change made in this very second counts */
    p.asat = p.hi < now + 1 ? p.hi : now + 1;
    tt = (time_t)(p.asat - 1);
    if (localtime_r(&tt, &tm) == NULL ||
        strftime(p.asat_date, sizeof(p.asat_date), "%Y-%m-%d", &tm) == 0) {
        mdt_reply_error(r, 500, "internal", NULL, "cannot convert the period's end");
        return;
    }
    /* asat_date is the day as at which "overdue" is judged: an action
     * due on the last day of the period is not yet overdue on that day. */
    if (queue(r, &p) == 0)
        return;
    mdt_jsonw_init(&w);
    if (compute(r->db, &p, &w, &f) == 0)
        mdt_reply_jsonw(r, 200, &w);
    else
        reply_failure(r, &f);
    mdt_jsonw_release(&w);
}
