/* iMIP REPLY bodies posted to /v1/imip: any bytes must parse or fail
 * with a reason, and what parses must be complete. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ical.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    struct mdt_ical_reply r;
    struct mdt_buf err;
    char *text;
    int rc;

    if (!ready) {
        mdt_ical_init();
        ready = 1;
    }
    /* The server hands the parser a NUL-terminated copy of the body. */
    text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    memset(&r, 0, sizeof(r));
    mdt_buf_init(&err, 1024);
    rc = mdt_ical_parse_reply(text, size, &r, &err);
    if (rc == 0) {
        if (r.uid == NULL || r.attendee == NULL || mdt_ical_partstat_name(r.partstat) == NULL)
            __builtin_trap();
        mdt_ical_reply_release(&r);
    } else if (err.len == 0 && rc != -E2BIG) {
        __builtin_trap();
    }
    mdt_buf_release(&err);
    free(text);
    return 0;
}
