/* Recurrence rules with libical, and the bank holidays of England and
 * Wales: the rules (with the Easter computus and substitute days) plus a
 * data file of one-off changes embedded in the binary. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "embed.h"
#include "log.h"
#include "recur.h"
#include "xmalloc.h"

#define HOLIDAYS_FILE "holidays-england-wales.txt"
/* Steps of the iterator before a window is given up on: a daily rule
 * from 1970 to 2100 is under 50,000. */
#define MAX_STEPS 200000

void mdt_recur_global_init(void)
{
    icalerror_set_errors_are_fatal(0);
}

/* Howard Hinnant's civil-date algorithms (public domain). */
int64_t mdt_days_from_civil(int y, int m, int d)
{
    int64_t yy = y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void mdt_civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int mdt_weekday(int y, int m, int d)
{
    int64_t z = mdt_days_from_civil(y, m, d);
    /* 1970-01-01 was a Thursday (3 when Monday is 0). */
    return (int)(((z % 7) + 7 + 3) % 7);
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

static int valid_local(const struct mdt_local *l)
{
    return l->year >= 1970 && l->year <= 2200 && l->month >= 1 && l->month <= 12 && l->day >= 1 &&
           l->day <= days_in_month(l->year, l->month) && l->hour >= 0 && l->hour <= 23 &&
           l->minute >= 0 && l->minute <= 59;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int mdt_recur_parse_date(const char *s, struct mdt_local *out)
{
    memset(out, 0, sizeof(*out));
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &out->year) < 0 ||
        digits(s + 5, 2, &out->month) < 0 || digits(s + 8, 2, &out->day) < 0)
        return -EINVAL;
    return valid_local(out) ? 0 : -EINVAL;
}

int mdt_recur_parse_local(const char *s, struct mdt_local *out)
{
    size_t n = strlen(s);
    char date[11];

    if ((n != 16 && n != 19) || (s[10] != 'T' && s[10] != ' ') || s[13] != ':')
        return -EINVAL;
    if (n == 19 && (s[16] != ':' || s[17] != '0' || s[18] != '0'))
        return -EINVAL;
    memcpy(date, s, 10);
    date[10] = '\0';
    if (mdt_recur_parse_date(date, out) < 0 || digits(s + 11, 2, &out->hour) < 0 ||
        digits(s + 14, 2, &out->minute) < 0)
        return -EINVAL;
    return valid_local(out) ? 0 : -EINVAL;
}

void mdt_recur_format_local(const struct mdt_local *l, char out[32])
{
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d", l->year % 10000, l->month % 100, l->day % 100,
             l->hour % 100, l->minute % 100);
}

/* Borrowed (libical's): the built-in zone, or NULL. Only names made of
 * letters, digits, '_', '-', '+' and '/' are asked for. */
static icaltimezone *zone(const char *tz)
{
    if (tz == NULL || *tz == '\0' || strlen(tz) > 64 || strstr(tz, "..") || *tz == '/')
        return NULL;
    for (const char *p = tz; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("_-+/", *p))
            return NULL;
    if (strcmp(tz, "UTC") == 0)
        return icaltimezone_get_utc_timezone();
    return icaltimezone_get_builtin_timezone(tz);
}

int mdt_recur_tz_valid(const char *tz)
{
    return zone(tz) != NULL;
}

static struct icaltimetype ical_local(const struct mdt_local *l, icaltimezone *z)
{
    struct icaltimetype t = icaltime_null_time();

    t.year = l->year;
    t.month = l->month;
    t.day = l->day;
    t.hour = l->hour;
    t.minute = l->minute;
    t.second = 0;
    t.is_date = 0;
    icaltime_set_timezone(&t, z);
    return t;
}

int mdt_recur_to_utc(const struct mdt_local *l, const char *tz, int64_t *out)
{
    icaltimezone *z = zone(tz);

    if (z == NULL || !valid_local(l))
        return -EINVAL;
    *out = (int64_t)icaltime_as_timet_with_zone(ical_local(l, z), z);
    return 0;
}

int mdt_recur_from_utc(int64_t t, const char *tz, struct mdt_local *out)
{
    icaltimezone *z = zone(tz);
    struct icaltimetype it;

    if (z == NULL)
        return -EINVAL;
    it = icaltime_from_timet_with_zone((time_t)t, 0, z);
    out->year = it.year;
    out->month = it.month;
    out->day = it.day;
    out->hour = it.hour;
    out->minute = it.minute;
    return 0;
}

