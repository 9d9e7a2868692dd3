/* Formatters shared by the bind stage (format.c). Private to the engine. */
#ifndef YINFA_FORMAT_H
#define YINFA_FORMAT_H

#include <glib.h>

/* 1 -> "一", 11 -> "十一", 105 -> "一百零五". Caller frees. */
char *yf_format_chinese_numeral(long n);
/* The shortest text that reads back as x: 1280.5, 320. Caller frees. */
char *yf_format_number(double x);
/* "2026-01-05" or "2026年1月5日"; FALSE unless a real calendar date. */
gboolean yf_parse_date(const char *s, int *y, int *m, int *d);
/* 2026年1月5日. Caller frees. */
char *yf_format_date(int y, int m, int d);

#endif
