/* yinfa extract — a document an office already has, as plain text or a .docx, becomes a new
 * template type like the installed ones of its kind.
 *
 *   yinfa extract SOURCE.txt|SOURCE.docx --name NEWTYPE [-o DIR] [-q]
 *
 * The stages: lines (extract_text.c for a text in UTF-8 or GB18030, extract_docx.c for a .docx)
 * -> structure and family (extract_text.c) -> slots (extract_slots.c) -> here: template.xml
 * (written with libxml2's xmlTextWriter, so every name and text is escaped), data.json (the
 * template's own skeleton, with what the source says about the shared parts), README.md, and a
 * report of what was recognised and how each slot was named. The folder is the user's templates
 * folder ($XDG_DATA_HOME/yinfa/templates/NEWTYPE) unless -o names another; the shared parts
 * (common/) are found from there (yf_context_set_shared_templates). Public header only. */
#define _GNU_SOURCE
#include "common.h"
#include "extract.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libxml/xmlwriter.h>
#include <string.h>
#include <sys/stat.h>

#define EXTRACT_MAX_BYTES (4 * 1024 * 1024)
/* Below the engine's bound on a template with everything it includes (engine/template.c). */
#define EXTRACT_MAX_TEMPLATE (900 * 1024)

/* ---- reading the source -------------------------------------------------------------------- */

static gboolean is_docx(const char *path)
{
    if (cli_has_suffix(path, ".docx"))
        return TRUE;
    FILE *f = fopen(path, "rb");
    char head[4] = { 0 };
    size_t n = f ? fread(head, 1, 4, f) : 0;
    if (f)
        fclose(f);
    return n == 4 && memcmp(head, "PK\x03\x04", 4) == 0;
}

/* The source's lines, or NULL after saying why on stderr. */
/* Control characters as text from other programs carries them: a form feed (pdftotext's page
 * break, Word's plain-text page break) or a vertical tab (Word's line break) ends a line; other
 * C0 controls and DEL, which no XML text may hold, are dropped. In place. */
static void drop_controls(char *text)
{
    char *w = text;
    for (const char *r = text; *r; r++) {
        unsigned char c = (unsigned char)*r;
        if (c == '\f' || c == '\v')
            *w++ = '\n';
        else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
            continue;
        else
            *w++ = (char)c;
    }
    *w = '\0';
}

/* `arg` as the shell reads it back: as it is when every character is a letter, digit or one of
 * ._-/+:,@% (a Chinese name included), else quoted. Caller frees. */
static char *shell_arg(const char *arg)
{
    for (const char *p = arg; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (!g_unichar_isalnum(c) && !strchr("._-/+:,@%", (int)c))
            return g_shell_quote(arg);
    }
    return g_strdup(arg);
}

static GPtrArray *read_source(const char *src)
{
    struct stat st;
    if (g_stat(src, &st) != 0) {
        fprintf(stderr, "yinfa extract: %s：%s\n", src, g_strerror(errno));
        return NULL;
    }
    /* A device such as /dev/zero or a FIFO would be read until memory runs out or forever. */
    if (!S_ISREG(st.st_mode) || st.st_size > EXTRACT_MAX_BYTES) {
        fprintf(stderr, "yinfa extract: %s: %s\n", src,
                S_ISREG(st.st_mode) ? "文件过大（超过 4 MiB 的上限）"
                                    : "不是普通文件（管道、设备不能作为输入）");
        return NULL;
    }
    if (is_docx(src)) {
        char *error = NULL;
        GPtrArray *lines = ex_lines_from_docx(src, &error);
        if (!lines) {
            fprintf(stderr, "yinfa extract: %s: %s\n", src, error);
            g_free(error);
        }
        return lines;
    }
    gchar *bytes = NULL;
    gsize len = 0;
    GError *err = NULL;
    if (!g_file_get_contents(src, &bytes, &len, &err)) {
        fprintf(stderr, "yinfa extract: %s\n", err->message);
        g_error_free(err);
        return NULL;
    }
    yf_diags *d = yf_diags_new();
    size_t n = 0;
    char *text = yf_text_to_utf8(src, bytes, len, &n, d);
    g_free(bytes);
    cli_finish(d, 0);
    if (!text)
        return NULL;
    drop_controls(text);
    GPtrArray *lines = ex_lines_from_text(text);
    free(text);
    return lines;
}

/* ---- writing the template -------------------------------------------------------------------- */

typedef struct {
    xmlTextWriterPtr w;
    ex_slots *slots;
    gboolean title;      /* a space in a title is an ideographic space in print */
} out;

static void put_text(void *user, const char *s, size_t len)
{
    out *o = user;
    char *piece = g_strndup(s, len);
    char *plain = ex_plain(piece);
    if (o->title) {
        char **parts = g_strsplit(plain, " ", -1);
        g_free(plain);
        plain = g_strjoinv("　", parts);
        g_strfreev(parts);
    }
    xmlTextWriterWriteString(o->w, (const xmlChar *)plain);
    g_free(plain);
    g_free(piece);
}

static void put_slot(void *user, const ex_slot *slot)
{
    out *o = user;
    xmlTextWriterStartElement(o->w, BAD_CAST "v");
    xmlTextWriterWriteAttribute(o->w, BAD_CAST "name", BAD_CAST slot->name);
    xmlTextWriterEndElement(o->w);
}

static void inline_text(out *o, const char *text)
{
    ex_sink sink = { put_text, put_slot, o };
    ex_slots_scan(o->slots, text, &sink);
}

static void nl(out *o, int depth)
{
    static const char spaces[] = "\n            ";
    xmlTextWriterWriteRawLen(o->w, BAD_CAST spaces, 1 + 2 * depth);
}

/* <NAME [attr="value"]>text</NAME> on a line of its own. */
static void element(out *o, int depth, const char *name, const char *attr, const char *value,
                    const char *text)
{
    nl(o, depth);
    xmlTextWriterStartElement(o->w, BAD_CAST name);
    if (attr)
        xmlTextWriterWriteAttribute(o->w, BAD_CAST attr, BAD_CAST value);
    inline_text(o, text);
    xmlTextWriterEndElement(o->w);
}

