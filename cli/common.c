/* Helpers the yinfa commands share: where templates and the font-role map are, opening a
 * context and a template, printing diagnostics. Public header only. */
#include "common.h"

#include <errno.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_quiet;
int cli_json;

/* ---- where things are ------------------------------------------------------------------- */

static char *exe_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return strdup(".");
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = '\0';
    return strdup(buf);
}

int cli_is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int cli_is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

char *cli_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    snprintf(s, n, "%s/%s", a, b);
    return s;
}

/* A found path as a user wants to read it in messages: resolved, and relative to the current
 * folder when it lies below it. Takes ownership of `p`. */
static char *tidy_path(char *p)
{
    char real[PATH_MAX], cwd[PATH_MAX];
    if (!realpath(p, real))
        return p;
    free(p);
    size_t n = getcwd(cwd, sizeof cwd) ? strlen(cwd) : 0;
    if (n && strncmp(real, cwd, n) == 0 && real[n] == '/')
        return strdup(real + n + 1);
    return strdup(real);
}

/* The share folders, most specific first: $YINFA_HOME, the source tree the program was built
 * in (build/..), the installed share folder. */
char *cli_find_share(const char *rel)
{
    const char *home = getenv("YINFA_HOME");
    char *exe = exe_dir();
    char *up = cli_join(exe, "..");
    char *installed = cli_join(up, "share/yinfa");
    const char *bases[] = { home, up, installed, YF_DATADIR };
    char *found = NULL;
    for (size_t i = 0; i < sizeof bases / sizeof bases[0] && !found; i++) {
        if (!bases[i])
            continue;
        char *p = cli_join(bases[i], rel);
        if (cli_is_file(p) || cli_is_dir(p))
            found = p;
        else
            free(p);
    }
    free(installed);
    free(up);
    free(exe);
    return found ? tidy_path(found) : NULL;
}

/* The user's own templates folder: $XDG_DATA_HOME/yinfa/templates, by default
 * ~/.local/share/yinfa/templates (XDG Base Directory Specification), or NULL without a home. */
char *cli_user_templates(void)
{
    const char *data = getenv("XDG_DATA_HOME");
    if (data && *data == '/')
        return cli_join(data, "yinfa/templates");
    const char *home = getenv("HOME");
    return home && *home ? cli_join(home, ".local/share/yinfa/templates") : NULL;
}

/* dir/name/template.xml when it is a file, else NULL. */
static char *type_in(const char *dir, const char *name)
{
    if (!dir || !*dir)
        return NULL;
    char *p = cli_join(dir, name);
    char *t = cli_join(p, "template.xml");
    free(p);
    if (cli_is_file(t))
        return t;
    free(t);
    return NULL;
}

/* A template argument: a file, a folder with template.xml, or a bare name, looked up in
 * $YINFA_TEMPLATES, then the installed (or source tree's) templates/, then the user's own
 * templates folder. */
char *cli_find_template(const char *arg)
{
    if (cli_is_file(arg))
        return strdup(arg);
    if (cli_is_dir(arg)) {
        char *p = cli_join(arg, "template.xml");
        if (cli_is_file(p))
            return p;
        free(p);
        return NULL;
    }
    /* A bare name: no path separators, no dot files. */
    if (strchr(arg, '/') || arg[0] == '.' || !*arg)
        return NULL;
    char *t = type_in(getenv("YINFA_TEMPLATES"), arg);
    if (t)
        return t;
    char *rel = cli_join("templates", arg);
    char *relt = cli_join(rel, "template.xml");
    free(rel);
    t = cli_find_share(relt);
    free(relt);
    if (t)
        return t;
    char *user = cli_user_templates();
    t = type_in(user, arg);
    free(user);
    return t;
}

/* ---- common steps ------------------------------------------------------------------------ */

void cli_error(yf_diags *d, const char *code, const char *file, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    yf_diags_append(d, YF_ERROR, code, file, text);
    g_free(text);
}

/* The diagnostics --json prints, gathered over the records of a run. */
static JsonArray *collected;

