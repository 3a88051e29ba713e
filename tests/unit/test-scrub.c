/* The scrubber's pipeline: span merging, people numbering, rendering. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pseudonym.h"
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

/* ---- the whole pipeline ---- */

static const char *const hard_texts[] = {
    "Presented by Gemma Hill (PCN mental health practitioner)\n- 38yo F, DOB 14.03.87 / NHS no "
    "999 954 2557\n- LL Mr Karim Haddad served s21 notice 02/06/2025, expiring 02/08/25. Rent "
    "arrears approx \xc2\xa3" "1,850.\n- NI no. JP 58 31 20 B (on file for DHP form)",
    "> From: Kerry Fisher <kerry.fisher@peterborough.gov.uk>\n> Sent: 09 June 2025 14:12\n> "
    "Subject: RE: Mr T PETRAUSKAS - HRA ref PET/HOM/25/04417",
    "saw pat at home on 12th june with tina. dn35 8pq, +44 (0)7868 120 553, (01353) 649 210, "
    "8/7, 19/05, 2nd Feb 1931, 28-Jan-1977, Tuesday 3rd June",
    "hosp no. PCH 7702186, MRN 1438826X, BRP (ZU7204381), crime ref DHM-2504-22871, reg EY19 "
    "KHT, @rasa.jank_wisbech on TikTok, on Discord as ghostrider_cv22, "
    "https://www.gofundme.com/f/help-abena-stay-in-uk, aged 93, Ivy is 94, (Mrs Bibi, 91)",
    "Siobh\xc3\xa1n and Jankauskien\xc4\x97 met at 22 Ladywell Grove; NHS\xc2\xa0" "9999542557 "
    "\xe2\x80\x93 \xe2\x80\x9cquoted\xe2\x80\x9d [PERSON-1] [DATE] [CLIENT]",
    "[PERSON-1] [PERSON-2] [DATE] [ADDRESS] [POSTCODE] [PHONE] [EMAIL] [NHS-NUMBER] [NI-NUMBER] "
    "[ID] [PLACE] [HANDLE] [VEHICLE] [AGE-90+] [AGE-90+]yo aged [AGE-90+] no. [ID] ref [ID]",
    "",
    "no identifiers here: paliperidone 100mg, HbA1c 71, BMI 36, \xc2\xa3" "1,850, 2023, Sundays",
};

TEST(scrub_output_passes_the_gate)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();

    for (size_t k = 0; k < sizeof(hard_texts) / sizeof(hard_texts[0]); k++) {
        char *r = mdt_scrub_text(ctx, hard_texts[k], strlen(hard_texts[k]));
        struct mdt_finding *f = NULL;
        size_t n = mdt_scrub_detect(ctx, r, strlen(r), &f);
        if (n != 0)
            TEST_FAIL("text %zu: %zu findings after scrubbing, first %s at %zu: %s", k, n,
                      mdt_kind_name(f[0].kind), f[0].start, r);
        free(f);
        /* scrubbing scrubbed text changes nothing */
        {
            char *again = mdt_scrub_text(ctx, r, strlen(r));
            ASSERT_STREQ(again, r);
            free(again);
        }
        free(r);
    }
    mdt_scrub_ctx_free(ctx);
}

TEST(scrub_detect_reports_kinds_and_offsets)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *t = "NHS 999 954 2557, DN31 1QZ, 07841 226 093, x@example.org, 2nd Feb 1931";
    struct mdt_finding *f = NULL;
    size_t n = mdt_scrub_detect(ctx, t, strlen(t), &f);
    static const enum mdt_kind want[] = {MDT_KIND_NHS_NUMBER, MDT_KIND_POSTCODE, MDT_KIND_PHONE,
                                         MDT_KIND_EMAIL, MDT_KIND_DATE};

    ASSERT_EQ(n, 5);
    for (size_t k = 0; k < n; k++)
        ASSERT_EQ(f[k].kind, want[k]);
    ASSERT_EQ(f[0].start, 4);
    ASSERT_EQ(f[0].end, 16);
    ASSERT_EQ(mdt_scrub_detect(ctx, t, strlen(t), NULL), 5);
    free(f);
    f = NULL;
    ASSERT_EQ(mdt_scrub_detect(ctx, "", 0, &f), 0);
    ASSERT(f == NULL);
    mdt_scrub_ctx_free(ctx);
}

