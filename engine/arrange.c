/* Compose stage, composite blocks: rows, stacks, signatures and images -> lines.
 *
 * In: a block whose parts are short texts (each set by the composer, compose.c, on one line) or an
 * image. Out: lines for pagination, each holding its parts' glyph runs at their places and its
 * figures (images, relative to the line's box):
 *   - a row: left, centre and right parts on one line, insets in characters — the 发文字号 and the
 *     签发人 of an upward document (GB/T 9704 §7.2.4), the 印发机关 and 印发日期 (§7.4.3), a
 *     bulletin's 编印单位 and date;
 *   - a stack: lines set as one block, the narrower spread to the widest, a side part centred
 *     vertically beside them — the 发文机关标志 of a joint document with "文件" (§7.2.3);
 *   - a signature: issuers, date and seals placed as §7.3.5 says — one issuer or several (joint
 *     issuance), without or with seals, a long issuer on balanced lines — as one box of whole grid
 *     lines;
 *   - an image: in the flow on whole grid lines, or floating over what follows.
 * Text blocks go to the composer unchanged and tables to table.c. */
#include "internal.h"

#include <math.h>

/* Lines in a stack are this many ems apart (baseline to baseline). */
#define STACK_LEADING 1.25

static const yf_block *part_at(const yf_block *b, guint i)
{
    return &g_array_index(b->parts, yf_block, i);
}

/* One line of a part's text, flush left at x 0 without indent or margins: the caller places it.
 * A part too long for the type area, or with a forced break, is still one line: its lines are
 * joined. */
static void one_line(yf_layout *L, const yf_block *part, yf_line *out, yf_diags *diags)
{
    yf_block one = *part;
    one.style.align = YF_ALIGN_LEFT;
    one.style.indent = one.style.margin_left = one.style.margin_right = 0;
    yf_composed c = { 0 };
    yf_compose_block(L->ctx, &L->page, &one, L->page.text_width, &c, diags);
    yf_line_init(out);
    double x = 0;
    for (guint i = 0; i < c.lines->len; i++) {
        yf_line *ln = &g_array_index(c.lines, yf_line, i);
        yf_line_move_runs(out, ln, x, 0);
        x += ln->width;
    }
    out->width = out->natural = x;
    out->overfull = x > L->page.text_width + 1e-6;
    yf_composed_clear(&c);
}

/* The layout's copy of the image at `path`; a problem with its file is placed at block `b`. */
static const yf_image *block_image(yf_layout *L, const yf_block *b, const char *path,
                                   yf_diags *diags)
{
    yf_diags *here = yf_diags_new();
    const yf_image *img = yf_layout_image(L, path, here);
    yf_diag_at at = yf_block_at(b, 0, 0);
    yf_diags_move_to(diags, here, &at);
    yf_diags_free(here);
    return img;
}

/* ---- rows ------------------------------------------------------------------------------------ */

static int arrange_row(yf_layout *L, const yf_block *b, yf_composed *out, yf_diags *diags)
{
    const double width = L->page.text_width;
    yf_line row;
    yf_line_init(&row);
    double right_of_previous = 0;
    for (guint i = 0; i < 3 * b->parts->len; i++) { /* left, then centre, then right */
        const yf_block *part = part_at(b, i % b->parts->len);
        if (!*part->text || (int)part->part != YF_PART_LEFT + (int)(i / b->parts->len))
            continue;
        yf_line ln;
        one_line(L, part, &ln, diags);
        double inset = part->geom.inset * yf_style_cell(&part->style, &L->page);
        double x = part->part == YF_PART_LEFT    ? inset
                 : part->part == YF_PART_RIGHT   ? width - inset - ln.width
                                                 : (width - ln.width) / 2;
        if (x < right_of_previous - 0.01 || x + ln.width > width + 0.01)
            row.overfull = TRUE;
        right_of_previous = x + ln.width;
        yf_line_move_runs(&row, &ln, x, 0);
        yf_line_clear(&ln);
    }
    if (row.overfull) {
        yf_diag_at at = yf_block_at(b, 0, 0);
        yf_diag_put(diags, YF_WARNING, "layout.overfull-line", &at, "一行放不下「%s」，各部分重叠",
                    row.text);
    }
    row.width = row.natural = width;
    g_array_append_val(out->lines, row);
    return 0;
}

