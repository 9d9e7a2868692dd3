/* Template stage: template XML -> template model.
 *
 * In: a template file (the language: docs/template-language.md; its grammar:
 * templates/yinfa-template.rng). Out: a yf_template — page setup, styles, slot declarations and
 * the body as a tree of nodes (blocks, inline text, values, loops, conditions). A base template
 * (<template extends=…>) and included parts (<include src=…/>) are read into the same model.
 *
 * Two passes: the first reads the XML and reports every malformed element or attribute; the
 * second resolves every name — slots, loop variables, styles, formatters — in its scope. Every
 * problem is reported with file:line:column; parsing goes on after an error so one run shows
 * them all.
 *
 * Safety: a template must be UTF-8 (the encoding it declares is ignored, so no other encoding can
 * hide a DOCTYPE); libxml2 is asked for no network access and no external entities or DTDs; a
 * file with a DOCTYPE is refused outright; includes and bases must lie inside the template's
 * collection (the folder that holds the template's folder); element nesting, include nesting
 * and the bytes a template reads with all its includes are bounded, so a hostile template can
 * neither exhaust the stack of the recursive passes nor multiply itself through includes. */
#include "internal.h"
#include "expr.h"
#include "format.h"

#include <errno.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/relaxng.h>
#include <stdlib.h>
#include <string.h>

/* A template with everything it includes: the speech template is 20 KB. */
#define YF_TEMPLATE_MAX_BYTES (1024 * 1024)
#define YF_INCLUDE_MAX_DEPTH 8
/* Element nesting within one file; real templates stay below 15. */
#define YF_TEMPLATE_MAX_DEPTH 64
/* Elements in one file (the speech has 150): libxml2's RELAX NG validation takes time quadratic
 * in the number of siblings, a second at 50 000. */
#define YF_TEMPLATE_MAX_ELEMENTS 20000

typedef struct loader {
    yf_template *t;
    yf_diags *diags;
    const char *path;     /* this file (interned in t->files) */
    const char *buf;      /* its bytes, for columns */
    size_t len;
    GArray *tags;         /* of pos: the start tags in document order (node->_private: index+1) */
    size_t counted;       /* the bytes before this offset are counted into `at` */
    struct pos { int line, col; } at;
    size_t *read;         /* bytes read so far by the whole template, includes and bases */
    gboolean stopped;     /* parsing stopped at a limit */
    const char *root;     /* includes and bases must stay below this folder */
    const char *shared;   /* the shared templates folder (yf_context_set_shared_templates), or NULL */
    int depth;
} loader;

/* Where an element stands: among blocks, inside a block's text, or among the parts of a composite
 * block (a stack's lines, a table's rows, a row's cells), where <for> and <if> repeat and choose
 * parts as they do blocks. */
typedef enum { CTX_BLOCK, CTX_INLINE, CTX_STACK, CTX_TABLE, CTX_CELLS, CTX_SIGNERS } context;

/* ---- positions ----------------------------------------------------------------------------- */

typedef struct pos pos;

/* The position (1-based line, column in characters) of byte `off`, counted on from position
 * `from` of byte `from_off` (at or before it). */
static pos advance(const char *buf, size_t from_off, pos from, size_t off)
{
    for (const char *p = buf + from_off, *end = buf + off; p < end; p = g_utf8_next_char(p)) {
        if (*p == '\n')
            from = (pos){ from.line + 1, 1 };
        else
            from.col++;
    }
    return from;
}

static pos offset_pos(const loader *L, size_t off)
{
    return advance(L->buf, 0, (pos){ 1, 1 }, off);
}

/* The position of an element's start tag (of the element holding `n`), recorded as it was parsed
 * (on_start_element). */
static void node_pos(const loader *L, xmlNodePtr n, int *line, int *col)
{
    while (n && n->type != XML_ELEMENT_NODE)
        n = n->parent;
    *line = *col = 0;
    if (n && n->_private) {
        pos p = g_array_index(L->tags, pos, GPOINTER_TO_UINT(n->_private) - 1);
        *line = p.line;
        *col = p.col;
    }
}

static void loader_done(loader *L)
{
    g_free((char *)L->buf);
    if (L->tags)
        g_array_free(L->tags, TRUE);
}

#define T_ERR(L, code, n, ...)                                         \
    do {                                                               \
        int l_, c_;                                                    \
        node_pos(L, n, &l_, &c_);                                      \
        yf_error_at((L)->diags, code, (L)->path, l_, c_, __VA_ARGS__); \
    } while (0)

/* Errors of the second pass carry the node's stored position. */
#define N_ERR(d, code, node, ...) \
    yf_error_at(d, code, (node)->file, (node)->line, (node)->col, __VA_ARGS__)

/* ---- small helpers --------------------------------------------------------------------------- */

/* The language has no namespaces: <xi:include> is not <include>. */
static gboolean is_el(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && !n->ns && strcmp((const char *)n->name, name) == 0;
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

/* ---- the attributes of each element, from the grammar ---------------------------------------- */

/* templates/yinfa-template.rng (compiled in) is where the language's attributes are stated. The
 * loader refuses an attribute an element does not have in users' words (the list of those it
 * has), reading that list from the grammar rather than restating it: every attribute the grammar
 * gives an element anywhere. The grammar's own pass (validate_schema) then checks each in its
 * place (a block <for> has no sep). */
static gboolean is_rng(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, (const xmlChar *)name);
}

static void add_unique(GPtrArray *names, const char *name)
{
    for (guint i = 0; i < names->len; i++)
        if (strcmp(g_ptr_array_index(names, i), name) == 0)
            return;
    g_ptr_array_add(names, g_strdup(name));
}

/* The attributes a pattern gives the element it is in: <attribute>s, through <ref>s to their
 * <define>s (each once), but not those of the child elements it holds. */
static void pattern_attrs(xmlNodePtr pattern, GHashTable *defines, GHashTable *seen, GPtrArray *out)
{
    for (xmlNodePtr c = pattern->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || is_rng(c, "element"))
            continue;
        xmlChar *name = xmlGetProp(c, (const xmlChar *)"name");
        if (is_rng(c, "attribute") && name)
            add_unique(out, (const char *)name);
        else if (is_rng(c, "ref") && name && !g_hash_table_contains(seen, name)) {
            xmlNodePtr def = g_hash_table_lookup(defines, name);
            g_hash_table_add(seen, g_strdup((const char *)name));
            if (def)
                pattern_attrs(def, defines, seen, out);
        } else if (!is_rng(c, "attribute"))
            pattern_attrs(c, defines, seen, out);
        xmlFree(name);
    }
}

static void collect_elements(xmlNodePtr n, GHashTable *defines, GHashTable *table)
{
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        xmlChar *name = is_rng(c, "element") ? xmlGetProp(c, (const xmlChar *)"name") : NULL;
        if (name) {
            GPtrArray *attrs = g_hash_table_lookup(table, name);
            if (!attrs) {
                attrs = g_ptr_array_new();
                g_hash_table_insert(table, g_strdup((const char *)name), attrs);
            }
            GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
            pattern_attrs(c, defines, seen, attrs);
            g_hash_table_destroy(seen);
            xmlFree(name);
        }
        collect_elements(c, defines, table);
    }
}

/* Element name -> NULL-terminated array of its attribute names; made once, kept for the
 * process (read-only after). */
static gpointer build_grammar_attrs(gpointer unused)
{
    (void)unused;
    GHashTable *table = g_hash_table_new(g_str_hash, g_str_equal);
    xmlDocPtr doc = xmlReadMemory(yf_schema_rng, (int)yf_schema_rng_len, "yinfa-template.rng", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (root) {
        GHashTable *defines = g_hash_table_new_full(g_str_hash, g_str_equal, xmlFree, NULL);
        for (xmlNodePtr c = root->children; c; c = c->next)
            if (is_rng(c, "define"))
                g_hash_table_insert(defines, xmlGetProp(c, (const xmlChar *)"name"), c);
        collect_elements(root, defines, table);
        g_hash_table_destroy(defines);
    }
    if (doc)
        xmlFreeDoc(doc);
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, table);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        g_ptr_array_add(value, NULL);
        g_hash_table_iter_replace(&it, g_ptr_array_free(value, FALSE));
    }
    return table;
}

static const char *const *grammar_attrs(const xmlChar *element)
{
    static GOnce once = G_ONCE_INIT;
    GHashTable *table = g_once(&once, build_grammar_attrs, NULL);
    return g_hash_table_lookup(table, element);
}

/* Refuses attributes the grammar does not give the element anywhere. An element the grammar
 * does not have is reported as such by its parent. */
static void check_attrs(loader *L, xmlNodePtr n)
{
    const char *const *allowed = grammar_attrs(n->name);
    if (!allowed)
        return;
    for (xmlAttrPtr a = n->properties; a; a = a->next) {
        gboolean ok = FALSE;
        for (int i = 0; allowed[i]; i++)
            ok |= strcmp((const char *)a->name, allowed[i]) == 0;
        if (!ok) {
            char *list = g_strjoinv("、", (char **)allowed);
            T_ERR(L, "template.attribute", n, "<%s> 没有属性 %s（可用：%s）", n->name, a->name,
                  allowed[0] ? list : "无");
            g_free(list);
        }
    }
}

static char *required_attr(loader *L, xmlNodePtr n, const char *name)
{
    char *v = attr(n, name);
    if (!v || !*v)
        T_ERR(L, "template.attribute", n, "<%s> 缺少 %s 属性", n->name, name);
    if (v && !*v) {
        g_free(v);
        v = NULL;
    }
    return v;
}

static gboolean yes_no(loader *L, xmlNodePtr n, const char *name, gboolean *out)
{
    char *v = attr(n, name);
    if (!v)
        return FALSE;
    gboolean ok = strcmp(v, "yes") == 0 || strcmp(v, "no") == 0;
    if (ok)
        *out = strcmp(v, "yes") == 0;
    else
        T_ERR(L, "template.attribute", n, "<%s %s=\"%s\">：应为 yes 或 no", n->name, name, v);
    g_free(v);
    return ok;
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
            T_ERR(L, "template.structure", parent, "<%s> 中不能直接写文字；段落文字请放在 <p>、<h1> 等元素中",
                  parent->name);
        else if (c->type == XML_ENTITY_REF_NODE)
            T_ERR(L, "template.syntax", parent, "不允许实体引用 &%s;", c->name);
    }
}

/* A number of characters (an indent, a margin, an inset) between lo and hi. */
static void parse_chars(loader *L, xmlNodePtr n, const char *name, double lo, double hi,
                        double *out)
{
    char *v = attr(n, name);
    if (!v)
        return;
    char *end;
    double x = g_ascii_strtod(v, &end);
    if (end == v || *end || !(x >= lo && x <= hi))
        T_ERR(L, "template.attribute", n, "<%s %s=\"%s\">：应为字数（%g 到 %g）", n->name, name, v, lo, hi);
    else
        *out = x;
    g_free(v);
}