static void empty(out *o, int depth, const char *name, const char *attr, const char *value)
{
    nl(o, depth);
    xmlTextWriterStartElement(o->w, BAD_CAST name);
    if (attr)
        xmlTextWriterWriteAttribute(o->w, BAD_CAST attr, BAD_CAST value);
    xmlTextWriterEndElement(o->w);
}

static void comment(out *o, int depth, const char *text)
{
    nl(o, depth);
    xmlTextWriterWriteComment(o->w, BAD_CAST text);
}

static void title(out *o, const char *text)
{
    nl(o, 2);
    xmlTextWriterStartElement(o->w, BAD_CAST "title");
    o->title = TRUE;
    char **lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        if (i)
            xmlTextWriterWriteElement(o->w, BAD_CAST "br", NULL);
        inline_text(o, lines[i]);
    }
    g_strfreev(lines);
    o->title = FALSE;
    xmlTextWriterEndElement(o->w);
}

static const char *const level_styles[] = { "一级标题", "二级标题", "三级标题", "四级标题" };

static void table(out *o, GPtrArray *rows)
{
    guint cols = 0;
    for (guint r = 0; r < rows->len; r++)
        cols = MAX(cols, ((GPtrArray *)g_ptr_array_index(rows, r))->len);
    GString *widths = g_string_new(NULL);
    for (guint c = 0; c < cols; c++)
        g_string_append(widths, c ? " 1" : "1");
    nl(o, 2);
    xmlTextWriterStartElement(o->w, BAD_CAST "table");
    xmlTextWriterWriteAttribute(o->w, BAD_CAST "widths", BAD_CAST widths->str);
    g_string_free(widths, TRUE);
    for (guint r = 0; r < rows->len; r++) {
        GPtrArray *row = g_ptr_array_index(rows, r);
        nl(o, 3);
        xmlTextWriterStartElement(o->w, BAD_CAST "tr");
        for (guint c = 0; c < cols; c++) {
            xmlTextWriterStartElement(o->w, BAD_CAST(r == 0 ? "th" : "td"));
            if (c < row->len)
                inline_text(o, g_ptr_array_index(row, c));
            xmlTextWriterEndElement(o->w);
        }
        xmlTextWriterEndElement(o->w);
    }
    nl(o, 2);
    xmlTextWriterEndElement(o->w);
}

/* A paragraph, its run-in heading in the heading's face (GB/T 9704 §7.3.3: 一、黑体, （一）楷体). */
static void paragraph(out *o, const ex_block *b)
{
    if (!b->runin) {
        element(o, 2, "p", NULL, NULL, b->text);
        return;
    }
    nl(o, 2);
    xmlTextWriterStartElement(o->w, BAD_CAST "p");
    xmlTextWriterStartElement(o->w, BAD_CAST "span");
    xmlTextWriterWriteAttribute(o->w, BAD_CAST "style", BAD_CAST level_styles[b->runin_level - 1]);
    char *head = g_strndup(b->text, b->runin);
    inline_text(o, head);
    g_free(head);
    xmlTextWriterEndElement(o->w);
    inline_text(o, b->text + b->runin);
    xmlTextWriterEndElement(o->w);
}

static void signature(out *o, const ex_doc *doc)
{
    nl(o, 2);
    xmlTextWriterStartElement(o->w, BAD_CAST "signature");
    for (guint i = 0; i < doc->blocks->len; i++) {
        const ex_block *b = g_ptr_array_index(doc->blocks, i);
        if (b->kind == EX_ISSUER)
            element(o, 3, "issuer", NULL, NULL, b->text);
    }
    for (guint i = 0; i < doc->blocks->len; i++) {
        const ex_block *b = g_ptr_array_index(doc->blocks, i);
        if (b->kind == EX_DATE)
            element(o, 3, "date", NULL, NULL, b->text);
    }
    nl(o, 2);
    xmlTextWriterEndElement(o->w);
}

/* The 版记 of a document that has no shared one (a 纪要's 分送): rules and lines as
 * common/end-block.xml sets them (GB/T 9704 §7.4), the source's words kept. */
static void literal_end(out *o, const ex_doc *doc)
{
    nl(o, 2);
    xmlTextWriterStartElement(o->w, BAD_CAST "end");
    xmlTextWriterWriteAttribute(o->w, BAD_CAST "even-page", BAD_CAST "yes");
    empty(o, 3, "rule", "thickness", "0.35mm");
    for (guint i = 0; i < doc->blocks->len; i++) {
        const ex_block *b = g_ptr_array_index(doc->blocks, i);
        if (b->kind == EX_CC) {
            element(o, 3, "p", "style", "抄送", b->text);
            empty(o, 3, "rule", "thickness", "0.25mm");
        } else if (b->kind == EX_PRINTED) {
            element(o, 3, "p", "style", "版记", b->text);
        }
    }
    empty(o, 3, "rule", "thickness", "0.35mm");
    nl(o, 2);
    xmlTextWriterEndElement(o->w);
}

static const char *first_title(const ex_doc *doc)
{
    for (guint i = 0; i < doc->blocks->len; i++) {
        const ex_block *b = g_ptr_array_index(doc->blocks, i);
        if (b->kind == EX_TITLE)
            return b->text;
    }
    return NULL;
}

/* The masthead of a 纪要 (GB/T 9704 §10.3: the red 纪要标志 35 mm below the top of the type
 * area, as templates/minutes sets it) or of a bulletin (templates/bulletin: its name large and
 * red, the issue under it): the issue number, the compiling office and the date on one line, a
 * red rule. The 纪要标志 is the source's title. */
