/* A test of the public API (include/yinfa.h), in the manner of cmark's api_test: every function
 * called the way a program embedding the library calls it — ownership and NULL rules, the error
 * paths, the multi-document PDF, output in memory, and several contexts rendering at once on
 * several threads (the header's "Threads" contract).
 *
 *   api_test ROOT OUT [threads]
 *
 * ROOT is the source tree (templates, fonts/yinfa-roles.conf, tests/fonts.conf); OUT an empty
 * folder for the files written (tests/test_api.py looks at some of them afterwards). With
 * `threads`, only the threaded part runs (`make tsan`). Prints one line per check, "ok" or "FAIL",
 * and exits 1 when any failed. Uses the public header only. */
#define _GNU_SOURCE
#include "yinfa.h"

#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The date every PDF here is made with (2023-11-14T22:13:20Z): the same input then gives the same
 * bytes. Not the SOURCE_DATE_EPOCH of tests/run.sh: the library must not read that. */
#define FIXED_DATE 1700000000LL

static int checks, failures;
static const char *root, *out;

static void check(int ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    checks++;
    if (!ok)
        failures++;
    fputs(ok ? "ok   " : "FAIL ", stdout);
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
}

#define OK(cond, ...) check((cond) != 0, __VA_ARGS__)

static char *path_of(const char *dir, const char *rel)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, rel) < 0)
        abort();
    return p;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Entries of `dir` besides . and .. */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return n;
}

static int has_message(const yf_diags *d, const char *part)
{
    for (size_t i = 0; i < yf_diags_count(d); i++)
        if (strstr(yf_diags_message(d, i), part))
            return 1;
    return 0;
}

static int starts(const unsigned char *bytes, size_t len, const char *magic, size_t n)
{
    return bytes && len >= n && memcmp(bytes, magic, n) == 0;
}

static yf_context *new_context(yf_diags *d)
{
    char *roles = path_of(root, "fonts/yinfa-roles.conf");
    char *fonts = path_of(root, "tests/fonts.conf");
    yf_context *ctx = yf_context_new(roles, fonts, d);
    free(roles);
    free(fonts);
    if (ctx)
        yf_context_set_creation_date(ctx, FIXED_DATE);
    return ctx;
}

/* The template.xml of folder `dir` (below the source tree) with its data.json, laid out with `ctx`;
 * NULL when a stage fails. */
static yf_layout *lay_out(yf_context *ctx, const char *dir, yf_diags *d)
{
    char *tpath = NULL, *dpath = NULL;
    if (asprintf(&tpath, "%s/%s/template.xml", root, dir) < 0 ||
        asprintf(&dpath, "%s/%s/data.json", root, dir) < 0)
        abort();
    yf_template *t = yf_template_load(ctx, tpath, d);
    yf_data *data = yf_data_load_json(dpath, d);
    yf_document *doc = t && data ? yf_document_bind(t, data, 0, d) : NULL;
    /* A document does not need its template or data once bound. */
    yf_template_free(t);
    yf_data_free(data);
    yf_layout *L = doc ? yf_layout_new(ctx, doc, d) : NULL;
    yf_document_free(doc);
    free(tpath);
    free(dpath);
    return L;
}

/* ---- ownership and NULL --------------------------------------------------------------------- */

static void test_free_null(void)
{
    yf_diags_free(NULL);
    yf_context_free(NULL);
    yf_template_free(NULL);
    yf_data_free(NULL);
    yf_records_free(NULL);
    yf_document_free(NULL);
    yf_layout_free(NULL);
    yf_pdf_abort(NULL);
    OK(1, "every _free and yf_pdf_abort accept NULL");
    OK(strcmp(YF_VERSION, "") != 0, "YF_VERSION is %s", YF_VERSION);
}

/* ---- diagnostics and context ---------------------------------------------------------------- */

static void test_diags_and_context(void)
{
    yf_diags *d = yf_diags_new();
    OK(d && yf_diags_count(d) == 0 && yf_diags_errors(d) == 0, "a new list is empty");
    yf_context *none = yf_context_new(NULL, NULL, d);
    OK(!none && yf_diags_errors(d) == 1, "a context without a roles file is an error");
    OK(yf_diags_severity(d, 0) == YF_ERROR && strstr(yf_diags_message(d, 0), "error: "),
       "the error says so: %s", yf_diags_message(d, 0));
    char *missing = path_of(out, "no-such-fonts.conf");
    char *roles = path_of(root, "fonts/yinfa-roles.conf");
    none = yf_context_new(roles, missing, d);
    OK(!none && has_message(d, missing), "a missing fonts.conf is named in the error");
    free(missing);
    free(roles);

    char *printed = NULL;
    size_t plen = 0;
    FILE *f = open_memstream(&printed, &plen);
    yf_diags_print(d, f);
    fclose(f);
    OK(printed && strchr(printed, '\n') && strstr(printed, yf_diags_message(d, 0)),
       "yf_diags_print writes a line per diagnostic");
    free(printed);
    yf_diags_free(d);

    d = yf_diags_new();
    yf_context *ctx = new_context(d);
    OK(ctx && yf_diags_errors(d) == 0, "a context with the project's fonts");
    for (size_t i = 0; i < yf_diags_count(d); i++)
        OK(yf_diags_severity(d, i) == YF_WARNING, "context: only warnings: %s",
           yf_diags_message(d, i));
    char *fonts = ctx ? yf_context_describe_fonts(ctx) : NULL;
    OK(fonts && strstr(fonts, "仿宋\t") && strstr(fonts, "小标宋\t"),
       "yf_context_describe_fonts names every role");
    free(fonts);
    yf_context_free(ctx);
    yf_diags_free(d);
}

