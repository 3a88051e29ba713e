/* mdt list: distribution lists (who receives the invites). */
#include <stdio.h>
#include <stdlib.h>

#include "mdt.h"
#include "xmalloc.h"

static const struct mdt_field list_fields[] = {
    {"name", "name", MDT_F_STRING},
    {"pcn", "pcn", MDT_F_REF},
    {NULL, NULL, MDT_F_STRING},
};

static const struct mdt_col list_cols[] = {
    {"ID", "id"}, {"NAME", "name"}, {"PCN", "pcn"}, {"MEMBERS", "member_count"}, {NULL, NULL},
};

static const struct mdt_col member_cols[] = {
    {"ID", "id"}, {"NAME", "name"}, {"EMAIL", "email"}, {"ORG", "org"}, {"TITLE", "title"},
    {NULL, NULL},
};

static const char *const list_required[] = {"name", NULL};
static const char *const list_filters[] = {"pcn", NULL};


/* A list with its members: the fields, then the members as a table. */
static int print_list(const struct mdt_cli *cli, const json_t *l)
{
    const json_t *members = json_object_get(l, "members");
    json_t *head;
    int rc;

    if (cli->json)
        return mdt_out_json(l);
    if (!json_is_object(l))
        return mdt_fail("the server's answer is not an object");
    head = json_copy((json_t *)l);
    json_object_del(head, "members");
    rc = mdt_out_object(cli, head);
    json_decref(head);
    if (rc != MDT_EXIT_OK || !json_is_array(members))
        return rc;
    if (json_array_size(members) == 0) {
        printf("\nNo members.\n");
        return MDT_EXIT_OK;
    }
    printf("\nMembers:\n");
    return mdt_out_table(member_cols, members);
}

static const struct mdt_resource lists = {
    .noun = "list",
    .path = "/v1/lists",
    .fields = list_fields,
    .required = list_required,
    .cols = list_cols,
    .filters = list_filters,
    .print = print_list,
};

static int list_create(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_create(cli, inv, &lists);
}
static int list_list(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_list(cli, inv, &lists);
}
static int list_update(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_update(cli, inv, &lists);
}
static int list_delete(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_delete(cli, inv, &lists);
}

static int list_show(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_show(cli, inv, &lists);
}

/* add and remove: one request, all or nothing on the server. */
static int change_members(struct mdt_cli *cli, struct mdt_inv *inv, const char *verb)
{
    char *ref = mdt_http_path("/v1/lists/", inv->pos[0]);
    char *path = mdt_xasprintf("%s/members", ref);
    json_t *body = json_object(), *emails = json_array(), *out = NULL;
    int rc;

    for (int i = 1; i < inv->npos; i++) {
        json_t *s = json_string(inv->pos[i]);

        if (s == NULL) {
            json_decref(emails);
            rc = mdt_usage_error(inv, "argument %d is not valid UTF-8", i + 1);
            goto out;
        }
        json_array_append_new(emails, s);
    }
    json_object_set_new(body, verb, emails);
    if ((rc = mdt_http_json(cli, "POST", path, body, &out)) != MDT_EXIT_OK)
        goto out;
    if (!cli->json)
        printf("%s %d %s %s list %s.\n", verb[0] == 'a' ? "Added" : "Removed", inv->npos - 1,
               inv->npos == 2 ? "person" : "people", verb[0] == 'a' ? "to" : "from",
               inv->pos[0]);
    rc = print_list(cli, out);
out:
    json_decref(body);
    json_decref(out);
    free(path);
    free(ref);
    return rc;
}

static int list_add(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return change_members(cli, inv, "add");
}
static int list_remove(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return change_members(cli, inv, "remove");
}

static const struct mdt_opt create_opts[] = {
    {"name", "NAME", "the list's name (unique)", NULL, 0},
    {"pcn", "PCN", "the PCN whose meetings it serves", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};
static const struct mdt_opt update_opts[] = {
    {"name", "NAME", "the list's new name", NULL, 0},
    {"pcn", "PCN", "the PCN whose meetings it serves", NULL, 0},
    {"version", "N", "refuse the change if the list has moved past version N", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};
static const struct mdt_opt list_opts[] = {
    {"pcn", "PCN", "only lists of this PCN", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};

static const struct mdt_cmd cmds[] = {
    {"create", "--name NAME [--pcn PCN]", "create a distribution list", create_opts, 0, 0,
     list_create},
    {"add", "LIST EMAIL...", "add professionals (by email) to a list", NULL, 2, -1, list_add},
    {"remove", "LIST EMAIL...", "remove professionals from a list", NULL, 2, -1, list_remove},
    {"show", "LIST", "show a list and its members", NULL, 1, 1, list_show},
    {"list", "[--pcn PCN]", "list the distribution lists", list_opts, 0, 0, list_list},
    {"update", "LIST [--name NAME] [--pcn PCN]", "rename a list or move it to a PCN",
     update_opts, 1, 1, list_update},
    {"delete", "LIST", "delete a list", NULL, 1, 1, list_delete},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const struct mdt_group mdt_group_list = {"list", "distribution lists", cmds};
