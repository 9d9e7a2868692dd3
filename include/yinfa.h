/* yinfa — document generation for Chinese official documents (GB/T 9704-2012).
 *
 * The one public header. The pipeline, in the order data flows:
 *
 *   yf_template_load   template XML  -> template model        (engine/template.c)
 *   yf_data_load_json  JSON data     -> data tree             (engine/data.c)
 *   yf_document_bind   template+data -> document of blocks    (engine/bind.c)
 *   yf_layout_new      document      -> lines -> pages        (engine/compose.c, engine/paginate.c)
 *   yf_layout_write_*  pages         -> PDF, PNG, text dump   (engine/render.c, engine/dump.c)
 *
 * Ownership: every `_new` / `_load` / `_bind` result is owned by the caller and released with the
 * matching `_free`. Accessors lend: the returned pointer lives as long as the object it came from.
 *
 * Errors: no function prints or exits. Problems are appended to a yf_diags list as values with a
 * place (file:line:column, or a JSON path), and the function returns NULL or a negative number.
 * All problems of a stage are collected before it gives up, so a user sees them all at once.
 */
#ifndef YINFA_H
#define YINFA_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define YF_VERSION "0.1.0"

/* ---- diagnostics ------------------------------------------------------------------------- */

typedef struct yf_diags yf_diags;

typedef enum {
    YF_WARNING = 1,   /* the output is still produced: a substituted font, an unused data key */
    YF_ERROR = 2      /* the stage failed: no output is written */
} yf_severity;

/* A fresh, empty list. Free with yf_diags_free. */
yf_diags *yf_diags_new(void);
void yf_diags_free(yf_diags *d);

size_t yf_diags_count(const yf_diags *d);
size_t yf_diags_errors(const yf_diags *d);
yf_severity yf_diags_severity(const yf_diags *d, size_t i);
/* The whole line, e.g. "speech.xml:12:5: error: …" or "data.json: error: $.届次: …". Lent. */
const char *yf_diags_message(const yf_diags *d, size_t i);
/* Writes every diagnostic, one a line, to `out`. */
void yf_diags_print(const yf_diags *d, FILE *out);

/* ---- context: fonts, locale, limits; created once, shared by many documents --------------- */

typedef struct yf_context yf_context;

/* `roles_conf` is the project's map of the GB/T 9704 type roles (小标宋/仿宋/黑体/楷体/宋体) to
 * faces (fonts/yinfa-roles.conf); `fonts_conf` a fontconfig file that says which fonts exist, or
 * NULL for the system's. Each role that resolves to a free substitute instead of an office face is
 * reported as a warning in `diags`. Returns NULL on error. */
yf_context *yf_context_new(const char *roles_conf, const char *fonts_conf, yf_diags *diags);
void yf_context_free(yf_context *ctx);

/* The most pages a document may have. Templates loaded with `ctx` refuse at bind, before any
 * layout work, a document that would need more (a loop over hostile data): the error says so. */
#define YF_DEFAULT_MAX_PAGES 1000
void yf_context_set_max_pages(yf_context *ctx, int pages);

/* The shared templates folder (the installed share/yinfa/templates, or the source tree's):
 * an <include src=…> or extends=… that names no file beside the template (a type in a user's
 * own folder naming "../common/gbt9704.xml") is looked for at the same place below `dir`, and
 * that file's own includes then stay below `dir`. NULL (the default) looks nowhere else. The
 * folder is resolved now; a folder that does not exist is the same as NULL. A template loaded
 * without a context looks in the installed share/yinfa/templates. */
void yf_context_set_shared_templates(yf_context *ctx, const char *dir);

/* One line per type role: "仿宋\tNoto Serif CJK SC\tsubstitute". Caller frees with free(). */
char *yf_context_describe_fonts(yf_context *ctx);

/* ---- template ---------------------------------------------------------------------------- */

typedef struct yf_template yf_template;

