/* mdt agenda: a meeting's agenda (pseudonymised cases in slot order, and
 * who in the directory can help each; matters arising with the reasons
 * partners gave for declining; who sent apologies), and sending it to
 * the list. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdt.h"
#include "xmalloc.h"

static int only_digits(const char *s)
{
    if (*s == '\0' || strlen(s) > 15)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

static const char *str(const json_t *o, const char *path)
{
    const char *s = json_string_value(mdt_out_lookup(o, path));
    return s ? s : "";
}

/* "2027-01-12T10:20:00+00:00" → "10:20". */
static void hhmm(const char *t, char out[6])
{
    snprintf(out, 6, "%.5s", strlen(t) >= 16 ? t + 11 : "?");
}

static void print_agenda(const json_t *a)
{
    const json_t *slot;
    size_t i;

    printf("%s (%s)\n", str(a, "series.title"), str(a, "pcn.name"));
    printf("Meeting %" JSON_INTEGER_FORMAT ": %s (%s), %s\n",
           json_integer_value(mdt_out_lookup(a, "meeting.id")), str(a, "meeting.start"),
           str(a, "series.tz"), str(a, "meeting.status"));
    printf("%" JSON_INTEGER_FORMAT " slots of %" JSON_INTEGER_FORMAT " minutes, %" JSON_INTEGER_FORMAT
           " free\n",
           json_integer_value(json_object_get(a, "slot_count")),
           json_integer_value(json_object_get(a, "slot_minutes")),
           json_integer_value(json_object_get(a, "free_slots")));
    printf("Join: %s\n\n", str(a, "series.url"));
    json_array_foreach(json_object_get(a, "slots"), i, slot) {
        const json_t *c = json_object_get(slot, "case"), *o;
        char t[6];
        size_t k;

        hhmm(str(slot, "start"), t);
        printf("%2" JSON_INTEGER_FORMAT ". %s  ", json_integer_value(json_object_get(slot, "slot")),
               t);
        if (c == NULL || json_is_null(c)) {
            printf("(free)\n");
            continue;
        }
        printf("%s  age %s  case %" JSON_INTEGER_FORMAT "  needs:", str(c, "pseudonym"),
               str(c, "age_band"), json_integer_value(json_object_get(c, "id")));
        json_array_foreach(json_object_get(c, "needs"), k, o)
            printf("%s %s", k ? "," : "", json_string_value(o) ? json_string_value(o) : "?");
        if (json_integer_value(json_object_get(c, "carried")) > 0)
            printf("  (carried over %" JSON_INTEGER_FORMAT ")",
                   json_integer_value(json_object_get(c, "carried")));
        printf("\n      Question: %s\n", str(c, "question"));
        if (json_array_size(json_object_get(slot, "orgs")) == 0) {
            printf("      Who can help: no organisation in the directory with capacity\n");
            continue;
        }
        printf("      Who can help:\n");
        json_array_foreach(json_object_get(slot, "orgs"), k, o) {
            const json_t *n;
            size_t x;
            printf("        - %s (%s;", str(o, "name"), str(o, "capacity"));
            json_array_foreach(json_object_get(o, "serves"), x, n)
                printf("%s %s", x ? "," : "", json_string_value(n) ? json_string_value(n) : "?");
            printf(")\n");
        }
    }
}

/* Overdue and declined actions of earlier plans, when the server gives
 * them ("matters_arising"). */
static void print_matters(const json_t *a)
{
    const json_t *arr = json_object_get(a, "matters_arising"), *m;
    size_t i;

    if (json_array_size(arr) == 0)
        return;
    printf("\nMatters arising (overdue or declined actions):\n");
    json_array_foreach(arr, i, m)
    {
        printf("  - %s, %s: %s (due %s, %s)\n", str(m, "case.pseudonym"), str(m, "org"),
               str(m, "what"), str(m, "due"), str(m, "reason"));
        /* A decline carries the partner's reason. */
        if (strcmp(str(m, "reason"), "declined") == 0 && *str(m, "note"))
            printf("    Reason given: %s\n", str(m, "note"));
    }
}

/* Who declined the meeting's invitation ("apologies"), when the server
 * gives it. */
static void print_apologies(const json_t *a)
{
    const json_t *arr = json_object_get(a, "apologies"), *p;
    size_t i;

    if (json_array_size(arr) == 0)
        return;
    printf("\nApologies (declined the invitation):\n");
    json_array_foreach(arr, i, p)
        printf("  - %s (%s)%s\n", str(p, "person.name"), str(p, "org.name"),
               strcmp(str(p, "for"), "series") == 0 ? ", for the whole series" : "");
}

static int agenda_show(struct mdt_cli *cli, struct mdt_inv *inv)
{
    char *path;
    json_t *out = NULL;
    int rc;

    if (!only_digits(inv->pos[0]))
        return mdt_usage_error(inv, "a meeting is named by its id (a number), not '%s'",
                               inv->pos[0]);
    path = mdt_xasprintf("/v1/meetings/%s/agenda", inv->pos[0]);
    if ((rc = mdt_http_json(cli, "GET", path, NULL, &out)) == MDT_EXIT_OK) {
        if (cli->json)
            rc = mdt_out_json(out);
        else {
            print_agenda(out);
            print_matters(out);
            print_apologies(out);
        }
    }
    json_decref(out);
    free(path);
    return rc;
}

static int agenda_send(struct mdt_cli *cli, struct mdt_inv *inv)
{
    char *path;
    json_t *out = NULL;
    int rc;

    if (!only_digits(inv->pos[0]))
        return mdt_usage_error(inv, "a meeting is named by its id (a number), not '%s'",
                               inv->pos[0]);
    path = mdt_xasprintf("/v1/meetings/%s/agenda/send", inv->pos[0]);
    if ((rc = mdt_http_json(cli, "POST", path, NULL, &out)) == MDT_EXIT_OK) {
        if (cli->json)
            rc = mdt_out_json(out);
        else
            printf("Agenda of meeting %s queued to %" JSON_INTEGER_FORMAT " people.\n",
                   inv->pos[0], json_integer_value(json_object_get(out, "queued")));
    }
    json_decref(out);
    free(path);
    return rc;
}

/* A command named in capitals stands for an argument: "mdt agenda 7". */
static const struct mdt_cmd cmds[] = {
    {"MEETING", "", "print the meeting's agenda: mdt agenda MEETING", NULL, 1, 1, agenda_show},
    {"send", "MEETING", "email the agenda (pseudonymised) to the list's members", NULL, 1, 1,
     agenda_send},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const struct mdt_group mdt_group_agenda = {"agenda", "meeting agendas", cmds};
