/* yinfa print, yinfa printers, and the printing of yinfa batch --print: PDFs to a CUPS queue
 * through libcups — no `lp` — one job a document, named after it.
 *
 *   yinfa print TEMPLATE DATA [-P PRINTER] [--copies N | --copies-from SLOT] [--simplex]
 *   yinfa printers
 *
 * GB/T 9704 §5: A4 paper, printed on both sides, the 156 mm × 225 mm type area at its size. So
 * every job asks for media=iso_a4_210x297mm, print-scaling=none, sides=two-sided-long-edge
 * (one-sided only with --simplex) and collated copies; a destination that cannot do one of these
 * is refused before anything is sent, with what the clerk can do. The program waits for each job
 * to complete (IPP Get-Job-Attributes) before sending the next, so a paused printer, an empty
 * tray or an unreachable device stops a batch at a known document; a state file records every
 * document's job and its completion, so that --resume never prints a document twice. */
#define _GNU_SOURCE
#include "common.h"
#include "print.h"

#include <cups/cups.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define A4 "iso_a4_210x297mm"
#define STATE_FILE ".yinfa-print.json"
#define POLL_MS 200
#define TIMEOUT_S 10.0 /* how long a request to CUPS may go unanswered; YINFA_CUPS_TIMEOUT */

struct cli_printer {
    http_t *http;
    cups_dest_t *dest;
    cups_dinfo_t *info;
    char uri[HTTP_MAX_URI];     /* ipp://localhost/printers/NAME */
    int num_options;
    cups_option_t *options;     /* what every job asks for */
    int max_copies;
    char *uuid;                 /* printer-uuid, NULL when the server gives none */
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* ---- options ----------------------------------------------------------------------------- */

int cli_print_option(const char *command, int c, const char *arg, cli_print_options *po)
{
    char *end;
    long n;
    switch (c) {
    case 'P': po->printer = arg; return 1;
    case 'X': po->simplex = 1; return 1;
    case 'F': po->copies_from = arg; return 1;
    case 'C':
        n = strtol(arg, &end, 10);
        if (!*arg || *end || n < 1 || n > 9999) {
            fprintf(stderr, "yinfa %s: --copies 应为 1 到 9999 之间的整数：%s\n", command, arg);
            return -1;
        }
        po->copies = (int)n;
        return 1;
    default: return 0;
    }
}

int cli_print_copies(const cli_print_options *po, const yf_data *data, char **why)
{
    *why = NULL;
    if (po->copies)
        return po->copies;
    if (!po->copies_from)
        return 1;
    char *text = data ? yf_data_text(data, po->copies_from) : NULL;
    char *end = NULL;
    long n = text && *text ? strtol(text, &end, 10) : 0;
    if (!text || !*text || *end || n < 1 || n > 9999) {
        *why = g_strdup_printf("份数取自「%s」，但它%s%s%s，应为 1 到 9999 之间的整数",
                               po->copies_from, text && *text ? "是“" : "没有值",
                               text && *text ? text : "", text && *text ? "”" : "");
        free(text);
        return 0;
    }
    free(text);
    return (int)n;
}

/* Walks the declared slots: the names of the whole-number slots (through objects, not lists) go
 * to `numbers`; returns whether `want` is declared at all. */
static int walk_slots(JsonArray *slots, const char *prefix, const char *want, GString *numbers)
{
    int found = 0;
    for (guint i = 0; slots && i < json_array_get_length(slots); i++) {
        JsonNode *n = json_array_get_element(slots, i);
        JsonObject *o = JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
        const char *name = o ? json_object_get_string_member_with_default(o, "name", NULL) : NULL;
        if (!name)
            continue;
        const char *type = json_object_get_string_member_with_default(o, "type", "");
        char *full = g_strconcat(prefix, name, NULL);
        found |= strcmp(full, want) == 0;
        if (strcmp(type, "integer") == 0)
            g_string_append_printf(numbers, "%s「%s」", numbers->len ? "、" : "", full);
        JsonNode *fields = json_object_get_member(o, "fields");
        if (strcmp(type, "object") == 0 && fields && JSON_NODE_HOLDS_ARRAY(fields)) {
            char *inner = g_strconcat(full, ".", NULL);
            found |= walk_slots(json_node_get_array(fields), inner, want, numbers);
            g_free(inner);
        }
        g_free(full);
    }
    return found;
}

int cli_print_check_slot(const char *command, const cli_print_options *po, const yf_template *t)
{
    if (!po->copies_from || !t)
        return 0;
    char *json = yf_template_declarations_json(t);
    JsonParser *parser = json_parser_new();
    GString *numbers = g_string_new(NULL);
    int found = 1; /* declarations that cannot be read: each record's value is checked */
    if (json && json_parser_load_from_data(parser, json, -1, NULL)) {
        JsonNode *root = json_parser_get_root(parser);
        JsonNode *slots = root && JSON_NODE_HOLDS_OBJECT(root)
                              ? json_object_get_member(json_node_get_object(root), "slots") : NULL;
        if (slots && JSON_NODE_HOLDS_ARRAY(slots))
            found = walk_slots(json_node_get_array(slots), "", po->copies_from, numbers);
    }
    if (!found)
        fprintf(stderr, "yinfa %s: error: --copies-from：模板没有名为「%s」的槽位；%s%s\n", command,
                po->copies_from,
                numbers->len ? "可存份数的整数槽位有：" : "模板中没有可存份数的整数槽位，请用 --copies N",
                numbers->str);
    g_string_free(numbers, TRUE);
    g_object_unref(parser);
    free(json);
    return found ? 0 : -1;
}

char *cli_print_state_path(const char *dir)
{
    return cli_join(dir, STATE_FILE);
}

/* ---- printer and job states (IPP) --------------------------------------------------------- */

/* A printer-state-reasons keyword as a clerk reads it (RFC 8011 §5.4.12; PWG 5100.9). */
static const char *reason_text(const char *keyword)
{
    static const struct { const char *key, *text; } known[] = {
        { "paused", "已暂停" },
        { "media-empty", "缺纸" }, { "media-needed", "需要装纸" }, { "media-jam", "卡纸" },
        { "input-tray-missing", "纸盒未装好" },
        { "offline", "脱机" }, { "shutdown", "已关机" }, { "timed-out", "连接超时" },
        { "connecting-to-device", "无法连接打印机" }, { "other", "出现故障" },
        { "door-open", "机盖打开" }, { "cover-open", "机盖打开" },
        { "toner-empty", "墨粉用完" }, { "marker-supply-empty", "墨粉或墨水用完" },
        { "spool-area-full", "打印服务的磁盘已满" }, { "stopped-partly", "部分停止" },
        { "moving-to-paused", "正在暂停" },
    };
    size_t len = strlen(keyword);
    static const char *suffixes[] = { "-error", "-warning", "-report" };
    for (size_t s = 0; s < 3; s++) {
        size_t k = strlen(suffixes[s]);
        if (len > k && strcmp(keyword + len - k, suffixes[s]) == 0) {
            len -= k;
            break;
        }
    }
    for (size_t i = 0; i < G_N_ELEMENTS(known); i++)
        if (strlen(known[i].key) == len && strncmp(keyword, known[i].key, len) == 0)
            return known[i].text;
    return NULL;
}

/* The reasons of `attr` as "（缺纸、脱机）", "" when there is nothing to say. Caller frees. */
static char *reasons_text(ipp_attribute_t *attr)
{
    GString *s = g_string_new(NULL);
    for (int i = 0; attr && i < ippGetCount(attr); i++) {
        const char *k = ippGetString(attr, i, NULL);
        /* "paused" is said by the sentence itself (已暂停). */
        if (!k || strcmp(k, "none") == 0 || strcmp(k, "paused") == 0)
            continue;
        const char *t = reason_text(k);
        if (!t && (cli_has_suffix(k, "-report") || strcmp(k, "cups-waiting-for-job-completed") == 0))
            continue;
        g_string_append_printf(s, "%s%s", s->len ? "、" : "（", t ? t : k);
    }
    if (s->len)
        g_string_append(s, "）");
    return g_string_free(s, FALSE);
}

typedef struct {
    int reachable;
    ipp_pstate_t state;
    int accepting;
    char *reasons;    /* reasons_text */
    int trouble;      /* a reason other than paused that keeps it from printing */
} printer_state;

static int is_trouble(ipp_attribute_t *attr)
{
    for (int i = 0; attr && i < ippGetCount(attr); i++) {
        const char *k = ippGetString(attr, i, NULL);
        if (k && strcmp(k, "none") != 0 && strcmp(k, "paused") != 0 &&
            !cli_has_suffix(k, "-report") && !cli_has_suffix(k, "-warning") && reason_text(k))
            return 1;
    }
    return 0;
}

static void get_printer_state(cli_printer *p, printer_state *ps)
{
    static const char *want[] = { "printer-state", "printer-state-reasons",
                                  "printer-is-accepting-jobs" };
    ipp_t *req = ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, p->uri);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL, cupsUser());
    ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", 3, NULL, want);
    ipp_t *resp = cupsDoRequest(p->http, req, "/");
    *ps = (printer_state){ .reachable = resp && ippGetStatusCode(resp) <= IPP_STATUS_OK_CONFLICTING };
    if (ps->reachable) {
        ipp_attribute_t *a = ippFindAttribute(resp, "printer-state", IPP_TAG_ENUM);
        ps->state = a ? (ipp_pstate_t)ippGetInteger(a, 0) : IPP_PSTATE_IDLE;
        a = ippFindAttribute(resp, "printer-is-accepting-jobs", IPP_TAG_BOOLEAN);
        ps->accepting = a ? ippGetBoolean(a, 0) : 1;
        a = ippFindAttribute(resp, "printer-state-reasons", IPP_TAG_KEYWORD);
        ps->reasons = reasons_text(a);
        ps->trouble = is_trouble(a);
    } else {
        ps->reasons = g_strdup("");
    }
    ippDelete(resp);
}

