/* Render stage: pages -> PDF and PNG through Cairo.
 *
 * In: a laid-out document. Out: a PDF (fonts embedded and subset by cairo, title and author in
 * the metadata, headings in the outline) or one page as a PNG. Glyphs are drawn with
 * cairo_show_text_glyphs and their clusters, so every glyph carries the text it came from: the
 * two-em dash glyph Noto CJK makes of "——" extracts as "——", not as U+2E3A. */
#include "internal.h"

#include <cairo-pdf.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void set_color(cairo_t *cr, uint32_t rgb)
{
    cairo_set_source_rgb(cr, ((rgb >> 16) & 0xFF) / 255.0, ((rgb >> 8) & 0xFF) / 255.0,
                         (rgb & 0xFF) / 255.0);
}

static void draw_line(cairo_t *cr, const yf_line *ln, double x, double baseline,
                      const yf_fontset *fonts)
{
    for (guint r = 0; r < ln->runs->len; r++) {
        const yf_run *run = &g_array_index(ln->runs, yf_run, r);
        cairo_glyph_t *g = g_new(cairo_glyph_t, run->nglyphs);
        for (int i = 0; i < run->nglyphs; i++) {
            g[i] = run->glyphs[i];
            g[i].x += x;
            g[i].y += baseline;
        }
        cairo_set_scaled_font(cr, yf_fontset_run(fonts, run, g));
        set_color(cr, run->color);
        cairo_show_text_glyphs(cr, run->text, run->text_len, g, run->nglyphs, run->clusters,
                               run->nclusters, 0);
        g_free(g);
    }
}

/* Rules and borders under the text; images over it, multiplied into it as ink is: a red seal
 * over black characters leaves them black (GB/T 9704 §7.3.5.1: the seal 下压 the issuer and
 * date, which must stay legible). */
static void draw_figures(cairo_t *cr, const yf_pagebox *pb, gboolean images)
{
    for (guint i = 0; i < pb->figures->len; i++) {
        const yf_figure *f = &g_array_index(pb->figures, yf_figure, i);
        if (images && f->image) {
            cairo_save(cr);
            cairo_set_operator(cr, CAIRO_OPERATOR_MULTIPLY);
            yf_image_draw(f->image, cr, f->x, f->y, f->w, f->h);
            cairo_restore(cr);
        } else if (!images && !f->image) {
            set_color(cr, f->color);
            cairo_rectangle(cr, f->x, f->y, f->w, f->h);
            cairo_fill(cr);
        }
    }
}

void yf_render_page(const yf_layout *L, int page_index, cairo_t *cr, const yf_fontset *fonts)
{
    const yf_pagebox *pb = &g_array_index(L->pages, yf_pagebox, page_index);
    draw_figures(cr, pb, FALSE);
    for (guint i = 0; i < pb->placed->len; i++) {
        const yf_placed *pl = &g_array_index(pb->placed, yf_placed, i);
        draw_line(cr, pl->line, pl->x, pl->baseline, fonts);
    }
    if (pb->folio.lines && pb->folio.lines->len)
        draw_line(cr, &g_array_index(pb->folio.lines, yf_line, 0), pb->folio_x,
                  pb->folio_baseline, fonts);
    draw_figures(cr, pb, TRUE);
}

static cairo_status_t to_file(void *closure, const unsigned char *data, unsigned int len)
{
    return fwrite(data, 1, len, closure) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* PDF dates from the context's setting (yf_context_set_creation_date), for reproducible output;
 * unset, Cairo writes the time the file is made. The library reads no environment. */
static void set_dates(cairo_surface_t *s, const yf_context *ctx)
{
    if (!ctx || ctx->creation_date < 0)
        return;
    time_t t = (time_t)ctx->creation_date;
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return;
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, buf);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_MOD_DATE, buf);
}

/* ---- PDF: one or many documents in one file ------------------------------------------------ */

struct yf_pdf {
    yf_atomic *file;
    cairo_surface_t *surface;
    cairo_t *cr;
    int pages;           /* pages written so far */
    gboolean dated;      /* the dates are set, from the first document's context */
    yf_fontset *fonts;   /* a single document's subset fonts, or NULL: Cairo subsets at the end */
};

/* A PDF writing to `f`, a file or a memory stream. */
static yf_pdf *pdf_new(FILE *f)
{
    yf_pdf *pdf = g_new0(yf_pdf, 1);
    /* The size is set again for every page; A4 until then. */
    pdf->surface = cairo_pdf_surface_create_for_stream(to_file, f, 210 * YF_MM, 297 * YF_MM);
    cairo_pdf_surface_set_metadata(pdf->surface, CAIRO_PDF_METADATA_CREATOR, "yinfa " YF_VERSION);
    pdf->cr = cairo_create(pdf->surface);
    return pdf;
}

yf_pdf *yf_pdf_open(const char *path, yf_diags *diags)
{
    YF_OWN_DIAGS(diags, yf_pdf *, yf_pdf_open(path, own_diags));
    YF_REQUIRE(diags, path, NULL);
    yf_atomic *file = yf_atomic_open(path, diags);
    if (!file)
        return NULL;
    yf_pdf *pdf = pdf_new(yf_atomic_file(file));
    pdf->file = file;
    return pdf;
}

