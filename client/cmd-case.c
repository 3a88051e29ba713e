/* mdt case: writing, scrubbing and submitting cases, and the local vault
 * that maps pseudonyms back to people. scrub, find and reveal work
 * offline: nothing identifying ever reaches the network. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "keyfile.h"
#include "mdt.h"
#include "scrub.h"
#include "vault.h"
#include "xmalloc.h"

/* Case files are a few kilobytes; this only stops a wrong file. */
#define CASE_MAX (4u << 20)

/* A scrubbed case, ready to leave the machine, with the identity the vault
 * needs to find the person again. */
struct scrubbed {
    json_t *payload;       /* new */
    struct mdt_case *c;    /* new: holds the identity */
    char version[24];      /* mdt_scrub_version of the scrubber used */
};

static void scrubbed_release(struct scrubbed *s)
{
    json_decref(s->payload);
    mdt_case_free(s->c);
    s->payload = NULL;
    s->c = NULL;
}

/* Reads, parses and scrubs FILE with the key. Prints the reason and
 * returns MDT_EXIT_FAIL on any failure. */
static int scrub_file(const char *file, const uint8_t key[32], struct scrubbed *out)
{
    struct mdt_scrub_ctx *ctx = NULL;
    struct mdt_buf text, err;
    int rc = MDT_EXIT_FAIL;

    out->payload = NULL;
    out->c = NULL;
    mdt_buf_init(&text, CASE_MAX);
    mdt_buf_init(&err, 4096);
    if (mdt_read_file(file, CASE_MAX, &text) != MDT_EXIT_OK)
        goto out;
    if (mdt_case_parse(text.data ? text.data : "", text.len, &out->c, &err) < 0) {
        mdt_fail("%s: %s", file, err.len ? mdt_buf_str(&err) : "not a valid case file");
        goto out;
    }
    ctx = mdt_scrub_ctx_new();
    snprintf(out->version, sizeof(out->version), "%s", mdt_scrub_version(ctx));
    if (mdt_case_scrub(ctx, out->c, key, &out->payload, &err) < 0) {
        mdt_fail("%s: %s", file, err.len ? mdt_buf_str(&err) : "cannot scrub the case");
        goto out;
    }
    rc = MDT_EXIT_OK;
out:
    if (rc != MDT_EXIT_OK)
        scrubbed_release(out);
    mdt_scrub_ctx_free(ctx);
    /* The case file holds the identity: do not leave it in freed memory. */
    if (text.data)
        sodium_memzero(text.data, text.len);
    mdt_buf_release(&text);
    mdt_buf_release(&err);
    return rc;
}

static int case_new(struct mdt_cli *cli, struct mdt_inv *inv)
{
    json_t *t;
    int rc;

    (void)cli;
    (void)inv;
    t = json_pack("{s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s}, s:[s,s], s:s, s:s, s:s}", "client",
                  "name", "", "nhs_number", "", "date_of_birth", "", "address", "", "postcode", "",
                  "phone", "", "email", "", "needs", "housing", "debt", "presentation", "",
                  "question", "", "risk", "");
    if (t == NULL)
        abort();
    rc = mdt_out_json(t);
    json_decref(t);
    return rc;
}

static int case_scrub(struct mdt_cli *cli, struct mdt_inv *inv)
{
    uint8_t key[32];
    struct scrubbed s;
    char *text;
    int rc;

    (void)cli;
    if ((rc = mdt_key_require(key)) != MDT_EXIT_OK)
        return rc;
    rc = scrub_file(inv->pos[0], key, &s);
    sodium_memzero(key, sizeof(key));
    if (rc != MDT_EXIT_OK)
        return rc;
    /* Exactly the payload submit would send, and nothing else. */
    text = json_dumps(s.payload, JSON_INDENT(2));
    if (text == NULL)
        abort();
    printf("%s\n", text);
    free(text);
    scrubbed_release(&s);
    return MDT_EXIT_OK;
}

static void now_rfc3339(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    char z[8];
    size_t n;

    localtime_r(&t, &tm);
    n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    strftime(z, sizeof(z), "%z", &tm); /* +0100 → +01:00 */
    snprintf(out + n, 32 - n, "%.3s:%.2s", z, z + 3);
}

static int vault_load(const uint8_t key[32], char **path, json_t **entries)
{
    struct mdt_buf err;
    int rc = MDT_EXIT_OK;

    *entries = NULL;
    if ((*path = mdt_vault_path()) == NULL)
        return mdt_fail("cannot tell where the vault lives: HOME is not set");
    mdt_buf_init(&err, 1024);
    if (mdt_vault_load(*path, key, entries, &err) < 0)
        rc = mdt_fail("%s", mdt_buf_str(&err));
    mdt_buf_release(&err);
    if (rc != MDT_EXIT_OK) {
        free(*path);
        *path = NULL;
    }
    return rc;
}

