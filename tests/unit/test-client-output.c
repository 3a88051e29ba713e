/* The client's option parsing, aligned tables and output helpers. */
#include <errno.h>
#include <stdlib.h>

#include "../../client/mdt.h"
#include "args.h"
#include "table.h"
#include "test.h"

TEST(client_table_aligns_columns)
{
    const char *h[] = {"ID", "NAME", "KIND"};
    const char *r1[] = {"1", "Lewisham Homes", "housing"};
    const char *r2[] = {"12", "Mind", "vcse"};
    struct mdt_table *t = mdt_table_new(3, h);
    struct mdt_buf out;

    mdt_buf_init(&out, MDT_BUF_NOCAP);
    mdt_table_add(t, r1);
    mdt_table_add(t, r2);
    ASSERT_EQ(mdt_table_rows(t), 2);
    ASSERT_EQ(mdt_table_render(t, &out), 0);
    ASSERT_STREQ(mdt_buf_str(&out), "ID  NAME            KIND\n"
                                    "1   Lewisham Homes  housing\n"
                                    "12  Mind            vcse\n");
    mdt_table_free(t);
    mdt_buf_release(&out);
}

TEST(client_table_counts_characters_and_cleans_cells)
{
    const char *h[] = {"NAME", "X"};
    const char *r1[] = {"Siobhán", "a"};
    const char *r2[] = {"evil\x1b[2Jname\nnext", NULL};
    struct mdt_table *t = mdt_table_new(2, h);
    struct mdt_buf out;

    mdt_buf_init(&out, MDT_BUF_NOCAP);
    mdt_table_add(t, r1);
    mdt_table_add(t, r2);
    ASSERT_EQ(mdt_table_render(t, &out), 0);
    /* "Siobhán" is 7 characters (8 bytes): padded as 7. Trailing empty
     * cells leave no trailing spaces. The escape byte is shown as '?'. */
    ASSERT_STREQ(mdt_buf_str(&out), "NAME" "               X\n"
                                    "Siobhán" "            a\n"
                                    "evil?[2Jname next\n");
    ASSERT_EQ(mdt_table_width("Siobhán"), 7);
    mdt_table_free(t);
    mdt_buf_release(&out);
}

TEST(client_table_respects_cap)
{
    const char *h[] = {"A"};
    struct mdt_table *t = mdt_table_new(1, h);
    struct mdt_buf out;

    mdt_buf_init(&out, 1);
    ASSERT_EQ(mdt_table_render(t, &out), -ENOBUFS);
    mdt_table_free(t);
    mdt_buf_release(&out);
}

TEST(client_args_parse_options_and_positionals)
{
    struct mdt_opt opts[] = {
        {"name", "NAME", "n", NULL, 0},
        {"needs", "A,B", "n", NULL, 0},
        {"yes", NULL, "y", NULL, 0},
        {NULL, NULL, NULL, NULL, 0},
    };
    char *argv[] = {"Lewisham", "--name", "Mind", "--needs=housing,debt", "--yes", "-", "--",
                    "--name", NULL};
    char *pos[8];
    int npos, help;
    struct mdt_buf err;

    mdt_buf_init(&err, 256);
    ASSERT_EQ(mdt_args_parse(8, argv, opts, pos, &npos, &help, &err), 0);
    ASSERT_EQ(npos, 3);
    ASSERT_STREQ(pos[0], "Lewisham");
    ASSERT_STREQ(pos[1], "-");
    ASSERT_STREQ(pos[2], "--name");
    ASSERT_STREQ(mdt_args_get(opts, "name")->value, "Mind");
    ASSERT_STREQ(mdt_args_get(opts, "needs")->value, "housing,debt");
    ASSERT_EQ(mdt_args_get(opts, "yes")->given, 1);
    ASSERT_EQ(help, 0);
    ASSERT(mdt_args_get(opts, "nope") == NULL);
    mdt_buf_release(&err);
}

TEST(client_args_parse_errors_name_the_option)
{
    struct mdt_opt opts[] = {
        {"name", "NAME", "n", NULL, 0},
        {"yes", NULL, "y", NULL, 0},
        {NULL, NULL, NULL, NULL, 0},
    };
    char *unknown[] = {"--nmae", "x"};
    char *missing[] = {"--name"};
    char *flagval[] = {"--yes=1"};
    char *shortopt[] = {"-n"};
    char *helpme[] = {"--help", "--name", "x"};
    char *pos[4];
    int npos, help;
    struct mdt_buf err;

    mdt_buf_init(&err, 256);
    ASSERT_EQ(mdt_args_parse(2, unknown, opts, pos, &npos, &help, &err), -EINVAL);
    ASSERT_STREQ(mdt_buf_str(&err), "unknown option --nmae");
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_args_parse(1, missing, opts, pos, &npos, &help, &err), -EINVAL);
    ASSERT_CONTAINS(mdt_buf_str(&err), "--name needs a value");
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_args_parse(1, flagval, opts, pos, &npos, &help, &err), -EINVAL);
    ASSERT_CONTAINS(mdt_buf_str(&err), "--yes takes no value");
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_args_parse(1, shortopt, opts, pos, &npos, &help, &err), -EINVAL);
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_args_parse(3, helpme, opts, pos, &npos, &help, &err), 0);
    ASSERT_EQ(help, 1);
    ASSERT_STREQ(mdt_args_get(opts, "name")->value, "x");
    mdt_buf_release(&err);
}

TEST(client_args_help_lists_every_option)
{
    struct mdt_opt opts[] = {
        {"name", "NAME", "the name", NULL, 0},
        {"yes", NULL, "do not ask", NULL, 0},
        {NULL, NULL, NULL, NULL, 0},
    };
    struct mdt_buf out;

    mdt_buf_init(&out, MDT_BUF_NOCAP);
    mdt_args_help(opts, &out);
    ASSERT_STREQ(mdt_buf_str(&out), "  --name NAME  the name\n"
                                    "  --yes        do not ask\n");
    mdt_buf_release(&out);
}

/* A value the server's answer lacks prints as an empty cell, never a
 * crash. */
TEST(client_output_values_and_missing_fields)
{
    json_t *row = json_pack("{s:s, s:I, s:b, s:{s:s}, s:[s,s]}", "name", "Rethink", "id",
                            (json_int_t)7, "active", 1, "org", "name", "Mind", "tags", "a", "b");
    char *s;

    s = mdt_out_value(json_object_get(row, "name"));
    ASSERT_STREQ(s, "Rethink");
    free(s);
    s = mdt_out_value(json_object_get(row, "id"));
    ASSERT_STREQ(s, "7");
    free(s);
    s = mdt_out_value(json_object_get(row, "active"));
    ASSERT_STREQ(s, "yes");
    free(s);
    s = mdt_out_value(mdt_out_lookup(row, "org.name"));
    ASSERT_STREQ(s, "Mind");
    free(s);
    s = mdt_out_value(json_object_get(row, "tags"));
    ASSERT_STREQ(s, "a,b");
    free(s);
    /* a field the answer lacks, at the top or down a path */
    s = mdt_out_value(json_object_get(row, "missing"));
    ASSERT_STREQ(s, "");
    free(s);
    s = mdt_out_value(mdt_out_lookup(row, "org.missing.deeper"));
    ASSERT_STREQ(s, "");
    free(s);
    json_decref(row);
}
