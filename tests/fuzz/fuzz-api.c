/* Request bodies of the API through the server's own path: the route
 * table, authentication, the Content-Type and size checks, the JSON (or
 * CSV) decoding, the handler's validation and store, the audit log and
 * the answer (mdt__http_call runs all of it without a connection). The
 * first byte picks a route, the rest is the body.
 *
 * Every route that takes a body is here, each with the token its role
 * needs (admin, chair, case holder, partner, or none for the secret
 * links), and a fixture made through mdt__http_call itself: a PCN, a
 * list with a member, a series with its meetings, invites (whose RSVP
 * links are read from the outbox), two cases on the first meeting with
 * outcomes, one plan confirmed (so actions and their links exist). For
 * a route without a body the input also becomes the query string (up
 * to its first NUL), so the RSVP answer and the like are fuzzed too; in
 * an iMIP body, @SERIES_UID@ becomes the fixture's series UID.
 *
 * Every answer must be a status from 200 to 499 (a 500 is a bug) with a
 * JSON document whose errors carry a code and a message; the public
 * pages (RSVP, action links) may answer an HTML page instead, which must
 * be one (the answer keeps no headers, so its start is checked). The
 * database is a real SQLite file. Transactions nest (the HTTP layer
 * holds one per change and unwinds only to the depth it started at), so
 * every input, whatever its route, runs inside one that is rolled back
 * and leaves nothing behind; the file is still started afresh every
 * 2,000 inputs in case a handler writes outside a transaction. */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "log.h"
#include "../../server/mdtd.h"
#include "scrub.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum tok { T_ADMIN, T_HOLDER, T_CHAIR, T_PARTNER, T_NONE };
/* What the path's %s stands for (made by the fixture). */
enum arg { A_NONE, A_SERIES, A_M1, A_M2, A_C1, A_C2, A_ACTION, A_RSVP, A_LINK, A_OUTBOX, A_UID, NARGS };
/* In an iMIP body, this stands for the fixture's series UID (random per
 * database), so that replies can name an event that exists. */
#define UID_MARK "@SERIES_UID@"

struct route {
    const char *method, *path, *ctype;
    enum tok tok;
    enum arg arg;
    int html; /* a public page: may answer HTML */
};