/* ---- stacks ---------------------------------------------------------------------------------- */

/* Spreads a line to `width` over the gaps between its clusters (分散对齐): the names of a joint
 * issuance are set to one width. */
static void spread(yf_line *ln, double width)
{
    int clusters = 0;
    for (guint r = 0; r < ln->runs->len; r++)
        clusters += g_array_index(ln->runs, yf_run, r).nclusters;
    if (clusters < 2 || width <= ln->width)
        return;
    double gap = (width - ln->width) / (clusters - 1);
    int k = 0;
    for (guint r = 0; r < ln->runs->len; r++) {
        yf_run *run = &g_array_index(ln->runs, yf_run, r);
        for (int c = 0, g = 0; c < run->nclusters; c++, k++)
            for (int n = 0; n < run->clusters[c].num_glyphs; n++, g++)
                run->glyphs[g].x += k * gap;
    }
    ln->width = width;
}

/* A part with its type (and its spans') `k` times the size. Free with part_unscale. */
static yf_block part_scaled(const yf_block *part, double k)
{
    yf_block p = *part;
    p.style.size *= k;
    if (part->spans) {
        p.spans = g_array_copy(part->spans);
        for (guint i = 0; i < p.spans->len; i++)
            g_array_index(p.spans, yf_span, i).size *= k;
    }
    return p;
}

static void part_unscale(yf_block *p)
{
    if (p->spans)
        g_array_free(p->spans, TRUE);
}

/* A stack's lines, set at `k` times their size. */
typedef struct {
    GArray *lines;       /* of yf_line */
    yf_line side;        /* empty without a side */
    double size, side_size, widest, gap, total;
} stack_set;

static void set_stack(yf_layout *L, const yf_block *b, double k, stack_set *S, yf_diags *diags)
{
    *S = (stack_set){ .lines = g_array_new(FALSE, TRUE, sizeof(yf_line)),
                      .size = k * b->style.size };
    g_array_set_clear_func(S->lines, (GDestroyNotify)yf_line_clear);
    yf_line_init(&S->side);
    const yf_block *side = NULL;
    for (guint i = 0; i < b->parts->len; i++) {
        const yf_block *part = part_at(b, i);
        if (!*part->text)
            continue;
        if (part->part == YF_PART_SIDE) {
            side = part;
            continue;
        }
        yf_block scaled = part_scaled(part, k);
        yf_line ln;
        one_line(L, &scaled, &ln, diags);
        part_unscale(&scaled);
        S->widest = MAX(S->widest, ln.width);
        g_array_append_val(S->lines, ln);
    }
    if (side) {
        yf_block scaled = part_scaled(side, k);
        yf_line_clear(&S->side);
        one_line(L, &scaled, &S->side, diags);
        S->side_size = scaled.style.size;
        S->gap = S->lines->len > 1 ? yf_style_cell(&scaled.style, &L->page) : 0;
        part_unscale(&scaled);
    }
    S->total = S->widest + S->gap + S->side.width;
}

/* The lines of a stack one below the other, as wide as the widest, and the side part to their
 * right with its em box centred on theirs: "甲机关 / 乙机关 文件" (GB/T 9704 §7.2.3: "文件" to
 * the right of the names, centred on them vertically). The whole is centred in the type area,
 * and set smaller when it would be wider (§7.2.3 leaves the size to the issuer, not the width).
 * One line with a side is one line: "某某市总工会文件". */
static int arrange_stack(yf_layout *L, const yf_block *b, yf_composed *out, yf_diags *diags)
{
    const double width = L->page.text_width;
    stack_set S;
    set_stack(L, b, 1, &S, diags);
    if (S.total > width) {
        double k = width / S.total;
        g_array_free(S.lines, TRUE);
        yf_line_clear(&S.side);
        set_stack(L, b, k, &S, diags);
    }
    int n = (int)S.lines->len;
    double lead = STACK_LEADING * S.size, x = (width - S.total) / 2;
    yf_line stack;
    yf_line_init(&stack);
    for (int k = 0; k < n; k++) {
        yf_line *ln = &g_array_index(S.lines, yf_line, k);
        spread(ln, S.widest);
        yf_line_move_runs(&stack, ln, x, k * lead);
    }
    /* The stack's em boxes run from 0.88 em above the first baseline to 0.12 em below the last;
     * the side's em box centre is 0.38 of its em above its baseline. */
    double centre = ((n - 1) * lead - 0.76 * S.size) / 2;
    yf_line_move_runs(&stack, &S.side, x + S.widest + S.gap, centre + 0.38 * S.side_size);
    yf_line_clear(&S.side);
    stack.width = stack.natural = width;
    stack.height = S.size + (n - 1) * lead;
    stack.ascent = 0.88 * S.size;
    if (n > 0)
        g_array_append_val(out->lines, stack);
    else
        yf_line_clear(&stack);
    g_array_free(S.lines, TRUE);
    return 0;
}

