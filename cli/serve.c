/* yinfa serve — a local web page where a secretary fills a template and downloads the PDF.
 *
 *   yinfa serve [--port 8080] [--host 127.0.0.1] [--templates DIR] [--fonts-conf FILE]
 *               [--workers N] [-q]
 *
 * An HTTP server (libmicrohttpd) for the form page — the files of web/, compiled into the
 * program — and a small JSON API the page uses:
 *
 *   GET  /api/templates                 every folder of DIR holding a template.xml, with its
 *                                       slot declarations (the form is built from them)
 *   GET  /api/templates/NAME            NAME's declarations
 *   POST /api/templates/NAME/preview    data → page count, PNG pages, diagnostics
 *   POST /api/templates/NAME/pdf        data → the PDF, or 422 with the diagnostics
 *   POST /api/templates/NAME/docx       data → the Word file, or 422 with the diagnostics
 *   POST /api/templates/NAME/check      data → its problems, as `yinfa check` words them (the
 *                                       bind only: no layout), for a field the moment it is left
 *   GET  /api/images                    the PNG and SVG files of the templates folder (seals,
 *                                       logos): what an image slot may name
 *   GET  /api/images/PATH               one of them, for its thumbnail
 *   GET  /api/fonts                     the face of each type role, and whether it is a substitute
 *
 * The server runs on the secretary's machine, and so does every web page her browser opens: the
 * gate below lets in only what the form page itself sends.
 *   - Host must name this server — localhost, 127.0.0.1, [::1] or the --host address, with the
 *     port — or the answer is 421: a foreign name that resolves here (DNS rebinding) is refused.
 *   - An Origin must be this server's own (RFC 6454 §7), and Sec-Fetch-Site (Fetch Metadata) must
 *     not say cross-site or same-site for the API, or the answer is 403. No CORS header is ever
 *     sent, so no other page may read an answer either.
 *   - The renders take application/json only (415 otherwise): a cross-site <form> can send
 *     text/plain that happens to be JSON, but not application/json.
 *   - Slow clients: libmicrohttpd's event loop (epoll on Linux, a small thread pool) holds a slow
 *     or idle connection as a socket and a memory pool, not as a thread, so a burst of slow
 *     connections does not keep the form from being served; connections are capped in all and per
 *     peer address, idle ones are closed after IDLE_TIMEOUT_SECONDS; the bodies held and the
 *     answers not yet read by their clients are bounded for all connections together.
 *   - What is sent back names files relative to the templates folder (notice/template.xml:12:5),
 *     never by a path of the server.
 *
 * A yf_context is used by one thread at a time (include/yinfa.h, "Threads"): the engine's work runs
 * on a pool of worker threads (--workers, by default one per online CPU and at least two), each
 * with a context of its own, so a light request is not held up behind a heavy one while a worker
 * is free. Templates are loaded for each request by the worker that runs it, with its context. A
 * request that needs the engine is put in one queue, taken in order by the first free worker, and
 * its connection suspended until the worker has answered, so the event loop never waits on a
 * render; a request that waits longer than QUEUE_WAIT_SECONDS, or finds the queue full, is
 * answered 503. Bodies, pages and preview images per request are bounded; a template name is one
 * folder name, never a path; every failure is a 4xx or 5xx with a JSON body, and the server goes
 * on serving. Uses the public header only. */
#define _GNU_SOURCE
#include "common.h"
#include "web_assets.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <getopt.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <limits.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A filled template is a few KB of JSON; 2 MB of text is already a thousand pages. */
#define MAX_BODY (2 * 1024 * 1024)
/* The bodies of all connections together: past this a request is answered 503, so many
 * connections each sending up to MAX_BODY cannot exhaust the memory. */
#define MAX_BUFFERED (64 * 1024 * 1024)
/* The answers built and not yet sent, all connections together: a client that reads slowly keeps
 * its answer (a PDF, up to six PNG pages) in memory. Past this the engine renders nothing more
 * (503) until answers have gone out. */
#define MAX_SENDING (256 * 1024 * 1024)
/* Longer documents are batch work for `yinfa render`, not for a form: this bounds a render's
 * output time, as MAX_BODY bounds its layout time (a 2 MB body lays out in about 5 s). */
#define MAX_PAGES 300
/* PNG pages per preview request: the page asks only for those on screen. */
#define MAX_PREVIEW_PAGES 6
#define MIN_DPI 30
#define MAX_DPI 200
/* Requests waiting for a worker, and how long one may wait before it is answered 503. */
#define MAX_QUEUED 32
#define QUEUE_WAIT_SECONDS 30
/* Open connections in all, and from one peer address. The browser opens at most 6 to one host;
 * on loopback every client has the same address, so the cap per address is the cap for this
 * machine's own clients: high, because an idle connection costs a socket and its memory pool. */
#define MAX_CONNECTIONS 512
#define MAX_CONNECTIONS_PER_IP 256
/* A connection that sends or reads nothing for this long is closed. */
#define IDLE_TIMEOUT_SECONDS 10
/* Memory per connection for its request line, headers and buffers (bodies are copied out as
 * they come): a browser's headers are under 8 KB. */
#define CONNECTION_MEMORY (32 * 1024)
/* The event loop's threads: they only read, parse and write; the engine has its own threads. */
#define POOL_THREADS 2
/* Engine workers (--workers): each holds a context, its fonts loaded (some MB each). */
#define MIN_DEFAULT_WORKERS 2
#define MAX_WORKERS 64
#define MAX_TEMPLATES 500
#define NAME_MAX_BYTES 200
/* Images listed for the pickers: the engine's limit on an image file (README, hardening), the
 * folders looked into below the templates folder, and how many files are listed at most. */
#define MAX_IMAGE_BYTES (8 * 1024 * 1024)
#define MAX_IMAGE_DEPTH 4
#define MAX_IMAGES 500
#define IMAGE_PATH_MAX 1024

static const char serve_usage[] =
    "用法：yinfa serve [--port 8080] [--host 127.0.0.1] [--templates DIR] [--fonts-conf FILE]\n"
    "                  [--workers N] [-q]\n"
    "在本机启动公文填写网页：选择模板、填写表单、实时预览、下载 PDF。\n"
    "--port       端口（0 为任选一个空闲端口）；默认 8080\n"
    "--host       监听地址；默认 127.0.0.1，只有本机可以访问\n"
    "--templates  模板目录（每个含 template.xml 的子目录是一种公文）；默认 $YINFA_TEMPLATES\n"
    "             或安装目录下的 templates/\n"
    "--workers    同时生成文档的线程数（每个线程一份字体上下文）；默认为 CPU 核数，至少 2\n"
    "按 Ctrl+C 停止。\n";

typedef struct {
    union {
        struct sockaddr sa;
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
    } u;
    int v6;
} address;

typedef struct job job;
typedef struct server server;

/* An engine worker: a thread and the context only it uses. */
typedef struct {
    server *s;
    yf_context *ctx;
    pthread_t thread;
    int started;
} worker;

struct server {
    yf_context *ctx;          /* the first worker's context, made first: its fonts' warnings */
    char *templates;          /* the templates folder: absolute, symbolic links resolved */
    size_t templates_len;
    char *user_templates;     /* the user's own (yinfa extract's), without --templates; or NULL */
    char *fonts;              /* GET /api/fonts's answer, made once at start */
    address bound;            /* the --host address */
    int bound_any;            /* --host 0.0.0.0 or ::, every address of the machine */
    unsigned port;            /* the port listened on; 0 until the daemon runs */
    size_t buffered;          /* bytes of request bodies held, all connections together */
    size_t sending;           /* bytes of answers queued on connections and not yet sent */
    /* The engine's workers and their queue. */
    worker *workers;
    int nworkers;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    job *head, *tail;
    size_t queued;
    int stopping;
};

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

