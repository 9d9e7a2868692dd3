/* yinfa — the command-line program. Uses nothing but the public header.
 *
 *   yinfa render TEMPLATE [DATA] -o OUT.pdf|.png|.ofd|.docx [--draft] [--dump FILE] [--record N]
 *   yinfa slots TEMPLATE
 *   yinfa check TEMPLATE [DATA.json] [--fonts-conf FILE]
 *   yinfa fonts
 *
 * TEMPLATE is a file, a folder holding template.xml, or the name of a folder under templates/.
 * Exit status: 0 success, 1 a template, data or output problem, 2 a usage error. */
#include "common.h"
#include "print.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- output: every file of a run, or none -------------------------------------------------- */

/* The PDF, the dump and the PNG pages are made in memory first, then written in full under
 * temporary names beside their targets (GLib's g_file_set_contents: written, synced, mode as a
 * plain fopen would give) and renamed into place only when every one is written: a full disk at
 * the third page leaves no file behind, and every existing file as it was. */
typedef struct {
    GPtrArray *tmp, *path; /* of char* */
    const char *const *inputs; /* every file the run read, NULL-terminated: never an output */
} staging;

/* Whether `a` and `b` name one existing file (device and inode: links and other spellings of a
 * name alike). */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return a && b && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* Refuses an output that is one of the run's inputs: `--dump ../common/gbt9704.xml` would replace
 * the base of every template. Returns 0, or -1 with an error. */
static int check_not_input(const staging *s, const char *path, yf_diags *d)
{
    for (size_t i = 0; s->inputs && s->inputs[i]; i++)
        if (same_file(s->inputs[i], path)) {
            cli_error(d, "output.write", path, "输出文件 %s 就是本次读取的输入文件 %s，不能覆盖",
                      path, s->inputs[i]);
            return -1;
        }
    return 0;
}

/* Writes `len` bytes meant for `path` to a temporary file beside it. Returns 0, or -1 with an
 * error in d. */
static int stage(staging *s, const char *path, const void *bytes, size_t len, yf_diags *d)
{
    /* What the final rename must not replace (a device, a FIFO, a directory, a symbolic link) is
     * found now, before any file is in place, and again just before the rename. */
    if (check_not_input(s, path, d) != 0 || cli_check_output(path, d) != 0)
        return -1;
    char *tmp = g_strdup_printf("%s.tmp-XXXXXX", path);
    int fd = g_mkstemp_full(tmp, O_RDWR, 0666); /* the mode a plain fopen would give */
    if (fd < 0) {
        cli_error(d, "output.write", path, "无法创建输出文件：%s", g_strerror(errno));
        g_free(tmp);
        return -1;
    }
    close(fd);
    g_ptr_array_add(s->tmp, tmp);
    g_ptr_array_add(s->path, g_strdup(path));
    GError *err = NULL; /* the file exists: its mode is kept */
    if (!g_file_set_contents_full(tmp, bytes, (gssize)len, G_FILE_SET_CONTENTS_DURABLE, 0666,
                                  &err)) {
        cli_error(d, "output.write", path, "写入失败：%s", err->message);
        g_error_free(err);
        return -1;
    }
    return 0;
}

/* Renames every staged file into place (`commit`) or removes them all. Returns 0 or -1. */
static int unstage(staging *s, int commit, yf_diags *d)
{
    int rc = commit ? 0 : -1;
    for (guint i = 0; i < s->tmp->len; i++) {
        const char *tmp = g_ptr_array_index(s->tmp, i), *path = g_ptr_array_index(s->path, i);
        if (rc == 0 && cli_check_output(path, d) != 0)
            rc = -1;
        if (rc == 0 && g_rename(tmp, path) != 0) {
            cli_error(d, "output.write", path, "无法写入：%s", g_strerror(errno));
            rc = -1;
        }
        if (rc != 0)
            g_unlink(tmp);
    }
    g_ptr_array_free(s->tmp, TRUE);
    g_ptr_array_free(s->path, TRUE);
    return rc;
}

