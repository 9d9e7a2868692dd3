"""The page limit (yf_context_set_max_pages, 1000 by default) holds for the real pages, not only
for bind's estimate from the text (a lower bound, about half the pages of ordinary body text): a
speech whose estimate passes but which would take some 1440 pages is refused after pagination,
which stops at the 1001st page, with an error naming the limit; no file is written."""
import json
import os
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SANITIZED = bool(os.environ.get("YINFA_SANITIZED"))


def long_speech(path, parts):
    """The example speech with `parts` parts of long paragraphs."""
    with open(os.path.join(ROOT, "examples", "speech", "data.json"), encoding="utf-8") as f:
        d = json.load(f)
    para = d["部分"][0]["段落"][0]
    d["部分"] = [{"标题": f"第{i}部分", "段落": [para * 3] * 6,
                  "小节": [{"标题": "小节", "段落": [para * 2] * 3}]} for i in range(parts)]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(d, f, ensure_ascii=False)


def test_real_pages_over_the_default_limit(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        data, pdf = os.path.join(tmp, "huge.json"), os.path.join(tmp, "huge.pdf")
        long_speech(data, 480)
        # bind's estimate lets it through: the check reports no page limit.
        c = subprocess.run([yinfa, "text", "speech", data], capture_output=True, text=True,
                           cwd=ROOT, timeout=300)
        assert c.returncode == 0 and "页的上限" not in c.stderr, c.stderr[-2000:]
        start = time.monotonic()
        p = subprocess.run([yinfa, "render", "speech", data, "-o", pdf], capture_output=True,
                           text=True, cwd=ROOT, timeout=600)
        took = time.monotonic() - start
        assert p.returncode == 1, p.stderr[-2000:]
        assert "文档超过 1000 页的上限（排到第 1001 页仍未排完）" in p.stderr, p.stderr[-2000:]
        assert not os.path.exists(pdf)
        assert SANITIZED or took < 30, took


def test_a_document_under_the_limit_is_made(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        data, pdf = os.path.join(tmp, "long.json"), os.path.join(tmp, "long.pdf")
        long_speech(data, 12)
        p = subprocess.run([yinfa, "render", "speech", data, "-o", pdf], capture_output=True,
                           text=True, cwd=ROOT, timeout=300)
        assert p.returncode == 0, p.stderr[-2000:]
        info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True, check=True).stdout
        pages = int(info.split("Pages:")[1].split()[0])
        assert 30 < pages < 1000, pages