/* Parses and checks a template file. Returns NULL (with errors in diags) on failure. `ctx`
 * gives the limits (yf_context_set_max_pages); NULL means the defaults. */
yf_template *yf_template_load(yf_context *ctx, const char *path, yf_diags *diags);
void yf_template_free(yf_template *t);

/* The template's display name (<info><name>), lent. */
const char *yf_template_name(const yf_template *t);

/* A JSON object with one member per declared slot, filled with its example value, nested by the
 * dotted slot names: a skeleton for the user to fill. Caller frees with free(). */
char *yf_template_skeleton_json(const yf_template *t);

/* The slot declarations as JSON — name, type, label, help, example, default, required, where
 * declared, and the fields of lists and objects — for forms and tools. Caller frees. */
char *yf_template_declarations_json(const yf_template *t);

/* ---- data -------------------------------------------------------------------------------- */

/* A text file's bytes as UTF-8, as offices save text: a byte order mark decides (UTF-8,
 * UTF-16LE/BE), then bytes that are valid UTF-8 are UTF-8, else GB18030 (a superset of GBK and
 * GB2312) decoded strictly. Returns a new NUL-terminated string of *out_len bytes (free() it),
 * with a warning in `diags` naming the encoding when it was not UTF-8; or NULL with an error
 * naming `name` and the byte offset of the first sequence that is neither. */
char *yf_text_to_utf8(const char *name, const char *bytes, size_t len, size_t *out_len,
                      yf_diags *diags);

typedef struct yf_data yf_data;

/* Loads a JSON object from a file. Returns NULL with errors in diags on failure. */
yf_data *yf_data_load_json(const char *path, yf_diags *diags);
/* The same from memory; `name` is used in messages. */
yf_data *yf_data_parse_json(const char *name, const char *json, size_t len, yf_diags *diags);
void yf_data_free(yf_data *data);
/* The text of the single value at a dotted path ("期号", "单位.名称"), or NULL when there is
 * none or it is a list or an object. Caller frees. */
char *yf_data_text(const yf_data *data, const char *dotted);

/* The end of the message of a data file that holds more than one JSON value (JSON Lines): the
 * commands take such a file as records instead. */
#define YF_DATA_MANY_RECORDS "这是多条记录的文件，请用 --record N 选一条，或用 yinfa batch 逐条生成"

/* Many records for a batch: JSON Lines (one object a line), a JSON array of objects, or a table
 * — CSV (a .csv file) or the first sheet of an .xlsx or .xls workbook (told by its first bytes) —
 * whose header row gives the keys: dotted headers like 文章.标题 make nested objects, numbered ones
 * like 文章1.标题, 文章2.标题 the items of a list, an empty cell is an absent value. Text is read as
 * UTF-8, GB18030 (GBK) or UTF-16 with a byte order mark (a warning names an encoding that is not
 * UTF-8). Returns NULL with errors in diags when the file as a whole cannot be read; a single bad
 * record fails only when it is taken. A record of a table is named by its row. */
typedef struct yf_records yf_records;

yf_records *yf_records_load(const char *path, yf_diags *diags);
/* The same, from the sheet named `sheet` of a workbook (NULL: the first; an error for a file that
 * is not a workbook); with `group_by` a column of a table (NULL: none), the rows that repeat its
 * value make one record (a row with it empty joins the row before): a value alike in all its
 * rows is one value, one that differs is a list, an item a row (the articles of one bulletin, a
 * row each). */
yf_records *yf_records_open(const char *path, const char *sheet, const char *group_by,
                            yf_diags *diags);
size_t yf_records_count(const yf_records *records);
/* The line where record `i` (0-based) starts, 1-based. */
int yf_records_line(const yf_records *records, size_t i);
/* Record `i` as data named "FILE:LINE" in messages; caller frees. NULL with errors in diags. */
yf_data *yf_records_get(const yf_records *records, size_t i, yf_diags *diags);
void yf_records_free(yf_records *records);

