/* yinfa serve — a local web page where a secretary fills a template and downloads the PDF.
 *
 *   yinfa serve [--port 8080] [--host 127.0.0.1] [--templates DIR] [--fonts-conf FILE] [-q]
 *
 * An HTTP server (libmicrohttpd, one thread per connection) for the form page — the files of web/,
 * compiled into the program — and a small JSON API the page uses:
 *
 *   GET  /api/templates                 every folder of DIR holding a template.xml, with its
 *                                       slot declarations (the form is built from them)
 *   GET  /api/templates/NAME            NAME's declarations
 *   POST /api/templates/NAME/preview    data → page count, PNG pages, diagnostics
 *   POST /api/templates/NAME/pdf        data → the PDF, or 422 with the diagnostics
 *
 * A yf_context may not be used by two threads at once, so every engine call runs under one lock:
 * renders are serialized, and a request that cannot get the lock in time is answered 503. Bodies,
 * pages and preview images per request are bounded; a template name is one folder name, never a
 * path; every failure is a 4xx or 5xx with a JSON body, and the server goes on serving.
 * Uses the public header only. */
#define _GNU_SOURCE
#include "common.h"
#include "web_assets.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <getopt.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A filled template is a few KB of JSON; 2 MB of text is already a thousand pages. */
#define MAX_BODY (2 * 1024 * 1024)
/* Longer documents are batch work for `yinfa render`, not for a form: this bounds a render's
 * output time, as MAX_BODY bounds its layout time (a 2 MB body lays out in about 5 s). */
#define MAX_PAGES 300
/* PNG pages per preview request: the page asks only for those on screen. */
#define MAX_PREVIEW_PAGES 6
#define MIN_DPI 30
#define MAX_DPI 200
#define LOCK_WAIT_SECONDS 30
#define MAX_CONNECTIONS 64
#define IDLE_TIMEOUT_SECONDS 60
#define MAX_TEMPLATES 500
#define NAME_MAX_BYTES 200

static const char serve_usage[] =
    "用法：yinfa serve [--port 8080] [--host 127.0.0.1] [--templates DIR] [--fonts-conf FILE] [-q]\n"
    "在本机启动公文填写网页：选择模板、填写表单、实时预览、下载 PDF。\n"
    "--port       端口（0 为任选一个空闲端口）；默认 8080\n"
    "--host       监听地址；默认 127.0.0.1，只有本机可以访问\n"
    "--templates  模板目录（每个含 template.xml 的子目录是一种公文）；默认 $YINFA_TEMPLATES\n"
    "             或安装目录下的 templates/\n"
    "按 Ctrl+C 停止。\n";

typedef struct {
    yf_context *ctx;
    char *templates;          /* the templates folder */
    pthread_mutex_t engine;   /* held around every engine call */
} server;

/* ---- a growing byte buffer: bodies and JSON responses ------------------------------------- */

typedef struct {
    char *s;
    size_t len, cap;
    int oom;                  /* an allocation failed: the content is incomplete */
} buf;

static void buf_add(buf *b, const void *p, size_t n)
{
    if (b->oom || n == 0)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void buf_str(buf *b, const char *s) { buf_add(b, s, strlen(s)); }

static void buf_printf(buf *b, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        buf_add(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* `s` as a JSON string, quotes included. The engine's messages are UTF-8 already. */
static void buf_json(buf *b, const char *s)
{
    buf_str(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            buf_printf(b, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            buf_printf(b, "\\u%04x", *p);
        else
            buf_add(b, p, 1);
    }
    buf_str(b, "\"");
}

static void buf_base64(buf *b, const unsigned char *d, size_t n)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)d[i + 1] << 8;
        if (i + 2 < n)
            v |= d[i + 2];
        char q[4] = { abc[(v >> 18) & 63], abc[(v >> 12) & 63],
                      i + 1 < n ? abc[(v >> 6) & 63] : '=', i + 2 < n ? abc[v & 63] : '=' };
        buf_add(b, q, 4);
    }
}

static void buf_diags(buf *b, const yf_diags *d)
{
    buf_str(b, "[");
    for (size_t i = 0; d && i < yf_diags_count(d); i++) {
        buf_str(b, i ? ",{\"severity\":" : "{\"severity\":");
        buf_json(b, yf_diags_severity(d, i) == YF_ERROR ? "error" : "warning");
        buf_str(b, ",\"message\":");
        buf_json(b, yf_diags_message(d, i));
        buf_str(b, "}");
    }
    buf_str(b, "]");
}

/* ---- responses ------------------------------------------------------------------------------ */

/* Sends `b` (taking its memory) with `status`; a buffer that ran out of memory becomes a 500. */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, buf *b)
{
    if (b->oom) {
        free(b->s);
        static const char oom[] = "{\"error\":\"服务器内存不足\"}";
        struct MHD_Response *r = MHD_create_response_from_buffer(
            sizeof oom - 1, (void *)oom, MHD_RESPMEM_PERSISTENT);
        if (!r)
            return MHD_NO;
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
        enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_INTERNAL_SERVER_ERROR, r);
        MHD_destroy_response(r);
        return ret;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer(b->len, b->s, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(b->s);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status, buf *b)
{
    return reply(c, status, "application/json; charset=utf-8", b);
}

/* {"error": message, "diagnostics": [...]}; `d` may be NULL. */
static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status, const yf_diags *d,
                                   const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    buf b = { 0 };
    buf_str(&b, "{\"error\":");
    buf_json(&b, msg);
    buf_str(&b, ",\"diagnostics\":");
    buf_diags(&b, d);
    buf_str(&b, "}");
    return reply_json(c, status, &b);
}

