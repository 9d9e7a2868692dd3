/* Preflight stage: laid-out pages -> violations.
 *
 * In: a layout whose pages pagination has filled. Out: an error for every page that would be
 * wrong, at the template position of the block at fault, naming the page ("第 3 页：……"), before
 * any page is written — a wrong page is never written. Three things are checked:
 *
 *   1. Nothing overprints: no two glyphs' ink boxes (from the composed runs: glyph positions and
 *      the fonts' ink extents, kept within each glyph's advance), no glyph and a rule or an image,
 *      no two figures of different blocks overlap. Exempt is what a template lays over on purpose:
 *      a floating image (<image float="yes">) over anything; a seal over its own signature
 *      (GB/T 9704 §7.3.5.1: the seal 下压 the issuer and the date), and over anything else only
 *      where its ink is (its square box is mostly paper: a long 附注 under the date may pass
 *      beneath its corner). Exempt too are the glyphs of one run among themselves (the shaper's
 *      kerning and the composer's squeezed punctuation put ink close by design) and the borders
 *      of one table, which meet.
 *   2. Nothing lies outside the type area (版心, GB/T 9704 §5.2.1: 156 × 225 mm, 37 mm from the
 *      top and 28 mm from the left edge) but the furniture the standard puts there:
 *        - the page number "— N —", 7 mm below the type area (§7.5);
 *        - a rule by half its thickness: the 版记's last rule has its lower edge on the bottom
 *          edge (§7.4.1: 末条分隔线与版心下边缘重合), a table's outer borders are centred on it;
 *        - a glyph by 1/20 of its size: the body of a 三号 character (16 pt) is wider than its
 *          grid cell (156 mm / 28 = 15.79 pt) and centred in it, and a face's ink overshoots.
 *      The 版头 (份号, 密级, the 发文机关标志 35 mm down, 发文字号, the red rule, §7.2) and a
 *      bulletin's masthead lie inside the type area by their definition and need no exception.
 *   3. Every line of running text — a block of text (title … h4) whose style keeps the grid — has
 *      its em box centred in whole grid lines of the type area (GB/T 9704 §5.2.2, 22 lines of
 *      225/22 mm). Exempt, from the model: the block a group at the top places at its offset
 *      (<block position="top">: the 发文机关标志 35 mm down, §7.2.3) — the blocks after it in the
 *      group are running text again —, text whose style is off the grid, and every block that is
 *      not running text (rules, rows, stacks, signatures, images, tables: placed by their own
 *      rules).
 *
 * The page is swept top to bottom by groups — the glyphs of one run, a figure — each compared only
 * with those above it that reach down to it; glyphs are compared only where two groups meet. A
 * page of 600 characters costs about 0.2 M instructions, well under a millisecond. */
#include "internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Rounding: positions are sums of doubles from several stages. */
#define EPS 0.01 /* pt */

typedef enum { BOX_GLYPH, BOX_RULE, BOX_IMAGE, BOX_FOLIO } box_kind;

/* What a box may lie over on purpose. */
typedef enum {
    OVER_NONE,
    OVER_ALL,  /* a floating image: over whatever it lands on */
    OVER_OWN   /* a seal: over its own signature (§7.3.5.1), not over the text above it */
} over;

/* An ink box on a page, pt from its top-left corner. */
typedef struct {
    double x0, y0, x1, y1;
    box_kind kind;
    int block;        /* index in the layout's composed blocks; -1: none (the page number) */
    int line, run;    /* placed line and run of a glyph; -1 for a figure */
    over overlay;     /* what it lies over on purpose */
    double thickness; /* a rule's */
    double em;        /* a glyph's type size */
    const yf_image *image;
} box;

/* The boxes of one run of glyphs (or one figure), boxes[first .. first + n), and their bounds:
 * the unit the page is swept by. Glyphs of one run are spaced by the shaper and the composer and
 * are not checked against each other. */