static const uint8_t test_key[32] = {42};

TEST(scrub_case_payload_shape_and_content)
{
    const char *json =
        "{\"client\": {\"name\": \"Faith Asante\", \"nhs_number\": \"9999542557\", "
        "\"date_of_birth\": \"1987-03-14\", \"address\": \"Flat 2, 41 Cartergate Court, "
        "Grimsby\", \"postcode\": \"DN31 1QZ\", \"phone\": \"07841 226 093\", \"email\": "
        "\"faithasante87@gmail.com\"},"
        " \"needs\": [\"housing\", \"physical health\", \"call 07841 226 093\"],"
        " \"presentation\": \"Faith (DOB 14.03.87, NHS 999 954 2557) lives at 41 Cartergate "
        "Court. Her landlord Mr Karim Haddad served notice on 02/06/2025. Rent arrears "
        "\xc2\xa3" "1,850; HbA1c 71.\","
        " \"question\": \"Can Karim Haddad be asked to wait until 2 August?\","
        " \"risk\": \"Her mother, 93, lives alone.\"}";
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    struct mdt_case *c = NULL;
    struct mdt_buf err;
    json_t *p = NULL;
    const char *key;
    json_t *v;
    static const char *const order[] = {"pseudonym", "age_band", "needs", "presentation",
                                        "question", "risk"};
    size_t i = 0;
    char *dump;

    mdt_buf_init(&err, 512);
    ASSERT_EQ(mdt_case_parse(json, strlen(json), &c, &err), 0);
    ASSERT_EQ(mdt_case_scrub(ctx, c, test_key, &p, &err), 0);
    json_object_foreach(p, key, v) {
        ASSERT(i < 6);
        ASSERT_STREQ(key, order[i]);
        i++;
    }
    ASSERT_EQ(i, 6);
    {
        const char *ps = json_string_value(json_object_get(p, "pseudonym"));
        ASSERT_EQ(strlen(ps), 13);
        ASSERT_EQ(memcmp(ps, "MDT-", 4), 0);
    }
    {
        char band[8];
        ASSERT_EQ(mdt_age_band("1987-03-14", time(NULL), band), 0);
        ASSERT_STREQ(json_string_value(json_object_get(p, "age_band")), band);
    }
    ASSERT_STREQ(json_string_value(json_array_get(json_object_get(p, "needs"), 0)), "housing");
    ASSERT_STREQ(json_string_value(json_array_get(json_object_get(p, "needs"), 1)),
                 "physical health");
    ASSERT_STREQ(json_string_value(json_array_get(json_object_get(p, "needs"), 2)),
                 "call [PHONE]");
    dump = json_dumps(p, 0);
    /* nothing of the client block, no other identifier */
    ASSERT_NOT_CONTAINS(dump, "Faith");
    ASSERT_NOT_CONTAINS(dump, "Asante");
    ASSERT_NOT_CONTAINS(dump, "999 954 2557");
    ASSERT_NOT_CONTAINS(dump, "14.03.87");
    ASSERT_NOT_CONTAINS(dump, "Cartergate");
    ASSERT_NOT_CONTAINS(dump, "Haddad");
    ASSERT_NOT_CONTAINS(dump, "02/06/2025");
    ASSERT_NOT_CONTAINS(dump, "2 August");
    ASSERT_NOT_CONTAINS(dump, "93");
    ASSERT_NOT_CONTAINS(dump, "client");
    /* safe terms stay */
    ASSERT_CONTAINS(dump, "1,850");
    ASSERT_CONTAINS(dump, "HbA1c 71");
    ASSERT_CONTAINS(dump, "[AGE-90+]");
    ASSERT_CONTAINS(dump, "[DATE]");
    free(dump);
    /* the same person numbered alike in presentation and question */
    {
        const char *pres = json_string_value(json_object_get(p, "presentation"));
        const char *q = json_string_value(json_object_get(p, "question"));
        const char *a = strstr(pres, "[PERSON-");
        ASSERT(a != NULL);
        ASSERT(strncmp(a, "[PERSON-1]", 10) == 0);
        ASSERT_CONTAINS(q, "[PERSON-1]");
        ASSERT_EQ(mdt_scrub_detect(ctx, pres, strlen(pres), NULL), 0);
        ASSERT_EQ(mdt_scrub_detect(ctx, q, strlen(q), NULL), 0);
    }
    /* the same person under the same key: the same pseudonym, every time */
    {
        json_t *p2 = NULL;
        ASSERT_EQ(mdt_case_scrub(ctx, c, test_key, &p2, &err), 0);
        ASSERT(json_equal(p, p2));
        json_decref(p2);
    }
    json_decref(p);
    mdt_case_free(c);
    mdt_scrub_ctx_free(ctx);
    mdt_buf_release(&err);
}

