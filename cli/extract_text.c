/* yinfa extract, the structure of a document from its text: lines as they come out of Word, WPS,
 * a web page or an e-mail — blank lines between the parts or none, paragraphs indented or not,
 * hard line breaks inside paragraphs — become the parts GB/T 9704-2012 §7.3 names: the title
 * (short lines at the top without a final mark), the subtitle ("——"), the 主送机关 or salutation
 * (a line ending in "："), headings 一、（一）1.（1）, run-in headings ("（一）参赛对象。全市……"),
 * paragraphs, the 附件说明 (§7.3.4), the signature and date (§7.3.5), the 附注 (§7.3.6) and the
 * 版记's 抄送 and 印发 lines (§7.4); then which family of documents it is. */
#include "extract.h"

#include <stdio.h>
#include <string.h>

/* ---- lines ---------------------------------------------------------------------------------- */

void ex_line_free(gpointer p)
{
    ex_line *l = p;
    if (!l)
        return;
    g_free(l->text);
    if (l->rows)
        g_ptr_array_free(l->rows, TRUE);
    g_free(l);
}

static gboolean is_space(gunichar c)
{
    return c == ' ' || c == '\t' || c == 0x3000 || c == 0xA0 || c == 0xFEFF || c == '\r';
}

/* Removes trailing white space (ASCII, ideographic, no-break) in place. */
static void chomp(char *s)
{
    char *end = s + strlen(s);
    while (end > s) {
        char *prev = g_utf8_prev_char(end);
        if (!is_space(g_utf8_get_char(prev)))
            break;
        end = prev;
    }
    *end = '\0';
}

GPtrArray *ex_lines_from_text(const char *text)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(ex_line_free);
    char *norm = g_strdup(text);
    /* CRLF and CR alone are line ends as LF is. */
    for (char *p = norm; *p; p++)
        if (*p == '\r')
            *p = p[1] == '\n' ? ' ' : '\n';
    char **raw = g_strsplit(norm, "\n", -1);
    g_free(norm);
    gboolean blank = FALSE;
    for (int i = 0; raw[i]; i++) {
        const char *p = raw[i];
        double indent = 0;
        for (;; p = g_utf8_next_char(p)) {
            gunichar c = g_utf8_get_char(p);
            if (!*p || !is_space(c))
                break;
            indent += c == 0x3000 ? 1 : c == '\t' ? 2 : c == 0xFEFF ? 0 : 0.5;
        }
        char *t = g_strdup(p);
        chomp(t);
        if (!*t) {
            blank = TRUE;
            g_free(t);
            continue;
        }
        ex_line *l = g_new0(ex_line, 1);
        l->text = t;
        l->indent = indent;
        l->blank_before = blank && out->len > 0;
        blank = FALSE;
        g_ptr_array_add(out, l);
    }
    g_strfreev(raw);
    return out;
}

/* ---- what a line is -------------------------------------------------------------------------- */

static glong chars(const char *s) { return g_utf8_strlen(s, -1); }

/* Width in characters: a Han character or full-width mark 1, an ASCII one 0.5. */
static double width(const char *s)
{
    double w = 0;
    for (; *s; s = g_utf8_next_char(s)) {
        gunichar c = g_utf8_get_char(s);
        w += g_unichar_iswide(c) || (g_unichar_iswide_cjk(c) && c > 0x2000) ? 1 : 0.5;
    }
    return w;
}

static gunichar last_char(const char *s)
{
    return *s ? g_utf8_get_char(g_utf8_prev_char(s + strlen(s))) : 0;
}

/* A mark that ends a sentence or a clause: what a title, a heading or a wrapped line lacks. */
static gboolean ends_with_mark(const char *s)
{
    gunichar c = last_char(s);
    return c && g_utf8_strchr("。，；：！？、…．.,;:!?", -1, c) != NULL;
}

static gboolean ends_sentence(const char *s)
{
    gunichar c = last_char(s);
    if (c == 0x201D || c == 0xFF09) { /* ” ） after the mark */
        const char *end = g_utf8_prev_char(s + strlen(s));
        c = end > s ? g_utf8_get_char(g_utf8_prev_char(end)) : 0;
    }
    return c && g_utf8_strchr("。！？；…", -1, c) != NULL;
}

/* A mark a paragraph can end with: a sentence's end, or the colon before what it introduces. */
static gboolean ends_paragraph(const char *s)
{
    return ends_sentence(s) || last_char(s) == 0xFF1A || last_char(s) == ':';
}

