#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "keyfile.h"
#include "xmalloc.h"

#define CHECKSUM_BYTES 4
/* A key file holds one line; anything much longer is not ours. */
#define KEYFILE_MAX 4096

/* Domain-separated hashes so the checksum, the fingerprint and any other
 * use of the key can never be confused with each other. */
static void key_hash(const char *domain, const uint8_t key[MDT_KEY_BYTES], uint8_t *out,
                     size_t outlen)
{
    crypto_generichash_state st;

    crypto_generichash_init(&st, NULL, 0, outlen);
    crypto_generichash_update(&st, (const unsigned char *)domain, strlen(domain) + 1);
    crypto_generichash_update(&st, key, MDT_KEY_BYTES);
    crypto_generichash_final(&st, out, outlen);
    sodium_memzero(&st, sizeof(st));
}

static void checksum_hex(const uint8_t key[MDT_KEY_BYTES], char out[CHECKSUM_BYTES * 2 + 1])
{
    uint8_t sum[CHECKSUM_BYTES];

    key_hash("mdt key checksum 1", key, sum, sizeof(sum));
    sodium_bin2hex(out, CHECKSUM_BYTES * 2 + 1, sum, sizeof(sum));
}

char *mdt_key_encode(const uint8_t key[MDT_KEY_BYTES])
{
    char b64[sodium_base64_ENCODED_LEN(MDT_KEY_BYTES, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    char sum[CHECKSUM_BYTES * 2 + 1];
    char *s;

    if (sodium_init() < 0)
        abort();
    sodium_bin2base64(b64, sizeof(b64), key, MDT_KEY_BYTES,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    checksum_hex(key, sum);
    s = mdt_xasprintf("%s%s:%s", MDT_KEY_PREFIX, b64, sum);
    sodium_memzero(b64, sizeof(b64));
    return s;
}

int mdt_key_decode(const char *text, uint8_t key[MDT_KEY_BYTES], struct mdt_buf *err)
{
    const char *p = text, *end, *colon;
    uint8_t bin[MDT_KEY_BYTES + 8];
    size_t binlen = 0;
    const char *b64end;
    char sum[CHECKSUM_BYTES * 2 + 1];
    int rc = -EINVAL;

    if (sodium_init() < 0)
        abort();
    while (*p && isspace((unsigned char)*p))
        p++;
    end = p + strlen(p);
    while (end > p && isspace((unsigned char)end[-1]))
        end--;
    if ((size_t)(end - p) < strlen(MDT_KEY_PREFIX) ||
        strncmp(p, MDT_KEY_PREFIX, strlen(MDT_KEY_PREFIX)) != 0) {
        mdt_buf_printf(err, "not a key: it should start with '%s'", MDT_KEY_PREFIX);
        goto out;
    }
    p += strlen(MDT_KEY_PREFIX);
    colon = memchr(p, ':', (size_t)(end - p));
    if (colon == NULL) {
        mdt_buf_adds(err, "the key has no checksum (the part after the last ':')");
        goto out;
    }
    if (sodium_base642bin(bin, sizeof(bin), p, (size_t)(colon - p), NULL, &binlen, &b64end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        b64end != colon) {
        mdt_buf_adds(err, "the key is not valid base64 (a character is wrong or missing)");
        goto out;
    }
    if (binlen != MDT_KEY_BYTES) {
        mdt_buf_printf(err, "the key has %zu bytes, not %d (truncated or too long)", binlen,
                       MDT_KEY_BYTES);
        goto out;
    }
    checksum_hex(bin, sum);
    if ((size_t)(end - colon - 1) != strlen(sum) || strncasecmp(colon + 1, sum, strlen(sum)) != 0) {
        mdt_buf_adds(err, "the key's checksum does not match: it was mistyped or damaged");
        goto out;
    }
    memcpy(key, bin, MDT_KEY_BYTES);
    rc = 0;
out:
    sodium_memzero(bin, sizeof(bin));
    return rc;
}

void mdt_key_fingerprint(const uint8_t key[MDT_KEY_BYTES], char out[MDT_KEY_FINGERPRINT_LEN + 1])
{
    uint8_t h[8];
    char hex[17];

    if (sodium_init() < 0)
        abort();
    key_hash("mdt key fingerprint 1", key, h, sizeof(h));
    sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
    snprintf(out, MDT_KEY_FINGERPRINT_LEN + 1, "%.4s-%.4s-%.4s-%.4s", hex, hex + 4, hex + 8,
             hex + 12);
}

char *mdt_key_path(void)
{
    const char *v;

    if ((v = getenv("MDT_KEY_FILE")) && *v)
        return mdt_xstrdup(v);
    if ((v = getenv("XDG_CONFIG_HOME")) && *v == '/')
        return mdt_xasprintf("%s/mdt/key", v);
    if ((v = getenv("HOME")) && *v)
        return mdt_xasprintf("%s/.config/mdt/key", v);
    return NULL;
}

int mdt_key_load(const char *path, uint8_t key[MDT_KEY_BYTES], struct mdt_buf *err)
{
    char text[KEYFILE_MAX + 1];
    ssize_t n;
    size_t len = 0;
    int fd, rc;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        if (rc != -ENOENT)
            mdt_buf_printf(err, "%s: %s", path, strerror(-rc));
        return rc;
    }
    while (len < sizeof(text) && (n = read(fd, text + len, sizeof(text) - len)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            mdt_buf_printf(err, "%s: %s", path, strerror(errno));
            goto out;
        }
        len += (size_t)n;
    }
    if (len > KEYFILE_MAX) {
        rc = -EINVAL;
        mdt_buf_printf(err, "%s: not a key file (too long)", path);
        goto out;
    }
    text[len] = '\0';
    if (strlen(text) != len) {
        rc = -EINVAL;
        mdt_buf_printf(err, "%s: not a key file (binary data)", path);
        goto out;
    }
    {
        struct mdt_buf why;

        mdt_buf_init(&why, 512);
        rc = mdt_key_decode(text, key, &why);
        if (rc < 0)
            mdt_buf_printf(err, "%s: %s", path, mdt_buf_str(&why));
        mdt_buf_release(&why);
    }
out:
    sodium_memzero(text, sizeof(text));
    close(fd);
    return rc;
}

int mdt_key_mkparent(const char *path)
{
    char *dir = mdt_xstrdup(path);
    char *slash = strrchr(dir, '/');
    int rc = 0;

    if (slash == NULL || slash == dir)
        goto out;
    *slash = '\0';
    /* Create each component in turn; existing ones are left as they are. */
    for (char *p = dir + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;

            *p = '\0';
            if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
                rc = -errno;
                goto out;
            }
            *p = c;
            if (c == '\0')
                break;
        }
    }
out:
    free(dir);
    return rc;
}

/* write(2) until done: a short write is not an error. */
static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int fsync_dir(const char *path)
{
    char *dir = mdt_xstrdup(path);
    char *slash = strrchr(dir, '/');
    int fd, rc = 0;

    if (slash == dir) {
        slash[1] = '\0';
    } else if (slash) {
        *slash = '\0';
    } else {
        free(dir);
        dir = mdt_xstrdup(".");
    }
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) < 0)
        rc = -errno;
    if (fd >= 0)
        close(fd);
    free(dir);
    return rc;
}

