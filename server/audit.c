/* The audit log: an append-only record of every change made through the
 * API (schema/0006-audit.sql). http.c records one entry for each change
 * that succeeded, so no handler has to remember to.
 *
 * Each entry is chained to the one before it: hash = SHA-256(previous
 * hash || canonical form of the entry), the first entry starting from 32
 * zero bytes. The canonical form writes every column in a fixed order,
 * each tagged and length-prefixed so that no two different entries give
 * the same bytes: "I<decimal>;" for a number, "S<length>:<bytes>" for a
 * text, "N" for NULL. Changing, inserting or removing a row (with the
 * triggers that refuse it dropped) breaks the chain at that row, and
 * mdt_audit_verify names it. Removing the newest rows cannot be seen
 * from the chain alone: the count and last hash of an earlier verify can
 * be kept elsewhere for that. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "log.h"
#include "mdtd.h"

#define HASH_LEN crypto_hash_sha256_BYTES

#define AUDIT_COLS "id, at, token_id, token_name, role, action, kind, object_id, status, hash"

static void canon_int(struct mdt_buf *b, sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        mdt_buf_addc(b, 'N');
    else
        mdt_buf_printf(b, "I%lld;", (long long)sqlite3_column_int64(st, col));
}

static void canon_text(struct mdt_buf *b, sqlite3_stmt *st, int col)
{
    const unsigned char *s;

    if (sqlite3_column_type(st, col) == SQLITE_NULL) {
        mdt_buf_addc(b, 'N');
        return;
    }
    s = sqlite3_column_text(st, col);
    mdt_buf_printf(b, "S%d:", sqlite3_column_bytes(st, col));
    mdt_buf_add(b, s, (size_t)sqlite3_column_bytes(st, col));
}

/* The hash of the row st is on (columns as AUDIT_COLS), chained to prev. */
static void row_hash(sqlite3_stmt *st, const unsigned char prev[HASH_LEN],
                     unsigned char out[HASH_LEN])
{
    crypto_hash_sha256_state h;
    struct mdt_buf b;

    /* Texts come from the route table and token names (at most 200
     * characters): far below the cap. */
    mdt_buf_init(&b, 8192);
    canon_int(&b, st, 0);
    canon_int(&b, st, 1);
    canon_int(&b, st, 2);
    canon_text(&b, st, 3);
    canon_text(&b, st, 4);
    canon_text(&b, st, 5);
    canon_text(&b, st, 6);
    canon_int(&b, st, 7);
    canon_int(&b, st, 8);
    crypto_hash_sha256_init(&h);
    crypto_hash_sha256_update(&h, prev, HASH_LEN);
    crypto_hash_sha256_update(&h, (const unsigned char *)mdt_buf_str(&b), b.len);
    crypto_hash_sha256_final(&h, out);
    mdt_buf_release(&b);
}

