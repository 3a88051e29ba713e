/* Requests to mdtd through libcurl's easy interface (a CLI may block),
 * and the one-line reports of what went wrong. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "mdt.h"
#include "table.h"
#include "xmalloc.h"

/* The largest answer we read: far above any real list, and a bound on
 * what a confused or hostile server can make us hold. */
#define RESPONSE_MAX (64u << 20)
#define CONNECT_TIMEOUT_S 10L
#define TOTAL_TIMEOUT_S 120L
#define PROGRESS_TIMEOUT_S 600L

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    struct mdt_buf *b = arg;

    if (mdt_buf_add(b, p, size * n) < 0)
        return 0; /* curl stops with CURLE_WRITE_ERROR */
    return size * n;
}

char *mdt_http_path(const char *prefix, const char *ref)
{
    char *esc = curl_easy_escape(NULL, ref, 0);
    char *p;

    if (esc == NULL)
        abort(); /* only on out of memory */
    p = mdt_xasprintf("%s%s", prefix, esc);
    curl_free(esc);
    return p;
}

void mdt_http_query(struct mdt_buf *path, const char *name, const char *value)
{
    char *esc = curl_easy_escape(NULL, value, 0);

    if (esc == NULL)
        abort();
    mdt_buf_printf(path, "%c%s=%s", strchr(mdt_buf_str(path), '?') ? '&' : '?', name, esc);
    curl_free(esc);
}

/* Prints the server's error object as one line: its message, the field at
 * fault and the status. Everything the server says is cleaned of control
 * characters before it reaches the terminal. */
static void print_error(long status, const json_t *body)
{
    const json_t *e = json_object_get(body, "error");
    const char *msg = json_string_value(json_object_get(e, "message"));
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *field = json_string_value(json_object_get(e, "field"));
    char *m = mdt_table_clean(msg ? msg : "the server gave no reason");
    char *c = mdt_table_clean(code ? code : "error");
    char *f = field ? mdt_table_clean(field) : NULL;

    if (f)
        fprintf(stderr, "mdt: %s (field %s; HTTP %ld %s)\n", m, f, status, c);
    else
        fprintf(stderr, "mdt: %s (HTTP %ld %s)\n", m, status, c);
    free(m);
    free(c);
    free(f);
}

/* libcurl's progress meter, passed on to cli->progress. */
static int on_xfer(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                   curl_off_t ulnow)
{
    struct mdt_cli *cli = arg;

    (void)dltotal;
    (void)dlnow;
    if (ultotal > 0)
        cli->progress(cli->progress_arg, (long long)ulnow, (long long)ultotal);
    return 0;
}

int mdt_http(struct mdt_cli *cli, const char *method, const char *path, const char *ctype,
             const char *body, size_t len, json_t **out, long *status, json_t **error)
{
    CURL *h = NULL;
    struct curl_slist *hdrs = NULL;
    struct mdt_buf resp, line;
    char errbuf[CURL_ERROR_SIZE] = "";
    char *url = NULL;
    json_t *doc = NULL;
    json_error_t jerr;
    long code = 0, oserr = 0;
    CURLcode cc;
    int rc;

    *out = NULL;
    if (status)
        *status = 0;
    if (error)
        *error = NULL;
    mdt_buf_init(&resp, RESPONSE_MAX);
    mdt_buf_init(&line, 8192);
    if ((rc = mdt_config_load(cli)) != MDT_EXIT_OK)
        goto out;
    rc = MDT_EXIT_FAIL;
    /* Only here: offline commands (scrub, find, reveal, key) never load
     * the TLS stack at all. */
    if (!cli->curl) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            mdt_fail("cannot initialise libcurl");
            goto out;
        }
        cli->curl = 1;
    }
    url = mdt_xasprintf("%s%s", cli->url, path);
    if ((h = curl_easy_init()) == NULL) {
        mdt_fail("cannot initialise libcurl");
        goto out;
    }
    mdt_buf_printf(&line, "Authorization: Bearer %s", cli->token);
    hdrs = curl_slist_append(hdrs, mdt_buf_str(&line));
    explicit_bzero(line.data, line.len);
    hdrs = curl_slist_append(hdrs, "Accept: application/json");
    if (body) {
        mdt_buf_reset(&line);
        mdt_buf_printf(&line, "Content-Type: %s", ctype);
        hdrs = curl_slist_append(hdrs, mdt_buf_str(&line));
    }
    /* curl would send "Expect: 100-continue" for larger bodies and wait. */
    hdrs = curl_slist_append(hdrs, "Expect:");
    if (hdrs == NULL)
        abort();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, TOTAL_TIMEOUT_S);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "mdt/" MDT_VERSION);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
    /* Certificates are always verified (curl's default, stated anyway). */
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (cli->ca)
        curl_easy_setopt(h, CURLOPT_CAINFO, cli->ca);
    if (strcmp(method, "GET") != 0)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    if (cli->progress) {
        /* Someone watches a large upload: give a slow link more time. */
        curl_easy_setopt(h, CURLOPT_TIMEOUT, PROGRESS_TIMEOUT_S);
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_xfer);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, cli);
    }
    cc = curl_easy_perform(h);
    if (cc == CURLE_WRITE_ERROR && resp.len + CURL_MAX_WRITE_SIZE > RESPONSE_MAX) {
        mdt_fail("%s: the answer is larger than %u MiB", cli->url, RESPONSE_MAX >> 20);
        goto out;
    }
    if (cc != CURLE_OK) {
        curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr);
        if (cc == CURLE_COULDNT_CONNECT && oserr)
            mdt_fail("cannot reach %s: %s", cli->url, strerror((int)oserr));
        else
            mdt_fail("cannot reach %s: %s", cli->url, errbuf[0] ? errbuf : curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    if (status)
        *status = code;
    if (resp.len) {
        doc = json_loadb(resp.data, resp.len, 0, &jerr);
        if (doc == NULL && code >= 200 && code < 300) {
            mdt_fail("%s: the answer to %s %s is not JSON (%s)", cli->url, method, path,
                     jerr.text);
            goto out;
        }
    }
    if (code < 200 || code >= 300) {
        if (json_is_object(json_object_get(doc, "error")))
            print_error(code, doc);
        else
            mdt_fail("%s %s: HTTP %ld from %s", method, path, code, cli->url);
        if (error) {
            *error = doc;
            doc = NULL;
        }
        goto out;
    }
    *out = doc;
    doc = NULL;
    rc = MDT_EXIT_OK;
out:
    json_decref(doc);
    curl_slist_free_all(hdrs);
    if (h)
        curl_easy_cleanup(h);
    free(url);
    mdt_buf_release(&resp);
    mdt_buf_release(&line);
    return rc;
}

int mdt_http_json(struct mdt_cli *cli, const char *method, const char *path, const json_t *body,
                  json_t **out)
{
    char *text = NULL;
    int rc;

    if (body && (text = json_dumps(body, JSON_COMPACT)) == NULL)
        abort();
    rc = mdt_http(cli, method, path, "application/json", text, text ? strlen(text) : 0, out,
                  NULL, NULL);
    free(text);
    return rc;
}
