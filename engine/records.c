/* Records: batch data -> one data tree per document.
 *
 * In: a file of many records — JSON Lines (one object a line), a JSON array of objects, or a
 * table whose header row gives the keys: CSV, or a sheet of an .xlsx or .xls workbook (xlsx.c,
 * xls.c). In a table, dotted headers make nested objects (发文字号.年份), a numbered part makes a
 * list the way mail-merge users write one (文章1.标题, 文章1.正文, 文章2.标题 … -> 文章[0], 文章[1]),
 * and an empty cell is an absent value. Text files may be UTF-8, GB18030 (GBK, what Chinese Excel
 * and WPS save CSV in) or UTF-16 with a byte order mark (encoding.c). Out: yf_records, from which
 * each record is taken as a yf_data named "FILE:LINE" (a table's row number) so that every message
 * about it points at its line.
 *
 * Every record, whatever the format, is kept as JSON text and taken through the one parser of
 * `render`'s data (yf_data_parse_json_line in data.c): the same byte-level checks — valid UTF-8,
 * control characters raw or escaped, lone surrogates, numbers beyond 64 bits or a double, nesting
 * and the count of values — run before json-glib sees the record, so no format is a way round
 * them. Loading only finds where each record is: a JSON array is split into its elements by a
 * scan that counts brackets without recursing (json-glib's parser recurses, so a whole file of
 * hostile depth is never handed to it), and a CSV row becomes the JSON text of its object. A
 * record that is not valid fails alone: the others can still be rendered. CSV is read by libcsv
 * (RFC 4180 quoting, line breaks inside quotes). */
#include "sheet.h"

#include <errno.h>

#include <csv.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define YF_RECORDS_MAX_BYTES (512 * 1024 * 1024)

typedef struct {
    int line;            /* where the record starts, 1-based */
    size_t off, len;     /* its JSON text in rs->text */
} record;

struct yf_records {
    char *path;
    char *text;          /* JSON Lines and arrays: the file; CSV: the rows as JSON objects */
    size_t text_len;
    GArray *items;       /* of record */
};

static yf_records *records_new(const char *path)
{
    yf_records *rs = g_new0(yf_records, 1);
    rs->path = g_strdup(path);
    rs->items = g_array_new(FALSE, TRUE, sizeof(record));
    return rs;
}

static void add_record(yf_records *rs, int line, size_t off, size_t len)
{
    record r = { line, off, len };
    g_array_append_val(rs->items, r);
}

/* ---- JSON Lines ------------------------------------------------------------------------------ */

static void load_jsonl(yf_records *rs)
{
    const char *buf = rs->text;
    int line = 1;
    for (const char *p = buf, *end = buf + rs->text_len; p < end; line++) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        const char *q = p;
        while (q < eol && g_ascii_isspace(*q))
            q++;
        if (q < eol)
            add_record(rs, line, (size_t)(p - buf), (size_t)(eol - p));
        p = eol + 1;
    }
}

/* Whether the whole text is one JSON object written over several lines (a data file of one
 * document, given where records are read): then it is one record, not a line each. JSON Lines
 * have a whole value on their first line; a text whose first line is not one is one record when
 * the data parser reads it all as one object (it refuses a second value). */
static gboolean is_one_object(const char *buf, size_t len)
{
    const char *eol = memchr(buf, '\n', len);
    size_t first = eol ? (size_t)(eol - buf) : len;
    JsonParser *parser = json_parser_new();
    gboolean line_is_value = json_parser_load_from_data(parser, buf, (gssize)first, NULL);
    g_object_unref(parser);
    if (line_is_value || !eol)
        return FALSE;
    yf_diags *quiet = yf_diags_new();
    yf_data *data = yf_data_parse_json("records", buf, len, quiet);
    yf_diags_free(quiet);
    yf_data_free(data);
    return data != NULL;
}

/* ---- a JSON array ------------------------------------------------------------------------------ */

/* A place in the file while it is split: byte offset, line and the offset where the line begins. */
typedef struct {
    const char *s;
    size_t len, i, bol;
    int line;
} cursor;

static void step(cursor *c)
{
    if (c->s[c->i] == '\n') {
        c->line++;
        c->bol = c->i + 1;
    }
    c->i++;
}

/* JSON's whitespace (RFC 8259 §2). */
static gboolean is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static void skip_space(cursor *c)
{
    while (c->i < c->len && is_space(c->s[c->i]))
        step(c);
}

