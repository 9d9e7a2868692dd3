/* .xlsx sheets as batch data: the smallest honest reader of Office Open XML spreadsheets
 * (ECMA-376 Part 1, §18 SpreadsheetML), on libzip and libxml2's streaming reader.
 *
 * In: an .xlsx file and a sheet name (or the first sheet). Out: the sheet's rows, one callback a
 * row, as sheet.h describes. The parts read: xl/workbook.xml (the sheets, the 1904 date system),
 * xl/_rels/workbook.xml.rels (where each sheet's part is), xl/sharedStrings.xml (the texts),
 * xl/styles.xml (which cell styles are dates) and the sheet itself, twice: its merged ranges
 * come after its rows in the file, so a first pass collects them. Everything is streamed: a
 * sheet of 100 000 rows is read in memory bounded by one row and the shared strings.
 *
 * Hostile files: each part is read no further than YF_SHEET_MAX_PART_BYTES (counted as it is
 * inflated, whatever the zip says), the shared strings no further than
 * YF_SHEET_MAX_STRINGS_BYTES, cell references within Excel's own 16 384 columns × 1 048 576 rows,
 * no DOCTYPE (hence no entities), no network. */
#include "sheet.h"

#include <libxml/xmlreader.h>
#include <math.h>
#include <string.h>
#include <zip.h>

/* ---- a part of the package, streamed ---------------------------------------------------------- */

typedef struct {
    zip_file_t *zf;
    zip_uint64_t read;
    gboolean too_big;
    char *xml_error;       /* libxml2's first message, for ours */
} part_stream;

/* libxml2's messages are kept for the error this file reports, never printed. */
static void on_xml_error(void *arg, const char *msg, xmlParserSeverities severity,
                         xmlTextReaderLocatorPtr where)
{
    part_stream *s = arg;
    (void)where;
    if (severity >= XML_PARSER_SEVERITY_ERROR && !s->xml_error)
        s->xml_error = g_strstrip(g_strdup(msg));
}

static void on_xml_structured_error(void *arg, xmlErrorPtr e)
{
    part_stream *s = arg;
    if (e && e->level >= XML_ERR_ERROR && !s->xml_error && e->message)
        s->xml_error = g_strstrip(g_strdup(e->message));
}

static int part_read(void *ctx, char *buf, int len)
{
    part_stream *s = ctx;
    zip_int64_t n = zip_fread(s->zf, buf, (zip_uint64_t)len);
    if (n < 0)
        return -1;
    s->read += (zip_uint64_t)n;
    if (s->read > YF_SHEET_MAX_PART_BYTES) {
        s->too_big = TRUE;
        return -1;
    }
    return (int)n;
}

static int part_close(void *ctx)
{
    part_stream *s = ctx;
    if (s->zf)
        zip_fclose(s->zf);
    s->zf = NULL;
    return 0;
}

/* Frees the reader of a part and its stream. */
static void part_free(xmlTextReaderPtr r, part_stream *s)
{
    xmlFreeTextReader(r);
    if (s->zf)
        zip_fclose(s->zf);
    g_free(s->xml_error);
    g_free(s);
}

typedef struct {
    const char *path;      /* the .xlsx, for messages */
    zip_t *zip;
    yf_diags *diags;
    gboolean failed;       /* an error was reported */
} package;

static void pkg_error(package *P, const char *part, const char *fmt, const char *detail)
{
    if (P->failed)
        return;
    P->failed = TRUE;
    char *msg = g_strdup_printf(fmt, detail);
    yf_error_at(P->diags, "data.workbook", P->path, 0, 0, "无法读取电子表格（%s）：%s", part, msg);
    g_free(msg);
}

