"""What an output may be: only a regular file is ever replaced (a device node, a FIFO, a socket, a
directory or a symbolic link given as the output is refused with its name, by the command line and
by the library alike), no output is a file the run read (the base template a type extends, an
included part, the data, the font configuration), a merged PDF with no document is not written,
a batch file name never carries invisible format characters (a right-to-left override spoofing
the extension), SOURCE_DATE_EPOCH is a decimal number of seconds up to the year 9999 or an error,
and --page goes with .png only."""
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LETTER = os.path.join(ROOT, "templates", "letter")
LETTER_DATA = os.path.join(LETTER, "data.json")
BATCH_TEMPLATE = os.path.join(ROOT, "tests", "batch", "template.xml")


def run(yinfa, *args, env=None, cwd=None):
    return subprocess.run([yinfa, *args], capture_output=True, text=True, timeout=120, env=env,
                          cwd=cwd)


def kind(path):
    """What `path` is, without following a link."""
    m = os.lstat(path).st_mode
    for name, test in (("link", stat.S_ISLNK), ("fifo", stat.S_ISFIFO), ("char", stat.S_ISCHR),
                       ("socket", stat.S_ISSOCK), ("dir", stat.S_ISDIR), ("file", stat.S_ISREG)):
        if test(m):
            return name
    return "other"


def specials(tmp, ext):
    """Non-regular files named NAME.ext in `tmp`: what each must stay. A null device node only as
    root (mknod in the temporary folder; /dev is never touched)."""
    made = {}
    fifo = os.path.join(tmp, "fifo" + ext)
    os.mkfifo(fifo)
    made[fifo] = "fifo"
    target = os.path.join(tmp, "target" + ext)
    open(target, "w").write("kept")
    link = os.path.join(tmp, "link" + ext)
    os.symlink(target, link)
    made[link] = "link"
    dangling = os.path.join(tmp, "dangling" + ext)
    os.symlink(os.path.join(tmp, "nowhere" + ext), dangling)
    made[dangling] = "link"
    folder = os.path.join(tmp, "dir" + ext)
    os.mkdir(folder)
    made[folder] = "dir"
    sock = os.path.join(tmp, "sock" + ext)
    s = socket.socket(socket.AF_UNIX)
    s.bind(sock)
    s.close()
    made[sock] = "socket"
    if os.geteuid() == 0:
        null = os.path.join(tmp, "null" + ext)
        os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        made[null] = "char"
    return made, target


def test_render_refuses_special_targets(yinfa):
    """render -o and --dump never replace a device, FIFO, socket, directory or symbolic link: exit
    1, the target named, "-" suggested, the node as it was, no other output written."""
    with tempfile.TemporaryDirectory() as tmp:
        for ext in (".pdf", ".png", ".ofd", ".docx", ".txt"):
            sub = os.path.join(tmp, ext[1:])
            os.mkdir(sub)
            made, target = specials(sub, ext)
            for path, was in made.items():
                other = os.path.join(sub, "other.pdf")
                args = (["-o", other, "--dump", path] if ext == ".txt" else
                        ["-o", path, "--dump", os.path.join(sub, "dump.txt")])
                p = run(yinfa, "render", LETTER, LETTER_DATA, "-q", *args)
                assert p.returncode == 1, (path, p.returncode, p.stderr)
                assert path in p.stderr and "不能替换" in p.stderr and "请用 -" in p.stderr, p.stderr
                assert kind(path) == was, (path, kind(path), was)
                assert open(target).read() == "kept"
                left = sorted(set(os.listdir(sub)) - {os.path.basename(n) for n in made}
                              - {os.path.basename(target)})
                assert left == [], (path, left)  # all or nothing: no dump, no temporary file
        # With --json the problem has the code output.write.
        fifo = os.path.join(tmp, "pdf", "fifo.pdf")
        p = run(yinfa, "render", LETTER, LETTER_DATA, "-q", "--json", "-o", fifo)
        codes = [d["code"] for d in json.loads(p.stdout)]
        assert p.returncode == 1 and "output.write" in codes, p.stdout
        # "-" is the way to stdout.
        p = run(yinfa, "render", LETTER, LETTER_DATA, "-q", "--dump", "-")
        assert p.returncode == 0 and len(p.stdout) > 100, p.stderr


