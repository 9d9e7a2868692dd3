"""The template types under templates/ — speech, bulletin, red-header notice, minutes, and any added
later — and the layout elements they are built from (rules, rows, stacks, signatures, images,
tables, groups at the top and at the end), measured in the PDF against GB/T 9704-2012 and office
convention (LAYOUT.md).

Every folder of templates/ holding a template.xml is a type and gets its own test case here
(test_type_NAME, made when this module is loaded): it must render with its sample data.json, use
all of that data, and carry a README.md with a picture of its first page. Adding a folder adds a
case; no code changes.

Measures are in mm from the page's top-left corner: text from pdfminer (tests/pdfmeasure.py), rules
from the PDF's filled rectangles, ink (the masthead's top, the seal) from pdftoppm's pixels.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATES = os.path.join(ROOT, "templates")
sys.path.insert(0, os.path.join(ROOT, "tests"))
import pdfmeasure as pm  # noqa: E402

LEFT, RIGHT, TOP, BOTTOM = 28.0, 184.0, 37.0, 262.0  # the type area
PITCH, CELL = 225 / 22, 156 / 28  # line pitch, character cell
CENTRE = (LEFT + RIGHT) / 2
RED, BLACK = (1, 0, 0), (0, 0, 0)
INK_DPI = 300
WORK = tempfile.TemporaryDirectory(prefix="yinfa-types-")  # removed when the run ends


def run(yinfa, *args, cwd=None):
    return subprocess.run([yinfa, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def render(yinfa, template, data):
    """The PDF of `template` (a name or a path) with `data` (a dict, or a path); asserts success."""
    tmp = tempfile.mkdtemp(dir=WORK.name)
    if isinstance(data, dict):
        path = os.path.join(tmp, "data.json")
        json.dump(data, open(path, "w", encoding="utf-8"), ensure_ascii=False)
        data = path
    pdf = os.path.join(tmp, "out.pdf")
    p = run(yinfa, "render", template, data, "-o", pdf, "-q")
    assert p.returncode == 0, f"{template}: exit {p.returncode}: {p.stderr}"
    return pdf


def sample(name):
    return json.load(open(os.path.join(TEMPLATES, name, "data.json"), encoding="utf-8"))


def red_box(pdf, page, box):
    """(x0, top, x1, bottom), mm, of the red pixels of page `page` within box (x0, y0, x1, y1), or
    None."""
    px = lambda mm: int(round(mm / 25.4 * INK_DPI))
    left, top = px(box[0]), px(box[1])
    width, height = px(box[2]) - left, px(box[3]) - top
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", str(INK_DPI), "-f", str(page), "-l", str(page), "-x", str(left),
                        "-y", str(top), "-W", str(width), "-H", str(height), "-singlefile", pdf,
                        os.path.join(tmp, "r")], check=True)
        raw = open(os.path.join(tmp, "r.ppm"), "rb").read()
    header = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", raw)
    w, h, pixels = int(header.group(1)), int(header.group(2)), raw[header.end():]
    found = None
    for row in range(h):
        line = pixels[row * w * 3:(row + 1) * w * 3]
        cols = [c for c in range(w) if line[3 * c] > 160 and line[3 * c + 1] < 110 and line[3 * c + 2] < 110]
        if cols:
            x0, x1 = min(cols), max(cols) + 1
            found = (min(found[0], x0), found[1], max(found[2], x1), row + 1) if found else (x0, row, x1, row + 1)
    if not found:
        return None
    mm = lambda p: p / INK_DPI * 25.4
    return (mm(left + found[0]), mm(top + found[1]), mm(left + found[2]), mm(top + found[3]))


def em_bottom(line):
    return max(g.em_bottom for g in line.glyphs)


def glyphs_colored(line, color):
    return all(g.color == color for g in line.glyphs)


def full_width_rules(rects, color):
    return [r for r in rects if r.color == color and abs(r.width - 156) < 0.1]


# ---- every type -------------------------------------------------------------------------------

def types():
    return sorted(d for d in os.listdir(TEMPLATES) if os.path.isfile(os.path.join(TEMPLATES, d, "template.xml")))


def check_type(yinfa, name):
    """NAME renders with its sample data, all of the data is used, a draft renders too, and its
    README shows page 1 as rendered by yinfa (a PNG of about 60 dpi, under 150 KB)."""
    folder = os.path.join(TEMPLATES, name)
    data = os.path.join(folder, "data.json")
    assert os.path.isfile(data), f"templates/{name}/ has no sample data.json"
    tmp = tempfile.mkdtemp(dir=WORK.name)
    pdf = os.path.join(tmp, "out.pdf")
    p = run(yinfa, "render", name, data, "-o", pdf)
    assert p.returncode == 0, f"{name}: exit {p.returncode}: {p.stderr}"
    unused = [line for line in p.stderr.splitlines() if "$." in line]
    assert not unused, f"{name}: its data.json has keys no slot reads: {unused}"
    pages = pm.load(pdf)
    assert pages and all(page.lines for page in pages), f"{name}: an empty page"
    p = run(yinfa, "render", name, "--draft", "-o", os.path.join(tmp, "draft.pdf"), "-q")
    assert p.returncode == 0, f"{name} --draft: {p.stderr}"
    readme = os.path.join(folder, "README.md")
    assert os.path.isfile(readme), f"templates/{name}/ has no README.md"
    pictures = re.findall(r"!\[[^\]]*\]\(([^)\s]+\.png)\)", open(readme, encoding="utf-8").read())
    assert pictures, f"templates/{name}/README.md shows no picture"
    for picture in pictures:
        path = os.path.join(folder, picture)
        head = open(path, "rb").read(24)
        width = int.from_bytes(head[16:20], "big")
        assert head[:8] == b"\x89PNG\r\n\x1a\n" and os.path.getsize(path) < 150_000, f"{path}: not a PNG under 150 KB"
        assert 400 <= width <= 600, f"{path}: {width} px wide, not a page at about 60 dpi"


def _make_type_tests():
    for name in types():
        def test(yinfa, name=name):
            check_type(yinfa, name)
        test.__doc__ = f"templates/{name}/ renders with its sample data and documents itself."
        globals()[f"test_type_{name}"] = test


_make_type_tests()


def test_the_types_are_there(yinfa):
    """The types the project ships (and templates/common, a base, is not one)."""
    found = types()
    assert {"speech", "bulletin", "notice", "minutes"} <= set(found) and "common" not in found, found


# ---- the red-header notice (GB/T 9704 §7) -----------------------------------------------------

def test_notice_masthead_rule_title_and_end_block(yinfa):
    """发文机关标志 red, its ink's top 35 mm ± 1 below the type area (§7.2.3); the red rule
    4 mm ± 0.5 below the 发文字号, as wide as the type area (§7.2.4–5); the title 二号 (22 pt),
    centred, two lines below the rule (§7.3.1); the 版记's rules 0.35, 0.25 and 0.35 mm, the last
    on the bottom of the type area of the last page (§7.4.1)."""
    pdf = render(yinfa, "notice", os.path.join(TEMPLATES, "notice", "data.json"))
    pages, rects = pm.load(pdf), pm.rects(pdf)
    first = pages[0]

    mark = [line for line in first.lines if line.text == "宁波市总工会文件"]
    assert mark and glyphs_colored(mark[0], RED), [(l.text, l.glyphs[0].color) for l in first.lines]
    ink = red_box(pdf, 1, (LEFT, TOP, RIGHT, TOP + 60))
    assert ink and abs(ink[1] - TOP - 35) <= 1, f"masthead ink top {ink[1] - TOP:.2f} mm below the type area"
    assert abs((ink[0] + ink[2]) / 2 - CENTRE) <= 0.5, f"masthead centred at {(ink[0] + ink[2]) / 2:.2f} mm"

    rules = full_width_rules(rects[0], RED)
    assert len(rules) == 1, rects[0]
    rule = rules[0]
    assert abs(rule.x0 - LEFT) <= 0.1 and abs(rule.width - 156) <= 0.1, rule
    number = next(line for line in first.lines if "〔2026〕5号" in line.text)
    assert abs((number.x0 + number.x1) / 2 - CENTRE) <= 0.5, "the 发文字号 is not centred"
    gap = rule.top - em_bottom(number)
    assert abs(gap - 4) <= 0.5, f"red rule {gap:.2f} mm under the 发文字号"

    title = [line for line in first.lines if line.role == pm.TITLE and glyphs_colored(line, BLACK)]
    assert title, "no title"
    for line in title:
        assert all(abs(g.size - 22) <= 0.05 for g in line.glyphs), f"title «{line.text}» not 22 pt"
        assert abs((line.x0 + line.x1) / 2 - CENTRE) <= 0.5, f"title «{line.text}» not centred"
    space = title[0].em_top - rule.bottom
    assert 2 * PITCH - 0.5 <= space <= 3 * PITCH, f"title {space:.2f} mm below the rule, not two lines"

    end = full_width_rules(rects[-1], BLACK)
    thick = [round(r.thickness, 2) for r in end]
    assert thick == [0.35, 0.25, 0.35], f"版记 rules {thick} mm on the last page"
    assert abs(end[-1].bottom - BOTTOM) <= 0.1, f"last rule's bottom at {end[-1].bottom:.2f} mm"
    last = pages[-1].lines
    inside = [l.text for l in last if end[0].bottom < l.baseline < end[-1].top]
    assert any(t.startswith("抄送：") for t in inside) and any(t.endswith("印发") for t in inside), inside


def test_notice_signature_with_seal(yinfa):
    """§7.3.5.1: the date 4 characters in from the right, the issuer centred over it, the seal
    centred on them with both in its lower half, its top within one line below the text above."""
    pdf = render(yinfa, "notice", os.path.join(TEMPLATES, "notice", "data.json"))
    pages = pm.load(pdf)
    page = next(p for p in pages if any(l.text == "宁波市总工会" for l in p.lines))
    issuer = next(l for l in page.lines if l.text == "宁波市总工会")
    date = next(l for l in page.lines if l.text == "2026年1月5日")
    assert abs(date.x1 - (RIGHT - 4 * CELL)) <= 0.3, f"date ends {RIGHT - date.x1:.2f} mm from the right"
    assert abs((issuer.x0 + issuer.x1) / 2 - (date.x0 + date.x1) / 2) <= 0.3, "issuer not centred over the date"
    above = max((l for l in page.lines if l.baseline < issuer.baseline - 1), key=lambda l: l.baseline)
    seal = red_box(pdf, page.number, (LEFT, above.baseline + 1, RIGHT, date.baseline + 40))
    assert seal, "no seal"
    middle = (seal[1] + seal[3]) / 2
    assert abs((seal[0] + seal[2]) / 2 - (date.x0 + date.x1) / 2) <= 0.5, "seal not centred on the date"
    assert issuer.em_top >= middle - 0.5 and em_bottom(date) <= seal[3], "issuer and date not in the seal's lower half"
    gap = seal[1] - em_bottom(above)
    assert 0 <= gap <= PITCH, f"seal top {gap:.2f} mm below «{above.text}»"


def test_notice_joint_issuance(yinfa):
    """Joint issuance (§7.2.3): the bodies stacked, as wide as each other, "文件" to their right,
    centred on them vertically; the whole centred, its ink 35 mm below the type area."""
    data = sample("notice")
    data["发文机关"] = ["宁波市总工会", "宁波市人力资源和社会保障局"]
    del data["份号"], data["紧急程度"]
    pdf = render(yinfa, "notice", data)
    first = pm.load(pdf)[0]
    red = [l for l in first.lines if glyphs_colored(l, RED)]
    names, side = [l for l in red if l.text != "文件"], [l for l in red if l.text == "文件"]
    assert [l.text for l in names] == ["宁波市总工会", "宁波市人力资源和社会保障局"] and side, [l.text for l in red]
    a, b, side = names[0], names[1], side[0]
    assert abs(a.x0 - b.x0) <= 0.3 and abs(a.x1 - b.x1) <= 0.3, "the names are not set to one width"
    assert side.x0 > a.x1, "文件 is not to the right of the names"
    centre = (a.em_top + em_bottom(b)) / 2
    assert abs((side.em_top + em_bottom(side)) / 2 - centre) <= 0.3, "文件 not centred on the names"
    assert abs((a.x0 + side.x1) / 2 - CENTRE) <= 0.5 and side.x1 <= RIGHT + 0.1, "the mark is not centred"
    ink = red_box(pdf, 1, (LEFT, TOP, RIGHT, TOP + 70))
    assert abs(ink[1] - TOP - 35) <= 1, f"masthead ink top {ink[1] - TOP:.2f} mm"


def test_notice_upward_document(yinfa):
    """An upward document (上行文, §7.2.4): the 发文字号 one character in from the left on the line
    of the 签发人, "签发人：" in 仿宋 and the name in 楷体 one character in from the right."""
    data = dict(sample("notice"), 签发人="张三")
    first = pm.load(render(yinfa, "notice", data))[0]
    line = next(l for l in first.lines if "签发人" in l.text)
    assert line.text.startswith("甬工〔2026〕5号") and line.text.endswith("签发人：张三"), line.text
    assert abs(line.x0 - (LEFT + CELL)) <= 0.3 and abs(line.x1 - (RIGHT - CELL)) <= 0.3, (line.x0, line.x1)
    fonts = {g.text: g.font for g in line.glyphs}
    assert "FandolKai" in fonts["张"] and "Kai" not in fonts["签"], fonts


# ---- the bulletin ------------------------------------------------------------------------------

def test_bulletin_masthead_and_tail(yinfa):
    """The name red, 初号, centred in the top third of page 1 with a thick red rule under the
    masthead; the tail (报尾) on the last page between rules, the last on the bottom of the type
    area."""
    pdf = render(yinfa, "bulletin", os.path.join(TEMPLATES, "bulletin", "data.json"))
    pages, rects = pm.load(pdf), pm.rects(pdf)
    name = next(l for l in pages[0].lines if l.text == "工作简报")
    assert glyphs_colored(name, RED) and abs(name.size - 42) <= 0.05, (name.glyphs[0].color, name.size)
    assert abs((name.x0 + name.x1) / 2 - CENTRE) <= 0.5, f"name centred at {(name.x0 + name.x1) / 2:.2f} mm"
    thick = full_width_rules(rects[0], RED)
    assert thick and thick[0].thickness >= 0.9 and thick[0].bottom <= 297 / 3, thick
    assert name.baseline < thick[0].top, "the rule is not under the masthead"

    tail = full_width_rules(rects[-1], BLACK)
    assert len(tail) == 2 and abs(tail[-1].bottom - BOTTOM) <= 0.1, tail
    between = [l.text for l in pages[-1].lines if tail[0].bottom < l.baseline < tail[1].top]
    for start in ("报：", "送：", "发："):
        assert any(t.startswith(start) for t in between), (start, between)
    copies = next(l for l in pages[-1].lines if l.text == "（共印60份）")
    assert tail[0].bottom < copies.baseline < tail[1].top and abs(copies.x1 - RIGHT) <= 0.3, copies.x1


# ---- tables ------------------------------------------------------------------------------------

TABLE = """<template version="1">
  <slots>
    <slot name="行" type="list"><slot name="名" example="甲"/><slot name="数" type="integer" example="1"/></slot>
  </slots>
  <body>
    <p>下表为各单位人数。</p>
    <table widths="3 1">
      <tr><th>单位名称</th><th>人数</th></tr>
      <for each="行" as="r"><tr><td><v name="r.名"/></td><td align="right"><v name="r.数"/></td></tr></for>
    </table>
    <p>以上。</p>
  </body>
