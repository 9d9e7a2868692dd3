/* Formatters and collation shared by the bind stage (format.c). Private to the engine. */
#ifndef YINFA_FORMAT_H
#define YINFA_FORMAT_H

#include "internal.h"

/* Integer and number values: below 10^15 in magnitude, at most 20 decimals (a double written
 * in its shortest form, 0.30000000000000004, has 17). */
#define YF_NUMBER_DIGITS 15
#define YF_NUMBER_DECIMALS 20

/* A scalar value ready for formatting. Numbers are kept as exact decimal text: no formatter
 * goes through binary floating point. */
typedef struct {
    yf_slot_type type;    /* TEXT, INTEGER, NUMBER, MONEY, DATE or BOOLEAN */
    const char *text;     /* TEXT: the text */
    double num;           /* INTEGER, NUMBER: the nearest double (for conditions); a loop's
                             index or count when `dec` is empty */
    char dec[40];         /* INTEGER, NUMBER, MONEY: the exact value, canonical: "-1280.5", "0" */
    gint64 cents;         /* MONEY: the exact amount in fen (分) */
    int y, m, d;          /* DATE */
    gboolean truth;       /* BOOLEAN */
} yf_scalar;

/* Whether formatter `name` applies to values of `type`; if not, *why says what it takes. */
gboolean yf_format_applies(const char *name, yf_slot_type type, char **why);
/* The text of `v` formatted by `name` (NULL: the type's default). Caller frees. NULL when the
 * value cannot be written that way without changing it (money of a number finer than a fen);
 * then *why says so (caller frees). */
char *yf_format_apply(const char *name, const yf_scalar *v, char **why);
/* The formatter names, for messages: "chinese、year-digits、…". Lent. */
const char *yf_format_names(void);

/* 1 -> "一", 11 -> "十一", 105 -> "一百零五", 10^12 -> "一万亿". Caller frees. */
char *yf_format_chinese_numeral(double n);
/* The shortest decimal that reads back as x, without an exponent when 1e-15 <= |x| < 1e15:
 * 1280.5, 320, 0.0000001; "0" for -0. Caller frees. */
char *yf_format_number(double x);
/* `s` as the value parsers read it: white space trimmed at both ends (U+3000 and U+00A0 too),
 * full-width forms of ASCII (１２，０００．５) as ASCII. Caller frees. */
char *yf_value_clean(const char *s);
/* `s` with white space trimmed at both ends as above, and nothing else changed: a text item.
 * Caller frees. */
char *yf_value_trim(const char *s);
/* Reads `text` as a value of `type` (INTEGER, NUMBER or MONEY) into `out`. The syntax is strict
 * decimal: an optional '-', digits without leading zeros, an optional '.' and digits — no '+',
 * exponents, hex, octal, "inf" —, as offices type it: white space at the ends and full-width
 * characters (yf_value_clean), the integer part grouped by three with commas (12,000.50), and a
 * money value's currency mark, a leading ¥ or ￥ or a trailing 元. `from_double`: the text is a JSON number that json-glib
 * read as a double (written with '.' or an exponent), which an integer slot refuses. On failure
 * *problem says what was wrong (caller frees). */
/* An integer in Chinese numerals (一千二百, 两千零五), strictly: FALSE with *problem NULL when
 * `text` is not Chinese numerals at all, with *problem set when it is an ill-formed one. */
gboolean yf_parse_chinese_integer(const char *text, yf_scalar *out, char **problem);
gboolean yf_parse_numeric(yf_slot_type type, const char *text, gboolean from_double,
                          yf_scalar *out, char **problem);
/* Whether `s` is a decimal by the syntax above (a condition compares such text as a number). */
gboolean yf_is_decimal(const char *s);
/* "2026-01-05", "2026-1-5", "2026/1/5", "2026.1.5" or "2026年1月5日" (cleaned by yf_value_clean:
 * full-width digits, white space at the ends); FALSE unless a real calendar date. */
gboolean yf_parse_date(const char *s, int *y, int *m, int *d);
/* yf_parse_date, saying on failure what was wrong: the form, or the calendar (caller frees). */
gboolean yf_parse_date_checked(const char *s, int *y, int *m, int *d, char **problem);
/* A yes-or-no value as typed: true/false, yes/no, y/n (any case), 是/否, 1/0, √/×, ✓/✗. */
gboolean yf_parse_boolean(const char *text, gboolean *truth);
/* Amounts from 10 万亿 yuan up are refused: beyond any budget line, and a typo more likely than
 * a sum. */
#define YF_MONEY_MAX_YUAN G_GINT64_CONSTANT(10000000000000)
/* Exact decimal money: "12000", "0.5", "100000000.07" -> fen; FALSE if not a number, finer than a
 * fen, or not less than YF_MONEY_MAX_YUAN. */
gboolean yf_parse_money(const char *s, gint64 *cents);

/* Name order (collate.c): fills `order` with the stable permutation that sorts the names `keys`
 * "stroke" (按姓氏笔画为序, GB 13000.1 / GF 3003) or "pinyin" (按姓氏拼音为序, surnames read as
 * surnames). FALSE when the stroke data (rime-data-stroke) or ICU's collator is missing; `order`
 * is then the data's order. */
gboolean yf_collate_order(const char *how, char **keys, int n, int *order);

#endif