static int all_digits(const char *s)
{
    if (*s == '\0' || strlen(s) > 15)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

/* Asks on the terminal; anything but y/yes is a no. */
static int confirm(const json_t *payload)
{
    char answer[16];
    char *text = json_dumps(payload, JSON_INDENT(2));

    if (text == NULL)
        abort();
    fprintf(stderr, "This is what will be sent:\n%s\nSubmit this case? [y/N] ", text);
    free(text);
    fflush(stderr);
    if (fgets(answer, sizeof(answer), stdin) == NULL)
        return 0;
    answer[strcspn(answer, "\r\n")] = '\0';
    return strcasecmp(answer, "y") == 0 || strcasecmp(answer, "yes") == 0;
}

/* The case is on the server but the vault does not know it: say which
 * case, so the case holder can note the person by hand. */
static int not_recorded(json_int_t id, const struct mdt_buf *err)
{
    return mdt_fail("case %" JSON_INTEGER_FORMAT " was submitted, but the vault was not "
                    "updated: %s",
                    id, mdt_buf_str(err));
}

/* The server checks every case with its own copy of the detector. When
 * that copy is not this one, what the preview shows may be refused (or a
 * newer client finds more than the server would): say so before asking. */
static void compare_scrubbers(struct mdt_cli *cli, const char *mine)
{
    json_t *health = NULL;
    const char *theirs;

    if (mdt_http_json(cli, "GET", "/v1/health", NULL, &health) != MDT_EXIT_OK)
        return; /* the submission itself will say what is wrong */
    theirs = json_string_value(json_object_get(health, "scrubber"));
    if (theirs && strcmp(theirs, mine) != 0)
        fprintf(stderr,
                "mdt: note: the server checks cases with scrubber %s and this mdt scrubs with "
                "%s: the server may refuse text this preview shows; update the older one\n",
                theirs, mine);
    json_decref(health);
}

static int case_submit(struct mdt_cli *cli, struct mdt_inv *inv)
{
    const char *meeting = mdt_opt(inv, "meeting"), *pcn = mdt_opt(inv, "next");
    const struct mdt_client *who;
    uint8_t key[32];
    struct scrubbed s = {0};
    struct mdt_buf err;
    json_t *body = NULL, *out = NULL, *entries = NULL, *tmp = NULL;
    const char *pseudonym;
    char *vpath = NULL, now[32];
    json_int_t id;
    int rc, lock = -1;

    mdt_buf_init(&err, 1024);
    if ((meeting == NULL) == (pcn == NULL)) {
        rc = mdt_usage_error(inv, "give either --meeting ID or --next PCN");
        goto out;
    }
    if (meeting && !all_digits(meeting)) {
        rc = mdt_usage_error(inv, "--meeting: not a meeting id: '%s'", meeting);
        goto out;
    }
    if (pcn && (*pcn == '\0' || (tmp = json_string(pcn)) == NULL)) {
        rc = mdt_usage_error(inv, "--next: not a PCN name or id");
        goto out;
    }
    json_decref(tmp);
    if (!mdt_opt(inv, "yes") && !isatty(STDIN_FILENO)) {
        rc = mdt_usage_error(inv, "stdin is not a terminal, so the case cannot be confirmed: "
                                  "check it with 'mdt case scrub' and give --yes");
        goto out;
    }
    if ((rc = mdt_key_require(key)) != MDT_EXIT_OK)
        goto out;
    if ((rc = scrub_file(inv->pos[0], key, &s)) != MDT_EXIT_OK)
        goto out;
    compare_scrubbers(cli, s.version);
    /* The vault must be readable before anything is sent, or the case
     * would reach the meeting with no way back to the person. */
    if ((rc = vault_load(key, &vpath, &entries)) != MDT_EXIT_OK)
        goto out;
    if (!mdt_opt(inv, "yes") && !confirm(s.payload)) {
        fprintf(stderr, "mdt: not submitted\n");
        rc = MDT_EXIT_FAIL;
        goto out;
    }
    body = json_deep_copy(s.payload);
    if (meeting)
        json_object_set_new(body, "meeting", json_integer(strtoll(meeting, NULL, 10)));
    else
        json_object_set_new(body, "pcn",
                            all_digits(pcn) ? json_integer(strtoll(pcn, NULL, 10))
                                            : json_string(pcn));
    if ((rc = mdt_http_json(cli, "POST", "/v1/cases", body, &out)) != MDT_EXIT_OK)
        goto out;
    id = json_integer_value(json_object_get(out, "id"));
    pseudonym = json_string_value(json_object_get(s.payload, "pseudonym"));
    who = mdt_case_client(s.c);
    now_rfc3339(now);
    /* Read the vault again under its lock: another submission may have
     * written it while this one waited for the answer. */
    json_decref(entries);
    entries = NULL;
    if ((lock = mdt_vault_lock(vpath, &err)) < 0 ||
        mdt_vault_load(vpath, key, &entries, &err) < 0) {
        rc = not_recorded(id, &err);
        goto out;
    }
    mdt_vault_record(entries, pseudonym ? pseudonym : "", who->name, who->nhs_number,
                     who->date_of_birth, id, now);
    if (mdt_vault_save(vpath, key, entries, &err) < 0) {
        rc = not_recorded(id, &err);
        goto out;
    }
    if (cli->json) {
        rc = mdt_out_json(out);
    } else {
        /* Every value from the server prints through mdt_out_value, which
         * copes with anything missing or of the wrong type. */
        const json_t *m = json_object_get(out, "meeting");
        int at_meeting = m && !json_is_null(m);
        char *p = mdt_out_value(json_object_get(out, "pseudonym"));
        char *st = mdt_out_value(json_object_get(out, "status"));
        const json_t *wj = at_meeting ? json_object_get(m, "id") : json_object_get(out, "pcn");
        char *where = wj ? mdt_out_value(wj) : mdt_xstrdup("?");

        printf("Submitted case %" JSON_INTEGER_FORMAT " as %s (status %s, %s %s", id, p, st,
               at_meeting ? "meeting" : "PCN", where);
        if (at_meeting && json_object_get(m, "slot") && json_object_get(m, "slot_start")) {
            /* Its place on the agenda and when that slot begins. */
            char *slot = mdt_out_value(json_object_get(m, "slot"));
            char *at = mdt_out_value(json_object_get(m, "slot_start"));
            printf(", slot %s at %s", slot, at);
            free(slot);
            free(at);
        } else if (!at_meeting) {
            printf(", waiting for a meeting");
        }
        printf(").\n");
        free(p);
        free(st);
        free(where);
        rc = MDT_EXIT_OK;
    }
out:
    if (lock >= 0)
        close(lock); /* after the vault is saved: releases the lock */
    sodium_memzero(key, sizeof(key));
    scrubbed_release(&s);
    json_decref(body);
    json_decref(out);
    json_decref(entries);
    free(vpath);
    mdt_buf_release(&err);
    return rc;
}

static const struct mdt_col vault_cols[] = {
    {"PSEUDONYM", "pseudonym"}, {"NAME", "name"}, {"NHS NUMBER", "nhs_number"},
    {"BORN", "date_of_birth"}, {"LAST SUBMITTED", "last_submitted"}, {"CASES", "cases"},
    {NULL, NULL},
};

static int case_find(struct mdt_cli *cli, struct mdt_inv *inv)
{
    uint8_t key[32];
    json_t *entries = NULL, *found = NULL;
    char *vpath = NULL;
    int rc;

    if (inv->pos[0][0] == '\0')
        return mdt_usage_error(inv, "nothing to search for");
    if ((rc = mdt_key_require(key)) != MDT_EXIT_OK)
        return rc;
    if ((rc = vault_load(key, &vpath, &entries)) != MDT_EXIT_OK)
        goto out;
    found = mdt_vault_find(entries, inv->pos[0]);
    if (json_array_size(found) == 0) {
        if (cli->json)
            mdt_out_json(found);
        rc = mdt_fail("no one in the vault matches '%s'", inv->pos[0]);
        goto out;
    }
    rc = mdt_out_list(cli, found, vault_cols);
out:
    sodium_memzero(key, sizeof(key));
    json_decref(found);
    json_decref(entries);
    free(vpath);
    return rc;
}

static int case_reveal(struct mdt_cli *cli, struct mdt_inv *inv)
{
    uint8_t key[32];
    json_t *entries = NULL, *e;
    char *vpath = NULL;
    int rc;

    if ((rc = mdt_key_require(key)) != MDT_EXIT_OK)
        return rc;
    if ((rc = vault_load(key, &vpath, &entries)) != MDT_EXIT_OK)
        goto out;
    if ((e = mdt_vault_get(entries, inv->pos[0])) == NULL) {
        rc = mdt_fail("%s is not in the vault", inv->pos[0]);
        goto out;
    }
    rc = mdt_out_object(cli, e);
out:
    sodium_memzero(key, sizeof(key));
    json_decref(entries);
    free(vpath);
    return rc;
}

static const struct mdt_col case_cols[] = {
    {"ID", "id"}, {"PSEUDONYM", "pseudonym"}, {"AGE", "age_band"}, {"PCN", "pcn"},
    {"MEETING", "meeting"}, {"STATUS", "status"}, {"NEEDS", "needs"}, {NULL, NULL},
};
static const char *const case_filters[] = {"pcn", "pseudonym", NULL};
static const struct mdt_field no_fields[] = {{NULL, NULL, MDT_F_STRING}};

static const struct mdt_resource cases = {
    .noun = "case",
    .path = "/v1/cases",
    .fields = no_fields,
    .cols = case_cols,
    .filters = case_filters,
};

static int case_list(struct mdt_cli *cli, struct mdt_inv *inv)
{
    return mdt_res_list(cli, inv, &cases);
}

/* The day of an RFC 3339 time ("2026-11-23T14:32:42+00:00"), or the
 * whole value when it is not one. new */
static char *day_of(const json_t *t)
{
    const char *s = json_string_value(t);

    if (s && strlen(s) >= 10 && s[4] == '-' && s[7] == '-')
        return mdt_xasprintf("%.10s", s);
    return mdt_out_value(t);
}

/* A case's closure for people: "closure: stepped down on DAY" (or
 * "open") and "purged: yes, on DAY" or "no", in place of the raw
 * closure, closed_at and purged_at. Changes obj. */
static void closure_words(json_t *obj)
{
    const json_t *closure = json_object_get(obj, "closure");
    const json_t *closed = json_object_get(obj, "closed_at"),
                 *purged = json_object_get(obj, "purged_at");
    char *words, *day;

    if (json_is_string(closure)) {
        day = day_of(closed);
        words = mdt_xasprintf(
            "%s%s%s",
            strcmp(json_string_value(closure), "stepped_down") == 0 ? "stepped down"
                                                                    : json_string_value(closure),
            json_is_string(closed) ? " on " : "", json_is_string(closed) ? day : "");
        free(day);
    } else {
        words = mdt_xstrdup("open");
    }
    if (json_is_string(purged)) {
        day = day_of(purged);
        json_object_set_new(obj, "purged", json_sprintf("yes, on %s", day));
        free(day);
    } else {
        json_object_set_new(obj, "purged", json_string("no"));
    }
    json_object_set_new(obj, "closure", json_string(words));
    json_object_del(obj, "closed_at");
    json_object_del(obj, "purged_at");
    free(words);
}

/* GET /v1/cases/ID; its closure (closure, closed_at, purged_at) is put in
 * words for people. */
static int case_show(struct mdt_cli *cli, struct mdt_inv *inv)
{
    json_t *out = NULL;
    char *path;
    int rc;

    if (!all_digits(inv->pos[0]))
        return mdt_usage_error(inv, "a case is shown by its id (a number), not '%s'",
                               inv->pos[0]);
    path = mdt_xasprintf("/v1/cases/%s", inv->pos[0]);
    if ((rc = mdt_http_json(cli, "GET", path, NULL, &out)) != MDT_EXIT_OK)
        goto out;
    if (!json_is_object(out)) {
        rc = mdt_fail("the server's answer is not an object");
        goto out;
    }
    if (!cli->json)
        closure_words(out);
    rc = mdt_out_object(cli, out);
out:
    json_decref(out);
    free(path);
    return rc;
}

static const struct mdt_opt list_opts[] = {
    {"pcn", "PCN", "only cases of this PCN", NULL, 0},
    {"pseudonym", "P", "only cases of this person", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};

static const struct mdt_opt submit_opts[] = {
    {"meeting", "ID", "put the case on this meeting's agenda", NULL, 0},
    {"next", "PCN", "put the case on the PCN's next meeting with room", NULL, 0},
    {"yes", NULL, "submit without asking (required when stdin is not a terminal)", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};

static const struct mdt_cmd cmds[] = {
    {"new", "", "print a case file template to fill in (mdt case new > case.json)", NULL, 0, 0,
     case_new},
    {"scrub", "FILE", "print the scrubbed payload that submit would send (offline)", NULL, 1, 1,
     case_scrub},
    {"submit", "FILE (--meeting ID | --next PCN) [--yes]",
     "scrub, confirm and submit a case; record the person in the vault", submit_opts, 1, 1,
     case_submit},
    {"list", "[--pcn PCN] [--pseudonym P]", "list submitted cases (from the server)", list_opts, 0,
     0, case_list},
    {"show", "ID", "show a submitted case (from the server), with its closure", NULL, 1, 1,
     case_show},
    {"find", "TEXT", "search the vault by name, NHS number or pseudonym (offline)", NULL, 1, 1,
     case_find},
    {"reveal", "PSEUDONYM", "print who a pseudonym stands for (offline)", NULL, 1, 1, case_reveal},
    {"status", "CASE", "the case's plan, each action's status and its history", NULL, 1, 1,
     mdt_case_status},
    {"close", "CASE", "close the case (its text is purged after purge_after)", NULL, 1, 1,
     mdt_case_close},
    {"step-down", "CASE", "step the case down (its text is purged after purge_after)", NULL, 1, 1,
     mdt_case_step_down},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const struct mdt_group mdt_group_case = {
    "case", "cases: scrub locally, submit, and find people again in the vault", cmds};
