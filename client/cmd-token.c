/* mdt token: API tokens (admins only). */
#include <stdio.h>
#include <stdlib.h>

#include "mdt.h"
#include "xmalloc.h"

static const struct mdt_field token_fields[] = {
    {"role", "role", MDT_F_STRING},
    {"name", "name", MDT_F_STRING},
    {"org", "org", MDT_F_REF},
    {"person", "person", MDT_F_REF},
    {NULL, NULL, MDT_F_STRING},
};

static const struct mdt_col token_cols[] = {
    {"ID", "id"}, {"NAME", "name"}, {"ROLE", "role"}, {"ORG", "org"}, {"PERSON", "person"},
    {"CREATED", "created_at"}, {"REVOKED", "revoked_at"}, {NULL, NULL},
};

static const char *const token_required[] = {"role", "name", NULL};

static const struct mdt_resource tokens = {
    .noun = "token",
    .path = "/v1/tokens",
    .fields = token_fields,
    .required = token_required,
    .cols = token_cols,
};

static int token_create(struct mdt_cli *cli, struct mdt_inv *inv)
{
    json_t *body = json_object(), *out = NULL;
    const char *secret;
    char *org = NULL, *id = NULL, *name = NULL, *role = NULL;
    int rc;

    for (const char *const *req = tokens.required; *req; req++)
        if (mdt_opt_required(inv, *req) == NULL) {
            rc = MDT_EXIT_USAGE;
            goto out;
        }
    if (mdt_res_fields(inv, token_fields, body) < 0) {
        rc = MDT_EXIT_USAGE;
        goto out;
    }
    if ((rc = mdt_http_json(cli, "POST", tokens.path, body, &out)) != MDT_EXIT_OK)
        goto out;
    if (cli->json) {
        rc = mdt_out_json(out);
        goto out;
    }
    secret = json_string_value(json_object_get(out, "token"));
    if (secret == NULL) {
        rc = mdt_fail("the server's answer has no token");
        goto out;
    }
    org = mdt_out_value(json_object_get(out, "org"));
    id = mdt_out_value(json_object_get(out, "id"));
    name = mdt_out_value(json_object_get(out, "name"));
    role = mdt_out_value(json_object_get(out, "role"));
    printf("Created token %s (%s, role %s%s%s).\n\n"
           "    %s\n\n"
           "This is the only time the token is shown: store it now.\n",
           id, name, role, *org ? ", organisation " : "", org, secret);
out:
    free(org);
    free(id);
    free(name);
    free(role);
    json_decref(body);
    json_decref(out);
    return rc;
}

static int token_list(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_list(cli, inv, &tokens);
}

static int token_revoke(struct mdt_cli *cli, struct mdt_inv *inv)
{
    char *path;
    json_t *out = NULL;
    int rc;

    for (const char *p = inv->pos[0]; *p; p++)
        if (*p < '0' || *p > '9')
            return mdt_usage_error(inv, "a token is revoked by its id (a number), not '%s'",
                                   inv->pos[0]);
    path = mdt_http_path("/v1/tokens/", inv->pos[0]);
    if ((rc = mdt_http_json(cli, "DELETE", path, NULL, &out)) == MDT_EXIT_OK && !cli->json)
        printf("Revoked token %s.\n", inv->pos[0]);
    json_decref(out);
    free(path);
    return rc;
}

static const struct mdt_opt create_opts[] = {
    {"role", "ROLE", "admin, chair, case_holder or partner", NULL, 0},
    {"name", "NAME", "who or what uses the token", NULL, 0},
    {"org", "ORG", "the organisation (case holders and partners)", NULL, 0},
    {"person", "PERSON", "the professional the token acts for (email or id): their slot invites",
     NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};

static const struct mdt_cmd cmds[] = {
    {"create", "--role ROLE --name NAME [--org ORG] [--person PERSON]", "create a token (shown once)",
     create_opts, 0, 0, token_create},
    {"list", "", "list tokens", NULL, 0, 0, token_list},
    {"revoke", "ID", "revoke a token: it stops working at once", NULL, 1, 1, token_revoke},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const struct mdt_group mdt_group_token = {"token", "API tokens (admin)", cmds};
