/* iCalendar objects with libical: see ical.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "ical.h"
#include "xmalloc.h"

#define PRODID "-//mdtd//mdtd meetings//EN"

void mdt_ical_init(void)
{
    icalerror_set_errors_are_fatal(0);
}

static icaltimezone *zone_get(const char *tz)
{
    if (tz == NULL || *tz == '\0' || strlen(tz) > 64)
        return NULL;
    return icaltimezone_get_builtin_timezone(tz);
}

int mdt_ical_zone_known(const char *tz)
{
    return zone_get(tz) != NULL;
}

static struct icaltimetype utc_time(int64_t t)
{
    return icaltime_from_timet_with_zone((time_t)t, 0, icaltimezone_get_utc_timezone());
}

/* The wall-clock time of t in zone, floating: the TZID parameter is put
 * on the property by hand, so that it carries exactly our zone name and
 * not libical's "/freeassociation.sourceforge.net/" one. */
static struct icaltimetype local_time(int64_t t, icaltimezone *zone)
{
    struct icaltimetype tt = icaltime_from_timet_with_zone((time_t)t, 0, zone);
    tt.zone = NULL;
    tt.is_date = 0;
    return tt;
}

static icalproperty *with_tzid(icalproperty *p, const char *tz)
{
    icalproperty_add_parameter(p, icalparameter_new_tzid(tz));
    return p;
}

static char *mailto(const char *email)
{
    size_t n = strlen(email) + 8;
    char *s = mdt_xmalloc(n);
    snprintf(s, n, "mailto:%s", email);
    return s;
}

static void add_person(icalcomponent *ev, const struct mdt_ical_event *e, int attendee)
{
    char *to = mailto(attendee ? e->attendee_email : e->organizer_email);
    const char *cn = attendee ? e->attendee_name : e->organizer_name;
    icalproperty *p = attendee ? icalproperty_new_attendee(to) : icalproperty_new_organizer(to);

    if (cn && *cn)
        icalproperty_add_parameter(p, icalparameter_new_cn(cn));
    if (attendee) {
        icalproperty_add_parameter(p, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
        icalproperty_add_parameter(p, icalparameter_new_partstat(ICAL_PARTSTAT_NEEDSACTION));
        icalproperty_add_parameter(p, icalparameter_new_rsvp(ICAL_RSVP_TRUE));
    }
    icalcomponent_add_property(ev, p);
    free(to);
}

/* The properties every VEVENT of e shares (master and overrides). */
static void add_common(icalcomponent *ev, const struct mdt_ical_event *e,
                       enum mdt_ical_method method, int64_t dtstamp)
{
    icalcomponent_add_property(ev, icalproperty_new_uid(e->uid));
    icalcomponent_add_property(ev, icalproperty_new_sequence((int)e->sequence));
    icalcomponent_add_property(ev, icalproperty_new_dtstamp(utc_time(dtstamp)));
    icalcomponent_add_property(ev, icalproperty_new_summary(e->summary ? e->summary : ""));
    if (e->location && *e->location)
        icalcomponent_add_property(ev, icalproperty_new_location(e->location));
    if (e->description && *e->description)
        icalcomponent_add_property(ev, icalproperty_new_description(e->description));
    if (e->organizer_email)
        add_person(ev, e, 0);
    if (method != MDT_ICAL_PUBLISH && e->attendee_email)
        add_person(ev, e, 1);
    if (e->cancelled || method == MDT_ICAL_CANCEL)
        icalcomponent_add_property(ev, icalproperty_new_status(ICAL_STATUS_CANCELLED));
    else
        icalcomponent_add_property(ev, icalproperty_new_status(ICAL_STATUS_CONFIRMED));
    icalcomponent_add_property(ev, icalproperty_new_transp(ICAL_TRANSP_OPAQUE));
}

static int check_text(const char *what, const char *s, int required, struct mdt_buf *err)
{
    if (s == NULL) {
        if (required)
            mdt_buf_printf(err, "%s: missing", what);
        return required ? -EINVAL : 0;
    }
    if ((required && *s == '\0') || strlen(s) > 4096) {
        mdt_buf_printf(err, "%s: must be 1-4096 characters", what);
        return -EINVAL;
    }
    /* Control characters would break the folded lines. */
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 && *p != '\n' && *p != '\t') {
            mdt_buf_printf(err, "%s: control characters are not allowed", what);
            return -EINVAL;
        }
    return 0;
}

static int check_event(const struct mdt_ical_event *e, enum mdt_ical_method method,
                       struct mdt_buf *err)
{
    int rc;