/* A streaming reader of the part `name`, or NULL (an error reported unless `optional`). */
static xmlTextReaderPtr part_open(package *P, const char *name, gboolean optional,
                                  part_stream **stream)
{
    zip_int64_t i = zip_name_locate(P->zip, name, 0);
    if (i < 0) {
        if (!optional)
            pkg_error(P, name, "%s", "文件中缺少这一部分，不是 Excel 工作簿");
        return NULL;
    }
    zip_file_t *zf = zip_fopen_index(P->zip, (zip_uint64_t)i, 0);
    if (!zf) {
        pkg_error(P, name, "%s", zip_strerror(P->zip));
        return NULL;
    }
    part_stream *s = g_new0(part_stream, 1);
    s->zf = zf;
    yf_library_init();
    xmlTextReaderPtr r = xmlReaderForIO(part_read, part_close, s, name, "UTF-8",
                                        XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_COMPACT |
                                            XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!r) {
        part_close(s);
        g_free(s);
        pkg_error(P, name, "%s", "无法解析");
        return NULL;
    }
    xmlTextReaderSetErrorHandler(r, on_xml_error, s);
    xmlTextReaderSetStructuredErrorHandler(r, on_xml_structured_error, s);
    *stream = s;
    return r;
}

/* The next node; 1, 0 at the end, -1 on an error (reported). A DOCTYPE is refused: no entity
 * of a spreadsheet can be trusted. */
static int part_next(package *P, xmlTextReaderPtr r, part_stream *s, const char *name)
{
    int k = xmlTextReaderRead(r);
    if (k == 1 && xmlTextReaderNodeType(r) == XML_READER_TYPE_DOCUMENT_TYPE) {
        pkg_error(P, name, "%s", "含有 DOCTYPE，不予读取");
        return -1;
    }
    if (k < 0) {
        if (s->too_big)
            pkg_error(P, name, "解压后超过 %s 字节的上限（疑为压缩炸弹）", "268435456");
        else if (s->xml_error && strstr(s->xml_error, "huge"))
            pkg_error(P, name, "%s", "一个单元格或文字超过 libxml2 的 10 MB 上限（疑为压缩炸弹）");
        else
            pkg_error(P, name, "XML 格式错误或文件已损坏（%s）", s->xml_error ? s->xml_error : "读取失败");
    }
    return k;
}

static gboolean is(xmlTextReaderPtr r, const char *local)
{
    const xmlChar *n = xmlTextReaderConstLocalName(r);
    return n && strcmp((const char *)n, local) == 0;
}

static gboolean starts(xmlTextReaderPtr r, const char *local)
{
    return xmlTextReaderNodeType(r) == XML_READER_TYPE_ELEMENT && is(r, local);
}

static gboolean ends(xmlTextReaderPtr r, const char *local)
{
    return (xmlTextReaderNodeType(r) == XML_READER_TYPE_END_ELEMENT ||
            (xmlTextReaderNodeType(r) == XML_READER_TYPE_ELEMENT && xmlTextReaderIsEmptyElement(r))) &&
           is(r, local);
}

static gboolean is_text(xmlTextReaderPtr r)
{
    int t = xmlTextReaderNodeType(r);
    return t == XML_READER_TYPE_TEXT || t == XML_READER_TYPE_CDATA ||
           t == XML_READER_TYPE_SIGNIFICANT_WHITESPACE || t == XML_READER_TYPE_WHITESPACE;
}

/* An attribute by local name (r:id is "id" in its namespace). Caller frees. */
static char *attr(xmlTextReaderPtr r, const char *local)
{
    char *out = NULL;
    if (xmlTextReaderMoveToFirstAttribute(r) != 1)
        return NULL;
    do {
        if (is(r, local)) {
            out = (char *)xmlTextReaderValue(r);
            break;
        }
    } while (xmlTextReaderMoveToNextAttribute(r) == 1);
    xmlTextReaderMoveToElement(r);
    return out;
}

/* ---- the workbook: sheets and their parts ------------------------------------------------------ */

