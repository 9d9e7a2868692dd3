/* Render stage: pages -> OFD (GB/T 33190-2016, 电子文件存储与交换格式 版式文档).
 *
 * In: a laid-out document — the same pages the PDF and PNG writers draw, not laid out again.
 * Out: an OFD package, a zip of XML parts in the namespace http://www.ofdspec.org/2016:
 *
 *   OFD.xml                         DocBody: DocInfo (DocID, Title, Author, CreationDate, Creator)
 *                                   and the DocRoot
 *   Doc_0/Document.xml              CommonData (MaxUnitID, PageArea, PublicRes, DocumentRes),
 *                                   Pages, Outlines (the headings, as the PDF's outline)
 *   Doc_0/PublicRes.xml             Fonts, each with its FontFile
 *   Doc_0/DocumentRes.xml           MultiMedias: the images
 *   Doc_0/Pages/Page_N/Content.xml  one Layer: ImageObjects (seals, images), PathObjects (rules,
 *                                   borders), TextObjects (one per glyph run)
 *   Doc_0/Res/                      the fonts, subset by HarfBuzz (subset.c), and the images as PNG
 *
 * Units are millimetres, the origin the page's top-left corner (GB/T 33190 §7.1). A TextObject's
 * TextCode gives the position of its first character and DeltaX the distance to each next one, so
 * every character stands exactly where the PDF draws its glyph. Where the composer's glyphs are not
 * what the font's cmap gives for the characters (the one two-em glyph Noto CJK makes of "——", a
 * localized form), a CGTransform names the glyphs (§11.4). Every id is unique in the document and
 * MaxUnitID is the largest. */
#include "internal.h"

#include <hb-subset.h>
#include <hb.h>
#include <math.h>
#include <libxml/xmlwriter.h>
#include <pango/pangofc-font.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zip.h>

#define OFD_NS "http://www.ofdspec.org/2016"
#define IMAGE_DPI 300.0       /* SVG seals and images are rasterized at this resolution */
#define IMAGE_MAX_PX 4000     /* ... but never wider or taller than this */

/* A face used by the document: its resource and its subset. */
typedef struct {
    char *key;                /* "INDEX|BOLD|FILE" */
    unsigned id;
    gboolean bold;            /* synthetic bold (FC_EMBOLDEN) */
    int weight;               /* the face's weight, 100 … 900 (OpenType usWeightClass) */
    hb_set_t *gids;           /* the glyphs drawn (the face's ids) */
    hb_set_t *unicodes;       /* the characters written in TextCodes */
    hb_subset_plan_t *plan;
    const hb_map_t *map;      /* face glyph id -> subset glyph id */
    char *family, *name;      /* FamilyName, FontName */
    char *file;               /* its name under Doc_0/Res/ */
} ofd_font;

/* An image at one size, rasterized to PNG. */
typedef struct {
    const yf_image *image;
    double w, h;              /* pt */
    unsigned id;
    char *file;
    GByteArray *png;
} ofd_media;

/* A part of the package: its name and bytes (malloc'd: libzip frees them). */
typedef struct {
    char *name;
    void *data;
    size_t len;
} ofd_part;

typedef struct {
    const yf_layout *L;
    unsigned next_id;
    unsigned *page_ids;
    GHashTable *by_key;       /* key -> ofd_font* (owns) */
    GHashTable *by_font;      /* PangoFont* -> ofd_font* */
    GPtrArray *fonts;         /* ofd_font*, in id order */
    GPtrArray *media;         /* ofd_media* (owns) */
    GArray *parts;            /* of ofd_part */
    GChecksum *digest;        /* of the pages, for the DocID */
    yf_diags *diags;
} ofd;

/* ---- small helpers ------------------------------------------------------------------------- */

static double mm(double pt) { return pt / YF_MM; }

/* pt -> mm rounded to the micrometre, the precision the numbers are written with. */
static double um(double pt) { return round(mm(pt) * 1000) / 1000; }

/* A number in mm with at most three decimals, "." as the separator, no trailing zeros. */
static void num(GString *s, double v)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_formatd(buf, sizeof buf, "%.3f", v);
    char *e = buf + strlen(buf);
    while (e > buf && e[-1] == '0')
        *--e = 0;
    if (e > buf && e[-1] == '.')
        *--e = 0;
    g_string_append(s, strcmp(buf, "-0") == 0 ? "0" : buf);
}

/* "x y w h" or any list of numbers. */
static char *nums(int n, const double *v)
{
    GString *s = g_string_new(NULL);
    for (int i = 0; i < n; i++) {
        if (i)
            g_string_append_c(s, ' ');
        num(s, v[i]);
    }
    return g_string_free(s, FALSE);
}

static void attr(xmlTextWriterPtr w, const char *name, const char *value)
{
    xmlTextWriterWriteAttribute(w, BAD_CAST name, BAD_CAST value);
}

