/* Spreadsheets as batch data (xlsx.c, xls.c). Private to the engine.
 *
 * A reader hands over a sheet one row at a time, in sheet order, as text cells: numbers as the
 * decimal text the file stores (never re-rounded), booleans as "true"/"false", dates (a number
 * cell whose style is a date format) as "2026-01-12", times as "08:30" or "08:30:15", texts as
 * they are. Empty rows are skipped; an empty cell is NULL. A merged range gives its value to
 * every cell it covers (an office merges 单位 over the rows of one unit). */
#ifndef YINFA_SHEET_H
#define YINFA_SHEET_H

#include "internal.h"

/* Limits of a spreadsheet, checked while reading (a zip bomb, a huge string table, absurd
 * dimensions end in an error naming the limit, never in memory exhaustion). */
#define YF_SHEET_MAX_PART_BYTES (256u * 1024 * 1024) /* one part of an .xlsx, uncompressed */
#define YF_SHEET_MAX_STRINGS_BYTES (64u * 1024 * 1024) /* the shared strings, in all */
#define YF_SHEET_MAX_COLUMNS 16384                    /* Excel's own: XFD */
#define YF_SHEET_MAX_ROWS 1048576                     /* Excel's own */

/* One row: `row` is the sheet's row number (1-based), `cells` of char* (NULL: empty), lent
 * for the call. Return FALSE to stop reading (the reader then returns FALSE too). */
typedef gboolean (*yf_sheet_row_fn)(void *user, int row, GPtrArray *cells);

/* Reads the sheet named `sheet` (NULL: the first) of an .xlsx (Office Open XML, ECMA-376) or
 * .xls (BIFF, through FreeXL) file. Returns TRUE, or FALSE with an error naming the file (and
 * the cell where there is one). */
gboolean yf_xlsx_read(const char *path, const char *sheet, yf_sheet_row_fn on_row, void *user,
                      yf_diags *diags);
gboolean yf_xls_read(const char *path, const char *sheet, yf_sheet_row_fn on_row, void *user,
                     yf_diags *diags);

/* Excel's serial day number (1900 date system, with its phantom 1900-02-29; or 1904) -> a
 * calendar date. FALSE outside years 1900–9999. */
gboolean yf_sheet_serial_date(double serial, gboolean date1904, int *y, int *m, int *d);

#endif
