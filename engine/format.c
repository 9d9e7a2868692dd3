/* Formatters: values -> the text a Chinese official document prints; and collation.
 *
 * In: typed values from the bind stage. Out: UTF-8 text. Numbers in Chinese come from ICU's
 * rule-based spell-out for zh (cardinal 一百零五, year 二〇二六, financial 壹万贰仟), grouping and
 * percent from ICU's number formats — no tables of our own where ICU has the rules. Name order
 * (按姓氏笔画, 按姓氏拼音) is collate.c's. */
#include "format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
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

/* Spell out `x` with one of ICU's zh rule sets ("%spellout-cardinal" …). */
static char *spellout(double x, const char *ruleset)
{
    UErrorCode st = U_ZERO_ERROR;
    UNumberFormat *f = unum_open(UNUM_SPELLOUT, NULL, 0, "zh", NULL, &st);
    UChar rs[64], buf[256];
    u_uastrncpy(rs, ruleset, G_N_ELEMENTS(rs));
    unum_setTextAttribute(f, UNUM_DEFAULT_RULESET, rs, -1, &st);
    int32_t len = U_SUCCESS(st) ? unum_formatDouble(f, x, buf, G_N_ELEMENTS(buf), NULL, &st) : 0;
    unum_close(f);
    return U_SUCCESS(st) ? utf8_of(buf, len) : yf_format_number(x);
}

/* ICU decimal or percent format, locale zh, with grouping and fraction digits. */
static char *icu_number(double x, UNumberFormatStyle style, int min_frac, int max_frac)
{
    UErrorCode st = U_ZERO_ERROR;
    UNumberFormat *f = unum_open(style, NULL, 0, "zh", NULL, &st);
    unum_setAttribute(f, UNUM_MIN_FRACTION_DIGITS, min_frac);
    unum_setAttribute(f, UNUM_MAX_FRACTION_DIGITS, max_frac);
    unum_setAttribute(f, UNUM_ROUNDING_MODE, UNUM_ROUND_HALFUP);
    UChar buf[128];
    int32_t len = U_SUCCESS(st) ? unum_formatDouble(f, x, buf, G_N_ELEMENTS(buf), NULL, &st) : 0;
    unum_close(f);
    return U_SUCCESS(st) ? utf8_of(buf, len) : yf_format_number(x);
}

/* ---- numbers ----------------------------------------------------------------------------------- */

char *yf_format_chinese_numeral(double n)
{
    return spellout(n, "%spellout-cardinal");
}

char *yf_format_number(double x)
{
    /* The shortest decimal that reads back as the same double: 1280.5, not 1280.5000000000002. */
    char buf[64];
    if (x == floor(x) && fabs(x) < 1e15) {
        snprintf(buf, sizeof buf, "%.0f", x);
        return g_strdup(buf);
    }
    for (int prec = 1; prec <= 17; prec++) {
        char fmt[16]; /* room for any int: sanitizer builds lose the range of prec */
        snprintf(fmt, sizeof fmt, "%%.%dg", prec);
        g_ascii_formatd(buf, sizeof buf, fmt, x);
        if (g_ascii_strtod(buf, NULL) == x)
            break;
    }
    return g_strdup(buf);
}

gboolean yf_parse_money(const char *s, gint64 *cents)
{
    const char *p = s;
    gboolean neg = *p == '-';
    if (neg)
        p++;
    if (!g_ascii_isdigit(*p))
        return FALSE;
    gint64 whole = 0;
    for (; g_ascii_isdigit(*p); p++) {
        whole = whole * 10 + (*p - '0');
        if (whole >= YF_MONEY_MAX_YUAN)
            return FALSE;
    }
    int frac = 0, digits = 0;
    if (*p == '.') {
        for (p++; g_ascii_isdigit(*p); p++, digits++) {
            if (digits >= 2 && *p != '0')
                return FALSE; /* finer than a fen */
            if (digits < 2)
                frac = frac * 10 + (*p - '0');
        }
        if (digits == 0)
            return FALSE;
    }
    if (*p)
        return FALSE;
    if (digits == 1)
        frac *= 10;
    *cents = (neg ? -1 : 1) * (whole * 100 + frac);
    return TRUE;
}

/* 大写金额 by the accounting rules (会计基础工作规范 §52): 壹万贰仟元整, 伍角整, 壹亿元零柒分;
 * a leading 拾 is written 壹拾. */
static char *money_upper(gint64 cents)
{
    static const char *digit[] = { "零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖" };
    GString *s = g_string_new(cents < 0 ? "负" : "");
    gint64 c = cents < 0 ? -cents : cents;
    gint64 yuan = c / 100;
    int jiao = (int)(c / 10 % 10), fen = (int)(c % 10);
    if (yuan > 0) {
        char *y = spellout((double)yuan, "%spellout-cardinal-financial");
        char *fixed = g_str_has_prefix(y, "拾") ? g_strconcat("壹", y, NULL) : g_strdup(y);
        GString *f = g_string_new(NULL);
        for (const char *p = fixed; *p; p = g_utf8_next_char(p)) {
            if (g_str_has_prefix(p, "零拾"))
                g_string_append(f, "零壹");
            else
                g_string_append_unichar(f, g_utf8_get_char(p));
        }
        g_string_append(s, f->str);
        g_string_append(s, "元");
        g_string_free(f, TRUE);
        g_free(y);
        g_free(fixed);
    }
    if (jiao == 0 && fen == 0) {
        g_string_append(s, yuan > 0 ? "整" : "零元整");
    } else {
        if (jiao > 0)
            g_string_append_printf(s, "%s角", digit[jiao]);
        else if (yuan > 0)
            g_string_append(s, "零");
        if (fen > 0)
            g_string_append_printf(s, "%s分", digit[fen]);
        else
            g_string_append(s, "整");
    }
    return g_string_free(s, FALSE);
}

