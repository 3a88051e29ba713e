/* The scheduler: a libuv timer on the daemon's loop. Each pass keeps every
 * active series expanded 12 months ahead and queues each meeting's agenda
 * agenda_days before it starts. A pass is a few short transactions, so
 * the loop stays responsive. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "log.h"
#include "mdtd.h"
#include "recur.h"
#include "xmalloc.h"

struct mdt_scheduler {
    uv_timer_t timer; /* timer.data points back here */
    const struct mdt_config *cfg;
    struct mdt_db *db;
    struct mdt_outbox *outbox;
    struct mdt_holidays *holidays;
};

/* The ids a query gives (its ?1 bound to a), new in *out. */
static int ids_of(struct mdt_db *db, const char *sql, int64_t a, int64_t b, int64_t **out,
                  size_t *n)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    int rc;

    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(mdt_db_handle(db), sql, -1, &st, NULL) != SQLITE_OK)
        return mdt_db_err(db, sqlite3_errcode(mdt_db_handle(db)), "prepare");
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    while ((rc = mdt_db_step(db, st)) == 1) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = mdt_xreallocarray(*out, cap, sizeof(**out));
        }
        (*out)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Where the series' meetings ended before this top-up. */
static int exceptions_before(struct mdt_db *db, int64_t series_id, int64_t *from)
{
    sqlite3_stmt *st = mdt_db_stmt(db, "SELECT expanded_to FROM series WHERE id = ?1");
    int rc;

    *from = 0;
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, series_id);
    if ((rc = mdt_db_step(db, st)) == 1) {
        *from = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    return rc < 0 ? rc : 0;
}

/* The rule alone implies the new meetings, but one moved or skipped for
 * a bank holiday is an exception the invites must carry: raise the
 * sequence and send the update, as any change does. */
static int follow_exceptions(struct mdt_db *db, const struct mdt_config *cfg, int64_t series_id,
                             int64_t from)
{
    sqlite3_stmt *st = mdt_db_stmt(db, "SELECT count(*) FROM meetings WHERE series_id = ?1 AND "
                                       "recurrence_id >= ?2 AND (moved = 1 OR status = "
                                       "'cancelled')");
    struct mdt_req r = {.db = db, .cfg = cfg};
    int64_t n = 0;
    int rc;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, series_id);
    sqlite3_bind_int64(st, 2, from);
    if ((rc = mdt_db_step(db, st)) < 0)
        return rc;
    if (rc == 1) {
        n = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    if (n == 0)
        return 0;
    if ((st = mdt_db_stmt(db, "UPDATE series SET sequence = sequence + 1 WHERE id = ?1")) == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, series_id);
    if ((rc = mdt_db_step(db, st)) < 0)
        return rc;
    return mdt_invites_series_changed(&r, series_id);
}

