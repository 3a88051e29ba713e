/* Invites: one iMIP email (RFC 6047) per member of a series' list, each
 * naming only its recipient as ATTENDEE; updates and cancels that follow
 * the meetings code's changes; RSVP links and iMIP REPLY bodies; who is
 * coming and the quorum warning.
 *
 * A change to a series or its list writes (or re-arms) the series'
 * fan-out job (invite_jobs) inside the transaction of the change; the
 * messages are then composed and queued through the outbox by
 * mdt__invites_fanout_slice, run a slice at a time on the loop by
 * fanout.c, each slice marking the invitations it brings up to date in
 * its own transaction (docs/internals/OUTBOX.md). A single case's slot
 * invite is still queued in the change's own transaction. Each message
 * carries a fresh RSVP secret;
 * only its SHA-256 is stored (rsvp_links), so the database never holds a
 * working link. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ical.h"
#include "log.h"
#include "mdtd.h"
#include "xmalloc.h"

#define SECRET_HEX 64 /* 32 random bytes */
#define SLICE_MAX 64  /* recipients a fan-out slice looks at, at most */

/* A series as the calendar objects need it. Strings are owned. */
struct series_info {
    int64_t id, sequence, start, end, list_id, slot_minutes, invited_at;
    int cancelled;
    char *uid, *title, *tz, *rrule, *url, *pcn, *org_email, *org_name;
    int64_t *ex;
    size_t nex;
    struct mdt_ical_override *ov;
    size_t nov;
    struct mdt_ical_zones *zones; /* one truncated VTIMEZONE for every copy */
};

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    return v ? mdt_xstrdup((const char *)v) : NULL;
}

static void series_release(struct series_info *s)
{
    free(s->uid), free(s->title), free(s->tz), free(s->rrule), free(s->url), free(s->pcn);
    free(s->org_email), free(s->org_name), free(s->ex), free(s->ov);
    mdt_ical_zones_free(s->zones);
    memset(s, 0, sizeof(*s));
}

/* The organiser's address: the chair, else the sender of all mail (an
 * address alone, without a display name). */
static void organizer_from_config(struct series_info *s, const struct mdt_config *cfg)
{
    const char *from = cfg->smtp_from ? cfg->smtp_from : "mdtd@localhost";
    const char *lt = strchr(from, '<'), *gt = lt ? strchr(lt, '>') : NULL;

    if (lt && gt && gt > lt + 1)
        s->org_email = mdt_xstrndup(lt + 1, (size_t)(gt - lt - 1));
    else
        s->org_email = mdt_xstrdup(from);
}

static int series_load(struct mdt_db *db, const struct mdt_config *cfg, int64_t id,
                       struct series_info *s)
{
    sqlite3_stmt *st;
    int rc;

    memset(s, 0, sizeof(*s));
    st = mdt_db_stmt(db, "SELECT s.uid, s.title, s.tz, s.rrule, s.dtstart, s.duration_min, s.url, "
                         "s.sequence, s.status, s.list_id, s.slot_minutes, s.invited_at, p.name, "
                         "c.email, c.name FROM series s JOIN pcns p ON p.id = s.pcn_id "
                         "LEFT JOIN people c ON c.id = s.chair_id WHERE s.id = ?1");
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, id);
    if ((rc = mdt_db_step(db, st)) <= 0)
        return rc == 0 ? -ENOENT : rc;
    s->id = id;
    s->zones = mdt_ical_zones_new();
    s->uid = col_dup(st, 0);
    s->title = col_dup(st, 1);
    s->tz = col_dup(st, 2);
    s->rrule = col_dup(st, 3);
    rc = mdt_ical_local_to_utc(s->tz, (const char *)sqlite3_column_text(st, 4), &s->start);
    s->end = s->start + 60 * sqlite3_column_int64(st, 5);
    s->url = col_dup(st, 6);
    s->sequence = sqlite3_column_int64(st, 7);
    s->cancelled = strcmp((const char *)sqlite3_column_text(st, 8), "cancelled") == 0;
    s->list_id = sqlite3_column_int64(st, 9);
    s->slot_minutes = sqlite3_column_int64(st, 10);
    s->invited_at = sqlite3_column_int64(st, 11);
    s->pcn = col_dup(st, 12);
    s->org_email = col_dup(st, 13);
    s->org_name = col_dup(st, 14);
    sqlite3_reset(st);
    if (rc < 0) {
        log_warnx("invites: series %lld: its dtstart cannot be read", (long long)id);
        return -EPROTO;
    }
    if (s->org_email == NULL)
        organizer_from_config(s, cfg);
    /* Skipped or cancelled occurrences: EXDATE. Moved ones: overrides. */
    st = mdt_db_stmt(db, "SELECT recurrence_id, start_at, end_at, status, moved FROM meetings "
                         "WHERE series_id = ?1 AND (status = 'cancelled' OR moved = 1) "
                         "ORDER BY recurrence_id");
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, id);
    while ((rc = mdt_db_step(db, st)) > 0) {
        if (strcmp((const char *)sqlite3_column_text(st, 3), "cancelled") == 0) {
            s->ex = mdt_xrealloc(s->ex, (s->nex + 1) * sizeof(*s->ex));
            s->ex[s->nex++] = sqlite3_column_int64(st, 0);
        } else {
            s->ov = mdt_xrealloc(s->ov, (s->nov + 1) * sizeof(*s->ov));
            s->ov[s->nov].recurrence_id = sqlite3_column_int64(st, 0);
            s->ov[s->nov].start = sqlite3_column_int64(st, 1);
            s->ov[s->nov].end = sqlite3_column_int64(st, 2);
            s->nov++;
        }
    }
    return rc;
}

/* The case slot's UID: derived from the series' so that it is stable. */
static char *slot_uid(const struct series_info *s, int64_t case_id)
{
    size_t n = strlen(s->uid) + 32;
    char *u = mdt_xmalloc(n);
    snprintf(u, n, "case-%lld.%s", (long long)case_id, s->uid);
    return u;
}

static void event_init(struct mdt_ical_event *e, const struct series_info *s, const char *email,
                       const char *name, const char *description)
{
    memset(e, 0, sizeof(*e));
    e->uid = s->uid;
    e->sequence = s->sequence;
    e->tz = s->tz;
    e->start = s->start;
    e->end = s->end;
    e->rrule = s->rrule;
    e->exdates = s->ex, e->n_exdates = s->nex;
    e->overrides = s->ov, e->n_overrides = s->nov;
    e->summary = s->title;
    e->location = s->url;
    e->description = description;
    e->organizer_email = s->org_email;
    e->organizer_name = s->org_name;
    e->attendee_email = email;
    e->attendee_name = name;
}

static const char *public_url(const struct mdt_config *cfg, char *tmp, size_t n)
{
    if (cfg->public_url && *cfg->public_url) {
        size_t len = strlen(cfg->public_url);
        snprintf(tmp, n, "%.*s", (int)(len && cfg->public_url[len - 1] == '/' ? len - 1 : len),
                 cfg->public_url);
    } else {
        snprintf(tmp, n, "http://%s", cfg->listen ? cfg->listen : "localhost");
    }
    return tmp;
}

/* A new RSVP secret for invitation inv: its hash is stored, the secret
 * (hex, SECRET_HEX characters) written to out. */
static int rsvp_secret_new(struct mdt_db *db, int64_t inv, char out[SECRET_HEX + 1])
{
    unsigned char raw[SECRET_HEX / 2], hash[crypto_hash_sha256_BYTES];
    sqlite3_stmt *st;

    MDT_REQUIRE(sodium_init() >= 0);
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(out, SECRET_HEX + 1, raw, sizeof(raw));
    crypto_hash_sha256(hash, (const unsigned char *)out, SECRET_HEX);
    st = mdt_db_stmt(
        db, "INSERT INTO rsvp_links (hash, invitation_id, created_at) VALUES (?1, ?2, ?3)");
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, inv);
    sqlite3_bind_int64(st, 3, mdt_now());
    return mdt_db_step(db, st);
}

/* The invitation row for (series, person, case), created or made active
 * again; *id gets it. */
static int invitation_upsert(struct mdt_db *db, int64_t series_id, int64_t person_id,
                             int64_t case_id, int64_t *id)
{
    sqlite3_stmt *st;
    int rc;

    st = mdt_db_stmt(db,
                     "INSERT INTO invitations (series_id, person_id, case_id, created_at, "
                     "updated_at) VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (series_id, person_id, "
                     "case_id) DO UPDATE SET status = 'active', updated_at = ?4");
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, series_id);
    sqlite3_bind_int64(st, 2, person_id);
    sqlite3_bind_int64(st, 3, case_id);
    sqlite3_bind_int64(st, 4, mdt_now());
    if ((rc = mdt_db_step(db, st)) < 0)
        return rc;
    st = mdt_db_stmt(db, "SELECT id FROM invitations WHERE series_id = ?1 AND person_id = ?2 "
                         "AND case_id = ?3");
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, series_id);
    sqlite3_bind_int64(st, 2, person_id);
    sqlite3_bind_int64(st, 3, case_id);
    if ((rc = mdt_db_step(db, st)) <= 0)
        return rc == 0 ? -ENOENT : rc;
    *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