static void attr_id(xmlTextWriterPtr w, const char *name, unsigned id)
{
    xmlTextWriterWriteFormatAttribute(w, BAD_CAST name, "%u", id);
}

static void attr_nums(xmlTextWriterPtr w, const char *name, int n, const double *v)
{
    char *s = nums(n, v);
    attr(w, name, s);
    g_free(s);
}

static void start(xmlTextWriterPtr w, const char *name)
{
    xmlTextWriterStartElementNS(w, BAD_CAST "ofd", BAD_CAST name, NULL);
}

static void end(xmlTextWriterPtr w) { xmlTextWriterEndElement(w); }

static void element_text(xmlTextWriterPtr w, const char *name, const char *text)
{
    start(w, name);
    xmlTextWriterWriteString(w, BAD_CAST text);
    end(w);
}

static void color(xmlTextWriterPtr w, const char *name, uint32_t rgb)
{
    start(w, name);
    xmlTextWriterWriteFormatAttribute(w, BAD_CAST "Value", "%u %u %u", (rgb >> 16) & 0xFF,
                                      (rgb >> 8) & 0xFF, rgb & 0xFF);
    end(w);
}

static void add_part(ofd *o, char *name, void *data, size_t len)
{
    ofd_part p = { name, data, len };
    g_array_append_val(o->parts, p);
}

/* An XML part being written. */
typedef struct {
    xmlBufferPtr buf;
    xmlTextWriterPtr w;
} xml_part;

static xml_part part_begin(const char *root)
{
    xml_part p;
    p.buf = xmlBufferCreate();
    p.w = p.buf ? xmlNewTextWriterMemory(p.buf, 0) : NULL;
    if (p.w) {
        xmlTextWriterStartDocument(p.w, NULL, "UTF-8", NULL);
        xmlTextWriterStartElementNS(p.w, BAD_CAST "ofd", BAD_CAST root, BAD_CAST OFD_NS);
    }
    return p;
}

/* Ends the part and adds it to the package as `name` (taken). Returns 0 or -1. */
static int part_end(ofd *o, xml_part *p, char *name)
{
    int rc = p->w && xmlTextWriterEndDocument(p->w) >= 0 ? 0 : -1;
    if (p->w)
        xmlFreeTextWriter(p->w); /* flushes into the buffer */
    if (rc == 0 && p->buf) {
        size_t len = (size_t)xmlBufferLength(p->buf);
        void *data = malloc(len ? len : 1);
        if (data) {
            memcpy(data, xmlBufferContent(p->buf), len);
            if (g_str_has_prefix(name, "Doc_0/Pages/"))
                g_checksum_update(o->digest, data, (gssize)len);
            add_part(o, name, data, len);
            name = NULL;
        } else {
            rc = -1;
        }
    }
    if (p->buf)
        xmlBufferFree(p->buf);
    g_free(name);
    if (rc != 0)
        yf_error(o->diags, "output.write", "OFD 生成失败：内存不足");
    return rc;
}

/* A character XML 1.0 may hold that is not a control character. */
static gboolean writable(gunichar c)
{
    return (c >= 0x20 && c < 0xD800) || (c >= 0xE000 && c <= 0xFFFD) ||
           (c >= 0x10000 && c <= 0x10FFFF);
}

/* ---- fonts ---------------------------------------------------------------------------------- */

static void font_free(gpointer p)
{
    ofd_font *f = p;
    g_free(f->key);
    hb_set_destroy(f->gids);
    hb_set_destroy(f->unicodes);
    hb_subset_plan_destroy(f->plan);
    g_free(f->family);
    g_free(f->name);
    g_free(f->file);
    g_free(f);
}

/* The resource of `font`, made on first use. NULL (with an error) for a face without a file. */
static ofd_font *font_of(ofd *o, PangoFont *font)
{
    ofd_font *f = g_hash_table_lookup(o->by_font, font);
    if (f)
        return f;
    char *key = yf_font_face_key(font);
    if (!key) {
        PangoFontDescription *d = pango_font_describe(font);
        char *s = pango_font_description_to_string(d);
        yf_error(o->diags, "output.write", "OFD 生成失败：字体「%s」没有字体文件，无法嵌入", s);
        g_free(s);
        pango_font_description_free(d);
        return NULL;
    }
    f = g_hash_table_lookup(o->by_key, key);
    if (!f) {
        f = g_new0(ofd_font, 1);
        f->key = key;
        f->id = o->next_id++;
        f->gids = hb_set_create();
        f->unicodes = hb_set_create();
        FcPattern *pat = pango_fc_font_get_pattern(PANGO_FC_FONT(font));
        FcChar8 *s = NULL;
        FcBool bold = FcFalse;
        f->family = g_strdup(FcPatternGetString(pat, FC_FAMILY, 0, &s) == FcResultMatch
                             ? (const char *)s : "yinfa");
        f->name = g_strdup(FcPatternGetString(pat, FC_POSTSCRIPT_NAME, 0, &s) == FcResultMatch
                           ? (const char *)s : f->family);
        FcPatternGetBool(pat, FC_EMBOLDEN, 0, &bold);
        f->bold = bold;
        int w = FC_WEIGHT_REGULAR;
        FcPatternGetInteger(pat, FC_WEIGHT, 0, &w);
        f->weight = CLAMP(FcWeightToOpenType(w), 100, 900);
        if (f->bold)
            f->weight = MAX(f->weight, 700);
        g_hash_table_insert(o->by_key, key, f);
        g_ptr_array_add(o->fonts, f);
    } else {
        g_free(key);
    }
    g_hash_table_insert(o->by_font, font, f);
    return f;
}

