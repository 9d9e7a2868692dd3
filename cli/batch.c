/* yinfa batch — many documents from one template: a city's weekly bulletins in one run.
 *
 *   yinfa batch TEMPLATE DATA [-o DIR] [--name PATTERN] [--merge FILE.pdf] [--jobs N]
 *               [--shard K/N] [--resume] [--draft] [--quiet]
 *
 * The template is read and checked once; each worker process loads the fonts once and renders
 * the records the parent hands it, one at a time, releasing everything a document used before the
 * next. Every record ends written or reported: a bad record is reported with its line and the
 * message `yinfa check` would give; a record whose worker dies (killed, crashed) is rendered again
 * by a fresh worker, and reported with the signal if that one dies too. No output names an input
 * or another output. Files are written atomically; Ctrl-C finishes the documents being written
 * and stops. Uses the public header only. */
#define _GNU_SOURCE
#include "common.h"
#include "print.h"

#include <errno.h>
#include <getopt.h>
#include <glib.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#define MAX_JOBS 64
#define NAME_MAX_BYTES 200
/* A report from a worker larger than this is not a report: the worker is treated as broken. */
#define MAX_MESSAGE_BYTES (256u << 20)

typedef enum { PENDING, DONE, FAILED, SKIPPED } state;

typedef struct {
    size_t record;      /* index in the data file */
    char *name;         /* output file name, inside DIR */
    state st;
    char *message;      /* FAILED: what went wrong */
    int deaths;         /* workers that died while rendering it */
    char *death;        /* how the last one died */
    int merged;         /* the merging process's outcome for it: -1 none yet, 0 failed, 1 added */
    char *merge_message;
    char *merge_lost;   /* with -o: why it is missing from the merged file */
    int merge_deaths;   /* merging processes that died on it */
    char *merge_death;  /* how the first one died */
} job;

typedef struct {
    const char *tpl, *data, *dir, *pattern, *merge, *fonts_conf, *sheet, *group_by, *format;
    int jobs, shard_k, shard_n, resume, draft, print;
    int docx;           /* each record as a Word file (--format docx, or a --name ending .docx) */
    cli_print_options po; /* --print: -P, --copies, --copies-from, --simplex */
    long long created;  /* every file's creation date: one for the whole batch */
} options;

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static char *strdupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *strdupf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

/* All diagnostics of a run, one a line, as one string; NULL when there are none. With --json
 * the array of their objects instead (the report of a record travels as this text). */
static char *diag_text(const yf_diags *d, int errors_only)
{
    if (cli_json && yf_diags_errors(d))
        return cli_diags_json(d, errors_only);
    GString *s = g_string_new(NULL);
    for (size_t i = 0; i < yf_diags_count(d); i++)
        if (!errors_only || yf_diags_severity(d, i) == YF_ERROR)
            g_string_append_printf(s, "%s%s", s->len ? "\n" : "", yf_diags_message(d, i));
    if (!s->len) {
        g_string_free(s, TRUE);
        return NULL;
    }
    char *out = strdup(s->str);
    g_string_free(s, TRUE);
    return out;
}

/* ---- file names ----------------------------------------------------------------------------- */

/* A value as part of a file name: no path separators, no control characters, no leading dot, so
 * that no record can write outside DIR or hide a file. */
static void append_safe(char *out, size_t cap, const char *value)
{
    size_t n = strlen(out);
    for (const unsigned char *p = (const unsigned char *)value; *p && n + 1 < cap; p++) {
        unsigned char c = *p;
        if (c == '/' || c == '\\' || c < 0x20 || c == 0x7F || (n == 0 && c == '.'))
            c = '_';
        out[n++] = (char)c;
    }
    out[n] = '\0';
}

/* The first character of `value` that a file name must not carry, or 0: an invisible format
 * character (Unicode category Cf: the bidi embeddings and overrides U+202A–U+202E and isolates
 * U+2066–U+2069 of UAX #9, the marks U+200E/U+200F/U+061C, zero-width characters U+200B–U+200D,
 * U+2060, U+FEFF …), a C1 control, or a line or paragraph separator. A right-to-left override
 * shows "报告<RLO>fdp.exe.pdf" as "报告fdp.pdf.exe": such a name is refused, not altered, so
 * that no record's file passes for another kind. ASCII controls become _ (append_safe). */
static gunichar invisible_char(const char *value)
{
    if (!g_utf8_validate(value, -1, NULL))
        return 0xFFFD;
    for (const char *p = value; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        GUnicodeType type = g_unichar_type(c);
        if (c >= 0x80 && (type == G_UNICODE_FORMAT || type == G_UNICODE_CONTROL ||
                          type == G_UNICODE_LINE_SEPARATOR ||
                          type == G_UNICODE_PARAGRAPH_SEPARATOR))
            return c;
    }
    return 0;
}

/* The file name of a record from PATTERN: {路径} takes a value of the record, {#} its number. */
static char *file_name(const char *pattern, const yf_data *data, size_t number, const char *ext,
                       char **why)
{
    char out[NAME_MAX_BYTES * 2] = "";
    for (const char *p = pattern; *p;) {
        if (*p != '{') {
            char one[2] = { *p++, 0 };
            append_safe(out, sizeof out, one);
            continue;
        }
        const char *close = strchr(p, '}');
        char *key = strndup(p + 1, (size_t)(close - p - 1));
        char *value = strcmp(key, "#") == 0 ? strdupf("%zu", number) : yf_data_text(data, key);
        if (!value || !*value) {
            *why = strdupf("文件名中的「%s」没有值", key);
            free(key);
            free(value);
            return NULL;
        }
        gunichar bad = invisible_char(value);
        if (bad) {
            *why = strdupf("文件名中的「%s」含不可见的控制或格式字符 U+%04X（如双向控制符，"
                           "会让文件名显示得与实际不同），未生成文件：请改正数据", key, (unsigned)bad);
            free(key);
            free(value);
            return NULL;
        }
        append_safe(out, sizeof out, value);
        free(key);
        free(value);
        p = close + 1;
    }
    /* Cut at a character boundary if too long; always ending in `ext` (.pdf, .docx). */
    size_t n = strlen(out), e = strlen(ext);
    if (!cli_has_suffix(out, ext))
        n = n > NAME_MAX_BYTES - e ? NAME_MAX_BYTES - e : n;
    else if (n > NAME_MAX_BYTES)
        n = NAME_MAX_BYTES - e;
    while (n > 0 && ((unsigned char)out[n] & 0xC0) == 0x80)
        n--;
    if (!cli_has_suffix(out, ext) || n < strlen(out)) {
        out[n] = '\0';
        strcat(out, ext);
    }
    return strdup(out);
}

