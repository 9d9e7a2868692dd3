/* Template stage: template XML -> template model.
 *
 * In: a template file (the language is described in docs/template-language.md). Out: a
 * yf_template with the page setup, the slot declarations and the body as blocks of inline pieces
 * (text, slot references, line breaks). Every problem found is reported with file:line:column;
 * parsing goes on after an error so one run shows them all.
 *
 * Safety: libxml2 is asked for no network access and no external entities or DTDs; a template
 * with a DOCTYPE or an entity reference is refused outright. */
#include "internal.h"

#include <libxml/parser.h>
#include <string.h>

#define YF_TEMPLATE_MAX_BYTES (8 * 1024 * 1024)

typedef struct {
    yf_template *t;
    yf_diags *diags;
    const char *buf;     /* the file's bytes, for columns */
    size_t len;
    GHashTable *slot_index; /* name -> index + 1 */
    GHashTable *slot_used;  /* name -> 1 */
} loader;

/* ---- positions ----------------------------------------------------------------------------- */

/* The element before `n` in document order, or NULL. */
static xmlNodePtr prev_in_order(xmlNodePtr n)
{
    if (n->prev) {
        n = n->prev;
        while (n->last)
            n = n->last;
        return n;
    }
    return n->parent && n->parent->type == XML_ELEMENT_NODE ? n->parent : NULL;
}

/* libxml2 records lines but not columns. The column of an element is found in the source line:
 * the k-th "<name" on that line, k counting the same-named elements before it on the line. */
static void node_pos(loader *L, xmlNodePtr n, int *line, int *col)
{
    while (n && n->type != XML_ELEMENT_NODE)
        n = n->parent;
    *line = n ? (int)xmlGetLineNo(n) : 0;
    *col = 0;
    if (!n || *line <= 0)
        return;
    int k = 0;
    for (xmlNodePtr p = prev_in_order(n); p; p = prev_in_order(p))
        if (p->type == XML_ELEMENT_NODE && xmlGetLineNo(p) == *line &&
            xmlStrEqual(p->name, n->name))
            k++;
    const char *s = L->buf, *end = L->buf + L->len;
    for (int l = 1; l < *line && s < end; s++)
        if (*s == '\n')
            l++;
    const char *eol = memchr(s, '\n', (size_t)(end - s));
    if (!eol)
        eol = end;
    size_t nlen = strlen((const char *)n->name);
    for (const char *p = s; p + nlen < eol; p++) {
        if (*p == '<' && memcmp(p + 1, n->name, nlen) == 0 &&
            (p + 1 + nlen == eol || strchr(" \t\r/>", p[1 + nlen])) && k-- == 0) {
            *col = (int)g_utf8_strlen(s, p - s) + 1;
            return;
        }
    }
}

#define T_ERR(L, n, ...)                                   \
    do {                                                   \
        int l_, c_;                                        \
        node_pos(L, n, &l_, &c_);                          \
        yf_error_at((L)->diags, (L)->t->path, l_, c_, __VA_ARGS__); \
    } while (0)

/* ---- small helpers --------------------------------------------------------------------------- */

static gboolean is_el(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static char *attr(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = g_strdup((const char *)v);
    xmlFree(v);
    return s;
}

/* Refuses attributes the element does not define; `allowed` is NULL-terminated. */
static void check_attrs(loader *L, xmlNodePtr n, const char *const *allowed)
{
    for (xmlAttrPtr a = n->properties; a; a = a->next) {
        gboolean ok = FALSE;
        for (int i = 0; allowed[i]; i++)
            if (strcmp((const char *)a->name, allowed[i]) == 0)
                ok = TRUE;
        if (!ok) {
            char *list = g_strjoinv("、", (char **)allowed);
            T_ERR(L, n, "<%s> 没有属性 %s（可用：%s）", n->name, a->name,
                  allowed[0] ? list : "无");
            g_free(list);
        }
    }
}

static char *text_content(xmlNodePtr n)
{
    xmlChar *v = xmlNodeGetContent(n);
    char *s = g_strdup(v ? (const char *)v : "");
    xmlFree(v);
    return g_strstrip(s);
}

static gboolean is_blank(const xmlChar *s)
{
    for (; s && *s; s++)
        if (!g_ascii_isspace(*s))
            return FALSE;
    return TRUE;
}

/* Children that are neither elements nor blank text are errors in element-only content. */
static void check_element_only(loader *L, xmlNodePtr parent)
{
    for (xmlNodePtr c = parent->children; c; c = c->next) {
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
            !is_blank(c->content))
            T_ERR(L, parent, "<%s> 中不能直接写文字；段落文字请放在 <p>、<h1> 等元素中",
                  parent->name);
        else if (c->type == XML_ENTITY_REF_NODE)
            T_ERR(L, parent, "不允许实体引用 &%s;", c->name);
    }
}

