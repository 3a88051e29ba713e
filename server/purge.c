/* The purge of closed cases' text, in batches.
 *
 * A case closed purge_after seconds ago or more loses its text
 * (presentation, question, risk, its outcomes' risk, its actions' text
 * and their update notes); pseudonym, dates, statuses and counts stay.
 * The work is done a bounded batch at a time, lowest case id first, so
 * that neither a request nor a scheduler pass holds the loop for long
 * however many cases are due: POST /v1/purge purges one batch and says
 * how many remain, and the client asks again until none do; the
 * scheduler purges one batch per pass. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mdtd.h"
#include "xmalloc.h"

/* Due cases above a case id. From 0 (the scheduler, a first batch)
 * SQLite goes through the closed_at index: only closed cases. Above a
 * later id (the next batches of a run) through the rowid range from it
 * ("+closed_at" keeps it off the index, which would visit every case
 * ever closed, the ones just purged too, in each batch). */
#define DUE_WHERE "closed_at IS NOT NULL AND purged_at IS NULL AND closed_at <= ?1 AND id > ?2"
#define DUE_WHERE_FROM "closed_at IS NOT NULL AND purged_at IS NULL AND +closed_at <= ?1 AND id > ?2"

/* How many cases are due with an id above after. */
static int count_due(struct mdt_db *db, int64_t cutoff, int64_t after, int64_t *n)
{
    sqlite3_stmt *st =
        mdt_db_stmt(db, after > 0 ? "SELECT count(*) FROM cases WHERE " DUE_WHERE_FROM
                                  : "SELECT count(*) FROM cases WHERE " DUE_WHERE);
    int rc;

    *n = 0;
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, cutoff);
    sqlite3_bind_int64(st, 2, after);
    if ((rc = mdt_db_step(db, st)) == 1) {
        *n = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        rc = 0;
    }
    return rc;
}

/* Wipes one case's text: in the caller's transaction. */
static int wipe(struct mdt_db *db, int64_t id, int64_t now)
{
    static const char *const wipes[] = {
        "UPDATE cases SET presentation = '', question = '', risk = '', purged_at = ?2, "
        "updated_at = ?2 WHERE id = ?1",
        "UPDATE outcomes SET risk = NULL WHERE case_id = ?1",
        "UPDATE actions SET what = '' WHERE case_id = ?1",
        "UPDATE action_updates SET note = NULL WHERE note IS NOT NULL AND action_id IN "
        "(SELECT id FROM actions WHERE case_id = ?1)",
    };
    int rc = 0;

    for (size_t k = 0; k < sizeof(wipes) / sizeof(wipes[0]) && rc >= 0; k++) {
        sqlite3_stmt *st = mdt_db_stmt(db, wipes[k]);
        if (st == NULL)
            return -EPROTO;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, now);
        rc = mdt_db_step(db, st);
    }
    return rc < 0 ? rc : 0;
}

