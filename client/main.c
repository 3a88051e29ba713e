/* mdt: command dispatch, global flags and help. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "mdt.h"
#include "xmalloc.h"

/* In the order of the work: the directory, cases, meetings, what follows
 * a meeting, then oversight. */
static const struct mdt_group *const groups[] = {
    &mdt_group_token,   &mdt_group_org,     &mdt_group_person, &mdt_group_pcn,
    &mdt_group_list,    &mdt_group_import,  &mdt_group_key,    &mdt_group_case,
    &mdt_group_series,  &mdt_group_meeting, &mdt_group_agenda, &mdt_group_invite,
    &mdt_group_feed,    &mdt_group_outcome, &mdt_group_plan,   &mdt_group_actions,
    &mdt_group_action,  &mdt_group_report,  &mdt_group_outbox, &mdt_group_audit,
    &mdt_group_purge,   NULL,
};

/* Every command also takes these. */
static const struct mdt_opt global_opts[] = {
    {"json", NULL, "print machine-readable JSON", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};

int mdt_usage_error(const struct mdt_inv *inv, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "mdt: %s %s: ", inv->group, inv->cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'mdt %s %s --help')\n", inv->group, inv->cmd);
    return MDT_EXIT_USAGE;
}

const char *mdt_opt(const struct mdt_inv *inv, const char *name)
{
    struct mdt_opt *o = mdt_args_get(inv->opts, name);

    return o && o->given ? o->value : NULL;
}

const char **mdt_opt_all(const struct mdt_inv *inv, const char *name, int *n)
{
    const char **all = mdt_xcalloc((size_t)inv->argc + 1, sizeof(*all));

    *n = mdt_args_values(inv->argc, inv->argv, inv->opts, name, all);
    return all;
}

const char *mdt_opt_required(const struct mdt_inv *inv, const char *name)
{
    const char *v = mdt_opt(inv, name);

    if (v == NULL || *v == '\0') {
        mdt_usage_error(inv, "--%s is required", name);
        return NULL;
    }
    return v;
}

static void usage(FILE *f)
{
    fputs("usage: mdt [--json] GROUP COMMAND [ARGS...]\n"
          "       mdt help [GROUP [COMMAND]]\n\n"
          "Command groups:\n",
          f);
    for (size_t i = 0; groups[i]; i++)
        fprintf(f, "  %-8s %s\n", groups[i]->name, groups[i]->summary);
    fputs("\nThe server is MDT_URL and the token MDT_TOKEN, or 'url' and 'token' in\n"
          "$XDG_CONFIG_HOME/mdt/config (~/.config/mdt/config); MDT_CA or 'ca' names a CA\n"
          "file for TLS. MDT_CONFIG, MDT_KEY_FILE and MDT_VAULT_FILE override where the\n"
          "config file, the pseudonym key and the vault are. Exit status: 0 done, 1 refused\n"
          "by the server, the network or a local file, 2 bad arguments.\n",
          f);
}

static void group_usage(FILE *f, const struct mdt_group *g)
{
    fprintf(f, "usage: mdt %s COMMAND [ARGS...]\n\n%s\n\nCommands:\n", g->name, g->summary);
    for (const struct mdt_cmd *c = g->cmds; c->name; c++)
        fprintf(f, "  %-8s %s\n", c->name, c->summary);
    fprintf(f, "\n'mdt %s COMMAND --help' describes each.\n", g->name);
}

/* new: the command's options followed by the global ones, a fresh copy
 * that parsing may write into. */
static struct mdt_opt *cmd_opts(const struct mdt_cmd *c)
{
    size_t n = 0, ng = 0;
    struct mdt_opt *opts;

    while (c->opts && c->opts[n].name)
        n++;
    while (global_opts[ng].name)
        ng++;
    opts = mdt_xcalloc(n + ng + 1, sizeof(*opts));
    if (n)
        memcpy(opts, c->opts, n * sizeof(*opts));
    memcpy(opts + n, global_opts, ng * sizeof(*opts));
    return opts;
}

/* A group whose one command is named in capitals is that command
 * ("mdt report --from D --to D"). */
static int group_is_cmd(const struct mdt_group *g)
{
    return g->cmds[0].name && g->cmds[1].name == NULL && g->cmds[0].name[0] >= 'A' &&
           g->cmds[0].name[0] <= 'Z';
}

static void cmd_usage(FILE *f, const struct mdt_group *g, const struct mdt_cmd *c)
{
    struct mdt_opt *opts = cmd_opts(c);
    struct mdt_buf b;
    const char *name = group_is_cmd(g) ? "" : c->name;

    mdt_buf_init(&b, MDT_BUF_NOCAP);
    fprintf(f, "usage: mdt %s%s%s%s%s\n\n%s\n", g->name, name[0] ? " " : "", name,
            c->usage[0] ? " " : "", c->usage, c->summary);
    mdt_args_help(opts, &b);
    fprintf(f, "\nOptions:\n%s", mdt_buf_str(&b));
    mdt_buf_release(&b);
    free(opts);
}

static const struct mdt_group *find_group(const char *name)
{
    for (size_t i = 0; groups[i]; i++)
        if (strcmp(groups[i]->name, name) == 0)
            return groups[i];
    return NULL;
}

