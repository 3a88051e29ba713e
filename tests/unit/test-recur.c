#include <errno.h>
#include <stdlib.h>

#include "buf.h"
#include "recur.h"
#include "test.h"

/* UTC instant of a civil date and time, computed without libical. */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
    return mdt_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
}

static int is_holiday(const struct mdt_holidays *h, const char *date)
{
    struct mdt_local l;
    if (mdt_recur_parse_date(date, &l) < 0)
        TEST_FAIL("bad date %s", date);
    return mdt_holidays_name(h, l.year, l.month, l.day) != NULL;
}

/* Checks the rule and returns the error text (static buffer) or NULL. */
static const char *check(const char *rule)
{
    static char msg[512];
    struct mdt_buf err;
    struct mdt_local start = {2027, 1, 12, 10, 0};
    int rc;

    mdt_recur_global_init();
    mdt_buf_init(&err, 512);
    rc = mdt_recur_check(rule, &start, &err);
    snprintf(msg, sizeof(msg), "%s", mdt_buf_str(&err));
    mdt_buf_release(&err);
    if (rc == 0 && msg[0])
        TEST_FAIL("error text written on success: %s", msg);
    return rc == 0 ? NULL : msg;
}

TEST(recur_easter_by_computus)
{
    static const int known[][3] = {
        {2024, 3, 31}, {2025, 4, 20}, {2026, 4, 5}, {2027, 3, 28}, {2028, 4, 16},
        {2019, 4, 21}, {2038, 4, 25}, {2285, 3, 22}, {2011, 4, 24}, {2000, 4, 23},
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        int m, d;
        mdt_easter(known[i][0], &m, &d);
        ASSERT_EQ(m * 100 + d, known[i][1] * 100 + known[i][2]);
    }
}

TEST(recur_civil_dates_and_weekdays)
{
    int y, m, d;

    ASSERT_EQ(mdt_days_from_civil(1970, 1, 1), 0);
    ASSERT_EQ(mdt_weekday(2027, 1, 12), 1);  /* a Tuesday */
    ASSERT_EQ(mdt_weekday(2027, 12, 25), 5); /* a Saturday */
    ASSERT_EQ(mdt_weekday(2026, 11, 23), 0); /* a Monday */
    mdt_civil_from_days(mdt_days_from_civil(2028, 2, 29) + 1, &y, &m, &d);
    ASSERT_EQ(y * 10000 + m * 100 + d, 20280301);
}

TEST(recur_bank_holidays_by_rule)
{
    struct mdt_holidays *h = mdt_holidays_new();

    /* 2027: Good Friday 26 March, Easter Monday 29 March. */
    ASSERT(is_holiday(h, "2027-03-26"));
    ASSERT(is_holiday(h, "2027-03-29"));
    ASSERT(!is_holiday(h, "2027-03-30"));
    /* 2024: Easter Sunday 31 March: Good Friday 29 March, Monday 1 April. */
    ASSERT(is_holiday(h, "2024-03-29"));
    ASSERT(is_holiday(h, "2024-04-01"));
    /* Mondays of May and August. */
    ASSERT(is_holiday(h, "2027-05-03"));
    ASSERT(is_holiday(h, "2027-05-31"));
    ASSERT(is_holiday(h, "2027-08-30"));
    ASSERT(!is_holiday(h, "2027-05-10"));
    ASSERT(!is_holiday(h, "2027-08-23"));
    /* Christmas 2027 is a Saturday: substitute days Monday 27 and Tuesday 28. */
    ASSERT(is_holiday(h, "2027-12-27"));
    ASSERT(is_holiday(h, "2027-12-28"));
    ASSERT(!is_holiday(h, "2027-12-29"));
    /* Boxing Day 2026 is a Saturday: substitute Monday 28. */
    ASSERT(is_holiday(h, "2026-12-25"));
    ASSERT(is_holiday(h, "2026-12-28"));
    ASSERT(!is_holiday(h, "2026-12-29"));
    /* Christmas 2022 a Sunday: Boxing Day Monday 26, Christmas Tuesday 27. */
    ASSERT(is_holiday(h, "2022-12-26"));
    ASSERT(is_holiday(h, "2022-12-27"));
    /* New Year's Day 2028 is a Saturday: Monday 3 January. */
    ASSERT(is_holiday(h, "2028-01-03"));
    ASSERT(!is_holiday(h, "2028-01-04"));
    /* New Year's Day 2023 a Sunday: Monday 2 January. */
    ASSERT(is_holiday(h, "2023-01-02"));
    ASSERT(!is_holiday(h, "2027-01-12"));
    mdt_holidays_free(h);
}

