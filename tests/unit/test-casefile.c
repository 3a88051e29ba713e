#include <errno.h>
#include <string.h>

#include "scrub-internal.h"
#include "test.h"

static int parse(const char *json, struct mdt_case **c, struct mdt_buf *err)
{
    mdt_buf_reset(err);
    return mdt_case_parse(json, strlen(json), c, err);
}

#define CLIENT                                                                                    \
    "\"client\": {\"name\": \"Faith Asante\", \"nhs_number\": \"9999542557\", "                   \
    "\"date_of_birth\": \"1987-03-14\", \"address\": \"Flat 2, 41 Cartergate Court, Grimsby\", "  \
    "\"postcode\": \"DN31 1QZ\", \"phone\": \"07841 226 093\", \"email\": \"fa@example.org\"}"

TEST(casefile_parses_a_good_case)
{
    struct mdt_case *c = NULL;
    struct mdt_buf err;

    mdt_buf_init(&err, 512);
    ASSERT_EQ(parse("{" CLIENT ", \"needs\": [\"housing\", \"physical health\"], "
                    "\"presentation\": \"p\", \"question\": \"q\", \"risk\": \"\"}",
                    &c, &err),
              0);
    ASSERT_STREQ(mdt_case_client(c)->name, "Faith Asante");
    ASSERT_STREQ(mdt_case_client(c)->postcode, "DN31 1QZ");
    ASSERT_EQ(c->n_needs, 2);
    ASSERT_STREQ(c->needs[1], "physical health");
    ASSERT_STREQ(c->risk, "");
    mdt_case_free(c);
    /* optional client fields may be left out, needs too */
    ASSERT_EQ(parse("{\"client\": {\"name\": \"A B\", \"date_of_birth\": \"1950-01-01\"}, "
                    "\"presentation\": \"p\", \"question\": \"q\", \"risk\": \"r\"}",
                    &c, &err),
              0);
    ASSERT(mdt_case_client(c)->nhs_number == NULL);
    ASSERT_EQ(c->n_needs, 0);
    mdt_case_free(c);
    mdt_buf_release(&err);
}

TEST(casefile_errors_name_the_field)
{
    static const char *const bad[][2] = {
        {"{\"client\": {\"name\": \"A\", \"date_of_birth\": \"14/03/1987\"}, \"presentation\": "
         "\"p\", \"question\": \"q\", \"risk\": \"r\"}",
         "client.date_of_birth: not a date (YYYY-MM-DD)"},
        {"{\"client\": {\"name\": \"A\", \"date_of_birth\": \"1987-02-30\"}, \"presentation\": "
         "\"p\", \"question\": \"q\", \"risk\": \"r\"}",
         "client.date_of_birth: not a date (YYYY-MM-DD)"},
        {"{" CLIENT ", \"question\": \"q\", \"risk\": \"r\"}", "presentation: required"},
        {"{" CLIENT ", \"presentation\": \"  \", \"question\": \"q\", \"risk\": \"r\"}",
         "presentation: must not be empty"},
        {"{" CLIENT ", \"presentation\": \"p\", \"risk\": \"r\"}", "question: required"},
        {"{" CLIENT ", \"presentation\": \"p\", \"question\": \"q\"}", "risk: required"},
        {"{" CLIENT ", \"presentation\": 3, \"question\": \"q\", \"risk\": \"r\"}",
         "presentation: not a string"},
        {"{\"presentation\": \"p\", \"question\": \"q\", \"risk\": \"r\"}", "client: required"},
        {"{\"client\": [], \"presentation\": \"p\", \"question\": \"q\", \"risk\": \"r\"}",
         "client: not an object"},
        {"{\"client\": {\"date_of_birth\": \"1987-03-14\"}, \"presentation\": \"p\", "
         "\"question\": \"q\", \"risk\": \"r\"}",
         "client.name: required"},
        {"{\"client\": {\"name\": \"A\", \"date_of_birth\": \"1987-03-14\", \"nhs_number\": "
         "\"9999542558\"}, \"presentation\": \"p\", \"question\": \"q\", \"risk\": \"r\"}",
         "client.nhs_number: not a valid NHS number"},
        {"{\"client\": {\"name\": \"A\", \"date_of_birth\": \"1987-03-14\", \"phone_number\": "
         "\"07841 226 093\"}, \"presentation\": \"p\", \"question\": \"q\", \"risk\": \"r\"}",
         "client.phone_number: unknown field"},
        {"{\"client\": {\"name\": \"A\", \"date_of_birth\": \"1987-03-14\", \"email\": "
         "\"nope\"}, \"presentation\": \"p\", \"question\": \"q\", \"risk\": \"r\"}",
         "client.email: not an email address"},
        {"{\"client\": {\"name\": \"A\", \"date_of_birth\": \"1987-03-14\", \"postcode\": "
         "\"DN31 1QZ!!\"}, \"presentation\": \"p\", \"question\": \"q\", \"risk\": \"r\"}",
         "client.postcode: not a UK postcode"},
        {"{" CLIENT ", \"needs\": \"housing\", \"presentation\": \"p\", \"question\": \"q\", "
         "\"risk\": \"r\"}",
         "needs: not an array"},
        {"{" CLIENT ", \"needs\": [\"housing\", 4], \"presentation\": \"p\", \"question\": "
         "\"q\", \"risk\": \"r\"}",
         "needs[1]: not a string"},
        {"{" CLIENT ", \"needs\": [\"\"], \"presentation\": \"p\", \"question\": \"q\", "
         "\"risk\": \"r\"}",
         "needs[0]: must not be empty"},
        {"{" CLIENT ", \"notes\": \"x\", \"presentation\": \"p\", \"question\": \"q\", "
         "\"risk\": \"r\"}",
         "notes: unknown field"},
        {"{" CLIENT ", \"presentation\": \"p\", \"presentation\": \"p\", \"question\": \"q\", "
         "\"risk\": \"r\"}",
         "case file: not valid JSON"},
        {"[1, 2]", "case file: not a JSON object"},
        {"{\"presentation\": \"\xff\"}", "case file: not valid JSON"},
        {"{" CLIENT ", \"presentation\": \"a\\u0000b\", \"question\": \"q\", \"risk\": \"r\"}",
         "case file: not valid JSON"},
    };
    struct mdt_case *c = NULL;
    struct mdt_buf err;

    mdt_buf_init(&err, 512);
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        ASSERT_EQ(parse(bad[k][0], &c, &err), -EINVAL);
        ASSERT(c == NULL);
        ASSERT_CONTAINS(mdt_buf_str(&err), bad[k][1]);
    }
    mdt_buf_release(&err);
}

