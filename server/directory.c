/* The directory: organisations, professionals, PCNs and distribution
 * lists. Every write is one statement or one transaction, answered only
 * after it has committed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mdtd.h"

/* Resolves the path's {ref}, answering 404 when there is none. */
static int64_t path_ref(struct mdt_req *r, const char *by_id, const char *by_name,
                        const char *what)
{
    int64_t id = mdt_lookup_ref(r->db, r->param, by_id, by_name);
    if (id < 0)
        mdt_reply_errno(r, (int)id, NULL, what);
    return id;
}

/* 409 stale when the body's version is not the stored one. */
static int check_version(struct mdt_req *r, const char *sql, int64_t id)
{
    sqlite3_stmt *st = mdt_db_stmt(r->db, sql);
    int64_t want, have;
    int rc;

    if (mdt_field_version(r, &want) < 0)
        return -1;
    if (want < 0)
        return 0;
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "object");
        return -1;
    }
    sqlite3_bind_int64(st, 1, id);
    if ((rc = mdt_db_step(r->db, st)) != 1) {
        mdt_reply_errno(r, rc < 0 ? rc : -ENOENT, NULL, "object");
        return -1;
    }
    have = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (have != want) {
        mdt_reply_error(r, 409, "stale", "version",
                        "version: the object is at version %lld, not %lld", (long long)have,
                        (long long)want);
        return -1;
    }
    return 0;
}

static int check_field(struct mdt_req *r, const char *field, const char *v,
                       const char *(*check)(const char *))
{
    const char *why;
    if (v && (why = check(v)) != NULL) {
        mdt_reply_error(r, 422, "invalid", field, "%s: %s", field, why);
        return -1;
    }
    return 0;
}

static int check_enum_field(struct mdt_req *r, const char *field, const char *v,
                            const char *const *set)
{
    if (v && mdt_check_enum(v, set) != NULL) {
        struct mdt_buf all;
        mdt_buf_init(&all, 4096);
        for (const char *const *s = set; *s; s++)
            mdt_buf_printf(&all, "%s%s", s == set ? "" : " ", *s);
        mdt_reply_error(r, 422, "invalid", field, "%s: must be one of %s", field, mdt_buf_str(&all));
        mdt_buf_release(&all);
        return -1;
    }
    return 0;
}

/* Runs a one-row write (bound already), answering store errors. */
static int run_write(struct mdt_req *r, sqlite3_stmt *st, const char *field, const char *what)
{
    int rc;

    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, what);
        return -1;
    }
    if ((rc = mdt_db_step(r->db, st)) < 0) {
        mdt_reply_errno(r, rc, field, what);
        return -1;
    }
    return 0;
}

static void bind_opt_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
}

/* Writes the object of st's current row. Every answer is written
 * straight from the rows into one buffer (jsonw.h): no tree per row. */
typedef void row_fn(struct mdt_db *db, struct mdt_jsonw *w, sqlite3_stmt *st);

/* A list answer: one object per row of st, made by fn. */
static void reply_rows(struct mdt_req *r, sqlite3_stmt *st, row_fn *fn)
{
    struct mdt_jsonw w;
    int rc;

    mdt_jsonw_init(&w);
    mdt_jsonw_arr_begin(&w);
    while ((rc = mdt_db_step(r->db, st)) == 1)
        fn(r->db, &w, st);
    if (rc < 0) {
        mdt_jsonw_release(&w);
        mdt_reply_errno(r, rc, NULL, "object");
        return;
    }
    mdt_jsonw_arr_end(&w);
    mdt_reply_jsonw(r, 200, &w);
}

/* One object by id, made by fn from sql's row; 404 when gone. */
static void reply_one(struct mdt_req *r, int status, const char *sql, int64_t id, row_fn *fn,
                      const char *what)
{
    sqlite3_stmt *st = mdt_db_stmt(r->db, sql);
    struct mdt_jsonw w;
    int rc;

    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, what);
        return;
    }
    sqlite3_bind_int64(st, 1, id);
    if ((rc = mdt_db_step(r->db, st)) != 1) {
        mdt_reply_errno(r, rc < 0 ? rc : -ENOENT, NULL, what);
        return;
    }
    mdt_jsonw_init(&w);
    fn(r->db, &w, st);
    sqlite3_reset(st);
    mdt_reply_jsonw(r, status, &w);
}

