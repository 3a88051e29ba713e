/* Care plans: parsing "ORG: what, due DATE", checking dates, and the
 * scheduler's reminders, digests and escalations at chosen times. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../server/mdtd.h"
#include "server-fixture.h"
#include "test.h"
#include "xmalloc.h"

TEST(plans_parse_action_plain)
{
    struct mdt_plan_action a;
    const char *why;

    ASSERT_EQ(
        mdt__plans_parse_action("Lewisham Homes: Pause arrears action, due 2027-02-01", &a, &why),
        0);
    ASSERT_STREQ(a.org, "Lewisham Homes");
    ASSERT(a.person == NULL);
    ASSERT_STREQ(a.what, "Pause arrears action");
    ASSERT_STREQ(a.due, "2027-02-01");
    mdt__plans_action_release(&a);
}

TEST(plans_parse_action_commas_and_spaces)
{
    struct mdt_plan_action a;
    const char *why;

    /* The last ", due " ends the action: commas (and "due") may be in it. */
    ASSERT_EQ(mdt__plans_parse_action(
                  "  GP  :  Review meds, then refer, due soon, due   2027-12-31 ", &a, &why),
              0);
    ASSERT_STREQ(a.org, "GP");
    ASSERT_STREQ(a.what, "Review meds, then refer, due soon");
    ASSERT_STREQ(a.due, "2027-12-31");
    mdt__plans_action_release(&a);
}

TEST(plans_parse_action_named_professional)
{
    struct mdt_plan_action a;
    const char *why;

    ASSERT_EQ(mdt__plans_parse_action(
                  "Citizens Advice [eve@example.org]: Debt advice, due 2027-01-05", &a, &why),
              0);
    ASSERT_STREQ(a.org, "Citizens Advice");
    ASSERT_STREQ(a.person, "eve@example.org");
    ASSERT_STREQ(a.what, "Debt advice");
    mdt__plans_action_release(&a);
    ASSERT_EQ(mdt__plans_parse_action("Citizens Advice []: Debt advice, due 2027-01-05", &a, &why),
              -EINVAL);
    ASSERT_CONTAINS(why, "empty");
}

