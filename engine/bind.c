/* Bind stage: template + data -> document.
 *
 * In: a template model and (optionally) data. Out: a yf_document — blocks of plain, normalized
 * text, each with its style (face role, size, alignment, indent, grid, spacing). Slot values are
 * looked up, type-checked and formatted; headings get their automatic numbers (一、 and （一）).
 * Every data problem is reported with the JSON path, the slot and the template line that needs
 * it; the stage fails only after it has looked at every slot. */
#include "internal.h"
#include "format.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

/* ---- styles ---------------------------------------------------------------------------------- */

const yf_style *yf_default_style(yf_block_kind kind, const yf_page *page)
{
    /* GB/T 9704 §7.3: title 二号小标宋 centred; body 三号仿宋, first line indented two
     * characters; level-1 headings 黑体, level-2 楷体. Speech convention: subtitle 三号楷体
     * centred, salutation flush left. */
    static yf_style styles[YF_BLK_COUNT];
    const double b = page->body_size;
    const yf_style body = { .role = YF_ROLE_FANGSONG, .size = b, .align = YF_ALIGN_JUSTIFY,
                            .indent = 2, .grid = TRUE };
    styles[YF_BLK_TITLE] = (yf_style){ .role = YF_ROLE_XIAOBIAOSONG, .size = 22,
                                       .align = YF_ALIGN_CENTER, .keep_with_next = TRUE };
    styles[YF_BLK_SUBTITLE] = (yf_style){ .role = YF_ROLE_KAITI, .size = b,
                                          .align = YF_ALIGN_CENTER, .keep_with_next = TRUE };
    styles[YF_BLK_SALUTATION] = body;
    styles[YF_BLK_SALUTATION].align = YF_ALIGN_LEFT;
    styles[YF_BLK_SALUTATION].indent = 0;
    styles[YF_BLK_PARA] = body;
    styles[YF_BLK_H1] = body;
    styles[YF_BLK_H1].role = YF_ROLE_HEITI;
    styles[YF_BLK_H1].outline_level = 1;
    styles[YF_BLK_H1].keep_with_next = TRUE;
    styles[YF_BLK_H2] = styles[YF_BLK_H1];
    styles[YF_BLK_H2].role = YF_ROLE_KAITI;
    styles[YF_BLK_H2].outline_level = 2;
    return &styles[kind];
}

/* ---- values ---------------------------------------------------------------------------------- */

typedef struct {
    const yf_template *t;
    const yf_data *data;
    int flags;
    yf_diags *diags;
    GHashTable *reported; /* slot names already reported, so a slot used 7 times errs once */
} binder;

static void data_error(binder *B, const yf_slot *s, const yf_inline *use, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

static void data_error(binder *B, const yf_slot *s, const yf_inline *use, const char *fmt, ...)
{
    if (g_hash_table_contains(B->reported, s->name))
        return;
    g_hash_table_add(B->reported, g_strdup(s->name));
    va_list ap;
    va_start(ap, fmt);
    char *what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    const char *file = B->data ? yf_data_name(B->data) : "(无数据)";
    yf_error_at(B->diags, file, 0, 0, "$.%s: %s（槽位「%s」，%s，模板 %s:%d:%d 使用）", s->name,
                what, s->name, yf_slot_type_name(s->type), B->t->path, use->line, use->col);
    g_free(what);
}

/* The JSON value as text, or NULL for a value a slot cannot print (object, array). */
static char *scalar_text(JsonNode *n)
{
    if (!JSON_NODE_HOLDS_VALUE(n))
        return NULL;
    switch (json_node_get_value_type(n) == G_TYPE_STRING ? 0
            : json_node_get_value_type(n) == G_TYPE_INT64 ? 1
            : json_node_get_value_type(n) == G_TYPE_DOUBLE ? 2 : 3) {
    case 0: return g_strdup(json_node_get_string(n));
    case 1: return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(n));
    case 2: return yf_format_number(json_node_get_double(n));
    default: return NULL;
    }
}

