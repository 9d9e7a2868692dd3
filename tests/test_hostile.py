"""Hostile templates and data: every entry of tests/hostile/ — and the inputs generated here, too
big to keep in the repository — ends in a clear `error:` line and exit status 1, within 2 s and
200 MB, with no output file left behind and every input as it was. Then the environment: broken
font configurations, a full disk, a read-only folder, outputs that would overwrite inputs.

tests/hostile/: a .xml file is a template (rendered as a draft), a .json file data for
fuzz/data-template.xml (every value valid but the hostile one, so only that one can fail), a
folder a template folder with its data.json, anything else both a template and data. EXPECTED
names, for each entry, the words of the check that must catch it: a new entry needs a line."""
import hashlib
import json
import os
import resource
import signal
import struct
import subprocess
import tempfile
import threading
import time
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOSTILE = os.path.join(ROOT, "tests", "hostile")
DATA_TEMPLATE = os.path.join(ROOT, "fuzz", "data-template.xml")
GOOD_DATA = os.path.join(ROOT, "tests", "fuzz-corpus", "data", "all-types.json")
# Under `make asan` the program runs up to twenty times slower (every allocation records its
# whole stack, for the leak suppressions) and its memory is mostly shadow.
SANITIZED = bool(os.environ.get("YINFA_SANITIZED"))
SECONDS = 2.0 * (20 if SANITIZED else 1)
MEGABYTES = 200

EXPECTED = {
    "billion-laughs.xml": "不允许 DOCTYPE 声明",
    "billion-laughs-utf16.xml": "第 0 字节处不是有效的 UTF-8 编码",
    "xxe-local-file.xml": "不允许 DOCTYPE 声明",
    "xxe-encoding-declared.xml": "不允许 DOCTYPE 声明",
    "xinclude.xml": "<xi:include> 不是模板元素",
    "undefined-entity.xml": "Entity 'secret' not defined",
    "deep-nesting.xml": "元素嵌套超过 64 层",
    "deep-condition.xml": "嵌套过深（超过 32 层）",
    "long-condition.xml": "条件过长（超过 256 项）",
    "invalid-utf8.xml": "第 76 字节处不是有效的 UTF-8 编码",
    "nul-byte.xml": "第 71 字节处不是有效的 UTF-8 编码",
    "truncated.xml": "XML 格式错误",
    "empty.xml": "模板文件为空",
    "garbage.bin": "第 0 字节处不是有效的 UTF-8 编码",
    "include-escape.xml": "引用超出了模板所在的模板目录",
    "include-absolute.xml": "只能引用模板目录内的相对路径",
    "include-cycle": "引用嵌套超过 8 层",
    "include-bomb": "模板与它引用的文件合计超过 1048576 字节的上限",
    "loop-100000-pages": "文档超过 1000 页的上限",
    "nested-loops": "求值工作量超过上限",
    "paragraph-1mb": "段落过长（超过 32768 字节的上限）",
    "integer-overflow.json": "的数 99999999999999999999 超出范围",
    "integer-underflow.json": "的数 -9223372036854775809 超出范围",
    "float-overflow.json": "的数 1e400 超出范围",
    "number-out-of-range.json": "$.数: 1e+300 超出范围",
    "money-overflow.json": "$.金额: 应为金额（元，最多两位小数，小于 10 万亿）",
    "date-wrap.json": "$.日期: 应为日期",
    "control-character.json": "有控制字符 U+0001",
    "escaped-nul.json": "有控制字符 U+0000",
    "lone-surrogate.json": "\\ud800 是不成对的代理项",
    "bad-unicode-escape.json": "\\u 后应是四位十六进制数字",
    "invalid-utf8.json": "第 40 字节处不是有效的 UTF-8 编码",
    "deep-nesting.json": "嵌套超过 64 层",
    "truncated.json": "JSON 格式错误",
    "empty.json": "数据的最外层应为 JSON 对象",
    "not-an-object.json": "数据的最外层应为 JSON 对象",
}


def digest(*paths):
    """One hash over every file below `paths`: inputs must come out of a run as they went in."""
    h = hashlib.sha256()
    for top in paths:
        files = [top] if os.path.isfile(top) else sorted(
            os.path.join(folder, name) for folder, _, names in os.walk(top) for name in names)
        for path in files:
            h.update(path.encode() + b"\0" + open(path, "rb").read())
    return h.hexdigest()


