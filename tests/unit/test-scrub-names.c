/* Names and places by context and lexicons (lib/scrub-names.c), and the
 * gate property: text scrubbed without a client block gives no findings. */
#include <stdlib.h>
#include <string.h>

#include "embed.h"
#include "lexicon.h"
#include "scrub-internal.h"
#include "scrub.h"
#include "test.h"

/* The spans found in text, as "KIND:text:key|" joined, for assertions. */
static char *found(const struct mdt_scrub_ctx *ctx, const char *text)
{
    struct mdt_spans sp;
    static char out[4096];
    size_t o = 0;

    mdt__spans_init(&sp);
    mdt__detect_names(ctx, text, strlen(text), &sp);
    out[0] = '\0';
    for (size_t i = 0; i < sp.n && o < sizeof(out) - 200; i++)
        o += (size_t)snprintf(out + o, sizeof(out) - o, "%s:%.*s:%s|", mdt_kind_name(sp.v[i].kind),
                              (int)(sp.v[i].end - sp.v[i].start), text + sp.v[i].start,
                              sp.v[i].person_key ? sp.v[i].person_key : "");
    mdt__spans_release(&sp);
    return out;
}

TEST(names_full_names_titles_and_one_key_per_person)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "Presented by Gemma Hill. LL Mr Karim Haddad served notice; Karim "
                               "says Mr Haddad will not fix the mould.");
    ASSERT_CONTAINS(r, "PERSON:Gemma Hill:gemma hill|");
    ASSERT_CONTAINS(r, "PERSON:Karim Haddad:karim haddad|");
    ASSERT_CONTAINS(r, "PERSON:Karim:karim haddad|");
    ASSERT_CONTAINS(r, "PERSON:Haddad:karim haddad|");
    ASSERT_NOT_CONTAINS(r, ":Mr");
    mdt_scrub_ctx_free(ctx);
}

TEST(names_relations_lower_case_and_common_words)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "saw pat at home with tina, her partner dennis died in 2021. "
                               "Money going to ex-partner Kofi. Mate 'Smudge' offered a sofa. "
                               "His mum Comfort lives in Newton Aycliffe. Her son Jordan, 24.");
    ASSERT_CONTAINS(r, ":tina:");
    ASSERT_CONTAINS(r, ":dennis:");
    ASSERT_CONTAINS(r, ":Kofi:");
    ASSERT_CONTAINS(r, ":Smudge:");
    ASSERT_CONTAINS(r, ":Comfort:");
    ASSERT_CONTAINS(r, ":Jordan:");
    ASSERT_NOT_CONTAINS(r, "Money");
    ASSERT_NOT_CONTAINS(r, "Newton");
    mdt_scrub_ctx_free(ctx);
}

TEST(names_in_other_scripts)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    /* a name in Arabic, Gurmukhi, Cyrillic or Chinese letters beside its
     * Latin spelling is a name; a Greek letter alone, an emoji and words
     * mixing Latin letters are not */
    const char *r = found(ctx, "Nasreen (\xd9\x86\xd8\xb3\xd8\xb1\xdb\x8c\xd9\x86 "
                               "\xd8\xa7\xd8\xae\xd8\xaa\xd8\xb1) and Kamaljit "
                               "(\xe0\xa8\x95\xe0\xa8\xae\xe0\xa8\xb2) met "
                               "\xd0\x9e\xd0\xbb\xd0\xb5\xd0\xbd\xd0\xb0 and "
                               "\xe7\x8e\x8b\xe5\xb0\x8f\xe6\x98\x8e; "
                               "\xce\xb2-blocker, \xce\xb1 ok \xf0\x9f\x98\x8a fine.");
    ASSERT_CONTAINS(r, "PERSON:\xd9\x86\xd8\xb3\xd8\xb1\xdb\x8c\xd9\x86 "
                       "\xd8\xa7\xd8\xae\xd8\xaa\xd8\xb1:");
    ASSERT_CONTAINS(r, "PERSON:\xe0\xa8\x95\xe0\xa8\xae\xe0\xa8\xb2:");
    ASSERT_CONTAINS(r, "PERSON:\xd0\x9e\xd0\xbb\xd0\xb5\xd0\xbd\xd0\xb0:");
    ASSERT_CONTAINS(r, "PERSON:\xe7\x8e\x8b\xe5\xb0\x8f\xe6\x98\x8e:");
    ASSERT_NOT_CONTAINS(r, "\xce\xb2");
    ASSERT_NOT_CONTAINS(r, "\xce\xb1");
    ASSERT_NOT_CONTAINS(r, "\xf0\x9f");
    mdt_scrub_ctx_free(ctx);
}

TEST(names_dotted_initials_lower_case_streets_and_place_cues)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "J.B. said K.W. was there; J.K. too. Seen by the G.P. in the "
                               "U.K. N.B. this, D.O.B. and p.m.");
    ASSERT_CONTAINS(r, "PERSON:J.B:jb|");
    ASSERT_CONTAINS(r, "PERSON:K.W:kw|");
    ASSERT_CONTAINS(r, "PERSON:J.K:jk|");
    ASSERT_NOT_CONTAINS(r, "G.P");
    ASSERT_NOT_CONTAINS(r, "U.K");
    ASSERT_NOT_CONTAINS(r, "N.B");
    ASSERT_NOT_CONTAINS(r, "D.O.B");
    r = found(ctx, "lives at 4 ferham close; 2 close friends, 3 park runs, took 4 paracetamol");
    ASSERT_CONTAINS(r, "ADDRESS:4 ferham close:|");
    ASSERT_NOT_CONTAINS(r, "friends");
    ASSERT_NOT_CONTAINS(r, "park");
    ASSERT_NOT_CONTAINS(r, "paracetamol");
    /* a place cue ends a capitalised name, not a town's name or a phrase
     * after a small word */
    r = found(ctx, "daughter Sadia Anjum in High Wycombe has children; attends Lealands High.");
    ASSERT_CONTAINS(r, "PERSON:Sadia Anjum:sadia anjum|");
    ASSERT_CONTAINS(r, "PLACE:Lealands High:|");
    ASSERT_NOT_CONTAINS(r, "Wycombe");
    /* where someone drinks or meets people, as where they work */
    r = found(ctx, "a friend met at the Little Bull; he drinks most nights at the Near Boot. "
                   "We met at the Salvation Army.");
    ASSERT_CONTAINS(r, "PLACE:Little Bull:|");
    ASSERT_CONTAINS(r, "PLACE:Near Boot:|");
    ASSERT_NOT_CONTAINS(r, "Salvation");
    mdt_scrub_ctx_free(ctx);
}

