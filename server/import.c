/* CSV imports of professionals and organisations. Every row is checked
 * first; then all rows are applied in one transaction, or none are and
 * the answer lists each refused row with its column and reason. Rows are
 * matched on their key (email, name): new keys create, changed rows
 * update, identical rows are left alone, so importing a file twice
 * changes nothing the second time. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "log.h"
#include "mdtd.h"

#define MAX_REPORTED 200
static const struct mdt_csv_limits import_limits = {20000, 32, 2000};

struct col {
    const char *name;
    int required;
};

struct import {
    struct mdt_req *r;
    struct mdt_csv *csv;
    const struct col *cols;
    int idx[8];        /* column of each spec entry in the file, -1 when absent */
    json_t *problems;  /* [{"row", "column", "reason"}] */
    size_t nproblems;
};

static void problem(struct import *im, size_t row, const char *column, const char *reason)
{
    im->nproblems++;
    if (json_array_size(im->problems) >= MAX_REPORTED)
        return;
    json_array_append_new(im->problems,
                          json_pack("{s:I, s:o, s:s}", "row", (json_int_t)row, "column",
                                    column ? json_string(column) : json_null(), "reason", reason));
}

/* Reads the header row into im->idx; problems for unknown, repeated and
 * missing columns. */
static void read_header(struct import *im)
{
    size_t n = mdt_csv_fields(im->csv, 0);

    for (size_t k = 0; im->cols[k].name; k++)
        im->idx[k] = -1;
    for (size_t f = 0; f < n; f++) {
        const char *name = mdt_csv_field(im->csv, 0, f, NULL);
        size_t k;
        for (k = 0; im->cols[k].name && strcmp(im->cols[k].name, name) != 0; k++)
            ;
        if (im->cols[k].name == NULL) {
            problem(im, 1, mdt_utf8_valid(name, strlen(name)) ? name : NULL, "unknown column");
        } else if (im->idx[k] >= 0) {
            problem(im, 1, name, "column listed twice");
        } else {
            im->idx[k] = (int)f;
        }
    }
    for (size_t k = 0; im->cols[k].name; k++)
        if (im->idx[k] < 0 && im->cols[k].required)
            problem(im, 1, im->cols[k].name, "missing column");
}

/* The value of spec column k in record rec ("" when the file lacks the
 * column), or NULL after noting a problem (bad UTF-8, NUL). */
static const char *cell(struct import *im, size_t rec, size_t k)
{
    size_t len;
    const char *v;

    if (im->idx[k] < 0)
        return "";
    v = mdt_csv_field(im->csv, rec, (size_t)im->idx[k], &len);
    if (v == NULL)
        return "";
    if (strlen(v) != len || !mdt_utf8_valid(v, len)) {
        problem(im, mdt_csv_row(im->csv, rec), im->cols[k].name, "not valid UTF-8 text");
        return NULL;
    }
    return v;
}

/* Parses the body and header: 0, or -1 after answering. */
static int start(struct import *im, struct mdt_req *r, const struct col *cols)
{
    struct mdt_buf err;
    int rc;

    memset(im, 0, sizeof(*im));
    im->r = r;
    im->cols = cols;
    im->problems = json_array();
    mdt_buf_init(&err, 1024);
    rc = mdt_csv_parse(r->raw, r->raw_len, &import_limits, &im->csv, &err);
    if (rc < 0) {
        const char *msg = mdt_buf_str(&err), *colon = strchr(msg, ':');
        size_t row = strtoul(msg + 4, NULL, 10);
        problem(im, row, NULL, colon ? colon + 2 : msg);
    } else if (mdt_csv_records(im->csv) == 0) {
        problem(im, 1, NULL, "a header row is required");
    } else {
        read_header(im);
    }
    mdt_buf_release(&err);
    return 0;
}

static void check_width(struct import *im, size_t rec)
{
    size_t want = mdt_csv_fields(im->csv, 0), got = mdt_csv_fields(im->csv, rec);
    char why[96];

    if (got != want) {
        snprintf(why, sizeof(why), "expected %zu fields, found %zu", want, got);
        problem(im, mdt_csv_row(im->csv, rec), NULL, why);
    }
}

