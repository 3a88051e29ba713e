/* GET /v1/reports through the whole request path on a real database
 * whose history lies in the past: the status of each action as at the
 * end of the period comes from its history, so a report of January does
 * not see what happened in February. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <uv.h>

#include "../../server/mdtd.h"
#include "scrub.h"
#include "server-fixture.h"
#include "test.h"
#include "xmalloc.h"

#define DAY(d, m) "strftime('%s', '2025-" #m "-" #d " 12:00:00')"

struct fixture {
    uv_loop_t loop;
    struct mdt_config cfg;
    struct mdt_scrub_ctx *scrub;
    struct mdt_db *db;
    struct mdt_server *srv;
    char auth[128];
};

/* January: two cases (two new people), one attendance, five actions:
 * accepted in January and done on 10 February (26 days after it was
 * sent), declined, never answered (overdue), never sent, and withdrawn.
 * February: the first person again, an action done on time in 2 days.
 * March: a meeting not held. */
static void setup(struct fixture *fx)
{
    char *path = mdt_xasprintf("%s/reports.db", test_tmpdir()), *secret = NULL;
    struct mdt_buf err;
    int64_t id;
    int applied;

    setenv("TZ", "Europe/London", 1);
    tzset();
    mdt_buf_init(&err, 1024);
    mdt_db_global_init();
    ASSERT_EQ(mdt_db_open(path, 1, &fx->db, &err), 0);
    ASSERT_EQ(mdt_db_migrate(fx->db, &applied, &err), 0);
    ASSERT_EQ(mdt_token_create(fx->db, MDT_ROLE_ADMIN, "admin", 0, &secret, &id), 0);
    snprintf(fx->auth, sizeof(fx->auth), "Bearer %s", secret);
    free(secret);
    /* The rows read better one to a line. */
    /* clang-format off */
    test_db_exec(fx->db,
         "INSERT INTO orgs (id, name, kind, email, created_at, updated_at) VALUES "
         "(1, 'Mind', 'vcse', 'm@example.org', 0, 0), (2, 'Homes', 'housing', 'h@example.org', 0, 0);"
         "INSERT INTO people (id, name, email, org_id, created_at, updated_at) VALUES "
         "(1, 'A', 'a@example.org', 1, 0, 0), (2, 'B', 'b@example.org', 2, 0, 0);"
         "INSERT INTO pcns (id, name, created_at, updated_at) VALUES (1, 'North', 0, 0);"
         "INSERT INTO lists (id, name, pcn_id, created_at, updated_at) VALUES (1, 'L', 1, 0, 0);"
         "INSERT INTO series (id, uid, pcn_id, title, rrule, dtstart, duration_min, list_id, url, "
         "created_at, updated_at) VALUES (1, 'u1', 1, 'MDT', 'FREQ=MONTHLY', '2025-01-14T10:00', "
         "60, 1, 'https://meet.example.org', 0, 0);"
         "INSERT INTO meetings (id, series_id, recurrence_id, start_at, end_at, status, created_at, "
         "updated_at) VALUES (1, 1, 1, " DAY(14, 01) ", " DAY(14, 01) " + 3600, 'closed', 0, 0), "
         "(2, 1, 2, " DAY(11, 02) ", " DAY(11, 02) " + 3600, 'closed', 0, 0), "
         "(3, 1, 3, " DAY(11, 03) ", " DAY(11, 03) " + 3600, 'scheduled', 0, 0);"
         "INSERT INTO cases (id, pseudonym, age_band, presentation, question, risk, pcn_id, "
         "meeting_id, org_id, token_id, created_at, updated_at) VALUES "
         "(1, 'MDT-1111-AAAA', '30-39', 'p', 'q', 'r', 1, 1, 1, 1, 0, 0), "
         "(2, 'MDT-2222-BBBB', '30-39', 'p', 'q', 'r', 1, 1, 1, 1, 0, 0), "
         "(3, 'MDT-1111-AAAA', '30-39', 'p', 'q', 'r', 1, 2, 1, 1, 0, 0), "
         "(4, 'MDT-3333-CCCC', '30-39', 'p', 'q', 'r', 1, 3, 1, 1, 0, 0);"
         "INSERT INTO attendance VALUES (1, 1, 'attended', NULL), (1, 2, 'apologies', NULL), "
         "(2, 2, 'deputy', 1);"
         "INSERT INTO outcomes (id, case_id, meeting_id, recorded_by, recorded_at, updated_at) "
         "VALUES (1, 1, 1, 1, " DAY(14, 01) ", 0), (2, 3, 2, 1, " DAY(11, 02) ", 0);"
         "INSERT INTO actions (id, case_id, meeting_id, outcome_id, org_id, what, due_on, status, "
         "sent_at, created_at, updated_at, completed_at, removed_at) VALUES "
         "(1, 1, 1, 1, 2, 'w', '2025-01-31', 'done', " DAY(15, 01) ", 0, " DAY(10, 02) ", "
         DAY(10, 02) ", NULL), "
         "(2, 1, 1, 1, 2, 'w', '2025-01-20', 'declined', " DAY(15, 01) ", 0, " DAY(18, 01) ", "
         "NULL, NULL), "
         "(3, 1, 1, 1, 2, 'w', '2025-01-25', 'proposed', " DAY(15, 01) ", 0, " DAY(15, 01) ", "
         "NULL, NULL), "
         "(4, 1, 1, 1, 2, 'w', '2025-01-25', 'proposed', NULL, 0, " DAY(14, 01) ", NULL, NULL), "
         "(5, 1, 1, 1, 2, 'w', '2025-02-01', 'proposed', " DAY(15, 01) ", 0, " DAY(25, 01) ", "
         "NULL, " DAY(25, 01) "), "
         "(6, 3, 2, 2, 1, 'w', '2025-02-20', 'done', " DAY(12, 02) ", 0, " DAY(14, 02) ", "
         DAY(14, 02) ", NULL);"
         "INSERT INTO action_updates (action_id, status, via, version, at) VALUES "
         "(1, 'proposed', 'record', 1, " DAY(14, 01) "), (2, 'proposed', 'record', 1, " DAY(14, 01) "), "
         "(3, 'proposed', 'record', 1, " DAY(14, 01) "), (4, 'proposed', 'record', 1, " DAY(14, 01) "), "
         "(5, 'proposed', 'record', 1, " DAY(14, 01) "), (1, 'accepted', 'token', 2, " DAY(20, 01) "), "
         "(2, 'declined', 'token', 2, " DAY(18, 01) "), (1, 'done', 'token', 3, " DAY(10, 02) "), "
         "(6, 'proposed', 'record', 1, " DAY(11, 02) "), (6, 'done', 'token', 2, " DAY(14, 02) ");");
    /* clang-format on */
    ASSERT(uv_loop_init(&fx->loop) == 0);
    mdt_config_init(&fx->cfg);
    fx->scrub = mdt_scrub_ctx_new();
    fx->srv = mdt_server_new(&fx->loop, &fx->cfg, fx->db, fx->scrub, &err);
    ASSERT(fx->srv != NULL);
    mdt_buf_release(&err);
    free(path);
}

