/* mdt person: professionals in the directory. */
#include "mdt.h"

static const struct mdt_field person_fields[] = {
    {"name", "name", MDT_F_STRING},
    {"email", "email", MDT_F_STRING},
    {"org", "org", MDT_F_REF},
    {"title", "title", MDT_F_NULLABLE},
    {NULL, NULL, MDT_F_STRING},
};

static const struct mdt_col person_cols[] = {
    {"ID", "id"}, {"NAME", "name"}, {"EMAIL", "email"}, {"ORG", "org"}, {"TITLE", "title"},
    {NULL, NULL},
};

static const char *const person_required[] = {"name", "email", "org", NULL};
static const char *const person_filters[] = {"org", "q", NULL};

static const struct mdt_resource people = {
    .noun = "person",
    .path = "/v1/people",
    .fields = person_fields,
    .required = person_required,
    .cols = person_cols,
    .filters = person_filters,
};

static int person_create(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_create(cli, inv, &people);
}
static int person_list(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_list(cli, inv, &people);
}
static int person_show(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_show(cli, inv, &people);
}
static int person_update(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_update(cli, inv, &people);
}
static int person_delete(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_delete(cli, inv, &people);
}

#define PERSON_FIELD_OPTS                                                                         \
    {"name", "NAME", "full name", NULL, 0}, {"email", "EMAIL", "work email (unique)", NULL, 0},   \
        {"org", "ORG", "organisation (id or name)", NULL, 0},                                     \
        {"title", "TITLE", "job title ('' clears)", NULL, 0}

static const struct mdt_opt create_opts[] = {PERSON_FIELD_OPTS, {NULL, NULL, NULL, NULL, 0}};
static const struct mdt_opt update_opts[] = {
    PERSON_FIELD_OPTS,
    {"version", "N", "refuse the change if the person has moved past version N", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};
static const struct mdt_opt list_opts[] = {
    {"org", "ORG", "only people of this organisation", NULL, 0},
    {"q", "TEXT", "only names or emails containing TEXT", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};

static const struct mdt_cmd cmds[] = {
    {"create", "--name NAME --email EMAIL --org ORG [--title TITLE]", "add a professional",
     create_opts, 0, 0, person_create},
    {"list", "[--org ORG] [--q TEXT]", "list professionals", list_opts, 0, 0, person_list},
    {"show", "PERSON", "show a professional (by id or email)", NULL, 1, 1, person_show},
    {"update", "PERSON [--name NAME] [--email EMAIL] [--org ORG] [--title TITLE]",
     "change a professional", update_opts, 1, 1, person_update},
    {"delete", "PERSON", "delete a professional (and take them off every list)", NULL, 1, 1,
     person_delete},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const struct mdt_group mdt_group_person = {"person", "professionals", cmds};
