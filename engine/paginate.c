/* Paginate stage: composed lines -> pages.
 *
 * In: a document whose blocks the composer has set into lines. Out: pages on which every line
 * sits on the GB/T 9704 line grid (22 lines of 225 mm / 22 = 28.99 pt from the top of the type
 * area), the page numbers "— N —" and the outline entries of the headings.
 *
 * Rules: a heading is kept with the first two lines that follow it; a paragraph's first line is
 * not left alone at the foot of a page, nor its last line alone at the head of the next. */
#include "internal.h"

#include <string.h>

/* Baseline of a line of type `size` in grid line `g` (0-based): the ideographic em box (0.88 em
 * above the baseline, 0.12 below in the CJK faces) centred in the line's pitch. */
static double grid_baseline(const yf_page *p, int g, double size)
{
    double pitch = yf_page_pitch(p);
    return p->top + g * pitch + (pitch - size) / 2 + 0.88 * size;
}

typedef struct {
    yf_layout *L;
    int line;          /* next free grid line on the current page */
    yf_pagebox *page;  /* the current page */
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
}

static void place(flow *F, const yf_composed *c, guint i)
{
    const yf_page *p = &F->L->page;
    if (F->line >= p->lines_per_page)
        new_page(F);
    const yf_line *ln = &g_array_index(c->lines, yf_line, i);
    yf_placed pl = { ln, p->left + ln->x, grid_baseline(p, F->line, c->block->style.size) };
    g_array_append_val(F->page->placed, pl);
    F->line++;
}

static int lines_of(const yf_layout *L, guint b)
{
    if (b >= L->composed->len)
        return 0;
    return (int)g_array_index(L->composed, yf_composed, b).lines->len;
}

static void flow_block(flow *F, guint b)
{
    yf_layout *L = F->L;
    const yf_page *p = &L->page;
    const yf_composed *c = &g_array_index(L->composed, yf_composed, b);
    const yf_style *st = &c->block->style;
    int n = (int)c->lines->len;
    const int per_page = p->lines_per_page;

    /* Space before, except at the top of a page. */
    if (F->line > 0)
        F->line += st->space_before;
    if (F->line >= per_page)
        new_page(F);

    int room = per_page - F->line;
    if (st->keep_with_next && b + 1 < L->composed->len) {
        /* A heading travels with the first two lines of what follows it. */
        int need = n + MIN(2, lines_of(L, b + 1));
        if (need > room && F->line > 0 && need <= per_page)
            new_page(F);
    } else if (n > 1 && room == 1 && F->line > 0) {
        new_page(F); /* the first line would stand alone at the foot of the page */
    }

    if (st->outline_level > 0 && c->block->outline) {
        int at = F->line >= per_page ? 0 : F->line;
        yf_outline o = { g_strdup(c->block->outline), st->outline_level,
                         (int)L->pages->len + (F->line >= per_page ? 1 : 0),
                         p->top + at * yf_page_pitch(p) };
        g_array_append_val(L->outline, o);
    }

    int i = 0;
    while (i < n) {
        if (F->line >= per_page)
            new_page(F);
        room = per_page - F->line;
        int left = n - i;
        int take = MIN(room, left);
        /* Leave two lines for the next page rather than one (孤行 at the head of a page). */
        if (left - take == 1 && take >= 3)
            take--;
        for (int k = 0; k < take; k++)
            place(F, c, (guint)(i + k));
        i += take;
    }
    F->line += st->space_after;
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
    flow F = { L, 0, NULL };
    new_page(&F);
    for (guint b = 0; b < L->composed->len; b++)
        flow_block(&F, b);
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