static void teardown(struct fixture *fx)
{
    mdt_server_free(fx->srv);
    mdt_db_close(fx->db);
    mdt_scrub_ctx_free(fx->scrub);
    mdt_config_release(&fx->cfg);
    uv_run(&fx->loop, UV_RUN_NOWAIT);
    ASSERT_EQ(uv_loop_close(&fx->loop), 0);
}

/* new: the answer's JSON (status checked). */
static json_t *get(struct fixture *fx, const char *path, int want)
{
    struct mdt_http_answer ans = {0};
    json_t *j;

    mdt__http_call(fx->srv, "GET", path, NULL, fx->auth, NULL, 0, &ans);
    if (ans.status != want)
        TEST_FAIL("%s: status %d, want %d: %.*s", path, ans.status, want, (int)ans.len,
                  ans.body ? ans.body : "");
    j = json_loadb(ans.body ? ans.body : "null", ans.body ? ans.len : 4, JSON_DECODE_ANY, NULL);
    free(ans.body);
    ASSERT(j != NULL);
    return j;
}

static int64_t num(json_t *o, const char *a, const char *b)
{
    json_t *v = json_object_get(o, a);
    if (b)
        v = json_object_get(v, b);
    if (!json_is_integer(v))
        TEST_FAIL("%s%s%s is not an integer", a, b ? "." : "", b ? b : "");
    return json_integer_value(v);
}

static double real(json_t *o, const char *a, const char *b)
{
    json_t *v = json_object_get(json_object_get(o, a), b);
    return json_is_null(v) ? -1 : json_number_value(v);
}

