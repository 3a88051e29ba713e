/* The validated pattern detectors, on their own: each case is a text and
 * what it must become with only the patterns applied. */
#include <stdlib.h>
#include <string.h>

#include "scrub-internal.h"
#include "test.h"

struct pcase {
    const char *in, *want;
};

/* new: the text with the pattern spans replaced (caller frees) */
static char *patterns_only(const struct mdt_scrub_ctx *ctx, const char *in, size_t len)
{
    struct mdt_spans s;
    struct mdt_people people;
    struct mdt_buf out;

    mdt__spans_init(&s);
    mdt__people_init(&people);
    mdt_buf_init(&out, MDT_BUF_NOCAP);
    mdt__detect_patterns(ctx, in, len, &s);
    mdt__spans_resolve(&s, in, len);
    ASSERT_EQ(mdt__render(in, len, &s, &people, &out), 0);
    mdt__spans_release(&s);
    mdt__people_release(&people);
    {
        char *r = mdt_buf_detach(&out);
        return r ? r : strdup("");
    }
}

static void run_cases(const struct pcase *cases, size_t n)
{
    struct mdt_scrub_ctx ctx = {.pat = mdt__patterns_new()};
    int bad = 0;

    for (size_t k = 0; k < n; k++) {
        char *got = patterns_only(&ctx, cases[k].in, strlen(cases[k].in));
        if (strcmp(got, cases[k].want) != 0) {
            fprintf(stderr, "  in:   %s\n  got:  %s\n  want: %s\n", cases[k].in, got,
                    cases[k].want);
            bad++;
        } else {
            /* scrubbed text scrubs to itself */
            char *again = patterns_only(&ctx, got, strlen(got));
            if (strcmp(again, got) != 0) {
                fprintf(stderr, "  not stable: %s\n  became:     %s\n", got, again);
                bad++;
            }
            free(again);
        }
        free(got);
    }
    mdt__patterns_free(ctx.pat);
    ASSERT_EQ(bad, 0);
}

#define RUN(cases) run_cases(cases, sizeof(cases) / sizeof(cases[0]))

TEST(patterns_nhs_numbers)
{
    static const struct pcase c[] = {
        {"NHS no 999 954 2557.", "NHS no [NHS-NUMBER]."},
        {"nhs 9999542557", "nhs [NHS-NUMBER]"},
        {"NHS #: 999-019-9205", "NHS #: [NHS-NUMBER]"},
        {"NHS No: 474-167-8857 on file", "NHS No: [NHS-NUMBER] on file"},
        {"(4586516755)", "([NHS-NUMBER])"},
        {"number 943 476 5919 given", "number [NHS-NUMBER] given"},
        /* after the word NHS a failed checksum is still a number to hide */
        {"NHS number 999 954 2558", "NHS number [NHS-NUMBER]"},
        /* no context and no valid checksum: still a long number, hidden */
        {"code 9999542558 here", "code [ID] here"},
        {"NHS\xc2\xa0" "9999542557", "NHS\xc2\xa0[NHS-NUMBER]"},
        {"nhs:4135577601,dob", "nhs:[NHS-NUMBER],dob"},
        {"bed 2 999 954 2557", "bed 2 [NHS-NUMBER]"},
        {"03.999 954 2557;03", "03.[NHS-NUMBER];03"},
        {"1,07841 226 093", "1,[PHONE]"},
    };
    RUN(c);
}

TEST(patterns_ni_numbers)
{
    static const struct pcase c[] = {
        {"NI no. JP 58 31 20 B (on file)", "NI no. [NI-NUMBER] (on file)"},
        {"NINO JP583120B.", "NINO [NI-NUMBER]."},
        {"ni number jp583120b", "ni number [NI-NUMBER]"},
        {"NI: SR 44 70 13 C", "NI: [NI-NUMBER]"},
        {"NI AB123456", "NI [NI-NUMBER]"},
    };
    RUN(c);
}

TEST(patterns_postcodes_every_format)
{
    static const struct pcase c[] = {
        {"DN31 1QZ", "[POSTCODE]"},         {"postcode DN328JF", "postcode [POSTCODE]"},
        {"at dn35 8pq.", "at [POSTCODE]."}, {"E5 9QH", "[POSTCODE]"},
        {"e59qh", "[POSTCODE]"},            {"SW1A 1AA", "[POSTCODE]"},
        {"W1D 3QU", "[POSTCODE]"},          {"M1 1AE", "[POSTCODE]"},
        {"B33 8TH", "[POSTCODE]"},          {"CR2 6XH", "[POSTCODE]"},
        {"PE13 5AX,", "[POSTCODE],"},       {"n16 7sq", "[POSTCODE]"},
        {"GIR 0AA", "[POSTCODE]"},          {"EC1A1BB", "[POSTCODE]"},
    };
    RUN(c);
}

