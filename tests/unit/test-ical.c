#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ical.h"
#include "test.h"

/* 2027-01-12T10:00 Europe/London (GMT) */
#define JAN12 1799748000LL
/* 2027-04-13T10:00 Europe/London (BST): 09:00 UTC */
#define APR13 1807606800LL

static struct mdt_ical_event series(void)
{
    struct mdt_ical_event e = {
        .uid = "series-1@mdt.example",
        .sequence = 3,
        .tz = "Europe/London",
        .start = JAN12,
        .end = JAN12 + 90 * 60,
        .rrule = "FREQ=MONTHLY;BYDAY=2TU",
        .summary = "Lewisham North PCN MDT, a long title that needs folding at seventy-five octets",
        .location = "https://meet.example.org/j/123456789",
        .description = "Join: https://meet.example.org/j/123456789",
        .organizer_email = "chair@charity.example",
        .organizer_name = "Ann Chair",
        .attendee_email = "gp@surgery.example",
        .attendee_name = "Dr Gee Pee",
    };
    return e;
}

static char *build_ok(enum mdt_ical_method m, const struct mdt_ical_event *e, size_t n)
{
    struct mdt_buf err;
    char *out = NULL;

    mdt_buf_init(&err, 1024);
    if (mdt_ical_build(m, e, n, JAN12 - 86400 * 30, &out, &err) != 0)
        TEST_FAIL("build: %s", mdt_buf_str(&err));
    if (mdt_ical_check(out, &err) != 0)
        TEST_FAIL("icalrestriction_check: %s\n%s", mdt_buf_str(&err), out);
    mdt_buf_release(&err);
    return out;
}

/* Every line ends in CRLF and is at most 75 octets. */
static void assert_folded(const char *s)
{
    const char *line = s;
    for (const char *p = s; *p; p++) {
        if (*p == '\n') {
            ASSERT(p > s && p[-1] == '\r');
            ASSERT((size_t)(p - 1 - line) <= 75);
            line = p + 1;
        }
    }
    ASSERT(*line == '\0');
}

