/* Validated patterns: NHS and NI numbers, postcodes, phones, emails, URLs
 * and handles, vehicles, hospital numbers and other references, dates,
 * street addresses and ages over 89.
 *
 * One left-to-right pass over the bytes. At each token start the matchers
 * that can begin with that byte are tried; each looks ahead (or behind) a
 * bounded number of bytes, so the whole scan is linear in the text and
 * allocates nothing but the spans it reports. Token matchers (numbers,
 * codes) consume their match; context matchers ("hosp no.", "Instagram",
 * "reg") only add a span and let the scan go on, so a number that follows
 * a context word is still seen by the number matchers and the pipeline
 * merges the overlaps. Text is any bytes: everything here is ASCII-driven
 * and bytes >= 0x80 count as letters of some word. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lexicon.h"
#include "scrub-internal.h"
#include "utf8.h"
#include "xmalloc.h"

/* ---- characters ---- */

/* ASCII classes by table: the scan asks them of every byte. */
enum { C_DIG = 1, C_UP = 2, C_LOW = 4 };
static const uint8_t ascii_class[256] = {
    ['0' ... '9'] = C_DIG,
    ['A' ... 'Z'] = C_UP,
    ['a' ... 'z'] = C_LOW,
};
static inline bool isdig(unsigned char c)
{
    return ascii_class[c] & C_DIG;
}
static inline bool isup(unsigned char c)
{
    return ascii_class[c] & C_UP;
}
static inline bool islow(unsigned char c)
{
    return ascii_class[c] & C_LOW;
}
static inline bool isalph(unsigned char c)
{
    return ascii_class[c] & (C_UP | C_LOW);
}
static inline bool isaln(unsigned char c)
{
    return ascii_class[c] != 0;
}
/* Part of a word: ASCII letters and digits. Bytes >= 0x80 are judged by
 * the character they belong to (word_at, word_before_at): letters of any
 * script join a word, so "é12" is no number start, but a no-break space,
 * a dash or a curly quote ends one, so "NHS\u00a09999542557" is seen. */
static inline bool isword(unsigned char c)
{
    return isaln(c);
}

static bool cp_is_word(uint32_t cp)
{
    if (cp < 0xC0 || cp == 0xD7 || cp == 0xF7)
        return false;
    if ((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) || cp == 0xFEFF ||
        (cp >= 0xFF00 && cp <= 0xFF20) || (cp >= 0xFE30 && cp <= 0xFE6F))
        return false;
    return true;
}

/* The code point of the UTF-8 sequence at t[i] (lead byte), or 0xFFFD;
 * also for an ASCII byte, which word_before_at_utf8 reaches only in
 * broken text (continuation bytes after it). */
static uint32_t decode_at(const char *t, size_t len, size_t i)
{
    return (unsigned char)t[i] < 0x80 ? 0xFFFD : mdt_utf8_decode(t + i, len - i, NULL);
}

/* Is the character starting at t[i] part of a word? */
static bool word_at(const char *t, size_t len, size_t i)
{
    unsigned char c = (unsigned char)t[i];
    if (c < 0x80)
        return isaln(c);
    return cp_is_word(decode_at(t, len, i));
}

/* word_before_at beyond ASCII: the rare case, kept out of the scan loop. */
static __attribute__((noinline)) bool word_before_at_utf8(const char *t, size_t i)
{
    size_t k = i - 1;
    while (k > 0 && i - k < 4 && ((unsigned char)t[k] & 0xC0) == 0x80)
        k--;
    return cp_is_word(decode_at(t, i, k));
}

/* Is the character ending at t[i-1] part of a word? */
static inline bool word_before_at(const char *t, size_t i)
{
    unsigned char c = (unsigned char)t[i - 1];
    if (c < 0x80)
        return isaln(c);
    return word_before_at_utf8(t, i);
}
static inline unsigned char lower(unsigned char c)
{
    return isup(c) ? (unsigned char)(c + 32) : c;
}
static inline unsigned char upper(unsigned char c)
{
    return islow(c) ? (unsigned char)(c - 32) : c;
}

#define T(i) ((unsigned char)t[i])

/* Is c one of the characters of set? (Never for NUL, unlike strchr.) */
static inline bool in_set(unsigned char c, const char *set)
{
    for (; *set; set++)
        if ((unsigned char)*set == c)
            return true;
    return false;
}

static size_t run_digits(const char *t, size_t len, size_t i, size_t max)
{
    size_t n = 0;
    while (i + n < len && n < max && isdig(T(i + n)))
        n++;
    return n;
}

static size_t run_letters(const char *t, size_t len, size_t i, size_t max)
{
    size_t n = 0;
    while (i + n < len && n < max && isalph(T(i + n)))
        n++;
    return n;
}

/* Does t[i..] start with w (n bytes, lower case), in any case? */
static inline bool prefix_cin(const char *t, size_t len, size_t i, const char *w, size_t n)
{
    if (i + n > len)
        return false;
    for (size_t k = 0; k < n; k++)
        if (lower(T(i + k)) != (unsigned char)w[k])
            return false;
    return true;
}

/* With a literal w its length is a constant: no strlen in the scan. */
#define prefix_ci(t, len, i, w) prefix_cin(t, len, i, w, strlen(w))

static unsigned num(const char *t, size_t i, size_t n)
{
    unsigned v = 0;
    for (size_t k = 0; k < n; k++)
        v = v * 10 + (unsigned)(T(i + k) - '0');
    return v;
}

/* True when text[i] cannot continue the token that ended just before it. */
static inline bool end_ok(const char *t, size_t len, size_t i)
{
    return i >= len || !word_at(t, len, i);
}

/* A number may start at i unless it continues a date, a decimal or a time
 * ("06" in "02/06/2025", "850" in "1,850"). After a digit and a space or
 * hyphen it may: "x2 07841 226 093" holds a phone all the same, and a
 * group inside a longer number is never reached, as the scan skips past
 * whatever matched at the number's first group. */
static bool num_start_ok(const char *t, size_t i)
{
    if (i == 0)
        return true;
    if (word_before_at(t, i))
        return false;
    if (i >= 2 && isdig(T(i - 2)) && in_set(T(i - 1), "./,:"))
        return false;
    return true;
}

/* ---- keyword table ---- */

enum {
    KW_MONTH = 1 << 0,     /* january, jan, sept ... (month number in .month) */
    KW_AMBIG = 1 << 1,     /* also an ordinary word: may, march, jan, mar, sat ... */
    KW_WEEKDAY = 1 << 2,
    KW_CTX = 1 << 3,       /* ref, reference, mrn, brp: a code follows */
    KW_NUMWORD = 1 << 4,   /* no, number, num: a code follows when qualified */
    KW_QUAL = 1 << 5,      /* hosp, claim, prison ...: qualifies "no"/"number" */
    KW_PLATFORM = 1 << 6,  /* instagram, tiktok ...: a handle may follow */
    KW_STREET = 1 << 7,    /* road, close, terrace ... */
    KW_AGE_PRE = 1 << 8,   /* aged, age */
    KW_AGE_VERB = 1 << 9,  /* is, was, turned: "Ivy is 94" */
    KW_VEHICLE = 1 << 10,  /* reg, car, van: older registrations may follow */
    KW_NHS = 1 << 11,
    KW_UNIT = 1 << 12,     /* mg, kg, bpm, percent: a measurement, not an age */
    KW_FILLER = 1 << 13,   /* between a context word and its code: is, was, no */
    KW_AGE_POST = 1 << 14, /* yo, yrs, years */
    KW_STOP = 1 << 15,     /* cannot start a street name: the, of, county ... */
    KW_DURATION = 1 << 16, /* for, over, within: "for 5/7" is five days */
    KW_AGE_REL = 1 << 17,  /* mother, grandad: "Mother 95," is an age */
    /* numbers in words (the value in .month) */
    KW_DIGIT = 1 << 18,    /* zero, oh, o, nought, one ... nine */
    KW_REPEAT = 1 << 19,   /* double, treble, triple: the next digit again */
    KW_TEEN = 1 << 20,     /* ten ... nineteen */
    KW_TENS = 1 << 21,     /* twenty ... ninety */
    KW_ORD = 1 << 22,      /* first ... nineteenth, twentieth, thirtieth */
    KW_TOPO = 1 << 23,     /* Hill, Park, Wharf, Quay: ends the name of a small place */
    KW_TITLE = 1 << 24,    /* Mr, Dr: a person's name follows */
    KW_HOLIDAY = 1 << 25,  /* the first word of a festival or holiday */
    KW_LUNAR = 1 << 26,    /* a month of the Islamic calendar: "17 Ramadan" */
};

struct kw {
    const char *w;
    uint32_t flags;
    uint8_t month; /* the month of a month word, the value of a number word */
};

