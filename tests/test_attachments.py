"""Attachments, the 附件说明, page breaks and the 版记's page, measured in the PDF against GB/T 9704-2012:

- §7.3.7: each attachment starts a new page; "附件" and its number (附件1, 附件2; "附件" alone when
  there is only one) in 三号黑体 flush left on the first line of the type area, its title 二号小标宋
  centred on the third line, its text like the body; page numbers continue; numbers and titles agree
  with the 附件说明.
- §7.3.4: the 附件说明 one line below the text, two characters in, "附件：1.名称"; the wrapped lines of a
  name start under the name's first character.
- §7.4, §7.5: the 版记 on the last side, an even page (a blank page before it when the text fills an
  odd one); neither that blank page nor the 版记's page then carries a page number.
- a group placed at the top of the type area after text starts a new page instead of being drawn over
  the text.

Inputs are in tests/attachments/. Measures are in mm from the page's top-left corner (pdfminer, as in
tests/test_types.py).
"""
import json
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import pdfmeasure as pm  # noqa: E402
from test_types import (  # noqa: E402
    BLACK, CELL, CENTRE, LEFT, PITCH, TEMPLATES, TOP, WORK, full_width_rules, render, render_template, run, sample,
)

INPUTS = os.path.join(ROOT, "tests", "attachments")
NOTICE_DATA = os.path.join(TEMPLATES, "notice", "data.json")


def grid_baseline(line_number, size_pt):
    """The baseline of type of `size_pt` centred in grid line `line_number` (1-based)."""
    em = size_pt / pm.MM
    return TOP + (line_number - 1) * PITCH + (PITCH - em) / 2 + 0.88 * em


def numbers(pages):
    """The page number each page shows, or None."""
    return [next((pm.page_number(l) for l in p.lines if pm.page_number(l)), None) for p in pages]


def content(page):
    return [l for l in page.lines if pm.page_number(l) is None]


def end_block_page(rects):
    """The pages (1-based) carrying the 版记's three black full-width rules."""
    return [i + 1 for i, r in enumerate(rects) if [round(x.thickness, 2) for x in full_width_rules(r, BLACK)][-3:]
            in ([0.35, 0.25, 0.35],)]


def note_items(pages, names, numbered):
    """The lines of the 附件说明 of `names`, as (item, line, first) with `first` the item's first line,
    and for each item the x of its name's first glyph."""
    lines = [l for p in pages for l in content(p)]
    start = next(i for i, l in enumerate(lines) if l.text.startswith("附件："))
    prefixes = [("附件：" if i == 0 else "") + (f"{i + 1}." if numbered else "") for i in range(len(names))]
    spans, at = [], 0
    for prefix, name in zip(prefixes, names):
        spans.append((at, at + len(prefix), at + len(prefix) + len(name)))
        at = spans[-1][2]
    out, name_x, pos = [], {}, 0
    for line in lines[start:]:
        if pos >= at:
            break
        item = next(k for k, (s, _, e) in enumerate(spans) if s <= pos < e)
        s, name_start, _ = spans[item]
        first = pos == s
        if first:
            chars = 0
            for g in line.glyphs:
                if chars == name_start - s:
                    name_x[item] = g.x0
                    break
                chars += len(g.text)
        out.append((item, line, first))
        pos += len(line.text)
    full = "".join(p + n for p, n in zip(prefixes, names))
    assert "".join(l.text for _, l, _ in out) == full, [l.text for _, l, _ in out]
    return out, name_x


