/* Internet message composition: RFC 5322 headers, RFC 2047 encoded
 * words, MIME multipart/alternative with an inline text/calendar part
 * (RFC 6047). See mime.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "mime.h"
#include "utf8.h"

#define FOLD_AT 78    /* recommended line length (RFC 5322 2.1.1) */
#define LINE_MAX 998  /* the hard limit, without CRLF */
#define QP_WIDTH 76   /* quoted-printable and base64 line length (RFC 2045) */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int is_plain_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

/* A header value must be one line of valid UTF-8 without controls. */
static int header_value_ok(const char *v)
{
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return 0;
    return mdt_utf8_valid(v, strlen(v));
}

static int add_b64(struct mdt_buf *out, const unsigned char *p, size_t n)
{
    char q[4];
    int rc = 0;

    for (size_t i = 0; i < n && rc == 0; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        q[0] = b64[(v >> 18) & 63];
        q[1] = b64[(v >> 12) & 63];
        q[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
        q[3] = i + 2 < n ? b64[v & 63] : '=';
        rc = mdt_buf_add(out, q, 4);
    }
    return rc;
}

/* Length of the UTF-8 sequence starting with byte c (input is valid). */
static size_t u8len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

/* Writes v as RFC 2047 B-encoded words of at most 75 characters, each
 * holding whole UTF-8 characters, separated by folding (CRLF SP). col is
 * the current line's length so far. */
static int add_encoded_words(struct mdt_buf *out, const char *v, size_t col)
{
    const size_t chunk = 45; /* 45 bytes → 60 base64 chars → 72-char word */
    size_t n = strlen(v), i = 0;
    int rc = 0;

    while (i < n && rc == 0) {
        size_t j = i;
        while (j < n && j - i + u8len((unsigned char)v[j]) <= chunk)
            j += u8len((unsigned char)v[j]);
        (void)col; /* the first word follows the name: 9 + 72 fits 998 easily */
        if (i > 0)
            rc = mdt_buf_adds(out, "\r\n ");
        if (rc == 0)
            rc = mdt_buf_adds(out, "=?UTF-8?B?");
        if (rc == 0)
            rc = add_b64(out, (const unsigned char *)v + i, j - i);
        if (rc == 0)
            rc = mdt_buf_adds(out, "?=");
        i = j;
    }
    return rc;
}

/* Plain ASCII text folded at spaces near FOLD_AT. Returns -E2BIG when a
 * word is too long to fit a line, so the caller encodes instead. */
static int add_folded_ascii(struct mdt_buf *out, const char *v, size_t col)
{
    size_t start = out->len;
    const char *p = v;
    int rc = 0;

    while (*p && rc == 0) {
        const char *w = p;
        size_t wl;
        /* a word with its leading spaces */
        while (*w == ' ')
            w++;
        while (*w && *w != ' ')
            w++;
        wl = (size_t)(w - p);
        if (col + wl > FOLD_AT && p != v && *p == ' ') {
            rc = mdt_buf_adds(out, "\r\n");
            col = 0;
        }
        if (col + wl > LINE_MAX) {
            out->len = start;
            out->data[start] = '\0';
            return -E2BIG;
        }
        if (rc == 0)
            rc = mdt_buf_add(out, p, wl);
        col += wl;
        p = w;
    }
    return rc;
}

int mdt_mime_header(struct mdt_buf *out, const char *name, const char *value)
{
    size_t col = strlen(name) + 2;
    int rc;

    if (!header_value_ok(value))
        return -EINVAL;
    if ((rc = mdt_buf_printf(out, "%s: ", name)) < 0)
        return rc;
    rc = -E2BIG;
    /* Leading, trailing or doubled spaces are kept by ASCII folding;
     * a value that would need a word split is encoded instead. */
    if (is_plain_ascii(value))
        rc = add_folded_ascii(out, value, col);
    if (rc == -E2BIG)
        rc = add_encoded_words(out, value, col);
    if (rc == 0)
        rc = mdt_buf_adds(out, "\r\n");
    return rc;
}

const char *mdt_mime_check_addr(const char *a)
{
    const char *at = strrchr(a, '@'), *p;
    size_t n = strlen(a);

    if (n == 0 || n > 254)
        return "must be an address of 1 to 254 characters";
    if (at == NULL || at == a || at[1] == '\0' || (size_t)(at - a) > 64)
        return "must be local@domain";
    for (p = a; p < at; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c >= 0x7f || strchr("()<>[]:;@\\,\"", c))
            return "has a character not allowed in an address";
    }
    for (p = at + 1; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-'))
            return "has a character not allowed in a domain";
    }
    if (at[1] == '.' || at[1] == '-')
        return "has a malformed domain";
    return NULL;
}