static void buf_printf(buf *b, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void buf_printf(buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    buf_str(b, s);
    g_free(s);
}

/* A JSON node's text (json-glib's writer: RFC 8259 escaping), appended; takes the node. */
static void buf_node(buf *b, JsonNode *n)
{
    char *json = json_to_string(n, FALSE);
    buf_str(b, json);
    g_free(json);
    json_node_unref(n);
}

/* `s` as a JSON string, quotes included. The engine's messages are UTF-8 already. */
static void buf_json(buf *b, const char *s)
{
    buf_node(b, json_node_init_string(json_node_alloc(), s));
}

static void buf_base64(buf *b, const unsigned char *d, size_t n)
{
    char *s = g_base64_encode(d, n);
    buf_str(b, s);
    g_free(s);
}

/* ---- messages for the client: no path of the server --------------------------------------- */

/* A byte that ends a path in a message: white space, ASCII punctuation that is not part of a
 * file name, ':' (file:line:col), and the lead of a CJK or typographic punctuation mark
 * (U+2018–U+2026 “”‘’…, U+3000–U+303F 、。「」, U+FF00–U+FF5F （），：). Ideographs stay:
 * folder names are often Chinese. */
static int ends_path(const unsigned char *p)
{
    if (*p == '\0' || *p <= ' ' || strchr("\"'`:,;()<>[]{}|*?=", *p))
        return 1;
    return (p[0] == 0xE2 && p[1] == 0x80) || (p[0] == 0xE3 && p[1] == 0x80) ||
           (p[0] == 0xEF && (p[1] == 0xBC || p[1] == 0xBD));
}

/* Whether a '/' at `p` starts an absolute path: at the start, or after white space, ASCII
 * punctuation that opens or separates, or a CJK or typographic punctuation mark. A '/' inside a
 * word or a relative path ("common/seal.svg", "1/2") does not. */
static int starts_path(const unsigned char *msg, const unsigned char *p)
{
    if (p == msg)
        return 1;
    const unsigned char *q = p - 1;
    if (*q == ':' && p[1] == '/' && p[2] != '/')
        return 0;                   /* "http://host/…": an address, not a file */
    if (*q < 0x80)
        return *q <= ' ' || strchr("\"'`:,;(<[{=", *q);
    return p - msg >= 3 && ends_path(p - 3);
}

/* `msg` as the client may see it: a file under the templates folder named relative to it
 * (notice/template.xml:12:5, as the template's author knows it), any other absolute path of two
 * or more parts cut to its last part ("…/seal.png"): where the server keeps its files is not the
 * client's business. Appended to `b`. */
static void buf_client_text(buf *b, const server *s, const char *msg)
{
    const unsigned char *m = (const unsigned char *)msg, *p = m;
    while (*p) {
        if (*p != '/' || !starts_path(m, p)) {
            buf_add(b, p++, 1);
            continue;
        }
        if (s && strncmp((const char *)p, s->templates, s->templates_len) == 0 &&
            p[s->templates_len] == '/') {
            p += s->templates_len + 1;
            const unsigned char *end = p;
            while (!ends_path(end))
                end++;
            buf_add(b, p, (size_t)(end - p));
            p = end;
            continue;
        }
        const unsigned char *end = p + 1, *last = p;
        while (!ends_path(end)) {
            if (*end == '/')
                last = end;
            end++;
        }
        if (last == p) {            /* "/name": one part, nothing of the machine's layout */
            buf_add(b, p, (size_t)(end - p));
        } else {
            buf_str(b, "…/");
            buf_add(b, last + 1, (size_t)(end - last - 1));
        }
        p = end;
    }
}

static void buf_client_json(buf *b, const server *s, const char *msg)
{
    buf clean = { 0 };
    buf_client_text(&clean, s, msg);
    buf_json(b, clean.s ? clean.s : "");
    b->oom |= clean.oom;
    free(clean.s);
}

/* A member of a diagnostic for the client: a text with the server's paths taken out, or null. */
static void client_member(JsonBuilder *jb, const server *s, const char *name, const char *text)
{
    json_builder_set_member_name(jb, name);
    if (!text) {
        json_builder_add_null_value(jb);
        return;
    }
    buf clean = { 0 };
    buf_client_text(&clean, s, text);
    json_builder_add_string_value(jb, clean.s ? clean.s : "");
    free(clean.s);
}

static void int_member(JsonBuilder *jb, const char *name, int value)
{
    json_builder_set_member_name(jb, name);
    if (value > 0)
        json_builder_add_int_value(jb, value);
    else
        json_builder_add_null_value(jb);
}

/* The diagnostics as yf_diags_json has them — severity, code, file, line, column, path, slot,
 * text and the whole line as message — the files named for the client. */
static void buf_diags(buf *b, const server *s, const yf_diags *d)
{
    JsonBuilder *jb = json_builder_new();
    json_builder_begin_array(jb);
    for (size_t i = 0; d && i < yf_diags_count(d); i++) {
        json_builder_begin_object(jb);
        json_builder_set_member_name(jb, "severity");
        gboolean error = yf_diags_severity(d, i) == YF_ERROR;
        json_builder_add_string_value(jb, error ? "error" : "warning");
        json_builder_set_member_name(jb, "code");
        json_builder_add_string_value(jb, yf_diags_code(d, i));
        client_member(jb, s, "file", yf_diags_file(d, i));
        int_member(jb, "line", yf_diags_line(d, i));
        int_member(jb, "column", yf_diags_column(d, i));
        client_member(jb, s, "path", yf_diags_path(d, i));
        client_member(jb, s, "slot", yf_diags_slot(d, i));
        client_member(jb, s, "text", yf_diags_text(d, i));
        client_member(jb, s, "message", yf_diags_message(d, i));
        json_builder_end_object(jb);
    }
    json_builder_end_array(jb);
    buf_node(b, json_builder_get_root(jb));
    g_object_unref(jb);
}

/* ---- answers -------------------------------------------------------------------------------- */

/* What a request is answered: built by the routes and the engine's workers, sent by send_answer. */
typedef struct {
    unsigned status;
    const char *type;               /* Content-Type */
    buf body;                       /* owned */
    const yf_web_asset *asset;      /* instead of body: a file of the page */
    char *disposition;              /* owned; a download's Content-Disposition */
    const char *allow;              /* a 405's Allow */
    const char *csp;                /* a Content-Security-Policy of its own (an image) */
    int close;                      /* a refusal: the connection is closed after it */
} answer;

static void answer_free(answer *a)
{
    free(a->body.s);
    free(a->disposition);
    *a = (answer){ 0 };
}

static void answer_json(answer *a, unsigned status, buf *b)
{
    a->status = status;
    a->type = "application/json; charset=utf-8";
    a->body = *b;
    *b = (buf){ 0 };
}

/* {"error": MESSAGE, "diagnostics": [...]}, paths made relative to the templates folder. */
static void answer_error(answer *a, const server *s, unsigned status, const yf_diags *d,
                         const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    buf b = { 0 };
    buf_str(&b, "{\"error\":");
    buf_client_json(&b, s, msg);
    g_free(msg);
    buf_str(&b, ",\"diagnostics\":");
    buf_diags(&b, s, d);
    buf_str(&b, "}");
    answer_json(a, status, &b);
}

static void answer_not_allowed(answer *a, const char *allow)
{
    answer_error(a, NULL, MHD_HTTP_METHOD_NOT_ALLOWED, NULL, "此地址只接受 %s 请求", allow);
    a->allow = allow;
}

static void answer_busy(answer *a)
{
    answer_error(a, NULL, MHD_HTTP_SERVICE_UNAVAILABLE, NULL, "服务器正忙，请稍后再试");
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

static void answer_asset(answer *a, const yf_web_asset *asset)
{
    a->status = MHD_HTTP_OK;
    a->type = asset_type(asset->path);
    a->asset = asset;
}

/* An answer's body while libmicrohttpd sends it, counted in server.sending. */
typedef struct {
    server *s;
    char *data;
    size_t len;
} outgoing;

static void outgoing_free(void *cls)
{
    outgoing *o = cls;
    __atomic_fetch_sub(&o->s->sending, o->len, __ATOMIC_RELAXED);
    free(o->data);
    free(o);
}

/* A response that owns `b`'s memory and counts it until sent; NULL when out of memory. */
static struct MHD_Response *counted_response(server *s, buf *b)
{
    outgoing *o = malloc(sizeof *o);
    if (!o)
        return NULL;
    *o = (outgoing){ s, b->s, b->len };
    struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback_cls(
        b->len, b->s, outgoing_free, o);
    if (!r) {
        free(o);
        return NULL;
    }
    __atomic_fetch_add(&s->sending, b->len, __ATOMIC_RELAXED);
    *b = (buf){ 0 };
    return r;
}

/* Sends `a` (its memory goes with it); a body that ran out of memory becomes a 500. */
static enum MHD_Result send_answer(server *s, struct MHD_Connection *c, answer *a)
{
    static const char oom[] = "{\"error\":\"服务器内存不足\",\"diagnostics\":[]}";
    struct MHD_Response *r;
    if (a->body.oom) {
        answer_free(a);
        a->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        a->type = "application/json; charset=utf-8";
        r = MHD_create_response_from_buffer(sizeof oom - 1, (void *)oom, MHD_RESPMEM_PERSISTENT);
    } else if (a->asset) {
        r = MHD_create_response_from_buffer(a->asset->len, (void *)a->asset->data,
                                            MHD_RESPMEM_PERSISTENT);
    } else {
        r = counted_response(s, &a->body);
    }
    if (!r) {
        answer_free(a);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, a->type);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (a->asset) {
        /* Everything comes from this server: the browser refuses any other origin, so the page
         * works the same on a machine without internet and leaks nothing the secretary types;
         * no other page may frame it. */
        MHD_add_response_header(r, "Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data: blob:; "
                                "object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    } else {
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    }
    if (a->csp)
        MHD_add_response_header(r, "Content-Security-Policy", a->csp);
    if (a->disposition)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_DISPOSITION, a->disposition);
    if (a->allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, a->allow);
    if (a->close)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(c, a->status, r);
    MHD_destroy_response(r);
    answer_free(a);
    return ret;
}

/* ---- the gate: only this server's own page may use it ------------------------------------- */

enum { HOST_LOCALHOST, HOST_V4, HOST_V6 };

/* The host and port of a Host header or an origin. */
typedef struct {
    int kind;
    unsigned char addr[16];
    unsigned port;
} authority;

/* "host[:port]" (RFC 9110 §7.2): the name localhost, a dotted IPv4 address or a bracketed IPv6
 * address. Any other name is not parsed: a name that resolves here though it is not this
 * machine's is what DNS rebinding uses. No port: 80, http's (RFC 9110 §4.2.1). */
static int parse_authority(const char *text, size_t n, authority *a)
{
    char tmp[128];
    if (n == 0 || n >= sizeof tmp)
        return 0;
    memcpy(tmp, text, n);
    tmp[n] = '\0';
    memset(a, 0, sizeof *a);
    char *host = tmp, *port = NULL;
    if (tmp[0] == '[') {
        char *close = strchr(tmp, ']');
        if (!close || (close[1] && close[1] != ':'))
            return 0;
        *close = '\0';
        host = tmp + 1;
        port = close[1] ? close + 2 : NULL;
        if (inet_pton(AF_INET6, host, a->addr) != 1)
            return 0;
        a->kind = HOST_V6;
    } else {
        char *colon = strchr(tmp, ':');
        if (colon) {
            *colon = '\0';
            port = colon + 1;
        }
        if (inet_pton(AF_INET, host, a->addr) == 1)
            a->kind = HOST_V4;
        else if (strcasecmp(host, "localhost") == 0)
            a->kind = HOST_LOCALHOST;
        else
            return 0;
    }
    a->port = 80;
    if (port) {
        size_t digits = strspn(port, "0123456789");
        if (digits == 0 || digits > 5 || port[digits])
            return 0;
        a->port = (unsigned)strtoul(port, NULL, 10);
        if (a->port == 0 || a->port > 65535)
            return 0;
    }
    return 1;
}

/* Whether `a` names this server: its port, and localhost, the loopback addresses or the --host
 * address (any address literal when it listens on all of them: an address literal is not
 * resolved, so cannot be rebound). */
static int is_this_server(const server *s, const authority *a)
{
    static const unsigned char v4_loopback[4] = { 127, 0, 0, 1 };
    static const unsigned char v6_loopback[16] = { [15] = 1 };
    if (a->port != __atomic_load_n(&s->port, __ATOMIC_ACQUIRE))
        return 0;
    if (a->kind == HOST_LOCALHOST || s->bound_any)
        return 1;
    if (a->kind == HOST_V4)
        return memcmp(a->addr, v4_loopback, 4) == 0 ||
               (!s->bound.v6 && memcmp(a->addr, &s->bound.u.in4.sin_addr, 4) == 0);
    return memcmp(a->addr, v6_loopback, 16) == 0 ||
           (s->bound.v6 && memcmp(a->addr, &s->bound.u.in6.sin6_addr, 16) == 0);
}

static int same_authority(const authority *a, const authority *b)
{
    size_t n = a->kind == HOST_V4 ? 4 : a->kind == HOST_V6 ? 16 : 0;
    return a->kind == b->kind && a->port == b->port && memcmp(a->addr, b->addr, n) == 0;
}

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static int is_get(const char *method)
{
    return strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
}

/* Fetch Metadata (W3C): a request the browser made for another site's page. The API answers only
 * this server's own page (same-origin) and the address bar (none); the page itself may also be
 * reached by following a link (a navigation). */
static int fetch_allowed(struct MHD_Connection *c, const char *url, const char *method)
{
    const char *site = header(c, "Sec-Fetch-Site");
    if (!site || strcasecmp(site, "same-origin") == 0 || strcasecmp(site, "none") == 0)
        return 1;
    if (strncmp(url, "/api/", 5) == 0)
        return 0;
    const char *mode = header(c, "Sec-Fetch-Mode");
    return is_get(method) && mode && strcasecmp(mode, "navigate") == 0;
}

/* Lets a request in, or fills `a` with the refusal: 421 for a Host that is not this server, 403
 * for another origin's request. */
static int gate(const server *s, struct MHD_Connection *c, const char *url, const char *method,
                answer *a)
{
    const char *host = header(c, MHD_HTTP_HEADER_HOST);
    authority h, o;
    if (!host || !parse_authority(host, strlen(host), &h) || !is_this_server(s, &h)) {
        answer_error(a, NULL, MHD_HTTP_MISDIRECTED_REQUEST, NULL,
                     "请求的主机名不是本服务器（Host 应为 127.0.0.1、localhost 或 [::1] 加端口）");
        a->close = 1;
        return 0;
    }
    /* RFC 6454 §7: the origin of the page that made the request; a browser sends it with every
     * POST and every cross-origin request. */
    const char *origin = header(c, "Origin");
    static const char http[] = "http://";
    if (origin && (strncasecmp(origin, http, sizeof http - 1) != 0 ||
                   !parse_authority(origin + sizeof http - 1, strlen(origin + sizeof http - 1),
                                    &o) ||
                   !same_authority(&o, &h))) {
        answer_error(a, NULL, MHD_HTTP_FORBIDDEN, NULL, "拒绝来自其他网页的请求");
        a->close = 1;
        return 0;
    }
    if (!fetch_allowed(c, url, method)) {
        answer_error(a, NULL, MHD_HTTP_FORBIDDEN, NULL, "拒绝来自其他网站的请求");
        a->close = 1;
        return 0;
    }
    return 1;
}

/* "application/json", with parameters (charset=utf-8) or without. Only a script of the page's
 * own origin can send it (anything else needs a CORS preflight, which is never granted); a
 * <form> can send text/plain, urlencoded or multipart bodies only. */
static int is_json_type(const char *type)
{
    static const char want[] = "application/json";
    if (!type)
        return 0;
    type += strspn(type, " \t");
    if (strncasecmp(type, want, sizeof want - 1) != 0)
        return 0;
    const char *rest = type + sizeof want - 1;
    rest += strspn(rest, " \t");
    return *rest == '\0' || *rest == ';';
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

/* DIR/NAME/template.xml when it is a file, else NULL. Caller frees. */
static char *template_in(const char *folder, const char *name)
{
    if (!folder)
        return NULL;
    char *dir = cli_join(folder, name);
    char *path = cli_join(dir, "template.xml");
    free(dir);
    if (cli_is_file(path))
        return path;
    free(path);
    return NULL;
}

/* NAME's template.xml — in the templates folder, else (serving the installed ones) in the user's
 * own templates folder, where yinfa extract writes — or NULL. Caller frees. */
static char *template_path(const server *s, const char *name)
{
    char *path = template_in(s->templates, name);
    if (path)
        return path;
    return template_in(s->user_templates, name);
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
    /* The templates folder, then the user's own: a name in both is the first's. */
    const char *folders[] = { s->templates, s->user_templates };
    for (size_t f = 0; f < 2; f++) {
        DIR *dir = folders[f] ? opendir(folders[f]) : NULL;
        struct dirent *e;
        while (dir && n < MAX_TEMPLATES && (e = readdir(dir))) {
            if (!valid_name(e->d_name))
                continue;
            int seen = 0;
            for (size_t k = 0; k < n && !seen; k++)
                seen = strcmp(names[k], e->d_name) == 0;
            char *path = seen ? NULL : template_in(folders[f], e->d_name);
            if (path)
                names[n++] = strdup(e->d_name);
            free(path);
        }
        if (dir)
            closedir(dir);
    }
    qsort(names, n, sizeof *names, by_name);
    return n;
}

/* ---- images of the collection: what an image slot may name -------------------------------- */

static const char *image_type(const char *name)
{
    if (cli_has_suffix(name, ".png") || cli_has_suffix(name, ".PNG"))
        return "image/png";
    if (cli_has_suffix(name, ".svg") || cli_has_suffix(name, ".SVG"))
        return "image/svg+xml";
    return NULL;
}

/* `rel`'s parts, each a valid folder or file name (no "..", no dot files, no '\'), at most
 * MAX_IMAGE_DEPTH folders deep: a path inside the templates folder by its spelling. */
static int valid_relative(const char *rel)
{
    char part[NAME_MAX_BYTES + 1];
    int depth = 0;
    for (const char *p = rel;; depth++) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n > NAME_MAX_BYTES || depth > MAX_IMAGE_DEPTH)
            return 0;
        memcpy(part, p, n);
        part[n] = '\0';
        if (!valid_name(part))
            return 0;
        if (!slash)
            return 1;
        p = slash + 1;
    }
}

typedef struct {
    char *path;               /* relative to the templates folder */
    off_t bytes;
} image_entry;

typedef struct {
    image_entry *v;
    size_t n;
} image_list;

static int by_path(const void *a, const void *b)
{
    return strcmp(((const image_entry *)a)->path, ((const image_entry *)b)->path);
}

/* The PNG and SVG files under `dir` (`rel` below the templates folder), not following symbolic
 * links — the engine refuses a file whose real place is outside the collection, so none is
 * offered — nor entering dot folders; files over MAX_IMAGE_BYTES are left out too. */
static void find_images(const char *dir, const char *rel, int depth, image_list *out)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && out->n < MAX_IMAGES && (e = readdir(d))) {
        if (!valid_name(e->d_name))
            continue;
        char *full = cli_join(dir, e->d_name);
        char *sub = *rel ? cli_join(rel, e->d_name) : strdup(e->d_name);
        struct stat st;
        if (full && sub && strlen(sub) < IMAGE_PATH_MAX && lstat(full, &st) == 0) {
            if (S_ISDIR(st.st_mode) && depth < MAX_IMAGE_DEPTH) {
                find_images(full, sub, depth + 1, out);
            } else if (S_ISREG(st.st_mode) && image_type(e->d_name) &&
                       st.st_size <= MAX_IMAGE_BYTES) {
                out->v[out->n++] = (image_entry){ sub, st.st_size };
                sub = NULL;
            }
        }
        free(full);
        free(sub);
    }
    if (d)
        closedir(d);
}

