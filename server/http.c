/* HTTP: h2o on the libuv loop, the route table, authentication, replies
 * and the request log. Handlers run to completion on the loop (every
 * SQLite statement is short) and answer through mdt_reply_*. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <uv.h>

#include "h2o.h"
#include "h2o/socket/uv-binding.h"

#include "log.h"
#include "mdtd.h"
#include "scrub.h"
#include "xmalloc.h"

enum body_kind { BODY_NONE, BODY_JSON, BODY_CSV, BODY_CALENDAR, BODY_FORM };

struct route {
    const char *method;
    const char *tmpl; /* "{x}" matches one path segment */
    int roles;        /* MDT_ROLE_* allowed; 0: public */
    enum body_kind body;
    void (*fn)(struct mdt_req *r);
};

#define STAFF MDT_ROLES_STAFF
#define ALL MDT_ROLES_ALL
#define NOT_PARTNER (MDT_ROLE_ADMIN | MDT_ROLE_CHAIR | MDT_ROLE_CASE_HOLDER)
static const struct route routes[] = {
    {"GET", "/v1/health", 0, BODY_NONE, mdt_h_health},
    {"POST", "/v1/tokens", MDT_ROLE_ADMIN, BODY_JSON, mdt_h_tokens_create},
    {"GET", "/v1/tokens", MDT_ROLE_ADMIN, BODY_NONE, mdt_h_tokens_list},
    {"DELETE", "/v1/tokens/{id}", MDT_ROLE_ADMIN, BODY_NONE, mdt_h_tokens_delete},
    {"POST", "/v1/orgs", STAFF, BODY_JSON, mdt_h_orgs_create},
    {"GET", "/v1/orgs", ALL, BODY_NONE, mdt_h_orgs_list},
    {"GET", "/v1/orgs/{ref}", ALL, BODY_NONE, mdt_h_orgs_get},
    {"PATCH", "/v1/orgs/{ref}", STAFF, BODY_JSON, mdt_h_orgs_patch},
    {"DELETE", "/v1/orgs/{ref}", STAFF, BODY_NONE, mdt_h_orgs_delete},
    {"POST", "/v1/people", STAFF, BODY_JSON, mdt_h_people_create},
    {"GET", "/v1/people", NOT_PARTNER, BODY_NONE, mdt_h_people_list},
    {"GET", "/v1/people/{ref}", NOT_PARTNER, BODY_NONE, mdt_h_people_get},
    {"PATCH", "/v1/people/{ref}", STAFF, BODY_JSON, mdt_h_people_patch},
    {"DELETE", "/v1/people/{ref}", STAFF, BODY_NONE, mdt_h_people_delete},
    {"POST", "/v1/pcns", STAFF, BODY_JSON, mdt_h_pcns_create},
    {"GET", "/v1/pcns", ALL, BODY_NONE, mdt_h_pcns_list},
    {"GET", "/v1/pcns/{ref}", ALL, BODY_NONE, mdt_h_pcns_get},
    {"PATCH", "/v1/pcns/{ref}", STAFF, BODY_JSON, mdt_h_pcns_patch},
    {"DELETE", "/v1/pcns/{ref}", STAFF, BODY_NONE, mdt_h_pcns_delete},
    {"POST", "/v1/lists", STAFF, BODY_JSON, mdt_h_lists_create},
    {"GET", "/v1/lists", NOT_PARTNER, BODY_NONE, mdt_h_lists_list},
    {"GET", "/v1/lists/{ref}", NOT_PARTNER, BODY_NONE, mdt_h_lists_get},
    {"PATCH", "/v1/lists/{ref}", STAFF, BODY_JSON, mdt_h_lists_patch},
    {"DELETE", "/v1/lists/{ref}", STAFF, BODY_NONE, mdt_h_lists_delete},
    {"POST", "/v1/lists/{ref}/members", STAFF, BODY_JSON, mdt_h_lists_members},
    {"POST", "/v1/import/people", STAFF, BODY_CSV, mdt_h_import_people},
    {"POST", "/v1/import/orgs", STAFF, BODY_CSV, mdt_h_import_orgs},
    {"POST", "/v1/cases", MDT_ROLE_CASE_HOLDER, BODY_JSON, mdt_h_cases_create},
    {"GET", "/v1/cases", NOT_PARTNER, BODY_NONE, mdt_h_cases_list},
    {"GET", "/v1/cases/{id}", NOT_PARTNER, BODY_NONE, mdt_h_cases_get},
    {"POST", "/v1/series", STAFF, BODY_JSON, mdt_h_series_create},
    {"GET", "/v1/series", ALL, BODY_NONE, mdt_h_series_list},
    {"GET", "/v1/series/{id}", ALL, BODY_NONE, mdt_h_series_get},
    {"PATCH", "/v1/series/{id}", STAFF, BODY_JSON, mdt_h_series_patch},
    {"POST", "/v1/series/{id}/cancel", STAFF, BODY_NONE, mdt_h_series_cancel},
    {"GET", "/v1/meetings", ALL, BODY_NONE, mdt_h_meetings_list},
    {"GET", "/v1/meetings/{id}", ALL, BODY_NONE, mdt_h_meetings_get},
    {"POST", "/v1/meetings/{id}/move", STAFF, BODY_JSON, mdt_h_meetings_move},
    {"POST", "/v1/meetings/{id}/cancel", STAFF, BODY_NONE, mdt_h_meetings_cancel},
    {"POST", "/v1/meetings/{id}/close", STAFF, BODY_JSON, mdt_h_meetings_close},
    {"GET", "/v1/meetings/{id}/agenda", NOT_PARTNER, BODY_NONE, mdt_h_agenda_get},
    {"POST", "/v1/meetings/{id}/agenda/send", STAFF, BODY_NONE, mdt_h_agenda_send},
    {"POST", "/v1/series/{id}/invites", STAFF, BODY_NONE, mdt_h_invites_send},
    {"GET", "/v1/invite-jobs/{id}", STAFF, BODY_NONE, mdt_h_invite_job_get},
    {"GET", "/v1/meetings/{id}/attendees", NOT_PARTNER, BODY_NONE, mdt_h_meeting_attendees},
    {"GET", "/v1/rsvp/{secret}", 0, BODY_NONE, mdt_h_rsvp_get},
    {"POST", "/v1/rsvp/{secret}", 0, BODY_NONE, mdt_h_rsvp_post},
    {"POST", "/v1/imip", STAFF, BODY_CALENDAR, mdt_h_imip},
    {"GET", "/v1/feeds/{secret}", 0, BODY_NONE, mdt_h_feed_get},
    {"POST", "/v1/people/{ref}/feed", STAFF, BODY_NONE, mdt_h_feed_url},
    {"POST", "/v1/people/{ref}/feed/revoke", STAFF, BODY_NONE, mdt_h_feed_revoke},
    {"GET", "/v1/outbox", STAFF, BODY_NONE, mdt_h_outbox_list},
    {"POST", "/v1/outbox/{id}/retry", STAFF, BODY_NONE, mdt_h_outbox_retry},
    {"GET", "/v1/audit", MDT_ROLE_ADMIN, BODY_NONE, mdt_h_audit_list},
    {"GET", "/v1/audit/verify", MDT_ROLE_ADMIN, BODY_NONE, mdt_h_audit_verify},
    {"POST", "/v1/cases/{ref}/outcome", MDT_ROLE_CHAIR | MDT_ROLE_CASE_HOLDER, BODY_JSON,
     mdt_h_outcome_record},
    {"POST", "/v1/cases/{ref}/plan/confirm", MDT_ROLE_CASE_HOLDER, BODY_JSON, mdt_h_plan_confirm},
    {"POST", "/v1/cases/{ref}/plan/amend", MDT_ROLE_CASE_HOLDER, BODY_JSON, mdt_h_plan_amend},
    {"GET", "/v1/cases/{ref}/status", NOT_PARTNER, BODY_NONE, mdt_h_case_status},
    {"POST", "/v1/cases/{ref}/close", MDT_ROLE_CHAIR | MDT_ROLE_CASE_HOLDER, BODY_NONE,
     mdt_h_case_close},
    {"POST", "/v1/cases/{ref}/step-down", MDT_ROLE_CHAIR | MDT_ROLE_CASE_HOLDER, BODY_NONE,
     mdt_h_case_step_down},
    {"GET", "/v1/actions", ALL, BODY_NONE, mdt_h_actions_list},
    {"GET", "/v1/actions/{id}", ALL, BODY_NONE, mdt_h_actions_get},
    {"POST", "/v1/actions/{id}/updates", MDT_ROLE_PARTNER, BODY_JSON, mdt_h_actions_update},
    {"GET", "/v1/action-link/{secret}", 0, BODY_NONE, mdt_h_action_link_get},
    {"POST", "/v1/action-link/{secret}", 0, BODY_FORM, mdt_h_action_link_post},
    {"POST", "/v1/orgs/{ref}/webhook-secret", STAFF, BODY_NONE, mdt_h_org_webhook_secret},
    {"POST", "/v1/purge", STAFF, BODY_NONE, mdt_h_purge},
    {"GET", "/v1/reports", STAFF, BODY_NONE, mdt_h_reports},
    {"GET", "/v1/cases/{ref}/fhir", NOT_PARTNER, BODY_NONE, mdt_h_case_fhir},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

struct conn {
    uv_tcp_t tcp; /* first: h2o's close callback gets its address */
    struct mdt_server *srv;
};

/* Failed authentications per peer address: a token bucket each, in a
 * small open-addressed table. A peer is looked up in PROBE slots from its
 * hash; when none is free the stalest of them is reused, so the table
 * never grows and a flood of addresses only forgets old ones. */
#define LIMIT_SLOTS 4096
#define LIMIT_PROBE 8
struct limit_slot {
    unsigned char addr[16]; /* IPv4 mapped into IPv6 */
    int used;
    double tokens;
    uint64_t last_ms;
};

struct mdt_server {
    uv_loop_t *loop;
    const struct mdt_config *cfg;
    struct mdt_db *db;
    const struct mdt_scrub_ctx *scrub;
    h2o_globalconf_t h2o;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept;
    SSL_CTX *ssl;
    uv_tcp_t listener;
    int listening, ctx_ready;
    int nconns;
    uint64_t refused; /* connections turned away at max_connections */
    struct limit_slot *limits; /* LIMIT_SLOTS */
    uv_timer_t stop_timer;
    int stop_timer_open;
    uint64_t stop_started;
    void (*stop_done)(void *arg);
    void *stop_arg;
    struct mdt_outbox *outbox; /* borrowed, may be NULL */
    struct mdt_reports *reports; /* borrowed, may be NULL: reports.c computes on the loop */
};

/* Per-request state behind mdt_req.priv. */
struct req_state {
    h2o_req_t *req;
    const char *tmpl;
    uint64_t t0;
    int replied;
    const char *ctype;   /* the answer's Content-Type; NULL: JSON */
    int64_t object_id;   /* the object a change acted on (audit), 0: unknown */
    int txn;             /* a change: the transaction around handler and audit entry is open */
    int txn_base;        /* the store's transaction depth before it (mdt__http_call's caller may hold one) */
    int retry_after;     /* seconds, for a 429 */
    struct mdt_http_answer *cap; /* mdt__http_call: the answer is kept here */
};

void mdt_req_set_object(struct mdt_req *r, int64_t id)
{
    ((struct req_state *)r->priv)->object_id = id;
}

const char *mdt_role_name(int role)
{
    switch (role) {
    case MDT_ROLE_ADMIN: return "admin";
    case MDT_ROLE_CHAIR: return "chair";
    case MDT_ROLE_CASE_HOLDER: return "case_holder";
    case MDT_ROLE_PARTNER: return "partner";
    }
    return "?";
}

int mdt_role_parse(const char *s)
{
    static const int all[] = {MDT_ROLE_ADMIN, MDT_ROLE_CHAIR, MDT_ROLE_CASE_HOLDER, MDT_ROLE_PARTNER};
    for (size_t i = 0; i < 4; i++)
        if (strcmp(s, mdt_role_name(all[i])) == 0)
            return all[i];
    return 0;
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    }
    return "Internal Server Error";
}