int mdt_audit_record(struct mdt_db *db, int64_t token_id, const char *action, const char *kind,
                     int64_t object_id, int status)
{
    unsigned char prev[HASH_LEN] = {0}, hash[HASH_LEN];
    sqlite3_stmt *st;
    int64_t id = 1;
    int rc, own_tx = sqlite3_get_autocommit(mdt_db_handle(db));

    MDT_REQUIRE(sodium_init() >= 0);
    /* Reading the last hash and adding the next row must not interleave
     * with another writer of the same file. */
    if (own_tx && (rc = mdt_db_begin(db)) < 0)
        return rc;
    if ((st = mdt_db_stmt(db, "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1")) == NULL) {
        rc = -EPROTO;
        goto out;
    }
    if ((rc = mdt_db_step(db, st)) < 0)
        goto out;
    if (rc == 1) {
        id = sqlite3_column_int64(st, 0) + 1;
        if (sqlite3_column_bytes(st, 1) == HASH_LEN)
            memcpy(prev, sqlite3_column_blob(st, 1), HASH_LEN);
        sqlite3_reset(st);
    }
    /* The values are selected first (the token's name and role joined
     * in), so the hash is computed from exactly what SQLite will store
     * and verify will read back. */
    st = mdt_db_stmt(db, "SELECT ?1, ?2, ?3, (SELECT name FROM tokens WHERE id = ?3), "
                         "(SELECT role FROM tokens WHERE id = ?3), ?4, ?5, ?6, ?7");
    if (st == NULL) {
        rc = -EPROTO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, mdt_now());
    if (token_id > 0)
        sqlite3_bind_int64(st, 3, token_id);
    sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
    if (kind)
        sqlite3_bind_text(st, 5, kind, -1, SQLITE_STATIC);
    if (object_id > 0)
        sqlite3_bind_int64(st, 6, object_id);
    sqlite3_bind_int(st, 7, status);
    if ((rc = mdt_db_step(db, st)) != 1) {
        rc = rc < 0 ? rc : -EPROTO;
        goto out;
    }
    row_hash(st, prev, hash);
    {
        sqlite3_stmt *ins = mdt_db_stmt(
            db, "INSERT INTO audit (" AUDIT_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
        if (ins == NULL) {
            sqlite3_reset(st);
            rc = -EPROTO;
            goto out;
        }
        for (int i = 0; i < 9; i++)
            sqlite3_bind_value(ins, i + 1, sqlite3_column_value(st, i));
        sqlite3_bind_blob(ins, 10, hash, HASH_LEN, SQLITE_TRANSIENT);
        rc = mdt_db_step(db, ins);
        sqlite3_reset(st);
        if (rc < 0)
            goto out;
    }
    if (own_tx && (rc = mdt_db_commit(db)) < 0)
        goto out;
    own_tx = 0;
    rc = 0;
out:
    if (own_tx)
        mdt_db_rollback(db);
    return rc;
}

int mdt_audit_verify(struct mdt_db *db, int64_t *entries, int64_t *broken, const char **why)
{
    unsigned char prev[HASH_LEN] = {0}, hash[HASH_LEN];
    sqlite3_stmt *st = mdt_db_stmt(db, "SELECT " AUDIT_COLS " FROM audit ORDER BY id");
    int64_t want = 1;
    int rc;

    *entries = 0;
    *broken = 0;
    *why = NULL;
    if (st == NULL)
        return -EPROTO;
    while ((rc = mdt_db_step(db, st)) == 1) {
        int64_t id = sqlite3_column_int64(st, 0);
        (*entries)++;
        if (*broken)
            continue;
        if (id != want) {
            *broken = id;
            *why = id > want ? "the entry before it is missing" : "out of sequence";
            continue;
        }
        row_hash(st, prev, hash);
        if (sqlite3_column_bytes(st, 9) != HASH_LEN ||
            sodium_memcmp(sqlite3_column_blob(st, 9), hash, HASH_LEN) != 0) {
            *broken = id;
            *why = "its hash does not match its contents and the entry before it";
            continue;
        }
        memcpy(prev, hash, HASH_LEN);
        want = id + 1;
    }
    return rc < 0 ? rc : 0;
}

/* Parses since: YYYY-MM-DD (midnight, local time) or an RFC 3339 time
 * YYYY-MM-DDTHH:MM:SS with Z or ±HH:MM. */
static int parse_since(const char *s, int64_t *out)
{
    struct tm tm = {0};
    int y, mo, d, h = 0, mi = 0, sec = 0, n = 0, oh = 0, om = 0;
    char sign = 0;
    time_t t;

    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
        return -EINVAL;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || y < 1970 || y > 9999)
        return -EINVAL;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    if (s[10] == '\0') {
        tm.tm_isdst = -1;
        if ((t = mktime(&tm)) == (time_t)-1)
            return -EINVAL;
        *out = t;
        return 0;
    }
    s += 10;
    if (sscanf(s, "T%2d:%2d:%2d%n", &h, &mi, &sec, &n) != 3 || n != 9 || h > 23 || mi > 59 ||
        sec > 60 || h < 0 || mi < 0 || sec < 0)
        return -EINVAL;
    s += 9;
    if (strcmp(s, "Z") != 0) {
        if ((s[0] != '+' && s[0] != '-') || sscanf(s + 1, "%2d:%2d%n", &oh, &om, &n) != 2 ||
            n != 5 || s[6] != '\0' || oh > 23 || om > 59 || oh < 0 || om < 0)
            return -EINVAL;
        sign = s[0];
    }
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    t = timegm(&tm);
    if (sign == '+')
        t -= oh * 3600 + om * 60;
    else if (sign == '-')
        t += oh * 3600 + om * 60;
    *out = t;
    return 0;
}

static int parse_count(const char *s, long long max, long long *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v > max)
        return -EINVAL;
    *out = v;
    return 0;
}

