/* Paginate stage: composed lines -> pages.
 *
 * In: a document whose blocks the composer has set into lines. Out: pages on which every line
 * sits on the GB/T 9704 line grid (22 lines of 225 mm / 22 = 28.99 pt from the top of the type
 * area), the figures (rules, table borders, images) at their places, the page numbers "— N —"
 * and the outline entries of the headings.
 *
 * Placement the standard fixes: a group of blocks at a fixed distance from the top of the type
 * area, measured to the top of its first line's ink (the 发文机关标志 35 mm down, §7.2.3), with the
 * grid resuming below it; a rule that far below the text above (the red rule 4 mm under the
 * 发文字号, §7.2.5) or between two grid lines (the 版记's, §7.4.1); the end group at the foot of
 * the last page, its last line on the last grid line so that a rule after it lies on the bottom
 * edge of the type area (the 版记, §7.4.1; a bulletin's 报尾); a seal's top within one line below
 * the text above (§7.3.5.1), and the signature on one page with the text it signs (§7.3.5.4).
 * Tables keep a row on one page and repeat their header rows. A line taller than a page is an
 * error at its template element.
 *
 * Rules: a heading is kept with the first two lines that follow it; a paragraph's first line is
 * not left alone at the foot of a page, nor its last line alone at the head of the next (孤行);
 * before one of these rules leaves a page short (GB/T 9704 §5.2.2: 22 lines a page), a paragraph
 * on it is set one line shorter (缩行), or one on it or before it one line longer (伸行), its lines
 * a character denser or looser, and the document paginated again; a page left short says why
 * (a forced break, or a rule no paragraph could absorb) for the dump; a line whose type is larger
 * than the line pitch (a masthead) takes as many whole grid lines as it needs, so that every line
 * after it is still on the grid. */
#include "internal.h"

#include <math.h>
#include <string.h>

/* The type size of line i: its largest run's (a span may be larger than its block). */
static double line_size(const yf_composed *c, guint i)
{
    const yf_line *ln = &g_array_index(c->lines, yf_line, i);
    double size = c->block->style.size;
    for (guint r = 0; r < ln->runs->len; r++)
        size = MAX(size, g_array_index(ln->runs, yf_run, r).size);
    return size;
}

/* The box of line i — the ideographic em box of its type (0.88 em above the baseline, 0.12 below
 * in the CJK faces), or the box the composer gave it (a stack, an image, a table's grid line) —
 * and the depth of its first baseline in it. */
static void line_box(const yf_composed *c, guint i, double *height, double *ascent)
{
    const yf_line *ln = &g_array_index(c->lines, yf_line, i);
    if (ln->height > 0) {
        *height = ln->height;
        *ascent = ln->ascent;
        return;
    }
    *height = line_size(c, i);
    *ascent = 0.88 * *height;
}

/* Grid lines a line occupies: one, or as many whole lines as a box taller than the pitch needs
 * (a 42 pt masthead takes two lines of 28.99 pt), so that the lines after it stay on the grid;
 * none for a float. */
static int line_rows(const yf_page *p, const yf_composed *c, guint i)
{
    double h, asc, pitch = yf_page_pitch(p);
    line_box(c, i, &h, &asc);
    if (g_array_index(c->lines, yf_line, i).overlay)
        return 0;
    return h > pitch + 1e-6 ? (int)ceil(h / pitch - 1e-6) : 1;
}

/* The top of the grid line g (0-based) of a page. */
static double grid_top(const yf_page *p, int g)
{
    return p->top + g * yf_page_pitch(p);
}

/* The first grid line whose top is at or below y. */
static int grid_below(const yf_page *p, double y)
{
    return (int)ceil((y - p->top) / yf_page_pitch(p) - 1e-6);
}

typedef struct {
    yf_layout *L;
    int line;          /* next free grid line on the current page */
    yf_pagebox *page;  /* the current page */
    int first;         /* the first block with a line on the current page, or -1 */
    gboolean *tried;   /* per block: already asked to be set one line shorter */
    gboolean *tried_longer; /* per block: already asked to be set one line longer */
    int tighten;       /* a block to set one line shorter (or longer) before paginating again,
                          or -1 */
    gboolean longer;   /* `tighten` is to be set one line longer (伸行) */
    double bottom;     /* the bottom of what was placed last (a line's box, a rule), page y */
    gboolean no_space; /* the next block goes exactly where it is put: no space before it */
    yf_diags *diags;
    gboolean *reported;/* per block: its error already reported (passes repeat) */
    int *carry;        /* per block: its last lines that go to the next page with a signature */
    gboolean *carried; /* per signature: text already carried to its page */
    int carry_block;   /* a block to give `carry` lines before paginating again, or -1 */
    int carry_lines;
    double seal_bottom;/* the lowest seal's bottom on the current page, page y, or 0 */
    int pin_placed;    /* a rule with space-after in a top group: the first line placed after
                          it, or -1 */
    guint pin_figures; /* and the first figure after it */
    double pin_y;      /* where the top of that line's characters goes, page y */
    int max_pages;     /* the limit of yf_context_set_max_pages */
    gboolean over;     /* more pages than max_pages: pagination stops */
} flow;

static void pagebox_clear(gpointer p)
{
    yf_pagebox *pb = p;
    g_array_free(pb->placed, TRUE);
    g_array_free(pb->figures, TRUE);
    g_array_free(pb->sources, TRUE);
    yf_composed_clear(&pb->folio);
}

