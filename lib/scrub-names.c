/* People and places found by context and lexicons, in one pass over the
 * words of a text plus a few linear passes over the word array:
 *   - capitalised words that are no ordinary word, town, service or drug;
 *   - ordinary words used as names where the context says so: after a
 *     title (Mr, Dr, PC), after a relation ("her sister", "partner"), next
 *     to another name ("Gemma Hill"), quoted ('Smudge'), or a given name
 *     capitalised inside a sentence ("saw Faith");
 *   - lower-case words that are names and no ordinary word ("tina");
 *   - streets and blocks ("12 Foleshill Road", "Alder Court"), flats and
 *     rooms ("Flat 3"), boats, and named pubs, schools, churches, clubs and
 *     workplaces ("Leggott Arms", "works at DIRFT");
 *   - every other use of a name seen in full in the same text.
 * The result depends only on the text, and words inside placeholders never
 * count as names or as context, so scrubbed text gives no new findings. */
#include <stdlib.h>
#include <string.h>

#include "lexicon.h"
#include "scrub-internal.h"
#include "utf8.h"
#include "xmalloc.h"

enum {
    W_NAME = 1,   /* part of a person's name */
    W_PLACE = 2,  /* part of a place name */
    W_ADDR = 4,   /* part of an address */
    W_HOLDER = 8, /* a placeholder's word: never a name nor context */
    W_PROT = 16,  /* inside an allowed phrase (service, hospital, look-alike) */
    W_GEOP = 32,  /* inside a geography phrase */
    W_SENT = 64,  /* starts a sentence */
    W_STOP = 128, /* a function word (the, and, his) */
    W_CUED = 256, /* a name by a title or relation before it ("son Jordan") */
    W_LANG = 512, /* a language or festival ("speaks Sorani") */
    W_SCRIPT = 1024, /* written in another script than Latin ("نسرین") */
};

struct scan {
    const char *text;
    size_t len;
    const struct mdt_lexicons *lex;
    struct mdt_word *w;
    char *keys;
    size_t n;
    uint32_t *lf;   /* lexicon flags of each word */
    uint16_t *st;   /* W_* state of each word */
    struct mdt_spans *out_spans;
};

static const char *key(const struct scan *s, size_t i)
{
    return s->keys + s->w[i].key;
}

static bool key_is_n(const struct scan *s, size_t i, const char *k, size_t l)
{
    return s->w[i].keylen == l && memcmp(key(s, i), k, l) == 0;
}

/* k is a string literal: its length is known at compile time, so the test
 * is a length compare and, rarely, a short memcmp. */
#define key_is(s, i, k) key_is_n((s), (i), "" k, sizeof(k) - 1)

/* Word i is one of the NULL-terminated list. */
static bool key_in_list(const struct scan *s, size_t i, const char *const *list)
{
    for (; *list; list++)
        if (key_is_n(s, i, *list, strlen(*list)))
            return true;
    return false;
}

/* Membership of the word lists below: one lexicon flag each, set when the
 * scrub context is built (mdt__names_add_classes), so a test is one AND. */
#define key_in(s, i, cls) (((s)->lf[i] & (cls)) != 0)

/* The text between word i-1 and word i (or the text's start). */
static void gap(const struct scan *s, size_t i, size_t *a, size_t *b)
{
    *a = i ? s->w[i - 1].end : 0;
    *b = s->w[i].start;
}

/* Only blanks (or a hyphen) between words i-1 and i: they may belong to
 * one name. A possessive ('s) between them breaks it. */
static bool joined(const struct scan *s, size_t i)
{
    if (i == 0 || s->w[i - 1].possessive)
        return false;
    size_t a, b;
    gap(s, i, &a, &b);
    if (b - a > 2 || b == a)
        return b - a <= 2 && b > a;
    for (size_t k = a; k < b; k++)
        if (s->text[k] != ' ' && s->text[k] != '\t' && s->text[k] != '-')
            return false;
    return true;
}

static bool is_open_quote(const char *t, size_t len, size_t k)
{
    unsigned char c = (unsigned char)t[k];
    if (c == '\'' || c == '"')
        return true;
    if (c == 0xE2 && k + 2 < len && (unsigned char)t[k + 1] == 0x80) {
        unsigned char d = (unsigned char)t[k + 2];
        return d == 0x98 || d == 0x99 || d == 0x9C || d == 0x9D;
    }
    return false;
}

/* Word i starts a sentence: after . ! ? : ; | or a line start, skipping
 * blanks, quotes, brackets and list bullets. */
static bool sentence_start(const struct scan *s, size_t i)
{
    const unsigned char *t = (const unsigned char *)s->text;
    size_t k = s->w[i].start;
    while (k > 0) {
        unsigned char c = t[k - 1];
        if (c == ' ' || c == '\t' || c == '\'' || c == '"' || c == '(' || c == '[' || c == '*' ||
            c == '>') {
            k--;
            continue;
        }
        if (c == '-' && (k < 2 || t[k - 2] == '\n' || t[k - 2] == ' ')) {
            k--;
            continue;
        }
        if (k >= 3 && t[k - 3] == 0xE2 && t[k - 2] == 0x80) { /* quotes, dashes, bullet */
            k -= 3;
            continue;
        }
        return c == '.' || c == '!' || c == '?' || c == ':' || c == ';' || c == '|' ||
               c == '\n' || c == '\r';
    }
    return true;
}

/* A single quote or double quote right before word i and right after word
 * j (inclusive range i..j): 'Smudge', "Linda". */
static bool quoted(const struct scan *s, size_t i, size_t j)
{
    size_t a = s->w[i].start, b = s->w[j].end;
    if (s->w[j].possessive)
        return false;
    if (a == 0 || b >= s->len)
        return false;
    size_t qa = a - 1;
    while (qa > 0 && (unsigned char)s->text[qa] >= 0x80 && (unsigned char)s->text[qa] < 0xC0)
        qa--;
    return is_open_quote(s->text, s->len, qa) && is_open_quote(s->text, s->len, b);
}

static const char *const stop_words[] = {
    "the", "a", "an", "and", "or", "of", "in", "on", "at", "to", "for", "with", "by", "from",
    "he", "she", "they", "his", "her", "their", "it", "is", "was", "i", "we", "you", "my", "our",
    "this", "that", "no", "not", "but", "if", "as", "so", "has", "had", "have", "who", "when",
    "also", "both", "all", "any", "re", "via", "per", "be", "are", "were", "will", NULL,
};

static const char *const subject_verbs[] = {
    "says", "said", "rang", "rings", "called", "calls", "visits", "visited", "lives", "lived",
    "works", "worked", "worries", "worried", "wants", "wanted", "told", "tells", "thinks", "feels",
    "felt", "helps", "helped", "came", "comes", "goes", "went", "stays", "stayed", "texts",
    "texted", "phoned", "agreed", "reports", "reported", "drinks", "drank", "hits", "hit", "died",
    "mentioned", "attends", "attended", "cares", "looks", "asked", "asks", "has", "had", "is",
    "was", NULL,
};

/* Words that end the name of a hospital or a council: "Northgate
 * Hospital", "Bradford Royal Infirmary", "Bradford Council" name an
 * institution, never a person or a home. */
static const char *const hospitals[] = {
    "hospital", "infirmary", "hospice", "clinic", "council", "services", "service", "project",
    "programme", "legion", "partnership", NULL,
};

/* Words before and after the name of a language, a people's tongue or a
 * festival ("speaks Sorani", "a Dari interpreter", "celebrates
 * Navratri"): words of other languages are no names. */
static const char *const lang_before[] = {
    "speaks", "speak", "speaking", "spoke", "celebrates", "celebrate", "celebrated",
    "celebrating", "celebration", NULL,
};
static const char *const lang_after[] = {
    "interpreter", "interpreters", "interpreting", "translator", "translation", "speaker",
    "speakers", "speaking", "festival", "language", "dialect", "celebrations", NULL,
};

/* Verbs that start a question: a given name after them is no surname of
 * theirs ("Can Abena help?": Can is a Turkish given name too). */
static const char *const aux_verbs[] = {
    "can", "could", "would", "should", "shall", "does", "did", "do", "is", "are", "was", "were",
    "has", "have", "had", "must", "might", NULL,
};

static const char *const locatives[] = {
    "in", "at", "near", "from", "to", "of", "around", "outside", "towards", "nr", "off", "via",
    "into", "round", "between", "nearby", NULL,
};

/* Words of work, and of where someone drinks or meets people: "works at
 * DIRFT", "drinks most nights at the Near Boot", "met at the Little Bull"
 * name a place of theirs. */
static const char *const work_words[] = {
    "works",        "worked",     "working",   "work",           "job",
    "employed",     "shifts",     "shift",     "employer",       "volunteers",
    "volunteering", "volunteer",  "placement", "apprenticeship", "packing",
    "cleaning",     "warehouse",  "agency",    "hours",          "hrs",
    "contract",     "drinks",     "drinking",  "drank",          "met",
    "meets",        "production", "factory",   "groundsman",     "labourer",
    "cleaner",      NULL,
};

/* Street suffixes that are also common words ("Park", "Green"): they make
 * a street only after a word that is no ordinary word, or after a number. */
static const char *const weak_street[] = {
    "park", "green", "hill", "bank", "gate", "end", "side", "view", "mount", "wood", "fields",
    "village", "site", "estate", "marina", "quay", "wharf", "yard", "place", "way", "walk",
    "row", "rise", "chase", "fold", "path", "passage", "approach", "circus", "side", "brow",
    "end", "lodge", "flats", "precinct", "hostel", "foyer", "house", "tower", "towers", NULL,
};

/* Words before "Court" that make it a law court, not a block of flats. */
static const char *const law_court[] = {
    "county", "crown", "magistrates", "magistrate", "family", "high", "supreme", "coroners",
    "coroner", "youth", "civil", "appeal", "district", "combined", "mags", NULL,
};

/* Place words that after a town's name name an institution, not a small
 * place: "Leicester College", "Durham Cathedral". */
static const char *const institutions[] = {
    "college", "university", "school", "academy", "cathedral", "minster", "centre", "center",
    "library", "market", "hall", "fc", "afc", "rfc", "cc", "club", "hospital", "services",
    "group", "practice", "surgery", "pharmacy", NULL,
};

/* Between a title (word i-1) and word i only a blank, or a full stop and
 * a blank: "Dr Sangin", "Dr. Sangin", not "58 Craigpark Dr, Glasgow". */
static bool title_gap(const struct scan *s, size_t i)
{
    size_t a, b;
    gap(s, i, &a, &b);
    return (b - a == 1 && s->text[a] == ' ') ||
           (b - a == 2 && s->text[a] == '.' && s->text[a + 1] == ' ');
}

static bool placeholder_word(const struct scan *s, size_t i)
{
    size_t a = s->w[i].start;
    while (a > 0 && s->text[a - 1] != '[' && s->text[a - 1] != ' ' && s->text[a - 1] != '\n')
        a--;
    if (a == 0 || s->text[a - 1] != '[')
        return false;
    return mdt__placeholder_end(s->text, s->len, a - 1) >= s->w[i].end;
}

/* Between words i-1 and i at most a comma, a colon, an opening bracket or
 * quote: "her mum, Lorraine", "Mate 'Smudge'", "From: Kerry". */
static bool soft_gap(const struct scan *s, size_t i)
{
    size_t a, b;
    gap(s, i, &a, &b);
    if (b - a > 5 || b == a)
        return false;
    for (size_t k = a; k < b; k++) {
        unsigned char c = (unsigned char)s->text[k];
        if (!(c == ' ' || c == ',' || c == ':' || c == '(' || c == '\'' || c == '"' || c >= 0x80))
            return false;
    }
    return true;
}

/* A letter of a script other than Latin, Greek and Cyrillic to Hangul:
 * in a note written in English, a word in Arabic, Gurmukhi or Chinese
 * letters is nearly always a name given beside its Latin spelling. */