typedef struct {
    int found;        /* CUPS knows the job */
    ipp_jstate_t state;
    char *reasons;    /* job-state-reasons, for a job that failed */
    char *uuid;       /* job-uuid, NULL when the server gives none */
    char *name;       /* job-name */
    char *printer;    /* job-printer-uri */
} job_state;

static char *attr_string(ipp_t *resp, const char *name)
{
    ipp_attribute_t *a = resp ? ippFindAttribute(resp, name, IPP_TAG_ZERO) : NULL;
    const char *v = a ? ippGetString(a, 0, NULL) : NULL;
    return v && *v ? g_strdup(v) : NULL;
}

static void job_state_clear(job_state *js)
{
    g_free(js->reasons);
    g_free(js->uuid);
    g_free(js->name);
    g_free(js->printer);
    *js = (job_state){ 0 };
}

static void get_job_state(cli_printer *p, int id, job_state *js)
{
    static const char *want[] = { "job-state", "job-state-reasons", "job-uuid", "job-name",
                                  "job-printer-uri" };
    ipp_t *req = ippNewRequest(IPP_OP_GET_JOB_ATTRIBUTES);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, p->uri);
    ippAddInteger(req, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", id);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL, cupsUser());
    ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes",
                  (int)G_N_ELEMENTS(want), NULL, want);
    ipp_t *resp = cupsDoRequest(p->http, req, "/");
    ipp_attribute_t *a = resp ? ippFindAttribute(resp, "job-state", IPP_TAG_ENUM) : NULL;
    *js = (job_state){ .found = a != NULL, .state = a ? (ipp_jstate_t)ippGetInteger(a, 0) : 0,
                       .uuid = attr_string(resp, "job-uuid"), .name = attr_string(resp, "job-name"),
                       .printer = attr_string(resp, "job-printer-uri") };
    GString *s = g_string_new(NULL);
    ipp_attribute_t *r = resp ? ippFindAttribute(resp, "job-state-reasons", IPP_TAG_KEYWORD) : NULL;
    for (int i = 0; r && i < ippGetCount(r); i++)
        g_string_append_printf(s, "%s%s", s->len ? ", " : "", ippGetString(r, i, NULL));
    js->reasons = g_string_free(s, FALSE);
    ippDelete(resp);
}

/* ---- opening a destination ----------------------------------------------------------------- */

/* A CUPS that accepts connections but never answers (hung, or another service on its port)
 * would hold every request for libcups's 60 s and then look like one without printers: each
 * request gives up after YINFA_CUPS_TIMEOUT seconds (10 by default), and the run says so. */
static int timed_out;

static double cups_timeout(void)
{
    const char *env = getenv("YINFA_CUPS_TIMEOUT");
    char *end = NULL;
    double t = env && *env ? strtod(env, &end) : 0;
    return env && *env && !*end && t > 0 && t <= 3600 ? t : TIMEOUT_S;
}

static int on_timeout(http_t *http, void *data)
{
    (void)data;
    timed_out = 1;
    /* A server that has not answered once is given no more time: libcups's calls that send
     * several requests (cupsGetDests2) would otherwise wait the whole time for each. */
    httpSetTimeout(http, 0.1, on_timeout, NULL);
    return 0; /* give up the request */
}

/* What went wrong with the last request, as a clerk reads it. */
static const char *cups_error(void)
{
    static char text[160];
    if (!timed_out)
        return cupsLastErrorString();
    snprintf(text, sizeof text, "打印服务没有响应（%s，%.0f 秒内没有回答）", cupsServer(),
             cups_timeout());
    return text;
}

