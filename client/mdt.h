/* mdt: the command-line client. Commands are grouped ("mdt org create");
 * each group lives in its own cmd-*.c and exports a table of commands. */
#ifndef MDT_CLIENT_H
#define MDT_CLIENT_H

#include <stddef.h>

#include <jansson.h>

#include "args.h"
#include "buf.h"

#define MDT_VERSION "0.1.0"

/* Exit statuses. */
enum {
    MDT_EXIT_OK = 0,
    MDT_EXIT_FAIL = 1,  /* the server, the network or a local file refused */
    MDT_EXIT_USAGE = 2, /* bad arguments */
};

/* Start-up configuration of one run. */
struct mdt_cli {
    int json;     /* --json: machine output */
    char *url;    /* owned; the server's base URL, no trailing '/' */
    char *token;  /* owned */
    char *ca;     /* owned; a CA file for TLS, or NULL for the system's */
    int loaded;   /* the configuration has been read */
    int curl;     /* libcurl is initialised (only commands that talk to the server do) */
    /* Set around one request to follow its upload on a terminal: called
     * with the bytes sent and the total as they change. */
    void (*progress)(void *arg, long long sent, long long total);
    void *progress_arg;
};

/* What a command gets: its options (parsed) and positional arguments. */
struct mdt_inv {
    const char *group, *cmd;
    struct mdt_opt *opts; /* borrowed */
    char **pos;           /* borrowed */
    int npos;
    int argc;             /* the command's own arguments (borrowed), for */
    char **argv;          /* options that may be given many times */
};

struct mdt_cmd {
    const char *name;
    const char *usage;   /* after "mdt GROUP NAME ": "--name NAME [--pcn PCN]" */
    const char *summary; /* one line */
    const struct mdt_opt *opts; /* template; NULL-name terminated; may be NULL */
    int min_pos, max_pos;       /* positional arguments allowed (-1: any number) */
    int (*run)(struct mdt_cli *cli, struct mdt_inv *inv);
};

struct mdt_group {
    const char *name;
    const char *summary;
    const struct mdt_cmd *cmds; /* NULL-name terminated */
};

/* main.c */
/* Prints "mdt: GROUP CMD: message" and a hint to stderr; returns
 * MDT_EXIT_USAGE. */