/* A length — "35mm", "0.35mm", "12pt" — in points, between lo and hi mm. FALSE when absent or
 * wrong (reported). */
static gboolean parse_length(loader *L, xmlNodePtr n, const char *name, double lo, double hi,
                             double *pt)
{
    char *v = attr(n, name);
    if (!v)
        return FALSE;
    char *end;
    double x = g_ascii_strtod(v, &end);
    double mm = strcmp(end, "mm") == 0 ? x : strcmp(end, "pt") == 0 ? x / YF_MM : -1;
    gboolean ok = end != v && mm >= lo && mm <= hi;
    if (ok)
        *pt = mm * YF_MM;
    else
        T_ERR(L, "template.attribute", n, "<%s %s=\"%s\">：应为长度（如 4mm、12pt），%g 到 %g mm", n->name,
              name, v, lo, hi);
    g_free(v);
    return ok;
}

static void parse_int_attr(loader *L, xmlNodePtr n, const char *name, int lo, int hi, int *out)
{
    char *v = attr(n, name);
    if (!v)
        return;
    char *end;
    long x = strtol(v, &end, 10);
    if (*v == '\0' || *end != '\0' || x < lo || x > hi)
        T_ERR(L, "template.attribute", n, "<%s %s=\"%s\">：应为 %d 到 %d 之间的整数", n->name, name, v, lo,
              hi);
    else
        *out = (int)x;
    g_free(v);
}

/* ---- files ----------------------------------------------------------------------------------- */

static void on_xml_error(void *user, xmlErrorPtr e)
{
    loader *L = user;
    char *msg = g_strchomp(g_strdup(e->message ? e->message : "XML 错误"));
    yf_error_at(L->diags, "template.syntax", L->path, e->line, e->int2, "XML 格式错误：%s", msg);
    g_free(msg);
}

static const char *intern_file(yf_template *t, const char *path)
{
    for (guint i = 0; i < t->files->len; i++)
        if (strcmp(g_ptr_array_index(t->files, i), path) == 0)
            return g_ptr_array_index(t->files, i);
    char *s = g_strdup(path);
    g_ptr_array_add(t->files, s);
    return s;
}

/* libxml2 records an element's line (up to 65535) but not its column: the parser's own start
 * tag handler is wrapped to record each start tag's position as it goes (in document order, so
 * counting the bytes between two tags is all it takes), and to stop at a nesting deeper than
 * the recursive passes below should ever see. */
static void on_start_element(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                             const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                             int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
    xmlParserCtxtPtr ctxt = ctx;
    loader *L = ctxt->_private;
    xmlSAX2StartElementNs(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
                          nb_defaulted, attributes);
    /* The parser stands at the end of the start tag; attribute values cannot hold a '<', so the
     * last one before it opens the tag. */
    size_t at = MIN((size_t)xmlByteConsumed(ctxt), L->len - 1);
    while (at > 0 && L->buf[at] != '<')
        at--;
    if (at >= L->counted)
        L->at = advance(L->buf, L->counted, L->at, at);
    else
        L->at = offset_pos(L, at);
    L->counted = at;
    g_array_append_val(L->tags, L->at);
    if (ctxt->node)
        ctxt->node->_private = GUINT_TO_POINTER(L->tags->len);
    if (L->stopped)
        return;
    if (ctxt->nodeNr > YF_TEMPLATE_MAX_DEPTH)
        yf_error_at(L->diags, "template.limit", L->path, L->at.line, L->at.col, "元素嵌套超过 %d 层",
                    YF_TEMPLATE_MAX_DEPTH);
    else if (L->tags->len > YF_TEMPLATE_MAX_ELEMENTS)
        yf_error_at(L->diags, "template.limit", L->path, L->at.line, L->at.col, "元素超过 %d 个",
                    YF_TEMPLATE_MAX_ELEMENTS);
    else
        return;
    L->stopped = TRUE;
    xmlStopParser(ctxt);
}

/* Checks the bytes of a template file before libxml2 sees them: UTF-8, no DOCTYPE. */
static gboolean check_bytes(loader *L)
{
    const char *bad;
    pos p;
    if (L->len == 0) {
        yf_error_at(L->diags, "template.file", L->path, 0, 0, "模板文件为空");
        return FALSE;
    }
    if (!g_utf8_validate(L->buf, (gssize)L->len, &bad)) {
        p = offset_pos(L, (size_t)(bad - L->buf));
        yf_error_at(L->diags, "template.file", L->path, p.line, p.col,
                    "第 %zu 字节处不是有效的 UTF-8 编码（模板应为 UTF-8）", (size_t)(bad - L->buf));
        return FALSE;
    }
    const char *doctype = g_strstr_len(L->buf, (gssize)L->len, "<!DOCTYPE");
    if (doctype) {
        p = offset_pos(L, (size_t)(doctype - L->buf));
        yf_error_at(L->diags, "template.syntax", L->path, p.line, p.col,
                    "模板中不允许 DOCTYPE 声明（出于安全考虑，不处理 DTD 和实体）");
        return FALSE;
    }
    return TRUE;
}

/* Reads and parses one file into `L` (path, buf) and returns its document, or NULL after
 * reporting why. The caller frees the document, and L with loader_done. */
static xmlDocPtr read_xml(loader *L, const char *path)
{
    L->path = intern_file(L->t, path);
    char *buf = NULL;
    size_t len = 0;
    if (*L->read > YF_TEMPLATE_MAX_BYTES)
        return NULL; /* over the limit already, and said so */
    if (yf_read_file(path, YF_TEMPLATE_MAX_BYTES - *L->read, &buf, &len) != 0) {
        if (errno == EFBIG) {
            yf_error_at(L->diags, "template.file", path, 0, 0, "模板过大：模板与它引用的文件合计超过 %d 字节的上限",
                        YF_TEMPLATE_MAX_BYTES);
            *L->read = YF_TEMPLATE_MAX_BYTES + 1;
        } else {
            yf_error_at(L->diags, "template.file", path, 0, 0, "无法读取模板：%s", yf_read_error(errno));
        }
        return NULL;
    }
    *L->read += len;
    L->buf = buf;
    L->len = len;
    L->tags = g_array_new(FALSE, FALSE, sizeof(pos));
    L->at = (pos){ 1, 1 };
    if (!check_bytes(L))
        return NULL;
    size_t before = yf_diags_errors(L->diags);
    /* No NOENT, no DTDLOAD: entities stay unexpanded and nothing outside the file is read. The
     * bytes were checked as UTF-8, so the encoding a file declares is not believed. */
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    ctxt->sax->startElementNs = on_start_element;
    ctxt->_private = L;
    xmlSetStructuredErrorFunc(L, on_xml_error);
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, buf, (int)len, path, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NSCLEAN | XML_PARSE_IGNORE_ENC);
    xmlSetStructuredErrorFunc(NULL, NULL);
    xmlFreeParserCtxt(ctxt);
    if (doc && L->stopped) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    if (!doc && yf_diags_errors(L->diags) == before)
        yf_error_at(L->diags, "template.syntax", path, 0, 0, "XML 格式错误");
    return doc;
}

/* `path` with its symbolic links resolved, when it exists: a link inside the collection must not
 * lead out of it. Takes ownership of `path`. */
static char *real_path(char *path)
{
    char *real = realpath(path, NULL);
    if (!real)
        return path;
    g_free(path);
    char *out = g_strdup(real);
    free(real);
    return out;
}

/* A path named in a template (src=, extends=), resolved against the naming file's folder. It
 * must be relative and stay inside the collection. A path that names no file there is looked for
 * at the same place in the shared templates folder, when there is one: a type in a user's own
 * folder names "../common/gbt9704.xml" as the installed types do. *root_out is the collection
 * the path was found in (includes of the file it names stay inside that one). Returns NULL after
 * reporting. */
static char *resolve_ref(loader *L, xmlNodePtr n, const char *ref, const char **root_out)
{
    if (g_path_is_absolute(ref)) {
        T_ERR(L, "template.include", n, "“%s”：只能引用模板目录内的相对路径", ref);
        return NULL;
    }
    char *file = g_canonicalize_filename(L->path, NULL);
    char *dir = g_path_get_dirname(file);
    char *abs = real_path(g_canonicalize_filename(ref, dir));
    g_free(dir);
    g_free(file);
    char *prefix = g_strconcat(L->root, G_DIR_SEPARATOR_S, NULL);
    gboolean inside = g_str_has_prefix(abs, prefix);
    *root_out = L->root;
    if (inside && L->shared && strcmp(L->shared, L->root) != 0 &&
        !g_file_test(abs, G_FILE_TEST_EXISTS)) {
        char *other = real_path(g_build_filename(L->shared, abs + strlen(prefix), NULL));
        char *shared_prefix = g_strconcat(L->shared, G_DIR_SEPARATOR_S, NULL);
        if (g_str_has_prefix(other, shared_prefix) && g_file_test(other, G_FILE_TEST_EXISTS)) {
            g_free(abs);
            abs = other;
            other = NULL;
            *root_out = L->shared;
        }
        g_free(other);
        g_free(shared_prefix);
    }
    g_free(prefix);
    if (!inside) {
        T_ERR(L, "template.include", n, "“%s”：引用超出了模板所在的模板目录", ref);
        g_free(abs);
        return NULL;
    }
    if (L->depth >= YF_INCLUDE_MAX_DEPTH) {
        T_ERR(L, "template.include", n, "“%s”：引用嵌套超过 %d 层（是否循环引用？）", ref, YF_INCLUDE_MAX_DEPTH);
        g_free(abs);
        return NULL;
    }
    return abs;
}

/* ---- <page>, <info> ----------------------------------------------------------------------- */

void yf_page_gbt9704(yf_page *p)
{
    /* GB/T 9704-2012 §5.2: A4, 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm, 22 lines × 28 chars,
     * body 三号 (16 pt); §7.5: page number 四号, dashes 7 mm below the type area, one char in. */
    memset(p, 0, sizeof *p);
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
    p->duplex = TRUE;
    p->max_pages = YF_DEFAULT_MAX_PAGES;
}

/* <page first-page-number="no">: page 1 shows no page number (the 信函格式, GB/T 9704 §10.1:
 * 首页不显示页码); the pages after it keep their numbers. */
static void parse_first_number(loader *L, xmlNodePtr n)
{
    gboolean first = TRUE;
    if (yes_no(L, n, "first-page-number", &first))
        L->t->page.no_first_number = !first;
}