static bool script_letter(uint32_t cp)
{
    return (cp >= 0x0370 && cp <= 0x13FF) || (cp >= 0x1780 && cp <= 0x17FF) ||
           (cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
           (cp >= 0xFB1D && cp <= 0xFDFF) || (cp >= 0xFE70 && cp <= 0xFEFF);
}

/* Word i is made only of such letters (and their combining marks), two
 * or more: a Greek letter alone is a symbol ("β"). */
static bool script_word(const struct scan *s, size_t i)
{
    size_t k = s->w[i].start, e = s->w[i].end, n = 0;
    while (k < e) {
        size_t l;
        uint32_t cp = mdt_utf8_decode(s->text + k, e - k, &l);
        if (!script_letter(cp))
            return false;
        k += l;
        n++;
    }
    return n >= 2;
}

static bool usable(const struct scan *s, size_t i)
{
    return !(s->st[i] & (W_HOLDER | W_PROT));
}

/* A word that can be a name by itself: capitalised and no ordinary word,
 * town or service; a lower-case name that is no ordinary word; an ALL-CAPS
 * surname. */
static bool strong_name(const struct scan *s, size_t i)
{
    const struct mdt_word *w = &s->w[i];
    uint32_t f = s->lf[i];
    size_t letters = w->end - w->start;

    if (!usable(s, i) || (s->st[i] & W_GEOP) || w->digit)
        return false;
    if (s->st[i] & W_SCRIPT)
        return true;
    if (f & (MDT_LEX_ALLOW | MDT_LEX_GEO | MDT_LEX_TITLE | MDT_LEX_STREET | MDT_LEX_UNIT))
        return false;
    if (w->allcaps)
        return letters >= 4 && (f & (MDT_LEX_NAME | MDT_LEX_FIRST)) && !(f & MDT_LEX_DICT);
    if (w->cap)
        return letters >= 2 && !(f & MDT_LEX_DICT);
    /* lower case: names only, never ordinary words; and no abbreviation
     * before a number that is only a surname somewhere ("ext 2231",
     * "ext. 43", "rm 4") */
    if (!(f & (MDT_LEX_FIRST | MDT_LEX_NICK)) && letters <= 4 && i + 1 < s->n &&
        s->w[i + 1].digit && s->w[i + 1].start - w->end <= 2)
        return false;
    return letters >= 3 && !(f & MDT_LEX_DICT) && (f & (MDT_LEX_NAME | MDT_LEX_FIRST | MDT_LEX_NICK));
}

/* Capitalised (or ALL-CAPS) word that context may make a name. */
static bool cap_candidate(const struct scan *s, size_t i)
{
    const struct mdt_word *w = &s->w[i];
    uint32_t f = s->lf[i];
    if (!usable(s, i) || w->digit || !w->cap)
        return false;
    if (f & (MDT_LEX_ALLOW | MDT_LEX_TITLE | MDT_LEX_UNIT))
        return false;
    if ((f & MDT_LEX_GEO) && !(f & (MDT_LEX_FIRST | MDT_LEX_NAMEWORD)))
        return false;
    if ((s->st[i] & W_GEOP))
        return false;
    if ((s->st[i] & W_STOP))
        return false;
    return true;
}

static bool initial(const struct scan *s, size_t i)
{
    return usable(s, i) && s->w[i].cap && s->w[i].end - s->w[i].start == 1 && !s->w[i].digit;
}

/* Marks words i..j (inclusive) with flag m. */
static void mark(struct scan *s, size_t i, size_t j, uint16_t m)
{
    for (size_t k = i; k <= j; k++)
        s->st[k] |= m;
}

static bool moved_to(const struct scan *s, size_t i);

/* Word i follows a word that puts a place after it: "lives in Pool",
 * "near Hope", "buys from a lad in Pool", "moved to Ashton", "out of
 * Pool". A given name after "from" or "at" is as often a person ("a
 * text from Ashley"), so given is true for a word that is one. */
static bool place_locative(const struct scan *s, size_t i, bool given)
{
    if (i == 0 || !joined(s, i))
        return false;
    size_t p = i - 1;
    if (key_is(s, p, "in") || key_is(s, p, "near") || key_is(s, p, "nr") ||
        key_is(s, p, "around") || key_is(s, p, "outside") || moved_to(s, i))
        return true;
    if (given)
        return false;
    return key_is(s, p, "from") || (key_is(s, p, "of") && p > 0 && key_is(s, p - 1, "out"));
}

/* Words i..e, a village's name of several words, read as the place: when
 * a word of it is no ordinary word ("kirk sandall", "Mansfield
 * Woodhouse"), when it is capitalised ("South Bank"), or after a
 * locative ("lives in south bank"); "the south bank of the river" is
 * a river's bank. */
static bool small_phrase(const struct scan *s, size_t i, size_t e)
{
    for (size_t k = i; k <= e; k++)
        if (!usable(s, k) || s->w[k].digit)
            return false;
    for (size_t k = i; k <= e; k++)
        if (!(s->lf[k] & (MDT_LEX_DICT | MDT_LEX_C_STOP)))
            return true;
    return s->w[i].cap || place_locative(s, i, false);
}

static void mark_phrases(struct scan *s)
{
    size_t maxp = mdt__lex_max_phrase(s->lex);
    char *buf = NULL;
    size_t cap = 0;

    for (size_t i = 0; i < s->n; i++) {
        if (!(s->lf[i] & MDT_LEX_PHRASE1))
            continue;
        size_t best = 0;
        uint32_t bf = 0;
        size_t bl = s->w[i].keylen;
        if (bl + 1 > cap) {
            cap = (bl + 1) * 2 + 64;
            buf = mdt_xrealloc(buf, cap);
        }
        memcpy(buf, key(s, i), bl);
        /* grow the phrase a word at a time while some entry continues it */
        for (size_t k = 2; k <= maxp && i + k <= s->n; k++) {
            size_t j = i + k - 1;
            if (bl + 1 + s->w[j].keylen > cap) {
                cap = (bl + 1 + s->w[j].keylen) * 2;
                buf = mdt_xrealloc(buf, cap);
            }
            buf[bl++] = ' ';
            memcpy(buf + bl, key(s, j), s->w[j].keylen);
            bl += s->w[j].keylen;
            uint32_t f = mdt__lex_flags(s->lex, buf, bl);
            if (f & ~(uint32_t)(MDT_LEX_PHRASE1 | MDT_LEX_PREFIX)) {
                best = k;
                bf = f & ~(uint32_t)(MDT_LEX_PHRASE1 | MDT_LEX_PREFIX);
            }
            if (!(f & MDT_LEX_PREFIX))
                break;
        }
        if (!best)
            continue;
        for (size_t j = i; j < i + best; j++) {
            if (bf & MDT_LEX_ALLOW)
                s->st[j] |= W_PROT;
            if (bf & MDT_LEX_GEO)
                s->st[j] |= W_GEOP;
        }
        /* a pub's name: "Rose and Crown", "Red Lion" */
        if ((bf & MDT_LEX_PUB) && s->w[i].cap)
            mark(s, i, i + best - 1, W_PLACE);
        /* a village or small town of two words or more: "Kirk Sandall",
         * "bolton on dearne" */
        if ((bf & MDT_LEX_SMALL) && !(bf & (MDT_LEX_GEO | MDT_LEX_ALLOW)) &&
            small_phrase(s, i, i + best - 1))
            mark(s, i, i + best - 1, W_PLACE);
        /* cue phrases ("care home", "kingdom hall") act on their last word */
        s->lf[i + best - 1] |= bf & (MDT_LEX_PLACE | MDT_LEX_LPLACE | MDT_LEX_STREET |
                                     MDT_LEX_RELATION | MDT_LEX_TITLE);
        if (bf & (MDT_LEX_ALLOW | MDT_LEX_GEO | MDT_LEX_SMALL))
            i += best - 1;
    }
    free(buf);
}

/* The gap between words i-1 and i is " & " or a possessive or plural
 * apostrophe and a blank ("Magistrates' Court", "Coroner's Court"). */
static bool institution_gap(const struct scan *s, size_t i)
{
    size_t a, b;
    gap(s, i, &a, &b);
    if (b - a == 3 && memcmp(s->text + a, " & ", 3) == 0)
        return true;
    if (s->w[i - 1].possessive) /* the word ends before its 's */
        return (b - a == 3 && memcmp(s->text + a, "'s ", 3) == 0) ||
               (b - a == 5 && memcmp(s->text + a, "\xe2\x80\x99s ", 5) == 0);
    if (b - a == 2 && s->text[a] == '\'' && s->text[a + 1] == ' ')
        return true;
    return b - a == 4 && memcmp(s->text + a, "\xe2\x80\x99 ", 4) == 0;
}

/* Hospitals and law courts with their names ("Sunderland Royal Hospital",
 * "Luton & Dunstable Hospital", "Thames Magistrates' Court", "Florence
 * Nightingale Hospital") are services: the whole capitalised run is kept,
 * so none of it is read as a name or an address. */
static bool work_context(const struct scan *s, size_t i);

/* The heads that end a hospital's or a council's name, as before the
 * service heads (services, project, trust ...) were added. */
static bool is_old_head(const struct scan *s, size_t i)
{
    return key_is(s, i, "hospital") || key_is(s, i, "infirmary") || key_is(s, i, "hospice") ||
           key_is(s, i, "clinic") || key_is(s, i, "council") || key_is(s, i, "court") ||
           key_is(s, i, "unit");
}

/* "Elgar Unit", "Tranwell Unit": a named unit is a hospital's ward or
 * mental health unit, an institution; "Unit 4" and "Unit B" are an
 * address's, and "works at Kestrel Unit" a workplace. */
static bool named_unit(const struct scan *s, size_t i)
{
    if (!key_is(s, i, "unit") || i == 0 || !s->w[i - 1].cap || s->w[i - 1].digit || !joined(s, i) ||
        (s->lf[i - 1] & (MDT_LEX_TITLE | MDT_LEX_C_STOP)))
        return false;
    if (i + 1 < s->n && joined(s, i + 1) && initial(s, i + 1))
        return false;
    if (i + 1 < s->n && joined(s, i + 1) && s->w[i + 1].digit) {
        /* a year after it is when: "Tranwell Unit 2016" */
        const char *k = key(s, i + 1);
        return s->w[i + 1].keylen == 4 && (memcmp(k, "19", 2) == 0 || memcmp(k, "20", 2) == 0);
    }
    return true;
}

static void protect_institutions(struct scan *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (!s->w[i].cap || (s->st[i] & W_HOLDER))
            continue;
        size_t e = i;
        if ((s->lf[i] & MDT_LEX_C_HOSP) || named_unit(s, i)) {
            e = i;
        } else if (key_is(s, i, "court") && i > 0 && (s->lf[i - 1] & MDT_LEX_C_LAWCOURT) &&
                   s->w[i - 1].cap && (joined(s, i) || institution_gap(s, i))) {
            e = i - 1;
        } else {
            continue;
        }
        size_t b = e;
        while (b > 0 && e - b < 4) {
            size_t p = b - 1;
            bool near = joined(s, b) || institution_gap(s, b);
            /* a relation word inside the name is part of it when it is a
             * possessive: "Bradford Children's Services" */
            uint32_t stop = MDT_LEX_TITLE | MDT_LEX_C_STOP |
                            (s->w[p].possessive ? 0 : MDT_LEX_RELATION);
            if (near && s->w[p].cap && !s->w[p].digit && !(s->st[p] & W_HOLDER) &&
                !(s->lf[p] & stop)) {
                b = p;
                continue;
            }
            break;
        }
        /* "son Jordan Smith Foundation": a person named after a relation
         * or a title keeps the name */
        if (b > 0 && b < i && (s->lf[b - 1] & (MDT_LEX_RELATION | MDT_LEX_TITLE)) &&
            !is_old_head(s, i))
            continue;
        /* "cleans at Amberley Care Services": a workplace, found as a
         * place (find_places) */
        if ((!is_old_head(s, i) || key_is(s, i, "unit")) && work_context(s, b))
            continue;
        /* a service's name is kept when it says where it serves
         * ("Bradford Children's Services"), is made of ordinary words
         * ("Royal British Legion"), or follows "the" ("the Seaview
         * Project"); "Amberley Care Services" alone may be a workplace */
        if (!is_old_head(s, i)) {
            bool keep = b > 0 && key_is(s, b - 1, "the");
            bool plain = true;
            for (size_t k = b; k < i && !keep; k++) {
                if (s->lf[k] & MDT_LEX_GEO)
                    keep = true;
                if (!(s->lf[k] & (MDT_LEX_DICT | MDT_LEX_ALLOW)))
                    plain = false;
            }
            if (!keep && !plain)
                continue;
        }
        mark(s, b, i, W_PROT);
    }
}

/* The capitalised run ending at word e (inclusive), joined by blanks and
 * the connectors "and", "of", "&": returns its first word. */
