/* .xls sheets (Excel 97–2003, BIFF) as batch data, read by Debian's FreeXL.
 *
 * In: an .xls file and a sheet name (or the first sheet). Out: its rows, as sheet.h describes.
 * FreeXL decodes the compound file, the string table and the code page, and tells which cells
 * are dates; this file only walks the cells. FreeXL reads the whole file into memory: a file
 * larger than any real .xls (Excel's own limit is 65 536 rows) is refused before it is opened. */
#include "sheet.h"

#include <errno.h>
#include <freexl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#define XLS_MAX_BYTES (64 * 1024 * 1024)

/* The shortest decimal text that reads back as `x` (Excel shows at most 15 digits). */
static char *double_text(double x)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    for (int digits = 15; digits <= 17; digits++) {
        g_ascii_formatd(buf, sizeof buf, digits == 15 ? "%.15g" : digits == 16 ? "%.16g" : "%.17g", x);
        if (g_ascii_strtod(buf, NULL) == x)
            break;
    }
    return g_strdup(buf);
}

static char *cell_text(const FreeXL_CellValue *v)
{
    switch (v->type) {
    case FREEXL_CELL_INT: return g_strdup_printf("%d", v->value.int_value);
    case FREEXL_CELL_DOUBLE: return double_text(v->value.double_value);
    case FREEXL_CELL_TEXT:
    case FREEXL_CELL_SST_TEXT:
        return v->value.text_value && *v->value.text_value ? g_strdup(v->value.text_value) : NULL;
    case FREEXL_CELL_DATE: return g_strdup(v->value.text_value);
    case FREEXL_CELL_DATETIME: {
        /* "2026-01-12 00:00:00" is a date; a real time keeps its hours and minutes */
        const char *t = v->value.text_value;
        if (strlen(t) >= 19 && strcmp(t + 10, " 00:00:00") == 0)
            return g_strndup(t, 10);
        return strlen(t) >= 19 && strcmp(t + 16, ":00") == 0 ? g_strndup(t, 16) : g_strdup(t);
    }
    case FREEXL_CELL_TIME: {
        const char *t = v->value.text_value;
        return strlen(t) == 8 && strcmp(t + 5, ":00") == 0 ? g_strndup(t, 5) : g_strdup(t);
    }
    default: return NULL;
    }
}

static gboolean select_sheet(const void *h, const char *path, const char *sheet, yf_diags *diags)
{
    unsigned int count = 0;
    if (freexl_get_info(h, FREEXL_BIFF_SHEET_COUNT, &count) != FREEXL_OK || count == 0) {
        yf_error_at(diags, "data.workbook", path, 0, 0, "无法读取电子表格：工作簿中没有工作表");
        return FALSE;
    }
    GString *names = g_string_new(NULL);
    for (unsigned int i = 0; i < count && i < 65535; i++) {
        const char *name = NULL;
        if (freexl_get_worksheet_name(h, (unsigned short)i, &name) != FREEXL_OK || !name)
            continue;
        if (!sheet || strcmp(name, sheet) == 0) {
            g_string_free(names, TRUE);
            return freexl_select_active_worksheet(h, (unsigned short)i) == FREEXL_OK;
        }
        g_string_append_printf(names, "%s「%s」", names->len ? "、" : "", name);
    }
    yf_error_at(diags, "data.workbook", path, 0, 0, "无法读取电子表格：没有名为「%s」的工作表（有：%s）", sheet,
                names->str);
    g_string_free(names, TRUE);
    return FALSE;
}

gboolean yf_xls_read(const char *path, const char *sheet, yf_sheet_row_fn on_row, void *user,
                     yf_diags *diags)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > XLS_MAX_BYTES) {
        yf_error_at(diags, "data.workbook", path, 0, 0, "无法读取电子表格：%s",
                    stat(path, &st) != 0 ? g_strerror(errno)
                    : !S_ISREG(st.st_mode) ? "不是普通文件" : "文件超过 64 MiB 的上限");
        return FALSE;
    }
    const void *h = NULL;
    int rc = freexl_open(path, &h);
    if (rc != FREEXL_OK) {
        yf_error_at(diags, "data.workbook", path, 0, 0, "无法读取电子表格：不是有效的 .xls 文件（FreeXL 错误 %d）", rc);
        if (h)
            freexl_close(h);
        return FALSE;
    }
    gboolean ok = select_sheet(h, path, sheet, diags);
    unsigned int rows = 0;
    unsigned short cols = 0;
    if (ok && freexl_worksheet_dimensions(h, &rows, &cols) != FREEXL_OK) {
        yf_error_at(diags, "data.workbook", path, 0, 0, "无法读取电子表格：工作表的大小不可读");
        ok = FALSE;
    }
    GPtrArray *cells = g_ptr_array_new_with_free_func(g_free);
    for (unsigned int r = 0; ok && r < rows; r++) {
        gboolean any = FALSE;
        for (unsigned short c = 0; c < cols; c++) {
            FreeXL_CellValue v;
            char *text = freexl_get_cell_value(h, r, c, &v) == FREEXL_OK ? cell_text(&v) : NULL;
            any |= text != NULL;
            g_ptr_array_add(cells, text);
        }
        if (any && !on_row(user, (int)r + 1, cells))
            ok = FALSE;
        g_ptr_array_set_size(cells, 0);
    }
    g_ptr_array_free(cells, TRUE);
    freexl_close(h);
    return ok;
}
