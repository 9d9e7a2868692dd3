/* Paginate stage: composed lines -> pages.
 *
 * In: a document whose blocks the composer has set into lines. Out: pages on which every line
 * sits on the GB/T 9704 line grid (22 lines of 225 mm / 22 = 28.99 pt from the top of the type
 * area), the page numbers "— N —" and the outline entries of the headings.
 *
 * Rules: a heading is kept with the first two lines that follow it; a paragraph's first line is
 * not left alone at the foot of a page, nor its last line alone at the head of the next (孤行);
 * before one of these rules leaves a page short, a paragraph on it is set one line shorter by
 * squeezing its punctuation (缩行) and the document paginated again; a line whose type is larger
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

/* Grid lines a line occupies: one, or as many whole lines as type larger than the pitch needs
 * (a 42 pt masthead takes two lines of 28.99 pt), so that the lines after it stay on the grid. */
static int line_rows(const yf_page *p, const yf_composed *c, guint i)
{
    double size = line_size(c, i), pitch = yf_page_pitch(p);
    return size > pitch ? (int)ceil(size / pitch) : 1;
}

/* Baseline of a line of type `size` filling `rows` grid lines from line `g` (0-based): the
 * ideographic em box (0.88 em above the baseline, 0.12 below in the CJK faces) centred in them. */
static double grid_baseline(const yf_page *p, int g, int rows, double size)
{
    double pitch = yf_page_pitch(p);
    return p->top + g * pitch + (rows * pitch - size) / 2 + 0.88 * size;
}

typedef struct {
    yf_layout *L;
    int line;          /* next free grid line on the current page */
    yf_pagebox *page;  /* the current page */
    int first;         /* the first block with a line on the current page, or -1 */
    gboolean *tried;   /* per block: already asked to be set one line shorter */
    int tighten;       /* a block to set one line shorter before paginating again, or -1 */
} flow;

static void pagebox_clear(gpointer p)
{
    yf_pagebox *pb = p;
    g_array_free(pb->placed, TRUE);
    yf_composed_clear(&pb->folio);
}

static void new_page(flow *F)
{
    yf_pagebox pb = { 0 };
    pb.placed = g_array_new(FALSE, TRUE, sizeof(yf_placed));
    g_array_append_val(F->L->pages, pb);
    F->page = &g_array_index(F->L->pages, yf_pagebox, F->L->pages->len - 1);
    F->line = 0;
    F->first = -1;
}

static const yf_composed *composed_at(const yf_layout *L, guint b)
{
    return &g_array_index(L->composed, yf_composed, b);
}

static void place(flow *F, guint b, guint i)
{
    const yf_page *p = &F->L->page;
    const yf_composed *c = composed_at(F->L, b);
    int rows = line_rows(p, c, i);
    if (F->line > 0 && F->line + rows > p->lines_per_page)
        new_page(F);
    const yf_line *ln = &g_array_index(c->lines, yf_line, i);
    yf_placed pl = { ln, p->left + ln->x, grid_baseline(p, F->line, rows, line_size(c, i)) };
    g_array_append_val(F->page->placed, pl);
    F->line += rows;
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

/* ---- 缩行: a page left short is cured by paragraphs one line shorter ------------------------- */

static gboolean tightenable(const flow *F, int b)
{
    const yf_style *st = &composed_at(F->L, (guint)b)->block->style;
    return !F->tried[b] && st->align == YF_ALIGN_JUSTIFY && !st->keep_with_next;
}

/* A widow, a lone first line or a heading parted from its text would leave this page short by
 * `gain` lines: rather than that, ask for the paragraphs on it, from block `from` back to `lo`, to
 * be set one line shorter by squeezing their punctuation (缩行), one a pass, the document paginated
 * again after each — when enough of them have not been tried yet. */
static gboolean ask_gain(flow *F, int from, int lo, int gain)
{
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
        return ask_gain(F, (int)b, lo, 1);
    if (i == 0 && fit == 1 && n > 1 && page_take(p, c, 0, room + 1) > 0)
        return ask_gain(F, (int)b - 1, F->first, 1);
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

static void flow_block(flow *F, guint b)
{
    const yf_page *p = &F->L->page;
    const yf_composed *c = composed_at(F->L, b);
    const yf_style *st = &c->block->style;
    int n = (int)c->lines->len;

    /* Space before, except at the top of a page. */
    if (F->line > 0)
        F->line += st->space_before;
    if (F->line >= p->lines_per_page)
        new_page(F);
    if (st->keep_with_next && F->line > 0 && !kept_with_next(F->L, b, F->line)) {
        if (ask_gain(F, (int)b - 1, F->first, keep_gain(F, b, F->line)))
            return;
        new_page(F);
    }

    for (int i = 0; i < n;) {
        if (F->line >= p->lines_per_page)
            new_page(F);
        int room = p->lines_per_page - F->line;
        if (asks_cure(F, b, i, room))
            return;
        int take = page_take(p, c, i, room);
        if (take == 0 && F->line == 0)
            take = 1; /* a line taller than the page: it goes where it must */
        if (take > 0 && i == 0 && st->outline_level > 0 && c->block->outline)
            add_outline(F, c->block);
        for (int k = 0; k < take; k++)
            place(F, b, (guint)(i + k));
        i += take;
        if (i < n)
            new_page(F); /* what is left of the block continues on the next page */
    }
    F->line += st->space_after;
}

/* Block b set again one line shorter by squeezing its punctuation, if it can be. Its warnings
 * were reported when it was first set. */
static void tighten_block(yf_layout *L, guint b)
{
    yf_composed *c = &g_array_index(L->composed, yf_composed, b);
    yf_block tight = *c->block;
    tight.style.looseness = -1;
    yf_composed out = { 0 };
    yf_diags *quiet = yf_diags_new();
    yf_compose_block(L->ctx, &L->page, &tight, L->page.text_width, &out, quiet);
    yf_diags_free(quiet);
    if (out.lines->len < c->lines->len) {
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

int yf_paginate(yf_layout *L, yf_diags *diags)
{
    flow F = { .L = L, .tried = g_new0(gboolean, L->composed->len + 1), .tighten = -1 };
    do {
        if (F.tighten >= 0) {
            tighten_block(L, (guint)F.tighten);
            F.tried[F.tighten] = TRUE;
            F.tighten = -1;
        }
        g_array_set_size(L->pages, 0);
        g_array_set_size(L->outline, 0);
        new_page(&F);
        for (guint b = 0; b < L->composed->len && F.tighten < 0; b++)
            flow_block(&F, b);
    } while (F.tighten >= 0);
    g_free(F.tried);
    if (L->page.page_numbers)
        return add_folios(L, diags);
    return 0;
}

yf_layout *yf_layout_new(yf_context *ctx, const yf_document *doc, yf_diags *diags)
{
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

    size_t errors_before = yf_diags_errors(diags);
    for (guint i = 0; i < doc->blocks->len; i++) {
        const yf_block *b = &g_array_index(doc->blocks, yf_block, i);
        yf_composed c = { 0 };
        yf_compose_block(ctx, &doc->page, b, doc->page.text_width, &c, diags);
        g_array_append_val(L->composed, c);
    }
    if (yf_diags_errors(diags) == errors_before)
        yf_paginate(L, diags);
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
    g_free(L->title);
    g_free(L->author);
    g_free(L);
}

int yf_layout_page_count(const yf_layout *L) { return (int)L->pages->len; }