LIBRARY_PROGRAM = r"""
#include <yinfa.h>
#include <stdio.h>
#include <string.h>
/* argv: root, then paths; for each path every writer is tried and must fail with output.write. */
static int has_code(yf_diags *d, const char *code)
{
    for (size_t i = 0; i < yf_diags_count(d); i++)
        if (strcmp(yf_diags_code(d, i), code) == 0)
            return 1;
    return 0;
}
int main(int argc, char **argv)
{
    char roles[4096], fonts[4096], tpl[4096];
    snprintf(roles, sizeof roles, "%s/fonts/yinfa-roles.conf", argv[1]);
    snprintf(fonts, sizeof fonts, "%s/tests/fonts.conf", argv[1]);
    snprintf(tpl, sizeof tpl, "%s/templates/letter/template.xml", argv[1]);
    yf_diags *d = yf_diags_new();
    yf_context *ctx = yf_context_new(roles, fonts, d);
    yf_template *t = yf_template_load(ctx, tpl, d);
    yf_document *doc = yf_document_bind(t, NULL, YF_BIND_DRAFT, d);
    yf_layout *l = yf_layout_new(ctx, doc, d);
    if (!l)
        return 3;
    int bad = 0;
    for (int i = 2; i + 1 < argc; i++) {
        const char *p = argv[i];
        yf_diags *e = yf_diags_new();
        int rc[5];
        rc[0] = yf_layout_write_pdf(l, p, e);
        rc[1] = yf_layout_write_ofd(l, p, e);
        rc[2] = yf_layout_write_png(l, 1, 24, p, e);
        rc[3] = yf_document_write_docx(doc, l, p, e);
        yf_pdf *pdf = yf_pdf_open(p, e);
        rc[4] = pdf ? 0 : -1;
        if (pdf)
            yf_pdf_abort(pdf);
        for (int k = 0; k < 5; k++)
            if (rc[k] != -1) {
                printf("FAIL writer %d wrote %s\n", k, p);
                bad = 1;
            }
        if (yf_diags_errors(e) != 5 || !has_code(e, "output.write") ||
            !strstr(yf_diags_message(e, 0), p)) {
            printf("FAIL %s: %zu errors\n", p, yf_diags_errors(e));
            bad = 1;
        }
        yf_diags_free(e);
    }
    /* A merged PDF with nothing in it: an error, and no file. */
    const char *empty = argv[argc - 1];
    yf_diags *e = yf_diags_new();
    yf_pdf *pdf = yf_pdf_open(empty, e);
    int rc = pdf ? yf_pdf_close(pdf, "t", "a", e) : 0;
    FILE *f = fopen(empty, "rb");
    if (rc != -1 || !has_code(e, "output.empty") || f) {
        printf("FAIL empty merged PDF: rc %d, file %s\n", rc, f ? "written" : "absent");
        bad = 1;
    }
    if (f)
        fclose(f);
    yf_diags_free(e);
    printf("%s\n", bad ? "FAILED" : "ALL OK");
    yf_layout_free(l);
    yf_document_free(doc);
    yf_template_free(t);
    yf_context_free(ctx);
    yf_diags_free(d);
    return bad;
}
"""


def build_program(yinfa, source, out_dir):
    """`source` linked against libyinfa.a beside `yinfa`, with the Makefile's packages (under a
    sanitizer build, with its flags)."""
    makefile = open(os.path.join(ROOT, "Makefile")).read()
    pkgs = re.search(r"^PKGS\s*:=\s*(.*)$", makefile, re.M).group(1).split()
    extra = re.search(r"^PKG_LIBS\s*=.*\)(.*)$", makefile, re.M).group(1).split()
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", *pkgs], capture_output=True,
                           text=True, check=True).stdout.split()
    lib = os.path.join(os.path.dirname(yinfa), "libyinfa.a")
    src, exe = os.path.join(out_dir, "prog.c"), os.path.join(out_dir, "prog")
    open(src, "w").write(source)
    subprocess.run(["cc", "-std=gnu11", "-g", "-Wall", "-Werror", "-I" + os.path.join(ROOT, "include"),
                    src, lib, *os.environ.get("YINFA_SAN_FLAGS", "").split(), *flags, *extra,
                    "-pthread", "-o", exe], check=True)
    return exe


