/* mdt report: the figures for commissioners per month and PCN, as a
 * table, CSV or JSON, and as an SVG chart of the monthly totals. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdt.h"
#include "svg.h"
#include "table.h"
#include "xmalloc.h"

/* The per-row figures, in the order of the table and the CSV. */
static const struct {
    const char *header, *csv, *path;
} figs[] = {
    {"MEETINGS", "meetings_held", "meetings_held"},
    {"CASES", "cases_presented", "cases_presented"},
    {"NEW", "people_new", "people_new"},
    {"RETURNING", "people_returning", "people_returning"},
    {"AGREED", "actions_agreed", "actions.agreed"},
    {"ACCEPTED", "actions_accepted", "actions.accepted"},
    {"DECLINED", "actions_declined", "actions.declined"},
    {"DONE", "actions_completed", "actions.completed"},
    {"ON TIME", "actions_completed_on_time", "actions.completed_on_time"},
    {"ON TIME %", "share_on_time", "actions.share_on_time"},
    {"MEDIAN DAYS", "median_days_to_completion", "actions.median_days_to_completion"},
    {"OPEN", "actions_open", "actions.open"},
    {"OVERDUE", "actions_overdue", "actions.overdue"},
};
#define NFIGS (sizeof(figs) / sizeof(figs[0]))

/* new: the text of one figure ("" for null; shares as percentages in
 * the table, as fractions in CSV). */
static char *fig_text(const json_t *row, size_t i, int table)
{
    const json_t *v = mdt_out_lookup(row, figs[i].path);

    if (v == NULL || json_is_null(v))
        return mdt_xstrdup(table ? "-" : "");
    if (json_is_integer(v))
        return mdt_xasprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v));
    if (json_is_number(v)) {
        if (table && strcmp(figs[i].csv, "share_on_time") == 0)
            return mdt_xasprintf("%.0f%%", json_number_value(v) * 100);
        return mdt_xasprintf(strcmp(figs[i].csv, "share_on_time") == 0 ? "%.4f" : "%.1f",
                             json_number_value(v));
    }
    return mdt_out_value(v);
}

static int put(const struct mdt_buf *b)
{
    if (fwrite(mdt_buf_str(b), 1, b->len, stdout) != b->len)
        return mdt_fail("writing the output: %s", strerror(errno));
    return MDT_EXIT_OK;
}

static int print_table(const json_t *rep)
{
    const char *hdr[2 + NFIGS], *cells[2 + NFIGS];
    const char *ahdr[] = {"MONTH", "PCN", "ORGANISATION", "ATTENDED", "MEETINGS"};
    struct mdt_table *t = NULL, *at = NULL;
    const json_t *rows = json_object_get(rep, "rows"), *a;
    struct mdt_buf out;
    size_t i, k, c;
    int rc;

    hdr[0] = "MONTH";
    hdr[1] = "PCN";
    for (c = 0; c < NFIGS; c++)
        hdr[2 + c] = figs[c].header;
    t = mdt_table_new(2 + NFIGS, hdr);
    at = mdt_table_new(5, ahdr);
    for (i = 0; i <= json_array_size(rows); i++) {
        /* the rows, then the totals */
        const json_t *r =
            i < json_array_size(rows) ? json_array_get(rows, i) : json_object_get(rep, "totals");
        char *owned[2 + NFIGS] = {0};

        if (r == NULL)
            break;
        cells[0] =
            i < json_array_size(rows) ? json_string_value(json_object_get(r, "month")) : "TOTAL";
        cells[1] =
            i < json_array_size(rows) ? (owned[1] = mdt_out_value(json_object_get(r, "pcn"))) : "";
        for (c = 0; c < NFIGS; c++)
            cells[2 + c] = owned[2 + c] = fig_text(r, c, 1);
        mdt_table_add(t, cells);
        json_array_foreach(json_object_get(r, "attendance"), k, a)
        {
            char *n1 = mdt_xasprintf("%" JSON_INTEGER_FORMAT,
                                     json_integer_value(json_object_get(a, "attended")));
            char *n2 = mdt_xasprintf("%" JSON_INTEGER_FORMAT,
                                     json_integer_value(json_object_get(a, "meetings")));
            const char *ac[5] = {cells[0], cells[1],
                                 json_string_value(mdt_out_lookup(a, "org.name")), n1, n2};
            mdt_table_add(at, ac);
            free(n1);
            free(n2);
        }
        for (c = 0; c < 2 + NFIGS; c++)
            free(owned[c]);
    }
    mdt_buf_init(&out, MDT_BUF_NOCAP);
    mdt_table_render(t, &out);
    if (mdt_table_rows(at)) {
        mdt_buf_adds(&out, "\nAttendance by organisation (attended or deputising):\n");
        mdt_table_render(at, &out);
    }
    rc = put(&out);
    mdt_buf_release(&out);
    mdt_table_free(t);
    mdt_table_free(at);
    return rc;
}

