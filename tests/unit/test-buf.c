#include <errno.h>

#include "buf.h"
#include "test.h"

TEST(buf_grows_and_stays_terminated)
{
    struct mdt_buf b;

    mdt_buf_init(&b, MDT_BUF_NOCAP);
    ASSERT_STREQ(mdt_buf_str(&b), "");
    for (int i = 0; i < 1000; i++)
        ASSERT_EQ(mdt_buf_printf(&b, "%d,", i % 10), 0);
    ASSERT_EQ(b.len, 2000);
    ASSERT_EQ(b.data[b.len], '\0');
    mdt_buf_release(&b);
}

TEST(buf_refuses_past_cap_and_keeps_contents)
{
    struct mdt_buf b;

    mdt_buf_init(&b, 8);
    ASSERT_EQ(mdt_buf_adds(&b, "12345"), 0);
    ASSERT_EQ(mdt_buf_adds(&b, "6789"), -ENOBUFS);
    ASSERT_STREQ(mdt_buf_str(&b), "12345");
    ASSERT_EQ(mdt_buf_adds(&b, "678"), 0);
    ASSERT_EQ(mdt_buf_addc(&b, 'x'), -ENOBUFS);
    ASSERT_EQ(mdt_buf_printf(&b, "%s", "y"), -ENOBUFS);
    ASSERT_STREQ(mdt_buf_str(&b), "12345678");
    mdt_buf_release(&b);
}