typedef struct {
    double x0, y0, x1, y1;
    guint first, n;
} group;

/* An image's ink as render.c draws it — multiplied into white paper, so that a PNG's white
 * ground is no ink — in cells of half a millimetre. */
typedef struct {
    const yf_image *image;
    double w, h;         /* its box, pt */
    int cols, rows;
    guint8 *ink;         /* rows × cols, 1 where there is ink */
} ink_mask;

typedef struct {
    const yf_layout *L;
    yf_diags *diags;
    int page;           /* 1-based, for messages */
    GArray *boxes;      /* of box */
    GArray *groups;     /* of group */
    GHashTable *said;   /* of reported (check, block, block) keys on this page, gint64 */
    GPtrArray *masks;   /* of ink_mask*: the seals met so far */
    int errors;
} checker;

static const yf_block *block_at(const yf_layout *L, int b)
{
    return g_array_index(L->composed, yf_composed, b).block;
}

/* ---- boxes ---------------------------------------------------------------------------------- */

static void add_box(checker *C, box b)
{
    g_array_append_val(C->boxes, b);
}

/* Closes the group of the boxes added since box `first`. */
static void end_group(checker *C, guint first)
{
    if (C->boxes->len == first)
        return;
    group g = { G_MAXDOUBLE, G_MAXDOUBLE, -G_MAXDOUBLE, -G_MAXDOUBLE, first, C->boxes->len - first };
    for (guint i = first; i < C->boxes->len; i++) {
        const box *b = &g_array_index(C->boxes, box, i);
        g.x0 = MIN(g.x0, b->x0);
        g.y0 = MIN(g.y0, b->y0);
        g.x1 = MAX(g.x1, b->x1);
        g.y1 = MAX(g.y1, b->y1);
    }
    g_array_append_val(C->groups, g);
}

static void add_glyphs(checker *C, const yf_line *ln, double x, double baseline, box_kind kind,
                       int block, int line)
{
    for (guint r = 0; r < ln->runs->len; r++) {
        const yf_run *run = &g_array_index(ln->runs, yf_run, r);
        guint first = C->boxes->len;
        for (int g = 0; g < run->nglyphs; g++) {
            PangoRectangle ink, body;
            pango_font_get_glyph_extents(run->font, (PangoGlyph)run->glyphs[g].index, &ink,
                                         &body);
            if (ink.width <= 0 || ink.height <= 0)
                continue;
            double ox = x + run->glyphs[g].x, oy = baseline + run->glyphs[g].y;
            double x0 = ox + (double)ink.x / PANGO_SCALE, x1 = x0 + (double)ink.width / PANGO_SCALE;
            if (body.width > 0) {
                /* Ink within the body: a serif face's stroke may reach past its advance. */
                x0 = MAX(x0, ox + (double)body.x / PANGO_SCALE);
                x1 = MIN(x1, ox + (double)(body.x + body.width) / PANGO_SCALE);
            }
            double y0 = oy + (double)ink.y / PANGO_SCALE;
            if (x1 <= x0)
                continue;
            add_box(C, (box){ x0, y0, x1, y0 + (double)ink.height / PANGO_SCALE, kind, block,
                              line, (int)r, OVER_NONE, 0, run->size, NULL });
        }
        end_group(C, first);
    }
}

