/* Data stage: JSON data -> data tree, and the JSON skeleton a template asks for.
 *
 * In: a JSON file whose top level is an object (Chinese keys are normal). Out: a yf_data the
 * bind stage looks values up in by dotted path ("会议.届次"). Before json-glib sees the bytes they
 * are checked for size, valid UTF-8, control characters, numbers out of range, nesting depth and
 * the number of values, so hostile input fails with a message that names the byte offset instead
 * of exhausting memory or the stack, or being read as something else. */
#include "internal.h"
#include "format.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The data of one document: a bulletin of a hundred articles is a few hundred KB. json-glib
 * takes about 90 bytes a value, so the count of values bounds the memory. */
#define YF_DATA_MAX_BYTES (16 * 1024 * 1024)
#define YF_DATA_MAX_DEPTH 64
#define YF_DATA_MAX_VALUES 500000

struct yf_data {
    char *name;
    JsonNode *root;
};

/* Characters a JSON text should not carry: the C0 controls but tab, line feed and carriage
 * return, DEL and the C1 controls. They are invisible in a document, and U+0000 cuts a string
 * short in json-glib. */
static gboolean is_control(gunichar c)
{
    return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || (c >= 0x7F && c <= 0x9F);
}

/* The value of the four hex digits after "\u", or -1 (json-glib then reports the syntax). */
static long hex4(const char *s, size_t n)
{
    if (n < 4)
        return -1;
    long v = 0;
    for (int k = 0; k < 4; k++) {
        int d = g_ascii_xdigit_value(s[k]);
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* A string from its opening quote at *i; *i is left after the closing quote. Returns NULL or a
 * message naming the offending byte offset. */
static char *scan_string(const char *s, size_t len, size_t *i, const char **code)
{
    size_t k = *i + 1;
    while (k < len && s[k] != '"') {
        if (s[k] == '\\' && k + 1 < len && s[k + 1] == 'u') {
            long u = hex4(s + k + 2, len - k - 2);
            size_t step = 6;
            if (u < 0) /* json-glib would decode "\ude" + anything into invalid UTF-8 */
                return g_strdup_printf("第 %zu 字节处的 \\u 后应是四位十六进制数字", k);
            if (u >= 0xD800 && u <= 0xDBFF) {
                /* A high surrogate must be followed by a low one: together one character. */
                long lo = k + 7 < len && s[k + 6] == '\\' && s[k + 7] == 'u'
                              ? hex4(s + k + 8, len - k - 8) : -1;
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return g_strdup_printf("第 %zu 字节处的 \\u%.4s 是不成对的代理项，不是字符", k,
                                           s + k + 2);
                step = 12;
            } else if (u >= 0xDC00 && u <= 0xDFFF) {
                return g_strdup_printf("第 %zu 字节处的 \\u%.4s 是不成对的代理项，不是字符", k,
                                       s + k + 2);
            } else if (u >= 0 && is_control((gunichar)u)) {
                *code = "data.control-character";
                return g_strdup_printf("第 %zu 字节处有控制字符 U+%04lX", k, u);
            }
            k += u < 0 ? 2 : step;
        } else if (s[k] == '\\') {
            k += 2;
        } else {
            gunichar c = g_utf8_get_char(s + k);
            if (is_control(c)) {
                *code = "data.control-character";
                return g_strdup_printf("第 %zu 字节处有控制字符 U+%04X", k, c);
            }
            k = (size_t)(g_utf8_next_char(s + k) - s);
        }
    }
    *i = k + 1;
    return NULL;
}

/* Whether s (n bytes) is a JSON number (RFC 8259 §6): -?(0|[1-9][0-9]*)(\.[0-9]+)?
 * ([eE][+-]?[0-9]+)?. json-glib also takes 017 (as octal 15), 0x1F, .5, 5. and "- 5". */
static gboolean json_number_syntax(const char *s, size_t n)
{
    size_t k = 0;
    k += k < n && s[k] == '-';
    if (k < n && s[k] == '0')
        k++;
    else if (k < n && s[k] >= '1' && s[k] <= '9')
        while (k < n && g_ascii_isdigit(s[k]))
            k++;
    else
        return FALSE;
    if (k < n && s[k] == '.') {
        size_t start = ++k;
        while (k < n && g_ascii_isdigit(s[k]))
            k++;
        if (k == start)
            return FALSE;
    }
    if (k < n && (s[k] == 'e' || s[k] == 'E')) {
        k++;
        k += k < n && (s[k] == '+' || s[k] == '-');
        size_t start = k;
        while (k < n && g_ascii_isdigit(s[k]))
            k++;
        if (k == start)
            return FALSE;
    }
    return k == n;
}

/* The exact value of a decimal literal (a JSON number, or %g output) as its significant digits
 * and the power of ten of the last one: "1280.50" -> "12805", -1. Zero has no digits. */
static char *exact_digits(const char *s, long *power, gboolean *neg)
{
    *neg = *s == '-';
    s += *neg;
    GString *d = g_string_new(NULL);
    long frac = 0;
    gboolean after_point = FALSE;
    for (; *s && *s != 'e' && *s != 'E'; s++) {
        if (*s == '.') {
            after_point = TRUE;
            continue;
        }
        if (d->len || *s != '0')
            g_string_append_c(d, *s);
        frac += after_point;
    }
    long exp = *s ? strtol(s + 1, NULL, 10) : 0;
    /* Far beyond a double either way (1e-5000 reads as 0): clamped so that the sum cannot
     * overflow, the comparison with the shortest form still failing as it should. */
    exp = CLAMP(exp, -100000000L, 100000000L);
    *power = exp - frac;
    while (d->len && d->str[d->len - 1] == '0') {
        g_string_truncate(d, d->len - 1);
        ++*power;
    }
    *neg = *neg && d->len;
    return g_string_free(d, FALSE);
}

/* Whether the double json-glib will read for the literal `text` is the literal's exact value,
 * as far as a decimal can tell: its shortest decimal form has the same digits. 0.1 and
 * 0.30000000000000004 keep their value; 1.0000000000000001 would become 1. */
static gboolean keeps_value(const char *text)
{
    char *shortest = yf_format_number(g_ascii_strtod(text, NULL));
    long p1, p2;
    gboolean n1, n2;
    char *d1 = exact_digits(text, &p1, &n1), *d2 = exact_digits(shortest, &p2, &n2);
    gboolean same = strcmp(d1, d2) == 0 && (!*d1 || (p1 == p2 && n1 == n2));
    g_free(d1);
    g_free(d2);
    g_free(shortest);
    return same;
}

/* A number from its first character at *i; *i is left after it. Besides the JSON syntax
 * json-glib does not enforce, what it would read wrongly is refused: an integer beyond 64 bits
 * (99999999999999999999 read as -1), a number beyond a double (read as infinity), and a number
 * with more significant digits than a double keeps (read as another number). */
static char *scan_number(const char *s, size_t len, size_t *i)
{
    size_t k = *i;
    gboolean integer = TRUE;
    /* The whole token, however malformed, for the message: 0x1F, 1.2.3, 017. */
    while (k < len && (g_ascii_isalnum(s[k]) || strchr(".+-", s[k]))) {
        integer &= g_ascii_isdigit(s[k]) || (k == *i && s[k] == '-');
        k++;
    }
    char *text = g_strndup(s + *i, k - *i);
    const char *ell = strlen(text) > 40 ? "…" : "";
    char *problem = NULL;
    errno = 0;
    if (!json_number_syntax(text, k - *i)) {
        problem = g_strdup_printf("第 %zu 字节处的 %.40s%s 不是 JSON 的数（十进制，无前导零、正号和"
                                  "十六进制，小数点两边都有数字）", *i, text, ell);
    } else if (integer ? (g_ascii_strtoll(text, NULL, 10), errno == ERANGE)
                       : isinf(g_ascii_strtod(text, NULL))) {
        problem = g_strdup_printf("第 %zu 字节处的数 %.40s%s 超出范围（%s）", *i, text, ell,
                                  integer ? "整数最多 19 位；编号之类请写成字符串 \"…\""
                                          : "绝对值应小于 1e308");
    } else if (!integer && !keeps_value(text)) {
        char *read = yf_format_number(g_ascii_strtod(text, NULL));
        problem = g_strdup_printf("第 %zu 字节处的数 %.40s%s 的有效数字多于双精度数所能保存的"
                                  "（会被读成 %s）；要原样保留请写成字符串 \"…\"", *i, text, ell,
                                  read);
        g_free(read);
    }
    g_free(text);
    *i = k;
    return problem;
}

/* The checks json-glib does not make, in one pass over bytes that are valid UTF-8: control
 * characters, raw or escaped; \u escapes that are not characters; numbers out of range; nesting
 * deeper than YF_DATA_MAX_DEPTH (json-glib recurses); more than YF_DATA_MAX_VALUES values.
 * Returns NULL or a message naming the offending byte offset, its diagnostic code in *code. */
static char *scan(const char *s, size_t len, const char **code)
{
    *code = "data.syntax";
    size_t depth = 0, values = 1;
    gboolean closed = FALSE; /* the top-level object or list has ended */
    for (size_t i = 0; i < len;) {
        char c = s[i];
        char *problem = NULL;
        if (closed && !g_ascii_isspace(c)) {
            /* json-glib would read the first value and drop the rest unseen. */
            size_t line = 1;
            for (size_t k = 0; k < i; k++)
                line += s[k] == '\n';
            *code = "data.many-records";
            return g_strdup_printf("第 %zu 行又开始一个 JSON 值：" YF_DATA_MANY_RECORDS, line);
        }
        if (c == '"') {
            problem = scan_string(s, len, &i, code);
        } else if (c == '-' || c == '+' || c == '.' || g_ascii_isdigit(c)) {
            problem = scan_number(s, len, &i);
        } else {
            gunichar u = g_utf8_get_char(s + i);
            if (is_control(u)) {
                *code = "data.control-character";
                return g_strdup_printf("第 %zu 字节处有控制字符 U+%04X", i, u);
            }
            *code = "data.limit";
            if ((c == '[' || c == '{') && ++depth > YF_DATA_MAX_DEPTH)
                return g_strdup_printf("第 %zu 字节处嵌套超过 %d 层", i, YF_DATA_MAX_DEPTH);
            if (c == ']' || c == '}') {
                depth -= depth > 0;
                closed = depth == 0;
            }
            /* Every value but the first follows a comma or opens a list or object. */
            if ((c == ',' || c == '[' || c == '{') && ++values > YF_DATA_MAX_VALUES)
                return g_strdup_printf("第 %zu 字节处：数据项超过 %d 个", i, YF_DATA_MAX_VALUES);
            i = (size_t)(g_utf8_next_char(s + i) - s);
        }
        if (problem)
            return problem;
        *code = "data.syntax";
    }
    return NULL;
}

/* TRUE when `s` prints as nothing: what yf_value_trim leaves of it is empty (white space and
 * ink-less characters only), the one definition of blank the engine has. */
static gboolean blank_text(const char *s)
{
    char *t = yf_value_trim(s);
    gboolean blank = *t == '\0';
    g_free(t);
    return blank;
}

/* A value that prints as nothing is no value: a blank text becomes null, so a required check,
 * a condition (<if test="u.负责人">) and the removal of empty blocks all see it as absent, the
 * same whether the field was left out, null, "" or "　". Iterative over the tree's containers
 * (depth is bounded by the checks before, but a loop costs nothing). */
static void blank_to_null(JsonNode *root)
{
    GPtrArray *todo = g_ptr_array_new();
    g_ptr_array_add(todo, root);
    while (todo->len) {
        JsonNode *n = g_ptr_array_steal_index_fast(todo, todo->len - 1);
        if (JSON_NODE_HOLDS_OBJECT(n)) {
            JsonObjectIter it;
            const char *k;
            JsonNode *m;
            json_object_iter_init(&it, json_node_get_object(n));
            while (json_object_iter_next(&it, &k, &m))
                g_ptr_array_add(todo, m);
        } else if (JSON_NODE_HOLDS_ARRAY(n)) {
            JsonArray *a = json_node_get_array(n);
            for (guint i = 0; i < json_array_get_length(a); i++)
                g_ptr_array_add(todo, json_array_get_element(a, i));
        } else if (JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING &&
                   blank_text(json_node_get_string(n))) {
            json_node_init_null(n);
        }
    }
    g_ptr_array_free(todo, TRUE);
}

static yf_data *make_data(const char *name, JsonNode *root, yf_diags *diags)
{
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        yf_error_at(diags, "data.root", name, 0, 0, "数据的最外层应为 JSON 对象 {…}");
        return NULL;
    }
    yf_data *d = g_new0(yf_data, 1);
    d->name = g_strdup(name);
    d->root = json_node_copy(root);
    blank_to_null(d->root);
    return d;
}

/* Parses `json` as the data named `name`. Positions in syntax errors are reported against
 * `file`, `line_base` lines down (a record of JSON Lines is one line of a larger file). */
static yf_data *parse(const char *name, const char *file, int line_base, const char *json,
                      size_t len, yf_diags *diags)
{
    if (len > YF_DATA_MAX_BYTES) {
        yf_error_at(diags, "data.file", name, 0, 0, "数据文件过大（%zu 字节，上限 %d）", len, YF_DATA_MAX_BYTES);
        return NULL;
    }
    const char *bad;
    if (!g_utf8_validate(json, (gssize)len, &bad)) {
        yf_error_at(diags, "data.encoding", name, 0, 0, "第 %zu 字节处不是有效的 UTF-8 编码",
                    (size_t)(bad - json));
        return NULL;
    }
    const char *code;
    char *problem = scan(json, len, &code);
    if (problem) {
        yf_error_at(diags, code, name, 0, 0, "%s", problem);
        g_free(problem);
        return NULL;
    }
    JsonParser *parser = json_parser_new_immutable();
    GError *err = NULL;
    if (!json_parser_load_from_data(parser, json, (gssize)len, &err)) {
        /* json-glib's message reads "<data>:LINE:COL: Parse error: …": keep the place. */
        int line = 0, col = 0, n = 0;
        const char *msg = err->message;
        if (sscanf(msg, "<data>:%d:%d: %n", &line, &col, &n) == 2 && n > 0)
            msg += n;
        if (g_str_has_prefix(msg, "Parse error: "))
            msg += strlen("Parse error: ");
        yf_error_at(diags, "data.syntax", file, line ? line + line_base : 0, col, "JSON 格式错误：%s",
                    msg);
        g_error_free(err);
        g_object_unref(parser);
        return NULL;
    }
    yf_data *d = make_data(name, json_parser_get_root(parser), diags);
    g_object_unref(parser);
    return d;
}

yf_data *yf_data_parse_json(const char *name, const char *json, size_t len, yf_diags *diags)
{
    YF_OWN_DIAGS(diags, yf_data *, yf_data_parse_json(name, json, len, own_diags));
    YF_REQUIRE(diags, name, NULL);
    YF_REQUIRE(diags, json, NULL);
    return parse(name, name, 0, json, len, diags);
}

yf_data *yf_data_parse_json_line(const char *file, int line, const char *json, size_t len,
                                 yf_diags *diags)
{
    char *name = g_strdup_printf("%s:%d", file, line);
    yf_data *d = parse(name, file, line - 1, json, len, diags);
    g_free(name);
    return d;
}

/* What scan() checks in the text, checked in a tree that did not come from our text (a record
 * of a JSON array or a CSV file): nesting, and control characters in keys and strings. `path`
 * is the node's JSON path, restored on return. */
static gboolean check_tree(JsonNode *n, GString *path, int depth, const char *name,
                           yf_diags *diags)
{
    if (depth > YF_DATA_MAX_DEPTH) {
        yf_diag_at at = { .file = name, .path = path->str };
        yf_diag_put(diags, YF_ERROR, "data.limit", &at, "嵌套超过 %d 层", YF_DATA_MAX_DEPTH);
        return FALSE;
    }
    gsize at = path->len;
    gboolean ok = TRUE;
    if (JSON_NODE_HOLDS_OBJECT(n)) {
        JsonObject *o = json_node_get_object(n);
        GList *members = json_object_get_members(o);
        for (GList *m = members; m && ok; m = m->next) {
            g_string_append_printf(path, ".%s", (const char *)m->data);
            ok = check_tree(json_object_get_member(o, m->data), path, depth + 1, name, diags);
            g_string_truncate(path, at);
        }
        g_list_free(members);
        return ok;
    }
    if (JSON_NODE_HOLDS_ARRAY(n)) {
        JsonArray *a = json_node_get_array(n);
        for (guint i = 0; i < json_array_get_length(a) && ok; i++) {
            g_string_append_printf(path, "[%u]", i);
            ok = check_tree(json_array_get_element(a, i), path, depth + 1, name, diags);
            g_string_truncate(path, at);
        }
        return ok;
    }
    const char *text = JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
                           ? json_node_get_string(n) : "";
    for (const char *p = path->str; ok && *p; p = g_utf8_next_char(p))
        ok = !is_control(g_utf8_get_char(p));
    for (const char *p = text; ok && *p; p = g_utf8_next_char(p))
        ok = !is_control(g_utf8_get_char(p));
    if (!ok) {
        yf_diag_at at = { .file = name, .path = path->str };
        yf_diag_put(diags, YF_ERROR, "data.control-character", &at,
                    "有控制字符（U+0000–U+001F、U+007F–U+009F）");
    }
    return ok;
}

yf_data *yf_data_from_node(const char *name, JsonNode *root, yf_diags *diags)
{
    GString *path = g_string_new("$");
    gboolean ok = !root || check_tree(root, path, 0, name, diags);
    g_string_free(path, TRUE);
    return ok ? make_data(name, root, diags) : NULL;
}

yf_data *yf_data_load_json(const char *path, yf_diags *diags)
{
    YF_OWN_DIAGS(diags, yf_data *, yf_data_load_json(path, own_diags));
    YF_REQUIRE(diags, path, NULL);
    char *buf = NULL;
    size_t len = 0;
    if (yf_read_file(path, YF_DATA_MAX_BYTES, &buf, &len) != 0) {
        if (errno == EFBIG)
            yf_error_at(diags, "data.file", path, 0, 0, "数据文件过大（超过 %d 字节的上限）", YF_DATA_MAX_BYTES);
        else
            yf_error_at(diags, "data.file", path, 0, 0, "无法读取数据：%s", yf_read_error(errno));
        return NULL;
    }
    yf_data *d = yf_data_parse_json(path, buf, len, diags);
    g_free(buf);
    return d;
}

void yf_data_free(yf_data *d)
{
    if (!d)
        return;
    json_node_unref(d->root);
    g_free(d->name);
    g_free(d);
}

const char *yf_data_name(const yf_data *d) { return d->name; }

JsonNode *yf_data_lookup(const yf_data *d, const char *dotted)
{
    if (!d)
        return NULL;
    JsonNode *n = d->root;
    char **keys = g_strsplit(dotted, ".", -1);
    for (int i = 0; keys[i] && n; i++) {
        if (!JSON_NODE_HOLDS_OBJECT(n)) {
            n = NULL;
            break;
        }
        JsonObject *o = json_node_get_object(n);
        n = json_object_has_member(o, keys[i]) ? json_object_get_member(o, keys[i]) : NULL;
    }
    g_strfreev(keys);
    return n;
}

static void collect_leaves(JsonNode *n, const char *prefix, GPtrArray *out)
{
    if (!JSON_NODE_HOLDS_OBJECT(n)) {
        g_ptr_array_add(out, g_strdup(prefix));
        return;
    }
    JsonObject *o = json_node_get_object(n);
    GList *members = json_object_get_members(o);
    for (GList *m = members; m; m = m->next) {
        char *path = *prefix ? g_strconcat(prefix, ".", m->data, NULL) : g_strdup(m->data);
        collect_leaves(json_object_get_member(o, m->data), path, out);
        g_free(path);
    }
    g_list_free(members);
}

GPtrArray *yf_data_leaf_paths(const yf_data *d)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    collect_leaves(d->root, "", out);
    return out;
}

