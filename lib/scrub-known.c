/* The client block's own identifiers found in the free text in every
 * form: the name in any case, each part alone, short forms (Patricia ->
 * pat), initials (VA, "Kai H", "S.O'S"), misspellings within a small edit
 * distance, diacritics folded (Yilmaz = Yılmaz); the NHS number, phone and
 * postcode with any spacing or dashes; the date of birth in any common
 * written or numeric form; the email; the parts of the address. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexicon.h"
#include "scrub-internal.h"
#include "xmalloc.h"

struct target {
    char **w;   /* folded words */
    size_t n;
    enum mdt_kind kind;
    bool fuzzy; /* one word: allow a small edit distance */
    int role;   /* ROLE_*: which part of the client's name a word is */
};

enum {
    ROLE_NONE = 0,
    ROLE_GIVEN,  /* the given name, its halves and short forms */
    ROLE_FAMILY, /* the family name */
};

struct mdt_known {
    const struct mdt_lexicons *lex;
    int role_next; /* role of the targets being added */
    struct target *t;
    size_t nt, at;
    char initials[3][16]; /* upper-case initials of the name: "VA", "AMM" */
    char first_initial, last_initial;
    char given[64]; /* the folded given name, for misspellings of it */
    char nhs[16], phone[16], postcode[16], dob_iso[16];
    int dob_d, dob_m, dob_y;
    char *email, *email_local;
};

static const char *const particles[] = {
    "van", "thi", "de", "da", "di", "la", "le", "al", "el", "bin", "bint", "ben", "abu", "von",
    "der", "den", "du", "dos", "das", "mac", "o", "st", NULL,
};

static const struct {
    const char *full, *abbr;
} street_abbr[] = {
    {"court", "ct"},   {"road", "rd"},      {"street", "st"},  {"house", "hse"}, {"avenue", "ave"},
    {"close", "cl"},   {"crescent", "cres"}, {"drive", "dr"},  {"gardens", "gdns"},
    {"terrace", "terr"}, {"terrace", "tce"}, {"lane", "ln"},   {"place", "pl"},  {"square", "sq"},
    {"grove", "gr"},   {"parade", "pde"},   {"apartment", "apt"}, {"room", "rm"},
};

static void add_target(struct mdt_known *k, char **w, size_t n, enum mdt_kind kind, bool fuzzy)
{
    if (n == 0)
        return;
    if (k->nt == k->at) {
        k->at = k->at ? k->at * 2 : 16;
        k->t = mdt_xreallocarray(k->t, k->at, sizeof(*k->t));
    }
    k->t[k->nt].w = mdt_xreallocarray(NULL, n, sizeof(char *));
    for (size_t i = 0; i < n; i++)
        k->t[k->nt].w[i] = mdt_xstrdup(w[i]);
    k->t[k->nt].n = n;
    k->t[k->nt].kind = kind;
    k->t[k->nt].fuzzy = fuzzy;
    k->t[k->nt].role = k->role_next;
    k->nt++;
}

static void add_word(struct mdt_known *k, const char *s, size_t n, enum mdt_kind kind, bool fuzzy)
{
    char *w = mdt_xstrndup(s, n);
    add_target(k, &w, 1, kind, fuzzy);
    free(w);
}

static bool in_set(const char *w, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(w, *set) == 0)
            return true;
    return false;
}

