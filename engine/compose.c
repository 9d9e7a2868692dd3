/* Compose stage: one block of text -> lines, by yinfa's own CJK line composer.
 *
 * In: a block (text, style, spans in other faces, the places of slot values), the page (character
 * grid, punctuation style) and the line width. Out: lines of positioned glyph runs, each recording
 * its decisions (natural width, marks squeezed, stretch) for the text dump. Pango/HarfBuzz itemize
 * (with the bidi levels of UAX #9) and shape; everything about lines is decided here:
 *   1. cells — one per shaped cluster, in the text's logical order, with its clreq class, its width
 *      on the character grid (GB/T 9704: 28 full-width characters fill the 156 mm line) and the
 *      blank a punctuation mark may give up, found from where its ink is;
 *   2. break opportunities from ICU's line breaker (locale zh — Pango 1.50 breaks wrongly before
 *      Chinese opening quotes), narrowed by the clreq prohibitions, and inside URLs, e-mail
 *      addresses and file names;
 *   3. lines — greedy filling with the page's punctuation style (全角式, 开明式, 半角式); squeeze
 *      before push (先挤进，后推出), in 全角式 only the line-end mark and pairs of marks (a mark
 *      alone inside a line keeps its full width); no gap widened past 0.7 pt (Latin letters spaced
 *      out, the line set a little denser, or the line above rebalanced); no paragraph ending in a
 *      lone character (孤字); on request of pagination, the paragraph one line shorter or longer
 *      (缩行/伸行); a unit longer than a line broken inside; centred text (a title) broken as a
 *      typesetter breaks it (GB/T 9704 §7.3.1), by dynamic programming; every scan bounded by a
 *      line's reach, so linear in the paragraph;
 *   4. justification — the slack is spread over every gap between characters (not inside Latin
 *      words), so every full line ends exactly at the right edge; a paragraph's last line keeps its
 *      natural spacing; each line reordered for display (UAX #9 L2). */
#include "internal.h"

#include <hyphen.h>
#include <math.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/ustring.h>

typedef enum {
    C_HAN, C_OPEN, C_CLOSE, C_COMMA, C_STOP, C_NS, C_MIDDOT, C_DASH, C_ELLIPSIS,
    C_LATIN, C_DIGIT, C_SPACE, C_BREAK,
    C_MARK /* a combining mark shaped apart from its base (the base's face lacks it) */
} cclass;

typedef struct {
    int start, len;          /* bytes in the block's text */
    int item;                /* index of the shaped item */
    int g0, ng;              /* glyph range in the item's glyph string */
    const yf_span *span;     /* the span the cell lies in, or NULL: the block's own style */
    double size;             /* em of the cell's face, pt */
    double adv;              /* natural advance, pt */
    double w;                /* width on the line before compression, pt */
    double ink;              /* glyph origin relative to the cell's left edge, pt */
    double kern;             /* kerning with the next glyph in the last glyph's advance, pt */
    double blank_l, blank_r; /* blank a full-width mark may give up on each side, pt */
    cclass cls;
    gboolean full;           /* occupies whole grid cells */
    gboolean stop;           /* 。？！: ends a sentence; 开明式 keeps it full width */
    gboolean can_break;      /* a line may start at this cell */
    gboolean soft;           /* inside an address, between two letters: a line may start here
                                only when ending it at a natural point leaves it too loose */
    gboolean hyph;           /* between two syllables of an English word (libhyphen): likewise,
                                the line before it then ending in a hyphen */
    gboolean word_start;     /* a word starts here (ICU's dictionary): centred text breaks here */
    gboolean drop;           /* not drawn: a control, a space beside Chinese, a missing glyph */
    int level;               /* UAX #9 embedding level (odd: right to left) */
} cell;

typedef struct {
    PangoItem *item;
    PangoGlyphString *gs;
} shaped;

typedef struct {
    yf_context *ctx;
    const yf_page *page;
    const yf_block *block;
    const char *text;
    GArray *items;           /* of shaped */
    GArray *cells;           /* of cell */
    double size;             /* the block's em, pt */
    double pitch;            /* the block's grid cell, pt (= em when not on the grid) */
    double width;            /* line width, pt */
    gboolean bidi;           /* some cell is right to left: lines are reordered (UAX #9 L2) */
    int warned_to;           /* a unit broken inside was reported up to this cell */
    double delta;            /* while planning 缩行/伸行 lines: pt added to every line's measure */
    yf_diags *diags;
} composer;

#define CELL(C, i) (&g_array_index((C)->cells, cell, (i)))

/* ---- classes --------------------------------------------------------------------------------- */

static cclass classify(gunichar c)
{
    switch (c) {
    case 0x201C: case 0x2018: case 0xFF08: case 0x3014: case 0xFF3B: case 0x3010: case 0x300A:
    case 0x3008: case 0x300C: case 0x300E: case 0x3016: case 0xFF5B: case '(': case '[': case '{':
        return C_OPEN;
    case 0x201D: case 0x2019: case 0xFF09: case 0x3015: case 0xFF3D: case 0x3011: case 0x300B:
    case 0x3009: case 0x300D: case 0x300F: case 0x3017: case 0xFF5D: case ')': case ']': case '}':
        return C_CLOSE;
    case 0x3001: case 0xFF0C: case ',':
        return C_COMMA;
    case 0x3002: case 0xFF0E: case '.':
        return C_STOP;
    case 0xFF1A: case 0xFF1B: case 0xFF01: case 0xFF1F: case ':': case ';': case '!': case '?':
        return C_NS;
    case 0x00B7: case 0x30FB: case 0xFF65:
        return C_MIDDOT;
    case 0x2014: case 0x2015: case 0x2E3A: case 0x2013:
        return C_DASH;
    case 0x2026: case 0x22EF:
        return C_ELLIPSIS;
    case ' ': case '\t':
        return C_SPACE;
    case '\n':
        return C_BREAK;
    default:
        break;
    }
    if (c < 0x80)
        return g_ascii_isdigit((int)c) ? C_DIGIT : C_LATIN;
    if (g_unichar_iswide(c))
        return C_HAN;
    return g_unichar_isdigit(c) ? C_DIGIT : C_LATIN;
}

/* UAX #9 explicit formatting characters (embeddings, overrides, isolates, marks): honoured by the
 * itemizer (Pango's bidi algorithm gives the text around them its levels), never drawn. */
static gboolean is_bidi_control(gunichar c)
{
    return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E ||
           c == 0x200F || c == 0x061C;
}

/* GB/T 15834 句末点号: the marks that end a sentence. */
static gboolean ends_sentence(gunichar c)
{
    return c == 0x3002 || c == 0xFF01 || c == 0xFF1F || c == 0xFF0E;
}

static gboolean is_punct(cclass c)
{
    return c == C_OPEN || c == C_CLOSE || c == C_COMMA || c == C_STOP || c == C_NS ||
           c == C_MIDDOT || c == C_DASH || c == C_ELLIPSIS;
}

/* Marks whose blank half may be given up; the dash and the ellipsis always take two cells
 * (GB/T 15834 §4.1.2). */
static gboolean is_compressible(cclass c)
{
    return is_punct(c) && c != C_DASH && c != C_ELLIPSIS;
}

static gboolean is_alnum(cclass c) { return c == C_LATIN || c == C_DIGIT; }

/* clreq: these may not begin a line (closing marks, pause and stop marks; strictly also the
 * dash and the ellipsis). */
static gboolean no_line_start(cclass c)
{
    return c == C_CLOSE || c == C_COMMA || c == C_STOP || c == C_NS || c == C_MIDDOT ||
           c == C_DASH || c == C_ELLIPSIS;
}

/* ---- 1. shaping into cells ------------------------------------------------------------------- */

static void shaped_clear(gpointer p)
{
    shaped *s = p;
    pango_item_free(s->item);
    pango_glyph_string_free(s->gs);
}

/* The face of a role; bold asks for the bold weight, which fontconfig synthesizes for faces that
 * have none (仿宋_GB2312, 楷体_GB2312: fonts/yinfa-roles.conf). */
static PangoAttribute *font_attr(const composer *C, yf_role role, double size, gboolean bold,
                                 int start, int end)
{
    PangoFontDescription *desc = yf_context_font(C->ctx, role, size);
    if (bold)
        pango_font_description_set_weight(desc, PANGO_WEIGHT_BOLD);
    PangoAttribute *a = pango_attr_font_desc_new(desc);
    pango_font_description_free(desc);
    a->start_index = (guint)start;
    a->end_index = (guint)end;
    return a;
}

/* The block's face over the whole text, each span's face over its bytes. */
static PangoAttrList *text_attrs(const composer *C)
{
    const yf_style *st = &C->block->style;
    PangoAttrList *attrs = pango_attr_list_new();
    pango_attr_list_insert(attrs, font_attr(C, st->role, C->size, st->bold, 0, G_MAXINT));
    const GArray *spans = C->block->spans;
    for (guint i = 0; spans && i < spans->len; i++) {
        const yf_span *sp = &g_array_index(spans, yf_span, i);
        if (sp->keep)
            continue;
        double size = sp->size > 0 ? sp->size : C->size;
        pango_attr_list_change(attrs, font_attr(C, sp->role, size, sp->bold, sp->start, sp->end));
    }
    return attrs;
}

static const yf_span *span_at(const composer *C, int byte)
{
    const GArray *spans = C->block->spans;
    for (guint i = 0; spans && i < spans->len; i++) {
        const yf_span *sp = &g_array_index(spans, yf_span, i);
        if (!sp->keep && byte >= sp->start && byte < sp->end)
            return sp;
    }
    return NULL;
}

/* How much the shaper's kerning with the following glyph changed this glyph's advance: at a line
 * end there is no following glyph, and the line's width must not count it. */
static double kerning(const PangoItem *item, const PangoGlyphInfo *gi)
{
    if (gi->glyph & PANGO_GLYPH_UNKNOWN_FLAG)
        return 0;
    PangoRectangle logical;
    pango_font_get_glyph_extents(item->analysis.font, gi->glyph, NULL, &logical);
    return (double)(gi->geometry.width - logical.width) / PANGO_SCALE;
}

/* The place of a message about the text from byte `start` to `end` of the block: its template
 * element, and the slot whose value the text is, if any. */
static yf_diag_at block_place(const composer *C, int start, int end)
{
    return yf_block_at(C->block, start, end);
}

/* The place of cells [s, e). */
static yf_diag_at cells_at(const composer *C, int s, int e)
{
    if (e <= s || s < 0 || e > (int)C->cells->len)
        return block_place(C, 0, 0);
    return block_place(C, CELL(C, s)->start, CELL(C, e - 1)->start + CELL(C, e - 1)->len);
}

/* A Han character the role's face lacks (a 生僻字 of a name beyond GB2312, which 仿宋_GB2312 and
 * FandolFang do not have) is set in the next face of the role's list that has it: the print mixes
 * two faces, which the user is told — once for each character in a run. */
static void warn_fallback(composer *C, yf_role role, PangoFont *font, const char *ch, int len)
{
    int at = (int)(ch - C->text);
    const char *want = C->ctx->resolved[role];
    PangoFontDescription *d = font ? pango_font_describe(font) : NULL;
    const char *got = d ? pango_font_description_get_family(d) : NULL;
    if (got && want && g_ascii_strcasecmp(got, want) != 0) {
        char *msg = g_strdup_printf("字符「%.*s」（U+%04X）不在 %s 中，以 %s 补字（字体角色「%s」）",
                                    len, ch, g_utf8_get_char(ch), want, got, yf_role_name(role));
        gboolean seen = FALSE;
        for (size_t i = 0; i < yf_diags_count(C->diags) && !seen; i++)
            seen = g_str_has_suffix(yf_diags_message(C->diags, i), msg);
        yf_diag_at where = block_place(C, at, at + len);
        if (!seen)
            yf_diag_put(C->diags, YF_WARNING, "font.fallback", &where, "%s", msg);
        g_free(msg);
    }
    if (d)
        pango_font_description_free(d);
}

