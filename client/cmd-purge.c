/* mdt purge [--dry-run]: removes the text of cases closed longer ago than
 * the server's purge_after, keeping pseudonym, dates and counts. */
#include <stdio.h>
#include <stdlib.h>

#include "mdt.h"

static const struct mdt_col purge_cols[] = {
    {"ID", "id"}, {"PSEUDONYM", "pseudonym"}, {"CLOSURE", "closure"}, {"CLOSED", "closed_at"},
    {NULL, NULL},
};

static int purge(struct mdt_cli *cli, struct mdt_inv *inv)
{
    int dry = mdt_opt(inv, "dry-run") != NULL, rc;
    json_t *out = NULL;

    if (inv->npos > 0)
        return mdt_usage_error(inv, "unexpected argument '%s'", inv->pos[0]);
    rc = mdt_http_json(cli, "POST", dry ? "/v1/purge?dry_run=1" : "/v1/purge", NULL, &out);
    if (rc == MDT_EXIT_OK) {
        if (cli->json) {
            mdt_out_json(out);
        } else {
            json_int_t n = json_integer_value(json_object_get(out, "count"));
            if (n == 0)
                printf("No closed case is due for purging.\n");
            else
                printf("%s %" JSON_INTEGER_FORMAT " closed case%s:\n",
                       dry ? "Would remove the text of" : "Removed the text of", n,
                       n == 1 ? "" : "s");
            if (json_array_size(json_object_get(out, "cases")) > 0)
                rc = mdt_out_table(purge_cols, json_object_get(out, "cases"));
        }
    }
    json_decref(out);
    return rc;
}

static const struct mdt_opt purge_opts[] = {
    {"dry-run", NULL, "only list the cases whose text would be removed", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};

static const struct mdt_cmd cmds[] = {
    {"PURGE", "[--dry-run]", "remove the text of cases closed longer ago than purge_after",
     purge_opts, 0, 0, purge},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const struct mdt_group mdt_group_purge = {
    "purge", "remove closed cases' text: mdt purge [--dry-run] (chair, admin)", cmds};
