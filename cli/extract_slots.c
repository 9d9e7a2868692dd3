/* yinfa extract, the facts that change: every run of X (Ｘ, ×) — a redacted fact — and every run
 * the source marked (shaded or highlighted in Word) becomes a slot, named from the words around it
 * and typed from what stands beside it: X年X月X日 the parts of a date (报名截止日期.月), X万元 money
 * (专项经费), X人 a count (参会人数), 第X届 an ordinal in Chinese numerals (届次), "电话：X" the word
 * before the colon. Names are unique; the year alone is one fact however often it is written. */
#include "extract.h"

#include <string.h>
#include <unicode/ubrk.h>
#include <unicode/ustring.h>

struct ex_slots {
    GPtrArray *slots;     /* of ex_slot */
    GHashTable *used;     /* names and date prefixes taken */
    GHashTable *next;     /* name -> the number to try next for it */
    char *date_prefix;    /* the date being read (X年X月X日), until its day */
    ex_slot *year;        /* the year written alone, one slot */
};

ex_slots *ex_slots_new(void)
{
    ex_slots *s = g_new0(ex_slots, 1);
    s->slots = g_ptr_array_new();
    s->used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    s->next = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return s;
}

void ex_slots_free(ex_slots *s)
{
    if (!s)
        return;
    for (guint i = 0; i < s->slots->len; i++) {
        ex_slot *x = g_ptr_array_index(s->slots, i);
        g_free(x->name);
        g_free(x->example);
        g_free(x->why);
        g_free(x);
    }
    g_ptr_array_free(s->slots, TRUE);
    g_hash_table_destroy(s->used);
    g_hash_table_destroy(s->next);
    g_free(s->date_prefix);
    g_free(s);
}

void ex_slots_reserve(ex_slots *s, const char *name)
{
    g_hash_table_add(s->used, g_strdup(name));
}

guint ex_slots_count(const ex_slots *s) { return s->slots->len; }
const ex_slot *ex_slots_get(const ex_slots *s, guint i) { return g_ptr_array_index(s->slots, i); }

char *ex_plain(const char *line)
{
    GString *out = g_string_new(NULL);
    for (const char *p = line; *p;) {
        if (g_str_has_prefix(p, EX_MARK_ON) || g_str_has_prefix(p, EX_MARK_OFF)) {
            p += strlen(EX_MARK_ON);
            continue;
        }
        const char *q = g_utf8_next_char(p);
        g_string_append_len(out, p, q - p);
        p = q;
    }
    return g_string_free(out, FALSE);
}

/* ---- where an X is --------------------------------------------------------------------------- */

static gboolean redaction_char(const char *p)
{
    return *p == 'X' || g_str_has_prefix(p, "Ｘ") || g_str_has_prefix(p, "×");
}

static gboolean ascii_alnum_at(const char *p) { return g_ascii_isalnum(*p); }

/* The end of a run of X at `p` that is a redaction (not the X of "XML", not 3×4), or NULL. */
static const char *redaction_at(const char *line, const char *p)
{
    if (!redaction_char(p))
        return NULL;
    if (p > line && ascii_alnum_at(g_utf8_prev_char(p)) && *g_utf8_prev_char(p) != 'X')
        return NULL;
    const char *q = p;
    while (*q && redaction_char(q))
        q = g_utf8_next_char(q);
    if (ascii_alnum_at(q))
        return NULL;
    return q;
}

static gboolean is_han(gunichar c)
{
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF);
}

/* ---- the words around it ------------------------------------------------------------------- */

static gboolean strip_suffix(GString *w, const char *const *words)
{
    for (int i = 0; words[i]; i++)
        if (g_str_has_suffix(w->str, words[i]) && w->len > strlen(words[i])) {
            g_string_truncate(w, w->len - strlen(words[i]));
            return TRUE;
        }
    return FALSE;
}

/* Takes a leading word off, unless what is left would be one or two characters: 慰问资金 stays,
 * 资金 alone names nothing. */
