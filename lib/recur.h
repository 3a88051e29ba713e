/* Recurrence of meetings: RRULE validation and expansion with libical in
 * the series' own time zone (so 10:00 stays 10:00 across the clock
 * changes), and the bank holidays of England and Wales. */
#ifndef MDT_RECUR_H
#define MDT_RECUR_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define MDT_RRULE_MAX 512 /* bytes: a meeting's rule is a few dozen */

/* A wall-clock time in some zone. */
struct mdt_local {
    int year, month, day, hour, minute;
};

/* Once at start, before any other libical use: libical aborts on errors
 * unless told otherwise. */
void mdt_recur_global_init(void);

/* Checks rule for a meeting series: libical must parse it, FREQ is
 * required and at least DAILY, no BYHOUR/BYMINUTE/BYSECOND (one meeting a
 * day), COUNT from 1 to 1000, UNTIL in the future of nothing absurd
 * (a date or UTC time after 2000), INTERVAL from 1 to 52, no RSCALE.
 * Returns 0, or -EINVAL with err naming the part ("BYHOUR: ...").
 * dtstart may be NULL; when given, UNTIL must not be before it. */
int mdt_recur_check(const char *rule, const struct mdt_local *dtstart, struct mdt_buf *err);

/* Parses "YYYY-MM-DDTHH:MM" (or "YYYY-MM-DD HH:MM"; seconds ":00"
 * allowed) into out. Returns 0 or -EINVAL. */
int mdt_recur_parse_local(const char *s, struct mdt_local *out);
/* Parses "YYYY-MM-DD" (hour and minute 0). */
int mdt_recur_parse_date(const char *s, struct mdt_local *out);
/* Writes "YYYY-MM-DDTHH:MM" (17 bytes and NUL) into out. */
void mdt_recur_format_local(const struct mdt_local *l, char out[32]);

/* Whether libical knows tz as a built-in zone (Europe/London). */
int mdt_recur_tz_valid(const char *tz);
/* The UTC instant of the wall time l in tz. A time in the spring gap
 * is taken an hour on (libical's rule). Returns 0 or -EINVAL (unknown
 * zone, impossible date). */
int mdt_recur_to_utc(const struct mdt_local *l, const char *tz, int64_t *out);
/* The wall time in tz of the UTC instant t. */
int mdt_recur_from_utc(int64_t t, const char *tz, struct mdt_local *out);

/* Days since 1970-01-01 of a civil date, and back; weekday 0 = Monday. */
int64_t mdt_days_from_civil(int y, int m, int d);
void mdt_civil_from_days(int64_t z, int *y, int *m, int *d);
int mdt_weekday(int y, int m, int d);

/* Expands rule from dtstart (a wall time in tz) into the UTC instants of
 * its occurrences t with from <= t < to, at most max of them. *out is new
 * (free()), *n its length. Returns 0 or -EINVAL with err. */
int mdt_recur_expand(const char *rule, const struct mdt_local *dtstart, const char *tz,
                     int64_t from, int64_t to, size_t max, int64_t **out, size_t *n,
                     struct mdt_buf *err);

/* Bank holidays of England and Wales. */
struct mdt_holidays;

/* new (mdt_holidays_free): the rules plus the one-off changes of the
 * embedded lib/data/holidays-england-wales.txt. */
struct mdt_holidays *mdt_holidays_new(void);
void mdt_holidays_free(struct mdt_holidays *h);
/* Adds one-off changes in the data file format: "YYYY-MM-DD Name" adds a
 * holiday, "-YYYY-MM-DD Name" removes one the rules give (a moved
 * holiday); '#' starts a comment line. Returns 0, or -EINVAL with err
 * "LINE: reason" (nothing of the text kept then). name names the source
 * in messages. */
int mdt_holidays_add_text(struct mdt_holidays *h, const char *text, size_t len,
                          struct mdt_buf *err);
/* Borrowed (static or h's): the holiday's name when y-m-d is a bank
 * holiday (substitute days included), else NULL. */
const char *mdt_holidays_name(const struct mdt_holidays *h, int y, int m, int d);
/* Easter Sunday of year y (Gregorian computus). */
void mdt_easter(int y, int *month, int *day);

enum mdt_holiday_policy {
    MDT_HOLIDAYS_KEEP = 0,
    MDT_HOLIDAYS_SKIP,
    MDT_HOLIDAYS_NEXT_WORKING_DAY,
};
/* "keep", "skip", "next_working_day" (also "next-working-day"); -1 when
 * unknown. */
int mdt_holiday_policy_parse(const char *s);
const char *mdt_holiday_policy_name(int policy);

/* Applies the policy to the occurrence at UTC instant t in tz: returns 0
 * and sets *start (t, or the same wall time on the next working day) and
 * *skip (1 when the occurrence is to be dropped); *holiday gets the
 * holiday's name or NULL. A working day is Monday to Friday and not a
 * bank holiday. */
int mdt_holidays_apply(const struct mdt_holidays *h, int policy, int64_t t, const char *tz,
                       int64_t *start, int *skip, const char **holiday);

#endif