static void split_error(const yf_records *rs, const cursor *c, const char *what, yf_diags *diags)
{
    yf_error_at(diags, "data.syntax", rs->path, c->line, (int)(c->i - c->bol) + 1, "JSON 格式错误：%s",
                what);
}

/* Moves past one element: to the ',' or ']' that ends it at the array's own level. Brackets are
 * counted, not matched: a mismatch inside an element is that record's syntax error, found when
 * it is parsed. Returns FALSE at the end of the file. */
static gboolean skip_element(cursor *c, size_t *deepest)
{
    size_t depth = 0;
    while (c->i < c->len) {
        char ch = c->s[c->i];
        if (ch == '"') {
            step(c);
            while (c->i < c->len && c->s[c->i] != '"') {
                if (c->s[c->i] == '\\' && c->i + 1 < c->len)
                    step(c);
                step(c);
            }
        } else if (ch == '[' || ch == '{') {
            if (++depth > *deepest)
                *deepest = depth;
        } else if (ch == ']' || ch == '}') {
            if (depth == 0)
                return TRUE;
            depth--;
        } else if (ch == ',' && depth == 0) {
            return TRUE;
        }
        if (c->i < c->len)
            step(c);
    }
    return FALSE;
}

static gboolean load_array(yf_records *rs, yf_diags *diags)
{
    cursor c = { rs->text, rs->text_len, 0, 0, 1 };
    skip_space(&c);
    step(&c); /* the '[' */
    skip_space(&c);
    if (c.i < c.len && c.s[c.i] == ']') {
        step(&c);
    } else {
        for (;;) {
            skip_space(&c);
            cursor start = c;
            if (c.i < c.len && (c.s[c.i] == ',' || c.s[c.i] == ']')) {
                split_error(rs, &c, "数组中缺少一个值", diags);
                return FALSE;
            }
            size_t deepest = 0;
            if (!skip_element(&c, &deepest)) {
                char *what = deepest > YF_DATA_MAX_DEPTH
                    ? g_strdup_printf("第 %u 条记录从这里起直到文件末尾没有结束，且嵌套超过 %d 层",
                                      rs->items->len + 1, YF_DATA_MAX_DEPTH)
                    : g_strdup_printf("第 %u 条记录从这里起直到文件末尾没有结束", rs->items->len + 1);
                split_error(rs, &start, what, diags);
                g_free(what);
                return FALSE;
            }
            size_t end = c.i;
            while (end > start.i && is_space(c.s[end - 1]))
                end--;
            add_record(rs, start.line, start.i, end - start.i);
            char ch = c.s[c.i];
            step(&c);
            if (ch == ']')
                break;
            if (ch == '}') {
                split_error(rs, &c, "多余的 }", diags);
                return FALSE;
            }
        }
    }
    skip_space(&c);
    if (c.i < c.len) {
        split_error(rs, &c, "数组之后还有内容", diags);
        return FALSE;
    }
    return TRUE;
}

/* ---- CSV ------------------------------------------------------------------------------------ */

/* Rows that repeat a record key (--group-by 期号): one record from all of them. */
typedef struct table_group {
    int line;            /* its first row's */
    GPtrArray *rows;     /* of JsonObject*, each row as its own object */
} table_group;

static void group_free(gpointer p)
{
    table_group *g = p;
    g_ptr_array_free(g->rows, TRUE);
    g_free(g);
}