static gboolean strip_prefix(GString *w, const char *const *words)
{
    for (int i = 0; words[i]; i++)
        if (g_str_has_prefix(w->str, words[i]) &&
            (w->len == strlen(words[i]) || g_utf8_strlen(w->str + strlen(words[i]), -1) >= 3)) {
            g_string_erase(w, 0, (gssize)strlen(words[i]));
            return TRUE;
        }
    return FALSE;
}

static const char *const trailing_words[] = {
    "不少于", "不低于", "不超过", "不多于", "每年", "每月", "每人", "每个", "折合",
    "共计", "合计", "累计", "总计", "约为", "达到", "超过", "定于", "将于", "拟于", "已于", "截至",
    "约", "共", "达", "计", "为", "是", "逾", "近", "有", "于", "在", "至", "到", "自", "从",
    "第", "的", "等", NULL
};
static const char *const leading_words[] = {
    "需要", "需", "发放", "新建", "建设", "投入", "安排", "筹集", "慰问", "走访", "召开", "举办",
    "组织", "开展", "参加", "参与", "覆盖", "惠及", "帮扶", "救助", "资助", "培训", "新增", "完成",
    "实现", "评选", "表彰", "收到", "办理", "计划", "其中", "共有", "全市", "今年", "本次",
    "提出", "创造", "各类", "全面", "深入", "贯彻落实", "贯彻", "落实", "根据", "履行好", "履行",
    "我市", "出席", "各", "在", "按照", "围绕", "推进", "加快", "分别给予", "给予", "分别", "等",
    "每个", "每",
    NULL
};

/* The longest end of `phrase` that starts at a word boundary (ICU's dictionary-based word
 * break for Chinese) and holds at most `max` characters; the phrase's last `max` characters
 * when no boundary gives one of two or more. Caller frees. */
static char *last_words(const char *phrase, int max)
{
    glong n = g_utf8_strlen(phrase, -1);
    if (n <= max)
        return g_strdup(phrase);
    UErrorCode st = U_ZERO_ERROR;
    UChar buf[64];
    int32_t len = 0;
    u_strFromUTF8(buf, G_N_ELEMENTS(buf), &len, phrase, -1, &st);
    UBreakIterator *bi = U_SUCCESS(st) ? ubrk_open(UBRK_WORD, "zh", buf, len, &st) : NULL;
    int32_t best = -1;
    /* Four characters if a word starts there, else five (a noun phrase of two words). */
    for (int most = max - 1; most <= max && best < 0 && bi && U_SUCCESS(st); most++) {
        /* All characters here are in the BMP: UTF-16 units are characters. */
        for (int32_t b = ubrk_first(bi); b != UBRK_DONE; b = ubrk_next(bi))
            if (len - b <= most && len - b >= 2) {
                best = b;
                break;
            }
    }
    if (bi)
        ubrk_close(bi);
    const char *from = g_utf8_offset_to_pointer(phrase, best >= 0 ? best : n - max);
    return g_strdup(from);
}

/* The noun phrase before `p` in `line`: up to twelve Han characters (a colon or a space just
 * before the X skipped; twelve at most), cut after the last particle or preposition, function words and leading
 * verbs taken off. "" when there is none. Caller frees. */
static char *word_before(const char *line, const char *p)
{
    const char *q = p;
    while (q > line) {
        gunichar c = g_utf8_get_char(g_utf8_prev_char(q));
        if (c != 0xFF1A && c != ':' && c != ' ' && c != 0x3000 && c != 0x201C && c != 0x300C)
            break;
        q = g_utf8_prev_char(q);
    }
    const char *start = q;
    int n = 0;
    while (start > line && n < 12) {
        const char *prev = g_utf8_prev_char(start);
        if (!is_han(g_utf8_get_char(prev)))
            break;
        start = prev;
        n++;
    }
    GString *w = g_string_new_len(start, q - start);
    /* After the last particle: "为环卫工人提供" → "环卫工人提供"; keep two characters at least. */
    static const char *const breakers = "的了和与及或对向把被将由";
    for (const char *r = w->str + w->len; r > w->str;) {
        r = g_utf8_prev_char(r);
        if (g_utf8_strchr(breakers, -1, g_utf8_get_char(r)) && g_utf8_strlen(r, -1) >= 3 &&
            r != w->str) {
            g_string_erase(w, 0, (gssize)(g_utf8_next_char(r) - w->str));
            break;
        }
    }
    while (strip_suffix(w, trailing_words))
        ;
    /* Five characters at most, verbs and adverbs before the noun taken off: the end of a long
     * phrase is its head noun, cut where a word begins. */
    for (int pass = 0; pass < 2; pass++) {
        while (strip_prefix(w, leading_words))
            ;
        char *tail = last_words(w->str, 5);
        g_string_assign(w, tail);
        g_free(tail);
    }
    if (g_utf8_strlen(w->str, -1) < 2)
        g_string_truncate(w, 0);
    return g_string_free(w, FALSE);
}

