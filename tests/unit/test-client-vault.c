/* The local vault: encryption round trip, wrong-key refusal, entries. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "test.h"
#include "vault.h"
#include "xmalloc.h"

static void fill(uint8_t key[32], uint8_t seed)
{
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)(seed ^ (i * 13));
}

TEST(client_vault_seal_open_round_trip)
{
    uint8_t key[32];
    struct mdt_buf sealed, sealed2, plain, err;
    const char *msg = "[{\"pseudonym\":\"MDT-AAAA-BBBB\",\"name\":\"Faith Asante\"}]";

    fill(key, 1);
    mdt_buf_init(&sealed, MDT_BUF_NOCAP);
    mdt_buf_init(&sealed2, MDT_BUF_NOCAP);
    mdt_buf_init(&plain, MDT_BUF_NOCAP);
    mdt_buf_init(&err, 256);
    ASSERT_EQ(mdt_vault_seal(key, msg, strlen(msg), &sealed), 0);
    ASSERT(memmem(sealed.data, sealed.len, "Faith", 5) == NULL);
    ASSERT(memcmp(sealed.data, MDT_VAULT_MAGIC, MDT_VAULT_MAGIC_LEN) == 0);
    ASSERT_EQ(mdt_vault_open(key, sealed.data, sealed.len, &plain, &err), 0);
    ASSERT_STREQ(mdt_buf_str(&plain), msg);
    /* A fresh nonce every time: the same vault never seals alike. */
    ASSERT_EQ(mdt_vault_seal(key, msg, strlen(msg), &sealed2), 0);
    ASSERT_EQ(sealed.len, sealed2.len);
    ASSERT(memcmp(sealed.data, sealed2.data, sealed.len) != 0);
    mdt_buf_release(&sealed);
    mdt_buf_release(&sealed2);
    mdt_buf_release(&plain);
    mdt_buf_release(&err);
}

TEST(client_vault_refuses_wrong_key_and_tampering)
{
    uint8_t key[32], wrong[32];
    struct mdt_buf sealed, plain, err;
    const char *msg = "[]";

    fill(key, 1);
    fill(wrong, 2);
    mdt_buf_init(&sealed, MDT_BUF_NOCAP);
    mdt_buf_init(&plain, MDT_BUF_NOCAP);
    mdt_buf_init(&err, 256);
    ASSERT_EQ(mdt_vault_seal(key, msg, strlen(msg), &sealed), 0);
    ASSERT_EQ(mdt_vault_open(wrong, sealed.data, sealed.len, &plain, &err), -EACCES);
    ASSERT_CONTAINS(mdt_buf_str(&err), "wrong key");
    ASSERT_EQ(plain.len, 0);
    /* One flipped bit anywhere after the header. */
    sealed.data[sealed.len - 1] ^= 1;
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_vault_open(key, sealed.data, sealed.len, &plain, &err), -EACCES);
    sealed.data[sealed.len - 1] ^= 1;
    /* Truncated or not a vault at all. */
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_vault_open(key, sealed.data, 20, &plain, &err), -EINVAL);
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_vault_open(key, "[{\"name\":\"x\"}] and some more text", 34, &plain, &err),
              -EINVAL);
    ASSERT_CONTAINS(mdt_buf_str(&err), "not a vault");
    /* The vault key is derived, not the pseudonym key itself. */
    {
        uint8_t vk[32];

        mdt_vault_derive_key(key, vk);
        ASSERT(memcmp(vk, key, 32) != 0);
    }
    mdt_buf_release(&sealed);
    mdt_buf_release(&plain);
    mdt_buf_release(&err);
}

