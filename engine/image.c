/* Images: PNG and SVG files for <image> and a signature's seal.
 *
 * In: a file the bind stage found inside the template collection. Out: a yf_image with its natural
 * size, drawn into any box by the renderer. PNG is decoded by Cairo; SVG is read by librsvg and
 * drawn as vectors, so a seal stays sharp in the PDF at any zoom. The format is told by the file's
 * first bytes, not its name. Each file is loaded once per layout (yf_layout_image) however often it
 * is drawn.
 *
 * Images are budgets, not only files: a file is read with the bounded reader (regular files only,
 * 8 MiB); a raster's size is read from its header before anything is decoded, a PNG's and each
 * raster an SVG embeds alike; the decoded pixels of all the images of a document share one budget;
 * an SVG is inspected with libxml2 before librsvg sees it — no DOCTYPE, no reference to another
 * file, and the elements it draws counted with every <use> and url(#…) expanded — and is then
 * given to librsvg as bytes without a base file, so that librsvg itself can load nothing else. */
#include "internal.h"

#include <errno.h>
#include <librsvg/rsvg.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

struct yf_image {
    cairo_surface_t *png; /* a PNG, or */
    RsvgHandle *svg;      /* an SVG */
    double width, height; /* natural size, pt */
    gint64 pixels;        /* decoded raster pixels: a PNG's, or those of the rasters an SVG embeds */
};

/* CSS pixels: 96 to the inch, as browsers and librsvg count them. */
#define PX (72.0 / 96.0)
/* A seal or a logo is tens of kilobytes; a file or a raster beyond these is refused before it is
 * decoded (a 30 000-pixel square PNG would take 3.6 GB). */
#define YF_IMAGE_MAX_BYTES (8 * 1024 * 1024)
#define YF_IMAGE_MAX_PIXELS 8000
/* The decoded pixels of a document's images together, 4 bytes each: 25 million pixels are 100 MB,
 * nearly three A4 pages scanned at 300 dpi (8.7 million each); a seal drawn at 600 dpi is one
 * million. Six images each within the side limit would otherwise take 1.5 GB. */
#define YF_DOC_MAX_PIXELS G_GINT64_CONSTANT(25000000)
/* An SVG: elements in the file, and the work of drawing it, in units of one element filled over
 * the whole box, once every <use> and url(#…) reference is expanded (a seal takes about 20).
 * Measured with elements covering a 150 mm box: a unit takes 0.07 ms in the PDF and 0.27 ms in a
 * PNG at 150 dpi; an element drawn through an offscreen group (opacity, clip-path, a blend mode)
 * ten times that, one with a mask 150 times (10 ms in the PDF, 35 ms in the PNG). librsvg's own
 * limits (limits.rs: 1 000 000 elements loaded, 500 000 references resolved) still allow renders
 * of minutes; a chain of <use> ten wide and ten deep draws 10^10. Filters are refused: their cost
 * grows with their parameters and the output's resolution (feTurbulence numOctaves="1000" took
 * 26 s in the PDF, 400 s in a PNG; feConvolveMatrix of order 300 aborted librsvg). */
#define YF_SVG_MAX_ELEMENTS 10000
#define YF_SVG_MAX_DRAWN 5000
#define YF_SVG_GROUP_COST 10
#define YF_SVG_MASK_COST 150
#define YF_SVG_MAX_DEPTH 32

static gboolean is_png(const char *head, size_t n)
{
    return n >= 8 && memcmp(head, "\x89PNG\r\n\x1a\n", 8) == 0;
}