/* Text for one slot occurrence, or NULL after reporting why not. */
static char *slot_value(binder *B, const yf_slot *s, const yf_inline *use)
{
    JsonNode *n = yf_data_lookup(B->data, s->name);
    if (!n || JSON_NODE_HOLDS_NULL(n)) {
        if (s->fallback)
            return g_strdup(s->fallback);
        if (B->flags & YF_BIND_DRAFT)
            return g_strdup("X");
        if (!s->required)
            return g_strdup("");
        data_error(B, s, use, "缺少必填值");
        return NULL;
    }
    if (JSON_NODE_HOLDS_OBJECT(n) || JSON_NODE_HOLDS_ARRAY(n)) {
        data_error(B, s, use, "应为%s，却是%s", s->type == YF_SLOT_TEXT ? "文字" : "单个值",
                   JSON_NODE_HOLDS_OBJECT(n) ? "对象 {…}" : "列表 […]");
        return NULL;
    }
    if (json_node_get_value_type(n) == G_TYPE_BOOLEAN) {
        data_error(B, s, use, "应为%s，却是 true/false",
                   s->type == YF_SLOT_TEXT ? "文字" : "数字");
        return NULL;
    }
    char *text = g_strstrip(scalar_text(n));
    gboolean is_string = json_node_get_value_type(n) == G_TYPE_STRING;
    switch (s->type) {
    case YF_SLOT_TEXT:
        if (!is_string) /* a number given for text is printed as written */
            return text;
        if (!*text && s->required && !(B->flags & YF_BIND_DRAFT)) {
            data_error(B, s, use, "缺少必填值（空字符串）");
            g_free(text);
            return NULL;
        }
        if (!*text && (B->flags & YF_BIND_DRAFT)) {
            g_free(text);
            return g_strdup("X");
        }
        return text;
    case YF_SLOT_INTEGER:
    case YF_SLOT_NUMBER: {
        char *end = NULL;
        double x = g_ascii_strtod(text, &end);
        if (!*text || *end != '\0' || !isfinite(x)) {
            data_error(B, s, use, "应为数字，却是“%s”", text);
            g_free(text);
            return NULL;
        }
        if (s->type == YF_SLOT_INTEGER && (x != floor(x) || fabs(x) > 9.007199254740992e15)) {
            data_error(B, s, use, "应为整数，却是 %s", text);
            g_free(text);
            return NULL;
        }
        g_free(text);
        return yf_format_number(x);
    }
    case YF_SLOT_DATE: {
        int y, m, d;
        if (!is_string || !yf_parse_date(text, &y, &m, &d)) {
            data_error(B, s, use, "应为日期（如 2026-01-05），却是“%s”", text);
            g_free(text);
            return NULL;
        }
        g_free(text);
        return yf_format_date(y, m, d);
    }
    }
    g_free(text);
    return NULL;
}

/* ---- text normalization ---------------------------------------------------------------------- */

static gboolean is_wide(gunichar c)
{
    return g_unichar_iswide(c) || (c >= 0x2018 && c <= 0x201F) || c == 0x2014 || c == 0x2026 ||
           c == 0x00B7;
}

/* Template text is written in an editor: line breaks and indentation are not content. A run of
 * ASCII white space is dropped when it holds a line break or touches a wide (CJK) character —
 * the composer puts its own quarter-em between Han and Latin — and becomes one space otherwise. '\n' from <br/> is kept, with the white space
 * around it dropped. U+3000 (ideographic space) is content and kept. */
static char *normalize(const char *s)
{
    GString *out = g_string_new(NULL);
    const char *p = s;
    while (*p) {
        if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\v') {
            gboolean newline = FALSE;
            const char *q = p;
            while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n' || *q == '\v') {
                newline |= *q == '\n' || *q == '\r';
                q++;
            }
            gunichar before = out->len ? g_utf8_get_char(g_utf8_prev_char(out->str + out->len)) : 0;
            gunichar after = *q ? g_utf8_get_char(q) : 0;
            gboolean edge = !before || !after || before == 0x2028 || after == 0x2028;
            if (!newline && !edge && !is_wide(before) && !is_wide(after))
                g_string_append_c(out, ' ');
            p = q;
            continue;
        }
        g_string_append_c(out, *p);
        p++;
    }
    /* U+2028 marks a <br/> while normalizing; it becomes '\n' now. */
    char *res = g_string_free(out, FALSE);
    GString *fin = g_string_new(NULL);
    for (const char *r = res; *r; r = g_utf8_next_char(r)) {
        gunichar c = g_utf8_get_char(r);
        if (c == 0x2028)
            g_string_append_c(fin, '\n');
        else
            g_string_append_unichar(fin, c);
    }
    g_free(res);
    return g_string_free(fin, FALSE);
}

/* ---- blocks ---------------------------------------------------------------------------------- */