TEST(names_towns_after_titles_hyphened_words_and_town_given_names)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    /* a town after a title is a surname; a town in a geography phrase is
     * not ("St Helens") */
    const char *r = found(ctx, "Mr Maltby and Mr Warwick saw Dr Sangin. She moved to St Helens.");
    ASSERT_CONTAINS(r, "PERSON:Maltby:");
    ASSERT_CONTAINS(r, "PERSON:Warwick:");
    ASSERT_CONTAINS(r, "PERSON:Sangin:");
    ASSERT_NOT_CONTAINS(r, "Helens");
    /* "Dr." with its stop is the title; a street's "Dr" before a comma
     * is no title */
    r = found(ctx, "Mr Maltby and Dr. Sangin; from 0/2, 58 Craigpark Dr, Glasgow, is here.");
    ASSERT_CONTAINS(r, "PERSON:Maltby:");
    ASSERT_CONTAINS(r, "PERSON:Sangin:");
    ASSERT_CONTAINS(r, "ADDRESS:58 Craigpark Dr:");
    ASSERT_NOT_CONTAINS(r, "Glasgow");
    /* hyphened ordinary words are ordinary; double-barrelled names not */
    r = found(ctx, "Self-harm history. Long-term condition; Jamaican-born, Tamil-speaking. "
                   "Ellie-Mae rang.");
    ASSERT_NOT_CONTAINS(r, "Self");
    ASSERT_NOT_CONTAINS(r, "Long");
    ASSERT_NOT_CONTAINS(r, "Jamaican");
    ASSERT_NOT_CONTAINS(r, "Tamil");
    ASSERT_CONTAINS(r, "PERSON:Ellie-Mae:");
    /* a town that is a given name too, before a verb of doing */
    r = found(ctx, "Barry came round on Tuesday.");
    ASSERT_CONTAINS(r, "PERSON:Barry:");
    /* a town that is a given name too: moved to it, or talked to him */
    r = found(ctx, "Her friend moved to Stanley last year; she talked to Kerry. Money went to Barry.");
    ASSERT_NOT_CONTAINS(r, "Stanley");
    ASSERT_CONTAINS(r, "PERSON:Kerry:");
    ASSERT_CONTAINS(r, "PERSON:Barry:");
    /* a care leaver is no person; Mr Leaver is */
    r = found(ctx, "Jade is a care leaver (she went into care at 13). Mr Leaver rang.");
    ASSERT_NOT_CONTAINS(r, ":leaver:");
    ASSERT_CONTAINS(r, "PERSON:Leaver:");
    /* a note written in lower case: a given name before a surname, and
     * a double-barrelled given name */
    r = found(ctx, "partner is jordan kershaw who she says is so. the idva says jordan checks "
                   "her phone. a 10 month old, alfie-rae, and");
    ASSERT_CONTAINS(r, "PERSON:jordan kershaw:");
    ASSERT_CONTAINS(r, "PERSON:jordan:");
    ASSERT_CONTAINS(r, "PERSON:alfie-rae:");
    /* a town mid-sentence is the town */
    r = found(ctx, "the train at Feltham station, then Leicester station.");
    ASSERT_NOT_CONTAINS(r, "Leicester");
    ASSERT_NOT_CONTAINS(r, "Feltham");
    mdt_scrub_ctx_free(ctx);
}

TEST(names_missions_societies_stations_buildings_and_shop_branches)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "NFA, c/o Gloucester City Mission; goes to the Harrogate Dutch "
                               "Society and the Fishermen's Mission; sleeps at Central Milton "
                               "Keynes station; seen at the GCW building.");
    ASSERT_CONTAINS(r, "PLACE:Gloucester City Mission:");
    ASSERT_CONTAINS(r, "PLACE:Harrogate Dutch Society:");
    ASSERT_CONTAINS(r, "PLACE:Central Milton Keynes:");
    ASSERT_CONTAINS(r, "PLACE:GCW:");
    ASSERT_NOT_CONTAINS(r, "Fishermen");
    r = found(ctx, "She works part-time at Asda Bradford and has shifts at the Whitechapel "
                   "Sainsbury's. Shops at Asda. Works at Bradford Council.");
    ASSERT_CONTAINS(r, "PLACE:Asda Bradford:");
    ASSERT_CONTAINS(r, "PLACE:Whitechapel Sainsbury:");
    ASSERT_NOT_CONTAINS(r, "Council");
    mdt_scrub_ctx_free(ctx);
}

TEST(names_all_caps_family_name_first_diacritics_initials)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "Lan (NGUYEN Thi Lan on her documents) met Rasa Jankauskienė and "
                               "R. JANKAUSKIENĖ signed. Seen with Kai H on Monday.");
    ASSERT_CONTAINS(r, "PERSON:NGUYEN Thi Lan:thi nguyen|");
    ASSERT_CONTAINS(r, "PERSON:Lan:thi nguyen|");
    ASSERT_CONTAINS(r, "PERSON:Rasa Jankauskienė:rasa jankauskiene|");
    ASSERT_CONTAINS(r, ":R. JANKAUSKIENĖ:");
    ASSERT_CONTAINS(r, ":Kai H:");
    ASSERT_NOT_CONTAINS(r, "Monday");
    mdt_scrub_ctx_free(ctx);
}

