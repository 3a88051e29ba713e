/* The pseudonym key's text form, its checksum and its file. */
#include <errno.h>
#include <sys/stat.h>

#include "keyfile.h"
#include "test.h"
#include "xmalloc.h"

static void fill(uint8_t key[MDT_KEY_BYTES], uint8_t seed)
{
    for (int i = 0; i < MDT_KEY_BYTES; i++)
        key[i] = (uint8_t)(seed + i * 7);
}

TEST(client_key_encode_decode_round_trip)
{
    uint8_t key[MDT_KEY_BYTES], back[MDT_KEY_BYTES];
    struct mdt_buf err;
    char *text, *padded;

    mdt_buf_init(&err, 256);
    fill(key, 3);
    text = mdt_key_encode(key);
    ASSERT(strncmp(text, "mdt-key-1:", 10) == 0);
    ASSERT(strchr(text, '\n') == NULL);
    ASSERT_EQ(mdt_key_decode(text, back, &err), 0);
    ASSERT(memcmp(key, back, sizeof(key)) == 0);
    /* Pasted with blanks and a newline around it. */
    padded = mdt_xasprintf("  %s\r\n", text);
    memset(back, 0, sizeof(back));
    ASSERT_EQ(mdt_key_decode(padded, back, &err), 0);
    ASSERT(memcmp(key, back, sizeof(key)) == 0);
    ASSERT_EQ(err.len, 0);
    free(padded);
    free(text);
    mdt_buf_release(&err);
}

TEST(client_key_decode_catches_typos)
{
    uint8_t key[MDT_KEY_BYTES], back[MDT_KEY_BYTES];
    struct mdt_buf err;
    char *text;
    size_t n, colon;

    mdt_buf_init(&err, 256);
    fill(key, 11);
    text = mdt_key_encode(key);
    n = strlen(text);
    colon = (size_t)(strrchr(text, ':') - text);
    /* Every single-character change in the key part is caught. */
    for (size_t i = strlen(MDT_KEY_PREFIX); i < colon; i++) {
        char saved = text[i];

        text[i] = saved == 'A' ? 'B' : 'A';
        mdt_buf_reset(&err);
        ASSERT_EQ(mdt_key_decode(text, back, &err), -EINVAL);
        ASSERT(err.len > 0);
        text[i] = saved;
    }
    /* A changed checksum digit. */
    text[n - 1] = text[n - 1] == '0' ? '1' : '0';
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_key_decode(text, back, &err), -EINVAL);
    ASSERT_CONTAINS(mdt_buf_str(&err), "checksum");
    /* Truncated, no checksum, wrong prefix, empty. */
    text[colon] = '\0';
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_key_decode(text, back, &err), -EINVAL);
    ASSERT_CONTAINS(mdt_buf_str(&err), "checksum");
    text[colon - 5] = '\0';
    strcat(text, ":00000000");
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_key_decode(text, back, &err), -EINVAL);
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_key_decode("mdt-key-2:AAAA:00000000", back, &err), -EINVAL);
    ASSERT_CONTAINS(mdt_buf_str(&err), "mdt-key-1:");
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_key_decode("", back, &err), -EINVAL);
    free(text);
    mdt_buf_release(&err);
}

TEST(client_key_fingerprint_is_stable_and_not_the_key)
{
    uint8_t a[MDT_KEY_BYTES], b[MDT_KEY_BYTES];
    char fa[MDT_KEY_FINGERPRINT_LEN + 1], fa2[MDT_KEY_FINGERPRINT_LEN + 1],
        fb[MDT_KEY_FINGERPRINT_LEN + 1];
    char *text;

    fill(a, 1);
    fill(b, 2);
    mdt_key_fingerprint(a, fa);
    mdt_key_fingerprint(a, fa2);
    mdt_key_fingerprint(b, fb);
    ASSERT_STREQ(fa, fa2);
    ASSERT(strcmp(fa, fb) != 0);
    ASSERT_EQ(strlen(fa), MDT_KEY_FINGERPRINT_LEN);
    ASSERT_EQ(fa[4], '-');
    /* The fingerprint is not the checksum of the exported line either. */
    text = mdt_key_encode(a);
    ASSERT_NOT_CONTAINS(text, fa);
    free(text);
}

