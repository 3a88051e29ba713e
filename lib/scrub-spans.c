/* Span lists of the scrubber: collecting what the detectors find, merging
 * overlaps, numbering people and rendering placeholders. Kept apart from
 * scrub.c so the pattern detectors and the rendering can be tested and
 * benchmarked on their own. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scrub-internal.h"
#include "xmalloc.h"

void mdt__spans_init(struct mdt_spans *s)
{
    s->v = NULL;
    s->n = 0;
    s->alloc = 0;
}

void mdt__spans_release(struct mdt_spans *s)
{
    for (size_t k = 0; k < s->n; k++)
        free(s->v[k].person_key);
    free(s->v);
    mdt__spans_init(s);
}

void mdt__spans_add(struct mdt_spans *s, size_t start, size_t end, enum mdt_kind kind, int prio,
                    const char *person_key)
{
    struct mdt_span *sp;

    if (end <= start || (unsigned)kind >= MDT_KIND_COUNT)
        return;
    if (s->n == s->alloc) {
        s->alloc = s->alloc ? s->alloc * 2 : 16;
        s->v = mdt_xreallocarray(s->v, s->alloc, sizeof(*s->v));
    }
    sp = &s->v[s->n++];
    sp->start = start;
    sp->end = end;
    sp->kind = kind;
    sp->prio = prio;
    sp->person_key = person_key ? mdt_xstrdup(person_key) : NULL;
}

static const char *const placeholders[MDT_KIND_COUNT] = {
    "[CLIENT]", "[PERSON-", "[DATE]", "[ADDRESS]", "[POSTCODE]", "[PHONE]", "[EMAIL]",
    "[NHS-NUMBER]", "[NI-NUMBER]", "[ID]", "[PLACE]", "[HANDLE]", "[VEHICLE]", "[AGE-90+]",
};

static const char *const kind_names[MDT_KIND_COUNT] = {
    "CLIENT", "PERSON", "DATE", "ADDRESS", "POSTCODE", "PHONE", "EMAIL",
    "NHS_NUMBER", "NI_NUMBER", "ID", "PLACE", "HANDLE", "VEHICLE", "AGE_90",
};

const char *mdt_kind_name(enum mdt_kind k)
{
    return (unsigned)k < MDT_KIND_COUNT ? kind_names[k] : "UNKNOWN";
}

const char *mdt_kind_placeholder(enum mdt_kind k)
{
    return (unsigned)k < MDT_KIND_COUNT ? placeholders[k] : "[ID]";
}

size_t mdt__placeholder_end(const char *text, size_t len, size_t i)
{
    if (i + 1 >= len || text[i] != '[')
        return 0;
    for (int k = 0; k < MDT_KIND_COUNT; k++) {
        /* the letter after '[' tells most apart without a compare: the
         * scan meets every placeholder of a scrubbed text */
        if (placeholders[k][1] != text[i + 1])
            continue;
        size_t n = strlen(placeholders[k]);
        if (i + n > len || memcmp(text + i, placeholders[k], n) != 0)
            continue;
        if (k != MDT_KIND_PERSON)
            return i + n;
        /* [PERSON-12] */
        {
            size_t p = i + n, d = 0;
            while (p < len && d < 6 && text[p] >= '0' && text[p] <= '9')
                p++, d++;
            if (d > 0 && p < len && text[p] == ']')
                return p + 1;
        }
    }
    return 0;
}

static int cmp_span(const void *a, const void *b)
{
    const struct mdt_span *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end > y->end ? -1 : 1;
    return 0;
}

/* Does span a win the label of a merged union over span b? */
static int outranks(const struct mdt_span *a, const struct mdt_span *b)
{
    if (a->prio != b->prio)
        return a->prio > b->prio;
    if (a->end - a->start != b->end - b->start)
        return a->end - a->start > b->end - b->start;
    /* the same text seen as a reference and as something more specific
     * ("nhs no 999-019-9205"): the specific kind names it better */
    return b->kind == MDT_KIND_ID && a->kind != MDT_KIND_ID;
}

