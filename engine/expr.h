/* Conditions of <if test="…"> (expr.c). Private to the engine. */
#ifndef YINFA_EXPR_H
#define YINFA_EXPR_H

#include <glib.h>

typedef struct yf_expr yf_expr;

typedef enum { YF_V_MISSING, YF_V_TEXT, YF_V_NUMBER, YF_V_BOOL, YF_V_LIST, YF_V_OBJECT } yf_value_kind;

/* A data value as a condition sees it. `text` is lent. */
typedef struct {
    yf_value_kind kind;
    const char *text;
    double num;
    gboolean truth;
    int count;            /* YF_V_LIST: number of items */
} yf_value;

/* Fills `out` with the value at `path`; leaves it YF_V_MISSING when there is none. */
typedef void (*yf_lookup_fn)(void *user, const char *path, yf_value *out);

/* Parses a test; on a syntax error returns NULL and sets *error (a message; caller frees). */
yf_expr *yf_expr_parse(const char *src, char **error);
void yf_expr_free(yf_expr *e);
/* Appends the slot paths the test reads to `out` (strings lent by the expression). */
void yf_expr_paths(const yf_expr *e, GPtrArray *out);
gboolean yf_expr_eval(const yf_expr *e, yf_lookup_fn lookup, void *user);

#endif