static const struct kw keywords[] = {
    {"january", KW_MONTH, 1}, {"february", KW_MONTH, 2}, {"march", KW_MONTH | KW_AMBIG, 3},
    {"april", KW_MONTH, 4}, {"may", KW_MONTH | KW_AMBIG, 5}, {"june", KW_MONTH, 6},
    {"july", KW_MONTH, 7}, {"august", KW_MONTH, 8}, {"september", KW_MONTH, 9},
    {"october", KW_MONTH, 10}, {"november", KW_MONTH, 11}, {"december", KW_MONTH, 12},
    {"muharram", KW_LUNAR, 0}, {"safar", KW_LUNAR, 0}, {"rajab", KW_LUNAR, 0},
    {"shaban", KW_LUNAR, 0}, {"ramadan", KW_LUNAR, 0}, {"ramazan", KW_LUNAR, 0},
    {"ramzan", KW_LUNAR, 0}, {"shawwal", KW_LUNAR, 0},
    {"jan", KW_MONTH | KW_AMBIG, 1}, {"feb", KW_MONTH | KW_AMBIG, 2},
    {"mar", KW_MONTH | KW_AMBIG, 3}, {"apr", KW_MONTH | KW_AMBIG, 4},
    {"jun", KW_MONTH | KW_AMBIG, 6}, {"jul", KW_MONTH | KW_AMBIG, 7},
    {"aug", KW_MONTH | KW_AMBIG, 8}, {"sep", KW_MONTH | KW_AMBIG, 9},
    {"sept", KW_MONTH | KW_AMBIG, 9}, {"oct", KW_MONTH | KW_AMBIG, 10},
    {"nov", KW_MONTH | KW_AMBIG, 11}, {"dec", KW_MONTH | KW_AMBIG, 12},
    {"monday", KW_WEEKDAY, 0}, {"tuesday", KW_WEEKDAY, 0}, {"wednesday", KW_WEEKDAY, 0},
    {"thursday", KW_WEEKDAY, 0}, {"friday", KW_WEEKDAY, 0}, {"saturday", KW_WEEKDAY, 0},
    {"sunday", KW_WEEKDAY, 0}, {"mon", KW_WEEKDAY | KW_AMBIG, 0}, {"tue", KW_WEEKDAY | KW_AMBIG, 0},
    {"tues", KW_WEEKDAY | KW_AMBIG, 0}, {"wed", KW_WEEKDAY | KW_AMBIG, 0},
    {"thu", KW_WEEKDAY | KW_AMBIG, 0}, {"thur", KW_WEEKDAY | KW_AMBIG, 0},
    {"thurs", KW_WEEKDAY | KW_AMBIG, 0}, {"fri", KW_WEEKDAY | KW_AMBIG, 0},
    {"weds", KW_WEEKDAY | KW_AMBIG, 0},
    {"sat", KW_WEEKDAY | KW_AMBIG, 0}, {"sun", KW_WEEKDAY | KW_AMBIG, 0},
    /* references */
    {"ref", KW_CTX | KW_QUAL, 0}, {"refs", KW_CTX, 0}, {"reference", KW_CTX | KW_QUAL, 0},
    {"mrn", KW_CTX | KW_QUAL, 0}, {"brp", KW_CTX | KW_QUAL, 0}, {"nrm", KW_CTX | KW_QUAL, 0},
    {"crn", KW_CTX | KW_QUAL, 0}, {"urn", KW_CTX | KW_QUAL, 0}, {"upn", KW_CTX | KW_QUAL, 0},
    {"id", KW_CTX | KW_QUAL, 0}, {"licence", KW_CTX | KW_QUAL, 0}, {"license", KW_CTX | KW_QUAL, 0},
    {"passport", KW_CTX | KW_QUAL, 0}, {"utr", KW_CTX | KW_QUAL, 0}, {"chi", KW_CTX | KW_QUAL, 0},
    {"no", KW_NUMWORD | KW_FILLER, 0}, {"nos", KW_NUMWORD | KW_FILLER, 0},
    {"number", KW_NUMWORD | KW_FILLER, 0}, {"num", KW_NUMWORD | KW_FILLER, 0},
    {"hosp", KW_QUAL, 0}, {"hospital", KW_QUAL, 0}, {"claim", KW_QUAL, 0}, {"prison", KW_QUAL, 0},
    {"badge", KW_QUAL, 0}, {"service", KW_QUAL, 0}, {"unit", KW_QUAL, 0}, {"patient", KW_QUAL, 0},
    {"case", KW_QUAL, 0}, {"account", KW_QUAL, 0}, {"acc", KW_QUAL, 0}, {"crime", KW_QUAL, 0},
    {"tenancy", KW_QUAL, 0}, {"policy", KW_QUAL, 0}, {"member", KW_QUAL, 0},
    {"membership", KW_QUAL, 0}, {"registration", KW_QUAL | KW_VEHICLE, 0},
    {"student", KW_QUAL, 0}, {"staff", KW_QUAL, 0}, {"customer", KW_QUAL, 0}, {"payroll", KW_QUAL, 0},
    {"serial", KW_QUAL, 0}, {"booking", KW_QUAL, 0}, {"file", KW_QUAL, 0}, {"court", KW_QUAL, 0},
    {"record", KW_QUAL, 0}, {"certificate", KW_QUAL, 0}, {"cert", KW_QUAL, 0}, {"hmrc", KW_QUAL, 0},
    {"council", KW_QUAL, 0}, {"application", KW_QUAL, 0}, {"benefit", KW_QUAL, 0},
    {"is", KW_AGE_VERB | KW_FILLER, 0}, {"was", KW_AGE_VERB | KW_FILLER, 0}, {"turned", KW_AGE_VERB, 0},
    {"turns", KW_AGE_VERB, 0}, {"now", KW_AGE_VERB, 0}, {"nhs", KW_NHS | KW_QUAL, 0},
    {"aged", KW_AGE_PRE, 0}, {"age", KW_AGE_PRE, 0}, {"ages", KW_AGE_PRE, 0},
    {"yo", KW_AGE_POST, 0}, {"yrs", KW_AGE_POST, 0}, {"yr", KW_AGE_POST, 0}, {"years", KW_AGE_POST, 0},
    {"year", KW_AGE_POST, 0}, {"yoa", KW_AGE_POST, 0},
    {"mother", KW_AGE_REL, 0}, {"mum", KW_AGE_REL, 0}, {"father", KW_AGE_REL, 0},
    {"dad", KW_AGE_REL, 0}, {"nan", KW_AGE_REL, 0}, {"gran", KW_AGE_REL, 0},
    {"grandma", KW_AGE_REL, 0}, {"grandad", KW_AGE_REL, 0}, {"grandmother", KW_AGE_REL, 0},
    {"grandfather", KW_AGE_REL, 0}, {"husband", KW_AGE_REL, 0}, {"wife", KW_AGE_REL, 0},
    {"aunt", KW_AGE_REL, 0}, {"uncle", KW_AGE_REL, 0},
    {"for", KW_DURATION | KW_STOP, 0}, {"over", KW_DURATION, 0}, {"within", KW_DURATION, 0},
    {"past", KW_DURATION, 0}, {"last", KW_DURATION, 0}, {"next", KW_DURATION, 0},
    {"after", KW_DURATION, 0}, {"x", KW_DURATION | KW_UNIT, 0},
    /* social media */
    {"instagram", KW_PLATFORM, 0}, {"insta", KW_PLATFORM, 0}, {"ig", KW_PLATFORM, 0},
    {"tiktok", KW_PLATFORM, 0}, {"facebook", KW_PLATFORM, 0}, {"fb", KW_PLATFORM, 0},
    {"snapchat", KW_PLATFORM, 0}, {"snap", KW_PLATFORM, 0}, {"discord", KW_PLATFORM, 0},
    {"twitter", KW_PLATFORM, 0}, {"youtube", KW_PLATFORM, 0}, {"telegram", KW_PLATFORM, 0},
    {"twitch", KW_PLATFORM, 0}, {"reddit", KW_PLATFORM, 0}, {"threads", KW_PLATFORM, 0},
    {"onlyfans", KW_PLATFORM, 0}, {"linkedin", KW_PLATFORM, 0}, {"kik", KW_PLATFORM, 0},
    {"xbox", KW_PLATFORM, 0}, {"psn", KW_PLATFORM, 0}, {"gamertag", KW_PLATFORM, 0},
    {"username", KW_PLATFORM, 0}, {"handle", KW_PLATFORM, 0}, {"steam", KW_PLATFORM, 0},
    {"bluesky", KW_PLATFORM, 0}, {"whatsapp", KW_PLATFORM, 0}, {"signal", KW_PLATFORM, 0},
    /* streets (the suffix of a street name) */
    {"road", KW_STREET, 0}, {"rd", KW_STREET, 0}, {"street", KW_STREET, 0}, {"lane", KW_STREET, 0},
    {"avenue", KW_STREET, 0}, {"ave", KW_STREET, 0}, {"close", KW_STREET, 0}, {"terrace", KW_STREET, 0},
    {"grove", KW_STREET, 0}, {"drive", KW_STREET, 0}, {"walk", KW_STREET, 0}, {"row", KW_STREET, 0},
    {"mews", KW_STREET, 0}, {"crescent", KW_STREET, 0}, {"gardens", KW_STREET, 0},
    {"parade", KW_STREET, 0}, {"way", KW_STREET, 0}, {"rise", KW_STREET, 0}, {"ct", KW_STREET, 0},
    {"court", KW_STREET | KW_QUAL, 0}, {"square", KW_STREET, 0}, {"hse", KW_STREET, 0},
    {"cres", KW_STREET, 0}, {"gdns", KW_STREET, 0}, {"ln", KW_STREET, 0}, {"wynd", KW_STREET, 0},
    {"chase", KW_STREET, 0}, {"boulevard", KW_STREET, 0}, {"moorings", KW_STREET, 0},
    /* words that never start a street name */
    {"the", KW_STOP, 0}, {"a", KW_STOP, 0}, {"an", KW_STOP, 0}, {"and", KW_STOP, 0}, {"of", KW_STOP, 0},
    {"on", KW_STOP, 0}, {"in", KW_STOP, 0}, {"at", KW_STOP, 0}, {"to", KW_STOP, 0}, {"by", KW_STOP, 0},
    {"for", KW_STOP, 0}, {"from", KW_STOP, 0}, {"with", KW_STOP, 0}, {"via", KW_STOP, 0},
    {"near", KW_STOP, 0}, {"off", KW_STOP, 0}, {"our", KW_STOP, 0}, {"his", KW_STOP, 0},
    {"her", KW_STOP, 0}, {"their", KW_STOP, 0}, {"my", KW_STOP, 0}, {"your", KW_STOP, 0},
    {"county", KW_STOP, 0}, {"crown", KW_STOP, 0}, {"magistrates", KW_STOP, 0}, {"family", KW_STOP, 0},
    {"high", KW_STOP, 0}, {"youth", KW_STOP, 0}, {"supreme", KW_STOP, 0}, {"appeal", KW_STOP, 0},
    {"coroners", KW_STOP, 0}, {"combined", KW_STOP, 0}, {"memory", KW_STOP, 0}, {"no", KW_STOP, 0},
    {"one", KW_STOP, 0}, {"every", KW_STOP, 0}, {"same", KW_STOP, 0}, {"long", KW_STOP, 0},
    {"this", KW_STOP, 0}, {"that", KW_STOP, 0}, {"which", KW_STOP, 0}, {"each", KW_STOP, 0},
    {"main", KW_STOP, 0}, {"any", KW_STOP, 0}, {"other", KW_STOP, 0}, {"new", KW_STOP, 0},
    /* vehicles */
    {"reg", KW_VEHICLE | KW_QUAL, 0}, {"car", KW_VEHICLE, 0}, {"van", KW_VEHICLE, 0},
    {"vehicle", KW_VEHICLE, 0}, {"plate", KW_VEHICLE, 0}, {"plates", KW_VEHICLE, 0},
    {"vrm", KW_VEHICLE, 0}, {"motorbike", KW_VEHICLE, 0}, {"moped", KW_VEHICLE, 0},
    {"taxi", KW_VEHICLE, 0}, {"minibus", KW_VEHICLE, 0}, {"pickup", KW_VEHICLE, 0},
    {"lorry", KW_VEHICLE, 0}, {"truck", KW_VEHICLE, 0}, {"scooter", KW_VEHICLE, 0},
    {"motorcycle", KW_VEHICLE, 0}, {"registered", KW_VEHICLE, 0},
    {"drives", KW_VEHICLE, 0}, {"drove", KW_VEHICLE, 0}, {"driving", KW_VEHICLE, 0},
    /* units: a number before them is a measurement */
    {"mg", KW_UNIT, 0}, {"mcg", KW_UNIT, 0}, {"g", KW_UNIT, 0}, {"kg", KW_UNIT, 0}, {"ml", KW_UNIT, 0},
    {"l", KW_UNIT, 0}, {"bpm", KW_UNIT, 0}, {"mmhg", KW_UNIT, 0}, {"percent", KW_UNIT, 0},
    {"per", KW_UNIT, 0}, {"points", KW_UNIT, 0}, {"out", KW_UNIT, 0}, {"minutes", KW_UNIT, 0},
    {"mins", KW_UNIT, 0}, {"min", KW_UNIT, 0}, {"hours", KW_UNIT, 0}, {"hrs", KW_UNIT, 0},
    {"days", KW_UNIT, 0}, {"weeks", KW_UNIT, 0}, {"months", KW_UNIT, 0}, {"miles", KW_UNIT, 0},
    {"metres", KW_UNIT, 0}, {"cm", KW_UNIT, 0}, {"mmol", KW_UNIT, 0}, {"units", KW_UNIT, 0},
    {"pounds", KW_UNIT, 0}, {"quid", KW_UNIT, 0}, {"pence", KW_UNIT, 0}, {"p", KW_UNIT, 0},
    {"k", KW_UNIT, 0}, {"m", KW_UNIT, 0}, {"x", KW_UNIT, 0}, {"mph", KW_UNIT, 0}, {"st", KW_UNIT, 0},
    {"lbs", KW_UNIT, 0}, {"kcal", KW_UNIT, 0}, {"iu", KW_UNIT, 0}, {"mm", KW_UNIT, 0},
    /* numbers dictated in words: "oh seven seven double oh nine", "the
     * fourth of March nineteen eighty-two" */
    {"zero", KW_DIGIT, 0}, {"oh", KW_DIGIT, 0}, {"o", KW_DIGIT, 0},
    {"nought", KW_DIGIT, 0}, {"one", KW_DIGIT, 1}, {"two", KW_DIGIT, 2},
    {"three", KW_DIGIT, 3}, {"four", KW_DIGIT, 4}, {"five", KW_DIGIT, 5},
    {"six", KW_DIGIT, 6}, {"seven", KW_DIGIT, 7}, {"eight", KW_DIGIT, 8},
    {"nine", KW_DIGIT, 9}, {"double", KW_REPEAT, 2}, {"treble", KW_REPEAT, 3},
    {"triple", KW_REPEAT, 3},
    {"ten", KW_TEEN, 10}, {"eleven", KW_TEEN, 11}, {"twelve", KW_TEEN, 12},
    {"thirteen", KW_TEEN, 13}, {"fourteen", KW_TEEN, 14}, {"fifteen", KW_TEEN, 15},
    {"sixteen", KW_TEEN, 16}, {"seventeen", KW_TEEN, 17}, {"eighteen", KW_TEEN, 18},
    {"nineteen", KW_TEEN, 19},
    {"twenty", KW_TENS, 20}, {"thirty", KW_TENS, 30}, {"forty", KW_TENS, 40},
    {"fifty", KW_TENS, 50}, {"sixty", KW_TENS, 60}, {"seventy", KW_TENS, 70},
    {"eighty", KW_TENS, 80}, {"ninety", KW_TENS, 90},
    {"first", KW_ORD, 1}, {"second", KW_ORD, 2}, {"third", KW_ORD, 3},
    {"fourth", KW_ORD, 4}, {"fifth", KW_ORD, 5}, {"sixth", KW_ORD, 6},
    {"seventh", KW_ORD, 7}, {"eighth", KW_ORD, 8}, {"ninth", KW_ORD, 9},
    {"tenth", KW_ORD, 10}, {"eleventh", KW_ORD, 11}, {"twelfth", KW_ORD, 12},
    {"thirteenth", KW_ORD, 13}, {"fourteenth", KW_ORD, 14},
    {"fifteenth", KW_ORD, 15}, {"sixteenth", KW_ORD, 16},
    {"seventeenth", KW_ORD, 17}, {"eighteenth", KW_ORD, 18},
    {"nineteenth", KW_ORD, 19}, {"twentieth", KW_ORD, 20}, {"thirtieth", KW_ORD, 30},
    {"coroner", KW_STOP, 0},
    /* small places named without a cue word: "Bury Park", "Canary Wharf" */
    {"hill", KW_TOPO, 0}, {"park", KW_TOPO, 0}, {"wharf", KW_TOPO, 0}, {"quay", KW_TOPO, 0},
    {"fen", KW_TOPO, 0}, {"glen", KW_TOPO, 0}, {"vale", KW_TOPO, 0}, {"heath", KW_TOPO, 0},
    {"common", KW_TOPO, 0}, {"marina", KW_TOPO, 0}, {"moor", KW_TOPO, 0},
    {"outlet", KW_TOPO, 0}, {"meadows", KW_TOPO, 0}, {"fields", KW_TOPO, 0},
    {"mr", KW_TITLE, 0}, {"mrs", KW_TITLE, 0}, {"ms", KW_TITLE, 0}, {"miss", KW_TITLE, 0},
    {"dr", KW_TITLE, 0}, {"rev", KW_TITLE, 0}, {"pc", KW_TITLE, 0}, {"dc", KW_TITLE, 0},
    {"sgt", KW_TITLE, 0}, {"cllr", KW_TITLE, 0}, {"prof", KW_TITLE, 0}, {"mx", KW_TITLE, 0},
    {"christmas", KW_HOLIDAY, 0}, {"boxing", KW_HOLIDAY, 0}, {"new", KW_HOLIDAY, 0},
    {"easter", KW_HOLIDAY, 0}, {"good", KW_HOLIDAY, 0}, {"eid", KW_HOLIDAY, 0},
    {"diwali", KW_HOLIDAY, 0}, {"deepavali", KW_HOLIDAY, 0}, {"vaisakhi", KW_HOLIDAY, 0},
    {"baisakhi", KW_HOLIDAY, 0}, {"holi", KW_HOLIDAY, 0}, {"navratri", KW_HOLIDAY, 0},
    {"ramadan", KW_HOLIDAY, 0}, {"passover", KW_HOLIDAY, 0}, {"hanukkah", KW_HOLIDAY, 0},
    {"yom", KW_HOLIDAY, 0}, {"rosh", KW_HOLIDAY, 0}, {"chinese", KW_HOLIDAY, 0},
    {"lunar", KW_HOLIDAY, 0}, {"orthodox", KW_HOLIDAY, 0}, {"bonfire", KW_HOLIDAY, 0},
    {"guy", KW_HOLIDAY, 0}, {"valentine", KW_HOLIDAY, 0}, {"halloween", KW_HOLIDAY, 0},
    {"hogmanay", KW_HOLIDAY, 0}, {"remembrance", KW_HOLIDAY, 0}, {"armistice", KW_HOLIDAY, 0},
    {"mothers", KW_HOLIDAY, 0}, {"mother", KW_HOLIDAY, 0}, {"fathers", KW_HOLIDAY, 0},
    {"father", KW_HOLIDAY, 0},
};