static void delete_row(struct mdt_req *r, const char *sql, int64_t id, const char *what)
{
    sqlite3_stmt *st = mdt_db_stmt(r->db, sql);

    if (st)
        sqlite3_bind_int64(st, 1, id);
    if (run_write(r, st, NULL, what) < 0)
        return;
    log_info("directory: deleted %s %lld", what, (long long)id);
    mdt_reply_empty(r, 204);
}

/* ---- organisations ---- */

#define ORG_COLS "id, name, kind, needs, email, webhook_url, capacity, version, created_at, updated_at"
#define ORG_ONE "SELECT " ORG_COLS " FROM orgs WHERE id = ?1"

static void org_row(struct mdt_db *db, struct mdt_jsonw *w, sqlite3_stmt *st)
{
    (void)db;
    mdt_jsonw_obj_begin(w);
    MDT_JSONW_KEY(w, "id");
    mdt_jsonw_int(w, sqlite3_column_int64(st, 0));
    MDT_JSONW_KEY(w, "name");
    mdt_db_w_text(w, st, 1);
    MDT_JSONW_KEY(w, "kind");
    mdt_db_w_text(w, st, 2);
    MDT_JSONW_KEY(w, "needs");
    mdt_db_w_json(w, st, 3);
    MDT_JSONW_KEY(w, "email");
    mdt_db_w_text(w, st, 4);
    MDT_JSONW_KEY(w, "webhook_url");
    mdt_db_w_text(w, st, 5);
    MDT_JSONW_KEY(w, "capacity");
    mdt_db_w_text(w, st, 6);
    MDT_JSONW_KEY(w, "version");
    mdt_jsonw_int(w, sqlite3_column_int64(st, 7));
    MDT_JSONW_KEY(w, "created_at");
    mdt_db_w_time(w, st, 8);
    MDT_JSONW_KEY(w, "updated_at");
    mdt_db_w_time(w, st, 9);
    mdt_jsonw_obj_end(w);
}

struct org_in {
    const char *name, *kind, *email, *webhook_url, *capacity;
    json_t *needs; /* new or NULL */
    int has_webhook;
};

static int org_fields(struct mdt_req *r, struct org_in *in, int create)
{
    static const char *const fields[] = {"name", "kind", "needs", "email", "webhook_url",
                                         "capacity", "version", NULL};

    memset(in, 0, sizeof(*in));
    in->has_webhook = json_object_get(r->body, "webhook_url") != NULL;
    if (mdt_fields_known(r, fields) < 0 || mdt_field_str(r, "name", create, &in->name) < 0 ||
        check_field(r, "name", in->name, mdt_check_name) < 0 ||
        mdt_field_str(r, "kind", create, &in->kind) < 0 ||
        check_enum_field(r, "kind", in->kind, mdt_org_kinds) < 0 ||
        mdt_field_str(r, "email", create, &in->email) < 0 ||
        check_field(r, "email", in->email, mdt_check_email) < 0 ||
        mdt_field_str(r, "webhook_url", 0, &in->webhook_url) < 0 ||
        check_field(r, "webhook_url", in->webhook_url, mdt_check_url) < 0 ||
        mdt_field_str(r, "capacity", 0, &in->capacity) < 0 ||
        check_enum_field(r, "capacity", in->capacity, mdt_capacities) < 0)
        return -1;
    if (!create && json_is_null(json_object_get(r->body, "name"))) {
        mdt_reply_error(r, 422, "invalid", "name", "name: must be a string");
        return -1;
    }
    return mdt_field_set_array(r, "needs", mdt_needs, &in->needs);
}

static void bind_needs(sqlite3_stmt *st, int i, json_t *needs)
{
    char *s;
    if (needs == NULL)
        return;
    s = json_dumps(needs, JSON_COMPACT);
    sqlite3_bind_text(st, i, s, -1, free);
}

void mdt_h_orgs_create(struct mdt_req *r)
{
    struct org_in in;
    sqlite3_stmt *st;
    int64_t now = mdt_now();

    if (org_fields(r, &in, 1) < 0)
        return;
    st = mdt_db_stmt(r->db, "INSERT INTO orgs (name, kind, needs, email, webhook_url, capacity, "
                            "created_at, updated_at) VALUES (?1, ?2, coalesce(?3, '[]'), ?4, ?5, "
                            "coalesce(?6, 'open'), ?7, ?7)");
    if (st) {
        bind_opt_text(st, 1, in.name);
        bind_opt_text(st, 2, in.kind);
        bind_needs(st, 3, in.needs);
        bind_opt_text(st, 4, in.email);
        bind_opt_text(st, 5, in.webhook_url);
        bind_opt_text(st, 6, in.capacity);
        sqlite3_bind_int64(st, 7, now);
    }
    json_decref(in.needs);
    if (run_write(r, st, "name", "organisation") < 0)
        return;
    reply_one(r, 201, ORG_ONE, mdt_db_last_id(r->db), org_row, "organisation");
}