void cli_collect_json(const char *json, long record)
{
    if (!collected)
        collected = json_array_new();
    JsonNode *root = json ? json_from_string(json, NULL) : NULL;
    JsonArray *items = root && JSON_NODE_HOLDS_ARRAY(root) ? json_node_get_array(root) : NULL;
    for (guint i = 0; items && i < json_array_get_length(items); i++) {
        JsonObject *o = json_array_get_object_element(items, i);
        if (record > 0)
            json_object_set_int_member(o, "record", record);
        json_array_add_object_element(collected, json_object_ref(o));
    }
    if (root)
        json_node_unref(root);
}

void cli_collect(const yf_diags *d, long record)
{
    char *json = yf_diags_json(d);
    cli_collect_json(json, record);
    free(json);
}

char *cli_diags_json(const yf_diags *d, int errors_only)
{
    char *all = yf_diags_json(d);
    if (!errors_only)
        return all;
    JsonNode *root = json_from_string(all, NULL);
    free(all);
    JsonArray *items = json_node_get_array(root), *errors = json_array_new();
    for (guint i = 0; i < json_array_get_length(items); i++) {
        JsonObject *o = json_array_get_object_element(items, i);
        if (strcmp(json_object_get_string_member(o, "severity"), "error") == 0)
            json_array_add_object_element(errors, json_object_ref(o));
    }
    JsonNode *out = json_node_init_array(json_node_alloc(), errors);
    char *json = json_to_string(out, FALSE);
    char *copy = strdup(json);
    g_free(json);
    json_node_unref(out);
    json_array_unref(errors);
    json_node_unref(root);
    return copy;
}

void cli_print_json(FILE *out)
{
    if (!collected)
        collected = json_array_new();
    JsonNode *root = json_node_init_array(json_node_alloc(), collected);
    char *json = json_to_string(root, TRUE);
    fprintf(out, "%s\n", json);
    g_free(json);
    json_node_unref(root);
    json_array_unref(collected);
    collected = NULL;
}

int cli_finish(yf_diags *d, int rc)
{
    if (cli_json) {
        cli_collect(d, 0);
        cli_print_json(cli_json == CLI_JSON_STDERR ? stderr : stdout);
    }
    for (size_t i = 0; !cli_json && i < yf_diags_count(d); i++)
        if (!cli_quiet || yf_diags_severity(d, i) == YF_ERROR)
            fprintf(stderr, "%s\n", yf_diags_message(d, i));
    yf_diags_free(d);
    return rc;
}

long long cli_creation_date(yf_diags *d)
{
    /* reproducible-builds.org's SOURCE_DATE_EPOCH: whole seconds since 1970 UTC, a decimal
     * integer; a malformed value is an error (the spec allows refusing it). */
    const char *epoch = getenv("SOURCE_DATE_EPOCH");
    if (!epoch || !*epoch)
        return -1; /* unset, or set empty: the current time */
    char *end;
    errno = 0;
    long long t = strtoll(epoch, &end, 10);
    if (!g_ascii_isdigit(*epoch) || *end || errno || t < 0 || t > 253402300799LL) {
        cli_error(d, "setup.source-date-epoch", "SOURCE_DATE_EPOCH",
                  "环境变量 SOURCE_DATE_EPOCH 应为 0 到 253402300799（9999 年末）之间的十进制秒数：“%s”",
                  epoch);
        return -2;
    }
    return t;
}

int cli_check_output(const char *path, yf_diags *d)
{
    struct stat st;
    if (lstat(path, &st) != 0 || S_ISREG(st.st_mode))
        return 0;
    const char *what = S_ISLNK(st.st_mode)  ? "符号链接（不跟随链接写入）"
                       : S_ISDIR(st.st_mode)  ? "目录"
                       : S_ISFIFO(st.st_mode) ? "管道"
                       : S_ISSOCK(st.st_mode) ? "套接字"
                       : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "设备文件"
                                                                   : "非普通文件";
    cli_error(d, "output.write", path,
              "无法写入：已存在且是%s，不能替换为输出文件（写到标准输出请用 -）", what);
    return -1;
}

yf_context *cli_open_context(const char *fonts_conf, yf_diags *d)
{
    char *roles = cli_find_share("fonts/yinfa-roles.conf");
    if (!fonts_conf)
        fonts_conf = getenv("YINFA_FONTS_CONF");
    yf_context *ctx = yf_context_new(roles, fonts_conf, d);
    free(roles);
    long long created = ctx ? cli_creation_date(d) : -1;
    if (created == -2) {
        yf_context_free(ctx);
        return NULL;
    }
    if (ctx)
        yf_context_set_creation_date(ctx, created);
    /* A type in the user's folder finds the shared parts (common/) of the installed ones. */
    char *shared = ctx ? cli_find_share("templates") : NULL;
    if (shared)
        yf_context_set_shared_templates(ctx, shared);
    free(shared);
    return ctx;
}

