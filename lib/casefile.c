/* The case file: parsing and validation (the scrubbing is in scrub.c). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pseudonym.h"
#include "scrub-internal.h"
#include "xmalloc.h"

/* Bounds on a case file, so an untrusted file cannot make us work without
 * limit. */
#define CASE_MAX_BYTES (1024 * 1024)
#define TEXT_MAX_BYTES (64 * 1024)
#define FIELD_MAX_BYTES 512
#define NEEDS_MAX 32
#define NEED_MAX_BYTES 100

void mdt_case_free(struct mdt_case *c)
{
    if (c == NULL)
        return;
    free(c->client.name);
    free(c->client.nhs_number);
    free(c->client.date_of_birth);
    free(c->client.address);
    free(c->client.postcode);
    free(c->client.phone);
    free(c->client.email);
    for (size_t k = 0; k < c->n_needs; k++)
        free(c->needs[k]);
    free(c->needs);
    free(c->presentation);
    free(c->question);
    free(c->risk);
    free(c);
}

const struct mdt_client *mdt_case_client(const struct mdt_case *c)
{
    return &c->client;
}

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

/* A string field: *out is new, NULL when absent and not required. */
static int get_string(json_t *obj, const char *key, const char *field, bool required,
                      size_t max, char **out, struct mdt_buf *err)
{
    json_t *v = json_object_get(obj, key);
    const char *s;
    size_t n;

    *out = NULL;
    if (v == NULL || json_is_null(v)) {
        if (!required)
            return 0;
        mdt_buf_printf(err, "%s: required", field);
        return -EINVAL;
    }
    if (!json_is_string(v)) {
        mdt_buf_printf(err, "%s: not a string", field);
        return -EINVAL;
    }
    s = json_string_value(v);
    n = json_string_length(v);
    if (n != strlen(s)) {
        mdt_buf_printf(err, "%s: contains a NUL character", field);
        return -EINVAL;
    }
    if (n > max) {
        mdt_buf_printf(err, "%s: too long (%zu bytes, at most %zu)", field, n, max);
        return -EINVAL;
    }
    if (required && blank(s)) {
        mdt_buf_printf(err, "%s: must not be empty", field);
        return -EINVAL;
    }
    *out = mdt_xstrndup(s, n);
    return 0;
}

static int check_keys(json_t *obj, const char *prefix, const char *const *allowed,
                      struct mdt_buf *err)
{
    const char *key;
    json_t *v;

    json_object_foreach(obj, key, v) {
        bool ok = false;
        (void)v;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(key, *a) == 0)
                ok = true;
        if (!ok) {
            /* name the field without echoing much of an unknown key */
            mdt_buf_printf(err, "%s%.40s: unknown field", prefix, key);
            return -EINVAL;
        }
    }
    return 0;
}

static bool nhs_number_ok(const char *s)
{
    int d[10], n = 0, sum = 0, check;

    for (; *s; s++) {
        if (*s >= '0' && *s <= '9') {
            if (n == 10)
                return false;
            d[n++] = *s - '0';
        } else if (*s != ' ' && *s != '-') {
            return false;
        }
    }
    if (n != 10)
        return false;
    for (int k = 0; k < 9; k++)
        sum += d[k] * (10 - k);
    check = 11 - sum % 11;
    if (check == 11)
        check = 0;
    return check != 10 && check == d[9];
}

