/* The case file parser: any bytes in, a case or a clear error out; a case
 * that parses has every field within its bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scrub-internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mdt_case *c = NULL;
    struct mdt_buf err;

    mdt_buf_init(&err, 1024);
    if (mdt_case_parse((const char *)data, size, &c, &err) == 0) {
        if (c == NULL || c->client.name == NULL || c->client.date_of_birth == NULL ||
            c->presentation == NULL || c->question == NULL || c->risk == NULL ||
            c->n_needs > 32 || strlen(c->presentation) > 64 * 1024)
            abort();
        mdt_case_free(c);
    } else if (c != NULL || err.len == 0) {
        abort();
    }
    mdt_buf_release(&err);
    return 0;
}
