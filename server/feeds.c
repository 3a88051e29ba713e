/* Private calendar feeds: GET /v1/feeds/SECRET.ics gives, as one
 * METHOD:PUBLISH calendar (Outlook refuses to import a REQUEST), every
 * series and case slot the person is invited to, with the same UIDs as
 * the invites so that a client holding both sees one event.
 *
 * Only the SHA-256 of a feed secret is stored. Since a hash cannot be
 * shown again, POST /v1/people/{ref}/feed issues a new URL each time
 * (earlier ones keep working); .../feed/revoke deletes them all and
 * issues one new URL. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "ical.h"
#include "log.h"
#include "mdtd.h"
#include "xmalloc.h"

#define FEED_HEX 64

static int feed_person(struct mdt_db *db, const char *param, int64_t *person)
{
    unsigned char hash[crypto_hash_sha256_BYTES];
    size_t len = param ? strlen(param) : 0;
    sqlite3_stmt *st;
    int rc;

    if (len != FEED_HEX + 4 || strcmp(param + FEED_HEX, ".ics") != 0)
        return -ENOENT;
    for (size_t i = 0; i < FEED_HEX; i++)
        if (!((param[i] >= '0' && param[i] <= '9') || (param[i] >= 'a' && param[i] <= 'f')))
            return -ENOENT;
    crypto_hash_sha256(hash, (const unsigned char *)param, FEED_HEX);
    if ((st = mdt_db_stmt(db, "SELECT person_id FROM feed_secrets WHERE hash = ?1")) == NULL)
        return -EPROTO;
    sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
    if ((rc = mdt_db_step(db, st)) <= 0)
        return rc == 0 ? -ENOENT : rc;
    *person = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

/* One event of the feed, with the storage its pointers borrow. */
struct feed_ev {
    struct mdt_ical_event ev;
    int64_t series_id;
    char *strs[8];
    int64_t *ex;
    struct mdt_ical_override *ov;
};

static char *dup_col(sqlite3_stmt *st, int i)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    return v ? mdt_xstrdup((const char *)v) : NULL;
}

static void feed_ev_release(struct feed_ev *f)
{
    for (size_t i = 0; i < 8; i++)
        free(f->strs[i]);
    free(f->ex);
    free(f->ov);
}

/* The series' exceptions: cancelled occurrences and moved ones. */
static int load_exceptions(struct mdt_db *db, int64_t series_id, struct feed_ev *f)
{
    sqlite3_stmt *st =
        mdt_db_stmt(db, "SELECT recurrence_id, start_at, end_at, status FROM meetings "
                        "WHERE series_id = ?1 AND (status = 'cancelled' OR moved = 1) "
                        "ORDER BY recurrence_id");
    size_t nex = 0, nov = 0;
    int rc;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, series_id);
    while ((rc = mdt_db_step(db, st)) > 0) {
        if (strcmp((const char *)sqlite3_column_text(st, 3), "cancelled") == 0) {
            f->ex = mdt_xreallocarray(f->ex, nex + 1, sizeof(*f->ex));
            f->ex[nex++] = sqlite3_column_int64(st, 0);
        } else {
            f->ov = mdt_xreallocarray(f->ov, nov + 1, sizeof(*f->ov));
            f->ov[nov].recurrence_id = sqlite3_column_int64(st, 0);
            f->ov[nov].start = sqlite3_column_int64(st, 1);
            f->ov[nov].end = sqlite3_column_int64(st, 2);
            nov++;
        }
    }
    f->ev.exdates = f->ex, f->ev.n_exdates = nex;
    f->ev.overrides = f->ov, f->ev.n_overrides = nov;
    return rc;
}

