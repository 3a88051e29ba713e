/* mdtd: the daemon's internal interfaces, grouped by the file that
 * defines them. */
#ifndef MDTD_H
#define MDTD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <sqlite3.h>

#include "buf.h"
#include "jsonw.h"
#include "utf8.h" /* mdt_utf8_valid, shared with the client */

#define MDTD_VERSION "0.1.0"

struct mdt_db;
struct mdt_req;
struct mdt_server;
struct mdt_scrub_ctx;
struct mdt_outbox;

/* config.c */

/* Start-up configuration: set once before the loop runs, read-only after. */
struct mdt_config {
    char *listen; /* HOST:PORT */
    char *db;
    char *public_url;
    char *smtp_url;
    char *smtp_from;
    /* Delivery of the outbox (outbox.c) */
    char *smtp_user;     /* NULL: no SMTP authentication */
    char *smtp_password;
    long long outbox_concurrency; /* transfers at once */
    long long outbox_attempts;    /* attempts before a message fails */
    long long outbox_backoff_min; /* seconds before the first retry */
    long long outbox_backoff_max; /* cap of the back-off, seconds */
    long long outbox_timeout;     /* seconds one transfer may take */
    long long outbox_poll;        /* seconds between looks at the table */
    char *tls_cert;
    char *tls_key;
    long long max_body;
    long long log_level; /* MDT_LOG_* */
    char *log_file;      /* NULL: stderr */
    char *tz;
    /* Connections and authentication failures (http.c) */
    long long max_connections;
    long long idle_timeout;   /* seconds */
    long long header_timeout; /* seconds */
    long long auth_fail_burst;
    long long auth_fail_per_minute;
    /* Meetings (meetings.c, scheduler.c) */
    long long agenda_days;        /* days before a meeting its agenda goes out */
    long long scheduler_interval; /* seconds between scheduler passes */
    char *holidays_file;          /* more one-off bank holidays, or NULL */
    /* Care plans (plans.c, actions.c, plan-notices.c) */
    long long action_link_days;       /* days a partner's action link works */
    long long action_reminder_days;   /* days before an action is due its owner is reminded */
    long long action_digest_interval; /* seconds between digests of overdue actions */
    long long action_escalate_after;  /* seconds overdue before the chair is told */
    long long purge_after;            /* seconds after closure a case's text is removed */
};

/* Fills c with the defaults of the option table. */
void mdt_config_init(struct mdt_config *c);
void mdt_config_release(struct mdt_config *c);
/* Sets one option by name (file keys use '_', flags may use '-'). On
 * failure returns -EINVAL and writes "message" (no location) to err. */
int mdt_config_set(struct mdt_config *c, const char *name, const char *value, struct mdt_buf *err);
/* Reads an INI file: errors are "FILE:LINE: message". */
int mdt_config_load(struct mdt_config *c, const char *path, struct mdt_buf *err);
/* Checks the options together (tls_cert needs tls_key, ...). */
int mdt_config_check(const struct mdt_config *c, struct mdt_buf *err);
/* Whether NAME is an option that takes a value (for flag parsing). */
int mdt_config_known(const char *name);
/* The option list generated from the table, for --help. */
void mdt_config_usage(FILE *f);
/* Splits "HOST:PORT"; host is new (caller frees). */
int mdt_config_split_listen(const char *listen, char **host, int *port);

/* db.c */

/* Sends SQLite's own log to ours; call before any other sqlite3 use. */
void mdt_db_global_init(void);
/* Opens (creating when create is set, with mode 0600) the database file
 * and sets WAL, synchronous=FULL, foreign keys and the busy timeout.
 * *out is new: mdt_db_close. */
int mdt_db_open(const char *path, int create, struct mdt_db **out, struct mdt_buf *err);
void mdt_db_close(struct mdt_db *db);
/* Applies the pending migrations of mdt_schema, each in a transaction.
 * *applied gets how many ran. Refuses (-EPROTO) a database newer than
 * this binary. */
int mdt_db_migrate(struct mdt_db *db, int *applied, struct mdt_buf *err);
int mdt_db_schema_version(struct mdt_db *db);
int mdt_db_latest_version(void);
/* Borrowed: the cached, reset statement for sql, or NULL (logged). */
sqlite3_stmt *mdt_db_stmt(struct mdt_db *db, const char *sql);
/* Steps st: 1 for a row, 0 when done (the statement is then reset),
 * negative errno on failure (through mdt_db_err). */
int mdt_db_step(struct mdt_db *db, sqlite3_stmt *st);
/* Transactions nest: inner levels only count; an inner rollback makes the
 * outermost commit roll back (and return -EPROTO). */
int mdt_db_begin(struct mdt_db *db);
int mdt_db_commit(struct mdt_db *db);
void mdt_db_rollback(struct mdt_db *db);
/* How many begins are open (0: none). */
int mdt_db_depth(const struct mdt_db *db);
/* Logs SQLite's message and maps rc: -EEXIST (unique), -EBUSY (foreign
 * key: dependants), -ENOSPC/-EROFS/-EIO/-EAGAIN (cannot write: 503),
 * -EPROTO (anything else). */
