/* Formatters and collation shared by the bind stage (format.c). Private to the engine. */
#ifndef YINFA_FORMAT_H
#define YINFA_FORMAT_H

#include "internal.h"

/* A scalar value ready for formatting. */
typedef struct {
    yf_slot_type type;    /* TEXT, INTEGER, NUMBER, MONEY, DATE or BOOLEAN */
    const char *text;     /* TEXT: the text */
    double num;           /* INTEGER, NUMBER, MONEY */
    gint64 cents;         /* MONEY: the exact amount in fen (分) */
    int y, m, d;          /* DATE */
    gboolean truth;       /* BOOLEAN */
} yf_scalar;

/* Whether formatter `name` applies to values of `type`; if not, *why says what it takes. */
gboolean yf_format_applies(const char *name, yf_slot_type type, char **why);
/* The text of `v` formatted by `name` (NULL: the type's default). Caller frees. */
char *yf_format_apply(const char *name, const yf_scalar *v);
/* The formatter names, for messages: "chinese、year-digits、…". Lent. */
const char *yf_format_names(void);

/* 1 -> "一", 11 -> "十一", 105 -> "一百零五". Caller frees. */
char *yf_format_chinese_numeral(double n);
/* The shortest text that reads back as x: 1280.5, 320. Caller frees. */
char *yf_format_number(double x);
/* "2026-01-05" or "2026年1月5日"; FALSE unless a real calendar date. */
gboolean yf_parse_date(const char *s, int *y, int *m, int *d);
/* Amounts from 10 万亿 yuan up are refused: their fen would no longer be exact in the double
 * the ICU formatters take. */
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