JsonNode *yf_data_root(const yf_data *d) { return d->root; }

char *yf_data_text(const yf_data *d, const char *dotted)
{
    if (!d || !dotted)
        return NULL;
    JsonNode *n = yf_data_lookup(d, dotted);
    if (!n || !JSON_NODE_HOLDS_VALUE(n))
        return NULL;
    GType t = json_node_get_value_type(n);
    if (t == G_TYPE_STRING)
        return g_strdup(json_node_get_string(n));
    if (t == G_TYPE_INT64)
        return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(n));
    if (t == G_TYPE_DOUBLE) {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        return g_strdup(g_ascii_formatd(buf, sizeof buf, "%.15g", json_node_get_double(n)));
    }
    return g_strdup(json_node_get_boolean(n) ? "true" : "false");
}

/* ---- the skeleton ---------------------------------------------------------------------------- */

/* The example of a scalar slot as JSON text: numbers and booleans bare, the rest quoted. */
static void example_value(GString *out, yf_slot_type type, const char *example)
{
    gboolean bare = FALSE;
    if (type == YF_SLOT_INTEGER || type == YF_SLOT_NUMBER || type == YF_SLOT_MONEY) {
        bare = yf_is_decimal(example); /* JSON's own syntax: not 0x1F, 017 or +5 */
    } else if (type == YF_SLOT_BOOLEAN) {
        bare = strcmp(example, "true") == 0 || strcmp(example, "false") == 0;
    }
    if (bare) {
        g_string_append(out, example);
        return;
    }
    JsonNode *n = json_node_init_string(json_node_alloc(), example);
    char *text = json_to_string(n, FALSE);
    g_string_append(out, text);
    g_free(text);
    json_node_unref(n);
}