void mdt_h_orgs_list(struct mdt_req *r)
{
    const char *need = mdt_req_query(r, "need"), *kind = mdt_req_query(r, "kind"),
               *cap = mdt_req_query(r, "capacity"), *q = mdt_req_query(r, "q");
    sqlite3_stmt *st;

    if (check_enum_field(r, "need", need, mdt_needs) < 0 ||
        check_enum_field(r, "kind", kind, mdt_org_kinds) < 0 ||
        check_enum_field(r, "capacity", cap, mdt_capacities) < 0)
        return;
    /* Without filters, a plain scan of the name index: no test per row. */
    if (!need && !kind && !cap && !q) {
        st = mdt_db_stmt(r->db, "SELECT " ORG_COLS " FROM orgs ORDER BY name, id");
        if (st == NULL)
            mdt_reply_errno(r, -EPROTO, NULL, "organisation");
        else
            reply_rows(r, st, org_row);
        return;
    }
    st = mdt_db_stmt(r->db, "SELECT " ORG_COLS " FROM orgs o WHERE "
                            "(?1 IS NULL OR EXISTS (SELECT 1 FROM json_each(o.needs) WHERE value = ?1)) "
                            "AND (?2 IS NULL OR kind = ?2) AND (?3 IS NULL OR capacity = ?3) "
                            "AND (?4 IS NULL OR instr(lower(name), lower(?4)) > 0) "
                            "ORDER BY name, id");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "organisation");
        return;
    }
    bind_opt_text(st, 1, need);
    bind_opt_text(st, 2, kind);
    bind_opt_text(st, 3, cap);
    bind_opt_text(st, 4, q);
    reply_rows(r, st, org_row);
}

void mdt_h_orgs_get(struct mdt_req *r)
{
    int64_t id = path_ref(r, MDT_SQL_ORG_BY_ID, MDT_SQL_ORG_BY_NAME, "organisation");
    if (id > 0)
        reply_one(r, 200, ORG_ONE, id, org_row, "organisation");
}

void mdt_h_orgs_patch(struct mdt_req *r)
{
    int64_t id = path_ref(r, MDT_SQL_ORG_BY_ID, MDT_SQL_ORG_BY_NAME, "organisation");
    struct org_in in;
    sqlite3_stmt *st;

    if (id < 0 || check_version(r, "SELECT version FROM orgs WHERE id = ?1", id) < 0 ||
        org_fields(r, &in, 0) < 0)
        return;
    st = mdt_db_stmt(r->db, "UPDATE orgs SET name = coalesce(?2, name), kind = coalesce(?3, kind), "
                            "needs = coalesce(?4, needs), email = coalesce(?5, email), "
                            "webhook_url = CASE WHEN ?8 THEN ?6 ELSE webhook_url END, "
                            "capacity = coalesce(?7, capacity), version = version + 1, "
                            "updated_at = ?9 WHERE id = ?1");
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        bind_opt_text(st, 2, in.name);
        bind_opt_text(st, 3, in.kind);
        bind_needs(st, 4, in.needs);
        bind_opt_text(st, 5, in.email);
        bind_opt_text(st, 6, in.webhook_url);
        bind_opt_text(st, 7, in.capacity);
        sqlite3_bind_int(st, 8, in.has_webhook);
        sqlite3_bind_int64(st, 9, mdt_now());
    }
    json_decref(in.needs);
    if (run_write(r, st, "name", "organisation") < 0)
        return;
    reply_one(r, 200, ORG_ONE, id, org_row, "organisation");
}

void mdt_h_orgs_delete(struct mdt_req *r)
{
    int64_t id = path_ref(r, MDT_SQL_ORG_BY_ID, MDT_SQL_ORG_BY_NAME, "organisation");
    if (id > 0)
        delete_row(r, "DELETE FROM orgs WHERE id = ?1", id, "organisation");
}