TEST(names_streets_blocks_flats_and_places)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "Lives at 12 Foleshill Road, Flat 3 of Alder Court. Used to drink "
                               "at the Leggott Arms and the Rose and Crown; works shifts at DIRFT "
                               "and at the Riverside Bean café; lives on her narrowboat 'Molly "
                               "Brown' near Littleport.");
    ASSERT_CONTAINS(r, "ADDRESS:12 Foleshill Road");
    ASSERT_CONTAINS(r, "Flat 3:|");
    ASSERT_CONTAINS(r, "ADDRESS:Alder Court:|");
    ASSERT_CONTAINS(r, "PLACE:Leggott Arms:|");
    ASSERT_CONTAINS(r, "PLACE:Rose and Crown:|");
    ASSERT_CONTAINS(r, "PLACE:DIRFT:|");
    ASSERT_CONTAINS(r, "PLACE:Riverside Bean:|");
    ASSERT_CONTAINS(r, "ADDRESS:Molly Brown:|");
    ASSERT_CONTAINS(r, "PLACE:Littleport:|");
    mdt_scrub_ctx_free(ctx);
}

TEST(names_keep_services_drugs_towns_and_look_alikes)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *keep[] = {
        "Referred to Mind, Citizens Advice and NHS Talking Therapies; claims Universal Credit.",
        "On olanzapine and lithium; has Parkinson's disease and COPD.",
        "Goes to Andy's Man Club; seen at George Eliot Hospital and St Michael's Hospital.",
        "Attended the MIU at Princess of Wales, then Diana, Princess of Wales Hospital.",
        "He is robbing Peter to pay Paul. She moved to the town of Stanley.",
        "Her brother is in HMP Whitemoor in March. Court date at Teesside Mags in June.",
        "There is no hope, she may need help; faith matters, she will try, summer is hard.",
        "Owes a penny, a bill, chopped wood; grace, rose, cook, hill, green, dawn, price, white.",
        "Her CPN and GP and care co-ordinator met on Tuesday in Leeds, Grimsby and Hackney.",
        "Seen by Durham Constabulary, Cleveland Police and Warwickshire County Council.",
        "Uses Facebook, WhatsApp and Klarna; banks with Barclays; drives a Skoda Octavia.",
    };
    for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
        const char *r = found(ctx, keep[i]);
        if (r[0])
            TEST_FAIL("found \"%s\" in: %s", r, keep[i]);
    }
    mdt_scrub_ctx_free(ctx);
}

TEST(names_never_flag_placeholders)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "[CLIENT] told Dr [PERSON-2] that her sister [PERSON-3] lives at "
                               "[ADDRESS] in [PLACE]; DOB [DATE], aged [AGE-90+], NHS [NHS-NUMBER].");
    ASSERT_STREQ(r, "");
    mdt_scrub_ctx_free(ctx);
}

/* The server's gate: whatever the scrubber keeps, the detector keeps. */
TEST(names_scrubbed_text_gives_no_findings)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *texts[] = {
        "Presented by Gemma Hill (PCN MHP). Mr T PETRAUSKAS came in. Kerry Fisher rang; Kerry "
        "said her son Jordan, 24, and Maria 6 live with Florin at 27 Brereton Grove.",
        "saw pat at home on 12th june with tina. S.O'S and Ray COOK met Summer H. at the "
        "Leggott Arms in Littleport. Mate 'Smudge'. NGUYEN Thi Lan, Lan. Y. Tesfamariam's flat.",
        "Will Brookes (Will B) asked Dawn and Comfort to help; 'Linda' on Facebook. nb Molly "
        "Brown, Fen Reach Moorings. Works at Kestrel Logistics in Orton Southgate. Flat B.",
    };
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        char *s = mdt_scrub_text(ctx, texts[i], strlen(texts[i]));
        struct mdt_spans sp;
        ASSERT(s != NULL);
        mdt__spans_init(&sp);
        mdt__detect_names(ctx, s, strlen(s), &sp);
        if (sp.n)
            TEST_FAIL("names found in scrubbed text: %.*s in\n    %s",
                      (int)(sp.v[0].end - sp.v[0].start), s + sp.v[0].start, s);
        mdt__spans_release(&sp);
        ASSERT_EQ(mdt_scrub_detect(ctx, s, strlen(s), NULL), 0);
        ASSERT_NOT_CONTAINS(s, "Gemma");
        ASSERT_NOT_CONTAINS(s, "tina");
        ASSERT_NOT_CONTAINS(s, "Molly");
        free(s);
    }
    mdt_scrub_ctx_free(ctx);
}

TEST(names_any_bytes_are_safe)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    static const char alphabet[] = "Aa '-.,[]\n\xc4\x97\xe2\x80\x99Mr Flat 3 Road";
    char buf[512];
    unsigned x = 12345;
    for (int round = 0; round < 200; round++) {
        for (size_t i = 0; i < sizeof(buf); i++) {
            x = x * 1103515245u + 12345u;
            buf[i] = alphabet[(x >> 16) % (sizeof(alphabet) - 1)];
        }
        struct mdt_spans sp;
        mdt__spans_init(&sp);
        mdt__detect_names(ctx, buf, sizeof(buf), &sp);
        for (size_t k = 0; k < sp.n; k++)
            ASSERT(sp.v[k].start < sp.v[k].end && sp.v[k].end <= sizeof(buf));
        mdt__spans_release(&sp);
    }
    mdt_scrub_ctx_free(ctx);
}