/* Whether PATTERN takes values from the record ({路径}), not only its number ({#}). */
static int pattern_needs_data(const char *pattern)
{
    for (const char *p = pattern; (p = strchr(p, '{')); p++)
        if (strncmp(p, "{#}", 3) != 0)
            return 1;
    return 0;
}

static int pattern_ok(const char *pattern)
{
    if (!*pattern || strchr(pattern, '/') || strchr(pattern, '\\') || pattern[0] == '.' ||
        invisible_char(pattern))
        return 0;
    for (const char *p = pattern; (p = strchr(p, '{')); p++)
        if (!strchr(p, '}'))
            return 0;
    return 1;
}

/* A failed record's report that is not the engine's (a file name, a worker that died): with
 * --json, made an array of one diagnostic with `code`, like the engine's. Takes `message`. */
static char *report(const char *code, char *message)
{
    if (!cli_json || !message || message[0] == '[')
        return message;
    yf_diags *d = yf_diags_new();
    yf_diags_append(d, YF_ERROR, code, NULL, message);
    free(message);
    char *json = cli_diags_json(d, 0);
    yf_diags_free(d);
    return json;
}

/* ---- one document -------------------------------------------------------------------------- */

/* Binds and lays out record `j`. Returns the layout, or NULL with the messages in *message; the
 * document in *keep when it is not NULL (the caller frees it), else freed. */
static yf_layout *lay_out_keep(yf_context *ctx, const yf_template *t, const yf_records *rs,
                               const job *j, int draft, yf_document **keep, char **message)
{
    yf_diags *d = yf_diags_new();
    yf_data *data = yf_records_get(rs, j->record, d);
    yf_document *doc = data ? yf_document_bind(t, data, draft ? YF_BIND_DRAFT : 0, d) : NULL;
    yf_layout *layout = doc ? yf_layout_new(ctx, doc, d) : NULL;
    if (!layout)
        *message = diag_text(d, 1);
    if (keep && layout)
        *keep = doc;
    else
        yf_document_free(doc);
    yf_data_free(data);
    yf_diags_free(d);
    return layout;
}

static yf_layout *lay_out(yf_context *ctx, const yf_template *t, const yf_records *rs,
                          const job *j, int draft, char **message)
{
    return lay_out_keep(ctx, t, rs, j, draft, NULL, message);
}

static int render_one(yf_context *ctx, const yf_template *t, const yf_records *rs, const job *j,
                      const char *dir, int draft, int docx, char **message)
{
    yf_document *doc = NULL;
    yf_layout *layout = lay_out_keep(ctx, t, rs, j, draft, docx ? &doc : NULL, message);
    if (!layout)
        return -1;
    yf_diags *d = yf_diags_new();
    char *path = cli_join(dir, j->name);
    int rc = docx ? yf_document_write_docx(doc, layout, path, d)
                  : yf_layout_write_pdf(layout, path, d);
    yf_document_free(doc);
    if (rc != 0)
        *message = diag_text(d, 1);
    free(path);
    yf_diags_free(d);
    yf_layout_free(layout);
    return rc;
}

/* ---- progress --------------------------------------------------------------------------------- */

typedef struct {
    size_t total, done, failed;
    double start;
    int tty, quiet;
    size_t next_report; /* plain output: the count at which to print the next line */
} progress;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void show(progress *p, int final)
{
    if (p->quiet)
        return;
    double elapsed = now() - p->start;
    double rate = elapsed > 0 ? p->done / elapsed : 0;
    double left = rate > 0 ? (p->total - p->done) / rate : 0;
    if (p->tty) {
        fprintf(stderr, "\r\033[K已处理 %zu/%zu  %.1f 份/秒  预计剩余 %d:%02d%s", p->done, p->total,
                rate, (int)left / 60, (int)left % 60, final ? "\n" : "");
        fflush(stderr);
    } else if (final || p->done >= p->next_report) {
        fprintf(stderr, "已处理 %zu/%zu（%.1f 份/秒）\n", p->done, p->total, rate);
        p->next_report = p->done + (p->total + 9) / 10;
    }
}

/* The NAME of a temporary file ".NAME.tmp-XXXXXX" (an atomic write's, six letters or digits from
 * mkstemp), or NULL for any other name. No output of a batch starts with a dot. */
static char *temporary_of(const char *entry)
{
    size_t len = strlen(entry), tail = strlen(".tmp-XXXXXX");
    if (entry[0] != '.' || len < 2 + tail || strncmp(entry + len - tail, ".tmp-", 5) != 0)
        return NULL;
    for (size_t k = len - 6; k < len; k++)
        if (!g_ascii_isalnum(entry[k]))
            return NULL;
    return strndup(entry + 1, len - 1 - tail);
}

/* Removes the temporary files in DIR of the outputs named in `names` (or of `one`): leftovers of
 * a run or a worker that was killed outright. Matched exactly: nothing else in DIR is touched. */
static void remove_stale(const char *dir, GHashTable *names, const char *one)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return;
    struct dirent *e;
    while ((e = readdir(dp))) {
        char *name = temporary_of(e->d_name);
        if (name && (one ? strcmp(name, one) == 0 : g_hash_table_contains(names, name))) {
            char *path = cli_join(dir, e->d_name);
            unlink(path);
            free(path);
        }
        free(name);
    }
    closedir(dp);
}

/* ---- the worker protocol ------------------------------------------------------------------
 *
 * The parent hands each worker one record at a time — its index in `todo`, 8 bytes on the
 * worker's own pipe — and so always knows which record each worker holds. The worker answers on
 * a second pipe with one frame per record: a fixed header (index, success, length) and `length`
 * bytes of message, so that a report of any size (a record with a thousand errors) arrives
 * whole. A worker whose report pipe ends while it holds a record has died (killed, crashed, out
 * of memory): the parent reaps it, starts a fresh worker, and hands the record to it once more;
 * if that worker dies too, the record is reported with the signal. Every record of the run is
 * thus written or reported, whatever happens to the workers. */

typedef struct {
    uint64_t index;
    uint32_t ok;
    uint32_t spare;
    uint64_t len;
} frame;