/* "Name: [display] <addr>" */
static int add_addr_header(struct mdt_buf *out, const char *hname, const char *dname,
                           const char *addr)
{
    size_t col = strlen(hname) + 2;
    int rc;

    if (dname && !header_value_ok(dname))
        return -EINVAL;
    if ((rc = mdt_buf_printf(out, "%s: ", hname)) < 0)
        return rc;
    if (dname && *dname) {
        if (is_plain_ascii(dname) && strlen(dname) + col + strlen(addr) + 5 <= FOLD_AT) {
            /* a quoted string: specials such as ',' stay part of the name */
            rc = mdt_buf_addc(out, '"');
            for (const char *p = dname; *p && rc == 0; p++) {
                if (*p == '"' || *p == '\\')
                    rc = mdt_buf_addc(out, '\\');
                if (rc == 0)
                    rc = mdt_buf_addc(out, *p);
            }
            if (rc == 0)
                rc = mdt_buf_addc(out, '"');
        } else {
            rc = add_encoded_words(out, dname, col);
        }
        if (rc == 0)
            rc = mdt_buf_adds(out, "\r\n ");
    }
    if (rc == 0)
        rc = mdt_buf_printf(out, "<%s>\r\n", addr);
    return rc;
}

static int add_date(struct mdt_buf *out, int64_t t)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL)
        return -EINVAL;
    return mdt_buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday],
                          tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                          tm.tm_sec);
}

/* Whether s (taken as LF/CRLF lines) is ASCII with lines that fit and
 * does not contain avoid. */
static int fits_7bit(const char *s, const char *avoid)
{
    size_t col = 0;

    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\n') {
            col = 0;
            continue;
        }
        if (c == '\r' && p[1] == '\n')
            continue;
        if (c >= 0x80 || c == '\r' || (c < 0x20 && c != '\t') || ++col > LINE_MAX)
            return 0;
    }
    return strstr(s, avoid) == NULL;
}

/* Lines of s with CRLF endings (LF, CRLF or a lone CR in the input), the
 * last line terminated too. */
static int add_crlf_lines(struct mdt_buf *out, const char *s)
{
    int rc = 0;

    for (const char *p = s; *p && rc == 0; p++) {
        if (*p == '\r' || *p == '\n') {
            rc = mdt_buf_add(out, "\r\n", 2);
            if (*p == '\r' && p[1] == '\n')
                p++;
        } else {
            rc = mdt_buf_addc(out, *p);
        }
    }
    if (rc == 0 && *s && s[strlen(s) - 1] != '\n' && s[strlen(s) - 1] != '\r')
        rc = mdt_buf_add(out, "\r\n", 2);
    return rc;
}

/* Quoted-printable (RFC 2045 6.7) of s's lines: hard line breaks stay
 * CRLF, long lines get soft breaks, spaces before a break are encoded. */
static int add_qp(struct mdt_buf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t col = 0;
    int rc = 0;

    for (const char *p = s; *p && rc == 0; p++) {
        unsigned char c = (unsigned char)*p;
        char enc[4];
        size_t n;

        if (c == '\r' || c == '\n') {
            rc = mdt_buf_add(out, "\r\n", 2);
            if (c == '\r' && p[1] == '\n')
                p++;
            col = 0;
            continue;
        }
        if ((c >= 33 && c <= 126 && c != '=') ||
            ((c == ' ' || c == '\t') && p[1] && p[1] != '\r' && p[1] != '\n')) {
            enc[0] = (char)c;
            n = 1;
        } else {
            enc[0] = '=';
            enc[1] = hex[c >> 4];
            enc[2] = hex[c & 15];
            n = 3;
        }
        if (col + n > QP_WIDTH - 1) {
            rc = mdt_buf_add(out, "=\r\n", 3);
            col = 0;
        }
        if (rc == 0)
            rc = mdt_buf_add(out, enc, n);
        col += n;
    }
    if (rc == 0 && col > 0)
        rc = mdt_buf_add(out, "\r\n", 2);
    return rc;
}

/* Base64 in lines of 76 of s's bytes after CRLF normalisation. */
static int add_b64_lines(struct mdt_buf *out, const char *s)
{
    struct mdt_buf tmp;
    int rc;

    mdt_buf_init(&tmp, out->cap);
    rc = add_crlf_lines(&tmp, s);
    for (size_t i = 0; rc == 0 && i < tmp.len; i += 57) {
        size_t n = tmp.len - i < 57 ? tmp.len - i : 57;
        rc = add_b64(out, (const unsigned char *)tmp.data + i, n);
        if (rc == 0)
            rc = mdt_buf_add(out, "\r\n", 2);
    }
    mdt_buf_release(&tmp);
    return rc;
}

static int method_ok(const char *m)
{
    if (m == NULL || *m == '\0' || strlen(m) > 32)
        return 0;
    for (; *m; m++)
        if (!((*m >= 'A' && *m <= 'Z') || *m == '-'))
            return 0;
    return 1;
}

/* One body part: its headers and content, 7bit when it fits, else
 * quoted-printable (text) or base64 (calendar, kept byte-exact). */