/* A big-endian 32-bit number at `at`. */
static guint32 be32(const char *head, int at)
{
    const unsigned char *p = (const unsigned char *)head + at;
    return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

/* ---- budgets --------------------------------------------------------------------------------- */

/* What is left of a document's budget of pixels, and the images that took the rest. */
typedef struct {
    gint64 left;
    const char *spent; /* "seal.png 1.0、scan.png 8.7" (millions of pixels), or "" */
} budget;

/* What a raster of w × h may still take: a side of YF_IMAGE_MAX_PIXELS, and what is left of the
 * document's budget (minus `also`, pixels of the same image counted before). NULL, or why not
 * (caller frees). */
static char *raster_refused(guint32 w, guint32 h, const budget *b, gint64 also)
{
    if (w > YF_IMAGE_MAX_PIXELS || h > YF_IMAGE_MAX_PIXELS)
        return g_strdup_printf("%u × %u 像素（上限每边 %d）", w, h, YF_IMAGE_MAX_PIXELS);
    if ((gint64)w * h + also > b->left)
        return g_strdup_printf("%u × %u 像素，使本文档的图片合计超过 %" G_GINT64_FORMAT
                               " 百万像素的上限（解码后每像素 4 字节）%s%s%s",
                               w, h, YF_DOC_MAX_PIXELS / 1000000, *b->spent ? "；已有：" : "",
                               b->spent, *b->spent ? "（百万像素）" : "");
    return NULL;
}

/* ---- PNG ------------------------------------------------------------------------------------- */

typedef struct {
    const char *buf;
    size_t len, at;
} reader;

static cairo_status_t read_bytes(void *closure, unsigned char *data, unsigned int n)
{
    reader *r = closure;
    if (r->len - r->at < n)
        return CAIRO_STATUS_READ_ERROR;
    memcpy(data, r->buf + r->at, n);
    r->at += n;
    return CAIRO_STATUS_SUCCESS;
}

static yf_image *load_png(const char *path, const char *buf, size_t len, const budget *b,
                          yf_diags *diags)
{
    if (len >= 24 && memcmp(buf + 12, "IHDR", 4) == 0) {
        char *why = raster_refused(be32(buf, 16), be32(buf, 20), b, 0);
        if (why) {
            yf_error(diags, "image.read", "图片 %s 过大：%s", path, why);
            g_free(why);
            return NULL;
        }
    }
    reader r = { buf, len, 0 };
    cairo_surface_t *s = cairo_image_surface_create_from_png_stream(read_bytes, &r);
    cairo_status_t st = cairo_surface_status(s);
    if (st != CAIRO_STATUS_SUCCESS) {
        yf_error(diags, "image.read", "图片 %s 无法读取：%s", path, cairo_status_to_string(st));
        cairo_surface_destroy(s);
        return NULL;
    }
    yf_image *img = g_new0(yf_image, 1);
    img->png = s;
    img->width = cairo_image_surface_get_width(s) * PX;
    img->height = cairo_image_surface_get_height(s) * PX;
    img->pixels = (gint64)cairo_image_surface_get_width(s) * cairo_image_surface_get_height(s);
    return img;
}

/* ---- SVG: what librsvg would be asked to do ---------------------------------------------------- */

typedef struct {
    GHashTable *ids;     /* id -> xmlNode* */
    GHashTable *drawn;   /* xmlNode* -> elements it draws (+1), or 0 while being counted */
    gint64 pixels;       /* of the rasters embedded so far */
    const budget *budget;
    char *problem;       /* the first problem found */
} svg_check;

static gboolean failed(svg_check *C, char *problem)
{
    if (!C->problem)
        C->problem = problem;
    else
        g_free(problem);
    return FALSE;
}

/* The kind of an embedded raster, by its first bytes: what librsvg draws through gdk-pixbuf. */
static const char *raster_type(const guchar *d, gsize n)
{
    if (n >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "png";
    if (n >= 3 && memcmp(d, "\xff\xd8\xff", 3) == 0)
        return "jpeg";
    if (n >= 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0))
        return "gif";
    return NULL;
}

static guint be16(const guchar *p) { return (guint)p[0] << 8 | p[1]; }

/* The width and height of an embedded raster, from its header, before anything is decoded
 * (gdk-pixbuf's loaders allocate the whole image as soon as they know its size): PNG's IHDR,
 * GIF's logical screen, JPEG's start-of-frame marker (ITU T.81 §B.2.2). */
static gboolean raster_size(const guchar *d, gsize n, const char *type, guint32 size[2])
{
    if (strcmp(type, "png") == 0) {
        if (n < 24 || memcmp(d + 12, "IHDR", 4) != 0)
            return FALSE;
        size[0] = be32((const char *)d, 16);
        size[1] = be32((const char *)d, 20);
        return TRUE;
    }
    if (strcmp(type, "gif") == 0) {
        if (n < 10)
            return FALSE;
        size[0] = d[6] | (guint)d[7] << 8;
        size[1] = d[8] | (guint)d[9] << 8;
        return TRUE;
    }
    for (gsize at = 2; at + 4 <= n;) {
        if (d[at] != 0xFF)
            return FALSE;
        guchar m = d[at + 1];
        if (m == 0xFF) {
            at++; /* fill byte */
            continue;
        }
        gboolean sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
        if (sof && at + 9 <= n) {
            size[1] = be16(d + at + 5);
            size[0] = be16(d + at + 7);
            return TRUE;
        }
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD8)) {
            at += 2; /* markers without a length */
            continue;
        }
        at += 2 + be16(d + at + 2);
    }
    return FALSE;
}

