/* The embedded word lists of lib/data/ as one open-addressing hash table,
 * built once per scrub context, and the word splitter the name, place and
 * client-block detectors share. Lookups are by folded word (lexicon.h). */
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "lexicon.h"
#include "xmalloc.h"

struct lex_entry {
    uint32_t hash;
    uint32_t key;   /* offset in arena; 0 marks an empty slot */
    uint32_t keylen;
    uint32_t flags;
    uint32_t val;   /* offset in arena of a NUL-terminated value, 0 for none */
};

struct mdt_lexicons {
    struct lex_entry *slots;
    size_t mask, used;
    char *arena;
    size_t arena_len, arena_cap;
    size_t max_phrase;
};

/* Latin-1 Supplement and Latin Extended-A (U+00C0..U+017F) to their base
 * letter, case kept; 0 for signs. */
static const char latin_base[192] = {
    'A', 'A', 'A', 'A', 'A', 'A', 'A', 'C', 'E', 'E', 'E', 'E', 'I', 'I', 'I', 'I',
    'D', 'N', 'O', 'O', 'O', 'O', 'O', 0,   'O', 'U', 'U', 'U', 'U', 'Y', 'T', 's',
    'a', 'a', 'a', 'a', 'a', 'a', 'a', 'c', 'e', 'e', 'e', 'e', 'i', 'i', 'i', 'i',
    'd', 'n', 'o', 'o', 'o', 'o', 'o', 0,   'o', 'u', 'u', 'u', 'u', 'y', 't', 'y',
    'A', 'a', 'A', 'a', 'A', 'a', 'C', 'c', 'C', 'c', 'C', 'c', 'C', 'c', 'D', 'd',
    'D', 'd', 'E', 'e', 'E', 'e', 'E', 'e', 'E', 'e', 'E', 'e', 'G', 'g', 'G', 'g',
    'G', 'g', 'G', 'g', 'H', 'h', 'H', 'h', 'I', 'i', 'I', 'i', 'I', 'i', 'I', 'i',
    'I', 'i', 'I', 'i', 'J', 'j', 'K', 'k', 'k', 'L', 'l', 'L', 'l', 'L', 'l', 'L',
    'l', 'L', 'l', 'N', 'n', 'N', 'n', 'N', 'n', 'n', 'N', 'n', 'O', 'o', 'O', 'o',
    'O', 'o', 'O', 'o', 'R', 'r', 'R', 'r', 'R', 'r', 'S', 's', 'S', 's', 'S', 's',
    'S', 's', 'T', 't', 'T', 't', 'T', 't', 'U', 'u', 'U', 'u', 'U', 'u', 'U', 'u',
    'U', 'u', 'U', 'u', 'W', 'w', 'Y', 'y', 'Y', 'Z', 'z', 'Z', 'z', 'Z', 'z', 's',
};

/* The base letter of the UTF-8 sequence at s[0..n) when it is a Latin
 * letter we fold (also U+0218..U+021B, Romanian s and t with comma), with
 * its length in *seqlen; 0 otherwise. */