static void parse_page(loader *L, xmlNodePtr n)
{
    check_attrs(L, n);
    char *preset = attr(n, "preset");
    if (preset && strcmp(preset, "gbt9704") != 0)
        T_ERR(L, "template.attribute", n, "<page preset=\"%s\">：未知的版式（可用：gbt9704）", preset);
    g_free(preset);
    /* GB/T 9704 §5.2.2 allows the grid to be adjusted ("可作适当调整"). */
    parse_int_attr(L, n, "chars", 20, 40, &L->t->page.chars_per_line);
    parse_int_attr(L, n, "lines", 15, 30, &L->t->page.lines_per_page);
    yes_no(L, n, "page-numbers", &L->t->page.page_numbers);
    /* GB/T 9704 §5.1: printed on both sides unless the template says otherwise. */
    yes_no(L, n, "duplex", &L->t->page.duplex);
    parse_first_number(L, n);
    /* Punctuation widths (GB/T 15834 allows each; the names are ctex's). */
    static const char *const puncts[] = { "quanjiao", "kaiming", "banjiao" };
    char *punct = attr(n, "punct");
    for (int i = 0; punct && i < 3; i++)
        if (strcmp(punct, puncts[i]) == 0) {
            L->t->page.punct = (yf_punct)i;
            g_free(punct);
            punct = NULL;
        }
    if (punct)
        T_ERR(L, "template.attribute", n,
              "<page punct=\"%s\">：应为 quanjiao（全角式）、kaiming（开明式）或 banjiao（半角式）",
              punct);
    g_free(punct);
    check_element_only(L, n);
}

static void parse_info(loader *L, xmlNodePtr n)
{
    check_attrs(L, n);
    check_element_only(L, n);
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        char **dst = is_el(c, "name") ? &L->t->name
                   : is_el(c, "description") ? &L->t->description
                   : is_el(c, "author") ? &L->t->author : NULL;
        if (!dst) {
            T_ERR(L, "template.unknown-element", c,
                  "<info> 中未知元素 <%s>（可用：name、description、author）", c->name);
            continue;
        }
        check_attrs(L, c);
        g_free(*dst);
        *dst = text_content(c);
    }
}

/* ---- <styles> -------------------------------------------------------------------------------- */

static void parse_style(loader *L, xmlNodePtr n)
{
    check_attrs(L, n);
    char *name = required_attr(L, n, "name");
    if (!name)
        return;
    char *base = attr(n, "base");
    const yf_style *from = g_hash_table_lookup(L->t->styles, base ? base : name);
    if (base && !from)
        T_ERR(L, "template.style", n, "<style base=\"%s\">：没有这个样式", base);
    yf_style s = from ? *from : yf_style_builtin(YF_BLK_PARA, &L->t->page);

    char *v;
    if ((v = attr(n, "role"))) {
        int r = yf_role_from_name(v);
        if (r < 0)
            T_ERR(L, "template.attribute", n, "<style role=\"%s\">：未知的字体角色（可用：小标宋、仿宋、黑体、楷体、宋体）", v);
        else
            s.role = r;
        g_free(v);
    }
    if ((v = attr(n, "size"))) {
        if (!yf_parse_size(v, &s.size))
            T_ERR(L, "template.attribute", n, "<style size=\"%s\">：应为字号（如 三号、小四）或磅值（如 16pt）", v);
        g_free(v);
    }
    if ((v = attr(n, "color"))) {
        if (!yf_parse_color(v, &s.color))
            T_ERR(L, "template.attribute", n, "<style color=\"%s\">：应为 #RRGGBB、red 或 black", v);
        g_free(v);
    }
    if ((v = attr(n, "align"))) {
        if (!yf_parse_align(v, &s.align))
            T_ERR(L, "template.attribute", n,
                  "<style align=\"%s\">：应为 justify、left、center 或 right", v);
        g_free(v);
    }
    parse_chars(L, n, "indent", -10, 20, &s.indent);
    parse_chars(L, n, "margin-left", 0, 20, &s.margin_left);
    parse_chars(L, n, "margin-right", 0, 20, &s.margin_right);
    parse_int_attr(L, n, "space-before", 0, 20, &s.space_before);
    parse_int_attr(L, n, "space-after", 0, 20, &s.space_after);
    parse_int_attr(L, n, "outline", 0, 4, &s.outline_level);
    yes_no(L, n, "bold", &s.bold);
    yes_no(L, n, "keep-with-next", &s.keep_with_next);
    yes_no(L, n, "grid", &s.grid);
    g_hash_table_replace(L->t->styles, name, g_memdup2(&s, sizeof s));
    g_free(base);
}

static void parse_styles(loader *L, xmlNodePtr n)
{
    check_attrs(L, n);
    check_element_only(L, n);
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (is_el(c, "style"))
            parse_style(L, c);
        else
            T_ERR(L, "template.unknown-element", c, "<styles> 中只能有 <style>，而不是 <%s>", c->name);
    }
}

/* ---- <slots> --------------------------------------------------------------------------------- */

static const char *const type_names[] = { "text", "integer", "number", "money", "date",
                                          "boolean", "list", "object", "paragraphs" };

const char *yf_slot_type_name(yf_slot_type t) { return type_names[t]; }

static gboolean parse_slot_type(const char *s, yf_slot_type *out)
{
    for (int i = 0; i < (int)G_N_ELEMENTS(type_names); i++)
        if (strcmp(s, type_names[i]) == 0) {
            *out = i;
            return TRUE;
        }
    return FALSE;
}

static gboolean is_scalar(yf_slot_type t)
{
    return t != YF_SLOT_LIST && t != YF_SLOT_OBJECT && t != YF_SLOT_PARAGRAPHS;
}

/* A slot name is a dotted path of non-empty keys without spaces, brackets or quotes; "loop" is
 * the loop variable's. */
static gboolean valid_slot_name(const char *s)
{
    if (!*s || *s == '.' || g_str_has_suffix(s, ".") || strstr(s, "..") || !g_utf8_validate(s, -1, NULL))
        return FALSE;
    if (strcmp(s, "loop") == 0 || g_str_has_prefix(s, "loop."))
        return FALSE;
    for (const char *p = s; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (g_unichar_isspace(c) || g_unichar_iscntrl(c) ||
            (c < 0x80 && strchr("[]{}()\"'$#=<>!&|,", (int)c)))
            return FALSE;
    }
    return TRUE;
}

static void slot_free(gpointer p)
{
    yf_slot *s = p;
    if (!s)
        return;
    g_free(s->name);
    g_free(s->label);
    g_free(s->help);
    g_free(s->example);
    g_free(s->fallback);
    g_free(s->shorthand);
    g_free(s->min);
    g_free(s->max);
    if (s->fields)
        g_ptr_array_free(s->fields, TRUE);
    slot_free(s->element);
    g_free(s);
}

yf_slot *yf_slot_find(GPtrArray *slots, const char *path)
{
    for (guint i = 0; slots && i < slots->len; i++) {
        yf_slot *s = g_ptr_array_index(slots, i);
        size_t n = strlen(s->name);
        if (strcmp(s->name, path) == 0)
            return s;
        /* A member of an object slot: "主办.名称" with 主办 an object declaring 名称. */
        if (s->type == YF_SLOT_OBJECT && strncmp(s->name, path, n) == 0 && path[n] == '.')
            return yf_slot_find(s->fields, path + n + 1);
    }
    return NULL;
}

/* Two declarations where one's name is a prefix path of the other's ("a" and "a.b") would need
 * the same data member to be a value and an object at once. */
static yf_slot *prefix_conflict(GPtrArray *slots, const char *name)
{
    for (guint i = 0; i < slots->len; i++) {
        yf_slot *s = g_ptr_array_index(slots, i);
        size_t a = strlen(s->name), b = strlen(name);
        const char *shorter = a < b ? s->name : name, *longer = a < b ? name : s->name;
        size_t n = MIN(a, b);
        if (a != b && strncmp(shorter, longer, n) == 0 && longer[n] == '.')
            return s;
    }
    return NULL;
}

static void parse_slot_list(loader *L, xmlNodePtr parent, GPtrArray *into);

/* <slot min=… max=…> on an integer, number or money slot: a bound read as a value of the slot's
 * own type; <slot numerals="chinese"> on an integer slot. */
static gboolean parse_slot_bound(loader *L, xmlNodePtr c, yf_slot *s, const char *which,
                                 char **text, double *num)
{
    char *v = attr(c, which);
    if (!v)
        return TRUE;
    gboolean numeric = s->type == YF_SLOT_INTEGER || s->type == YF_SLOT_NUMBER ||
                       s->type == YF_SLOT_MONEY;
    yf_scalar x;
    char *problem = NULL;
    gboolean ok = numeric && yf_parse_numeric(s->type, v, FALSE, &x, &problem);
    if (!numeric)
        T_ERR(L, "template.slot", c, "<slot %s=\"%s\">：只能用于 integer、number、money 类型的槽位", which, v);
    else if (!ok)
        T_ERR(L, "template.slot", c, "<slot %s=\"%s\">：%s", which, v, problem);
    else {
        *text = g_strdup(x.dec);
        *num = x.num;
    }
    g_free(problem);
    g_free(v);
    return ok;
}

static gboolean parse_slot_range(loader *L, xmlNodePtr c, yf_slot *s)
{
    gboolean ok = parse_slot_bound(L, c, s, "min", &s->min, &s->min_num);
    ok &= parse_slot_bound(L, c, s, "max", &s->max, &s->max_num);
    if (ok && s->min && s->max && s->min_num > s->max_num) {
        T_ERR(L, "template.slot", c, "<slot min=\"%s\" max=\"%s\">：最小值大于最大值", s->min, s->max);
        ok = FALSE;
    }
    char *numerals = attr(c, "numerals");
    if (numerals && strcmp(numerals, "chinese") != 0) {
        T_ERR(L, "template.slot", c, "<slot numerals=\"%s\">：只能是 chinese", numerals);
        ok = FALSE;
    } else if (numerals && s->type != YF_SLOT_INTEGER) {
        T_ERR(L, "template.slot", c, "<slot numerals=\"chinese\">：只能用于 integer 类型的槽位");
        ok = FALSE;
    }
    s->chinese_numerals = numerals != NULL && ok;
    g_free(numerals);
    return ok;
}

