/* Message composition: headers, encoded words, MIME parts, line rules. */
#include <errno.h>

#include "buf.h"
#include "mime.h"
#include "test.h"
#include "xmalloc.h"

/* Every line ends in CRLF, no bare CR or LF, none longer than 998. */
static void check_lines(const char *m)
{
    size_t col = 0;

    for (const char *p = m; *p; p++) {
        if (*p == '\r') {
            if (p[1] != '\n')
                TEST_FAIL("bare CR at offset %zu", (size_t)(p - m));
            p++;
            col = 0;
            continue;
        }
        if (*p == '\n')
            TEST_FAIL("bare LF at offset %zu", (size_t)(p - m));
        if (++col > 998)
            TEST_FAIL("line longer than 998 octets at offset %zu", (size_t)(p - m));
    }
    ASSERT(col == 0);
}

static int b64val(char c)
{
    const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = strchr(t, c);
    return c && p ? (int)(p - t) : -1;
}

/* Decodes base64 from s up to end (skipping CR/LF) into out. */
static void b64dec(const char *s, const char *end, struct mdt_buf *out)
{
    unsigned v = 0;
    int n = 0;

    for (; s < end; s++) {
        int d = b64val(*s);
        if (d < 0)
            continue;
        v = v << 6 | (unsigned)d;
        if (++n == 4) {
            mdt_buf_addc(out, (char)(v >> 16));
            mdt_buf_addc(out, (char)(v >> 8));
            mdt_buf_addc(out, (char)v);
            n = 0;
            v = 0;
        }
    }
    if (n == 3) {
        mdt_buf_addc(out, (char)(v >> 10));
        mdt_buf_addc(out, (char)(v >> 2));
    } else if (n == 2) {
        mdt_buf_addc(out, (char)(v >> 4));
    }
}

/* Unfolds a header's value and decodes its encoded words. */
static char *header_value(const char *msg, const char *name)
{
    char *key = mdt_xasprintf("\r\n%s: ", name);
    const char *p = strstr(msg, key), *e;
    struct mdt_buf out;

    if (p == NULL && strncmp(msg, key + 2, strlen(key + 2)) == 0)
        p = msg - 2;
    ASSERT(p != NULL);
    p += strlen(key);
    free(key);
    mdt_buf_init(&out, MDT_BUF_NOCAP);
    for (e = p; !(e[0] == '\r' && e[1] == '\n' && e[2] != ' '); e++)
        ;
    while (p < e) {
        if (strncmp(p, "=?UTF-8?B?", 10) == 0) {
            const char *q = strstr(p + 10, "?=");
            ASSERT(q != NULL && q < e);
            ASSERT(q + 2 - p <= 75);
            b64dec(p + 10, q, &out);
            p = q + 2;
            /* white space between adjacent encoded words is dropped */
            if (strncmp(p, "\r\n =?", 5) == 0)
                p += 3;
            continue;
        }
        if (p[0] == '\r' && p[1] == '\n') {
            p += 2; /* unfolding keeps the space that follows */
            continue;
        }
        mdt_buf_addc(&out, *p++);
    }
    return mdt_buf_detach(&out);
}

static struct mdt_mime_msg base_msg(void)
{
    struct mdt_mime_msg m = {
        .from = "mdt@example.org",
        .to = "gp@surgery.example",
        .to_name = "Dr Ann Lee",
        .subject = "MDT North PCN: monthly meeting",
        .text = "Hello,\nthe meeting is on Tuesday.\n",
        .message_id = "0123456789abcdef@example.org",
        .date = 1797411600, /* 2026-12-16 09:00:00 UTC, a Wednesday */
    };
    return m;
}

