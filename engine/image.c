/* Images: PNG and SVG files for <image> and a signature's seal.
 *
 * In: a file the bind stage found inside the template collection. Out: a yf_image with its natural
 * size, drawn into any box by the renderer. PNG is decoded by Cairo
 * (cairo_image_surface_create_from_png); SVG is read by librsvg and drawn as vectors, so a seal
 * stays sharp in the PDF at any zoom. The format is told by the file's first bytes, not its name.
 * Each file is loaded once per layout (yf_layout_image) however often it is drawn. */
#include "internal.h"

#include <errno.h>
#include <librsvg/rsvg.h>
#include <string.h>

struct yf_image {
    cairo_surface_t *png; /* a PNG, or */
    RsvgHandle *svg;      /* an SVG */
    double width, height; /* natural size, pt */
};

/* CSS pixels: 96 to the inch, as browsers and librsvg count them. */
#define PX (72.0 / 96.0)
/* A seal or a logo is tens of kilobytes; a file or a PNG beyond these is refused before it is
 * decoded (a 30 000-pixel square PNG would take 3.6 GB). */
#define YF_IMAGE_MAX_BYTES (8 * 1024 * 1024)
#define YF_IMAGE_MAX_PIXELS 8000

static gboolean is_png(const char *head, size_t n)
{
    return n >= 8 && memcmp(head, "\x89PNG\r\n\x1a\n", 8) == 0;
}

/* A PNG's width and height, from its IHDR chunk (bytes 16–23, big-endian). */
static guint32 png_dimension(const char *head, int at)
{
    const unsigned char *p = (const unsigned char *)head + at;
    return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

static yf_image *load_png(const char *path, yf_diags *diags)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    cairo_status_t st = cairo_surface_status(s);
    if (st != CAIRO_STATUS_SUCCESS) {
        yf_error(diags, "图片 %s 无法读取：%s", path, cairo_status_to_string(st));
        cairo_surface_destroy(s);
        return NULL;
    }
    yf_image *img = g_new0(yf_image, 1);
    img->png = s;
    img->width = cairo_image_surface_get_width(s) * PX;
    img->height = cairo_image_surface_get_height(s) * PX;
    return img;
}

static yf_image *load_svg(const char *path, yf_diags *diags)
{
    GError *err = NULL;
    RsvgHandle *h = rsvg_handle_new_from_file(path, &err);
    if (!h) {
        yf_error(diags, "图片 %s 无法读取：%s", path, err ? err->message : "不是 SVG 文件");
        g_clear_error(&err);
        return NULL;
    }
    rsvg_handle_set_dpi(h, 96);
    yf_image *img = g_new0(yf_image, 1);
    img->svg = h;
    gdouble w = 0, h_px = 0;
    gboolean has_w, has_h, has_box;
    RsvgLength lw, lh;
    RsvgRectangle box;
    rsvg_handle_get_intrinsic_dimensions(h, &has_w, &lw, &has_h, &lh, &has_box, &box);
    if (!rsvg_handle_get_intrinsic_size_in_pixels(h, &w, &h_px) && has_box) {
        w = box.width;
        h_px = box.height;
    }
    /* An SVG without a size or a viewBox: a square inch until the template gives a size. */
    img->width = w > 0 ? w * PX : 72;
    img->height = h_px > 0 ? h_px * PX : 72;
    return img;
}

yf_image *yf_image_load(const char *path, yf_diags *diags)
{
    char head[512];
    FILE *f = fopen(path, "rb");
    if (!f) {
        yf_error(diags, "图片 %s 无法打开：%s", path, g_strerror(errno));
        return NULL;
    }
    size_t n = fread(head, 1, sizeof head - 1, f);
    gboolean big = fseek(f, 0, SEEK_END) != 0 || ftell(f) > YF_IMAGE_MAX_BYTES;
    fclose(f);
    head[n] = '\0';
    if (big) {
        yf_error(diags, "图片 %s 过大（上限 %d MiB）", path, YF_IMAGE_MAX_BYTES >> 20);
        return NULL;
    }
    if (is_png(head, n) && n >= 24 && (png_dimension(head, 16) > YF_IMAGE_MAX_PIXELS ||
                                        png_dimension(head, 20) > YF_IMAGE_MAX_PIXELS)) {
        yf_error(diags, "图片 %s 过大：%u × %u 像素（上限 %d）", path, png_dimension(head, 16),
                 png_dimension(head, 20), YF_IMAGE_MAX_PIXELS);
        return NULL;
    }
    if (is_png(head, n))
        return load_png(path, diags);
    if (memchr(head, '<', n))
        return load_svg(path, diags);
    yf_error(diags, "图片 %s 既不是 PNG 也不是 SVG 文件", path);
    return NULL;
}

void yf_image_free(yf_image *img)
{
    if (!img)
        return;
    if (img->png)
        cairo_surface_destroy(img->png);
    if (img->svg)
        g_object_unref(img->svg);
    g_free(img);
}

void yf_image_size(const yf_image *img, double *w, double *h)
{
    *w = img->width;
    *h = img->height;
}

void yf_image_draw(const yf_image *img, cairo_t *cr, double x, double y, double w, double h)
{
    cairo_save(cr);
    if (img->svg) {
        RsvgRectangle box = { x, y, w, h };
        rsvg_handle_render_document(img->svg, cr, &box, NULL);
    } else {
        cairo_translate(cr, x, y);
        cairo_scale(cr, w / cairo_image_surface_get_width(img->png),
                    h / cairo_image_surface_get_height(img->png));
        cairo_set_source_surface(cr, img->png, 0, 0);
        cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
        cairo_paint(cr);
    }
    cairo_restore(cr);
}

const yf_image *yf_layout_image(yf_layout *L, const char *path, yf_diags *diags)
{
    yf_image *img = g_hash_table_lookup(L->images, path);
    if (img)
        return img;
    img = yf_image_load(path, diags);
    if (img)
        g_hash_table_insert(L->images, g_strdup(path), img);
    return img;
}
