/* mdt outcome record: what a meeting proposed for a case (its actions
 * and risk). Nothing goes to partners until the case holder confirms the
 * plan (mdt plan confirm). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdt.h"
#include "xmalloc.h"

static int outcome_record(struct mdt_cli *cli, struct mdt_inv *inv)
{
    const char *meeting = mdt_opt_required(inv, "meeting"), *risk = mdt_opt(inv, "risk");
    const char **acts;
    json_t *body, *arr, *out = NULL;
    char *path;
    int n, rc;

    if (meeting == NULL)
        return MDT_EXIT_USAGE;
    if (meeting[strspn(meeting, "0123456789")] != '\0')
        return mdt_usage_error(inv, "--meeting must be a meeting id (a number)");
    acts = mdt_opt_all(inv, "action", &n);
    if (n == 0) {
        free(acts);
        return mdt_usage_error(inv, "give at least one --action \"ORG: what, due YYYY-MM-DD\"");
    }
    arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, json_string(acts[i]));
    free(acts);
    body =
        json_pack("{s:I, s:o}", "meeting", (json_int_t)strtoll(meeting, NULL, 10), "actions", arr);
    if (risk)
        json_object_set_new(body, "risk", json_string(risk));
    {
        char *base = mdt_http_path("/v1/cases/", inv->pos[0]);
        path = mdt_xasprintf("%s/outcome", base);
        free(base);
    }
    if ((rc = mdt_http_json(cli, "POST", path, body, &out)) == MDT_EXIT_OK) {
        if (cli->json) {
            mdt_out_json(out);
        } else {
            const json_t *a;
            size_t i;
            printf("Outcome recorded for %s (meeting %s). Proposed actions (sent once the plan "
                   "is confirmed):\n",
                   json_string_value(mdt_out_lookup(out, "case.pseudonym")), meeting);
            json_array_foreach(json_object_get(out, "actions"), i,
                               a) if (json_is_null(json_object_get(a, "removed_at")))
                printf("  %" JSON_INTEGER_FORMAT "  %s: %s, due %s\n",
                       json_integer_value(json_object_get(a, "id")),
                       json_string_value(mdt_out_lookup(a, "org.name")),
                       json_string_value(json_object_get(a, "what")),
                       json_string_value(json_object_get(a, "due")));
        }
    }
    json_decref(out);
    json_decref(body);
    free(path);
    return rc;
}

static const struct mdt_opt record_opts[] = {
    {"meeting", "M", "the meeting whose agenda has the case", NULL, 0},
    {"action", "\"ORG: what, due DATE\"",
     "an action (repeat for more); \"ORG [EMAIL]: ...\" names a professional", NULL, 0},
    {"risk", "TEXT", "the risk the meeting recorded", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};

static const struct mdt_cmd cmds[] = {
    {"record", "CASE --meeting M --action \"ORG: what, due DATE\"... [--risk TEXT]",
     "record the meeting's proposed actions for a case (id or pseudonym)", record_opts, 1, 1,
     outcome_record},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const struct mdt_group mdt_group_outcome = {
    "outcome", "what a meeting proposed for a case (chair, case holder)", cmds};