/* The PNG of each page asked for: OUT.png for one page, OUT-1.png, OUT-2.png … for several. */
static int stage_pngs(staging *s, const yf_layout *layout, const char *out, int page, double dpi,
                      yf_diags *d)
{
    int pages = yf_layout_page_count(layout);
    int first = page ? page : 1, last = page ? page : pages, ok = 1;
    for (int p = first; p <= last && ok; p++) {
        char *name = !page && pages > 1
                         ? g_strdup_printf("%.*s-%d.png", (int)(strlen(out) - 4), out, p)
                         : g_strdup(out);
        size_t len = 0;
        unsigned char *png = yf_layout_write_png_mem(layout, p, dpi, &len, d);
        ok = png && stage(s, name, png, len, d) == 0;
        free(png);
        g_free(name);
    }
    return ok;
}

/* The dump (to a file or "-"), then the PDF, the Word file or the PNG pages — all written or
 * none —, or the OFD (written atomically by itself, after the others are in place). Returns 0 or
 * EXIT_PROBLEM. */
static int write_outputs(const yf_document *doc, const yf_layout *layout, const char *out,
                         const char *dump, int page, double dpi, const char *const *inputs,
                         yf_diags *d)
{
    staging s = { g_ptr_array_new_with_free_func(g_free), g_ptr_array_new_with_free_func(g_free),
                  inputs };
    int ok = 1, ofd = 0;
    char *text = dump ? yf_layout_dump(layout) : NULL;
    if (dump && strcmp(dump, "-") != 0)
        ok = stage(&s, dump, text, strlen(text), d) == 0;
    if (ok && out && cli_has_suffix(out, ".pdf")) {
        size_t len = 0;
        unsigned char *pdf = yf_layout_write_pdf_mem(layout, &len, d);
        ok = pdf && stage(&s, out, pdf, len, d) == 0;
        free(pdf);
    } else if (ok && out && cli_has_suffix(out, ".docx")) {
        size_t len = 0;
        unsigned char *docx = yf_document_write_docx_mem(doc, layout, &len, d);
        ok = docx && stage(&s, out, docx, len, d) == 0;
        free(docx);
    } else if (ok && out && cli_has_suffix(out, ".ofd")) {
        ofd = 1; /* written by the library, which refuses what is not a regular file too */
        ok = check_not_input(&s, out, d) == 0 && cli_check_output(out, d) == 0;
    } else if (ok && out) {
        ok = stage_pngs(&s, layout, out, page, dpi, d);
    }
    ok = unstage(&s, ok, d) == 0;
    if (ok && ofd)
        ok = yf_layout_write_ofd(layout, out, d) == 0;
    if (ok && dump && strcmp(dump, "-") == 0)
        fputs(text, stdout);
    free(text);
    return ok ? 0 : EXIT_PROBLEM;
}

/* ---- commands ---------------------------------------------------------------------------- */

/* A usage error of `command`: what was wrong (or nothing), then the command's help. */
static int usage_error(const char *command, const char *what)
{
    if (what)
        fprintf(stderr, "yinfa %s: %s\n\n", command, what);
    const char *help = cli_help_text(command);
    if (help)
        fputs(help, stderr);
    else
        cli_print_usage(stderr);
    return EXIT_USAGE;
}

/* A --record argument: a number from 1, or -1. */
static long parse_record(const char *s)
{
    char *end;
    long n = strtol(s, &end, 10);
    return *s && !*end && n >= 1 ? n : -1;
}

/* One document's data for render and text: a JSON object, or one record of a file of records.
 * Returns 0, or -1 after saying why (a file of several records without --record included). */
static int load_one(const char *path, const char *sheet, const char *group_by, long record,
                    yf_data **data, yf_diags *d)
{
    yf_records *rs = NULL;
    if (cli_load_data(path, sheet, group_by, record, data, &rs, d) != 0)
        return -1;
    if (rs) {
        cli_error(d, "data.many-records", path, "文件中有 %zu 条记录：请用 --record N（1–%zu）选一条，"
                  "或用 yinfa batch 逐条生成", yf_records_count(rs), yf_records_count(rs));
        yf_records_free(rs);
        return -1;
    }
    return 0;
}

