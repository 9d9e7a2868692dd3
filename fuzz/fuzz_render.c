/* Fuzz target: a whole render. The input is a template, a NUL byte, and JSON data (no NUL: a
 * draft); the document is bound, laid out with a budget of 3 pages — the composer and the
 * paginator on any text — and written as a PDF to memory, and as the text dump. */
#include "fuzz.h"

static yf_context *ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    yf_diags *d = yf_diags_new();
    ctx = yf_context_new(YF_SOURCE_DIR "/fonts/yinfa-roles.conf",
                         YF_SOURCE_DIR "/tests/fonts.conf", d);
    if (!ctx) {
        yf_diags_print(d, stderr);
        abort();
    }
    yf_diags_free(d);
    yf_context_set_max_pages(ctx, 3);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t len)
{
    const uint8_t *nul = memchr(bytes, 0, len);
    size_t tlen = nul ? (size_t)(nul - bytes) : len;
    const char *path = fuzz_template_path();
    fuzz_write(path, bytes, tlen);
    yf_diags *d = yf_diags_new();
    yf_template *t = yf_template_load(ctx, path, d);
    yf_data *data = t && nul ? yf_data_parse_json("data.json", (const char *)nul + 1,
                                                  len - tlen - 1, d) : NULL;
    yf_document *doc = t && (!nul || data) ? yf_document_bind(t, data, nul ? 0 : YF_BIND_DRAFT, d)
                                           : NULL;
    fuzz_lay_out(ctx, doc, d);
    yf_data_free(data);
    yf_template_free(t);
    fuzz_read_diags(d);
    yf_diags_free(d);
    return 0;
}
