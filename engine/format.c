/* Formatters: values -> the text a Chinese official document prints.
 *
 * In: typed values from the bind stage. Out: UTF-8 text. Numbers are exact decimal text from the
 * data to the page: integer, number and money values are read by a strict decimal syntax and
 * never pass through binary floating point on the way to a formatter. Grouping, percent and
 * money (12,000.00) are ICU's number formats fed the decimal text (unum_formatDecimal); Chinese
 * numerals (一百零五, 一万亿) and 大写金额 (壹万贰仟元整) are spelled here, because ICU's zh
 * spell-out reads 10^12 as 兆 and drops the 零 of 一亿零一百万. Name order (按姓氏笔画,
 * 按姓氏拼音) is collate.c's. */
#include "format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unicode/unum.h>
#include <unicode/ustring.h>

/* ---- ICU helpers ------------------------------------------------------------------------------ */

static char *utf8_of(const UChar *u, int32_t len)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t n = 0;
    u_strToUTF8(NULL, 0, &n, u, len, &st);
    st = U_ZERO_ERROR;
    char *out = g_malloc(n + 1);
    u_strToUTF8(out, n + 1, NULL, u, len, &st);
    return out;
}

/* ICU decimal or percent format, locale zh, of the exact decimal `dec` (unum_formatDecimal
 * reads the digits as text: no binary floating point), with grouping and fraction digits. */
static char *icu_decimal(const char *dec, UNumberFormatStyle style, int min_frac, int max_frac)
{
    UErrorCode st = U_ZERO_ERROR;
    UNumberFormat *f = unum_open(style, NULL, 0, "zh", NULL, &st);
    unum_setAttribute(f, UNUM_MIN_FRACTION_DIGITS, min_frac);
    unum_setAttribute(f, UNUM_MAX_FRACTION_DIGITS, max_frac);
    unum_setAttribute(f, UNUM_ROUNDING_MODE, UNUM_ROUND_UNNECESSARY);
    UChar buf[128];
    int32_t len = U_SUCCESS(st) ? unum_formatDecimal(f, dec, -1, buf, G_N_ELEMENTS(buf), NULL, &st)
                                : 0;
    unum_close(f);
    return U_SUCCESS(st) ? utf8_of(buf, len) : g_strdup(dec);
}

/* ---- exact decimals ------------------------------------------------------------------------------ */

/* A decimal split into its parts: sign, integer digits, fraction digits (trailing zeros
 * dropped: they carry no value). */
typedef struct {
    gboolean neg;
    const char *ip, *fp;
    int il, fl;
} decimal;

/* Reads s as -?(0|[1-9][0-9]*)(\.[0-9]+)? — the decimal numbers of JSON without an exponent. */
static gboolean decimal_parts(const char *s, decimal *d)
{
    const char *p = s;
    d->neg = *p == '-';
    p += d->neg;
    d->ip = p;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (g_ascii_isdigit(*p))
            p++;
    else
        return FALSE;
    d->il = (int)(p - d->ip);
    d->fp = p;
    d->fl = 0;
    if (*p == '.') {
        d->fp = ++p;
        while (g_ascii_isdigit(*p))
            p++;
        d->fl = (int)(p - d->fp);
        if (d->fl == 0)
            return FALSE;
    }
    if (*p)
        return FALSE;
    while (d->fl > 0 && d->fp[d->fl - 1] == '0')
        d->fl--;
    if (d->il == 1 && d->ip[0] == '0' && d->fl == 0)
        d->neg = FALSE; /* -0 is 0 */
    return TRUE;
}

gboolean yf_is_decimal(const char *s)
{
    decimal d;
    return s && decimal_parts(s, &d);
}

/* The canonical text of d: "-1280.5", "0". `out` holds 2 + il + fl + 1 bytes. */
static void decimal_text(const decimal *d, char *out, size_t size)
{
    if (d->fl)
        g_snprintf(out, size, "%s%.*s.%.*s", d->neg ? "-" : "", d->il, d->ip, d->fl, d->fp);
    else
        g_snprintf(out, size, "%s%.*s", d->neg ? "-" : "", d->il, d->ip);
}