TEST(client_vault_file_save_load)
{
    uint8_t key[32], wrong[32];
    char *path = mdt_xasprintf("%s/data/mdt/vault", test_tmpdir());
    struct mdt_buf err;
    json_t *entries = NULL, *back = NULL;
    struct stat st;
    FILE *f;
    char raw[4096];
    size_t n;

    fill(key, 7);
    fill(wrong, 8);
    mdt_buf_init(&err, 1024);
    /* No file yet: an empty vault. */
    ASSERT_EQ(mdt_vault_load(path, key, &entries, &err), 0);
    ASSERT_EQ(json_array_size(entries), 0);
    mdt_vault_record(entries, "MDT-ZZZZ-0001", "Faith Asante", "9999542557", "1987-03-14", 4,
                     "2025-01-01T10:00:00+00:00");
    mdt_vault_record(entries, "MDT-AAAA-0002", "Kofi Mensah", NULL, "1990-01-02", 5,
                     "2025-01-02T10:00:00+00:00");
    ASSERT_EQ(mdt_vault_save(path, key, entries, &err), 0);
    ASSERT_EQ(stat(path, &st), 0);
    ASSERT_EQ(st.st_mode & 0777, 0600);
    f = fopen(path, "rb");
    ASSERT(f != NULL);
    n = fread(raw, 1, sizeof(raw), f);
    fclose(f);
    ASSERT(memmem(raw, n, "Faith", 5) == NULL);
    ASSERT(memmem(raw, n, "9999542557", 10) == NULL);
    ASSERT(memmem(raw, n, "1987-03-14", 10) == NULL);
    ASSERT_EQ(mdt_vault_load(path, key, &back, &err), 0);
    ASSERT(json_equal(entries, back));
    /* Kept in pseudonym order. */
    ASSERT_STREQ(json_string_value(json_object_get(json_array_get(back, 0), "pseudonym")),
                 "MDT-AAAA-0002");
    json_decref(back);
    back = NULL;
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_vault_load(path, wrong, &back, &err), -EACCES);
    ASSERT(back == NULL);
    ASSERT_CONTAINS(mdt_buf_str(&err), "wrong key");
    json_decref(entries);
    free(path);
    mdt_buf_release(&err);
}

TEST(client_vault_record_updates_in_place)
{
    json_t *entries = json_array(), *e;

    mdt_vault_record(entries, "MDT-7K3Q-9XW2", "Faith Asante", "999 954 2557", "1987-03-14", 1,
                     "2025-01-01T10:00:00+00:00");
    mdt_vault_record(entries, "MDT-7K3Q-9XW2", "Faith Asante", "999 954 2557", "1987-03-14", 9,
                     "2025-02-01T10:00:00+00:00");
    mdt_vault_record(entries, "MDT-7K3Q-9XW2", "Faith Asante", "999 954 2557", "1987-03-14", 9,
                     "2025-03-01T10:00:00+00:00");
    ASSERT_EQ(json_array_size(entries), 1);
    e = json_array_get(entries, 0);
    ASSERT_STREQ(json_string_value(json_object_get(e, "first_seen")), "2025-01-01T10:00:00+00:00");
    ASSERT_STREQ(json_string_value(json_object_get(e, "last_submitted")),
                 "2025-03-01T10:00:00+00:00");
    ASSERT_EQ(json_array_size(json_object_get(e, "cases")), 2);
    ASSERT_EQ(json_integer_value(json_array_get(json_object_get(e, "cases"), 1)), 9);
    json_decref(entries);
}

