/* The daemon's configuration file through mdt_config_load (the INI
 * reader and every option's parser), then mdt_config_check: any bytes
 * load or fail with a message, and a loaded configuration is within the
 * bounds of the option table. The input is given to the loader as a
 * file (a memfd), as mdtd serve --config would read it. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../server/mdtd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mdt_config c;
    struct mdt_buf err;
    char path[64];
    int fd, rc;

    if ((fd = memfd_create("fuzz-config", MFD_CLOEXEC)) < 0)
        abort();
    if (size > 0 && write(fd, data, size) != (ssize_t)size)
        abort();
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    mdt_config_init(&c);
    mdt_buf_init(&err, 4096);
    rc = mdt_config_load(&c, path, &err);
    if (rc < 0 && err.len == 0)
        abort();
    if (rc == 0) {
        mdt_buf_reset(&err);
        if (mdt_config_check(&c, &err) < 0 && err.len == 0)
            abort();
        if (c.listen == NULL || mdt_config_split_listen(c.listen, NULL, NULL) < 0 ||
            c.max_body < 1024 || c.max_body > 64LL << 20 || c.max_connections < 1 ||
            c.header_timeout < 1 || c.idle_timeout < 1 || c.auth_fail_burst < 1)
            abort();
    }
    mdt_config_release(&c);
    mdt_buf_release(&err);
    close(fd);
    return 0;
}
