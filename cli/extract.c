/* yinfa extract — an existing plain-text document becomes a new template type.
 *
 *   yinfa extract TEXT.txt --name NEWTYPE [--out DIR]
 *
 * The text's structure becomes elements: the title lines before the first blank line (a line
 * beginning with "——" is the subtitle), a salutation ending in "：", paragraphs, headings
 * "一、" "（一）" "1." "（1）" (numbered automatically where the numbers run in order), and a
 * signature and date at the end. Every "X" (a redacted fact; "XX" and "×" too) becomes a slot,
 * named from the words around it where possible (X届 → 届次, X万元 → 金额, X户 → 户数 …) and
 * numbered otherwise. The folder gets template.xml, data.json (the examples) and a README.md;
 * `yinfa render NEWTYPE --draft` then gives the source text back. Uses the public header only. */
#define _GNU_SOURCE
#include "common.h"

#include <errno.h>
#include <glib.h>
#include <string.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#define EXTRACT_MAX_BYTES (4 * 1024 * 1024)

/* What the word after an X says about it: the slot's name and type. */
static const struct {
    const char *after;
    const char *name;
    const char *type;
    const char *example;
} units[] = {
    { "万余人次", "人次", "integer", "12" }, { "万余名", "人数", "integer", "2" },
    { "万余", "万数", "integer", "3" },      { "万元", "金额", "number", "1280.5" },
    { "万人", "人数", "integer", "35" },     { "多位", "人数", "integer", "30" },
    { "余名", "人数", "integer", "120" },    { "届", "届次", "text", "十四" },
    { "次", "次数", "text", "三" },          { "大", "届次", "text", "十四" },
    { "元", "金额", "number", "12000" },     { "户", "户数", "integer", "2360" },
    { "人", "人数", "integer", "120" },      { "名", "人数", "integer", "86" },
    { "家", "单位数", "integer", "26" },     { "个", "个数", "integer", "12" },
    { "项", "项数", "integer", "30" },       { "列", "列数", "integer", "8" },
    { "辆", "辆数", "integer", "150" },      { "张", "张数", "integer", "3000" },
    { "年", "年份", "integer", "2026" },     { "月", "月", "integer", "3" },
    { "日", "日", "integer", "6" },          { "期", "期号", "integer", "12" },
    { "号", "文号", "integer", "5" },        { "省", "省份", "text", "浙江" },
    { "市", "城市", "text", "宁波" },        { "区", "区", "text", "海曙" },
    { "县", "县", "text", "象山" },
};

typedef struct {
    GPtrArray *names;    /* slot names, declaration order */
    GPtrArray *types;
    GPtrArray *examples;
    GHashTable *used;    /* name -> count */
} slots;

static gboolean is_redaction(const char *p)
{
    return *p == 'X' || g_str_has_prefix(p, "×") || g_str_has_prefix(p, "Ｘ");
}

static const char *skip_redaction(const char *p)
{
    while (*p && is_redaction(p))
        p = g_utf8_next_char(p);
    return p;
}

/* The last `n` Han characters before `p` in `line`, as a name. */
static char *han_before(const char *line, const char *p, int n)
{
    const char *q = p;
    int k = 0;
    while (q > line && k < n) {
        const char *prev = g_utf8_prev_char(q);
        gunichar c = g_utf8_get_char(prev);
        if (!g_unichar_iswide(c) || g_unichar_ispunct(c) || c == 0x3000)
            break;
        q = prev;
        k++;
    }
    return k >= 2 ? g_strndup(q, p - q) : NULL;
}

/* A new slot for the X at `p`; returns its name (owned by `s`). */
static const char *new_slot(slots *s, const char *line, const char *p, const char *after)
{
    const char *name = NULL, *type = "text", *example = "某某";
    char *context = NULL;
    for (size_t i = 0; i < G_N_ELEMENTS(units); i++)
        if (g_str_has_prefix(after, units[i].after)) {
            name = units[i].name;
            type = units[i].type;
            example = units[i].example;
            break;
        }
    if (!name) {
        context = han_before(line, p, 2);
        name = context ? context : "事项";
    }
    int n = GPOINTER_TO_INT(g_hash_table_lookup(s->used, name)) + 1;
    g_hash_table_replace(s->used, g_strdup(name), GINT_TO_POINTER(n));
    char *full = n == 1 ? g_strdup(name) : g_strdup_printf("%s%d", name, n);
    g_free(context);
    g_ptr_array_add(s->names, full);
    g_ptr_array_add(s->types, (gpointer)type);
    g_ptr_array_add(s->examples, (gpointer)example);
    return full;
}

