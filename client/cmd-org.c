/* mdt org: partner organisations. */
#include <stdio.h>
#include <stdlib.h>

#include "mdt.h"
#include "xmalloc.h"

static const struct mdt_field org_fields[] = {
    {"name", "name", MDT_F_STRING},
    {"kind", "kind", MDT_F_STRING},
    {"needs", "needs", MDT_F_LIST},
    {"email", "email", MDT_F_STRING},
    {"webhook", "webhook_url", MDT_F_NULLABLE},
    {"capacity", "capacity", MDT_F_STRING},
    {NULL, NULL, MDT_F_STRING},
};

static const struct mdt_col org_cols[] = {
    {"ID", "id"}, {"NAME", "name"}, {"KIND", "kind"}, {"CAPACITY", "capacity"},
    {"EMAIL", "email"}, {"NEEDS", "needs"}, {NULL, NULL},
};

static const char *const org_required[] = {"name", "kind", "email", NULL};
static const char *const org_filters[] = {"need", "kind", "capacity", "q", NULL};

static const struct mdt_resource orgs = {
    .noun = "organisation",
    .path = "/v1/orgs",
    .fields = org_fields,
    .required = org_required,
    .cols = org_cols,
    .filters = org_filters,
};

static int org_create(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_create(cli, inv, &orgs);
}
static int org_list(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_list(cli, inv, &orgs);
}
static int org_show(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_show(cli, inv, &orgs);
}
static int org_update(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_update(cli, inv, &orgs);
}
static int org_delete(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_delete(cli, inv, &orgs);
}

/* A new secret for signing the organisation's webhooks: shown once, to
 * be given to whoever runs the receiving end. */
static int org_webhook_secret(struct mdt_cli *cli, struct mdt_inv *inv)
{
    char *ref = mdt_http_path("/v1/orgs/", inv->pos[0]);
    char *path = mdt_xasprintf("%s/webhook-secret", ref);
    json_t *out = NULL;
    int rc;

    if ((rc = mdt_http(cli, "POST", path, NULL, NULL, 0, &out, NULL, NULL)) != MDT_EXIT_OK)
        goto done;
    if (cli->json) {
        rc = mdt_out_json(out);
    } else {
        printf("%s\n", json_string_value(json_object_get(out, "webhook_secret")));
        fprintf(stderr, "(shown only this once; webhooks carry %s)\n",
                json_string_value(json_object_get(out, "signature")));
    }
done:
    json_decref(out);
    free(path);
    free(ref);
    return rc;
}

#define ORG_FIELD_OPTS                                                                            \
    {"name", "NAME", "the organisation's name (unique)", NULL, 0},                                \
        {"kind", "KIND", "nhs, gp_practice, vcse, council, police, housing, social_care, ...",    \
         NULL, 0},                                                                                \
        {"needs", "A,B", "needs it meets, comma-separated (housing,debt,...)", NULL, 0},          \
        {"email", "EMAIL", "where its actions are sent", NULL, 0},                                \
        {"webhook", "URL", "http(s) URL for signed action webhooks ('' clears)", NULL, 0},        \
        {"capacity", "CAP", "open, limited or closed", NULL, 0}

static const struct mdt_opt create_opts[] = {ORG_FIELD_OPTS, {NULL, NULL, NULL, NULL, 0}};
static const struct mdt_opt update_opts[] = {
    ORG_FIELD_OPTS,
    {"version", "N", "refuse the change if the organisation has moved past version N", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};
static const struct mdt_opt list_opts[] = {
    {"need", "NEED", "only organisations meeting this need", NULL, 0},
    {"kind", "KIND", "only organisations of this kind", NULL, 0},
    {"capacity", "CAP", "only organisations with this capacity", NULL, 0},
    {"q", "TEXT", "only names containing TEXT", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};

static const struct mdt_cmd cmds[] = {
    {"create",
     "--name NAME --kind KIND --email EMAIL [--needs A,B] [--webhook URL] [--capacity CAP]",
     "add an organisation", create_opts, 0, 0, org_create},
    {"list", "[--need NEED] [--kind KIND] [--capacity CAP] [--q TEXT]", "list organisations",
     list_opts, 0, 0, org_list},
    {"show", "ORG", "show an organisation (by id or name)", NULL, 1, 1, org_show},
    {"update", "ORG [--name NAME] [--email EMAIL] [...]", "change an organisation",
     update_opts, 1, 1, org_update},
    {"delete", "ORG", "delete an organisation (refused while people or tokens belong to it)",
     NULL, 1, 1, org_delete},
    {"webhook-secret", "ORG",
     "make a new secret that signs the organisation's webhooks (shown once; the old one stops)",
     NULL, 1, 1, org_webhook_secret},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const struct mdt_group mdt_group_org = {"org", "partner organisations", cmds};
