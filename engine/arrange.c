/* Compose stage, composite blocks: rows, stacks, signatures and images -> lines.
 *
 * In: a block whose parts are short texts (each set by the composer, compose.c, on one line) or an
 * image. Out: lines for pagination, each holding its parts' glyph runs at their places and its
 * figures (images, relative to the line's box):
 *   - a row: left, centre and right parts on one line, insets in characters — the 发文字号 and the
 *     签发人 of an upward document (GB/T 9704 §7.2.4), the 印发机关 and 印发日期 (§7.4.3), a
 *     bulletin's 编印单位 and date;
 *   - a stack: lines set as one block, the narrower spread to the widest, a side part centred
 *     vertically beside them — the 发文机关标志 of a joint document with "文件" (§7.2.3);
 *   - a signature: issuer and date placed as §7.3.5 says, without or with a seal;
 *   - an image: in the flow on whole grid lines, or floating over what follows.
 * Text blocks go to the composer unchanged and tables to table.c. */
#include "internal.h"

/* Lines in a stack are this many ems apart (baseline to baseline). */
#define STACK_LEADING 1.25

static const yf_block *part_at(const yf_block *b, guint i)
{
    return &g_array_index(b->parts, yf_block, i);
}

/* One line of a part's text, flush left at x 0 without indent or margins: the caller places it.
 * A part too long for the type area, or with a forced break, is still one line: its lines are
 * joined. */
static void one_line(yf_layout *L, const yf_block *part, yf_line *out, yf_diags *diags)
{
    yf_block one = *part;
    one.style.align = YF_ALIGN_LEFT;
    one.style.indent = one.style.margin_left = one.style.margin_right = 0;
    yf_composed c = { 0 };
    yf_compose_block(L->ctx, &L->page, &one, L->page.text_width, &c, diags);
    yf_line_init(out);
    double x = 0;
    for (guint i = 0; i < c.lines->len; i++) {
        yf_line *ln = &g_array_index(c.lines, yf_line, i);
        yf_line_move_runs(out, ln, x, 0);
        x += ln->width;
    }
    out->width = out->natural = x;
    out->overfull = x > L->page.text_width + 1e-6;
    yf_composed_clear(&c);
}

/* ---- rows ------------------------------------------------------------------------------------ */

static int arrange_row(yf_layout *L, const yf_block *b, yf_composed *out, yf_diags *diags)
{
    const double width = L->page.text_width;
    yf_line row;
    yf_line_init(&row);
    double right_of_previous = 0;
    for (guint i = 0; i < 3 * b->parts->len; i++) { /* left, then centre, then right */
        const yf_block *part = part_at(b, i % b->parts->len);
        if (!*part->text || (int)part->part != YF_PART_LEFT + (int)(i / b->parts->len))
            continue;
        yf_line ln;
        one_line(L, part, &ln, diags);
        double inset = part->geom.inset * yf_style_cell(&part->style, &L->page);
        double x = part->part == YF_PART_LEFT    ? inset
                 : part->part == YF_PART_RIGHT   ? width - inset - ln.width
                                                 : (width - ln.width) / 2;
        if (x < right_of_previous - 0.01 || x + ln.width > width + 0.01)
            row.overfull = TRUE;
        right_of_previous = x + ln.width;
        yf_line_move_runs(&row, &ln, x, 0);
        yf_line_clear(&ln);
    }
    if (row.overfull)
        yf_warn(diags, "一行放不下「%s」，各部分重叠", row.text);
    row.width = row.natural = width;
    g_array_append_val(out->lines, row);
    return 0;
}

/* ---- stacks ---------------------------------------------------------------------------------- */

/* Spreads a line to `width` over the gaps between its clusters (分散对齐): the names of a joint
 * issuance are set to one width. */
static void spread(yf_line *ln, double width)
{
    int clusters = 0;
    for (guint r = 0; r < ln->runs->len; r++)
        clusters += g_array_index(ln->runs, yf_run, r).nclusters;
    if (clusters < 2 || width <= ln->width)
        return;
    double gap = (width - ln->width) / (clusters - 1);
    int k = 0;
    for (guint r = 0; r < ln->runs->len; r++) {
        yf_run *run = &g_array_index(ln->runs, yf_run, r);
        for (int c = 0, g = 0; c < run->nclusters; c++, k++)
            for (int n = 0; n < run->clusters[c].num_glyphs; n++, g++)
                run->glyphs[g].x += k * gap;
    }
    ln->width = width;
}