static int cmd_render(int argc, char **argv)
{
    static const struct option opts[] = {
        { "output", required_argument, 0, 'o' }, { "draft", no_argument, 0, 'D' },
        { "dump", required_argument, 0, 'd' },   { "page", required_argument, 0, 'p' },
        { "dpi", required_argument, 0, 'r' },    { "fonts-conf", required_argument, 0, 'f' },
        { "quiet", no_argument, 0, 'q' },        { "record", required_argument, 0, 'R' },
        { "sheet", required_argument, 0, 'S' },  { "group-by", required_argument, 0, 'G' },
        { "json", no_argument, 0, 'J' },         { 0, 0, 0, 0 } };
    const char *out = NULL, *dump = NULL, *fonts_conf = NULL, *sheet = NULL, *group_by = NULL;
    int draft = 0, page = 0;
    long record = 0;
    double dpi = 96;
    int c;
    while ((c = getopt_long(argc, argv, "o:qD", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'D': draft = 1; break;
        case 'd': dump = optarg; break;
        case 'p': page = atoi(optarg); break;
        case 'r': dpi = atof(optarg); break;
        case 'f': fonts_conf = optarg; break;
        case 'q': cli_quiet = 1; break;
        case 'R':
            if ((record = parse_record(optarg)) < 1)
                return usage_error("render", "--record 应为从 1 起的记录序号");
            break;
        case 'S': sheet = optarg; break;
        case 'G': group_by = optarg; break;
        case 'J': cli_json = CLI_JSON_STDOUT; break;
        default: return usage_error("render", NULL);
        }
    }
    if (optind >= argc || argc - optind > 2 || (!out && !dump)) {
        return usage_error("render", "需要 TEMPLATE [DATA] 和 -o OUT.pdf|.png|.ofd|.docx");
    }
    const char *tpl_arg = argv[optind];
    const char *data_arg = argc - optind == 2 ? argv[optind + 1] : NULL;
    if (cli_json && dump && strcmp(dump, "-") == 0)
        cli_json = CLI_JSON_STDERR; /* stdout is the dump */
    if (out && !cli_has_suffix(out, ".pdf") && !cli_has_suffix(out, ".png") &&
        !cli_has_suffix(out, ".ofd") && !cli_has_suffix(out, ".docx")) {
        fprintf(stderr, "yinfa render: 输出文件应以 .pdf、.png、.ofd 或 .docx 结尾：%s\n", out);
        return EXIT_USAGE;
    }
    if (page && out && !cli_has_suffix(out, ".png"))
        return usage_error("render", "--page 只用于 .png 输出（PDF、OFD、Word 文件总是包含全部页）");
    /* Inputs are never written: `--dump template.xml` would replace the template. */
    char *tpl_path = cli_find_template(tpl_arg);
    const char *inputs[] = { tpl_path, data_arg }, *outputs[] = { out, dump };
    for (int i = 0; i < 2; i++)
        for (int o = 0; o < 2; o++)
            if (same_file(inputs[i], outputs[o])) {
                fprintf(stderr, "yinfa render: error: 输出文件 %s 就是输入文件，不能覆盖\n",
                        outputs[o]);
                free(tpl_path);
                return EXIT_USAGE;
            }
    free(tpl_path);

    yf_diags *d = yf_diags_new();
    int rc = EXIT_PROBLEM;
    yf_context *ctx = cli_open_context(fonts_conf, d);
    yf_template *t = ctx ? cli_open_template(ctx, tpl_arg, d) : NULL;
    yf_data *data = NULL;
    if (t && data_arg)
        load_one(data_arg, sheet, group_by, record, &data, d);
    yf_document *doc = NULL;
    yf_layout *layout = NULL;
    if (t && (!data_arg || data)) {
        if (!data_arg && !draft)
            cli_error(d, "data.missing", "yinfa render", "没有数据文件；只有 --draft 时才能不给数据");
        else
            doc = yf_document_bind(t, data, draft ? YF_BIND_DRAFT : 0, d);
    }
    if (doc)
        layout = yf_layout_new(ctx, doc, d);
    if (layout) {
        /* Every file the run read: the template with each file it extends or includes, the
         * images drawn, the data, the font configuration and the roles. */
        GPtrArray *inputs = g_ptr_array_new_with_free_func(g_free);
        for (size_t i = 0; i < yf_template_file_count(t); i++)
            g_ptr_array_add(inputs, g_strdup(yf_template_file(t, i)));
        for (size_t i = 0; i < yf_layout_file_count(layout); i++)
            g_ptr_array_add(inputs, g_strdup(yf_layout_file(layout, i)));
        char *roles = cli_find_share("fonts/yinfa-roles.conf");
        const char *more[] = { data_arg, fonts_conf ? fonts_conf : getenv("YINFA_FONTS_CONF"),
                               roles };
        for (size_t i = 0; i < G_N_ELEMENTS(more); i++)
            if (more[i])
                g_ptr_array_add(inputs, g_strdup(more[i]));
        free(roles);
        g_ptr_array_add(inputs, NULL);
        rc = write_outputs(doc, layout, out, dump, page, dpi, (const char *const *)inputs->pdata,
                           d);
        g_ptr_array_free(inputs, TRUE);
    }
    yf_layout_free(layout);
    yf_document_free(doc);
    yf_data_free(data);
    yf_template_free(t);
    yf_context_free(ctx);
    return cli_finish(d, rc);
}

/* ---- slots --csv: the header row of a table of records ------------------------------------- */

/* A list of objects in a table has this many numbered groups of columns (文章1.标题 … 文章3.正文);
 * a user adds 文章4.… for more. */
#define CSV_LIST_ITEMS 3

static void csv_cell(GString *row, const char *text)
{
    if (row->len)
        g_string_append_c(row, ',');
    if (!strpbrk(text, ",\"\r\n")) {
        g_string_append(row, text);
        return;
    }
    g_string_append_c(row, '"'); /* RFC 4180: quoted, inner quotes doubled */
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            g_string_append_c(row, '"');
        g_string_append_c(row, *p);
    }
    g_string_append_c(row, '"');
}

