/* Fuzz target: JSON bytes -> yf_data_parse_json (the lexical checks, json-glib), then a bind
 * against fuzz/data-template.xml, which declares a slot of every type and uses every formatter:
 * the type checks, numbers, money, dates, lists, objects and paragraphs of any data. */
#include "fuzz.h"

static yf_template *tpl;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    yf_diags *d = yf_diags_new();
    tpl = yf_template_load(NULL, YF_SOURCE_DIR "/fuzz/data-template.xml", d);
    if (!tpl) {
        yf_diags_print(d, stderr);
        abort();
    }
    yf_diags_free(d);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t len)
{
    yf_diags *d = yf_diags_new();
    yf_data *data = yf_data_parse_json("data.json", (const char *)bytes, len, d);
    if (data) {
        yf_document *doc = yf_document_bind(tpl, data, 0, d);
        if (doc)
            free(yf_document_text(doc));
        yf_document_free(doc);
        free(yf_data_text(data, "文本"));
    }
    yf_data_free(data);
    fuzz_read_diags(d);
    yf_diags_free(d);
    return 0;
}