/* Up to four Han characters after `p`. Caller frees. */
static char *word_after(const char *p)
{
    if (g_str_has_prefix(p, "”") || g_str_has_prefix(p, "」"))
        p += strlen("”");
    const char *q = p;
    int n = 0;
    while (*q && n < 4 && is_han(g_utf8_get_char(q)))
        q = g_utf8_next_char(q), n++;
    return n >= 2 ? g_strndup(p, q - p) : g_strdup("");
}

/* The noun right after a measure word ("X个工种，" → 工种; "X名职工获" → 职工): up to four Han
 * characters, up to a particle or a verb that ends it. NULL when there is none of two or more. */
static char *counted_noun(const char *p)
{
    static const char *const stops = "的了和与及等获在为将到从向被把由是有共约已均作参进开受提达分于入";
    const char *q = p;
    int n = 0;
    while (*q && n < 4) {
        gunichar c = g_utf8_get_char(q);
        if (!is_han(c) || g_utf8_strchr(stops, -1, c))
            break;
        q = g_utf8_next_char(q), n++;
    }
    /* One character only when the noun plainly ends there ("分X个组，"). */
    gboolean ended = !*q || !is_han(g_utf8_get_char(q));
    return (n >= 2 || (n == 1 && ended)) && n < 4 ? g_strndup(p, q - p) : NULL;
}

/* 工种 + 个数 → 工种数; 职工 + 人数 → 职工人数; 参会人员 + 人数 → 参会人数. */
static char *counted_name(const char *noun, const char *base)
{
    if (strcmp(base, "人数") == 0 || strcmp(base, "人次") == 0) {
        GString *w = g_string_new(noun);
        static const char *const people[] = { "人员", NULL };
        strip_suffix(w, people);
        g_string_append(w, base);
        return g_string_free(w, FALSE);
    }
    const char *tail = g_str_has_suffix(base, "数") ? "数" : base;
    return g_strconcat(noun, tail, NULL);
}

/* What the word right after an X says: the slot's name base and type. */
static const struct unit {
    const char *after;
    const char *base;
    const char *type;
    const char *example;
} units[] = {
    { "万余人次", "人次", "integer", "12" }, { "人次", "人次", "integer", "3600" },
    { "万元", "金额", "money", "1280.5" },   { "亿元", "金额", "money", "3.2" },
    { "元", "金额", "money", "12000" },      { "万余名", "人数", "integer", "2" },
    { "万余人", "人数", "integer", "2" },    { "万人", "人数", "integer", "35" },
    { "余名", "人数", "integer", "120" },    { "余人", "人数", "integer", "120" },
    { "多名", "人数", "integer", "120" },    { "多人", "人数", "integer", "120" },
    { "名", "人数", "integer", "86" },       { "人", "人数", "integer", "120" },
    { "位", "人数", "integer", "30" },       { "户", "户数", "integer", "2360" },
    { "家", "单位数", "integer", "26" },     { "个", "个数", "integer", "12" },
    { "项", "项数", "integer", "30" },       { "场", "场次", "integer", "8" },
    { "辆", "辆数", "integer", "150" },      { "张", "张数", "integer", "3000" },
    { "件", "件数", "integer", "45" },       { "条", "条数", "integer", "10" },
    { "所", "所数", "integer", "6" },        { "天", "天数", "integer", "3" },
    { "小时", "小时数", "integer", "8" },    { "%", "比例", "number", "95.5" },
    { "平方米", "面积", "number", "120" },   { "亩", "面积", "number", "80" },
    { "公里", "里程", "number", "12.5" },    { "千米", "里程", "number", "12.5" },
    { "％", "比例", "number", "95.5" },      { "期", "期号", "integer", "12" },
    { "号", "序号", "integer", "5" },        { "省", "省份", "text", "浙江" },
    { "市", "城市", "text", "宁波" },        { "区", "区", "text", "海曙" },
    { "县", "县", "text", "象山" },
};

