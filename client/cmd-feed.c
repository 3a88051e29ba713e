/* mdt feed: private calendar feed URLs (subscribe in a calendar client). */
#include <stdio.h>
#include <stdlib.h>

#include "mdt.h"
#include "xmalloc.h"

static int feed_post(struct mdt_cli *cli, struct mdt_inv *inv, const char *suffix)
{
    char *ref = mdt_http_path("/v1/people/", inv->pos[0]);
    char *path = mdt_xasprintf("%s%s", ref, suffix);
    json_t *out = NULL;
    int rc;

    if ((rc = mdt_http(cli, "POST", path, NULL, NULL, 0, &out, NULL, NULL)) != MDT_EXIT_OK)
        goto done;
    if (cli->json)
        rc = mdt_out_json(out);
    else
        printf("%s\n", json_string_value(json_object_get(out, "url")));
done:
    json_decref(out);
    free(path);
    free(ref);
    return rc;
}

static int feed_url(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return feed_post(cli, inv, "/feed");
}

static int feed_revoke(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return feed_post(cli, inv, "/feed/revoke");
}

static const struct mdt_cmd cmds[] = {
    {"url", "PERSON",
     "print a private feed URL of the person's meetings (only its hash is kept, "
     "so each call issues another URL to the same feed)",
     NULL, 1, 1, feed_url},
    {"revoke", "PERSON", "revoke every feed URL of the person and print a new one", NULL, 1, 1,
     feed_revoke},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const struct mdt_group mdt_group_feed = {"feed", "private calendar feeds", cmds};
