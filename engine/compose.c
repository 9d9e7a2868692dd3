/* Compose stage: one block of text -> lines, by yinfa's own CJK line composer.
 *
 * In: a block (text + style) and the line width. Out: lines of positioned glyph runs.
 * Pango/HarfBuzz itemize and shape; everything about lines is decided here:
 *   1. cells — one per shaped cluster, with its clreq class, its width on the character grid
 *      (GB/T 9704: 28 full-width characters fill the 156 mm line) and the blank half a
 *      punctuation mark may give up;
 *   2. break opportunities from ICU's line breaker (locale zh — Pango 1.50 breaks wrongly before
 *      Chinese opening quotes), narrowed by the clreq prohibitions: no closing mark at a line
 *      start, no opening mark at a line end, "——" and "……" never split nor at a line start;
 *   3. filling: a line takes a segment when it fits after squeezing (先挤进，后推出): line-end
 *      punctuation to half width, then adjacent pairs, then Han–Latin gaps, then other marks;
 *      only when squeezing cannot make it fit is the segment pushed to the next line;
 *   4. justification: the slack is spread over every inter-character gap (not inside Latin
 *      words), so every full line ends exactly at the right edge; a paragraph's last line keeps
 *      its natural spacing.
 * Each line records its decisions (squeezes, stretch) for the text dump. */
#include "internal.h"

#include <math.h>
#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/ustring.h>

typedef enum {
    C_HAN, C_OPEN, C_CLOSE, C_COMMA, C_STOP, C_NS, C_MIDDOT, C_DASH, C_ELLIPSIS,
    C_LATIN, C_DIGIT, C_SPACE, C_BREAK
} cclass;

typedef struct {
    int start, len;          /* bytes in the block's text */
    int item;                /* index of the shaped item */
    int g0, ng;              /* glyph range in the item's glyph string */
    double adv;              /* natural advance, pt */
    double w;                /* width on the line before compression, pt */
    double ink;              /* glyph origin relative to the cell's left edge, pt */
    double blank_l, blank_r; /* blank a full-width mark may give up on each side, pt */
    cclass cls;
    gboolean full;           /* occupies a full grid cell */
    gboolean can_break;      /* a line may start at this cell */
    gboolean drop;           /* not drawn: a control or a character no font has */
} cell;

typedef struct {
    PangoItem *item;
    PangoGlyphString *gs;
} shaped;

typedef struct {
    yf_context *ctx;
    const yf_block *block;
    const char *text;
    GArray *items;           /* of shaped */
    GArray *cells;           /* of cell */
    double size;             /* em, pt */
    double pitch;            /* grid cell, pt (= em when not on the grid) */
    double width;            /* line width, pt */
    yf_diags *diags;
} composer;

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