static void new_page(flow *F)
{
    yf_pagebox pb = { 0 };
    pb.placed = g_array_new(FALSE, TRUE, sizeof(yf_placed));
    pb.figures = g_array_new(FALSE, TRUE, sizeof(yf_figure));
    pb.sources = g_array_new(FALSE, TRUE, sizeof(yf_figure_source));
    g_array_append_val(F->L->pages, pb);
    F->page = &g_array_index(F->L->pages, yf_pagebox, F->L->pages->len - 1);
    if (F->max_pages > 0 && F->L->pages->len > (guint)F->max_pages)
        F->over = TRUE;
    F->line = 0;
    F->first = -1;
    F->bottom = F->L->page.top;
    F->seal_bottom = 0;
}

static void add_figure(flow *F, yf_figure f, yf_figure_source from)
{
    g_array_append_val(F->page->figures, f);
    g_array_append_val(F->page->sources, from);
}

/* Whether anything — a line, a rule, an image — is on the current page. */
static gboolean page_used(const flow *F)
{
    return F->page->placed->len > 0 || F->page->figures->len > 0;
}

/* Ends the current page before its last grid line: the dump says why (a forced break — an
 * attachment, a page break, the signature kept with its text, the 版记 — or the rule no paragraph
 * on the page could be set one line longer or shorter to avoid). */
static void end_page(flow *F, const char *why)
{
    if (F->line < F->L->page.lines_per_page && page_used(F))
        F->page->ends = why;
    new_page(F);
}

static const yf_composed *composed_at(const yf_layout *L, guint b)
{
    return &g_array_index(L->composed, yf_composed, b);
}

/* Puts line i of block b on the next free grid line(s): its box centred in the lines it takes
 * (a float's at the top of the next line), its figures with it. */
static void place(flow *F, guint b, guint i)
{
    const yf_page *p = &F->L->page;
    const yf_composed *c = composed_at(F->L, b);
    int rows = line_rows(p, c, i);
    if (F->line > 0 && F->line + rows > p->lines_per_page)
        new_page(F);
    const yf_line *ln = &g_array_index(c->lines, yf_line, i);
    double h, asc;
    line_box(c, i, &h, &asc);
    double top = grid_top(p, F->line) + (rows ? (rows * yf_page_pitch(p) - h) / 2 : 0);
    yf_placed pl = { ln, p->left + ln->x, top + asc, (int)b };
    g_array_append_val(F->page->placed, pl);
    for (guint k = 0; ln->figures && k < ln->figures->len; k++) {
        yf_figure f = g_array_index(ln->figures, yf_figure, k);
        f.x += p->left;
        f.y += top;
        add_figure(F, f, (yf_figure_source){ (int)b, f.image && (ln->overlay || ln->seal) });
    }
    F->line += rows;
    if (!ln->overlay)
        F->bottom = top + h;
    if (F->first < 0)
        F->first = (int)b;
}

/* How many of c's lines from line i fit in `room` grid lines. */
static int lines_fitting(const yf_page *p, const yf_composed *c, int i, int room)
{
    int n = (int)c->lines->len, take = 0;
    for (int used = 0; i + take < n; take++) {
        used += line_rows(p, c, (guint)(i + take));
        if (used > room)
            break;
    }
    return take;
}

/* How many of c's lines from line i go on a page with `room` grid lines left: as many as fit, but
 * a paragraph's last line is not left alone at the head of the next page (孤行), nor its first
 * line alone at the foot of this one. 0: start on the next page. */
static int page_take(const yf_page *p, const yf_composed *c, int i, int room)
{
    int n = (int)c->lines->len, take = lines_fitting(p, c, i, room);
    if (i + take == n)
        return take;
    if (n - (i + take) == 1 && take > 1)
        take--;
    if (i == 0 && take == 1)
        take = 0;
    return take;
}

/* Whether block b, its first line at grid line `at` of a page, keeps its promise there (a heading,
 * a title): all its lines on the page, and with them the first two lines of the block that
 * follows — or, when that is a heading too, that heading with its own two lines. */
static gboolean kept_with_next(const yf_layout *L, guint b, int at)
{
    const yf_page *p = &L->page;
    const yf_composed *c = composed_at(L, b);
    int end = at;
    for (guint i = 0; i < c->lines->len; i++)
        end += line_rows(p, c, i);
    if (end > p->lines_per_page || b + 1 >= L->composed->len)
        return end <= p->lines_per_page;
    const yf_composed *next = composed_at(L, b + 1);
    int next_at = end + c->block->style.space_after + next->block->style.space_before;
    if (next->block->style.keep_with_next)
        return kept_with_next(L, b + 1, next_at);
    int want = MIN(2, (int)next->lines->len);
    return next_at + want <= p->lines_per_page &&
           page_take(p, next, 0, p->lines_per_page - next_at) >= want;
}

static void add_outline(flow *F, const yf_block *block)
{
    const yf_page *p = &F->L->page;
    yf_outline o = { g_strdup(block->outline), block->style.outline_level, (int)F->L->pages->len,
                     p->top + F->line * yf_page_pitch(p) };
    g_array_append_val(F->L->outline, o);
}

/* ---- 缩行 and 伸行: a page left short is cured by paragraphs one line shorter or longer ------- */

static gboolean tightenable(const flow *F, int b)
{
    const yf_block *blk = composed_at(F->L, (guint)b)->block;
    const yf_style *st = &blk->style;
    return !F->tried[b] && yf_block_is_text(blk->kind) && st->align == YF_ALIGN_JUSTIFY &&
           !st->keep_with_next && !blk->hang;
}

/* A widow, a lone first line or a heading parted from its text would leave this page short by
 * `gain` lines: rather than that, ask for the paragraphs on it, from block `from` back to `lo`, to
 * be set one line shorter (缩行: their last lines a character denser), one a pass, the document
 * paginated again after each — when enough of them have not been tried yet. */