/* Says that CUPS did not answer, when that is why the last request failed. */
static int said_timeout(const char *command)
{
    if (timed_out)
        fprintf(stderr, "yinfa %s: error: %s；请检查打印服务（systemctl status cups）或 CUPS_SERVER\n",
                command, cups_error());
    return timed_out;
}

static http_t *connect_cups(const char *command)
{
    double t = cups_timeout();
    timed_out = 0;
    http_t *http = httpConnect2(cupsServer(), ippPort(), NULL, AF_UNSPEC, cupsEncryption(), 1,
                                (int)(t * 1000), NULL);
    if (!http) {
        fprintf(stderr, "yinfa %s: error: 无法连接打印服务 CUPS（%s）：%s。请确认已安装 cups 且"
                        "正在运行（systemctl status cups）\n", command, cupsServer(),
                cupsLastErrorString());
        return NULL;
    }
    httpSetTimeout(http, t, on_timeout, NULL);
    /* One small request first: a server that does not answer is said to be so at once. */
    ippDelete(cupsDoRequest(http, ippNewRequest(IPP_OP_CUPS_GET_DEFAULT), "/"));
    if (said_timeout(command)) {
        httpClose(http);
        return NULL;
    }
    return http;
}

/* The destination's printer-uuid (PWG 5100.13), NULL when none is given. */
static char *get_printer_uuid(cli_printer *p)
{
    static const char *want[] = { "printer-uuid" };
    ipp_t *req = ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", NULL, p->uri);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", NULL, cupsUser());
    ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", 1, NULL, want);
    ipp_t *resp = cupsDoRequest(p->http, req, "/");
    char *uuid = attr_string(resp, "printer-uuid");
    ippDelete(resp);
    return uuid;
}

static int supported(cli_printer *p, const char *option, const char *value)
{
    return cupsCheckDestSupported(p->http, p->dest, p->info, option, value);
}

/* Whether the destination is ready for jobs; says why not. */
static int check_ready(cli_printer *p, const char *command)
{
    printer_state ps;
    get_printer_state(p, &ps);
    const char *name = p->dest->name;
    int ok = 0;
    if (!ps.reachable)
        fprintf(stderr, "yinfa %s: error: 无法读取打印机 %s 的状态：%s\n", command, name,
                cups_error());
    else if (!ps.accepting)
        fprintf(stderr, "yinfa %s: error: 打印机 %s 拒绝接收任务%s；请检查打印机，再用 "
                        "cupsaccept %s 让它重新接收任务\n", command, name, ps.reasons, name);
    else if (ps.state == IPP_PSTATE_STOPPED)
        fprintf(stderr, "yinfa %s: error: 打印机 %s 已暂停%s；请检查打印机，再用 cupsenable %s "
                        "恢复\n", command, name, ps.reasons, name);
    else
        ok = 1;
    g_free(ps.reasons);
    return ok;
}

/* Whether the destination prints GB/T 9704 documents as they are; says what is missing. */
static int check_capabilities(cli_printer *p, const char *command, int simplex)
{
    const char *name = p->dest->name;
    if (!supported(p, CUPS_MEDIA, A4)) {
        fprintf(stderr, "yinfa %s: error: 打印机 %s 没有 A4 纸（%s）；公文用 A4 纸（GB/T 9704 "
                        "§5），请换一台打印机或在打印机设置中加上 A4\n", command, name, A4);
        return 0;
    }
    if (!supported(p, "print-scaling", "none")) {
        fprintf(stderr, "yinfa %s: error: 打印机 %s 不能按原大（100%%，print-scaling=none）打印 "
                        "A4；缩放会改变 156 mm × 225 mm 的版心（GB/T 9704 §5），请换一台打印机\n",
                command, name);
        return 0;
    }
    if (!simplex && !supported(p, CUPS_SIDES, CUPS_SIDES_TWO_SIDED_PORTRAIT)) {
        fprintf(stderr, "yinfa %s: error: 打印机 %s 不能双面打印；公文双面印刷（GB/T 9704 §5）。"
                        "确要单面打印，请加 --simplex\n", command, name);
        return 0;
    }
    return 1;
}

static void set_job_options(cli_printer *p, int simplex)
{
    p->num_options = cupsAddOption(CUPS_MEDIA, A4, p->num_options, &p->options);
    p->num_options = cupsAddOption("print-scaling", "none", p->num_options, &p->options);
    p->num_options = cupsAddOption(CUPS_SIDES, simplex ? CUPS_SIDES_ONE_SIDED
                                                       : CUPS_SIDES_TWO_SIDED_PORTRAIT,
                                   p->num_options, &p->options);
    if (supported(p, "multiple-document-handling", "separate-documents-collated-copies"))
        p->num_options = cupsAddOption("multiple-document-handling",
                                       "separate-documents-collated-copies", p->num_options,
                                       &p->options);
    p->max_copies = 9999;
    ipp_attribute_t *c = cupsFindDestSupported(p->http, p->dest, p->info, CUPS_COPIES);
    int lower, upper;
    if (c && ippGetValueTag(c) == IPP_TAG_RANGE && (lower = ippGetRange(c, 0, &upper)) >= 1)
        p->max_copies = upper;
}

cli_printer *cli_printer_open(const char *command, const cli_print_options *po)
{
    cli_printer *p = calloc(1, sizeof *p);
    if (!(p->http = connect_cups(command))) {
        cli_printer_close(p);
        return NULL;
    }
    p->dest = cupsGetNamedDest(p->http, po->printer, NULL);
    if (!p->dest) {
        if (said_timeout(command))
            ;
        else if (po->printer)
            fprintf(stderr, "yinfa %s: error: 没有名为 %s 的打印机；yinfa printers 列出可用的打印机\n",
                    command, po->printer);
        else
            fprintf(stderr, "yinfa %s: error: 没有设置默认打印机：请用 -P 指定打印机，或用 "
                            "lpoptions -d 打印机名 设置默认打印机；yinfa printers 列出可用的打印机\n",
                    command);
        cli_printer_close(p);
        return NULL;
    }
    httpAssembleURIf(HTTP_URI_CODING_ALL, p->uri, sizeof p->uri, "ipp", NULL, "localhost", 0,
                     "/printers/%s", p->dest->name);
    if (!check_ready(p, command)) {
        cli_printer_close(p);
        return NULL;
    }
    p->uuid = get_printer_uuid(p);
    p->info = cupsCopyDestInfo(p->http, p->dest);
    if (!p->info) {
        fprintf(stderr, "yinfa %s: error: 无法读取打印机 %s 的能力：%s\n", command, p->dest->name,
                cups_error());
        cli_printer_close(p);
        return NULL;
    }
    if (!check_capabilities(p, command, po->simplex)) {
        cli_printer_close(p);
        return NULL;
    }
    set_job_options(p, po->simplex);
    return p;
}