/* The slot of a case: its meeting's start plus the slots before it. */
struct slot {
    int64_t meeting_id, start, end;
    int scheduled; /* the case sits on a meeting that will happen */
};

static int slot_load(struct mdt_db *db, const struct series_info *s, int64_t case_id,
                     struct slot *out)
{
    sqlite3_stmt *st = mdt_db_stmt(db, "SELECT m.id, m.start_at, c.slot, m.status FROM cases c "
                                       "JOIN meetings m ON m.id = c.meeting_id WHERE c.id = ?1 "
                                       "AND m.series_id = ?2");
    int rc;

    memset(out, 0, sizeof(*out));
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, case_id);
    sqlite3_bind_int64(st, 2, s->id);
    if ((rc = mdt_db_step(db, st)) < 0)
        return rc;
    if (rc == 0)
        return 0;
    int64_t slot = sqlite3_column_type(st, 2) == SQLITE_NULL ? 1 : sqlite3_column_int64(st, 2);
    out->meeting_id = sqlite3_column_int64(st, 0);
    out->start = sqlite3_column_int64(st, 1) + (slot > 0 ? slot - 1 : 0) * 60 * s->slot_minutes;
    out->end = out->start + 60 * s->slot_minutes;
    out->scheduled =
        strcmp((const char *)sqlite3_column_text(st, 3), "cancelled") != 0 && !s->cancelled;
    sqlite3_reset(st);
    return 0;
}

/* Builds and queues one message to one person. case_id 0: the series;
 * else the case's slot (sl). method REQUEST or CANCEL. */
static int send_one(struct mdt_req *r, const struct series_info *s, int64_t person_id,
                    int64_t case_id, const struct slot *sl, enum mdt_ical_method method, int first,
                    int64_t seq)
{
    struct mdt_ical_event ev;
    struct mdt_buf text, desc, err, subject;
    char *email = NULL, *name = NULL, *cal = NULL, *uid = NULL, base[512], when[64];
    char secret[SECRET_HEX + 1], ref[64];
    struct slot *own_slot = NULL;
    int64_t inv = 0;
    sqlite3_stmt *st;
    int rc;

    mdt_buf_init(&text, 64 * 1024);
    mdt_buf_init(&desc, 8 * 1024);
    mdt_buf_init(&err, 1024);
    mdt_buf_init(&subject, 1024);
    st = mdt_db_stmt(r->db, "SELECT email, name FROM people WHERE id = ?1");
    if (st == NULL) {
        rc = -EPROTO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, person_id);
    if ((rc = mdt_db_step(r->db, st)) <= 0) {
        rc = rc == 0 ? -ENOENT : rc;
        goto out;
    }
    email = col_dup(st, 0);
    name = col_dup(st, 1);
    sqlite3_reset(st);
    if ((rc = invitation_upsert(r->db, s->id, person_id, case_id, &inv)) < 0)
        goto out;

    if (case_id && sl->start == 0) {
        /* The case left its meeting: the CANCEL names the slot last sent. */
        struct slot *known = mdt_xcalloc(1, sizeof(*known));
        st = mdt_db_stmt(r->db, "SELECT coalesce(sent_start, 0) FROM invitations WHERE id = ?1");
        if (st == NULL) {
            free(known);
            rc = -EPROTO;
            goto out;
        }
        sqlite3_bind_int64(st, 1, inv);
        if ((rc = mdt_db_step(r->db, st)) > 0) {
            known->start = sqlite3_column_int64(st, 0);
            sqlite3_reset(st);
        }
        known->end = known->start + 60 * s->slot_minutes;
        sl = own_slot = known;
        if (rc < 0)
            goto out;
    }
    mdt_buf_printf(&desc, "%s MDT meeting (%s).\nJoin online: %s\n", s->title, s->pcn, s->url);
    event_init(&ev, s, email, name, mdt_buf_str(&desc));
    ev.sequence = seq;
    if (case_id) {
        uid = slot_uid(s, case_id);
        ev.uid = uid;
        ev.rrule = NULL;
        ev.n_exdates = ev.n_overrides = 0;
        ev.start = sl->start;
        ev.end = sl->end;
    }
    if ((rc = mdt_ical_build_z(s->zones, method, &ev, 1, mdt_now(), &cal, &err)) < 0) {
        log_warnx("invites: series %lld: cannot build the invite: %s", (long long)s->id,
                  mdt_buf_str(&err));
        goto out;
    }

    public_url(r->cfg, base, sizeof(base));
    mdt_buf_printf(&text, "Dear %s,\r\n\r\n", name);
    if (method == MDT_ICAL_CANCEL) {
        mdt_buf_printf(&subject, "Cancelled: %s%s", case_id ? "your case slot at " : "", s->title);
        mdt_buf_printf(&text, "%s %s has been cancelled for you",
                       case_id ? "Your case slot at" : "The", s->title);
        if (case_id && sl->start)
            mdt_buf_printf(&text, " (%s, %s)",
                           mdt_ical_format_local(s->tz, sl->start, when, sizeof(when)), s->tz);
        mdt_buf_adds(&text, ". Your calendar removes it when you open the attached update.\r\n");
    } else {
        if (case_id)
            mdt_buf_printf(&subject, "%s: your case slot, %s", s->title,
                           mdt_ical_format_local(s->tz, sl->start, when, sizeof(when)));
        else
            mdt_buf_printf(&subject, "%s%s",
                           first ? "Invitation: " : "Updated invitation: ", s->title);
        if (case_id)
            mdt_buf_printf(&text,
                           "Your case is on the agenda of %s. Its slot: %s (%s), %lld minutes.\r\n",
                           s->title, mdt_ical_format_local(s->tz, sl->start, when, sizeof(when)),
                           s->tz, (long long)s->slot_minutes);
        else
            mdt_buf_printf(&text,
                           "You are invited to %s, the monthly MDT meeting of %s, "
                           "from %s (%s)%s.\r\n",
                           s->title, s->pcn,
                           mdt_ical_format_local(s->tz, s->start, when, sizeof(when)), s->tz,
                           first ? "" : ". The invitation has changed");
        mdt_buf_printf(&text, "Join online: %s\r\n\r\n", s->url);
        if ((rc = rsvp_secret_new(r->db, inv, secret)) < 0)
            goto out;
        mdt_buf_printf(&text,
                       "Will you come? Answer here (no sign-in needed):\r\n"
                       "  Yes:   %s/v1/rsvp/%s?answer=accepted\r\n"
                       "  No:    %s/v1/rsvp/%s?answer=declined\r\n"
                       "  Maybe: %s/v1/rsvp/%s?answer=tentative\r\n"
                       "This link is yours alone: please do not forward it.\r\n"
                       "Accepting the calendar invitation answers too.\r\n",
                       base, secret, base, secret, base, secret);
        sodium_memzero(secret, sizeof(secret));
    }
    snprintf(ref, sizeof(ref), case_id ? "case:%lld" : "series:%lld",
             (long long)(case_id ? case_id : s->id));
    struct mdt_mail m = {
        .to = email,
        .to_name = name,
        .subject = mdt_buf_str(&subject),
        .text = mdt_buf_str(&text),
        .calendar = cal,
        .method = method == MDT_ICAL_CANCEL ? "CANCEL" : "REQUEST",
        .ref = ref,
    };
    if ((rc = mdt_outbox_add_mail(r->db, r->cfg, &m, NULL)) < 0)
        goto out;
    st = mdt_db_stmt(r->db, "UPDATE invitations SET sent_sequence = ?2, updated_at = ?3, "
                            "status = ?4, sent_start = ?5 WHERE id = ?1");
    if (st == NULL) {
        rc = -EPROTO;
        goto out;
    }
    sqlite3_bind_int64(st, 1, inv);
    sqlite3_bind_int64(st, 2, seq);
    if (case_id)
        sqlite3_bind_int64(st, 5, sl->start);
    else
        sqlite3_bind_null(st, 5);
    sqlite3_bind_int64(st, 3, mdt_now());
    sqlite3_bind_text(st, 4, method == MDT_ICAL_CANCEL ? "cancelled" : "active", -1, SQLITE_STATIC);
    if ((rc = mdt_db_step(r->db, st)) < 0)
        goto out;
    if (method == MDT_ICAL_CANCEL) {
        /* The links of a cancelled invitation stop working. */
        st = mdt_db_stmt(r->db, "DELETE FROM rsvp_links WHERE invitation_id = ?1");
        if (st == NULL) {
            rc = -EPROTO;
            goto out;
        }
        sqlite3_bind_int64(st, 1, inv);
        if ((rc = mdt_db_step(r->db, st)) < 0)
            goto out;
    }
    rc = 0;
out:
    free(email), free(name), free(uid);
    free(own_slot);
    free(cal);
    mdt_buf_release(&text);
    mdt_buf_release(&desc);
    mdt_buf_release(&err);
    mdt_buf_release(&subject);
    return rc;
}

/* Ids from a one-column query bound with a and b: collected first, so
 * that sending (which runs other statements) never interleaves with it. */