static void skeleton_object(GString *out, GPtrArray *slots, int indent);

static void skeleton_value(GString *out, const yf_slot *s, int indent)
{
    const char *ex = s->example ? s->example : s->fallback ? s->fallback : "";
    switch (s->type) {
    case YF_SLOT_OBJECT:
        skeleton_object(out, s->fields, indent);
        break;
    case YF_SLOT_LIST:
        if (s->fields) {
            g_string_append_printf(out, "[\n%*s", indent + 2, "");
            skeleton_object(out, s->fields, indent + 2);
            g_string_append_printf(out, "\n%*s]", indent, "");
            break;
        }
        /* A simple list's example is its items joined with 、 */
        g_string_append_c(out, '[');
        if (*ex) {
            char **items = g_strsplit(ex, "、", -1);
            for (int i = 0; items[i]; i++) {
                if (i)
                    g_string_append(out, ", ");
                example_value(out, s->item, items[i]);
            }
            g_strfreev(items);
        }
        g_string_append_c(out, ']');
        break;
    case YF_SLOT_PARAGRAPHS:
        g_string_append_c(out, '[');
        if (*ex)
            example_value(out, YF_SLOT_TEXT, ex);
        g_string_append_c(out, ']');
        break;
    default:
        example_value(out, s->type, ex);
    }
}