def run_limited(args, cwd, env=None, preexec=None):
    """(exit status, stderr, seconds, peak RSS in MB) of one run. The seconds are the CPU time the
    run took (user + system, from wait4): the work an input costs, not how busy the machine is.
    A run that outlives ten times the limit on the clock is killed; the address space is capped far above the limit, so that a runaway
    fails instead of taking the machine with it."""
    def limits():
        if not SANITIZED:
            resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
        if preexec:
            preexec()
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err,
                             preexec_fn=limits)
        timer = threading.Timer(10 * SECONDS, p.kill)
        timer.start()
        # wait4, not wait: the child's own peak RSS comes with its exit status.
        _, status, usage = os.wait4(p.pid, 0)
        timer.cancel()
        seconds = usage.ru_utime + usage.ru_stime
        p.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        return p.returncode, err.read().decode("utf-8", "replace"), seconds, usage.ru_maxrss / 1024


def check(yinfa, label, args, expect, env=None, preexec=None, status=1):
    """Runs `yinfa ARGS -o OUT.pdf --dump OUT.txt` in an empty folder and asserts the contract."""
    with tempfile.TemporaryDirectory() as tmp:
        out = ["-o", os.path.join(tmp, "out.pdf"), "--dump", os.path.join(tmp, "out.txt")]
        code, err, seconds, mb = run_limited([yinfa, *args, *out], tmp, env, preexec)
        assert code == status, f"{label}: exit {code}, expected {status}; stderr:\n{err[-2000:]}"
        assert "error: " in err and expect in err, f"{label}: no error line saying “{expect}”:\n{err[-2000:]}"
        assert "Sanitizer" not in err and "runtime error" not in err, f"{label}:\n{err[-3000:]}"
        assert seconds < SECONDS, f"{label}: took {seconds:.2f} s (limit {SECONDS} s)"
        assert SANITIZED or mb < MEGABYTES, f"{label}: peak RSS {mb:.0f} MB (limit {MEGABYTES} MB)"
        assert os.listdir(tmp) == [], f"{label}: left {os.listdir(tmp)}"
    return err


def render_args(path):
    """The ways to run one entry of tests/hostile/."""
    if os.path.isdir(path):
        data = os.path.join(path, "data.json")
        return [["render", path, data] if os.path.exists(data) else ["render", path, "--draft"]]
    if path.endswith(".xml"):
        return [["render", path, "--draft"]]
    if path.endswith(".json"):
        return [["render", DATA_TEMPLATE, path]]
    return [["render", path, "--draft"], ["render", DATA_TEMPLATE, path]]


def test_every_hostile_entry(yinfa):
    entries = sorted(os.listdir(HOSTILE))
    assert entries == sorted(EXPECTED), (
        f"tests/hostile and EXPECTED differ: {sorted(set(entries) ^ set(EXPECTED))}")
    before = digest(HOSTILE, DATA_TEMPLATE)
    for name in entries:
        for args in render_args(os.path.join(HOSTILE, name)):
            check(yinfa, name, args, EXPECTED[name])
    assert digest(HOSTILE, DATA_TEMPLATE) == before, "an input file was modified"