/* Fen from a decimal of at most 2 fraction digits and YF_NUMBER_DIGITS integer digits. */
static gboolean decimal_cents(const decimal *d, gint64 *cents)
{
    if (d->fl > 2 || d->il > YF_NUMBER_DIGITS)
        return FALSE;
    gint64 c = 0;
    for (int i = 0; i < d->il; i++)
        c = c * 10 + (d->ip[i] - '0');
    for (int i = 0; i < 2; i++)
        c = c * 10 + (i < d->fl ? d->fp[i] - '0' : 0);
    *cents = d->neg ? -c : c;
    return TRUE;
}

/* The canonical decimal of an amount in fen: 1200000 -> "12000", 50 -> "0.5". */
static void cents_text(gint64 cents, char *out, size_t size)
{
    guint64 c = cents < 0 ? -(guint64)cents : (guint64)cents;
    char buf[40];
    g_snprintf(buf, sizeof buf, "%s%" G_GUINT64_FORMAT ".%02u", cents < 0 ? "-" : "", c / 100,
               (unsigned)(c % 100));
    decimal d;
    decimal_parts(buf, &d);
    decimal_text(&d, out, size);
}

char *yf_format_number(double x)
{
    if (x == 0 || !isfinite(x))
        return g_strdup(x == 0 ? "0" : isnan(x) ? "nan" : x > 0 ? "inf" : "-inf");
    char buf[64];
    if (x == floor(x) && fabs(x) < 1e15) {
        g_snprintf(buf, sizeof buf, "%.0f", x);
        return g_strdup(buf);
    }
    /* The fewest significant digits that read back as the same double. */
    int prec = 1;
    for (; prec < 17; prec++) {
        char fmt[16]; /* room for any int: sanitizer builds lose the range of prec */
        g_snprintf(fmt, sizeof fmt, "%%.%de", prec - 1);
        g_ascii_formatd(buf, sizeof buf, fmt, x);
        if (g_ascii_strtod(buf, NULL) == x)
            break;
    }
    char fmt[16];
    g_snprintf(fmt, sizeof fmt, "%%.%de", prec - 1);
    g_ascii_formatd(buf, sizeof buf, fmt, x);
    if (fabs(x) >= 1e15 || fabs(x) < 1e-15) {
        g_snprintf(fmt, sizeof fmt, "%%.%dg", prec);
        return g_strdup(g_ascii_formatd(buf, sizeof buf, fmt, x));
    }
    /* d.ddde±X -> plain digits: 1.2805e+03 -> 1280.5, 1e-07 -> 0.0000001 */
    GString *digits = g_string_new(NULL);
    const char *p = buf + (buf[0] == '-');
    for (; *p && *p != 'e'; p++)
        if (g_ascii_isdigit(*p))
            g_string_append_c(digits, *p);
    int exp = atoi(p + 1);
    GString *out = g_string_new(x < 0 ? "-" : "");
    if (exp < 0) {
        g_string_append(out, "0.");
        for (int i = 0; i < -exp - 1; i++)
            g_string_append_c(out, '0');
        g_string_append(out, digits->str);
    } else {
        for (int i = 0; i <= exp; i++)
            g_string_append_c(out, i < (int)digits->len ? digits->str[i] : '0');
        if ((int)digits->len > exp + 1)
            g_string_append_printf(out, ".%s", digits->str + exp + 1);
    }
    g_string_free(digits, TRUE);
    return g_string_free(out, FALSE);
}

gboolean yf_parse_money(const char *s, gint64 *cents)
{
    decimal d;
    if (!decimal_parts(s, &d) || d.fl > 2)
        return FALSE;
    /* Compare the integer digits with YF_MONEY_MAX_YUAN's 14 without reading them into a number. */
    if (d.il > 13)
        return FALSE;
    return decimal_cents(&d, cents);
}

/* The value of d as an integer, number or money; FALSE with a message when it is not one. */
/* What the messages say a number may look like. */
#define MONEY_FORMS "可写 12000、12,000.50、¥12000 或 12000元，不舍入"
#define NUMBER_FORMS "写十进制数字，可带负号和小数点，整数部分可用逗号按三位分隔，如 -3.5、12,000.50"