static size_t cap_run_back(const struct scan *s, size_t e, size_t maxw)
{
    size_t b = e;
    while (b > 0 && e - b + 1 < maxw && joined(s, b)) {
        size_t p = b - 1;
        if (!usable(s, p) && !(s->st[p] & W_PROT))
            break;
        if ((s->w[p].cap || s->w[p].digit) &&
            !(s->lf[p] & (MDT_LEX_TITLE | MDT_LEX_RELATION | MDT_LEX_UNIT)) &&
            !(s->w[p].digit && !s->w[p].cap)) {
            b = p;
            continue;
        }
        if ((key_is(s, p, "and") || key_is(s, p, "of")) && p > 0 && s->w[p - 1].cap &&
            joined(s, p)) {
            b = p - 1;
            continue;
        }
        break;
    }
    /* a sentence's first word that is an ordinary word is no part of it */
    while (b < e && (s->st[b] & W_SENT) && (s->lf[b] & MDT_LEX_DICT) &&
           !(s->lf[b] & (MDT_LEX_NAMEWORD | MDT_LEX_FIRST)) && !strong_name(s, b))
        b++;
    while (b < e && (key_is(s, b, "and") || key_is(s, b, "of") || key_is(s, b, "the")))
        b++;
    return b;
}

/* True when some word of b..e (inclusive) is no ordinary word, town or
 * service. */
static bool run_has_proper(const struct scan *s, size_t b, size_t e)
{
    for (size_t k = b; k <= e; k++)
        if (!(s->lf[k] & (MDT_LEX_DICT | MDT_LEX_GEO | MDT_LEX_ALLOW)) && !(s->st[k] & W_GEOP) &&
            !s->w[k].digit)
            return true;
    return false;
}

static bool run_all_geo(const struct scan *s, size_t b, size_t e)
{
    for (size_t k = b; k <= e; k++)
        if (!((s->lf[k] & (MDT_LEX_GEO | MDT_LEX_ALLOW)) || (s->st[k] & (W_GEOP | W_PROT))))
            return false;
    return true;
}

static void find_addresses(struct scan *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (!usable(s, i))
            continue;
        uint32_t f = s->lf[i];
        /* Flat 3, Room 12, Pitch 11, Flat B */
        if ((f & MDT_LEX_UNIT) && i + 1 < s->n && joined(s, i + 1) &&
            (s->w[i + 1].digit || initial(s, i + 1))) {
            mark(s, i, i + 1, W_ADDR);
            continue;
        }
        /* nb Molly Brown, narrowboat 'Molly Brown' */
        if ((f & MDT_LEX_BOAT) && i + 1 < s->n && s->w[i + 1].cap && usable(s, i + 1)) {
            size_t e = i + 1;
            while (e + 1 < s->n && s->w[e + 1].cap && joined(s, e + 1) && usable(s, e + 1))
                e++;
            if (key_is(s, i, "nb") || quoted(s, i + 1, e) || run_has_proper(s, i + 1, e))
                mark(s, i + 1, e, W_ADDR);
            continue;
        }
        /* a street written in lower case, after a number: "4 ferham close",
         * "12 foleshill rd"; or after a locative: "in hollybush close".
         * The name is no ordinary word, so "2 close friends" or "3 park
         * runs" are no address */
        if ((f & MDT_LEX_STREET) && !s->w[i].cap && i >= 2 && joined(s, i)) {
            size_t b = i - 1;
            bool name = !s->w[b].cap && !s->w[b].digit && usable(s, b) &&
                        !(s->lf[b] & (MDT_LEX_DICT | MDT_LEX_GEO | MDT_LEX_ALLOW | MDT_LEX_STREET));
            bool weak = key_in(s, i, MDT_LEX_C_WEAKST);
            if (name && !weak && b >= 2 && !s->w[b - 1].digit && joined(s, b) && !s->w[b - 1].cap &&
                usable(s, b - 1) && !(s->lf[b - 1] & (MDT_LEX_C_STOP | MDT_LEX_GEO)))
                b--; /* two words: "11 holly bank rd" */
            if (name && !weak && b >= 1 && s->w[b - 1].digit && joined(s, b) &&
                s->w[b - 1].end - s->w[b - 1].start <= 4) {
                mark(s, b - 1, i, W_ADDR);
                continue;
            }
            if (name && b >= 1 && joined(s, b) && key_in(s, b - 1, MDT_LEX_C_LOC) &&
                !s->w[b - 1].digit) {
                mark(s, b, i, W_ADDR);
                continue;
            }
        }
        if (!(f & MDT_LEX_STREET) || !s->w[i].cap || i == 0 || !joined(s, i))
            continue;
        /* "St Aidan's", "Dr Okafor", and "Dr [PERSON-1]" when scrubbed text is
         * checked again: a saint or a title, not a suffix */
        if ((key_is(s, i, "st") || key_is(s, i, "dr")) && i + 1 < s->n &&
            ((s->w[i + 1].cap && title_gap(s, i + 1)) || (s->st[i + 1] & W_HOLDER)))
            continue;
        /* "Mr Hill", "Dr Wood": a surname after a title */
        if (s->lf[i - 1] & MDT_LEX_TITLE)
            continue;
        size_t b = cap_run_back(s, i - 1, 5);
        /* in a note written in capitals every word is capitalised: only
         * after a number ("12 QUEENS ROAD") or a locative ("MOVED TO
         * QUEENS ROAD") does an ordinary word start the street; else the
         * name starts at its first word that is no ordinary word ("SEEN
         * ON HYLTON WALK"), and with none ("DO NOT LET HIM DRIVE") there
         * is no street */
        if (s->w[i].allcaps && !(b > 0 && s->w[b - 1].digit && joined(s, b)) &&
            !(b > 0 && key_in(s, b - 1, MDT_LEX_C_LOC) && !s->w[b - 1].digit)) {
            while (b < i - 1 && (s->lf[b] & MDT_LEX_DICT) && !strong_name(s, b))
                b++;
            if (!run_has_proper(s, b, i - 1))
                continue;
        }
        if (!s->w[b].cap && !s->w[b].digit)
            continue;
        if (s->w[b].digit && b == i - 1)
            continue;
        if (!usable(s, b) && !(s->st[b] & W_PROT))
            continue;
        bool number = b > 0 && s->w[b - 1].digit && joined(s, b);
        bool weak = key_in(s, i, MDT_LEX_C_WEAKST);
        if (key_is(s, i, "court") || key_is(s, i, "ct")) {
            if (key_in(s, i - 1, MDT_LEX_C_LAWCOURT))
                continue;
        }
        bool prot = false;
        for (size_t k = b; k <= i; k++)
            if (s->st[k] & W_PROT)
                prot = true;
        if (prot && !number)
            continue;
        bool proper = run_has_proper(s, b, i - 1);
        /* "Gemma Hill", "Darren Wood": a given name and a surname */
        if (!number && weak && b == i - 1 && (s->lf[b] & (MDT_LEX_FIRST | MDT_LEX_NICK)) &&
            !key_is(s, i, "estate"))
            continue;
        if (!number && !proper) {
            /* "the Abbey Estate", "Manor Estate": a housing estate names
             * where someone lives, whatever its words */
            if (weak && !key_is(s, i, "house") && !key_is(s, i, "lodge") &&
                !key_is(s, i, "hostel") && !key_is(s, i, "estate"))
                continue;
            if (run_all_geo(s, b, i - 1) && weak)
                continue;
            /* "Ferry House", "Station Road" name a place all the same */
        }
        if (number)
            b--;
        mark(s, b, i, W_ADDR);
    }
}

static bool work_context(const struct scan *s, size_t i)
{
    /* word i follows "at", "for" (optionally "the"); a work word shortly before */
    size_t p = i;
    if (p > 0 && key_is(s, p - 1, "the"))
        p--;
    if (p == 0 || !(key_is(s, p - 1, "at") || key_is(s, p - 1, "for")))
        return false;
    size_t from = p >= 7 ? p - 7 : 0;
    for (size_t k = from; k + 1 < p; k++)
        if (key_in(s, k, MDT_LEX_C_WORK))
            return true;
    return false;
}

/* A word in no list at all: no ordinary word, name, town, service or cue.
 * In lower case it is most often a place the lists do not know
 * ("thurnscoe", "castlemere"), or a typing error. */
static bool unknown_word(const struct scan *s, size_t i)
{
    if ((s->lf[i] & ~(uint32_t)(MDT_LEX_PHRASE1 | MDT_LEX_PREFIX)) || s->w[i].digit ||
        !usable(s, i) || s->w[i].end - s->w[i].start < 4)
        return false;
    /* an English word the list lacks, made with a suffix ("undiscussed",
     * "unhelpfully", "carelessness"), is no place's name; "-tion" is not
     * among them: churches are named after feasts ("annunciation") */
    static const char *const suffixes[] = {"ed", "ly", "ness", "ful", NULL};
    const char *k = key(s, i);
    size_t l = s->w[i].keylen;
    for (const char *const *x = suffixes; *x; x++) {
        size_t n = strlen(*x);
        if (l > n + 2 && memcmp(k + l - n, *x, n) == 0)
            return false;
    }
    return true;
}

/* A month or weekday (folded): towns in the lists' sense, never a
 * workplace's name ("you may convey covered works"). */
static bool calendar_word(const struct scan *s, size_t i)
{
    static const char *const words[] = {
        "january",   "february", "march",     "april",    "may",    "june",     "july",   "august",
        "september", "october",  "november",  "december", "jan",    "feb",      "mar",    "apr",
        "jun",       "jul",      "aug",       "sep",      "sept",   "oct",      "nov",    "dec",
        "monday",    "tuesday",  "wednesday", "thursday", "friday", "saturday", "sunday", NULL};
    return key_in_list(s, i, words);
}

/* Word i, a village or small town of places-gb.txt, read as the place.
 * A name that is no ordinary word or given name is the place wherever it
 * stands, in any case ("Rainworth", "thurnscoe"), except as a person's
 * surname: after a title or relation ("Mr Seaton", "sister Seaton") or
 * a name ("Kelly Seaton", "June Kirkby", "Dean Royston Haigh"). One that
 * is an ordinary word or a given name ("Pool", "Hope", "Ashton") is the
 * place only capitalised inside a sentence after a locative ("a lad in
 * Pool", "moved to Ashton"). */
static bool small_place(const struct scan *s, size_t i)
{
    uint32_t f = s->lf[i];
    if (!(f & MDT_LEX_SMALL) || !usable(s, i) || s->w[i].digit ||
        (f & (MDT_LEX_GEO | MDT_LEX_ALLOW | MDT_LEX_TITLE | MDT_LEX_STREET | MDT_LEX_UNIT)) ||
        (s->st[i] & (W_GEOP | W_PLACE | W_ADDR)))
        return false;
    uint32_t given = MDT_LEX_FIRST | MDT_LEX_NICK | MDT_LEX_NAMEWORD;
    if (!(f & (MDT_LEX_DICT | given))) {
        if (i > 0 && joined(s, i) &&
            ((s->lf[i - 1] & (MDT_LEX_TITLE | MDT_LEX_RELATION)) ||
             (s->w[i - 1].cap && (s->lf[i - 1] & (given | MDT_LEX_NAME)))))
            return false;
        return true;
    }
    if (!s->w[i].cap || s->w[i].allcaps || s->w[i].possessive || (s->st[i] & W_SENT))
        return false;
    if (i + 1 < s->n && s->w[i + 1].cap && joined(s, i + 1))
        return false;
    return place_locative(s, i, (f & given) != 0);
}

/* Word i in no list after "at": a place ("at coatham with his mate", "a
 * miner at hickleton main"), but not before the word that ends a
 * hospital's or a service's name ("at springhill hospice"). */
static bool at_place(const struct scan *s, size_t i)
{
    if (i == 0 || !key_is(s, i - 1, "at") || !joined(s, i))
        return false;
    return !(i + 1 < s->n && joined(s, i + 1) && (s->lf[i + 1] & MDT_LEX_C_HOSP));
}

/* A word after the name of a part of an organisation: "the Housing and
 * Benefits team", "the Crime and Disorder panel" name no pub. */
static bool team_word(const struct scan *s, size_t i)
{
    static const char *const words[] = {
        "team",    "teams",  "service", "services",  "department", "dept",  "office", "unit",
        "board",   "panel",  "meeting", "committee", "hub",        "forum", "group",  "partnership",
        "officer", "worker", "act",     "bill",      "policy",     NULL};
    return key_in_list(s, i, words);
}