/* The columns of the declarations `slots` (a JSON array), under `prefix`. */
static void csv_columns(JsonArray *slots, const char *prefix, GString *row, int depth)
{
    for (guint i = 0; i < json_array_get_length(slots); i++) {
        JsonObject *s = json_array_get_object_element(slots, i);
        const char *name = json_object_get_string_member(s, "name");
        const char *type = json_object_get_string_member(s, "type");
        JsonArray *fields = json_object_has_member(s, "fields")
                                ? json_object_get_array_member(s, "fields") : NULL;
        char *path = g_strconcat(prefix, name, NULL);
        if (fields && depth < 4 && strcmp(type, "list") == 0) {
            for (int k = 1; k <= CSV_LIST_ITEMS; k++) {
                char *item = g_strdup_printf("%s%d.", path, k);
                csv_columns(fields, item, row, depth + 1);
                g_free(item);
            }
        } else if (fields && depth < 4) {
            char *member = g_strconcat(path, ".", NULL);
            csv_columns(fields, member, row, depth + 1);
            g_free(member);
        } else {
            csv_cell(row, path); /* a value, or a list of texts in one cell (、 or line breaks) */
        }
        g_free(path);
    }
}

/* The header row a user fills in, one record a row (with a byte order mark, so that Excel and
 * WPS open it as UTF-8). */
static int print_csv_header(const yf_template *t)
{
    char *json = yf_template_declarations_json(t);
    JsonParser *p = json_parser_new();
    int rc = EXIT_PROBLEM;
    if (json_parser_load_from_data(p, json, -1, NULL)) {
        JsonObject *root = json_node_get_object(json_parser_get_root(p));
        GString *row = g_string_new(NULL);
        csv_columns(json_object_get_array_member(root, "slots"), "", row, 0);
        printf("\xEF\xBB\xBF%s\r\n", row->str);
        g_string_free(row, TRUE);
        rc = 0;
    }
    g_object_unref(p);
    free(json);
    return rc;
}

