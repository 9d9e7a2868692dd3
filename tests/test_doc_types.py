"""The document types beyond the red-header notice: the speech for any meeting, the 函 in the
信函格式 of GB/T 9704-2012 §10.1, and the red-header presets (报告, 通报, 决定, 意见, 会议通知).

Every type's sample renders (tests/test_types.py makes a case per folder); here the general speech
from the smallest data is held against the layout checks of tests/test_layout.py, and the 函 is
measured against §10.1: the 发文机关标志's top 30 mm from the top of the page, the red double rules
170 mm long and centred on the page — the first 4 mm below the 标志, thick above thin, the second
thin above thick with its lower edge 20 mm above the bottom of the page —, the 份号 and the 发文字号
7/8 of a 三号 character below the first rule, no page number on page 1, and a 版记 of 抄送 alone at
the bottom of the type area. Measures are in mm from the page's top-left corner.
"""
import json
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATES = os.path.join(ROOT, "templates")
sys.path.insert(0, os.path.join(ROOT, "tests"))
import pdfmeasure as pm  # noqa: E402
import test_layout as layout  # noqa: E402
from test_types import BOTTOM, LEFT, PITCH, RIGHT, RED, CENTRE, red_box, render, sample, em_bottom  # noqa: E402

PAGE_W, PAGE_H = 210.0, 297.0
SANHAO = 16 / pm.MM  # a 三号 character's height, mm


# ---- the speech for any meeting -----------------------------------------------------------------

SENTENCES = ["全市各级工会要坚持以职工为中心的工作导向，把党的主张和要求转化为广大职工的自觉行动。",
             "要聚焦主责主业，在建功立业、维权服务、基层建设上持续用力，推动各项工作落地见效。",
             "各级工会领导干部要带头深入基层、深入职工，察实情、出实招、办实事、求实效。",
             "要健全完善工作责任制，一级抓一级、层层抓落实，确保年度目标任务如期完成。"]


def minimal_speech():
    """The smallest speech: a title, the meeting, and three sections of paragraphs (about three
    pages, so that the page checks have full pages to measure)."""
    paragraph = lambda k: "".join(SENTENCES[(k + i) % 4] for i in range(3))
    return {"标题": "在新的起点上奋力开创工会工作新局面", "会议": "全市工会工作会议",
            "部分": [{"标题": title, "段落": [paragraph(k + i) for i in range(3)]}
                     for k, title in enumerate(("提高政治站位，切实增强责任感", "突出工作重点，推动任务落地见效",
                                                "强化责任担当，确保工作落到实处"))]}


def test_speech_from_minimal_data(yinfa):
    """The general speech from minimal data passes the layout checks of tests/test_layout.py (A4,
    三号 body, left edge and indent, grid, 28 characters a line, 22 lines a page, kinsoku, type area,
    page numbers, the 二号 title centred), and its three sections are the outline 一、二、三、."""
    pdf = render(yinfa, "speech", minimal_speech())
    doc = layout.Document(pdf)
    assert len(doc.pages) >= 2, f"{len(doc.pages)} page"
    skip = {"text_extraction", "outline_and_metadata"}  # the union speech's own text and outline
    problems = {name: [p for p in check(doc) if not isinstance(p, layout.Note)]
                for name, check in layout.CHECKS if name not in skip}
    assert not any(problems.values()), {k: v[:3] for k, v in problems.items() if v}
    first = doc.pages[0].lines
    assert first[1].text == "——在全市工会工作会议上的讲话", [l.text for l in first[:3]]
    assert first[2].text == "同志们：", [l.text for l in first[:3]]
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    with open(pdf, "rb") as f:
        outline = [layout.text_of(e[1]) for e in PDFDocument(PDFParser(f)).get_outlines()]
    assert [e[:2] for e in outline] == ["一、", "二、", "三、"], outline


def test_speech_speaker_date_and_second_level(yinfa):
    """The sample: a two-line title, the occasion, the speaker and the date centred in 楷体 under
    it, and second-level headings （一）（二）… numbered afresh in every section."""
    pages = pm.load(render(yinfa, "speech", os.path.join(TEMPLATES, "speech", "data.json")))
    first = pages[0].lines
    texts = [l.text for l in first]
    assert texts[:2] == ["凝心聚力抓落实　奋发有为开新局", "为全面完成2026年各项目标任务而奋斗"], texts[:2]
    for text in ("——在2026年全市工会工作会议上的讲话", "市总工会党组书记、主席　王志远", "（2026年1月5日）"):
        line = next(l for l in first if l.text == text)
        assert abs((line.x0 + line.x1) / 2 - CENTRE) <= 0.5 and ("WenKai" in line.font or "FandolKai" in line.font), (text, line.font)
    h2 = [l.text for p in pages for l in p.lines if l.text.startswith("（")
          and l.text[1] in "一二三" and l.text[2] == "）"]
    assert [t[:3] for t in h2] == ["（一）", "（二）", "（三）"] * 2, h2