static yf_slot *parse_slot(loader *L, xmlNodePtr c, GPtrArray *into)
{
    check_attrs(L, c);
    yf_slot *s = g_new0(yf_slot, 1);
    node_pos(L, c, &s->line, &s->col);
    s->file = L->path;
    s->name = attr(c, "name");
    s->label = attr(c, "label");
    s->help = attr(c, "help");
    s->example = attr(c, "example");
    s->fallback = attr(c, "default");
    s->required = s->fallback == NULL;
    char *type = attr(c, "type"), *item = attr(c, "item");
    gboolean ok = TRUE;
    if (!s->name) {
        T_ERR(L, "template.slot", c, "<slot> 缺少 name 属性");
        ok = FALSE;
    } else if (!valid_slot_name(s->name)) {
        T_ERR(L, "template.slot", c, "槽位名「%s」无效：用“.”分隔的名称，不含空白、括号和运算符，也不能是 loop",
              s->name);
        ok = FALSE;
    } else if (yf_slot_find(into, s->name)) {
        T_ERR(L, "template.slot", c, "槽位「%s」重复声明", s->name);
        ok = FALSE;
    } else {
        yf_slot *other = prefix_conflict(into, s->name);
        if (other) {
            T_ERR(L, "template.slot", c, "槽位「%s」与「%s」（%s:%d）冲突：同一个名字不能既是值又是对象", s->name,
                  other->name, other->file, other->line);
            ok = FALSE;
        }
    }
    if (type && !parse_slot_type(type, &s->type)) {
        T_ERR(L, "template.slot", c, "槽位「%s」的类型 \"%s\" 未知（可用：text、integer、number、money、date、"
                    "boolean、list、object、paragraphs）", s->name ? s->name : "?", type);
        ok = FALSE;
    }
    yes_no(L, c, "required", &s->required);

    gboolean has_children = FALSE;
    for (xmlNodePtr k = c->children; k; k = k->next)
        has_children |= k->type == XML_ELEMENT_NODE;
    if (has_children && (s->type == YF_SLOT_LIST || s->type == YF_SLOT_OBJECT)) {
        s->fields = g_ptr_array_new_with_free_func(slot_free);
        parse_slot_list(L, c, s->fields);
    }
    if (s->type == YF_SLOT_LIST || s->type == YF_SLOT_OBJECT) {
        if (s->type == YF_SLOT_OBJECT && !has_children && ok)
            T_ERR(L, "template.slot", c, "对象槽位「%s」需要用 <slot> 子元素声明其成员", s->name);
    } else if (has_children) {
        T_ERR(L, "template.slot", c, "只有 list 和 object 类型的槽位可以有子槽位");
        ok = FALSE;
    }
    if (s->type == YF_SLOT_LIST) {
        s->item = YF_SLOT_TEXT;
        if (item && (!parse_slot_type(item, &s->item) || !is_scalar(s->item))) {
            T_ERR(L, "template.slot", c,
                  "<slot item=\"%s\">：列表项应为 text、integer、number、money、date 或 "
                  "boolean", item);
            ok = FALSE;
        } else if (item && has_children) {
            T_ERR(L, "template.slot", c, "列表槽位「%s」要么用 item 声明简单列表项，要么用子槽位声明字段", s->name);
            ok = FALSE;
        }
        if (!has_children) {
            s->element = g_new0(yf_slot, 1);
            *s->element = (yf_slot){ .name = g_strdup(s->name), .type = s->item,
                                     .required = TRUE, .file = s->file, .line = s->line,
                                     .col = s->col };
        }
    } else if (item) {
        T_ERR(L, "template.slot", c, "只有 list 类型的槽位可以有 item 属性");
    }
    /* <slot type="list" short="标题">: an item written as plain text stands for an object with
     * just that field (a list of attachment names where attachments with content may also be). */
    s->shorthand = attr(c, "short");
    if (s->shorthand && (s->type != YF_SLOT_LIST || !s->fields ||
                         !yf_slot_find(s->fields, s->shorthand) ||
                         yf_slot_find(s->fields, s->shorthand)->type != YF_SLOT_TEXT)) {
        T_ERR(L, "template.slot", c, "<slot short=\"%s\">：只能用于有字段的列表槽位，且须指明其中一个 text 字段",
              s->shorthand);
        ok = FALSE;
    }
    ok &= parse_slot_range(L, c, s);
    if (!s->example && ok && is_scalar(s->type) && !s->fallback) {
        T_ERR(L, "template.slot", c, "槽位「%s」缺少 example 属性（示例值用于 slots 骨架和表单）", s->name);
        ok = FALSE;
    }
    g_free(type);
    g_free(item);
    if (!ok) {
        /* Remembered so that its uses do not each report "undeclared" as well. */
        if (s->name)
            g_hash_table_add(L->t->rejected, g_strdup(s->name));
        slot_free(s);
        return NULL;
    }
    g_ptr_array_add(into, s);
    return s;
}

static void parse_slot_list(loader *L, xmlNodePtr parent, GPtrArray *into)
{
    check_element_only(L, parent);
    for (xmlNodePtr c = parent->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!is_el(c, "slot")) {
            T_ERR(L, "template.unknown-element", c, "<%s> 中只能有 <slot>，而不是 <%s>", parent->name,
                  c->name);
            continue;
        }
        parse_slot(L, c, into);
    }
}

static void parse_slots(loader *L, xmlNodePtr n)
{
    check_attrs(L, n);
    parse_slot_list(L, n, L->t->slots);
}

/* ---- the body ---------------------------------------------------------------------------------- */

static void node_free(gpointer p)
{
    yf_node *n = p;
    if (!n)
        return;
    g_free(n->style);
    g_free(n->text);
    g_free(n->path);
    g_free(n->format);
    g_free(n->as);
    g_free(n->sort);
    g_free(n->by);
    g_free(n->sep);
    g_free(n->last_sep);
    yf_expr_free(n->test);
    g_free(n->src);
    if (n->children)
        g_ptr_array_free(n->children, TRUE);
    node_free(n->next_branch);
    g_free(n);
}

static yf_node *new_node(loader *L, xmlNodePtr x, yf_node_kind kind)
{
    yf_node *n = g_new0(yf_node, 1);
    n->kind = kind;
    n->file = L->path;
    node_pos(L, x, &n->line, &n->col);
    n->children = g_ptr_array_new_with_free_func(node_free);
    return n;
}

static const struct {
    const char *name;
    yf_block_kind kind;
} block_names[] = {
    { "title", YF_BLK_TITLE }, { "subtitle", YF_BLK_SUBTITLE }, { "salutation", YF_BLK_SALUTATION },
    { "p", YF_BLK_PARA },      { "h1", YF_BLK_H1 },             { "h2", YF_BLK_H2 },
    { "h3", YF_BLK_H3 },       { "h4", YF_BLK_H4 },
};

static int block_kind_of(xmlNodePtr x)
{
    for (size_t i = 0; i < G_N_ELEMENTS(block_names); i++)
        if (is_el(x, block_names[i].name))
            return block_names[i].kind;
    return -1;
}

static void parse_children(loader *L, xmlNodePtr parent, context ctx, GPtrArray *out);
static void parse_element(loader *L, xmlNodePtr x, context ctx, GPtrArray *out);
static void parse_include(loader *L, xmlNodePtr x, GPtrArray *out);

static yf_expr *parse_test(loader *L, xmlNodePtr x)
{
    char *src = required_attr(L, x, "test");
    if (!src)
        return NULL;
    char *err = NULL;
    yf_expr *e = yf_expr_parse(src, &err);
    if (!e) {
        T_ERR(L, "template.expression", x, "%s", err);
        g_free(err);
    }
    g_free(src);
    return e;
}

/* <if test=…> children, with <elif test=…/> and <else/> splitting them into branches. */
static yf_node *parse_if(loader *L, xmlNodePtr x, context ctx)
{
    check_attrs(L, x);
    yf_node *first = new_node(L, x, YF_N_IF);
    first->test = parse_test(L, x);
    yf_node *branch = first;
    gboolean seen_else = FALSE;
    /* Parse the children in runs between separators. */
    xmlNodePtr c = x->children;
    while (c) {
        xmlNodePtr run_end = c;
        while (run_end && !is_el(run_end, "elif") && !is_el(run_end, "else"))
            run_end = run_end->next;
        /* Temporarily cut the sibling chain so parse_children sees only this run. */
        xmlNodePtr saved_first = x->children, saved_last = x->last;
        xmlNodePtr before = run_end ? run_end->prev : NULL;
        if (c != run_end) {
            x->children = c;
            x->last = run_end ? before : saved_last;
            if (before)
                before->next = NULL;
            parse_children(L, x, ctx, branch->children);
            if (before)
                before->next = run_end;
            x->children = saved_first;
            x->last = saved_last;
        }
        if (!run_end)
            break;
        if (seen_else)
            T_ERR(L, "template.structure", run_end, "<else/> 之后不能再有 <%s>", run_end->name);
        gboolean is_else = is_el(run_end, "else");
        check_attrs(L, run_end);
        if (run_end->children)
            T_ERR(L, "template.structure", run_end, "<%s> 应为空元素，分隔 <if> 的分支", run_end->name);
        yf_node *next = new_node(L, run_end, YF_N_IF);
        if (!is_else)
            next->test = parse_test(L, run_end);
        seen_else |= is_else;
        branch->next_branch = next;
        branch = next;
        c = run_end->next;
    }
    return first;
}

static yf_node *parse_for(loader *L, xmlNodePtr x, context ctx)
{
    check_attrs(L, x);
    yf_node *n = new_node(L, x, YF_N_FOR);
    n->path = required_attr(L, x, "each");
    n->as = required_attr(L, x, "as");
    n->sort = attr(x, "sort");
    n->by = attr(x, "by");
    n->sep = attr(x, "sep");
    n->last_sep = attr(x, "last-sep");
    if (n->as && (!valid_slot_name(n->as) || strchr(n->as, '.')))
        T_ERR(L, "template.attribute", x, "<for as=\"%s\">：循环变量应为一个不含“.”的名字", n->as);
    if (n->sort && strcmp(n->sort, "stroke") != 0 && strcmp(n->sort, "pinyin") != 0)
        T_ERR(L, "template.attribute", x, "<for sort=\"%s\">：应为 stroke（按姓氏笔画）或 pinyin（按拼音）",
              n->sort);
    if (n->by && !n->sort)
        T_ERR(L, "template.attribute", x, "<for by=…> 需要同时给出 sort");
    parse_children(L, x, ctx, n->children);
    return n;
}

static void parse_block(loader *L, xmlNodePtr x, yf_block_kind kind, GPtrArray *out)
{
    gboolean is_heading = kind >= YF_BLK_H1 && kind <= YF_BLK_H4;
    check_attrs(L, x);
    yf_node *n = new_node(L, x, YF_N_BLOCK);
    n->block = kind;
    n->style = attr(x, "style");
    n->numbered = is_heading;
    char *num = attr(x, "number");
    if (num && strcmp(num, "none") == 0)
        n->numbered = FALSE;
    else if (num && strcmp(num, "auto") != 0)
        T_ERR(L, "template.attribute", x, "<%s number=\"%s\">：应为 auto 或 none", x->name, num);
    g_free(num);
    parse_children(L, x, CTX_INLINE, n->children);
    g_ptr_array_add(out, n);
}

/* ---- graphics and composite blocks --------------------------------------------------------- */

/* <rule thickness= color= space-before=/>: a rule across the type area. Without space-before it
 * lies between two grid lines (the 版记's rules, GB/T 9704 §7.4.1); with it, that far below the
 * text above (the red rule 4 mm under the 发文字号, §7.2.5). */
/* One stroke's thickness, "0.35mm" or "1pt", 0.05 to 5 mm, in points. */
static gboolean stroke_length(const char *v, double *pt)
{
    char *end;
    double x = g_ascii_strtod(v, &end);
    double mm = strcmp(end, "mm") == 0 ? x : strcmp(end, "pt") == 0 ? x / YF_MM : -1;
    if (end == v || mm < 0.05 || mm > 5)
        return FALSE;
    *pt = mm * YF_MM;
    return TRUE;
}

/* thickness="1mm 0.35mm": two strokes, the first above — a double rule (GB/T 9704 §10.1: 上粗下细
 * under the 发文机关标志, 上细下粗 at the foot of the page) — `gap` apart (1 mm when not given). */
