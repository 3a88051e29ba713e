/* Internals of the scrubber, shared between its source files:
 *   scrub.c          the pipeline: run detectors, number people, render;
 *                    case parsing and payload
 *   scrub-spans.c    span lists: add, resolve overlaps, render placeholders
 *   casefile.c       parsing and validating the case file
 *   scrub-patterns.c validated patterns: NHS and NI numbers, postcodes,
 *                    phones, emails, URLs and handles, vehicles, hospital
 *                    numbers and other references, dates, ages over 89
 *   scrub-names.c    people and places by context and lexicons
 *   scrub-known.c    the client block's own identifiers in every form
 *   lexicon.c        the embedded word lists (lib/data/) as hash sets
 */
#ifndef MDT_SCRUB_INTERNAL_H
#define MDT_SCRUB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "scrub.h"

/* A span of text to replace. Overlapping spans are merged by the pipeline:
 * the union is replaced, labelled with the kind of the highest prio. */
struct mdt_span {
    size_t start, end; /* byte offsets, end exclusive */
    enum mdt_kind kind;
    int prio;          /* MDT_PRIO_* */
    char *person_key;  /* owned; PERSON only: normalised key of the person,
                          so "Karim Haddad", "Mr Haddad" and "Karim" can be
                          numbered alike; NULL elsewhere */
};

enum {
    MDT_PRIO_CONTEXT = 10,  /* guessed from context or lexicon */
    MDT_PRIO_PATTERN = 20,  /* validated pattern */
    MDT_PRIO_KNOWN = 30,    /* from the client block */
};

struct mdt_spans {
    struct mdt_span *v;
    size_t n, alloc;
};

void mdt__spans_init(struct mdt_spans *s);
void mdt__spans_release(struct mdt_spans *s);
/* person_key is copied (may be NULL). */
void mdt__spans_add(struct mdt_spans *s, size_t start, size_t end, enum mdt_kind kind, int prio,
                    const char *person_key);

/* Sorts the spans and merges overlapping ones into their union, labelled
 * with the kind (and person_key) of the span of highest prio (on a tie, the
 * longest). Span ends are moved outwards to UTF-8 character boundaries and
 * spans lying wholly inside an existing placeholder ("[DATE]", "[PERSON-3]")
 * are dropped, so scrubbed text scrubs to itself. */
void mdt__spans_resolve(struct mdt_spans *s, const char *text, size_t len);

/* The end of the placeholder starting at text[i] ('['), or 0 if none. */
size_t mdt__placeholder_end(const char *text, size_t len, size_t i);

/* People numbered in order of first appearance across the fields of one
 * case: the same person_key always gets the same number. */
struct mdt_people {
    char **keys; /* owned */
    size_t n, alloc;
};
void mdt__people_init(struct mdt_people *p);
void mdt__people_release(struct mdt_people *p);
/* 1-based number of key, adding it when new. */
size_t mdt__people_number(struct mdt_people *p, const char *key);

/* Appends text with the resolved spans s replaced by placeholders to out
 * (PERSON spans numbered through people; a PERSON span without a key is
 * keyed by its lower-cased text). Returns 0 or -ENOBUFS at out's cap. */
int mdt__render(const char *text, size_t len, const struct mdt_spans *s,
                struct mdt_people *people, struct mdt_buf *out);
/* The same; out_at, when not NULL, holds 2 * s->n offsets and receives
 * where each span's placeholder starts and ends in out. */
int mdt__render_at(const char *text, size_t len, const struct mdt_spans *s,
                   struct mdt_people *people, struct mdt_buf *out, size_t *out_at);

/* scrub-patterns.c: keyword tables the pattern detectors use, built once. */
struct mdt_patterns;
struct mdt_patterns *mdt__patterns_new(void);
void mdt__patterns_free(struct mdt_patterns *p);

/* casefile.c: a parsed case (mdt_case_parse). */
struct mdt_case {
    struct mdt_client client;
    char **needs; /* n_needs strings */
    size_t n_needs;
    char *presentation, *question, *risk;
};

/* lexicon.c: the word lists, loaded once from the embedded data. */
struct mdt_lexicons;
struct mdt_lexicons *mdt__lexicons_new(void);
void mdt__lexicons_free(struct mdt_lexicons *lex);

struct mdt_scrub_ctx {
    struct mdt_lexicons *lex;
    struct mdt_patterns *pat;
    char version[24]; /* mdt_scrub_version */
};

/* Detectors add spans for what they find in text[0..len). They never
 * return errors: text is any bytes (not necessarily valid UTF-8). */
void mdt__detect_patterns(const struct mdt_scrub_ctx *ctx, const char *text, size_t len,
                          struct mdt_spans *out);
void mdt__detect_names(const struct mdt_scrub_ctx *ctx, const char *text, size_t len,
                       struct mdt_spans *out);

/* scrub-known.c: the client block's identifiers, compiled per case. */
struct mdt_known;
/* new: free with mdt__known_free */
struct mdt_known *mdt__known_new(const struct mdt_scrub_ctx *ctx, const struct mdt_client *client);
void mdt__known_free(struct mdt_known *k);
/* An age over 89 found in one text of the case (AGE_90): the same number
 * standing alone in another text is the same age ("is 94" in the
 * presentation, "a wish to die at 94" in the risk). */
void mdt__known_add_age(struct mdt_known *k, unsigned age);
void mdt__detect_known(const struct mdt_known *k, const char *text, size_t len,
                       struct mdt_spans *out);

#endif
