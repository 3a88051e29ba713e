/* The client block's identifiers in every form (lib/scrub-known.c). */
#include <stdlib.h>
#include <string.h>

#include "scrub-internal.h"
#include "scrub.h"
#include "test.h"

/* The spans found, as "KIND:text|" joined. */
static char *known(const struct mdt_client *c, const char *text)
{
    static char out[8192];
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    struct mdt_known *k = mdt__known_new(ctx, c);
    struct mdt_spans sp;
    size_t o = 0;

    mdt__spans_init(&sp);
    mdt__detect_known(k, text, strlen(text), &sp);
    out[0] = '\0';
    for (size_t i = 0; i < sp.n && o < sizeof(out) - 200; i++)
        o += (size_t)snprintf(out + o, sizeof(out) - o, "%s:%.*s|", mdt_kind_name(sp.v[i].kind),
                              (int)(sp.v[i].end - sp.v[i].start), text + sp.v[i].start);
    mdt__spans_release(&sp);
    mdt__known_free(k);
    mdt_scrub_ctx_free(ctx);
    return out;
}

TEST(known_name_in_every_form)
{
    struct mdt_client c = {.name = "Faith Asante"};
    const char *r = known(&c, "FAITH ASANTE came. faith's sister; Ms Asante's flat. F. Asante "
                              "signed; FA agreed.");
    ASSERT_CONTAINS(r, "CLIENT:FAITH ASANTE|");
    ASSERT_CONTAINS(r, "CLIENT:faith|");
    ASSERT_CONTAINS(r, "CLIENT:Asante|");
    ASSERT_CONTAINS(r, "CLIENT:F. Asante|");
    ASSERT_CONTAINS(r, "CLIENT:FA|");
}

TEST(known_short_forms_misspellings_diacritics_initials)
{
    struct mdt_client p = {.name = "Patricia McGowan"};
    ASSERT_CONTAINS(known(&p, "client: pat mcgowan (Patricia)"), "CLIENT:pat|");
    struct mdt_client y = {.name = "Yonas Tesfamariam"};
    ASSERT_CONTAINS(known(&y, "seen Mr Tesfamarian"), "CLIENT:Tesfamarian|");
    /* a brother of another given name is another person */
    ASSERT_NOT_CONTAINS(known(&y, "brother Yohannes Tesfamarian"), "CLIENT");
    ASSERT_NOT_CONTAINS(known(&y, "a testament"), "CLIENT");
    struct mdt_client m = {.name = "Mehmet Yilmaz"};
    ASSERT_CONTAINS(known(&m, "Mehmet Yılmaz and Mr YILMAZ"), "CLIENT:Mehmet Yılmaz|");
    ASSERT_CONTAINS(known(&m, "Mr YILMAZ"), "CLIENT:YILMAZ|");
    struct mdt_client s = {.name = "Siobhán O'Sullivan"};
    ASSERT_CONTAINS(known(&s, "Siobhan, S.O'S, O'SULLIVAN"), "CLIENT:S.O'S|");
    ASSERT_CONTAINS(known(&s, "Siobhan, S.O'S, O'SULLIVAN"), "CLIENT:Siobhan|");
    ASSERT_CONTAINS(known(&s, "Siobhan, S.O'S, O'SULLIVAN"), "CLIENT:O'SULLIVAN|");
    struct mdt_client k = {.name = "Kai Hunter"};
    ASSERT_CONTAINS(known(&k, "Kai H, 19, seen"), "CLIENT:Kai H|");
    struct mdt_client n = {.name = "NGUYEN Thi Lan"};
    const char *r = known(&n, "Lan said Mrs Nguyen; thi is not a word alone");
    ASSERT_CONTAINS(r, "CLIENT:Lan|");
    ASSERT_CONTAINS(r, "CLIENT:Nguyen|");
    ASSERT_NOT_CONTAINS(r, "CLIENT:thi|");
}

TEST(known_numbers_with_any_spacing)
{
    struct mdt_client c = {.nhs_number = "9999542557", .phone = "+44 7841 226 093",
                           .postcode = "DN31 1QZ"};
    const char *r = known(&c, "NHS 999 954 2557, 999-954-2557 or 9999542557; call 07841226093 "
                              "or +44 (0)7841 226-093 or 7841 226 093; post dn311qz, DN31 1QZ. "
                              "Not 99995425570 nor 17841226093.");
    ASSERT_CONTAINS(r, "NHS_NUMBER:999 954 2557|");
    ASSERT_CONTAINS(r, "NHS_NUMBER:999-954-2557|");
    ASSERT_CONTAINS(r, "NHS_NUMBER:9999542557|");
    ASSERT_CONTAINS(r, "PHONE:07841226093|");
    ASSERT_CONTAINS(r, "PHONE:+44 (0)7841 226-093|");
    ASSERT_CONTAINS(r, "PHONE:7841 226 093|");
    ASSERT_CONTAINS(r, "POSTCODE:dn311qz|");
    ASSERT_CONTAINS(r, "POSTCODE:DN31 1QZ|");
    ASSERT_NOT_CONTAINS(r, "99995425570");
    ASSERT_NOT_CONTAINS(r, "17841226093");
}