static void collect(checker *C, const yf_pagebox *pb)
{
    g_array_set_size(C->boxes, 0);
    g_array_set_size(C->groups, 0);
    for (guint i = 0; i < pb->placed->len; i++) {
        const yf_placed *pl = &g_array_index(pb->placed, yf_placed, i);
        add_glyphs(C, pl->line, pl->x, pl->baseline, BOX_GLYPH, pl->block, (int)i);
    }
    for (guint i = 0; i < pb->figures->len; i++) {
        const yf_figure *f = &g_array_index(pb->figures, yf_figure, i);
        yf_figure_source from = { -1, FALSE };
        if (pb->sources && i < pb->sources->len)
            from = g_array_index(pb->sources, yf_figure_source, i);
        if (f->w <= 0 || f->h <= 0)
            continue;
        over o = !from.overlay ? OVER_NONE
               : from.block >= 0 && block_at(C->L, from.block)->kind == YF_BLK_SIGNATURE
                   ? OVER_OWN
                   : OVER_ALL;
        add_box(C, (box){ f->x, f->y, f->x + f->w, f->y + f->h, f->image ? BOX_IMAGE : BOX_RULE,
                          from.block, -1, -1, o, f->image ? 0 : MIN(f->w, f->h), 0, f->image });
        end_group(C, C->boxes->len - 1);
    }
    if (pb->folio.lines && pb->folio.lines->len)
        add_glyphs(C, &g_array_index(pb->folio.lines, yf_line, 0), pb->folio_x,
                   pb->folio_baseline, BOX_FOLIO, -1, -1);
}

/* ---- messages ------------------------------------------------------------------------------- */

/* "「text」", the first characters of `text`, a line's or a run's. */
static char *quote(const char *text, int len)
{
    char *own = len < 0 ? g_strdup(text ? text : "") : g_strndup(text, (gsize)len);
    glong n = g_utf8_strlen(own, -1);
    const char *end = g_utf8_offset_to_pointer(own, MIN(n, 12));
    char *q = g_strdup_printf("「%.*s%s」", (int)(end - own), own, n > 12 ? "……" : "");
    g_free(own);
    return q;
}

/* What a box is, as a message names it: the start of its line's text (of its run's, `run`: two
 * parts of one line), "分隔线", "图片「seal.svg」", "印章", "页码". */
static char *describe(const checker *C, const box *b, gboolean run)
{
    if (b->kind == BOX_FOLIO)
        return g_strdup("页码");
    const yf_block *blk = b->block >= 0 ? block_at(C->L, b->block) : NULL;
    if (b->kind == BOX_RULE)
        return g_strdup(blk && blk->kind == YF_BLK_TABLE ? "表格线" : "分隔线");
    if (b->kind == BOX_IMAGE && blk && blk->kind == YF_BLK_SIGNATURE)
        return g_strdup("印章");
    if (b->kind == BOX_IMAGE)
        return blk && blk->text ? g_strdup_printf("图片「%s」", blk->text) : g_strdup("图片");
    const yf_pagebox *pb = &g_array_index(C->L->pages, yf_pagebox, C->page - 1);
    const yf_line *ln = g_array_index(pb->placed, yf_placed, b->line).line;
    if (!run)
        return quote(ln->text, -1);
    const yf_run *r = &g_array_index(ln->runs, yf_run, b->run);
    return quote(r->text, r->text_len);
}

/* Once per page for the same kind of problem between the same blocks. */
static gint64 said_key(int check, int a, int b)
{
    return ((gint64)check << 58) | ((gint64)(a + 1) << 29) | (gint64)(b + 1);
}

static gboolean said(const checker *C, int check, int a, int b)
{
    gint64 key = said_key(check, a, b);
    return g_hash_table_contains(C->said, &key);
}

static gboolean first_time(checker *C, int check, int a, int b)
{
    gint64 key = said_key(check, a, b);
    if (g_hash_table_contains(C->said, &key))
        return FALSE;
    g_hash_table_add(C->said, g_memdup2(&key, sizeof key));
    return TRUE;
}

static void error_at_block(checker *C, const char *code, int block, const char *msg)
{
    const yf_block *blk = block >= 0 ? block_at(C->L, block) : NULL;
    yf_diag_at at = yf_block_at(blk && blk->file ? blk : NULL, 0, 0);
    yf_diag_put(C->diags, YF_ERROR, code, &at, "第 %d 页：%s", C->page, msg);
    C->errors++;
}

