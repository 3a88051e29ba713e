#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "pseudonym.h"
#include "test.h"

static const uint8_t key1[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t key2[32] = {32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17,
                                 16, 15, 14, 13, 12, 11, 10, 9,  8,  7,  6,  5,  4,  3,  2,  1};

/* The pseudonym computed independently: HMAC-SHA-256 over msg, first 40
 * bits in Crockford base32. */
static void expect(const uint8_t key[32], const char *msg, char out[14])
{
    static const char b32[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    unsigned char mac[32];
    unsigned bits = 0, nbits = 0, k = 0;
    char grp[8];

    crypto_auth_hmacsha256(mac, (const unsigned char *)msg, strlen(msg), key);
    for (int b = 0; k < 8; b++) {
        bits = (bits << 8) | mac[b];
        nbits += 8;
        while (nbits >= 5 && k < 8) {
            grp[k++] = b32[(bits >> (nbits - 5)) & 31];
            nbits -= 5;
        }
    }
    snprintf(out, 14, "MDT-%.4s-%.4s", grp, grp + 4);
}

TEST(pseudonym_from_nhs_number_any_layout)
{
    struct mdt_client a = {.name = "Faith Asante", .nhs_number = "9999542557",
                           .date_of_birth = "1987-03-14"};
    struct mdt_client b = {.name = "F. ASANTE", .nhs_number = "999 954 2557",
                           .date_of_birth = "1987-03-14"};
    struct mdt_client c = {.nhs_number = "999-954-2557"};
    char pa[14], pb[14], pc[14], want[14], other[14];
    struct mdt_buf err;

    mdt_buf_init(&err, 256);
    ASSERT_EQ(mdt_pseudonym(key1, &a, pa, &err), 0);
    ASSERT_EQ(mdt_pseudonym(key1, &b, pb, &err), 0);
    ASSERT_EQ(mdt_pseudonym(key1, &c, pc, &err), 0);
    ASSERT_STREQ(pa, pb);
    ASSERT_STREQ(pa, pc);
    expect(key1, "9999542557", want);
    ASSERT_STREQ(pa, want);
    ASSERT_EQ(strlen(pa), 13);
    ASSERT_EQ(memcmp(pa, "MDT-", 4), 0);
    ASSERT_EQ(pa[8], '-');
    for (int k = 4; k < 13; k++)
        if (k != 8)
            ASSERT(strchr("0123456789ABCDEFGHJKMNPQRSTVWXYZ", pa[k]) != NULL);
    /* another key, another pseudonym */
    ASSERT_EQ(mdt_pseudonym(key2, &a, other, &err), 0);
    ASSERT(strcmp(pa, other) != 0);
    mdt_buf_release(&err);
}

TEST(pseudonym_from_name_and_dob_when_no_nhs_number)
{
    struct mdt_client a = {.name = "Mehmet Yılmaz", .date_of_birth = "1988-02-11"};
    struct mdt_client b = {.name = "  MEHMET   yilmaz ", .date_of_birth = "1988-02-11"};
    struct mdt_client c = {.name = "Mehmet Yilmaz", .date_of_birth = "1988-02-12"};
    char pa[14], pb[14], pc[14], want[14];
    struct mdt_buf err;

    mdt_buf_init(&err, 256);
    ASSERT_EQ(mdt_pseudonym(key1, &a, pa, &err), 0);
    ASSERT_EQ(mdt_pseudonym(key1, &b, pb, &err), 0);
    ASSERT_EQ(mdt_pseudonym(key1, &c, pc, &err), 0);
    ASSERT_STREQ(pa, pb);
    ASSERT(strcmp(pa, pc) != 0);
    expect(key1, "mehmet yilmaz|1988-02-11", want);
    ASSERT_STREQ(pa, want);
    mdt_buf_release(&err);
}

TEST(pseudonym_name_normalisation)
{
    static const char *const c[][2] = {
        {"Siobhán O'Sullivan", "siobhan o sullivan"}, {"Jankauskienė", "jankauskiene"},
        {"  Paweł  NOWAK-Smith ", "pawel nowak smith"}, {"Ayşe", "ayse"},
        {"Ionuț", "ionu"}, /* ț is beyond Latin Extended-A: dropped, still stable */
        {"NGUYEN Thi Lan", "nguyen thi lan"},
    };
    for (size_t k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
        char *n = mdt_pseudonym_name_norm(c[k][0]);
        ASSERT_STREQ(n, c[k][1]);
        free(n);
    }
}

TEST(pseudonym_needs_an_identity)
{
    struct mdt_client a = {.name = "Faith Asante"};
    struct mdt_client b = {.name = "!!!", .date_of_birth = "1987-03-14"};
    char p[14];
    struct mdt_buf err;

    mdt_buf_init(&err, 256);
    ASSERT_EQ(mdt_pseudonym(key1, &a, p, &err), -EINVAL);
    ASSERT_CONTAINS(mdt_buf_str(&err), "client");
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_pseudonym(key1, &b, p, &err), -EINVAL);
    ASSERT_CONTAINS(mdt_buf_str(&err), "client.name");
    mdt_buf_release(&err);
}

static time_t utc(int y, int m, int d)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
    return timegm(&tm);
}

TEST(age_band_decades_and_90_plus)
{
    char b[8];
    time_t now = utc(2025, 6, 15);

    ASSERT_EQ(mdt_age_band("1987-03-14", now, b), 0);
    ASSERT_STREQ(b, "30-39");
    ASSERT_EQ(mdt_age_band("1985-06-15", now, b), 0); /* 40 today */
    ASSERT_STREQ(b, "40-49");
    ASSERT_EQ(mdt_age_band("1985-06-16", now, b), 0); /* 40 tomorrow */
    ASSERT_STREQ(b, "30-39");
    ASSERT_EQ(mdt_age_band("2025-01-01", now, b), 0);
    ASSERT_STREQ(b, "0-9");
    ASSERT_EQ(mdt_age_band("2015-06-15", now, b), 0);
    ASSERT_STREQ(b, "10-19");
    ASSERT_EQ(mdt_age_band("1936-01-01", now, b), 0);
    ASSERT_STREQ(b, "80-89");
    ASSERT_EQ(mdt_age_band("1935-06-15", now, b), 0);
    ASSERT_STREQ(b, "90+");
    ASSERT_EQ(mdt_age_band("1901-01-01", now, b), 0);
    ASSERT_STREQ(b, "90+");
    ASSERT_EQ(mdt_age_band("2000-02-29", now, b), 0);
    ASSERT_STREQ(b, "20-29");
    ASSERT_EQ(mdt_age_band("2025-06-16", now, b), -EINVAL); /* not born yet */
    ASSERT_EQ(mdt_age_band("2001-02-29", now, b), -EINVAL);
    ASSERT_EQ(mdt_age_band("1987-13-01", now, b), -EINVAL);
    ASSERT_EQ(mdt_age_band("1987-3-14", now, b), -EINVAL);
    ASSERT_EQ(mdt_age_band("14/03/1987", now, b), -EINVAL);
    ASSERT_EQ(mdt_age_band("", now, b), -EINVAL);
}