/* Places by word lists and by the lower-case words around them, after
 * the cue rules of find_places:
 *   - villages and small towns (places-gb.txt, small_place);
 *   - a word in no list after a locative: "drinks in littleborough";
 *   - a word in no list, a village, or a town before a workplace's word,
 *     in lower case: "blidworth surgery", "eastwind marine services",
 *     "corby logistics park" (a town's college, school or market is the
 *     town's: find_places);
 *   - a pub in lower case: "the triangle tavern", "the miners arms";
 *   - a pub of two capitalised words joined by "and" after "at the", "in
 *     the": "drinks at the Crown and Mitre". */
static void find_small_places(struct scan *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (s->st[i] & W_ADDR)
            continue;
        if (small_place(s, i)) {
            s->st[i] |= W_PLACE;
            continue;
        }
        /* "drinks in the lobster at coatham": a word in no list after
         * "at" is a place as well */
        if (!s->w[i].cap && !(s->st[i] & W_PLACE) && unknown_word(s, i) &&
            (place_locative(s, i, false) || at_place(s, i))) {
            size_t e = i;
            while (e + 1 < s->n && !s->w[e + 1].cap && joined(s, e + 1) && unknown_word(s, e + 1))
                e++;
            mark(s, i, e, W_PLACE);
            i = e;
            continue;
        }
        uint32_t f = s->lf[i];
        /* "social worker", "care coordinator": a role, not a place */
        if (!s->w[i].cap && (f & (MDT_LEX_PLACE | MDT_LEX_LPLACE)) && i > 0 && joined(s, i) &&
            !(i + 1 < s->n && joined(s, i + 1) && (s->lf[i + 1] & MDT_LEX_RELATION))) {
            /* up to three lower-case words before the cue, right after a
             * function word, a locative or a work word ("works for
             * eastwind marine services", "at the blidworth surgery") */
            size_t b = i;
            while (b > 0 && i - b < 3 && joined(s, b) && !s->w[b - 1].cap && usable(s, b - 1) &&
                   !s->w[b - 1].digit && !(s->st[b - 1] & (W_PLACE | W_ADDR)) &&
                   !(s->lf[b - 1] & (MDT_LEX_C_STOP | MDT_LEX_RELATION | MDT_LEX_TITLE |
                                     MDT_LEX_C_LOC | MDT_LEX_C_WORK)))
                b--;
            bool lead = b < i && b > 0 &&
                        (s->lf[b - 1] & (MDT_LEX_C_STOP | MDT_LEX_C_LOC | MDT_LEX_C_WORK));
            bool work =
                (f & MDT_LEX_PLACE) && !(f & MDT_LEX_LPLACE) && !key_in(s, i, MDT_LEX_C_INSTIT);
            /* a word of the run in no list or a village names it ("the
             * kings clipstone allotments"); a town only first ("corby
             * logistics park") */
            bool named = lead && work && (s->lf[b] & MDT_LEX_GEO) && !(s->st[b] & W_GEOP) &&
                         !calendar_word(s, b);
            for (size_t k = b; lead && k < i && !named; k++) {
                uint32_t g = s->lf[k];
                named = unknown_word(s, k) ||
                        ((g & MDT_LEX_SMALL) && !(g & (MDT_LEX_DICT | MDT_LEX_GEO)));
            }
            /* "the triangle tavern", "the miners arms": ordinary words
             * before a pub's word after "the" */
            if (!named && lead && key_is(s, b - 1, "the") &&
                (key_is(s, i, "tavern") || key_is(s, i, "arms") || key_is(s, i, "inn")))
                named = true;
            if (named) {
                mark(s, b, (f & MDT_LEX_LPLACE) ? i - 1 : i, W_PLACE);
                continue;
            }
        }
        /* "goes to st cuthberts", "went to st ninian's": in a note in
         * lower case, a saint's name after a function word or locative
         * is a church or school ("4 high st" is a street: a number or a
         * word before it) */
        if (key_is(s, i, "st") && !s->w[i].cap && i > 0 && i + 1 < s->n && joined(s, i) &&
            joined(s, i + 1) &&
            (s->lf[i - 1] & (MDT_LEX_C_STOP | MDT_LEX_C_LOC | MDT_LEX_C_WORK)) &&
            !s->w[i + 1].cap && usable(s, i + 1) && !s->w[i + 1].digit &&
            (unknown_word(s, i + 1) || (s->lf[i + 1] & (MDT_LEX_FIRST | MDT_LEX_NAME))) &&
            !(s->lf[i + 1] & (MDT_LEX_STREET | MDT_LEX_GEO | MDT_LEX_ALLOW))) {
            mark(s, i, i + 1, W_PLACE);
            i++;
            continue;
        }
        /* "at the Crown and Mitre" */
        if (s->w[i].cap && i >= 2 && i + 2 < s->n && key_is(s, i - 1, "the") && !s->w[i - 1].cap &&
            (key_is(s, i - 2, "at") || key_is(s, i - 2, "in") || key_is(s, i - 2, "to") ||
             key_is(s, i - 2, "outside") || key_is(s, i - 2, "near") ||
             key_is(s, i - 2, "behind") || key_is(s, i - 2, "opposite")) &&
            key_is(s, i + 1, "and") && s->w[i + 2].cap && joined(s, i + 1) && joined(s, i + 2) &&
            !(i + 3 < s->n && s->w[i + 3].cap && joined(s, i + 3)) &&
            !(i + 3 < s->n && joined(s, i + 3) && team_word(s, i + 3))) {
            bool ok = true;
            for (size_t k = i; k <= i + 2; k += 2)
                ok &= usable(s, k) && !s->w[k].digit && !s->w[k].allcaps &&
                      !(s->lf[k] & (MDT_LEX_GEO | MDT_LEX_ALLOW | MDT_LEX_FIRST | MDT_LEX_TITLE)) &&
                      !(s->st[k] & (W_GEOP | W_ADDR));
            if (ok) {
                mark(s, i, i + 2, W_PLACE);
                i += 2;
            }
        }
    }
}

/* A pub or club named with a possessive: "the Sportsman's Arms", "the
 * Miners' Welfare", "the King's Head" ("the Women's Centre" is a
 * service). */
static bool pub_possessive(const struct scan *s, size_t i)
{
    return institution_gap(s, i) &&
           (key_is(s, i, "arms") || key_is(s, i, "head") || key_is(s, i, "inn") ||
            key_is(s, i, "tavern") || key_is(s, i, "welfare") || key_is(s, i, "club"));
}

static void find_places(struct scan *s)
{
    for (size_t i = 0; i < s->n; i++) {
        if (!usable(s, i) && !(s->st[i] & W_PROT))
            continue;
        uint32_t f = s->lf[i];
        if (s->st[i] & W_PROT)
            continue;
        /* the cue word ends a capitalised name ("Lealands High"): not
         * inside a town's name ("High Wycombe"), nor after a small word
         * ("Anjum in High Wycombe") */
        if ((f & MDT_LEX_PLACE) && s->w[i].cap && i > 0 && (joined(s, i) || pub_possessive(s, i)) &&
            !(s->st[i] & W_GEOP) && (s->w[i - 1].cap || s->w[i - 1].digit)) {
            size_t b = cap_run_back(s, i - 1, 6);
            /* "Leicester Cathedral", "Leeds University" are landmarks of a
             * town; a college or academy named after a town or district is
             * a place someone studies or works ("Newham College") */
            bool inst = key_in(s, i, MDT_LEX_C_INSTIT) && !key_is(s, i, "college") &&
                        !key_is(s, i, "academy");
            if (b < i && (s->w[b].cap) && (!run_all_geo(s, b, i - 1) || !inst)) {
                bool prot = false;
                for (size_t k = b; k < i; k++)
                    prot |= (s->st[k] & W_PROT) != 0;
                bool all_prot = true;
                for (size_t k = b; k < i; k++)
                    all_prot &= (s->st[k] & W_PROT) != 0;
                if (!all_prot && !(prot && !run_has_proper(s, b, i - 1)))
                    mark(s, b, i, W_PLACE);
            }
            continue;
        }
        /* a church or school named for Our Lady: "Our Lady of the
         * Rosary", "Our Lady of Lourdes" */
        if (key_is(s, i, "our") && s->w[i].cap && i + 3 < s->n && key_is(s, i + 1, "lady") &&
            s->w[i + 1].cap && key_is(s, i + 2, "of") && joined(s, i + 1) && joined(s, i + 2)) {
            size_t e = i + 3;
            if (key_is(s, e, "the") && e + 1 < s->n && joined(s, e + 1))
                e++;
            if (s->w[e].cap && joined(s, e) && usable(s, e)) {
                while (e + 1 < s->n && s->w[e + 1].cap && joined(s, e + 1) && usable(s, e + 1) &&
                       e - i < 7)
                    e++;
                mark(s, i, e, W_PLACE);
                i = e;
                continue;
            }
        }
        /* "the Fenman pub", "Riverside Bean café", "Lea Bridge community centre" */
        if ((f & MDT_LEX_LPLACE) && !s->w[i].cap && i > 0) {
            size_t e = i - 1;
            if (key_is(s, e, "community") && e > 0)
                e--;
            /* one lower-case noun between: "Vauxhall parts depot" */
            else if ((key_is(s, i, "plant") || key_is(s, i, "depot")) && e > 0 &&
                     !s->w[e].cap && (s->lf[e] & MDT_LEX_DICT) && !(s->lf[e] & MDT_LEX_C_STOP) &&
                     s->w[e - 1].cap && joined(s, e))
                e--;
            if (!s->w[e].cap || !usable(s, e) || !joined(s, e + 1))
                continue;
            size_t b = cap_run_back(s, e, 5);
            /* a town or district's plant or depot is one workplace: "the
             * Dagenham plant", "Vauxhall parts depot" (a town's station is
             * the town's: "Feltham station") */
            bool site = key_is(s, i, "plant") || key_is(s, i, "depot");
            if (!s->w[b].cap || (run_all_geo(s, b, e) && !site))
                continue;
            if ((s->st[b] & W_SENT) && b == e && (s->lf[b] & MDT_LEX_DICT))
                continue;
            mark(s, b, e, W_PLACE);
            continue;
        }
        /* a shop's branch where someone works: "works at Asda Bradford",
         * "shifts at the Whitechapel Sainsbury's" */
        if ((f & (MDT_LEX_ALLOW | MDT_LEX_GEO)) && i + 1 < s->n &&
            (((f & MDT_LEX_ALLOW) && (s->lf[i + 1] & MDT_LEX_GEO)) ||
             ((f & MDT_LEX_GEO) && (s->lf[i + 1] & MDT_LEX_ALLOW))) &&
            s->w[i].cap && s->w[i + 1].cap && usable(s, i) && usable(s, i + 1) &&
            joined(s, i + 1) && work_context(s, i)) {
            mark(s, i, i + 1, W_PLACE);
            i++;
            continue;
        }
        /* "works at DIRFT", "shifts at Northsea Fresh", and a town's
         * workplace: "worked at Hexham Racecourse" (the run is no town) */
        if (s->w[i].cap && usable(s, i) && !(f & MDT_LEX_ALLOW) &&
            (!(f & MDT_LEX_GEO) || (i + 1 < s->n && s->w[i + 1].cap && joined(s, i + 1))) &&
            !(s->st[i] & W_GEOP) && work_context(s, i)) {
            size_t e = i;
            while (e + 1 < s->n && s->w[e + 1].cap && joined(s, e + 1) && usable(s, e + 1))
                e++;
            if (!run_all_geo(s, i, e))
                mark(s, i, e, W_PLACE);
        }
    }
    find_small_places(s);
}

/* Dotted initials for a person ("J.B. said", "seen with K.W."): two to
 * four capitals, each with its full stop and nothing between; not an
 * abbreviation the word lists know (U.K., G.P., N.B., D.O.B.). */