/* One character to write: its code point, position (pt, page) and glyph cluster. */
typedef struct {
    gunichar c;
    double x, y;
} ofd_char;

/* A cluster's glyphs differ from what the font's cmap gives for its characters: the reader must
 * be told the glyphs (CGTransform). */
typedef struct {
    int code;                 /* the first character's index in the TextCode */
    int ncodes;
    int g0, nglyphs;          /* the run's glyphs */
} ofd_transform;

/* The characters of one run, each at its place, and the clusters that need a CGTransform. */
typedef struct {
    GArray *chars;            /* of ofd_char */
    GArray *transforms;       /* of ofd_transform */
} run_text;

static gboolean nominal(hb_font_t *hb, gunichar c, unsigned long glyph)
{
    hb_codepoint_t g = 0;
    return hb && hb_font_get_nominal_glyph(hb, c, &g) && g == glyph;
}

/* Splits a run into characters placed like its glyphs. `dx`, `dy`: the line's place on the
 * page. A cluster of one character and one glyph puts the character at the glyph; a cluster of
 * n characters and another number of glyphs spreads its characters evenly over its advance. A
 * glyph of no text (a hyphen at a line end) is written as "-"; characters of no glyph (an
 * invisible control) are not written. */
static run_text run_chars(const yf_run *run, double dx, double dy)
{
    run_text t = { g_array_new(FALSE, FALSE, sizeof(ofd_char)),
                   g_array_new(FALSE, FALSE, sizeof(ofd_transform)) };
    hb_font_t *hb = pango_font_get_hb_font(run->font);
    GArray *cs = g_array_new(FALSE, FALSE, sizeof(gunichar));
    const char *p = run->text, *text_end = run->text + run->text_len;
    int g = 0;
    for (int c = 0; c < run->nclusters; c++) {
        const cairo_text_cluster_t *cl = &run->clusters[c];
        const char *q = p, *e = MIN(p + MAX(cl->num_bytes, 0), text_end);
        p = e;
        int ng = cl->num_glyphs;
        if (ng <= 0 || g + ng > run->nglyphs)
            continue;
        g_array_set_size(cs, 0);
        for (; q < e; q = g_utf8_next_char(q)) {
            gunichar u = g_utf8_get_char_validated(q, e - q);
            if (u == (gunichar)-1 || u == (gunichar)-2)
                break;
            if (writable(u))
                g_array_append_val(cs, u);
        }
        if (cl->num_bytes == 0) {
            gunichar hyphen = '-';
            g_array_append_val(cs, hyphen);
        }
        int n = (int)cs->len;
        if (n == 0) {
            g += ng;
            continue;
        }
        const gunichar *u = (const gunichar *)cs->data;
        const cairo_glyph_t *gl = &run->glyphs[g];
        gboolean plain = n == ng;
        for (int k = 0; plain && k < n; k++)
            plain = nominal(hb, u[k], gl[k].index);
        double x0 = gl[0].x, span = g + ng < run->nglyphs ? run->glyphs[g + ng].x - x0 : run->size;
        if (!plain) {
            ofd_transform tr = { (int)t.chars->len, n, g, ng };
            g_array_append_val(t.transforms, tr);
        }
        for (int k = 0; k < n; k++) {
            ofd_char ch = { u[k], dx + (n == ng ? gl[k].x : x0 + span * k / n),
                            dy + (n == ng ? gl[k].y : gl[0].y) };
            g_array_append_val(t.chars, ch);
        }
        g += ng;
    }
    g_array_free(cs, TRUE);
    return t;
}

static void run_text_free(run_text *t)
{
    g_array_free(t->chars, TRUE);
    g_array_free(t->transforms, TRUE);
}

typedef void (*run_fn)(ofd *o, const yf_run *run, double dx, double dy, void *user);