/* ---- 1. overlaps ---------------------------------------------------------------------------- */

static gboolean exempt_pair(const box *a, const box *b)
{
    if (a->overlay == OVER_ALL || b->overlay == OVER_ALL)
        return TRUE;
    if ((a->overlay == OVER_OWN || b->overlay == OVER_OWN) && a->block == b->block)
        return TRUE;
    /* The figures of one block (a table's borders meet at its corners). */
    if (a->kind != BOX_GLYPH && b->kind != BOX_GLYPH && a->block == b->block)
        return TRUE;
    return a->kind == BOX_FOLIO && b->kind == BOX_FOLIO;
}

/* ---- a seal's ink ------------------------------------------------------------------------- */

#define MASK_CELL (0.5 * YF_MM)

static void mask_free(gpointer p)
{
    ink_mask *m = p;
    g_free(m->ink);
    g_free(m);
}

static const ink_mask *mask_of(checker *C, const yf_image *image, double w, double h)
{
    for (guint i = 0; i < C->masks->len; i++) {
        const ink_mask *m = g_ptr_array_index(C->masks, i);
        if (m->image == image && m->w == w && m->h == h)
            return m;
    }
    ink_mask *m = g_new0(ink_mask, 1);
    m->image = image;
    m->w = w;
    m->h = h;
    m->cols = MAX(1, (int)ceil(w / MASK_CELL));
    m->rows = MAX(1, (int)ceil(h / MASK_CELL));
    m->ink = g_new0(guint8, (gsize)m->cols * m->rows);
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, m->cols, m->rows);
    cairo_t *cr = cairo_create(s);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_scale(cr, m->cols / w, m->rows / h);
    cairo_set_operator(cr, CAIRO_OPERATOR_MULTIPLY);
    yf_image_draw(image, cr, 0, 0, w, h);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    const unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int y = 0; data && y < m->rows; y++)
        for (int x = 0; x < m->cols; x++) {
            uint32_t px = *(const uint32_t *)(data + y * stride + 4 * x);
            /* Ink: a pixel visibly darker than the paper in any channel. */
            m->ink[y * m->cols + x] = ((px >> 16) & 0xFF) < 240 || ((px >> 8) & 0xFF) < 240 ||
                                      (px & 0xFF) < 240;
        }
    cairo_surface_destroy(s);
    g_ptr_array_add(C->masks, m);
    return m;
}

/* Whether image box `s` has ink where box `b` lies, more than a cell of the mask inside it (the
 * mask measures no finer: a touch closer than that is not told from a miss). */
static gboolean image_ink_under(checker *C, const box *s, const box *b)
{
    const ink_mask *m = mask_of(C, s->image, s->x1 - s->x0, s->y1 - s->y0);
    double cw = m->w / m->cols, ch = m->h / m->rows;
    double x0 = MAX(b->x0 + cw, s->x0), x1 = MIN(b->x1 - cw, s->x1);
    double y0 = MAX(b->y0 + ch, s->y0), y1 = MIN(b->y1 - ch, s->y1);
    int c0 = MAX(0, (int)floor((x0 - s->x0) / cw)), c1 = MIN(m->cols - 1, (int)ceil((x1 - s->x0) / cw) - 1);
    int r0 = MAX(0, (int)floor((y0 - s->y0) / ch)), r1 = MIN(m->rows - 1, (int)ceil((y1 - s->y0) / ch) - 1);
    for (int r = r0; r <= r1; r++)
        for (int c = c0; c <= c1; c++)
            if (m->ink[r * m->cols + c])
                return TRUE;
    return FALSE;
}

/* A seal over something else than its signature (the text above, a 附注 under the date) only
 * where its ink is: its box is mostly paper. */
static gboolean overprints(checker *C, const box *a, const box *b)
{
    if (a->overlay == OVER_OWN && a->image)
        return image_ink_under(C, a, b);
    if (b->overlay == OVER_OWN && b->image)
        return image_ink_under(C, b, a);
    return TRUE;
}

