/* yinfa — document generation for Chinese official documents (GB/T 9704-2012).
 *
 * The one public header. The pipeline, in the order data flows:
 *
 *   yf_template_load   template XML  -> template model        (engine/template.c)
 *   yf_data_load_json  JSON data     -> data tree             (engine/data.c)
 *   yf_document_bind   template+data -> document of blocks    (engine/bind.c)
 *   yf_layout_new      document      -> lines -> pages        (engine/compose.c, engine/paginate.c)
 *   yf_layout_write_*  pages         -> PDF, PNG, OFD, dump   (engine/render.c, engine/ofd.c,
 *                                                             engine/dump.c)
 *   yf_document_write_docx  blocks + pages -> Word file     (engine/docx.c)
 *
 * Ownership: every `_new` / `_load` / `_bind` / `_open` / `_get` result is owned by the caller and
 * released with the matching `_free` (a yf_pdf with yf_pdf_close or yf_pdf_abort); every `_free`
 * and yf_pdf_abort accept NULL and do nothing. Accessors lend: the returned pointer lives as long
 * as the object it came from. A `char *` or byte buffer the header says the caller frees is freed
 * with free(). Objects are independent once made: a document may outlive its data and template, a
 * layout its document (but not its context).
 *
 * Errors: no function prints or exits. Problems are appended to a yf_diags list as values with a
 * place (file:line:column, or a JSON path), and the function returns NULL or a negative number.
 * All problems of a stage are collected before it gives up, so a user sees them all at once.
 * `diags` may be NULL: the function then collects its problems in a list of its own, which it
 * frees before returning — a failure is still a failure (NULL or -1), only its reasons are lost.
 *
 * Arguments (NULL and indexes): given NULL where it needs an object or a string (a template, a
 * layout, a path, a yf_pdf ...), every function returns its failure value — NULL, -1, 0 — and
 * appends an error with the code "api.argument" to `diags` (when it has one); it never crashes
 * nor prints. So a pipeline may pass on what the stage before returned
 * (`layout = yf_layout_new(ctx, doc, d)` with doc NULL is NULL with an error). Functions without
 * `diags` given NULL: counts return 0 (yf_diags_count, yf_records_count) or -1
 * (yf_layout_page_count, yf_pdf_page_count), text and accessors NULL, setters do nothing. The
 * yf_diags_ accessors with an index `i` out of range (or a NULL list) return NULL, 0 for a line,
 * a column or the severity; yf_records_line 0. A `len` out-pointer may be NULL: then it is not
 * set. Arguments a function documents as optional (yf_template_load's ctx, yf_document_bind's
 * data, a title or outline) may be NULL with their documented meaning.
 *
 * Threads: a context, and everything made with it or handed to a function together with it
 * (templates, data, documents, layouts, PDFs, diagnostics), is used by one thread at a time.
 * Several contexts may live in one process and be used from different threads at once: that is
 * how a server renders in parallel (a context and its own objects per thread). The library itself
 * keeps no mutable global state; what the libraries under it force to be process-wide is set up
 * once (pthread_once) and then only read, or guarded:
 *   - libxml2: xmlInitParser, xmlSchemaInitTypes and xmlRelaxNGInitTypes (the datatype tables
 *     libxml2 2.9 would otherwise make, unlocked, on a first schema compile), once before the
 *     first parse of any thread; error handlers are libxml2's per-thread ones. The compiled
 *     RELAX NG grammar is per context.
 *   - fontconfig, Pango, Cairo, HarfBuzz: each context has its own FcConfig and Pango font map;
 *     Cairo's font and scaled-font caches, the FreeType faces Pango makes and Pango's own worker
 *     thread are guarded by Cairo's and Pango's locks. The FreeType library that draws subset
 *     fonts is one per process, made once; its faces are made and done under a mutex (FreeType's
 *     rule for a shared FT_Library) and drawn under Cairo's lock on each face.
 *   - the stroke order table of name sorting (rime-data), read once on first use and then
 *     read-only; the loop.index/count/first/last declarations, never written.
 *   - ICU: its data and caches are ICU's own, thread-safe; break iterators, collators, number
 *     formats and converters are opened per call (a few microseconds each), never shared.
 *   - libhyphen: the English patterns are loaded per context.
 * The library reads no environment variable: settings come through a context (the PDF creation
 * date: yf_context_set_creation_date).
 */
#ifndef YINFA_H
#define YINFA_H

