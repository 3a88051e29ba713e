#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"
#include "svg.h"
#include "test.h"

/* Counts the occurrences of needle in hay. */
static int count(const char *hay, const char *needle)
{
    int n = 0;

    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

TEST(svg_escape_makes_text_safe)
{
    struct mdt_buf b;

    mdt_buf_init(&b, MDT_BUF_NOCAP);
    ASSERT_EQ(mdt_svg_escape(&b, "A&B <c> \"d\" 'e'"), 0);
    ASSERT_STREQ(mdt_buf_str(&b), "A&amp;B &lt;c&gt; &quot;d&quot; &apos;e&apos;");
    mdt_buf_reset(&b);
    /* a control character, a lone continuation byte, a truncated sequence */
    ASSERT_EQ(mdt_svg_escape(&b, "x\x01y\x80z\xc3"), 0);
    ASSERT_STREQ(mdt_buf_str(&b), "x?y?z?");
    mdt_buf_reset(&b);
    ASSERT_EQ(mdt_svg_escape(&b, "Caf\xc3\xa9 \xe2\x80\x94 ok"), 0);
    ASSERT_STREQ(mdt_buf_str(&b), "Caf\xc3\xa9 \xe2\x80\x94 ok");
    mdt_buf_release(&b);
}

TEST(svg_axis_top_is_round)
{
    double step;

    ASSERT(mdt_svg_axis_top(0, &step) == 1 && step == 0.2);
    ASSERT(mdt_svg_axis_top(3, &step) == 5 && step == 1);
    ASSERT(mdt_svg_axis_top(5, &step) == 5);
    ASSERT(mdt_svg_axis_top(7, &step) == 10 && step == 2);
    ASSERT(mdt_svg_axis_top(17, &step) == 20 && step == 5);
    ASSERT(mdt_svg_axis_top(21, &step) == 25 && step == 5);
    ASSERT(mdt_svg_axis_top(480, &step) == 500 && step == 100);
}

TEST(svg_bars_carry_their_values)
{
    static const char *const cats[] = {"2027-01", "2027-02", "2027-03"};
    static const double a[] = {1, 2, 3}, b[] = {0, 4.5, 7};
    struct mdt_svg_series s[] = {{"Cases <presented>", a}, {"Actions & done", b}};
    struct mdt_svg_chart c = {"Lewisham & Greenwich MDT", "number", MDT_SVG_BARS, 3, cats, 2, s};
    struct mdt_buf b2;
    const char *doc;

    mdt_buf_init(&b2, MDT_BUF_NOCAP);
    ASSERT_EQ(mdt_svg_chart(&c, &b2), 0);
    doc = mdt_buf_str(&b2);
    ASSERT_EQ(count(doc, "class=\"bar\""), 6);
    ASSERT(strstr(doc, "data-series=\"1\" data-category=\"1\" data-value=\"4.5\"") != NULL);
    ASSERT(strstr(doc, "data-series=\"0\" data-category=\"2\" data-value=\"3\"") != NULL);
    ASSERT(strstr(doc, "Lewisham &amp; Greenwich MDT") != NULL);
    ASSERT(strstr(doc, "Cases &lt;presented&gt;") != NULL);
    ASSERT(strstr(doc, "<presented>") == NULL);
    /* 7 is the largest: the axis goes to 10 in steps of 2 (6 tick labels) */
    ASSERT_EQ(count(doc, "class=\"tick\""), 6);
    ASSERT(strstr(doc, ">10</text>") != NULL);
    ASSERT(strncmp(doc, "<?xml", 5) == 0);
    ASSERT(strstr(doc, "</svg>\n") != NULL);
    mdt_buf_release(&b2);
}

TEST(svg_lines_and_limits)
{
    static const char *const cats[] = {"a", "b"};
    static const double v[] = {2, 1};
    struct mdt_svg_series s[] = {{"one", v}};
    struct mdt_svg_chart c = {"t", NULL, MDT_SVG_LINES, 2, cats, 1, s};
    struct mdt_buf b;

    mdt_buf_init(&b, MDT_BUF_NOCAP);
    ASSERT_EQ(mdt_svg_chart(&c, &b), 0);
    ASSERT_EQ(count(mdt_buf_str(&b), "class=\"point\""), 2);
    ASSERT_EQ(count(mdt_buf_str(&b), "<polyline"), 1);
    c.ncat = 0;
    ASSERT_EQ(mdt_svg_chart(&c, &b), -EINVAL);
    c.ncat = 2;
    c.nseries = MDT_SVG_MAX_SERIES + 1;
    ASSERT_EQ(mdt_svg_chart(&c, &b), -EINVAL);
    mdt_buf_release(&b);
    /* a small cap: -ENOBUFS, never a crash */
    mdt_buf_init(&b, 100);
    c.nseries = 1;
    ASSERT_EQ(mdt_svg_chart(&c, &b), -ENOBUFS);
    mdt_buf_release(&b);
}