/* ---- professionals ---- */

/* The organisation's name comes in the same row (a join), not from a
 * query per person. */
#define PERSON_COLS "p.id, p.name, p.email, p.org_id, p.title, p.version, p.created_at, " \
                    "p.updated_at, po.name"
#define PERSON_JOIN " LEFT JOIN orgs po ON po.id = p.org_id"
#define PERSON_ONE "SELECT " PERSON_COLS " FROM people p" PERSON_JOIN " WHERE p.id = ?1"

static void person_row(struct mdt_db *db, struct mdt_jsonw *w, sqlite3_stmt *st)
{
    (void)db;
    mdt_jsonw_obj_begin(w);
    MDT_JSONW_KEY(w, "id");
    mdt_jsonw_int(w, sqlite3_column_int64(st, 0));
    MDT_JSONW_KEY(w, "name");
    mdt_db_w_text(w, st, 1);
    MDT_JSONW_KEY(w, "email");
    mdt_db_w_text(w, st, 2);
    MDT_JSONW_KEY(w, "org");
    mdt_db_w_ref(w, st, 3, 8);
    MDT_JSONW_KEY(w, "title");
    mdt_db_w_text(w, st, 4);
    MDT_JSONW_KEY(w, "version");
    mdt_jsonw_int(w, sqlite3_column_int64(st, 5));
    MDT_JSONW_KEY(w, "created_at");
    mdt_db_w_time(w, st, 6);
    MDT_JSONW_KEY(w, "updated_at");
    mdt_db_w_time(w, st, 7);
    mdt_jsonw_obj_end(w);
}

static const char *check_title(const char *v)
{
    if (strlen(v) > 200)
        return "must be at most 200 characters";
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < 0x20)
            return "must not contain control characters";
    return NULL;
}

struct person_in {
    const char *name, *email, *title;
    int64_t org_id;
    int has_title;
};

static int person_fields(struct mdt_req *r, struct person_in *in, int create)
{
    static const char *const fields[] = {"name", "email", "org", "title", "version", NULL};

    memset(in, 0, sizeof(*in));
    in->has_title = json_object_get(r->body, "title") != NULL;
    if (mdt_fields_known(r, fields) < 0 || mdt_field_str(r, "name", create, &in->name) < 0 ||
        check_field(r, "name", in->name, mdt_check_name) < 0 ||
        mdt_field_str(r, "email", create, &in->email) < 0 ||
        check_field(r, "email", in->email, mdt_check_email) < 0 ||
        mdt_field_str(r, "title", 0, &in->title) < 0 ||
        check_field(r, "title", in->title, check_title) < 0)
        return -1;
    if (create && json_object_get(r->body, "org") == NULL) {
        mdt_reply_error(r, 422, "invalid", "org", "org: required");
        return -1;
    }
    if (json_is_null(json_object_get(r->body, "org"))) {
        mdt_reply_error(r, 422, "invalid", "org", "org: required");
        return -1;
    }
    return mdt_field_ref(r, "org", MDT_SQL_ORG_BY_ID, MDT_SQL_ORG_BY_NAME, "organisation", &in->org_id);
}

void mdt_h_people_create(struct mdt_req *r)
{
    struct person_in in;
    sqlite3_stmt *st;

    if (person_fields(r, &in, 1) < 0)
        return;
    st = mdt_db_stmt(r->db, "INSERT INTO people (name, email, org_id, title, created_at, updated_at) "
                            "VALUES (?1, ?2, ?3, ?4, ?5, ?5)");
    if (st) {
        bind_opt_text(st, 1, in.name);
        bind_opt_text(st, 2, in.email);
        sqlite3_bind_int64(st, 3, in.org_id);
        bind_opt_text(st, 4, in.title && *in.title ? in.title : NULL);
        sqlite3_bind_int64(st, 5, mdt_now());
    }
    if (run_write(r, st, "email", "person") < 0)
        return;
    reply_one(r, 201, PERSON_ONE, mdt_db_last_id(r->db), person_row, "person");
}

