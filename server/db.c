/* The store: one SQLite connection, used only from the loop thread. Every
 * statement is short; WAL with synchronous=FULL means a write we answer
 * has reached the disk. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

struct mdt_db {
    sqlite3 *h;
    struct cached_stmt *cache;
    size_t ncache, acache;
    int depth;   /* mdt_db_begin calls not yet ended: one SQLite transaction */
    int doomed;  /* an inner level rolled back: the outermost end rolls back */
};

static void sqlite_log(void *arg, int code, const char *msg)
{
    (void)arg;
    /* Notices about recovered WAL and auto-indexes are routine, and so
     * are constraint failures: they become 409 answers. */
    if ((code & 0xff) == SQLITE_NOTICE || (code & 0xff) == SQLITE_WARNING ||
        (code & 0xff) == SQLITE_CONSTRAINT)
        log_debug("sqlite: (%d) %s", code, msg);
    else
        log_warnx("sqlite: (%d) %s", code, msg);
}

void mdt_db_global_init(void)
{
    /* Fails harmlessly (SQLITE_MISUSE) once SQLite is initialised. */
    sqlite3_config(SQLITE_CONFIG_LOG, sqlite_log, NULL);
}

int mdt_db_err(struct mdt_db *db, int rc, const char *what)
{
    const char *msg = db && db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc);

    switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        log_debug("db: %s: %s", what, msg);
        return -EEXIST;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        log_debug("db: %s: %s", what, msg);
        return -EBUSY;
    }
    /* Say what to do about it: SQLite's own message for a failed write
     * ("disk I/O error") does not. */
    switch (rc & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
        log_warnx("db: %s: %s (%d): the disk may be full or failing; changes are refused "
                  "until there is room, reads go on", what, msg, rc);
        break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
        log_warnx("db: %s: %s (%d): the database cannot be written (read-only file or file "
                  "system); changes are refused, reads go on", what, msg, rc);
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
    int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : mdt_db_err(db, rc, what);
}

int mdt_db_open(const char *path, int create, struct mdt_db **out, struct mdt_buf *err)
{
    struct mdt_db *db = mdt_xcalloc(1, sizeof(*db));
    int rc, flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;

    *out = NULL;
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
    if ((rc = sqlite3_open_v2(path, &db->h, flags, NULL)) != SQLITE_OK) {
        mdt_buf_printf(err, "%s: %s", path, db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
        rc = -EIO;
        goto out;
    }
    sqlite3_extended_result_codes(db->h, 1);
    sqlite3_busy_timeout(db->h, 1000);
    if ((rc = exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                       "PRAGMA foreign_keys=ON;", "pragmas")) < 0) {
        mdt_buf_printf(err, "%s: %s", path, sqlite3_errmsg(db->h));
        goto out;
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
    free(db);
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
    int rc = sqlite3_step(st);

    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return 0;
    }
    rc = mdt_db_err(db, sqlite3_extended_errcode(db->h), "step");
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
    if ((rc = exec(db, "BEGIN IMMEDIATE", "begin")) < 0)
        return rc;
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
