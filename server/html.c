/* The small HTML pages that people reach from a link in an email (RSVP,
 * a partner's action): one escaping function and one page shell, so every
 * page is escaped the same way and works on a phone. */
#include "mdtd.h"

void mdt_html_esc(struct mdt_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            mdt_buf_adds(b, "&amp;");
            break;
        case '<':
            mdt_buf_adds(b, "&lt;");
            break;
        case '>':
            mdt_buf_adds(b, "&gt;");
            break;
        case '"':
            mdt_buf_adds(b, "&quot;");
            break;
        case '\'':
            mdt_buf_adds(b, "&#39;");
            break;
        default:
            mdt_buf_addc(b, *s);
        }
    }
}

void mdt_reply_html(struct mdt_req *r, int status, const char *title, const char *body_html)
{
    struct mdt_buf b;
    size_t n;

    mdt_buf_init(&b, MDT_BUF_NOCAP);
    /* No index, no referrer: the address carries a secret. */
    mdt_buf_adds(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                     "<meta name=\"robots\" content=\"noindex\"><meta name=\"referrer\" "
                     "content=\"no-referrer\"><title>");
    mdt_html_esc(&b, title);
    mdt_buf_adds(&b, "</title><style>body{font-family:sans-serif;max-width:34em;margin:1em auto;"
                     "padding:0 1em;line-height:1.4}button{font-size:1.1em;padding:.6em 1em;"
                     "margin:.3em .3em .3em 0;min-width:8em}textarea{width:100%;font-size:1em}"
                     "fieldset{margin:1em 0;border:1px solid #ccc}</style></head><body>\n<h1>");
    mdt_html_esc(&b, title);
    mdt_buf_adds(&b, "</h1>\n");
    mdt_buf_adds(&b, body_html);
    mdt_buf_adds(&b, "\n</body></html>\n");
    n = b.len;
    mdt_reply_raw(r, status, "text/html; charset=utf-8", mdt_buf_detach(&b), n);
}
