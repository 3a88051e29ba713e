/* A parser for the INI-style configuration files of mdtd (mdtd.conf) and
 * mdt (~/.config/mdt/config): one `key = value` per line, blank lines and
 * lines starting with `#` ignored. There are no sections and no quoting:
 * the value is everything after the first `=`, with surrounding blanks
 * removed. Lines end with LF or CRLF; a UTF-8 byte order mark at the start
 * is skipped. Lines are at most MDT_INI_MAX_LINE bytes so a stray binary
 * file cannot make us hold a huge line. */
#ifndef MDT_INI_H
#define MDT_INI_H

#include <stddef.h>

#include "buf.h"

#define MDT_INI_MAX_LINE 4096
#define MDT_INI_MAX_KEY 64

/* The callback gets each pair in file order. key and value are borrowed,
 * NUL-terminated and valid only during the call. It returns 0 to go on or
 * a negative errno to stop; on failure it writes a message to err, either
 * "LINE: message" or just "message" (the parser then puts "LINE: " in
 * front). When it fails without writing, err gets "LINE: invalid value".
 *
 * mdt_ini_parse returns 0, -EINVAL for a line that is not `key = value`
 * (err: "LINE: message"), or the callback's negative return. err is
 * written only on failure; callers put the file name in front of it. */
int mdt_ini_parse(const char *text, size_t len,
                  int (*cb)(const char *key, const char *value, int line, void *arg,
                            struct mdt_buf *err),
                  void *arg, struct mdt_buf *err);

#endif
