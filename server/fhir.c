/* GET /v1/cases/{ref}/fhir: a case's care plan as a FHIR R4 Bundle
 * (type collection) of one CarePlan and a Task per action, for NHS
 * systems that take FHIR.
 *
 * Pseudonymised like everything the server holds: the subject is an
 * identifier carrying the pseudonym only, owners are organisations (by
 * name), and no person's name, email or the case's free text appears.
 * Entries are named by urn:uuid full URLs made from a hash of the
 * deployment's public URL and the row, so the same plan gives the same
 * identifiers every time and references resolve inside the bundle. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "log.h"
#include "mdtd.h"
#include "xmalloc.h"

#define SYS_PSEUDONYM "urn:mdtd:pseudonym"
#define SYS_CASE "urn:mdtd:case"
#define SYS_ACTION "urn:mdtd:action"
#define SYS_ORG "urn:mdtd:organisation"

/* "urn:uuid:" and a name-based UUID (version 5 layout over SHA-256)
 * of the deployment, kind and id, into out (at least 46 bytes). */
static void entry_url(const struct mdt_config *cfg, const char *kind, int64_t id, char out[64])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    char in[512];
    int len;

    len = snprintf(in, sizeof(in), "%s|%s|%lld", cfg->public_url ? cfg->public_url : "", kind,
                   (long long)id);
    if (len < 0 || (size_t)len >= sizeof(in))
        len = (int)sizeof(in) - 1;
    if (!EVP_Digest(in, (size_t)len, md, &n, EVP_sha256(), NULL) || n < 16)
        memset(md, 0, 16);
    md[6] = (unsigned char)((md[6] & 0x0F) | 0x50); /* version 5 (name-based) */
    md[8] = (unsigned char)((md[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    snprintf(out, 64,
             "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", md[0],
             md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9], md[10], md[11], md[12],
             md[13], md[14], md[15]);
}

/* new: {"system": sys, "value": v} */
static json_t *identifier(const char *sys, const char *v)
{
    return json_pack("{s:s, s:s}", "system", sys, "value", v);
}

static json_t *identifier_id(const char *sys, int64_t id)
{
    char v[32];

    snprintf(v, sizeof(v), "%lld", (long long)id);
    return identifier(sys, v);
}

/* The FHIR Task.status for an action (task-status value set). */
static const char *task_status(const char *status, int sent, int removed)
{
    if (removed)
        return "cancelled";
    if (strcmp(status, "proposed") == 0)
        return sent ? "requested" : "draft";
    if (strcmp(status, "accepted") == 0)
        return "accepted";
    if (strcmp(status, "declined") == 0)
        return "rejected";
    if (strcmp(status, "in_progress") == 0)
        return "in-progress";
    if (strcmp(status, "done") == 0)
        return "completed";
    return "draft";
}

/* Adds key: the time column i of st as a FHIR dateTime, when not NULL. */
static void set_time(json_t *o, const char *key, sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) != SQLITE_NULL)
        json_object_set_new(o, key, mdt_json_time(sqlite3_column_int64(st, i)));
}