TEST(plans_parse_action_refusals)
{
    static const struct {
        const char *in, *why;
    } bad[] = {
        {"no colon here, due 2027-01-01", "colon"},   {"GP: no due date", "due YYYY-MM-DD"},
        {"GP: Review, due tomorrow", "date"},         {"GP: Review, due 2027-02-29", "date"},
        {"GP: Review, due 2027-13-01", "date"},       {"GP: Review, due 2027-01-01x", "date"},
        {": Review, due 2027-01-01", "organisation"}, {"GP:   , due 2027-01-01", "action"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct mdt_plan_action a;
        const char *why = NULL;
        ASSERT_EQ(mdt__plans_parse_action(bad[i].in, &a, &why), -EINVAL);
        ASSERT(why != NULL);
        ASSERT_CONTAINS(why, bad[i].why);
        ASSERT(a.org == NULL && a.what == NULL && a.person == NULL);
    }
}

TEST(plans_date_valid)
{
    ASSERT(mdt__plans_date_valid("2028-02-29"));
    ASSERT(mdt__plans_date_valid("2000-02-29"));
    ASSERT(!mdt__plans_date_valid("2100-02-29"));
    ASSERT(!mdt__plans_date_valid("2027-04-31"));
    ASSERT(mdt__plans_date_valid("2027-12-31"));
    ASSERT(!mdt__plans_date_valid("2027-1-01"));
    ASSERT(!mdt__plans_date_valid("27-01-2027"));
    ASSERT(!mdt__plans_date_valid(""));
    ASSERT(!mdt__plans_date_valid("2027-00-10"));
}

/* The scheduler's chasing at chosen times: a reminder from
 * action_reminder_days before the due date, an escalation once overdue
 * by action_escalate_after, one digest per organisation and period, and
 * nothing twice. */

/* 2027-03-DD HH:00 UTC */
static int64_t march(int day, int hour)
{
    return 1803859200LL /* 2027-03-01T00:00Z */ + (day - 1) * 86400LL + hour * 3600LL;
}

TEST(plans_notices_sent_once_at_their_times)
{
    struct mdt_db *db = test_db_fresh("plans-notices.db");
    struct mdt_config cfg;
    struct mdt_buf err;
    int queued = -1;

    mdt_buf_init(&err, 1024);
    mdt_config_init(&cfg);
    ASSERT_EQ(mdt_config_set(&cfg, "smtp_from", "mdt@example.org", &err), 0);
    ASSERT_EQ(mdt_config_set(&cfg, "action_reminder_days", "2", &err), 0);
    ASSERT_EQ(mdt_config_set(&cfg, "action_escalate_after", "172800", &err), 0); /* 2 days */
    ASSERT_EQ(mdt_config_set(&cfg, "action_digest_interval", "604800", &err), 0);
    test_db_exec(db,
         "INSERT INTO orgs (id, name, kind, email, created_at, updated_at) VALUES "
         "(1, 'Homes', 'housing', 'homes@example.org', 0, 0), "
         "(2, 'Advice', 'vcse', 'advice@example.org', 0, 0);"
         "INSERT INTO people (id, name, email, org_id, created_at, updated_at) VALUES "
         "(1, 'Ada Chair', 'chair@example.org', 2, 0, 0), "
         "(2, 'Eve Advice', 'eve@example.org', 2, 0, 0);"
         "INSERT INTO pcns (id, name, created_at, updated_at) VALUES (1, 'North', 0, 0);"
         "INSERT INTO lists (id, name, pcn_id, created_at, updated_at) VALUES (1, 'L', 1, 0, 0);"
         "INSERT INTO tokens (id, hash, name, role, org_id, created_at) VALUES "
         "(1, x'00', 'holder', 'case_holder', 2, 0);"
         "INSERT INTO series (id, uid, pcn_id, title, rrule, dtstart, duration_min, list_id, "
         "url, chair_id, created_at, updated_at) VALUES (1, 'u1', 1, 'T', 'FREQ=MONTHLY', "
         "'2027-01-12T10:00', 60, 1, 'https://m.example.org', 1, 0, 0);"
         "INSERT INTO meetings (id, series_id, recurrence_id, start_at, end_at, created_at, "
         "updated_at) VALUES (1, 1, 0, 0, 3600, 0, 0);"
         "INSERT INTO cases (id, pseudonym, age_band, presentation, question, risk, pcn_id, "
         "meeting_id, org_id, token_id, created_at, updated_at) VALUES (1, 'MDT-7K3Q-9XW2', "
         "'30-39', 'p', 'q', 'r', 1, 1, 2, 1, 0, 0);"
         "INSERT INTO outcomes (id, case_id, meeting_id, recorded_by, recorded_at, updated_at) "
         "VALUES (1, 1, 1, 1, 0, 0);"
         /* 1: Homes, due 10 March; 2: Eve at Advice, due 5 March; 3: proposed, never sent. */
         "INSERT INTO actions (id, case_id, meeting_id, outcome_id, org_id, person_id, what, "
         "due_on, sent_at, created_at, updated_at) VALUES "
         "(1, 1, 1, 1, 1, NULL, 'Home visit', '2027-03-10', 1, 0, 0), "
         "(2, 1, 1, 1, 2, 2, 'Debt advice', '2027-03-05', 1, 0, 0), "
         "(3, 1, 1, 1, 1, NULL, 'Not sent', '2027-03-04', NULL, 0, 0);");
#define MAILS(to) test_db_count(db, "SELECT count(*) FROM outbox WHERE recipient = '" to "'")
    /* 1 March: nothing is near. */
    ASSERT_EQ(mdt_plans_run(db, &cfg, march(1, 9), &queued), 0);
    ASSERT_EQ(queued, 0);
    /* 3 March: Eve is reminded (due on the 5th, 2 days ahead). */
    ASSERT_EQ(mdt_plans_run(db, &cfg, march(3, 9), &queued), 0);
    ASSERT_EQ(queued, 1);
    ASSERT_EQ(MAILS("eve@example.org"), 1);
    ASSERT_EQ(mdt_plans_run(db, &cfg, march(4, 9), &queued), 0);
    ASSERT_EQ(queued, 0);
    /* 6 March: action 2 overdue: Advice's digest; Homes is reminded later. */
    ASSERT_EQ(mdt_plans_run(db, &cfg, march(6, 9), &queued), 0);
    ASSERT_EQ(queued, 1);
    ASSERT_EQ(MAILS("advice@example.org"), 1);
    /* 8 March: escalated (overdue 2 days from the end of the 5th), Homes reminded. */
    ASSERT_EQ(mdt_plans_run(db, &cfg, march(8, 9), &queued), 0);
    ASSERT_EQ(queued, 2);
    ASSERT_EQ(MAILS("chair@example.org"), 1);
    ASSERT_EQ(MAILS("homes@example.org"), 1);
    ASSERT_EQ(mdt_plans_run(db, &cfg, march(8, 10), &queued), 0);
    ASSERT_EQ(queued, 0);
    /* Done: no more digests for it. In the next period (digests follow
     * weeks of Unix time, from Thursdays) Homes' action, overdue since the
     * 10th, has its digest and its escalation. */
    test_db_exec(db, "UPDATE actions SET status = 'done' WHERE id = 2");
    ASSERT_EQ(mdt_plans_run(db, &cfg, march(14, 9), &queued), 0);
    ASSERT_EQ(queued, 2);
    ASSERT_EQ(MAILS("homes@example.org"), 2);
    ASSERT_EQ(MAILS("chair@example.org"), 2);
    ASSERT_EQ(MAILS("advice@example.org"), 1);
    ASSERT_EQ(test_db_count(db, "SELECT count(*) FROM outbox WHERE body LIKE '%Not sent%'"), 0);
    ASSERT_EQ(test_db_count(db, "SELECT count(*) FROM plan_notices"), 6);
    ASSERT_EQ(mdt_plans_run(db, &cfg, march(14, 10), &queued), 0);
    ASSERT_EQ(queued, 0);
#undef MAILS
    mdt_config_release(&cfg);
    mdt_buf_release(&err);
    mdt_db_close(db);
}
