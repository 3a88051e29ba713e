/* A growable byte buffer with a cap (curl's dynbuf): appends past the cap
 * fail with -ENOBUFS and leave the contents as they were, so untrusted
 * input can never make us allocate without bound. The contents are always
 * NUL-terminated. */
#ifndef MDT_BUF_H
#define MDT_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct mdt_buf {
    char *data; /* NULL until the first append */
    size_t len;
    size_t alloc;
    size_t cap; /* most bytes the buffer may hold, not counting the NUL */
};

#define MDT_BUF_NOCAP ((size_t)-1)

void mdt_buf_init(struct mdt_buf *b, size_t cap);
void mdt_buf_release(struct mdt_buf *b);
void mdt_buf_reset(struct mdt_buf *b); /* length 0, memory kept */
int mdt_buf_add(struct mdt_buf *b, const void *p, size_t n);
int mdt_buf_adds(struct mdt_buf *b, const char *s);
int mdt_buf_addc(struct mdt_buf *b, char c);
int mdt_buf_printf(struct mdt_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int mdt_buf_vprintf(struct mdt_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Borrowed: "" when empty, never NULL. */
const char *mdt_buf_str(const struct mdt_buf *b);
/* New: the contents (caller frees); the buffer is left empty. */
char *mdt_buf_detach(struct mdt_buf *b);

#endif
