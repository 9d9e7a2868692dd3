"""Preflight: a page that would be wrong is never written.

Every laid-out page is checked before anything is written (engine/preflight.c): no ink over ink
(but a floating image or a seal, laid over on purpose), nothing outside the 156 × 225 mm type area
(but the page number and half a rule's thickness), every line of running text on the line grid.
A violation is an error at the template line of the block at fault, naming the page, in `render`,
`check`, `batch` and `serve`; no file is written.

The templates of tests/preflight/ are wrong by construction, one a kind. annex-overprint/ and
seal-long-issuer/ are inputs from the field that used to come out silently wrong: whatever the
engine makes of them, it is never a wrong page (an error, or a PDF measured right).
"""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(ROOT, "tests", "preflight")
sys.path.insert(0, os.path.join(ROOT, "tests"))
import pdfmeasure as pm  # noqa: E402
from serving import Server  # noqa: E402
from test_serve import post_json  # noqa: E402

LEFT, RIGHT, TOP, BOTTOM = 28.0, 184.0, 37.0, 262.0  # the type area, mm


def run(yinfa, *args, cwd=None):
    return subprocess.run([yinfa, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def errors(stderr):
    return [l for l in stderr.splitlines() if ": error: " in l]


def render_case(yinfa, name, data=None):
    """(process, the output folder's files) of tests/preflight/NAME rendered into a fresh folder."""
    tmp = tempfile.mkdtemp(prefix="yinfa-preflight-")
    tpl = os.path.join("tests", "preflight", name, "template.xml")
    args = [tpl, os.path.join(HERE, name, data)] if data else [tpl, "--draft"]
    p = run(yinfa, "render", *args, "-o", os.path.join(tmp, "out.pdf"), "-q", cwd=ROOT)
    return p, os.listdir(tmp)


def expect_violation(yinfa, name, where, what, data=None):
    """`render` and `check` of case `name` both fail with an error at template position `where`
    ("10:7") whose message matches `what`; render writes nothing."""
    p, files = render_case(yinfa, name, data)
    prefix = f"tests/preflight/{name}/template.xml:{where}: error: "
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert files == [], files
    found = [l for l in errors(p.stderr) if l.startswith(prefix) and re.search(what, l)]
    assert found, f"no error {prefix}…{what} in:\n{p.stderr}"
    tpl = os.path.join("tests", "preflight", name, "template.xml")
    c = run(yinfa, "check", tpl, *([os.path.join(HERE, name, data)] if data else []), "-q",
            cwd=ROOT)
    assert c.returncode == 1 and errors(c.stderr) == errors(p.stderr), (c.stderr, p.stderr)
    return found


# ---- one test per kind of violation -----------------------------------------------------------

def test_overlap_of_a_row_s_parts(yinfa):
    """A <row> whose left and right parts are each wider than half the line: the right part is
    drawn over the left one."""
    found = expect_violation(yinfa, "overlap-top", "7:5",
                             r"第 1 页：「第二部分的文字放在右边也……」与「第一部分的文字放在左边而……」重叠")
    assert len(found) == 1, found


def test_outside_the_type_area_image(yinfa):
    """An image 297 mm tall: it goes to page 2 and runs far below the type area."""
    # pagination refuses a block taller than a page before preflight sees it; either error will do
    expect_violation(yinfa, "tall-image", "6:5",
                     r"第 2 页：图片「\.\./box\.svg」超出版心下边 \d+\.\d mm|<image>高 297 mm，超过版心的 225 mm|图片 box\.svg 为 100\.0 × 297\.0 mm，大于版心")


def test_outside_the_type_area_rules(yinfa):
    """Rules 10 mm apart pushed below the type area: each one below it is reported."""
    p, files = render_case(yinfa, "rules-below")
    assert p.returncode == 1 and files == [], p.stderr
    lines = [int(m.group(1)) for m in (re.search(r"template\.xml:(\d+):5: error: 第 1 页：分隔线超出版心下边", l)
                                       for l in errors(p.stderr)) if m]
    assert lines and lines == list(range(lines[0], 36)), p.stderr
    assert len(errors(p.stderr)) == len(lines), p.stderr


def test_outside_the_type_area_stack(yinfa):
    """A <stack> of thirty names, taller than a page."""
    expect_violation(yinfa, "tall-stack", "5:5",
                     r"第 1 页：「第1个机关.*」超出版心下边|<stack>高 \d+ mm，超过版心的 225 mm")


def test_off_grid(yinfa):
    """A paragraph inside a group at a fixed offset moves with it, off the line grid; the title
    the group places is off the grid on purpose and is not reported."""
    found = expect_violation(yinfa, "off-grid", "8:7",
                             r"第 1 页：「这一段正文随标题一起移动……」不在行格上（基线偏离 -?\d+\.\d\d mm")
    p, _ = render_case(yinfa, "off-grid")
    assert len(errors(p.stderr)) == 1, p.stderr


# ---- every entry point ------------------------------------------------------------------------

def test_batch_writes_no_wrong_page(yinfa):
    """batch: the record whose pages are wrong is reported with the same error, nothing written
    for it; the others are."""
    tmp = tempfile.mkdtemp(prefix="yinfa-preflight-")
    tpl = os.path.join(tmp, "template.xml")
    open(tpl, "w", encoding="utf-8").write(
        '<?xml version="1.0" encoding="UTF-8"?>\n<template version="1">\n'
        '  <slots><slot name="a" example="甲"/><slot name="b" example="乙"/></slots>\n'
        '  <body>\n'
        '    <row><left><v name="a"/></left><right><v name="b"/></right></row>\n'
        '  </body>\n</template>\n')
    data = os.path.join(tmp, "data.jsonl")
    long = "很长的机关名称" * 4
    with open(data, "w", encoding="utf-8") as f:
        for rec in ({"a": "甲", "b": "乙"}, {"a": long, "b": long}, {"a": "丙", "b": "丁"}):
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    out = os.path.join(tmp, "out")
    p = run(yinfa, "batch", tpl, data, "-o", out, "--jobs", "1", "--quiet")
    assert p.returncode == 1, p.stderr
    assert re.search(r"template\.xml:5:5: error: 第 1 页：「很长的机关名称.*」与「很长的机关名称.*」重叠",
                     p.stderr), p.stderr
    assert sorted(os.listdir(out)) == ["1.pdf", "3.pdf"], os.listdir(out)


def test_serve_answers_a_wrong_page_with_an_error(yinfa):
    """serve: no PDF and no preview of a wrong page, the error among the diagnostics."""
    tmp = tempfile.mkdtemp(prefix="yinfa-preflight-")
    os.makedirs(os.path.join(tmp, "overlap"))
    src = open(os.path.join(HERE, "overlap-top", "template.xml"), encoding="utf-8").read()
    open(os.path.join(tmp, "overlap", "template.xml"), "w", encoding="utf-8").write(src)
    with Server(yinfa, "--templates", tmp) as srv:
        for path in ("/api/templates/overlap/pdf", "/api/templates/overlap/preview?pages=1"):
            status, _, body = post_json(srv, path, {})
            assert 400 <= status < 500, (path, status, body[:200])
            answer = json.loads(body)
            text = json.dumps(answer, ensure_ascii=False)
            assert "第 1 页：" in text and "重叠" in text, text
        assert srv.alive()


# ---- inputs from the field: never silently wrong -----------------------------------------------

def overlapping_chars(page):
    """Pairs of characters on a page whose em boxes overlap by more than a third of an em both
    ways (text drawn over text)."""
    glyphs = sorted((g for line in page.lines for g in line.glyphs if g.text.strip()),
                    key=lambda g: g.em_top)
    pairs = []
    for i, a in enumerate(glyphs):
        for b in glyphs[i + 1:]:
            if b.em_top >= a.em_bottom:
                break
            dx = min(a.x1, b.x1) - max(a.x0, b.x0)
            dy = min(a.em_bottom, b.em_bottom) - max(a.em_top, b.em_top)
            if dx > min(a.em, b.em) / 3 and dy > min(a.em, b.em) / 3:
                pairs.append((a.text, b.text))
    return pairs


def test_annex_overprint_is_never_written_over_page_1(yinfa):
    """An attachment placed with <block position="top"> after the text: either an error naming
    the template line and page 1 and no file, or (once attachments have their own page) a PDF
    in which no text lies over other text."""
    p, files = render_case(yinfa, "annex-overprint", "data.json")
    if p.returncode != 0:
        assert files == [], files
        assert re.search(r"annex-overprint/template\.xml:22:7: error: 第 1 页：「附件」与.*重叠",
                         p.stderr), p.stderr
        return
    tmp = tempfile.mkdtemp(prefix="yinfa-preflight-")
    pdf = os.path.join(tmp, "out.pdf")
    run(yinfa, "render", os.path.join(HERE, "annex-overprint", "template.xml"),
        os.path.join(HERE, "annex-overprint", "data.json"), "-o", pdf, "-q")
    for page in pm.load(pdf):
        assert overlapping_chars(page) == [], (page.number, overlapping_chars(page)[:5])


def test_long_issuer_with_seal_is_never_past_the_edge(yinfa):
    """A 20-character issuer with a seal: either an error (it ran 12 mm past the right edge) or a
    PDF whose signature lies inside the type area."""
    p, files = render_case(yinfa, "seal-long-issuer", "data-long.json")
    if p.returncode != 0:
        assert files == [], files
        assert re.search(r"seal-long-issuer/template\.xml:10:5: error: 第 1 页：.*超出版心右边 1\d\.\d mm",
                         p.stderr), p.stderr
        return
    tmp = tempfile.mkdtemp(prefix="yinfa-preflight-")
    pdf = os.path.join(tmp, "out.pdf")
    run(yinfa, "render", os.path.join(HERE, "seal-long-issuer", "template.xml"),
        os.path.join(HERE, "seal-long-issuer", "data-long.json"), "-o", pdf, "-q")
    for page in pm.load(pdf):
        for line in page.lines:
            assert LEFT - 0.3 <= line.x0 and line.x1 <= RIGHT + 0.3, (line.text, line.x0, line.x1)


# ---- what must pass ----------------------------------------------------------------------------

def test_every_sample_and_case_passes(yinfa):
    """Every template type with its sample data and as a draft, and every ok- case, renders
    without a violation (the 版记's last rule on the bottom edge, the masthead, seals over
    signatures, tables over two pages included)."""
    runs = []
    for folder in sorted(glob.glob(os.path.join(ROOT, "templates", "*", "template.xml"))):
        folder = os.path.dirname(folder)
        data = os.path.join(folder, "data.json")
        if os.path.exists(data):
            runs.append((folder, [data]))
        runs.append((folder, ["--draft"]))
    for case in sorted(glob.glob(os.path.join(ROOT, "tests", "cases", "ok-*"))):
        data = os.path.join(case, "data.json")
        runs.append((os.path.join(case, "template.xml"), [data] if os.path.exists(data) else ["--draft"]))
    assert len(runs) >= 10, runs
    with tempfile.TemporaryDirectory(prefix="yinfa-preflight-") as tmp:
        for i, (tpl, args) in enumerate(runs):
            pdf = os.path.join(tmp, f"{i}.pdf")
            p = run(yinfa, "render", tpl, *args, "-o", pdf, "-q")
            assert p.returncode == 0 and os.path.exists(pdf), (tpl, args, p.stderr)


def test_overlays_on_purpose_pass(yinfa):
    """A floating image over the text and a seal over its signature are laid over on purpose."""
    tmp = tempfile.mkdtemp(prefix="yinfa-preflight-")
    open(os.path.join(tmp, "box.svg"), "w").write(open(os.path.join(HERE, "box.svg")).read())
    open(os.path.join(tmp, "template.xml"), "w", encoding="utf-8").write(
        '<template version="1"><body>'
        '<p>图片浮在这一段文字上面。</p><image src="box.svg" width="60mm" height="30mm" float="yes"/>'
        '<p>这一段文字在图片下面，照样排在行格上。</p>'
        '<signature><issuer>某某市总工会</issuer><date>2026年1月5日</date>'
        '<image src="box.svg" width="42mm" height="42mm"/></signature>'
        '</body></template>')
    p = run(yinfa, "render", "template.xml", "--draft", "-o", "out.pdf", "-q", cwd=tmp)
    assert p.returncode == 0 and os.path.exists(os.path.join(tmp, "out.pdf")), p.stderr


def test_seal_over_other_text(yinfa):
    """A seal lies over its own signature on purpose; over the text after it only where its ink
    is: a 60 mm seal's ring crosses the line after the date, the 42 mm one clears it."""
    expect_violation(yinfa, "seal-over-text", "11:5",
                     r"第 1 页：「（联系人：李四，电话：0……」与印章"
                     r"（tests/preflight/seal-over-text/template\.xml:6:5）重叠")
    p, files = render_case(yinfa, "seal-above-note")
    assert p.returncode == 0 and files == ["out.pdf"], p.stderr