/* ---- template, data, records, bind ---------------------------------------------------------- */

static void test_template_and_data(yf_context *ctx)
{
    yf_diags *d = yf_diags_new();
    char *nowhere = path_of(out, "missing/template.xml");
    OK(!yf_template_load(ctx, nowhere, d) && yf_diags_errors(d) > 0 && has_message(d, nowhere),
       "a missing template is an error naming it");
    free(nowhere);
    yf_diags_free(d);

    d = yf_diags_new();
    char *broken = path_of(out, "broken.xml");
    FILE *f = fopen(broken, "w");
    fputs("<template><body><p>未闭合</body></template>", f);
    fclose(f);
    OK(!yf_template_load(ctx, broken, d) && has_message(d, "broken.xml:1:"),
       "a malformed template: an error with its line");
    OK(!yf_template_load(NULL, broken, d), "the same without a context");
    unlink(broken);
    free(broken);
    yf_diags_free(d);

    d = yf_diags_new();
    char *tpath = path_of(root, "templates/letter/template.xml");
    yf_template *t = yf_template_load(ctx, tpath, d);
    OK(t && yf_diags_errors(d) == 0, "the letter template loads");
    yf_template *t2 = yf_template_load(NULL, tpath, d);
    OK(t2 != NULL, "a template loads without a context (default limits)");
    yf_template_free(t2);
    OK(t && yf_template_name(t) && *yf_template_name(t), "yf_template_name: %s",
       t ? yf_template_name(t) : "");
    /* The letter extends templates/common/gbt9704.xml: both are among the files it read. */
    size_t nfiles = yf_template_file_count(t);
    OK(nfiles >= 2 && strstr(yf_template_file(t, 0), "letter/template.xml") &&
           yf_template_file(t, nfiles) == NULL && yf_template_file(NULL, 0) == NULL,
       "yf_template_file: %zu files, the template first", nfiles);
    int has_base = 0;
    for (size_t i = 0; i < nfiles; i++)
        has_base |= strstr(yf_template_file(t, i), "common/gbt9704.xml") != NULL;
    OK(has_base, "yf_template_file lists the base template it extends");
    char *skeleton = t ? yf_template_skeleton_json(t) : NULL;
    char *decl = t ? yf_template_declarations_json(t) : NULL;
    OK(skeleton && skeleton[0] == '{', "yf_template_skeleton_json is an object");
    OK(decl && (decl[0] == '{' || decl[0] == '['), "yf_template_declarations_json is JSON");

    /* The skeleton is data for the template: it binds (in draft, its examples fill it). */
    yf_data *sk = skeleton ? yf_data_parse_json("skeleton.json", skeleton, strlen(skeleton), d) : NULL;
    OK(sk != NULL, "the skeleton parses as data");
    yf_document *doc = sk ? yf_document_bind(t, sk, YF_BIND_DRAFT, d) : NULL;
    OK(doc != NULL, "the skeleton binds");
    char *text = doc ? yf_document_text(doc) : NULL;
    OK(text && strstr(text, "p: "), "yf_document_text lists the blocks");
    free(text);
    yf_document_free(doc);
    yf_data_free(sk);
    free(skeleton);
    free(decl);

    /* Bad JSON: an error with the place, no data. */
    yf_diags *bad = yf_diags_new();
    static const char broken_json[] = "{\"标题\": \"未完";
    OK(!yf_data_parse_json("bad.json", broken_json, sizeof broken_json - 1, bad) &&
       has_message(bad, "bad.json"), "bad JSON is an error naming the data");
    OK(!yf_data_load_json("/nonexistent/data.json", bad) && yf_diags_errors(bad) == 2,
       "a missing data file is an error");
    yf_diags_free(bad);

    /* Without data: only a draft binds a template that has slots. */
    bad = yf_diags_new();
    OK(!yf_document_bind(t, NULL, 0, bad) && yf_diags_errors(bad) > 0,
       "no data and no draft: an error");
    doc = yf_document_bind(t, NULL, YF_BIND_DRAFT, bad);
    OK(doc != NULL, "no data, draft: the placeholders");
    yf_document_free(doc);
    yf_diags_free(bad);

    static const char json[] = "{\"单位\": {\"名称\": \"某市人民政府\"}, \"期号\": 7, \"列\": [1]}";
    yf_data *data = yf_data_parse_json("mem.json", json, sizeof json - 1, d);
    char *name = data ? yf_data_text(data, "单位.名称") : NULL;
    char *number = data ? yf_data_text(data, "期号") : NULL;
    OK(name && strcmp(name, "某市人民政府") == 0, "yf_data_text of a dotted path");
    OK(number && strcmp(number, "7") == 0, "yf_data_text of a number: %s", number ? number : "");
    OK(data && !yf_data_text(data, "列") && !yf_data_text(data, "无此项"),
       "yf_data_text of a list or of nothing is NULL");
    free(name);
    free(number);
    yf_data_free(data);

    /* Records: a JSON array of two copies of the letter's data. */
    char *dpath = path_of(root, "templates/letter/data.json");
    char *one = NULL;
    size_t len = 0;
    f = fopen(dpath, "r");
    if (f) {
        one = malloc(1 << 20);
        len = fread(one, 1, (1 << 20) - 1, f);
        one[len] = '\0';
        fclose(f);
    }
    char *records = path_of(out, "records.json");
    f = fopen(records, "w");
    fprintf(f, "[%s,\n%s]\n", one ? one : "{}", one ? one : "{}");
    fclose(f);
    free(one);
    yf_records *rs = yf_records_load(records, d);
    OK(rs && yf_records_count(rs) == 2, "yf_records_load: a JSON array of two records");
    OK(rs && yf_records_line(rs, 0) == 1 && yf_records_line(rs, 1) > 1,
       "yf_records_line: where each starts");
    OK(rs && yf_records_line(rs, 2) == 0, "yf_records_line of no record is 0");
    yf_data *second = rs ? yf_records_get(rs, 1, d) : NULL;
    OK(second != NULL, "yf_records_get of the second record");
    doc = second ? yf_document_bind(t, second, 0, d) : NULL;
    OK(doc != NULL, "it binds");
    yf_document_free(doc);
    yf_data_free(second);
    bad = yf_diags_new();
    OK(rs && !yf_records_get(rs, 2, bad) && yf_diags_errors(bad) == 1 && has_message(bad, "第 3 条"),
       "a record index past the end is an error, not a read past the list");
    OK(rs && !yf_records_get(rs, (size_t)-1, bad), "nor is SIZE_MAX");
    yf_diags_free(bad);
    yf_records_free(rs);
    yf_records *rs2 = yf_records_open(records, NULL, NULL, d);
    OK(rs2 && yf_records_count(rs2) == 2, "yf_records_open without sheet or grouping");
    yf_records_free(rs2);
    bad = yf_diags_new();
    OK(!yf_records_open(records, "表一", NULL, bad) && yf_diags_errors(bad) > 0,
       "a sheet of a file that is not a workbook is an error");
    OK(!yf_records_load("/nonexistent/records.jsonl", bad), "missing records: an error");
    yf_diags_free(bad);
    unlink(records);
    free(records);
    free(dpath);

    yf_template_free(t);
    free(tpath);
    OK(yf_diags_errors(d) == 0, "no unexpected error in this part");
    yf_diags_print(d, stdout);
    yf_diags_free(d);
}