/* A part with its type (and its spans') `k` times the size. Free with part_unscale. */
static yf_block part_scaled(const yf_block *part, double k)
{
    yf_block p = *part;
    p.style.size *= k;
    if (part->spans) {
        p.spans = g_array_copy(part->spans);
        for (guint i = 0; i < p.spans->len; i++)
            g_array_index(p.spans, yf_span, i).size *= k;
    }
    return p;
}

static void part_unscale(yf_block *p)
{
    if (p->spans)
        g_array_free(p->spans, TRUE);
}

/* A stack's lines, set at `k` times their size. */
typedef struct {
    GArray *lines;       /* of yf_line */
    yf_line side;        /* empty without a side */
    double size, side_size, widest, gap, total;
} stack_set;

static void set_stack(yf_layout *L, const yf_block *b, double k, stack_set *S, yf_diags *diags)
{
    *S = (stack_set){ .lines = g_array_new(FALSE, TRUE, sizeof(yf_line)),
                      .size = k * b->style.size };
    g_array_set_clear_func(S->lines, (GDestroyNotify)yf_line_clear);
    yf_line_init(&S->side);
    const yf_block *side = NULL;
    for (guint i = 0; i < b->parts->len; i++) {
        const yf_block *part = part_at(b, i);
        if (!*part->text)
            continue;
        if (part->part == YF_PART_SIDE) {
            side = part;
            continue;
        }
        yf_block scaled = part_scaled(part, k);
        yf_line ln;
        one_line(L, &scaled, &ln, diags);
        part_unscale(&scaled);
        S->widest = MAX(S->widest, ln.width);
        g_array_append_val(S->lines, ln);
    }
    if (side) {
        yf_block scaled = part_scaled(side, k);
        yf_line_clear(&S->side);
        one_line(L, &scaled, &S->side, diags);
        S->side_size = scaled.style.size;
        S->gap = S->lines->len > 1 ? yf_style_cell(&scaled.style, &L->page) : 0;
        part_unscale(&scaled);
    }
    S->total = S->widest + S->gap + S->side.width;
}

/* The lines of a stack one below the other, as wide as the widest, and the side part to their
 * right with its em box centred on theirs: "甲机关 / 乙机关 文件" (GB/T 9704 §7.2.3: "文件" to
 * the right of the names, centred on them vertically). The whole is centred in the type area,
 * and set smaller when it would be wider (§7.2.3 leaves the size to the issuer, not the width).
 * One line with a side is one line: "某某市总工会文件". */
static int arrange_stack(yf_layout *L, const yf_block *b, yf_composed *out, yf_diags *diags)
{
    const double width = L->page.text_width;
    stack_set S;
    set_stack(L, b, 1, &S, diags);
    if (S.total > width) {
        double k = width / S.total;
        g_array_free(S.lines, TRUE);
        yf_line_clear(&S.side);
        set_stack(L, b, k, &S, diags);
    }
    int n = (int)S.lines->len;
    double lead = STACK_LEADING * S.size, x = (width - S.total) / 2;
    yf_line stack;
    yf_line_init(&stack);
    for (int k = 0; k < n; k++) {
        yf_line *ln = &g_array_index(S.lines, yf_line, k);
        spread(ln, S.widest);
        yf_line_move_runs(&stack, ln, x, k * lead);
    }
    /* The stack's em boxes run from 0.88 em above the first baseline to 0.12 em below the last;
     * the side's em box centre is 0.38 of its em above its baseline. */
    double centre = ((n - 1) * lead - 0.76 * S.size) / 2;
    yf_line_move_runs(&stack, &S.side, x + S.widest + S.gap, centre + 0.38 * S.side_size);
    yf_line_clear(&S.side);
    stack.width = stack.natural = width;
    stack.height = S.size + (n - 1) * lead;
    stack.ascent = 0.88 * S.size;
    if (n > 0)
        g_array_append_val(out->lines, stack);
    else
        yf_line_clear(&stack);
    g_array_free(S.lines, TRUE);
    return 0;
}

/* ---- images ---------------------------------------------------------------------------------- */

/* An image's box: the template's width and height, or one of them and the image's proportions,
 * or its natural size. */
static void image_box(const yf_image *img, const yf_geom *g, double *w, double *h)
{
    double nw, nh;
    yf_image_size(img, &nw, &nh);
    *w = g->width > 0 ? g->width : g->height > 0 ? g->height * nw / nh : nw;
    *h = g->height > 0 ? g->height : g->width > 0 ? g->width * nh / nw : nh;
}

/* In the flow, an image takes whole grid lines, its box centred in them; floating, it takes none
 * and lies over what follows, its top at the top of the next line. */