static enum MHD_Result not_allowed(struct MHD_Connection *c, const char *allow)
{
    buf b = { 0 };
    buf_printf(&b, "{\"error\":\"此地址只接受 %s 请求\",\"diagnostics\":[]}", allow);
    if (b.oom)
        return reply_json(c, MHD_HTTP_METHOD_NOT_ALLOWED, &b);
    struct MHD_Response *r = MHD_create_response_from_buffer(b.len, b.s, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(b.s);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, r);
    MHD_destroy_response(r);
    return ret;
}

static const char *asset_type(const char *path)
{
    if (cli_has_suffix(path, ".html"))
        return "text/html; charset=utf-8";
    if (cli_has_suffix(path, ".js"))
        return "text/javascript; charset=utf-8";
    if (cli_has_suffix(path, ".css"))
        return "text/css; charset=utf-8";
    if (cli_has_suffix(path, ".svg"))
        return "image/svg+xml";
    if (cli_has_suffix(path, ".png"))
        return "image/png";
    return "application/octet-stream";
}

static enum MHD_Result reply_asset(struct MHD_Connection *c, const yf_web_asset *a)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(a->len, (void *)a->data,
                                                             MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, asset_type(a->path));
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    /* Everything comes from this server: the browser refuses any other origin, so the page works
     * the same on a machine without internet and leaks nothing the secretary types. */
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data: blob:; "
                            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---- templates ------------------------------------------------------------------------------ */

/* A template name is one folder name: no path separators, no dot files (so no ".."), no
 * control characters. */
static int valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > NAME_MAX_BYTES || name[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (ch < 0x20 || ch == 0x7f || ch == '/' || ch == '\\')
            return 0;
    }
    return 1;
}

/* NAME's template.xml, or NULL when the folder has none. Caller frees. */
static char *template_path(const server *s, const char *name)
{
    char *dir = cli_join(s->templates, name);
    char *path = cli_join(dir, "template.xml");
    free(dir);
    if (cli_is_file(path))
        return path;
    free(path);
    return NULL;
}

static int engine_lock(server *s)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += LOCK_WAIT_SECONDS;
    return pthread_mutex_timedlock(&s->engine, &until) == 0;
}

static enum MHD_Result reply_busy(struct MHD_Connection *c)
{
    return reply_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "服务器正忙，请稍后再试");
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The folder names under the templates folder that hold a template.xml, sorted; at most
 * MAX_TEMPLATES. Returns the count; *out is freed by the caller, names and all. */
static size_t template_names(const server *s, char ***out)
{
    char **names = calloc(MAX_TEMPLATES, sizeof *names);
    *out = names;
    if (!names)
        return 0;
    size_t n = 0;
    DIR *dir = opendir(s->templates);
    struct dirent *e;
    while (dir && n < MAX_TEMPLATES && (e = readdir(dir))) {
        if (!valid_name(e->d_name))
            continue;
        char *path = template_path(s, e->d_name);
        if (path)
            names[n++] = strdup(e->d_name);
        free(path);
    }
    if (dir)
        closedir(dir);
    qsort(names, n, sizeof *names, by_name);
    return n;
}

/* One template as {"id": NAME, "declarations": {...}}, or with "diagnostics" when it does not
 * load — a broken template shows up in the list with its errors instead of vanishing. Called
 * with the engine lock held. */