def test_the_data_template_accepts_the_good_data(yinfa):
    # The .json entries differ from this file in one value each: it must render, or they would
    # fail for another reason than theirs.
    with tempfile.TemporaryDirectory() as tmp:
        p = subprocess.run([yinfa, "render", DATA_TEMPLATE, GOOD_DATA, "-o", os.path.join(tmp, "x.pdf"),
                            "-q"], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr


def test_generated_inputs(yinfa):
    """Inputs too big for the repository, written for the test."""
    with tempfile.TemporaryDirectory() as src:
        def write(name, data):
            path = os.path.join(src, name)
            open(path, "wb").write(data)
            return path
        big = write("big.json", b'{"\xe6\x96\x87\xe6\x9c\xac": "' + b"x" * (50 << 20) + b'"}')
        check(yinfa, "50 MB data", ["render", DATA_TEMPLATE, big], "数据文件过大")
        check(yinfa, "/dev/zero as data", ["render", DATA_TEMPLATE, "/dev/zero"], "不是普通文件")
        fifo = os.path.join(src, "pipe.json")
        os.mkfifo(fifo)
        check(yinfa, "a FIFO with no writer as data", ["render", DATA_TEMPLATE, fifo], "不是普通文件")
        many = write("many.json", b'{"l": [' + b"0," * 600000 + b"0]}")
        check(yinfa, "600 000 values", ["render", DATA_TEMPLATE, many], "数据项超过 500000 个")
        head = b'<?xml version="1.0" encoding="UTF-8"?>\n<template version="1"><body>\n'
        large = write("large.xml", head + "<p>一段正文。</p>\n".encode() * 70000 + b"</body></template>\n")
        check(yinfa, "1.6 MB template", ["render", large, "--draft"], "模板与它引用的文件合计超过")
        wide = write("wide.xml", head + b"<p>" + b"x<br/>" * 25000 + b"</p></body></template>\n")
        check(yinfa, "25 000 elements", ["render", wide, "--draft"], "元素超过 20000 个")
        # A 380 KB PNG of 20 000 × 20 000 pixels would decode to 1.6 GB for a 20 mm seal.
        side = 20000
        z = zlib.compressobj(9)
        pixels = b"".join(z.compress(b"\0" * (side + 1)) for _ in range(side)) + z.flush()
        ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
        write("seal.png", b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", pixels)
              + png_chunk(b"IEND", b""))
        seal = write("seal.xml", b'<template version="1"><body><image src="seal.png" width="20mm" '
                                 b'height="20mm"/></body></template>\n')
        check(yinfa, "PNG bomb", ["render", seal, "--draft"], "20000 × 20000 像素")
        ihdr = struct.pack(">IIBBBBB", 10, 10, 8, 0, 0, 0, 0)
        write("seal.png", b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", bytes(range(256)))
              + png_chunk(b"IEND", b""))
        check(yinfa, "broken PNG", ["render", seal, "--draft"], "无法读取")


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_template_names_with_path_separators(yinfa):
    for name in ("../speech", "speech/../../speech", "templates/../speech", ".", "/", ".speech"):
        check(yinfa, name, ["render", name, "--draft"], "找不到模板")
    # A path to a file outside the templates is a template file like any other: it must parse.
    err = check(yinfa, "/etc/passwd", ["render", "/etc/passwd", "--draft"], "XML 格式错误")
    assert "root:" not in err, err


def test_include_through_a_symbolic_link_stays_inside(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        outside = os.path.join(tmp, "outside.xml")
        open(outside, "w").write("<part><p>机密</p></part>\n")
        tpl = os.path.join(tmp, "collection", "t", "template.xml")
        os.makedirs(os.path.join(os.path.dirname(tpl), "parts"))
        open(tpl, "w").write('<template version="1"><body><include src="parts/p.xml"/></body></template>\n')
        link = os.path.join(os.path.dirname(tpl), "parts", "p.xml")
        os.symlink(outside, link)
        check(yinfa, "symlink", ["render", tpl, "--draft"], "引用超出了模板所在的模板目录")
        # The same part inside the collection is fine: the link is what is refused.
        os.unlink(link)
        os.rename(outside, link)
        p = subprocess.run([yinfa, "text", tpl], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0 and "机密" in p.stdout, p.stderr


def test_broken_font_configurations(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        empty = os.path.join(tmp, "no-fonts.conf")
        open(empty, "w").write(f'<?xml version="1.0"?>\n<fontconfig><dir>{tmp}/none</dir>'
                               f'<cachedir>{tmp}/cache</cachedir></fontconfig>\n')
        garbage = os.path.join(tmp, "garbage.conf")
        open(garbage, "wb").write(bytes(range(256)) * 8)
        cases = [(empty, "没有可用的中文字体"), (garbage, "字体配置文件无法解析"),
                 (tmp, "字体配置文件不是普通文件"), (os.path.join(tmp, "missing.conf"), "字体配置文件不存在")]
        for conf, expect in cases:
            env = dict(os.environ, YINFA_FONTS_CONF=conf)
            check(yinfa, conf, ["render", "union-speech", "--draft"], expect, env=env)


def test_full_disk(yinfa):
    # A file size limit makes the disk "full" for this process alone; SIGXFSZ is ignored so the
    # write fails with an error instead of killing the program.
    def small_files():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (16384, 16384))
    check(yinfa, "file size limit", ["render", "union-speech", "--draft"], "写入失败", preexec=small_files)
    # A real full file system too, where this machine lets us mount one: the dump fits, the PDF
    # does not, and the dump must go as well; so must the PNG pages written before the full one.
    with tempfile.TemporaryDirectory() as tmp:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", tmp],
                          capture_output=True).returncode != 0:
            return
        try:
            for out, expect in ((["-o", "x.pdf", "--dump", "x.txt"], "x.pdf: error: 写入失败"),
                                (["-o", "x.png", "--dpi", "30"], "error: 写入失败")):
                p = subprocess.run([yinfa, "render", "union-speech", "--draft", *out, "-q"], cwd=tmp,
                                   capture_output=True, text=True, timeout=60)
                assert p.returncode == 1 and expect in p.stderr, p.stderr
                assert os.listdir(tmp) == [], os.listdir(tmp)
        finally:
            subprocess.run(["umount", tmp])


def test_unwritable_output_folder(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "ro")
        os.mkdir(folder)
        # root writes through permissions: a read-only mount where we may, else the permissions.
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", folder],
                                 capture_output=True).returncode == 0
        if not mounted:
            os.chmod(folder, 0o555)
        try:
            for out in ("x.pdf", "x.png"):
                p = subprocess.run([yinfa, "render", "union-speech", "--draft", "-o", os.path.join(folder, out),
                                    "--dump", os.path.join(folder, "x.txt"), "-q"],
                                   capture_output=True, text=True, timeout=60)
                assert p.returncode == 1 and "无法创建输出文件" in p.stderr, p.stderr
                assert os.listdir(folder) == [], os.listdir(folder)
        finally:
            if mounted:
                subprocess.run(["umount", folder])


def test_outputs_never_overwrite_inputs(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        tpl = os.path.join(tmp, "template.xml")
        data = os.path.join(tmp, "data.pdf")  # data may have any name, even that of an output
        open(tpl, "wb").write(open(DATA_TEMPLATE, "rb").read())
        open(data, "wb").write(open(GOOD_DATA, "rb").read())
        before = digest(tpl, data)
        for out in (["--dump", tpl], ["--dump", data], ["-o", data], ["-o", "x.pdf", "--dump", "./template.xml"]):
            p = subprocess.run([yinfa, "render", tpl, data, *out], cwd=tmp, capture_output=True, text=True,
                               timeout=60)
            assert p.returncode == 2 and "就是输入文件，不能覆盖" in p.stderr, (out, p.stderr)
        assert digest(tpl, data) == before
        assert sorted(os.listdir(tmp)) == ["data.pdf", "template.xml"]
        p = subprocess.run([yinfa, "render", tpl, data, "-o", "x.pdf", "-q"], cwd=tmp, capture_output=True,
                           text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        assert digest(tpl, data) == before


def test_long_word_is_broken_quickly(yinfa):
    # A URL-like word of 30 000 characters without a break opportunity, just under the paragraph
    # limit: the composer must break it inside, in every line, and finish in bounded time.
    with tempfile.TemporaryDirectory() as tmp:
        tpl = os.path.join(tmp, "template.xml")
        open(tpl, "w").write('<template version="1"><body><p>http://' + "a" * 30000 + "</p></body></template>\n")
        start = time.monotonic()
        p = subprocess.run([yinfa, "render", tpl, "--draft", "-o", os.path.join(tmp, "x.pdf"), "--dump", "-"],
                           capture_output=True, text=True, timeout=120)
        seconds = time.monotonic() - start
        assert p.returncode == 0, p.stderr
        assert seconds < 3 * SECONDS, f"{seconds:.1f} s"
        lines = [l for l in p.stdout.splitlines() if "|a" in l]
        assert len(lines) > 500 and "OVERFULL" not in p.stdout, p.stdout[:2000]


def test_messages_are_capped(yinfa):
    # 1 500 articles each missing two required values: 3 000 errors. The first 1 000 are listed,
    # then one line counts the rest — still an error line, still exit 1.
    with tempfile.TemporaryDirectory() as src:
        data = json.load(open(GOOD_DATA, encoding="utf-8"))
        data["文章"] = [{"户数": 1}] * 1500
        path = os.path.join(src, "d.json")
        json.dump(data, open(path, "w", encoding="utf-8"), ensure_ascii=False)
        err = check(yinfa, "3 000 errors", ["render", DATA_TEMPLATE, path], "条信息未列出")
        lines = err.splitlines()
        # The five font-role warnings count among the 1 000.
        assert len(lines) == 1001 and lines[-1] == "error: 另有 2005 条信息未列出", lines[-3:]


def test_devices_refused_by_batch_and_extract(yinfa):
    """batch and extract read their input with the same bound: a device is refused at once."""
    with tempfile.TemporaryDirectory() as tmp:
        for label, args in (("batch", ["batch", DATA_TEMPLATE, "/dev/zero", "-o", os.path.join(tmp, "o")]),
                            ("extract", ["extract", "/dev/zero", "--name", "zero", "--out", os.path.join(tmp, "z")])):
            code, err, seconds, mb = run_limited([yinfa, *args], tmp, None, None)
            assert code == 1 and "不是普通文件" in err, f"{label}: exit {code}: {err[-500:]}"
            assert seconds < SECONDS and (SANITIZED or mb < MEGABYTES), f"{label}: {seconds:.1f} s, {mb:.0f} MB"