/* Which fonts to install for a character no installed face has, by its script (UAX #24): a Han
 * character beyond the BMP's URO (CJK Ext-A, Ext-B … in planes 0 and 2–3) is in few faces. */
static const char *font_advice(gunichar ch)
{
    switch (g_unichar_get_script(ch)) {
    case G_UNICODE_SCRIPT_HAN:
        if (ch >= 0x20000 || (ch >= 0x3400 && ch <= 0x4DBF))
            return "CJK 扩展区汉字，如 fonts-hanazono（花園明朝），或含扩展 B 区等的宋体扩展字库";
        return "汉字，如 fonts-noto-cjk、fonts-arphic-uming";
    case G_UNICODE_SCRIPT_BOPOMOFO:
    case G_UNICODE_SCRIPT_HIRAGANA:
    case G_UNICODE_SCRIPT_KATAKANA:
    case G_UNICODE_SCRIPT_HANGUL:
        return "中日韩文字，如 fonts-noto-cjk";
    case G_UNICODE_SCRIPT_ARABIC:
    case G_UNICODE_SCRIPT_HEBREW:
    case G_UNICODE_SCRIPT_SYRIAC:
    case G_UNICODE_SCRIPT_THAANA:
        return "阿拉伯文、希伯来文等，如 fonts-dejavu-core、fonts-noto-core";
    case G_UNICODE_SCRIPT_MONGOLIAN:
    case G_UNICODE_SCRIPT_TIBETAN:
    case G_UNICODE_SCRIPT_YI:
        return "蒙古文、藏文、彝文等民族文字，如 fonts-noto-core 及该文字的专用字体";
    case G_UNICODE_SCRIPT_COMMON:
    case G_UNICODE_SCRIPT_INHERITED:
    case G_UNICODE_SCRIPT_UNKNOWN:
        return "符号，如 fonts-noto-core、fonts-symbola、fonts-noto-color-emoji";
    default:
        return "该文字的字体，如 fonts-noto-core、fonts-noto-extra";
    }
}

/* The cell of glyphs [g, e) of item idx, the cluster starting at byte `start` of the item and
 * ending before `end`. */
static void add_cell(composer *C, int idx, int g, int e, int start, int end)
{
    const shaped *sh = &g_array_index(C->items, shaped, idx);
    const PangoItem *item = sh->item;
    const PangoGlyphString *gs = sh->gs;
    double adv = 0;
    gboolean unknown = FALSE, empty = TRUE;
    for (int k = g; k < e; k++) {
        adv += (double)gs->glyphs[k].geometry.width / PANGO_SCALE;
        unknown |= (gs->glyphs[k].glyph & PANGO_GLYPH_UNKNOWN_FLAG) != 0;
        empty &= gs->glyphs[k].glyph == PANGO_GLYPH_EMPTY;
    }
    cell c = { .start = item->offset + start, .len = end - start, .item = idx, .g0 = g,
               .ng = e - g, .adv = adv, .kern = kerning(item, &gs->glyphs[e - 1]),
               .level = item->analysis.level };
    gunichar ch = g_utf8_get_char(C->text + c.start);
    c.cls = classify(ch);
    if (g_unichar_ismark(ch))
        c.cls = C_MARK;
    c.stop = ends_sentence(ch);
    c.span = span_at(C, c.start);
    c.size = c.span && c.span->size > 0 ? c.span->size : C->size;
    if (unknown && c.cls != C_BREAK && !is_bidi_control(ch)) {
        /* Content that would be lost: an error, never a page printed without it. */
        char *msg = g_strdup_printf("字符 U+%04X「%.*s」没有字体可以显示：请安装含有它的字体"
                                    "（%s）", ch, c.len, C->text + c.start, font_advice(ch));
        gboolean seen = FALSE;
        for (size_t i = 0; i < yf_diags_count(C->diags) && !seen; i++)
            seen = g_str_has_suffix(yf_diags_message(C->diags, i), msg);
        yf_diag_at where = block_place(C, c.start, c.start + c.len);
        if (!seen)
            yf_diag_put(C->diags, YF_ERROR, "font.no-glyph", &where, "%s", msg);
        g_free(msg);
        c.drop = TRUE;
    }
    if (empty || unknown || c.cls == C_BREAK || is_bidi_control(ch))
        c.drop = TRUE;
    if (!c.drop && c.cls == C_HAN)
        warn_fallback(C, c.span ? c.span->role : C->block->style.role, item->analysis.font,
                      C->text + c.start, c.len);
    g_array_append_val(C->cells, c);
}

/* One cell per cluster of the item's glyphs (runs of glyphs with the same log_cluster), in the
 * text's (logical) order: a right-to-left item's glyphs are in visual order, their clusters from
 * the item's end to its start (UAX #9: lines are broken in logical order, reordered after). */
static void add_cells(composer *C, int idx)
{
    const shaped *sh = &g_array_index(C->items, shaped, idx);
    const PangoGlyphString *gs = sh->gs;
    int n = gs->num_glyphs;
    if (sh->item->analysis.level % 2 == 0) {
        for (int g = 0; g < n;) {
            int e = g;
            while (e < n && gs->log_clusters[e] == gs->log_clusters[g])
                e++;
            add_cell(C, idx, g, e, gs->log_clusters[g], e < n ? gs->log_clusters[e]
                                                              : sh->item->length);
            g = e;
        }
        return;
    }
    for (int e = n; e > 0;) {
        int g = e - 1;
        while (g > 0 && gs->log_clusters[g - 1] == gs->log_clusters[e - 1])
            g--;
        add_cell(C, idx, g, e, gs->log_clusters[g], g > 0 ? gs->log_clusters[g - 1]
                                                          : sh->item->length);
        e = g;
    }
}

/* The grid cell of a character of `size`: GB/T 9704's pitch (156 mm / 28) scaled with the size. */
static double pitch_for(const composer *C, double size)
{
    return C->block->style.grid ? C->pitch * size / C->size : size;
}

/* Where a compressible mark's blank lies, from its ink: Simplified Chinese fonts put the ink of
 * closing marks and stops in the left half of the cell and that of opening marks in the right half
 * (clreq §3.1.4); a centred mark (a middle dot; 。 in a Traditional-style face) has a quarter blank
 * each side. The ink may reach 1/20 em into the blank half (an overshoot); a mark whose ink is
 * wider than that gives nothing. */
static void find_blanks(composer *C, cell *c)
{
    const shaped *sh = &g_array_index(C->items, shaped, c->item);
    PangoRectangle ink;
    pango_font_get_glyph_extents(sh->item->analysis.font, sh->gs->glyphs[c->g0].glyph, &ink, NULL);
    double left = c->ink + (double)ink.x / PANGO_SCALE;
    double right = left + (double)ink.width / PANGO_SCALE;
    double half = c->w / 2, quarter = c->w / 4, over = c->size / 20;
    if (right <= half + over)
        c->blank_r = half;
    else if (left >= half - over)
        c->blank_l = half;
    else if (left >= quarter - over && right <= half + quarter + over)
        c->blank_l = c->blank_r = quarter;
}

/* A full-width character takes whole cells of the grid, its glyph centred in them ("——" two);
 * everything else keeps its natural advance. */
static void set_width(composer *C, cell *c)
{
    c->full = c->adv >= 0.75 * c->size && !is_alnum(c->cls) && c->cls != C_SPACE;
    c->w = c->adv;
    if (!c->full)
        return;
    double pitch = pitch_for(C, c->size);
    c->w = MAX(1.0, round(c->adv / c->size)) * pitch;
    c->ink = (c->w - c->adv) / 2;
    if (is_compressible(c->cls) && c->ng == 1 && c->w <= 1.01 * pitch)
        find_blanks(C, c);
}

/* A combining mark the base's face lacks (an accent on a Han character: FandolFang has none) is
 * shaped in another face, apart from its base: drawn over the base it would overprint a glyph of
 * another run, so it stands after the base in a space as wide as its ink. */
static void attach_mark(composer *C, int i)
{
    cell *c = CELL(C, i);
    const shaped *sh = &g_array_index(C->items, shaped, c->item);
    PangoRectangle ink;
    pango_font_get_glyph_extents(sh->item->analysis.font, sh->gs->glyphs[c->g0].glyph, &ink, NULL);
    c->w = c->adv = (double)ink.width / PANGO_SCALE;
    c->full = FALSE;
    c->ink = -(double)ink.x / PANGO_SCALE;
}

/* White space beside a Han character is not content (the bind stage drops it too): a space
 * between two Han characters, or between Han and Latin where the composer puts its own quarter
 * em instead. Spaces between Latin words and around marks ("— 1 —") stay. */
static void drop_spaces(composer *C)
{
    int n = (int)C->cells->len;
    for (int i = 0; i < n;) {
        if (CELL(C, i)->cls != C_SPACE) {
            i++;
            continue;
        }
        int e = i;
        while (e < n && CELL(C, e)->cls == C_SPACE)
            e++;
        gboolean beside_han = (i > 0 && CELL(C, i - 1)->cls == C_HAN) ||
                              (e < n && CELL(C, e)->cls == C_HAN);
        for (; i < e; i++)
            CELL(C, i)->drop |= beside_han;
    }
}

static void shape(composer *C)
{
    const char *text = C->text;
    int len = (int)strlen(text);
    PangoAttrList *attrs = text_attrs(C);
    GList *items = pango_itemize_with_base_dir(C->ctx->pango, PANGO_DIRECTION_LTR, text, 0, len,
                                               attrs, NULL);
    pango_attr_list_unref(attrs);
    for (GList *l = items; l; l = l->next) {
        PangoItem *item = l->data;
        shaped sh = { item, pango_glyph_string_new() };
        pango_shape_with_flags(text + item->offset, item->length, text, len, &item->analysis,
                               sh.gs, PANGO_SHAPE_NONE);
        g_array_append_val(C->items, sh);
        add_cells(C, (int)C->items->len - 1);
    }
    g_list_free(items);
    for (guint i = 0; i < C->cells->len; i++)
        set_width(C, CELL(C, i));
    for (guint i = 1; i < C->cells->len; i++)
        if (CELL(C, i)->cls == C_MARK && !CELL(C, i)->drop && CELL(C, i)->ng == 1)
            attach_mark(C, (int)i);
    drop_spaces(C);
}

/* ---- 2. break opportunities ------------------------------------------------------------------ */

/* Marks the cells before which ICU's line breaker (UAX #14, locale zh) allows a break or, `words`,
 * before which its word breaker — a dictionary of Chinese words — finds a word's start. */