int mdt_db_err(struct mdt_db *db, int rc, const char *what);
sqlite3 *mdt_db_handle(struct mdt_db *db);
int64_t mdt_db_changes(struct mdt_db *db);
int64_t mdt_db_last_id(struct mdt_db *db);
/* 1 when changes can be written, 0 while the database is read-only: its
 * file or file system refused writes (opened read-only, or a write
 * failed with EROFS). A connection opened read-only is replaced here
 * (and at every mdt_db_begin) as soon as the files can be written: no
 * restart is needed. After an EROFS on an open file, the next commit
 * that writes rows ends the state. The state is logged once when a
 * change is first refused (a connection that only reads never logs it)
 * and once when it ends. */
int mdt_db_writable(struct mdt_db *db);
/* sqlite3_wal_hook on the connection, set again on every connection that
 * replaces it (fn NULL: none). */
void mdt_db_wal_hook(struct mdt_db *db, int (*fn)(void *, sqlite3 *, const char *, int), void *arg);

/* time in answers */
int64_t mdt_now(void);
/* new: RFC 3339 with the local (TZ) offset, e.g. 2027-04-13T10:00:00+01:00 */
json_t *mdt_json_time(int64_t t);
/* column i of st as a JSON time, or null when NULL */
json_t *mdt_json_time_col(sqlite3_stmt *st, int i);
/* column i as a JSON string, or null when NULL */
json_t *mdt_json_text_col(sqlite3_stmt *st, int i);
/* The same, written: column i as a time / string, null when NULL. */
void mdt_db_w_time(struct mdt_jsonw *w, sqlite3_stmt *st, int i);
void mdt_db_w_text(struct mdt_jsonw *w, sqlite3_stmt *st, int i);
/* {"id", "name"} from columns id_col and name_col (a LEFT JOIN's name),
 * or null when the id is 0 or NULL or the name NULL. */
void mdt_db_w_ref(struct mdt_jsonw *w, sqlite3_stmt *st, int id_col, int name_col);
/* A column holding JSON this program stored (needs arrays): copied when
 * it is a plain array of names, else parsed and written compact; []
 * when unreadable, as the answers always gave it. */
void mdt_db_w_json(struct mdt_jsonw *w, sqlite3_stmt *st, int i);

/* backup.c */

/* Copies the database open on src to the file dst with SQLite's online
 * backup API, a step at a time inside one read transaction of its own
 * (other connections keep writing). dst is written as DST.tmp-PID, checked
 * (integrity_check), synced and renamed; it is mode 0600 and needs no
 * -wal file. show_progress prints a percentage on stderr. */
int mdt_backup_from(sqlite3 *src, const char *dst, int show_progress, struct mdt_buf *err);
/* The same from the database file src. */
int mdt_backup_copy(const char *src, const char *dst, int show_progress, struct mdt_buf *err);
/* 1 (and the process id in *pid) when another process has the database
 * db open, 0 when nobody has, negative errno when it cannot tell. */
int mdt_backup_in_use(const char *db, long *pid);
/* Replaces db by the backup from: checks from (integrity, schema
 * version), refuses -EBUSY while db is open, copies it next to db and
 * renames it in. The old database is kept hard-linked as
 * DB.pre-restore-STAMP: *kept is its name (new; NULL when there was no
 * old database). */
int mdt_backup_restore(const char *from, const char *db, int show_progress, char **kept,
                       struct mdt_buf *err);

/* checkpoint.c: WAL checkpoints on the thread pool instead of inside the
 * loop's commits. new: replaces the connection's automatic checkpoint;
 * a commit leaving >= threshold WAL pages (<= 0: 1000) queues a PASSIVE
 * checkpoint with a connection of its own. */
struct mdt_checkpointer;
struct mdt_checkpointer *mdt_checkpointer_new(void *uv_loop, struct mdt_db *db, const char *path,
                                              int threshold);
/* Checkpoints completed so far. */
unsigned long mdt_checkpointer_done(const struct mdt_checkpointer *cp);
/* Unhooks it from db (may be NULL when db is closed) and frees it, or
 * leaves a running checkpoint to free it when it is back: run the loop
 * afterwards. */
void mdt_checkpointer_free(struct mdt_checkpointer *cp, struct mdt_db *db);

/* http.c */

enum mdt_role {
    MDT_ROLE_ADMIN = 1 << 0,
    MDT_ROLE_CHAIR = 1 << 1,
    MDT_ROLE_CASE_HOLDER = 1 << 2,
    MDT_ROLE_PARTNER = 1 << 3,
};
#define MDT_ROLES_ALL (MDT_ROLE_ADMIN | MDT_ROLE_CHAIR | MDT_ROLE_CASE_HOLDER | MDT_ROLE_PARTNER)
#define MDT_ROLES_STAFF (MDT_ROLE_ADMIN | MDT_ROLE_CHAIR)

