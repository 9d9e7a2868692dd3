/* yinfa — the command-line program. Uses nothing but the public header.
 *
 *   yinfa render TEMPLATE [DATA.json] -o OUT.pdf [--draft] [--dump FILE]
 *   yinfa slots TEMPLATE
 *   yinfa check TEMPLATE [DATA.json] [--fonts-conf FILE]
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
    "  yinfa check TEMPLATE [DATA]   检查模板和数据并排版（不写出文件），列出所有问题\n"
    "  yinfa text TEMPLATE [DATA] [--draft]  打印填好的正文（每段一行），不排版\n"
    "  yinfa fonts [--fonts-conf FILE]  打印字体角色对应的字体\n"
    "  yinfa --version\n"
    "\n"
    "TEMPLATE：模板文件、含 template.xml 的目录，或 templates/ 下的模板名（如 speech）。\n"
    "--draft   没有数据的槽位排为占位符“X”。\n"
    "--dump    把排版结果（每行位置、字数、挤压）写成文本，- 为标准输出。\n"
    "退出状态：0 成功；1 模板、数据或输出错误；2 用法错误。\n";

/* ---- output: every file of a run, or none -------------------------------------------------- */

/* The dump and the PNG pages are written in full under temporary names beside their targets and
 * renamed into place only when the whole run has succeeded (the PDF is written atomically by the
 * library in between): a full disk at the third page leaves no file behind, and every existing
 * file as it was. */
typedef struct {
    char **tmp, **path;
    int n;
} staging;

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Writes `len` bytes meant for `path` to a temporary file beside it. Returns 0, or -1 after
 * saying why. */
static int stage(staging *s, const char *path, const void *bytes, size_t len)
{
    /* What the final rename could not replace is found now, before any file is in place. */
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "%s: error: 无法写入：%s\n", path, strerror(EISDIR));
        return -1;
    }
    size_t n = strlen(path) + 16;
    char *tmp = malloc(n);
    snprintf(tmp, n, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "%s: error: 无法创建输出文件：%s\n", path, strerror(errno));
        free(tmp);
        return -1;
    }
    s->tmp = realloc(s->tmp, (size_t)(s->n + 1) * sizeof *s->tmp);
    s->path = realloc(s->path, (size_t)(s->n + 1) * sizeof *s->path);
    s->tmp[s->n] = tmp;
    s->path[s->n++] = strdup(path);
    /* mkstemp makes the file 0600: give it the mode a plain fopen would. */
    mode_t mask = umask(0);
    umask(mask);
    int ok = write_all(fd, bytes, len) == 0 && fchmod(fd, 0666 & ~mask) == 0 &&
             (fsync(fd) == 0 || errno == EINVAL);
    int err = errno;
    ok = close(fd) == 0 && ok;
    if (!ok)
        fprintf(stderr, "%s: error: 写入失败：%s\n", path, strerror(err ? err : errno));
    return ok ? 0 : -1;
}

/* Renames every staged file into place (`commit`) or removes them all. Returns 0 or -1. */
static int unstage(staging *s, int commit)
{
    int rc = commit ? 0 : -1;
    for (int i = 0; i < s->n; i++) {
        if (rc == 0 && rename(s->tmp[i], s->path[i]) != 0) {
            fprintf(stderr, "%s: error: 无法写入：%s\n", s->path[i], strerror(errno));
            rc = -1;
        }
        if (rc != 0)
            unlink(s->tmp[i]);
        free(s->tmp[i]);
        free(s->path[i]);
    }
    free(s->tmp);
    free(s->path);
    return rc;
}

/* The dump (to a file or "-"), then the PDF or the PNG pages (OUT.png for one page, OUT-1.png,
 * OUT-2.png … for several). Returns 0 or EXIT_PROBLEM. */