/* ---- images ---------------------------------------------------------------------------------- */

/* An image's box: the template's width and height, or one of them and the image's proportions,
 * or its natural size. */
static void image_box(const yf_image *img, const yf_geom *g, double *w, double *h)
{
    double nw, nh;
    yf_image_size(img, &nw, &nh);
    *w = g->width > 0 ? g->width : g->height > 0 ? g->height * nw / nh : nw;
    *h = g->height > 0 ? g->height : g->width > 0 ? g->width * nh / nw : nh;
}

/* In the flow, an image takes whole grid lines, its box centred in them; floating, it takes none
 * and lies over what follows, its top at the top of the next line. */
static int arrange_image(yf_layout *L, const yf_block *b, yf_composed *out, yf_diags *diags)
{
    const yf_image *img = block_image(L, b, b->image, diags);
    if (!img)
        return -1;
    double w, h, width = L->page.text_width;
    image_box(img, &b->geom, &w, &h);
    /* An image larger than the type area would run off the page (GB/T 9704 §5.2.1 版心). */
    if (w > width + 0.01 || h > L->page.text_height + 0.01) {
        char *name = g_path_get_basename(b->image);
        yf_diag_at at = yf_block_at(b, 0, 0);
        yf_diag_put(diags, YF_ERROR, "layout.too-tall", &at,
                    "图片 %s 为 %.1f × %.1f mm，大于版心（%.0f × %.0f mm），排不进一页：请在模板中"
                    "给出更小的 width 或 height", name, w / YF_MM, h / YF_MM, width / YF_MM,
                    L->page.text_height / YF_MM);
        g_free(name);
        return -1;
    }
    double inset = b->geom.inset * yf_style_cell(&b->style, &L->page);
    double x = b->geom.align == YF_ALIGN_LEFT    ? inset
             : b->geom.align == YF_ALIGN_RIGHT   ? width - inset - w
                                                 : (width - w) / 2;
    yf_line ln;
    yf_line_init(&ln);
    g_free(ln.text);
    ln.text = g_path_get_basename(b->image);
    ln.height = h;
    ln.overlay = b->geom.floating;
    yf_line_add_figure(&ln, (yf_figure){ x, 0, w, h, 0, img });
    g_array_append_val(out->lines, ln);
    return 0;
}

/* ---- signatures ------------------------------------------------------------------------------ */

/* An issuer set on more lines than this is an error: it is no longer a signature. */
#define SIGN_MAX_LINES 3
/* Seals of a joint issuance are this far apart at least, across and down (互不相切或相交). */
#define SEAL_GAP (2 * YF_MM)

/* One issuer of a signature: its lines, its seal and where they go. */
typedef struct {
    const yf_block *part;
    const yf_block *seal;  /* its <image>, or NULL */
    const yf_image *img;
    GArray *lines;         /* of yf_line: the issuer, balanced over as few lines as its measure allows */
    double widest;
    double centre;         /* with seals: the x its lines and its seal are centred on */
    int row, first;        /* with seals: its row; the box row of its first line */
} signer;

/* The issuer on balanced lines at most `measure` wide, breaking between words where it can (the
 * composer's centred setting, as for a title, §7.3.1). */
static void set_signer(yf_layout *L, signer *s, double measure, yf_diags *diags)
{
    yf_block one = *s->part;
    one.style.align = YF_ALIGN_CENTER;
    one.style.indent = one.style.margin_left = one.style.margin_right = 0;
    yf_composed c = { 0 };
    yf_compose_block(L->ctx, &L->page, &one, measure, &c, diags);
    s->lines = c.lines;
    s->widest = 0;
    for (guint i = 0; i < s->lines->len; i++)
        s->widest = MAX(s->widest, g_array_index(s->lines, yf_line, i).width);
}