/* `plain` is the decimal read, `text` the value as given (for messages). */
static gboolean fill_numeric(yf_slot_type type, const char *plain, const char *text,
                             const decimal *d, gboolean from_double, yf_scalar *out,
                             char **problem)
{
    if (type == YF_SLOT_MONEY) {
        if (!yf_parse_money(plain, &out->cents)) {
            *problem = g_strdup_printf("应为金额（元，最多两位小数，小于 10 万亿），却是“%s”（"
                                       MONEY_FORMS "）", text);
            return FALSE;
        }
        cents_text(out->cents, out->dec, sizeof out->dec);
        out->num = (double)out->cents / 100;
        return TRUE;
    }
    if (d->il > YF_NUMBER_DIGITS) {
        *problem = g_strdup_printf("%s 超出范围（绝对值应小于 1000000000000000）", text);
        return FALSE;
    }
    if (type == YF_SLOT_INTEGER && d->fl > 0) {
        *problem = g_strdup_printf("应为整数，却是 %s", text);
        return FALSE;
    }
    if (type == YF_SLOT_INTEGER && from_double) {
        *problem = g_strdup_printf("应为整数，却是写成小数或指数形式的 %s（整数只写数字，不带小数点）",
                                   text);
        return FALSE;
    }
    if (d->fl > YF_NUMBER_DECIMALS) {
        *problem = g_strdup_printf("%s 的小数超过 %d 位", text, YF_NUMBER_DECIMALS);
        return FALSE;
    }
    decimal_text(d, out->dec, sizeof out->dec);
    out->num = g_ascii_strtod(out->dec, NULL);
    return TRUE;
}

/* ---- values as offices type them ------------------------------------------------------------- */

/* White space a spreadsheet cell or a form field carries at its ends: Unicode's (U+3000 and the
 * no-break space U+00A0 among them), the zero-width characters that have no ink (U+200B–U+200D,
 * U+2060) and a stray byte order mark. */
static gboolean is_edge_space(gunichar c)
{
    return g_unichar_isspace(c) || (c >= 0x200B && c <= 0x200D) || c == 0x2060 || c == 0xFEFF;
}

char *yf_value_trim(const char *s)
{
    if (!g_utf8_validate(s, -1, NULL))
        return g_strdup(s); /* not a value any parser here reads */
    const char *start = s;
    while (*start && is_edge_space(g_utf8_get_char(start)))
        start = g_utf8_next_char(start);
    const char *end = start + strlen(start);
    while (end > start && is_edge_space(g_utf8_get_char(g_utf8_prev_char(end))))
        end = g_utf8_prev_char(end);
    return g_strndup(start, end - start);
}

char *yf_value_clean(const char *s)
{
    char *trimmed = yf_value_trim(s);
    if (!g_utf8_validate(trimmed, -1, NULL))
        return trimmed;
    GString *out = g_string_new(NULL);
    for (const char *p = trimmed; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        /* The full-width forms (U+FF01–U+FF5E, Unicode's Halfwidth and Fullwidth Forms block)
         * stand for the ASCII character U+FEE0 below: what an input method types in full-width
         * mode, １２，０００．５０ or ２０２６／１／１２. */
        g_string_append_unichar(out, c >= 0xFF01 && c <= 0xFF5E ? c - 0xFEE0 : c);
    }
    g_free(trimmed);
    return g_string_free(out, FALSE);
}

/* Removes the thousands separators of a decimal's integer part in place when they group it by
 * three from the right (12,000 and 1,234,567.50); leaves `s` as it is otherwise (1,2,3; 12,00),
 * for the decimal syntax to refuse. */
static void drop_grouping(char *s)
{
    char *ip = s + (*s == '-');
    size_t il = strcspn(ip, ".");
    if (!memchr(ip, ',', il) || strchr(ip + il, ','))
        return;
    size_t first = strcspn(ip, ",");
    if (first < 1 || first > 3)
        return;
    for (size_t i = first; i < il; i += 4)
        if (ip[i] != ',' || il - i < 4 || strcspn(ip + i + 1, ",.") != 3)
            return;
    char *w = ip;
    for (const char *r = ip; *r; r++)
        if (*r != ',')
            *w++ = *r;
    *w = '\0';
}

/* Strips a money value's currency mark: a leading ¥ (U+00A5) or ￥ (U+FFE5), after the sign or
 * before it (-¥12, ¥-12, as spreadsheets write negative amounts), or a trailing 元 — one of the
 * two, with any white space beside it. Returns a new string. */
