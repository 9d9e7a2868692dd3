/* Name order: the order a list of names is printed in, 按姓氏笔画为序 or 按姓氏拼音为序.
 *
 * In: the names (UTF-8). Out: a stable permutation. Part of the bind stage (a <for sort=…>).
 *
 * Stroke order follows the mainland norms rather than ICU's zh@collation=stroke, which counts
 * some components the traditional way (阝 as 3 strokes) and breaks ties by radical:
 * GB 13000.1 字符集汉字字序（笔画序）规范 (GF 3003-1999) orders characters by their number of
 * strokes in the simplified form (GF 3002-1999 笔顺规范: 阝 2, 艹 3, 辶 3), then by the strokes in
 * writing order, each compared in the order 横 竖 撇 点 折; names compare character by character,
 * so a compound surname (欧阳, 司马) sorts as a unit by its first character, then the next.
 * The strokes come from Debian's rime-data-stroke (the 五笔画 codes h s p n z of 75 000
 * characters): where it lists a character twice, the first code follows Taiwan's CNS 11643
 * (陈 zzshzzpn, 8 strokes) and the later one the mainland standard (陈 zshzspn, 7) — the later
 * one is taken.
 *
 * Pinyin order is ICU's zh@collation=pinyin, except that a surname is read as a surname: 曾 is
 * zēng, not céng; 单 shàn; 仇 qiú … (the table below). The surname is replaced, for comparison
 * only, by a character that ICU reads that way; equal keys keep the names' order in the data. */
#include "format.h"

#include <pthread.h>
#include <string.h>
#include <unicode/ucol.h>

#define STROKE_DATA "/usr/share/rime-data/stroke.dict.yaml"

/* ---- stroke data --------------------------------------------------------------------------- */

/* character -> its strokes as digits '1' 横 … '5' 折 (GB 13000.1's order), the mainland code. */
static GHashTable *strokes_load(void)
{
    char *buf = NULL;
    size_t len = 0;
    if (yf_read_file(STROKE_DATA, 16 * 1024 * 1024, &buf, &len) != 0)
        return NULL;
    GHashTable *t = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, g_free);
    for (char *line = buf, *next; line < buf + len; line = next) {
        next = strchr(line, '\n');
        next = next ? next + 1 : buf + len;
        char *tab = memchr(line, '\t', (size_t)(next - line));
        if (!tab || line[0] == '#' || g_utf8_next_char(line) != tab)
            continue;
        gunichar c = g_utf8_get_char_validated(line, tab - line);
        if (c == (gunichar)-1 || c == (gunichar)-2)
            continue;
        GString *code = g_string_new(NULL);
        for (const char *p = tab + 1; p < next && *p != '\t' && *p != '\n' && *p != '\r'; p++) {
            const char *at = strchr("hspnz", *p);
            if (!at || !*p) {
                g_string_truncate(code, 0);
                break;
            }
            g_string_append_c(code, (char)('1' + (at - "hspnz")));
        }
        if (code->len > 0 && code->len < 64)
            g_hash_table_replace(t, GUINT_TO_POINTER(c), g_string_free(code, FALSE)); /* later wins */
        else
            g_string_free(code, TRUE);
    }
    g_free(buf);
    return t;
}

/* The table, read once per process on first use and never changed after (like ICU's data).
 * pthread_once, whose ordering ThreadSanitizer follows (GOnce's lock is a futex it cannot see). */
static GHashTable *stroke_table;
static pthread_once_t stroke_once = PTHREAD_ONCE_INIT;

static void strokes_load_once(void)
{
    stroke_table = strokes_load();
}

static GHashTable *strokes(void)
{
    pthread_once(&stroke_once, strokes_load_once);
    return stroke_table;
}

/* A byte string whose memcmp order is the stroke order of `name`: per character its stroke count
 * (one byte) then its strokes, so a count decides before the strokes and equal counts compare
 * stroke by stroke; a character without stroke data (Latin, digits, ·) after every Han one. */
static GByteArray *stroke_key(GHashTable *t, const char *name)
{
    GByteArray *k = g_byte_array_new();
    for (const char *p = name; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        const char *code = g_hash_table_lookup(t, GUINT_TO_POINTER(c));
        if (code) {
            guint8 n = (guint8)strlen(code);
            g_byte_array_append(k, &n, 1);
            g_byte_array_append(k, (const guint8 *)code, n);
        } else {
            guint8 other[5] = { 0xFF, (guint8)(c >> 24), (guint8)(c >> 16), (guint8)(c >> 8),
                                (guint8)c };
            g_byte_array_append(k, other, sizeof other);
        }
    }
    return k;
}