TEST(recur_bank_holidays_one_offs_from_the_shipped_file)
{
    struct mdt_holidays *h = mdt_holidays_new();

    ASSERT(is_holiday(h, "2012-06-04"));
    ASSERT(is_holiday(h, "2012-06-05"));
    ASSERT(!is_holiday(h, "2012-05-28")); /* spring holiday moved */
    ASSERT(is_holiday(h, "2020-05-08"));  /* VE day */
    ASSERT(!is_holiday(h, "2020-05-04")); /* the early May Monday it replaced */
    ASSERT(is_holiday(h, "2022-06-02"));
    ASSERT(is_holiday(h, "2022-06-03"));
    ASSERT(!is_holiday(h, "2022-05-30"));
    ASSERT(is_holiday(h, "2022-09-19"));
    ASSERT(is_holiday(h, "2023-05-08"));
    ASSERT_CONTAINS(mdt_holidays_name(h, 2023, 5, 8), "coronation");
    ASSERT_STREQ(mdt_holidays_name(h, 2027, 3, 26), "Good Friday");
    mdt_holidays_free(h);
}

TEST(recur_holidays_file_extends_and_reports_bad_lines)
{
    static const char ok[] = "# a deployment's own\n2027-06-14 Local holiday\r\n"
                             "-2027-08-30\n\n";
    static const char bad[] = "2027-06-15 Fine\n2027-02-30 Impossible\n";
    struct mdt_holidays *h = mdt_holidays_new();
    struct mdt_buf err;

    mdt_buf_init(&err, 256);
    ASSERT_EQ(mdt_holidays_add_text(h, ok, sizeof(ok) - 1, &err), 0);
    ASSERT(is_holiday(h, "2027-06-14"));
    ASSERT_STREQ(mdt_holidays_name(h, 2027, 6, 14), "Local holiday");
    ASSERT(!is_holiday(h, "2027-08-30"));
    ASSERT_EQ(mdt_holidays_add_text(h, bad, sizeof(bad) - 1, &err), -EINVAL);
    ASSERT_STREQ(mdt_buf_str(&err), "2: not a valid date");
    /* All or nothing: the good first line of the bad text is not kept. */
    ASSERT(!is_holiday(h, "2027-06-15"));
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_holidays_add_text(h, "2027-06-16\n", 11, &err), -EINVAL);
    ASSERT_CONTAINS(mdt_buf_str(&err), "needs a name");
    mdt_buf_release(&err);
    mdt_holidays_free(h);
}

TEST(recur_check_accepts_meeting_rules)
{
    ASSERT(check("FREQ=MONTHLY;BYDAY=2TU") == NULL);
    ASSERT(check("FREQ=MONTHLY;BYDAY=-1WE") == NULL);
    ASSERT(check("FREQ=WEEKLY;INTERVAL=4;BYDAY=TU") == NULL);
    ASSERT(check("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2") == NULL);
    ASSERT(check("FREQ=MONTHLY;BYDAY=2TU;COUNT=12") == NULL);
    ASSERT(check("FREQ=MONTHLY;BYDAY=2TU;UNTIL=20281231T235959Z") == NULL);
    ASSERT(check("FREQ=DAILY") == NULL);
}

TEST(recur_check_names_the_faulty_part)
{
    ASSERT_CONTAINS(check(""), "empty");
    ASSERT_CONTAINS(check("BYDAY=2TU"), "FREQ: required");
    ASSERT_CONTAINS(check("FREQ=HOURLY"), "FREQ: HOURLY is more than once a day");
    ASSERT_CONTAINS(check("FREQ=MINUTELY"), "FREQ:");
    ASSERT_CONTAINS(check("FREQ=FORTNIGHTLY"), "FREQ: must be");
    ASSERT_CONTAINS(check("FREQ=MONTHLY;FREQ=WEEKLY"), "FREQ: given twice");
    ASSERT_CONTAINS(check("FREQ=DAILY;BYHOUR=9,14"), "BYHOUR:");
    ASSERT_CONTAINS(check("FREQ=DAILY;BYMINUTE=0"), "BYMINUTE:");
    ASSERT_CONTAINS(check("FREQ=MONTHLY;BYDAY=XX"), "BYDAY=XX: not valid");
    ASSERT_CONTAINS(check("FREQ=MONTHLY;BYMONTHDAY=40"), "BYMONTHDAY=40");
    ASSERT_CONTAINS(check("FREQ=MONTHLY;COUNT=0"), "COUNT: must be from 1 to 1000");
    ASSERT_CONTAINS(check("FREQ=MONTHLY;COUNT=100000"), "COUNT:");
    ASSERT_CONTAINS(check("FREQ=MONTHLY;COUNT=3;UNTIL=20280101T000000Z"), "COUNT and UNTIL");
    ASSERT_CONTAINS(check("FREQ=MONTHLY;UNTIL=20200101T000000Z"), "UNTIL: before the start");
    ASSERT_CONTAINS(check("FREQ=MONTHLY;UNTIL=2028"), "UNTIL=2028");
    ASSERT_CONTAINS(check("FREQ=MONTHLY;INTERVAL=0"), "INTERVAL:");
    ASSERT_CONTAINS(check("FREQ=MONTHLY;FOO=1"), "FOO: not a part");
    ASSERT_CONTAINS(check("FREQ=MONTHLY;BYDAY"), "BYDAY: not NAME=VALUE");
    ASSERT_CONTAINS(check("RRULE:FREQ=MONTHLY"), "without");
    ASSERT_CONTAINS(check("FREQ=MONTHLY;BYDAY=9TU"), "gives no meeting");
    ASSERT_CONTAINS(check("FREQ=MONTHLY;RSCALE=HEBREW"), "RSCALE");
}