/* Calls `fn` for every run of page `p`, with the place of its line. */
static void each_run(ofd *o, guint p, run_fn fn, void *user)
{
    const yf_pagebox *pb = &g_array_index(o->L->pages, yf_pagebox, p);
    for (guint i = 0; i < pb->placed->len; i++) {
        const yf_placed *pl = &g_array_index(pb->placed, yf_placed, i);
        for (guint r = 0; r < pl->line->runs->len; r++)
            fn(o, &g_array_index(pl->line->runs, yf_run, r), pl->x, pl->baseline, user);
    }
    if (pb->folio.lines && pb->folio.lines->len) {
        const yf_line *ln = &g_array_index(pb->folio.lines, yf_line, 0);
        for (guint r = 0; r < ln->runs->len; r++)
            fn(o, &g_array_index(ln->runs, yf_run, r), pb->folio_x, pb->folio_baseline, user);
    }
}

static void collect_run(ofd *o, const yf_run *run, double dx, double dy, void *user)
{
    gboolean *ok = user;
    ofd_font *f = font_of(o, run->font);
    if (!f) {
        *ok = FALSE;
        return;
    }
    for (int i = 0; i < run->nglyphs; i++)
        hb_set_add(f->gids, (hb_codepoint_t)run->glyphs[i].index);
    run_text t = run_chars(run, dx, dy);
    for (guint i = 0; i < t.chars->len; i++)
        hb_set_add(f->unicodes, g_array_index(t.chars, ofd_char, i).c);
    run_text_free(&t);
}

/* Subsets every face to the glyphs and characters the document uses and adds it to Res/. */
static int embed_fonts(ofd *o)
{
    for (guint i = 0; i < o->fonts->len; i++) {
        ofd_font *f = g_ptr_array_index(o->fonts, i);
        hb_blob_t *blob = yf_subset_face_file(f->key, f->gids, f->unicodes, &f->plan);
        if (!blob) {
            yf_error(o->diags, "output.write", "OFD 生成失败：字体「%s」无法子集化嵌入", f->family);
            return -1;
        }
        f->map = hb_subset_plan_old_to_new_glyph_mapping(f->plan);
        unsigned len = 0;
        const char *data = hb_blob_get_data(blob, &len);
        /* TrueType outlines (version 0x00010000 or 'true') or CFF ('OTTO'). */
        gboolean cff = len >= 4 && memcmp(data, "OTTO", 4) == 0;
        f->file = g_strdup_printf("font_%u.%s", f->id, cff ? "otf" : "ttf");
        void *copy = malloc(len);
        if (!copy) {
            hb_blob_destroy(blob);
            yf_error(o->diags, "output.write", "OFD 生成失败：内存不足");
            return -1;
        }
        memcpy(copy, data, len);
        hb_blob_destroy(blob);
        add_part(o, g_strdup_printf("Doc_0/Res/%s", f->file), copy, len);
    }
    return 0;
}

/* ---- images --------------------------------------------------------------------------------- */

static void media_free(gpointer p)
{
    ofd_media *m = p;
    g_free(m->file);
    if (m->png)
        g_byte_array_unref(m->png);
    g_free(m);
}

static cairo_status_t to_bytes(void *closure, const unsigned char *data, unsigned int len)
{
    g_byte_array_append(closure, data, len);
    return CAIRO_STATUS_SUCCESS;
}

/* The image of figure `f` at its size, rasterized (SVG) or resampled (PNG) once per size: OFD
 * readers take PNG, JPEG, BMP, TIFF and JBIG2, not SVG (GB/T 33190 §10.3.1). */
static ofd_media *media_of(ofd *o, const yf_figure *f)
{
    for (guint i = 0; i < o->media->len; i++) {
        ofd_media *m = g_ptr_array_index(o->media, i);
        if (m->image == f->image && m->w == f->w && m->h == f->h)
            return m;
    }
    double k = IMAGE_DPI / 72.0;
    int pw = (int)MIN(MAX(f->w * k, 1), IMAGE_MAX_PX), ph = (int)MIN(MAX(f->h * k, 1), IMAGE_MAX_PX);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, pw, ph);
    cairo_t *cr = cairo_create(s);
    cairo_scale(cr, pw / f->w, ph / f->h);
    yf_image_draw(f->image, cr, 0, 0, f->w, f->h);
    cairo_destroy(cr);
    GByteArray *png = g_byte_array_new();
    cairo_status_t st = cairo_surface_write_to_png_stream(s, to_bytes, png);
    cairo_surface_destroy(s);
    if (st != CAIRO_STATUS_SUCCESS) {
        g_byte_array_unref(png);
        yf_error(o->diags, "output.write", "OFD 生成失败：图像无法转为 PNG：%s", cairo_status_to_string(st));
        return NULL;
    }
    ofd_media *m = g_new0(ofd_media, 1);
    *m = (ofd_media){ f->image, f->w, f->h, o->next_id++, NULL, png };
    m->file = g_strdup_printf("image_%u.png", m->id);
    g_ptr_array_add(o->media, m);
    return m;
}

/* ---- pages ---------------------------------------------------------------------------------- */

