#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "xmalloc.h"

struct rec {
    size_t first; /* index into fields */
    size_t n;
    size_t row;
};

struct field {
    size_t off, len; /* into data */
};

struct mdt_csv {
    struct mdt_buf data; /* every field, each followed by a NUL */
    struct field *fields;
    size_t nfields, afields;
    struct rec *recs;
    size_t nrecs, arecs;
};

void mdt_csv_free(struct mdt_csv *c)
{
    if (c == NULL)
        return;
    mdt_buf_release(&c->data);
    free(c->fields);
    free(c->recs);
    free(c);
}

size_t mdt_csv_records(const struct mdt_csv *c)
{
    return c->nrecs;
}

size_t mdt_csv_fields(const struct mdt_csv *c, size_t rec)
{
    return rec < c->nrecs ? c->recs[rec].n : 0;
}

size_t mdt_csv_row(const struct mdt_csv *c, size_t rec)
{
    return rec < c->nrecs ? c->recs[rec].row : 0;
}

const char *mdt_csv_field(const struct mdt_csv *c, size_t rec, size_t field, size_t *len)
{
    const struct field *f;

    if (rec >= c->nrecs || field >= c->recs[rec].n)
        return NULL;
    f = &c->fields[c->recs[rec].first + field];
    if (len)
        *len = f->len;
    return c->data.data + f->off;
}

static void add_field(struct mdt_csv *c, size_t off)
{
    if (c->nfields == c->afields) {
        c->afields = c->afields ? c->afields * 2 : 64;
        c->fields = mdt_xreallocarray(c->fields, c->afields, sizeof(*c->fields));
    }
    c->fields[c->nfields].off = off;
    c->fields[c->nfields].len = c->data.len - off;
    c->nfields++;
    mdt_buf_addc(&c->data, '\0'); /* cannot fail: the data buffer has no cap */
}

static void add_rec(struct mdt_csv *c, size_t first, size_t row)
{
    if (c->nrecs == c->arecs) {
        c->arecs = c->arecs ? c->arecs * 2 : 64;
        c->recs = mdt_xreallocarray(c->recs, c->arecs, sizeof(*c->recs));
    }
    c->recs[c->nrecs].first = first;
    c->recs[c->nrecs].n = c->nfields - first;
    c->recs[c->nrecs].row = row;
    c->nrecs++;
}

int mdt_csv_parse(const char *text, size_t len, const struct mdt_csv_limits *lim,
                  struct mdt_csv **out, struct mdt_buf *err)
{
    struct mdt_csv *c = mdt_xcalloc(1, sizeof(*c));
    size_t i = 0, row = 0;
    int rc = 0;

    *out = NULL;
    /* The data never outgrows the input plus one NUL per field. */
    mdt_buf_init(&c->data, MDT_BUF_NOCAP);
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        i = 3;
    while (i < len) {
        size_t first = c->nfields;

        row++;
        if (text[i] == '\n' || text[i] == '\r') { /* a blank line */
            i += (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n') ? 2 : 1;
            continue;
        }
        if (c->nrecs >= lim->max_rows) {
            mdt_buf_printf(err, "row %zu: more than %zu rows", row, lim->max_rows);
            rc = -E2BIG;
            goto out;
        }
        for (;;) { /* one field per turn */
            size_t off = c->data.len;

            if (c->nfields - first >= lim->max_fields) {
                mdt_buf_printf(err, "row %zu: more than %zu fields", row, lim->max_fields);
                rc = -E2BIG;
                goto out;
            }
            if (i < len && text[i] == '"') {
                i++;
                for (;;) {
                    if (i >= len) {
                        mdt_buf_printf(err, "row %zu: quoted field not closed", row);
                        rc = -EINVAL;
                        goto out;
                    }
                    if (text[i] == '"') {
                        if (i + 1 < len && text[i + 1] == '"') {
                            mdt_buf_addc(&c->data, '"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    mdt_buf_addc(&c->data, text[i++]);
                    if (c->data.len - off > lim->max_field_len)
                        break;
                }
                if (i < len && text[i] != ',' && text[i] != '\n' && text[i] != '\r' &&
                    c->data.len - off <= lim->max_field_len) {
                    mdt_buf_printf(err, "row %zu: text after a closing quote", row);
                    rc = -EINVAL;
                    goto out;
                }
            } else {
                while (i < len && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
                    if (text[i] == '"') {
                        mdt_buf_printf(err, "row %zu: quote inside an unquoted field", row);
                        rc = -EINVAL;
                        goto out;
                    }
                    mdt_buf_addc(&c->data, text[i++]);
                    if (c->data.len - off > lim->max_field_len)
                        break;
                }
            }
            if (c->data.len - off > lim->max_field_len) {
                mdt_buf_printf(err, "row %zu: field %zu longer than %zu bytes", row,
                               c->nfields - first + 1, lim->max_field_len);
                rc = -E2BIG;
                goto out;
            }
            add_field(c, off);
            if (i < len && text[i] == ',') {
                i++;
                continue;
            }
            break;
        }
        add_rec(c, first, row);
        if (i < len) /* the line end */
            i += (text[i] == '\r' && i + 1 < len && text[i + 1] == '\n') ? 2 : 1;
    }
    *out = c;
    c = NULL;
out:
    mdt_csv_free(c);
    return rc;
}