/* `rel` percent-encoded for a URL, its '/' kept. */
static void buf_url_path(buf *b, const char *rel)
{
    for (const unsigned char *p = (const unsigned char *)rel; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~/", *p))
            buf_add(b, p, 1);
        else
            buf_printf(b, "%%%02X", *p);
    }
}

/* GET /api/images: {"images": [{"name", "path" (relative to the templates folder), "url",
 * "type", "bytes"}]}, sorted by path. */
static void list_images(server *s, answer *a)
{
    image_list l = { calloc(MAX_IMAGES, sizeof *l.v), 0 };
    if (!l.v) {
        answer_error(a, s, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "服务器内存不足");
        return;
    }
    find_images(s->templates, "", 0, &l);
    qsort(l.v, l.n, sizeof *l.v, by_path);
    buf b = { 0 };
    buf_str(&b, "{\"images\":[");
    for (size_t i = 0; i < l.n; i++) {
        const char *slash = strrchr(l.v[i].path, '/');
        buf_str(&b, i ? ",{\"name\":" : "{\"name\":");
        buf_json(&b, slash ? slash + 1 : l.v[i].path);
        buf_str(&b, ",\"path\":");
        buf_json(&b, l.v[i].path);
        buf_str(&b, ",\"url\":\"/api/images/");
        buf_url_path(&b, l.v[i].path);
        buf_str(&b, "\",\"type\":");
        buf_json(&b, image_type(l.v[i].path));
        buf_printf(&b, ",\"bytes\":%lld}", (long long)l.v[i].bytes);
        free(l.v[i].path);
    }
    buf_str(&b, "]}");
    free(l.v);
    answer_json(a, MHD_HTTP_OK, &b);
}