typedef struct {
    xmlTextWriterPtr w;
} page_writer;

/* One TextObject: the run's characters in one TextCode, X and Y from the Boundary's corner. */
static void write_run(ofd *o, const yf_run *run, double dx, double dy, void *user)
{
    page_writer *pw = user;
    xmlTextWriterPtr w = pw->w;
    ofd_font *f = g_hash_table_lookup(o->by_font, run->font);
    run_text t = run_chars(run, dx, dy);
    if (!f || !t.chars->len) {
        run_text_free(&t);
        return;
    }
    cairo_matrix_t fm;
    cairo_scaled_font_get_font_matrix(pango_cairo_font_get_scaled_font(PANGO_CAIRO_FONT(run->font)),
                                      &fm);
    double size = mm(fm.yy > 0 ? fm.yy : run->size);
    double x0 = G_MAXDOUBLE, x1 = -G_MAXDOUBLE, y0 = G_MAXDOUBLE, y1 = -G_MAXDOUBLE;
    for (guint i = 0; i < t.chars->len; i++) {
        const ofd_char *c = &g_array_index(t.chars, ofd_char, i);
        x0 = MIN(x0, mm(c->x));
        x1 = MAX(x1, mm(c->x));
        y0 = MIN(y0, mm(c->y));
        y1 = MAX(y1, mm(c->y));
    }
    /* The box of the run's em squares: from the first character's origin to one em past the
     * last, from one em above the baseline to a quarter em below it. */
    double box[4] = { x0, y0 - size, x1 - x0 + size, y1 - y0 + 1.25 * size };
    start(w, "TextObject");
    attr_id(w, "ID", o->next_id++);
    attr_nums(w, "Boundary", 4, box);
    attr_id(w, "Font", f->id);
    attr_nums(w, "Size", 1, &size);
    /* The face's weight (a SemiBold 小标宋 substitute, a synthetic bold): a reader that draws
     * with its own fonts picks the face by FamilyName and Weight. */
    if (f->weight != 400)
        attr_id(w, "Weight", (unsigned)f->weight);
    color(w, "FillColor", run->color);
    for (guint i = 0; i < t.transforms->len; i++) {
        const ofd_transform *tr = &g_array_index(t.transforms, ofd_transform, i);
        start(w, "CGTransform");
        xmlTextWriterWriteFormatAttribute(w, BAD_CAST "CodePosition", "%d", tr->code);
        xmlTextWriterWriteFormatAttribute(w, BAD_CAST "CodeCount", "%d", tr->ncodes);
        xmlTextWriterWriteFormatAttribute(w, BAD_CAST "GlyphCount", "%d", tr->nglyphs);
        GString *ids = g_string_new(NULL);
        for (int k = 0; k < tr->nglyphs; k++)
            g_string_append_printf(ids, "%s%u", k ? " " : "",
                                   hb_map_get(f->map, (hb_codepoint_t)run->glyphs[tr->g0 + k].index));
        element_text(w, "Glyphs", ids->str);
        g_string_free(ids, TRUE);
        end(w);
    }
    const ofd_char *first = &g_array_index(t.chars, ofd_char, 0);
    GString *text = g_string_new(NULL), *deltax = g_string_new(NULL), *deltay = g_string_new(NULL);
    gboolean any_dy = FALSE;
    /* Each delta is the difference of two positions rounded to the micrometre, so that the
     * rounding does not add up along a line. */
    for (guint i = 0; i < t.chars->len; i++) {
        const ofd_char *c = &g_array_index(t.chars, ofd_char, i);
        g_string_append_unichar(text, c->c);
        if (i == 0)
            continue;
        const ofd_char *prev = c - 1;
        if (i > 1) {
            g_string_append_c(deltax, ' ');
            g_string_append_c(deltay, ' ');
        }
        num(deltax, um(c->x) - um(prev->x));
        num(deltay, um(c->y) - um(prev->y));
        any_dy |= fabs(c->y - prev->y) > 1e-6;
    }
    start(w, "TextCode");
    double x = mm(first->x) - box[0], y = mm(first->y) - box[1];
    attr_nums(w, "X", 1, &x);
    attr_nums(w, "Y", 1, &y);
    if (deltax->len)
        attr(w, "DeltaX", deltax->str);
    if (any_dy)
        attr(w, "DeltaY", deltay->str);
    xmlTextWriterWriteString(w, BAD_CAST text->str);
    end(w);
    end(w);
    g_string_free(text, TRUE);
    g_string_free(deltax, TRUE);
    g_string_free(deltay, TRUE);
    run_text_free(&t);
}