def test_library_refuses_special_targets(yinfa):
    """yf_layout_write_pdf / _ofd / _png, yf_document_write_docx and yf_pdf_open refuse a path
    that is a device, FIFO, socket, directory or symbolic link (output.write, the path named) and
    leave it as it was; yf_pdf_close of a PDF with no page is output.empty and writes nothing."""
    with tempfile.TemporaryDirectory() as tmp:
        exe = build_program(yinfa, LIBRARY_PROGRAM, tmp)
        out = os.path.join(tmp, "out")
        os.mkdir(out)
        made, target = specials(out, ".pdf")
        empty = os.path.join(out, "empty.pdf")
        p = subprocess.run([exe, ROOT, *made, empty], capture_output=True, text=True, timeout=300)
        assert p.returncode == 0 and "ALL OK" in p.stdout, p.stdout[-3000:] + p.stderr[-3000:]
        for path, was in made.items():
            assert kind(path) == was, (path, kind(path), was)
        assert open(target).read() == "kept"
        assert not [f for f in os.listdir(out) if ".tmp-" in f], os.listdir(out)
        assert not os.path.exists(empty)


def copy_templates(tmp):
    t = os.path.join(tmp, "t")
    shutil.copytree(os.path.join(ROOT, "templates"), t)
    return t


def digests(*paths):
    return [open(p, "rb").read() for p in paths]


def test_no_output_names_a_file_the_run_read(yinfa):
    """render -o / --dump naming the base template, an included part, the template, the data, the
    --fonts-conf file or an image drawn (any spelling: a link, ../) is refused; every input is
    unchanged."""
    with tempfile.TemporaryDirectory() as tmp:
        t = copy_templates(tmp)
        conf = os.path.join(tmp, "fonts.conf")
        shutil.copy(os.path.join(ROOT, "tests", "fonts.conf"), conf)
        data = os.path.join(tmp, "data.json")
        shutil.copy(os.path.join(t, "notice", "data.json"), data)
        base = os.path.join(t, "common", "gbt9704.xml")
        includes = re.findall(r'<include src="([^"]+)"',
                              open(os.path.join(t, "notice", "template.xml"), encoding="utf-8").read())
        assert includes, "the notice includes parts"
        part = os.path.normpath(os.path.join(t, "notice", includes[0]))
        os.symlink(part, os.path.join(tmp, "part-link.xml"))
        inputs = [base, part, conf, data, os.path.join(t, "notice", "template.xml")]
        before = digests(*inputs)
        for dump in (base, os.path.join(t, "notice", "..", "common", "gbt9704.xml"), part,
                     os.path.join(tmp, "part-link.xml"), conf, data):
            p = run(yinfa, "render", os.path.join(t, "notice"), data, "-o", os.path.join(tmp, "x.pdf"),
                    "--fonts-conf", conf, "--dump", dump, "-q")
            assert p.returncode in (1, 2) and "输入文件" in p.stderr and "不能覆盖" in p.stderr, \
                (dump, p.returncode, p.stderr)
            assert not os.path.exists(os.path.join(tmp, "x.pdf")), "all or nothing"
        # -o naming the base template through a .png name is impossible; a PNG page file naming an
        # included part is: a part called x-1.png.
        png_part = os.path.join(t, "common", "x-1.png")
        shutil.copy(part, png_part)
        tpl = os.path.join(t, "notice", "template.xml")
        text = open(tpl, encoding="utf-8").read().replace(includes[0], "../common/x-1.png", 1)
        open(tpl, "w", encoding="utf-8").write(text)
        part_before = digests(png_part)
        p = run(yinfa, "render", os.path.join(t, "notice"), data, "-o",
                os.path.join(t, "common", "x.png"), "--fonts-conf", conf, "-q")
        pages = [f for f in os.listdir(os.path.join(t, "common")) if f.startswith("x-")]
        assert p.returncode == 1 and "输入文件" in p.stderr, p.stderr
        assert digests(png_part) == part_before and pages == ["x-1.png"], pages
        assert digests(*inputs[:-1]) == before[:-1], "an input was overwritten"
        # An image the document draws: the letter's seal, named by its data.
        seal = os.path.join(t, "common", "seal.svg")
        seal_before = digests(seal)
        p = run(yinfa, "render", os.path.join(t, "letter"), os.path.join(t, "letter", "data.json"),
                "-o", os.path.join(tmp, "y.pdf"), "--dump", seal, "-q")
        assert p.returncode == 1 and "输入文件" in p.stderr, p.stderr
        assert digests(seal) == seal_before and not os.path.exists(os.path.join(tmp, "y.pdf"))