TEST(recur_local_times_parse_strictly)
{
    struct mdt_local l;
    char out[32];

    ASSERT_EQ(mdt_recur_parse_local("2027-01-12T10:00", &l), 0);
    ASSERT_EQ(l.year * 100 + l.month, 202701);
    ASSERT_EQ(l.hour * 100 + l.minute, 1000);
    mdt_recur_format_local(&l, out);
    ASSERT_STREQ(out, "2027-01-12T10:00");
    ASSERT_EQ(mdt_recur_parse_local("2027-01-12 10:00:00", &l), 0);
    ASSERT_EQ(mdt_recur_parse_local("2027-02-29T10:00", &l), -EINVAL);
    ASSERT_EQ(mdt_recur_parse_local("2027-01-12T24:00", &l), -EINVAL);
    ASSERT_EQ(mdt_recur_parse_local("2027-01-12T10:00:30", &l), -EINVAL);
    ASSERT_EQ(mdt_recur_parse_local("2027-1-12T10:00", &l), -EINVAL);
    ASSERT_EQ(mdt_recur_parse_date("2028-02-29", &l), 0);
    ASSERT_EQ(mdt_recur_parse_date("2028-13-01", &l), -EINVAL);
}

TEST(recur_zone_conversions_follow_bst)
{
    struct mdt_local w = {2027, 1, 12, 10, 0}, s = {2027, 7, 13, 10, 0}, back;
    int64_t t;

    mdt_recur_global_init();
    ASSERT(mdt_recur_tz_valid("Europe/London"));
    ASSERT(!mdt_recur_tz_valid("Europe/Atlantis"));
    ASSERT(!mdt_recur_tz_valid("../etc/passwd"));
    ASSERT_EQ(mdt_recur_to_utc(&w, "Europe/London", &t), 0);
    ASSERT_EQ(t, utc(2027, 1, 12, 10, 0));
    ASSERT_EQ(mdt_recur_to_utc(&s, "Europe/London", &t), 0);
    ASSERT_EQ(t, utc(2027, 7, 13, 9, 0));
    ASSERT_EQ(mdt_recur_from_utc(t, "Europe/London", &back), 0);
    ASSERT_EQ(back.hour, 10);
    ASSERT_EQ(mdt_recur_to_utc(&s, "America/New_York", &t), 0);
    ASSERT_EQ(t, utc(2027, 7, 13, 14, 0));
    ASSERT_EQ(mdt_recur_to_utc(&s, "Nowhere/Else", &t), -EINVAL);
}

/* The second Tuesday, 10:00 London, across both clock changes of 2027
 * (28 March and 31 October): 10:00Z in winter, 09:00Z in summer. */
TEST(recur_expand_monthly_across_the_clock_changes)
{
    static const int want[][3] = {
        {1, 12, 10}, {2, 9, 10}, {3, 9, 10}, {4, 13, 9}, {5, 11, 9}, {6, 8, 9},
        {7, 13, 9},  {8, 10, 9}, {9, 14, 9}, {10, 12, 9}, {11, 9, 10}, {12, 14, 10},
    };
    struct mdt_local start = {2027, 1, 12, 10, 0};
    struct mdt_buf err;
    int64_t *occ = NULL;
    size_t n = 0;

    mdt_recur_global_init();
    mdt_buf_init(&err, 256);
    ASSERT_EQ(mdt_recur_expand("FREQ=MONTHLY;BYDAY=2TU", &start, "Europe/London",
                               utc(2027, 1, 1, 0, 0), utc(2028, 1, 1, 0, 0), 100, &occ, &n, &err),
              0);
    ASSERT_EQ(n, 12);
    for (size_t i = 0; i < 12; i++)
        ASSERT_EQ(occ[i], utc(2027, want[i][0], want[i][1], want[i][2], 0));
    free(occ);
    mdt_buf_release(&err);
}

