/* Cases. A case arrives already scrubbed by the case holder's client; the
 * server runs the same detector as a gate over every text and refuses a
 * case in which any identifier remains, naming kinds and offsets but
 * never the value. Nothing of a refused body is stored or logged. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mdtd.h"
#include "scrub.h"

#define MAX_TEXT 20000 /* bytes per text field */
#define MAX_NEEDS 32
#define MAX_NEED_LEN 64

static const char *const age_bands[] = {"0-9", "10-19", "20-29", "30-39", "40-49", "50-59",
                                        "60-69", "70-79", "80-89", "90+", NULL};

/* Crockford base32: digits and capitals without I, L, O and U. */
static int crockford(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z' && c != 'I' && c != 'L' && c != 'O' && c != 'U');
}

int mdt__pseudonym_valid(const char *p)
{
    if (strlen(p) != 13 || memcmp(p, "MDT-", 4) != 0 || p[8] != '-')
        return 0;
    for (int i = 4; i < 13; i++)
        if (i != 8 && !crockford(p[i]))
            return 0;
    return 1;
}

static int check_text(struct mdt_req *r, const char *field, const char **out)
{
    if (mdt_field_str(r, field, 1, out) < 0)
        return -1;
    if (strlen(*out) > MAX_TEXT) {
        mdt_reply_error(r, 422, "invalid", field, "%s: at most %d bytes", field, MAX_TEXT);
        return -1;
    }
    return 0;
}

/* Runs the detector over one text, adding findings; the first field with
 * findings gets the message. */
static void gate(struct mdt_req *r, const char *field, const char *text, json_t *findings,
                 struct mdt_buf *msg, char first[32])
{
    struct mdt_finding *f = NULL;
    size_t n = mdt_scrub_detect(r->scrub, text, strlen(text), &f);

    for (size_t i = 0; i < n; i++)
        json_array_append_new(findings, json_pack("{s:s, s:s, s:I, s:I}", "field", field, "kind",
                                                  mdt_kind_name(f[i].kind), "start",
                                                  (json_int_t)f[i].start, "end",
                                                  (json_int_t)f[i].end));
    if (n > 0 && first[0] == '\0') {
        snprintf(first, 32, "%s", field);
        mdt_buf_printf(msg, "%s: %zu identifier%s found (", field, n, n == 1 ? "" : "s");
        for (size_t i = 0; i < n && i < 10; i++)
            mdt_buf_printf(msg, "%s%s at %zu", i ? ", " : "", mdt_kind_name(f[i].kind), f[i].start);
        mdt_buf_adds(msg, n > 10 ? ", ...)" : ")");
    }
    free(f);
}

/* The PCN's and organisation's names come in the same row (joins). */
#define CASE_COLS "c.id, c.pseudonym, c.age_band, c.needs, c.presentation, c.question, c.risk, " \
                  "c.pcn_id, c.meeting_id, c.org_id, c.status, c.created_at, c.updated_at, " \
                  "c.version, cp.name, co.name, c.slot, cm.start_at, cs.slot_minutes, c.carried, " \
                  "c.closure, c.closed_at, c.purged_at"
#define CASE_JOIN " LEFT JOIN pcns cp ON cp.id = c.pcn_id LEFT JOIN orgs co ON co.id = c.org_id" \
                  " LEFT JOIN meetings cm ON cm.id = c.meeting_id" \
                  " LEFT JOIN series cs ON cs.id = cm.series_id"