typedef struct {
    gboolean date1904;
    char *sheet_rid;       /* the relationship id of the sheet asked for */
    GString *names;        /* every sheet's name, for a message */
} workbook;

static gboolean read_workbook(package *P, const char *sheet, workbook *W)
{
    part_stream *s;
    const char *part = "xl/workbook.xml";
    xmlTextReaderPtr r = part_open(P, part, FALSE, &s);
    if (!r)
        return FALSE;
    int k;
    while ((k = part_next(P, r, s, part)) == 1) {
        if (starts(r, "workbookPr")) {
            char *d = attr(r, "date1904");
            W->date1904 = d && (strcmp(d, "1") == 0 || strcmp(d, "true") == 0);
            xmlFree(d);
        } else if (starts(r, "sheet")) {
            char *name = attr(r, "name"), *rid = attr(r, "id");
            if (name && rid && !W->sheet_rid && (!sheet || strcmp(name, sheet) == 0))
                W->sheet_rid = g_strdup(rid);
            if (name)
                g_string_append_printf(W->names, "%s「%s」", W->names->len ? "、" : "", name);
            xmlFree(name);
            xmlFree(rid);
        }
    }
    part_free(r, s);
    if (k < 0)
        return FALSE;
    if (!W->sheet_rid) {
        char *why = sheet ? g_strdup_printf("没有名为「%s」的工作表（有：%s）", sheet, W->names->str)
                          : g_strdup("工作簿中没有工作表");
        pkg_error(P, part, "%s", why);
        g_free(why);
        return FALSE;
    }
    return TRUE;
}

/* The part name of the relationship `rid` of the workbook, or NULL. Caller frees. */
static char *sheet_part(package *P, const char *rid)
{
    part_stream *s;
    const char *part = "xl/_rels/workbook.xml.rels";
    xmlTextReaderPtr r = part_open(P, part, FALSE, &s);
    if (!r)
        return NULL;
    char *target = NULL;
    while (!target && part_next(P, r, s, part) == 1) {
        if (!starts(r, "Relationship"))
            continue;
        char *id = attr(r, "Id");
        if (id && strcmp(id, rid) == 0)
            target = attr(r, "Target");
        xmlFree(id);
    }
    part_free(r, s);
    if (!target) {
        pkg_error(P, part, "%s", "找不到工作表所在的部分");
        return NULL;
    }
    /* Relative to xl/, or absolute in the package ("/xl/worksheets/sheet1.xml"). */
    char *name = target[0] == '/' ? g_strdup(target + 1) : g_strconcat("xl/", target, NULL);
    xmlFree(target);
    return name;
}

/* ---- shared strings ---------------------------------------------------------------------------- */

/* The texts of xl/sharedStrings.xml in order: each <si>'s <t> texts, rich-text runs joined,
 * phonetic runs (<rPh>, the furigana of Japanese) left out. */
static GPtrArray *read_strings(package *P)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    part_stream *s;
    const char *part = "xl/sharedStrings.xml";
    xmlTextReaderPtr r = part_open(P, part, TRUE, &s);
    if (!r)
        return P->failed ? (g_ptr_array_free(out, TRUE), NULL) : out;
    GString *si = NULL;
    gboolean in_t = FALSE, in_phonetic = FALSE;
    size_t total = 0;
    int k;
    while ((k = part_next(P, r, s, part)) == 1) {
        if (starts(r, "si") && !xmlTextReaderIsEmptyElement(r)) {
            si = g_string_new(NULL);
        } else if (starts(r, "si")) {
            g_ptr_array_add(out, g_strdup(""));
        } else if (ends(r, "si") && si) {
            total += si->len + sizeof(char *);
            g_ptr_array_add(out, g_string_free(si, FALSE));
            si = NULL;
        } else if (starts(r, "rPh") && !xmlTextReaderIsEmptyElement(r)) {
            in_phonetic = TRUE;
        } else if (ends(r, "rPh")) {
            in_phonetic = FALSE;
        } else if (starts(r, "t")) {
            in_t = !xmlTextReaderIsEmptyElement(r);
        } else if (ends(r, "t")) {
            in_t = FALSE;
        } else if (si && in_t && !in_phonetic && is_text(r)) {
            g_string_append(si, (const char *)xmlTextReaderConstValue(r));
        }
        if (total + (si ? si->len : 0) > YF_SHEET_MAX_STRINGS_BYTES) {
            pkg_error(P, part, "共享字符串超过 %s 字节的上限", "67108864");
            k = -1;
            break;
        }
    }
    if (si)
        g_string_free(si, TRUE);
    part_free(r, s);
    if (k < 0) {
        g_ptr_array_free(out, TRUE);
        return NULL;
    }
    return out;
}