/* A rule or a border: a filled rectangle. */
static void write_rect(ofd *o, xmlTextWriterPtr w, const yf_figure *f)
{
    double box[4] = { mm(f->x), mm(f->y), mm(f->w), mm(f->h) };
    start(w, "PathObject");
    attr_id(w, "ID", o->next_id++);
    attr_nums(w, "Boundary", 4, box);
    attr(w, "Stroke", "false");
    attr(w, "Fill", "true");
    color(w, "FillColor", f->color);
    GString *d = g_string_new("M 0 0 L ");
    num(d, box[2]);
    g_string_append(d, " 0 L ");
    num(d, box[2]);
    g_string_append_c(d, ' ');
    num(d, box[3]);
    g_string_append(d, " L 0 ");
    num(d, box[3]);
    g_string_append(d, " C");
    element_text(w, "AbbreviatedData", d->str);
    g_string_free(d, TRUE);
    end(w);
}

/* An image: the unit square mapped onto its box by the CTM (GB/T 33190 §10.3.2). */
static int write_image(ofd *o, xmlTextWriterPtr w, const yf_figure *f)
{
    ofd_media *m = media_of(o, f);
    if (!m)
        return -1;
    double box[4] = { mm(f->x), mm(f->y), mm(f->w), mm(f->h) };
    double ctm[6] = { box[2], 0, 0, box[3], 0, 0 };
    start(w, "ImageObject");
    attr_id(w, "ID", o->next_id++);
    attr_nums(w, "Boundary", 4, box);
    attr_nums(w, "CTM", 6, ctm);
    attr_id(w, "ResourceID", m->id);
    end(w);
    return 0;
}

/* Page p's Content.xml. The PDF draws rules, then text, then images multiplied into them (a red
 * seal over black characters leaves them black, GB/T 9704 §7.3.5.1); OFD has no blend modes, so
 * images come first and rules and text over them, which gives the same page: dark ink over the
 * seal's colour, the seal's transparent parts showing the paper. */
static int write_page(ofd *o, guint p)
{
    const yf_pagebox *pb = &g_array_index(o->L->pages, yf_pagebox, p);
    xml_part x = part_begin("Page");
    int rc = x.w ? 0 : -1;
    if (x.w) {
        start(x.w, "Content");
        start(x.w, "Layer");
        attr_id(x.w, "ID", o->next_id++);
        attr(x.w, "Type", "Body");
        for (guint i = 0; i < pb->figures->len && rc == 0; i++) {
            const yf_figure *f = &g_array_index(pb->figures, yf_figure, i);
            if (f->image)
                rc = write_image(o, x.w, f);
        }
        for (guint i = 0; i < pb->figures->len; i++) {
            const yf_figure *f = &g_array_index(pb->figures, yf_figure, i);
            if (!f->image)
                write_rect(o, x.w, f);
        }
        page_writer pw = { x.w };
        each_run(o, p, write_run, &pw);
    }
    int rc2 = part_end(o, &x, g_strdup_printf("Doc_0/Pages/Page_%u/Content.xml", p));
    return rc == 0 && rc2 == 0 ? 0 : -1;
}

/* ---- resources and the document ------------------------------------------------------------- */

static int write_public_res(ofd *o)
{
    xml_part x = part_begin("Res");
    if (x.w) {
        attr(x.w, "BaseLoc", "Res");
        if (o->fonts->len) {
            start(x.w, "Fonts");
            for (guint i = 0; i < o->fonts->len; i++) {
                const ofd_font *f = g_ptr_array_index(o->fonts, i);
                start(x.w, "Font");
                attr_id(x.w, "ID", f->id);
                attr(x.w, "FontName", f->name);
                attr(x.w, "FamilyName", f->family);
                if (f->bold)
                    attr(x.w, "Bold", "true");
                element_text(x.w, "FontFile", f->file);
                end(x.w);
            }
            end(x.w);
        }
    }
    return part_end(o, &x, g_strdup("Doc_0/PublicRes.xml"));
}

static int write_document_res(ofd *o)
{
    xml_part x = part_begin("Res");
    if (x.w) {
        attr(x.w, "BaseLoc", "Res");
        if (o->media->len) {
            start(x.w, "MultiMedias");
            for (guint i = 0; i < o->media->len; i++) {
                ofd_media *m = g_ptr_array_index(o->media, i);
                start(x.w, "MultiMedia");
                attr_id(x.w, "ID", m->id);
                attr(x.w, "Type", "Image");
                attr(x.w, "Format", "PNG");
                element_text(x.w, "MediaFile", m->file);
                end(x.w);
                guint len = m->png->len;
                void *data = g_byte_array_free(g_byte_array_ref(m->png), FALSE);
                g_byte_array_unref(m->png);
                m->png = NULL;
                add_part(o, g_strdup_printf("Doc_0/Res/%s", m->file), data, len);
            }
            end(x.w);
        }
    }
    return part_end(o, &x, g_strdup("Doc_0/DocumentRes.xml"));
}