static void masthead(out *o, const ex_doc *doc, const char *title_text)
{
    gboolean minutes = doc->family == EX_MINUTES;
    if (minutes) {
        nl(o, 2);
        xmlTextWriterStartElement(o->w, BAD_CAST "block");
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "position", BAD_CAST "top");
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "offset", BAD_CAST "35mm");
        nl(o, 3);
        xmlTextWriterStartElement(o->w, BAD_CAST "stack");
        xmlTextWriterWriteAttribute(o->w, BAD_CAST "style", BAD_CAST "纪要标志");
        char **lines = g_strsplit(title_text, "\n", -1);
        for (int i = 0; lines[i]; i++)
            element(o, 4, "line", NULL, NULL, lines[i]);
        g_strfreev(lines);
        nl(o, 3);
        xmlTextWriterEndElement(o->w);
        nl(o, 2);
        xmlTextWriterEndElement(o->w);
    } else {
        nl(o, 2);
        xmlTextWriterWriteRaw(o->w, BAD_CAST "<p style=\"报头\"><v name=\"简报名称\"/></p>");
    }
    nl(o, 2);
    xmlTextWriterWriteRaw(o->w, BAD_CAST "<p style=\"期号\">第<v name=\"期号\"/>期</p>");
    nl(o, 2);
    xmlTextWriterWriteRaw(o->w, BAD_CAST "<row style=\"报头行\"><left inset=\"1\"><v name=\"编印单位\"/>"
                                         "</left><right inset=\"1\"><v name=\"日期\"/></right></row>");
    nl(o, 2);
    xmlTextWriterWriteRaw(o->w, BAD_CAST(minutes ? "<rule thickness=\"0.5mm\" color=\"red\" space-before=\"4mm\"/>"
                                                 : "<rule thickness=\"1mm\" color=\"red\" space-before=\"3mm\"/>"));
}

/* The name of a bulletin when the source's title is one ("工作简报", "工会动态"): the masthead's,
 * and the article has no title of its own; else NULL. */
static const char *bulletin_name(const ex_doc *doc)
{
    static const char *const names[] = { "简报", "简讯", "动态", "快报", "通讯", NULL };
    const char *t = first_title(doc);
    for (int i = 0; t && doc->family == EX_ARTICLE && names[i]; i++)
        if (g_str_has_suffix(t, names[i]) && !strchr(t, '\n') && g_utf8_strlen(t, -1) <= 12)
            return t;
    return NULL;
}

/* Whether the family sets a masthead of its own (masthead()). */
static gboolean has_masthead(const ex_doc *doc)
{
    return doc->family == EX_MINUTES || doc->family == EX_ARTICLE;
}

static gboolean has(const ex_doc *doc, ex_kind kind)
{
    for (guint i = 0; i < doc->blocks->len; i++)
        if (((ex_block *)g_ptr_array_index(doc->blocks, i))->kind == kind)
            return TRUE;
    return FALSE;
}

/* The body: the family's shared parts around the source's blocks. */
static void write_body(out *o, const ex_doc *doc)
{
    gboolean red = doc->family == EX_RED;
    if (red) {
        comment(o, 2, " 版头 GB/T 9704 §7.2: shared by every red-header type ");
        empty(o, 2, "include", "src", "../common/red-header.xml");
    }
    gboolean signed_ = FALSE;
    for (guint i = 0; i < doc->blocks->len; i++) {
        const ex_block *b = g_ptr_array_index(doc->blocks, i);
        switch (b->kind) {
        case EX_TITLE:
            if (doc->family == EX_MINUTES) {
                masthead(o, doc, b->text); /* the title is the 纪要标志 */
            } else if (doc->family == EX_ARTICLE) {
                masthead(o, doc, b->text);
                if (!bulletin_name(doc)) {
                    comment(o, 2, " the article's title: 二号小标宋, centred (templates/bulletin) ");
                    element(o, 2, "p", "style", "文章标题", b->text);
                }
            } else {
                title(o, b->text);
            }
            break;
        case EX_SUBTITLE: element(o, 2, "subtitle", NULL, NULL, b->text); break;
        case EX_SALUTATION: element(o, 2, "salutation", NULL, NULL, b->text); break;
        case EX_H1: case EX_H2: case EX_H3: case EX_H4: {
            char name[3] = { 'h', (char)('1' + b->kind - EX_H1), 0 };
            element(o, 2, name, b->numbered ? NULL : "number", "none", b->text);
            break;
        }
        case EX_PARA: paragraph(o, b); break;
        case EX_TABLE: table(o, b->rows); break;
        case EX_ATTACH: element(o, 2, "p", "style", "附件说明", b->text); break;
        case EX_ATTACH_MORE: element(o, 2, "p", "style", "附件续", b->text); break;
        case EX_ROSTER: {
            gboolean first = i == 0 || ((ex_block *)g_ptr_array_index(doc->blocks, i - 1))->kind != EX_ROSTER;
            const char *colon = strstr(b->text, "：");
            nl(o, 2);
            xmlTextWriterStartElement(o->w, BAD_CAST "p");
            xmlTextWriterWriteAttribute(o->w, BAD_CAST "style", BAD_CAST(first ? "名单首" : "名单"));
            xmlTextWriterStartElement(o->w, BAD_CAST "span");
            xmlTextWriterWriteAttribute(o->w, BAD_CAST "style", BAD_CAST "名单标签");
            char *label = g_strndup(b->text, colon ? (size_t)(colon - b->text) + strlen("：") : 0);
            inline_text(o, label);
            xmlTextWriterEndElement(o->w);
            inline_text(o, b->text + strlen(label));
            g_free(label);
            xmlTextWriterEndElement(o->w);
            break;
        }
        case EX_DATE:
            if (!has(doc, EX_ISSUER)) {
                /* A date without an issuer above it: the 落款 line of the base, right-aligned. */
                element(o, 2, "p", "style", "落款", b->text);
                break;
            }
            /* fall through */
        case EX_ISSUER:
            if (!signed_) {
                comment(o, 2, " GB/T 9704 §7.3.5: the signature, placed by the standard ");
                signature(o, doc);
            }
            signed_ = TRUE;
            break;
        case EX_NOTE: element(o, 2, "p", "style", "附注", b->text); break;
        case EX_CC: case EX_PRINTED: break;
        }
    }
    if (red) {
        comment(o, 2, " 版记 GB/T 9704 §7.4: shared by every red-header type ");
        empty(o, 2, "include", "src", "../common/end-block.xml");
    } else if (has(doc, EX_CC) || has(doc, EX_PRINTED)) {
        literal_end(o, doc);
    }
}

