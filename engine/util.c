/* Utilities shared by the stages: atomic file writing, bounded file reading.
 *
 * An output file is either complete or absent. Writers fill a temporary file in the target's
 * folder (so the final rename stays on one file system and is atomic); only a writer that
 * succeeded and a clean flush, sync and close lead to the rename. An interrupted run leaves at
 * most a ".NAME.tmp-XXXXXX" file (hidden, and never a name yinfa writes), never a truncated NAME.
 *
 * Only a regular file is ever replaced. The rename would put a regular file in place of whatever
 * the name is — a device node (/dev/null), a FIFO, a socket, a directory — or of a symbolic link
 * itself (not its target): such a target is refused, named in the error, before anything is
 * written and again just before the rename. A symbolic link is refused rather than followed, so
 * that a link planted in an output folder cannot redirect the write elsewhere. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct yf_atomic {
    FILE *f;
    char *tmp, *path;
};

/* Whether `path` may be replaced: it does not exist, or is a regular file (not a link to one).
 * Returns 0, or -1 with an output.write error naming it. */
static int check_target(const char *path, yf_diags *diags)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return 0; /* absent (or unreachable: creating the temporary file says why) */
    if (S_ISREG(st.st_mode))
        return 0;
    const char *what = S_ISLNK(st.st_mode)  ? "符号链接（不跟随链接写入）"
                       : S_ISDIR(st.st_mode)  ? "目录"
                       : S_ISFIFO(st.st_mode) ? "管道"
                       : S_ISSOCK(st.st_mode) ? "套接字"
                       : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "设备文件"
                                                                   : "非普通文件";
    yf_error_at(diags, "output.write", path, 0, 0, "无法写入：已存在且是%s，不能替换为输出文件", what);
    return -1;
}

yf_atomic *yf_atomic_open(const char *path, yf_diags *diags)
{
    if (check_target(path, diags) != 0)
        return NULL;
    char *dir = g_path_get_dirname(path), *base = g_path_get_basename(path);
    char *tmp = g_strdup_printf("%s/.%s.tmp-XXXXXX", dir, base);
    g_free(dir);
    g_free(base);
    int fd = g_mkstemp_full(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) {
        yf_error_at(diags, "output.write", path, 0, 0, "无法创建输出文件：%s", g_strerror(errno));
        g_free(tmp);
        return NULL;
    }
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        yf_error_at(diags, "output.write", path, 0, 0, "无法写入：%s", g_strerror(errno));
        close(fd);
        unlink(tmp);
        g_free(tmp);
        return NULL;
    }
    yf_atomic *a = g_new0(yf_atomic, 1);
    a->f = f;
    a->tmp = tmp;
    a->path = g_strdup(path);
    return a;
}

FILE *yf_atomic_file(yf_atomic *a) { return a->f; }

static void atomic_free(yf_atomic *a)
{
    g_free(a->tmp);
    g_free(a->path);
    g_free(a);
}

void yf_atomic_abort(yf_atomic *a)
{
    if (!a)
        return;
    fclose(a->f);
    unlink(a->tmp);
    atomic_free(a);
}

int yf_atomic_commit(yf_atomic *a, yf_diags *diags)
{
    int rc = 0;
    if (fflush(a->f) != 0 || ferror(a->f) || (fsync(fileno(a->f)) != 0 && errno != EINVAL)) {
        yf_error_at(diags, "output.write", a->path, 0, 0, "写入失败：%s", g_strerror(errno));
        rc = -1;
    }
    if (fclose(a->f) != 0 && rc == 0) {
        yf_error_at(diags, "output.write", a->path, 0, 0, "写入失败：%s", g_strerror(errno));
        rc = -1;
    }
    if (rc == 0) {
        /* mkstemp creates 0600; give the file the mode a plain fopen would. */
        mode_t mask = umask(0);
        umask(mask);
        chmod(a->tmp, 0666 & ~mask);
        if (check_target(a->path, diags) != 0) {
            rc = -1; /* made a link, a device … while the file was written */
        } else if (rename(a->tmp, a->path) != 0) {
            yf_error_at(diags, "output.write", a->path, 0, 0, "无法写入：%s", g_strerror(errno));
            rc = -1;
        }
    }
    if (rc != 0)
        unlink(a->tmp);
    atomic_free(a);
    return rc;
}

int yf_write_atomic(const char *path, yf_write_fn write, void *user, yf_diags *diags)
{
    yf_atomic *a = yf_atomic_open(path, diags);
    if (!a)
        return -1;
    if (write(a->f, user, diags) != 0) {
        yf_atomic_abort(a);
        return -1;
    }
    return yf_atomic_commit(a, diags);
}

/* Reads regular files only: a FIFO is opened without blocking (O_NONBLOCK: an include naming a
 * pipe with no writer would otherwise wait forever) and refused like a device (/dev/zero) or a
 * directory; a file is read no further than `max` bytes even if it grows while being read. */
int yf_read_file(const char *path, size_t max, char **buf, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return -1;
    struct stat st;
    int bad = fstat(fd, &st) != 0 ? errno : 0;
    if (!bad && S_ISDIR(st.st_mode))
        bad = EISDIR;
    else if (!bad && !S_ISREG(st.st_mode))
        bad = YF_ENOTREG;
    else if (!bad && (size_t)st.st_size > max)
        bad = EFBIG; /* known without reading */
    if (bad) {
        close(fd);
        errno = bad;
        return -1;
    }
    GByteArray *b = g_byte_array_new();
    guint8 chunk[65536];
    ssize_t n = 0;
    while (b->len <= max && (n = read(fd, chunk, sizeof chunk)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        g_byte_array_append(b, chunk, (guint)n);
    }
    int e = errno;
    close(fd);
    if (n < 0 || b->len > max) {
        g_byte_array_free(b, TRUE);
        errno = n < 0 ? e : EFBIG;
        return -1;
    }
    *len = b->len;
    g_byte_array_append(b, (const guint8 *)"", 1); /* a terminating NUL, as g_file_get_contents */
    *buf = (char *)g_byte_array_free(b, FALSE);
    return 0;
}

const char *yf_read_error(int err)
{
    if (err == YF_ENOTREG)
        return "不是普通文件（管道、设备不能作为输入）";
    return g_strerror(err);
}