static void describe_template(server *s, const char *name, buf *b)
{
    char *path = template_path(s, name);
    yf_diags *d = yf_diags_new();
    yf_template *t = path ? yf_template_load(s->ctx, path, d) : NULL;
    buf_str(b, "{\"id\":");
    buf_json(b, name);
    if (t) {
        char *decl = yf_template_declarations_json(t);
        buf_str(b, ",\"declarations\":");
        buf_str(b, decl);
        free(decl);
    }
    buf_str(b, ",\"diagnostics\":");
    buf_diags(b, d);
    buf_str(b, "}");
    yf_template_free(t);
    yf_diags_free(d);
    free(path);
}

static enum MHD_Result list_templates(server *s, struct MHD_Connection *c)
{
    char **names;
    size_t n = template_names(s, &names);
    if (!names)
        return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "服务器内存不足");
    buf b = { 0 };
    int locked = engine_lock(s);
    if (locked) {
        buf_str(&b, "{\"templates\":[");
        for (size_t i = 0; i < n; i++) {
            if (i)
                buf_str(&b, ",");
            describe_template(s, names[i], &b);
        }
        buf_str(&b, "]}");
        pthread_mutex_unlock(&s->engine);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (!locked)
        return reply_busy(c);
    return reply_json(c, MHD_HTTP_OK, &b);
}

static enum MHD_Result get_declarations(server *s, struct MHD_Connection *c, const char *path)
{
    if (!engine_lock(s))
        return reply_busy(c);
    yf_diags *d = yf_diags_new();
    yf_template *t = yf_template_load(s->ctx, path, d);
    char *decl = t ? yf_template_declarations_json(t) : NULL;
    yf_template_free(t);
    pthread_mutex_unlock(&s->engine);
    enum MHD_Result ret;
    if (decl) {
        buf b = { 0 };
        buf_str(&b, decl);
        ret = reply_json(c, MHD_HTTP_OK, &b);
    } else {
        ret = reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, d, "模板有错误");
    }
    free(decl);
    yf_diags_free(d);
    return ret;
}

/* ---- rendering ------------------------------------------------------------------------------ */

/* What a request's template and data became; everything NULL that failed. */
typedef struct {
    yf_template *t;
    yf_data *data;
    yf_document *doc;
    yf_layout *layout;
    int complete;     /* the data filled every required slot: no placeholder X in the document */
} render;

/* Template, data, bind, layout — with the engine lock held. With `draft`, data that misses
 * required values still lays out, the missing ones as X, so the secretary sees the document
 * grow as she fills it; the strict bind's complaints are in `d` all the same. */
static void render_run(server *s, const char *path, const buf *body, int draft, render *r,
                       yf_diags *d)
{
    r->t = yf_template_load(s->ctx, path, d);
    if (!r->t)
        return;
    r->data = yf_data_parse_json("data.json", body->s ? body->s : "", body->len, d);
    if (!r->data)
        return;
    r->doc = yf_document_bind(r->t, r->data, 0, d);
    r->complete = r->doc != NULL;
    if (!r->doc && draft) {
        /* The draft bind reports a subset of what the strict one did: drop its copy. */
        yf_diags *again = yf_diags_new();
        r->doc = yf_document_bind(r->t, r->data, YF_BIND_DRAFT, again);
        yf_diags_free(again);
    }
    if (r->doc)
        r->layout = yf_layout_new(s->ctx, r->doc, d);
}

static void render_free(render *r)
{
    yf_layout_free(r->layout);
    yf_document_free(r->doc);
    yf_data_free(r->data);
    yf_template_free(r->t);
}

/* The status for a render that produced no layout: the template's fault or the data's. */
static unsigned failed_status(const render *r)
{
    return r->t ? MHD_HTTP_UNPROCESSABLE_CONTENT : MHD_HTTP_INTERNAL_SERVER_ERROR;
}

static const char *arg(struct MHD_Connection *c, const char *key)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
}

/* "?pages=A-B" or "?pages=A" (1-based); at most MAX_PREVIEW_PAGES of them. Default: page 1. */
static int parse_pages(const char *s, int *first, int *last)
{
    *first = *last = 1;
    if (!s)
        return 1;
    char *end;
    long a = strtol(s, &end, 10), b = a;
    if (*end == '-')
        b = strtol(end + 1, &end, 10);
    if (*end || a < 1 || b < a || a > MAX_PAGES)
        return 0;
    *first = (int)a;
    *last = (int)(b - a < MAX_PREVIEW_PAGES ? b : a + MAX_PREVIEW_PAGES - 1);
    return 1;
}