TEST(lexicon_folds_case_and_diacritics)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    char out[64];
    size_t n = mdt__fold("Yılmaz", strlen("Yılmaz"), out);
    ASSERT_EQ(n, 6);
    ASSERT(memcmp(out, "yilmaz", 6) == 0);
    n = mdt__fold("Jankauskienė", strlen("Jankauskienė"), out);
    ASSERT(n == 12 && memcmp(out, "jankauskiene", 12) == 0);
    ASSERT(mdt__lex_flags(ctx->lex, "hope", 4) & MDT_LEX_DICT);
    ASSERT(mdt__lex_flags(ctx->lex, "olanzapine", 10) & MDT_LEX_ALLOW);
    ASSERT(mdt__lex_flags(ctx->lex, "grimsby", 7) & MDT_LEX_GEO);
    ASSERT(mdt__lex_flags(ctx->lex, "kofi", 4) & MDT_LEX_NAME);
    ASSERT(!(mdt__lex_flags(ctx->lex, "littleport", 10) & MDT_LEX_GEO));
    ASSERT_STREQ(mdt__lex_short_forms(ctx->lex, "patricia", 8), "pat trish tricia patsy patty");
    mdt_scrub_ctx_free(ctx);
}

TEST(names_hospitals_and_courts_are_no_people)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "Taken to Northgate Hospital, then Sunderland Royal Hospital and "
                               "Luton & Dunstable Hospital; Florence Nightingale Hospital later. "
                               "Hearing at Thames Magistrates' Court.");
    ASSERT_STREQ(r, "");
    /* a person near one is still a person */
    r = found(ctx, "Her sister Amy Jones drove her to Northgate Hospital.");
    ASSERT_CONTAINS(r, "PERSON:Amy Jones:");
    ASSERT_NOT_CONTAINS(r, "Hospital");
    /* "Can" starts a question and is no given name before one */
    r = found(ctx, "Can Abena help?");
    ASSERT_CONTAINS(r, "PERSON:Abena:");
    ASSERT_NOT_CONTAINS(r, "Can");
    mdt_scrub_ctx_free(ctx);
}

TEST(lexicon_names_list_is_sorted_and_every_name_is_found)
{
    /* names-any.txt is searched in place: it must stay sorted in byte
     * order, one folded name a line, and every line must be found */
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const struct mdt_embed *e = mdt_embed_find(mdt_lexicon, "names-any.txt");
    ASSERT(e != NULL);
    const char *p = (const char *)e->start, *end = p + mdt_embed_len(e);
    const char *prev = NULL;
    size_t prev_len = 0, n = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (l && *p != '#') {
            for (size_t k = 0; k < l; k++)
                ASSERT((p[k] >= 'a' && p[k] <= 'z') || p[k] == '\'' || p[k] == '-');
            if (prev) {
                int c = memcmp(prev, p, prev_len < l ? prev_len : l);
                ASSERT(c < 0 || (c == 0 && prev_len < l));
            }
            ASSERT(mdt__lex_flags(ctx->lex, p, l) & MDT_LEX_NAME);
            prev = p;
            prev_len = l;
            n++;
        }
        p += l + 1;
    }
    ASSERT(n > 100000);
    /* and nothing else is */
    ASSERT(!(mdt__lex_flags(ctx->lex, "zzzzqx", 6) & MDT_LEX_NAME));
    ASSERT(!(mdt__lex_flags(ctx->lex, "aaaaa", 5) & MDT_LEX_NAME));
    ASSERT(mdt__lex_flags(ctx->lex, "tesfamariam", 11) & MDT_LEX_NAME);
    mdt_scrub_ctx_free(ctx);
}

TEST(names_a_town_that_is_a_given_name_needs_a_real_surname)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    /* Bradford is a town and a given name: "Bradford Council" names no
     * one, so "Bradford" is not spread as a name to the rest of the text */
    const char *r = found(ctx, "She lives in Bradford. Bradford Council sent a letter. He works "
                               "at Bradford Royal Infirmary.");
    ASSERT_NOT_CONTAINS(r, "Bradford");
    /* with a surname that is no ordinary word it is a person */
    r = found(ctx, "Florence Nightingale visited.");
    ASSERT_CONTAINS(r, "PERSON:Florence Nightingale:");
    mdt_scrub_ctx_free(ctx);
}

/* Two relatives who share a surname are two people: the key is the given
 * name and the surname. A lone given name or surname is the person whose
 * full name holds it (the first one, for a shared surname). */
TEST(names_relatives_sharing_a_surname_are_two_people)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "Her sons Kwame Asante and Kofi Asante visit. Mr Asante drives. "
                               "Kofi rang. Mary Jane Smith and later Mary Smith came.");
    ASSERT_CONTAINS(r, "PERSON:Kwame Asante:kwame asante|");
    ASSERT_CONTAINS(r, "PERSON:Kofi Asante:kofi asante|");
    ASSERT_CONTAINS(r, "PERSON:Asante:kwame asante|");
    ASSERT_CONTAINS(r, "PERSON:Kofi:kofi asante|");
    ASSERT_CONTAINS(r, "PERSON:Mary Jane Smith:mary smith|");
    ASSERT_CONTAINS(r, "PERSON:Mary Smith:mary smith|");
    mdt_scrub_ctx_free(ctx);
}

/* A nickname in brackets after a name is the same person, and is found
 * alone later even when it is also an ordinary word ("harry"). */
TEST(names_nickname_in_brackets_is_the_same_person)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "His son ZHANG Hao (Harry) lives in Leeds.\nHarry's mobile is off.");
    ASSERT_CONTAINS(r, "PERSON:ZHANG Hao:hao zhang|");
    ASSERT_CONTAINS(r, "PERSON:Harry:hao zhang|PERSON:Harry:hao zhang|");
    /* a country in brackets stays */
    r = found(ctx, "He was born in Dharan (Nepal) and served.");
    ASSERT_NOT_CONTAINS(r, "Nepal");
    r = found(ctx, "Robert (Bobby) Jones came. Later Bobby said no, and Robert left.");
    ASSERT_CONTAINS(r, "PERSON:Robert:robert jones|PERSON:Bobby:robert jones|"
                       "PERSON:Jones:robert jones|PERSON:Bobby:robert jones|"
                       "PERSON:Robert:robert jones|");
    mdt_scrub_ctx_free(ctx);
}

