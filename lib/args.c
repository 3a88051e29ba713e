#include <errno.h>
#include <string.h>

#include "args.h"

struct mdt_opt *mdt_args_get(struct mdt_opt *opts, const char *name)
{
    for (; opts->name; opts++)
        if (strcmp(opts->name, name) == 0)
            return opts;
    return NULL;
}

int mdt_args_parse(int argc, char **argv, struct mdt_opt *opts, char **pos, int *npos, int *help,
                   struct mdt_buf *err)
{
    int only_pos = 0;

    *npos = 0;
    *help = 0;
    for (struct mdt_opt *o = opts; o->name; o++) {
        o->value = NULL;
        o->given = 0;
    }
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *eq;
        struct mdt_opt *o = NULL;
        size_t nlen;

        if (only_pos || a[0] != '-' || a[1] == '\0') {
            pos[(*npos)++] = argv[i]; /* "-" alone is a positional (stdin) */
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            *help = 1;
            continue;
        }
        if (a[1] != '-') {
            mdt_buf_printf(err, "unknown option %s", a);
            return -EINVAL;
        }
        a += 2;
        eq = strchr(a, '=');
        nlen = eq ? (size_t)(eq - a) : strlen(a);
        for (struct mdt_opt *p = opts; p->name; p++)
            if (strlen(p->name) == nlen && strncmp(p->name, a, nlen) == 0) {
                o = p;
                break;
            }
        if (o == NULL) {
            mdt_buf_printf(err, "unknown option --%.*s", (int)nlen, a);
            return -EINVAL;
        }
        if (o->arg == NULL) {
            if (eq) {
                mdt_buf_printf(err, "--%s takes no value", o->name);
                return -EINVAL;
            }
            o->value = "";
        } else if (eq) {
            o->value = eq + 1;
        } else if (i + 1 < argc) {
            o->value = argv[++i];
        } else {
            mdt_buf_printf(err, "--%s needs a value (%s)", o->name, o->arg);
            return -EINVAL;
        }
        o->given++;
    }
    return 0;
}

void mdt_args_help(const struct mdt_opt *opts, struct mdt_buf *out)
{
    size_t w = 0;

    for (const struct mdt_opt *o = opts; o->name; o++) {
        size_t n = strlen(o->name) + (o->arg ? strlen(o->arg) + 1 : 0);
        if (n > w)
            w = n;
    }
    for (const struct mdt_opt *o = opts; o->name; o++) {
        size_t n = strlen(o->name) + (o->arg ? strlen(o->arg) + 1 : 0);

        mdt_buf_printf(out, "  --%s%s%s%*s  %s\n", o->name, o->arg ? " " : "",
                       o->arg ? o->arg : "", (int)(w - n), "", o->help);
    }
}