static gboolean ask_gain(flow *F, int from, int lo, int gain)
{
    F->longer = FALSE;
    int pick = -1, found = 0;
    for (int b = from; b >= MAX(lo, 0); b--) {
        if (tightenable(F, b)) {
            pick = pick < 0 ? b : pick;
            found++;
        }
    }
    if (gain < 1 || found < gain)
        return FALSE;
    F->tighten = pick;
    return TRUE;
}

/* 伸行: the page would be left `lose` lines short (a heading that goes on to the next page, a
 * widow or a lone first line): rather than that, ask for a paragraph to be set one line longer
 * (its lines a character looser), one a pass — on this page, or before it: a paragraph one line
 * longer on an earlier page moves every line after it down by one. The nearest not yet tried is
 * asked first; each is asked once in the document. */
static gboolean ask_loss(flow *F, int from, int lose)
{
    if (lose != 1)
        return FALSE;
    for (int b = from; b >= 0; b--) {
        const yf_composed *c = composed_at(F->L, (guint)b);
        if (c->block->new_page && b < F->first)
            return FALSE; /* before a forced break: nothing there moves this page */
        if (!F->tried_longer[b] && yf_block_is_text(c->block->kind) &&
            c->block->style.align == YF_ALIGN_JUSTIFY && !c->block->style.keep_with_next &&
            !c->block->hang && c->block->place == YF_PLACE_FLOW && c->lines->len >= 2) {
            F->tighten = b;
            F->longer = TRUE;
            return TRUE;
        }
    }
    return FALSE;
}

/* Block b, from line i, with `room` grid lines left on the page: a widow (this block or one
 * above it one line shorter cures it) or a lone first line (a block above one line shorter gives
 * the room for two). */
static gboolean asks_cure(flow *F, guint b, int i, int room)
{
    const yf_page *p = &F->L->page;
    const yf_composed *c = composed_at(F->L, b);
    int n = (int)c->lines->len, fit = lines_fitting(p, c, i, room);
    int lo = F->first >= 0 ? F->first : (int)b;
    if (i + fit < n && n - (i + fit) == 1 && fit > 1)
        return ask_gain(F, (int)b, lo, 1) || ask_loss(F, (int)b, 1);
    if (i == 0 && fit == 1 && n > 1 && page_take(p, c, 0, room + 1) > 0)
        return ask_gain(F, (int)b - 1, F->first, 1) || ask_loss(F, (int)b - 1, 1);
    if (i == 0 && fit == 1 && n > 1)
        return ask_loss(F, (int)b - 1, 1);
    return FALSE;
}

/* Heading b at grid line `at` cannot keep its promise here: the lines it would need won on the
 * page (one or two), or 0. */
static int keep_gain(const flow *F, guint b, int at)
{
    for (int gain = 1; gain <= 2 && at - gain >= 0; gain++)
        if (kept_with_next(F->L, b, at - gain))
            return gain;
    return 0;
}

/* A rule's height: one stroke, or a double rule's two strokes and the gap between them. */
static double rule_height(const yf_geom *g)
{
    return g->thickness + (g->thickness2 > 0 ? g->gap + g->thickness2 : 0);
}

/* Draws a rule with its top at page y: as long as the type area, or `length` centred on the type
 * area or the page; a double rule as two strokes (GB/T 9704 §10.1). */
static void add_rule(flow *F, guint b, const yf_geom *g, double y)
{
    const yf_page *p = &F->L->page;
    double w = g->length > 0 ? g->length : p->text_width;
    double x = g->from_page ? (p->width - w) / 2 : p->left + (p->text_width - w) / 2;
    yf_figure_source from = { (int)b, FALSE };
    add_figure(F, (yf_figure){ x, y, w, g->thickness, g->color, NULL }, from);
    if (g->thickness2 > 0)
        add_figure(F, (yf_figure){ x, y + g->thickness + g->gap, w, g->thickness2, g->color, NULL },
                   from);
}

/* A rule across the type area: `space` below the text above (the red rule 4 mm under the
 * 发文字号, §7.2.5), the grid resuming below it; or, without a space, with its lower edge on the
 * top of the next grid line, between two lines (the 版记's rules, §7.4.1). */
static void flow_rule(flow *F, guint b)
{
    const yf_page *p = &F->L->page;
    const yf_block *rule = composed_at(F->L, b)->block;
    const yf_geom *g = &rule->geom;
    double t = rule_height(g);
    if (g->bottom >= 0) {
        add_rule(F, b, g, (g->from_page ? p->height : p->top + p->text_height) - g->bottom - t);
        return;
    }
    double y;
    if (g->space >= 0) {
        y = F->bottom + g->space;
        F->line = MAX(F->line, grid_below(p, y + t));
    } else {
        y = grid_top(p, F->line) - t;
    }
    F->bottom = MAX(F->bottom, y + t);
    add_rule(F, b, g, y);
    if (g->space_after >= 0) {
        F->pin_placed = (int)F->page->placed->len;
        F->pin_figures = F->page->figures->len;
        F->pin_y = y + t + g->space_after;
    }
}

/* A table: a row's lines on one page; on every page it continues on, its header rows again. The
 * header goes on with at least the first row after it. */
