/* mdt outbox: messages waiting to go out, failed or sent (chairs and
 * admins). Never shows message bodies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdt.h"
#include "xmalloc.h"

static const struct mdt_col outbox_cols[] = {
    {"ID", "id"},         {"KIND", "kind"},         {"RECIPIENT", "recipient"},
    {"SUBJECT", "subject"}, {"REF", "ref"},         {"STATUS", "status"},
    {"ATTEMPTS", "attempts"}, {"NEXT", "next_attempt_at"}, {"LAST ERROR", "last_error"},
    {NULL, NULL},
};

static int outbox_list(struct mdt_cli *cli, struct mdt_inv *inv)
{
    struct mdt_buf path;
    json_t *out = NULL;
    const char *status = NULL;
    int rc;

    if (mdt_opt(inv, "failed"))
        status = "failed";
    else if (mdt_opt(inv, "sent"))
        status = "sent";
    else if (mdt_opt(inv, "pending"))
        status = "pending";
    if ((mdt_opt(inv, "failed") != NULL) + (mdt_opt(inv, "sent") != NULL) +
            (mdt_opt(inv, "pending") != NULL) > 1)
        return mdt_usage_error(inv, "give one of --pending, --failed and --sent");
    mdt_buf_init(&path, 4096);
    mdt_buf_adds(&path, "/v1/outbox");
    if (status)
        mdt_http_query(&path, "status", status);
    if (mdt_opt(inv, "limit"))
        mdt_http_query(&path, "limit", mdt_opt(inv, "limit"));
    if ((rc = mdt_http_json(cli, "GET", mdt_buf_str(&path), NULL, &out)) == MDT_EXIT_OK)
        rc = mdt_out_list(cli, out, outbox_cols);
    json_decref(out);
    mdt_buf_release(&path);
    return rc;
}

static int outbox_retry(struct mdt_cli *cli, struct mdt_inv *inv)
{
    const char *id = inv->pos[0];
    json_t *out = NULL;
    char *path;
    int rc;

    if (id[strspn(id, "0123456789")] != '\0' || *id == '\0')
        return mdt_usage_error(inv, "ID must be the number of an outbox message");
    path = mdt_xasprintf("/v1/outbox/%s/retry", id);
    if ((rc = mdt_http_json(cli, "POST", path, NULL, &out)) == MDT_EXIT_OK) {
        if (cli->json)
            mdt_out_json(out);
        else
            printf("Outbox message %s will be sent again now.\n", id);
    }
    json_decref(out);
    free(path);
    return rc;
}

static const struct mdt_opt list_opts[] = {
    {"failed", NULL, "only messages that failed for good", NULL, 0},
    {"pending", NULL, "only messages waiting to go out (or being sent)", NULL, 0},
    {"sent", NULL, "only messages sent, newest first", NULL, 0},
    {"limit", "N", "at most N messages (default 100, at most 1000)", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};

static const struct mdt_cmd cmds[] = {
    {"list", "[--failed | --pending | --sent] [--limit N]",
     "list messages not yet sent (waiting or failed)", list_opts, 0, 0, outbox_list},
    {"retry", "ID", "send a failed (or waiting) message again now", NULL, 1, 1, outbox_retry},
    /* "mdt outbox --failed": the options of list straight after the group */
    {"LIST", "[--failed | --pending | --sent] [--limit N]",
     "list's options straight after the group: mdt outbox --failed", list_opts, 0, 0,
     outbox_list},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const struct mdt_group mdt_group_outbox = {"outbox", "outgoing email and webhooks (chair, admin)",
                                           cmds};
