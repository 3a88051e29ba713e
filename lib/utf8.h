/* UTF-8 helpers. */
#ifndef MDT_UTF8_H
#define MDT_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Is s[0..n) well-formed UTF-8 (no overlong forms, no surrogates, nothing
 * past U+10FFFF)? */
bool mdt_utf8_valid(const char *s, size_t n);

/* The code point of the character starting at s[0] (n >= 1 bytes
 * readable), its length in *len when len is not NULL. Lenient, for text
 * that may be any bytes: 0xFFFD (length 1) for a continuation byte, a
 * sequence cut short or a bad continuation byte; overlong forms decode to
 * their value. */
uint32_t mdt_utf8_decode(const char *s, size_t n, size_t *len);

#endif