/* ---- bind: template + data -> document --------------------------------------------------- */

typedef struct yf_document yf_document;

enum {
    /* Every slot without a value is rendered as the literal placeholder "X" instead of being an
     * error: the redacted form of the document. */
    YF_BIND_DRAFT = 1 << 0
};

/* `data` may be NULL (then only YF_BIND_DRAFT succeeds when the template has slots).
 * Returns NULL when any data problem was found; all of them are in diags. */
yf_document *yf_document_bind(const yf_template *t, const yf_data *data, int flags,
                              yf_diags *diags);
void yf_document_free(yf_document *doc);

/* The document's text before layout: one line per block ("p: 正文……"; a forced line break
 * inside a block shows as "\n"). For tests and for reading a filled template quickly.
 * Caller frees with free(). */
char *yf_document_text(const yf_document *doc);

/* ---- layout: composed lines placed on pages ---------------------------------------------- */

typedef struct yf_layout yf_layout;

yf_layout *yf_layout_new(yf_context *ctx, const yf_document *doc, yf_diags *diags);
void yf_layout_free(yf_layout *layout);
int yf_layout_page_count(const yf_layout *layout);

/* ---- output ------------------------------------------------------------------------------ */

/* Writes the PDF atomically: a temporary file beside `path`, renamed over it only on success.
 * Returns 0, or -1 with an error in diags (and no file left behind). */
int yf_layout_write_pdf(const yf_layout *layout, const char *path, yf_diags *diags);

/* Several documents in one PDF (a batch for the print room). Open, add layouts, close: the file
 * appears only at a successful close (atomically, like yf_layout_write_pdf); abort removes it. */
typedef struct yf_pdf yf_pdf;

enum {
    /* Start the document on an odd page (a blank page before it when needed), for printing on
     * both sides. */
    YF_PDF_ODD_START = 1 << 0
};

yf_pdf *yf_pdf_open(const char *path, yf_diags *diags);
/* Optional, before the first yf_pdf_add: announces a document that will be added, so that the
 * PDF embeds fonts holding only the glyphs of the announced documents — much smaller files,
 * less memory and time when the PDF is finished. A document added without being announced is
 * drawn from the full fonts. */
void yf_pdf_reserve(yf_pdf *pdf, const yf_layout *layout);
/* Appends every page of `layout`. `outline`, when not NULL, is a top-level outline entry for the
 * document with its headings nested below; otherwise the headings are top-level entries. */
int yf_pdf_add(yf_pdf *pdf, const yf_layout *layout, int flags, const char *outline,
               yf_diags *diags);
int yf_pdf_page_count(const yf_pdf *pdf);
/* Sets the metadata, finishes the file and renames it into place; frees `pdf`. */
int yf_pdf_close(yf_pdf *pdf, const char *title, const char *author, yf_diags *diags);
/* Discards the file; frees `pdf`. */
void yf_pdf_abort(yf_pdf *pdf);

/* Writes page `page` (1-based) as a PNG at `dpi`, atomically like the PDF. */
int yf_layout_write_png(const yf_layout *layout, int page, double dpi, const char *path,
                        yf_diags *diags);

/* The PDF and a page's PNG in memory instead of a file, for servers: the bytes in a buffer the
 * caller frees with free(), their number in *len; or NULL with an error in diags. */
unsigned char *yf_layout_write_pdf_mem(const yf_layout *layout, size_t *len, yf_diags *diags);
unsigned char *yf_layout_write_png_mem(const yf_layout *layout, int page, double dpi,
                                       size_t *len, yf_diags *diags);

/* A text dump of the laid-out pages — every line with its position, font, size, characters and
 * the composer's decisions — for golden tests and debugging. Caller frees with free(). */
char *yf_layout_dump(const yf_layout *layout);

#ifdef __cplusplus
}
#endif

#endif /* YINFA_H */