static void report_overlap(checker *C, const box *a, const box *b)
{
    /* The message goes to the block placed later in the document: the one drawn over the other. */
    if (b->block < a->block) {
        const box *t = a;
        a = b;
        b = t;
    }
    if (!first_time(C, 1, a->block, b->block))
        return;
    gboolean same = a->line >= 0 && a->line == b->line;
    char *da = describe(C, a, same), *db = describe(C, b, same);
    const yf_block *other = a->block >= 0 ? block_at(C->L, a->block) : NULL;
    char *where = other && other->file && a->block != b->block
                      ? g_strdup_printf("（%s:%d:%d）", other->file, other->line, other->col)
                      : g_strdup("");
    char *msg = g_strdup_printf("%s与%s%s重叠", db, da, where);
    error_at_block(C, "preflight.overlap", b->block >= 0 ? b->block : a->block, msg);
    g_free(msg);
    g_free(where);
    g_free(da);
    g_free(db);
}

static const box *box_at(const checker *C, guint i)
{
    return &g_array_index(C->boxes, box, i);
}

static gboolean boxes_meet(const box *a, const box *b)
{
    return a->x0 < b->x1 - EPS && b->x0 < a->x1 - EPS && a->y0 < b->y1 - EPS && b->y0 < a->y1 - EPS;
}

static gboolean box_in(const box *b, const group *g)
{
    return b->x0 < g->x1 - EPS && g->x0 < b->x1 - EPS && b->y0 < g->y1 - EPS && g->y0 < b->y1 - EPS;
}

static int by_left(const void *pa, const void *pb, void *boxes)
{
    const box *a = &g_array_index((GArray *)boxes, box, *(const guint *)pa & 0x7FFFFFFF);
    const box *b = &g_array_index((GArray *)boxes, box, *(const guint *)pb & 0x7FFFFFFF);
    return (a->x0 > b->x0) - (a->x0 < b->x0);
}

/* Two groups whose bounds meet: the boxes of each inside the other's bounds, swept left to right,
 * compared across the groups. Reports the first pair that overprints. */
static void check_pair(checker *C, const group *g, const group *h)
{
    GArray *cand = g_array_new(FALSE, FALSE, sizeof(guint));
    for (guint i = g->first; i < g->first + g->n; i++)
        if (box_in(box_at(C, i), h))
            g_array_append_val(cand, i);
    for (guint i = h->first; i < h->first + h->n; i++)
        if (box_in(box_at(C, i), g)) {
            guint tagged = i | 0x80000000u; /* of the second group */
            g_array_append_val(cand, tagged);
        }
    g_array_sort_with_data(cand, by_left, C->boxes);
    guint *active = g_new(guint, cand->len + 1), n = 0;
    gboolean found = FALSE;
    for (guint k = 0; k < cand->len && !found; k++) {
        guint t = g_array_index(cand, guint, k);
        const box *b = box_at(C, t & 0x7FFFFFFF);
        guint kept = 0;
        for (guint j = 0; j < n && !found; j++) {
            const box *a = box_at(C, active[j] & 0x7FFFFFFF);
            if (a->x1 <= b->x0 + EPS)
                continue;
            active[kept++] = active[j];
            if ((active[j] ^ t) >> 31 && boxes_meet(a, b) && overprints(C, a, b)) {
                report_overlap(C, a, b);
                found = TRUE;
            }
        }
        n = kept;
        active[n++] = t;
    }
    g_free(active);
    g_array_free(cand, TRUE);
}

static int by_top(const void *pa, const void *pb)
{
    const group *a = pa, *b = pb;
    return (a->y0 > b->y0) - (a->y0 < b->y0);
}

/* Runs and figures sorted by their tops, each compared only with those above it that reach down
 * to it; where two meet, their boxes. */