static char *drop_currency(const char *s)
{
    gboolean neg = *s == '-';
    const char *p = s + neg;
    char *out = NULL;
    if (g_str_has_prefix(p, "¥") || g_str_has_prefix(p, "￥")) {
        char *rest = yf_value_clean(g_utf8_next_char(p));
        out = g_strconcat(neg ? "-" : "", rest, NULL);
        g_free(rest);
    } else if (g_str_has_suffix(s, "元")) {
        char *body = g_strndup(s, strlen(s) - strlen("元"));
        out = yf_value_clean(body);
        g_free(body);
    }
    return out ? out : g_strdup(s);
}

/* `text` as a strict decimal, if it is a number written as offices write it: white space at the
 * ends, full-width digits, thousands separators, and for money a currency mark. Caller frees. */
static char *office_decimal(yf_slot_type type, const char *text)
{
    char *s = yf_value_clean(text);
    if (type == YF_SLOT_MONEY) {
        char *bare = drop_currency(s);
        g_free(s);
        s = bare;
    }
    drop_grouping(s);
    return s;
}

gboolean yf_parse_numeric(yf_slot_type type, const char *text, gboolean from_double,
                          yf_scalar *out, char **problem)
{
    decimal d;
    char *plain = from_double ? g_strdup(text) : office_decimal(type, text);
    gboolean ok = FALSE;
    if (decimal_parts(plain, &d))
        ok = fill_numeric(type, plain, text, &d, from_double, out, problem);
    else if (type == YF_SLOT_MONEY)
        *problem = g_strdup_printf("应为金额（元，最多两位小数，小于 10 万亿），却是“%s”（" MONEY_FORMS
                                   "）", text);
    else if (from_double && strstr(text, "e+"))
        *problem = g_strdup_printf("%s 超出范围（绝对值应小于 1000000000000000）", text);
    else if (from_double)
        *problem = g_strdup_printf("%s 的小数超过 %d 位", text, YF_NUMBER_DECIMALS);
    else if (strpbrk(plain, "0123456789"))
        /* Looks like a number written another way: 0x1F, 017, +5, 1e3, 1,2,3. */
        *problem = g_strdup_printf("应为数字，却是“%s”（" NUMBER_FORMS "）", text);
    else
        *problem = g_strdup_printf("应为数字，却是“%s”", text);
    g_free(plain);
    return ok;
}

/* true/false in any case, yes/no, y/n, 是/否, 1/0, √/× and ✓/✗: what a yes-or-no column of a
 * spreadsheet holds (Excel writes TRUE/FALSE, WPS 是/否, a checklist √/×). 对/错 and 有/无 are
 * not: they are answers to a question the slot does not ask. */
gboolean yf_parse_boolean(const char *text, gboolean *truth)
{
    static const char *const yes[] = { "true", "yes", "y", "是", "1", "√", "✓", "✔" };
    static const char *const no[] = { "false", "no", "n", "否", "0", "×", "✗", "✘" };
    char *clean = yf_value_clean(text);
    char *lower = g_ascii_strdown(clean, -1);
    gboolean found = FALSE;
    for (size_t i = 0; i < G_N_ELEMENTS(yes) && !found; i++) {
        if (strcmp(lower, yes[i]) == 0)
            found = *truth = TRUE;
        else if (strcmp(lower, no[i]) == 0)
            found = TRUE, *truth = FALSE;
    }
    g_free(lower);
    g_free(clean);
    return found;
}

/* ---- Chinese numerals ------------------------------------------------------------------------ */

typedef struct {
    const char *digit[10];
    const char *unit[4];   /* of the places within a group of four: 个 十 百 千 */
    gboolean ten_alone;    /* 10–19 at the start read 十, 十一 … rather than 一十 */
} numerals;

static const numerals LOWER = {
    { "零", "一", "二", "三", "四", "五", "六", "七", "八", "九" }, { "", "十", "百", "千" }, TRUE
};
/* 大写 (会计基础工作规范 §52): 壹拾 at the start too. */
static const numerals UPPER = {
    { "零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖" }, { "", "拾", "佰", "仟" }, FALSE
};

/* The integer `digits` (len <= 16, no leading zeros) in Chinese, grouped by four: 万, 亿, and
 * 万亿 for 10^12 — as mainland usage reads it (ICU's spell-out writes 兆, which in mainland usage
 * is 10^6). A run of zeros between written digits is read as one 零 (一千零五, 一万零五十,
 * 一亿零一百万); zeros at the end are not read (一万亿). */