static void parse_rule_strokes(loader *L, xmlNodePtr x, yf_geom *g)
{
    char *v = attr(x, "thickness");
    char **words = v ? g_strsplit(g_strstrip(v), " ", -1) : NULL;
    if (words && g_strv_length(words) == 2) {
        if (!stroke_length(words[0], &g->thickness) || !stroke_length(words[1], &g->thickness2))
            T_ERR(L, "template.attribute", x,
                  "<rule thickness=\"%s\">：应为一个或两个长度（如 0.35mm，双线如 \"1mm 0.35mm\"），各 0.05 到 5 mm",
                  v);
        g->gap = 1 * YF_MM;
        parse_length(L, x, "gap", 0.1, 10, &g->gap);
    } else {
        parse_length(L, x, "thickness", 0.05, 5, &g->thickness);
        if (xmlHasProp(x, BAD_CAST "gap"))
            T_ERR(L, "template.attribute", x,
                  "<rule gap=…> 只用于双线（thickness 给出两个粗细，如 \"1mm 0.35mm\"）");
    }
    g_strfreev(words);
    g_free(v);
}

/* width= (the rule's length, centred), from="page" (centred on the page rather than the type
 * area; bottom= from the page's lower edge), bottom= (a fixed place near the foot of the page the
 * flow is on, taking no line: the 信函格式's second double rule 20 mm above the page's lower edge,
 * §10.1), space-after= (in a top group: the next line's characters that far below the rule, the
 * 份号 and 发文字号 7/8 of a 三号 character under the 信函格式's first double rule). */
static void parse_rule_place(loader *L, xmlNodePtr x, yf_geom *g)
{
    g->bottom = g->space_after = -1;
    parse_length(L, x, "width", 10, 297, &g->length);
    parse_length(L, x, "bottom", 0, 297, &g->bottom);
    parse_length(L, x, "space-after", 0, 100, &g->space_after);
    char *from = attr(x, "from");
    if (from && strcmp(from, "page") != 0 && strcmp(from, "type-area") != 0)
        T_ERR(L, "template.attribute", x, "<rule from=\"%s\">：应为 page（页面）或 type-area（版心）", from);
    g->from_page = from && strcmp(from, "page") == 0;
    g_free(from);
    if (g->bottom >= 0 && g->space >= 0)
        T_ERR(L, "template.attribute", x, "<rule>：bottom 与 space-before 不能同时使用");
    gboolean in_top = FALSE;
    for (xmlNodePtr up = x->parent; up && up->type == XML_ELEMENT_NODE; up = up->parent)
        in_top |= is_el(up, "block");
    if (g->space_after >= 0 && !in_top)
        T_ERR(L, "template.attribute", x, "<rule space-after=…> 只用于 <block position=\"top\"> 中");
}

static void parse_rule(loader *L, xmlNodePtr x, GPtrArray *out)
{
    check_attrs(L, x);
    if (x->children)
        T_ERR(L, "template.structure", x, "<rule> 应为空元素");
    yf_node *n = new_node(L, x, YF_N_BLOCK);
    n->block = YF_BLK_RULE;
    n->geom.thickness = 0.35 * YF_MM; /* §7.4.1: the 版记's 粗线 */
    n->geom.space = -1;
    parse_rule_strokes(L, x, &n->geom);
    parse_length(L, x, "space-before", 0, 100, &n->geom.space);
    parse_rule_place(L, x, &n->geom);
    char *color = attr(x, "color");
    if (color && !yf_parse_color(color, &n->geom.color))
        T_ERR(L, "template.attribute", x, "<rule color=\"%s\">：应为 #RRGGBB、red 或 black", color);
    g_free(color);
    g_ptr_array_add(out, n);
}

static gboolean parse_align_attr(loader *L, xmlNodePtr x, yf_align *out)
{
    char *v = attr(x, "align");
    gboolean ok = v && yf_parse_align(v, out);
    if (v && !ok)
        T_ERR(L, "template.attribute", x, "<%s align=\"%s\">：应为 left、center、right 或 justify",
              x->name, v);
    g_free(v);
    return ok;
}

/* <image src=…|name=… width= height= align= inset= float=/>: a PNG or SVG file, named relative
 * to the template (src) or by a slot holding its file name (name). */
static yf_node *parse_image(loader *L, xmlNodePtr x)
{
    check_attrs(L, x);
    if (x->children)
        T_ERR(L, "template.structure", x, "<image> 应为空元素");
    yf_node *n = new_node(L, x, YF_N_BLOCK);
    n->block = YF_BLK_IMAGE;
    n->src = attr(x, "src");
    n->path = attr(x, "name");
    if (!n->src == !n->path)
        T_ERR(L, "template.attribute", x, "<image> 要用 src（模板目录中的文件）或 name（给出文件名的槽位）之一");
    if (n->src && (!*n->src || g_path_is_absolute(n->src)))
        T_ERR(L, "template.attribute", x, "<image src=\"%s\">：应为相对于模板的路径", n->src);
    parse_length(L, x, "width", 1, 297, &n->geom.width);
    parse_length(L, x, "height", 1, 297, &n->geom.height);
    n->geom.align = YF_ALIGN_CENTER;
    parse_align_attr(L, x, &n->geom.align);
    parse_chars(L, x, "inset", 0, 40, &n->geom.inset);
    yes_no(L, x, "float", &n->geom.floating);
    return n;
}

/* <block from="page">: the offset is from the page's top edge (the 信函格式's 发文机关标志 30 mm
 * down, GB/T 9704 §10.1), kept as a distance from the type area's top (negative above it). */
static void group_from_page(loader *L, xmlNodePtr x, yf_geom *g)
{
    char *from = attr(x, "from");
    if (from && strcmp(from, "page") != 0 && strcmp(from, "type-area") != 0)
        T_ERR(L, "template.attribute", x, "<block from=\"%s\">：应为 page（页面）或 type-area（版心）", from);
    if (from && strcmp(from, "page") == 0)
        g->offset -= L->t->page.top;
    g_free(from);
}

/* <block position="top" offset=…> and <end>: blocks placed as a group — at a fixed distance from
 * the top of the type area (the 发文机关标志, §7.2.3), or at the foot of the last page (the 版记,
 * §7.4; a bulletin's 报尾). */
static void parse_group(loader *L, xmlNodePtr x, GPtrArray *out)
{
    gboolean end = is_el(x, "end");
    check_attrs(L, x);
    for (xmlNodePtr up = x->parent; up && up->type == XML_ELEMENT_NODE; up = up->parent)
        if (is_el(up, "block") || is_el(up, "end") || (end && is_el(up, "attachment")))
            T_ERR(L, "template.structure", x, "<%s> 不能放在 <%s> 中", x->name, up->name);
    yf_node *n = new_node(L, x, YF_N_GROUP);
    n->place = end ? YF_PLACE_END : YF_PLACE_TOP;
    /* GB/T 9704 §7.4: the 版记 on the last side, an even page when printed on both sides. */
    if (end)
        yes_no(L, x, "even-page", &n->geom.even_page);
    if (!end) {
        char *position = required_attr(L, x, "position");
        if (position && strcmp(position, "top") != 0)
            T_ERR(L, "template.attribute", x, "<block position=\"%s\">：应为 top", position);
        g_free(position);
        if (!xmlHasProp(x, BAD_CAST "offset"))
            T_ERR(L, "template.attribute", x, "<block> 缺少 offset 属性（到版心上边缘的距离，如 35mm）");
        parse_length(L, x, "offset", 0, 225, &n->geom.offset);
        group_from_page(L, x, &n->geom);
    }
    parse_children(L, x, CTX_BLOCK, n->children);
    g_ptr_array_add(out, n);
}

/* <attachment>: an attachment of the document (GB/T 9704 §7.3.7), its blocks on pages of their
 * own after the text: "附件N" on the first line, the <title> on the third, then its content like
 * the body. Not inside a group or another attachment. */
static void parse_attachment(loader *L, xmlNodePtr x, GPtrArray *out)
{
    check_attrs(L, x);
    for (xmlNodePtr up = x->parent; up && up->type == XML_ELEMENT_NODE; up = up->parent)
        if (is_el(up, "block") || is_el(up, "end") || is_el(up, "attachment"))
            T_ERR(L, "template.structure", x, "<attachment> 不能放在 <%s> 中", up->name);
    yf_node *n = new_node(L, x, YF_N_ATTACHMENT);
    parse_children(L, x, CTX_BLOCK, n->children);
    g_ptr_array_add(out, n);
}

/* <pagebreak/> and <attachment-list style=…/>: empty elements among the blocks. */
static void parse_marker(loader *L, xmlNodePtr x, GPtrArray *out)
{
    gboolean list = is_el(x, "attachment-list");
    check_attrs(L, x);
    if (x->children)
        T_ERR(L, "template.structure", x, "<%s> 应为空元素", x->name);
    /* The 附件说明 is not part of an attachment; the end group has no page to break. */
    for (xmlNodePtr up = x->parent; up && up->type == XML_ELEMENT_NODE; up = up->parent)
        if (is_el(up, list ? "attachment" : "end"))
            T_ERR(L, "template.structure", x, "<%s> 不能放在 <%s> 中", x->name, up->name);
    yf_node *n = new_node(L, x, list ? YF_N_ATTACHMENT_LIST : YF_N_PAGEBREAK);
    if (list)
        n->style = attr(x, "style");
    g_ptr_array_add(out, n);
}

/* A part of a composite block: a row's left/center/right, a stack's line/side, a signature's
 * issuer/date, a table's tr/td/th. */
static void parse_part(loader *L, xmlNodePtr x, yf_part part, context inner, GPtrArray *out)
{
    check_attrs(L, x);
    yf_node *n = new_node(L, x, YF_N_PART);
    n->part = part;
    n->style = attr(x, "style");
    parse_chars(L, x, "inset", 0, 40, &n->geom.inset);
    n->geom.has_align = parse_align_attr(L, x, &n->geom.align);
    parse_children(L, x, inner, n->children);
    g_ptr_array_add(out, n);
}

static const struct {
    const char *name;
    yf_block_kind kind;
} composite_names[] = {
    { "row", YF_BLK_ROW }, { "stack", YF_BLK_STACK }, { "signature", YF_BLK_SIGNATURE },
    { "table", YF_BLK_TABLE },
};

static int composite_kind(xmlNodePtr x)
{
    for (size_t i = 0; i < G_N_ELEMENTS(composite_names); i++)
        if (is_el(x, composite_names[i].name))
            return composite_names[i].kind;
    return -1;
}

