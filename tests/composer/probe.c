/* probe — renders a template with text that templates cannot give, for the composer tests
 * (tests/test_composer.py compiles it against the library beside build/yinfa).
 *
 *   probe TEMPLATE.xml [--text N:TEXT] [-o OUT.pdf] [--dump FILE|-]
 *
 * --text replaces block N's text (0-based) as it is, past the bind stage's white-space rules. The
 * template is bound as a draft. Fonts: fonts/yinfa-roles.conf of the source tree and
 * $YINFA_FONTS_CONF. Exit status 0, or 1 with messages. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static void usage(const char *why)
{
    fprintf(stderr, "probe: %s\n", why);
    exit(2);
}

/* N:TEXT */
static void set_text(yf_document *doc, const char *arg)
{
    char *colon;
    long n = strtol(arg, &colon, 10);
    if (*colon != ':' || n < 0 || n >= (long)doc->blocks->len)
        usage("--text N:TEXT, N a block of the template");
    yf_block *b = &g_array_index(doc->blocks, yf_block, n);
    g_free(b->text);
    b->text = g_strdup(colon + 1);
}

static int fail(yf_diags *d)
{
    yf_diags_print(d, stderr);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc % 2)
        usage("probe TEMPLATE.xml [OPTION VALUE]…");
    yf_diags *d = yf_diags_new();
    char *roles = g_build_filename(SOURCE_ROOT, "fonts", "yinfa-roles.conf", NULL);
    yf_context *ctx = yf_context_new(roles, getenv("YINFA_FONTS_CONF"), d);
    yf_template *t = ctx ? yf_template_load(ctx, argv[1], d) : NULL;
    yf_document *doc = t ? yf_document_bind(t, NULL, YF_BIND_DRAFT, d) : NULL;
    if (!doc)
        return fail(d);
    const char *pdf = NULL, *dump = NULL;
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *opt = argv[i], *arg = argv[i + 1];
        if (strcmp(opt, "-o") == 0)
            pdf = arg;
        else if (strcmp(opt, "--dump") == 0)
            dump = arg;
        else if (strcmp(opt, "--text") == 0)
            set_text(doc, arg);
        else
            usage(opt);
    }
    yf_layout *L = yf_layout_new(ctx, doc, d);
    if (!L || (pdf && yf_layout_write_pdf(L, pdf, d) != 0))
        return fail(d);
    if (dump) {
        char *text = yf_layout_dump(L);
        FILE *f = strcmp(dump, "-") == 0 ? stdout : fopen(dump, "w");
        if (!f)
            usage(dump);
        fputs(text, f);
        if (f != stdout)
            fclose(f);
        free(text);
    }
    yf_layout_free(L);
    yf_document_free(doc);
    yf_template_free(t);
    yf_context_free(ctx);
    g_free(roles);
    yf_diags_free(d);
    return 0;
}