static int cmd_slots(int argc, char **argv)
{
    int decl = argc == 3 && strcmp(argv[2], "--declarations") == 0;
    int csv = argc == 3 && strcmp(argv[2], "--csv") == 0;
    if (argc != 2 && !decl && !csv) {
        return usage_error("slots", "需要一个 TEMPLATE [--declarations | --csv]");
    }
    yf_diags *d = yf_diags_new();
    /* Slots need no fonts: parse the template without a context. */
    yf_template *t = cli_open_template(NULL, argv[1], d);
    int rc = EXIT_PROBLEM;
    if (t && csv) {
        rc = print_csv_header(t);
    } else if (t) {
        char *json = decl ? yf_template_declarations_json(t) : yf_template_skeleton_json(t);
        fputs(json, stdout);
        free(json);
        rc = 0;
    }
    yf_template_free(t);
    return cli_finish(d, rc);
}

/* Binds (and for `check` lays out) one document of `data`; the text to stdout for `text`. Returns
 * 0 or EXIT_PROBLEM. */
static int check_one(yf_context *ctx, const yf_template *t, const yf_data *data, int draft,
                     int print, yf_diags *d)
{
    yf_document *doc = yf_document_bind(t, data, draft ? YF_BIND_DRAFT : 0, d);
    yf_layout *layout = doc && ctx ? yf_layout_new(ctx, doc, d) : NULL;
    int rc = doc && (print || layout) ? 0 : EXIT_PROBLEM;
    if (doc && print) {
        char *text = yf_document_text(doc);
        fputs(text, stdout);
        free(text);
    }
    yf_layout_free(layout);
    yf_document_free(doc);
    return rc;
}

/* `check` of a file of records: every record, each problem named by the record's line (its
 * data is named "FILE:LINE"), a summary at the end. */
static int check_records(yf_context *ctx, const yf_template *t, yf_records *rs, const char *path,
                         yf_diags *d)
{
    size_t n = yf_records_count(rs), bad = 0;
    for (size_t i = 0; i < n; i++) {
        yf_diags *one = yf_diags_new();
        yf_data *data = yf_records_get(rs, i, one);
        int rc = data ? check_one(ctx, t, data, 0, 0, one) : EXIT_PROBLEM;
        int failed = rc != 0 || yf_diags_errors(one);
        bad += failed;
        if (cli_json)
            cli_collect(one, (long)i + 1);
        if (failed && !cli_json)
            fprintf(stderr, "第 %zu 条记录（%s 第 %d 行）：\n", i + 1, path, yf_records_line(rs, i));
        for (size_t k = 0; !cli_json && k < yf_diags_count(one); k++)
            if (rc != 0 || !cli_quiet)
                fprintf(stderr, "%s\n", yf_diags_message(one, k));
        yf_data_free(data);
        yf_diags_free(one);
    }
    if (bad)
        fprintf(stderr, "%s: %zu 条记录中 %zu 条有问题\n", path, n, bad);
    else if (!cli_quiet)
        fprintf(stderr, "%s: %zu 条记录，没有发现问题\n", path, n);
    (void)d;
    return bad ? EXIT_PROBLEM : 0;
}

/* `check`: bind and lay out, as `render` does, writing nothing — so that it finds every problem
 * render would, the checks of the laid-out pages included; every record of a file of records.
 * `text`: bind only, the bound text to stdout (`print`). */
