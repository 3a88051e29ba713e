/* Where the server is and who we are: the environment first, then the
 * config file ($XDG_CONFIG_HOME/mdt/config, INI `url`, `token`, `ca`). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ini.h"
#include "mdt.h"
#include "xmalloc.h"

#define CONFIG_MAX (64 * 1024)

static char *config_path(void)
{
    const char *v;

    if ((v = getenv("MDT_CONFIG")) && *v)
        return mdt_xstrdup(v);
    if ((v = getenv("XDG_CONFIG_HOME")) && *v == '/')
        return mdt_xasprintf("%s/mdt/config", v);
    if ((v = getenv("HOME")) && *v)
        return mdt_xasprintf("%s/.config/mdt/config", v);
    return NULL;
}

static void set_from_env(char **dst, const char *var)
{
    const char *v = getenv(var);

    if (v && *v && *dst == NULL)
        *dst = mdt_xstrdup(v);
}

/* The file only fills what the environment left unset. */
static int on_pair(const char *key, const char *value, int line, void *arg, struct mdt_buf *err)
{
    struct mdt_cli *cli = arg;
    char **dst;

    (void)line;
    if (strcmp(key, "url") == 0)
        dst = &cli->url;
    else if (strcmp(key, "token") == 0)
        dst = &cli->token;
    else if (strcmp(key, "ca") == 0)
        dst = &cli->ca;
    else {
        mdt_buf_printf(err, "unknown key '%s' (known: url, token, ca)", key);
        return -EINVAL;
    }
    if (*dst == NULL && *value)
        *dst = mdt_xstrdup(value);
    return 0;
}

static int has_ctl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

int mdt_config_load(struct mdt_cli *cli)
{
    char *path = NULL;
    struct mdt_buf text, err;
    int rc = MDT_EXIT_OK;

    if (cli->loaded)
        return MDT_EXIT_OK;
    mdt_buf_init(&text, CONFIG_MAX);
    mdt_buf_init(&err, 1024);
    set_from_env(&cli->url, "MDT_URL");
    set_from_env(&cli->token, "MDT_TOKEN");
    set_from_env(&cli->ca, "MDT_CA");
    path = config_path();
    if (path && (cli->url == NULL || cli->token == NULL || cli->ca == NULL)) {
        struct stat st;

        if (stat(path, &st) == 0) {
            int had_token = cli->token != NULL;

            if ((rc = mdt_read_file(path, CONFIG_MAX, &text)) != MDT_EXIT_OK)
                goto out;
            if (mdt_ini_parse(text.data ? text.data : "", text.len, on_pair, cli, &err) < 0) {
                rc = mdt_fail("%s: %s", path, mdt_buf_str(&err));
                goto out;
            }
            /* A token is a password: say so when others can read it. */
            if (!had_token && cli->token && (st.st_mode & 077))
                fprintf(stderr, "mdt: warning: %s holds a token and others can read it "
                                "(chmod 600 it)\n",
                        path);
            if (text.data)
                explicit_bzero(text.data, text.len);
        }
    }
    if (cli->url == NULL) {
        rc = mdt_fail("no server: set MDT_URL or 'url' in %s", path ? path : "the config file");
        goto out;
    }
    if (strncmp(cli->url, "http://", 7) != 0 && strncmp(cli->url, "https://", 8) != 0) {
        rc = mdt_fail("the server URL must start with http:// or https://");
        goto out;
    }
    /* The base URL has no trailing '/': paths start with one. */
    for (size_t n = strlen(cli->url); n > 8 && cli->url[n - 1] == '/'; n--)
        cli->url[n - 1] = '\0';
    if (cli->token == NULL) {
        rc = mdt_fail("no token: set MDT_TOKEN or 'token' in %s", path ? path : "the config file");
        goto out;
    }
    /* A token goes into a header: a line break in it would forge others. */
    if (has_ctl(cli->token) || has_ctl(cli->url)) {
        rc = mdt_fail("the token or URL contains control characters");
        goto out;
    }
    cli->loaded = 1;
out:
    free(path);
    mdt_buf_release(&text);
    mdt_buf_release(&err);
    return rc;
}

void mdt_config_release(struct mdt_cli *cli)
{
    free(cli->url);
    if (cli->token) {
        /* Tokens are secrets: do not leave them in freed memory. */
        explicit_bzero(cli->token, strlen(cli->token));
        free(cli->token);
    }
    free(cli->ca);
    cli->url = cli->token = cli->ca = NULL;
    cli->loaded = 0;
}