/* ---- styles: which cells are dates -------------------------------------------------------------- */

typedef enum { NUM_PLAIN, NUM_DATE, NUM_TIME, NUM_DATETIME } num_kind;

/* Excel's built-in number formats that are dates or times (ECMA-376 §18.8.30), with those of the
 * Chinese locale (27–36, 50–58: yyyy"年"m"月"d"日" and the like). */
static num_kind builtin_kind(long id)
{
    if ((id >= 14 && id <= 17) || (id >= 27 && id <= 31) || (id >= 34 && id <= 36) ||
        (id >= 50 && id <= 58))
        return NUM_DATE;
    if ((id >= 18 && id <= 21) || id == 32 || id == 33 || (id >= 45 && id <= 47))
        return NUM_TIME;
    if (id == 22)
        return NUM_DATETIME;
    return NUM_PLAIN;
}

/* A format code's kind: its date and time letters outside quoted text, escapes and [colour]
 * sections ([h] elapsed hours count as time). */
static num_kind code_kind(const char *code)
{
    gboolean date = FALSE, time = FALSE;
    if (g_ascii_strncasecmp(code, "General", 7) == 0)
        return NUM_PLAIN;
    for (const char *p = code; *p; p++) {
        if (*p == '"') {
            const char *q = strchr(p + 1, '"');
            if (!q)
                break;
            p = q;
        } else if (*p == '\\' && p[1]) {
            p++;
        } else if (*p == '[') {
            const char *q = strchr(p, ']');
            if (!q)
                break;
            if (g_ascii_tolower(p[1]) == 'h' || g_ascii_tolower(p[1]) == 's')
                time = TRUE;
            p = q;
        } else if (*p == ';') {
            break; /* the first section decides */
        } else {
            char c = g_ascii_tolower(*p);
            date |= c == 'y' || c == 'd';
            time |= c == 'h' || c == 's';
        }
    }
    return date && time ? NUM_DATETIME : date ? NUM_DATE : time ? NUM_TIME : NUM_PLAIN;
}

/* The kind of each cell style (the s attribute of a cell indexes <cellXfs>). */
static GArray *read_styles(package *P)
{
    GArray *kinds = g_array_new(FALSE, TRUE, sizeof(guint8));
    part_stream *s;
    const char *part = "xl/styles.xml";
    xmlTextReaderPtr r = part_open(P, part, TRUE, &s);
    if (!r)
        return P->failed ? (g_array_free(kinds, TRUE), NULL) : kinds;
    GHashTable *custom = g_hash_table_new(g_direct_hash, g_direct_equal);
    gboolean in_xfs = FALSE;
    int k;
    while ((k = part_next(P, r, s, part)) == 1) {
        if (starts(r, "numFmt")) {
            char *id = attr(r, "numFmtId"), *code = attr(r, "formatCode");
            if (id && code)
                g_hash_table_insert(custom, GINT_TO_POINTER(atoi(id)),
                                    GINT_TO_POINTER(code_kind(code) + 1));
            xmlFree(id);
            xmlFree(code);
        } else if (starts(r, "cellXfs")) {
            in_xfs = !xmlTextReaderIsEmptyElement(r);
        } else if (ends(r, "cellXfs")) {
            in_xfs = FALSE;
        } else if (in_xfs && starts(r, "xf")) {
            char *id = attr(r, "numFmtId");
            long n = id ? atol(id) : 0;
            xmlFree(id);
            gpointer c = g_hash_table_lookup(custom, GINT_TO_POINTER((int)n));
            guint8 kind = c ? (guint8)(GPOINTER_TO_INT(c) - 1) : (guint8)builtin_kind(n);
            if (kinds->len < 1000000)
                g_array_append_val(kinds, kind);
        }
    }
    g_hash_table_destroy(custom);
    part_free(r, s);
    if (k < 0) {
        g_array_free(kinds, TRUE);
        return NULL;
    }
    return kinds;
}

