/* Field rules shared by every route and by the CSV import. The pure
 * checks return the rule a value breaks (for messages "FIELD: RULE"); the
 * request helpers answer 422 naming the field. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mdtd.h"

const char *const mdt_org_kinds[] = {"nhs", "gp_practice", "vcse", "council", "police", "housing",
                                     "social_care", "probation", "dwp", "education", "employment",
                                     "other", NULL};
const char *const mdt_needs[] = {"housing", "debt", "benefits", "employment", "training",
                                 "volunteering", "physical_health", "substance_use", "carers",
                                 "isolation", "mental_health", "crisis", "legal", "domestic_abuse",
                                 "bereavement", "immigration", "food_poverty", "digital_exclusion",
                                 "exploitation", "education", NULL};
const char *const mdt_capacities[] = {"open", "limited", "closed", NULL};

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    return n;
}

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

const char *mdt_check_name(const char *v)
{
    size_t n = utf8_chars(v);

    if (n == 0 || n > 200)
        return "must be 1 to 200 characters";
    if (has_control(v))
        return "must not contain control characters";
    if (v[0] == ' ' || v[strlen(v) - 1] == ' ')
        return "must not start or end with a space";
    return NULL;
}

/* A practical address check: one @, a local part and a dotted domain of
 * letters, digits and hyphens; no spaces or control characters. */
const char *mdt_check_email(const char *v)
{
    const char *at = strchr(v, '@'), *d, *label;
    size_t len = strlen(v);

    if (len == 0 || len > 254 || at == NULL || at == v || strchr(at + 1, '@') || at - v > 64)
        return "not a valid email address";
    for (const char *p = v; p < at; p++)
        if ((unsigned char)*p <= ' ' || *p == '"' || *p == '(' || *p == ')' || *p == ',' ||
            *p == ':' || *p == ';' || *p == '<' || *p == '>' || *p == '[' || *p == ']' ||
            *p == '\\' || (unsigned char)*p >= 0x7f)
            return "not a valid email address";
    if (v[0] == '.' || at[-1] == '.' || strstr(v, "..") != NULL)
        return "not a valid email address";
    d = at + 1;
    if (strchr(d, '.') == NULL)
        return "not a valid email address";
    label = d;
    for (const char *p = d;; p++) {
        if (*p == '.' || *p == '\0') {
            if (p == label || label[0] == '-' || p[-1] == '-' || p - label > 63)
                return "not a valid email address";
            if (*p == '\0')
                break;
            label = p + 1;
        } else if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || *p == '-')) {
            return "not a valid email address";
        }
    }
    return NULL;
}

const char *mdt_check_url(const char *v)
{
    const char *host;

    if (strncmp(v, "https://", 8) == 0)
        host = v + 8;
    else if (strncmp(v, "http://", 7) == 0)
        host = v + 7;
    else
        return "must be an http:// or https:// URL";
    if (*host == '\0' || *host == '/' || strlen(v) > 2000)
        return "must be an http:// or https:// URL";
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
            return "must be an http:// or https:// URL without spaces";
    return NULL;
}

const char *mdt_check_enum(const char *v, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(v, *set) == 0)
            return NULL;
    return "not one of the allowed values";
}

int mdt_fields_known(struct mdt_req *r, const char *const *allowed)
{
    const char *key;
    json_t *v;

    json_object_foreach(r->body, key, v) {
        const char *const *a;
        for (a = allowed; *a && strcmp(*a, key) != 0; a++)
            ;
        if (*a == NULL) {
            mdt_reply_error(r, 422, "invalid", key, "%s: unknown field", key);
            return -1;
        }
    }
    return 0;
}