/* The parts of a rule, as libical knows them. */
static const char *const known_parts[] = {
    "FREQ",     "UNTIL",    "COUNT",   "INTERVAL", "BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY",
    "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST", "RSCALE", "SKIP", NULL,
};

static int parses(const char *s)
{
    struct icalrecurrencetype r;

    icalerror_clear_errno();
    r = icalrecurrencetype_from_string(s);
    return r.freq != ICAL_NO_RECURRENCE && icalerrno == ICAL_NO_ERROR;
}

int mdt_recur_check(const char *rule, const struct mdt_local *dtstart, struct mdt_buf *err)
{
    char part[MDT_RRULE_MAX + 1], freq[32] = "";
    int seen_count = 0, seen_until = 0;
    struct icalrecurrencetype r;
    const char *p = rule;

    if (*rule == '\0') {
        mdt_buf_printf(err, "the rule is empty (e.g. FREQ=MONTHLY;BYDAY=2TU)");
        return -EINVAL;
    }
    if (strlen(rule) > MDT_RRULE_MAX) {
        mdt_buf_printf(err, "longer than %d bytes", MDT_RRULE_MAX);
        return -EINVAL;
    }
    if (strncmp(rule, "RRULE:", 6) == 0) {
        mdt_buf_printf(err, "give the rule without \"RRULE:\"");
        return -EINVAL;
    }
    /* Part by part first, so a fault is named. */
    while (*p) {
        const char *semi = strchr(p, ';'), *end = semi ? semi : p + strlen(p), *eq;
        size_t n = (size_t)(end - p), nl;
        int known = 0;

        memcpy(part, p, n);
        part[n] = '\0';
        p = semi ? semi + 1 : end;
        if (n == 0)
            continue;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)part[i] < 0x21 || (unsigned char)part[i] > 0x7e) {
                mdt_buf_printf(err, "part %zu bytes in: not printable ASCII", i);
                return -EINVAL;
            }
        if ((eq = strchr(part, '=')) == NULL || eq == part || eq[1] == '\0') {
            mdt_buf_printf(err, "%s: not NAME=VALUE", part);
            return -EINVAL;
        }
        nl = (size_t)(eq - part);
        for (const char *const *k = known_parts; *k; k++)
            if (strlen(*k) == nl && strncmp(*k, part, nl) == 0)
                known = 1;
        if (!known) {
            mdt_buf_printf(err, "%.*s: not a part of a recurrence rule", (int)nl, part);
            return -EINVAL;
        }
        if (nl == 4 && strncmp(part, "FREQ", 4) == 0) {
            if (freq[0]) {
                mdt_buf_printf(err, "FREQ: given twice");
                return -EINVAL;
            }
            snprintf(freq, sizeof(freq), "%s", eq + 1);
            if (icalrecur_string_to_freq(freq) == ICAL_NO_RECURRENCE) {
                mdt_buf_printf(err, "FREQ: must be DAILY, WEEKLY, MONTHLY or YEARLY");
                return -EINVAL;
            }
            continue;
        }
        if ((nl == 8 && strncmp(part, "BYSECOND", 8) == 0) ||
            (nl == 8 && strncmp(part, "BYMINUTE", 8) == 0) ||
            (nl == 6 && strncmp(part, "BYHOUR", 6) == 0)) {
            mdt_buf_printf(err, "%.*s: a meeting is once a day at the start's time; leave it out",
                           (int)nl, part);
            return -EINVAL;
        }
        if (nl == 6 && strncmp(part, "RSCALE", 6) == 0) {
            mdt_buf_printf(err, "RSCALE: only the Gregorian calendar is supported");
            return -EINVAL;
        }
        if (nl == 5 && strncmp(part, "COUNT", 5) == 0) {
            char *e;
            long c = strtol(eq + 1, &e, 10);
            if (*e || c < 1 || c > 1000) {
                mdt_buf_printf(err, "COUNT: must be from 1 to 1000");
                return -EINVAL;
            }
            seen_count = 1;
        }
        if (nl == 8 && strncmp(part, "INTERVAL", 8) == 0) {
            char *e;
            long c = strtol(eq + 1, &e, 10);
            if (*e || c < 1 || c > 52) {
                mdt_buf_printf(err, "INTERVAL: must be from 1 to 52");
                return -EINVAL;
            }
        }
        if (nl == 5 && strncmp(part, "UNTIL", 5) == 0)
            seen_until = 1;
    }
    if (freq[0] == '\0') {
        mdt_buf_printf(err, "FREQ: required (e.g. FREQ=MONTHLY;BYDAY=2TU)");
        return -EINVAL;
    }
    switch (icalrecur_string_to_freq(freq)) {
    case ICAL_SECONDLY_RECURRENCE:
    case ICAL_MINUTELY_RECURRENCE:
    case ICAL_HOURLY_RECURRENCE:
        mdt_buf_printf(err, "FREQ: %s is more than once a day; use DAILY, WEEKLY, MONTHLY or "
                            "YEARLY", freq);
        return -EINVAL;
    default:
        break;
    }
    if (seen_count && seen_until) {
        mdt_buf_printf(err, "COUNT and UNTIL: give one or the other, not both");
        return -EINVAL;
    }
    /* Each part on its own after the FREQ: the first that libical refuses
     * is the one named. */
    for (p = rule; *p;) {
        const char *semi = strchr(p, ';'), *end = semi ? semi : p + strlen(p);
        size_t n = (size_t)(end - p);
        char one[MDT_RRULE_MAX + 64];

        if (n > 0 && strncmp(p, "FREQ=", 5) != 0) {
            snprintf(one, sizeof(one), "FREQ=%s;%.*s", freq, (int)n, p);
            if (!parses(one)) {
                mdt_buf_printf(err, "%.*s: not valid for FREQ=%s", (int)n, p, freq);
                return -EINVAL;
            }
        }
        p = semi ? semi + 1 : end;
    }
    if (!parses(rule)) {
        mdt_buf_printf(err, "libical cannot read the rule");
        return -EINVAL;
    }
    icalerror_clear_errno();
    r = icalrecurrencetype_from_string(rule);
    if (!icaltime_is_null_time(r.until)) {
        if (r.until.year < 2000) {
            mdt_buf_printf(err, "UNTIL: before the year 2000");
            return -EINVAL;
        }
        if (!r.until.is_date && !icaltime_is_utc(r.until)) {
            mdt_buf_printf(err, "UNTIL: a date-time must be in UTC (ending in Z)");
            return -EINVAL;
        }
        if (dtstart && (r.until.year * 10000 + r.until.month * 100 + r.until.day <
                        dtstart->year * 10000 + dtstart->month * 100 + dtstart->day)) {
            mdt_buf_printf(err, "UNTIL: before the start");
            return -EINVAL;
        }
    }
    /* A rule may parse and still give nothing (BYDAY=5FR in February
     * only, BYDAY=9TU): it must give a meeting within four years. */
    if (dtstart) {
        int64_t *occ = NULL, t0;
        size_t n = 0;
        struct mdt_buf e2;

        mdt_buf_init(&e2, 256);
        if (mdt_recur_to_utc(dtstart, "UTC", &t0) < 0 ||
            mdt_recur_expand(rule, dtstart, "UTC", t0 - 86400, t0 + 4 * 366 * 86400LL, 1, &occ,
                             &n, &e2) < 0 ||
            n == 0) {
            free(occ);
            mdt_buf_release(&e2);
            mdt_buf_printf(err, "the rule gives no meeting in the four years from the start");
            return -EINVAL;
        }
        free(occ);
        mdt_buf_release(&e2);
    }
    return 0;
}