/* ---- cell references and dates -------------------------------------------------------------- */

/* "AB12" -> column 27 (0-based), row 12. FALSE when malformed or beyond Excel's limits. */
static gboolean parse_ref(const char *ref, int *col, int *row)
{
    long c = 0, r = 0;
    const char *p = ref;
    for (; g_ascii_isalpha(*p); p++) {
        c = c * 26 + (g_ascii_toupper(*p) - 'A' + 1);
        if (c > YF_SHEET_MAX_COLUMNS)
            return FALSE;
    }
    for (; g_ascii_isdigit(*p); p++) {
        r = r * 10 + (*p - '0');
        if (r > YF_SHEET_MAX_ROWS)
            return FALSE;
    }
    if (*p || c == 0 || (row && r == 0))
        return FALSE;
    *col = (int)c - 1;
    if (row)
        *row = (int)r;
    return TRUE;
}

gboolean yf_sheet_serial_date(double serial, gboolean date1904, int *y, int *m, int *d)
{
    if (!isfinite(serial) || serial < 0 || serial > 2958465.0) /* 9999-12-31 */
        return FALSE;
    long day = (long)floor(serial);
    GDate *g;
    if (date1904) {
        g = g_date_new_dmy(1, G_DATE_JANUARY, 1904);
    } else {
        if (day == 0 || day == 60)
            return FALSE; /* 1900-01-00 and Excel's phantom 1900-02-29 */
        g = g_date_new_dmy(31, G_DATE_DECEMBER, 1899);
        if (day > 60)
            day--; /* Lotus 1-2-3 counted 1900 as a leap year; Excel kept it */
    }
    g_date_add_days(g, (guint)day);
    *y = g_date_get_year(g);
    *m = g_date_get_month(g);
    *d = g_date_get_day(g);
    g_date_free(g);
    return *y >= 1900 && *y <= 9999;
}

/* The text of a number cell of style kind `kind`. Caller frees. */
static char *number_text(const char *v, num_kind kind, gboolean date1904)
{
    if (kind == NUM_PLAIN)
        return g_strdup(v);
    char *end;
    double x = g_ascii_strtod(v, &end);
    int y, m, d;
    if (*end || !isfinite(x) || x < 0)
        return g_strdup(v);
    long secs = lround((x - floor(x)) * 86400.0);
    if (secs == 86400) {
        secs = 0;
        x = floor(x) + 1;
    }
    GString *out = g_string_new(NULL);
    if (kind != NUM_TIME) {
        if (!yf_sheet_serial_date(x, date1904, &y, &m, &d)) {
            g_string_free(out, TRUE);
            return g_strdup(v);
        }
        g_string_append_printf(out, "%04d-%02d-%02d", y, m, d);
    }
    if (kind == NUM_TIME || (kind == NUM_DATETIME && secs)) {
        g_string_append_printf(out, "%s%02ld:%02ld", out->len ? " " : "", secs / 3600, secs / 60 % 60);
        if (secs % 60)
            g_string_append_printf(out, ":%02ld", secs % 60);
    }
    return g_string_free(out, FALSE);
}