static int count(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

TEST(ical_request_series)
{
    mdt_ical_init();
    struct mdt_ical_event e = series();
    char *s = build_ok(MDT_ICAL_REQUEST, &e, 1);

    assert_folded(s);
    ASSERT_CONTAINS(s, "METHOD:REQUEST\r\n");
    ASSERT_CONTAINS(s, "PRODID:");
    ASSERT_CONTAINS(s, "VERSION:2.0\r\n");
    ASSERT_CONTAINS(s, "UID:series-1@mdt.example\r\n");
    ASSERT_CONTAINS(s, "SEQUENCE:3\r\n");
    ASSERT_CONTAINS(s, "DTSTAMP:20261213T100000Z\r\n");
    ASSERT_CONTAINS(s, "DTSTART;TZID=Europe/London:20270112T100000\r\n");
    ASSERT_CONTAINS(s, "DTEND;TZID=Europe/London:20270112T113000\r\n");
    ASSERT_CONTAINS(s, "RRULE:FREQ=MONTHLY;BYDAY=2TU\r\n");
    ASSERT_CONTAINS(s, "BEGIN:VTIMEZONE\r\nTZID:Europe/London\r\n");
    ASSERT_NOT_CONTAINS(s, "freeassociation");
    ASSERT_CONTAINS(s, "LOCATION:https://meet.example.org/j/123456789\r\n");
    ASSERT_CONTAINS(s, "ORGANIZER;CN=Ann Chair:mailto:chair@charity.example\r\n");
    ASSERT_CONTAINS(s, "mailto:gp@surgery.example");
    ASSERT_CONTAINS(s, "ROLE=REQ-PARTICIPANT");
    ASSERT_CONTAINS(s, "PARTSTAT=NEEDS-ACTION");
    ASSERT_CONTAINS(s, "RSVP=TRUE");
    ASSERT_EQ(count(s, "BEGIN:VEVENT"), 1);
    ASSERT_EQ(count(s, "ATTENDEE"), 1);
    /* Truncated: the rules in force, not the zone's whole history
     * (London's starts in 1847 and has dozens of observances). */
    ASSERT_NOT_CONTAINS(s, "DTSTART:18");
    ASSERT(count(s, "BEGIN:DAYLIGHT") + count(s, "BEGIN:STANDARD") <= 4);
    free(s);
}

TEST(ical_request_overrides_and_exdates)
{
    mdt_ical_init();
    struct mdt_ical_event e = series();
    /* March 9th cancelled; April 13th moved to the 15th, 14:00 BST. */
    int64_t ex[] = {JAN12 + 56 * 86400};
    struct mdt_ical_override ov[] = {
        {APR13, APR13 + 2 * 86400 + 4 * 3600, APR13 + 2 * 86400 + 5 * 3600}};
    e.exdates = ex, e.n_exdates = 1;
    e.overrides = ov, e.n_overrides = 1;
    char *s = build_ok(MDT_ICAL_REQUEST, &e, 1);

    assert_folded(s);
    ASSERT_CONTAINS(s, "EXDATE;TZID=Europe/London:20270309T100000\r\n");
    ASSERT_CONTAINS(s, "RECURRENCE-ID;TZID=Europe/London:20270413T100000\r\n");
    ASSERT_CONTAINS(s, "DTSTART;TZID=Europe/London:20270415T140000\r\n");
    ASSERT_EQ(count(s, "BEGIN:VEVENT"), 2);
    ASSERT_EQ(count(s, "UID:series-1@mdt.example\r\n"), 2);
    ASSERT_EQ(count(s, "SEQUENCE:3\r\n"), 2);
    ASSERT_EQ(count(s, "RRULE:FREQ=MONTHLY"), 1);
    free(s);
}

TEST(ical_cancel_series)
{
    mdt_ical_init();
    struct mdt_ical_event e = series();
    struct mdt_ical_override ov[] = {{APR13, APR13 + 3600, APR13 + 7200}};
    e.sequence = 4;
    e.overrides = ov, e.n_overrides = 1;
    char *s = build_ok(MDT_ICAL_CANCEL, &e, 1);

    ASSERT_CONTAINS(s, "METHOD:CANCEL\r\n");
    ASSERT_CONTAINS(s, "STATUS:CANCELLED\r\n");
    ASSERT_CONTAINS(s, "SEQUENCE:4\r\n");
    ASSERT_EQ(count(s, "BEGIN:VEVENT"), 1);
    free(s);
}

TEST(ical_single_slot_and_publish)
{
    mdt_ical_init();
    struct mdt_ical_event e[2] = {series(), series()};
    e[1].uid = "series-1-case-7@mdt.example";
    e[1].rrule = NULL;
    e[1].start = APR13 + 1200;
    e[1].end = APR13 + 2400;
    char *s = build_ok(MDT_ICAL_REQUEST, &e[1], 1);
    ASSERT_CONTAINS(s, "DTSTART;TZID=Europe/London:20270413T102000\r\n");
    ASSERT_NOT_CONTAINS(strstr(s, "BEGIN:VEVENT"), "RRULE");
    free(s);

    s = build_ok(MDT_ICAL_PUBLISH, e, 2);
    ASSERT_CONTAINS(s, "METHOD:PUBLISH\r\n");
    ASSERT_NOT_CONTAINS(s, "ATTENDEE");
    ASSERT_EQ(count(s, "BEGIN:VTIMEZONE"), 1);
    ASSERT_EQ(count(s, "BEGIN:VEVENT"), 2);
    free(s);

    s = build_ok(MDT_ICAL_PUBLISH, e, 0);
    ASSERT_CONTAINS(s, "METHOD:PUBLISH\r\n");
    free(s);
}

TEST(ical_build_refuses_bad_input)
{
    mdt_ical_init();
    struct mdt_ical_event e = series();
    struct mdt_buf err;
    char *out;

    mdt_buf_init(&err, 1024);
    e.tz = "Mars/Olympus";
    ASSERT_EQ(mdt_ical_build(MDT_ICAL_REQUEST, &e, 1, JAN12, &out, &err), -EINVAL);
    ASSERT(out == NULL);
    ASSERT_CONTAINS(mdt_buf_str(&err), "tz");
    e = series();
    e.rrule = "FREQ=SOMETIMES";
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_ical_build(MDT_ICAL_REQUEST, &e, 1, JAN12, &out, &err), -EINVAL);
    ASSERT_CONTAINS(mdt_buf_str(&err), "rrule");
    e = series();
    e.summary = "line\rbreak";
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_ical_build(MDT_ICAL_REQUEST, &e, 1, JAN12, &out, &err), -EINVAL);
    e = series();
    e.attendee_email = NULL;
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_ical_build(MDT_ICAL_REQUEST, &e, 1, JAN12, &out, &err), -EINVAL);
    ASSERT_CONTAINS(mdt_buf_str(&err), "attendee");
    mdt_buf_release(&err);
}