/* An <image href="data:…">: only rasters of known size within the budgets; no SVG in an SVG,
 * whose contents would escape these checks. */
static gboolean check_data_uri(svg_check *C, const char *uri)
{
    const char *comma = strchr(uri, ',');
    if (!comma)
        return failed(C, g_strdup("内嵌图片的 data: 地址没有逗号"));
    gboolean b64 = g_strstr_len(uri, comma - uri, ";base64") != NULL;
    gsize n = 0;
    guchar *d = NULL;
    if (b64) {
        d = g_base64_decode(comma + 1, &n);
    } else {
        char *raw = g_uri_unescape_string(comma + 1, NULL);
        n = raw ? strlen(raw) : 0;
        d = (guchar *)raw;
    }
    const char *type = d ? raster_type(d, n) : NULL;
    guint32 size[2];
    gboolean ok = FALSE;
    if (!type)
        failed(C, g_strdup("内嵌的图片不是 PNG、JPEG 或 GIF 位图（SVG 中不能再内嵌 SVG）"));
    else if (!raster_size(d, n, type, size))
        failed(C, g_strdup_printf("内嵌的 %s 位图无法读取", type));
    else {
        char *why = raster_refused(size[0], size[1], C->budget, C->pixels);
        if (why)
            failed(C, g_strdup_printf("内嵌的位图过大：%s", why));
        else
            C->pixels += (gint64)size[0] * size[1];
        g_free(why);
        ok = why == NULL;
    }
    g_free(d);
    return ok;
}

