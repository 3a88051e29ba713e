/* SVG charts of small tables of figures (a report's months), written as
 * text with no library: a title, a y axis with round ticks and grid
 * lines, category labels along the x axis, a legend, and either grouped
 * bars or one line of points per series. Every text is XML-escaped;
 * control characters and bytes that are not UTF-8 become '?', so the
 * document is well-formed whatever the labels hold.
 *
 * Each bar (or point) carries its figures for machines that check it:
 * class="bar" (or "point"), data-series, data-category (0-based
 * indexes) and data-value, the value as given. */
#ifndef MDT_SVG_H
#define MDT_SVG_H

#include <stddef.h>

#include "buf.h"

struct mdt_svg_series {
    const char *name;     /* legend text (borrowed) */
    const double *values; /* ncat values (borrowed); negative ones are drawn as 0 */
};

enum mdt_svg_kind {
    MDT_SVG_BARS = 0,
    MDT_SVG_LINES = 1,
};

struct mdt_svg_chart {
    const char *title;   /* borrowed */
    const char *y_label; /* borrowed, may be NULL */
    enum mdt_svg_kind kind;
    size_t ncat;                   /* categories along x (at most MDT_SVG_MAX_CAT) */
    const char *const *categories; /* ncat labels (borrowed) */
    size_t nseries;                /* at most MDT_SVG_MAX_SERIES */
    const struct mdt_svg_series *series;
};

#define MDT_SVG_MAX_CAT 240
#define MDT_SVG_MAX_SERIES 12

/* Appends the whole document (XML declaration included) to out.
 * Returns 0, -EINVAL for a chart past the limits or with no category or
 * series, or -ENOBUFS at out's cap (out is then partly written). */
int mdt_svg_chart(const struct mdt_svg_chart *c, struct mdt_buf *out);

/* Appends s XML-escaped (&, <, >, ", ' as entities; control characters
 * other than tab and newline, and invalid UTF-8, as '?'). */
int mdt_svg_escape(struct mdt_buf *out, const char *s);

/* The top of the y axis for data whose largest value is max: 1, 2, 2.5
 * or 5 times a power of ten, at least max (and at least 1); *step gets
 * the distance between ticks (the top divided into 4 or 5). */
double mdt_svg_axis_top(double max, double *step);

#endif
