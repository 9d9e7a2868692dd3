/* yinfa batch — many documents from one template: a city's weekly bulletins in one run.
 *
 *   yinfa batch TEMPLATE DATA [-o DIR] [--name PATTERN] [--merge FILE.pdf] [--jobs N]
 *               [--shard K/N] [--resume] [--draft] [--quiet]
 *
 * The template is read and checked once; each worker process loads the fonts once and renders
 * its share of the records, releasing everything a document used before the next. A bad record
 * is reported with its line and the message `yinfa check` would give, and the others are still
 * rendered. Files are written atomically; Ctrl-C finishes the documents being written and stops.
 * Uses the public header only. */
#define _GNU_SOURCE
#include "common.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#define MAX_JOBS 64
#define NAME_MAX_BYTES 200

typedef enum { PENDING, DONE, FAILED, SKIPPED } state;

typedef struct {
    size_t record;      /* index in the data file */
    char *name;         /* output file name, inside DIR */
    state st;
    char *message;      /* FAILED: what went wrong */
} job;

typedef struct {
    const char *tpl, *data, *dir, *pattern, *merge, *fonts_conf;
    int jobs, shard_k, shard_n, resume, draft;
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

/* All diagnostics of a run, one a line, as one string; NULL when there are none. */
static char *diag_text(const yf_diags *d, int errors_only)
{
    size_t len = 0;
    for (size_t i = 0; i < yf_diags_count(d); i++)
        if (!errors_only || yf_diags_severity(d, i) == YF_ERROR)
            len += strlen(yf_diags_message(d, i)) + 1;
    if (!len)
        return NULL;
    char *s = calloc(1, len + 1);
    for (size_t i = 0; i < yf_diags_count(d); i++)
        if (!errors_only || yf_diags_severity(d, i) == YF_ERROR) {
            strcat(s, yf_diags_message(d, i));
            strcat(s, "\n");
        }
    s[len - 1] = '\0';
    return s;
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

/* The file name of a record from PATTERN: {路径} takes a value of the record, {#} its number. */
static char *file_name(const char *pattern, const yf_data *data, size_t number, char **why)
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
        append_safe(out, sizeof out, value);
        free(key);
        free(value);
        p = close + 1;
    }
    /* Cut at a character boundary if too long; always a .pdf. */
    size_t n = strlen(out);
    if (!cli_has_suffix(out, ".pdf"))
        n = n > NAME_MAX_BYTES - 4 ? NAME_MAX_BYTES - 4 : n;
    else if (n > NAME_MAX_BYTES)
        n = NAME_MAX_BYTES - 4;
    while (n > 0 && ((unsigned char)out[n] & 0xC0) == 0x80)
        n--;
    if (!cli_has_suffix(out, ".pdf") || n < strlen(out)) {
        out[n] = '\0';
        strcat(out, ".pdf");
    }
    return strdup(out);
}

static int pattern_ok(const char *pattern)
{
    if (!*pattern || strchr(pattern, '/') || strchr(pattern, '\\') || pattern[0] == '.')
        return 0;
    for (const char *p = pattern; (p = strchr(p, '{')); p++)
        if (!strchr(p, '}'))
            return 0;
    return 1;
}

/* ---- one document -------------------------------------------------------------------------- */

/* Binds and lays out record `j`. Returns the layout, or NULL with the messages in *message. */
static yf_layout *lay_out(yf_context *ctx, const yf_template *t, const yf_records *rs,
                          const job *j, int draft, char **message)
{
    yf_diags *d = yf_diags_new();
    yf_data *data = yf_records_get(rs, j->record, d);
    yf_document *doc = data ? yf_document_bind(t, data, draft ? YF_BIND_DRAFT : 0, d) : NULL;
    yf_layout *layout = doc ? yf_layout_new(ctx, doc, d) : NULL;
    if (!layout)
        *message = diag_text(d, 1);
    yf_document_free(doc);
    yf_data_free(data);
    yf_diags_free(d);
    return layout;
}