/* The pool's hold on a body: freed when h2o clears the request. */
static void free_body(void *slot)
{
    free(*(char **)slot);
}

/* Sends the answer and writes the request's log line. body (malloc'd,
 * or NULL for none) is stolen: h2o writes it from where it is and the
 * request's pool frees it, so the document is never copied. */
/* The kind of object a route acts on: the first segment after /v1/
 * ("orgs"), or the one after /v1/import/. kind is written to out. */
static void route_kind(const char *tmpl, char *out, size_t size)
{
    const char *p = tmpl, *end;
    size_t n;

    if (strncmp(p, "/v1/", 4) == 0)
        p += 4;
    if (strncmp(p, "import/", 7) == 0)
        p += 7;
    end = strchr(p, '/');
    n = end ? (size_t)(end - p) : strlen(p);
    if (n >= size)
        n = size - 1;
    memcpy(out, p, n);
    out[n] = '\0';
}

/* A whole decimal number of at most 18 digits, or 0. */
static int64_t leading_id(const char *s, size_t len)
{
    int64_t v = 0;
    size_t i;

    for (i = 0; i < len && i < 18 && s[i] >= '0' && s[i] <= '9'; i++)
        v = v * 10 + (s[i] - '0');
    return i > 0 && (i == len || s[i] == ',' || s[i] == '}') ? v : 0;
}