TEST(patterns_phones)
{
    static const struct pcase c[] = {
        {"mob 07841 226 093.", "mob [PHONE]."},
        {"tel 07923418556", "tel [PHONE]"},
        {"+44 7923 418 556", "[PHONE]"},
        {"+447911 208 364", "[PHONE]"},
        {"+44 (0)7868 120 553", "[PHONE]"},
        {"(01353) 649 210", "[PHONE]"},
        {"(024) 7631 9082", "[PHONE]"},
        {"020 7946 0183", "[PHONE]"},
        {"0116 496 0721", "[PHONE]"},
        {"01325 468 201", "[PHONE]"},
        {"07700 900418", "[PHONE]"},
        {"0044 7700 900418", "[PHONE]"},
        {"0191-498-0733", "[PHONE]"},
        {"ring 0800 123 4567 free", "ring [PHONE] free"},
        {"flat 31 2 07841 226 093 ,", "flat 31 2 [PHONE] ,"},
        {"x2 +44 7923 418 556", "x2 [PHONE]"},
    };
    RUN(c);
}

TEST(patterns_emails_urls_handles)
{
    static const struct pcase c[] = {
        {"email faithasante87@gmail.com.", "email [EMAIL]."},
        {"<kerry.fisher@peterborough.gov.uk>", "<[EMAIL]>"},
        {"p.mistry68@btinternet.com", "[EMAIL]"},
        {"page (https://www.gofundme.com/f/help-abena-stay-in-uk), which",
         "page ([HANDLE]), which"},
        {"see www.example.org/abc.", "see [HANDLE]."},
        {"at gofundme.com/f/help-me now", "at [HANDLE] now"},
        {"TikTok as @rasa.jank_wisbech and", "TikTok as [HANDLE] and"},
        {"(@elif.bakes.n16)", "([HANDLE])"},
        {"on Discord as ghostrider_cv22. He", "on Discord as [HANDLE]. He"},
        {"Snapchat story (kai.h2k4).", "Snapchat story ([HANDLE])."},
        {"instagram: simz.style99", "instagram: [HANDLE]"},
        /* bare domains: a site is named; public bodies, services on the
         * allow list and words run together at a full stop are not */
        {"Lost \xc2\xa3" "900 on bet365.com last month.", "Lost \xc2\xa3" "900 on [HANDLE] last month."},
        {"bets on 365bet.com and SKYBET.COM.", "bets on [HANDLE] and [HANDLE]."},
        {"via paddypower.co.uk daily", "via [HANDLE] daily"},
        {"see gov.uk, nhs.uk, leicester.gov.uk and nhs.net", "see gov.uk, nhs.uk, leicester.gov.uk and nhs.net"},
        {"went home.Me and him argued, e.g. v2.0 report.docx 3.com",
         "went home.Me and him argued, e.g. v2.0 report.docx 3.com"},
    };
    RUN(c);
}

TEST(patterns_vehicles)
{
    static const struct pcase c[] = {
        {"white minibus, reg EY19 KHT.", "white minibus, reg [VEHICLE]."},
        {"silver Corsa NK12 WZT seized", "silver Corsa [VEHICLE] seized"},
        {"car reg ey19kht", "car reg [VEHICLE]"},
        {"his car, P123 ABC, was", "his car, [VEHICLE], was"},
        {"van reg ABC 123D", "van reg [VEHICLE]"},
    };
    RUN(c);
}

TEST(patterns_plates_in_any_spacing_case_and_shape)
{
    static const struct pcase c[] = {
        {"his car MF66  XWU was", "his car [VEHICLE] was"},
        {"car yx 15 hbf parked", "car [VEHICLE] parked"},
        {"reg ks 21   xpo seen", "reg [VEHICLE] seen"},
        {"KS21XPO is a blue Ford Fiesta", "[VEHICLE] is a blue Ford Fiesta"},
        {"private plate GR4 EME on", "private plate [VEHICLE] on"},
        {"partial plate BD68 seen", "partial plate [VEHICLE] seen"},
        {"car p123 abc and van P123 ABC", "car [VEHICLE] and van [VEHICLE]"},
        {"he drives a black golf yx 15 hbf now", "he drives a black golf [VEHICLE] now"},
        /* models and words after a vehicle word stay */
        {"his car, a BMW X5 in black, and Golf R32 and Ford KA 2 door",
         "his car, a BMW X5 in black, and Golf R32 and Ford KA 2 door"},
        {"in car park 12 near", "in car park 12 near"},
    };
    RUN(c);
}

