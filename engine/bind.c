/* Bind stage: template + data -> document.
 *
 * In: a template model and (optionally) data. Out: a yf_document — blocks of plain, normalized
 * text with their styles and inline spans.
 *
 * First the data is conformed to the declarations: a copy in which each value typed as offices
 * type it (2026/1/12, 12,000, 是, a list in one cell: 张三、李四) has the declared shape. Then
 * two passes. The first walks the slot declarations over the data and reports every problem —
 * a missing required value, a wrong type, an unparseable date — with the JSON path
 * ($.文章[2].标题), the slot, and the template line that uses it; it fails only after it has
 * looked at everything. The second evaluates the body: values are formatted, loops repeat (sorted
 * by ICU collation when asked), conditions choose a branch, headings get their numbers
 * (一、（一）1.（1）). A block whose text comes out empty — a removed condition, an empty loop —
 * leaves no empty paragraph behind.
 *
 * Limits: loops over hostile data can ask for any amount of text. Evaluation stops with an error
 * as soon as a block grows past YF_BLOCK_MAX_BYTES, the work past YF_BIND_MAX_STEPS, or the
 * blocks so far need more pages than the page setup's max_pages — counted here, from the text,
 * before the composer spends any time on it. */
#include "internal.h"
#include "expr.h"
#include "format.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A loop in progress: `var` names the current item of `list`. */
typedef struct frame {
    const char *var;
    const yf_slot *list;
    JsonNode *item;      /* NULL in a draft without data */
    int index, count;    /* 0-based */
    const char *jpath;   /* the item's JSON path in the data ("$.议程[2]"), for messages */
    const struct frame *up;
} frame;

/* A paragraph of an official document is a few hundred characters; this is 10 000 and more, and
 * keeps the composer's work on one block small (its line filling is quadratic in a block with no
 * break opportunity, such as a long URL). */
#define YF_BLOCK_MAX_BYTES (32 * 1024)
/* Nodes evaluated and loop items visited: the speech takes 134, 9 000 paragraphs from a loop
 * (818 pages) 27 000. Loops nested over long lists stop here even when they print nothing. */
#define YF_BIND_MAX_STEPS 1000000L

typedef struct {
    const yf_template *t;
    const yf_data *data;
    JsonNode *values;    /* the data in the declared shape (conform), or NULL */
    int flags;
    yf_diags *diags;
    yf_document *doc;
    int heading[4];      /* the current number of each heading level */
    long steps;          /* work done, against YF_BIND_MAX_STEPS */
    double lines;        /* the fewest grid lines the blocks so far need */
    gboolean over;       /* a limit was reached: evaluation stops */
    yf_place place;      /* where the blocks being made go: the flow, or a group's place */
    int group, groups;   /* their group's number (0 in the flow), and the groups so far */
    double offset;       /* <block position="top">'s offset */
    gboolean even_page;  /* <end even-page="yes"> */
    char *root;          /* the template collection: images must lie inside it */
    gboolean page_break; /* the next block starts a new page */
    int attachment;      /* the attachment being made (1, 2 …), or 0 */
    GPtrArray *annexes;  /* of char*: each attachment's title, NULL until it has one */
    GArray *labels;      /* of guint: the blocks "附件N" */
    GArray *titled;      /* of guint: each attachment's title block */
    const yf_node *note; /* <attachment-list/>, or NULL */
    guint note_at;       /* the block its 附件说明 goes before */
    yf_place note_place;
    int note_group;
} binder;

static gboolean draft(const binder *B) { return (B->flags & YF_BIND_DRAFT) != 0; }

/* ---- limits ----------------------------------------------------------------------------------- */

#define N_ERR(B, code, node, ...) \
    yf_error_at((B)->diags, code, (node)->file, (node)->line, (node)->col, __VA_ARGS__)

/* Counts `cost` units of work at node `n`; FALSE once evaluation must stop. */
static gboolean spend(binder *B, const yf_node *n, long cost)
{
    if (B->over)
        return FALSE;
    B->steps += cost;
    if (B->steps > YF_BIND_MAX_STEPS) {
        N_ERR(B, "bind.limit", n, "求值工作量超过上限（%ld 步）：循环嵌套在很长的列表上？", YF_BIND_MAX_STEPS);
        B->over = TRUE;
    }
    return !B->over;
}

static gboolean block_too_long(binder *B, const yf_node *n, size_t len)
{
    if (len <= YF_BLOCK_MAX_BYTES)
        return FALSE;
    if (!B->over)
        N_ERR(B, "bind.limit", n, "段落过长（超过 %d 字节的上限）", YF_BLOCK_MAX_BYTES);
    B->over = TRUE;
    return TRUE;
}

/* ---- scalar values ------------------------------------------------------------------------------ */

/* A yes-or-no value: JSON's true and false, the numbers 1 and 0, or a text yf_parse_boolean
 * reads (TRUE, 是, √ …). */
static gboolean boolean_of(JsonNode *n, yf_scalar *out, char **problem)
{
    GType vt = json_node_get_value_type(n);
    if (vt == G_TYPE_BOOLEAN) {
        out->truth = json_node_get_boolean(n);
        return TRUE;
    }
    if (vt == G_TYPE_INT64 && (json_node_get_int(n) == 0 || json_node_get_int(n) == 1)) {
        out->truth = json_node_get_int(n) == 1;
        return TRUE;
    }
    if (vt == G_TYPE_STRING && yf_parse_boolean(json_node_get_string(n), &out->truth))
        return TRUE;
    char *given = vt == G_TYPE_STRING ? g_strdup(json_node_get_string(n))
                : vt == G_TYPE_INT64 ? g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(n))
                                     : yf_format_number(json_node_get_double(n));
    *problem = g_strdup_printf("应为是或否，却是“%s”（可写 true/false、是/否、1/0、√/×、Y/N，"
                               "大小写不限）", given);
    g_free(given);
    return FALSE;
}

/* Reads a JSON value as a scalar of the declared type. On success `out` is filled (its text, if
 * any, is *keep, which the caller frees); on failure *problem says what was wrong. */
static gboolean scalar_of(yf_slot_type type, JsonNode *n, yf_scalar *out, char **keep,
                          char **problem)
{
    *keep = NULL;
    *out = (yf_scalar){ .type = type };
    if (JSON_NODE_HOLDS_OBJECT(n) || JSON_NODE_HOLDS_ARRAY(n)) {
        *problem = g_strdup_printf("应为%s，却是%s", type == YF_SLOT_TEXT ? "文字" : "单个值",
                                   JSON_NODE_HOLDS_OBJECT(n) ? "对象 {…}" : "列表 […]");
        return FALSE;
    }
    GType vt = json_node_get_value_type(n);
    if (type == YF_SLOT_BOOLEAN)
        return boolean_of(n, out, problem);
    if (vt == G_TYPE_BOOLEAN) {
        *problem = g_strdup_printf("应为%s，却是 true/false", type == YF_SLOT_TEXT ? "文字" : "数字");
        return FALSE;
    }
    char *text = vt == G_TYPE_STRING ? g_strstrip(g_strdup(json_node_get_string(n)))
               : vt == G_TYPE_INT64 ? g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(n))
               : yf_format_number(json_node_get_double(n));
    gboolean ok = TRUE;
    switch (type) {
    case YF_SLOT_TEXT:
        out->text = text;
        *keep = text;
        return TRUE;
    case YF_SLOT_MONEY:
    case YF_SLOT_INTEGER:
    case YF_SLOT_NUMBER:
        ok = yf_parse_numeric(type, vt == G_TYPE_STRING ? json_node_get_string(n) : text,
                              vt == G_TYPE_DOUBLE, out, problem);
        break;
    case YF_SLOT_DATE:
        if (vt == G_TYPE_STRING) {
            ok = yf_parse_date_checked(json_node_get_string(n), &out->y, &out->m, &out->d,
                                       problem);
        } else {
            ok = FALSE;
            *problem = g_strdup_printf("应为日期（如 2026-01-05，写成文字），却是数 %s", text);
        }
        break;
    default:
        break;
    }
    g_free(text);
    return ok;
}

/* scalar_of for a declared slot: an integer slot with numerals="chinese" also reads 一千二百,
 * and a value outside the slot's min/max is refused, naming the range. */
static gboolean slot_scalar_of(const yf_slot *s, JsonNode *n, yf_scalar *out, char **keep,
                               char **problem)
{
    if (s->chinese_numerals && JSON_NODE_HOLDS_VALUE(n) &&
        json_node_get_value_type(n) == G_TYPE_STRING) {
        *keep = NULL;
        *out = (yf_scalar){ .type = s->type };
        if (yf_parse_chinese_integer(json_node_get_string(n), out, problem))
            goto range;
        if (*problem)
            return FALSE;
    }
    if (!scalar_of(s->type, n, out, keep, problem))
        return FALSE;
range:
    if (!s->min && !s->max)
        return TRUE;
    if ((s->min && out->num < s->min_num) || (s->max && out->num > s->max_num)) {
        g_free(*keep);
        *keep = NULL;
        *problem = s->min && s->max
                 ? g_strdup_printf("应在 %s 至 %s 之间，却是 %s", s->min, s->max, out->dec)
                 : s->min ? g_strdup_printf("应不小于 %s，却是 %s", s->min, out->dec)
                          : g_strdup_printf("应不大于 %s，却是 %s", s->max, out->dec);
        return FALSE;
    }
    return TRUE;
}

/* ---- pass 1: the data against the declarations ------------------------------------------------ */

static void data_error(binder *B, const char *code, const yf_slot *s, const char *jpath,
                       const char *fmt, ...) G_GNUC_PRINTF(5, 6);