/* Dotted names nest: "市总.届次" and "市总.全委会次数" share one "市总" object. */
typedef struct tree {
    char *key;
    const yf_slot *slot;
    GPtrArray *children; /* of struct tree*, declaration order */
} tree;

static tree *tree_child(tree *parent, const char *key)
{
    for (guint i = 0; i < parent->children->len; i++) {
        tree *c = g_ptr_array_index(parent->children, i);
        if (strcmp(c->key, key) == 0)
            return c;
    }
    tree *c = g_new0(tree, 1);
    c->key = g_strdup(key);
    c->children = g_ptr_array_new();
    g_ptr_array_add(parent->children, c);
    return c;
}

static void tree_free(tree *t)
{
    for (guint i = 0; i < t->children->len; i++)
        tree_free(g_ptr_array_index(t->children, i));
    g_ptr_array_free(t->children, TRUE);
    g_free(t->key);
    g_free(t);
}

static void tree_write(GString *out, const tree *t, int indent)
{
    if (t->slot) {
        skeleton_value(out, t->slot, indent);
        return;
    }
    g_string_append(out, "{\n");
    for (guint i = 0; i < t->children->len; i++) {
        const tree *c = g_ptr_array_index(t->children, i);
        g_string_append_printf(out, "%*s", indent + 2, "");
        example_value(out, YF_SLOT_TEXT, c->key);
        g_string_append(out, ": ");
        tree_write(out, c, indent + 2);
        g_string_append(out, i + 1 < t->children->len ? ",\n" : "\n");
    }
    g_string_append_printf(out, "%*s}", indent, "");
}

