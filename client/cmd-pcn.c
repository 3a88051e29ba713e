/* mdt pcn: primary care networks. */
#include "mdt.h"

static const struct mdt_field pcn_fields[] = {
    {"name", "name", MDT_F_STRING},
    {NULL, NULL, MDT_F_STRING},
};

static const struct mdt_col pcn_cols[] = {
    {"ID", "id"}, {"NAME", "name"}, {"VERSION", "version"}, {"UPDATED", "updated_at"},
    {NULL, NULL},
};

static const char *const pcn_required[] = {"name", NULL};

static const struct mdt_resource pcns = {
    .noun = "PCN",
    .path = "/v1/pcns",
    .fields = pcn_fields,
    .required = pcn_required,
    .cols = pcn_cols,
};

static int pcn_create(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_create(cli, inv, &pcns);
}
static int pcn_list(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_list(cli, inv, &pcns);
}
static int pcn_show(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_show(cli, inv, &pcns);
}
static int pcn_update(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_update(cli, inv, &pcns);
}
static int pcn_delete(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_delete(cli, inv, &pcns);
}

static const struct mdt_opt create_opts[] = {
    {"name", "NAME", "the PCN's name (unique)", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};
static const struct mdt_opt update_opts[] = {
    {"name", "NAME", "the PCN's new name", NULL, 0},
    {"version", "N", "refuse the change if the PCN has moved past version N", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};

static const struct mdt_cmd cmds[] = {
    {"create", "--name NAME", "add a PCN", create_opts, 0, 0, pcn_create},
    {"list", "", "list PCNs", NULL, 0, 0, pcn_list},
    {"show", "PCN", "show a PCN (by id or name)", NULL, 1, 1, pcn_show},
    {"update", "PCN --name NAME", "rename a PCN", update_opts, 1, 1, pcn_update},
    {"delete", "PCN", "delete a PCN (refused while lists or cases refer to it)", NULL, 1, 1,
     pcn_delete},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const struct mdt_group mdt_group_pcn = {"pcn", "primary care networks", cmds};
