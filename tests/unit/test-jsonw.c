#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "jsonw.h"
#include "test.h"

/* The writer's document, checked against jansson's compact dump of the
 * same values: the answers must not change by a byte. */
static void same_as_jansson(struct mdt_jsonw *w, json_t *j)
{
    char *want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    size_t len;
    char *got;

    ASSERT(!mdt_jsonw_failed(w));
    got = mdt_jsonw_detach(w, &len);
    ASSERT_EQ(len, strlen(got));
    ASSERT_STREQ(got, want);
    free(got);
    free(want);
    json_decref(j);
}

TEST(jsonw_nested_objects_and_arrays)
{
    struct mdt_jsonw w;

    mdt_jsonw_init(&w);
    mdt_jsonw_arr_begin(&w);
    for (int i = 0; i < 3; i++) {
        mdt_jsonw_obj_begin(&w);
        mdt_jsonw_kint(&w, "id", i);
        mdt_jsonw_kstr(&w, "name", "Partner");
        mdt_jsonw_key(&w, "needs");
        mdt_jsonw_arr_begin(&w);
        mdt_jsonw_str(&w, "housing");
        mdt_jsonw_str(&w, "debt");
        mdt_jsonw_arr_end(&w);
        mdt_jsonw_key(&w, "empty");
        mdt_jsonw_obj_begin(&w);
        mdt_jsonw_obj_end(&w);
        mdt_jsonw_kstr(&w, "webhook_url", NULL);
        mdt_jsonw_key(&w, "t");
        mdt_jsonw_bool(&w, 1);
        mdt_jsonw_key(&w, "f");
        mdt_jsonw_bool(&w, 0);
        mdt_jsonw_obj_end(&w);
    }
    mdt_jsonw_arr_end(&w);
    json_t *arr = json_array();
    for (int i = 0; i < 3; i++)
        json_array_append_new(arr, json_pack("{s:i, s:s, s:[ss], s:{}, s:n, s:b, s:b}", "id", i,
                                             "name", "Partner", "needs", "housing", "debt",
                                             "empty", "webhook_url", "t", 1, "f", 0));
    same_as_jansson(&w, arr);
    mdt_jsonw_release(&w);
}

TEST(jsonw_escapes_like_jansson)
{
    static const char *const cases[] = {
        "plain",
        "quote \" and backslash \\ and slash /",
        "\b\f\n\r\t",
        "\x01\x02\x1f\x7f end",
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
        "\xe2\x80\xa8 line separator passes",
        "",
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mdt_jsonw w;
        mdt_jsonw_init(&w);
        mdt_jsonw_str(&w, cases[i]);
        same_as_jansson(&w, json_string(cases[i]));
        mdt_jsonw_release(&w);
    }
}

TEST(jsonw_every_byte_below_0x80)
{
    char s[128];
    struct mdt_jsonw w;

    for (int i = 1; i < 128; i++)
        s[i - 1] = (char)i;
    s[127] = '\0';
    mdt_jsonw_init(&w);
    mdt_jsonw_strn(&w, s, 127);
    same_as_jansson(&w, json_stringn(s, 127));
    /* NUL inside a counted string is escaped, not the end. */
    mdt_jsonw_strn(&w, "a\0b", 3);
    same_as_jansson(&w, json_stringn("a\0b", 3));
    mdt_jsonw_release(&w);
}

TEST(jsonw_refuses_invalid_utf8)
{
    static const char *const bad[] = {
        "\xff",         "\xc0\xaf",     /* overlong '/' */
        "\xe0\x80\xaf", "\xed\xa0\x80", /* surrogate */
        "\xf4\x90\x80\x80",             /* past U+10FFFF */
        "ab\xc3",                       /* cut short */
        "\xc3(",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct mdt_jsonw w;
        mdt_jsonw_init(&w);
        mdt_jsonw_arr_begin(&w);
        mdt_jsonw_str(&w, bad[i]);
        ASSERT(mdt_jsonw_failed(&w));
        ASSERT(json_string(bad[i]) == NULL);
        mdt_jsonw_release(&w);
    }
}

TEST(jsonw_integers)
{
    static const int64_t v[] = {0, 1, -1, 9, 10, 12345, -98765, INT64_MAX, INT64_MIN};
    struct mdt_jsonw w;

    mdt_jsonw_init(&w);
    mdt_jsonw_arr_begin(&w);
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        mdt_jsonw_int(&w, v[i]);
    mdt_jsonw_arr_end(&w);
    json_t *arr = json_array();
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        json_array_append_new(arr, json_integer(v[i]));
    same_as_jansson(&w, arr);
    mdt_jsonw_release(&w);
}

TEST(jsonw_raw_and_reset)
{
    struct mdt_jsonw w;
    size_t len;
    char *s;

    mdt_jsonw_init(&w);
    mdt_jsonw_obj_begin(&w);
    mdt_jsonw_key(&w, "needs");
    mdt_jsonw_raw(&w, "[\"debt\"]", 8);
    mdt_jsonw_kint(&w, "n", 2);
    mdt_jsonw_obj_end(&w);
    ASSERT_STREQ(w.data, "{\"needs\":[\"debt\"],\"n\":2}");
    mdt_jsonw_reset(&w);
    mdt_jsonw_null(&w);
    s = mdt_jsonw_detach(&w, &len);
    ASSERT_STREQ(s, "null");
    ASSERT_EQ(len, 4);
    free(s);
    s = mdt_jsonw_detach(&w, &len);
    ASSERT_STREQ(s, "");
    ASSERT_EQ(len, 0);
    free(s);
    mdt_jsonw_release(&w);
}