/* Weekly on the days either side of each change: the Monday before 28
 * March is 10:00Z, the Monday after 09:00Z; and back on 1 November. */
TEST(recur_expand_weekly_window_and_limit)
{
    struct mdt_local start = {2027, 3, 22, 10, 0};
    struct mdt_buf err;
    int64_t *occ = NULL;
    size_t n = 0;

    mdt_recur_global_init();
    mdt_buf_init(&err, 256);
    ASSERT_EQ(mdt_recur_expand("FREQ=WEEKLY", &start, "Europe/London", 0, utc(2028, 1, 1, 0, 0),
                               2, &occ, &n, &err),
              0);
    ASSERT_EQ(n, 2);
    ASSERT_EQ(occ[0], utc(2027, 3, 22, 10, 0));
    ASSERT_EQ(occ[1], utc(2027, 3, 29, 9, 0));
    free(occ);
    /* The window's start drops earlier occurrences. */
    ASSERT_EQ(mdt_recur_expand("FREQ=WEEKLY", &start, "Europe/London", utc(2027, 10, 20, 0, 0),
                               utc(2027, 11, 3, 0, 0), 100, &occ, &n, &err),
              0);
    ASSERT_EQ(n, 2);
    ASSERT_EQ(occ[0], utc(2027, 10, 25, 9, 0));
    ASSERT_EQ(occ[1], utc(2027, 11, 1, 10, 0));
    free(occ);
    ASSERT_EQ(mdt_recur_expand("FREQ=WEEKLY", &start, "Mars/Base", 0, 1, 10, &occ, &n, &err),
              -EINVAL);
    ASSERT(occ == NULL);
    mdt_buf_release(&err);
}

TEST(recur_holiday_policies)
{
    struct mdt_holidays *h = mdt_holidays_new();
    int64_t start;
    int skip;
    const char *name;
    /* Monday 31 May 2027 (spring bank holiday), 10:00 BST. */
    int64_t t = utc(2027, 5, 31, 9, 0);

    mdt_recur_global_init();
    ASSERT_EQ(mdt_holidays_apply(h, MDT_HOLIDAYS_KEEP, t, "Europe/London", &start, &skip, &name),
              0);
    ASSERT_EQ(start, t);
    ASSERT_EQ(skip, 0);
    ASSERT_STREQ(name, "Spring bank holiday");
    ASSERT_EQ(mdt_holidays_apply(h, MDT_HOLIDAYS_SKIP, t, "Europe/London", &start, &skip, &name),
              0);
    ASSERT_EQ(skip, 1);
    ASSERT_EQ(mdt_holidays_apply(h, MDT_HOLIDAYS_NEXT_WORKING_DAY, t, "Europe/London", &start,
                                 &skip, &name),
              0);
    ASSERT_EQ(skip, 0);
    ASSERT_EQ(start, utc(2027, 6, 1, 9, 0));
    /* Monday 27 December 2027: the next working day is Wednesday 29. */
    t = utc(2027, 12, 27, 10, 0);
    ASSERT_EQ(mdt_holidays_apply(h, MDT_HOLIDAYS_NEXT_WORKING_DAY, t, "Europe/London", &start,
                                 &skip, &name),
              0);
    ASSERT_EQ(start, utc(2027, 12, 29, 10, 0));
    /* Good Friday 2027: the next working day is Tuesday 30 March (BST). */
    t = utc(2027, 3, 26, 10, 0);
    ASSERT_EQ(mdt_holidays_apply(h, MDT_HOLIDAYS_NEXT_WORKING_DAY, t, "Europe/London", &start,
                                 &skip, &name),
              0);
    ASSERT_EQ(start, utc(2027, 3, 30, 9, 0));
    /* Not a holiday: unchanged under every policy. */
    t = utc(2027, 1, 12, 10, 0);
    ASSERT_EQ(mdt_holidays_apply(h, MDT_HOLIDAYS_SKIP, t, "Europe/London", &start, &skip, &name),
              0);
    ASSERT_EQ(skip, 0);
    ASSERT(name == NULL);
    ASSERT_EQ(mdt_holiday_policy_parse("next-working-day"), MDT_HOLIDAYS_NEXT_WORKING_DAY);
    ASSERT_EQ(mdt_holiday_policy_parse("sometimes"), -1);
    mdt_holidays_free(h);
}