TEST(client_vault_find_and_get)
{
    json_t *entries = json_array(), *found;

    mdt_vault_record(entries, "MDT-7K3Q-9XW2", "Faith Asante", "9999542557", "1987-03-14", 1,
                     "t");
    mdt_vault_record(entries, "MDT-AB12-CD34", "Abena Asante", "943 476 5919", NULL, 2, "t");
    mdt_vault_record(entries, "MDT-QQQQ-RRRR", "Kofi", NULL, NULL, 3, "t");

    found = mdt_vault_find(entries, "asante");
    ASSERT_EQ(json_array_size(found), 2);
    json_decref(found);
    /* NHS numbers compare by their digits only. */
    found = mdt_vault_find(entries, "999 954 2557");
    ASSERT_EQ(json_array_size(found), 1);
    ASSERT_STREQ(json_string_value(json_object_get(json_array_get(found, 0), "name")),
                 "Faith Asante");
    json_decref(found);
    found = mdt_vault_find(entries, "9434765919");
    ASSERT_EQ(json_array_size(found), 1);
    json_decref(found);
    /* Pseudonyms without case or dashes. */
    found = mdt_vault_find(entries, "ab12cd34");
    ASSERT_EQ(json_array_size(found), 1);
    json_decref(found);
    found = mdt_vault_find(entries, "nobody");
    ASSERT_EQ(json_array_size(found), 0);
    json_decref(found);

    ASSERT(mdt_vault_get(entries, "mdt-qqqq-rrrr") != NULL);
    ASSERT(mdt_vault_get(entries, "MDT-QQQQ") == NULL);
    ASSERT(mdt_vault_get(entries, "") == NULL);
    json_decref(entries);
}

TEST(client_vault_lock_excludes_a_second_writer)
{
    char *path = mdt_xasprintf("%s/d/vault", test_tmpdir());
    char *lockpath = mdt_xasprintf("%s.lock", path);
    struct mdt_buf err;
    int fd, fd2;

    mdt_buf_init(&err, 256);
    fd = mdt_vault_lock(path, &err);
    ASSERT(fd >= 0);
    /* flock conflicts between separate opens, even in one process. */
    fd2 = open(lockpath, O_RDWR);
    ASSERT(fd2 >= 0);
    ASSERT_EQ(flock(fd2, LOCK_EX | LOCK_NB), -1);
    ASSERT_EQ(errno, EWOULDBLOCK);
    close(fd);
    ASSERT_EQ(flock(fd2, LOCK_EX | LOCK_NB), 0);
    close(fd2);
    free(path);
    free(lockpath);
    mdt_buf_release(&err);
}

/* A vault file is read from disk: any bytes are refused cleanly, and any
 * single damaged byte of a real vault makes it unreadable, never altered. */
TEST(client_vault_open_refuses_any_damage)
{
    uint8_t key[32];
    struct mdt_buf sealed, plain, err;
    const char *msg = "[{\"pseudonym\":\"MDT-AAAA-BBBB\"}]";
    uint32_t seed = 777;

    fill(key, 3);
    mdt_buf_init(&sealed, MDT_BUF_NOCAP);
    mdt_buf_init(&plain, MDT_BUF_NOCAP);
    mdt_buf_init(&err, 256);
    ASSERT_EQ(mdt_vault_seal(key, msg, strlen(msg), &sealed), 0);
    for (size_t at = 0; at < sealed.len; at++) {
        for (int bit = 0; bit < 8; bit += 3) {
            sealed.data[at] ^= (char)(1 << bit);
            mdt_buf_reset(&plain);
            mdt_buf_reset(&err);
            ASSERT(mdt_vault_open(key, sealed.data, sealed.len, &plain, &err) < 0);
            ASSERT_EQ(plain.len, 0);
            sealed.data[at] ^= (char)(1 << bit);
        }
    }
    for (int round = 0; round < 2000; round++) {
        unsigned char junk[200];
        size_t len;

        seed = seed * 1103515245u + 12345u;
        len = (seed >> 8) % sizeof(junk);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            junk[i] = (unsigned char)(seed >> 16);
        }
        if (len >= MDT_VAULT_MAGIC_LEN && round % 2)
            memcpy(junk, MDT_VAULT_MAGIC, MDT_VAULT_MAGIC_LEN);
        mdt_buf_reset(&err);
        ASSERT(mdt_vault_open(key, junk, len, &plain, &err) < 0);
        ASSERT(err.len > 0);
    }
    mdt_buf_release(&sealed);
    mdt_buf_release(&plain);
    mdt_buf_release(&err);
}