/* GET /api/images/PATH: the file, if it is one the list would offer — a PNG or SVG inside the
 * templates folder, named by a path with no "..", no dot file, no symbolic link on the way
 * (its real path is the path asked for), at most MAX_IMAGE_BYTES. */
static void send_image(server *s, const char *rel, answer *a)
{
    const char *type = image_type(rel);
    if (!type || strlen(rel) >= IMAGE_PATH_MAX || !valid_relative(rel)) {
        answer_error(a, s, MHD_HTTP_NOT_FOUND, NULL, "没有这个图片：模板目录中的 PNG 或 SVG 文件");
        return;
    }
    char *path = cli_join(s->templates, rel);
    char *real = path ? realpath(path, NULL) : NULL;
    FILE *f = real && strcmp(real, path) == 0 ? fopen(path, "rb") : NULL;
    struct stat st;
    buf b = { 0 };
    int ok = f && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
             st.st_size <= MAX_IMAGE_BYTES;
    if (ok && st.st_size > 0) {
        b.s = malloc((size_t)st.st_size + 1);
        ok = b.s && fread(b.s, 1, (size_t)st.st_size, f) == (size_t)st.st_size;
        b.len = b.cap = (size_t)st.st_size;
    }
    if (f)
        fclose(f);
    free(real);
    free(path);
    if (!ok) {
        free(b.s);
        answer_error(a, s, MHD_HTTP_NOT_FOUND, NULL, "没有这个图片：模板目录中的 PNG 或 SVG 文件");
        return;
    }
    a->status = MHD_HTTP_OK;
    a->type = type;
    a->body = b;
    /* An SVG opened by itself is a document of this origin: no script of it may run. */
    a->csp = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
}