/* widths="2 1 1" or "30mm 1 1": column widths, in mm or as shares of what is left. */
static void parse_widths(loader *L, xmlNodePtr x, yf_geom *g)
{
    char *v = required_attr(L, x, "widths");
    char **items = v ? g_strsplit_set(g_strstrip(v), " \t\n", -1) : NULL;
    for (int i = 0; items && items[i]; i++) {
        if (!*items[i])
            continue;
        char *end;
        double w = g_ascii_strtod(items[i], &end);
        gboolean mm = strcmp(end, "mm") == 0;
        if (g->columns == YF_MAX_COLUMNS || end == items[i] || (*end && !mm) || !(w > 0) ||
            w > 1000) {
            T_ERR(L, "template.attribute", x,
                  "<table widths=\"%s\">：应为最多 %d 个列宽，如“2 1 1”（比例）或“30mm 1 1”",
                  v, YF_MAX_COLUMNS);
            break;
        }
        g->widths[g->columns++] = mm ? w * YF_MM : -w;
    }
    g_strfreev(items);
    g_free(v);
}

/* <row>, <stack>, <signature>, <table>. A row's and a signature's parts are fixed elements; a
 * stack's lines and a table's rows and cells may come from <for> and <if>. */
static void parse_composite(loader *L, xmlNodePtr x, yf_block_kind kind, GPtrArray *out)
{
    check_attrs(L, x);
    yf_node *n = new_node(L, x, YF_N_BLOCK);
    n->block = kind;
    n->style = attr(x, "style");
    /* Without widths, equal columns, as many as the first row has cells (a table from data). */
    if (kind == YF_BLK_TABLE && xmlHasProp(x, BAD_CAST "widths"))
        parse_widths(L, x, &n->geom);
    if (kind == YF_BLK_STACK || kind == YF_BLK_TABLE) {
        parse_children(L, x, kind == YF_BLK_STACK ? CTX_STACK : CTX_TABLE, n->children);
        g_ptr_array_add(out, n);
        return;
    }
    check_element_only(L, x);
    static const char *const row_parts[] = { "left", "center", "right", NULL };
    static const char *const sign_parts[] = { "issuer", "date", NULL };
    const char *const *names = kind == YF_BLK_ROW ? row_parts : sign_parts;
    int seen[4] = { 0 }; /* of each part; the signature's image last */
    int stray = 0;       /* a signature's seals that do not follow their issuer */
    gboolean after_issuer = FALSE;
    for (xmlNodePtr c = x->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        int which = -1;
        for (int i = 0; names[i]; i++)
            which = is_el(c, names[i]) ? i : which;
        if (kind == YF_BLK_SIGNATURE && is_el(c, "image"))
            which = 3;
        /* Joint issuers from the data: <for> and <if> holding <issuer>s, each with its seal. */
        if (kind == YF_BLK_SIGNATURE && (is_el(c, "for") || is_el(c, "if"))) {
            parse_element(L, c, CTX_SIGNERS, n->children);
            seen[0] += 2;
            after_issuer = FALSE;
            continue;
        }
        if (which < 0) {
            T_ERR(L, "template.unknown-element", c, "<%s> 中未知元素 <%s>（可用：%s）", x->name, c->name,
                  kind == YF_BLK_ROW ? "left、center、right" : "issuer、date、image、for、if");
            continue;
        }
        /* Joint issuance (§7.3.5.1): several issuers, each followed by its own seal. */
        if (kind == YF_BLK_SIGNATURE && which == 3)
            stray += !after_issuer;
        after_issuer = kind == YF_BLK_SIGNATURE && which == 0;
        if (seen[which]++ && !(kind == YF_BLK_SIGNATURE && (which == 0 || which == 3)))
            T_ERR(L, "template.structure", c, "<%s> 中只能有一个 <%s>", x->name, c->name);
        if (which == 3)
            g_ptr_array_add(n->children, parse_image(L, c));
        else
            parse_part(L, c, (kind == YF_BLK_ROW ? YF_PART_LEFT : YF_PART_ISSUER) + which,
                       CTX_INLINE, n->children);
    }
    if (kind == YF_BLK_SIGNATURE && !(seen[0] && seen[1]))
        T_ERR(L, "template.structure", x, "<signature> 要有 <issuer>（发文机关署名）和 <date>（成文日期）");
    if (kind == YF_BLK_SIGNATURE && seen[0] == 1 && seen[3] > 1)
        T_ERR(L, "template.structure", x, "<signature> 中只能有一个 <image>（一个发文机关一个印章）");
    if (kind == YF_BLK_SIGNATURE && seen[0] > 1 && stray)
        T_ERR(L, "template.structure", x, "联合署名的 <signature> 中，每个 <image>（印章）紧跟在它的 <issuer> 之后");
    g_ptr_array_add(out, n);
}

static void parse_element(loader *L, xmlNodePtr x, context ctx, GPtrArray *out)
{
    int kind = block_kind_of(x);
    if (x->ns) {
        const char *prefix = x->ns->prefix ? (const char *)x->ns->prefix : "";
        T_ERR(L, "template.unknown-element", x, "<%s%s%s> 不是模板元素（模板语言不用命名空间）", prefix,
              *prefix ? ":" : "", x->name);
    } else if (is_el(x, "if")) {
        g_ptr_array_add(out, parse_if(L, x, ctx));
    } else if (is_el(x, "for")) {
        g_ptr_array_add(out, parse_for(L, x, ctx));
    } else if (ctx == CTX_BLOCK && kind >= 0) {
        parse_block(L, x, kind, out);
    } else if (ctx == CTX_BLOCK && is_el(x, "paragraphs")) {
        check_attrs(L, x);
        yf_node *n = new_node(L, x, YF_N_PARAS);
        n->path = required_attr(L, x, "name");
        n->style = attr(x, "style");
        g_ptr_array_add(out, n);
    } else if (ctx == CTX_BLOCK && is_el(x, "include")) {
        parse_include(L, x, out);
    } else if (ctx == CTX_INLINE && is_el(x, "v")) {
        check_attrs(L, x);
        if (x->children)
            T_ERR(L, "template.structure", x, "<v> 应为空元素：<v name=\"…\"/>");
        yf_node *n = new_node(L, x, YF_N_VALUE);
        n->path = required_attr(L, x, "name");
        n->format = attr(x, "format");
        g_ptr_array_add(out, n);
    } else if (ctx == CTX_INLINE && is_el(x, "br")) {
        check_attrs(L, x);
        g_ptr_array_add(out, new_node(L, x, YF_N_BREAK));
    } else if (ctx == CTX_INLINE && is_el(x, "span")) {
        check_attrs(L, x);
        yf_node *n = new_node(L, x, YF_N_SPAN);
        n->style = required_attr(L, x, "style");
        parse_children(L, x, CTX_INLINE, n->children);
        g_ptr_array_add(out, n);
    } else if (ctx == CTX_BLOCK && is_el(x, "rule")) {
        parse_rule(L, x, out);
    } else if (ctx == CTX_BLOCK && is_el(x, "image")) {
        g_ptr_array_add(out, parse_image(L, x));
    } else if (ctx == CTX_BLOCK && (is_el(x, "block") || is_el(x, "end"))) {
        parse_group(L, x, out);
    } else if (ctx == CTX_BLOCK && is_el(x, "attachment")) {
        parse_attachment(L, x, out);
    } else if (ctx == CTX_BLOCK && (is_el(x, "pagebreak") || is_el(x, "attachment-list"))) {
        parse_marker(L, x, out);
    } else if (ctx == CTX_BLOCK && composite_kind(x) >= 0) {
        parse_composite(L, x, composite_kind(x), out);
    } else if (ctx == CTX_STACK && (is_el(x, "line") || is_el(x, "side"))) {
        parse_part(L, x, is_el(x, "line") ? YF_PART_LINE : YF_PART_SIDE, CTX_INLINE, out);
    } else if (ctx == CTX_TABLE && is_el(x, "tr")) {
        parse_part(L, x, YF_PART_TR, CTX_CELLS, out);
    } else if (ctx == CTX_SIGNERS && is_el(x, "issuer")) {
        parse_part(L, x, YF_PART_ISSUER, CTX_INLINE, out);
    } else if (ctx == CTX_SIGNERS && is_el(x, "image")) {
        g_ptr_array_add(out, parse_image(L, x));
    } else if (ctx == CTX_CELLS && (is_el(x, "td") || is_el(x, "th"))) {
        parse_part(L, x, is_el(x, "td") ? YF_PART_TD : YF_PART_TH, CTX_INLINE, out);
    } else if (ctx == CTX_BLOCK) {
        T_ERR(L, "template.unknown-element", x,
              "<%s> 中未知元素 <%s>（可用：title、subtitle、salutation、p、h1–h4、"
              "paragraphs、rule、row、stack、signature、image、table、block、end、pagebreak、"
              "attachment、attachment-list、for、if、include）", x->parent->name, x->name);
    } else if (ctx != CTX_INLINE) {
        static const char *const allowed[] = { [CTX_STACK] = "line、side、for、if",
                                               [CTX_TABLE] = "tr、for、if",
                                               [CTX_CELLS] = "td、th、for、if",
                                               [CTX_SIGNERS] = "issuer、image、for、if" };
        T_ERR(L, "template.unknown-element", x, "<%s> 中未知元素 <%s>（可用：%s）", x->parent->name, x->name,
              allowed[ctx]);
    } else {
        T_ERR(L, "template.unknown-element", x, "<%s> 中未知元素 <%s>（可用：v、br、span、for、if）",
              x->parent->name, x->name);
    }
}

static void parse_children(loader *L, xmlNodePtr parent, context ctx, GPtrArray *out)
{
    for (xmlNodePtr c = parent->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            parse_element(L, c, ctx, out);
        } else if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
            if (ctx != CTX_INLINE) {
                if (!is_blank(c->content))
                    T_ERR(L, "template.structure", parent, "<%s> 中不能直接写文字；段落文字请放在 <p>、<h1> 等元素中",
                          parent->name);
                continue;
            }
            yf_node *n = new_node(L, parent, YF_N_TEXT);
            n->text = g_strdup((const char *)c->content);
            g_ptr_array_add(out, n);
        } else if (c->type == XML_ENTITY_REF_NODE) {
            T_ERR(L, "template.syntax", parent, "不允许实体引用 &%s;", c->name);
        }
    }
}

/* ---- reading a file: template, base, part ------------------------------------------------ */


/* <include src="…"/>: a <part> file's slots, styles and blocks, inserted here. */
static void parse_include(loader *L, xmlNodePtr x, GPtrArray *out)
{
    check_attrs(L, x);
    char *src = required_attr(L, x, "src");
    const char *within = L->root;
    char *path = src ? resolve_ref(L, x, src, &within) : NULL;
    g_free(src);
    if (!path)
        return;
    loader sub = { .t = L->t, .diags = L->diags, .read = L->read, .root = within,
                   .shared = L->shared, .depth = L->depth + 1 };
    xmlDocPtr doc = read_xml(&sub, path);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (root && !is_el(root, "part")) {
        T_ERR(&sub, "template.structure", root, "被引用的文件的根元素应为 <part>，而不是 <%s>", root->name);
    } else if (root) {
        check_attrs(&sub, root);
        for (xmlNodePtr c = root->children; c; c = c->next) {
            if (is_el(c, "slots"))
                parse_slots(&sub, c);
            else if (is_el(c, "styles"))
                parse_styles(&sub, c);
            else if (c->type == XML_ELEMENT_NODE)
                parse_element(&sub, c, CTX_BLOCK, out);
            else if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
                     !is_blank(c->content))
                T_ERR(&sub, "template.structure", root, "<part> 中不能直接写文字；段落文字请放在 <p>、<h1> 等元素中");
        }
    }
    if (doc)
        xmlFreeDoc(doc);
    loader_done(&sub);
    g_free(path);
}