static void data_error(binder *B, const char *code, const yf_slot *s, const char *jpath,
                       const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    const char *where = s->use_file ? "使用" : "声明";
    yf_diag_at at = { .file = B->data ? yf_data_name(B->data) : "(无数据)", .path = jpath,
                      .slot = s->name };
    yf_diag_put(B->diags, YF_ERROR, code, &at, "%s（槽位「%s」，%s，模板 %s:%d:%d %s）", what,
                s->name, yf_slot_type_name(s->type), s->use_file ? s->use_file : s->file,
                s->use_file ? s->use_line : s->line, s->use_file ? s->use_col : s->col, where);
    g_free(what);
}

static JsonNode *member(JsonNode *obj, const char *dotted)
{
    JsonNode *n = obj;
    char **keys = g_strsplit(dotted, ".", -1);
    for (int i = 0; keys[i] && n; i++) {
        JsonObject *o = JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
        n = o && json_object_has_member(o, keys[i]) ? json_object_get_member(o, keys[i]) : NULL;
    }
    g_strfreev(keys);
    return n;
}

static void check_slots(binder *B, GPtrArray *slots, JsonNode *obj, const char *prefix);

/* A list item given as plain text where the slot says which field it stands for (<slot
 * short=…>), as the object it stands for: {field: text}. A new node (the data is immutable). */
static JsonNode *expand_shorthand(JsonNode *item, const char *field)
{
    JsonObject *o = json_object_new();
    json_object_set_string_member(o, field, json_node_get_string(item));
    JsonNode *n = json_node_init_object(json_node_alloc(), o);
    json_object_unref(o);
    return n;
}

static gboolean is_text_node(JsonNode *n)
{
    return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING;
}

static gboolean is_line_break(gunichar c);
static gboolean has_line_break(const char *s);

/* A text with a line break, for a message: each break shown as ↵, the text cut after some
 * characters. */
static char *line_breaks_shown(const char *text)
{
    enum { SHOWN = 40 };
    GString *out = g_string_new(NULL);
    int n = 0;
    for (const char *p = text; *p && n < SHOWN; p = g_utf8_next_char(p), n++) {
        gunichar c = g_utf8_get_char(p);
        if (c == '\r' && p[1] == '\n')
            p++;
        if (is_line_break(c))
            g_string_append(out, "↵");
        else
            g_string_append_unichar(out, c);
        if (n == SHOWN - 1 && *g_utf8_next_char(p))
            g_string_append(out, "……");
    }
    return g_string_free(out, FALSE);
}

static void check_value(binder *B, const yf_slot *s, JsonNode *n, const char *jpath)
{
    if (!n || JSON_NODE_HOLDS_NULL(n)) {
        if (s->required && !s->fallback && !draft(B))
            data_error(B, "data.required", s, jpath, "缺少必填值");
        return;
    }
    switch (s->type) {
    case YF_SLOT_LIST:
    case YF_SLOT_PARAGRAPHS: {
        if (!JSON_NODE_HOLDS_ARRAY(n)) {
            data_error(B, "data.type", s, jpath, "应为列表 […]");
            return;
        }
        JsonArray *a = json_node_get_array(n);
        for (guint i = 0; i < json_array_get_length(a); i++) {
            char *ip = g_strdup_printf("%s[%u]", jpath, i);
            JsonNode *item = json_array_get_element(a, i);
            if (s->type == YF_SLOT_PARAGRAPHS) {
                if (!JSON_NODE_HOLDS_VALUE(item) || json_node_get_value_type(item) != G_TYPE_STRING)
                    data_error(B, "data.type", s, ip, "段落应为文字");
            } else if (s->fields) {
                JsonNode *whole = s->shorthand && is_text_node(item)
                                      ? expand_shorthand(item, s->shorthand) : json_node_ref(item);
                if (!JSON_NODE_HOLDS_OBJECT(whole))
                    data_error(B, "data.type", s, ip, "列表项应为对象 {…}");
                else
                    check_slots(B, s->fields, whole, ip);
                json_node_unref(whole);
            } else {
                check_value(B, s->element, item, ip);
            }
            g_free(ip);
        }
        if (s->required && json_array_get_length(a) == 0 && !draft(B))
            data_error(B, "data.required", s, jpath, "列表不能为空");
        return;
    }
    case YF_SLOT_OBJECT:
        if (!JSON_NODE_HOLDS_OBJECT(n))
            data_error(B, "data.type", s, jpath, "应为对象 {…}");
        else
            check_slots(B, s->fields, n, jpath);
        return;
    default: {
        yf_scalar v;
        char *keep = NULL, *problem = NULL;
        if (!slot_scalar_of(s, n, &v, &keep, &problem)) {
            data_error(B, "data.value", s, jpath, "%s", problem);
            g_free(problem);
        } else if (s->type == YF_SLOT_TEXT && !*v.text && s->required && !draft(B)) {
            data_error(B, "data.required", s, jpath, "缺少必填值（空字符串）");
        } else if (s->type == YF_SLOT_TEXT && has_line_break(v.text)) {
            char *shown = line_breaks_shown(v.text);
            data_error(B, "data.value", s, jpath, "值中有换行：“%s”；分段请用 paragraphs 类型的槽位",
                       shown);
            g_free(shown);
        }
        g_free(keep);
    }
    }
}

static void check_slots(binder *B, GPtrArray *slots, JsonNode *obj, const char *prefix)
{
    for (guint i = 0; i < slots->len; i++) {
        const yf_slot *s = g_ptr_array_index(slots, i);
        char *jpath = g_strconcat(prefix, ".", s->name, NULL);
        check_value(B, s, obj ? member(obj, s->name) : NULL, jpath);
        g_free(jpath);
    }
}

/* Whether a data member at `path` (dotted, relative to `slots`) is declared. */
static gboolean declared(GPtrArray *slots, const char *path)
{
    for (guint i = 0; slots && i < slots->len; i++) {
        const yf_slot *s = g_ptr_array_index(slots, i);
        size_t n = strlen(s->name);
        if (strcmp(s->name, path) == 0)
            return TRUE;
        if (strncmp(s->name, path, n) == 0 && path[n] == '.')
            /* an object, or one item of a list of objects given as the object itself */
            return (s->type == YF_SLOT_OBJECT || (s->type == YF_SLOT_LIST && s->fields)) &&
                   declared(s->fields, path + n + 1);
    }
    return FALSE;
}

/* Data members no slot reads are usually a typo in a key: warn, naming them — the first few;
 * data meant for another template would otherwise bury the messages that matter. */
static void warn_unused(binder *B)
{
    enum { SHOWN = 20 };
    GPtrArray *leaves = yf_data_leaf_paths(B->data);
    guint unused = 0;
    for (guint i = 0; i < leaves->len; i++) {
        const char *path = g_ptr_array_index(leaves, i);
        if (declared(B->t->slots, path))
            continue;
        if (unused++ >= SHOWN)
            continue;
        char *jpath = g_strconcat("$.", path, NULL);
        yf_diag_at at = { .file = yf_data_name(B->data), .path = jpath };
        yf_diag_put(B->diags, YF_WARNING, "data.unused", &at, "模板中没有这个槽位，数据未被使用");
        g_free(jpath);
    }
    if (unused > SHOWN)
        yf_diag_add(B->diags, YF_WARNING, "data.unused", yf_data_name(B->data), 0, 0,
                    "另有 %u 个数据项模板中没有对应的槽位，未被使用", unused - SHOWN);
    g_ptr_array_free(leaves, TRUE);
}

/* ---- conform: the data in the declared shape ----------------------------------------------- */

/* Offices fill data in spreadsheets, where every cell is a text: 是 for a yes, 12,000 for a
 * number, 2026/1/12 for a date, 张三、李四 for a list of names. Before anything reads the data,
 * a copy is made in the shape the slots declare — one place where a flat value becomes the
 * declared one: a value its type reads is replaced by its canonical form (true, "12000",
 * "2026-01-12"), a text standing for a list of simple items or for paragraphs by that list. A
 * value the type refuses is kept as given, for pass 1 to report. The data tree is immutable
 * (sealed nodes): what changes is built anew, what does not is shared. Lists of objects given
 * as plain text (<slot short=…>) keep their text items: check_value and lookup read them. */

static JsonNode *conform_value(const yf_slot *s, JsonNode *n);

static JsonNode *text_node(const char *text)
{
    return json_node_init_string(json_node_alloc(), text);
}

static JsonNode *conform_scalar(const yf_slot *s, JsonNode *n)
{
    yf_slot_type type = s->type;
    yf_scalar v;
    char *keep = NULL, *problem = NULL;
    gboolean ok = slot_scalar_of(s, n, &v, &keep, &problem);
    g_free(keep);
    g_free(problem);
    if (!ok || json_node_get_value_type(n) != G_TYPE_STRING)
        return type == YF_SLOT_BOOLEAN && ok ? json_node_init_boolean(json_node_alloc(), v.truth)
                                             : json_node_ref(n);
    switch (type) {
    case YF_SLOT_BOOLEAN:
        return json_node_init_boolean(json_node_alloc(), v.truth);
    case YF_SLOT_INTEGER:
    case YF_SLOT_NUMBER:
    case YF_SLOT_MONEY:
        return text_node(v.dec);
    case YF_SLOT_DATE: {
        char iso[32];
        g_snprintf(iso, sizeof iso, "%04d-%02d-%02d", v.y, v.m, v.d);
        return text_node(iso);
    }
    default:
        return json_node_ref(n);
    }
}

/* Items typed into one cell, separated as `separators` (a regular expression) says — a list of
 * simple items one a line when the cell has two lines or more (an item may then hold a 、:
 * 快递、外卖), else at 、; paragraphs at a line break (CRLF, LF, CR, VT, FF, NEL, and Unicode's
 * LINE and PARAGRAPH SEPARATOR U+2028/U+2029, UAX #14's mandatory breaks) —, each cleaned as a
 * text (pasted_text: the 　　 typed to indent a paragraph goes, GB/T 9704 §7.3.3: the layout
 * indents it; nothing else changes — a full-width comma in a text is a text's comma), empty ones
 * dropped. */
