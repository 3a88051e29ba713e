/* Meetings on a real SQLite file: expansion 12 months ahead with the
 * holiday policies, the scheduler's top-up and its agenda emails. */
#include <errno.h>
#include <stdio.h>

#include "../../server/mdtd.h"
#include "recur.h"
#include "server-fixture.h"
#include "test.h"
#include "xmalloc.h"

static int64_t utc(int y, int mo, int d, int h, int mi)
{
    return mdt_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

/* A PCN, a list of three people and a series on the last Monday of the
 * month at 14:00 London with the given holiday policy. */
static void setup(struct mdt_db *db, const char *policy)
{
    char *sql;

    test_db_exec(db, "INSERT INTO orgs (name, kind, needs, email, created_at, updated_at) VALUES "
             "('Mind', 'vcse', '[\"housing\"]', 'm@example.org', 0, 0);"
             "INSERT INTO people (name, email, org_id, created_at, updated_at) VALUES "
             "('A', 'a@example.org', 1, 0, 0), ('B', 'b@example.org', 1, 0, 0), "
             "('C', 'c@example.org', 1, 0, 0);"
             "INSERT INTO pcns (name, created_at, updated_at) VALUES ('North', 0, 0);"
             "INSERT INTO lists (name, pcn_id, created_at, updated_at) VALUES ('L', 1, 0, 0);"
             "INSERT INTO list_members VALUES (1, 1), (1, 2), (1, 3);");
    sql = mdt_xasprintf("INSERT INTO series (uid, pcn_id, title, rrule, dtstart, tz, duration_min, "
                        "list_id, url, holidays, created_at, updated_at) VALUES ('u@x', 1, 'MDT', "
                        "'FREQ=MONTHLY;BYDAY=-1MO', '2027-01-25T14:00', 'Europe/London', 60, 1, "
                        "'https://meet.example.org/x', '%s', 0, 0)",
                        policy);
    test_db_exec(db, sql);
    free(sql);
}

TEST(meetings_top_up_expands_twelve_months_with_holidays)
{
    struct mdt_db *db = test_db_fresh("t.db");
    struct mdt_holidays *h = NULL;
    struct mdt_buf err;
    int added = 0;

    mdt_recur_global_init();
    mdt_buf_init(&err, 256);
    setup(db, "next_working_day");
    ASSERT_EQ(mdt_meetings_holidays(NULL, &h, &err), 0);
    /* From 1 Dec 2026: the series starts later, so 12 months from 25 Jan. */
    ASSERT_EQ(mdt_meetings_top_up(db, h, 1, utc(2026, 12, 1, 0, 0), &added), 0);
    ASSERT_EQ(added, 12);
    ASSERT_EQ(test_db_count(db, "SELECT count(*) FROM meetings"), 12);
    /* 31 May 2027 moved to Tuesday 1 June, 14:00 BST = 13:00Z. */
    ASSERT_EQ(test_db_count(db, "SELECT start_at FROM meetings WHERE moved = 1 AND move_reason = "
                        "'holiday' AND recurrence_id = 1811768400"),
              utc(2027, 6, 1, 13, 0));
    ASSERT_EQ(utc(2027, 5, 31, 13, 0), 1811768400);
    /* Also Easter Monday 29 March, 30 August and the substitute Christmas
     * holiday on 27 December (to Wednesday 29th); nothing else. */
    ASSERT_EQ(test_db_count(db, "SELECT count(*) FROM meetings WHERE moved = 1"), 4);
    ASSERT_EQ(test_db_count(db, "SELECT start_at FROM meetings WHERE recurrence_id = 1829916000"),
              utc(2027, 12, 29, 14, 0));
    ASSERT_EQ(utc(2027, 12, 27, 14, 0), 1829916000);
    /* January is GMT: 14:00Z; end an hour later. */
    ASSERT_EQ(test_db_count(db, "SELECT min(start_at) FROM meetings"), utc(2027, 1, 25, 14, 0));
    ASSERT_EQ(test_db_count(db, "SELECT count(*) FROM meetings WHERE end_at != start_at + 3600"), 0);
    /* A second top-up at the same time adds nothing. */
    added = 0;
    ASSERT_EQ(mdt_meetings_top_up(db, h, 1, utc(2026, 12, 1, 0, 0), &added), 0);
    ASSERT_EQ(added, 0);
    /* A month on, the horizon moves with time: one more. */
    ASSERT_EQ(mdt_meetings_top_up(db, h, 1, utc(2027, 2, 20, 0, 0), &added), 0);
    ASSERT_EQ(added, 1);
    ASSERT_EQ(mdt_meetings_top_up(db, h, 99, utc(2027, 2, 20, 0, 0), &added), -ENOENT);
    mdt_holidays_free(h);
    mdt_db_close(db);
    mdt_buf_release(&err);
}

TEST(meetings_holidays_file_option)
{
    struct mdt_config cfg;
    struct mdt_holidays *h = NULL;
    struct mdt_buf err;
    char *path = mdt_xasprintf("%s/holidays.txt", test_tmpdir());
    FILE *f = fopen(path, "w");

    ASSERT(f != NULL);
    fputs("# ours\n2027-06-14 Local holiday\n-2027-05-31\n", f);
    fclose(f);
    mdt_buf_init(&err, 256);
    mdt_config_init(&cfg);
    ASSERT_EQ(mdt_config_set(&cfg, "holidays_file", path, &err), 0);
    ASSERT_EQ(mdt_meetings_holidays(&cfg, &h, &err), 0);
    ASSERT_STREQ(mdt_holidays_name(h, 2027, 6, 14), "Local holiday");
    ASSERT(mdt_holidays_name(h, 2027, 5, 31) == NULL);
    ASSERT(mdt_holidays_name(h, 2027, 8, 30) != NULL);
    mdt_holidays_free(h);
    f = fopen(path, "w");
    fputs("2027-13-01 Nonsense\n", f);
    fclose(f);
    ASSERT_EQ(mdt_meetings_holidays(&cfg, &h, &err), -EINVAL);
    ASSERT(h == NULL);
    ASSERT_CONTAINS(mdt_buf_str(&err), "holidays_file: ");
    ASSERT_CONTAINS(mdt_buf_str(&err), ":1: not a valid date");
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_config_set(&cfg, "holidays_file", "/nonexistent/h.txt", &err), 0);
    ASSERT(mdt_meetings_holidays(&cfg, &h, &err) < 0);
    ASSERT_CONTAINS(mdt_buf_str(&err), "/nonexistent/h.txt");
    mdt_config_release(&cfg);
    mdt_buf_release(&err);
    free(path);
}