TEST(reports_january_as_it_stood_at_the_end_of_january)
{
    struct fixture fx;
    json_t *rep, *row, *att;

    setup(&fx);
    rep = get(&fx, "/v1/reports?from=2025-01-01&to=2025-01-31", 200);
    ASSERT_EQ(json_array_size(json_object_get(rep, "rows")), 1);
    row = json_array_get(json_object_get(rep, "rows"), 0);
    ASSERT_STREQ(json_string_value(json_object_get(row, "month")), "2025-01");
    ASSERT_EQ(num(row, "meetings_held", NULL), 1);
    ASSERT_EQ(num(row, "cases_presented", NULL), 2);
    ASSERT_EQ(num(row, "people_new", NULL), 2);
    ASSERT_EQ(num(row, "people_returning", NULL), 0);
    att = json_object_get(row, "attendance");
    ASSERT_EQ(json_array_size(att), 1);
    ASSERT_STREQ(
        json_string_value(json_object_get(json_object_get(json_array_get(att, 0), "org"), "name")),
        "Mind");
    /* action 1 was only accepted then; 4 was never sent; 5 was withdrawn */
    ASSERT_EQ(num(row, "actions", "agreed"), 3);
    ASSERT_EQ(num(row, "actions", "accepted"), 1);
    ASSERT_EQ(num(row, "actions", "declined"), 1);
    ASSERT_EQ(num(row, "actions", "completed"), 0);
    ASSERT(real(row, "actions", "share_on_time") == -1);
    ASSERT(real(row, "actions", "median_days_to_completion") == -1);
    ASSERT_EQ(num(row, "actions", "open"), 2);
    /* due on the 31st is not overdue on the 31st; due on the 25th is */
    ASSERT_EQ(num(row, "actions", "overdue"), 1);
    json_decref(rep);
    teardown(&fx);
}

TEST(reports_two_months_returning_people_medians)
{
    struct fixture fx;
    json_t *rep, *jan, *feb, *tot;

    setup(&fx);
    rep = get(&fx, "/v1/reports?from=2025-01-01&to=2025-02-28", 200);
    ASSERT_EQ(json_array_size(json_object_get(rep, "rows")), 2);
    jan = json_array_get(json_object_get(rep, "rows"), 0);
    feb = json_array_get(json_object_get(rep, "rows"), 1);
    ASSERT_EQ(num(jan, "actions", "completed"), 1);
    ASSERT_EQ(num(jan, "actions", "completed_on_time"), 0);
    ASSERT(real(jan, "actions", "share_on_time") == 0);
    ASSERT(real(jan, "actions", "median_days_to_completion") == 26.0);
    ASSERT_EQ(num(jan, "actions", "open"), 1);
    ASSERT_EQ(num(jan, "actions", "overdue"), 1);
    ASSERT_EQ(num(feb, "cases_presented", NULL), 1);
    ASSERT_EQ(num(feb, "people_new", NULL), 0);
    ASSERT_EQ(num(feb, "people_returning", NULL), 1);
    ASSERT_STREQ(
        json_string_value(json_object_get(
            json_object_get(json_array_get(json_object_get(feb, "attendance"), 0), "org"), "name")),
        "Homes");
    ASSERT_EQ(num(feb, "actions", "completed_on_time"), 1);
    ASSERT(real(feb, "actions", "share_on_time") == 1);
    ASSERT(real(feb, "actions", "median_days_to_completion") == 2.0);
    tot = json_object_get(rep, "totals");
    ASSERT_EQ(num(tot, "meetings_held", NULL), 2);
    ASSERT_EQ(num(tot, "actions", "agreed"), 4);
    ASSERT(real(tot, "actions", "median_days_to_completion") == 14.0);
    json_decref(rep);
    /* one PCN, by name; an unknown one is refused */
    rep = get(&fx, "/v1/reports?from=2025-01-01&to=2025-12-31&pcn=North", 200);
    ASSERT_EQ(json_array_size(json_object_get(rep, "rows")), 2);
    json_decref(rep);
    rep = get(&fx, "/v1/reports?from=2025-01-01&to=2025-12-31&pcn=South", 422);
    json_decref(rep);
    teardown(&fx);
}

TEST(reports_fhir_of_a_past_plan)
{
    struct fixture fx;
    json_t *b, *e;
    size_t i;

    setup(&fx);
    b = get(&fx, "/v1/cases/1/fhir", 200);
    ASSERT_STREQ(json_string_value(json_object_get(b, "type")), "collection");
    /* the CarePlan and a Task for each of the five actions */
    ASSERT_EQ(json_array_size(json_object_get(b, "entry")), 6);
    json_array_foreach(json_object_get(b, "entry"), i, e)
    {
        static const char *const want[] = {"draft",     "completed", "rejected",
                                           "requested", "draft",     "cancelled"};
        ASSERT_STREQ(json_string_value(json_object_get(json_object_get(e, "resource"), "status")),
                     want[i]);
    }
    json_decref(b);
    b = get(&fx, "/v1/cases/2/fhir", 404);
    json_decref(b);
    teardown(&fx);
}