/* Only the digits (and, for postcodes, letters) of s, upper-cased. */
static void squeeze(const char *s, char *out, size_t cap, bool letters)
{
    size_t o = 0;
    for (; s && *s && o + 1 < cap; s++) {
        char c = *s;
        if (c >= '0' && c <= '9')
            out[o++] = c;
        else if (letters && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            out[o++] = (char)(c & ~0x20);
    }
    out[o] = '\0';
}

static void add_name(struct mdt_known *k, const char *name)
{
    struct mdt_word *w;
    char *keys;
    size_t n = mdt__words(name, strlen(name), &w, &keys);
    char *parts[8];
    size_t np = 0;

    for (size_t i = 0; i < n && np < 8; i++)
        parts[np++] = mdt_xstrndup(keys + w[i].key, w[i].keylen);
    if (np >= 2)
        add_target(k, parts, np, MDT_KIND_CLIENT, false);
    /* which part is the given name and which the family name: the family
     * name is the one in capitals among mixed case ones (NGUYEN Thi Lan),
     * else the last; the given name the first other part */
    size_t fam = np ? np - 1 : 0, given = 0;
    {
        size_t caps = 0, which = 0;
        for (size_t i = 0; i < n && i < np; i++)
            if (w[i].allcaps) {
                caps++;
                which = i;
            }
        if (caps == 1 && np >= 2)
            fam = which;
        given = fam == 0 ? 1 : 0;
        while (given < np && given != fam && in_set(parts[given], particles))
            given++;
        if (np >= 2 && given < np && given != fam) {
            size_t gl = strlen(parts[given]);
            if (gl < sizeof(k->given)) {
                memcpy(k->given, parts[given], gl);
                k->given[gl] = '\0';
            }
        }
    }
    for (size_t i = 0; i < np; i++) {
        size_t l = strlen(parts[i]);
        if (l < 2 || in_set(parts[i], particles))
            continue;
        k->role_next = np < 2 ? ROLE_NONE : i == fam ? ROLE_FAMILY : i == given ? ROLE_GIVEN
                                                                                : ROLE_NONE;
        add_word(k, parts[i], l, MDT_KIND_CLIENT, l >= 6);
        /* O'Sullivan written O'S */
        char *ap = strchr(parts[i], '\'');
        if (ap && ap[1])
            add_word(k, parts[i], (size_t)(ap - parts[i]) + 2, MDT_KIND_CLIENT, false);
        /* a hyphenated name's halves: Ellie-Mae */
        char *hy = strchr(parts[i], '-');
        if (hy) {
            add_word(k, parts[i], (size_t)(hy - parts[i]), MDT_KIND_CLIENT, false);
            add_word(k, hy + 1, strlen(hy + 1), MDT_KIND_CLIENT, false);
        }
        /* the given name made fond: Dawn "dawny", "dawnie" */
        if (i == given && np >= 2 && l >= 3 && l + 3 < 64) {
            static const char *const ends[] = {"y", "ie", NULL};
            for (const char *const *x = ends; *x; x++) {
                char d[64];
                size_t dl = (size_t)snprintf(d, sizeof(d), "%s%s", parts[i], *x);
                uint32_t f = mdt__lex_flags(k->lex, d, dl);
                if (!(f & (MDT_LEX_DICT | MDT_LEX_GEO | MDT_LEX_ALLOW)) || (f & MDT_LEX_FIRST))
                    add_word(k, d, dl, MDT_KIND_CLIENT, false);
            }
        }
        /* the given name cut short, as friends say it: Callum "cal",
         * Jessica "jess", Christopher "chris"; three to five letters that
         * are a given name or no word at all ("christ" is a word) */
        if (i == given && np >= 2)
            for (size_t pl = 3; pl + 1 < l && pl <= 5; pl++) {
                uint32_t f = mdt__lex_flags(k->lex, parts[i], pl);
                bool given_like = (f & (MDT_LEX_FIRST | MDT_LEX_NICK)) || !(f & MDT_LEX_DICT);
                if (given_like && !(f & (MDT_LEX_GEO | MDT_LEX_ALLOW)) && parts[i][pl - 1] != '-' &&
                    parts[i][pl - 1] != '\'')
                    add_word(k, parts[i], pl, MDT_KIND_CLIENT, false);
            }
        const char *sf = mdt__lex_short_forms(k->lex, parts[i], l);
        while (sf && *sf) {
            const char *e = strchr(sf, ' ');
            size_t sl = e ? (size_t)(e - sf) : strlen(sf);
            add_word(k, sf, sl, MDT_KIND_CLIENT, false);
            sf = e ? e + 1 : sf + sl;
        }
    }
    k->role_next = ROLE_NONE;
    /* initials: all parts, and first and last */
    size_t a = 0, b = 0;
    for (size_t i = 0; i < np && a < 15; i++)
        if (!in_set(parts[i], particles) && parts[i][0] >= 'a' && parts[i][0] <= 'z')
            k->initials[0][a++] = (char)(parts[i][0] & ~0x20);
    k->initials[0][a] = '\0';
    if (np >= 2) {
        k->initials[1][b++] = (char)(parts[0][0] & ~0x20);
        k->initials[1][b++] = (char)(parts[np - 1][0] & ~0x20);
        k->initials[1][b] = '\0';
        /* family name first (NGUYEN Thi Lan): given name then family name */
        k->initials[2][0] = (char)(parts[np - 1][0] & ~0x20);
        k->initials[2][1] = (char)(parts[0][0] & ~0x20);
        k->initials[2][2] = '\0';
        k->first_initial = (char)(parts[0][0] & ~0x20);
        k->last_initial = (char)(parts[np - 1][0] & ~0x20);
    }
    for (size_t i = 0; i < np; i++)
        free(parts[i]);
    free(w);
    free(keys);
}

/* Address parts: "Flat 2, 41 Cartergate Court, Grimsby" gives "flat 2",
 * "cartergate court" (also "cartergate ct"), "cartergate"; towns are
 * left alone. */
static void add_address(struct mdt_known *k, const char *addr)
{
    const char *p = addr;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        struct mdt_word *w;
        char *keys;
        size_t n = mdt__words(p, l, &w, &keys);
        char *ws[12];
        size_t nw = 0;
        for (size_t i = 0; i < n && nw < 12; i++)
            ws[nw++] = mdt_xstrndup(keys + w[i].key, w[i].keylen);
        if (nw > 0) {
            uint32_t f1 = mdt__lex_flags(k->lex, ws[0], strlen(ws[0]));
            char joined[256];
            size_t jl = 0;
            for (size_t i = 0; i < nw && jl + strlen(ws[i]) + 2 < sizeof(joined); i++) {
                if (i)
                    joined[jl++] = ' ';
                memcpy(joined + jl, ws[i], strlen(ws[i]));
                jl += strlen(ws[i]);
            }
            uint32_t fall = mdt__lex_flags(k->lex, joined, jl);
            if ((fall & MDT_LEX_GEO) || ((f1 & MDT_LEX_GEO) && nw == 1) ||
                strcmp(ws[0], "nfa") == 0 || strcmp(ws[0], "c") == 0) {
                /* a town or county: not identifying */
            } else if (f1 & MDT_LEX_UNIT) {
                add_target(k, ws, nw, MDT_KIND_ADDRESS, false);
            } else {
                size_t s0 = 0;
                while (s0 < nw && w[s0].digit)
                    s0++;
                add_target(k, ws, nw, MDT_KIND_ADDRESS, false);
                if (s0 > 0 && s0 < nw)
                    add_target(k, ws + s0, nw - s0, MDT_KIND_ADDRESS, false);
                /* the street with its suffix abbreviated, or spelt out */
                if (nw - s0 >= 2) {
                    char *last = ws[nw - 1];
                    for (size_t a = 0; a < sizeof(street_abbr) / sizeof(street_abbr[0]); a++) {
                        const char *alt = NULL;
                        if (strcmp(last, street_abbr[a].full) == 0)
                            alt = street_abbr[a].abbr;
                        else if (strcmp(last, street_abbr[a].abbr) == 0)
                            alt = street_abbr[a].full;
                        if (!alt)
                            continue;
                        ws[nw - 1] = (char *)alt;
                        add_target(k, ws + s0, nw - s0, MDT_KIND_ADDRESS, false);
                        ws[nw - 1] = last;
                    }
                }
                /* its distinctive words alone: "lives on Cartergate" */
                for (size_t i = s0; i < nw; i++) {
                    uint32_t f = mdt__lex_flags(k->lex, ws[i], strlen(ws[i]));
                    if (strlen(ws[i]) >= 4 && !(f & (MDT_LEX_DICT | MDT_LEX_GEO | MDT_LEX_STREET |
                                                      MDT_LEX_UNIT | MDT_LEX_ALLOW)))
                        add_word(k, ws[i], strlen(ws[i]),
                                 nw - s0 == 1 ? MDT_KIND_PLACE : MDT_KIND_ADDRESS, false);
                }
            }
        }
        for (size_t i = 0; i < nw; i++)
            free(ws[i]);
        free(w);
        free(keys);
        p += l;
        if (*p == ',')
            p++;
    }
}

