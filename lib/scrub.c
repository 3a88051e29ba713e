/* The scrubber's pipeline and the case file.
 *
 * A text is scrubbed by running every detector over it (validated
 * patterns, names and places, and the client block's own identifiers),
 * merging the spans they report, and replacing each with its placeholder.
 * People are numbered in order of first appearance over the whole case
 * (presentation, then question, then risk, then needs). The result is
 * checked with the same detector the server uses as its gate; if that
 * still finds something (a replacement can bring words together that
 * read differently), the scrub runs again on its own output, so what
 * leaves passes the gate. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lexicon.h"
#include "pseudonym.h"
#include "embed.h"
#include "scrub-internal.h"
#include "xmalloc.h"

/* A scrubbed text grows at most by the longest placeholder per byte. */
#define OUT_CAP(len) ((len) * 16 + 4096)
#define SCRUB_ROUNDS 8

struct mdt_scrub_ctx *mdt_scrub_ctx_new(void)
{
    struct mdt_scrub_ctx *ctx = mdt_xcalloc(1, sizeof(*ctx));
    uint32_t h = 2166136261u; /* FNV-1a over the names and bytes of the word lists */

    ctx->lex = mdt__lexicons_new();
    mdt__names_add_classes(ctx->lex);
    ctx->pat = mdt__patterns_new();
    for (const struct mdt_embed *e = mdt_lexicon; e->name; e++) {
        for (const char *p = e->name; *p; p++)
            h = (h ^ (unsigned char)*p) * 16777619u;
        for (const unsigned char *p = e->start; p < e->end; p++)
            h = (h ^ *p) * 16777619u;
    }
    snprintf(ctx->version, sizeof(ctx->version), "%d.%08x", MDT_SCRUB_RULES, (unsigned)h);
    return ctx;
}

const char *mdt_scrub_version(const struct mdt_scrub_ctx *ctx)
{
    return ctx->version;
}

void mdt_scrub_ctx_free(struct mdt_scrub_ctx *ctx)
{
    if (ctx == NULL)
        return;
    mdt__lexicons_free(ctx->lex);
    mdt__patterns_free(ctx->pat);
    free(ctx);
}

/* The gate's detector: patterns and names, no client block. */
static void detect_gate(const struct mdt_scrub_ctx *ctx, const char *text, size_t len,
                        struct mdt_spans *s)
{
    mdt__detect_patterns(ctx, text, len, s);
    mdt__detect_names(ctx, text, len, s);
    mdt__spans_resolve(s, text, len);
}

size_t mdt_scrub_detect(const struct mdt_scrub_ctx *ctx, const char *text, size_t len,
                        struct mdt_finding **out)
{
    struct mdt_spans s;
    size_t n;

    mdt__spans_init(&s);
    detect_gate(ctx, text, len, &s);
    n = s.n;
    if (out) {
        *out = NULL;
        if (n) {
            *out = mdt_xreallocarray(NULL, n, sizeof(**out));
            for (size_t k = 0; k < n; k++) {
                (*out)[k].kind = s.v[k].kind;
                (*out)[k].start = s.v[k].start;
                (*out)[k].end = s.v[k].end;
            }
        }
    }
    mdt__spans_release(&s);
    return n;
}

/* One pass over text: every detector, then render into out. names, when
 * not NULL, holds the names detector's spans for this text, found over
 * the whole case (so it is not run again here). *at (new, free()) receives
 * the output ranges of the placeholders written, *nat of them. Returns the
 * number of spans replaced, or -ENOBUFS. */
static int scrub_once(const struct mdt_scrub_ctx *ctx, const struct mdt_known *known,
                      const char *text, size_t len, const struct mdt_spans *names,
                      struct mdt_people *people, struct mdt_buf *out, size_t **at, size_t *nat)
{
    struct mdt_spans s;
    int rc;

    mdt__spans_init(&s);
    mdt__detect_patterns(ctx, text, len, &s);
    if (names) {
        for (size_t k = 0; k < names->n; k++)
            mdt__spans_add(&s, names->v[k].start, names->v[k].end, names->v[k].kind,
                           names->v[k].prio, names->v[k].person_key);
    } else {
        mdt__detect_names(ctx, text, len, &s);
    }
    if (known)
        mdt__detect_known(known, text, len, &s);
    mdt__spans_resolve(&s, text, len);
    *at = mdt_xreallocarray(NULL, 2 * s.n + 1, sizeof(**at));
    *nat = s.n;
    rc = mdt__render_at(text, len, &s, people, out, *at);
    if (rc == 0)
        rc = s.n > INT_MAX ? INT_MAX : (int)s.n;
    mdt__spans_release(&s);
    return rc;
}

