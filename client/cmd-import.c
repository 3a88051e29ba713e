/* mdt import: people and organisations from CSV, all rows or none. On a
 * terminal the upload shows its progress (a file of thousands of rows
 * takes a while on a slow link); otherwise it is quiet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdt.h"

/* The server's own limit is lower (max_body); this only bounds what we
 * read before it can tell us. */
#define CSV_MAX (64u << 20)

static const struct mdt_col row_cols[] = {
    {"ROW", "row"}, {"COLUMN", "column"}, {"REASON", "reason"}, {NULL, NULL},
};

struct progress {
    const char *name; /* borrowed: the file's name as given */
    int last;         /* last percentage shown, -1 before the first */
};

/* The upload's progress (cli->progress): one line, rewritten in place
 * whenever the percentage sent changes. */
static void on_progress(void *arg, long long sent, long long total)
{
    struct progress *p = arg;
    int pct = (int)(sent * 100 / total);

    if (pct == p->last)
        return;
    p->last = pct;
    fprintf(stderr, "\r%s: sent %3d%% (%lld of %lld KiB)%s", p->name, pct, sent >> 10,
            total >> 10, pct == 100 ? "; the server is checking every row\n" : "");
}

static int import(struct mdt_cli *cli, struct mdt_inv *inv, const char *what)
{
    struct progress prog = {inv->pos[0], -1};
    struct mdt_buf csv;
    char path[32];
    json_t *out = NULL, *error = NULL, *rows;
    long status = 0;
    int rc;

    mdt_buf_init(&csv, CSV_MAX);
    if ((rc = mdt_read_file(inv->pos[0], CSV_MAX, &csv)) != MDT_EXIT_OK)
        goto out;
    snprintf(path, sizeof(path), "/v1/import/%s", what);
    if (isatty(STDERR_FILENO)) {
        cli->progress = on_progress;
        cli->progress_arg = &prog;
    }
    rc = mdt_http(cli, "POST", path, "text/csv", csv.data ? csv.data : "", csv.len, &out,
                  &status, &error);
    cli->progress = NULL;
    if (prog.last >= 0 && prog.last < 100)
        fputc('\n', stderr); /* end the progress line before any message */
    if (rc != MDT_EXIT_OK) {
        /* A refused import: the rows at fault, so the file can be fixed. */
        rows = json_object_get(json_object_get(error, "error"), "rows");
        if (status == 422 && json_is_array(rows)) {
            if (cli->json)
                mdt_out_json(error);
            else
                mdt_out_table(row_cols, rows);
            fprintf(stderr, "mdt: %s: %zu row%s refused; nothing was imported\n", inv->pos[0],
                    json_array_size(rows), json_array_size(rows) == 1 ? "" : "s");
        }
        goto out;
    }
    if (cli->json) {
        rc = mdt_out_json(out);
        goto out;
    }
    printf("%s: %" JSON_INTEGER_FORMAT " created, %" JSON_INTEGER_FORMAT
           " updated, %" JSON_INTEGER_FORMAT " unchanged\n",
           inv->pos[0], json_integer_value(json_object_get(out, "created")),
           json_integer_value(json_object_get(out, "updated")),
           json_integer_value(json_object_get(out, "unchanged")));
out:
    json_decref(out);
    json_decref(error);
    mdt_buf_release(&csv);
    return rc;
}

static int import_people(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return import(cli, inv, "people");
}

static int import_orgs(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return import(cli, inv, "orgs");
}

static const struct mdt_cmd cmds[] = {
    {"people", "FILE.csv", "import professionals (columns name,email,organisation,job_title)",
     NULL, 1, 1, import_people},
    {"orgs", "FILE.csv", "import organisations (columns name,kind,needs,email,webhook_url)",
     NULL, 1, 1, import_orgs},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const struct mdt_group mdt_group_import = {
    "import", "bulk import from CSV (all rows or none; '-' reads stdin)", cmds};