/* Records a change that succeeded in the audit log, inside the change's
 * own transaction (finish commits both), before its answer leaves. */
static void audit_change(struct mdt_req *r, int status, const char *body, size_t len)
{
    struct req_state *s = r->priv;
    h2o_req_t *req = s->req;
    char action[160], kind[40];
    int64_t id = s->object_id;
    int rc;

    if (id == 0 && body && len > 6 && memcmp(body, "{\"id\":", 6) == 0)
        id = leading_id(body + 6, len - 6);
    if (id == 0 && r->param)
        id = leading_id(r->param, strlen(r->param));
    snprintf(action, sizeof(action), "%.*s %s", (int)req->method.len, req->method.base, s->tmpl);
    route_kind(s->tmpl, kind, sizeof(kind));
    if ((rc = mdt_audit_record(r->db, r->token_id, action, kind, id, status)) < 0)
        log_warnx("audit: %s: cannot record the change (%d)", action, rc);
}

/* For the audit log: the row a change names by name in its path (a
 * DELETE answers no body to take the id from), looked up before the
 * handler runs. 0 when the kind is not a directory one or no row has it. */
static int64_t object_by_name(struct mdt_req *r, const char *tmpl)
{
    static const struct {
        const char *kind, *by_id, *by_name;
    } kinds[] = {
        {"orgs", MDT_SQL_ORG_BY_ID, MDT_SQL_ORG_BY_NAME},
        {"people", MDT_SQL_PERSON_BY_ID, MDT_SQL_PERSON_BY_EMAIL},
        {"pcns", MDT_SQL_PCN_BY_ID, MDT_SQL_PCN_BY_NAME},
        {"lists", MDT_SQL_LIST_BY_ID, MDT_SQL_LIST_BY_NAME},
    };
    char kind[40];
    int64_t id;

    route_kind(tmpl, kind, sizeof(kind));
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kind, kinds[i].kind) == 0) {
            id = mdt_lookup_ref(r->db, r->param, kinds[i].by_id, kinds[i].by_name);
            return id > 0 ? id : 0;
        }
    return 0;
}

static void finish(struct mdt_req *r, int status, char *body, size_t len)
{
    static h2o_generator_t generator = {NULL, NULL};
    struct req_state *s = r->priv;
    h2o_req_t *req = s->req;
    h2o_iovec_t buf = {NULL, 0};
    uint64_t us = (uv_hrtime() - s->t0 + 5000) / 10000; /* hundredths of a millisecond */

    MDT_REQUIRE(!s->replied);
    s->replied = 1;
    if (s->txn) {
        /* The change and its audit entry are committed together, before
         * the answer leaves: a 2xx is never sent for a change that is not
         * on disk, and no change is on disk without its entry. */
        s->txn = 0;
        if (status >= 200 && status < 300) {
            audit_change(r, status, body, len);
            while (mdt_db_depth(r->db) > s->txn_base + 1) /* a handler's unbalanced begin */
                mdt_db_commit(r->db);
            int crc = mdt_db_commit(r->db);
            if (crc < 0) {
                static const char unavailable[] =
                    "{\"error\":{\"code\":\"unavailable\",\"message\":\"the change could not be "
                    "written: the database cannot be written now\"}}";
                static const char read_only[] =
                    "{\"error\":{\"code\":\"unavailable\",\"message\":\"the change could not be "
                    "written: the database is read-only; changes are refused until it can be "
                    "written again, reads go on\"}}";
                free(body);
                status = 503;
                body = mdt_xstrdup(crc == -EROFS ? read_only : unavailable);
                len = strlen(body);
                s->ctype = NULL;
            }
        } else {
            while (mdt_db_depth(r->db) > s->txn_base)
                mdt_db_rollback(r->db);
        }
    }
    if (s->cap) {
        s->cap->status = status;
        s->cap->body = body;
        s->cap->len = body ? len : 0;
        return;
    }
    req->res.status = status;
    req->res.reason = reason(status);
    if (body) {
        char **slot = h2o_mem_alloc_shared(&req->pool, sizeof(*slot), free_body);
        *slot = body;
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                       s->ctype ? s->ctype : "application/json",
                       s->ctype ? strlen(s->ctype) : sizeof("application/json") - 1);
        buf = h2o_iovec_init(body, len);
        /* The whole answer is known: a Content-Length spares the client
         * chunked framing and lets the connection stay open. */
        req->res.content_length = len;
    }
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
    if (s->retry_after > 0) {
        char *v = h2o_mem_alloc_pool(&req->pool, 16);
        int n = snprintf(v, 16, "%d", s->retry_after);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, v, (size_t)n);
    }
    h2o_start_response(req, &generator);
    h2o_send(req, &buf, body ? 1 : 0, H2O_SEND_STATE_FINAL);
    /* The route template, never the raw path: paths carry names and emails. */
    if (r->token_id)
        log_info("http: %.*s %s %d %llu.%02llums actor=%lld", (int)req->method.len,
                 req->method.base, s->tmpl, status, (unsigned long long)(us / 100),
                 (unsigned long long)(us % 100), (long long)r->token_id);
    else
        log_info("http: %.*s %s %d %llu.%02llums actor=-", (int)req->method.len,
                 req->method.base, s->tmpl, status, (unsigned long long)(us / 100),
                 (unsigned long long)(us % 100));
}

void mdt_reply_json(struct mdt_req *r, int status, json_t *body)
{
    char *s = json_dumps(body, JSON_COMPACT);

    json_decref(body);
    if (s == NULL) {
        mdt_reply_error(r, 500, "internal", NULL, "cannot encode the answer");
        return;
    }
    finish(r, status, s, strlen(s));
}