static void preview_json(const render *r, int first, int last, double dpi, buf *b, yf_diags *d)
{
    int pages = yf_layout_page_count(r->layout);
    buf_printf(b, "{\"pages\":%d,\"complete\":%s,\"first\":%d,\"images\":[", pages,
               r->complete ? "true" : "false", first);
    for (int p = first; p <= last && p <= pages; p++) {
        size_t len;
        unsigned char *png = yf_layout_write_png_mem(r->layout, p, dpi, &len, d);
        buf_str(b, p > first ? ",\"" : "\"");
        if (png) {
            buf_str(b, "data:image/png;base64,");
            buf_base64(b, png, len);
        }
        buf_str(b, "\"");
        free(png);
    }
    buf_str(b, "],\"diagnostics\":");
    buf_diags(b, d);
    buf_str(b, "}");
}

static enum MHD_Result preview(server *s, struct MHD_Connection *c, const char *path,
                               const buf *body)
{
    int first, last;
    if (!parse_pages(arg(c, "pages"), &first, &last))
        return reply_error(c, MHD_HTTP_BAD_REQUEST, NULL, "pages 应为页码或页码范围，如 1-3");
    const char *dpi_arg = arg(c, "dpi");
    double dpi = dpi_arg ? strtod(dpi_arg, NULL) : 96;
    if (!(dpi >= MIN_DPI && dpi <= MAX_DPI))
        return reply_error(c, MHD_HTTP_BAD_REQUEST, NULL, "dpi 应在 %d–%d 之间", MIN_DPI,
                           MAX_DPI);
    if (!engine_lock(s))
        return reply_busy(c);
    yf_diags *d = yf_diags_new();
    render r = { 0 };
    render_run(s, path, body, 1, &r, d);
    unsigned status = MHD_HTTP_OK;
    buf b = { 0 };
    if (!r.layout)
        status = failed_status(&r);
    else if (yf_layout_page_count(r.layout) > MAX_PAGES)
        status = MHD_HTTP_UNPROCESSABLE_CONTENT;
    else
        preview_json(&r, first, last, dpi, &b, d);
    int pages = r.layout ? yf_layout_page_count(r.layout) : 0;
    render_free(&r);
    pthread_mutex_unlock(&s->engine);
    enum MHD_Result ret;
    if (status != MHD_HTTP_OK && pages > MAX_PAGES)
        ret = reply_error(c, status, d, "文档共 %d 页，超过网页的上限 %d 页；请用 yinfa render",
                          pages, MAX_PAGES);
    else if (status != MHD_HTTP_OK)
        ret = reply_error(c, status, d, "无法生成预览");
    else
        ret = reply_json(c, status, &b);
    yf_diags_free(d);
    return ret;
}

/* attachment; filename*=UTF-8''NAME.pdf — percent-encoded, since names are often Chinese. */
static void content_disposition(const char *name, char *out, size_t size)
{
    buf b = { 0 };
    buf_str(&b, "attachment; filename=\"document.pdf\"; filename*=UTF-8''");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p))
            buf_add(&b, p, 1);
        else
            buf_printf(&b, "%%%02X", *p);
    }
    buf_str(&b, ".pdf");
    snprintf(out, size, "%s", b.oom || !b.s ? "attachment" : b.s);
    free(b.s);
}

static enum MHD_Result pdf(server *s, struct MHD_Connection *c, const char *name,
                           const char *path, const buf *body)
{
    if (!engine_lock(s))
        return reply_busy(c);
    yf_diags *d = yf_diags_new();
    render r = { 0 };
    render_run(s, path, body, 0, &r, d);
    int pages = r.layout ? yf_layout_page_count(r.layout) : 0;
    size_t len = 0;
    unsigned char *bytes = NULL;
    if (r.layout && pages <= MAX_PAGES)
        bytes = yf_layout_write_pdf_mem(r.layout, &len, d);
    unsigned status = !r.layout ? failed_status(&r)
                      : pages > MAX_PAGES ? MHD_HTTP_UNPROCESSABLE_CONTENT
                                          : MHD_HTTP_INTERNAL_SERVER_ERROR;
    render_free(&r);
    pthread_mutex_unlock(&s->engine);
    enum MHD_Result ret;
    if (bytes) {
        struct MHD_Response *resp = MHD_create_response_from_buffer(len, bytes,
                                                                    MHD_RESPMEM_MUST_FREE);
        if (!resp) {
            free(bytes);
            yf_diags_free(d);
            return MHD_NO;
        }
        char disposition[NAME_MAX_BYTES * 3 + 80];
        content_disposition(name, disposition, sizeof disposition);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/pdf");
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION, disposition);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
        ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
        MHD_destroy_response(resp);
    } else if (pages > MAX_PAGES) {
        ret = reply_error(c, status, d, "文档共 %d 页，超过网页的上限 %d 页；请用 yinfa render",
                          pages, MAX_PAGES);
    } else {
        ret = reply_error(c, status, d, "无法生成 PDF");
    }
    yf_diags_free(d);
    return ret;
}