/* Given names that are ordinary words, written in lower case: after a
 * relation ("his brother martin") and then wherever the writer uses them;
 * a possessive or a verb of saying after a name seen in full; a word
 * followed by a relation in brackets. The ordinary word stays where it
 * reads as one. */
TEST(names_lower_case_given_names_that_are_words)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "since his brother martin died in the fire hes hearing martin "
                               "talking at night");
    ASSERT_CONTAINS(r, "PERSON:martin:martin|PERSON:martin:martin|");
    r = found(ctx, "Her friend Mercy Adebayo helps. Slept at mercy's last night. She shows no "
                   "mercy.");
    ASSERT_CONTAINS(r, "PERSON:mercy:mercy adebayo|");
    ASSERT_NOT_CONTAINS(r, ":mercy.");
    ASSERT_NOT_CONTAINS(r, "no mercy");
    r = found(ctx, "saw dawit at home with patience (aunt) and drew (ex-partner). says a joy "
                   "(mum).");
    ASSERT_CONTAINS(r, "PERSON:patience:");
    ASSERT_CONTAINS(r, "PERSON:drew:");
    ASSERT_NOT_CONTAINS(r, "joy");
    mdt_scrub_ctx_free(ctx);
}

/* An abbreviation before a number is no lower-case surname ("ext"). */
TEST(names_abbreviation_before_a_number_is_no_name)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "Call 0113 496 0000 ext 2231 or T: 01632 960 227 ext. 4310 for Dr "
                               "Lee.");
    ASSERT_NOT_CONTAINS(r, "ext");
    ASSERT_CONTAINS(r, "PERSON:Lee:");
    mdt_scrub_ctx_free(ctx);
}

/* Services named after a place or in ordinary words, and languages and
 * festivals, are kept; a workplace, or a name after a relation, is not. */
TEST(names_services_languages_and_festivals_are_kept)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "Referred to Bradford Children's Services, the Seaview Project "
                               "and the Royal British Legion. She speaks Sorani and Dari, needs "
                               "a Sorani or Dari interpreter and celebrates Navratri.");
    ASSERT_STREQ(r, "");
    r = found(ctx, "Cleans at Amberley Care Services. Celebrates Hannah's birthday. Her son "
                   "Jordan Smith Project worker.");
    ASSERT_CONTAINS(r, "Amberley");
    ASSERT_CONTAINS(r, "PERSON:Hannah:");
    ASSERT_CONTAINS(r, "PERSON:Jordan Smith");
    r = found(ctx, "From the Council, Karen White, assessed him.");
    ASSERT_CONTAINS(r, "PERSON:Karen White:");
    mdt_scrub_ctx_free(ctx);
}

/* An acronym of the allow-list is kept where it is written in capitals,
 * alone or before a hyphen; the same letters as a name are a name, and a
 * name seen in full does not make the acronym one. */
TEST(names_allow_listed_acronyms_only_in_capitals)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "She was refused PIP in June. Her PIP was stopped, and can "
                               "CAMHS-to-adult transition wait? A PIP-related appeal.");
    ASSERT_STREQ(r, "");
    r = found(ctx, "Her son Ed came with her. She went to ED.");
    ASSERT_CONTAINS(r, "PERSON:Ed:");
    ASSERT_NOT_CONTAINS(r, ":ED:");
    r = found(ctx, "Her daughter Pip came.");
    ASSERT_CONTAINS(r, "PERSON:Pip:");
    mdt_scrub_ctx_free(ctx);
}

/* A college, an academy, a plant or a depot named after a town or a
 * district is a place someone studies or works; a cathedral or a
 * university named after a city is a landmark. */
TEST(names_college_academy_plant_depot_after_a_town_are_places)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "He studies at Newham College, his sister at Hackney Academy.");
    ASSERT_CONTAINS(r, "PLACE:Newham College:");
    ASSERT_CONTAINS(r, "PLACE:Hackney Academy:");
    r = found(ctx, "He worked nights at the Vauxhall parts depot, then the Dagenham plant.");
    ASSERT_CONTAINS(r, "PLACE:Vauxhall:");
    ASSERT_CONTAINS(r, "PLACE:Dagenham:");
    r = found(ctx, "She sings at Leicester Cathedral. The power plant and the bus depot closed.");
    ASSERT_STREQ(r, "");
    mdt_scrub_ctx_free(ctx);
}

/* Hospitals, boroughs and shopping centres known by a place's name, and
 * words of other cultures, are kept; a small business district is not. */
TEST(names_hospitals_boroughs_and_culture_words_are_kept)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "They live in Tower Hamlets. Admitted to Hopewood Park, seen at "
                               "Derriford and at James Paget. She shops at Victoria Centre, goes "
                               "to the Recovery College. He "
                               "is Hazara and has a Tazkira; she loves garba and does seva.");
    ASSERT_STREQ(r, "");
    char *s = mdt_scrub_text(ctx, "He cleaned offices at Canary Wharf.", 35);
    ASSERT_STREQ(s, "He cleaned offices at [PLACE].");
    free(s);
    mdt_scrub_ctx_free(ctx);
}

/* An allow-listed word that is also a surname, right after a name, is
 * the surname; elsewhere it keeps its meaning. */
TEST(names_allow_listed_surname_after_a_name)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "Brother Mohammed Nurul Islam sends money. He converted to Islam.");
    ASSERT_CONTAINS(r, "PERSON:Mohammed Nurul Islam:");
    ASSERT_NOT_CONTAINS(r, "PERSON:Islam:");
    mdt_scrub_ctx_free(ctx);
}

/* Contractions are no names, at a sentence start or in any quote mark;
 * languages and peoples are no names either. */