int mdt_field_str(struct mdt_req *r, const char *field, int required, const char **out)
{
    json_t *v = json_object_get(r->body, field);

    *out = NULL;
    if (v == NULL || (json_is_null(v) && !required)) {
        if (!required)
            return 0;
        mdt_reply_error(r, 422, "invalid", field, "%s: required", field);
        return -1;
    }
    if (!json_is_string(v)) {
        mdt_reply_error(r, 422, "invalid", field, "%s: must be a string", field);
        return -1;
    }
    if (strlen(json_string_value(v)) != json_string_length(v)) {
        mdt_reply_error(r, 422, "invalid", field, "%s: must not contain NUL", field);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

int mdt_field_set_array(struct mdt_req *r, const char *field, const char *const *set,
                        json_t **out)
{
    json_t *v = json_object_get(r->body, field), *res = NULL, *e;
    size_t i, j;

    *out = NULL;
    if (v == NULL)
        return 0;
    if (!json_is_array(v)) {
        mdt_reply_error(r, 422, "invalid", field, "%s: must be an array of strings", field);
        return -1;
    }
    res = json_array();
    json_array_foreach(v, i, e) {
        char path[64];
        snprintf(path, sizeof(path), "%s.%zu", field, i);
        if (!json_is_string(e) || mdt_check_enum(json_string_value(e), set)) {
            mdt_reply_error(r, 422, "invalid", path, "%s: not one of the allowed values", path);
            json_decref(res);
            return -1;
        }
        for (j = 0; j < i; j++)
            if (json_equal(json_array_get(v, j), e)) {
                mdt_reply_error(r, 422, "invalid", path, "%s: listed twice", path);
                json_decref(res);
                return -1;
            }
        json_array_append(res, e);
    }
    *out = res;
    return 0;
}

int mdt_field_version(struct mdt_req *r, int64_t *out)
{
    json_t *v = json_object_get(r->body, "version");

    *out = -1;
    if (v == NULL)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 1) {
        mdt_reply_error(r, 422, "invalid", "version", "version: must be a positive integer");
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

static int all_digits(const char *s)
{
    if (*s == '\0' || strlen(s) > 18)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

int64_t mdt_lookup_ref(struct mdt_db *db, const char *ref, const char *sql_by_id,
                       const char *sql_by_name)
{
    sqlite3_stmt *st;
    int64_t id;
    int rc;

    if (all_digits(ref)) {
        if ((st = mdt_db_stmt(db, sql_by_id)) == NULL)
            return -EPROTO;
        sqlite3_bind_int64(st, 1, strtoll(ref, NULL, 10));
    } else {
        if ((st = mdt_db_stmt(db, sql_by_name)) == NULL)
            return -EPROTO;
        sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
    }
    rc = mdt_db_step(db, st);
    if (rc <= 0)
        return rc < 0 ? rc : -ENOENT;
    id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return id;
}

int64_t mdt_lookup_json_ref(struct mdt_db *db, json_t *v, const char *sql_by_id,
                            const char *sql_by_name)
{
    char num[32];

    if (json_is_integer(v)) {
        if (json_integer_value(v) < 1)
            return -ENOENT;
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
        return mdt_lookup_ref(db, num, sql_by_id, sql_by_name);
    }
    if (json_is_string(v) && json_string_value(v)[0])
        return mdt_lookup_ref(db, json_string_value(v), sql_by_id, sql_by_name);
    return -EINVAL;
}

int mdt_field_ref(struct mdt_req *r, const char *field, const char *sql_by_id,
                  const char *sql_by_name, const char *what, int64_t *out)
{
    json_t *v = json_object_get(r->body, field);
    int64_t id;

    *out = 0;
    if (v == NULL || json_is_null(v))
        return 0;
    id = mdt_lookup_json_ref(r->db, v, sql_by_id, sql_by_name);
    if (id == -ENOENT || id == -EINVAL) {
        mdt_reply_error(r, 422, "invalid", field, "%s: no such %s", field, what);
        return -1;
    }
    if (id < 0) {
        mdt_reply_errno(r, (int)id, NULL, what);
        return -1;
    }
    *out = id;
    return 0;
}

int mdt_param_ref(struct mdt_req *r, const char *field, const char *value, const char *sql_by_id,
                  const char *sql_by_name, const char *what, int64_t *out)
{
    int64_t id;

    *out = 0;
    if (value == NULL)
        return 0;
    id = mdt_lookup_ref(r->db, value, sql_by_id, sql_by_name);
    if (id == -ENOENT) {
        mdt_reply_error(r, 422, "invalid", field, "%s: no such %s", field, what);
        return -1;
    }
    if (id < 0) {
        mdt_reply_errno(r, (int)id, NULL, what);
        return -1;
    }
    *out = id;
    return 0;
}

static json_t *ref_json(struct mdt_db *db, const char *sql, int64_t id)
{
    sqlite3_stmt *st;
    json_t *j = NULL;

    if (id == 0 || (st = mdt_db_stmt(db, sql)) == NULL)
        return json_null();
    sqlite3_bind_int64(st, 1, id);
    if (mdt_db_step(db, st) == 1)
        j = json_pack("{s:I, s:s}", "id", (json_int_t)id, "name",
                      (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return j ? j : json_null();
}

json_t *mdt_org_ref_json(struct mdt_db *db, int64_t id)
{
    return ref_json(db, "SELECT name FROM orgs WHERE id = ?1", id);
}

json_t *mdt_pcn_ref_json(struct mdt_db *db, int64_t id)
{
    return ref_json(db, "SELECT name FROM pcns WHERE id = ?1", id);
}
