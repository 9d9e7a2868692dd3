/* Dump: pages -> text, the trace renderer.
 *
 * In: a laid-out document. Out: one line of text per placed line — page, position, face and
 * size, the composer's decisions (characters, natural width, marks squeezed, stretch per gap) and
 * the characters — and one per figure (a rule or border with its colour, an image), so that
 * golden tests can diff a layout without reading a PDF. Positions are
 * in millimetres from the page's top-left corner, the units of GB/T 9704. */
#include "internal.h"

static void dump_line(GString *s, const yf_line *ln, double x, double baseline)
{
    const char *family = "-";
    double size = 0;
    char *fam = NULL;
    if (ln->runs->len) {
        const yf_run *r = &g_array_index(ln->runs, yf_run, 0);
        PangoFontDescription *d = pango_font_describe(r->font);
        fam = g_strdup(pango_font_description_get_family(d));
        family = fam;
        size = r->size;
        pango_font_description_free(d);
    }
    g_string_append_printf(s,
                           "  x=%.2f base=%.2f w=%.2f chars=%d natural=%.2f squeezed=%d "
                           "stretch=%.3f%s%s font=\"%s\" %.1fpt |%s|\n",
                           x / YF_MM, baseline / YF_MM, ln->width / YF_MM, ln->chars,
                           ln->natural / YF_MM, ln->squeezed, ln->adjust, ln->last ? " last" : "",
                           ln->overfull ? " OVERFULL" : "", family, size, ln->text);
    g_free(fam);
}

char *yf_layout_dump(const yf_layout *L)
{
    if (!L)
        return NULL;
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "document pages=%u title=\"%s\"\n", L->pages->len, L->title);
    for (guint p = 0; p < L->pages->len; p++) {
        const yf_pagebox *pb = &g_array_index(L->pages, yf_pagebox, p);
        g_string_append_printf(s, "page %u%s%s%s\n", p + 1, pb->unnumbered ? " unnumbered" : "",
                               pb->ends ? " short=" : "", pb->ends ? pb->ends : "");
        for (guint i = 0; i < pb->placed->len; i++) {
            const yf_placed *pl = &g_array_index(pb->placed, yf_placed, i);
            dump_line(s, pl->line, pl->x, pl->baseline);
        }
        for (guint i = 0; i < pb->figures->len; i++) {
            const yf_figure *f = &g_array_index(pb->figures, yf_figure, i);
            g_string_append_printf(s, "  figure x=%.2f y=%.2f w=%.2f h=%.2f ", f->x / YF_MM,
                                   f->y / YF_MM, f->w / YF_MM, f->h / YF_MM);
            if (f->image)
                g_string_append(s, "image\n");
            else
                g_string_append_printf(s, "#%06X\n", f->color);
        }
        if (pb->folio.lines && pb->folio.lines->len) {
            g_string_append(s, " folio");
            dump_line(s, &g_array_index(pb->folio.lines, yf_line, 0), pb->folio_x,
                      pb->folio_baseline);
        }
    }
    for (guint i = 0; i < L->outline->len; i++) {
        const yf_outline *o = &g_array_index(L->outline, yf_outline, i);
        g_string_append_printf(s, "outline level=%d page=%d |%s|\n", o->level, o->page, o->text);
    }
    return g_string_free(s, FALSE);
}
