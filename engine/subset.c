/* Font subsetting before Cairo: small fonts for a single document's PDF.
 *
 * In: a laid-out document. Out: for each font it uses, a Cairo scaled font made from a HarfBuzz
 * subset of the face that holds only the glyphs the document draws, and the map from the face's
 * glyph ids to the subset's.
 *
 * Why: Cairo subsets every embedded font itself when the PDF is finished, and on a CJK face of
 * 20 MB (Noto CJK) that costs about 0.1 s and 25 MB per face — most of a speech's render time
 * (STACK-NOTES: 63 % of instructions in cairo_surface_finish). Handing Cairo a face that is
 * already a few kilobytes makes its own pass trivial. A merged batch PDF does not need this:
 * Cairo subsets once for all its documents. Any face HarfBuzz cannot subset is used whole. */
#include "internal.h"

#include <cairo-ft.h>
#include <fontconfig/fontconfig.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include <hb-subset.h>
#include <hb.h>
#include <pango/pangofc-font.h>
#include <pthread.h>
#include <stdio.h>

/* One FreeType library for the process: Cairo may keep a font face in its caches after the
 * document that made it is gone (and destroy it later from any thread), and the face must not
 * outlive its library. FreeType allows one library to be shared by threads "as long as a mutex
 * lock is used around FT_New_Face and FT_Done_Face" (FreeType API reference, FT_Library): that
 * is `faces`. Drawing with a face is guarded by Cairo's lock on it. POSIX's once and mutex, whose
 * ordering ThreadSanitizer follows (GLib's are futexes it cannot see). */
static pthread_mutex_t faces = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t freetype_once = PTHREAD_ONCE_INIT;
static FT_Library freetype_lib;

static void freetype_init(void)
{
    if (FT_Init_FreeType(&freetype_lib) != 0)
        freetype_lib = NULL;
}

static FT_Library freetype(void)
{
    pthread_once(&freetype_once, freetype_init);
    return freetype_lib;
}

/* A subset face: Cairo's face for drawing and the glyph renumbering of the subset. */
typedef struct {
    cairo_font_face_t *face;
    hb_subset_plan_t *plan;  /* owns the map */
    const hb_map_t *map;     /* original glyph id -> subset glyph id */
} subset;

typedef struct {
    PangoFont *key;          /* a reference: the pointer stays this font's while it is a key */
    cairo_scaled_font_t *font;
    const hb_map_t *map;
} drawn;

struct yf_fontset {
    GHashTable *glyphs;   /* face key -> hb_set_t*: the glyphs drawn from that face */
    GHashTable *faces;    /* face key -> subset*, or absent */
    GHashTable *fonts;    /* PangoFont* -> drawn*: the font to draw it with */
    gboolean built;       /* the subsets are made: no more glyphs can be collected */
};

static void subset_free(gpointer p)
{
    subset *s = p;
    cairo_font_face_destroy(s->face);
    hb_subset_plan_destroy(s->plan);
    g_free(s);
}

static void drawn_free(gpointer p)
{
    drawn *d = p;
    cairo_scaled_font_destroy(d->font);
    g_object_unref(d->key);
    g_free(d);
}

/* What keeps a memory face alive: FreeType reads the subset's bytes until the face is done. */
typedef struct {
    FT_Face face;
    hb_blob_t *blob;
} face_data;

static const cairo_user_data_key_t face_key;

static void face_data_free(void *p)
{
    face_data *d = p;
    pthread_mutex_lock(&faces);
    FT_Done_Face(d->face);
    pthread_mutex_unlock(&faces);
    hb_blob_destroy(d->blob);
    g_free(d);
}

/* A face is a file, an index in it, and whether it is emboldened ("INDEX|BOLD|FILE"); the same
 * face at two sizes is subset once. */
static char *face_of(PangoFont *font, int *index, gboolean *embolden)
{
    FcPattern *pat = pango_fc_font_get_pattern(PANGO_FC_FONT(font));
    FcChar8 *file = NULL;
    FcBool bold = FcFalse;
    *index = 0;
    if (!pat || FcPatternGetString(pat, FC_FILE, 0, &file) != FcResultMatch)
        return NULL;
    FcPatternGetInteger(pat, FC_INDEX, 0, index);
    FcPatternGetBool(pat, FC_EMBOLDEN, 0, &bold);
    *embolden = bold;
    return g_strdup_printf("%d|%d|%s", *index, *embolden, (const char *)file);
}

char *yf_font_face_key(PangoFont *font)
{
    int index;
    gboolean embolden;
    return face_of(font, &index, &embolden);
}