/* ---- limits --------------------------------------------------------------------------------- */

static void test_max_pages(void)
{
    yf_diags *d = yf_diags_new();
    yf_context *ctx = new_context(d);
    yf_context_set_max_pages(ctx, 1);
    yf_layout *L = lay_out(ctx, "templates/speech", d);
    OK(!L && yf_diags_errors(d) > 0, "a 3-page speech with a 1-page limit is refused");
    yf_layout_free(L);
    yf_context_free(ctx);
    yf_diags_free(d);
}

/* Pages counted after pagination, not only estimated at bind: a limit the text's estimate stays
 * under but the real pages pass is still an error, naming the limit. */
static void test_max_pages_real(void)
{
    yf_diags *d = yf_diags_new();
    yf_context *ctx = new_context(d);
    yf_context_set_max_pages(ctx, 2);
    char *tpath = path_of(root, "templates/speech/template.xml");
    char *dpath = path_of(root, "templates/speech/data.json");
    yf_template *t = yf_template_load(ctx, tpath, d);
    yf_data *data = yf_data_load_json(dpath, d);
    yf_document *doc = t && data ? yf_document_bind(t, data, 0, d) : NULL;
    OK(doc != NULL, "the 3-page speech passes bind's estimate under a 2-page limit");
    size_t before = yf_diags_errors(d);
    yf_layout *L = doc ? yf_layout_new(ctx, doc, d) : NULL;
    OK(!L && yf_diags_errors(d) == before + 1 && has_message(d, "超过 2 页的上限"),
       "but its layout is refused, the error names the limit");
    OK(yf_diags_count(d) > 0 && strcmp(yf_diags_code(d, yf_diags_count(d) - 1), "bind.limit") == 0,
       "code bind.limit");
    yf_document_free(doc);
    /* The context's limit holds at layout also for a template loaded without a context. */
    yf_template_free(t);
    t = yf_template_load(NULL, tpath, d);
    doc = t && data ? yf_document_bind(t, data, 0, d) : NULL;
    before = yf_diags_errors(d);
    L = doc ? yf_layout_new(ctx, doc, d) : NULL;
    OK(doc && !L && yf_diags_errors(d) == before + 1, "a template loaded with no context: refused too");
    yf_context_set_max_pages(ctx, 3);
    L = doc ? yf_layout_new(ctx, doc, d) : NULL;
    OK(L && yf_layout_page_count(L) == 3, "with a 3-page limit the 3 pages are made");
    yf_layout_free(L);
    yf_document_free(doc);
    yf_data_free(data);
    yf_template_free(t);
    free(tpath);
    free(dpath);
    yf_context_free(ctx);
    yf_diags_free(d);
}

/* ---- the argument contract: NULL objects, NULL diags, indexes out of range -------------------- */

/* The last diagnostic's code is api.argument. */
static int refused(yf_diags *d, size_t errors_before)
{
    size_t n = yf_diags_count(d);
    return yf_diags_errors(d) == errors_before + 1 && n > 0 &&
           strcmp(yf_diags_code(d, n - 1), "api.argument") == 0;
}

