/* yinfa extract, the lines of a .docx (ECMA-376 WordprocessingML, as Word, WPS and LibreOffice
 * write it): word/document.xml's paragraphs (w:p) in order — their text from the runs (w:r/w:t,
 * w:tab, w:br a line of its own), their alignment (w:jc) and title style (w:pStyle) — and tables
 * (w:tbl) as rows of cells. A run shaded (w:shd with a fill) or highlighted (w:highlight) is marked
 * as a fact that changes. Deleted text (w:del) and field codes (w:instrText) are not text. */
#include "extract.h"

#include <libxml/parser.h>
#include <string.h>
#include <zip.h>

#define DOCX_MAX_XML (32 * 1024 * 1024) /* word/document.xml of a 1000-page report is < 10 MiB */

static const char *const W_NS =
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

static gboolean is_w(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, W_NS) == 0 && strcmp((const char *)n->name, name) == 0;
}

static xmlNode *child(const xmlNode *n, const char *name)
{
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (is_w(c, name))
            return c;
    return NULL;
}

static char *w_val(const xmlNode *n)
{
    if (!n)
        return NULL;
    xmlChar *v = xmlGetNsProp(n, (const xmlChar *)"val", (const xmlChar *)W_NS);
    char *out = v ? g_strdup((const char *)v) : NULL;
    xmlFree(v);
    return out;
}

/* A run set in bold (w:b, not w:val="0"/"false"); a run that does not say takes the paragraph
 * mark's (LibreOffice writes a paragraph all in bold so). */
static gboolean bold(const xmlNode *run, gboolean mark)
{
    xmlNode *b = child(child(run, "rPr"), "b");
    if (!b)
        return mark;
    char *v = w_val(b);
    gboolean yes = !v || (strcmp(v, "0") != 0 && strcmp(v, "false") != 0);
    g_free(v);
    return yes;
}

/* A run the author marked: shaded with a colour other than white, or highlighted. */
static gboolean marked(const xmlNode *run)
{
    xmlNode *pr = child(run, "rPr");
    if (!pr)
        return FALSE;
    char *hl = w_val(child(pr, "highlight"));
    gboolean yes = hl && strcmp(hl, "none") != 0;
    g_free(hl);
    xmlNode *shd = child(pr, "shd");
    if (!yes && shd) {
        xmlChar *fill = xmlGetNsProp(shd, (const xmlChar *)"fill", (const xmlChar *)W_NS);
        yes = fill && g_ascii_strcasecmp((const char *)fill, "auto") != 0 &&
              g_ascii_strcasecmp((const char *)fill, "FFFFFF") != 0;
        xmlFree(fill);
    }
    return yes;
}

typedef struct {
    GPtrArray *lines;
    GString *text;       /* the line being read */
    gboolean in_mark;
    int align;
    gboolean title_style;
    gboolean blank;      /* an empty paragraph stood before */
    gboolean list_numbered;
    gboolean mark_bold;  /* the paragraph mark is bold (w:pPr/w:rPr/w:b) */
    gboolean bold_text;  /* the line has text in bold … */
    gboolean plain_text; /* … and text not in bold */
} reader;

static void end_line(reader *R)
{
    gboolean all_bold = R->bold_text && !R->plain_text;
    R->bold_text = R->plain_text = FALSE;
    if (R->in_mark)
        g_string_append(R->text, EX_MARK_OFF), R->in_mark = FALSE;
    /* The same trimming as a text line's: indentation typed as spaces is no content. */
    GPtrArray *one = ex_lines_from_text(R->text->str);
    g_string_truncate(R->text, 0);
    if (!one->len) {
        R->blank = TRUE;
        g_ptr_array_free(one, TRUE);
        return;
    }
    ex_line *l = g_ptr_array_steal_index(one, 0);
    g_ptr_array_free(one, TRUE);
    /* A mark opened and closed around nothing is no slot. */
    char *empty = g_strconcat(EX_MARK_ON, EX_MARK_OFF, NULL);
    char **parts = g_strsplit(l->text, empty, -1);
    g_free(l->text);
    l->text = g_strjoinv("", parts);
    g_strfreev(parts);
    g_free(empty);
    l->align = R->align;
    l->title_style = R->title_style;
    l->list_numbered = R->list_numbered;
    l->bold = all_bold;
    l->blank_before = R->blank && R->lines->len > 0;
    R->blank = FALSE;
    g_ptr_array_add(R->lines, l);
}

static void read_runs(reader *R, const xmlNode *n)
{
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        /* Deleted text, properties, field codes; of alternative content (mc:AlternateContent)
         * the first choice only, its fallback being the same again. */
        if (is_w(c, "del") || is_w(c, "pPr") || is_w(c, "rPr") || is_w(c, "instrText") ||
            is_w(c, "sdtPr") || strcmp((const char *)c->name, "Fallback") == 0)
            continue;
        if (is_w(c, "r")) {
            gboolean m = marked(c);
            if (m != R->in_mark) {
                g_string_append(R->text, m ? EX_MARK_ON : EX_MARK_OFF);
                R->in_mark = m;
            }
            gboolean b = bold(c, R->mark_bold);
            for (const xmlNode *t = c->children; t; t = t->next) {
                if (is_w(t, "t")) {
                    xmlChar *s = xmlNodeGetContent(t);
                    for (const xmlChar *k = s; k && *k && !b; k++)
                        R->plain_text |= !g_ascii_isspace(*k);
                    R->bold_text |= b && s && *s;
                    g_string_append(R->text, (const char *)s);
                    xmlFree(s);
                } else if (is_w(t, "tab")) {
                    g_string_append(R->text, "\t");
                } else if (is_w(t, "br") || is_w(t, "cr")) {
                    end_line(R);
                }
            }
        } else {
            read_runs(R, c); /* w:hyperlink, w:ins, w:smartTag, w:sdt, w:fldSimple … */
        }
    }
}

