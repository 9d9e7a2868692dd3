/* DOCX stage: a bound document and its layout -> an editable Word file (ECMA-376, Office Open XML).
 *
 * In: the document's blocks (what the text is, in which style) and the layout made from them (where
 * yinfa put each line, rule, seal and page number). Out: a .docx package written with libzip, every
 * part written with libxml2's xmlTextWriter. A Word file must reflow when it is edited, so running
 * text becomes real paragraphs in named styles (标题, 正文, 一级标题 …) carrying the GB/T 9704
 * settings; the page set-up, the 22-line document grid (w:docGrid), the page numbers (§7.5, PAGE
 * fields in even and odd footers) and the furniture — the red 发文机关标志 and rule, the signature
 * and its seal, the 版记 at the foot of the last page — are placed where the layout put them: each
 * paragraph's space before is the distance the layout leaves above its first line. */
#include "internal.h"

#include <libxml/xmlwriter.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zip.h>

#define TW(pt) ((long)((pt) * 20.0 + 0.5))        /* twentieths of a point */
#define EMU(pt) ((long)((pt) * 12700.0 + 0.5))    /* English metric units */
#define HALF(pt) ((long)((pt) * 2.0 + 0.5))       /* half-points: w:sz */

#define NS_W "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
#define NS_R "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#define NS_WP "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
#define NS_A "http://schemas.openxmlformats.org/drawingml/2006/main"
#define NS_PIC "http://schemas.openxmlformats.org/drawingml/2006/picture"
#define NS_PKG_REL "http://schemas.openxmlformats.org/package/2006/relationships"
#define REL_BASE "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"

/* The name Word and WPS documents use for a role's office face (GB/T 9704 §6 names the faces
 * 小标宋, 仿宋, 黑体, 楷体; the 宋体 of page numbers, §7.5): the first Chinese name in the role's
 * list of office faces, which the roles file holds (fonts/yinfa-roles.conf: 方正小标宋简体,
 * 仿宋_GB2312, 黑体, 楷体_GB2312, 宋体) — the one list, read by the context. */
static const char *office_face(const yf_context *ctx, yf_role role)
{
    static const char *const generic[YF_ROLE_COUNT] = {
        [YF_ROLE_XIAOBIAOSONG] = "小标宋", [YF_ROLE_FANGSONG] = "仿宋", [YF_ROLE_HEITI] = "黑体",
        [YF_ROLE_KAITI] = "楷体", [YF_ROLE_SONGTI] = "宋体",
    };
    const GPtrArray *names = ctx ? ctx->office[role] : NULL;
    for (guint i = 0; names && i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        if (!g_str_is_ascii(name))
            return name;
    }
    return names && names->len ? g_ptr_array_index(names, 0) : generic[role];
}

/* ---- the styles of the document ------------------------------------------------------------- */

typedef struct {
    const char *id, *name;   /* w:styleId (ASCII) and the name Word shows */
    yf_style style;
} docx_style;

typedef enum {
    ST_BODY, ST_TITLE, ST_SUBTITLE, ST_SALUTATION, ST_ADDRESSEE, ST_H1, ST_H2, ST_H3, ST_H4,
    ST_ANNEX_NOTE, ST_MARK, ST_ISSUER, ST_DATE, ST_END, ST_TABLE, ST_FOLIO, ST_COUNT
} style_id;

/* ---- writer state --------------------------------------------------------------------------- */

typedef struct {
    GBytes *png;
    char *rel;               /* rIdImgN */
} media;

typedef struct {
    const yf_document *doc;
    const yf_layout *L;
    const yf_page *p;
    double pitch;
    xmlTextWriterPtr w;
    docx_style styles[ST_COUNT];
    GPtrArray *media;        /* of media* */
    int drawing_id;
    gboolean red_header;     /* a red rule in the flow: the salutation is the 主送机关 */
    /* Where the previous paragraph ends, as the layout will be reproduced: page (0-based) and
     * the bottom of its last line, pt from the page's top; page < 0 before the first. */
    int cur_page;
    double cur_y;
    /* Per block of the layout: the page, baseline and left edge of its first line … */
    int *first_page;
    double *first_base;
    double *first_x;
    int *last_page;          /* … and of its last line */
    double *last_base;
    const yf_block *border_top;  /* a rule to draw on top of the next paragraph */
    GArray *pending;             /* of yf_figure: rules fixed on the page, for the next paragraph */
    double frame_y;              /* > 0: the next paragraph in a frame this far down the page */
} docx;

/* ---- small XML helpers ----------------------------------------------------------------------- */

static void el(docx *D, const char *name) { xmlTextWriterStartElement(D->w, BAD_CAST name); }
static void end(docx *D) { xmlTextWriterEndElement(D->w); }
static void attr(docx *D, const char *name, const char *value)
{
    xmlTextWriterWriteAttribute(D->w, BAD_CAST name, BAD_CAST value);
}
static void attrf(docx *D, const char *name, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void attrf(docx *D, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *v = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    attr(D, name, v);
    g_free(v);
}
/* <name w:val="value"/> */
static void val(docx *D, const char *name, const char *value)
{
    el(D, name);
    attr(D, "w:val", value);
    end(D);
}
static void vall(docx *D, const char *name, long value)
{
    el(D, name);
    attrf(D, "w:val", "%ld", value);
    end(D);
}
static void text_el(docx *D, const char *name, const char *text)
{
    el(D, name);
    xmlTextWriterWriteString(D->w, BAD_CAST text);
    end(D);
}

/* A part being written: a writer on a memory buffer. */
static xmlBufferPtr part_begin(docx *D)
{
    xmlBufferPtr buf = xmlBufferCreate();
    D->w = xmlNewTextWriterMemory(buf, 0);
    xmlTextWriterStartDocument(D->w, "1.0", "UTF-8", "yes");
    return buf;
}

/* Ends the part: its bytes (malloc'd) and their number. */
static void *part_finish(docx *D, xmlBufferPtr buf, size_t *n)
{
    xmlTextWriterEndDocument(D->w);
    xmlFreeTextWriter(D->w);
    D->w = NULL;
    *n = (size_t)xmlBufferLength(buf);
    void *copy = malloc(*n ? *n : 1);
    if (copy)
        memcpy(copy, xmlBufferContent(buf), *n);
    xmlBufferFree(buf);
    return copy;
}

/* Adds `bytes` (malloc'd; libzip frees them after zip_close) to the package as `name`. */
static int add_bytes(zip_t *za, const char *name, void *bytes, size_t n)
{
    zip_source_t *src = bytes ? zip_source_buffer(za, bytes, n, 1) : NULL;
    if (!src || zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8 | ZIP_FL_OVERWRITE) < 0) {
        if (src)
            zip_source_free(src);
        else
            free(bytes);
        return -1;
    }
    return 0;
}

static void color_hex(char *out, uint32_t rgb) { g_snprintf(out, 7, "%06X", rgb & 0xFFFFFF); }

/* ---- run and paragraph properties -------------------------------------------------------------- */

static void fonts(docx *D, yf_role role)
{
    const char *f = office_face(D->L->ctx, role);
    el(D, "w:rFonts");
    attr(D, "w:ascii", f);
    attr(D, "w:hAnsi", f);
    attr(D, "w:eastAsia", f);
    attr(D, "w:cs", f);
    end(D);
}

/* Run properties: what differs from `base` (NULL: everything). */
static void run_props_track(docx *D, yf_role role, double size, uint32_t color, gboolean bold,
                            const yf_style *base, double track)
{
    el(D, "w:rPr");
    /* In the order of ECMA-376 §17.3.2.28: rFonts, b, color, spacing, sz. */
    if (!base || base->role != role)
        fonts(D, role);
    if (bold && (!base || !base->bold))
        el(D, "w:b"), end(D);
    if (base && base->bold && !bold)
        val(D, "w:b", "0");
    if (!base || base->color != color) {
        char hex[8];
        color_hex(hex, color);
        val(D, "w:color", hex);
    }
    if (track < 0)
        vall(D, "w:spacing", (long)floor(track * 20));
    if (!base || base->size != size) {
        vall(D, "w:sz", HALF(size));
        vall(D, "w:szCs", HALF(size));
    }
    end(D);
}

static void run_props(docx *D, yf_role role, double size, uint32_t color, gboolean bold,
                      const yf_style *base)
{
    run_props_track(D, role, size, color, bold, base, 0);
}

/* Characters on the grid (GB/T 9704 §5.2.2: 28 a line) are set a little tighter than their em —
 * 156 mm / 28 = 15.79 pt for 16 pt type — and clients that give every character a whole number of
 * grid cells (LibreOffice) would give a 16 pt character two: the style condenses its characters
 * to the cell (w:spacing), so each takes one. */
static double grid_track(const docx *D, const yf_style *s)
{
    return s->grid ? yf_style_cell(s, D->p) - s->size : 0;
}

static const char *jc_name(yf_align a)
{
    return a == YF_ALIGN_CENTER ? "center" : a == YF_ALIGN_RIGHT ? "right"
         : a == YF_ALIGN_LEFT   ? "left"   : "both";
}

static double style_cell(const docx *D, const yf_style *s) { return yf_style_cell(s, D->p); }

