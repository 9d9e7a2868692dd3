/* yinfa extract, its stages: lines from a text (extract_text.c) or a .docx (extract_docx.c) ->
 * the document's structure (extract_text.c) -> slots for the facts that change
 * (extract_slots.c) -> a template, its data and a report (extract.c). */
#ifndef YINFA_EXTRACT_H
#define YINFA_EXTRACT_H

#include <glib.h>

/* A run the source marked as a fact that changes (shaded or highlighted in Word) is kept in the
 * line's text between these two private-use characters (U+E000, U+E001). */
#define EX_MARK_ON "\xEE\x80\x80"
#define EX_MARK_OFF "\xEE\x80\x81"

/* A line of the source: a line of a plain text, a paragraph of a .docx. */
typedef struct {
    char *text;            /* UTF-8, without the indentation and trailing white space */
    gboolean blank_before; /* an empty line (or paragraph) stood before it */
    double indent;         /* leading white space, in characters (a full-width space is 1) */
    int align;             /* 0 as the body, 1 centred, 2 flush right (a .docx's w:jc) */
    gboolean title_style;  /* a .docx paragraph styled as a title */
    gboolean list_numbered; /* a .docx paragraph numbered by Word's list feature (w:numPr) */
    gboolean bold;         /* a .docx paragraph all in bold */
    GPtrArray *rows;       /* a table: rows, each a GPtrArray of cell texts; else NULL */
} ex_line;

void ex_line_free(gpointer line);

/* The lines of a plain text (UTF-8): LF, CRLF or CR line ends; indentation with ASCII or
 * full-width spaces or tabs; blank lines or none. */
GPtrArray *ex_lines_from_text(const char *text);

/* The paragraphs and tables of a .docx (word/document.xml), Word's or WPS's: shaded and
 * highlighted runs marked, soft line breaks as lines of their own. NULL with *error set (a
 * message in Chinese) when the file is no readable .docx. */
GPtrArray *ex_lines_from_docx(const char *path, char **error);

typedef enum {
    EX_TITLE, EX_SUBTITLE, EX_SALUTATION, EX_H1, EX_H2, EX_H3, EX_H4, EX_PARA, EX_TABLE,
    EX_ATTACH, EX_ATTACH_MORE, EX_ROSTER, EX_ISSUER, EX_DATE, EX_NOTE, EX_CC, EX_PRINTED
} ex_kind;

typedef struct {
    ex_kind kind;
    char *text;         /* the source's text; a numbered heading's without its number */
    size_t runin;       /* bytes at the start of `text` that are a run-in heading ("（一）参赛对象。") */
    int runin_level;    /* its level, 1–4 */
    gboolean numbered;  /* a heading whose number the template sets (the numbers run in order) */
    GPtrArray *rows;    /* EX_TABLE: lent from the line */
} ex_block;

/* The families of documents extract knows, each made like the installed types of its kind. */
typedef enum {
    EX_RED,      /* a red-header document (通知, 通报, 请示, 报告, 函 …): common/red-header.xml,
                    common/end-block.xml */
    EX_SPEECH,   /* a speech: title, "——在……上的讲话", speaker, salutation, sections */
    EX_MINUTES,  /* 会议纪要: sections and the lists of those present */
    EX_ARTICLE,  /* a bulletin article: a title and its paragraphs */
    EX_PLAIN     /* anything else on the GB/T 9704 page */
} ex_family;

typedef struct {
    GPtrArray *blocks;  /* of ex_block, in reading order */
    ex_family family;
    char *genre;        /* the 文种 the title ends with (通知, 请示 …), or NULL */
    GPtrArray *why;     /* sentences for the report: how the family was told */
    GPtrArray *lines;   /* the source lines, owned (the tables are theirs) */
    char *masthead;     /* a 发文机关标志 line at the top ("宁波市总工会文件"), or NULL */
    char *number;       /* a 发文字号 line at the top ("甬工〔2026〕5号", "签发人：……" with it), or NULL */
} ex_doc;

/* The structure of a document from its lines. Takes the lines (and frees them with the doc). */
ex_doc *ex_recognise(GPtrArray *lines);
void ex_doc_free(ex_doc *doc);
const char *ex_family_name(ex_family f);
/* A date as written in documents — 2026年1月12日, 二〇二六年一月十二日, 2026-01-12, 2026/1/12,
 * 2026.1.12 — as year, month, day; FALSE for anything else. */
gboolean ex_parse_date(const char *s, int *y, int *m, int *d);

/* ---- slots ---------------------------------------------------------------------------------- */

typedef struct {
    char *name;          /* dotted for the parts of a date: 报名截止日期.月 */
    const char *type;    /* integer, money, number, date, text */
    char *example;
    gboolean chinese;    /* an integer written in Chinese numerals (第十四届) */
    char *why;           /* for the report */
} ex_slot;

typedef struct ex_slots ex_slots;

ex_slots *ex_slots_new(void);
void ex_slots_free(ex_slots *s);
/* A name the template declares otherwise (the shared parts' slots): no new slot takes it. */
void ex_slots_reserve(ex_slots *s, const char *name);
guint ex_slots_count(const ex_slots *s);
const ex_slot *ex_slots_get(const ex_slots *s, guint i);

/* Calls `text` for each piece of literal text of `line` and `slot` for each fact that changes —
 * a run of X, Ｘ or × (a redacted fact), or a marked run — naming and typing a new slot from the
 * words around it (or reusing the slot of the same fact). */
typedef struct {
    void (*text)(void *user, const char *s, size_t len);
    void (*slot)(void *user, const ex_slot *slot);
    void *user;
} ex_sink;

void ex_slots_scan(ex_slots *s, const char *line, const ex_sink *sink);
/* The line as a reader sees it: marks removed, their runs kept. Caller frees. */
char *ex_plain(const char *line);

#endif