int mdt_recur_expand(const char *rule, const struct mdt_local *dtstart, const char *tz,
                     int64_t from, int64_t to, size_t max, int64_t **out, size_t *n,
                     struct mdt_buf *err)
{
    icaltimezone *z = zone(tz);
    struct icalrecurrencetype r;
    icalrecur_iterator *it = NULL;
    struct icaltimetype t;
    int64_t *v = NULL;
    size_t len = 0, cap = 0;
    int rc = -EINVAL;

    *out = NULL;
    *n = 0;
    if (z == NULL) {
        mdt_buf_printf(err, "unknown time zone");
        return -EINVAL;
    }
    if (!valid_local(dtstart)) {
        mdt_buf_printf(err, "start: not a valid date and time");
        return -EINVAL;
    }
    icalerror_clear_errno();
    r = icalrecurrencetype_from_string(rule);
    if (r.freq == ICAL_NO_RECURRENCE || icalerrno != ICAL_NO_ERROR) {
        mdt_buf_printf(err, "libical cannot read the rule");
        goto out;
    }
    if ((it = icalrecur_iterator_new(r, ical_local(dtstart, z))) == NULL) {
        mdt_buf_printf(err, "libical cannot expand the rule");
        goto out;
    }
    for (int steps = 0; steps < MAX_STEPS && len < max; steps++) {
        int64_t u;

        t = icalrecur_iterator_next(it);
        if (icaltime_is_null_time(t))
            break;
        /* The iterator gives wall times in dtstart's zone: the instant is
         * taken in that zone on that date, so the offset follows BST. */
        u = (int64_t)icaltime_as_timet_with_zone(t, z);
        if (u >= to)
            break;
        if (u < from)
            continue;
        if (len == cap) {
            cap = cap ? cap * 2 : 16;
            v = mdt_xreallocarray(v, cap, sizeof(*v));
        }
        v[len++] = u;
    }
    *out = v;
    *n = len;
    v = NULL;
    rc = 0;
out:
    if (it)
        icalrecur_iterator_free(it);
    free(v);
    return rc;
}