static void border(docx *D, const char *side, const yf_block *rule, double space)
{
    char hex[8];
    color_hex(hex, rule->geom.color);
    el(D, side);
    attr(D, "w:val", "single");
    /* w:sz in eighths of a point (2 … 96). */
    attrf(D, "w:sz", "%ld", CLAMP((long)(rule->geom.thickness * 8 + 0.5), 2, 96));
    attrf(D, "w:space", "%ld", CLAMP((long)(space + 0.5), 0, 31));
    attr(D, "w:color", hex);
    end(D);
}

/* Exact line height and the space above, in twips. A space under a point is the difference of the
 * layout's pitch and the Word file's (below): none. */
static void spacing(docx *D, double before, double line)
{
    el(D, "w:spacing");
    attrf(D, "w:before", "%ld", before < 1 ? 0 : TW(before));
    attr(D, "w:after", "0");
    attrf(D, "w:line", "%ld", TW(line));
    attr(D, "w:lineRule", "exact");
    end(D);
}

/* A paragraph's properties, written in the order ECMA-376 §17.3.1.26 prescribes (Word refuses a
 * file whose elements are out of order). */
typedef struct {
    const char *style;          /* w:pStyle, or NULL (a style's own properties) */
    const yf_style *s, *base;   /* the settings, and those of the style (NULL: all written) */
    gboolean page_break;
    const yf_block *top, *bottom; /* rules drawn as its borders, or NULL */
    double tab_left, tab_center, tab_right; /* tab stops from the type area's left edge, pt; < 0 none */
    double frame_y;             /* > 0: in a frame this far from the page's top (a line above the
                                   type area: the 信函格式's 标志, 30 mm down, §10.1) */
    gboolean own_indent;        /* `left` instead of the style's indents */
    double left;
    double before, line;        /* pt */
} pprops;

static void para_props(docx *D, const pprops *pp)
{
    const yf_style *s = pp->s, *base = pp->base;
    el(D, "w:pPr");
    if (pp->style)
        val(D, "w:pStyle", pp->style);
    if (!base || base->keep_with_next != s->keep_with_next)
        val(D, "w:keepNext", s->keep_with_next ? "1" : "0");
    if (pp->page_break)
        el(D, "w:pageBreakBefore"), end(D);
    if (pp->frame_y > 0) {
        el(D, "w:framePr");
        attrf(D, "w:w", "%ld", TW(D->p->text_width));
        attr(D, "w:wrap", "through");
        attr(D, "w:vAnchor", "page");
        attr(D, "w:hAnchor", "margin");
        attr(D, "w:x", "0");
        attrf(D, "w:y", "%ld", TW(pp->frame_y));
        end(D);
    }
    if (pp->top || pp->bottom) {
        el(D, "w:pBdr");
        if (pp->top)
            border(D, "w:top", pp->top, 0);
        if (pp->bottom)
            border(D, "w:bottom", pp->bottom, 0);
        end(D);
    }
    if (pp->tab_left >= 0 || pp->tab_center >= 0 || pp->tab_right >= 0) {
        el(D, "w:tabs");
        if (pp->tab_left >= 0) {
            el(D, "w:tab");
            attr(D, "w:val", "left");
            attrf(D, "w:pos", "%ld", TW(pp->tab_left));
            end(D);
        }
        if (pp->tab_center >= 0) {
            el(D, "w:tab");
            attr(D, "w:val", "center");
            attrf(D, "w:pos", "%ld", TW(pp->tab_center));
            end(D);
        }
        if (pp->tab_right >= 0) {
            el(D, "w:tab");
            attr(D, "w:val", "right");
            attrf(D, "w:pos", "%ld", TW(pp->tab_right));
            end(D);
        }
        end(D);
    }
    /* Lines are placed by their exact height (below), characters by the grid's condensed
     * spacing (grid_track): no client's own snapping to the grid. */
    /* clreq: a line-end mark stays inside the measure (yinfa's composer squeezes or pushes
     * instead); Word's default hangs it into the margin. Said on every paragraph: LibreOffice
     * does not take it from the style. */
    val(D, "w:overflowPunct", "0");
    if (!base)
        val(D, "w:snapToGrid", "0");
    /* A border is drawn inside the paragraph's height: its lines give up as much, so the lines
     * after it stay where the layout put them. */
    double borders = (pp->top ? pp->top->geom.thickness : 0) +
                     (pp->bottom ? pp->bottom->geom.thickness : 0);
    spacing(D, pp->before, MAX(1.0, pp->line - ceil(borders * 8) / 8));
    if (pp->own_indent) {
        el(D, "w:ind");
        attrf(D, "w:left", "%ld", TW(MAX(0, pp->left)));
        attr(D, "w:leftChars", "0");
        attr(D, "w:right", "0");
        attr(D, "w:rightChars", "0");
        attr(D, "w:firstLine", "0");
        attr(D, "w:firstLineChars", "0");
        end(D);
    } else if (!base || base->indent != s->indent || base->margin_left != s->margin_left ||
               base->margin_right != s->margin_right) {
        /* GB/T 9704 §7.3.3: the first line two characters in (w:firstLineChars, hundredths of
         * a character, so the indent follows the grid's character). */
        double cell = style_cell(D, s);
        el(D, "w:ind");
        attrf(D, "w:left", "%ld", TW(s->margin_left * cell));
        attrf(D, "w:leftChars", "%ld", (long)(s->margin_left * 100));
        attrf(D, "w:right", "%ld", TW(s->margin_right * cell));
        attrf(D, "w:rightChars", "%ld", (long)(s->margin_right * 100));
        attrf(D, "w:firstLine", "%ld", TW(s->indent * cell));
        attrf(D, "w:firstLineChars", "%ld", (long)(s->indent * 100));
        end(D);
    }
    if (!base || base->align != s->align)
        val(D, "w:jc", jc_name(s->align));
    if (s->outline_level > 0 && (!base || base->outline_level != s->outline_level))
        vall(D, "w:outlineLvl", s->outline_level - 1);
    end(D);
}

static pprops pprops_of(const char *style, const yf_style *s, const yf_style *base, double before,
                        double line)
{
    return (pprops){ .style = style, .s = s, .base = base, .tab_left = -1, .tab_center = -1,
                     .tab_right = -1,
                     .before = before, .line = line };
}

static double line_height(const docx *D, double size);

/* ---- the styles part ------------------------------------------------------------------------- */

static void define_styles(docx *D)
{
    const yf_page *p = D->p;
    static const struct {
        style_id st;
        const char *id, *name;
        yf_block_kind kind;
    } table[] = {
        { ST_BODY, "Body", "正文", YF_BLK_PARA },
        { ST_TITLE, "DocTitle", "标题", YF_BLK_TITLE },
        { ST_SUBTITLE, "DocSubtitle", "副标题", YF_BLK_SUBTITLE },
        { ST_SALUTATION, "Salutation", "称呼", YF_BLK_SALUTATION },
        { ST_ADDRESSEE, "Addressee", "主送机关", YF_BLK_SALUTATION },
        { ST_H1, "Heading1", "一级标题", YF_BLK_H1 },
        { ST_H2, "Heading2", "二级标题", YF_BLK_H2 },
        { ST_H3, "Heading3", "三级标题", YF_BLK_H3 },
        { ST_H4, "Heading4", "四级标题", YF_BLK_H4 },
        { ST_ANNEX_NOTE, "AnnexNote", YF_STYLE_ANNEX_NOTE, YF_BLK_PARA },
        { ST_MARK, "IssuerMark", "发文机关标志", YF_BLK_TITLE },
        { ST_ISSUER, "Issuer", "发文机关署名", YF_BLK_PARA },
        { ST_DATE, "IssueDate", "成文日期", YF_BLK_PARA },
        { ST_END, "EndBlock", "版记", YF_BLK_PARA },
        { ST_TABLE, "TableText", "表格", YF_BLK_TABLE },
        { ST_FOLIO, "Folio", "页码", YF_BLK_PARA },
    };
    for (size_t i = 0; i < G_N_ELEMENTS(table); i++) {
        docx_style *s = &D->styles[table[i].st];
        s->id = table[i].id;
        s->name = table[i].name;
        s->style = yf_style_builtin(table[i].kind, p);
    }
    D->styles[ST_ANNEX_NOTE].style.align = YF_ALIGN_LEFT;
    D->styles[ST_MARK].style.color = 0xFF0000;
    D->styles[ST_ISSUER].style.indent = 0;
    D->styles[ST_ISSUER].style.align = YF_ALIGN_LEFT;
    D->styles[ST_DATE].style = D->styles[ST_ISSUER].style;
    /* 版记 §7.4: 四号仿宋. */
    D->styles[ST_END].style.size = 14;
    D->styles[ST_END].style.indent = 0;
    D->styles[ST_END].style.align = YF_ALIGN_LEFT;
    D->styles[ST_END].style.grid = FALSE;
    /* 页码 §7.5: 四号半角宋体. */
    D->styles[ST_FOLIO].style.role = YF_ROLE_SONGTI;
    D->styles[ST_FOLIO].style.size = p->page_number_size > 0 ? p->page_number_size : 14;
    D->styles[ST_FOLIO].style.indent = 0;
    D->styles[ST_FOLIO].style.grid = FALSE;
}