static void check_overlaps(checker *C)
{
    GArray *groups = C->groups;
    g_array_sort(groups, by_top);
    guint *active = g_new(guint, groups->len + 1), n = 0;
    for (guint i = 0; i < groups->len; i++) {
        const group *h = &g_array_index(groups, group, i);
        const box *hb = box_at(C, h->first);
        guint kept = 0;
        for (guint k = 0; k < n; k++) {
            const group *g = &g_array_index(groups, group, active[k]);
            if (g->y1 <= h->y0 + EPS)
                continue;
            active[kept++] = active[k];
            const box *gb = box_at(C, g->first);
            if (g->x0 < h->x1 - EPS && h->x0 < g->x1 - EPS && !exempt_pair(gb, hb) &&
                !said(C, 1, MIN(gb->block, hb->block), MAX(gb->block, hb->block)))
                check_pair(C, g, h);
        }
        n = kept;
        active[n++] = i;
    }
    g_free(active);
}

/* ---- 2. the type area ----------------------------------------------------------------------- */

/* How far a box lies past each edge of the type area (left, top, right, bottom), pt. */
typedef struct {
    int block, side;
    double amount;
    guint box;
} excess;

static const char *const side_name[4] = { "左", "上", "右", "下" };

static void note_excess(GArray *found, int block, int side, double amount, guint box)
{
    for (guint k = 0; k < found->len; k++) {
        excess *e = &g_array_index(found, excess, k);
        if (e->block == block && e->side == side) {
            if (amount > e->amount)
                *e = (excess){ block, side, amount, box };
            return;
        }
    }
    excess e = { block, side, amount, box };
    g_array_append_val(found, e);
}

/* Every box inside the type area. A glyph may reach past an edge by 1/20 of its size (the
 * overshoot the composer allows a mark's ink too, and the body of a 三号 character, 16 pt, is
 * wider than its grid cell of 156 mm / 28 = 15.79 pt); a rule by half its thickness. The largest
 * excess of each block past each edge is reported. */
static void check_area(checker *C)
{
    const yf_page *p = &C->L->page;
    double edge[4] = { p->left, p->top, p->left + p->text_width, p->top + p->text_height };
    GArray *found = g_array_new(FALSE, FALSE, sizeof(excess));
    for (guint i = 0; i < C->groups->len; i++) {
        const group *g = &g_array_index(C->groups, group, i);
        const box *b = box_at(C, g->first);
        if (b->kind == BOX_FOLIO)
            continue; /* §7.5: below the type area */
        const yf_block *blk = b->block >= 0 ? block_at(C->L, b->block) : NULL;
        if (blk && blk->kind == YF_BLK_RULE && blk->geom.from_page)
            continue; /* placed on the page by its own rule: the 信函格式's double rules (§10.1) */
        /* A group placed from the page's top edge above the type area: the 信函格式's 发文机关标志
         * 30 mm from the top of the page, 7 mm above the type area (§10.1). */
        gboolean above = blk && blk->place == YF_PLACE_TOP && blk->geom.offset < 0;
        double tol = EPS + b->thickness / 2 + b->em / 20;
        double out[4] = { edge[0] - g->x0, edge[1] - g->y0, g->x1 - edge[2], g->y1 - edge[3] };
        for (int s = 0; s < 4; s++)
            if (out[s] > tol && !(s == 1 && above))
                note_excess(found, b->block, s, out[s], g->first);
    }
    for (guint k = 0; k < found->len; k++) {
        const excess *e = &g_array_index(found, excess, k);
        char *d = describe(C, &g_array_index(C->boxes, box, e->box), FALSE);
        char *msg = g_strdup_printf("%s超出版心%s边 %.1f mm（版心 %.0f × %.0f mm）", d,
                                    side_name[e->side], e->amount / YF_MM,
                                    p->text_width / YF_MM, p->text_height / YF_MM);
        error_at_block(C, "preflight.outside", e->block, msg);
        g_free(msg);
        g_free(d);
    }
    g_array_free(found, TRUE);
}