static void collect_line(yf_fontset *fs, const yf_line *ln)
{
    for (guint r = 0; r < ln->runs->len; r++) {
        const yf_run *run = &g_array_index(ln->runs, yf_run, r);
        int index;
        gboolean embolden;
        char *key = face_of(run->font, &index, &embolden);
        if (!key)
            continue;
        hb_set_t *set = g_hash_table_lookup(fs->glyphs, key);
        if (!set) {
            set = hb_set_create();
            g_hash_table_insert(fs->glyphs, g_strdup(key), set);
        }
        for (int i = 0; i < run->nglyphs; i++)
            hb_set_add(set, (hb_codepoint_t)run->glyphs[i].index);
        g_free(key);
    }
}

hb_blob_t *yf_subset_face_file(const char *key, const hb_set_t *gids, const hb_set_t *unicodes,
                               hb_subset_plan_t **plan_out)
{
    unsigned index = 0;
    int bold = 0, n = 0;
    *plan_out = NULL;
    if (sscanf(key, "%u|%d|%n", &index, &bold, &n) != 2 || n == 0)
        return NULL;
    hb_blob_t *blob = hb_blob_create_from_file_or_fail(key + n);
    if (!blob)
        return NULL;
    hb_face_t *face = hb_face_create(blob, index & 0xFFFF);
    hb_blob_destroy(blob);
    hb_subset_input_t *in = hb_subset_input_create_or_fail();
    if (!in) {
        hb_face_destroy(face);
        return NULL;
    }
    hb_set_union(hb_subset_input_glyph_set(in), gids);
    if (unicodes)
        hb_set_union(hb_subset_input_unicode_set(in), unicodes);
    /* No hinting: the PDF is not hinted. */
    hb_subset_input_set_flags(in, HB_SUBSET_FLAGS_NO_HINTING);
    /* Shaping is done: the PDF draws glyph ids, so the layout and vertical tables are dropped —
     * they are much of the work of subsetting a CJK face (glyph closure over GSUB). */
    static const char *const drop[] = { "GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "vhea",
                                        "vmtx", "VORG", "DSIG", "kern", "morx", "mort" };
    hb_set_t *tables = hb_subset_input_set(in, HB_SUBSET_SETS_DROP_TABLE_TAG);
    for (size_t i = 0; i < G_N_ELEMENTS(drop); i++)
        hb_set_add(tables, hb_tag_from_string(drop[i], 4));
    hb_subset_plan_t *plan = hb_subset_plan_create_or_fail(face, in);
    hb_subset_input_destroy(in);
    hb_face_t *sub = plan ? hb_subset_plan_execute_or_fail(plan) : NULL;
    hb_face_destroy(face);
    if (!sub) {
        hb_subset_plan_destroy(plan);
        return NULL;
    }
    hb_blob_t *bytes = hb_face_reference_blob(sub);
    hb_face_destroy(sub);
    if (!hb_blob_get_length(bytes)) {
        hb_blob_destroy(bytes);
        hb_subset_plan_destroy(plan);
        return NULL;
    }
    *plan_out = plan;
    return bytes;
}

/* The HarfBuzz subset of the face `key` holding `gids` as a Cairo face; NULL when HarfBuzz or
 * FreeType cannot make one. Glyphs are renumbered (keeping the ids of a 65 000-glyph CJK face
 * costs twice the work); the plan says how. */
static subset *subset_face(const char *key, hb_set_t *gids)
{
    unsigned index = 0;
    int bold = 0, n = 0;
    if (sscanf(key, "%u|%d|%n", &index, &bold, &n) != 2 || n == 0 || !freetype())
        return NULL;
    hb_subset_plan_t *plan = NULL;
    hb_blob_t *bytes = yf_subset_face_file(key, gids, NULL, &plan);
    if (!bytes)
        return NULL;
    unsigned len = 0;
    const char *data = hb_blob_get_data(bytes, &len);
    FT_Face ft = NULL;
    pthread_mutex_lock(&faces);
    FT_Error failed = len ? FT_New_Memory_Face(freetype(), (const FT_Byte *)data, (FT_Long)len, 0, &ft)
                          : 1;
    pthread_mutex_unlock(&faces);
    if (failed) {
        hb_blob_destroy(bytes);
        hb_subset_plan_destroy(plan);
        return NULL;
    }
    cairo_font_face_t *cf = cairo_ft_font_face_create_for_ft_face(ft, 0);
    face_data *keep = g_new(face_data, 1);
    *keep = (face_data){ ft, bytes };
    if (cairo_font_face_set_user_data(cf, &face_key, keep, face_data_free) != CAIRO_STATUS_SUCCESS) {
        cairo_font_face_destroy(cf);
        face_data_free(keep);
        hb_subset_plan_destroy(plan);
        return NULL;
    }
    /* Pango emboldens a face that has no bold (仿宋, 楷体); the subset must too. */
    if (bold)
        cairo_ft_font_face_set_synthesize(cf, CAIRO_FT_SYNTHESIZE_BOLD);
    subset *s = g_new(subset, 1);
    *s = (subset){ cf, plan, hb_subset_plan_old_to_new_glyph_mapping(plan) };
    return s;
}