static void case_row(struct mdt_jsonw *w, sqlite3_stmt *st)
{
    mdt_jsonw_obj_begin(w);
    MDT_JSONW_KEY(w, "id");
    mdt_jsonw_int(w, sqlite3_column_int64(st, 0));
    MDT_JSONW_KEY(w, "pseudonym");
    mdt_db_w_text(w, st, 1);
    MDT_JSONW_KEY(w, "age_band");
    mdt_db_w_text(w, st, 2);
    MDT_JSONW_KEY(w, "needs");
    mdt_db_w_json(w, st, 3);
    MDT_JSONW_KEY(w, "presentation");
    mdt_db_w_text(w, st, 4);
    MDT_JSONW_KEY(w, "question");
    mdt_db_w_text(w, st, 5);
    MDT_JSONW_KEY(w, "risk");
    mdt_db_w_text(w, st, 6);
    MDT_JSONW_KEY(w, "pcn");
    mdt_db_w_ref(w, st, 7, 14);
    MDT_JSONW_KEY(w, "meeting");
    if (sqlite3_column_type(st, 8) == SQLITE_NULL || sqlite3_column_type(st, 17) == SQLITE_NULL) {
        mdt_jsonw_null(w);
    } else {
        /* The meeting and the case's own slot in it. */
        int64_t start = sqlite3_column_int64(st, 17);
        int slot = sqlite3_column_int(st, 16);
        mdt_jsonw_obj_begin(w);
        MDT_JSONW_KEY(w, "id");
        mdt_jsonw_int(w, sqlite3_column_int64(st, 8));
        MDT_JSONW_KEY(w, "start");
        mdt_jsonw_time(w, start);
        MDT_JSONW_KEY(w, "slot");
        mdt_jsonw_int(w, slot);
        MDT_JSONW_KEY(w, "slot_start");
        mdt_jsonw_time(w, start + (int64_t)(slot > 0 ? slot - 1 : 0) *
                                      sqlite3_column_int64(st, 18) * 60);
        mdt_jsonw_obj_end(w);
    }
    MDT_JSONW_KEY(w, "carried");
    mdt_jsonw_int(w, sqlite3_column_int64(st, 19));
    MDT_JSONW_KEY(w, "org");
    mdt_db_w_ref(w, st, 9, 15);
    MDT_JSONW_KEY(w, "status");
    mdt_db_w_text(w, st, 10);
    MDT_JSONW_KEY(w, "created_at");
    mdt_db_w_time(w, st, 11);
    MDT_JSONW_KEY(w, "updated_at");
    mdt_db_w_time(w, st, 12);
    MDT_JSONW_KEY(w, "version");
    mdt_jsonw_int(w, sqlite3_column_int64(st, 13));
    /* closed or stepped down, and when its text was purged: null while open */
    MDT_JSONW_KEY(w, "closure");
    mdt_db_w_text(w, st, 20);
    MDT_JSONW_KEY(w, "closed_at");
    mdt_db_w_time(w, st, 21);
    MDT_JSONW_KEY(w, "purged_at");
    mdt_db_w_time(w, st, 22);
    mdt_jsonw_obj_end(w);
}

/* Checks needs: at most 32 short strings. */
static int check_needs(struct mdt_req *r, json_t **out)
{
    json_t *v = json_object_get(r->body, "needs"), *e;
    size_t i;

    *out = NULL;
    if (v == NULL) {
        *out = json_array();
        return 0;
    }
    if (!json_is_array(v) || json_array_size(v) > MAX_NEEDS) {
        mdt_reply_error(r, 422, "invalid", "needs", "needs: must be an array of at most %d strings",
                        MAX_NEEDS);
        return -1;
    }
    json_array_foreach(v, i, e) {
        char path[32];
        snprintf(path, sizeof(path), "needs.%zu", i);
        if (!json_is_string(e) || json_string_length(e) == 0 ||
            json_string_length(e) > MAX_NEED_LEN ||
            strlen(json_string_value(e)) != json_string_length(e)) {
            mdt_reply_error(r, 422, "invalid", path, "%s: must be a string of 1 to %d bytes", path,
                            MAX_NEED_LEN);
            return -1;
        }
    }
    *out = json_incref(v);
    return 0;
}

/* "meeting": a meeting id (number or digits). 0 when absent, -1 after
 * answering. */
static int64_t meeting_field(struct mdt_req *r)
{
    json_t *v = json_object_get(r->body, "meeting");
    const char *s;
    char *end;
    long long id;

    if (v == NULL || json_is_null(v))
        return 0;
    if (json_is_integer(v) && json_integer_value(v) > 0)
        return json_integer_value(v);
    if (json_is_string(v) && (s = json_string_value(v))[0] >= '0' && s[0] <= '9') {
        id = strtoll(s, &end, 10);
        if (*end == '\0' && id > 0)
            return id;
    }
    mdt_reply_error(r, 422, "invalid", "meeting", "meeting: must be a meeting id");
    return -1;
}