void mdt_h_audit_list(struct mdt_req *r)
{
    const char *since_s = mdt_req_query(r, "since"), *after_s = mdt_req_query(r, "after"),
               *limit_s = mdt_req_query(r, "limit");
    int64_t since = 0;
    long long after = 0, limit = 1000;
    char hex[HASH_LEN * 2 + 1];
    struct mdt_jsonw w;
    sqlite3_stmt *st;
    int rc;

    if (since_s && parse_since(since_s, &since) < 0) {
        mdt_reply_error(r, 400, "invalid", "since",
                        "since: must be a date YYYY-MM-DD or a time YYYY-MM-DDTHH:MM:SSZ");
        return;
    }
    if (after_s && parse_count(after_s, INT64_MAX, &after) < 0) {
        mdt_reply_error(r, 400, "invalid", "after", "after: must be an entry number");
        return;
    }
    if (limit_s && (parse_count(limit_s, 10000, &limit) < 0 || limit < 1)) {
        mdt_reply_error(r, 400, "invalid", "limit", "limit: must be 1 to 10000");
        return;
    }
    st = mdt_db_stmt(r->db, "SELECT " AUDIT_COLS " FROM audit WHERE at >= ?1 AND id > ?2 "
                            "ORDER BY id LIMIT ?3");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "audit entry");
        return;
    }
    sqlite3_bind_int64(st, 1, since);
    sqlite3_bind_int64(st, 2, after);
    sqlite3_bind_int64(st, 3, limit);
    mdt_jsonw_init(&w);
    mdt_jsonw_arr_begin(&w);
    while ((rc = mdt_db_step(r->db, st)) == 1) {
        mdt_jsonw_obj_begin(&w);
        MDT_JSONW_KEY(&w, "id");
        mdt_jsonw_int(&w, sqlite3_column_int64(st, 0));
        MDT_JSONW_KEY(&w, "at");
        mdt_db_w_time(&w, st, 1);
        MDT_JSONW_KEY(&w, "token");
        mdt_db_w_ref(&w, st, 2, 3);
        MDT_JSONW_KEY(&w, "role");
        mdt_db_w_text(&w, st, 4);
        MDT_JSONW_KEY(&w, "action");
        mdt_db_w_text(&w, st, 5);
        MDT_JSONW_KEY(&w, "kind");
        mdt_db_w_text(&w, st, 6);
        MDT_JSONW_KEY(&w, "object_id");
        if (sqlite3_column_type(st, 7) == SQLITE_NULL)
            mdt_jsonw_null(&w);
        else
            mdt_jsonw_int(&w, sqlite3_column_int64(st, 7));
        MDT_JSONW_KEY(&w, "status");
        mdt_jsonw_int(&w, sqlite3_column_int(st, 8));
        MDT_JSONW_KEY(&w, "hash");
        if (sqlite3_column_bytes(st, 9) == HASH_LEN) {
            sodium_bin2hex(hex, sizeof(hex), sqlite3_column_blob(st, 9), HASH_LEN);
            mdt_jsonw_str(&w, hex);
        } else {
            mdt_jsonw_null(&w);
        }
        mdt_jsonw_obj_end(&w);
    }
    if (rc < 0) {
        mdt_jsonw_release(&w);
        mdt_reply_errno(r, rc, NULL, "audit entry");
        return;
    }
    mdt_jsonw_arr_end(&w);
    mdt_reply_jsonw(r, 200, &w);
}

void mdt_h_audit_verify(struct mdt_req *r)
{
    int64_t entries, broken;
    const char *why;
    struct mdt_jsonw w;
    int rc;

    if ((rc = mdt_audit_verify(r->db, &entries, &broken, &why)) < 0) {
        mdt_reply_errno(r, rc, NULL, "audit entry");
        return;
    }
    if (broken)
        log_warnx("audit: the chain is broken at entry %lld: %s", (long long)broken, why);
    mdt_jsonw_init(&w);
    mdt_jsonw_obj_begin(&w);
    MDT_JSONW_KEY(&w, "ok");
    mdt_jsonw_bool(&w, broken == 0);
    mdt_jsonw_kint(&w, "entries", entries);
    MDT_JSONW_KEY(&w, "broken");
    if (broken) {
        mdt_jsonw_obj_begin(&w);
        mdt_jsonw_kint(&w, "id", broken);
        mdt_jsonw_kstr(&w, "reason", why);
        mdt_jsonw_obj_end(&w);
    } else {
        mdt_jsonw_null(&w);
    }
    mdt_jsonw_obj_end(&w);
    mdt_reply_jsonw(r, 200, &w);
}
