/* Aligned text tables for the client's human output. Cells are copied;
 * control characters in them (which could move a terminal's cursor or
 * hide text) are shown as '?', tabs and newlines as spaces. Widths count
 * UTF-8 characters, not bytes. */
#ifndef MDT_TABLE_H
#define MDT_TABLE_H

#include <stddef.h>

#include "buf.h"

struct mdt_table;

/* new: a table with ncols columns and these headers (copied); free with
 * mdt_table_free. */
struct mdt_table *mdt_table_new(size_t ncols, const char *const *headers);
void mdt_table_free(struct mdt_table *t);

/* Adds a row of ncols cells (copied; NULL prints as empty). */
void mdt_table_add(struct mdt_table *t, const char *const *cells);

size_t mdt_table_rows(const struct mdt_table *t);

/* Appends the table to out: the header line, then one line per row;
 * columns separated by two spaces, no trailing spaces. Returns 0 or
 * -ENOBUFS at out's cap. */
int mdt_table_render(const struct mdt_table *t, struct mdt_buf *out);

/* new: s made safe for a terminal as described above (for values printed
 * outside tables). */
char *mdt_table_clean(const char *s);

/* The display width of s in characters (UTF-8 continuation bytes do not
 * count). */
size_t mdt_table_width(const char *s);

#endif