void cli_printer_close(cli_printer *p)
{
    if (!p)
        return;
    cupsFreeOptions(p->num_options, p->options);
    cupsFreeDestInfo(p->info);
    cupsFreeDests(p->dest ? 1 : 0, p->dest);
    httpClose(p->http);
    g_free(p->uuid);
    free(p);
}

/* ---- the state file ---------------------------------------------------------------------------
 *
 * {"documents": {"12-宁波市总工会.pdf": {"job": 15, "completed": true,
 *     "job-uuid": "urn:uuid:…", "job-name": "12-宁波市总工会.pdf", "printer": "office",
 *     "printer-uri": "ipp://localhost/printers/office", "printer-uuid": "urn:uuid:…"}}}
 *
 * A job id alone does not name a job: a CUPS that is reinstalled or replaced numbers its jobs
 * from 1 again. So each document records the job's job-uuid (PWG 5100.13) and
 * the printer's URI and printer-uuid; a resumed run takes a job for the document's only when its
 * job-uuid is the one recorded (or, from a server that gives none, when its job-name and printer
 * are). The file is written whole to a temporary file and renamed over the old one
 * (g_file_set_contents), so a crash leaves the old record or the new one, never a mix. Runs that
 * share DIR — the shards of one batch — merge into the one file under an exclusive flock on
 * DIR/.yinfa-print.json.lock: each reads the file, replaces its own documents' entries and writes
 * it back, so no shard loses another's. A record that cannot be read stops a resumed run: it
 * cannot tell what was printed. */

typedef struct {
    int job;
    int completed;
    char *job_uuid, *job_name, *printer, *printer_uri, *printer_uuid; /* NULL when not known */
} recorded;

static void recorded_free(gpointer data)
{
    recorded *r = data;
    if (!r)
        return;
    g_free(r->job_uuid);
    g_free(r->job_name);
    g_free(r->printer);
    g_free(r->printer_uri);
    g_free(r->printer_uuid);
    g_free(r);
}

static recorded *recorded_copy(const recorded *r)
{
    recorded *c = g_new0(recorded, 1);
    *c = (recorded){ r->job, r->completed, g_strdup(r->job_uuid), g_strdup(r->job_name),
                     g_strdup(r->printer), g_strdup(r->printer_uri), g_strdup(r->printer_uuid) };
    return c;
}

static GHashTable *state_new(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, recorded_free);
}

/* Member `key` of `e` as a string; 0 when it is absent or null, -1 when it is something else. */
static int member_string(JsonObject *e, const char *key, char **out)
{
    JsonNode *n = json_object_get_member(e, key);
    if (!n || JSON_NODE_HOLDS_NULL(n))
        return 0;
    if (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
        return -1;
    *out = g_strdup(json_node_get_string(n));
    return 0;
}

/* One document's entry; NULL when it is not an entry this program writes. */
static recorded *parse_entry(JsonNode *en)
{
    if (!en || !JSON_NODE_HOLDS_OBJECT(en))
        return NULL;
    JsonObject *e = json_node_get_object(en);
    JsonNode *job = json_object_get_member(e, "job"), *done = json_object_get_member(e, "completed");
    if (!job || !JSON_NODE_HOLDS_VALUE(job) || json_node_get_value_type(job) != G_TYPE_INT64 ||
        json_node_get_int(job) < 0 || json_node_get_int(job) > INT32_MAX || !done ||
        !JSON_NODE_HOLDS_VALUE(done) || json_node_get_value_type(done) != G_TYPE_BOOLEAN)
        return NULL;
    recorded *r = g_new0(recorded, 1);
    r->job = (int)json_node_get_int(job);
    r->completed = json_node_get_boolean(done);
    if (member_string(e, "job-uuid", &r->job_uuid) || member_string(e, "job-name", &r->job_name) ||
        member_string(e, "printer", &r->printer) || member_string(e, "printer-uri", &r->printer_uri) ||
        member_string(e, "printer-uuid", &r->printer_uuid)) {
        recorded_free(r);
        return NULL;
    }
    return r;
}

/* The record's documents into `h`. Returns 0, or -1 with what is wrong in *why (caller frees). */
static int state_parse(JsonNode *root, GHashTable *h, char **why)
{
    if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
        *why = g_strdup(root ? "不是 JSON 对象" : "是空的");
        return -1;
    }
    JsonNode *dn = json_object_get_member(json_node_get_object(root), "documents");
    if (!dn || !JSON_NODE_HOLDS_OBJECT(dn)) {
        *why = g_strdup("没有 documents 对象");
        return -1;
    }
    JsonObject *docs = json_node_get_object(dn);
    GList *names = json_object_get_members(docs);
    int rc = 0;
    for (GList *l = names; l && rc == 0; l = l->next) {
        recorded *r = parse_entry(json_object_get_member(docs, l->data));
        if (!r) {
            *why = g_strdup_printf("documents.%s 不是有效的记录（应有整数 job 和 true/false 的 "
                                   "completed）", (const char *)l->data);
            rc = -1;
        } else {
            g_hash_table_replace(h, g_strdup(l->data), r);
        }
    }
    g_list_free(names);
    return rc;
}

/* Reads the record at `path` into `h`; a record not yet written is empty. Returns 0, or -1 with
 * what is wrong in *why (caller frees). */
static int state_read(const char *path, GHashTable *h, char **why)
{
    gchar *text = NULL;
    gsize len = 0;
    GError *err = NULL;
    if (!g_file_get_contents(path, &text, &len, &err)) {
        int missing = g_error_matches(err, G_FILE_ERROR, G_FILE_ERROR_NOENT);
        if (!missing)
            *why = g_strdup(err->message);
        g_error_free(err);
        return missing ? 0 : -1;
    }
    JsonParser *parser = json_parser_new();
    int rc = -1;
    if (!json_parser_load_from_data(parser, text, (gssize)len, &err)) {
        *why = g_strdup_printf("不是有效的 JSON：%s", err->message);
        g_error_free(err);
    } else {
        rc = state_parse(json_parser_get_root(parser), h, why);
    }
    g_object_unref(parser);
    g_free(text);
    if (rc)
        g_hash_table_remove_all(h);
    return rc;
}

static void add_string(JsonBuilder *b, const char *key, const char *value)
{
    if (!value)
        return;
    json_builder_set_member_name(b, key);
    json_builder_add_string_value(b, value);
}