TEST(jsonw_depth_is_bounded)
{
    struct mdt_jsonw w;

    mdt_jsonw_init(&w);
    for (int i = 0; i < MDT_JSONW_MAX_DEPTH; i++)
        mdt_jsonw_arr_begin(&w);
    ASSERT(!mdt_jsonw_failed(&w));
    mdt_jsonw_arr_begin(&w);
    ASSERT(mdt_jsonw_failed(&w));
    mdt_jsonw_release(&w);
    mdt_jsonw_init(&w);
    mdt_jsonw_arr_end(&w);
    ASSERT(mdt_jsonw_failed(&w));
    mdt_jsonw_release(&w);
}

/* strftime's answer, with the colon, for comparison. */
static void slow(int64_t t, char *s)
{
    time_t tt = (time_t)t;
    struct tm tm;
    size_t n;

    localtime_r(&tt, &tm);
    n = strftime(s, 40, "%Y-%m-%dT%H:%M:%S%z", &tm);
    memmove(s + n - 1, s + n - 2, 3);
    s[n - 2] = ':';
}

static void times_match_strftime(const char *tz)
{
    int64_t lo = 0, hi = 0;
    long off = 0;
    char got[40], want[40];

    setenv("TZ", tz, 1);
    tzset();
    /* Every 17 minutes 13 seconds across 1969-2040 hits both sides of
     * each daylight-saving change, midnights and leap days. */
    for (int64_t t = -400000; t < INT64_C(2200000000); t += 1033) {
        size_t n = mdt_jsonw_fmt_time(got, t, &lo, &hi, &off);
        ASSERT(n > 0);
        got[n] = '\0';
        slow(t, want);
        if (strcmp(got, want) != 0)
            TEST_FAIL("TZ=%s t=%lld: got %s, want %s", tz, (long long)t, got, want);
    }
}

TEST(jsonw_time_matches_localtime)
{
    times_match_strftime("UTC");
    times_match_strftime("Europe/London");
    times_match_strftime("America/St_Johns"); /* half-hour offset */
    times_match_strftime("Australia/Lord_Howe"); /* half-hour daylight saving */
    times_match_strftime("Asia/Kathmandu");      /* +05:45 */
    times_match_strftime("Pacific/Apia");        /* skipped a whole day in 2011 */
}

TEST(jsonw_time_in_document)
{
    struct mdt_jsonw w;

    setenv("TZ", "Europe/London", 1);
    tzset();
    mdt_jsonw_init(&w);
    mdt_jsonw_obj_begin(&w);
    mdt_jsonw_ktime(&w, "a", 1807520400); /* 2027-04-12T09:00:00Z, BST */
    mdt_jsonw_ktime(&w, "b", 1798797600); /* 2027-01-01T10:00:00Z */
    mdt_jsonw_obj_end(&w);
    ASSERT_STREQ(w.data, "{\"a\":\"2027-04-12T10:00:00+01:00\",\"b\":\"2027-01-01T10:00:00+00:00\"}");
    mdt_jsonw_release(&w);
}

TEST(jsonw_specials_at_every_offset)
{
    /* Each special byte at each place of a string longer than the
     * eight-byte fast path, against jansson. */
    static const char specials[] = {'"', '\\', '\n', '\x01', '\x1f', ' ', '~'};
    char s[40];

    for (size_t k = 0; k < sizeof(specials); k++) {
        for (size_t at = 0; at < 33; at++) {
            struct mdt_jsonw w;
            memset(s, 'a', 33);
            s[33] = '\0';
            s[at] = specials[k];
            mdt_jsonw_init(&w);
            mdt_jsonw_str(&w, s);
            same_as_jansson(&w, json_string(s));
            mdt_jsonw_release(&w);
        }
    }
    /* A multi-byte character straddling the eight-byte boundary. */
    for (size_t at = 0; at < 12; at++) {
        struct mdt_jsonw w;
        memset(s, 'b', 20);
        memcpy(s + at, "\xe2\x82\xac", 3);
        s[20] = '\0';
        mdt_jsonw_init(&w);
        mdt_jsonw_str(&w, s);
        same_as_jansson(&w, json_string(s));
        s[at + 2] = 'x'; /* cut the character short */
        mdt_jsonw_str(&w, s);
        ASSERT(mdt_jsonw_failed(&w));
        mdt_jsonw_release(&w);
    }
}

TEST(jsonw_literal_keys_and_repeated_times)
{
    struct mdt_jsonw w;

    setenv("TZ", "UTC", 1);
    tzset();
    mdt_jsonw_init(&w);
    mdt_jsonw_obj_begin(&w);
    MDT_JSONW_KEY(&w, "created_at");
    mdt_jsonw_time(&w, 0);
    MDT_JSONW_KEY(&w, "updated_at");
    mdt_jsonw_time(&w, 0);
    MDT_JSONW_KEY(&w, "later");
    mdt_jsonw_time(&w, 86400 + 61);
    mdt_jsonw_key(&w, "n");
    mdt_jsonw_int(&w, 1);
    mdt_jsonw_obj_end(&w);
    ASSERT_STREQ(w.data, "{\"created_at\":\"1970-01-01T00:00:00+00:00\","
                         "\"updated_at\":\"1970-01-01T00:00:00+00:00\","
                         "\"later\":\"1970-01-02T00:01:01+00:00\",\"n\":1}");
    mdt_jsonw_release(&w);
}