/* 1: `n` bytes read; 0: the pipe ended first; -1: an error. */
static int read_full(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r == 0 && got == 0 ? 0 : -1;
        got += (size_t)r;
    }
    return 1;
}

static int write_full(int fd, const void *buf, size_t n)
{
    for (size_t done = 0; done < n;) {
        ssize_t w = write(fd, (const char *)buf + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        done += (size_t)w;
    }
    return 0;
}

/* A worker: renders the records it is handed on `in` until that pipe ends, one frame each on
 * `out`. */
static void worker(const options *o, const yf_template *t, const yf_records *rs, job **todo,
                   size_t count, int in, int out)
{
    yf_diags *d = yf_diags_new();
    yf_context *ctx = cli_open_context(o->fonts_conf, d);
    if (ctx)
        yf_context_set_creation_date(ctx, o->created);
    uint64_t index;
    while (read_full(in, &index, sizeof index) == 1 && index < count) {
        char *message = NULL;
        int rc = ctx ? render_one(ctx, t, rs, todo[index], o->dir, o->draft, o->docx, &message)
                     : (message = diag_text(d, 1), -1);
        frame f = { .index = index, .ok = rc == 0, .len = rc != 0 && message ? strlen(message) : 0 };
        int sent = write_full(out, &f, sizeof f) == 0 && write_full(out, message, f.len) == 0;
        free(message);
        if (!sent)
            break;
    }
    yf_context_free(ctx);
    yf_diags_free(d);
}

typedef struct {
    pid_t pid;          /* 0: no worker in this slot */
    int to, from;       /* the pipes: records to the worker, frames from it; -1 when closed */
    long held;          /* the index in todo of the record it is rendering, -1 when none */
    char *buf;          /* frames read but not yet taken */
    size_t used, cap;
} slot;

typedef struct {
    const options *o;
    const yf_template *t;
    const yf_records *rs;
    job **todo;
    size_t count;
    size_t next;        /* the first record never handed out */
    GQueue again;       /* records whose worker died, to be handed out once more (index + 1) */
    slot slots[MAX_JOBS];
    int n;
    progress *p;
    char *spawn_error;  /* why no worker could be started, if so */
} pool;

/* The next record to hand out, or -1: none left, or the run is stopping. */
static long next_record(pool *pl)
{
    if (stop)
        return -1;
    if (pl->again.length > 0)
        return (long)GPOINTER_TO_SIZE(g_queue_pop_head(&pl->again)) - 1;
    return pl->next < pl->count ? (long)pl->next++ : -1;
}

static int work_left(const pool *pl)
{
    return !stop && (pl->again.length > 0 || pl->next < pl->count);
}

/* Hands the worker of `s` its next record, or closes its pipe so that it ends. A worker that
 * died meanwhile fails the write; its report pipe then ends and the record goes on. */
static void hand_out(pool *pl, slot *s)
{
    long i = next_record(pl);
    if (i < 0) {
        if (s->to >= 0)
            close(s->to);
        s->to = -1;
        return;
    }
    s->held = i;
    uint64_t index = (uint64_t)i;
    if (write_full(s->to, &index, sizeof index) != 0)
        kill(s->pid, SIGKILL);
}

static int spawn(pool *pl, slot *s)
{
    int to[2], from[2];
    if (pipe(to) != 0)
        goto fail;
    if (pipe(from) != 0) {
        close(to[0]);
        close(to[1]);
        goto fail;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(to[0]), close(to[1]), close(from[0]), close(from[1]);
        goto fail;
    }
    if (pid == 0) {
        /* The other workers' pipes are theirs: holding them open would hide their end. */
        for (int k = 0; k < pl->n; k++) {
            if (pl->slots[k].to >= 0)
                close(pl->slots[k].to);
            if (pl->slots[k].from >= 0)
                close(pl->slots[k].from);
        }
        close(to[1]);
        close(from[0]);
        worker(pl->o, pl->t, pl->rs, pl->todo, pl->count, to[0], from[1]);
        _exit(0);
    }
    close(to[0]);
    close(from[1]);
    *s = (slot){ .pid = pid, .to = to[1], .from = from[0], .held = -1, .cap = 1 << 16 };
    s->buf = malloc(s->cap);
    hand_out(pl, s);
    return 0;
fail:
    if (!pl->spawn_error)
        pl->spawn_error = strdupf("无法启动工作进程：%s", strerror(errno));
    return -1;
}

/* How a process ended, in words. */
static char *describe_end(int status)
{
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        const char *what = sig == SIGKILL ? "强行终止，常见于内存不足或被外部结束"
                         : sig == SIGSEGV ? "段错误"
                         : sig == SIGABRT ? "异常中止"
                         : sig == SIGBUS ? "总线错误"
                         : sig == SIGFPE ? "算术错误" : strsignal(sig);
        return strdupf("被信号 %d（%s）终止", sig, what);
    }
    return strdupf("意外退出，状态 %d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void finish(pool *pl, job *j, int ok, char *message)
{
    j->st = ok ? DONE : FAILED;
    if (!ok) {
        j->message = report("batch.worker", message ? message : strdup("渲染失败"));
        pl->p->failed++;
    } else {
        free(message);
    }
    pl->p->done++;
    show(pl->p, 0);
}

/* The worker of `s` has ended (its report pipe closed): reaped, and the record it held handed
 * out again, or reported if a worker died on it before. A fresh worker takes the slot. */
static void ended(pool *pl, slot *s)
{
    close(s->from);
    if (s->to >= 0)
        close(s->to);
    int status = 0;
    while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (s->held >= 0) {
        job *j = pl->todo[s->held];
        if (pl->o->dir)
            remove_stale(pl->o->dir, NULL, j->name);
        free(j->death);
        j->death = describe_end(status);
        if (++j->deaths < 2 && !stop)
            g_queue_push_tail(&pl->again, GSIZE_TO_POINTER((size_t)s->held + 1));
        else
            finish(pl, j, 0, strdupf("工作进程渲染这条记录时%s；换一个进程重试，%s", j->death,
                                     j->deaths < 2 ? "未能进行（已中断）" : "仍然如此"));
    }
    free(s->buf);
    *s = (slot){ .pid = 0, .to = -1, .from = -1, .held = -1 };
    if (work_left(pl))
        spawn(pl, s);
}

/* Takes the complete frames in the buffer of `s`. Returns -1 if the worker broke the protocol. */
static int take_frames(pool *pl, slot *s)
{
    size_t at = 0;
    while (s->used - at >= sizeof(frame)) {
        frame f;
        memcpy(&f, s->buf + at, sizeof f);
        if ((long)f.index != s->held || f.len > MAX_MESSAGE_BYTES)
            return -1;
        size_t need = sizeof f + (size_t)f.len;
        if (s->used - at < need) {
            if (need > s->cap) {
                memmove(s->buf, s->buf + at, s->used - at);
                s->used -= at;
                at = 0;
                s->cap = need;
                s->buf = realloc(s->buf, s->cap);
            }
            break;
        }
        char *message = f.len ? strndup(s->buf + at + sizeof f, (size_t)f.len) : NULL;
        at += need;
        s->held = -1;
        finish(pl, pl->todo[f.index], f.ok, message);
        hand_out(pl, s);
    }
    memmove(s->buf, s->buf + at, s->used - at);
    s->used -= at;
    return 0;
}

static void drain(pool *pl, slot *s)
{
    ssize_t r = read(s->from, s->buf + s->used, s->cap - s->used);
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (r <= 0) {
        ended(pl, s);
        return;
    }
    s->used += (size_t)r;
    if (take_frames(pl, s) != 0)
        kill(s->pid, SIGKILL); /* its pipe ends next; the record it holds goes on */
}

/* Renders every record of `todo` in `o->jobs` worker processes. When it returns, each record is
 * DONE or FAILED, or still PENDING because the run was interrupted before it was handed out. */
static void run_workers(const options *o, const yf_template *t, const yf_records *rs, job **todo,
                        size_t count, progress *p)
{
    pool pl = { .o = o, .t = t, .rs = rs, .todo = todo, .count = count, .p = p };
    g_queue_init(&pl.again);
    pl.n = o->jobs < (int)count ? o->jobs : (int)count;
    for (int k = 0; k < pl.n; k++)
        pl.slots[k] = (slot){ .pid = 0, .to = -1, .from = -1, .held = -1 };
    /* A worker that has died must not take the parent with it when it is written to. */
    struct sigaction ignore = { .sa_handler = SIG_IGN }, old;
    sigaction(SIGPIPE, &ignore, &old);
    for (int k = 0; k < pl.n && work_left(&pl); k++)
        spawn(&pl, &pl.slots[k]);
    for (;;) {
        struct pollfd fds[MAX_JOBS];
        int which[MAX_JOBS], nf = 0;
        for (int k = 0; k < pl.n; k++)
            if (pl.slots[k].pid) {
                fds[nf] = (struct pollfd){ .fd = pl.slots[k].from, .events = POLLIN };
                which[nf++] = k;
            }
        if (!nf)
            break;
        if (poll(fds, (nfds_t)nf, 1000) < 0 && errno != EINTR)
            break;
        for (int f = 0; f < nf; f++)
            if (fds[f].revents)
                drain(&pl, &pl.slots[which[f]]);
    }
    /* Records no worker could take: reported, not lost. */
    for (size_t i = 0; i < count; i++)
        if (todo[i]->st == PENDING && !stop)
            finish(&pl, todo[i], 0, strdup(pl.spawn_error ? pl.spawn_error : "没有工作进程处理这条记录"));
    sigaction(SIGPIPE, &old, NULL);
    g_queue_clear(&pl.again);
    free(pl.spawn_error);
}

/* ---- the merged PDF ------------------------------------------------------------------------- */

/* Frames of the merging process: about to lay out a record, done with it for the first pass,
 * and the outcome of adding it (frame.ok 0 or 1, with the message of a failure). */
enum { MERGE_FAILED = 0, MERGE_ADDED = 1, MERGE_AT = 2, MERGE_LEFT = 3 };

static void tell(int out, size_t index, uint32_t kind, const char *message)
{
    frame f = { .index = index, .ok = kind, .len = message ? strlen(message) : 0 };
    if (write_full(out, &f, sizeof f) == 0)
        write_full(out, message, f.len);
}

static int left_out(const job *j)
{
    return j->st == FAILED || j->merge_lost;
}

/* merge_into's result (and its process's exit status) when no record rendered. */
#define MERGE_EMPTY 3

/* The merged file is not written when no record rendered: said once, with --json as a diagnostic
 * of the run. */
static void report_empty_merge(const options *o)
{
    yf_diags *d = yf_diags_new();
    cli_error(d, "output.empty", o->merge, "没有一条记录生成成功，未写入合并文件");
    if (cli_json)
        cli_collect(d, 0);
    else
        fprintf(stderr, "%s\n", yf_diags_message(d, 0));
    yf_diags_free(d);
}

/* One PDF for the print room: every document that renders, each starting on an odd page, with an
 * outline entry named after it. Runs in a process of its own, telling the parent on `out` which
 * record it is on, so that a crash on one record costs that record and not the batch. Returns 0
 * when the merged file is written. */
static int merge_into(const options *o, const yf_template *t, const yf_records *rs, job **todo,
                      size_t count, int out)
{
    yf_diags *d = yf_diags_new();
    yf_context *ctx = cli_open_context(o->fonts_conf, d);
    if (ctx)
        yf_context_set_creation_date(ctx, o->created);
    yf_pdf *pdf = ctx ? yf_pdf_open(o->merge, d) : NULL;
    int rc = pdf ? 0 : -1;
    /* A first pass announces every document, so that the merged file embeds fonts subset to the
     * glyphs of the batch: a fraction of the memory, time and size of Cairo's own subsetting of
     * whole CJK faces. Laying out twice is cheaper than that. */
    for (size_t i = 0; pdf && i < count && !stop; i++) {
        if (left_out(todo[i]))
            continue;
        tell(out, i, MERGE_AT, NULL);
        char *message = NULL;
        yf_layout *layout = lay_out(ctx, t, rs, todo[i], o->draft, &message);
        if (layout)
            yf_pdf_reserve(pdf, layout);
        yf_layout_free(layout);
        free(message);
        tell(out, i, MERGE_LEFT, NULL);
    }
    for (size_t i = 0; pdf && i < count && !stop; i++) {
        job *j = todo[i];
        if (left_out(j))
            continue;
        tell(out, i, MERGE_AT, NULL);
        char *message = NULL;
        yf_layout *layout = lay_out(ctx, t, rs, j, o->draft, &message);
        if (layout) {
            char *title = strndup(j->name, strlen(j->name) - 4);
            if (yf_pdf_add(pdf, layout, YF_PDF_ODD_START, title, d) != 0)
                rc = -1;
            free(title);
            yf_layout_free(layout);
        }
        tell(out, i, layout ? MERGE_ADDED : MERGE_FAILED, message);
        free(message);
    }
    /* No record rendered: no merged file (a blank page would pass for a result); the parent
     * reports it (MERGE_EMPTY). */
    int empty = pdf && !stop && rc == 0 && yf_pdf_page_count(pdf) == 0;
    if (empty)
        rc = -1;
    if (pdf && (stop || rc != 0))
        yf_pdf_abort(pdf);
    else if (pdf)
        rc = yf_pdf_close(pdf, yf_template_name(t), NULL, d);
    if (rc != 0 || stop)
        rc = -1;
    char *msg = diag_text(d, 1);
    if (msg)
        fprintf(stderr, "%s\n", msg);
    free(msg);
    yf_context_free(ctx);
    yf_diags_free(d);
    return empty ? MERGE_EMPTY : rc;
}

/* One attempt at the merged file in a child process. Returns its wait status; *at is the record
 * it was on when it ended (-1 between records). With `count_progress` (no -o), the outcome of
 * each record is kept in merged/merge_message until the attempt is known to have succeeded. */
static int merge_attempt(const options *o, const yf_template *t, const yf_records *rs, job **todo,
                         size_t count, progress *p, int count_progress, long *at)
{
    int fds[2];
    *at = -1;
    if (pipe(fds) != 0)
        return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        int rc = merge_into(o, t, rs, todo, count, fds[1]);
        _exit(rc == 0 ? 0 : rc == MERGE_EMPTY ? MERGE_EMPTY : 1);
    }
    close(fds[1]);
    int forwarded = 0;
    for (;;) {
        if (stop && !forwarded) {
            /* A signal sent to this process alone: the merge stops too, its file not written. */
            kill(pid, SIGTERM);
            forwarded = 1;
        }
        struct pollfd pf = { .fd = fds[0], .events = POLLIN };
        if (poll(&pf, 1, 1000) <= 0)
            continue;
        frame f;
        if (read_full(fds[0], &f, sizeof f) != 1 || f.index >= count || f.len > MAX_MESSAGE_BYTES)
            break;
        char *message = f.len ? calloc(1, (size_t)f.len + 1) : NULL;
        if (f.len && read_full(fds[0], message, (size_t)f.len) != 1) {
            free(message);
            break;
        }
        job *j = todo[f.index];
        *at = f.ok == MERGE_AT ? (long)f.index : -1;
        if ((f.ok == MERGE_ADDED || f.ok == MERGE_FAILED) && count_progress) {
            j->merged = f.ok == MERGE_ADDED ? 1 : 0;
            free(j->merge_message);
            j->merge_message = message;
            message = NULL;
            p->done++;
            p->failed += f.ok == MERGE_FAILED;
            show(p, 0);
        }
        free(message);
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return status;
}

/* The merged file, made in a child process: if that process dies on a record (a crash, a kill),
 * the merge starts again; if it dies on the same record again, the record is left out — reported,
 * or with -o said to be missing from the merged file — and the merge starts once more without it.
 * A death between records is retried once. Returns 0 when the merged file is written. */
static int merge(const options *o, const yf_template *t, const yf_records *rs, job **todo,
                 size_t count, progress *p, int count_progress)
{
    int unplaced = 0;
    for (;;) {
        long at;
        progress start = *p;
        int status = merge_attempt(o, t, rs, todo, count, p, count_progress, &at);
        if (status != -1 && WIFEXITED(status)) {
            /* Written only if the merged file is; a record that failed is reported either way. */
            int written = WEXITSTATUS(status) == 0;
            for (size_t i = 0; count_progress && i < count; i++) {
                job *j = todo[i];
                if (j->st != PENDING || j->merged < 0 || (j->merged && !written))
                    continue;
                j->st = j->merged ? DONE : FAILED;
                if (!j->merged) {
                    j->message = report("batch.worker",
                                        j->merge_message ? j->merge_message : strdup("渲染失败"));
                    j->merge_message = NULL;
                }
            }
            if (WEXITSTATUS(status) == MERGE_EMPTY)
                report_empty_merge(o);
            return written ? 0 : -1;
        }
        /* It died: its temporary file is left, and what it said of records is void. */
        char *dir = g_path_get_dirname(o->merge), *base = g_path_get_basename(o->merge);
        remove_stale(dir, NULL, base);
        g_free(dir);
        g_free(base);
        *p = start;
        for (size_t i = 0; i < count; i++)
            todo[i]->merged = -1;
        char *how = status == -1 ? strdupf("无法启动：%s", strerror(errno)) : describe_end(status);
        if (at < 0) {
            if (stop || status == -1 || unplaced++) {
                fprintf(stderr, "yinfa batch: error: 生成合并文件 %s 的进程%s\n", o->merge, how);
                free(how);
                return -1;
            }
            if (!cli_quiet)
                fprintf(stderr, "yinfa batch: 生成合并文件的进程在两条记录之间%s，已重新合并\n", how);
            free(how);
            continue;
        }
        job *j = todo[at];
        if (++j->merge_deaths < 2 && !stop) {
            free(j->merge_death);
            j->merge_death = how;
            continue;
        }
        if (count_progress) {
            j->st = FAILED;
            j->message = report("batch.worker",
                                strdupf("生成合并文件的进程处理这条记录时%s；合并文件中略去了它", how));
            p->done++;
            p->failed++;
            free(how);
        } else {
            j->merge_lost = how;
        }
        if (stop)
            return -1;
    }
}

/* ---- options ------------------------------------------------------------------------------------ */

static int parse_options(int argc, char **argv, options *o)
{
    static const struct option opts[] = {
        { "output", required_argument, 0, 'o' }, { "name", required_argument, 0, 'n' },
        { "merge", required_argument, 0, 'm' },  { "jobs", required_argument, 0, 'j' },
        { "shard", required_argument, 0, 's' },  { "resume", no_argument, 0, 'r' },
        { "draft", no_argument, 0, 'D' },        { "quiet", no_argument, 0, 'q' },
        { "fonts-conf", required_argument, 0, 'f' }, { "sheet", required_argument, 0, 'S' },
        { "group-by", required_argument, 0, 'G' }, { "print", no_argument, 0, 'p' },
        { "printer", required_argument, 0, 'P' }, { "copies", required_argument, 0, 'C' },
        { "copies-from", required_argument, 0, 'F' }, { "simplex", no_argument, 0, 'X' },
        { "format", required_argument, 0, 'T' }, { "json", no_argument, 0, 'J' },
        { 0, 0, 0, 0 } };
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    *o = (options){ .pattern = "{#}.pdf", .jobs = cores > 0 ? (int)cores : 1, .shard_k = 1,
                    .shard_n = 1 };
    int c, printing = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:j:qP:", opts, NULL)) != -1) {
        int r = cli_print_option("batch", c, optarg, &o->po);
        if (r < 0)
            return -1;
        printing |= r;
        if (r)
            continue;
        switch (c) {
        case 'o': o->dir = optarg; break;
        case 'n': o->pattern = optarg; break;
        case 'm': o->merge = optarg; break;
        case 'j': o->jobs = atoi(optarg); break;
        case 's':
            if (sscanf(optarg, "%d/%d", &o->shard_k, &o->shard_n) != 2)
                o->shard_n = 0;
            break;
        case 'r': o->resume = 1; break;
        case 'D': o->draft = 1; break;
        case 'q': cli_quiet = 1; break;
        case 'J': cli_json = CLI_JSON_STDOUT; break;
        case 'f': o->fonts_conf = optarg; break;
        case 'S': o->sheet = optarg; break;
        case 'G': o->group_by = optarg; break;
        case 'p': o->print = 1; break;
        case 'T': o->format = optarg; break;
        default: return -1;
        }
    }
    if (argc - optind != 2 || (!o->dir && !o->merge)) {
        fprintf(stderr, "yinfa batch: 需要 TEMPLATE DATA，以及 -o DIR 或 --merge FILE.pdf\n");
        return -1;
    }
    o->tpl = argv[optind];
    o->data = argv[optind + 1];
    if (o->jobs < 1 || o->jobs > MAX_JOBS) {
        fprintf(stderr, "yinfa batch: --jobs 应在 1 到 %d 之间\n", MAX_JOBS);
        return -1;
    }
    if (o->shard_n < 1 || o->shard_k < 1 || o->shard_k > o->shard_n) {
        fprintf(stderr, "yinfa batch: --shard 应为 K/N，1 ≤ K ≤ N\n");
        return -1;
    }
    if (o->format && strcmp(o->format, "pdf") != 0 && strcmp(o->format, "docx") != 0) {
        fprintf(stderr, "yinfa batch: --format 应为 pdf 或 docx：%s\n", o->format);
        return -1;
    }
    /* Word files by --format docx, or by a --name ending in .docx. */
    o->docx = o->format ? strcmp(o->format, "docx") == 0 : cli_has_suffix(o->pattern, ".docx");
    if (o->docx && strcmp(o->pattern, "{#}.pdf") == 0)
        o->pattern = "{#}.docx";
    /* A name that says one kind of file while the file is the other ("12.pdf.docx"). */
    if (cli_has_suffix(o->pattern, o->docx ? ".pdf" : ".docx")) {
        fprintf(stderr, "yinfa batch: --name 以 %s 结尾，生成的却是 %s 文件：%s\n",
                o->docx ? ".pdf" : ".docx", o->docx ? "Word" : "PDF", o->pattern);
        return -1;
    }
    if (!pattern_ok(o->pattern)) {
        fprintf(stderr, "yinfa batch: --name 不能含路径分隔符和不可见的控制或格式字符、"
                        "不能以“.”开头，花括号要成对：%s\n", o->pattern);
        return -1;
    }
    if ((printing && !o->print) || (o->print && !o->dir) || (o->po.copies && o->po.copies_from)) {
        fprintf(stderr, "yinfa batch: 打印须用 --print 和 -o DIR；--copies 与 --copies-from 只能用一个\n");
        return -1;
    }
    if (o->print && o->docx) {
        fprintf(stderr, "yinfa batch: 打印送的是 PDF：--print 不能与 Word 文件（--format docx）同用\n");
        return -1;
    }
    if (o->merge && !cli_has_suffix(o->merge, ".pdf")) {
        fprintf(stderr, "yinfa batch: --merge 的文件应以 .pdf 结尾\n");
        return -1;
    }
    return 0;
}

/* ---- outputs never overwrite inputs nor each other ------------------------------------------ */

/* A file as the file system knows it: the same whatever path leads to it (symbolic links, "..",
 * hard links). */
typedef struct {
    dev_t dev;
    ino_t ino;
    const char *path;
} file_id;

typedef struct {
    file_id *inputs;
    int n_inputs;
    GPtrArray *paths;       /* of char*: the names of the template's files, owned */
    int merge_exists;       /* the merged file exists already: `merge` is it */
    file_id merge;
    const char *merge_base; /* the merged file's name when it is written into DIR, else NULL */
    char *owned[3];
} guard;

static int same(const file_id *a, const struct stat *st)
{
    return a->dev == st->st_dev && a->ino == st->st_ino;
}

/* The input that `st` is, or NULL. */
static const char *input_of(const guard *g, const struct stat *st)
{
    for (int i = 0; i < g->n_inputs; i++)
        if (same(&g->inputs[i], st))
            return g->inputs[i].path;
    return NULL;
}

static void add_input(guard *g, const char *path)
{
    struct stat st;
    if (!path || stat(path, &st) != 0)
        return;
    g->inputs = g_renew(file_id, g->inputs, g->n_inputs + 1);
    g->inputs[g->n_inputs++] = (file_id){ st.st_dev, st.st_ino, path };
}

/* Whether `a` and `b` are one folder. */
static int same_dir(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* ---- planning ---------------------------------------------------------------------------------- */

static void fail_job(job *j, char *why)
{
    j->st = FAILED;
    free(j->message);
    j->message = report("batch.name", why);
}

/* While planning a large batch: a line a second, so that the run shows life from the start. */
static void plan_progress(const progress *p, size_t done, size_t total, double *last)
{
    if (p->quiet || now() - *last < 1.0)
        return;
    *last = now();
    fprintf(stderr, p->tty ? "\r\033[K正在检查记录 %zu/%zu" : "正在检查记录 %zu/%zu\n", done, total);
    fflush(stderr);
}

/* Names every record of this shard — a record without a usable name, with the name of an earlier
 * record, or whose file would replace an input or the merged file, fails here — and decides what
 * --resume skips. Linear in the records: names are looked up in a hash table. Returns the jobs
 * (count in *count); `names` maps each name given to its job. */
static job *plan(const options *o, const yf_records *rs, const guard *g, const progress *p,
                 GHashTable *names, size_t *count)
{
    size_t total = yf_records_count(rs);
    size_t mine = total / (size_t)o->shard_n + 1;
    job *jobs = calloc(mine, sizeof(job));
    int needs_data = pattern_needs_data(o->pattern);
    double last = p->start; /* the first line a second after the command started */
    size_t n = 0;
    /* Deterministic slices: record i belongs to shard (i mod N) + 1. */
    for (size_t i = (size_t)o->shard_k - 1; i < total; i += (size_t)o->shard_n) {
        job *j = &jobs[n++];
        j->record = i;
        j->merged = -1;
        if ((n & 1023) == 0)
            plan_progress(p, i, total, &last);
        yf_diags *d = yf_diags_new();
        yf_data *data = needs_data ? yf_records_get(rs, i, d) : NULL;
        char *why = NULL;
        j->name = !needs_data || data ? file_name(o->pattern, data, i + 1, o->docx ? ".docx" : ".pdf", &why) : NULL;
        if (needs_data && !data)
            why = diag_text(d, 1);
        yf_data_free(data);
        yf_diags_free(d);
        if (why || !j->name) {
            fail_job(j, why ? why : strdup("无法生成文件名"));
            if (!j->name)
                j->name = strdupf("%zu%s", i + 1, o->docx ? ".docx" : ".pdf");
            continue;
        }
        const job *first = g_hash_table_lookup(names, j->name);
        if (first) {
            fail_job(j, strdupf("文件名 %s 与第 %zu 条记录（第 %d 行）相同，未覆盖", j->name,
                                first->record + 1, yf_records_line(rs, first->record)));
            continue;
        }
        g_hash_table_insert(names, j->name, j);
        if (g->merge_base && strcmp(j->name, g->merge_base) == 0) {
            fail_job(j, strdupf("文件名 %s 就是 --merge 的合并文件，未覆盖", j->name));
            continue;
        }
        if (!o->dir)
            continue;
        char *path = cli_join(o->dir, j->name);
        struct stat st;
        if (stat(path, &st) == 0) {
            const char *input = input_of(g, &st);
            if (input)
                fail_job(j, strdupf("文件名 %s 指向输入文件 %s，未覆盖", j->name, input));
            else if (g->merge_exists && same(&g->merge, &st))
                fail_job(j, strdupf("文件名 %s 指向 --merge 的合并文件，未覆盖", j->name));
            else if (o->resume && S_ISREG(st.st_mode))
                j->st = SKIPPED;
        }
        free(path);
    }
    *count = n;
    return jobs;
}

/* The inputs of the run. Returns -1 (a usage error, said on stderr) when the merged file would
 * replace one of them. */
static int make_guard(const options *o, guard *g)
{
    *g = (guard){ 0 };
    g->owned[0] = cli_find_template(o->tpl);
    g->owned[1] = cli_find_share("fonts/yinfa-roles.conf");
    add_input(g, g->owned[0]);
    add_input(g, o->data);
    add_input(g, o->fonts_conf ? o->fonts_conf : getenv("YINFA_FONTS_CONF"));
    add_input(g, g->owned[1]);
    struct stat st;
    if (!o->merge || stat(o->merge, &st) != 0)
        return 0;
    const char *input = input_of(g, &st);
    if (input) {
        fprintf(stderr, "yinfa batch: error: 输出文件 %s 就是输入文件 %s，不能覆盖\n", o->merge, input);
        return -1;
    }
    g->merge_exists = 1;
    g->merge = (file_id){ st.st_dev, st.st_ino, o->merge };
    return 0;
}

/* Adds every file the template read — the bases it extends, the parts it includes — to the
 * inputs no output may replace. Returns -1 with an error in `d` when the merged file is one. */
static int guard_template(const options *o, guard *g, const yf_template *t, yf_diags *d)
{
    g->paths = g_ptr_array_new_with_free_func(g_free);
    for (size_t i = 0; i < yf_template_file_count(t); i++) {
        g_ptr_array_add(g->paths, g_strdup(yf_template_file(t, i)));
        add_input(g, g_ptr_array_index(g->paths, g->paths->len - 1));
    }
    struct stat st;
    const char *input = o->merge && stat(o->merge, &st) == 0 ? input_of(g, &st) : NULL;
    if (input) {
        cli_error(d, "output.write", o->merge, "输出文件 %s 就是输入文件 %s，不能覆盖", o->merge,
                  input);
        return -1;
    }
    return 0;
}

/* The merged file's name when it goes into DIR (which exists by then), where it must not take
 * the name of a record's file. */
static void merge_in_dir(const options *o, guard *g)
{
    if (!o->merge || !o->dir)
        return;
    char *parent = g_path_get_dirname(o->merge);
    if (same_dir(parent, o->dir))
        g->merge_base = g->owned[2] = g_path_get_basename(o->merge);
    g_free(parent);
}

static void guard_free(guard *g)
{
    g_free(g->inputs);
    if (g->paths)
        g_ptr_array_free(g->paths, TRUE);
    free(g->owned[0]);
    free(g->owned[1]);
    g_free(g->owned[2]);
}

/* ---- --print ------------------------------------------------------------------------------------ */

/* Sends the documents of the batch that are in DIR — written now or by an earlier run — to the
 * printer in record order, with their record's copies. Returns 0, EXIT_PROBLEM or 130. */
static int print_batch(const options *o, cli_printer *printer, const yf_records *rs,
                       const job *jobs, size_t count)
{
    cli_print_doc *docs = calloc(count ? count : 1, sizeof *docs);
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        const job *j = &jobs[i];
        if (j->st != DONE && j->st != SKIPPED)
            continue;
        cli_print_doc *doc = &docs[n++];
        doc->name = j->name;
        doc->path = cli_join(o->dir, j->name);
        yf_diags *d = yf_diags_new();
        yf_data *data = o->po.copies_from ? yf_records_get(rs, j->record, d) : NULL;
        doc->copies = cli_print_copies(&o->po, data, &doc->why);
        yf_data_free(data);
        yf_diags_free(d);
    }
    char *state = cli_print_state_path(o->dir);
    int rc = cli_print_run(printer, "batch", docs, n, state, o->resume);
    for (size_t i = 0; i < n; i++) {
        free((char *)docs[i].path);
        free(docs[i].why);
    }
    free(state);
    free(docs);
    return rc;
}

/* ---- the command ---------------------------------------------------------------------------- */

static void summary(const options *o, const yf_records *rs, const job *jobs, size_t count,
                    double start)
{
    size_t done = 0, failed = 0, skipped = 0, left = 0;
    for (size_t i = 0; i < count; i++) {
        done += jobs[i].st == DONE;
        failed += jobs[i].st == FAILED;
        skipped += jobs[i].st == SKIPPED;
        left += jobs[i].st == PENDING;
    }
    for (size_t i = 0; i < count; i++) {
        const job *j = &jobs[i];
        if (j->st == FAILED && cli_json)
            cli_collect_json(j->message, (long)j->record + 1);
        else if (j->st == FAILED)
            fprintf(stderr, "第 %zu 条记录（%s 第 %d 行）失败：\n%s\n", j->record + 1, o->data,
                    yf_records_line(rs, j->record), j->message);
        else if (j->st == DONE && j->deaths && !cli_quiet)
            fprintf(stderr, "第 %zu 条记录（%s 第 %d 行）：工作进程渲染它时%s，已由另一进程重新生成\n",
                    j->record + 1, o->data, yf_records_line(rs, j->record), j->death);
        if (j->merge_deaths == 1 && !j->merge_lost && j->st != FAILED && !cli_quiet)
            fprintf(stderr, "第 %zu 条记录（%s 第 %d 行）：生成合并文件的进程处理它时%s，已重新合并\n",
                    j->record + 1, o->data, yf_records_line(rs, j->record), j->merge_death);
        if (j->merge_lost)
            fprintf(stderr, "第 %zu 条记录（%s 第 %d 行）未并入 %s：生成合并文件的进程处理它时%s\n",
                    j->record + 1, o->data, yf_records_line(rs, j->record), o->merge, j->merge_lost);
    }
    if (!cli_quiet || failed || stop) {
        fprintf(stderr, "%s%zu 份已生成，%zu 份失败，%zu 份已存在而跳过", stop ? "已中断：" : "", done,
                failed, skipped);
        if (left)
            fprintf(stderr, "，%zu 份未处理", left);
        fprintf(stderr, "，用时 %.1f 秒\n", now() - start);
    }
}

int cmd_batch(int argc, char **argv)
{
    options o;
    if (parse_options(argc, argv, &o) != 0) {
        fputs(cli_help_text("batch"), stderr);
        return EXIT_USAGE;
    }
    guard g;
    if (make_guard(&o, &g) != 0) {
        guard_free(&g);
        return EXIT_USAGE;
    }
    /* One creation date for the whole batch, handed to every worker's context: the files do not
     * depend on --jobs or timing. A malformed SOURCE_DATE_EPOCH stops the batch before anything. */
    yf_diags *dd = yf_diags_new();
    o.created = cli_creation_date(dd);
    if (o.created == -2) {
        guard_free(&g);
        return cli_finish(dd, EXIT_PROBLEM);
    }
    yf_diags_free(dd);
    if (o.created < 0)
        o.created = (long long)time(NULL);
    /* The printer before the documents: a clerk learns of a paused printer at once. */
    cli_printer *printer = o.print ? cli_printer_open("batch", &o.po) : NULL;
    if (o.print && !printer) {
        guard_free(&g);
        return EXIT_PROBLEM;
    }
    progress p = { .start = now(), .tty = isatty(2), .quiet = cli_quiet };
    yf_diags *d = yf_diags_new();
    yf_template *t = cli_open_template(NULL, o.tpl, d);
    if (t && ((o.print && cli_print_check_slot("batch", &o.po, t) != 0) ||
              guard_template(&o, &g, t, d) != 0)) {
        yf_template_free(t);
        t = NULL;
    }
    yf_records *rs = t ? yf_records_open(o.data, o.sheet, o.group_by, d) : NULL;
    if (!rs) {
        yf_template_free(t);
        guard_free(&g);
        cli_printer_close(printer);
        return cli_finish(d, EXIT_PROBLEM);
    }
    if (o.dir && mkdir(o.dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "yinfa batch: 无法创建目录 %s：%s\n", o.dir, strerror(errno));
        yf_records_free(rs);
        yf_template_free(t);
        guard_free(&g);
        cli_printer_close(printer);
        return cli_finish(d, EXIT_PROBLEM);
    }
    merge_in_dir(&o, &g);
    GHashTable *names = g_hash_table_new(g_str_hash, g_str_equal);
    size_t count;
    job *jobs = plan(&o, rs, &g, &p, names, &count);
    job **todo = calloc(count ? count : 1, sizeof(job *));
    size_t pending = 0;
    for (size_t i = 0; i < count; i++)
        if (jobs[i].st == PENDING)
            todo[pending++] = &jobs[i];
    if (o.dir)
        remove_stale(o.dir, names, NULL);

    struct sigaction sa = { .sa_handler = on_signal };
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    p.total = pending;
    int rc = 0;
    if (o.dir && pending) {
        run_workers(&o, t, rs, todo, pending, &p);
        show(&p, 1);
    }
    if (o.merge && !stop) {
        progress mp = p;
        if (!o.dir)
            mp = (progress){ .total = pending, .start = now(), .tty = isatty(2), .quiet = cli_quiet };
        if (merge(&o, t, rs, todo, pending, &mp, !o.dir) != 0)
            rc = -1;
        if (!o.dir)
            show(&mp, 1);
    }
    summary(&o, rs, jobs, count, p.start);
    int printed = 0;
    if (printer && !stop)
        printed = print_batch(&o, printer, rs, jobs, count);
    cli_printer_close(printer);
    size_t failed = 0;
    for (size_t i = 0; i < count; i++) {
        failed += jobs[i].st == FAILED || jobs[i].merge_lost;
        free(jobs[i].name);
        free(jobs[i].message);
        free(jobs[i].death);
        free(jobs[i].merge_message);
        free(jobs[i].merge_lost);
        free(jobs[i].merge_death);
    }
    g_hash_table_destroy(names);
    guard_free(&g);
    free(jobs);
    free(todo);
    yf_records_free(rs);
    yf_template_free(t);
    if (cli_json)
        cli_print_json(stdout);
    yf_diags_free(d);
    if (stop || printed == 130)
        return 130;
    return failed || rc != 0 || printed ? EXIT_PROBLEM : 0;
}