TEST(mime_plain_message_headers_and_crlf)
{
    struct mdt_mime_msg m = base_msg();
    struct mdt_buf out, err;

    mdt_buf_init(&out, MDT_BUF_NOCAP);
    mdt_buf_init(&err, 1024);
    ASSERT_EQ(mdt_mime_compose(&m, &out, &err), 0);
    check_lines(out.data);
    ASSERT(strncmp(out.data, "From: <mdt@example.org>\r\n", 25) == 0);
    ASSERT_CONTAINS(out.data, "\r\nTo: \"Dr Ann Lee\"\r\n <gp@surgery.example>\r\n");
    ASSERT_CONTAINS(out.data, "\r\nSubject: MDT North PCN: monthly meeting\r\n");
    ASSERT_CONTAINS(out.data, "\r\nDate: Wed, 16 Dec 2026 09:00:00 +0000\r\n");
    ASSERT_CONTAINS(out.data, "\r\nMessage-ID: <0123456789abcdef@example.org>\r\n");
    ASSERT_CONTAINS(out.data, "\r\nMIME-Version: 1.0\r\n");
    ASSERT_CONTAINS(out.data, "\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                              "Content-Transfer-Encoding: 7bit\r\n\r\n"
                              "Hello,\r\nthe meeting is on Tuesday.\r\n");
    ASSERT_NOT_CONTAINS(out.data, "multipart");
    mdt_buf_release(&out);
    mdt_buf_release(&err);
}

TEST(mime_non_ascii_subject_and_name_are_encoded_words)
{
    struct mdt_mime_msg m = base_msg();
    struct mdt_buf out, err;
    char *v;
    /* long enough to need several words, with 2-, 3- and 4-byte characters */
    const char *subj = "Réunion MDT — Nord: 会议 🗓 ünd ein sehr langer Betreff, der mehrere "
                       "kodierte Wörter braucht, éèêë àâä 会议会议会议";

    m.subject = subj;
    m.to_name = "Zoë O’Brien";
    mdt_buf_init(&out, MDT_BUF_NOCAP);
    mdt_buf_init(&err, 1024);
    ASSERT_EQ(mdt_mime_compose(&m, &out, &err), 0);
    check_lines(out.data);
    ASSERT_CONTAINS(out.data, "\r\nSubject: =?UTF-8?B?");
    ASSERT_CONTAINS(out.data, "\r\n =?UTF-8?B?"); /* folded into several words */
    v = header_value(out.data, "Subject");
    ASSERT_STREQ(v, subj);
    free(v);
    v = header_value(out.data, "To");
    ASSERT_STREQ(v, "Zoë O’Brien <gp@surgery.example>");
    free(v);
    mdt_buf_release(&out);
    mdt_buf_release(&err);
}

TEST(mime_long_ascii_subject_folds_at_spaces)
{
    struct mdt_mime_msg m = base_msg();
    struct mdt_buf out, err, subj;
    char *v;

    mdt_buf_init(&subj, MDT_BUF_NOCAP);
    for (int i = 0; i < 40; i++)
        mdt_buf_printf(&subj, "%sword%d", i ? " " : "", i);
    m.subject = subj.data;
    mdt_buf_init(&out, MDT_BUF_NOCAP);
    mdt_buf_init(&err, 1024);
    ASSERT_EQ(mdt_mime_compose(&m, &out, &err), 0);
    check_lines(out.data);
    ASSERT_NOT_CONTAINS(out.data, "=?UTF-8?");
    v = header_value(out.data, "Subject");
    ASSERT_STREQ(v, subj.data);
    free(v);
    /* one word longer than a line can hold is encoded instead */
    mdt_buf_reset(&subj);
    for (int i = 0; i < 1200; i++)
        mdt_buf_addc(&subj, 'x');
    m.subject = subj.data; /* the buffer has grown */
    mdt_buf_reset(&out);
    ASSERT_EQ(mdt_mime_compose(&m, &out, &err), 0);
    check_lines(out.data);
    v = header_value(out.data, "Subject");
    ASSERT_STREQ(v, subj.data);
    free(v);
    mdt_buf_release(&subj);
    mdt_buf_release(&out);
    mdt_buf_release(&err);
}