# ---- 函 (信函格式, GB/T 9704 §10.1) -----------------------------------------------------------------

def long_letter():
    data = sample("letter")
    data["正文"] = data["正文"] * 3  # two pages: page 2 has a number, page 1 none
    return data


def test_letter_header_geometry(yinfa):
    """§10.1: the red 标志's ink top 30 mm ± 1 from the top of the page, centred; 4 mm ± 0.5 below
    it a red double rule, thick over thin, 170 mm long, centred on the page; the 份号 flush left
    and the 发文字号 flush right on one line, the tops of their characters 7/8 of a 三号
    character (4.94 mm) ± 0.3 below the rule; the title two lines below them."""
    pdf = render(yinfa, "letter", long_letter())
    pages, rects = pm.load(pdf), pm.rects(pdf)
    first = pages[0]
    mark = next(l for l in first.lines if l.text == "宁波市总工会")
    assert all(g.color == RED for g in mark.glyphs)
    ink = red_box(pdf, 1, (LEFT, 10, RIGHT, mark.baseline + 1))
    assert ink and abs(ink[1] - 30) <= 1, f"标志 ink top {ink and ink[1]:.2f} mm from the top of the page"
    assert abs((ink[0] + ink[2]) / 2 - CENTRE) <= 0.5, f"标志 centred at {(ink[0] + ink[2]) / 2:.2f} mm"

    red = [r for r in rects[0] if r.color == RED and abs(r.width - 170) <= 0.1]
    assert len(red) == 4, [(round(r.top, 2), round(r.width, 2)) for r in rects[0]]
    for r in red:
        assert abs(r.x0 - (PAGE_W - 170) / 2) <= 0.1, f"rule from {r.x0:.2f} mm, not centred on the page"
    thick, thin = red[0], red[1]
    assert thick.thickness > thin.thickness and thin.top > thick.bottom, (thick, thin)
    gap = thick.top - em_bottom(mark)
    assert abs(gap - 4) <= 0.5, f"first double rule {gap:.2f} mm below the 标志"

    line = next(l for l in first.lines if "甬工函〔2026〕12号" in l.text)
    assert line.text.startswith("000012") and line.text.endswith("甬工函〔2026〕12号"), line.text
    assert abs(line.x0 - LEFT) <= 0.3 and abs(line.x1 - RIGHT) <= 0.3, (line.x0, line.x1)
    below = line.em_top - thin.bottom
    assert abs(below - 7 / 8 * SANHAO) <= 0.3, f"份号 and 发文字号 {below:.2f} mm below the rule, not 4.94"
    urgency = next(l for l in first.lines if l.text == "加急")
    assert abs(urgency.x0 - LEFT) <= 0.3 and abs(urgency.baseline - line.baseline - PITCH) <= 0.1, urgency.baseline

    title = [l for l in first.lines if l.role == pm.TITLE and not all(g.color == RED for g in l.glyphs)]
    space = title[0].em_top - em_bottom(urgency)
    assert 2 * PITCH - 0.5 <= space <= 3 * PITCH, f"title {space:.2f} mm below the last element, not two lines"


def test_letter_foot_rule_page_numbers_and_end_block(yinfa):
    """§10.1: the second double rule thin over thick, its lower edge 20 mm ± 0.1 above the bottom
    of the page, on page 1 only; page 1 without a page number, page 2 with "— 2 —"; the 版记 only
    抄送 — no 印发 line, no rules — with its last line at the bottom of the type area."""
    pdf = render(yinfa, "letter", long_letter())
    pages, rects = pm.load(pdf), pm.rects(pdf)
    assert len(pages) >= 2, f"{len(pages)} page"
    red = [r for r in rects[0] if r.color == RED and abs(r.width - 170) <= 0.1]
    thin, thick = red[2], red[3]
    assert thin.thickness < thick.thickness and thin.bottom < thick.top, (thin, thick)
    assert abs(thick.bottom - (PAGE_H - 20)) <= 0.1, f"second double rule ends {PAGE_H - thick.bottom:.2f} mm above the bottom"
    assert not [r for page in rects[1:] for r in page if abs(r.width - 170) <= 0.1], "double rules after page 1"

    numbers = [[l.text for l in p.lines if l.role == pm.PAGE_NUMBER] for p in pages]
    assert numbers[0] == [] and numbers[1] == ["— 2 —"], numbers

    last = pages[-1]
    copy = next(l for l in last.lines if l.text.startswith("抄送："))
    assert abs(copy.size - 14) <= 0.05, copy.size
    bottom_line = BOTTOM - (PITCH - copy.size / pm.MM) / 2  # the em box's bottom on the last grid line
    assert abs(em_bottom(copy) - bottom_line) <= 0.3, f"抄送 ends at {em_bottom(copy):.2f} mm"
    assert not any(l.text.endswith("印发") for l in last.lines), "an 印发 line in the 版记 of a 函"
    assert not [r for r in rects[-1] if abs(r.width - 156) <= 0.1], "rules in the 版记 of a 函"