/* "X届X次执委会", "市工会X大": a congress's term and session, in Chinese numerals. */
static const struct unit terms[] = {
    { "届", "届次", "integer", "14" }, { "次", "会次", "integer", "3" }, { "大", "届次", "integer", "14" },
};

/* Ordinals "第X届" "第X次": integers written in Chinese numerals (GB/T 15835 keeps them so). */
static const struct unit ordinals[] = {
    { "届", "届次", "integer", "14" }, { "次", "次数", "integer", "3" },
    { "期", "期号", "integer", "12" }, { "批", "批次", "integer", "2" },
    { "季度", "季度", "integer", "1" },
};

static const char *const money_heads[] = { "经费", "资金", "金额", "费用", "奖金", "补助", "补贴",
                                           "款", "金", "费", "额", NULL };

/* The name of a fact: the word before it and the base the unit gives, the one not repeating the
 * other (参会人员 + 人数 → 参会人数; 专项经费 + 金额 → 专项经费). */
static char *compose_name(const char *word, const char *base)
{
    if (!*word)
        return g_strdup(base);
    if (strcmp(base, "金额") == 0) {
        for (int i = 0; money_heads[i]; i++)
            if (g_str_has_suffix(word, money_heads[i]))
                return g_strdup(word);
        return g_strconcat(word, base, NULL);
    }
    if (strcmp(base, "人数") == 0) {
        static const char *const people[] = { "人员", "人", NULL };
        GString *w = g_string_new(word);
        strip_suffix(w, people);
        g_string_append(w, base);
        return g_string_free(w, FALSE);
    }
    if (g_str_has_suffix(word, base))
        return g_strdup(word);
    return g_strconcat(word, base, NULL);
}

/* A name not taken yet: "金额", then "金额2" … (the next number of each name remembered, so
 * that a text of many alike facts is not quadratic). */
static char *unique(ex_slots *s, const char *name)
{
    char *n = g_strdup(name);
    int k = GPOINTER_TO_INT(g_hash_table_lookup(s->next, name));
    for (k = MAX(k, 2); g_hash_table_contains(s->used, n); k++) {
        g_free(n);
        n = g_strdup_printf("%s%d", name, k);
    }
    g_hash_table_replace(s->next, g_strdup(name), GINT_TO_POINTER(k));
    g_hash_table_add(s->used, g_strdup(n));
    return n;
}

static ex_slot *new_slot(ex_slots *s, char *name, const char *type, const char *example,
                         const char *line, const char *p, const char *end, const char *how)
{
    ex_slot *x = g_new0(ex_slot, 1);
    x->name = name;
    x->type = type;
    x->example = g_strdup(example);
    /* The words around the X, for the report. */
    const char *a = p, *b = end;
    for (int k = 0; k < 8 && a > line; k++)
        a = g_utf8_prev_char(a);
    for (int k = 0; k < 4 && *b; k++)
        b = g_utf8_next_char(b);
    char *around = g_strndup(a, b - a);
    char *plain = ex_plain(around);
    x->why = g_strdup_printf("“…%s…” %s", plain, how);
    g_free(plain);
    g_free(around);
    g_ptr_array_add(s->slots, x);
    return x;
}