static char latin_letter(const unsigned char *s, size_t n, size_t *seqlen)
{
    if (n < 2 || (s[1] & 0xC0) != 0x80)
        return 0;
    unsigned cp = ((unsigned)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    if (s[0] < 0xC2 || s[0] > 0xDF)
        return 0;
    *seqlen = 2;
    if (cp >= 0xC0 && cp < 0x180)
        return latin_base[cp - 0xC0];
    switch (cp) {
    case 0x218: return 'S';
    case 0x219: return 's';
    case 0x21A: return 'T';
    case 0x21B: return 't';
    }
    return 0;
}

static bool is_apostrophe(const unsigned char *s, size_t n, size_t *seqlen)
{
    if (s[0] == '\'') {
        *seqlen = 1;
        return true;
    }
    if (n >= 3 && s[0] == 0xE2 && s[1] == 0x80 && s[2] == 0x99) {
        *seqlen = 3;
        return true;
    }
    return false;
}

/* Length of the word character at s, 0 when s is not one. Letters, digits,
 * and any non-ASCII sequence except the general punctuation block
 * (U+2000..U+206F: quotes, dashes, bullets) and no-break space. */
static size_t word_char(const unsigned char *s, size_t n, char *base)
{
    size_t l;

    if (s[0] < 0x80) {
        if ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
            (s[0] >= '0' && s[0] <= '9')) {
            *base = (char)s[0];
            return 1;
        }
        return 0;
    }
    char c = latin_letter(s, n, &l);
    if (c) {
        *base = c;
        return l;
    }
    if (s[0] == 0xE2 && n >= 2 && (s[1] == 0x80 || s[1] == 0x81))
        return 0;
    if (s[0] == 0xC2) /* U+0080..U+00BF: no-break space, signs */
        return 0;
    if (s[0] >= 0xC0 && s[0] < 0xF8) {
        /* another letter (Greek, Cyrillic, ...): keep the sequence whole */
        size_t want = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
        if (want > n)
            want = n;
        for (l = 1; l < want && (s[l] & 0xC0) == 0x80; l++)
            ;
        *base = 'x';
        return l;
    }
    *base = 'x'; /* a stray byte: part of the word, never a letter case */
    return 1;
}

size_t mdt__fold(const char *text, size_t len, char *out)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0, o = 0, l;
    char c;

    while (i < len) {
        if (is_apostrophe(s + i, len - i, &l)) {
            out[o++] = '\'';
            i += l;
        } else if (s[i] >= 0x80 && (c = latin_letter(s + i, len - i, &l)) != 0) {
            out[o++] = (char)(c | 0x20);
            i += l;
        } else {
            c = (char)s[i++];
            out[o++] = (c >= 'A' && c <= 'Z') ? (char)(c | 0x20) : c;
        }
    }
    return o;
}

/* Folds the word character of length l at s (word_char said so) into out;
 * returns the bytes written. The same mapping as mdt__fold. */
static size_t fold_char(const unsigned char *s, size_t n, size_t l, char *out)
{
    size_t ll;
    char c = latin_letter(s, n, &ll);
    if (c && ll == l) {
        out[0] = (char)(c | 0x20);
        return 1;
    }
    memcpy(out, s, l);
    return l;
}