/* ---- requests ------------------------------------------------------------------------------- */

typedef struct {
    buf body;
    int too_big;
} request;

static int is_get(const char *method)
{
    return strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
}

/* /api/templates/NAME[/ACTION] */
static enum MHD_Result template_request(server *s, struct MHD_Connection *c, const char *rest,
                                        const char *method, const request *rq)
{
    const char *slash = strchr(rest, '/');
    size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
    const char *action = slash ? slash + 1 : "";
    char name[NAME_MAX_BYTES + 1];
    if (n > NAME_MAX_BYTES)
        return reply_error(c, MHD_HTTP_BAD_REQUEST, NULL, "模板名过长");
    memcpy(name, rest, n);
    name[n] = '\0';
    if (!valid_name(name))
        return reply_error(c, MHD_HTTP_BAD_REQUEST, NULL,
                           "模板名不合法：应为模板目录下的一个文件夹名");
    int get = !*action, post = !strcmp(action, "preview") || !strcmp(action, "pdf");
    if (!get && !post)
        return reply_error(c, MHD_HTTP_NOT_FOUND, NULL, "没有这个地址");
    if (get && !is_get(method))
        return not_allowed(c, "GET, HEAD");
    if (post && strcmp(method, MHD_HTTP_METHOD_POST) != 0)
        return not_allowed(c, "POST");
    char *path = template_path(s, name);
    if (!path)
        return reply_error(c, MHD_HTTP_NOT_FOUND, NULL, "没有模板「%s」", name);
    enum MHD_Result ret = get ? get_declarations(s, c, path)
                          : !strcmp(action, "pdf") ? pdf(s, c, name, path, &rq->body)
                                                   : preview(s, c, path, &rq->body);
    free(path);
    return ret;
}

static enum MHD_Result route(server *s, struct MHD_Connection *c, const char *url,
                             const char *method, const request *rq)
{
    const char *want = strcmp(url, "/") == 0 ? "/index.html" : url;
    for (const yf_web_asset *a = yf_web_assets; a->path; a++)
        if (strcmp(a->path, want) == 0)
            return is_get(method) ? reply_asset(c, a) : not_allowed(c, "GET, HEAD");
    if (strcmp(url, "/api/templates") == 0)
        return is_get(method) ? list_templates(s, c) : not_allowed(c, "GET, HEAD");
    static const char prefix[] = "/api/templates/";
    if (strncmp(url, prefix, sizeof prefix - 1) == 0)
        return template_request(s, c, url + sizeof prefix - 1, method, rq);
    return reply_error(c, MHD_HTTP_NOT_FOUND, NULL, "没有这个地址");
}

/* libmicrohttpd calls this once when the headers are in, once per piece of body, and once at
 * the end, when the answer is given. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **state)
{
    request *rq = *state;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        *state = rq;
        /* A body announced as too big is refused before a byte of it is read. */
        const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                      MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (len && strtoull(len, NULL, 10) > MAX_BODY)
            return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, NULL, "请求过大（上限 %d 字节）",
                               MAX_BODY);
        return MHD_YES;
    }
    if (*upload_size) {
        /* A body of unannounced length (chunked) is counted as it comes; past the limit the
         * rest is read and dropped, and the answer is 413. */
        if (!rq->too_big && rq->body.len + *upload_size <= MAX_BODY) {
            buf_add(&rq->body, upload, *upload_size);
        } else {
            rq->too_big = 1;
            free(rq->body.s);
            rq->body = (buf){ 0 };
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (rq->too_big)
        return reply_error(c, MHD_HTTP_CONTENT_TOO_LARGE, NULL, "请求过大（上限 %d 字节）",
                           MAX_BODY);
    if (rq->body.oom)
        return reply_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "服务器内存不足");
    return route(cls, c, url, method, rq);
}