static void test_null_arguments(yf_context *ctx)
{
    yf_diags *d = yf_diags_new();
    size_t n = 7;
    char *where = path_of(out, "null-arg.pdf");
    size_t e;
#define REFUSED(expr, fail, what)                                                              \
    e = yf_diags_errors(d);                                                                    \
    OK((expr) == (fail) && refused(d, e), "%s: failure value and an api.argument error", what)
    REFUSED(yf_template_load(ctx, NULL, d), NULL, "yf_template_load(path NULL)");
    REFUSED(yf_data_load_json(NULL, d), NULL, "yf_data_load_json(NULL)");
    REFUSED(yf_data_parse_json(NULL, "{}", 2, d), NULL, "yf_data_parse_json(name NULL)");
    REFUSED(yf_data_parse_json("x", NULL, 5, d), NULL, "yf_data_parse_json(json NULL)");
    REFUSED(yf_records_load(NULL, d), NULL, "yf_records_load(NULL)");
    REFUSED(yf_records_open(NULL, NULL, NULL, d), NULL, "yf_records_open(NULL)");
    REFUSED(yf_records_get(NULL, 0, d), NULL, "yf_records_get(NULL)");
    REFUSED(yf_document_bind(NULL, NULL, YF_BIND_DRAFT, d), NULL, "yf_document_bind(template NULL)");
    REFUSED(yf_layout_new(NULL, NULL, d), NULL, "yf_layout_new(ctx NULL)");
    REFUSED(yf_layout_new(ctx, NULL, d), NULL, "yf_layout_new(doc NULL)");
    REFUSED(yf_layout_write_pdf(NULL, where, d), -1, "yf_layout_write_pdf(NULL)");
    REFUSED(yf_layout_write_pdf_mem(NULL, &n, d), NULL, "yf_layout_write_pdf_mem(NULL)");
    REFUSED(yf_layout_write_png(NULL, 1, 72, where, d), -1, "yf_layout_write_png(NULL)");
    REFUSED(yf_layout_write_png_mem(NULL, 1, 72, &n, d), NULL, "yf_layout_write_png_mem(NULL)");
    REFUSED(yf_layout_write_ofd(NULL, where, d), -1, "yf_layout_write_ofd(NULL)");
    REFUSED(yf_document_write_docx(NULL, NULL, where, d), -1, "yf_document_write_docx(NULL)");
    REFUSED(yf_document_write_docx_mem(NULL, NULL, &n, d), NULL, "yf_document_write_docx_mem(NULL)");
    REFUSED(yf_pdf_open(NULL, d), NULL, "yf_pdf_open(NULL)");
    REFUSED(yf_pdf_add(NULL, NULL, 0, NULL, d), -1, "yf_pdf_add(NULL)");
    REFUSED(yf_pdf_close(NULL, NULL, NULL, d), -1, "yf_pdf_close(NULL)");
#undef REFUSED
    OK(n == 7 && !exists(where), "nothing written, no length set");
    OK(has_message(d, "不能为 NULL"), "the error says the argument may not be NULL: %s",
       yf_diags_count(d) ? yf_diags_message(d, yf_diags_count(d) - 1) : "");

    /* No diags to report into: the failure value alone. */
    yf_pdf_reserve(NULL, NULL);
    yf_context_set_max_pages(NULL, 5);
    yf_context_set_creation_date(NULL, 0);
    yf_diags_append(NULL, YF_ERROR, "x", NULL, "x");
    yf_diags_print(NULL, stdout);
    OK(yf_layout_page_count(NULL) == -1 && yf_pdf_page_count(NULL) == -1 &&
       yf_records_count(NULL) == 0 && yf_records_line(NULL, 0) == 0,
       "counts of NULL: -1 pages, 0 records");
    OK(!yf_layout_dump(NULL) && !yf_document_text(NULL) && !yf_template_name(NULL) &&
       !yf_template_skeleton_json(NULL) && !yf_template_declarations_json(NULL) &&
       !yf_data_text(NULL, "a") && !yf_context_describe_fonts(NULL) && !yf_diags_json(NULL),
       "accessors of NULL: NULL");
    OK(yf_diags_count(NULL) == 0 && yf_diags_errors(NULL) == 0, "a NULL list counts 0");

    /* Diagnostics by an index past the end, or of no list. */
    size_t past = yf_diags_count(d);
    OK(!yf_diags_message(d, past) && !yf_diags_code(d, past) && !yf_diags_file(d, past) &&
       !yf_diags_path(d, past) && !yf_diags_slot(d, past) && !yf_diags_text(d, past) &&
       yf_diags_line(d, past) == 0 && yf_diags_column(d, past) == 0 &&
       yf_diags_severity(d, past) == 0 && !yf_diags_message(d, (size_t)-1),
       "every yf_diags_ accessor past the end: NULL or 0");
    OK(!yf_diags_message(NULL, 0) && !yf_diags_code(NULL, 0) && yf_diags_severity(NULL, 0) == 0,
       "and of a NULL list");
    free(where);
    yf_diags_free(d);
}

