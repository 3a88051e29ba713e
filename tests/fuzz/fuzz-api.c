/* Request bodies of the API through the server's own path: the route
 * table, authentication, the Content-Type and size checks, the JSON (or
 * CSV) decoding, the handler's validation and store, the audit log and
 * the answer (mdt__http_call runs all of it without a connection). The
 * first byte picks a route, the rest is the body.
 *
 * Every answer must be a status from 200 to 499 (a 500 is a bug) with a
 * JSON document whose errors carry a code and a message. The database is
 * a real SQLite file: each input runs in a transaction that is rolled
 * back, except for the routes that open their own (list members, cases,
 * imports), and the file is started afresh every 2,000 inputs so that
 * what those leave does not pile up. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "log.h"
#include "../../server/mdtd.h"
#include "scrub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct route {
    const char *method, *path, *ctype;
    int holder; /* the case holder's token, else the admin's */
    int own_tx; /* the handler opens its own transaction */
};

static const struct route routes[] = {
    {"POST", "/v1/orgs", "application/json", 0, 0},
    {"PATCH", "/v1/orgs/Fuzz%20Org", "application/json", 0, 0},
    {"POST", "/v1/people", "application/json", 0, 0},
    {"PATCH", "/v1/people/p%40fuzz.example", "application/json", 0, 0},
    {"POST", "/v1/pcns", "application/json", 0, 0},
    {"PATCH", "/v1/pcns/Fuzz%20PCN", "application/json", 0, 0},
    {"POST", "/v1/lists", "application/json", 0, 0},
    {"PATCH", "/v1/lists/Fuzz%20List", "application/json", 0, 0},
    {"POST", "/v1/lists/Fuzz%20List/members", "application/json", 0, 1},
    {"POST", "/v1/tokens", "application/json", 0, 0},
    {"POST", "/v1/cases", "application/json", 1, 1},
    {"POST", "/v1/import/people", "text/csv", 0, 1},
    {"POST", "/v1/import/orgs", "text/csv", 0, 1},
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
    char admin[128], holder[128];
    unsigned runs;
} g;

static void must(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz-api: setting up: %s\n", what);
        abort();
    }
}

/* A fresh database with one of each directory object and two tokens. */
static void open_db(void)
{
    struct mdt_buf err;
    char *secret = NULL;
    int64_t id;
    int applied;

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
    must(mdt_token_create(g.db, MDT_ROLE_ADMIN, "fuzz admin", 0, &secret, &id) == 0, "admin token");
    snprintf(g.admin, sizeof(g.admin), "Bearer %s", secret);
    free(secret);
    must(mdt_token_create(g.db, MDT_ROLE_CASE_HOLDER, "fuzz holder", 1, &secret, &id) == 0,
         "holder token");
    snprintf(g.holder, sizeof(g.holder), "Bearer %s", secret);
    free(secret);
    must((g.srv = mdt_server_new(&g.loop, &g.cfg, g.db, g.scrub, &err)) != NULL, mdt_buf_str(&err));
    mdt_buf_release(&err);
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
    g.scrub = mdt_scrub_ctx_new();
    snprintf(g.path, sizeof(g.path), "/tmp/mdt-fuzz-api-%ld.db", (long)getpid());
    open_db();
    atexit(cleanup);
    g.ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct route *rt;
    struct mdt_http_answer ans;
    json_t *doc = NULL;

    if (size < 1)
        return 0;
    if (!g.ready)
        setup();
    if (++g.runs % 2000 == 0) {
        close_db();
        open_db();
    }
    rt = &routes[data[0] % NROUTES];
    if (!rt->own_tx)
        must(mdt_db_begin(g.db) == 0, "begin");
    mdt__http_call(g.srv, rt->method, rt->path, rt->ctype, rt->holder ? g.holder : g.admin,
                   (const char *)data + 1, size - 1, &ans);
    if (!rt->own_tx)
        mdt_db_rollback(g.db);
    if (ans.status < 200 || ans.status > 499) {
        fprintf(stderr, "fuzz-api: %s %s answered %d: %.*s\n", rt->method, rt->path, ans.status,
                (int)ans.len, ans.body ? ans.body : "");
        abort();
    }
    if (ans.body) {
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
    return 0;
}