/* Where a base's <content/> stands (an index into the template's body): the body of the
 * template that extends it goes there. */
typedef struct content_mark {
    guint at;
    gboolean found;
} content_mark;

static void parse_body(loader *L, xmlNodePtr n, GPtrArray *into, content_mark *mark)
{
    check_attrs(L, n);
    for (xmlNodePtr c = n->children; c; c = c->next) {
        if (is_el(c, "content")) {
            check_attrs(L, c);
            if (!mark)
                T_ERR(L, "template.structure", c, "<content/> 只能用在被 extends 的基础模板中");
            else if (mark->found)
                T_ERR(L, "template.structure", c, "<content/> 只能出现一次");
            else
                *mark = (content_mark){ into->len, TRUE };
        } else if (c->type == XML_ELEMENT_NODE) {
            parse_element(L, c, CTX_BLOCK, into);
        } else if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
                   !is_blank(c->content)) {
            T_ERR(L, "template.structure", n, "<body> 中不能直接写文字；段落文字请放在 <p>、<h1> 等元素中");
        } else if (c->type == XML_ENTITY_REF_NODE) {
            T_ERR(L, "template.syntax", n, "不允许实体引用 &%s;", c->name);
        }
    }
}

/* Reads a <template> file into L->t. With `outer` (the file is a base of another), the
 * position of its <content/> in the body is recorded there. */
static void read_template_file(loader *L, const char *path, content_mark *outer)
{
    xmlDocPtr doc = read_xml(L, path);
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root)
        goto done;
    if (!is_el(root, "template")) {
        T_ERR(L, "template.structure", root, "根元素应为 <template>，而不是 <%s>", root->name);
        goto done;
    }
    check_attrs(L, root);
    char *version = attr(root, "version");
    if (!version)
        T_ERR(L, "template.attribute", root, "<template> 缺少 version 属性（当前版本为 version=\"1\"）");
    else if (strcmp(version, "1") != 0)
        T_ERR(L, "template.attribute", root, "<template version=\"%s\">：不支持的版本（本程序支持 1）", version);
    g_free(version);
    check_element_only(L, root);

    /* A base first: its page, styles, slots and body; this file's body then goes at the base's
     * <content/> (or after the base's body when it has none). */
    content_mark base_mark = { 0 };
    gboolean extended = FALSE;
    char *extends = attr(root, "extends");
    if (extends) {
        const char *base_root = L->root;
        char *base = resolve_ref(L, root, extends, &base_root);
        if (base) {
            loader B = { .t = L->t, .diags = L->diags, .read = L->read, .root = base_root,
                         .shared = L->shared, .depth = L->depth + 1 };
            read_template_file(&B, base, &base_mark);
            loader_done(&B);
            extended = TRUE;
        }
        g_free(base);
        g_free(extends);
    }

    gboolean have_body = extended;
    for (xmlNodePtr c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (is_el(c, "info"))
            parse_info(L, c);
        else if (is_el(c, "page"))
            parse_page(L, c);
        else if (is_el(c, "styles"))
            parse_styles(L, c);
        else if (is_el(c, "slots"))
            parse_slots(L, c);
        else if (is_el(c, "body")) {
            if (have_body && !extended)
                T_ERR(L, "template.structure", c, "<template> 只能有一个 <body>");
            have_body = TRUE;
            GPtrArray *mine = g_ptr_array_new();
            content_mark my_mark = { 0 };
            parse_body(L, c, mine, outer ? &my_mark : NULL);
            guint at = base_mark.found ? base_mark.at : L->t->body->len;
            for (guint i = 0; i < mine->len; i++)
                g_ptr_array_insert(L->t->body, (gint)(at + i), g_ptr_array_index(mine, i));
            if (outer && my_mark.found)
                *outer = (content_mark){ at + my_mark.at, TRUE };
            g_ptr_array_free(mine, TRUE);
        } else
            T_ERR(L, "template.unknown-element", c,
                  "<template> 中未知元素 <%s>（可用：info、page、styles、slots、body）",
                  c->name);
    }
    if (!have_body)
        T_ERR(L, "template.structure", root, "<template> 缺少 <body>");
done:
    if (doc)
        xmlFreeDoc(doc);
}

/* ---- the second pass: names in scope ---------------------------------------------------------- */

/* A loop variable in scope: `as` names the current item of `list`. */
typedef struct scope {
    const char *var;
    yf_slot *list;
    const struct scope *up;
} scope;

typedef struct {
    yf_template *t;
    yf_diags *diags;
} checker;

/* The synthetic declarations of loop.index (1, 2, …), loop.count, loop.first, loop.last. Shared
 * by every template of every thread: never written (mark_use leaves them alone). */
static yf_slot loop_index = { .name = "loop.index", .type = YF_SLOT_INTEGER };
static yf_slot loop_count = { .name = "loop.count", .type = YF_SLOT_INTEGER };
static yf_slot loop_first = { .name = "loop.first", .type = YF_SLOT_BOOLEAN };
static yf_slot loop_last = { .name = "loop.last", .type = YF_SLOT_BOOLEAN };

yf_slot *yf_loop_slot(const char *member)
{
    if (strcmp(member, "index") == 0)
        return &loop_index;
    if (strcmp(member, "count") == 0)
        return &loop_count;
    if (strcmp(member, "first") == 0)
        return &loop_first;
    if (strcmp(member, "last") == 0)
        return &loop_last;
    return NULL;
}

static void mark_use(yf_slot *s, const yf_node *n);

/* Marks the object slots a member path passes through ("主办.名称": 主办) as used by `n`: a
 * member in use is its object in use. */
static void mark_objects(GPtrArray *slots, const char *path, const yf_node *n)
{
    for (guint i = 0; slots && i < slots->len; i++) {
        yf_slot *s = g_ptr_array_index(slots, i);
        size_t len = strlen(s->name);
        if (s->type == YF_SLOT_OBJECT && strncmp(s->name, path, len) == 0 && path[len] == '.') {
            mark_use(s, n);
            mark_objects(s->fields, path + len + 1, n);
            return;
        }
    }
}

/* The declaration a path names in scope, or NULL. A path starting with a loop variable reads
 * the current item ("篇.标题"); "loop.index" etc. read the innermost loop's position; any other
 * path is a top-level slot. The top-level slot a use belongs to is returned in *owner; the
 * objects the path passes through are marked as used by `n`. */
static yf_slot *resolve(const checker *K, const scope *sc, const char *path, yf_slot **owner,
                        const yf_node *n)
{
    const char *dot = strchr(path, '.');
    size_t head = dot ? (size_t)(dot - path) : strlen(path);
    if (head == 4 && strncmp(path, "loop", 4) == 0) {
        *owner = NULL;
        return sc && dot ? yf_loop_slot(dot + 1) : NULL;
    }
    for (const scope *s = sc; s; s = s->up) {
        if (strlen(s->var) != head || strncmp(s->var, path, head) != 0)
            continue;
        *owner = s->list;
        if (!dot)
            return s->list->element ? s->list->element : s->list;
        mark_objects(s->list->fields, dot + 1, n);
        return s->list->fields ? yf_slot_find(s->list->fields, dot + 1) : NULL;
    }
    yf_slot *d = yf_slot_find(K->t->slots, path);
    *owner = d;
    mark_objects(K->t->slots, path, n);
    return d;
}

static gboolean is_loop_slot(const yf_slot *s)
{
    return s == &loop_index || s == &loop_count || s == &loop_first || s == &loop_last;
}

static void mark_use(yf_slot *s, const yf_node *n)
{
    if (s && !s->use_file && !is_loop_slot(s)) {
        s->use_file = n->file;
        s->use_line = n->line;
        s->use_col = n->col;
    }
}

static const char *what_is(yf_slot_type t)
{
    switch (t) {
    case YF_SLOT_LIST: return "列表";
    case YF_SLOT_OBJECT: return "对象";
    case YF_SLOT_PARAGRAPHS: return "段落列表";
    default: return "值";
    }
}

static void check_nodes(checker *K, GPtrArray *nodes, const scope *sc);

/* <v name=…> and <image name=…>: a single value in scope. */
static void check_value(checker *K, yf_node *n, const scope *sc)
{
    yf_slot *owner = NULL, *d = n->path ? resolve(K, sc, n->path, &owner, n) : NULL;
    const char *el = n->kind == YF_N_VALUE ? "v" : "image";
    if (!n->path)
        return;
    if (!d && g_hash_table_contains(K->t->rejected, n->path))
        return;
    if (!d) {
        N_ERR(K->diags, "template.undeclared-slot", n, "<%s name=\"%s\">：槽位「%s」未在 <slots> 中声明%s",
              el, n->path, n->path,
              g_str_has_prefix(n->path, "loop.") ? "（loop.index/count/first/last 只能用在 <for> 中）" : "");
        return;
    }
    mark_use(owner, n);
    mark_use(d, n);
    d->image |= n->kind != YF_N_VALUE;
    if (!is_scalar(d->type)) {
        N_ERR(K->diags, "template.slot-use", n, "<%s name=\"%s\">：「%s」是%s，不能直接输出（%s）", el, n->path,
              n->path, what_is(d->type),
              d->type == YF_SLOT_PARAGRAPHS ? "用 <paragraphs name=…/>" : "用 <for each=…> 逐项输出");
        return;
    }
    char *why = NULL;
    if (n->format && !yf_format_applies(n->format, d->type, &why)) {
        N_ERR(K->diags, "template.slot-use", n, "<v name=\"%s\" format=\"%s\">：%s，而「%s」是 %s",
              n->path, n->format, why, n->path, yf_slot_type_name(d->type));
        g_free(why);
    }
}

static void check_for(checker *K, yf_node *n, const scope *sc)
{
    yf_slot *owner = NULL, *d = n->path ? resolve(K, sc, n->path, &owner, n) : NULL;
    if (n->path && !d)
        N_ERR(K->diags, "template.undeclared-slot", n, "<for each=\"%s\">：槽位「%s」未在 <slots> 中声明",
              n->path, n->path);
    else if (d && d->type != YF_SLOT_LIST)
        N_ERR(K->diags, "template.slot-use", n, "<for each=\"%s\">：「%s」应为 list 类型，却是 %s", n->path,
              n->path, yf_slot_type_name(d->type));
    if (!d || d->type != YF_SLOT_LIST) {
        check_nodes(K, n->children, sc);
        return;
    }
    mark_use(owner, n);
    mark_use(d, n);
    if (n->by && !(d->fields && yf_slot_find(d->fields, n->by)))
        N_ERR(K->diags, "template.slot-use", n, "<for by=\"%s\">：列表「%s」的项没有字段「%s」", n->by, n->path,
              n->by);
    else if (n->sort && !n->by && d->fields)
        N_ERR(K->diags, "template.slot-use", n, "<for sort=…>：列表「%s」的项是对象，要用 by 指明按哪个字段排序",
              n->path);
    scope inner = { n->as ? n->as : "", d, sc };
    check_nodes(K, n->children, n->as ? &inner : sc);
}