static void spell_integer(GString *s, const char *digits, int len, const numerals *N)
{
    if (len == 1 && digits[0] == '0') {
        g_string_append(s, N->digit[0]);
        return;
    }
    gboolean written = FALSE, zero = FALSE, group = FALSE, wan_yi = FALSE;
    for (int i = 0; i < len; i++) {
        int pos = len - 1 - i, d = digits[i] - '0', g = pos / 4, p = pos % 4;
        if (d == 0) {
            zero = written;
        } else {
            if (zero)
                g_string_append(s, N->digit[0]);
            zero = FALSE;
            if (!(N->ten_alone && i == 0 && d == 1 && p == 1))
                g_string_append(s, N->digit[d]);
            g_string_append(s, N->unit[p]);
            written = group = TRUE;
        }
        if (p != 0)
            continue;
        if (g == 3 && group)
            wan_yi = TRUE;
        if ((g == 1 || g == 3) && group)
            g_string_append(s, "万");
        else if (g == 2 && (group || wan_yi))
            g_string_append(s, "亿");
        group = FALSE;
    }
}

/* An exact decimal in Chinese numerals: 负 for the sign, 点 and each digit for the fraction, as
 * ICU's zh spell-out reads them (三点零五). */
static char *chinese_decimal(const char *dec)
{
    decimal d;
    if (!decimal_parts(dec, &d))
        return g_strdup(dec);
    GString *s = g_string_new(d.neg ? "负" : "");
    spell_integer(s, d.ip, d.il, &LOWER);
    if (d.fl)
        g_string_append(s, "点");
    for (int i = 0; i < d.fl; i++)
        g_string_append(s, LOWER.digit[d.fp[i] - '0']);
    return g_string_free(s, FALSE);
}

char *yf_format_chinese_numeral(double n)
{
    char *dec = yf_format_number(n);
    char *out = chinese_decimal(dec);
    g_free(dec);
    return out;
}

/* An integer typed in Chinese numerals (一千二百, 二十八, 两千零五, 负三) for a slot declared
 * numerals="chinese". ICU's zh spell-out rules read it (unum_parse, UNUM_SPELLOUT); as they are
 * lenient (一千二 reads 1002, 一百零 reads 100 and stops), the number read must spell back to
 * exactly what was typed, so an ill-formed or ambiguous numeral is refused. 两 stands for 二
 * before 百 千 万 亿 (两千零五), 〇 for 零, and 一十 may open the number (一十二). Returns FALSE
 * with *problem NULL when `text` is not written in Chinese numerals at all. */
static const char CHINESE_NUMERAL_CHARS[] = "负零〇一二两三四五六七八九十百千万亿";

static gboolean chinese_numeral_text(const char *s)
{
    if (!*s)
        return FALSE;
    for (const char *p = s; *p; p = g_utf8_next_char(p)) {
        char one[8] = { 0 };
        memcpy(one, p, g_utf8_next_char(p) - p < 7 ? (size_t)(g_utf8_next_char(p) - p) : 7);
        if (!strstr(CHINESE_NUMERAL_CHARS, one))
            return FALSE;
    }
    return TRUE;
}

/* 〇 as 零, 两 before a unit as 二, a leading 一十 as 十: the forms spell_integer writes. */
static char *canonical_numeral(const char *s)
{
    GString *o = g_string_new(NULL);
    const char *p = s;
    if (g_str_has_prefix(p, "负")) {
        g_string_append(o, "负");
        p += strlen("负");
    }
    if (g_str_has_prefix(p, "一十"))
        p += strlen("一");
    for (; *p; p = g_utf8_next_char(p)) {
        const char *next = g_utf8_next_char(p);
        if (g_str_has_prefix(p, "〇"))
            g_string_append(o, "零");
        else if (g_str_has_prefix(p, "两") && (g_str_has_prefix(next, "百") ||
                 g_str_has_prefix(next, "千") || g_str_has_prefix(next, "万") ||
                 g_str_has_prefix(next, "亿")))
            g_string_append(o, "二");
        else
            g_string_append_len(o, p, next - p);
    }
    return g_string_free(o, FALSE);
}

