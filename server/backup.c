/* Backups and restores of the database with SQLite's online backup API.
 *
 * A backup copies the source a few pages at a time inside one read
 * transaction of its own: in WAL mode the running mdtd keeps writing
 * meanwhile, and the copy is the database as it was when that read
 * transaction began (without it, every write by another process would
 * restart the copy from the first page). The copy goes to a temporary
 * file next to the target, is checked, synced and renamed into place, so
 * a half-written backup never carries the target's name. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "mdtd.h"
#include "xmalloc.h"

/* Pages per step: 1 MiB at the default page size, about a millisecond. */
#define STEP_PAGES 256

static int fsync_path(const char *path, int dir)
{
    int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC), rc = 0;

    if (fd < 0)
        return -errno;
    if (fsync(fd) < 0)
        rc = -errno;
    close(fd);
    return rc;
}

/* The directory part of path ("." when none); new. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        return mdt_xstrdup(".");
    if (slash == path)
        return mdt_xstrdup("/");
    return mdt_xstrndup(path, (size_t)(slash - path));
}

/* "ok" from PRAGMA integrity_check, else the first complaint in err. */
static int integrity(sqlite3 *h, const char *name, struct mdt_buf *err)
{
    sqlite3_stmt *st = NULL;
    int rc = -EIO;

    if (sqlite3_prepare_v2(h, "PRAGMA integrity_check(1)", -1, &st, NULL) != SQLITE_OK) {
        mdt_buf_printf(err, "%s: %s", name, sqlite3_errmsg(h));
        goto out;
    }
    if (sqlite3_step(st) != SQLITE_ROW) {
        mdt_buf_printf(err, "%s: integrity check failed: %s", name, sqlite3_errmsg(h));
        goto out;
    }
    if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
        mdt_buf_printf(err, "%s: integrity check failed: %s", name,
                       (const char *)sqlite3_column_text(st, 0));
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

static void progress(int show, const char *what, int remaining, int total)
{
    if (!show || total <= 0)
        return;
    fprintf(stderr, "\r%s: %3d%% (%d of %d pages)", what, (total - remaining) * 100 / total,
            total - remaining, total);
    if (remaining == 0)
        fputc('\n', stderr);
}

int mdt_backup_from(sqlite3 *src, const char *dst, int show_progress, struct mdt_buf *err)
{
    sqlite3 *out = NULL;
    sqlite3_backup *b = NULL;
    char *tmp = mdt_xasprintf("%s.tmp-%ld", dst, (long)getpid());
    char *dir = dir_of(dst);
    int rc = -EIO, src_txn = 0, fd, step;

    /* 0600 from the first byte: the backup holds what the database does. */
    if ((fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
        rc = -errno;
        mdt_buf_printf(err, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    close(fd);
    if (sqlite3_open_v2(tmp, &out, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        mdt_buf_printf(err, "%s: %s", tmp, out ? sqlite3_errmsg(out) : "cannot open");
        goto out;
    }
    /* Our own read transaction on the source: one snapshot throughout. */
    if (sqlite3_get_autocommit(src)) {
        if (sqlite3_exec(src, "BEGIN; SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) !=
            SQLITE_OK) {
            mdt_buf_printf(err, "cannot read the database: %s", sqlite3_errmsg(src));
            sqlite3_exec(src, "ROLLBACK", NULL, NULL, NULL);
            goto out;
        }
        src_txn = 1;
    }
    if ((b = sqlite3_backup_init(out, "main", src, "main")) == NULL) {
        mdt_buf_printf(err, "%s: %s", tmp, sqlite3_errmsg(out));
        goto out;
    }
    do {
        step = sqlite3_backup_step(b, STEP_PAGES);
        progress(show_progress, dst, sqlite3_backup_remaining(b), sqlite3_backup_pagecount(b));
        if (step == SQLITE_BUSY || step == SQLITE_LOCKED)
            sqlite3_sleep(10);
    } while (step == SQLITE_OK || step == SQLITE_BUSY || step == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    b = NULL;
    if (step != SQLITE_DONE) {
        mdt_buf_printf(err, "backup to %s: %s", dst, sqlite3_errstr(step));
        goto out;
    }
    /* A backup is one self-contained file: no write-ahead log beside it
     * (mdtd turns WAL on again when it opens the database). */
    if (sqlite3_exec(out, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK) {
        mdt_buf_printf(err, "%s: %s", tmp, sqlite3_errmsg(out));
        goto out;
    }
    if ((rc = integrity(out, tmp, err)) < 0)
        goto out;
    rc = -EIO;
    if (sqlite3_close(out) != SQLITE_OK) {
        mdt_buf_printf(err, "%s: %s", tmp, sqlite3_errmsg(out));
        goto out;
    }
    out = NULL;
    if ((rc = fsync_path(tmp, 0)) < 0 || rename(tmp, dst) < 0) {
        rc = rc < 0 ? rc : -errno;
        mdt_buf_printf(err, "%s: %s", dst, strerror(-rc));
        goto out;
    }
    free(tmp);
    tmp = NULL;
    if ((rc = fsync_path(dir, 1)) < 0) {
        mdt_buf_printf(err, "%s: %s", dir, strerror(-rc));
        goto out;
    }
    rc = 0;
out:
    if (b)
        sqlite3_backup_finish(b);
    if (src_txn)
        sqlite3_exec(src, "COMMIT", NULL, NULL, NULL);
    if (out)
        sqlite3_close(out);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    free(dir);
    return rc;
}

/* Whether a and b name the same file (the rename at the end would put
 * the copy in place of the database itself). */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;

    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

int mdt_backup_copy(const char *src, const char *dst, int show_progress, struct mdt_buf *err)
{
    struct mdt_db *db = NULL;
    int rc;

    if (access(src, F_OK) != 0) {
        rc = -errno;
        mdt_buf_printf(err, "%s: %s", src, strerror(errno));
        return rc;
    }
    if (same_file(src, dst)) {
        mdt_buf_printf(err, "%s: the backup cannot replace the database itself", dst);
        return -EINVAL;
    }
    /* Opened as the daemon opens it: read-write when it can be (a WAL
     * database's shared-memory index must be writable by every
     * connection), else read-only in the way that still reads it, so a
     * database on a file system gone read-only can be copied off it. */
    if ((rc = mdt_db_open(src, 0, &db, err)) < 0)
        return rc;
    sqlite3_busy_timeout(mdt_db_handle(db), 5000);
    rc = mdt_backup_from(mdt_db_handle(db), dst, show_progress, err);
    mdt_db_close(db);
    return rc;
}

int mdt_backup_in_use(const char *db, long *pid)
{
    /* Every SQLite connection to a WAL database holds a shared lock on
     * one byte of DB-shm (the "DMS" lock, at 120 + 8) for as long as it
     * is open: a writer's lock there means someone has it open. */
    char *shm = mdt_xasprintf("%s-shm", db);
    struct flock fl;
    int fd = open(shm, O_RDONLY | O_CLOEXEC), rc = 0;

    *pid = 0;
    if (fd < 0) {
        rc = errno == ENOENT ? 0 : -errno;
        goto out;
    }
    memset(&fl, 0, sizeof(fl));
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    fl.l_start = 128;
    fl.l_len = 1;
    if (fcntl(fd, F_GETLK, &fl) < 0) {
        rc = -errno;
        goto out;
    }
    if (fl.l_type != F_UNLCK) {
        *pid = (long)fl.l_pid;
        rc = 1;
    }
out:
    if (fd >= 0)
        close(fd);
    free(shm);
    return rc;
}

/* YYYYMMDDTHHMMSSZ of now, UTC. */
static void utc_stamp(char *s, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(s, n, "%Y%m%dT%H%M%SZ", &tm);
}

int mdt_backup_restore(const char *from, const char *db, int show_progress, char **kept,
                       struct mdt_buf *err)
{
    sqlite3 *h = NULL;
    char *tmp = mdt_xasprintf("%s.restore", db);
    char *wal = mdt_xasprintf("%s-wal", db), *shm = mdt_xasprintf("%s-shm", db);
    char *old = NULL, *dir = dir_of(db);
    char stamp[32];
    long pid = 0;
    int rc, version;
    sqlite3_stmt *st = NULL;

    *kept = NULL;
    /* 1. The backup must be whole and an mdtd database this mdtd knows. */
    if (access(from, R_OK) != 0) {
        rc = -errno;
        mdt_buf_printf(err, "%s: %s", from, strerror(errno));
        goto out;
    }
    rc = -EINVAL;
    if (sqlite3_open_v2(from, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        mdt_buf_printf(err, "%s: %s", from, h ? sqlite3_errmsg(h) : "cannot open");
        goto out;
    }
    if ((rc = integrity(h, from, err)) < 0)
        goto out;
    rc = -EINVAL;
    if (sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        mdt_buf_printf(err, "%s: %s", from, sqlite3_errmsg(h));
        goto out;
    }
    version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (version < 1 || version > mdt_db_latest_version()) {
        mdt_buf_printf(err, "%s: schema version %d: not a database of this mdtd (1 to %d)", from,
                       version, mdt_db_latest_version());
        goto out;
    }
    if (same_file(from, db)) {
        mdt_buf_printf(err, "%s is the database itself", from);
        goto out;
    }
    /* 2. Nobody may have the target open: it would keep writing to the
     * file we replace. */
    if ((rc = mdt_backup_in_use(db, &pid)) != 0) {
        if (rc > 0)
            mdt_buf_printf(err, "%s is in use by process %ld: stop mdtd first", db, pid);
        else
            mdt_buf_printf(err, "%s-shm: %s", db, strerror(-rc));
        rc = rc > 0 ? -EBUSY : rc;
        goto out;
    }
    /* 3. Copy next to the target, then swap it in with one rename. */
    unlink(tmp);
    if ((rc = mdt_backup_from(h, tmp, show_progress, err)) < 0)
        goto out;
    sqlite3_close(h);
    h = NULL;
    /* A write-ahead log left by the old database must not be replayed
     * onto the restored one: opening and closing it checkpoints and
     * removes the log. */
    if (access(db, F_OK) == 0) {
        if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
            rc = -EIO;
            mdt_buf_printf(err, "%s: %s", db, h ? sqlite3_errmsg(h) : "cannot open");
            goto out;
        }
        sqlite3_exec(h, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
        sqlite3_close(h);
        h = NULL;
        if ((rc = mdt_backup_in_use(db, &pid)) != 0) {
            mdt_buf_printf(err, "%s is in use by process %ld: stop mdtd first", db, pid);
            rc = -EBUSY;
            goto out;
        }
        /* The replaced database stays, hard-linked under a dated name. */
        utc_stamp(stamp, sizeof(stamp));
        old = mdt_xasprintf("%s.pre-restore-%s", db, stamp);
        if (link(db, old) < 0) {
            rc = -errno;
            mdt_buf_printf(err, "%s: %s", old, strerror(errno));
            goto out;
        }
        unlink(wal);
        unlink(shm);
    }
    if (rename(tmp, db) < 0) {
        rc = -errno;
        mdt_buf_printf(err, "%s: %s", db, strerror(errno));
        goto out;
    }
    free(tmp);
    tmp = NULL;
    if ((rc = fsync_path(dir, 1)) < 0) {
        mdt_buf_printf(err, "%s: %s", dir, strerror(-rc));
        goto out;
    }
    *kept = old;
    old = NULL;
    rc = 0;
out:
    sqlite3_finalize(st);
    if (h)
        sqlite3_close(h);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    free(old);
    free(wal);
    free(shm);
    free(dir);
    return rc;
}
