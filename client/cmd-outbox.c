/* mdt outbox: messages waiting to go out, failed or sent (chairs and
 * admins). Never shows message bodies. The table shows each error's
 * first line, shortened; --json gives the whole text. */
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

/* At most this many characters of an error in the table, "…" included. */
#define REASON_MAX 60

/* new: the first line of an error, runs of blanks made one space,
 * trimmed, cut to REASON_MAX characters (not bytes) ending in "…". A curl
 * error can be long and span lines; the full text is in --json. */
static char *short_reason(const char *s)
{
    struct mdt_buf b;
    size_t chars = 0;
    int space = 0;

    mdt_buf_init(&b, MDT_BUF_NOCAP);
    for (; *s && *s != '\n' && *s != '\r'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == ' ' || c == '\t') {
            space = b.len > 0;
            continue;
        }
        if ((c & 0xc0) != 0x80) {                  /* a character starts here */
            if (chars + space >= REASON_MAX - 1) { /* room for "…" */
                mdt_buf_adds(&b, "…");
                break;
            }
            if (space) {
                mdt_buf_add(&b, " ", 1);
                chars++;
            }
            chars++;
        }
        space = 0;
        mdt_buf_add(&b, s, 1);
    }
    return b.data ? mdt_buf_detach(&b) : mdt_xstrdup("");
}

/* A copy of the list with each error shortened for the table. new */
static json_t *short_errors(const json_t *arr)
{
    json_t *copy = json_deep_copy(arr), *row;
    size_t i;

    json_array_foreach(copy, i, row)
    {
        const char *e = json_string_value(json_object_get(row, "last_error"));
        char *r;

        if (e == NULL)
            continue;
        r = short_reason(e);
        json_object_set_new(row, "last_error", json_string(r));
        free(r);
    }
    return copy;
}

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
    if ((rc = mdt_http_json(cli, "GET", mdt_buf_str(&path), NULL, &out)) == MDT_EXIT_OK) {
        if (cli->json || !json_is_array(out)) {
            rc = mdt_out_list(cli, out, outbox_cols);
        } else {
            json_t *shown = short_errors(out);

            rc = mdt_out_list(cli, shown, outbox_cols);
            json_decref(shown);
        }
    }
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
     "list messages not yet sent (waiting or failed); errors shortened (--json: in full)",
     list_opts, 0, 0, outbox_list},
    {"retry", "ID", "send a failed (or waiting) message again now", NULL, 1, 1, outbox_retry},
    /* "mdt outbox --failed": the options of list straight after the group */
    {"LIST", "[--failed | --pending | --sent] [--limit N]",
     "list's options straight after the group: mdt outbox --failed", list_opts, 0, 0, outbox_list},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const struct mdt_group mdt_group_outbox = {"outbox", "outgoing email and webhooks (chair, admin)",
                                           cmds};