static void flow_table(flow *F, guint b)
{
    const yf_page *p = &F->L->page;
    const yf_composed *c = composed_at(F->L, b);
    int n = (int)c->lines->len;
    for (int i = 0; i < n;) {
        int take = 1 + g_array_index(c->lines, yf_line, i).keep;
        if (i == 0 && c->header > 0 && c->header < n)
            take = c->header + 1 + g_array_index(c->lines, yf_line, c->header).keep;
        if (F->line > 0 && F->line + take > p->lines_per_page) {
            end_page(F, "forced-table-row");
            for (int h = 0; i > 0 && h < c->header; h++)
                place(F, b, (guint)h);
        }
        for (int k = 0; k < take && i < n; k++, i++)
            place(F, b, (guint)i);
    }
}

/* A block whose line i is taller than the type area: an error at its template element (its
 * content would run off the page). */
static void too_tall(flow *F, guint b, guint i)
{
    const yf_page *p = &F->L->page;
    const yf_composed *c = composed_at(F->L, b);
    if (line_rows(p, c, i) <= p->lines_per_page || F->reported[b])
        return;
    double h, asc;
    line_box(c, i, &h, &asc);
    static const char *const names[YF_BLK_COUNT] = {
        [YF_BLK_ROW] = "<row>", [YF_BLK_STACK] = "<stack>", [YF_BLK_SIGNATURE] = "<signature>",
        [YF_BLK_IMAGE] = "<image>", [YF_BLK_TABLE] = "<table> 的一行",
    };
    const yf_block *blk = c->block;
    const char *name = names[blk->kind] ? names[blk->kind] : "这一行";
    yf_diag_at at = yf_block_at(blk, 0, 0);
    yf_diag_put(F->diags, YF_ERROR, "layout.too-tall", &at,
                "%s高 %.0f mm，超过版心的 %.0f mm，一页放不下", name, h / YF_MM,
                p->text_height / YF_MM);
    F->reported[b] = TRUE;
}

/* ---- signatures: with the text they sign (GB/T 9704 §7.3.5) ------------------------------- */

/* How far a signature's seals reach above the top of its box and below its bottom (0 or more). */
static void seal_reach(const yf_line *ln, double *above, double *below)
{
    *above = *below = 0;
    for (guint k = 0; ln->figures && k < ln->figures->len; k++) {
        const yf_figure *f = &g_array_index(ln->figures, yf_figure, k);
        *above = MAX(*above, -f->y);
        *below = MAX(*below, f->y + f->h - ln->height);
    }
}

/* The grid line a signature's box starts on. Without a seal, one line below the text at least
 * (§7.3.5.2: 正文下空一行); with seals, the first at which the top of the first row of seals lies
 * below the text above — so within one line of it (§7.3.5.1: 印章顶端应当上距正文一行之内); at the
 * top of a page, the first that keeps the seals inside the type area. */
static int signature_line(const flow *F, const yf_composed *c, double above)
{
    const yf_page *p = &F->L->page;
    const yf_line *ln = &g_array_index(c->lines, yf_line, 0);
    if (F->line == 0 && !F->page->placed->len)
        return grid_below(p, p->top + above);
    if (F->no_space)
        return F->line;
    if (ln->seal)
        return MAX(F->line, grid_below(p, F->bottom + above));
    return F->line + MAX(1, c->block->style.space_before);
}

/* The grid lines by which a signature starting at grid line `at` overruns the page (its box, or
 * its seals below it), or 0 when it fits. */
static int signature_overrun(const flow *F, const yf_composed *c, int at, double below)
{
    const yf_page *p = &F->L->page;
    const yf_line *ln = &g_array_index(c->lines, yf_line, 0);
    double end = grid_top(p, at) + ln->height + below;
    int last = (int)ceil((end - p->top) / yf_page_pitch(p) - 1e-6);
    return MAX(0, last - p->lines_per_page);
}

/* The text block before signature b gives its last lines to the signature's page, so that the
 * signature does not stand there alone: two lines, or the whole block when it starts on this page
 * and its first line would be left alone at the foot (孤行) — unless this page would then be
 * empty. Asks for the document to be paginated again; FALSE when there is no such text. */
static gboolean carry_text(flow *F, guint b)
{
    if (b == 0 || F->carried[b])
        return FALSE;
    guint t = b - 1;
    const yf_composed *c = composed_at(F->L, t);
    if (!yf_block_is_text(c->block->kind) || c->block->place != YF_PLACE_FLOW)
        return FALSE;
    const yf_line *lines = (const yf_line *)(void *)c->lines->data;
    int on = 0;
    gboolean starts = FALSE;
    for (guint i = 0; i < F->page->placed->len; i++) {
        const yf_line *ln = g_array_index(F->page->placed, yf_placed, i).line;
        if (ln >= lines && ln < lines + c->lines->len) {
            on++;
            starts |= ln == lines;
        }
    }
    int k = MIN(2, on);
    if (starts && on - k == 1)
        k = on;
    if (k == 0 || (k == on && F->first == (int)t))
        return FALSE;
    F->carried[b] = TRUE;
    F->carry_block = (int)t;
    F->carry_lines = k;
    F->tighten = (int)t; /* stops this pass */
    return TRUE;
}

/* "（此页无正文）" on the first line of the page, two characters in like a paragraph: where the
 * signature must stand on a page without text (GB/T 9704-2012 no longer forbids it; offices write
 * it so). Composed once, as the signature's second line. */
static void no_text_notice(flow *F, guint b)
{
    yf_composed *c = &g_array_index(F->L->composed, yf_composed, b);
    if (c->lines->len < 2) {
        yf_block note = { .kind = YF_BLK_PARA, .text = (char *)"（此页无正文）",
                          .style = c->block->style };
        note.style.align = YF_ALIGN_LEFT;
        note.style.indent = 2;
        note.style.margin_left = note.style.margin_right = 0;
        yf_composed out = { 0 };
        yf_compose_block(F->L->ctx, &F->L->page, &note, F->L->page.text_width, &out, F->diags);
        if (out.lines && out.lines->len) {
            yf_line *first = &g_array_index(out.lines, yf_line, 0);
            g_array_append_val(c->lines, *first); /* now the signature's */
            yf_line_init(first);
        }
        yf_composed_clear(&out);
    }
    if (c->lines->len > 1) {
        F->line = 0;
        place(F, b, 1);
        F->line = 1;
    }
}