#define YF_PARAGRAPH_SEPARATORS "\\r\\n|[\\n\\r\\x{0B}\\x{0C}\\x{85}\\x{2028}\\x{2029}]"

/* UAX #14's mandatory breaks (BK, CR, LF, NL): what YF_PARAGRAPH_SEPARATORS splits at. */
static gboolean is_line_break(gunichar c)
{
    return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x85 || c == 0x2028 ||
           c == 0x2029;
}

static gboolean has_line_break(const char *s)
{
    for (const char *p = s; *p; p = g_utf8_next_char(p))
        if (is_line_break(g_utf8_get_char(p)))
            return TRUE;
    return FALSE;
}

/* A text value as pasted from a word processor or a web page, cleaned: what has no ink and no
 * meaning in print goes — the soft hyphen U+00AD (a hyphenation hint; the composer breaks
 * lines itself), the zero-width space U+200B and a byte order mark U+FEFF inside the text —,
 * then white space of every kind at its ends (yf_value_trim, the one definition of blank: the
 * 　　 or spaces typed to indent a paragraph go, the layout indents it, GB/T 9704 §7.3.3). A tab
 * or a space inside is left to the block's normalization: one space between Latin words,
 * nothing beside a Han character. Line breaks inside stay, for the slot's type to decide. */
static char *pasted_text(const char *text)
{
    if (!g_utf8_validate(text, -1, NULL))
        return g_strdup(text);
    GString *kept = g_string_sized_new(strlen(text));
    for (const char *p = text; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (c != 0x00AD && c != 0x200B && c != 0xFEFF)
            g_string_append_len(kept, p, g_utf8_next_char(p) - p);
    }
    char *out = yf_value_trim(kept->str);
    g_string_free(kept, TRUE);
    return out;
}

/* `text` split at the 、 that stand outside brackets: "各区（县、市）总工会、各产业工会" is two
 * items, the 、 inside （） belonging to the first. */
static char **split_enumeration(const char *text)
{
    static const char opening[] = "（《“‘〔【「『([", closing[] = "）》”’〕】」』)]";
    GPtrArray *parts = g_ptr_array_new();
    int depth = 0;
    const char *start = text;
    for (const char *p = text; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        char utf8[8] = { 0 };
        g_unichar_to_utf8(c, utf8);
        if (c >= 0x80 || strchr("()[]", (char)c)) {
            if (strstr(opening, utf8) && c != 0)
                depth++;
            else if (strstr(closing, utf8) && depth > 0)
                depth--;
        }
        if (c == 0x3001 && depth == 0) { /* 、 */
            g_ptr_array_add(parts, g_strndup(start, p - start));
            start = g_utf8_next_char(p);
        }
    }
    g_ptr_array_add(parts, g_strdup(start));
    g_ptr_array_add(parts, NULL);
    return (char **)g_ptr_array_free(parts, FALSE);
}

static JsonNode *split_items(const char *text, const char *separators)
{
    JsonArray *a = json_array_new();
    char **parts = separators ? g_regex_split_simple(separators, text, 0, 0)
                              : split_enumeration(text);
    if (!parts) { /* GRegex refused the text: it is one item */
        parts = g_new0(char *, 2);
        parts[0] = g_strdup(text);
    }
    for (int i = 0; parts[i]; i++) {
        char *item = separators ? pasted_text(parts[i]) : yf_value_trim(parts[i]);
        if (*item)
            json_array_add_string_element(a, item);
        g_free(item);
    }
    g_strfreev(parts);
    JsonNode *n = json_node_init_array(json_node_alloc(), a);
    json_array_unref(a);
    return n;
}

static JsonNode *conform_object(GPtrArray *slots, JsonNode *obj);
static JsonNode *conform_text(JsonNode *n);

static JsonNode *conform_list(const yf_slot *s, JsonNode *n)
{
    if (!s->fields && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING)
    {
        const char *text = json_node_get_string(n);
        JsonNode *split = split_items(text, YF_PARAGRAPH_SEPARATORS);
        if (json_array_get_length(json_node_get_array(split)) <= 1) {
            json_node_unref(split);
            char *line = g_strstrip(g_strdelimit(g_strdup(text), "\r\n", ' '));
            split = split_items(line, NULL); /* one line: at the 、 outside brackets */
            g_free(line);
        }
        JsonNode *list = conform_list(s, split);
        json_node_unref(split);
        return list;
    }
    if (s->fields && JSON_NODE_HOLDS_OBJECT(n)) {
        /* One object where a list of objects is declared: the list of that one item (rows grouped
         * by a key whose record has one article) */
        JsonArray *one = json_array_new();
        json_array_add_element(one, json_node_ref(n));
        JsonNode *wrapped = json_node_init_array(json_node_alloc(), one);
        json_array_unref(one);
        JsonNode *list = conform_list(s, wrapped);
        json_node_unref(wrapped);
        return list;
    }
    if (!JSON_NODE_HOLDS_ARRAY(n))
        return json_node_ref(n);
    JsonArray *in = json_node_get_array(n), *out = json_array_new();
    for (guint i = 0; i < json_array_get_length(in); i++) {
        JsonNode *item = json_array_get_element(in, i);
        json_array_add_element(out, s->fields && s->shorthand && is_text_node(item)
                                        ? conform_text(item)
                                    : s->fields ? conform_object(s->fields, item)
                                                : conform_value(s->element, item));
    }
    JsonNode *list = json_node_init_array(json_node_alloc(), out);
    json_array_unref(out);
    return list;
}

/* A shallow copy of an object node: its members shared. */
static JsonObject *object_copy(JsonNode *obj)
{
    JsonObject *in = json_node_get_object(obj), *out = json_object_new();
    GList *names = json_object_get_members(in);
    for (GList *m = names; m; m = m->next)
        json_object_set_member(out, m->data, json_node_ref(json_object_get_member(in, m->data)));
    g_list_free(names);
    return out;
}

/* Sets the member at `keys` (a dotted path whose objects exist) to `value`, copying the objects
 * on the way. Takes `value`. */
static void set_path(JsonObject *o, char **keys, JsonNode *value)
{
    if (!keys[1]) {
        json_object_set_member(o, keys[0], value);
        return;
    }
    JsonObject *child = object_copy(json_object_get_member(o, keys[0]));
    set_path(child, keys + 1, value);
    json_object_set_object_member(o, keys[0], child); /* takes child */
}

/* An object with the members `slots` declare conformed; the others as they are. */
static JsonNode *conform_object(GPtrArray *slots, JsonNode *obj)
{
    if (!obj || !JSON_NODE_HOLDS_OBJECT(obj))
        return obj ? json_node_ref(obj) : NULL;
    JsonObject *o = object_copy(obj);
    JsonNode *node = json_node_init_object(json_node_alloc(), o);
    for (guint i = 0; i < slots->len; i++) {
        const yf_slot *s = g_ptr_array_index(slots, i);
        JsonNode *given = member(node, s->name);
        if (!given)
            continue;
        JsonNode *conformed = conform_value(s, given);
        if (conformed == given) {
            json_node_unref(conformed);
            continue;
        }
        char **keys = g_strsplit(s->name, ".", -1);
        set_path(o, keys, conformed);
        g_strfreev(keys);
    }
    json_object_unref(o);
    return node;
}

/* A text value cleaned (pasted_text): `n` itself when that changes nothing. */
static JsonNode *conform_text(JsonNode *n)
{
    if (!is_text_node(n))
        return json_node_ref(n);
    const char *given = json_node_get_string(n);
    char *clean = pasted_text(given);
    JsonNode *out = strcmp(clean, given) == 0 ? json_node_ref(n) : text_node(clean);
    g_free(clean);
    return out;
}

/* Paragraphs, from one text or from an array of texts: each text split at its line breaks into
 * paragraphs, as a spreadsheet's cell is (a line break in a paragraph would otherwise be lost,
 * its two lines run together), each cleaned, empty and blank ones dropped. An item that is not a
 * text is kept as it is, for pass 1 to report. */
static JsonNode *conform_paragraphs(JsonNode *n)
{
    if (is_text_node(n))
        return split_items(json_node_get_string(n), YF_PARAGRAPH_SEPARATORS);
    if (!JSON_NODE_HOLDS_ARRAY(n))
        return json_node_ref(n);
    JsonArray *in = json_node_get_array(n), *out = json_array_new();
    for (guint i = 0; i < json_array_get_length(in); i++) {
        JsonNode *item = json_array_get_element(in, i);
        if (JSON_NODE_HOLDS_NULL(item))
            continue; /* a blank paragraph (the data made it null), as a cell's blank line */
        if (!is_text_node(item)) {
            json_array_add_element(out, json_node_ref(item));
            continue;
        }
        if (!has_line_break(json_node_get_string(item))) { /* one paragraph, or none */
            JsonNode *clean = conform_text(item);
            if (*json_node_get_string(clean))
                json_array_add_element(out, clean);
            else
                json_node_unref(clean);
            continue;
        }
        JsonNode *split = split_items(json_node_get_string(item), YF_PARAGRAPH_SEPARATORS);
        JsonArray *parts = json_node_get_array(split);
        for (guint k = 0; k < json_array_get_length(parts); k++)
            json_array_add_element(out, json_node_ref(json_array_get_element(parts, k)));
        json_node_unref(split);
    }
    JsonNode *list = json_node_init_array(json_node_alloc(), out);
    json_array_unref(out);
    return list;
}

/* Takes nothing: returns a new reference, to `n` itself when it needs no change. */
static JsonNode *conform_value(const yf_slot *s, JsonNode *n)
{
    if (JSON_NODE_HOLDS_NULL(n))
        return json_node_ref(n);
    switch (s->type) {
    case YF_SLOT_LIST:
        return conform_list(s, n);
    case YF_SLOT_OBJECT:
        return conform_object(s->fields, n);
    case YF_SLOT_PARAGRAPHS:
        return conform_paragraphs(n);
    case YF_SLOT_TEXT:
        return conform_text(n);
    default:
        return JSON_NODE_HOLDS_VALUE(n) ? conform_scalar(s, n) : json_node_ref(n);
    }
}