static int collect_ids(struct mdt_db *db, const char *sql, int64_t a, int64_t b, int64_t **ids,
                       size_t *n)
{
    sqlite3_stmt *st = mdt_db_stmt(db, sql);
    int rc;

    *ids = NULL, *n = 0;
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    while ((rc = mdt_db_step(db, st)) > 0) {
        *ids = mdt_xrealloc(*ids, (*n + 1) * sizeof(**ids));
        (*ids)[(*n)++] = sqlite3_column_int64(st, 0);
    }
    return rc;
}

/* Whether person is on the list. */
static int is_member(struct mdt_db *db, int64_t list_id, int64_t person_id)
{
    sqlite3_stmt *st =
        mdt_db_stmt(db, "SELECT 1 FROM list_members WHERE list_id = ?1 AND person_id = ?2");
    int rc;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, list_id);
    sqlite3_bind_int64(st, 2, person_id);
    rc = mdt_db_step(db, st);
    if (rc > 0)
        sqlite3_reset(st);
    return rc;
}

/* The invitation's status: 1 active, 0 cancelled, -ENOENT none. */
static int invitation_active(struct mdt_db *db, int64_t series_id, int64_t person_id,
                             int64_t case_id)
{
    sqlite3_stmt *st =
        mdt_db_stmt(db, "SELECT status = 'active' FROM invitations WHERE series_id = ?1 "
                        "AND person_id = ?2 AND case_id = ?3");
    int rc;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, series_id);
    sqlite3_bind_int64(st, 2, person_id);
    sqlite3_bind_int64(st, 3, case_id);
    if ((rc = mdt_db_step(db, st)) <= 0)
        return rc == 0 ? -ENOENT : rc;
    rc = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return rc;
}

/* One case's slot invite, as its state says (on a scheduled meeting:
 * REQUEST; taken off or cancelled: CANCEL when one was sent). Nothing
 * when the holder has this slot at this time already: the meetings code
 * may report one change by more than one path. A slot's SEQUENCE grows
 * with every message, even when the series' did not (a case moved on). */
static int case_sync(struct mdt_req *r, const struct series_info *s, int64_t case_id,
                     int64_t holder_id)
{
    sqlite3_stmt *st;
    struct slot sl;
    int rc, active = -1;
    int64_t sent_seq = -1, sent_start = 0, seq;

    if ((rc = slot_load(r->db, s, case_id, &sl)) < 0)
        return rc;
    st = mdt_db_stmt(r->db,
                     "SELECT status = 'active', sent_sequence, coalesce(sent_start, 0) "
                     "FROM invitations WHERE series_id = ?1 AND person_id = ?2 AND case_id = ?3");
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, s->id);
    sqlite3_bind_int64(st, 2, holder_id);
    sqlite3_bind_int64(st, 3, case_id);
    if ((rc = mdt_db_step(r->db, st)) < 0)
        return rc;
    if (rc > 0) {
        active = sqlite3_column_int(st, 0);
        sent_seq = sqlite3_column_int64(st, 1);
        sent_start = sqlite3_column_int64(st, 2);
        sqlite3_reset(st);
    }
    seq = sent_seq >= s->sequence ? sent_seq + 1 : s->sequence;
    if (sl.scheduled) {
        if (active == 1 && sent_start == sl.start && sent_seq >= s->sequence)
            return 0;
        return send_one(r, s, holder_id, case_id, &sl, MDT_ICAL_REQUEST, active < 0, seq);
    }
    if (active == 1)
        return send_one(r, s, holder_id, case_id, &sl, MDT_ICAL_CANCEL, 0, seq);
    return 0;
}

/* The SEQUENCE a slot's next message carries: past the last one sent and
 * never below the series'. */
static int64_t slot_next_sequence(struct mdt_db *db, const struct series_info *s, int64_t person_id,
                                  int64_t case_id)
{
    sqlite3_stmt *st = mdt_db_stmt(db, "SELECT sent_sequence FROM invitations WHERE series_id = ?1 "
                                       "AND person_id = ?2 AND case_id = ?3");
    int64_t sent = -1;

    if (st) {
        sqlite3_bind_int64(st, 1, s->id);
        sqlite3_bind_int64(st, 2, person_id);
        sqlite3_bind_int64(st, 3, case_id);
        if (mdt_db_step(db, st) > 0) {
            sent = sqlite3_column_int64(st, 0);
            sqlite3_reset(st);
        }
    }
    return sent >= s->sequence ? sent + 1 : s->sequence;
}

int mdt_invites_case_changed(struct mdt_req *r, int64_t case_id)
{
    sqlite3_stmt *st;
    struct series_info s;
    int64_t series_id = 0, holder = 0, *inv = NULL;
    size_t ninv = 0;
    int rc;

    /* The series the case sits in now, else the one it was invited to. */
    st = mdt_db_stmt(r->db, "SELECT m.series_id, c.holder_id FROM cases c LEFT JOIN meetings m "
                            "ON m.id = c.meeting_id WHERE c.id = ?1");
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, case_id);
    if ((rc = mdt_db_step(r->db, st)) <= 0)
        return rc == 0 ? -ENOENT : rc;
    series_id = sqlite3_column_int64(st, 0);
    holder = sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    /* Slot invites sent for other series (the case moved on): cancel. */
    if ((rc = collect_ids(r->db,
                          "SELECT series_id FROM invitations WHERE case_id = ?1 "
                          "AND status = 'active' AND series_id != ?2",
                          case_id, series_id, &inv, &ninv)) < 0)
        goto out;
    for (size_t i = 0; i < ninv; i++) {
        if ((rc = series_load(r->db, r->cfg, inv[i], &s)) < 0)
            goto out;
        int64_t *people = NULL;
        size_t np = 0;
        rc = collect_ids(r->db,
                         "SELECT person_id FROM invitations WHERE case_id = ?1 "
                         "AND series_id = ?2 AND status = 'active'",
                         case_id, inv[i], &people, &np);
        struct slot none = {0, 0, 0, 0};
        for (size_t j = 0; rc >= 0 && j < np; j++)
            rc = send_one(r, &s, people[j], case_id, &none, MDT_ICAL_CANCEL, 0,
                          slot_next_sequence(r->db, &s, people[j], case_id));
        free(people);
        series_release(&s);
        if (rc < 0)
            goto out;
    }
    rc = 0;
    if (series_id == 0 || holder == 0)
        goto out;
    if ((rc = series_load(r->db, r->cfg, series_id, &s)) < 0)
        goto out;
    if (s.invited_at)
        rc = case_sync(r, &s, case_id, holder);
    series_release(&s);
out:
    free(inv);
    return rc;
}

/* What the fan-out needs of a series without building its calendar. */
struct series_state {
    int64_t invited_at, sequence, list_id;
    int cancelled;
};

static int series_state_load(struct mdt_db *db, int64_t id, struct series_state *ss)
{
    sqlite3_stmt *st = mdt_db_stmt(db, "SELECT coalesce(invited_at, 0), sequence, "
                                       "status = 'cancelled', list_id FROM series WHERE id = ?1");
    int rc;

    memset(ss, 0, sizeof(*ss));
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, id);
    if ((rc = mdt_db_step(db, st)) <= 0)
        return rc == 0 ? -ENOENT : rc;
    ss->invited_at = sqlite3_column_int64(st, 0);
    ss->sequence = sqlite3_column_int64(st, 1);
    ss->cancelled = sqlite3_column_int(st, 2);
    ss->list_id = sqlite3_column_int64(st, 3);
    sqlite3_reset(st);
    return 0;
}

/* The people of a series whose invitation is not up to date, after a
 * cursor: ?1 series, ?2 list, ?3 cursor (person id), ?4 the series'
 * SEQUENCE, ?5 how many. Members without this version (or without an
 * active invitation), then holders of an active invitation who left the
 * list (a CANCEL). A cancelled series: every active invitation. */
#define MEMBERS_DUE_SQL                                                                            \
    "SELECT m.person_id FROM list_members m LEFT JOIN invitations i ON i.series_id = ?1 "          \
    "AND i.person_id = m.person_id AND i.case_id = 0 WHERE m.list_id = ?2 AND m.person_id > ?3 "   \
    "AND (i.id IS NULL OR i.status != 'active' OR i.sent_sequence < ?4) ORDER BY m.person_id "     \
    "LIMIT ?5"
#define LEAVERS_DUE_SQL                                                                            \
    "SELECT i.person_id FROM invitations i WHERE i.series_id = ?1 AND i.person_id > ?3 "           \
    "AND i.case_id = 0 AND i.status = 'active' AND ?4 = ?4 AND NOT EXISTS (SELECT 1 FROM "          \
    "list_members m WHERE m.list_id = ?2 AND m.person_id = i.person_id) ORDER BY i.person_id "     \
    "LIMIT ?5"
#define PEOPLE_CANCEL_SQL                                                                          \
    "SELECT person_id FROM invitations WHERE series_id = ?1 AND case_id = 0 AND status = 'active' " \
    "AND person_id > ?3 AND ?2 = ?2 AND ?4 = ?4 ORDER BY person_id LIMIT ?5"
/* Cases with a holder on a coming meeting of ?1 (at ?2), or with an
 * active slot invite, after the cursor ?3; ?4 how many. */