/* The meeting must take cases and have room: 422 when it cannot, 409
 * naming the next meeting of its series with room when it is full.
 * *pcn_id becomes the meeting's PCN (a different one given is 422). */
static int check_meeting(struct mdt_req *r, int64_t meeting_id, int64_t *pcn_id)
{
    sqlite3_stmt *st = mdt_db_stmt(r->db, "SELECT s.pcn_id, m.start_at, m.series_id, s.slots "
                                          "FROM meetings m JOIN series s ON s.id = m.series_id "
                                          "WHERE m.id = ?1");
    int64_t pcn, start, series, next;
    int free_slots, scheduled, slots, rc;

    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "meeting");
        return -1;
    }
    sqlite3_bind_int64(st, 1, meeting_id);
    if ((rc = mdt_db_step(r->db, st)) != 1) {
        if (rc < 0)
            mdt_reply_errno(r, rc, NULL, "meeting");
        else
            mdt_reply_error(r, 422, "invalid", "meeting", "meeting: no such meeting");
        return -1;
    }
    pcn = sqlite3_column_int64(st, 0);
    start = sqlite3_column_int64(st, 1);
    series = sqlite3_column_int64(st, 2);
    slots = sqlite3_column_int(st, 3);
    sqlite3_reset(st);
    if (*pcn_id && *pcn_id != pcn) {
        mdt_reply_error(r, 422, "invalid", "pcn", "pcn: the meeting belongs to another PCN");
        return -1;
    }
    *pcn_id = pcn;
    if ((rc = mdt_meetings_room(r->db, meeting_id, &free_slots, &scheduled)) < 0) {
        mdt_reply_errno(r, rc, NULL, "meeting");
        return -1;
    }
    if (!scheduled || start <= mdt_now()) {
        mdt_reply_error(r, 422, "invalid", "meeting",
                        "meeting: %s", scheduled ? "the meeting has started or is over"
                                                 : "the meeting is cancelled or closed");
        return -1;
    }
    if (free_slots > 0)
        return 0;
    if ((rc = mdt_meetings_next_with_room(r->db, series, 0, start, &next)) < 0) {
        mdt_reply_errno(r, rc, NULL, "meeting");
        return -1;
    }
    if (next == 0) {
        mdt_reply_error_extra(r, 409, "conflict", "meeting", json_pack("{s:n}", "next_meeting"),
                              "meeting: meeting %lld is full (%d slots) and no later meeting of "
                              "its series has room", (long long)meeting_id, slots);
        return -1;
    }
    st = mdt_db_stmt(r->db, "SELECT start_at FROM meetings WHERE id = ?1");
    if (st)
        sqlite3_bind_int64(st, 1, next);
    if (st == NULL || mdt_db_step(r->db, st) != 1) {
        mdt_reply_errno(r, -EPROTO, NULL, "meeting");
        return -1;
    }
    start = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    {
        json_t *t = mdt_json_time(start);
        mdt_reply_error_extra(r, 409, "conflict", "meeting",
                              json_pack("{s:{s:I, s:O}}", "next_meeting", "id", (json_int_t)next,
                                        "start", t),
                              "meeting: meeting %lld is full (%d slots); the next meeting with "
                              "room is %lld on %s", (long long)meeting_id, slots, (long long)next,
                              json_string_value(t));
        json_decref(t);
    }
    return -1;
}