void mdt_h_people_list(struct mdt_req *r)
{
    const char *org = mdt_req_query(r, "org"), *q = mdt_req_query(r, "q");
    int64_t org_id = 0;
    sqlite3_stmt *st;

    if (org) {
        org_id = mdt_lookup_ref(r->db, org, MDT_SQL_ORG_BY_ID, MDT_SQL_ORG_BY_NAME);
        if (org_id == -ENOENT) {
            mdt_reply_error(r, 422, "invalid", "org", "org: no such organisation");
            return;
        }
        if (org_id < 0) {
            mdt_reply_errno(r, (int)org_id, NULL, "organisation");
            return;
        }
    }
    st = mdt_db_stmt(r->db, "SELECT " PERSON_COLS " FROM people p" PERSON_JOIN " WHERE "
                            "(?1 = 0 OR p.org_id = ?1) AND (?2 IS NULL OR "
                            "instr(lower(p.name), lower(?2)) > 0 OR instr(lower(p.email), lower(?2)) > 0) "
                            "ORDER BY p.name, p.id");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "person");
        return;
    }
    sqlite3_bind_int64(st, 1, org_id);
    bind_opt_text(st, 2, q);
    reply_rows(r, st, person_row);
}

void mdt_h_people_get(struct mdt_req *r)
{
    int64_t id = path_ref(r, MDT_SQL_PERSON_BY_ID, MDT_SQL_PERSON_BY_EMAIL, "person");
    if (id > 0)
        reply_one(r, 200, PERSON_ONE, id, person_row, "person");
}

void mdt_h_people_patch(struct mdt_req *r)
{
    int64_t id = path_ref(r, MDT_SQL_PERSON_BY_ID, MDT_SQL_PERSON_BY_EMAIL, "person");
    struct person_in in;
    sqlite3_stmt *st;

    if (id < 0 || check_version(r, "SELECT version FROM people WHERE id = ?1", id) < 0 ||
        person_fields(r, &in, 0) < 0)
        return;
    st = mdt_db_stmt(r->db, "UPDATE people SET name = coalesce(?2, name), email = coalesce(?3, email), "
                            "org_id = CASE WHEN ?4 > 0 THEN ?4 ELSE org_id END, "
                            "title = CASE WHEN ?6 THEN ?5 ELSE title END, version = version + 1, "
                            "updated_at = ?7 WHERE id = ?1");
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        bind_opt_text(st, 2, in.name);
        bind_opt_text(st, 3, in.email);
        sqlite3_bind_int64(st, 4, in.org_id);
        bind_opt_text(st, 5, in.title && *in.title ? in.title : NULL);
        sqlite3_bind_int(st, 6, in.has_title);
        sqlite3_bind_int64(st, 7, mdt_now());
    }
    if (run_write(r, st, "email", "person") < 0)
        return;
    reply_one(r, 200, PERSON_ONE, id, person_row, "person");
}

void mdt_h_people_delete(struct mdt_req *r)
{
    int64_t id = path_ref(r, MDT_SQL_PERSON_BY_ID, MDT_SQL_PERSON_BY_EMAIL, "person");
    /* Memberships go with the person (ON DELETE CASCADE). */
    if (id > 0)
        delete_row(r, "DELETE FROM people WHERE id = ?1", id, "person");
}

/* ---- PCNs ---- */

#define PCN_ONE "SELECT id, name, version, created_at, updated_at FROM pcns WHERE id = ?1"

static void pcn_row(struct mdt_db *db, struct mdt_jsonw *w, sqlite3_stmt *st)
{
    (void)db;
    mdt_jsonw_obj_begin(w);
    MDT_JSONW_KEY(w, "id");
    mdt_jsonw_int(w, sqlite3_column_int64(st, 0));
    MDT_JSONW_KEY(w, "name");
    mdt_db_w_text(w, st, 1);
    MDT_JSONW_KEY(w, "version");
    mdt_jsonw_int(w, sqlite3_column_int64(st, 2));
    MDT_JSONW_KEY(w, "created_at");
    mdt_db_w_time(w, st, 3);
    MDT_JSONW_KEY(w, "updated_at");
    mdt_db_w_time(w, st, 4);
    mdt_jsonw_obj_end(w);
}

static int pcn_fields(struct mdt_req *r, const char **name, int create)
{
    static const char *const fields[] = {"name", "version", NULL};
    return mdt_fields_known(r, fields) < 0 || mdt_field_str(r, "name", create, name) < 0 ||
                   check_field(r, "name", *name, mdt_check_name) < 0
               ? -1
               : 0;
}