#include <stddef.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- version and export ----------------------------------------------------------------- */

/* The version of this header; yf_version() gives the library's at run time, so a program can
 * tell which libyinfa.so it was given. The shared library's soname carries the major number
 * (libyinfa.so.0). */
#define YF_VERSION "0.1.0"
#define YF_VERSION_MAJOR 0
#define YF_VERSION_MINOR 1
#define YF_VERSION_PATCH 0

/* Marks the public API: the engine is compiled with -fvisibility=hidden, so only the functions
 * declared here with YF_API are exported by libyinfa.so. */
#if defined(__GNUC__) || defined(__clang__)
#define YF_API __attribute__((visibility("default")))
#else
#define YF_API
#endif

/* The library's version, "MAJOR.MINOR.PATCH" (YF_VERSION of the library that was built).
 * Static: never freed. */
YF_API const char *yf_version(void);

/* ---- diagnostics ------------------------------------------------------------------------- */

typedef struct yf_diags yf_diags;

typedef enum {
    YF_WARNING = 1,   /* the output is still produced: a substituted font, an unused data key */
    YF_ERROR = 2      /* the stage failed: no output is written */
} yf_severity;

/* A fresh, empty list. Free with yf_diags_free. */
YF_API yf_diags *yf_diags_new(void);
YF_API void yf_diags_free(yf_diags *d);

YF_API size_t yf_diags_count(const yf_diags *d);
YF_API size_t yf_diags_errors(const yf_diags *d);
/* Of entry `i` < yf_diags_count(d); 0 (neither severity) when `i` is out of range. */
YF_API yf_severity yf_diags_severity(const yf_diags *d, size_t i);
/* The whole line, e.g. "speech.xml:12:5: error: …" or "data.json: error: $.届次: …". Lent;
 * NULL when `i` is out of range. */
YF_API const char *yf_diags_message(const yf_diags *d, size_t i);

/* Diagnostic `i` (0-based, below yf_diags_count) as data; strings are lent, living as long as
 * `d`. The line of yf_diags_message is made of these: FILE[:LINE[:COLUMN]]: SEVERITY: [PATH: ]TEXT.
 * Each accessor returns NULL (a number 0) when `i` is out of range.
 *
 * The stable code of its kind ("data.required", "layout.overfull-line", "font.substitute"), for
 * programs to tell problems apart without reading Chinese text; never NULL for an entry of the
 * list, NULL when `i` is out of range. docs/diagnostics.md lists every code. */
YF_API const char *yf_diags_code(const yf_diags *d, size_t i);
/* The file it is about (a template, an included file, a data file "data.json" or a record
 * "records.csv:3", an output), or NULL when none. */
YF_API const char *yf_diags_file(const yf_diags *d, size_t i);
/* The place in that file, 1-based; 0 when none (the column is 0 when the line is). Layout
 * problems carry the template place of the block they are about. */
YF_API int yf_diags_line(const yf_diags *d, size_t i);
YF_API int yf_diags_column(const yf_diags *d, size_t i);
/* For a problem in the data or with text that came from it: the JSON path of the value
 * ("$.市总.届次", "$.名单[2]"), or NULL. */
YF_API const char *yf_diags_path(const yf_diags *d, size_t i);
/* The name of the slot the value fills ("市总.届次"), or NULL. */
YF_API const char *yf_diags_slot(const yf_diags *d, size_t i);
/* The message alone, without place, severity or path. */
YF_API const char *yf_diags_text(const yf_diags *d, size_t i);
/* Every diagnostic as a JSON array of objects {"severity": "error"|"warning", "code", "file",
 * "line", "column", "path", "slot", "text", "message"} — a member that is none is null; "message"
 * is the whole line. Caller frees with free(). NULL for a NULL list. */
YF_API char *yf_diags_json(const yf_diags *d);
/* Appends a diagnostic of the program using the library (a template not found, a record out of
 * range), so that all its problems are in one list, printed and given as JSON alike: `code` a
 * stable code (copied), `file` the place or NULL, `text` the message. */
YF_API void yf_diags_append(yf_diags *d, yf_severity sev, const char *code, const char *file,
                     const char *text);
/* Writes every diagnostic, one a line, to `out`. */
YF_API void yf_diags_print(const yf_diags *d, FILE *out);

/* ---- context: fonts, locale, limits; created once, shared by many documents --------------- */

typedef struct yf_context yf_context;

