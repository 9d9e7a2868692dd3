/* Private model shared by the engine's stages. Nothing here is part of the public API.
 *
 * Units: lengths in the model are points (1/72 inch) as double; Pango units appear only at the
 * Pango boundary (compose.c). Text is UTF-8 throughout; offsets are byte offsets. */
#ifndef YINFA_INTERNAL_H
#define YINFA_INTERNAL_H

#include "yinfa.h"

#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <glib.h>
#include <time.h>
#include <pango/pangocairo.h>
#include <stdarg.h>
#include <stdint.h>

#define YF_MM (72.0 / 25.4) /* points per millimetre */

/* ---- diagnostics (diag.c) ---------------------------------------------------------------- */

/* Where a diagnostic points: a file place (line, col 1-based, 0 when none), and for a problem in
 * the data the JSON path ("$.会议.届次") and the slot that reads it. Every field may be empty. */
typedef struct {
    const char *file;
    int line, col;
    const char *path;
    const char *slot;
    gboolean names_value; /* the text names the value itself (an image's file): the line does
                             not repeat the path */
} yf_diag_at;

/* Appends a diagnostic. `code` is a stable string literal listed in docs/diagnostics.md. */
void yf_diag_put(yf_diags *d, yf_severity sev, const char *code, const yf_diag_at *at,
                 const char *fmt, ...) G_GNUC_PRINTF(5, 6);
void yf_diag_putv(yf_diags *d, yf_severity sev, const char *code, const yf_diag_at *at,
                  const char *fmt, va_list ap) G_GNUC_PRINTF(5, 0);
void yf_diag_add(yf_diags *d, yf_severity sev, const char *code, const char *file, int line,
                 int col, const char *fmt, ...) G_GNUC_PRINTF(7, 8);
/* Moves every diagnostic of `from` to `to`, those without a file placed at `at`. */
void yf_diags_move_to(yf_diags *to, yf_diags *from, const yf_diag_at *at);
#define yf_error_at(d, code, file, line, col, ...) \
    yf_diag_add(d, YF_ERROR, code, file, line, col, __VA_ARGS__)
#define yf_warn_at(d, code, file, line, col, ...) \
    yf_diag_add(d, YF_WARNING, code, file, line, col, __VA_ARGS__)
#define yf_error(d, code, ...) yf_diag_add(d, YF_ERROR, code, NULL, 0, 0, __VA_ARGS__)
#define yf_warn(d, code, ...) yf_diag_add(d, YF_WARNING, code, NULL, 0, 0, __VA_ARGS__)

/* The argument contract of include/yinfa.h ("Arguments"): a public function given NULL where it
 * needs an object appends an error naming the argument and returns its failure value `fail`.
 * A plain check, never g_return_val_if_fail: the library does not print. */