def test_notice_with_two_attachments(yinfa):
    """The sample notice: a text attachment and a table, a seal. Each attachment's first page has
    附件N on grid line 1 (黑体, the type area's left edge) and its title centred on grid line 3, after
    the page the text ended on; the 附件说明 names them in order with the same titles; page numbers
    run on; the 版记 is on the last page, an even one, under the table."""
    data = sample("notice")
    titles = [a["标题"] for a in data["附件"]]
    assert len(titles) == 2 and "表格" in data["附件"][1] and data.get("印章")
    pdf = render(yinfa, "notice", NOTICE_DATA)
    pages, rects = pm.load(pdf), pm.rects(pdf)
    heading = next(l for p in pages for l in p.lines if l.text == "一、总体要求")
    starts = []
    for n, title in enumerate(titles, 1):
        page = next(p for p in pages if content(p) and content(p)[0].text == f"附件{n}")
        starts.append(page.number)
        label, head = content(page)[0], content(page)[1]
        assert label.font == heading.font and abs(label.size - 16) <= 0.05, (label.font, label.size)
        assert abs(label.x0 - LEFT) <= 0.1, f"附件{n} starts {label.x0 - LEFT:.2f} mm right of the type area"
        assert abs(label.baseline - grid_baseline(1, 16)) <= 0.1, f"附件{n} not on the first line"
        assert head.text == title and abs(head.size - 22) <= 0.05, (head.text, head.size)
        assert abs(head.baseline - grid_baseline(3, 22)) <= 0.1, f"the title of 附件{n} not on the third line"
        assert abs((head.x0 + head.x1) / 2 - CENTRE) <= 0.3, f"the title of 附件{n} is not centred"
    signature = next(p.number for p in pages if any(l.text == "宁波市总工会" for l in p.lines))
    assert signature < starts[0] < starts[1], (signature, starts)
    assert len(rects[starts[1] - 1]) > 10, "no table on the second attachment's page"

    items, _ = note_items(pages, titles, numbered=True)
    assert [l.text for _, l, first in items if first] == [f"附件：1.{titles[0]}", f"2.{titles[1]}"]

    assert len(pages) % 2 == 0 and end_block_page(rects) == [len(pages)], (len(pages), end_block_page(rects))
    assert numbers(pages) == list(range(1, len(pages) + 1)), numbers(pages)


def test_one_attachment_is_just_fujian(yinfa):
    """One attachment: "附件" without a number on its page, "附件：名称" in the 附件说明."""
    data = sample("notice")
    data["附件"] = data["附件"][:1]
    pages = pm.load(render(yinfa, "notice", data))
    labels = [content(p)[0].text for p in pages if content(p) and content(p)[0].text.startswith("附件")]
    assert labels == ["附件"], labels
    items, _ = note_items(pages, [data["附件"][0]["标题"]], numbered=False)
    assert items[0][1].text == "附件：" + data["附件"][0]["标题"]


def test_annex_overprint(yinfa):
    """A group at the top of the type area after the text (the way an attachment had to be placed
    without a page break) starts a new page: no glyph is drawn over another."""
    tmp = tempfile.mkdtemp(dir=WORK.name)
    pdf = os.path.join(tmp, "out.pdf")
    p = run(yinfa, "render", os.path.join(INPUTS, "annex-overprint.xml"), os.path.join(INPUTS, "annex-overprint.json"),
            "-o", pdf)
    assert p.returncode == 0 and "重叠" not in p.stderr, p.stderr
    pages = pm.load(pdf)
    for page in pages:
        glyphs = [g for l in page.lines for g in l.glyphs]
        for i, a in enumerate(glyphs):
            for b in glyphs[i + 1:]:
                overlap = min(a.x1, b.x1) - max(a.x0, b.x0) > 0.5 and min(a.em_bottom, b.em_bottom) - max(
                    a.em_top, b.em_top) > 0.5
                assert not overlap, f"page {page.number}: «{a.text}» and «{b.text}» overprint"
    assert len(pages) == 2 and content(pages[1])[0].text == "附件", [l.text for l in content(pages[1])]
    assert any(l.text == "竞赛评分细则" for l in pages[1].lines)