TEST(mime_header_injection_refused)
{
    static const char *bad[] = {"Hi\r\nBcc: all@example.org", "Hi\nBcc: x@y.z", "Hi\rX", "a\tb",
                                "bad \xff utf8"};
    struct mdt_mime_msg m;
    struct mdt_buf out, err;

    mdt_buf_init(&out, MDT_BUF_NOCAP);
    mdt_buf_init(&err, 1024);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        m = base_msg();
        m.subject = bad[i];
        mdt_buf_reset(&err);
        ASSERT_EQ(mdt_mime_compose(&m, &out, &err), -EINVAL);
        ASSERT_CONTAINS(err.data, "subject");
        m = base_msg();
        m.to_name = bad[i];
        mdt_buf_reset(&err);
        ASSERT_EQ(mdt_mime_compose(&m, &out, &err), -EINVAL);
        ASSERT_CONTAINS(err.data, "to_name");
    }
    m = base_msg();
    m.to = "gp@surgery.example\r\nRCPT TO:<x@y.z>";
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_mime_compose(&m, &out, &err), -EINVAL);
    ASSERT_CONTAINS(err.data, "to:");
    m = base_msg();
    m.to = "Ann <gp@surgery.example>";
    ASSERT_EQ(mdt_mime_compose(&m, &out, &err), -EINVAL);
    m = base_msg();
    m.from = "nobody";
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_mime_compose(&m, &out, &err), -EINVAL);
    ASSERT_CONTAINS(err.data, "from");
    m = base_msg();
    m.calendar = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
    m.method = "REQUEST\r\nX-Evil: 1";
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_mime_compose(&m, &out, &err), -EINVAL);
    ASSERT_CONTAINS(err.data, "method");
    ASSERT_EQ(mdt_mime_header(&out, "Subject", "a\r\nb: c"), -EINVAL);
    mdt_buf_release(&out);
    mdt_buf_release(&err);
}

TEST(mime_calendar_alternative_inline)
{
    struct mdt_mime_msg m = base_msg();
    struct mdt_buf out, err;
    const char *cal = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
                      "UID:series-3@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    const char *b, *p1, *p2;
    char boundary[100], *delim;

    m.calendar = cal;
    m.method = "REQUEST";
    mdt_buf_init(&out, MDT_BUF_NOCAP);
    mdt_buf_init(&err, 1024);
    ASSERT_EQ(mdt_mime_compose(&m, &out, &err), 0);
    check_lines(out.data);
    b = strstr(out.data, "Content-Type: multipart/alternative;\r\n boundary=\"");
    ASSERT(b != NULL);
    b = strchr(b, '"') + 1;
    ASSERT(strchr(b, '"') - b < (long)sizeof(boundary));
    snprintf(boundary, sizeof(boundary), "%.*s", (int)(strchr(b, '"') - b), b);
    delim = mdt_xasprintf("\r\n--%s\r\n", boundary);
    p1 = strstr(out.data, delim);
    ASSERT(p1 != NULL);
    p2 = strstr(p1 + 1, delim);
    ASSERT(p2 != NULL);
    ASSERT(strncmp(p1 + strlen(delim), "Content-Type: text/plain; charset=UTF-8\r\n", 41) == 0);
    ASSERT(strncmp(p2 + strlen(delim),
                   "Content-Type: text/calendar; method=REQUEST; charset=UTF-8\r\n"
                   "Content-Transfer-Encoding: 7bit\r\n\r\nBEGIN:VCALENDAR\r\n",
                   60 + 34 + 17) == 0);
    ASSERT_CONTAINS(p2, cal);
    free(delim);
    delim = mdt_xasprintf("\r\n--%s--\r\n", boundary);
    ASSERT_CONTAINS(out.data, delim);
    ASSERT(strcmp(out.data + out.len - strlen(delim), delim) == 0);
    ASSERT_NOT_CONTAINS(out.data, "attachment");
    free(delim);
    mdt_buf_release(&out);
    mdt_buf_release(&err);
}

static char *qp_decode(const char *s, const char *end)
{
    struct mdt_buf out;

    mdt_buf_init(&out, MDT_BUF_NOCAP);
    while (s < end) {
        if (s[0] == '=' && s[1] == '\r' && s[2] == '\n') {
            s += 3;
        } else if (s[0] == '=') {
            unsigned v;
            ASSERT(sscanf(s + 1, "%2X", &v) == 1);
            mdt_buf_addc(&out, (char)v);
            s += 3;
        } else {
            mdt_buf_addc(&out, *s++);
        }
    }
    return mdt_buf_detach(&out);
}