    if ((rc = check_text("uid", e->uid, 1, err)) < 0 ||
        (rc = check_text("summary", e->summary, 1, err)) < 0 ||
        (rc = check_text("location", e->location, 0, err)) < 0 ||
        (rc = check_text("description", e->description, 0, err)) < 0 ||
        (rc = check_text("organizer", e->organizer_email, 1, err)) < 0 ||
        (rc = check_text("organizer name", e->organizer_name, 0, err)) < 0 ||
        (rc = check_text("attendee", e->attendee_email, method != MDT_ICAL_PUBLISH, err)) < 0 ||
        (rc = check_text("attendee name", e->attendee_name, 0, err)) < 0)
        return rc;
    if (zone_get(e->tz) == NULL) {
        mdt_buf_printf(err, "tz: unknown time zone");
        return -EINVAL;
    }
    if (e->end <= e->start) {
        mdt_buf_printf(err, "end: must be after the start");
        return -EINVAL;
    }
    if (e->sequence < 0 || e->sequence > 0x7fffffff) {
        mdt_buf_printf(err, "sequence: out of range");
        return -EINVAL;
    }
    if (e->rrule) {
        struct icalrecurrencetype rt = icalrecurrencetype_from_string(e->rrule);
        icalerror_clear_errno();
        if (rt.freq == ICAL_NO_RECURRENCE) {
            mdt_buf_printf(err, "rrule: not a valid recurrence rule");
            return -EINVAL;
        }
    }
    return 0;
}

static void add_event(icalcomponent *cal, const struct mdt_ical_event *e,
                      enum mdt_ical_method method, int64_t dtstamp)
{
    icaltimezone *zone = zone_get(e->tz);
    icalcomponent *ev = icalcomponent_new_vevent();

    add_common(ev, e, method, dtstamp);
    icalcomponent_add_property(
        ev, with_tzid(icalproperty_new_dtstart(local_time(e->start, zone)), e->tz));
    icalcomponent_add_property(ev,
                               with_tzid(icalproperty_new_dtend(local_time(e->end, zone)), e->tz));
    if (e->rrule) {
        icalcomponent_add_property(
            ev, icalproperty_new_rrule(icalrecurrencetype_from_string(e->rrule)));
        for (size_t i = 0; i < e->n_exdates; i++)
            icalcomponent_add_property(
                ev, with_tzid(icalproperty_new_exdate(local_time(e->exdates[i], zone)), e->tz));
    }
    icalcomponent_add_component(cal, ev);
    /* A CANCEL of the whole event needs only the master. */
    if (e->rrule == NULL || method == MDT_ICAL_CANCEL)
        return;
    for (size_t i = 0; i < e->n_overrides; i++) {
        const struct mdt_ical_override *o = &e->overrides[i];
        icalcomponent *ov = icalcomponent_new_vevent();
        add_common(ov, e, method, dtstamp);
        icalcomponent_add_property(
            ov,
            with_tzid(icalproperty_new_recurrenceid(local_time(o->recurrence_id, zone)), e->tz));
        icalcomponent_add_property(
            ov, with_tzid(icalproperty_new_dtstart(local_time(o->start, zone)), e->tz));
        icalcomponent_add_property(
            ov, with_tzid(icalproperty_new_dtend(local_time(o->end, zone)), e->tz));
        icalcomponent_add_component(cal, ov);
    }
}

/* The zone's VTIMEZONE under exactly the name tz, cut to start at the
 * beginning of the year of from (earlier transitions are not needed). */
static icalcomponent *vtimezone_make(const char *tz, int64_t from)
{
    icaltimezone *zone = zone_get(tz);
    icalcomponent *vtz = icalcomponent_new_clone(icaltimezone_get_component(zone));
    icalproperty *p = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
    struct icaltimetype start = utc_time(from);

    if (p)
        icalproperty_set_tzid(p, tz);
    else
        icalcomponent_add_property(vtz, icalproperty_new_tzid(tz));
    /* libical's own location hint adds nothing a client reads. */
    while ((p = icalcomponent_get_first_property(vtz, ICAL_X_PROPERTY)) != NULL) {
        icalcomponent_remove_property(vtz, p);
        icalproperty_free(p);
    }
    start.month = 1, start.day = 1, start.hour = 0, start.minute = 0, start.second = 0;
    icaltimezone_truncate_vtimezone(vtz, start, icaltime_null_time(), 1);
    return vtz;
}

#define ZONES_MAX 8

struct mdt_ical_zones {
    struct {
        char tz[72];
        int year;
        icalcomponent *vtz;
    } e[ZONES_MAX];
    size_t n;
};

