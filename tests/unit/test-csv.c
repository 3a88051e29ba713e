#include <errno.h>

#include "csv.h"
#include "test.h"

static const struct mdt_csv_limits lim = {100, 8, 64};

static struct mdt_csv *parse_ok(const char *text)
{
    struct mdt_csv *c = NULL;
    struct mdt_buf err;

    mdt_buf_init(&err, 1024);
    if (mdt_csv_parse(text, strlen(text), &lim, &c, &err) != 0)
        TEST_FAIL("parse failed: %s", mdt_buf_str(&err));
    mdt_buf_release(&err);
    return c;
}

static void parse_fails(const char *text, size_t len, int want_rc, const char *want_msg)
{
    struct mdt_csv *c = NULL;
    struct mdt_buf err;

    mdt_buf_init(&err, 1024);
    ASSERT_EQ(mdt_csv_parse(text, len, &lim, &c, &err), want_rc);
    ASSERT(c == NULL);
    ASSERT_STREQ(mdt_buf_str(&err), want_msg);
    mdt_buf_release(&err);
}

TEST(csv_plain_quoted_and_escaped)
{
    struct mdt_csv *c = parse_ok("name,email\r\n\"Smith, Ann\",ann@x.org\r\n\"say \"\"hi\"\"\",\n"
                                 "\"two\nlines\",last");

    ASSERT_EQ(mdt_csv_records(c), 4);
    ASSERT_EQ(mdt_csv_fields(c, 0), 2);
    ASSERT_STREQ(mdt_csv_field(c, 0, 1, NULL), "email");
    ASSERT_STREQ(mdt_csv_field(c, 1, 0, NULL), "Smith, Ann");
    ASSERT_STREQ(mdt_csv_field(c, 2, 0, NULL), "say \"hi\"");
    ASSERT_STREQ(mdt_csv_field(c, 2, 1, NULL), "");
    ASSERT_STREQ(mdt_csv_field(c, 3, 0, NULL), "two\nlines");
    ASSERT_STREQ(mdt_csv_field(c, 3, 1, NULL), "last");
    ASSERT(mdt_csv_field(c, 3, 2, NULL) == NULL);
    ASSERT(mdt_csv_field(c, 4, 0, NULL) == NULL);
    ASSERT_EQ(mdt_csv_row(c, 3), 4);
    mdt_csv_free(c);
}

TEST(csv_blank_lines_count_as_rows)
{
    struct mdt_csv *c = parse_ok("\xef\xbb\xbf" "a,b\n\n1,2\r\n\r\n3,4\n");

    ASSERT_EQ(mdt_csv_records(c), 3);
    ASSERT_STREQ(mdt_csv_field(c, 0, 0, NULL), "a");
    ASSERT_EQ(mdt_csv_row(c, 0), 1);
    ASSERT_EQ(mdt_csv_row(c, 1), 3);
    ASSERT_EQ(mdt_csv_row(c, 2), 5);
    ASSERT_STREQ(mdt_csv_field(c, 2, 1, NULL), "4");
    mdt_csv_free(c);
}

TEST(csv_refuses_bad_quotes)
{
    parse_fails("a,b\n\"open,x\n", 11, -EINVAL, "row 2: quoted field not closed");
    parse_fails("a,b\nx\"y,z\n", 10, -EINVAL, "row 2: quote inside an unquoted field");
    parse_fails("a,b\n\"x\"y,z\n", 11, -EINVAL, "row 2: text after a closing quote");
}

TEST(csv_limits)
{
    struct mdt_buf text;
    char row[32];

    parse_fails("1,2,3,4,5,6,7,8,9\n", 18, -E2BIG, "row 1: more than 8 fields");
    mdt_buf_init(&text, MDT_BUF_NOCAP);
    mdt_buf_adds(&text, "a,");
    for (int i = 0; i < 65; i++)
        mdt_buf_addc(&text, 'x');
    parse_fails(text.data, text.len, -E2BIG, "row 1: field 2 longer than 64 bytes");
    mdt_buf_reset(&text);
    mdt_buf_adds(&text, "\"");
    for (int i = 0; i < 100; i++)
        mdt_buf_addc(&text, 'y');
    parse_fails(text.data, text.len, -E2BIG, "row 1: field 1 longer than 64 bytes");
    mdt_buf_reset(&text);
    for (int i = 0; i < 101; i++) {
        snprintf(row, sizeof(row), "%d\n", i);
        mdt_buf_adds(&text, row);
    }
    parse_fails(text.data, text.len, -E2BIG, "row 101: more than 100 rows");
    mdt_buf_release(&text);
}

TEST(csv_nul_bytes_are_kept_with_length)
{
    struct mdt_csv *c = NULL;
    struct mdt_buf err;
    size_t len;

    mdt_buf_init(&err, 1024);
    ASSERT_EQ(mdt_csv_parse("a\0b,c\n", 6, &lim, &c, &err), 0);
    ASSERT_EQ(mdt_csv_field(c, 0, 0, &len)[0], 'a');
    ASSERT_EQ(len, 3);
    mdt_csv_free(c);
    mdt_buf_release(&err);
}