void mdt__spans_resolve(struct mdt_spans *s, const char *text, size_t len)
{
    size_t w = 0;

    /* Clamp, widen to whole UTF-8 characters, and drop spans that lie
     * inside a placeholder already in the text. */
    for (size_t k = 0; k < s->n; k++) {
        struct mdt_span *sp = &s->v[k];
        if (sp->end > len)
            sp->end = len;
        while (sp->start > 0 && ((unsigned char)text[sp->start] & 0xC0) == 0x80)
            sp->start--;
        while (sp->end < len && ((unsigned char)text[sp->end] & 0xC0) == 0x80)
            sp->end++;
    }
    if (s->n == 0)
        return;
    qsort(s->v, s->n, sizeof(*s->v), cmp_span);
    {
        /* placeholders: walk them alongside the sorted spans */
        size_t ph_start = 0, ph_end = 0, scan = 0;
        for (size_t k = 0; k < s->n; k++) {
            struct mdt_span *sp = &s->v[k];
            while (scan <= sp->start && scan < len) {
                size_t e = text[scan] == '[' ? mdt__placeholder_end(text, len, scan) : 0;
                if (e) {
                    ph_start = scan;
                    ph_end = e;
                    scan = e;
                } else {
                    scan++;
                }
            }
            if (sp->end <= sp->start || (sp->start >= ph_start && sp->end <= ph_end)) {
                free(sp->person_key);
                sp->person_key = NULL;
                sp->end = sp->start; /* dropped below */
            }
        }
    }
    for (size_t k = 0; k < s->n; k++) {
        struct mdt_span *sp = &s->v[k];
        if (sp->end <= sp->start)
            continue;
        if (w > 0 && sp->start < s->v[w - 1].end) {
            struct mdt_span *u = &s->v[w - 1];
            struct mdt_span merged = *u;
            if (sp->end > merged.end)
                merged.end = sp->end;
            if (outranks(sp, u)) {
                free(u->person_key);
                u->person_key = sp->person_key;
                u->kind = sp->kind;
                u->prio = sp->prio;
            } else {
                free(sp->person_key);
            }
            sp->person_key = NULL;
            u->end = merged.end;
            continue;
        }
        if (w != k) {
            s->v[w] = *sp;
            sp->person_key = NULL;
        }
        w++;
    }
    s->n = w;
}

void mdt__people_init(struct mdt_people *p)
{
    p->keys = NULL;
    p->n = 0;
    p->alloc = 0;
}

void mdt__people_release(struct mdt_people *p)
{
    for (size_t k = 0; k < p->n; k++)
        free(p->keys[k]);
    free(p->keys);
    mdt__people_init(p);
}

size_t mdt__people_number(struct mdt_people *p, const char *key)
{
    /* A case names a handful of people: a linear search is the fastest. */
    for (size_t k = 0; k < p->n; k++)
        if (strcmp(p->keys[k], key) == 0)
            return k + 1;
    if (p->n == p->alloc) {
        p->alloc = p->alloc ? p->alloc * 2 : 8;
        p->keys = mdt_xreallocarray(p->keys, p->alloc, sizeof(*p->keys));
    }
    p->keys[p->n++] = mdt_xstrdup(key);
    return p->n;
}

int mdt__render_at(const char *text, size_t len, const struct mdt_spans *s,
                   struct mdt_people *people, struct mdt_buf *out, size_t *out_at)
{
    size_t at = 0;
    int rc;

    for (size_t k = 0; k < s->n; k++) {
        const struct mdt_span *sp = &s->v[k];
        if (out_at)
            out_at[2 * k] = out_at[2 * k + 1] = out->len; /* skipped: empty */
        if (sp->start < at || sp->end > len)
            continue; /* not resolved: never happens after mdt__spans_resolve */
        if ((rc = mdt_buf_add(out, text + at, sp->start - at)) < 0)
            return rc;
        if (out_at)
            out_at[2 * k] = out->len;
        if (sp->kind == MDT_KIND_PERSON) {
            size_t n;
            if (sp->person_key) {
                n = mdt__people_number(people, sp->person_key);
            } else {
                char *key = mdt_xstrndup(text + sp->start, sp->end - sp->start);
                for (char *c = key; *c; c++)
                    if (*c >= 'A' && *c <= 'Z')
                        *c = (char)(*c + 32);
                n = mdt__people_number(people, key);
                free(key);
            }
            /* "[PERSON-n]" written by hand: printf was a tenth of the
             * render's cost */
            char num[24], *d = num + sizeof(num);
            *--d = ']';
            do
                *--d = (char)('0' + n % 10);
            while ((n /= 10) != 0);
            rc = mdt_buf_adds(out, "[PERSON-");
            if (rc == 0)
                rc = mdt_buf_add(out, d, (size_t)(num + sizeof(num) - d));
        } else {
            rc = mdt_buf_adds(out, mdt_kind_placeholder(sp->kind));
        }
        if (rc < 0)
            return rc;
        if (out_at)
            out_at[2 * k + 1] = out->len;
        at = sp->end;
    }
    return mdt_buf_add(out, text + at, len - at);
}

int mdt__render(const char *text, size_t len, const struct mdt_spans *s,
                struct mdt_people *people, struct mdt_buf *out)
{
    return mdt__render_at(text, len, s, people, out, NULL);
}