struct mdt_known *mdt__known_new(const struct mdt_scrub_ctx *ctx, const struct mdt_client *c)
{
    struct mdt_known *k = mdt_xcalloc(1, sizeof(*k));
    k->lex = ctx ? ctx->lex : NULL;
    if (!c)
        return k;
    if (c->name)
        add_name(k, c->name);
    if (c->address)
        add_address(k, c->address);
    squeeze(c->nhs_number, k->nhs, sizeof(k->nhs), false);
    squeeze(c->phone, k->phone, sizeof(k->phone), false);
    squeeze(c->postcode, k->postcode, sizeof(k->postcode), true);
    if (c->date_of_birth && strlen(c->date_of_birth) == 10 &&
        sscanf(c->date_of_birth, "%4d-%2d-%2d", &k->dob_y, &k->dob_m, &k->dob_d) != 3)
        k->dob_y = 0;
    if (c->email && strlen(c->email) >= 3) {
        k->email = mdt_xstrdup(c->email);
        const char *at = strchr(c->email, '@');
        if (at && at - c->email >= 5)
            k->email_local = mdt_xstrndup(c->email, (size_t)(at - c->email));
    }
    return k;
}

void mdt__known_add_age(struct mdt_known *k, unsigned age)
{
    char d[8];
    int n = snprintf(d, sizeof(d), "%u", age);
    k->role_next = ROLE_NONE;
    add_word(k, d, (size_t)n, MDT_KIND_AGE_90, false);
}