/* Holidays. */

struct oneoff {
    int32_t day; /* days since 1970 */
    int remove;
    char *name;
};

struct mdt_holidays {
    struct oneoff *v;
    size_t n, cap;
};

void mdt_easter(int y, int *month, int *day)
{
    /* The anonymous Gregorian algorithm (Meeus/Jones/Butcher). */
    int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4, f = (b + 8) / 25;
    int g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4;
    int l = (32 + 2 * e + 2 * i - h - k) % 7, m = (a + 11 * h + 22 * l) / 451;
    *month = (h + l - 7 * m + 114) / 31;
    *day = ((h + l - 7 * m + 114) % 31) + 1;
}

/* The rules' holiday on day z of year y, or NULL. */
static const char *rule_holiday(int y, int64_t z)
{
    int em, ed, wd;
    int64_t easter, x;

    mdt_easter(y, &em, &ed);
    easter = mdt_days_from_civil(y, em, ed);
    if (z == easter - 2)
        return "Good Friday";
    if (z == easter + 1)
        return "Easter Monday";
    /* New Year's Day, or the Monday after when it falls at a weekend. */
    x = mdt_days_from_civil(y, 1, 1);
    wd = mdt_weekday(y, 1, 1);
    if (z == x)
        return "New Year's Day";
    if (z == x + (wd == 5 ? 2 : wd == 6 ? 1 : 0))
        return "New Year's Day (substitute day)";
    /* First Monday of May. */
    x = mdt_days_from_civil(y, 5, 1);
    if (z == x + (7 - mdt_weekday(y, 5, 1)) % 7)
        return "Early May bank holiday";
    /* Last Mondays of May and August. */
    x = mdt_days_from_civil(y, 5, 31);
    if (z == x - mdt_weekday(y, 5, 31))
        return "Spring bank holiday";
    x = mdt_days_from_civil(y, 8, 31);
    if (z == x - mdt_weekday(y, 8, 31))
        return "Summer bank holiday";
    /* Christmas and Boxing Day, with substitute days: Sat 25 → Mon 27
     * and Tue 28; Sun 25 → Boxing Day Mon 26, Christmas Tue 27; Sat 26 →
     * Mon 28. */
    x = mdt_days_from_civil(y, 12, 25);
    wd = mdt_weekday(y, 12, 25);
    if (z == x)
        return "Christmas Day";
    if (z == x + 1)
        return "Boxing Day";
    if (wd == 5 && z == x + 2)
        return "Christmas Day (substitute day)";
    if (wd == 5 && z == x + 3)
        return "Boxing Day (substitute day)";
    if (wd == 6 && z == x + 2)
        return "Christmas Day (substitute day)";
    if (wd == 4 && z == x + 3)
        return "Boxing Day (substitute day)";
    return NULL;
}

static int add_oneoff(struct mdt_holidays *h, int64_t day, int remove, const char *name,
                      size_t nlen)
{
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 32;
        h->v = mdt_xreallocarray(h->v, h->cap, sizeof(*h->v));
    }
    h->v[h->n].day = (int32_t)day;
    h->v[h->n].remove = remove;
    h->v[h->n].name = mdt_xstrndup(name, nlen);
    h->n++;
    return 0;
}

int mdt_holidays_add_text(struct mdt_holidays *h, const char *text, size_t len,
                          struct mdt_buf *err)
{
    size_t keep = h->n, pos = 0;
    int line = 0;