/* ---- pass 2: evaluation -------------------------------------------------------------------------- */

/* What a path names at run time: its declaration and its data (NULL when absent). */
typedef struct {
    const yf_slot *decl;
    JsonNode *node;
    const frame *loop;   /* for loop.* */
} found;

static found lookup(const binder *B, const frame *f, const char *path)
{
    found r = { NULL, NULL, NULL };
    const char *dot = strchr(path, '.');
    size_t head = dot ? (size_t)(dot - path) : strlen(path);
    if (head == 4 && strncmp(path, "loop", 4) == 0) {
        r.decl = f && dot ? yf_loop_slot(dot + 1) : NULL;
        r.loop = f;
        return r;
    }
    for (; f; f = f->up) {
        if (strlen(f->var) != head || strncmp(f->var, path, head) != 0)
            continue;
        if (!dot) {
            r.decl = f->list->element ? f->list->element : f->list;
            r.node = f->item;
        } else {
            r.decl = f->list->fields ? yf_slot_find(f->list->fields, dot + 1) : NULL;
            r.node = f->item ? member(f->item, dot + 1) : NULL;
            if (!r.node && is_text_node(f->item) && f->list->shorthand &&
                strcmp(dot + 1, f->list->shorthand) == 0)
                r.node = f->item; /* <slot short=…>: the text is that field */
        }
        return r;
    }
    r.decl = yf_slot_find(B->t->slots, path);
    r.node = member(B->values, path);
    return r;
}

/* The JSON path of the data a path names ("$.市总.届次", "$.议程[2].时长" in a loop over 议程),
 * or NULL for loop.*. Caller frees. */
static char *json_path(const frame *f, const char *path)
{
    const char *dot = strchr(path, '.');
    size_t head = dot ? (size_t)(dot - path) : strlen(path);
    if (head == 4 && strncmp(path, "loop", 4) == 0)
        return NULL;
    for (; f; f = f->up)
        if (strlen(f->var) == head && strncmp(f->var, path, head) == 0)
            return dot ? g_strconcat(f->jpath, dot, NULL) : g_strdup(f->jpath);
    return g_strconcat("$.", path, NULL);
}

/* `v` formatted by `format`; an error at `at` (and at the value: its slot and JSON path in loop
 * `f`) when it cannot be written so unchanged. */
static char *formatted(const binder *B, const frame *f, const yf_node *at, const char *path,
                       const char *format, const yf_scalar *v)
{
    char *why = NULL, *out = yf_format_apply(format, v, &why);
    if (!out) {
        char *jpath = json_path(f, path);
        found r = lookup(B, f, path);
        yf_diag_at where = { .file = at->file, .line = at->line, .col = at->col, .path = jpath,
                             .slot = r.decl ? r.decl->name : path };
        yf_diag_put(B->diags, YF_ERROR, "data.format", &where, "「%s」的值 %s", path, why);
        g_free(jpath);
        g_free(why);
        out = g_strdup("");
    }
    return out;
}

/* The text a <v> (or an <image> naming its file by a slot) at `at` prints. */
static char *value_text(const binder *B, const frame *f, const yf_node *at, const char *path,
                        const char *format)
{
    found r = lookup(B, f, path);
    yf_scalar v = { .type = r.decl ? r.decl->type : YF_SLOT_TEXT };
    if (r.loop) {
        const char *m = path + strlen("loop.");
        v.num = strcmp(m, "index") == 0 ? r.loop->index + 1 : r.loop->count;
        v.truth = strcmp(m, "first") == 0 ? r.loop->index == 0 : r.loop->index == r.loop->count - 1;
        return formatted(B, f, at, path, format, &v);
    }
    JsonNode *n = r.node;
    if ((!n || JSON_NODE_HOLDS_NULL(n)) && r.decl && r.decl->fallback) {
        n = json_node_init_string(json_node_alloc(), r.decl->fallback);
        char *keep = NULL, *problem = NULL, *out = NULL;
        if (scalar_of(v.type, n, &v, &keep, &problem)) {
            out = formatted(B, f, at, path, format, &v);
        } else {
            /* A default the slot's own type refuses (default="017" for an integer). */
            yf_error_at(B->diags, "template.slot", r.decl->file, r.decl->line, r.decl->col,
                        "槽位「%s」的默认值：%s",
                        r.decl->name, problem);
            out = g_strdup("");
        }
        g_free(keep);
        g_free(problem);
        json_node_unref(n);
        return out;
    }
    if (!n || JSON_NODE_HOLDS_NULL(n))
        return g_strdup(draft(B) ? "X" : "");
    char *keep = NULL, *problem = NULL;
    char *out = scalar_of(v.type, n, &v, &keep, &problem) ? formatted(B, f, at, path, format, &v)
                                                          : g_strdup("");
    if (draft(B) && v.type == YF_SLOT_TEXT && !*out) {
        g_free(out);
        out = g_strdup("X");
    }
    g_free(keep);
    g_free(problem);
    return out;
}

static void cond_lookup(void *user, const char *path, yf_value *out)
{
    void **ctx = user;
    const binder *B = ctx[0];
    const frame *f = ctx[1];
    found r = lookup(B, f, path);
    *out = (yf_value){ YF_V_MISSING, NULL, 0, FALSE, 0 };
    if (r.loop) {
        const char *m = path + strlen("loop.");
        gboolean is_bool = strcmp(m, "first") == 0 || strcmp(m, "last") == 0;
        out->kind = is_bool ? YF_V_BOOL : YF_V_NUMBER;
        out->num = strcmp(m, "index") == 0 ? r.loop->index + 1 : r.loop->count;
        out->truth = strcmp(m, "first") == 0 ? r.loop->index == 0 : r.loop->index == r.loop->count - 1;
        return;
    }
    JsonNode *n = r.node;
    if (!n || JSON_NODE_HOLDS_NULL(n))
        return;
    if (JSON_NODE_HOLDS_ARRAY(n)) {
        out->kind = YF_V_LIST;
        out->count = (int)json_array_get_length(json_node_get_array(n));
    } else if (JSON_NODE_HOLDS_OBJECT(n)) {
        out->kind = YF_V_OBJECT;
    } else if (json_node_get_value_type(n) == G_TYPE_BOOLEAN) {
        out->kind = YF_V_BOOL;
        out->truth = json_node_get_boolean(n);
    } else if (json_node_get_value_type(n) == G_TYPE_STRING) {
        out->kind = YF_V_TEXT;
        out->text = json_node_get_string(n);
    } else {
        out->kind = YF_V_NUMBER;
        out->num = json_node_get_double(n);
    }
}

/* The branch of an <if> chain that applies, or NULL. */
static const yf_node *choose(const binder *B, const frame *f, const yf_node *n)
{
    const void *ctx[2] = { B, f };
    for (const yf_node *b = n; b; b = b->next_branch)
        if (!b->test || yf_expr_eval(b->test, cond_lookup, (void *)ctx))
            return b;
    return NULL;
}

/* The items of a <for>, in the order to print them. Returns the count; *items and *order are
 * allocated (free both). In a draft without data there is one empty item. The items and their
 * sorting are counted as work first: none when evaluation has to stop. */
static int loop_items(binder *B, const frame *f, const yf_node *n, JsonNode ***items,
                      int **order)
{
    found r = lookup(B, f, n->path);
    int count = 0;
    if (r.node && JSON_NODE_HOLDS_ARRAY(r.node)) {
        JsonArray *a = json_node_get_array(r.node);
        count = (int)json_array_get_length(a);
        *items = g_new0(JsonNode *, MAX(count, 1));
        for (int i = 0; i < count; i++)
            (*items)[i] = json_array_get_element(a, (guint)i);
    } else {
        count = draft(B) ? 1 : 0;
        *items = g_new0(JsonNode *, 1);
    }
    long sorting = n->sort && count > 1 ? (long)count * g_bit_storage((gulong)count) : 0;
    if (!spend(B, n, count + sorting))
        count = 0;
    *order = g_new(int, MAX(count, 1));
    for (int i = 0; i < count; i++)
        (*order)[i] = i;
    if (n->sort && count > 1) {
        /* 按姓氏笔画 (stroke) or pinyin (collate.c) on the item, or on its `by` field. */
        char **keys = g_new0(char *, count + 1);
        for (int i = 0; i < count; i++) {
            JsonNode *k = n->by ? member((*items)[i], n->by) : (*items)[i];
            keys[i] = k && JSON_NODE_HOLDS_VALUE(k) && json_node_get_value_type(k) == G_TYPE_STRING
                          ? g_strdup(json_node_get_string(k)) : g_strdup("");
        }
        if (!yf_collate_order(n->sort, keys, count, *order))
            yf_error_at(B->diags, "setup.missing", n->file, n->line, n->col,
                        strcmp(n->sort, "stroke") == 0
                            ? "无法按姓氏笔画排序：缺少笔画数据（Debian 软件包 rime-data-stroke）"
                            : "无法按姓氏拼音排序：ICU 排序规则不可用");
        g_strfreev(keys);
    }
    return count;
}

/* Runs `each` once per item of the <for> `n`, in print order, with the item's frame; the one
 * loop shared by text, blocks and the parts of composites. */
typedef void (*item_fn)(binder *B, const frame *inner, const yf_node *n, void *user);