int mdt_purge_batch(struct mdt_db *db, const struct mdt_config *cfg, int64_t now, int dry_run,
                    int64_t after, int limit, json_t *list, struct mdt_purge_result *res)
{
    int64_t cutoff = now - cfg->purge_after, *ids = NULL;
    sqlite3_stmt *st;
    size_t n = 0;
    int rc;

    memset(res, 0, sizeof(*res));
    res->last_id = after;
    if (limit < 1 || limit > MDT_PURGE_LIMIT_MAX)
        limit = MDT_PURGE_LIMIT_DEFAULT;
    /* Both a real batch and a dry run start above after: a caller going
     * through every due case passes the previous batch's last_id, so
     * that no batch reads again the rows the earlier ones went past
     * (purged or not due). The scheduler starts at 0 every pass. */
    if ((st = mdt_db_stmt(db, after > 0 ? "SELECT id, pseudonym, closure, closed_at FROM cases "
                                          "WHERE " DUE_WHERE_FROM " ORDER BY id LIMIT ?3"
                                        : "SELECT id, pseudonym, closure, closed_at FROM cases "
                                          "WHERE " DUE_WHERE " ORDER BY id LIMIT ?3")) == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, cutoff);
    sqlite3_bind_int64(st, 2, after);
    sqlite3_bind_int(st, 3, limit);
    ids = mdt_xreallocarray(NULL, (size_t)limit, sizeof(*ids));
    while ((rc = mdt_db_step(db, st)) == 1) {
        if (n == (size_t)limit) { /* never: LIMIT */
            sqlite3_reset(st);
            rc = 0;
            break;
        }
        ids[n++] = sqlite3_column_int64(st, 0);
        if (list)
            json_array_append_new(list,
                                  json_pack("{s:I, s:s?, s:s?, s:o}", "id", (json_int_t)ids[n - 1],
                                            "pseudonym", (const char *)sqlite3_column_text(st, 1),
                                            "closure", (const char *)sqlite3_column_text(st, 2),
                                            "closed_at", mdt_json_time_col(st, 3)));
    }
    if (rc < 0)
        goto out;
    if (n > 0)
        res->last_id = ids[n - 1];
    if (!dry_run && n > 0) {
        /* One transaction for the batch (nested in a request's own). */
        if ((rc = mdt_db_begin(db)) < 0)
            goto out;
        for (size_t i = 0; i < n && rc >= 0; i++)
            rc = wipe(db, ids[i], now);
        if (rc < 0) {
            mdt_db_rollback(db);
            goto out;
        }
        if ((rc = mdt_db_commit(db)) < 0)
            goto out;
        log_info("purge: text of %zu closed case%s purged", n, n == 1 ? "" : "s");
    }
    res->count = (int)n;
    rc = count_due(db, cutoff, res->last_id, &res->remaining);
out:
    if (rc < 0)
        res->count = 0;
    free(ids);
    return rc < 0 ? rc : 0;
}

/* A non-negative integer query value no larger than max: -1 when bad. */
static int64_t query_int(const char *v, int64_t max)
{
    char *end;
    long long x;

    if (v == NULL || *v < '0' || *v > '9' || strlen(v) > 19)
        return -1;
    errno = 0;
    x = strtoll(v, &end, 10);
    if (errno || *end || x > max)
        return -1;
    return x;
}

/* POST /v1/purge?dry_run=1&limit=N&after=ID */
void mdt_h_purge(struct mdt_req *r)
{
    const char *dry = mdt_req_query(r, "dry_run"), *lim = mdt_req_query(r, "limit"),
               *aft = mdt_req_query(r, "after");
    int dry_run = dry && strcmp(dry, "0") != 0 && strcmp(dry, "false") != 0, rc;
    int64_t limit = MDT_PURGE_LIMIT_DEFAULT, after = 0;
    struct mdt_purge_result res;
    json_t *list;

    if (lim && ((limit = query_int(lim, MDT_PURGE_LIMIT_MAX)) < 1)) {
        mdt_reply_error(r, 422, "invalid", "limit", "limit: a whole number from 1 to %d",
                        MDT_PURGE_LIMIT_MAX);
        return;
    }
    if (aft && (after = query_int(aft, INT64_MAX)) < 0) {
        mdt_reply_error(r, 422, "invalid", "after", "after: a case id (a whole number)");
        return;
    }
    list = json_array();
    if ((rc = mdt_purge_batch(r->db, r->cfg, mdt_now(), dry_run, after, (int)limit, list,
                              &res)) < 0) {
        json_decref(list);
        mdt_reply_errno(r, rc, NULL, "purge");
        return;
    }
    mdt_reply_json(r, 200,
                   json_pack("{s:b, s:i, s:I, s:o, s:I, s:I, s:I}", "dry_run", dry_run, "count",
                             res.count, "purge_after_seconds", (json_int_t)r->cfg->purge_after,
                             "cases", list, "remaining", (json_int_t)res.remaining, "limit",
                             (json_int_t)limit, "last_id", (json_int_t)res.last_id));
}