/* ---- <page> ---------------------------------------------------------------------------------- */

void yf_page_gbt9704(yf_page *p)
{
    /* GB/T 9704-2012 §5.2: A4, 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm, 22 lines × 28 chars,
     * body 三号 (16 pt); §7.5: page number 四号, dashes 7 mm below the type area, one char in. */
    p->width = 210 * YF_MM;
    p->height = 297 * YF_MM;
    p->top = 37 * YF_MM;
    p->left = 28 * YF_MM;
    p->text_width = 156 * YF_MM;
    p->text_height = 225 * YF_MM;
    p->chars_per_line = 28;
    p->lines_per_page = 22;
    p->body_size = 16;
    p->page_numbers = TRUE;
    p->page_number_size = 14;
    p->page_number_drop = 7 * YF_MM;
    p->page_number_inset = 1;
}

static void parse_int_attr(loader *L, xmlNodePtr n, const char *name, int lo, int hi, int *out)
{
    char *v = attr(n, name);
    if (!v)
        return;
    char *end;
    long x = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || x < lo || x > hi)
        T_ERR(L, n, "<%s %s=\"%s\">：应为 %d 到 %d 之间的整数", n->name, name, v, lo, hi);
    else
        *out = (int)x;
    g_free(v);
}

static void parse_page(loader *L, xmlNodePtr n)
{
    static const char *const allowed[] = { "preset", "chars", "lines", "page-numbers", NULL };
    check_attrs(L, n, allowed);
    char *preset = attr(n, "preset");
    if (preset && strcmp(preset, "gbt9704") != 0)
        T_ERR(L, n, "<page preset=\"%s\">：未知的版式（可用：gbt9704）", preset);
    g_free(preset);
    /* GB/T 9704 §5.2.2 allows the grid to be adjusted ("可作适当调整"). */
    parse_int_attr(L, n, "chars", 20, 40, &L->t->page.chars_per_line);
    parse_int_attr(L, n, "lines", 15, 30, &L->t->page.lines_per_page);
    char *pn = attr(n, "page-numbers");
    if (pn) {
        if (strcmp(pn, "yes") == 0)
            L->t->page.page_numbers = TRUE;
        else if (strcmp(pn, "no") == 0)
            L->t->page.page_numbers = FALSE;
        else
            T_ERR(L, n, "<page page-numbers=\"%s\">：应为 yes 或 no", pn);
        g_free(pn);
    }
    check_element_only(L, n);
}

/* ---- <info> ---------------------------------------------------------------------------------- */

static void parse_info(loader *L, xmlNodePtr n)
{
    static const char *const none[] = { NULL };
    check_attrs(L, n, none);
    check_element_only(L, n);
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        char **dst = is_el(c, "name") ? &L->t->name
                   : is_el(c, "description") ? &L->t->description
                   : is_el(c, "author") ? &L->t->author : NULL;
        if (!dst) {
            T_ERR(L, c, "<info> 中未知元素 <%s>（可用：name、description、author）", c->name);
            continue;
        }
        check_attrs(L, c, none);
        g_free(*dst);
        *dst = text_content(c);
    }
}

/* ---- <slots> --------------------------------------------------------------------------------- */

const char *yf_slot_type_name(yf_slot_type t)
{
    static const char *names[] = { "text", "integer", "number", "date" };
    return names[t];
}

static gboolean parse_slot_type(const char *s, yf_slot_type *out)
{
    for (int i = YF_SLOT_TEXT; i <= YF_SLOT_DATE; i++)
        if (strcmp(s, yf_slot_type_name(i)) == 0) {
            *out = i;
            return TRUE;
        }
    return FALSE;
}