#define CASES_DUE_SQL                                                                              \
    "SELECT id FROM (SELECT c.id AS id FROM cases c JOIN meetings m ON m.id = c.meeting_id "       \
    "WHERE m.series_id = ?1 AND c.holder_id IS NOT NULL AND m.end_at > ?2 UNION SELECT case_id "  \
    "FROM invitations WHERE series_id = ?1 AND case_id != 0 AND status = 'active') "              \
    "WHERE id > ?3 ORDER BY id LIMIT ?4"

/* Up to max ids of one query (bound like MEMBERS_DUE_SQL) into ids. */
static int due_ids(struct mdt_db *db, const char *sql, int64_t series_id,
                   const struct series_state *ss, int64_t cursor, int64_t max, int64_t *ids,
                   size_t *n)
{
    sqlite3_stmt *st = mdt_db_stmt(db, sql);
    int rc;

    *n = 0;
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, series_id);
    sqlite3_bind_int64(st, 2, ss->list_id);
    sqlite3_bind_int64(st, 3, cursor);
    sqlite3_bind_int64(st, 4, ss->sequence);
    sqlite3_bind_int64(st, 5, max);
    while ((rc = mdt_db_step(db, st)) > 0)
        if (*n < (size_t)max)
            ids[(*n)++] = sqlite3_column_int64(st, 0);
    return rc;
}

/* Up to max (<= SLICE_MAX) people whose invitation is not up to date,
 * after cursor, in person order: members without this version (or
 * without an active invitation) and holders of an active invitation who
 * left the list (a CANCEL); every active invitation when the series is
 * cancelled. Two index-ordered queries merged here: one query with a
 * UNION had to sort everything after the cursor at every slice. */
static int people_due(struct mdt_db *db, int64_t series_id, const struct series_state *ss,
                      int64_t cursor, int64_t max, int64_t *ids, size_t *n)
{
    int64_t a[SLICE_MAX], b[SLICE_MAX];
    size_t na = 0, nb = 0, i = 0, j = 0;
    int rc;

    *n = 0;
    if (ss->cancelled)
        return due_ids(db, PEOPLE_CANCEL_SQL, series_id, ss, cursor, max, ids, n);
    if ((rc = due_ids(db, MEMBERS_DUE_SQL, series_id, ss, cursor, max, a, &na)) < 0 ||
        (rc = due_ids(db, LEAVERS_DUE_SQL, series_id, ss, cursor, max, b, &nb)) < 0)
        return rc;
    while (*n < (size_t)max && (i < na || j < nb))
        ids[(*n)++] = j >= nb || (i < na && a[i] < b[j]) ? a[i++] : b[j++];
    return 0;
}

/* Arms the series' fan-out job inside the caller's transaction: a new
 * pending job, or the pending one started over for the new version.
 * *job (optional) gets its id. */
static int job_arm(struct mdt_db *db, int64_t series_id, const struct series_state *ss,
                   int64_t *job)
{
    sqlite3_stmt *st = mdt_db_stmt(
        db, "INSERT INTO invite_jobs (series_id, sequence, kind, created_at, updated_at) "
            "VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT (series_id) WHERE state = 'pending' "
            "DO UPDATE SET sequence = ?2, kind = ?3, phase = 'people', cursor = 0, updated_at = ?4");
    int rc;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, series_id);
    sqlite3_bind_int64(st, 2, ss->sequence);
    sqlite3_bind_text(st, 3, ss->cancelled ? "CANCEL" : "REQUEST", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, mdt_now());
    if ((rc = mdt_db_step(db, st)) < 0)
        return rc;
    if (job == NULL)
        return 0;
    st = mdt_db_stmt(db, "SELECT id FROM invite_jobs WHERE series_id = ?1 AND state = 'pending'");
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, series_id);
    if ((rc = mdt_db_step(db, st)) <= 0)
        return rc == 0 ? -ENOENT : rc;
    *job = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

int mdt_invites_series_changed(struct mdt_req *r, int64_t series_id)
{
    struct series_state ss;
    int rc;

    if ((rc = series_state_load(r->db, series_id, &ss)) < 0)
        return rc;
    if (ss.invited_at == 0)
        return 0; /* before the first `invite send`: nothing to follow */
    return job_arm(r->db, series_id, &ss, NULL);
}

int mdt_invites_member_changed(struct mdt_req *r, int64_t list_id, int64_t person_id, int added)
{
    int64_t *series = NULL;
    size_t n = 0;
    int rc;

    (void)added;     /* the list as it is when the job runs decides */
    (void)person_id; /* the job finds who is due */
    rc = collect_ids(r->db,
                     "SELECT id FROM series WHERE list_id = ?1 AND invited_at IS NOT NULL "
                     "AND status = 'active' AND ?2 = ?2 ORDER BY id",
                     list_id, 0, &series, &n);
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        struct series_state ss;
        if ((rc = series_state_load(r->db, series[i], &ss)) == 0)
            rc = job_arm(r->db, series[i], &ss, NULL);
    }
    free(series);
    return rc < 0 ? rc : 0;
}

