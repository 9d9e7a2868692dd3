/* Conditions: the small expression language of <if test="…">.
 *
 * In: the text of a test attribute. Out: a tree the bind stage evaluates against the data.
 *
 *   expr    := and ('or' and)*
 *   and     := not ('and' not)*
 *   not     := 'not' not | compare
 *   compare := operand (('==' | '!=' | '<' | '<=' | '>' | '>=') operand)?
 *   operand := path | 'text' | "text" | number | '(' expr ')'
 *
 * A path alone is true when the data has a non-empty value there (a non-empty text or list, a
 * non-zero number, true). Comparisons are numeric when both sides are numbers, textual for ==
 * and != otherwise; an ordering comparison with a non-number is false.
 *
 * A test is a line of a template, not a program: its nesting and its number of terms are bounded,
 * so the recursive parser, evaluator and destructor cannot exhaust the stack on a hostile one. */
#include "expr.h"
#include "format.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef enum { E_OR, E_AND, E_NOT, E_CMP, E_PATH, E_STR, E_NUM } ekind;
typedef enum { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE } eop;

struct yf_expr {
    ekind kind;
    eop op;
    char *text;       /* E_PATH, E_STR */
    double num;       /* E_NUM */
    yf_expr *a, *b;
};

#define YF_EXPR_MAX_DEPTH 32   /* ( and not, nested */
#define YF_EXPR_MAX_TERMS 256

typedef struct {
    const char *src, *p;
    char *error;
    int depth, terms;
} parser;

static void fail(parser *P, const char *what);

static yf_expr *node(parser *P, ekind k, yf_expr *a, yf_expr *b)
{
    if (++P->terms == YF_EXPR_MAX_TERMS + 1)
        fail(P, "：条件过长（超过 " G_STRINGIFY(YF_EXPR_MAX_TERMS) " 项）");
    yf_expr *e = g_new0(yf_expr, 1);
    e->kind = k;
    e->a = a;
    e->b = b;
    return e;
}

static void fail(parser *P, const char *what)
{
    if (P->error)
        return;
    /* The message quotes the test; a hostile one may be a megabyte long. */
    glong n = g_utf8_strlen(P->src, -1);
    char *src = n > 40 ? g_utf8_substring(P->src, 0, 40) : g_strdup(P->src);
    P->error = g_strdup_printf("条件“%s%s”第 %ld 个字符处%s", src, n > 40 ? "…" : "",
                               g_utf8_pointer_to_offset(P->src, P->p) + 1, what);
    g_free(src);
}

/* Enters one level of ( or not; FALSE (with the error) past the limit. */
static gboolean nest(parser *P)
{
    if (++P->depth <= YF_EXPR_MAX_DEPTH)
        return TRUE;
    fail(P, "：嵌套过深（超过 " G_STRINGIFY(YF_EXPR_MAX_DEPTH) " 层）");
    return FALSE;
}

static void skip_space(parser *P)
{
    while (*P->p == ' ' || *P->p == '\t' || *P->p == '\n' || *P->p == '\r')
        P->p++;
}

/* A keyword only when a whole word: "not" but not "notice". */
static gboolean keyword(parser *P, const char *kw)
{
    skip_space(P);
    size_t n = strlen(kw);
    if (strncmp(P->p, kw, n) != 0)
        return FALSE;
    char c = P->p[n];
    if (g_ascii_isalnum(c) || c == '_' || c == '.' || (unsigned char)c >= 0x80)
        return FALSE;
    P->p += n;
    return TRUE;
}

static gboolean path_char(const char *p)
{
    unsigned char c = (unsigned char)*p;
    return c >= 0x80 || g_ascii_isalnum(c) || c == '_' || c == '.' || c == '-';
}

static yf_expr *parse_or(parser *P);

static yf_expr *parse_operand(parser *P)
{
    skip_space(P);
    if (*P->p == '(') {
        if (!nest(P))
            return node(P, E_STR, NULL, NULL);
        P->p++;
        yf_expr *e = parse_or(P);
        P->depth--;
        skip_space(P);
        if (*P->p != ')') {
            fail(P, "缺少“)”");
            return e;
        }
        P->p++;
        return e;
    }
    if (*P->p == '\'' || *P->p == '"') {
        char q = *P->p++;
        const char *start = P->p;
        while (*P->p && *P->p != q)
            P->p++;
        if (!*P->p) {
            fail(P, "引号没有闭合");
            return node(P, E_STR, NULL, NULL);
        }
        yf_expr *e = node(P, E_STR, NULL, NULL);
        e->text = g_strndup(start, P->p - start);
        P->p++;
        return e;
    }
    if (g_ascii_isdigit(*P->p) || (*P->p == '-' && g_ascii_isdigit(P->p[1]))) {
        /* Decimal only (-12, 3.5): strtod would also read 0x1F and 1e3. */
        const char *start = P->p;
        P->p += *P->p == '-';
        while (g_ascii_isdigit(*P->p))
            P->p++;
        if (*P->p == '.' && g_ascii_isdigit(P->p[1]))
            for (P->p++; g_ascii_isdigit(*P->p);)
                P->p++;
        char *text = g_strndup(start, P->p - start);
        yf_expr *e = node(P, E_NUM, NULL, NULL);
        if (!yf_is_decimal(text))
            fail(P, "数字写法不对（只写十进制数字，不带前导零）");
        e->num = g_ascii_strtod(text, NULL);
        g_free(text);
        return e;
    }
    if (path_char(P->p) && *P->p != '.') {
        const char *start = P->p;
        while (path_char(P->p))
            P->p = g_utf8_next_char(P->p);
        yf_expr *e = node(P, E_PATH, NULL, NULL);
        e->text = g_strndup(start, P->p - start);
        return e;
    }
    fail(P, *P->p ? "应为槽位名、文字或数字" : "意外结束");
    return node(P, E_STR, NULL, NULL);
}