/* A signature: all on one page, kept with the text it signs (§7.3.5.4: 当公文排版后所剩空白处不能
 * 容下印章或签发人签名章、成文日期时，可以采取调整行距、字距的措施解决). When it does not fit in
 * what is left of the page, the paragraphs on the page are set one line shorter each (缩行, their
 * last lines a character denser: the change of 字距 the standard allows) as far as
 * that wins the lines it needs; failing that, the last lines of the text go to the next page with
 * it; failing that (no text to carry), it stands on the next page under "（此页无正文）". A
 * signature taller than a page is an error. */
static void flow_signature(flow *F, guint b)
{
    const yf_page *p = &F->L->page;
    const yf_composed *c = composed_at(F->L, b);
    const yf_line *ln = &g_array_index(c->lines, yf_line, 0);
    double above, below;
    seal_reach(ln, &above, &below);
    int at = signature_line(F, c, above);
    int over = signature_overrun(F, c, at, below);
    F->no_space = FALSE;
    if (over > 0 && F->page->placed->len) {
        if (ask_gain(F, (int)b - 1, F->first, over) || carry_text(F, b))
            return;
        end_page(F, "forced-signature-kept-with-text");
        no_text_notice(F, b);
        ln = &g_array_index(c->lines, yf_line, 0); /* the lines may have moved */
        at = signature_line(F, c, above);
        over = signature_overrun(F, c, at, below);
    }
    if (over > 0 && !F->reported[b]) {
        yf_diag_at where = yf_block_at(c->block, 0, 0);
        yf_diag_put(F->diags, YF_ERROR, "layout.too-tall", &where,
                    "<signature>：发文机关署名、成文日期和印章高 %.0f mm，一页放不下",
                    (ln->height + above + below) / YF_MM);
        F->reported[b] = TRUE;
    }
    F->line = MIN(at, p->lines_per_page - 1);
    place(F, b, 0);
    F->seal_bottom = MAX(F->seal_bottom, F->bottom + below);
    F->line += c->block->style.space_after;
}

static void flow_block(flow *F, guint b)
{
    const yf_page *p = &F->L->page;
    const yf_composed *c = composed_at(F->L, b);
    const yf_style *st = &c->block->style;
    int n = (int)c->lines->len;

    if (c->block->kind == YF_BLK_RULE) {
        flow_rule(F, b);
        return;
    }
    if (c->block->kind == YF_BLK_SIGNATURE && n > 0) {
        flow_signature(F, b);
        return;
    }
    /* Space before, except at the top of a page. */
    if (F->line > 0 && !F->no_space)
        F->line += st->space_before;
    F->no_space = FALSE;
    if (F->line >= p->lines_per_page)
        new_page(F);
    if (c->block->kind == YF_BLK_TABLE) {
        flow_table(F, b);
        F->line += st->space_after;
        return;
    }
    /* Groups are placed where they must go; only the flow keeps a heading with its text. */
    gboolean flowing = c->block->place == YF_PLACE_FLOW;
    if (flowing && st->keep_with_next && F->line > 0 && !kept_with_next(F->L, b, F->line)) {
        if (ask_gain(F, (int)b - 1, F->first, keep_gain(F, b, F->line)) ||
            ask_loss(F, (int)b - 1, p->lines_per_page - F->line))
            return;
        end_page(F, "heading-kept-with-next-unabsorbed");
    }

    int hold = F->carry[b]; /* its last lines that go on with a signature (§7.3.5.4) */
    for (int i = 0; i < n;) {
        if (F->line >= p->lines_per_page)
            new_page(F);
        int room = p->lines_per_page - F->line;
        if (asks_cure(F, b, i, room))
            return;
        int take = page_take(p, c, i, room);
        if (hold > 0 && i + take == n) {
            take = MAX(0, take - hold);
            take = i == 0 && take == 1 ? 0 : take;
            hold = 0;
        }
        if (take == 0 && F->line == 0) {
            too_tall(F, b, i); /* a line taller than the page */
            take = 1;
        }
        if (take > 0 && i == 0 && st->outline_level > 0 && c->block->outline)
            add_outline(F, c->block);
        for (int k = 0; k < take; k++)
            place(F, b, (guint)(i + k));
        i += take;
        if (i < n) /* what is left of the block continues on the next page */
            end_page(F, hold ? "forced-signature-kept-with-text" : i == 0 ? "orphan-unabsorbed" : "widow-unabsorbed");
    }
    F->line += st->space_after;
}

/* Block b set again one line shorter (缩行) or longer (伸行), if it can be: its lines a character
 * denser or looser (engine/compose.c). Its warnings were reported when it was first set. */
static void set_block_looseness(yf_layout *L, guint b, int looseness)
{
    yf_composed *c = &g_array_index(L->composed, yf_composed, b);
    yf_block again = *c->block;
    again.style.looseness = looseness;
    yf_composed out = { 0 };
    yf_diags *quiet = yf_diags_new();
    yf_compose_block(L->ctx, &L->page, &again, L->page.text_width, &out, quiet);
    yf_diags_free(quiet);
    if (out.lines->len == c->lines->len + (guint)looseness) {
        yf_composed_clear(c);
        c->lines = out.lines;
    } else {
        yf_composed_clear(&out);
    }
}

