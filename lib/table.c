#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"
#include "xmalloc.h"

struct mdt_table {
    size_t ncols;
    size_t nrows, alloc; /* rows, counting the header as row 0 */
    char **cells;        /* nrows * ncols, owned */
};

char *mdt_table_clean(const char *s)
{
    char *out, *o;

    if (s == NULL)
        s = "";
    out = o = mdt_xstrdup(s);
    for (; *o; o++) {
        unsigned char c = (unsigned char)*o;

        if (c == '\t' || c == '\n' || c == '\r')
            *o = ' ';
        else if (c < 0x20 || c == 0x7f)
            *o = '?';
    }
    return out;
}

size_t mdt_table_width(const char *s)
{
    size_t w = 0;

    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            w++;
    return w;
}

static void add_row(struct mdt_table *t, const char *const *cells)
{
    if (t->nrows == t->alloc) {
        t->alloc = t->alloc ? t->alloc * 2 : 16;
        t->cells = mdt_xreallocarray(t->cells, t->alloc, t->ncols * sizeof(char *));
    }
    for (size_t i = 0; i < t->ncols; i++)
        t->cells[t->nrows * t->ncols + i] = mdt_table_clean(cells[i]);
    t->nrows++;
}

struct mdt_table *mdt_table_new(size_t ncols, const char *const *headers)
{
    struct mdt_table *t = mdt_xcalloc(1, sizeof(*t));

    t->ncols = ncols ? ncols : 1;
    add_row(t, headers);
    return t;
}

void mdt_table_free(struct mdt_table *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t);
}

void mdt_table_add(struct mdt_table *t, const char *const *cells)
{
    add_row(t, cells);
}

size_t mdt_table_rows(const struct mdt_table *t)
{
    return t->nrows - 1;
}

int mdt_table_render(const struct mdt_table *t, struct mdt_buf *out)
{
    size_t *w = mdt_xcalloc(t->ncols, sizeof(*w));
    int rc = 0;

    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            size_t n = mdt_table_width(t->cells[r * t->ncols + c]);
            if (n > w[c])
                w[c] = n;
        }
    for (size_t r = 0; r < t->nrows && rc == 0; r++) {
        size_t last = t->ncols;

        /* Trailing empty cells would only add trailing spaces. */
        while (last > 1 && t->cells[r * t->ncols + last - 1][0] == '\0')
            last--;
        for (size_t c = 0; c < last && rc == 0; c++) {
            const char *cell = t->cells[r * t->ncols + c];

            rc = mdt_buf_adds(out, cell);
            if (rc == 0 && c + 1 < last)
                rc = mdt_buf_printf(out, "%*s", (int)(w[c] - mdt_table_width(cell) + 2), "");
        }
        if (rc == 0)
            rc = mdt_buf_addc(out, '\n');
    }
    free(w);
    return rc;
}