static int render_one(yf_context *ctx, const yf_template *t, const yf_records *rs, const job *j,
                      const char *dir, int draft, char **message)
{
    yf_layout *layout = lay_out(ctx, t, rs, j, draft, message);
    if (!layout)
        return -1;
    yf_diags *d = yf_diags_new();
    char *path = cli_join(dir, j->name);
    int rc = yf_layout_write_pdf(layout, path, d);
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

/* ---- workers ------------------------------------------------------------------------------- */

/* A worker renders jobs k, k+n, k+2n … of `todo` and reports one line each on `out`:
 * "INDEX\tok" or "INDEX\tfail\tMESSAGE" with the message's line breaks as \x1f. */
static void worker(const options *o, const yf_template *t, const yf_records *rs, job **todo,
                   size_t count, int k, int n, int out)
{
    yf_diags *d = yf_diags_new();
    yf_context *ctx = cli_open_context(o->fonts_conf, d);
    FILE *f = fdopen(out, "w");
    for (size_t i = (size_t)k; i < count && !stop; i += (size_t)n) {
        char *message = NULL;
        int rc = ctx ? render_one(ctx, t, rs, todo[i], o->dir, o->draft, &message)
                     : (message = diag_text(d, 1), -1);
        if (rc == 0) {
            fprintf(f, "%zu\tok\n", i);
        } else {
            for (char *m = message; m && *m; m++)
                if (*m == '\n')
                    *m = '\x1f';
            fprintf(f, "%zu\tfail\t%s\n", i, message ? message : "渲染失败");
        }
        fflush(f);
        free(message);
    }
    fclose(f);
    yf_context_free(ctx);
    yf_diags_free(d);
}

static void take_result(char *line, job **todo, size_t count, progress *p)
{
    char *tab = strchr(line, '\t');
    if (!tab)
        return;
    size_t i = strtoul(line, NULL, 10);
    if (i >= count)
        return;
    job *j = todo[i];
    if (strncmp(tab + 1, "ok", 2) == 0) {
        j->st = DONE;
    } else {
        j->st = FAILED;
        char *msg = strchr(tab + 1, '\t');
        j->message = strdup(msg ? msg + 1 : "渲染失败");
        for (char *m = j->message; *m; m++)
            if (*m == '\x1f')
                *m = '\n';
        p->failed++;
    }
    p->done++;
    show(p, 0);
}

/* Runs `jobs` worker processes over `todo` and collects their reports. */
static int run_workers(const options *o, const yf_template *t, const yf_records *rs, job **todo,
                       size_t count, progress *p)
{
    int n = o->jobs < (int)count ? o->jobs : (int)count;
    struct pollfd fds[MAX_JOBS];
    pid_t pids[MAX_JOBS];
    char *buf[MAX_JOBS];
    size_t used[MAX_JOBS];
    for (int k = 0; k < n; k++) {
        int pipefd[2];
        if (pipe(pipefd) != 0)
            return -1;
        fflush(NULL);
        pids[k] = fork();
        if (pids[k] < 0)
            return -1;
        if (pids[k] == 0) {
            for (int q = 0; q < k; q++)
                close(fds[q].fd);
            close(pipefd[0]);
            worker(o, t, rs, todo, count, k, n, pipefd[1]);
            _exit(0);
        }
        close(pipefd[1]);
        fds[k] = (struct pollfd){ .fd = pipefd[0], .events = POLLIN };
        buf[k] = malloc(1 << 16);
        used[k] = 0;
    }
    int open_pipes = n, forwarded = 0;
    while (open_pipes > 0) {
        if (stop && !forwarded) {
            /* A signal sent to this process alone (kill, a scheduler) reaches the workers too:
             * each finishes the document it is writing and stops. */
            for (int k = 0; k < n; k++)
                kill(pids[k], SIGTERM);
            forwarded = 1;
        }
        if (poll(fds, (nfds_t)n, 1000) < 0 && errno != EINTR)
            break;
        for (int k = 0; k < n; k++) {
            if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP)))
                continue;
            ssize_t r = read(fds[k].fd, buf[k] + used[k], (1 << 16) - 1 - used[k]);
            if (r <= 0) {
                close(fds[k].fd);
                fds[k].fd = -1;
                open_pipes--;
                continue;
            }
            used[k] += (size_t)r;
            buf[k][used[k]] = '\0';
            char *start = buf[k], *nl;
            while ((nl = strchr(start, '\n'))) {
                *nl = '\0';
                take_result(start, todo, count, p);
                start = nl + 1;
            }
            used[k] -= (size_t)(start - buf[k]);
            memmove(buf[k], start, used[k]);
        }
    }
    int rc = 0;
    for (int k = 0; k < n; k++) {
        int status;
        while (waitpid(pids[k], &status, 0) < 0 && errno == EINTR)
            ;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            rc = -1;
        free(buf[k]);
    }
    return rc;
}

/* ---- the merged PDF ------------------------------------------------------------------------- */

/* One PDF for the print room: every document that renders, each starting on an odd page, with an
 * outline entry named after it. Renders in this process. */
