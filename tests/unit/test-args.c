/* Command-line options of the client (lib/args.c). */
#include "args.h"
#include "test.h"

static struct mdt_opt opts_template[] = {
    {"action", "TEXT", "an action", NULL, 0},
    {"yes", NULL, "a flag", NULL, 0},
    {"note", "TEXT", "a note", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};

TEST(args_values_keeps_every_occurrence_in_order)
{
    char *argv[] = {"--action", "Mind: call, due 2027-02-01", "7", "--note", "--action",
                    "--action=Housing: visit", "--yes", "--", "--action", NULL};
    int argc = 9, npos, help, n;
    struct mdt_opt opts[4];
    char *pos[10];
    const char *all[10];
    struct mdt_buf err;

    memcpy(opts, opts_template, sizeof(opts));
    mdt_buf_init(&err, 256);
    ASSERT_EQ(mdt_args_parse(argc, argv, opts, pos, &npos, &help, &err), 0);
    /* The last value wins for mdt_args_get... */
    ASSERT_STREQ(mdt_args_get(opts, "action")->value, "Housing: visit");
    ASSERT_EQ(mdt_args_get(opts, "action")->given, 2);
    /* ...and every value is there, in order, with the same rules: a value
     * that looks like an option ("--action" after --note) is a value, and
     * after "--" everything is positional. */
    n = mdt_args_values(argc, argv, opts, "action", all);
    ASSERT_EQ(n, 2);
    ASSERT_STREQ(all[0], "Mind: call, due 2027-02-01");
    ASSERT_STREQ(all[1], "Housing: visit");
    ASSERT_STREQ(mdt_args_get(opts, "note")->value, "--action");
    ASSERT_EQ(npos, 2);
    ASSERT_STREQ(pos[0], "7");
    ASSERT_STREQ(pos[1], "--action");
    ASSERT_EQ(mdt_args_values(argc, argv, opts, "yes", all), 1);
    ASSERT_EQ(mdt_args_values(argc, argv, opts, "nothing", all), 0);
    mdt_buf_release(&err);
}