static void repeat(binder *B, const frame *f, const yf_node *n, item_fn each, void *user)
{
    JsonNode **items;
    int *order;
    int count = loop_items(B, f, n, &items, &order);
    found r = lookup(B, f, n->path);
    char *list = json_path(f, n->path);
    for (int i = 0; i < count && !B->over; i++) {
        char *jpath = g_strdup_printf("%s[%d]", list ? list : "$", order[i]);
        frame inner = { n->as, r.decl, items[order[i]], i, count, jpath, f };
        each(B, &inner, n, user);
        g_free(jpath);
    }
    g_free(list);
    g_free(items);
    g_free(order);
}

/* ---- inline text ------------------------------------------------------------------------------ */

#define BR_MARK 0x2028 /* stands for <br/> until normalization turns it into '\n' */

static const yf_style *style_named(const binder *B, const char *name)
{
    return g_hash_table_lookup(B->t->styles, name);
}

static void eval_inline(binder *B, const frame *f, GPtrArray *nodes, GString *out, GArray *spans);

typedef struct {
    GString *out;
    GArray *spans;
} inline_out;

/* One item of an inline <for>: the separator before it (last-sep before the last), then its text. */
static void inline_item(binder *B, const frame *inner, const yf_node *n, void *user)
{
    inline_out *o = user;
    if (inner->index > 0 && inner->index == inner->count - 1 && n->last_sep)
        g_string_append(o->out, n->last_sep);
    else if (inner->index > 0 && n->sep)
        g_string_append(o->out, n->sep);
    eval_inline(B, inner, n->children, o->out, o->spans);
    block_too_long(B, n, o->out->len);
}

static void eval_inline_node(binder *B, const frame *f, const yf_node *n, GString *out,
                             GArray *spans)
{
    if (!spend(B, n, 1))
        return;
    switch (n->kind) {
    case YF_N_TEXT:
        g_string_append(out, n->text);
        break;
    case YF_N_BREAK:
        g_string_append_unichar(out, BR_MARK);
        break;
    case YF_N_VALUE: {
        char *v = value_text(B, f, n, n->path, n->format);
        yf_span keep = { .start = (int)out->len, .keep = TRUE };
        found r = lookup(B, f, n->path);
        char *jpath = r.loop ? NULL : json_path(f, n->path);
        if (jpath) {
            GStringChunk *strings = B->doc->strings;
            keep.slot = g_string_chunk_insert_const(strings, r.decl ? r.decl->name : n->path);
            keep.path = g_string_chunk_insert_const(strings, jpath);
            g_free(jpath);
        }
        g_string_append(out, v);
        keep.end = (int)out->len;
        if (keep.end > keep.start)
            g_array_append_val(spans, keep);
        g_free(v);
        break;
    }
    case YF_N_SPAN: {
        const yf_style *st = style_named(B, n->style);
        int start = (int)out->len;
        eval_inline(B, f, n->children, out, spans);
        yf_span sp = { start, (int)out->len, st->role, st->size, st->color, st->bold,
                       FALSE, NULL, NULL };
        if (sp.end > sp.start)
            g_array_append_val(spans, sp);
        break;
    }
    case YF_N_IF: {
        const yf_node *b = choose(B, f, n);
        if (b)
            eval_inline(B, f, b->children, out, spans);
        break;
    }
    case YF_N_FOR: {
        inline_out o = { out, spans };
        repeat(B, f, n, inline_item, &o);
        break;
    }
    default:
        break;
    }
    block_too_long(B, n, out->len);
}

static void eval_inline(binder *B, const frame *f, GPtrArray *nodes, GString *out, GArray *spans)
{
    for (guint i = 0; i < nodes->len && !B->over; i++)
        eval_inline_node(B, f, g_ptr_array_index(nodes, i), out, spans);
}

/* ---- text normalization ---------------------------------------------------------------------- */

static gboolean is_wide(gunichar c)
{
    return g_unichar_iswide(c) || (c >= 0x2018 && c <= 0x201F) || c == 0x2014 || c == 0x2026 ||
           c == 0x00B7;
}

static gboolean is_ascii_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v';
}

/* Template text is written in an editor: line breaks and indentation are not content. A run of
 * ASCII white space is dropped when it holds a line break or touches a wide (CJK) character —
 * the composer puts its own quarter-em between Han and Latin — and becomes one space otherwise.
 * The BR_MARK of <br/> becomes '\n', with the white space around it dropped. U+3000 (ideographic
 * space) is content and kept. `map[i]` receives the new offset of old byte offset i. */
static char *normalize(const char *s, int *map)
{
    GString *out = g_string_new(NULL);
    const char *p = s;
    while (*p) {
        map[p - s] = (int)out->len;
        if (is_ascii_space(*p)) {
            gboolean newline = FALSE;
            const char *q = p;
            while (is_ascii_space(*q)) {
                newline |= *q == '\n' || *q == '\r';
                map[q - s] = (int)out->len;
                q++;
            }
            gunichar before = out->len ? g_utf8_get_char(g_utf8_prev_char(out->str + out->len)) : 0;
            gunichar after = *q ? g_utf8_get_char(q) : 0;
            gboolean edge = !before || !after || before == '\n' || after == BR_MARK;
            if (!newline && !edge && !is_wide(before) && !is_wide(after))
                g_string_append_c(out, ' ');
            p = q;
            continue;
        }
        gunichar c = g_utf8_get_char(p);
        const char *next = g_utf8_next_char(p);
        for (const char *k = p; k < next; k++)
            map[k - s] = (int)out->len;
        if (c == BR_MARK)
            g_string_append_c(out, '\n');
        else
            g_string_append_len(out, p, next - p);
        p = next;
    }
    map[p - s] = (int)out->len;
    /* No trailing white space before the end of the block. */
    while (out->len && out->str[out->len - 1] == ' ')
        g_string_truncate(out, out->len - 1);
    return g_string_free(out, FALSE);
}

/* ---- blocks ------------------------------------------------------------------------------------- */

static void block_clear(gpointer p)
{
    yf_block *b = p;
    g_free(b->text);
    g_free(b->outline);
    g_free(b->image);
    if (b->spans)
        g_array_free(b->spans, TRUE);
    if (b->parts)
        g_array_free(b->parts, TRUE);
}

/* The automatic number of a heading (GB/T 9704 §7.3.3): 一、（一）1.（1）. */
static char *heading_number(binder *B, yf_block_kind kind)
{
    int level = kind - YF_BLK_H1;
    B->heading[level]++;
    for (int l = level + 1; l < 4; l++)
        B->heading[l] = 0;
    int n = B->heading[level];
    if (level >= 2)
        return g_strdup_printf(level == 2 ? "%d." : "（%d）", n);
    char *num = yf_format_chinese_numeral(n);
    char *s = level == 0 ? g_strconcat(num, "、", NULL) : g_strconcat("（", num, "）", NULL);
    g_free(num);
    return s;
}

/* The fewest grid lines a block can take, whatever the composer decides: each forced break
 * starts a line; a full-width character takes at least half a cell (a squeezed mark), any other
 * visible character at least a fifth of an em; the space after the block counts (the space
 * before may fall at the top of a page). */
static double min_lines(const yf_page *page, const yf_block *b)
{
    const yf_style *st = &b->style;
    if (b->kind == YF_BLK_RULE)
        return 0;
    if (b->kind == YF_BLK_TABLE)
        return b->parts->len / (guint)b->geom.columns + st->space_after;
    if (!yf_block_is_text(b->kind))
        return 1 + st->space_after;
    double cell = st->grid ? page->text_width / page->chars_per_line * (st->size / page->body_size)
                           : st->size;
    double width = 0;
    int breaks = 1;
    for (const char *p = b->text; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (c == '\n')
            breaks++;
        else if (is_wide(c))
            width += cell / 2;
        else if (!g_unichar_isspace(c) && !g_unichar_iszerowidth(c))
            width += st->size / 5;
    }
    return MAX(breaks, ceil(width / page->text_width)) + st->space_after;
}

/* A document longer than the page setup allows is refused here, from the blocks' text, rather
 * than after the composer has set every line of it. */
static void count_pages(binder *B, const yf_node *at, const yf_block *b)
{
    const yf_page *page = &B->doc->page;
    /* A block on a new page (an attachment, a page break) leaves the rest of the page empty. */
    if (b->new_page)
        B->lines = ceil(B->lines / page->lines_per_page) * page->lines_per_page;
    B->lines += min_lines(page, b);
    double pages = ceil(B->lines / page->lines_per_page);
    if (pages > page->max_pages && !B->over) {
        N_ERR(B, "bind.limit", at, "文档超过 %d 页的上限（按文字量估算，至少需要 %.0f 页）", page->max_pages,
              pages);
        B->over = TRUE;
    }
}

/* Block b of `raw` text made by template node `at`: normalized, numbered when a heading, its spans
 * moved onto the normalized text. FALSE when it came out empty (a block whose text comes out
 * empty leaves nothing behind) or too long. */
static gboolean make_text(binder *B, const yf_node *at, yf_block_kind kind, const char *style,
                          gboolean numbered, const char *raw, GArray *spans, yf_block *out)
{
    if (block_too_long(B, at, strlen(raw)))
        return FALSE;
    int *map = g_new(int, strlen(raw) + 1);
    char *text = normalize(raw, map);
    if (!*text) {
        g_free(text);
        g_free(map);
        return FALSE;
    }
    yf_block b = { .kind = kind };
    b.style = *style_named(B, style ? style : yf_style_builtin_name(kind));
    int shift = 0;
    if (kind >= YF_BLK_H1 && kind <= YF_BLK_H4) {
        char *num = numbered ? heading_number(B, kind) : g_strdup("");
        shift = (int)strlen(num);
        b.text = g_strconcat(num, text, NULL);
        b.outline = g_strdup(b.text);
        g_free(num);
        g_free(text);
    } else {
        b.text = text;
    }
    if (spans && spans->len) {
        b.spans = g_array_new(FALSE, FALSE, sizeof(yf_span));
        for (guint i = 0; i < spans->len; i++) {
            yf_span sp = g_array_index(spans, yf_span, i);
            sp.start = map[sp.start] + shift;
            sp.end = map[sp.end] + shift;
            if (sp.end > sp.start)
                g_array_append_val(b.spans, sp);
        }
    }
    g_free(map);
    *out = b;
    return TRUE;
}