const char *mdt_role_name(int role);
int mdt_role_parse(const char *s); /* 0 when unknown */

/* What a handler sees of a request. All pointers are borrowed for the
 * request's lifetime. */
struct mdt_req {
    struct mdt_server *srv;
    struct mdt_db *db;
    const struct mdt_scrub_ctx *scrub;
    const struct mdt_config *cfg;
    const char *param;  /* the decoded {ref}/{id} of the path, or NULL */
    json_t *body;       /* parsed JSON object of POST/PATCH, or NULL */
    const char *raw;    /* the raw body (CSV imports) */
    size_t raw_len;
    int64_t token_id;   /* 0 when none */
    int role;           /* MDT_ROLE_*, 0 when none */
    int64_t org_id;     /* the token's organisation, 0 when none */
    void *priv;         /* http.c's own state */
    struct mdt_outbox *outbox; /* delivery, for mdt_outbox_kick; may be NULL */
};

/* Each handler answers exactly once through one of these. */
void mdt_reply_json(struct mdt_req *r, int status, json_t *body); /* steals body */
/* Sends w's document and empties w (its memory is taken); 500 when the
 * writer failed. */
void mdt_reply_jsonw(struct mdt_req *r, int status, struct mdt_jsonw *w);
void mdt_reply_empty(struct mdt_req *r, int status);
/* Any other content type (an HTML page, a calendar): body (malloc'd) is
 * stolen, len its length. */