/* The part of a date an X before 年, 月 or 日 is, its date named from the words before it. */
static ex_slot *date_part(ex_slots *s, const char *line, const char *p, const char *end,
                          const char *unit)
{
    gboolean year = strcmp(unit, "年") == 0, day = strcmp(unit, "日") == 0;
    const char *after_unit = end + strlen(unit);
    /* X年 alone (X年度, 申请X年……经费): the year, one slot for the whole document. */
    if (year && !redaction_at(line, after_unit) && !g_ascii_isdigit(*after_unit)) {
        if (!s->year)
            s->year = new_slot(s, unique(s, "年度"), "integer", "2026", line, p, end,
                               "年份 → 年度（integer，全文同一个）");
        return s->year;
    }
    if (!s->date_prefix) {
        /* "于X月X日前报送": the date something is due by. */
        const char *due = strstr(end, "日前");
        char *w = due && due - end <= 12 ? g_strdup("截止") : word_before(line, p);
        GString *g = g_string_new(w);
        g_free(w);
        static const char *const time_words[] = { "时间", NULL };
        if (strip_suffix(g, time_words) || !g_str_has_suffix(g->str, "日期"))
            g_string_append(g, "日期");
        s->date_prefix = unique(s, g->str);
        g_string_free(g, TRUE);
    }
    const char *part = year ? "年" : strcmp(unit, "月") == 0 ? "月" : "日";
    char *name = g_strdup_printf("%s.%s", s->date_prefix, part);
    g_hash_table_add(s->used, g_strdup(name));
    char *how = g_strdup_printf("日期的%s → %s（integer）", part, name);
    ex_slot *x = new_slot(s, name, "integer", year ? "2026" : strcmp(part, "月") == 0 ? "3" : "16",
                          line, p, end, how);
    g_free(how);
    if (day || !redaction_at(line, after_unit)) {
        g_free(s->date_prefix);
        s->date_prefix = NULL;
    }
    return x;
}

/* A slot for the X run p..end of `line`. */
static ex_slot *slot_for_x(ex_slots *s, const char *line, const char *p, const char *end)
{
    static const char *const date_units[] = { "年", "月", "日", NULL };
    for (int i = 0; date_units[i]; i++)
        if (g_str_has_prefix(end, date_units[i]))
            return date_part(s, line, p, end, date_units[i]);
    gboolean ordinal = p > line && g_str_has_prefix(g_utf8_prev_char(p), "第");
    if (ordinal) {
        for (size_t i = 0; i < G_N_ELEMENTS(ordinals); i++)
            if (g_str_has_prefix(end, ordinals[i].after)) {
                char *w = word_before(line, g_utf8_prev_char(p));
                char *composed = *w ? compose_name(w, ordinals[i].base) : g_strdup(ordinals[i].base);
                char *name = unique(s, composed);
                g_free(composed);
                g_free(w);
                char *how = g_strdup_printf("第X%s → %s（integer，中文数字）", ordinals[i].after, name);
                ex_slot *x = new_slot(s, name, "integer", ordinals[i].example, line, p, end, how);
                x->chinese = TRUE;
                g_free(how);
                return x;
            }
    }
    char *w = word_before(line, p);
    for (size_t i = 0; i < G_N_ELEMENTS(terms); i++)
        if (g_str_has_prefix(end, terms[i].after) &&
            (i != 1 || (p > line && g_str_has_prefix(g_utf8_prev_char(p), "届")))) {
            char *composed = compose_name(w, terms[i].base);
            char *name = unique(s, composed);
            g_free(composed);
            char *how = g_strdup_printf("X%s → %s（integer，中文数字）", terms[i].after, name);
            ex_slot *x = new_slot(s, name, "integer", terms[i].example, line, p, end, how);
            x->chinese = TRUE;
            g_free(how);
            g_free(w);
            return x;
        }
    for (size_t i = 0; i < G_N_ELEMENTS(units); i++)
        if (g_str_has_prefix(end, units[i].after)) {
            /* "X个工种", "X名职工": the noun after the measure word is what is counted. */
            char *noun = strcmp(units[i].type, "integer") == 0
                             ? counted_noun(end + strlen(units[i].after)) : NULL;
            if (noun) {
                g_free(w);
                w = noun;
            }
            char *composed = noun ? counted_name(noun, units[i].base) : compose_name(w, units[i].base);
            char *name = unique(s, composed);
            g_free(composed);
            char *how = g_strdup_printf("X%s → %s（%s）%s%s%s", units[i].after, name, units[i].type,
                                        !*w ? "" : noun ? "，所计的是后文“" : "，取前文“", w,
                                        *w ? "”" : "");
            ex_slot *x = new_slot(s, name, units[i].type, units[i].example, line, p, end, how);
            g_free(how);
            g_free(w);
            return x;
        }
    /* No unit: the word before ("联系人：X"), else the word after ("X同志"), else 事项. */
    char *after = *w ? NULL : word_after(end);
    const char *base = *w ? w : after && *after ? after : "事项";
    char *name = unique(s, base);
    char *how = g_strdup_printf("→ %s（text）%s", name,
                                *w ? "，取前文" : after && *after ? "，取后文" : "，上下文中没有可用的词");
    ex_slot *x = new_slot(s, name, "text", "某某", line, p, end, how);
    g_free(how);
    g_free(after);
    g_free(w);
    return x;
}