static void style(out *o, const char *name, const char *const *attrs)
{
    nl(o, 2);
    xmlTextWriterStartElement(o->w, BAD_CAST "style");
    xmlTextWriterWriteAttribute(o->w, BAD_CAST "name", BAD_CAST name);
    for (int i = 0; attrs[i]; i += 2)
        xmlTextWriterWriteAttribute(o->w, BAD_CAST attrs[i], BAD_CAST attrs[i + 1]);
    xmlTextWriterEndElement(o->w);
}

/* The styles the family's types define: the values of common/red-document.xml,
 * templates/minutes and common/end-block.xml. */
static void write_styles(out *o, const ex_doc *doc)
{
    nl(o, 1);
    xmlTextWriterStartElement(o->w, BAD_CAST "styles");
    if (doc->family == EX_RED)
        style(o, "标题", (const char *const[]){ "space-before", "2", NULL });
    if (doc->family == EX_MINUTES) {
        /* templates/minutes: the 纪要标志 红色小标宋, set smaller when long; the issue line. */
        style(o, "纪要标志", (const char *const[]){ "base", "标题", "size", "小初", "color", "red", NULL });
        style(o, "期号", (const char *const[]){ "base", "正文", "indent", "0", "align", "center",
                                               "space-before", "2", NULL });
        style(o, "报头行", (const char *const[]){ "base", "正文", "indent", "0", "space-before", "1", NULL });
    }
    if (doc->family == EX_ARTICLE) {
        /* templates/bulletin: the name 初号 red, the issue in 楷体, the article's title 二号. */
        style(o, "报头", (const char *const[]){ "base", "标题", "size", "初号", "color", "red", NULL });
        style(o, "期号", (const char *const[]){ "base", "正文", "role", "楷体", "indent", "0",
                                               "align", "center", NULL });
        style(o, "报头行", (const char *const[]){ "base", "正文", "indent", "0", "space-before", "1", NULL });
        style(o, "文章标题", (const char *const[]){ "base", "标题", "space-before", "1", NULL });
    }
    if (has(doc, EX_NOTE))
        style(o, "附注", (const char *const[]){ "base", "正文", NULL });
    if (has(doc, EX_ATTACH)) {
        style(o, "附件说明", (const char *const[]){ "base", "正文", "space-before", "1",
                                                   "margin-left", "6", "indent", "-4", NULL });
        style(o, "附件续", (const char *const[]){ "base", "正文", "margin-left", "6", "indent", "-1",
                                                 NULL });
    }
    if (has(doc, EX_ROSTER)) {
        style(o, "名单", (const char *const[]){ "base", "正文", "margin-left", "5", "indent", "-3", NULL });
        style(o, "名单首", (const char *const[]){ "base", "名单", "space-before", "1", NULL });
        style(o, "名单标签", (const char *const[]){ "base", "正文", "role", "黑体", NULL });
    }
    if (doc->family != EX_RED && (has(doc, EX_CC) || has(doc, EX_PRINTED))) {
        style(o, "抄送", (const char *const[]){ "base", "正文", "size", "四号", "margin-left", "4",
                                               "margin-right", "1", "indent", "-3", NULL });
        style(o, "版记", (const char *const[]){ "base", "正文", "size", "四号", "indent", "1", NULL });
    }
    nl(o, 1);
    xmlTextWriterEndElement(o->w);
}