def check_wrap(pages, names, numbered):
    items, name_x = note_items(pages, names, numbered)
    wrapped = [(k, l) for k, l, first in items if not first]
    assert wrapped, "no name wraps"
    for k, line in wrapped:
        assert abs(line.x0 - name_x[k]) <= 0.1, (
            f"«{line.text}» starts at {line.x0:.2f} mm, the name above at {name_x[k]:.2f} mm")
    first = items[0][1]
    assert abs(first.x0 - (LEFT + 2 * CELL)) <= 0.1, f"附件说明 starts {first.x0 - LEFT:.2f} mm in, not 2 characters"
    return items


def test_attachment_wrap_one(yinfa):
    """§7.3.4, one attachment: "附件：名称", the name's wrapped lines start under its first character."""
    data = json.load(open(os.path.join(INPUTS, "wrap-one.json"), encoding="utf-8"))
    pages = pm.load(render(yinfa, "notice", data))
    check_wrap(pages, [a["标题"] for a in data["附件"]], numbered=False)


def test_attachment_wrap_several(yinfa):
    """§7.3.4, several: "附件：1.名称", "2.名称" under "1.", each name's wrapped lines under its first
    character (after "1.", not one character further)."""
    data = json.load(open(os.path.join(INPUTS, "wrap-one.json"), encoding="utf-8"))
    long = data["附件"][0]["标题"]
    data["附件"] = [{"标题": long}, {"标题": "竞赛评分细则"}, {"标题": "江东市总工会关于2026年职工技能竞赛决赛评分细则及裁判员选聘办法（试行）"}]
    pages = pm.load(render(yinfa, "notice", data))
    items = check_wrap(pages, [a["标题"] for a in data["附件"]], numbered=True)
    firsts = [l for _, l, first in items if first]
    number_x = firsts[0].glyphs[3].x0  # "1." after "附件："
    for line in firsts[1:]:
        assert abs(line.x0 - number_x) <= 0.3, f"«{line.text}» starts at {line.x0:.2f} mm, «1.» at {number_x:.2f} mm"


def test_banji_even_page(yinfa):
    """The text fills page 2 to its foot: the 版记 goes to page 4, page 3 stays blank, and neither
    page 3 nor page 4 carries a page number (§7.5)."""
    pdf = render(yinfa, "notice", os.path.join(INPUTS, "banji-text-ends-page2.json"))
    pages, rects = pm.load(pdf), pm.rects(pdf)
    assert len(pages) == 4, len(pages)
    assert not pages[2].lines and not rects[2], "page 3 is not blank"
    assert end_block_page(rects) == [4], end_block_page(rects)
    assert numbers(pages) == [1, 2, None, None], numbers(pages)


def test_end_block_moves_to_the_even_page(yinfa):
    """The text ends on page 1 with room for the 版记: it still goes on page 2, the last side; no
    blank page comes before it, so both pages are numbered."""
    data = json.load(open(os.path.join(INPUTS, "banji-text-ends-page2.json"), encoding="utf-8"))
    data["部分"][0]["段落"] = data["部分"][0]["段落"][-1:]
    pdf = render(yinfa, "notice", data)
    pages, rects = pm.load(pdf), pm.rects(pdf)
    assert len(pages) == 2 and end_block_page(rects) == [2], (len(pages), end_block_page(rects))
    assert [l.text for l in content(pages[1])][0].startswith("抄送："), [l.text for l in content(pages[1])]
    assert numbers(pages) == [1, 2], numbers(pages)


END = '<end even-page="yes"><rule/><p>抄送：市委办公厅。</p><rule/></end>'


def test_single_sided_end_block_stays_on_the_last_page(yinfa):
    """<page duplex="no">: printed on one side, the end group stays at the foot of the last page,
    an odd one too; by default (both sides) it moves to page 2."""
    for duplex, expected in (("no", 1), ("yes", 2)):
        p, pdf = render_template(yinfa, f'<template version="1"><page duplex="{duplex}"/><body><p>甲</p>{END}</body>'
                                        "</template>")
        assert p.returncode == 0, p.stderr
        pages = pm.load(pdf)
        assert len(pages) == expected and content(pages[-1])[-1].text == "抄送：市委办公厅。", (duplex, len(pages))


