/* Scrubber throughput: generates synthetic case text (at least 50 MB by
 * default, seeded, so every run scrubs the same text), then scrubs it case
 * by case on one core with mdt_scrub_text and reports MB/s, and the
 * pattern and name detectors on their own. A full scrub runs both twice:
 * once to scrub, once more as the gate over the result. The text mixes
 * every kind of identifier the detectors look for with the ordinary
 * clinical and social prose around them.
 *
 *   bench-scrub [MEGABYTES [SEED]]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "scrub-internal.h"

static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

#define PICK(a) ((a)[rnd(sizeof(a) / sizeof((a)[0]))])

static const char *const first[] = {"Faith", "Karim", "Abena", "Darren", "Gemma", "Tomas",
                                    "Siobh\xc3\xa1n", "Pawe\xc5\x82", "Mehmet", "June", "Ray",
                                    "Grace", "Kofi", "Nasreen", "Shane", "Dawn", "Mo", "Stevo"};
static const char *const last[] = {"Asante", "Haddad", "Hill", "Wood", "Petrauskas", "Yilmaz",
                                   "O'Sullivan", "McGowan", "Akhtar", "Reed", "Clarke", "Nowak"};
static const char *const roles[] = {"CPN", "GP", "social worker", "care co-ordinator",
                                    "link worker", "district nurse", "housing officer"};
static const char *const towns[] = {"Grimsby", "Peterborough", "Durham", "Rugby", "Leicester",
                                    "Hackney", "Wisbech", "Hartlepool"};
static const char *const streets[] = {"Cartergate Court", "Ladywell Grove", "Kepier Row",
                                      "Avon Mill Close", "Queens Road", "Marine Parade"};
static const char *const months[] = {"January", "February", "March", "April", "May", "June",
                                     "July", "August", "September", "October", "November",
                                     "December"};
static const char *const prose[] = {
    "Mental state settled at last review, no current suicidal ideation or self-harm.",
    "On paliperidone depot 100mg monthly via CMHT; weight gain since the depot started, BMI 36.",
    "Rent arrears approx \xc2\xa3" "1,850 and the landlord won't fix the black mould.",
    "DNA'd 2 x Citizens Advice appts; has not approached council housing options yet.",
    "T2 diabetes, HbA1c 71, missed the last 2 annual reviews.",
    "Goes to church most Sundays and says it keeps her going.",
    "UC housing element paid to her, not the landlord, since 2023.",
    "Drinks about 2 bottles of wine a day, more when letters come. AUDIT 27.",
    "Works 12 hrs/wk and is worried about losing shifts if she has to move.",
    "Referred to NHS Talking Therapies, StepChange and the food bank.",
};

static void nhs(struct mdt_buf *b)
{
    for (;;) {
        int d[10], sum = 0, check;
        for (int k = 0; k < 9; k++)
            d[k] = (int)rnd(10);
        d[0] = 4 + (int)rnd(3);
        for (int k = 0; k < 9; k++)
            sum += d[k] * (10 - k);
        check = 11 - sum % 11;
        if (check == 10)
            continue;
        d[9] = check == 11 ? 0 : check;
        if (rnd(2))
            mdt_buf_printf(b, "%d%d%d %d%d%d %d%d%d%d", d[0], d[1], d[2], d[3], d[4], d[5], d[6],
                           d[7], d[8], d[9]);
        else
            mdt_buf_printf(b, "%d%d%d%d%d%d%d%d%d%d", d[0], d[1], d[2], d[3], d[4], d[5], d[6],
                           d[7], d[8], d[9]);
        return;
    }
}

static void sentence(struct mdt_buf *b)
{
    switch (rnd(14)) {
    case 0:
        mdt_buf_printf(b, "Presented by %s %s (%s). ", PICK(first), PICK(last), PICK(roles));
        break;
    case 1:
        mdt_buf_printf(b, "DOB %02u.%02u.%02u / NHS no ", 1 + rnd(28), 1 + rnd(12), rnd(100));
        nhs(b);
        mdt_buf_adds(b, ". ");
        break;
    case 2:
        mdt_buf_printf(b, "Lives at %u %s, %s DN%u %u%c%c. ", 1 + rnd(120), PICK(streets),
                       PICK(towns), 30 + rnd(10), rnd(10), 'A' + rnd(8), 'P' + rnd(8));
        break;
    case 3:
        mdt_buf_printf(b, "Seen on %u %s %u with %s (%s), next review %u/%u. ", 1 + rnd(28),
                       PICK(months), 2020 + rnd(6), PICK(first), PICK(roles), 1 + rnd(28),
                       1 + rnd(12));
        break;
    case 4:
        mdt_buf_printf(b, "Mob 07%03u %03u %03u, email %s.%s%u@example.org. ", rnd(1000),
                       rnd(1000), rnd(1000), PICK(first), PICK(last), rnd(100));
        break;
    case 5:
        mdt_buf_printf(b, "Admitted (hosp no. PCH %07u) and housing ref HK/REG/%07u. ",
                       rnd(10000000), rnd(10000000));
        break;
    case 6:
        mdt_buf_printf(b, "NI no. JP %02u %02u %02u B on file; car reg NK%02u WZT. ", rnd(100),
                       rnd(100), rnd(100), 10 + rnd(80));
        break;
    case 7:
        mdt_buf_printf(b, "Mother %s is %u and lives alone in %s. ", PICK(first), 90 + rnd(10),
                       PICK(towns));
        break;
    case 8:
        mdt_buf_printf(b, "Posts on Instagram as @%s.%s%u. ", PICK(first), PICK(last), rnd(100));
        break;
    default:
        mdt_buf_adds(b, PICK(prose));
        mdt_buf_addc(b, rnd(4) ? ' ' : '\n');
        break;
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    size_t want = (size_t)(argc > 1 ? atof(argv[1]) : 50) * 1000 * 1000;
    struct mdt_buf text;
    size_t *starts, ncases = 0, alloc = 1024, out_bytes = 0;
    struct mdt_scrub_ctx *ctx;
    double t0, t1, tp0, tp1, tn0, tn1;

    rng = argc > 2 ? strtoull(argv[2], NULL, 10) | 1 : 88172645463325252ull;
    mdt_buf_init(&text, MDT_BUF_NOCAP);
    starts = malloc(alloc * sizeof(*starts));
    while (text.len < want) {
        size_t target = 1200 + rnd(1200); /* a case's text: 1.2-2.4 KB */
        if (ncases + 1 >= alloc)
            starts = realloc(starts, (alloc *= 2) * sizeof(*starts));
        starts[ncases++] = text.len;
        while (text.len - starts[ncases - 1] < target)
            sentence(&text);
    }
    starts[ncases] = text.len;

    ctx = mdt_scrub_ctx_new();
    /* the pattern detectors alone */
    tp0 = now_s();
    for (size_t k = 0; k < ncases; k++) {
        struct mdt_spans s;
        mdt__spans_init(&s);
        mdt__detect_patterns(ctx, text.data + starts[k], starts[k + 1] - starts[k], &s);
        mdt__spans_release(&s);
    }
    tp1 = now_s();
    /* the name and place detectors alone */
    tn0 = now_s();
    for (size_t k = 0; k < ncases; k++) {
        struct mdt_spans s;
        mdt__spans_init(&s);
        mdt__detect_names(ctx, text.data + starts[k], starts[k + 1] - starts[k], &s);
        mdt__spans_release(&s);
    }
    tn1 = now_s();
    /* the whole scrub, as mdt case scrub runs it on each text */
    t0 = now_s();
    for (size_t k = 0; k < ncases; k++) {
        char *r = mdt_scrub_text(ctx, text.data + starts[k], starts[k + 1] - starts[k]);
        out_bytes += strlen(r);
        free(r);
    }
    t1 = now_s();
    printf("scrub: %zu cases, %.1f MB in, %.1f MB out\n", ncases, (double)text.len / 1e6,
           (double)out_bytes / 1e6);
    printf("scrub: patterns only %.1f MB/s\n", (double)text.len / 1e6 / (tp1 - tp0));
    printf("scrub: names only %.1f MB/s\n", (double)text.len / 1e6 / (tn1 - tn0));
    printf("scrub: full scrub %.1f MB/s (%.2f s, one core)\n", (double)text.len / 1e6 / (t1 - t0),
           t1 - t0);
    mdt_scrub_ctx_free(ctx);
    mdt_buf_release(&text);
    free(starts);
    return 0;
}
