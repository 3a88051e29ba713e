/* The JSON writer (jsonw.h). Strings are copied in runs: the bytes that
 * need nothing are found with a table and copied with one memcpy. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonw.h"
#include "xmalloc.h"

void mdt_jsonw_init(struct mdt_jsonw *w)
{
    memset(w, 0, sizeof(*w));
}

void mdt_jsonw_release(struct mdt_jsonw *w)
{
    free(w->data);
    mdt_jsonw_init(w);
}

void mdt_jsonw_reset(struct mdt_jsonw *w)
{
    w->len = 0;
    if (w->data)
        w->data[0] = '\0';
    w->depth = 0;
    w->failed = 0;
    w->want_comma = 0;
    w->after_key = 0;
    w->commas = 0;
}

char *mdt_jsonw_detach(struct mdt_jsonw *w, size_t *len)
{
    char *s = w->data ? w->data : mdt_xstrdup("");

    *len = w->len;
    w->data = NULL;
    w->len = w->alloc = 0;
    mdt_jsonw_reset(w);
    return s;
}

int mdt_jsonw_failed(const struct mdt_jsonw *w)
{
    return w->failed;
}

/* Room for n more bytes and the NUL. Sizes come from our own rows, not
 * from a peer, so there is no cap beyond what memory allows. */
static char *room(struct mdt_jsonw *w, size_t n)
{
    if (w->alloc - w->len < n + 1) {
        size_t a = w->alloc ? w->alloc : 8192; /* most answers fit */
        while (a - w->len < n + 1)
            a *= 2;
        w->data = mdt_xrealloc(w->data, a);
        w->alloc = a;
    }
    return w->data + w->len;
}

static void put(struct mdt_jsonw *w, const char *s, size_t n)
{
    memcpy(room(w, n), s, n);
    w->len += n;
    w->data[w->len] = '\0';
}

static void putc1(struct mdt_jsonw *w, char c)
{
    *room(w, 1) = c;
    w->data[++w->len] = '\0';
}

/* Before any value: the comma between siblings. */
static void sep(struct mdt_jsonw *w)
{
    if (w->after_key)
        w->after_key = 0;
    else if (w->want_comma)
        putc1(w, ',');
    w->want_comma = 1;
}

static void open_(struct mdt_jsonw *w, char c)
{
    sep(w);
    if (w->depth >= MDT_JSONW_MAX_DEPTH) {
        w->failed = 1;
        return;
    }
    w->commas = (w->commas << 1) | (uint64_t)w->want_comma;
    w->depth++;
    w->want_comma = 0;
    putc1(w, c);
}

static void close_(struct mdt_jsonw *w, char c)
{
    if (w->depth == 0) {
        w->failed = 1;
        return;
    }
    w->depth--;
    w->want_comma = (int)(w->commas & 1);
    w->commas >>= 1;
    putc1(w, c);
}

void mdt_jsonw_obj_begin(struct mdt_jsonw *w) { open_(w, '{'); }
void mdt_jsonw_obj_end(struct mdt_jsonw *w) { close_(w, '}'); }
void mdt_jsonw_arr_begin(struct mdt_jsonw *w) { open_(w, '['); }
void mdt_jsonw_arr_end(struct mdt_jsonw *w) { close_(w, ']'); }

/* 0: copied as it is; 1: escaped; 2: first byte of a UTF-8 sequence,
 * checked. */
