/* Formatters: values -> the text a Chinese official document prints.
 *
 * In: numbers and dates from the data. Out: UTF-8 text. Chinese numerals come from ICU's
 * rule-based spell-out for "zh" (十一、二十、一百零五), not from tables of our own. */
#include "format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unicode/unum.h>
#include <unicode/ustring.h>

char *yf_format_chinese_numeral(long n)
{
    UErrorCode st = U_ZERO_ERROR;
    UNumberFormat *f = unum_open(UNUM_SPELLOUT, NULL, 0, "zh", NULL, &st);
    if (U_FAILURE(st))
        return g_strdup_printf("%ld", n);
    UChar buf[128];
    int32_t len = unum_formatInt64(f, n, buf, G_N_ELEMENTS(buf), NULL, &st);
    unum_close(f);
    if (U_FAILURE(st))
        return g_strdup_printf("%ld", n);
    char out[512];
    int32_t olen = 0;
    u_strToUTF8(out, sizeof out, &olen, buf, len, &st);
    if (U_FAILURE(st))
        return g_strdup_printf("%ld", n);
    return g_strndup(out, olen);
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
        char fmt[8];
        snprintf(fmt, sizeof fmt, "%%.%dg", prec);
        g_ascii_formatd(buf, sizeof buf, fmt, x);
        if (g_ascii_strtod(buf, NULL) == x)
            break;
    }
    return g_strdup(buf);
}

gboolean yf_parse_date(const char *s, int *y, int *m, int *d)
{
    int n = 0;
    if (sscanf(s, "%d-%d-%d%n", y, m, d, &n) != 3 || s[n] != '\0') {
        n = 0;
        if (sscanf(s, "%d年%d月%d日%n", y, m, d, &n) != 3 || s[n] != '\0')
            return FALSE;
    }
    return *y >= 1 && *y <= 9999 && g_date_valid_dmy((GDateDay)*d, (GDateMonth)*m, (GDateYear)*y);
}

char *yf_format_date(int y, int m, int d)
{
    /* GB/T 9704 §7.3.5.4: Arabic numerals, full year, months and days without a leading zero. */
    return g_strdup_printf("%d年%d月%d日", y, m, d);
}