static gchar *state_text(GHashTable *h)
{
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "documents");
    json_builder_begin_object(b);
    GList *names = g_list_sort(g_hash_table_get_keys(h), (GCompareFunc)strcmp);
    for (GList *l = names; l; l = l->next) {
        const recorded *r = g_hash_table_lookup(h, l->data);
        json_builder_set_member_name(b, l->data);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "job");
        json_builder_add_int_value(b, r->job);
        json_builder_set_member_name(b, "completed");
        json_builder_add_boolean_value(b, r->completed);
        add_string(b, "job-uuid", r->job_uuid);
        add_string(b, "job-name", r->job_name);
        add_string(b, "printer", r->printer);
        add_string(b, "printer-uri", r->printer_uri);
        add_string(b, "printer-uuid", r->printer_uuid);
        json_builder_end_object(b);
    }
    g_list_free(names);
    json_builder_end_object(b);
    json_builder_end_object(b);
    JsonGenerator *g = json_generator_new();
    JsonNode *root = json_builder_get_root(b);
    json_generator_set_root(g, root);
    json_generator_set_pretty(g, TRUE);
    gchar *text = json_generator_to_data(g, NULL);
    json_node_unref(root);
    g_object_unref(g);
    g_object_unref(b);
    return text;
}

/* Merges this run's entries into the record at `path`: under an exclusive lock, reads the file,
 * drops the documents in `forget` (a run without --resume starts its documents anew), puts the
 * entries of `mine` and writes the file atomically. Returns 0, or -1 (said on stderr). */
static int state_merge(const char *path, GHashTable *mine, GHashTable *forget)
{
    char *lock_path = g_strconcat(path, ".lock", NULL);
    int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0 || flock(fd, LOCK_EX) != 0) {
        fprintf(stderr, "yinfa: error: 无法锁定打印记录 %s：%s\n", lock_path, strerror(errno));
        if (fd >= 0)
            close(fd);
        g_free(lock_path);
        return -1;
    }
    GHashTable *all = state_new();
    char *why = NULL;
    if (state_read(path, all, &why) != 0) {
        /* only a run without --resume gets here: it starts the record anew */
        fprintf(stderr, "yinfa: warning: 打印记录 %s 无法读取（%s），已重写\n", path, why);
        g_free(why);
    }
    GHashTableIter it;
    gpointer key, value;
    if (forget) {
        g_hash_table_iter_init(&it, forget);
        while (g_hash_table_iter_next(&it, &key, NULL))
            g_hash_table_remove(all, key);
    }
    g_hash_table_iter_init(&it, mine);
    while (g_hash_table_iter_next(&it, &key, &value))
        g_hash_table_replace(all, g_strdup(key), recorded_copy(value));
    gchar *text = state_text(all);
    GError *err = NULL;
    int rc = 0;
    if (!g_file_set_contents(path, text, -1, &err)) {
        fprintf(stderr, "yinfa: error: 无法写打印记录 %s：%s\n", path, err->message);
        g_error_free(err);
        rc = -1;
    }
    g_free(text);
    g_hash_table_destroy(all);
    close(fd); /* releases the lock */
    g_free(lock_path);
    return rc;
}

/* ---- one job ---------------------------------------------------------------------------------- */

/* Sends one document as a job of its own. Returns the job id, or 0 with the reason in *why. */
static int submit(cli_printer *p, const cli_print_doc *doc, char **why)
{
    gchar *owned = NULL;
    const char *bytes = (const char *)doc->bytes;
    gsize len = doc->len;
    GError *err = NULL;
    if (doc->path) {
        if (!g_file_get_contents(doc->path, &owned, &len, &err)) {
            *why = g_strdup_printf("无法读取 %s：%s", doc->path, err->message);
            g_error_free(err);
            return 0;
        }
        bytes = owned;
    }
    char copies[16];
    snprintf(copies, sizeof copies, "%d", doc->copies);
    cups_option_t *options = NULL;
    int n = 0;
    for (int i = 0; i < p->num_options; i++)
        n = cupsAddOption(p->options[i].name, p->options[i].value, n, &options);
    n = cupsAddOption(CUPS_COPIES, copies, n, &options);
    int id = 0;
    if (cupsCreateDestJob(p->http, p->dest, p->info, &id, doc->name, n, options) > IPP_STATUS_OK_CONFLICTING ||
        id <= 0) {
        *why = g_strdup_printf("打印服务拒绝了这个任务：%s", cups_error());
        id = 0;
    } else if (cupsStartDestDocument(p->http, p->dest, p->info, id, doc->name, CUPS_FORMAT_PDF, 0,
                                     NULL, 1) != HTTP_STATUS_CONTINUE ||
               cupsWriteRequestData(p->http, bytes, len) != HTTP_STATUS_CONTINUE ||
               cupsFinishDestDocument(p->http, p->dest, p->info) > IPP_STATUS_OK_CONFLICTING) {
        *why = g_strdup_printf("发送文件失败：%s", cups_error());
        cupsCancelDestJob(p->http, p->dest, id);
        id = 0;
    }
    cupsFreeOptions(n, options);
    g_free(owned);
    return id;
}

typedef enum { W_DONE, W_FAILED, W_HALTED, W_LOST, W_INTERRUPTED } waited;

typedef struct {
    const char *command;
    size_t index, total;
} where;