TEST(casefile_bounds_sizes)
{
    struct mdt_buf json, err;
    struct mdt_case *c = NULL;

    mdt_buf_init(&json, MDT_BUF_NOCAP);
    mdt_buf_init(&err, 512);
    /* a presentation of 64 KiB + 1 */
    mdt_buf_adds(&json, "{" CLIENT ", \"question\": \"q\", \"risk\": \"r\", \"presentation\": \"");
    for (int k = 0; k < 64 * 1024 + 1; k++)
        mdt_buf_addc(&json, 'a');
    mdt_buf_adds(&json, "\"}");
    ASSERT_EQ(mdt_case_parse(json.data, json.len, &c, &err), -EINVAL);
    ASSERT_CONTAINS(mdt_buf_str(&err), "presentation: too long");
    /* 33 needs */
    mdt_buf_reset(&json);
    mdt_buf_reset(&err);
    mdt_buf_adds(&json, "{" CLIENT ", \"presentation\": \"p\", \"question\": \"q\", \"risk\": "
                        "\"r\", \"needs\": [\"a\"");
    for (int k = 0; k < 32; k++)
        mdt_buf_adds(&json, ", \"a\"");
    mdt_buf_adds(&json, "]}");
    ASSERT_EQ(mdt_case_parse(json.data, json.len, &c, &err), -EINVAL);
    ASSERT_CONTAINS(mdt_buf_str(&err), "needs: too many");
    mdt_buf_release(&json);
    mdt_buf_release(&err);
}

TEST(casefile_reads_every_dev_corpus_shape)
{
    /* the shape of the dev corpus: phone and email left out */
    struct mdt_case *c = NULL;
    struct mdt_buf err;

    mdt_buf_init(&err, 512);
    ASSERT_EQ(parse("{\"client\": {\"name\": \"Patricia McGowan\", \"nhs_number\": "
                    "\"9994409743\", \"date_of_birth\": \"1966-10-11\", \"address\": \"19 "
                    "Whitburn Close, Nuneaton\", \"postcode\": \"CV11 4NX\"}, \"needs\": "
                    "[\"housing\"], \"presentation\": \"client: pat\", \"question\": \"q\", "
                    "\"risk\": \"r\"}",
                    &c, &err),
              0);
    ASSERT(mdt_case_client(c)->phone == NULL);
    ASSERT(mdt_case_client(c)->email == NULL);
    mdt_case_free(c);
    mdt_buf_release(&err);
}
