/* yinfa — the command-line program. Uses nothing but the public header.
 *
 *   yinfa render TEMPLATE [DATA.json] -o OUT.pdf [--draft] [--dump FILE]
 *   yinfa slots TEMPLATE
 *   yinfa check TEMPLATE [DATA.json]
 *   yinfa fonts
 *
 * TEMPLATE is a file, a folder holding template.xml, or the name of a folder under templates/.
 * Exit status: 0 success, 1 a template, data or output problem, 2 a usage error. */
#include "common.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
    "用法：\n"
    "  yinfa render TEMPLATE [DATA.json] -o OUT.pdf|OUT.png [--draft] [--dump FILE]\n"
    "               [--page N] [--dpi N] [--fonts-conf FILE] [-q]\n"
    "  yinfa batch TEMPLATE DATA -o DIR [--name PATTERN] [--merge FILE.pdf] [--jobs N]\n"
    "               [--shard K/N] [--resume]   批量生成（yinfa batch --help 查看详情）\n"
    "  yinfa serve [--port 8080] [--templates DIR] [--host 127.0.0.1]  公文填写网页（本机）\n"
    "  yinfa extract TEXT.txt --name NEWTYPE [--out DIR]  由一份原文生成新模板\n"
    "  yinfa slots TEMPLATE [--declarations]  打印数据骨架（每个槽位及示例值），或槽位声明\n"
    "  yinfa check TEMPLATE [DATA]   只检查模板和数据，不排版，列出所有问题\n"
    "  yinfa text TEMPLATE [DATA] [--draft]  打印填好的正文（每段一行），不排版\n"
    "  yinfa fonts [--fonts-conf FILE]  打印字体角色对应的字体\n"
    "  yinfa --version\n"
    "\n"
    "TEMPLATE：模板文件、含 template.xml 的目录，或 templates/ 下的模板名（如 speech）。\n"
    "--draft   没有数据的槽位排为占位符“X”。\n"
    "--dump    把排版结果（每行位置、字数、挤压）写成文本，- 为标准输出。\n"
    "退出状态：0 成功；1 模板、数据或输出错误；2 用法错误。\n";

/* ---- commands ---------------------------------------------------------------------------- */

static int cmd_render(int argc, char **argv)
{
    static const struct option opts[] = {
        { "output", required_argument, 0, 'o' }, { "draft", no_argument, 0, 'D' },
        { "dump", required_argument, 0, 'd' },   { "page", required_argument, 0, 'p' },
        { "dpi", required_argument, 0, 'r' },    { "fonts-conf", required_argument, 0, 'f' },
        { "cli_quiet", no_argument, 0, 'q' },        { 0, 0, 0, 0 } };
    const char *out = NULL, *dump = NULL, *fonts_conf = NULL;
    int draft = 0, page = 0;
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
        default: fputs(usage, stderr); return EXIT_USAGE;
        }
    }
    if (optind >= argc || argc - optind > 2 || (!out && !dump)) {
        fprintf(stderr, "yinfa render: 需要 TEMPLATE [DATA.json] 和 -o OUT.pdf\n\n%s", usage);
        return EXIT_USAGE;
    }
    const char *tpl_arg = argv[optind];
    const char *data_arg = argc - optind == 2 ? argv[optind + 1] : NULL;
    if (out && !cli_has_suffix(out, ".pdf") && !cli_has_suffix(out, ".png")) {
        fprintf(stderr, "yinfa render: 输出文件应以 .pdf 或 .png 结尾：%s\n", out);
        return EXIT_USAGE;
    }

    yf_diags *d = yf_diags_new();
    int rc = EXIT_PROBLEM;
    yf_context *ctx = cli_open_context(fonts_conf, d);
    yf_template *t = ctx ? cli_open_template(ctx, tpl_arg, d) : NULL;
    yf_data *data = t && data_arg ? yf_data_load_json(data_arg, d) : NULL;
    yf_document *doc = NULL;
    yf_layout *layout = NULL;
    if (t && (!data_arg || data)) {
        if (!data_arg && !draft)
            fprintf(stderr, "yinfa render: 没有数据文件；只有 --draft 时才能不给数据\n");
        else
            doc = yf_document_bind(t, data, draft ? YF_BIND_DRAFT : 0, d);
    }
    if (doc)
        layout = yf_layout_new(ctx, doc, d);
    if (layout) {
        rc = 0;
        if (dump) {
            char *text = yf_layout_dump(layout);
            FILE *f = strcmp(dump, "-") == 0 ? stdout : fopen(dump, "w");
            if (!f || fputs(text, f) < 0 || (f != stdout && fclose(f) != 0)) {
                fprintf(stderr, "yinfa: %s: %s\n", dump, strerror(errno));
                rc = EXIT_PROBLEM;
            }
            free(text);
        }
        if (rc == 0 && out && cli_has_suffix(out, ".pdf")) {
            if (yf_layout_write_pdf(layout, out, d) != 0)
                rc = EXIT_PROBLEM;
        } else if (rc == 0 && out) {
            int pages = yf_layout_page_count(layout);
            int first = page ? page : 1, last = page ? page : pages;
            for (int p = first; p <= last && rc == 0; p++) {
                /* One page: OUT.png; several: OUT-1.png, OUT-2.png … */
                char *name = strdup(out);
                if (!page && pages > 1) {
                    free(name);
                    size_t n = strlen(out) + 16;
                    name = malloc(n);
                    snprintf(name, n, "%.*s-%d.png", (int)(strlen(out) - 4), out, p);
                }
                if (yf_layout_write_png(layout, p, dpi, name, d) != 0)
                    rc = EXIT_PROBLEM;
                free(name);
            }
        }
    }
    yf_layout_free(layout);
    yf_document_free(doc);
    yf_data_free(data);
    yf_template_free(t);
    yf_context_free(ctx);
    return cli_finish(d, rc);
}