</template>
"""


def test_table_across_pages_repeats_its_header(yinfa):
    """A table longer than a page repeats its header row at the top of the next page, keeps each
    row (a wrapped cell: two lines) on one page, and its lines stay on the grid."""
    tmp = tempfile.mkdtemp(dir=WORK.name)
    open(os.path.join(tmp, "template.xml"), "w", encoding="utf-8").write(TABLE)
    rows = [{"名": f"第{i}单位" + (f"（含下属分支机构和派出机构及服务站点{i}个）" if i % 7 == 0 else ""), "数": i}
            for i in range(1, 41)]
    pdf = render(yinfa, os.path.join(tmp, "template.xml"), {"行": rows})
    pages = pm.load(pdf)
    assert len(pages) >= 2, f"{len(pages)} page"
    for page in pages:
        lines = [l for l in page.lines if l.role != pm.PAGE_NUMBER]
        headers = [l for l in lines if l.text == "单位名称人数"]
        assert len(headers) == 1, f"page {page.number}: {len(headers)} header rows"
        table = [l for l in lines if l.text not in ("下表为各单位人数。", "以上。")]
        assert table[0].text == "单位名称人数", f"page {page.number} starts with «{table[0].text}»"
        for line in lines:  # every baseline on the 22-line grid
            offset = (line.baseline - TOP - (PITCH - line.size / pm.MM) / 2 - 0.88 * line.size / pm.MM) / PITCH
            assert abs(offset - round(offset)) * PITCH < 0.05, f"«{line.text}» off the grid"
    lines = [l.text for page in pages for l in page.lines]
    for r in rows:
        first = [k for k, t in enumerate(lines) if t.startswith(r["名"][:6]) and t.endswith(str(r["数"]))]
        assert len(first) == 1, f"row {r['数']} appears {len(first)} times"
        if len(r["名"]) > 20:  # its second line right below it, on the same page
            assert lines[first[0] + 1].endswith(f"{r['数']}个）"), f"row {r['数']} split: {lines[first[0]:first[0] + 2]}"
    borders = [r for page in pm.rects(pdf) for r in page]
    assert len(borders) > 40 * 3, "no borders"


# ---- images ------------------------------------------------------------------------------------

IMAGE = """<template version="1">
  <slots><slot name="图" example="logo.png"/></slots>
  <body>
    <p>正文。</p>
    <image name="图" width="20mm"/>
  </body>