/* ---- merged ranges ------------------------------------------------------------------------------ */

typedef struct {
    int r1, c1, r2, c2;
    char *value;           /* the top-left cell's, once its row is read */
} merge;

static int merge_cmp(gconstpointer a, gconstpointer b)
{
    const merge *x = a, *y = b;
    return x->r1 != y->r1 ? (x->r1 < y->r1 ? -1 : 1) : (x->c1 - y->c1);
}

static void merge_clear(gpointer p) { g_free(((merge *)p)->value); }

/* Pass 1: the sheet's <mergeCell ref="A2:A4"/> ranges, sorted by their first row. */
static GArray *read_merges(package *P, const char *part)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(merge));
    g_array_set_clear_func(out, merge_clear);
    part_stream *s;
    xmlTextReaderPtr r = part_open(P, part, FALSE, &s);
    if (!r) {
        g_array_free(out, TRUE);
        return NULL;
    }
    int k;
    while ((k = part_next(P, r, s, part)) == 1) {
        if (starts(r, "sheetData") && !xmlTextReaderIsEmptyElement(r)) {
            if (xmlTextReaderNext(r) != 1) /* skip the rows without building them */
                break;
        }
        if (!starts(r, "mergeCell"))
            continue;
        char *ref = attr(r, "ref");
        char **ab = ref ? g_strsplit(ref, ":", 2) : NULL;
        merge m = { 0 };
        if (ab && ab[0] && ab[1] && parse_ref(ab[0], &m.c1, &m.r1) && parse_ref(ab[1], &m.c2, &m.r2) &&
            m.r1 <= m.r2 && m.c1 <= m.c2 && out->len < 100000)
            g_array_append_val(out, m);
        g_strfreev(ab);
        xmlFree(ref);
    }
    if (s->too_big || P->failed)
        k = -1;
    part_free(r, s);
    if (k < 0) {
        if (!P->failed)
            pkg_error(P, part, "%s", "XML 格式错误或文件已损坏");
        g_array_free(out, TRUE);
        return NULL;
    }
    g_array_sort(out, merge_cmp);
    return out;
}

/* ---- the rows ----------------------------------------------------------------------------------- */

typedef struct {
    package *P;
    const char *part;
    GPtrArray *strings;    /* shared strings */
    GArray *styles;        /* of guint8 num_kind */
    gboolean date1904;
    GArray *merges;
    guint next_merge;      /* merges before it have started */
    GPtrArray *active;     /* of merge*: ranges covering the current row or later ones */
    yf_sheet_row_fn on_row;
    void *user;
    /* the row being read */
    int row, col;
    GPtrArray *cells;      /* of char*, owned */
    /* the cell being read */
    char *type;
    int style;
    GString *value;
    gboolean in_value, in_inline;
} sheet_reader;

static void set_cell(sheet_reader *S, int col, char *text)
{
    if ((guint)col >= S->cells->len)
        g_ptr_array_set_size(S->cells, col + 1);
    g_free(g_ptr_array_index(S->cells, col));
    g_ptr_array_index(S->cells, col) = text;
}