size_t mdt__words(const char *text, size_t len, struct mdt_word **wordsp, char **keysp)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t alloc = 64, n = 0, i = 0, l, kl = 0;
    struct mdt_word *w = mdt_xreallocarray(NULL, alloc, sizeof(*w));
    char *keys = mdt_xmalloc(len + 1);
    char base;

    /* One pass: words are split, classified and folded together; ASCII
     * letters and digits, nearly all of the text, take the short path. */
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
                i++;
                continue;
            }
            base = (char)c;
        } else if (!word_char(s + i, len - i, &base)) {
            i++;
            continue;
        }
        size_t start = i, kstart = kl;
        size_t upper = 0, lower = 0;
        bool digit = false, first_upper = base >= 'A' && base <= 'Z';
        for (;;) {
            while (i < len) {
                c = s[i];
                if (c < 0x80) {
                    if (c >= 'a' && c <= 'z') {
                        lower++;
                        keys[kl++] = (char)c;
                    } else if (c >= 'A' && c <= 'Z') {
                        upper++;
                        keys[kl++] = (char)(c | 0x20);
                    } else if (c >= '0' && c <= '9') {
                        digit = true;
                        keys[kl++] = (char)c;
                    } else {
                        break;
                    }
                    i++;
                    continue;
                }
                if ((l = word_char(s + i, len - i, &base)) == 0)
                    break;
                if (base >= 'A' && base <= 'Z')
                    upper++;
                else if (base >= 'a' && base <= 'z')
                    lower++;
                kl += fold_char(s + i, len - i, l, keys + kl);
                i += l;
            }
            /* joiners inside a word: O'Sullivan, Ellie-Mae, co-codamol */
            size_t jl = 0;
            if (i < len && (s[i] == '-' || is_apostrophe(s + i, len - i, &jl))) {
                if (!jl)
                    jl = 1;
                if (i + jl < len && word_char(s + i + jl, len - i - jl, &base)) {
                    keys[kl++] = s[i] == '-' ? '-' : '\'';
                    i += jl;
                    continue;
                }
            }
            break;
        }
        size_t end = i;
        bool poss = false;
        /* a possessive 's ends the word: Will's, Tesfamariam’s */
        if (end - start >= 3 && s[end - 1] == 's') {
            if (s[end - 2] == '\'') {
                end -= 2, poss = true;
            } else if (end - start >= 5 && s[end - 2] == 0x99 && s[end - 3] == 0x80 &&
                       s[end - 4] == 0xE2) {
                end -= 4, poss = true;
            }
            if (poss) {
                lower--;
                kl -= 2; /* the folded "'s" */
            }
        }
        if (n == alloc) {
            alloc *= 2;
            w = mdt_xreallocarray(w, alloc, sizeof(*w));
        }
        w[n].start = start;
        w[n].end = end;
        w[n].key = kstart;
        w[n].keylen = kl - kstart;
        w[n].cap = first_upper;
        w[n].allcaps = upper >= 2 && lower == 0;
        w[n].digit = digit;
        w[n].possessive = poss;
        n++;
    }
    keys[kl] = '\0';
    *wordsp = w;
    *keysp = keys;
    return n;
}

/* ---- the table ---- */

static uint32_t hash_bytes(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h | 1; /* never 0 */
}

static size_t arena_put(struct mdt_lexicons *lex, const char *s, size_t n)
{
    if (lex->arena_len + n + 1 > lex->arena_cap) {
        while (lex->arena_len + n + 1 > lex->arena_cap)
            lex->arena_cap *= 2;
        lex->arena = mdt_xrealloc(lex->arena, lex->arena_cap);
    }
    size_t off = lex->arena_len;
    memcpy(lex->arena + off, s, n);
    lex->arena[off + n] = '\0';
    lex->arena_len += n + 1;
    return off;
}

static struct lex_entry *find_slot(const struct mdt_lexicons *lex, const char *key, size_t n,
                                   uint32_t h)
{
    size_t i = h & lex->mask;
    for (;;) {
        struct lex_entry *e = &lex->slots[i];
        if (!e->key)
            return e;
        if (e->hash == h && e->keylen == n && memcmp(lex->arena + e->key, key, n) == 0)
            return e;
        i = (i + 1) & lex->mask;
    }
}

static void grow(struct mdt_lexicons *lex)
{
    struct lex_entry *old = lex->slots;
    size_t oldn = lex->mask + 1;
    lex->mask = oldn * 2 - 1;
    lex->slots = mdt_xcalloc(oldn * 2, sizeof(*lex->slots));
    for (size_t i = 0; i < oldn; i++) {
        if (!old[i].key)
            continue;
        size_t j = old[i].hash & lex->mask;
        while (lex->slots[j].key)
            j = (j + 1) & lex->mask;
        lex->slots[j] = old[i];
    }
    free(old);
}

static struct lex_entry *put(struct mdt_lexicons *lex, const char *key, size_t n, uint32_t flags)
{
    if (n == 0 || n > 0xFFFF)
        return NULL;
    if ((lex->used + 1) * 2 > lex->mask + 1)
        grow(lex);
    uint32_t h = hash_bytes(key, n);
    struct lex_entry *e = find_slot(lex, key, n, h);
    if (!e->key) {
        e->hash = h;
        e->key = (uint32_t)arena_put(lex, key, n);
        e->keylen = (uint32_t)n;
        lex->used++;
    }
    e->flags |= flags;
    return e;
}