TEST(patterns_wrapped_phones_card_tails_and_discord_tags)
{
    static const struct pcase c[] = {
        {"+44 (0)7700 900\n557 rang", "[PHONE] rang"},
        {"Mob 07700 900\r\n123 x", "Mob [PHONE] x"},
        {"took 07700\n12 units", "took 07700\n12 units"},
        {"card ending 4417, account ending in 0192.", "card ending [ID], account ending in [ID]."},
        {"year ending 2024 and it ends 7731", "year ending 2024 and it ends 7731"},
        {"discord kaceyy#4471 and kc_99#1234;", "discord [HANDLE] and [HANDLE];"},
        {"room#12 and #4471", "room#12 and #4471"},
    };
    RUN(c);
}

TEST(patterns_dates_of_letters_other_calendars_and_birth_years)
{
    static const struct pcase c[] = {
        {"our letter of the 3rd inst. and by the 1st prox.",
         "our letter of the [DATE] and by the [DATE]"},
        {"your call of the 7th ult", "your call of the [DATE]"},
        {"(on the 24th and on Sat 1/11)", "(on the [DATE] and on Sat [DATE])"},
        {"the 2nd and 3rd attempts, on the 3rd occasion",
         "the 2nd and 3rd attempts, on the 3rd occasion"},
        {"go with him on the 22nd so the case", "go with him on the [DATE] so the case"},
        {"died on 17 Ramadan, fasts during Ramadan", "died on [DATE], fasts during Ramadan"},
        {"Born Feb '71, moved March \xe2\x80\x99" "24.", "Born [DATE], moved [DATE]."},
        {"may '22 be", "may '22 be"},
    };
    RUN(c);
}

TEST(patterns_hospital_numbers_and_references)
{
    static const struct pcase c[] = {
        {"(hosp no. PCH 7702186) on", "(hosp no. [ID]) on"},
        {"(MRN 1438826X) having", "(MRN [ID]) having"},
        {"Hosp no 4100732X.", "Hosp no [ID]."},
        {"hosp no DL 0038214\n", "hosp no [ID]\n"},
        {"(hosp no. CC-550213)", "(hosp no. [ID])"},
        {"hosp no. PCH-2207741", "hosp no. [ID]"},
        {"(ref HK/REG/0081734), band C", "(ref [ID]), band C"},
        {"HRA ref PET/HOM/25/04417", "HRA ref [ID]"},
        {"his BRP (ZU7204381) has", "his BRP ([ID]) has"},
        {"badge no. PH/04127. Badge", "badge no. [ID]. Badge"},
        {"(service no. 25031746)", "(service no. [ID])"},
        {"(CRT licence no. 52197)", "(CRT licence no. [ID])"},
        {"(ref NFRC250403117)", "(ref [ID])"},
        {"(claim no. K00CL412)", "(claim no. [ID])"},
        {"| prison no. A4412DX |", "| prison no. [ID] |"},
        {"(reference CHB02946318 ZN) because", "(reference [ID]) because"},
        {"crime ref DHM-2504-22871; the", "crime ref [ID]; the"},
        {"tenancy reference is 0044127/02. Des", "tenancy reference is [ID]. Des"},
        {"Home Office ref P2291047. NRM referral ref NRM-25-118406, with",
         "Home Office ref [ID]. NRM referral ref [ID], with"},
        {"account number 12345678", "account number [ID]"},
        {"G0719352 and 1438826X", "[ID] and [ID]"},
    };
    RUN(c);
}

