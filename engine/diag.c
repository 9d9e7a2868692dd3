/* Diagnostics: the list every stage appends its problems to.
 *
 * A diagnostic is a record — severity, stable code, place in a file (file:line:column), JSON path
 * and slot when the problem is in the data, and the text — and one line in the form compilers
 * use, so editors and scripts can jump to it:
 *   FILE:LINE:COLUMN: error: message       (template problems)
 *   FILE: error: $.path: message           (data problems: the JSON path before the text)
 * The library never prints; the caller decides where the lines go. docs/diagnostics.md lists the
 * codes. */
#include "internal.h"

#include <json-glib/json-glib.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    yf_severity sev;
    const char *code;  /* a string literal of the source (static) */
    char *file;
    int line, col;
    char *path;
    char *slot;
    char *text;        /* the message alone */
    gboolean path_in_line;
    char *line_text;   /* the whole formatted line */
} yf_diag;

/* A hostile input can make a message per character (one no font has) or per data key: past
 * this many the list goes on counting but keeps only one last entry saying how many it left out. */
#define YF_DIAGS_MAX 1000

struct yf_diags {
    GArray *items; /* of yf_diag */
    size_t errors;
    size_t dropped;
};

static void diag_clear(gpointer p)
{
    yf_diag *g = p;
    g_free(g->file);
    g_free(g->path);
    g_free(g->slot);
    g_free(g->text);
    g_free(g->line_text);
}

yf_diags *yf_diags_new(void)
{
    yf_diags *d = g_new0(yf_diags, 1);
    d->items = g_array_new(FALSE, TRUE, sizeof(yf_diag));
    g_array_set_clear_func(d->items, diag_clear);
    return d;
}

void yf_diags_free(yf_diags *d)
{
    if (!d)
        return;
    g_array_free(d->items, TRUE);
    g_free(d);
}

static const yf_diag *item(const yf_diags *d, size_t i)
{
    return &g_array_index(d->items, yf_diag, i);
}

static const char *sev_name(yf_severity sev) { return sev == YF_ERROR ? "error" : "warning"; }

/* "FILE:LINE:COL: error: $.path: text", each part only when there is one. */
static char *format_line(const yf_diag *g)
{
    GString *s = g_string_new(NULL);
    if (g->file) {
        g_string_append(s, g->file);
        if (g->line > 0)
            g_string_append_printf(s, ":%d", g->line);
        if (g->line > 0 && g->col > 0)
            g_string_append_printf(s, ":%d", g->col);
        g_string_append(s, ": ");
    }
    g_string_append_printf(s, "%s: ", sev_name(g->sev));
    /* A problem in the data has its JSON path for a place; one in the template or the layout
     * its line, the path (of the text from the data) only in the record. */
    if (g->path && g->path_in_line)
        g_string_append_printf(s, "%s: ", g->path);
    g_string_append(s, g->text);
    return g_string_free(s, FALSE);
}

/* The last entry stands for every message left out. */
static void add_dropped(yf_diags *d, yf_severity sev)
{
    yf_severity worst = sev;
    if (d->dropped++ > 0) {
        worst = MAX(worst, g_array_index(d->items, yf_diag, d->items->len - 1).sev);
        g_array_remove_index(d->items, d->items->len - 1);
    }
    yf_diag more = { .sev = worst, .code = "diag.more",
                     .text = g_strdup_printf("另有 %zu 条信息未列出", d->dropped) };
    more.line_text = format_line(&more);
    g_array_append_val(d->items, more);
}

void yf_diag_putv(yf_diags *d, yf_severity sev, const char *code, const yf_diag_at *at,
                  const char *fmt, va_list ap)
{
    if (!d)
        return;
    if (sev == YF_ERROR)
        d->errors++;
    if (d->items->len >= YF_DIAGS_MAX) {
        add_dropped(d, sev);
        return;
    }
    yf_diag g = { .sev = sev, .code = code };
    if (at) {
        g.file = g_strdup(at->file);
        g.line = at->file && at->line > 0 ? at->line : 0;
        g.col = g.line > 0 && at->col > 0 ? at->col : 0;
        g.path = g_strdup(at->path);
        g.slot = g_strdup(at->slot);
        g.path_in_line = at->path && g.line == 0 && !at->names_value;
    }
    g.text = g_strdup_vprintf(fmt, ap);
    g.line_text = format_line(&g);
    g_array_append_val(d->items, g);
}

