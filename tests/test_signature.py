"""Signatures (GB/T 9704 §7.3.5) measured in the PDF: long issuers, joint issuance with seals, the
signature kept with the text it signs (§7.3.5.4), and signatures or stacks too large for a page.

Glyphs from pdfminer (tests/pdfmeasure.py); seals from pdftoppm's red pixels, split into one box
per seal by the blank bands between them. Positions in mm from the page's top-left corner.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HERE = os.path.join(ROOT, "tests", "signature")
sys.path.insert(0, os.path.join(ROOT, "tests"))
import pdfmeasure as pm  # noqa: E402

LEFT, RIGHT, TOP, BOTTOM = 28.0, 184.0, 37.0, 262.0  # the type area
PITCH, CELL = 225 / 22, 156 / 28
DPI = 150
SEAL = os.path.join(HERE, "seal-long-issuer", "seal.svg")
WORK = tempfile.TemporaryDirectory(prefix="yinfa-signature-")

ISSUERS = {
    6: "宁波市总工会",
    20: "江东市人力资源和社会保障局职业能力建设处",
    30: "江东市人力资源和社会保障局职业能力建设处职工技能培训指导中心",
}


def render(yinfa, template, data=None, files=()):
    """(process, pdf) of a template written into a folder of its own with the seal beside it."""
    tmp = tempfile.mkdtemp(dir=WORK.name)
    open(os.path.join(tmp, "template.xml"), "w", encoding="utf-8").write(template)
    shutil.copy(SEAL, os.path.join(tmp, "seal.svg"))
    for path in files:
        shutil.copy(path, tmp)
    args = [yinfa, "render", "template.xml"]
    if data is None:
        args.append("--draft")
    else:
        json.dump(data, open(os.path.join(tmp, "data.json"), "w", encoding="utf-8"), ensure_ascii=False)
        args.append("data.json")
    p = subprocess.run(args + ["-o", "out.pdf", "-q"], cwd=tmp, capture_output=True, text=True, timeout=60)
    return p, os.path.join(tmp, "out.pdf")


def template(blocks):
    return f'<template version="1"><body>{blocks}</body></template>'


def seal_xml():
    return '<image src="seal.svg" width="42mm" height="42mm"/>'


def signature(issuers, sealed, date="2026年3月2日"):
    parts = "".join(f"<issuer>{name}</issuer>{seal_xml() if sealed else ''}" for name in issuers)
    return f"<signature>{parts}<date>{date}</date></signature>"


def red_mask(pdf, page):
    """(width, height, set of (x, y) red pixels) of a page at DPI."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", str(DPI), "-f", str(page), "-l", str(page), "-singlefile", pdf,
                        os.path.join(tmp, "p")], check=True)
        raw = open(os.path.join(tmp, "p.ppm"), "rb").read()
    header = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", raw)
    w, h, px = int(header.group(1)), int(header.group(2)), raw[header.end():]
    red = set()
    for i in range(0, w * h * 3, 3):
        if px[i] > 160 and px[i + 1] < 110 and px[i + 2] < 110:
            red.add(((i // 3) % w, (i // 3) // w))
    return w, h, red


def bands(values):
    """Runs of consecutive integers in a sorted list: [(first, last), ...]."""
    runs = []
    for v in values:
        if runs and v <= runs[-1][1] + 1:
            runs[-1][1] = v
        else:
            runs.append([v, v])
    return runs


def seal_boxes(pdf, page):
    """One (x0, top, x1, bottom) box in mm per seal on the page: red pixels split into rows by blank
    horizontal bands, each row into seals by blank vertical bands."""
    _, _, red = red_mask(pdf, page)
    mm = lambda p: p / DPI * 25.4
    boxes = []
    for y0, y1 in bands(sorted({y for _, y in red})):
        row = [(x, y) for x, y in red if y0 <= y <= y1]
        for x0, x1 in bands(sorted({x for x, _ in row})):
            ys = [y for x, y in row if x0 <= x <= x1]
            boxes.append((mm(x0), mm(min(ys)), mm(x1 + 1), mm(max(ys) + 1)))
    return boxes


def segments(line, gap=2.0):
    """A line's glyphs split where they are more than `gap` mm apart: the issuers of a row."""
    parts = [[line.glyphs[0]]]
    for g in line.glyphs[1:]:
        if g.x0 - parts[-1][-1].x1 > gap:
            parts.append([])
        parts[-1].append(g)
    return [("".join(g.text for g in p), p[0].x0, p[-1].x1, p[0].baseline) for p in parts]


def assert_inside(pages, boxes=()):
    for page in pages:
        for line in page.lines:
            if pm.page_number(line) is not None:
                continue
            for g in line.glyphs:
                # A squeezed closing mark keeps only the half of its em that holds its ink.
                x1 = g.x0 + g.em / 2 if g.text in pm.CLOSING_MARKS else g.x1
                assert LEFT - 0.05 <= g.x0 and x1 <= RIGHT + 0.05, \
                    f"page {page.number}: «{g.text}» of «{line.text}» at {g.x0:.2f}–{g.x1:.2f} mm"
                assert TOP - 0.05 <= g.em_top and g.em_bottom <= BOTTOM + 0.05, f"«{line.text}» off the type area"
    for b in boxes:
        assert LEFT - 0.3 <= b[0] and b[2] <= RIGHT + 0.3 and TOP - 0.3 <= b[1] and b[3] <= BOTTOM + 0.3, \
            f"seal {[round(v, 1) for v in b]} beyond the type area"


def signature_lines(page, date):
    """The issuer lines (those between the text and the date) and the date line of a page."""
    d = next(l for l in page.lines if l.text == date)
    text_bottom = max(l.baseline for l in page.lines if l.text.startswith("此件") or l.text.startswith("请"))
    issuer = [l for l in page.lines if text_bottom < l.baseline < d.baseline]
    return issuer, d


# ---- one issuer -------------------------------------------------------------------------------

def test_long_issuers_stay_in_the_type_area(yinfa):
    """Issuers of 6, 20 and 30 characters, with and without a seal: every glyph and the seal inside
    the 156 mm type area. With a seal the date ends 4 characters in from the right and every line
    of the issuer is centred over it; without, the issuer's lines end 2 characters in from the
    right. A long issuer is set on balanced lines (lengths within one character)."""
    for chars, name in ISSUERS.items():
        assert len(name) == chars
        for sealed in (True, False):
            p, pdf = render(yinfa, template(f"<p>此件公开发布。</p>{signature([name], sealed)}"))
            assert p.returncode == 0, p.stderr
            pages = pm.load(pdf)
            assert len(pages) == 1
            issuer, date = signature_lines(pages[0], "2026年3月2日")
            assert "".join(l.text for l in issuer) == name, [l.text for l in issuer]
            boxes = seal_boxes(pdf, 1) if sealed else []
            assert_inside(pages, boxes)
            counts = [len(l.text) for l in issuer]
            assert max(counts) - min(counts) <= 1, f"unbalanced issuer lines {counts}"
            if chars >= 20 and sealed:
                assert len(issuer) >= 2, f"a {chars}-character issuer on one line under a seal"
            if sealed:
                assert len(boxes) == 1, boxes
                assert abs(date.x1 - (RIGHT - 4 * CELL)) <= 0.3, f"date ends {RIGHT - date.x1:.2f} mm from the right"
                centre = (date.x0 + date.x1) / 2
                for l in issuer:
                    assert abs((l.x0 + l.x1) / 2 - centre) <= 1, f"«{l.text}» not centred over the date"
                seal = boxes[0]
                assert abs((seal[0] + seal[2]) / 2 - centre) <= 1, "seal not centred on the date"
            elif date.x1 - date.x0 > max(l.x1 - l.x0 for l in issuer) - 2 * CELL:  # the date is the longer
                assert abs(date.x1 - (RIGHT - 2 * CELL)) <= 0.3, f"date ends {RIGHT - date.x1:.2f} mm from the right"
                assert abs(min(l.x0 for l in issuer) - (date.x0 - 2 * CELL)) <= 0.3, "issuer not 2 characters left"
            else:
                for l in issuer:
                    assert abs(l.x1 - (RIGHT - 2 * CELL)) <= 0.3, f"«{l.text}» ends {RIGHT - l.x1:.2f} mm from the right"
                assert abs(date.x0 - (min(l.x0 for l in issuer) + 2 * CELL)) <= 0.3, "the date does not start 2 characters right"


def test_seal_long_issuer_case(yinfa):
    """The 19-character issuer of tests/signature/seal-long-issuer under its seal: two balanced
    lines, nothing past the right edge (it ran 12 mm past it on one line)."""
    case = os.path.join(HERE, "seal-long-issuer")
    data = json.load(open(os.path.join(case, "data-long.json"), encoding="utf-8"))
    p, pdf = render(yinfa, open(os.path.join(case, "template.xml"), encoding="utf-8").read(), data)
    assert p.returncode == 0, p.stderr
    pages = pm.load(pdf)
    issuer, date = signature_lines(pages[0], "2026年3月2日")
    assert [l.text for l in issuer] == ["江东市人力资源和社会", "保障局职业能力建设处"], [l.text for l in issuer]
    boxes = seal_boxes(pdf, 1)
    assert len(boxes) == 1
    assert_inside(pages, boxes)
    # The issuer and the date under the seal, the seal's top within one line below the text.
    text = pages[0].lines[0]
    gap = boxes[0][1] - text.glyphs[0].em_bottom
    assert 0 <= gap <= PITCH, f"seal top {gap:.2f} mm below the text"


# ---- joint issuance ---------------------------------------------------------------------------

def check_joint(pdf, names):
    """Joint issuance with seals: returns (pages, seal boxes, issuer segments) after checking what
    §7.3.5.1 asks — issuers in order, each seal centred over its issuer, the last over the date,
    seals apart and inside the type area, rows aligned."""
    pages = pm.load(pdf)
    page = pages[-1]
    boxes = seal_boxes(pdf, page.number)
    assert len(boxes) == len(names), f"{len(boxes)} seals for {len(names)} issuers: {boxes}"
    assert_inside(pages, boxes)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            apart = a[2] < b[0] or b[2] < a[0] or a[3] < b[1] or b[3] < a[1]
            assert apart, f"seals {a} and {b} touch or overlap"
    tops = sorted({round(b[1]) for b in boxes})
    for t in tops:  # a row's seals share their top
        row = [b for b in boxes if abs(b[1] - t) <= 1]
        assert max(b[1] for b in row) - min(b[1] for b in row) <= 0.5, row
    date = next(l for l in page.lines if l.text == "2026年3月2日")
    # The issuers, row by row, left to right: their last lines (the one under each seal's centre).
    segs = [s for l in page.lines if date.baseline - 80 < l.baseline < date.baseline and l.text != date.text
            for s in segments(l)]
    found = "".join(s[0] for s in sorted(segs, key=lambda s: (s[3], s[1])))
    for name in names:
        assert name[-2:] in found, f"{name} not found in {found}"
    for name in names:
        tail = next(s for s in segs if name.endswith(s[0]))
        centre = (tail[1] + tail[2]) / 2
        seal = min(boxes, key=lambda b: abs((b[0] + b[2]) / 2 - centre) + abs((b[1] + b[3]) / 2 - tail[3]))
        assert abs((seal[0] + seal[2]) / 2 - centre) <= 1, f"seal not centred over «{name}»"
        assert seal[1] <= tail[3] <= seal[3], f"«{name}» not under its seal"
    last = max(boxes, key=lambda b: (b[1], b[0]))
    assert abs((last[0] + last[2]) / 2 - (date.x0 + date.x1) / 2) <= 1, "the last seal is not over the date"
    assert abs(date.x1 - (RIGHT - 4 * CELL)) <= 0.3, f"date ends {RIGHT - date.x1:.2f} mm from the right"
    return pages, boxes


def test_three_joint_issuers_with_seals(yinfa):
    """Three bodies, each with its seal: one row of three seals, each centred over its issuer, the
    last over the last issuer and the date; the row's top within one line below the text."""
    names = ["宁波市总工会", "宁波市财政局", "宁波市人社局"]
    p, pdf = render(yinfa, template(f"<p>此件公开发布。</p>{signature(names, True)}"))
    assert p.returncode == 0, p.stderr
    pages, boxes = check_joint(pdf, names)
    assert len({round(b[1]) for b in boxes}) == 1, f"three seals not in one row: {boxes}"
    order = [s[0] for l in pages[0].lines for s in segments(l) if s[0] in names]
    assert order == names, f"issuers out of order: {order}"
    text = pages[0].lines[0]
    gap = min(b[1] for b in boxes) - text.glyphs[0].em_bottom
    assert 0 <= gap <= PITCH, f"first row of seals {gap:.2f} mm below the text"


def test_five_joint_issuers_in_rows(yinfa):
    """Five bodies, long names among them: seals in aligned rows, apart, inside the type area; the
    last row ends in the date's column."""
    names = ["宁波市总工会", "宁波市人力资源和社会保障局", "宁波市财政局", "宁波市教育局", "宁波市卫生健康委员会"]
    p, pdf = render(yinfa, template(f"<p>此件公开发布。</p>{signature(names, True)}"))
    assert p.returncode == 0, p.stderr
    _, boxes = check_joint(pdf, names)
    rows = sorted({round(b[1]) for b in boxes})
    assert len(rows) == 2, boxes
    columns = sorted({round((b[0] + b[2]) / 2) for b in boxes})
    assert len(columns) == 3, f"seals not in aligned columns: {boxes}"


def test_joint_issuers_without_seals(yinfa):
    """Joint issuance without seals: the issuers one below the other in issuing order, each ending
    two characters in from the right, the date below."""
    names = ["宁波市总工会", "宁波市人力资源和社会保障局"]
    p, pdf = render(yinfa, template(f"<p>此件公开发布。</p>{signature(names, False)}"))
    assert p.returncode == 0, p.stderr
    pages = pm.load(pdf)
    assert_inside(pages)
    texts = [l.text for l in pages[0].lines]
    assert texts[1:4] == names + ["2026年3月2日"], texts
    for l in pages[0].lines[1:3]:
        assert abs(l.x1 - (RIGHT - 2 * CELL)) <= 0.3, l.text


def test_seal_must_follow_its_issuer(yinfa):
    """Joint issuance: a seal that does not follow its issuer, and two seals for one issuer, are
    template errors."""
    p, _ = render(yinfa, template("<signature><issuer>甲</issuer><issuer>乙</issuer><date>今天</date>"
                                  f"{seal_xml()}</signature>"))
    assert p.returncode == 1 and "紧跟" in p.stderr, p.stderr
    p, _ = render(yinfa, template(f"<signature><issuer>甲</issuer>{seal_xml()}{seal_xml()}"
                                  "<date>今天</date></signature>"))
    assert p.returncode == 1 and "error" in p.stderr, p.stderr


# ---- §7.3.5.4: the signature with the text ----------------------------------------------------

PARA = "各单位要高度重视，认真组织，确保各项工作落到实处，取得实效，并按时报送有关材料"


def filler(lines_wanted):
    """Paragraphs filling about `lines_wanted` lines (each paragraph 2 lines: 28 + a few)."""
    return "".join(f"<p>{PARA}。</p>" for _ in range(lines_wanted // 2))


def signature_page(pdf, name):
    pages = pm.load(pdf)
    page = next(p for p in pages if any(name in l.text for l in p.lines))
    return pages, page


def test_signature_keeps_company_with_the_text(yinfa):
    """Text ending near the foot of page 1 (18 or 20 of 22 lines, in paragraphs that cannot be set
    shorter): the signature, with or without a seal, is not alone on page 2 — the last lines of the
    text go with it, and the seal stays inside the type area."""
    for lines in (18, 20):
        for sealed in (True, False):
            p, pdf = render(yinfa, template(filler(lines) + signature(["宁波市总工会"], sealed)))
            assert p.returncode == 0, p.stderr
            pages, page = signature_page(pdf, "宁波市总工会")
            body = [l for l in page.lines if PARA[:6] in l.text or l.text.endswith("材料。")]
            assert len(body) >= 2, f"{lines} lines, seal {sealed}: the signature alone on page {page.number}"
            boxes = seal_boxes(pdf, page.number) if sealed else []
            assert_inside(pages, boxes)
            assert all("此页无正文" not in l.text for p_ in pages for l in p_.lines)


def test_signature_stays_by_setting_paragraphs_shorter(yinfa):
    """§7.3.5.4 (调整行距、字距): seven 3-line paragraphs and a sealed signature do not fit on one
    page; squeezing the punctuation of some paragraphs sets each one line shorter (缩行), and the
    signature stays on page 1 with all the text."""
    para = "各单位要高度重视，认真组织，确保各项工作落到实处，取得实效。请于三月底前将情况，报送市总工会办公室，联系人张三。"
    p, pdf = render(yinfa, template(f"<p>{para}</p>" * 7 + signature(["宁波市总工会"], True)))
    assert p.returncode == 0, p.stderr
    pages = pm.load(pdf)
    assert len(pages) == 1, f"{len(pages)} pages"
    text = "".join(l.text for l in pages[0].lines)
    assert text.count("联系人张三。") == 7 and "宁波市总工会" in text
    assert_inside(pages, seal_boxes(pdf, 1))


def test_no_text_notice_when_nothing_can_go_along(yinfa):
    """When the signature cannot stay on the page and no text can go with it (a picture fills the
    page above it), it stands on the next page under "（此页无正文）", on the first line, two
    characters in."""
    tall = '<image src="seal.svg" width="42mm" height="200mm"/>'
    p, pdf = render(yinfa, template(f"<p>此件公开发布。</p>{tall}" + signature(["宁波市总工会"], True)))
    assert p.returncode == 0, p.stderr
    pages, page = signature_page(pdf, "宁波市总工会")
    assert page.number == 2
    first = page.lines[0]
    assert first.text == "（此页无正文）", first.text
    assert abs(first.x0 - (LEFT + 2 * CELL)) <= 0.3 and abs(first.em_top - TOP - (PITCH - first.glyphs[0].em) / 2) <= 0.3
    boxes = seal_boxes(pdf, 2)
    assert_inside([page], boxes)
    assert boxes and boxes[0][1] >= first.glyphs[0].em_bottom, "seal over the notice"


# ---- too large for a page ---------------------------------------------------------------------

def test_too_large_is_an_error_at_its_element(yinfa):
    """A stack taller than a page and an issuer too long to sign with are errors naming their
    template line, not content run off the page with exit status 0."""
    names = "".join(f"<line>机关{i}</line>" for i in range(40))
    tpl = '<template version="1"><body>\n<p>正文。</p>\n<stack>' + names + "</stack></body></template>"
    p, pdf = render(yinfa, tpl)
    assert p.returncode == 1 and re.search(r"template\.xml:3:\d+: error: <stack>", p.stderr), p.stderr
    assert not os.path.exists(pdf)
    huge = "江东市人力资源和社会保障局" * 20
    tpl = ('<template version="1"><body>\n<p>正文。</p>\n<signature>\n'
           f"<issuer>{huge}</issuer>{seal_xml()}<date>2026年3月2日</date></signature></body></template>")
    p, pdf = render(yinfa, tpl)
    assert p.returncode == 1 and re.search(r"template\.xml:4:\d+: error: <signature>", p.stderr), p.stderr
    assert not os.path.exists(pdf)


def test_notice_joint_sample(yinfa):
    """The notice with templates/notice/data-joint.json: three bodies, the main one first, each
    signing with its seal (the picture in docs/img/notice-joint-seals.png)."""
    data = os.path.join(ROOT, "templates", "notice", "data-joint.json")
    pdf = os.path.join(tempfile.mkdtemp(dir=WORK.name), "out.pdf")
    p = subprocess.run([yinfa, "render", "notice", data, "-o", pdf, "-q"], capture_output=True, text=True,
                       timeout=60, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    check_joint(pdf, ["宁波市总工会", "宁波市人力资源和社会保障局", "宁波市财政局"])


def test_end_block_clear_of_the_seal(yinfa):
    """The 版记 at the foot of the last page never runs over the lower edge of a seal (which reaches
    below the date): when it would, it goes to a page of its own."""
    sample = json.load(open(os.path.join(ROOT, "templates", "notice", "data.json"), encoding="utf-8"))
    sample.pop("附件", None)
    sample.pop("附注", None)
    first = sample["部分"][2]["段落"][0]
    for extra in (4, 5, 6):
        sample["部分"][2]["段落"] = [first] + ["各级工会要加强组织领导，确保活动取得实效。"] * extra
        tmp = tempfile.mkdtemp(dir=WORK.name)
        data, pdf = os.path.join(tmp, "data.json"), os.path.join(tmp, "out.pdf")
        json.dump(sample, open(data, "w", encoding="utf-8"), ensure_ascii=False)
        p = subprocess.run([yinfa, "render", "notice", data, "-o", pdf, "-q"], capture_output=True, text=True,
                           timeout=60, cwd=ROOT)
        assert p.returncode == 0, p.stderr
        page = next(p_ for p_ in pm.load(pdf) if any(l.text == "2026年1月5日" for l in p_.lines))
        seal = seal_boxes(pdf, page.number)
        assert len(seal) == 1, seal
        rules = [r for r in pm.rects(pdf)[page.number - 1] if r.color == (0, 0, 0) and abs(r.width - 156) < 0.1]
        assert not rules or seal[0][3] <= rules[0].top, \
            f"{extra}: seal bottom {seal[0][3]:.2f} mm under the 版记's rule at {rules[0].top:.2f} mm"