TEST(client_key_file_modes_and_refusal)
{
    uint8_t key[MDT_KEY_BYTES], other[MDT_KEY_BYTES], back[MDT_KEY_BYTES];
    char *path = mdt_xasprintf("%s/cfg/mdt/key", test_tmpdir());
    char *dir = mdt_xasprintf("%s/cfg/mdt", test_tmpdir());
    struct mdt_buf err;
    struct stat st;

    mdt_buf_init(&err, 1024);
    fill(key, 5);
    fill(other, 6);
    ASSERT_EQ(mdt_key_load(path, back, &err), -ENOENT);
    ASSERT_EQ(mdt_key_save(path, key, 0, &err), 0);
    ASSERT_EQ(stat(path, &st), 0);
    ASSERT_EQ(st.st_mode & 0777, 0600);
    ASSERT_EQ(stat(dir, &st), 0);
    ASSERT_EQ(st.st_mode & 0777, 0700);
    /* init never overwrites. */
    ASSERT_EQ(mdt_key_save(path, other, 0, &err), -EEXIST);
    ASSERT_EQ(mdt_key_load(path, back, &err), 0);
    ASSERT(memcmp(back, key, sizeof(key)) == 0);
    /* import --force replaces atomically, still 0600. */
    ASSERT_EQ(mdt_key_save(path, other, 1, &err), 0);
    ASSERT_EQ(mdt_key_load(path, back, &err), 0);
    ASSERT(memcmp(back, other, sizeof(key)) == 0);
    ASSERT_EQ(stat(path, &st), 0);
    ASSERT_EQ(st.st_mode & 0777, 0600);
    free(path);
    free(dir);
    mdt_buf_release(&err);
}

TEST(client_key_load_refuses_damaged_file)
{
    char *path = mdt_xasprintf("%s/key", test_tmpdir());
    uint8_t back[MDT_KEY_BYTES];
    struct mdt_buf err;
    FILE *f;

    mdt_buf_init(&err, 1024);
    f = fopen(path, "w");
    ASSERT(f != NULL);
    fputs("mdt-key-1:bm90IGEga2V5:12345678\n", f);
    fclose(f);
    ASSERT_EQ(mdt_key_load(path, back, &err), -EINVAL);
    ASSERT_CONTAINS(mdt_buf_str(&err), path);
    free(path);
    mdt_buf_release(&err);
}

/* Pasted key lines are untrusted: random damage to a real line is either
 * refused or (when it only touched white space) gives back the same key,
 * never a different one. */
TEST(client_key_decode_survives_random_damage)
{
    uint8_t key[MDT_KEY_BYTES], back[MDT_KEY_BYTES];
    struct mdt_buf err;
    uint32_t seed = 12345;
    char *text;
    size_t n;

    mdt_buf_init(&err, 512);
    fill(key, 9);
    text = mdt_key_encode(key);
    n = strlen(text);
    for (int round = 0; round < 20000; round++) {
        char damaged[128];
        size_t len = n;

        memcpy(damaged, text, n + 1);
        for (int k = 0; k < 1 + round % 3; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % len;
            seed = seed * 1103515245u + 12345u;
            switch ((seed >> 16) % 3) {
            case 0: /* change a byte (any value but NUL) */
                damaged[at] = (char)(1 + (seed >> 4) % 255);
                break;
            case 1: /* drop a byte */
                memmove(damaged + at, damaged + at + 1, len - at);
                len--;
                break;
            default: /* cut the line */
                damaged[at] = '\0';
                len = at;
                break;
            }
            if (len == 0)
                break;
        }
        mdt_buf_reset(&err);
        if (mdt_key_decode(damaged, back, &err) == 0)
            ASSERT(memcmp(back, key, sizeof(key)) == 0);
        else
            ASSERT(err.len > 0);
    }
    free(text);
    mdt_buf_release(&err);
}