TEST(meetings_scheduler_sends_each_due_agenda_once)
{
    struct mdt_db *db = test_db_fresh("s.db");
    struct mdt_holidays *h = NULL;
    struct mdt_config cfg;
    struct mdt_buf err;
    int agendas = -1;

    mdt_recur_global_init();
    mdt_buf_init(&err, 256);
    mdt_config_init(&cfg);
    ASSERT_EQ(mdt_config_set(&cfg, "smtp_from", "mdt@example.org", &err), 0);
    setup(db, "skip");
    ASSERT_EQ(mdt_meetings_holidays(&cfg, &h, &err), 0);
    /* 1 Dec 2026: the series is expanded, no agenda is due. */
    ASSERT_EQ(mdt_scheduler_run(db, &cfg, h, utc(2026, 12, 1, 0, 0), &agendas), 0);
    ASSERT_EQ(agendas, 0);
    ASSERT_EQ(test_db_count(db, "SELECT count(*) FROM meetings"), 12);
    ASSERT_EQ(test_db_count(db, "SELECT count(*) FROM meetings WHERE status = 'cancelled' AND "
                        "cancel_reason = 'holiday'"),
              4);
    ASSERT_EQ(test_db_count(db, "SELECT count(*) FROM outbox"), 0);
    /* The skipped holidays are exceptions to the rule: the sequence rose. */
    ASSERT_EQ(test_db_count(db, "SELECT sequence FROM series"), 1);
    /* Friday 22 January 2027: Monday 25th is within 3 days. */
    ASSERT_EQ(mdt_scheduler_run(db, &cfg, h, utc(2027, 1, 22, 15, 0), &agendas), 0);
    ASSERT_EQ(agendas, 1);
    ASSERT_EQ(test_db_count(db, "SELECT count(*) FROM outbox WHERE kind = 'mail' AND ref = 'meeting:1'"),
              3);
    ASSERT_EQ(test_db_count(db, "SELECT count(*) FROM meetings WHERE agenda_sent_at IS NOT NULL"), 1);
    /* Again: nothing more. */
    ASSERT_EQ(mdt_scheduler_run(db, &cfg, h, utc(2027, 1, 23, 15, 0), &agendas), 0);
    ASSERT_EQ(agendas, 0);
    ASSERT_EQ(test_db_count(db, "SELECT count(*) FROM outbox"), 3);
    /* A meeting skipped for a holiday gets no agenda: 28 May 2027, three
     * days before the cancelled 31 May. */
    ASSERT_EQ(mdt_scheduler_run(db, &cfg, h, utc(2027, 5, 28, 15, 0), &agendas), 0);
    ASSERT_EQ(agendas, 0);
    /* A pass in July reaches 29 May 2028, a spring bank holiday: skipped,
     * so the sequence rose again (the other top-ups had no exception). */
    ASSERT_EQ(test_db_count(db, "SELECT sequence FROM series"), 1);
    ASSERT_EQ(mdt_scheduler_run(db, &cfg, h, utc(2027, 7, 5, 12, 0), &agendas), 0);
    ASSERT_EQ(utc(2028, 5, 29, 13, 0), 1843218000);
    ASSERT_EQ(test_db_count(db, "SELECT count(*) FROM meetings WHERE recurrence_id = 1843218000 AND "
                        "status = 'cancelled'"),
              1);
    ASSERT_EQ(test_db_count(db, "SELECT sequence FROM series"), 2);
    mdt_holidays_free(h);
    mdt_config_release(&cfg);
    mdt_db_close(db);
    mdt_buf_release(&err);
}
