/* The case holder's local vault: the only record of which person is
 * behind which pseudonym. It never leaves the machine and is encrypted at
 * rest with XSalsa20-Poly1305 (libsodium secretbox) under a key derived
 * from the organisation's pseudonym key, so a copied vault file is useless
 * without the key, and a vault opened with the wrong key is refused (the
 * MAC fails) rather than read as garbage.
 *
 * File: "mdtvlt1\n" (8 bytes), a fresh 24-byte nonce, then the sealed
 * JSON array of entries
 *   {"pseudonym", "name", "nhs_number", "date_of_birth", "first_seen",
 *    "last_submitted", "cases": [ids]}
 * kept in pseudonym order. The file is rewritten whole and atomically. */
#ifndef MDT_VAULT_H
#define MDT_VAULT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"

#define MDT_VAULT_MAGIC "mdtvlt1\n"
#define MDT_VAULT_MAGIC_LEN 8
/* The vault of one case holder is small; anything past this is damage. */
#define MDT_VAULT_MAX (64u << 20)

/* Derives the vault's encryption key from the pseudonym key (libsodium
 * KDF, context "mdtvault", subkey 1): the two keys are never the same. */
void mdt_vault_derive_key(const uint8_t key[32], uint8_t vault_key[32]);

/* Seals plain[0..len) under the key derived from key, with a fresh random
 * nonce: appends the whole file image (magic, nonce, ciphertext) to out.
 * Returns 0 or -ENOBUFS when out's cap is reached. */
int mdt_vault_seal(const uint8_t key[32], const void *plain, size_t len, struct mdt_buf *out);

/* Opens a file image made by mdt_vault_seal: appends the plain text to
 * plain. Returns 0, or -EINVAL with err written when the data is not a
 * vault, or -EACCES when it does not decrypt (wrong key, or the file was
 * altered). */
int mdt_vault_open(const uint8_t key[32], const void *data, size_t len, struct mdt_buf *plain,
                   struct mdt_buf *err);

/* new: the vault's path, caller frees: $MDT_VAULT_FILE, else
 * $XDG_DATA_HOME/mdt/vault, else $HOME/.local/share/mdt/vault; NULL when
 * none is set. */
char *mdt_vault_path(void);

/* Reads and decrypts the vault at path. *entries is new (json_decref): the
 * array of entries, empty when there is no vault file yet. Returns 0 or
 * negative errno with err written (-EACCES: wrong key or altered file). */
int mdt_vault_load(const char *path, const uint8_t key[32], json_t **entries,
                   struct mdt_buf *err);

/* Encrypts entries with a fresh nonce and replaces the vault file
 * atomically (mode 0600, directory 0700). Returns 0 or negative errno with
 * err written. entries is borrowed. */
int mdt_vault_save(const char *path, const uint8_t key[32], const json_t *entries,
                   struct mdt_buf *err);

/* Takes an exclusive lock on the vault (a lock file beside it, mode 0600),
 * waiting for other mdt processes: hold it from load to save so two
 * submissions at once cannot lose each other's entry. Returns the lock's
 * file descriptor (close it to unlock) or negative errno with err written. */
int mdt_vault_lock(const char *path, struct mdt_buf *err);

/* Records that case case_id of the person (name, nhs_number, date_of_birth
 * may be NULL) was submitted as pseudonym at time now (RFC 3339): adds an
 * entry or updates the one with that pseudonym (first_seen is kept, the
 * identity and last_submitted are refreshed, the case id appended once).
 * entries is modified in place and kept in pseudonym order. */
void mdt_vault_record(json_t *entries, const char *pseudonym, const char *name,
                      const char *nhs_number, const char *date_of_birth, json_int_t case_id,
                      const char *now);

/* borrowed: the entry of pseudonym (compared without case or dashes), or
 * NULL. */
json_t *mdt_vault_get(const json_t *entries, const char *pseudonym);

/* new: an array of the entries matching text (json_decref): the name
 * contains it (case-insensitive), or its digits appear in the NHS number
 * when text has no letters (so "943 476 5919" finds 9434765919), or the
 * pseudonym contains it (case and dashes ignored). */
json_t *mdt_vault_find(const json_t *entries, const char *text);

#endif