/* How far the detectors look around a word: the pattern matchers at most
 * 64 bytes (a platform word before a handle), the names detector a few
 * words (a phrase of the lexicon, a title and an initial, the words
 * before a street word). A window around each replacement reaches at
 * least this far on both sides, and on to a line start or end when one is
 * near, since sentence and line starts change how words read. */
#define CHECK_BYTES 96
#define CHECK_TOKENS 8

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The start of the window before offset a: a token start at least
 * CHECK_BYTES and CHECK_TOKENS blank-separated tokens back, or 0. */
static size_t window_start(const char *t, size_t a)
{
    size_t k = a, tokens = 0;
    while (k > 0 && (a - k < CHECK_BYTES || tokens < CHECK_TOKENS)) {
        while (k > 0 && blank(t[k - 1]))
            k--;
        while (k > 0 && !blank(t[k - 1]))
            k--;
        tokens++;
    }
    for (size_t j = k; j > 0 && k - j < CHECK_BYTES; j--)
        if (t[j - 1] == '\n')
            return j;
    return k;
}

static size_t window_end(const char *t, size_t len, size_t b)
{
    size_t k = b, tokens = 0;
    while (k < len && (k - b < CHECK_BYTES || tokens < CHECK_TOKENS)) {
        while (k < len && blank(t[k]))
            k++;
        while (k < len && !blank(t[k]))
            k++;
        tokens++;
    }
    for (size_t j = k; j < len && j - k < CHECK_BYTES; j++)
        if (t[j] == '\n')
            return j;
    return k;
}

/* Does the gate find nothing in text, the output of a round that ran at
 * least the gate's detectors over its input and replaced what they found
 * (at: the nat output ranges of the placeholders written)?
 *
 * Words far from every replacement read as they did in the input, where
 * the gate's detectors found nothing to leave there, so only the windows
 * around the replacements are checked. The names detector's one reach
 * across a whole text, a name seen in one place marking the same word
 * everywhere, starts from a name found by its local rules: with none in
 * the windows, there is none. Anything found in a window, even near its
 * edge where the view is partial, is settled by the gate over the whole
 * text. */
static bool gate_clean_near(const struct mdt_scrub_ctx *ctx, const char *text, size_t len,
                            const size_t *at, size_t nat)
{
    size_t k = 0;
    while (k < nat) {
        size_t a = window_start(text, at[2 * k]);
        size_t e = at[2 * k + 1], b;
        /* merge the windows that meet; a window reaches at least
         * CHECK_BYTES from its replacement, so near ones need no look */
        for (;;) {
            if (++k < nat && at[2 * k] - e <= 2 * CHECK_BYTES) {
                e = at[2 * k + 1];
                continue;
            }
            b = window_end(text, len, e);
            if (k < nat && window_start(text, at[2 * k]) <= b) {
                e = at[2 * k + 1];
                continue;
            }
            break;
        }
        struct mdt_spans s;
        mdt__spans_init(&s);
        detect_gate(ctx, text + a, b - a, &s);
        size_t found = s.n;
        mdt__spans_release(&s);
        if (found)
            return mdt_scrub_detect(ctx, text, len, NULL) == 0;
    }
    return true;
}

/* Scrubs text until the gate finds nothing. names: as for scrub_once, used
 * in the first round only. new: caller frees; NULL only when the output
 * would pass its cap (not reachable with bounded input). */
static char *scrub_field(const struct mdt_scrub_ctx *ctx, const struct mdt_known *known,
                         const char *text, size_t len, const struct mdt_spans *names,
                         struct mdt_people *people)
{
    struct mdt_buf out;
    char *cur = NULL;
    size_t cur_len = len;
    bool clean = false;