/* `roles_conf` is the project's map of the GB/T 9704 type roles (小标宋/仿宋/黑体/楷体/宋体) to
 * faces (fonts/yinfa-roles.conf); `fonts_conf` a fontconfig file that says which fonts exist, or
 * NULL for the system's. Each role that resolves to a free substitute instead of an office face is
 * reported as a warning in `diags`. Returns NULL on error. */
YF_API yf_context *yf_context_new(const char *roles_conf, const char *fonts_conf, yf_diags *diags);
YF_API void yf_context_free(yf_context *ctx);

/* The most pages a document may have. Templates loaded with `ctx` refuse at bind, before any
 * layout work, a document its text shows would need more (a loop over hostile data): an estimate
 * from the text, a lower bound. yf_layout_new with `ctx` then counts the real pages: pagination
 * stops as soon as they pass the limit (the smaller of `ctx`'s and the one the template was
 * loaded with), and the layout is refused with an error (code bind.limit) naming the limit and
 * the page it got to. */
#define YF_DEFAULT_MAX_PAGES 1000
YF_API void yf_context_set_max_pages(yf_context *ctx, int pages);

/* The creation and modification date written into every PDF made with `ctx`'s layouts, in
 * seconds since 1970-01-01 UTC: a fixed date makes the same input give the same bytes
 * (reproducible builds: a program sets it from SOURCE_DATE_EPOCH). Negative, or never set: the
 * time the file is made. A merged PDF takes the date of its first document's context. */
YF_API void yf_context_set_creation_date(yf_context *ctx, long long unix_seconds);

/* The shared templates folder (the installed share/yinfa/templates, or the source tree's):
 * an <include src=…> or extends=… that names no file beside the template (a type in a user's
 * own folder naming "../common/gbt9704.xml") is looked for at the same place below `dir`, and
 * that file's own includes then stay below `dir`. NULL (the default) looks nowhere else. The
 * folder is resolved now; a folder that does not exist is the same as NULL. A template loaded
 * without a context looks in the installed share/yinfa/templates. */
YF_API void yf_context_set_shared_templates(yf_context *ctx, const char *dir);

/* One line per type role: "仿宋\tNoto Serif CJK SC\tsubstitute". Caller frees with free(). */
YF_API char *yf_context_describe_fonts(yf_context *ctx);

/* ---- template ---------------------------------------------------------------------------- */

typedef struct yf_template yf_template;

/* Parses and checks a template file. Returns NULL (with errors in diags) on failure. `ctx`
 * gives the limits (yf_context_set_max_pages); NULL means the defaults. */
YF_API yf_template *yf_template_load(yf_context *ctx, const char *path, yf_diags *diags);
YF_API void yf_template_free(yf_template *t);

/* The template's display name (<info><name>), lent. */
YF_API const char *yf_template_name(const yf_template *t);

/* The files the template was read from: the template itself first, then every base it extends
 * and every part it includes, each once, as the paths it opened them by. A program writing
 * output compares these with its output names (by device and inode) so that it never replaces
 * an input. Index i from 0 to yf_template_file_count(t) - 1; the string is lent (valid until
 * yf_template_free); NULL for an index out of range or a NULL template. */
YF_API size_t yf_template_file_count(const yf_template *t);
YF_API const char *yf_template_file(const yf_template *t, size_t i);

/* A JSON object with one member per declared slot, filled with its example value, nested by the
 * dotted slot names: a skeleton for the user to fill. Caller frees with free(). */
YF_API char *yf_template_skeleton_json(const yf_template *t);

/* The slot declarations as JSON — name, type, label, help, example, default, required, where
 * declared, and the fields of lists and objects — for forms and tools. Caller frees. */
YF_API char *yf_template_declarations_json(const yf_template *t);

/* ---- data -------------------------------------------------------------------------------- */

/* A text file's bytes as UTF-8, as offices save text: a byte order mark decides (UTF-8,
 * UTF-16LE/BE), then bytes that are valid UTF-8 are UTF-8, else GB18030 (a superset of GBK and
 * GB2312) decoded strictly. Returns a new NUL-terminated string of *out_len bytes (free() it),
 * with a warning in `diags` naming the encoding when it was not UTF-8; or NULL with an error
 * naming `name` and the byte offset of the first sequence that is neither. */
YF_API char *yf_text_to_utf8(const char *name, const char *bytes, size_t len, size_t *out_len,
                      yf_diags *diags);