static gboolean is_element(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

/* Every reference `text` makes: href="#id", url(#id) in attributes and style; anything else is a
 * file or a network address, refused. `add` receives each id. */
static gboolean each_url(svg_check *C, const char *text, void (*add)(void *, const char *),
                         void *user)
{
    for (const char *p = strstr(text, "url("); p; p = strstr(p + 4, "url(")) {
        const char *q = p + 4;
        while (*q == ' ' || *q == '\'' || *q == '"')
            q++;
        if (*q != '#')
            return failed(C, g_strdup_printf("引用了外部资源 %.60s：SVG 只能引用自身的元素", p));
        size_t len = strcspn(q + 1, " '\")");
        char *id = g_strndup(q + 1, len);
        add(user, id);
        g_free(id);
    }
    if (strstr(text, "@import"))
        return failed(C, g_strdup("样式用 @import 引用了外部文件：SVG 只能使用自身的样式"));
    return TRUE;
}

typedef struct {
    svg_check *C;
    GPtrArray *targets; /* xmlNode* referenced */
} refs;

static void add_ref(void *user, const char *id)
{
    refs *R = user;
    xmlNode *t = g_hash_table_lookup(R->C->ids, id);
    if (t)
        g_ptr_array_add(R->targets, t);
}

/* The references of element n: its href and every url(#…) of its attributes and, for <style>,
 * its text. Refuses references to other files. */
static gboolean element_refs(svg_check *C, xmlNode *n, GPtrArray *targets)
{
    refs R = { C, targets };
    gboolean raster = is_element(n, "image") || is_element(n, "feImage");
    if (n->ns && xmlStrcmp(n->ns->href, (const xmlChar *)"http://www.w3.org/2001/XInclude") == 0)
        return failed(C, g_strdup("含有 XInclude：SVG 不能引用其他文件"));
    for (xmlAttr *a = n->properties; a; a = a->next) {
        xmlChar *v = xmlNodeGetContent((xmlNode *)a);
        const char *s = v ? (const char *)v : "";
        gboolean ok = TRUE;
        if (xmlStrcmp(a->name, (const xmlChar *)"href") == 0 && !is_element(n, "a")) {
            if (s[0] == '#')
                add_ref(&R, s + 1);
            else if (raster && g_str_has_prefix(s, "data:"))
                ok = check_data_uri(C, s);
            else
                ok = failed(C, g_strdup_printf("引用了外部文件 %.60s：SVG 只能内嵌位图（data: 地址），"
                                               "不读取其他文件", s));
        } else {
            ok = each_url(C, s, add_ref, &R);
        }
        xmlFree(v);
        if (!ok)
            return FALSE;
    }
    if (is_element(n, "style")) {
        xmlChar *v = xmlNodeGetContent(n);
        gboolean ok = each_url(C, v ? (const char *)v : "", add_ref, &R);
        xmlFree(v);
        return ok;
    }
    return TRUE;
}

/* Vertices of a path or polyline, at most: a marker is drawn at each. */
static gint64 vertices(xmlNode *n)
{
    gint64 count = 1;
    for (const char *attr = "d"; attr; attr = strcmp(attr, "d") == 0 ? "points" : NULL) {
        xmlChar *v = xmlGetProp(n, (const xmlChar *)attr);
        if (v)
            count += xmlStrlen(v) / 2;
        xmlFree(v);
    }
    return count;
}

static gboolean has_marker(xmlNode *n)
{
    for (xmlAttr *a = n->properties; a; a = a->next)
        if (g_str_has_prefix((const char *)a->name, "marker"))
            return TRUE;
    xmlChar *style = xmlGetProp(n, (const xmlChar *)"style");
    gboolean in_style = style && strstr((const char *)style, "marker");
    xmlFree(style);
    return in_style;
}

#define SATURATE(x) MIN((x), (gint64)YF_SVG_MAX_DRAWN + 1)

/* Whether `name` is set as an attribute of n or a property of its style, to anything but `none`
 * (or, for opacity, 1). */
static gboolean has_property(xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    gboolean set = v && strcmp((const char *)v, "none") != 0 && strcmp((const char *)v, "1") != 0;
    xmlFree(v);
    xmlChar *style = xmlGetProp(n, (const xmlChar *)"style");
    for (const char *p = style ? strstr((const char *)style, name) : NULL; p && !set;
         p = strstr(p + 1, name)) {
        const char *q = p + strlen(name);
        while (*q == ' ')
            q++;
        set = *q == ':';
    }
    xmlFree(style);
    return set;
}

/* The work of drawing n itself, in units (see YF_SVG_MAX_DRAWN), or -1 for a filter. */
static gint64 element_cost(svg_check *C, xmlNode *n)
{
    if (is_element(n, "filter") || has_property(n, "filter")) {
        failed(C, g_strdup("含有滤镜（filter）：滤镜的耗时随参数和输出分辨率增长，无法预先限定；"
                           "印章和标志请用普通图形"));
        return -1;
    }
    gint64 cost = 1;
    if (has_property(n, "mask"))
        cost += YF_SVG_MASK_COST;
    if (has_property(n, "opacity") || has_property(n, "clip-path") ||
        has_property(n, "mix-blend-mode") || has_property(n, "isolation"))
        cost += YF_SVG_GROUP_COST;
    /* Long paths and texts: a unit per 200 bytes of path data, per 20 bytes of text. */
    for (const char *attr = "d"; attr; attr = strcmp(attr, "d") == 0 ? "points" : NULL) {
        xmlChar *v = xmlGetProp(n, (const xmlChar *)attr);
        cost += v ? xmlStrlen(v) / 200 : 0;
        xmlFree(v);
    }
    for (xmlNode *c = n->children; c; c = c->next)
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE)
            cost += xmlStrlen(c->content) / 20;
    return cost;
}

/* The elements n draws: itself, its children, and everything it references (a <use>'s target, a
 * url(#…)'s pattern, marker, filter, clip, mask), each reference counted once per instance —
 * per vertex for markers. Counted once per element, saturating above the limit; a reference
 * cycle or a chain deeper than YF_SVG_MAX_DEPTH is refused. Returns -1 on a refusal. */