TEST(ical_check_finds_restriction_errors)
{
    mdt_ical_init();
    struct mdt_buf err;
    /* A REQUEST without ORGANIZER or ATTENDEE breaks RFC 5546. */
    const char *bad = "BEGIN:VCALENDAR\r\nPRODID:x\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n"
                      "BEGIN:VEVENT\r\nUID:a\r\nDTSTAMP:20270101T000000Z\r\n"
                      "DTSTART:20270101T100000Z\r\nSUMMARY:s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

    mdt_buf_init(&err, 1024);
    ASSERT_EQ(mdt_ical_check(bad, &err), -EINVAL);
    ASSERT(err.len > 0);
    mdt_buf_reset(&err);
    ASSERT_EQ(mdt_ical_check("hello", &err), -EINVAL);
    mdt_buf_release(&err);
}

TEST(ical_local_to_utc_across_clock_changes)
{
    mdt_ical_init();
    int64_t t;
    ASSERT_EQ(mdt_ical_local_to_utc("Europe/London", "2027-01-12T10:00", &t), 0);
    ASSERT_EQ(t, JAN12);
    ASSERT_EQ(mdt_ical_local_to_utc("Europe/London", "2027-04-13T10:00:00", &t), 0);
    ASSERT_EQ(t, APR13);
    ASSERT_EQ(mdt_ical_local_to_utc("Europe/London", "2027-02-30T10:00", &t), -EINVAL);
    ASSERT_EQ(mdt_ical_local_to_utc("Europe/London", "2027-01-12 10:00", &t), -EINVAL);
    ASSERT_EQ(mdt_ical_local_to_utc("Nowhere/Else", "2027-01-12T10:00", &t), -EINVAL);
    ASSERT(mdt_ical_zone_known("America/New_York"));
    char buf[64];
    ASSERT_STREQ(mdt_ical_format_local("Europe/London", APR13, buf, sizeof(buf)),
                 "Tue 13 Apr 2027 10:00");
    ASSERT_STREQ(mdt_ical_format_local("Europe/London", JAN12, buf, sizeof(buf)),
                 "Tue 12 Jan 2027 10:00");
}

static const char reply_head[] =
    "BEGIN:VCALENDAR\r\nPRODID:-//x//y//EN\r\nVERSION:2.0\r\nMETHOD:REPLY\r\n"
    "BEGIN:VEVENT\r\nUID:series-1@mdt.example\r\nDTSTAMP:20270101T000000Z\r\n"
    "SEQUENCE:3\r\n";

static int parse(const char *body, struct mdt_ical_reply *r, struct mdt_buf *err)
{
    mdt_buf_reset(err);
    return mdt_ical_parse_reply(body, strlen(body), r, err);
}