static gboolean is_punct(cclass c)
{
    return c == C_OPEN || c == C_CLOSE || c == C_COMMA || c == C_STOP || c == C_NS ||
           c == C_MIDDOT || c == C_DASH || c == C_ELLIPSIS;
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

static void shape(composer *C)
{
    const char *text = C->text;
    int len = (int)strlen(text);
    PangoAttrList *attrs = pango_attr_list_new();
    PangoFontDescription *desc = yf_context_font(C->ctx, C->block->style.role, C->size);
    pango_attr_list_insert(attrs, pango_attr_font_desc_new(desc));
    pango_font_description_free(desc);
    GList *items = pango_itemize(C->ctx->pango, text, 0, len, attrs, NULL);
    pango_attr_list_unref(attrs);

    for (GList *l = items; l; l = l->next) {
        PangoItem *item = l->data;
        shaped sh = { item, pango_glyph_string_new() };
        pango_shape_with_flags(text + item->offset, item->length, text, len, &item->analysis,
                               sh.gs, PANGO_SHAPE_NONE);
        int idx = (int)C->items->len;
        g_array_append_val(C->items, sh);

        /* Clusters: runs of glyphs with the same log_cluster (LTR: ascending). */
        PangoGlyphString *gs = sh.gs;
        for (int g = 0; g < gs->num_glyphs;) {
            int start = gs->log_clusters[g];
            int e = g;
            double adv = 0;
            gboolean unknown = FALSE, empty = TRUE;
            while (e < gs->num_glyphs && gs->log_clusters[e] == start) {
                adv += (double)gs->glyphs[e].geometry.width / PANGO_SCALE;
                unknown |= (gs->glyphs[e].glyph & PANGO_GLYPH_UNKNOWN_FLAG) != 0;
                empty &= gs->glyphs[e].glyph == PANGO_GLYPH_EMPTY;
                e++;
            }
            int end = e < gs->num_glyphs ? gs->log_clusters[e] : item->length;
            cell c = { .start = item->offset + start, .len = end - start, .item = idx, .g0 = g,
                       .ng = e - g, .adv = adv };
            gunichar ch = g_utf8_get_char(text + c.start);
            c.cls = classify(ch);
            if (unknown && c.cls != C_BREAK) {
                yf_warn(C->diags, "字符 U+%04X「%.*s」没有字体可以显示，已省略", ch, c.len,
                        text + c.start);
                c.drop = TRUE;
            }
            if (empty || c.cls == C_BREAK)
                c.drop = TRUE;
            g_array_append_val(C->cells, c);
            g = e;
        }
    }
    g_list_free(items);

    /* Grid widths: a full-width character takes one cell of the grid, its glyph centred in it;
     * everything else keeps its natural advance. */
    for (guint i = 0; i < C->cells->len; i++) {
        cell *c = &g_array_index(C->cells, cell, i);
        c->full = c->adv >= 0.75 * C->size && c->cls != C_LATIN && c->cls != C_DIGIT;
        if (c->full) {
            double cells = MAX(1.0, round(c->adv / C->size)); /* "——" is two cells */
            c->w = cells * C->pitch;
            c->ink = (c->w - c->adv) / 2;
        } else {
            c->w = c->adv;
            c->ink = 0;
        }
        if (c->full && c->w <= 1.01 * C->pitch) {
            /* The blank half of a full-width mark: after closing marks and stops, before opening
             * marks, on both sides of a middle dot. */
            if (c->cls == C_CLOSE || c->cls == C_COMMA || c->cls == C_STOP ||
                (c->cls == C_NS && (g_utf8_get_char(C->text + c->start) == 0xFF1A ||
                                    g_utf8_get_char(C->text + c->start) == 0xFF1B)))
                c->blank_r = c->w / 2;
            else if (c->cls == C_OPEN)
                c->blank_l = c->w / 2;
            else if (c->cls == C_MIDDOT)
                c->blank_l = c->blank_r = c->w / 4;
        }
        if (c->cls == C_SPACE)
            c->w = c->adv;
    }
}

/* ---- 2. break opportunities ------------------------------------------------------------------ */

static void find_breaks(composer *C)
{
    const char *text = C->text;
    int len = (int)strlen(text);
    GArray *cells = C->cells;
    if (cells->len == 0)
        return;
    /* Byte offset -> cell index. */
    int *cell_at = g_new(int, len + 1);
    for (int i = 0; i <= len; i++)
        cell_at[i] = -1;
    for (guint i = 0; i < cells->len; i++)
        cell_at[g_array_index(cells, cell, i).start] = (int)i;

    UErrorCode st = U_ZERO_ERROR;
    int32_t ulen = 0;
    u_strFromUTF8(NULL, 0, &ulen, text, len, &st);
    st = U_ZERO_ERROR;
    UChar *u = g_new(UChar, ulen + 1);
    u_strFromUTF8(u, ulen + 1, NULL, text, len, &st);
    /* UTF-16 index -> byte offset. */
    int *byte_at = g_new(int, ulen + 1);
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
    UBreakIterator *bi = ubrk_open(UBRK_LINE, "zh", u, ulen, &st);
    if (U_SUCCESS(st)) {
        for (int32_t p = ubrk_first(bi); p != UBRK_DONE; p = ubrk_next(bi)) {
            if (p <= 0 || p >= ulen)
                continue;
            int ci = cell_at[byte_at[p]];
            if (ci > 0)
                g_array_index(cells, cell, ci).can_break = TRUE;
        }
        ubrk_close(bi);
    } else {
        yf_warn(C->diags, "ICU 断行器不可用（%s），按字断行", u_errorName(st));
        for (guint i = 1; i < cells->len; i++)
            g_array_index(cells, cell, i).can_break = TRUE;
    }
    g_free(u);
    g_free(byte_at);
    g_free(cell_at);

    /* clreq prohibitions on top of UAX #14, whatever the ICU version decides. */
    for (guint i = 1; i < cells->len; i++) {
        cell *c = &g_array_index(cells, cell, i);
        const cell *prev = &g_array_index(cells, cell, i - 1);
        if (no_line_start(c->cls) || prev->cls == C_OPEN)
            c->can_break = FALSE;
        if (prev->cls == C_BREAK)
            c->can_break = TRUE; /* a forced break always ends the line */
    }
}

/* ---- 3. filling lines ------------------------------------------------------------------------ */

/* Extra space the composer puts between a Han character and a Latin letter or digit. */
static double gap_between(const composer *C, const cell *a, const cell *b)
{
    if ((a->cls == C_HAN && is_alnum(b->cls)) || (is_alnum(a->cls) && b->cls == C_HAN))
        return C->size / 4; /* clreq: about a quarter em */
    return 0;
}

typedef struct {
    int s, e;               /* cells [s, e) */
    double natural;         /* widths + gaps, without compression */
    double *comp_l, *comp_r;/* compression applied per cell (indexed from s) */
    double *gap;            /* extra gap before cell s+k (k >= 1) */
    int squeezed;
} trial;

static gboolean skip_at_edges(const cell *c)
{
    return c->drop || c->cls == C_SPACE;
}

/* Trims spaces and dropped cells from both ends of [s, e). */
static void trim(const composer *C, int *s, int *e)
{
    while (*s < *e && skip_at_edges(&g_array_index(C->cells, cell, *s)))
        (*s)++;
    while (*e > *s && skip_at_edges(&g_array_index(C->cells, cell, *e - 1)))
        (*e)--;
}

static void trial_init(trial *t, int s, int e)
{
    int n = MAX(e - s, 1);
    t->s = s;
    t->e = e;
    t->comp_l = g_new0(double, n);
    t->comp_r = g_new0(double, n);
    t->gap = g_new0(double, n);
    t->natural = 0;
    t->squeezed = 0;
}

static void trial_free(trial *t)
{
    g_free(t->comp_l);
    g_free(t->comp_r);
    g_free(t->gap);
}

static double trial_width(const composer *C, const trial *t)
{
    double w = 0;
    for (int i = t->s; i < t->e; i++) {
        const cell *c = &g_array_index(C->cells, cell, i);
        if (c->drop)
            continue;
        w += c->w - t->comp_l[i - t->s] - t->comp_r[i - t->s] + t->gap[i - t->s];
    }
    return w;
}

/* Squeeze [s, e) until it is no wider than `avail`. Returns TRUE when it fits. The order is
 * clreq's: line-end mark, adjacent pairs, Han–Latin gaps (down to 1/8 em), other marks. */
static gboolean squeeze(const composer *C, trial *t, double avail)
{
    const double eps = 1e-6;
    GArray *cells = C->cells;
    int s = t->s, e = t->e;
    for (int i = s + 1; i < e; i++)
        t->gap[i - s] = gap_between(C, &g_array_index(cells, cell, i - 1),
                                    &g_array_index(cells, cell, i));
    double w = trial_width(C, t);
    t->natural = w;
    if (w <= avail + eps)
        return TRUE;
    /* Squeezing rescues a line from a push; it does not pack more text in. More than one cell
     * over is a push whatever the marks could give. */
    if (w - avail > C->pitch + eps)
        return FALSE;

#define CELL(i) (&g_array_index(cells, cell, (i)))
#define TAKE_R(i) do { if (CELL(i)->blank_r > t->comp_r[(i) - s]) { w -= CELL(i)->blank_r - t->comp_r[(i) - s]; t->comp_r[(i) - s] = CELL(i)->blank_r; t->squeezed++; } } while (0)
#define TAKE_L(i) do { if (CELL(i)->blank_l > t->comp_l[(i) - s]) { w -= CELL(i)->blank_l - t->comp_l[(i) - s]; t->comp_l[(i) - s] = CELL(i)->blank_l; t->squeezed++; } } while (0)

    /* Marks are squeezed only to keep a line-end mark on its line (先挤进，后推出): otherwise the
     * last segment simply goes to the next line. */
    cclass last = CELL(e - 1)->cls;
    gboolean rescue = last == C_CLOSE || last == C_COMMA || last == C_STOP || last == C_NS;
    /* Line-end mark to half width. */
    if (rescue)
        TAKE_R(e - 1);
    if (w <= avail + eps)
        return TRUE;
    /* Han–Latin gaps down to 1/8 em, evenly. */
    int ngaps = 0;
    for (int i = s + 1; i < e; i++)
        ngaps += t->gap[i - s] > 0;
    if (ngaps) {
        double give = MIN((w - avail) / ngaps, C->size / 8);
        for (int i = s + 1; i < e; i++)
            if (t->gap[i - s] > 0) {
                t->gap[i - s] -= give;
                w -= give;
            }
    }
    if (w <= avail + eps || !rescue)
        return w <= avail + eps;
    /* Adjacent pairs (。” ，“ ）、 》，): two cells to one and a half. */
    for (int i = e - 2; i >= s && w > avail + eps; i--) {
        if (!is_punct(CELL(i)->cls) || !is_punct(CELL(i + 1)->cls))
            continue;
        if (CELL(i)->blank_r > 0)
            TAKE_R(i);
        else if (CELL(i + 1)->blank_l > 0)
            TAKE_L(i + 1);
    }
    /* Any other mark's blank half, from the end of the line backwards. */
    for (int i = e - 1; i >= s && w > avail + eps; i--) {
        TAKE_R(i);
        if (w > avail + eps)
            TAKE_L(i);
    }
#undef TAKE_R
#undef TAKE_L
#undef CELL
    return w <= avail + eps;
}

static void emit_line(composer *C, trial *t, double indent, gboolean last, gboolean overfull,
                      yf_composed *out);

/* Whether cells [s, e), without edge spaces, fit in `avail` after squeezing. */
static gboolean fits_range(const composer *C, int s, int e, double avail)
{
    trim(C, &s, &e);
    trial t;
    trial_init(&t, s, e);
    gboolean fits = squeeze(C, &t, avail);
    trial_free(&t);
    return fits;
}

/* The greedy filler: each line takes as many segments as fit after squeezing. */
static void fill(composer *C, yf_composed *out)
{
    GArray *cells = C->cells;
    int n = (int)cells->len;
    int s = 0;
    gboolean first = TRUE;
    const yf_style *st = &C->block->style;
    while (s < n) {
        double indent = first ? st->indent * C->pitch : 0;
        double avail = C->width - indent;
        int best = -1;
        int forced_end = -1;
        /* Candidate ends: every break opportunity after s, up to a forced break. */
        for (int e = s + 1; e <= n; e++) {
            gboolean end_here = e == n || g_array_index(cells, cell, e).can_break;
            if (e < n && g_array_index(cells, cell, e - 1).cls == C_BREAK) {
                forced_end = e;
                end_here = TRUE;
            }
            if (!end_here)
                continue;
            gboolean fits = fits_range(C, s, e, avail);
            if (!fits && best >= 0)
                break;
            if (fits)
                best = e;
            if (forced_end >= 0 || !fits)
                break;
        }
        gboolean overfull = FALSE;
        if (best < 0) {
            /* Not even one segment fits: break inside it, cell by cell (a long URL). */
            overfull = TRUE;
            best = s + 1;
            for (int e = s + 2; e <= n; e++) {
                if (!fits_range(C, s, e, avail))
                    break;
                best = e;
            }
        }
        int ts = s, te = best;
        trim(C, &ts, &te);
        trial t;
        trial_init(&t, ts, te);
        gboolean fits = squeeze(C, &t, avail);
        gboolean forced = best < n && g_array_index(cells, cell, best - 1).cls == C_BREAK;
        emit_line(C, &t, indent, best >= n || forced, overfull && !fits, out);
        trial_free(&t);
        s = best;
        first = FALSE;
    }
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
    g_free(l->text);
    l->runs = NULL;
    l->text = NULL;
}

static void line_clear(gpointer p) { yf_line_clear(p); }

static void emit_line(composer *C, trial *t, double indent, gboolean last, gboolean overfull,
                      yf_composed *out)
{
    GArray *cells = C->cells;
    const yf_style *st = &C->block->style;
    int s = t->s, e = t->e;
    double w = trial_width(C, t);
    double avail = C->width - indent;

    /* Justify: spread the slack over the gaps between characters, not inside Latin words. */
    double stretch = 0;
    if (st->align == YF_ALIGN_JUSTIFY && !last && w < avail) {
        int gaps = 0;
        for (int i = s + 1; i < e; i++) {
            const cell *a = &g_array_index(cells, cell, i - 1), *b = &g_array_index(cells, cell, i);
            if (!a->drop && !b->drop && !(is_alnum(a->cls) && is_alnum(b->cls)))
                gaps++;
        }
        if (gaps > 0)
            stretch = (avail - w) / gaps;
    }

    yf_line line = { 0 };
    line.runs = g_array_new(FALSE, TRUE, sizeof(yf_run));
    g_array_set_clear_func(line.runs, run_clear);
    line.natural = t->natural;
    line.squeezed = t->squeezed;
    line.adjust = stretch;
    line.last = last;
    line.overfull = overfull;

    GString *chars = g_string_new(NULL);
    double x = 0;
    yf_run *run = NULL;
    GArray *glyphs = g_array_new(FALSE, FALSE, sizeof(cairo_glyph_t));
    GArray *clusters = g_array_new(FALSE, FALSE, sizeof(cairo_text_cluster_t));
    int run_start = 0, run_end = 0, run_item = -1;

#define FLUSH()                                                                              \
    do {                                                                                     \
        if (run_item >= 0 && glyphs->len) {                                                  \
            yf_run r = { 0 };                                                                \
            shaped *sh = &g_array_index(C->items, shaped, run_item);                         \
            r.font = g_object_ref(sh->item->analysis.font);                                  \
            r.nglyphs = (int)glyphs->len;                                                    \
            r.glyphs = g_memdup2(glyphs->data, glyphs->len * sizeof(cairo_glyph_t));         \
            r.nclusters = (int)clusters->len;                                                \
            r.clusters = g_memdup2(clusters->data, clusters->len * sizeof(cairo_text_cluster_t)); \
            r.text = g_strndup(C->text + run_start, run_end - run_start);                    \
            r.text_len = run_end - run_start;                                                \
            r.size = C->size;                                                                \
            r.color = st->color;                                                             \
            g_array_append_val(line.runs, r);                                                \
        }                                                                                    \
        g_array_set_size(glyphs, 0);                                                         \
        g_array_set_size(clusters, 0);                                                       \
        run_item = -1;                                                                       \
        (void)run;                                                                           \
    } while (0)

    for (int i = s; i < e; i++) {
        const cell *c = &g_array_index(cells, cell, i);
        if (i > s) {
            const cell *a = &g_array_index(cells, cell, i - 1);
            x += t->gap[i - s];
            if (!a->drop && !c->drop && !(is_alnum(a->cls) && is_alnum(c->cls)))
                x += stretch;
        }
        if (c->drop) {
            FLUSH();
            continue;
        }
        if (c->item != run_item || c->start != run_end) {
            FLUSH();
            run_item = c->item;
            run_start = c->start;
        }
        shaped *sh = &g_array_index(C->items, shaped, c->item);
        double gx = x - t->comp_l[i - s] + c->ink;
        for (int g = c->g0; g < c->g0 + c->ng; g++) {
            const PangoGlyphInfo *gi = &sh->gs->glyphs[g];
            cairo_glyph_t cg = { gi->glyph,
                                 gx + (double)gi->geometry.x_offset / PANGO_SCALE,
                                 (double)gi->geometry.y_offset / PANGO_SCALE };
            g_array_append_val(glyphs, cg);
            gx += (double)gi->geometry.width / PANGO_SCALE;
        }
        cairo_text_cluster_t cl = { c->len, c->ng };
        g_array_append_val(clusters, cl);
        run_end = c->start + c->len;
        x += c->w - t->comp_l[i - s] - t->comp_r[i - s];
        g_string_append_len(chars, C->text + c->start, c->len);
        line.chars += (int)g_utf8_strlen(C->text + c->start, c->len);
    }
    FLUSH();
#undef FLUSH
    g_array_free(glyphs, TRUE);
    g_array_free(clusters, TRUE);

    line.width = x;
    line.text = g_string_free(chars, FALSE);
    switch (st->align) {
    case YF_ALIGN_CENTER: line.x = (C->width - x) / 2; break;
    case YF_ALIGN_RIGHT: line.x = C->width - x; break;
    default: line.x = indent; break;
    }
    if (overfull)
        yf_warn(C->diags, "一行放不下「%s」，已强行断开", line.text);
    g_array_append_val(out->lines, line);
}

/* ---- entry ----------------------------------------------------------------------------------- */

int yf_compose_block(yf_context *ctx, const yf_page *page, const yf_block *block, double width,
                     yf_composed *out, yf_diags *diags)
{
    composer C = { .ctx = ctx, .block = block, .text = block->text, .diags = diags };
    C.size = block->style.size;
    C.width = width;
    C.pitch = block->style.grid ? width / page->chars_per_line * (block->style.size / page->body_size)
                                : block->style.size;
    C.items = g_array_new(FALSE, TRUE, sizeof(shaped));
    g_array_set_clear_func(C.items, shaped_clear);
    C.cells = g_array_new(FALSE, TRUE, sizeof(cell));
    out->block = block;
    out->lines = g_array_new(FALSE, TRUE, sizeof(yf_line));
    g_array_set_clear_func(out->lines, line_clear);

    if (*block->text) {
        shape(&C);
        find_breaks(&C);
        fill(&C, out);
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