static int add_part(struct mdt_buf *out, const char *ctype, const char *s, int qp,
                    const char *boundary)
{
    int rc;

    if (fits_7bit(s, boundary)) {
        rc = mdt_buf_printf(out, "Content-Type: %s\r\nContent-Transfer-Encoding: 7bit\r\n\r\n", ctype);
        if (rc == 0)
            rc = add_crlf_lines(out, s);
    } else if (qp) {
        rc = mdt_buf_printf(out, "Content-Type: %s\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
                            ctype);
        if (rc == 0)
            rc = add_qp(out, s);
    } else {
        rc = mdt_buf_printf(out, "Content-Type: %s\r\nContent-Transfer-Encoding: base64\r\n\r\n", ctype);
        if (rc == 0)
            rc = add_b64_lines(out, s);
    }
    return rc;
}

#define FIELD_ERR(f, msg)                                                                         \
    do {                                                                                          \
        mdt_buf_printf(err, "%s: %s", f, msg);                                                    \
        return -EINVAL;                                                                           \
    } while (0)

int mdt_mime_compose(const struct mdt_mime_msg *m, struct mdt_buf *out, struct mdt_buf *err)
{
    const char *why = NULL, *at;
    char boundary[80];
    int rc;

    if (m->from == NULL || (why = mdt_mime_check_addr(m->from)) != NULL)
        FIELD_ERR("from", m->from ? why : "missing");
    if (m->to == NULL || (why = mdt_mime_check_addr(m->to)) != NULL)
        FIELD_ERR("to", m->to ? why : "missing");
    if (m->from_name && !header_value_ok(m->from_name))
        FIELD_ERR("from_name", "must be one line of UTF-8 text");
    if (m->to_name && !header_value_ok(m->to_name))
        FIELD_ERR("to_name", "must be one line of UTF-8 text");
    if (m->subject == NULL || !header_value_ok(m->subject))
        FIELD_ERR("subject", "must be one line of UTF-8 text");
    if (m->text == NULL || !mdt_utf8_valid(m->text, strlen(m->text)))
        FIELD_ERR("text", "must be UTF-8 text");
    if (m->calendar && !mdt_utf8_valid(m->calendar, strlen(m->calendar)))
        FIELD_ERR("calendar", "must be UTF-8 text");
    if (m->calendar && !method_ok(m->method))
        FIELD_ERR("method", "must be an iTIP method such as REQUEST");
    if (m->message_id == NULL || (at = strchr(m->message_id, '@')) == NULL ||
        at == m->message_id || mdt_mime_check_addr(m->message_id) != NULL)
        FIELD_ERR("message_id", "must be local@domain");
    /* The Message-ID is random: its local part makes the boundary unique. */
    snprintf(boundary, sizeof(boundary), "=_%.*s", (int)(at - m->message_id < 60 ? at - m->message_id : 60),
             m->message_id);

    if ((rc = add_addr_header(out, "From", m->from_name, m->from)) < 0 ||
        (rc = add_addr_header(out, "To", m->to_name, m->to)) < 0 ||
        (rc = mdt_mime_header(out, "Subject", m->subject)) < 0 || (rc = add_date(out, m->date)) < 0 ||
        (rc = mdt_buf_printf(out, "Message-ID: <%s>\r\nMIME-Version: 1.0\r\n", m->message_id)) < 0)
        goto out;
    if (m->calendar == NULL) {
        rc = add_part(out, "text/plain; charset=UTF-8", m->text, 1, boundary);
        goto out;
    }
    if ((rc = mdt_buf_printf(out,
                             "Content-Type: multipart/alternative;\r\n boundary=\"%s\"\r\n\r\n"
                             "This is a message in MIME format.\r\n\r\n--%s\r\n",
                             boundary, boundary)) < 0 ||
        (rc = add_part(out, "text/plain; charset=UTF-8", m->text, 1, boundary)) < 0 ||
        (rc = mdt_buf_printf(out, "\r\n--%s\r\n", boundary)) < 0)
        goto out;
    {
        char ctype[96];
        snprintf(ctype, sizeof(ctype), "text/calendar; method=%s; charset=UTF-8", m->method);
        if ((rc = add_part(out, ctype, m->calendar, 0, boundary)) < 0)
            goto out;
    }
    rc = mdt_buf_printf(out, "\r\n--%s--\r\n", boundary);
out:
    if (rc == -EINVAL && err->len == 0)
        mdt_buf_printf(err, "header: a value holds a line break or invalid UTF-8");
    return rc;
}

int mdt_mime_message_id(const char *from, struct mdt_buf *out)
{
    static const char hex[] = "0123456789abcdef";
    const char *at = from ? strrchr(from, '@') : NULL;
    unsigned char r[16];
    char h[33];

    if (at == NULL || mdt_mime_check_addr(from) != NULL)
        return -EINVAL;
    if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
        return -EIO;
    for (size_t i = 0; i < sizeof(r); i++) {
        h[2 * i] = hex[r[i] >> 4];
        h[2 * i + 1] = hex[r[i] & 15];
    }
    h[32] = '\0';
    mdt_buf_reset(out);
    return mdt_buf_printf(out, "%s@%s", h, at + 1);
}
