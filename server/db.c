/* The store: one SQLite connection, used only from the loop thread. Every
 * statement is short; WAL with synchronous=FULL means a write we answer
 * has reached the disk. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "embed.h"
#include "log.h"
#include "mdtd.h"
#include "xmalloc.h"

struct cached_stmt {
    const char *sql; /* borrowed: statement texts are string literals */
    sqlite3_stmt *st;
};

/* Why changes cannot be written just now (RO_NONE: they can). */
enum ro_state {
    RO_NONE,
    RO_OPEN,  /* the connection was opened read-only: reopened once the files can be written */
    RO_WRITE, /* a write failed with EROFS on an open file: the next commit tells */
};

struct mdt_db {
    sqlite3 *h;
    char *path; /* as given to mdt_db_open: reopened under this name */
    struct cached_stmt *cache;
    size_t ncache, acache;
    int depth;   /* mdt_db_begin calls not yet ended: one SQLite transaction */
    int doomed;  /* an inner level rolled back: the outermost end rolls back */
    enum ro_state ro;
    int ro_logged;         /* the read-only line was written for this state */
    char ro_why[64];       /* what opening found, for that line */
    int immutable;         /* opened with immutable=1 (read-only and no WAL to read) */
    int call_errno;        /* errno after the failed call mdt_db_err is looking at, or 0 */
    int64_t changes_at_begin; /* sqlite3_total_changes64 when the transaction began */
    uint64_t reopen_after; /* monotonic ms: no reopen attempt before */
    int (*wal_fn)(void *, sqlite3 *, const char *, int); /* set again on a new connection */
    void *wal_arg;
};

static void sqlite_log(void *arg, int code, const char *msg)
{
    (void)arg;
    /* Notices about recovered WAL and auto-indexes are routine, and so
     * are constraint failures: they become 409 answers. A read-only
     * database refuses every change: mdt_db_err says so once when that
     * starts and once when it ends, not SQLite on every request. */
    if ((code & 0xff) == SQLITE_NOTICE || (code & 0xff) == SQLITE_WARNING ||
        (code & 0xff) == SQLITE_CONSTRAINT || (code & 0xff) == SQLITE_READONLY ||
        (code & 0xff) == SQLITE_INTERRUPT /* a report whose client went away */ ||
        ((code & 0xff) == SQLITE_IOERR && strstr(msg, strerror(EROFS)) != NULL))
        log_debug("sqlite: (%d) %s", code, msg);
    else
        log_warnx("sqlite: (%d) %s", code, msg);
}

void mdt_db_global_init(void)
{
    /* Fails harmlessly (SQLITE_MISUSE) once SQLite is initialised. */
    sqlite3_config(SQLITE_CONFIG_LOG, sqlite_log, NULL);
}