    while (pos < len) {
        const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;
        struct mdt_local d;
        char date[11];
        int remove = 0;

        pos += n + (nl ? 1 : 0);
        line++;
        while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;
        if (n == 0 || s[0] == '#')
            continue;
        if (s[0] == '-') {
            remove = 1;
            s++, n--;
        }
        if (n < 10 || (n > 10 && s[10] != ' ' && s[10] != '\t')) {
            mdt_buf_printf(err, "%d: not \"YYYY-MM-DD Name\"", line);
            goto fail;
        }
        memcpy(date, s, 10);
        date[10] = '\0';
        if (mdt_recur_parse_date(date, &d) < 0) {
            mdt_buf_printf(err, "%d: not a valid date", line);
            goto fail;
        }
        s += 10, n -= 10;
        while (n > 0 && (*s == ' ' || *s == '\t'))
            s++, n--;
        if (n == 0 && !remove) {
            mdt_buf_printf(err, "%d: the holiday needs a name", line);
            goto fail;
        }
        if (n > 100) {
            mdt_buf_printf(err, "%d: name longer than 100 bytes", line);
            goto fail;
        }
        add_oneoff(h, mdt_days_from_civil(d.year, d.month, d.day), remove, s, n);
    }
    return 0;
fail:
    while (h->n > keep)
        free(h->v[--h->n].name);
    return -EINVAL;
}

struct mdt_holidays *mdt_holidays_new(void)
{
    struct mdt_holidays *h = mdt_xcalloc(1, sizeof(*h));
    const struct mdt_embed *e = mdt_embed_find(mdt_lexicon, HOLIDAYS_FILE);
    struct mdt_buf err;

    mdt_buf_init(&err, 256);
    /* The shipped file is checked by the unit tests: a fault is a bug. */
    MDT_REQUIRE(e != NULL);
    MDT_REQUIRE(mdt_holidays_add_text(h, (const char *)e->start, mdt_embed_len(e), &err) == 0);
    mdt_buf_release(&err);
    return h;
}

void mdt_holidays_free(struct mdt_holidays *h)
{
    if (h == NULL)
        return;
    for (size_t i = 0; i < h->n; i++)
        free(h->v[i].name);
    free(h->v);
    free(h);
}

const char *mdt_holidays_name(const struct mdt_holidays *h, int y, int m, int d)
{
    int64_t z = mdt_days_from_civil(y, m, d);
    const char *name = NULL;
    int removed = 0;

    /* Later lines win: a deployment's file can undo a shipped line. */
    for (size_t i = 0; h && i < h->n; i++)
        if (h->v[i].day == z) {
            removed = h->v[i].remove;
            name = h->v[i].remove ? NULL : h->v[i].name;
        }
    if (name)
        return name;
    if (removed)
        return NULL;
    return rule_holiday(y, z);
}

int mdt_holiday_policy_parse(const char *s)
{
    if (strcmp(s, "keep") == 0)
        return MDT_HOLIDAYS_KEEP;
    if (strcmp(s, "skip") == 0)
        return MDT_HOLIDAYS_SKIP;
    if (strcmp(s, "next_working_day") == 0 || strcmp(s, "next-working-day") == 0)
        return MDT_HOLIDAYS_NEXT_WORKING_DAY;
    return -1;
}

const char *mdt_holiday_policy_name(int policy)
{
    switch (policy) {
    case MDT_HOLIDAYS_SKIP: return "skip";
    case MDT_HOLIDAYS_NEXT_WORKING_DAY: return "next_working_day";
    default: return "keep";
    }
}

int mdt_holidays_apply(const struct mdt_holidays *h, int policy, int64_t t, const char *tz,
                       int64_t *start, int *skip, const char **holiday)
{
    struct mdt_local l;
    int64_t z;

    *start = t;
    *skip = 0;
    *holiday = NULL;
    if (mdt_recur_from_utc(t, tz, &l) < 0)
        return -EINVAL;
    *holiday = mdt_holidays_name(h, l.year, l.month, l.day);
    if (*holiday == NULL || policy == MDT_HOLIDAYS_KEEP)
        return 0;
    if (policy == MDT_HOLIDAYS_SKIP) {
        *skip = 1;
        return 0;
    }
    z = mdt_days_from_civil(l.year, l.month, l.day);
    for (int i = 0; i < 30; i++) {
        z++;
        mdt_civil_from_days(z, &l.year, &l.month, &l.day);
        if (mdt_weekday(l.year, l.month, l.day) < 5 &&
            mdt_holidays_name(h, l.year, l.month, l.day) == NULL)
            return mdt_recur_to_utc(&l, tz, start);
    }
    return -EINVAL;
}