/* Appends block b, made by template node `at`, to the document in the current group. */
static void append_block(binder *B, const yf_node *at, yf_block *b)
{
    b->place = B->place;
    b->group = B->group;
    b->file = g_intern_string(at->file);
    b->line = at->line;
    b->col = at->col;
    if (B->place == YF_PLACE_TOP)
        b->geom.offset = B->offset;
    if (B->place == YF_PLACE_END)
        b->geom.even_page = B->even_page;
    b->new_page = B->page_break;
    B->page_break = FALSE;
    /* An attachment's title, for its line in the 附件说明: one line, its forced breaks dropped. */
    char **annex = B->attachment ? (char **)&g_ptr_array_index(B->annexes, B->attachment - 1) : NULL;
    /* In the PDF outline an attachment's headings come under its entry. */
    if (annex && b->style.outline_level > 0)
        b->style.outline_level++;
    if (annex && !*annex && b->kind == YF_BLK_TITLE) {
        char **lines = g_strsplit(b->text, "\n", -1);
        *annex = g_strjoinv("", lines);
        g_strfreev(lines);
        g_array_append_val(B->titled, B->doc->blocks->len);
    }
    if (b->kind == YF_BLK_TITLE && !B->doc->title)
        B->doc->title = g_strdelimit(g_strdup(b->text), "\n", ' ');
    g_array_append_val(B->doc->blocks, *b);
    count_pages(B, at, b);
}

static void emit_block(binder *B, const yf_node *at, yf_block_kind kind, const char *style,
                       gboolean numbered, const char *raw, GArray *spans)
{
    yf_block b;
    if (make_text(B, at, kind, style, numbered, raw, spans, &b))
        append_block(B, at, &b);
}

/* ---- images ---------------------------------------------------------------------------------- */

/* An <image>'s file: src relative to the template file that names it, a slot's value relative to
 * the template's folder — inside the template collection either way, like includes, so that data
 * (a web form's, say) cannot have any other file of the machine drawn into a document. FALSE when
 * there is no image: a slot without a value (a draft, an optional seal), or an error. */
/* An image slot's value names a file that cannot be used: a data problem at the value. */
static void image_data_error(binder *B, const frame *f, const yf_node *n, const char *name,
                             const char *shown, const char *problem)
{
    found r = lookup(B, f, n->path);
    char *jpath = json_path(f, n->path);
    /* The line names the value rather than its path (the file is what the user chose). */
    yf_diag_at at = { .file = B->data ? yf_data_name(B->data) : "(无数据)", .path = jpath,
                      .slot = r.decl ? r.decl->name : n->path, .names_value = TRUE };
    yf_diag_put(B->diags, YF_ERROR, "data.image", &at,
                "图片“%s”（%s）%s（槽位「%s」，模板 %s:%d:%d <image name=\"%s\">）", name, shown,
                problem, n->path, n->file, n->line, n->col, n->path);
    g_free(jpath);
}

static gboolean make_image(binder *B, const frame *f, const yf_node *n, yf_block *out)
{
    found r = n->path ? lookup(B, f, n->path) : (found){ 0 };
    gboolean given = n->src || (r.node && !JSON_NODE_HOLDS_NULL(r.node)) ||
                     (r.decl && r.decl->fallback);
    char *name = !given ? NULL : n->src ? g_strdup(n->src) : value_text(B, f, n, n->path, NULL);
    if (!name || !*name) {
        g_free(name);
        return FALSE;
    }
    char *from = g_canonicalize_filename(n->src ? n->file : B->t->path, NULL);
    char *base = g_path_get_dirname(from);
    char *abs = g_canonicalize_filename(name, base);
    g_free(from);
    char *real = realpath(abs, NULL);
    const char *file = real ? real : abs;
    char *prefix = g_strconcat(B->root, G_DIR_SEPARATOR_S, NULL);
    const char *problem = !g_str_has_prefix(file, prefix) ? "不在模板目录中（图片要放在模板目录里）"
                        : !g_file_test(file, G_FILE_TEST_EXISTS) ? "找不到这个文件"
                        : !g_file_test(file, G_FILE_TEST_IS_REGULAR) ? "不是普通文件（管道、设备不能作为图片）"
                        : access(file, R_OK) != 0 ? "无法读取" : NULL;
    g_free(prefix);
    g_free(base);
    /* The file as the user would type it: relative to the current folder when below it. */
    char *cwd = g_get_current_dir(), *here = g_strconcat(cwd, G_DIR_SEPARATOR_S, NULL);
    const char *shown = g_str_has_prefix(file, here) ? file + strlen(here) : file;
    if (problem && n->src)
        N_ERR(B, "template.image", n, "<image src=\"%s\">：图片 %s %s", name, shown, problem);
    else if (problem)
        image_data_error(B, f, n, name, shown, problem);
    g_free(here);
    g_free(cwd);
    *out = (yf_block){ .kind = YF_BLK_IMAGE, .geom = n->geom, .text = name,
                       .file = g_intern_string(n->file), .line = n->line, .col = n->col };
    out->image = problem ? NULL : g_strdup(file);
    free(real);
    g_free(abs);
    if (problem)
        g_free(name);
    return problem == NULL;
}

/* "0.35mm": a length in millimetres, as a template writes it. */
static char *mm_text(double pt)
{
    char *s = g_strdup_printf("%.2f", pt / YF_MM);
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '0')
        s[--n] = '\0';
    if (n > 0 && s[n - 1] == '.')
        s[--n] = '\0';
    char *out = g_strconcat(s, "mm", NULL);
    g_free(s);
    return out;
}

/* "seal.png 42×42mm float": an image as yf_document_text shows it. */
static void image_text(GString *s, const yf_block *b)
{
    const yf_geom *g = &b->geom;
    char *w = mm_text(g->width), *h = mm_text(g->height);
    g_string_append(s, b->text);
    if (g->width > 0 && g->height > 0)
        g_string_append_printf(s, " %.*s×%s", (int)strlen(w) - 2, w, h);
    else if (g->width > 0)
        g_string_append_printf(s, " %s wide", w);
    else if (g->height > 0)
        g_string_append_printf(s, " %s high", h);
    if (g->floating)
        g_string_append(s, " float");
    g_free(w);
    g_free(h);
}

/* ---- composite blocks: rows, stacks, signatures, tables -------------------------------------- */

/* A part's text in its own style or `style` (its block's). An empty part is kept (an empty
 * table cell); FALSE only when evaluation stopped. */
static gboolean make_part(binder *B, const frame *f, const yf_node *n, const char *style,
                          yf_block *out)
{
    GString *raw = g_string_new(NULL);
    GArray *spans = g_array_new(FALSE, FALSE, sizeof(yf_span));
    eval_inline(B, f, n->children, raw, spans);
    const char *name = n->style ? n->style : style;
    gboolean made = !B->over && make_text(B, n, YF_BLK_PARA, name, FALSE, raw->str, spans, out);
    if (!made && !B->over)
        *out = (yf_block){ .kind = YF_BLK_PARA, .style = *style_named(B, name),
                           .text = g_strdup("") };
    g_array_free(spans, TRUE);
    g_string_free(raw, TRUE);
    if (B->over)
        return FALSE;
    out->part = n->part;
    out->geom = n->geom;
    out->file = g_intern_string(n->file);
    out->line = n->line;
    out->col = n->col;
    return TRUE;
}

typedef struct {
    const yf_node *block; /* the composite's node */
    const char *style;    /* its style's name, for its parts */
    GArray *parts;        /* of yf_block */
    int rows;             /* a table's rows so far */
    int columns;          /* a table's columns: its widths', or its first row's cells */
} collector;

static void collect_parts(binder *B, const frame *f, GPtrArray *nodes, collector *K);

static void parts_item(binder *B, const frame *inner, const yf_node *n, void *user)
{
    collect_parts(B, inner, n->children, user);
}

static void collect_part(binder *B, const frame *f, const yf_node *n, collector *K)
{
    if (!spend(B, n, 1))
        return;
    yf_block part;
    switch (n->kind) {
    case YF_N_PART:
        if (n->part == YF_PART_TR) {
            guint before = K->parts->len;
            collect_parts(B, f, n->children, K);
            int cells = (int)(K->parts->len - before);
            if (K->columns == 0 && cells > YF_MAX_COLUMNS && !B->over)
                N_ERR(B, "template.structure", n, "表格的这一行有 %d 个单元格，超过 %d 列的上限", cells,
                      YF_MAX_COLUMNS);
            else if (K->columns == 0)
                K->columns = cells;
            else if (cells != K->columns && !B->over)
                N_ERR(B, "template.structure", n, "表格的这一行有 %d 个单元格，而表格有 %d 列%s", cells, K->columns,
                      K->block->geom.columns ? "（widths）" : "（第一行）");
            K->rows++;
        } else if (make_part(B, f, n, n->part == YF_PART_TH ? YF_STYLE_TABLE_HEADER : K->style,
                             &part)) {
            g_array_append_val(K->parts, part);
        }
        break;
    case YF_N_BLOCK: /* a signature's seal */
        if (make_image(B, f, n, &part))
            g_array_append_val(K->parts, part);
        break;
    case YF_N_IF: {
        const yf_node *b = choose(B, f, n);
        if (b)
            collect_parts(B, f, b->children, K);
        break;
    }
    case YF_N_FOR:
        repeat(B, f, n, parts_item, K);
        break;
    default:
        break;
    }
}

static void collect_parts(binder *B, const frame *f, GPtrArray *nodes, collector *K)
{
    for (guint i = 0; i < nodes->len && !B->over; i++)
        collect_part(B, f, g_ptr_array_index(nodes, i), K);
}

