/* The invites' fan-out runner.
 *
 * A change to an invited series writes one job row (invite_jobs) in its
 * own transaction; here, on the loop, the job is expanded a slice at a
 * time: each slice is one short transaction that composes and queues
 * messages (libical + MIME + the outbox insert, about 0.6 ms each) until
 * its time budget is spent, then lets the loop serve whatever is waiting
 * before the next slice. A uv_idle handle gives one slice per loop turn
 * and makes the loop poll without blocking in between, so a request
 * that arrives during a fan-out of thousands waits at most one slice.
 *
 * Slices are safe to repeat: a slice marks each recipient's invitation
 * in the same transaction as its message, so a crash between slices
 * resumes (at start-up) where the last committed slice ended. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "log.h"
#include "mdtd.h"
#include "xmalloc.h"

/* A slice stops composing once it has run this long; with the commit it
 * stays well under 5 ms. */
#define SLICE_BUDGET_NS (1000 * 1000)
/* The outbox is told about new messages at most this often during a
 * fan-out (each kick is a transaction of its own). */
#define KICK_EVERY_NS (20 * 1000 * 1000)

struct mdt_fanout {
    uv_loop_t *loop;
    const struct mdt_config *cfg;
    struct mdt_db *db;
    struct mdt_outbox *outbox;
    uv_idle_t idle;
    uv_timer_t poll; /* a look at the table every outbox_poll seconds */
    int running, started, stopping, closing, kicking;
    int unkicked;       /* messages queued since the outbox was last told */
    uint64_t last_kick; /* uv_hrtime of that */
    /* figures of the current run, logged when it ends */
    unsigned long slices, messages;
    uint64_t slice_max, slice_total, run_start;
};

static void tell_outbox(struct mdt_fanout *fo, uint64_t now)
{
    if (fo->unkicked == 0)
        return;
    fo->unkicked = 0;
    fo->last_kick = now;
    fo->kicking = 1; /* the outbox's kick hook leads back here */
    mdt_outbox_kick(fo->outbox);
    fo->kicking = 0;
}

static void run_ended(struct mdt_fanout *fo)
{
    if (fo->slices)
        log_info("fanout: %lu message%s queued in %lu slice%s over %.0f ms; slice mean %.2f ms, "
                 "longest %.2f ms",
                 fo->messages, fo->messages == 1 ? "" : "s", fo->slices, fo->slices == 1 ? "" : "s",
                 (double)(uv_hrtime() - fo->run_start) / 1e6,
                 (double)fo->slice_total / (double)fo->slices / 1e6, (double)fo->slice_max / 1e6);
    fo->slices = fo->messages = 0;
    fo->slice_max = fo->slice_total = 0;
}

static void on_idle(uv_idle_t *h)
{
    struct mdt_fanout *fo = h->data;
    uint64_t t0 = uv_hrtime(), dt;
    int queued = 0, rc;

    if (fo->slices == 0)
        fo->run_start = t0;
    rc = mdt__invites_fanout_slice(fo->db, fo->cfg, SLICE_BUDGET_NS, &queued);
    dt = uv_hrtime() - t0;
    if (rc > 0) {
        fo->slices++;
        fo->slice_total += dt;
        if (dt > fo->slice_max)
            fo->slice_max = dt;
        fo->messages += (unsigned long)queued;
        fo->unkicked += queued;
        if (t0 + dt - fo->last_kick >= KICK_EVERY_NS)
            tell_outbox(fo, t0 + dt);
        return; /* the next slice at the next loop turn */
    }
    uv_idle_stop(&fo->idle);
    fo->running = 0;
    tell_outbox(fo, t0 + dt);
    run_ended(fo);
    if (rc < 0)
        log_warnx("fanout: a slice failed (%s): trying again at the next poll", strerror(-rc));
}

/* Jobs written by a change whose caller kicked nothing (the scheduler's
 * holiday moves), and retries after a failed slice. */
static void on_poll(uv_timer_t *t)
{
    mdt_fanout_kick(t->data);
}

struct mdt_fanout *mdt_fanout_new(void *uv_loop, const struct mdt_config *cfg, struct mdt_db *db,
                                  struct mdt_outbox *ob)
{
    struct mdt_fanout *fo = mdt_xcalloc(1, sizeof(*fo));

    fo->loop = uv_loop;
    fo->cfg = cfg;
    fo->db = db;
    fo->outbox = ob;
    uv_idle_init(fo->loop, &fo->idle);
    uv_timer_init(fo->loop, &fo->poll);
    fo->idle.data = fo->poll.data = fo;
    return fo;
}

void mdt_fanout_start(struct mdt_fanout *fo)
{
    sqlite3_stmt *st;

    if (fo == NULL)
        return;
    fo->started = 1;
    st = mdt_db_stmt(fo->db, "SELECT count(*) FROM invite_jobs WHERE state = 'pending'");
    if (st && mdt_db_step(fo->db, st) > 0) {
        int64_t n = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        if (n > 0)
            log_info("fanout: %lld invite job%s left pending: resuming", (long long)n,
                     n == 1 ? "" : "s");
    }
    if (fo->cfg->smtp_from == NULL)
        log_info("fanout: smtp_from is not set: invite jobs wait until it is");
    uint64_t every = fo->cfg->outbox_poll > 0 ? (uint64_t)fo->cfg->outbox_poll * 1000 : 1000;
    uv_timer_start(&fo->poll, on_poll, every, every);
    mdt_fanout_kick(fo);
}

void mdt_fanout_kick(void *arg)
{
    struct mdt_fanout *fo = arg;

    if (fo == NULL || !fo->started || fo->stopping || fo->kicking || fo->running)
        return;
    fo->running = 1;
    /* through the loop: the caller may still be inside its handler */
    uv_idle_start(&fo->idle, on_idle);
}

static void on_closed(uv_handle_t *h)
{
    struct mdt_fanout *fo = h->data;

    if (--fo->closing == 0)
        free(fo);
}

void mdt_fanout_stop(struct mdt_fanout *fo)
{
    if (fo == NULL || fo->stopping)
        return;
    fo->stopping = 1;
    if (fo->running) {
        tell_outbox(fo, uv_hrtime());
        run_ended(fo);
    }
    fo->closing = 2;
    uv_close((uv_handle_t *)&fo->idle, on_closed);
    uv_close((uv_handle_t *)&fo->poll, on_closed);
}