TEST(patterns_dates)
{
    static const struct pcase c[] = {
        {"DOB 14.03.87 /", "DOB [DATE] /"},
        {"dob 5/4/91,", "dob [DATE],"},
        {"born 1977/06/19", "born [DATE]"},
        {"1987-03-14", "[DATE]"},
        {"inspect on 8/7 and", "inspect on [DATE] and"},
        {"seen 19/05.", "seen [DATE]."},
        {"28-Jan-1977", "[DATE]"},
        {"2nd Feb 1931", "[DATE]"},
        {"on the 14th of May (", "on the [DATE] ("},
        {"on 9 August 1980,", "on [DATE],"},
        {"before 2 August?", "before [DATE]?"},
        {"Tuesday 3rd June", "Tuesday [DATE]"},
        {"saw pat on 12th june", "saw pat on [DATE]"},
        {"Sent: 09 June 2025 14:12", "Sent: [DATE] 14:12"},
        {"Sent: Mon, 16 Jun 2025 09:30", "Sent: Mon, [DATE] 09:30"},
        {"Sent: 11/06/2025. Shane", "Sent: [DATE]. Shane"},
        {"15 Jan 68", "[DATE]"},
        {"June 12, 2025", "[DATE]"},
        {"on May 3rd", "on [DATE]"},
        {"17-03-89", "[DATE]"},
        {"27.2.58", "[DATE]"},
        {"3rd of March", "[DATE]"},
        {"30th Nov 2001", "[DATE]"},
        {"z03.14.03.87-year-old", "z03.[DATE]-year-old"},
    };
    RUN(c);
}

TEST(patterns_ages_over_89)
{
    static const struct pcase c[] = {
        {"aged 93", "aged [AGE-90+]"},
        {"93yo F", "[AGE-90+]yo F"},
        {"a 93 year old man", "a [AGE-90+] year old man"},
        {"a 93-year-old", "a [AGE-90+]-year-old"},
        {"Edna is 91 and has", "Edna is [AGE-90+] and has"},
        {"(Mrs Jahanara Bibi, 93)", "(Mrs Jahanara Bibi, [AGE-90+])"},
        {"Her mother, 93, lives alone", "Her mother, [AGE-90+], lives alone"},
        /* a name closed by quotes and brackets before the age */
        {"Mrs Meulen (\"Corrie\"), 92, was born", "Mrs Meulen (\"Corrie\"), [AGE-90+], was born"},
        {"her nan (\xe2\x80\x9cNanna\xe2\x80\x9d), 94, lives",
         "her nan (\xe2\x80\x9cNanna\xe2\x80\x9d), [AGE-90+], lives"},
        {"scores 91, 93, 95", "scores 91, 93, 95"},
        {"see (table 91), 93, 95", "see (table 91), 93, 95"},
        {"Age: 102", "Age: [AGE-90+]"},
        {"she is 95 y/o", "she is [AGE-90+] y/o"},
    };
    RUN(c);
}

TEST(patterns_addresses)
{
    static const struct pcase c[] = {
        {"flat on Cartergate Ct. LL", "flat on [ADDRESS]. LL"},
        {"lives at 22 Ladywell Grove with", "lives at [ADDRESS] with"},
        {"moved to Queens Road last", "moved to [ADDRESS] last"},
        {"12 Kepier Row, Durham", "[ADDRESS], Durham"},
        {"at 45 Avon Mill Close", "at [ADDRESS]"},
    };
    RUN(c);
}

/* Formats not in the examples above, as other notes write them. */
/* A short month with a capital and a day is a date; Jan, Jun and Dec are
 * names too and need a year or an ordinal. */
TEST(patterns_short_month_and_day)
{
    static const struct pcase c[] = {
        {"saw a GP on Oct 3 who noted", "saw a GP on [DATE] who noted"},
        {"review on Nov 12 at the surgery", "review on [DATE] at the surgery"},
        {"Jan 3 kids at home", "Jan 3 kids at home"},
        {"Dec 3 said no", "Dec 3 said no"},
    };
    RUN(c);
}

/* A day with no month after a word that says a day follows: an ordinal
 * closing a clause, a score-like d/10 and a d.m with a full stop. */
TEST(patterns_days_after_date_words)
{
    static const struct pcase c[] = {
        {"given until the 31st to clear it", "given until the [DATE] to clear it"},
        {"on the 3rd attempt", "on the 3rd attempt"},
        {"DNA'd 3/10 and pain 7/10", "DNA'd [DATE] and pain 7/10"},
        {"seen by crisis on 27.10.", "seen by crisis on [DATE]."},
        {"weighed 27.10 kg", "weighed 27.10 kg"},
    };
    RUN(c);
}