typedef struct {
    GByteArray **keys;
} stroke_sort;

static int cmp_strokes(gconstpointer a, gconstpointer b, gpointer user)
{
    const stroke_sort *s = user;
    int ia = *(const int *)a, ib = *(const int *)b;
    const GByteArray *x = s->keys[ia], *y = s->keys[ib];
    guint common = MIN(x->len, y->len); /* an empty name's key has no data at all */
    int r = common ? memcmp(x->data, y->data, common) : 0;
    if (r)
        return r;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return ia - ib; /* stable */
}

static gboolean order_by_strokes(char **keys, int n, int *order)
{
    GHashTable *t = strokes();
    if (!t)
        return FALSE;
    stroke_sort s = { g_new(GByteArray *, n) };
    for (int i = 0; i < n; i++)
        s.keys[i] = stroke_key(t, keys[i]);
    g_qsort_with_data(order, n, sizeof(int), cmp_strokes, &s);
    for (int i = 0; i < n; i++)
        g_byte_array_free(s.keys[i], TRUE);
    g_free(s.keys);
    return TRUE;
}

/* ---- pinyin ----------------------------------------------------------------------------------- */

/* Surnames whose reading differs from the character's everyday one, and a character (or two)
 * that ICU's pinyin order reads the surname's way. Compound surnames first. */
static const struct { const char *surname, *reads_as; } surname_readings[] = {
    { "尉迟", "玉迟" },  /* yùchí */
    { "万俟", "莫其" },  /* mòqí */
    { "长孙", "掌孙" },  /* zhǎngsūn */
    { "曾", "增" },      /* zēng */
    { "单", "善" },      /* shàn */
    { "仇", "求" },      /* qiú */
    { "解", "谢" },      /* xiè */
    { "查", "扎" },      /* zhā */
    { "区", "欧" },      /* ōu */
    { "朴", "瓢" },      /* piáo */
    { "盖", "舸" },      /* gě */
    { "缪", "妙" },      /* miào */
    { "覃", "秦" },      /* qín */
    { "种", "虫" },      /* chóng */
    { "繁", "婆" },      /* pó */
    { "员", "运" },      /* yùn */
    { "乐", "月" },      /* yuè */
    { "召", "邵" },      /* shào */
    { "秘", "必" },      /* bì */
    { "句", "勾" },      /* gōu */
};

/* The name with its surname spelled for ICU's pinyin order. Caller frees. */
static char *pinyin_key(const char *name)
{
    for (size_t i = 0; i < G_N_ELEMENTS(surname_readings); i++) {
        size_t n = strlen(surname_readings[i].surname);
        if (strncmp(name, surname_readings[i].surname, n) == 0)
            return g_strconcat(surname_readings[i].reads_as, name + n, NULL);
    }
    return g_strdup(name);
}

typedef struct {
    UCollator *coll;
    char **keys, **names;
} pinyin_sort;

static int cmp_pinyin(gconstpointer a, gconstpointer b, gpointer user)
{
    const pinyin_sort *c = user;
    int ia = *(const int *)a, ib = *(const int *)b;
    UErrorCode st = U_ZERO_ERROR;
    UCollationResult r = ucol_strcollUTF8(c->coll, c->keys[ia], -1, c->keys[ib], -1, &st);
    if (r == UCOL_EQUAL)
        r = ucol_strcollUTF8(c->coll, c->names[ia], -1, c->names[ib], -1, &st);
    if (r != UCOL_EQUAL)
        return r == UCOL_LESS ? -1 : 1;
    return ia - ib; /* stable */
}

static gboolean order_by_pinyin(char **names, int n, int *order)
{
    UErrorCode st = U_ZERO_ERROR;
    UCollator *coll = ucol_open("zh@collation=pinyin", &st);
    if (U_FAILURE(st))
        return FALSE;
    pinyin_sort c = { coll, g_new0(char *, n + 1), names };
    for (int i = 0; i < n; i++)
        c.keys[i] = pinyin_key(names[i]);
    g_qsort_with_data(order, n, sizeof(int), cmp_pinyin, &c);
    g_strfreev(c.keys);
    ucol_close(coll);
    return TRUE;
}

gboolean yf_collate_order(const char *how, char **keys, int n, int *order)
{
    for (int i = 0; i < n; i++)
        order[i] = i;
    return strcmp(how, "stroke") == 0 ? order_by_strokes(keys, n, order)
                                      : order_by_pinyin(keys, n, order);
}