void mdt_h_cases_create(struct mdt_req *r)
{
    static const char *const fields[] = {"pseudonym", "age_band", "needs", "presentation",
                                         "question", "risk", "pcn", "meeting", NULL};
    const char *pseudonym, *age_band, *presentation, *question, *risk;
    char first[32] = "";
    json_t *needs = NULL, *findings = json_array(), *e, *pcn;
    struct mdt_jsonw w;
    struct mdt_buf msg;
    sqlite3_stmt *st;
    int64_t pcn_id, now = mdt_now(), meeting_id, case_id;
    char *needs_s = NULL;
    size_t i;
    int rc, in_tx = 0;

    mdt_buf_init(&msg, 4096);
    if (mdt_fields_known(r, fields) < 0 || mdt_field_str(r, "pseudonym", 1, &pseudonym) < 0 ||
        mdt_field_str(r, "age_band", 1, &age_band) < 0 || check_needs(r, &needs) < 0 ||
        check_text(r, "presentation", &presentation) < 0 ||
        check_text(r, "question", &question) < 0 || check_text(r, "risk", &risk) < 0)
        goto out;
    if (!mdt__pseudonym_valid(pseudonym)) {
        mdt_reply_error(r, 422, "invalid", "pseudonym",
                        "pseudonym: must be MDT-XXXX-XXXX in Crockford base32");
        goto out;
    }
    if (mdt_check_enum(age_band, age_bands) != NULL) {
        mdt_reply_error(r, 422, "invalid", "age_band",
                        "age_band: must be a decade such as 30-39, or 90+");
        goto out;
    }
    /* The gate, before anything else touches the texts. */
    gate(r, "presentation", presentation, findings, &msg, first);
    gate(r, "question", question, findings, &msg, first);
    gate(r, "risk", risk, findings, &msg, first);
    json_array_foreach(needs, i, e) {
        char path[32];
        snprintf(path, sizeof(path), "needs.%zu", i);
        gate(r, path, json_string_value(e), findings, &msg, first);
    }
    if (first[0]) {
        mdt_reply_error_extra(r, 422, "identifier_found", first,
                              json_pack("{s:O}", "findings", findings), "%s", mdt_buf_str(&msg));
        log_info("cases: refused a case: %zu identifiers found", json_array_size(findings));
        goto out;
    }
    pcn = json_object_get(r->body, "pcn");
    if ((meeting_id = meeting_field(r)) < 0)
        goto out;
    if ((pcn == NULL || json_is_null(pcn)) && meeting_id == 0) {
        mdt_reply_error(r, 422, "invalid", "pcn", "pcn: required (or meeting)");
        goto out;
    }
    if (mdt_field_ref(r, "pcn", MDT_SQL_PCN_BY_ID, MDT_SQL_PCN_BY_NAME, "PCN", &pcn_id) < 0)
        goto out;
    if (meeting_id > 0) {
        if (check_meeting(r, meeting_id, &pcn_id) < 0)
            goto out;
    } else if ((rc = mdt_meetings_next_with_room(r->db, 0, pcn_id, now, &meeting_id)) < 0) {
        mdt_reply_errno(r, rc, NULL, "meeting");
        goto out;
    }
    if ((rc = mdt_db_begin(r->db)) < 0) {
        mdt_reply_errno(r, rc, NULL, "case");
        goto out;
    }
    in_tx = 1;
    needs_s = json_dumps(needs, JSON_COMPACT);
    st = mdt_db_stmt(r->db, "INSERT INTO cases (pseudonym, age_band, needs, presentation, question, "
                            "risk, pcn_id, org_id, token_id, created_at, updated_at, holder_id) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, "
                            "(SELECT person_id FROM tokens WHERE id = ?9))");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "case");
        goto out;
    }
    sqlite3_bind_text(st, 1, pseudonym, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, age_band, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, needs_s, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, presentation, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, question, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, risk, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, pcn_id);
    sqlite3_bind_int64(st, 8, r->org_id);
    sqlite3_bind_int64(st, 9, r->token_id);
    sqlite3_bind_int64(st, 10, now);
    rc = mdt_db_step(r->db, st);
    /* Unbind now: the bound texts belong to the request body. */
    sqlite3_clear_bindings(st);
    if (rc < 0) {
        mdt_reply_errno(r, rc, NULL, "case");
        goto out;
    }
    case_id = mdt_db_last_id(r->db);
    /* Onto the meeting's next free slot (the holder's slot invite with it). */
    if (meeting_id > 0 && (rc = mdt_meetings_place_case(r, case_id, meeting_id, 0)) < 0) {
        mdt_reply_errno(r, rc, NULL, "case");
        goto out;
    }
    if ((rc = mdt_db_commit(r->db)) < 0) {
        in_tx = 0;
        mdt_reply_errno(r, rc, NULL, "case");
        goto out;
    }
    in_tx = 0;
    mdt_outbox_kick(r->outbox);
    st = mdt_db_stmt(r->db, "SELECT " CASE_COLS " FROM cases c" CASE_JOIN " WHERE c.id = ?1");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "case");
        goto out;
    }
    sqlite3_bind_int64(st, 1, case_id);
    if (mdt_db_step(r->db, st) != 1) {
        mdt_reply_errno(r, -EPROTO, NULL, "case");
        goto out;
    }
    mdt_jsonw_init(&w);
    case_row(&w, st);
    log_info("cases: case %lld submitted", (long long)sqlite3_column_int64(st, 0));
    sqlite3_reset(st);
    mdt_reply_jsonw(r, 201, &w);
