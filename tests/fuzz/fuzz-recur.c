/* The recurrence input of a series (POST /v1/series): the RRULE, the
 * start as a wall time, and a holidays_file. Any bytes must be accepted
 * or refused with a reason; an accepted rule must expand within bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recur.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    /* The input is "START\nRULE" or, with a leading 'H', holidays text. */
    char *text, *nl;
    struct mdt_local start;
    struct mdt_buf err;
    int64_t *t = NULL, from;
    size_t n = 0;

    if (!ready) {
        mdt_recur_global_init();
        ready = 1;
    }
    if (size > 4096 || (text = malloc(size + 1)) == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    mdt_buf_init(&err, 1024);
    if (size > 0 && text[0] == 'H') {
        struct mdt_holidays *h = mdt_holidays_new();
        if (mdt_holidays_add_text(h, text + 1, size - 1, &err) < 0 && err.len == 0)
            __builtin_trap();
        mdt_holidays_free(h);
        goto out;
    }
    if ((nl = memchr(text, '\n', size)) == NULL)
        goto out;
    *nl = '\0';
    if (mdt_recur_parse_local(text, &start) < 0)
        goto out;
    if (mdt_recur_check(nl + 1, &start, &err) < 0) {
        if (err.len == 0)
            __builtin_trap();
        goto out;
    }
    if (mdt_recur_to_utc(&start, "Europe/London", &from) < 0)
        goto out;
    if (mdt_recur_expand(nl + 1, &start, "Europe/London", from, from + 366LL * 86400, 60, &t, &n,
                         &err) == 0) {
        if (n > 60)
            __builtin_trap();
        for (size_t i = 0; i < n; i++)
            if (t[i] < from || t[i] >= from + 366LL * 86400 || (i && t[i] <= t[i - 1]))
                __builtin_trap();
    }
    free(t);
out:
    mdt_buf_release(&err);
    free(text);
    return 0;
}
