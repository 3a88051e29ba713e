#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "keyfile.h"
#include "vault.h"
#include "xmalloc.h"

#define HEADER_LEN (MDT_VAULT_MAGIC_LEN + crypto_secretbox_NONCEBYTES)

void mdt_vault_derive_key(const uint8_t key[32], uint8_t vault_key[32])
{
    if (sodium_init() < 0)
        abort();
    crypto_kdf_derive_from_key(vault_key, 32, 1, "mdtvault", key);
}

int mdt_vault_seal(const uint8_t key[32], const void *plain, size_t len, struct mdt_buf *out)
{
    uint8_t vkey[32];
    uint8_t nonce[crypto_secretbox_NONCEBYTES];
    size_t start = out->len, clen;
    int rc;

    if (len > MDT_VAULT_MAX)
        return -ENOBUFS;
    clen = len + crypto_secretbox_MACBYTES;
    mdt_vault_derive_key(key, vkey);
    randombytes_buf(nonce, sizeof(nonce));
    /* Reserve the whole image first, then encrypt into it in place. */
    if ((rc = mdt_buf_add(out, MDT_VAULT_MAGIC, MDT_VAULT_MAGIC_LEN)) < 0 ||
        (rc = mdt_buf_add(out, nonce, sizeof(nonce))) < 0)
        goto out;
    for (size_t i = 0; i < clen; i += 4096) {
        static const char zeros[4096];
        size_t n = clen - i < sizeof(zeros) ? clen - i : sizeof(zeros);

        if ((rc = mdt_buf_add(out, zeros, n)) < 0)
            goto out;
    }
    crypto_secretbox_easy((unsigned char *)out->data + start + HEADER_LEN, plain, len, nonce,
                          vkey);
    rc = 0;
out:
    if (rc < 0) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    sodium_memzero(vkey, sizeof(vkey));
    return rc;
}

int mdt_vault_open(const uint8_t key[32], const void *data, size_t len, struct mdt_buf *plain,
                   struct mdt_buf *err)
{
    const unsigned char *d = data;
    uint8_t vkey[32];
    size_t start = plain->len, mlen;
    int rc;

    if (len < HEADER_LEN + crypto_secretbox_MACBYTES ||
        memcmp(d, MDT_VAULT_MAGIC, MDT_VAULT_MAGIC_LEN) != 0) {
        mdt_buf_adds(err, "not a vault file (bad header or truncated)");
        return -EINVAL;
    }
    mlen = len - HEADER_LEN - crypto_secretbox_MACBYTES;
    mdt_vault_derive_key(key, vkey);
    /* Make room (the buffer's cap applies), then decrypt in place. */
    for (size_t i = 0; i < mlen; i += 4096) {
        static const char zeros[4096];
        size_t n = mlen - i < sizeof(zeros) ? mlen - i : sizeof(zeros);

        if ((rc = mdt_buf_add(plain, zeros, n)) < 0) {
            mdt_buf_adds(err, "the vault is too large");
            goto out;
        }
    }
    if (crypto_secretbox_open_easy((unsigned char *)plain->data + start, d + HEADER_LEN,
                                   len - HEADER_LEN, d + MDT_VAULT_MAGIC_LEN, vkey) != 0) {
        mdt_buf_adds(err, "the vault cannot be decrypted: wrong key, or the file was altered");
        rc = -EACCES;
        goto out;
    }
    rc = 0;
out:
    if (rc < 0 && plain->data) {
        sodium_memzero(plain->data + start, plain->len - start);
        plain->len = start;
        plain->data[start] = '\0';
    }
    sodium_memzero(vkey, sizeof(vkey));
    return rc;
}

char *mdt_vault_path(void)
{
    const char *v;

    if ((v = getenv("MDT_VAULT_FILE")) && *v)
        return mdt_xstrdup(v);
    if ((v = getenv("XDG_DATA_HOME")) && *v == '/')
        return mdt_xasprintf("%s/mdt/vault", v);
    if ((v = getenv("HOME")) && *v)
        return mdt_xasprintf("%s/.local/share/mdt/vault", v);
    return NULL;
}