static void find_dotted_initials(struct scan *s)
{
    static const char *const abbrev[] = {"am", "pm", "eg", "ie", "nb", "ps", "uk", "us", "gp",
                                         "ae", "ot", "dob", "nfa", "rip", "asap", "po", "bc",
                                         "ad", "aka", "tba", "tbc", "ok", "cc", "bsc", "ma",
                                         "ba", "phd", "md", "qc", "kc", "jp", "mp", NULL};
    for (size_t i = 0; i + 1 < s->n; i++) {
        if (!initial(s, i) || s->w[i].allcaps || (s->st[i] & W_NAME))
            continue;
        size_t e = i;
        while (e + 1 < s->n && e - i < 4 && initial(s, e + 1) &&
               s->w[e + 1].start == s->w[e].end + 1 && s->text[s->w[e].end] == '.')
            e++;
        if (e == i || e - i > 3 || s->w[e].end >= s->len || s->text[s->w[e].end] != '.' ||
            (i > 0 && s->w[i].start > 0 && s->text[s->w[i].start - 1] == '.')) {
            i = e;
            continue;
        }
        char key[4];
        size_t n = e - i + 1;
        bool known = false;
        for (size_t k = 0; k < n; k++)
            key[k] = (char)(s->text[s->w[i + k].start] | 0x20);
        for (const char *const *a = abbrev; *a && !known; a++)
            known = strlen(*a) == n && memcmp(*a, key, n) == 0;
        if (!known && !(mdt__lex_flags(s->lex, key, n) & ~(uint32_t)(MDT_LEX_NAME | MDT_LEX_FIRST |
                                                                       MDT_LEX_NICK)))
            mark(s, i, e, W_NAME | W_CUED);
        i = e;
    }
}

/* Word i alone in brackets right after word i-1: "Hao (Harry)". */
static bool bracketed(const struct scan *s, size_t i)
{
    size_t a = s->w[i - 1].end, b = s->w[i].start, e = s->w[i].end;
    if (s->w[i - 1].possessive || s->w[i].possessive)
        return false;
    return b - a == 2 && s->text[a] == ' ' && s->text[a + 1] == '(' && e < s->len &&
           s->text[e] == ')';
}

/* Languages and festivals by the words around them, and the ones listed
 * with them ("speaks Sorani and Dari", "Kurdish, Sorani interpreter"). */
static void protect_languages(struct scan *s)
{
    for (size_t i = 1; i < s->n; i++) {
        /* "celebrates Hannah's birthday" names someone */
        if (!s->w[i].cap || s->w[i].digit || !usable(s, i) || s->w[i].possessive)
            continue;
        bool cue = (key_in(s, i - 1, MDT_LEX_C_LANGB) && joined(s, i)) ||
                   (i + 1 < s->n && key_in(s, i + 1, MDT_LEX_C_LANGA) && joined(s, i + 1));
        /* one of a list: "X and Y", "X or Y", "X, Y" */
        if (!cue && i >= 2 && (s->st[i - 2] & W_LANG) &&
            (key_is(s, i - 1, "and") || key_is(s, i - 1, "or")) && joined(s, i))
            cue = true;
        if (!cue && (s->st[i - 1] & W_LANG)) {
            size_t a, b;
            gap(s, i, &a, &b);
            cue = b - a == 2 && s->text[a] == ',' && s->text[a + 1] == ' ';
        }
        if (cue)
            s->st[i] |= W_PROT | W_LANG;
    }
    /* a list before the cue: "Sorani and Dari interpreters" */
    for (size_t i = s->n; i-- > 2;) {
        if ((s->st[i] & W_LANG) && s->w[i - 2].cap && usable(s, i - 2) &&
            !s->w[i - 2].digit && (key_is(s, i - 1, "and") || key_is(s, i - 1, "or")) &&
            joined(s, i - 1) && joined(s, i) && i + 1 < s->n && key_in(s, i + 1, MDT_LEX_C_LANGA))
            s->st[i - 2] |= W_PROT | W_LANG;
    }
}

/* MDT_LEX_ALLOW for a word that starts with an allow-listed acronym in
 * capitals and a hyphen: "CAMHS-to-adult", "PIP-related"; else 0. */
static uint32_t acronym_head(const struct scan *s, size_t i)
{
    const struct mdt_word *w = &s->w[i];
    /* two capitals first: a cheap test, asked of every word */
    if (!w->cap || w->keylen < 4 || s->text[w->start + 1] < 'A' || s->text[w->start + 1] > 'Z')
        return 0;
    const char *key = s->keys + w->key;
    const char *h = memchr(key, '-', w->keylen);
    size_t n = h ? (size_t)(h - key) : 0;
    if (n < 2 || n > 8 || w->end - w->start <= n)
        return 0;
    for (size_t k = 0; k < n; k++)
        if (s->text[w->start + k] < 'A' || s->text[w->start + k] > 'Z')
            return 0;
    return (mdt__lex_flags(s->lex, key, n) & MDT_LEX_ALLOW) ? MDT_LEX_ALLOW : 0;
}

/* For a hyphened word in no list: MDT_LEX_DICT when every part is an
 * ordinary word, a town or a service ("Self-harm", "Long-term",
 * "Jamaican-born", "Tamil-speaking"); MDT_LEX_FIRST | MDT_LEX_NAME when
 * every part is a name and none an ordinary word ("alfie-rae", written in
 * lower case as in "Ellie-Mae"); else 0 ("Adeyemi-Cole" is found as a
 * word in no list). */
static uint32_t hyphened_words(const struct scan *s, size_t i)
{
    const struct mdt_word *w = &s->w[i];
    const char *key = s->keys + w->key, *end = key + w->keylen, *p = key;
    bool words = true, names = true;

    if (!memchr(key, '-', w->keylen))
        return 0;
    while (p < end) {
        const char *h = memchr(p, '-', (size_t)(end - p));
        size_t n = (size_t)((h ? h : end) - p);
        uint32_t f = n ? mdt__lex_flags(s->lex, p, n) : 0;
        words &= (f & (MDT_LEX_DICT | MDT_LEX_GEO | MDT_LEX_ALLOW)) != 0;
        names &= (f & (MDT_LEX_FIRST | MDT_LEX_NAME | MDT_LEX_NICK)) && !(f & MDT_LEX_DICT);
        p += n + 1;
    }
    return words ? MDT_LEX_DICT : names ? MDT_LEX_FIRST | MDT_LEX_NAME : 0;
}

/* An allow-listed word that is also a surname and no ordinary word,
 * capitalised right after a name: the surname ("Nurul Islam", "Maria
 * Costa"), not the religion or the brand. */
static bool allowed_surname(const struct scan *s, size_t i)
{
    uint32_t f = s->lf[i];
    return usable(s, i) && s->w[i].cap && !s->w[i].allcaps && !s->w[i].digit &&
           !(s->st[i] & W_PROT) && (f & MDT_LEX_ALLOW) && (f & MDT_LEX_NAME) &&
           !(f & (MDT_LEX_DICT | MDT_LEX_GEO | MDT_LEX_TITLE));
}

/* Word i follows "to" after a verb of moving house: "moved to Stanley"
 * names the place, where "talked to Stanley" or "the money went to
 * Stanley" names him. */
static bool moved_to(const struct scan *s, size_t i)
{
    static const char *const verbs[] = {"moved", "move", "moving", "moves", "relocated",
                                        "relocating", "emigrated", NULL};
    return i >= 2 && key_is(s, i - 1, "to") && key_in_list(s, i - 2, verbs);
}

/* Word i, in lower case, follows a title written in lower case: "dr
 * shah", "mr khan", "pc smith" in a note typed without capitals. The
 * surname may be an ordinary word elsewhere (shah, khan, smith), so any
 * word counts but function words, verbs and the nouns that follow "dr" in
 * notes ("dr appt"); after the titles that are words too (pc, ds, dc) only
 * a word that is no ordinary word ("his pc broke"). "ms" is left out:
 * it is as often multiple sclerosis. */
static bool lower_title_name(const struct scan *s, size_t i)
{
    static const char *const titles[] = {"mr",  "mrs",  "miss", "mx",  "dr",  "prof",
                                         "rev", "revd", "cllr", "sgt", "dci", NULL};
    static const char *const weak_titles[] = {"pc", "dc", "ds", NULL};
    static const char *const not_after[] = {
        "appt",   "appts", "appointment", "letter",   "note", "notes", "surgery",
        "review", "visit", "report",      "referral", "said", "says",  NULL};
    uint32_t f = s->lf[i];
    if (i == 0 || !(s->lf[i - 1] & MDT_LEX_TITLE) || s->w[i - 1].cap || !title_gap(s, i) ||
        s->w[i].digit || s->w[i].keylen < 2 || !usable(s, i) ||
        (f & (MDT_LEX_C_STOP | MDT_LEX_C_AUX | MDT_LEX_C_SUBJVERB | MDT_LEX_TITLE |
              MDT_LEX_RELATION | MDT_LEX_UNIT | MDT_LEX_ALLOW)) ||
        ((f & MDT_LEX_GEO) && !(f & MDT_LEX_NAME)))
        return false;
    if (key_in_list(s, i, not_after))
        return false;
    return key_in_list(s, i - 1, titles) ||
           (!(f & MDT_LEX_DICT) && key_in_list(s, i - 1, weak_titles));
}

/* Word i is a worker's initials in brackets, as notes are signed: before
 * their role, "(RP, Refugee Council caseworker)", "(JS, MHP)", or with a
 * colleague's, "(SK/TM)". Two or three capitals that are no acronym the
 * lists know; "(DV, coercive control)" has no role and stays. */
static bool unknown_initials(const struct scan *s, size_t i)
{
    const struct mdt_word *w = &s->w[i];
    return w->allcaps && !w->digit && w->end - w->start <= 3 && w->start > 0 &&
           !(s->lf[i] &
             (MDT_LEX_ALLOW | MDT_LEX_DICT | MDT_LEX_GEO | MDT_LEX_TITLE | MDT_LEX_RELATION));
}

/* Words i-1 and i are joined by a single slash: "SK/TM". */
static bool slashed(const struct scan *s, size_t i)
{
    return i > 0 && s->w[i].start == s->w[i - 1].end + 1 && s->text[s->w[i - 1].end] == '/';
}

static bool staff_initials(const struct scan *s, size_t i)
{
    const struct mdt_word *w = &s->w[i];
    if (!unknown_initials(s, i))
        return false;
    /* "(SK/TM)": a bracket holding only initials joined by slashes */
    if (s->text[w->start - 1] == '/' || (w->end < s->len && s->text[w->end] == '/')) {
        size_t b = i, e = i;
        while (slashed(s, b) && unknown_initials(s, b - 1))
            b--;
        while (e + 1 < s->n && slashed(s, e + 1) && unknown_initials(s, e + 1))
            e++;
        return e > b && s->text[s->w[b].start - 1] == '(' && s->w[e].end < s->len &&
               s->text[s->w[e].end] == ')';
    }
    if (s->text[w->start - 1] != '(' || w->end >= s->len || s->text[w->end] != ',')
        return false;
    for (size_t j = i + 1; j < s->n && j <= i + 6; j++) {
        if (memchr(s->text + s->w[j - 1].end, ')', s->w[j].start - s->w[j - 1].end))
            break;
        if (s->lf[j] & MDT_LEX_RELATION)
            return true;
    }
    return false;
}

/* Word i follows words that give a name: "colleagues call him JP",
 * "known as Gaz", "goes by Mo", "nicknamed Smudge", "aka Bomber". */
static bool after_alias(const struct scan *s, size_t i)
{
    if (i == 0 || !joined(s, i))
        return false;
    if (key_is(s, i - 1, "nicknamed") || key_is(s, i - 1, "aka"))
        return true;
    if (i < 2 || !joined(s, i - 1))
        return false;
    if (key_is(s, i - 1, "as"))
        return key_is(s, i - 2, "known");
    if (key_is(s, i - 1, "by"))
        return key_is(s, i - 2, "goes") || key_is(s, i - 2, "go") || key_is(s, i - 2, "going");
    if (key_is(s, i - 1, "him") || key_is(s, i - 1, "her") || key_is(s, i - 1, "them"))
        return key_is(s, i - 2, "call") || key_is(s, i - 2, "calls") ||
               key_is(s, i - 2, "called") || key_is(s, i - 2, "calling");
    return false;
}

/* Word i, lower case, is a given name with a possessive s and no
 * apostrophe before what is theirs: "shannons kids", "joes phone". */