/* The baseline of a line of type `size` on box row `row`, from the top of the box: the em box
 * centred in its grid line, as pagination sets a line of text. */
static double row_baseline(const yf_page *p, int row, double size)
{
    return row * yf_page_pitch(p) + (yf_page_pitch(p) - size) / 2 + 0.88 * size;
}

typedef struct {
    yf_layout *L;
    const yf_block *b;
    GArray *signers;       /* of signer */
    const yf_block *date;
    yf_line box;           /* the whole signature: issuers, date and seals */
    double ascent;         /* the first row's baseline in the box */
    yf_diags *diags;
} signing;

static void put_line(signing *S, yf_line *ln, double x, int row, double size)
{
    yf_line_move_runs(&S->box, ln, x, row_baseline(&S->L->page, row, size) - S->ascent);
}

static void put_seal(signing *S, const signer *s, int row)
{
    double w, h;
    image_box(s->img, &s->seal->geom, &w, &h);
    /* Its centre at the top of the em box of the issuer's last line. */
    double size = s->part->style.size;
    double y = row_baseline(&S->L->page, row, size) - 0.88 * size;
    yf_line_add_figure(&S->box, (yf_figure){ s->centre - w / 2, y - h / 2, w, h, 0, s->img });
    S->box.seal = TRUE;
}

static gboolean sign_error(signing *S, const yf_block *at, const char *what)
{
    yf_error_at(S->diags, "template.structure", at->file, at->line, at->col, "<signature>：%s",
                what);
    return FALSE;
}

/* Without a seal (§7.3.5.2): each issuer's lines two characters in from the right, the issuers
 * one below the other in issuing order (joint issuance), and on the next line the date starting
 * two characters right of the start of the widest issuer line — or, when the date would then come
 * closer than two characters to the right edge (成文日期长于发文机关署名), ending two characters in
 * from the right with the issuers' lines moved left to start two characters left of it. An issuer
 * wider than the type area less four characters (two on either side) is set on balanced lines of
 * at most that width, so that neither issuer nor date ever leaves the type area. */
static gboolean sign_plain(signing *S, yf_line *ld, double c)
{
    const double width = S->L->page.text_width;
    double widest = 0;
    for (guint i = 0; i < S->signers->len; i++) {
        signer *s = &g_array_index(S->signers, signer, i);
        set_signer(S->L, s, width - 4 * c, S->diags);
        widest = MAX(widest, s->widest);
    }
    double right = width - 2 * c, dx = right - widest + 2 * c;
    if (dx + ld->width > right)
        dx = right - ld->width;
    double shift = MIN(0, dx - 2 * c - (right - widest)); /* the issuers moved left */
    if (dx < 0 || right - widest + shift < 0)
        return sign_error(S, S->date, "成文日期比版心还宽");
    int row = 0;
    for (guint i = 0; i < S->signers->len; i++) {
        signer *s = &g_array_index(S->signers, signer, i);
        for (guint k = 0; k < s->lines->len; k++, row++) {
            yf_line *ln = &g_array_index(s->lines, yf_line, k);
            put_line(S, ln, right - ln->width + shift, row, s->part->style.size);
        }
    }
    put_line(S, ld, dx, row, S->date->style.size);
    return TRUE;
}

/* With seals (§7.3.5.1): the date four characters in from the right; the last issuer centred
 * over it, its seal centred on both, the seal's centre at the top of the issuer's last line so
 * that the issuer and the date lie in its lower half. Joint issuance: the issuers in issuing
 * order in rows of columns a seal's width and 2 mm apart (印章之间排列整齐、互不相切或相交),
 * the last column over the date; as many columns as fit in the type area; the rows filled from
 * the first, the last row ending in the date's column, so that the last seal lies over the last
 * issuer and the date; rows far enough apart that their seals keep 2 mm apart too. Each issuer
 * is centred under its seal, on balanced lines no wider than its column less half a character
 * (so that neighbours stay a character apart at least) and never past the type area's edges. */