static int read_file(const char *path, struct mdt_buf *out, struct mdt_buf *err)
{
    char chunk[65536];
    ssize_t n;
    int fd, rc = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        if (rc != -ENOENT)
            mdt_buf_printf(err, "%s: %s", path, strerror(errno));
        return rc;
    }
    while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            mdt_buf_printf(err, "%s: %s", path, strerror(errno));
            break;
        }
        if ((rc = mdt_buf_add(out, chunk, (size_t)n)) < 0) {
            mdt_buf_printf(err, "%s: larger than %u bytes, not a vault", path, MDT_VAULT_MAX);
            break;
        }
    }
    close(fd);
    return rc;
}

static int valid_entry(const json_t *e)
{
    const json_t *cases = json_object_get(e, "cases");

    if (!json_is_object(e) || !json_is_string(json_object_get(e, "pseudonym")))
        return 0;
    return cases == NULL || json_is_array(cases);
}

int mdt_vault_load(const char *path, const uint8_t key[32], json_t **entries,
                   struct mdt_buf *err)
{
    struct mdt_buf raw, plain, why;
    json_t *arr = NULL;
    json_error_t jerr;
    size_t i;
    json_t *e;
    int rc;

    mdt_buf_init(&raw, MDT_VAULT_MAX + HEADER_LEN + crypto_secretbox_MACBYTES);
    mdt_buf_init(&plain, MDT_VAULT_MAX);
    mdt_buf_init(&why, 256);
    *entries = NULL;
    rc = read_file(path, &raw, err);
    if (rc == -ENOENT) {
        *entries = json_array();
        rc = 0;
        goto out;
    }
    if (rc < 0)
        goto out;
    if ((rc = mdt_vault_open(key, raw.data, raw.len, &plain, &why)) < 0) {
        mdt_buf_printf(err, "%s: %s", path, mdt_buf_str(&why));
        goto out;
    }
    arr = json_loadb(plain.data ? plain.data : "", plain.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_array(arr)) {
        rc = -EINVAL;
        mdt_buf_printf(err, "%s: the vault decrypts but its contents are damaged", path);
        goto out;
    }
    json_array_foreach(arr, i, e) {
        if (!valid_entry(e)) {
            rc = -EINVAL;
            mdt_buf_printf(err, "%s: vault entry %zu is damaged", path, i);
            goto out;
        }
    }
    *entries = arr;
    arr = NULL;
    rc = 0;
out:
    json_decref(arr);
    if (plain.data)
        sodium_memzero(plain.data, plain.len);
    mdt_buf_release(&raw);
    mdt_buf_release(&plain);
    mdt_buf_release(&why);
    return rc;
}

int mdt_vault_save(const char *path, const uint8_t key[32], const json_t *entries,
                   struct mdt_buf *err)
{
    struct mdt_buf sealed;
    char *plain;
    int rc;

    mdt_buf_init(&sealed, MDT_VAULT_MAX + HEADER_LEN + crypto_secretbox_MACBYTES);
    plain = json_dumps(entries, JSON_COMPACT);
    if (plain == NULL) {
        rc = -ENOMEM;
        mdt_buf_adds(err, "cannot serialise the vault");
        goto out;
    }
    if ((rc = mdt_vault_seal(key, plain, strlen(plain), &sealed)) < 0) {
        mdt_buf_printf(err, "%s: the vault would be larger than %u bytes", path, MDT_VAULT_MAX);
        goto out;
    }
    if ((rc = mdt_key_mkparent(path)) < 0) {
        mdt_buf_printf(err, "%s: cannot create its directory: %s", path, strerror(-rc));
        goto out;
    }
    rc = mdt__write_atomic(path, sealed.data, sealed.len, err);
out:
    if (plain) {
        sodium_memzero(plain, strlen(plain));
        free(plain);
    }
    mdt_buf_release(&sealed);
    return rc;
}

int mdt_vault_lock(const char *path, struct mdt_buf *err)
{
    char *lock = mdt_xasprintf("%s.lock", path);
    int fd = -1, rc;

    if ((rc = mdt_key_mkparent(path)) < 0) {
        mdt_buf_printf(err, "%s: cannot create its directory: %s", path, strerror(-rc));
        goto out;
    }
    fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = -errno;
        mdt_buf_printf(err, "%s: %s", lock, strerror(errno));
        goto out;
    }
    while (flock(fd, LOCK_EX) < 0) {
        if (errno == EINTR)
            continue;
        rc = -errno;
        mdt_buf_printf(err, "%s: %s", lock, strerror(errno));
        close(fd);
        fd = -1;
        goto out;
    }
    rc = fd;