/* ---- fonts ----------------------------------------------------------------------------------- */

/* GET /api/fonts's answer: {"fonts": [{"role", "face", "substitute", "message"}]} from the
 * context's role map (yf_context_describe_fonts) and the warnings it gave when it was made
 * (a substitute's message names the office face it stands in for). NULL when out of memory. */
static char *fonts_json(yf_context *ctx, const yf_diags *d)
{
    char *lines = yf_context_describe_fonts(ctx);
    buf b = { 0 };
    buf_str(&b, "{\"fonts\":[");
    int first = 1;
    for (char *line = lines, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        else
            next = line + strlen(line);
        char *face = strchr(line, '\t'), *kind = face ? strchr(face + 1, '\t') : NULL;
        if (!kind)
            continue;
        *face++ = '\0';
        *kind++ = '\0';
        int substitute = strcmp(kind, "substitute") == 0;
        buf_str(&b, first ? "{\"role\":" : ",{\"role\":");
        first = 0;
        buf_json(&b, line);
        buf_str(&b, ",\"face\":");
        buf_json(&b, face);
        buf_printf(&b, ",\"substitute\":%s", substitute ? "true" : "false");
        char quoted[64];
        snprintf(quoted, sizeof quoted, "「%s」", line);
        for (size_t i = 0; substitute && i < yf_diags_count(d); i++) {
            if (strcmp(yf_diags_code(d, i), "font.substitute") == 0 &&
                strstr(yf_diags_text(d, i), quoted)) {
                buf_str(&b, ",\"message\":");
                buf_client_json(&b, NULL, yf_diags_message(d, i));
                break;
            }
        }
        buf_str(&b, "}");
    }
    buf_str(&b, "]}");
    free(lines);
    if (b.oom) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

/* ---- engine work: run in the engine's workers only ------------------------------------------ */

/* The context of the worker running this code: each worker sets it when it starts, and no other
 * thread calls the engine. */
static __thread yf_context *worker_ctx;

/* One template as {"id": NAME, "declarations": {...}}, or with "diagnostics" when it does not
 * load — a broken template shows up in the list with its errors instead of vanishing. */
static void describe_template(server *s, const char *name, buf *b)
{
    char *path = template_path(s, name);
    yf_diags *d = yf_diags_new();
    yf_template *t = path ? yf_template_load(worker_ctx, path, d) : NULL;
    buf_str(b, "{\"id\":");
    buf_json(b, name);
    if (t) {
        char *decl = yf_template_declarations_json(t);
        buf_str(b, ",\"declarations\":");
        buf_client_text(b, s, decl);
        free(decl);
    }
    buf_str(b, ",\"diagnostics\":");
    buf_diags(b, s, d);
    buf_str(b, "}");
    yf_template_free(t);
    yf_diags_free(d);
    free(path);
}

static void list_templates(server *s, answer *a)
{
    char **names;
    size_t n = template_names(s, &names);
    if (!names) {
        answer_error(a, s, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "服务器内存不足");
        return;
    }
    buf b = { 0 };
    buf_str(&b, "{\"templates\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            buf_str(&b, ",");
        describe_template(s, names[i], &b);
        free(names[i]);
    }
    buf_str(&b, "]}");
    free(names);
    answer_json(a, MHD_HTTP_OK, &b);
}

static void get_declarations(server *s, const char *path, answer *a)
{
    yf_diags *d = yf_diags_new();
    yf_template *t = yf_template_load(worker_ctx, path, d);
    char *decl = t ? yf_template_declarations_json(t) : NULL;
    yf_template_free(t);
    if (decl) {
        /* "declared" names the file of each slot: relative to the templates folder here. */
        buf b = { 0 };
        buf_client_text(&b, s, decl);
        answer_json(a, MHD_HTTP_OK, &b);
    } else {
        answer_error(a, s, MHD_HTTP_INTERNAL_SERVER_ERROR, d, "模板有错误");
    }
    free(decl);
    yf_diags_free(d);
}

/* What a request's template and data became; everything NULL that failed. */
typedef struct {
    yf_template *t;
    yf_data *data;
    yf_document *doc;
    yf_layout *layout;
    int complete;     /* the data filled every required slot: no placeholder X in the document */
} render;

/* Template, data, bind, layout. With `draft`, data that misses required values still lays out,
 * the missing ones as X, so the secretary sees the document grow as she fills it; the strict
 * bind's complaints are in `d` all the same. */
static void render_run(server *s, const char *path, const buf *body, int draft, render *r,
                       yf_diags *d)
{
    r->t = yf_template_load(worker_ctx, path, d);
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
        r->layout = yf_layout_new(worker_ctx, r->doc, d);
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

static void preview_json(const server *s, const render *r, int first, int last, double dpi,
                         buf *b, yf_diags *d)
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
    buf_diags(b, s, d);
    buf_str(b, "}");
}

static void preview(server *s, const char *path, const buf *body, int first, int last,
                    double dpi, answer *a)
{
    yf_diags *d = yf_diags_new();
    render r = { 0 };
    render_run(s, path, body, 1, &r, d);
    int pages = r.layout ? yf_layout_page_count(r.layout) : 0;
    if (!r.layout) {
        answer_error(a, s, failed_status(&r), d, "无法生成预览");
    } else if (pages > MAX_PAGES) {
        answer_error(a, s, MHD_HTTP_UNPROCESSABLE_CONTENT, d,
                     "文档共 %d 页，超过网页的上限 %d 页；请用 yinfa render", pages, MAX_PAGES);
    } else {
        buf b = { 0 };
        preview_json(s, &r, first, last, dpi, &b, d);
        answer_json(a, MHD_HTTP_OK, &b);
    }
    render_free(&r);
    yf_diags_free(d);
}

/* The data's problems as `yinfa check` words them, from the strict bind alone (the layout's come
 * with the preview): {"complete": true when none, "diagnostics": [...]}. The page asks when a
 * field is left, so a wrong value is said at once, beside its field. */
static void check(server *s, const char *path, const buf *body, answer *a)
{
    yf_diags *d = yf_diags_new();
    yf_template *t = yf_template_load(worker_ctx, path, d);
    if (!t) {
        answer_error(a, s, MHD_HTTP_INTERNAL_SERVER_ERROR, d, "模板有错误");
        yf_diags_free(d);
        return;
    }
    yf_data *data = yf_data_parse_json("data.json", body->s ? body->s : "", body->len, d);
    yf_document *doc = data ? yf_document_bind(t, data, 0, d) : NULL;
    buf b = { 0 };
    buf_printf(&b, "{\"complete\":%s,\"diagnostics\":", doc ? "true" : "false");
    buf_diags(&b, s, d);
    buf_str(&b, "}");
    answer_json(a, MHD_HTTP_OK, &b);
    yf_document_free(doc);
    yf_data_free(data);
    yf_template_free(t);
    yf_diags_free(d);
}

/* attachment; filename*=UTF-8''NAME.pdf (or .docx) — percent-encoded, since names are often
 * Chinese. */
static char *content_disposition(const char *name, const char *ext)
{
    buf b = { 0 };
    buf_printf(&b, "attachment; filename=\"document%s\"; filename*=UTF-8''", ext);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p))
            buf_add(&b, p, 1);
        else
            buf_printf(&b, "%%%02X", *p);
    }
    buf_str(&b, ext);
    if (b.oom || !b.s) {
        free(b.s);
        return strdup("attachment");
    }
    return b.s;
}