void mdt_h_pcns_create(struct mdt_req *r)
{
    const char *name;
    sqlite3_stmt *st;

    if (pcn_fields(r, &name, 1) < 0)
        return;
    st = mdt_db_stmt(r->db, "INSERT INTO pcns (name, created_at, updated_at) VALUES (?1, ?2, ?2)");
    if (st) {
        bind_opt_text(st, 1, name);
        sqlite3_bind_int64(st, 2, mdt_now());
    }
    if (run_write(r, st, "name", "PCN") < 0)
        return;
    reply_one(r, 201, PCN_ONE, mdt_db_last_id(r->db), pcn_row, "PCN");
}

void mdt_h_pcns_list(struct mdt_req *r)
{
    sqlite3_stmt *st = mdt_db_stmt(r->db, "SELECT id, name, version, created_at, updated_at "
                                          "FROM pcns ORDER BY name, id");
    if (st == NULL)
        mdt_reply_errno(r, -EPROTO, NULL, "PCN");
    else
        reply_rows(r, st, pcn_row);
}

void mdt_h_pcns_get(struct mdt_req *r)
{
    int64_t id = path_ref(r, MDT_SQL_PCN_BY_ID, MDT_SQL_PCN_BY_NAME, "PCN");
    if (id > 0)
        reply_one(r, 200, PCN_ONE, id, pcn_row, "PCN");
}

void mdt_h_pcns_patch(struct mdt_req *r)
{
    int64_t id = path_ref(r, MDT_SQL_PCN_BY_ID, MDT_SQL_PCN_BY_NAME, "PCN");
    const char *name;
    sqlite3_stmt *st;

    if (id < 0 || check_version(r, "SELECT version FROM pcns WHERE id = ?1", id) < 0 ||
        pcn_fields(r, &name, 0) < 0)
        return;
    st = mdt_db_stmt(r->db, "UPDATE pcns SET name = coalesce(?2, name), version = version + 1, "
                            "updated_at = ?3 WHERE id = ?1");
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        bind_opt_text(st, 2, name);
        sqlite3_bind_int64(st, 3, mdt_now());
    }
    if (run_write(r, st, "name", "PCN") < 0)
        return;
    reply_one(r, 200, PCN_ONE, id, pcn_row, "PCN");
}

void mdt_h_pcns_delete(struct mdt_req *r)
{
    int64_t id = path_ref(r, MDT_SQL_PCN_BY_ID, MDT_SQL_PCN_BY_NAME, "PCN");
    if (id > 0)
        delete_row(r, "DELETE FROM pcns WHERE id = ?1", id, "PCN");
}

/* ---- distribution lists ---- */

#define LIST_COLS "l.id, l.name, l.pcn_id, l.version, l.created_at, l.updated_at, " \
                  "(SELECT count(*) FROM list_members m WHERE m.list_id = l.id), lp.name"
#define LIST_JOIN " LEFT JOIN pcns lp ON lp.id = l.pcn_id"
#define LIST_ONE "SELECT " LIST_COLS " FROM lists l" LIST_JOIN " WHERE l.id = ?1"

/* The list's members without the closing brace: list_full adds them. */
static void list_fields_w(struct mdt_jsonw *w, sqlite3_stmt *st)
{
    mdt_jsonw_obj_begin(w);
    MDT_JSONW_KEY(w, "id");
    mdt_jsonw_int(w, sqlite3_column_int64(st, 0));
    MDT_JSONW_KEY(w, "name");
    mdt_db_w_text(w, st, 1);
    MDT_JSONW_KEY(w, "pcn");
    mdt_db_w_ref(w, st, 2, 7);
    MDT_JSONW_KEY(w, "member_count");
    mdt_jsonw_int(w, sqlite3_column_int64(st, 6));
    MDT_JSONW_KEY(w, "version");
    mdt_jsonw_int(w, sqlite3_column_int64(st, 3));
    MDT_JSONW_KEY(w, "created_at");
    mdt_db_w_time(w, st, 4);
    MDT_JSONW_KEY(w, "updated_at");
    mdt_db_w_time(w, st, 5);
}

static void list_row(struct mdt_db *db, struct mdt_jsonw *w, sqlite3_stmt *st)
{
    (void)db;
    list_fields_w(w, st);
    mdt_jsonw_obj_end(w);
}