/* The text yf_document_text shows for a composite block: its parts, " | " between them (a
 * stack's lines " / "); a table shows its rows itself. Empty when nothing would be printed. */
static char *composite_text(const yf_block *b)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; b->kind != YF_BLK_TABLE && i < b->parts->len; i++) {
        const yf_block *p = &g_array_index(b->parts, yf_block, i);
        if (p->kind != YF_BLK_IMAGE && !*p->text)
            continue;
        if (s->len)
            g_string_append(s, p->part == YF_PART_LINE ? " / " : " | ");
        if (p->kind == YF_BLK_IMAGE) {
            g_string_append(s, "image: ");
            image_text(s, p);
        } else {
            g_string_append(s, p->text);
        }
    }
    return g_string_free(s, FALSE);
}

static int count_part(const yf_block *b, yf_part part)
{
    int n = 0;
    for (guint i = 0; i < b->parts->len; i++)
        n += g_array_index(b->parts, yf_block, i).part == part;
    return n;
}

/* <row>, <stack>, <signature>, <table>: the block with its parts, or nothing when every part came
 * out empty (a table without rows). */
static void eval_composite(binder *B, const frame *f, const yf_node *n)
{
    const char *style = n->style ? n->style : yf_style_builtin_name(n->block);
    yf_block b = { .kind = n->block, .style = *style_named(B, style), .geom = n->geom };
    b.parts = g_array_new(FALSE, TRUE, sizeof(yf_block));
    g_array_set_clear_func(b.parts, block_clear);
    collector K = { n, style, b.parts, 0, n->geom.columns };
    collect_parts(B, f, n->children, &K);
    /* A table without widths: equal columns, as many as its first row has. */
    for (int c = b.geom.columns; c < K.columns && c < YF_MAX_COLUMNS; c++)
        b.geom.widths[c] = -1;
    if (n->block == YF_BLK_TABLE && b.geom.columns == 0)
        b.geom.columns = MIN(K.columns, YF_MAX_COLUMNS);
    /* A table's leading rows of <th> are its header, repeated on every page it goes on to. */
    int cols = b.geom.columns;
    for (int r = 0; n->block == YF_BLK_TABLE && cols > 0 && (guint)((r + 1) * cols) <= b.parts->len;
         r++) {
        int th = 0;
        for (int c = 0; c < cols; c++)
            th += g_array_index(b.parts, yf_block, r * cols + c).part == YF_PART_TH;
        if (th < cols)
            break;
        b.header_rows++;
    }
    if (n->block == YF_BLK_STACK && count_part(&b, YF_PART_SIDE) > 1)
        N_ERR(B, "template.structure", n, "<stack> 中只能有一个 <side>");
    b.text = composite_text(&b);
    gboolean empty = n->block == YF_BLK_TABLE ? K.rows == 0 || b.geom.columns == 0 : !*b.text;
    if (B->over || empty)
        block_clear(&b);
    else
        append_block(B, n, &b);
}

static void eval_blocks(binder *B, const frame *f, GPtrArray *nodes);

/* ---- attachments (GB/T 9704 §7.3.7, §7.3.4) ---------------------------------------------------- */

/* <attachment>: on a new page, "附件N" on the first line, then its blocks — its <title> on the
 * third line —, its headings numbered from 一、 again. The label's number is settled when every
 * attachment is known (just "附件" when there is only one). */
/* An attachment with nothing but its title — a form or a spreadsheet that travels as a file of
 * its own, or whose content the data does not hold — is named in the 附件说明 (§7.3.4), with its
 * number, and gets no page: a page bearing only "附件N" and a title would be printed empty. Its
 * label and title blocks, starting at block `at`, are taken back. */
static void listed_only(binder *B, guint at)
{
    g_array_set_size(B->doc->blocks, at); /* the array's clear function frees them */
    g_array_index(B->labels, guint, B->labels->len - 1) = G_MAXUINT;
    g_array_index(B->titled, guint, B->titled->len - 1) = G_MAXUINT;
}

static void eval_attachment(binder *B, const frame *f, const yf_node *n)
{
    g_ptr_array_add(B->annexes, NULL);
    int saved[4];
    memcpy(saved, B->heading, sizeof saved);
    memset(B->heading, 0, sizeof B->heading);
    B->page_break = TRUE;
    guint at = B->doc->blocks->len;
    char *label = g_strdup_printf("附件%u", B->annexes->len);
    emit_block(B, n, YF_BLK_PARA, YF_STYLE_ANNEX_LABEL, FALSE, label, NULL);
    g_free(label);
    if (B->doc->blocks->len > at)
        g_array_append_val(B->labels, at);
    B->attachment = (int)B->annexes->len;
    eval_blocks(B, f, n->children);
    B->attachment = 0;
    memcpy(B->heading, saved, sizeof saved);
    if (!B->over && !g_ptr_array_index(B->annexes, B->annexes->len - 1))
        N_ERR(B, "template.structure", n, "<attachment> 缺少 <title>（附件标题，附件说明中的名称与它一致）");
    else if (B->doc->blocks->len == at + 2 && B->labels->len && B->titled->len &&
             g_array_index(B->titled, guint, B->titled->len - 1) == at + 1)
        listed_only(B, at);
}

/* The 附件说明's line for attachment i of `count`: "附件：1.名称" (§7.3.4), "2.名称" under the
 * first's number, "附件：名称" when there is only one; wrapped lines align with the name. */
static void note_block(binder *B, guint i, guint count, yf_block *out)
{
    const char *title = g_ptr_array_index(B->annexes, i);
    char *number = count > 1 ? g_strdup_printf("%u.", i + 1) : g_strdup("");
    char *prefix = g_strconcat(i == 0 ? "附件：" : "", number, NULL);
    const char *style = B->note->style ? B->note->style : YF_STYLE_ANNEX_NOTE;
    *out = (yf_block){ .kind = YF_BLK_PARA, .style = *style_named(B, style) };
    out->text = g_strconcat(prefix, title, NULL);
    out->hang = (int)g_utf8_strlen(prefix, -1);
    out->place = B->note_place;
    out->group = B->note_group;
    if (i > 0) {
        /* Under the first's number: "附件：" is three characters. */
        out->style.space_before = 0;
        out->style.indent += 3;
        out->under = i == 1 ? 4 : 1;
    }
    g_free(prefix);
    g_free(number);
}

/* Settles the attachments' labels, gives each an entry "附件N　标题" in the PDF outline, and
 * puts the 附件说明 where <attachment-list/> stood. */
static void finish_attachments(binder *B)
{
    guint count = B->annexes->len;
    for (guint k = 0; count == 1 && k < B->labels->len; k++) {
        if (g_array_index(B->labels, guint, k) == G_MAXUINT)
            continue; /* named in the 附件说明 only */
        yf_block *label = &g_array_index(B->doc->blocks, yf_block, g_array_index(B->labels, guint, k));
        g_free(label->text);
        label->text = g_strdup("附件");
    }
    for (guint k = 0; B->labels->len == count && B->titled->len == count && k < count; k++) {
        if (g_array_index(B->labels, guint, k) == G_MAXUINT)
            continue;
        yf_block *label = &g_array_index(B->doc->blocks, yf_block, g_array_index(B->labels, guint, k));
        yf_block *title = &g_array_index(B->doc->blocks, yf_block, g_array_index(B->titled, guint, k));
        g_free(title->outline);
        title->outline = g_strconcat(label->text, "　", g_ptr_array_index(B->annexes, k), NULL);
        title->style.outline_level = 1;
    }
    for (guint i = 0; B->note && i < count; i++) {
        if (!g_ptr_array_index(B->annexes, i))
            return;
        yf_block b;
        note_block(B, i, count, &b);
        g_array_insert_val(B->doc->blocks, B->note_at + i, b);
        count_pages(B, B->note, &b);
    }
}

static void blocks_item(binder *B, const frame *inner, const yf_node *n, void *user)
{
    (void)user;
    eval_blocks(B, inner, n->children);
}

static void eval_block_node(binder *B, const frame *f, const yf_node *n)
{
    if (!spend(B, n, 1))
        return;
    switch (n->kind) {
    case YF_N_BLOCK: {
        yf_block b = { .kind = n->block, .geom = n->geom, .text = g_strdup("") };
        if (n->block == YF_BLK_RULE) {
            append_block(B, n, &b);
            break;
        }
        g_free(b.text);
        if (n->block == YF_BLK_IMAGE) {
            if (make_image(B, f, n, &b))
                append_block(B, n, &b);
            break;
        }
        if (!yf_block_is_text(n->block)) {
            eval_composite(B, f, n);
            break;
        }
        GString *raw = g_string_new(NULL);
        GArray *spans = g_array_new(FALSE, FALSE, sizeof(yf_span));
        eval_inline(B, f, n->children, raw, spans);
        /* An attachment's title on its third line (GB/T 9704 §7.3.7). */
        const char *style = n->style ? n->style
                          : B->attachment && n->block == YF_BLK_TITLE ? YF_STYLE_ANNEX_TITLE
                                                                      : NULL;
        if (!B->over)
            emit_block(B, n, n->block, style, n->numbered, raw->str, spans);
        g_array_free(spans, TRUE);
        g_string_free(raw, TRUE);
        break;
    }
    case YF_N_PARAS: {
        found r = lookup(B, f, n->path);
        if (r.node && JSON_NODE_HOLDS_ARRAY(r.node)) {
            JsonArray *a = json_node_get_array(r.node);
            for (guint i = 0; i < json_array_get_length(a) && spend(B, n, 1); i++) {
                JsonNode *p = json_array_get_element(a, i);
                if (JSON_NODE_HOLDS_VALUE(p) && json_node_get_value_type(p) == G_TYPE_STRING)
                    emit_block(B, n, YF_BLK_PARA, n->style, FALSE, json_node_get_string(p), NULL);
            }
        } else if (draft(B)) {
            emit_block(B, n, YF_BLK_PARA, n->style, FALSE, "X", NULL);
        }
        break;
    }
    case YF_N_IF: {
        const yf_node *b = choose(B, f, n);
        if (b)
            eval_blocks(B, f, b->children);
        break;
    }
    case YF_N_FOR:
        repeat(B, f, n, blocks_item, NULL);
        break;
    case YF_N_GROUP:
        /* Groups do not nest (template.c): the flow resumes after one. */
        B->place = n->place;
        B->group = ++B->groups;
        B->offset = n->geom.offset;
        B->even_page = n->geom.even_page;
        eval_blocks(B, f, n->children);
        B->place = YF_PLACE_FLOW;
        B->group = 0;
        break;
    case YF_N_PAGEBREAK:
        B->page_break = TRUE;
        break;
    case YF_N_ATTACHMENT:
        eval_attachment(B, f, n);
        break;
    case YF_N_ATTACHMENT_LIST:
        if (B->note)
            N_ERR(B, "template.structure", n, "<attachment-list/> 只能用一次（附件说明已在 %s:%d 生成）",
                  B->note->file,
                  B->note->line);
        B->note = n;
        B->note_at = B->doc->blocks->len;
        B->note_place = B->place;
        B->note_group = B->group;
        break;
    default:
        break;
    }
}