/* The document as a PDF or, with `docx`, as a Word file. */
static void pdf(server *s, const char *name, const char *path, const buf *body, int docx,
                answer *a)
{
    yf_diags *d = yf_diags_new();
    render r = { 0 };
    render_run(s, path, body, 0, &r, d);
    int pages = r.layout ? yf_layout_page_count(r.layout) : 0;
    size_t len = 0;
    unsigned char *bytes = NULL;
    const char *what = docx ? "Word 文件" : "PDF";
    if (r.layout && pages <= MAX_PAGES)
        bytes = docx ? yf_document_write_docx_mem(r.doc, r.layout, &len, d)
                     : yf_layout_write_pdf_mem(r.layout, &len, d);
    if (bytes) {
        a->status = MHD_HTTP_OK;
        a->type = docx ? "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                       : "application/pdf";
        a->body = (buf){ .s = (char *)bytes, .len = len, .cap = len };
        a->disposition = content_disposition(name, docx ? ".docx" : ".pdf");
    } else if (!r.layout) {
        answer_error(a, s, failed_status(&r), d, "无法生成 %s", what);
    } else if (pages > MAX_PAGES) {
        answer_error(a, s, MHD_HTTP_UNPROCESSABLE_CONTENT, d,
                     "文档共 %d 页，超过网页的上限 %d 页；请用 yinfa render", pages, MAX_PAGES);
    } else {
        answer_error(a, s, MHD_HTTP_INTERNAL_SERVER_ERROR, d, "无法生成 %s", what);
    }
    render_free(&r);
    yf_diags_free(d);
}

/* ---- the engine's workers and their queue --------------------------------------------------- */

enum { JOB_LIST, JOB_DECLARATIONS, JOB_PREVIEW, JOB_PDF, JOB_CHECK, JOB_DOCX };

/* A request for the engine. Its connection is suspended from the moment it is queued until the
 * worker that took it has filled `reply` and resumed it. */
struct job {
    int kind;
    struct MHD_Connection *c;
    char name[NAME_MAX_BYTES + 1];
    char *path;                     /* the template file */
    int first, last;                /* preview pages */
    double dpi;
    const buf *body;
    struct timespec queued_at;
    answer reply;
    int done;
    job *next;
};

static void job_run(server *s, job *j)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - j->queued_at.tv_sec > QUEUE_WAIT_SECONDS ||
        __atomic_load_n(&s->sending, __ATOMIC_RELAXED) > MAX_SENDING) {
        answer_busy(&j->reply);
        return;
    }
    switch (j->kind) {
    case JOB_LIST: list_templates(s, &j->reply); break;
    case JOB_DECLARATIONS: get_declarations(s, j->path, &j->reply); break;
    case JOB_PREVIEW:
        preview(s, j->path, j->body, j->first, j->last, j->dpi, &j->reply);
        break;
    case JOB_CHECK: check(s, j->path, j->body, &j->reply); break;
    case JOB_DOCX: pdf(s, j->name, j->path, j->body, 1, &j->reply); break;
    default: pdf(s, j->name, j->path, j->body, 0, &j->reply); break;
    }
}

/* A worker: takes the queue's jobs one by one, in the order they came, with its own context;
 * once the server stops, the jobs still waiting are answered 503. After MHD_resume_connection the
 * job belongs to its connection again. */
static void *engine_thread(void *arg)
{
    worker *w = arg;
    server *s = w->s;
    worker_ctx = w->ctx;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        while (!s->head && !s->stopping)
            pthread_cond_wait(&s->wake, &s->lock);
        job *j = s->head;
        if (j) {
            s->head = j->next;
            if (!s->head)
                s->tail = NULL;
            s->queued--;
        }
        int stopping = s->stopping;
        pthread_mutex_unlock(&s->lock);
        if (!j)
            return NULL;
        if (stopping)
            answer_busy(&j->reply);
        else
            job_run(s, j);
        j->done = 1;
        MHD_resume_connection(j->c);
    }
}

/* Queues `j` and suspends its connection; 0 when the queue is full or the server stopping. */
static int job_queue(server *s, job *j)
{
    pthread_mutex_lock(&s->lock);
    int ok = !s->stopping && s->queued < MAX_QUEUED;
    if (ok) {
        clock_gettime(CLOCK_MONOTONIC, &j->queued_at);
        /* Suspended before a worker can see it, so its resume always follows. */
        MHD_suspend_connection(j->c);
        if (s->tail)
            s->tail->next = j;
        else
            s->head = j;
        s->tail = j;
        s->queued++;
        pthread_cond_signal(&s->wake);
    }
    pthread_mutex_unlock(&s->lock);
    return ok;
}

/* ---- requests ------------------------------------------------------------------------------- */

typedef struct {
    buf body;
    size_t held;              /* bytes of the body counted in server.buffered */
    int too_big, busy, refused;
    job *job;
} request;

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

/* A job for the engine's workers, taking the path; NULL when out of memory. */
static job *new_job(request *rq, struct MHD_Connection *c, int kind, char *path)
{
    job *j = calloc(1, sizeof *j);
    if (!j) {
        free(path);
        return NULL;
    }
    j->kind = kind;
    j->c = c;
    j->path = path;
    j->body = &rq->body;
    rq->job = j;
    return j;
}

/* /api/templates/NAME[/ACTION]: checks what can be checked at once — the name, the method, the
 * parameters, the body's type — and fills `a`, or makes the engine's job. */