/* A slot name is a dotted path of non-empty keys without spaces or brackets. */
static gboolean valid_slot_name(const char *s)
{
    if (!*s || *s == '.' || g_str_has_suffix(s, ".") || strstr(s, ".."))
        return FALSE;
    if (!g_utf8_validate(s, -1, NULL))
        return FALSE;
    for (const char *p = s; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (g_unichar_isspace(c) || g_unichar_iscntrl(c) || (c < 0x80 && strchr("[]{}\"'$", (int)c)))
            return FALSE;
    }
    return TRUE;
}

static void slot_clear(gpointer p)
{
    yf_slot *s = p;
    g_free(s->name);
    g_free(s->label);
    g_free(s->help);
    g_free(s->example);
    g_free(s->fallback);
}

static void parse_slots(loader *L, xmlNodePtr n)
{
    static const char *const none[] = { NULL };
    static const char *const allowed[] = { "name", "type", "label", "help", "example",
                                           "required", "default", NULL };
    check_attrs(L, n, none);
    check_element_only(L, n);
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!is_el(c, "slot")) {
            T_ERR(L, c, "<slots> 中只能有 <slot>，而不是 <%s>", c->name);
            continue;
        }
        check_attrs(L, c, allowed);
        yf_slot s = { 0 };
        node_pos(L, c, &s.line, &s.col);
        s.name = attr(c, "name");
        s.label = attr(c, "label");
        s.help = attr(c, "help");
        s.example = attr(c, "example");
        s.fallback = attr(c, "default");
        s.required = s.fallback == NULL;
        char *type = attr(c, "type");
        char *req = attr(c, "required");
        gboolean ok = TRUE;
        if (!s.name) {
            T_ERR(L, c, "<slot> 缺少 name 属性");
            ok = FALSE;
        } else if (!valid_slot_name(s.name)) {
            T_ERR(L, c, "槽位名「%s」无效：用“.”分隔的名称，不含空白和括号", s.name);
            ok = FALSE;
        } else if (g_hash_table_contains(L->slot_index, s.name)) {
            T_ERR(L, c, "槽位「%s」重复声明", s.name);
            ok = FALSE;
        }
        if (type && !parse_slot_type(type, &s.type)) {
            T_ERR(L, c, "槽位「%s」的类型 \"%s\" 未知（可用：text、integer、number、date）",
                  s.name ? s.name : "?", type);
            ok = FALSE;
        }
        if (req) {
            if (strcmp(req, "yes") == 0)
                s.required = TRUE;
            else if (strcmp(req, "no") == 0)
                s.required = FALSE;
            else {
                T_ERR(L, c, "<slot required=\"%s\">：应为 yes 或 no", req);
                ok = FALSE;
            }
        }
        if (!s.example && ok) {
            T_ERR(L, c, "槽位「%s」缺少 example 属性（示例值用于 slots 骨架和表单）", s.name);
            ok = FALSE;
        }
        g_free(type);
        g_free(req);
        if (!ok) {
            slot_clear(&s);
            continue;
        }
        g_array_append_val(L->t->slots, s);
        g_hash_table_insert(L->slot_index, g_strdup(s.name), GINT_TO_POINTER(L->t->slots->len));
    }
}

/* ---- <body> ---------------------------------------------------------------------------------- */

static void inline_clear(gpointer p)
{
    g_free(((yf_inline *)p)->text);
}