static void icu_breaks(composer *C, gboolean words)
{
    const char *text = C->text;
    int len = (int)strlen(text);
    int *cell_at = g_new(int, len + 1); /* byte offset -> cell index */
    for (int i = 0; i <= len; i++)
        cell_at[i] = -1;
    for (guint i = 0; i < C->cells->len; i++)
        cell_at[CELL(C, i)->start] = (int)i;

    UErrorCode st = U_ZERO_ERROR;
    int32_t ulen = 0;
    u_strFromUTF8(NULL, 0, &ulen, text, len, &st);
    st = U_ZERO_ERROR;
    UChar *u = g_new(UChar, ulen + 1);
    u_strFromUTF8(u, ulen + 1, NULL, text, len, &st);
    int *byte_at = g_new(int, ulen + 1); /* UTF-16 index -> byte offset */
    for (int b = 0, k = 0; b <= len;) {
        byte_at[k] = b;
        if (b == len)
            break;
        gunichar ch = g_utf8_get_char(text + b);
        k += ch > 0xFFFF ? 2 : 1;
        if (ch > 0xFFFF)
            byte_at[k - 1] = b;
        b = (int)(g_utf8_next_char(text + b) - text);
    }
    UBreakIterator *bi = ubrk_open(words ? UBRK_WORD : UBRK_LINE, "zh", u, ulen, &st);
    if (U_SUCCESS(st)) {
        for (int32_t p = ubrk_first(bi); p != UBRK_DONE; p = ubrk_next(bi)) {
            int ci = p > 0 && p < ulen ? cell_at[byte_at[p]] : -1;
            if (ci > 0 && words)
                CELL(C, ci)->word_start = TRUE;
            else if (ci > 0)
                CELL(C, ci)->can_break = TRUE;
        }
        ubrk_close(bi);
    } else {
        yf_diag_at where = block_place(C, 0, 0);
        yf_diag_put(C->diags, YF_WARNING, "setup.missing", &where, "ICU 断行器不可用（%s），按字断行",
                    u_errorName(st));
        for (guint i = 1; i < C->cells->len; i++)
            CELL(C, i)->can_break = CELL(C, i)->word_start = TRUE;
    }
    g_free(u);
    g_free(byte_at);
    g_free(cell_at);
}

static gboolean in_url(gunichar c)
{
    return c > ' ' && c < 0x7F && c != '"' && c != '<' && c != '>';
}

/* A URL breaks after its "://" and before each "." and "/" of the address, nowhere else (the
 * Chicago Manual's rule; UAX #14 gives it few opportunities, some after a "/"): a long address
 * fills the line instead of leaving it gappy, and the mark that starts the next line shows that
 * the address goes on. */
static void url_breaks(composer *C)
{
    const char *text = C->text;
    for (const char *u = strstr(text, "://"); u; u = strstr(u, "://")) {
        const char *end = u + 3;
        while (*end && in_url((gunichar)*end))
            end++;
        for (guint i = 1; i < C->cells->len; i++) {
            const char *at = text + CELL(C, i)->start;
            if (at > u + 3 && at < end)
                CELL(C, i)->can_break = (*at == '.' || *at == '/') && at[-1] != '/' && at[-1] != '.';
        }
        u = end;
    }
}

/* An e-mail address, a file name, a long identifier (someone@example.org, annual-report_v2.docx):
 * a run of Latin letters, digits and marks without a space, holding "@", or 12 characters or more
 * with ".", "/", "-" or "_". It breaks after "@", ".", "/" and "_" (after the "@" of an address,
 * after a "." of its domain) and before "-" — a hyphen at a line end reads as one added by the
 * break, and text extraction drops it —, never between two marks, never after its first two
 * characters, and with no hyphen added: UAX #14 gives it no opportunity at all. */
static gboolean run_mark(char c)
{
    return c == '@' || c == '.' || c == '/' || c == '-' || c == '_';
}

static void address_breaks(composer *C)
{
    const char *text = C->text;
    int n = (int)C->cells->len;
    for (int i = 0; i < n;) {
        const char *a = text + CELL(C, i)->start;
        if (!in_url((gunichar)(unsigned char)*a) || CELL(C, i)->len != 1) {
            i++;
            continue;
        }
        int e = i;
        gboolean at = FALSE, marks = FALSE;
        while (e < n && CELL(C, e)->len == 1 && in_url((gunichar)(unsigned char)text[CELL(C, e)->start])) {
            char c = text[CELL(C, e)->start];
            at |= c == '@';
            marks |= run_mark(c);
            e++;
        }
        const char *end = text + CELL(C, e - 1)->start + 1;
        gboolean url = g_strstr_len(a, end - a, "://") != NULL;
        if (!url && (at || (marks && e - i >= 12))) {
            for (int k = i + 2; k < e - 1; k++) {
                char c = text[CELL(C, k)->start], next = text[CELL(C, k + 1)->start];
                if (run_mark(c) && !run_mark(next))
                    CELL(C, k + 1)->can_break = c != '-'; /* UAX #14 breaks after "-" */
                if (next == '-' && !run_mark(c))
                    CELL(C, k + 1)->can_break = TRUE;
            }
        }
        /* Between two letters of an e-mail address or a URL (strings, not words) as a last
         * resort; a file name's words are words. */
        for (int k = i + 2; (url || at) && k < e - 1; k++)
            CELL(C, k)->soft = g_ascii_isalnum(text[CELL(C, k - 1)->start]) &&
                               g_ascii_isalnum(text[CELL(C, k)->start]);
        i = e;
    }
}

/* A long English word (6 letters or more, not part of an address) breaks between two syllables
 * where Debian's English patterns allow (libhyphen, hyph_en_US: at least 2 letters before the
 * break and 3 after), with a hyphen at the line end — a last resort, like an address's soft
 * break, for a line that would otherwise be too loose. */
static void hyphen_points(composer *C)
{
    HyphenDict *dict = C->ctx->hyphen;
    const char *text = C->text;
    int n = (int)C->cells->len;
    for (int i = 0; dict && i < n;) {
        if (CELL(C, i)->len != 1 || !g_ascii_isalpha(text[CELL(C, i)->start])) {
            i++;
            continue;
        }
        int e = i;
        gboolean soft = FALSE;
        while (e < n && CELL(C, e)->len == 1 && g_ascii_isalpha(text[CELL(C, e)->start]))
            soft |= CELL(C, e++)->soft;
        char before = i > 0 && CELL(C, i - 1)->len == 1 ? text[CELL(C, i - 1)->start] : ' ';
        char after = e < n && CELL(C, e)->len == 1 ? text[CELL(C, e)->start] : ' ';
        /* part of an address, a file name or a code: "someone@", "v2final", "report.docx" */
        gboolean part = strchr("@./_-", before) || g_ascii_isdigit(before) || strchr("@/_-", after) ||
                        g_ascii_isdigit(after) ||
                        (after == '.' && e + 1 < n && g_ascii_isalnum(text[CELL(C, e + 1)->start]));
        if (e - i >= 6 && e - i <= 64 && !soft && !part) { /* longer is no English word */
            int len = e - i;
            char *word = g_ascii_strdown(text + CELL(C, i)->start, len);
            char *hyphens = g_malloc0((size_t)len + 5);
            char **reps = NULL;
            int *pos = NULL, *cut = NULL;
            if (hnj_hyphen_hyphenate2(dict, word, len, hyphens, NULL, &reps, &pos, &cut) == 0 &&
                !reps) {
                for (int k = 1; k + 3 < len; k++)
                    if (hyphens[k] & 1)
                        CELL(C, i + k + 1)->hyph = TRUE;
            }
            for (int k = 0; reps && k < len; k++)
                g_free(reps[k]);
            g_free(reps);
            g_free(pos);
            g_free(cut);
            g_free(hyphens);
            g_free(word);
        }
        i = e;
    }
}

/* clreq prohibitions on top of UAX #14, whatever the ICU version decides: no closing mark, pause or
 * stop mark, dash or ellipsis at a line start; no opening mark at a line end; "——" and "……" are
 * never split. Then the breaks inside URLs. */
static void find_breaks(composer *C)
{
    if (C->cells->len == 0)
        return;
    icu_breaks(C, FALSE);
    if (C->block->style.align == YF_ALIGN_CENTER)
        icu_breaks(C, TRUE);
    for (guint i = 1; i < C->cells->len; i++) {
        cell *c = CELL(C, i);
        const cell *prev = CELL(C, i - 1);
        if (no_line_start(c->cls) || prev->cls == C_OPEN)
            c->can_break = FALSE;
        if (prev->cls == C_BREAK)
            c->can_break = TRUE; /* a forced break always ends the line */
    }
    url_breaks(C);
    address_breaks(C);
    hyphen_points(C);
}

/* ---- 3. lines: widths, the punctuation style, squeezing -------------------------------------- */

/* One line being set: cells [s, e) with their compression and Han–Latin spaces. */
typedef struct {
    int s, e;                /* cells, without dropped cells and spaces at either end */
    gboolean para_start;     /* the paragraph's first line: an opening mark there follows the indent */
    double *comp_l, *comp_r; /* blank given up on each side, per cell (index - s) */
    double *gap;             /* Han–Latin space before each cell, in visual order */
    double *gap_least;       /* what each may be squeezed to (1/8 em) */
    int *order;              /* the cells in visual order (UAX #9 L2), or NULL: logical order */
    gboolean *squeezed_at;   /* the cell was compressed by squeezing, not by the style */
    double hyphen;           /* the hyphen the line ends with (a word broken there), pt, or 0 */
    PangoGlyph hyphen_glyph;
    double natural;          /* width with the style's compression, before squeezing */
    double w;                /* width now */
    int squeezed;            /* marks compressed by squeezing */
} trial;

static gboolean skip_at_edges(const cell *c)
{
    return c->drop || c->cls == C_SPACE;
}

static int next_shown(const composer *C, const trial *t, int i)
{
    for (i++; i < t->e; i++)
        if (!CELL(C, i)->drop)
            return i;
    return -1;
}

static int prev_shown(const composer *C, const trial *t, int i)
{
    for (i--; i >= t->s; i--)
        if (!CELL(C, i)->drop)
            return i;
    return -1;
}

/* clreq: about a quarter em between a Han character and a Latin letter or digit; none beside
 * Chinese punctuation, none at the line's edges (only gaps inside the line get one). */
static double han_latin_space(const cell *a, const cell *b)
{
    if ((a->cls == C_HAN && is_alnum(b->cls)) || (is_alnum(a->cls) && b->cls == C_HAN))
        return MAX(a->size, b->size) / 4;
    return 0;
}

/* The width of the line: its cells, less their compression, plus the Han–Latin spaces; the last
 * cell without its kerning towards a glyph that is not on the line. */
static double trial_width(const composer *C, const trial *t)
{
    double w = 0;
    for (int i = t->s; i < t->e; i++) {
        const cell *c = CELL(C, i);
        if (!c->drop)
            w += c->w - t->comp_l[i - t->s] - t->comp_r[i - t->s] + t->gap[i - t->s];
    }
    int last = prev_shown(C, t, t->e);
    return (last >= 0 && !CELL(C, last)->full ? w - CELL(C, last)->kern : w) + t->hyphen;
}

/* The hyphen a line ending at cell e adds: when it ends between two syllables of a word, the
 * face's "-" after the word's last letter there. */
static void set_hyphen(const composer *C, trial *t)
{
    if (t->e <= t->s || t->e >= (int)C->cells->len || !CELL(C, t->e)->hyph ||
        CELL(C, t->e)->can_break)
        return;
    const cell *c = CELL(C, t->e - 1);
    PangoFont *font = g_array_index(C->items, shaped, c->item).item->analysis.font;
    hb_font_t *hb = font ? pango_font_get_hb_font(font) : NULL;
    hb_codepoint_t g;
    if (!hb || !hb_font_get_nominal_glyph(hb, '-', &g))
        return;
    PangoRectangle logical;
    pango_font_get_glyph_extents(font, g, NULL, &logical);
    t->hyphen_glyph = g;
    t->hyphen = (double)logical.width / PANGO_SCALE;
}

/* Gives up the blank on one side of cell i, if it has any left; returns whether it did. */
static gboolean take(const composer *C, trial *t, int i, gboolean right)
{
    const cell *c = CELL(C, i);
    double *comp = right ? &t->comp_r[i - t->s] : &t->comp_l[i - t->s];
    double blank = right ? c->blank_r : c->blank_l;
    if (c->drop || blank <= *comp)
        return FALSE;
    t->w -= blank - *comp;
    *comp = blank;
    return TRUE;
}

static void take_both(const composer *C, trial *t, int i)
{
    take(C, t, i, FALSE);
    take(C, t, i, TRUE);
}

/* 开明式: a mark other than 。？！ is half width at a line end, beside another mark, and (an
 * opening mark) at a line start other than the paragraph's, where it follows the indent. */