def test_batch_guards_the_template_files(yinfa):
    """batch: a record's file or the merged file naming a file the template includes is refused."""
    with tempfile.TemporaryDirectory() as tmp:
        part = os.path.join(tmp, "part.pdf")  # an included part, named like an output
        open(part, "w", encoding="utf-8").write(
            '<part><p>附注。</p></part>')
        tpl = os.path.join(tmp, "t.xml")
        text = open(BATCH_TEMPLATE, encoding="utf-8").read()
        text = re.sub(r"(</body>|</template>)", r'<include src="part.pdf"/>\1', text, count=1)
        open(tpl, "w", encoding="utf-8").write(text)
        data = os.path.join(tmp, "d.jsonl")
        open(data, "w", encoding="utf-8").write(
            json.dumps({"期号": 1, "单位": "part", "日期": "2026-11-02"}, ensure_ascii=False) + "\n")
        check = run(yinfa, "check", tpl)
        assert check.returncode == 0, "the test template does not load: " + check.stderr
        before = digests(part)
        p = run(yinfa, "batch", tpl, data, "--merge", part, "-q")
        assert p.returncode in (1, 2) and "输入文件" in p.stderr, p.stderr
        p = run(yinfa, "batch", tpl, data, "-o", tmp, "--name", "{单位}.pdf", "-q")
        assert p.returncode == 1 and "输入文件" in p.stderr, p.stderr
        assert digests(part) == before


def test_empty_merge_writes_nothing(yinfa):
    """batch --merge where no record renders: no merged file (not one blank page), said so."""
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "bad.jsonl")
        open(data, "w", encoding="utf-8").write('{"期号":"x"}\n{"期号":"y"}\n')
        merged = os.path.join(tmp, "all.pdf")
        p = run(yinfa, "batch", BATCH_TEMPLATE, data, "--merge", merged, "--jobs", "1", "-q")
        assert p.returncode == 1, p.stderr
        assert "没有一条记录生成成功" in p.stderr and merged in p.stderr, p.stderr
        assert sorted(os.listdir(tmp)) == ["bad.jsonl"], os.listdir(tmp)


def test_batch_name_refuses_invisible_characters(yinfa):
    """A value of the data with a bidi control or another invisible format character gives no
    file: the record is reported with the character; the other records are written."""
    bad = ["报告\u202efdp.exe", "甲\u2066乙", "丙\u200b丁", "戊\u200f", "己\u061c", "庚\ufeff",
           "辛\u2028"]
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "r.jsonl")
        recs = [{"期号": i + 1, "单位": u, "日期": "2026-11-02"} for i, u in enumerate(bad)]
        recs.append({"期号": 99, "单位": "正常单位", "日期": "2026-11-02"})
        with open(data, "w", encoding="utf-8") as f:
            for r in recs:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        out = os.path.join(tmp, "out")
        p = run(yinfa, "batch", BATCH_TEMPLATE, data, "-o", out, "--name", "{单位}.pdf", "--jobs", "1",
                "-q")
        assert p.returncode == 1, p.stderr
        assert os.listdir(out) == ["正常单位.pdf"], [ascii(n) for n in os.listdir(out)]
        assert "U+202E" in p.stderr and "第 1 条记录" in p.stderr, p.stderr
        assert p.stderr.count("不可见的控制或格式字符") == len(bad), p.stderr
        # In the pattern itself: a usage error.
        p = run(yinfa, "batch", BATCH_TEMPLATE, data, "-o", out, "--name", "{#}\u202e.pdf", "-q")
        assert p.returncode == 2 and "不可见" in p.stderr, p.stderr


