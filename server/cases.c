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
                  "c.version, cp.name, co.name"
#define CASE_JOIN " LEFT JOIN pcns cp ON cp.id = c.pcn_id LEFT JOIN orgs co ON co.id = c.org_id"

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
    mdt_jsonw_null(w);
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
    int64_t pcn_id, now = mdt_now();
    char *needs_s = NULL;
    size_t i;
    int rc;

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
    if (json_object_get(r->body, "meeting") && !json_is_null(json_object_get(r->body, "meeting"))) {
        mdt_reply_error(r, 422, "invalid", "meeting", "meeting: no such meeting");
        goto out;
    }
    pcn = json_object_get(r->body, "pcn");
    if (pcn == NULL || json_is_null(pcn)) {
        mdt_reply_error(r, 422, "invalid", "pcn", "pcn: required (or meeting)");
        goto out;
    }
    pcn_id = mdt_lookup_json_ref(r->db, pcn, MDT_SQL_PCN_BY_ID, MDT_SQL_PCN_BY_NAME);
    if (pcn_id == -ENOENT || pcn_id == -EINVAL) {
        mdt_reply_error(r, 422, "invalid", "pcn", "pcn: no such PCN");
        goto out;
    }
    if (pcn_id < 0) {
        mdt_reply_errno(r, (int)pcn_id, NULL, "PCN");
        goto out;
    }
    needs_s = json_dumps(needs, JSON_COMPACT);
    st = mdt_db_stmt(r->db, "INSERT INTO cases (pseudonym, age_band, needs, presentation, question, "
                            "risk, pcn_id, org_id, token_id, created_at, updated_at) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)");
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
    st = mdt_db_stmt(r->db, "SELECT " CASE_COLS " FROM cases c" CASE_JOIN " WHERE c.id = ?1");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "case");
        goto out;
    }
    sqlite3_bind_int64(st, 1, mdt_db_last_id(r->db));
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

    if (pcn) {
        pcn_id = mdt_lookup_ref(r->db, pcn, MDT_SQL_PCN_BY_ID, MDT_SQL_PCN_BY_NAME);
        if (pcn_id < 0) {
            if (pcn_id == -ENOENT)
                mdt_reply_error(r, 422, "invalid", "pcn", "pcn: no such PCN");
            else
                mdt_reply_errno(r, (int)pcn_id, NULL, "PCN");
            return;
        }
    }
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