gboolean yf_parse_chinese_integer(const char *text, yf_scalar *out, char **problem)
{
    *problem = NULL;
    char *s = yf_value_clean(text);
    if (!chinese_numeral_text(s)) {
        g_free(s);
        return FALSE;
    }
    char *canon = canonical_numeral(s);
    UErrorCode err = U_ZERO_ERROR;
    UNumberFormat *f = unum_open(UNUM_SPELLOUT, NULL, 0, "zh", NULL, &err);
    UChar u[128];
    int32_t n = 0, pos = 0;
    int64_t value = 0;
    if (U_SUCCESS(err))
        u_strFromUTF8(u, G_N_ELEMENTS(u), &n, canon, -1, &err);
    if (U_SUCCESS(err))
        value = unum_parseInt64(f, u, n, &pos, &err);
    if (f)
        unum_close(f);
    gboolean ok = FALSE;
    if (U_SUCCESS(err) && pos == n) {
        char dec[32];
        g_snprintf(dec, sizeof dec, "%" G_GINT64_FORMAT, (gint64)value);
        char *back = chinese_decimal(dec);
        ok = strcmp(back, canon) == 0 && yf_parse_numeric(YF_SLOT_INTEGER, dec, FALSE, out,
                                                          problem);
        g_free(back);
    }
    if (!ok && !*problem)
        *problem = g_strdup_printf("中文数字“%s”写法不规范（应按读法完整书写，如 1200 写作"
                                   "“一千二百”，2005 写作“两千零五”，28 写作“二十八”）", s);
    g_free(canon);
    g_free(s);
    return ok;
}

/* 大写金额 by the accounting rules (会计基础工作规范 §52): 壹万贰仟元整, 伍角整, 壹亿元零柒分,
 * 壹拾陆元整, 壹万亿元整. */
static char *money_upper(gint64 cents)
{
    GString *s = g_string_new(cents < 0 ? "负" : "");
    guint64 c = cents < 0 ? -(guint64)cents : (guint64)cents;
    guint64 yuan = c / 100;
    int jiao = (int)(c / 10 % 10), fen = (int)(c % 10);
    if (yuan > 0) {
        char digits[24];
        int len = g_snprintf(digits, sizeof digits, "%" G_GUINT64_FORMAT, yuan);
        spell_integer(s, digits, len, &UPPER);
        g_string_append(s, "元");
    }
    if (jiao == 0 && fen == 0) {
        g_string_append(s, yuan > 0 ? "整" : "零元整");
    } else {
        if (jiao > 0)
            g_string_append_printf(s, "%s角", UPPER.digit[jiao]);
        else if (yuan > 0)
            g_string_append(s, "零");
        if (fen > 0)
            g_string_append_printf(s, "%s分", UPPER.digit[fen]);
        else
            g_string_append(s, "整");
    }
    return g_string_free(s, FALSE);
}

/* ---- dates --------------------------------------------------------------------------------------- */

/* `min` to `max` digits at *s, then `sep`; advances *s past both. Digits are counted rather
 * than scanned with %d, which would wrap 4294969296 into the year 2000. */
static gboolean date_part(const char **s, int min, int max, const char *sep, int *out)
{
    int n = 0, v = 0;
    for (; n < max && g_ascii_isdigit(**s); n++, (*s)++)
        v = v * 10 + (**s - '0');
    *out = v;
    if (n < min || !g_str_has_prefix(*s, sep))
        return FALSE;
    *s += strlen(sep);
    return TRUE;
}

/* The year in four digits — "26/1/12" could be any century —, the month and day in one or
 * two. */
static gboolean parse_date_as(const char *s, const char *const sep[3], int *y, int *m, int *d)
{
    return date_part(&s, 4, 4, sep[0], y) && date_part(&s, 1, 2, sep[1], m) &&
           date_part(&s, 1, 2, sep[2], d) && *s == '\0';
}

/* The forms a date is typed in: ISO 8601 (2026-01-12, also 2026-1-12), a spreadsheet's
 * 2026/1/12 and 2026.1.12, and 2026年1月12日 — full-width digits and white space at the ends
 * allowed (yf_value_clean). */
static gboolean date_fields(const char *s, int *y, int *m, int *d)
{
    static const char *const forms[][3] = {
        { "-", "-", "" }, { "/", "/", "" }, { ".", ".", "" }, { "年", "月", "日" }
    };
    char *clean = yf_value_clean(s);
    gboolean ok = FALSE;
    for (size_t i = 0; i < G_N_ELEMENTS(forms) && !ok; i++)
        ok = parse_date_as(clean, forms[i], y, m, d);
    g_free(clean);
    return ok;
}

