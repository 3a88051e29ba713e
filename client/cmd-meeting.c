/* mdt meeting: the meetings of the series: list, show, move and cancel one
 * occurrence, and close it with the attendance after it took place. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdt.h"
#include "xmalloc.h"

static const struct mdt_col meeting_cols[] = {
    {"ID", "id"},         {"START", "start"}, {"SERIES", "series.title"}, {"PCN", "pcn"},
    {"STATUS", "status"}, {"CASES", "cases"}, {"FREE", "free_slots"},     {NULL, NULL},
};
static const char *const meeting_filters[] = {"pcn", "from", "to", "series", "status", NULL};
static const struct mdt_field no_fields[] = {{NULL, NULL, MDT_F_STRING}};

static const struct mdt_resource meetings = {
    .noun = "meeting",
    .path = "/v1/meetings",
    .fields = no_fields,
    .cols = meeting_cols,
    .filters = meeting_filters,
};

static int only_digits(const char *s)
{
    if (*s == '\0' || strlen(s) > 15)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

static int meeting_id_arg(const struct mdt_inv *inv)
{
    if (!only_digits(inv->pos[0]))
        return mdt_usage_error(inv, "a meeting is named by its id (a number), not '%s'",
                               inv->pos[0]);
    return 0;
}

static int meeting_list(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_list(cli, inv, &meetings);
}

/* The warnings that come with a meeting: the quorum warning (required
 * organisations that will be absent, from the RSVPs). */
static void print_warnings(const json_t *m)
{
    const json_t *q = json_object_get(m, "quorum_warning");

    if (json_is_string(q))
        printf("\nWarning: %s\n", json_string_value(q));
}

/* The human view: nested lists as one line each. */
static int print_meeting(const struct mdt_cli *cli, const json_t *m)
{
    json_t *d, *e;
    struct mdt_buf b;
    size_t i;
    int rc;

    if (cli->json || !json_is_object(m))
        return mdt_out_object(cli, m);
    d = json_copy((json_t *)m);
    mdt_buf_init(&b, MDT_BUF_NOCAP);
    json_array_foreach(json_object_get(m, "attendance"), i, e) {
        const char *who = json_string_value(mdt_out_lookup(e, "person.name"));
        const char *st = json_string_value(json_object_get(e, "status"));
        const char *whom = json_string_value(mdt_out_lookup(e, "deputy_for.name"));
        mdt_buf_printf(&b, "%s%s (%s%s%s)", i ? ", " : "", who ? who : "?", st ? st : "?",
                       whom ? " for " : "", whom ? whom : "");
    }
    json_object_set_new(d, "attendance", json_string(mdt_buf_str(&b)));
    mdt_buf_reset(&b);
    json_array_foreach(json_object_get(m, "required_orgs"), i, e) {
        const char *name = json_string_value(json_object_get(e, "name"));
        mdt_buf_printf(&b, "%s%s", i ? ", " : "", name ? name : "?");
        if (json_is_integer(json_object_get(e, "accepted")))
            mdt_buf_printf(&b, " (%" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT " accepted)",
                           json_integer_value(json_object_get(e, "accepted")),
                           json_integer_value(json_object_get(e, "members")));
    }
    if (json_object_get(m, "required_orgs"))
        json_object_set_new(d, "required_orgs", json_string(mdt_buf_str(&b)));
    /* Said once, below, where it stands out. */
    json_object_del(d, "quorum_warning");
    rc = mdt_out_object(cli, d);
    print_warnings(m);
    json_decref(d);
    mdt_buf_release(&b);
    return rc;
}

static int meeting_show(struct mdt_cli *cli, struct mdt_inv *inv)
{
    char *path;
    json_t *out = NULL;
    int rc;

    if (meeting_id_arg(inv))
        return MDT_EXIT_USAGE;
    path = mdt_xasprintf("/v1/meetings/%s", inv->pos[0]);
    if ((rc = mdt_http_json(cli, "GET", path, NULL, &out)) == MDT_EXIT_OK)
        rc = print_meeting(cli, out);
    json_decref(out);
    free(path);
    return rc;
}

