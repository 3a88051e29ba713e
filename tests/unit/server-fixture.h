/* Helpers for the unit tests of the daemon's store: a migrated database
 * in the test's directory, and SQL run directly against it. */
#ifndef MDT_SERVER_FIXTURE_H
#define MDT_SERVER_FIXTURE_H

#include <stdint.h>

struct mdt_db;

/* new: NAME in test_tmpdir(), created (0600) and migrated to the latest
 * schema; fails the test otherwise. */
struct mdt_db *test_db_fresh(const char *name);
/* Runs sql (one or more statements); fails the test on an error. */
void test_db_exec(struct mdt_db *db, const char *sql);
/* The first column of the first row of sql. */
int64_t test_db_count(struct mdt_db *db, const char *sql);

#endif