static gboolean kaiming_halves(const composer *C, const trial *t, int i)
{
    const cell *c = CELL(C, i);
    if (c->stop)
        return FALSE;
    int p = prev_shown(C, t, i), n = next_shown(C, t, i);
    if (n < 0)
        return TRUE;
    if (p < 0)
        return c->cls == C_OPEN && !t->para_start;
    return is_punct(CELL(C, p)->cls) || is_punct(CELL(C, n)->cls);
}

static void compress_by_style(const composer *C, trial *t)
{
    yf_punct style = C->page->punct;
    if (style == YF_PUNCT_QUANJIAO)
        return;
    for (int i = t->s; i < t->e; i++)
        if (style == YF_PUNCT_BANJIAO || kaiming_halves(C, t, i))
            take_both(C, t, i);
}

/* UAX #9 L2: the cells [s, e) of one line in visual order — from the highest level down to the
 * lowest odd one, every run of cells at that level or higher reversed. Lines are broken first, in
 * logical order; each is reordered on its own. */
static void visual_order(const composer *C, int s, int e, int *order)
{
    int hi = 0, lo_odd = G_MAXINT;
    for (int k = 0; k < e - s; k++) {
        int lv = CELL(C, s + k)->level;
        order[k] = s + k;
        hi = MAX(hi, lv);
        if (lv % 2)
            lo_odd = MIN(lo_odd, lv);
    }
    for (int lv = hi; lv >= lo_odd && lv > 0; lv--) {
        for (int k = 0; k < e - s;) {
            if (CELL(C, order[k])->level < lv) {
                k++;
                continue;
            }
            int j = k;
            while (j < e - s && CELL(C, order[j])->level >= lv)
                j++;
            for (int a = k, b = j - 1; a < b; a++, b--) {
                int tmp = order[a];
                order[a] = order[b];
                order[b] = tmp;
            }
            k = j;
        }
    }
}

/* Sets up cells [s, e) as a line: edges trimmed, Han–Latin spaces, the style's compression. */
static void trial_init(const composer *C, trial *t, int s, int e, gboolean para_start)
{
    while (s < e && skip_at_edges(CELL(C, s)))
        s++;
    while (e > s && skip_at_edges(CELL(C, e - 1)))
        e--;
    int n = MAX(e - s, 1);
    *t = (trial){ .s = s, .e = e, .para_start = para_start };
    t->comp_l = g_new0(double, n);
    t->comp_r = g_new0(double, n);
    t->gap = g_new0(double, n);
    t->gap_least = g_new0(double, n);
    t->squeezed_at = g_new0(gboolean, n);
    if (C->bidi) {
        t->order = g_new(int, n);
        visual_order(C, s, e, t->order);
    }
    for (int k = 0, p = -1; k < e - s; k++) {
        int i = t->order ? t->order[k] : s + k;
        if (CELL(C, i)->drop)
            continue;
        if (p >= 0)
            t->gap[i - s] = han_latin_space(CELL(C, p), CELL(C, i));
        t->gap_least[i - s] = t->gap[i - s] / 2;
        p = i;
    }
    set_hyphen(C, t);
    t->w = trial_width(C, t);
    compress_by_style(C, t);
    t->natural = t->w;
}

static void trial_free(trial *t)
{
    g_free(t->comp_l);
    g_free(t->comp_r);
    g_free(t->gap);
    g_free(t->gap_least);
    g_free(t->order);
    g_free(t->squeezed_at);
}

static gboolean fits(const trial *t, double avail)
{
    return t->w <= avail + 1e-6;
}

/* take() on behalf of squeezing: counts the mark. */
static void squeeze_mark(const composer *C, trial *t, int i, gboolean right)
{
    if (take(C, t, i, right) && !t->squeezed_at[i - t->s]) {
        t->squeezed_at[i - t->s] = TRUE;
        t->squeezed++;
    }
}

/* Adjacent marks (。” ，“ ）、 》，): the blank between them goes first, from the line end back. */
static void squeeze_pairs(const composer *C, trial *t, double avail)
{
    for (int i = prev_shown(C, t, t->e); i >= 0 && !fits(t, avail); i = prev_shown(C, t, i)) {
        int p = prev_shown(C, t, i);
        if (p < 0 || !is_punct(CELL(C, p)->cls) || !is_punct(CELL(C, i)->cls))
            continue;
        if (CELL(C, p)->blank_r > t->comp_r[p - t->s])
            squeeze_mark(C, t, p, TRUE);
        else
            squeeze_mark(C, t, i, FALSE);
    }
}

/* Han–Latin spaces, evenly, down to 1/8 em. */
static void squeeze_spaces(const composer *C, trial *t, double avail)
{
    int n = 0;
    for (int i = t->s; i < t->e; i++)
        n += t->gap[i - t->s] > 0;
    for (int i = t->s; i < t->e && n > 0 && !fits(t, avail); i++) {
        double *g = &t->gap[i - t->s];
        if (*g <= 0)
            continue;
        double least = t->gap_least[i - t->s];
        double give = MIN(*g - least, (t->w - avail) / n);
        *g -= give;
        t->w -= give;
        n--;
    }
}

/* Squeeze before push (clreq 先挤进，后推出): compresses the line until it fits `avail`. Han–Latin
 * spaces, elastic like the space between words, give first (down to 1/8 em); then the marks in
 * clreq's order of preference — the line-end mark, adjacent pairs, an opening mark at the line
 * start, then any other mark from the line end backwards. Returns whether the line fits. */
static gboolean squeeze(const composer *C, trial *t, double avail)
{
    int last = prev_shown(C, t, t->e), first = next_shown(C, t, t->s - 1);
    squeeze_spaces(C, t, avail);
    if (fits(t, avail) || last < 0)
        return fits(t, avail);
    squeeze_mark(C, t, last, TRUE);
    squeeze_pairs(C, t, avail);
    /* 全角式 as official documents are printed: a mark standing alone inside the line keeps its
     * full width (half of it reads as Western punctuation); what does not fit is pushed. */
    if (C->page->punct == YF_PUNCT_QUANJIAO)
        return fits(t, avail);
    if (!fits(t, avail) && !t->para_start && CELL(C, first)->cls == C_OPEN)
        squeeze_mark(C, t, first, FALSE);
    for (int i = last; i >= 0 && !fits(t, avail); i = prev_shown(C, t, i)) {
        squeeze_mark(C, t, i, TRUE);
        if (!fits(t, avail))
            squeeze_mark(C, t, i, FALSE);
    }
    return fits(t, avail);
}

/* ---- 3. lines: where they break -------------------------------------------------------------- */

typedef struct {
    int s, e;                /* cells [s, e) */
    gboolean forced;         /* ends at a forced break */
    gboolean broken;         /* ends inside a unit longer than a line, between two characters */
    gboolean tight;          /* 缩行: set a character denser, its gaps narrowed to fit */
} range;

/* The measure of a line: the width less the margins (the 版记's 抄送 one character in on both
 * sides, GB/T 9704 §7.4.2) and, on a paragraph's first line, its indent (negative: a hanging
 * first line, as "抄送：" before the names aligned after it). */
static double line_avail(const composer *C, gboolean para_start)
{
    const yf_style *st = &C->block->style;
    return C->width - (st->margin_left + st->margin_right) * C->pitch -
           (para_start ? st->indent * C->pitch : 0) + C->delta;
}

/* Whether cells [s, e) fit without compressing a mark: Han–Latin spaces are elastic like the
 * space between words, so any line may take them down to 1/8 em. */
static gboolean natural_fits(const composer *C, int s, int e, gboolean para_start)
{
    trial t;
    trial_init(C, &t, s, e, para_start);
    double avail = line_avail(C, para_start);
    squeeze_spaces(C, &t, avail);
    gboolean ok = fits(&t, avail);
    trial_free(&t);
    return ok;
}

/* Whether cells [s, e) fit after squeezing, giving up at most `most` pt of their natural width. */
static gboolean squeezes_into(const composer *C, int s, int e, gboolean para_start, double most)
{
    trial t;
    trial_init(C, &t, s, e, para_start);
    gboolean ok = squeeze(C, &t, line_avail(C, para_start)) && t.natural - t.w <= most + 1e-6;
    trial_free(&t);
    return ok;
}

/* A segment [from, …) that does not fit straddles the line end when its first character still fits:
 * ending the line there would break a prohibition (a closing mark or the second half of "——"
 * pushed to the next line's start) or split a word or number — the case for squeezing. When the
 * line is already full at `from`, nothing is pushed that belonged to it. */
static gboolean straddles(const composer *C, int s, int from, gboolean para_start)
{
    while (from < (int)C->cells->len && skip_at_edges(CELL(C, from)))
        from++;
    return from < (int)C->cells->len && natural_fits(C, s, from + 1, para_start);
}

static gboolean forced_end(const composer *C, int e)
{
    return e > 0 && e < (int)C->cells->len && CELL(C, e - 1)->cls == C_BREAK;
}

/* The least width cell c can take on a line: both blanks given up, no Han–Latin space. */
static double least_width(const cell *c)
{
    return c->drop ? 0 : c->w - c->blank_l - c->blank_r;
}

/* Whether a line may end before cell e: an opportunity, or the paragraph's end. */
static gboolean may_end(const composer *C, int e)
{
    if (e >= (int)C->cells->len)
        return TRUE;
    return CELL(C, e)->can_break;
}

/* The first cell from `from` on past which no line starting at `from` can reach, however
 * squeezed (a kerning of less than an em aside). Bounds every scan to about a line's length. */
static int reach(const composer *C, int from, double avail)
{
    double least = 0;
    int n = (int)C->cells->len, e = from;
    for (; e < n; e++) {
        least += least_width(CELL(C, e));
        if (least > avail + C->size)
            break;
    }
    return e;
}

/* A unit longer than a line (a 2,000-letter string, an address without a "/"): from cell `from`
 * no opportunity to end a line comes before the farthest any line can reach. */
static gboolean longer_than_line(const composer *C, int from)
{
    int limit = reach(C, from, line_avail(C, FALSE));
    if (limit >= (int)C->cells->len)
        return FALSE;
    for (int e = from + 1; e <= limit; e++)
        if (may_end(C, e))
            return FALSE;
    return TRUE;
}

/* A unit longer than a line: break it between two characters, filling the line (a bisection:
 * the natural width grows with the end). */