/* template.xml as a string, its slots named in `slots`. */
static char *write_template(const ex_doc *doc, ex_slots *slots, const char *name, const char *src)
{
    /* The names the shared parts and the masthead declare: common/red-header.xml's and
     * common/end-block.xml's, the masthead's. */
    static const char *const taken[] = { "份号", "密级", "紧急程度", "发文机关", "发文字号", "签发人",
                                         "抄送", "印发机关", "印发日期", "简报名称", "期号",
                                         "编印单位", "日期", NULL };
    for (int i = 0; taken[i]; i++)
        ex_slots_reserve(slots, taken[i]);
    /* The body first, into a buffer of its own: its X's make the slots declared before it. */
    xmlBufferPtr body = xmlBufferCreate();
    out o = { xmlNewTextWriterMemory(body, 0), slots, FALSE };
    /* Declared UTF-8 so that attributes keep their characters (a writer without an encoding
     * writes 年度 as &#x5E74;&#x5EA6;); the declaration is dropped below. */
    xmlTextWriterStartDocument(o.w, NULL, "UTF-8", NULL);
    xmlTextWriterStartElement(o.w, BAD_CAST "body");
    write_body(&o, doc);
    nl(&o, 1);
    xmlTextWriterEndElement(o.w);
    xmlTextWriterEndDocument(o.w);
    xmlFreeTextWriter(o.w);
    const char *body_xml = strstr((const char *)xmlBufferContent(body), "<body");

    xmlBufferPtr buf = xmlBufferCreate();
    o.w = xmlNewTextWriterMemory(buf, 0);
    xmlTextWriterStartDocument(o.w, NULL, "UTF-8", NULL);
    char *source = g_path_get_basename(src);
    gboolean genre = doc->genre && doc->family != EX_MINUTES;
    char *about = g_strdup_printf(" %s%s%s%s, extracted by yinfa extract from %s; the shared "
                                  "parts of its family come from ../common/. ",
                                  ex_family_name(doc->family), genre ? "（" : "",
                                  genre ? doc->genre : "", genre ? "）" : "", source);
    g_free(source);
    xmlTextWriterWriteRaw(o.w, BAD_CAST "\n");
    xmlTextWriterWriteComment(o.w, BAD_CAST about);
    g_free(about);
    xmlTextWriterWriteRaw(o.w, BAD_CAST "\n");
    xmlTextWriterStartElement(o.w, BAD_CAST "template");
    xmlTextWriterWriteAttribute(o.w, BAD_CAST "version", BAD_CAST "1");
    xmlTextWriterWriteAttribute(o.w, BAD_CAST "extends", BAD_CAST "../common/gbt9704.xml");
    nl(&o, 1);
    xmlTextWriterStartElement(o.w, BAD_CAST "info");
    nl(&o, 2);
    xmlTextWriterWriteElement(o.w, BAD_CAST "name", BAD_CAST name);
    nl(&o, 2);
    char *base = g_path_get_basename(src);
    char *desc = g_strdup_printf("%s%s%s，由 %s 提取：请核对槽位的名称、类型和示例。",
                                 ex_family_name(doc->family), genre ? "·" : "",
                                 genre ? doc->genre : "", base);
    g_free(base);
    xmlTextWriterWriteElement(o.w, BAD_CAST "description", BAD_CAST desc);
    g_free(desc);
    nl(&o, 1);
    xmlTextWriterEndElement(o.w);
    write_styles(&o, doc);
    nl(&o, 1);
    xmlTextWriterStartElement(o.w, BAD_CAST "slots");
    if (has_masthead(doc)) {
        static const char *const fixed[][4] = {
            { "简报名称", "text", "工作简报", "简报名称" }, { "期号", "integer", "12", "期号" },
            { "编印单位", "text", "宁波市总工会办公室", "编印单位" }, { "日期", "date", "2026-01-12", "日期" },
        };
        for (size_t k = doc->family == EX_MINUTES ? 1 : 0; k < G_N_ELEMENTS(fixed); k++) {
            nl(&o, 2);
            xmlTextWriterStartElement(o.w, BAD_CAST "slot");
            xmlTextWriterWriteAttribute(o.w, BAD_CAST "name", BAD_CAST fixed[k][0]);
            xmlTextWriterWriteAttribute(o.w, BAD_CAST "type", BAD_CAST fixed[k][1]);
            xmlTextWriterWriteAttribute(o.w, BAD_CAST "label", BAD_CAST fixed[k][3]);
            const char *value = k == 0 && bulletin_name(doc) ? bulletin_name(doc) : fixed[k][2];
            xmlTextWriterWriteAttribute(o.w, BAD_CAST(k == 0 ? "default" : "example"), BAD_CAST value);
            xmlTextWriterEndElement(o.w);
        }
    }
    for (guint i = 0; i < ex_slots_count(slots); i++) {
        const ex_slot *s = ex_slots_get(slots, i);
        nl(&o, 2);
        xmlTextWriterStartElement(o.w, BAD_CAST "slot");
        xmlTextWriterWriteAttribute(o.w, BAD_CAST "name", BAD_CAST s->name);
        xmlTextWriterWriteAttribute(o.w, BAD_CAST "type", BAD_CAST s->type);
        if (s->chinese)
            xmlTextWriterWriteAttribute(o.w, BAD_CAST "numerals", BAD_CAST "chinese");
        xmlTextWriterWriteAttribute(o.w, BAD_CAST "label", BAD_CAST s->name);
        xmlTextWriterWriteAttribute(o.w, BAD_CAST "example", BAD_CAST s->example);
        xmlTextWriterEndElement(o.w);
    }
    nl(&o, 1);
    xmlTextWriterEndElement(o.w);
    nl(&o, 1);
    xmlTextWriterFlush(o.w);
    xmlTextWriterWriteRaw(o.w, BAD_CAST g_strchomp((char *)body_xml));
    xmlTextWriterWriteRaw(o.w, BAD_CAST "\n");
    xmlTextWriterEndElement(o.w);
    xmlTextWriterEndDocument(o.w);
    xmlFreeTextWriter(o.w);
    char *xml = g_strdup((const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
    xmlBufferFree(body);
    return xml;
}

/* ---- data.json --------------------------------------------------------------------------------- */

static char *iso_date(const char *s)
{
    int y, m, d;
    return ex_parse_date(s, &y, &m, &d) ? g_strdup_printf("%04d-%02d-%02d", y, m, d) : NULL;
}

static const char *first_text(const ex_doc *doc, ex_kind kind)
{
    for (guint i = 0; i < doc->blocks->len; i++) {
        const ex_block *b = g_ptr_array_index(doc->blocks, i);
        if (b->kind == kind)
            return b->text;
    }
    return NULL;
}

/* "抄送：市委办公室，市政府办公室。" -> its bodies, split at the ，、 outside brackets. */
static JsonArray *cc_list(const char *line)
{
    JsonArray *a = json_array_new();
    const char *colon = strstr(line, "：");
    const char *p = colon ? colon + strlen("：") : line;
    GString *item = g_string_new(NULL);
    int depth = 0;
    for (; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        depth += c == 0xFF08 ? 1 : c == 0xFF09 ? -1 : 0;
        if ((c == 0xFF0C || c == 0x3001 || c == 0x3002) && depth <= 0) {
            if (item->len)
                json_array_add_string_element(a, item->str);
            g_string_truncate(item, 0);
        } else {
            g_string_append_unichar(item, c);
        }
    }
    if (item->len)
        json_array_add_string_element(a, item->str);
    g_string_free(item, TRUE);
    return a;
}

/* "甬工〔2026〕5号　　签发人：张三" (GB/T 9704 §7.2.4) into 发文字号's 机关代字, 年份 and 序号 and
 * the 签发人; returns whether there was a 签发人. */
static gboolean fill_number(JsonObject *root, JsonObject *number, const char *line)
{
    const char *open = strstr(line, "〔"), *close = open ? strstr(open, "〕") : NULL;
    const char *hao = close ? strstr(close, "号") : NULL;
    if (!hao)
        return FALSE;
    char *code = g_strstrip(g_strndup(line, open - line));
    if (*code)
        json_object_set_string_member(number, "机关代字", code);
    g_free(code);
    json_object_set_int_member(number, "年份", g_ascii_strtoll(open + strlen("〔"), NULL, 10));
    json_object_set_int_member(number, "序号", g_ascii_strtoll(close + strlen("〕"), NULL, 10));
    const char *signer = strstr(hao, "签发人：");
    if (!signer)
        return FALSE;
    char *name = g_strstrip(g_strdup(signer + strlen("签发人：")));
    json_object_set_string_member(root, "签发人", name);
    g_free(name);
    return TRUE;
}

/* The red-header parts' data from what the source says: the issuer is the 发文机关, the date's
 * year the 发文字号's, the 版记's lines its 抄送, 印发机关 and 印发日期; a 签发人 only for the
 * upward documents (请示, 报告: GB/T 9704 §7.2.4). */
static void fill_red(JsonObject *root, const ex_doc *doc)
{
    const char *issuer = first_text(doc, EX_ISSUER), *date = first_text(doc, EX_DATE);
    if (doc->masthead)
        issuer = doc->masthead;
    if (issuer) {
        JsonArray *a = json_array_new();
        char *plain = ex_plain(issuer);
        json_array_add_string_element(a, plain);
        g_free(plain);
        json_object_set_array_member(root, "发文机关", a);
    }
    int y, m, d;
    JsonObject *number = json_object_has_member(root, "发文字号")
                             ? json_object_get_object_member(root, "发文字号") : NULL;
    if (date && number && ex_parse_date(date, &y, &m, &d))
        json_object_set_int_member(number, "年份", y);
    /* 份号, 密级, 紧急程度 (§7.2.1–7.2.3) only where a document has them: the source did not. */
    static const char *const absent[] = { "份号", "密级", "紧急程度", NULL };
    for (int i = 0; absent[i]; i++)
        if (json_object_has_member(root, absent[i]))
            json_object_remove_member(root, absent[i]);
    gboolean signer = doc->number && number && fill_number(root, number, doc->number);
    gboolean upward = signer || (doc->genre && (strcmp(doc->genre, "请示") == 0 ||
                                                strcmp(doc->genre, "报告") == 0));
    if (!upward && json_object_has_member(root, "签发人"))
        json_object_remove_member(root, "签发人");
    const char *cc = first_text(doc, EX_CC), *printed = first_text(doc, EX_PRINTED);
    if (cc)
        json_object_set_array_member(root, "抄送", cc_list(cc));
    else if (json_object_has_member(root, "抄送"))
        json_object_remove_member(root, "抄送");
    if (printed) {
        /* "宁波市总工会办公室　2026年1月12日印发": the office before the date. */
        char *s = g_strndup(printed, strlen(printed) - strlen("印发"));
        char *cut = s + strlen(s);
        char *when = NULL;
        for (char *p = s; *p && !when; p = g_utf8_next_char(p))
            if ((g_ascii_isdigit(*p) || g_str_has_prefix(p, "二")) && (when = iso_date(p)))
                cut = p;
        char saved = *cut;
        *cut = '\0';
        char *office = g_strstrip(g_strdup(s));
        *cut = saved;
        /* ASCII or ideographic spaces between the office and the date. */
        while (g_str_has_suffix(office, "　"))
            office[strlen(office) - strlen("　")] = '\0';
        if (*office)
            json_object_set_string_member(root, "印发机关", office);
        if (when)
            json_object_set_string_member(root, "印发日期", when);
        g_free(office);
        g_free(when);
        g_free(s);
    } else if (date) {
        char *when = iso_date(date);
        if (when)
            json_object_set_string_member(root, "印发日期", when);
        g_free(when);
    }
}

/* data.json: the loaded template's skeleton (every slot's example), and for the shared parts
 * what the source says. */
static char *write_data(const yf_template *t, const ex_doc *doc)
{
    char *skeleton = yf_template_skeleton_json(t);
    JsonParser *p = json_parser_new();
    char *out = NULL;
    if (json_parser_load_from_data(p, skeleton, -1, NULL) &&
        JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
        JsonNode *root = json_parser_get_root(p);
        if (doc->family == EX_RED)
            fill_red(json_node_get_object(root), doc);
        JsonGenerator *g = json_generator_new();
        json_generator_set_pretty(g, TRUE);
        json_generator_set_indent(g, 2);
        json_generator_set_root(g, root);
        char *s = json_generator_to_data(g, NULL);
        out = g_strconcat(s, "\n", NULL);
        g_free(s);
        g_object_unref(g);
    }
    g_object_unref(p);
    free(skeleton);
    return out;
}

/* ---- the report, the folder, the command --------------------------------------------------- */

/* How to call this program in a command the user can paste: "yinfa" when that is the one on
 * PATH, else its own path. */
static char *program(void)
{
    char *self = g_file_read_link("/proc/self/exe", NULL);
    char *onpath = g_find_program_in_path("yinfa");
    char *real = onpath ? realpath(onpath, NULL) : NULL;
    char *out = self && real && strcmp(self, real) == 0 ? g_strdup("yinfa")
                                                        : g_shell_quote(self ? self : "yinfa");
    free(real);
    g_free(onpath);
    g_free(self);
    return out;
}

static void report(const ex_doc *doc, ex_slots *slots, const char *dir, const char *ref,
                   const char *data)
{
    int counts[EX_PRINTED + 1] = { 0 };
    for (guint i = 0; i < doc->blocks->len; i++)
        counts[((ex_block *)g_ptr_array_index(doc->blocks, i))->kind]++;
    GString *why = g_string_new(NULL);
    for (guint i = 0; i < doc->why->len; i++)
        g_string_append_printf(why, "%s%s", i ? "，" : "", (char *)g_ptr_array_index(doc->why, i));
    fprintf(stderr, "识别为%s%s%s%s（%s）\n", ex_family_name(doc->family), doc->genre ? "（" : "",
            doc->genre ? doc->genre : "", doc->genre ? "）" : "", why->str);
    g_string_free(why, TRUE);
    if (doc->family == EX_RED)
        fprintf(stderr, "  版头和版记取自共用部分 common/red-header.xml、common/end-block.xml\n");
    fprintf(stderr, "  结构：标题 %d，副标题 %d，主送/称呼 %d，一级标题 %d，二级标题 %d，三级标题 %d，"
                    "四级标题 %d，段落 %d，表格 %d，附件说明 %d，署名 %d，日期 %d，附注 %d，版记 %d 行\n",
            counts[EX_TITLE], counts[EX_SUBTITLE], counts[EX_SALUTATION], counts[EX_H1],
            counts[EX_H2], counts[EX_H3], counts[EX_H4], counts[EX_PARA] + counts[EX_ROSTER],
            counts[EX_TABLE], counts[EX_ATTACH] + counts[EX_ATTACH_MORE], counts[EX_ISSUER],
            counts[EX_DATE], counts[EX_NOTE], counts[EX_CC] + counts[EX_PRINTED]);
    guint listed = 0;
    for (guint i = 0; i < doc->lines->len; i++)
        listed += ((ex_line *)g_ptr_array_index(doc->lines, i))->list_numbered;
    if (listed)
        fprintf(stderr, "  注意：%u 个段落由 Word 的自动编号编号，编号不在文字中，未能识别为标题；"
                        "请在模板中改为 <h1> 等标题\n", listed);
    fprintf(stderr, "  槽位 %u 个%s\n", ex_slots_count(slots), ex_slots_count(slots) ? "：" : "");
    for (guint i = 0; i < ex_slots_count(slots); i++) {
        const ex_slot *s = ex_slots_get(slots, i);
        fprintf(stderr, "    %s（%s）：%s\n", s->name, s->type, s->why);
    }
    char *prog = program();
    fprintf(stderr, "已写入 %s（template.xml、data.json、README.md）\n试一试：\n", dir);
    fprintf(stderr, "  %s render %s --draft -o draft.pdf\n", prog, ref);
    fprintf(stderr, "  %s check %s %s\n", prog, ref, data);
    fprintf(stderr, "  %s render %s %s -o out.pdf\n", prog, ref, data);
    g_free(prog);
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

static char *readme(const char *name, const char *src, const ex_doc *doc, ex_slots *slots,
                    const char *ref, const char *data)
{
    GString *r = g_string_new(NULL);
    char *base = g_path_get_basename(src);
    g_string_append_printf(r, "# %s\n\n由 `yinfa extract %s --name %s` 从一份原文提取：%s%s%s。\n\n",
                           name, base, name, ex_family_name(doc->family), doc->genre ? "·" : "",
                           doc->genre ? doc->genre : "");
    g_free(base);
    g_string_append(r, "- `template.xml`：模板。原文中的“X”和 Word 中加底纹的文字都已成为槽位，"
                       "请核对名称、类型和示例：\n");
    for (guint i = 0; i < ex_slots_count(slots); i++) {
        const ex_slot *s = ex_slots_get(slots, i);
        g_string_append_printf(r, "  - `%s`（%s）：%s\n", s->name, s->type, s->why);
    }
    if (doc->family == EX_RED)
        g_string_append(r, "- 版头（发文机关标志、发文字号）和版记取自 `../common/` 的共用部分，"
                           "其数据在 `data.json` 中。\n");
    g_string_append(r, "- `data.json`：示例数据。\n\n检查：\n\n```sh\n");
    g_string_append_printf(r, "yinfa render %s --draft -o draft.pdf\nyinfa render %s %s -o out.pdf\n```\n",
                           ref, ref, data);
    return g_string_free(r, FALSE);
}

static void usage(void)
{
    fprintf(stderr, "用法：yinfa extract SOURCE.txt|SOURCE.docx --name NEWTYPE [-o DIR] [-q]\n"
                    "（NEWTYPE 是新模板的名字，不含“/”，不以“.”开头；默认写到用户模板目录 "
                    "$XDG_DATA_HOME/yinfa/templates/NEWTYPE/）\n");
}

/* The folder to write: -o DIR, or the user's templates folder. NULL after saying why. */
static char *target_dir(const char *out, const char *name)
{
    if (out)
        return g_strdup(out);
    char *user = cli_user_templates();
    if (!user) {
        fprintf(stderr, "yinfa extract: 没有用户目录（HOME 未设置）；请用 -o DIR 指定输出目录\n");
        return NULL;
    }
    char *dir = g_build_filename(user, name, NULL);
    free(user);
    return dir;
}

/* How the commands name the new type: by its name when that finds it, else by its folder. */
static char *type_ref(const char *dir, const char *name)
{
    char *found = cli_find_template(name);
    char *mine = g_build_filename(dir, "template.xml", NULL);
    char *a = found ? realpath(found, NULL) : NULL, *b = realpath(mine, NULL);
    char *ref = a && b && strcmp(a, b) == 0 ? shell_arg(name) : g_shell_quote(dir);
    free(a);
    free(b);
    free(found);
    g_free(mine);
    return ref;
}

/* A folder this run made, emptied and removed again: nothing half-made is left. */
static void remove_written(const char *dir)
{
    static const char *const files[] = { "template.xml", "data.json", "README.md", NULL };
    for (int i = 0; files[i]; i++) {
        char *path = g_build_filename(dir, files[i], NULL);
        g_remove(path);
        g_free(path);
    }
    g_rmdir(dir);
}

/* Whether the new type's draft (every slot an X) lays out with no error: bound, composed,
 * paginated and checked page by page as render would. */
static int lays_out(yf_context *ctx, const yf_template *t, yf_diags *d)
{
    yf_document *doc = yf_document_bind(t, NULL, YF_BIND_DRAFT, d);
    yf_layout *layout = doc ? yf_layout_new(ctx, doc, d) : NULL;
    int ok = layout != NULL;
    yf_layout_free(layout);
    yf_document_free(doc);
    return ok;
}

static int finish(const char *dir, const char *name, const char *src, ex_doc *doc,
                  ex_slots *slots)
{
    char *xml = write_template(doc, slots, name, src);
    int rc = 0;
    /* The engine reads templates of 1 MiB at most (with their parts): a longer source makes a
     * template no command could read. */
    if (strlen(xml) > EXTRACT_MAX_TEMPLATE) {
        fprintf(stderr, "yinfa extract: %s: 原文过长：生成的模板有 %zu 字节，超过模板 %d KiB 的上限；"
                        "请只提取一份公文\n", src, strlen(xml), EXTRACT_MAX_TEMPLATE / 1024);
        g_free(xml);
        return EXIT_PROBLEM;
    }
    if (g_mkdir_with_parents(dir, 0777) != 0) {
        fprintf(stderr, "yinfa extract: 无法创建 %s：%s\n", dir, g_strerror(errno));
        g_free(xml);
        return EXIT_PROBLEM;
    }
    if (write_file(dir, "template.xml", xml)) {
        g_free(xml);
        remove_written(dir);
        return EXIT_PROBLEM;
    }
    g_free(xml);
    /* The template as the other commands will read it: loaded, its skeleton the data. */
    yf_diags *d = yf_diags_new();
    yf_context *ctx = cli_open_context(NULL, d);
    char *path = g_build_filename(dir, "template.xml", NULL);
    yf_template *t = ctx ? yf_template_load(ctx, path, d) : NULL;
    g_free(path);
    char *data = t ? write_data(t, doc) : NULL;
    if (!t || !data || write_file(dir, "data.json", data)) {
        fprintf(stderr, "yinfa extract: 生成的模板无法读取（请报告这个问题）：\n");
        rc = EXIT_PROBLEM;
    } else if (!lays_out(ctx, t, d)) {
        /* Never a type that exits 0 here and fails at its first render. */
        fprintf(stderr, "yinfa extract: 生成的模板排不出合格的版面（请报告这个问题）：\n");
        rc = EXIT_PROBLEM;
    }
    yf_template_free(t);
    yf_context_free(ctx);
    if (rc) {
        for (size_t i = 0; i < yf_diags_count(d); i++)
            if (yf_diags_severity(d, i) == YF_ERROR)
                fprintf(stderr, "%s\n", yf_diags_message(d, i));
        yf_diags_free(d);
        g_free(data);
        remove_written(dir);
        return rc;
    }
    yf_diags_free(d);
    char *ref = type_ref(dir, name);
    char *data_path = g_build_filename(dir, "data.json", NULL);
    char *data_ref = g_shell_quote(data_path);
    char *text = readme(name, src, doc, slots, ref, data_ref);
    rc = write_file(dir, "README.md", text) ? EXIT_PROBLEM : 0;
    if (rc)
        remove_written(dir);
    if (!rc && !cli_quiet)
        report(doc, slots, dir, ref, data_ref);
    g_free(text);
    g_free(data_ref);
    g_free(data_path);
    g_free(ref);
    g_free(data);
    return rc;
}

/* A type name: valid UTF-8 without control or invisible format characters (a U+202E would make
 * the folder's name read backwards; a newline would break the commands printed for it). */
static int name_ok(const char *name)
{
    if (!g_utf8_validate(name, -1, NULL))
        return 0;
    for (const char *p = name; *p; p = g_utf8_next_char(p)) {
        GUnicodeType t = g_unichar_type(g_utf8_get_char(p));
        if (t == G_UNICODE_CONTROL || t == G_UNICODE_FORMAT || t == G_UNICODE_LINE_SEPARATOR ||
            t == G_UNICODE_PARAGRAPH_SEPARATOR)
            return 0;
    }
    return 1;
}

int cmd_extract(int argc, char **argv)
{
    const char *src = NULL, *name = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
            name = argv[++i];
        else if ((strcmp(argv[i], "--out") == 0 || strcmp(argv[i], "-o") == 0) && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0)
            cli_quiet = 1;
        else if (!src && argv[i][0] != '-')
            src = argv[i];
        else
            src = NULL, i = argc;
    }
    if (!src || !name || !*name || strchr(name, '/') || name[0] == '.') {
        usage();
        return EXIT_USAGE;
    }
    if (!name_ok(name)) {
        fprintf(stderr, "yinfa extract: 类型名不能含控制字符、不可见的格式字符（如 U+202E）或无效的 "
                        "UTF-8：%s\n", name);
        return EXIT_USAGE;
    }
    char *dir = target_dir(out, name);
    if (!dir)
        return EXIT_PROBLEM;
    if (g_file_test(dir, G_FILE_TEST_EXISTS)) {
        fprintf(stderr, "yinfa extract: %s 已存在，未覆盖\n", dir);
        g_free(dir);
        return EXIT_PROBLEM;
    }
    /* A type of that name already found by name would stand in front of the new one. */
    char *taken = out ? NULL : cli_find_template(name);
    if (taken) {
        fprintf(stderr, "yinfa extract: 已有名为“%s”的类型（%s），新类型会被它挡住；请换一个名字，"
                        "或用 -o DIR 写到别处\n", name, taken);
        g_free(taken);
        g_free(dir);
        return EXIT_PROBLEM;
    }
    GPtrArray *lines = read_source(src);
    if (!lines) {
        g_free(dir);
        return EXIT_PROBLEM;
    }
    if (lines->len == 0) {
        fprintf(stderr, "yinfa extract: %s 中没有文字\n", src);
        g_ptr_array_free(lines, TRUE);
        g_free(dir);
        return EXIT_PROBLEM;
    }
    ex_doc *doc = ex_recognise(lines);
    ex_slots *slots = ex_slots_new();
    int rc = finish(dir, name, src, doc, slots);
    ex_slots_free(slots);
    ex_doc_free(doc);
    g_free(dir);
    return rc;
}