TEST(patterns_other_common_layouts)
{
    static const struct pcase c[] = {
        {"NHS No. 943-476-5919 and NHS: 943 476 5919", "NHS No. [NHS-NUMBER] and NHS: [NHS-NUMBER]"},
        {"tel: 01472 690318, +44(0)7700 900123, +44-7700-900-123, 077 0090 0123",
         "tel: [PHONE], [PHONE], [PHONE], [PHONE]"},
        {"1st January 2025, January 1st, Jan 1st 2025, 01-Jan-25, 3rd of June 2025",
         "[DATE], [DATE], [DATE], [DATE], [DATE]"},
        {"June 2nd, 2/6/2025, 02.06.2025, 2025-06-02", "[DATE], [DATE], [DATE], [DATE]"},
        {"DOB: 1/1/70, aged 92, 92 years old, 92yrs, age 91, (92), 92 y.o.",
         "DOB: [DATE], aged [AGE-90+], [AGE-90+] years old, [AGE-90+]yrs, age [AGE-90+], "
         "([AGE-90+]), [AGE-90+] y.o."},
        {"Ref: ABC/123/456, Case ref 123456, claim number 1234567, CRN: 1234567",
         "Ref: [ID], Case ref [ID], claim number [ID], CRN: [ID]"},
        {"Crime reference number 12/34567/25", "Crime reference number [ID]"},
        {"Prison number A1234BC, NINo: AB 12 34 56 C, registration AB12 CDE",
         "Prison number [ID], NINo: [NI-NUMBER], registration [VEHICLE]"},
        {"Unit number: 1234567, RXX1234567", "Unit number: [ID], [ID]"},
        {"email JOHN.SMITH@NHS.NET twitter @jsmith99 www.facebook.com/john.smith.7",
         "email [EMAIL] twitter [HANDLE] [HANDLE]"},
        {"seen Wed 4th June at 10:30, next appt Thursday 12 June 2025 @ 2pm",
         "seen Wed [DATE] at 10:30, next appt Thursday [DATE] @ 2pm"},
        {"She was born on 3 March 1931 and is now 94.",
         "She was born on [DATE] and is now [AGE-90+]."},
        {"passport no. 123456789, driving licence SMITH801234JS9AB, account 12345678",
         "passport no. [ID], driving licence [ID], account [ID]"},
        {"inspect on 8/7 and seen 2/7", "inspect on [DATE] and seen [DATE]"},
    };
    RUN(c);
}

/* Safe terms: none of these may change. */
TEST(patterns_keep_safe_text)
{
    static const char *const keep[] = {
        "38yo F, in UK since 2009, dx 2011",
        "Rent arrears approx £1,850 and £95/wk",
        "paliperidone depot 100mg monthly, mirtazapine 30mg",
        "HbA1c 71, BMI 36, BP 162/98, sats 92% on air",
        "Goes to church most Sundays, and on Tuesday too",
        "last admission in 2023; seen in March and June 2025",
        "works 12 hrs/wk, 2 x appts, 3x a week",
        "AUDIT 27, PHQ9 18, GAD7 15/21",
        "support 24/7 from the crisis team, 3/12 ago",
        "Peterborough County Court, Crown Court, Magistrates' Court",
        "Citizens Advice, NHS Talking Therapies, Age UK, DWP, ESA, PIP, UC",
        "may 2 people visit? she may.",
        "s21 notice, s3 MHA, T2 diabetes, COVID-19, B12, F20.0",
        "from 2019-2021, then 2023-24",
        "she is 38 and he is 42; scored 95 points",
        "Instagram page selling cakes, a Facebook group",
        "the 1990s, 80s, 1,000 people, 12.5 units",
        "Andy's Man Club, St Michael's Hospital, HMP Whitemoor in March",
        "drinks about 2 bottles of wine a day, 14 units a week",
        "energy debt ~£1,600 on the prepayment meter",
        "Weight 95kg, pulse 96 bpm, temp 37.5",
        "ward 12, bed 4, room 3",
        "antibiotics for 5/7, low mood over 3/12, review in 2/52, x 2/7",
        "sort code 12-34-56, 2 x 500mg, pain 7/10",
    };
    struct mdt_scrub_ctx ctx = {.pat = mdt__patterns_new()};
    int bad = 0;

    for (size_t k = 0; k < sizeof(keep) / sizeof(keep[0]); k++) {
        char *got = patterns_only(&ctx, keep[k], strlen(keep[k]));
        if (strcmp(got, keep[k]) != 0) {
            fprintf(stderr, "  changed: %s\n  into:    %s\n", keep[k], got);
            bad++;
        }
        free(got);
    }
    mdt__patterns_free(ctx.pat);
    ASSERT_EQ(bad, 0);
}

