/* Shared by the fuzz targets (libFuzzer; `make fuzz`): the project's folders and a private
 * template collection in a temporary folder, since templates are read from files and may
 * include others. Public header only, like the CLI. */
#ifndef YINFA_FUZZ_H
#define YINFA_FUZZ_H

#include "yinfa.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Replaces the file `path` with `len` bytes. */
static inline void fuzz_write(const char *path, const void *bytes, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(bytes, 1, len, f) != len || fclose(f) != 0)
        abort();
}

static inline void fuzz_copy(const char *from, const char *to)
{
    FILE *f = fopen(from, "rb");
    if (!f)
        abort();
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    fuzz_write(to, buf, n);
}

/* DIR/t/template.xml in a fresh folder DIR that also holds the project's common base
 * (DIR/common/gbt9704.xml), so that `extends="../common/gbt9704.xml"` resolves and nothing
 * outside DIR can be included. Made once; every input overwrites the template. */
static inline const char *fuzz_template_path(void)
{
    static char path[256];
    if (*path)
        return path;
    char dir[] = "/tmp/yinfa-fuzz-XXXXXX";
    if (!mkdtemp(dir))
        abort();
    char sub[300];
    snprintf(sub, sizeof sub, "%s/t", dir);
    mkdir(sub, 0700);
    snprintf(sub, sizeof sub, "%s/common", dir);
    mkdir(sub, 0700);
    snprintf(sub, sizeof sub, "%s/common/gbt9704.xml", dir);
    fuzz_copy(YF_SOURCE_DIR "/templates/common/gbt9704.xml", sub);
    snprintf(path, sizeof path, "%s/t/template.xml", dir);
    return path;
}

/* Every message is read, as a caller would print it. */
static inline void fuzz_read_diags(const yf_diags *d)
{
    size_t total = 0;
    for (size_t i = 0; i < yf_diags_count(d); i++)
        total += strlen(yf_diags_message(d, i));
    (void)total;
}

/* Lays `doc` out and writes it as a PDF and a dump, as `render` would, freeing the document;
 * what goes wrong is in `d`. */
static inline void fuzz_lay_out(yf_context *ctx, yf_document *doc, yf_diags *d)
{
    yf_layout *layout = doc ? yf_layout_new(ctx, doc, d) : NULL;
    if (layout) {
        size_t n = 0;
        free(yf_layout_write_pdf_mem(layout, &n, d));
        free(yf_layout_dump(layout));
    }
    yf_layout_free(layout);
    yf_document_free(doc);
}

#endif