/* ---- 3. the line grid ----------------------------------------------------------------------- */

/* The type size of a line: its largest run's, or its block's. */
static double line_size(const yf_line *ln, const yf_block *blk)
{
    double size = blk->style.size;
    for (guint r = 0; r < ln->runs->len; r++)
        size = MAX(size, g_array_index(ln->runs, yf_run, r).size);
    return size;
}

/* Lines off the grid by design: what is not running text (rules, rows, stacks, signatures,
 * images, tables have their own rules), text not set on the grid, and the block a group at the top
 * places at its fixed distance (<block position="top">: its first block; the blocks after it are
 * running text again and belong on the grid). */
static gboolean on_grid_exempt(const yf_layout *L, int b)
{
    const yf_block *blk = block_at(L, b);
    if (!yf_block_is_text(blk->kind) || !blk->style.grid)
        return TRUE;
    if (blk->place == YF_PLACE_TOP && blk->geom.offset < 0)
        return TRUE; /* a group laid from the page's edge, measured from its rules (§10.1) */
    return blk->place == YF_PLACE_TOP && (b == 0 || block_at(L, b - 1)->group != blk->group);
}

/* A line of running text has its ideographic em box (0.88 em above the baseline, 0.12 below)
 * centred in the grid lines it takes: one, or as many as a larger size needs. */
static void check_grid(checker *C, const yf_pagebox *pb)
{
    const yf_page *p = &C->L->page;
    double pitch = yf_page_pitch(p);
    for (guint i = 0; i < pb->placed->len; i++) {
        const yf_placed *pl = &g_array_index(pb->placed, yf_placed, i);
        const yf_block *blk = block_at(C->L, pl->block);
        if (on_grid_exempt(C->L, pl->block) || pl->line->height > 0 || pl->line->overlay)
            continue;
        double h = line_size(pl->line, blk);
        int rows = h > pitch + 1e-6 ? (int)ceil(h / pitch - 1e-6) : 1;
        double top = pl->baseline - 0.88 * h - (rows * pitch - h) / 2 - p->top;
        double off = top - round(top / pitch) * pitch;
        gboolean inside = top > -EPS && top + rows * pitch < p->text_height + EPS;
        if ((fabs(off) <= 0.05 && inside) || !first_time(C, 3, pl->block, 0))
            continue;
        box b = { .kind = BOX_GLYPH, .block = pl->block, .line = (int)i };
        char *d = describe(C, &b, FALSE);
        char *msg = inside ? g_strdup_printf("%s不在行格上（基线偏离 %.2f mm；行距 %.2f mm）", d,
                                             off / YF_MM, pitch / YF_MM)
                           : g_strdup_printf("%s不在版心的行格内", d);
        error_at_block(C, "preflight.off-grid", pl->block, msg);
        g_free(msg);
        g_free(d);
    }
}

int yf_preflight(const yf_layout *L, yf_diags *diags)
{
    checker C = { .L = L, .diags = diags, .boxes = g_array_new(FALSE, FALSE, sizeof(box)),
                  .groups = g_array_new(FALSE, FALSE, sizeof(group)),
                  .said = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL),
                  .masks = g_ptr_array_new_with_free_func(mask_free) };
    for (guint i = 0; i < L->pages->len; i++) {
        const yf_pagebox *pb = &g_array_index(L->pages, yf_pagebox, i);
        C.page = (int)i + 1;
        g_hash_table_remove_all(C.said);
        collect(&C, pb);
        check_area(&C);
        check_grid(&C, pb);
        check_overlaps(&C);
    }
    g_array_free(C.boxes, TRUE);
    g_array_free(C.groups, TRUE);
    g_hash_table_destroy(C.said);
    g_ptr_array_free(C.masks, TRUE);
    return C.errors ? -1 : 0;
}