int mdt_usage_error(const struct mdt_inv *inv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints "mdt: message" to stderr; returns MDT_EXIT_FAIL. */
int mdt_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* borrowed: the option's value, or NULL when not given. */
const char *mdt_opt(const struct mdt_inv *inv, const char *name);
/* Every value of an option that may be given many times ("--action A
 * --action B"), in order; *n counts them. new: an array of borrowed
 * strings (free the array). */
const char **mdt_opt_all(const struct mdt_inv *inv, const char *name, int *n);
/* Requires the option: its value, or NULL after printing a usage error
 * (the caller returns MDT_EXIT_USAGE). */
const char *mdt_opt_required(const struct mdt_inv *inv, const char *name);

/* config.c */
/* Reads MDT_URL/MDT_TOKEN/MDT_CA, then the config file for what the
 * environment leaves unset. Returns MDT_EXIT_OK or prints the reason and
 * returns MDT_EXIT_FAIL. Needs a URL and a token. */
int mdt_config_load(struct mdt_cli *cli);
void mdt_config_release(struct mdt_cli *cli);

/* http.c */
/* Sends a request to the server. body (may be NULL) is sent with ctype.
 * On a 2xx answer returns MDT_EXIT_OK and *out is new (json_decref; NULL
 * for an empty answer). Otherwise prints the one-line reason ("cannot
 * reach URL: ...", or the server's error message and field) and returns
 * MDT_EXIT_FAIL; *status and *error (both optional) then give the HTTP
 * status (0: no answer) and the server's error object (new, or NULL). */
int mdt_http(struct mdt_cli *cli, const char *method, const char *path, const char *ctype,
             const char *body, size_t len, json_t **out, long *status, json_t **error);
/* The same with a JSON body (borrowed; NULL for none). */
int mdt_http_json(struct mdt_cli *cli, const char *method, const char *path, const json_t *body,
                  json_t **out);
/* new: prefix followed by ref URL-encoded ("/v1/orgs/" "Lewisham%20Homes"). */
char *mdt_http_path(const char *prefix, const char *ref);
/* Appends "&name=value" (or "?" first), value URL-encoded, to path. */
void mdt_http_query(struct mdt_buf *path, const char *name, const char *value);

/* output.c */
struct mdt_col {
    const char *header;
    const char *path; /* "name", "org.name" */
};
/* Prints v as indented JSON and a newline. */
int mdt_out_json(const json_t *v);
/* A list: JSON array with --json, else a table of cols. */
int mdt_out_list(const struct mdt_cli *cli, const json_t *arr, const struct mdt_col *cols);
/* One object: JSON with --json, else "field: value" lines. */
int mdt_out_object(const struct mdt_cli *cli, const json_t *obj);
/* new: the display text of a value (objects by name, arrays joined; "" for
 * NULL, a field the answer lacks). */
char *mdt_out_value(const json_t *v);
/* borrowed: the value at a dotted path, or NULL. */
json_t *mdt_out_lookup(const json_t *v, const char *path);
/* Writes a table to stdout. Returns 0 or MDT_EXIT_FAIL. */
int mdt_out_table(const struct mdt_col *cols, const json_t *arr);
/* Reads a whole file (or stdin for "-") of at most cap bytes into out.
 * Returns 0 or prints "mdt: FILE: reason" and returns MDT_EXIT_FAIL. */
int mdt_read_file(const char *path, size_t cap, struct mdt_buf *out);

/* resource.c: the create/list/show/update/delete pattern shared by the
 * directory groups. */
struct mdt_field {
    const char *opt;  /* option name, "needs" */
    const char *key;  /* JSON key, "needs" */
    enum { MDT_F_STRING, MDT_F_LIST, MDT_F_REF, MDT_F_NULLABLE, MDT_F_INT } type;
};
struct mdt_resource {
    const char *noun;   /* "organisation" */
    const char *path;   /* "/v1/orgs" */
    const struct mdt_field *fields;    /* settable by create and update */
    const char *const *required;       /* options create requires */
    const struct mdt_col *cols;        /* list columns */
    const char *const *filters;        /* list options passed on as query parameters */
    /* Prints one object for create, show and update; NULL: mdt_out_object. */
    int (*print)(const struct mdt_cli *cli, const json_t *obj);
};
int mdt_res_create(struct mdt_cli *cli, struct mdt_inv *inv, const struct mdt_resource *r);
int mdt_res_list(struct mdt_cli *cli, struct mdt_inv *inv, const struct mdt_resource *r);
int mdt_res_show(struct mdt_cli *cli, struct mdt_inv *inv, const struct mdt_resource *r);
int mdt_res_update(struct mdt_cli *cli, struct mdt_inv *inv, const struct mdt_resource *r);
int mdt_res_delete(struct mdt_cli *cli, struct mdt_inv *inv, const struct mdt_resource *r);
/* Adds the fields given as options to body. Returns the number added, or
 * -1 after a usage error. */
int mdt_res_fields(const struct mdt_inv *inv, const struct mdt_field *fields, json_t *body);

/* The command groups (cmd-*.c). */
extern const struct mdt_group mdt_group_token, mdt_group_org, mdt_group_person, mdt_group_pcn,
    mdt_group_list, mdt_group_import, mdt_group_key, mdt_group_case, mdt_group_audit;
/* cmd-invite.c, cmd-feed.c */
extern const struct mdt_group mdt_group_invite, mdt_group_feed;
/* `mdt meeting attendees ID`, for the meeting group's table. */
int mdt_meeting_attendees(struct mdt_cli *cli, struct mdt_inv *inv);

/* cmd-series.c, cmd-meeting.c, cmd-agenda.c */
extern const struct mdt_group mdt_group_series, mdt_group_meeting, mdt_group_agenda;
/* cmd-outbox.c */
extern const struct mdt_group mdt_group_outbox;
/* cmd-outcome.c, cmd-plan.c, cmd-action.c, cmd-purge.c */
extern const struct mdt_group mdt_group_outcome, mdt_group_plan, mdt_group_action,
    mdt_group_actions, mdt_group_purge;
/* cmd-report.c */
extern const struct mdt_group mdt_group_report;
/* `mdt case status|close|step-down CASE` (cmd-plan.c), for the case group. */
int mdt_case_status(struct mdt_cli *cli, struct mdt_inv *inv);
int mdt_case_close(struct mdt_cli *cli, struct mdt_inv *inv);
int mdt_case_step_down(struct mdt_cli *cli, struct mdt_inv *inv);

/* cmd-key.c: loads the pseudonym key for case commands. Returns
 * MDT_EXIT_OK, or prints the reason ("no pseudonym key: run 'mdt key
 * init' or 'mdt key import'") and returns MDT_EXIT_FAIL. */
int mdt_key_require(unsigned char key[32]);

#endif
