/* Compose stage, tables: a <table> -> lines with borders.
 *
 * In: a table block — column widths, its cells row by row, the number of header rows. Out: one
 * line for every grid line a row needs. Each cell is set by the composer (yf_compose_block) in its
 * column's width less a quarter em on each side, so Chinese text in a cell breaks by the same
 * clreq rules as the body; a row takes as many grid lines as its longest cell, and line k of a row
 * carries line k of every cell. Every line is one grid line tall, so the text after a table stays
 * on the GB/T 9704 grid; the borders are figures of the lines, along the grid. A row's lines stay
 * on one page (yf_line.keep) and the header rows are repeated at the top of every page the table
 * continues on (yf_composed.header): pagination honours both. */
#include "internal.h"

/* Borders: a thin rule of half a point. */
#define BORDER 0.5

/* The left edges of the columns and the table's right edge: widths in mm as given, the rest of
 * the type area shared out by the relative widths. */
static void column_edges(const yf_layout *L, const yf_block *b, double *x, yf_diags *diags)
{
    const yf_geom *g = &b->geom;
    double fixed = 0, shares = 0;
    for (int c = 0; c < g->columns; c++) {
        if (g->widths[c] > 0)
            fixed += g->widths[c];
        else
            shares -= g->widths[c];
    }
    double rest = MAX(0, L->page.text_width - fixed);
    x[0] = 0;
    for (int c = 0; c < g->columns; c++)
        x[c + 1] = x[c] + (g->widths[c] > 0 ? g->widths[c] : rest * -g->widths[c] / shares);
    if (x[g->columns] > L->page.text_width + 0.01) {
        yf_diag_at at = yf_block_at(b, 0, 0);
        at.slot = at.path = NULL; /* the widths are the template's */
        yf_diag_put(diags, YF_WARNING, "layout.table-too-wide", &at, "表格宽 %.1f mm，超出版心（156 mm）",
                    x[g->columns] / YF_MM);
    }
}

static void border(yf_line *ln, double x, double y, double w, double h)
{
    yf_line_add_figure(ln, (yf_figure){ x, y, w, h, 0x000000, NULL });
}

int yf_table_compose(yf_layout *L, const yf_block *b, yf_composed *out, yf_diags *diags)
{
    out->block = b;
    out->lines = g_array_new(FALSE, TRUE, sizeof(yf_line));
    g_array_set_clear_func(out->lines, (GDestroyNotify)yf_line_clear);
    const int cols = b->geom.columns, rows = (int)b->parts->len / cols;
    const double pitch = yf_page_pitch(&L->page);
    double x[YF_MAX_COLUMNS + 1];
    column_edges(L, b, x, diags);
    int rc = 0;
    for (int r = 0; r < rows; r++) {
        yf_composed cells[YF_MAX_COLUMNS] = { { 0 } };
        yf_block set[YF_MAX_COLUMNS];
        int height = 1;
        double size = 0, pad[YF_MAX_COLUMNS];
        for (int c = 0; c < cols; c++) {
            set[c] = g_array_index(b->parts, yf_block, r * cols + c);
            set[c].style.indent = set[c].style.margin_left = set[c].style.margin_right = 0;
            if (set[c].geom.has_align)
                set[c].style.align = set[c].geom.align;
            pad[c] = set[c].style.size / 4;
            rc |= yf_compose_block(L->ctx, &L->page, &set[c], x[c + 1] - x[c] - 2 * pad[c],
                                   &cells[c], diags);
            height = MAX(height, (int)cells[c].lines->len);
            size = MAX(size, set[c].style.size);
        }
        for (int k = 0; k < height; k++) {
            yf_line ln;
            yf_line_init(&ln);
            for (int c = 0; c < cols; c++) {
                if (k >= (int)cells[c].lines->len)
                    continue;
                yf_line *cl = &g_array_index(cells[c].lines, yf_line, k);
                yf_line_move_runs(&ln, cl, x[c] + pad[c] + cl->x, 0);
            }
            /* The line's box is its grid line; the type's em box centred in it. */
            ln.width = ln.natural = x[cols];
            ln.height = pitch;
            ln.ascent = (pitch - size) / 2 + 0.88 * size;
            ln.keep = k == 0 ? height - 1 : 0;
            for (int c = 0; c <= cols; c++)
                border(&ln, x[c] - BORDER / 2, 0, BORDER, pitch);
            if (k == 0)
                border(&ln, -BORDER / 2, -BORDER / 2, x[cols] + BORDER, BORDER);
            if (k == height - 1)
                border(&ln, -BORDER / 2, pitch - BORDER / 2, x[cols] + BORDER, BORDER);
            g_array_append_val(out->lines, ln);
        }
        for (int c = 0; c < cols; c++)
            yf_composed_clear(&cells[c]);
        if (r < b->header_rows)
            out->header += height;
    }
    return rc;
}