static int merge(const options *o, const yf_template *t, const yf_records *rs, job **todo,
                 size_t count, progress *p, int count_progress)
{
    yf_diags *d = yf_diags_new();
    yf_context *ctx = cli_open_context(o->fonts_conf, d);
    yf_pdf *pdf = ctx ? yf_pdf_open(o->merge, d) : NULL;
    int rc = pdf ? 0 : -1;
    /* A first pass announces every document, so that the merged file embeds fonts subset to the
     * glyphs of the batch: a fraction of the memory, time and size of Cairo's own subsetting of
     * whole CJK faces. Laying out twice is cheaper than that. */
    for (size_t i = 0; pdf && i < count && !stop; i++) {
        char *message = NULL;
        yf_layout *layout = todo[i]->st == FAILED ? NULL
                          : lay_out(ctx, t, rs, todo[i], o->draft, &message);
        if (layout)
            yf_pdf_reserve(pdf, layout);
        yf_layout_free(layout);
        free(message);
    }
    for (size_t i = 0; pdf && i < count && !stop; i++) {
        job *j = todo[i];
        char *message = NULL;
        yf_layout *layout = j->st == FAILED ? NULL : lay_out(ctx, t, rs, j, o->draft, &message);
        if (layout) {
            char *title = strndup(j->name, strlen(j->name) - 4);
            if (yf_pdf_add(pdf, layout, YF_PDF_ODD_START, title, d) != 0)
                rc = -1;
            free(title);
            yf_layout_free(layout);
            if (count_progress)
                j->st = DONE;
        } else if (count_progress && j->st != FAILED) {
            j->st = FAILED;
            j->message = message;
            message = NULL;
            p->failed++;
        }
        free(message);
        if (count_progress) {
            p->done++;
            show(p, 0);
        }
    }
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
    return rc;
}

/* ---- the command ---------------------------------------------------------------------------- */

static const char usage[] =
    "用法：yinfa batch TEMPLATE DATA [-o DIR] [--name PATTERN] [--merge FILE.pdf]\n"
    "                  [--jobs N] [--shard K/N] [--resume] [--draft] [--quiet]\n"
    "DATA：JSON Lines（每行一个对象）、JSON 数组或 CSV（首行为表头，表头“文章.标题”表示嵌套）。\n"
    "--name    文件名模式，如 '{期号}-{单位}.pdf'；{#} 为记录序号。默认 '{#}.pdf'。\n"
    "--merge   另将所有文件合为一个 PDF，每份从奇数页开始，便于双面印刷。\n"
    "--jobs    并行进程数（默认为处理器核数）。\n"
    "--shard   只处理第 K 份（共 N 份），用于多台机器分担：1/4、2/4、3/4、4/4。\n"
    "--resume  跳过已经生成的文件。\n";

static int parse_options(int argc, char **argv, options *o)
{
    static const struct option opts[] = {
        { "output", required_argument, 0, 'o' }, { "name", required_argument, 0, 'n' },
        { "merge", required_argument, 0, 'm' },  { "jobs", required_argument, 0, 'j' },
        { "shard", required_argument, 0, 's' },  { "resume", no_argument, 0, 'r' },
        { "draft", no_argument, 0, 'D' },        { "quiet", no_argument, 0, 'q' },
        { "fonts-conf", required_argument, 0, 'f' }, { 0, 0, 0, 0 } };
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    *o = (options){ .pattern = "{#}.pdf", .jobs = cores > 0 ? (int)cores : 1, .shard_k = 1,
                    .shard_n = 1 };
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:j:q", opts, NULL)) != -1) {
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
        case 'f': o->fonts_conf = optarg; break;
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
    if (!pattern_ok(o->pattern)) {
        fprintf(stderr, "yinfa batch: --name 不能含路径分隔符、不能以“.”开头，花括号要成对：%s\n",
                o->pattern);
        return -1;
    }
    if (o->merge && !cli_has_suffix(o->merge, ".pdf")) {
        fprintf(stderr, "yinfa batch: --merge 的文件应以 .pdf 结尾\n");
        return -1;
    }
    return 0;
}

/* Leftovers of an earlier run that was killed: "NAME.tmp-XXXXXX" for a NAME of this run. */
static void remove_stale(const char *dir, job **todo, size_t count)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return;
    struct dirent *e;
    while ((e = readdir(dp))) {
        char *tmp = strstr(e->d_name, ".pdf.tmp-");
        if (!tmp)
            continue;
        for (size_t i = 0; i < count; i++) {
            size_t n = strlen(todo[i]->name);
            if (strncmp(e->d_name, todo[i]->name, n) == 0 && strncmp(e->d_name + n, ".tmp-", 5) == 0) {
                char *path = cli_join(dir, e->d_name);
                unlink(path);
                free(path);
                break;
            }
        }
    }
    closedir(dp);
}

/* Names every record of this shard; a record without a usable name, or with the name of an
 * earlier record, fails here. Returns the jobs (count in *count). */