static int cmd_slots(int argc, char **argv)
{
    int decl = argc == 3 && strcmp(argv[2], "--declarations") == 0;
    if (argc != 2 && !decl) {
        fprintf(stderr, "yinfa slots: 需要一个 TEMPLATE [--declarations]\n\n%s", usage);
        return EXIT_USAGE;
    }
    yf_diags *d = yf_diags_new();
    /* Slots need no fonts: parse the template without a context. */
    yf_template *t = cli_open_template(NULL, argv[1], d);
    int rc = EXIT_PROBLEM;
    if (t) {
        char *json = decl ? yf_template_declarations_json(t) : yf_template_skeleton_json(t);
        fputs(json, stdout);
        free(json);
        rc = 0;
    }
    yf_template_free(t);
    return cli_finish(d, rc);
}

/* `check` and `text`: bind without layout. With `print`, the bound text goes to stdout. */
static int bind_only(int argc, char **argv, int print)
{
    int draft = 0, n = 0;
    const char *args[2] = { NULL, NULL };
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--draft") == 0 && print)
            draft = 1;
        else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--cli_quiet") == 0)
            cli_quiet = 1;
        else if (argv[i][0] == '-' || n == 2) {
            fprintf(stderr, "yinfa %s: 需要 TEMPLATE [DATA.json]\n\n%s", argv[0], usage);
            return EXIT_USAGE;
        } else
            args[n++] = argv[i];
    }
    if (n == 0) {
        fprintf(stderr, "yinfa %s: 需要 TEMPLATE [DATA.json]\n\n%s", argv[0], usage);
        return EXIT_USAGE;
    }
    /* Without data only the template is checked: slots print as X. */
    if (!args[1])
        draft = 1;
    yf_diags *d = yf_diags_new();
    yf_template *t = cli_open_template(NULL, args[0], d);
    yf_data *data = t && args[1] ? yf_data_load_json(args[1], d) : NULL;
    yf_document *doc = NULL;
    if (t && (!args[1] || data))
        doc = yf_document_bind(t, data, draft ? YF_BIND_DRAFT : 0, d);
    int rc = doc ? 0 : EXIT_PROBLEM;
    if (doc && print) {
        char *text = yf_document_text(doc);
        fputs(text, stdout);
        free(text);
    } else if (doc && !cli_quiet) {
        fprintf(stderr, "%s: 没有发现问题\n", args[1] ? args[1] : args[0]);
    }
    yf_document_free(doc);
    yf_data_free(data);
    yf_template_free(t);
    return cli_finish(d, rc);
}

static int cmd_fonts(int argc, char **argv)
{
    const char *fonts_conf = NULL;
    if (argc == 3 && strcmp(argv[1], "--fonts-conf") == 0)
        fonts_conf = argv[2];
    else if (argc != 1) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    yf_diags *d = yf_diags_new();
    yf_context *ctx = cli_open_context(fonts_conf, d);
    if (!ctx)
        return cli_finish(d, EXIT_PROBLEM);
    char *s = yf_context_describe_fonts(ctx);
    fputs(s, stdout);
    free(s);
    yf_context_free(ctx);
    cli_quiet = 1;
    return cli_finish(d, 0);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0) {
        printf("yinfa %s\n", YF_VERSION);
        return 0;
    }
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
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
    fprintf(stderr, "yinfa: 未知命令“%s”\n\n%s", cmd, usage);
    return EXIT_USAGE;
}