static const struct mdt_cmd *find_cmd(const struct mdt_group *g, const char *name)
{
    for (const struct mdt_cmd *c = g->cmds; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

static int help(int argc, char **argv)
{
    const struct mdt_group *g;
    const struct mdt_cmd *c;

    if (argc == 0) {
        usage(stdout);
        return MDT_EXIT_OK;
    }
    if ((g = find_group(argv[0])) == NULL) {
        fprintf(stderr, "mdt: help: no command group '%s' (see 'mdt help')\n", argv[0]);
        return MDT_EXIT_USAGE;
    }
    if (argc == 1) {
        if (group_is_cmd(g))
            cmd_usage(stdout, g, &g->cmds[0]);
        else
            group_usage(stdout, g);
        return MDT_EXIT_OK;
    }
    if ((c = find_cmd(g, argv[1])) == NULL) {
        fprintf(stderr, "mdt: help: no command '%s %s' (see 'mdt help %s')\n", g->name, argv[1],
                g->name);
        return MDT_EXIT_USAGE;
    }
    cmd_usage(stdout, g, c);
    return MDT_EXIT_OK;
}

/* Runs one command: parses its options (its own plus the global ones) into
 * a fresh copy of its table, checks the positional count, and calls it. */
static int run_cmd(struct mdt_cli *cli, const struct mdt_group *g, const struct mdt_cmd *c,
                   int argc, char **argv)
{
    struct mdt_opt *opts = cmd_opts(c);
    struct mdt_inv inv = {.group = g->name, .cmd = c->name};
    struct mdt_buf err;
    int help_wanted = 0, rc;

    inv.opts = opts;
    inv.argc = argc;
    inv.argv = argv;
    inv.pos = mdt_xcalloc((size_t)argc + 1, sizeof(char *));
    mdt_buf_init(&err, 1024);
    if (mdt_args_parse(argc, argv, opts, inv.pos, &inv.npos, &help_wanted, &err) < 0) {
        rc = mdt_usage_error(&inv, "%s", mdt_buf_str(&err));
        goto out;
    }
    if (help_wanted) {
        cmd_usage(stdout, g, c);
        rc = MDT_EXIT_OK;
        goto out;
    }
    if (mdt_opt(&inv, "json"))
        cli->json = 1;
    if (inv.npos < c->min_pos) {
        rc = mdt_usage_error(&inv, "missing argument%s: %s", c->min_pos - inv.npos > 1 ? "s" : "",
                             c->usage);
        goto out;
    }
    if (c->max_pos >= 0 && inv.npos > c->max_pos) {
        rc = mdt_usage_error(&inv, "unexpected argument '%s'", inv.pos[c->max_pos]);
        goto out;
    }
    rc = c->run(cli, &inv);
out:
    mdt_buf_release(&err);
    free(inv.pos);
    free(opts);
    return rc;
}

static int dispatch(struct mdt_cli *cli, int argc, char **argv)
{
    const struct mdt_group *g;
    const struct mdt_cmd *c;
    int i = 1;

    /* Global flags before the group. */
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            cli->json = 1;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return MDT_EXIT_OK;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("mdt %s\n", MDT_VERSION);
            return MDT_EXIT_OK;
        } else {
            fprintf(stderr, "mdt: unknown option %s (see 'mdt --help')\n", argv[i]);
            return MDT_EXIT_USAGE;
        }
    }
    if (i == argc) {
        usage(stderr);
        return MDT_EXIT_USAGE;
    }
    if (strcmp(argv[i], "help") == 0)
        return help(argc - i - 1, argv + i + 1);
    if ((g = find_group(argv[i])) == NULL) {
        fprintf(stderr, "mdt: unknown command '%s' (see 'mdt help')\n", argv[i]);
        return MDT_EXIT_USAGE;
    }
    i++;
    /* A group that is itself one command ("mdt actions", "mdt report
     * --help") runs it with all its arguments. */
    if (group_is_cmd(g))
        return run_cmd(cli, g, &g->cmds[0], argc - i, argv + i);
    if (i == argc) {
        group_usage(stderr, g);
        return MDT_EXIT_USAGE;
    }
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
        strcmp(argv[i], "help") == 0) {
        group_usage(stdout, g);
        return MDT_EXIT_OK;
    }
    /* A group may take an argument where a command would stand ("mdt
     * agenda 7"): its command named in capitals (MEETING) runs then. */
    if (find_cmd(g, argv[i]) == NULL)
        for (c = g->cmds; c->name; c++)
            if (c->name[0] >= 'A' && c->name[0] <= 'Z')
                return run_cmd(cli, g, c, argc - i, argv + i);
    if ((c = find_cmd(g, argv[i])) == NULL) {
        fprintf(stderr, "mdt: unknown command '%s %s' (see 'mdt help %s')\n", g->name, argv[i],
                g->name);
        return MDT_EXIT_USAGE;
    }
    return run_cmd(cli, g, c, argc - i - 1, argv + i + 1);
}

int main(int argc, char **argv)
{
    struct mdt_cli cli = {0};
    int rc;

    rc = dispatch(&cli, argc, argv);
    /* Output that could not be written is a failure too (a full disk, a
     * closed pipe): scripts must not take a truncated answer for a whole. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "mdt: writing the output: %s\n", strerror(errno));
        if (rc == MDT_EXIT_OK)
            rc = MDT_EXIT_FAIL;
    }
    mdt_config_release(&cli);
    if (cli.curl)
        curl_global_cleanup();
    return rc;
}