/* The list with its members, as GET /v1/lists/{ref} and changes answer. */
static void list_full(struct mdt_db *db, struct mdt_jsonw *w, sqlite3_stmt *st)
{
    int64_t id = sqlite3_column_int64(st, 0);
    /* A second statement: st stays on its row meanwhile. */
    sqlite3_stmt *ms = mdt_db_stmt(db, "SELECT " PERSON_COLS " FROM list_members m "
                                       "JOIN people p ON p.id = m.person_id" PERSON_JOIN
                                       " WHERE m.list_id = ?1 ORDER BY p.name, p.id");

    list_fields_w(w, st);
    MDT_JSONW_KEY(w, "members");
    mdt_jsonw_arr_begin(w);
    if (ms) {
        sqlite3_bind_int64(ms, 1, id);
        while (mdt_db_step(db, ms) == 1)
            person_row(db, w, ms);
        sqlite3_reset(ms);
    }
    mdt_jsonw_arr_end(w);
    mdt_jsonw_obj_end(w);
}

static int list_fields(struct mdt_req *r, const char **name, int64_t *pcn_id, int *has_pcn,
                       int create)
{
    static const char *const fields[] = {"name", "pcn", "version", NULL};

    *has_pcn = json_object_get(r->body, "pcn") != NULL;
    if (mdt_fields_known(r, fields) < 0 || mdt_field_str(r, "name", create, name) < 0 ||
        check_field(r, "name", *name, mdt_check_name) < 0)
        return -1;
    return mdt_field_ref(r, "pcn", MDT_SQL_PCN_BY_ID, MDT_SQL_PCN_BY_NAME, "PCN", pcn_id);
}

void mdt_h_lists_create(struct mdt_req *r)
{
    const char *name;
    int64_t pcn_id;
    int has_pcn;
    sqlite3_stmt *st;

    if (list_fields(r, &name, &pcn_id, &has_pcn, 1) < 0)
        return;
    st = mdt_db_stmt(r->db, "INSERT INTO lists (name, pcn_id, created_at, updated_at) "
                            "VALUES (?1, nullif(?2, 0), ?3, ?3)");
    if (st) {
        bind_opt_text(st, 1, name);
        sqlite3_bind_int64(st, 2, pcn_id);
        sqlite3_bind_int64(st, 3, mdt_now());
    }
    if (run_write(r, st, "name", "list") < 0)
        return;
    reply_one(r, 201, LIST_ONE, mdt_db_last_id(r->db), list_full, "list");
}

void mdt_h_lists_list(struct mdt_req *r)
{
    const char *pcn = mdt_req_query(r, "pcn");
    int64_t pcn_id = 0;
    sqlite3_stmt *st;

    if (mdt_param_ref(r, "pcn", pcn, MDT_SQL_PCN_BY_ID, MDT_SQL_PCN_BY_NAME, "PCN", &pcn_id) < 0)
        return;
    st = mdt_db_stmt(r->db, "SELECT " LIST_COLS " FROM lists l" LIST_JOIN
                            " WHERE (?1 = 0 OR l.pcn_id = ?1) "
                            "ORDER BY l.name, l.id");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "list");
        return;
    }
    sqlite3_bind_int64(st, 1, pcn_id);
    reply_rows(r, st, list_row);
}

void mdt_h_lists_get(struct mdt_req *r)
{
    int64_t id = path_ref(r, MDT_SQL_LIST_BY_ID, MDT_SQL_LIST_BY_NAME, "list");
    if (id > 0)
        reply_one(r, 200, LIST_ONE, id, list_full, "list");
}

void mdt_h_lists_patch(struct mdt_req *r)
{
    int64_t id = path_ref(r, MDT_SQL_LIST_BY_ID, MDT_SQL_LIST_BY_NAME, "list"), pcn_id;
    const char *name;
    int has_pcn;
    sqlite3_stmt *st;

    if (id < 0 || check_version(r, "SELECT version FROM lists WHERE id = ?1", id) < 0 ||
        list_fields(r, &name, &pcn_id, &has_pcn, 0) < 0)
        return;
    st = mdt_db_stmt(r->db, "UPDATE lists SET name = coalesce(?2, name), "
                            "pcn_id = CASE WHEN ?4 THEN nullif(?3, 0) ELSE pcn_id END, "
                            "version = version + 1, updated_at = ?5 WHERE id = ?1");
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        bind_opt_text(st, 2, name);
        sqlite3_bind_int64(st, 3, pcn_id);
        sqlite3_bind_int(st, 4, has_pcn);
        sqlite3_bind_int64(st, 5, mdt_now());
    }
    if (run_write(r, st, "name", "list") < 0)
        return;
    reply_one(r, 200, LIST_ONE, id, list_full, "list");
}