static void composed_clear(gpointer p) { yf_composed_clear(p); }

static void outline_clear(gpointer p) { g_free(((yf_outline *)p)->text); }

/* The page number "— N —": 四号 宋体 half-width digits between two em dashes (GB/T 9704 §7.5). */
static int add_folios(yf_layout *L, yf_diags *diags)
{
    const yf_page *p = &L->page;
    for (guint i = 0; i < L->pages->len; i++) {
        yf_pagebox *pb = &g_array_index(L->pages, yf_pagebox, i);
        int number = (int)i + 1;
        if (pb->unnumbered)
            continue;
        if (number == 1 && p->no_first_number)
            continue; /* 信函格式: 首页不显示页码 (GB/T 9704 §10.1) */
        yf_block b = { .kind = YF_BLK_PARA, .text = g_strdup_printf("— %d —", number) };
        b.style = (yf_style){ .role = YF_ROLE_SONGTI, .size = p->page_number_size,
                              .align = YF_ALIGN_LEFT };
        int rc = yf_compose_block(L->ctx, p, &b, p->text_width, &pb->folio, diags);
        pb->folio.block = NULL; /* the block is local; lines keep their own copies */
        g_free(b.text);
        if (rc != 0 || pb->folio.lines->len != 1)
            return -1;
        yf_line *ln = &g_array_index(pb->folio.lines, yf_line, 0);
        double inset = p->page_number_inset * p->page_number_size;
        /* Odd pages right, one character in; even pages left, one character in. */
        pb->folio_x = number % 2 ? p->left + p->text_width - inset - ln->width : p->left + inset;
        /* The top of the dashes' ink 7 mm below the type area. */
        double ink_top = -0.3 * p->page_number_size;
        if (ln->runs->len) {
            const yf_run *r = &g_array_index(ln->runs, yf_run, 0);
            PangoRectangle ink;
            pango_font_get_glyph_extents(r->font, (PangoGlyph)r->glyphs[0].index, &ink, NULL);
            ink_top = (double)ink.y / PANGO_SCALE;
        }
        pb->folio_baseline = p->top + p->text_height + p->page_number_drop - ink_top;
    }
    return 0;
}

/* The top of the first ink of a placed line, page y: its glyphs' ink, or its box. */
static double ink_top(const yf_placed *pl)
{
    double top = G_MAXDOUBLE;
    for (guint r = 0; r < pl->line->runs->len; r++) {
        const yf_run *run = &g_array_index(pl->line->runs, yf_run, r);
        for (int g = 0; g < run->nglyphs; g++) {
            PangoRectangle ink;
            pango_font_get_glyph_extents(run->font, (PangoGlyph)run->glyphs[g].index, &ink, NULL);
            if (ink.height > 0)
                top = MIN(top, pl->baseline + run->glyphs[g].y + (double)ink.y / PANGO_SCALE);
        }
    }
    return top < G_MAXDOUBLE ? top : pl->baseline;
}

/* Moves what was placed on a page from the placed line and the figure given on, `dy` down. */
static void move_placed(yf_pagebox *page, guint placed, guint figures, double dy)
{
    for (guint i = placed; i < page->placed->len; i++)
        g_array_index(page->placed, yf_placed, i).baseline += dy;
    for (guint i = figures; i < page->figures->len; i++)
        g_array_index(page->figures, yf_figure, i).y += dy;
}

/* The top of a placed line's box — its characters' em box (0.88 em above the baseline), or the
 * box the composer gave it — page y. */
static double placed_top(const yf_placed *pl)
{
    const yf_line *ln = pl->line;
    if (ln->height > 0)
        return pl->baseline - ln->ascent;
    double size = 0;
    for (guint r = 0; r < ln->runs->len; r++)
        size = MAX(size, g_array_index(ln->runs, yf_run, r).size);
    return pl->baseline - 0.88 * size;
}

/* A rule with space-after in the group just placed (moved `delta` with it): the lines after the
 * rule move together so that the top of the first one's characters lies space-after below it
 * (GB/T 9704 §10.1: 份号 and 发文字号 7/8 of a 三号 character under the first double rule). */
static void pin_after_rule(flow *F, double delta)
{
    yf_pagebox *page = F->page;
    if (F->pin_placed < 0 || (guint)F->pin_placed >= page->placed->len) {
        F->pin_placed = -1;
        return;
    }
    const yf_placed *first = &g_array_index(page->placed, yf_placed, F->pin_placed);
    double dy = F->pin_y + delta - placed_top(first);
    move_placed(page, (guint)F->pin_placed, F->pin_figures, dy);
    F->bottom += dy;
    F->pin_placed = -1;
}

/* <block position="top" offset=…>: the group flows from where it is, then moves so that its first
 * ink lies `offset` below the top of the type area (the 发文机关标志's 上边缘 35 mm down, §7.2.3),
 * and the grid resumes on the first line below it. Returns the block after the group. */
static guint flow_top(flow *F, guint from)
{
    const yf_page *p = &F->L->page;
    const yf_block *first = composed_at(F->L, from)->block;
    guint to = from;
    while (to < F->L->composed->len && composed_at(F->L, to)->block->group == first->group)
        to++;
    /* What the page holds already reaches below the offset: the group would be drawn over it,
     * so it starts a new page (an annex placed at the top of a page after the text). */
    if (page_used(F) && F->bottom > p->top + first->geom.offset + 0.01)
        end_page(F, "forced-top-group");
    yf_pagebox *page = F->page;
    guint placed = page->placed->len, figures = page->figures->len;
    F->pin_placed = -1;
    for (guint b = from; b < to && F->tighten < 0; b++)
        flow_block(F, b);
    if (F->tighten >= 0 || F->page != page || placed == page->placed->len) {
        F->pin_placed = -1;
        return to;
    }
    double delta = p->top + first->geom.offset - ink_top(&g_array_index(page->placed, yf_placed,
                                                                           placed));
    move_placed(page, placed, figures, delta);
    F->bottom += delta;
    pin_after_rule(F, delta);
    F->line = grid_below(p, F->bottom);
    return to;
}