static void say(const where *w, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(const where *w, const char *name, const char *fmt, ...)
{
    if (cli_quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[%zu/%zu] %s：", w->index + 1, w->total, name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* Waits until job `id` ends. W_HALTED: the printer stopped or refuses jobs (the job stays in the
 * queue, *why says so); W_FAILED: CUPS canceled or aborted it; W_LOST: CUPS went away. */
static waited wait_job(cli_printer *p, const where *w, const char *name, int id, char **why)
{
    ipp_jstate_t last = 0;
    char *shown = NULL; /* the printer's trouble last shown */
    for (;;) {
        if (interrupted)
            return W_INTERRUPTED;
        job_state js;
        get_job_state(p, id, &js);
        if (!js.found) {
            *why = g_strdup_printf("无法读取打印任务 %s-%d 的状态：%s", p->dest->name, id,
                                   cups_error());
            job_state_clear(&js);
            g_free(shown);
            return W_LOST;
        }
        if (js.state != last && (js.state == IPP_JSTATE_PENDING || js.state == IPP_JSTATE_PROCESSING))
            say(w, name, js.state == IPP_JSTATE_PENDING ? "排队中" : "正在打印");
        last = js.state;
        if (js.state >= IPP_JSTATE_STOPPED && js.state != IPP_JSTATE_STOPPED) {
            waited r = js.state == IPP_JSTATE_COMPLETED ? W_DONE : W_FAILED;
            if (r == W_FAILED)
                *why = g_strdup_printf("打印任务 %s-%d %s（%s）", p->dest->name, id,
                                       js.state == IPP_JSTATE_CANCELED ? "被取消" : "被打印服务中止",
                                       js.reasons);
            job_state_clear(&js);
            g_free(shown);
            return r;
        }
        job_state_clear(&js);
        printer_state ps;
        get_printer_state(p, &ps);
        waited r = W_DONE;
        if (!ps.reachable) {
            *why = g_strdup_printf("无法读取打印机 %s 的状态：%s", p->dest->name, cups_error());
            r = W_LOST;
        } else if (js.state == IPP_JSTATE_HELD) {
            *why = g_strdup_printf("打印任务 %s-%d 被挂起；可用 lp -i %d -H resume 放行", p->dest->name,
                                   id, id);
            r = W_HALTED;
        } else if (js.state != IPP_JSTATE_PROCESSING &&
                   (ps.state == IPP_PSTATE_STOPPED || !ps.accepting)) {
            *why = g_strdup_printf("打印机 %s %s%s；文件仍在打印队列中（任务 %s-%d），打印机恢复"
                                   "（cupsenable %s）后会打印", p->dest->name,
                                   ps.state == IPP_PSTATE_STOPPED ? "已暂停" : "拒绝接收任务",
                                   ps.reasons, p->dest->name, id, p->dest->name);
            r = W_HALTED;
        } else if (ps.trouble && (!shown || strcmp(shown, ps.reasons) != 0)) {
            say(w, name, "等待打印机 %s%s", p->dest->name, ps.reasons);
            g_free(shown);
            shown = g_strdup(ps.reasons);
        }
        g_free(ps.reasons);
        if (r != W_DONE) {
            g_free(shown);
            return r;
        }
        g_usleep(POLL_MS * 1000);
    }
}

/* ---- a run ------------------------------------------------------------------------------------ */

typedef enum { D_TODO, D_PRINTED, D_EARLIER, D_FAILED, D_QUEUED } doc_end;

typedef struct {
    doc_end end;
    int job;
    char *why;
} outcome;

/* Whether the job CUPS knows by the recorded id is the one sent for document `doc`: the same
 * job-uuid, or — when the server or the record has none — the same job-name on the same printer
 * (and that printer the same printer-uuid). Otherwise *why says how it differs. */
static int job_is_ours(const cli_printer *p, const recorded *r, const char *doc,
                       const job_state *js, char **why)
{
    if (r->job_uuid && js->uuid) {
        if (strcmp(r->job_uuid, js->uuid) == 0)
            return 1;
        *why = g_strdup_printf("它的 job-uuid 是 %s，记录的是 %s", js->uuid, r->job_uuid);
        return 0;
    }
    const char *name = r->job_name ? r->job_name : doc;
    if (!js->name || strcmp(js->name, name) != 0) {
        *why = g_strdup_printf("它的任务名是“%s”，不是“%s”", js->name ? js->name : "", name);
        return 0;
    }
    const char *printer = r->printer ? r->printer : p->dest->name;
    const char *slash = js->printer ? strrchr(js->printer, '/') : NULL;
    if (!slash || strcmp(slash + 1, printer) != 0) {
        *why = g_strdup_printf("它属于打印机 %s，不是 %s", slash ? slash + 1 : "（未知）", printer);
        return 0;
    }
    if (r->printer_uuid && p->uuid && strcmp(printer, p->dest->name) == 0 &&
        strcmp(r->printer_uuid, p->uuid) != 0) {
        *why = g_strdup_printf("打印机 %s 的 printer-uuid 已不是记录的 %s（打印服务换过）", printer,
                               r->printer_uuid);
        return 0;
    }
    return 1;
}

/* What a resumed run does with a document the state file knows: 1 printed already, 2 still in
 * the queue (then *job is the one to wait for), 0 to print (*note, when not NULL, says why a
 * recorded job does not count), -1 cannot tell (*why says so). */
static int known_before(cli_printer *p, const recorded *r, const char *doc, int *job, char **why,
                        char **note)
{
    *job = 0;
    if (r->completed)
        return 1;
    if (r->job <= 0)
        return 0;
    job_state js;
    get_job_state(p, r->job, &js);
    if (!js.found) {
        *why = g_strdup_printf("打印服务已没有任务 %s-%d 的记录，无法确定它是否已打印；为免重复，"
                               "没有重印", r->printer ? r->printer : p->dest->name, r->job);
        job_state_clear(&js);
        return -1;
    }
    char *differs = NULL;
    int ours = job_is_ours(p, r, doc, &js, &differs);
    ipp_jstate_t st = js.state;
    job_state_clear(&js);
    if (!ours) {
        *note = g_strdup_printf("打印服务中的任务 %d 不是此前为它送出的任务（%s）：此前的任务已不在，"
                                "重新打印", r->job, differs);
        g_free(differs);
        return 0;
    }
    if (st == IPP_JSTATE_CANCELED || st == IPP_JSTATE_ABORTED)
        return 0;
    *job = r->job;
    return st == IPP_JSTATE_COMPLETED ? 1 : 2;
}

static void summary(const char *command, const cli_print_doc *docs, const outcome *out, size_t n,
                    const char *state_path)
{
    size_t printed = 0, earlier = 0, failed = 0, left = 0;
    for (size_t i = 0; i < n; i++) {
        printed += out[i].end == D_PRINTED;
        earlier += out[i].end == D_EARLIER;
        failed += out[i].end == D_FAILED;
        left += out[i].end == D_TODO || out[i].end == D_QUEUED;
    }
    for (size_t i = 0; i < n; i++)
        if (out[i].end == D_FAILED)
            fprintf(stderr, "%s 未打印：%s\n", docs[i].name, out[i].why);
    if (left) {
        fprintf(stderr, "未打印的文件（%zu 份）：\n", left);
        for (size_t i = 0; i < n; i++)
            if (out[i].end == D_QUEUED)
                fprintf(stderr, "  %s（在打印队列中，任务 %d）\n", docs[i].name, out[i].job);
            else if (out[i].end == D_TODO)
                fprintf(stderr, "  %s\n", docs[i].name);
    }
    fprintf(stderr, "打印：%zu 份已打印", printed);
    if (earlier)
        fprintf(stderr, "，%zu 份此前已打印", earlier);
    fprintf(stderr, "，%zu 份失败，%zu 份未打印\n", failed, left);
    if ((left || failed) && state_path)
        fprintf(stderr, "问题解决后，加 --resume 再运行同一命令，只打印未打印的文件（不会重复打印）\n");
}

/* A run: the printer, the record of what was sent, the command for messages. */
typedef struct {
    cli_printer *p;
    const char *command, *state_path;
    GHashTable *state; /* the record as this run found it (with --resume) */
    GHashTable *mine;  /* what this run has sent: merged into the record after each change */
} run;

/* Records document `name` as sent in job `job` (completed or not) and merges it into the file. */
static void record(run *r, const char *name, int job, int completed)
{
    if (!r->state_path)
        return;
    recorded *e = g_hash_table_lookup(r->mine, name);
    if (!e || e->job != job) {
        job_state js;
        get_job_state(r->p, job, &js);
        e = g_new0(recorded, 1);
        *e = (recorded){ .job = job, .job_uuid = js.uuid, .job_name = g_strdup(name),
                         .printer = g_strdup(r->p->dest->name),
                         .printer_uri = g_strdup(r->p->uri), .printer_uuid = g_strdup(r->p->uuid) };
        js.uuid = NULL;
        job_state_clear(&js);
        g_hash_table_replace(r->mine, g_strdup(name), e);
    }
    e->completed = completed;
    state_merge(r->state_path, r->mine, NULL);
}

/* Whether a document can be sent at all; otherwise its outcome says why. */
static int printable(const run *r, const cli_print_doc *doc, outcome *o)
{
    if (!doc->copies)
        o->why = g_strdup(doc->why ? doc->why : "份数无效");
    else if (doc->copies > r->p->max_copies)
        o->why = g_strdup_printf("份数 %d 超过打印机 %s 一次所能打印的 %d 份", doc->copies,
                                 r->p->dest->name, r->p->max_copies);
    else
        return 1;
    o->end = D_FAILED;
    return 0;
}

/* Prints one document: sends it (or, resumed, finds the job an earlier run sent) and waits for
 * its job. Returns 1 when the run must stop here. */
static int print_one(run *r, const cli_print_doc *doc, outcome *o, const where *w)
{
    cli_printer *p = r->p;
    if (!printable(r, doc, o))
        return 0;
    const recorded *rec = g_hash_table_lookup(r->state, doc->name);
    char *note = NULL;
    int job = 0, before = rec ? known_before(p, rec, doc->name, &job, &o->why, &note) : 0;
    if (note) {
        fprintf(stderr, "yinfa %s: %s：%s\n", r->command, doc->name, note);
        g_free(note);
    }
    if (before < 0) {
        o->end = D_FAILED;
        return 0;
    }
    if (before == 1) {
        o->end = D_EARLIER;
        say(w, doc->name, "此前已打印（任务 %d），跳过", rec->job);
        if (!rec->completed)
            record(r, doc->name, rec->job, 1);
        return 0;
    }
    if (job) {
        say(w, doc->name, "等待此前送出的打印任务 %s-%d", p->dest->name, job);
        if (rec->job_uuid && r->state_path) /* the job keeps its own printer's identity */
            g_hash_table_replace(r->mine, g_strdup(doc->name), recorded_copy(rec));
    } else if ((job = submit(p, doc, &o->why))) {
        say(w, doc->name, "已送出，打印任务 %s-%d，%d 份，%s", p->dest->name, job, doc->copies,
            cupsGetOption(CUPS_SIDES, p->num_options, p->options)[0] == 'o' ? "单面" : "双面");
    } else {
        o->end = D_FAILED;
        say(w, doc->name, "打印失败：%s", o->why);
        return 0;
    }
    o->job = job;
    record(r, doc->name, job, 0);
    char *why = NULL;
    int stop = 0;
    switch (wait_job(p, w, doc->name, job, &why)) {
    case W_DONE:
        o->end = D_PRINTED;
        record(r, doc->name, job, 1);
        say(w, doc->name, "已打印");
        break;
    case W_FAILED:
        o->end = D_FAILED;
        o->why = why;
        why = NULL;
        say(w, doc->name, "打印失败：%s", o->why);
        break;
    case W_HALTED:
    case W_LOST:
        fprintf(stderr, "yinfa %s: error: %s\n", r->command, why);
        /* the job stays in the queue */
        __attribute__((fallthrough));
    case W_INTERRUPTED:
        o->end = D_QUEUED;
        stop = 1;
        break;
    }
    g_free(why);
    return stop;
}

/* Resumed: reads the record, which must be readable. Otherwise: forgets what the record says of
 * these documents (and of no others: other shards share it). Returns 0, or -1 (said). */
static int start_record(run *r, const cli_print_doc *docs, size_t n, int resume)
{
    if (resume) {
        char *why = NULL;
        if (state_read(r->state_path, r->state, &why) == 0)
            return 0;
        fprintf(stderr, "yinfa %s: error: 打印记录 %s 无法读取（%s），无法确定哪些文件已打印；"
                        "没有打印任何文件。要全部重新打印，请删除 %s 后再运行\n",
                r->command, r->state_path, why, r->state_path);
        g_free(why);
        return -1;
    }
    GHashTable *forget = g_hash_table_new(g_str_hash, g_str_equal);
    for (size_t i = 0; i < n; i++)
        g_hash_table_add(forget, (gpointer)docs[i].name);
    int rc = state_merge(r->state_path, r->mine, forget);
    g_hash_table_destroy(forget);
    return rc;
}

int cli_print_run(cli_printer *p, const char *command, cli_print_doc *docs, size_t n,
                  const char *state_path, int resume)
{
    run r = { p, command, state_path, state_new(), state_new() };
    if (state_path && start_record(&r, docs, n, resume) != 0) {
        g_hash_table_destroy(r.state);
        g_hash_table_destroy(r.mine);
        return EXIT_PROBLEM;
    }
    outcome *out = calloc(n ? n : 1, sizeof *out);
    struct sigaction sa = { .sa_handler = on_signal }, old_int, old_term;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    for (size_t i = 0; i < n && !interrupted; i++) {
        where w = { command, i, n };
        if (print_one(&r, &docs[i], &out[i], &w))
            break;
    }
    if (interrupted)
        fprintf(stderr, "已中断：已送出的任务留在打印队列中\n");
    summary(command, docs, out, n, state_path);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        if (out[i].end != D_PRINTED && out[i].end != D_EARLIER)
            rc = EXIT_PROBLEM;
        g_free(out[i].why);
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    free(out);
    g_hash_table_destroy(r.state);
    g_hash_table_destroy(r.mine);
    return interrupted ? 130 : rc;
}

/* ---- yinfa print --------------------------------------------------------------------------- */

/* The job's name: DATA's file name with .pdf (and -N for record N of a file of records). */
static char *job_name(const char *data_path, long record)
{
    char *base = g_path_get_basename(data_path);
    char *dot = strrchr(base, '.');
    if (dot && dot != base)
        *dot = '\0';
    char *name = record ? g_strdup_printf("%s-%ld.pdf", base, record)
                        : g_strdup_printf("%s.pdf", base);
    g_free(base);
    return name;
}

static int print_usage(const char *what)
{
    if (what)
        fprintf(stderr, "yinfa print: %s\n\n", what);
    fputs(cli_help_text("print"), stderr);
    return EXIT_USAGE;
}

int cmd_print(int argc, char **argv)
{
    static const struct option opts[] = {
        { "printer", required_argument, 0, 'P' },   { "copies", required_argument, 0, 'C' },
        { "copies-from", required_argument, 0, 'F' }, { "simplex", no_argument, 0, 'X' },
        { "record", required_argument, 0, 'R' },    { "sheet", required_argument, 0, 'S' },
        { "group-by", required_argument, 0, 'G' },  { "fonts-conf", required_argument, 0, 'f' },
        { "quiet", no_argument, 0, 'q' },           { 0, 0, 0, 0 } };
    cli_print_options po = { 0 };
    const char *sheet = NULL, *group_by = NULL, *fonts_conf = NULL;
    long record = 0;
    int c, r;
    optind = 1;
    while ((c = getopt_long(argc, argv, "P:q", opts, NULL)) != -1) {
        if ((r = cli_print_option("print", c, optarg, &po)) < 0)
            return print_usage(NULL);
        if (r)
            continue;
        switch (c) {
        case 'R':
            record = strtol(optarg, NULL, 10);
            if (record < 1)
                return print_usage("--record 应为从 1 起的记录序号");
            break;
        case 'S': sheet = optarg; break;
        case 'G': group_by = optarg; break;
        case 'f': fonts_conf = optarg; break;
        case 'q': cli_quiet = 1; break;
        default: return print_usage(NULL);
        }
    }
    if (argc - optind != 2)
        return print_usage("需要 TEMPLATE DATA");
    if (po.copies && po.copies_from)
        return print_usage("--copies 与 --copies-from 只能用一个");
    const char *tpl_arg = argv[optind], *data_arg = argv[optind + 1];

    /* The printer first: a clerk learns of a missing printer before waiting for a layout. */
    cli_printer *p = cli_printer_open("print", &po);
    if (!p)
        return EXIT_PROBLEM;
    yf_diags *d = yf_diags_new();
    yf_context *ctx = cli_open_context(fonts_conf, d);
    yf_template *t = ctx ? cli_open_template(ctx, tpl_arg, d) : NULL;
    yf_data *data = NULL;
    yf_records *rs = NULL;
    int rc = EXIT_PROBLEM;
    if (t && cli_load_data(data_arg, sheet, group_by, record, &data, &rs, d) == 0 && rs) {
        fprintf(stderr, "%s: error: 文件中有 %zu 条记录：请用 --record N（1–%zu）选一条，或用 "
                        "yinfa batch --print 逐条打印\n", data_arg, yf_records_count(rs),
                yf_records_count(rs));
    }
    if (data && cli_print_check_slot("print", &po, t) != 0) {
        yf_data_free(data);
        data = NULL;
    }
    yf_document *doc = data ? yf_document_bind(t, data, 0, d) : NULL;
    yf_layout *layout = doc ? yf_layout_new(ctx, doc, d) : NULL;
    size_t len = 0;
    unsigned char *pdf = layout ? yf_layout_write_pdf_mem(layout, &len, d) : NULL;
    if (pdf) {
        char *name = job_name(data_arg, record);
        cli_print_doc one = { .name = name, .bytes = pdf, .len = len };
        one.copies = cli_print_copies(&po, data, &one.why);
        if (!one.copies) {
            fprintf(stderr, "yinfa print: error: %s\n", one.why);
        } else {
            rc = cli_print_run(p, "print", &one, 1, NULL, 0);
        }
        g_free(one.why);
        g_free(name);
    }
    free(pdf);
    yf_layout_free(layout);
    yf_document_free(doc);
    yf_records_free(rs);
    yf_data_free(data);
    yf_template_free(t);
    yf_context_free(ctx);
    cli_printer_close(p);
    return cli_finish(d, rc);
}

/* ---- yinfa printers ------------------------------------------------------------------------- */

static const char *state_word(const char *state)
{
    if (!state)
        return "未知";
    switch (atoi(state)) {
    case IPP_PSTATE_IDLE: return "空闲";
    case IPP_PSTATE_PROCESSING: return "正在打印";
    case IPP_PSTATE_STOPPED: return "已暂停";
    default: return "未知";
    }
}

int cmd_printers(int argc, char **argv)
{
    if (argc > 1) {
        fprintf(stderr, "yinfa printers: 不需要参数\n\n");
        fputs(cli_help_text("printers"), stderr);
        return EXIT_USAGE;
    }
    http_t *http = connect_cups("printers");
    if (!http)
        return EXIT_PROBLEM;
    cups_dest_t *dests = NULL;
    int n = cupsGetDests2(http, &dests);
    /* No printers only when CUPS said so: a request that failed is not an empty list. */
    if (n == 0 && (said_timeout("printers") ||
                   (cupsLastError() > IPP_STATUS_OK_CONFLICTING &&
                    cupsLastError() != IPP_STATUS_ERROR_NOT_FOUND))) {
        if (!timed_out)
            fprintf(stderr, "yinfa printers: error: 无法从打印服务 CUPS（%s）读取打印机：%s\n",
                    cupsServer(), cups_error());
        httpClose(http);
        return EXIT_PROBLEM;
    }
    if (n == 0) {
        printf("CUPS（%s）中没有打印机：请先添加打印机（系统设置，或 lpadmin）\n", cupsServer());
    } else {
        printf("打印机\t状态\t接收任务\t双面\tA4\t原大（不缩放）\n");
    }
    for (int i = 0; i < n; i++) {
        cli_printer p = { .http = http, .dest = &dests[i] };
        p.info = cupsCopyDestInfo(http, &dests[i]);
        const char *accepting = cupsGetOption("printer-is-accepting-jobs", dests[i].num_options,
                                              dests[i].options);
        const char *yes = "能", *no = "不能", *unknown = "未知";
        printf("%s%s%s\t%s\t%s\t%s\t%s\t%s\n", dests[i].name, dests[i].instance ? "/" : "",
               dests[i].instance ? dests[i].instance : "",
               state_word(cupsGetOption("printer-state", dests[i].num_options, dests[i].options)),
               accepting && strcmp(accepting, "false") == 0 ? "否" : "是",
               !p.info ? unknown : supported(&p, CUPS_SIDES, CUPS_SIDES_TWO_SIDED_PORTRAIT) ? yes : no,
               !p.info ? unknown : supported(&p, CUPS_MEDIA, A4) ? yes : no,
               !p.info ? unknown : supported(&p, "print-scaling", "none") ? yes : no);
        cupsFreeDestInfo(p.info);
    }
    cups_dest_t *def = n ? cupsGetDest(NULL, NULL, n, dests) : NULL;
    if (n)
        printf(def ? "默认打印机：%s\n" : "没有设置默认打印机（lpoptions -d 打印机名 可设置）%s\n",
               def ? def->name : "");
    cupsFreeDests(n, dests);
    httpClose(http);
    return 0;
}