TEST(patterns_any_bytes_and_long_input)
{
    struct mdt_scrub_ctx ctx = {.pat = mdt__patterns_new()};
    struct mdt_spans s;
    size_t n = 1 << 20;
    char *big = malloc(n);

    /* every byte value, repeated: no crash, spans within the text */
    for (size_t k = 0; k < n; k++)
        big[k] = (char)(k * 7 + (k >> 8));
    mdt__spans_init(&s);
    mdt__detect_patterns(&ctx, big, n, &s);
    mdt__spans_resolve(&s, big, n);
    for (size_t k = 0; k < s.n; k++) {
        ASSERT(s.v[k].start < s.v[k].end);
        ASSERT(s.v[k].end <= n);
        if (k > 0)
            ASSERT(s.v[k - 1].end <= s.v[k].start);
    }
    mdt__spans_release(&s);
    /* truncated patterns at the very end of the text */
    {
        static const char *const tails[] = {"NHS 999 954 25", "+44", "(0", "DN31 1Q", "a@",
                                            "@", "12/", "2nd", "ref ", "hosp no. PCH ", "93"};
        for (size_t k = 0; k < sizeof(tails) / sizeof(tails[0]); k++) {
            char *r = patterns_only(&ctx, tails[k], strlen(tails[k]));
            free(r);
        }
    }
    free(big);
    mdt__patterns_free(ctx.pat);
}