static uint64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One line when the database stops taking changes, saying what to check;
 * the requests refused meanwhile add nothing but their 503. A connection
 * opened read-only says it at its first refused change (at start: the
 * outbox's), so that connections that only read (reports) say nothing. */
static void set_read_only(struct mdt_db *db, enum ro_state why, const char *detail)
{
    if (db->ro != RO_NONE) {
        if (why == RO_OPEN)
            db->ro = RO_OPEN; /* from now on a reopen is what ends it */
        if (db->ro_logged)
            return;
        if (db->ro_why[0])
            detail = db->ro_why;
    }
    db->ro = db->ro == RO_OPEN ? RO_OPEN : why;
    db->ro_logged = 1;
    log_warnx("db: %s is read-only (%s): changes are answered 503 and reads go on; check that "
              "the file system is not mounted read-only (findmnt -T %s) and that user %u can "
              "write the file, its -wal and -shm files if present and their directory; changes "
              "are taken again as soon as it can be written, without a restart",
              db->path, detail, db->path, (unsigned)geteuid());
}

static void set_writable(struct mdt_db *db)
{
    if (db->ro == RO_NONE)
        return;
    db->ro = RO_NONE;
    db->ro_why[0] = '\0';
    if (db->ro_logged)
        log_warnx("db: %s can be written again: changes are taken", db->path);
    db->ro_logged = 0;
}

int mdt_db_err(struct mdt_db *db, int rc, const char *what)
{
    const char *msg = db && db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc);
    int sys = db && db->h ? sqlite3_system_errno(db->h) : 0;

    /* SQLite keeps the errno of a failed open or read, not of a failed
     * write in a COMMIT: then the errno seen right after the call, or
     * the file system's read-only flag, tells EROFS from a full disk. */
    if (sys == 0 && db && (rc & 0xff) == SQLITE_IOERR) {
        struct statvfs vfs;
        sys = db->call_errno;
        if (sys == 0 && db->path && statvfs(db->path, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
            sys = EROFS;
    }

    switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        log_debug("db: %s: %s", what, msg);
        return -EEXIST;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        log_debug("db: %s: %s", what, msg);
        return -EBUSY;
    }
    /* A write to an open file of a file system remounted read-only
     * fails with EROFS, which SQLite reports as an I/O error. */
    if ((rc & 0xff) == SQLITE_IOERR && sys == EROFS)
        rc = SQLITE_READONLY;
    if ((rc & 0xff) == SQLITE_READONLY && db && db->h) {
        /* SQLITE_READONLY_DBMOVED: the file was renamed or replaced
         * under the connection, which then refuses to write: opening
         * the name again is the cure, as for a read-only open. */
        set_read_only(db, rc == SQLITE_READONLY_DBMOVED || sqlite3_db_readonly(db->h, "main") == 1
                              ? RO_OPEN : RO_WRITE,
                      sys == EROFS ? "read-only file system"
                      : rc == SQLITE_READONLY_DBMOVED ? "the file was moved or replaced"
                                                      : msg);
        log_debug("db: %s: %s (%d)", what, msg, rc);
        return -EROFS;
    }
    /* Say what to do about it: SQLite's own message for a failed write
     * ("disk I/O error") does not. */
    switch (rc & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
        log_warnx("db: %s: %s (%d%s%s): the disk may be full or failing; changes are refused "
                  "until there is room, reads go on", what, msg, rc, sys ? ", " : "",
                  sys ? strerror(sys) : "");
        break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
        log_warnx("db: %s: %s (%d): the database cannot be written (read-only file or file "
                  "system); changes are refused, reads go on", what, msg, rc);
        break;
    case SQLITE_INTERRUPT: /* asked for: a report nobody waits for any more */
        log_debug("db: %s: %s (%d)", what, msg, rc);
        break;
    default:
        log_warnx("db: %s: %s (%d)", what, msg, rc);
    }
    switch (rc & 0xff) {
    case SQLITE_FULL:
        return -ENOSPC;
    case SQLITE_READONLY:
    case SQLITE_PERM:
        return -EROFS;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return -EIO;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return -EAGAIN;
    }
    return -EPROTO;
}

static int exec(struct mdt_db *db, const char *sql, const char *what)
{
    int rc;

    errno = 0;
    rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
    db->call_errno = errno;
    rc = rc == SQLITE_OK ? 0 : mdt_db_err(db, rc, what);
    db->call_errno = 0;
    return rc;
}

/* "file:" and path with everything but unreserved characters and '/'
 * percent-encoded, for sqlite3_open_v2 with SQLITE_OPEN_URI. New. */
static char *file_uri(const char *path, const char *query)
{
    static const char hex[] = "0123456789ABCDEF";
    struct mdt_buf b;
    char *s;

    mdt_buf_init(&b, 3 * strlen(path) + strlen(query) + 16);
    mdt_buf_adds(&b, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p)) {
            mdt_buf_addc(&b, (char)*p);
        } else {
            mdt_buf_addc(&b, '%');
            mdt_buf_addc(&b, hex[*p >> 4]);
            mdt_buf_addc(&b, hex[*p & 15]);
        }
    }
    mdt_buf_adds(&b, query);
    s = mdt_xstrdup(mdt_buf_str(&b));
    mdt_buf_release(&b);
    return s;
}

/* Whether the WAL file next to path holds frames not yet in the
 * database file. */
static int wal_has_frames(const char *path)
{
    char *wal = mdt_xasprintf("%s-wal", path);
    struct stat sb;
    int r = stat(wal, &sb) == 0 && sb.st_size > 0;

    free(wal);
    return r;
}

/* A new connection to path in *out, set up and read from once; *ro is
 * 0 when it can write, RO_WAL or RO_IMMUTABLE when it cannot. SQLite opens a file it may not write read-only
 * by itself, but in WAL mode a read-only connection still needs the -shm
 * and -wal files: it creates them (with the database's read-only mode,
 * so they stay unwritable after the database is made writable again)
 * or, on a read-only file system, cannot read at all (SQLITE_CANTOPEN).
 * When the WAL holds nothing, the database file alone is the whole
 * database, and it is opened immutable=1: no -wal, -shm or locks. With
 * frames in the WAL it must be read through them: the -wal and -shm
 * files are there already and SQLite reads them as they are. */