void mdt_reply_jsonw(struct mdt_req *r, int status, struct mdt_jsonw *w)
{
    size_t len;
    char *s;

    if (mdt_jsonw_failed(w)) {
        mdt_jsonw_release(w);
        log_warnx("http: %s: an answer could not be encoded", ((struct req_state *)r->priv)->tmpl);
        mdt_reply_error(r, 500, "internal", NULL, "cannot encode the answer");
        return;
    }
    s = mdt_jsonw_detach(w, &len);
    finish(r, status, s, len);
}

void mdt_reply_empty(struct mdt_req *r, int status)
{
    finish(r, status, NULL, 0);
}

void mdt_reply_raw(struct mdt_req *r, int status, const char *ctype, char *body, size_t len)
{
    ((struct req_state *)r->priv)->ctype = ctype;
    finish(r, status, body, len);
}

__attribute__((format(printf, 6, 0))) static void
reply_error_v(struct mdt_req *r, int status, const char *code, const char *field, json_t *extra,
              const char *fmt, va_list ap)
{
    struct mdt_buf msg;
    json_t *err;

    mdt_buf_init(&msg, 4096);
    mdt_buf_vprintf(&msg, fmt, ap);
    err = json_pack("{s:s, s:s}", "code", code, "message", mdt_buf_str(&msg));
    if (err == NULL) /* the message was not UTF-8: never expected */
        err = json_pack("{s:s, s:s}", "code", code, "message", "error");
    if (field)
        json_object_set_new(err, "field", json_string(field));
    if (extra) {
        json_object_update(err, extra);
        json_decref(extra);
    }
    mdt_buf_release(&msg);
    mdt_reply_json(r, status, json_pack("{s:o}", "error", err));
}

void mdt_reply_error(struct mdt_req *r, int status, const char *code, const char *field,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    reply_error_v(r, status, code, field, NULL, fmt, ap);
    va_end(ap);
}

void mdt_reply_error_extra(struct mdt_req *r, int status, const char *code, const char *field,
                           json_t *extra, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    reply_error_v(r, status, code, field, extra, fmt, ap);
    va_end(ap);
}

void mdt_reply_errno(struct mdt_req *r, int rc, const char *field, const char *what)
{
    switch (rc) {
    case -ENOENT:
        mdt_reply_error(r, 404, "not_found", NULL, "no such %s", what);
        break;
    case -EEXIST:
        mdt_reply_error(r, 409, "conflict", field, "%s%s%s already exists", field ? field : "",
                        field ? ": " : "", field ? "another with this value" : what);
        break;
    case -EBUSY:
        mdt_reply_error(r, 409, "conflict", NULL, "%s: other objects depend on it", what);
        break;
    case -EROFS:
        mdt_reply_error(r, 503, "unavailable", NULL,
                        "the database is read-only: changes are refused until it can be written "
                        "again, reads go on");
        break;
    case -ENOSPC:
    case -EIO:
    case -EAGAIN:
        mdt_reply_error(r, 503, "unavailable", NULL, "the database cannot be written just now");
        break;
    default:
        mdt_reply_error(r, 500, "internal", NULL, "internal error");
        break;
    }
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int mdt_url_decode(const char *s, size_t len, int form, struct mdt_buf *out)
{
    mdt_buf_reset(out);
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            int hi, lo;
            if (i + 2 >= len)
                return -EINVAL;
            if ((hi = hexval(s[i + 1])) < 0 || (lo = hexval(s[i + 2])) < 0)
                return -EINVAL;
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && form) {
            c = ' ';
        }
        if (c == '\0' || mdt_buf_addc(out, c) < 0)
            return -EINVAL;
    }
    return mdt_utf8_valid(mdt_buf_str(out), out->len) ? 0 : -EINVAL;
}

const char *mdt_req_query(struct mdt_req *r, const char *name)
{
    struct req_state *s = r->priv;
    h2o_req_t *req = s->req;
    const char *q, *end, *p;
    size_t nlen = strlen(name);
    const char *found = NULL;
    struct mdt_buf dec;

    if (req->query_at == SIZE_MAX)
        return NULL;
    q = req->path.base + req->query_at + 1;
    end = req->path.base + req->path.len;
    mdt_buf_init(&dec, 4096);
    for (p = q; p < end;) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end, *eq = memchr(p, '=', (size_t)(stop - p));
        if (eq && (size_t)(eq - p) == nlen && memcmp(p, name, nlen) == 0) {
            if (mdt_url_decode(eq + 1, (size_t)(stop - eq - 1), 1, &dec) == 0)
                found = h2o_strdup(&req->pool, mdt_buf_str(&dec), dec.len).base;
            break;
        }
        p = amp ? amp + 1 : end;
    }
    mdt_buf_release(&dec);
    return found;
}

/* Matches path segments against a template; *param gets the raw {x}. */
static int match(const char *tmpl, const char *path, size_t plen, h2o_iovec_t *param)
{
    const char *t = tmpl, *p = path, *pend = path + plen;

    while (*t && p < pend) {
        if (*t != '/' || *p != '/')
            return 0;
        t++, p++;
        const char *tseg_end = strchr(t, '/'), *pseg_end = memchr(p, '/', (size_t)(pend - p));
        size_t tl = tseg_end ? (size_t)(tseg_end - t) : strlen(t);
        size_t pl = pseg_end ? (size_t)(pseg_end - p) : (size_t)(pend - p);
        if (t[0] == '{') {
            if (pl == 0)
                return 0;
            *param = h2o_iovec_init(p, pl);
        } else if (tl != pl || memcmp(t, p, pl) != 0) {
            return 0;
        }
        t += tl, p += pl;
    }
    return *t == '\0' && p == pend;
}

/* Whether a Content-Type header names type, with at most a UTF-8
 * charset parameter. */
static int media_type_is(h2o_req_t *req, const char *type)
{
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
    const char *v, *end, *semi;
    size_t tlen = strlen(type), n;

    if (i < 0)
        return 0;
    v = req->headers.entries[i].value.base;
    end = v + req->headers.entries[i].value.len;
    semi = memchr(v, ';', (size_t)(end - v));
    n = (size_t)((semi ? semi : end) - v);
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    if (!h2o_lcstris(v, n, type, tlen))
        return 0;
    if (semi == NULL)
        return 1;
    for (v = semi + 1; v < end && (*v == ' ' || *v == '\t'); v++)
        ;
    n = (size_t)(end - v);
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    return h2o_lcstris(v, n, H2O_STRLIT("charset=utf-8")) ||
           h2o_lcstris(v, n, H2O_STRLIT("charset=\"utf-8\""));
}

