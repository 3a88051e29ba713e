/* An RFC 4180 CSV reader for imports: quoted fields with "" escapes, CRLF
 * or LF line ends, strict about stray quotes. Every size is bounded by the
 * limits, so an upload cannot make us allocate without end. */
#ifndef MDT_CSV_H
#define MDT_CSV_H

#include <stddef.h>

#include "buf.h"

struct mdt_csv_limits {
    size_t max_rows;      /* records, header included */
    size_t max_fields;    /* per record */
    size_t max_field_len; /* bytes */
};

struct mdt_csv;

/* Parses text. Blank lines are skipped but still counted, so row numbers
 * match what a spreadsheet shows (the header is row 1). *out is new: free
 * with mdt_csv_free. On failure returns -EINVAL (syntax), -E2BIG (a limit)
 * and writes "row N: message" to err. */
int mdt_csv_parse(const char *text, size_t len, const struct mdt_csv_limits *lim,
                  struct mdt_csv **out, struct mdt_buf *err);
void mdt_csv_free(struct mdt_csv *c);
size_t mdt_csv_records(const struct mdt_csv *c);
size_t mdt_csv_fields(const struct mdt_csv *c, size_t rec);
/* Borrowed, NUL-terminated, valid while c lives; NULL past the end. *len
 * (when not NULL) gets the length, which may include NUL bytes. */
const char *mdt_csv_field(const struct mdt_csv *c, size_t rec, size_t field, size_t *len);
/* The row number of a record (1 for the first line). */
size_t mdt_csv_row(const struct mdt_csv *c, size_t rec);

#endif