/* The number of word w reads as a count or an age, not as money, a
 * measure or part of a longer number ("£94", "94%", "94/60", "94.5"). */
static bool bare_number(const char *t, size_t len, const struct mdt_word *w)
{
    unsigned char before = w->start > 0 ? (unsigned char)t[w->start - 1] : ' ';
    unsigned char after = w->end < len ? (unsigned char)t[w->end] : ' ';
    unsigned char next = w->end + 1 < len ? (unsigned char)t[w->end + 1] : ' ';
    if (before == 0xA3 /* the second byte of £ */ || (before && strchr("$/.:#-+=<>~", before)))
        return false;
    if (after == '%' || after == '/')
        return false;
    return !((after == '.' || after == ',' || after == ':') && next >= '0' && next <= '9');
}

void mdt__known_free(struct mdt_known *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->nt; i++) {
        for (size_t j = 0; j < k->t[i].n; j++)
            free(k->t[i].w[j]);
        free(k->t[i].w);
    }
    free(k->t);
    free(k->email);
    free(k->email_local);
    free(k);
}

/* Edit distance of a and b when at most max, else max + 1. */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb, size_t max)
{
    size_t prev[64], cur[64];
    if (la >= 63 || lb >= 63)
        return max + 1;
    if ((la > lb ? la - lb : lb - la) > max)
        return max + 1;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        size_t best = cur[0];
        for (size_t j = 1; j <= lb; j++) {
            size_t c = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < c)
                c = prev[j] + 1;
            if (cur[j - 1] + 1 < c)
                c = cur[j - 1] + 1;
            cur[j] = c;
            if (c < best)
                best = c;
        }
        if (best > max)
            return max + 1;
        memcpy(prev, cur, (lb + 1) * sizeof(size_t));
    }
    return prev[lb];
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Numbers written with any spacing or dashes: from each digit that starts a
 * number, read digits across single separators; a match of the NHS number,
 * or of the phone's last ten digits (with 0, 44 or 440 before them). */