/* RFC 4180 field: quoted when it holds a comma, quote or line end; a
 * leading =, +, - or @ is prefixed with ' so spreadsheets do not run it
 * as a formula. */
static void csv_field(struct mdt_buf *b, const char *s, int first)
{
    if (!first)
        mdt_buf_addc(b, ',');
    if (s == NULL)
        return;
    if (strchr("=+-@", s[0]) && s[0] && !(s[0] == '-' && s[1] >= '0' && s[1] <= '9')) {
        mdt_buf_addc(b, '"');
        mdt_buf_addc(b, '\'');
    } else if (strpbrk(s, ",\"\r\n")) {
        mdt_buf_addc(b, '"');
    } else {
        mdt_buf_adds(b, s);
        return;
    }
    for (; *s; s++) {
        if (*s == '"')
            mdt_buf_addc(b, '"');
        mdt_buf_addc(b, *s);
    }
    mdt_buf_addc(b, '"');
}

static int print_csv(const json_t *rep)
{
    const json_t *rows = json_object_get(rep, "rows"), *row, *a;
    struct mdt_buf out, att;
    size_t i, k;
    int rc;

    mdt_buf_init(&out, MDT_BUF_NOCAP);
    mdt_buf_init(&att, MDT_BUF_NOCAP);
    mdt_buf_adds(&out, "month,pcn");
    for (size_t c = 0; c < NFIGS; c++)
        mdt_buf_printf(&out, ",%s", figs[c].csv);
    mdt_buf_adds(&out, ",attendance\r\n");
    json_array_foreach(rows, i, row)
    {
        csv_field(&out, json_string_value(json_object_get(row, "month")), 1);
        csv_field(&out, json_string_value(mdt_out_lookup(row, "pcn.name")), 0);
        for (size_t c = 0; c < NFIGS; c++) {
            char *s = fig_text(row, c, 0);
            csv_field(&out, s, 0);
            free(s);
        }
        mdt_buf_reset(&att);
        json_array_foreach(json_object_get(row, "attendance"), k, a)
            mdt_buf_printf(&att, "%s%s: %" JSON_INTEGER_FORMAT, k ? "; " : "",
                           json_string_value(mdt_out_lookup(a, "org.name")),
                           json_integer_value(json_object_get(a, "attended")));
        csv_field(&out, mdt_buf_str(&att), 0);
        mdt_buf_adds(&out, "\r\n");
    }
    rc = put(&out);
    mdt_buf_release(&out);
    mdt_buf_release(&att);
    return rc;
}

/* The months from..to ("YYYY-MM"), each a category of the chart. */
static char **months(const char *from, const char *to, size_t *n)
{
    int y = atoi(from), m = atoi(from + 5), ty = atoi(to), tm = atoi(to + 5);
    char **out = NULL;

    *n = 0;
    while ((y < ty || (y == ty && m <= tm)) && *n < MDT_SVG_MAX_CAT) {
        out = mdt_xreallocarray(out, *n + 1, sizeof(*out));
        out[(*n)++] = mdt_xasprintf("%04d-%02d", y, m);
        if (++m > 12) {
            m = 1;
            y++;
        }
    }
    return out;
}

