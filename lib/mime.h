/* Internet messages (RFC 5322, MIME, RFC 2047) composed from plain
 * fields: no I/O, no clock, no randomness except in mdt_mime_message_id,
 * so a message is the same bytes for the same input.
 *
 * Every header value is checked: a CR or LF in one is refused (header
 * injection), as is invalid UTF-8. Lines end in CRLF and stay within 998
 * octets (RFC 5322 2.1.1); header lines are folded near 78. */
#ifndef MDT_MIME_H
#define MDT_MIME_H

#include <stdint.h>

#include "buf.h"

struct mdt_mime_msg {
    const char *from;       /* sender address, e.g. mdt@example.org */
    const char *from_name;  /* display name or NULL */
    const char *to;         /* recipient address */
    const char *to_name;    /* display name or NULL */
    const char *subject;    /* UTF-8 */
    const char *text;       /* text/plain part, UTF-8; LF or CRLF lines */
    const char *calendar;   /* NULL, or a text/calendar object */
    const char *method;     /* its METHOD, required with calendar */
    const char *message_id; /* without the angle brackets: local@domain */
    int64_t date;           /* Unix time of the Date header */
};

/* Appends the whole message to out. Returns 0, -EINVAL with the field at
 * fault named in err (out then holds a partial message: discard it), or
 * -ENOBUFS at out's cap. */
int mdt_mime_compose(const struct mdt_mime_msg *m, struct mdt_buf *out, struct mdt_buf *err);

/* Writes a new random Message-ID "HEX@domain" (no brackets) for the
 * domain of the address from (its part after '@') into out (reset
 * first). -EINVAL when from has no usable domain. */
int mdt_mime_message_id(const char *from, struct mdt_buf *out);

/* Checks an address for use in a header and an SMTP envelope:
 * local@domain, printable ASCII, no spaces, brackets, quotes, commas or
 * controls, at most 254 octets. NULL when fine, else the rule broken. */
const char *mdt_mime_check_addr(const char *addr);

/* Appends "Name: value" (with the value RFC 2047-encoded when it is not
 * plain ASCII, and folded), CRLF-terminated. -EINVAL on CR/LF or invalid
 * UTF-8 in value. */
int mdt_mime_header(struct mdt_buf *out, const char *name, const char *value);

#endif