#define KW_SLOTS 1024 /* power of two, well over twice the table */
#define KW_MAXLEN 15

struct kw_slot {
    char w[KW_MAXLEN + 1];
    uint8_t len;
    uint8_t month; /* as in struct kw */
    uint32_t flags;
};

/* A word's first two characters as classes: a-z (any case) 0..25, any
 * other byte or none 26. */
static inline unsigned kw_class(unsigned char c)
{
    c = lower(c);
    return c >= 'a' && c <= 'z' ? (unsigned)(c - 'a') : 26u;
}

struct mdt_patterns {
    struct kw_slot slot[KW_SLOTS];
    /* filter[n][first]: bit c set when some keyword of n bytes starts with
     * classes first, c. Nearly every word of a text is no keyword: this
     * rejects most of them without hashing. */
    uint32_t filter[KW_MAXLEN + 1][27];
};

static uint32_t kw_hash_lower(const char *t, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t k = 0; k < n; k++)
        h = (h ^ lower(T(k))) * 16777619u;
    return h;
}

struct mdt_patterns *mdt__patterns_new(void)
{
    struct mdt_patterns *p = mdt_xcalloc(1, sizeof(*p));

    for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++) {
        size_t n = strlen(keywords[k].w);
        uint32_t h = kw_hash_lower(keywords[k].w, n) & (KW_SLOTS - 1);
        /* A word may be listed twice ("no", "court"): flags accumulate. */
        while (p->slot[h].len && (p->slot[h].len != n || memcmp(p->slot[h].w, keywords[k].w, n)))
            h = (h + 1) & (KW_SLOTS - 1);
        p->filter[n][kw_class((unsigned char)keywords[k].w[0])] |=
            1u << (n > 1 ? kw_class((unsigned char)keywords[k].w[1]) : 26u);
        memcpy(p->slot[h].w, keywords[k].w, n);
        p->slot[h].len = (uint8_t)n;
        p->slot[h].flags |= keywords[k].flags;
        if (keywords[k].month)
            p->slot[h].month = keywords[k].month;
    }
    return p;
}

void mdt__patterns_free(struct mdt_patterns *p)
{
    free(p);
}

/* Flags of the word t[0..n) (any case); 0 when not a keyword. */
static const struct kw_slot *kw_find(const struct mdt_patterns *p, const char *t, size_t n)
{
    uint32_t h;

    if (n == 0 || n > KW_MAXLEN)
        return NULL;
    if (!(p->filter[n][kw_class(T(0))] & (1u << (n > 1 ? kw_class(T(1)) : 26u))))
        return NULL;
    h = kw_hash_lower(t, n) & (KW_SLOTS - 1);
    while (p->slot[h].len) {
        const struct kw_slot *s = &p->slot[h];
        if (s->len == n) {
            size_t k = 0;
            while (k < n && lower(T(k)) == (unsigned char)s->w[k])
                k++;
            if (k == n)
                return s;
        }
        h = (h + 1) & (KW_SLOTS - 1);
    }
    return NULL;
}

static uint32_t kw_flags(const struct mdt_patterns *p, const char *t, size_t n)
{
    const struct kw_slot *s = kw_find(p, t, n);
    return s ? s->flags : 0;
}

/* The word (ASCII letters) ending just before position i, skipping the
 * separators in seps; *ws is its start. Returns its length (0: none). */
static size_t word_before(const char *t, size_t i, const char *seps, size_t *ws)
{
    size_t e = i, s;
    while (e > 0 && i - e < 4 && in_set(T(e - 1), seps))
        e--;
    s = e;
    while (s > 0 && e - s < 20 && isalph(T(s - 1)))
        s--;
    if (s > 0 && isword(T(s - 1)))
        return 0;
    *ws = s;
    return e - s;
}

/* ---- the scanner state ---- */

struct scan {
    const struct mdt_patterns *p;
    const struct mdt_lexicons *lex; /* NULL: no word lists (the unit tests) */
    const char *t;
    size_t len;
    struct mdt_spans *out;
    size_t nhs_until;      /* an NHS number is expected before here */
    size_t vehicle_until;  /* an older vehicle registration may appear before here */
    size_t platform_until; /* a social media handle may appear before here */
};

static void add(struct scan *s, size_t a, size_t b, enum mdt_kind k)
{
    if (b > a)
        mdt__spans_add(s->out, a, b, k, MDT_PRIO_PATTERN, NULL);
}

/* ---- NHS numbers ---- */

static bool nhs_valid(const unsigned char d[10])
{
    unsigned sum = 0, check;
    for (int k = 0; k < 9; k++)
        sum += (unsigned)(d[k] - '0') * (unsigned)(10 - k);
    check = 11 - sum % 11;
    if (check == 11)
        check = 0;
    return check != 10 && check == (unsigned)(d[9] - '0');
}

/* Ten digits as 3-3-4 (one space or hyphen between groups, the same one
 * twice), or unbroken. Valid under Modulus 11, or after the word NHS. */
static size_t match_nhs(struct scan *s, size_t i)
{
    const char *t = s->t;
    size_t len = s->len, e = 0;
    unsigned char d[10];

    if (run_digits(t, len, i, 11) == 10) {
        memcpy(d, t + i, 10);
        e = i + 10;
    } else if (run_digits(t, len, i, 4) == 3 && i + 12 <= len &&
               (T(i + 3) == ' ' || T(i + 3) == '-') && T(i + 7) == T(i + 3) &&
               run_digits(t, len, i + 4, 4) == 3 && run_digits(t, len, i + 8, 5) == 4) {
        memcpy(d, t + i, 3);
        memcpy(d + 3, t + i + 4, 3);
        memcpy(d + 6, t + i + 8, 4);
        e = i + 12;
    } else {
        return 0;
    }
    if (!end_ok(t, len, e))
        return 0;
    if (!nhs_valid(d) && i >= s->nhs_until)
        return 0;
    return e;
}

/* ---- phones ---- */

/* Digit groups from i separated by one space, hyphen or dot; returns the
 * end of the longest prefix of groups whose digit count is lo or hi, or 0. */
/* The length of a line break at p ("\n", "\r\n", with blanks before),
 * 0 if none. */
static size_t line_break(const char *t, size_t len, size_t p)
{
    size_t q = p;
    while (q < len && q - p < 4 && T(q) == ' ')
        q++;
    if (q < len && T(q) == '\r')
        q++;
    return q < len && T(q) == '\n' ? q + 1 - p : 0;
}

static size_t phone_groups(const char *t, size_t len, size_t i, size_t have, size_t lo, size_t hi)
{
    size_t best = 0, n = have, p = i;
    bool wrapped = false;

    for (int g = 0; g < 5; g++) {
        size_t r = run_digits(t, len, p, 12);
        if (r == 0)
            break;
        n += r;
        p += r;
        if (n > hi)
            break;
        if ((n == lo || n == hi) && end_ok(t, len, p))
            best = p;
        if (p + 1 < len && (T(p) == ' ' || T(p) == '-' || T(p) == '.') && isdig(T(p + 1)))
            p++;
        else if (!wrapped && (r = line_break(t, len, p)) != 0 && p + r < len && isdig(T(p + r)))
            p += r, wrapped = true; /* a number wrapped onto the next line */
        else
            break;
    }
    return best;
}

static bool national_lead_ok(unsigned char c)
{
    return c == '1' || c == '2' || c == '3' || c == '5' || c == '7' || c == '8' || c == '9';
}

/* "+234 803 555 0147", "+48 512-004-771": another country's number, from
 * just after the '+': a country code and groups split by one space,
 * hyphen or dot, eight to fifteen digits in all (E.164). */
static size_t intl_phone(const char *t, size_t len, size_t p)
{
    size_t digits = 0, end = 0;
    if (p >= len || !isdig(T(p)) || T(p) == '0')
        return 0;
    while (p < len && digits <= 15) {
        size_t r = run_digits(t, len, p, 16);
        if (r == 0)
            break;
        digits += r;
        p += r;
        end = p;
        if (p + 1 < len && (T(p) == ' ' || T(p) == '-' || T(p) == '.') && isdig(T(p + 1)))
            p++;
        else
            break;
    }
    if (digits < 8 || digits > 15 || !end_ok(t, len, end))
        return 0;
    return end;
}

static size_t match_phone(struct scan *s, size_t i)
{
    const char *t = s->t;
    size_t len = s->len, p = i;

    if (T(i) == '+' || (T(i) == '0' && i + 4 < len && T(i + 1) == '0' && T(i + 2) == '4' &&
                        T(i + 3) == '4')) {
        /* +44 7911 123456, +44 (0)7868 120 553, 0044 ... */
        p = T(i) == '+' ? i + 1 : i + 2;
        if (!(p + 2 < len && T(p) == '4' && T(p + 1) == '4'))
            return T(i) == '+' ? intl_phone(t, len, i + 1) : 0;
        p += 2;
        if (p < len && (T(p) == ' ' || T(p) == '-'))
            p++;
        if (p + 3 < len && T(p) == '(' && T(p + 1) == '0' && T(p + 2) == ')') {
            p += 3;
            if (p < len && (T(p) == ' ' || T(p) == '-'))
                p++;
        }
        if (p >= len || !national_lead_ok(T(p)))
            return 0;
        return phone_groups(t, len, p, 0, 9, 10);
    }
    if (T(i) == '(') {
        /* (01353) 649 210, (024) 7631 9082 */
        size_t r = run_digits(t, len, i + 1, 7);
        if (r < 3 || T(i + 1) != '0' || !national_lead_ok(T(i + 2)) || i + 1 + r + 2 >= len ||
            T(i + 1 + r) != ')')
            return 0;
        p = i + 1 + r + 1;
        if (T(p) == ' ' || T(p) == '-')
            p++;
        return phone_groups(t, len, p, r, 10, 11);
    }
    if (T(i) == '0' && i + 1 < len && national_lead_ok(T(i + 1)))
        return phone_groups(t, len, i, 0, 10, 11);
    return 0;
}

/* ---- NI numbers ---- */

static bool ni_prefix_ok(unsigned char a, unsigned char b)
{
    a = upper(a);
    b = upper(b);
    if (in_set(a, "DFIQUV") || in_set(b, "DFIQUVO"))
        return false;
    static const char *const bad[] = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"};
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
        if (a == (unsigned char)bad[k][0] && b == (unsigned char)bad[k][1])
            return false;
    return true;
}

/* QQ 12 34 56 C, QQ123456C, with or without the suffix, one case. */
static size_t match_ni(struct scan *s, size_t i)
{
    const char *t = s->t;
    size_t len = s->len, p = i + 2;
    bool up;

    if (i + 8 > len || !isalph(T(i)) || !isalph(T(i + 1)) || !ni_prefix_ok(T(i), T(i + 1)))
        return 0;
    up = isup(T(i));
    if (isup(T(i + 1)) != up)
        return 0;
    for (int g = 0; g < 3; g++) {
        if (p < len && T(p) == ' ')
            p++;
        if (run_digits(t, len, p, 2) != 2)
            return 0;
        p += 2;
    }
    {
        size_t q = p;
        if (q < len && T(q) == ' ')
            q++;
        if (q < len && in_set(upper(T(q)), "ABCD") && (isup(T(q)) == up) && end_ok(t, len, q + 1))
            return q + 1;
    }
    return end_ok(t, len, p) ? p : 0;
}

/* ---- postcodes ---- */

/* The inward code at q (after an optional space): 9AA. */
static size_t postcode_inward(const char *t, size_t len, size_t q)
{
    if (q < len && T(q) == ' ')
        q++;
    if (!(q + 3 <= len && isdig(T(q)) && isalph(T(q + 1)) && isalph(T(q + 2)) &&
          !in_set(upper(T(q + 1)), "CIKMOV") && !in_set(upper(T(q + 2)), "CIKMOV") &&
          end_ok(t, len, q + 3)))
        return 0;
    /* "b12 2nd dose": an ordinal is no inward code in lower case. */
    if (islow(T(q + 1)) &&
        ((T(q + 1) == 'n' && T(q + 2) == 'd') || (T(q + 1) == 'r' && T(q + 2) == 'd') ||
         (T(q + 1) == 't' && T(q + 2) == 'h') || (T(q + 1) == 's' && T(q + 2) == 't')))
        return 0;
    return q + 3;
}

/* Every UK format: A9 9AA, A99 9AA, A9A 9AA, AA9 9AA, AA99 9AA, AA9A 9AA
 * (and GIR 0AA), any case, with or without the space. */
