/* API tokens: 256 random bits shown once as "mdt_" + 64 hex digits; the
 * store keeps only their SHA-256. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "log.h"
#include "mdtd.h"
#include "xmalloc.h"

#define TOKEN_PREFIX "mdt_"
#define TOKEN_LEN (4 + 64)

static int well_formed(const char *s, size_t len)
{
    if (len != TOKEN_LEN || memcmp(s, TOKEN_PREFIX, 4) != 0)
        return 0;
    for (size_t i = 4; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

int mdt_token_create(struct mdt_db *db, int role, const char *name, int64_t org_id,
                     char **secret, int64_t *id)
{
    unsigned char raw[32], hash[crypto_hash_sha256_BYTES];
    char tok[TOKEN_LEN + 1];
    sqlite3_stmt *st;
    int rc;

    *secret = NULL;
    MDT_REQUIRE(sodium_init() >= 0);
    randombytes_buf(raw, sizeof(raw));
    memcpy(tok, TOKEN_PREFIX, 4);
    sodium_bin2hex(tok + 4, sizeof(tok) - 4, raw, sizeof(raw));
    sodium_memzero(raw, sizeof(raw));
    crypto_hash_sha256(hash, (const unsigned char *)tok, TOKEN_LEN);
    if ((st = mdt_db_stmt(db, "INSERT INTO tokens (hash, name, role, org_id, created_at) "
                              "VALUES (?1, ?2, ?3, ?4, ?5)")) == NULL)
        return -EPROTO;
    sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, mdt_role_name(role), -1, SQLITE_STATIC);
    if (org_id)
        sqlite3_bind_int64(st, 4, org_id);
    sqlite3_bind_int64(st, 5, mdt_now());
    if ((rc = mdt_db_step(db, st)) < 0)
        return rc;
    *id = mdt_db_last_id(db);
    *secret = mdt_xstrdup(tok);
    sodium_memzero(tok, sizeof(tok));
    return 0;
}

int mdt_token_count_admin(struct mdt_db *db)
{
    sqlite3_stmt *st = mdt_db_stmt(
        db, "SELECT count(*) FROM tokens WHERE role = 'admin' AND revoked_at IS NULL");
    int n;

    if (st == NULL || mdt_db_step(db, st) != 1)
        return -EIO;
    n = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return n;
}

int mdt_token_auth(struct mdt_db *db, const char *secret, size_t len, int64_t *id, int *role,
                   int64_t *org_id)
{
    unsigned char hash[crypto_hash_sha256_BYTES];
    sqlite3_stmt *st;
    int rc;

    if (!well_formed(secret, len))
        return -ENOENT;
    crypto_hash_sha256(hash, (const unsigned char *)secret, len);
    if ((st = mdt_db_stmt(db, "SELECT id, role, org_id, hash FROM tokens "
                              "WHERE hash = ?1 AND revoked_at IS NULL")) == NULL)
        return -EPROTO;
    sqlite3_bind_blob(st, 1, hash, sizeof(hash), SQLITE_TRANSIENT);
    if ((rc = mdt_db_step(db, st)) <= 0)
        return rc < 0 ? rc : -ENOENT;
    rc = -ENOENT;
    /* The index found it; compare again in constant time all the same. */
    if (sqlite3_column_bytes(st, 3) == (int)sizeof(hash) &&
        sodium_memcmp(sqlite3_column_blob(st, 3), hash, sizeof(hash)) == 0) {
        *id = sqlite3_column_int64(st, 0);
        *role = mdt_role_parse((const char *)sqlite3_column_text(st, 1));
        *org_id = sqlite3_column_int64(st, 2);
        rc = *role ? 0 : -ENOENT;
    }
    sqlite3_reset(st);
    return rc;
}

/* The organisation's name comes in the same row (a join). */
#define TOKEN_COLS "t.id, t.name, t.role, t.org_id, t.created_at, t.revoked_at, o.name, " \
                   "t.person_id, tp.name"
#define TOKEN_JOIN " LEFT JOIN orgs o ON o.id = t.org_id LEFT JOIN people tp ON tp.id = t.person_id"

/* The token's members, without the closing brace. */
static void token_w(struct mdt_jsonw *w, sqlite3_stmt *st)
{
    mdt_jsonw_obj_begin(w);
    MDT_JSONW_KEY(w, "id");
    mdt_jsonw_int(w, sqlite3_column_int64(st, 0));
    MDT_JSONW_KEY(w, "name");
    mdt_db_w_text(w, st, 1);
    MDT_JSONW_KEY(w, "role");
    mdt_db_w_text(w, st, 2);
    MDT_JSONW_KEY(w, "org");
    mdt_db_w_ref(w, st, 3, 6);
    MDT_JSONW_KEY(w, "person");
    mdt_db_w_ref(w, st, 7, 8);
    MDT_JSONW_KEY(w, "created_at");
    mdt_db_w_time(w, st, 4);
    MDT_JSONW_KEY(w, "revoked_at");
    mdt_db_w_time(w, st, 5);
}

