/* Fuzz target: mixed-script text through a whole composition. Each input byte picks a character
 * from a small alphabet — Han, Chinese punctuation, Arabic, Hebrew, Latin letters and digits,
 * spaces, the bidi controls of UAX #9 (embeddings, overrides, isolates, marks), combining marks
 * and line breaks — so that every mix of directions, levels and clusters reaches the composer as
 * slot values of a title, a heading, a paragraph and a table cell (balanced, justified, centred
 * and narrow lines). Arabic and Hebrew are shaped with a real face (DejaVu Sans, added to the test
 * fonts), the document laid out with a budget of 3 pages and written as a PDF to memory. */
#include "fuzz.h"

static yf_context *ctx;
static const char *tpl;

static const char TEMPLATE[] =
    "<template version=\"1\" extends=\"../common/gbt9704.xml\">\n"
    "  <slots><slot name=\"a\" example=\"x\"/><slot name=\"b\" example=\"x\"/></slots>\n"
    "  <body>\n"
    "    <title><v name=\"a\"/></title>\n"
    "    <h1><v name=\"b\"/></h1>\n"
    "    <p><v name=\"a\"/>关于<v name=\"b\"/>的通知</p>\n"
    "    <table widths=\"30mm 1\"><tr><td><v name=\"b\"/></td><td><v name=\"a\"/></td></tr></table>\n"
    "  </body>\n"
    "</template>\n";

/* What a byte stands for; the low bits pick inside a group. */
static const unsigned ALPHABET[] = {
    0x4E2D, 0x6587, 0x5DE5, 0x4F1A, 0x5173, 0x4E8E, 0x901A, 0x77E5,     /* Han */
    0xFF0C, 0x3002, 0x3001, 0x300A, 0x300B, 0x201C, 0x201D, 0x2014,     /* ，。、《》“”— */
    0x0645, 0x062D, 0x0645, 0x062F, 0x0639, 0x0644, 0x064A, 0x0627,     /* Arabic */
    0x0626, 0x06C7, 0x06BE, 0x06D5, 0x0661, 0x0662, 0x060C, 0x061F,     /* Uyghur, Arabic digits */
    0x05D3, 0x05D5, 0x05D3, 0x05DB, 0x05D4, 0x05DF, 0x05E9, 0x05BE,     /* Hebrew */
    'a', 'b', 'Z', '1', '2', '.', '/', ':',                             /* Latin, digits, URL */
    ' ', ' ', 0x3000, '\n', '(', ')', '[', ']',                         /* spaces, breaks */
    0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068,     /* bidi controls */
    0x2069, 0x200E, 0x200F, 0x061C, 0x0301, 0x064B, 0x05B0, 0x0651,     /* marks, combining */
    0x2026, 0x00B7, 0x3014, 0x3015, 0xFF08, 0xFF09, 0xFB01, 0x1F600,    /* …·〔〕（）ﬁ emoji */
};
#define NALPHA (sizeof ALPHABET / sizeof *ALPHABET)

/* The text as a JSON string, every character escaped (surrogate pairs beyond the BMP). */
static void json_string(FILE *f, const uint8_t *bytes, size_t len)
{
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned c = ALPHABET[bytes[i] % NALPHA];
        if (c > 0xFFFF)
            fprintf(f, "\\u%04X\\u%04X", 0xD800 + ((c - 0x10000) >> 10),
                    0xDC00 + ((c - 0x10000) & 0x3FF));
        else
            fprintf(f, "\\u%04X", c);
    }
    fputc('"', f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    tpl = fuzz_template_path();
    fuzz_write(tpl, TEMPLATE, sizeof TEMPLATE - 1);
    char conf[300];
    snprintf(conf, sizeof conf, "%s.fonts.conf", tpl);
    FILE *f = fopen(conf, "w");
    if (!f)
        abort();
    fprintf(f, "<?xml version=\"1.0\"?>\n<fontconfig>\n"
               "  <include>%s/tests/fonts.conf</include>\n"
               "  <dir>/usr/share/fonts/truetype/dejavu</dir>\n</fontconfig>\n", YF_SOURCE_DIR);
    fclose(f);
    yf_diags *d = yf_diags_new();
    ctx = yf_context_new(YF_SOURCE_DIR "/fonts/yinfa-roles.conf", conf, d);
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
    if (len > 4096)
        return 0;
    size_t half = len / 2;
    char *json = NULL;
    size_t jlen = 0;
    FILE *f = open_memstream(&json, &jlen);
    fputs("{\"a\":", f);
    json_string(f, bytes, half);
    fputs(",\"b\":", f);
    json_string(f, bytes + half, len - half);
    fputs("}", f);
    fclose(f);

    yf_diags *d = yf_diags_new();
    yf_template *t = yf_template_load(ctx, tpl, d);
    if (!t) {
        yf_diags_print(d, stderr);
        abort(); /* the template is the target's own */
    }
    yf_data *data = yf_data_parse_json("data.json", json, jlen, d);
    yf_document *doc = data ? yf_document_bind(t, data, 0, d) : NULL;
    fuzz_lay_out(ctx, doc, d);
    yf_data_free(data);
    yf_template_free(t);
    fuzz_read_diags(d);
    yf_diags_free(d);
    free(json);
    return 0;
}