out:
    if (in_tx)
        mdt_db_rollback(r->db);
    free(needs_s);
    json_decref(needs);
    json_decref(findings);
    mdt_buf_release(&msg);
}

void mdt_h_cases_list(struct mdt_req *r)
{
    const char *pcn = mdt_req_query(r, "pcn"), *pseudonym = mdt_req_query(r, "pseudonym");
    int64_t pcn_id = 0;
    struct mdt_jsonw w;
    sqlite3_stmt *st;
    int rc;

    if (mdt_param_ref(r, "pcn", pcn, MDT_SQL_PCN_BY_ID, MDT_SQL_PCN_BY_NAME, "PCN", &pcn_id) < 0)
        return;
    st = mdt_db_stmt(r->db, "SELECT " CASE_COLS " FROM cases c" CASE_JOIN
                            " WHERE (?1 = 0 OR c.pcn_id = ?1) "
                            "AND (?2 IS NULL OR c.pseudonym = ?2) AND (?3 = 0 OR c.org_id = ?3) "
                            "ORDER BY c.created_at, c.id");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "case");
        return;
    }
    sqlite3_bind_int64(st, 1, pcn_id);
    if (pseudonym)
        sqlite3_bind_text(st, 2, pseudonym, -1, SQLITE_STATIC);
    /* Case holders see their own organisation's cases only. */
    sqlite3_bind_int64(st, 3, r->role == MDT_ROLE_CASE_HOLDER ? r->org_id : 0);
    mdt_jsonw_init(&w);
    mdt_jsonw_arr_begin(&w);
    while ((rc = mdt_db_step(r->db, st)) == 1)
        case_row(&w, st);
    if (rc < 0) {
        mdt_jsonw_release(&w);
        mdt_reply_errno(r, rc, NULL, "case");
        return;
    }
    mdt_jsonw_arr_end(&w);
    mdt_reply_jsonw(r, 200, &w);
}

void mdt_h_cases_get(struct mdt_req *r)
{
    char *end;
    long long id = strtoll(r->param, &end, 10);
    sqlite3_stmt *st;
    struct mdt_jsonw w;
    int rc;

    if (*end != '\0' || id <= 0) {
        mdt_reply_error(r, 404, "not_found", NULL, "no such case");
        return;
    }
    st = mdt_db_stmt(r->db, "SELECT " CASE_COLS " FROM cases c" CASE_JOIN " WHERE c.id = ?1 "
                            "AND (?2 = 0 OR c.org_id = ?2)");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "case");
        return;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, r->role == MDT_ROLE_CASE_HOLDER ? r->org_id : 0);
    if ((rc = mdt_db_step(r->db, st)) < 0) {
        mdt_reply_errno(r, rc, NULL, "case");
        return;
    }
    if (rc == 0) {
        mdt_reply_error(r, 404, "not_found", NULL, "no such case");
        return;
    }
    mdt_jsonw_init(&w);
    case_row(&w, st);
    sqlite3_reset(st);
    mdt_reply_jsonw(r, 200, &w);
}