/* Opens an OutlineElem with its Goto action; the caller closes it after its children. */
static void outline_open(ofd *o, xmlTextWriterPtr w, const yf_outline *e)
{
    start(w, "OutlineElem");
    attr(w, "Title", e->text);
    start(w, "Actions");
    start(w, "Action");
    attr(w, "Event", "CLICK");
    start(w, "Goto");
    start(w, "Dest");
    attr(w, "Type", "XYZ");
    int page = CLAMP(e->page, 1, (int)o->L->pages->len);
    attr_id(w, "PageID", o->page_ids[page - 1]);
    double left = mm(o->L->page.left), top = mm(e->y);
    attr_nums(w, "Left", 1, &left);
    attr_nums(w, "Top", 1, &top);
    end(w); /* Dest */
    end(w); /* Goto */
    end(w); /* Action */
    end(w); /* Actions */
}

/* The headings, as in the PDF: level 1 at the top, deeper levels under the level-1 heading
 * before them (at the top when there is none). */
static void write_outlines(ofd *o, xmlTextWriterPtr w)
{
    const GArray *ol = o->L->outline;
    if (!ol || !ol->len)
        return;
    start(w, "Outlines");
    gboolean open = FALSE;
    for (guint i = 0; i < ol->len; i++) {
        const yf_outline *e = &g_array_index(ol, yf_outline, i);
        if (e->level <= 1 && open)
            end(w);
        outline_open(o, w, e);
        if (e->level <= 1)
            open = TRUE;
        else
            end(w);
    }
    if (open)
        end(w);
    end(w);
}

static int write_document(ofd *o)
{
    xml_part x = part_begin("Document");
    if (x.w) {
        start(x.w, "CommonData");
        xmlTextWriterStartElementNS(x.w, BAD_CAST "ofd", BAD_CAST "MaxUnitID", NULL);
        xmlTextWriterWriteFormatString(x.w, "%u", o->next_id - 1);
        end(x.w);
        start(x.w, "PageArea");
        double box[4] = { 0, 0, mm(o->L->page.width), mm(o->L->page.height) };
        char *s = nums(4, box);
        element_text(x.w, "PhysicalBox", s);
        g_free(s);
        end(x.w);
        element_text(x.w, "PublicRes", "PublicRes.xml");
        element_text(x.w, "DocumentRes", "DocumentRes.xml");
        end(x.w);
        start(x.w, "Pages");
        for (guint p = 0; p < o->L->pages->len; p++) {
            start(x.w, "Page");
            attr_id(x.w, "ID", o->page_ids[p]);
            char *loc = g_strdup_printf("Pages/Page_%u/Content.xml", p);
            attr(x.w, "BaseLoc", loc);
            g_free(loc);
            end(x.w);
        }
        end(x.w);
        write_outlines(o, x.w);
    }
    return part_end(o, &x, g_strdup("Doc_0/Document.xml"));
}


static int write_ofd_xml(ofd *o)
{
    xml_part x = part_begin("OFD");
    if (x.w) {
        attr(x.w, "Version", "1.0");
        attr(x.w, "DocType", "OFD");
        start(x.w, "DocBody");
        start(x.w, "DocInfo");
        /* DocID: a UUID without hyphens (GB/T 33190 §7.4), here the digest of the pages, so the
         * same document gets the same id. */
        element_text(x.w, "DocID", g_checksum_get_string(o->digest));
        element_text(x.w, "Title", o->L->title ? o->L->title : "");
        element_text(x.w, "Author", o->L->author ? o->L->author : "");
        time_t t = yf_context_time(o->L->ctx);
        struct tm tm;
        char date[16];
        gmtime_r(&t, &tm);
        strftime(date, sizeof date, "%Y-%m-%d", &tm);
        element_text(x.w, "CreationDate", date);
        element_text(x.w, "Creator", "yinfa");
        element_text(x.w, "CreatorVersion", YF_VERSION);
        end(x.w);
        element_text(x.w, "DocRoot", "Doc_0/Document.xml");
        end(x.w);
    }
    return part_end(o, &x, g_strdup("OFD.xml"));
}

/* ---- the package ---------------------------------------------------------------------------- */