struct mdt_ical_zones *mdt_ical_zones_new(void)
{
    return mdt_xcalloc(1, sizeof(struct mdt_ical_zones));
}

void mdt_ical_zones_free(struct mdt_ical_zones *z)
{
    if (z == NULL)
        return;
    for (size_t i = 0; i < z->n; i++)
        icalcomponent_free(z->e[i].vtz);
    free(z);
}

/* New: the VTIMEZONE for tz from the year of from, cloned from z's copy
 * when it has one. */
static icalcomponent *vtimezone(struct mdt_ical_zones *z, const char *tz, int64_t from)
{
    int year = utc_time(from).year;

    if (z == NULL)
        return vtimezone_make(tz, from);
    for (size_t i = 0; i < z->n; i++)
        if (z->e[i].year == year && strcmp(z->e[i].tz, tz) == 0)
            return icalcomponent_new_clone(z->e[i].vtz);
    if (z->n == ZONES_MAX || strlen(tz) >= sizeof(z->e[0].tz))
        return vtimezone_make(tz, from);
    snprintf(z->e[z->n].tz, sizeof(z->e[0].tz), "%s", tz);
    z->e[z->n].year = year;
    z->e[z->n].vtz = vtimezone_make(tz, from);
    return icalcomponent_new_clone(z->e[z->n++].vtz);
}

static int64_t earliest(const struct mdt_ical_event *e)
{
    int64_t t = e->start;
    for (size_t i = 0; i < e->n_overrides; i++) {
        if (e->overrides[i].start < t)
            t = e->overrides[i].start;
        if (e->overrides[i].recurrence_id < t)
            t = e->overrides[i].recurrence_id;
    }
    return t;
}

int mdt_ical_build(enum mdt_ical_method method, const struct mdt_ical_event *ev, size_t n,
                   int64_t dtstamp, char **out, struct mdt_buf *err)
{
    return mdt_ical_build_z(NULL, method, ev, n, dtstamp, out, err);
}

int mdt_ical_build_z(struct mdt_ical_zones *z, enum mdt_ical_method method,
                     const struct mdt_ical_event *ev, size_t n, int64_t dtstamp, char **out,
                     struct mdt_buf *err)
{
    icalcomponent *cal = NULL;
    icalproperty_method m;
    int rc;

    *out = NULL;
    switch (method) {
    case MDT_ICAL_REQUEST:
        m = ICAL_METHOD_REQUEST;
        break;
    case MDT_ICAL_CANCEL:
        m = ICAL_METHOD_CANCEL;
        break;
    case MDT_ICAL_PUBLISH:
        m = ICAL_METHOD_PUBLISH;
        break;
    default:
        mdt_buf_printf(err, "method: unknown");
        return -EINVAL;
    }
    if (n == 0 && method != MDT_ICAL_PUBLISH) {
        mdt_buf_printf(err, "events: an invite needs one");
        return -EINVAL;
    }
    for (size_t i = 0; i < n; i++)
        if ((rc = check_event(&ev[i], method, err)) < 0)
            return rc;
    cal = icalcomponent_new_vcalendar();
    icalcomponent_add_property(cal, icalproperty_new_prodid(PRODID));
    icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
    icalcomponent_add_property(cal, icalproperty_new_method(m));
    if (method == MDT_ICAL_PUBLISH) {
        /* The calendar's display name for subscribing clients. */
        icalproperty *x = icalproperty_new_x("MDT meetings");
        icalproperty_set_x_name(x, "X-WR-CALNAME");
        icalcomponent_add_property(cal, x);
    }
    /* One VTIMEZONE per zone, from the earliest time any event uses. */
    for (size_t i = 0; i < n; i++) {
        int seen = 0;
        int64_t from = earliest(&ev[i]);
        for (size_t j = 0; j < i; j++)
            seen |= strcmp(ev[j].tz, ev[i].tz) == 0;
        if (seen)
            continue;
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(ev[j].tz, ev[i].tz) == 0 && earliest(&ev[j]) < from)
                from = earliest(&ev[j]);
        icalcomponent_add_component(cal, vtimezone(z, ev[i].tz, from));
    }
    for (size_t i = 0; i < n; i++)
        add_event(cal, &ev[i], method, dtstamp);
    *out = icalcomponent_as_ical_string_r(cal);
    icalcomponent_free(cal);
    return *out ? 0 : -ENOMEM;
}

/* The first X-LIC-ERROR anywhere under c, or NULL. */
static icalproperty *find_error(icalcomponent *c)
{
    icalproperty *p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY);
    if (p)
        return p;
    for (icalcomponent *k = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); k;
         k = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
        if ((p = find_error(k)) != NULL)
            return p;
    return NULL;
}

