/* mdt purge [--dry-run]: removes the text of cases closed longer ago than
 * the server's purge_after, keeping pseudonym, dates and counts.
 *
 * The server works a bounded batch per request and says how many cases
 * remain; mdt asks again until none do, showing how far it has got on a
 * terminal (stderr) and nothing elsewhere. The answer is the whole run's,
 * in the shape of one request's answer. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "mdt.h"
#include "xmalloc.h"

/* Requests one batch asks the server for: its own upper bound. */
#define BATCH 200

static const struct mdt_col purge_cols[] = {
    {"ID", "id"}, {"PSEUDONYM", "pseudonym"}, {"CLOSURE", "closure"}, {"CLOSED", "closed_at"},
    {NULL, NULL},
};

static int purge(struct mdt_cli *cli, struct mdt_inv *inv)
{
    int dry = mdt_opt(inv, "dry-run") != NULL, rc = MDT_EXIT_OK, shown = 0;
    int tty = isatty(STDERR_FILENO);
    json_t *out = NULL, *all = json_array(), *first = NULL;
    json_int_t done = 0, after = 0, batches = 0;

    if (inv->npos > 0) {
        json_decref(all);
        return mdt_usage_error(inv, "unexpected argument '%s'", inv->pos[0]);
    }
    for (;;) {
        /* Each batch starts above the last one's highest case id. */
        char *path = mdt_xasprintf("/v1/purge?limit=%d%s&after=%" JSON_INTEGER_FORMAT, BATCH,
                                   dry ? "&dry_run=1" : "", after);
        json_int_t n, left;

        json_decref(out);
        out = NULL;
        rc = mdt_http_json(cli, "POST", path, NULL, &out);
        free(path);
        if (rc != MDT_EXIT_OK)
            break;
        batches++;
        n = json_integer_value(json_object_get(out, "count"));
        left = json_integer_value(json_object_get(out, "remaining"));
        json_array_extend(all, json_object_get(out, "cases"));
        done += n;
        after = json_integer_value(json_object_get(out, "last_id"));
        if (first == NULL)
            first = json_incref(out);
        /* Nothing done while some remain would repeat for ever (a
         * server without batches answers no "remaining" at all). */
        if (left <= 0 || n <= 0)
            break;
        if (tty) {
            fprintf(stderr, "\r%s %" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT
                    " closed cases...", dry ? "listed" : "purged", done, done + left);
            fflush(stderr);
            shown = 1;
        }
    }
    if (shown) {
        if (rc == MDT_EXIT_OK)
            fprintf(stderr, "\r%s %" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT
                    " closed cases - done\n", dry ? "listed" : "purged", done, done);
        else
            fputc('\n', stderr);
    }
    if (rc != MDT_EXIT_OK) {
        /* Batches already done stay done: say so before the error. */
        if (done > 0 && !dry)
            fprintf(stderr, "mdt: the text of %" JSON_INTEGER_FORMAT
                    " closed case%s was removed before the error\n", done, done == 1 ? "" : "s");
        goto out;
    }
    if (cli->json) {
        json_t *j = json_pack("{s:O?, s:I, s:O?, s:O, s:I, s:I}", "dry_run",
                              json_object_get(first, "dry_run"), "count", done,
                              "purge_after_seconds", json_object_get(first, "purge_after_seconds"),
                              "cases", all, "remaining",
                              json_integer_value(json_object_get(out, "remaining")), "batches",
                              batches);
        rc = mdt_out_json(j);
        json_decref(j);
    } else {
        if (done == 0)
            printf("No closed case is due for purging.\n");
        else
            printf("%s %" JSON_INTEGER_FORMAT " closed case%s:\n",
                   dry ? "Would remove the text of" : "Removed the text of", done,
                   done == 1 ? "" : "s");
        if (json_array_size(all) > 0)
            rc = mdt_out_table(purge_cols, all);
    }
out:
    json_decref(first);
    json_decref(out);
    json_decref(all);
    return rc;
}

static const struct mdt_opt purge_opts[] = {
    {"dry-run", NULL, "only list the cases whose text would be removed", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};

static const struct mdt_cmd cmds[] = {
    {"PURGE", "[--dry-run]", "remove the text of cases closed longer ago than purge_after",
     purge_opts, 0, 0, purge},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const struct mdt_group mdt_group_purge = {
    "purge", "remove closed cases' text: mdt purge [--dry-run] (chair, admin)", cmds};