static gboolean calendar_date(int y, int m, int d)
{
    return y >= 1 && g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y);
}

gboolean yf_parse_date(const char *s, int *y, int *m, int *d)
{
    return date_fields(s, y, m, d) && calendar_date(*y, *m, *d);
}

gboolean yf_parse_date_checked(const char *s, int *y, int *m, int *d, char **problem)
{
    if (!date_fields(s, y, m, d)) {
        *problem = g_strdup_printf("应为日期（如 2026-01-05），却是“%s”（可写 2026-01-12、2026-1-12、"
                                   "2026/1/12、2026.1.12 或 2026年1月12日，年份写全四位）", s);
        return FALSE;
    }
    if (calendar_date(*y, *m, *d))
        return TRUE;
    if (*y < 1)
        *problem = g_strdup_printf("应为日期（如 2026-01-05），却是“%s”：年份应从 1 起", s);
    else if (*m < 1 || *m > 12)
        *problem = g_strdup_printf("应为日期（如 2026-01-05），却是“%s”：没有 %d 月", s, *m);
    else
        *problem = g_strdup_printf("应为日期（如 2026-01-05），却是“%s”：%d 年 %d 月没有 %d 日", s, *y,
                                   *m, *d);
    return FALSE;
}

/* ---- the formatter table --------------------------------------------------------------------- */

#define NUMERIC ((1u << YF_SLOT_INTEGER) | (1u << YF_SLOT_NUMBER) | (1u << YF_SLOT_MONEY))
#define DATE (1u << YF_SLOT_DATE)

typedef char *(*fmt_fn)(const yf_scalar *v, char **why);

/* The exact decimal of a numeric value (a loop's index or count has only `num`, an integer). */
static void value_decimal(const yf_scalar *v, char *out, size_t size)
{
    if (v->dec[0]) {
        g_strlcpy(out, v->dec, size);
        return;
    }
    char *s = v->type == YF_SLOT_MONEY ? NULL : yf_format_number(v->num);
    if (s)
        g_strlcpy(out, s, size);
    else
        cents_text(v->cents, out, size);
    g_free(s);
}

/* The value in fen, for the money formatters: an integer or a number of at most two decimals. */
static gboolean value_cents(const yf_scalar *v, gint64 *cents, const char *format, char **why)
{
    if (v->type == YF_SLOT_MONEY) {
        *cents = v->cents;
        return TRUE;
    }
    char dec[48];
    decimal d;
    value_decimal(v, dec, sizeof dec);
    if (decimal_parts(dec, &d) && decimal_cents(&d, cents))
        return TRUE;
    *why = g_strdup_printf("%s 比分更细：格式 %s 只写到分，不把数舍入（数据请写到分为止）", dec,
                           format);
    return FALSE;
}