static size_t match_postcode(struct scan *s, size_t i)
{
    const char *t = s->t;
    size_t len = s->len, p = i, e;
    unsigned char a;
    bool two;

    if (i + 5 > len || !isalph(T(i)))
        return 0;
    if (prefix_ci(t, len, i, "gir") && (e = postcode_inward(t, len, i + 3)) != 0)
        return e;
    a = upper(T(p));
    if (in_set(a, "QVX"))
        return 0;
    p++;
    two = isalph(T(p));
    if (two) {
        if (in_set(upper(T(p)), "IJZ"))
            return 0;
        p++;
    }
    if (p >= len || !isdig(T(p)))
        return 0;
    p++;
    if (p < len && isdig(T(p))) {
        /* A99 or AA99; without the space the second digit may instead
         * start the inward code (DN328JF is DN32 8JF, E59QH is E5 9QH). */
        if ((e = postcode_inward(t, len, p + 1)) != 0)
            return e;
        if (p + 1 < len && T(p + 1) != ' ')
            return postcode_inward(t, len, p);
        return 0;
    }
    if (p < len && isalph(T(p))) {
        unsigned char c = upper(T(p));
        if (!(two ? in_set(c, "ABEHMNPRVWXY") : in_set(c, "ABCDEFGHJKPSTUW")))
            return 0;
        p++;
    }
    return postcode_inward(t, len, p);
}

/* ---- vehicles ---- */

static bool plate_letter(unsigned char c)
{
    return isup(c) && c != 'I' && c != 'Q';
}

/* Up to max blanks at p: how many. */
static size_t run_blanks(const char *t, size_t len, size_t p, size_t max)
{
    size_t n = 0;
    while (p + n < len && n < max && T(p + n) == ' ')
        n++;
    return n;
}

/* Current format AB12 CDE: alone when upper case and spaced (one or a few
 * blanks) or unspaced with an age identifier that was issued; after a
 * vehicle word in any case and spacing ("yx 15 hbf"), and so are older
 * formats (A123 BCD, ABC 123D), cherished plates (GR4 EME) and a partial
 * plate ("partial plate BD68"). */
static size_t match_vehicle(struct scan *s, size_t i)
{
    const char *t = s->t;
    size_t len = s->len, p;
    bool ctx = i < s->vehicle_until;

    if (i + 4 <= len && isalph(T(i)) && isalph(T(i + 1))) {
        size_t s1 = run_blanks(t, len, i + 2, 3), d = i + 2 + s1;
        if (run_digits(t, len, d, 3) == 2) {
            size_t s2 = run_blanks(t, len, d + 2, 3);
            p = d + 2 + s2;
            if (run_letters(t, len, p, 4) == 3 && end_ok(t, len, p + 3)) {
                bool up = isup(T(i)) && isup(T(i + 1)) && isup(T(p)) && isup(T(p + 1)) &&
                          isup(T(p + 2));
                bool letters = plate_letter(T(i)) && T(i) != 'Z' && plate_letter(T(i + 1)) &&
                               plate_letter(T(p)) && plate_letter(T(p + 1)) &&
                               plate_letter(T(p + 2));
                /* unspaced, in capitals: the age identifier must be one
                 * issued (02-29 in March, 51-79 in September, since 2001) */
                unsigned age = num(t, d, 2);
                if (up && letters && s1 == 0 &&
                    (s2 > 0 || (age >= 2 && age <= 29) || (age >= 51 && age <= 79)))
                    return p + 3;
                if (ctx)
                    return p + 3;
            } else if (ctx && s1 == 0 && end_ok(t, len, d + 2) && isup(T(i)) && isup(T(i + 1))) {
                return d + 2; /* a partial plate: BD68 */
            }
        }
    }
    if (!ctx)
        return 0;
    /* A123 BCD, and cherished plates: GR4 EME, K1 NGS */
    if (isalph(T(i))) {
        size_t l = run_letters(t, len, i, 4);
        size_t r = l <= 3 ? run_digits(t, len, i + l, 5) : 0;
        p = i + l + r;
        if (r >= 1 && r <= 4 && l + r <= 6) {
            size_t q = p + run_blanks(t, len, p, 3);
            size_t l2 = run_letters(t, len, q, 4);
            bool caps = true, lows = true;
            for (size_t k = 0; k < l; k++) {
                caps &= isup(T(i + k));
                lows &= islow(T(i + k));
            }
            for (size_t k = 0; k < l2; k++) {
                caps &= isup(T(q + k));
                lows &= islow(T(q + k));
            }
            /* in one case throughout ("Golf R32 and" is a model and a
             * word), and a cherished plate in capitals only ("BMW X5 in") */
            if (l2 >= 1 && l2 <= 3 && end_ok(t, len, q + l2) &&
                ((l == 1 && r <= 3 && l2 == 3 && (caps || lows)) || caps))
                return q + l2;
        }
    }
    /* ABC 123D */
    if (run_letters(t, len, i, 4) == 3) {
        size_t r;
        p = i + 3;
        p += run_blanks(t, len, p, 3);
        r = run_digits(t, len, p, 4);
        /* "his 60s", "her 20s" are decades */
        if (r >= 1 && r <= 3 && T(p + r - 1) == '0' && T(p + r) == 's')
            return 0;
        if (r >= 1 && r <= 3 && p + r < len && isalph(T(p + r)) && end_ok(t, len, p + r + 1))
            return p + r + 1;
    }
    return 0;
}

/* ---- emails, URLs, handles ---- */