int mdt_ical_check(const char *text, struct mdt_buf *err)
{
    icalcomponent *c;
    icalproperty *p;
    int rc = 0;

    mdt_ical_init();
    c = icalparser_parse_string(text);
    if (c == NULL || icalcomponent_isa(c) != ICAL_VCALENDAR_COMPONENT) {
        mdt_buf_printf(err, "not a VCALENDAR");
        rc = -EINVAL;
        goto out;
    }
    if ((p = find_error(c)) != NULL) {
        mdt_buf_printf(err, "parse: %s", icalproperty_get_xlicerror(p));
        rc = -EINVAL;
        goto out;
    }
    if (!icalrestriction_check(c) || (p = find_error(c)) != NULL) {
        p = find_error(c);
        mdt_buf_printf(err, "restriction: %s", p ? icalproperty_get_xlicerror(p) : "failed");
        rc = -EINVAL;
        goto out;
    }
out:
    if (c)
        icalcomponent_free(c);
    icalerror_clear_errno();
    return rc;
}

int mdt_ical_local_to_utc(const char *tz, const char *local, int64_t *out)
{
    icaltimezone *zone = zone_get(tz);
    struct icaltimetype tt = icaltime_null_time();
    int y, mo, d, h, mi, s = 0, n = 0;
    size_t len = local ? strlen(local) : 0;

    if (zone == NULL || (len != 16 && len != 19))
        return -EINVAL;
    for (size_t i = 0; i < len; i++) {
        char c = local[i];
        int digit = isdigit((unsigned char)c) != 0;
        if ((i == 4 || i == 7)     ? c != '-'
            : i == 10              ? c != 'T'
            : (i == 13 || i == 16) ? c != ':'
                                   : !digit)
            return -EINVAL;
    }
    if (sscanf(local, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &h, &mi, &n) != 5)
        return -EINVAL;
    if (len == 19 && sscanf(local + 16, ":%2d", &s) != 1)
        return -EINVAL;
    if (y < 1970 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > icaltime_days_in_month(mo, y) ||
        h > 23 || mi > 59 || s > 59)
        return -EINVAL;
    tt.year = y, tt.month = mo, tt.day = d, tt.hour = h, tt.minute = mi, tt.second = s;
    *out = (int64_t)icaltime_as_timet_with_zone(tt, zone);
    return 0;
}

char *mdt_ical_format_local(const char *tz, int64_t t, char *s, size_t n)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    icaltimezone *zone = zone_get(tz);
    struct icaltimetype tt;
    int dow;

    if (zone == NULL) {
        snprintf(s, n, "?");
        return s;
    }
    tt = icaltime_from_timet_with_zone((time_t)t, 0, zone);
    dow = icaltime_day_of_week(tt) - 1; /* 1 is Sunday */
    snprintf(s, n, "%s %d %s %d %02d:%02d", days[dow >= 0 && dow < 7 ? dow : 0], tt.day,
             months[tt.month >= 1 && tt.month <= 12 ? tt.month - 1 : 0], tt.year, tt.hour,
             tt.minute);
    return s;
}

const char *mdt_ical_partstat_name(enum mdt_ical_partstat p)
{
    switch (p) {
    case MDT_PARTSTAT_ACCEPTED:
        return "accepted";
    case MDT_PARTSTAT_DECLINED:
        return "declined";
    case MDT_PARTSTAT_TENTATIVE:
        return "tentative";
    case MDT_PARTSTAT_NEEDS_ACTION:
        break;
    }
    return "needs-action";
}

int mdt_ical_partstat_parse(const char *s)
{
    static const enum mdt_ical_partstat all[] = {MDT_PARTSTAT_NEEDS_ACTION, MDT_PARTSTAT_ACCEPTED,
                                                 MDT_PARTSTAT_DECLINED, MDT_PARTSTAT_TENTATIVE};
    if (s == NULL)
        return -1;
    for (size_t i = 0; i < 4; i++)
        if (strcmp(s, mdt_ical_partstat_name(all[i])) == 0)
            return (int)all[i];
    return -1;
}

void mdt_ical_reply_release(struct mdt_ical_reply *r)
{
    free(r->uid);
    free(r->attendee);
    memset(r, 0, sizeof(*r));
}

static int reply_fail(struct mdt_buf *err, const char *msg)
{
    mdt_buf_adds(err, msg);
    return -EINVAL;
}

/* RECURRENCE-ID as Unix seconds: UTC, or wall-clock with a TZID that the
 * REPLY's own VTIMEZONE or libical's built-in zones know. */