static void append_escaped(GString *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (s[i]) {
        case '&': g_string_append(out, "&amp;"); break;
        case '<': g_string_append(out, "&lt;"); break;
        case '>': g_string_append(out, "&gt;"); break;
        default: g_string_append_c(out, s[i]);
        }
    }
}

/* Text with every redaction replaced by a <v/> of a new slot. */
static void append_text(GString *out, slots *s, const char *line)
{
    const char *p = line, *run = line;
    while (*p) {
        if (!is_redaction(p)) {
            p = g_utf8_next_char(p);
            continue;
        }
        append_escaped(out, run, (size_t)(p - run));
        const char *after = skip_redaction(p);
        g_string_append_printf(out, "<v name=\"%s\"/>", new_slot(s, line, p, after));
        p = run = after;
    }
    append_escaped(out, run, (size_t)(p - run));
}

/* ---- headings --------------------------------------------------------------------------------- */

/* The value of a Chinese numeral digit 一 … 九 (1–9), 十 (10), or 0. */
static int numeral(gunichar c)
{
    static const gunichar digits[] = { 0x4E00, 0x4E8C, 0x4E09, 0x56DB, 0x4E94, 0x516D, 0x4E03,
                                       0x516B, 0x4E5D }; /* 一二三四五六七八九 */
    for (int i = 0; i < 9; i++)
        if (c == digits[i])
            return i + 1;
    return c == 0x5341 /* 十 */ ? 10 : 0;
}

/* Reads a number at *p — Arabic (12) or Chinese up to 九十九 (十二, 二十一) — and moves past it.
 * Returns 0 when there is none; *chinese says which kind it was. */
static int read_number(const char **p, gboolean *chinese)
{
    int n = 0, cur = 0;
    *chinese = numeral(g_utf8_get_char(*p)) > 0;
    for (;; *p = g_utf8_next_char(*p)) {
        gunichar c = g_utf8_get_char(*p);
        int v = numeral(c);
        if (!*chinese && c >= '0' && c <= '9' && n < 1000)
            n = n * 10 + (int)(c - '0');
        else if (*chinese && v == 10)
            n += (cur ? cur : 1) * 10, cur = 0;
        else if (*chinese && v > 0 && cur == 0)
            cur = v;
        else
            break;
    }
    return n + cur;
}

/* The heading level of a line — "一、" 1, "（一）" 2, "1." 3, "（1）" 4 — with its number and
 * the length of the numbering, or 0 for a line that is no heading. */
static int heading_level(const char *line, int *number, size_t *prefix)
{
    const char *p = line;
    gboolean paren = g_str_has_prefix(p, "（"), chinese;
    if (paren)
        p += strlen("（");
    *number = read_number(&p, &chinese);
    int level = 0;
    if (*number == 0)
        return 0;
    if (paren && g_str_has_prefix(p, "）"))
        level = chinese ? 2 : 4, p += strlen("）");
    else if (!paren && chinese && g_str_has_prefix(p, "、"))
        level = 1, p += strlen("、");
    else if (!paren && !chinese && (*p == '.' || g_str_has_prefix(p, "．")))
        level = 3, p += *p == '.' ? 1 : strlen("．");
    *prefix = (size_t)(p - line);
    return level;
}

/* A numbered line is a heading unless it ends a sentence: "1.各单位要……负责。" is a numbered
 * paragraph of the body. */
static gboolean looks_like_heading(const char *line)
{
    return !(g_str_has_suffix(line, "。") || g_str_has_suffix(line, "！") ||
             g_str_has_suffix(line, "？") || g_str_has_suffix(line, "；"));
}

static gboolean is_date_line(const char *line)
{
    int y, m, d, n = 0;
    if (sscanf(line, "%d年%d月%d日%n", &y, &m, &d, &n) == 3 && line[n] == '\0')
        return TRUE;
    return g_str_has_suffix(line, "日") && g_utf8_strlen(line, -1) <= 14 &&
           (strstr(line, "年") && strstr(line, "月"));
}

/* ---- the command ---------------------------------------------------------------------------- */

static char *trimmed(const char *s)
{
    char *t = g_strdup(s);
    g_strchomp(t);
    /* Leading ASCII and ideographic spaces are indentation, not content. */
    char *p = t;
    while (*p == ' ' || *p == '\t' || g_str_has_prefix(p, "　"))
        p += *p == ' ' || *p == '\t' ? 1 : strlen("　");
    char *r = g_strdup(p);
    g_free(t);
    return r;
}

static int write_file(const char *dir, const char *name, const char *text)
{
    char *path = g_build_filename(dir, name, NULL);
    GError *err = NULL;
    int rc = g_file_set_contents(path, text, -1, &err) ? 0 : -1;
    if (rc)
        fprintf(stderr, "yinfa extract: %s\n", err->message), g_error_free(err);
    g_free(path);
    return rc;
}

