"""yinfa extract against inputs made to hurt it: texts of 4 MiB of wrapped lines, of page numbers
between lines, of a hundred thousand alike facts; a .docx whose document.xml claims to be huge,
one nested deeply, one that is no zip. Each ends within a few seconds, with a template or an
`error`-free refusal naming the problem, and leaves no half-made folder."""
import os
import subprocess
import tempfile
import time
import zipfile
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import test_extract_text as te

LIMIT = 20.0  # seconds, for the sanitized build too (the normal one takes well under 2)
# The sanitized build pays for every allocation with a stack walk: it gets texts an eighth as long,
# which it may then take (the normal build shows that time grows linearly with the text).
SCALE = 8 if os.environ.get("YINFA_SANITIZED") else 1


def refused_as_too_long(p, out):
    """Refused as too long for a template, or — at the sanitizer build's smaller sizes, where the
    template fits — written only when its draft lays out, else refused for the paragraph's length
    (the engine's 32 KiB a paragraph), with nothing left behind either way."""
    if SCALE > 1 and p.returncode == 0:
        return
    assert p.returncode == 1, p.stderr[-500:]
    assert "原文过长" in p.stderr or ("排不出合格的版面" in p.stderr and "段落过长" in p.stderr), \
        p.stderr[-500:]
    assert not os.path.exists(out)


def run_extract(yinfa, source, tmp, name):
    out = os.path.join(tmp, name)
    start = time.monotonic()
    p = subprocess.run([yinfa, "extract", source, "--name", name, "-o", out, "-q"], capture_output=True,
                       text=True, timeout=120, env=te.environment(tmp))
    took = time.monotonic() - start
    assert took < LIMIT, (name, f"{took:.1f} s")
    return p, out


def test_long_texts_take_linear_time(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        # 4 MiB less a little: one paragraph wrapped at 30 characters, lines ending in commas
        line = "全市各级工会认真贯彻落实党的二十大精神，大力推进建设，\n"
        path = os.path.join(tmp, "wrapped.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("标题\n" + line * (4_000_000 // SCALE // len(line.encode())))
        p, out = run_extract(yinfa, path, tmp, "wrapped")
        # one paragraph of 4 MB is more than a template may hold: refused, nothing left behind
        refused_as_too_long(p, out)

        # page numbers between every line
        path = os.path.join(tmp, "pages.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("标题\n" + "正文一行。\n— 1 —\n" * (150_000 // SCALE))
        p, out = run_extract(yinfa, path, tmp, "pages")
        refused_as_too_long(p, out)

        # a hundred thousand alike facts: names numbered without trying each number again
        path = os.path.join(tmp, "facts.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("标题\n" + "参会人员X人，" * (100_000 // SCALE) + "\n")
        p, out = run_extract(yinfa, path, tmp, "facts")
        refused_as_too_long(p, out)

        # a small one of the same kinds still works
        path = os.path.join(tmp, "small.txt")
        with open(path, "w", encoding="utf-8") as f:
            f.write("标题\n" + "参会人员X人，" * 50 + "\n")
        p, out = run_extract(yinfa, path, tmp, "small")
        assert p.returncode == 0, p.stderr
        xml = open(os.path.join(out, "template.xml"), encoding="utf-8").read()
        assert '<slot name="参会人数50"' in xml


def test_hostile_docx(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        # document.xml of 40 MiB of zeros: its size is refused before it is inflated
        bomb = os.path.join(tmp, "bomb.docx")
        with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("word/document.xml", b"\0" * (40 * 1024 * 1024))
        p, out = run_extract(yinfa, bomb, tmp, "bomb")
        assert p.returncode == 1 and "过大" in p.stderr, p.stderr
        assert not os.path.exists(out)

        # elements nested 100 000 deep: libxml2 refuses past its depth, the reader says so
        deep = os.path.join(tmp, "deep.docx")
        w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
        body = "<w:sdt><w:sdtContent>" * 100_000 + "</w:sdtContent></w:sdt>" * 100_000
        with zipfile.ZipFile(deep, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("word/document.xml", f'<w:document xmlns:w="{w}"><w:body>{body}</w:body></w:document>')
        p, out = run_extract(yinfa, deep, tmp, "deep")
        assert p.returncode == 1 and p.stderr, p.stderr
        assert not os.path.exists(out)

        # a .docx that is no zip, and a text that is neither UTF-8 nor GB18030
        junk = os.path.join(tmp, "junk.docx")
        open(junk, "wb").write(b"PK\x03\x04" + os.urandom(200))
        p, out = run_extract(yinfa, junk, tmp, "junk")
        assert p.returncode == 1 and "docx" in p.stderr, p.stderr
        bad = os.path.join(tmp, "bad.txt")
        open(bad, "wb").write("标题\n".encode() + b"\x80\xff\xfe\x81\n")
        p, out = run_extract(yinfa, bad, tmp, "bad")
        assert p.returncode == 1 and "编码" in p.stderr, p.stderr
        assert not os.path.exists(out)


def test_odd_small_texts(yinfa):
    """Texts that are only a fragment of a document still make a template that renders: a lone X,
    a date alone (a 落款 line: a signature needs an issuer), bare heading numbers, lone dashes, a
    byte order mark; an empty text is refused."""
    texts = {"x": "X", "date": "2026年1月12日\n", "numbers": "\ufeff一、\n（一）\n1.\n附件：\n抄送：\n印发\n",
             "dashes": "——\n——\n", "issuer": "宁波市总工会\n", "comrades": "同志们：\n今天开会。\n"}
    with tempfile.TemporaryDirectory() as tmp:
        env = te.environment(tmp)
        for name, text in texts.items():
            path = os.path.join(tmp, name + ".txt")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            p, out = run_extract(yinfa, path, tmp, name)
            assert p.returncode == 0, (name, p.stderr)
            pdf = os.path.join(tmp, name + ".pdf")
            p = te.run([yinfa, "render", out, "--draft", "-o", pdf, "-q"], env, tmp)
            assert p.returncode == 0, (name, p.stderr)
        empty = os.path.join(tmp, "empty.txt")
        open(empty, "w").write(" \n\t\n")
        p, out = run_extract(yinfa, empty, tmp, "empty")
        assert p.returncode == 1 and "没有文字" in p.stderr and not os.path.exists(out)