static gboolean sign_sealed(signing *S, yf_line *ld, double c)
{
    const yf_page *p = &S->L->page;
    const double width = p->text_width, pitch = yf_page_pitch(p);
    double sw = 0, sh = 0;
    for (guint i = 0; i < S->signers->len; i++) {
        signer *s = &g_array_index(S->signers, signer, i);
        double w = 0, h = 0;
        if (s->img)
            image_box(s->img, &s->seal->geom, &w, &h);
        sw = MAX(sw, w);
        sh = MAX(sh, h);
    }
    double dx = width - 4 * c - ld->width, dc = dx + ld->width / 2;
    if (dx < 0)
        return sign_error(S, S->date, "成文日期比版心还宽");
    if (dc + sw / 2 > width + 0.01) {
        char *m = g_strdup_printf("印章宽 %.1f mm，居中压在成文日期上会超出版心", sw / YF_MM);
        sign_error(S, S->b, m);
        g_free(m);
        return FALSE;
    }
    if (dc < sw / 2)
        return sign_error(S, S->b, "印章比版心左半还宽，放不下");
    int n = (int)S->signers->len;
    double step = sw + SEAL_GAP;
    int cols = MAX(1, MIN(n, 1 + (int)floor((dc - sw / 2) / step + 1e-9)));
    int rows = (n + cols - 1) / cols, lead = n - (rows - 1) * cols; /* the last row's count */
    int seal_rows = (int)ceil((sh + SEAL_GAP) / pitch - 1e-9);
    int last = -1; /* the box row of the previous row's last issuer line */
    for (int r = 0, i = 0; r < rows; r++) {
        int count = r == rows - 1 ? lead : cols, lines = 0, at = i;
        for (int k = 0; k < count; k++, i++) {
            signer *s = &g_array_index(S->signers, signer, i);
            s->row = r;
            s->centre = dc - (count - 1 - k) * step;
            double room = 2 * MIN(s->centre, width - s->centre);
            set_signer(S->L, s, MIN(room, n > 1 ? step - c / 2 : room), S->diags);
            lines = MAX(lines, (int)s->lines->len);
        }
        int bottom = last < 0 ? lines - 1 : last + MAX(lines, seal_rows);
        for (int k = at; k < i; k++) {
            signer *s = &g_array_index(S->signers, signer, k);
            s->first = bottom - (int)s->lines->len + 1;
            for (guint j = 0; j < s->lines->len; j++) {
                yf_line *ln = &g_array_index(s->lines, yf_line, j);
                put_line(S, ln, s->centre - ln->width / 2, s->first + (int)j,
                         s->part->style.size);
            }
            if (s->img)
                put_seal(S, s, bottom);
        }
        last = bottom;
    }
    put_line(S, ld, dx, last + 1, S->date->style.size);
    return TRUE;
}

/* The issuers of a signature in their order, each with the seal that follows it (with a single
 * issuer, the seal wherever it stands); an issuer with no text is left out with its seal. */
static gboolean collect_signers(signing *S)
{
    const yf_block *b = S->b;
    int issuers = 0;
    for (guint i = 0; i < b->parts->len; i++)
        issuers += part_at(b, i)->kind != YF_BLK_IMAGE && part_at(b, i)->part == YF_PART_ISSUER;
    signer *prev = NULL;
    for (guint i = 0; i < b->parts->len; i++) {
        const yf_block *p = part_at(b, i);
        if (p->kind == YF_BLK_IMAGE) {
            signer *to = prev ? prev : issuers == 1 && S->signers->len ? &g_array_index(S->signers, signer, 0) : NULL;
            const yf_image *img = block_image(S->L, p, p->image, S->diags);
            if (!img)
                return FALSE;
            if (!to || to->seal) {
                yf_error_at(S->diags, "template.structure", p->file, p->line, p->col,
                            "<signature>：印章 <image> 前面没有它的 <issuer>（联合署名时每个印章紧跟在它的署名之后）");
                return FALSE;
            }
            if (to->part) {
                to->seal = p;
                to->img = img;
            }
            prev = NULL;
        } else if (p->part == YF_PART_ISSUER) {
            signer s = { .part = *p->text ? p : NULL };
            g_array_append_val(S->signers, s);
            prev = &g_array_index(S->signers, signer, S->signers->len - 1);
        } else {
            S->date = p;
            prev = NULL;
        }
    }
    /* An issuer with no text (an optional one without a value) goes, with its seal. */
    for (guint i = S->signers->len; i-- > 0;)
        if (!g_array_index(S->signers, signer, i).part)
            g_array_remove_index(S->signers, i);
    return TRUE;
}