static void skeleton_object(GString *out, GPtrArray *slots, int indent)
{
    tree *root = g_new0(tree, 1);
    root->key = g_strdup("");
    root->children = g_ptr_array_new();
    for (guint i = 0; slots && i < slots->len; i++) {
        const yf_slot *s = g_ptr_array_index(slots, i);
        char **keys = g_strsplit(s->name, ".", -1);
        tree *n = root;
        for (int k = 0; keys[k]; k++)
            n = tree_child(n, keys[k]);
        n->slot = s;
        g_strfreev(keys);
    }
    tree_write(out, root, indent);
    tree_free(root);
}

char *yf_template_skeleton_json(const yf_template *t)
{
    if (!t)
        return NULL;
    GString *out = g_string_new(NULL);
    skeleton_object(out, t->slots, 0);
    g_string_append_c(out, '\n');
    return g_string_free(out, FALSE);
}

/* ---- declarations ------------------------------------------------------------------------------ */

static void add_string(JsonBuilder *b, const char *key, const char *value)
{
    if (!value)
        return;
    json_builder_set_member_name(b, key);
    json_builder_add_string_value(b, value);
}

static void declarations(JsonBuilder *b, GPtrArray *slots)
{
    json_builder_begin_array(b);
    for (guint i = 0; slots && i < slots->len; i++) {
        const yf_slot *s = g_ptr_array_index(slots, i);
        json_builder_begin_object(b);
        add_string(b, "name", s->name);
        add_string(b, "type", yf_slot_type_name(s->type));
        if (s->type == YF_SLOT_LIST && !s->fields)
            add_string(b, "item", yf_slot_type_name(s->item));
        add_string(b, "label", s->label);
        add_string(b, "help", s->help);
        add_string(b, "example", s->example);
        add_string(b, "default", s->fallback);
        json_builder_set_member_name(b, "required");
        json_builder_add_boolean_value(b, s->required);
        add_string(b, "min", s->min);
        add_string(b, "max", s->max);
        add_string(b, "numerals", s->chinese_numerals ? "chinese" : NULL);
        if (s->image) {
            json_builder_set_member_name(b, "image");
            json_builder_add_boolean_value(b, TRUE);
        }
        char *where = g_strdup_printf("%s:%d:%d", s->file, s->line, s->col);
        add_string(b, "declared", where);
        g_free(where);
        if (s->fields) {
            json_builder_set_member_name(b, "fields");
            declarations(b, s->fields);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
}

char *yf_template_declarations_json(const yf_template *t)
{
    if (!t)
        return NULL;
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    add_string(b, "name", t->name);
    add_string(b, "description", t->description);
    json_builder_set_member_name(b, "slots");
    declarations(b, t->slots);
    json_builder_end_object(b);
    JsonGenerator *g = json_generator_new();
    JsonNode *root = json_builder_get_root(b);
    json_generator_set_root(g, root);
    json_generator_set_pretty(g, TRUE);
    json_generator_set_indent(g, 2);
    char *text = json_generator_to_data(g, NULL);
    json_node_unref(root);
    g_object_unref(g);
    g_object_unref(b);
    char *out = g_strconcat(text, "\n", NULL);
    g_free(text);
    return out;
}