static void cell_end(sheet_reader *S)
{
    const char *t = S->type ? S->type : "n";
    const char *v = S->value->str;
    char *text = NULL;
    if (strcmp(t, "s") == 0) {
        char *end;
        long i = strtol(v, &end, 10);
        if (*v && !*end && i >= 0 && (guint)i < S->strings->len)
            text = g_strdup(g_ptr_array_index(S->strings, i));
    } else if (strcmp(t, "b") == 0) {
        text = g_strdup(strcmp(v, "1") == 0 ? "true" : "false");
    } else if (strcmp(t, "n") == 0 && *v) {
        num_kind kind = S->style >= 0 && (guint)S->style < S->styles->len
                            ? g_array_index(S->styles, guint8, S->style) : NUM_PLAIN;
        text = number_text(v, kind, S->date1904);
    } else if (strcmp(t, "e") == 0) {
        /* A formula's error (#N/A, #DIV/0!) is no value to print: the sheet must be corrected. */
        GString *ref = g_string_new(NULL);
        for (int c = S->col + 1; c > 0; c = (c - 1) / 26)
            g_string_prepend_c(ref, (char)('A' + (c - 1) % 26));
        char *what = g_strdup_printf("单元格 %s%d 是公式错误 %s，请先在表格中改正", ref->str, S->row, v);
        pkg_error(S->P, S->part, "%s", what);
        g_free(what);
        g_string_free(ref, TRUE);
    } else if (*v || strcmp(t, "inlineStr") == 0 || strcmp(t, "str") == 0) {
        text = g_strdup(v); /* inlineStr, str (a formula's text), d (ISO 8601) */
    }
    if (text && !*text) {
        g_free(text);
        text = NULL;
    }
    if (text)
        set_cell(S, S->col, text);
}

/* The merged ranges that reach the row: their value fills every empty cell they cover. */
static void apply_merges(sheet_reader *S)
{
    while (S->next_merge < S->merges->len &&
           g_array_index(S->merges, merge, S->next_merge).r1 <= S->row) {
        merge *m = &g_array_index(S->merges, merge, S->next_merge++);
        g_ptr_array_add(S->active, m);
    }
    for (guint i = 0; i < S->active->len;) {
        merge *m = g_ptr_array_index(S->active, i);
        if (m->r2 < S->row) {
            g_ptr_array_remove_index_fast(S->active, i);
            continue;
        }
        if (m->r1 == S->row && !m->value && (guint)m->c1 < S->cells->len &&
            g_ptr_array_index(S->cells, m->c1))
            m->value = g_strdup(g_ptr_array_index(S->cells, m->c1));
        for (int c = m->c1; m->value && c <= m->c2 && c < YF_SHEET_MAX_COLUMNS; c++)
            if ((guint)c >= S->cells->len || !g_ptr_array_index(S->cells, c))
                set_cell(S, c, g_strdup(m->value));
        i++;
    }
}

static gboolean row_end(sheet_reader *S)
{
    apply_merges(S);
    gboolean any = FALSE;
    for (guint i = 0; i < S->cells->len && !any; i++)
        any = g_ptr_array_index(S->cells, i) != NULL;
    gboolean go_on = !any || S->on_row(S->user, S->row, S->cells);
    g_ptr_array_set_size(S->cells, 0);
    return go_on;
}

static gboolean element(sheet_reader *S, xmlTextReaderPtr r)
{
    if (starts(r, "row")) {
        char *rn = attr(r, "r");
        int n = rn ? atoi(rn) : S->row + 1;
        xmlFree(rn);
        if (n <= S->row || n > YF_SHEET_MAX_ROWS) {
            char *what = g_strdup_printf("%d", n);
            pkg_error(S->P, S->part, "行号 %s 不合理（应递增且不超过 1048576）", what);
            g_free(what);
            return FALSE;
        }
        S->row = n;
        S->col = -1;
        if (xmlTextReaderIsEmptyElement(r))
            return row_end(S);
    } else if (starts(r, "c")) {
        char *ref = attr(r, "r"), *s = attr(r, "s");
        int col = S->col + 1, row = S->row;
        gboolean ok = !ref || (parse_ref(ref, &col, &row) && row == S->row && col > S->col);
        if (!ok || col >= YF_SHEET_MAX_COLUMNS) {
            char *what = g_strdup_printf("单元格引用「%s」不合理", ref ? ref : "");
            pkg_error(S->P, S->part, "%s", what);
            g_free(what);
            xmlFree(ref);
            xmlFree(s);
            return FALSE;
        }
        xmlFree(ref);
        S->col = col;
        S->style = s ? atoi(s) : -1;
        xmlFree(s);
        g_free(S->type);
        S->type = (char *)attr(r, "t");
        g_string_truncate(S->value, 0);
        if (xmlTextReaderIsEmptyElement(r))
            cell_end(S);
    } else if (starts(r, "v")) {
        S->in_value = !xmlTextReaderIsEmptyElement(r);
    } else if (starts(r, "is")) {
        S->in_inline = !xmlTextReaderIsEmptyElement(r);
    }
    return TRUE;
}