TEST(names_contractions_and_languages_stay)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "Dear Mr Okafor, I'd be grateful. I'm referring her. Can't cope. "
                               "Wasn't home. We're worried. They\xe2\x80\x99ve gone. At 3 o'clock. "
                               "Speaks only Pahari; a Turkish Kurd; Pashtun; Sorani and Hausa.");
    ASSERT_CONTAINS(r, ":Okafor:");
    ASSERT_NOT_CONTAINS(r, "I'd");
    ASSERT_NOT_CONTAINS(r, "I'm");
    ASSERT_NOT_CONTAINS(r, "Can't");
    ASSERT_NOT_CONTAINS(r, "Wasn't");
    ASSERT_NOT_CONTAINS(r, "We're");
    ASSERT_NOT_CONTAINS(r, "They");
    ASSERT_NOT_CONTAINS(r, "clock");
    ASSERT_NOT_CONTAINS(r, "Pahari");
    ASSERT_NOT_CONTAINS(r, "Kurd");
    ASSERT_NOT_CONTAINS(r, "Pashtun");
    ASSERT_NOT_CONTAINS(r, "Sorani");
    ASSERT_NOT_CONTAINS(r, "Hausa");
    mdt_scrub_ctx_free(ctx);
}

/* A greeting or relation that is a given name somewhere is the cue, not
 * part of the name; a quoted name is the person wherever it comes up; a
 * surname after a title is no street. */
TEST(names_greetings_quotes_and_titles)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "Hi Ruth, thanks. Son Ethan is 12. Bro Mark came. Colleagues know "
                               "her as \"Lily\" at work. Lily also speaks Hakka. Mr Hill rang.");
    ASSERT_CONTAINS(r, "PERSON:Ruth:");
    ASSERT_CONTAINS(r, "PERSON:Ethan:");
    ASSERT_CONTAINS(r, "PERSON:Mark:");
    ASSERT_NOT_CONTAINS(r, ":Hi ");
    ASSERT_NOT_CONTAINS(r, ":Son ");
    ASSERT_NOT_CONTAINS(r, ":Bro ");
    ASSERT_CONTAINS(r, "PERSON:Lily:lily|PERSON:Lily:lily|");
    ASSERT_CONTAINS(r, "PERSON:Hill:");
    ASSERT_NOT_CONTAINS(r, "ADDRESS");
    mdt_scrub_ctx_free(ctx);
}

/* In a note written in capitals every word is capitalised: a street needs
 * a house number, a locative or a name that is no ordinary word. */
TEST(names_streets_in_capitals)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *in = "DO NOT LET HIM DRIVE DRUNK. HE WAS SEEN ON HYLTON WALK. "
                     "LIVES AT 12 QUEENS ROAD. MOVED TO QUEENS ROAD.";
    char *r = mdt_scrub_text(ctx, in, strlen(in));
    ASSERT_STREQ(r, "DO NOT LET HIM DRIVE DRUNK. HE WAS SEEN ON [ADDRESS]. "
                    "LIVES AT [ADDRESS]. MOVED TO [ADDRESS].");
    free(r);
    mdt_scrub_ctx_free(ctx);
}

/* Names that only their context gives away: a worker's initials signing
 * a note, a surname after a collar number, an unknown word after a
 * relation, a name written in lower case after a function word once the
 * writer named the person so, and a surname after a title in lower case. */
TEST(names_by_context_in_notes)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "My notes (RP, Refugee Council caseworker). Visit (JS, MHP). "
                               "Risk (DV, coercive control). From: PC 2271 Fox, Cheshire "
                               "Constabulary. his wife kokilaben went into a home. her son "
                               "martin (18) cares; she'd go to martin. referred by dr shah. "
                               "mr khan said no. saw dr appt. his pc broke. has ms and copd.");
    ASSERT_CONTAINS(r, "PERSON:RP:");
    ASSERT_CONTAINS(r, "PERSON:JS:");
    ASSERT_NOT_CONTAINS(r, ":DV:");
    ASSERT_CONTAINS(r, "PERSON:Fox:");
    ASSERT_CONTAINS(r, "PERSON:kokilaben:");
    ASSERT_CONTAINS(r, "PERSON:martin:martin|PERSON:martin:martin|");
    ASSERT_CONTAINS(r, "PERSON:shah:");
    ASSERT_CONTAINS(r, "PERSON:khan:");
    ASSERT_NOT_CONTAINS(r, ":appt:");
    ASSERT_NOT_CONTAINS(r, ":broke:");
    ASSERT_NOT_CONTAINS(r, ":and:");
    mdt_scrub_ctx_free(ctx);
}

/* A named unit is a hospital's, kept; "Unit 4" is an address and a unit
 * where someone works a workplace; a unit or hospital the allow-list
 * names keeps its street-like name. */
TEST(names_named_units_and_hospitals_are_kept)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *in = "Prev admission Tranwell Unit 2016 and the Bradgate Unit; Dx (2017, "
                     "Sandalwood Court). Lives at Unit 4, Kestrel Way. Works at Kestrel Unit.";
    char *r = mdt_scrub_text(ctx, in, strlen(in));
    ASSERT_CONTAINS(r, "Tranwell Unit 2016");
    ASSERT_CONTAINS(r, "the Bradgate Unit");
    ASSERT_CONTAINS(r, "Sandalwood Court");
    ASSERT_NOT_CONTAINS(r, "Unit 4");
    ASSERT_NOT_CONTAINS(r, "Kestrel Unit");
    free(r);
    mdt_scrub_ctx_free(ctx);
}

/* Names that words around them give: "call him", "known as", a nickname
 * in quotes between given name and surname whatever the word, initials
 * joined by a slash in brackets, a possessive without its apostrophe, and
 * ordinary words and a city used as given names. */
