/* mdt actions / mdt action: a partner organisation's actions and its
 * updates on them (accepted, declined, in progress, done). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdt.h"
#include "xmalloc.h"

static const struct mdt_col action_cols[] = {
    {"ID", "id"},   {"CASE", "case.pseudonym"}, {"ORG", "org.name"},    {"WHAT", "what"},
    {"DUE", "due"}, {"STATUS", "status"},       {"OVERDUE", "overdue"}, {"VERSION", "version"},
    {NULL, NULL},
};

static const struct mdt_col history_cols[] = {
    {"AT", "at"}, {"STATUS", "status"}, {"BY", "by"}, {"VIA", "via"}, {"NOTE", "note"},
    {NULL, NULL},
};

static int actions_list(struct mdt_cli *cli, struct mdt_inv *inv)
{
    struct mdt_buf path;
    json_t *out = NULL;
    int rc;

    mdt_buf_init(&path, 4096);
    mdt_buf_adds(&path, "/v1/actions");
    if (mdt_opt(inv, "overdue"))
        mdt_http_query(&path, "overdue", "1");
    if (mdt_opt(inv, "status"))
        mdt_http_query(&path, "status", mdt_opt(inv, "status"));
    if ((rc = mdt_http_json(cli, "GET", mdt_buf_str(&path), NULL, &out)) == MDT_EXIT_OK)
        rc = mdt_out_list(cli, out, action_cols);
    json_decref(out);
    mdt_buf_release(&path);
    return rc;
}

static int check_id(struct mdt_inv *inv, const char *id)
{
    if (*id == '\0' || id[strspn(id, "0123456789")] != '\0' || strlen(id) > 15)
        return mdt_usage_error(inv, "ID must be the number of an action");
    return 0;
}

/* new: a history row for the sending; every column present, as the
 * table wants. */
static json_t *sent_row(const char *at)
{
    return json_pack("{s:s, s:s, s:n, s:s, s:n}", "at", at, "status", "sent", "by", "via",
                     "to the partner", "note");
}

/* new: the history with a row for when the action was (last) sent to
 * the partner, in its place in time: the server's history records only
 * what people did, sent_at when the partner was told. RFC 3339 times in
 * UTC compare as text. */
static json_t *history_with_sent(const json_t *action)
{
    const json_t *hist = json_object_get(action, "history"), *h;
    const char *sent = json_string_value(json_object_get(action, "sent_at"));
    json_t *out = json_array();
    size_t i;

    json_array_foreach(hist, i, h)
    {
        const char *at = json_string_value(json_object_get(h, "at"));

        if (sent && i > 0 && at && strcmp(at, sent) > 0) {
            json_array_append_new(out, sent_row(sent));
            sent = NULL;
        }
        json_array_append(out, (json_t *)h);
    }
    if (sent)
        json_array_append_new(out, sent_row(sent));
    return out;
}

static int action_show(struct mdt_cli *cli, struct mdt_inv *inv)
{
    json_t *out = NULL;
    char *path;
    int rc;

    if ((rc = check_id(inv, inv->pos[0])) != 0)
        return rc;
    path = mdt_xasprintf("/v1/actions/%s", inv->pos[0]);
    if ((rc = mdt_http_json(cli, "GET", path, NULL, &out)) == MDT_EXIT_OK) {
        rc = mdt_out_object(cli, out);
        /* The history, oldest first, under the action. */
        if (rc == MDT_EXIT_OK && !cli->json &&
            json_array_size(json_object_get(out, "history")) > 0) {
            json_t *hist = history_with_sent(out);

            printf("\nHistory:\n");
            rc = mdt_out_table(history_cols, hist);
            json_decref(hist);
        }
    }
    json_decref(out);
    free(path);
    return rc;
}

static int action_update(struct mdt_cli *cli, struct mdt_inv *inv)
{
    const char *status = mdt_opt_required(inv, "status"), *note = mdt_opt(inv, "note"),
               *version = mdt_opt(inv, "version");
    json_t *body, *out = NULL;
    char *path;
    int rc;

    if (status == NULL)
        return MDT_EXIT_USAGE;
    if ((rc = check_id(inv, inv->pos[0])) != 0)
        return rc;
    if (strcmp(status, "accepted") && strcmp(status, "declined") && strcmp(status, "in_progress") &&
        strcmp(status, "done"))
        return mdt_usage_error(inv, "--status must be accepted, declined, in_progress or done");
    if (version && (*version == '\0' || version[strspn(version, "0123456789")] != '\0'))
        return mdt_usage_error(inv, "--version must be a number");
    body = json_pack("{s:s}", "status", status);
    if (note)
        json_object_set_new(body, "note", json_string(note));
    if (version)
        json_object_set_new(body, "version", json_integer(strtoll(version, NULL, 10)));
    path = mdt_xasprintf("/v1/actions/%s/updates", inv->pos[0]);
    if ((rc = mdt_http_json(cli, "POST", path, body, &out)) == MDT_EXIT_OK) {
        if (cli->json)
            mdt_out_json(out);
        else
            printf("Action %s is now %s (version %" JSON_INTEGER_FORMAT ").\n", inv->pos[0],
                   json_string_value(json_object_get(out, "status")),
                   json_integer_value(json_object_get(out, "version")));
    }
    json_decref(out);
    json_decref(body);
    free(path);
    return rc;
}

static const struct mdt_opt list_opts[] = {
    {"overdue", NULL, "only actions past their due date and not done or declined", NULL, 0},
    {"status", "STATUS",
     "only actions with this status: proposed, sent, accepted, declined, in_progress or done", NULL,
     0},
    {NULL, NULL, NULL, NULL, 0},
};

static const struct mdt_opt update_opts[] = {
    {"status", "STATUS", "accepted, declined, in_progress or done", NULL, 0},
    {"note", "TEXT", "what was done, or why it is declined (needed then)", NULL, 0},
    {"version", "N", "the version you read: refused (409) if the action changed since", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};

static const struct mdt_cmd list_cmds[] = {
    {"LIST", "[--overdue] [--status STATUS]",
     "your organisation's actions (partners), or all (chair)", list_opts, 0, 0, actions_list},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

static const struct mdt_cmd cmds[] = {
    {"update", "ID --status accepted|declined|in_progress|done [--note TEXT] [--version N]",
     "report progress on one of your organisation's actions", update_opts, 1, 1, action_update},
    {"show", "ID", "one action with its history", NULL, 1, 1, action_show},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const struct mdt_group mdt_group_actions = {
    "actions", "list care plan actions: mdt actions [--overdue]", list_cmds};
const struct mdt_group mdt_group_action = {"action", "update a care plan action (partner)", cmds};