TEST(scrub_case_refuses_a_birth_in_the_future)
{
    const char *json = "{\"client\": {\"name\": \"A B\", \"date_of_birth\": \"2999-01-01\"}, "
                       "\"presentation\": \"p\", \"question\": \"q\", \"risk\": \"r\"}";
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    struct mdt_case *c = NULL;
    struct mdt_buf err;
    json_t *p = NULL;

    mdt_buf_init(&err, 512);
    ASSERT_EQ(mdt_case_parse(json, strlen(json), &c, &err), 0);
    ASSERT(mdt_case_scrub(ctx, c, test_key, &p, &err) < 0);
    ASSERT(p == NULL);
    ASSERT_CONTAINS(mdt_buf_str(&err), "client.date_of_birth");
    mdt_case_free(c);
    mdt_scrub_ctx_free(ctx);
    mdt_buf_release(&err);
}

/* Scrubs a case given as JSON; returns the payload dumped (caller frees). */
static char *scrub_json(struct mdt_scrub_ctx *ctx, const char *json)
{
    struct mdt_case *c = NULL;
    struct mdt_buf err;
    json_t *p = NULL;
    char *dump;

    mdt_buf_init(&err, 512);
    ASSERT_EQ(mdt_case_parse(json, strlen(json), &c, &err), 0);
    ASSERT_EQ(mdt_case_scrub(ctx, c, test_key, &p, &err), 0);
    dump = json_dumps(p, JSON_PRESERVE_ORDER);
    /* every field passes the gate on its own */
    static const char *const fields[] = {"presentation", "question", "risk"};
    for (int k = 0; k < 3; k++) {
        const char *t = json_string_value(json_object_get(p, fields[k]));
        ASSERT_EQ(mdt_scrub_detect(ctx, t, strlen(t), NULL), 0);
    }
    json_decref(p);
    mdt_case_free(c);
    mdt_buf_release(&err);
    return dump;
}

TEST(scrub_names_are_case_wide)
{
    /* a name seen in full in one field is found alone in the others, under
     * one number; the fields are told apart again exactly */
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    char *d = scrub_json(ctx, "{\"client\": {\"name\": \"Faith Asante\", \"date_of_birth\": "
                              "\"1987-03-14\"}, \"needs\": [\"ask Bartosz about rent\"],"
                              " \"presentation\": \"Her landlord Karim Haddad and her friend "
                              "Bartosz Wieczorek help.\","
                              " \"question\": \"Can we help Karim see sense?\","
                              " \"risk\": \"Karim may evict; Wieczorek lends money.\"}");
    ASSERT_NOT_CONTAINS(d, "Karim");
    ASSERT_NOT_CONTAINS(d, "Bartosz");
    ASSERT_NOT_CONTAINS(d, "Wieczorek");
    ASSERT_CONTAINS(d, "\"presentation\": \"Her landlord [PERSON-1] and her friend [PERSON-2] help.\"");
    ASSERT_CONTAINS(d, "\"question\": \"Can we help [PERSON-1] see sense?\"");
    ASSERT_CONTAINS(d, "\"risk\": \"[PERSON-1] may evict; [PERSON-2] lends money.\"");
    ASSERT_CONTAINS(d, "\"ask [PERSON-2] about rent\"");
    free(d);
    /* a town read as a name in one field ("from Derby") is not spread to
     * the others */
    d = scrub_json(ctx, "{\"client\": {\"name\": \"Faith Asante\", \"date_of_birth\": "
                        "\"1987-03-14\"},"
                        " \"presentation\": \"Uncle Darius visits from Derby.\","
                        " \"question\": \"Is there support near Derby?\","
                        " \"risk\": \"Carer strain.\"}");
    ASSERT_CONTAINS(d, "support near Derby");
    ASSERT_CONTAINS(d, "Carer strain");
    ASSERT_NOT_CONTAINS(d, "Darius");
    free(d);
    mdt_scrub_ctx_free(ctx);
}