/* Answers 422 with the report when there were problems. */
static int refused(struct import *im)
{
    if (im->nproblems == 0)
        return 0;
    mdt_reply_error_extra(im->r, 422, "invalid", NULL, json_pack("{s:O}", "rows", im->problems),
                          "%zu problem%s in the file: nothing was imported", im->nproblems,
                          im->nproblems == 1 ? "" : "s");
    return 1;
}

static void finish_import(struct import *im)
{
    mdt_csv_free(im->csv);
    json_decref(im->problems);
}

static void reply_counts(struct mdt_req *r, int created, int updated, int unchanged)
{
    log_info("import: %d created, %d updated, %d unchanged", created, updated, unchanged);
    mdt_reply_json(r, 200, json_pack("{s:i, s:i, s:i}", "created", created, "updated", updated,
                                     "unchanged", unchanged));
}

/* Notes a key seen twice in the file (case-insensitive, as the store). */
static void check_unique_key(struct import *im, json_t *seen, const char *key, size_t row,
                             const char *column)
{
    char lower[512], why[96];
    size_t i;
    json_t *prev;

    for (i = 0; key[i] && i < sizeof(lower) - 1; i++)
        lower[i] = (key[i] >= 'A' && key[i] <= 'Z') ? (char)(key[i] + 32) : key[i];
    lower[i] = '\0';
    if ((prev = json_object_get(seen, lower)) != NULL) {
        snprintf(why, sizeof(why), "same as row %lld", (long long)json_integer_value(prev));
        problem(im, row, column, why);
    } else {
        json_object_set_new(seen, lower, json_integer((json_int_t)row));
    }
}

/* ---- people ---- */

enum { P_NAME, P_EMAIL, P_ORG, P_TITLE };
static const struct col people_cols[] = {
    {"name", 1}, {"email", 1}, {"organisation", 1}, {"job_title", 0}, {NULL, 0}};

static int same_text(sqlite3_stmt *st, int i, const char *v)
{
    const char *have = (const char *)sqlite3_column_text(st, i);
    if (v == NULL || *v == '\0')
        return have == NULL;
    return have != NULL && strcmp(have, v) == 0;
}

static int upsert_person(struct mdt_db *db, const char *name, const char *email, int64_t org_id,
                         const char *title, int *created, int *updated, int *unchanged)
{
    sqlite3_stmt *st = mdt_db_stmt(db, "SELECT id, name, org_id, title FROM people WHERE email = ?1");
    int64_t id = 0, now = mdt_now();
    int rc, same = 0;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_text(st, 1, email, -1, SQLITE_TRANSIENT);
    if ((rc = mdt_db_step(db, st)) < 0)
        return rc;
    if (rc == 1) {
        id = sqlite3_column_int64(st, 0);
        same = same_text(st, 1, name) && sqlite3_column_int64(st, 2) == org_id &&
               same_text(st, 3, title);
        sqlite3_reset(st);
    }
    if (id && same) {
        (*unchanged)++;
        return 0;
    }
    if (id)
        st = mdt_db_stmt(db, "UPDATE people SET name = ?2, org_id = ?3, title = ?4, "
                             "version = version + 1, updated_at = ?5 WHERE id = ?1");
    else
        st = mdt_db_stmt(db, "INSERT INTO people (id, name, org_id, title, created_at, updated_at, "
                             "email) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)");
    if (st == NULL)
        return -EPROTO;
    if (id)
        sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, org_id);
    if (title && *title)
        sqlite3_bind_text(st, 4, title, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, now);
    if (!id)
        sqlite3_bind_text(st, 6, email, -1, SQLITE_TRANSIENT);
    if ((rc = mdt_db_step(db, st)) < 0)
        return rc;
    (*(id ? updated : created))++;
    return 0;
}