static int arrange_image(yf_layout *L, const yf_block *b, yf_composed *out, yf_diags *diags)
{
    const yf_image *img = yf_layout_image(L, b->image, diags);
    if (!img)
        return -1;
    double w, h, width = L->page.text_width;
    image_box(img, &b->geom, &w, &h);
    /* An image larger than the type area would run off the page (GB/T 9704 §5.2.1 版心). */
    if (w > width + 0.01 || h > L->page.text_height + 0.01) {
        char *name = g_path_get_basename(b->image);
        yf_error_at(diags, b->where, 0, 0, "图片 %s 为 %.1f × %.1f mm，大于版心（%.0f × %.0f mm），"
                    "排不进一页：请在模板中给出更小的 width 或 height", name, w / YF_MM, h / YF_MM,
                    width / YF_MM, L->page.text_height / YF_MM);
        g_free(name);
        return -1;
    }
    double inset = b->geom.inset * yf_style_cell(&b->style, &L->page);
    double x = b->geom.align == YF_ALIGN_LEFT    ? inset
             : b->geom.align == YF_ALIGN_RIGHT   ? width - inset - w
                                                 : (width - w) / 2;
    yf_line ln;
    yf_line_init(&ln);
    g_free(ln.text);
    ln.text = g_path_get_basename(b->image);
    ln.height = h;
    ln.overlay = b->geom.floating;
    yf_line_add_figure(&ln, (yf_figure){ x, 0, w, h, 0, img });
    g_array_append_val(out->lines, ln);
    return 0;
}

/* ---- signatures ------------------------------------------------------------------------------ */

/* GB/T 9704 §7.3.5. Without a seal (§7.3.5.2): the issuer two characters in from the right, the
 * date on the next line starting two characters right of the issuer's start — or, when the date
 * would then come closer than two characters to the right edge (成文日期长于发文机关署名), two
 * characters in from the right, with the issuer two characters left of its start. With a seal
 * (§7.3.5.1): the date four characters in from the right, the issuer centred over it, and the seal
 * centred on them with its centre at the top of the issuer's characters, so that both lie in its
 * lower half; pagination puts its top within one line below the text above (yf_line.seal). */
static int arrange_signature(yf_layout *L, const yf_block *b, yf_composed *out, yf_diags *diags)
{
    const yf_block *issuer = NULL, *date = NULL, *seal = NULL;
    for (guint i = 0; i < b->parts->len; i++) {
        const yf_block *p = part_at(b, i);
        if (p->kind == YF_BLK_IMAGE)
            seal = p;
        else if (p->part == YF_PART_ISSUER)
            issuer = p;
        else
            date = p;
    }
    const yf_image *img = seal ? yf_layout_image(L, seal->image, diags) : NULL;
    if (seal && !img)
        return -1;
    yf_line li, ld;
    one_line(L, issuer, &li, diags);
    one_line(L, date, &ld, diags);
    double width = L->page.text_width, c = yf_style_cell(&issuer->style, &L->page);
    if (img) {
        ld.x = width - 4 * c - ld.width;
        li.x = ld.x + (ld.width - li.width) / 2;
        double w, h;
        image_box(img, &seal->geom, &w, &h);
        double centre = ld.x + ld.width / 2;
        /* x from the type area's edge, y from the top of the issuer's em box. */
        yf_line_add_figure(&li, (yf_figure){ centre - w / 2, -h / 2, w, h, 0, img });
        li.seal = TRUE;
    } else {
        li.x = width - 2 * c - li.width;
        ld.x = li.x + 2 * c;
        if (ld.x + ld.width > width - 2 * c) {
            ld.x = width - 2 * c - ld.width;
            li.x = ld.x - 2 * c;
        }
    }
    if (*issuer->text)
        g_array_append_val(out->lines, li);
    else
        yf_line_clear(&li);
    g_array_append_val(out->lines, ld);
    return 0;
}

int yf_arrange_block(yf_layout *L, const yf_block *b, yf_composed *out, yf_diags *diags)
{
    if (yf_block_is_text(b->kind))
        return yf_compose_block(L->ctx, &L->page, b, L->page.text_width, out, diags);
    if (b->kind == YF_BLK_TABLE)
        return yf_table_compose(L, b, out, diags);
    out->block = b;
    out->lines = g_array_new(FALSE, TRUE, sizeof(yf_line));
    g_array_set_clear_func(out->lines, (GDestroyNotify)yf_line_clear);
    switch (b->kind) {
    case YF_BLK_ROW: return arrange_row(L, b, out, diags);
    case YF_BLK_STACK: return arrange_stack(L, b, out, diags);
    case YF_BLK_SIGNATURE: return arrange_signature(L, b, out, diags);
    case YF_BLK_IMAGE: return arrange_image(L, b, out, diags);
    default: return 0; /* a rule: drawn by pagination, which knows where the text above ends */
    }
}