TEST(known_date_of_birth_in_every_format)
{
    struct mdt_client c = {.date_of_birth = "1987-03-14"};
    const char *forms[] = {"14.03.87",       "14/3/1987",        "14th March 1987", "March 14 1987",
                           "14-Mar-87",      "1987-03-14",       "14 March 1987",   "1987/03/14",
                           "14th of March 1987", "March 14th, 1987", "14/03/87",     "14 Mar 1987"};
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        char text[128], want[64];
        snprintf(text, sizeof(text), "DOB %s, seen today", forms[i]);
        snprintf(want, sizeof(want), "DATE:%s|", forms[i]);
        ASSERT_CONTAINS(known(&c, text), want);
    }
    ASSERT_STREQ(known(&c, "seen 14/03/2024 and 15/03/1987"), "");
}

TEST(known_address_parts_and_email)
{
    struct mdt_client c = {.address = "Flat 2, 41 Cartergate Court, Littleport, Ely",
                           .email = "faithasante87@gmail.com"};
    const char *r = known(&c, "lives at Flat 2, on Cartergate Ct near Littleport in Ely; wrote "
                              "from FaithAsante87@gmail.com (faithasante87)");
    ASSERT_CONTAINS(r, "ADDRESS:Flat 2|");
    ASSERT_CONTAINS(r, "ADDRESS:Cartergate Ct|");
    ASSERT_CONTAINS(r, ":Littleport|");
    ASSERT_CONTAINS(r, "EMAIL:FaithAsante87@gmail.com|");
    ASSERT_CONTAINS(r, "EMAIL:faithasante87|");
    ASSERT_NOT_CONTAINS(r, ":Ely|");
}

TEST(known_empty_client_finds_nothing)
{
    struct mdt_client c = {0};
    ASSERT_STREQ(known(&c, "Faith Asante 9999542557 14.03.87"), "");
}

TEST(known_date_of_birth_beside_long_digit_runs)
{
    /* a run of digits longer than any year is no year, and reading it must
     * not overflow (it did, under UBSan) */
    struct mdt_client c = {.name = "Faith Asante", .date_of_birth = "1987-03-14"};
    const char *r = known(&c, "ref 14.03.98765432109876543210 and 03.14.03.87-year-old "
                              "and 14-03-12345678901234567890 then 14.03.1987.");
    ASSERT_NOT_CONTAINS(r, "DATE:14.03.9876");
    ASSERT_NOT_CONTAINS(r, "DATE:14-03-1234");
    ASSERT_CONTAINS(r, "DATE:14.03.1987|");
}

TEST(known_relative_with_the_clients_surname_is_another_person)
{
    struct mdt_client c = {.name = "Faith Asante"};
    const char *r = known(&c, "Sister Abena Asante in Leeds; her cousin Kwame Asante too.");
    ASSERT_NOT_CONTAINS(r, "CLIENT");
    /* the surname after a title, alone, or with the client's given name
     * misspelt or shortened is still the client */
    r = known(&c, "Ms Asante rang. Asante's flat. FAITH ASANTE.");
    ASSERT_CONTAINS(r, "CLIENT:Asante|CLIENT:Asante|");
    ASSERT_CONTAINS(r, "CLIENT:FAITH ASANTE|");
    ASSERT_CONTAINS(known(&c, "Fayth Asante signed."), "CLIENT:Asante|");
    struct mdt_client p = {.name = "Patricia McGowan"};
    r = known(&p, "Trish McGowan came with her brother Declan McGowan.");
    ASSERT_CONTAINS(r, "CLIENT:McGowan|");
    ASSERT_CONTAINS(r, "CLIENT:Trish|");
    ASSERT_NOT_CONTAINS(r, "CLIENT:Declan");
    /* the client's given name with another family name is someone else;
     * with an ordinary word after it, still the client */
    ASSERT_NOT_CONTAINS(known(&c, "Faith Mensah from church."), "CLIENT");
    ASSERT_CONTAINS(known(&c, "Faith Hope said so."), "CLIENT:Faith|");
    struct mdt_client h = {.name = "Faith Asante"};
    r = known(&h, "Faith said she was fine.");
    ASSERT_CONTAINS(r, "CLIENT:Faith|");
}