int cmd_extract(int argc, char **argv)
{
    const char *src = NULL, *name = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
            name = argv[++i];
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0)
            cli_quiet = 1;
        else if (!src && argv[i][0] != '-')
            src = argv[i];
        else
            src = NULL, i = argc;
    }
    if (!src || !name || !*name || strchr(name, '/') || name[0] == '.') {
        fprintf(stderr, "用法：yinfa extract TEXT.txt --name NEWTYPE [--out DIR]\n"
                        "（NEWTYPE 是新模板目录名，不含“/”；默认写到 templates/NEWTYPE/）\n");
        return EXIT_USAGE;
    }
    /* A plain text of a document: a regular file, and not a huge one (a device such as /dev/zero
     * or a FIFO would otherwise be read until memory runs out or block forever). */
    struct stat st;
    if (g_stat(src, &st) == 0 && (!S_ISREG(st.st_mode) || st.st_size > EXTRACT_MAX_BYTES)) {
        fprintf(stderr, "yinfa extract: %s: %s\n", src,
                S_ISREG(st.st_mode) ? "文件过大（超过 4 MiB 的上限）"
                                    : "不是普通文件（管道、设备不能作为输入）");
        return EXIT_PROBLEM;
    }
    gchar *text = NULL;
    GError *err = NULL;
    if (!g_file_get_contents(src, &text, NULL, &err)) {
        fprintf(stderr, "yinfa extract: %s\n", err->message);
        g_error_free(err);
        return EXIT_PROBLEM;
    }
    if (!g_utf8_validate(text, -1, NULL)) {
        fprintf(stderr, "yinfa extract: %s 不是 UTF-8 编码的文本\n", src);
        g_free(text);
        return EXIT_PROBLEM;
    }
    char *dir = out ? g_strdup(out) : g_build_filename("templates", name, NULL);
    if (g_file_test(dir, G_FILE_TEST_EXISTS)) {
        fprintf(stderr, "yinfa extract: %s 已存在，未覆盖\n", dir);
        g_free(dir);
        g_free(text);
        return EXIT_PROBLEM;
    }

    char **raw = g_strsplit(text, "\n", -1);
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    for (int i = 0; raw[i]; i++)
        g_ptr_array_add(lines, trimmed(raw[i]));
    g_strfreev(raw);
    /* The last non-empty line. */
    int last = (int)lines->len - 1;
    while (last >= 0 && !*(char *)g_ptr_array_index(lines, last))
        last--;

    slots s = { g_ptr_array_new_with_free_func(g_free), g_ptr_array_new(), g_ptr_array_new(),
                g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL) };
    GString *body = g_string_new(NULL);
    int i = 0;
    while (i <= last && !*(char *)g_ptr_array_index(lines, i))
        i++;
    /* The title block: lines up to the first blank one. */
    GString *title = g_string_new(NULL);
    for (; i <= last && *(char *)g_ptr_array_index(lines, i); i++) {
        const char *l = g_ptr_array_index(lines, i);
        if (g_str_has_prefix(l, "——")) {
            g_string_append(body, "    <subtitle>");
            append_text(body, &s, l);
            g_string_append(body, "</subtitle>\n");
            continue;
        }
        if (title->len)
            g_string_append(title, "<br/>");
        /* A space between two phrases of a title is an ideographic space in print. */
        char **parts = g_strsplit(l, " ", -1);
        char *joined = g_strjoinv("　", parts);
        append_text(title, &s, joined);
        g_free(joined);
        g_strfreev(parts);
    }
    if (title->len) {
        g_string_prepend(title, "    <title>");
        g_string_append(title, "</title>\n");
        g_string_prepend(body, title->str);
    }
    g_string_free(title, TRUE);

    /* The signature block: a date as the last line, the issuer just above it. */
    int date_line = last >= i && is_date_line(g_ptr_array_index(lines, last)) ? last : -1;
    int signer = date_line > i && g_utf8_strlen(g_ptr_array_index(lines, date_line - 1), -1) <= 20 &&
                 !g_str_has_suffix(g_ptr_array_index(lines, date_line - 1), "。")
                     ? date_line - 1 : -1;
    int end = signer >= 0 ? signer - 1 : date_line >= 0 ? date_line - 1 : last;

    int expect[5] = { 0, 1, 1, 1, 1 };
    gboolean first_body = TRUE;
    for (; i <= end; i++) {
        const char *l = g_ptr_array_index(lines, i);
        if (!*l)
            continue;
        int number = 0;
        size_t prefix = 0;
        int level = heading_level(l, &number, &prefix);
        if (first_body && g_str_has_suffix(l, "：") && g_utf8_strlen(l, -1) <= 30) {
            g_string_append(body, "    <salutation>");
            append_text(body, &s, l);
            g_string_append(body, "</salutation>\n");
        } else if (level && looks_like_heading(l)) {
            /* Numbered by the template when the source's numbers run in order. */
            gboolean in_order = number == expect[level];
            g_string_append_printf(body, "    <h%d%s>", level, in_order ? "" : " number=\"none\"");
            append_text(body, &s, in_order ? l + prefix : l);
            g_string_append_printf(body, "</h%d>\n", level);
            if (in_order)
                expect[level]++;
            for (int k = level + 1; k <= 4; k++)
                expect[k] = 1;
        } else {
            g_string_append(body, "    <p>");
            append_text(body, &s, l);
            g_string_append(body, "</p>\n");
        }
        first_body = FALSE;
    }
    for (int k = signer >= 0 ? signer : date_line; k >= 0 && k <= last; k++) {
        g_string_append(body, "    <p style=\"落款\">");
        append_text(body, &s, g_ptr_array_index(lines, k));
        g_string_append(body, "</p>\n");
    }

    /* The template, its examples and its README. */
    /* In a template collection the type builds on the shared GB/T 9704 base; elsewhere it
     * carries its own page setup and signature style. */
    char *parent = g_path_get_dirname(dir);
    char *base = g_build_filename(parent, "common", "gbt9704.xml", NULL);
    g_free(parent);
    gboolean in_collection = g_file_test(base, G_FILE_TEST_IS_REGULAR);
    g_free(base);
    GString *xml = g_string_new("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    g_string_append_printf(xml, "<template version=\"1\"%s>\n"
                                "  <info>\n    <name>%s</name>\n"
                                "    <description>由 %s 提取的模板：请修改槽位名称和示例。</description>\n"
                                "  </info>\n%s  <slots>\n",
                           in_collection ? " extends=\"../common/gbt9704.xml\"" : "", name, src,
                           in_collection ? "" : "  <page preset=\"gbt9704\"/>\n  <styles>\n"
                           "    <style name=\"落款\" base=\"正文\" align=\"right\" indent=\"0\"/>\n"
                           "  </styles>\n");
    GString *data = g_string_new("{\n");
    for (guint k = 0; k < s.names->len; k++) {
        const char *n = g_ptr_array_index(s.names, k), *t = g_ptr_array_index(s.types, k),
                   *ex = g_ptr_array_index(s.examples, k);
        g_string_append_printf(xml, "    <slot name=\"%s\" type=\"%s\" label=\"%s\" example=\"%s\"/>\n",
                               n, t, n, ex);
        gboolean quote = strcmp(t, "text") == 0;
        g_string_append_printf(data, "  \"%s\": %s%s%s%s\n", n, quote ? "\"" : "", ex,
                               quote ? "\"" : "", k + 1 < s.names->len ? "," : "");
    }
    g_string_append(xml, "  </slots>\n  <body>\n");
    g_string_append(xml, body->str);
    g_string_append(xml, "  </body>\n</template>\n");
    g_string_append(data, "}\n");
    char *readme = g_strdup_printf(
        "# %s\n\n由 `yinfa extract %s --name %s` 从一份原文提取。\n\n"
        "- `template.xml`：模板。原文中的每个“X”都已成为一个槽位（共 %u 个），名称取自上下文，"
        "请改成有意义的名字，并核对类型和示例。\n"
        "- `data.json`：示例数据。\n\n"
        "检查：`yinfa render %s --draft -o draft.pdf` 应当与原文一致；"
        "`yinfa render %s data.json -o out.pdf` 用示例数据排版。\n",
        name, src, name, s.names->len, name, name);

    int rc = 0;
    if (g_mkdir_with_parents(dir, 0777) != 0) {
        fprintf(stderr, "yinfa extract: 无法创建 %s：%s\n", dir, g_strerror(errno));
        rc = EXIT_PROBLEM;
    } else if (write_file(dir, "template.xml", xml->str) || write_file(dir, "data.json", data->str) ||
               write_file(dir, "README.md", readme)) {
        rc = EXIT_PROBLEM;
    } else if (!cli_quiet) {
        fprintf(stderr, "已生成 %s/template.xml：%u 个槽位\n", dir, s.names->len);
    }
    g_free(readme);
    g_string_free(xml, TRUE);
    g_string_free(data, TRUE);
    g_string_free(body, TRUE);
    g_ptr_array_free(s.names, TRUE);
    g_ptr_array_free(s.types, TRUE);
    g_ptr_array_free(s.examples, TRUE);
    g_hash_table_destroy(s.used);
    g_ptr_array_free(lines, TRUE);
    g_free(dir);
    g_free(text);
    return rc;
}
