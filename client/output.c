/* Human tables and --json output; reading input files. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdt.h"
#include "table.h"
#include "xmalloc.h"

int mdt_out_json(const json_t *v)
{
    if (json_dumpf(v, stdout, JSON_INDENT(2) | JSON_ENCODE_ANY) < 0)
        return mdt_fail("cannot write JSON");
    fputc('\n', stdout);
    return MDT_EXIT_OK;
}

json_t *mdt_out_lookup(const json_t *v, const char *path)
{
    char *copy = mdt_xstrdup(path), *save = NULL, *k;
    json_t *cur = (json_t *)v;

    for (k = strtok_r(copy, ".", &save); k && cur; k = strtok_r(NULL, ".", &save))
        cur = json_object_get(cur, k);
    free(copy);
    return cur;
}

int mdt_fail(const char *fmt, ...)
{
    va_list ap;

    fputs("mdt: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return MDT_EXIT_FAIL;
}

char *mdt_out_value(const json_t *v)
{
    struct mdt_buf b;
    const json_t *x;
    size_t i;

    if (v == NULL) /* a column the server's answer lacks */
        return mdt_xstrdup("");
    switch (json_typeof(v)) {
    case JSON_STRING:
        return mdt_xstrdup(json_string_value(v));
    case JSON_INTEGER:
        return mdt_xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
    case JSON_REAL:
        return mdt_xasprintf("%g", json_real_value(v));
    case JSON_TRUE:
        return mdt_xstrdup("yes");
    case JSON_FALSE:
        return mdt_xstrdup("no");
    case JSON_OBJECT:
        /* References to other objects print by name (or email). */
        if ((x = json_object_get(v, "name")) && json_is_string(x))
            return mdt_xstrdup(json_string_value(x));
        if ((x = json_object_get(v, "email")) && json_is_string(x))
            return mdt_xstrdup(json_string_value(x));
        if ((x = json_object_get(v, "id")))
            return mdt_out_value(x);
        return mdt_xstrdup("{…}");
    case JSON_ARRAY:
        mdt_buf_init(&b, MDT_BUF_NOCAP);
        json_array_foreach(v, i, x) {
            char *s = mdt_out_value(x);

            mdt_buf_printf(&b, "%s%s", i ? "," : "", s);
            free(s);
        }
        return b.data ? mdt_buf_detach(&b) : mdt_xstrdup("");
    default:
        return mdt_xstrdup("");
    }
}

int mdt_out_table(const struct mdt_col *cols, const json_t *arr)
{
    size_t n = 0, i, c;
    const char **cells;
    struct mdt_table *t;
    struct mdt_buf out;
    const json_t *row;
    int rc = MDT_EXIT_OK;

    while (cols[n].header)
        n++;
    cells = mdt_xcalloc(n, sizeof(*cells));
    for (c = 0; c < n; c++)
        cells[c] = cols[c].header;
    t = mdt_table_new(n, cells);
    json_array_foreach(arr, i, row) {
        for (c = 0; c < n; c++)
            cells[c] = mdt_out_value(mdt_out_lookup(row, cols[c].path));
        mdt_table_add(t, cells);
        for (c = 0; c < n; c++)
            free((char *)cells[c]);
    }
    mdt_buf_init(&out, MDT_BUF_NOCAP);
    mdt_table_render(t, &out);
    if (fwrite(mdt_buf_str(&out), 1, out.len, stdout) != out.len)
        rc = mdt_fail("writing the output: %s", strerror(errno));
    mdt_buf_release(&out);
    mdt_table_free(t);
    free(cells);
    return rc;
}

int mdt_out_list(const struct mdt_cli *cli, const json_t *arr, const struct mdt_col *cols)
{
    if (!json_is_array(arr))
        return mdt_fail("the server's answer is not a list");
    if (cli->json)
        return mdt_out_json(arr);
    return mdt_out_table(cols, arr);
}

/* "field: value" lines, the field names aligned; nested lists of objects
 * (a distribution list's members) are left to the caller. */
int mdt_out_object(const struct mdt_cli *cli, const json_t *obj)
{
    const char *k;
    const json_t *v;
    size_t w = 0;

    if (!json_is_object(obj))
        return mdt_fail("the server's answer is not an object");
    if (cli->json)
        return mdt_out_json(obj);
    json_object_foreach((json_t *)obj, k, v)
        if (strlen(k) > w)
            w = strlen(k);
    json_object_foreach((json_t *)obj, k, v) {
        char *s, *clean;

        if (json_is_array(v) && json_is_object(json_array_get(v, 0)))
            continue;
        s = mdt_out_value(v);
        clean = mdt_table_clean(s);
        printf("%s:%*s %s\n", k, (int)(w - strlen(k)), "", clean);
        free(s);
        free(clean);
    }
    return MDT_EXIT_OK;
}

int mdt_read_file(const char *path, size_t cap, struct mdt_buf *out)
{
    char chunk[65536];
    int fd, rc = MDT_EXIT_OK;
    ssize_t n;

    fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mdt_fail("%s: %s", path, strerror(errno));
    while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = mdt_fail("%s: %s", path, strerror(errno));
            break;
        }
        if (mdt_buf_add(out, chunk, (size_t)n) < 0) {
            rc = mdt_fail("%s: larger than %zu bytes", path, cap);
            break;
        }
    }
    if (fd != STDIN_FILENO)
        close(fd);
    return rc;
}