void yf_pdf_reserve(yf_pdf *pdf, const yf_layout *L)
{
    if (!pdf || !L)
        return;
    if (!pdf->fonts)
        pdf->fonts = yf_fontset_new();
    yf_fontset_collect(pdf->fonts, L);
}

int yf_pdf_add(yf_pdf *pdf, const yf_layout *L, int flags, const char *outline, yf_diags *diags)
{
    YF_OWN_DIAGS(diags, int, yf_pdf_add(pdf, L, flags, outline, own_diags));
    YF_REQUIRE(diags, pdf, -1);
    YF_REQUIRE(diags, L, -1);
    cairo_surface_t *s = pdf->surface;
    if (!pdf->dated) {
        set_dates(s, L->ctx);
        pdf->dated = TRUE;
    }
    if (pdf->fonts)
        yf_fontset_bind(pdf->fonts, L);
    if ((flags & YF_PDF_ODD_START) && pdf->pages % 2 == 1) {
        /* Double-sided printing: every document starts on a right-hand (odd) page. */
        cairo_pdf_surface_set_size(s, L->page.width, L->page.height);
        cairo_show_page(pdf->cr);
        pdf->pages++;
    }
    int first = pdf->pages + 1;
    for (guint i = 0; i < L->pages->len; i++) {
        cairo_pdf_surface_set_size(s, L->page.width, L->page.height);
        yf_render_page(L, (int)i, pdf->cr, pdf->fonts);
        cairo_show_page(pdf->cr);
        pdf->pages++;
    }
    /* Outline: the document (when named), its level-1 headings, their level-2 headings. */
    int root = CAIRO_PDF_OUTLINE_ROOT;
    if (outline) {
        char *link = g_strdup_printf("page=%d pos=[0 0]", first);
        root = cairo_pdf_surface_add_outline(s, CAIRO_PDF_OUTLINE_ROOT, outline, link, 0);
        g_free(link);
    }
    int parent = root;
    for (guint i = 0; i < L->outline->len; i++) {
        const yf_outline *o = &g_array_index(L->outline, yf_outline, i);
        char *link = g_strdup_printf("page=%d pos=[%.2f %.2f]", first + o->page - 1, L->page.left,
                                     o->y);
        int id = cairo_pdf_surface_add_outline(s, o->level > 1 ? parent : root, o->text, link, 0);
        if (o->level == 1)
            parent = id;
        g_free(link);
    }
    cairo_status_t st = cairo_surface_status(s);
    if (st != CAIRO_STATUS_SUCCESS) {
        yf_error(diags, "output.write", "PDF 生成失败：%s", cairo_status_to_string(st));
        return -1;
    }
    return 0;
}

int yf_pdf_page_count(const yf_pdf *pdf) { return pdf ? pdf->pages : -1; }

static void pdf_free(yf_pdf *pdf)
{
    cairo_destroy(pdf->cr);
    cairo_surface_destroy(pdf->surface);
    yf_fontset_free(pdf->fonts);
    g_free(pdf);
}

/* Sets the metadata and writes the rest of the file: font subsets, cross-reference. */
static cairo_status_t pdf_finish(yf_pdf *pdf, const char *title, const char *author)
{
    cairo_pdf_surface_set_metadata(pdf->surface, CAIRO_PDF_METADATA_TITLE, title ? title : "");
    cairo_pdf_surface_set_metadata(pdf->surface, CAIRO_PDF_METADATA_AUTHOR, author ? author : "");
    cairo_surface_finish(pdf->surface);
    return cairo_surface_status(pdf->surface);
}

int yf_pdf_close(yf_pdf *pdf, const char *title, const char *author, yf_diags *diags)
{
    YF_OWN_DIAGS(diags, int, yf_pdf_close(pdf, title, author, own_diags));
    YF_REQUIRE(diags, pdf, -1);

    /* A PDF of no document would be one blank page (Cairo adds it): no file rather than that. */
    if (pdf->pages == 0) {
        yf_error(diags, "output.empty", "PDF 中没有任何文档，未写入");
        yf_pdf_abort(pdf);
        return -1;
    }
    cairo_status_t st = pdf_finish(pdf, title, author);
    yf_atomic *file = pdf->file;
    pdf_free(pdf);
    if (st != CAIRO_STATUS_SUCCESS) {
        yf_error(diags, "output.write", "PDF 生成失败：%s", cairo_status_to_string(st));
        yf_atomic_abort(file);
        return -1;
    }
    return yf_atomic_commit(file, diags);
}

size_t yf_layout_file_count(const yf_layout *L) { return L ? g_hash_table_size(L->images) : 0; }

const char *yf_layout_file(const yf_layout *L, size_t i)
{
    if (!L || i >= g_hash_table_size(L->images))
        return NULL;
    GHashTableIter it;
    gpointer key = NULL;
    g_hash_table_iter_init(&it, L->images);
    for (size_t k = 0; k <= i && g_hash_table_iter_next(&it, &key, NULL); k++)
        ;
    return key;
}