/* Keep the order: the first byte of each seed picks its route. */
static const struct route routes[] = {
    {"POST", "/v1/orgs", "application/json", T_ADMIN, A_NONE, 0},
    {"PATCH", "/v1/orgs/Fuzz%%20Org", "application/json", T_ADMIN, A_NONE, 0},
    {"POST", "/v1/people", "application/json", T_ADMIN, A_NONE, 0},
    {"PATCH", "/v1/people/p%%40fuzz.example", "application/json", T_ADMIN, A_NONE, 0},
    {"POST", "/v1/pcns", "application/json", T_ADMIN, A_NONE, 0},
    {"PATCH", "/v1/pcns/Fuzz%%20PCN", "application/json", T_ADMIN, A_NONE, 0},
    {"POST", "/v1/lists", "application/json", T_ADMIN, A_NONE, 0},
    {"PATCH", "/v1/lists/Fuzz%%20List", "application/json", T_ADMIN, A_NONE, 0},
    {"POST", "/v1/lists/Fuzz%%20List/members", "application/json", T_ADMIN, A_NONE, 0},
    {"POST", "/v1/tokens", "application/json", T_ADMIN, A_NONE, 0},
    {"POST", "/v1/cases", "application/json", T_HOLDER, A_NONE, 0},
    {"POST", "/v1/import/people", "text/csv", T_ADMIN, A_NONE, 0},
    {"POST", "/v1/import/orgs", "text/csv", T_ADMIN, A_NONE, 0},
    /* 13 */
    {"POST", "/v1/series", "application/json", T_ADMIN, A_NONE, 0},
    {"PATCH", "/v1/series/%s", "application/json", T_ADMIN, A_SERIES, 0},
    {"POST", "/v1/series/%s/cancel", NULL, T_CHAIR, A_SERIES, 0},
    {"POST", "/v1/meetings/%s/move", "application/json", T_CHAIR, A_M2, 0},
    {"POST", "/v1/meetings/%s/cancel", NULL, T_ADMIN, A_M2, 0},
    {"POST", "/v1/meetings/%s/close", "application/json", T_CHAIR, A_M1, 0},
    {"POST", "/v1/meetings/%s/agenda/send", NULL, T_CHAIR, A_M1, 0},
    {"POST", "/v1/series/%s/invites", NULL, T_ADMIN, A_SERIES, 0},
    /* 21 */
    {"POST", "/v1/rsvp/%s", NULL, T_NONE, A_RSVP, 1},
    {"POST", "/v1/action-link/%s", "application/x-www-form-urlencoded", T_NONE, A_LINK, 1},
    {"POST", "/v1/imip", "text/calendar", T_CHAIR, A_NONE, 0},
    {"POST", "/v1/cases/%s/outcome", "application/json", T_HOLDER, A_C2, 0},
    {"POST", "/v1/cases/%s/outcome", "application/json", T_CHAIR, A_C2, 0},
    {"POST", "/v1/cases/%s/plan/confirm", "application/json", T_HOLDER, A_C2, 0},
    {"POST", "/v1/cases/%s/plan/amend", "application/json", T_HOLDER, A_C1, 0},
    {"POST", "/v1/actions/%s/updates", "application/json", T_PARTNER, A_ACTION, 0},
    /* 29 */
    {"POST", "/v1/orgs/Fuzz%%20Org/webhook-secret", NULL, T_ADMIN, A_NONE, 0},
    {"POST", "/v1/outbox/%s/retry", NULL, T_ADMIN, A_OUTBOX, 0},
    {"POST", "/v1/people/p%%40fuzz.example/feed", NULL, T_ADMIN, A_NONE, 0},
    {"POST", "/v1/people/p%%40fuzz.example/feed/revoke", NULL, T_ADMIN, A_NONE, 0},
    {"POST", "/v1/cases/%s/close", NULL, T_HOLDER, A_C1, 0},
    {"POST", "/v1/cases/%s/step-down", NULL, T_CHAIR, A_C2, 0},
    {"POST", "/v1/purge", NULL, T_CHAIR, A_NONE, 0},
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

static struct {
    int ready;
    uv_loop_t loop;
    struct mdt_config cfg;
    struct mdt_scrub_ctx *scrub;
    struct mdt_db *db;
    struct mdt_server *srv;
    char path[64];
    char tok[T_NONE][128];
    char arg[NARGS][128];
    unsigned runs;
    int verbose; /* MDT_FUZZ_VERBOSE: each input's route and status on stderr */
} g;

static void must(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz-api: setting up: %s\n", what);
        abort();
    }
}

/* One request of the fixture: must answer want; returns the parsed answer (new). */
static json_t *call(const char *method, const char *path, enum tok t, const char *body, int want)
{
    struct mdt_http_answer ans;
    json_t *doc;

    mdt__http_call(g.srv, method, path, body ? "application/json" : NULL,
                   t == T_NONE ? NULL : g.tok[t], body, body ? strlen(body) : 0, &ans);
    if (ans.status != want) {
        fprintf(stderr, "fuzz-api: setting up: %s %s answered %d: %.*s\n", method, path,
                ans.status, (int)ans.len, ans.body ? ans.body : "");
        abort();
    }
    doc = ans.body ? json_loadb(ans.body, ans.len, 0, NULL) : json_object();
    free(ans.body);
    must(doc != NULL, "answer is JSON");
    return doc;
}

static void set_id(enum arg a, json_t *doc, const char *key, const char *key2)
{
    json_t *v = json_object_get(doc, key);
    if (key2)
        v = json_object_get(v, key2);
    must(json_is_integer(v), key2 ? key2 : key);
    snprintf(g.arg[a], sizeof(g.arg[a]), "%lld", (long long)json_integer_value(v));
}

