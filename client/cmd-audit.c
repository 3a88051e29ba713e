/* mdt audit: the server's append-only log of changes (admins only). */
#include <stdio.h>

#include "mdt.h"

static const struct mdt_col audit_cols[] = {
    {"ID", "id"}, {"AT", "at"}, {"TOKEN", "token"}, {"ROLE", "role"}, {"ACTION", "action"},
    {"KIND", "kind"}, {"OBJECT", "object_id"}, {"STATUS", "status"}, {NULL, NULL},
};

static const char *const audit_filters[] = {"since", "after", "limit", NULL};

static const struct mdt_resource audit = {
    .noun = "audit entry",
    .path = "/v1/audit",
    .cols = audit_cols,
    .filters = audit_filters,
};

static int audit_list(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_list(cli, inv, &audit);
}

static int audit_verify(struct mdt_cli *cli, struct mdt_inv *inv)
{
    json_t *out = NULL, *broken;
    int rc;

    (void)inv;
    if ((rc = mdt_http_json(cli, "GET", "/v1/audit/verify", NULL, &out)) != MDT_EXIT_OK)
        goto out;
    broken = json_object_get(out, "broken");
    if (cli->json)
        mdt_out_json(out);
    if (json_is_object(broken)) {
        if (!cli->json)
            printf("The audit log is broken at entry %lld: %s.\n",
                   (long long)json_integer_value(json_object_get(broken, "id")),
                   json_string_value(json_object_get(broken, "reason")));
        rc = MDT_EXIT_FAIL;
    } else if (!json_is_true(json_object_get(out, "ok"))) {
        rc = mdt_fail("the server's answer does not say whether the chain holds");
    } else if (!cli->json) {
        printf("The audit log holds: %lld entries, each chained to the one before.\n",
               (long long)json_integer_value(json_object_get(out, "entries")));
    }
out:
    json_decref(out);
    return rc;
}

static const struct mdt_opt list_opts[] = {
    {"since", "DATE", "entries from this date (YYYY-MM-DD) or time (RFC 3339) on", NULL, 0},
    {"after", "ID", "entries after this one", NULL, 0},
    {"limit", "N", "at most N entries (default 1000, at most 10000)", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};

static const struct mdt_cmd cmds[] = {
    {"list", "[--since DATE] [--after ID] [--limit N]", "list the changes made through the API",
     list_opts, 0, 0, audit_list},
    {"verify", "", "check the hash chain of the whole log; names the first broken entry", NULL, 0,
     0, audit_verify},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const struct mdt_group mdt_group_audit = {"audit", "the log of changes (admin)", cmds};