/* The parts zipped in memory: OFD.xml first. Returns the bytes (g_free) or NULL. */
static GBytes *zip_parts(ofd *o, const char *const *order, int norder)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(NULL, 0, 0, &ze);
    zip_t *za = src ? zip_open_from_source(src, ZIP_TRUNCATE, &ze) : NULL;
    if (!za) {
        if (src)
            zip_source_free(src);
        yf_error(o->diags, "output.write", "OFD 生成失败：%s", zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return NULL;
    }
    zip_source_keep(src);
    time_t mtime = yf_context_time(o->L->ctx);
    int ok = 1;
    /* The parts named in `order` first, in that order, then the others as they were made. */
    for (int k = 0; k <= norder && ok; k++)
        for (guint i = 0; i < o->parts->len && ok; i++) {
            ofd_part *p = &g_array_index(o->parts, ofd_part, i);
            int listed = -1;
            for (int n = 0; n < norder; n++)
                if (strcmp(p->name, order[n]) == 0)
                    listed = n;
            if (!p->data || (k < norder ? listed != k : listed >= 0))
                continue;
            zip_source_t *s = zip_source_buffer(za, p->data, p->len, 1);
            if (s)
                p->data = NULL; /* the source owns it now */
            zip_int64_t idx = s ? zip_file_add(za, p->name, s, ZIP_FL_ENC_UTF_8) : -1;
            if (idx < 0) {
                if (s)
                    zip_source_free(s);
                ok = 0;
                break;
            }
            zip_file_set_mtime(za, (zip_uint64_t)idx, mtime, 0);
        }
    if (!ok || zip_close(za) < 0) {
        yf_error(o->diags, "output.write", "OFD 生成失败：%s", zip_strerror(za));
        zip_discard(za);
        zip_source_free(src);
        zip_error_fini(&ze);
        return NULL;
    }
    zip_stat_t st;
    GBytes *bytes = NULL;
    if (zip_source_open(src) == 0) {
        zip_stat_init(&st);
        if (zip_source_stat(src, &st) == 0 && (st.valid & ZIP_STAT_SIZE)) {
            void *buf = g_malloc(st.size ? st.size : 1);
            if (zip_source_read(src, buf, st.size) == (zip_int64_t)st.size)
                bytes = g_bytes_new_take(buf, st.size);
            else
                g_free(buf);
        }
        zip_source_close(src);
    }
    zip_source_free(src);
    zip_error_fini(&ze);
    if (!bytes)
        yf_error(o->diags, "output.write", "OFD 生成失败：无法读出压缩包");
    return bytes;
}

static void ofd_free(ofd *o)
{
    for (guint i = 0; i < o->parts->len; i++) {
        ofd_part *p = &g_array_index(o->parts, ofd_part, i);
        g_free(p->name);
        free(p->data);
    }
    g_array_free(o->parts, TRUE);
    g_hash_table_destroy(o->by_font);
    g_ptr_array_free(o->fonts, TRUE);
    g_hash_table_destroy(o->by_key); /* owns the fonts */
    g_ptr_array_free(o->media, TRUE);
    g_checksum_free(o->digest);
    g_free(o->page_ids);
}

/* Builds every part. Returns 0 or -1 with diags. */
static int build(ofd *o)
{
    const yf_layout *L = o->L;
    o->page_ids = g_new(unsigned, MAX(L->pages->len, 1));
    for (guint p = 0; p < L->pages->len; p++)
        o->page_ids[p] = o->next_id++;
    gboolean ok = TRUE;
    for (guint p = 0; p < L->pages->len; p++)
        each_run(o, p, collect_run, &ok);
    if (!ok || embed_fonts(o) != 0)
        return -1;
    for (guint p = 0; p < L->pages->len; p++)
        if (write_page(o, p) != 0)
            return -1;
    if (write_public_res(o) != 0 || write_document_res(o) != 0 || write_document(o) != 0 ||
        write_ofd_xml(o) != 0)
        return -1;
    return 0;
}

static GBytes *ofd_bytes(const yf_layout *L, yf_diags *diags)
{
    ofd o = { .L = L, .next_id = 1, .diags = diags };
    o.by_key = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, font_free);
    o.by_font = g_hash_table_new(g_direct_hash, g_direct_equal);
    o.fonts = g_ptr_array_new();
    o.media = g_ptr_array_new_with_free_func(media_free);
    o.parts = g_array_new(FALSE, TRUE, sizeof(ofd_part));
    o.digest = g_checksum_new(G_CHECKSUM_MD5);
    GBytes *bytes = NULL;
    if (build(&o) == 0) {
        static const char *const order[] = { "OFD.xml", "Doc_0/Document.xml",
                                             "Doc_0/PublicRes.xml", "Doc_0/DocumentRes.xml" };
        bytes = zip_parts(&o, order, G_N_ELEMENTS(order));
    }
    ofd_free(&o);
    return bytes;
}

static int write_bytes(FILE *f, void *user, yf_diags *diags)
{
    gsize len = 0;
    const void *data = g_bytes_get_data(user, &len);
    if (fwrite(data, 1, len, f) != len) {
        yf_error(diags, "output.write", "OFD 写入失败");
        return -1;
    }
    return 0;
}

int yf_layout_write_ofd(const yf_layout *L, const char *path, yf_diags *diags)
{
    YF_OWN_DIAGS(diags, int, yf_layout_write_ofd(L, path, own_diags));
    YF_REQUIRE(diags, L, -1);
    YF_REQUIRE(diags, path, -1);
    GBytes *bytes = ofd_bytes(L, diags);
    if (!bytes)
        return -1;
    int rc = yf_write_atomic(path, write_bytes, bytes, diags);
    g_bytes_unref(bytes);
    return rc;
}