static void on_done(void *cls, struct MHD_Connection *c, void **state,
                    enum MHD_RequestTerminationCode why)
{
    request *rq = *state;
    if (rq) {
        free(rq->body.s);
        free(rq);
        *state = NULL;
    }
}

/* ---- the command ---------------------------------------------------------------------------- */

typedef struct {
    union {
        struct sockaddr sa;
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
    } u;
    int v6;
} address;

static int parse_address(const char *host, unsigned port, address *a)
{
    memset(a, 0, sizeof *a);
    if (strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    if (inet_pton(AF_INET, host, &a->u.in4.sin_addr) == 1) {
        a->u.in4.sin_family = AF_INET;
        a->u.in4.sin_port = htons((uint16_t)port);
        return 1;
    }
    if (inet_pton(AF_INET6, host, &a->u.in6.sin6_addr) == 1) {
        a->u.in6.sin6_family = AF_INET6;
        a->u.in6.sin6_port = htons((uint16_t)port);
        a->v6 = 1;
        return 1;
    }
    return 0;
}

static char *default_templates(void)
{
    const char *env = getenv("YINFA_TEMPLATES");
    return env ? strdup(env) : cli_find_share("templates");
}

/* Serves until SIGINT or SIGTERM. */
static int run(server *s, const address *a, const char *host)
{
    /* Signals are taken by sigwait below, so they must be blocked before the server's threads
     * start (they inherit the mask); a peer that hangs up must not kill the process. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_AUTO | MHD_USE_ERROR_LOG | (a->v6 ? MHD_USE_IPv6 : 0);
    struct MHD_Daemon *daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s,
        MHD_OPTION_SOCK_ADDR, &a->u.sa,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_SECONDS,
        MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
        MHD_OPTION_END);
    if (!daemon) {
        fprintf(stderr, "yinfa serve: 无法在 %s 端口 %u 上监听（端口已被占用，或地址不属于本机）\n",
                host, ntohs(a->v6 ? a->u.in6.sin6_port : a->u.in4.sin_port));
        return EXIT_PROBLEM;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    printf("yinfa serve: http://%s%s%s:%u/ （按 Ctrl+C 停止）\n", a->v6 ? "[" : "", host,
           a->v6 ? "]" : "", info ? info->port : 0);
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    MHD_stop_daemon(daemon);
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        { "port", required_argument, 0, 'p' },      { "host", required_argument, 0, 'H' },
        { "templates", required_argument, 0, 't' }, { "fonts-conf", required_argument, 0, 'f' },
        { "quiet", no_argument, 0, 'q' },           { "help", no_argument, 0, 'h' },
        { 0, 0, 0, 0 } };
    const char *host = "127.0.0.1", *templates = NULL, *fonts_conf = NULL;
    long port = 8080;
    int c;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'p':
            port = strtol(optarg, &end, 10);
            if (*end || end == optarg || port < 0 || port > 65535) {
                fprintf(stderr, "yinfa serve: 端口应为 0–65535：%s\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case 'H': host = optarg; break;
        case 't': templates = optarg; break;
        case 'f': fonts_conf = optarg; break;
        case 'q': cli_quiet = 1; break;
        case 'h': fputs(serve_usage, stdout); return 0;
        default: fputs(serve_usage, stderr); return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fputs(serve_usage, stderr);
        return EXIT_USAGE;
    }
    address a;
    if (!parse_address(host, (unsigned)port, &a)) {
        fprintf(stderr, "yinfa serve: 监听地址应为 IP 地址，如 127.0.0.1：%s\n", host);
        return EXIT_USAGE;
    }
    server s = { .templates = templates ? strdup(templates) : default_templates() };
    if (!s.templates || !cli_is_dir(s.templates)) {
        fprintf(stderr, "yinfa serve: 找不到模板目录%s%s\n", s.templates ? "：" : "",
                s.templates ? s.templates : "");
        free(s.templates);
        return EXIT_PROBLEM;
    }
    yf_diags *d = yf_diags_new();
    s.ctx = cli_open_context(fonts_conf, d);
    /* The fonts' warnings are said once here, not with every render. */
    int rc = cli_finish(d, s.ctx ? 0 : EXIT_PROBLEM);
    if (s.ctx) {
        pthread_mutex_init(&s.engine, NULL);
        rc = run(&s, &a, host);
        pthread_mutex_destroy(&s.engine);
    }
    yf_context_free(s.ctx);
    free(s.templates);
    return rc;
}
