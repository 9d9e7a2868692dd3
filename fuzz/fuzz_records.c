/* Fuzz target: batch records in every format. The first byte chooses how the rest is read — 'c'
 * as a CSV file, anything else as JSON Lines or a JSON array (chosen by the content, as `yinfa
 * batch` does) — and every record is taken through the data checks and bound against
 * fuzz/data-template.xml, like a document of a batch: the array splitter, the CSV header and rows,
 * the record lines, and render's value checks behind them. */
#include "fuzz.h"

static yf_template *tpl;
static char csv_path[64], json_path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    yf_diags *d = yf_diags_new();
    tpl = yf_template_load(NULL, YF_SOURCE_DIR "/fuzz/data-template.xml", d);
    if (!tpl) {
        yf_diags_print(d, stderr);
        abort();
    }
    yf_diags_free(d);
    /* The records go into the private folder of fuzz_template_path(). */
    snprintf(csv_path, sizeof csv_path, "%s", fuzz_template_path());
    strcpy(strrchr(csv_path, '/'), "/records.csv");
    snprintf(json_path, sizeof json_path, "%s", csv_path);
    strcpy(strrchr(json_path, '.'), ".jsonl");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t len)
{
    if (len == 0)
        return 0;
    const char *path = bytes[0] == 'c' ? csv_path : json_path;
    fuzz_write(path, bytes + 1, len - 1);
    yf_diags *d = yf_diags_new();
    yf_records *rs = yf_records_load(path, d);
    size_t n = rs ? yf_records_count(rs) : 0;
    for (size_t i = 0; i < n && i < 64; i++) {
        (void)yf_records_line(rs, i);
        yf_data *data = yf_records_get(rs, i, d);
        if (data) {
            yf_document *doc = yf_document_bind(tpl, data, 0, d);
            if (doc)
                free(yf_document_text(doc));
            yf_document_free(doc);
            free(yf_data_text(data, "文本"));
        }
        yf_data_free(data);
    }
    yf_records_free(rs);
    fuzz_read_diags(d);
    yf_diags_free(d);
    return 0;
}