/* The peer's address as 16 bytes (IPv4 mapped); 0 when it has none. */
static int peer_addr(h2o_req_t *req, unsigned char out[16])
{
    struct sockaddr_storage ss;
    socklen_t len;

    if (req->conn == NULL || req->conn->callbacks->get_peername == NULL ||
        (len = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss)) == 0)
        return 0;
    memset(out, 0, 16);
    if (ss.ss_family == AF_INET) {
        out[10] = out[11] = 0xff;
        memcpy(out + 12, &((struct sockaddr_in *)&ss)->sin_addr, 4);
        return 1;
    }
    if (ss.ss_family == AF_INET6) {
        memcpy(out, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
        return 1;
    }
    return 0;
}

/* The peer's bucket, refilled to now; with create, a slot is taken for
 * it (a new peer starts full). NULL when absent and not created. */
static struct limit_slot *limit_find(struct mdt_server *srv, const unsigned char addr[16],
                                     int create)
{
    uint64_t now = uv_now(srv->loop), h = 1469598103934665603ULL;
    double burst = (double)srv->cfg->auth_fail_burst;
    double per_ms = (double)srv->cfg->auth_fail_per_minute / 60000.0;
    struct limit_slot *found = NULL, *victim = NULL;

    for (int i = 0; i < 16; i++)
        h = (h ^ addr[i]) * 1099511628211ULL;
    for (int i = 0; i < LIMIT_PROBE; i++) {
        struct limit_slot *sl = &srv->limits[(h + (uint64_t)i) % LIMIT_SLOTS];
        if (sl->used && memcmp(sl->addr, addr, 16) == 0) {
            found = sl;
            break;
        }
        if (victim == NULL || !sl->used || (victim->used && sl->last_ms < victim->last_ms))
            victim = sl;
    }
    if (found) {
        found->tokens += (double)(now - found->last_ms) * per_ms;
        if (found->tokens > burst)
            found->tokens = burst;
        found->last_ms = now;
        return found;
    }
    if (!create)
        return NULL;
    memcpy(victim->addr, addr, 16);
    victim->used = 1;
    victim->tokens = burst;
    victim->last_ms = now;
    return victim;
}

/* Whether the peer may try a token now; sets *retry (seconds) if not. */
static int limit_allows(struct mdt_server *srv, const unsigned char addr[16], int *retry)
{
    struct limit_slot *sl = limit_find(srv, addr, 0);
    double per_s = (double)srv->cfg->auth_fail_per_minute / 60.0;

    if (sl == NULL || sl->tokens >= 1.0)
        return 1;
    *retry = (int)((1.0 - sl->tokens) / per_s) + 1;
    return 0;
}

static void limit_charge(struct mdt_server *srv, const unsigned char addr[16])
{
    struct limit_slot *sl = limit_find(srv, addr, 1);
    if (sl->tokens >= 1.0)
        sl->tokens -= 1.0;
}

static int authenticate(struct mdt_req *r, h2o_req_t *req)
{
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    const char *v;
    size_t len;

    if (i < 0)
        return -ENOENT;
    v = req->headers.entries[i].value.base;
    len = req->headers.entries[i].value.len;
    if (len < 7 || !h2o_lcstris(v, 7, H2O_STRLIT("bearer ")))
        return -ENOENT;
    v += 7, len -= 7;
    while (len > 0 && *v == ' ')
        v++, len--;
    return mdt_token_auth(r->db, v, len, &r->token_id, &r->role, &r->org_id);
}

/* The whole path of one request, from routing to the answer; cap is NULL
 * for a request from h2o (answered on its connection) and set by
 * mdt__http_call (the answer is kept there). */
static int handle(struct mdt_server *srv, h2o_req_t *req, struct mdt_http_answer *cap)
{
    struct req_state st = {.req = req, .tmpl = "-", .t0 = uv_hrtime(), .cap = cap};
    struct mdt_req r = {.srv = srv, .db = srv->db, .scrub = srv->scrub, .cfg = srv->cfg,
                        .outbox = srv->outbox, .priv = &st};
    size_t plen = req->query_at == SIZE_MAX ? req->path.len : req->query_at;
    const struct route *rt = NULL;
    int path_found = 0, rc;
    h2o_iovec_t param = {NULL, 0};
    struct mdt_buf dec;

    mdt_buf_init(&dec, 4096);
    for (size_t i = 0; i < NROUTES; i++) {
        h2o_iovec_t p = {NULL, 0};
        if (!match(routes[i].tmpl, req->path.base, plen, &p))
            continue;
        path_found = 1;
        st.tmpl = routes[i].tmpl;
        if (h2o_memis(req->method.base, req->method.len, routes[i].method, strlen(routes[i].method))) {
            rt = &routes[i];
            param = p;
            break;
        }
    }
    if (rt == NULL) {
        if (!path_found)
            st.tmpl = "-";
        if (path_found)
            mdt_reply_error(&r, 405, "method_not_allowed", NULL, "method not allowed on this route");
        else
            mdt_reply_error(&r, 404, "not_found", NULL, "no such route");
        goto out;
    }
    st.tmpl = rt->tmpl;
    if (param.base) {
        if (mdt_url_decode(param.base, param.len, 0, &dec) < 0) {
            mdt_reply_error(&r, 404, "not_found", NULL, "no such object");
            goto out;
        }
        r.param = mdt_buf_str(&dec);
    }
    if (rt->roles) {
        unsigned char addr[16];
        int has_addr = peer_addr(req, addr);

        if ((rc = authenticate(&r, req)) < 0) {
            /* A valid token always gets in, so colleagues behind one
             * address are never locked out by someone else's mistakes;
             * a peer that keeps failing is answered 429 (a guess at a
             * 256-bit token is hopeless anyway: this bounds the work and
             * the log lines a guesser costs). */
            if (rc == -ENOENT && has_addr && !limit_allows(srv, addr, &st.retry_after)) {
                mdt_reply_error(&r, 429, "too_many_requests", NULL,
                                "too many failed authentications from this address: retry in %d s",
                                st.retry_after);
                goto out;
            }
            if (rc == -ENOENT && has_addr)
                limit_charge(srv, addr);
            if (rc == -ENOENT)
                mdt_reply_error(&r, 401, "unauthenticated", NULL, "a valid bearer token is needed");
            else
                mdt_reply_errno(&r, rc, NULL, "token");
            goto out;
        }
        if (!(rt->roles & r.role)) {
            mdt_reply_error(&r, 403, "forbidden", NULL, "the %s role may not use this route",
                            mdt_role_name(r.role));
            goto out;
        }
    }
    if (rt->body != BODY_NONE) {
        const char *want = rt->body == BODY_JSON ? "application/json"
                           : rt->body == BODY_CALENDAR ? "text/calendar"
                           : rt->body == BODY_FORM ? "application/x-www-form-urlencoded"
                                                   : "text/csv";
        json_error_t jerr;

        if (req->entity.len > (size_t)srv->cfg->max_body) {
            mdt_reply_error(&r, 413, "too_large", NULL, "body: larger than %lld bytes",
                            srv->cfg->max_body);
            goto out;
        }
        if (!media_type_is(req, want)) {
            mdt_reply_error(&r, 415, "unsupported_media_type", NULL,
                            "Content-Type: must be %s", want);
            goto out;
        }
        r.raw = req->entity.base ? req->entity.base : "";
        r.raw_len = req->entity.len;
        if (rt->body == BODY_JSON) {
            /* The parser's own message may quote the body: give only the place. */
            r.body = json_loadb(r.raw, r.raw_len, JSON_REJECT_DUPLICATES, &jerr);
            if (r.body == NULL) {
                mdt_reply_error(&r, 400, "malformed", NULL,
                                "body: not valid UTF-8 JSON (line %d, column %d)", jerr.line,
                                jerr.column);
                goto out;
            }
            if (!json_is_object(r.body)) {
                mdt_reply_error(&r, 400, "malformed", NULL, "body: not a JSON object");
                goto out;
            }
        }
    }
    if (r.param && strcmp(rt->method, "GET") != 0 && leading_id(r.param, strlen(r.param)) == 0)
        st.object_id = object_by_name(&r, rt->tmpl);
    if (strcmp(rt->method, "GET") != 0) {
        st.txn_base = mdt_db_depth(r.db);
        if ((rc = mdt_db_begin(r.db)) < 0) {
            mdt_reply_errno(&r, rc, NULL, "the change");
            goto out;
        }
        st.txn = 1;
    }
    rt->fn(&r);
    if (!st.replied) {
        log_warnx("http: %s %s gave no answer", rt->method, rt->tmpl);
        mdt_reply_error(&r, 500, "internal", NULL, "internal error");
    }
out:
    json_decref(r.body);
    mdt_buf_release(&dec);
    return 0;
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    return handle(*(struct mdt_server **)(self + 1), req, NULL);
}

