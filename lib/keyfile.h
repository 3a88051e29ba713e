/* The organisation's pseudonym key: 32 random bytes that turn an NHS
 * number into the same pseudonym on every case holder's machine of one
 * organisation, and that the server never sees.
 *
 * On disk and between colleagues the key travels as one line of text:
 *   mdt-key-1:<base64 of the 32 bytes>:<8 hex digits of checksum>
 * The checksum (a hash of the key) catches a mistyped or truncated line
 * before a wrong key silently gives every person new pseudonyms. */
#ifndef MDT_KEYFILE_H
#define MDT_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define MDT_KEY_BYTES 32
#define MDT_KEY_PREFIX "mdt-key-1:"

/* A fingerprint prints as "xxxx-xxxx-xxxx-xxxx" (hex). */
#define MDT_KEY_FINGERPRINT_LEN 19

/* new: the text form of key (one line, no newline); caller frees. */
char *mdt_key_encode(const uint8_t key[MDT_KEY_BYTES]);

/* Decodes the text form (surrounding white space allowed). Returns 0 or
 * -EINVAL with a reason in err (wrong prefix, bad base64, wrong length,
 * checksum mismatch). key is written only on success. */
int mdt_key_decode(const char *text, uint8_t key[MDT_KEY_BYTES], struct mdt_buf *err);

/* Writes the fingerprint of key (a hash, safe to show and compare aloud)
 * into out, NUL-terminated. */
void mdt_key_fingerprint(const uint8_t key[MDT_KEY_BYTES], char out[MDT_KEY_FINGERPRINT_LEN + 1]);

/* new: the path of the key file, caller frees: $MDT_KEY_FILE, else
 * $XDG_CONFIG_HOME/mdt/key, else $HOME/.config/mdt/key. NULL when none of
 * these variables is set. */
char *mdt_key_path(void);

/* Reads the key file at path. Returns 0, -ENOENT when there is no file,
 * or another negative errno with err written (unreadable, malformed). */
int mdt_key_load(const char *path, uint8_t key[MDT_KEY_BYTES], struct mdt_buf *err);

/* Writes the key file at path with mode 0600, creating its directory with
 * mode 0700 when missing. Without replace, refuses (-EEXIST) when a file
 * already exists; with replace, swaps it atomically (temp file, fsync,
 * rename). Returns 0 or negative errno with err written. */
int mdt_key_save(const char *path, const uint8_t key[MDT_KEY_BYTES], int replace,
                 struct mdt_buf *err);

/* Creates every missing directory of path's parent with mode 0700.
 * Returns 0 or negative errno. Shared with the vault. */
int mdt_key_mkparent(const char *path);

/* Replaces the file at path with data, atomically: a temp file beside it
 * (mode 0600), fsync, rename, fsync of the directory. A crash leaves the
 * old file or the new one, never a torn one. Returns 0 or negative errno
 * with err written. Shared with the vault. */
int mdt__write_atomic(const char *path, const void *data, size_t len, struct mdt_buf *err);

#endif
