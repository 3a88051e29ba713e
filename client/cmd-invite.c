/* mdt invite: calendar invites of a meeting series to its list; and the
 * "attendees" command the meeting group shows (who answered what). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mdt.h"
#include "xmalloc.h"

/* On a terminal, follows the server's job until every message is
 * composed and queued ("composing invites: 1200 of 2000"); elsewhere the
 * command returns at once. */
static void follow_job(struct mdt_cli *cli, json_int_t job, json_int_t total)
{
    char *path = mdt_xasprintf("/v1/invite-jobs/%lld", (long long)job);
    const struct timespec pause = {0, 200 * 1000 * 1000};

    for (int i = 0; i < 5 * 60 * 10; i++) { /* at most ten minutes */
        json_t *j = NULL;
        const char *state;

        if (mdt_http(cli, "GET", path, NULL, NULL, 0, &j, NULL, NULL) != MDT_EXIT_OK)
            break;
        state = json_string_value(json_object_get(j, "state"));
        fprintf(stderr, "\rcomposing invites: %lld messages queued for %lld people",
                (long long)json_integer_value(json_object_get(j, "queued")), (long long)total);
        if (state && strcmp(state, "done") == 0) {
            json_decref(j);
            fprintf(stderr, " - done; the outbox delivers them now\n");
            free(path);
            return;
        }
        json_decref(j);
        nanosleep(&pause, NULL);
    }
    fputc('\n', stderr);
    free(path);
}

static int invite_send(struct mdt_cli *cli, struct mdt_inv *inv)
{
    char *ref = mdt_http_path("/v1/series/", inv->pos[0]);
    char *path = mdt_xasprintf("%s/invites", ref);
    json_t *out = NULL;
    int rc;

    if ((rc = mdt_http(cli, "POST", path, NULL, NULL, 0, &out, NULL, NULL)) != MDT_EXIT_OK)
        goto done;
    if (cli->json) {
        rc = mdt_out_json(out);
    } else {
        /* 202: the server has the job; the messages are composed and
         * handed to the outbox in the background (`mdt outbox` shows them). */
        printf("Series %s: invites queued for %lld people (%lld had this version already), "
               "SEQUENCE %lld; they are being sent now (job %lld).\n",
               inv->pos[0], (long long)json_integer_value(json_object_get(out, "queued")),
               (long long)json_integer_value(json_object_get(out, "already")),
               (long long)json_integer_value(json_object_get(out, "sequence")),
               (long long)json_integer_value(json_object_get(out, "job")));
        if (isatty(STDERR_FILENO) && json_integer_value(json_object_get(out, "queued")) > 0)
            follow_job(cli, json_integer_value(json_object_get(out, "job")),
                       json_integer_value(json_object_get(out, "queued")));
    }
done:
    json_decref(out);
    free(path);
    free(ref);
    return rc;
}

static const struct mdt_cmd cmds[] = {
    {"send", "SERIES", "email the series' calendar invite to every member of its list", NULL, 1, 1,
     invite_send},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const struct mdt_group mdt_group_invite = {"invite", "calendar invites to a series' list", cmds};

/* mdt meeting attendees ID */
int mdt_meeting_attendees(struct mdt_cli *cli, struct mdt_inv *inv)
{
    static const struct mdt_col cols[] = {
        {"NAME", "name"}, {"ORG", "org.name"}, {"ANSWER", "answer"}, {"ANSWERED", "answered_at"},
        {NULL, NULL},
    };
    static const struct mdt_col orgs[] = {
        {"REQUIRED ORG", "name"},
        {"MEMBERS", "members"},
        {"ACCEPTED", "accepted"},
        {"DECLINED", "declined"},
        {"COMING", "coming"},
        {"ABSENT", "absent"},
        {NULL, NULL},
    };
    char *ref = mdt_http_path("/v1/meetings/", inv->pos[0]);
    char *path = mdt_xasprintf("%s/attendees", ref);
    json_t *out = NULL, *warn;
    int rc;

    if ((rc = mdt_http(cli, "GET", path, NULL, NULL, 0, &out, NULL, NULL)) != MDT_EXIT_OK)
        goto done;
    if (cli->json) {
        rc = mdt_out_json(out);
        goto done;
    }
    rc = mdt_out_table(cols, json_object_get(out, "attendees"));
    if (json_array_size(json_object_get(out, "required_orgs")) > 0) {
        printf("\n");
        rc = mdt_out_table(orgs, json_object_get(out, "required_orgs"));
    }
    if (json_is_string(warn = json_object_get(out, "quorum_warning")))
        printf("\nWarning: %s\n", json_string_value(warn));
done:
    json_decref(out);
    free(path);
    free(ref);
    return rc;
}