void mdt_h_feed_get(struct mdt_req *r)
{
    int64_t person;
    struct feed_ev *fe = NULL;
    size_t n = 0;
    sqlite3_stmt *st;
    struct mdt_buf err;
    char *cal = NULL;
    int rc;

    mdt_buf_init(&err, 1024);
    if ((rc = feed_person(r->db, r->param, &person)) < 0) {
        mdt_reply_errno(r, rc, NULL, "feed");
        goto out;
    }
    /* Active invitations of active series; a case slot only while its
     * meeting is scheduled. */
    st = mdt_db_stmt(
        r->db, "SELECT s.id, s.uid, s.title, s.tz, s.rrule, s.dtstart, s.duration_min, s.url, "
               "s.sequence, c.email, c.name, i.case_id, m.start_at, cs.slot, s.slot_minutes, "
               "p.name FROM invitations i JOIN series s ON s.id = i.series_id "
               "JOIN pcns p ON p.id = s.pcn_id LEFT JOIN people c ON c.id = s.chair_id "
               "LEFT JOIN cases cs ON i.case_id != 0 AND cs.id = i.case_id "
               "LEFT JOIN meetings m ON m.id = cs.meeting_id AND m.series_id = s.id "
               "WHERE i.person_id = ?1 AND i.status = 'active' AND s.status = 'active' "
               "AND (i.case_id = 0 OR m.status = 'scheduled') ORDER BY s.id, i.case_id "
               "LIMIT 1000");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "feed");
        goto out;
    }
    sqlite3_bind_int64(st, 1, person);
    while ((rc = mdt_db_step(r->db, st)) > 0) {
        struct feed_ev *f;
        int64_t start, case_id = sqlite3_column_int64(st, 11);
        if (mdt_ical_local_to_utc((const char *)sqlite3_column_text(st, 3),
                                  (const char *)sqlite3_column_text(st, 5), &start) < 0)
            continue;
        fe = mdt_xreallocarray(fe, n + 1, sizeof(*fe));
        f = &fe[n++];
        memset(f, 0, sizeof(*f));
        f->series_id = sqlite3_column_int64(st, 0);
        f->strs[0] = dup_col(st, 1);
        f->strs[1] = dup_col(st, 2);
        f->strs[2] = dup_col(st, 3);
        f->strs[3] = dup_col(st, 4);
        f->strs[4] = dup_col(st, 7);
        f->strs[5] = dup_col(st, 9);
        f->strs[6] = dup_col(st, 10);
        f->ev.uid = f->strs[0];
        f->ev.summary = f->strs[1];
        f->ev.tz = f->strs[2];
        f->ev.rrule = f->strs[3];
        f->ev.location = f->strs[4];
        f->ev.description = f->strs[4];
        f->ev.sequence = sqlite3_column_int64(st, 8);
        f->ev.organizer_email = f->strs[5] ? f->strs[5] : r->cfg->smtp_from;
        f->ev.organizer_name = f->strs[6];
        f->ev.start = start;
        f->ev.end = start + 60 * sqlite3_column_int64(st, 6);
        if (case_id) {
            int64_t slot = sqlite3_column_int64(st, 13), mins = sqlite3_column_int64(st, 14);
            f->strs[7] = mdt_xasprintf("case-%lld.%s", (long long)case_id, f->strs[0]);
            f->ev.uid = f->strs[7];
            f->ev.rrule = NULL;
            f->ev.start = sqlite3_column_int64(st, 12) + (slot > 0 ? slot - 1 : 0) * 60 * mins;
            f->ev.end = f->ev.start + 60 * mins;
        }
        if (f->ev.organizer_email == NULL)
            f->ev.organizer_email = "mdtd@localhost";
    }
    if (rc < 0) {
        mdt_reply_errno(r, rc, NULL, "feed");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (fe[i].ev.rrule && (rc = load_exceptions(r->db, fe[i].series_id, &fe[i])) < 0)
            break;
    }
    if (rc < 0) {
        mdt_reply_errno(r, rc, NULL, "feed");
        goto out;
    }
    {
        struct mdt_ical_event *evs = mdt_xreallocarray(NULL, n ? n : 1, sizeof(*evs));
        for (size_t i = 0; i < n; i++)
            evs[i] = fe[i].ev;
        rc = mdt_ical_build(MDT_ICAL_PUBLISH, evs, n, mdt_now(), &cal, &err);
        free(evs);
    }
    if (rc < 0) {
        log_warnx("feeds: cannot build a feed: %s", mdt_buf_str(&err));
        mdt_reply_errno(r, -EPROTO, NULL, "feed");
        goto out;
    }
    {
        size_t len = strlen(cal);
        mdt_reply_raw(r, 200, "text/calendar; charset=utf-8", cal, len);
        cal = NULL;
    }