/* One person of the series brought up to date (a row of people_due). */
static int person_sync(struct mdt_req *r, const struct series_info *s, int64_t person_id)
{
    int member = is_member(r->db, s->list_id, person_id);
    int active = invitation_active(r->db, s->id, person_id, 0);

    if (member < 0)
        return member;
    if (active < 0 && active != -ENOENT)
        return active;
    if (s->cancelled)
        return active == 1 ? send_one(r, s, person_id, 0, NULL, MDT_ICAL_CANCEL, 0, s->sequence)
                           : 0;
    if (member)
        return send_one(r, s, person_id, 0, NULL, MDT_ICAL_REQUEST, active != 1, s->sequence);
    if (active == 1)
        return send_one(r, s, person_id, 0, NULL, MDT_ICAL_CANCEL, 0, s->sequence);
    return 0;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Errors that say the database cannot be written now (full disk, I/O,
 * busy): a slice failing with one is tried again later. Any other error
 * is the data's own and would come back at every try. */
static int store_down(int rc)
{
    return rc == -ENOSPC || rc == -EROFS || rc == -EIO || rc == -EAGAIN || rc == -ENOMEM;
}

/* One recipient inside a savepoint: a message that cannot be composed
 * for them (-EINVAL: a bad address, or any error of their own data) is
 * skipped and logged, so that one recipient never holds up the rest of
 * the list. */
static int one_guarded(struct mdt_req *r, const struct series_info *s, int is_case, int64_t id,
                       int *queued)
{
    sqlite3 *h = mdt_db_handle(r->db);
    int64_t before;
    int rc;

    if (sqlite3_exec(h, "SAVEPOINT fanout_one", NULL, NULL, NULL) != SQLITE_OK)
        return mdt_db_err(r->db, sqlite3_errcode(h), "fan-out savepoint");
    before = sqlite3_total_changes64(h);
    if (is_case) {
        sqlite3_stmt *st = mdt_db_stmt(r->db, "SELECT holder_id FROM cases WHERE id = ?1");
        int64_t holder = 0;
        rc = st ? 0 : -EPROTO;
        if (st) {
            sqlite3_bind_int64(st, 1, id);
            if ((rc = mdt_db_step(r->db, st)) > 0) {
                holder = sqlite3_column_int64(st, 0);
                sqlite3_reset(st);
            }
        }
        if (rc >= 0 && holder)
            rc = case_sync(r, s, id, holder);
    } else {
        rc = person_sync(r, s, id);
    }
    if (rc < 0 && !store_down(rc)) {
        log_warnx("invites: series %lld: %s %lld: the message cannot be composed (%s): skipped",
                  (long long)s->id, is_case ? "case" : "person", (long long)id, strerror(-rc));
        sqlite3_exec(h, "ROLLBACK TO fanout_one", NULL, NULL, NULL);
        rc = 0;
    } else if (rc >= 0 && sqlite3_total_changes64(h) != before) {
        (*queued)++;
    }
    sqlite3_exec(h, "RELEASE fanout_one", NULL, NULL, NULL);
    return rc < 0 ? rc : 0;
}


/* Slices commit with synchronous=NORMAL: an fsync per slice cost 5 ms on
 * average (23 ms at worst) on the loop, more than the slice's own work.
 * A process crash loses nothing in WAL mode; a power cut may lose the
 * last slices (the job row itself was committed with FULL by the change,
 * and any later FULL commit makes them durable), which are then done
 * again at the next start. */
static void slice_sync(struct mdt_db *db, int relaxed)
{
    sqlite3_exec(mdt_db_handle(db),
                 relaxed ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL", NULL, NULL,
                 NULL);
}

int mdt__invites_fanout_slice(struct mdt_db *db, const struct mdt_config *cfg, uint64_t budget_ns,
                              int *queued)
{
    struct mdt_req r = {.db = db, .cfg = cfg};
    struct series_info s;
    struct series_state ss;
    int64_t job, series_id, cursor, ids[SLICE_MAX];
    size_t n = 0, done = 0;
    int rc, cases, finished = 0;
    uint64_t t0 = mono_ns(), t_load = 0, t_compose;
    sqlite3_stmt *st;

    *queued = 0;
    memset(&s, 0, sizeof(s));
    if (cfg->smtp_from == NULL)
        return 0; /* nothing can be composed: the jobs wait for smtp_from */
    slice_sync(db, 1);
    if ((rc = mdt_db_begin(db)) < 0) {
        slice_sync(db, 0);
        return rc;
    }
    st = mdt_db_stmt(db, "SELECT id, series_id, phase = 'cases', cursor FROM invite_jobs "
                         "WHERE state = 'pending' ORDER BY id LIMIT 1");
    if (st == NULL) {
        rc = -EPROTO;
        goto fail;
    }
    if ((rc = mdt_db_step(db, st)) <= 0) {
        mdt_db_rollback(db);
        slice_sync(db, 0);
        return rc;
    }
    job = sqlite3_column_int64(st, 0);
    series_id = sqlite3_column_int64(st, 1);
    cases = sqlite3_column_int(st, 2);
    cursor = sqlite3_column_int64(st, 3);
    sqlite3_reset(st);
    if ((rc = series_state_load(db, series_id, &ss)) < 0 && rc != -ENOENT)
        goto fail;
    if (rc == -ENOENT || ss.invited_at == 0) {
        finished = 1;
        goto record;
    }
    if ((rc = series_load(db, cfg, series_id, &s)) < 0) {
        if (store_down(rc))
            goto fail;
        /* a series that cannot be read would fail at every try */
        log_warnx("invites: series %lld: cannot be read (%s): fan-out job %lld abandoned",
                  (long long)series_id, strerror(-rc), (long long)job);
        finished = 1;
        goto record;
    }
    t_load = mono_ns();
    for (;;) {
        if (done == n) {
            if (n > 0 && n < SLICE_MAX) {
                /* the last batch of this phase is done */
                if (cases)
                    finished = 1;
                else
                    cases = 1, cursor = 0;
                break;
            }
            if (cases) {
                if ((st = mdt_db_stmt(db, CASES_DUE_SQL)) == NULL) {
                    rc = -EPROTO;
                    goto fail;
                }
                sqlite3_bind_int64(st, 1, series_id);
                sqlite3_bind_int64(st, 2, mdt_now());
                sqlite3_bind_int64(st, 3, cursor);
                sqlite3_bind_int64(st, 4, SLICE_MAX);
                n = 0;
                while ((rc = mdt_db_step(db, st)) > 0)
                    if (n < SLICE_MAX)
                        ids[n++] = sqlite3_column_int64(st, 0);
            } else {
                rc = people_due(db, series_id, &ss, cursor, SLICE_MAX, ids, &n);
            }
            if (rc < 0)
                goto fail;
            done = 0;
            if (n == 0) {
                if (cases)
                    finished = 1;
                else
                    cases = 1, cursor = 0;
                break;
            }
        }
        if ((rc = one_guarded(&r, &s, cases, ids[done], queued)) < 0)
            goto fail;
        cursor = ids[done++];
        if (mono_ns() - t0 >= budget_ns)
            break;
    }
record:
    st = mdt_db_stmt(db, "UPDATE invite_jobs SET phase = ?2, cursor = ?3, queued = queued + ?4, "
                         "state = ?5, updated_at = ?6, done_at = ?7 WHERE id = ?1");
    if (st == NULL) {
        rc = -EPROTO;
        goto fail;
    }
    sqlite3_bind_int64(st, 1, job);
    sqlite3_bind_text(st, 2, cases ? "cases" : "people", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, finished ? 0 : cursor);
    sqlite3_bind_int64(st, 4, *queued);
    sqlite3_bind_text(st, 5, finished ? "done" : "pending", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, mdt_now());
    if (finished)
        sqlite3_bind_int64(st, 7, mdt_now());
    else
        sqlite3_bind_null(st, 7);
    t_compose = mono_ns();
    if ((rc = mdt_db_step(db, st)) < 0 || (rc = mdt_db_commit(db)) < 0)
        goto fail;
    slice_sync(db, 0);
    log_debug("invites: fan-out slice: %d queued; load %.2f ms, compose %.2f ms, commit %.2f ms",
              *queued, t_load ? (double)(t_load - t0) / 1e6 : 0.0,
              t_load ? (double)(t_compose - t_load) / 1e6 : 0.0,
              (double)(mono_ns() - t_compose) / 1e6);
    if (finished)
        log_info("invites: series %lld: fan-out job %lld done", (long long)series_id,
                 (long long)job);
    series_release(&s);
    return 1;
fail:
    mdt_db_rollback(db);
    slice_sync(db, 0);
    series_release(&s);
    *queued = 0;
    return rc < 0 ? rc : -EPROTO;
}

int mdt_invites_members_changed(struct mdt_req *r, int64_t list_id, json_t *added, json_t *removed)
{
    /* One job per series covers every person added or removed. */
    if (json_array_size(added) == 0 && json_array_size(removed) == 0)
        return 0;
    return mdt_invites_member_changed(r, list_id, 0, 1);
}

/* {id} of the path: a positive decimal id. */
static int64_t path_id(struct mdt_req *r, const char *what)
{
    const char *p = r->param;
    int64_t v = 0;

    if (p == NULL || *p == '\0' || strlen(p) > 18) {
        mdt_reply_error(r, 404, "not_found", NULL, "no such %s", what);
        return -1;
    }
    for (; *p; p++) {
        if (*p < '0' || *p > '9') {
            mdt_reply_error(r, 404, "not_found", NULL, "no such %s", what);
            return -1;
        }
        v = v * 10 + (*p - '0');
    }
    return v;
}

/* The count(*) of a query bound like MEMBERS_DUE_SQL (no limit). */
static int count_due(struct mdt_db *db, const char *sql, int64_t series_id,
                     const struct series_state *ss, int64_t *n)
{
    sqlite3_stmt *st = mdt_db_stmt(db, sql);
    int rc;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, series_id);
    sqlite3_bind_int64(st, 2, ss->list_id);
    sqlite3_bind_int64(st, 3, 0);
    sqlite3_bind_int64(st, 4, ss->sequence);
    sqlite3_bind_int64(st, 5, -1);
    if ((rc = mdt_db_step(db, st)) <= 0)
        return rc == 0 ? -EPROTO : rc;
    *n = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

/* POST /v1/series/{id}/invites: marks the series invited and writes its
 * fan-out job in one short transaction; the messages are composed and
 * queued by the fan-out runner afterwards (fanout.c). The answer says
 * how many people the job will send to. */
/* GET /v1/invite-jobs/{id}: how far a fan-out has got (for progress). */
void mdt_h_invite_job_get(struct mdt_req *r)
{
    int64_t id = path_id(r, "invite job");
    sqlite3_stmt *st;
    struct mdt_jsonw w;
    int rc;

    if (id < 0)
        return;
    st = mdt_db_stmt(r->db, "SELECT series_id, sequence, kind, state, queued, created_at, done_at "
                            "FROM invite_jobs WHERE id = ?1");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "invite job");
        return;
    }
    sqlite3_bind_int64(st, 1, id);
    if ((rc = mdt_db_step(r->db, st)) != 1) {
        if (rc == 0)
            mdt_reply_error(r, 404, "not_found", NULL, "no such invite job");
        else
            mdt_reply_errno(r, rc, NULL, "invite job");
        return;
    }
    mdt_jsonw_init(&w);
    mdt_jsonw_obj_begin(&w);
    mdt_jsonw_kint(&w, "id", id);
    mdt_jsonw_kint(&w, "series", sqlite3_column_int64(st, 0));
    mdt_jsonw_kint(&w, "sequence", sqlite3_column_int64(st, 1));
    mdt_jsonw_kstr(&w, "kind", (const char *)sqlite3_column_text(st, 2));
    mdt_jsonw_kstr(&w, "state", (const char *)sqlite3_column_text(st, 3));
    mdt_jsonw_kint(&w, "queued", sqlite3_column_int64(st, 4));
    MDT_JSONW_KEY(&w, "created_at");
    mdt_db_w_time(&w, st, 5);
    MDT_JSONW_KEY(&w, "done_at");
    mdt_db_w_time(&w, st, 6);
    mdt_jsonw_obj_end(&w);
    sqlite3_reset(st);
    mdt_reply_jsonw(r, 200, &w);
}