static int parse_client(json_t *cl, struct mdt_client *c, struct mdt_buf *err)
{
    static const char *const keys[] = {"name",     "nhs_number", "date_of_birth", "address",
                                       "postcode", "phone",      "email",         NULL};
    int y, m, d, rc;

    if (cl == NULL) {
        mdt_buf_adds(err, "client: required");
        return -EINVAL;
    }
    if (!json_is_object(cl)) {
        mdt_buf_adds(err, "client: not an object");
        return -EINVAL;
    }
    if ((rc = check_keys(cl, "client.", keys, err)) < 0 ||
        (rc = get_string(cl, "name", "client.name", true, FIELD_MAX_BYTES, &c->name, err)) < 0 ||
        (rc = get_string(cl, "nhs_number", "client.nhs_number", false, 32, &c->nhs_number,
                         err)) < 0 ||
        (rc = get_string(cl, "date_of_birth", "client.date_of_birth", true, 32,
                         &c->date_of_birth, err)) < 0 ||
        (rc = get_string(cl, "address", "client.address", false, FIELD_MAX_BYTES, &c->address,
                         err)) < 0 ||
        (rc = get_string(cl, "postcode", "client.postcode", false, 16, &c->postcode, err)) < 0 ||
        (rc = get_string(cl, "phone", "client.phone", false, 32, &c->phone, err)) < 0 ||
        (rc = get_string(cl, "email", "client.email", false, 254, &c->email, err)) < 0)
        return rc;
    if (mdt_date_parse(c->date_of_birth, &y, &m, &d) < 0) {
        mdt_buf_adds(err, "client.date_of_birth: not a date (YYYY-MM-DD)");
        return -EINVAL;
    }
    if (c->nhs_number && !nhs_number_ok(c->nhs_number)) {
        mdt_buf_adds(err, "client.nhs_number: not a valid NHS number (10 digits, Modulus 11)");
        return -EINVAL;
    }
    if (c->email && (strchr(c->email, '@') == NULL || strchr(c->email, ' '))) {
        mdt_buf_adds(err, "client.email: not an email address");
        return -EINVAL;
    }
    if (c->phone) {
        int digits = 0;
        for (const char *p = c->phone; *p; p++) {
            if (*p >= '0' && *p <= '9')
                digits++;
            else if (!strchr(" +()-.", *p)) {
                digits = -1;
                break;
            }
        }
        if (digits < 9 || digits > 15) {
            mdt_buf_adds(err, "client.phone: not a phone number");
            return -EINVAL;
        }
    }
    if (c->postcode) {
        int alnum = 0;
        for (const char *p = c->postcode; *p; p++) {
            if ((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
                alnum++;
            else if (*p != ' ') {
                alnum = -1;
                break;
            }
        }
        if (alnum < 5 || alnum > 7) {
            mdt_buf_adds(err, "client.postcode: not a UK postcode");
            return -EINVAL;
        }
    }
    return 0;
}

int mdt_case_parse(const char *json, size_t len, struct mdt_case **out, struct mdt_buf *err)
{
    static const char *const keys[] = {"client", "needs", "presentation", "question", "risk",
                                       NULL};
    struct mdt_case *c = NULL;
    json_t *root = NULL, *needs;
    json_error_t jerr;
    int rc = -EINVAL;

    *out = NULL;
    if (len > CASE_MAX_BYTES) {
        mdt_buf_printf(err, "case file: too large (%zu bytes, at most %d)", len, CASE_MAX_BYTES);
        goto out;
    }
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        mdt_buf_printf(err, "case file: not valid JSON (line %d, column %d): %s", jerr.line,
                       jerr.column, jerr.text);
        goto out;
    }
    if (!json_is_object(root)) {
        mdt_buf_adds(err, "case file: not a JSON object");
        goto out;
    }
    c = mdt_xcalloc(1, sizeof(*c));
    if ((rc = check_keys(root, "", keys, err)) < 0 ||
        (rc = parse_client(json_object_get(root, "client"), &c->client, err)) < 0 ||
        (rc = get_string(root, "presentation", "presentation", true, TEXT_MAX_BYTES,
                         &c->presentation, err)) < 0 ||
        (rc = get_string(root, "question", "question", true, TEXT_MAX_BYTES, &c->question,
                         err)) < 0)
        goto out;
    /* risk notes may be empty ("none known") but must be there */
    if (json_object_get(root, "risk") == NULL) {
        mdt_buf_adds(err, "risk: required");
        rc = -EINVAL;
        goto out;
    }
    if ((rc = get_string(root, "risk", "risk", false, TEXT_MAX_BYTES, &c->risk, err)) < 0)
        goto out;
    if (c->risk == NULL) {
        mdt_buf_adds(err, "risk: not a string");
        rc = -EINVAL;
        goto out;
    }
    needs = json_object_get(root, "needs");
    if (needs != NULL) {
        size_t k;
        json_t *v;
        if (!json_is_array(needs)) {
            mdt_buf_adds(err, "needs: not an array");
            rc = -EINVAL;
            goto out;
        }
        if (json_array_size(needs) > NEEDS_MAX) {
            mdt_buf_printf(err, "needs: too many (%zu, at most %d)", json_array_size(needs),
                           NEEDS_MAX);
            rc = -EINVAL;
            goto out;
        }
        c->needs = mdt_xcalloc(json_array_size(needs) + 1, sizeof(*c->needs));
        json_array_foreach(needs, k, v) {
            char field[32];
            json_t *wrap = json_object();
            snprintf(field, sizeof(field), "needs[%zu]", k);
            json_object_set(wrap, "v", v);
            rc = get_string(wrap, "v", field, true, NEED_MAX_BYTES, &c->needs[k], err);
            json_decref(wrap);
            if (rc < 0)
                goto out;
            c->n_needs = k + 1;
        }
    }
    *out = c;
    c = NULL;
    rc = 0;
out:
    mdt_case_free(c);
    json_decref(root);
    return rc;
}