static gint64 drawn(svg_check *C, xmlNode *n, int depth)
{
    gpointer memo;
    if (g_hash_table_lookup_extended(C->drawn, n, NULL, &memo)) {
        if (GPOINTER_TO_SIZE(memo) == 0) {
            failed(C, g_strdup("元素之间的引用成环"));
            return -1;
        }
        return (gint64)GPOINTER_TO_SIZE(memo) - 1;
    }
    if (depth > YF_SVG_MAX_DEPTH) {
        failed(C, g_strdup_printf("引用嵌套超过 %d 层", YF_SVG_MAX_DEPTH));
        return -1;
    }
    g_hash_table_insert(C->drawn, n, GSIZE_TO_POINTER(0));
    GPtrArray *targets = g_ptr_array_new();
    gint64 total = element_refs(C, n, targets) ? element_cost(C, n) : -1;
    gint64 per_ref = has_marker(n) ? vertices(n) : 1;
    for (guint i = 0; i < targets->len && total >= 0; i++) {
        gint64 t = drawn(C, g_ptr_array_index(targets, i), depth + 1);
        total = t < 0 ? -1 : SATURATE(total + SATURATE(t * per_ref));
    }
    for (xmlNode *c = n->children; c && total >= 0; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        gint64 t = drawn(C, c, depth);
        total = t < 0 ? -1 : SATURATE(total + t);
    }
    g_ptr_array_free(targets, TRUE);
    g_hash_table_insert(C->drawn, n, GSIZE_TO_POINTER((gsize)(total < 0 ? 1 : total + 1)));
    return total;
}

/* Every element with an id; FALSE when there are more than YF_SVG_MAX_ELEMENTS. */
static gboolean index_ids(svg_check *C, xmlNode *root, long *count)
{
    for (xmlNode *n = root; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (++*count > YF_SVG_MAX_ELEMENTS)
            return failed(C, g_strdup_printf("元素超过 %d 个", YF_SVG_MAX_ELEMENTS));
        xmlChar *id = xmlGetProp(n, (const xmlChar *)"id");
        if (id && !g_hash_table_contains(C->ids, id))
            g_hash_table_insert(C->ids, g_strdup((const char *)id), n);
        xmlFree(id);
        if (!index_ids(C, n->children, count))
            return FALSE;
    }
    return TRUE;
}

/* Checks an SVG's bytes before librsvg reads them; NULL, or what is wrong (caller frees).
 * *pixels receives the pixels of the rasters it embeds. */
static char *check_svg(const char *buf, size_t len, const budget *b,
                       gint64 *pixels)
{
    /* A DOCTYPE can declare entities, which librsvg expands (the XML billion laughs). */
    if (g_strstr_len(buf, (gssize)len, "<!DOCTYPE") || g_strstr_len(buf, (gssize)len, "<!ENTITY"))
        return g_strdup("含有 DOCTYPE 声明（出于安全考虑，不处理 DTD 和实体）");
    if (g_strstr_len(buf, (gssize)len, "<?xml-stylesheet"))
        return g_strdup("引用了外部样式表：SVG 只能使用自身的样式");
    xmlDocPtr doc = xmlReadMemory(buf, (int)len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                             XML_PARSE_NOWARNING);
    if (!doc) {
        const xmlError *e = xmlGetLastError();
        char *msg = g_strdup(e && e->message ? e->message : "XML 格式错误");
        char *out = g_strdup_printf("不是格式正确的 SVG（第 %d 行：%s）", e ? e->line : 0,
                                    g_strchomp(msg));
        g_free(msg);
        return out;
    }
    svg_check C = { g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
                    g_hash_table_new(NULL, NULL), 0, b, NULL };
    long count = 0;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (index_ids(&C, root, &count)) {
        gint64 n = drawn(&C, root, 0);
        if (n > YF_SVG_MAX_DRAWN)
            failed(&C, g_strdup_printf("过于复杂：展开 <use> 和 url(#…) 引用后，绘制的工作量超过 %d "
                                       "个元素（蒙版、透明度和剪裁按多个计）", YF_SVG_MAX_DRAWN));
    }
    g_hash_table_destroy(C.ids);
    g_hash_table_destroy(C.drawn);
    xmlFreeDoc(doc);
    *pixels = C.pixels;
    return C.problem;
}