/* GB/T 9704 §7.4: the 版记 stands on the document's last side (置于公文最后一面) — printed on
 * both sides, the back of the last sheet: an even page. On an odd page it moves to the next one.
 * A page left empty before it (the text filled the page before) stays blank, and then neither the
 * blank page nor the 版记's page carries a number (§7.5: 公文的版记页前有空白页的，空白页和版记页
 * 均不编排页码). */
static void end_on_even_page(flow *F)
{
    if (F->L->pages->len % 2 == 0)
        return;
    gboolean blank = !page_used(F);
    F->page->unnumbered = blank;
    end_page(F, "forced-end-group-on-even-page");
    F->page->unnumbered = blank;
}

/* <end>: its blocks at the foot of the last page — of a new page when the room left is too
 * little — their last line on the last grid line, so that a rule after it lies on the bottom
 * edge of the type area (GB/T 9704 §7.4.1: 末条分隔线与公文最后一页的版心下边缘重合). */
static void flow_end(flow *F)
{
    const yf_page *p = &F->L->page;
    GArray *end = g_array_new(FALSE, FALSE, sizeof(guint));
    int rows = 0;
    for (guint b = 0; b < F->L->composed->len; b++) {
        const yf_composed *c = composed_at(F->L, b);
        if (c->block->place != YF_PLACE_END)
            continue;
        const yf_style *st = &c->block->style;
        rows += (end->len ? st->space_before : 0) + (c->block->geom.space >= 0 &&
                                                     c->block->kind == YF_BLK_RULE);
        for (guint i = 0; i < c->lines->len; i++)
            rows += line_rows(p, c, i);
        if (end->len) {
            guint previous = g_array_index(end, guint, end->len - 1);
            rows += composed_at(F->L, previous)->block->style.space_after;
        }
        g_array_append_val(end, b);
    }
    if (end->len && rows <= p->lines_per_page) {
        /* Nor over a seal reaching below its signature's lines. */
        if (F->line + rows > p->lines_per_page ||
            grid_top(p, p->lines_per_page - rows) < F->seal_bottom - 0.01)
            end_page(F, "forced-end-group");
        if (p->duplex && composed_at(F->L, g_array_index(end, guint, 0))->block->geom.even_page)
            end_on_even_page(F);
        F->line = p->lines_per_page - rows;
        F->bottom = MAX(F->bottom, grid_top(p, F->line));
        F->no_space = TRUE;
    }
    for (guint k = 0; k < end->len && F->tighten < 0; k++)
        flow_block(F, g_array_index(end, guint, k));
    g_array_free(end, TRUE);
}

/* The page limit, checked against the real pages (bind only estimates them from the text): a
 * longer document is an error naming the limit and how far pagination went before it stopped. */
static int check_page_limit(const flow *F, yf_diags *diags)
{
    if (!F->over)
        return 0;
    yf_error(diags, "bind.limit", "文档超过 %d 页的上限（排到第 %u 页仍未排完）", F->max_pages,
             F->L->pages->len);
    return -1;
}

int yf_paginate(yf_layout *L, yf_diags *diags)
{
    guint nb = L->composed->len + 1;
    int limit = L->page.max_pages;
    if (L->ctx && (limit <= 0 || L->ctx->max_pages < limit))
        limit = L->ctx->max_pages;
    flow F = { .L = L, .tried = g_new0(gboolean, nb), .tried_longer = g_new0(gboolean, nb),
               .tighten = -1, .pin_placed = -1, .diags = diags, .max_pages = limit,
               .reported = g_new0(gboolean, nb), .carry = g_new0(int, nb),
               .carried = g_new0(gboolean, nb), .carry_block = -1 };
    do {
        if (F.carry_block >= 0) {
            F.carry[F.carry_block] = F.carry_lines;
            F.carry_block = F.tighten = -1;
        } else if (F.tighten >= 0 && F.longer) {
            set_block_looseness(L, (guint)F.tighten, 1);
            F.tried_longer[F.tighten] = TRUE;
            F.tighten = -1;
        } else if (F.tighten >= 0) {
            set_block_looseness(L, (guint)F.tighten, -1);
            F.tried[F.tighten] = TRUE;
            F.tighten = -1;
        }
        g_array_set_size(L->pages, 0);
        g_array_set_size(L->outline, 0);
        new_page(&F);
        for (guint b = 0; b < L->composed->len && F.tighten < 0 && !F.over; b++) {
            const yf_block *blk = composed_at(L, b)->block;
            if (blk->new_page && blk->place != YF_PLACE_END && page_used(&F))
                end_page(&F, "forced-page-break");
            if (blk->place == YF_PLACE_TOP)
                b = flow_top(&F, b) - 1;
            else if (blk->place == YF_PLACE_FLOW)
                flow_block(&F, b);
        }
        if (F.tighten < 0 && !F.over)
            flow_end(&F);
    } while (F.tighten >= 0 && !F.over);
    g_free(F.tried);
    g_free(F.tried_longer);
    g_free(F.reported);
    g_free(F.carry);
    g_free(F.carried);
    if (check_page_limit(&F, diags) != 0)
        return -1;
    if (L->page.page_numbers)
        return add_folios(L, diags);
    return 0;
}