int mdt__write_atomic(const char *path, const void *data, size_t len, struct mdt_buf *err)
{
    char *tmp = mdt_xasprintf("%s.tmp.XXXXXX", path);
    int fd = -1, rc = 0;

    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        mdt_buf_printf(err, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    if (fchmod(fd, 0600) < 0) {
        rc = -errno;
        mdt_buf_printf(err, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    if ((rc = write_all(fd, data, len)) < 0) {
        mdt_buf_printf(err, "%s: %s", tmp, strerror(-rc));
        goto out;
    }
    if (fsync(fd) < 0 || close(fd) < 0) {
        rc = -errno;
        fd = -1;
        mdt_buf_printf(err, "%s: %s", tmp, strerror(-rc));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        rc = -errno;
        mdt_buf_printf(err, "%s: %s", path, strerror(errno));
        goto out;
    }
    if ((rc = fsync_dir(path)) < 0) {
        mdt_buf_printf(err, "%s: syncing the directory: %s", path, strerror(-rc));
        goto out;
    }
out:
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

int mdt_key_save(const char *path, const uint8_t key[MDT_KEY_BYTES], int replace,
                 struct mdt_buf *err)
{
    char *text = mdt_key_encode(key);
    char *line = mdt_xasprintf("%s\n", text);
    size_t len = strlen(line);
    int fd = -1, rc;

    if ((rc = mdt_key_mkparent(path)) < 0) {
        mdt_buf_printf(err, "%s: cannot create its directory: %s", path, strerror(-rc));
        goto out;
    }
    if (replace) {
        rc = mdt__write_atomic(path, line, len, err);
        goto out;
    }
    /* O_EXCL: a key that already exists is never overwritten by init,
     * even by a race between two runs. The file is written in place, so
     * a failed write removes it rather than leave a torn key behind. */
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = -errno;
        if (rc != -EEXIST)
            mdt_buf_printf(err, "%s: %s", path, strerror(errno));
        else
            mdt_buf_printf(err, "%s: a key already exists", path);
        goto out;
    }
    rc = write_all(fd, line, len);
    if (rc == 0 && fsync(fd) < 0)
        rc = -errno;
    if (rc < 0) {
        mdt_buf_printf(err, "%s: %s", path, strerror(-rc));
        close(fd);
        fd = -1;
        unlink(path);
        goto out;
    }
    if (close(fd) < 0) {
        rc = -errno;
        fd = -1;
        mdt_buf_printf(err, "%s: %s", path, strerror(errno));
        unlink(path);
        goto out;
    }
    fd = -1;
    (void)fsync_dir(path); /* the key is written; syncing its directory is best effort */
    rc = 0;
out:
    sodium_memzero(text, strlen(text));
    sodium_memzero(line, len);
    free(text);
    free(line);
    return rc;
}
