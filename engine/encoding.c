/* Text encodings of input files: what offices' programs save, made UTF-8.
 *
 * In: the bytes of a data file (JSON, JSON Lines, CSV). Out: the same text in UTF-8, and the
 * name of the encoding it was read in. Chinese Excel and WPS save CSV in GBK (code page 936) by
 * default, Notepad sometimes in UTF-16 with a byte order mark; everything else here is UTF-8.
 * The order of the checks: a byte order mark decides (UTF-8, UTF-16LE/BE); then a text that is
 * valid UTF-8 is UTF-8 — GBK text of any length almost never is; then GB18030 (a superset of GBK
 * and GB2312), decoded strictly by ICU's converter: an illegal or unmapped sequence is an error
 * naming its byte offset, never a replacement character. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/ucnv.h>

/* Converts `len` bytes from `charset` with ICU, stopping at the first illegal sequence. */
static char *convert(const char *charset, const char *buf, size_t len, size_t *out_len,
                     size_t *bad_at)
{
    UErrorCode st = U_ZERO_ERROR;
    UConverter *from = ucnv_open(charset, &st);
    UConverter *to = ucnv_open("UTF-8", &st);
    if (U_FAILURE(st)) {
        ucnv_close(from);
        ucnv_close(to);
        *bad_at = 0;
        return NULL;
    }
    ucnv_setToUCallBack(from, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &st);
    /* GB18030 needs at most 3 bytes of UTF-8 per byte (a 2-byte GBK character -> 3 bytes of UTF-8,
     * a 4-byte one -> at most 4); UTF-16 at most 3 per 2 bytes. */
    size_t cap = len * 3 / 2 + len + 16;
    char *out = g_malloc(cap);
    char *target = out;
    const char *source = buf;
    UChar pivot[1024], *ps = pivot, *pt = pivot;
    ucnv_convertEx(to, from, &target, out + cap - 1, &source, buf + len, pivot, &ps, &pt,
                   pivot + G_N_ELEMENTS(pivot), TRUE, TRUE, &st);
    ucnv_close(from);
    ucnv_close(to);
    if (U_FAILURE(st)) {
        /* `source` has passed the bad sequence; the offset is where it starts, near enough */
        *bad_at = (size_t)(source - buf) > 0 ? (size_t)(source - buf) - 1 : 0;
        g_free(out);
        return NULL;
    }
    *target = '\0';
    *out_len = (size_t)(target - out);
    return out;
}

char *yf_text_decode(const char *name, const char *buf, size_t len, size_t *out_len,
                     yf_diags *diags)
{
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        buf += 3;
        len -= 3;
    }
    const char *charset = NULL, *label = NULL;
    if (len >= 2 && memcmp(buf, "\xFF\xFE", 2) == 0)
        charset = "UTF-16LE", label = "UTF-16（小端）";
    else if (len >= 2 && memcmp(buf, "\xFE\xFF", 2) == 0)
        charset = "UTF-16BE", label = "UTF-16（大端）";
    if (charset) {
        buf += 2;
        len -= 2;
    } else if (g_utf8_validate(buf, (gssize)len, NULL)) {
        *out_len = len;
        return g_strndup(buf, len);
    } else {
        charset = "GB18030", label = "GB18030（GBK）";
    }
    size_t bad = 0;
    char *out = convert(charset, buf, len, out_len, &bad);
    if (!out) {
        const char *utf8_bad = NULL;
        g_utf8_validate(buf, (gssize)len, &utf8_bad);
        if (strcmp(charset, "GB18030") == 0)
            yf_error_at(diags, "data.encoding", name, 0, 0,
                        "无法识别文件的编码：第 %zu 字节处既不是有效的 UTF-8，也不是有效的 GB18030"
                        "（GBK）编码；请以 UTF-8 或 GBK 编码保存",
                        (size_t)(utf8_bad - buf));
        else
            yf_error_at(diags, "data.encoding", name, 0, 0, "第 %zu 字节处不是有效的 %s 编码", bad + 2, label);
        return NULL;
    }
    yf_warn_at(diags, "data.legacy-encoding", name, 0, 0, "文件不是 UTF-8 编码，已按 %s 编码读取", label);
    return out;
}

char *yf_text_to_utf8(const char *name, const char *bytes, size_t len, size_t *out_len,
                      yf_diags *diags)
{
    size_t n = 0;
    char *text = yf_text_decode(name, bytes, len, &n, diags);
    if (!text)
        return NULL;
    /* malloc'd, as the public header promises: free() it. */
    char *out = malloc(n + 1);
    memcpy(out, text, n + 1);
    g_free(text);
    *out_len = n;
    return out;
}