TEST(scrub_ages_over_89_are_case_wide)
{
    /* an age found in one field is the same number standing alone in
     * another; money, a measure and a count that is no age stay */
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    char *d = scrub_json(ctx, "{\"client\": {\"name\": \"Edith Brook\", \"date_of_birth\": "
                              "\"1931-03-14\"},"
                              " \"presentation\": \"Mrs Brook is 94 and lives alone.\","
                              " \"question\": \"Owes \xc2\xa3"
                              "94; scored 94% and 94/60.\","
                              " \"risk\": \"Passive wish to die at 94.\"}");
    ASSERT_CONTAINS(d, "is [AGE-90+] and");
    ASSERT_CONTAINS(d, "die at [AGE-90+].");
    ASSERT_CONTAINS(d, "\xc2\xa3"
                       "94;");
    ASSERT_CONTAINS(d, "scored 94%");
    ASSERT_CONTAINS(d, "94/60");
    free(d);
    /* a number that is no age anywhere stays everywhere */
    d = scrub_json(ctx, "{\"client\": {\"name\": \"Edith Brook\", \"date_of_birth\": "
                        "\"1931-03-14\"},"
                        " \"presentation\": \"Scored 94 on the quiz.\","
                        " \"question\": \"Bus 94 stops there.\", \"risk\": \"None.\"}");
    ASSERT_CONTAINS(d, "Scored 94");
    ASSERT_CONTAINS(d, "Bus 94");
    free(d);
    mdt_scrub_ctx_free(ctx);
}

TEST(scrub_clients_given_name_cut_short)
{
    /* friends call Callum "cal": the short form is the client too; a
     * shortening that is an ordinary word ("christ" of Christopher) is not */
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    char *d = scrub_json(ctx, "{\"client\": {\"name\": \"Callum Reeve\", \"date_of_birth\": "
                              "\"1990-01-02\"},"
                              " \"presentation\": \"callum (cal) is 34. cal wants help.\","
                              " \"question\": \"Can we help?\", \"risk\": \"Low.\"}");
    ASSERT_CONTAINS(d, "\"presentation\": \"[CLIENT] ([CLIENT]) is 34. [CLIENT] wants help.\"");
    free(d);
    d = scrub_json(ctx, "{\"client\": {\"name\": \"Christopher Lane\", \"date_of_birth\": "
                        "\"1990-01-02\"},"
                        " \"presentation\": \"Chris goes to church; Christ matters to him.\","
                        " \"question\": \"Can we help?\", \"risk\": \"Low.\"}");
    ASSERT_CONTAINS(d, "[CLIENT] goes to church; Christ matters");
    free(d);
    /* made fond (Dawn, "dawny"); a short form that is an acronym in
     * capitals stays (Philip's "pip" and his PIP) */
    d = scrub_json(ctx, "{\"client\": {\"name\": \"Dawn Armstrong\", \"date_of_birth\": "
                        "\"1990-01-02\"},"
                        " \"presentation\": \"- dawny is 31.\","
                        " \"question\": \"Can we help?\", \"risk\": \"Low.\"}");
    ASSERT_CONTAINS(d, "- [CLIENT] is 31.");
    free(d);
    d = scrub_json(ctx, "{\"client\": {\"name\": \"Philip Bird\", \"date_of_birth\": "
                        "\"1990-01-02\"},"
                        " \"presentation\": \"His PIP goes into an account. Pip rang.\","
                        " \"question\": \"Can we help?\", \"risk\": \"Low.\"}");
    ASSERT_CONTAINS(d, "His PIP goes into an account. [CLIENT] rang.");
    free(d);
    mdt_scrub_ctx_free(ctx);
}