static void template_request(server *s, struct MHD_Connection *c, const char *rest,
                             const char *method, request *rq, answer *a)
{
    const char *slash = strchr(rest, '/');
    size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
    const char *action = slash ? slash + 1 : "";
    char name[NAME_MAX_BYTES + 1];
    if (n > NAME_MAX_BYTES) {
        answer_error(a, s, MHD_HTTP_BAD_REQUEST, NULL, "模板名过长");
        return;
    }
    memcpy(name, rest, n);
    name[n] = '\0';
    if (!valid_name(name)) {
        answer_error(a, s, MHD_HTTP_BAD_REQUEST, NULL,
                     "模板名不合法：应为模板目录下的一个文件夹名");
        return;
    }
    int get = !*action, is_pdf = !strcmp(action, "pdf"), is_check = !strcmp(action, "check");
    int is_docx = !strcmp(action, "docx");
    int post = is_pdf || is_docx || is_check || !strcmp(action, "preview");
    if (!get && !post) {
        answer_error(a, s, MHD_HTTP_NOT_FOUND, NULL, "没有这个地址");
        return;
    }
    if (get && !is_get(method)) {
        answer_not_allowed(a, "GET, HEAD");
        return;
    }
    if (post && strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
        answer_not_allowed(a, "POST");
        return;
    }
    int first = 1, last = 1;
    const char *dpi_arg = arg(c, "dpi");
    double dpi = dpi_arg ? strtod(dpi_arg, NULL) : 96;
    int preview = post && !is_pdf && !is_docx && !is_check;
    if (preview && !parse_pages(arg(c, "pages"), &first, &last)) {
        answer_error(a, s, MHD_HTTP_BAD_REQUEST, NULL, "pages 应为页码或页码范围，如 1-3");
        return;
    }
    if (preview && !(dpi >= MIN_DPI && dpi <= MAX_DPI)) {
        answer_error(a, s, MHD_HTTP_BAD_REQUEST, NULL, "dpi 应在 %d–%d 之间", MIN_DPI, MAX_DPI);
        return;
    }
    char *path = template_path(s, name);
    if (!path) {
        answer_error(a, s, MHD_HTTP_NOT_FOUND, NULL, "没有模板「%s」", name);
        return;
    }
    if (post && !is_json_type(header(c, MHD_HTTP_HEADER_CONTENT_TYPE))) {
        free(path);
        answer_error(a, s, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, NULL,
                     "数据应以 Content-Type: application/json 发送");
        a->close = 1;
        return;
    }
    job *j = new_job(rq, c, get ? JOB_DECLARATIONS : is_pdf ? JOB_PDF : is_docx ? JOB_DOCX
                            : is_check ? JOB_CHECK : JOB_PREVIEW, path);
    if (!j)
        return;
    memcpy(j->name, name, n + 1);
    j->first = first;
    j->last = last;
    j->dpi = dpi;
}

/* Fills `a`, or makes rq->job for the engine's workers. */
static void route(server *s, struct MHD_Connection *c, const char *url, const char *method,
                  request *rq, answer *a)
{
    const char *want = strcmp(url, "/") == 0 ? "/index.html" : url;
    for (const yf_web_asset *asset = yf_web_assets; asset->path; asset++) {
        if (strcmp(asset->path, want) == 0) {
            if (is_get(method))
                answer_asset(a, asset);
            else
                answer_not_allowed(a, "GET, HEAD");
            return;
        }
    }
    static const char prefix[] = "/api/templates/", images[] = "/api/images/";
    if ((!strcmp(url, "/api/images") || !strncmp(url, images, sizeof images - 1) ||
         !strcmp(url, "/api/fonts")) && !is_get(method)) {
        answer_not_allowed(a, "GET, HEAD");
    } else if (strcmp(url, "/api/images") == 0) {
        list_images(s, a);
    } else if (strncmp(url, images, sizeof images - 1) == 0) {
        send_image(s, url + sizeof images - 1, a);
    } else if (strcmp(url, "/api/fonts") == 0) {
        buf b = { 0 };
        buf_str(&b, s->fonts ? s->fonts : "{\"fonts\":[]}");
        answer_json(a, MHD_HTTP_OK, &b);
    } else if (strcmp(url, "/api/templates") == 0) {
        if (!is_get(method))
            answer_not_allowed(a, "GET, HEAD");
        else
            new_job(rq, c, JOB_LIST, NULL);
    } else if (strncmp(url, prefix, sizeof prefix - 1) == 0) {
        template_request(s, c, url + sizeof prefix - 1, method, rq, a);
    } else {
        answer_error(a, s, MHD_HTTP_NOT_FOUND, NULL, "没有这个地址");
    }
}

/* Counts `n` more bytes of body against MAX_BUFFERED; 0 when they would pass it. */
static int hold(server *s, request *rq, size_t n)
{
    size_t before = __atomic_fetch_add(&s->buffered, n, __ATOMIC_RELAXED);
    if (before + n > MAX_BUFFERED) {
        __atomic_fetch_sub(&s->buffered, n, __ATOMIC_RELAXED);
        return 0;
    }
    rq->held += n;
    return 1;
}

static void release(server *s, request *rq)
{
    __atomic_fetch_sub(&s->buffered, rq->held, __ATOMIC_RELAXED);
    rq->held = 0;
    free(rq->body.s);
    rq->body = (buf){ 0 };
}

/* A piece of body: kept while within the limits; past them the rest is read and dropped, and
 * the answer is 413 (this request too big) or 503 (all bodies together too big). */
static void take_body(server *s, request *rq, const char *upload, size_t n)
{
    if (rq->too_big || rq->busy || rq->refused)
        return;
    if (rq->body.len + n > MAX_BODY)
        rq->too_big = 1;
    else if (!hold(s, rq, n))
        rq->busy = 1;
    else
        buf_add(&rq->body, upload, n);
    if (rq->too_big || rq->busy)
        release(s, rq);
}

