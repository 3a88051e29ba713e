/* Store helpers shared by the daemon's unit tests (server-fixture.h). */
#include "server-fixture.h"

#include "../../server/mdtd.h"
#include "test.h"
#include "xmalloc.h"

struct mdt_db *test_db_fresh(const char *name)
{
    char *path = mdt_xasprintf("%s/%s", test_tmpdir(), name);
    struct mdt_db *db = NULL;
    struct mdt_buf err;
    int applied = -1;

    mdt_buf_init(&err, 1024);
    mdt_db_global_init();
    if (mdt_db_open(path, 1, &db, &err) < 0 || mdt_db_migrate(db, &applied, &err) < 0)
        TEST_FAIL("%s: %s", path, mdt_buf_str(&err));
    ASSERT_EQ(applied, mdt_db_latest_version());
    free(path);
    mdt_buf_release(&err);
    return db;
}

void test_db_exec(struct mdt_db *db, const char *sql)
{
    char *msg = NULL;

    if (sqlite3_exec(mdt_db_handle(db), sql, NULL, NULL, &msg) != SQLITE_OK)
        TEST_FAIL("%s: %s", sql, msg ? msg : "?");
}

int64_t test_db_count(struct mdt_db *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t n;

    ASSERT_EQ(sqlite3_prepare_v2(mdt_db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}
