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
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lexicon.h"
#include "pseudonym.h"
#include "scrub-internal.h"
#include "xmalloc.h"

/* A scrubbed text grows at most by the longest placeholder per byte. */
#define OUT_CAP(len) ((len) * 16 + 4096)
#define SCRUB_ROUNDS 4

struct mdt_scrub_ctx *mdt_scrub_ctx_new(void)
{
    struct mdt_scrub_ctx *ctx = mdt_xcalloc(1, sizeof(*ctx));
    ctx->lex = mdt__lexicons_new();
    mdt__names_add_classes(ctx->lex);
    ctx->pat = mdt__patterns_new();
    return ctx;
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
 * the whole case (so it is not run again here). Returns the number of
 * spans replaced, or -ENOBUFS. */
static int scrub_once(const struct mdt_scrub_ctx *ctx, const struct mdt_known *known,
                      const char *text, size_t len, const struct mdt_spans *names,
                      struct mdt_people *people, struct mdt_buf *out)
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
    rc = mdt__render(text, len, &s, people, out);
    if (rc == 0)
        rc = s.n > INT_MAX ? INT_MAX : (int)s.n;
    mdt__spans_release(&s);
    return rc;
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

    for (int round = 0; round < SCRUB_ROUNDS; round++) {
        int n;
        mdt_buf_init(&out, OUT_CAP(cur_len));
        n = scrub_once(ctx, known, cur ? cur : text, cur_len, round == 0 ? names : NULL, people,
                       &out);
        if (n < 0) {
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
         * the detectors just run, has already seen it clean (in the first
         * round with case-wide names, the gate's own names detector has
         * not: it runs). */
        if ((n == 0 && !(round == 0 && names)) || mdt_scrub_detect(ctx, cur, cur_len, NULL) == 0)
            break;
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