void mdt_h_import_people(struct mdt_req *r)
{
    struct import im;
    json_t *seen = json_object(), *orgs = json_array();
    size_t n, rec;
    int created = 0, updated = 0, unchanged = 0, rc;

    start(&im, r, people_cols);
    n = im.nproblems ? 0 : mdt_csv_records(im.csv);
    /* Pass 1: check every row; remember each row's organisation id. */
    for (rec = 1; rec < n; rec++) {
        size_t row = mdt_csv_row(im.csv, rec);
        const char *name = cell(&im, rec, P_NAME), *email = cell(&im, rec, P_EMAIL),
                   *org = cell(&im, rec, P_ORG), *title = cell(&im, rec, P_TITLE), *why;
        int64_t org_id = 0;

        check_width(&im, rec);
        if (name && (why = mdt_check_name(name)) != NULL)
            problem(&im, row, "name", why);
        if (email && (why = mdt_check_email(email)) != NULL)
            problem(&im, row, "email", why);
        else if (email)
            check_unique_key(&im, seen, email, row, "email");
        if (org && *org == '\0') {
            problem(&im, row, "organisation", "required");
        } else if (org) {
            org_id = mdt_lookup_ref(r->db, org, MDT_SQL_ORG_BY_NAME, MDT_SQL_ORG_BY_NAME);
            if (org_id == -ENOENT)
                problem(&im, row, "organisation", "no such organisation");
            else if (org_id < 0) {
                mdt_reply_errno(r, (int)org_id, NULL, "organisation");
                goto out;
            }
        }
        if (title && strlen(title) > 200)
            problem(&im, row, "job_title", "must be at most 200 characters");
        json_array_append_new(orgs, json_integer(org_id));
    }
    if (refused(&im))
        goto out;
    /* Pass 2: apply, all or nothing. */
    if ((rc = mdt_db_begin(r->db)) < 0)
        goto fail;
    for (rec = 1; rec < n; rec++) {
        rc = upsert_person(r->db, cell(&im, rec, P_NAME), cell(&im, rec, P_EMAIL),
                           json_integer_value(json_array_get(orgs, rec - 1)),
                           cell(&im, rec, P_TITLE), &created, &updated, &unchanged);
        if (rc < 0)
            goto fail;
    }
    if ((rc = mdt_db_commit(r->db)) < 0)
        goto fail;
    reply_counts(r, created, updated, unchanged);
    goto out;
fail:
    mdt_db_rollback(r->db);
    mdt_reply_errno(r, rc, NULL, "person");
out:
    json_decref(seen);
    json_decref(orgs);
    finish_import(&im);
}

/* ---- organisations ---- */

enum { O_NAME, O_KIND, O_NEEDS, O_EMAIL, O_WEBHOOK };
static const struct col org_cols[] = {
    {"name", 1}, {"kind", 1}, {"needs", 0}, {"email", 1}, {"webhook_url", 0}, {NULL, 0}};

/* "housing; debt" → ["housing","debt"] (new), or NULL with *why set. */
static json_t *parse_needs(const char *v, const char **why)
{
    json_t *arr = json_array();
    const char *p = v;

    while (*p) {
        const char *semi = strchr(p, ';'), *end = semi ? semi : p + strlen(p);
        char need[64];
        size_t n;

        while (p < end && *p == ' ')
            p++;
        n = (size_t)(end - p);
        while (n > 0 && p[n - 1] == ' ')
            n--;
        if (n > 0) {
            json_t *e;
            size_t i;
            if (n >= sizeof(need)) {
                *why = "not one of the allowed needs";
                goto bad;
            }
            memcpy(need, p, n);
            need[n] = '\0';
            if (mdt_check_enum(need, mdt_needs) != NULL) {
                *why = "not one of the allowed needs";
                goto bad;
            }
            json_array_foreach(arr, i, e) if (strcmp(json_string_value(e), need) == 0)
            {
                *why = "a need listed twice";
                goto bad;
            }
            json_array_append_new(arr, json_string(need));
        }
        p = semi ? semi + 1 : end;
    }
    return arr;
bad:
    json_decref(arr);
    return NULL;
}

