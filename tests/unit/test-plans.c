/* Care plans: parsing "ORG: what, due DATE" and checking dates. */
#include <errno.h>
#include <string.h>

#include "../../server/mdtd.h"
#include "test.h"

TEST(plans_parse_action_plain)
{
    struct mdt_plan_action a;
    const char *why;

    ASSERT_EQ(mdt__plans_parse_action("Lewisham Homes: Pause arrears action, due 2027-02-01", &a,
                                      &why), 0);
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
    ASSERT_EQ(mdt__plans_parse_action("  GP  :  Review meds, then refer, due soon, due   2027-12-31 ",
                                      &a, &why), 0);
    ASSERT_STREQ(a.org, "GP");
    ASSERT_STREQ(a.what, "Review meds, then refer, due soon");
    ASSERT_STREQ(a.due, "2027-12-31");
    mdt__plans_action_release(&a);
}

TEST(plans_parse_action_named_professional)
{
    struct mdt_plan_action a;
    const char *why;

    ASSERT_EQ(mdt__plans_parse_action("Citizens Advice [eve@example.org]: Debt advice, due 2027-01-05",
                                      &a, &why), 0);
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
        {"no colon here, due 2027-01-01", "colon"},
        {"GP: no due date", "due YYYY-MM-DD"},
        {"GP: Review, due tomorrow", "date"},
        {"GP: Review, due 2027-02-29", "date"},
        {"GP: Review, due 2027-13-01", "date"},
        {"GP: Review, due 2027-01-01x", "date"},
        {": Review, due 2027-01-01", "organisation"},
        {"GP:   , due 2027-01-01", "action"},
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