/* libmicrohttpd calls this once when the headers are in, once per piece of body, once at the
 * end, when the answer is given — and, for a request the engine answers, once more after its
 * connection is resumed. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **state)
{
    server *s = cls;
    request *rq = *state;
    answer a = { 0 };
    (void)version;
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq)
            return MHD_NO;
        *state = rq;
        /* Refused from the headers, before a byte of the body is read. */
        if (!gate(s, c, url, method, &a)) {
            rq->refused = 1;
            return send_answer(s, c, &a);
        }
        const char *len = header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (len && strtoull(len, NULL, 10) > MAX_BODY) {
            rq->refused = 1;
            answer_error(&a, s, MHD_HTTP_CONTENT_TOO_LARGE, NULL, "请求过大（上限 %d 字节）",
                         MAX_BODY);
            return send_answer(s, c, &a);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        take_body(s, rq, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (rq->refused)
        return MHD_YES;
    if (rq->job) {
        if (!rq->job->done)     /* not expected: a resume comes only after the engine's answer */
            return MHD_YES;
        a = rq->job->reply;
        rq->job->reply = (answer){ 0 };
        return send_answer(s, c, &a);
    }
    if (rq->too_big)
        answer_error(&a, s, MHD_HTTP_CONTENT_TOO_LARGE, NULL, "请求过大（上限 %d 字节）", MAX_BODY);
    else if (rq->busy)
        answer_busy(&a);
    else if (rq->body.oom)
        answer_error(&a, s, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "服务器内存不足");
    else
        route(s, c, url, method, rq, &a);
    if (!rq->job)
        return a.status ? send_answer(s, c, &a) : MHD_NO;
    if (!job_queue(s, rq->job)) {
        free(rq->job->path);
        free(rq->job);
        rq->job = NULL;
        answer_busy(&a);
        return send_answer(s, c, &a);
    }
    return MHD_YES;
}

static void on_done(void *cls, struct MHD_Connection *c, void **state,
                    enum MHD_RequestTerminationCode why)
{
    request *rq = *state;
    (void)c;
    (void)why;
    if (!rq)
        return;
    if (rq->job) {
        answer_free(&rq->job->reply);
        free(rq->job->path);
        free(rq->job);
    }
    release(cls, rq);
    free(rq);
    *state = NULL;
}

/* ---- the command ---------------------------------------------------------------------------- */

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

static int is_any_address(const address *a)
{
    static const unsigned char zero[16];
    return a->v6 ? memcmp(&a->u.in6.sin6_addr, zero, 16) == 0
                 : a->u.in4.sin_addr.s_addr == htonl(INADDR_ANY);
}

static char *default_templates(void)
{
    const char *env = getenv("YINFA_TEMPLATES");
    return env ? strdup(env) : cli_find_share("templates");
}

/* The workers' end: the jobs they run are finished, those waiting are answered 503. */
static void stop_engine(server *s)
{
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
    for (int i = 0; i < s->nworkers; i++)
        if (s->workers[i].started)
            pthread_join(s->workers[i].thread, NULL);
}

/* Starts every worker; 0 when one cannot be (the ones started are stopped again). */
static int start_engine(server *s)
{
    for (int i = 0; i < s->nworkers; i++) {
        worker *w = &s->workers[i];
        w->s = s;
        if (pthread_create(&w->thread, NULL, engine_thread, w) != 0) {
            stop_engine(s);
            return 0;
        }
        w->started = 1;
    }
    return 1;
}

/* Serves until SIGINT or SIGTERM. */
static int run(server *s, const char *host)
{
    /* Signals are taken by sigwait below, so they must be blocked before the server's threads
     * start (they inherit the mask); a peer that hangs up must not kill the process. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (!start_engine(s)) {
        fprintf(stderr, "yinfa serve: 无法启动线程\n");
        return EXIT_PROBLEM;
    }
    /* An event loop (epoll on Linux) in a small pool of threads: a connection waiting for bytes
     * holds no thread, so slow clients cannot take them all (slowloris); connections waiting
     * for the engine are suspended, not polled. */
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
                     (s->bound.v6 ? MHD_USE_IPv6 : 0);
    struct MHD_Daemon *daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s,
        MHD_OPTION_SOCK_ADDR, &s->bound.u.sa,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)POOL_THREADS,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS_PER_IP,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)IDLE_TIMEOUT_SECONDS,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
        MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
        MHD_OPTION_END);
    if (!daemon) {
        stop_engine(s);
        fprintf(stderr, "yinfa serve: 无法在 %s 端口 %u 上监听（端口已被占用，或地址不属于本机）\n",
                host, ntohs(s->bound.v6 ? s->bound.u.in6.sin6_port : s->bound.u.in4.sin_port));
        return EXIT_PROBLEM;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    __atomic_store_n(&s->port, info ? info->port : 0, __ATOMIC_RELEASE);
    printf("yinfa serve: http://%s%s%s:%u/ （按 Ctrl+C 停止）\n", s->bound.v6 ? "[" : "", host,
           s->bound.v6 ? "]" : "", s->port);
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    /* The workers first: every suspended connection is resumed with its answer before the
     * daemon closes them all. */
    stop_engine(s);
    MHD_stop_daemon(daemon);
    return 0;
}

/* One worker per online CPU, and at least two: a light request then finds a free worker beside a
 * heavy one even on one core. */
static long default_workers(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < MIN_DEFAULT_WORKERS ? MIN_DEFAULT_WORKERS : n > MAX_WORKERS ? MAX_WORKERS : n;
}

/* The workers' contexts: the first is the one made for the fonts' warnings, the others alike
 * (their warnings are the same, said once already). 0 when one cannot be made. */
static int open_workers(server *s, int n, const char *fonts_conf)
{
    s->workers = calloc((size_t)n, sizeof *s->workers);
    if (!s->workers) {
        fprintf(stderr, "yinfa serve: 内存不足\n");
        return 0;
    }
    s->nworkers = n;
    s->workers[0].ctx = s->ctx;
    for (int i = 1; i < n; i++) {
        yf_diags *d = yf_diags_new();
        s->workers[i].ctx = cli_open_context(fonts_conf, d);
        if (!s->workers[i].ctx) {
            cli_finish(d, EXIT_PROBLEM);
            return 0;
        }
        yf_diags_free(d);
    }
    return 1;
}

static void close_workers(server *s)
{
    for (int i = 1; i < s->nworkers; i++)
        yf_context_free(s->workers[i].ctx);
    free(s->workers);
    s->workers = NULL;
    s->nworkers = 0;
}

/* The templates folder as an absolute path without symbolic links — the form in which the
 * engine names the files it reads there, and which messages to the client leave out. */
static char *templates_folder(const char *given)
{
    char *dir = given ? strdup(given) : default_templates();
    if (!dir || !cli_is_dir(dir)) {
        fprintf(stderr, "yinfa serve: 找不到模板目录%s%s\n", dir ? "：" : "", dir ? dir : "");
        free(dir);
        return NULL;
    }
    char *real = realpath(dir, NULL);
    if (!real)
        fprintf(stderr, "yinfa serve: 找不到模板目录：%s\n", dir);
    free(dir);
    return real;
}

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {
        { "port", required_argument, 0, 'p' },      { "host", required_argument, 0, 'H' },
        { "templates", required_argument, 0, 't' }, { "fonts-conf", required_argument, 0, 'f' },
        { "quiet", no_argument, 0, 'q' },           { "help", no_argument, 0, 'h' },
        { "workers", required_argument, 0, 'w' },   { 0, 0, 0, 0 } };
    const char *host = "127.0.0.1", *templates = NULL, *fonts_conf = NULL;
    long port = 8080, workers = default_workers();
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
        case 'w':
            workers = strtol(optarg, &end, 10);
            if (*end || end == optarg || workers < 1 || workers > MAX_WORKERS) {
                fprintf(stderr, "yinfa serve: 线程数应为 1–%d：%s\n", MAX_WORKERS, optarg);
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
    server s = { 0 };
    if (!parse_address(host, (unsigned)port, &s.bound)) {
        fprintf(stderr, "yinfa serve: 监听地址应为 IP 地址，如 127.0.0.1：%s\n", host);
        return EXIT_USAGE;
    }
    s.bound_any = is_any_address(&s.bound);
    s.templates = templates_folder(templates);
    if (!s.templates)
        return EXIT_PROBLEM;
    s.templates_len = strlen(s.templates);
    s.user_templates = templates ? NULL : cli_user_templates();
    yf_diags *d = yf_diags_new();
    s.ctx = cli_open_context(fonts_conf, d);
    s.fonts = s.ctx ? fonts_json(s.ctx, d) : NULL;
    /* The fonts' warnings are said once here, not with every render, and shown by the page. */
    int rc = cli_finish(d, s.ctx ? 0 : EXIT_PROBLEM);
    if (s.ctx && !open_workers(&s, (int)workers, fonts_conf))
        rc = EXIT_PROBLEM;
    if (rc == 0) {
        pthread_mutex_init(&s.lock, NULL);
        pthread_cond_init(&s.wake, NULL);
        rc = run(&s, host);
        pthread_cond_destroy(&s.wake);
        pthread_mutex_destroy(&s.lock);
    }
    close_workers(&s);
    yf_context_free(s.ctx);
    free(s.fonts);
    free(s.templates);
    free(s.user_templates);
    return rc;
}
