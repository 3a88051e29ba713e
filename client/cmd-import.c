/* mdt import: people and organisations from CSV, all rows or none. On a
 * terminal the upload shows its progress (a file of thousands of rows
 * takes a while on a slow link); otherwise it is quiet. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "mdt.h"
#include "table.h"
#include "xmalloc.h"

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

/* libcurl's progress meter (CURLOPT_XFERINFOFUNCTION): one line,
 * rewritten in place whenever the percentage sent changes. */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    struct progress *p = arg;
    int pct;

    (void)dltotal;
    (void)dlnow;
    if (ultotal <= 0)
        return 0;
    pct = (int)(ulnow * 100 / ultotal);
    if (pct == p->last)
        return 0;
    p->last = pct;
    fprintf(stderr, "\r%s: sent %3d%% (%lld of %lld KiB)%s", p->name, pct,
            (long long)(ulnow >> 10), (long long)(ultotal >> 10),
            pct == 100 ? "; the server is checking every row\n" : "");
    return 0;
}

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
    return mdt_buf_add(arg, data, size * n) < 0 ? 0 : size * n;
}

/* The request of mdt_http with libcurl's progress meter on: the same
 * contract (MDT_EXIT_OK and *out new on 2xx; otherwise the reason printed
 * and *status, *error set). */
static int post_with_progress(struct mdt_cli *cli, const char *path, const struct mdt_buf *csv,
                              const char *name, json_t **out, long *status, json_t **error)
{
    struct progress prog = {name, -1};
    struct curl_slist *hdrs = NULL;
    struct mdt_buf resp, auth;
    char errbuf[CURL_ERROR_SIZE] = "";
    char *url = NULL;
    json_t *doc = NULL;
    CURL *h = NULL;
    CURLcode cc;
    int rc;

    *out = *error = NULL;
    *status = 0;
    mdt_buf_init(&resp, 64u << 20);
    mdt_buf_init(&auth, 8192);
    if ((rc = mdt_config_load(cli)) != MDT_EXIT_OK)
        goto out;
    rc = MDT_EXIT_FAIL;
    if (!cli->curl) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            mdt_fail("cannot initialise libcurl");
            goto out;
        }
        cli->curl = 1;
    }
    if ((h = curl_easy_init()) == NULL) {
        mdt_fail("cannot initialise libcurl");
        goto out;
    }
    url = mdt_xasprintf("%s%s", cli->url, path);
    mdt_buf_printf(&auth, "Authorization: Bearer %s", cli->token);
    hdrs = curl_slist_append(hdrs, mdt_buf_str(&auth));
    explicit_bzero(auth.data, auth.len);
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    hdrs = curl_slist_append(hdrs, "Content-Type: text/csv");
    hdrs = curl_slist_append(hdrs, "Expect:");
    if (hdrs == NULL)
        abort();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 600L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "mdt/" MDT_VERSION);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (cli->ca)
        curl_easy_setopt(h, CURLOPT_CAINFO, cli->ca);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, csv->data ? csv->data : "");
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)csv->len);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &prog);
    cc = curl_easy_perform(h);
    if (prog.last >= 0 && prog.last < 100)
        fputc('\n', stderr); /* end the progress line before any message */
    if (cc != CURLE_OK) {
        mdt_fail("cannot reach %s: %s", cli->url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    doc = resp.len ? json_loadb(resp.data, resp.len, 0, NULL) : NULL;
    if (*status >= 200 && *status < 300 && doc) {
        *out = doc;
        doc = NULL;
        rc = MDT_EXIT_OK;
        goto out;
    }
    if (json_is_object(json_object_get(doc, "error"))) {
        const json_t *e = json_object_get(doc, "error");
        const char *m = json_string_value(json_object_get(e, "message"));
        const char *c = json_string_value(json_object_get(e, "code"));
        char *mc = mdt_table_clean(m ? m : "the server gave no reason");
        char *cc2 = mdt_table_clean(c ? c : "error");
        mdt_fail("%s (HTTP %ld %s)", mc, *status, cc2);
        free(mc);
        free(cc2);
        *error = doc;
        doc = NULL;
    } else {
        mdt_fail("POST %s: HTTP %ld from %s", path, *status, cli->url);
    }
out:
    json_decref(doc);
    curl_slist_free_all(hdrs);
    if (h)
        curl_easy_cleanup(h);
    free(url);
    mdt_buf_release(&resp);
    mdt_buf_release(&auth);
    return rc;
}

static int import(struct mdt_cli *cli, struct mdt_inv *inv, const char *what)
{
    struct mdt_buf csv;
    char path[32];
    json_t *out = NULL, *error = NULL, *rows;
    long status = 0;
    int rc;

    mdt_buf_init(&csv, CSV_MAX);
    if ((rc = mdt_read_file(inv->pos[0], CSV_MAX, &csv)) != MDT_EXIT_OK)
        goto out;
    snprintf(path, sizeof(path), "/v1/import/%s", what);
    if (isatty(STDERR_FILENO))
        rc = post_with_progress(cli, path, &csv, inv->pos[0], &out, &status, &error);
    else
        rc = mdt_http(cli, "POST", path, "text/csv", csv.data ? csv.data : "", csv.len, &out,
                      &status, &error);
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