static bool possessive_unmarked(const struct scan *s, size_t i)
{
    const struct mdt_word *w = &s->w[i];
    const char *k = key(s, i);
    if (w->cap || w->digit || w->keylen < 4 || k[w->keylen - 1] != 's' || i + 1 >= s->n ||
        !joined(s, i + 1) || (s->lf[i] & ~(uint32_t)(MDT_LEX_PHRASE1 | MDT_LEX_PREFIX)) ||
        !(s->lf[i + 1] & (MDT_LEX_DICT | MDT_LEX_RELATION)) ||
        (s->lf[i + 1] & (MDT_LEX_C_STOP | MDT_LEX_C_AUX | MDT_LEX_C_SUBJVERB)))
        return false;
    uint32_t f = mdt__lex_flags(s->lex, k, w->keylen - 1);
    return (f & (MDT_LEX_FIRST | MDT_LEX_NICK)) &&
           !(f & (MDT_LEX_DICT | MDT_LEX_GEO | MDT_LEX_ALLOW));
}

/* A given name after a relation, followed by where the person is:
 * "daughter jade in lincoln", "son mark at college" ("partner will in
 * time" is the verb). */
static bool where_after_given(const struct scan *s, size_t i)
{
    return (s->lf[i] & MDT_LEX_FIRST) && !key_is(s, i, "will") && i + 1 < s->n &&
           joined(s, i + 1) &&
           (key_is(s, i + 1, "in") || key_is(s, i + 1, "at") || key_is(s, i + 1, "from") ||
            key_is(s, i + 1, "near"));
}

static void find_names(struct scan *s)
{
    find_dotted_initials(s);
    for (size_t i = 0; i < s->n; i++) {
        if (s->st[i] & (W_ADDR | W_PLACE))
            continue;
        uint32_t f = s->lf[i];
        bool sent = (s->st[i] & W_SENT) != 0;
        if (strong_name(s, i)) {
            s->st[i] |= W_NAME;
            continue;
        }
        /* after a title, a town that is no ordinary word, or a service that
         * is a surname too, is the surname: "Mr Maltby", "Dr Warwick", "Dr
         * Sangin" */
        if (s->w[i].cap && !s->w[i].digit && usable(s, i) && !(s->st[i] & W_GEOP) &&
            (((f & MDT_LEX_NAME) && (f & (MDT_LEX_GEO | MDT_LEX_ALLOW))) ||
             ((f & MDT_LEX_GEO) && !(f & MDT_LEX_DICT))) && i > 0 &&
            (s->lf[i - 1] & MDT_LEX_TITLE) && s->w[i - 1].cap && !(s->st[i - 1] & W_ADDR) &&
            title_gap(s, i)) {
            s->st[i] |= W_NAME | W_CUED;
            continue;
        }
        if (!s->w[i].cap && (lower_title_name(s, i) || possessive_unmarked(s, i))) {
            s->st[i] |= W_NAME | W_CUED;
            continue;
        }
        if (!cap_candidate(s, i)) {
            /* lower-case name after a relation: "her partner dennis", or
             * one in no list at all: "his wife zubeda", "worker: kokila" */
            if (!s->w[i].cap && usable(s, i) && i > 0 && (s->lf[i - 1] & MDT_LEX_RELATION) &&
                (joined(s, i) || soft_gap(s, i)) &&
                ((f & (MDT_LEX_FIRST | MDT_LEX_NICK | MDT_LEX_NAMEWORD)) ||
                 (unknown_word(s, i) && !(s->st[i] & W_PLACE))) &&
                !(f & MDT_LEX_ALLOW) && !(s->st[i] & W_STOP) &&
                /* a town or month only when it is a given name too ("her
                 * mum jan", "daughter chelsea"), not the verbs may and
                 * march */
                (!(f & MDT_LEX_GEO) || ((f & (MDT_LEX_FIRST | MDT_LEX_NAMEWORD)) &&
                                        !key_is(s, i, "may") && !key_is(s, i, "march"))) &&
                /* "her partner may and..." reads as a word, unless where
                 * the person is follows ("daughter jade in lincoln"); a
                 * name in no list reads as one whatever follows ("worker:
                 * kokila from Mind") */
                (!((f & (MDT_LEX_DICT | MDT_LEX_NAMEWORD)) && i + 1 < s->n &&
                   (s->st[i + 1] & W_STOP) && joined(s, i + 1)) ||
                 where_after_given(s, i)))
                s->st[i] |= W_NAME | W_CUED;
            continue;
        }
        size_t p = i; /* the word before, skipping one opening bracket or quote */
        bool after_title = i > 0 && (s->lf[i - 1] & MDT_LEX_TITLE) && s->w[i - 1].cap &&
                           s->w[i].start - s->w[i - 1].end <= 2;
        /* "Mr T PETRAUSKAS": the initial and the name */
        if (!after_title && i > 1 && initial(s, i - 1) && (s->lf[i - 2] & MDT_LEX_TITLE) &&
            s->w[i - 2].cap)
            after_title = true;
        /* "PC 2271 Fox": an officer's collar number between */
        if (!after_title && i > 1 && s->w[i - 1].digit && (s->lf[i - 2] & MDT_LEX_TITLE) &&
            s->w[i - 2].cap && title_gap(s, i - 1) && title_gap(s, i) &&
            s->w[i - 1].end - s->w[i - 1].start <= 6)
            after_title = true;
        bool after_rel = p > 0 && (s->lf[p - 1] & MDT_LEX_RELATION) && soft_gap(s, i) &&
                         (!(f & MDT_LEX_GEO) || (f & MDT_LEX_FIRST));
        /* a given name and a surname: "Kerry Fisher", "Amir Shah" */
        /* ("Hi Ruth", "Son Ethan": a greeting or relation that is a given
         * name somewhere is the cue, not the given name) */
        bool full = (f & MDT_LEX_FIRST) && !(f & (MDT_LEX_RELATION | MDT_LEX_TITLE)) &&
                    i + 1 < s->n && joined(s, i + 1) && cap_candidate(s, i + 1) &&
                    !(s->lf[i + 1] & (MDT_LEX_STREET | MDT_LEX_PLACE)) &&
                    (!sent || !(f & MDT_LEX_DICT) || strong_name(s, i + 1)) &&
                    !(sent && (f & MDT_LEX_C_AUX)) &&
                    /* a town that is also a given name needs a surname that
                     * is no ordinary word: "Bradford Council" is no person */
                    (!(f & MDT_LEX_GEO) || strong_name(s, i + 1));
        /* a child's name and age: "Maria 6", "Tia (7)" */
        bool aged = !sent && (f & MDT_LEX_FIRST) && i + 1 < s->n && s->w[i + 1].digit &&
                    s->w[i + 1].end - s->w[i + 1].start <= 2 && soft_gap(s, i + 1);
        /* a sentence that starts with a given name and a verb: "Hope rang" */
        /* a town that is a given name too reads as the name before such a
         * verb: "Barry came round" */
        bool subject = sent && (f & (MDT_LEX_NAMEWORD | MDT_LEX_FIRST | MDT_LEX_NICK)) &&
                       !(f & MDT_LEX_RELATION) && /* "Son is the protective factor" */
                       (!(f & MDT_LEX_GEO) || (f & MDT_LEX_FIRST)) && i + 1 < s->n &&
                       joined(s, i + 1) && key_in(s, i + 1, MDT_LEX_C_SUBJVERB);
        bool mid_given = (!sent && (f & (MDT_LEX_NAMEWORD | MDT_LEX_NICK)) && !(f & MDT_LEX_GEO)) ||
                         subject;
        bool after_loc = i > 0 && key_in(s, i - 1, MDT_LEX_C_LOC) && !key_is(s, i - 1, "from") &&
                         (!key_is(s, i - 1, "to") || moved_to(s, i));
        bool geo_given = !sent && (f & MDT_LEX_GEO) && (f & MDT_LEX_FIRST) &&
                         !(f & MDT_LEX_NAMEWORD) && !after_loc;
        /* a given name standing alone inside a sentence: "without Florin finding" */
        bool lone = !sent && (f & MDT_LEX_FIRST) && !(f & MDT_LEX_GEO) && !after_loc &&
                    !(i > 0 && s->w[i - 1].cap && joined(s, i)) &&
                    !(i + 1 < s->n && s->w[i + 1].cap && joined(s, i + 1));
        bool q = quoted(s, i, i) || (i + 1 < s->n && s->w[i + 1].cap && quoted(s, i, i + 1));
        bool signed_initials = staff_initials(s, i);
        bool alias = after_alias(s, i) && !(f & MDT_LEX_C_STOP);
        if (alias)
            s->st[i] |= W_CUED;
        if ((f & MDT_LEX_GEO) && (f & MDT_LEX_NAMEWORD) && !after_title && !after_rel)
            mid_given = false; /* months: May, June, April */
        /* a quoted name ("Lily" at work) names the person wherever the
         * word comes up again, as a title or relation does */
        if (after_title || after_rel || (q && !(f & MDT_LEX_GEO)))
            s->st[i] |= W_CUED;
        if (after_title || after_rel || mid_given || geo_given || full || aged || lone ||
            signed_initials || alias || (q && !(f & MDT_LEX_GEO)))
            s->st[i] |= W_NAME;
    }
    /* names run on: "Gemma Hill", "Ray COOK", "Summer Hayes", "Kai H" */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 1; i < s->n; i++) {
            if ((s->st[i - 1] & W_NAME) && !(s->st[i] & (W_NAME | W_ADDR | W_PLACE)) &&
                joined(s, i) && (cap_candidate(s, i) || initial(s, i) || allowed_surname(s, i)) &&
                (!(s->lf[i] & (MDT_LEX_STREET | MDT_LEX_PLACE)) || key_in(s, i, MDT_LEX_C_WEAKST)))
                s->st[i] |= W_NAME;
        }
        for (size_t i = s->n; i-- > 1;) {
            /* in a note written in lower case: "partner is jordan kershaw" */
            if ((s->st[i] & W_NAME) && !s->w[i].cap && !s->w[i - 1].cap && joined(s, i) &&
                !(s->st[i - 1] & (W_NAME | W_ADDR | W_PLACE | W_STOP)) && usable(s, i - 1) &&
                (s->lf[i - 1] & (MDT_LEX_FIRST | MDT_LEX_NICK)) &&
                !(s->lf[i - 1] & (MDT_LEX_DICT | MDT_LEX_ALLOW))) {
                s->st[i - 1] |= W_NAME;
                continue;
            }
            /* a question's first word is no given name ("Can Abena help") */
            if ((s->st[i - 1] & W_SENT) && (s->lf[i - 1] & MDT_LEX_C_AUX))
                continue;
            if ((s->st[i] & W_NAME) && !(s->st[i - 1] & (W_NAME | W_ADDR | W_PLACE)) &&
                joined(s, i) && !(s->lf[i - 1] & (MDT_LEX_RELATION | MDT_LEX_TITLE)) &&
                ((cap_candidate(s, i - 1) && (s->lf[i - 1] & (MDT_LEX_FIRST | MDT_LEX_NAMEWORD |
                                                              MDT_LEX_NAME | MDT_LEX_NICK))) ||
                 initial(s, i - 1)))
                s->st[i - 1] |= W_NAME;
        }
    }
    /* a nickname in quotes between a given name and a surname, whatever
     * the word: "Kev 'Scouse' Rimmer" */
    for (size_t i = 1; i + 1 < s->n; i++)
        if ((s->st[i - 1] & W_NAME) && (s->st[i + 1] & W_NAME) && !(s->st[i] & W_NAME) &&
            usable(s, i) && !s->w[i].digit && quoted(s, i, i))
            s->st[i] |= W_NAME;
    /* a word followed by a relation in brackets, "with patience (aunt)",
     * "Drew (ex-partner)", "jade (social prescriber)": a name in any case */
    for (size_t i = 0; i + 1 < s->n; i++) {
        if (s->w[i + 1].start - s->w[i].end != 2 || s->text[s->w[i].end + 1] != '(')
            continue;
        if ((s->st[i] & (W_NAME | W_ADDR | W_PLACE)) || !usable(s, i) || s->w[i].digit ||
            s->w[i].possessive || (s->lf[i] & (MDT_LEX_C_STOP | MDT_LEX_RELATION | MDT_LEX_TITLE |
                                               MDT_LEX_ALLOW | MDT_LEX_UNIT)) ||
            s->w[i].end - s->w[i].start < 2)
            continue;
        /* after a determiner it is a word: "a joy (mum)" */
        if (i > 0 &&
            (key_is(s, i - 1, "a") || key_is(s, i - 1, "an") || key_is(s, i - 1, "the") ||
             key_is(s, i - 1, "no") || key_is(s, i - 1, "her") || key_is(s, i - 1, "his") ||
             key_is(s, i - 1, "their") || key_is(s, i - 1, "my") || key_is(s, i - 1, "our")) &&
            joined(s, i))
            continue;
        /* the relation, last of up to three words ("ex-partner" is one
         * word, "social prescriber" two) */
        size_t e = i + 1;
        while (e + 1 < s->n && e < i + 3 && joined(s, e + 1) && s->w[e].end < s->len &&
               s->text[s->w[e].end] != ')')
            e++;
        size_t a = s->w[i].end, b = s->w[i + 1].start;
        if (!(b - a == 2 && s->text[a] == ' ' && s->text[a + 1] == '(') ||
            s->w[e].end >= s->len || s->text[s->w[e].end] != ')' || !(s->lf[e] & MDT_LEX_RELATION))
            continue;
        s->st[i] |= W_NAME | W_CUED;
    }
    /* a nickname in brackets after a name: "ZHANG Hao (Harry)" names
     * Harry wherever he comes up, though "harry" is a word too */
    for (size_t i = 1; i < s->n; i++) {
        /* a town or country in brackets is where: "born in Dharan (Nepal)" */
        if ((s->st[i - 1] & W_NAME) && bracketed(s, i) && s->w[i].cap && usable(s, i) &&
            !s->w[i].digit && !(s->lf[i] & (MDT_LEX_ALLOW | MDT_LEX_TITLE | MDT_LEX_UNIT)) &&
            !((s->lf[i] & MDT_LEX_GEO) && !(s->lf[i] & MDT_LEX_FIRST)) &&
            !(s->st[i] & (W_ADDR | W_PLACE | W_GEOP)))
            s->st[i] |= W_NAME | W_CUED;
    }
    /* the same in lower case, after a name or a given name that is a
     * town too: "kerry (kez)", "callum (cal)" */
    for (size_t i = 1; i < s->n; i++)
        if (((s->st[i - 1] & W_NAME) || (s->lf[i - 1] & MDT_LEX_FIRST)) && bracketed(s, i) &&
            !s->w[i].cap && usable(s, i) && !(s->st[i] & (W_NAME | W_ADDR | W_PLACE | W_GEOP)) &&
            !s->w[i].digit && s->w[i].keylen >= 2 &&
            ((s->lf[i] & (MDT_LEX_FIRST | MDT_LEX_NICK)) ||
             !(s->lf[i] & ~(uint32_t)(MDT_LEX_PHRASE1 | MDT_LEX_PREFIX))) &&
            !(s->lf[i] & (MDT_LEX_ALLOW | MDT_LEX_GEO | MDT_LEX_RELATION | MDT_LEX_C_STOP)))
            s->st[i] |= W_NAME | W_CUED;
    /* a child's given name and age in a note typed in lower case: "kai
     * (15) and mason (9)" */
    for (size_t i = 0; i + 1 < s->n; i++) {
        const struct mdt_word *w = &s->w[i], *a = &s->w[i + 1];
        if (w->cap || !(s->lf[i] & MDT_LEX_FIRST) || (s->st[i] & (W_NAME | W_ADDR | W_PLACE)) ||
            !usable(s, i) || (s->lf[i] & (MDT_LEX_ALLOW | MDT_LEX_C_STOP | MDT_LEX_C_AUX)) ||
            key_is(s, i, "will") || !a->digit || a->end - a->start > 2 || a->start != w->end + 2 ||
            s->text[w->end] != ' ' || s->text[w->end + 1] != '(' || a->end >= s->len ||
            s->text[a->end] != ')')
            continue;
        s->st[i] |= W_NAME | W_CUED;
    }
    /* an email header's "From: Joy Marsh <...>", "To: Ray Cook": a name
     * of ordinary words when one of them is a given name and the line
     * ends or an address follows; "To: Housing Options <...>" stays */
    for (size_t i = 1; i < s->n; i++) {
        size_t a, b;
        if (!s->w[i - 1].cap || !(s->st[i - 1] & W_SENT) ||
            !(key_is(s, i - 1, "from") || key_is(s, i - 1, "to") || key_is(s, i - 1, "cc")))
            continue;
        gap(s, i, &a, &b);
        if (b - a != 2 || s->text[a] != ':')
            continue;
        size_t e = i;
        bool given = false, other = false;
        for (;;) {
            if (!s->w[e].cap || s->w[e].digit || !usable(s, e) ||
                (s->lf[e] & (MDT_LEX_ALLOW | MDT_LEX_TITLE | MDT_LEX_STREET | MDT_LEX_PLACE)) ||
                ((s->lf[e] & MDT_LEX_GEO) && !(s->lf[e] & MDT_LEX_FIRST)))
                other = true;
            if (s->lf[e] & (MDT_LEX_FIRST | MDT_LEX_NAMEWORD | MDT_LEX_NICK))
                given = true;
            if (e + 1 < s->n && e - i < 2 && joined(s, e + 1))
                e++;
            else
                break;
        }
        size_t q = s->w[e].end;
        while (q < s->len && s->text[q] == ' ')
            q++;
        if (!given || other || e == i ||
            !(q >= s->len || s->text[q] == '<' || s->text[q] == '(' || s->text[q] == '\n' ||
              s->text[q] == '\r'))
            continue;
        for (size_t k = i; k <= e; k++)
            s->st[k] |= W_NAME | W_CUED;
    }
    /* an email header's "From: Mason, Jo (Womens Aid)", "To: Khan, Aisha
     * <...>": the surname before a comma and the given name, though it
     * is an ordinary word */
    for (size_t i = 2; i < s->n; i++) {
        size_t a, b;
        if (!(s->st[i] & W_NAME) || !(s->lf[i] & MDT_LEX_FIRST) || (s->st[i - 1] & W_NAME) ||
            !cap_candidate(s, i - 1) || s->w[i - 1].possessive)
            continue;
        gap(s, i, &a, &b);
        if (b - a != 2 || s->text[a] != ',')
            continue;
        gap(s, i - 1, &a, &b);
        if (!(key_is(s, i - 2, "from") || key_is(s, i - 2, "to") || key_is(s, i - 2, "cc")) ||
            !s->w[i - 2].cap || b - a != 2 || s->text[a] != ':' || !(s->st[i - 2] & W_SENT))
            continue;
        size_t e = s->w[i].end;
        while (e < s->len && s->text[e] == ' ')
            e++;
        if (e >= s->len || s->text[e] == '(' || s->text[e] == '<' || s->text[e] == '\n' ||
            s->text[e] == '\r')
            s->st[i - 1] |= W_NAME | W_CUED;
    }
    /* "Y. Tesfamariam", "S.O'S": an initial and a full stop before a name */
    for (size_t i = 1; i < s->n; i++) {
        if ((s->st[i] & W_NAME) && initial(s, i - 1) && !(s->st[i - 1] & W_NAME) &&
            s->w[i].start - s->w[i - 1].end <= 2 && s->text[s->w[i - 1].end] == '.')
            s->st[i - 1] |= W_NAME;
    }
}