static void write_style(docx *D, const docx_style *s, gboolean is_default)
{
    el(D, "w:style");
    attr(D, "w:type", "paragraph");
    attr(D, "w:styleId", s->id);
    if (is_default)
        attr(D, "w:default", "1");
    val(D, "w:name", s->name);
    val(D, "w:basedOn", "Normal");
    val(D, "w:next", D->styles[ST_BODY].id);
    el(D, "w:qFormat"), end(D);
    pprops pp = pprops_of(NULL, &s->style, NULL, 0, line_height(D, s->style.size));
    para_props(D, &pp);
    run_props_track(D, s->style.role, s->style.size, s->style.color, s->style.bold, NULL,
                    grid_track(D, &s->style));
    end(D);
}

static void write_styles(docx *D)
{
    el(D, "w:styles");
    attr(D, "xmlns:w", NS_W);
    el(D, "w:docDefaults");
    el(D, "w:rPrDefault");
    el(D, "w:rPr");
    fonts(D, YF_ROLE_FANGSONG);
    vall(D, "w:kern", 0);
    vall(D, "w:sz", HALF(D->p->body_size));
    vall(D, "w:szCs", HALF(D->p->body_size));
    el(D, "w:lang");
    attr(D, "w:val", "en-US");
    attr(D, "w:eastAsia", "zh-CN");
    end(D);
    end(D);
    end(D);
    el(D, "w:pPrDefault");
    el(D, "w:pPr");
    spacing(D, 0, D->pitch);
    end(D);
    end(D);
    end(D);
    /* Word's default paragraph style, "Normal": the body's face and size, for the clients that
     * take the grid's character width from it (LibreOffice). */
    el(D, "w:style");
    attr(D, "w:type", "paragraph");
    attr(D, "w:default", "1");
    attr(D, "w:styleId", "Normal");
    val(D, "w:name", "Normal");
    pprops pp = pprops_of(NULL, &D->styles[ST_BODY].style, NULL, 0, D->pitch);
    para_props(D, &pp);
    run_props_track(D, YF_ROLE_FANGSONG, D->p->body_size, 0, FALSE, NULL,
                    grid_track(D, &D->styles[ST_BODY].style));
    end(D);
    for (int i = 0; i < ST_COUNT; i++)
        write_style(D, &D->styles[i], FALSE);
    /* Tables: a thin rule around every cell, like the PDF's (table.c). */
    el(D, "w:style");
    attr(D, "w:type", "table");
    attr(D, "w:styleId", "TableGrid");
    val(D, "w:name", "公文表格");
    el(D, "w:tblPr");
    el(D, "w:tblBorders");
    static const char *sides[] = { "w:top", "w:left", "w:bottom", "w:right", "w:insideH",
                                   "w:insideV" };
    for (size_t i = 0; i < G_N_ELEMENTS(sides); i++) {
        el(D, sides[i]);
        attr(D, "w:val", "single");
        attr(D, "w:sz", "4");
        attr(D, "w:space", "0");
        attr(D, "w:color", "000000");
        end(D);
    }
    end(D);
    end(D);
    end(D);
    end(D);
}

/* ---- where the layout put each block ------------------------------------------------------- */

static void locate_blocks(docx *D)
{
    const yf_layout *L = D->L;
    guint n = L->composed->len;
    D->first_page = g_new(int, n);
    D->first_base = g_new0(double, n);
    D->first_x = g_new0(double, n);
    D->last_page = g_new(int, n);
    D->last_base = g_new0(double, n);
    for (guint b = 0; b < n; b++)
        D->first_page[b] = D->last_page[b] = -1;
    for (guint pg = 0; pg < L->pages->len; pg++) {
        const yf_pagebox *pb = &g_array_index(L->pages, yf_pagebox, pg);
        for (guint i = 0; i < pb->placed->len; i++) {
            const yf_placed *pl = &g_array_index(pb->placed, yf_placed, i);
            if (pl->block < 0 || (guint)pl->block >= n)
                continue;
            if (D->first_page[pl->block] < 0) {
                D->first_page[pl->block] = (int)pg;
                D->first_base[pl->block] = pl->baseline;
                D->first_x[pl->block] = pl->x;
            }
            if (!pl->line->overlay) {
                D->last_page[pl->block] = (int)pg;
                D->last_base[pl->block] = pl->baseline;
            }
        }
    }
}

/* The figure of a rule block: its page and place. */
static const yf_figure *rule_figure(const docx *D, int b, int *page)
{
    for (guint pg = 0; pg < D->L->pages->len; pg++) {
        const yf_pagebox *pb = &g_array_index(D->L->pages, yf_pagebox, pg);
        for (guint i = 0; i < pb->figures->len; i++)
            if (g_array_index(pb->sources, yf_figure_source, i).block == b) {
                *page = (int)pg;
                return &g_array_index(pb->figures, yf_figure, i);
            }
    }
    return NULL;
}

/* Where a paragraph's first baseline falls in a line of exact height `line` set in `size`: the
 * clients put the extra height above the type, the baseline at the font's descent above the
 * bottom (ideographic em box: 0.12 em below the baseline). */
static double baseline_in_line(double line, double size) { return line - 0.12 * size; }

/* The space before a paragraph whose first line is block `b`'s, of exact height `line`: the
 * distance from the end of the previous paragraph to where the layout put it, when both are on
 * one page. Advances the cursor to the paragraph's end (`lines` lines). */
static double space_before(docx *D, int b, double line, double size)
{
    int page = D->first_page[b];
    double top = D->first_base[b] - baseline_in_line(line, size);
    double before = 0;
    if (page == D->cur_page)
        before = MAX(0, top - D->cur_y);
    else if (D->cur_page < 0 && page >= 0)
        before = MAX(0, top - D->p->top);
    if (D->last_page[b] >= 0) {
        D->cur_page = D->last_page[b];
        D->cur_y = D->last_base[b] - baseline_in_line(line, size) + line;
    }
    return before;
}

static double line_height(const docx *D, double size)
{
    /* One grid line; type larger than it (a 发文机关标志) takes as many as it needs. */
    double h = D->pitch;
    while (h < size * 1.3)
        h += D->pitch;
    return h;
}

/* ---- runs ------------------------------------------------------------------------------------ */

static void write_text(docx *D, const char *text, size_t len)
{
    /* A forced line break inside a block is w:br; tabs become w:tab. */
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && text[i] != '\n' && text[i] != '\t')
            continue;
        if (i > start) {
            char *piece = g_strndup(text + start, i - start);
            el(D, "w:t");
            attr(D, "xml:space", "preserve");
            xmlTextWriterWriteString(D->w, BAD_CAST piece);
            end(D);
            g_free(piece);
        }
        if (i < len)
            el(D, text[i] == '\n' ? "w:br" : "w:tab"), end(D);
        start = i + 1;
    }
}

static void run(docx *D, const char *text, size_t len, yf_role role, double size, uint32_t color,
                gboolean bold, const yf_style *base)
{
    if (len == 0)
        return;
    el(D, "w:r");
    run_props(D, role, size, color, bold, base);
    write_text(D, text, len);
    end(D);
}

/* The block's text in runs: its spans in their faces, the rest in the block's style; `breaks`
 * (byte offsets, or NULL) get a line break before them. */
static void block_runs(docx *D, const yf_block *blk, const yf_style *base, GArray *breaks)
{
    const char *t = blk->text ? blk->text : "";
    size_t len = strlen(t), pos = 0, next_break = 0;
    guint si = 0;
    while (pos < len) {
        size_t stop = len;
        const yf_span *sp = NULL;
        if (blk->spans && si < blk->spans->len) {
            const yf_span *s = &g_array_index(blk->spans, yf_span, si);
            if ((size_t)s->start <= pos) {
                if (!s->keep)
                    sp = s;
                stop = MIN(len, (size_t)MAX(s->end, (int)pos + 1));
                si++;
            } else {
                stop = (size_t)s->start;
            }
        }
        /* Split at a title's line breaks. */
        while (breaks && next_break < breaks->len &&
               g_array_index(breaks, size_t, next_break) <= pos)
            next_break++;
        if (breaks && next_break < breaks->len && g_array_index(breaks, size_t, next_break) < stop) {
            stop = g_array_index(breaks, size_t, next_break);
            if (blk->spans && sp)
                si--;
        }
        if (sp)
            run(D, t + pos, stop - pos, sp->role, sp->size, sp->color, sp->bold, base);
        else
            run(D, t + pos, stop - pos, blk->style.role, blk->style.size, blk->style.color,
                blk->style.bold, base);
        pos = stop;
        if (breaks && next_break < breaks->len && g_array_index(breaks, size_t, next_break) == pos) {
            el(D, "w:r");
            el(D, "w:br"), end(D);
            end(D);
            next_break++;
        }
    }
}

/* A title keeps the lines the composer chose (GB/T 9704 §7.3.1: 词意完整, 排列对称): a break before
 * each line but the first, found by the lines' text in the block's. */
static GArray *title_breaks(const docx *D, int b, const yf_block *blk)
{
    const yf_composed *c = &g_array_index(D->L->composed, yf_composed, b);
    if (!c->lines || c->lines->len < 2 || !blk->text)
        return NULL;
    GArray *breaks = g_array_new(FALSE, FALSE, sizeof(size_t));
    size_t at = 0;
    for (guint i = 0; i < c->lines->len; i++) {
        const yf_line *ln = &g_array_index(c->lines, yf_line, i);
        if (!ln->text || !*ln->text)
            continue;
        const char *found = strstr(blk->text + at, ln->text);
        if (!found)
            break;
        size_t off = (size_t)(found - blk->text);
        /* A line that starts after a forced break (\n, written as w:br) needs no other. */
        if (i > 0 && off > 0 && blk->text[off - 1] != '\n')
            g_array_append_val(breaks, off);
        at = off + strlen(ln->text);
    }
    return breaks;
}