static int write_outputs(const yf_layout *layout, const char *out, const char *dump, int page,
                         double dpi, yf_diags *d)
{
    staging s = { 0 };
    int ok = 1;
    char *text = dump ? yf_layout_dump(layout) : NULL;
    if (dump && strcmp(dump, "-") != 0)
        ok = stage(&s, dump, text, strlen(text)) == 0;
    if (ok && out && cli_has_suffix(out, ".pdf")) {
        ok = yf_layout_write_pdf(layout, out, d) == 0;
    } else if (ok && out) {
        int pages = yf_layout_page_count(layout);
        int first = page ? page : 1, last = page ? page : pages;
        for (int p = first; p <= last && ok; p++) {
            size_t n = strlen(out) + 16, len = 0;
            char *name = malloc(n);
            if (!page && pages > 1)
                snprintf(name, n, "%.*s-%d.png", (int)(strlen(out) - 4), out, p);
            else
                snprintf(name, n, "%s", out);
            unsigned char *png = yf_layout_write_png_mem(layout, p, dpi, &len, d);
            ok = png && stage(&s, name, png, len) == 0;
            free(png);
            free(name);
        }
    }
    ok = unstage(&s, ok) == 0;
    if (ok && dump && strcmp(dump, "-") == 0)
        fputs(text, stdout);
    free(text);
    return ok ? 0 : EXIT_PROBLEM;
}

/* Whether `a` and `b` name one existing file. */
static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return a && b && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* ---- commands ---------------------------------------------------------------------------- */

static int cmd_render(int argc, char **argv)
{
    static const struct option opts[] = {
        { "output", required_argument, 0, 'o' }, { "draft", no_argument, 0, 'D' },
        { "dump", required_argument, 0, 'd' },   { "page", required_argument, 0, 'p' },
        { "dpi", required_argument, 0, 'r' },    { "fonts-conf", required_argument, 0, 'f' },
        { "quiet", no_argument, 0, 'q' },        { 0, 0, 0, 0 } };
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
    yf_data *data = t && data_arg ? yf_data_load_json(data_arg, d) : NULL;
    yf_document *doc = NULL;
    yf_layout *layout = NULL;
    if (t && (!data_arg || data)) {
        if (!data_arg && !draft)
            fprintf(stderr, "yinfa render: error: 没有数据文件；只有 --draft 时才能不给数据\n");
        else
            doc = yf_document_bind(t, data, draft ? YF_BIND_DRAFT : 0, d);
    }
    if (doc)
        layout = yf_layout_new(ctx, doc, d);
    if (layout)
        rc = write_outputs(layout, out, dump, page, dpi, d);
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

/* `check`: bind and lay out, as `render` does, writing nothing — so that it finds every problem
 * render would, the checks of the laid-out pages included. `text`: bind only, the bound text to
 * stdout (`print`). */
static int bind_only(int argc, char **argv, int print)
{
    int draft = 0, n = 0;
    const char *args[2] = { NULL, NULL }, *fonts_conf = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--draft") == 0 && print)
            draft = 1;
        else if (strcmp(argv[i], "--fonts-conf") == 0 && !print && i + 1 < argc)
            fonts_conf = argv[++i];
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
    /* Layout needs the fonts; `text` does not. */
    yf_context *ctx = print ? NULL : cli_open_context(fonts_conf, d);
    yf_template *t = print || ctx ? cli_open_template(ctx, args[0], d) : NULL;
    yf_data *data = t && args[1] ? yf_data_load_json(args[1], d) : NULL;
    yf_document *doc = NULL;
    if (t && (!args[1] || data))
        doc = yf_document_bind(t, data, draft ? YF_BIND_DRAFT : 0, d);
    yf_layout *layout = doc && ctx ? yf_layout_new(ctx, doc, d) : NULL;
    int rc = doc && (print || layout) ? 0 : EXIT_PROBLEM;
    if (doc && print) {
        char *text = yf_document_text(doc);
        fputs(text, stdout);
        free(text);
    } else if (rc == 0 && !cli_quiet) {
        fprintf(stderr, "%s: 没有发现问题\n", args[1] ? args[1] : args[0]);
    }
    yf_layout_free(layout);
    yf_document_free(doc);
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
    if (strstr(s, "\tsubstitute"))
        fputs("办公字体（仿宋_GB2312、楷体_GB2312、SimHei、SimSun、方正小标宋简体）：把字体文件复制到 "
              "/usr/local/share/fonts/ 或 ~/.local/share/fonts/，运行 fc-cache -f；"
              "yinfa 按 fonts/yinfa-roles.conf 的顺序优先使用它们。\n", stderr);
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
