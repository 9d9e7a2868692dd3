/* Helpers the yinfa commands share: where templates and the font-role map are, opening a
 * context and a template, printing diagnostics. Public header only. */
#include "common.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cli_quiet;

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

int cli_finish(yf_diags *d, int rc)
{
    for (size_t i = 0; i < yf_diags_count(d); i++)
        if (!cli_quiet || yf_diags_severity(d, i) == YF_ERROR)
            fprintf(stderr, "%s\n", yf_diags_message(d, i));
    yf_diags_free(d);
    return rc;
}

yf_context *cli_open_context(const char *fonts_conf, yf_diags *d)
{
    char *roles = cli_find_share("fonts/yinfa-roles.conf");
    if (!fonts_conf)
        fonts_conf = getenv("YINFA_FONTS_CONF");
    yf_context *ctx = yf_context_new(roles, fonts_conf, d);
    free(roles);
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
        fprintf(stderr, "yinfa: error: 找不到模板“%s”（可以是模板文件、含 template.xml 的目录，或 "
                        "templates/ 下的模板名）\n", arg);
        return NULL;
    }
    yf_template *t = yf_template_load(ctx, path, d);
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
        many |= strstr(yf_diags_message(probe, i), YF_DATA_MANY_RECORDS) != NULL;
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
        fprintf(stderr, "%s: error: 数据文件中没有记录\n", path);
        yf_records_free(rs);
        return -1;
    }
    if (record > 0 && (size_t)record > n) {
        fprintf(stderr, "%s: error: --record %ld 超出范围：文件中有 %zu 条记录\n", path, record, n);
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