typedef struct yf_data yf_data;

/* Loads a JSON object from a file. Returns NULL with errors in diags on failure. */
YF_API yf_data *yf_data_load_json(const char *path, yf_diags *diags);
/* The same from memory; `name` is used in messages. */
YF_API yf_data *yf_data_parse_json(const char *name, const char *json, size_t len, yf_diags *diags);
YF_API void yf_data_free(yf_data *data);
/* The text of the single value at a dotted path ("期号", "单位.名称"), or NULL when there is
 * none or it is a list or an object. Caller frees. */
YF_API char *yf_data_text(const yf_data *data, const char *dotted);

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

YF_API yf_records *yf_records_load(const char *path, yf_diags *diags);
/* The same, from the sheet named `sheet` of a workbook (NULL: the first; an error for a file that
 * is not a workbook); with `group_by` a column of a table (NULL: none), the rows that repeat its
 * value make one record (a row with it empty joins the row before): a value alike in all its
 * rows is one value, one that differs is a list, an item a row (the articles of one bulletin, a
 * row each). */
YF_API yf_records *yf_records_open(const char *path, const char *sheet, const char *group_by,
                            yf_diags *diags);
YF_API size_t yf_records_count(const yf_records *records);
/* The line where record `i` (0-based) starts, 1-based; 0 when there is no record `i`. */
YF_API int yf_records_line(const yf_records *records, size_t i);
/* Record `i` as data named "FILE:LINE" in messages; caller frees. NULL with errors in diags (a
 * record that is not a JSON object, or no record `i`). */
YF_API yf_data *yf_records_get(const yf_records *records, size_t i, yf_diags *diags);
YF_API void yf_records_free(yf_records *records);

/* ---- bind: template + data -> document --------------------------------------------------- */

typedef struct yf_document yf_document;

enum {
    /* Every slot without a value is rendered as the literal placeholder "X" instead of being an
     * error: the redacted form of the document. */
    YF_BIND_DRAFT = 1 << 0
};

/* `data` may be NULL (then only YF_BIND_DRAFT succeeds when the template has slots).
 * Returns NULL when any data problem was found; all of them are in diags. */
YF_API yf_document *yf_document_bind(const yf_template *t, const yf_data *data, int flags,
                              yf_diags *diags);
YF_API void yf_document_free(yf_document *doc);

/* The document's text before layout: one line per block ("p: 正文……"; a forced line break
 * inside a block shows as "\n"). For tests and for reading a filled template quickly.
 * Caller frees with free(). */
YF_API char *yf_document_text(const yf_document *doc);

/* ---- layout: composed lines placed on pages ---------------------------------------------- */

typedef struct yf_layout yf_layout;

YF_API yf_layout *yf_layout_new(yf_context *ctx, const yf_document *doc, yf_diags *diags);
YF_API void yf_layout_free(yf_layout *layout);
YF_API int yf_layout_page_count(const yf_layout *layout);
/* The files the layout read: the images it draws (from the template or named by the data), each
 * once, in no particular order; with yf_template_file the inputs an output must never replace.
 * Index i from 0 to yf_layout_file_count(layout) - 1; the string is lent (valid until
 * yf_layout_free); NULL for an index out of range or a NULL layout. */
YF_API size_t yf_layout_file_count(const yf_layout *layout);
YF_API const char *yf_layout_file(const yf_layout *layout, size_t i);

/* ---- output ------------------------------------------------------------------------------ */

/* Writes the PDF atomically: a temporary file beside `path`, renamed over it only on success.
 * Returns 0, or -1 with an error in diags (and no file left behind). Every writer to a path (PDF,
 * PNG, OFD, Word, yf_pdf_open) replaces only a regular file: a `path` that exists and is a
 * device, FIFO, socket, directory or symbolic link is refused with an output.write error naming
 * it (a link is not followed: the write would replace the link itself); use the _mem writers to
 * send output elsewhere. */
YF_API int yf_layout_write_pdf(const yf_layout *layout, const char *path, yf_diags *diags);

/* Several documents in one PDF (a batch for the print room). Open, add layouts, close: the file
 * appears only at a successful close (atomically, like yf_layout_write_pdf); abort removes it. */
typedef struct yf_pdf yf_pdf;

enum {
    /* Start the document on an odd page (a blank page before it when needed), for printing on
     * both sides. */
    YF_PDF_ODD_START = 1 << 0
};

