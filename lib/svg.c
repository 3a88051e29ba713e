/* SVG charts written as text (see svg.h). The layout is fixed-size and
 * simple on purpose: a chair pastes the file into a document, where it
 * scales as a vector. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "svg.h"
#include "utf8.h"

/* Colours distinguishable in print and by most colour-blind readers
 * (Okabe and Ito's palette), then greys. */
static const char *const palette[MDT_SVG_MAX_SERIES] = {
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
    "#F0E442", "#000000", "#555555", "#888888", "#AAAAAA", "#CCCCCC",
};

#define W 960
#define H 540
#define LEFT 80   /* room for the y labels */
#define RIGHT 210 /* room for the legend */
#define TOP 60    /* room for the title */
#define BOTTOM 70 /* room for the category labels */

int mdt_svg_escape(struct mdt_buf *out, const char *s)
{
    size_t i = 0, n = strlen(s);
    int rc = 0;

    while (i < n && rc == 0) {
        unsigned char ch = (unsigned char)s[i];
        size_t len = 1;

        if (ch >= 0x80) {
            /* the length the lead byte announces, then a check of the whole sequence */
            len = ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 : ch >= 0xC0 ? 2 : 1;
            if (i + len > n || !mdt_utf8_valid(s + i, len)) {
                rc = mdt_buf_addc(out, '?');
                i++;
                continue;
            }
            rc = mdt_buf_add(out, s + i, len);
            i += len;
            continue;
        }
        switch (ch) {
        case '&':
            rc = mdt_buf_adds(out, "&amp;");
            break;
        case '<':
            rc = mdt_buf_adds(out, "&lt;");
            break;
        case '>':
            rc = mdt_buf_adds(out, "&gt;");
            break;
        case '"':
            rc = mdt_buf_adds(out, "&quot;");
            break;
        case '\'':
            rc = mdt_buf_adds(out, "&apos;");
            break;
        default:
            /* XML 1.0 allows no control characters but tab, LF and CR */
            rc = mdt_buf_addc(
                out, (ch < 0x20 && ch != '\t' && ch != '\n') || ch == 0x7F ? '?' : (char)ch);
        }
        i++;
    }
    return rc;
}

double mdt_svg_axis_top(double max, double *step)
{
    static const double mult[] = {1, 2, 2.5, 5, 10};
    static const double div[] = {5, 4, 5, 5, 5};
    double p;

    if (!(max > 1)) /* also NaN */
        max = 1;
    p = pow(10, floor(log10(max)));
    for (size_t i = 0; i < sizeof(mult) / sizeof(mult[0]); i++)
        if (mult[i] * p >= max * (1 - 1e-12)) {
            *step = mult[i] * p / div[i];
            return mult[i] * p;
        }
    *step = 2 * p;
    return 10 * p;
}

/* A number as text: integers without a decimal point, else up to 6
 * significant digits. */
static int add_num(struct mdt_buf *out, double v)
{
    if (v == floor(v) && fabs(v) < 1e15)
        return mdt_buf_printf(out, "%.0f", v);
    return mdt_buf_printf(out, "%.6g", v);
}

static int text(struct mdt_buf *out, double x, double y, const char *anchor, const char *cls,
                const char *s, const char *extra)
{
    int rc = mdt_buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"%s\"%s%s>",
                            x, y, anchor, cls, extra ? " " : "", extra ? extra : "");

    if (rc == 0)
        rc = mdt_svg_escape(out, s);
    if (rc == 0)
        rc = mdt_buf_adds(out, "</text>\n");
    return rc;
}