void mdt_h_lists_delete(struct mdt_req *r)
{
    int64_t id = path_ref(r, MDT_SQL_LIST_BY_ID, MDT_SQL_LIST_BY_NAME, "list");
    if (id > 0)
        delete_row(r, "DELETE FROM lists WHERE id = ?1", id, "list");
}

/* Checks add/remove: arrays of emails of known professionals. */
static int member_ids(struct mdt_req *r, const char *field, json_t **ids)
{
    json_t *v = json_object_get(r->body, field), *e;
    size_t i;

    *ids = json_array();
    if (v == NULL)
        return 0;
    if (!json_is_array(v) || json_array_size(v) > 10000) {
        mdt_reply_error(r, 422, "invalid", field, "%s: must be an array of at most 10000 emails", field);
        return -1;
    }
    json_array_foreach(v, i, e) {
        char path[64];
        int64_t id;

        snprintf(path, sizeof(path), "%s.%zu", field, i);
        if (!json_is_string(e)) {
            mdt_reply_error(r, 422, "invalid", path, "%s: must be an email address", path);
            return -1;
        }
        id = mdt_lookup_ref(r->db, json_string_value(e), MDT_SQL_PERSON_BY_EMAIL,
                            MDT_SQL_PERSON_BY_EMAIL);
        if (id == -ENOENT) {
            mdt_reply_error(r, 422, "invalid", path, "%s: no professional with this email", path);
            return -1;
        }
        if (id < 0) {
            mdt_reply_errno(r, (int)id, NULL, "person");
            return -1;
        }
        json_array_append_new(*ids, json_integer(id));
    }
    return 0;
}

static int apply_members(struct mdt_db *db, int64_t list_id, json_t *ids, const char *sql)
{
    json_t *e;
    size_t i;
    int rc;

    json_array_foreach(ids, i, e) {
        sqlite3_stmt *st = mdt_db_stmt(db, sql);
        if (st == NULL)
            return -EPROTO;
        sqlite3_bind_int64(st, 1, list_id);
        sqlite3_bind_int64(st, 2, json_integer_value(e));
        if ((rc = mdt_db_step(db, st)) < 0)
            return rc;
    }
    return 0;
}

void mdt_h_lists_members(struct mdt_req *r)
{
    static const char *const fields[] = {"add", "remove", "version", NULL};
    int64_t id = path_ref(r, MDT_SQL_LIST_BY_ID, MDT_SQL_LIST_BY_NAME, "list");
    json_t *add = NULL, *rem = NULL;
    sqlite3_stmt *st;
    int rc;

    if (id < 0 || mdt_fields_known(r, fields) < 0 ||
        check_version(r, "SELECT version FROM lists WHERE id = ?1", id) < 0 ||
        member_ids(r, "add", &add) < 0 || member_ids(r, "remove", &rem) < 0)
        goto out;
    /* All or nothing: one transaction for the whole change. */
    if ((rc = mdt_db_begin(r->db)) < 0 ||
        (rc = apply_members(r->db, id, add, "INSERT OR IGNORE INTO list_members (list_id, person_id) "
                                            "VALUES (?1, ?2)")) < 0 ||
        (rc = apply_members(r->db, id, rem, "DELETE FROM list_members WHERE list_id = ?1 "
                                            "AND person_id = ?2")) < 0 ||
        (rc = mdt_invites_members_changed(r, id, add, rem)) < 0) {
        mdt_db_rollback(r->db);
        mdt_reply_errno(r, rc, NULL, "list");
        goto out;
    }
    st = mdt_db_stmt(r->db, "UPDATE lists SET version = version + 1, updated_at = ?2 WHERE id = ?1");
    if (st == NULL) {
        mdt_db_rollback(r->db);
        mdt_reply_errno(r, -EPROTO, NULL, "list");
        goto out;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, mdt_now());
    if ((rc = mdt_db_step(r->db, st)) < 0 || (rc = mdt_db_commit(r->db)) < 0) {
        mdt_db_rollback(r->db);
        mdt_reply_errno(r, rc, NULL, "list");
        goto out;
    }
    mdt_outbox_kick(r->outbox); /* invites queued by the change */
    reply_one(r, 200, LIST_ONE, id, list_full, "list");
out:
    json_decref(add);
    json_decref(rem);
}
