/* UTF-8 helpers (lib/utf8.c). */
#include "test.h"
#include "utf8.h"

TEST(utf8_valid_and_decode)
{
    size_t l;

    ASSERT(mdt_utf8_valid("Siobh\xc3\xa1n \xe0\xa8\x95", 12));
    ASSERT(!mdt_utf8_valid("\xc0\xaf", 2)); /* overlong */
    ASSERT_EQ(mdt_utf8_decode("A", 1, &l), 0x41);
    ASSERT_EQ(l, 1);
    ASSERT_EQ(mdt_utf8_decode("\xc3\xa1", 2, &l), 0xE1);
    ASSERT_EQ(l, 2);
    ASSERT_EQ(mdt_utf8_decode("\xe0\xa8\x95", 3, &l), 0xA15); /* Gurmukhi ka */
    ASSERT_EQ(l, 3);
    ASSERT_EQ(mdt_utf8_decode("\xf0\x9f\x98\x8a", 4, &l), 0x1F60A);
    ASSERT_EQ(l, 4);
    /* any bytes: a lone continuation byte, a sequence cut short, a bad
     * continuation are one replacement character a byte */
    ASSERT_EQ(mdt_utf8_decode("\x80", 1, &l), 0xFFFD);
    ASSERT_EQ(l, 1);
    ASSERT_EQ(mdt_utf8_decode("\xe0\xa8", 2, &l), 0xFFFD);
    ASSERT_EQ(l, 1);
    ASSERT_EQ(mdt_utf8_decode("\xc3(", 2, &l), 0xFFFD);
    ASSERT_EQ(l, 1);
    ASSERT_EQ(mdt_utf8_decode("\xc3\xa1", 2, NULL), 0xE1);
}