int mdt_svg_chart(const struct mdt_svg_chart *c, struct mdt_buf *out)
{
    double max = 0, top, step, pw = W - LEFT - RIGHT, ph = H - TOP - BOTTOM, band;
    int rc = 0;

    if (c->ncat == 0 || c->ncat > MDT_SVG_MAX_CAT || c->nseries == 0 ||
        c->nseries > MDT_SVG_MAX_SERIES || c->title == NULL)
        return -EINVAL;
    for (size_t s = 0; s < c->nseries; s++)
        for (size_t i = 0; i < c->ncat; i++)
            if (c->series[s].values[i] > max)
                max = c->series[s].values[i];
    top = mdt_svg_axis_top(max, &step);
    band = pw / (double)c->ncat;

#define Y(v) (TOP + ph - ((v) > 0 ? (v) : 0) / top * ph)
#define TRY(x)                                                                                     \
    do {                                                                                           \
        if ((rc = (x)) != 0)                                                                       \
            return rc;                                                                             \
    } while (0)

    TRY(mdt_buf_printf(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
        "height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"title\">\n",
        W, H, W, H));
    TRY(mdt_buf_adds(out, "<title id=\"title\">"));
    TRY(mdt_svg_escape(out, c->title));
    TRY(mdt_buf_adds(out, "</title>\n"
                          "<style>text{font-family:Arial,Helvetica,sans-serif;fill:#222}"
                          ".title{font-size:20px;font-weight:bold}.tick{font-size:12px}"
                          ".cat{font-size:12px}.legend{font-size:13px}.ylabel{font-size:13px}"
                          "</style>\n"));
    TRY(mdt_buf_printf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
                       W, H));
    TRY(text(out, W / 2.0, 32, "middle", "title", c->title, NULL));

    /* y axis: grid lines and tick labels */
    TRY(mdt_buf_adds(out, "<g class=\"y-axis\">\n"));
    for (int k = 0; k * step <= top * (1 + 1e-9); k++) {
        double v = k * step, y = Y(v);
        struct mdt_buf lab;

        TRY(mdt_buf_printf(out,
                           "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                           "stroke-width=\"1\"/>\n",
                           LEFT, y, LEFT + pw, y, k == 0 ? "#222222" : "#dddddd"));
        mdt_buf_init(&lab, 64);
        add_num(&lab, v);
        rc = text(out, LEFT - 8, y + 4, "end", "tick", mdt_buf_str(&lab), NULL);
        mdt_buf_release(&lab);
        TRY(rc);
    }
    TRY(mdt_buf_printf(out,
                       "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%.1f\" stroke=\"#222222\" "
                       "stroke-width=\"1\"/>\n",
                       LEFT, TOP, LEFT, TOP + ph));
    if (c->y_label) {
        char tr[80];
        snprintf(tr, sizeof(tr), "transform=\"rotate(-90 %d %.1f)\"", 22, TOP + ph / 2);
        TRY(text(out, 22, TOP + ph / 2, "middle", "ylabel", c->y_label, tr));
    }
    TRY(mdt_buf_adds(out, "</g>\n"));

    /* x axis: a label under each category, slanted when there are many */
    TRY(mdt_buf_adds(out, "<g class=\"x-axis\">\n"));
    for (size_t i = 0; i < c->ncat; i++) {
        double x = LEFT + band * ((double)i + 0.5), y = TOP + ph + 20;
        char tr[80];

        if (c->ncat > 12) {
            snprintf(tr, sizeof(tr), "transform=\"rotate(-45 %.1f %.1f)\"", x, y);
            TRY(text(out, x, y, "end", "cat", c->categories[i], tr));
        } else {
            TRY(text(out, x, y, "middle", "cat", c->categories[i], NULL));
        }
    }
    TRY(mdt_buf_adds(out, "</g>\n"));

    /* the data */
    for (size_t s = 0; s < c->nseries; s++) {
        const char *col = palette[s];

        TRY(mdt_buf_printf(out, "<g class=\"series\" data-series=\"%zu\" fill=\"%s\">\n", s, col));
        if (c->kind == MDT_SVG_LINES && c->ncat > 1) {
            TRY(mdt_buf_printf(out,
                               "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                               "points=\"",
                               col));
            for (size_t i = 0; i < c->ncat; i++)
                TRY(mdt_buf_printf(out, "%s%.1f,%.1f", i ? " " : "",
                                   LEFT + band * ((double)i + 0.5), Y(c->series[s].values[i])));
            TRY(mdt_buf_adds(out, "\"/>\n"));
        }
        for (size_t i = 0; i < c->ncat; i++) {
            double v = c->series[s].values[i];

            if (c->kind == MDT_SVG_LINES) {
                TRY(mdt_buf_printf(out,
                                   "<circle class=\"point\" data-series=\"%zu\" "
                                   "data-category=\"%zu\" data-value=\"",
                                   s, i));
                TRY(add_num(out, v));
                TRY(mdt_buf_printf(out, "\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\"/>\n",
                                   LEFT + band * ((double)i + 0.5), Y(v)));
            } else {
                /* the band holds the group with a gap of a fifth of it */
                double bw = band * 0.8 / (double)c->nseries;
                double x = LEFT + band * (double)i + band * 0.1 + bw * (double)s;

                TRY(mdt_buf_printf(out,
                                   "<rect class=\"bar\" data-series=\"%zu\" data-category=\"%zu\" "
                                   "data-value=\"",
                                   s, i));
                TRY(add_num(out, v));
                TRY(mdt_buf_printf(out, "\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\">",
                                   x, Y(v), bw, TOP + ph - Y(v)));
                /* a tooltip in viewers that show one */
                TRY(mdt_buf_adds(out, "<title>"));
                TRY(mdt_svg_escape(out, c->series[s].name));
                TRY(mdt_buf_adds(out, ", "));
                TRY(mdt_svg_escape(out, c->categories[i]));
                TRY(mdt_buf_adds(out, ": "));
                TRY(add_num(out, v));
                TRY(mdt_buf_adds(out, "</title></rect>\n"));
            }
        }
        TRY(mdt_buf_adds(out, "</g>\n"));
    }

    /* legend */
    TRY(mdt_buf_adds(out, "<g class=\"legend\">\n"));
    for (size_t s = 0; s < c->nseries; s++) {
        double y = TOP + 10 + 24.0 * (double)s;

        TRY(mdt_buf_printf(out,
                           "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"14\" fill=\"%s\"/>\n",
                           LEFT + pw + 20, y, palette[s]));
        TRY(text(out, LEFT + pw + 42, y + 12, "start", "legend", c->series[s].name, NULL));
    }
    TRY(mdt_buf_adds(out, "</g>\n</svg>\n"));
#undef TRY
#undef Y
    return 0;
}