    for (int round = 0; round < SCRUB_ROUNDS && !clean; round++) {
        size_t *at = NULL, nat = 0;
        bool case_names = round == 0 && names;
        int n;
        mdt_buf_init(&out, OUT_CAP(cur_len));
        n = scrub_once(ctx, known, cur ? cur : text, cur_len, case_names ? names : NULL, people,
                       &out, &at, &nat);
        if (n < 0) {
            free(at);
            mdt_buf_release(&out);
            free(cur);
            return NULL;
        }
        free(cur);
        cur_len = out.len;
        cur = mdt_buf_detach(&out);
        if (cur == NULL)
            cur = mdt_xstrdup("");
        /* Nothing found: the text is unchanged and the gate, a subset of
         * the detectors just run, has already seen it clean. A round with
         * the case-wide names has not run the gate's own names detector
         * over this text: the whole text is checked. */
        clean = case_names ? mdt_scrub_detect(ctx, cur, cur_len, NULL) == 0
                           : n == 0 || gate_clean_near(ctx, cur, cur_len, at, nat);
        free(at);
    }
    /* Every round replaced what it found, and what it left reads as an
     * identifier once more: a chain of codes that each read as one only
     * once the one before is gone ("66:6n6677:67702186DD"). Text that
     * will not come clean leaves as one placeholder: nothing of it is
     * known to be safe. */
    if (!clean) {
        free(cur);
        cur = mdt_xstrdup(mdt_kind_placeholder(MDT_KIND_ID));
    }
    return cur;
}

/* The names detector over all free texts of a case as one document, so a
 * name seen in full in one field ("Karim Haddad" in the presentation) is
 * found alone in another ("help Karim" in the question), under the same
 * key. Texts are joined by a blank line (a sentence break for the
 * detector); per[k] receives text k's spans with offsets into text k. */
static void detect_names_case(const struct mdt_scrub_ctx *ctx, const char *const *texts,
                              size_t n, struct mdt_spans *per)
{
    struct mdt_buf all;
    struct mdt_spans s;
    size_t *off = mdt_xreallocarray(NULL, n + 1, sizeof(*off));

    mdt_buf_init(&all, MDT_BUF_NOCAP);
    for (size_t k = 0; k < n; k++) {
        off[k] = all.len;
        mdt_buf_adds(&all, texts[k]);
        mdt_buf_adds(&all, "\n\n");
    }
    off[n] = all.len;
    mdt__spans_init(&s);
    mdt__detect_names(ctx, all.data, all.len, &s);
    for (size_t i = 0; i < s.n; i++) {
        const struct mdt_span *sp = &s.v[i];
        /* the text holding the span's start (offsets are sorted) */
        size_t lo = 0, hi = n;
        while (hi - lo > 1) {
            size_t mid = (lo + hi) / 2;
            if (off[mid] <= sp->start)
                lo = mid;
            else
                hi = mid;
        }
        size_t tl = strlen(texts[lo]);
        size_t a = sp->start - off[lo], b = sp->end - off[lo];
        if (b > tl)
            b = tl; /* never across the separator: names do not span lines */
        mdt__spans_add(&per[lo], a, b, sp->kind, sp->prio, sp->person_key);
    }
    mdt__spans_release(&s);
    mdt_buf_release(&all);
    free(off);
}

/* An age over 89 found in one text of a case is the same age wherever the
 * number stands alone in another ("is 94" in the presentation, "a wish to
 * die at 94" in the risk), so it becomes a known identifier of the case.
 * The pattern detector, which tells an age from a count, runs only when
 * some number from 90 to 125 stands alone in two places. */
static void case_ages(const struct mdt_scrub_ctx *ctx, const char *const *texts, size_t n,
                      struct mdt_known *known)
{
    unsigned char count[126] = {0};
    bool twice = false;

    for (size_t k = 0; k < n; k++) {
        const char *t = texts[k];
        for (size_t i = 0; t[i]; i++) {
            if (t[i] < '0' || t[i] > '9' || (i > 0 && t[i - 1] >= '0' && t[i - 1] <= '9'))
                continue;
            unsigned v = 0, d = 0;
            while (t[i + d] >= '0' && t[i + d] <= '9' && d < 4)
                v = v * 10 + (unsigned)(t[i + d++] - '0');
            if (d >= 2 && d <= 3 && !(t[i + d] >= '0' && t[i + d] <= '9') && v >= 90 && v <= 125 &&
                count[v] < 2)
                twice |= ++count[v] == 2;
        }
    }
    if (!twice)
        return;
    bool added[126] = {false};
    for (size_t k = 0; k < n; k++) {
        struct mdt_spans s;
        mdt__spans_init(&s);
        mdt__detect_patterns(ctx, texts[k], strlen(texts[k]), &s);
        for (size_t i = 0; i < s.n; i++) {
            if (s.v[i].kind != MDT_KIND_AGE_90)
                continue;
            const char *t = texts[k];
            unsigned v = 0;
            for (size_t j = s.v[i].start; j < s.v[i].end && t[j] >= '0' && t[j] <= '9'; j++)
                v = v * 10 + (unsigned)(t[j] - '0');
            if (v >= 90 && v <= 125 && count[v] == 2 && !added[v]) {
                mdt__known_add_age(known, v);
                added[v] = true;
            }
        }
        mdt__spans_release(&s);
    }
}