static int bind_only(int argc, char **argv, int print)
{
    int draft = 0, n = 0;
    long record = 0;
    const char *args[2] = { NULL, NULL }, *fonts_conf = NULL, *sheet = NULL, *group_by = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--draft") == 0 && print)
            draft = 1;
        else if (strcmp(argv[i], "--fonts-conf") == 0 && !print && i + 1 < argc)
            fonts_conf = argv[++i];
        else if (strcmp(argv[i], "--record") == 0 && i + 1 < argc) {
            if ((record = parse_record(argv[++i])) < 1)
                return usage_error(argv[0], "--record 应为从 1 起的记录序号");
        } else if (strcmp(argv[i], "--sheet") == 0 && i + 1 < argc)
            sheet = argv[++i];
        else if (strcmp(argv[i], "--group-by") == 0 && i + 1 < argc)
            group_by = argv[++i];
        else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0)
            cli_quiet = 1;
        else if (strcmp(argv[i], "--json") == 0)
            cli_json = print ? CLI_JSON_STDERR : CLI_JSON_STDOUT; /* text's stdout is the text */
        else if (argv[i][0] == '-' || n == 2)
            return usage_error(argv[0], "需要 TEMPLATE [DATA]");
        else
            args[n++] = argv[i];
    }
    if (n == 0)
        return usage_error(argv[0], "需要 TEMPLATE [DATA]");
    /* Without data only the template is checked: slots print as X. */
    if (!args[1])
        draft = 1;
    yf_diags *d = yf_diags_new();
    /* Layout needs the fonts; `text` does not. */
    yf_context *ctx = print ? NULL : cli_open_context(fonts_conf, d);
    yf_template *t = print || ctx ? cli_open_template(ctx, args[0], d) : NULL;
    yf_data *data = NULL;
    yf_records *rs = NULL;
    int rc = EXIT_PROBLEM;
    if (t && args[1] && cli_load_data(args[1], sheet, group_by, record, &data, &rs, d) != 0)
        t = (yf_template_free(t), NULL);
    if (t && rs && print) {
        cli_error(d, "data.many-records", args[1], "文件中有 %zu 条记录：请用 --record N（1–%zu）选一条",
                  yf_records_count(rs), yf_records_count(rs));
    } else if (t && rs) {
        rc = check_records(ctx, t, rs, args[1], d);
    } else if (t && (!args[1] || data)) {
        rc = check_one(ctx, t, data, draft, print, d);
        if (rc == 0 && !print && !cli_quiet && !cli_json && !yf_diags_errors(d))
            fprintf(stderr, "%s: 没有发现问题\n", args[1] ? args[1] : args[0]);
    }
    yf_records_free(rs);
    yf_data_free(data);
    yf_template_free(t);
    yf_context_free(ctx);
    return cli_finish(d, rc);
}

static int cmd_fonts(int argc, char **argv)
{
    const char *fonts_conf = NULL;
    if (argc == 3 && strcmp(argv[1], "--fonts-conf") == 0)
        fonts_conf = argv[2];
    else if (argc != 1)
        return usage_error("fonts", NULL);
    yf_diags *d = yf_diags_new();
    yf_context *ctx = cli_open_context(fonts_conf, d);
    if (!ctx)
        return cli_finish(d, EXIT_PROBLEM);
    char *s = yf_context_describe_fonts(ctx);
    fputs(s, stdout);
    if (strstr(s, "\tsubstitute"))
        fputs("办公字体（仿宋_GB2312、楷体_GB2312、SimHei、SimSun、方正小标宋简体）：把字体文件复制到 "
              "/usr/local/share/fonts/ 或 ~/.local/share/fonts/，运行 fc-cache -f；"
              "yinfa 按 fonts/yinfa-roles.conf 的顺序优先使用它们。\n", stderr);
    free(s);
    yf_context_free(ctx);
    cli_quiet = 1;
    return cli_finish(d, 0);
}

/* Whether the arguments after the command ask for its help. */
static int asks_help(int argc, char **argv)
{
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return 0;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        cli_print_usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("yinfa %s\n", YF_VERSION);
        return 0;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        cli_print_usage(stdout);
        return 0;
    }
    if (cli_help_text(cmd) && asks_help(argc, argv)) {
        fputs(cli_help_text(cmd), stdout);
        return 0;
    }
    if (strcmp(cmd, "help") == 0)
        return cmd_help(argc - 1, argv + 1);
    if (strcmp(cmd, "render") == 0)
        return cmd_render(argc - 1, argv + 1);
    if (strcmp(cmd, "batch") == 0)
        return cmd_batch(argc - 1, argv + 1);
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "extract") == 0)
        return cmd_extract(argc - 1, argv + 1);
    if (strcmp(cmd, "slots") == 0)
        return cmd_slots(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0)
        return bind_only(argc - 1, argv + 1, 0);
    if (strcmp(cmd, "text") == 0)
        return bind_only(argc - 1, argv + 1, 1);
    if (strcmp(cmd, "fonts") == 0)
        return cmd_fonts(argc - 1, argv + 1);
    if (strcmp(cmd, "print") == 0)
        return cmd_print(argc - 1, argv + 1);
    if (strcmp(cmd, "printers") == 0)
        return cmd_printers(argc - 1, argv + 1);
    fprintf(stderr, "yinfa: 未知命令“%s”\n\n", cmd);
    cli_print_usage(stderr);
    return EXIT_USAGE;
}