/* The first secret after marker in any queued message (the link's path
 * segment), for the pages reached from emails. */
static void secret_from_outbox(enum arg a, const char *marker)
{
    sqlite3_stmt *st;
    int found = 0;

    must(sqlite3_prepare_v2(mdt_db_handle(g.db), "SELECT body FROM outbox ORDER BY id", -1, &st,
                            NULL) == SQLITE_OK, "outbox query");
    while (!found && sqlite3_step(st) == SQLITE_ROW) {
        const char *body = (const char *)sqlite3_column_blob(st, 0);
        int n = sqlite3_column_bytes(st, 0);
        size_t ml = strlen(marker), k = 0;
        for (int i = 0; body && i + (int)ml < n && !found; i++) {
            if (memcmp(body + i, marker, ml) != 0)
                continue;
            for (i += ml; i < n && k + 1 < sizeof(g.arg[a]) &&
                          (isalnum((unsigned char)body[i]) || body[i] == '-' || body[i] == '_');
                 i++)
                g.arg[a][k++] = body[i];
            g.arg[a][k] = '\0';
            found = k > 0;
        }
    }
    sqlite3_finalize(st);
    must(found, marker);
}

/* A fresh database with one of each directory object, the tokens, and
 * the series, meetings, cases and plan the other routes refer to. */
