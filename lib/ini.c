#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ini.h"

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static int is_key_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.';
}

/* Puts "LINE: " in front of what the callback wrote from offset off on,
 * unless it already starts with a line number. */
static void prefix_line(struct mdt_buf *err, size_t off, int line)
{
    char num[24];
    const char *msg;
    size_t i = 0, mlen;
    struct mdt_buf tmp;

    if (err == NULL)
        return;
    if (err->len <= off) {
        mdt_buf_printf(err, "%d: invalid value", line);
        return;
    }
    msg = err->data + off;
    while (msg[i] >= '0' && msg[i] <= '9')
        i++;
    if (i > 0 && msg[i] == ':')
        return;
    snprintf(num, sizeof(num), "%d: ", line);
    mlen = err->len - off;
    mdt_buf_init(&tmp, MDT_BUF_NOCAP);
    mdt_buf_add(&tmp, msg, mlen);
    err->len = off;
    err->data[off] = '\0';
    mdt_buf_adds(err, num);
    mdt_buf_add(err, tmp.data, tmp.len);
    mdt_buf_release(&tmp);
}

int mdt_ini_parse(const char *text, size_t len,
                  int (*cb)(const char *key, const char *value, int line, void *arg,
                            struct mdt_buf *err),
                  void *arg, struct mdt_buf *err)
{
    char buf[MDT_INI_MAX_LINE + 1];
    size_t pos = 0;
    int line = 0, rc;

    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        pos = 3;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        size_t n = end - pos, k, v, e, off;
        char *key, *value;

        line++;
        if (n > 0 && text[pos + n - 1] == '\r')
            n--;
        if (n > MDT_INI_MAX_LINE) {
            if (err)
                mdt_buf_printf(err, "%d: line longer than %d bytes", line, MDT_INI_MAX_LINE);
            return -EINVAL;
        }
        memcpy(buf, text + pos, n);
        buf[n] = '\0';
        pos = nl ? end + 1 : len;
        if (memchr(buf, '\0', n) != NULL) {
            if (err)
                mdt_buf_printf(err, "%d: NUL byte in line", line);
            return -EINVAL;
        }
        for (k = 0; k < n && is_blank(buf[k]); k++)
            ;
        if (k == n || buf[k] == '#')
            continue;
        for (e = k; e < n && is_key_char(buf[e]); e++)
            ;
        if (e == k) {
            if (err)
                mdt_buf_printf(err, "%d: expected \"key = value\"", line);
            return -EINVAL;
        }
        if (e - k > MDT_INI_MAX_KEY) {
            if (err)
                mdt_buf_printf(err, "%d: key longer than %d characters", line, MDT_INI_MAX_KEY);
            return -EINVAL;
        }
        key = buf + k;
        for (v = e; v < n && is_blank(buf[v]); v++)
            ;
        if (v == n || buf[v] != '=') {
            if (err)
                mdt_buf_printf(err, "%d: expected \"=\" after \"%.*s\"", line, (int)(e - k), key);
            return -EINVAL;
        }
        buf[e] = '\0';
        for (v++; v < n && is_blank(buf[v]); v++)
            ;
        while (n > v && is_blank(buf[n - 1]))
            n--;
        buf[n] = '\0';
        value = buf + v;
        off = err ? err->len : 0;
        if ((rc = cb(key, value, line, arg, err)) < 0) {
            prefix_line(err, off, line);
            return rc;
        }
    }
    return 0;
}