char *mdt_scrub_text(const struct mdt_scrub_ctx *ctx, const char *text, size_t len)
{
    struct mdt_people people;
    char *r;

    mdt__people_init(&people);
    r = scrub_field(ctx, NULL, text, len, NULL, &people);
    mdt__people_release(&people);
    return r ? r : mdt_xstrdup("");
}

int mdt_case_scrub(const struct mdt_scrub_ctx *ctx, const struct mdt_case *c,
                   const uint8_t key[32], json_t **payload, struct mdt_buf *err)
{
    struct mdt_known *known = NULL;
    struct mdt_people people;
    json_t *p = NULL, *needs = NULL;
    char pseudonym[14], band[8];
    const char *fields[3] = {c->presentation, c->question, c->risk};
    static const char *const field_names[3] = {"presentation", "question", "risk"};
    char *scrubbed[3] = {NULL, NULL, NULL};
    const char **texts = NULL;
    struct mdt_spans *names = NULL;
    size_t nt = 0;
    int rc;

    *payload = NULL;
    mdt__people_init(&people);
    if ((rc = mdt_pseudonym(key, &c->client, pseudonym, err)) < 0)
        goto out;
    if ((rc = mdt_age_band(c->client.date_of_birth, time(NULL), band)) < 0) {
        mdt_buf_adds(err, "client.date_of_birth: in the future");
        goto out;
    }
    known = mdt__known_new(ctx, &c->client);
    nt = 3 + c->n_needs;
    texts = mdt_xreallocarray(NULL, nt, sizeof(*texts));
    names = mdt_xreallocarray(NULL, nt, sizeof(*names));
    for (size_t k = 0; k < nt; k++) {
        texts[k] = k < 3 ? fields[k] : c->needs[k - 3];
        mdt__spans_init(&names[k]);
    }
    detect_names_case(ctx, texts, nt, names);
    case_ages(ctx, texts, nt, known);
    for (int k = 0; k < 3; k++) {
        scrubbed[k] =
            scrub_field(ctx, known, fields[k], strlen(fields[k]), &names[k], &people);
        if (scrubbed[k] == NULL) {
            mdt_buf_printf(err, "%s: too long to scrub", field_names[k]);
            rc = -ENOBUFS;
            goto out;
        }
    }
    needs = json_array();
    for (size_t k = 0; k < c->n_needs; k++) {
        char *s = scrub_field(ctx, known, c->needs[k], strlen(c->needs[k]), &names[3 + k],
                              &people);
        if (s == NULL) {
            mdt_buf_printf(err, "needs[%zu]: too long to scrub", k);
            rc = -ENOBUFS;
            goto out;
        }
        json_t *v = json_string(s);
        free(s);
        if (v == NULL) {
            mdt_buf_printf(err, "needs[%zu]: not valid UTF-8 after scrubbing", k);
            rc = -EINVAL;
            goto out;
        }
        json_array_append_new(needs, v);
    }
    p = json_object();
    json_object_set_new(p, "pseudonym", json_string(pseudonym));
    json_object_set_new(p, "age_band", json_string(band));
    json_object_set_new(p, "needs", needs);
    needs = NULL;
    for (int k = 0; k < 3; k++) {
        json_t *v = json_string(scrubbed[k]);
        if (v == NULL) { /* cannot happen with UTF-8 in: spans keep whole characters */
            mdt_buf_printf(err, "%s: not valid UTF-8 after scrubbing", field_names[k]);
            rc = -EINVAL;
            goto out;
        }
        json_object_set_new(p, field_names[k], v);
    }
    *payload = p;
    p = NULL;
    rc = 0;
out:
    for (int k = 0; k < 3; k++)
        free(scrubbed[k]);
    json_decref(needs);
    json_decref(p);
    for (size_t k = 0; k < nt; k++)
        mdt__spans_release(&names[k]);
    free(names);
    free(texts);
    mdt__known_free(known);
    mdt__people_release(&people);
    return rc;
}