/* A small set of folded words, built per text. Every key is the key of
 * a word of the text, so its hash is the one the splitter computed. */
struct wordset {
    const char **k;
    size_t *l;
    const char **v; /* value: a surname key */
    size_t *vl;
    size_t mask, n;
};

static void ws_init(struct wordset *ws, size_t n)
{
    size_t cap = 16;
    while (cap < n * 2 + 2)
        cap *= 2;
    ws->mask = cap - 1;
    ws->n = 0;
    ws->k = mdt_xcalloc(cap, sizeof(*ws->k));
    ws->l = mdt_xcalloc(cap, sizeof(*ws->l));
    ws->v = mdt_xcalloc(cap, sizeof(*ws->v));
    ws->vl = mdt_xcalloc(cap, sizeof(*ws->vl));
}

static void ws_free(struct wordset *ws)
{
    free(ws->k);
    free(ws->l);
    free(ws->v);
    free(ws->vl);
}

/* The slot of word i's key in ws, or the empty one where it would go. */
static size_t ws_slot(const struct wordset *ws, const struct scan *s, size_t i)
{
    const char *k = key(s, i);
    size_t l = s->w[i].keylen;
    size_t j = s->w[i].hash & ws->mask;
    while (ws->k[j] && !(ws->l[j] == l && memcmp(ws->k[j], k, l) == 0))
        j = (j + 1) & ws->mask;
    return j;
}

/* Adds word i's key (when new) with value v; an existing value is kept. */
static void ws_put(struct wordset *ws, const struct scan *s, size_t i, const char *v, size_t vl)
{
    size_t j = ws_slot(ws, s, i);
    if (!ws->k[j]) {
        ws->k[j] = key(s, i);
        ws->l[j] = s->w[i].keylen;
        ws->v[j] = v;
        ws->vl[j] = vl;
        ws->n++;
    }
}

static bool ws_get(const struct wordset *ws, const struct scan *s, size_t i, const char **v,
                   size_t *vl)
{
    if (ws->n == 0)
        return false;
    size_t j = ws_slot(ws, s, i);
    if (!ws->k[j])
        return false;
    *v = ws->v[j];
    *vl = ws->vl[j];
    return true;
}

/* The surname of the name words b..e: the one ALL-CAPS word among mixed
 * case ones (NGUYEN Thi Lan), else the last word that is no initial. */
static size_t surname_of(const struct scan *s, size_t b, size_t e)
{
    size_t caps = 0, last = e, which = e;
    for (size_t k = b; k <= e; k++)
        if (s->w[k].allcaps) {
            caps++;
            which = k;
        }
    if (caps == 1 && e > b)
        return which;
    while (last > b && s->w[last].end - s->w[last].start == 1)
        last--;
    return last;
}

static size_t person_key2(const struct scan *s, size_t b, size_t ge, size_t e, char *out);

/* The key of the person named by words b..e, written to out (at least
 * the text's length): the given name and the surname ("karim haddad"), so
 * two relatives who share a surname are two people, and "Mary Jane
 * Smith" and "Mary Smith" are one. The given name is the first word of
 * two letters or more that is not the surname; without one, the surname
 * alone. Returns its length. */
static size_t person_key(const struct scan *s, size_t b, size_t e, char *out)
{
    return person_key2(s, b, e, e, out);
}

/* The same for a name split by a nickname in brackets: the given name
 * from b..ge, the surname from b..e. */
static size_t person_key2(const struct scan *s, size_t b, size_t ge, size_t e, char *out)
{
    size_t sn = surname_of(s, b, e), o = 0;
    for (size_t k = b; k <= ge; k++) {
        if (k == sn || s->w[k].end - s->w[k].start <= 1)
            continue;
        memcpy(out, key(s, k), s->w[k].keylen);
        o = s->w[k].keylen;
        out[o++] = ' ';
        break;
    }
    memcpy(out + o, key(s, sn), s->w[sn].keylen);
    return o + s->w[sn].keylen;
}