static int recurrence_utc(icalcomponent *cal, icalproperty *p, int64_t *out, struct mdt_buf *err)
{
    struct icaltimetype tt = icalproperty_get_recurrenceid(p);
    icalparameter *tzp = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);
    icaltimezone *zone = NULL;

    if (icaltime_is_null_time(tt) || !icaltime_is_valid_time(tt) || tt.is_date)
        return reply_fail(err, "RECURRENCE-ID: must be a date-time");
    if (icaltime_is_utc(tt)) {
        zone = icaltimezone_get_utc_timezone();
    } else if (tzp) {
        const char *tzid = icalparameter_get_tzid(tzp);
        if (tzid == NULL || (zone = icalcomponent_get_timezone(cal, tzid)) == NULL)
            zone = zone_get(tzid);
    }
    if (zone == NULL)
        return reply_fail(err, "RECURRENCE-ID: needs UTC or a known TZID");
    tt.zone = NULL;
    *out = (int64_t)icaltime_as_timet_with_zone(tt, zone);
    return 0;
}

int mdt_ical_parse_reply(const char *text, size_t len, struct mdt_ical_reply *out,
                         struct mdt_buf *err)
{
    icalcomponent *cal = NULL, *ev;
    icalproperty *p, *att = NULL;
    icalparameter *ps;
    char *copy = NULL;
    const char *v;
    int rc = -EINVAL, natt = 0;

    mdt_ical_init(); /* untrusted input: errors must never abort */
    memset(out, 0, sizeof(*out));
    if (len > MDT_ICAL_REPLY_MAX) {
        mdt_buf_printf(err, "body: larger than %d bytes", MDT_ICAL_REPLY_MAX);
        return -E2BIG;
    }
    if (memchr(text, '\0', len)) {
        mdt_buf_adds(err, "body: contains a NUL byte");
        return -EINVAL;
    }
    copy = mdt_xmalloc(len + 1);
    memcpy(copy, text, len);
    copy[len] = '\0';
    cal = icalparser_parse_string(copy);
    if (cal == NULL || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT) {
        rc = reply_fail(err, "body: not a VCALENDAR");
        goto out;
    }
    p = icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY);
    if (p == NULL || icalproperty_get_method(p) != ICAL_METHOD_REPLY) {
        rc = reply_fail(err, "METHOD: must be REPLY");
        goto out;
    }
    ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    if (ev == NULL) {
        rc = reply_fail(err, "VEVENT: missing");
        goto out;
    }
    if ((p = icalcomponent_get_first_property(ev, ICAL_UID_PROPERTY)) == NULL ||
        (v = icalproperty_get_uid(p)) == NULL || *v == '\0' || strlen(v) > 255) {
        rc = reply_fail(err, "UID: missing or longer than 255 characters");
        goto out;
    }
    out->uid = mdt_xstrdup(v);
    for (p = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY); p;
         p = icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY))
        natt++, att = p;
    if (natt != 1) {
        rc = reply_fail(err, "ATTENDEE: a REPLY names exactly one");
        goto out;
    }
    v = icalproperty_get_attendee(att);
    if (v == NULL || strncasecmp(v, "mailto:", 7) != 0 || strlen(v + 7) < 3 ||
        strlen(v + 7) > 254 || strchr(v + 7, '@') == NULL) {
        rc = reply_fail(err, "ATTENDEE: must be a mailto: address");
        goto out;
    }
    out->attendee = mdt_xstrdup(v + 7);
    for (char *c = out->attendee; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    ps = icalproperty_get_first_parameter(att, ICAL_PARTSTAT_PARAMETER);
    switch (ps ? icalparameter_get_partstat(ps) : ICAL_PARTSTAT_NONE) {
    case ICAL_PARTSTAT_ACCEPTED:
        out->partstat = MDT_PARTSTAT_ACCEPTED;
        break;
    case ICAL_PARTSTAT_DECLINED:
        out->partstat = MDT_PARTSTAT_DECLINED;
        break;
    case ICAL_PARTSTAT_TENTATIVE:
        out->partstat = MDT_PARTSTAT_TENTATIVE;
        break;
    default:
        rc = reply_fail(err, "ATTENDEE: PARTSTAT must be ACCEPTED, DECLINED or TENTATIVE");
        goto out;
    }
    if ((p = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY)) != NULL) {
        if ((rc = recurrence_utc(cal, p, &out->recurrence_id, err)) < 0)
            goto out;
        out->has_recurrence_id = 1;
    }
    rc = 0;
out:
    if (cal)
        icalcomponent_free(cal);
    icalerror_clear_errno();
    free(copy);
    if (rc < 0)
        mdt_ical_reply_release(out);
    return rc;
}