/* ---- pictures -------------------------------------------------------------------------------- */

static cairo_status_t to_bytes(void *closure, const unsigned char *data, unsigned int len)
{
    g_byte_array_append(closure, data, len);
    return CAIRO_STATUS_SUCCESS;
}

/* The image drawn at its printed size at 300 dpi — or, with no image, a rectangle filled with
 * `color` — as a PNG, a relation of the document. */
static const char *add_media(docx *D, const yf_image *img, double w, double h, uint32_t color)
{
    double k = 300.0 / 72.0;
    int pw = img ? MAX(1, (int)(w * k + 0.5)) : 4, ph = img ? MAX(1, (int)(h * k + 0.5)) : 4;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, pw, ph);
    cairo_t *cr = cairo_create(s);
    if (img) {
        cairo_scale(cr, k, k);
        yf_image_draw(img, cr, 0, 0, w, h);
    } else {
        cairo_set_source_rgb(cr, ((color >> 16) & 0xFF) / 255.0, ((color >> 8) & 0xFF) / 255.0,
                             (color & 0xFF) / 255.0);
        cairo_paint(cr);
    }
    cairo_destroy(cr);
    GByteArray *bytes = g_byte_array_new();
    cairo_surface_write_to_png_stream(s, to_bytes, bytes);
    cairo_surface_destroy(s);
    media *m = g_new0(media, 1);
    m->png = g_byte_array_free_to_bytes(bytes);
    m->rel = g_strdup_printf("rIdImg%u", D->media->len + 1);
    g_ptr_array_add(D->media, m);
    return m->rel;
}

/* The picture's size on the page (wp:extent) and no effect beyond it. */
static void picture_extent(docx *D, double w, double h)
{
    ++D->drawing_id;
    el(D, "wp:extent");
    attrf(D, "cx", "%ld", EMU(w));
    attrf(D, "cy", "%ld", EMU(h));
    end(D);
    el(D, "wp:effectExtent");
    attr(D, "l", "0"), attr(D, "t", "0"), attr(D, "r", "0"), attr(D, "b", "0");
    end(D);
}

static void graphic_body(docx *D, const char *rel, double w, double h, const char *name)
{
    int id = D->drawing_id;
    el(D, "wp:docPr");
    attrf(D, "id", "%d", id);
    attrf(D, "name", "%s %d", name, id);
    end(D);
    el(D, "wp:cNvGraphicFramePr"), end(D);
    el(D, "a:graphic");
    attr(D, "xmlns:a", NS_A);
    el(D, "a:graphicData");
    attr(D, "uri", NS_PIC);
    el(D, "pic:pic");
    attr(D, "xmlns:pic", NS_PIC);
    el(D, "pic:nvPicPr");
    el(D, "pic:cNvPr");
    attrf(D, "id", "%d", id);
    attrf(D, "name", "image%d.png", id);
    end(D);
    el(D, "pic:cNvPicPr"), end(D);
    end(D);
    el(D, "pic:blipFill");
    el(D, "a:blip");
    attr(D, "r:embed", rel);
    end(D);
    el(D, "a:stretch");
    el(D, "a:fillRect"), end(D);
    end(D);
    end(D);
    el(D, "pic:spPr");
    el(D, "a:xfrm");
    el(D, "a:off");
    attr(D, "x", "0"), attr(D, "y", "0");
    end(D);
    el(D, "a:ext");
    attrf(D, "cx", "%ld", EMU(w));
    attrf(D, "cy", "%ld", EMU(h));
    end(D);
    end(D);
    el(D, "a:prstGeom");
    attr(D, "prst", "rect");
    el(D, "a:avLst"), end(D);
    end(D);
    end(D);
    end(D);
    end(D);
    end(D);
}

/* A picture floating over the text (a seal: under it in Word's terms, so the black characters
 * stay legible, GB/T 9704 §7.3.5.1), `x` from the type area's left edge, `dy` below the top of
 * the paragraph it is anchored to. */
static void floating_at(docx *D, const yf_image *img, uint32_t color, const char *from_h,
                        double x, const char *from_v, double y, double w, double h,
                        const char *name)
{
    const char *rel = add_media(D, img, w, h, color);
    el(D, "w:r");
    el(D, "w:drawing");
    el(D, "wp:anchor");
    attr(D, "distT", "0"), attr(D, "distB", "0"), attr(D, "distL", "0"), attr(D, "distR", "0");
    attr(D, "simplePos", "0");
    attrf(D, "relativeHeight", "%d", 251658240 + D->drawing_id);
    attr(D, "behindDoc", "1");
    attr(D, "locked", "0");
    attr(D, "layoutInCell", "1");
    attr(D, "allowOverlap", "1");
    el(D, "wp:simplePos");
    attr(D, "x", "0"), attr(D, "y", "0");
    end(D);
    el(D, "wp:positionH");
    attr(D, "relativeFrom", from_h);
    el(D, "wp:posOffset");
    xmlTextWriterWriteFormatString(D->w, "%ld", EMU(x));
    end(D);
    end(D);
    el(D, "wp:positionV");
    attr(D, "relativeFrom", from_v);
    el(D, "wp:posOffset");
    xmlTextWriterWriteFormatString(D->w, "%ld", EMU(y));
    end(D);
    end(D);
    picture_extent(D, w, h);
    el(D, "wp:wrapNone"), end(D);
    graphic_body(D, rel, w, h, name);
    end(D);
    end(D);
    end(D);
}

static void floating_picture(docx *D, const yf_image *img, double x, double dy, double w,
                             double h, const char *name)
{
    floating_at(D, img, 0, "margin", x, "paragraph", dy, w, h, name);
}

/* Rules GB/T 9704 places from the page's edges, or doubled (the 信函格式's red double rules,
 * §10.1): filled rectangles where the layout drew them, pictures fixed on the page, hung from the
 * next paragraph. */
static void flush_rules(docx *D)
{
    for (guint i = 0; D->pending && i < D->pending->len; i++) {
        const yf_figure *f = &g_array_index(D->pending, yf_figure, i);
        floating_at(D, NULL, f->color, "page", f->x, "page", f->y, f->w, f->h, "线");
    }
    if (D->pending)
        g_array_set_size(D->pending, 0);
}

static void inline_picture(docx *D, const yf_image *img, double w, double h, const char *name)
{
    const char *rel = add_media(D, img, w, h, 0);
    el(D, "w:r");
    el(D, "w:drawing");
    el(D, "wp:inline");
    attr(D, "distT", "0"), attr(D, "distB", "0"), attr(D, "distL", "0"), attr(D, "distR", "0");
    picture_extent(D, w, h);
    graphic_body(D, rel, w, h, name);
    end(D);
    end(D);
    end(D);
}

/* ---- paragraphs ---------------------------------------------------------------------------- */

/* Opens a paragraph in style `st` with the block's own settings where they differ, the space the
 * layout leaves above it, and a rule waiting to be drawn over it. */
static void para_begin(docx *D, style_id st, const yf_style *s, double before, double line,
                       gboolean page_break)
{
    const docx_style *ds = &D->styles[st];
    el(D, "w:p");
    pprops pp = pprops_of(ds->id, s, &ds->style, before, line);
    pp.page_break = page_break;
    pp.top = D->border_top;
    pp.frame_y = D->frame_y;
    D->frame_y = 0;
    D->border_top = NULL;
    para_props(D, &pp);
    flush_rules(D);
}

/* A rule that closes block `b`'s group (the 版记's last rule, §7.4): drawn as that block's lower
 * border. */
static const yf_block *closing_rule(const docx *D, int b)
{
    const GArray *blocks = D->doc->blocks;
    const yf_block *blk = &g_array_index(blocks, yf_block, b);
    if (blk->kind == YF_BLK_RULE || blk->place == YF_PLACE_FLOW || (guint)b + 1 >= blocks->len)
        return NULL;
    const yf_block *next = &g_array_index(blocks, yf_block, b + 1);
    if (next->kind != YF_BLK_RULE || next->group != blk->group)
        return NULL;
    if ((guint)b + 2 < blocks->len && g_array_index(blocks, yf_block, b + 2).group == blk->group)
        return NULL;
    return next;
}

/* An empty paragraph `h` high under a rule drawn as its top border. */
static void rule_paragraph(docx *D, const yf_block *rule, double before, double h)
{
    yf_style s = D->styles[ST_BODY].style;
    s.indent = 0;
    el(D, "w:p");
    pprops pp = pprops_of(D->styles[ST_BODY].id, &s, &D->styles[ST_BODY].style, before, h);
    pp.top = rule;
    para_props(D, &pp);
    flush_rules(D);
    end(D);
}

/* Opens block `b`'s paragraph (w:p, left open) in style `ds` with the text style `s`, `line`
 * high (pt) and `before` (pt) under what precedes it, and returns its properties, not yet
 * written, with the rules above and below it as borders. A rule over an indented paragraph (the
 * 版记's first, over 抄送) runs across the type area: it becomes a paragraph of its own, as high as
 * the rule, taken from the line below. */
