/* mdt key: the organisation's pseudonym key, on this machine only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "keyfile.h"
#include "mdt.h"

/* Enough for one key line with generous white space around it. */
#define KEY_INPUT_MAX 4096

static char *key_path_or_fail(void)
{
    char *path = mdt_key_path();

    if (path == NULL)
        mdt_fail("cannot tell where the key lives: HOME is not set");
    return path;
}

int mdt_key_require(unsigned char key[32])
{
    char *path = key_path_or_fail();
    struct mdt_buf err;
    int rc;

    if (path == NULL)
        return MDT_EXIT_FAIL;
    mdt_buf_init(&err, 1024);
    rc = mdt_key_load(path, key, &err);
    if (rc == -ENOENT)
        rc = mdt_fail("no pseudonym key: run 'mdt key init' or 'mdt key import'");
    else if (rc < 0)
        rc = mdt_fail("%s", mdt_buf_str(&err));
    else
        rc = MDT_EXIT_OK;
    mdt_buf_release(&err);
    free(path);
    return rc;
}

static int print_fingerprint(const struct mdt_cli *cli, const char *path,
                             const uint8_t key[MDT_KEY_BYTES], const char *what)
{
    char fp[MDT_KEY_FINGERPRINT_LEN + 1];

    mdt_key_fingerprint(key, fp);
    if (cli->json) {
        json_t *o = json_pack("{s:s, s:s}", "path", path, "fingerprint", fp);
        int rc = mdt_out_json(o);

        json_decref(o);
        return rc;
    }
    if (what)
        printf("%s %s\n", what, path);
    printf("fingerprint %s\n", fp);
    return MDT_EXIT_OK;
}

static int key_init(struct mdt_cli *cli, struct mdt_inv *inv)
{
    uint8_t key[MDT_KEY_BYTES];
    struct mdt_buf err;
    char *path;
    int rc;

    (void)inv;
    if ((path = key_path_or_fail()) == NULL)
        return MDT_EXIT_FAIL;
    mdt_buf_init(&err, 1024);
    if (sodium_init() < 0)
        abort();
    randombytes_buf(key, sizeof(key));
    rc = mdt_key_save(path, key, 0, &err);
    if (rc == -EEXIST) {
        rc = mdt_fail("a pseudonym key already exists in %s: not replacing it (a new key would "
                      "give every person a new pseudonym; 'mdt key show' prints its fingerprint)",
                      path);
        goto out;
    }
    if (rc < 0) {
        rc = mdt_fail("%s", mdt_buf_str(&err));
        goto out;
    }
    rc = print_fingerprint(cli, path, key, "Created the pseudonym key");
    if (!cli->json)
        printf("Keep a copy somewhere safe, and give it to colleagues with 'mdt key export':\n"
               "without it, pseudonyms cannot be made again and the vault cannot be read.\n");
out:
    sodium_memzero(key, sizeof(key));
    mdt_buf_release(&err);
    free(path);
    return rc;
}

static int key_export(struct mdt_cli *cli, struct mdt_inv *inv)
{
    uint8_t key[MDT_KEY_BYTES];
    char *text;
    int rc;

    (void)inv;
    if ((rc = mdt_key_require(key)) != MDT_EXIT_OK)
        return rc;
    text = mdt_key_encode(key);
    if (cli->json) {
        json_t *o = json_pack("{s:s}", "key", text);

        rc = mdt_out_json(o);
        json_decref(o);
    } else {
        printf("%s\n", text);
    }
    sodium_memzero(text, strlen(text));
    free(text);
    sodium_memzero(key, sizeof(key));
    return rc;
}

static int key_import(struct mdt_cli *cli, struct mdt_inv *inv)
{
    const char *src = inv->npos ? inv->pos[0] : "-";
    uint8_t key[MDT_KEY_BYTES], old[MDT_KEY_BYTES];
    struct mdt_buf text, err;
    char *path = NULL;
    int rc, have_old;

    mdt_buf_init(&text, KEY_INPUT_MAX);
    mdt_buf_init(&err, 1024);
    if ((rc = mdt_read_file(src, KEY_INPUT_MAX, &text)) != MDT_EXIT_OK)
        goto out;
    if (mdt_key_decode(mdt_buf_str(&text), key, &err) < 0) {
        rc = mdt_fail("%s: %s", strcmp(src, "-") == 0 ? "stdin" : src, mdt_buf_str(&err));
        goto out;
    }
    if ((path = key_path_or_fail()) == NULL) {
        rc = MDT_EXIT_FAIL;
        goto out;
    }
    rc = mdt_key_load(path, old, &err);
    if (rc < 0 && rc != -ENOENT && !mdt_opt(inv, "force")) {
        rc = mdt_fail("%s (--force replaces it)", mdt_buf_str(&err));
        goto out;
    }
    have_old = rc == 0;
    if (have_old && sodium_memcmp(old, key, sizeof(key)) == 0) {
        rc = print_fingerprint(cli, path, key, "This key is already installed in");
        goto out;
    }
    if (have_old && !mdt_opt(inv, "force")) {
        rc = mdt_fail("a different pseudonym key is already installed in %s: not replacing it "
                      "(pseudonyms and the vault depend on it; --force replaces it)",
                      path);
        goto out;
    }
    mdt_buf_reset(&err);
    if (mdt_key_save(path, key, 1, &err) < 0) {
        rc = mdt_fail("%s", mdt_buf_str(&err));
        goto out;
    }
    rc = print_fingerprint(cli, path, key, "Installed the pseudonym key in");
out:
    sodium_memzero(key, sizeof(key));
    sodium_memzero(old, sizeof(old));
    if (text.data)
        sodium_memzero(text.data, text.len);
    mdt_buf_release(&text);
    mdt_buf_release(&err);
    free(path);
    return rc;
}

static int key_show(struct mdt_cli *cli, struct mdt_inv *inv)
{
    uint8_t key[MDT_KEY_BYTES];
    char *path;
    int rc;

    (void)inv;
    if ((rc = mdt_key_require(key)) != MDT_EXIT_OK)
        return rc;
    path = mdt_key_path();
    rc = print_fingerprint(cli, path, key, "key");
    sodium_memzero(key, sizeof(key));
    free(path);
    return rc;
}

static const struct mdt_opt import_opts[] = {
    {"force", NULL, "replace a different key already installed", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};

static const struct mdt_cmd cmds[] = {
    {"init", "", "create this organisation's pseudonym key (once)", NULL, 0, 0, key_init},
    {"export", "", "print the key as one line for a colleague or a backup", NULL, 0, 0,
     key_export},
    {"import", "[FILE|-] [--force]", "install a key exported by a colleague", import_opts, 0, 1,
     key_import},
    {"show", "", "print the key's fingerprint (never the key)", NULL, 0, 0, key_show},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const struct mdt_group mdt_group_key = {
    "key", "the pseudonym key ($XDG_CONFIG_HOME/mdt/key; works offline)", cmds};