/* With diags NULL a failure is still a failure: the entry point runs on a list of its own. */
static void test_null_diags(yf_context *ctx)
{
    char *missing = path_of(out, "missing/x.xml");
    OK(!yf_template_load(ctx, missing, NULL), "a missing template with diags NULL: NULL");
    OK(!yf_data_load_json(missing, NULL), "missing data with diags NULL: NULL");
    OK(!yf_data_parse_json("x", "{", 1, NULL), "bad JSON with diags NULL: NULL");
    OK(!yf_records_load(missing, NULL), "missing records with diags NULL: NULL");
    OK(!yf_context_new(NULL, NULL, NULL), "a context without roles with diags NULL: NULL");
    char *tpath = path_of(root, "templates/speech/template.xml");
    yf_template *t = yf_template_load(ctx, tpath, NULL);
    OK(t != NULL, "a good template with diags NULL loads");
    OK(t && !yf_document_bind(t, NULL, 0, NULL), "bind without data, not draft, diags NULL: NULL");
    yf_document *doc = t ? yf_document_bind(t, NULL, YF_BIND_DRAFT, NULL) : NULL;
    yf_layout *L = doc ? yf_layout_new(ctx, doc, NULL) : NULL;
    OK(L != NULL, "a draft binds and lays out with diags NULL");
    unsigned char *pdf = L ? yf_layout_write_pdf_mem(L, NULL, NULL) : NULL;
    OK(pdf && memcmp(pdf, "%PDF-", 5) == 0, "yf_layout_write_pdf_mem with len NULL: the PDF");
    free(pdf);
    unsigned char *png = L ? yf_layout_write_png_mem(L, 1, 20, NULL, NULL) : NULL;
    OK(png != NULL, "yf_layout_write_png_mem with len NULL");
    free(png);
    OK(L && !yf_layout_write_png_mem(L, 99, 72, NULL, NULL), "page 99 with diags NULL: NULL");
    unsigned char *docx = L ? yf_document_write_docx_mem(doc, L, NULL, NULL) : NULL;
    OK(docx != NULL, "yf_document_write_docx_mem with len NULL");
    free(docx);
    char *dpath = path_of(root, "templates/speech/data.json");
    yf_data *data = yf_data_load_json(dpath, NULL);
    yf_document *full = t && data ? yf_document_bind(t, data, 0, NULL) : NULL;
    yf_context_set_max_pages(ctx, 2);
    yf_layout *over = full ? yf_layout_new(ctx, full, NULL) : NULL;
    OK(full && !over, "a 3-page layout over a 2-page limit with diags NULL: NULL");
    yf_context_set_max_pages(ctx, YF_DEFAULT_MAX_PAGES);
    yf_layout_free(over);
    yf_document_free(full);
    yf_data_free(data);
    free(dpath);
    yf_layout_free(L);
    yf_document_free(doc);
    yf_template_free(t);
    free(tpath);
    free(missing);
}

/* ---- output --------------------------------------------------------------------------------- */