TEST(mime_non_ascii_bodies_quoted_printable_and_base64)
{
    struct mdt_mime_msg m = base_msg();
    struct mdt_buf out, err, text, cal, want, got;
    const char *p, *e;
    char *dec;

    mdt_buf_init(&text, MDT_BUF_NOCAP);
    mdt_buf_init(&cal, MDT_BUF_NOCAP);
    mdt_buf_adds(&text, "Café at 10:00 = start \nline with trailing space \n");
    for (int i = 0; i < 300; i++)
        mdt_buf_adds(&text, "long ");
    mdt_buf_adds(&text, "\n.\n");
    mdt_buf_adds(&cal, "BEGIN:VCALENDAR\r\nSUMMARY:Réunion\r\nEND:VCALENDAR\r\n");
    m.text = text.data;
    m.calendar = cal.data;
    m.method = "CANCEL";
    mdt_buf_init(&out, MDT_BUF_NOCAP);
    mdt_buf_init(&err, 1024);
    ASSERT_EQ(mdt_mime_compose(&m, &out, &err), 0);
    check_lines(out.data);
    /* quoted-printable lines stay within 76 */
    p = strstr(out.data, "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
    ASSERT(p != NULL);
    p = strstr(p, "\r\n\r\n") + 4;
    e = strstr(p, "\r\n--=_");
    ASSERT(e != NULL);
    for (const char *l = p; l < e;) {
        const char *nl = strstr(l, "\r\n");
        ASSERT(nl - l <= 76);
        ASSERT(nl == l || (nl[-1] != ' ' && nl[-1] != '\t'));
        l = nl + 2;
    }
    dec = qp_decode(p, e);
    mdt_buf_init(&want, MDT_BUF_NOCAP);
    for (const char *q = text.data; *q; q++) {
        if (*q == '\n')
            mdt_buf_addc(&want, '\r');
        mdt_buf_addc(&want, *q);
    }
    ASSERT_STREQ(dec, want.data);
    free(dec);
    /* the calendar, base64, comes back byte for byte */
    ASSERT_CONTAINS(out.data, "Content-Type: text/calendar; method=CANCEL; charset=UTF-8\r\n"
                              "Content-Transfer-Encoding: base64\r\n\r\n");
    p = strstr(out.data, "Content-Transfer-Encoding: base64\r\n\r\n") + 37;
    e = strstr(p, "\r\n--=_");
    mdt_buf_init(&got, MDT_BUF_NOCAP);
    b64dec(p, e, &got);
    ASSERT_STREQ(got.data, cal.data);
    mdt_buf_release(&got);
    mdt_buf_release(&want);
    mdt_buf_release(&text);
    mdt_buf_release(&cal);
    mdt_buf_release(&out);
    mdt_buf_release(&err);
}

TEST(mime_quoted_display_name_and_cap)
{
    struct mdt_mime_msg m = base_msg();
    struct mdt_buf out, err;

    m.to_name = "Lee, Ann \"Dr\" \\ GP";
    mdt_buf_init(&out, MDT_BUF_NOCAP);
    mdt_buf_init(&err, 1024);
    ASSERT_EQ(mdt_mime_compose(&m, &out, &err), 0);
    ASSERT_CONTAINS(out.data, "\r\nTo: \"Lee, Ann \\\"Dr\\\" \\\\ GP\"\r\n <gp@surgery.example>\r\n");
    mdt_buf_release(&out);
    mdt_buf_init(&out, 100);
    ASSERT_EQ(mdt_mime_compose(&m, &out, &err), -ENOBUFS);
    mdt_buf_release(&out);
    mdt_buf_release(&err);
}

TEST(mime_message_ids_random_with_sender_domain)
{
    struct mdt_buf a, b;

    mdt_buf_init(&a, 256);
    mdt_buf_init(&b, 256);
    ASSERT_EQ(mdt_mime_message_id("mdt@mdt.example.org", &a), 0);
    ASSERT_EQ(mdt_mime_message_id("mdt@mdt.example.org", &b), 0);
    ASSERT_EQ(a.len, 32 + 1 + strlen("mdt.example.org"));
    ASSERT_CONTAINS(a.data, "@mdt.example.org");
    ASSERT(strcmp(a.data, b.data) != 0);
    ASSERT_EQ(mdt_mime_message_id("no-domain", &a), -EINVAL);
    ASSERT_EQ(mdt_mime_message_id("x@bad domain", &a), -EINVAL);
    ASSERT(mdt_mime_check_addr("a.b+c@d-e.example") == NULL);
    ASSERT(mdt_mime_check_addr("a b@c.d") != NULL);
    ASSERT(mdt_mime_check_addr("@c.d") != NULL);
    mdt_buf_release(&a);
    mdt_buf_release(&b);
}