YF_API yf_pdf *yf_pdf_open(const char *path, yf_diags *diags);
/* Optional, before the first yf_pdf_add: announces a document that will be added, so that the
 * PDF embeds fonts holding only the glyphs of the announced documents — much smaller files,
 * less memory and time when the PDF is finished. A document added without being announced is
 * drawn from the full fonts. */
YF_API void yf_pdf_reserve(yf_pdf *pdf, const yf_layout *layout);
/* Appends every page of `layout`. `outline`, when not NULL, is a top-level outline entry for the
 * document with its headings nested below; otherwise the headings are top-level entries. */
YF_API int yf_pdf_add(yf_pdf *pdf, const yf_layout *layout, int flags, const char *outline,
               yf_diags *diags);
YF_API int yf_pdf_page_count(const yf_pdf *pdf);
/* Sets the metadata, finishes the file and renames it into place; frees `pdf`. A PDF to which no
 * page was added is an error (output.empty): no file is written, rather than a blank page. */
YF_API int yf_pdf_close(yf_pdf *pdf, const char *title, const char *author, yf_diags *diags);
/* Discards the file; frees `pdf`. */
YF_API void yf_pdf_abort(yf_pdf *pdf);

/* Writes page `page` (1-based) as a PNG at `dpi`, atomically like the PDF. */
YF_API int yf_layout_write_png(const yf_layout *layout, int page, double dpi, const char *path,
                        yf_diags *diags);

/* Writes the document as OFD (GB/T 33190-2016, the national fixed-layout format for electronic
 * documents), atomically like the PDF: a temporary file beside `path`, renamed over it only on
 * success; on error no file is left. The pages are the ones the PDF shows, not laid out again:
 * one TextObject per glyph run with each character at its glyph's place (TextCode X/Y and
 * DeltaX), the rules as filled PathObjects, images and seals as PNG ImageObjects, every face
 * embedded as an OpenType subset holding the document's glyphs and characters, the headings as
 * Outlines; all lengths in mm from the page's top-left corner. Returns 0, or -1 with an error in
 * diags. */
YF_API int yf_layout_write_ofd(const yf_layout *layout, const char *path, yf_diags *diags);

/* The PDF and a page's PNG in memory instead of a file, for servers: the bytes in a buffer the
 * caller frees with free(), their number in *len (when `len` is not NULL); or NULL with an error
 * in diags. */
YF_API unsigned char *yf_layout_write_pdf_mem(const yf_layout *layout, size_t *len, yf_diags *diags);
YF_API unsigned char *yf_layout_write_png_mem(const yf_layout *layout, int page, double dpi,
                                       size_t *len, yf_diags *diags);

/* The document as an editable Word file (Office Open XML, .docx), written atomically like the PDF.
 * `doc` must be the document `layout` was made from (and still alive): running text becomes real
 * paragraphs that reflow when edited, in paragraph styles named for their roles (标题, 副标题,
 * 正文, 一级标题 … 四级标题, 主送机关 or 称呼, 附件说明, 发文机关标志, 发文机关署名, 成文日期, 版记,
 * 表格, 页码) with the GB/T 9704 fonts and sizes, 28 characters a line; the layout gives the page
 * set-up (A4, margins, a document grid of 22 lines), the space above each paragraph, a title's
 * line breaks, the rules, the seal (a picture over the signature, 300 dpi) and the page numbers
 * "— N —" (§7.5, PAGE fields in odd and even footers; a 版记 page left unnumbered is a section of
 * its own). Fonts are named by their office names (仿宋_GB2312, 方正小标宋简体, 黑体, 楷体_GB2312,
 * 宋体), each with the face this machine uses for it as its alternative name. Returns 0, or -1
 * with an error in diags (and no file left behind). */
YF_API int yf_document_write_docx(const yf_document *doc, const yf_layout *layout, const char *path,
                           yf_diags *diags);
/* The same in memory: the bytes in a buffer the caller frees with free(), their number in *len. */
YF_API unsigned char *yf_document_write_docx_mem(const yf_document *doc, const yf_layout *layout,
                                          size_t *len, yf_diags *diags);

/* A text dump of the laid-out pages — every line with its position, font, size, characters and
 * the composer's decisions — for golden tests and debugging. Caller frees with free(). */
YF_API char *yf_layout_dump(const yf_layout *layout);

#ifdef __cplusplus
}
#endif

#endif /* YINFA_H */