static yf_image *load_svg(const char *path, const char *buf, size_t len, const budget *b,
                          yf_diags *diags)
{
    gint64 pixels = 0;
    char *problem = check_svg(buf, len, b, &pixels);
    if (problem) {
        yf_error(diags, "image.read", "SVG 图片 %s %s", path, problem);
        g_free(problem);
        return NULL;
    }
    /* From bytes, without a base file: librsvg resolves no reference to another file. */
    GError *err = NULL;
    RsvgHandle *h = rsvg_handle_new_from_data((const guint8 *)buf, len, &err);
    if (!h) {
        yf_error(diags, "image.read", "图片 %s 无法读取：%s", path, err ? err->message : "不是 SVG 文件");
        g_clear_error(&err);
        return NULL;
    }
    rsvg_handle_set_dpi(h, 96);
    yf_image *img = g_new0(yf_image, 1);
    img->svg = h;
    img->pixels = pixels;
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

/* ---- loading ------------------------------------------------------------------------------------- */

/* The image at `path`, whose rasters may take what is left of the document's budget. */
static yf_image *image_load(const char *path, const budget *b, yf_diags *diags)
{
    char *buf = NULL;
    size_t n = 0;
    if (yf_read_file(path, YF_IMAGE_MAX_BYTES, &buf, &n) != 0) {
        if (errno == EFBIG)
            yf_error(diags, "image.read", "图片 %s 过大（上限 %d MiB）", path, YF_IMAGE_MAX_BYTES >> 20);
        else
            yf_error(diags, "image.read", "图片 %s 无法打开：%s", path, yf_read_error(errno));
        return NULL;
    }
    yf_image *img = NULL;
    if (is_png(buf, n))
        img = load_png(path, buf, n, b, diags);
    else if (memchr(buf, '<', MIN(n, 512)))
        img = load_svg(path, buf, n, b, diags);
    else
        yf_error(diags, "image.read", "图片 %s 既不是 PNG 也不是 SVG 文件", path);
    g_free(buf);
    return img;
}

yf_image *yf_image_load(const char *path, yf_diags *diags)
{
    budget b = { YF_DOC_MAX_PIXELS, "" };
    return image_load(path, &b, diags);
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
        /* Drawn as one group, clipped to its box, and composited once with the caller's operator
         * (the renderer's MULTIPLY): each element composited by a blend mode takes pixman's slow
         * path, a thousand times slower per element in a PNG. */
        cairo_operator_t op = cairo_get_operator(cr);
        cairo_rectangle(cr, x, y, w, h);
        cairo_clip(cr);
        cairo_push_group(cr);
        cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
        RsvgRectangle box = { x, y, w, h };
        rsvg_handle_render_document(img->svg, cr, &box, NULL);
        cairo_pop_group_to_source(cr);
        cairo_set_operator(cr, op);
        cairo_paint(cr);
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

/* The pixels the layout's images hold, and their names with their share for a message. */
static gint64 pixels_spent(yf_layout *L, GString *names)
{
    gint64 spent = 0;
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, L->images);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        const yf_image *img = value;
        spent += img->pixels;
        if (img->pixels > 0) {
            char *base = g_path_get_basename(key);
            g_string_append_printf(names, "%s%s %.1f", names->len ? "、" : "", base,
                                   (double)img->pixels / 1e6);
            g_free(base);
        }
    }
    return spent;
}

const yf_image *yf_layout_image(yf_layout *L, const char *path, yf_diags *diags)
{
    yf_image *img = g_hash_table_lookup(L->images, path);
    if (img)
        return img;
    /* The document's budget: what the images loaded so far have not taken. */
    GString *names = g_string_new(NULL);
    budget b = { YF_DOC_MAX_PIXELS, NULL };
    b.left -= pixels_spent(L, names);
    b.spent = names->str;
    img = image_load(path, &b, diags);
    g_string_free(names, TRUE);
    if (img)
        g_hash_table_insert(L->images, g_strdup(path), img);
    return img;
}