static bool local_char(unsigned char c)
{
    return isaln(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '\'';
}

static bool handle_char(unsigned char c)
{
    return isaln(c) || c == '.' || c == '_';
}

/* At '@': an email (local part behind, a dotted domain ahead) or, with
 * nothing behind, a handle. Returns the end; *start is set. */
static size_t match_at(struct scan *s, size_t i, size_t *start, enum mdt_kind *kind)
{
    const char *t = s->t;
    size_t len = s->len, b = i, e = i + 1, dots = 0, label = 0, last_label_alpha = 0;

    while (b > 0 && i - b < 64 && local_char(T(b - 1)))
        b--;
    while (b < i && !isaln(T(b)))
        b++;
    if (b < i) {
        /* domain: labels of letters, digits and hyphens joined by dots */
        size_t good = 0;
        while (e < len && e - i < 256) {
            unsigned char c = T(e);
            if (isaln(c) || c == '-') {
                label++;
                last_label_alpha = isalph(c) ? last_label_alpha + 1 : 0;
                e++;
                if (dots > 0 && label >= 2 && last_label_alpha == label)
                    good = e;
            } else if (c == '.' && label > 0 && e + 1 < len && isaln(T(e + 1))) {
                dots++;
                label = 0;
                last_label_alpha = 0;
                e++;
            } else {
                break;
            }
        }
        *start = b;
        *kind = MDT_KIND_EMAIL;
        if (good)
            return good;
        /* user@host without a dotted domain: still someone's address */
        if (e > i + 1) {
            *kind = MDT_KIND_HANDLE;
            return e;
        }
        return 0;
    }
    /* @handle */
    while (e < len && e - i < 64 && handle_char(T(e)))
        e++;
    while (e > i + 1 && T(e - 1) == '.')
        e--;
    if (e < i + 2)
        return 0;
    *start = i;
    *kind = MDT_KIND_HANDLE;
    return e;
}


/* The end of a URL body from p: up to white space, trailing punctuation
 * left out. */
static size_t url_end(const char *t, size_t len, size_t p)
{
    size_t e = p;
    while (e < len && e - p < 2048 && T(e) > ' ' && T(e) != '"' && T(e) != '<' && T(e) != '>' &&
           T(e) != '\\')
        e++;
    while (e > p && in_set(T(e - 1), ".,;:!?)]}'"))
        e--;
    return e;
}

/* Is t[a..b) (a lower-case ASCII label) one of set? */
static bool label_in(const char *t, size_t a, size_t b, const char *const *set)
{
    for (; *set; set++)
        if (strlen(*set) == b - a && prefix_cin(t, b, a, *set, b - a))
            return true;
    return false;
}

/* A bare domain host t[i..e) (bet365.com, paddypower.co.uk): a site named
 * in a note is as telling as its address. Domains of public bodies
 * (gov.uk, nhs.uk, ac.uk, police.uk) and of the services on the allow
 * list (mind.org.uk, stepchange.org) name no one. */
static bool bare_domain(const struct scan *s, size_t i, size_t e)
{
    /* no top-level domain that is also a word ("info", "me", "app"): a
     * note typed with no space after a full stop ("home.Me and") holds
     * none */
    static const char *const tlds[] = {"com", "net", "org", "uk", "io", "tv", "biz", "xyz", NULL};
    static const char *const public_sld[] = {"gov", "nhs", "ac", "police", "sch", "mod",
                                             "parliament", NULL};
    const char *t = s->t;
    size_t last = e, prev = e, first = e;
    for (size_t k = i; k < e; k++) {
        if (T(k) != '.')
            continue;
        if (first == e)
            first = k;
        prev = last;
        last = k;
    }
    if (last == e || first - i < 2 || e - last < 3 || !label_in(t, last + 1, e, tlds))
        return false;
    /* gov.uk, www-less leicester.gov.uk, nhs.net */
    size_t sld = prev == e ? i : prev + 1;
    if (label_in(t, sld, last, public_sld))
        return false;
    if (s->lex) {
        char key[64];
        size_t kl = first - i;
        if (kl < sizeof(key)) {
            for (size_t k = 0; k < kl; k++)
                key[k] = (char)lower(T(i + k));
            if (mdt__lex_flags(s->lex, key, kl) & MDT_LEX_ALLOW)
                return false;
        }
    }
    return true;
}

/* http://..., https://..., www...., bare domains with a path
 * (gofundme.com/f/...) and bare domains of common top-level domains. */
static size_t match_url(struct scan *s, size_t i)
{
    const char *t = s->t;
    size_t len = s->len, p, e, dots = 0, tld = 0;

    if ((lower(T(i)) == 'h' && (prefix_ci(t, len, i, "http://") ||
                                prefix_ci(t, len, i, "https://"))) ||
        (lower(T(i)) == 'w' && prefix_ci(t, len, i, "www."))) {
        e = url_end(t, len, i);
        return e > i + 8 ? e : 0;
    }
    /* host.tld/path */
    p = i;
    while (p < len && p - i < 128 && (isaln(T(p)) || T(p) == '-' || T(p) == '.')) {
        if (T(p) == '.') {
            dots++;
            tld = 0;
        } else {
            tld = isalph(T(p)) ? tld + 1 : 100;
        }
        p++;
    }
    if (dots == 0)
        return 0;
    if (tld >= 2 && tld <= 12 && T(p - 1) != '.' && p + 1 < len && T(p) == '/' &&
        isaln(T(p + 1)))
        return url_end(t, len, p);
    /* a bare domain, less a full stop after it, and never the end of a
     * longer host ("org.uk" of "mind.org.uk") */
    if (i > 0 && (T(i - 1) == '.' || T(i - 1) == '-' || T(i - 1) == '@' || T(i - 1) == '/'))
        return 0;
    e = p;
    while (e > i && T(e - 1) == '.')
        e--;
    if (p < len && (T(p) == '@' || T(p) == '/'))
        return 0;
    return end_ok(t, len, p) && bare_domain(s, i, e) ? e : 0;
}

/* A token that reads as a user name: letters and digits with dots or
 * underscores, or letters mixed with digits (ghostrider_cv22, kai.h2k4). */
static size_t match_handle_token(struct scan *s, size_t i)
{
    const char *t = s->t;
    size_t len = s->len, e = i, letters = 0, digits = 0, marks = 0;

    while (e < len && e - i < 40 && handle_char(T(e))) {
        if (isalph(T(e)))
            letters++;
        else if (isdig(T(e)))
            digits++;
        else if (e + 1 < len && handle_char(T(e + 1)) && T(e + 1) != '.')
            marks++;
        e++;
    }
    while (e > i && T(e - 1) == '.')
        e--;
    if (!end_ok(t, len, e) || e - i < 4 || letters == 0)
        return 0;
    if ((marks > 0 && e - i >= 5) || (digits > 0 && letters > 0))
        return e;
    return 0;
}

/* A Discord tag: a user name, '#' and four digits (kaceyy#4471). */
static size_t match_discord(struct scan *s, size_t i)
{
    const char *t = s->t;
    size_t len = s->len, e = i;

    while (e < len && e - i < 32 && (isaln(T(e)) || T(e) == '_' || T(e) == '.'))
        e++;
    if (e - i < 2 || e >= len || T(e) != '#' || run_digits(t, len, e + 1, 5) != 4 ||
        !end_ok(t, len, e + 5))
        return 0;
    return e + 5;
}

/* "card ending 4417", "account ending in 0192", "Visa ends 7731": the
 * last digits of a card or an account. */
static size_t match_card_tail(struct scan *s, size_t i)
{
    static const char *const cards[] = {"card", "account", "acc", "acct", "debit", "credit",
                                        "visa", "mastercard", "amex", "bank", NULL};
    const char *t = s->t;
    size_t len = s->len, ws, wl;

    if (run_digits(t, len, i, 5) != 4 || !end_ok(t, len, i + 4))
        return 0;
    wl = word_before(t, i, " :", &ws);
    if (wl == 2 && prefix_ci(t, len, ws, "in"))
        wl = word_before(t, ws, " ", &ws);
    if (!((wl == 6 && prefix_ci(t, len, ws, "ending")) || (wl == 4 && prefix_ci(t, len, ws, "ends"))))
        return 0;
    for (int k = 0; k < 3 && ws > 0; k++) {
        wl = word_before(t, ws, " ,", &ws);
        if (wl == 0)
            break;
        for (const char *const *c = cards; *c; c++)
            if (strlen(*c) == wl && prefix_cin(t, len, ws, *c, wl))
                return i + 4;
    }
    return 0;
}

/* ---- dates ---- */

static bool valid_dm(unsigned d, unsigned m)
{
    static const unsigned mdays[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m >= 1 && m <= 12 && d >= 1 && d <= mdays[m];
}

/* The word before offset i says a day follows: "on", "since", "seen",
 * "DNA'd" ("DNA'd 3/10", "seen on 27.10"). */
static bool date_cue_before(const struct scan *s, size_t i)
{
    static const char *const cues[] = {"on",         "since",    "from",    "until",    "till",
                                       "seen",       "dnad",     "dna",     "attended", "admitted",
                                       "discharged", "reviewed", "visited", NULL};
    const char *t = s->t;
    size_t ws, wl = word_before(t, i, " ", &ws);
    if (wl == 1 && lower(T(ws)) == 'd' && ws >= 4 && T(ws - 1) == '\'' &&
        prefix_cin(t, s->len, ws - 4, "dna", 3))
        return true;
    for (const char *const *c = cues; wl && *c; c++)
        if (strlen(*c) == wl && prefix_cin(t, s->len, ws, *c, wl))
            return true;
    return false;
}

/* 14.03.87, 5/4/91, 17-03-89, 1977/06/19, 1977-06-19, 8/7, 19/05, and
 * "on 27.10". */
static size_t match_numeric_date(struct scan *s, size_t i)
{
    const char *t = s->t;
    size_t len = s->len, a = run_digits(t, len, i, 5), p, b, c;
    unsigned char sep;

    if (a == 4) {
        p = i + 4;
        if (p + 1 >= len || !in_set(T(p), "-/."))
            return 0;
        sep = T(p);
        b = run_digits(t, len, p + 1, 3);
        if (b < 1 || b > 2 || p + 1 + b >= len || T(p + 1 + b) != sep)
            return 0;
        c = run_digits(t, len, p + 2 + b, 3);
        if (c < 1 || c > 2 || !end_ok(t, len, p + 2 + b + c))
            return 0;
        if (!valid_dm(num(t, p + 2 + b, c), num(t, p + 1, b)))
            return 0;
        {
            unsigned y = num(t, i, 4);
            if (y < 1880 || y > 2099)
                return 0;
        }
        return p + 2 + b + c;
    }
    if (a < 1 || a > 2)
        return 0;
    p = i + a;
    if (p + 1 >= len || (T(p) != '/' && T(p) != '.' && T(p) != '-'))
        return 0;
    sep = T(p);
    b = run_digits(t, len, p + 1, 3);
    if (b < 1 || b > 2)
        return 0;
    if (!valid_dm(num(t, i, a), num(t, p + 1, b)))
        return 0;
    p += 1 + b;
    if (p + 1 < len && T(p) == sep && isdig(T(p + 1))) {
        c = run_digits(t, len, p + 1, 5);
        /* a date even when more numbers follow ("14.03.87.87"): over-
         * redacting a version number costs less than leaking a birth date */
        if ((c == 2 || c == 4) && end_ok(t, len, p + 1 + c))
            return p + 1 + c;
        return 0;
    }
    /* No year: only with a slash ("8/7", "19/05"), or with a full stop
     * after a word that says a day follows ("on 27.10"); not 24/7 or
     * "3/12 ago". */
    if (!end_ok(t, len, p) || (p < len && T(p) == '/'))
        return 0;
    if (sep == '.' && a == 2 && b == 2 && date_cue_before(s, i) &&
        !(p + 1 < len && T(p) == '.' && isdig(T(p + 1))))
        return p;
    if (sep != '/')
        return 0;
    if (num(t, i, a) == 24 && num(t, p - b, b) == 7)
        return 0;
    if (prefix_ci(t, len, p, " ago"))
        return 0;
    /* scores out of ten: "pain 7/10", "10/10" (a date would be "07/10"),
     * but "DNA'd 3/10" is a day */
    if (b == 2 && num(t, p - 2, 2) == 10 && (a == 1 || num(t, i, a) == 10) &&
        !date_cue_before(s, i))
        return 0;
    /* clinical durations: "for 5/7" (days), "over 3/12" (months) */
    if (b == 1 || (b == 2 && T(p - 2) == '1')) {
        unsigned m = num(t, p - b, b);
        size_t ws, wl = word_before(t, i, " ", &ws);
        if ((m == 7 || m == 12) && wl &&
            (kw_flags(s->p, t + ws, wl) & KW_DURATION))
            return 0;
    }
    return p;
}

static size_t skip_spaces(const char *t, size_t len, size_t p, size_t max)
{
    size_t n = 0;
    while (p < len && n < max && T(p) == ' ')
        p++, n++;
    return p;
}

/* A year after a written date: ", 1980", " 1980", "-1977", " 68". Returns
 * the end, or p when there is none. */
static size_t written_year(const char *t, size_t len, size_t p)
{
    size_t q = p, r;
    if (q < len && T(q) == ',')
        q++;
    if (q < len && (T(q) == ' ' || T(q) == '-'))
        q++;
    else if (q == p)
        return p;
    if (q < len && T(q) == '\'')
        q++;
    r = run_digits(t, len, q, 5);
    if (r == 4 && end_ok(t, len, q + r)) {
        unsigned y = num(t, q, 4);
        if (y >= 1880 && y <= 2099)
            return q + 4;
    }
    /* two-digit years, unless a time or a measurement follows ("May 5 10:30") */
    if (r == 2 && end_ok(t, len, q + r) && !(q + r < len && (T(q + r) == ':' || T(q + r) == '%')))
        return q + 2;
    return p;
}

/* Does a word follow e (after one space)? "the 3rd floor" vs "the 3rd." */
static bool word_follows(const char *t, size_t len, size_t e)
{
    return e + 1 < len && T(e) == ' ' && isalph(T(e + 1));
}

/* A day number with an optional ordinal: "3", "03", "3rd", "21st". */
static size_t day_number(const char *t, size_t len, size_t p, unsigned *day, bool *ord)
{
    size_t r = run_digits(t, len, p, 3);
    if (r < 1 || r > 2)
        return 0;
    *day = num(t, p, r);
    *ord = false;
    if (*day < 1 || *day > 31)
        return 0;
    p += r;
    if (p + 2 <= len && isalph(T(p)) && isalph(T(p + 1)) && end_ok(t, len, p + 2)) {
        unsigned char a = lower(T(p)), b = lower(T(p + 1));
        if ((a == 's' && b == 't') || (a == 'n' && b == 'd') || (a == 'r' && b == 'd') ||
            (a == 't' && b == 'h')) {
            *ord = true;
            return p + 2;
        }
        return 0;
    }
    return end_ok(t, len, p) ? p : 0;
}

static bool after_weekday(const struct scan *s, size_t p);

/* Day first: "2nd Feb 1931", "14th of May", "9 August 1980", "28-Jan-1977",
 * "12th june". p is at the day number. */
static size_t written_day_first(struct scan *s, size_t p)
{
    const char *t = s->t;
    size_t len = s->len, q, w;
    unsigned day;
    bool ord;
    const struct kw_slot *m;

    q = day_number(t, len, p, &day, &ord);
    if (q == 0)
        return 0;
    /* "Weds 14th", "Friday the 18th": an ordinal after a weekday is a day
     * of the month even without the month */
    if (ord && day >= 1 && day <= 31) {
        size_t ws, wl = word_before(t, p, " ", &ws);
        if (wl == 3 && prefix_ci(t, len, ws, "the") && ws > 0)
            wl = word_before(t, ws, " ", &ws);
        if (wl && (kw_flags(s->p, t + ws, wl) & KW_WEEKDAY)) {
            /* with a month after it, the written date below takes it all */
            size_t r = skip_spaces(t, len, q, 2);
            if (prefix_ci(t, len, r, "of "))
                r = skip_spaces(t, len, r + 3, 2);
            size_t mw = run_letters(t, len, r, 12);
            const struct kw_slot *mm = mw ? kw_find(s->p, t + r, mw) : NULL;
            if (!(mm && (mm->flags & KW_MONTH)))
                return q;
        }
        /* "your letter of the 3rd inst.", "by the 1st prox.": this
         * month's, next month's, last month's */
        size_t r = skip_spaces(t, len, q, 2), rl = run_letters(t, len, r, 5);
        if ((rl == 4 && (prefix_ci(t, len, r, "inst") || prefix_ci(t, len, r, "prox"))) ||
            (rl == 3 && prefix_ci(t, len, r, "ult")))
            return r + rl + (r + rl < len && T(r + rl) == '.');
        /* "on the 3rd.", "the 9th (Jan 2024)", "on the 24th and on Sat
         * 1/11": a day that closes a clause */
        wl = word_before(t, p, " ", &ws);
        if (wl == 3 && prefix_ci(t, len, ws, "the") &&
            !(q < len && (isaln(T(q)) || T(q) == '-' || T(q) == '/'))) {
            size_t ows, owl = ws > 0 ? word_before(t, ws, " ", &ows) : 0;
            /* a small word after it ends the date's clause ("on the 22nd so
             * the case is not closed"); a noun makes it a count ("on the
             * 3rd attempt") */
            static const char *const ends[] = {"and", "or", "so", "but", "at", "when", "if",
                                               "as", "because", "to", "for", "with", "then",
                                               "before", "after", "until", NULL};
            size_t n = skip_spaces(t, len, q, 1), nl = run_letters(t, len, n, 8);
            bool conj = false;
            for (const char *const *e = ends; *e && !conj; e++)
                conj = strlen(*e) == nl && prefix_cin(t, len, n, *e, nl);
            /* "on the 22nd so", "until the 31st to clear it" */
            static const char *const preps[] = {"on",   "until",  "till",  "since", "by",
                                                "from", "before", "after", NULL};
            bool prep = false;
            for (const char *const *e = preps; owl && *e && !prep; e++)
                prep = strlen(*e) == owl && prefix_cin(t, len, ows, *e, owl);
            if (!word_follows(t, len, q) || (conj && prep))
                return q;
        }
    }
    if (q < len && T(q) == '-')
        q++;
    else
        q = skip_spaces(t, len, q, 2);
    if (prefix_ci(t, len, q, "of ")) {
        q = skip_spaces(t, len, q + 3, 2);
    }
    w = run_letters(t, len, q, 12);
    if (w == 0 || !end_ok(t, len, q + w))
        return 0;
    m = kw_find(s->p, t + q, w);
    if (m && (m->flags & KW_LUNAR) && day >= 1 && day <= 30)
        return written_year(t, len, q + w);
    if (m == NULL || !(m->flags & KW_MONTH) || !valid_dm(day, m->month))
        return 0;
    {
        size_t e = q + w, y;
        if (e < len && T(e) == '.' && w == 3 && m->month != 5) /* "Feb." */
            e++;
        y = written_year(t, len, e);
        /* "2 may", "3 mar": ordinary words in lower case unless dated,
         * or after a weekday ("thurs 6 nov") */
        if ((m->flags & KW_AMBIG) && !isup(T(q)) && !ord && y == e && !after_weekday(s, p))
            return 0;
        return y;
    }
}

/* Month first: "June 12", "May 3rd, 2024". p is at the month word of w
 * letters. */
static size_t written_month_first(struct scan *s, size_t p, size_t w, const struct kw_slot *m)
{
    const char *t = s->t;
    size_t len = s->len, q = p + w, e, y;
    unsigned day;
    bool ord;

    if (q < len && T(q) == '.' && w == 3)
        q++;
    if (q >= len || T(q) != ' ')
        return 0;
    q++;
    /* "Feb '71", "March ’64": a month and a year so written is nearly
     * always a birth */
    {
        size_t a = q < len && T(q) == '\'' ? q + 1
                   : prefix_ci(t, len, q, "\xe2\x80\x99") ? q + 3 : 0;
        if (a && run_digits(t, len, a, 3) == 2 && end_ok(t, len, a + 2) &&
            (isup(T(p)) || !(m->flags & KW_AMBIG)))
            return a + 2;
    }
    if (prefix_ci(t, len, q, "the "))
        q += 4;
    e = day_number(t, len, q, &day, &ord);
    if (e == 0 || !valid_dm(day, m->month))
        return 0;
    /* "March 2025" is caught by day_number failing (4 digits); "May 5"
     * needs a capital or an ordinal; "in May 12 people" remains a risk we
     * take when no unit follows. */
    y = written_year(t, len, e);
    if (!ord && y == e) {
        size_t u = skip_spaces(t, len, e, 1), r = run_letters(t, len, u, 16);
        /* a short month that is no word and no given name is a date with
         * a capital ("on Oct 3 who"); Jan, Jun and Dec are names, March
         * and May words */
        bool name_or_word =
            m->month == 1 || m->month == 3 || m->month == 5 || m->month == 6 || m->month == 12;
        if (!isup(T(p)) || ((m->flags & KW_AMBIG) && name_or_word))
            return 0;
        if (r && (kw_flags(s->p, t + u, r) & (KW_UNIT | KW_AGE_POST)))
            return 0;
    }
    if (!isup(T(p)) && !ord && y == e)
        return 0;
    return y;
}

/* ---- ages over 89 ---- */

/* At a number: 90 to 125 as an age ("aged 93", "93yo", "93-year-old",
 * "Ivy is 94", "(Mrs Bibi, 93)"). The span is the number (and a '+'). */
static size_t match_age(struct scan *s, size_t i)
{
    const char *t = s->t;
    size_t len = s->len, r = run_digits(t, len, i, 4), e = i + r, ws, wl, q;
    unsigned v;

    if (r < 2 || r > 3)
        return 0;
    v = num(t, i, r);
    if (v < 90 || v > 125)
        return 0;
    if (i > 0 && in_set(T(i - 1), "£$€/.:#-+=<>~"))
        return 0;
    if (e < len && (T(e) == '%' || T(e) == '/' || T(e) == ':' ||
                    (T(e) == '.' && e + 1 < len && isdig(T(e + 1))) ||
                    (T(e) == ',' && e + 1 < len && isdig(T(e + 1)))))
        return 0;
    if (e < len && T(e) == '+')
        e++;
    /* after: yo, y/o, y.o., yrs, years, -year-old, F/M */
    q = i + r;
    if (q < len && (T(q) == ' ' || T(q) == '-'))
        q++;
    {
        size_t n = run_letters(t, len, q, 16);
        if (n && (kw_flags(s->p, t + q, n) & KW_AGE_POST))
            return e;
        if (n == 1 && (T(q) == 'y' || T(q) == 'Y') && q + 1 < len &&
            (T(q + 1) == '/' || T(q + 1) == '.') && q + 2 < len && lower(T(q + 2)) == 'o')
            return e;
        if (n == 1 && q == i + r && (T(q) == 'F' || T(q) == 'M') && end_ok(t, len, q + 1))
            return e;
        if (n && (kw_flags(s->p, t + q, n) & KW_UNIT))
            return 0;
    }
    if (!end_ok(t, len, i + r))
        return 0;
    /* before: aged 93, age: 93, is 93 */
    wl = word_before(t, i, " :", &ws);
    if (wl) {
        uint32_t f = kw_flags(s->p, t + ws, wl);
        if (f & KW_AGE_PRE)
            return e;
        if ((f & KW_AGE_VERB) && i > 0 && T(i - 1) == ' ')
            return e;
        /* "Mother 95, high dependency": a relative and a number alone */
        if ((f & KW_AGE_REL) && i > 0 && T(i - 1) == ' ' && i + r < len &&
            in_set(T(i + r), ",;)"))
            return e;
    }
    /* "(Mrs Jahanara Bibi, 93)", "her mother, 93, lives", "Mrs van der
     * Meulen ("Corrie"), 92," and "(93)": after a word, or a word closed
     * by quotes and brackets, not in a list of numbers ("91, 93, 95") */
    if (i + r < len && (T(i + r) == ')' || T(i + r) == ',')) {
        if (i >= 3 && T(i - 2) == ',' && T(i - 1) == ' ') {
            size_t k = i - 2;
            for (;;) {
                if (k > 0 && in_set(T(k - 1), ")\"'"))
                    k--;
                else if (k >= 3 && T(k - 3) == 0xE2 && T(k - 2) == 0x80 &&
                         (T(k - 1) == 0x99 || T(k - 1) == 0x9D))
                    k -= 3; /* closing quotes */
                else
                    break;
            }
            if (k > 0 && isalph(T(k - 1)))
                return e;
        }
        if (i >= 1 && T(i - 1) == '(' && T(i + r) == ')')
            return e;
    }
    return 0;
}

/* A holiday with its year is a date: "Boxing Day 2023", "christmas day
 * 2002", "New Year's Eve, 1999". Alone ("over Christmas") it stays. p is
 * at a word of w letters. */
static size_t match_holiday(struct scan *s, size_t p, size_t w)
{
    static const char *const days[] = {
        "christmas day", "christmas eve", "boxing day", "new year's day", "new year's eve",
        "new years day", "new years eve", "new year\xe2\x80\x99s day", "new year\xe2\x80\x99s eve",
        "easter sunday", "easter monday", "good friday",
        /* festivals of the faiths of England and other fixed days */
        "eid al-fitr", "eid al-adha", "eid ul-fitr", "eid ul-adha", "eid", "diwali",
        "deepavali", "vaisakhi", "baisakhi", "holi", "navratri", "ramadan", "passover",
        "hanukkah", "yom kippur", "rosh hashanah", "chinese new year", "lunar new year",
        "orthodox christmas", "orthodox easter", "bonfire night", "guy fawkes night",
        "valentine's day", "valentines day", "halloween", "hogmanay", "remembrance sunday",
        "armistice day", "mother's day", "mothers day", "father's day", "fathers day",
    };
    const char *t = s->t;
    size_t len = s->len;
    (void)w;
    for (size_t k = 0; k < sizeof(days) / sizeof(days[0]); k++) {
        /* the first letter first: the length is needed for a few only */
        if (lower(T(p)) != (unsigned char)days[k][0])
            continue;
        size_t l = strlen(days[k]);
        if (!prefix_cin(t, len, p, days[k], l) || !end_ok(t, len, p + l))
            continue;
        size_t y = written_year(t, len, p + l);
        if (y >= p + l + 5) /* four digits and a separator: not "Boxing Day 26" */
            return y;
    }
    return 0;
}

/* An age over 89 in words: "ninety", "ninety-one", "ninety four", in the
 * contexts of match_age ("aged ninety-one", "Albert King, ninety-four,",
 * "ninety-three years old"). p is at the word "ninety" (w letters). */
static size_t match_age_words(struct scan *s, size_t p, size_t w)
{
    static const char *const units[] = {"one", "two", "three", "four", "five",
                                        "six", "seven", "eight", "nine"};
    const char *t = s->t;
    size_t len = s->len, e = p + w, ws, wl;

    if (w != 6 || !prefix_ci(t, len, p, "ninety"))
        return 0;
    if (e + 1 < len && (T(e) == '-' || T(e) == ' ')) {
        size_t n = run_letters(t, len, e + 1, 6);
        for (size_t k = 0; k < 9 && n; k++)
            if (n == strlen(units[k]) && prefix_cin(t, len, e + 1, units[k], n) &&
                end_ok(t, len, e + 1 + n)) {
                e = e + 1 + n;
                break;
            }
    }
    if (!end_ok(t, len, e))
        return 0;
    {
        size_t q = e;
        if (q < len && (T(q) == ' ' || T(q) == '-'))
            q++;
        size_t n = run_letters(t, len, q, 16);
        if (n && (kw_flags(s->p, t + q, n) & KW_AGE_POST))
            return e;
    }
    wl = word_before(t, p, " :", &ws);
    if (wl && (kw_flags(s->p, t + ws, wl) & (KW_AGE_PRE | KW_AGE_VERB | KW_AGE_REL)))
        return e;
    if (e < len && (T(e) == ')' || T(e) == ',') && p >= 3 && T(p - 2) == ',' && T(p - 1) == ' ' &&
        isalph(T(p - 3)))
        return e;
    /* "(ninety-two)", "family say ninety-one;" */
    if (e < len && p > 0 && T(p - 1) == '(' && T(e) == ')')
        return e;
    if (e < len && (T(e) == ';' || T(e) == ')') && p > 0 && T(p - 1) == ' ')
        return e;
    return 0;
}

/* ---- numbers and dates dictated in words ---- */

/* The keyword of the whole word at p, or NULL; *n gets the word's length. */
static const struct kw_slot *word_kw(const struct scan *s, size_t p, size_t *n)
{
    const char *t = s->t;
    size_t w = run_letters(t, s->len, p, 16);

    *n = w;
    if (w == 0 || !end_ok(t, s->len, p + w))
        return NULL;
    return kw_find(s->p, t + p, w);
}

/* Digits said one by one, alone or mixed with digit groups: "oh seven
 * seven double oh nine ...", "07700 900 three one nine", "three two nine,
 * one four nine, six eight six eight". Tokens are split by a space, a comma
 * and a space, or a hyphen. At least one token must be a word. Returns the
 * end of the last digit (p when none) and the digits in d (at most max),
 * their count in *nd. */
static size_t spoken_digits(const struct scan *s, size_t p, char *d, size_t *nd, size_t max)
{
    const char *t = s->t;
    size_t len = s->len, q = p, end = p, n = 0, words = 0;
    unsigned rep = 0;

    *nd = 0;
    while (q < len) {
        size_t w;
        const struct kw_slot *k;
        if (isdig(T(q))) {
            size_t r = run_digits(t, len, q, 16);
            if (rep || n + r > max || !end_ok(t, len, q + r))
                break;
            memcpy(d + n, t + q, r);
            n += r;
            q += r;
            end = q;
        } else if ((k = word_kw(s, q, &w)) != NULL && (k->flags & (KW_DIGIT | KW_REPEAT))) {
            if (k->flags & KW_REPEAT) {
                if (rep)
                    break;
                rep = k->month;
                q += w;
            } else {
                unsigned times = rep ? rep : 1;
                /* a lone "o" only inside a number ("two o five") */
                if ((w == 1 && n == 0) || n + times > max)
                    break;
                for (unsigned r = 0; r < times; r++)
                    d[n++] = (char)('0' + k->month);
                rep = 0;
                q += w;
                end = q;
                words++;
            }
        } else {
            break;
        }
        if (q + 1 < len && T(q) == ',' && T(q + 1) == ' ')
            q += 2;
        else if (q < len && (T(q) == ' ' || T(q) == '-'))
            q++;
        else
            break;
    }
    if (words == 0)
        return p;
    *nd = n;
    return end;
}

/* A number dictated in words at p (a digit word or digits): seven digits
 * or more. Its kind: a valid NHS number, a UK phone, or a reference. */
static size_t match_spoken_number(struct scan *s, size_t p, enum mdt_kind *kind)
{
    char d[24];
    size_t n, e = spoken_digits(s, p, d, &n, sizeof(d));

    if (e == p || n < 7)
        return 0;
    *kind = MDT_KIND_ID;
    if (n == 10 && nhs_valid((const unsigned char *)d))
        *kind = MDT_KIND_NHS_NUMBER;
    else if ((n == 10 || n == 11) && d[0] == '0' && national_lead_ok((unsigned char)d[1]))
        *kind = MDT_KIND_PHONE;
    return e;
}

/* An ordinal day in words at p: "fourth", "twenty-second", "thirty
 * first". Returns its end and the day in *day, or 0. */
static size_t ord_day_words(const struct scan *s, size_t p, unsigned *day)
{
    const char *t = s->t;
    size_t w, w2;
    const struct kw_slot *k = word_kw(s, p, &w), *k2;

    if (k == NULL)
        return 0;
    if (k->flags & KW_ORD) {
        *day = k->month;
        return p + w;
    }
    if ((k->flags & KW_TENS) && (k->month == 20 || k->month == 30) && p + w + 1 < s->len &&
        (T(p + w) == ' ' || T(p + w) == '-') && (k2 = word_kw(s, p + w + 1, &w2)) != NULL &&
        (k2->flags & KW_ORD) && k2->month <= 9 && k->month + k2->month <= 31) {
        *day = k->month + k2->month;
        return p + w + 1 + w2;
    }
    return 0;
}

/* Two digits of a year in words at p: "eighty-two", "fifty nine",
 * "seventy", "nineteen", "oh five". Returns the end or 0. */
static size_t year_pair_words(const struct scan *s, size_t p)
{
    const char *t = s->t;
    size_t w, w2;
    const struct kw_slot *k = word_kw(s, p, &w), *k2;

    if (k == NULL)
        return 0;
    if (k->flags & KW_TEEN)
        return p + w;
    if (k->flags & KW_TENS) {
        if (p + w + 1 < s->len && (T(p + w) == ' ' || T(p + w) == '-') &&
            (k2 = word_kw(s, p + w + 1, &w2)) != NULL && (k2->flags & KW_DIGIT) && k2->month)
            return p + w + 1 + w2;
        return p + w;
    }
    if ((k->flags & KW_DIGIT) && k->month == 0 && p + w + 1 < s->len && T(p + w) == ' ' &&
        (k2 = word_kw(s, p + w + 1, &w2)) != NULL && (k2->flags & KW_DIGIT) && k2->month)
        return p + w + 1 + w2;
    return 0;
}

/* A year after a date, in digits (written_year) or in words: "nineteen
 * eighty-two", "two thousand and four", "twenty ten", ", seventy-one".
 * Returns the end, or p when there is none. */
static size_t spoken_year(const struct scan *s, size_t p)
{
    const char *t = s->t;
    size_t len = s->len, q = p, w, e;
    const struct kw_slot *k;

    e = written_year(t, len, p);
    if (e > p)
        return e;
    if (q < len && T(q) == ',')
        q++;
    if (q >= len || T(q) != ' ')
        return p;
    q++;
    k = word_kw(s, q, &w);
    if (k == NULL)
        return p;
    /* "nineteen eighty-two", "twenty ten": a century and two digits */
    if (((k->flags & KW_TEEN) && k->month >= 18) || ((k->flags & KW_TENS) && k->month == 20)) {
        if (q + w + 1 < len && T(q + w) == ' ' && (e = year_pair_words(s, q + w + 1)) != 0)
            return e;
    }
    /* "two thousand", "two thousand and four" */
    if ((k->flags & KW_DIGIT) && k->month == 2 && prefix_ci(t, len, q + w, " thousand") &&
        end_ok(t, len, q + w + 9)) {
        e = q + w + 9;
        if (prefix_ci(t, len, e, " and "))
            w = 5;
        else if (e < len && T(e) == ' ')
            w = 1;
        else
            return e;
        {
            size_t f = year_pair_words(s, e + w);
            const struct kw_slot *u;
            size_t uw;
            if (f)
                return f;
            u = word_kw(s, e + w, &uw);
            if (u && (u->flags & KW_DIGIT) && u->month)
                return e + w + uw;
        }
        return e;
    }
    /* two digits alone: "eighty nine", "seventy-one" */
    if ((k->flags & KW_TENS) || ((k->flags & KW_DIGIT) && k->month == 0)) {
        e = year_pair_words(s, q);
        if (e)
            return e;
    }
    return p;
}

/* Is the word before p a weekday, perhaps with "the" between ("weds the
 * twenty second")? Or "on the"? */
static bool after_weekday(const struct scan *s, size_t p)
{
    const char *t = s->t;
    size_t ws, wl = word_before(t, p, " ", &ws);
    if (wl == 3 && prefix_ci(t, s->len, ws, "the") && ws > 0)
        wl = word_before(t, ws, " ", &ws);
    return wl && (kw_flags(s->p, t + ws, wl) & KW_WEEKDAY);
}

static bool after_on_the(const struct scan *s, size_t p)
{
    const char *t = s->t;
    size_t ws, wl = word_before(t, p, " ", &ws);
    if (wl != 3 || !prefix_ci(t, s->len, ws, "the") || ws == 0)
        return false;
    wl = word_before(t, ws, " ", &ws);
    return wl == 2 && prefix_ci(t, s->len, ws, "on");
}

/* A date in words at an ordinal: "fourth of March nineteen eighty-two",
 * "third of the ninth eighty nine", "fifteenth september", "twenty fourth
 * of november"; without a month after a weekday ("weds the twenty
 * second") or after "on the" closing a clause ("on the twenty-first -"). */
static size_t date_words(struct scan *s, size_t p)
{
    const char *t = s->t;
    size_t len = s->len, e, q, w;
    unsigned day, mon;
    bool of = false;
    const struct kw_slot *m;

    e = ord_day_words(s, p, &day);
    if (e == 0 || day < 1 || day > 31)
        return 0;
    q = e;
    if (prefix_ci(t, len, q, " of ")) {
        q += 4;
        of = true;
    } else if (q < len && T(q) == ' ') {
        q++;
    }
    if (q > e) {
        size_t me;
        /* the month as an ordinal: "of the ninth" */
        if (of && prefix_ci(t, len, q, "the ") && (me = ord_day_words(s, q + 4, &mon)) != 0 &&
            mon >= 1 && mon <= 12 && valid_dm(day, mon))
            return spoken_year(s, me);
        w = run_letters(t, len, q, 12);
        m = w && end_ok(t, len, q + w) ? kw_find(s->p, t + q, w) : NULL;
        if (m && (m->flags & KW_MONTH) && valid_dm(day, m->month) &&
            (of || !(m->flags & KW_AMBIG) || isup(T(q))))
            return spoken_year(s, q + w);
    }
    if (after_weekday(s, p))
        return e;
    if (after_on_the(s, p) && !word_follows(t, len, e))
        return e;
    return 0;
}

/* Month first with the day in words: "March the fourth, two thousand and
 * four", "June twelfth". p is at the month word of w letters. */
static size_t month_first_words(struct scan *s, size_t p, size_t w, const struct kw_slot *m)
{
    const char *t = s->t;
    size_t len = s->len, q = p + w, e;
    unsigned day;

    if ((m->flags & KW_AMBIG) && !isup(T(p)))
        return 0;
    if (q >= len || T(q) != ' ')
        return 0;
    q++;
    if (prefix_ci(t, len, q, "the "))
        q += 4;
    e = ord_day_words(s, q, &day);
    if (e == 0 || !valid_dm(day, m->month))
        return 0;
    return spoken_year(s, e);
}

/* A registration spelt out after a vehicle word: "reg m u one nine k x z".
 * Single letters, digit words and digits, one space apart, that make a
 * plate: AB12CDE, A123BCD or ABC123D. */
static size_t spelt_plate(struct scan *s, size_t p)
{
    const char *t = s->t;
    size_t len = s->len, q = p, end = p, n = 0, w;
    char c[8];

    while (q < len && n < 7) {
        const struct kw_slot *k;
        if (isalph(T(q)) && end_ok(t, len, q + 1)) {
            c[n++] = 'A';
            q++;
        } else if (isdig(T(q)) && end_ok(t, len, q + 1)) {
            c[n++] = '9';
            q++;
        } else if ((k = word_kw(s, q, &w)) != NULL && (k->flags & KW_DIGIT) && w > 1) {
            c[n++] = '9';
            q += w;
        } else {
            break;
        }
        end = q;
        if (q + 1 < len && T(q) == ' ')
            q++;
        else
            break;
    }
    if (n == 7 && (!memcmp(c, "AA99AAA", 7) || !memcmp(c, "A999AAA", 7) ||
                   !memcmp(c, "AAA999A", 7)))
        return end;
    return 0;
}

/* ---- codes and references ---- */

struct code {
    size_t end, digits, letters, maxgroup, seps;
    bool unit_tail; /* digits then a unit: 100mg, 12hrs */
};

/* A code token from i: letters and digits with single '-' or '/' inside. */
static bool code_token(struct scan *s, size_t i, struct code *c)
{
    const char *t = s->t;
    size_t len = s->len, p = i, group = 0, first_letter = SIZE_MAX;

    memset(c, 0, sizeof(*c));
    while (p < len && p - i < 48) {
        unsigned char ch = T(p);
        if (isdig(ch)) {
            c->digits++;
            group++;
            if (group > c->maxgroup)
                c->maxgroup = group;
        } else if (isalph(ch)) {
            c->letters++;
            group = 0;
            if (first_letter == SIZE_MAX)
                first_letter = p;
        } else if ((ch == '-' || ch == '/') && p > i && p + 1 < len && isaln(T(p + 1)) &&
                   isaln(T(p - 1))) {
            c->seps++;
            group = 0;
        } else {
            break;
        }
        p++;
    }
    c->end = p;
    if (p == i || !end_ok(t, len, p))
        return false;
    if (c->letters && c->seps == 0 && first_letter > i && isdig(T(i))) {
        bool tail = true;
        for (size_t k = first_letter; k < p; k++)
            if (!isalph(T(k)))
                tail = false;
        /* 100mg, 12hrs, 2x, 5k: a measure. 1438826X is no measure. */
        if (tail && c->digits <= 5 &&
            (p - first_letter <= 2 ? c->digits <= 4
                                   : (kw_flags(s->p, t + first_letter, p - first_letter) &
                                      (KW_UNIT | KW_AGE_POST)) != 0))
            c->unit_tail = true;
    }
    return true;
}

/* A code standing alone that can only be a reference: 5+ digits mixed with
 * letters (G0719352, ZU7204381, 1438826X), or a run of 7+ digits
 * (25031746), or a structured reference (DHM-2504-22871). */
static size_t match_code(struct scan *s, size_t i)
{
    struct code c;

    if (!code_token(s, i, &c) || c.unit_tail)
        return 0;
    if (i > 0 && in_set((unsigned char)s->t[i - 1], "£$€"))
        return 0;
    if (c.letters && c.digits >= 5)
        return c.end;
    if (c.maxgroup >= 7)
        return c.end;
    if (c.seps && c.digits >= 6 && (c.letters || c.maxgroup >= 5))
        return c.end;
    /* a card or account number in hyphenated groups: 4929-1055-6671-0843
     * (a numeric date has at most eight digits) */
    if (c.seps >= 2 && c.digits >= 9)
        return c.end;
    return 0;
}

/* Digit groups split by single spaces or hyphens that make one long
 * reference: "8801 2277 3311 0045", "GWF 071 882 419", "UC 55 871 902 D",
 * "DLA 7 55 41 902 A", "UK 362041". After a capital prefix of one to four
 * letters and digits six digits are enough; without one it takes three
 * groups and nine digits (a phone or an NHS number is found first). A
 * closing capital letter goes with it. */
static size_t match_grouped(struct scan *s, size_t i)
{
    const char *t = s->t;
    size_t len = s->len, p = i, digits = 0, groups = 0, end;
    bool prefix = false, years = true;

    {
        size_t w = 0;
        bool cap = false, low = false;
        while (i + w < len && w < 5 && isaln(T(i + w))) {
            cap = cap || isup(T(i + w));
            low = low || islow(T(i + w));
            w++;
        }
        if (w >= 1 && w <= 4 && cap && !low && i + w + 1 < len && T(i + w) == ' ' &&
            isdig(T(i + w + 1)) && !kw_find(s->p, t + i, w)) {
            prefix = true;
            p = i + w + 1;
            /* "MOB 07700 900123" is a phone with a label */
            if (match_nhs(s, p) || match_phone(s, p))
                return 0;
        }
    }
    if (p >= len || !isdig(T(p)))
        return 0;
    end = p;
    for (;;) {
        size_t r = run_digits(t, len, p, 9);
        /* without a prefix, groups of three or more: not "flat 31 2 07841" */
        if (r == 0 || !end_ok(t, len, p + r) || (!prefix && r < 3))
            break;
        digits += r;
        groups++;
        end = p + r;
        /* "DWP 2023 2024", "1998 2001 2004": years, not a reference */
        years = years && r == 4 && num(t, p, 4) >= 1900 && num(t, p, 4) <= 2099;
        if (end + 1 < len && (T(end) == ' ' || T(end) == '-') && isdig(T(end + 1)))
            p = end + 1;
        else
            break;
    }
    if (!(prefix ? digits >= 6 : (groups >= 3 && digits >= 9)) || years)
        return 0;
    /* "... 902 D", but not the article of "902 A man" */
    if (end + 1 < len && T(end) == ' ' && isup(T(end + 1)) && end_ok(t, len, end + 2) &&
        !((T(end + 1) == 'A' || T(end + 1) == 'I') && word_follows(t, len, end + 2)))
        end += 2;
    return end;
}

/* After a context word ("hosp no.", "crime ref", "BRP", "licence no."):
 * the code that follows, with a short letter prefix ("PCH 7702186") or
 * suffix ("CHB02946318 ZN"). p is just past the context word. */
static void ctx_code(struct scan *s, size_t p)
{
    const char *t = s->t;
    size_t len = s->len, q = p, start, end;
    struct code c;

    /* fillers: punctuation and a few words */
    for (int k = 0; k < 6 && q < len; k++) {
        size_t w;
        if (T(q) == ' ' || T(q) == ':' || T(q) == '.' || T(q) == '#' || T(q) == '(' ||
            T(q) == '-' || T(q) == '=') {
            q++;
            continue;
        }
        w = run_letters(t, len, q, 16);
        if (w && end_ok(t, len, q + w) && (kw_flags(s->p, t + q, w) & (KW_FILLER | KW_CTX))) {
            q += w;
            continue;
        }
        break;
    }
    if (q >= len || !isaln(T(q)) || !num_start_ok(t, q))
        return;
    /* a number said in words: "badge number one four seven seven" */
    {
        char d[24];
        size_t nd, e = spoken_digits(s, q, d, &nd, sizeof(d));
        if (e > q && nd >= 3) {
            add(s, q, e, MDT_KIND_ID);
            return;
        }
    }
    start = q;
    /* a trust or office prefix: 2-4 capitals then a space: PCH 7702186 */
    {
        size_t w = 0;
        while (q + w < len && w < 5 && isup(T(q + w)))
            w++;
        if (w >= 1 && w <= 4 && q + w + 1 < len && T(q + w) == ' ' && isdig(T(q + w + 1)))
            q += w + 1;
    }
    if (!code_token(s, q, &c) || c.unit_tail)
        return;
    if (!(c.digits >= 3 || (c.digits >= 2 && c.letters >= 1 && c.end - q >= 4)))
        return;
    end = c.end;
    /* a short capital suffix closing the reference: "CHB02946318 ZN)" */
    if (end + 3 < len && T(end) == ' ' && isup(T(end + 1)) && isup(T(end + 2))) {
        size_t w = run_letters(t, len, end + 1, 5);
        size_t a = end + 1 + w;
        bool caps = true;
        for (size_t k = end + 1; k < a; k++)
            caps = caps && isup(T(k));
        if (caps && w <= 3 && (a >= len || T(a) == ')' || T(a) == ',' || T(a) == ';'))
            end = a;
    }
    add(s, start, end, MDT_KIND_ID);
}

/* ---- street names ---- */

static bool cap_word(const char *t, size_t a, size_t b)
{
    if (b <= a || !isup(T(a)))
        return false;
    for (size_t k = a + 1; k < b; k++)
        if (!isalph(T(k)) && T(k) != '\'' && T(k) != '-')
            return false;
    return true;
}

/* At a capitalised street word w at [p, p+n): up to three capitalised
 * words before it and an optional house number ("22 Ladywell Grove",
 * "Cartergate Ct", "Avon Mill Close"). */
/* The word after offset q (past one blank) ends an institution's name:
 * the name before it ("Cross Lane Hospital", "Cannon Hill School") is the
 * institution's, which the names detector weighs whole. */
static bool institution_follows(const struct scan *s, size_t q)
{
    static const char *const heads[] = {"hospital", "infirmary", "hospice", "clinic",  "surgery",
                                        "practice", "college",   "school",  "academy", "centre",
                                        "center",   "prison",    NULL};
    const char *t = s->t;
    size_t hw;
    if (q + 1 >= s->len || T(q) != ' ' || (hw = run_letters(t, s->len, q + 1, 12)) == 0)
        return false;
    for (const char *const *h = heads; *h; h++)
        if (strlen(*h) == hw && prefix_cin(t, s->len, q + 1, *h, hw))
            return true;
    return false;
}

static bool all_caps(const char *t, size_t b, size_t e)
{
    for (size_t k = b; k < e; k++)
        if (islow(T(k)))
            return false;
    return true;
}

/* A street word written in capitals with no house number, the words from
 * *start to p before it: in a note written in capitals every word is
 * capitalised, so ordinary words ("DO NOT LET HIM DRIVE", "SEEN ON
 * HYLTON WALK") are no street name. Moves *start past them to the first
 * word that is no ordinary word; false when there is none. */
static bool street_name_in_caps(const struct scan *s, size_t *start, size_t p)
{
    const char *t = s->t;
    size_t b = *start;
    if (!s->lex)
        return true;
    /* "MOVED TO QUEENS ROAD", "LIVES ON PARK LANE": a street all the same */
    {
        size_t ws, wl = word_before(t, b, " ", &ws);
        static const char *const loc[] = {"at", "on", "to", "in", "off", "near", "from", NULL};
        for (const char *const *l = loc; wl && *l; l++)
            if (strlen(*l) == wl && prefix_cin(t, s->len, ws, *l, wl))
                return true;
    }
    while (b < p) {
        size_t e = b;
        char key[64];
        while (e < p && T(e) != ' ')
            e++;
        if (e - b >= sizeof(key))
            break;
        size_t kl = mdt__fold(t + b, e - b, key);
        if (!(mdt__lex_flags(s->lex, key, kl) & MDT_LEX_DICT))
            break;
        b = e + 1;
    }
    if (b >= p)
        return false;
    *start = b;
    return true;
}

static void match_street(struct scan *s, size_t p, size_t n)
{
    const char *t = s->t;
    size_t start = p, words = 0;

    if (!isup(T(p)))
        return;
    for (int k = 0; k < 3; k++) {
        size_t e, b;
        if (start < 2 || T(start - 1) != ' ')
            break;
        e = start - 1;
        b = e;
        while (b > 0 && e - b < 24 && (isalph(T(b - 1)) || T(b - 1) == '\'' || T(b - 1) == '-'))
            b--;
        if (b > 0 && isword(T(b - 1)))
            break;
        if (b == e)
            break;
        {
            /* "Coroner's Court", "Magistrates' Court": the word without
             * its possessive */
            size_t kl = e - b;
            if (kl > 2 && T(e - 2) == '\'' && lower(T(e - 1)) == 's')
                kl -= 2;
            else if (T(e - 1) == '\'')
                kl--;
            if (!cap_word(t, b, e) || (kw_flags(s->p, t + b, kl) & (KW_STOP | KW_STREET)))
                break;
        }
        /* a sentence start ("Lives on ... Close to") still counts: rare */
        start = b;
        words++;
    }
    if (words == 0)
        return;
    /* the house number: "41 ", "12a " */
    bool number = false;
    if (start >= 2 && T(start - 1) == ' ') {
        size_t b = start - 1;
        while (b > 0 && start - 1 - b < 4 && (isdig(T(b - 1)) || islow(T(b - 1))))
            b--;
        if (b < start - 1 && isdig(T(b)) && (b == 0 || !isword(T(b - 1)))) {
            start = b;
            number = true;
        }
    }
    if (!number && all_caps(t, p, p + n) && !street_name_in_caps(s, &start, p))
        return;
    if (!number && institution_follows(s, p + n))
        return;
    /* a hospital or service named like a street: "Sandalwood Court",
     * "Wonford House" */
    if (s->lex && !number && p + n - start < 160) {
        char key[160];
        size_t kl = mdt__fold(t + start, p + n - start, key);
        if (mdt__lex_flags(s->lex, key, kl) & MDT_LEX_ALLOW)
            return;
    }
    add(s, start, p + n, MDT_KIND_ADDRESS);
}

/* ---- small places without a cue word ---- */

/* At a capitalised place word (Hill, Park, Wharf) at [p, p+n): one or two
 * capitalised words before it name a suburb, a park or a landmark ("Bury
 * Park", "Canary Wharf", "Ashford Designer Outlet"). Not after a title or
 * a given name ("Mr Hill", "Gemma Hill" are people), and not when the
 * whole name is known geography or a service (Notting Hill, Hyde Park). */
static void match_topo(struct scan *s, size_t p, size_t n)
{
    const char *t = s->t;
    size_t start = p, words = 0, first_b = p, first_e = p;

    if (!isup(T(p)))
        return;
    for (int k = 0; k < 2; k++) {
        size_t e, b;
        uint32_t f;
        if (start < 2 || T(start - 1) != ' ')
            break;
        e = start - 1;
        b = e;
        while (b > 0 && e - b < 24 && (isalph(T(b - 1)) || T(b - 1) == '\''))
            b--;
        if (b == e || (b > 0 && isword(T(b - 1))) || !cap_word(t, b, e))
            break;
        f = kw_flags(s->p, t + b, e - b);
        if (f & KW_TITLE)
            return;
        if (f & (KW_STOP | KW_STREET | KW_MONTH | KW_WEEKDAY | KW_CTX))
            break;
        start = b;
        first_b = b;
        first_e = e;
        words++;
    }
    if (words == 0)
        return;
    /* "Wexham Park Hospital", "Cannon Hill School": an institution's
     * name, which the names detector weighs whole */
    if (institution_follows(s, p + n))
        return;
    if (s->lex) {
        char key[160];
        size_t kl;
        uint32_t f;
        /* the word before the name: a title makes it a person */
        size_t ws, wl = word_before(t, start, " .", &ws);
        if (wl && (kw_flags(s->p, t + ws, wl) & KW_TITLE))
            return;
        if (first_e - first_b < sizeof(key)) {
            kl = mdt__fold(t + first_b, first_e - first_b, key);
            f = mdt__lex_flags(s->lex, key, kl);
            if ((f & (MDT_LEX_FIRST | MDT_LEX_NICK)) && !(f & MDT_LEX_GEO))
                return;
            if (f & (MDT_LEX_TITLE | MDT_LEX_RELATION))
                return;
        }
        if (p + n - start < sizeof(key)) {
            kl = mdt__fold(t + start, p + n - start, key);
            if (mdt__lex_flags(s->lex, key, kl) & (MDT_LEX_GEO | MDT_LEX_ALLOW))
                return;
        }
    }
    add(s, start, p + n, MDT_KIND_PLACE);
}

/* ---- the scan ---- */

static inline void take(size_t *best, enum mdt_kind *bk, size_t e, enum mdt_kind k)
{
    if (e > *best) {
        *best = e;
        *bk = k;
    }
}

void mdt__detect_patterns(const struct mdt_scrub_ctx *ctx, const char *t, size_t len,
                          struct mdt_spans *out)
{
    struct scan s = {ctx->pat, ctx->lex, t, len, out, 0, 0, 0};
    size_t i = 0;

    while (i < len) {
        unsigned char c = T(i);
        size_t best = 0, e;
        enum mdt_kind bk = MDT_KIND_ID;

        /* Blanks and punctuation that start no pattern: skipped at once
         * (what the tests below would do with them). */
        if (c < 0x80 && !isaln(c) && c != '[' && c != '@' && c != '+' && c != '(') {
            if (c == '\n')
                s.platform_until = 0;
            i++;
            continue;
        }
        if (c == '[') {
            e = mdt__placeholder_end(t, len, i);
            i = e ? e : i + 1;
            continue;
        }
        if (c == '\n')
            s.platform_until = 0;
        if (c == '@') {
            size_t start = i;
            enum mdt_kind k;
            e = match_at(&s, i, &start, &k);
            if (e) {
                add(&s, start, e, k);
                i = e;
            } else {
                i++;
            }
            continue;
        }
        if (i > 0 && word_before_at(t, i)) {
            i++;
            continue;
        }
        if (c == '+' || c == '(') {
            e = match_phone(&s, i);
            if (e) {
                add(&s, i + (c == '(' ? 0 : 0), e, MDT_KIND_PHONE);
                i = e;
            } else {
                i++;
            }
            continue;
        }
        if (isdig(c)) {
            /* NHS numbers and phones are long and validated: tried even
             * right after a number and a dot or comma ("03.999 954 2557") */
            take(&best, &bk, match_nhs(&s, i), MDT_KIND_NHS_NUMBER);
            take(&best, &bk, match_phone(&s, i), MDT_KIND_PHONE);
            /* and so are numeric dates: a date that matched would have been
             * skipped whole, so here the digits before were no date
             * ("03.14.03.87") */
            take(&best, &bk, match_numeric_date(&s, i), MDT_KIND_DATE);
            if (num_start_ok(t, i)) {
                size_t r = run_digits(t, len, i, 64);
                /* a site's name may start with digits: 365bet.com */
                if (i + r < len && (isalph(T(i + r)) || T(i + r) == '.'))
                    take(&best, &bk, match_url(&s, i), MDT_KIND_HANDLE);
                take(&best, &bk, match_card_tail(&s, i), MDT_KIND_ID);
                take(&best, &bk, written_day_first(&s, i), MDT_KIND_DATE);
                take(&best, &bk, match_age(&s, i), MDT_KIND_AGE_90);
                take(&best, &bk, match_code(&s, i), MDT_KIND_ID);
                take(&best, &bk, match_grouped(&s, i), MDT_KIND_ID);
                if (i + 2 < len && in_set(T(i + run_digits(t, len, i, 16)), " ,-")) {
                    enum mdt_kind k = MDT_KIND_ID;
                    size_t sp = match_spoken_number(&s, i, &k);
                    take(&best, &bk, sp, k);
                }
                if (i < s.platform_until)
                    take(&best, &bk, match_handle_token(&s, i), MDT_KIND_HANDLE);
            }
            if (best) {
                add(&s, i, best, bk);
                i = best;
                continue;
            }
            while (i < len && isword(T(i)))
                i++;
            continue;
        }
        if (isalph(c)) {
            size_t w = run_letters(t, len, i, 64);
            const struct kw_slot *kw = end_ok(t, len, i + w) || isdig(T(i + w)) || T(i + w) == '_'
                                           ? kw_find(s.p, t + i, w)
                                           : NULL;
            uint32_t f = kw && end_ok(t, len, i + w) ? kw->flags : 0;

            /* Most words are only letters: try each matcher only when
             * what follows the letters could start its pattern. */
            unsigned char nx = i + w < len ? T(i + w) : 0;
            bool dig_next = isdig(nx);
            bool dig_after_space = nx == ' ' && i + w + 1 < len && isdig(T(i + w + 1));
            bool veh_ctx = i < s.vehicle_until;

            if (nx == '.' || nx == '/' || nx == ':' || nx == '-' || dig_next)
                take(&best, &bk, match_url(&s, i), MDT_KIND_HANDLE);
            if (nx == '#' || nx == '_' || nx == '.' || dig_next)
                take(&best, &bk, match_discord(&s, i), MDT_KIND_HANDLE);
            if (w == 2 && (dig_next || dig_after_space))
                take(&best, &bk, match_ni(&s, i), MDT_KIND_NI_NUMBER);
            if ((w <= 2 && dig_next) || (w == 3 && dig_after_space))
                take(&best, &bk, match_postcode(&s, i), MDT_KIND_POSTCODE);
            if ((w == 2 && dig_next) || (veh_ctx && (w <= 3 && (dig_next || dig_after_space))))
                take(&best, &bk, match_vehicle(&s, i), MDT_KIND_VEHICLE);
            if (dig_next || nx == '-' || nx == '/')
                take(&best, &bk, match_code(&s, i), MDT_KIND_ID);
            if (w <= 4 && (dig_next || dig_after_space))
                take(&best, &bk, match_grouped(&s, i), MDT_KIND_ID);
            if (f & (KW_DIGIT | KW_REPEAT)) {
                enum mdt_kind k = MDT_KIND_ID;
                size_t sp = match_spoken_number(&s, i, &k);
                take(&best, &bk, sp, k);
            }
            if (f & (KW_ORD | KW_TENS))
                take(&best, &bk, date_words(&s, i), MDT_KIND_DATE);
            if (veh_ctx && w == 1 && nx == ' ')
                take(&best, &bk, spelt_plate(&s, i), MDT_KIND_VEHICLE);
            if (i < s.platform_until && !(f & KW_PLATFORM))
                take(&best, &bk, match_handle_token(&s, i), MDT_KIND_HANDLE);
            /* A weekday before a date stays ("Saturday [DATE]"): the date
             * itself is found at its day number or month. */
            if (f & KW_MONTH) {
                take(&best, &bk, written_month_first(&s, i, w, kw), MDT_KIND_DATE);
                take(&best, &bk, month_first_words(&s, i, w, kw), MDT_KIND_DATE);
            }
            if (w == 6 && (c == 'n' || c == 'N'))
                take(&best, &bk, match_age_words(&s, i, w), MDT_KIND_AGE_90);
            if ((nx == ' ' || nx == ',' || nx == '\'' || nx == '-') && (f & KW_HOLIDAY))
                take(&best, &bk, match_holiday(&s, i, w), MDT_KIND_DATE);
            if (f & KW_NHS)
                s.nhs_until = i + w + 24;
            if (f & KW_VEHICLE)
                s.vehicle_until = i + w + 48;
            if (f & KW_PLATFORM)
                s.platform_until = i + w + 64;
            if (f & KW_CTX) {
                ctx_code(&s, i + w);
            } else if (f & KW_NUMWORD) {
                /* "no."/"no:"/"No #" always; bare "no"/"number" after a qualifier */
                size_t q = i + w, ws, wl;
                bool mark = q < len && (T(q) == '.' || T(q) == ':' || T(q) == '#');
                wl = word_before(t, i, " .", &ws);
                if (mark || (wl && (kw_flags(s.p, t + ws, wl) & KW_QUAL)) ||
                    (wl >= 2 && wl <= 5 && cap_word(t, ws, ws + wl) && isup(T(ws + 1))))
                    ctx_code(&s, q);
            }
            if ((f & KW_STREET) && end_ok(t, len, i + w))
                match_street(&s, i, w);
            if ((f & KW_TOPO) && end_ok(t, len, i + w))
                match_topo(&s, i, w);
            if (best) {
                add(&s, i, best, bk);
                i = best;
                continue;
            }
            /* the w letters at i are word bytes: not read again */
            i += w;
            while (i < len && isword(T(i)))
                i++;
            continue;
        }
        i++;
    }
}