void mdt_h_case_fhir(struct mdt_req *r)
{
    json_t *bundle = NULL, *entries = NULL, *plan = NULL, *activity = NULL, *subject, *period;
    char plan_url[64], task_url[64], *text = NULL;
    int64_t case_id, created = 0;
    int holder, rc, confirmed = 0, ntasks = 0;
    char pseudonym[64] = "", closure[32] = "", agreed_on[16] = "";
    int64_t closed_at = 0, meeting_start = 0;
    sqlite3_stmt *st;

    if ((rc = mdt__plans_case(r, r->param, &case_id, &holder)) < 0) {
        mdt_reply_errno(r, rc, NULL, "case");
        goto out;
    }
    st = mdt_db_stmt(r->db, "SELECT c.pseudonym, c.closure, c.closed_at, p.agreed_on, "
                            "(SELECT min(recorded_at) FROM outcomes WHERE case_id = c.id), "
                            "(SELECT min(m.start_at) FROM outcomes o JOIN meetings m ON "
                            "m.id = o.meeting_id WHERE o.case_id = c.id) FROM cases c LEFT JOIN "
                            "plans p ON p.case_id = c.id WHERE c.id = ?1");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "case");
        goto out;
    }
    sqlite3_bind_int64(st, 1, case_id);
    if ((rc = mdt_db_step(r->db, st)) != 1) {
        mdt_reply_errno(r, rc < 0 ? rc : -ENOENT, NULL, "case");
        goto out;
    }
    snprintf(pseudonym, sizeof(pseudonym), "%s", (const char *)sqlite3_column_text(st, 0));
    if (sqlite3_column_type(st, 1) != SQLITE_NULL)
        snprintf(closure, sizeof(closure), "%s", (const char *)sqlite3_column_text(st, 1));
    closed_at = sqlite3_column_int64(st, 2);
    if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
        confirmed = 1;
        snprintf(agreed_on, sizeof(agreed_on), "%s", (const char *)sqlite3_column_text(st, 3));
    }
    created = sqlite3_column_int64(st, 4);
    meeting_start = sqlite3_column_int64(st, 5);
    sqlite3_reset(st);
    if (created == 0) {
        mdt_reply_error(r, 404, "not_found", NULL, "no outcome has been recorded for this case");
        goto out;
    }

    entry_url(r->cfg, "careplan", case_id, plan_url);
    subject = json_pack("{s:o}", "identifier", identifier(SYS_PSEUDONYM, pseudonym));
    /* The plan runs from the day the person agreed it (or, before that,
     * the meeting that proposed it) to the case's closure. */
    period = json_object();
    if (confirmed)
        json_object_set_new(period, "start", json_string(agreed_on));
    else if (meeting_start)
        json_object_set_new(period, "start", mdt_json_time(meeting_start));
    if (closure[0] && closed_at)
        json_object_set_new(period, "end", mdt_json_time(closed_at));
    activity = json_array();
    entries = json_array();
    plan = json_pack("{s:s, s:s, s:[o], s:s, s:s, s:s, s:o, s:o, s:o}", "resourceType", "CarePlan",
                     "id", "", "identifier", identifier_id(SYS_CASE, case_id), "status",
                     closure[0]  ? "completed"
                     : confirmed ? "active"
                                 : "draft",
                     "intent", "plan", "title", "Care plan agreed at the MDT", "subject", subject,
                     "period", period, "created", mdt_json_time(created));
    if (plan == NULL) {
        mdt_reply_error(r, 500, "internal", NULL, "cannot build the bundle");
        goto out;
    }
    {
        char id[32];
        snprintf(id, sizeof(id), "case-%lld", (long long)case_id);
        json_object_set_new(plan, "id", json_string(id));
    }
    json_array_append_new(entries, json_pack("{s:s, s:O}", "fullUrl", plan_url, "resource", plan));

    st = mdt_db_stmt(r->db, "SELECT a.id, a.what, a.due_on, a.status, a.sent_at, a.created_at, "
                            "max(a.updated_at, a.created_at), a.completed_at, a.removed_at, "
                            "o.id, o.name FROM actions a JOIN orgs o ON o.id = a.org_id WHERE "
                            "a.case_id = ?1 ORDER BY a.id");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "case");
        goto out;
    }
    sqlite3_bind_int64(st, 1, case_id);
    while ((rc = mdt_db_step(r->db, st)) == 1) {
        int64_t aid = sqlite3_column_int64(st, 0);
        const char *what = (const char *)sqlite3_column_text(st, 1);
        const char *status = (const char *)sqlite3_column_text(st, 3);
        const char *org = (const char *)sqlite3_column_text(st, 10);
        json_t *task, *exec;
        char id[32];

        entry_url(r->cfg, "task", aid, task_url);
        snprintf(id, sizeof(id), "action-%lld", (long long)aid);
        task =
            json_pack("{s:s, s:s, s:[o], s:[{s:s}], s:s, s:s, s:{s:o}, s:{s:o, s:s}, s:{s:{s:s}}}",
                      "resourceType", "Task", "id", id, "identifier",
                      identifier_id(SYS_ACTION, aid), "basedOn", "reference", plan_url, "status",
                      task_status(status ? status : "", sqlite3_column_type(st, 4) != SQLITE_NULL,
                                  sqlite3_column_type(st, 8) != SQLITE_NULL),
                      "intent", "order", "for", "identifier", identifier(SYS_PSEUDONYM, pseudonym),
                      "owner", "identifier", identifier_id(SYS_ORG, sqlite3_column_int64(st, 9)),
                      "display", org ? org : "", "restriction", "period", "end",
                      (const char *)sqlite3_column_text(st, 2));
        if (task == NULL) {
            mdt_reply_error(r, 500, "internal", NULL, "cannot build the bundle");
            goto out;
        }
        /* the text is gone once a closed case is purged */
        if (what && *what)
            json_object_set_new(task, "description", json_string(what));
        set_time(task, "authoredOn", st, 5);
        set_time(task, "lastModified", st, 6);
        if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
            exec = json_object();
            set_time(exec, "start", st, 4);
            if (status && strcmp(status, "done") == 0)
                set_time(exec, "end", st, 7);
            json_object_set_new(task, "executionPeriod", exec);
        }
        json_array_append_new(entries,
                              json_pack("{s:s, s:o}", "fullUrl", task_url, "resource", task));
        json_array_append_new(activity, json_pack("{s:{s:s}}", "reference", "reference", task_url));
        ntasks++;
    }
    if (rc < 0) {
        mdt_reply_errno(r, rc, NULL, "case");
        goto out;
    }
    if (ntasks)
        json_object_set(plan, "activity", activity);
    entry_url(r->cfg, "bundle", case_id, task_url);
    bundle = json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:o, s:o}", "resourceType", "Bundle", "id",
                       "", "identifier", "system", "urn:ietf:rfc:3986", "value", task_url, "type",
                       "collection", "timestamp", mdt_json_time(mdt_now()), "entry", entries);
    entries = NULL; /* the bundle took it (or json_pack freed it) */
    if (bundle == NULL) {
        mdt_reply_error(r, 500, "internal", NULL, "cannot build the bundle");
        goto out;
    }
    {
        char id[32];
        snprintf(id, sizeof(id), "case-%lld-plan", (long long)case_id);
        json_object_set_new(bundle, "id", json_string(id));
    }
    text = json_dumps(bundle, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text == NULL) {
        mdt_reply_error(r, 500, "internal", NULL, "cannot write the bundle");
        goto out;
    }
    mdt_reply_raw(r, 200, "application/fhir+json; fhirVersion=4.0", text, strlen(text));
    text = NULL;
out:
    json_decref(activity);
    json_decref(entries);
    json_decref(plan);
    json_decref(bundle);
    free(text);
}