/* The value of a Chinese numeral digit 一 … 九, 〇/零 (0) — or -1. */
static int chinese_digit(gunichar c)
{
    static const char *const digits = "〇一二三四五六七八九";
    if (c == 0x96F6 /* 零 */ || c == 0x25CB /* ○ */ || c == 'O')
        return 0;
    int i = 0;
    for (const char *p = digits; *p; p = g_utf8_next_char(p), i++)
        if (g_utf8_get_char(p) == c)
            return i;
    return -1;
}

/* Reads a number at *p — Arabic (12, full-width １２ too) or Chinese up to 九十九 — and moves past
 * it. 0 when there is none; *chinese says which kind it was. */
static int read_number(const char **p, gboolean *chinese)
{
    gunichar c = g_utf8_get_char(*p);
    *chinese = chinese_digit(c) > 0 || c == 0x5341 /* 十 */;
    int n = 0, cur = 0;
    for (;; *p = g_utf8_next_char(*p)) {
        c = g_utf8_get_char(*p);
        int v = chinese_digit(c);
        if (!*chinese && g_unichar_isdigit(c) && n < 1000)
            n = n * 10 + g_unichar_digit_value(c);
        else if (*chinese && c == 0x5341)
            n += (cur ? cur : 1) * 10, cur = 0;
        else if (*chinese && v > 0 && cur == 0)
            cur = v;
        else
            break;
    }
    return n + cur;
}

/* The heading level of a line — "一、" 1, "（一）" 2, "1." 3, "（1）" 4 — with its number, the
 * bytes of the numbering and whether it is written as the template writes it; 0 for none. */
static int heading_level(const char *line, int *number, size_t *prefix, gboolean *canonical)
{
    const char *p = line;
    gboolean paren = g_str_has_prefix(p, "（") || *p == '(', chinese;
    if (paren)
        p += *p == '(' ? 1 : strlen("（");
    const char *digits = p;
    *number = read_number(&p, &chinese);
    if (*number == 0 || p == digits)
        return 0;
    int level = 0;
    *canonical = g_str_has_prefix(line, "（");
    if (paren && (g_str_has_prefix(p, "）") || *p == ')')) {
        level = chinese ? 2 : 4;
        *canonical = *canonical && *p != ')';
        p += *p == ')' ? 1 : strlen("）");
    } else if (!paren && chinese && g_str_has_prefix(p, "、")) {
        level = 1, p += strlen("、"), *canonical = TRUE;
    } else if (!paren && !chinese && (*p == '.' || g_str_has_prefix(p, "．") ||
                                      g_str_has_prefix(p, "、"))) {
        level = 3;
        *canonical = *p == '.' && (unsigned char)digits[0] < 0x80;
        p += *p == '.' ? 1 : g_str_has_prefix(p, "．") ? strlen("．") : strlen("、");
        if (g_ascii_isdigit(*p))
            return 0; /* 1.5 is a number, not a heading */
    }
    *prefix = (size_t)(p - line);
    return *p ? level : 0;
}

gboolean ex_parse_date(const char *s, int *y, int *m, int *d)
{
    /* A date is short and has its separators: most lines are no date, told without work. */
    if (strlen(s) > 64 || !(strstr(s, "年") || strchr(s, '-') || strchr(s, '/') || strchr(s, '.')))
        return FALSE;
    /* 二〇二六年一月十二日: Chinese digits, the year digit by digit. */
    GString *arabic = g_string_new(NULL);
    for (const char *p = s; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        int v = chinese_digit(c);
        const char *q = g_utf8_next_char(p);
        gunichar next = g_utf8_get_char(q);
        gunichar prev = p > s ? g_utf8_get_char(g_utf8_prev_char(p)) : 0;
        if (c == 0x5341) { /* 十: 十二 12, 二十 20, 二十一 21 */
            gboolean before = prev && chinese_digit(prev) > 0, after = chinese_digit(next) > 0;
            g_string_append(arabic, before ? (after ? "" : "0") : (after ? "1" : "10"));
        } else if (v >= 0) {
            g_string_append_c(arabic, (char)('0' + v));
        } else if (g_unichar_isdigit(c)) {
            g_string_append_c(arabic, (char)('0' + g_unichar_digit_value(c)));
        } else {
            g_string_append_len(arabic, p, q - p);
        }
    }
    int n = 0;
    gboolean ok = (sscanf(arabic->str, "%d年%d月%d日%n", y, m, d, &n) == 3 ||
                   sscanf(arabic->str, "%d-%d-%d%n", y, m, d, &n) == 3 ||
                   sscanf(arabic->str, "%d/%d/%d%n", y, m, d, &n) == 3 ||
                   sscanf(arabic->str, "%d.%d.%d%n", y, m, d, &n) == 3) &&
                  arabic->str[n] == '\0' && *y >= 1900 && *y <= 2200 && *m >= 1 && *m <= 12 &&
                  *d >= 1 && *d <= 31;
    g_string_free(arabic, TRUE);
    return ok;
}

