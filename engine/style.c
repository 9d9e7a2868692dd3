/* Styles: the built-in styles of GB/T 9704 and the values a <style> may give.
 *
 * In: the page (for the body size) and style attribute values ("三号", "#C00000", "center").
 * Out: yf_style values. Each block element has a built-in style of its Chinese name (正文,
 * 一级标题 …); a template's <styles> may redefine them or add its own. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* A built-in style per block kind; the other composite blocks take the style of their text
 * (正文 for a row or a signature, 标题 for a stack), rules and images none. */
static const char *const builtin_names[YF_BLK_COUNT] = {
    [YF_BLK_TITLE] = "标题",        [YF_BLK_SUBTITLE] = "副标题", [YF_BLK_SALUTATION] = "称呼",
    [YF_BLK_PARA] = "正文",         [YF_BLK_H1] = "一级标题",     [YF_BLK_H2] = "二级标题",
    [YF_BLK_H3] = "三级标题",       [YF_BLK_H4] = "四级标题",     [YF_BLK_ROW] = "正文",
    [YF_BLK_STACK] = "标题",        [YF_BLK_SIGNATURE] = "正文",  [YF_BLK_TABLE] = "表格",
};

const char *yf_style_builtin_name(yf_block_kind kind) { return builtin_names[kind]; }

yf_style yf_style_builtin(yf_block_kind kind, const yf_page *page)
{
    /* GB/T 9704 §7.3: title 二号小标宋 centred; body 三号仿宋, first line indented two
     * characters; headings 一、 黑体, （一） 楷体, 1. and （1） 仿宋. Speech convention: the
     * subtitle in 三号楷体 centred, the salutation flush left. */
    const yf_style body = { .role = YF_ROLE_FANGSONG, .size = page->body_size,
                            .align = YF_ALIGN_JUSTIFY, .indent = 2, .grid = TRUE };
    yf_style s = body;
    switch (kind) {
    case YF_BLK_TITLE:
        s = (yf_style){ .role = YF_ROLE_XIAOBIAOSONG, .size = 22, .align = YF_ALIGN_CENTER,
                        .keep_with_next = TRUE };
        break;
    case YF_BLK_SUBTITLE:
        s = (yf_style){ .role = YF_ROLE_KAITI, .size = page->body_size, .align = YF_ALIGN_CENTER,
                        .keep_with_next = TRUE };
        break;
    case YF_BLK_SALUTATION:
        s.align = YF_ALIGN_LEFT;
        s.indent = 0;
        break;
    case YF_BLK_H1:
    case YF_BLK_H2:
    case YF_BLK_H3:
    case YF_BLK_H4:
        s.role = kind == YF_BLK_H1 ? YF_ROLE_HEITI : kind == YF_BLK_H2 ? YF_ROLE_KAITI
                                                                       : YF_ROLE_FANGSONG;
        s.outline_level = kind - YF_BLK_H1 + 1;
        s.keep_with_next = TRUE;
        break;
    case YF_BLK_TABLE:
        /* A table's cells: the body face, flush left, natural widths (a cell is not a line of
         * the 28-character grid). */
        s.align = YF_ALIGN_LEFT;
        s.indent = 0;
        s.grid = FALSE;
        break;
    default:
        break;
    }
    return s;
}

yf_style yf_style_table_header(const yf_page *page)
{
    /* Header cells in 黑体, centred, like a level-1 heading's face. */
    yf_style s = yf_style_builtin(YF_BLK_TABLE, page);
    s.role = YF_ROLE_HEITI;
    s.align = YF_ALIGN_CENTER;
    return s;
}

/* Chinese type sizes (号) in points, as Word, WPS and ctex use them. */
static const struct {
    const char *name;
    double pt;
} hao[] = {
    { "初号", 42 }, { "小初", 36 }, { "一号", 26 }, { "小一", 24 }, { "二号", 22 },
    { "小二", 18 }, { "三号", 16 }, { "小三", 15 }, { "四号", 14 }, { "小四", 12 },
    { "五号", 10.5 }, { "小五", 9 }, { "六号", 7.5 }, { "小六", 6.5 }, { "七号", 5.5 },
    { "八号", 5 },
};

gboolean yf_parse_size(const char *s, double *pt)
{
    for (size_t i = 0; i < G_N_ELEMENTS(hao); i++)
        if (strcmp(s, hao[i].name) == 0) {
            *pt = hao[i].pt;
            return TRUE;
        }
    char *end;
    double v = g_ascii_strtod(s, &end);
    if (end == s || (strcmp(end, "pt") != 0 && *end != '\0') || v < 4 || v > 200)
        return FALSE;
    *pt = v;
    return TRUE;
}

gboolean yf_parse_color(const char *s, uint32_t *rgb)
{
    static const struct {
        const char *name;
        uint32_t rgb;
    } named[] = { { "black", 0x000000 }, { "黑", 0x000000 }, { "red", 0xFF0000 }, { "红", 0xFF0000 } };
    for (size_t i = 0; i < G_N_ELEMENTS(named); i++)
        if (strcmp(s, named[i].name) == 0) {
            *rgb = named[i].rgb;
            return TRUE;
        }
    if (s[0] != '#' || strlen(s) != 7)
        return FALSE;
    for (int i = 1; i < 7; i++)
        if (!g_ascii_isxdigit(s[i]))
            return FALSE;
    *rgb = (uint32_t)strtoul(s + 1, NULL, 16);
    return TRUE;
}

gboolean yf_parse_align(const char *s, yf_align *a)
{
    static const char *names[] = { "justify", "left", "center", "right" };
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0) {
            *a = (yf_align)i;
            return TRUE;
        }
    return FALSE;
}
