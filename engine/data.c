/* Data stage: JSON data -> data tree, and the JSON skeleton a template asks for.
 *
 * In: a JSON file whose top level is an object (Chinese keys are normal). Out: a yf_data the
 * bind stage looks values up in by dotted path ("会议.届次"). Before json-glib sees the bytes they
 * are checked for size, valid UTF-8 and nesting depth, so hostile input fails with a message that
 * names the byte offset instead of exhausting memory or the stack. */
#include "internal.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define YF_DATA_MAX_BYTES (64 * 1024 * 1024)
#define YF_DATA_MAX_DEPTH 64

struct yf_data {
    char *name;
    JsonParser *parser;
    JsonNode *root; /* lent from parser */
};

/* Deepest nesting of [ and { outside strings, or -1 on the first level past the limit. */
static long nesting_depth(const char *s, size_t len, size_t *where)
{
    long depth = 0, max = 0;
    gboolean in_str = FALSE;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = FALSE;
        } else if (c == '"') {
            in_str = TRUE;
        } else if (c == '[' || c == '{') {
            if (++depth > max)
                max = depth;
            if (depth > YF_DATA_MAX_DEPTH) {
                *where = i;
                return -1;
            }
        } else if (c == ']' || c == '}') {
            depth--;
        }
    }
    return max;
}

yf_data *yf_data_parse_json(const char *name, const char *json, size_t len, yf_diags *diags)
{
    if (len > YF_DATA_MAX_BYTES) {
        yf_error_at(diags, name, 0, 0, "数据文件过大（%zu 字节，上限 %d）", len, YF_DATA_MAX_BYTES);
        return NULL;
    }
    const char *bad;
    if (!g_utf8_validate(json, (gssize)len, &bad)) {
        yf_error_at(diags, name, 0, 0, "第 %zu 字节处不是有效的 UTF-8 编码", (size_t)(bad - json));
        return NULL;
    }
    size_t where = 0;
    if (nesting_depth(json, len, &where) < 0) {
        yf_error_at(diags, name, 0, 0, "第 %zu 字节处嵌套超过 %d 层", where, YF_DATA_MAX_DEPTH);
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
        yf_error_at(diags, name, line, col, "JSON 格式错误：%s", msg);
        g_error_free(err);
        g_object_unref(parser);
        return NULL;
    }
    JsonNode *root = json_parser_get_root(parser);
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        yf_error_at(diags, name, 0, 0, "数据的最外层应为 JSON 对象 {…}");
        g_object_unref(parser);
        return NULL;
    }
    yf_data *d = g_new0(yf_data, 1);
    d->name = g_strdup(name);
    d->parser = parser;
    d->root = root;
    return d;
}

yf_data *yf_data_load_json(const char *path, yf_diags *diags)
{
    gchar *buf = NULL;
    gsize len = 0;
    GError *err = NULL;
    if (!g_file_get_contents(path, &buf, &len, &err)) {
        yf_error_at(diags, path, 0, 0, "无法读取数据：%s", err->message);
        g_error_free(err);
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
    g_object_unref(d->parser);
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

/* ---- the skeleton ---------------------------------------------------------------------------- */

typedef struct skel {
    char *key;
    const yf_slot *slot;     /* a leaf */
    GPtrArray *children;     /* of struct skel*, in declaration order */
} skel;

static skel *skel_child(skel *parent, const char *key)
{
    for (guint i = 0; i < parent->children->len; i++) {
        skel *c = g_ptr_array_index(parent->children, i);
        if (strcmp(c->key, key) == 0)
            return c;
    }
    skel *c = g_new0(skel, 1);
    c->key = g_strdup(key);
    c->children = g_ptr_array_new();
    g_ptr_array_add(parent->children, c);
    return c;
}

static void skel_free(skel *s)
{
    for (guint i = 0; i < s->children->len; i++)
        skel_free(g_ptr_array_index(s->children, i));
    g_ptr_array_free(s->children, TRUE);
    g_free(s->key);
    g_free(s);
}

static void json_string(GString *out, const char *s)
{
    JsonNode *n = json_node_init_string(json_node_alloc(), s);
    char *text = json_to_string(n, FALSE);
    g_string_append(out, text);
    g_free(text);
    json_node_unref(n);
}

static void skel_write(const skel *s, GString *out, int indent)
{
    if (s->slot && s->children->len == 0) {
        const yf_slot *sl = s->slot;
        /* Numbers stay numbers; everything else, dates included, is a string. */
        gboolean numeric = sl->type == YF_SLOT_INTEGER || sl->type == YF_SLOT_NUMBER;
        char *end = NULL;
        if (numeric && *sl->example) {
            g_ascii_strtod(sl->example, &end);
            numeric = end && *end == '\0';
        }
        if (numeric)
            g_string_append(out, sl->example);
        else
            json_string(out, sl->example);
        return;
    }
    g_string_append(out, "{\n");
    for (guint i = 0; i < s->children->len; i++) {
        const skel *c = g_ptr_array_index(s->children, i);
        g_string_append_printf(out, "%*s", indent + 2, "");
        json_string(out, c->key);
        g_string_append(out, ": ");
        skel_write(c, out, indent + 2);
        g_string_append(out, i + 1 < s->children->len ? ",\n" : "\n");
    }
    g_string_append_printf(out, "%*s}", indent, "");
}

char *yf_template_skeleton_json(const yf_template *t)
{
    skel *root = g_new0(skel, 1);
    root->key = g_strdup("");
    root->children = g_ptr_array_new();
    for (guint i = 0; i < t->slots->len; i++) {
        const yf_slot *sl = &g_array_index(t->slots, yf_slot, i);
        char **keys = g_strsplit(sl->name, ".", -1);
        skel *n = root;
        for (int k = 0; keys[k]; k++)
            n = skel_child(n, keys[k]);
        n->slot = sl;
        g_strfreev(keys);
    }
    GString *out = g_string_new(NULL);
    skel_write(root, out, 0);
    g_string_append_c(out, '\n');
    skel_free(root);
    return g_string_free(out, FALSE);
}
