/* The CSV reader behind the imports: any bytes must parse or fail
 * cleanly, within the limits, and every field must be readable. */
#include <stdint.h>
#include <string.h>

#include "csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct mdt_csv_limits lim = {1000, 32, 4096};
    struct mdt_csv *c = NULL;
    struct mdt_buf err;
    size_t total = 0;

    mdt_buf_init(&err, 4096);
    if (mdt_csv_parse((const char *)data, size, &lim, &c, &err) == 0) {
        for (size_t r = 0; r < mdt_csv_records(c); r++) {
            for (size_t f = 0; f < mdt_csv_fields(c, r); f++) {
                size_t len;
                const char *s = mdt_csv_field(c, r, f, &len);
                if (s == NULL || s[len] != '\0' || len > lim.max_field_len)
                    __builtin_trap();
                total += len;
            }
        }
        if (total > size)
            __builtin_trap();
        mdt_csv_free(c);
    } else if (c != NULL || err.len == 0) {
        __builtin_trap();
    }
    mdt_buf_release(&err);
    return 0;
}