static void parse_inlines(loader *L, xmlNodePtr n, yf_tblock *b)
{
    static const char *const none[] = { NULL };
    static const char *const v_attrs[] = { "name", NULL };
    for (xmlNodePtr c = n->children; c; c = c->next) {
        yf_inline in = { 0 };
        node_pos(L, c->type == XML_ELEMENT_NODE ? c : n, &in.line, &in.col);
        if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            in.kind = YF_INL_TEXT;
            in.text = g_strdup((const char *)c->content);
        } else if (c->type == XML_ENTITY_REF_NODE) {
            T_ERR(L, n, "不允许实体引用 &%s;", c->name);
            continue;
        } else if (c->type != XML_ELEMENT_NODE) {
            continue; /* comments, processing instructions */
        } else if (is_el(c, "v")) {
            check_attrs(L, c, v_attrs);
            char *name = attr(c, "name");
            if (c->children)
                T_ERR(L, c, "<v> 应为空元素：<v name=\"…\"/>");
            if (!name) {
                T_ERR(L, c, "<v> 缺少 name 属性");
                continue;
            }
            gpointer idx = g_hash_table_lookup(L->slot_index, name);
            if (!idx) {
                T_ERR(L, c, "<v name=\"%s\">：槽位「%s」未在 <slots> 中声明", name, name);
                g_free(name);
                continue;
            }
            g_hash_table_replace(L->slot_used, name, GINT_TO_POINTER(1));
            in.kind = YF_INL_SLOT;
            in.slot = GPOINTER_TO_INT(idx) - 1;
        } else if (is_el(c, "br")) {
            check_attrs(L, c, none);
            in.kind = YF_INL_BREAK;
        } else {
            T_ERR(L, c, "<%s> 中未知元素 <%s>（可用：v、br）", n->name, c->name);
            continue;
        }
        g_array_append_val(b->inlines, in);
    }
}

static const struct {
    const char *name;
    yf_block_kind kind;
} block_names[] = {
    { "title", YF_BLK_TITLE },   { "subtitle", YF_BLK_SUBTITLE }, { "salutation", YF_BLK_SALUTATION },
    { "p", YF_BLK_PARA },        { "h1", YF_BLK_H1 },             { "h2", YF_BLK_H2 },
};

static void tblock_clear(gpointer p)
{
    yf_tblock *b = p;
    if (b->inlines)
        g_array_free(b->inlines, TRUE);
}

static void parse_body(loader *L, xmlNodePtr n)
{
    static const char *const none[] = { NULL };
    static const char *const heading_attrs[] = { "number", NULL };
    check_attrs(L, n, none);
    check_element_only(L, n);
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        int kind = -1;
        for (size_t i = 0; i < G_N_ELEMENTS(block_names); i++)
            if (is_el(c, block_names[i].name))
                kind = block_names[i].kind;
        if (kind < 0) {
            T_ERR(L, c, "<body> 中未知元素 <%s>（可用：title、subtitle、salutation、p、h1、h2）",
                  c->name);
            continue;
        }
        yf_tblock b = { .kind = kind };
        node_pos(L, c, &b.line, &b.col);
        b.inlines = g_array_new(FALSE, TRUE, sizeof(yf_inline));
        g_array_set_clear_func(b.inlines, inline_clear);
        if (kind == YF_BLK_H1 || kind == YF_BLK_H2) {
            check_attrs(L, c, heading_attrs);
            char *num = attr(c, "number");
            b.numbered = TRUE;
            if (num && strcmp(num, "none") == 0)
                b.numbered = FALSE;
            else if (num && strcmp(num, "auto") != 0)
                T_ERR(L, c, "<%s number=\"%s\">：应为 auto 或 none", c->name, num);
            g_free(num);
        } else {
            check_attrs(L, c, none);
        }
        parse_inlines(L, c, &b);
        g_array_append_val(L->t->blocks, b);
    }
}

/* ---- the document ---------------------------------------------------------------------------- */

static void on_xml_error(void *user, xmlErrorPtr e)
{
    loader *L = user;
    char *msg = g_strchomp(g_strdup(e->message ? e->message : "XML 错误"));
    yf_error_at(L->diags, L->t->path, e->line, e->int2, "XML 格式错误：%s", msg);
    g_free(msg);
}