static gboolean is_date(const char *s)
{
    int y, m, d;
    return ex_parse_date(s, &y, &m, &d);
}

/* "（2026年1月12日）": the date of a speech under its title. */
static gboolean is_paren_date(const char *s)
{
    if (!g_str_has_prefix(s, "（") || !g_str_has_suffix(s, "）"))
        return FALSE;
    char *inner = g_strndup(s + strlen("（"), strlen(s) - 2 * strlen("（"));
    gboolean yes = is_date(inner);
    g_free(inner);
    return yes;
}

static gboolean starts_any(const char *s, const char *const *words)
{
    for (int i = 0; words[i]; i++)
        if (g_str_has_prefix(s, words[i]))
            return TRUE;
    return FALSE;
}

static const char *const cc_words[] = { "抄送：", "抄报：", "分送：", "发送：", "抄送:", "分送:",
                                        NULL };
static const char *const roster_words[] = { "出席：", "请假：", "列席：", "出席人员：", "参会人员：",
                                            "记录：", "缺席：", NULL };

/* "宁波市总工会办公室　2026年1月12日印发": the 印发机关 and 印发日期 of the 版记 (§7.4.3). */
static gboolean is_printed_line(const char *s)
{
    if (!g_str_has_suffix(s, "印发") || chars(s) > 50)
        return FALSE;
    return strstr(s, "年") && strstr(s, "月") && strstr(s, "日");
}

static gboolean is_attach_start(const char *s)
{
    return g_str_has_prefix(s, "附件：") || g_str_has_prefix(s, "附件:");
}

/* A line that cannot continue the paragraph above it. */
static gboolean starts_part(const ex_line *l)
{
    int number;
    size_t prefix;
    gboolean canonical;
    const char *s = l->text;
    return l->rows || heading_level(s, &number, &prefix, &canonical) || is_date(s) ||
           is_attach_start(s) || starts_any(s, cc_words) || starts_any(s, roster_words) ||
           g_str_has_prefix(s, "——") || is_printed_line(s);
}

/* ---- hard line breaks -------------------------------------------------------------------------- */

/* The width a text was wrapped at: the most frequent line width (an indented first line counted
 * with its indent) among lines of 15 characters or more, when at least three lines have it. 0
 * when the text was not wrapped. */
static double wrap_width(GPtrArray *lines)
{
    GHashTable *count = g_hash_table_new(g_direct_hash, g_direct_equal);
    int best = 0, best_n = 0;
    for (guint i = 0; i < lines->len; i++) {
        const ex_line *l = g_ptr_array_index(lines, i);
        if (l->rows)
            continue;
        int w = (int)(width(l->text) + l->indent + 0.5);
        if (w < 15)
            continue;
        int n = GPOINTER_TO_INT(g_hash_table_lookup(count, GINT_TO_POINTER(w))) + 1;
        g_hash_table_insert(count, GINT_TO_POINTER(w), GINT_TO_POINTER(n));
        if (n > best_n || (n == best_n && w > best))
            best = w, best_n = n;
    }
    g_hash_table_destroy(count);
    return best_n >= 3 ? best : 0;
}

/* Joins the lines of a paragraph the source broke at a fixed width: consecutive lines of about
 * that width, the first ending without a mark (or, where paragraphs are indented, the next not
 * indented), are one paragraph. */