void yf_diag_put(yf_diags *d, yf_severity sev, const char *code, const yf_diag_at *at,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    yf_diag_putv(d, sev, code, at, fmt, ap);
    va_end(ap);
}

void yf_diag_add(yf_diags *d, yf_severity sev, const char *code, const char *file, int line,
                 int col, const char *fmt, ...)
{
    yf_diag_at at = { .file = file, .line = line, .col = col };
    va_list ap;
    va_start(ap, fmt);
    yf_diag_putv(d, sev, code, &at, fmt, ap);
    va_end(ap);
}

void yf_diags_append(yf_diags *d, yf_severity sev, const char *code, const char *file,
                     const char *text)
{
    yf_diag_at at = { .file = file };
    yf_diag_put(d, sev, g_intern_string(code ? code : "other"), &at, "%s", text ? text : "");
}

void yf_diags_move_to(yf_diags *to, yf_diags *from, const yf_diag_at *at)
{
    for (size_t i = 0; i < yf_diags_count(from); i++) {
        const yf_diag *g = item(from, i);
        yf_diag_at here = { .file = g->file, .line = g->line, .col = g->col, .path = g->path,
                            .slot = g->slot, .names_value = !g->path_in_line };
        yf_diag_put(to, g->sev, g->code, g->file ? &here : at, "%s", g->text);
    }
    g_array_set_size(from->items, 0);
    from->errors = from->dropped = 0;
}

size_t yf_diags_count(const yf_diags *d) { return d ? d->items->len : 0; }
size_t yf_diags_errors(const yf_diags *d) { return d ? d->errors : 0; }

/* Entry `i`, or NULL when `d` is NULL or `i` is out of range (include/yinfa.h). */
static const yf_diag *at_index(const yf_diags *d, size_t i)
{
    return d && i < d->items->len ? item(d, i) : NULL;
}

yf_severity yf_diags_severity(const yf_diags *d, size_t i)
{
    const yf_diag *g = at_index(d, i);
    return g ? g->sev : 0;
}

#define FIELD(type, name, field, none)                                                        \
    type yf_diags_##name(const yf_diags *d, size_t i)                                        \
    {                                                                                        \
        const yf_diag *g = at_index(d, i);                                                   \
        return g ? g->field : none;                                                          \
    }
FIELD(const char *, message, line_text, NULL)
FIELD(const char *, code, code, NULL)
FIELD(const char *, file, file, NULL)
FIELD(int, line, line, 0)
FIELD(int, column, col, 0)
FIELD(const char *, path, path, NULL)
FIELD(const char *, slot, slot, NULL)
FIELD(const char *, text, text, NULL)
#undef FIELD

void yf_diags_print(const yf_diags *d, FILE *out)
{
    if (!out)
        return;
    for (size_t i = 0; i < yf_diags_count(d); i++)
        fprintf(out, "%s\n", yf_diags_message(d, i));
}

static void member_string(JsonBuilder *b, const char *name, const char *value)
{
    json_builder_set_member_name(b, name);
    if (value)
        json_builder_add_string_value(b, value);
    else
        json_builder_add_null_value(b);
}

static void member_int(JsonBuilder *b, const char *name, int value)
{
    json_builder_set_member_name(b, name);
    if (value > 0)
        json_builder_add_int_value(b, value);
    else
        json_builder_add_null_value(b);
}

static void add_object(JsonBuilder *b, const yf_diag *g)
{
    json_builder_begin_object(b);
    member_string(b, "severity", sev_name(g->sev));
    member_string(b, "code", g->code);
    member_string(b, "file", g->file);
    member_int(b, "line", g->line);
    member_int(b, "column", g->col);
    member_string(b, "path", g->path);
    member_string(b, "slot", g->slot);
    member_string(b, "text", g->text);
    member_string(b, "message", g->line_text);
    json_builder_end_object(b);
}

char *yf_diags_json(const yf_diags *d)
{
    if (!d)
        return NULL;
    JsonBuilder *b = json_builder_new();
    json_builder_begin_array(b);
    for (size_t i = 0; i < yf_diags_count(d); i++)
        add_object(b, item(d, i));
    json_builder_end_array(b);
    JsonNode *root = json_builder_get_root(b);
    char *json = json_to_string(root, FALSE);
    json_node_unref(root);
    g_object_unref(b);
    /* json_to_string allocates with g_malloc; the caller frees with free(). */
    char *out = strdup(json);
    g_free(json);
    return out;
}
