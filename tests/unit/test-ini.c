#include <errno.h>

#include "ini.h"
#include "test.h"

struct seen {
    struct mdt_buf out;
    int fail_on_line; /* 0: never */
    int write_msg;
};

static int collect(const char *key, const char *value, int line, void *arg, struct mdt_buf *err)
{
    struct seen *s = arg;

    if (line == s->fail_on_line) {
        if (s->write_msg == 1)
            mdt_buf_printf(err, "unknown key \"%s\"", key);
        else if (s->write_msg == 2)
            mdt_buf_printf(err, "%d: bad value for %s", line, key);
        return -EINVAL;
    }
    mdt_buf_printf(&s->out, "%d:[%s]=[%s];", line, key, value);
    return 0;
}

static int parse(const char *text, struct seen *s, struct mdt_buf *err)
{
    mdt_buf_init(&s->out, MDT_BUF_NOCAP);
    mdt_buf_init(err, 1024);
    return mdt_ini_parse(text, strlen(text), collect, s, err);
}

TEST(ini_pairs_comments_blanks_crlf)
{
    struct seen s = {.fail_on_line = 0};
    struct mdt_buf err;
    const char *text = "\xef\xbb\xbf# comment\n\n  listen = 127.0.0.1:0  \r\n"
                       "db=/tmp/x y.db\n\t# indented comment\nempty =\nurl = a=b#c";

    ASSERT_EQ(parse(text, &s, &err), 0);
    ASSERT_STREQ(mdt_buf_str(&s.out), "3:[listen]=[127.0.0.1:0];4:[db]=[/tmp/x y.db];"
                                      "6:[empty]=[];7:[url]=[a=b#c];");
    ASSERT_EQ(err.len, 0);
    mdt_buf_release(&s.out);
    mdt_buf_release(&err);
}

TEST(ini_syntax_errors_name_the_line)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"a = 1\nno equals here\n", "2: expected \"=\" after \"no\""},
        {"\n\n= value\n", "3: expected \"key = value\""},
        {"[section]\n", "1: expected \"key = value\""},
        {"key value\n", "1: expected \"=\" after \"key\""},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct seen s = {0};
        struct mdt_buf err;

        ASSERT_EQ(parse(cases[i].text, &s, &err), -EINVAL);
        ASSERT_STREQ(mdt_buf_str(&err), cases[i].want);
        mdt_buf_release(&s.out);
        mdt_buf_release(&err);
    }
}

TEST(ini_bounds_line_length_and_nul)
{
    struct seen s = {0};
    struct mdt_buf err, text;

    mdt_buf_init(&text, MDT_BUF_NOCAP);
    mdt_buf_adds(&text, "a = 1\nk = ");
    for (int i = 0; i < MDT_INI_MAX_LINE; i++)
        mdt_buf_addc(&text, 'x');
    mdt_buf_init(&s.out, MDT_BUF_NOCAP);
    mdt_buf_init(&err, 1024);
    ASSERT_EQ(mdt_ini_parse(text.data, text.len, collect, &s, &err), -EINVAL);
    ASSERT_STREQ(mdt_buf_str(&err), "2: line longer than 4096 bytes");
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_ini_parse("a = 1\nb = \0x\n", 12, collect, &s, &err), -EINVAL);
    ASSERT_STREQ(mdt_buf_str(&err), "2: NUL byte in line");
    mdt_buf_release(&text);
    mdt_buf_release(&s.out);
    mdt_buf_release(&err);
}

TEST(ini_callback_errors_get_the_line)
{
    struct seen s = {.fail_on_line = 3, .write_msg = 1};
    struct mdt_buf err;

    ASSERT_EQ(parse("a = 1\n# c\nbogus = 2\nc = 3\n", &s, &err), -EINVAL);
    ASSERT_STREQ(mdt_buf_str(&err), "3: unknown key \"bogus\"");
    ASSERT_STREQ(mdt_buf_str(&s.out), "1:[a]=[1];");
    mdt_buf_release(&s.out);
    mdt_buf_release(&err);

    s.write_msg = 2;
    ASSERT_EQ(parse("a = 1\n\nport = x\n", &s, &err), -EINVAL);
    ASSERT_STREQ(mdt_buf_str(&err), "3: bad value for port");
    mdt_buf_release(&s.out);
    mdt_buf_release(&err);

    s.write_msg = 0;
    ASSERT_EQ(parse("a = 1\n\nport = x\n", &s, &err), -EINVAL);
    ASSERT_STREQ(mdt_buf_str(&err), "3: invalid value");
    mdt_buf_release(&s.out);
    mdt_buf_release(&err);
}

TEST(ini_no_trailing_newline_and_empty_input)
{
    struct seen s = {0};
    struct mdt_buf err;

    ASSERT_EQ(parse("", &s, &err), 0);
    ASSERT_STREQ(mdt_buf_str(&s.out), "");
    mdt_buf_release(&s.out);
    mdt_buf_release(&err);
    ASSERT_EQ(parse("x.y-z_1 = v", &s, &err), 0);
    ASSERT_STREQ(mdt_buf_str(&s.out), "1:[x.y-z_1]=[v];");
    mdt_buf_release(&s.out);
    mdt_buf_release(&err);
}