static void find_numbers(const struct mdt_known *k, const char *t, size_t len, struct mdt_spans *out)
{
    size_t nl = strlen(k->nhs), pl = strlen(k->phone);
    const char *ptail = pl >= 10 ? k->phone + pl - 10 : NULL;
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(t[i]) || (i > 0 && is_alnum(t[i - 1])))
            continue;
        size_t start = i;
        if (i > 0 && t[i - 1] == '+')
            start = i - 1;
        char d[24];
        size_t dl = 0, j = i, end = i;
        while (j < len && dl < 20) {
            if (is_digit(t[j])) {
                d[dl++] = t[j++];
                end = j;
                d[dl] = '\0';
                if (nl == 10 && dl == 10 && memcmp(d, k->nhs, 10) == 0 &&
                    (j >= len || !is_digit(t[j])))
                    mdt__spans_add(out, start, end, MDT_KIND_NHS_NUMBER, MDT_PRIO_KNOWN, NULL);
                if (ptail && dl >= 10 && memcmp(d + dl - 10, ptail, 10) == 0 &&
                    (dl == 10 || (dl == 11 && d[0] == '0') ||
                     (dl == 12 && memcmp(d, "44", 2) == 0) ||
                     (dl == 13 && memcmp(d, "440", 3) == 0)) &&
                    (j >= len || !is_digit(t[j])))
                    mdt__spans_add(out, start, end, MDT_KIND_PHONE, MDT_PRIO_KNOWN, NULL);
                continue;
            }
            /* one separator between digits: space, dash, dot, brackets */
            size_t s = j;
            while (s < len && s - j < 3 &&
                   (t[s] == ' ' || t[s] == '-' || t[s] == '.' || t[s] == '(' || t[s] == ')'))
                s++;
            if (s == j || s >= len || !is_digit(t[s]))
                break;
            j = s;
        }
        i = end > i ? end - 1 : i;
    }
}

static void find_postcode(const struct mdt_known *k, const char *t, size_t len,
                          struct mdt_spans *out)
{
    size_t pl = strlen(k->postcode);
    if (pl < 5)
        return;
    for (size_t i = 0; i < len; i++) {
        if (!is_alnum(t[i]) || (i > 0 && is_alnum(t[i - 1])))
            continue;
        size_t j = i, m = 0;
        int spaces = 0;
        while (j < len && m < pl) {
            if (is_alnum(t[j])) {
                if ((char)(t[j] >= 'a' && t[j] <= 'z' ? t[j] & ~0x20 : t[j]) != k->postcode[m])
                    break;
                m++;
                j++;
            } else if (t[j] == ' ' && spaces < 2) {
                spaces++;
                j++;
            } else {
                break;
            }
        }
        if (m == pl && (j >= len || !is_alnum(t[j])))
            mdt__spans_add(out, i, j, MDT_KIND_POSTCODE, MDT_PRIO_KNOWN, NULL);
    }
}

static const char *const months[12][2] = {
    {"jan", "january"}, {"feb", "february"}, {"mar", "march"},     {"apr", "april"},
    {"may", "may"},     {"jun", "june"},     {"jul", "july"},      {"aug", "august"},
    {"sep", "september"}, {"oct", "october"}, {"nov", "november"}, {"dec", "december"},
};

static int month_of(const char *w, size_t l)
{
    for (int m = 0; m < 12; m++)
        if ((l == 3 && memcmp(w, months[m][0], 3) == 0) ||
            (l == strlen(months[m][1]) && memcmp(w, months[m][1], l) == 0) ||
            (l == 4 && m == 8 && memcmp(w, "sept", 4) == 0))
            return m + 1;
    return 0;
}

static bool year_is(const struct mdt_known *k, const char *s, size_t l)
{
    int y = 0;
    /* only two or four digits can be a year: a longer run would overflow */
    if (l != 2 && l != 4)
        return false;
    for (size_t i = 0; i < l; i++)
        y = y * 10 + (s[i] - '0');
    return (l == 4 && y == k->dob_y) || (l == 2 && y == k->dob_y % 100);
}