static int overfull_end(const composer *C, int s, gboolean para_start)
{
    int lo = s + 1, hi = MAX(lo, reach(C, s, line_avail(C, para_start)));
    hi = MIN(hi, (int)C->cells->len);
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (natural_fits(C, s, mid, para_start))
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

static int count_gaps(const composer *C, const trial *t, gboolean any);
static int count_shrinkable(const composer *C, const trial *t);
static double stretch_per_gap(const composer *C, const trial *t, double avail, gboolean last,
                              gboolean tight, gboolean *any, double *latin);

/* The most a gap between two characters of a justified line is widened or narrowed: 0.7 pt at
 * 三号, in pt at the block's size. Wider reads as a gappy line, narrower as a crowded one. */
static double max_stretch(const composer *C) { return 0.7 * C->size / 16; }
static double max_shrink(const composer *C) { return max_stretch(C); }
/* The most the letters of a Latin run are spaced out (see stretch_per_gap). */
static double max_latin(const composer *C) { return C->size / 11; }

/* Whether cells [s, e) as a justified line would widen its gaps between characters by more than
 * max_stretch, once its Latin letters took what they may (stretch_per_gap). */
static gboolean too_loose(const composer *C, int s, int e, gboolean para_start)
{
    trial t;
    trial_init(C, &t, s, e, para_start);
    double avail = line_avail(C, para_start);
    squeeze(C, &t, avail);
    gboolean any;
    double latin;
    gboolean loose = stretch_per_gap(C, &t, avail, FALSE, FALSE, &any, &latin) >
                         max_stretch(C) + 1e-6 && !any;
    trial_free(&t);
    return loose;
}

/* Whether cells [s, e), squeezed as the style allows, fit with their gaps narrowed by at most
 * max_shrink each. */
static gboolean shrinks_into(const composer *C, int s, int e, gboolean para_start)
{
    trial t;
    trial_init(C, &t, s, e, para_start);
    double avail = line_avail(C, para_start);
    squeeze(C, &t, avail);
    gboolean ok = t.w - avail <= count_shrinkable(C, &t) * max_shrink(C) + 1e-6;
    trial_free(&t);
    return ok;
}

/* The end of the line starting at cell s: as many segments as fit, squeezing only to keep a
 * straddling segment on the line. When what is left would widen the line's gaps by more than
 * max_stretch (the next segment is long: a number, a word, "“字”"), the next segment is taken
 * instead if narrowing the gaps by at most max_shrink makes room for it, and *shrunk says so. A
 * unit longer than any line is not pushed (that would only leave a stretched line before it): it
 * is broken between characters, filling the line, and *broken says so. */
static int line_end(const composer *C, int s, gboolean para_start, gboolean *shrunk,
                    gboolean *broken)
{
    int n = (int)C->cells->len, best = -1, over = -1;
    int limit = reach(C, s, line_avail(C, para_start) + max_shrink(C) * C->page->chars_per_line);
    *broken = *shrunk = FALSE;
    for (int e = s + 1; e <= n && e <= limit; e++) {
        if (!may_end(C, e))
            continue;
        if (natural_fits(C, s, e, para_start)) {
            best = e;
            if (forced_end(C, e))
                break;
            continue;
        }
        if (straddles(C, s, best < 0 ? s : best, para_start) &&
            squeezes_into(C, s, e, para_start, G_MAXDOUBLE))
            best = e;
        else
            over = e;
        break;
    }
    if (best >= 0 && over > 0 && C->delta == 0 && C->block->style.align == YF_ALIGN_JUSTIFY &&
        !forced_end(C, best) && too_loose(C, s, best, para_start) &&
        shrinks_into(C, s, over, para_start)) {
        best = over;
        *shrunk = TRUE;
    } else if (best >= 0 && best < n && C->delta == 0 &&
               C->block->style.align == YF_ALIGN_JUSTIFY && !forced_end(C, best) &&
               too_loose(C, s, best, para_start)) {
        /* An address segment too long for what is left ("example." after "someone@"): rather
         * than a gappy line, it is broken between two letters as far on as fits, no hyphen; an
         * English word between two syllables, with one. */
        /* the segment may reach past the line (a long word): up to where no line reaches */
        for (int e = (over > 0 ? over : MIN(limit + 1, n)) - 1; e > best; e--) {
            if ((CELL(C, e)->soft || CELL(C, e)->hyph) && natural_fits(C, s, e, para_start)) {
                best = e;
                break;
            }
        }
    }
    if (best >= 0 && over > 0 && C->delta < 0 && !forced_end(C, best)) {
        /* 伸行: a line a character looser, but not gappier than max_stretch at the real measure:
         * rather the next segment, if it fits there. */
        composer *M = (composer *)C; /* the measure is restored before returning */
        double delta = M->delta;
        M->delta = 0;
        if (too_loose(M, s, best, para_start) && natural_fits(M, s, over, para_start))
            best = over;
        M->delta = delta;
    }
    if (best >= 0 && (forced_end(C, best) || best >= n || !longer_than_line(C, best)))
        return best;
    *broken = TRUE;
    *shrunk = FALSE;
    return overfull_end(C, s, para_start);
}

static int shown_chars(const composer *C, int s, int e)
{
    int n = 0;
    for (int i = s; i < e; i++)
        if (!skip_at_edges(CELL(C, i)))
            n += (int)g_utf8_strlen(C->text + CELL(C, i)->start, CELL(C, i)->len);
    return n;
}

/* No paragraph ends in a line of one character (孤字): first squeeze it onto the line before;
 * if the marks there cannot give enough, break that line one opportunity earlier so that the last
 * line holds two characters or more. */
static void avoid_lone_char(const composer *C, GArray *plan)
{
    guint n = plan->len;
    if (n < 2)
        return;
    range *prev = &g_array_index(plan, range, n - 2), *last = &g_array_index(plan, range, n - 1);
    if (prev->forced || shown_chars(C, last->s, last->e) != 1)
        return;
    if (squeezes_into(C, prev->s, last->e, n == 2, G_MAXDOUBLE)) {
        prev->e = last->e;
        g_array_set_size(plan, n - 1);
        return;
    }
    for (int e = prev->e - 1; e > prev->s; e--) {
        if (CELL(C, e)->can_break && shown_chars(C, e, last->e) >= 2) {
            prev->e = last->s = e;
            return;
        }
    }
}

/* Appends the lines from cell s to the end of its segment — the next forced break or the
 * paragraph's end — and returns where they end. */
/* A justified line that breaks the rules it can: wider than max_stretch a gap, or ending between
 * two letters of an address (a soft break). A paragraph's last line is set at its natural width. */
static gboolean bad_line(const composer *C, const range *r)
{
    if (r->forced || r->broken || r->e >= (int)C->cells->len || C->delta != 0 ||
        C->block->style.align != YF_ALIGN_JUSTIFY)
        return FALSE;
    return !CELL(C, r->e)->can_break || too_loose(C, r->s, r->e, r->s == 0);
}

/* Whether cells [s, e) make an acceptable justified line: they fit (squeezed as the style allows,
 * or set denser, *tight) and are not too loose. */
static gboolean good_line(const composer *C, int s, int e, gboolean *tight)
{
    gboolean ps = s == 0;
    *tight = FALSE;
    if (!may_end(C, e) || e >= (int)C->cells->len || forced_end(C, e))
        return FALSE;
    if (!natural_fits(C, s, e, ps) && !squeezes_into(C, s, e, ps, G_MAXDOUBLE)) {
        if (!shrinks_into(C, s, e, ps))
            return FALSE;
        *tight = TRUE;
    }
    return *tight || !too_loose(C, s, e, ps);
}

#define LOOK_BACK 4 /* opportunities either side of the line above's end tried */

/* The line after `above` would break the rules (bad_line): the line above ends a few opportunities
 * earlier or later instead, when both lines then keep them — a two-line look-back that spares a
 * gappy line or a broken address the greedy filling would leave. Returns whether it did. */
static gboolean rebalance(const composer *C, range *above, range *r)
{
    int cand[2 * LOOK_BACK], k = 0;
    for (int e = above->e - 1; e > above->s && k < LOOK_BACK; e--)
        if (may_end(C, e))
            cand[k++] = e;
    int back = k;
    for (int e = above->e + 1; e < r->e && k < back + LOOK_BACK; e++)
        if (may_end(C, e))
            cand[k++] = e;
    for (int j = 0; j < k; j++) {
        gboolean tight;
        if (!good_line(C, above->s, cand[j], &tight))
            continue;
        range next = { cand[j], 0, FALSE, FALSE, FALSE };
        next.e = line_end(C, cand[j], FALSE, &next.tight, &next.broken);
        next.forced = forced_end(C, next.e);
        if (bad_line(C, &next))
            continue;
        above->e = cand[j];
        above->tight = tight;
        *r = next;
        return TRUE;
    }
    return FALSE;
}

static int fill_segment(const composer *C, GArray *plan, int s)
{
    guint first = plan->len;
    for (int n = (int)C->cells->len; s < n;) {
        range r = { s, 0, FALSE, FALSE, FALSE };
        r.e = line_end(C, s, s == 0, &r.tight, &r.broken);
        r.tight |= C->delta > 0;
        r.forced = forced_end(C, r.e);
        if (plan->len > first && bad_line(C, &r))
            rebalance(C, &g_array_index(plan, range, plan->len - 1), &r);
        g_array_append_val(plan, r);
        s = r.e;
        if (r.forced)
            break;
    }
    return s;
}

/* Appends the lines from cell s to the paragraph's end. */
static void fill(const composer *C, GArray *plan, int s)
{
    for (int n = (int)C->cells->len; s < n;)
        s = fill_segment(C, plan, s);
    avoid_lone_char(C, plan);
}

/* ---- 3. lines: titles ------------------------------------------------------------------------ */

/* A title (GB/T 9704 §7.3.1: 回行时要做到词意完整，排列对称，长短适宜，间距恰当；梯形或菱形) is set
 * as a typesetter sets it: in as few lines as greedy filling needs (one more if its words cannot
 * otherwise stay whole), breaking only between words — never inside a number and its unit or
 * measure word, inside a bracketed name, inside a slot's value, nor after a city in an
 * organisation's name, when these fit on a line — preferring phrase boundaries (an issuer before
 * 关于, a subject before 的通知, the halves of a couplet), in lines of about equal length shaped
 * as a trapezoid (upper lines shorter) or a diamond, never over a stub. The breaks are chosen by
 * dynamic programming over the break opportunities of each segment between forced breaks, each
 * line's cost depending on its own length and that of the line above (linear in the title). */

#define TITLE_MAX_LINES 8   /* a longer centred text is filled like a paragraph */

/* Whether the text at cell i starts with `word`. */
static gboolean text_at(const composer *C, int i, const char *word)
{
    return i < (int)C->cells->len && g_str_has_prefix(C->text + CELL(C, i)->start, word);
}

static gunichar char_at(const composer *C, int i)
{
    return i >= 0 && i < (int)C->cells->len ? g_utf8_get_char(C->text + CELL(C, i)->start) : 0;
}

static gboolean one_of(gunichar c, const char *set)
{
    return c && g_utf8_strchr(set, -1, c) != NULL;
}

static const char NUMERALS[] = "〇零一二两三四五六七八九十百千万亿";
/* Units and measure words that follow a number: 2026年, 5号, 第3期, 十五大, 3个. */
static const char UNITS[] = "年月日号期届次个名项条款件位人元角分万亿岁周季度批轮类大点时秒章节卷版";
/* The ends of an organisation's name after its place: 宁波市 / 总工会 is one name. */
static const char *const ORG_WORDS[] = {
    "总工会", "工会", "人民政府", "政府", "人大", "委员会", "党委", "纪委", "办公厅", "办公室",
    "妇联", "团委", "共青团", "文联", "科协", "侨联", "残联", "法院", "检察院", "公安局", NULL
};
/* The kinds of document a title ends with (GB/T 9704 §8: 文种). */
static const char *const DOC_KINDS[] = {
    "通知", "通报", "报告", "意见", "决定", "请示", "批复", "函", "方案", "办法", "规定", "讲话",
    "总结", "计划", "要点", "纪要", "公告", "通告", "决议", "议案", "细则", "规划", "规则", "命令",
    "复函", "倡议书", "说明", "清单", "措施", "公报", "指引", "制度", "章程", "致辞", "发言", NULL
};

static gboolean starts_with_any(const composer *C, int i, const char *const *words)
{
    for (int k = 0; words[k]; k++)
        if (text_at(C, i, words[k]))
            return TRUE;
    return FALSE;
}

/* Cell i is a "的" that starts the title's last phrase, its kind of document: "…的通知",
 * "…的实施意见", "…上的讲话". */
static gboolean starts_doc_kind(const composer *C, int i, int end)
{
    if (char_at(C, i) != 0x7684 /* 的 */ || end - i > 8)
        return FALSE;
    const cell *last = CELL(C, end - 1);
    while (end - 1 > i && (last->drop || last->cls == C_BREAK))
        last = CELL(C, --end - 1);
    const char *tail = C->text + last->start + last->len;
    for (int k = 0; DOC_KINDS[k]; k++) {
        size_t n = strlen(DOC_KINDS[k]);
        if ((size_t)(tail - (C->text + CELL(C, i)->start)) > n &&
            strncmp(tail - n, DOC_KINDS[k], n) == 0)
            return TRUE;
    }
    return FALSE;
}

static gboolean is_numeral(const composer *C, int i)
{
    return (i >= 0 && CELL(C, i)->cls == C_DIGIT) || one_of(char_at(C, i), NUMERALS);
}

/* One-character words that belong to the word before them (委员会, 规范化, 劳动者) or after them
 * (新就业, 各单位, 副主席), which ICU's dictionary leaves alone. */
static const char SUFFIXES[] = "会性化者们式型级类部处局厅室站所院制率度员家界长费";
static const char PREFIXES[] = "新全各副总非超老每本该";

/* Cell i is a word of one character by ICU's dictionary, inside Han text. */
static gboolean lone_word(const composer *C, int i)
{
    int n = (int)C->cells->len;
    return i > 0 && i + 1 < n && CELL(C, i)->cls == C_HAN && CELL(C, i)->word_start &&
           CELL(C, i + 1)->word_start && CELL(C, i - 1)->cls == C_HAN &&
           CELL(C, i + 1)->cls == C_HAN;
}

/* Words of one character that are words indeed: particles, prepositions, conjunctions. */
static const char FUNCTION_WORDS[] = "的地得和与及暨并或对在从把被为以于向上下中里之";

/* Cell i is a Han character that ICU's dictionary makes a word by itself — as it does with each
 * character of a word it does not know (疫情防控 comes out 疫|情|防|控). */
static gboolean single(const composer *C, int i)
{
    int n = (int)C->cells->len;
    return i >= 0 && i + 1 < n && CELL(C, i)->cls == C_HAN && (i == 0 || CELL(C, i)->word_start) &&
           CELL(C, i + 1)->word_start && !one_of(char_at(C, i), FUNCTION_WORDS);
}

/* Cell i ends an ordinal, 第 + a number + its measure word (第十四届, 第3期). */
static gboolean ordinal_ends(const composer *C, int i)
{
    if (i < 2 || !one_of(char_at(C, i), UNITS))
        return FALSE;
    int k = i - 1;
    while (k > 0 && is_numeral(C, k))
        k--;
    return k < i - 1 && char_at(C, k) == 0x7B2C;
}

/* Words that end a phrase of time or scope (…春节期间, …以来), and verbs a title's subject starts
 * with after 关于 (关于印发 / 《…》, 关于加强 / …): a line may well end after them. */
static const char *const PHRASE_ENDS[] = {
    "期间", "以来", "之际", "前夕", "之后", "以后", "以前", "方面", "之中", NULL
};

static gboolean ends_with_any(const composer *C, int i, const char *const *words)
{
    const char *at = C->text + CELL(C, i)->start;
    for (int k = 0; words[k]; k++) {
        size_t n = strlen(words[k]);
        if ((size_t)(at - C->text) >= n && strncmp(at - n, words[k], n) == 0)
            return TRUE;
    }
    return FALSE;
}

/* No break before cell i: a number and its unit or measure word (2026年, 第3期, 十五大), an
 * organisation after its place (宁波市总工会), the kind of document after its 的 (的通知). */
static gboolean joined(const composer *C, int i, int end)
{
    gunichar prev = char_at(C, i - 1);
    if (is_numeral(C, i - 1) && (is_numeral(C, i) || one_of(char_at(C, i), UNITS)))
        return TRUE;
    if (prev == 0x7B2C /* 第 */ && is_numeral(C, i))
        return TRUE;
    if (ordinal_ends(C, i - 1))
        return TRUE; /* 第十四届委员会: an ordinal goes with what it counts */
    if (single(C, i - 1) && single(C, i))
        return TRUE; /* 疫|情|防|控, 党|风|廉|政: a word the dictionary does not hold */
    if ((lone_word(C, i) && one_of(char_at(C, i), SUFFIXES)) ||
        (lone_word(C, i - 1) && one_of(prev, PREFIXES)))
        return TRUE; /* 委员 + 会, 新 + 就业: a one-character word bound to its neighbour */
    if (one_of(prev, "省市县区州旗盟镇乡") && starts_with_any(C, i, ORG_WORDS))
        return TRUE;
    return starts_doc_kind(C, i - 1, end);
}

/* Width of cells [s, e) as a line (Han–Latin spaces squeezed as any line may), or -1 when they do
 * not fit even with squeezing; the least width they could take in *least. */
static double line_width(const composer *C, int s, int e, gboolean para_start, double *least)
{
    trial t;
    trial_init(C, &t, s, e, para_start);
    double avail = line_avail(C, para_start);
    squeeze_spaces(C, &t, avail);
    double w = t.w;
    if (!fits(&t, avail))
        w = squeeze(C, &t, avail) ? t.w : -1;
    *least = 0;
    for (int i = s; i < e; i++)
        *least += least_width(CELL(C, i));
    trial_free(&t);
    return w;
}

/* The first cell starting at or after byte `byte` (cells are in the text's order). */
static int first_cell_at(const composer *C, int byte)
{
    int lo = 0, hi = (int)C->cells->len;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (CELL(C, mid)->start < byte)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Marks cells inside a unit a title keeps on one line when it fits one: the bracketed part of
 * 《》〔〕“”（）「」【】 (from the opening mark to the closing one) and a slot's value. */
static void mark_units(const composer *C, gboolean *keep)
{
    static const char OPENS[] = "《〈“‘（〔【「『(［[", CLOSES[] = "》〉”’）〕】」』)］]";
    int n = (int)C->cells->len, *stack = g_new(int, n + 1), top = 0;
    for (int i = 0; i < n; i++) {
        gunichar ch = char_at(C, i);
        const char *o = one_of(ch, OPENS) ? g_utf8_strchr(OPENS, -1, ch) : NULL;
        if (o) {
            stack[top++] = i;
            continue;
        }
        const char *c = one_of(ch, CLOSES) ? g_utf8_strchr(CLOSES, -1, ch) : NULL;
        if (!c || top == 0)
            continue;
        int at = stack[top - 1];
        glong want = g_utf8_pointer_to_offset(CLOSES, c);
        if (g_utf8_pointer_to_offset(OPENS, g_utf8_strchr(OPENS, -1, char_at(C, at))) != want)
            continue;
        top--;
        if (i < reach(C, at, line_avail(C, FALSE)) && natural_fits(C, at, i + 1, FALSE))
            for (int k = at + 1; k <= i; k++)
                keep[k] = TRUE;
    }
    g_free(stack);
    const GArray *spans = C->block->spans;
    for (guint k = 0; spans && k < spans->len; k++) {
        const yf_span *sp = &g_array_index(spans, yf_span, k);
        if (!sp->keep)
            continue;
        int a = first_cell_at(C, sp->start), b = first_cell_at(C, sp->end);
        if (b <= a + 1 || b > reach(C, a, line_avail(C, FALSE)) || !natural_fits(C, a, b, FALSE))
            continue;
        for (int i = a + 1; i < b; i++)
            keep[i] = TRUE;
    }
}

/* What breaking before cell i costs (negative: a phrase boundary a typesetter prefers). */
static double break_cost(const composer *C, int i, int end)
{
    gunichar prev = char_at(C, i - 1), ch = char_at(C, i);
    double cost = 0;
    if (prev == 0x3000 || prev == ' ' || one_of(prev, "，、：；！？"))
        cost -= 12; /* the halves of a couplet, a clause */
    if (ch == 0x2014 || ch == 0x66A8 /* 暨 */)
        cost -= 8;
    if (text_at(C, i, "关于") && i > 0)
        cost -= 5; /* the issuer, then the subject */
    if (starts_doc_kind(C, i, end))
        cost -= 5; /* the subject, then the kind of document */
    if (CELL(C, i)->cls == C_OPEN || CELL(C, i - 1)->cls == C_CLOSE)
        cost -= 2;
    if (ends_with_any(C, i, PHRASE_ENDS))
        cost -= 8;
    if (one_of(ch, "和及与并"))
        cost -= 4; /* the next conjunct */
    if (i >= 4 && text_at(C, i - 4, "关于") && CELL(C, i - 4)->word_start &&
        CELL(C, i - 2)->word_start)
        cost -= 4; /* 关于 + its verb, then the verb's object */
    if (prev == 0x7684 /* 的 */ || (i >= 2 && text_at(C, i - 2, "关于")))
        cost += 10; /* a line does not end with a particle or a preposition */
    else if (one_of(prev, "和与及对在"))
        cost += 6;
    if (ch == 0x7684 /* 的 */ && !starts_doc_kind(C, i, end))
        cost += 8; /* nor starts with 的 (党 / 的二十届) */
    return cost;
}

typedef struct {
    int at;                  /* a line may end before this cell */
    double cost;             /* of breaking there */
} title_break;

typedef struct {
    int from, to;            /* breaks (indices into the segment's breaks) */
    double w;                /* the line's width */
    int chars;               /* characters shown */
} title_line;

/* The cost of a line of width w in a title whose lines average `mean`: its distance from the
 * mean, in grid cells, squared; a stub (two characters or fewer, or a third of the mean) far
 * more. */
static double title_line_cost(const composer *C, const title_line *l, double mean)
{
    double d = (l->w - mean) / C->pitch;
    return d * d / 2 + (l->chars <= 2 || l->w < mean / 3 ? 60 : 0);
}

/* The shape of two lines one above the other, the upper being line u of k: a trapezoid has its
 * upper lines shorter, a diamond grows to its middle and shrinks after it; an upper line longer
 * than the one below by more than a cell costs, much more in the upper half. */
static double title_pair_cost(const composer *C, double upper, double lower, int u, int k)
{
    double d = (upper - lower) / C->pitch;
    if (d <= 1.05)
        return 0;
    return 2 * (u + 1) <= k ? 2 + (d - 1) * (d - 1) : 0.5 * (d - 1);
}

/* The best breaking of segment [s, end) into exactly k lines over the breaks `bk` (bk[0] = s,
 * the last = end), or NULL when there is none. */
static GArray *title_dp(const composer *C, const GArray *bk, int k, gboolean para_start)
{
    int nb = (int)bk->len;
    GArray *lines = g_array_new(FALSE, FALSE, sizeof(title_line));
    int *first = g_new(int, nb + 1); /* lines ending at break j: [first[j], first[j + 1]) */
    double total = 0, least;
    for (int j = 0; j < nb; j++) {
        first[j] = (int)lines->len;
        int to = g_array_index(bk, title_break, j).at;
        for (int i = j - 1; i >= 0; i--) {
            int from = g_array_index(bk, title_break, i).at;
            gboolean ps = para_start && i == 0;
            double w = line_width(C, from, to, ps, &least);
            if (least > line_avail(C, ps) + C->size)
                break;
            if (w < 0)
                continue;
            title_line l = { i, j, w, shown_chars(C, from, to) };
            g_array_append_val(lines, l);
        }
    }
    first[nb] = (int)lines->len;
    int ne = (int)lines->len;
    int s = g_array_index(bk, title_break, 0).at, end = g_array_index(bk, title_break, nb - 1).at;
    trial t;
    trial_init(C, &t, s, end, para_start);
    total = t.w;
    trial_free(&t);
    double mean = total / k;
    double *best = g_new(double, (size_t)k * ne + 1);
    int *prev = g_new(int, (size_t)k * ne + 1);
    for (int l = 0; l < k; l++) {
        for (int e = 0; e < ne; e++) {
            const title_line *L = &g_array_index(lines, title_line, e);
            double own = title_line_cost(C, L, mean) +
                         (L->to < nb - 1 ? g_array_index(bk, title_break, L->to).cost : 0);
            double *b = &best[(size_t)l * ne + e];
            *b = G_MAXDOUBLE;
            prev[(size_t)l * ne + e] = -1;
            if (l == 0) {
                if (L->from == 0)
                    *b = own;
                continue;
            }
            for (int f = first[L->from]; f < first[L->from + 1]; f++) {
                double pb = best[(size_t)(l - 1) * ne + f];
                if (pb == G_MAXDOUBLE)
                    continue;
                const title_line *P = &g_array_index(lines, title_line, f);
                double c = pb + own + title_pair_cost(C, P->w, L->w, l - 1, k);
                if (c < *b) {
                    *b = c;
                    prev[(size_t)l * ne + e] = f;
                }
            }
        }
    }
    int at = -1;
    for (int e = first[nb - 1]; e < first[nb]; e++)
        if (best[(size_t)(k - 1) * ne + e] < G_MAXDOUBLE &&
            (at < 0 || best[(size_t)(k - 1) * ne + e] < best[(size_t)(k - 1) * ne + at]))
            at = e;
    GArray *plan = NULL;
    if (at >= 0) {
        plan = g_array_sized_new(FALSE, FALSE, sizeof(range), k);
        g_array_set_size(plan, k);
        for (int l = k - 1; l >= 0; l--) {
            const title_line *L = &g_array_index(lines, title_line, at);
            range r = { g_array_index(bk, title_break, L->from).at,
                        g_array_index(bk, title_break, L->to).at, FALSE, FALSE, FALSE };
            r.forced = l == k - 1 && forced_end(C, r.e);
            g_array_index(plan, range, l) = r;
            at = prev[(size_t)l * ne + at];
        }
    }
    g_free(best);
    g_free(prev);
    g_free(first);
    g_array_free(lines, TRUE);
    return plan;
}

/* The breaks of segment [s, end) a title may use: `strict` 0 keeps words, numbers with their
 * units, bracketed names and slot values whole; 1 lets words go; 2 takes every opportunity. */
static GArray *title_breaks(const composer *C, int s, int end, const gboolean *keep, int strict)
{
    GArray *bk = g_array_new(FALSE, FALSE, sizeof(title_break));
    title_break b = { s, 0 };
    g_array_append_val(bk, b);
    for (int i = s + 1; i < end; i++) {
        const cell *c = CELL(C, i);
        if (!c->can_break || CELL(C, i - 1)->cls == C_BREAK)
            continue;
        if (strict < 2 && (keep[i] || joined(C, i, end)))
            continue;
        if (strict < 1 && !c->word_start)
            continue;
        b = (title_break){ i, break_cost(C, i, end) };
        g_array_append_val(bk, b);
    }
    b = (title_break){ end, 0 };
    g_array_append_val(bk, b);
    return bk;
}

static void fill_title(const composer *C, GArray *plan)
{
    int n = (int)C->cells->len;
    gboolean *keep = g_new0(gboolean, n + 1);
    mark_units(C, keep);
    for (int s = 0; s < n;) {
        guint first = plan->len;
        int end = fill_segment(C, plan, s);
        int lines = (int)(plan->len - first);
        gboolean broken = FALSE;
        for (guint k = first; k < plan->len; k++)
            broken |= g_array_index(plan, range, k).broken;
        GArray *best = NULL;
        /* Whole words in as many lines, or one more; then words may go; then any opportunity. */
        for (int strict = 0; lines > 1 && lines <= TITLE_MAX_LINES && !broken && !best &&
                             strict < 3; strict++) {
            GArray *bk = title_breaks(C, s, end, keep, strict);
            best = title_dp(C, bk, lines, s == 0);
            if (!best && strict == 0)
                best = title_dp(C, bk, lines + 1, s == 0);
            g_array_free(bk, TRUE);
        }
        if (best) {
            g_array_set_size(plan, first);
            g_array_append_vals(plan, best->data, best->len);
            g_array_free(best, TRUE);
        }
        s = end;
    }
    g_free(keep);
    avoid_lone_char(C, plan);
}

/* 缩行 and 伸行: the paragraph one line shorter or longer (TeX's \looseness -1 and +1; pagination
 * asks for it to fill a page, cure a widow or keep a heading with its text). The fewest last lines
 * are set again, each a character denser (its gaps narrowed by at most a cell over the line, about
 * 0.56 pt) or a character looser (widened as much), so that the lines before them stay as they
 * were; the last line keeps its natural spacing and must fit as it is. */
#define LOOSENESS_LINES 40 /* the most last lines set again: keeps it linear in the paragraph */

/* Whether the lines of `plan` from `from` on, set again, keep to the rules at the real measure:
 * the last fits as it is, no other is widened or narrowed by more than max_stretch a gap. */
static gboolean lines_within(composer *C, GArray *plan, guint from)
{
    range *r = &g_array_index(plan, range, plan->len - 1);
    double delta = C->delta;
    C->delta = 0;
    r->tight = FALSE;
    gboolean ok = natural_fits(C, r->s, r->e, plan->len == 1) ||
                  squeezes_into(C, r->s, r->e, plan->len == 1, G_MAXDOUBLE);
    if (!ok && shrinks_into(C, r->s, r->e, plan->len == 1))
        ok = r->tight = TRUE; /* a full last line, set denser like the lines above it */
    for (guint k = from; ok && k + 1 < plan->len; k++) {
        r = &g_array_index(plan, range, k);
        ok = r->forced || (r->tight ? shrinks_into(C, r->s, r->e, k == 0)
                                    : !too_loose(C, r->s, r->e, k == 0));
    }
    C->delta = delta;
    return ok;
}

static void set_looseness(composer *C, GArray *plan, int looseness)
{
    guint want = plan->len + (guint)looseness;
    if (looseness == 0 || want < 1)
        return;
    for (guint m = 1; m <= MIN(plan->len, LOOSENESS_LINES); m++) {
        guint keep = plan->len - m;
        GArray *again = g_array_new(FALSE, FALSE, sizeof(range));
        g_array_append_vals(again, plan->data, keep);
        C->delta = looseness < 0 ? C->pitch : -C->pitch;
        fill(C, again, g_array_index(plan, range, keep).s);
        C->delta = 0;
        gboolean done = again->len == want && lines_within(C, again, keep) &&
                        shown_chars(C, g_array_index(again, range, want - 1).s,
                                    g_array_index(again, range, want - 1).e) >= 2;
        if (done) {
            g_array_set_size(plan, 0);
            g_array_append_vals(plan, again->data, again->len);
        }
        g_array_free(again, TRUE);
        if (done || again == NULL)
            return;
    }
}

static GArray *plan_lines(composer *C)
{
    GArray *plan = g_array_new(FALSE, FALSE, sizeof(range));
    if (C->block->style.align == YF_ALIGN_CENTER)
        fill_title(C, plan);
    else
        fill(C, plan, 0);
    if (C->block->style.align == YF_ALIGN_JUSTIFY)
        set_looseness(C, plan, C->block->style.looseness);
    return plan;
}

/* ---- 4. justification and glyph runs ------------------------------------------------------- */

static void run_clear(gpointer p)
{
    yf_run *r = p;
    if (r->font)
        g_object_unref(r->font);
    g_free(r->glyphs);
    g_free(r->clusters);
    g_free(r->text);
}

void yf_line_clear(yf_line *l)
{
    if (l->runs)
        g_array_free(l->runs, TRUE);
    if (l->figures)
        g_array_free(l->figures, TRUE);
    g_free(l->text);
    l->runs = NULL;
    l->figures = NULL;
    l->text = NULL;
}

void yf_line_init(yf_line *l)
{
    *l = (yf_line){ .last = TRUE, .text = g_strdup("") };
    l->runs = g_array_new(FALSE, TRUE, sizeof(yf_run));
    g_array_set_clear_func(l->runs, run_clear);
}

void yf_line_move_runs(yf_line *to, yf_line *from, double dx, double dy)
{
    for (guint r = 0; r < from->runs->len; r++) {
        yf_run *run = &g_array_index(from->runs, yf_run, r);
        for (int g = 0; g < run->nglyphs; g++) {
            run->glyphs[g].x += dx;
            run->glyphs[g].y += dy;
        }
        g_array_append_val(to->runs, *run);
        *run = (yf_run){ 0 }; /* now `to`'s */
    }
    char *text = *to->text && *from->text ? g_strconcat(to->text, "  ", from->text, NULL)
                                           : g_strconcat(to->text, from->text, NULL);
    g_free(to->text);
    to->text = text;
    to->chars += from->chars;
    to->overfull |= from->overfull;
}

void yf_line_add_figure(yf_line *l, yf_figure f)
{
    if (!l->figures)
        l->figures = g_array_new(FALSE, FALSE, sizeof(yf_figure));
    g_array_append_val(l->figures, f);
}

double yf_style_cell(const yf_style *style, const yf_page *page)
{
    return style->grid ? page->text_width / page->chars_per_line * (style->size / page->body_size)
                       : style->size;
}

static void line_clear(gpointer p) { yf_line_clear(p); }

/* Justification stretches the gap between two characters (clreq: the slack goes to every gap of
 * the line, not to spaces alone), but not inside a run of Latin letters, digits and their
 * punctuation (a word, a number, a URL), nor between the halves of "——" or "……" set as two
 * glyphs. */
static gboolean narrow(const cell *c) { return !c->full && c->cls != C_SPACE; }

static gboolean stretchable(const cell *a, const cell *b)
{
    if ((narrow(a) && narrow(b)) || a->cls == C_MARK || b->cls == C_MARK)
        return FALSE;
    return !(a->cls == b->cls && (a->cls == C_DASH || a->cls == C_ELLIPSIS));
}

/* A line set denser narrows only the gaps between two full-width characters of one glyph each
 * (no combining mark reaching out of its cell), neither a dash nor an ellipsis, whose ink reaches
 * its cell's edges: the ink of the others keeps a sixth of an em or more from the cell's edge. */
static gboolean shrinkable(const cell *a, const cell *b)
{
    gboolean edge_ink = a->cls == C_DASH || a->cls == C_ELLIPSIS || b->cls == C_DASH ||
                        b->cls == C_ELLIPSIS;
    return a->full && b->full && a->ng == 1 && b->ng == 1 && !edge_ink;
}

static int count_gaps(const composer *C, const trial *t, gboolean any)
{
    int gaps = 0;
    for (int i = t->s; i < t->e; i++) {
        int p = prev_shown(C, t, i);
        gaps += p >= 0 && !CELL(C, i)->drop && (any || stretchable(CELL(C, p), CELL(C, i)));
    }
    return gaps;
}

static int count_shrinkable(const composer *C, const trial *t)
{
    int gaps = 0;
    for (int i = t->s; i < t->e; i++) {
        int p = prev_shown(C, t, i);
        gaps += p >= 0 && !CELL(C, i)->drop && shrinkable(CELL(C, p), CELL(C, i));
    }
    return gaps;
}

/* Gaps between two narrow characters (inside a word, a number, an address). */
static int count_latin_gaps(const composer *C, const trial *t)
{
    int gaps = 0;
    for (int i = t->s; i < t->e; i++) {
        int p = prev_shown(C, t, i);
        gaps += p >= 0 && !CELL(C, i)->drop && narrow(CELL(C, p)) && narrow(CELL(C, i));
    }
    return gaps;
}

/* The slack of a justified line, spread: the gaps justification uses (`han`, per gap) take it up
 * to max_stretch; what is left spaces out the letters of its Latin runs (`latin`, per gap) — an
 * address or a word spaced out a little reads better than Chinese spaced out a lot. A line with
 * no such gap (all URL) spaces out every gap (*any). */
static double stretch_per_gap(const composer *C, const trial *t, double avail, gboolean last,
                              gboolean tight, gboolean *any, double *latin)
{
    *any = FALSE;
    *latin = 0;
    if (C->block->style.align != YF_ALIGN_JUSTIFY || last || (t->w >= avail && !tight))
        return 0;
    double slack = avail - t->w;
    if (slack < 0) {
        int shrink = count_shrinkable(C, t);
        return shrink ? slack / shrink : 0;
    }
    int gaps = count_gaps(C, t, FALSE);
    if (gaps == 0) {
        *any = TRUE;
        gaps = count_gaps(C, t, TRUE);
        return gaps ? slack / gaps : 0;
    }
    int letters = slack > 0 ? count_latin_gaps(C, t) : 0;
    if (slack / gaps <= max_stretch(C) || letters == 0)
        return slack / gaps;
    /* Letters spaced out by more than an eleventh of an em read as separate words (and text
     * extraction, at a tenth, sees spaces between them): past that the Han gaps take the rest. */
    *latin = MIN((slack - max_stretch(C) * gaps) / letters, max_latin(C));
    return (slack - *latin * letters) / gaps;
}

static uint32_t cell_color(const composer *C, const cell *c)
{
    return c->span ? c->span->color : C->block->style.color;
}

/* Glyph runs being built for one line: a run is one item's glyphs of one colour, contiguous in
 * the text, so that cairo_show_text_glyphs maps every glyph back to its characters. */
typedef struct {
    const composer *C;
    GArray *runs;            /* of yf_run: the line's */
    GArray *glyphs;          /* of cairo_glyph_t: the open run's */
    GArray *clusters;        /* of cairo_text_cluster_t */
    const cell *first;       /* the open run's first cell, or NULL */
    int end;                 /* byte after the open run's last cell */
    GString *text;           /* the open run's text: its cells', less the controls it passed */
} runs_builder;

static void flush_run(runs_builder *B)
{
    if (B->first && B->glyphs->len) {
        const composer *C = B->C;
        const shaped *sh = &g_array_index(C->items, shaped, B->first->item);
        yf_run r = { 0 };
        r.font = g_object_ref(sh->item->analysis.font);
        r.nglyphs = (int)B->glyphs->len;
        r.glyphs = g_memdup2(B->glyphs->data, B->glyphs->len * sizeof(cairo_glyph_t));
        r.nclusters = (int)B->clusters->len;
        r.clusters = g_memdup2(B->clusters->data, B->clusters->len * sizeof(cairo_text_cluster_t));
        r.text_len = (int)B->text->len;
        r.text = g_strndup(B->text->str, B->text->len);
        r.size = B->first->size;
        r.color = cell_color(C, B->first);
        g_array_append_val(B->runs, r);
    }
    g_array_set_size(B->glyphs, 0);
    g_array_set_size(B->clusters, 0);
    g_string_truncate(B->text, 0);
    B->first = NULL;
}

/* Adds cell c's glyphs with its left edge at x (its blank given up on the left moves it left). */
static void add_glyphs(runs_builder *B, const cell *c, double x)
{
    const composer *C = B->C;
    if (B->first && (c->item != B->first->item || c->start != B->end ||
                     cell_color(C, c) != cell_color(C, B->first)))
        flush_run(B);
    if (!B->first)
        B->first = c;
    const PangoGlyphString *gs = g_array_index(C->items, shaped, c->item).gs;
    double gx = x + c->ink;
    int drawn = 0;
    for (int g = c->g0; g < c->g0 + c->ng; g++) {
        const PangoGlyphInfo *gi = &gs->glyphs[g];
        cairo_glyph_t cg = { gi->glyph, gx + (double)gi->geometry.x_offset / PANGO_SCALE,
                             (double)gi->geometry.y_offset / PANGO_SCALE };
        gx += (double)gi->geometry.width / PANGO_SCALE;
        /* An invisible glyph inside a cluster (a control shaped with a mark) is not a glyph
         * of the font: the cluster keeps its text with the glyphs it has. */
        if (gi->glyph == PANGO_GLYPH_EMPTY || (gi->glyph & PANGO_GLYPH_UNKNOWN_FLAG))
            continue;
        g_array_append_val(B->glyphs, cg);
        drawn++;
    }
    cairo_text_cluster_t cl = { c->len, drawn };
    g_array_append_val(B->clusters, cl);
    g_string_append_len(B->text, C->text + c->start, c->len);
    B->end = c->start + c->len;
}

/* A bidi control the shaper gave an empty glyph, inside the open run (same item, contiguous):
 * the run goes on past it, without it (it is never drawn nor in the PDF's text), so that the
 * glyphs either side of it (the halves of "——") remain one run. */
static gboolean continues_run(const composer *C, const runs_builder *B, const cell *c)
{
    if (!B->first || c->item != B->first->item || c->start != B->end || c->cls == C_BREAK ||
        !is_bidi_control(g_utf8_get_char(C->text + c->start)))
        return FALSE;
    const PangoGlyphString *gs = g_array_index(C->items, shaped, c->item).gs;
    for (int g = c->g0; g < c->g0 + c->ng; g++)
        if (gs->glyphs[g].glyph != PANGO_GLYPH_EMPTY)
            return FALSE;
    return TRUE;
}

static void emit_line(composer *C, const trial *t, gboolean last, gboolean tight,
                      yf_composed *out)
{
    const yf_style *st = &C->block->style;
    double avail = line_avail(C, t->para_start);
    gboolean any;
    double latin;
    /* A last line is set at its natural width, unless 缩行 made it a full line set denser. */
    double stretch = stretch_per_gap(C, t, avail, last && !(tight && t->w > avail), tight, &any,
                                     &latin);
    yf_line line = { .natural = t->natural, .squeezed = t->squeezed, .adjust = stretch,
                     .last = last, .overfull = !tight && t->w > avail + 1e-6 };
    line.runs = g_array_new(FALSE, TRUE, sizeof(yf_run));
    g_array_set_clear_func(line.runs, run_clear);
    runs_builder B = { C, line.runs, g_array_new(FALSE, FALSE, sizeof(cairo_glyph_t)),
                       g_array_new(FALSE, FALSE, sizeof(cairo_text_cluster_t)), NULL, 0,
                       g_string_new(NULL) };
    GString *chars = g_string_new(NULL);
    double x = 0, *left = g_new0(double, MAX(t->e - t->s, 1));
    for (int k = 0, p = -1; k < t->e - t->s; k++) {
        int i = t->order ? t->order[k] : t->s + k;
        const cell *c = CELL(C, i);
        if (c->drop)
            continue;
        x += t->gap[i - t->s];
        if (p >= 0 && stretch < 0)
            x += shrinkable(CELL(C, p), c) ? stretch : 0;
        else if (p >= 0)
            x += any || stretchable(CELL(C, p), c) ? stretch
                 : narrow(CELL(C, p)) && narrow(c) ? latin : 0;
        left[i - t->s] = x - t->comp_l[i - t->s];
        x += c->w - t->comp_l[i - t->s] - t->comp_r[i - t->s];
        p = i;
    }
    /* Glyphs go in logical order, each at its visual place, so that every run is a stretch of
     * the text and its clusters map forwards (copy and search give the text as written). */
    for (int i = t->s; i < t->e; i++) {
        const cell *c = CELL(C, i);
        if (c->drop && continues_run(C, &B, c)) {
            B.end = c->start + c->len;
            continue;
        }
        if (c->drop) {
            flush_run(&B);
            continue;
        }
        add_glyphs(&B, c, left[i - t->s]);
        g_string_append_len(chars, C->text + c->start, c->len);
    }
    g_free(left);
    if (t->hyphen > 0 && B.first) {
        /* The hyphen of a word broken at the line end: a glyph of no text (a cluster of no
         * bytes), so that copying the text gives the word as written. */
        cairo_glyph_t cg = { t->hyphen_glyph, x, 0 };
        g_array_append_val(B.glyphs, cg);
        cairo_text_cluster_t cl = { 0, 1 };
        g_array_append_val(B.clusters, cl);
        x += t->hyphen;
    }
    flush_run(&B);
    g_array_free(B.glyphs, TRUE);
    g_array_free(B.clusters, TRUE);
    g_string_free(B.text, TRUE);

    int last_cell = prev_shown(C, t, t->e);
    line.width = last_cell >= 0 && !CELL(C, last_cell)->full && t->hyphen == 0
                     ? x - CELL(C, last_cell)->kern : x;
    line.text = g_string_free(chars, FALSE);
    line.chars = (int)g_utf8_strlen(line.text, -1);
    double ml = st->margin_left * C->pitch, mr = st->margin_right * C->pitch;
    switch (st->align) {
    case YF_ALIGN_CENTER: line.x = ml + (C->width - ml - mr - line.width) / 2; break;
    case YF_ALIGN_RIGHT: line.x = C->width - mr - line.width; break;
    default: line.x = ml + (t->para_start ? st->indent * C->pitch : 0); break;
    }
    if (line.overfull) {
        yf_diag_at where = cells_at(C, t->s, t->e);
        yf_diag_put(C->diags, YF_WARNING, "layout.overfull-line", &where,
                    "一行放不下「%s」，已强行断开", line.text);
    }
    g_array_append_val(out->lines, line);
}

/* A unit longer than a line was broken between two characters: the document is not what was
 * written, the user is told (once for each such unit). */
static void warn_broken(composer *C, const range *r)
{
    if (r->e <= C->warned_to)
        return; /* the same unit as the line before */
    int s = r->e - 1, e = r->e;
    while (s > 0 && !CELL(C, s)->can_break)
        s--;
    while (e < (int)C->cells->len && !CELL(C, e)->can_break)
        e++;
    C->warned_to = e;
    const cell *a = CELL(C, s), *b = CELL(C, e - 1);
    glong chars = g_utf8_strlen(C->text + a->start, b->start + b->len - a->start);
    const char *end = g_utf8_offset_to_pointer(C->text + a->start, MIN(chars, 12));
    yf_diag_at where = cells_at(C, s, e);
    yf_diag_put(C->diags, YF_WARNING, "layout.unbreakable", &where,
                "「%.*s…」（%ld 个字符）比一行长，没有断行机会，已强行断开",
                (int)(end - (C->text + a->start)), C->text + a->start, chars);
}

static void set_lines(composer *C, yf_composed *out)
{
    GArray *plan = plan_lines(C);
    for (guint k = 0; k < plan->len; k++) {
        const range *r = &g_array_index(plan, range, k);
        if (r->broken)
            warn_broken(C, r);
        trial t;
        trial_init(C, &t, r->s, r->e, k == 0);
        squeeze(C, &t, line_avail(C, k == 0));
        emit_line(C, &t, k + 1 == plan->len || r->forced, r->tight, out);
        trial_free(&t);
    }
    g_array_free(plan, TRUE);
}

/* ---- entry ----------------------------------------------------------------------------------- */

int yf_compose_block(yf_context *ctx, const yf_page *page, const yf_block *block, double width,
                     yf_composed *out, yf_diags *diags)
{
    composer C = { .ctx = ctx, .page = page, .block = block, .text = block->text,
                   .diags = diags };
    C.size = block->style.size;
    C.width = width;
    /* The grid is the page's, whatever the width a block is set in (a table cell, a part). */
    C.pitch = yf_style_cell(&block->style, page);
    C.items = g_array_new(FALSE, TRUE, sizeof(shaped));
    g_array_set_clear_func(C.items, shaped_clear);
    C.cells = g_array_new(FALSE, TRUE, sizeof(cell));
    out->block = block;
    out->lines = g_array_new(FALSE, TRUE, sizeof(yf_line));
    g_array_set_clear_func(out->lines, line_clear);

    if (*block->text) {
        shape(&C);
        for (guint i = 0; i < C.cells->len && !C.bidi; i++)
            C.bidi = CELL(&C, i)->level > 0;
        find_breaks(&C);
        set_lines(&C, out);
    }
    g_array_free(C.cells, TRUE);
    g_array_free(C.items, TRUE);
    return 0;
}

void yf_composed_clear(yf_composed *c)
{
    if (c->lines)
        g_array_free(c->lines, TRUE);
    c->lines = NULL;
}