/* ---- hanging lines: an 附件说明's wrapped lines under the name (GB/T 9704 §7.3.4) ---------- */

/* The x of the first glyph of character `k` (0-based) of a line, from the type area's left edge,
 * or -1 when the line is shorter. */
static double char_x(const yf_line *ln, int k)
{
    int seen = 0;
    for (guint r = 0; r < ln->runs->len; r++) {
        const yf_run *run = &g_array_index(ln->runs, yf_run, r);
        int byte = 0, glyph = 0;
        for (int c = 0; c < run->nclusters; c++) {
            const cairo_text_cluster_t *cl = &run->clusters[c];
            int chars = (int)g_utf8_strlen(run->text + byte, cl->num_bytes);
            if (seen + chars > k && cl->num_glyphs > 0)
                return ln->x + run->glyphs[glyph].x;
            seen += chars;
            byte += cl->num_bytes;
            glyph += cl->num_glyphs;
        }
    }
    return -1;
}

/* Block b, whose wrapped lines align with character b->hang of its first line — and whose first
 * line starts at `start` (from the type area's left edge) when that is not negative: set once so,
 * then again with its left margin at that character's x and its first line where it was (margin +
 * indent unchanged, so the first line comes out the same). Returns the block the lines were set
 * from — a copy in `keep` when it differs from b — for pagination to set it again the same way. */
static const yf_block *arrange_hanging(yf_layout *L, const yf_block *b, double start,
                                       yf_composed *c, GPtrArray *keep, yf_diags *diags)
{
    double cell = yf_style_cell(&b->style, &L->page);
    if (start >= 0) {
        yf_block *moved = g_memdup2(b, sizeof *b);
        g_ptr_array_add(keep, moved);
        moved->style.indent = start / cell - moved->style.margin_left;
        b = moved;
    }
    if (yf_arrange_block(L, b, c, diags) != 0 || b->hang <= 0 || !c->lines || c->lines->len < 2)
        return b;
    double x = char_x(&g_array_index(c->lines, yf_line, 0), b->hang);
    if (x < 0)
        return b;
    yf_block *hung = g_memdup2(b, sizeof *b);
    g_ptr_array_add(keep, hung);
    double first = b->style.margin_left + b->style.indent;
    hung->style.margin_left = x / cell;
    hung->style.indent = first - hung->style.margin_left;
    yf_composed again = { 0 };
    yf_diags *quiet = yf_diags_new(); /* its warnings were reported when it was first set */
    int rc = yf_arrange_block(L, hung, &again, quiet);
    yf_diags_free(quiet);
    if (rc != 0) {
        yf_composed_clear(&again);
        return b;
    }
    yf_composed_clear(c);
    *c = again;
    return hung;
}

yf_layout *yf_layout_new(yf_context *ctx, const yf_document *doc, yf_diags *diags)
{
    YF_OWN_DIAGS(diags, yf_layout *, yf_layout_new(ctx, doc, own_diags));
    YF_REQUIRE(diags, ctx, NULL);
    YF_REQUIRE(diags, doc, NULL);
    yf_layout *L = g_new0(yf_layout, 1);
    L->ctx = ctx;
    L->page = doc->page;
    L->title = g_strdup(doc->title);
    L->author = g_strdup(doc->author);
    L->composed = g_array_new(FALSE, TRUE, sizeof(yf_composed));
    g_array_set_clear_func(L->composed, composed_clear);
    L->pages = g_array_new(FALSE, TRUE, sizeof(yf_pagebox));
    g_array_set_clear_func(L->pages, pagebox_clear);
    L->outline = g_array_new(FALSE, TRUE, sizeof(yf_outline));
    g_array_set_clear_func(L->outline, outline_clear);
    L->images = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify)yf_image_free);

    size_t errors_before = yf_diags_errors(diags);
    GPtrArray *hung = g_ptr_array_new_with_free_func(g_free); /* shallow copies of blocks */
    for (guint i = 0; i < doc->blocks->len; i++) {
        const yf_block *b = &g_array_index(doc->blocks, yf_block, i);
        yf_composed c = { 0 };
        const yf_composed *before = i > 0 ? composed_at(L, i - 1) : NULL;
        double start = b->under > 0 && before && before->lines && before->lines->len
                           ? char_x(&g_array_index(before->lines, yf_line, 0), b->under - 1)
                           : -1;
        if (b->hang > 0 || start >= 0)
            c.block = arrange_hanging(L, b, start, &c, hung, diags);
        else
            yf_arrange_block(L, b, &c, diags);
        g_array_append_val(L->composed, c);
    }
    if (yf_diags_errors(diags) == errors_before)
        yf_paginate(L, diags);
    if (yf_diags_errors(diags) == errors_before)
        yf_preflight(L, diags);
    g_ptr_array_free(hung, TRUE);
    /* The document's blocks are the caller's: nothing after this point may reach them. */
    for (guint i = 0; i < L->composed->len; i++)
        g_array_index(L->composed, yf_composed, i).block = NULL;
    if (yf_diags_errors(diags) > errors_before) {
        yf_layout_free(L);
        return NULL;
    }
    return L;
}

void yf_layout_free(yf_layout *L)
{
    if (!L)
        return;
    g_array_free(L->pages, TRUE);
    g_array_free(L->composed, TRUE);
    g_array_free(L->outline, TRUE);
    g_hash_table_destroy(L->images);
    g_free(L->title);
    g_free(L->author);
    g_free(L);
}

int yf_layout_page_count(const yf_layout *L) { return L ? (int)L->pages->len : -1; }