static void eval_blocks(binder *B, const frame *f, GPtrArray *nodes)
{
    for (guint i = 0; i < nodes->len && !B->over; i++)
        eval_block_node(B, f, g_ptr_array_index(nodes, i));
}

yf_document *yf_document_bind(const yf_template *t, const yf_data *data, int flags,
                              yf_diags *diags)
{
    YF_OWN_DIAGS(diags, yf_document *, yf_document_bind(t, data, flags, own_diags));
    YF_REQUIRE(diags, t, NULL);
    binder B = { .t = t, .data = data, .flags = flags, .diags = diags };
    size_t errors_before = yf_diags_errors(diags);

    B.values = data ? conform_object(t->slots, yf_data_root(data)) : NULL;
    check_slots(&B, t->slots, B.values, "$");
    if (data)
        warn_unused(&B);
    if (yf_diags_errors(diags) > errors_before) {
        if (B.values)
            json_node_unref(B.values);
        return NULL;
    }

    yf_document *doc = g_new0(yf_document, 1);
    B.doc = doc;
    doc->page = t->page;
    doc->blocks = g_array_new(FALSE, TRUE, sizeof(yf_block));
    doc->strings = g_string_chunk_new(256);
    g_array_set_clear_func(doc->blocks, block_clear);
    /* The collection: the folder that holds the template's folder (as for includes). */
    char *abs = g_canonicalize_filename(t->path, NULL);
    char *dir = g_path_get_dirname(abs);
    char *up = g_path_get_dirname(dir);
    char *real = realpath(up, NULL);
    B.root = g_strdup(real ? real : up);
    free(real);
    g_free(up);
    g_free(dir);
    g_free(abs);
    B.annexes = g_ptr_array_new_with_free_func(g_free);
    B.labels = g_array_new(FALSE, FALSE, sizeof(guint));
    B.titled = g_array_new(FALSE, FALSE, sizeof(guint));
    eval_blocks(&B, NULL, t->body);
    if (!B.over)
        finish_attachments(&B);
    g_ptr_array_free(B.annexes, TRUE);
    g_array_free(B.labels, TRUE);
    g_array_free(B.titled, TRUE);
    g_free(B.root);
    if (B.values)
        json_node_unref(B.values);
    /* A missing image or a table row of the wrong width stops here, after all are reported. */
    if (B.over || yf_diags_errors(diags) > errors_before) {
        yf_document_free(doc);
        return NULL;
    }

    /* One blank line between the title group (title, subtitle) and what follows. */
    for (guint i = 0; i + 1 < doc->blocks->len; i++) {
        yf_block *b = &g_array_index(doc->blocks, yf_block, i);
        yf_block_kind next = g_array_index(doc->blocks, yf_block, i + 1).kind;
        if ((b->kind == YF_BLK_TITLE || b->kind == YF_BLK_SUBTITLE) && next != YF_BLK_TITLE &&
            next != YF_BLK_SUBTITLE)
            b->style.space_after = MAX(b->style.space_after, 1);
    }
    doc->author = g_strdup(t->author ? t->author : "");
    if (!doc->title)
        doc->title = g_strdup(t->name);
    return doc;
}

static void append_escaped(GString *s, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (*p == '\n')
            g_string_append(s, "\\n");
        else
            g_string_append_c(s, *p);
    }
}

/* A double rule's second stroke, "+0.35mm", and a length, " 170mm long". */
static void rule_shape_text(GString *s, const yf_geom *g)
{
    if (g->thickness2 > 0) {
        char *t = mm_text(g->thickness2);
        g_string_append_printf(s, "+%s", t);
        g_free(t);
    }
    if (g->length > 0) {
        char *t = mm_text(g->length);
        g_string_append_printf(s, " %s long", t);
        g_free(t);
    }
}

/* Where a rule is: " 20mm above the bottom of the page", " centred on the page", ", 4.94mm above
 * the next line". */
static void rule_place_text(GString *s, const yf_geom *g)
{
    if (g->bottom >= 0) {
        char *t = mm_text(g->bottom);
        g_string_append_printf(s, " %s above the bottom of the %s", t,
                               g->from_page ? "page" : "type area");
        g_free(t);
    } else if (g->from_page) {
        g_string_append(s, " centred on the page");
    }
    if (g->space_after >= 0) {
        char *t = mm_text(g->space_after);
        g_string_append_printf(s, ", %s above the next line", t);
        g_free(t);
    }
}

/* A rule as "0.35mm red", "0.5mm #C00000 4mm below", "1mm+0.35mm 170mm long red 4mm below
 * centred on the page". */
static void rule_text(GString *s, const yf_block *b)
{
    char *t = mm_text(b->geom.thickness);
    uint32_t c = b->geom.color;
    g_string_append(s, t);
    rule_shape_text(s, &b->geom);
    if (c == 0xFF0000)
        g_string_append(s, " red");
    else if (c == 0)
        g_string_append(s, " black");
    else
        g_string_append_printf(s, " #%06X", c);
    if (b->geom.space >= 0) {
        char *space = mm_text(b->geom.space);
        g_string_append_printf(s, " %s below", space);
        g_free(space);
    }
    rule_place_text(s, &b->geom);
    g_free(t);
}

/* A table as "3×4" (columns × rows), then a line per row: "th: …" for the header, "tr: …". */
static void table_text(GString *s, const yf_block *b, const char *indent)
{
    int cols = b->geom.columns, rows = (int)b->parts->len / cols;
    g_string_append_printf(s, "%d×%d", cols, rows);
    for (int r = 0; r < rows; r++) {
        g_string_append_printf(s, "\n%s  %s: ", indent, r < b->header_rows ? "th" : "tr");
        for (int c = 0; c < cols; c++) {
            const yf_block *cell = &g_array_index(b->parts, yf_block, r * cols + c);
            if (c)
                g_string_append(s, " | ");
            append_escaped(s, cell->text);
        }
    }
}

char *yf_document_text(const yf_document *doc)
{
    static const char *names[YF_BLK_COUNT] = { "title", "subtitle", "salutation", "p", "h1", "h2",
                                               "h3", "h4", "rule", "row", "stack", "signature",
                                               "image", "table" };
    if (!doc)
        return NULL;
    GString *s = g_string_new(NULL);
    int group = 0;
    for (guint i = 0; i < doc->blocks->len; i++) {
        const yf_block *b = &g_array_index(doc->blocks, yf_block, i);
        if (b->new_page)
            g_string_append(s, "pagebreak\n");
        if (b->group != group && b->group) {
            char *offset = mm_text(b->geom.offset);
            g_string_append_printf(s, b->place == YF_PLACE_TOP ? "top %s:\n" : "end:\n", offset);
            g_free(offset);
        }
        group = b->group;
        const char *indent = group ? "  " : "";
        g_string_append_printf(s, "%s%s: ", indent, names[b->kind]);
        if (b->kind == YF_BLK_RULE)
            rule_text(s, b);
        else if (b->kind == YF_BLK_IMAGE)
            image_text(s, b);
        else if (b->kind == YF_BLK_TABLE)
            table_text(s, b, indent);
        else
            append_escaped(s, b->text);
        g_string_append_c(s, '\n');
    }
    return g_string_free(s, FALSE);
}

void yf_document_free(yf_document *doc)
{
    if (!doc)
        return;
    g_array_free(doc->blocks, TRUE);
    if (doc->strings)
        g_string_chunk_free(doc->strings);
    g_free(doc->title);
    g_free(doc->author);
    g_free(doc);
}

/* ---- places for layout messages -------------------------------------------------------------- */

static const yf_span *source_in(const yf_block *b, int start, int end)
{
    for (guint i = 0; b->spans && i < b->spans->len; i++) {
        const yf_span *sp = &g_array_index(b->spans, yf_span, i);
        if (sp->path && (end <= start || (sp->start < end && sp->end > start)))
            return sp;
    }
    for (guint i = 0; end <= start && b->parts && i < b->parts->len; i++) {
        const yf_span *sp = source_in(&g_array_index(b->parts, yf_block, i), 0, 0);
        if (sp)
            return sp;
    }
    return NULL;
}

yf_diag_at yf_block_at(const yf_block *b, int start, int end)
{
    yf_diag_at at = { 0 };
    if (!b)
        return at;
    at = (yf_diag_at){ .file = b->file, .line = b->line, .col = b->col };
    const yf_span *sp = source_in(b, start, end);
    if (sp) {
        at.slot = sp->slot;
        at.path = sp->path;
    }
    return at;
}