TEST(patterns_weekday_ordinals_foreign_phones_unspaced_plates)
{
    static const struct pcase cases[] = {
        /* an ordinal after a weekday is a date without its month */
        {"Appt Weds 14th at 2pm", "Appt Weds [DATE] at 2pm"},
        {"then Mon 19th, Friday the 18th.", "then Mon [DATE], Friday the [DATE]."},
        {"Thurs 3rd July", "Thurs [DATE]"},
        {"came 2nd in the race, the 3rd time", "came 2nd in the race, the 3rd time"},
        /* another country's number after '+' */
        {"mob +234 803 555 0147.", "mob [PHONE]."},
        {"+48 512-004-771 or +380 67 441 2208", "[PHONE] or [PHONE]"},
        {"score +12 points, +3.5 kg", "score +12 points, +3.5 kg"},
        {"+123456", "+123456"},
        /* the current plate unspaced, in capitals, with an issued age */
        {"Ford Focus WA67BRX seen", "Ford Focus [VEHICLE] seen"},
        {"in YX19KLM today", "in [VEHICLE] today"},
        {"code AB45CDE", "code AB45CDE"},
        {"lower wa67brx", "lower wa67brx"},
    };
    run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

TEST(patterns_ages_over_89_in_words_and_after_a_relative)
{
    static const struct pcase cases[] = {
        {"aged ninety-one.", "aged [AGE-90+]."},
        {"Albert King, ninety-four, lives", "Albert King, [AGE-90+], lives"},
        {"ninety three years old", "[AGE-90+] years old"},
        {"Mother 95, high dependency.", "Mother [AGE-90+], high dependency."},
        {"mum 45, dad 95;", "mum 45, dad [AGE-90+];"},
        /* no age: money, counts, a relative with no number alone */
        {"paid ninety pounds, ninety-one of them", "paid ninety pounds, ninety-one of them"},
        {"mother 95 times", "mother 95 times"},
        {"ninety-nine problems", "ninety-nine problems"},
    };
    run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

TEST(patterns_holidays_with_a_year_are_dates)
{
    static const struct pcase cases[] = {
        {"on Boxing Day 2023 he left", "on [DATE] he left"},
        {"christmas day 2002 too", "[DATE] too"},
        {"New Year's Eve, 1999.", "[DATE]."},
        /* alone, or with a number that is no year, they stay */
        {"over Christmas, Boxing Day 26 people", "over Christmas, Boxing Day 26 people"},
        {"good friday", "good friday"},
    };
    run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

TEST(patterns_numbers_dictated_in_words)
{
    static const struct pcase cases[] = {
        {"his number is oh seven seven double oh nine double oh seven three three but",
         "his number is [PHONE] but"},
        {"nhs number four eight five two five three eight eight eight three he",
         "nhs number [NHS-NUMBER] he"},
        {"NHS three two nine, one four nine, six eight six eight.", "NHS [NHS-NUMBER]."},
        {"or faadumo 07700 900 three one nine", "or faadumo [PHONE]"},
        {"was zero seven seven zero zero nine zero zero five five one.", "was [PHONE]."},
        {"call oh one five eight two nine six oh one seven seven after ten",
         "call [PHONE] after ten"},
        {"Case Two Seven Four Four Nine Nine One Eight closed", "Case [ID] closed"},
        /* a short number after a reference word */
        {"badge number one four seven seven until", "badge number [ID] until"},
        /* counting and ordinary words stay */
        {"one or two of them, three times", "one or two of them, three times"},
        {"oh no, one two three four and she left", "oh no, one two three four and she left"},
        {"double or nothing, one in Leeds", "double or nothing, one in Leeds"},
        {"nine nine nine was called", "nine nine nine was called"},
    };
    RUN(cases);
}

TEST(patterns_dates_in_words)
{
    static const struct pcase cases[] = {
        {"born on the fourth of March nineteen eighty-two in Poland",
         "born on the [DATE] in Poland"},
        {"dob third of the ninth eighty nine nhs", "dob [DATE] nhs"},
        {"given as the twelfth of the eighth, seventy-one.", "given as the [DATE]."},
        {"died on the sixteenth of january hes", "died on the [DATE] hes"},
        {"Attended on Saturday the eleventh of October at 2", "Attended on Saturday the [DATE] at 2"},
        {"an assessment on weds the twenty second which", "an assessment on weds the [DATE] which"},
        {"on tuesday the eleventh.", "on tuesday the [DATE]."},
        {"since the twenty fourth of november", "since the [DATE]"},
        {"fifteenth september nineteen fifty nine seen", "[DATE] seen"},
        {"March the fourth, two thousand and four.", "[DATE]."},
        {"killed on the sixteenth of June 2011 in", "killed on the [DATE] in"},
        {"Police stop on the twenty-first - he had", "Police stop on the [DATE] - he had"},
        {"breakdown on the 3rd.", "breakdown on the [DATE]."},
        {"the 9th (Jan 2024) police", "the [DATE] (Jan 2024) police"},
        /* ordinals that are no dates */
        {"for the first time, the second of them", "for the first time, the second of them"},
        {"she was the first.", "she was the first."},
        {"on the third floor; the twenty-first century", "on the third floor; the twenty-first century"},
        {"fourth of the five, first of many", "fourth of the five, first of many"},
        {"the first of the month", "the first of the month"},
        {"second march to the park", "second march to the park"},
    };
    RUN(cases);
}

TEST(patterns_references_in_odd_shapes)
{
    static const struct pcase cases[] = {
        {"Visa ref GWF 071 882 419.", "Visa ref [ID]."},
        {"visa GWF 071 882 419 and", "visa [ID] and"},
        {"council tax account CTX 7734 0192, HB", "council tax account [ID], HB"},
        {"overpayment, ref UC 55 871 902 D from", "overpayment, ref [ID] from"},
        {"DLA for Adam ref DLA 7 55 41 902 A;", "DLA for Adam ref [ID];"},
        {"letter 4X 20 99 183 U.", "letter [ID]."},
        {"account 8801 2277 3311 0045 and", "account [ID] and"},
        {"his card (4929-1055-6671-0843).", "his card ([ID])."},
        {"UAN 3312-7750-1284-9963", "[ID]"},
        {"UAN: 3312-7750-1284-9963", "UAN: [ID]"},
        {"herd mark UK 362041.", "herd mark [ID]."},
        {"ref ABC/12345/7 and", "ref [ID] and"},
        /* numbers that are no references */
        {"BP 156/98, PHQ-9 16, Q3 2024", "BP 156/98, PHQ-9 16, Q3 2024"},
        {"in 2019 2020 and NHS 111", "in 2019 2020 and NHS 111"},
        {"£1,912.40 owed, rooms 12 14 and 16", "£1,912.40 owed, rooms 12 14 and 16"},
        {"GAD-7 9 and A 2 B", "GAD-7 9 and A 2 B"},
        {"DWP 2023 2024, moves in 1998 2001 2004", "DWP 2023 2024, moves in 1998 2001 2004"},
    };
    RUN(cases);
}

TEST(patterns_decades_courts_and_ages_in_brackets)
{
    static const struct pcase cases[] = {
        /* "Reg" is a name here, and "his 60s" a decade, not a plate */
        {"Reg has depression (first episode in his 60s), treated",
         "Reg has depression (first episode in his 60s), treated"},
        {"reg her 20s car", "reg her 20s car"},
        {"car ABC 123D parked", "car [VEHICLE] parked"},
        /* a law court is no street */
        {"at Bedfordshire Coroner's Court on", "at Bedfordshire Coroner's Court on"},
        {"at Bedfordshire Coroner\xe2\x80\x99s Court on", "at Bedfordshire Coroner\xe2\x80\x99s Court on"},
        {"Thames Magistrates' Court and Hastings County Court",
         "Thames Magistrates' Court and Hastings County Court"},
        {"lives at 12 Alder Court now", "lives at [ADDRESS] now"},
        /* an age in words, in brackets or closing a clause */
        {"Granny Nora Ward (ninety) lives", "Granny Nora Ward ([AGE-90+]) lives"},
        {"Zubaida Bibi (ninety-two) opens", "Zubaida Bibi ([AGE-90+]) opens"},
        {"(family say ninety-one; DOB unclear)", "(family say [AGE-90+]; DOB unclear)"},
        {"took ninety minutes (ninety pounds)", "took ninety minutes (ninety pounds)"},
    };
    RUN(cases);
}

TEST(patterns_small_places_before_an_institution_are_its_name)
{
    struct mdt_scrub_ctx ctx = {.pat = mdt__patterns_new()};
    char *got = patterns_only(&ctx, "admitted to Wexham Park Hospital; lives in Cannon Hill.",
                              strlen("admitted to Wexham Park Hospital; lives in Cannon Hill."));
    ASSERT_STREQ(got, "admitted to Wexham Park Hospital; lives in [PLACE].");
    free(got);
    mdt__patterns_free(ctx.pat);
}

TEST(patterns_small_places_without_a_cue_word)
{
    static const struct pcase cases[] = {
        {"lives near Bury Park with", "lives near [PLACE] with"},
        {"works at Canary Wharf.", "works at [PLACE]."},
        {"shifts at Ashford Designer Outlet on", "shifts at [PLACE] on"},
        {"Stamford Hill, West Quay and Smithy Fen", "[PLACE], [PLACE] and [PLACE]"},
        /* people, and places named with no capital or no name */
        {"Mr Hill said; Dr Green Park", "Mr Hill said; Dr Green Park"},
        {"to the park, up the Hill, in the Park", "to the park, up the Hill, in the Park"},
    };
    RUN(cases);
}

TEST(patterns_small_places_with_the_word_lists)
{
    struct mdt_scrub_ctx ctx = {.lex = mdt__lexicons_new(), .pat = mdt__patterns_new()};
    static const struct pcase cases[] = {
        {"lives near Bury Park with", "lives near [PLACE] with"},
        /* a given name before it is a person; known geography stays */
        {"Gemma Hill said", "Gemma Hill said"},
        {"moved from Notting Hill to", "moved from Notting Hill to"},
    };
    int bad = 0;

    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        char *got = patterns_only(&ctx, cases[k].in, strlen(cases[k].in));
        if (strcmp(got, cases[k].want) != 0) {
            fprintf(stderr, "  in:   %s\n  got:  %s\n  want: %s\n", cases[k].in, got, cases[k].want);
            bad++;
        }
        free(got);
    }
    mdt__patterns_free(ctx.pat);
    mdt__lexicons_free(ctx.lex);
    ASSERT_EQ(bad, 0);
}

TEST(patterns_festivals_with_a_year_are_dates)
{
    static const struct pcase cases[] = {
        {"not slept since Vaisakhi 2024 and", "not slept since [DATE] and"},
        {"married at Eid al-Adha 2019.", "married at [DATE]."},
        {"left on Diwali, 2021", "left on [DATE]"},
        {"since Bonfire Night 2022 and Mother's Day 2023", "since [DATE] and [DATE]"},
        /* alone, or with a count, they stay */
        {"over Eid and Diwali, Ramadan 30 days", "over Eid and Diwali, Ramadan 30 days"},
        {"her mother 2024", "her mother 2024"},
    };
    RUN(cases);
}

TEST(patterns_lower_case_short_month_after_a_weekday_is_a_date)
{
    static const struct pcase c[] = {
        {"home visit thurs 6 nov with son", "home visit thurs [DATE] with son"},
        {"seen on tues 4 mar at home", "seen on tues [DATE] at home"},
        {"he got 2 may be 3", "he got 2 may be 3"},
        {"walked 3 mar the view", "walked 3 mar the view"},
    };
    RUN(c);
}