static void join_wrapped(GPtrArray *lines)
{
    double w = wrap_width(lines);
    if (w == 0)
        return;
    int indented = 0;
    for (guint i = 0; i < lines->len; i++)
        indented += ((ex_line *)g_ptr_array_index(lines, i))->indent >= 1;
    gboolean by_indent = indented >= 3;
    /* In one pass, each paragraph built in a GString and the lines kept moved down: joining by
     * concatenation and removal one at a time would be quadratic in a long text. */
    guint kept = 0;
    for (guint i = 0; i < lines->len; i++) {
        ex_line *a = g_ptr_array_index(lines, i);
        lines->pdata[kept++] = a;
        /* The width of the last source line joined into `a`: it decides whether more follows. */
        double last = width(a->text) + a->indent;
        const char *tail = a->text;
        GString *joined = NULL;
        while (i + 1 < lines->len && !a->rows) {
            ex_line *b = g_ptr_array_index(lines, i + 1);
            gboolean full = last >= w - 1.5 && last <= w + 1;
            /* A comma or a 、 never ends a paragraph; a full stop at the end of a full line may. */
            gboolean continues = !ends_paragraph(tail) || (by_indent && b->indent < 1);
            if (!full || !continues || b->rows || b->blank_before || starts_part(b) ||
                (by_indent && b->indent >= 1))
                break;
            last = width(b->text) + b->indent;
            if (!joined)
                joined = g_string_new(a->text);
            size_t at = joined->len;
            g_string_append(joined, b->text);
            tail = joined->str + at; /* valid until the next append, which comes after the test */
            ex_line_free(b);
            lines->pdata[i + 1] = NULL;
            i++;
        }
        if (joined) {
            g_free(a->text);
            a->text = g_string_free(joined, FALSE);
        }
    }
    g_ptr_array_set_free_func(lines, NULL);
    g_ptr_array_set_size(lines, kept);
    g_ptr_array_set_free_func(lines, ex_line_free);
}

/* ---- the structure ------------------------------------------------------------------------- */

void ex_doc_free(ex_doc *doc)
{
    if (!doc)
        return;
    for (guint i = 0; i < doc->blocks->len; i++) {
        ex_block *b = g_ptr_array_index(doc->blocks, i);
        g_free(b->text);
        g_free(b);
    }
    g_ptr_array_free(doc->blocks, TRUE);
    g_ptr_array_free(doc->why, TRUE);
    g_ptr_array_free(doc->lines, TRUE);
    g_free(doc->genre);
    g_free(doc->masthead);
    g_free(doc->number);
    g_free(doc);
}

const char *ex_family_name(ex_family f)
{
    switch (f) {
    case EX_RED: return "红头公文";
    case EX_SPEECH: return "讲话稿";
    case EX_MINUTES: return "会议纪要";
    case EX_ARTICLE: return "简报文章";
    default: return "一般文稿";
    }
}

static ex_block *add(ex_doc *doc, ex_kind kind, const char *text)
{
    ex_block *b = g_new0(ex_block, 1);
    b->kind = kind;
    b->text = g_strdup(text);
    g_ptr_array_add(doc->blocks, b);
    return b;
}

static gboolean title_like(const ex_line *l)
{
    int number;
    size_t prefix;
    gboolean canonical;
    const char *s = l->text;
    if (l->rows || g_str_has_prefix(s, "——") || is_date(s) || is_paren_date(s) ||
        heading_level(s, &number, &prefix, &canonical) || is_attach_start(s))
        return FALSE;
    if (l->title_style)
        return TRUE;
    return chars(s) <= 40 && !ends_with_mark(s) && !ends_sentence(s);
}

static gboolean salutation_like(const char *s)
{
    /* "现将有关事项通知如下：" introduces the body; it addresses no one. */
    return (g_str_has_suffix(s, "：") || g_str_has_suffix(s, ":")) && chars(s) <= 80 &&
           !strstr(s, "。") && !strstr(s, "如下") && !is_attach_start(s) &&
           !starts_any(s, roster_words);
}

/* A short line without a final mark: an issuer above the date, a speaker under the title. */
static gboolean name_like(const char *s)
{
    int number;
    size_t prefix;
    gboolean canonical;
    return chars(s) <= 30 && !ends_with_mark(s) && !ends_sentence(s) && !is_date(s) &&
           !heading_level(s, &number, &prefix, &canonical);
}

/* "甬工〔2026〕5号" (GB/T 9704 §7.2.4: 〔〕 around the year), with "签发人：……" on the line or not. */
static gboolean is_doc_number(const char *s)
{
    const char *open = strstr(s, "〔");
    if (!open && !(open = strstr(s, "[")))
        return FALSE;
    const char *hao = strstr(open, "号");
    return hao && chars(s) <= 40 && (hao[strlen("号")] == '\0' || strstr(hao, "签发人"));
}