TEST(scrub_relative_with_the_clients_surname_is_a_person)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    char *d = scrub_json(ctx, "{\"client\": {\"name\": \"Faith Asante\", \"date_of_birth\": "
                              "\"1987-03-14\"},"
                              " \"presentation\": \"Ms Asante lives alone. Sister Abena Asante in "
                              "Leeds visits.\","
                              " \"question\": \"Can Abena help Faith?\", \"risk\": \"\"}");
    ASSERT_CONTAINS(d, "[CLIENT] lives alone. Sister [PERSON-1] in Leeds visits.");
    ASSERT_CONTAINS(d, "Can [PERSON-1] help [CLIENT]?");
    ASSERT_NOT_CONTAINS(d, "Asante");
    ASSERT_NOT_CONTAINS(d, "Abena");
    free(d);
    mdt_scrub_ctx_free(ctx);
}

/* "Dr" is a title before a name, and stays one when the name has already
 * become a placeholder and the scrubbed text is checked again: the word
 * before it ("GP", "Ring", "Monday") must not become a street "X Drive". */
TEST(scrub_title_dr_before_a_scrubbed_name_is_no_street)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *in = "His GP Dr Patel rang on Monday. Ring Dr Okoye. Seen Monday by Dr Hughes.";
    char *out = mdt_scrub_text(ctx, in, strlen(in));

    ASSERT_NOT_CONTAINS(out, "[ADDRESS]");
    ASSERT_CONTAINS(out, "His GP Dr [PERSON-");
    ASSERT_CONTAINS(out, "Ring Dr [PERSON-");
    ASSERT_CONTAINS(out, "Seen Monday by Dr [PERSON-");
    ASSERT_NOT_CONTAINS(out, "Patel");
    ASSERT_EQ(mdt_scrub_detect(ctx, out, strlen(out), NULL), 0);
    free(out);
    /* a real street ending in Dr is still an address */
    in = "Lives at 4 Orchard Dr with his mum.";
    out = mdt_scrub_text(ctx, in, strlen(in));
    ASSERT_CONTAINS(out, "[ADDRESS]");
    ASSERT_NOT_CONTAINS(out, "Orchard");
    free(out);
    mdt_scrub_ctx_free(ctx);
}

/* Every case of the labelled corpora under tests/data: the whole case
 * scrubbed (case-wide names, the client block) and each text scrubbed
 * alone give output in which the gate finds nothing, and the texts of all
 * cases joined into one long text too (identifiers close together, so the
 * checks after each round see replacements side by side). The gate after
 * the first round looks only around the replacements; this holds it to
 * the whole-text detector. */
static size_t gate_check_dir(struct mdt_scrub_ctx *ctx, const char *dir, struct mdt_buf *all)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0;

    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        ASSERT(f != NULL);
        char *json = malloc(1 << 20);
        size_t jl = fread(json, 1, (1 << 20) - 1, f);
        fclose(f);
        json[jl] = '\0';
        char *dump = scrub_json(ctx, json); /* asserts the gate per field */
        free(dump);
        struct mdt_case *c = NULL;
        struct mdt_buf err;
        mdt_buf_init(&err, 512);
        ASSERT_EQ(mdt_case_parse(json, jl, &c, &err), 0);
        const char *texts[3] = {c->presentation, c->question, c->risk};
        for (int k = 0; k < 3; k++) {
            char *r = mdt_scrub_text(ctx, texts[k], strlen(texts[k]));
            size_t found = mdt_scrub_detect(ctx, r, strlen(r), NULL);
            if (found)
                TEST_FAIL("%s text %d: %zu findings after scrubbing: %s", path, k, found, r);
            free(r);
            mdt_buf_adds(all, texts[k]);
            mdt_buf_addc(all, k == 2 ? '\n' : ' ');
        }
        mdt_case_free(c);
        mdt_buf_release(&err);
        free(json);
        n++;
    }
    closedir(d);
    return n;
}

