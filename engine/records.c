/* Records: batch data -> one data tree per document.
 *
 * In: a file of many records — JSON Lines (one object a line), a JSON array of objects, or CSV
 * whose header row gives the keys (dotted headers such as 文章.标题 make nested objects; an empty
 * cell is an absent value). Out: yf_records, from which each record is taken as a yf_data named
 * "FILE:LINE" so that every message about it points at its line. A record that is not valid
 * JSON fails alone: the others can still be rendered. CSV is read by libcsv (RFC 4180 quoting,
 * line breaks inside quotes). */
#include "internal.h"

#include <errno.h>

#include <csv.h>
#include <json-glib/json-glib.h>
#include <string.h>

#define YF_RECORDS_MAX_BYTES (512 * 1024 * 1024)

typedef struct {
    int line;            /* where the record starts, 1-based */
    char *json;          /* JSON Lines: the line's text, parsed when taken */
    JsonNode *node;      /* JSON array and CSV: the record's object */
} record;

struct yf_records {
    char *path;
    GArray *items;       /* of record */
};

static void record_clear(gpointer p)
{
    record *r = p;
    g_free(r->json);
    if (r->node)
        json_node_unref(r->node);
}

static yf_records *records_new(const char *path)
{
    yf_records *rs = g_new0(yf_records, 1);
    rs->path = g_strdup(path);
    rs->items = g_array_new(FALSE, TRUE, sizeof(record));
    g_array_set_clear_func(rs->items, record_clear);
    return rs;
}

/* ---- JSON Lines ------------------------------------------------------------------------------ */

static void load_jsonl(yf_records *rs, const char *buf, size_t len)
{
    int line = 1;
    for (const char *p = buf, *end = buf + len; p < end; line++) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        const char *q = p;
        while (q < eol && g_ascii_isspace(*q))
            q++;
        if (q < eol) {
            record r = { line, g_strndup(p, eol - p), NULL };
            g_array_append_val(rs->items, r);
        }
        p = eol + 1;
    }
}

/* ---- a JSON array ------------------------------------------------------------------------------ */

/* json-glib tells where it is while it parses: the line where each array element ends. The
 * elements of nested arrays are reported too; only the top-level array's are kept later. */
typedef struct {
    JsonArray *array;
    int index, line;
} element_end;

static void on_array_element(JsonParser *parser, JsonArray *array, gint index, gpointer user)
{
    element_end e = { array, index, (int)json_parser_get_current_line(parser) };
    g_array_append_val((GArray *)user, e);
}

static gboolean load_array(yf_records *rs, const char *buf, size_t len, yf_diags *diags)
{
    JsonParser *parser = json_parser_new();
    GArray *ends = g_array_new(FALSE, TRUE, sizeof(element_end));
    g_signal_connect(parser, "array-element", G_CALLBACK(on_array_element), ends);
    GError *err = NULL;
    gboolean ok = json_parser_load_from_data(parser, buf, (gssize)len, &err);
    if (!ok) {
        int l = 0, c = 0, n = 0;
        const char *msg = err->message;
        if (sscanf(msg, "<data>:%d:%d: %n", &l, &c, &n) == 2 && n > 0)
            msg += n;
        yf_error_at(diags, rs->path, l, c, "JSON 格式错误：%s", msg);
        g_error_free(err);
    } else {
        JsonNode *root = json_parser_get_root(parser);
        JsonArray *a = JSON_NODE_HOLDS_ARRAY(root) ? json_node_get_array(root) : NULL;
        if (!a) {
            yf_error_at(diags, rs->path, 0, 0, "数据应为 JSON 数组 […]、JSON Lines（每行一个对象）或 CSV");
            ok = FALSE;
        }
        for (guint i = 0; a && i < json_array_get_length(a); i++) {
            int line = 0;
            for (guint k = 0; k < ends->len && !line; k++) {
                const element_end *e = &g_array_index(ends, element_end, k);
                if (e->array == a && e->index == (int)i)
                    line = e->line;
            }
            record r = { line, NULL, json_node_copy(json_array_get_element(a, i)) };
            g_array_append_val(rs->items, r);
        }
    }
    g_array_free(ends, TRUE);
    g_object_unref(parser);
    return ok;
}

/* ---- CSV ------------------------------------------------------------------------------------ */

typedef struct {
    yf_records *rs;
    GPtrArray *header;   /* of char* */
    GPtrArray *row;      /* of char*, NULL for an empty cell */
    int line;            /* the line being fed */
    int row_line;        /* where the current row began */
    gboolean in_row;
} csv_state;

static void on_field(void *data, size_t len, void *user)
{
    csv_state *st = user;
    if (!st->in_row) {
        st->in_row = TRUE;
        st->row_line = st->line;
    }
    g_ptr_array_add(st->row, data && len ? g_strndup(data, len) : NULL);
}