static void parse_root(loader *L, xmlNodePtr root)
{
    static const char *const root_attrs[] = { "version", NULL };
    if (!is_el(root, "template")) {
        T_ERR(L, root, "根元素应为 <template>，而不是 <%s>", root->name);
        return;
    }
    check_attrs(L, root, root_attrs);
    char *version = attr(root, "version");
    if (!version)
        T_ERR(L, root, "<template> 缺少 version 属性（当前版本为 version=\"1\"）");
    else if (strcmp(version, "1") != 0)
        T_ERR(L, root, "<template version=\"%s\">：不支持的版本（本程序支持 1）", version);
    g_free(version);
    check_element_only(L, root);

    gboolean have_body = FALSE;
    for (xmlNodePtr c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (is_el(c, "info"))
            parse_info(L, c);
        else if (is_el(c, "page"))
            parse_page(L, c);
        else if (is_el(c, "slots"))
            parse_slots(L, c);
        else if (is_el(c, "body")) {
            if (have_body)
                T_ERR(L, c, "<template> 只能有一个 <body>");
            have_body = TRUE;
            parse_body(L, c);
        } else
            T_ERR(L, c, "<template> 中未知元素 <%s>（可用：info、page、slots、body）", c->name);
    }
    if (!have_body)
        T_ERR(L, root, "<template> 缺少 <body>");
    /* Declared slots no body uses: a form would ask for a value nobody sees. */
    for (guint i = 0; i < L->t->slots->len; i++) {
        yf_slot *s = &g_array_index(L->t->slots, yf_slot, i);
        if (!g_hash_table_contains(L->slot_used, s->name))
            yf_warn_at(L->diags, L->t->path, s->line, s->col, "槽位「%s」已声明但未在正文中使用",
                       s->name);
    }
}

yf_template *yf_template_load(yf_context *ctx, const char *path, yf_diags *diags)
{
    (void)ctx;
    gchar *buf = NULL;
    gsize len = 0;
    GError *err = NULL;
    if (!g_file_get_contents(path, &buf, &len, &err)) {
        yf_error_at(diags, path, 0, 0, "无法读取模板：%s", err->message);
        g_error_free(err);
        return NULL;
    }
    if (len > YF_TEMPLATE_MAX_BYTES) {
        yf_error_at(diags, path, 0, 0, "模板过大（%zu 字节，上限 %d）", (size_t)len,
                 YF_TEMPLATE_MAX_BYTES);
        g_free(buf);
        return NULL;
    }
    if (len == 0) {
        yf_error_at(diags, path, 0, 0, "模板文件为空");
        g_free(buf);
        return NULL;
    }

    yf_template *t = g_new0(yf_template, 1);
    t->path = g_strdup(path);
    yf_page_gbt9704(&t->page);
    t->slots = g_array_new(FALSE, TRUE, sizeof(yf_slot));
    g_array_set_clear_func(t->slots, slot_clear);
    t->blocks = g_array_new(FALSE, TRUE, sizeof(yf_tblock));
    g_array_set_clear_func(t->blocks, tblock_clear);

    loader L = { .t = t, .diags = diags, .buf = buf, .len = len };
    L.slot_index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    L.slot_used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    size_t errors_before = yf_diags_errors(diags);

    /* No NOENT, no DTDLOAD: entities stay unexpanded and nothing outside the file is read. */
    xmlSetStructuredErrorFunc(&L, on_xml_error);
    xmlDocPtr doc = xmlReadMemory(buf, (int)len, path, NULL, XML_PARSE_NONET | XML_PARSE_NSCLEAN);
    xmlSetStructuredErrorFunc(NULL, NULL);
    const char *doctype = g_strstr_len(buf, (gssize)len, "<!DOCTYPE");
    if (!doc) {
        if (yf_diags_errors(diags) == errors_before)
            yf_error_at(diags, path, 0, 0, "XML 格式错误");
    } else if (doc->intSubset || doc->extSubset || doctype) {
        int line = 1, col = 1;
        for (const char *p = buf; doctype && p < doctype; p = g_utf8_next_char(p)) {
            col++;
            if (*p == '\n')
                line++, col = 1;
        }
        yf_error_at(diags, path, line, col,
                    "模板中不允许 DOCTYPE 声明（出于安全考虑，不处理 DTD 和实体）");
    } else {
        parse_root(&L, xmlDocGetRootElement(doc));
    }
    if (doc)
        xmlFreeDoc(doc);
    g_hash_table_destroy(L.slot_index);
    g_hash_table_destroy(L.slot_used);
    g_free(buf);
    if (yf_diags_errors(diags) > errors_before) {
        yf_template_free(t);
        return NULL;
    }
    if (!t->name)
        t->name = g_path_get_basename(path);
    return t;
}

void yf_template_free(yf_template *t)
{
    if (!t)
        return;
    g_free(t->path);
    g_free(t->name);
    g_free(t->description);
    g_free(t->author);
    g_array_free(t->slots, TRUE);
    g_array_free(t->blocks, TRUE);
    g_free(t);
}

const char *yf_template_name(const yf_template *t) { return t->name; }