enum { RO_WAL = 1, RO_IMMUTABLE = 2 };

static int open_conn(struct mdt_db *db, sqlite3 **out, int *ro, struct mdt_buf *err)
{
    sqlite3 *h = NULL;
    int rc, flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

    *out = NULL;
    *ro = 0;
    if ((rc = sqlite3_open_v2(db->path, &h, flags, NULL)) != SQLITE_OK)
        goto fail;
    if (sqlite3_db_readonly(h, "main") == 1)
        *ro = wal_has_frames(db->path) ? RO_WAL : RO_IMMUTABLE;
setup:
    if (*ro == RO_IMMUTABLE) {
        char *uri = file_uri(db->path, "?immutable=1");
        sqlite3_close(h);
        h = NULL;
        rc = sqlite3_open_v2(uri, &h, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                             NULL);
        free(uri);
        if (rc != SQLITE_OK)
            goto fail;
    }
    sqlite3_extended_result_codes(h, 1);
    sqlite3_busy_timeout(h, 1000);
    /* The file is in WAL mode from its creation: a read-only connection
     * has nothing to set. The read makes a connection that cannot use
     * the file fail here rather than at the first request. */
    rc = sqlite3_exec(h, *ro ? "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
                               "PRAGMA schema_version;"
                             : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                               "PRAGMA foreign_keys=ON;",
                      NULL, NULL, NULL);
    /* The file can be written but its -wal and -shm cannot be made (a
     * read-only directory) or written: with nothing in the WAL it is
     * read alone, as a read-only file is. */
    if (rc != SQLITE_OK && !*ro && ((rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN) &&
        !wal_has_frames(db->path)) {
        *ro = RO_IMMUTABLE;
        goto setup;
    }
    if (rc != SQLITE_OK)
        goto fail;
    if (db->wal_fn)
        sqlite3_wal_hook(h, db->wal_fn, db->wal_arg);
    *out = h;
    return 0;
fail:
    mdt_buf_printf(err, "%s: %s%s", db->path, h ? sqlite3_errmsg(h) : sqlite3_errstr(rc),
                   *ro ? " (the database is read-only and cannot be read as it is: make it "
                         "writable)"
                       : "");
    sqlite3_close(h);
    return -EIO;
}

int mdt_db_open(const char *path, int create, struct mdt_db **out, struct mdt_buf *err)
{
    struct mdt_db *db = mdt_xcalloc(1, sizeof(*db));
    int rc, ro = 0;

    *out = NULL;
    db->path = mdt_xstrdup(path);
    if (create) {
        /* Create the file ourselves so it is 0600 from the first byte. */
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) {
            rc = -errno;
            mdt_buf_printf(err, "%s: %s", path, strerror(errno));
            goto out;
        }
        close(fd);
    } else if (access(path, F_OK) != 0) {
        rc = -errno;
        mdt_buf_printf(err, "%s: %s (create it with mdtd init --db %s)", path, strerror(errno),
                       path);
        goto out;
    }
    if ((rc = open_conn(db, &db->h, &ro, err)) < 0)
        goto out;
    if (ro) {
        db->immutable = ro == RO_IMMUTABLE;
        db->ro = RO_OPEN;
        snprintf(db->ro_why, sizeof(db->ro_why), "%s",
                 access(path, W_OK) == 0 ? "its -wal or -shm file, or its directory"
                 : errno == EROFS        ? "read-only file system"
                                         : strerror(errno));
        log_debug("db: %s opened read-only (%s)", path, db->ro_why);
    }
    *out = db;
    db = NULL;
    rc = 0;
out:
    if (db)
        mdt_db_close(db);
    return rc;
}

void mdt_db_close(struct mdt_db *db)
{
    if (db == NULL)
        return;
    for (size_t i = 0; i < db->ncache; i++)
        sqlite3_finalize(db->cache[i].st);
    free(db->cache);
    if (db->h && sqlite3_close(db->h) != SQLITE_OK)
        log_warnx("db: close: %s", sqlite3_errmsg(db->h));
    free(db->path);
    free(db);
}