/* The 版头 as pasted from a PDF or a Word file: the 发文机关标志 ("……文件") and the 发文字号 at
 * the top. They are the shared 版头's data, not the type's text; returns the lines they took. */
static guint read_masthead(ex_doc *doc, GPtrArray *lines)
{
    guint i = 0;
    for (; i < lines->len && i < 4; i++) {
        const char *s = ((ex_line *)g_ptr_array_index(lines, i))->text;
        if (!doc->masthead && g_str_has_suffix(s, "文件") && chars(s) <= 30 && !ends_with_mark(s))
            doc->masthead = g_strndup(s, strlen(s) - strlen("文件"));
        else if (!doc->number && is_doc_number(s))
            doc->number = g_strdup(s);
        else
            break;
    }
    return i;
}

/* A page number copied with the text from a PDF: "— 1 —", "－2－", "-3-". */
static gboolean is_page_number(const char *s)
{
    if (strlen(s) > 32 || !(g_str_has_prefix(s, "—") || g_str_has_prefix(s, "－") || *s == '-' ||
                            g_str_has_prefix(s, "–")))
        return FALSE;
    GString *t = g_string_new(NULL);
    for (const char *p = s; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (!is_space(c))
            g_string_append_unichar(t, c == 0xFF0D || c == '-' || c == 0x2013 ? 0x2014 : c);
    }
    const char *p = t->str;
    gboolean yes = g_str_has_prefix(p, "—") && g_str_has_suffix(p, "—") && t->len > 2 * strlen("—");
    for (p += strlen("—"); yes && p < t->str + t->len - strlen("—"); p++)
        yes = g_ascii_isdigit(*p);
    g_string_free(t, TRUE);
    return yes;
}

/* The 版头 pasted with the text, the title, subtitles and salutation at the top; returns the
 * index of the first line after them. */
static guint read_top(ex_doc *doc, GPtrArray *lines)
{
    guint i = read_masthead(doc, lines);
    GString *title = g_string_new(NULL);
    int title_lines = 0;
    for (; i < lines->len && title_lines < 4; i++) {
        const ex_line *l = g_ptr_array_index(lines, i);
        if ((title_lines && l->blank_before) || !title_like(l))
            break;
        if (title->len)
            g_string_append(title, "\n");
        g_string_append(title, l->text);
        title_lines++;
    }
    if (title_lines)
        add(doc, EX_TITLE, title->str);
    g_string_free(title, TRUE);
    gboolean dash = FALSE;
    for (; i < lines->len; i++) {
        const ex_line *l = g_ptr_array_index(lines, i);
        const char *s = l->text;
        gboolean issue = g_str_has_prefix(s, "第") && g_str_has_suffix(s, "期") && chars(s) <= 10;
        if (g_str_has_prefix(s, "——"))
            dash = TRUE;
        else if (!is_paren_date(s) && !issue && !(dash && name_like(s) && !salutation_like(s) &&
                                                   !l->blank_before && i + 1 < lines->len))
            break;
        add(doc, EX_SUBTITLE, s);
    }
    if (i < lines->len && salutation_like(((ex_line *)g_ptr_array_index(lines, i))->text)) {
        int number;
        size_t prefix;
        gboolean canonical;
        const char *s = ((ex_line *)g_ptr_array_index(lines, i))->text;
        if (!heading_level(s, &number, &prefix, &canonical)) {
            add(doc, EX_SALUTATION, s);
            i++;
        }
    }
    return i;
}

/* The signature, the 附注 and the 版记 at the end; returns the index of the first of them (the
 * end of the body) and adds them to `tail` in reading order. */