static void check_if(checker *K, yf_node *n, const scope *sc)
{
    for (yf_node *b = n; b; b = b->next_branch) {
        if (b->test) {
            GPtrArray *paths = g_ptr_array_new();
            yf_expr_paths(b->test, paths);
            for (guint i = 0; i < paths->len; i++) {
                const char *p = g_ptr_array_index(paths, i);
                yf_slot *owner = NULL, *d = resolve(K, sc, p, &owner, b);
                if (!d)
                    N_ERR(K->diags, "template.undeclared-slot", b, "条件中的槽位「%s」未在 <slots> 中声明", p);
                mark_use(owner, b);
                mark_use(d, b);
            }
            g_ptr_array_free(paths, TRUE);
        }
        check_nodes(K, b->children, sc);
    }
}

static void check_style(checker *K, yf_node *n)
{
    if (n->style && !g_hash_table_contains(K->t->styles, n->style))
        N_ERR(K->diags, "template.style", n, "样式「%s」未在 <styles> 中定义", n->style);
}

static void check_nodes(checker *K, GPtrArray *nodes, const scope *sc)
{
    for (guint i = 0; i < nodes->len; i++) {
        yf_node *n = g_ptr_array_index(nodes, i);
        switch (n->kind) {
        case YF_N_VALUE: check_value(K, n, sc); break;
        case YF_N_FOR: check_for(K, n, sc); break;
        case YF_N_IF: check_if(K, n, sc); break;
        case YF_N_PARAS: {
            check_style(K, n);
            yf_slot *owner = NULL, *d = n->path ? resolve(K, sc, n->path, &owner, n) : NULL;
            if (n->path && (!d || d->type != YF_SLOT_PARAGRAPHS))
                N_ERR(K->diags, "template.slot-use", n,
                      "<paragraphs name=\"%s\">：应为 paragraphs 类型的槽位", n->path);
            mark_use(owner, n);
            mark_use(d, n);
            break;
        }
        case YF_N_BLOCK:
            if (n->block == YF_BLK_IMAGE)
                check_value(K, n, sc);
            check_style(K, n);
            check_nodes(K, n->children, sc);
            break;
        case YF_N_SPAN:
        case YF_N_PART:
        case YF_N_GROUP:
        case YF_N_ATTACHMENT:
        case YF_N_ATTACHMENT_LIST:
            check_style(K, n);
            check_nodes(K, n->children, sc);
            break;
        default:
            break;
        }
    }
}

/* Declared slots no body uses: a form would ask for a value nobody sees. */
static void warn_unused_slots(checker *K, GPtrArray *slots)
{
    for (guint i = 0; i < slots->len; i++) {
        yf_slot *s = g_ptr_array_index(slots, i);
        if (!s->use_file)
            yf_warn_at(K->diags, "template.unused-slot", s->file, s->line, s->col,
                       "槽位「%s」已声明但未在正文中使用",
                       s->name);
        else if (s->fields)
            warn_unused_slots(K, s->fields);
    }
}

/* ---- RELAX NG ------------------------------------------------------------------------------ */

/* The schema (templates/yinfa-template.rng) is the language's grammar for editors and other
 * tools. The loader above reports problems in users' words; the schema check below is a second
 * opinion, run on templates the loader accepted, so the two can never silently disagree. */
static void on_rng_error(void *user, xmlErrorPtr e)
{
    loader *L = user;
    char *msg = g_strchomp(g_strdup(e->message ? e->message : "?"));
    yf_error_at(L->diags, "template.schema", e->file ? e->file : L->path, e->line, 0,
                "不符合模板语法（RELAX NG）：%s",
                msg);
    g_free(msg);
}

/* The compiled grammar. With a context it is compiled once, on the context's first load, and
 * kept there: the context is used by one thread at a time, and a compiled RELAX NG schema is not
 * shared between threads (libxml2 keeps validation state in it). Without one it is compiled for
 * this load and freed by the caller. */
static xmlRelaxNGPtr compile_schema(void)
{
    xmlRelaxNGParserCtxtPtr pc = xmlRelaxNGNewMemParserCtxt(yf_schema_rng, (int)yf_schema_rng_len);
    xmlRelaxNGPtr rng = pc ? xmlRelaxNGParse(pc) : NULL;
    if (pc)
        xmlRelaxNGFreeParserCtxt(pc);
    return rng;
}

static xmlRelaxNGPtr schema_of(yf_context *ctx)
{
    if (!ctx)
        return compile_schema();
    if (!ctx->schema)
        ctx->schema = compile_schema();
    return ctx->schema;
}

static void validate_schema(loader *L, yf_context *ctx, const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    if (yf_read_file(path, YF_TEMPLATE_MAX_BYTES, &buf, &len) != 0)
        return;
    xmlSetStructuredErrorFunc(L, on_rng_error);
    xmlRelaxNGPtr rng = schema_of(ctx);
    xmlDocPtr doc = xmlReadMemory(buf, (int)len, path, "UTF-8",
                                  XML_PARSE_NONET | XML_PARSE_IGNORE_ENC);
    if (!rng)
        yf_error(L->diags, "setup.missing", "内置的模板语法（RELAX NG）无法加载");
    else if (doc) {
        xmlRelaxNGValidCtxtPtr vc = xmlRelaxNGNewValidCtxt(rng);
        xmlRelaxNGSetValidStructuredErrors(vc, on_rng_error, L);
        xmlRelaxNGValidateDoc(vc, doc);
        xmlRelaxNGFreeValidCtxt(vc);
    }
    xmlSetStructuredErrorFunc(NULL, NULL);
    if (doc)
        xmlFreeDoc(doc);
    if (rng && !ctx)
        xmlRelaxNGFree(rng);
    g_free(buf);
}

void yf_schema_free(void *schema)
{
    if (schema)
        xmlRelaxNGFree(schema);
}

/* ---- loading ----------------------------------------------------------------------------------- */

static void init_styles(yf_template *t)
{
    t->styles = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    /* A composite block named after another kind's style (a row's 正文) does not replace it. */
    for (int k = 0; k < YF_BLK_COUNT; k++) {
        const char *name = yf_style_builtin_name(k);
        if (!name || g_hash_table_contains(t->styles, name))
            continue;
        yf_style s = yf_style_builtin(k, &t->page);
        g_hash_table_insert(t->styles, g_strdup(name), g_memdup2(&s, sizeof s));
    }
    yf_style th = yf_style_table_header(&t->page);
    g_hash_table_insert(t->styles, g_strdup(YF_STYLE_TABLE_HEADER), g_memdup2(&th, sizeof th));
    /* GB/T 9704 §7.3.7: "附件" and its number 三号黑体 flush left on the first line of an
     * attachment's first page, its title (二号小标宋, centred) on the third. §7.3.4: the 附件说明
     * one line below the text, two characters in. */
    yf_style label = yf_style_builtin(YF_BLK_PARA, &t->page);
    label.role = YF_ROLE_HEITI;
    label.indent = 0;
    label.align = YF_ALIGN_LEFT;
    label.keep_with_next = TRUE;
    g_hash_table_insert(t->styles, g_strdup(YF_STYLE_ANNEX_LABEL), g_memdup2(&label, sizeof label));
    yf_style title = yf_style_builtin(YF_BLK_TITLE, &t->page);
    title.space_before = 1;
    g_hash_table_insert(t->styles, g_strdup(YF_STYLE_ANNEX_TITLE), g_memdup2(&title, sizeof title));
    yf_style note = yf_style_builtin(YF_BLK_PARA, &t->page);
    note.space_before = 1;
    g_hash_table_insert(t->styles, g_strdup(YF_STYLE_ANNEX_NOTE), g_memdup2(&note, sizeof note));
}

yf_template *yf_template_load(yf_context *ctx, const char *path, yf_diags *diags)
{
    YF_OWN_DIAGS(diags, yf_template *, yf_template_load(ctx, path, own_diags));
    YF_REQUIRE(diags, path, NULL);
    yf_library_init();
    yf_template *t = g_new0(yf_template, 1);
    t->path = g_strdup(path);
    yf_page_gbt9704(&t->page);
    if (ctx)
        t->page.max_pages = ctx->max_pages;
    t->slots = g_ptr_array_new_with_free_func(slot_free);
    t->body = g_ptr_array_new_with_free_func(node_free);
    t->files = g_ptr_array_new_with_free_func(g_free);
    t->rejected = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    init_styles(t);

    /* Includes and bases may come from anywhere in the collection the template belongs to: the
     * folder that holds the template's own folder (templates/ for templates/speech/). */
    char *abs = g_canonicalize_filename(path, NULL);
    char *dir = g_path_get_dirname(abs);
    char *root = real_path(g_path_get_dirname(dir));
    size_t read = 0;
    /* Without a context, the installed shared templates (share/yinfa/templates). */
    char *installed = ctx ? NULL : real_path(g_build_filename(YF_DATADIR, "templates", NULL));
    loader L = { .t = t, .diags = diags, .read = &read, .root = root,
                 .shared = ctx ? ctx->shared_templates : installed };
    size_t errors_before = yf_diags_errors(diags);
    read_template_file(&L, path, NULL);
    loader_done(&L);

    /* Names are checked even after errors of the first pass, so one run reports both kinds;
     * only a file that could not be read at all stops here. */
    if (t->body->len || yf_diags_errors(diags) == errors_before) {
        checker K = { t, diags };
        check_nodes(&K, t->body, NULL);
        if (yf_diags_errors(diags) == errors_before)
            warn_unused_slots(&K, t->slots);
    }
    /* Every file read — the template, its bases and parts — against the grammar. */
    for (guint i = 0; yf_diags_errors(diags) == errors_before && i < t->files->len; i++)
        validate_schema(&L, ctx, g_ptr_array_index(t->files, i));
    g_free(abs);
    g_free(dir);
    g_free(root);
    g_free(installed);
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
    g_ptr_array_free(t->slots, TRUE);
    g_ptr_array_free(t->body, TRUE);
    g_hash_table_destroy(t->styles);
    g_hash_table_destroy(t->rejected);
    g_ptr_array_free(t->files, TRUE);
    g_free(t);
}

const char *yf_template_name(const yf_template *t) { return t ? t->name : NULL; }

size_t yf_template_file_count(const yf_template *t) { return t ? t->files->len : 0; }

const char *yf_template_file(const yf_template *t, size_t i)
{
    return t && i < t->files->len ? g_ptr_array_index(t->files, i) : NULL;
}