void mdt_h_tokens_create(struct mdt_req *r)
{
    static const char *const fields[] = {"role", "name", "org", "person", NULL};
    const char *role_s, *name, *why;
    json_t *org = json_object_get(r->body, "org"), *person;
    struct mdt_jsonw w;
    int64_t org_id = 0, id, person_id = 0;
    char *secret = NULL;
    sqlite3_stmt *st;
    int role, rc;

    if (mdt_fields_known(r, fields) < 0 || mdt_field_str(r, "role", 1, &role_s) < 0 ||
        mdt_field_str(r, "name", 1, &name) < 0)
        return;
    if ((role = mdt_role_parse(role_s)) == 0) {
        mdt_reply_error(r, 422, "invalid", "role", "role: must be admin, chair, case_holder or partner");
        return;
    }
    if ((why = mdt_check_name(name)) != NULL) {
        mdt_reply_error(r, 422, "invalid", "name", "name: %s", why);
        return;
    }
    if (role == MDT_ROLE_ADMIN || role == MDT_ROLE_CHAIR) {
        if (org && !json_is_null(org)) {
            mdt_reply_error(r, 422, "invalid", "org", "org: not allowed for the %s role", role_s);
            return;
        }
    } else {
        if (org == NULL || json_is_null(org)) {
            mdt_reply_error(r, 422, "invalid", "org", "org: required for the %s role", role_s);
            return;
        }
        org_id = mdt_lookup_json_ref(r->db, org, MDT_SQL_ORG_BY_ID, MDT_SQL_ORG_BY_NAME);
        if (org_id == -ENOENT || org_id == -EINVAL) {
            mdt_reply_error(r, 422, "invalid", "org", "org: no such organisation");
            return;
        }
        if (org_id < 0) {
            mdt_reply_errno(r, (int)org_id, NULL, "organisation");
            return;
        }
    }
    if ((person = json_object_get(r->body, "person")) != NULL && !json_is_null(person)) {
        /* The token acts for this professional (their own slot invites);
         * they must belong to the token's organisation when it has one. */
        person_id = mdt_lookup_json_ref(r->db, person, MDT_SQL_PERSON_BY_ID,
                                        MDT_SQL_PERSON_BY_EMAIL);
        if (person_id == -ENOENT || person_id == -EINVAL) {
            mdt_reply_error(r, 422, "invalid", "person", "person: no such person");
            return;
        }
        if (person_id < 0) {
            mdt_reply_errno(r, (int)person_id, NULL, "person");
            return;
        }
        if (org_id && (st = mdt_db_stmt(r->db, "SELECT org_id FROM people WHERE id = ?1"))) {
            int64_t porg = 0;
            sqlite3_bind_int64(st, 1, person_id);
            if (mdt_db_step(r->db, st) == 1) {
                porg = sqlite3_column_int64(st, 0);
                sqlite3_reset(st);
            }
            if (porg != org_id) {
                mdt_reply_error(r, 422, "invalid", "person",
                                "person: belongs to another organisation than the token");
                return;
            }
        }
    }
    if ((rc = mdt_token_create(r->db, role, name, org_id, &secret, &id)) < 0) {
        mdt_reply_errno(r, rc, NULL, "token");
        return;
    }
    if (person_id > 0 &&
        (st = mdt_db_stmt(r->db, "UPDATE tokens SET person_id = ?2 WHERE id = ?1")) != NULL) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, person_id);
        if ((rc = mdt_db_step(r->db, st)) < 0) {
            free(secret);
            mdt_reply_errno(r, rc, NULL, "token");
            return;
        }
    }
    st = mdt_db_stmt(r->db, "SELECT " TOKEN_COLS " FROM tokens t" TOKEN_JOIN " WHERE t.id = ?1");
    if (st)
        sqlite3_bind_int64(st, 1, id);
    if (st == NULL || mdt_db_step(r->db, st) != 1) {
        free(secret);
        mdt_reply_errno(r, -EPROTO, NULL, "token");
        return;
    }
    mdt_jsonw_init(&w);
    token_w(&w, st);
    sqlite3_reset(st);
    MDT_JSONW_KEY(&w, "token");
    mdt_jsonw_str(&w, secret);
    mdt_jsonw_obj_end(&w);
    sodium_memzero(secret, strlen(secret));
    free(secret);
    log_info("tokens: created token %lld (%s)", (long long)id, role_s);
    mdt_reply_jsonw(r, 201, &w);
}

void mdt_h_tokens_list(struct mdt_req *r)
{
    sqlite3_stmt *st = mdt_db_stmt(r->db, "SELECT " TOKEN_COLS " FROM tokens t" TOKEN_JOIN
                                          " ORDER BY t.name, t.id");
    struct mdt_jsonw w;
    int rc;

    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "token");
        return;
    }
    mdt_jsonw_init(&w);
    mdt_jsonw_arr_begin(&w);
    while ((rc = mdt_db_step(r->db, st)) == 1) {
        token_w(&w, st);
        mdt_jsonw_obj_end(&w);
    }
    if (rc < 0) {
        mdt_jsonw_release(&w);
        mdt_reply_errno(r, rc, NULL, "token");
        return;
    }
    mdt_jsonw_arr_end(&w);
    mdt_reply_jsonw(r, 200, &w);
}

void mdt_h_tokens_delete(struct mdt_req *r)
{
    sqlite3_stmt *st;
    char *end;
    long long id = strtoll(r->param, &end, 10);
    int rc;

    if (*end != '\0' || id <= 0) {
        mdt_reply_error(r, 404, "not_found", NULL, "no such token");
        return;
    }
    st = mdt_db_stmt(r->db, "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL");
    if (st == NULL) {
        mdt_reply_errno(r, -EPROTO, NULL, "token");
        return;
    }
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, mdt_now());
    if ((rc = mdt_db_step(r->db, st)) < 0) {
        mdt_reply_errno(r, rc, NULL, "token");
        return;
    }
    if (mdt_db_changes(r->db) == 0) {
        mdt_reply_error(r, 404, "not_found", NULL, "no such token (or revoked already)");
        return;
    }
    log_info("tokens: revoked token %lld", id);
    mdt_reply_empty(r, 204);
}