void mdt__lex_add(struct mdt_lexicons *lex, const char *key, size_t n, uint32_t flags)
{
    put(lex, key, n, flags);
}

uint32_t mdt__lex_flags(const struct mdt_lexicons *lex, const char *key, size_t n)
{
    if (!lex || n == 0)
        return 0;
    const struct lex_entry *e = find_slot(lex, key, n, hash_bytes(key, n));
    return e->key ? e->flags : 0;
}

size_t mdt__lex_max_phrase(const struct mdt_lexicons *lex)
{
    return lex ? lex->max_phrase : 1;
}

const char *mdt__lex_short_forms(const struct mdt_lexicons *lex, const char *key, size_t n)
{
    if (!lex || n == 0)
        return NULL;
    const struct lex_entry *e = find_slot(lex, key, n, hash_bytes(key, n));
    return e->key && e->val ? lex->arena + e->val : NULL;
}

/* Adds one entry (a word or a phrase) under flags, tokenised like text so
 * that lookups of text words match: "Andy's Man Club" -> "andy man club". */
static void add_phrase(struct mdt_lexicons *lex, const char *s, size_t n, uint32_t flags)
{
    /* most lines are one folded word already: no need to split them */
    size_t k = 0;
    while (k < n && ((s[k] >= 'a' && s[k] <= 'z') || (k > 0 && s[k] == '-' && k + 1 < n)))
        k++;
    if (k == n) {
        put(lex, s, n, flags);
        return;
    }
    struct mdt_word *w;
    char *keys;
    size_t nw = mdt__words(s, n, &w, &keys);
    if (nw == 1) {
        put(lex, keys + w[0].key, w[0].keylen, flags);
    } else if (nw > 1) {
        char *joined = mdt_xmalloc(n + nw + 1);
        size_t jl = 0;
        for (size_t i = 0; i < nw; i++) {
            if (i)
                joined[jl++] = ' ';
            memcpy(joined + jl, keys + w[i].key, w[i].keylen);
            jl += w[i].keylen;
        }
        put(lex, joined, jl, flags);
        put(lex, keys + w[0].key, w[0].keylen, MDT_LEX_PHRASE1);
        /* every shorter prefix of two words or more, so a lookup of a
         * growing phrase can stop as soon as no entry continues it */
        {
            size_t pl = w[0].keylen;
            for (size_t i = 1; i + 1 < nw; i++) {
                pl += 1 + w[i].keylen;
                put(lex, joined, pl, MDT_LEX_PREFIX);
            }
        }
        if (nw > lex->max_phrase)
            lex->max_phrase = nw;
        free(joined);
    }
    free(w);
    free(keys);
}

/* Calls fn for each line of an embedded file, without comments and blank
 * lines, trimmed. */