/* POST /v1/meetings/ID/ACTION with body (borrowed, may be NULL). */
static int post_action(struct mdt_cli *cli, const struct mdt_inv *inv, const char *action,
                       const json_t *body, json_t **out)
{
    char *path = mdt_xasprintf("/v1/meetings/%s/%s", inv->pos[0], action);
    int rc = mdt_http_json(cli, "POST", path, body, out);

    free(path);
    return rc;
}

static int meeting_move(struct mdt_cli *cli, struct mdt_inv *inv)
{
    const char *start = mdt_opt_required(inv, "start");
    json_t *body, *out = NULL;
    int rc;

    if (start == NULL || meeting_id_arg(inv))
        return MDT_EXIT_USAGE;
    if ((body = json_pack("{s:s}", "start", start)) == NULL)
        return mdt_usage_error(inv, "--start: not valid UTF-8");
    if ((rc = post_action(cli, inv, "move", body, &out)) == MDT_EXIT_OK) {
        if (!cli->json) {
            char *s = mdt_out_value(json_object_get(out, "start"));
            printf("Moved meeting %s to %s.\n", inv->pos[0], s);
            free(s);
        } else {
            rc = mdt_out_json(out);
        }
    }
    json_decref(body);
    json_decref(out);
    return rc;
}

static int meeting_cancel(struct mdt_cli *cli, struct mdt_inv *inv)
{
    json_t *out = NULL, *to;
    int rc;

    if (meeting_id_arg(inv))
        return MDT_EXIT_USAGE;
    if ((rc = post_action(cli, inv, "cancel", NULL, &out)) == MDT_EXIT_OK) {
        if (cli->json) {
            rc = mdt_out_json(out);
        } else {
            to = json_object_get(out, "cases_moved_to");
            printf("Cancelled meeting %s.", inv->pos[0]);
            if (json_integer_value(json_object_get(out, "cases")) == 0 && json_is_integer(to))
                printf(" Its cases moved to meeting %" JSON_INTEGER_FORMAT ".",
                       json_integer_value(to));
            putchar('\n');
        }
    }
    json_decref(out);
    return rc;
}

/* Appends {"person": P, "status": status} for each of the comma-separated
 * people in v; deputies are P=FOR. Returns 0 or a usage error. */
static int add_people(const struct mdt_inv *inv, const char *opt, const char *status,
                      json_t *att)
{
    const char *v = mdt_opt(inv, opt), *p;
    struct mdt_opt *o = mdt_args_get(inv->opts, opt);

    if (v == NULL)
        return 0;
    if (o && o->given > 1)
        return mdt_usage_error(inv, "--%s: give the people once, separated by commas", opt);
    for (p = v; *p;) {
        const char *end = strchr(p, ','), *a = p, *b = end ? end : p + strlen(p), *eq;
        char *who = NULL, *whom = NULL;
        json_t *e;

        while (a < b && isspace((unsigned char)*a))
            a++;
        while (b > a && isspace((unsigned char)b[-1]))
            b--;
        p = end ? end + 1 : b;
        if (a == b) {
            if (end == NULL)
                break;
            continue;
        }
        eq = memchr(a, '=', (size_t)(b - a));
        if ((eq != NULL) != (strcmp(status, "deputy") == 0))
            return mdt_usage_error(inv, "--%s: %s", opt,
                                   eq ? "PERSON=FOR belongs to --deputy"
                                      : "give each deputy as PERSON=FOR (who came for whom)");
        who = mdt_xstrndup(a, (size_t)((eq ? eq : b) - a));
        if (eq)
            whom = mdt_xstrndup(eq + 1, (size_t)(b - eq - 1));
        e = json_pack("{s:s, s:s}", "person", who, "status", status);
        if (e && whom)
            json_object_set_new(e, "deputy_for",
                                only_digits(whom) ? json_integer(strtoll(whom, NULL, 10))
                                                  : json_string(whom));
        if (e && only_digits(who))
            json_object_set_new(e, "person", json_integer(strtoll(who, NULL, 10)));
        free(who);
        free(whom);
        if (e == NULL)
            return mdt_usage_error(inv, "--%s: not valid UTF-8", opt);
        json_array_append_new(att, e);
        if (end == NULL)
            break;
    }
    return 0;
}