static void read_paragraph(reader *R, const xmlNode *p)
{
    xmlNode *pr = child(p, "pPr");
    char *jc = w_val(child(pr, "jc"));
    char *style = w_val(child(pr, "pStyle"));
    R->align = jc && strcmp(jc, "center") == 0 ? 1 : jc && (strcmp(jc, "right") == 0 ||
                                                             strcmp(jc, "end") == 0) ? 2 : 0;
    R->title_style = style && (g_ascii_strcasecmp(style, "Title") == 0 ||
                               strstr(style, "标题") == style);
    R->list_numbered = child(pr, "numPr") != NULL;
    xmlNode *mark = child(child(pr, "rPr"), "b");
    char *v = w_val(mark);
    R->mark_bold = mark && (!v || (strcmp(v, "0") != 0 && strcmp(v, "false") != 0));
    g_free(v);
    g_free(jc);
    g_free(style);
    read_runs(R, p);
    end_line(R);
}

/* The plain text of a table cell: its paragraphs, one after the other. */
static char *cell_text(const xmlNode *tc)
{
    reader R = { g_ptr_array_new_with_free_func(ex_line_free), g_string_new(NULL), FALSE, 0,
                 FALSE, FALSE, FALSE, FALSE, FALSE, FALSE };
    for (const xmlNode *p = tc->children; p; p = p->next)
        if (is_w(p, "p"))
            read_paragraph(&R, p);
    GString *out = g_string_new(NULL);
    for (guint i = 0; i < R.lines->len; i++) {
        char *plain = ex_plain(((ex_line *)g_ptr_array_index(R.lines, i))->text);
        g_string_append(out, plain);
        g_free(plain);
    }
    g_ptr_array_free(R.lines, TRUE);
    g_string_free(R.text, TRUE);
    return g_string_free(out, FALSE);
}

static void read_table(reader *R, const xmlNode *tbl)
{
    ex_line *l = g_new0(ex_line, 1);
    l->text = g_strdup("");
    l->rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
    for (const xmlNode *tr = tbl->children; tr; tr = tr->next) {
        if (!is_w(tr, "tr"))
            continue;
        GPtrArray *row = g_ptr_array_new_with_free_func(g_free);
        for (const xmlNode *tc = tr->children; tc; tc = tc->next)
            if (is_w(tc, "tc"))
                g_ptr_array_add(row, cell_text(tc));
        if (row->len)
            g_ptr_array_add(l->rows, row);
        else
            g_ptr_array_unref(row);
    }
    l->blank_before = R->blank && R->lines->len > 0;
    R->blank = FALSE;
    if (l->rows->len)
        g_ptr_array_add(R->lines, l);
    else
        ex_line_free(l);
}

static void read_body(reader *R, const xmlNode *body)
{
    for (const xmlNode *c = body->children; c; c = c->next) {
        if (is_w(c, "p"))
            read_paragraph(R, c);
        else if (is_w(c, "tbl"))
            read_table(R, c);
        else if (is_w(c, "sdt")) {
            xmlNode *content = child(c, "sdtContent");
            if (content)
                read_body(R, content);
        }
    }
}

/* word/document.xml of the package, or NULL with *error set. */
static char *document_xml(const char *path, size_t *len, char **error)
{
    int err = 0;
    zip_t *z = zip_open(path, ZIP_RDONLY, &err);
    if (!z) {
        *error = g_strdup("不是有效的 .docx 文件（无法按 ZIP 打开）");
        return NULL;
    }
    zip_stat_t st;
    char *buf = NULL;
    if (zip_stat(z, "word/document.xml", 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) {
        *error = g_strdup("不是 Word 文档：包中没有 word/document.xml");
    } else if (st.size > DOCX_MAX_XML) {
        *error = g_strdup("word/document.xml 过大（超过 32 MiB 的上限）");
    } else {
        zip_file_t *f = zip_fopen(z, "word/document.xml", 0);
        buf = f ? g_malloc(st.size + 1) : NULL;
        zip_int64_t n = f ? zip_fread(f, buf, st.size) : -1;
        if (f)
            zip_fclose(f);
        if (n < 0 || (zip_uint64_t)n != st.size) {
            *error = g_strdup("无法读取 word/document.xml（文件已损坏？）");
            g_free(buf);
            buf = NULL;
        } else {
            buf[n] = '\0';
            *len = (size_t)n;
        }
    }
    zip_discard(z);
    return buf;
}

GPtrArray *ex_lines_from_docx(const char *path, char **error)
{
    *error = NULL;
    size_t len = 0;
    char *buf = document_xml(path, &len, error);
    if (!buf)
        return NULL;
    /* No network, no entities, no DTD: the package's XML is data. */
    xmlDocPtr doc = xmlReadMemory(buf, (int)len, "document.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    g_free(buf);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    xmlNode *body = is_w(root, "document") ? child(root, "body") : NULL;
    if (!body) {
        *error = g_strdup("word/document.xml 不是 WordprocessingML 文档");
        xmlFreeDoc(doc);
        return NULL;
    }
    reader R = { g_ptr_array_new_with_free_func(ex_line_free), g_string_new(NULL), FALSE, 0,
                 FALSE, FALSE, FALSE, FALSE, FALSE, FALSE };
    read_body(&R, body);
    g_string_free(R.text, TRUE);
    xmlFreeDoc(doc);
    return R.lines;
}