static yf_expr *parse_compare(parser *P)
{
    static const struct { const char *s; eop op; } ops[] = {
        { "==", OP_EQ }, { "!=", OP_NE }, { "<=", OP_LE }, { ">=", OP_GE }, { "<", OP_LT },
        { ">", OP_GT } };
    yf_expr *a = parse_operand(P);
    skip_space(P);
    for (size_t i = 0; i < G_N_ELEMENTS(ops); i++) {
        size_t n = strlen(ops[i].s);
        if (strncmp(P->p, ops[i].s, n) == 0) {
            P->p += n;
            yf_expr *e = node(P, E_CMP, a, parse_operand(P));
            e->op = ops[i].op;
            return e;
        }
    }
    return a;
}

static yf_expr *parse_not(parser *P)
{
    if (!keyword(P, "not"))
        return parse_compare(P);
    if (!nest(P))
        return node(P, E_STR, NULL, NULL);
    yf_expr *e = node(P, E_NOT, parse_not(P), NULL);
    P->depth--;
    return e;
}

static yf_expr *parse_and(parser *P)
{
    yf_expr *e = parse_not(P);
    while (!P->error && keyword(P, "and"))
        e = node(P, E_AND, e, parse_not(P));
    return e;
}

static yf_expr *parse_or(parser *P)
{
    yf_expr *e = parse_and(P);
    while (!P->error && keyword(P, "or"))
        e = node(P, E_OR, e, parse_and(P));
    return e;
}

yf_expr *yf_expr_parse(const char *src, char **error)
{
    parser P = { src, src, NULL, 0, 0 };
    yf_expr *e = parse_or(&P);
    skip_space(&P);
    if (!P.error && *P.p)
        fail(&P, "有多余的内容");
    if (P.error) {
        yf_expr_free(e);
        *error = P.error;
        return NULL;
    }
    return e;
}

void yf_expr_free(yf_expr *e)
{
    if (!e)
        return;
    yf_expr_free(e->a);
    yf_expr_free(e->b);
    g_free(e->text);
    g_free(e);
}

void yf_expr_paths(const yf_expr *e, GPtrArray *out)
{
    if (!e)
        return;
    if (e->kind == E_PATH)
        g_ptr_array_add(out, e->text);
    yf_expr_paths(e->a, out);
    yf_expr_paths(e->b, out);
}

static yf_value operand(const yf_expr *e, yf_lookup_fn lookup, void *user)
{
    yf_value v = { YF_V_MISSING, NULL, 0, FALSE, 0 };
    switch (e->kind) {
    case E_STR: v.kind = YF_V_TEXT; v.text = e->text; break;
    case E_NUM: v.kind = YF_V_NUMBER; v.num = e->num; break;
    case E_PATH: lookup(user, e->text, &v); break;
    default: v.kind = YF_V_BOOL; v.truth = yf_expr_eval(e, lookup, user); break;
    }
    return v;
}

static gboolean truthy(const yf_value *v)
{
    switch (v->kind) {
    case YF_V_TEXT: return v->text && *v->text;
    case YF_V_NUMBER: return v->num != 0;
    case YF_V_BOOL: return v->truth;
    case YF_V_LIST: return v->count > 0;
    case YF_V_OBJECT: return TRUE;
    default: return FALSE;
    }
}

/* A number, from a number or from text that is one. */
static gboolean as_number(const yf_value *v, double *out)
{
    if (v->kind == YF_V_NUMBER) {
        *out = v->num;
        return TRUE;
    }
    if (v->kind == YF_V_TEXT && yf_is_decimal(v->text)) {
        /* Text compares as a number only when it is a decimal: not " 12", "0x1F", "1e3". */
        *out = g_ascii_strtod(v->text, NULL);
        return TRUE;
    }
    return FALSE;
}

static gboolean compare(const yf_expr *e, yf_lookup_fn lookup, void *user)
{
    yf_value a = operand(e->a, lookup, user), b = operand(e->b, lookup, user);
    double x, y;
    if (as_number(&a, &x) && as_number(&b, &y)) {
        switch (e->op) {
        case OP_EQ: return x == y;
        case OP_NE: return x != y;
        case OP_LT: return x < y;
        case OP_LE: return x <= y;
        case OP_GT: return x > y;
        case OP_GE: return x >= y;
        }
    }
    if (e->op != OP_EQ && e->op != OP_NE)
        return FALSE;
    gboolean equal;
    if (a.kind == YF_V_BOOL || b.kind == YF_V_BOOL)
        equal = truthy(&a) == truthy(&b);
    else
        equal = a.kind == YF_V_TEXT && b.kind == YF_V_TEXT && strcmp(a.text, b.text) == 0;
    return e->op == OP_EQ ? equal : !equal;
}

gboolean yf_expr_eval(const yf_expr *e, yf_lookup_fn lookup, void *user)
{
    switch (e->kind) {
    case E_OR: return yf_expr_eval(e->a, lookup, user) || yf_expr_eval(e->b, lookup, user);
    case E_AND: return yf_expr_eval(e->a, lookup, user) && yf_expr_eval(e->b, lookup, user);
    case E_NOT: return !yf_expr_eval(e->a, lookup, user);
    case E_CMP: return compare(e, lookup, user);
    default: {
        yf_value v = operand(e, lookup, user);
        return truthy(&v);
    }
    }
}
