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

/* One pass over text: every detector, then render into out. Returns the
 * number of spans replaced, or -ENOBUFS. */
static int scrub_once(const struct mdt_scrub_ctx *ctx, const struct mdt_known *known,
                      const char *text, size_t len, struct mdt_people *people,
                      struct mdt_buf *out)
{
    struct mdt_spans s;
    int rc;

    mdt__spans_init(&s);
    mdt__detect_patterns(ctx, text, len, &s);
    mdt__detect_names(ctx, text, len, &s);
    if (known)
        mdt__detect_known(known, text, len, &s);
    mdt__spans_resolve(&s, text, len);
    rc = mdt__render(text, len, &s, people, out);
    if (rc == 0)
        rc = s.n > INT_MAX ? INT_MAX : (int)s.n;
    mdt__spans_release(&s);
    return rc;
}

/* Scrubs text until the gate finds nothing. new: caller frees; NULL only
 * when the output would pass its cap (not reachable with bounded input). */
static char *scrub_field(const struct mdt_scrub_ctx *ctx, const struct mdt_known *known,
                         const char *text, size_t len, struct mdt_people *people)
{
    struct mdt_buf out;
    char *cur = NULL;
    size_t cur_len = len;

    for (int round = 0; round < SCRUB_ROUNDS; round++) {
        int n;
        mdt_buf_init(&out, OUT_CAP(cur_len));
        if ((n = scrub_once(ctx, known, cur ? cur : text, cur_len, people, &out)) < 0) {
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
         * the detectors just run, has already seen it clean. */
        if (n == 0 || mdt_scrub_detect(ctx, cur, cur_len, NULL) == 0)
            break;
    }
    return cur;
}

char *mdt_scrub_text(const struct mdt_scrub_ctx *ctx, const char *text, size_t len)
{
    struct mdt_people people;
    char *r;

    mdt__people_init(&people);
    r = scrub_field(ctx, NULL, text, len, &people);
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
    static const char *const names[3] = {"presentation", "question", "risk"};
    char *scrubbed[3] = {NULL, NULL, NULL};
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
    for (int k = 0; k < 3; k++) {
        scrubbed[k] = scrub_field(ctx, known, fields[k], strlen(fields[k]), &people);
        if (scrubbed[k] == NULL) {
            mdt_buf_printf(err, "%s: too long to scrub", names[k]);
            rc = -ENOBUFS;
            goto out;
        }
    }
    needs = json_array();
    for (size_t k = 0; k < c->n_needs; k++) {
        char *s = scrub_field(ctx, known, c->needs[k], strlen(c->needs[k]), &people);
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
            mdt_buf_printf(err, "%s: not valid UTF-8 after scrubbing", names[k]);
            rc = -EINVAL;
            goto out;
        }
        json_object_set_new(p, names[k], v);
    }
    *payload = p;
    p = NULL;
    rc = 0;
out:
    for (int k = 0; k < 3; k++)
        free(scrubbed[k]);
    json_decref(needs);
    json_decref(p);
    mdt__known_free(known);
    mdt__people_release(&people);
    return rc;
}
