/* mdt plan confirm|amend: the case holder records that the person agreed
 * the plan (its actions then go to the partners) and changes it later;
 * mdt case status|close|step-down show and end a case's plan. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdt.h"
#include "xmalloc.h"

static char *case_path(const char *ref, const char *suffix)
{
    char *base = mdt_http_path("/v1/cases/", ref), *p = mdt_xasprintf("%s/%s", base, suffix);

    free(base);
    return p;
}

static const char *str(const json_t *o, const char *path)
{
    const char *s = json_string_value(mdt_out_lookup(o, path));
    return s ? s : "";
}

static const char *words(const char *status)
{
    if (strcmp(status, "sent") == 0)
        return "sent, waiting for the partner's answer";
    if (strcmp(status, "in_progress") == 0)
        return "in progress";
    return status;
}

static void print_sent(const json_t *a, const char *at)
{
    printf("      %s  sent to %s%s%s\n", at, str(a, "org.name"),
           json_is_string(json_object_get(a, "person")) ? " and " : "", str(a, "person"));
}

/* The plan as a case holder reads it. */
static void print_status(const json_t *s)
{
    const json_t *a, *h, *o;
    const char *sent;
    size_t i, k;

    printf("Case %s (id %" JSON_INTEGER_FORMAT "), age %s, %s", str(s, "case.pseudonym"),
           json_integer_value(mdt_out_lookup(s, "case.id")), str(s, "case.age_band"),
           json_is_string(mdt_out_lookup(s, "case.closure")) ? str(s, "case.closure") : "open");
    if (json_is_string(mdt_out_lookup(s, "case.closed_at")))
        printf(" on %s", str(s, "case.closed_at"));
    if (json_is_string(mdt_out_lookup(s, "case.purged_at")))
        printf(", text purged on %s", str(s, "case.purged_at"));
    printf("\n");
    if (json_is_object(json_object_get(s, "plan")))
        printf("Plan: agreed with the person on %s, confirmed %s (version %" JSON_INTEGER_FORMAT
               ")\n",
               str(s, "plan.agreed_on"), str(s, "plan.confirmed_at"),
               json_integer_value(mdt_out_lookup(s, "plan.version")));
    else
        printf("Plan: not confirmed yet (actions stay proposed)\n");
    json_array_foreach(json_object_get(s, "outcomes"), i,
                       o) if (json_is_string(json_object_get(o, "risk")))
        printf("Risk (meeting %" JSON_INTEGER_FORMAT "): %s\n",
               json_integer_value(json_object_get(o, "meeting")), str(o, "risk"));
    printf("Actions:\n");
    json_array_foreach(json_object_get(s, "actions"), i, a)
    {
        printf("  %" JSON_INTEGER_FORMAT
               "  %s%s%s: %s\n      due %s, %s%s%s, version %" JSON_INTEGER_FORMAT "\n",
               json_integer_value(json_object_get(a, "id")), str(a, "org.name"),
               json_is_string(json_object_get(a, "person")) ? " / " : "", str(a, "person"),
               str(a, "what"), str(a, "due"), words(str(a, "status")),
               json_is_true(json_object_get(a, "overdue")) ? " (OVERDUE)" : "",
               json_is_null(json_object_get(a, "removed_at")) ? "" : " (withdrawn)",
               json_integer_value(json_object_get(a, "version")));
        sent = json_is_string(json_object_get(a, "sent_at")) ? str(a, "sent_at") : NULL;
        json_array_foreach(json_object_get(a, "history"), k, h)
        {
            /* When the partner was (last) sent it, in its place in time:
             * the history itself records only what people did. Times
             * are all RFC 3339 in UTC, so they compare as text. */
            if (sent && k > 0 && strcmp(str(h, "at"), sent) > 0) {
                print_sent(a, sent);
                sent = NULL;
            }
            printf("      %s  %s%s%s%s%s\n", str(h, "at"), words(str(h, "status")),
                   json_is_string(json_object_get(h, "by")) ? " by " : "", str(h, "by"),
                   json_is_string(json_object_get(h, "note")) ? ": " : "", str(h, "note"));
        }
        if (sent)
            print_sent(a, sent);
    }
}

static int post_status(struct mdt_cli *cli, const char *method, const char *path, json_t *body)
{
    json_t *out = NULL;
    int rc;

    if ((rc = mdt_http_json(cli, method, path, body, &out)) == MDT_EXIT_OK) {
        if (cli->json)
            mdt_out_json(out);
        else
            print_status(out);
    }
    json_decref(out);
    return rc;
}