def created(pdf):
    info = subprocess.run(["pdfinfo", "-isodates", pdf], capture_output=True, text=True,
                          check=True).stdout
    return re.search(r"^CreationDate:\s+(\S+)", info, re.M).group(1)


def test_source_date_epoch_is_checked(yinfa):
    """SOURCE_DATE_EPOCH that is not a decimal number of seconds from 0 to 253402300799 (the end of
    9999) is an error naming the variable, for render (every format) and batch, and no file is
    written; the bounds themselves are dates; an empty value means unset."""
    with tempfile.TemporaryDirectory() as tmp:
        records = os.path.join(tmp, "r.jsonl")
        open(records, "w", encoding="utf-8").write('{"期号": 1, "单位": "甲", "日期": "2026-11-02"}\n')
        for value in ("abc", "-1", "+5", " 5", "1e9", "99999999999999", "253402300800",
                      "99999999999999999999999"):
            env = dict(os.environ, SOURCE_DATE_EPOCH=value)
            for ext in (".pdf", ".ofd"):
                out = os.path.join(tmp, "s" + ext)
                p = run(yinfa, "render", LETTER, LETTER_DATA, "-o", out, "-q", env=env)
                assert p.returncode == 1 and "SOURCE_DATE_EPOCH" in p.stderr, (value, p.stderr)
                assert not os.path.exists(out), value
            p = run(yinfa, "batch", BATCH_TEMPLATE, records, "-o", os.path.join(tmp, "b"), "-q",
                    env=env)
            assert p.returncode == 1 and "SOURCE_DATE_EPOCH" in p.stderr, (value, p.stderr)
            assert not os.path.exists(os.path.join(tmp, "b")), value
        out = os.path.join(tmp, "ok.pdf")
        p = run(yinfa, "render", LETTER, LETTER_DATA, "-o", out, "-q",
                env=dict(os.environ, SOURCE_DATE_EPOCH="253402300799"))
        assert p.returncode == 0 and created(out).startswith("9999-12-31T23:59:59"), p.stderr
        p = run(yinfa, "render", LETTER, LETTER_DATA, "-o", out, "-q",
                env=dict(os.environ, SOURCE_DATE_EPOCH="0"))
        assert p.returncode == 0 and created(out).startswith("1970-01-01T00:00:00"), p.stderr
        p = run(yinfa, "render", LETTER, LETTER_DATA, "-o", out, "-q",
                env=dict(os.environ, SOURCE_DATE_EPOCH=""))
        assert p.returncode == 0 and not created(out).startswith("1970"), p.stderr


def test_page_only_with_png(yinfa):
    """--page with a PDF, OFD or Word output is a usage error (it would be ignored); the usage line
    names every format."""
    with tempfile.TemporaryDirectory() as tmp:
        for ext in (".pdf", ".ofd", ".docx"):
            out = os.path.join(tmp, "x" + ext)
            p = run(yinfa, "render", LETTER, LETTER_DATA, "-o", out, "--page", "9", "-q")
            assert p.returncode == 2 and "--page" in p.stderr, (ext, p.stderr)
            assert not os.path.exists(out)
        p = run(yinfa, "render", LETTER, LETTER_DATA, "-o", os.path.join(tmp, "x.png"), "--page",
                "1", "-q")
        assert p.returncode == 0 and os.listdir(tmp) == ["x.png"], p.stderr
    p = run(yinfa, "render", "--help")
    usage = next(line for line in (p.stdout + p.stderr).splitlines() if "yinfa render" in line)
    for ext in (".pdf", ".png", ".ofd", ".docx"):
        assert ext in usage, usage

