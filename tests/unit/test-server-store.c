/* The daemon's store and configuration, tested on real SQLite files. */
#include <errno.h>
#include <sys/stat.h>
#include <time.h>

#include "../../server/mdtd.h"
#include "server-fixture.h"
#include "test.h"
#include "xmalloc.h"

TEST(server_db_migrations_idempotent_and_newer_refused)
{
    struct mdt_db *db = test_db_fresh("m.db");
    struct mdt_buf err;
    struct stat st;
    char *path = mdt_xasprintf("%s/m.db", test_tmpdir());
    int applied = -1;

    mdt_buf_init(&err, 1024);
    ASSERT_EQ(stat(path, &st), 0);
    ASSERT_EQ(st.st_mode & 0777, 0600);
    ASSERT_EQ(mdt_db_schema_version(db), mdt_db_latest_version());
    ASSERT_EQ(mdt_db_migrate(db, &applied, &err), 0);
    ASSERT_EQ(applied, 0);
    ASSERT_EQ(sqlite3_exec(mdt_db_handle(db), "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    ASSERT_EQ(mdt_db_migrate(db, &applied, &err), -EPROTO);
    ASSERT_CONTAINS(mdt_buf_str(&err), "schema version 99");
    mdt_db_close(db);
    free(path);
    mdt_buf_release(&err);
}

TEST(server_db_err_maps_unique_fk_and_readonly)
{
    struct mdt_db *db = test_db_fresh("e.db");
    sqlite3_stmt *st;

    st = mdt_db_stmt(db, "INSERT INTO pcns (name, created_at, updated_at) VALUES (?1, 0, 0)");
    sqlite3_bind_text(st, 1, "North", -1, SQLITE_STATIC);
    ASSERT_EQ(mdt_db_step(db, st), 0);
    st = mdt_db_stmt(db, "INSERT INTO pcns (name, created_at, updated_at) VALUES (?1, 0, 0)");
    sqlite3_bind_text(st, 1, "NORTH", -1, SQLITE_STATIC);
    ASSERT_EQ(mdt_db_step(db, st), -EEXIST);
    st = mdt_db_stmt(db, "INSERT INTO lists (name, pcn_id, created_at, updated_at) VALUES ('l', 1, 0, 0)");
    ASSERT_EQ(mdt_db_step(db, st), 0);
    st = mdt_db_stmt(db, "DELETE FROM pcns WHERE id = 1");
    ASSERT_EQ(mdt_db_step(db, st), -EBUSY);
    ASSERT_EQ(sqlite3_exec(mdt_db_handle(db), "PRAGMA query_only = 1", NULL, NULL, NULL), SQLITE_OK);
    st = mdt_db_stmt(db, "DELETE FROM lists");
    ASSERT_EQ(mdt_db_step(db, st), -EROFS);
    ASSERT_EQ(mdt_db_err(db, SQLITE_FULL, "test"), -ENOSPC);
    ASSERT_EQ(mdt_db_err(db, SQLITE_IOERR_WRITE, "test"), -EIO);
    ASSERT_EQ(mdt_db_err(db, SQLITE_BUSY, "test"), -EAGAIN);
    ASSERT_EQ(mdt_db_err(db, SQLITE_MISMATCH, "test"), -EPROTO);
    mdt_db_close(db);
}

TEST(server_tokens_hash_and_auth)
{
    struct mdt_db *db = test_db_fresh("t.db");
    char *secret = NULL;
    int64_t id = 0, got_id = 0, org = -1;
    int role = 0;

    ASSERT_EQ(mdt_token_create(db, MDT_ROLE_CHAIR, "Chair", 0, &secret, &id), 0);
    ASSERT_EQ(strlen(secret), 68);
    ASSERT_EQ(strncmp(secret, "mdt_", 4), 0);
    ASSERT_EQ(mdt_token_auth(db, secret, strlen(secret), &got_id, &role, &org), 0);
    ASSERT_EQ(got_id, id);
    ASSERT_EQ(role, MDT_ROLE_CHAIR);
    ASSERT_EQ(org, 0);
    secret[10] = secret[10] == 'a' ? 'b' : 'a';
    ASSERT_EQ(mdt_token_auth(db, secret, strlen(secret), &got_id, &role, &org), -ENOENT);
    ASSERT_EQ(mdt_token_auth(db, secret, 5, &got_id, &role, &org), -ENOENT);
    ASSERT_EQ(mdt_token_count_admin(db), 0);
    free(secret);
    mdt_db_close(db);
}

TEST(server_config_table)
{
    struct mdt_config c;
    struct mdt_buf err;
    char *path = mdt_xasprintf("%s/c.conf", test_tmpdir());
    FILE *f;

    mdt_buf_init(&err, 1024);
    mdt_config_init(&c);
    ASSERT_STREQ(c.listen, "127.0.0.1:8470");
    ASSERT_STREQ(c.db, "var/mdtd.db");
    ASSERT_EQ(c.max_body, 1 << 20);
    ASSERT_STREQ(c.tz, "Europe/London");
    ASSERT_EQ(mdt_config_set(&c, "max-body", "64K", &err), 0);
    ASSERT_EQ(c.max_body, 65536);
    ASSERT_EQ(mdt_config_set(&c, "max_body", "10", &err), -EINVAL);
    ASSERT_CONTAINS(mdt_buf_str(&err), "max_body: must be a size from 1024");
    ASSERT_EQ(c.max_body, 65536);
    f = fopen(path, "w");
    fputs("# mdtd\nsmtp_url = smtp://mail.example:25/example.org\n\nlisten = nowhere\n", f);
    fclose(f);
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_config_load(&c, path, &err), -EINVAL);
    ASSERT_CONTAINS(mdt_buf_str(&err), "c.conf:4: listen: not HOST:PORT");
    ASSERT_STREQ(c.smtp_url, "smtp://mail.example:25/example.org");
    ASSERT_EQ(mdt_config_set(&c, "tls_cert", "/a.pem", &err), 0);
    ASSERT_EQ(mdt_config_check(&c, &err), -EINVAL);
    mdt_config_release(&c);
    mdt_buf_release(&err);
    free(path);
}

TEST(server_url_decode_and_utf8)
{
    struct mdt_buf b;

    mdt_buf_init(&b, 256);
    ASSERT_EQ(mdt_url_decode("Mind%2C%20Lewisham", 18, 0, &b), 0);
    ASSERT_STREQ(mdt_buf_str(&b), "Mind, Lewisham");
    ASSERT_EQ(mdt_url_decode("a+b", 3, 1, &b), 0);
    ASSERT_STREQ(mdt_buf_str(&b), "a b");
    ASSERT_EQ(mdt_url_decode("a+b", 3, 0, &b), 0);
    ASSERT_STREQ(mdt_buf_str(&b), "a+b");
    ASSERT_EQ(mdt_url_decode("%zz", 3, 0, &b), -EINVAL);
    ASSERT_EQ(mdt_url_decode("ab%4", 4, 0, &b), -EINVAL);
    ASSERT_EQ(mdt_url_decode("a%00b", 5, 0, &b), -EINVAL);
    ASSERT_EQ(mdt_url_decode("%ff", 3, 0, &b), -EINVAL);
    ASSERT_EQ(mdt_url_decode("%C3%A9", 6, 0, &b), 0);
    ASSERT(mdt_utf8_valid("\xc3\xa9", 2));
    ASSERT(!mdt_utf8_valid("\xc0\xaf", 2));         /* overlong */
    ASSERT(!mdt_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    ASSERT(!mdt_utf8_valid("\xf4\x90\x80\x80", 4)); /* past U+10FFFF */
    ASSERT(!mdt_utf8_valid("\xe2\x82", 2));         /* truncated */
    mdt_buf_release(&b);
}

TEST(server_field_rules)
{
    ASSERT(mdt_check_email("ann@mind.example.org") == NULL);
    ASSERT(mdt_check_email("a.b+c@x-y.example") == NULL);
    ASSERT(mdt_check_email("not-an-email") != NULL);
    ASSERT(mdt_check_email("a@b") != NULL);
    ASSERT(mdt_check_email("a b@x.example") != NULL);
    ASSERT(mdt_check_email("a@@x.example") != NULL);
    ASSERT(mdt_check_email("a@x..example") != NULL);
    ASSERT(mdt_check_email("a@-x.example") != NULL);
    ASSERT(mdt_check_url("https://hooks.example/x") == NULL);
    ASSERT(mdt_check_url("ftp://hooks.example/x") != NULL);
    ASSERT(mdt_check_url("https://") != NULL);
    ASSERT(mdt_check_name("") != NULL);
    ASSERT(mdt_check_name(" padded") != NULL);
    ASSERT(mdt_check_name("tab\there") != NULL);
    ASSERT(mdt_check_name("Lewisham Homes") == NULL);
    ASSERT(mdt_check_enum("gp_practice", mdt_org_kinds) == NULL);
    ASSERT(mdt_check_enum("bakery", mdt_org_kinds) != NULL);
    ASSERT(mdt__pseudonym_valid("MDT-7K3Q-9XW2"));
    ASSERT(!mdt__pseudonym_valid("MDT-7K3Q-9XW"));
    ASSERT(!mdt__pseudonym_valid("MDT-7K3O-9XW2"));
    ASSERT(!mdt__pseudonym_valid("MDT-7K3U-9XW2"));
    ASSERT(!mdt__pseudonym_valid("mdt-7k3q-9xw2"));
    ASSERT(!mdt__pseudonym_valid("MDX-7K3Q-9XW2"));
}

TEST(server_times_are_rfc3339_in_the_zone)
{
    json_t *t;

    setenv("TZ", "Europe/London", 1);
    tzset();
    t = mdt_json_time(1807606800); /* 2027-04-13T09:00:00Z, British Summer Time */
    ASSERT_STREQ(json_string_value(t), "2027-04-13T10:00:00+01:00");
    json_decref(t);
    t = mdt_json_time(1796112000); /* 2026-12-01T08:00:00Z, GMT */
    ASSERT_STREQ(json_string_value(t), "2026-12-01T08:00:00+00:00");
    json_decref(t);
}