void mdt_h_invites_send(struct mdt_req *r)
{
    struct series_state ss;
    int64_t id = path_id(r, "series"), job = 0, queued = 0, leavers = 0, already = 0;
    int rc;
    sqlite3_stmt *st;
    struct mdt_jsonw w;

    if (id < 0)
        return;
    if ((rc = mdt_db_begin(r->db)) < 0) {
        mdt_reply_errno(r, rc, NULL, "series");
        return;
    }
    if ((rc = series_state_load(r->db, id, &ss)) < 0)
        goto fail;
    if (ss.cancelled) {
        mdt_db_rollback(r->db);
        mdt_reply_error(r, 409, "conflict", NULL, "series %lld is cancelled", (long long)id);
        return;
    }
    if (r->cfg->smtp_from == NULL) {
        rc = -EINVAL;
        goto fail;
    }
    if (ss.invited_at == 0) {
        st = mdt_db_stmt(r->db, "UPDATE series SET invited_at = ?2 WHERE id = ?1");
        if (st == NULL) {
            rc = -EPROTO;
            goto fail;
        }
        ss.invited_at = mdt_now();
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, ss.invited_at);
        if ((rc = mdt_db_step(r->db, st)) < 0)
            goto fail;
    }
    /* Members who have this version of the invite already are not
     * counted and the job skips them, so a repeated `invite send` sends
     * nothing twice. */
    if ((rc = count_due(r->db, "SELECT count(*) FROM (" MEMBERS_DUE_SQL ")", id, &ss, &queued)) <
            0 ||
        (rc = count_due(r->db, "SELECT count(*) FROM (" LEAVERS_DUE_SQL ")", id, &ss, &leavers)) <
            0 ||
        (rc = count_due(r->db,
                        "SELECT count(*) FROM list_members m JOIN invitations i ON i.series_id = ?1 "
                        "AND i.person_id = m.person_id AND i.case_id = 0 WHERE m.list_id = ?2 "
                        "AND i.status = 'active' AND i.sent_sequence >= ?4 AND ?3 = ?3 AND ?5 = ?5",
                        id, &ss, &already)) < 0 ||
        (rc = job_arm(r->db, id, &ss, &job)) < 0 || (rc = mdt_db_commit(r->db)) < 0)
        goto fail;
    mdt_outbox_kick(r->outbox); /* starts the fan-out runner too */
    mdt_jsonw_init(&w);
    mdt_jsonw_obj_begin(&w);
    mdt_jsonw_kint(&w, "series", id);
    mdt_jsonw_kint(&w, "sequence", ss.sequence);
    mdt_jsonw_kint(&w, "job", job);
    mdt_jsonw_kint(&w, "queued", queued + leavers);
    mdt_jsonw_kint(&w, "already", already);
    mdt_jsonw_ktime(&w, "invited_at", ss.invited_at);
    mdt_jsonw_obj_end(&w);
    mdt_reply_jsonw(r, 202, &w);
    return;
fail:
    mdt_db_rollback(r->db);
    if (rc == -EINVAL)
        mdt_reply_error(r, 422, "invalid", NULL,
                        "the invite cannot be sent (check smtp_from and the addresses)");
    else
        mdt_reply_errno(r, rc, NULL, "series");
}

/* Quorum: for each required organisation of the meeting's series, how
 * many of its people on the list there are and what they answered (an
 * answer for the meeting overrides one for the whole series). */
#define QUORUM_SQL                                                                                 \
    "WITH a AS (SELECT p.org_id AS org_id, COALESCE("                                              \
    "(SELECT partstat FROM rsvps WHERE invitation_id = i.id AND meeting_id = ?1), "                \
    "(SELECT partstat FROM rsvps WHERE invitation_id = i.id AND meeting_id = 0), "                 \
    "'needs-action') AS ps FROM meetings mt JOIN series s ON s.id = mt.series_id "                 \
    "JOIN list_members m ON m.list_id = s.list_id JOIN people p ON p.id = m.person_id "            \
    "LEFT JOIN invitations i ON i.series_id = s.id AND i.person_id = p.id AND i.case_id = 0 "      \
    "AND i.status = 'active' WHERE mt.id = ?1) "                                                   \
    "SELECT o.id, o.name, (SELECT count(*) FROM a WHERE a.org_id = o.id), "                        \
    "(SELECT count(*) FROM a WHERE a.org_id = o.id AND ps = 'accepted'), "                         \
    "(SELECT count(*) FROM a WHERE a.org_id = o.id AND ps = 'declined'), "                         \
    "(SELECT count(*) FROM a WHERE a.org_id = o.id AND ps = 'tentative') "                         \
    "FROM meetings mt JOIN series_required_orgs ro ON ro.series_id = mt.series_id "                \
    "JOIN orgs o ON o.id = ro.org_id WHERE mt.id = ?1 ORDER BY o.name, o.id"

/* An organisation is absent when everyone of it on the list declined (or
 * nobody of it is on the list). */
static int row_absent(sqlite3_stmt *st)
{
    int64_t n = sqlite3_column_int64(st, 2), declined = sqlite3_column_int64(st, 4);
    return n == 0 || declined == n;
}

void mdt_invites_w_quorum(struct mdt_db *db, int64_t meeting_id, struct mdt_jsonw *w)
{
    sqlite3_stmt *st = mdt_db_stmt(db, QUORUM_SQL);
    struct mdt_buf warn;
    int rc, absent = 0;

    mdt_buf_init(&warn, 16 * 1024);
    MDT_JSONW_KEY(w, "required_orgs");
    mdt_jsonw_arr_begin(w);
    if (st) {
        sqlite3_bind_int64(st, 1, meeting_id);
        while ((rc = mdt_db_step(db, st)) > 0) {
            mdt_jsonw_obj_begin(w);
            mdt_jsonw_kint(w, "id", sqlite3_column_int64(st, 0));
            MDT_JSONW_KEY(w, "name");
            mdt_db_w_text(w, st, 1);
            mdt_jsonw_kint(w, "members", sqlite3_column_int64(st, 2));
            mdt_jsonw_kint(w, "accepted", sqlite3_column_int64(st, 3));
            mdt_jsonw_kint(w, "declined", sqlite3_column_int64(st, 4));
            mdt_jsonw_kint(w, "tentative", sqlite3_column_int64(st, 5));
            MDT_JSONW_KEY(w, "coming");
            mdt_jsonw_bool(w, sqlite3_column_int64(st, 3) > 0);
            MDT_JSONW_KEY(w, "absent");
            mdt_jsonw_bool(w, row_absent(st));
            mdt_jsonw_obj_end(w);
            if (row_absent(st)) {
                mdt_buf_printf(&warn, "%s%s", absent ? ", " : "",
                               (const char *)sqlite3_column_text(st, 1));
                absent++;
            }
        }
    }
    mdt_jsonw_arr_end(w);
    MDT_JSONW_KEY(w, "quorum_warning");
    if (absent) {
        struct mdt_buf msg;
        mdt_buf_init(&msg, 17 * 1024);
        mdt_buf_printf(&msg, "required organisation%s will be absent: %s", absent > 1 ? "s" : "",
                       mdt_buf_str(&warn));
        mdt_jsonw_str(w, mdt_buf_str(&msg));
        mdt_buf_release(&msg);
    } else {
        mdt_jsonw_null(w);
    }
    mdt_buf_release(&warn);
}

void mdt_invites_add_quorum(struct mdt_db *db, int64_t meeting_id, json_t *obj)
{
    struct mdt_jsonw w;
    json_t *q;
    char *doc;
    size_t len;

    mdt_jsonw_init(&w);
    mdt_jsonw_obj_begin(&w);
    mdt_invites_w_quorum(db, meeting_id, &w);
    mdt_jsonw_obj_end(&w);
    if (mdt_jsonw_failed(&w)) {
        mdt_jsonw_release(&w);
        return;
    }
    doc = mdt_jsonw_detach(&w, &len);
    q = json_loadb(doc, len, 0, NULL);
    free(doc);
    if (q) {
        json_object_update(obj, q);
        json_decref(q);
    }
}

/* After an answer: for each coming meeting of the series not yet warned
 * about whose required organisations will now be absent, one email to
 * the chair listing them. meeting_id 0: every coming meeting. */
