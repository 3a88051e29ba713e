#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "pseudonym.h"
#include "xmalloc.h"

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int mdt_date_parse(const char *s, int *y, int *m, int *d)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int yy, mm, dd;

    if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -EINVAL;
    for (int k = 0; k < 10; k++)
        if (k != 4 && k != 7 && (s[k] < '0' || s[k] > '9'))
            return -EINVAL;
    yy = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    mm = (s[5] - '0') * 10 + (s[6] - '0');
    dd = (s[8] - '0') * 10 + (s[9] - '0');
    if (yy < 1880 || mm < 1 || mm > 12 || dd < 1 || dd > mdays[mm - 1])
        return -EINVAL;
    if (mm == 2 && dd == 29 && !((yy % 4 == 0 && yy % 100 != 0) || yy % 400 == 0))
        return -EINVAL;
    *y = yy;
    *m = mm;
    *d = dd;
    return 0;
}

int mdt_age_band(const char *dob, time_t now, char out[8])
{
    struct tm tm;
    int y, m, d, age;

    if (mdt_date_parse(dob, &y, &m, &d) < 0 || gmtime_r(&now, &tm) == NULL)
        return -EINVAL;
    age = tm.tm_year + 1900 - y;
    if (tm.tm_mon + 1 < m || (tm.tm_mon + 1 == m && tm.tm_mday < d))
        age--;
    if (age < 0)
        return -EINVAL;
    if (age >= 90)
        memcpy(out, "90+", 4);
    else
        snprintf(out, 8, "%d-%d", age / 10 * 10, age / 10 * 10 + 9);
    return 0;
}

/* Folds the Latin letter at s (UTF-8) to ASCII lower case; returns the
 * bytes consumed and sets *c (0: not a letter or digit). */
static size_t fold_char(const unsigned char *s, char *c)
{
    /* Latin-1 Supplement and the commonest of Latin Extended-A, enough for
     * the names case holders write (Siobhán, Jankauskienė, Yılmaz, Paweł). */
    static const char latin1[] = /* U+00C0 .. U+00FF */
        "aaaaaaaceeeeiiiidnooooo\0ouuuuyt"
        "saaaaaaaceeeeiiiidnooooo\0ouuuuyty";
    static const char exta[] = /* U+0100 .. U+017F */
        "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkklllllll"
        "lllnnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
    unsigned cp;

    if (s[0] < 0x80) {
        unsigned char ch = s[0];
        if (ch >= 'A' && ch <= 'Z')
            *c = (char)(ch + 32);
        else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
            *c = (char)ch;
        else
            *c = 0;
        return 1;
    }
    if ((s[0] & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80) {
        cp = ((unsigned)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
        if (cp >= 0xC0 && cp <= 0xFF)
            *c = latin1[cp - 0xC0];
        else if (cp >= 0x100 && cp < 0x180)
            *c = exta[cp - 0x100];
        else
            *c = 0;
        return 2;
    }
    *c = 0;
    {
        size_t n = 1;
        while (n < 4 && (s[n] & 0xC0) == 0x80)
            n++;
        return n;
    }
}

char *mdt_pseudonym_name_norm(const char *name)
{
    size_t n = strlen(name), w = 0;
    char *out = mdt_xmalloc(n + 1);
    const unsigned char *s = (const unsigned char *)name;
    int pending = 0;

    for (size_t i = 0; i < n;) {
        char c;
        i += fold_char(s + i, &c);
        if (c == 0) {
            pending = w > 0;
            continue;
        }
        if (pending)
            out[w++] = ' ';
        pending = 0;
        out[w++] = c;
    }
    out[w] = '\0';
    return out;
}

int mdt_pseudonym(const uint8_t key[32], const struct mdt_client *c, char out[14],
                  struct mdt_buf *err)
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    char digits[11];
    char *msg = NULL;
    size_t nd = 0;
    uint64_t v = 0;
    int rc = 0;

    if (c->nhs_number) {
        for (const char *p = c->nhs_number; *p; p++) {
            if (*p >= '0' && *p <= '9') {
                if (nd == 10) {
                    nd = 11;
                    break;
                }
                digits[nd++] = *p;
            } else if (*p != ' ' && *p != '-') {
                nd = 11;
                break;
            }
        }
    }
    if (nd == 10) {
        digits[10] = '\0';
        msg = mdt_xstrdup(digits);
    } else if (c->name && c->date_of_birth) {
        char *norm = mdt_pseudonym_name_norm(c->name);
        if (norm[0] == '\0') {
            free(norm);
            mdt_buf_adds(err, "client.name: has no letters to make a pseudonym from");
            rc = -EINVAL;
            goto out;
        }
        msg = mdt_xasprintf("%s|%s", norm, c->date_of_birth);
        free(norm);
    } else {
        mdt_buf_adds(err, "client: a pseudonym needs an NHS number, or a name and a date of birth");
        rc = -EINVAL;
        goto out;
    }
    crypto_auth_hmacsha256(mac, (const unsigned char *)msg, strlen(msg), key);
    for (int k = 0; k < 5; k++)
        v = (v << 8) | mac[k];
    memcpy(out, "MDT-", 4);
    for (int k = 0; k < 8; k++) {
        char ch = crockford[(v >> (35 - 5 * k)) & 31];
        out[4 + k + (k >= 4)] = ch;
    }
    out[8] = '-';
    out[13] = '\0';
    sodium_memzero(mac, sizeof(mac));
out:
    if (msg) {
        sodium_memzero(msg, strlen(msg));
        free(msg);
    }
    return rc;
}