out:
    for (size_t i = 0; i < n; i++)
        feed_ev_release(&fe[i]);
    free(fe);
    free(cal);
    mdt_buf_release(&err);
}

/* A person of the path: id or email. */
static int64_t path_person(struct mdt_req *r)
{
    int64_t id = mdt_lookup_ref(r->db, r->param, MDT_SQL_PERSON_BY_ID, MDT_SQL_PERSON_BY_EMAIL);
    if (id < 0)
        mdt_reply_errno(r, (int)id, NULL, "person");
    return id;
}

static void feed_issue(struct mdt_req *r, int revoke)
{
    unsigned char raw[FEED_HEX / 2], hash[crypto_hash_sha256_BYTES];
    char secret[FEED_HEX + 1], base[512];
    int64_t person = path_person(r);
    sqlite3_stmt *st;
    struct mdt_jsonw w;
    struct mdt_buf url;
    int rc;

    if (person < 0)
        return;
    MDT_REQUIRE(sodium_init() >= 0);
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(secret, sizeof(secret), raw, sizeof(raw));
    sodium_memzero(raw, sizeof(raw));
    crypto_hash_sha256(hash, (const unsigned char *)secret, FEED_HEX);
    if ((rc = mdt_db_begin(r->db)) < 0)
        goto fail;
    if (revoke) {
        if ((st = mdt_db_stmt(r->db, "DELETE FROM feed_secrets WHERE person_id = ?1")) == NULL) {
            rc = -EPROTO;
            goto fail;
        }
        sqlite3_bind_int64(st, 1, person);
        if ((rc = mdt_db_step(r->db, st)) < 0)
            goto fail;
    }
    st = mdt_db_stmt(r->db,
                     "INSERT INTO feed_secrets (hash, person_id, created_at) VALUES (?1, ?2, ?3)");
    if (st == NULL) {
        rc = -EPROTO;
        goto fail;
    }
    sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, person);
    sqlite3_bind_int64(st, 3, mdt_now());
    if ((rc = mdt_db_step(r->db, st)) < 0 || (rc = mdt_db_commit(r->db)) < 0)
        goto fail;
    if (r->cfg->public_url && *r->cfg->public_url) {
        size_t len = strlen(r->cfg->public_url);
        snprintf(base, sizeof(base), "%.*s",
                 (int)(len && r->cfg->public_url[len - 1] == '/' ? len - 1 : len),
                 r->cfg->public_url);
    } else {
        snprintf(base, sizeof(base), "http://%s", r->cfg->listen ? r->cfg->listen : "localhost");
    }
    mdt_buf_init(&url, 2048);
    mdt_buf_printf(&url, "%s/v1/feeds/%s.ics", base, secret);
    sodium_memzero(secret, sizeof(secret));
    mdt_jsonw_init(&w);
    mdt_jsonw_obj_begin(&w);
    mdt_jsonw_kint(&w, "person", person);
    mdt_jsonw_kstr(&w, "url", mdt_buf_str(&url));
    MDT_JSONW_KEY(&w, "revoked_others");
    mdt_jsonw_bool(&w, revoke);
    mdt_jsonw_obj_end(&w);
    sodium_memzero(url.data, url.len);
    mdt_buf_release(&url);
    mdt_reply_jsonw(r, 201, &w);
    return;
fail:
    mdt_db_rollback(r->db);
    mdt_reply_errno(r, rc, NULL, "person");
}

void mdt_h_feed_url(struct mdt_req *r)
{
    feed_issue(r, 0);
}

void mdt_h_feed_revoke(struct mdt_req *r)
{
    feed_issue(r, 1);
}