TEST(ical_parse_reply)
{
    mdt_ical_init();
    struct mdt_ical_reply r;
    struct mdt_buf err, b;

    mdt_buf_init(&err, 1024);
    mdt_buf_init(&b, MDT_BUF_NOCAP);
    mdt_buf_printf(&b,
                   "%sATTENDEE;PARTSTAT=ACCEPTED;CN=G:MAILTO:GP@Surgery.example\r\n"
                   "END:VEVENT\r\nEND:VCALENDAR\r\n",
                   reply_head);
    ASSERT_EQ(parse(mdt_buf_str(&b), &r, &err), 0);
    ASSERT_STREQ(r.uid, "series-1@mdt.example");
    ASSERT_STREQ(r.attendee, "gp@surgery.example");
    ASSERT_EQ(r.partstat, MDT_PARTSTAT_ACCEPTED);
    ASSERT_EQ(r.has_recurrence_id, 0);
    mdt_ical_reply_release(&r);

    /* One occurrence, by its wall-clock time in a named zone. */
    mdt_buf_reset(&b);
    mdt_buf_printf(&b,
                   "%sATTENDEE;PARTSTAT=DECLINED:mailto:gp@surgery.example\r\n"
                   "RECURRENCE-ID;TZID=Europe/London:20270413T100000\r\n"
                   "END:VEVENT\r\nEND:VCALENDAR\r\n",
                   reply_head);
    ASSERT_EQ(parse(mdt_buf_str(&b), &r, &err), 0);
    ASSERT_EQ(r.partstat, MDT_PARTSTAT_DECLINED);
    ASSERT_EQ(r.has_recurrence_id, 1);
    ASSERT_EQ(r.recurrence_id, APR13);
    mdt_ical_reply_release(&r);

    /* ...and in UTC. */
    mdt_buf_reset(&b);
    mdt_buf_printf(&b,
                   "%sATTENDEE;PARTSTAT=TENTATIVE:mailto:gp@surgery.example\r\n"
                   "RECURRENCE-ID:20270413T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                   reply_head);
    ASSERT_EQ(parse(mdt_buf_str(&b), &r, &err), 0);
    ASSERT_EQ(r.recurrence_id, APR13);
    mdt_ical_reply_release(&r);

    /* Refused: two attendees, no PARTSTAT, not mailto, not REPLY, too big. */
    mdt_buf_reset(&b);
    mdt_buf_printf(
        &b,
        "%sATTENDEE;PARTSTAT=ACCEPTED:mailto:a@x.example\r\n"
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:b@x.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        reply_head);
    ASSERT_EQ(parse(mdt_buf_str(&b), &r, &err), -EINVAL);
    ASSERT_CONTAINS(mdt_buf_str(&err), "ATTENDEE");
    mdt_buf_reset(&b);
    mdt_buf_printf(&b, "%sATTENDEE:mailto:a@x.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                   reply_head);
    ASSERT_EQ(parse(mdt_buf_str(&b), &r, &err), -EINVAL);
    ASSERT_CONTAINS(mdt_buf_str(&err), "PARTSTAT");
    mdt_buf_reset(&b);
    mdt_buf_printf(
        &b, "%sATTENDEE;PARTSTAT=ACCEPTED:http://a.example\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        reply_head);
    ASSERT_EQ(parse(mdt_buf_str(&b), &r, &err), -EINVAL);
    ASSERT_EQ(parse("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n", &r, &err), -EINVAL);
    ASSERT_CONTAINS(mdt_buf_str(&err), "METHOD");
    ASSERT_EQ(parse("garbage", &r, &err), -EINVAL);
    mdt_buf_reset(&b);
    mdt_buf_printf(
        &b,
        "%sATTENDEE;PARTSTAT=ACCEPTED:mailto:a@x.example\r\n"
        "RECURRENCE-ID;TZID=Mars/Base:20270413T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        reply_head);
    ASSERT_EQ(parse(mdt_buf_str(&b), &r, &err), -EINVAL);
    ASSERT_CONTAINS(mdt_buf_str(&err), "RECURRENCE-ID");
    char *big = calloc(1, MDT_ICAL_REPLY_MAX + 2);
    memset(big, 'A', MDT_ICAL_REPLY_MAX + 1);
    ASSERT_EQ(parse(big, &r, &err), -E2BIG);
    free(big);
    mdt_buf_release(&b);
    mdt_buf_release(&err);
}

TEST(ical_zone_cache_gives_the_same_objects)
{
    mdt_ical_init();
    struct mdt_ical_zones *z = mdt_ical_zones_new();
    struct mdt_ical_event e = series();
    struct mdt_buf err;
    char *plain = NULL, *cached = NULL;

    mdt_buf_init(&err, 1024);
    ASSERT_EQ(mdt_ical_build(MDT_ICAL_REQUEST, &e, 1, JAN12, &plain, &err), 0);
    for (int i = 0; i < 3; i++) {
        e.attendee_email = i == 1 ? "other@x.example" : "gp@surgery.example";
        ASSERT_EQ(mdt_ical_build_z(z, MDT_ICAL_REQUEST, &e, 1, JAN12, &cached, &err), 0);
        if (i != 1)
            ASSERT_STREQ(cached, plain);
        else
            ASSERT_NOT_CONTAINS(cached, "gp@surgery.example");
        free(cached);
    }
    /* Another zone and another year are cached apart. */
    e.tz = "America/New_York";
    ASSERT_EQ(mdt_ical_build_z(z, MDT_ICAL_REQUEST, &e, 1, JAN12, &cached, &err), 0);
    ASSERT_CONTAINS(cached, "TZID:America/New_York");
    ASSERT_NOT_CONTAINS(cached, "Europe/London");
    free(cached);
    free(plain);
    mdt_ical_zones_free(z);
    mdt_buf_release(&err);
}
