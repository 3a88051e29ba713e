/* UTF-8 helpers. */
#ifndef MDT_UTF8_H
#define MDT_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Is s[0..n) well-formed UTF-8 (no overlong forms, no surrogates, nothing
 * past U+10FFFF)? */
bool mdt_utf8_valid(const char *s, size_t n);

#endif