static pprops open_paragraph(docx *D, int b, const yf_block *blk, const docx_style *ds,
                             const yf_style *s, double line, double before)
{
    if (D->border_top && (s->margin_left > 0 || s->indent != 0)) {
        double h = ceil(D->border_top->geom.thickness * 8) / 8 + 1;
        rule_paragraph(D, D->border_top, blk->new_page ? 0 : before, h);
        D->border_top = NULL;
        before = 0;
        line -= h;
    }
    el(D, "w:p");
    pprops pp = pprops_of(ds->id, s, &ds->style, blk->new_page ? 0 : before, line);
    pp.page_break = blk->new_page;
    pp.top = D->border_top;
    pp.bottom = closing_rule(D, b);
    D->border_top = NULL;
    return pp;
}

static style_id text_style(const docx *D, const yf_block *blk)
{
    if (blk->place == YF_PLACE_END)
        return ST_END;
    if (blk->hang > 0 || blk->under > 0)
        return ST_ANNEX_NOTE;
    switch (blk->kind) {
    case YF_BLK_TITLE: return ST_TITLE;
    case YF_BLK_SUBTITLE: return ST_SUBTITLE;
    case YF_BLK_SALUTATION: return D->red_header ? ST_ADDRESSEE : ST_SALUTATION;
    case YF_BLK_H1: return ST_H1;
    case YF_BLK_H2: return ST_H2;
    case YF_BLK_H3: return ST_H3;
    case YF_BLK_H4: return ST_H4;
    default: return ST_BODY;
    }
}

static void text_block(docx *D, int b, const yf_block *blk)
{
    style_id st = text_style(D, blk);
    yf_style s = blk->style;
    if (blk->hang > 0) {
        /* 附件说明 §7.3.4: wrapped names align with the name above. */
        s.margin_left += blk->hang;
        s.indent -= blk->hang;
    }
    if (blk->under > 0)
        s.indent = (D->first_x[b] - D->p->left) / style_cell(D, &s);
    double line = line_height(D, s.size);
    double before = space_before(D, b, line, s.size);
    pprops pp = open_paragraph(D, b, blk, &D->styles[st], &s, line, before);
    para_props(D, &pp);
    flush_rules(D);
    GArray *breaks = blk->kind == YF_BLK_TITLE ? title_breaks(D, b, blk) : NULL;
    block_runs(D, blk, &D->styles[st].style, breaks);
    if (breaks)
        g_array_free(breaks, TRUE);
    end(D);
}

/* A paragraph holding the runs of a composed line that share one baseline (`runs`, indices), where
 * the layout put them: a stack's or a signature's lines, whose places GB/T 9704 fixes by
 * characters from the edges (§7.2.2, §7.3.5). */
static void placed_runs(docx *D, style_id st, const yf_placed *pl, GArray *runs, double before,
                        double line, const yf_block *blk, gboolean first)
{
    yf_style s = D->styles[st].style;
    s.indent = s.margin_right = 0;
    s.align = YF_ALIGN_LEFT;
    s.grid = FALSE;
    const yf_line *ln = pl->line;
    const yf_run *r0 = &g_array_index(ln->runs, yf_run, g_array_index(runs, guint, 0));
    double x = pl->x - D->p->left + r0->glyphs[0].x;
    s.margin_left = MAX(0, x) / style_cell(D, &s);
    para_begin(D, st, &s, before, line, first && blk->new_page);
    for (guint k = 0; k < runs->len; k++) {
        const yf_run *rn = &g_array_index(ln->runs, yf_run, g_array_index(runs, guint, k));
        if (k > 0) {
            /* A gap between the parts of one line (a stack's side part) is kept as ideographic
             * spaces of its width. */
            const yf_run *prev = &g_array_index(ln->runs, yf_run, g_array_index(runs, guint, k - 1));
            double gap = rn->glyphs[0].x - (prev->glyphs[prev->nglyphs - 1].x + prev->size);
            GString *sp = g_string_new(NULL);
            for (int i = 0; i < (int)(gap / rn->size + 0.5); i++)
                g_string_append(sp, "\u3000");
            run(D, sp->str, sp->len, blk->style.role, rn->size, rn->color, FALSE,
                &D->styles[st].style);
            g_string_free(sp, TRUE);
        }
        run(D, rn->text, (size_t)rn->text_len, blk->style.role, rn->size, rn->color,
            blk->style.bold, &D->styles[st].style);
    }
}