/* ---- dates --------------------------------------------------------------------------------------- */

/* One to `max` digits at *s, then `sep`; advances *s past both. */
static gboolean date_part(const char **s, int max, const char *sep, int *out)
{
    int n = 0, v = 0;
    for (; n < max && g_ascii_isdigit(**s); n++, (*s)++)
        v = v * 10 + (**s - '0');
    *out = v;
    if (n == 0 || !g_str_has_prefix(*s, sep))
        return FALSE;
    *s += strlen(sep);
    return TRUE;
}

/* Digits are counted rather than scanned with %d, which would wrap 4294969296 into the year
 * 2000. */
static gboolean parse_date_as(const char *s, const char *const sep[3], int *y, int *m, int *d)
{
    return date_part(&s, 4, sep[0], y) && date_part(&s, 2, sep[1], m) &&
           date_part(&s, 2, sep[2], d) && *s == '\0';
}

gboolean yf_parse_date(const char *s, int *y, int *m, int *d)
{
    static const char *const iso[3] = { "-", "-", "" }, *const zh[3] = { "年", "月", "日" };
    if (!parse_date_as(s, iso, y, m, d) && !parse_date_as(s, zh, y, m, d))
        return FALSE;
    return *y >= 1 && g_date_valid_dmy((GDateDay)*d, (GDateMonth)*m, (GDateYear)*y);
}

/* ---- the formatter table --------------------------------------------------------------------- */

#define NUMERIC ((1u << YF_SLOT_INTEGER) | (1u << YF_SLOT_NUMBER) | (1u << YF_SLOT_MONEY))
#define DATE (1u << YF_SLOT_DATE)

typedef char *(*fmt_fn)(const yf_scalar *v);

static char *f_chinese(const yf_scalar *v) { return yf_format_chinese_numeral(v->num); }
static char *f_digits(const yf_scalar *v)
{
    /* 2026 -> 二〇二六: each digit alone, the way years are read. */
    static const char *d[] = { "〇", "一", "二", "三", "四", "五", "六", "七", "八", "九" };
    char *num = yf_format_number(v->num);
    GString *s = g_string_new(NULL);
    for (const char *p = num; *p; p++)
        g_string_append(s, g_ascii_isdigit(*p) ? d[*p - '0'] : *p == '-' ? "负" : "点");
    g_free(num);
    return g_string_free(s, FALSE);
}
static char *f_group(const yf_scalar *v) { return icu_number(v->num, UNUM_DECIMAL, 0, 6); }
static char *f_percent(const yf_scalar *v) { return icu_number(v->num, UNUM_PERCENT, 0, 2); }
static char *f_money(const yf_scalar *v)
{
    double x = v->type == YF_SLOT_MONEY ? (double)v->cents / 100 : v->num;
    return icu_number(x, UNUM_DECIMAL, 2, 2);
}
static char *f_money_upper(const yf_scalar *v)
{
    return money_upper(v->type == YF_SLOT_MONEY ? v->cents : (gint64)llround(v->num * 100));
}
static char *f_date(const yf_scalar *v)
{
    /* GB/T 9704 §7.3.5.4: Arabic numerals, the full year, no leading zeros. */
    return g_strdup_printf("%d年%d月%d日", v->y, v->m, v->d);
}
static char *year_cn(int y)
{
    yf_scalar s = { .num = y };
    char *digits = f_digits(&s);
    char *out = g_strconcat(digits, "年", NULL);
    g_free(digits);
    return out;
}
static char *f_date_cn(const yf_scalar *v)
{
    char *y = year_cn(v->y), *m = yf_format_chinese_numeral(v->m), *d = yf_format_chinese_numeral(v->d);
    char *out = g_strdup_printf("%s%s月%s日", y, m, d);
    g_free(y);
    g_free(m);
    g_free(d);
    return out;
}
static char *f_year(const yf_scalar *v) { return g_strdup_printf("%d年", v->y); }
static char *f_year_cn(const yf_scalar *v) { return year_cn(v->y); }
static char *f_month_day(const yf_scalar *v) { return g_strdup_printf("%d月%d日", v->m, v->d); }

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

char *yf_format_apply(const char *name, const yf_scalar *v)
{
    if (name)
        for (size_t i = 0; i < G_N_ELEMENTS(formats); i++)
            if (strcmp(formats[i].name, name) == 0)
                return formats[i].fn(v);
    switch (v->type) {
    case YF_SLOT_DATE: return f_date(v);
    case YF_SLOT_BOOLEAN: return g_strdup(v->truth ? "是" : "否");
    case YF_SLOT_MONEY: return yf_format_number((double)v->cents / 100);
    case YF_SLOT_INTEGER:
    case YF_SLOT_NUMBER: return yf_format_number(v->num);
    default: return g_strdup(v->text ? v->text : "");
    }
}
