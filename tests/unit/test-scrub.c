/* The scrubber's pipeline: span merging, people numbering, rendering. */
#include <stdlib.h>
#include <string.h>

#include "scrub-internal.h"
#include "test.h"

static char *render(const char *text, struct mdt_spans *s, struct mdt_people *people)
{
    struct mdt_buf out;
    char *r;

    mdt_buf_init(&out, MDT_BUF_NOCAP);
    mdt__spans_resolve(s, text, strlen(text));
    ASSERT_EQ(mdt__render(text, strlen(text), s, people, &out), 0);
    r = mdt_buf_detach(&out);
    return r ? r : strdup("");
}

TEST(scrub_kind_names_and_placeholders)
{
    ASSERT_STREQ(mdt_kind_name(MDT_KIND_NHS_NUMBER), "NHS_NUMBER");
    ASSERT_STREQ(mdt_kind_placeholder(MDT_KIND_NHS_NUMBER), "[NHS-NUMBER]");
    ASSERT_STREQ(mdt_kind_placeholder(MDT_KIND_PERSON), "[PERSON-");
    ASSERT_STREQ(mdt_kind_placeholder(MDT_KIND_AGE_90), "[AGE-90+]");
    ASSERT_STREQ(mdt_kind_name(MDT_KIND_COUNT), "UNKNOWN");
    for (int k = 0; k < MDT_KIND_COUNT; k++) {
        const char *p = mdt_kind_placeholder((enum mdt_kind)k);
        if (k == MDT_KIND_PERSON) {
            ASSERT_EQ(mdt__placeholder_end("[PERSON-12]x", 12, 0), 11);
            ASSERT_EQ(mdt__placeholder_end("[PERSON-]", 9, 0), 0);
        } else {
            ASSERT_EQ(mdt__placeholder_end(p, strlen(p), 0), strlen(p));
            ASSERT_EQ(mdt__placeholder_end(p, strlen(p) - 1, 0), 0);
        }
    }
}

TEST(scrub_overlaps_merge_into_union_of_highest_prio)
{
    const char *text = "Mr Karim Haddad, 41 Cartergate Court, rang.";
    struct mdt_spans s;
    struct mdt_people people;
    char *r;

    mdt__spans_init(&s);
    mdt__people_init(&people);
    /* "Karim Haddad" as a person by context, "Haddad, 41" as an address by
     * pattern: the union is one placeholder of the pattern's kind */
    mdt__spans_add(&s, 3, 15, MDT_KIND_PERSON, MDT_PRIO_CONTEXT, "karim haddad");
    mdt__spans_add(&s, 9, 36, MDT_KIND_ADDRESS, MDT_PRIO_PATTERN, NULL);
    mdt__spans_add(&s, 20, 30, MDT_KIND_PLACE, MDT_PRIO_CONTEXT, NULL);
    r = render(text, &s, &people);
    ASSERT_STREQ(r, "Mr [ADDRESS], rang.");
    free(r);
    mdt__spans_release(&s);
    mdt__people_release(&people);
}

TEST(scrub_known_client_wins_and_equal_spans_prefer_specific_kind)
{
    const char *text = "Faith Asante, nhs no 999-019-9205.";
    struct mdt_spans s;
    struct mdt_people people;
    char *r;

    mdt__spans_init(&s);
    mdt__people_init(&people);
    mdt__spans_add(&s, 0, 12, MDT_KIND_PERSON, MDT_PRIO_CONTEXT, "faith asante");
    mdt__spans_add(&s, 0, 5, MDT_KIND_CLIENT, MDT_PRIO_KNOWN, NULL);
    mdt__spans_add(&s, 21, 33, MDT_KIND_ID, MDT_PRIO_PATTERN, NULL);
    mdt__spans_add(&s, 21, 33, MDT_KIND_NHS_NUMBER, MDT_PRIO_PATTERN, NULL);
    r = render(text, &s, &people);
    ASSERT_STREQ(r, "[CLIENT], nhs no [NHS-NUMBER].");
    ASSERT_EQ(people.n, 0);
    free(r);
    mdt__spans_release(&s);
    mdt__people_release(&people);
}

TEST(scrub_people_numbered_by_first_appearance_across_fields)
{
    const char *a = "Karim met Abena, then Mr Haddad again.";
    const char *b = "Ask Abena and Gemma.";
    struct mdt_spans s;
    struct mdt_people people;
    char *r;

    mdt__people_init(&people);
    mdt__spans_init(&s);
    mdt__spans_add(&s, 0, 5, MDT_KIND_PERSON, MDT_PRIO_CONTEXT, "haddad");
    mdt__spans_add(&s, 10, 15, MDT_KIND_PERSON, MDT_PRIO_CONTEXT, "abena");
    mdt__spans_add(&s, 25, 31, MDT_KIND_PERSON, MDT_PRIO_CONTEXT, "haddad");
    r = render(a, &s, &people);
    ASSERT_STREQ(r, "[PERSON-1] met [PERSON-2], then Mr [PERSON-1] again.");
    free(r);
    mdt__spans_release(&s);
    mdt__spans_init(&s);
    mdt__spans_add(&s, 4, 9, MDT_KIND_PERSON, MDT_PRIO_CONTEXT, "abena");
    mdt__spans_add(&s, 14, 19, MDT_KIND_PERSON, MDT_PRIO_CONTEXT, NULL); /* keyed by text */
    r = render(b, &s, &people);
    ASSERT_STREQ(r, "Ask [PERSON-2] and [PERSON-3].");
    free(r);
    mdt__spans_release(&s);
    mdt__people_release(&people);
}

TEST(scrub_spans_widen_to_whole_utf8_characters_and_skip_placeholders)
{
    /* "Siobhán" with a span that ends inside the two bytes of "á" */
    const char *text = "Siobh\xc3\xa1n and [PERSON-1] and [DATE].";
    struct mdt_spans s;
    struct mdt_people people;
    char *r;

    mdt__spans_init(&s);
    mdt__people_init(&people);
    mdt__spans_add(&s, 0, 6, MDT_KIND_PERSON, MDT_PRIO_CONTEXT, "siobhan");
    mdt__spans_add(&s, 14, 22, MDT_KIND_PERSON, MDT_PRIO_CONTEXT, "person"); /* inside */
    mdt__spans_add(&s, 29, 33, MDT_KIND_DATE, MDT_PRIO_PATTERN, NULL);      /* inside */
    mdt__spans_add(&s, 34, 99, MDT_KIND_DATE, MDT_PRIO_PATTERN, NULL);      /* clamped */
    r = render(text, &s, &people);
    ASSERT_STREQ(r, "[PERSON-1]n and [PERSON-1] and [DATE][DATE]");
    free(r);
    mdt__spans_release(&s);
    mdt__people_release(&people);
}