out:
    free(lock);
    return rc;
}

/* Pseudonyms compare without case or dashes: "mdt-7k3q-9xw2" is
 * "MDT7K3Q9XW2". new string. */
static char *fold_alnum(const char *s)
{
    char *out = mdt_xmalloc(strlen(s) + 1), *o = out;

    for (; *s; s++)
        if (isalnum((unsigned char)*s))
            *o++ = (char)toupper((unsigned char)*s);
    *o = '\0';
    return out;
}

static char *digits_of(const char *s)
{
    char *out = mdt_xmalloc(strlen(s) + 1), *o = out;

    for (; *s; s++)
        if (isdigit((unsigned char)*s))
            *o++ = *s;
    *o = '\0';
    return out;
}

static int has_alpha(const char *s)
{
    for (; *s; s++)
        if (isalpha((unsigned char)*s) || (unsigned char)*s >= 0x80)
            return 1;
    return 0;
}

static const char *str_of(const json_t *e, const char *k)
{
    const char *s = json_string_value(json_object_get(e, k));
    return s ? s : "";
}

json_t *mdt_vault_get(const json_t *entries, const char *pseudonym)
{
    char *want = fold_alnum(pseudonym);
    json_t *found = NULL, *e;
    size_t i;

    json_array_foreach(entries, i, e) {
        char *have = fold_alnum(str_of(e, "pseudonym"));
        int same = *want && strcmp(have, want) == 0;

        free(have);
        if (same) {
            found = e;
            break;
        }
    }
    free(want);
    return found;
}

void mdt_vault_record(json_t *entries, const char *pseudonym, const char *name,
                      const char *nhs_number, const char *date_of_birth, json_int_t case_id,
                      const char *now)
{
    json_t *e = mdt_vault_get(entries, pseudonym), *cases, *c;
    size_t i, at;
    int seen = 0;

    if (e == NULL) {
        /* Insert in pseudonym order, so the file's order is stable. */
        /* Keys in the documented order; the values are set below. */
        e = json_object();
        json_object_set_new(e, "pseudonym", json_string(pseudonym));
        json_object_set_new(e, "name", json_null());
        json_object_set_new(e, "nhs_number", json_null());
        json_object_set_new(e, "date_of_birth", json_null());
        json_object_set_new(e, "first_seen", json_string(now));
        json_object_set_new(e, "last_submitted", json_null());
        json_object_set_new(e, "cases", json_array());
        at = json_array_size(entries);
        for (i = 0; i < json_array_size(entries); i++)
            if (strcmp(str_of(json_array_get(entries, i), "pseudonym"), pseudonym) > 0) {
                at = i;
                break;
            }
        json_array_insert_new(entries, at, e);
    }
    json_object_set_new(e, "name", name ? json_string(name) : json_null());
    json_object_set_new(e, "nhs_number", nhs_number ? json_string(nhs_number) : json_null());
    json_object_set_new(e, "date_of_birth",
                        date_of_birth ? json_string(date_of_birth) : json_null());
    json_object_set_new(e, "last_submitted", json_string(now));
    cases = json_object_get(e, "cases");
    if (!json_is_array(cases)) {
        cases = json_array();
        json_object_set_new(e, "cases", cases);
    }
    json_array_foreach(cases, i, c)
        if (json_integer_value(c) == case_id)
            seen = 1;
    if (!seen)
        json_array_append_new(cases, json_integer(case_id));
}

json_t *mdt_vault_find(const json_t *entries, const char *text)
{
    json_t *out = json_array(), *e;
    char *qfold = fold_alnum(text), *qdigits = digits_of(text);
    int digits_only = !has_alpha(text) && *qdigits;
    size_t i;

    json_array_foreach(entries, i, e) {
        int match = 0;

        if (*text && strcasestr(str_of(e, "name"), text))
            match = 1;
        if (!match && digits_only) {
            char *d = digits_of(str_of(e, "nhs_number"));

            match = strstr(d, qdigits) != NULL;
            free(d);
        }
        if (!match && *qfold) {
            char *p = fold_alnum(str_of(e, "pseudonym"));

            match = strstr(p, qfold) != NULL;
            free(p);
        }
        if (match)
            json_array_append(out, e);
    }
    free(qfold);
    free(qdigits);
    return out;
}