static int upsert_org(struct mdt_db *db, const char *name, const char *kind, const char *needs,
                      const char *email, const char *webhook, int *created, int *updated,
                      int *unchanged)
{
    sqlite3_stmt *st = mdt_db_stmt(db, "SELECT id, name, kind, needs, email, webhook_url "
                                       "FROM orgs WHERE name = ?1");
    int64_t id = 0;
    int rc, same = 0;

    if (st == NULL)
        return -EPROTO;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    if ((rc = mdt_db_step(db, st)) < 0)
        return rc;
    if (rc == 1) {
        id = sqlite3_column_int64(st, 0);
        same = same_text(st, 1, name) && same_text(st, 2, kind) && same_text(st, 3, needs) &&
               same_text(st, 4, email) && same_text(st, 5, webhook);
        sqlite3_reset(st);
    }
    if (id && same) {
        (*unchanged)++;
        return 0;
    }
    if (id)
        st = mdt_db_stmt(db, "UPDATE orgs SET name = ?2, kind = ?3, needs = ?4, email = ?5, "
                             "webhook_url = ?6, version = version + 1, updated_at = ?7 WHERE id = ?1");
    else
        st = mdt_db_stmt(db, "INSERT INTO orgs (id, name, kind, needs, email, webhook_url, "
                             "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)");
    if (st == NULL)
        return -EPROTO;
    if (id)
        sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, needs, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, email, -1, SQLITE_TRANSIENT);
    if (webhook && *webhook)
        sqlite3_bind_text(st, 6, webhook, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 7, mdt_now());
    if ((rc = mdt_db_step(db, st)) < 0)
        return rc;
    (*(id ? updated : created))++;
    return 0;
}

void mdt_h_import_orgs(struct mdt_req *r)
{
    struct import im;
    json_t *seen = json_object(), *needs_of = json_array();
    size_t n, rec;
    int created = 0, updated = 0, unchanged = 0, rc;

    start(&im, r, org_cols);
    n = im.nproblems ? 0 : mdt_csv_records(im.csv);
    for (rec = 1; rec < n; rec++) {
        size_t row = mdt_csv_row(im.csv, rec);
        const char *name = cell(&im, rec, O_NAME), *kind = cell(&im, rec, O_KIND),
                   *needs = cell(&im, rec, O_NEEDS), *email = cell(&im, rec, O_EMAIL),
                   *webhook = cell(&im, rec, O_WEBHOOK), *why = NULL;
        json_t *arr = NULL;

        check_width(&im, rec);
        if (name && (why = mdt_check_name(name)) != NULL)
            problem(&im, row, "name", why);
        else if (name)
            check_unique_key(&im, seen, name, row, "name");
        if (kind && mdt_check_enum(kind, mdt_org_kinds) != NULL)
            problem(&im, row, "kind", "not one of the allowed kinds");
        if (needs && (arr = parse_needs(needs, &why)) == NULL)
            problem(&im, row, "needs", why);
        if (email && (why = mdt_check_email(email)) != NULL)
            problem(&im, row, "email", why);
        if (webhook && *webhook && (why = mdt_check_url(webhook)) != NULL)
            problem(&im, row, "webhook_url", why);
        json_array_append_new(needs_of, arr ? arr : json_array());
    }
    if (refused(&im))
        goto out;
    if ((rc = mdt_db_begin(r->db)) < 0)
        goto fail;
    for (rec = 1; rec < n; rec++) {
        char *needs = json_dumps(json_array_get(needs_of, rec - 1), JSON_COMPACT);
        rc = upsert_org(r->db, cell(&im, rec, O_NAME), cell(&im, rec, O_KIND), needs,
                        cell(&im, rec, O_EMAIL), cell(&im, rec, O_WEBHOOK), &created, &updated,
                        &unchanged);
        free(needs);
        if (rc < 0)
            goto fail;
    }
    if ((rc = mdt_db_commit(r->db)) < 0)
        goto fail;
    reply_counts(r, created, updated, unchanged);
    goto out;
fail:
    mdt_db_rollback(r->db);
    mdt_reply_errno(r, rc, NULL, "organisation");
out:
    json_decref(seen);
    json_decref(needs_of);
    finish_import(&im);
}