static void signer_clear(gpointer p)
{
    signer *s = p;
    if (s->lines)
        g_array_free(s->lines, TRUE);
}

/* GB/T 9704 §7.3.5: the signature as one box of whole grid lines — issuers, date and seals at
 * their places in it — so that pagination keeps it on one page, with the text above it
 * (§7.3.5.4). An issuer that needs more than SIGN_MAX_LINES lines is an error. */
static int arrange_signature(yf_layout *L, const yf_block *b, yf_composed *out, yf_diags *diags)
{
    signing S = { .L = L, .b = b, .diags = diags };
    S.signers = g_array_new(FALSE, TRUE, sizeof(signer));
    g_array_set_clear_func(S.signers, signer_clear);
    yf_line_init(&S.box);
    gboolean ok = collect_signers(&S) && S.date;
    yf_line ld;
    yf_line_init(&ld);
    if (ok) {
        yf_line_clear(&ld);
        one_line(L, S.date, &ld, diags);
        const yf_block *first = S.signers->len ? g_array_index(S.signers, signer, 0).part : S.date;
        S.ascent = row_baseline(&L->page, 0, first->style.size);
        gboolean sealed = FALSE;
        for (guint i = 0; i < S.signers->len; i++)
            sealed |= g_array_index(S.signers, signer, i).img != NULL;
        double c = yf_style_cell(&first->style, &L->page);
        ok = sealed ? sign_sealed(&S, &ld, c) : sign_plain(&S, &ld, c);
    }
    for (guint i = 0; ok && i < S.signers->len; i++) {
        const signer *s = &g_array_index(S.signers, signer, i);
        if (s->lines->len > SIGN_MAX_LINES) {
            glong chars = g_utf8_strlen(s->part->text, -1);
            char *head = g_utf8_substring(s->part->text, 0, MIN(chars, 16));
            char *m = g_strdup_printf("发文机关署名「%s%s」（%ld 字）要排 %u 行，超过 %d 行", head,
                                      chars > 16 ? "…" : "", chars, s->lines->len,
                                      SIGN_MAX_LINES);
            g_free(head);
            ok = sign_error(&S, s->part, m);
            g_free(m);
        }
    }
    yf_line_clear(&ld);
    g_array_free(S.signers, TRUE);
    if (!ok) {
        yf_line_clear(&S.box);
        return -1;
    }
    /* The box: every row it uses, whole grid lines from the top of the first. */
    double pitch = yf_page_pitch(&L->page), bottom = 0;
    for (guint r = 0; r < S.box.runs->len; r++) {
        const yf_run *run = &g_array_index(S.box.runs, yf_run, r);
        for (int g = 0; g < run->nglyphs; g++)
            bottom = MAX(bottom, S.ascent + run->glyphs[g].y);
    }
    S.box.height = ceil(bottom / pitch - 1e-6) * pitch;
    S.box.ascent = S.ascent;
    S.box.width = S.box.natural = L->page.text_width;
    g_array_append_val(out->lines, S.box);
    return 0;
}

int yf_arrange_block(yf_layout *L, const yf_block *b, yf_composed *out, yf_diags *diags)
{
    if (yf_block_is_text(b->kind))
        return yf_compose_block(L->ctx, &L->page, b, L->page.text_width, out, diags);
    if (b->kind == YF_BLK_TABLE)
        return yf_table_compose(L, b, out, diags);
    out->block = b;
    out->lines = g_array_new(FALSE, TRUE, sizeof(yf_line));
    g_array_set_clear_func(out->lines, (GDestroyNotify)yf_line_clear);
    switch (b->kind) {
    case YF_BLK_ROW: return arrange_row(L, b, out, diags);
    case YF_BLK_STACK: return arrange_stack(L, b, out, diags);
    case YF_BLK_SIGNATURE: return arrange_signature(L, b, out, diags);
    case YF_BLK_IMAGE: return arrange_image(L, b, out, diags);
    default: return 0; /* a rule: drawn by pagination, which knows where the text above ends */
    }
}
