/* Context: the long-lived state every document shares — fontconfig, the Pango font map and the
 * resolution of the GB/T 9704 type roles to installed faces.
 *
 * In: the path of the project's fonts.conf. Out: a context whose Pango context is set for print
 * (72 units per inch so sizes are points, unhinted metrics, unrounded glyph positions, language
 * zh-cn). Creating it costs the font loading once; batch rendering reuses it. */
#include "internal.h"

#include <hyphen.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xmlschemastypes.h>
#include <pango/pangofc-fontmap.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* English hyphenation patterns (Debian's hyphen-en-us, read by libhyphen): long English words in
 * Chinese text break between syllables. Without them words are not hyphenated. */
#define YF_HYPHEN_DICT "/usr/share/hyphen/hyph_en_US.dic"

typedef struct {
    const char *name;        /* the role as templates write it */
    const char *family;      /* the alias defined in fonts/yinfa-roles.conf */
} yf_role_info;

/* The roles. Which faces serve a role, and which of them are the faces offices have, is stated
 * once, in the roles file: the alias FAMILY prefers FAMILY-office (the office faces, in their
 * order) before the free substitutes. Any face that is not one of FAMILY-office's is a
 * substitute. */
static const yf_role_info roles[YF_ROLE_COUNT] = {
    [YF_ROLE_XIAOBIAOSONG] = { "小标宋", "yinfa-xiaobiaosong" },
    [YF_ROLE_FANGSONG] = { "仿宋", "yinfa-fangsong" },
    [YF_ROLE_HEITI] = { "黑体", "yinfa-heiti" },
    [YF_ROLE_KAITI] = { "楷体", "yinfa-kaiti" },
    [YF_ROLE_SONGTI] = { "宋体", "yinfa-songti" },
};

const char *yf_role_name(yf_role r) { return roles[r].name; }
const char *yf_role_family(yf_role r) { return roles[r].family; }

int yf_role_from_name(const char *name)
{
    for (int r = 0; r < YF_ROLE_COUNT; r++)
        if (strcmp(roles[r].name, name) == 0)
            return r;
    return -1;
}

static gboolean is_office_face(const yf_context *ctx, yf_role r, const char *family)
{
    for (guint i = 0; i < ctx->office[r]->len; i++)
        if (g_ascii_strcasecmp(g_ptr_array_index(ctx->office[r], i), family) == 0)
            return TRUE;
    return FALSE;
}

/* The text of the first <family> child of `node`, or NULL. */
static xmlChar *first_family(xmlNode *node)
{
    for (xmlNode *c = node->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, BAD_CAST "family"))
            return xmlNodeGetContent(c);
    return NULL;
}

/* The families an <alias> whose own family is `alias` prefers, in order, added to `out`. */
static void alias_prefers(xmlNode *root, const char *alias, GPtrArray *out)
{
    for (xmlNode *a = root->children; a; a = a->next) {
        if (a->type != XML_ELEMENT_NODE || !xmlStrEqual(a->name, BAD_CAST "alias"))
            continue;
        xmlChar *own = first_family(a);
        gboolean match = own && xmlStrEqual(own, BAD_CAST alias);
        xmlFree(own);
        for (xmlNode *p = match ? a->children : NULL; p; p = p->next) {
            if (p->type != XML_ELEMENT_NODE || !xmlStrEqual(p->name, BAD_CAST "prefer"))
                continue;
            for (xmlNode *f = p->children; f; f = f->next)
                if (f->type == XML_ELEMENT_NODE && xmlStrEqual(f->name, BAD_CAST "family")) {
                    xmlChar *t = xmlNodeGetContent(f);
                    g_ptr_array_add(out, g_strstrip(g_strdup((const char *)t)));
                    xmlFree(t);
                }
        }
    }
}

/* Reads each role's office faces from the roles file (the alias FAMILY-office). A role without
 * any is an error: the file is not yinfa's role map. */
static gboolean load_office_faces(yf_context *ctx, const char *roles_conf, yf_diags *diags)
{
    xmlDoc *doc = xmlReadFile(roles_conf, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                              XML_PARSE_NOWARNING);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    gboolean ok = TRUE;
    for (int r = 0; r < YF_ROLE_COUNT; r++) {
        ctx->office[r] = g_ptr_array_new_with_free_func(g_free);
        char *alias = g_strconcat(roles[r].family, "-office", NULL);
        if (root)
            alias_prefers(root, alias, ctx->office[r]);
        if (!ctx->office[r]->len) {
            yf_error_at(diags, "font.config", roles_conf, 0, 0, "字体角色配置没有「%s」的办公字体（别名 %s）",
                        roles[r].name, alias);
            ok = FALSE;
        }
        g_free(alias);
    }
    if (doc)
        xmlFreeDoc(doc);
    return ok;
}

