/* WAL checkpoints off the loop.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that takes the WAL
 * past wal_autocheckpoint pages: it copies the WAL into the database file
 * and syncs it, on the loop thread, and every request waiting meanwhile
 * waits for it (20-35 ms pauses during an invite fan-out). Here the loop's
 * connection never checkpoints: its WAL hook notes the size after each
 * commit and, past a threshold, queues a PASSIVE checkpoint on the thread
 * pool with a connection of its own. PASSIVE neither waits for nor blocks
 * the loop's reads and writes; what it cannot copy yet is copied by the
 * next one. */
#include <errno.h>
#include <stdlib.h>

#include <uv.h>

#include "log.h"
#include "mdtd.h"
#include "xmalloc.h"

struct mdt_checkpointer {
    uv_loop_t *loop;
    char *path;
    int threshold; /* WAL pages */
    uv_work_t work;
    int busy;      /* a checkpoint is queued or running */
    int freeing;   /* free once the running one is back */
    int rc;        /* the worker's SQLite result */
    int log_pages, copied;
    unsigned long done; /* completed checkpoints */
};

static void work_cb(uv_work_t *w)
{
    struct mdt_checkpointer *cp = w->data;
    sqlite3 *h = NULL;

    cp->log_pages = cp->copied = -1;
    cp->rc = sqlite3_open_v2(cp->path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    /* A connection that has read nothing has not opened the WAL yet, and
     * its checkpoint would do nothing. */
    if (cp->rc == SQLITE_OK)
        cp->rc = sqlite3_exec(h, "PRAGMA schema_version", NULL, NULL, NULL);
    if (cp->rc == SQLITE_OK)
        cp->rc = sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_PASSIVE, &cp->log_pages,
                                           &cp->copied);
    sqlite3_close(h);
}

static void after_cb(uv_work_t *w, int status)
{
    struct mdt_checkpointer *cp = w->data;

    cp->busy = 0;
    if (cp->freeing) {
        free(cp->path);
        free(cp);
        return;
    }
    if (status == 0 && cp->rc == SQLITE_OK && cp->log_pages >= 0)
        cp->done++;
    else if (status == 0)
        log_warnx("db: checkpoint: %s (%d)", sqlite3_errstr(cp->rc), cp->rc);
    log_debug("db: checkpoint: %d of %d WAL pages copied", cp->copied, cp->log_pages);
}

/* Called by SQLite on the loop thread after each commit. */
static int wal_hook(void *arg, sqlite3 *h, const char *dbname, int pages)
{
    struct mdt_checkpointer *cp = arg;

    (void)h;
    (void)dbname;
    if (pages < cp->threshold || cp->busy || cp->freeing)
        return SQLITE_OK;
    cp->busy = 1;
    if (uv_queue_work(cp->loop, &cp->work, work_cb, after_cb) != 0)
        cp->busy = 0;
    return SQLITE_OK;
}

struct mdt_checkpointer *mdt_checkpointer_new(void *uv_loop, struct mdt_db *db, const char *path,
                                              int threshold)
{
    struct mdt_checkpointer *cp = mdt_xcalloc(1, sizeof(*cp));

    cp->loop = uv_loop;
    cp->path = mdt_xstrdup(path);
    cp->threshold = threshold > 0 ? threshold : 1000;
    cp->work.data = cp;
    /* Replaces the automatic checkpoint, which is itself a WAL hook; set
     * through db.c so that a connection reopened after a read-only spell
     * keeps it. */
    mdt_db_wal_hook(db, wal_hook, cp);
    return cp;
}

unsigned long mdt_checkpointer_done(const struct mdt_checkpointer *cp)
{
    return cp->done;
}

void mdt_checkpointer_free(struct mdt_checkpointer *cp, struct mdt_db *db)
{
    if (cp == NULL)
        return;
    if (db)
        mdt_db_wal_hook(db, NULL, NULL);
    if (cp->busy) {
        cp->freeing = 1; /* after_cb frees it */
        return;
    }
    free(cp->path);
    free(cp);
}
