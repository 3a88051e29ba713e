/* The scrubber. The input is free text in which the bytes 0x01..0x07
 * stand for the client block's name, NHS number, date of birth, address,
 * postcode, phone and email (each put in with a space either side). The
 * text becomes a case's presentation and is scrubbed. Checked:
 *   - no crash, no leak (under the sanitizers);
 *   - valid UTF-8 in gives valid UTF-8 out;
 *   - no value of the client block survives;
 *   - the scrubbed text passes the gate (mdt_scrub_detect finds nothing),
 *     and so does mdt_scrub_text's output: the whole-text detector holds
 *     the scrub's own check after each round, which looks only around
 *     the replacements, to account. */
#include <stdint.h>
#include <stdbool.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "scrub-internal.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const client_values[7] = {
    "Faith Asante", "999 954 2557", "14.03.87", "41 Cartergate Court", "DN31 1QZ",
    "07841 226 093", "faithasante87@gmail.com",
};

/* Part of a word: letters of other scripts count ("14.03.87á" is no date). */
static bool alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (unsigned char)c >= 0x80;
}

/* needle in hay as whole words, any case */
static bool contains_word_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *h = hay; *h; h++)
        if ((h == hay || !alnum(h[-1])) && strncasecmp(h, needle, n) == 0 && !alnum(h[n]))
            return true;
    return false;
}

static struct mdt_scrub_ctx *ctx;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t key[32] = {7};
    struct mdt_buf text, err;
    struct mdt_case *c = NULL;
    json_t *payload = NULL, *root;
    char *dumped, *plain;
    bool valid;

    if (size > 16 * 1024)
        return 0;
    if (ctx == NULL)
        ctx = mdt_scrub_ctx_new(); /* shared by all inputs, like a long-lived process */
    mdt_buf_init(&text, MDT_BUF_NOCAP);
    mdt_buf_init(&err, 1024);
    for (size_t k = 0; k < size; k++) {
        if (data[k] >= 1 && data[k] <= 7) {
            mdt_buf_addc(&text, ' ');
            mdt_buf_adds(&text, client_values[data[k] - 1]);
            mdt_buf_addc(&text, ' ');
        } else if (data[k] != 0) {
            mdt_buf_addc(&text, (char)data[k]);
        }
    }
    valid = mdt_utf8_valid(mdt_buf_str(&text), text.len);

    /* mdt_scrub_text on any bytes */
    plain = mdt_scrub_text(ctx, mdt_buf_str(&text), text.len);
    if (valid && !mdt_utf8_valid(plain, strlen(plain)))
        abort();
    if (valid && mdt_scrub_detect(ctx, plain, strlen(plain), NULL) != 0)
        abort();
    free(plain);

    if (!valid)
        goto out;
    root = json_pack("{s:{s:s,s:s,s:s,s:s,s:s,s:s,s:s},s:[s],s:s,s:s,s:s}", "client", "name",
                     "Faith Asante", "nhs_number", "9999542557", "date_of_birth", "1987-03-14",
                     "address", "Flat 2, 41 Cartergate Court, Grimsby", "postcode", "DN31 1QZ",
                     "phone", "07841 226 093", "email", "faithasante87@gmail.com", "needs",
                     "housing", "presentation", mdt_buf_str(&text), "question", "q", "risk",
                     "r");
    if (root == NULL)
        goto out; /* not representable (empty text is fine, NUL was dropped) */
    dumped = json_dumps(root, 0);
    json_decref(root);
    if (mdt_case_parse(dumped, strlen(dumped), &c, &err) == 0) {
        if (mdt_case_scrub(ctx, c, key, &payload, &err) != 0)
            abort();
        {
            const char *pres = json_string_value(json_object_get(payload, "presentation"));
            if (pres == NULL || !mdt_utf8_valid(pres, strlen(pres)))
                abort();
            for (int k = 0; k < 7; k++)
                if (contains_word_ci(pres, client_values[k]))
                    abort();
            if (mdt_scrub_detect(ctx, pres, strlen(pres), NULL) != 0)
                abort();
        }
        json_decref(payload);
        mdt_case_free(c);
    }
    free(dumped);
out:
    mdt_buf_release(&text);
    mdt_buf_release(&err);
    return 0;
}
