/* Command-line options for the client's commands: long options only
 * ("--name VALUE", "--name=VALUE", flags "--yes"), positional arguments
 * kept in order, "--" ends the options. Each command describes its
 * options in a table, which also gives its --help text. */
#ifndef MDT_ARGS_H
#define MDT_ARGS_H

#include "buf.h"

struct mdt_opt {
    const char *name; /* without the leading "--" */
    const char *arg;  /* metavariable for the help ("NAME"); NULL: a flag */
    const char *help;
    /* Results of mdt_args_parse: */
    const char *value; /* borrowed from argv: the last value given; "" for a flag */
    int given;         /* how many times it was given */
};

/* Parses argv[0..argc) against opts (ending with an entry whose name is
 * NULL). Positional arguments are stored, in order, in pos (room for argc
 * pointers, borrowed from argv) and counted in *npos. "-h" and "--help"
 * set *help and are otherwise ignored. Returns 0, or -EINVAL with err
 * naming the fault ("unknown option --nmae", "--name needs a value",
 * "--yes takes no value"). */
int mdt_args_parse(int argc, char **argv, struct mdt_opt *opts, char **pos, int *npos, int *help,
                   struct mdt_buf *err);

/* The values of every occurrence of the option called name, in the order
 * given, stored in all (room for argc pointers; borrowed from argv).
 * Returns their number. The arguments are those mdt_args_parse accepted
 * with the same opts (parsed again: the entries' results are rewritten
 * to the same values). */
int mdt_args_values(int argc, char **argv, struct mdt_opt *opts, const char *name,
                    const char **all);

/* borrowed: the option called name in opts, or NULL. */
struct mdt_opt *mdt_args_get(struct mdt_opt *opts, const char *name);

/* Appends the options' help, one aligned line each, to out. */
void mdt_args_help(const struct mdt_opt *opts, struct mdt_buf *out);

#endif