/* Sets a dotted key in an object, making the objects on the way. */
static void set_path(JsonObject *o, const char *dotted, const char *value)
{
    char **keys = g_strsplit(dotted, ".", -1);
    for (int i = 0; keys[i]; i++) {
        if (!keys[i + 1]) {
            json_object_set_string_member(o, keys[i], value);
            break;
        }
        JsonNode *n = json_object_get_member(o, keys[i]);
        if (!n || !JSON_NODE_HOLDS_OBJECT(n)) {
            json_object_set_object_member(o, keys[i], json_object_new());
            n = json_object_get_member(o, keys[i]);
        }
        o = json_node_get_object(n);
    }
    g_strfreev(keys);
}

static void on_row(int term, void *user)
{
    (void)term;
    csv_state *st = user;
    st->in_row = FALSE;
    if (!st->header) {
        st->header = st->row;
        st->row = g_ptr_array_new_with_free_func(g_free);
        return;
    }
    JsonObject *o = json_object_new();
    for (guint i = 0; i < st->row->len && i < st->header->len; i++) {
        const char *key = g_ptr_array_index(st->header, i), *value = g_ptr_array_index(st->row, i);
        if (key && *key && value)
            set_path(o, key, value);
    }
    JsonNode *node = json_node_init_object(json_node_alloc(), o);
    json_object_unref(o);
    record r = { st->row_line, NULL, node };
    g_array_append_val(st->rs->items, r);
    g_ptr_array_set_size(st->row, 0);
}

static gboolean load_csv(yf_records *rs, const char *buf, size_t len, yf_diags *diags)
{
    struct csv_parser p;
    csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL);
    csv_state st = { rs, NULL, g_ptr_array_new_with_free_func(g_free), 1, 1, FALSE };
    gboolean ok = TRUE;
    /* Fed line by line, so that a row's first field knows the line it is on. */
    size_t skip = len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0; /* Excel's BOM */
    for (const char *q = buf + skip, *end = buf + len; q < end && ok; st.line++) {
        const char *eol = memchr(q, '\n', (size_t)(end - q));
        size_t n = eol ? (size_t)(eol - q + 1) : (size_t)(end - q);
        if (csv_parse(&p, q, n, on_field, on_row, &st) != n) {
            yf_error_at(diags, rs->path, st.line, 0, "CSV 格式错误：%s", csv_strerror(csv_error(&p)));
            ok = FALSE;
        }
        q += n;
    }
    if (ok && csv_fini(&p, on_field, on_row, &st) != 0) {
        yf_error_at(diags, rs->path, st.line - 1, 0, "CSV 格式错误：%s", csv_strerror(csv_error(&p)));
        ok = FALSE;
    }
    if (ok && !st.header)
        yf_error_at(diags, rs->path, 0, 0, "CSV 文件没有表头行");
    csv_free(&p);
    if (st.header)
        g_ptr_array_free(st.header, TRUE);
    g_ptr_array_free(st.row, TRUE);
    return ok && st.header;
}

/* ---- the records -------------------------------------------------------------------------------- */

yf_records *yf_records_load(const char *path, yf_diags *diags)
{
    char *buf = NULL;
    size_t len = 0;
    if (yf_read_file(path, YF_RECORDS_MAX_BYTES, &buf, &len) != 0) {
        if (errno == EFBIG)
            yf_error_at(diags, path, 0, 0, "数据文件过大（超过 %d 字节的上限）", YF_RECORDS_MAX_BYTES);
        else
            yf_error_at(diags, path, 0, 0, "无法读取数据：%s", yf_read_error(errno));
        return NULL;
    }
    const char *bad;
    if (!g_utf8_validate(buf, (gssize)len, &bad)) {
        yf_error_at(diags, path, 0, 0, "第 %zu 字节处不是有效的 UTF-8 编码", (size_t)(bad - buf));
        g_free(buf);
        return NULL;
    }
    yf_records *rs = records_new(path);
    gboolean ok = TRUE;
    const char *p = buf;
    while (p < buf + len && g_ascii_isspace(*p))
        p++;
    if (g_str_has_suffix(path, ".csv") || g_str_has_suffix(path, ".CSV"))
        ok = load_csv(rs, buf, len, diags);
    else if (*p == '[')
        ok = load_array(rs, buf, len, diags);
    else
        load_jsonl(rs, buf, len);
    g_free(buf);
    if (!ok) {
        yf_records_free(rs);
        return NULL;
    }
    return rs;
}

size_t yf_records_count(const yf_records *rs) { return rs->items->len; }

int yf_records_line(const yf_records *rs, size_t i)
{
    return g_array_index(rs->items, record, i).line;
}

yf_data *yf_records_get(const yf_records *rs, size_t i, yf_diags *diags)
{
    const record *r = &g_array_index(rs->items, record, i);
    if (r->json)
        return yf_data_parse_json_line(rs->path, r->line, r->json, strlen(r->json), diags);
    char *name = g_strdup_printf("%s:%d", rs->path, r->line);
    yf_data *d = yf_data_from_node(name, r->node, diags);
    g_free(name);
    return d;
}

void yf_records_free(yf_records *rs)
{
    if (!rs)
        return;
    g_array_free(rs->items, TRUE);
    g_free(rs->path);
    g_free(rs);
}