static void block_clear(gpointer p)
{
    yf_block *b = p;
    g_free(b->text);
    g_free(b->outline);
    if (b->spans)
        g_array_free(b->spans, TRUE);
}

static char *heading_number(yf_block_kind kind, int n)
{
    char *num = yf_format_chinese_numeral(n);
    char *s = kind == YF_BLK_H1 ? g_strconcat(num, "、", NULL) : g_strconcat("（", num, "）", NULL);
    g_free(num);
    return s;
}

/* Data members no slot reads are usually a typo in a key: warn, naming them. */
static void warn_unused(binder *B)
{
    GPtrArray *leaves = yf_data_leaf_paths(B->data);
    for (guint i = 0; i < leaves->len; i++) {
        const char *path = g_ptr_array_index(leaves, i);
        gboolean used = FALSE;
        for (guint k = 0; k < B->t->slots->len && !used; k++) {
            const char *name = g_array_index(B->t->slots, yf_slot, k).name;
            used = strcmp(name, path) == 0;
        }
        if (!used)
            yf_warn_at(B->diags, yf_data_name(B->data), 0, 0, "$.%s: 模板中没有这个槽位，数据未被使用",
                       path);
    }
    g_ptr_array_free(leaves, TRUE);
}

yf_document *yf_document_bind(const yf_template *t, const yf_data *data, int flags,
                              yf_diags *diags)
{
    binder B = { t, data, flags, diags, g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL) };
    size_t errors_before = yf_diags_errors(diags);

    yf_document *doc = g_new0(yf_document, 1);
    doc->page = t->page;
    doc->blocks = g_array_new(FALSE, TRUE, sizeof(yf_block));
    g_array_set_clear_func(doc->blocks, block_clear);

    int h1 = 0, h2 = 0;
    for (guint i = 0; i < t->blocks->len; i++) {
        const yf_tblock *tb = &g_array_index(t->blocks, yf_tblock, i);
        GString *raw = g_string_new(NULL);
        for (guint k = 0; k < tb->inlines->len; k++) {
            const yf_inline *in = &g_array_index(tb->inlines, yf_inline, k);
            if (in->kind == YF_INL_TEXT) {
                g_string_append(raw, in->text);
            } else if (in->kind == YF_INL_BREAK) {
                g_string_append_unichar(raw, 0x2028);
            } else {
                char *v = slot_value(&B, &g_array_index(t->slots, yf_slot, in->slot), in);
                if (v)
                    g_string_append(raw, v);
                g_free(v);
            }
        }
        yf_block b = { .kind = tb->kind, .style = *yf_default_style(tb->kind, &t->page) };
        char *body = normalize(raw->str);
        g_string_free(raw, TRUE);
        if (tb->kind == YF_BLK_H1 || tb->kind == YF_BLK_H2) {
            int n = tb->kind == YF_BLK_H1 ? (h2 = 0, ++h1) : ++h2;
            char *num = tb->numbered ? heading_number(tb->kind, n) : g_strdup("");
            b.text = g_strconcat(num, body, NULL);
            b.outline = g_strdup(b.text);
            g_free(num);
            g_free(body);
        } else {
            b.text = body;
        }
        if (tb->kind == YF_BLK_TITLE && !doc->title)
            doc->title = g_strdelimit(g_strdup(b.text), "\n", ' ');
        g_array_append_val(doc->blocks, b);
    }

    /* One blank line between the title group (title, subtitle) and what follows. */
    for (guint i = 0; i + 1 < doc->blocks->len; i++) {
        yf_block *b = &g_array_index(doc->blocks, yf_block, i);
        yf_block_kind next = g_array_index(doc->blocks, yf_block, i + 1).kind;
        if ((b->kind == YF_BLK_TITLE || b->kind == YF_BLK_SUBTITLE) && next != YF_BLK_TITLE &&
            next != YF_BLK_SUBTITLE)
            b->style.space_after = 1;
    }

    if (data)
        warn_unused(&B);
    g_hash_table_destroy(B.reported);
    doc->author = g_strdup(t->author ? t->author : "");
    if (!doc->title)
        doc->title = g_strdup(t->name);
    if (yf_diags_errors(diags) > errors_before) {
        yf_document_free(doc);
        return NULL;
    }
    return doc;
}

void yf_document_free(yf_document *doc)
{
    if (!doc)
        return;
    g_array_free(doc->blocks, TRUE);
    g_free(doc->title);
    g_free(doc->author);
    g_free(doc);
}