static void test_output(yf_context *ctx)
{
    yf_diags *d = yf_diags_new();
    yf_layout *speech = lay_out(ctx, "templates/speech", d);
    yf_layout *letter = lay_out(ctx, "templates/letter", d);
    OK(speech && yf_layout_page_count(speech) == 3, "the speech: 3 pages");
    OK(letter && yf_layout_page_count(letter) == 1, "the letter: 1 page");
    /* The letter's seal (common/seal.svg, named by its data) is a file the layout read. */
    size_t images = yf_layout_file_count(letter);
    int seal = 0;
    for (size_t i = 0; i < images; i++)
        seal |= strstr(yf_layout_file(letter, i), "seal.svg") != NULL;
    OK(seal && yf_layout_file(letter, images) == NULL && yf_layout_file(NULL, 0) == NULL,
       "yf_layout_file: the letter read %zu images, its seal among them", images);
    if (!speech || !letter) {
        yf_diags_print(d, stdout);
        yf_layout_free(speech);
        yf_layout_free(letter);
        yf_diags_free(d);
        return;
    }
    char *dump = yf_layout_dump(speech);
    OK(dump && strlen(dump) > 100, "yf_layout_dump");
    free(dump);

    char *pdf = path_of(out, "speech.pdf");
    OK(yf_layout_write_pdf(speech, pdf, d) == 0 && exists(pdf), "yf_layout_write_pdf");
    free(pdf);
    /* The date unset again: the file's own time, whatever the environment says. */
    yf_context_set_creation_date(ctx, -5);
    char *undated = path_of(out, "undated.pdf");
    OK(yf_layout_write_pdf(letter, undated, d) == 0, "a PDF without a creation date set");
    free(undated);
    yf_context_set_creation_date(ctx, FIXED_DATE);
    char *png = path_of(out, "speech-2.png");
    OK(yf_layout_write_png(speech, 2, 50, png, d) == 0 && exists(png), "yf_layout_write_png");
    free(png);

    /* Failures leave nothing behind. */
    char *empty = path_of(out, "empty");
    mkdir(empty, 0755);
    yf_diags *bad = yf_diags_new();
    char *nope = path_of(empty, "missing-folder/x.pdf");
    OK(yf_layout_write_pdf(speech, nope, bad) == -1 && yf_diags_errors(bad) == 1,
       "a PDF into a folder that does not exist: -1 and an error");
    free(nope);
    /* A folder where the file should go: the rename fails after the whole PDF is written. */
    char *folder = path_of(empty, "taken.pdf");
    mkdir(folder, 0755);
    OK(yf_layout_write_pdf(speech, folder, bad) == -1 && yf_diags_errors(bad) == 2,
       "a PDF over a folder: -1 and an error");
    OK(yf_layout_write_png(speech, 1, 50, folder, bad) == -1, "a PNG over a folder: -1");
    rmdir(folder);
    free(folder);
    char *pngpath = path_of(empty, "p.png");
    OK(yf_layout_write_png(speech, 4, 50, pngpath, bad) == -1 && !exists(pngpath),
       "a page that does not exist: -1, no file");
    OK(yf_layout_write_png(speech, 1, 5000, pngpath, bad) == -1 && !exists(pngpath),
       "a resolution out of range: -1, no file");
    free(pngpath);
    OK(entries(empty) == 0, "the failed writes left no file (no temporary either)");
    yf_diags_print(bad, stdout);
    yf_diags_free(bad);

    /* In memory. */
    size_t len = 0;
    unsigned char *bytes = yf_layout_write_pdf_mem(speech, &len, d);
    OK(starts(bytes, len, "%PDF-", 5) && len > 1000, "yf_layout_write_pdf_mem: %zu bytes", len);
    unsigned char *again = yf_layout_write_pdf_mem(speech, &len, d);
    OK(again && bytes && memcmp(again, bytes, len) == 0,
       "with a fixed creation date the same layout gives the same bytes");
    free(again);
    free(bytes);
    bytes = yf_layout_write_png_mem(speech, 1, 30, &len, d);
    OK(starts(bytes, len, "\x89PNG\r\n\x1a\n", 8), "yf_layout_write_png_mem: a PNG");
    free(bytes);
    bad = yf_diags_new();
    len = 7;
    OK(!yf_layout_write_png_mem(speech, 0, 30, &len, bad) && yf_diags_errors(bad) == 1,
       "yf_layout_write_png_mem of page 0: NULL and an error");
    yf_diags_free(bad);

    /* Several documents in one PDF: announced and added, then one added without being announced
     * (drawn from the full fonts), then one page on an odd start. */
    char *merged = path_of(out, "merged.pdf");
    yf_pdf *p = yf_pdf_open(merged, d);
    OK(p && yf_pdf_page_count(p) == 0, "yf_pdf_open");
    yf_pdf_reserve(p, speech);
    OK(yf_pdf_add(p, speech, 0, "讲话", d) == 0 && yf_pdf_page_count(p) == 3,
       "an announced document added");
    OK(yf_pdf_add(p, letter, 0, NULL, d) == 0 && yf_pdf_page_count(p) == 4,
       "a document never announced added");
    OK(yf_pdf_add(p, letter, YF_PDF_ODD_START, "函", d) == 0 && yf_pdf_page_count(p) == 5,
       "an odd start after page 4: page 5, no blank page");
    OK(yf_pdf_add(p, letter, YF_PDF_ODD_START, NULL, d) == 0 && yf_pdf_page_count(p) == 7,
       "an odd start after page 5: a blank page 6, then the letter");
    OK(!exists(merged), "the file appears only when closed");
    OK(yf_pdf_close(p, "合订", "测试", d) == 0 && exists(merged), "yf_pdf_close");
    free(merged);

    /* Unannounced from the start: no reservation at all. */
    char *plain = path_of(out, "unannounced.pdf");
    p = yf_pdf_open(plain, d);
    OK(p && yf_pdf_add(p, letter, 0, NULL, d) == 0 && yf_pdf_close(p, NULL, NULL, d) == 0,
       "a PDF with no document announced");
    free(plain);

    char *aborted = path_of(empty, "aborted.pdf");
    p = yf_pdf_open(aborted, d);
    yf_pdf_reserve(p, letter);
    yf_pdf_add(p, letter, 0, NULL, d);
    yf_pdf_abort(p);
    OK(!exists(aborted) && entries(empty) == 0, "yf_pdf_abort leaves no file");
    free(aborted);
    bad = yf_diags_new();
    char *cannot = path_of(empty, "missing-folder/merged.pdf");
    OK(!yf_pdf_open(cannot, bad) && yf_diags_errors(bad) == 1, "yf_pdf_open where it cannot write");
    free(cannot);
    yf_diags_free(bad);
    rmdir(empty);
    free(empty);

    OK(yf_diags_errors(d) == 0, "no unexpected error in this part");
    yf_diags_print(d, stdout);
    yf_layout_free(speech);
    yf_layout_free(letter);
    yf_diags_free(d);
}

/* ---- threads -------------------------------------------------------------------------------- */

#define THREADS 4
#define RENDERS 4

/* The speech, a notice with images, a letter, and a list of names sorted by strokes (the stroke
 * table is read once per process, on first use) and by pinyin, with a number in Chinese numerals
 * (ICU's spell-out rules). */
static const char *const thread_templates[] = { "templates/speech", "templates/notice",
                                                "templates/letter", "tests/api/names" };
#define NTEMPLATES (sizeof thread_templates / sizeof *thread_templates)

typedef struct {
    unsigned char *pdf;
    size_t pdf_len;
    unsigned char *png;
    size_t png_len;
    char *dump;
} result;

static void result_free(result *r)
{
    free(r->pdf);
    free(r->png);
    free(r->dump);
    memset(r, 0, sizeof *r);
}

/* Everything a server does for a request, with the thread's own context. */
static int render_with(yf_context *ctx, const char *name, result *r)
{
    yf_diags *d = yf_diags_new();
    yf_layout *L = lay_out(ctx, name, d);
    if (L) {
        r->pdf = yf_layout_write_pdf_mem(L, &r->pdf_len, d);
        r->png = yf_layout_write_png_mem(L, 1, 40, &r->png_len, d);
        r->dump = yf_layout_dump(L);
    }
    int ok = L && r->pdf && r->png && r->dump;
    if (!ok)
        yf_diags_print(d, stdout);
    yf_layout_free(L);
    yf_diags_free(d);
    return ok;
}

static result reference[NTEMPLATES];