static const unsigned char kind[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t avail)
{
    unsigned c = s[0], cp;
    size_t n;

    if (c >= 0xc2 && c <= 0xdf)
        n = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, cp = c & 0x07;
    else
        return 0;
    if (avail < n)
        return 0;
    for (size_t k = 1; k < n; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[k] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

static void quoted(struct mdt_jsonw *w, const char *str, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *s = (const unsigned char *)str, *end = s + n, *run = s;
    char *o;

    /* Worst case is six bytes per input byte: reserve once, write freely. */
    o = room(w, 2 + 6 * n);
    *o++ = '"';
    while (s < end) {
        unsigned k;
        /* Eight plain bytes at a time: none below 0x20, none '"' or '\\',
         * none with the top bit set (the usual SWAR byte tests). */
        while (end - s >= 8) {
            uint64_t v, q, b;
            memcpy(&v, s, 8);
            q = v ^ UINT64_C(0x2222222222222222);
            b = v ^ UINT64_C(0x5c5c5c5c5c5c5c5c);
            if (((v - UINT64_C(0x2020202020202020)) | (q - UINT64_C(0x0101010101010101)) |
                 (b - UINT64_C(0x0101010101010101)) | v) &
                UINT64_C(0x8080808080808080))
                break;
            s += 8;
        }
        if (s == end)
            break;
        k = kind[*s];
        if (k == 0) {
            s++;
            continue;
        }
        if (k == 2) {
            size_t m = utf8_seq(s, (size_t)(end - s));
            if (m == 0) {
                w->failed = 1;
                return;
            }
            s += m;
            continue;
        }
        memcpy(o, run, (size_t)(s - run));
        o += s - run;
        *o++ = '\\';
        switch (*s) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '\b': *o++ = 'b'; break;
        case '\f': *o++ = 'f'; break;
        case '\n': *o++ = 'n'; break;
        case '\r': *o++ = 'r'; break;
        case '\t': *o++ = 't'; break;
        default:
            *o++ = 'u', *o++ = '0', *o++ = '0';
            *o++ = hex[*s >> 4], *o++ = hex[*s & 15];
        }
        run = ++s;
    }
    memcpy(o, run, (size_t)(s - run));
    o += s - run;
    *o++ = '"';
    w->len = (size_t)(o - w->data);
    w->data[w->len] = '\0';
}

void mdt_jsonw_key(struct mdt_jsonw *w, const char *k)
{
    sep(w);
    quoted(w, k, strlen(k));
    putc1(w, ':');
    w->after_key = 1;
}

void mdt_jsonw_key_raw(struct mdt_jsonw *w, const char *quoted_colon, size_t n)
{
    sep(w);
    put(w, quoted_colon, n);
    w->after_key = 1;
}

void mdt_jsonw_strn(struct mdt_jsonw *w, const char *s, size_t n)
{
    sep(w);
    quoted(w, s, n);
}

void mdt_jsonw_str(struct mdt_jsonw *w, const char *s)
{
    if (s == NULL)
        mdt_jsonw_null(w);
    else
        mdt_jsonw_strn(w, s, strlen(s));
}

void mdt_jsonw_int(struct mdt_jsonw *w, int64_t v)
{
    char tmp[24], *p = tmp + sizeof(tmp);
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    sep(w);
    put(w, p, (size_t)(tmp + sizeof(tmp) - p));
}

void mdt_jsonw_bool(struct mdt_jsonw *w, int v)
{
    sep(w);
    if (v)
        put(w, "true", 4);
    else
        put(w, "false", 5);
}

void mdt_jsonw_null(struct mdt_jsonw *w)
{
    sep(w);
    put(w, "null", 4);
}

void mdt_jsonw_raw(struct mdt_jsonw *w, const char *json, size_t n)
{
    sep(w);
    put(w, json, n);
}

/* Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
 * civil_from_days): pure arithmetic, no time-zone lock. */
static void civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;

    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static char *digits(char *o, unsigned v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        o[i] = (char)('0' + v % 10);
    return o + n;
}

/* The slow, always right way: localtime_r and strftime. */
static size_t fmt_time_slow(char *s, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    size_t n;

    if ((int64_t)tt != t || localtime_r(&tt, &tm) == NULL)
        return 0;
    n = strftime(s, 32, "%Y-%m-%dT%H:%M:%S%z", &tm);
    /* %z gives +0100; RFC 3339 wants +01:00. */
    if (n < 5 || n + 2 > 32)
        return 0;
    memmove(s + n - 1, s + n - 2, 3);
    s[n - 2] = ':';
    return n + 1;
}

static int offset_at(int64_t t, long *off)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if ((int64_t)tt != t || localtime_r(&tt, &tm) == NULL)
        return -1;
    *off = tm.tm_gmtoff;
    return 0;
}

size_t mdt_jsonw_fmt_time(char *s, int64_t t, int64_t *lo, int64_t *hi, long *off)
{
    int64_t local, days, secs, y;
    unsigned mo, d;
    long z;
    char *o = s;

    if (!(t >= *lo && t < *hi)) {
        /* The offset of the hour around t, when it holds for the whole
         * hour: zones change offset at most once an hour, and only on a
         * boundary of the hour, half hour or quarter; both ends of the
         * hour agreeing means no change inside it. */
        int64_t h = t >= 0 ? t / 3600 * 3600 : -((-t + 3599) / 3600) * 3600;
        long a, b;
        if (t < -(INT64_C(1) << 40) || t > (INT64_C(1) << 40) || offset_at(h, &a) < 0 ||
            offset_at(h + 3599, &b) < 0 || a != b)
            return fmt_time_slow(s, t);
        *lo = h, *hi = h + 3600, *off = a;
    }
    local = t + *off;
    days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    secs = local - days * 86400;
    civil(days, &y, &mo, &d);
    if (y < 1000 || y > 9999) /* %Y pads nothing: leave odd years to strftime */
        return fmt_time_slow(s, t);
    o = digits(o, (unsigned)y, 4);
    *o++ = '-';
    o = digits(o, mo, 2);
    *o++ = '-';
    o = digits(o, d, 2);
    *o++ = 'T';
    o = digits(o, (unsigned)(secs / 3600), 2);
    *o++ = ':';
    o = digits(o, (unsigned)(secs / 60 % 60), 2);
    *o++ = ':';
    o = digits(o, (unsigned)(secs % 60), 2);
    /* As glibc's %z: minutes of the offset, seconds dropped. */
    z = *off;
    *o++ = z < 0 ? '-' : '+';
    if (z < 0)
        z = -z;
    z /= 60;
    o = digits(o, (unsigned)(z / 60), 2);
    *o++ = ':';
    o = digits(o, (unsigned)(z % 60), 2);
    return (size_t)(o - s);
}

void mdt_jsonw_time(struct mdt_jsonw *w, int64_t t)
{
    char *s = w->last_s;
    size_t n;

    if (w->last_n == 0 || w->last_t != t) {
        n = mdt_jsonw_fmt_time(s + 1, t, &w->tz_lo, &w->tz_hi, &w->tz_off);
        if (n == 0) {
            mdt_jsonw_null(w);
            return;
        }
        s[0] = '"';
        s[n + 1] = '"';
        w->last_t = t;
        w->last_n = n + 2;
    }
    sep(w);
    put(w, s, w->last_n);
}

void mdt_jsonw_kstr(struct mdt_jsonw *w, const char *k, const char *s)
{
    mdt_jsonw_key(w, k);
    mdt_jsonw_str(w, s);
}

void mdt_jsonw_kint(struct mdt_jsonw *w, const char *k, int64_t v)
{
    mdt_jsonw_key(w, k);
    mdt_jsonw_int(w, v);
}

void mdt_jsonw_ktime(struct mdt_jsonw *w, const char *k, int64_t t)
{
    mdt_jsonw_key(w, k);
    mdt_jsonw_time(w, t);
}