static gboolean read_rows(sheet_reader *S)
{
    part_stream *s;
    xmlTextReaderPtr r = part_open(S->P, S->part, FALSE, &s);
    if (!r)
        return FALSE;
    gboolean ok = TRUE, in_t = FALSE, in_phonetic = FALSE;
    int k;
    while (ok && (k = part_next(S->P, r, s, S->part)) == 1) {
        int type = xmlTextReaderNodeType(r);
        if (type == XML_READER_TYPE_ELEMENT) {
            if (starts(r, "t"))
                in_t = !xmlTextReaderIsEmptyElement(r);
            else if (starts(r, "rPh"))
                in_phonetic = !xmlTextReaderIsEmptyElement(r);
            else
                ok = element(S, r);
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            if (is(r, "t"))
                in_t = FALSE;
            else if (is(r, "rPh"))
                in_phonetic = FALSE;
            else if (is(r, "v"))
                S->in_value = FALSE;
            else if (is(r, "is"))
                S->in_inline = FALSE;
            else if (is(r, "c"))
                cell_end(S);
            else if (is(r, "row"))
                ok = row_end(S);
        } else if (is_text(r) && (S->in_value || (S->in_inline && in_t && !in_phonetic))) {
            g_string_append(S->value, (const char *)xmlTextReaderConstValue(r));
            if (S->value->len > YF_SHEET_MAX_STRINGS_BYTES) {
                pkg_error(S->P, S->part, "单元格内容超过 %s 字节的上限", "67108864");
                ok = FALSE;
            }
        }
    }
    part_free(r, s);
    return ok && k == 0 && !S->P->failed;
}

gboolean yf_xlsx_read(const char *path, const char *sheet, yf_sheet_row_fn on_row, void *user,
                      yf_diags *diags)
{
    int err = 0;
    package P = { path, zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &err), diags, FALSE };
    if (!P.zip) {
        zip_error_t ze;
        zip_error_init_with_code(&ze, err);
        yf_error_at(diags, "data.workbook", path, 0, 0, "无法读取电子表格：不是有效的 .xlsx 文件（%s）",
                    zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return FALSE;
    }
    workbook W = { FALSE, NULL, g_string_new(NULL) };
    char *part = NULL;
    GPtrArray *strings = NULL;
    GArray *styles = NULL, *merges = NULL;
    gboolean ok = read_workbook(&P, sheet, &W) && (part = sheet_part(&P, W.sheet_rid)) &&
                  (strings = read_strings(&P)) && (styles = read_styles(&P)) &&
                  (merges = read_merges(&P, part));
    if (ok) {
        sheet_reader S = { &P, part, strings, styles, W.date1904, merges, 0, g_ptr_array_new(),
                           on_row, user, 0, -1, g_ptr_array_new_with_free_func(g_free), NULL, -1,
                           g_string_new(NULL), FALSE, FALSE };
        ok = read_rows(&S);
        g_ptr_array_free(S.active, TRUE);
        g_ptr_array_free(S.cells, TRUE);
        g_free(S.type);
        g_string_free(S.value, TRUE);
    }
    ok = ok && !P.failed;
    if (merges)
        g_array_free(merges, TRUE);
    if (styles)
        g_array_free(styles, TRUE);
    if (strings)
        g_ptr_array_free(strings, TRUE);
    g_free(part);
    g_free(W.sheet_rid);
    g_string_free(W.names, TRUE);
    zip_discard(P.zip);
    return ok;
}