int mdt_scheduler_run(struct mdt_db *db, const struct mdt_config *cfg,
                      const struct mdt_holidays *h, int64_t now, int *agendas)
{
    int64_t *ids = NULL, from;
    size_t n = 0;
    int rc, first_rc = 0;

    *agendas = 0;
    /* Top up: series whose meetings end less than 11 months ahead. */
    if ((rc = ids_of(db, "SELECT id FROM series WHERE status = 'active' AND expanded_to < ?1",
                     now + 330 * 86400LL, 0, &ids, &n)) < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        int added = 0;
        if ((rc = mdt_db_begin(db)) < 0 || (rc = exceptions_before(db, ids[i], &from)) < 0 ||
            (rc = mdt_meetings_top_up(db, h, ids[i], now, &added)) < 0 ||
            (rc = follow_exceptions(db, cfg, ids[i], from)) < 0 || (rc = mdt_db_commit(db)) < 0) {
            mdt_db_rollback(db);
            log_warnx("scheduler: series %lld: cannot top up: %s", (long long)ids[i],
                      strerror(-rc));
            first_rc = first_rc ? first_rc : rc;
            continue;
        }
        if (added)
            log_info("scheduler: series %lld: %d more meetings", (long long)ids[i], added);
    }
    free(ids);
    /* Closed cases whose text is due to go (purge.c): one bounded batch
     * per pass, so a backlog of thousands never holds the loop; the
     * next passes take the rest. */
    {
        struct mdt_purge_result pr;
        if ((rc = mdt_purge_batch(db, cfg, now, 0, 0, MDT_PURGE_LIMIT_DEFAULT, NULL, &pr)) < 0)
            first_rc = first_rc ? first_rc : rc;
        else if (pr.remaining > 0)
            log_info("scheduler: %lld closed case%s left to purge at the next passes",
                     (long long)pr.remaining, pr.remaining == 1 ? "" : "s");
    }
    /* Agendas that are due and not sent (none without a sender address:
     * they wait until one is configured). */
    if (cfg->smtp_from == NULL)
        return first_rc;
    /* Reminders, digests and escalations of care plan actions. */
    {
        int queued = 0;
        if ((rc = mdt_plans_run(db, cfg, now, &queued)) < 0)
            first_rc = first_rc ? first_rc : rc;
        *agendas += queued;
    }
    if ((rc = ids_of(db, "SELECT m.id FROM meetings m JOIN series s ON s.id = m.series_id "
                         "WHERE m.status = 'scheduled' AND s.status = 'active' AND "
                         "m.agenda_sent_at IS NULL AND m.start_at > ?1 AND m.start_at <= ?2 "
                         "ORDER BY m.start_at",
                     now, now + cfg->agenda_days * 86400LL, &ids, &n)) < 0)
        return rc;
    for (size_t i = 0; i < n; i++) {
        int queued = 0;
        if ((rc = mdt_db_begin(db)) < 0 || (rc = mdt_agenda_queue(db, cfg, ids[i], &queued)) < 0 ||
            (rc = mdt_db_commit(db)) < 0) {
            mdt_db_rollback(db);
            log_warnx("scheduler: meeting %lld: cannot queue the agenda: %s", (long long)ids[i],
                      strerror(-rc));
            first_rc = first_rc ? first_rc : rc;
            continue;
        }
        log_info("scheduler: meeting %lld: agenda queued to %d people", (long long)ids[i],
                 queued);
        (*agendas)++;
    }
    free(ids);
    return first_rc;
}

static void on_timer(uv_timer_t *t)
{
    struct mdt_scheduler *s = t->data;
    int agendas = 0;

    mdt_scheduler_run(s->db, s->cfg, s->holidays, mdt_now(), &agendas);
    if (agendas)
        mdt_outbox_kick(s->outbox);
}

struct mdt_scheduler *mdt_scheduler_new(void *uv_loop, const struct mdt_config *cfg,
                                        struct mdt_db *db, struct mdt_buf *err)
{
    struct mdt_scheduler *s = mdt_xcalloc(1, sizeof(*s));

    mdt_recur_global_init();
    if (mdt_meetings_holidays(cfg, &s->holidays, err) < 0) {
        free(s);
        return NULL;
    }
    if (cfg->smtp_from == NULL)
        log_info("scheduler: smtp_from is not set: agendas are not emailed");
    s->cfg = cfg;
    s->db = db;
    uv_timer_init(uv_loop, &s->timer);
    s->timer.data = s;
    return s;
}

void mdt_scheduler_set_outbox(struct mdt_scheduler *s, struct mdt_outbox *ob)
{
    s->outbox = ob;
}

void mdt_scheduler_start(struct mdt_scheduler *s)
{
    uint64_t every = (uint64_t)s->cfg->scheduler_interval * 1000;

    uv_timer_start(&s->timer, on_timer, 0, every);
}

static void on_close(uv_handle_t *h)
{
    struct mdt_scheduler *s = h->data;

    mdt_holidays_free(s->holidays);
    free(s);
}

void mdt_scheduler_stop(struct mdt_scheduler *s)
{
    if (s == NULL)
        return;
    uv_timer_stop(&s->timer);
    if (!uv_is_closing((uv_handle_t *)&s->timer))
        uv_close((uv_handle_t *)&s->timer, on_close);
}