static guint read_bottom(GPtrArray *lines, guint from, GPtrArray *tail_kinds)
{
    guint end = lines->len;
    /* The 版记: 抄送 lines and the 印发 line, last. */
    while (end > from) {
        const char *s = ((ex_line *)g_ptr_array_index(lines, end - 1))->text;
        if (!starts_any(s, cc_words) && !is_printed_line(s))
            break;
        g_ptr_array_insert(tail_kinds, 0, GINT_TO_POINTER(starts_any(s, cc_words) ? EX_CC : EX_PRINTED));
        end--;
    }
    /* The 附注 "（联系人：……）" after the date. */
    if (end > from) {
        const char *s = ((ex_line *)g_ptr_array_index(lines, end - 1))->text;
        if (g_str_has_prefix(s, "（") && g_str_has_suffix(s, "）") && !is_paren_date(s) &&
            end - 1 > from && is_date(((ex_line *)g_ptr_array_index(lines, end - 2))->text)) {
            g_ptr_array_insert(tail_kinds, 0, GINT_TO_POINTER(EX_NOTE));
            end--;
        }
    }
    /* The date, the issuers above it. */
    if (end > from && is_date(((ex_line *)g_ptr_array_index(lines, end - 1))->text)) {
        g_ptr_array_insert(tail_kinds, 0, GINT_TO_POINTER(EX_DATE));
        end--;
        int issuers = 0;
        while (end > from && issuers < 4) {
            const ex_line *l = g_ptr_array_index(lines, end - 1);
            if (l->rows || !name_like(l->text) || chars(l->text) > 25 || salutation_like(l->text) ||
                starts_any(l->text, roster_words) || is_attach_start(l->text))
                break;
            g_ptr_array_insert(tail_kinds, 0, GINT_TO_POINTER(EX_ISSUER));
            end--;
            issuers++;
            if (l->blank_before)
                break; /* the signature block starts after a blank line */
        }
    }
    return end;
}

/* A heading line, or a paragraph beginning with a run-in heading, or a paragraph. */
static void read_numbered(ex_doc *doc, const char *s, int expect[5])
{
    int number = 0;
    size_t prefix = 0;
    gboolean canonical = FALSE;
    int level = heading_level(s, &number, &prefix, &canonical);
    if (!level) {
        add(doc, EX_PARA, s);
        return;
    }
    const char *stop = strstr(s + prefix, "。");
    if (!ends_with_mark(s) && !ends_sentence(s) && chars(s) <= 60) {
        /* A heading line: numbered by the template when the source's numbers run in order and
         * are written as the template writes them (GB/T 9704 §7.3.3). */
        gboolean in_order = canonical && number == expect[level];
        ex_block *b = add(doc, EX_H1 + level - 1, in_order ? s + prefix : s);
        b->numbered = in_order;
        if (in_order)
            expect[level]++;
        for (int k = level + 1; k <= 4; k++)
            expect[k] = 1;
        return;
    }
    ex_block *b = add(doc, EX_PARA, s);
    /* "（一）参赛对象。全市……": the heading runs into its paragraph, up to its first full stop. */
    if (stop && g_utf8_strlen(s + prefix, stop - (s + prefix)) <= 20 &&
        !g_strstr_len(s + prefix, stop - (s + prefix), "，")) {
        b->runin = (size_t)(stop - s) + strlen("。");
        b->runin_level = level;
    } else if (level <= 2 && stop && stop[strlen("。")] == '\0' && chars(s) <= 40) {
        /* "（一）突出政治引领，巩固……基础。": a heading that ends with a full stop. */
        b->runin = strlen(s);
        b->runin_level = level;
    }
}

static const char *const genres[] = { "通知", "通报", "请示", "报告", "决定", "意见", "批复",
                                      "函", "通告", "公告", "决议", "议案", NULL };

