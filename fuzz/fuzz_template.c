/* Fuzz target: template bytes -> yf_template_load (libxml2, both checking passes, includes, the
 * RELAX NG grammar), then what needs no fonts: the slots skeleton, the declarations, and a draft
 * bind to text (loops, conditions, formatters, the bind limits). */
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t len)
{
    const char *path = fuzz_template_path();
    fuzz_write(path, bytes, len);
    yf_diags *d = yf_diags_new();
    yf_template *t = yf_template_load(NULL, path, d);
    if (t) {
        free(yf_template_skeleton_json(t));
        free(yf_template_declarations_json(t));
        yf_document *doc = yf_document_bind(t, NULL, YF_BIND_DRAFT, d);
        if (doc)
            free(yf_document_text(doc));
        yf_document_free(doc);
    }
    yf_template_free(t);
    fuzz_read_diags(d);
    yf_diags_free(d);
    return 0;
}