/* Whether name (path + suffix) can be written, or does not exist and
 * its directory can be (SQLite creates it then). */
static int can_write(const char *path, const char *suffix)
{
    char *name = mdt_xasprintf("%s%s", path, suffix), *slash;
    int r;

    if ((r = access(name, W_OK) == 0) == 0 && errno == ENOENT && *suffix) {
        if ((slash = strrchr(name, '/')) == NULL)
            r = access(".", W_OK) == 0;
        else if (slash == name)
            r = access("/", W_OK) == 0;
        else {
            *slash = '\0';
            r = access(name, W_OK) == 0;
        }
    }
    free(name);
    return r;
}

/* A connection opened read-only stays so: once the files can be
 * written, a new connection takes its place (the cached statements go
 * with the old one). Not while a statement runs or a transaction is open:
 * the next begin tries again. A failed attempt waits a second. */
static void try_reopen(struct mdt_db *db)
{
    struct mdt_buf err;
    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    uint64_t now;
    int ro, rc;

    if (db->ro != RO_OPEN || db->depth > 0 || !sqlite3_get_autocommit(db->h))
        return;
    if (!can_write(db->path, "") || !can_write(db->path, "-wal") || !can_write(db->path, "-shm"))
        return;
    now = now_ms();
    if (now < db->reopen_after)
        return;
    db->reopen_after = now + 1000;
    while ((st = sqlite3_next_stmt(db->h, st)) != NULL)
        if (sqlite3_stmt_busy(st))
            return;
    for (size_t i = 0; i < db->ncache; i++)
        sqlite3_finalize(db->cache[i].st);
    db->ncache = 0;
    if (sqlite3_next_stmt(db->h, NULL) != NULL) {
        log_debug("db: %s: statements outside the cache hold the connection", db->path);
        return;
    }
    mdt_buf_init(&err, 1024);
    if (db->immutable) {
        /* Nothing shared: the new one is tried first, the old one kept
         * if it cannot write either. */
        if ((rc = open_conn(db, &h, &ro, &err)) < 0 || ro) {
            log_debug("db: %s: not writable yet: %s", db->path, rc < 0 ? mdt_buf_str(&err) : "read-only");
            sqlite3_close(h);
            goto out;
        }
        sqlite3_close(db->h);
    } else {
        /* Connections of one process share a file's -shm mapping and
         * locks, and a writer opened beside a reader that mapped it
         * read-only is read-only too: the reader goes first. */
        sqlite3_close(db->h);
        db->h = NULL;
        if ((rc = open_conn(db, &h, &ro, &err)) < 0) {
            mdt_buf_reset(&err);
            rc = open_conn(db, &h, &ro, &err);
        }
        if (rc < 0)
            fatalx("db: %s: cannot be opened again: %s", db->path, mdt_buf_str(&err));
    }
    db->h = h;
    db->immutable = ro == RO_IMMUTABLE;
    if (ro) {
        log_debug("db: %s: not writable yet", db->path);
        goto out;
    }
    set_writable(db);
out:
    mdt_buf_release(&err);
}

int mdt_db_writable(struct mdt_db *db)
{
    try_reopen(db);
    return db->ro == RO_NONE;
}

void mdt_db_wal_hook(struct mdt_db *db, int (*fn)(void *, sqlite3 *, const char *, int), void *arg)
{
    db->wal_fn = fn;
    db->wal_arg = arg;
    sqlite3_wal_hook(db->h, fn, arg);
}

sqlite3 *mdt_db_handle(struct mdt_db *db)
{
    return db->h;
}

sqlite3_stmt *mdt_db_stmt(struct mdt_db *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int rc;

    size_t i;

    /* Statement texts are literals: the pointer nearly always finds it,
     * and only a miss compares the texts. */
    for (i = 0; i < db->ncache; i++)
        if (db->cache[i].sql == sql)
            goto found;
    for (i = 0; i < db->ncache; i++)
        if (strcmp(db->cache[i].sql, sql) == 0)
            goto found;
    if ((rc = sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL)) != SQLITE_OK) {
        mdt_db_err(db, rc, "prepare");
        return NULL;
    }
    if (db->ncache == db->acache) {
        db->acache = db->acache ? db->acache * 2 : 64;
        db->cache = mdt_xreallocarray(db->cache, db->acache, sizeof(*db->cache));
    }
    db->cache[db->ncache].sql = sql;
    db->cache[db->ncache].st = st;
    db->ncache++;
    return st;
