/* WAL checkpoints on the thread pool (server/checkpoint.c), on a real
 * SQLite file and a real libuv loop. */
#include <uv.h>

#include "../../server/mdtd.h"
#include "test.h"
#include "xmalloc.h"

static struct mdt_db *open_db(const char *path)
{
    struct mdt_db *db = NULL;
    struct mdt_buf err;
    int applied;

    mdt_buf_init(&err, 1024);
    mdt_db_global_init();
    ASSERT_EQ(mdt_db_open(path, 1, &db, &err), 0);
    ASSERT_EQ(mdt_db_migrate(db, &applied, &err), 0);
    mdt_buf_release(&err);
    return db;
}

static void insert_pcns(struct mdt_db *db, int from, int n)
{
    for (int i = from; i < from + n; i++) {
        sqlite3_stmt *st = mdt_db_stmt(db, "INSERT INTO pcns (name, created_at, updated_at) "
                                           "VALUES ('pcn ' || ?1 || ' ' || hex(randomblob(900)), 0, 0)");
        sqlite3_bind_int(st, 1, i);
        ASSERT_EQ(mdt_db_step(db, st), 0);
    }
}

/* The WAL's size in frames and how many are copied, from a PASSIVE
 * checkpoint of a fresh connection (which copies what it can). */
static void wal_state(const char *path, int *log, int *copied)
{
    sqlite3 *h;

    ASSERT_EQ(sqlite3_open(path, &h), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(h, "PRAGMA schema_version", NULL, NULL, NULL), SQLITE_OK);
    ASSERT_EQ(sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_PASSIVE, log, copied), SQLITE_OK);
    sqlite3_close(h);
}

TEST(server_checkpoint_runs_off_the_loop_and_keeps_every_row)
{
    char *path = mdt_xasprintf("%s/c.db", test_tmpdir());
    struct mdt_db *db = open_db(path);
    struct mdt_checkpointer *cp;
    uv_loop_t loop;
    sqlite3 *h;
    sqlite3_stmt *st;

    uv_loop_init(&loop);
    cp = mdt_checkpointer_new(&loop, db, path, 8);
    insert_pcns(db, 0, 300); /* ~2 pages a row: well past the threshold */
    uv_run(&loop, UV_RUN_DEFAULT); /* returns once the queued checkpoint is back */
    ASSERT(mdt_checkpointer_done(cp) >= 1);
    /* Every row is there, seen from another connection. */
    ASSERT_EQ(sqlite3_open(path, &h), SQLITE_OK);
    ASSERT_EQ(sqlite3_prepare_v2(h, "SELECT count(*) FROM pcns", -1, &st, NULL), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    ASSERT_EQ(sqlite3_column_int(st, 0), 300);
    sqlite3_finalize(st);
    ASSERT_EQ(sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    ASSERT_STREQ((const char *)sqlite3_column_text(st, 0), "ok");
    sqlite3_finalize(st);
    sqlite3_close(h);
    mdt_checkpointer_free(cp, db);
    uv_loop_close(&loop);
    mdt_db_close(db);
    free(path);
}

TEST(server_checkpoint_replaces_the_automatic_one)
{
    char *path = mdt_xasprintf("%s/a.db", test_tmpdir());
    struct mdt_db *db = open_db(path);
    struct mdt_checkpointer *cp;
    uv_loop_t loop;
    int log = -1, copied = -1;

    uv_loop_init(&loop);
    /* A threshold never reached: the loop's commits must not checkpoint
     * by themselves either, or SQLite's default (1000 pages) would have
     * copied and restarted the WAL. */
    cp = mdt_checkpointer_new(&loop, db, path, 1 << 30);
    insert_pcns(db, 0, 1200);
    ASSERT_EQ(mdt_checkpointer_done(cp), 0);
    wal_state(path, &log, &copied);
    if (log <= 1000)
        TEST_FAIL("WAL of %d frames (%d copied): checkpointed by the commits", log, copied);
    mdt_checkpointer_free(cp, db);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    mdt_db_close(db);
    free(path);
}