static job *plan(const options *o, const yf_records *rs, size_t *count)
{
    size_t total = yf_records_count(rs);
    job *jobs = calloc(total ? total : 1, sizeof(job));
    size_t n = 0;
    for (size_t i = 0; i < total; i++) {
        /* Deterministic slices: record i belongs to shard (i mod N) + 1. */
        if ((int)(i % (size_t)o->shard_n) != o->shard_k - 1)
            continue;
        job *j = &jobs[n++];
        j->record = i;
        yf_diags *d = yf_diags_new();
        yf_data *data = yf_records_get(rs, i, d);
        char *why = NULL;
        j->name = data ? file_name(o->pattern, data, i + 1, &why) : NULL;
        if (!data)
            why = diag_text(d, 1);
        for (size_t k = 0; j->name && k + 1 < n; k++)
            if (jobs[k].name && strcmp(jobs[k].name, j->name) == 0) {
                why = strdupf("文件名 %s 与第 %zu 条记录（第 %d 行）相同，未覆盖", j->name,
                              jobs[k].record + 1, yf_records_line(rs, jobs[k].record));
                break;
            }
        if (why) {
            j->st = FAILED;
            j->message = why;
        }
        if (!j->name)
            j->name = strdupf("%zu.pdf", i + 1);
        yf_data_free(data);
        yf_diags_free(d);
    }
    *count = n;
    return jobs;
}

int cmd_batch(int argc, char **argv)
{
    options o;
    if (parse_options(argc, argv, &o) != 0) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    /* One creation date for the whole batch: the files do not depend on --jobs or timing. */
    if (!getenv("SOURCE_DATE_EPOCH")) {
        char epoch[32];
        snprintf(epoch, sizeof epoch, "%ld", (long)time(NULL));
        setenv("SOURCE_DATE_EPOCH", epoch, 1);
    }
    yf_diags *d = yf_diags_new();
    yf_template *t = cli_open_template(NULL, o.tpl, d);
    yf_records *rs = t ? yf_records_load(o.data, d) : NULL;
    if (!rs) {
        yf_template_free(t);
        return cli_finish(d, EXIT_PROBLEM);
    }
    if (o.dir && mkdir(o.dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "yinfa batch: 无法创建目录 %s：%s\n", o.dir, strerror(errno));
        yf_records_free(rs);
        yf_template_free(t);
        return cli_finish(d, EXIT_PROBLEM);
    }
    size_t count;
    job *jobs = plan(&o, rs, &count);
    job **todo = calloc(count ? count : 1, sizeof(job *));
    size_t pending = 0, skipped = 0;
    for (size_t i = 0; i < count; i++) {
        char *path = o.dir ? cli_join(o.dir, jobs[i].name) : NULL;
        if (jobs[i].st == PENDING && o.resume && path && cli_is_file(path)) {
            jobs[i].st = SKIPPED;
            skipped++;
        } else if (jobs[i].st == PENDING) {
            todo[pending++] = &jobs[i];
        }
        free(path);
    }
    if (o.dir)
        remove_stale(o.dir, todo, pending);

    struct sigaction sa = { .sa_handler = on_signal };
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    progress p = { .total = pending, .start = now(), .tty = isatty(2), .quiet = cli_quiet,
                   .next_report = 0 };
    int rc = 0;
    if (o.dir && pending) {
        rc = run_workers(&o, t, rs, todo, pending, &p);
        show(&p, 1);
    }
    if (o.merge && !stop) {
        progress mp = p;
        if (!o.dir)
            mp = (progress){ .total = pending, .start = now(), .tty = isatty(2), .quiet = cli_quiet };
        if (merge(&o, t, rs, todo, pending, &mp, !o.dir) != 0)
            rc = -1;
        if (!o.dir) {
            show(&mp, 1);
            p = mp;
        }
    }

    /* The summary: what was written, what failed and why, in record order. */
    size_t done = 0, failed = 0;
    for (size_t i = 0; i < count; i++) {
        done += jobs[i].st == DONE;
        failed += jobs[i].st == FAILED;
    }
    for (size_t i = 0; i < count; i++)
        if (jobs[i].st == FAILED)
            fprintf(stderr, "第 %zu 条记录（%s 第 %d 行）失败：\n%s\n", jobs[i].record + 1, o.data,
                    yf_records_line(rs, jobs[i].record), jobs[i].message);
    if (!cli_quiet || failed || stop)
        fprintf(stderr, "%s%zu 份已生成，%zu 份失败，%zu 份已存在而跳过，用时 %.1f 秒\n",
                stop ? "已中断：" : "", done, failed, skipped, now() - p.start);
    for (size_t i = 0; i < count; i++) {
        free(jobs[i].name);
        free(jobs[i].message);
    }
    free(jobs);
    free(todo);
    yf_records_free(rs);
    yf_template_free(t);
    yf_diags_free(d);
    if (stop)
        return 130;
    return failed || rc != 0 ? EXIT_PROBLEM : 0;
}