found:
    st = db->cache[i].st;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

int mdt_db_step(struct mdt_db *db, sqlite3_stmt *st)
{
    int rc;

    errno = 0;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE) {
        /* A change written outside a transaction: the file system takes
         * writes again. */
        if (db->ro == RO_WRITE && sqlite3_get_autocommit(db->h) && !sqlite3_stmt_readonly(st) &&
            sqlite3_changes64(db->h) > 0)
            set_writable(db);
        sqlite3_reset(st);
        return 0;
    }
    db->call_errno = errno;
    rc = mdt_db_err(db, sqlite3_extended_errcode(db->h), "step");
    db->call_errno = 0;
    sqlite3_reset(st);
    return rc;
}

/* Transactions nest: only the outermost begin and end reach SQLite, so
 * the HTTP layer can hold one transaction around a handler (which keeps
 * its own begin/commit) and the change's audit entry. */
int mdt_db_begin(struct mdt_db *db)
{
    int rc;

    if (db->depth > 0) {
        db->depth++;
        return 0;
    }
    try_reopen(db);
    if ((rc = exec(db, "BEGIN IMMEDIATE", "begin")) < 0)
        return rc;
    db->changes_at_begin = sqlite3_total_changes64(db->h);
    db->depth = 1;
    db->doomed = 0;
    return 0;
}

int mdt_db_commit(struct mdt_db *db)
{
    int rc;

    if (db->depth > 1) {
        db->depth--;
        return 0;
    }
    if (db->depth == 1 && db->doomed) {
        mdt_db_rollback(db);
        return -EPROTO;
    }
    db->depth = 0;
    if ((rc = exec(db, "COMMIT", "commit")) < 0)
        mdt_db_rollback(db);
    else if (db->ro == RO_WRITE && sqlite3_total_changes64(db->h) != db->changes_at_begin)
        set_writable(db); /* rows were written: the file system takes writes again */
    return rc;
}