TEST(names_aliases_nicknames_and_unmarked_possessives)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "Colleagues call him JP. Known as Gaz; he is known as the man. "
                               "His mate Kev 'Scouse' Rimmer. HV 14:30 (SK/TM), therapy "
                               "(OT/SLT) and (UC/PIP). copd shannons kids are with her, the "
                               "dogs bowl. Interview done by Saffron from Barnardo's. "
                               "Children: Paris (11).");
    ASSERT_CONTAINS(r, "PERSON:JP:");
    ASSERT_CONTAINS(r, "PERSON:Gaz:");
    ASSERT_NOT_CONTAINS(r, ":the:");
    ASSERT_CONTAINS(r, "PERSON:Scouse:");
    ASSERT_CONTAINS(r, "PERSON:SK:");
    ASSERT_CONTAINS(r, "PERSON:TM:");
    ASSERT_NOT_CONTAINS(r, ":OT:");
    ASSERT_NOT_CONTAINS(r, ":SLT:");
    ASSERT_NOT_CONTAINS(r, ":UC:");
    ASSERT_CONTAINS(r, "PERSON:shannons:");
    ASSERT_NOT_CONTAINS(r, ":dogs:");
    ASSERT_CONTAINS(r, "PERSON:Saffron:");
    ASSERT_CONTAINS(r, "PERSON:Paris:");
    mdt_scrub_ctx_free(ctx);
}

/* A word spread from a name elsewhere in the text stays inside a
 * country's name; a role in title case is no name. */
TEST(names_spread_stops_at_geography_and_roles)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "She attends Sri Murugan Kovil and came from Jaffna, Sri Lanka. "
                               "Alison Forbes, Primary Care Mental Health Practitioner.");
    ASSERT_CONTAINS(r, "Sri Murugan");
    ASSERT_NOT_CONTAINS(r, "Lanka");
    ASSERT_CONTAINS(r, "PERSON:Alison Forbes:");
    ASSERT_NOT_CONTAINS(r, "Care");
    ASSERT_NOT_CONTAINS(r, "Practitioner");
    mdt_scrub_ctx_free(ctx);
}

/* In a note typed in lower case: a street after a locative, and a name
 * after a relation and a colon. */
TEST(names_lower_case_streets_and_relations)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "lives w nan in hollybush close, was at fernlea grove. in close "
                               "contact near the park. key worker: kokila from mind. her sister, "
                               "who is 30.");
    ASSERT_CONTAINS(r, "ADDRESS:hollybush close:");
    ASSERT_CONTAINS(r, "ADDRESS:fernlea grove:");
    ASSERT_NOT_CONTAINS(r, "close contact");
    ASSERT_NOT_CONTAINS(r, "park");
    ASSERT_CONTAINS(r, "PERSON:kokila:");
    ASSERT_NOT_CONTAINS(r, "who");
    mdt_scrub_ctx_free(ctx);
}

TEST(names_villages_of_the_gazetteer_in_any_case)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "Lives in Edwinstowe; her son stays over in kirk sandall and "
                               "drinks with mates from grimethorpe. Nan is in bolton on dearne.");
    ASSERT_CONTAINS(r, "PLACE:Edwinstowe:|");
    ASSERT_CONTAINS(r, "PLACE:kirk sandall:|");
    ASSERT_CONTAINS(r, "PLACE:grimethorpe:|");
    ASSERT_CONTAINS(r, "PLACE:bolton on dearne:|");
    /* a village that is an ordinary word or a given name only after a
     * locative, capitalised */
    r = found(ctx, "Buys weed from a lad in Pool, and moved to Hope last year. Uses the pool "
                   "at the leisure centre; no hope of a flat.");
    ASSERT_CONTAINS(r, "PLACE:Pool:|");
    ASSERT_CONTAINS(r, "PLACE:Hope:|");
    ASSERT_NOT_CONTAINS(r, ":pool:");
    ASSERT_NOT_CONTAINS(r, ":hope:");
    /* a village's name as a surname stays the person's */
    r = found(ctx, "Mr Seaton rang. Kelly Seaton is her aunt.");
    ASSERT_NOT_CONTAINS(r, "PLACE");
    ASSERT_CONTAINS(r, "PERSON:Kelly Seaton:kelly seaton|");
    mdt_scrub_ctx_free(ctx);
}

TEST(names_lower_case_places_and_pubs_by_the_words_around_them)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    /* a word in no list after a locative, or before a workplace's word */
    const char *r = found(ctx, "he drinks in scawsby most nights. worked for northwold marine "
                               "services til may, then at the fenwold surgery. goes to the "
                               "tinsdale community centre.");
    ASSERT_CONTAINS(r, "PLACE:scawsby:|");
    ASSERT_CONTAINS(r, "PLACE:northwold marine services:|");
    ASSERT_CONTAINS(r, "PLACE:fenwold:|");
    ASSERT_CONTAINS(r, "PLACE:tinsdale community:|");
    /* a town's workplace, a lower-case pub, and a pub of two words */
    r = found(ctx, "works at the selby logistics site. drinks at the anchor tavern. Meets his "
                   "mates at the Plough and Sail on a Friday.");
    ASSERT_CONTAINS(r, "PLACE:selby logistics:|");
    ASSERT_CONTAINS(r, "PLACE:anchor tavern:|");
    ASSERT_CONTAINS(r, "PLACE:Plough and Sail:|");
    /* workplaces by their words: a colliery, an engineering firm */
    r = found(ctx, "He was a miner at the Selby Colliery, then at selby engineering.");
    ASSERT_CONTAINS(r, "PLACE:Selby Colliery:|");
    ASSERT_CONTAINS(r, "PLACE:selby engineering:|");
    /* roles, services and ordinary words stay */
    r = found(ctx, "the social worker and the local surgery; at the Housing and Benefits team "
                   "meeting; in situ; at the bar.");
    ASSERT_NOT_CONTAINS(r, "PLACE");
    /* a month is no town's workplace; a word made with a suffix is no place */
    r = found(ctx, "you may convey covered works. items carried forward from undiscussed.");
    ASSERT_NOT_CONTAINS(r, "PLACE");
    mdt_scrub_ctx_free(ctx);
}