static gint compare_double(gconstpointer a, gconstpointer b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The lines of a composite block as the layout placed them — a line of a signature holds the
 * issuer and the date at two baselines: a paragraph each —, the block's images floating over them
 * from its first paragraph. */
static void placed_block(docx *D, int b, const yf_block *blk)
{
    gboolean first = TRUE;
    for (guint pg = 0; pg < D->L->pages->len; pg++) {
        const yf_pagebox *pb = &g_array_index(D->L->pages, yf_pagebox, pg);
        for (guint i = 0; i < pb->placed->len; i++) {
            const yf_placed *pl = &g_array_index(pb->placed, yf_placed, i);
            const yf_line *ln = pl->line;
            if (pl->block != b || !ln->runs || !ln->runs->len)
                continue;
            GArray *ys = g_array_new(FALSE, FALSE, sizeof(double));
            for (guint r = 0; r < ln->runs->len; r++) {
                const yf_run *rn = &g_array_index(ln->runs, yf_run, r);
                double y = rn->nglyphs ? rn->glyphs[0].y : 0;
                gboolean seen = FALSE;
                for (guint k = 0; k < ys->len; k++)
                    seen |= fabs(g_array_index(ys, double, k) - y) < 0.5;
                if (rn->nglyphs && !seen)
                    g_array_append_val(ys, y);
            }
            g_array_sort(ys, compare_double);
            for (guint k = 0; k < ys->len; k++) {
                double y = g_array_index(ys, double, k);
                GArray *runs = g_array_new(FALSE, FALSE, sizeof(guint));
                double size = 0;
                for (guint r = 0; r < ln->runs->len; r++) {
                    const yf_run *rn = &g_array_index(ln->runs, yf_run, r);
                    if (rn->nglyphs && fabs(rn->glyphs[0].y - y) < 0.5) {
                        g_array_append_val(runs, r);
                        size = MAX(size, rn->size);
                    }
                }
                double line = line_height(D, size);
                double top = pl->baseline + y - baseline_in_line(line, size);
                double before = (int)pg == D->cur_page ? MAX(0, top - D->cur_y) : 0;
                if ((int)pg != D->cur_page && top < D->p->top - 0.5) {
                    /* Above the type area, where no paragraph of the flow can be: in a frame,
                     * the flow still starting at the type area's top. */
                    D->frame_y = MAX(1.0, top);
                    before = 0;
                } else {
                    D->cur_page = (int)pg;
                    D->cur_y = top + line;
                }
                style_id st = blk->kind == YF_BLK_STACK ? ST_MARK
                            : blk->kind != YF_BLK_SIGNATURE ? ST_BODY
                            : k + 1 == ys->len && ys->len > 1 ? ST_DATE : ST_ISSUER;
                placed_runs(D, st, pl, runs, before, line, blk, first);
                g_array_free(runs, TRUE);
                if (first) {
                    /* The block's pictures (a seal) hang from its first paragraph. */
                    for (guint f = 0; f < pb->figures->len; f++) {
                        const yf_figure *fig = &g_array_index(pb->figures, yf_figure, f);
                        if (g_array_index(pb->sources, yf_figure_source, f).block != b ||
                            !fig->image)
                            continue;
                        /* From the top of the paragraph's space before, where clients
                         * measure a paragraph-relative position from. */
                        floating_picture(D, fig->image, fig->x - D->p->left,
                                         fig->y - top + before, fig->w, fig->h, "印章");
                    }
                }
                first = FALSE;
                end(D);
            }
            g_array_free(ys, TRUE);
        }
    }
}

/* A row (§7.2.4 发文字号, §7.4 印发机关 and 印发日期): its left part from the left inset, the
 * centre part on a centre tab, the right part on a right tab at the right inset. */
static void row_block(docx *D, int b, const yf_block *blk)
{
    style_id st = blk->place == YF_PLACE_END ? ST_END : ST_BODY;
    yf_style s = blk->style;
    s.indent = 0;
    s.align = YF_ALIGN_LEFT;
    s.grid = FALSE;
    const yf_block *parts[3] = { NULL, NULL, NULL };
    for (guint i = 0; blk->parts && i < blk->parts->len; i++) {
        const yf_block *pt = &g_array_index(blk->parts, yf_block, i);
        if (pt->part <= YF_PART_RIGHT && pt->text && *pt->text)
            parts[pt->part] = pt;
    }
    if (parts[YF_PART_LEFT])
        s.margin_left = parts[YF_PART_LEFT]->geom.inset;
    double size = blk->style.size;
    double line = line_height(D, size);
    double before = space_before(D, b, line, size);
    pprops pp = open_paragraph(D, b, blk, &D->styles[st], &s, line, before);
    /* The left part on a tab stop, not an indent: the rules above and below (its borders) run
     * across the whole type area. */
    pp.own_indent = TRUE;
    pp.left = 0;
    if (parts[YF_PART_LEFT] && s.margin_left > 0)
        pp.tab_left = s.margin_left * style_cell(D, &s);
    if (parts[YF_PART_CENTER])
        pp.tab_center = D->p->text_width / 2;
    if (parts[YF_PART_RIGHT])
        pp.tab_right = D->p->text_width - parts[YF_PART_RIGHT]->geom.inset *
                                              style_cell(D, &parts[YF_PART_RIGHT]->style);
    para_props(D, &pp);
    flush_rules(D);
    for (int k = 0; k < 3; k++) {
        const yf_block *pt = parts[k];
        if (!pt)
            continue;
        if (k > 0 || pp.tab_left >= 0) {
            el(D, "w:r");
            el(D, "w:tab"), end(D);
            end(D);
        }
        block_runs(D, pt, &D->styles[st].style, NULL);
    }
    end(D);
}

/* A rule (§7.2.5 the red rule; §7.4 the 版记's rules): the border of the paragraph above it —
 * drawn `space` below its text — or, at the start of a group, over the paragraph below. */
static void rule_block(docx *D, int b, const yf_block *blk, gboolean has_prev_para)
{
    if (b > 0 && closing_rule(D, b - 1) == blk)
        return;
    int page = -1;
    const yf_figure *fig = rule_figure(D, b, &page);
    const yf_geom *g = &blk->geom;
    if (fig && (g->thickness2 > 0 || g->from_page || g->bottom >= 0 ||
                (g->length > 0 && fabs(g->length - D->p->text_width) > 0.5))) {
        for (guint pg = 0; pg < D->L->pages->len; pg++) {
            const yf_pagebox *pb = &g_array_index(D->L->pages, yf_pagebox, pg);
            for (guint i = 0; i < pb->figures->len; i++)
                if (g_array_index(pb->sources, yf_figure_source, i).block == b)
                    g_array_append_val(D->pending, g_array_index(pb->figures, yf_figure, i));
        }
        return;
    }
    if (!has_prev_para || !fig || page != D->cur_page || blk->place == YF_PLACE_END) {
        D->border_top = blk;
        return;
    }
    /* An empty paragraph as tall as the distance to the rule, its bottom border the rule. */
    double h = MAX(1.0, fig->y - D->cur_y);
    el(D, "w:p");
    yf_style s = D->styles[ST_BODY].style;
    s.indent = 0;
    pprops pp = pprops_of(D->styles[ST_BODY].id, &s, &D->styles[ST_BODY].style, 0, h);
    pp.bottom = blk;
    para_props(D, &pp);
    flush_rules(D);
    end(D);
    D->cur_y += h + blk->geom.thickness;
}

/* A table (the attachment's 慰问标准): column widths as the layout's (table.c), header rows
 * repeated on every page. */
static void table_block(docx *D, int b, const yf_block *blk)
{
    int cols = blk->geom.columns;
    if (cols <= 0 || !blk->parts)
        return;
    int rows = (int)blk->parts->len / cols;
    double fixed = 0, shares = 0, w[YF_MAX_COLUMNS];
    for (int c = 0; c < cols; c++) {
        if (blk->geom.widths[c] > 0)
            fixed += blk->geom.widths[c];
        else
            shares -= blk->geom.widths[c];
    }
    double rest = MAX(0, D->p->text_width - fixed);
    for (int c = 0; c < cols; c++)
        w[c] = blk->geom.widths[c] > 0 ? blk->geom.widths[c]
             : shares > 0 ? rest * -blk->geom.widths[c] / shares : rest / cols;
    double before = space_before(D, b, D->pitch, D->p->body_size);
    if (before > 0 || blk->new_page) {
        /* The space above a table is an empty paragraph (a table has no space before). */
        el(D, "w:p");
        el(D, "w:pPr");
        if (blk->new_page)
            el(D, "w:pageBreakBefore"), end(D);
        spacing(D, 0, MAX(1.0, before));
        end(D);
        end(D);
    }
    el(D, "w:tbl");
    el(D, "w:tblPr");
    val(D, "w:tblStyle", "TableGrid");
    el(D, "w:tblW");
    attr(D, "w:type", "dxa");
    double total = 0;
    for (int c = 0; c < cols; c++)
        total += w[c];
    attrf(D, "w:w", "%ld", TW(total));
    end(D);
    val(D, "w:tblLayout", "fixed");
    el(D, "w:tblCellMar");
    el(D, "w:left");
    attrf(D, "w:w", "%ld", TW(D->p->body_size / 4));
    attr(D, "w:type", "dxa");
    end(D);
    el(D, "w:right");
    attrf(D, "w:w", "%ld", TW(D->p->body_size / 4));
    attr(D, "w:type", "dxa");
    end(D);
    end(D);
    end(D);
    el(D, "w:tblGrid");
    for (int c = 0; c < cols; c++) {
        el(D, "w:gridCol");
        attrf(D, "w:w", "%ld", TW(w[c]));
        end(D);
    }
    end(D);
    for (int r = 0; r < rows; r++) {
        el(D, "w:tr");
        if (r < blk->header_rows) {
            el(D, "w:trPr");
            el(D, "w:tblHeader"), end(D);
            el(D, "w:cantSplit"), end(D);
            end(D);
        }
        for (int c = 0; c < cols; c++) {
            const yf_block *cell = &g_array_index(blk->parts, yf_block, r * cols + c);
            yf_style s = cell->style;
            s.indent = s.margin_left = s.margin_right = 0;
            s.grid = FALSE;
            if (cell->geom.has_align)
                s.align = cell->geom.align;
            el(D, "w:tc");
            el(D, "w:tcPr");
            el(D, "w:tcW");
            attr(D, "w:type", "dxa");
            attrf(D, "w:w", "%ld", TW(w[c]));
            end(D);
            val(D, "w:vAlign", "center");
            end(D);
            /* Each row one grid line high: its lines give up the rule between rows. */
            para_begin(D, ST_TABLE, &s, 0, D->pitch - 0.5, FALSE);
            block_runs(D, cell, &D->styles[ST_TABLE].style, NULL);
            end(D);
            end(D);
        }
        end(D);
    }
    end(D);
}

static void image_block(docx *D, int b, const yf_block *blk)
{
    for (guint pg = 0; pg < D->L->pages->len; pg++) {
        const yf_pagebox *pb = &g_array_index(D->L->pages, yf_pagebox, pg);
        for (guint f = 0; f < pb->figures->len; f++) {
            const yf_figure *fig = &g_array_index(pb->figures, yf_figure, f);
            if (g_array_index(pb->sources, yf_figure_source, f).block != b || !fig->image)
                continue;
            double before = (int)pg == D->cur_page ? MAX(0, fig->y - D->cur_y) : 0;
            yf_style s = D->styles[ST_BODY].style;
            s.indent = 0;
            s.align = YF_ALIGN_LEFT;
            s.grid = FALSE;
            s.margin_left = (fig->x - D->p->left) / style_cell(D, &s);
            if (blk->geom.floating) {
                para_begin(D, ST_BODY, &s, 0, 1, blk->new_page);
                floating_picture(D, fig->image, fig->x - D->p->left, 0, fig->w, fig->h, "图片");
            } else {
                el(D, "w:p");
                el(D, "w:pPr");
                if (blk->new_page)
                    el(D, "w:pageBreakBefore"), end(D);
                val(D, "w:snapToGrid", "0");
                el(D, "w:spacing");
                attrf(D, "w:before", "%ld", TW(before));
                attr(D, "w:after", "0");
                attr(D, "w:line", "240");
                attr(D, "w:lineRule", "auto");
                end(D);
                el(D, "w:ind");
                attrf(D, "w:left", "%ld", TW(MAX(0, fig->x - D->p->left)));
                attr(D, "w:firstLine", "0");
                end(D);
                end(D);
                inline_picture(D, fig->image, fig->w, fig->h, "图片");
                D->cur_page = (int)pg;
                D->cur_y = fig->y + fig->h;
            }
            end(D);
            return;
        }
    }
}

/* ---- the document part ----------------------------------------------------------------------- */

static void footer_ref(docx *D, const char *type, const char *rel)
{
    el(D, "w:footerReference");
    attr(D, "w:type", type);
    attr(D, "r:id", rel);
    end(D);
}

/* The section: A4, the GB/T 9704 §5.2 margins, the document grid of 22 lines (w:linePitch), the
 * footers. The 28 characters a line come from the styles' condensed spacing (grid_track), not from
 * a character grid (w:type="linesAndChars"): LibreOffice gives a 16 pt character two cells of a
 * 15.79 pt grid and drops a line-end mark under it, and the paragraphs do not snap to it anyway. */
static void section(docx *D, gboolean numbered, const char *type)
{
    const yf_page *p = D->p;
    el(D, "w:sectPr");
    if (numbered) {
        footer_ref(D, "default", "rIdFtrOdd");
        footer_ref(D, "even", "rIdFtrEven");
        if (p->no_first_number)
            footer_ref(D, "first", "rIdFtrBlank");
    } else {
        footer_ref(D, "default", "rIdFtrBlank");
        footer_ref(D, "even", "rIdFtrBlank");
    }
    if (type)
        val(D, "w:type", type);
    el(D, "w:pgSz");
    attrf(D, "w:w", "%ld", TW(p->width));
    attrf(D, "w:h", "%ld", TW(p->height));
    end(D);
    double bottom = p->height - p->top - p->text_height;
    double right = p->width - p->left - p->text_width;
    /* The page number's line: the top of its dashes page_number_drop below the type area. */
    double folio = bottom - p->page_number_drop - D->styles[ST_FOLIO].style.size;
    el(D, "w:pgMar");
    attrf(D, "w:top", "%ld", TW(p->top));
    attrf(D, "w:right", "%ld", TW(right));
    attrf(D, "w:bottom", "%ld", TW(bottom));
    attrf(D, "w:left", "%ld", TW(p->left));
    attrf(D, "w:header", "%ld", TW(p->top / 2));
    attrf(D, "w:footer", "%ld", MAX(0, TW(folio)));
    attr(D, "w:gutter", "0");
    end(D);
    if (p->no_first_number && numbered)
        el(D, "w:titlePg"), end(D);
    el(D, "w:docGrid");
    attr(D, "w:type", "lines");
    attrf(D, "w:linePitch", "%ld", (long)floor(yf_page_pitch(p) * 20));
    end(D);
    end(D);
}

/* The page of block `b`'s first ink: its first line, or its rule. */
static int block_page(const docx *D, int b)
{
    int page = D->first_page[b];
    if (page < 0)
        rule_figure(D, b, &page);
    return page;
}

/* Where the 版记 stands on a page of its own that carries no page number (GB/T 9704 §7.5: a blank
 * page before the 版记's page, and that page, are not numbered): the index of its first block,
 * and in *blank whether a blank page comes before it; else -1. */
static int unnumbered_end(const docx *D, gboolean *blank)
{
    const GArray *blocks = D->doc->blocks;
    for (guint b = 1; b < blocks->len; b++) {
        if (g_array_index(blocks, yf_block, b).place != YF_PLACE_END)
            continue;
        int page = block_page(D, (int)b), before = -1;
        for (guint k = 0; k < b; k++)
            before = MAX(before, D->last_page[k] >= 0 ? D->last_page[k] : block_page(D, (int)k));
        if (page < 0 || page <= before ||
            !g_array_index(D->L->pages, yf_pagebox, page).unnumbered)
            return -1;
        *blank = page - before >= 2;
        return (int)b;
    }
    return -1;
}

static void write_document(docx *D)
{
    el(D, "w:document");
    attr(D, "xmlns:w", NS_W);
    attr(D, "xmlns:r", NS_R);
    attr(D, "xmlns:wp", NS_WP);
    attr(D, "xmlns:a", NS_A);
    attr(D, "xmlns:pic", NS_PIC);
    el(D, "w:body");
    const GArray *blocks = D->doc->blocks;
    gboolean prev_para = FALSE, blank = FALSE;
    int end_section = unnumbered_end(D, &blank);
    for (guint b = 0; b < blocks->len; b++) {
        const yf_block *blk = &g_array_index(blocks, yf_block, b);
        if ((int)b == end_section) {
            /* The numbered pages end here: a section break in a paragraph one point high. */
            el(D, "w:p");
            el(D, "w:pPr");
            spacing(D, 0, 1);
            section(D, TRUE, NULL);
            end(D);
            end(D);
            D->cur_page = -1;
        }
        if (yf_block_is_text(blk->kind)) {
            text_block(D, (int)b, blk);
            prev_para = TRUE;
            continue;
        }
        switch (blk->kind) {
        case YF_BLK_RULE:
            rule_block(D, (int)b, blk, prev_para && (b == 0 ||
                       g_array_index(blocks, yf_block, b - 1).group == blk->group));
            break;
        case YF_BLK_ROW: row_block(D, (int)b, blk); break;
        case YF_BLK_STACK:
        case YF_BLK_SIGNATURE: placed_block(D, (int)b, blk); break;
        case YF_BLK_TABLE: table_block(D, (int)b, blk); break;
        case YF_BLK_IMAGE: image_block(D, (int)b, blk); break;
        default: break;
        }
        prev_para = blk->kind != YF_BLK_TABLE;
    }
    if (D->border_top) {
        /* A rule closing the document: over an empty paragraph. */
        el(D, "w:p");
        el(D, "w:pPr");
        el(D, "w:pBdr");
        border(D, "w:top", D->border_top, 0);
        end(D);
        spacing(D, 0, 1);
        end(D);
        end(D);
        D->border_top = NULL;
    }
    /* The 版记 on the last side (§7.4): on an even page when a blank page came before it. */
    section(D, end_section < 0, end_section < 0 ? NULL : blank ? "evenPage" : "nextPage");
    end(D);
    end(D);
}

/* ---- the other parts ------------------------------------------------------------------------ */

/* A footer: the page number "— N —" (§7.5: 4号 half-width 宋体 digits, odd pages one character in
 * from the right, even pages one character in from the left), or nothing. */
static void write_footer(docx *D, int side)
{
    el(D, "w:ftr");
    attr(D, "xmlns:w", NS_W);
    attr(D, "xmlns:r", NS_R);
    yf_style s = D->styles[ST_FOLIO].style;
    double line = s.size;
    el(D, "w:p");
    el(D, "w:pPr");
    val(D, "w:pStyle", D->styles[ST_FOLIO].id);
    spacing(D, 0, line);
    if (side != 0) {
        double inset = D->p->page_number_inset * s.size;
        el(D, "w:ind");
        attrf(D, "w:left", "%ld", side < 0 ? TW(inset) : 0);
        attrf(D, "w:right", "%ld", side > 0 ? TW(inset) : 0);
        attr(D, "w:firstLine", "0");
        end(D);
        val(D, "w:jc", side > 0 ? "right" : "left");
    }
    end(D);
    if (side != 0) {
        static const char *const pieces[] = { "— ", NULL, " —" };
        for (int i = 0; i < 3; i++) {
            if (pieces[i]) {
                run(D, pieces[i], strlen(pieces[i]), s.role, s.size, 0, FALSE, &s);
                continue;
            }
            static const char *const field[] = { "begin", " PAGE ", "separate", "1", "end" };
            for (int k = 0; k < 5; k++) {
                el(D, "w:r");
                run_props(D, s.role, s.size, 0, FALSE, &s);
                if (k == 1) {
                    el(D, "w:instrText");
                    attr(D, "xml:space", "preserve");
                    xmlTextWriterWriteString(D->w, BAD_CAST field[k]);
                    end(D);
                } else if (k == 3) {
                    text_el(D, "w:t", field[k]);
                } else {
                    el(D, "w:fldChar");
                    attr(D, "w:fldCharType", field[k]);
                    end(D);
                }
                end(D);
            }
        }
    }
    end(D);
    end(D);
}

static void write_settings(docx *D)
{
    el(D, "w:settings");
    attr(D, "xmlns:w", NS_W);
    val(D, "w:defaultTabStop", "420");
    /* §7.5: odd and even pages carry the page number on opposite sides. */
    el(D, "w:evenAndOddHeaders"), end(D);
    val(D, "w:characterSpacingControl", "doNotCompress");
    el(D, "w:compat");
    el(D, "w:compatSetting");
    attr(D, "w:name", "compatibilityMode");
    attr(D, "w:uri", "http://schemas.microsoft.com/office/word");
    attr(D, "w:val", "15");
    end(D);
    end(D);
    el(D, "w:themeFontLang");
    attr(D, "w:val", "en-US");
    attr(D, "w:eastAsia", "zh-CN");
    end(D);
    end(D);
}

/* The fonts by their office names, each with the free face that stands in for it here as its
 * w:altName: an office machine uses its own 仿宋_GB2312, another one the named substitute. */
static void write_font_table(docx *D)
{
    el(D, "w:fonts");
    attr(D, "xmlns:w", NS_W);
    for (int r = 0; r < YF_ROLE_COUNT; r++) {
        el(D, "w:font");
        attr(D, "w:name", office_face(D->L->ctx, r));
        const char *alt = D->L->ctx ? D->L->ctx->resolved[r] : NULL;
        if (alt && strcmp(alt, office_face(D->L->ctx, r)) != 0)
            val(D, "w:altName", alt);
        val(D, "w:charset", "86");
        val(D, "w:family", r == YF_ROLE_HEITI ? "modern" : "roman");
        val(D, "w:pitch", "variable");
        end(D);
    }
    end(D);
}

static char *iso_date(const yf_layout *L)
{
    time_t t = yf_context_time(L->ctx);
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return g_strdup(buf);
}

static void write_core(docx *D)
{
    el(D, "cp:coreProperties");
    attr(D, "xmlns:cp",
         "http://schemas.openxmlformats.org/package/2006/metadata/core-properties");
    attr(D, "xmlns:dc", "http://purl.org/dc/elements/1.1/");
    attr(D, "xmlns:dcterms", "http://purl.org/dc/terms/");
    attr(D, "xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance");
    text_el(D, "dc:title", D->L->title ? D->L->title : "");
    text_el(D, "dc:creator", D->L->author ? D->L->author : "");
    char *date = iso_date(D->L);
    el(D, "dcterms:created");
    attr(D, "xsi:type", "dcterms:W3CDTF");
    xmlTextWriterWriteString(D->w, BAD_CAST date);
    end(D);
    el(D, "dcterms:modified");
    attr(D, "xsi:type", "dcterms:W3CDTF");
    xmlTextWriterWriteString(D->w, BAD_CAST date);
    end(D);
    g_free(date);
    end(D);
}

static void write_app(docx *D)
{
    el(D, "Properties");
    attr(D, "xmlns",
         "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties");
    text_el(D, "Application", "yinfa " YF_VERSION);
    end(D);
}

static void rel(docx *D, const char *id, const char *type, const char *target)
{
    el(D, "Relationship");
    attr(D, "Id", id);
    attrf(D, "Type", REL_BASE "%s", type);
    attr(D, "Target", target);
    end(D);
}

static void write_package_rels(docx *D)
{
    el(D, "Relationships");
    attr(D, "xmlns", NS_PKG_REL);
    rel(D, "rId1", "officeDocument", "word/document.xml");
    el(D, "Relationship");
    attr(D, "Id", "rId2");
    attr(D, "Type", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
                    "core-properties");
    attr(D, "Target", "docProps/core.xml");
    end(D);
    rel(D, "rId3", "extended-properties", "docProps/app.xml");
    end(D);
}

static void write_document_rels(docx *D)
{
    el(D, "Relationships");
    attr(D, "xmlns", NS_PKG_REL);
    rel(D, "rIdStyles", "styles", "styles.xml");
    rel(D, "rIdSettings", "settings", "settings.xml");
    rel(D, "rIdFonts", "fontTable", "fontTable.xml");
    rel(D, "rIdFtrOdd", "footer", "footer1.xml");
    rel(D, "rIdFtrEven", "footer", "footer2.xml");
    rel(D, "rIdFtrBlank", "footer", "footer3.xml");
    for (guint i = 0; i < D->media->len; i++) {
        const media *m = g_ptr_array_index(D->media, i);
        char *target = g_strdup_printf("media/image%u.png", i + 1);
        rel(D, m->rel, "image", target);
        g_free(target);
    }
    end(D);
}

static void override(docx *D, const char *part, const char *type)
{
    el(D, "Override");
    attr(D, "PartName", part);
    attr(D, "ContentType", type);
    end(D);
}

static void write_content_types(docx *D)
{
    el(D, "Types");
    attr(D, "xmlns", "http://schemas.openxmlformats.org/package/2006/content-types");
    el(D, "Default");
    attr(D, "Extension", "rels");
    attr(D, "ContentType", "application/vnd.openxmlformats-package.relationships+xml");
    end(D);
    el(D, "Default");
    attr(D, "Extension", "xml");
    attr(D, "ContentType", "application/xml");
    end(D);
    el(D, "Default");
    attr(D, "Extension", "png");
    attr(D, "ContentType", "image/png");
    end(D);
#define WML "application/vnd.openxmlformats-officedocument.wordprocessingml."
    override(D, "/word/document.xml", WML "document.main+xml");
    override(D, "/word/styles.xml", WML "styles+xml");
    override(D, "/word/settings.xml", WML "settings+xml");
    override(D, "/word/fontTable.xml", WML "fontTable+xml");
    override(D, "/word/footer1.xml", WML "footer+xml");
    override(D, "/word/footer2.xml", WML "footer+xml");
    override(D, "/word/footer3.xml", WML "footer+xml");
#undef WML
    override(D, "/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml");
    override(D, "/docProps/app.xml",
             "application/vnd.openxmlformats-officedocument.extended-properties+xml");
    end(D);
}

/* ---- the package ------------------------------------------------------------------------------ */

typedef void (*part_fn)(docx *D);

static int add_part(docx *D, zip_t *za, const char *name, part_fn fn)
{
    xmlBufferPtr buf = part_begin(D);
    fn(D);
    size_t n;
    void *bytes = part_finish(D, buf, &n);
    return add_bytes(za, name, bytes, n);
}

static void footer_odd(docx *D) { write_footer(D, 1); }
static void footer_even(docx *D) { write_footer(D, -1); }
static void footer_blank(docx *D) { write_footer(D, 0); }

/* The package's bytes, malloc'd, or NULL with an error. */
static unsigned char *build(const yf_document *doc, const yf_layout *L, size_t *len,
                            yf_diags *diags)
{
    if (!doc || !L || doc->blocks->len != L->composed->len) {
        yf_error(diags, "output.write", "DOCX 生成失败：文档与版面不对应");
        return NULL;
    }
    /* Lines one twip under the grid's pitch (225 mm / 22, in whole twips): LibreOffice rounds the
     * grid to hundredths of a millimetre and gives a line a hair taller than that two rows. */
    docx D = { .doc = doc, .L = L, .p = &L->page,
               .pitch = (floor(yf_page_pitch(&L->page) * 20) - 1) / 20.0, .cur_page = -1 };
    D.media = g_ptr_array_new();
    D.pending = g_array_new(FALSE, FALSE, sizeof(yf_figure));
    define_styles(&D);
    locate_blocks(&D);
    for (guint b = 0; b < doc->blocks->len; b++) {
        const yf_block *blk = &g_array_index(doc->blocks, yf_block, b);
        if (blk->kind == YF_BLK_RULE && blk->place != YF_PLACE_END && blk->geom.color != 0)
            D.red_header = TRUE;
    }

    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *mem = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_t *za = mem ? zip_open_from_source(mem, ZIP_TRUNCATE, &ze) : NULL;
    unsigned char *out = NULL;
    int rc = za ? 0 : -1;
    if (za) {
        zip_source_keep(mem);
        /* The document first: it collects the pictures the relations name. */
        size_t body_len;
        xmlBufferPtr body = part_begin(&D);
        write_document(&D);
        void *body_bytes = part_finish(&D, body, &body_len);
        rc |= add_part(&D, za, "[Content_Types].xml", write_content_types);
        rc |= add_part(&D, za, "_rels/.rels", write_package_rels);
        rc |= add_bytes(za, "word/document.xml", body_bytes, body_len);
        rc |= add_part(&D, za, "word/_rels/document.xml.rels", write_document_rels);
        rc |= add_part(&D, za, "word/styles.xml", write_styles);
        rc |= add_part(&D, za, "word/settings.xml", write_settings);
        rc |= add_part(&D, za, "word/fontTable.xml", write_font_table);
        rc |= add_part(&D, za, "word/footer1.xml", footer_odd);
        rc |= add_part(&D, za, "word/footer2.xml", footer_even);
        rc |= add_part(&D, za, "word/footer3.xml", footer_blank);
        rc |= add_part(&D, za, "docProps/core.xml", write_core);
        rc |= add_part(&D, za, "docProps/app.xml", write_app);
        for (guint i = 0; i < D.media->len && rc == 0; i++) {
            media *m = g_ptr_array_index(D.media, i);
            gsize n;
            const void *data = g_bytes_get_data(m->png, &n);
            char *name = g_strdup_printf("word/media/image%u.png", i + 1);
            zip_source_t *src = zip_source_buffer(za, data, n, 0);
            if (!src || zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8) < 0) {
                zip_source_free(src);
                rc = -1;
            }
            g_free(name);
        }
        time_t mtime = yf_context_time(L->ctx);
        for (zip_int64_t i = 0; i < zip_get_num_entries(za, 0); i++)
            zip_file_set_mtime(za, (zip_uint64_t)i, mtime, 0);
        if (rc != 0 || zip_close(za) < 0) {
            zip_discard(za);
            rc = -1;
        }
    }
    if (rc == 0 && zip_source_open(mem) == 0) {
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_source_stat(mem, &st) == 0 && (st.valid & ZIP_STAT_SIZE)) {
            out = malloc(st.size ? st.size : 1);
            if (out && zip_source_read(mem, out, st.size) == (zip_int64_t)st.size) {
                *len = st.size;
            } else {
                free(out);
                out = NULL;
            }
        }
        zip_source_close(mem);
    }
    if (mem)
        zip_source_free(mem);
    zip_error_fini(&ze);
    if (!out)
        yf_error(diags, "output.write", "DOCX 生成失败：无法写出 Word 文件包");
    for (guint i = 0; i < D.media->len; i++) {
        media *m = g_ptr_array_index(D.media, i);
        g_bytes_unref(m->png);
        g_free(m->rel);
        g_free(m);
    }
    g_ptr_array_free(D.media, TRUE);
    g_array_free(D.pending, TRUE);
    g_free(D.first_page);
    g_free(D.first_base);
    g_free(D.first_x);
    g_free(D.last_page);
    g_free(D.last_base);
    return out;
}