/* `font` at its size and options, drawn from the subset face `cf`. */
static cairo_scaled_font_t *scaled_like(PangoFont *font, cairo_font_face_t *cf)
{
    cairo_scaled_font_t *orig = pango_cairo_font_get_scaled_font(PANGO_CAIRO_FONT(font));
    cairo_matrix_t fm, ctm;
    cairo_scaled_font_get_font_matrix(orig, &fm);
    cairo_scaled_font_get_ctm(orig, &ctm);
    cairo_font_options_t *opts = cairo_font_options_create();
    cairo_scaled_font_get_font_options(orig, opts);
    cairo_scaled_font_t *sf = cairo_scaled_font_create(cf, &fm, &ctm, opts);
    cairo_font_options_destroy(opts);
    if (cairo_scaled_font_status(sf) != CAIRO_STATUS_SUCCESS) {
        cairo_scaled_font_destroy(sf);
        return NULL;
    }
    return sf;
}

static void add_scaled(yf_fontset *fs, const yf_line *ln)
{
    for (guint r = 0; r < ln->runs->len; r++) {
        PangoFont *font = g_array_index(ln->runs, yf_run, r).font;
        if (g_hash_table_contains(fs->fonts, font))
            continue;
        int index;
        gboolean embolden;
        char *key = face_of(font, &index, &embolden);
        subset *sub = key ? g_hash_table_lookup(fs->faces, key) : NULL;
        g_free(key);
        cairo_scaled_font_t *sf = sub ? scaled_like(font, sub->face) : NULL;
        if (sf) {
            drawn *d = g_new(drawn, 1);
            *d = (drawn){ g_object_ref(font), sf, sub->map };
            g_hash_table_insert(fs->fonts, font, d);
        }
    }
}

typedef void (*line_fn)(yf_fontset *fs, const yf_line *ln);

static void each_line(yf_fontset *fs, const yf_layout *L, line_fn fn)
{
    for (guint p = 0; p < L->pages->len; p++) {
        const yf_pagebox *pb = &g_array_index(L->pages, yf_pagebox, p);
        for (guint i = 0; i < pb->placed->len; i++)
            fn(fs, g_array_index(pb->placed, yf_placed, i).line);
        if (pb->folio.lines)
            for (guint i = 0; i < pb->folio.lines->len; i++)
                fn(fs, &g_array_index(pb->folio.lines, yf_line, i));
    }
}

yf_fontset *yf_fontset_new(void)
{
    yf_fontset *fs = g_new0(yf_fontset, 1);
    fs->glyphs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify)hb_set_destroy);
    fs->faces = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, subset_free);
    fs->fonts = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, drawn_free);
    return fs;
}

void yf_fontset_collect(yf_fontset *fs, const yf_layout *L)
{
    if (!fs->built)
        each_line(fs, L, collect_line);
}

void yf_fontset_bind(yf_fontset *fs, const yf_layout *L)
{
    if (!fs->built) {
        GHashTableIter it;
        gpointer key, gids;
        g_hash_table_iter_init(&it, fs->glyphs);
        while (g_hash_table_iter_next(&it, &key, &gids)) {
            subset *sub = subset_face(key, gids);
            if (sub)
                g_hash_table_insert(fs->faces, g_strdup(key), sub);
        }
        fs->built = TRUE;
    }
    each_line(fs, L, add_scaled);
}

cairo_scaled_font_t *yf_fontset_run(const yf_fontset *fs, const yf_run *run, cairo_glyph_t *glyphs)
{
    const drawn *d = fs ? g_hash_table_lookup(fs->fonts, run->font) : NULL;
    if (d) {
        /* A glyph the subset lacks (a document added without being collected) sends the whole
         * run back to the full face. */
        for (int i = 0; d && i < run->nglyphs; i++)
            if (!hb_map_has(d->map, (hb_codepoint_t)glyphs[i].index))
                d = NULL;
    }
    if (!d)
        return pango_cairo_font_get_scaled_font(PANGO_CAIRO_FONT(run->font));
    for (int i = 0; i < run->nglyphs; i++)
        glyphs[i].index = hb_map_get(d->map, (hb_codepoint_t)glyphs[i].index);
    return d->font;
}

void yf_fontset_free(yf_fontset *fs)
{
    if (!fs)
        return;
    g_hash_table_destroy(fs->fonts);
    g_hash_table_destroy(fs->faces);
    g_hash_table_destroy(fs->glyphs);
    g_free(fs);
}
