/* The embedded word lists of lib/data/ as one open-addressing hash table,
 * built once per scrub context, and the word splitter the name, place and
 * client-block detectors share. Lookups are by folded word (lexicon.h). */
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "lexicon.h"
#include "xmalloc.h"

/* The table: a dense array of entries and an open-addressing index of
 * (hash << 32 | entry number + 1), so probing compares hashes without
 * touching the entries. Keys point into the embedded data (which lives as
 * long as the program) or, for phrases and words that needed folding, into
 * blocks that never move. */
struct lex_entry {
    const char *key;
    uint32_t keylen;
    uint32_t flags;
    uint32_t val; /* offset in vals of a NUL-terminated value, 0 for none */
};

struct key_block {
    struct key_block *next;
    size_t used, cap;
    char data[];
};

struct mdt_lexicons {
    uint64_t *index;
    size_t mask;
    struct lex_entry *e;
    size_t n, alloc;
    struct key_block *blocks;
    char *vals; /* nickname values */
    size_t vals_len, vals_cap;
    size_t max_phrase;
    /* names-any.txt, sorted, searched in place (lexicon.h MDT_LEX_NAME) */
    const char *names;
    size_t names_len;
    /* where the lines of each first letter and second letter start: the
     * search is over a few hundred lines, not the whole list */
    uint32_t names_at[26 * 27 + 1];
    /* the start of every line, and the first line of each of those
     * buckets: a lookup is a binary search over whole lines, with no
     * scanning for line ends */
    uint32_t *lines;
    /* the first eight bytes of every line as a big-endian number, padded
     * with zeros: in the order of the lines, so the search compares
     * numbers and reads a line only when they are equal */
    uint64_t *prefix;
    size_t nlines;
    uint32_t lines_at[26 * 27 + 1];
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

static uint32_t hash_bytes(const char *s, size_t n);

#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u

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
        /* the key's hash, while it is all ASCII letters and digits (nearly
         * always); otherwise it is computed over the key at the end */
        uint32_t h = FNV_OFFSET;
        bool plain = true;
        for (;;) {
            while (i < len) {
                c = s[i];
                if (c < 0x80) {
                    if (c >= 'a' && c <= 'z') {
                        lower++;
                    } else if (c >= 'A' && c <= 'Z') {
                        upper++;
                        c |= 0x20;
                    } else if (c >= '0' && c <= '9') {
                        digit = true;
                    } else {
                        break;
                    }
                    keys[kl++] = (char)c;
                    h = (h ^ c) * FNV_PRIME;
                    i++;
                    continue;
                }
                plain = false;
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
                    plain = false;
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
        w[n].hash = plain ? h | 1 : hash_bytes(keys + kstart, kl - kstart);
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

/* FNV-1a, as mdt__words computes it while splitting. */
static uint32_t hash_bytes(const char *s, size_t n)
{
    uint32_t h = FNV_OFFSET;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= FNV_PRIME;
    }
    return h | 1; /* never 0 */
}

static size_t vals_put(struct mdt_lexicons *lex, const char *s, size_t n)
{
    if (lex->vals_len + n + 1 > lex->vals_cap) {
        while (lex->vals_len + n + 1 > lex->vals_cap)
            lex->vals_cap *= 2;
        lex->vals = mdt_xrealloc(lex->vals, lex->vals_cap);
    }
    size_t off = lex->vals_len;
    memcpy(lex->vals + off, s, n);
    lex->vals[off + n] = '\0';
    lex->vals_len += n + 1;
    return off;
}

/* A stable copy of s[0..n). */
static const char *key_copy(struct mdt_lexicons *lex, const char *s, size_t n)
{
    struct key_block *b = lex->blocks;
    if (!b || b->used + n > b->cap) {
        size_t cap = n > 65536 ? n : 65536;
        b = mdt_xmalloc(sizeof(*b) + cap);
        b->next = lex->blocks;
        b->used = 0;
        b->cap = cap;
        lex->blocks = b;
    }
    char *k = b->data + b->used;
    memcpy(k, s, n);
    b->used += n;
    return k;
}

/* The index slot holding key, or the empty slot where it would go. */
/* memcmp(a, b, n) == 0 for the short keys of the table, without a call:
 * the hashes matched, so the bytes nearly always do. */
static inline bool same_bytes(const char *a, const char *b, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (a[k] != b[k])
            return false;
    return true;
}

static size_t find_slot(const struct mdt_lexicons *lex, const char *key, size_t n, uint32_t h)
{
    size_t i = h & lex->mask;
    for (;;) {
        uint64_t v = lex->index[i];
        if (!v)
            return i;
        if ((uint32_t)(v >> 32) == h) {
            const struct lex_entry *e = &lex->e[(uint32_t)v - 1];
            if (e->keylen == n && same_bytes(e->key, key, n))
                return i;
        }
        i = (i + 1) & lex->mask;
    }
}

static void grow(struct mdt_lexicons *lex)
{
    uint64_t *old = lex->index;
    size_t oldn = lex->mask + 1;
    lex->mask = oldn * 2 - 1;
    lex->index = mdt_xcalloc(oldn * 2, sizeof(*lex->index));
    for (size_t i = 0; i < oldn; i++) {
        if (!old[i])
            continue;
        size_t j = (uint32_t)(old[i] >> 32) & lex->mask;
        while (lex->index[j])
            j = (j + 1) & lex->mask;
        lex->index[j] = old[i];
    }
    free(old);
}

/* Adds flags to key (new when absent). stable: key outlives the table
 * (embedded data), so it is not copied. */
static struct lex_entry *put_key(struct mdt_lexicons *lex, const char *key, size_t n, uint32_t h,
                                 uint32_t flags, bool stable)
{
    if (n == 0 || n > 0xFFFF)
        return NULL;
    if ((lex->n + 1) * 2 > lex->mask + 1)
        grow(lex);
    size_t i = find_slot(lex, key, n, h);
    struct lex_entry *e;
    if (lex->index[i]) {
        e = &lex->e[(uint32_t)lex->index[i] - 1];
    } else {
        if (lex->n == lex->alloc) {
            lex->alloc *= 2;
            lex->e = mdt_xreallocarray(lex->e, lex->alloc, sizeof(*lex->e));
        }
        e = &lex->e[lex->n++];
        e->key = stable ? key : key_copy(lex, key, n);
        e->keylen = (uint32_t)n;
        e->flags = 0;
        e->val = 0;
        lex->index[i] = (uint64_t)h << 32 | lex->n;
    }
    e->flags |= flags;
    return e;
}

static struct lex_entry *put(struct mdt_lexicons *lex, const char *key, size_t n, uint32_t flags)
{
    return put_key(lex, key, n, hash_bytes(key, n), flags, false);
}

static const struct lex_entry *lookup(const struct mdt_lexicons *lex, const char *key, size_t n)
{
    uint64_t v = lex->index[find_slot(lex, key, n, hash_bytes(key, n))];
    return v ? &lex->e[(uint32_t)v - 1] : NULL;
}

/* The first line of the names list in [lo, hi) (line starts) that is not
 * less than key, as an offset (hi when none). */
static size_t names_lower_bound(const struct mdt_lexicons *lex, size_t lo, size_t hi,
                                const char *key, size_t n, bool *equal)
{
    const char *t = lex->names;
    *equal = false;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2, ls = mid;
        while (ls > lo && t[ls - 1] != '\n')
            ls--;
        const char *nl = memchr(t + ls, '\n', hi - ls);
        size_t le = nl ? (size_t)(nl - t) : hi;
        size_t l = le - ls;
        int c = memcmp(key, t + ls, n < l ? n : l);
        if (c == 0)
            c = n < l ? -1 : n > l ? 1 : 0;
        if (c == 0) {
            *equal = true;
            return ls;
        }
        if (c < 0)
            hi = ls;
        else
            lo = le + 1 < hi ? le + 1 : hi;
    }
    return lo;
}

static size_t names_bucket(const char *key, size_t n)
{
    size_t b = (size_t)(key[0] - 'a') * 27;
    if (n > 1 && key[1] >= 'a' && key[1] <= 'z')
        b += (size_t)(key[1] - 'a') + 1;
    return b;
}

static uint64_t prefix8(const char *s, size_t n)
{
    uint64_t v = 0;
    for (size_t k = 0; k < 8; k++)
        v = v << 8 | (k < n ? (unsigned char)s[k] : 0);
    return v;
}

/* Is key (folded, starting with a-z) a line of the sorted names list? */
static bool names_has(const struct mdt_lexicons *lex, const char *key, size_t n)
{
    size_t b = names_bucket(key, n);
    size_t lo = lex->lines_at[b], hi = lex->lines_at[b + 1];
    uint64_t p = prefix8(key, n);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (lex->prefix[mid] < p)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* lines sharing the first eight bytes: compared whole */
    for (; lo < lex->nlines && lex->prefix[lo] == p; lo++) {
        size_t ls = lex->lines[lo];
        size_t le = lo + 1 < lex->nlines ? lex->lines[lo + 1] - 1 : lex->names_len;
        if (le - ls == n && memcmp(key, lex->names + ls, n) == 0)
            return true;
    }
    return false;
}

static void names_index(struct mdt_lexicons *lex)
{
    bool eq;
    char k[2];
    for (size_t b = 0; b < 26 * 27; b++) {
        k[0] = (char)('a' + b / 27);
        k[1] = (char)('a' + b % 27 - 1);
        lex->names_at[b] = (uint32_t)names_lower_bound(lex, b ? lex->names_at[b - 1] : 0,
                                                       lex->names_len, k, b % 27 ? 2 : 1, &eq);
    }
    lex->names_at[26 * 27] = (uint32_t)lex->names_len;

    size_t alloc = 1024, j = 0;
    lex->lines = mdt_xreallocarray(NULL, alloc, sizeof(*lex->lines));
    for (const char *p = lex->names, *end = p + lex->names_len; p < end;) {
        if (lex->nlines == alloc) {
            alloc *= 2;
            lex->lines = mdt_xreallocarray(lex->lines, alloc, sizeof(*lex->lines));
        }
        lex->lines[lex->nlines++] = (uint32_t)(p - lex->names);
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    for (size_t b = 0; b <= 26 * 27; b++) {
        while (j < lex->nlines && lex->lines[j] < lex->names_at[b])
            j++;
        lex->lines_at[b] = (uint32_t)j;
    }
    lex->prefix = mdt_xreallocarray(NULL, lex->nlines ? lex->nlines : 1, sizeof(*lex->prefix));
    for (size_t l = 0; l < lex->nlines; l++) {
        size_t ls = lex->lines[l];
        size_t le = l + 1 < lex->nlines ? lex->lines[l + 1] - 1 : lex->names_len;
        lex->prefix[l] = prefix8(lex->names + ls, le - ls);
    }
}

void mdt__lex_add(struct mdt_lexicons *lex, const char *key, size_t n, uint32_t flags)
{
    put(lex, key, n, flags);
}

uint32_t mdt__lex_flags(const struct mdt_lexicons *lex, const char *key, size_t n)
{
    if (!lex || n == 0)
        return 0;
    const struct lex_entry *e = lookup(lex, key, n);
    uint32_t f = e ? e->flags : 0;
    /* The names list holds no word of dict-words.txt (and the words of
     * dict-extra.txt in it are flagged when loaded): an ordinary word
     * needs no search. Nor does a phrase or a number. */
    if (!(f & MDT_LEX_DICT) && lex->names && key[0] >= 'a' && key[0] <= 'z' &&
        !memchr(key, ' ', n) && names_has(lex, key, n))
        f |= MDT_LEX_NAME;
    if (f & MDT_LEX_ALLOW_CAPS)
        f |= MDT_LEX_ALLOW;
    return f;
}

uint32_t mdt__lex_word_flags(const struct mdt_lexicons *lex, const struct mdt_word *w,
                             const char *keys)
{
    const char *key = keys + w->key;
    size_t n = w->keylen;
    if (!lex || n == 0)
        return 0;
    uint64_t v = lex->index[find_slot(lex, key, n, w->hash)];
    uint32_t f = v ? lex->e[(uint32_t)v - 1].flags : 0;
    /* as in mdt__lex_flags; a word holds no space */
    if (!(f & MDT_LEX_DICT) && lex->names && key[0] >= 'a' && key[0] <= 'z' &&
        names_has(lex, key, n))
        f |= MDT_LEX_NAME;
    if ((f & MDT_LEX_ALLOW_CAPS) && w->allcaps)
        f |= MDT_LEX_ALLOW;
    return f;
}

size_t mdt__lex_max_phrase(const struct mdt_lexicons *lex)
{
    return lex ? lex->max_phrase : 1;
}

const char *mdt__lex_short_forms(const struct mdt_lexicons *lex, const char *key, size_t n)
{
    if (!lex || n == 0)
        return NULL;
    const struct lex_entry *e = lookup(lex, key, n);
    return e && e->val ? lex->vals + e->val : NULL;
}

/* Adds one entry (a word or a phrase) under flags, tokenised like text so
 * that lookups of text words match: "Andy's Man Club" -> "andy man club". */
static void add_phrase(struct mdt_lexicons *lex, const char *s, size_t n, uint32_t flags)
{
    /* most lines are one folded word already: hash them as they are
     * checked, and keep the embedded bytes as the key */
    size_t k = 0;
    uint32_t h = 2166136261u;
    while (k < n && ((s[k] >= 'a' && s[k] <= 'z') || (k > 0 && s[k] == '-' && k + 1 < n))) {
        h = (h ^ (unsigned char)s[k]) * 16777619u;
        k++;
    }
    if (k == n) {
        put_key(lex, s, n, h | 1, flags, true);
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

/* An allow-list line: one word of two to eight capitals is an acronym
 * (MDT_LEX_ALLOW_CAPS), anything else allowed in any case. */
static void add_allow(struct mdt_lexicons *lex, const char *s, size_t n, uint32_t flags)
{
    bool caps = n >= 2 && n <= 8;
    for (size_t k = 0; k < n && caps; k++)
        caps = s[k] >= 'A' && s[k] <= 'Z';
    add_phrase(lex, s, n, caps ? MDT_LEX_ALLOW_CAPS : flags);
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

/* A line of ordinary words (dict-extra.txt): those that are in the names
 * list too keep that flag, which lookups of ordinary words do not search. */
static void add_words_dict(struct mdt_lexicons *lex, const char *s, size_t n, uint32_t flags)
{
    struct mdt_word *w;
    char *keys;
    size_t nw = mdt__words(s, n, &w, &keys);
    for (size_t i = 0; i < nw; i++) {
        const char *k = keys + w[i].key;
        size_t kl = w[i].keylen;
        put(lex, k, kl, flags | (lex->names && names_has(lex, k, kl) ? MDT_LEX_NAME : 0));
    }
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
                e->val = (uint32_t)vals_put(lex, v, vl);
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
    size_t lines = 0;
    const struct mdt_embed *ne = mdt_embed_find(mdt_lexicon, "names-any.txt");

    /* The names list, the largest by far, is not loaded: it is sorted and
     * searched where it lies, from its first line that is no comment. */
    if (ne) {
        const char *p = (const char *)ne->start, *end = p + mdt_embed_len(ne);
        while (p < end && *p == '#') {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            p = nl ? nl + 1 : end;
        }
        while (end > p && (end[-1] == '\n' || end[-1] == '\r'))
            end--;
        lex->names = p;
        lex->names_len = (size_t)(end - p);
        if (lex->names_len < UINT32_MAX)
            names_index(lex);
        else
            lex->names = NULL;
    }
    /* size the table once for every line of the other lists: no rehashing */
    for (const struct mdt_embed *e = mdt_lexicon; e->name; e++)
        for (const unsigned char *p = e->start; e != ne && p && p < e->end;
             p = memchr(p, '\n', (size_t)(e->end - p)), p = p ? p + 1 : NULL)
            lines++;
    size_t cap = 1024;
    /* at most half full: a word that is in no list (most of a text)
     * is told so after a probe or two */
    while (cap < (lines + 4096) * 2)
        cap *= 2;
    lex->mask = cap - 1;
    lex->index = mdt_xcalloc(cap, sizeof(*lex->index));
    lex->alloc = lines + 4096;
    lex->e = mdt_xreallocarray(NULL, lex->alloc, sizeof(*lex->e));
    lex->vals_cap = 4096;
    lex->vals = mdt_xmalloc(lex->vals_cap);
    lex->vals_len = 1; /* offset 0 means "none" */
    lex->vals[0] = '\0';
    lex->max_phrase = 1;

    static const struct {
        const char *file;
        void (*fn)(struct mdt_lexicons *, const char *, size_t, uint32_t);
        uint32_t flags;
    } files[] = {
        {"dict-words.txt", add_phrase, MDT_LEX_DICT},
        {"dict-extra.txt", add_words_dict, MDT_LEX_DICT},
        {"first-names.txt", add_phrase, MDT_LEX_FIRST},
        {"name-words.txt", add_words, MDT_LEX_NAMEWORD},
        {"nicknames.txt", add_nicknames, 0},
        {"allow.txt", add_allow, MDT_LEX_ALLOW},
        {"geography.txt", add_phrase, MDT_LEX_GEO},
        {"cues.txt", add_cue, 0},
        {"places-gb.txt", add_phrase, MDT_LEX_SMALL},
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
    free(lex->index);
    free(lex->lines);
    free(lex->prefix);
    free(lex->e);
    free(lex->vals);
    while (lex->blocks) {
        struct key_block *b = lex->blocks;
        lex->blocks = b->next;
        free(b);
    }
    free(lex);
}