/* Which face fontconfig picks for a role: the first family of the best match. */
static char *resolve_role(FcConfig *fc, yf_role r)
{
    FcPattern *pat = FcPatternCreate();
    FcPatternAddString(pat, FC_FAMILY, (const FcChar8 *)roles[r].family);
    FcPatternAddString(pat, FC_LANG, (const FcChar8 *)"zh-cn");
    FcConfigSubstitute(fc, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    FcResult res;
    FcPattern *match = FcFontMatch(fc, pat, &res);
    char *family = NULL;
    FcChar8 *s;
    if (match && FcPatternGetString(match, FC_FAMILY, 0, &s) == FcResultMatch)
        family = g_strdup((const char *)s);
    /* A match that cannot set Chinese is no match at all. */
    FcCharSet *cs;
    if (match && FcPatternGetCharSet(match, FC_CHARSET, 0, &cs) == FcResultMatch &&
        !FcCharSetHasChar(cs, 0x4E2D /* 中 */)) {
        g_free(family);
        family = NULL;
    }
    if (match)
        FcPatternDestroy(match);
    FcPatternDestroy(pat);
    return family;
}

static gboolean load_conf(FcConfig *fc, const char *file, const char *what, yf_diags *diags)
{
    if (file && !g_file_test(file, G_FILE_TEST_IS_REGULAR)) {
        yf_error_at(diags, "font.config", file, 0, 0, "%s%s", what,
                    g_file_test(file, G_FILE_TEST_EXISTS) ? "不是普通文件" : "不存在");
        return FALSE;
    }
    /* fontconfig reads a relative name against its own folder (/etc/fonts): make it absolute. */
    char *abs = file ? g_canonicalize_filename(file, NULL) : NULL;
    gboolean ok = FcConfigParseAndLoad(fc, (const FcChar8 *)abs, FcTrue);
    g_free(abs);
    if (!ok)
        yf_error_at(diags, "font.config", file ? file : "fonts.conf", 0, 0,
                    "%s无法解析（不是 fontconfig 的 XML 配置）", what);
    return ok;
}

/* Resolves every role to the face fontconfig picks, warning about each substitute. */
static gboolean resolve_roles(yf_context *ctx, const char *roles_conf, const char *fonts_conf,
                              yf_diags *diags)
{
    gboolean ok = TRUE;
    for (int r = 0; r < YF_ROLE_COUNT; r++) {
        ctx->resolved[r] = resolve_role(ctx->fc, r);
        if (!ctx->resolved[r]) {
            yf_error(diags, "setup.missing", "字体角色「%s」没有可用的中文字体（安装 fonts-noto-cjk，或检查 %s）",
                     roles[r].name, fonts_conf ? fonts_conf : roles_conf);
            ok = FALSE;
            continue;
        }
        ctx->substitute[r] = !is_office_face(ctx, r, ctx->resolved[r]);
        if (ctx->substitute[r])
            yf_warn(diags, "font.substitute", "字体角色「%s」未找到办公字体（如 %s），以 %s 替代", roles[r].name,
                    (const char *)g_ptr_array_index(ctx->office[r], 0), ctx->resolved[r]);
    }
    return ok;
}

/* What the libraries want done once per process before threads use them (include/yinfa.h,
 * "Threads"): libxml2's parser globals (xmlInitParser must not race with itself or with a parse,
 * libxml2 2.9 "Thread safety"), and the datatype tables RELAX NG compiles against (XML Schema's
 * and RELAX NG's own type libraries), which libxml2 2.9 makes on the first xmlRelaxNGParse
 * without a lock (two contexts compiling the grammar at once would both make them, and one set
 * would be lost). */
static void library_init_once(void)
{
    xmlInitParser();
    xmlSchemaInitTypes();
    xmlRelaxNGInitTypes();
}

/* pthread_once, whose ordering ThreadSanitizer follows (GOnce's lock is a futex it cannot see). */
void yf_library_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, library_init_once);
}