void mdt__http_call(struct mdt_server *srv, const char *method, const char *path,
                    const char *ctype, const char *auth, const char *body, size_t len,
                    struct mdt_http_answer *ans)
{
    h2o_req_t req;
    const char *q = strchr(path, '?');

    memset(&req, 0, sizeof(req));
    memset(ans, 0, sizeof(*ans));
    h2o_mem_init_pool(&req.pool);
    req.method = h2o_iovec_init(method, strlen(method));
    req.path = h2o_iovec_init(path, strlen(path));
    req.query_at = q ? (size_t)(q - path) : SIZE_MAX;
    if (ctype)
        h2o_add_header(&req.pool, &req.headers, H2O_TOKEN_CONTENT_TYPE, NULL, ctype, strlen(ctype));
    if (auth)
        h2o_add_header(&req.pool, &req.headers, H2O_TOKEN_AUTHORIZATION, NULL, auth, strlen(auth));
    req.entity = h2o_iovec_init(body, len);
    handle(srv, &req, ans);
    h2o_mem_clear_pool(&req.pool);
}

void mdt_h_health(struct mdt_req *r)
{
    /* Reads go on while the database is read-only: the server is up but
     * refuses changes, and says so to monitoring. */
    int writable = mdt_db_writable(r->db);
    struct mdt_jsonw w;

    mdt_jsonw_init(&w);
    mdt_jsonw_obj_begin(&w);
    mdt_jsonw_kstr(&w, "status", writable ? "ok" : "degraded");
    mdt_jsonw_kstr(&w, "database", writable ? "writable" : "read-only");
    mdt_jsonw_kstr(&w, "version", MDTD_VERSION);
    mdt_jsonw_kint(&w, "schema", mdt_db_schema_version(r->db));
    if (r->scrub)
        mdt_jsonw_kstr(&w, "scrubber", mdt_scrub_version(r->scrub));
    mdt_jsonw_obj_end(&w);
    mdt_reply_jsonw(r, 200, &w);
}

/* h2o answers a body over max_request_entity_size (= max_body) by
 * itself, before any handler runs: at the headers when Content-Length
 * says so, or once a chunked body has passed the limit. Its answer is
 * a plain-text 413; as the request has no path of ours yet, that answer
 * goes out through the filters of the host's fallback path, where this
 * one makes it the API's JSON error, the one the handler gives for the
 * same fault. Nothing is buffered: h2o has stopped reading the body. */
struct too_large_filter {
    h2o_filter_t super;
    struct mdt_server *srv; /* borrowed */
};

struct too_large_ostream {
    h2o_ostream_t super;
    h2o_iovec_t body; /* in the request's pool */
    int sent;
};

static void too_large_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs, size_t bufcnt,
                           h2o_send_state_t state)
{
    struct too_large_ostream *o = (struct too_large_ostream *)self;

    (void)bufs;
    (void)bufcnt;
    /* h2o's own text is dropped: ours goes out once, in its place. */
    if (o->sent || h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"))) {
        h2o_ostream_send_next(self, req, NULL, 0, state);
        return;
    }
    o->sent = 1;
    h2o_ostream_send_next(self, req, &o->body, 1, state);
}

static void too_large_setup(h2o_filter_t *self, h2o_req_t *req, h2o_ostream_t **slot)
{
    struct mdt_server *srv = ((struct too_large_filter *)self)->srv;
    struct too_large_ostream *o;
    char *json;
    int n;

    if (req->res.status != 413) {
        h2o_setup_next_ostream(req, slot);
        return;
    }
    json = h2o_mem_alloc_pool(&req->pool, 160);
    n = snprintf(json, 160,
                 "{\"error\":{\"code\":\"too_large\",\"message\":\"body: larger than %lld bytes\"}}",
                 srv->cfg->max_body);
    req->res.content_length = (size_t)n;
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE,
                   H2O_STRLIT("application/json"), 1);
    h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, H2O_STRLIT("no-store"),
                   1);
    o = (struct too_large_ostream *)h2o_add_ostream(req, sizeof(*o), slot);
    o->super.do_send = too_large_send;
    o->body = h2o_iovec_init(json, (size_t)n);
    o->sent = 0;
    log_info("http: %.*s - 413 body over max_body (%lld bytes), refused by the HTTP layer actor=-",
             (int)req->method.len, req->method.base, srv->cfg->max_body);
    h2o_setup_next_ostream(req, &o->super.next);
}