static int quorum_check(struct mdt_req *r, int64_t series_id, int64_t meeting_id)
{
    struct series_info s;
    int64_t *meetings = NULL;
    size_t n = 0;
    struct mdt_buf text, names;
    char when[64];
    int rc, warned = 0;
    sqlite3_stmt *st;

    mdt_buf_init(&text, 64 * 1024);
    mdt_buf_init(&names, 16 * 1024);
    if ((rc = series_load(r->db, r->cfg, series_id, &s)) < 0)
        goto out;
    rc = collect_ids(r->db,
                     "SELECT id FROM meetings WHERE series_id = ?1 AND status = 'scheduled' "
                     "AND end_at > ?2 AND id NOT IN (SELECT meeting_id FROM quorum_warnings) "
                     "ORDER BY start_at",
                     series_id, mdt_now(), &meetings, &n);
    for (size_t i = 0; rc >= 0 && i < n; i++) {
        int64_t start = 0;
        int absent = 0;
        if (meeting_id && meetings[i] != meeting_id)
            continue;
        mdt_buf_reset(&names);
        if ((st = mdt_db_stmt(r->db, QUORUM_SQL)) == NULL) {
            rc = -EPROTO;
            break;
        }
        sqlite3_bind_int64(st, 1, meetings[i]);
        while ((rc = mdt_db_step(r->db, st)) > 0)
            if (row_absent(st))
                mdt_buf_printf(&names, "%s%s", absent++ ? ", " : "",
                               (const char *)sqlite3_column_text(st, 1));
        if (rc < 0 || absent == 0)
            continue;
        if ((st = mdt_db_stmt(r->db, "SELECT start_at FROM meetings WHERE id = ?1")) == NULL) {
            rc = -EPROTO;
            break;
        }
        sqlite3_bind_int64(st, 1, meetings[i]);
        if ((rc = mdt_db_step(r->db, st)) > 0) {
            start = sqlite3_column_int64(st, 0);
            sqlite3_reset(st);
        }
        mdt_buf_printf(&text, "  Meeting %lld, %s: %s\r\n", (long long)meetings[i],
                       mdt_ical_format_local(s.tz, start, when, sizeof(when)), mdt_buf_str(&names));
        if ((st = mdt_db_stmt(r->db, "INSERT INTO quorum_warnings (meeting_id, warned_at) "
                                     "VALUES (?1, ?2)")) == NULL) {
            rc = -EPROTO;
            break;
        }
        sqlite3_bind_int64(st, 1, meetings[i]);
        sqlite3_bind_int64(st, 2, mdt_now());
        if ((rc = mdt_db_step(r->db, st)) < 0)
            break;
        warned++;
    }
    if (rc >= 0 && warned) {
        struct mdt_buf body, subject;
        char ref[48];
        mdt_buf_init(&body, 80 * 1024);
        mdt_buf_init(&subject, 1024);
        mdt_buf_printf(&subject, "Quorum warning: %s", s.title);
        mdt_buf_printf(&body,
                       "The answers to the invitation show that organisations the meeting "
                       "needs will be absent:\r\n\r\n%s\r\n`mdt meeting attendees ID` shows "
                       "who answered what.\r\n",
                       mdt_buf_str(&text));
        snprintf(ref, sizeof(ref), "series:%lld", (long long)series_id);
        struct mdt_mail m = {.to = s.org_email,
                             .to_name = s.org_name,
                             .subject = mdt_buf_str(&subject),
                             .text = mdt_buf_str(&body),
                             .ref = ref};
        rc = mdt_outbox_add_mail(r->db, r->cfg, &m, NULL);
        mdt_buf_release(&body);
        mdt_buf_release(&subject);
    }
out:
    free(meetings);
    series_release(&s);
    mdt_buf_release(&text);
    mdt_buf_release(&names);
    return rc < 0 ? rc : 0;
}

/* Records an answer and checks the quorum; inside the caller's
 * transaction. */
static int record_answer(struct mdt_req *r, int64_t inv, int64_t series_id, int64_t meeting_id,
                         int partstat, const char *via)
{
    sqlite3_stmt *st = mdt_db_stmt(r->db, "INSERT INTO rsvps (invitation_id, meeting_id, partstat, "
                                          "via, answered_at) VALUES (?1, ?2, ?3, ?4, ?5) "
                                          "ON CONFLICT (invitation_id, meeting_id) DO UPDATE SET "
                                          "partstat = ?3, via = ?4, answered_at = ?5");
    int rc;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, inv);
    sqlite3_bind_int64(st, 2, meeting_id);
    sqlite3_bind_text(st, 3, mdt_ical_partstat_name(partstat), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, via, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, mdt_now());
    if ((rc = mdt_db_step(r->db, st)) < 0)
        return rc;
    return quorum_check(r, series_id, meeting_id);
}

/* RSVP pages (html.c's shell). The invitation an RSVP secret names (active only), with its series. */
static int rsvp_lookup(struct mdt_db *db, const char *secret, int64_t *inv, int64_t *series_id,
                       int64_t *case_id)
{
    unsigned char hash[crypto_hash_sha256_BYTES];
    sqlite3_stmt *st;
    int rc;

    if (secret == NULL || strlen(secret) != SECRET_HEX)
        return -ENOENT;
    for (const char *p = secret; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return -ENOENT;
    crypto_hash_sha256(hash, (const unsigned char *)secret, SECRET_HEX);
    st = mdt_db_stmt(db, "SELECT i.id, i.series_id, i.case_id FROM rsvp_links l JOIN invitations i "
                         "ON i.id = l.invitation_id WHERE l.hash = ?1 AND i.status = 'active'");
    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
    if ((rc = mdt_db_step(db, st)) <= 0)
        return rc == 0 ? -ENOENT : rc;
    *inv = sqlite3_column_int64(st, 0);
    *series_id = sqlite3_column_int64(st, 1);
    *case_id = sqlite3_column_int64(st, 2);
    sqlite3_reset(st);
    return 0;
}

/* ?meeting=ID: a meeting of the series, else 0 (the whole series). */
static int rsvp_meeting(struct mdt_req *r, int64_t series_id, int64_t *meeting_id)
{
    const char *q = mdt_req_query(r, "meeting");
    sqlite3_stmt *st;
    char *end;
    long long v;
    int rc;

    *meeting_id = 0;
    if (q == NULL || *q == '\0')
        return 0;
    v = strtoll(q, &end, 10);
    if (*end || v <= 0)
        return -EINVAL;
    if ((st = mdt_db_stmt(r->db, "SELECT 1 FROM meetings WHERE id = ?1 AND series_id = ?2")) ==
        NULL)
        return -EPROTO;
    sqlite3_bind_int64(st, 1, v);
    sqlite3_bind_int64(st, 2, series_id);
    if ((rc = mdt_db_step(r->db, st)) <= 0)
        return rc == 0 ? -EINVAL : rc;
    sqlite3_reset(st);
    *meeting_id = v;
    return 0;
}

static void rsvp(struct mdt_req *r, int post)
{
    int64_t inv, series_id, case_id, meeting_id;
    const char *answer = mdt_req_query(r, "answer");
    int partstat = answer ? mdt_ical_partstat_parse(answer) : -1, rc;
    struct series_info s;
    struct mdt_buf b;
    char when[64];

    memset(&s, 0, sizeof(s));
    mdt_buf_init(&b, 64 * 1024);
    if ((rc = rsvp_lookup(r->db, r->param, &inv, &series_id, &case_id)) < 0) {
        if (rc == -ENOENT)
            mdt_reply_html(r, 404, "Link not valid",
                      "<p>This answer link is not valid any more (the invitation was withdrawn "
                      "or replaced). Use the link in your most recent invitation email.</p>");
        else
            mdt_reply_errno(r, rc, NULL, "invitation");
        goto out;
    }
    if (answer && (partstat < 0 || partstat == MDT_PARTSTAT_NEEDS_ACTION)) {
        mdt_reply_error(r, 422, "invalid", "answer",
                        "answer: must be accepted, declined or tentative");
        goto out;
    }
    if (rsvp_meeting(r, series_id, &meeting_id) < 0) {
        mdt_reply_error(r, 422, "invalid", "meeting", "meeting: not a meeting of this series");
        goto out;
    }
    if (post && partstat < 0) {
        mdt_reply_error(r, 422, "invalid", "answer",
                        "answer: required (accepted, declined or tentative)");
        goto out;
    }
    if (post) {
        if ((rc = mdt_db_begin(r->db)) < 0 ||
            (rc = record_answer(r, inv, series_id, meeting_id, partstat, "link")) < 0 ||
            (rc = mdt_db_commit(r->db)) < 0) {
            mdt_db_rollback(r->db);
            mdt_reply_errno(r, rc, NULL, "invitation");
            goto out;
        }
        mdt_outbox_kick(r->outbox);
    }
    if ((rc = series_load(r->db, r->cfg, series_id, &s)) < 0) {
        mdt_reply_errno(r, rc, NULL, "series");
        goto out;
    }
    mdt_buf_adds(&b, "<p><strong>");
    mdt_html_esc(&b, s.title);
    mdt_buf_adds(&b, "</strong><br>");
    mdt_html_esc(&b, s.pcn);
    mdt_buf_printf(&b, " &middot; from %s (",
                   mdt_ical_format_local(s.tz, s.start, when, sizeof(when)));
    mdt_html_esc(&b, s.tz);
    mdt_buf_adds(&b, ")</p>\n");
    if (post) {
        mdt_buf_printf(&b, "<p>Thank you: your answer <strong>%s</strong> is recorded%s.</p>\n",
                       mdt_ical_partstat_name(partstat),
                       meeting_id ? " for this meeting" : " for the meetings of this series");
        mdt_buf_adds(&b, "<p>You can change it with the same link at any time.</p>");
        mdt_reply_html(r, 200, "Answer recorded", mdt_buf_str(&b));
        goto out;
    }
    mdt_buf_adds(&b, "<p>Will you come?</p>\n");
    static const int choices[] = {MDT_PARTSTAT_ACCEPTED, MDT_PARTSTAT_DECLINED,
                                  MDT_PARTSTAT_TENTATIVE};
    static const char *const labels[] = {"Yes", "No", "Maybe"};
    for (int i = 0; i < 3; i++) {
        mdt_buf_printf(&b, "<form method=\"post\" action=\"%s?answer=%s", r->param,
                       mdt_ical_partstat_name(choices[i]));
        if (meeting_id)
            mdt_buf_printf(&b, "&amp;meeting=%lld", (long long)meeting_id);
        mdt_buf_printf(&b,
                       "\" style=\"display:inline\"><button type=\"submit\"%s>%s</button></form>\n",
                       partstat == choices[i] ? " autofocus" : "", labels[i]);
    }
    mdt_reply_html(r, 200, "Your answer", mdt_buf_str(&b));
out:
    series_release(&s);
    mdt_buf_release(&b);
}

void mdt_h_rsvp_get(struct mdt_req *r)
{
    rsvp(r, 0);
}

void mdt_h_rsvp_post(struct mdt_req *r)
{
    rsvp(r, 1);
}

/* POST /v1/imip: an iMIP REPLY that reached the organiser's mailbox,
 * relayed by the mail gateway with a chair or admin token. The token
 * proves the relay; the body is accepted only when its ATTENDEE is an
 * invitee of that UID (an active invitation), and it can only change
 * that invitee's own answer. */
void mdt_h_imip(struct mdt_req *r)
{
    struct mdt_ical_reply rep;
    struct mdt_buf err;
    sqlite3_stmt *st;
    int64_t series_id = 0, case_id = 0, inv = 0, meeting_id = 0;
    const char *uid;
    int rc;

    mdt_buf_init(&err, 1024);
    rc = mdt_ical_parse_reply(r->raw, r->raw_len, &rep, &err);
    if (rc == -E2BIG) {
        mdt_reply_error(r, 413, "too_large", NULL, "%s", mdt_buf_str(&err));
        goto out;
    }
    if (rc < 0) {
        mdt_reply_error(r, 422, "invalid", "body", "%s", mdt_buf_str(&err));
        goto out;
    }
    /* Which event: a series' UID, or a case slot's "case-N.<series uid>". */
    uid = rep.uid;
    if (strncmp(uid, "case-", 5) == 0 && strchr(uid, '.')) {
        case_id = strtoll(uid + 5, NULL, 10);
        uid = strchr(uid, '.') + 1;
    }
    st = mdt_db_stmt(r->db, "SELECT id FROM series WHERE uid = ?1");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "series");
        goto out;
    }
    sqlite3_bind_text(st, 1, uid, -1, SQLITE_TRANSIENT);
    if ((rc = mdt_db_step(r->db, st)) <= 0) {
        if (rc == 0)
            mdt_reply_error(r, 422, "invalid", "UID", "UID: no such event");
        else
            mdt_reply_errno(r, rc, NULL, "series");
        goto out;
    }
    series_id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    st = mdt_db_stmt(r->db, "SELECT i.id FROM invitations i JOIN people p ON p.id = i.person_id "
                            "WHERE i.series_id = ?1 AND i.case_id = ?2 AND p.email = ?3 "
                            "AND i.status = 'active'");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "invitation");
        goto out;
    }
    sqlite3_bind_int64(st, 1, series_id);
    sqlite3_bind_int64(st, 2, case_id);
    sqlite3_bind_text(st, 3, rep.attendee, -1, SQLITE_TRANSIENT);
    if ((rc = mdt_db_step(r->db, st)) <= 0) {
        if (rc == 0)
            mdt_reply_error(r, 403, "forbidden", "ATTENDEE",
                            "ATTENDEE: not an invitee of this event");
        else
            mdt_reply_errno(r, rc, NULL, "invitation");
        goto out;
    }
    inv = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (case_id) {
        struct series_info s;
        struct slot sl;
        if ((rc = series_load(r->db, r->cfg, series_id, &s)) == 0)
            rc = slot_load(r->db, &s, case_id, &sl);
        series_release(&s);
        if (rc < 0) {
            mdt_reply_errno(r, rc, NULL, "case");
            goto out;
        }
        meeting_id = sl.meeting_id;
    } else if (rep.has_recurrence_id) {
        st = mdt_db_stmt(r->db,
                         "SELECT id FROM meetings WHERE series_id = ?1 AND recurrence_id = ?2");
        if (st == NULL) {
            mdt_reply_errno(r, -EPROTO, NULL, "meeting");
            goto out;
        }
        sqlite3_bind_int64(st, 1, series_id);
        sqlite3_bind_int64(st, 2, rep.recurrence_id);
        if ((rc = mdt_db_step(r->db, st)) <= 0) {
            if (rc == 0)
                mdt_reply_error(r, 422, "invalid", "RECURRENCE-ID",
                                "RECURRENCE-ID: no such occurrence of this series");
            else
                mdt_reply_errno(r, rc, NULL, "meeting");
            goto out;
        }
        meeting_id = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
    }
    if ((rc = mdt_db_begin(r->db)) < 0 ||
        (rc = record_answer(r, inv, series_id, meeting_id, (int)rep.partstat, "imip")) < 0 ||
        (rc = mdt_db_commit(r->db)) < 0) {
        mdt_db_rollback(r->db);
        mdt_reply_errno(r, rc, NULL, "invitation");
        goto out;
    }
    mdt_outbox_kick(r->outbox);
    {
        struct mdt_jsonw w;
        mdt_jsonw_init(&w);
        mdt_jsonw_obj_begin(&w);
        mdt_jsonw_kint(&w, "series", series_id);
        if (meeting_id)
            mdt_jsonw_kint(&w, "meeting", meeting_id);
        else {
            MDT_JSONW_KEY(&w, "meeting");
            mdt_jsonw_null(&w);
        }
        mdt_jsonw_kstr(&w, "attendee", rep.attendee);
        mdt_jsonw_kstr(&w, "partstat", mdt_ical_partstat_name(rep.partstat));
        mdt_jsonw_obj_end(&w);
        mdt_reply_jsonw(r, 200, &w);
    }