static int write_chart(const json_t *rep, const char *file, const char *style, const char *pcn)
{
    static const struct {
        const char *name, *path;
    } shown[] = {
        {"Meetings held", "meetings_held"},   {"Cases presented", "cases_presented"},
        {"New people", "people_new"},         {"Returning people", "people_returning"},
        {"Actions agreed", "actions.agreed"}, {"Actions completed", "actions.completed"},
    };
    enum { NS = sizeof(shown) / sizeof(shown[0]) };
    const char *from = json_string_value(json_object_get(rep, "from"));
    const char *to = json_string_value(json_object_get(rep, "to"));
    struct mdt_svg_series series[NS];
    struct mdt_svg_chart chart;
    const json_t *rows = json_object_get(rep, "rows"), *row;
    double *vals[NS];
    char **cats, *title, *tmp;
    struct mdt_buf doc;
    size_t ncat = 0, i;
    FILE *f;
    int rc = MDT_EXIT_OK;

    if (from == NULL || to == NULL || strlen(from) < 7 || strlen(to) < 7)
        return mdt_fail("the server's report has no period");
    cats = months(from, to, &ncat);
    for (size_t s = 0; s < NS; s++) {
        vals[s] = mdt_xcalloc(ncat ? ncat : 1, sizeof(double));
        series[s].name = shown[s].name;
        series[s].values = vals[s];
    }
    /* the monthly figures summed over the PCNs */
    json_array_foreach(rows, i, row)
    {
        const char *mon = json_string_value(json_object_get(row, "month"));
        for (size_t c = 0; mon && c < ncat; c++)
            if (strcmp(cats[c], mon) == 0)
                for (size_t s = 0; s < NS; s++)
                    vals[s][c] += (double)json_integer_value(mdt_out_lookup(row, shown[s].path));
    }
    title = pcn ? mdt_xasprintf("MDT activity by month, %s to %s: %s", from, to, pcn)
                : mdt_xasprintf("MDT activity by month, %s to %s", from, to);
    memset(&chart, 0, sizeof(chart));
    chart.title = title;
    chart.y_label = "Number";
    chart.kind = style && strcmp(style, "lines") == 0 ? MDT_SVG_LINES : MDT_SVG_BARS;
    chart.ncat = ncat;
    chart.categories = (const char *const *)cats;
    chart.nseries = NS;
    chart.series = series;
    mdt_buf_init(&doc, 16 << 20);
    if (mdt_svg_chart(&chart, &doc) != 0) {
        rc = mdt_fail("%s: cannot draw a chart of %zu months", file, ncat);
        goto out;
    }
    /* written next to the file and renamed in: never half a chart */
    tmp = mdt_xasprintf("%s.tmp-%ld", file, (long)getpid());
    f = fopen(tmp, "w");
    if (f == NULL) {
        rc = mdt_fail("%s: %s", tmp, strerror(errno));
    } else if ((fwrite(doc.data, 1, doc.len, f) != doc.len) | (fclose(f) != 0)) {
        /* both run: the file is closed whatever the write did */
        rc = mdt_fail("%s: %s", tmp, strerror(errno));
        unlink(tmp);
    } else if (rename(tmp, file) != 0) {
        rc = mdt_fail("%s: %s", file, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
out:
    mdt_buf_release(&doc);
    free(title);
    for (size_t s = 0; s < NS; s++)
        free(vals[s]);
    for (i = 0; i < ncat; i++)
        free(cats[i]);
    free(cats);
    return rc;
}

static int valid_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    return 1;
}

static int report(struct mdt_cli *cli, struct mdt_inv *inv)
{
    const char *from = mdt_opt_required(inv, "from"), *to, *pcn = mdt_opt(inv, "pcn"),
               *format = mdt_opt(inv, "format"), *chart = mdt_opt(inv, "chart"),
               *style = mdt_opt(inv, "style");
    struct mdt_buf path;
    json_t *out = NULL;
    int rc;

    if (from == NULL || (to = mdt_opt_required(inv, "to")) == NULL)
        return MDT_EXIT_USAGE;
    if (!valid_date(from))
        return mdt_usage_error(inv, "--from must be a date YYYY-MM-DD");
    if (!valid_date(to))
        return mdt_usage_error(inv, "--to must be a date YYYY-MM-DD");
    if (format == NULL)
        format = cli->json ? "json" : "table";
    if (strcmp(format, "table") && strcmp(format, "csv") && strcmp(format, "json"))
        return mdt_usage_error(inv, "--format must be table, csv or json");
    if (style && strcmp(style, "bars") && strcmp(style, "lines"))
        return mdt_usage_error(inv, "--style must be bars or lines");
    if (chart && *chart == '\0')
        return mdt_usage_error(inv, "--chart needs a file name");
    mdt_buf_init(&path, 4096);
    mdt_buf_adds(&path, "/v1/reports");
    mdt_http_query(&path, "from", from);
    mdt_http_query(&path, "to", to);
    if (pcn)
        mdt_http_query(&path, "pcn", pcn);
    rc = mdt_http_json(cli, "GET", mdt_buf_str(&path), NULL, &out);
    if (rc == MDT_EXIT_OK && chart)
        rc = write_chart(out, chart, style, pcn);
    if (rc == MDT_EXIT_OK) {
        if (strcmp(format, "json") == 0)
            rc = mdt_out_json(out);
        else if (strcmp(format, "csv") == 0)
            rc = print_csv(out);
        else
            rc = print_table(out);
    }
    json_decref(out);
    mdt_buf_release(&path);
    return rc;
}

static const struct mdt_opt opts[] = {
    {"from", "DATE", "first day of the period (YYYY-MM-DD)", NULL, 0},
    {"to", "DATE", "last day of the period (YYYY-MM-DD)", NULL, 0},
    {"pcn", "PCN", "only this PCN (id or name)", NULL, 0},
    {"format", "FORMAT", "table (default), csv or json", NULL, 0},
    {"chart", "FILE", "also draw the monthly figures as an SVG chart in FILE", NULL, 0},
    {"style", "STYLE", "the chart's style: bars (default) or lines", NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};

static const struct mdt_cmd cmds[] = {
    {"REPORT",
     "--from DATE --to DATE [--pcn PCN] [--format table|csv|json] [--chart FILE.svg] "
     "[--style bars|lines]",
     "figures per month and PCN for commissioners (chair, admin)", opts, 0, 0, report},
    {NULL, NULL, NULL, NULL, 0, 0, NULL},
};

const struct mdt_group mdt_group_report = {
    "report", "figures per month and PCN, and their chart: mdt report --from D --to D", cmds};