/* A replacement shorter than what it replaces brings a code within reach
 * of a platform word ("Instagram" reaches 64 bytes): the check after the
 * first round must see it and scrub again. */
TEST(scrub_sites_of_services_on_the_allow_list_stay)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *in = "Signposted to mind.org.uk and stepchange.org; lost money on bet365.com.";
    char *out = mdt_scrub_text(ctx, in, strlen(in));
    ASSERT_STREQ(out, "Signposted to mind.org.uk and stepchange.org; lost money on [HANDLE].");
    free(out);
    mdt_scrub_ctx_free(ctx);
}

TEST(scrub_chains_of_codes_come_clean_or_leave_whole)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    /* each code reads as one only once the one before it is replaced */
    const char *in = "S`66666666666666:6n66666770:677021666666666666666:6n66666770:67702186DD";
    char *out = mdt_scrub_text(ctx, in, strlen(in));
    ASSERT_STREQ(out, "S`[ID]:[ID]:[ID]:[ID]:[ID]");
    ASSERT_EQ(mdt_scrub_detect(ctx, out, strlen(out), NULL), 0);
    free(out);
    /* a chain longer than the rounds allow leaves as one placeholder */
    struct mdt_buf b;
    mdt_buf_init(&b, MDT_BUF_NOCAP);
    mdt_buf_adds(&b, "S`66666666666666:");
    for (int k = 0; k < 12; k++)
        mdt_buf_adds(&b, "6n66666770:677021666666666666666:");
    mdt_buf_adds(&b, "67702186DD");
    out = mdt_scrub_text(ctx, b.data, b.len);
    ASSERT_STREQ(out, "[ID]");
    free(out);
    mdt_buf_release(&b);
    mdt_scrub_ctx_free(ctx);
}

TEST(scrub_second_round_after_a_replacement_shrinks_the_text)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *in = "Posts on Instagram as @faith.hill.lives.in.grimsby.since.2019.with.kids. "
                     "T2 diabetes, HbA1c 71.";
    char *out = mdt_scrub_text(ctx, in, strlen(in));
    ASSERT_EQ(mdt_scrub_detect(ctx, out, strlen(out), NULL), 0);
    ASSERT_NOT_CONTAINS(out, "faith");
    ASSERT_NOT_CONTAINS(out, "HbA1c"); /* a code in reach of the platform word now */
    free(out);
    mdt_scrub_ctx_free(ctx);
}

TEST(scrub_corpus_output_passes_the_gate)
{
    static const char *const dirs[] = {
        "tests/data/scrub-corpus/cases",       "tests/data/scrub-corpus-hard/cases",
        "tests/data/scrub-corpus-hard2/cases", "tests/data/scrub-corpus-hard3/cases",
        "tests/data/scrub-corpus-hard4/cases", "tests/data/scrub-corpus-hard5/cases",
        "tests/data/scrub-corpus-hard6/cases", "tests/data/scrub-corpus-hard7/cases",
        "tests/data/scrub-corpus-hard8/cases", "tests/data/scrub-corpus-hard9/cases",
        "../shared/corpus/deid-dev/cases",
    };
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    struct mdt_buf all;
    size_t n = 0;

    mdt_buf_init(&all, MDT_BUF_NOCAP);
    for (size_t k = 0; k < sizeof(dirs) / sizeof(dirs[0]); k++)
        n += gate_check_dir(ctx, dirs[k], &all);
    ASSERT(n >= 80); /* the two corpora in the repository at least */
    char *r = mdt_scrub_text(ctx, all.data, all.len);
    struct mdt_finding *f = NULL;
    size_t found = mdt_scrub_detect(ctx, r, strlen(r), &f);
    if (found)
        TEST_FAIL("all cases joined: %zu findings after scrubbing, first %s at %zu", found,
                  mdt_kind_name(f[0].kind), f[0].start);
    free(f);
    free(r);
    mdt_buf_release(&all);
    mdt_scrub_ctx_free(ctx);
}
