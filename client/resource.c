/* The create / list / show / update / delete pattern of the directory
 * (organisations, people, PCNs, distribution lists). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdt.h"
#include "xmalloc.h"

static int all_digits(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

/* "a, b,c" → ["a","b","c"] appended to arr; empty items are dropped, so
 * "" clears. */
static void split_list(json_t *arr, const char *s)
{
    const char *p = s;

    while (*p) {
        const char *end = strchr(p, ',');
        const char *a = p, *b = end ? end : p + strlen(p);

        while (a < b && isspace((unsigned char)*a))
            a++;
        while (b > a && isspace((unsigned char)b[-1]))
            b--;
        if (b > a)
            json_array_append_new(arr, json_stringn(a, (size_t)(b - a)));
        if (end == NULL)
            break;
        p = end + 1;
    }
}

/* Every --OPT given, each split at commas: "--needs housing --needs
 * debt,benefits" and "--needs housing,debt,benefits" say the same. */
static json_t *list_value(const struct mdt_inv *inv, const char *opt)
{
    json_t *arr = json_array();
    int n;
    const char **all = mdt_opt_all(inv, opt, &n);

    for (int i = 0; i < n; i++)
        split_list(arr, all[i]);
    free(all);
    return arr;
}

static int print_one(const struct mdt_cli *cli, const struct mdt_resource *r, const json_t *obj)
{
    return r->print ? r->print(cli, obj) : mdt_out_object(cli, obj);
}

int mdt_res_fields(const struct mdt_inv *inv, const struct mdt_field *fields, json_t *body)
{
    int n = 0;

    for (const struct mdt_field *f = fields; f->opt; f++) {
        const char *v = mdt_opt(inv, f->opt);
        json_t *j = NULL;

        if (v == NULL)
            continue;
        switch (f->type) {
        case MDT_F_STRING:
            j = json_string(v);
            break;
        case MDT_F_NULLABLE:
            j = *v ? json_string(v) : json_null();
            break;
        case MDT_F_LIST:
            j = list_value(inv, f->opt);
            break;
        case MDT_F_REF:
            /* References take an id or a name; ids travel as numbers. */
            j = all_digits(v) ? json_integer(strtoll(v, NULL, 10)) : json_string(v);
            break;
        case MDT_F_INT:
            if (!all_digits(v) || strlen(v) > 15) {
                mdt_usage_error(inv, "--%s: not a number: '%s'", f->opt, v);
                return -1;
            }
            j = json_integer(strtoll(v, NULL, 10));
            break;
        }
        if (j == NULL) {
            /* json_string refuses text that is not UTF-8. */
            mdt_usage_error(inv, "--%s: not valid UTF-8", f->opt);
            return -1;
        }
        json_object_set_new(body, f->key, j);
        n++;
    }
    return n;
}

int mdt_res_create(struct mdt_cli *cli, struct mdt_inv *inv, const struct mdt_resource *r)
{
    json_t *body = json_object(), *out = NULL;
    int rc;

    for (const char *const *req = r->required; req && *req; req++)
        if (mdt_opt_required(inv, *req) == NULL) {
            rc = MDT_EXIT_USAGE;
            goto out;
        }
    if (mdt_res_fields(inv, r->fields, body) < 0) {
        rc = MDT_EXIT_USAGE;
        goto out;
    }
    if ((rc = mdt_http_json(cli, "POST", r->path, body, &out)) != MDT_EXIT_OK)
        goto out;
    if (!cli->json) {
        char *id = mdt_out_value(json_object_get(out, "id"));

        printf("Created %s %s.\n", r->noun, id);
        free(id);
    }
    rc = print_one(cli, r, out);
out:
    json_decref(body);
    json_decref(out);
    return rc;
}

int mdt_res_list(struct mdt_cli *cli, struct mdt_inv *inv, const struct mdt_resource *r)
{
    struct mdt_buf path;
    json_t *out = NULL;
    int rc;

    mdt_buf_init(&path, MDT_BUF_NOCAP);
    mdt_buf_adds(&path, r->path);
    for (const char *const *f = r->filters; f && *f; f++) {
        const char *v = mdt_opt(inv, *f);

        if (v)
            mdt_http_query(&path, *f, v);
    }
    if ((rc = mdt_http_json(cli, "GET", mdt_buf_str(&path), NULL, &out)) == MDT_EXIT_OK)
        rc = mdt_out_list(cli, out, r->cols);
    json_decref(out);
    mdt_buf_release(&path);
    return rc;
}

static char *ref_path(const struct mdt_resource *r, const char *ref)
{
    char *prefix = mdt_xasprintf("%s/", r->path);
    char *p = mdt_http_path(prefix, ref);

    free(prefix);
    return p;
}

int mdt_res_show(struct mdt_cli *cli, struct mdt_inv *inv, const struct mdt_resource *r)
{
    char *path = ref_path(r, inv->pos[0]);
    json_t *out = NULL;
    int rc;

    if ((rc = mdt_http_json(cli, "GET", path, NULL, &out)) == MDT_EXIT_OK)
        rc = print_one(cli, r, out);
    json_decref(out);
    free(path);
    return rc;
}

int mdt_res_update(struct mdt_cli *cli, struct mdt_inv *inv, const struct mdt_resource *r)
{
    static const struct mdt_field version[] = {
        {"version", "version", MDT_F_INT},
        {NULL, NULL, MDT_F_STRING},
    };
    char *path = NULL;
    json_t *body = json_object(), *out = NULL;
    int n, rc;

    if ((n = mdt_res_fields(inv, r->fields, body)) < 0 ||
        mdt_res_fields(inv, version, body) < 0) {
        rc = MDT_EXIT_USAGE;
        goto out;
    }
    if (n == 0) {
        rc = mdt_usage_error(inv, "nothing to change: give at least one field");
        goto out;
    }
    path = ref_path(r, inv->pos[0]);
    if ((rc = mdt_http_json(cli, "PATCH", path, body, &out)) != MDT_EXIT_OK)
        goto out;
    if (!cli->json)
        printf("Updated %s %s.\n", r->noun, inv->pos[0]);
    rc = print_one(cli, r, out);
out:
    json_decref(body);
    json_decref(out);
    free(path);
    return rc;
}

int mdt_res_delete(struct mdt_cli *cli, struct mdt_inv *inv, const struct mdt_resource *r)
{
    char *path = ref_path(r, inv->pos[0]);
    json_t *out = NULL;
    int rc;

    if ((rc = mdt_http_json(cli, "DELETE", path, NULL, &out)) == MDT_EXIT_OK && !cli->json)
        printf("Deleted %s %s.\n", r->noun, inv->pos[0]);
    json_decref(out);
    free(path);
    return rc;
}