</template>
"""


def image_case(yinfa, name, content=None):
    """Renders IMAGE with the image file `name` (written with `content` when given) in a
    collection of its own; returns (process, folder)."""
    tmp = tempfile.mkdtemp(dir=WORK.name)
    folder = os.path.join(tmp, "collection", "type")
    os.makedirs(folder)
    open(os.path.join(folder, "template.xml"), "w", encoding="utf-8").write(IMAGE)
    if content is not None:
        open(os.path.join(folder, name), "wb").write(content)
    json.dump({"图": name}, open(os.path.join(folder, "data.json"), "w", encoding="utf-8"), ensure_ascii=False)
    return run(yinfa, "render", "template.xml", "data.json", "-o", "out.pdf", cwd=folder), folder


def test_missing_image_is_an_error(yinfa):
    """An image that does not exist, lies outside the template collection, is not an image or is
    too large: an error naming the file, exit 1, no PDF."""
    p, folder = image_case(yinfa, "no-such-seal.png")
    assert p.returncode == 1 and "no-such-seal.png" in p.stderr and "error" in p.stderr, p.stderr
    assert not os.path.exists(os.path.join(folder, "out.pdf"))
    p = run(yinfa, "check", "template.xml", "data.json", cwd=folder)
    assert p.returncode == 1 and "no-such-seal.png" in p.stderr, p.stderr
    p, folder = image_case(yinfa, "../../outside.png")
    assert p.returncode == 1 and "outside.png" in p.stderr and "不在模板目录中" in p.stderr, p.stderr
    p, folder = image_case(yinfa, "broken.png", b"\x89PNG\r\n\x1a\nnot really a png")
    assert p.returncode == 1 and "broken.png" in p.stderr, p.stderr
    assert not os.path.exists(os.path.join(folder, "out.pdf"))
    # A PNG that says it is 20 000 pixels square is refused before it is decoded.
    huge = red_png()[:16] + (20000).to_bytes(4, "big") * 2 + red_png()[24:]
    p, folder = image_case(yinfa, "huge.png", huge)
    assert p.returncode == 1 and "huge.png" in p.stderr and "过大" in p.stderr, p.stderr


def test_png_and_svg_images(yinfa):
    """A PNG and an SVG, each drawn in the box the template gives, centred, in the flow."""
    svg = os.path.join(TEMPLATES, "common", "seal.svg")
    for name, content in (("seal.svg", open(svg, "rb").read()), ("dot.png", red_png())):
        p, folder = image_case(yinfa, name, content)
        assert p.returncode == 0, p.stderr
        box = red_box(os.path.join(folder, "out.pdf"), 1, (LEFT, TOP, RIGHT, TOP + 60))
        assert box and abs(box[2] - box[0] - 20) <= 1 and abs((box[0] + box[2]) / 2 - CENTRE) <= 0.5, (name, box)


def red_png(size=8):
    """A small red PNG, made without any library."""
    import struct
    import zlib
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * size for _ in range(size))
    chunk = lambda kind, data: (struct.pack(">I", len(data)) + kind + data
                                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# ---- the other elements -------------------------------------------------------------------------

def render_template(yinfa, template, data=None):
    """(process, pdf path) of a template written to a folder of its own, rendered as a draft
    when there is no data."""
    tmp = tempfile.mkdtemp(dir=WORK.name)
    open(os.path.join(tmp, "template.xml"), "w", encoding="utf-8").write(template)
    args = ["render", "template.xml"]
    if data is not None:
        json.dump(data, open(os.path.join(tmp, "data.json"), "w", encoding="utf-8"), ensure_ascii=False)
        args.append("data.json")
    else:
        args.append("--draft")
    p = run(yinfa, *args, "-o", "out.pdf", cwd=tmp)
    return p, os.path.join(tmp, "out.pdf")


def body(blocks, styles=""):
    return f'<template version="1"><styles>{styles}</styles><body>{blocks}</body></template>'


def test_signature_without_seal(yinfa):
    """§7.3.5.2: the issuer one line below the text, two characters in from the right; the date
    on the next line starting two characters right of the issuer's start — or, when the date is
    the longer, two characters in from the right with the issuer two characters left of it."""
    for issuer in ("宁波市总工会机关工会委员会", "宁波市总工会"):
        p, pdf = render_template(yinfa, body(f"<p>此件公开发布。</p><signature><issuer>{issuer}</issuer>"
                                             "<date>2026年1月5日</date></signature>"))
        assert p.returncode == 0, p.stderr
        lines = pm.load(pdf)[0].lines
        text, i, d = lines[0], lines[1], lines[2]
        assert [i.text, d.text] == [issuer, "2026年1月5日"], [l.text for l in lines]
        assert abs(i.baseline - text.baseline - 2 * PITCH) < 0.05, "not one blank line below the text"
        assert abs(d.baseline - i.baseline - PITCH) < 0.05, "the date is not on the next line"
        if d.x1 - d.x0 <= i.x1 - i.x0 - 2 * CELL:  # the date, two characters right, still fits
            assert abs(i.x1 - (RIGHT - 2 * CELL)) <= 0.3, f"issuer ends {RIGHT - i.x1:.2f} mm from the right"
            assert abs(d.x0 - (i.x0 + 2 * CELL)) <= 0.3, "the date does not start two characters right"
        else:
            assert abs(d.x1 - (RIGHT - 2 * CELL)) <= 0.3, f"date ends {RIGHT - d.x1:.2f} mm from the right"
            assert abs(i.x0 - (d.x0 - 2 * CELL)) <= 0.3, "the issuer is not two characters left of the date"


def test_row_parts_and_overlap(yinfa):
    """A row's parts at their insets on one line; parts that would overlap are an error, and
    nothing is written."""
    p, pdf = render_template(yinfa, body('<row><left inset="2">左边</left><center>中间</center>'
                                         '<right inset="1">右边</right></row>'))
    assert p.returncode == 0 and "重叠" not in p.stderr, p.stderr
    line = pm.load(pdf)[0].lines[0]
    assert line.text == "左边中间右边", line.text
    g = line.glyphs
    assert abs(g[0].x0 - (LEFT + 2 * CELL)) <= 0.3 and abs(g[-1].x1 - (RIGHT - CELL)) <= 0.3, (g[0].x0, g[-1].x1)
    assert abs((g[2].x0 + g[3].x1) / 2 - CENTRE) <= 0.3, "the centre part is not centred"
    long = "很长的文字" * 4
    p, pdf = render_template(yinfa, body(f"<row><left>{long}</left><right>{long}</right></row>"))
    assert p.returncode == 1 and "第 1 页：「很长的文字" in p.stderr and "重叠" in p.stderr, p.stderr
    assert not os.path.exists(pdf)


def test_stack_wider_than_the_type_area_is_set_smaller(yinfa):
    """A mark that would be wider than the type area is set smaller until it fits (§7.2.3 leaves
    the size to the issuer, not the width)."""
    name = "宁波市人力资源和社会保障局宁波市总工会"
    p, pdf = render_template(yinfa, body(f"<stack style=\"标志\"><line>{name}</line><side>文件</side></stack>",
                                         '<style name="标志" base="标题" size="初号" color="red"/>'))
    assert p.returncode == 0, p.stderr
    line = pm.load(pdf)[0].lines[0]
    assert line.text == name + "文件" and line.size < 42, (line.text, line.size)
    assert line.x0 >= LEFT - 0.1 and line.x1 <= RIGHT + 0.1, (line.x0, line.x1)


def test_top_group_and_floating_image(yinfa):
    """A group at the top lands at its offset whatever comes before it — on a new page when the
    blocks above reach past it, never over them — and a floating image takes no line: the text
    after it is where it would be without it."""
    mark = '<block position="top" offset="50mm"><p style="标">标志</p></block>'
    style = '<style name="标" base="标题" color="red"/>'
    p, pdf = render_template(yinfa, body("<p>甲</p>" + mark, style))
    assert p.returncode == 0 and "重叠" not in p.stderr, p.stderr
    ink = red_box(pdf, 1, (LEFT, TOP, RIGHT, TOP + 80))
    assert abs(ink[1] - TOP - 50) <= 0.3, f"ink top {ink[1] - TOP:.2f} mm"
    p, pdf = render_template(yinfa, body("<p>甲</p>" * 6 + mark, style))
    assert p.returncode == 0 and "重叠" not in p.stderr, p.stderr
    assert red_box(pdf, 1, (LEFT, TOP, RIGHT, TOP + 80)) is None, "the mark is drawn over the text"
    ink = red_box(pdf, 2, (LEFT, TOP, RIGHT, TOP + 80))
    assert ink and abs(ink[1] - TOP - 50) <= 0.3, "the mark is not at its offset on a new page"

    tmp = tempfile.mkdtemp(dir=WORK.name)
    open(os.path.join(tmp, "dot.png"), "wb").write(red_png())
    positions = []
    for image in ("", '<image src="dot.png" width="30mm" float="yes"/>'):
        open(os.path.join(tmp, "template.xml"), "w", encoding="utf-8").write(body(f"<p>甲</p>{image}<p>乙</p>"))
        p = run(yinfa, "render", "template.xml", "--draft", "-o", "out.pdf", cwd=tmp)
        assert p.returncode == 0, p.stderr
        positions.append([l.baseline for l in pm.load(os.path.join(tmp, "out.pdf"))[0].lines[:2]])
    assert positions[0] == positions[1], positions
    box = red_box(os.path.join(tmp, "out.pdf"), 1, (LEFT, TOP, RIGHT, TOP + 60))
    assert box and abs(box[1] - (TOP + PITCH)) <= 0.3, f"float's top {box[1]:.2f} mm, not the next line's"