static int meeting_close(struct mdt_cli *cli, struct mdt_inv *inv)
{
    json_t *body = json_object(), *att = json_array(), *disc = json_array(), *out = NULL;
    const char *d = mdt_opt(inv, "discussed");
    int rc;

    if (meeting_id_arg(inv) || add_people(inv, "attended", "attended", att) ||
        add_people(inv, "apologies", "apologies", att) ||
        add_people(inv, "absent", "absent", att) || add_people(inv, "deputy", "deputy", att)) {
        rc = MDT_EXIT_USAGE;
        goto out;
    }
    if (d) {
        char *copy = mdt_xstrdup(d), *save = NULL;
        for (char *t = strtok_r(copy, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
            if (!only_digits(t)) {
                free(copy);
                rc = mdt_usage_error(inv, "--discussed: case ids (numbers), not '%s'", t);
                goto out;
            }
            json_array_append_new(disc, json_integer(strtoll(t, NULL, 10)));
        }
        free(copy);
    }
    json_object_set(body, "attendance", att);
    json_object_set(body, "discussed", disc);
    if ((rc = post_action(cli, inv, "close", body, &out)) != MDT_EXIT_OK)
        goto out;
    if (cli->json) {
        rc = mdt_out_json(out);
    } else {
        const json_t *carried = json_object_get(out, "carried_forward"),
                     *to = json_object_get(out, "carried_to");
        printf("Closed meeting %s: %zu attendance record%s.\n", inv->pos[0],
               json_array_size(att), json_array_size(att) == 1 ? "" : "s");
        if (json_array_size(carried) > 0) {
            char *ids = mdt_out_value(carried);
            if (json_is_integer(to))
                printf("Not discussed, carried forward to meeting %" JSON_INTEGER_FORMAT
                       " (first on its agenda): cases %s.\n",
                       json_integer_value(to), ids);
            else
                printf("Not discussed, waiting for a meeting: cases %s.\n", ids);
            free(ids);
        }
    }
out:
    json_decref(body);
    json_decref(att);
    json_decref(disc);
    json_decref(out);
    return rc;
}

static const struct mdt_opt list_opts[] = {
    {"pcn", "PCN", "only this PCN's meetings", NULL, 0},
    {"from", "DATE", "from this date (YYYY-MM-DD) or time on", NULL, 0},
    {"to", "DATE", "up to and including this date", NULL, 0},
    {"series", "ID", "only this series' meetings", NULL, 0},
    {"status", "S", "scheduled, cancelled or closed", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};
static const struct mdt_opt move_opts[] = {
    {"start", "YYYY-MM-DDTHH:MM", "the new start, wall-clock time in the series' zone", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};
static const struct mdt_opt close_opts[] = {
    {"attended", "PERSON,...", "who came (email or id)", NULL, 0},
    {"apologies", "PERSON,...", "who sent apologies", NULL, 0},
    {"absent", "PERSON,...", "who did not come without apologies", NULL, 0},
    {"deputy", "PERSON=FOR,...", "who came in place of whom", NULL, 0},
    {"discussed", "CASE,...", "the cases discussed; the others are carried forward", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};

static const struct mdt_cmd cmds[] = {
    {"list", "[--pcn P] [--from D --to D] [--series ID] [--status S]",
     "list meetings, ordered by start", list_opts, 0, 0, meeting_list},
    {"show", "ID", "show a meeting, its attendance and any quorum warning", NULL, 1, 1,
     meeting_show},
    {"move", "ID --start YYYY-MM-DDTHH:MM", "move one meeting (the invites are updated)",
     move_opts, 1, 1, meeting_move},
    {"cancel", "ID", "cancel one meeting; its cases move to the next", NULL, 1, 1,
     meeting_cancel},
    {"attendees", "ID", "who was invited and what they answered", NULL, 1, 1,
     mdt_meeting_attendees},
    {"close", "ID [--attended P,...] [--apologies P,...] [--absent P,...] [--deputy P=FOR,...] "
              "[--discussed CASE,...]",
     "record attendance after the meeting; undiscussed cases go first on the next", close_opts,
     1, 1, meeting_close},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const struct mdt_group mdt_group_meeting = {"meeting", "meetings of the series", cmds};