static int plan_confirm(struct mdt_cli *cli, struct mdt_inv *inv)
{
    const char *agreed = mdt_opt_required(inv, "agreed-on");
    json_t *body;
    char *path;
    int rc;

    if (agreed == NULL)
        return MDT_EXIT_USAGE;
    body = json_pack("{s:s}", "agreed_on", agreed);
    path = case_path(inv->pos[0], "plan/confirm");
    rc = post_status(cli, "POST", path, body);
    json_decref(body);
    free(path);
    return rc;
}

static int plan_amend(struct mdt_cli *cli, struct mdt_inv *inv)
{
    const char **add, **remove, **due;
    int nadd, nremove, ndue, rc = MDT_EXIT_OK;
    json_t *body = json_object(), *arr, *dues;
    char *path = NULL;

    add = mdt_opt_all(inv, "action", &nadd);
    remove = mdt_opt_all(inv, "remove", &nremove);
    due = mdt_opt_all(inv, "due", &ndue);
    if (nadd + nremove + ndue == 0) {
        rc = mdt_usage_error(inv, "give --action, --remove or --due");
        goto out;
    }
    arr = json_array();
    for (int i = 0; i < nadd; i++)
        json_array_append_new(arr, json_string(add[i]));
    json_object_set_new(body, "add", arr);
    arr = json_array();
    for (int i = 0; i < nremove; i++) {
        if (remove[i][0] == '\0' || remove[i][strspn(remove[i], "0123456789")] != '\0') {
            rc = mdt_usage_error(inv, "--remove takes an action id (a number)");
            goto out;
        }
        json_array_append_new(arr, json_integer(strtoll(remove[i], NULL, 10)));
    }
    json_object_set_new(body, "remove", arr);
    dues = json_object();
    json_object_set_new(body, "due", dues);
    for (int i = 0; i < ndue; i++) {
        const char *eq = strchr(due[i], '=');
        char id[32];
        if (eq == NULL || eq == due[i] || (size_t)(eq - due[i]) >= sizeof(id)) {
            rc = mdt_usage_error(inv, "--due takes ID=YYYY-MM-DD");
            goto out;
        }
        snprintf(id, sizeof(id), "%.*s", (int)(eq - due[i]), due[i]);
        json_object_set_new(dues, id, json_string(eq + 1));
    }
    path = case_path(inv->pos[0], "plan/amend");
    rc = post_status(cli, "POST", path, body);
out:
    free(add);
    free(remove);
    free(due);
    free(path);
    json_decref(body);
    return rc;
}

int mdt_case_status(struct mdt_cli *cli, struct mdt_inv *inv)
{
    char *path = case_path(inv->pos[0], "status");
    int rc = post_status(cli, "GET", path, NULL);

    free(path);
    return rc;
}

int mdt_case_close(struct mdt_cli *cli, struct mdt_inv *inv)
{
    char *path = case_path(inv->pos[0], "close");
    int rc = post_status(cli, "POST", path, NULL);

    free(path);
    return rc;
}

int mdt_case_step_down(struct mdt_cli *cli, struct mdt_inv *inv)
{
    char *path = case_path(inv->pos[0], "step-down");
    int rc = post_status(cli, "POST", path, NULL);

    free(path);
    return rc;
}

static const struct mdt_opt confirm_opts[] = {
    {"agreed-on", "DATE", "the day the person agreed the plan (YYYY-MM-DD)", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};

static const struct mdt_opt amend_opts[] = {
    {"action", "\"ORG: what, due DATE\"", "add an action (repeat for more)", NULL, 0},
    {"remove", "ID", "withdraw an action (repeat for more)", NULL, 0},
    {"due", "ID=DATE", "move an action's due date (repeat for more)", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};

static const struct mdt_cmd cmds[] = {
    {"confirm", "CASE --agreed-on DATE",
     "record that the person agreed the plan and send the partners their actions", confirm_opts, 1,
     1, plan_confirm},
    {"amend", "CASE [--action \"ORG: what, due DATE\"]... [--remove ID]... [--due ID=DATE]...",
     "change a confirmed plan; only the partners affected are told", amend_opts, 1, 1, plan_amend},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const struct mdt_group mdt_group_plan = {"plan", "care plans: confirm and amend (case holder)",
                                         cmds};