static int num(const char *s, size_t l)
{
    int v = 0;
    for (size_t i = 0; i < l && i < 4; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* The date of birth as numbers (14.03.87, 14/3/1987, 1987-03-14) or words
 * (14th March 1987, March 14 1987, 14-Mar-87, 14th of March 1987). Works on
 * the word list: numbers are words too. */
static void find_dob(const struct mdt_known *k, const char *t, size_t len, const struct mdt_word *w,
                     const char *keys, size_t n, struct mdt_spans *out)
{
    (void)len;
    if (!k->dob_y)
        return;
    for (size_t i = 0; i < n; i++) {
        const char *ki = keys + w[i].key;
        size_t li = w[i].keylen;
        /* numeric: three numbers joined by one same separator */
        if (w[i].digit && i + 2 < n && w[i + 1].digit && w[i + 2].digit) {
            size_t g1 = w[i + 1].start - w[i].end, g2 = w[i + 2].start - w[i + 1].end;
            char s1 = t[w[i].end], s2 = t[w[i + 1].end];
            if (g1 == 1 && g2 == 1 && s1 == s2 && (s1 == '/' || s1 == '.' || s1 == '-' || s1 == ' ')) {
                const char *a = ki, *b = keys + w[i + 1].key, *c = keys + w[i + 2].key;
                size_t la = li, lb = w[i + 1].keylen, lc = w[i + 2].keylen;
                bool dmy = la <= 2 && lb <= 2 && num(a, la) == k->dob_d && num(b, lb) == k->dob_m &&
                           year_is(k, c, lc);
                bool mdy = la <= 2 && lb <= 2 && num(a, la) == k->dob_m && num(b, lb) == k->dob_d &&
                           year_is(k, c, lc) && s1 != ' ';
                bool ymd = la == 4 && year_is(k, a, la) && num(b, lb) == k->dob_m &&
                           num(c, lc) == k->dob_d && lc <= 2;
                if (dmy || mdy || ymd) {
                    mdt__spans_add(out, w[i].start, w[i + 2].end, MDT_KIND_DATE, MDT_PRIO_KNOWN, NULL);
                    continue;
                }
            }
        }
        /* one hyphenated word: 14-03-1987, 1987-03-14, 14-Mar-87 */
        if (memchr(ki, '-', li) && w[i].digit) {
            const char *p[3];
            size_t pl[3], np = 0, a = 0;
            for (size_t q = 0; q <= li && np < 4; q++) {
                if (q == li || ki[q] == '-') {
                    if (np < 3) {
                        p[np] = ki + a;
                        pl[np] = q - a;
                    }
                    np++;
                    a = q + 1;
                }
            }
            if (np == 3) {
                int mo = month_of(p[1], pl[1]);
                bool dig0 = pl[0] && is_digit(p[0][0]), dig2 = pl[2] && is_digit(p[2][0]);
                bool hit = false;
                if (dig0 && dig2 && mo)
                    hit = pl[0] <= 2 && num(p[0], pl[0]) == k->dob_d && mo == k->dob_m &&
                          year_is(k, p[2], pl[2]);
                else if (dig0 && dig2 && pl[1] && is_digit(p[1][0]))
                    hit = (pl[0] <= 2 && num(p[0], pl[0]) == k->dob_d &&
                           num(p[1], pl[1]) == k->dob_m && year_is(k, p[2], pl[2])) ||
                          (pl[0] == 4 && year_is(k, p[0], 4) && num(p[1], pl[1]) == k->dob_m &&
                           pl[2] <= 2 && num(p[2], pl[2]) == k->dob_d);
                if (hit) {
                    mdt__spans_add(out, w[i].start, w[i].end, MDT_KIND_DATE, MDT_PRIO_KNOWN, NULL);
                    continue;
                }
            }
        }
        /* written: [day][st|nd|rd|th] [of] Month [day][,] year */
        if (w[i].digit || month_of(ki, li)) {
            size_t j = i;
            int d = 0, m = 0;
            bool yr = false;
            for (int steps = 0; j < n && steps < 5 && w[j].start - w[i].start < 40; steps++, j++) {
                const char *kj = keys + w[j].key;
                size_t lj = w[j].keylen;
                int mm;
                if (w[j].digit) {
                    size_t dl = 0;
                    while (dl < lj && is_digit(kj[dl]))
                        dl++;
                    bool suffix = lj - dl == 2 && (memcmp(kj + dl, "st", 2) == 0 ||
                                                   memcmp(kj + dl, "nd", 2) == 0 ||
                                                   memcmp(kj + dl, "rd", 2) == 0 ||
                                                   memcmp(kj + dl, "th", 2) == 0);
                    if (dl == lj && (dl == 4 || (dl == 2 && m && d)) && year_is(k, kj, dl)) {
                        yr = true;
                        break;
                    }
                    if ((dl == lj || suffix) && dl <= 2 && !d)
                        d = num(kj, dl);
                    else
                        break;
                } else if ((mm = month_of(kj, lj)) != 0 && !m) {
                    m = mm;
                } else if (!(lj == 2 && memcmp(kj, "of", 2) == 0)) {
                    break;
                }
            }
            if (yr && d == k->dob_d && m == k->dob_m)
                mdt__spans_add(out, w[i].start, w[j].end, MDT_KIND_DATE, MDT_PRIO_KNOWN, NULL);
        }
    }
}

static void find_email(const struct mdt_known *k, const char *t, size_t len, struct mdt_spans *out)
{
    const char *needles[2] = {k->email, k->email_local};
    for (int q = 0; q < 2; q++) {
        const char *e = needles[q];
        if (!e)
            continue;
        size_t el = strlen(e);
        for (size_t i = 0; i + el <= len; i++) {
            if (strncasecmp(t + i, e, el) != 0)
                continue;
            if ((i > 0 && is_alnum(t[i - 1])) || (i + el < len && is_alnum(t[i + el])))
                continue;
            mdt__spans_add(out, i, i + el, MDT_KIND_EMAIL, MDT_PRIO_KNOWN, NULL);
        }
    }
}

/* Is the folded word w one of the client's names: a part, a short form,
 * or (for the given name) a misspelling of it? */
static bool client_word(const struct mdt_known *k, const char *w, size_t l)
{
    for (size_t t = 0; t < k->nt; t++) {
        const struct target *tg = &k->t[t];
        if (tg->kind != MDT_KIND_CLIENT || tg->n != 1)
            continue;
        size_t tl = strlen(tg->w[0]);
        if (tl == l && memcmp(tg->w[0], w, l) == 0)
            return true;
        if (tg->fuzzy && l >= 5 && w[0] == tg->w[0][0] &&
            edit_distance(w, l, tg->w[0], tl, tl >= 8 ? 2 : 1) <= (tl >= 8 ? 2u : 1u))
            return true;
    }
    size_t gl = strlen(k->given);
    /* Fayth for Faith, Mohammed for Muhammad: one edit (two when long) */
    if (gl >= 4 && l >= 4 && w[0] == k->given[0] &&
        edit_distance(w, l, k->given, gl, gl >= 7 ? 2 : 1) <= (gl >= 7 ? 2u : 1u))
        return true;
    return false;
}

/* Word j, next to a match of the client's family name (or given name) at
 * word i, makes the pair another person's full name: "Sister Abena Asante"
 * is not the client Faith Asante, nor is "Faith Mensah". j must be joined
 * to i by one blank, capitalised, a name, and none of the client's. */
static bool other_person_part(const struct mdt_known *k, const char *text,
                              const struct mdt_word *w, const char *keys, size_t i, size_t j,
                              bool given_side)
{
    size_t a = j < i ? j : i, b = j < i ? i : j;
    if (w[b].start - w[a].end != 1 || text[w[a].end] != ' ' || w[a].possessive)
        return false;
    if (!w[j].cap || w[j].digit || w[j].end - w[j].start < 2)
        return false;
    const char *kj = keys + w[j].key;
    size_t lj = w[j].keylen;
    uint32_t f = mdt__lex_flags(k->lex, kj, lj);
    if (f & (MDT_LEX_TITLE | MDT_LEX_RELATION | MDT_LEX_STREET | MDT_LEX_PLACE | MDT_LEX_UNIT |
             MDT_LEX_ALLOW | MDT_LEX_GEO | MDT_LEX_C_STOP))
        return false;
    if (client_word(k, kj, lj))
        return false;
    if (given_side) /* a given name before the family name */
        return (f & (MDT_LEX_FIRST | MDT_LEX_NICK | MDT_LEX_NAMEWORD)) ||
               ((f & MDT_LEX_NAME) && !(f & MDT_LEX_DICT));
    /* a family name after the given name: no ordinary word ("Faith Hope" is
     * read as the client) */
    return (f & MDT_LEX_NAME) && !(f & (MDT_LEX_DICT | MDT_LEX_FIRST));
}

void mdt__detect_known(const struct mdt_known *k, const char *text, size_t len,
                       struct mdt_spans *out)
{
    if (!k || !text || len == 0)
        return;
    struct mdt_word *w;
    char *keys;
    size_t n = mdt__words(text, len, &w, &keys);

    for (size_t i = 0; i < n; i++) {
        const char *ki = keys + w[i].key;
        size_t li = w[i].keylen;
        for (size_t t = 0; t < k->nt; t++) {
            const struct target *tg = &k->t[t];
            if (i + tg->n > n)
                continue;
            /* cheap test first: most words share no first letter with a target */
            if (li == 0 || ki[0] != tg->w[0][0])
                continue;
            bool ok = true;
            for (size_t j = 0; j < tg->n && ok; j++) {
                const char *kj = keys + w[i + j].key;
                size_t lj = w[i + j].keylen;
                size_t tl = strlen(tg->w[j]);
                if (lj == tl && memcmp(kj, tg->w[j], tl) == 0)
                    continue;
                ok = tg->fuzzy && tg->n == 1 && w[i].cap && !w[i].digit && lj >= 5 &&
                     kj[0] == tg->w[0][0] &&
                     edit_distance(kj, lj, tg->w[0], tl, tl >= 8 ? 2 : 1) <= (tl >= 8 ? 2u : 1u) &&
                     !(mdt__lex_flags(k->lex, kj, lj) & (MDT_LEX_DICT | MDT_LEX_GEO | MDT_LEX_ALLOW));
            }
            if (!ok)
                continue;
            if (tg->kind == MDT_KIND_AGE_90 && !bare_number(text, len, &w[i]))
                continue;
            /* a short form that is an acronym in capitals: Philip's "pip"
             * is not "His PIP goes into an account" */
            if (tg->n == 1 && w[i].allcaps && (mdt__lex_flags(k->lex, ki, li) & MDT_LEX_ALLOW_CAPS))
                continue;
            if (tg->n == 1 && tg->role == ROLE_FAMILY && i > 0 &&
                other_person_part(k, text, w, keys, i, i - 1, true))
                continue;
            if (tg->n == 1 && tg->role == ROLE_GIVEN && i + 1 < n &&
                other_person_part(k, text, w, keys, i, i + 1, false))
                continue;
            size_t b = i, e = i + tg->n - 1;
            if (tg->kind == MDT_KIND_CLIENT) {
                /* "Kai H", "Summer H.", "S.O'S", "T PETRAUSKAS" */
                if (e + 1 < n && w[e + 1].end - w[e + 1].start == 1 && w[e + 1].cap &&
                    w[e + 1].start - w[e].end == 1 && text[w[e].end] == ' ' &&
                    text[w[e + 1].start] == k->last_initial)
                    e++;
                if (b > 0 && w[b - 1].end - w[b - 1].start == 1 && w[b - 1].cap &&
                    w[b].start - w[b - 1].end <= 2 && text[w[b - 1].start] == k->first_initial)
                    b--;
            }
            mdt__spans_add(out, w[b].start, w[e].end, tg->kind, MDT_PRIO_KNOWN, NULL);
        }
        /* initials: "VA", "BN" in capitals */
        if (w[i].allcaps && li >= 2 && li <= 4) {
            for (int q = 0; q < 3; q++) {
                size_t il = strlen(k->initials[q]);
                if (il >= 2 && il == li && strncasecmp(ki, k->initials[q], il) == 0) {
                    mdt__spans_add(out, w[i].start, w[i].end, MDT_KIND_CLIENT, MDT_PRIO_KNOWN, NULL);
                    break;
                }
            }
        }
    }
    find_numbers(k, text, len, out);
    find_postcode(k, text, len, out);
    find_dob(k, text, len, w, keys, n, out);
    find_email(k, text, len, out);
    free(w);
    free(keys);
}
