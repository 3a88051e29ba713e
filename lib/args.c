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

/* One walk over the arguments for both calls: every option occurrence
 * sets its entry's value and count; when want is set, the values of that
 * option are also collected in order into all. pos may be NULL. */
static int walk(int argc, char **argv, struct mdt_opt *opts, char **pos, int *npos, int *help,
                struct mdt_buf *err, const char *want, const char **all, int *nall)
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
            if (pos)
                pos[*npos] = argv[i]; /* "-" alone is a positional (stdin) */
            (*npos)++;
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
        if (want && strcmp(o->name, want) == 0)
            all[(*nall)++] = o->value;
    }
    return 0;
}

int mdt_args_parse(int argc, char **argv, struct mdt_opt *opts, char **pos, int *npos, int *help,
                   struct mdt_buf *err)
{
    return walk(argc, argv, opts, pos, npos, help, err, NULL, NULL, NULL);
}

int mdt_args_values(int argc, char **argv, struct mdt_opt *opts, const char *name,
                    const char **all)
{
    struct mdt_buf err;
    int npos, help, n = 0;

    mdt_buf_init(&err, 256);
    if (walk(argc, argv, opts, NULL, &npos, &help, &err, name, all, &n) < 0)
        n = 0;
    mdt_buf_release(&err);
    return n;
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