static void each_line(struct mdt_lexicons *lex, const struct mdt_embed *e,
                      void (*fn)(struct mdt_lexicons *, const char *, size_t, uint32_t),
                      uint32_t flags)
{
    const char *p = (const char *)e->start, *end = p + mdt_embed_len(e);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *a = p, *b = le;
        while (a < b && (*a == ' ' || *a == '\t'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r'))
            b--;
        if (a < b && *a != '#')
            fn(lex, a, (size_t)(b - a), flags);
        p = le + 1;
    }
}

/* A line of separate words, each an entry. */
static void add_words(struct mdt_lexicons *lex, const char *s, size_t n, uint32_t flags)
{
    struct mdt_word *w;
    char *keys;
    size_t nw = mdt__words(s, n, &w, &keys);
    for (size_t i = 0; i < nw; i++)
        put(lex, keys + w[i].key, w[i].keylen, flags);
    free(w);
    free(keys);
}

/* "patricia pat trish": the first word is a first name whose short forms
 * are the rest; "- gaz shaz": nicknames only. */
static void add_nicknames(struct mdt_lexicons *lex, const char *s, size_t n, uint32_t flags)
{
    struct mdt_word *w;
    char *keys;
    size_t nw = mdt__words(s, n, &w, &keys);
    (void)flags;
    if (nw > 0) {
        bool formal = s[0] != '-';
        for (size_t i = formal ? 1 : 0; i < nw; i++)
            put(lex, keys + w[i].key, w[i].keylen, MDT_LEX_NICK);
        if (formal && nw > 1) {
            struct lex_entry *e = put(lex, keys + w[0].key, w[0].keylen, MDT_LEX_FIRST);
            if (e) {
                size_t from = w[1].key, to = w[nw - 1].key + w[nw - 1].keylen;
                /* keys are contiguous without separators: rebuild with spaces */
                char *v = mdt_xmalloc(to - from + nw);
                size_t vl = 0;
                for (size_t i = 1; i < nw; i++) {
                    if (i > 1)
                        v[vl++] = ' ';
                    memcpy(v + vl, keys + w[i].key, w[i].keylen);
                    vl += w[i].keylen;
                }
                e->val = (uint32_t)arena_put(lex, v, vl);
                free(v);
            }
        }
    }
    free(w);
    free(keys);
}

static const struct {
    const char *prefix;
    uint32_t flag;
} cue_classes[] = {
    {"title ", MDT_LEX_TITLE},   {"relation ", MDT_LEX_RELATION}, {"street ", MDT_LEX_STREET},
    {"unit ", MDT_LEX_UNIT},     {"place ", MDT_LEX_PLACE},       {"lplace ", MDT_LEX_LPLACE},
    {"locative ", MDT_LEX_LOCATIVE}, {"boat ", MDT_LEX_BOAT},     {"pub ", MDT_LEX_PUB},
};

static void add_cue(struct mdt_lexicons *lex, const char *s, size_t n, uint32_t flags)
{
    (void)flags;
    for (size_t i = 0; i < sizeof(cue_classes) / sizeof(cue_classes[0]); i++) {
        size_t pl = strlen(cue_classes[i].prefix);
        if (n > pl && memcmp(s, cue_classes[i].prefix, pl) == 0) {
            add_phrase(lex, s + pl, n - pl, cue_classes[i].flag);
            return;
        }
    }
}

struct mdt_lexicons *mdt__lexicons_new(void)
{
    struct mdt_lexicons *lex = mdt_xcalloc(1, sizeof(*lex));
    lex->mask = (1u << 16) - 1;
    lex->slots = mdt_xcalloc(lex->mask + 1, sizeof(*lex->slots));
    lex->arena_cap = 1u << 20;
    lex->arena = mdt_xmalloc(lex->arena_cap);
    lex->arena_len = 1; /* offset 0 means "none" */
    lex->arena[0] = '\0';
    lex->max_phrase = 1;

    static const struct {
        const char *file;
        void (*fn)(struct mdt_lexicons *, const char *, size_t, uint32_t);
        uint32_t flags;
    } files[] = {
        {"dict-words.txt", add_phrase, MDT_LEX_DICT},
        {"dict-extra.txt", add_words, MDT_LEX_DICT},
        {"first-names.txt", add_phrase, MDT_LEX_FIRST},
        {"names-any.txt", add_phrase, MDT_LEX_NAME},
        {"name-words.txt", add_words, MDT_LEX_NAMEWORD},
        {"nicknames.txt", add_nicknames, 0},
        {"allow.txt", add_phrase, MDT_LEX_ALLOW},
        {"geography.txt", add_phrase, MDT_LEX_GEO},
        {"cues.txt", add_cue, 0},
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        const struct mdt_embed *e = mdt_embed_find(mdt_lexicon, files[i].file);
        if (e)
            each_line(lex, e, files[i].fn, files[i].flags);
    }
    return lex;
}

void mdt__lexicons_free(struct mdt_lexicons *lex)
{
    if (!lex)
        return;
    free(lex->slots);
    free(lex->arena);
    free(lex);
}