unsigned char *yf_document_write_docx_mem(const yf_document *doc, const yf_layout *layout,
                                          size_t *len, yf_diags *diags)
{
    YF_OWN_DIAGS(diags, unsigned char *, yf_document_write_docx_mem(doc, layout, len, own_diags));
    YF_REQUIRE(diags, doc, NULL);
    YF_REQUIRE(diags, layout, NULL);
    size_t unused;
    if (!len)
        len = &unused;
    return build(doc, layout, len, diags);
}

typedef struct {
    const unsigned char *bytes;
    size_t len;
} bytes_job;

static int write_bytes(FILE *f, void *user, yf_diags *diags)
{
    const bytes_job *j = user;
    if (fwrite(j->bytes, 1, j->len, f) != j->len) {
        yf_error(diags, "output.write", "DOCX 写入失败");
        return -1;
    }
    return 0;
}

int yf_document_write_docx(const yf_document *doc, const yf_layout *layout, const char *path,
                           yf_diags *diags)
{
    YF_OWN_DIAGS(diags, int, yf_document_write_docx(doc, layout, path, own_diags));
    YF_REQUIRE(diags, doc, -1);
    YF_REQUIRE(diags, layout, -1);
    YF_REQUIRE(diags, path, -1);
    size_t len = 0;
    unsigned char *bytes = build(doc, layout, &len, diags);
    if (!bytes)
        return -1;
    bytes_job j = { bytes, len };
    int rc = yf_write_atomic(path, write_bytes, &j, diags);
    free(bytes);
    return rc;
}