static char *f_chinese(const yf_scalar *v, char **why)
{
    (void)why;
    char dec[48];
    value_decimal(v, dec, sizeof dec);
    return chinese_decimal(dec);
}
static char *f_digits(const yf_scalar *v, char **why)
{
    /* 2026 -> 二〇二六: each digit alone, the way years are read. */
    (void)why;
    static const char *d[] = { "〇", "一", "二", "三", "四", "五", "六", "七", "八", "九" };
    char dec[48];
    value_decimal(v, dec, sizeof dec);
    GString *s = g_string_new(NULL);
    for (const char *p = dec; *p; p++)
        g_string_append(s, g_ascii_isdigit(*p) ? d[*p - '0'] : *p == '-' ? "负" : "点");
    return g_string_free(s, FALSE);
}
static char *f_group(const yf_scalar *v, char **why)
{
    (void)why;
    char dec[48];
    value_decimal(v, dec, sizeof dec);
    return icu_decimal(dec, UNUM_DECIMAL, 0, YF_NUMBER_DECIMALS);
}
static char *f_percent(const yf_scalar *v, char **why)
{
    /* Every digit is kept: 0.12345 -> 12.345%. */
    (void)why;
    char dec[48];
    value_decimal(v, dec, sizeof dec);
    return icu_decimal(dec, UNUM_PERCENT, 0, YF_NUMBER_DECIMALS);
}
static char *f_money(const yf_scalar *v, char **why)
{
    gint64 cents;
    if (!value_cents(v, &cents, "money", why))
        return NULL;
    char dec[48];
    cents_text(cents, dec, sizeof dec);
    return icu_decimal(dec, UNUM_DECIMAL, 2, 2);
}
static char *f_money_upper(const yf_scalar *v, char **why)
{
    gint64 cents;
    return value_cents(v, &cents, "money-upper", why) ? money_upper(cents) : NULL;
}
static char *f_date(const yf_scalar *v, char **why)
{
    /* GB/T 9704 §7.3.5.4: Arabic numerals, the full year, no leading zeros. */
    (void)why;
    return g_strdup_printf("%d年%d月%d日", v->y, v->m, v->d);
}
static char *year_cn(int y)
{
    yf_scalar s = { .num = y };
    char *digits = f_digits(&s, NULL);
    char *out = g_strconcat(digits, "年", NULL);
    g_free(digits);
    return out;
}
static char *f_date_cn(const yf_scalar *v, char **why)
{
    (void)why;
    char *y = year_cn(v->y), *m = yf_format_chinese_numeral(v->m), *d = yf_format_chinese_numeral(v->d);
    char *out = g_strdup_printf("%s%s月%s日", y, m, d);
    g_free(y);
    g_free(m);
    g_free(d);
    return out;
}
static char *f_year(const yf_scalar *v, char **why)
{
    (void)why;
    return g_strdup_printf("%d年", v->y);
}
static char *f_year_cn(const yf_scalar *v, char **why)
{
    (void)why;
    return year_cn(v->y);
}
static char *f_month_day(const yf_scalar *v, char **why)
{
    (void)why;
    return g_strdup_printf("%d月%d日", v->m, v->d);
}

static const struct {
    const char *name;
    unsigned types;
    fmt_fn fn;
    const char *takes;
} formats[] = {
    { "chinese", NUMERIC, f_chinese, "数字" },        /* 一百零五 */
    { "digits", NUMERIC, f_digits, "数字" },          /* 二〇二六 */
    { "group", NUMERIC, f_group, "数字" },            /* 12,000 */
    { "percent", NUMERIC, f_percent, "数字" },        /* 12.5% */
    { "money", NUMERIC, f_money, "数字或金额" },      /* 12,000.00 */
    { "money-upper", NUMERIC, f_money_upper, "数字或金额" }, /* 壹万贰仟元整 */
    { "date", DATE, f_date, "日期" },                 /* 2026年1月5日 */
    { "date-chinese", DATE, f_date_cn, "日期" },      /* 二〇二六年一月五日 */
    { "year", DATE, f_year, "日期" },                 /* 2026年 */
    { "year-chinese", DATE, f_year_cn, "日期" },      /* 二〇二六年 */
    { "month-day", DATE, f_month_day, "日期" },       /* 1月5日 */
};

const char *yf_format_names(void)
{
    return "chinese、digits、group、percent、money、money-upper、date、date-chinese、year、"
           "year-chinese、month-day";
}

gboolean yf_format_applies(const char *name, yf_slot_type type, char **why)
{
    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
        if (strcmp(formats[i].name, name) != 0)
            continue;
        if (formats[i].types & (1u << type))
            return TRUE;
        *why = g_strdup_printf("格式 %s 用于%s", name, formats[i].takes);
        return FALSE;
    }
    *why = g_strdup_printf("未知的格式 %s（可用：%s）", name, yf_format_names());
    return FALSE;
}

char *yf_format_apply(const char *name, const yf_scalar *v, char **why)
{
    if (name)
        for (size_t i = 0; i < G_N_ELEMENTS(formats); i++)
            if (strcmp(formats[i].name, name) == 0)
                return formats[i].fn(v, why);
    char dec[48];
    switch (v->type) {
    case YF_SLOT_DATE: return f_date(v, why);
    case YF_SLOT_BOOLEAN: return g_strdup(v->truth ? "是" : "否");
    case YF_SLOT_MONEY:
    case YF_SLOT_INTEGER:
    case YF_SLOT_NUMBER: value_decimal(v, dec, sizeof dec); return g_strdup(dec);
    default: return g_strdup(v->text ? v->text : "");
    }
}