typedef struct {
    int id, renders, failed;
    result got[8];
} worker;

static void *thread_main(void *arg)
{
    worker *w = arg;
    yf_diags *d = yf_diags_new();
    yf_context *ctx = new_context(d);
    yf_diags_free(d);
    for (int i = 0; ctx && i < w->renders; i++)
        w->failed += !render_with(ctx, thread_templates[(size_t)(w->id + i) % NTEMPLATES], &w->got[i]);
    if (!ctx)
        w->failed = w->renders;
    yf_context_free(ctx);
    return NULL;
}

static int same(const result *a, const result *b)
{
    return a->pdf && b->pdf && a->pdf_len == b->pdf_len && memcmp(a->pdf, b->pdf, a->pdf_len) == 0 &&
           a->png && b->png && a->png_len == b->png_len && memcmp(a->png, b->png, a->png_len) == 0 &&
           a->dump && b->dump && strcmp(a->dump, b->dump) == 0;
}

/* The threads start first, so that every one-time set-up (libxml2's, the stroke table's, the
 * libraries' caches) is also raced for; the single-thread reference comes after. */
static void test_threads(int renders)
{
    pthread_t tid[THREADS];
    static worker w[THREADS];
    renders = renders > 8 ? 8 : renders;
    for (int i = 0; i < THREADS; i++) {
        w[i] = (worker){ .id = i, .renders = renders };
        if (pthread_create(&tid[i], NULL, thread_main, &w[i]) != 0)
            abort();
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(tid[i], NULL);

    yf_diags *d = yf_diags_new();
    yf_context *ctx = new_context(d);
    int refs = 0;
    for (size_t k = 0; ctx && k < NTEMPLATES; k++)
        refs += render_with(ctx, thread_templates[k], &reference[k]);
    yf_context_free(ctx);
    yf_diags_free(d);
    OK(refs == (int)NTEMPLATES, "single-thread reference renders");

    for (int i = 0; i < THREADS; i++) {
        int n = 0;
        for (int r = 0; r < renders; r++) {
            n += same(&w[i].got[r], &reference[(size_t)(i + r) % NTEMPLATES]);
            result_free(&w[i].got[r]);
        }
        OK(w[i].failed == 0 && n == renders,
           "thread %d: %d renders on its own context, %d byte-identical to a single-thread render",
           i, renders, n);
    }
    for (size_t k = 0; k < NTEMPLATES; k++)
        result_free(&reference[k]);
}

/* ---- diagnostics as data, the version, the Word and OFD writers ----------------------------- */

static const char *or_none(const char *s)
{
    return s ? s : "(none)";
}

static void test_fields(yf_context *ctx)
{
    OK(strcmp(yf_version(), YF_VERSION) == 0, "yf_version() is YF_VERSION (%s)", yf_version());
    yf_diags *d = yf_diags_new();
    const char *bad = "{\n  \"标题\": ,\n}";
    OK(!yf_data_parse_json("bad.json", bad, strlen(bad), d) && yf_diags_count(d) >= 1,
       "malformed JSON data is an error");
    OK(strcmp(yf_diags_code(d, 0), "data.syntax") == 0 && strcmp(or_none(yf_diags_file(d, 0)),
       "bad.json") == 0 && yf_diags_line(d, 0) == 2 && yf_diags_column(d, 0) > 0,
       "its fields: code %s, file %s, line %d, column %d", yf_diags_code(d, 0),
       or_none(yf_diags_file(d, 0)), yf_diags_line(d, 0), yf_diags_column(d, 0));
    OK(yf_diags_text(d, 0) && strstr(yf_diags_message(d, 0), yf_diags_text(d, 0)) &&
       !strstr(yf_diags_text(d, 0), "error:"), "the text is the message without place and severity");
    yf_diags_append(d, YF_WARNING, "app.custom", "form.txt", "程序自己的提示");
    size_t last = yf_diags_count(d) - 1;
    OK(yf_diags_severity(d, last) == YF_WARNING && strcmp(yf_diags_code(d, last), "app.custom") == 0
       && strcmp(or_none(yf_diags_file(d, last)), "form.txt") == 0 &&
       strstr(yf_diags_message(d, last), "程序自己的提示") && !yf_diags_path(d, last) &&
       !yf_diags_slot(d, last) && yf_diags_line(d, last) == 0,
       "yf_diags_append: a program's own diagnostic in the same list");
    char *json = yf_diags_json(d);
    OK(json && json[0] == '[' && strstr(json, "\"code\"") && strstr(json, "data.syntax") &&
       strstr(json, "app.custom"), "yf_diags_json: every diagnostic, with its code");
    free(json);
    yf_diags_free(d);

    /* A required value missing: the slot and the JSON path as fields. */
    d = yf_diags_new();
    char *tpath = path_of(root, "templates/letter/template.xml");
    yf_template *t = yf_template_load(ctx, tpath, d);
    yf_data *empty = yf_data_parse_json("empty.json", "{}", 2, d);
    OK(t && empty && !yf_document_bind(t, empty, 0, d) && yf_diags_errors(d) > 0,
       "binding the letter to {} fails");
    int found = 0;
    for (size_t i = 0; i < yf_diags_count(d); i++)
        if (strcmp(yf_diags_code(d, i), "data.required") == 0 && yf_diags_slot(d, i) &&
            yf_diags_path(d, i) && strncmp(yf_diags_path(d, i), "$.", 2) == 0)
            found++;
    OK(found > 0, "a missing value: data.required with its slot and JSON path (%d)", found);
    yf_template_free(t);
    yf_data_free(empty);
    free(tpath);
    yf_diags_free(d);
}

static int starts_zip(const char *path)
{
    FILE *f = fopen(path, "rb");
    char head[4] = { 0 };
    int ok = f && fread(head, 1, 4, f) == 4 && memcmp(head, "PK\3\4", 4) == 0;
    if (f)
        fclose(f);
    return ok;
}

static void test_exchange_formats(yf_context *ctx)
{
    yf_diags *d = yf_diags_new();
    char *tpath = path_of(root, "templates/notice/template.xml");
    char *dpath = path_of(root, "templates/notice/data.json");
    yf_template *t = yf_template_load(ctx, tpath, d);
    yf_data *data = yf_data_load_json(dpath, d);
    yf_document *doc = t && data ? yf_document_bind(t, data, 0, d) : NULL;
    yf_layout *L = doc ? yf_layout_new(ctx, doc, d) : NULL;
    OK(L != NULL, "the notice lays out");
    if (L) {
        char *docx = path_of(out, "notice.docx"), *ofd = path_of(out, "notice.ofd");
        OK(yf_document_write_docx(doc, L, docx, d) == 0 && starts_zip(docx),
           "yf_document_write_docx: a zip package");
        size_t len = 0;
        unsigned char *mem = yf_document_write_docx_mem(doc, L, &len, d);
        OK(mem && len > 1000 && memcmp(mem, "PK\3\4", 4) == 0, "yf_document_write_docx_mem");
        free(mem);
        OK(yf_layout_write_ofd(L, ofd, d) == 0 && starts_zip(ofd), "yf_layout_write_ofd");
        free(docx);
        free(ofd);
        yf_diags *bad = yf_diags_new();
        char *nope = path_of(out, "missing-folder/n.ofd"), *nope2 = path_of(out, "missing-folder/n.docx");
        OK(yf_layout_write_ofd(L, nope, bad) == -1 && !exists(nope) &&
           yf_document_write_docx(doc, L, nope2, bad) == -1 && !exists(nope2) &&
           yf_diags_errors(bad) == 2, "OFD and Word into a missing folder: -1, an error each, no file");
        free(nope);
        free(nope2);
        yf_diags_free(bad);
    }
    yf_layout_free(L);
    yf_document_free(doc);
    yf_data_free(data);
    yf_template_free(t);
    free(tpath);
    free(dpath);
    yf_diags_free(d);
}

/* Text as offices save it, and a type outside the templates folder finding the shared parts. */
static void test_text_and_shared(yf_context *ctx)
{
    yf_diags *d = yf_diags_new();
    const char gb[] = "\xd6\xd0\xce\xc4"; /* 中文 in GB18030 */
    size_t n = 0;
    char *u = yf_text_to_utf8("gb.txt", gb, 4, &n, d);
    OK(u && strcmp(u, "中文") == 0 && n == strlen("中文") && yf_diags_count(d) == 1 &&
       yf_diags_severity(d, 0) == YF_WARNING, "yf_text_to_utf8: GB18030 read, with a warning");
    free(u);
    const char bad[] = "\xff\xff\xff";
    OK(!yf_text_to_utf8("bad.txt", bad, 3, &n, d) && yf_diags_errors(d) == 1,
       "yf_text_to_utf8: bytes of no encoding are an error");
    yf_diags_free(d);

    /* A type in a folder of its own that extends ../common/gbt9704.xml. */
    d = yf_diags_new();
    char *dir = path_of(out, "own-type"), *tpl = path_of(out, "own-type/template.xml");
    mkdir(dir, 0755);
    FILE *f = fopen(tpl, "w");
    fputs("<template version=\"1\" extends=\"../common/gbt9704.xml\"><body><p>自己的类型</p></body>"
          "</template>", f);
    fclose(f);
    yf_template *t = yf_template_load(ctx, tpl, d);
    OK(!t && yf_diags_errors(d) > 0, "without the shared folder, ../common is not found");
    yf_template_free(t);
    yf_diags_free(d);
    d = yf_diags_new();
    char *shared = path_of(root, "templates");
    yf_context_set_shared_templates(ctx, shared);
    t = yf_template_load(ctx, tpl, d);
    OK(t != NULL, "with yf_context_set_shared_templates it is");
    if (!t)
        yf_diags_print(d, stdout);
    yf_template_free(t);
    yf_context_set_shared_templates(ctx, NULL);
    unlink(tpl);
    rmdir(dir);
    free(shared);
    free(tpl);
    free(dir);
    yf_diags_free(d);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: api_test ROOT OUT [threads [RENDERS]]\n");
        return 2;
    }
    root = argv[1];
    out = argv[2];
    int renders = argc > 4 ? atoi(argv[4]) : RENDERS;
    if (argc > 3 && strcmp(argv[3], "threads") == 0) {
        test_threads(renders > 0 ? renders : 1);
    } else {
        test_free_null();
        test_diags_and_context();
        yf_diags *d = yf_diags_new();
        yf_context *ctx = new_context(d);
        test_template_and_data(ctx);
        test_max_pages();
        test_max_pages_real();
        test_null_arguments(ctx);
        test_null_diags(ctx);
        test_output(ctx);
        test_fields(ctx);
        test_exchange_formats(ctx);
        test_text_and_shared(ctx);
        yf_context_free(ctx);
        yf_diags_free(d);
        test_threads(renders);
    }
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