/* A slot for a run the source marked, `value` its text (the example): typed from its content. */
static ex_slot *slot_for_mark(ex_slots *s, const char *line, const char *p, const char *end,
                              const char *value)
{
    int y, m, d;
    const char *type = "text";
    char *example = g_strdup(value);
    char *w = word_before(line, p);
    const char *base = *w ? w : "事项";
    gboolean digits = *value != '\0';
    for (const char *c = value; *c; c++)
        digits &= g_ascii_isdigit(*c) || *c == '.' || *c == ',';
    char *with_year = g_strconcat("2000年", value, NULL);
    if (ex_parse_date(value, &y, &m, &d)) {
        type = "date";
        g_free(example);
        example = g_strdup_printf("%04d-%02d-%02d", y, m, d);
        base = "日期";
    } else if (ex_parse_date(with_year, &y, &m, &d) || g_str_has_suffix(value, "月")) {
        /* "3月31日", "2026年4月": a date as the sentence writes it, kept as text. */
        base = g_str_has_prefix(end, "前") ? "截止日期" : "日期";
    } else if (digits && (g_str_has_prefix(end, "元") || g_str_has_prefix(end, "万元"))) {
        type = "money";
        base = "金额";
    } else if (digits) {
        type = strchr(value, '.') ? "number" : "integer";
        for (size_t i = 0; i < G_N_ELEMENTS(units); i++)
            if (g_str_has_prefix(end, units[i].after)) {
                base = units[i].base;
                break;
            }
    }
    g_free(with_year);
    gboolean own = base != w && strcmp(base, "截止日期") != 0;
    char *composed = *w && own ? compose_name(w, base) : g_strdup(base);
    char *name = unique(s, composed);
    g_free(composed);
    char *how = g_strdup_printf("Word 中加底纹的“%s” → %s（%s）", value, name, type);
    ex_slot *x = new_slot(s, name, type, example, line, p, end, how);
    g_free(how);
    g_free(example);
    g_free(w);
    return x;
}

void ex_slots_scan(ex_slots *s, const char *line, const ex_sink *sink)
{
    const char *run = line, *p = line;
    while (*p) {
        const char *end = NULL;
        ex_slot *x = NULL;
        if (g_str_has_prefix(p, EX_MARK_ON)) {
            const char *from = p + strlen(EX_MARK_ON);
            const char *close = strstr(from, EX_MARK_OFF);
            end = close ? close : from + strlen(from);
            char *value = g_strndup(from, end - from);
            char *plain = ex_plain(value);
            if (close)
                end += strlen(EX_MARK_OFF);
            if (*plain)
                x = slot_for_mark(s, line, p, end, plain);
            g_free(plain);
            g_free(value);
        } else if ((end = redaction_at(line, p)) != NULL) {
            x = slot_for_x(s, line, p, end);
        } else {
            p = g_utf8_next_char(p);
            continue;
        }
        if (p > run)
            sink->text(sink->user, run, (size_t)(p - run));
        if (x)
            sink->slot(sink->user, x);
        p = run = end;
    }
    if (p > run)
        sink->text(sink->user, run, (size_t)(p - run));
}