#define YF_REQUIRE(diags, arg, fail)                                                          \
    do {                                                                                     \
        if (!(arg)) {                                                                        \
            yf_error(diags, "api.argument", "%s 的参数 %s 不能为 NULL", G_STRFUNC, #arg);      \
            return fail;                                                                     \
        }                                                                                    \
    } while (0)

/* A public entry point called with diags == NULL runs on a private list it frees before
 * returning, so that a stage still tells its failure by the errors it adds (include/yinfa.h,
 * "Errors"). `call` is the function again with `own_diags` in place of `diags`. */
#define YF_OWN_DIAGS(diags, type, call)                                                       \
    do {                                                                                     \
        if (!(diags)) {                                                                      \
            yf_diags *own_diags = yf_diags_new();                                            \
            type own_result = call;                                                          \
            yf_diags_free(own_diags);                                                        \
            return own_result;                                                               \
        }                                                                                    \
    } while (0)

/* ---- type roles and styles --------------------------------------------------------------- */

/* GB/T 9704 names faces by role; templates name roles, the project's fonts.conf maps roles to
 * installed faces (fonts/yinfa-roles.conf). */
typedef enum {
    YF_ROLE_XIAOBIAOSONG, /* 小标宋: titles */
    YF_ROLE_FANGSONG,     /* 仿宋: body */
    YF_ROLE_HEITI,        /* 黑体: level-1 headings */
    YF_ROLE_KAITI,        /* 楷体: level-2 headings, subtitles */
    YF_ROLE_SONGTI,       /* 宋体: page numbers */
    YF_ROLE_COUNT
} yf_role;

const char *yf_role_name(yf_role r);          /* "仿宋" */
const char *yf_role_family(yf_role r);        /* the fontconfig alias, "yinfa-fangsong" */
int yf_role_from_name(const char *name);      /* -1 if unknown */

typedef enum { YF_ALIGN_JUSTIFY, YF_ALIGN_LEFT, YF_ALIGN_CENTER, YF_ALIGN_RIGHT } yf_align;

typedef struct {
    yf_role role;
    double size;          /* pt */
    uint32_t color;       /* 0xRRGGBB */
    yf_align align;
    double indent;        /* first-line indent, in characters */
    gboolean grid;        /* full-width characters sit on the page's character grid */
    int space_before;     /* grid lines */
    int space_after;      /* grid lines */
    int outline_level;    /* 0: not in the PDF outline */
    gboolean keep_with_next;
    gboolean bold;        /* synthetic where the face has no bold (仿宋, 楷体) */
    double margin_left;   /* every line's distance from the type area's edges, in characters */
    double margin_right;  /* (the 版记's 抄送 one character in on both sides: GB/T 9704 §7.4.2) */
    int looseness;        /* 0, or -1: one line shorter if squeezing punctuation allows (缩行,
                             TeX's \looseness); set by pagination against widows */
} yf_style;

/* A stretch of a block's text in another face than the block's own (a run-in heading 一是……
 * in 楷体, a bold phrase), or (keep) the text of a slot's value. Byte offsets into yf_block.text. */
typedef struct {
    int start, end;
    yf_role role;
    double size;          /* pt */
    uint32_t color;
    gboolean bold;
    gboolean keep;        /* not a face: a slot's value, which a title's lines do not break
                             inside when it fits on one (GB/T 9704 §7.3.1 词意完整) */
    const char *slot;     /* keep: the slot it fills ("市总.届次", a list's field "时长") and the */
    const char *path;     /* JSON path of its value ("$.议程[2].时长"), for messages about the
                             text; owned by the document; NULL when not from the data */
} yf_span;

/* ---- page setup -------------------------------------------------------------------------- */

/* Punctuation widths, a composer setting (the names are ctex's `punct` options; GB/T 15834 allows
 * each). A full-width mark is ink in one half of its cell and blank in the other; the styles differ
 * in when the blank half is given up. In every style a mark is also compressed to keep a character
 * from being pushed to the next line (clreq 先挤进，后推出). */
typedef enum {
    YF_PUNCT_QUANJIAO = 0, /* 全角式: every mark takes a full cell */
    YF_PUNCT_KAIMING,      /* 开明式: 。？！ full; other marks half at a line end or beside a mark */
    YF_PUNCT_BANJIAO,      /* 半角式: every mark takes half a cell */
} yf_punct;

typedef struct {
    double width, height;      /* paper, pt */
    double top, left;          /* margins to the type area, pt */
    double text_width;         /* type area 版心, pt */
    double text_height;
    int chars_per_line;        /* the grid: 28 × 22 by GB/T 9704 */
    int lines_per_page;
    double body_size;          /* pt */
    gboolean page_numbers;
    double page_number_size;   /* pt */
    double page_number_drop;   /* top of the dashes below the type area, pt (7 mm) */
    double page_number_inset;  /* from the type area's side edge, in page-number characters */
    gboolean no_first_number;  /* page 1 carries no page number (信函格式, GB/T 9704 §10.1) */
    int max_pages;             /* a longer document is refused (a loop over hostile data) */
    yf_punct punct;            /* punctuation widths; 0 is 全角式 */
    gboolean duplex;           /* printed on both sides (GB/T 9704 §5.1): the 版记 on an even
                                  page, the last side (§7.4) */
} yf_page;

void yf_page_gbt9704(yf_page *p);
static inline double yf_page_cell(const yf_page *p) { return p->text_width / p->chars_per_line; }
static inline double yf_page_pitch(const yf_page *p) { return p->text_height / p->lines_per_page; }

/* ---- template model (template.c) ---------------------------------------------------------- */

typedef enum {
    YF_SLOT_TEXT, YF_SLOT_INTEGER, YF_SLOT_NUMBER, YF_SLOT_MONEY, YF_SLOT_DATE, YF_SLOT_BOOLEAN,
    YF_SLOT_LIST, YF_SLOT_OBJECT, YF_SLOT_PARAGRAPHS
} yf_slot_type;

typedef struct yf_slot {
    char *name;           /* dotted path into the data ("会议.届次"); relative inside a list/object */
    yf_slot_type type;
    yf_slot_type item;    /* YF_SLOT_LIST without fields: the type of its items */
    char *label, *help, *example, *fallback; /* fallback: the default value, or NULL */
    gboolean required;
    gboolean image;       /* an <image name=…> names it: its value is an image file */
    const char *file;     /* where it is declared (the template, an include or a base) */
    int line, col;
    const char *use_file; /* its first use, for data messages */
    int use_line, use_col;
    GPtrArray *fields;    /* of yf_slot*: the members of a list's items or of an object */
    struct yf_slot *element; /* YF_SLOT_LIST without fields: a declaration for one item */
    char *shorthand;      /* YF_SLOT_LIST with fields: the text field an item given as plain text
                             stands for (<slot short=…>), or NULL */
    char *min, *max;      /* integer, number, money: the range (<slot min=… max=…>) as exact
                             decimal text, or NULL */
    double min_num, max_num;
    gboolean chinese_numerals; /* integer: 一千二百 read as 1200 (<slot numerals="chinese">) */
} yf_slot;

typedef enum {
    YF_BLK_TITLE, YF_BLK_SUBTITLE, YF_BLK_SALUTATION, YF_BLK_PARA, YF_BLK_H1, YF_BLK_H2,
    YF_BLK_H3, YF_BLK_H4,
    YF_BLK_RULE,      /* <rule>: a rule across the type area */
    YF_BLK_ROW,       /* <row>: left, centre and right parts on one line */
    YF_BLK_STACK,     /* <stack>: lines stacked as one, a side part centred beside them */
    YF_BLK_SIGNATURE, /* <signature>: issuer, date and seal (GB/T 9704 §7.3.5) */
    YF_BLK_IMAGE,     /* <image> */
    YF_BLK_TABLE,     /* <table> */
    YF_BLK_COUNT
} yf_block_kind;

/* Blocks of running text (title … h4): composed by compose.c alone. */
static inline gboolean yf_block_is_text(yf_block_kind k) { return k <= YF_BLK_H4; }

/* The role of a part of a composite block (a YF_N_PART node, a yf_block in yf_block.parts). */
typedef enum {
    YF_PART_LEFT, YF_PART_CENTER, YF_PART_RIGHT, /* <row> */
    YF_PART_LINE, YF_PART_SIDE,                  /* <stack> */
    YF_PART_ISSUER, YF_PART_DATE,                /* <signature> */
    YF_PART_TR, YF_PART_TD, YF_PART_TH,          /* <table> */
    YF_PART_NONE
} yf_part;

/* Where a block goes: the flow, a group at a fixed distance from the top of the type area
 * (<block position="top">), or the group at the foot of the last page (<end>). */
typedef enum { YF_PLACE_FLOW, YF_PLACE_TOP, YF_PLACE_END } yf_place;

#define YF_MAX_COLUMNS 20

/* Measures a template gives in attributes, in points (insets in characters). */
typedef struct {
    double thickness;      /* rule */
    uint32_t color;        /* rule */
    double space;          /* rule: below the text above; < 0: on the grid, between two lines */
    double offset;         /* <block position="top">: from the type area's top to the first ink */
    double width, height;  /* image; 0: from the image's proportions */
    double inset;          /* row part, image: characters in from its edge */
    yf_align align;        /* image, table cell */
    gboolean has_align;    /* table cell: align given */
    gboolean floating;     /* image: drawn over the text, taking no lines */
    gboolean even_page;    /* <end even-page="yes">: on the last side, an even page when the
                              document is printed on both sides (the 版记, GB/T 9704 §7.4) */
    int columns;           /* table */
    double widths[YF_MAX_COLUMNS]; /* table: > 0 pt; < 0 a relative share of what is left */
    double thickness2, gap;/* rule: a second, lower stroke `gap` below the first (a double rule,
                              the 信函格式's 双线, GB/T 9704 §10.1), or 0 */
    double length;         /* rule: its length; 0: the type area's width */
    gboolean from_page;    /* rule: centred on the page, `bottom` from the page's lower edge */
    double bottom;         /* rule: its lower edge this far above the bottom edge of the type area
                              (or page), on the page the flow is on, taking no line; < 0: in the flow */
    double space_after;    /* rule in a top group: the top of the next line's characters this far
                              below its lower edge; < 0: on the grid */
} yf_geom;

typedef struct yf_expr yf_expr; /* a condition (expr.c) */

typedef enum {
    YF_N_BLOCK,   /* title … h4: inline children; rule, image: none; row, stack, signature,
                     table: parts */
    YF_N_TEXT,    /* text */
    YF_N_VALUE,   /* <v name= format=>: a slot's value */
    YF_N_BREAK,   /* <br/> */
    YF_N_SPAN,    /* <span style=>: inline text in another style */
    YF_N_FOR,     /* <for each= as= sort= by= sep= last-sep=>: repetition */
    YF_N_IF,      /* <if test=> … <elif test=/> … <else/> …: children, then the other branches */
    YF_N_PARAS,   /* <paragraphs name=/>: one <p> per item of a paragraphs slot */
    YF_N_PART,    /* a part of a row, stack, signature or table: inline children (a <tr>: cells) */
    YF_N_GROUP,   /* <block position="top" offset=…>, <end>: children are blocks */
    YF_N_PAGEBREAK,  /* <pagebreak/>: the next block starts a new page */
    YF_N_ATTACHMENT, /* <attachment>: an attachment (GB/T 9704 §7.3.7); children are blocks */
    YF_N_ATTACHMENT_LIST /* <attachment-list/>: the 附件说明 made from the attachments (§7.3.4) */
} yf_node_kind;

typedef struct yf_node {
    yf_node_kind kind;
    const char *file;
    int line, col;
    yf_block_kind block;  /* YF_N_BLOCK */
    char *style;          /* YF_N_BLOCK, YF_N_SPAN, YF_N_PARAS: a style name, or NULL */
    gboolean numbered;    /* headings */
    char *text;           /* YF_N_TEXT */
    char *path;           /* YF_N_VALUE, YF_N_FOR (each), YF_N_PARAS */
    char *format;         /* YF_N_VALUE: a formatter name, or NULL */
    char *as;             /* YF_N_FOR: the loop variable */
    char *sort, *by;      /* YF_N_FOR: "stroke" | "pinyin" | NULL, and the item field sorted on */
    char *sep, *last_sep; /* YF_N_FOR inline: between items, and before the last */
    yf_expr *test;        /* YF_N_IF */
    GPtrArray *children;  /* of yf_node* */
    struct yf_node *next_branch; /* YF_N_IF: the <elif>/<else> that follows, as an YF_N_IF
                                    (test NULL for <else>) */
    yf_part part;         /* YF_N_PART */
    yf_place place;       /* YF_N_GROUP */
    yf_geom geom;         /* rules, images, tables, cells, row parts, groups */
    char *src;            /* <image src=…>: a file relative to the template naming it */
} yf_node;

struct yf_template {
    char *path;
    char *name, *description, *author;
    yf_page page;
    GPtrArray *slots;     /* of yf_slot*, top level */
    GPtrArray *body;      /* of yf_node*, block level */
    GHashTable *styles;   /* name -> yf_style*, the built-in names included */
    GPtrArray *files;     /* names of every file read (positions point into it) */
    GHashTable *rejected; /* names of declarations that had errors (while loading) */
};

/* The template grammar, compiled in from templates/yinfa-template.rng (build/schema.c). */
extern const char yf_schema_rng[];
extern const unsigned yf_schema_rng_len;
/* Frees a context's compiled grammar (an xmlRelaxNGPtr), or nothing for NULL. */
void yf_schema_free(void *schema);

/* The declaration of loop.index, loop.count, loop.first or loop.last, or NULL. */
yf_slot *yf_loop_slot(const char *member);

/* The declaration a dotted path names among `slots` — a slot's own name, or a path through an
 * object slot to one of its members — or NULL. */
yf_slot *yf_slot_find(GPtrArray *slots, const char *path);
const char *yf_slot_type_name(yf_slot_type t);

/* ---- data (data.c) ----------------------------------------------------------------------- */

/* Levels of nesting a data tree may have (the same in data.c); batch records are held to it too. */
#define YF_DATA_MAX_DEPTH 64

typedef struct _JsonNode JsonNode;
/* The node at a dotted path, or NULL; lent. */
JsonNode *yf_data_lookup(const yf_data *data, const char *dotted);
JsonNode *yf_data_root(const yf_data *data);
/* Data from an object node (copied), named `name` in messages. */
yf_data *yf_data_from_node(const char *name, JsonNode *root, yf_diags *diags);
/* One line of JSON Lines: named "FILE:LINE", syntax errors at their place in FILE. */
yf_data *yf_data_parse_json_line(const char *file, int line, const char *json, size_t len,
                                 yf_diags *diags);
const char *yf_data_name(const yf_data *data);
/* Dotted paths of every leaf member in the data, for the unused-key warning. */
GPtrArray *yf_data_leaf_paths(const yf_data *data);

/* ---- document model (bind.c) ------------------------------------------------------------- */

typedef struct yf_block {
    yf_block_kind kind;
    yf_style style;
    char *text;           /* normalized UTF-8; '\n' is a forced line break. Composite blocks:
                             their parts' text, for yf_document_text */
    char *outline;        /* outline entry text, or NULL */
    GArray *spans;        /* of yf_span, in text order, or NULL: the whole block in `style` */
    yf_place place;
    int group;            /* the blocks of one <block position="top"> or <end> share it (> 0) */
    yf_geom geom;
    yf_part part;         /* a part's role in its block */
    GArray *parts;        /* of yf_block, or NULL: a row's, stack's or signature's parts; a
                             table's cells row by row; a signature's seal is a YF_BLK_IMAGE part */
    int header_rows;      /* table: leading rows of <th>, repeated on every page it continues on */
    char *image;          /* image: the file (absolute), or NULL (a draft without the data) */
    const char *file;     /* the template element it comes from (interned), for layout messages */
    int line, col;
    gboolean new_page;    /* starts a new page (<pagebreak/>, an attachment, GB/T 9704 §7.3.7) */
    int hang;             /* > 0: wrapped lines align with this character (0-based) of the
                             first line (an 附件说明's name, §7.3.4); 0: by the style */
    int under;            /* > 0: the first line starts under the under-th character (1-based)
                             of the first line of the block before (the 附件说明's "2." under
                             "1.", the 4th character of "附件：1."; "3." under "2.", the 1st) */
} yf_block;

struct yf_document {
    char *title, *author;
    yf_page page;
    GArray *blocks;       /* of yf_block */
    GStringChunk *strings; /* the spans' slot names and JSON paths */
};

/* The place of a message about block `b` (or its text from byte `start` to `end`; end <= start:
 * the whole block): the template element it comes from, and — when its text there (the first
 * such stretch, in its parts too) is a slot's value — the slot and the value's JSON path. The
 * strings are lent by the block. */
yf_diag_at yf_block_at(const yf_block *b, int start, int end);

/* ---- styles (style.c) ------------------------------------------------------------------- */

yf_style yf_style_builtin(yf_block_kind kind, const yf_page *page);
const char *yf_style_builtin_name(yf_block_kind kind);   /* "正文", "一级标题" …, "表格" */
/* The built-in style of a table's header cells (<th>), "表头". */
#define YF_STYLE_TABLE_HEADER "表头"
yf_style yf_style_table_header(const yf_page *page);
/* The built-in styles of attachments (GB/T 9704 §7.3.7, §7.3.4): "附件N", the attachment's title,
 * the 附件说明. */
#define YF_STYLE_ANNEX_LABEL "附件标识"
#define YF_STYLE_ANNEX_TITLE "附件标题"
#define YF_STYLE_ANNEX_NOTE "附件说明"
gboolean yf_parse_size(const char *s, double *pt);       /* "三号", "16pt", "16" */
gboolean yf_parse_color(const char *s, uint32_t *rgb);   /* "#C00000", "red", "红" */
gboolean yf_parse_align(const char *s, yf_align *a);     /* justify, left, center, right */

/* ---- context (context.c) ----------------------------------------------------------------- */

struct yf_context {
    FcConfig *fc;
    PangoFontMap *fontmap;
    PangoContext *pango;
    char *resolved[YF_ROLE_COUNT];     /* family each role resolved to */
    gboolean substitute[YF_ROLE_COUNT];
    GPtrArray *office[YF_ROLE_COUNT];  /* each role's office faces, from the roles file */
    struct _HyphenDict *hyphen;        /* English hyphenation patterns (libhyphen), or NULL */
    int max_pages;                     /* for the templates loaded with this context */
    long long creation_date;           /* the PDFs' CreationDate/ModDate, Unix seconds; <0: now */
    void *schema;                      /* xmlRelaxNGPtr: the template grammar, compiled on the
                                          first load with this context (template.c) */
    char *shared_templates;            /* resolved; includes not found beside a type, or NULL */
};

/* The libraries' process-wide set-up, done once whichever thread comes first (context.c). */
void yf_library_init(void);
/* The time written into files made with `ctx` (yf_context_set_creation_date), or now. */
time_t yf_context_time(const yf_context *ctx);

PangoFontDescription *yf_context_font(const yf_context *ctx, yf_role role, double size);

/* ---- composed lines (compose.c) ---------------------------------------------------------- */

/* One run of glyphs in one font, ready for cairo_show_text_glyphs. Glyph x positions are
 * relative to the line's left edge, y to its baseline. */
typedef struct {
    PangoFont *font;             /* owned reference */
    cairo_glyph_t *glyphs;
    int nglyphs;
    cairo_text_cluster_t *clusters;
    int nclusters;
    char *text;                  /* the UTF-8 the clusters map to */
    int text_len;
    uint32_t color;
    double size;
} yf_run;

/* A filled rectangle (a rule, a table border) or an image, drawn with a line or on a page. In a
 * line, x is from the type area's left edge and y from the top of the line's box; on a page both
 * are from the page's top-left corner. */
typedef struct yf_image yf_image;
typedef struct {
    double x, y, w, h;           /* pt */
    uint32_t color;              /* of a rectangle */
    const yf_image *image;       /* or the image drawn in the box, lent from the layout */
} yf_figure;

/* Where a figure on a page comes from, for the checks before a page is written. */
typedef struct {
    int block;                   /* the index of its block in yf_layout.composed */
    gboolean overlay;            /* drawn over the text on purpose: a floating image, a seal */
} yf_figure_source;

typedef struct {
    GArray *runs;                /* of yf_run */
    double width;                /* the set width, pt */
    double x;                    /* left edge relative to the type area */
    int chars;                   /* characters on the line (clusters, dropped spaces excluded) */
    double natural;              /* width before squeeze/stretch */
    double adjust;               /* per-gap stretch (+) applied, pt */
    int squeezed;                /* punctuation marks compressed to make the line fit */
    gboolean last;               /* last line of its paragraph */
    gboolean overfull;
    char *text;                  /* the line's characters, for the dump */
    double height, ascent;       /* the line's box and its first baseline's depth in it, when it
                                    is not one line of type (a stack, an image): pt; else 0 */
    GArray *figures;             /* of yf_figure, or NULL: borders, a seal, an image */
    gboolean overlay;            /* takes no grid line: drawn over what follows (a float) */
    gboolean seal;               /* its figures reach above it: the text above ends within one
                                    line over them (GB/T 9704 §7.3.5.1) */
    int keep;                    /* the lines after it that stay on its page (a table row's) */
} yf_line;

typedef struct {
    const yf_block *block;
    GArray *lines;               /* of yf_line */
    int header;                  /* leading lines repeated at the top of every page the block
                                    continues on (a table's header row) */
} yf_composed;

/* Composes one block into lines `width` pt wide. Returns 0, or -1 with diags. */
int yf_compose_block(yf_context *ctx, const yf_page *page, const yf_block *block, double width,
                     yf_composed *out, yf_diags *diags);
void yf_composed_clear(yf_composed *c);
void yf_line_clear(yf_line *l);
/* An empty line (no runs, empty text), for arrange.c and table.c to fill. */
void yf_line_init(yf_line *l);
/* The grid cell of a character of `style` (its size scaled from 156 mm / 28) or its em. */
double yf_style_cell(const yf_style *style, const yf_page *page);

/* ---- composite blocks (arrange.c, table.c) ------------------------------------------------ */

/* Any block -> lines: text blocks by the composer, rows, stacks, signatures and images by
 * arrange.c, tables by table.c. Images come from the layout's cache. Returns 0 or -1. */
int yf_arrange_block(yf_layout *layout, const yf_block *block, yf_composed *out,
                     yf_diags *diags);
/* A table -> one line per line of its rows, with its borders as figures. */
int yf_table_compose(yf_layout *layout, const yf_block *block, yf_composed *out,
                     yf_diags *diags);
/* Moves the runs of `from` into `to`, `dx` to the right and `dy` down. */
void yf_line_move_runs(yf_line *to, yf_line *from, double dx, double dy);
void yf_line_add_figure(yf_line *l, yf_figure f);

/* ---- images (image.c) --------------------------------------------------------------------- */

/* PNG (Cairo) or SVG (librsvg), by the file's first bytes. NULL with an error naming the file. */
yf_image *yf_image_load(const char *path, yf_diags *diags);
void yf_image_free(yf_image *img);
/* The natural size, pt (pixels at 96 dpi, or an SVG's own units). */
void yf_image_size(const yf_image *img, double *w, double *h);
void yf_image_draw(const yf_image *img, cairo_t *cr, double x, double y, double w, double h);
/* The layout's copy of the image at `path`, loaded once. NULL with an error. */
const yf_image *yf_layout_image(yf_layout *layout, const char *path, yf_diags *diags);

/* ---- pages (paginate.c) ------------------------------------------------------------------ */

typedef struct {
    const yf_line *line;         /* lent from the layout's composed blocks */
    double x, baseline;          /* page coordinates, pt from the top-left corner */
    int block;                   /* the index of its block in yf_layout.composed */
} yf_placed;

typedef struct {
    GArray *placed;              /* of yf_placed */
    GArray *figures;             /* of yf_figure, page coordinates: rules, borders, images */
    GArray *sources;             /* of yf_figure_source, one per figure */
    yf_composed folio;           /* the page number line "— N —" */
    gboolean unnumbered;         /* no page number: a blank page before the 版记 and the 版记's
                                    page (GB/T 9704 §7.5) */
    const char *ends;            /* why a page before the last holds fewer lines than the grid's,
                                    or NULL (the dump prints it) */
    double folio_x, folio_baseline;
} yf_pagebox;

typedef struct {
    char *text;
    int level, page;
    double y;
} yf_outline;

struct yf_layout {
    yf_context *ctx;
    char *title, *author;
    yf_page page;
    GArray *composed;            /* of yf_composed, one per block */
    GArray *pages;               /* of yf_pagebox */
    GArray *outline;             /* of yf_outline */
    GHashTable *images;          /* path -> yf_image*, loaded once */
};

int yf_paginate(yf_layout *layout, yf_diags *diags);

/* ---- preflight (preflight.c) ------------------------------------------------------------- */

/* Checks every laid-out page before anything is written: no two glyphs (or a glyph and a rule or
 * an image) overlap but what a template overlays on purpose, nothing lies outside the type area
 * but the furniture GB/T 9704 puts there, every line of running text sits on the line grid. Each
 * violation is an error at the template position of its block, naming the page. Needs the
 * composed blocks (call it before they are let go). Returns 0, or -1 with errors. */
int yf_preflight(const yf_layout *layout, yf_diags *diags);

/* ---- render (render.c) ------------------------------------------------------------------- */

/* ---- subset fonts (subset.c) ------------------------------------------------------------- */

/* Fonts subset to the glyphs of one or more documents: collect every document's glyphs, then bind
 * each document before drawing it (the first bind makes the subsets). */
typedef struct yf_fontset yf_fontset;
yf_fontset *yf_fontset_new(void);
void yf_fontset_collect(yf_fontset *fs, const yf_layout *layout);
void yf_fontset_bind(yf_fontset *fs, const yf_layout *layout);
/* The font to draw `run` with; renumbers `glyphs` (a copy of the run's) for it. With a NULL
 * fontset, or glyphs the subset lacks, the run's own font and ids. */
cairo_scaled_font_t *yf_fontset_run(const yf_fontset *fs, const yf_run *run, cairo_glyph_t *glyphs);
void yf_fontset_free(yf_fontset *fs);
struct hb_blob_t;
struct hb_set_t;
struct hb_subset_plan_t;
/* The face of a Pango font as a key "INDEX|BOLD|FILE" (its file, the face's index in it, whether it
 * is emboldened), or NULL when fontconfig gives no file. Caller g_frees. */
char *yf_font_face_key(PangoFont *font);
/* A HarfBuzz subset of the face `key` as an OpenType file holding the glyphs `gids` and, when
 * `unicodes` is not NULL, a cmap for those characters (a reader that maps text to glyphs, as an
 * OFD reader does, needs it). Glyphs are renumbered: *plan's old-to-new glyph mapping says how
 * (hb_subset_plan_destroy it). NULL (and *plan NULL) when HarfBuzz cannot subset the face. */
struct hb_blob_t *yf_subset_face_file(const char *key, const struct hb_set_t *gids,
                                      const struct hb_set_t *unicodes,
                                      struct hb_subset_plan_t **plan);

/* Draws a page; `fonts` may be NULL (the layout's own fonts). */
void yf_render_page(const yf_layout *layout, int page_index, cairo_t *cr, const yf_fontset *fonts);

/* ---- utilities (util.c) ------------------------------------------------------------------ */

/* A file being written atomically: open gives a temporary file beside `path`; commit flushes,
 * syncs and renames it to `path`; abort removes it. Both free the handle. */
typedef struct yf_atomic yf_atomic;
yf_atomic *yf_atomic_open(const char *path, yf_diags *diags);
FILE *yf_atomic_file(yf_atomic *a);
int yf_atomic_commit(yf_atomic *a, yf_diags *diags);
void yf_atomic_abort(yf_atomic *a);

/* Writes through a temporary file beside `path`; `write` fills the FILE. On success the file is
 * renamed to `path`; on failure it is removed. Returns 0 or -1 (with diags). */
typedef int (*yf_write_fn)(FILE *f, void *user, yf_diags *diags);
int yf_write_atomic(const char *path, yf_write_fn write, void *user, yf_diags *diags);

/* Reads a whole input file of at most `max` bytes into *buf (NUL-terminated; g_free it) and
 * *len. Returns 0, or -1 with errno set: EFBIG when the file is larger than `max`. */
int yf_read_file(const char *path, size_t max, char **buf, size_t *len);
/* errno of yf_read_file for a path that is not a regular file (a FIFO, a device). */
#define YF_ENOTREG ENODEV
/* The reason for a yf_read_file failure with errno `err`, for a message (static). */
const char *yf_read_error(int err);

/* A data file's bytes as UTF-8 (encoding.c): a byte order mark (UTF-8, UTF-16LE/BE) decides,
 * then valid UTF-8 is UTF-8, else strict GB18030 (GBK). Returns a new NUL-terminated string
 * (*out_len bytes; g_free it) with a warning naming the encoding when it was not UTF-8, or NULL
 * with an error naming `name` and the byte offset. */
char *yf_text_decode(const char *name, const char *buf, size_t len, size_t *out_len,
                     yf_diags *diags);

#endif /* YINFA_INTERNAL_H */
