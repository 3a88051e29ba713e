/* mdt series: a PCN's recurring meeting (one RRULE in its time zone). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdt.h"
#include "xmalloc.h"

static const struct mdt_field series_fields[] = {
    {"pcn", "pcn", MDT_F_REF},
    {"title", "title", MDT_F_STRING},
    {"rrule", "rrule", MDT_F_STRING},
    {"start", "start", MDT_F_STRING},
    {"duration", "duration", MDT_F_STRING},
    {"tz", "tz", MDT_F_STRING},
    {"list", "list", MDT_F_REF},
    {"url", "url", MDT_F_STRING},
    {"chair", "chair", MDT_F_NULLABLE},
    {"slots", "slots", MDT_F_INT},
    {"slot-minutes", "slot_minutes", MDT_F_INT},
    {"holidays", "holidays", MDT_F_STRING},
    {"require", "required_orgs", MDT_F_LIST},
    {NULL, NULL, MDT_F_STRING},
};

static const struct mdt_col series_cols[] = {
    {"ID", "id"},         {"TITLE", "title"},   {"PCN", "pcn"},
    {"RULE", "rrule"},    {"START", "start"},   {"TZ", "tz"},
    {"STATUS", "status"}, {"NEXT", "next_meeting.start"}, {NULL, NULL},
};

static const char *const series_required[] = {"pcn", "title", "rrule", "start", "duration",
                                              "list", "url", NULL};
static const char *const series_filters[] = {"pcn", "status", NULL};

/* The human view: the required organisations and the next meeting on
 * one line each. */
static int print_series(const struct mdt_cli *cli, const json_t *obj)
{
    json_t *d, *e, *next = json_object_get(obj, "next_meeting");
    struct mdt_buf b;
    size_t i;
    int rc;

    if (cli->json || !json_is_object(obj))
        return mdt_out_object(cli, obj);
    d = json_copy((json_t *)obj);
    mdt_buf_init(&b, MDT_BUF_NOCAP);
    json_array_foreach(json_object_get(obj, "required_orgs"), i, e) {
        const char *name = json_string_value(json_object_get(e, "name"));
        mdt_buf_printf(&b, "%s%s", i ? ", " : "", name ? name : "?");
    }
    json_object_set_new(d, "required_orgs", json_string(mdt_buf_str(&b)));
    mdt_buf_reset(&b);
    if (json_is_object(next)) {
        const char *start = json_string_value(json_object_get(next, "start"));
        mdt_buf_printf(&b, "meeting %" JSON_INTEGER_FORMAT " at %s",
                       json_integer_value(json_object_get(next, "id")), start ? start : "?");
        json_object_set_new(d, "next_meeting", json_string(mdt_buf_str(&b)));
    }
    rc = mdt_out_object(cli, d);
    json_decref(d);
    mdt_buf_release(&b);
    return rc;
}

static const struct mdt_resource series = {
    .noun = "series",
    .path = "/v1/series",
    .fields = series_fields,
    .required = series_required,
    .cols = series_cols,
    .filters = series_filters,
    .print = print_series,
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

static int series_create(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_create(cli, inv, &series);
}

static int series_list(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_list(cli, inv, &series);
}

static int series_show(struct mdt_cli *cli, struct mdt_inv *inv)
{
    if (!only_digits(inv->pos[0]))
        return mdt_usage_error(inv, "a series is named by its id (a number), not '%s'",
                               inv->pos[0]);
    return mdt_res_show(cli, inv, &series);
}

static int series_update(struct mdt_cli *cli, struct mdt_inv *inv)
{
    if (!only_digits(inv->pos[0]))
        return mdt_usage_error(inv, "a series is named by its id (a number), not '%s'",
                               inv->pos[0]);
    if (mdt_opt(inv, "pcn"))
        return mdt_usage_error(inv, "a series stays with its PCN");
    return mdt_res_update(cli, inv, &series);
}

static int series_cancel(struct mdt_cli *cli, struct mdt_inv *inv)
{
    char *path;
    json_t *out = NULL;
    int rc;

    if (!only_digits(inv->pos[0]))
        return mdt_usage_error(inv, "a series is named by its id (a number), not '%s'",
                               inv->pos[0]);
    path = mdt_xasprintf("/v1/series/%s/cancel", inv->pos[0]);
    if ((rc = mdt_http_json(cli, "POST", path, NULL, &out)) == MDT_EXIT_OK) {
        if (!cli->json)
            printf("Cancelled series %s: its meetings to come are cancelled and their cases "
                   "wait for a new meeting.\n",
                   inv->pos[0]);
        else
            rc = mdt_out_json(out);
    }
    json_decref(out);
    free(path);
    return rc;
}

#define SERIES_OPTS                                                                               \
    {"title", "TEXT", "the meeting's title", NULL, 0},                                            \
        {"rrule", "RULE", "recurrence rule, e.g. \"FREQ=MONTHLY;BYDAY=2TU\"", NULL, 0},            \
        {"start", "YYYY-MM-DDTHH:MM", "first meeting, wall-clock time in --tz", NULL, 0},          \
        {"duration", "D", "length: 90m, 1h30m or minutes", NULL, 0},                              \
        {"tz", "ZONE", "time zone of the rule (default Europe/London)", NULL, 0},                 \
        {"list", "LIST", "the distribution list invited", NULL, 0},                               \
        {"url", "MEETING_LINK", "the online meeting link", NULL, 0},                              \
        {"chair", "PERSON", "the chair (organiser), by email or id", NULL, 0},                    \
        {"slots", "N", "case slots per meeting (default 6)", NULL, 0},                            \
        {"slot-minutes", "N", "minutes per case slot (default 20)", NULL, 0},                     \
        {"holidays", "POLICY", "on a bank holiday: keep, skip or next-working-day", NULL, 0},     \
        {"require", "ORG,...", "organisations whose presence is needed (quorum; repeat or separate by commas)", NULL, 0}

static const struct mdt_opt create_opts[] = {
    {"pcn", "PCN", "the PCN the meetings are for", NULL, 0},
    SERIES_OPTS,
    {NULL, NULL, NULL, NULL, 0},
};
static const struct mdt_opt update_opts[] = {
    {"pcn", "PCN", "(refused: a series stays with its PCN)", NULL, 0},
    SERIES_OPTS,
    {"version", "N", "refuse the change if the series has moved past version N", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};
static const struct mdt_opt list_opts[] = {
    {"pcn", "PCN", "only this PCN's series", NULL, 0},
    {"status", "S", "active or cancelled", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};

static const struct mdt_cmd cmds[] = {
    {"create",
     "--pcn PCN --title TEXT --rrule RULE --start YYYY-MM-DDTHH:MM --duration 90m "
     "[--tz Europe/London] --list LIST --url MEETING_LINK [--chair PERSON] [--slots 6] "
     "[--slot-minutes 20] [--holidays keep|skip|next-working-day] [--require ORG,...]",
     "create a series; its meetings for the next 12 months follow", create_opts, 0, 0,
     series_create},
    {"list", "[--pcn PCN] [--status S]", "list series", list_opts, 0, 0, series_list},
    {"show", "ID", "show a series", NULL, 1, 1, series_show},
    {"update", "ID [--title ...] [--rrule ...] [...]",
     "change a series; meetings to come follow (the invites are updated)", update_opts, 1, 1,
     series_update},
    {"cancel", "ID", "cancel a series and its meetings to come", NULL, 1, 1, series_cancel},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const struct mdt_group mdt_group_series = {"series", "recurring meetings of a PCN", cmds};