typedef struct {
    yf_records *rs;
    yf_diags *diags;
    GString *json;       /* the rows as JSON objects, one after another */
    GPtrArray *header;   /* of char*, the keys (NULL: a column without a name) */
    GPtrArray *row;      /* of char*, NULL for an empty cell */
    int line;            /* the line being fed */
    int row_line;        /* where the current row began */
    gboolean in_row, bad;
    const char *group_by;/* --group-by: the column whose value makes rows one record, or NULL */
    int group_column;    /* its index in the header, or -1 */
    GHashTable *groups;  /* key value -> index in `grouped` */
    GPtrArray *grouped;  /* of table_group*, in the order their keys first appear */
    struct table_group *last; /* the group of the row before (a row with an empty key joins it) */
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

/* A numbered part of a header, "文章2" -> "文章" and item 2: a name that does not end in a digit,
 * then a number from 1 to YF_LIST_COLUMNS_MAX without leading zeros. */
#define YF_LIST_COLUMNS_MAX 1000

static gboolean numbered_part(const char *part, char **name, int *number)
{
    size_t len = strlen(part), digits = 0;
    while (digits < len && g_ascii_isdigit(part[len - 1 - digits]))
        digits++;
    if (digits == 0 || digits == len || digits > 4 || part[len - digits] == '0')
        return FALSE;
    int n = atoi(part + len - digits);
    if (n < 1 || n > YF_LIST_COLUMNS_MAX)
        return FALSE;
    *name = g_strndup(part, len - digits);
    *number = n;
    return TRUE;
}

/* The object at item `number` (1-based) of the list `name` in `o`, made with the list and the
 * items before it (null until a column of theirs has a value) when missing. */
static JsonObject *list_item(JsonObject *o, const char *name, int number)
{
    JsonNode *n = json_object_get_member(o, name);
    if (!n || !JSON_NODE_HOLDS_ARRAY(n)) {
        json_object_set_array_member(o, name, json_array_new());
        n = json_object_get_member(o, name);
    }
    JsonArray *a = json_node_get_array(n);
    while (json_array_get_length(a) < (guint)number)
        json_array_add_null_element(a);
    JsonNode *item = json_array_get_element(a, (guint)number - 1);
    if (!JSON_NODE_HOLDS_OBJECT(item)) {
        json_node_init_object(item, json_object_new());
        json_object_unref(json_node_get_object(item)); /* the node holds the reference */
    }
    return json_node_get_object(item);
}

/* Sets a dotted key in an object, making the objects on the way; a numbered part before another
 * (文章2.标题) is an item of a list. The header was checked: at most YF_DATA_MAX_DEPTH parts, so
 * the tree stays within the data's nesting limit. */
static void set_path(JsonObject *o, const char *dotted, const char *value)
{
    char **keys = g_strsplit(dotted, ".", -1);
    for (int i = 0; keys[i]; i++) {
        if (!keys[i + 1]) {
            json_object_set_string_member(o, keys[i], value);
            break;
        }
        char *list = NULL;
        int number = 0;
        if (numbered_part(keys[i], &list, &number)) {
            o = list_item(o, list, number);
            g_free(list);
            continue;
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

/* The items of numbered lists that no column gave a value (文章3.… left empty in a row of two
 * articles) are dropped, the others keeping their order. */
static void drop_empty_items(JsonObject *o)
{
    GList *members = json_object_get_members(o);
    for (GList *m = members; m; m = m->next) {
        JsonNode *n = json_object_get_member(o, m->data);
        if (JSON_NODE_HOLDS_OBJECT(n)) {
            drop_empty_items(json_node_get_object(n));
            continue;
        }
        if (!JSON_NODE_HOLDS_ARRAY(n))
            continue;
        JsonArray *a = json_node_get_array(n);
        for (guint i = json_array_get_length(a); i-- > 0;) {
            JsonNode *item = json_array_get_element(a, i);
            if (JSON_NODE_HOLDS_NULL(item))
                json_array_remove_element(a, i);
            else if (JSON_NODE_HOLDS_OBJECT(item))
                drop_empty_items(json_node_get_object(item));
        }
    }
    g_list_free(members);
}

/* A header with more dotted parts than data may nest would make objects deeper than any record
 * may be: refused once, for the file, naming the column. */
static gboolean header_ok(csv_state *st)
{
    for (guint i = 0; i < st->header->len; i++) {
        const char *key = g_ptr_array_index(st->header, i);
        int parts = 1;
        for (const char *p = key; p && *p && parts <= YF_DATA_MAX_DEPTH; p++)
            parts += *p == '.';
        if (parts > YF_DATA_MAX_DEPTH) {
            yf_error_at(st->diags, "data.table", st->rs->path, st->row_line, 0,
                        "CSV 表头第 %u 列「%.30s…」的键嵌套超过 %d 层", i + 1, key, YF_DATA_MAX_DEPTH);
            return FALSE;
        }
    }
    return TRUE;
}

/* A row of a table (`cells`, of char*, NULL for an empty cell; lent), on line or row `line`: the
 * first is the header, each later one a record. Returns FALSE once the header is refused. */
/* A record from the object `o` (taken), on line `line`. */
static void add_object(csv_state *st, JsonObject *o, int line)
{
    JsonNode *node = json_node_init_object(json_node_alloc(), o);
    json_object_unref(o);
    char *json = json_to_string(node, FALSE);
    json_node_unref(node);
    add_record(st->rs, line, st->json->len, strlen(json));
    g_string_append(st->json, json);
    g_free(json);
}

/* The --group-by column must be one of the header's. */
static gboolean group_column_ok(csv_state *st)
{
    if (!st->group_by)
        return TRUE;
    for (guint i = 0; i < st->header->len; i++) {
        const char *key = g_ptr_array_index(st->header, i);
        if (key && strcmp(key, st->group_by) == 0) {
            st->group_column = (int)i;
            return TRUE;
        }
    }
    yf_error_at(st->diags, "data.table", st->rs->path, st->row_line, 0, "表头中没有 --group-by 指定的列「%s」",
                st->group_by);
    return FALSE;
}

/* The row `o` joins the group of its key value; a row whose key cell is empty joins the group of
 * the row before (a key typed once over the rows of its record). */
static void add_to_group(csv_state *st, const char *key, int line, JsonObject *o)
{
    table_group *g = key ? NULL : st->last;
    if (key) {
        gpointer at;
        if (g_hash_table_lookup_extended(st->groups, key, NULL, &at)) {
            g = g_ptr_array_index(st->grouped, GPOINTER_TO_UINT(at));
        } else {
            g = g_new0(table_group, 1);
            g->line = line;
            g->rows = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
            g_hash_table_insert(st->groups, g_strdup(key), GUINT_TO_POINTER(st->grouped->len));
            g_ptr_array_add(st->grouped, g);
        }
    }
    if (!g) { /* an empty key before any: a record of its own, which the checks report */
        add_object(st, o, line);
        return;
    }
    g_ptr_array_add(g->rows, o);
    st->last = g;
}

/* One record from a group's rows: a member that every row that has it gives alike is one value
 * (期号, 编印单位, typed again or not); one that differs between rows is a list, an item a row
 * (文章.标题 and 文章.正文 in each row: the items of 文章; 报 in each row: the names of 报) — the
 * template's declarations take it from there (a list of objects of one item, a list of names). */
static JsonObject *merge_group(const table_group *g)
{
    JsonObject *out = json_object_new();
    GPtrArray *names = g_ptr_array_new();
    for (guint r = 0; r < g->rows->len; r++) {
        GList *members = json_object_get_members(g_ptr_array_index(g->rows, r));
        for (GList *m = members; m; m = m->next)
            if (!json_object_has_member(out, m->data)) {
                json_object_set_null_member(out, m->data);
                g_ptr_array_add(names, m->data);
            }
        g_list_free(members);
    }
    for (guint k = 0; k < names->len; k++) {
        const char *name = g_ptr_array_index(names, k);
        JsonArray *values = json_array_new();
        gboolean alike = TRUE;
        for (guint r = 0; r < g->rows->len; r++) {
            JsonObject *row = g_ptr_array_index(g->rows, r);
            JsonNode *v = json_object_get_member(row, name);
            if (!v)
                continue;
            if (json_array_get_length(values))
                alike &= json_node_equal(v, json_array_get_element(values, 0));
            json_array_add_element(values, json_node_copy(v));
        }
        if (alike)
            json_object_set_member(out, name, json_node_copy(json_array_get_element(values, 0)));
        else
            json_object_set_array_member(out, name, json_array_ref(values));
        json_array_unref(values);
    }
    g_ptr_array_free(names, TRUE);
    return out;
}

static void finish_groups(csv_state *st)
{
    for (guint i = 0; st->grouped && i < st->grouped->len; i++) {
        const table_group *g = g_ptr_array_index(st->grouped, i);
        add_object(st, merge_group(g), g->line);
    }
}

static void state_free(csv_state *st)
{
    if (st->groups)
        g_hash_table_destroy(st->groups);
    if (st->grouped)
        g_ptr_array_free(st->grouped, TRUE);
}

static void state_group(csv_state *st, const char *group_by)
{
    st->group_by = group_by;
    st->group_column = -1;
    if (!group_by)
        return;
    st->groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    st->grouped = g_ptr_array_new_with_free_func(group_free);
}

static gboolean add_row(csv_state *st, GPtrArray *cells, int line)
{
    if (st->bad)
        return FALSE;
    if (!st->header) {
        st->header = g_ptr_array_new_with_free_func(g_free);
        for (guint i = 0; i < cells->len; i++) {
            const char *key = g_ptr_array_index(cells, i);
            g_ptr_array_add(st->header, key ? g_strstrip(g_strdup(key)) : NULL);
        }
        st->row_line = line;
        st->bad = !header_ok(st) || !group_column_ok(st);
        return !st->bad;
    }
    JsonObject *o = json_object_new();
    for (guint i = 0; i < cells->len && i < st->header->len; i++) {
        const char *key = g_ptr_array_index(st->header, i), *value = g_ptr_array_index(cells, i);
        if (key && *key && value)
            set_path(o, key, value);
    }
    drop_empty_items(o);
    if (st->group_by) {
        const char *key = (guint)st->group_column < cells->len
                              ? g_ptr_array_index(cells, st->group_column) : NULL;
        add_to_group(st, key, line, o);
        return TRUE;
    }
    add_object(st, o, line);
    return TRUE;
}

static void on_row(int term, void *user)
{
    (void)term;
    csv_state *st = user;
    st->in_row = FALSE;
    add_row(st, st->row, st->row_line);
    g_ptr_array_set_size(st->row, 0);
}

static gboolean on_sheet_row(void *user, int row, GPtrArray *cells)
{
    return add_row(user, cells, row);
}

/* A sheet of an .xlsx or .xls workbook, as a table. */
static gboolean load_sheet(yf_records *rs, const char *sheet, const char *group_by, gboolean xls,
                           yf_diags *diags)
{
    csv_state st = { rs, diags, g_string_new(NULL), NULL, NULL, 0, 0, FALSE, FALSE, NULL, -1, NULL,
                     NULL, NULL };
    state_group(&st, group_by);
    gboolean ok = xls ? yf_xls_read(rs->path, sheet, on_sheet_row, &st, diags)
                      : yf_xlsx_read(rs->path, sheet, on_sheet_row, &st, diags);
    if (ok && !st.header)
        yf_error_at(diags, "data.table", rs->path, 0, 0, "工作表是空的：没有表头行");
    finish_groups(&st);
    state_free(&st);
    if (st.header)
        g_ptr_array_free(st.header, TRUE);
    rs->text_len = st.json->len;
    rs->text = g_string_free(st.json, FALSE);
    return ok && !st.bad && st.header;
}

static gboolean load_csv(yf_records *rs, const char *buf, size_t len, const char *group_by,
                         yf_diags *diags)
{
    struct csv_parser p;
    csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL);
    csv_state st = { rs, diags, g_string_new(NULL), NULL, g_ptr_array_new_with_free_func(g_free), 1, 1,
                      FALSE, FALSE, NULL, -1, NULL, NULL, NULL };
    state_group(&st, group_by);
    gboolean ok = TRUE;
    /* Fed line by line, so that a row's first field knows the line it is on. */
    size_t skip = len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0; /* Excel's BOM */
    for (const char *q = buf + skip, *end = buf + len; q < end && ok && !st.bad; st.line++) {
        const char *eol = memchr(q, '\n', (size_t)(end - q));
        size_t n = eol ? (size_t)(eol - q + 1) : (size_t)(end - q);
        if (csv_parse(&p, q, n, on_field, on_row, &st) != n) {
            yf_error_at(diags, "data.table", rs->path, st.line, 0, "CSV 格式错误：%s",
                        csv_strerror(csv_error(&p)));
            ok = FALSE;
        }
        q += n;
    }
    if (ok && !st.bad && csv_fini(&p, on_field, on_row, &st) != 0) {
        yf_error_at(diags, "data.table", rs->path, st.line - 1, 0, "CSV 格式错误：%s",
                    csv_strerror(csv_error(&p)));
        ok = FALSE;
    }
    if (ok && !st.bad && !st.header)
        yf_error_at(diags, "data.table", rs->path, 0, 0, "CSV 文件没有表头行");
    csv_free(&p);
    finish_groups(&st);
    state_free(&st);
    if (st.header)
        g_ptr_array_free(st.header, TRUE);
    g_ptr_array_free(st.row, TRUE);
    rs->text_len = st.json->len;
    rs->text = g_string_free(st.json, FALSE);
    return ok && !st.bad && st.header;
}

/* ---- the records -------------------------------------------------------------------------------- */

/* What kind of workbook the file is, by its first bytes: a zip (.xlsx), an OLE compound file
 * (.xls), or neither (0). */
static int workbook_kind(const char *path)
{
    int kind = 0;
    FILE *f = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0 && (f = fdopen(fd, "rb"))) {
        unsigned char magic[8] = { 0 };
        size_t n = fread(magic, 1, sizeof magic, f);
        if (n >= 4 && memcmp(magic, "PK\x03\x04", 4) == 0)
            kind = 1;
        else if (n == 8 && memcmp(magic, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) == 0)
            kind = 2;
        fclose(f);
    } else if (fd >= 0) {
        close(fd);
    }
    return kind;
}

yf_records *yf_records_load(const char *path, yf_diags *diags)
{
    return yf_records_open(path, NULL, NULL, diags);
}

yf_records *yf_records_open(const char *path, const char *sheet, const char *group_by,
                            yf_diags *diags)
{
    YF_OWN_DIAGS(diags, yf_records *, yf_records_open(path, sheet, group_by, own_diags));
    YF_REQUIRE(diags, path, NULL);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        int kind = workbook_kind(path);
        if (kind) {
            yf_records *rs = records_new(path);
            if (!load_sheet(rs, sheet, group_by, kind == 2, diags)) {
                yf_records_free(rs);
                return NULL;
            }
            return rs;
        }
    }
    if (sheet)
        yf_error_at(diags, "data.table", path, 0, 0, "--sheet 只用于 .xlsx 或 .xls 文件");
    char *raw = NULL, *buf = NULL;
    size_t len = 0;
    if (sheet)
        return NULL;
    if (yf_read_file(path, YF_RECORDS_MAX_BYTES, &raw, &len) != 0) {
        if (errno == EFBIG)
            yf_error_at(diags, "data.file", path, 0, 0, "数据文件过大（超过 %d 字节的上限）",
                        YF_RECORDS_MAX_BYTES);
        else
            yf_error_at(diags, "data.file", path, 0, 0, "无法读取数据：%s", yf_read_error(errno));
        return NULL;
    }
    size_t raw_len = len;
    buf = yf_text_decode(path, raw, raw_len, &len, diags);
    g_free(raw);
    if (!buf)
        return NULL;
    yf_records *rs = records_new(path);
    gboolean ok = TRUE;
    const char *p = buf;
    while (p < buf + len && g_ascii_isspace(*p))
        p++;
    if (g_str_has_suffix(path, ".csv") || g_str_has_suffix(path, ".CSV")) {
        ok = load_csv(rs, buf, len, group_by, diags);
        g_free(buf);
    } else if (group_by) {
        yf_error_at(diags, "data.table", path, 0, 0, "--group-by 只用于表格（CSV、.xlsx、.xls）");
        g_free(buf);
        ok = FALSE;
    } else {
        /* The file itself holds the records' text. */
        rs->text = buf;
        rs->text_len = len;
        if (*p == '[')
            ok = load_array(rs, diags);
        else if (*p == '{' && is_one_object(buf, len))
            add_record(rs, 1, 0, len); /* one object over several lines: one record */
        else
            load_jsonl(rs);
    }
    if (!ok) {
        yf_records_free(rs);
        return NULL;
    }
    return rs;
}

size_t yf_records_count(const yf_records *rs) { return rs ? rs->items->len : 0; }

int yf_records_line(const yf_records *rs, size_t i)
{
    return rs && i < rs->items->len ? g_array_index(rs->items, record, i).line : 0;
}

yf_data *yf_records_get(const yf_records *rs, size_t i, yf_diags *diags)
{
    YF_OWN_DIAGS(diags, yf_data *, yf_records_get(rs, i, own_diags));
    YF_REQUIRE(diags, rs, NULL);
    if (i >= rs->items->len) {
        yf_error_at(diags, "data.no-records", rs->path, 0, 0, "没有第 %zu 条记录（共 %u 条）", i + 1, rs->items->len);
        return NULL;
    }
    const record *r = &g_array_index(rs->items, record, i);
    return yf_data_parse_json_line(rs->path, r->line, rs->text + r->off, r->len, diags);
}

void yf_records_free(yf_records *rs)
{
    if (!rs)
        return;
    g_array_free(rs->items, TRUE);
    g_free(rs->text);
    g_free(rs->path);
    g_free(rs);
}