void yf_pdf_abort(yf_pdf *pdf)
{
    if (!pdf)
        return;
    cairo_surface_finish(pdf->surface);
    yf_atomic *file = pdf->file;
    pdf_free(pdf);
    yf_atomic_abort(file);
}

int yf_layout_write_pdf(const yf_layout *L, const char *path, yf_diags *diags)
{
    YF_OWN_DIAGS(diags, int, yf_layout_write_pdf(L, path, own_diags));
    YF_REQUIRE(diags, L, -1);
    YF_REQUIRE(diags, path, -1);
    yf_pdf *pdf = yf_pdf_open(path, diags);
    if (!pdf)
        return -1;
    yf_pdf_reserve(pdf, L);
    if (yf_pdf_add(pdf, L, 0, NULL, diags) != 0) {
        yf_pdf_abort(pdf);
        return -1;
    }
    return yf_pdf_close(pdf, L->title, L->author, diags);
}

/* ---- in memory, for servers ------------------------------------------------------------------ */

/* Runs `write` on a memory stream; the bytes end up in a malloc'd buffer. */
static unsigned char *write_mem(yf_write_fn write, void *user, size_t *len, yf_diags *diags)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f) {
        yf_error(diags, "output.write", "内存不足，无法生成输出");
        return NULL;
    }
    int rc = write(f, user, diags);
    if (fclose(f) != 0 && rc == 0) {
        yf_error(diags, "output.write", "内存不足，无法生成输出");
        rc = -1;
    }
    if (rc != 0) {
        free(buf);
        return NULL;
    }
    *len = n;
    return (unsigned char *)buf;
}

static int write_pdf_stream(FILE *f, void *user, yf_diags *diags)
{
    const yf_layout *L = user;
    yf_pdf *pdf = pdf_new(f);
    yf_pdf_reserve(pdf, L);
    int rc = yf_pdf_add(pdf, L, 0, NULL, diags);
    cairo_status_t st = pdf_finish(pdf, L->title, L->author);
    pdf_free(pdf);
    if (rc == 0 && st != CAIRO_STATUS_SUCCESS) {
        yf_error(diags, "output.write", "PDF 生成失败：%s", cairo_status_to_string(st));
        rc = -1;
    }
    return rc;
}

unsigned char *yf_layout_write_pdf_mem(const yf_layout *L, size_t *len, yf_diags *diags)
{
    YF_OWN_DIAGS(diags, unsigned char *, yf_layout_write_pdf_mem(L, len, own_diags));
    YF_REQUIRE(diags, L, NULL);
    size_t unused;
    if (!len)
        len = &unused;
    return write_mem(write_pdf_stream, (void *)L, len, diags);
}

/* ---- PNG -------------------------------------------------------------------------------------- */

typedef struct {
    const yf_layout *L;
    int page;
    double dpi;
} png_job;

static int write_png(FILE *f, void *user, yf_diags *diags)
{
    const png_job *j = user;
    double k = j->dpi / 72.0;
    int w = (int)(j->L->page.width * k + 0.5), h = (int)(j->L->page.height * k + 0.5);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, k, k);
    yf_render_page(j->L, j->page - 1, cr, NULL);
    cairo_destroy(cr);
    cairo_status_t st = cairo_surface_write_to_png_stream(s, to_file, f);
    cairo_surface_destroy(s);
    if (st != CAIRO_STATUS_SUCCESS) {
        yf_error(diags, "output.write", "PNG 生成失败：%s", cairo_status_to_string(st));
        return -1;
    }
    return 0;
}

static int png_args_ok(const yf_layout *L, int page, double dpi, yf_diags *diags)
{
    if (page < 1 || page > (int)L->pages->len) {
        yf_error(diags, "output.page", "没有第 %d 页（共 %u 页）", page, L->pages->len);
        return 0;
    }
    if (dpi < 10 || dpi > 1200) {
        yf_error(diags, "output.page", "分辨率 %.0f dpi 超出范围（10–1200）", dpi);
        return 0;
    }
    return 1;
}

int yf_layout_write_png(const yf_layout *L, int page, double dpi, const char *path,
                        yf_diags *diags)
{
    YF_OWN_DIAGS(diags, int, yf_layout_write_png(L, page, dpi, path, own_diags));
    YF_REQUIRE(diags, L, -1);
    YF_REQUIRE(diags, path, -1);
    if (!png_args_ok(L, page, dpi, diags))
        return -1;
    png_job j = { L, page, dpi };
    return yf_write_atomic(path, write_png, &j, diags);
}

unsigned char *yf_layout_write_png_mem(const yf_layout *L, int page, double dpi, size_t *len,
                                       yf_diags *diags)
{
    YF_OWN_DIAGS(diags, unsigned char *, yf_layout_write_png_mem(L, page, dpi, len, own_diags));
    YF_REQUIRE(diags, L, NULL);
    size_t unused;
    if (!len)
        len = &unused;
    if (!png_args_ok(L, page, dpi, diags))
        return NULL;
    png_job j = { L, page, dpi };
    return write_mem(write_png, &j, len, diags);
}