static void on_conn_close(uv_handle_t *h)
{
    struct conn *c = (struct conn *)h;
    c->srv->nconns--;
    free(c);
}

/* A connection over max_connections: told so in one write (plain HTTP
 * only; TLS peers just see the close) and closed. */
static void refuse(struct mdt_server *srv, struct conn *c)
{
    static const char answer[] =
        "HTTP/1.1 503 Service Unavailable\r\n"
        "Content-Type: application/json\r\n"
        "Retry-After: 1\r\n"
        "Connection: close\r\n"
        "Content-Length: 83\r\n\r\n"
        "{\"error\":{\"code\":\"unavailable\",\"message\":\"too many connections: try again later\"}}";
    uv_buf_t b = uv_buf_init((char *)answer, sizeof(answer) - 1);

    if (srv->refused++ % 1000 == 0)
        log_warnx("http: %d connections open (max_connections): refusing more (%llu so far)",
                  srv->nconns - 1, (unsigned long long)srv->refused);
    if (srv->ssl == NULL)
        (void)uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    uv_close((uv_handle_t *)&c->tcp, on_conn_close);
}

static void on_accept(uv_stream_t *listener, int status)
{
    struct mdt_server *srv = listener->data;
    struct conn *c;
    h2o_socket_t *sock;

    if (status != 0) {
        log_warnx("http: accept: %s", uv_strerror(status));
        return;
    }
    c = mdt_xcalloc(1, sizeof(*c));
    c->srv = srv;
    uv_tcp_init(listener->loop, &c->tcp);
    srv->nconns++;
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
        uv_close((uv_handle_t *)&c->tcp, on_conn_close);
        return;
    }
    if (srv->nconns > srv->cfg->max_connections) {
        refuse(srv, c);
        return;
    }
    sock = h2o_uv_socket_create((uv_stream_t *)&c->tcp, on_conn_close);
    h2o_accept(&srv->accept, sock);
}

static int setup_tls(struct mdt_server *srv, struct mdt_buf *err)
{
    const struct mdt_config *cfg = srv->cfg;
    unsigned long e;

    srv->ssl = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_min_proto_version(srv->ssl, TLS1_2_VERSION);
    SSL_CTX_set_options(srv->ssl, SSL_OP_NO_COMPRESSION);
    if (SSL_CTX_use_certificate_chain_file(srv->ssl, cfg->tls_cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(srv->ssl, cfg->tls_key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(srv->ssl) != 1) {
        char msg[256];
        e = ERR_get_error();
        ERR_error_string_n(e, msg, sizeof(msg));
        mdt_buf_printf(err, "tls_cert/tls_key: cannot load %s and %s: %s", cfg->tls_cert,
                       cfg->tls_key, msg);
        ERR_clear_error();
        return -EINVAL;
    }
    h2o_ssl_register_alpn_protocols(srv->ssl, h2o_http2_alpn_protocols);
    return 0;
}

struct mdt_server *mdt_server_new(void *uv_loop, const struct mdt_config *cfg, struct mdt_db *db,
                                  const struct mdt_scrub_ctx *scrub, struct mdt_buf *err)
{
    struct mdt_server *srv = mdt_xcalloc(1, sizeof(*srv));
    h2o_hostconf_t *host;
    h2o_handler_t *handler;
    struct too_large_filter *tl;

    srv->loop = uv_loop;
    srv->cfg = cfg;
    srv->db = db;
    srv->scrub = scrub;
    h2o_config_init(&srv->h2o);
    srv->limits = mdt_xcalloc(LIMIT_SLOTS, sizeof(*srv->limits));
    srv->h2o.max_request_entity_size = (size_t)cfg->max_body;
    /* HTTP/1: h2o's request timeout runs from the end of the last answer
     * (or the accept) to the end of the next request's headers and body,
     * and is not reset by each byte that arrives: a client that trickles
     * its headers (slowloris) is closed header_timeout after it started,
     * and so is a keep-alive connection that stays idle that long.
     * HTTP/2 connections have their own idle timeout. */
    srv->h2o.http1.req_timeout = (uint64_t)cfg->header_timeout * 1000;
    srv->h2o.http2.idle_timeout = (uint64_t)cfg->idle_timeout * 1000;
    srv->h2o.server_name = h2o_iovec_init(H2O_STRLIT("mdtd"));
    host = h2o_config_register_host(&srv->h2o, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    handler = h2o_create_handler(h2o_config_register_path(host, "/", 0),
                                 sizeof(*handler) + sizeof(srv));
    handler->on_req = on_req;
    *(struct mdt_server **)(handler + 1) = srv;
    tl = (struct too_large_filter *)h2o_create_filter(&host->fallback_path, sizeof(*tl));
    tl->super.on_setup_ostream = too_large_setup;
    tl->srv = srv;
    if (cfg->tls_cert && setup_tls(srv, err) < 0) {
        mdt_server_free(srv);
        return NULL;
    }
    h2o_context_init(&srv->ctx, srv->loop, &srv->h2o);
    srv->ctx_ready = 1;
    srv->accept.ctx = &srv->ctx;
    srv->accept.hosts = srv->h2o.hosts;
    srv->accept.ssl_ctx = srv->ssl;
    return srv;
}

int mdt_server_start(struct mdt_server *srv, struct mdt_buf *err)
{
    struct sockaddr_storage ss;
    char *host = NULL, name[INET6_ADDRSTRLEN];
    int port, rc, len = sizeof(ss);
    struct rlimit rl;

    /* Every connection is a descriptor: let max_connections be reached
     * (the soft limit is often 1024; the hard one much higher). */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
        rl.rlim_cur < (rlim_t)srv->cfg->max_connections + 64 && rl.rlim_cur < rl.rlim_max) {
        rlim_t want = (rlim_t)srv->cfg->max_connections + 64;
        rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            log_warn("http: raising the open file limit");
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)srv->cfg->max_connections + 64)
        log_warnx("http: the open file limit (%llu) is below max_connections (%lld)",
                  (unsigned long long)rl.rlim_cur, srv->cfg->max_connections);

    MDT_REQUIRE(mdt_config_split_listen(srv->cfg->listen, &host, &port) == 0);
    if ((rc = uv_ip4_addr(host, port, (struct sockaddr_in *)&ss)) != 0 &&
        (rc = uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss)) != 0) {
        mdt_buf_printf(err, "listen: not an IP address: %s", host);
        goto out;
    }
    uv_tcp_init(srv->loop, &srv->listener);
    srv->listener.data = srv;
    srv->listening = 1;
    if ((rc = uv_tcp_bind(&srv->listener, (struct sockaddr *)&ss, 0)) != 0 ||
        (rc = uv_listen((uv_stream_t *)&srv->listener, 1024, on_accept)) != 0 ||
        (rc = uv_tcp_getsockname(&srv->listener, (struct sockaddr *)&ss, &len)) != 0) {
        mdt_buf_printf(err, "listen: %s: %s", srv->cfg->listen, uv_strerror(rc));
        goto out;
    }
    if (ss.ss_family == AF_INET6) {
        uv_ip6_name((struct sockaddr_in6 *)&ss, name, sizeof(name));
        port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        log_info("http: ready on [%s]:%d%s", name, port, srv->ssl ? " (TLS, HTTP/2)" : "");
    } else {
        uv_ip4_name((struct sockaddr_in *)&ss, name, sizeof(name));
        port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        log_info("http: ready on %s:%d%s", name, port, srv->ssl ? " (TLS, HTTP/2)" : "");
    }
    rc = 0;
out:
    free(host);
    return rc < 0 ? rc : 0;
}

