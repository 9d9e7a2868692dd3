/* Utilities shared by the output stages: atomic file writing.
 *
 * An output file is either complete or absent. Writers fill a temporary file in the target's
 * folder (so the final rename stays on one file system and is atomic); only a writer that
 * succeeded and a clean fclose lead to the rename. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int yf_write_atomic(const char *path, yf_write_fn write, void *user, yf_diags *diags)
{
    char *tmp = g_strdup_printf("%s.tmp-XXXXXX", path);
    int fd = g_mkstemp_full(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) {
        yf_error_at(diags, path, 0, 0, "无法创建输出文件：%s", g_strerror(errno));
        g_free(tmp);
        return -1;
    }
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        yf_error_at(diags, path, 0, 0, "无法写入：%s", g_strerror(errno));
        close(fd);
        unlink(tmp);
        g_free(tmp);
        return -1;
    }
    int rc = write(f, user, diags);
    if (fflush(f) != 0 || ferror(f)) {
        if (rc == 0)
            yf_error_at(diags, path, 0, 0, "写入失败：%s", g_strerror(errno));
        rc = -1;
    }
    if (rc == 0 && fsync(fileno(f)) != 0 && errno != EINVAL) {
        yf_error_at(diags, path, 0, 0, "写入失败：%s", g_strerror(errno));
        rc = -1;
    }
    if (fclose(f) != 0 && rc == 0) {
        yf_error_at(diags, path, 0, 0, "写入失败：%s", g_strerror(errno));
        rc = -1;
    }
    /* mkstemp creates 0600; give the file the mode a plain fopen would. */
    if (rc == 0) {
        mode_t mask = umask(0);
        umask(mask);
        chmod(tmp, 0666 & ~mask);
        if (rename(tmp, path) != 0) {
            yf_error_at(diags, path, 0, 0, "无法写入：%s", g_strerror(errno));
            rc = -1;
        }
    }
    if (rc != 0)
        unlink(tmp);
    g_free(tmp);
    return rc;
}
