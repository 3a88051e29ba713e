/* db.c: whether the database takes changes. The rest of db.c's
 * interface is in mdtd.h. */
#ifndef MDT_DB_H
#define MDT_DB_H

#include <sqlite3.h>

struct mdt_db;

/* 1 when changes can be written, 0 while the database is read-only: its
 * file or file system refused writes (opened read-only, or a write
 * failed with EROFS). A connection opened read-only is replaced here
 * (and at every mdt_db_begin) as soon as the files can be written: no
 * restart is needed. After an EROFS on an open file, the next commit
 * that writes rows ends the state. The state is logged once when a
 * change is first refused (a connection that only reads never logs it)
 * and once when it ends. */
int mdt_db_writable(struct mdt_db *db);
/* sqlite3_wal_hook on the connection, set again on every connection that
 * replaces it. */
void mdt_db_wal_hook(struct mdt_db *db, int (*fn)(void *, sqlite3 *, const char *, int), void *arg);

#endif