static void stop_timer_closed(uv_handle_t *h)
{
    struct mdt_server *srv = h->data;
    srv->stop_timer_open = 0;
    if (srv->stop_done)
        srv->stop_done(srv->stop_arg);
}

static void on_stop_tick(uv_timer_t *t)
{
    struct mdt_server *srv = t->data;
    uint64_t waited = uv_now(srv->loop) - srv->stop_started;

    if (srv->nconns > 0 && waited < 10000)
        return;
    if (srv->nconns > 0)
        log_warnx("http: %d connections still open after 10 s: stopping anyway", srv->nconns);
    uv_timer_stop(t);
    uv_close((uv_handle_t *)t, stop_timer_closed);
}

void mdt_server_stop(struct mdt_server *srv, void (*done)(void *arg), void *arg)
{
    if (srv->stop_timer_open)
        return;
    srv->stop_done = done;
    srv->stop_arg = arg;
    if (srv->listening) {
        uv_close((uv_handle_t *)&srv->listener, NULL);
        srv->listening = 0;
    }
    /* Idle keep-alive connections close; in-flight ones finish first. */
    h2o_context_request_shutdown(&srv->ctx);
    srv->h2o.http1.req_timeout = 1000;
    srv->stop_started = uv_now(srv->loop);
    uv_timer_init(srv->loop, &srv->stop_timer);
    srv->stop_timer.data = srv;
    srv->stop_timer_open = 1;
    uv_timer_start(&srv->stop_timer, on_stop_tick, 0, 20);
}

void mdt_server_set_outbox(struct mdt_server *srv, struct mdt_outbox *ob)
{
    srv->outbox = ob;
}

void mdt_server_set_reports(struct mdt_server *srv, struct mdt_reports *rep)
{
    srv->reports = rep;
}

struct mdt_reports *mdt_server_reports(struct mdt_server *srv)
{
    return srv->reports;
}

/* Answers given after the handler has returned (reports.c). The state
 * handle() keeps on its stack is copied; a slot in the request's pool
 * points back, and h2o's dispose of the pool (the client went away, the
 * connection was closed) clears the copy's request so that nothing
 * touches it afterwards. */
struct mdt_later {
    struct req_state st;
    struct mdt_req r;
    struct mdt_later **slot; /* in the request's pool while st.req is set */
    void (*gone)(void *arg); /* told when the request is freed first */
    void *gone_arg;
};

static void later_gone(void *p)
{
    struct mdt_later **slot = p, *l = *slot;

    if (l == NULL)
        return;
    l->st.req = NULL;
    if (l->gone)
        l->gone(l->gone_arg);
}

struct mdt_later *mdt_req_later(struct mdt_req *r, void (*gone)(void *arg), void *arg)
{
    struct req_state *s = r->priv;
    struct mdt_later *l;

    /* Changes answer inside their transaction, and mdt__http_call's
     * request lives only for the call: those answer now. */
    if (s->cap || s->txn || s->replied)
        return NULL;
    l = mdt_xcalloc(1, sizeof(*l));
    l->st = *s;
    l->r = *r;
    l->r.priv = &l->st;
    l->r.param = NULL; /* handle()'s buffers end with it */
    l->r.body = NULL;
    l->r.raw = NULL;
    l->r.raw_len = 0;
    l->gone = gone;
    l->gone_arg = arg;
    l->slot = h2o_mem_alloc_shared(&s->req->pool, sizeof(*l->slot), later_gone);
    *l->slot = l;
    s->replied = 1; /* handle() must not answer it */
    return l;
}

struct mdt_req *mdt_later_req(struct mdt_later *l)
{
    return l->st.req ? &l->r : NULL;
}

void mdt_later_free(struct mdt_later *l)
{
    if (l == NULL)
        return;
    if (l->st.req) { /* the answer may have ended the request already */
        if (!l->st.replied)
            log_warnx("http: %s: a deferred request is left unanswered", l->st.tmpl);
        *l->slot = NULL;
    }
    free(l);
}

void mdt_server_free(struct mdt_server *srv)
{
    if (srv == NULL)
        return;
    if (srv->ctx_ready) {
        /* h2o 2.2.5 leaves the HTTP/2 GOAWAY resend timer of a requested
         * shutdown linked, and disposing a context with a linked timer
         * aborts: every connection is gone by now, so unlink it. */
        if (h2o_timeout_is_linked(&srv->ctx.http2._graceful_shutdown_timeout))
            h2o_timeout_unlink(&srv->ctx.http2._graceful_shutdown_timeout);
        h2o_context_dispose(&srv->ctx);
    }
    h2o_config_dispose(&srv->h2o);
    free(srv->limits);
    if (srv->ssl)
        SSL_CTX_free(srv->ssl);
    free(srv);
}
