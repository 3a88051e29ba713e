/* Allocation that cannot fail: out of memory ends the process with a
 * message (tmux xmalloc.c). Untrusted input never decides a size here
 * without a cap checked first (see buf.h). */
#ifndef MDT_XMALLOC_H
#define MDT_XMALLOC_H

#include <stddef.h>

void *mdt_xmalloc(size_t n);
void *mdt_xcalloc(size_t nmemb, size_t size);
void *mdt_xrealloc(void *p, size_t n);
void *mdt_xreallocarray(void *p, size_t nmemb, size_t size);
char *mdt_xstrdup(const char *s);
char *mdt_xstrndup(const char *s, size_t n);
/* new: formatted string, caller frees */
char *mdt_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