static void emit(struct scan *s)
{
    struct wordset fullname; /* name word -> surname key, from names of two words or more */
    struct wordset seen;     /* every name word */
    struct wordset lowseen;  /* name words named in lower case */
    size_t nn = 0;
    for (size_t i = 0; i < s->n; i++)
        nn += (s->st[i] & W_NAME) != 0;
    /* sized by the name words, not all words: clearing it is per text */
    ws_init(&fullname, nn);
    ws_init(&seen, nn);
    ws_init(&lowseen, nn);
    size_t nlow = 0;
    /* person keys ("karim haddad"), each at most the text's length */
    char *kbuf = mdt_xmalloc(s->len + 2);
    char *keys_arena = mdt_xmalloc(3 * s->len + 16);
    size_t arena_len = 0;

    /* first pass: full names, so "Karim" alone can take "haddad" */
    for (size_t i = 0; i < s->n;) {
        if (!(s->st[i] & W_NAME)) {
            i++;
            continue;
        }
        size_t e = i;
        while (e + 1 < s->n && (s->st[e + 1] & W_NAME) && (joined(s, e + 1) ||
               (initial(s, e) && s->w[e + 1].start - s->w[e].end <= 2)))
            e++;
        size_t words = 0;
        for (size_t k = i; k <= e; k++)
            words += s->w[k].end - s->w[k].start > 1;
        /* what is seen here is looked for everywhere else (across the whole
         * case): only words that name a person wherever they stand. A word
         * read as a name alone must be no ordinary word, town, service or
         * acronym ("Derby" after "from" stays a town elsewhere) unless a
         * title or relation names it ("son Jordan"); any word
         * of a full name counts ("Hill" of "Gemma Hill", "June" of "June
         * Reed"). */
        for (size_t k = i; k <= e; k++) {
            uint32_t f = s->lf[k];
            if (s->w[k].end - s->w[k].start <= 1)
                continue;
            if (words < 2 && !(s->st[k] & W_CUED) &&
                ((f & (MDT_LEX_DICT | MDT_LEX_GEO | MDT_LEX_ALLOW)) ||
                              s->w[k].allcaps || (s->st[k] & (W_GEOP | W_PROT))))
                continue;
            ws_put(&seen, s, k, NULL, 0);
            /* a name the writer spells in lower case ("his brother martin")
             * is looked for in lower case too */
            if ((s->st[k] & W_CUED) && !s->w[k].cap) {
                ws_put(&lowseen, s, k, NULL, 0);
                nlow++;
            }
        }
        if (words >= 2) {
            size_t kl = person_key(s, i, e, kbuf);
            /* the key lives as long as this call, in the arena */
            char *kk = keys_arena + arena_len;
            memcpy(kk, kbuf, kl);
            arena_len += kl;
            for (size_t k = i; k <= e; k++)
                if (s->w[k].end - s->w[k].start > 1)
                    ws_put(&fullname, s, k, kk, kl);
        }
        i = e + 1;
    }

    /* a nickname in brackets after a name, "Robert (Bobby) Jones", "ZHANG
     * Hao (Harry)": the same person, whatever the nickname is later */
    for (size_t i = 1; i + 1 < s->n; i++) {
        if (!(s->st[i] & W_NAME) || !(s->st[i - 1] & W_NAME) || !bracketed(s, i))
            continue;
        const char *v;
        size_t vl;
        size_t b = i - 1; /* the name before the bracket */
        while (b > 0 && (s->st[b - 1] & W_NAME) && joined(s, b))
            b--;
        size_t sn = surname_of(s, b, i - 1);
        if (!ws_get(&fullname, s, sn, &v, &vl)) {
            /* "Robert (Bobby) Jones": the name runs on after the bracket */
            size_t e = i + 1;
            if (!(s->st[e] & W_NAME) || s->text[s->w[e].start - 2] != ')')
                continue;
            while (e + 1 < s->n && (s->st[e + 1] & W_NAME) && joined(s, e + 1))
                e++;
            size_t kl = person_key2(s, b, i - 1, e, kbuf);
            char *kk = keys_arena + arena_len;
            memcpy(kk, kbuf, kl);
            arena_len += kl;
            v = kk;
            vl = kl;
            for (size_t k = i + 1; k <= e; k++)
                if (s->w[k].end - s->w[k].start > 1)
                    ws_put(&fullname, s, k, v, vl);
        }
        for (size_t k = b; k < i; k++)
            if (s->w[k].end - s->w[k].start > 1)
                ws_put(&fullname, s, k, v, vl);
        ws_put(&fullname, s, i, v, vl);
    }

    /* every other use of a name seen in full: "Kerry" after "Kerry Fisher";
     * ordinary words only when capitalised ("Hill", not "hill") */
    for (size_t i = 0; i < s->n; i++) {
        const char *v;
        size_t vl;
        if ((s->st[i] & (W_NAME | W_ADDR | W_PLACE | W_HOLDER)) || s->w[i].digit)
            continue;
        /* an ordinary word in lower case is the name only where it reads
         * as one: a possessive ("slept at mercy's"), before a verb of
         * saying or doing ("martin rang"), or when the writer named the
         * person in lower case; after a function word it is the word
         * again ("no hope", "her faith", "with grace", "at dawn")... */
        if ((s->lf[i] & MDT_LEX_DICT) && !s->w[i].cap) {
            if ((s->lf[i] & (MDT_LEX_C_STOP | MDT_LEX_C_AUX | MDT_LEX_C_LOC)) ||
                key_is(s, i, "will"))
                continue;
            bool poss = s->w[i].possessive;
            if (!poss && (nlow == 0 && !(i + 1 < s->n && key_in(s, i + 1, MDT_LEX_C_SUBJVERB))))
                continue;
            /* ...unless the writer named the person so in lower case:
             * "her son martin (18)", then "go to martin" */
            if (!poss && i > 0 && (s->st[i - 1] & W_STOP) && joined(s, i) &&
                !ws_get(&lowseen, s, i, &v, &vl))
                continue;
            if (!ws_get(&seen, s, i, &v, &vl))
                continue;
            if (!poss &&
                !(i + 1 < s->n && joined(s, i + 1) && key_in(s, i + 1, MDT_LEX_C_SUBJVERB)) &&
                !ws_get(&lowseen, s, i, &v, &vl))
                continue;
        } else if (!ws_get(&seen, s, i, &v, &vl)) {
            continue;
        }
        /* a service's name, or a country's, keeps its words: "Sri Lanka"
         * after "Sri Murugan Kovil" */
        if (s->st[i] & (W_PROT | W_GEOP))
            continue;
        /* an allow-listed word stays elsewhere: "ED" after "her son Ed",
         * "converted to Islam" after "Rafiq Islam" */
        if ((s->lf[i] & MDT_LEX_ALLOW_CAPS) && (s->lf[i] & MDT_LEX_ALLOW))
            continue;
        if (allowed_surname(s, i) && !(i > 0 && (s->st[i - 1] & W_NAME) && joined(s, i)))
            continue;
        s->st[i] |= W_NAME;
    }

    /* an initial before a name found only now: "J Marsh, HR" after "Joy
     * Marsh" */
    for (size_t i = 1; i < s->n; i++)
        if ((s->st[i] & W_NAME) && !(s->st[i - 1] & (W_NAME | W_ADDR | W_PLACE)) &&
            initial(s, i - 1) && (joined(s, i) || title_gap(s, i)) &&
            !(s->lf[i - 1] & (MDT_LEX_TITLE | MDT_LEX_RELATION)))
            s->st[i - 1] |= W_NAME;

    for (size_t i = 0; i < s->n;) {
        uint16_t m = s->st[i] & (W_NAME | W_ADDR | W_PLACE);
        if (!m) {
            i++;
            continue;
        }
        if (m & W_ADDR)
            m = W_ADDR;
        else if (m & W_PLACE)
            m = W_PLACE;
        size_t e = i;
        for (;;) {
            if (e + 1 >= s->n || !(s->st[e + 1] & m))
                break;
            if (m == W_NAME && (s->st[e + 1] & (W_ADDR | W_PLACE)))
                break;
            bool join = joined(s, e + 1) ||
                        (m == W_NAME && initial(s, e) && s->w[e + 1].start - s->w[e].end <= 2);
            if (m != W_NAME && !join) {
                /* addresses and places may hold commas and connectors */
                size_t a = s->w[e].end, b = s->w[e + 1].start;
                join = b - a <= 3;
                for (size_t k = a; k < b && join; k++)
                    join = s->text[k] == ' ' || s->text[k] == ',' || s->text[k] == '&' ||
                           s->text[k] == '\'';
                join = join || (m == W_PLACE && pub_possessive(s, e + 1));
            }
            if (!join)
                break;
            e++;
        }
        size_t end = s->w[e].end;
        if (m == W_ADDR) {
            mdt__spans_add(s->out_spans, s->w[i].start, end, MDT_KIND_ADDRESS, MDT_PRIO_CONTEXT, NULL);
        } else if (m == W_PLACE) {
            mdt__spans_add(s->out_spans, s->w[i].start, end, MDT_KIND_PLACE, MDT_PRIO_CONTEXT, NULL);
        } else {
            /* a village after "in", "near": a place, unless it is a given name */
            bool loc = i > 0 && key_in(s, i - 1, MDT_LEX_C_LOC) && !key_is(s, i - 1, "to") &&
                       !key_is(s, i - 1, "of") && !key_is(s, i - 1, "from");
            for (size_t k = i; k <= e && loc; k++)
                if (s->lf[k] & (MDT_LEX_FIRST | MDT_LEX_NICK) || s->w[k].allcaps ||
                    s->w[k].end - s->w[k].start == 1)
                    loc = false;
            if (loc) {
                mdt__spans_add(s->out_spans, s->w[i].start, end, MDT_KIND_PLACE, MDT_PRIO_CONTEXT,
                               NULL);
            } else {
                size_t words = 0, kl;
                for (size_t k = i; k <= e; k++)
                    words += s->w[k].end - s->w[k].start > 1;
                if (words >= 2) {
                    kl = person_key(s, i, e, kbuf);
                } else if (words == 0 && e > i) {
                    /* initials only ("J.B."): all of them, so that J.B.
                     * and J.K. are two people */
                    kl = 0;
                    for (size_t k = i; k <= e; k++)
                        kbuf[kl++] = key(s, k)[0];
                } else {
                    /* one word: the person whose full name holds it
                     * ("Karim", "Mr Haddad"), else the word itself */
                    size_t sn = surname_of(s, i, e);
                    const char *v = key(s, sn);
                    size_t vl = s->w[sn].keylen;
                    const char *v2;
                    size_t vl2;
                    if (ws_get(&fullname, s, sn, &v2, &vl2)) {
                        v = v2;
                        vl = vl2;
                    }
                    memcpy(kbuf, v, vl);
                    kl = vl;
                }
                kbuf[kl] = '\0';
                mdt__spans_add(s->out_spans, s->w[i].start, end, MDT_KIND_PERSON, MDT_PRIO_CONTEXT,
                               kbuf);
            }
        }
        i = e + 1;
    }
    free(kbuf);
    free(keys_arena);
    ws_free(&fullname);
    ws_free(&seen);
    ws_free(&lowseen);
}

void mdt__names_add_classes(struct mdt_lexicons *lex)
{
    static const struct {
        const char *const *words;
        uint32_t flag;
    } classes[] = {
        {stop_words, MDT_LEX_C_STOP},       {subject_verbs, MDT_LEX_C_SUBJVERB},
        {locatives, MDT_LEX_C_LOC},         {work_words, MDT_LEX_C_WORK},
        {weak_street, MDT_LEX_C_WEAKST},    {law_court, MDT_LEX_C_LAWCOURT},
        {institutions, MDT_LEX_C_INSTIT},   {aux_verbs, MDT_LEX_C_AUX},
        {hospitals, MDT_LEX_C_HOSP},       {lang_before, MDT_LEX_C_LANGB},
        {lang_after, MDT_LEX_C_LANGA},
    };
    for (size_t c = 0; c < sizeof(classes) / sizeof(classes[0]); c++)
        for (const char *const *w = classes[c].words; *w; w++)
            mdt__lex_add(lex, *w, strlen(*w), classes[c].flag);
}

void mdt__detect_names(const struct mdt_scrub_ctx *ctx, const char *text, size_t len,
                       struct mdt_spans *out)
{
    struct scan s = {.text = text, .len = len, .lex = ctx ? ctx->lex : NULL, .out_spans = out};

    if (!text || len == 0 || !s.lex)
        return;
    s.n = mdt__words(text, len, &s.w, &s.keys);
    s.lf = mdt_xcalloc(s.n + 1, sizeof(*s.lf));
    s.st = mdt_xcalloc(s.n + 1, sizeof(*s.st));
    for (size_t i = 0; i < s.n; i++) {
        s.lf[i] = mdt__lex_word_flags(s.lex, &s.w[i], s.keys);
        if (!(s.lf[i] & MDT_LEX_ALLOW))
            s.lf[i] |= acronym_head(&s, i);
        if (!(s.lf[i] & (MDT_LEX_DICT | MDT_LEX_GEO | MDT_LEX_ALLOW)))
            s.lf[i] |= hyphened_words(&s, i);
        if (sentence_start(&s, i))
            s.st[i] |= W_SENT;
        if (s.lf[i] & MDT_LEX_C_STOP)
            s.st[i] |= W_STOP;
        if ((unsigned char)text[s.w[i].start] >= 0xC0 && script_word(&s, i))
            s.st[i] |= W_SCRIPT;
        /* placeholder words: "[PERSON-1]" is one word, "[AGE-90+]" too */
        if (s.w[i].start > 0 && text[s.w[i].start - 1] == '[' && placeholder_word(&s, i))
            s.st[i] |= W_HOLDER;
    }
    mark_phrases(&s);
    protect_institutions(&s);
    protect_languages(&s);
    find_addresses(&s);
    find_places(&s);
    find_names(&s);
    emit(&s);
    free(s.w);
    free(s.keys);
    free(s.lf);
    free(s.st);
}