yf_context *yf_context_new(const char *roles_conf, const char *fonts_conf, yf_diags *diags)
{
    YF_OWN_DIAGS(diags, yf_context *, yf_context_new(roles_conf, fonts_conf, own_diags));
    yf_library_init();
    FcConfig *fc = FcConfigCreate();
    /* The role map first: its aliases must be in place before the fonts' own rules run. */
    if (!roles_conf) {
        yf_error(diags, "setup.missing", "没有字体角色配置（yinfa-roles.conf）");
        FcConfigDestroy(fc);
        return NULL;
    }
    if (!load_conf(fc, roles_conf, "字体角色配置", diags) ||
        !load_conf(fc, fonts_conf, "字体配置文件", diags) || !FcConfigBuildFonts(fc)) {
        FcConfigDestroy(fc);
        return NULL;
    }

    yf_context *ctx = g_new0(yf_context, 1);
    ctx->fc = fc;
    ctx->max_pages = YF_DEFAULT_MAX_PAGES;
    ctx->creation_date = -1;
    if (!load_office_faces(ctx, roles_conf, diags) ||
        !resolve_roles(ctx, roles_conf, fonts_conf, diags)) {
        yf_context_free(ctx);
        return NULL;
    }

    ctx->fontmap = pango_cairo_font_map_new_for_font_type(CAIRO_FONT_TYPE_FT);
    pango_fc_font_map_set_config(PANGO_FC_FONT_MAP(ctx->fontmap), fc);
    ctx->pango = pango_font_map_create_context(ctx->fontmap);
    /* STACK-NOTES: Pango assumes 96 dpi on a PDF surface; at 72 a size in Pango is a size in pt. */
    pango_cairo_context_set_resolution(ctx->pango, 72.0);
    /* Print metrics: no hinting, no rounding of positions to whole points. */
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(ctx->pango, fo);
    cairo_font_options_destroy(fo);
    pango_context_set_round_glyph_positions(ctx->pango, FALSE);
    pango_context_set_language(ctx->pango, pango_language_from_string("zh-cn"));
    if (g_file_test(YF_HYPHEN_DICT, G_FILE_TEST_IS_REGULAR))
        ctx->hyphen = hnj_hyphen_load(YF_HYPHEN_DICT);
    return ctx;
}

void yf_context_set_max_pages(yf_context *ctx, int pages)
{
    if (ctx)
        ctx->max_pages = MAX(pages, 1);
}

time_t yf_context_time(const yf_context *ctx)
{
    return ctx && ctx->creation_date >= 0 ? (time_t)ctx->creation_date : time(NULL);
}

void yf_context_set_creation_date(yf_context *ctx, long long unix_seconds)
{
    if (!ctx)
        return;
    ctx->creation_date = unix_seconds < 0 ? -1 : unix_seconds;
}

void yf_context_set_shared_templates(yf_context *ctx, const char *dir)
{
    g_free(ctx->shared_templates);
    ctx->shared_templates = NULL;
    char *real = dir ? realpath(dir, NULL) : NULL;
    if (real)
        ctx->shared_templates = g_strdup(real);
    free(real);
}

void yf_context_free(yf_context *ctx)
{
    if (!ctx)
        return;
    g_free(ctx->shared_templates);
    if (ctx->pango)
        g_object_unref(ctx->pango);
    if (ctx->fontmap)
        g_object_unref(ctx->fontmap);
    for (int r = 0; r < YF_ROLE_COUNT; r++) {
        g_free(ctx->resolved[r]);
        if (ctx->office[r])
            g_ptr_array_unref(ctx->office[r]);
    }
    if (ctx->hyphen)
        hnj_hyphen_free(ctx->hyphen);
    yf_schema_free(ctx->schema);
    if (ctx->fc)
        FcConfigDestroy(ctx->fc);
    g_free(ctx);
}

char *yf_context_describe_fonts(yf_context *ctx)
{
    if (!ctx)
        return NULL;
    GString *s = g_string_new(NULL);
    for (int r = 0; r < YF_ROLE_COUNT; r++)
        g_string_append_printf(s, "%s\t%s\t%s\n", roles[r].name, ctx->resolved[r],
                               ctx->substitute[r] ? "substitute" : "office");
    return g_string_free(s, FALSE);
}

PangoFontDescription *yf_context_font(const yf_context *ctx, yf_role role, double size)
{
    (void)ctx;
    PangoFontDescription *d = pango_font_description_new();
    pango_font_description_set_family(d, roles[role].family);
    pango_font_description_set_absolute_size(d, size * PANGO_SCALE);
    return d;
}