void mdt_db_rollback(struct mdt_db *db)
{
    if (db->depth > 1) {
        db->depth--;
        db->doomed = 1;
        return;
    }
    db->depth = 0;
    db->doomed = 0;
    if (!sqlite3_get_autocommit(db->h))
        sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

int mdt_db_depth(const struct mdt_db *db)
{
    return db->depth;
}

int64_t mdt_db_changes(struct mdt_db *db)
{
    return sqlite3_changes64(db->h);
}

int64_t mdt_db_last_id(struct mdt_db *db)
{
    return sqlite3_last_insert_rowid(db->h);
}

static int migration_number(const char *name)
{
    return atoi(name); /* "0002-cases.sql" → 2 */
}

int mdt_db_latest_version(void)
{
    int v = 0;
    for (const struct mdt_embed *e = mdt_schema; e->name; e++)
        if (migration_number(e->name) > v)
            v = migration_number(e->name);
    return v;
}

int mdt_db_schema_version(struct mdt_db *db)
{
    /* Cached: GET /v1/health asks on every call. */
    sqlite3_stmt *st = mdt_db_stmt(db, "PRAGMA user_version");
    int v = -1;

    if (st && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    if (st)
        sqlite3_reset(st);
    return v;
}

/* Writes DB.pre-vLATEST-YYYYMMDDTHHMMSSZ next to the database. */
static int backup_before(struct mdt_db *db, int have, int latest, struct mdt_buf *err)
{
    const char *path = sqlite3_db_filename(db->h, "main");
    char stamp[32], *dst;
    time_t t = time(NULL);
    struct tm tm;
    int rc;

    if (path == NULL || *path == '\0')
        return 0; /* in memory (unit tests): nothing on disk to keep */
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    dst = mdt_xasprintf("%s.pre-v%d-%s", path, latest, stamp);
    if ((rc = mdt_backup_from(db->h, dst, 0, err)) < 0) {
        mdt_buf_printf(err, " (the backup before migrating from schema version %d; nothing was "
                            "changed)", have);
    } else {
        log_info("db: schema version %d, migrating to %d: backup first, in %s", have, latest, dst);
    }
    free(dst);
    return rc;
}

int mdt_db_migrate(struct mdt_db *db, int *applied, struct mdt_buf *err)
{
    int have = mdt_db_schema_version(db), latest = mdt_db_latest_version(), rc = 0;

    *applied = 0;
    if (have < 0) {
        mdt_buf_printf(err, "cannot read the schema version: %s", sqlite3_errmsg(db->h));
        return -EIO;
    }
    if (have > latest) {
        mdt_buf_printf(err, "the database has schema version %d but this mdtd knows only up to %d: "
                            "use a newer mdtd", have, latest);
        return -EPROTO;
    }
    /* A database that holds data is copied before its schema changes, so
     * a failed or regretted upgrade can be undone with mdtd restore. A
     * new, empty database (version 0) has nothing to keep. */
    if (have > 0 && have < latest && (rc = backup_before(db, have, latest, err)) < 0)
        return rc;
    for (const struct mdt_embed *e = mdt_schema; e->name; e++) {
        int n = migration_number(e->name);
        char pragma[64];

        if (n <= have)
            continue;
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", n);
        if ((rc = mdt_db_begin(db)) < 0 || (rc = exec(db, (const char *)e->start, e->name)) < 0 ||
            (rc = exec(db, pragma, "user_version")) < 0 || (rc = mdt_db_commit(db)) < 0) {
            mdt_buf_printf(err, "migration %s: %s", e->name, sqlite3_errmsg(db->h));
            mdt_db_rollback(db);
            return rc;
        }
        log_info("db: applied migration %s", e->name);
        (*applied)++;
    }
    return 0;
}

int64_t mdt_now(void)
{
    return (int64_t)time(NULL);
}

json_t *mdt_json_time(int64_t t)
{
    int64_t lo = 0, hi = 0;
    long off = 0;
    char s[40];
    size_t n = mdt_jsonw_fmt_time(s, t, &lo, &hi, &off);

    if (n == 0)
        return json_null();
    return json_stringn(s, n);
}

json_t *mdt_json_time_col(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return json_null();
    return mdt_json_time(sqlite3_column_int64(st, i));
}

json_t *mdt_json_text_col(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return json_null();
    return json_string((const char *)sqlite3_column_text(st, i));
}

void mdt_db_w_time(struct mdt_jsonw *w, sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        mdt_jsonw_null(w);
    else
        mdt_jsonw_time(w, sqlite3_column_int64(st, i));
}

void mdt_db_w_text(struct mdt_jsonw *w, sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);

    if (s == NULL)
        mdt_jsonw_null(w);
    else
        mdt_jsonw_strn(w, s, (size_t)sqlite3_column_bytes(st, i));
}

void mdt_db_w_ref(struct mdt_jsonw *w, sqlite3_stmt *st, int id_col, int name_col)
{
    int64_t id = sqlite3_column_int64(st, id_col);

    if (id == 0 || sqlite3_column_type(st, name_col) == SQLITE_NULL) {
        mdt_jsonw_null(w);
        return;
    }
    mdt_jsonw_obj_begin(w);
    MDT_JSONW_KEY(w, "id");
    mdt_jsonw_int(w, id);
    MDT_JSONW_KEY(w, "name");
    mdt_db_w_text(w, st, name_col);
    mdt_jsonw_obj_end(w);
}

/* Whether s is a compact JSON array of plain lower-case names, as
 * needs are stored (["debt","housing"]): then it is copied as it is. */
static int plain_name_array(const char *s, size_t n)
{
    size_t i = 1;

    if (n < 2 || s[0] != '[' || s[n - 1] != ']')
        return 0;
    if (n == 2)
        return 1;
    for (;;) {
        if (i >= n || s[i++] != '"')
            return 0;
        size_t start = i;
        while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
            i++;
        if (i == start || i >= n || s[i++] != '"' || i >= n)
            return 0;
        if (s[i] == ']')
            return i == n - 1;
        if (s[i++] != ',')
            return 0;
    }
}

void mdt_db_w_json(struct mdt_jsonw *w, sqlite3_stmt *st, int i)
{
    const char *s = (const char *)sqlite3_column_text(st, i);
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    json_t *j;
    char *d;

    if (s && plain_name_array(s, n)) {
        mdt_jsonw_raw(w, s, n);
        return;
    }
    j = s ? json_loadb(s, n, 0, NULL) : NULL;
    d = j ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    if (d)
        mdt_jsonw_raw(w, d, strlen(d));
    else
        mdt_jsonw_raw(w, "[]", 2);
    free(d);
    json_decref(j);
}