def test_letter_without_number_keeps_the_line(yinfa):
    """Without 份号, the 密级 takes its place flush left on the line of the 发文字号; without any of
    them, the 发文字号 stands alone flush right."""
    data = dict(sample("letter"), 密级="秘密★1年")
    del data["份号"], data["紧急程度"]
    first = pm.load(render(yinfa, "letter", data))[0]
    line = next(l for l in first.lines if "甬工函" in l.text)
    assert line.text.startswith("秘密★1年"), line.text
    del data["密级"]
    first = pm.load(render(yinfa, "letter", data))[0]
    line = next(l for l in first.lines if "甬工函" in l.text)
    assert line.text == "甬工函〔2026〕12号" and abs(line.x1 - RIGHT) <= 0.3, (line.text, line.x1)


# ---- red-header presets: 报告, 通报, 决定, 意见, 会议通知 -------------------------------------------------

def title_text(pages):
    return "".join(l.text for l in pages[0].lines if l.role == pm.TITLE and not all(g.color == RED for g in l.glyphs))


def test_red_header_presets_differ_in_their_wording(yinfa):
    """Each preset renders its sample as a red-header document: the red 标志 with the rule under
    it, the title ending in its own 文种, the 版记 on the last page; a 文种 given in the data
    replaces the preset's; the 决定's title may begin with the issuer."""
    kinds = {"report": "报告", "circular": "通报", "decision": "决定", "opinion": "意见", "meeting-notice": "通知"}
    for name, kind in kinds.items():
        pdf = render(yinfa, name, sample(name))
        pages, rects = pm.load(pdf), pm.rects(pdf)
        title = title_text(pages)
        assert title.startswith(("关于", "宁波市总工会关于")) and title.endswith("的" + kind), (name, title)
        assert any(l.text == "宁波市总工会文件" and all(g.color == RED for g in l.glyphs) for l in pages[0].lines), name
        assert [r for r in rects[0] if r.color == RED and abs(r.width - 156) <= 0.1], f"{name}: no red rule"
        assert any(l.text.endswith("印发") for l in pages[-1].lines), f"{name}: no 版记"
    assert title_text(pm.load(render(yinfa, "decision", sample("decision")))).startswith("宁波市总工会关于")
    pages = pm.load(render(yinfa, "circular", dict(sample("circular"), 文种="情况通报")))
    assert title_text(pages).endswith("的情况通报"), title_text(pages)
    report = pm.load(render(yinfa, "report", sample("report")))[0]
    assert any(l.text.endswith("签发人：王志远") for l in report.lines), "the report's 签发人"


def test_meeting_notice_table_of_attendees(yinfa):
    """The 会议通知: numbered sections 一、会议时间 … 五、有关要求 and the attendees in a table with
    a header row, one row each, inside the type area."""
    data = sample("meeting-notice")
    pdf = render(yinfa, "meeting-notice", data)
    pages = pm.load(pdf)
    texts = [l.text for p in pages for l in p.lines]
    for heading in ("一、会议时间", "二、会议地点", "三、参会人员", "四、会议议程", "五、有关要求"):
        assert heading in texts, heading
    assert "单位姓名职务联系电话" in texts, texts
    for person in data["参会人员"]:
        row = [t for t in texts if t.startswith(person["单位"])]
        assert row and person["姓名"] in row[0] and row[0].endswith(person["电话"]), (person, row)
    borders = [r for page in pm.rects(pdf) for r in page if r.color == (0, 0, 0)]
    assert borders and all(LEFT - 0.3 <= r.x0 and r.x1 <= RIGHT + 0.3 for r in borders), "table outside the type area"