yf_template *cli_open_template(yf_context *ctx, const char *arg, yf_diags *d)
{
    char *path = cli_find_template(arg);
    if (!path) {
        cli_error(d, "template.not-found", "yinfa", "找不到模板“%s”（可以是模板文件、含 template.xml "
                  "的目录，或 templates/ 下的模板名）", arg);
        return NULL;
    }
    /* Without a context of the command's own (slots, text, batch's planning), one only for the
     * template's parts: a type in the user's folder finds the shared ones (common/) wherever yinfa
     * runs from. Its font warnings are not these commands' business: kept apart, dropped. */
    yf_diags *quiet = ctx ? NULL : yf_diags_new();
    yf_context *own = ctx ? NULL : cli_open_context(NULL, quiet);
    yf_template *t = yf_template_load(ctx ? ctx : own, path, d);
    yf_context_free(own);
    yf_diags_free(quiet);
    free(path);
    return t;
}

int cli_has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcasecmp(s + a - b, suf) == 0;
}


/* ---- data: one object, or a record of many ------------------------------------------------ */

/* Whether DATA is a file of records rather than one JSON object: a table (CSV, a workbook), a
 * JSON array or JSON Lines. Decided by the name, then by the content (a JSON text that goes on
 * after its first value is JSON Lines). */
static int is_records(const char *path)
{
    static const char *const tables[] = { ".csv", ".CSV", ".tsv", ".xlsx", ".XLSX", ".xls", ".XLS",
                                          ".xlsm", ".jsonl", ".ndjson", NULL };
    for (int i = 0; tables[i]; i++)
        if (cli_has_suffix(path, tables[i]))
            return 1;
    if (!cli_is_file(path))
        return 0; /* a FIFO or a device: the loader refuses it without opening it for reading */
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    unsigned char head[256] = { 0 };
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    if (n >= 4 && (memcmp(head, "PK\x03\x04", 4) == 0 || memcmp(head, "\xD0\xCF\x11\xE0", 4) == 0))
        return 1; /* a workbook under another name */
    size_t k = 0;
    if (n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0)
        k = 3;
    while (k < n && strchr(" \t\r\n", head[k]))
        k++;
    if (k < n && head[k] == '[') {
        /* A JSON array of objects is records; of anything else, a mistake the data stage names. */
        for (k++; k < n && strchr(" \t\r\n", head[k]); k++)
            ;
        return k < n && head[k] == '{';
    }
    /* One JSON object, or JSON Lines: the data stage says which. */
    yf_diags *probe = yf_diags_new();
    yf_data *d = yf_data_load_json(path, probe);
    int many = 0;
    for (size_t i = 0; !d && i < yf_diags_count(probe); i++)
        many |= strcmp(yf_diags_code(probe, i), "data.many-records") == 0;
    yf_data_free(d);
    yf_diags_free(probe);
    return many;
}

int cli_load_data(const char *path, const char *sheet, const char *group_by, long record,
                  yf_data **data, yf_records **records, yf_diags *d)
{
    *data = NULL;
    *records = NULL;
    if (!sheet && !group_by && record == 0 && !is_records(path)) {
        *data = yf_data_load_json(path, d);
        return *data ? 0 : -1;
    }
    yf_records *rs = yf_records_open(path, sheet, group_by, d);
    if (!rs)
        return -1;
    size_t n = yf_records_count(rs);
    if (n == 0) {
        cli_error(d, "data.no-records", path, "数据文件中没有记录");
        yf_records_free(rs);
        return -1;
    }
    if (record > 0 && (size_t)record > n) {
        cli_error(d, "data.no-records", path, "--record %ld 超出范围：文件中有 %zu 条记录", record, n);
        yf_records_free(rs);
        return -1;
    }
    if (record > 0 || n == 1) {
        *data = yf_records_get(rs, record > 0 ? (size_t)record - 1 : 0, d);
        yf_records_free(rs);
        return *data ? 0 : -1;
    }
    *records = rs;
    return 0;
}
