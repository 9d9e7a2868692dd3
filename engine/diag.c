/* Diagnostics: the list every stage appends its problems to.
 *
 * A diagnostic is one line in the form compilers use, so editors and scripts can jump to it:
 *   FILE:LINE:COLUMN: error: message       (template problems)
 *   FILE: error: $.path: message           (data problems carry the JSON path in the message)
 * The library never prints; the caller decides where the lines go. */
#include "internal.h"

#include <stdarg.h>

typedef struct {
    yf_severity sev;
    char *text;
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
    g_free(((yf_diag *)p)->text);
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

void yf_diag_add(yf_diags *d, yf_severity sev, const char *file, int line, int col,
                 const char *fmt, ...)
{
    if (!d)
        return;
    if (sev == YF_ERROR)
        d->errors++;
    if (d->items->len >= YF_DIAGS_MAX) {
        /* The last entry stands for every message left out. */
        yf_severity worst = sev;
        if (d->dropped++ > 0) {
            worst = MAX(worst, g_array_index(d->items, yf_diag, d->items->len - 1).sev);
            g_array_remove_index(d->items, d->items->len - 1);
        }
        yf_diag more = { worst, g_strdup_printf("%s: 另有 %zu 条信息未列出",
                                                worst == YF_ERROR ? "error" : "warning",
                                                d->dropped) };
        g_array_append_val(d->items, more);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);

    GString *s = g_string_new(NULL);
    if (file) {
        g_string_append(s, file);
        if (line > 0)
            g_string_append_printf(s, ":%d", line);
        if (line > 0 && col > 0)
            g_string_append_printf(s, ":%d", col);
        g_string_append(s, ": ");
    }
    g_string_append(s, sev == YF_ERROR ? "error: " : "warning: ");
    g_string_append(s, msg);
    g_free(msg);

    yf_diag item = { sev, g_string_free(s, FALSE) };
    g_array_append_val(d->items, item);
}

size_t yf_diags_count(const yf_diags *d) { return d ? d->items->len : 0; }
size_t yf_diags_errors(const yf_diags *d) { return d ? d->errors : 0; }

yf_severity yf_diags_severity(const yf_diags *d, size_t i)
{
    return g_array_index(d->items, yf_diag, i).sev;
}

const char *yf_diags_message(const yf_diags *d, size_t i)
{
    return g_array_index(d->items, yf_diag, i).text;
}

void yf_diags_print(const yf_diags *d, FILE *out)
{
    for (size_t i = 0; i < yf_diags_count(d); i++)
        fprintf(out, "%s\n", yf_diags_message(d, i));
}
