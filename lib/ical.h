/* iCalendar objects for meetings, built with libical from plain structs
 * (no database here): iMIP invites (METHOD:REQUEST / CANCEL, RFC 6047),
 * calendar feeds (METHOD:PUBLISH), and the parsing of an iMIP REPLY.
 *
 * Times are Unix seconds (UTC); every event is written in its own time
 * zone (DTSTART;TZID=Europe/London:20270112T100000) with a VTIMEZONE
 * cloned from libical's built-in zone, renamed to exactly the zone's name
 * (Outlook refuses "/freeassociation.sourceforge.net/..." names) and
 * truncated to the years in use. Output is folded and CRLF-terminated.
 *
 * Call mdt_ical_init() once at start-up (libical aborts on errors
 * otherwise). */
#ifndef MDT_ICAL_H
#define MDT_ICAL_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum mdt_ical_method {
    MDT_ICAL_REQUEST,
    MDT_ICAL_CANCEL,
    MDT_ICAL_PUBLISH,
};

enum mdt_ical_partstat {
    MDT_PARTSTAT_NEEDS_ACTION,
    MDT_PARTSTAT_ACCEPTED,
    MDT_PARTSTAT_DECLINED,
    MDT_PARTSTAT_TENTATIVE,
};

/* A moved occurrence: an override VEVENT with RECURRENCE-ID. */
struct mdt_ical_override {
    int64_t recurrence_id; /* the start the rule gives */
    int64_t start, end;
};

/* One VEVENT (with its overrides). All strings are borrowed. */
struct mdt_ical_event {
    const char *uid;
    int64_t sequence;
    const char *tz;         /* IANA name, e.g. "Europe/London" */
    int64_t start, end;     /* the master's DTSTART / DTEND */
    const char *rrule;      /* "FREQ=MONTHLY;BYDAY=2TU", or NULL: one occurrence */
    const int64_t *exdates; /* recurrence ids of skipped / cancelled occurrences */
    size_t n_exdates;
    const struct mdt_ical_override *overrides;
    size_t n_overrides;
    const char *summary;
    const char *location;                         /* the meeting link, or NULL */
    const char *description;                      /* or NULL */
    const char *organizer_email, *organizer_name; /* name may be NULL */
    /* The one recipient (REQUEST / CANCEL); NULL in a PUBLISH feed. */
    const char *attendee_email, *attendee_name;
    int cancelled; /* STATUS:CANCELLED (a CANCEL of the whole event) */
};

/* Start-up: libical errors are returned, not fatal. */
void mdt_ical_init(void);

/* Builds a VCALENDAR with the given METHOD holding ev[0..n), each with
 * its overrides, and one VTIMEZONE per zone in use. DTSTAMP is dtstamp.
 * *out is new (free): the folded, CRLF-terminated text. On failure returns
 * -EINVAL (a bad zone, rule or field, described in err) or -ENOMEM. */
int mdt_ical_build(enum mdt_ical_method method, const struct mdt_ical_event *ev, size_t n,
                   int64_t dtstamp, char **out, struct mdt_buf *err);

/* A cache of truncated VTIMEZONEs for building many objects in a row
 * (one invite per list member): cutting a zone's history is most of the
 * cost of a build. New: mdt_ical_zones_free. */
struct mdt_ical_zones;
struct mdt_ical_zones *mdt_ical_zones_new(void);
void mdt_ical_zones_free(struct mdt_ical_zones *z);
/* mdt_ical_build with the zones taken from (and added to) z. */
int mdt_ical_build_z(struct mdt_ical_zones *z, enum mdt_ical_method method,
                     const struct mdt_ical_event *ev, size_t n, int64_t dtstamp, char **out,
                     struct mdt_buf *err);

/* Whether text (a whole VCALENDAR) passes libical's parser and
 * icalrestriction_check (RFC 5546's rules for its METHOD): 0, or -EINVAL
 * with the first problem in err. For tests and for checking input. */
int mdt_ical_check(const char *text, struct mdt_buf *err);

/* A wall-clock time "YYYY-MM-DDTHH:MM[:SS]" in zone tz as Unix seconds. */
int mdt_ical_local_to_utc(const char *tz, const char *local, int64_t *out);
/* t as wall-clock time in tz, "Tue 12 Jan 2027 10:00", into s (size n);
 * returns s ("?" when tz is unknown). */
char *mdt_ical_format_local(const char *tz, int64_t t, char *s, size_t n);
/* Whether tz names one of libical's built-in zones. */
int mdt_ical_zone_known(const char *tz);

#define MDT_ICAL_REPLY_MAX (64 * 1024)

/* What an iMIP REPLY says. Strings are new (mdt_ical_reply_release). */
struct mdt_ical_reply {
    char *uid;
    char *attendee; /* the address, without "mailto:", lower-cased */
    enum mdt_ical_partstat partstat;
    int has_recurrence_id;
    int64_t recurrence_id;
};

/* Parses text (at most MDT_ICAL_REPLY_MAX bytes): a VCALENDAR with
 * METHOD:REPLY and one VEVENT with a UID and exactly one ATTENDEE whose
 * PARTSTAT is ACCEPTED, DECLINED or TENTATIVE. -EINVAL with the problem
 * (naming the property) in err; -E2BIG when too large. */
int mdt_ical_parse_reply(const char *text, size_t len, struct mdt_ical_reply *out,
                         struct mdt_buf *err);
void mdt_ical_reply_release(struct mdt_ical_reply *r);

const char *mdt_ical_partstat_name(enum mdt_ical_partstat p); /* "accepted", ... */
int mdt_ical_partstat_parse(const char *s);                   /* the enum, or -1 */

#endif