static void open_db(void)
{
    static const struct { int role; int64_t org; } toks[T_NONE] = {
        [T_ADMIN] = {MDT_ROLE_ADMIN, 0}, [T_HOLDER] = {MDT_ROLE_CASE_HOLDER, 1},
        [T_CHAIR] = {MDT_ROLE_CHAIR, 0}, [T_PARTNER] = {MDT_ROLE_PARTNER, 1}};
    struct mdt_buf err;
    char *secret = NULL, path[256], body[512], today[16];
    time_t now = time(NULL);
    struct tm tm;
    int64_t id;
    int applied;
    json_t *doc;

    mdt_buf_init(&err, 4096);
    unlink(g.path);
    must(mdt_db_open(g.path, 1, &g.db, &err) == 0, mdt_buf_str(&err));
    must(mdt_db_migrate(g.db, &applied, &err) == 0, mdt_buf_str(&err));
    must(sqlite3_exec(mdt_db_handle(g.db),
                      "INSERT INTO orgs (name, kind, email, needs, capacity, version, created_at, "
                      "updated_at) VALUES ('Fuzz Org', 'vcse', 'o@fuzz.example', '[]', 'open', 1, 0, 0);"
                      "INSERT INTO people (name, email, org_id, version, created_at, updated_at) "
                      "VALUES ('Pat Fuzz', 'p@fuzz.example', 1, 1, 0, 0);"
                      "INSERT INTO pcns (name, version, created_at, updated_at) VALUES ('Fuzz PCN', 1, 0, 0);"
                      "INSERT INTO lists (name, version, created_at, updated_at) VALUES ('Fuzz List', 1, 0, 0);",
                      NULL, NULL, NULL) == SQLITE_OK,
         sqlite3_errmsg(mdt_db_handle(g.db)));
    for (int t = 0; t < T_NONE; t++) {
        must(mdt_token_create(g.db, toks[t].role, "fuzz", toks[t].org, &secret, &id) == 0, "token");
        snprintf(g.tok[t], sizeof(g.tok[t]), "Bearer %s", secret);
        free(secret);
    }
    must((g.srv = mdt_server_new(&g.loop, &g.cfg, g.db, g.scrub, &err)) != NULL, mdt_buf_str(&err));
    mdt_buf_release(&err);

    json_decref(call("POST", "/v1/lists/Fuzz%20List/members", T_ADMIN,
                     "{\"add\":[\"p@fuzz.example\"]}", 200));
    doc = call("POST", "/v1/series", T_ADMIN,
               "{\"pcn\":\"Fuzz PCN\",\"title\":\"Fuzz MDT\",\"rrule\":\"FREQ=WEEKLY;BYDAY=TU\","
               "\"start\":\"2027-01-12T10:00\",\"duration\":\"1h\",\"tz\":\"Europe/London\","
               "\"list\":\"Fuzz List\",\"url\":\"https://meet.example.org/f\","
               "\"chair\":\"p@fuzz.example\"}", 201);
    set_id(A_SERIES, doc, "id", NULL);
    set_id(A_M1, doc, "next_meeting", "id");
    must(json_is_string(json_object_get(doc, "uid")), "series uid");
    snprintf(g.arg[A_UID], sizeof(g.arg[A_UID]), "%s", json_string_value(json_object_get(doc, "uid")));
    snprintf(g.arg[A_M2], sizeof(g.arg[A_M2]), "%lld", atoll(g.arg[A_M1]) + 1);
    json_decref(doc);
    snprintf(path, sizeof(path), "/v1/meetings/%s", g.arg[A_M2]);
    json_decref(call("GET", path, T_ADMIN, NULL, 200));
    snprintf(path, sizeof(path), "/v1/series/%s/invites", g.arg[A_SERIES]);
    json_decref(call("POST", path, T_ADMIN, NULL, 202));
    {
        int queued, rc;
        while ((rc = mdt__invites_fanout_slice(g.db, &g.cfg, 1000000000, &queued)) > 0)
            ;
        must(rc == 0, "invites fan-out");
    }
    secret_from_outbox(A_RSVP, "/v1/rsvp/");

    for (int c = 0; c < 2; c++) {
        snprintf(body, sizeof(body),
                 "{\"pseudonym\":\"MDT-7K3Q-9XW%d\",\"age_band\":\"30-39\",\"needs\":[\"housing\"],"
                 "\"presentation\":\"Rent arrears\",\"question\":\"Can arrears be paused?\","
                 "\"risk\":\"Low\",\"meeting\":%s}", c, g.arg[A_M1]);
        doc = call("POST", "/v1/cases", T_HOLDER, body, 201);
        set_id(c ? A_C2 : A_C1, doc, "id", NULL);
        json_decref(doc);
        snprintf(path, sizeof(path), "/v1/cases/%s/outcome", g.arg[c ? A_C2 : A_C1]);
        snprintf(body, sizeof(body),
                 "{\"meeting\":%s,\"actions\":[\"Fuzz Org: Review the tenancy, due 2030-01-01\"],"
                 "\"risk\":\"Low risk\"}", g.arg[A_M1]);
        doc = call("POST", path, T_HOLDER, body, 201);
        if (c == 0)
            set_id(A_ACTION, json_array_get(json_object_get(doc, "actions"), 0), "id", NULL);
        json_decref(doc);
    }
    gmtime_r(&now, &tm);
    strftime(today, sizeof(today), "%Y-%m-%d", &tm);
    snprintf(path, sizeof(path), "/v1/cases/%s/plan/confirm", g.arg[A_C1]);
    snprintf(body, sizeof(body), "{\"agreed_on\":\"%s\"}", today);
    json_decref(call("POST", path, T_HOLDER, body, 200));
    secret_from_outbox(A_LINK, "/v1/action-link/");
    {
        sqlite3_stmt *st;
        must(sqlite3_prepare_v2(mdt_db_handle(g.db), "SELECT min(id) FROM outbox", -1, &st,
                                NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW, "outbox id");
        snprintf(g.arg[A_OUTBOX], sizeof(g.arg[A_OUTBOX]), "%lld",
                 (long long)sqlite3_column_int64(st, 0));
        sqlite3_finalize(st);
    }
}

static void close_db(void)
{
    mdt_server_free(g.srv);
    mdt_db_close(g.db);
    g.srv = NULL;
    g.db = NULL;
}

static void cleanup(void)
{
    close_db();
    unlink(g.path);
    char wal[80];
    snprintf(wal, sizeof(wal), "%s-wal", g.path);
    unlink(wal);
    snprintf(wal, sizeof(wal), "%s-shm", g.path);
    unlink(wal);
    mdt_scrub_ctx_free(g.scrub);
    uv_loop_close(&g.loop);
    mdt_config_release(&g.cfg);
}

static void setup(void)
{
    log_init(1, MDT_LOG_WARN, "fuzz-api");
    mdt_db_global_init();
    uv_loop_init(&g.loop);
    mdt_config_init(&g.cfg);
    g.cfg.max_body = 64 * 1024;
    g.cfg.public_url = mdt_xstrdup("https://mdt.fuzz.example/");
    g.cfg.smtp_from = mdt_xstrdup("mdt@fuzz.example");
    g.scrub = mdt_scrub_ctx_new();
    snprintf(g.path, sizeof(g.path), "/tmp/mdt-fuzz-api-%ld.db", (long)getpid());
    g.verbose = getenv("MDT_FUZZ_VERBOSE") != NULL;
    open_db();
    atexit(cleanup);
    g.ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct route *rt;
    struct mdt_http_answer ans;
    json_t *doc = NULL;
    char *path, *cal = NULL;
    const char *body, *mark;
    size_t plen, qlen = 0, blen;

    if (size < 1)
        return 0;
    if (!g.ready)
        setup();
    if (++g.runs % 2000 == 0) {
        close_db();
        open_db();
    }
    rt = &routes[data[0] % NROUTES];
    /* The path, and for a route without a body the input as its query. */
    if (rt->ctype == NULL)
        qlen = strnlen((const char *)data + 1, size - 1);
    plen = strlen(rt->path) + sizeof(g.arg[0]) + qlen + 2;
    path = mdt_xmalloc(plen);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(path, plen, rt->path, g.arg[rt->arg]);
#pragma GCC diagnostic pop
    if (qlen) {
        strcat(path, "?");
        strncat(path, (const char *)data + 1, qlen);
    }
    body = (const char *)data + 1;
    blen = size - 1;
    if (rt->ctype && strcmp(rt->ctype, "text/calendar") == 0 &&
        (mark = memmem(body, blen, UID_MARK, strlen(UID_MARK))) != NULL) {
        size_t at = (size_t)(mark - body), ul = strlen(g.arg[A_UID]);
        cal = mdt_xmalloc(blen - strlen(UID_MARK) + ul + 1);
        memcpy(cal, body, at);
        memcpy(cal + at, g.arg[A_UID], ul);
        memcpy(cal + at + ul, mark + strlen(UID_MARK), blen - at - strlen(UID_MARK));
        blen = blen - strlen(UID_MARK) + ul;
        body = cal;
    }
    must(mdt_db_begin(g.db) == 0, "begin");
    mdt__http_call(g.srv, rt->method, path, rt->ctype, rt->tok == T_NONE ? NULL : g.tok[rt->tok],
                   body, blen, &ans);
    mdt_db_rollback(g.db);
    if (g.verbose)
        fprintf(stderr, "%s %s -> %d %.*s\n", rt->method, path, ans.status,
                (int)(ans.len < 160 ? ans.len : 160), ans.body ? ans.body : "");
    if (ans.status < 200 || ans.status > 499) {
        fprintf(stderr, "fuzz-api: %s %s answered %d: %.*s\n", rt->method, path, ans.status,
                (int)ans.len, ans.body ? ans.body : "");
        abort();
    }
    if (ans.body && rt->html && ans.len > 0 && ans.body[0] == '<') {
        if (ans.len < 15 || strncasecmp(ans.body, "<!DOCTYPE html", 14) != 0)
            abort();
    } else if (ans.body) {
        json_t *err;
        if ((doc = json_loadb(ans.body, ans.len, 0, NULL)) == NULL)
            abort();
        if (ans.status >= 400 && (!json_is_object(err = json_object_get(doc, "error")) ||
                                  !json_is_string(json_object_get(err, "code")) ||
                                  !json_is_string(json_object_get(err, "message"))))
            abort();
        json_decref(doc);
    } else if (ans.status != 204) {
        abort();
    }
    free(ans.body);
    free(path);
    free(cal);
    return 0;
}