static void decide_family(ex_doc *doc)
{
    const ex_block *title = NULL;
    gboolean speech_sub = FALSE, salutation = FALSE, signed_ = FALSE, comrades = FALSE;
    for (guint i = 0; i < doc->blocks->len; i++) {
        const ex_block *b = g_ptr_array_index(doc->blocks, i);
        if (b->kind == EX_TITLE && !title)
            title = b;
        if (b->kind == EX_SUBTITLE && g_str_has_prefix(b->text, "——") &&
            (strstr(b->text, "讲话") || strstr(b->text, "致辞") || strstr(b->text, "发言") ||
             strstr(b->text, "报告") || g_str_has_prefix(b->text, "——在")))
            speech_sub = TRUE;
        if (b->kind == EX_SALUTATION) {
            salutation = TRUE;
            comrades = strstr(b->text, "同志们") || strstr(b->text, "各位") || strstr(b->text, "朋友们");
        }
        signed_ |= b->kind == EX_DATE;
    }
    char *flat = title ? g_strdelimit(g_strdup(title->text), "\n", ' ') : NULL;
    char *t = flat ? g_strdup(flat) : NULL;
    if (t) {
        /* "……的通知（征求意见稿）": the 文种 before a bracketed remark. */
        char *br = g_strrstr(t, "（");
        if (br && g_str_has_suffix(t, "）") && br > t)
            *br = '\0';
        g_strchomp(t);
    }
    if (speech_sub || comrades) {
        doc->family = EX_SPEECH;
        g_ptr_array_add(doc->why, g_strdup(speech_sub ? "副标题“——在……上的讲话”" : "称呼“同志们”"));
    } else if (t && g_str_has_suffix(t, "纪要")) {
        doc->family = EX_MINUTES;
        g_ptr_array_add(doc->why, g_strdup("标题以“纪要”结尾"));
    } else {
        for (int i = 0; t && genres[i]; i++)
            if (g_str_has_suffix(t, genres[i])) {
                doc->family = EX_RED;
                doc->genre = g_strdup(genres[i]);
                g_ptr_array_add(doc->why, g_strdup_printf("标题以文种“%s”结尾", genres[i]));
                break;
            }
        if (!doc->genre && (doc->masthead || doc->number)) {
            doc->family = EX_RED;
            g_ptr_array_add(doc->why, g_strdup("原文有发文机关标志或发文字号"));
        } else if (!doc->genre && t && salutation && signed_) {
            doc->family = EX_RED;
            g_ptr_array_add(doc->why, g_strdup("有主送机关、署名和成文日期"));
        } else if (!doc->genre && t && !salutation && !signed_) {
            doc->family = EX_ARTICLE;
            g_ptr_array_add(doc->why, g_strdup("只有标题和正文，没有主送机关和落款"));
        } else if (!doc->genre) {
            doc->family = EX_PLAIN;
            g_ptr_array_add(doc->why, g_strdup("未见文种、讲话或纪要的特征"));
        }
    }
    g_free(t);
    g_free(flat);
}

ex_doc *ex_recognise(GPtrArray *lines)
{
    ex_doc *doc = g_new0(ex_doc, 1);
    doc->blocks = g_ptr_array_new();
    doc->why = g_ptr_array_new_with_free_func(g_free);
    /* Page numbers dropped in one pass (removing them one by one would be quadratic). */
    guint kept = 0;
    for (guint k = 0; k < lines->len; k++) {
        ex_line *l = g_ptr_array_index(lines, k);
        if (is_page_number(l->text))
            ex_line_free(l);
        else
            lines->pdata[kept++] = l;
    }
    g_ptr_array_set_free_func(lines, NULL);
    g_ptr_array_set_size(lines, kept);
    g_ptr_array_set_free_func(lines, ex_line_free);
    join_wrapped(lines);
    guint i = read_top(doc, lines);
    GPtrArray *tail = g_ptr_array_new();
    guint end = read_bottom(lines, i, tail);
    int expect[5] = { 0, 1, 1, 1, 1 };
    gboolean attaching = FALSE;
    for (; i < end; i++) {
        ex_line *l = g_ptr_array_index(lines, i);
        const char *s = l->text;
        int number;
        size_t prefix;
        gboolean canonical;
        if (l->rows) {
            ex_block *b = add(doc, EX_TABLE, "");
            b->rows = l->rows;
            attaching = FALSE;
        } else if (is_attach_start(s)) {
            add(doc, EX_ATTACH, s);
            attaching = TRUE;
        } else if (attaching && heading_level(s, &number, &prefix, &canonical) == 3 &&
                   !ends_sentence(s)) {
            add(doc, EX_ATTACH_MORE, s); /* "2.……": the next attachment's name */
        } else if (starts_any(s, roster_words)) {
            add(doc, EX_ROSTER, s);
        } else if (l->bold && !heading_level(s, &number, &prefix, &canonical) &&
                   !ends_with_mark(s) && !ends_sentence(s) && chars(s) <= 30) {
            /* A short line all in bold in a Word file: a heading without a number (黑体). */
            add(doc, EX_H1, s);
            attaching = FALSE;
        } else {
            attaching = FALSE;
            read_numbered(doc, s, expect);
        }
    }
    for (guint k = 0; k < tail->len; k++) {
        const ex_line *l = g_ptr_array_index(lines, end + k);
        add(doc, (ex_kind)GPOINTER_TO_INT(g_ptr_array_index(tail, k)), l->text);
    }
    g_ptr_array_free(tail, TRUE);
    decide_family(doc);
    /* The tables stay with the lines: the blocks lend them. */
    g_ptr_array_set_free_func(lines, ex_line_free);
    doc->lines = lines;
    return doc;
}