TEST(names_lower_case_saints_estates_and_header_surnames)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    /* a name in no list after a relation, a church after "st", a word in
     * no list after "at", a housing estate of ordinary words */
    const char *r = found(ctx, "his wife thirza died in june. grandson goes to st oswin's. "
                               "was a miner at wrenthorpe main. Lives on the Manor Estate.");
    ASSERT_CONTAINS(r, ":thirza:");
    ASSERT_CONTAINS(r, "PLACE:st oswin:|");
    ASSERT_CONTAINS(r, "PLACE:wrenthorpe:|");
    ASSERT_CONTAINS(r, ":Manor Estate:");
    r = found(ctx, "lives at 4 high st with mum. seen at ashbourne hospice.");
    ASSERT_NOT_CONTAINS(r, "PLACE:st");
    ASSERT_NOT_CONTAINS(r, "ashbourne");
    /* "From: Surname, Given" in a pasted email */
    r = found(ctx, "From: Baker, Jo (Housing)\nSent: today\nHi all, Jo here.");
    ASSERT_CONTAINS(r, "PERSON:Baker:");
    mdt_scrub_ctx_free(ctx);
}

TEST(names_lower_case_given_name_after_a_relation_before_where)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "no contact. his daughter amber in leeds rings weekly.");
    ASSERT_CONTAINS(r, ":amber:");
    r = found(ctx, "her partner will in time need a carer. amber in colour.");
    ASSERT_NOT_CONTAINS(r, "will");
    ASSERT_NOT_CONTAINS(r, "amber");
    mdt_scrub_ctx_free(ctx);
}

/* A name of ordinary words in an email header, the initial before it
 * later, a nickname in brackets after a given name in lower case, a
 * child's name and age in lower case, and a month after a relation that
 * is a given name. */
TEST(names_headers_nicknames_and_children_in_lower_case)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "From: Joy Marsh <hr@example.org>\nTo: Housing Options\n"
                               "The contract will end. J Marsh, HR.\n"
                               "kerry (kez) is 38. kez wants a course. her 2 boys kai (15) and "
                               "mason (9). mason has adhd. meds (2) taken. her mum jan lives "
                               "near. her son may go.");
    ASSERT_CONTAINS(r, "PERSON:Joy Marsh:");
    ASSERT_NOT_CONTAINS(r, "Housing");
    ASSERT_CONTAINS(r, "PERSON:J Marsh:");
    ASSERT_CONTAINS(r, "PERSON:kez:kez|PERSON:kez:kez|");
    ASSERT_CONTAINS(r, "PERSON:mason:mason|PERSON:mason:mason|");
    ASSERT_NOT_CONTAINS(r, "meds");
    ASSERT_CONTAINS(r, "PERSON:jan:");
    ASSERT_NOT_CONTAINS(r, ":may:");
    mdt_scrub_ctx_free(ctx);
}

/* Pubs and clubs named with a possessive and churches named for Our Lady
 * are places; a hospital named after its street is kept whole; a service
 * with a possessive, nationalities, seas and regions abroad stay. */
TEST(names_possessive_pubs_churches_and_nationalities)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *in = "Parked at the Sportsman's Arms; bingo at the Miners' Welfare. Church: "
                     "Our Lady of the Rosary. The Women's Centre offered a place. Assessment at "
                     "Cross Lane Hospital. A Colombian with a Spanish passport came from "
                     "Calabria after the Mediterranean crossing; speaks Korean and Swedish.";
    char *r = mdt_scrub_text(ctx, in, strlen(in));
    ASSERT_CONTAINS(r, "Parked at the [PLACE]; bingo at the [PLACE]. Church: [PLACE].");
    ASSERT_CONTAINS(r, "The Women's Centre offered");
    ASSERT_CONTAINS(r, "Cross Lane Hospital");
    ASSERT_CONTAINS(r, "A Colombian with a Spanish passport came from Calabria after the "
                       "Mediterranean crossing; speaks Korean and Swedish.");
    free(r);
    mdt_scrub_ctx_free(ctx);
}

/* A name before a role of two words in brackets; a relation starting a
 * sentence is no name; MDT, SI and words the word list lacks stay. */
TEST(names_roles_in_brackets_and_words_that_stay)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "seen by jade (social prescriber) at the hub. pain (very bad). "
                               "Son is the protective factor. Dear MDT, referral for MDT. No "
                               "known SI. Housemate harassment. Occ health. On the GamStop "
                               "register.");
    ASSERT_CONTAINS(r, "PERSON:jade:");
    ASSERT_NOT_CONTAINS(r, "pain");
    ASSERT_NOT_CONTAINS(r, "Son");
    ASSERT_NOT_CONTAINS(r, "MDT");
    ASSERT_NOT_CONTAINS(r, ":SI:");
    ASSERT_NOT_CONTAINS(r, "Housemate");
    ASSERT_NOT_CONTAINS(r, "Occ");
    ASSERT_NOT_CONTAINS(r, "GamStop");
    mdt_scrub_ctx_free(ctx);
}

/* Workplaces named after their town or in one word where someone works,
 * and churches ending in Fellowship, are places; a council or hospital
 * where someone works stays. */
TEST(names_workplaces_named_for_a_town)
{
    struct mdt_scrub_ctx *ctx = mdt_scrub_ctx_new();
    const char *r = found(ctx, "He worked as a groundsman at Hexham Racecourse, then worked at "
                               "Skipton Auction Mart. She is on the production line at Mars. "
                               "They attend Living Waters Fellowship. Her sister works at "
                               "Bradford Council and at Leeds General Infirmary.");
    ASSERT_CONTAINS(r, "PLACE:Hexham Racecourse:");
    ASSERT_CONTAINS(r, "PLACE:Skipton Auction Mart:");
    ASSERT_CONTAINS(r, "PLACE:Mars:");
    ASSERT_CONTAINS(r, "PLACE:Living Waters Fellowship:");
    ASSERT_NOT_CONTAINS(r, "Bradford");
    ASSERT_NOT_CONTAINS(r, "Leeds");
    mdt_scrub_ctx_free(ctx);
}