def test_pagebreak(yinfa):
    """<pagebreak/>: the next block starts on the first line of a new page; at the top of a page it
    adds no empty page."""
    p, pdf = render_template(yinfa, '<template version="1"><body><pagebreak/><p>甲</p><pagebreak/><p>乙</p>'
                                    "</body></template>")
    assert p.returncode == 0, p.stderr
    pages = pm.load(pdf)
    assert [[l.text for l in content(page)] for page in pages] == [["甲"], ["乙"]]
    assert abs(content(pages[1])[0].baseline - grid_baseline(1, 16)) <= 0.1


def test_page_breaks_count_against_the_page_limit(yinfa):
    """A page break in a loop over a long list is counted as a page each when the data is bound:
    5 000 one-line pages are refused at once, before any line is set."""
    tmp = tempfile.mkdtemp(dir=WORK.name)
    open(os.path.join(tmp, "template.xml"), "w", encoding="utf-8").write(
        '<template version="1"><slots><slot name="l" type="list" item="text" example="x"/></slots><body>'
        '<for each="l" as="x"><pagebreak/><p><v name="x"/></p></for></body></template>')
    json.dump({"l": ["甲"] * 5000}, open(os.path.join(tmp, "data.json"), "w", encoding="utf-8"))
    p = run(yinfa, "render", "template.xml", "data.json", "-o", "out.pdf", cwd=tmp)
    assert p.returncode == 1 and "页的上限" in p.stderr, p.stderr
    assert not os.path.exists(os.path.join(tmp, "out.pdf"))


def test_attachments_in_the_outline(yinfa):
    """Each attachment is an entry of the PDF outline, "附件N　标题", its headings under it."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.utils import decode_text
    pdf = render(yinfa, os.path.join(ROOT, "tests", "cases", "ok-attachments", "template.xml"),
                 os.path.join(ROOT, "tests", "cases", "ok-attachments", "data.json"))
    with open(pdf, "rb") as f:
        entries = [(level, decode_text(title) if isinstance(title, bytes) else title)
                   for level, title, *_ in PDFDocument(PDFParser(f)).get_outlines()]
    titles = [a["标题"] for a in json.load(open(os.path.join(ROOT, "tests", "cases", "ok-attachments", "data.json"),
                                                encoding="utf-8"))["附件"]]
    assert entries == [(1, "一、竞赛安排"), (1, "附件1　" + titles[0]), (2, "一、总则"), (1, "附件2　" + titles[1]),
                       (2, "一、总则")], entries


def test_attachments_given_by_name_alone(yinfa):
    """The field's data names its attachments as plain text (a list of names): each is listed in
    the 附件说明 — wrapped under its first character — and, having no content here, gets no page;
    the 版记 goes to page 2, the last side."""
    data = json.load(open(os.path.join(INPUTS, "wrap-one-names.json"), encoding="utf-8"))
    assert all(isinstance(a, str) for a in data["附件"])
    pdf = render(yinfa, "notice", data)
    pages = pm.load(pdf)
    check_wrap(pages, data["附件"], numbered=False)
    assert len(pages) == 2 and end_block_page(pm.rects(pdf)) == [2], len(pages)
    assert not any(l.text.startswith("附件") and len(l.text) <= 3 for p in pages for l in p.lines), \
        "a page was made for an attachment with nothing but its name"
    # names and attachments with content mixed: the 附件说明 numbers all, pages for those with text
    data["附件"] = ["竞赛报名表", {"标题": "竞赛规则", "正文": ["比赛分理论和实操两部分。"]}]
    pages = pm.load(render(yinfa, "notice", data))
    text = "".join(l.text for p in pages for l in p.lines)
    assert "附件：1.竞赛报名表" in text and "2.竞赛规则" in text, text
    labels = [l.text for p in pages for l in p.lines if l.text in ("附件1", "附件2", "附件")]
    assert labels == ["附件2"], labels
