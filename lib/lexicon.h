/* Word lookups for the name and place detectors: the embedded lists of
 * lib/data/ (see lib/data/README.md) as one hash table of folded words and
 * phrases, and the word splitter the detectors share.
 *
 * A folded word is lower case ASCII with Latin diacritics removed
 * ("Jankauskienė" -> "jankauskiene", "Yılmaz" -> "yilmaz") and the
 * typographic apostrophe made plain, so lookups ignore case and accents. */
#ifndef MDT_LEXICON_H
#define MDT_LEXICON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scrub-internal.h"

enum {
    MDT_LEX_DICT = 1u << 0,      /* an ordinary English word */
    MDT_LEX_FIRST = 1u << 1,     /* a first name */
    MDT_LEX_NAME = 1u << 2,      /* a first name or surname that is no ordinary word */
    MDT_LEX_NAMEWORD = 1u << 3,  /* an ordinary word also used as a given name (Faith) */
    MDT_LEX_NICK = 1u << 4,      /* a short form or nickname (Gaz, Bridie) */
    MDT_LEX_ALLOW = 1u << 5,     /* a service, drug, condition, role or brand */
    MDT_LEX_GEO = 1u << 6,       /* a town, county, country, month: not identifying */
    MDT_LEX_TITLE = 1u << 7,     /* Mr, Dr, PC */
    MDT_LEX_RELATION = 1u << 8,  /* sister, partner, GP: a name may follow */
    MDT_LEX_STREET = 1u << 9,    /* Road, Close, House */
    MDT_LEX_UNIT = 1u << 10,     /* Flat, Room */
    MDT_LEX_PLACE = 1u << 11,    /* Arms, Academy, Logistics */
    MDT_LEX_LPLACE = 1u << 12,   /* pub, café after a place name */
    MDT_LEX_LOCATIVE = 1u << 13, /* in, near, at */
    MDT_LEX_BOAT = 1u << 14,     /* nb, narrowboat */
    MDT_LEX_PHRASE1 = 1u << 15,  /* first word of some phrase entry */
    MDT_LEX_PUB = 1u << 16,      /* a common pub name (Red Lion) */
    /* word classes of the names detector (scrub-names.c), added by
     * mdt__names_add_classes */
    MDT_LEX_C_STOP = 1u << 17,     /* function words: the, and, his */
    MDT_LEX_C_SUBJVERB = 1u << 18, /* verbs after a subject: rang, says */
    MDT_LEX_C_LOC = 1u << 19,      /* locatives: in, near, outside */
    MDT_LEX_C_WORK = 1u << 20,     /* work words: shifts, employer */
    MDT_LEX_C_WEAKST = 1u << 21,   /* street suffixes that are common words */
    MDT_LEX_C_LAWCOURT = 1u << 22, /* county, crown: "... Court" is a law court */
    MDT_LEX_C_INSTIT = 1u << 23,   /* college, hospital: an institution */
    MDT_LEX_PREFIX = 1u << 24,     /* words that begin a longer phrase entry */
    MDT_LEX_C_AUX = 1u << 25,      /* verbs that start a question: can, did */
    MDT_LEX_C_HOSP = 1u << 26,     /* hospital, infirmary: ends an institution's name */
    MDT_LEX_C_LANGB = 1u << 27,    /* speaks, celebrates: a language or festival follows */
    MDT_LEX_C_LANGA = 1u << 28,    /* interpreter, festival: after a language or festival */
    /* an allow-list acronym (PIP, ED): mdt__lex_word_flags gives
     * MDT_LEX_ALLOW only to the word written in capitals, so "her son Ed"
     * or "Pip" stay names; mdt__lex_flags, with no case to go by, gives
     * MDT_LEX_ALLOW always */
    MDT_LEX_ALLOW_CAPS = 1u << 29,
    MDT_LEX_SMALL = 1u << 30, /* a village or small town of places-gb.txt */
};

/* Adds flags to the folded word (or phrase) key, creating the entry. Only
 * while the scrub context is being built. */
void mdt__lex_add(struct mdt_lexicons *lex, const char *folded, size_t len, uint32_t flags);

/* scrub-names.c: adds the names detector's word classes to lex. */
void mdt__names_add_classes(struct mdt_lexicons *lex);

/* The flags of a folded word or phrase (words joined by one space), 0 when
 * unknown. */
uint32_t mdt__lex_flags(const struct mdt_lexicons *lex, const char *folded, size_t len);

struct mdt_word;

/* mdt__lex_flags of one word of mdt__words (w, its folded key): the hash
 * computed while splitting is reused and no phrase is looked for. */
uint32_t mdt__lex_word_flags(const struct mdt_lexicons *lex, const struct mdt_word *w,
                             const char *keys);

/* The longest phrase entry, in words. */
size_t mdt__lex_max_phrase(const struct mdt_lexicons *lex);

/* Borrowed: the short forms of a folded full first name, as folded words
 * separated by single spaces ("pat trish tricia patsy patty" for
 * "patricia"), or NULL. */
const char *mdt__lex_short_forms(const struct mdt_lexicons *lex, const char *folded, size_t len);

/* One word of a text. */
struct mdt_word {
    size_t start, end;  /* bytes of the word in the text, a possessive 's left out */
    size_t key, keylen; /* the folded word in the caller's key buffer */
    uint32_t hash;      /* the lexicon's hash of the folded word, for
                           mdt__lex_word_flags */
    bool cap;           /* starts with an upper-case letter */
    bool allcaps;       /* two or more letters, all upper case */
    bool digit;         /* contains a digit (a number, "2nd", "41a") */
    bool possessive;    /* followed by 's */
};

/* Splits text[0..len) into words. *words is new (free()), keys is a new
 * buffer (free()) holding the folded words. Returns the number of words.
 * Any bytes are accepted; bytes that are not UTF-8 Latin letters are kept
 * as they are inside a word. */
size_t mdt__words(const char *text, size_t len, struct mdt_word **words, char **keys);

/* Folds a word into out (at least len bytes); returns the folded length. */
size_t mdt__fold(const char *s, size_t len, char *out);

#endif