out:
    mdt_ical_reply_release(&rep);
    mdt_buf_release(&err);
}

/* GET /v1/meetings/{id}/attendees: every member of the list with their
 * answer for this meeting, and each required organisation. */
void mdt_h_meeting_attendees(struct mdt_req *r)
{
    int64_t id = path_id(r, "meeting");
    sqlite3_stmt *st;
    struct mdt_jsonw w;
    int rc;

    if (id < 0)
        return;
    st = mdt_db_stmt(r->db,
                     "SELECT m.series_id, m.start_at, m.status FROM meetings m WHERE m.id = ?1");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "meeting");
        return;
    }
    sqlite3_bind_int64(st, 1, id);
    if ((rc = mdt_db_step(r->db, st)) <= 0) {
        mdt_reply_errno(r, rc == 0 ? -ENOENT : rc, NULL, "meeting");
        return;
    }
    mdt_jsonw_init(&w);
    mdt_jsonw_obj_begin(&w);
    mdt_jsonw_kint(&w, "meeting", id);
    mdt_jsonw_kint(&w, "series", sqlite3_column_int64(st, 0));
    mdt_jsonw_ktime(&w, "start_at", sqlite3_column_int64(st, 1));
    sqlite3_reset(st);
    MDT_JSONW_KEY(&w, "attendees");
    mdt_jsonw_arr_begin(&w);
    st = mdt_db_stmt(
        r->db,
        "SELECT p.id, p.name, p.email, o.id, o.name, i.id IS NOT NULL, "
        "COALESCE((SELECT partstat FROM rsvps WHERE invitation_id = i.id AND meeting_id = ?1), "
        "(SELECT partstat FROM rsvps WHERE invitation_id = i.id AND meeting_id = 0), "
        "'needs-action'), COALESCE((SELECT answered_at FROM rsvps WHERE invitation_id = i.id "
        "AND meeting_id = ?1), (SELECT answered_at FROM rsvps WHERE invitation_id = i.id "
        "AND meeting_id = 0)) "
        "FROM meetings mt JOIN series s ON s.id = mt.series_id "
        "JOIN list_members lm ON lm.list_id = s.list_id JOIN people p ON p.id = lm.person_id "
        "JOIN orgs o ON o.id = p.org_id LEFT JOIN invitations i ON i.series_id = s.id "
        "AND i.person_id = p.id AND i.case_id = 0 AND i.status = 'active' "
        "WHERE mt.id = ?1 ORDER BY o.name, p.name, p.id");
    if (st == NULL) {
        mdt_jsonw_release(&w);
        mdt_reply_errno(r, -EPROTO, NULL, "meeting");
        return;
    }
    sqlite3_bind_int64(st, 1, id);
    while ((rc = mdt_db_step(r->db, st)) > 0) {
        mdt_jsonw_obj_begin(&w);
        mdt_jsonw_kint(&w, "id", sqlite3_column_int64(st, 0));
        MDT_JSONW_KEY(&w, "name");
        mdt_db_w_text(&w, st, 1);
        MDT_JSONW_KEY(&w, "email");
        mdt_db_w_text(&w, st, 2);
        MDT_JSONW_KEY(&w, "org");
        mdt_db_w_ref(&w, st, 3, 4);
        MDT_JSONW_KEY(&w, "invited");
        mdt_jsonw_bool(&w, sqlite3_column_int(st, 5));
        MDT_JSONW_KEY(&w, "answer");
        mdt_db_w_text(&w, st, 6);
        MDT_JSONW_KEY(&w, "answered_at");
        mdt_db_w_time(&w, st, 7);
        mdt_jsonw_obj_end(&w);
    }
    mdt_jsonw_arr_end(&w);
    if (rc < 0) {
        mdt_jsonw_release(&w);
        mdt_reply_errno(r, rc, NULL, "meeting");
        return;
    }
    mdt_invites_w_quorum(r->db, id, &w);
    mdt_jsonw_obj_end(&w);
    mdt_reply_jsonw(r, 200, &w);
}
