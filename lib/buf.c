#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xmalloc.h"

void mdt_buf_init(struct mdt_buf *b, size_t cap)
{
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap;
}

void mdt_buf_release(struct mdt_buf *b)
{
    free(b->data);
    mdt_buf_init(b, b->cap);
}

void mdt_buf_reset(struct mdt_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int grow(struct mdt_buf *b, size_t n)
{
    size_t need, a;

    if (n > b->cap || b->len > b->cap - n)
        return -ENOBUFS;
    need = b->len + n + 1;
    if (need <= b->alloc)
        return 0;
    a = b->alloc ? b->alloc : 64;
    while (a < need)
        a = a > ((size_t)-1) / 2 ? need : a * 2;
    b->data = mdt_xrealloc(b->data, a);
    b->alloc = a;
    return 0;
}

int mdt_buf_add(struct mdt_buf *b, const void *p, size_t n)
{
    int rc = grow(b, n);
    if (rc < 0)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int mdt_buf_adds(struct mdt_buf *b, const char *s)
{
    return mdt_buf_add(b, s, strlen(s));
}

int mdt_buf_addc(struct mdt_buf *b, char c)
{
    return mdt_buf_add(b, &c, 1);
}

int mdt_buf_vprintf(struct mdt_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int n, rc;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return -EINVAL;
    if ((rc = grow(b, (size_t)n)) < 0)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int mdt_buf_printf(struct mdt_buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = mdt_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

const char *mdt_buf_str(const struct mdt_buf *b)
{
    return b->data ? b->data : "";
}

char *mdt_buf_detach(struct mdt_buf *b)
{
    char *p = b->data ? b->data : mdt_xstrdup("");
    mdt_buf_init(b, b->cap);
    return p;
}