void mdt_reply_raw(struct mdt_req *r, int status, const char *ctype, char *body, size_t len);
void mdt_reply_error(struct mdt_req *r, int status, const char *code, const char *field,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* steals extra: its members are added to the "error" object */
void mdt_reply_error_extra(struct mdt_req *r, int status, const char *code, const char *field,
                           json_t *extra, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Answers a negative errno from the store: -ENOENT 404, -EEXIST and
 * -EBUSY 409 (naming field), 503 for a database that cannot be written,
 * 500 otherwise. what describes the object for the message. */
void mdt_reply_errno(struct mdt_req *r, int rc, const char *field, const char *what);
/* Borrowed (request pool): the decoded query parameter, or NULL. */
const char *mdt_req_query(struct mdt_req *r, const char *name);
/* Names the object a change acted on (its row id), for the audit log.
 * Without it http.c takes the "id" an answer starts with, or a numeric
 * {id} of the path. */
void mdt_req_set_object(struct mdt_req *r, int64_t id);

/* The server: h2o on the given loop. */
struct mdt_server *mdt_server_new(void *uv_loop, const struct mdt_config *cfg, struct mdt_db *db,
                                  const struct mdt_scrub_ctx *scrub, struct mdt_buf *err);
/* Binds and listens; logs "ready on HOST:PORT". */
int mdt_server_start(struct mdt_server *srv, struct mdt_buf *err);
/* Stops accepting and asks connections to finish; done is called once no
 * connection is left (or after a grace period). */
void mdt_server_stop(struct mdt_server *srv, void (*done)(void *arg), void *arg);
void mdt_server_free(struct mdt_server *srv);
/* Borrowed: the outbox requests see as r->outbox (NULL: none). */
void mdt_server_set_outbox(struct mdt_server *srv, struct mdt_outbox *ob);
/* Borrowed: the thread pool's reports (NULL: reports run on the loop). */
struct mdt_reports;
void mdt_server_set_reports(struct mdt_server *srv, struct mdt_reports *rep);
struct mdt_reports *mdt_server_reports(struct mdt_server *srv);
/* An answer given later, from another loop callback: new, or NULL when
 * the request must be answered now (a change, or mdt__http_call). Once
 * it is returned the handler returns without answering. gone (may be
 * NULL) is called with arg, on the loop, if h2o frees the request before
 * mdt_later_free (the client went away): it may not free l. */
struct mdt_later;
struct mdt_later *mdt_req_later(struct mdt_req *r, void (*gone)(void *arg), void *arg);
/* Borrowed: the request to answer exactly once with mdt_reply_*, or
 * NULL when the client has gone (h2o freed the request). */
struct mdt_req *mdt_later_req(struct mdt_later *l);
/* Frees l (after the answer, or when the client has gone); a request
 * left unanswered (the server is being freed) is logged and left to h2o
 * to close. NULL is a no-op. */
void mdt_later_free(struct mdt_later *l);
/* Percent-decodes a path segment or query value (plus as space when
 * form is set). Returns -EINVAL for bad escapes, NUL or invalid UTF-8. */
int mdt_url_decode(const char *s, size_t len, int form, struct mdt_buf *out);
/* One request through the whole server path (routing, authentication,
 * body checks, the handler, the audit log) without a connection: for
 * the fuzzers. auth is the Authorization value or NULL. The answer's
 * body is new (free), NULL when empty. */
struct mdt_http_answer {
    int status;
    char *body;
    size_t len;
};
void mdt__http_call(struct mdt_server *srv, const char *method, const char *path,
                    const char *ctype, const char *auth, const char *body, size_t len,
                    struct mdt_http_answer *ans);

/* html.c: the pages reached from links in emails. */
/* Appends s to b with & < > " ' escaped. */
void mdt_html_esc(struct mdt_buf *b, const char *s);
/* Answers a complete page: title (escaped) as <title> and <h1>, then
 * body_html as given (the caller escapes what it puts in). */
void mdt_reply_html(struct mdt_req *r, int status, const char *title, const char *body_html);

/* validate.c: pure checks shared by the routes and the CSV import. Each
 * returns NULL when v is acceptable, else the rule it breaks. */
const char *mdt_check_email(const char *v);
const char *mdt_check_url(const char *v);
const char *mdt_check_name(const char *v); /* 1-200 characters, printable */
const char *mdt_check_enum(const char *v, const char *const *set);
extern const char *const mdt_org_kinds[];
extern const char *const mdt_needs[];
extern const char *const mdt_capacities[];
/* Request helpers: on a bad field they answer 422 and return -1. */
/* *out borrowed from r->body; absent: *out = NULL and 0 (or 422 when required) */
int mdt_field_str(struct mdt_req *r, const char *field, int required, const char **out);
/* needs-style array of distinct names from set; *out new (json_decref) or NULL when absent */
int mdt_field_set_array(struct mdt_req *r, const char *field, const char *const *set,
                        json_t **out);
/* "version": absent → *out = -1 */
int mdt_field_version(struct mdt_req *r, int64_t *out);
/* Refuses members of r->body not in allowed (NULL-terminated). */
int mdt_fields_known(struct mdt_req *r, const char *const *allowed);
/* A {ref} or body reference: digits are ids, anything else a name. The
 * SQL by_name selects the id from the name (?1). Returns the id, or
 * -ENOENT, or another negative errno. */
int64_t mdt_lookup_ref(struct mdt_db *db, const char *ref, const char *sql_by_id,
                       const char *sql_by_name);
/* A body reference that may be a JSON integer or string. */
int64_t mdt_lookup_json_ref(struct mdt_db *db, json_t *v, const char *sql_by_id,
                            const char *sql_by_name);
/* Request helpers over those: the body member field (absent or null:
 * *out = 0), or a query value (NULL: *out = 0), must name an object;
 * otherwise they answer 422 "FIELD: no such WHAT" (or the store's error)
 * and return -1. */
int mdt_field_ref(struct mdt_req *r, const char *field, const char *sql_by_id,
                  const char *sql_by_name, const char *what, int64_t *out);
int mdt_param_ref(struct mdt_req *r, const char *field, const char *value, const char *sql_by_id,
                  const char *sql_by_name, const char *what, int64_t *out);
#define MDT_SQL_ORG_BY_ID "SELECT id FROM orgs WHERE id = ?1"
#define MDT_SQL_ORG_BY_NAME "SELECT id FROM orgs WHERE name = ?1"
#define MDT_SQL_PCN_BY_ID "SELECT id FROM pcns WHERE id = ?1"
#define MDT_SQL_PCN_BY_NAME "SELECT id FROM pcns WHERE name = ?1"
#define MDT_SQL_PERSON_BY_ID "SELECT id FROM people WHERE id = ?1"
#define MDT_SQL_PERSON_BY_EMAIL "SELECT id FROM people WHERE email = ?1"
#define MDT_SQL_LIST_BY_ID "SELECT id FROM lists WHERE id = ?1"
#define MDT_SQL_LIST_BY_NAME "SELECT id FROM lists WHERE name = ?1"
/* new: {"id", "name"} of an org / pcn, or json null when id is 0 */
json_t *mdt_org_ref_json(struct mdt_db *db, int64_t id);
json_t *mdt_pcn_ref_json(struct mdt_db *db, int64_t id);

/* Route handlers */
void mdt_h_health(struct mdt_req *r);
/* tokens.c */
void mdt_h_tokens_create(struct mdt_req *r);
void mdt_h_tokens_list(struct mdt_req *r);
void mdt_h_tokens_delete(struct mdt_req *r);
/* Creates a token: *secret is new ("mdt_" + 64 hex), *id its row. */
int mdt_token_create(struct mdt_db *db, int role, const char *name, int64_t org_id,
                     char **secret, int64_t *id);
int mdt_token_count_admin(struct mdt_db *db);
/* Looks a presented token up: 0 with id, role, org; -ENOENT when unknown
 * or revoked. */
int mdt_token_auth(struct mdt_db *db, const char *secret, size_t len, int64_t *id, int *role,
                   int64_t *org_id);
/* directory.c */
void mdt_h_orgs_create(struct mdt_req *r);
void mdt_h_orgs_list(struct mdt_req *r);
void mdt_h_orgs_get(struct mdt_req *r);
void mdt_h_orgs_patch(struct mdt_req *r);
void mdt_h_orgs_delete(struct mdt_req *r);
void mdt_h_people_create(struct mdt_req *r);
void mdt_h_people_list(struct mdt_req *r);
void mdt_h_people_get(struct mdt_req *r);
void mdt_h_people_patch(struct mdt_req *r);
void mdt_h_people_delete(struct mdt_req *r);
void mdt_h_pcns_create(struct mdt_req *r);
void mdt_h_pcns_list(struct mdt_req *r);
void mdt_h_pcns_get(struct mdt_req *r);
void mdt_h_pcns_patch(struct mdt_req *r);
void mdt_h_pcns_delete(struct mdt_req *r);
void mdt_h_lists_create(struct mdt_req *r);
void mdt_h_lists_list(struct mdt_req *r);
void mdt_h_lists_get(struct mdt_req *r);
void mdt_h_lists_patch(struct mdt_req *r);
void mdt_h_lists_delete(struct mdt_req *r);
void mdt_h_lists_members(struct mdt_req *r);
/* import.c */
void mdt_h_import_people(struct mdt_req *r);
void mdt_h_import_orgs(struct mdt_req *r);
/* cases.c */
void mdt_h_cases_create(struct mdt_req *r);
void mdt_h_cases_list(struct mdt_req *r);
void mdt_h_cases_get(struct mdt_req *r);
/* audit.c: the append-only, hash-chained log of changes */
/* Adds an entry: token_id (0: none) with its name and role, action
 * ("POST /v1/orgs"), kind ("orgs") and object_id (0: none) and the
 * answer's status. Inside the caller's transaction when there is one. */
int mdt_audit_record(struct mdt_db *db, int64_t token_id, const char *action, const char *kind,
                     int64_t object_id, int status);
/* Checks the whole chain: *entries counted, *broken the first entry that
 * does not chain (0: none) and *why (a static string) the reason. */
int mdt_audit_verify(struct mdt_db *db, int64_t *entries, int64_t *broken, const char **why);
void mdt_h_audit_list(struct mdt_req *r);
void mdt_h_audit_verify(struct mdt_req *r);
/* Whether p is MDT-XXXX-XXXX in Crockford base32 (capitals). */
int mdt__pseudonym_valid(const char *p);

/* outbox.c: messages to the outside world (email, partner webhooks),
 * queued in the outbox table inside the transaction of the change that
 * causes them and delivered from the loop by libcurl with retries. */

struct mdt_mail {
    const char *to;       /* address */
    const char *to_name;  /* display name or NULL */
    const char *subject;
    const char *text;     /* text/plain part, UTF-8 */
    const char *calendar; /* NULL, or a text/calendar object (CRLF lines) */
    const char *method;   /* its METHOD (REQUEST, CANCEL, PUBLISH, REPLY), with calendar */
    const char *ref;      /* what caused it, e.g. "series:3", "meeting:7"; never identifying */
};
/* Queues m inside the caller's open transaction: composes the whole
 * RFC 5322 message (From smtp_from, To, Subject (RFC 2047 when not
 * ASCII), Date, Message-ID, MIME: text/plain alone, or
 * multipart/alternative of text/plain and text/calendar; method=M;
 * charset=UTF-8 inline), CRLF line endings, and stores it. *id optional.
 * -EINVAL for a field that cannot be sent (logged; CR/LF in a header
 * value, a bad address, no smtp_from), else a store error. */
int mdt_outbox_add_mail(struct mdt_db *db, const struct mdt_config *cfg,
                        const struct mdt_mail *m, int64_t *id);
/* Signed JSON POST to url (for partner webhooks): X-MDT-Signature:
 * t=UNIX,v1=HEX with HEX the HMAC-SHA-256 of "UNIX." + body under
 * secret, computed when it is sent. Inside the caller's transaction. */
int mdt_outbox_add_webhook(struct mdt_db *db, const char *url, const char *secret,
                           const char *json_body, const char *ref, int64_t *id);
/* After the commit: start delivering now rather than at the next poll.
 * ob may be NULL (a no-op). */
void mdt_outbox_kick(struct mdt_outbox *ob);
/* fn(arg) is called by every mdt_outbox_kick (the fan-out runner: a
 * commit that queued mail may have written a fan-out job too). fn NULL
 * removes it. */
void mdt_outbox_set_kick_hook(struct mdt_outbox *ob, void (*fn)(void *arg), void *arg);

/* The delivery state on uv_loop (borrowed, like cfg and db, until
 * mdt_outbox_free). New: mdt_outbox_stop, then mdt_outbox_free once done
 * was called. NULL with err on failure. */
struct mdt_outbox *mdt_outbox_new(void *uv_loop, const struct mdt_config *cfg, struct mdt_db *db,
                                  struct mdt_buf *err);
/* Puts rows left 'sending' by a previous run back to pending (they go
 * out again with the same Message-ID) and starts polling. */
int mdt_outbox_start(struct mdt_outbox *ob);
/* Stops taking new work; transfers under way get a few seconds to
 * finish, the rest are abandoned and stay pending. done runs once every
 * handle is closed. */
void mdt_outbox_stop(struct mdt_outbox *ob, void (*done)(void *arg), void *arg);
void mdt_outbox_free(struct mdt_outbox *ob);
/* The X-MDT-Signature value for body at time t under secret (new). */
char *mdt_outbox_signature(const char *secret, int64_t t, const char *body, size_t len);
void mdt_h_outbox_list(struct mdt_req *r);
void mdt_h_outbox_retry(struct mdt_req *r);

/* meetings.c: series (a recurring meeting of a PCN) and the meetings they
 * expand into, 12 months ahead; case slots on meetings. */
struct mdt_holidays;
/* new (mdt_holidays_free): the built-in bank holidays plus cfg's
 * holidays_file. -EINVAL with err when the file cannot be read or used. */
int mdt_meetings_holidays(const struct mdt_config *cfg, struct mdt_holidays **out,
                          struct mdt_buf *err);
/* Creates the meetings of series_id from its expanded_to up to 12 months
 * ahead of now (or of its start, when later). Inside the caller's
 * transaction. *added (optional) counts new meetings. */
int mdt_meetings_top_up(struct mdt_db *db, const struct mdt_holidays *h, int64_t series_id,
                        int64_t now, int *added);
/* The next scheduled meeting after `after` with a free slot: of the series
 * (series_id > 0) or else of any active series of the PCN. *id 0 when none. */
int mdt_meetings_next_with_room(struct mdt_db *db, int64_t series_id, int64_t pcn_id,
                                int64_t after, int64_t *id);
/* Puts the case in the meeting's last slot (or, with first set, before
 * every other case), then mdt_invites_case_changed for it (and, with
 * first, for the cases it moved down). In the caller's transaction. */
int mdt_meetings_place_case(struct mdt_req *r, int64_t case_id, int64_t meeting_id, int first);
/* The meeting's free slots (slots less cases; negative when over), or
 * -ENOENT; *scheduled whether it can still take cases. */
int mdt_meetings_room(struct mdt_db *db, int64_t meeting_id, int *free_slots, int *scheduled);
void mdt_h_series_create(struct mdt_req *r);
void mdt_h_series_list(struct mdt_req *r);
void mdt_h_series_get(struct mdt_req *r);
void mdt_h_series_patch(struct mdt_req *r);
void mdt_h_series_cancel(struct mdt_req *r);
void mdt_h_meetings_list(struct mdt_req *r);
void mdt_h_meetings_get(struct mdt_req *r);
void mdt_h_meetings_move(struct mdt_req *r);
void mdt_h_meetings_cancel(struct mdt_req *r);
void mdt_h_meetings_close(struct mdt_req *r);
/* agenda.c: a meeting's slots and cases, and who in the directory can help. */
/* Queues the agenda of meeting_id to every member of its series' list
 * and sets agenda_sent_at. In the caller's transaction. */
int mdt_agenda_queue(struct mdt_db *db, const struct mdt_config *cfg, int64_t meeting_id,
                     int *queued);
void mdt_h_agenda_get(struct mdt_req *r);
void mdt_h_agenda_send(struct mdt_req *r);
/* scheduler.c: on the loop, tops up every series' 12 months of meetings
 * and sends each agenda agenda_days before its meeting. */
struct mdt_scheduler;
/* new: freed by mdt_scheduler_stop (once its timer is closed). NULL with
 * err when the holidays cannot be loaded. */
struct mdt_scheduler *mdt_scheduler_new(void *uv_loop, const struct mdt_config *cfg,
                                        struct mdt_db *db, struct mdt_buf *err);
/* Runs once now, then every scheduler_interval seconds. */
void mdt_scheduler_start(struct mdt_scheduler *s);
/* Borrowed: the outbox to kick after queueing (may be NULL). */
void mdt_scheduler_set_outbox(struct mdt_scheduler *s, struct mdt_outbox *ob);
/* Closes the timer and frees s (NULL is a no-op). */
void mdt_scheduler_stop(struct mdt_scheduler *s);
/* One pass (also for tests): top-up and due agendas at time now. */
int mdt_scheduler_run(struct mdt_db *db, const struct mdt_config *cfg,
                      const struct mdt_holidays *h, int64_t now, int *agendas);


/* invites.c: iMIP invites to a series' list, their updates and cancels,
 * RSVP links, iMIP REPLY bodies and the quorum warning. The hooks are
 * called by the meetings and directory code inside the transaction of
 * the change (after series.sequence was raised) and return 0 or a
 * negative errno (the caller rolls back). */
/* The series or one of its meetings changed (or was cancelled): when
 * invites for it have been sent, queues the update (REQUEST with the
 * master and every override, or CANCEL when the series is cancelled) to
 * every current member of its list and to case holders with a slot.
 * Before the first `invite send` it does nothing. */
int mdt_invites_series_changed(struct mdt_req *r, int64_t series_id);
/* A person joined (added=1) or left a list: REQUEST / CANCEL of every
 * active invited series using that list. Idempotent: the list as it is
 * now decides, so calling it for an unchanged member sends nothing. */
int mdt_invites_member_changed(struct mdt_req *r, int64_t list_id, int64_t person_id, int added);
/* The same for arrays of person ids (JSON integers, borrowed). */
int mdt_invites_members_changed(struct mdt_req *r, int64_t list_id, json_t *added, json_t *removed);
/* A case was put on (or taken off) a meeting: its holder's invite for
 * the case's slot only (UID "case-ID.<series uid>"). */
int mdt_invites_case_changed(struct mdt_req *r, int64_t case_id);
/* Writes the members "required_orgs" (each required organisation with
 * members/accepted/declined/tentative counts, coming, absent) and
 * "quorum_warning" (null, or a sentence naming the absent ones) into the
 * object w is inside, for GET /v1/meetings/{id}. */
void mdt_invites_w_quorum(struct mdt_db *db, int64_t meeting_id, struct mdt_jsonw *w);
/* The same members added to the JSON object obj (borrowed). */
void mdt_invites_add_quorum(struct mdt_db *db, int64_t meeting_id, json_t *obj);
/* One slice of the oldest pending fan-out job (invite_jobs) in its own
 * transaction: recipients brought up to date (outbox rows queued) until
 * budget_ns has passed; *queued counts the messages. 1 when a job was
 * worked on (call again), 0 when none is pending, negative errno on a
 * store error (nothing of the slice kept). */
int mdt__invites_fanout_slice(struct mdt_db *db, const struct mdt_config *cfg, uint64_t budget_ns,
                              int *queued);
void mdt_h_invites_send(struct mdt_req *r);
void mdt_h_invite_job_get(struct mdt_req *r);
void mdt_h_rsvp_get(struct mdt_req *r);
void mdt_h_rsvp_post(struct mdt_req *r);
void mdt_h_imip(struct mdt_req *r);
void mdt_h_meeting_attendees(struct mdt_req *r);
/* fanout.c: runs the invites' fan-out jobs on the loop, a slice per
 * loop turn, and kicks the outbox as messages are queued. */
struct mdt_fanout;
/* new: mdt_fanout_stop frees it. cfg, db and ob (may be NULL) borrowed. */
struct mdt_fanout *mdt_fanout_new(void *uv_loop, const struct mdt_config *cfg, struct mdt_db *db,
                                  struct mdt_outbox *ob);
/* Resumes the jobs a previous run left pending. */
void mdt_fanout_start(struct mdt_fanout *fo);
/* After a commit that may have written a job (a void * for
 * mdt_outbox_set_kick_hook); NULL is a no-op. */
void mdt_fanout_kick(void *fo);
/* Closes its handles and frees it once closed (run the loop); NULL is a
 * no-op. Pending jobs stay in the table for the next start. */
void mdt_fanout_stop(struct mdt_fanout *fo);
/* feeds.c: private calendar feeds (METHOD:PUBLISH) */
void mdt_h_feed_get(struct mdt_req *r);
void mdt_h_feed_url(struct mdt_req *r);
void mdt_h_feed_revoke(struct mdt_req *r);
/* plans.c: outcomes, plan confirmation and amendment, case status,
 * closure and purge. */
/* One parsed "ORG [EMAIL]: what, due YYYY-MM-DD" (strings new). */
struct mdt_plan_action {
    char *org;    /* the organisation's name (or id) */
    char *person; /* the named professional's email, or NULL */
    char *what;
    char due[11]; /* YYYY-MM-DD */
    int64_t org_id, person_id; /* looked up by the caller */
};
/* Parses s into a (released with mdt__plans_action_release). -EINVAL
 * with *why (static) naming the fault. */
int mdt__plans_parse_action(const char *s, struct mdt_plan_action *a, const char **why);
void mdt__plans_action_release(struct mdt_plan_action *a);
/* Whether s is a real date YYYY-MM-DD. */
int mdt__plans_date_valid(const char *s);
/* The identifier gate over one text (as for case text): findings added
 * to the array, the first message into msg; returns how many. */
size_t mdt__plans_gate(const struct mdt_scrub_ctx *scrub, const char *field, const char *text,
                       json_t *findings, struct mdt_buf *msg);
/* Answers 422 identifier_found when findings is not empty: -1, else 0. */
int mdt__plans_gate_reply(struct mdt_req *r, json_t *findings, struct mdt_buf *msg);
/* The case a {ref} (id or pseudonym: the newest) names, as the token
 * may see it (-ENOENT otherwise); *holder: the token is its case holder. */
int mdt__plans_case(struct mdt_req *r, const char *ref, int64_t *case_id, int *holder);
/* Answers the case's plan, actions and their history. */
void mdt__plans_reply_status(struct mdt_req *r, int64_t case_id, int status);
/* Columns of an action row for mdt__plans_action_json, FROM included. */
#define MDT__ACTION_COLS                                                                        \
    "a.id, c.id, c.pseudonym, c.age_band, c.needs, a.meeting_id, a.org_id, o.name, pp.email, "   \
    "a.what, a.due_on, a.status, a.version, a.sent_at, a.updated_at, a.completed_at, "           \
    "a.removed_at, (a.due_on < date('now') AND a.status IN ('proposed', 'accepted', "            \
    "'in_progress') AND a.removed_at IS NULL AND a.sent_at IS NOT NULL) FROM actions a JOIN "    \
    "cases c ON c.id = a.case_id JOIN orgs o ON o.id = a.org_id LEFT JOIN people pp ON "         \
    "pp.id = a.person_id"
/* borrowed: an action's status as the API answers it: the stored one,
 * except that a proposed action already sent to its partner is "sent"
 * (waiting for the partner's answer). */
const char *mdt__plans_status(const char *stored, int sent);
/* new: one action (st on MDT__ACTION_COLS), with its history if asked. */
json_t *mdt__plans_action_json(struct mdt_db *db, sqlite3_stmt *st, int with_history);
void mdt_h_outcome_record(struct mdt_req *r);
void mdt_h_plan_confirm(struct mdt_req *r);
void mdt_h_plan_amend(struct mdt_req *r);
void mdt_h_case_status(struct mdt_req *r);
void mdt_h_case_close(struct mdt_req *r);
void mdt_h_case_step_down(struct mdt_req *r);
/* purge.c: closed cases' text removed in bounded batches. */
#define MDT_PURGE_LIMIT_DEFAULT 200
#define MDT_PURGE_LIMIT_MAX 1000
struct mdt_purge_result {
    int count;         /* cases in this batch (purged, or listed by a dry run) */
    int64_t remaining; /* due cases left with an id above last_id */
    int64_t last_id;   /* the batch's highest case id (after, when empty) */
};
/* Removes the text of up to limit (out of range: the default) cases
 * closed purge_after ago or more with an id above after, lowest first,
 * in one transaction, keeping pseudonym, dates and counts; with dry_run
 * only lists them. list (borrowed, may be NULL) gets one object each. */
int mdt_purge_batch(struct mdt_db *db, const struct mdt_config *cfg, int64_t now, int dry_run,
                    int64_t after, int limit, json_t *list, struct mdt_purge_result *res);
void mdt_h_purge(struct mdt_req *r);
/* actions.c: sending actions to partners, their updates, the link page. */
/* Sends the case's unsent actions (sent_at NULL) to their organisations
 * (email with links, webhook) and marks them sent. In the caller's
 * transaction. *orgs counts the organisations told. */
int mdt__actions_send(struct mdt_db *db, const struct mdt_config *cfg, int64_t case_id, int amend,
                      int64_t now, int *orgs);
/* Withdraws an action from its plan: links revoked, organisation told. */
int mdt__actions_removed(struct mdt_db *db, const struct mdt_config *cfg, int64_t action_id,
                         int64_t now);
void mdt_h_actions_list(struct mdt_req *r);
void mdt_h_actions_get(struct mdt_req *r);
void mdt_h_actions_update(struct mdt_req *r);
void mdt_h_action_link_get(struct mdt_req *r);
void mdt_h_action_link_post(struct mdt_req *r);
void mdt_h_org_webhook_secret(struct mdt_req *r);
/* plan-notices.c: reminders, digests, escalations (one pass at now;
 * needs smtp_from), and matters arising for agendas. */
int mdt_plans_run(struct mdt_db *db, const struct mdt_config *cfg, int64_t now, int *queued);
/* new: the overdue and declined actions an agenda shows, with the
 * statuses of the API ("sent" for one not yet answered). */
json_t *mdt_plans_matters_arising(struct mdt_db *db, int64_t meeting_id);
/* reports.c: figures per month and PCN for commissioners, computed on
 * libuv's thread pool with a read-only connection of its own per report.
 * new: mdt_reports_free. */
struct mdt_reports *mdt_reports_new(void *uv_loop, const char *db_path);
/* Shutdown: queued reports are cancelled and running ones interrupted
 * (both answered 503); new ones are answered 503. */
void mdt_reports_stop(struct mdt_reports *rep);
/* Stops and frees it, or leaves the last running report to free it when
 * it is back: run the loop afterwards. NULL is a no-op. */
void mdt_reports_free(struct mdt_reports *rep);
void mdt_h_reports(struct mdt_req *r);
/* fhir.c: a case's care plan as a FHIR R4 Bundle. */
void mdt_h_case_fhir(struct mdt_req *r);

#endif
