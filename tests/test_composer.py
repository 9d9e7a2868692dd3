"""The CJK line composer (engine/compose.c) and pagination (engine/paginate.c), held to clreq,
GB/T 15834 and GB/T 9704.

tests/composer/NAME.txt is a hard paragraph with its line breaks worked out by hand:

    # what is hard here, and why the lines break where they do (any number of lines)
    % --punct kaiming          (optional: the punctuation style, as the template's <page punct=…>;
                                --verbatim: the text reaches the composer as it is, past bind,
                                rendered through tests/composer/probe.c)
    the paragraph, on one line

    expected line 1 (without the indent)
    expected line 2 …

Each paragraph is set as a <p> on the GB/T 9704 page (first line 26 cells after the two-character
indent, then 28) and its lines in the layout dump are compared with the expected ones. The whole
corpus, and the draft speech, are then measured in the PDF (tests/pdfmeasure.py): kinsoku, "——" and
"……" unsplit, every full line ending at the right edge of the type area, characters per line,
baselines on the grid, and text extraction equal to the input.
"""
import glob
import os
import re
import statistics
import subprocess
import sys
import tempfile
from xml.sax.saxutils import escape

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "tests", "composer")
sys.path.insert(0, os.path.join(ROOT, "tests"))
import pdfmeasure as pm  # noqa: E402

LEFT, RIGHT, TOP = 28.0, 184.0, 37.0  # type area, mm from the page's top-left corner
PITCH, CELL = 225 / 22, 156 / 28  # mm: line pitch and character cell of the 22 × 28 grid
INDENT = LEFT + 2 * CELL
EDGE = 0.5 / pm.MM  # ±0.5 pt, in mm
GRID = 0.05  # mm a baseline may be off the grid
NOT_AT_LINE_START = "，。、；：？！）》”’〕】」』·—…"
NOT_AT_LINE_END = "（《“‘〔【「『"
DUMP_TEXT = re.compile(r"^  x=.*\|(.*)\|$")
WORK = tempfile.TemporaryDirectory(prefix="yinfa-composer-")  # removed when the run ends


# ---- the corpus ---------------------------------------------------------------------------------

class Case:
    def __init__(self, path):
        self.name = os.path.basename(path)[:-4]
        lines = open(path, encoding="utf-8").read().split("\n")
        body = [line for line in lines if not line.startswith("#")]
        self.options = [a for line in body if line.startswith("%") for a in line[1:].split()]
        body = [line for line in body if not line.startswith("%")]
        self.text = body[0]
        self.lines = [line for line in body[2:] if line]
        assert body[1] == "", f"{self.name}: a blank line must follow the paragraph"
        if "--verbatim" in self.options:  # the text as it is, past the bind stage's white-space rules
            i = self.options.index("--verbatim")
            self.options[i:i + 1] = ["--text", "0:" + self.text]
        assert squash("".join(self.lines)) == squash(self.text), f"{self.name}: the lines do not add up to the text"


def squash(text):
    return re.sub(r"\s+", "", text)


def corpus():
    return [Case(p) for p in sorted(glob.glob(os.path.join(CORPUS, "*.txt")))]


def template(paragraphs, styles="", head="", page=""):
    """A template of <p> blocks; `styles`: <style> elements; `head`: blocks before them; `page`:
    the attributes of <page>."""
    body = head + "".join(f"    <p>{escape(p)}</p>\n" for p in paragraphs)
    styles = f"  <styles>{styles}</styles>\n" if styles else ""
    page = f"  <page {page}/>\n" if page else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<template version="1">\n{page}{styles}'
            f"  <body>\n{body}  </body>\n</template>\n")


def dump_lines(dump):
    return [m.group(1) for m in map(DUMP_TEXT.match, dump.splitlines()) if m]


_probe = None


def probe(yinfa):
    """tests/composer/probe.c, built once against the library beside the yinfa binary, with the
    Makefile's packages and libraries."""
    global _probe
    if _probe:
        return _probe
    makefile = open(os.path.join(ROOT, "Makefile")).read()
    pkgs = re.search(r"^PKGS\s*:=\s*(.*)$", makefile, re.M).group(1).split()
    extra = re.search(r"^PKG_LIBS\s*=.*\)(.*)$", makefile, re.M).group(1).split()
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", *pkgs], capture_output=True, text=True,
                           check=True).stdout.split()
    out = os.path.join(tempfile.mkdtemp(dir=WORK.name), "probe")
    lib = os.path.join(os.path.dirname(yinfa), "libyinfa.a")
    # `make asan` builds the library with sanitizers: the probe must link the same way.
    sanitizers = os.environ.get("YINFA_SAN_FLAGS", "").split()
    subprocess.run(["cc", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter",
                    f'-DSOURCE_ROOT="{ROOT}"', "-Iinclude", "-Iengine", "tests/composer/probe.c", lib,
                    *sanitizers, *flags, *extra, "-o", out], cwd=ROOT, check=True)
    _probe = out
    return out


def render(yinfa, paragraphs, options=(), pdf=None, raw_template=None):
    """(dump, pdf path) of the paragraphs set as <p> blocks (or of raw_template); options: --punct
    STYLE (the template's <page punct>), and probe's."""
    tmp = tempfile.mkdtemp(dir=WORK.name)
    src = os.path.join(tmp, "template.xml")
    options, page = list(options), ""
    if "--punct" in options:
        i = options.index("--punct")
        page = f'punct="{options[i + 1]}"'
        del options[i:i + 2]
    open(src, "w", encoding="utf-8").write(raw_template or template(paragraphs, page=page))
    pdf = pdf or os.path.join(tmp, "out.pdf")
    if options:
        args = [probe(yinfa), src, *options, "-o", pdf, "--dump", "-"]
    else:
        args = [yinfa, "render", src, "--draft", "-o", pdf, "--dump", "-", "-q"]
    p = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout, pdf


def test_corpus_line_breaks(yinfa):
    """Every paragraph of tests/composer breaks exactly where worked out by hand."""
    problems = []
    for case in corpus():
        dump, _ = render(yinfa, [case.text], case.options)
        got = dump_lines(dump)
        if got != case.lines:
            problems.append(f"{case.name}:\n    got      {got}\n    expected {case.lines}")
    assert not problems, "\n".join(problems)


# ---- measuring a PDF -----------------------------------------------------------------------------

def body_lines(pdf):
    """(page, line) for every line of 三号 type on the body grid, in reading order."""
    return [(page, line) for page in pm.load(pdf) for line in page.lines
            if line.role in (pm.BODY, pm.HEADING) and abs(line.size - 16) < 0.05]


def line_end(line):
    """Where the line's set width ends: the advance of its last glyph, or for a line-end mark
    compressed to half width, the half holding its ink (pdfmeasure.set_extents)."""
    return pm.set_extents(line, LEFT, RIGHT)[-1][1]


def is_first(line):
    return abs(line.x0 - INDENT) <= EDGE


def measure(pdf):
    """(problems, figures) for the body lines of a PDF."""
    lines = body_lines(pdf)
    problems, counts, deviations = [], [], []
    for i, (page, line) in enumerate(lines):
        text, where = line.text, f"p{page.number} «{line.text[:12]}»"
        final = i + 1 == len(lines) or is_first(lines[i + 1][1])
        if text[0] in NOT_AT_LINE_START and not is_first(line):
            problems.append(f"{where} starts with «{text[0]}»")
        if text[-1] in NOT_AT_LINE_END:
            problems.append(f"{where} ends with «{text[-1]}»")
        if not final:
            for mark in "—…":
                if (len(text) - len(text.rstrip(mark))) % 2 and lines[i + 1][1].text.startswith(mark):
                    problems.append(f"{where} splits «{mark * 2}»")
            deviation = line_end(line) - RIGHT
            deviations.append(abs(deviation))
            if abs(deviation) > EDGE:
                problems.append(f"{where} ends {deviation * pm.MM:+.2f} pt from the right edge")
            # Pure-Chinese: no Latin letter or digit on the line, nor pushed to the start of the next.
            if not any(g.narrow for g in line.glyphs) and not lines[i + 1][1].glyphs[0].narrow:
                counts.append(len(text) + (2 if is_first(line) else 0))
        for g, (x0, x1, compressed) in zip(line.glyphs, pm.set_extents(line, LEFT, RIGHT)):
            if g.x1 > RIGHT + EDGE and not (g is line.glyphs[-1] and compressed and g.x1 <= RIGHT + CELL / 2 + EDGE):
                problems.append(f"{where}: «{g.text}» overhangs the right edge by {(g.x1 - RIGHT) * pm.MM:.2f} pt")
        offset = (line.baseline - TOP - (PITCH - line.glyphs[0].em) / 2 - 0.88 * line.glyphs[0].em) / PITCH
        if abs(offset - round(offset)) * PITCH > GRID:
            problems.append(f"{where}: baseline {line.baseline:.2f} mm is off the grid")
    figures = {"lines": len(counts), "median": statistics.median(counts) if counts else 0,
               "min": min(counts, default=0), "max": max(counts, default=0),
               "edge": max(deviations, default=0) * pm.MM}
    if counts and figures["median"] != 28:
        problems.append(f"median pure-Chinese line holds {figures['median']} characters, expected 28")
    if counts and figures["min"] < 27:
        problems.append(f"a pure-Chinese line holds {figures['min']} characters, expected 27 or more")
    return problems, figures


def extracted(pdf):
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", re.sub(r"—\s*\d+\s*—", "", text))


def test_corpus_pdf(yinfa):
    """The corpus as one document: measured rules hold, and copy-paste gives back the input."""
    cases = [c for c in corpus() if not c.options]
    _, pdf = render(yinfa, [c.text for c in cases])
    problems, _ = measure(pdf)
    source = re.sub(r"\s+", "", "".join(c.text for c in cases))
    if extracted(pdf) != source:
        problems.append(f"pdftotext gives «{extracted(pdf)[:60]}…», not the input")
    assert not problems, "\n".join(problems)


def test_speech_pdf(yinfa):
    """The draft speech: measured rules hold."""
    with tempfile.TemporaryDirectory() as tmp:
        pdf = os.path.join(tmp, "speech.pdf")
        subprocess.run([yinfa, "render", "union-speech", "--draft", "-o", pdf, "-q"], check=True)
        problems, figures = measure(pdf)
    assert figures["lines"] > 100, f"only {figures['lines']} full pure-Chinese lines measured"
    assert not problems, "\n".join(problems)


# ---- "——" and "……" at every column ------------------------------------------------------------

HAN = "各级工会要把这项工作摆上重要议事日程切实加强组织领导确保各项任务落到实处全市广大职工群众积极投身创业创新实践为推动经济社会发展作出新的更大贡献"


def column_case(column, mark):
    """A paragraph whose second line would have `mark` begin in cell `column` (1 = the start of
    line 2), with its lines as the rules give them: the first line holds 26 cells (one "，"); line 2
    two "，" placed away from the mark. Column 1: the mark may not start line 2, and the last
    character of line 1 goes down with it (two cells over, one "，" gives half). Columns 2–27: the
    mark fits, line 2 holds exactly 28 cells. Column 28: the mark would cross the edge by one cell;
    the two "，" of line 2 give it. Lines 3 on: the rest."""
    first = HAN[:10] + "，" + HAN[10:25]
    commas = (2, 4) if column > 6 else (column + 3, column + 5)  # 0-based cells of line 2
    cells = list(HAN[25:80])
    for k in commas:
        cells[k] = "，"
    rest = "".join(cells[:column - 1]) + mark + "".join(cells[column - 1:]) + "。"
    text = first + rest
    if column == 1:
        return text, [first[:-1], (first[-1] + rest)[:28], (first[-1] + rest)[28:]]
    cut = 28 if column < 28 else 29  # characters of line 2: 28 cells, or 29 characters squeezed
    return text, [first, rest[:cut], rest[cut:]]


def test_dash_and_ellipsis_at_every_column(yinfa):
    """"——" and "……" starting in each of the 28 cells of a line: never split, never at a line
    start, squeezed onto the line when the line's marks can give the room."""
    problems = []
    for mark in ("——", "……"):
        cases = [column_case(column, mark) for column in range(1, 29)]
        dump, pdf = render(yinfa, [text for text, _ in cases])
        got = dump_lines(dump)
        want = [line for _, lines in cases for line in lines]
        if got != want:
            diff = next(i for i, (a, b) in enumerate(zip(got + [""] * len(want), want)) if a != b)
            problems.append(f"{mark}: line {diff + 1} is «{got[diff] if diff < len(got) else ''}», "
                            f"expected «{want[diff]}»")
        problems += measure(pdf)[0]
    assert not problems, "\n".join(problems)


# ---- spacing, punctuation styles, faces ----------------------------------------------------------

def glyphs_of(pdf):
    return [g for page in pm.load(pdf) for line in page.lines if line.role != pm.PAGE_NUMBER
            for g in line.glyphs]


def test_han_latin_space(yinfa):
    """A quarter em between Han and Latin letters or digits (clreq); none beside Chinese
    punctuation, none at a line's start."""
    _, pdf = render(yinfa, ["使用Python语言，2026年", "Python开头"])
    g = glyphs_of(pdf)
    text = "".join(x.text for x in g)
    assert text.startswith("使用Python语言，2026年Python开头"), text
    em = 16 / pm.MM
    # Full-width glyphs are centred in a 15.79 pt cell: their 16 pt box overhangs it by 0.105 pt.
    overhang = (em - CELL) / 2
    gap = lambda a, b: (b.x0 - a.x1 + (overhang if not a.narrow else 0) + (overhang if not b.narrow else 0)) * pm.MM
    spaces = {f"{a.text}{b.text}": round(gap(a, b), 2) for a, b in zip(g, g[1:])}
    assert abs(spaces["用P"] - 4) < 0.05 and abs(spaces["n语"] - 4) < 0.05, spaces
    assert abs(spaces["，2"]) < 0.05 and abs(spaces["6年"] - 4) < 0.05, spaces
    python = [x for x in g if x.text == "P"][1]
    assert abs(python.x0 - LEFT - 2 * CELL) < 0.05, f"the second paragraph starts {python.x0:.2f} mm"


def natural_cells(dump):
    """The natural width (mm) of each line of the dump, in grid cells."""
    return [round(float(re.search(r"natural=([\d.]+)", line).group(1)) / CELL, 2)
            for line in dump.splitlines() if DUMP_TEXT.match(line)]


def test_punctuation_styles(yinfa):
    """全角式, 开明式 and 半角式 (ctex's quanjiao, kaiming, banjiao) on one short line each: "，“"
    and "”。" are pairs, "：" ends the salutation-like last paragraph."""
    paragraphs = ["甲乙丙丁，“戊己”。", "同志们："]
    # cells: 4 Han + ，“ + 2 Han + ”。 ; then 3 Han + ：
    want = {"quanjiao": [10, 4], "kaiming": [8.5, 3.5], "banjiao": [8, 3.5]}
    for style, cells in want.items():
        dump, _ = render(yinfa, paragraphs, ["--punct", style])
        got = natural_cells(dump)[:2]
        assert got == cells, f"{style}: lines of {got} cells, expected {cells}"


def ink(pdf, box):
    """Dark pixels in a box (x, y, w, h in mm) of page 1 at 300 dpi."""
    px = lambda mm: int(mm / 25.4 * 300)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", "300", "-gray", "-f", "1", "-l", "1", "-x", str(px(box[0])),
                        "-y", str(px(box[1])), "-W", str(px(box[2])), "-H", str(px(box[3])), "-singlefile",
                        pdf, os.path.join(tmp, "i")], check=True)
        data = open(os.path.join(tmp, "i.pgm"), "rb").read().split(b"\n", 3)[3]
    return sum(1 for b in data if b < 128)


def test_synthetic_bold(yinfa):
    """Bold in a face without a bold weight (AR PL UKai, as 楷体_GB2312) is emboldened: the heading
    carries clearly more ink, and its text still extracts."""
    conf = os.path.join(tempfile.mkdtemp(dir=WORK.name), "fonts.conf")
    open(conf, "w").write('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">'
                          "<fontconfig><dir>/usr/share/fonts/truetype/arphic</dir>"
                          "<cachedir>/var/cache/fontconfig</cachedir></fontconfig>")
    env = dict(os.environ, YINFA_FONTS_CONF=conf)
    inks = []
    for bold in ("no", "yes"):
        src, pdf = conf + f"-{bold}.xml", conf + f"-{bold}.pdf"
        open(src, "w", encoding="utf-8").write(template(
            [], f'<style name="要点" base="二级标题" bold="{bold}"/>',
            '    <h2 style="要点" number="none">坚持问题导向</h2>\n'))
        subprocess.run([yinfa, "render", src, "--draft", "-o", pdf, "-q"], check=True, env=env)
        inks.append(ink(pdf, (INDENT, TOP, 6 * CELL, PITCH)))
        assert squash(extracted(pdf)) == "坚持问题导向", extracted(pdf)
    assert inks[1] > 1.15 * inks[0], f"bold heading ink {inks[1]} px vs regular {inks[0]} px"


def test_spans_face_colour_bold(yinfa):
    """A block's spans set their text in their own face, colour and weight (a run-in heading
    一是…… in bold red 楷体)."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar, LTContainer

    def chars(o):
        if isinstance(o, LTChar):
            yield o
        elif isinstance(o, LTContainer):
            for c in o:
                yield from chars(c)
    src = template([], '<style name="引题" role="楷体" bold="yes" color="#C00000"/>',
                   '    <p><span style="引题">一是加强组织领导</span>。各级工会要把这项工作摆上重要议事日程。</p>\n')
    _, pdf = render(yinfa, [], raw_template=src)
    cs = [c for page in extract_pages(pdf) for c in chars(page)][:12]
    for k, c in enumerate(cs):
        in_span = k < 8
        assert ("WenKai-Bold" in c.fontname) == in_span, (c.get_text(), c.fontname)
        red = tuple(round(v, 2) for v in c.graphicstate.ncolor) == (0.75, 0, 0)
        assert red == in_span, (c.get_text(), c.graphicstate.ncolor)


def test_masthead_takes_whole_grid_lines(yinfa):
    """A 42 pt line (a bulletin masthead, 初号) is larger than the 28.99 pt pitch: it takes two
    whole grid lines, its em box centred in them, and every line after it stays on the grid."""
    src = template(["第一期。各级工会要把这项工作摆上重要议事日程，加强组织领导，确保取得实效。"],
                   '<style name="报头" base="标题" size="初号" color="red"/>',
                   '    <title style="报头">工作简报</title>\n')
    _, pdf = render(yinfa, [], raw_template=src)
    pages = pm.load(pdf)
    title = next(line for line in pages[0].lines if line.size > 40)
    em = title.glyphs[0].em
    top = title.baseline - 0.88 * em
    assert abs(top - (TOP + (2 * PITCH - em) / 2)) < GRID, f"masthead em box top at {top:.2f} mm"
    problems, _ = measure(pdf)
    assert not problems, problems
    first_body = min(line.baseline for line in pages[0].lines if abs(line.size - 16) < 0.05)
    assert first_body > TOP + 2 * PITCH, f"body line at {first_body:.2f} mm inside the masthead's lines"


# ---- pagination -----------------------------------------------------------------------------------

def block(lines, last=10):
    """A pure-Han paragraph of `lines` lines: 26 characters, then 28 a line, the last `last`."""
    n = 26 + 28 * (lines - 2) + last if lines > 1 else last
    return (HAN * 20)[:n]


def pages_of(dump):
    """The dump's lines per page, as lists of texts."""
    pages = []
    for line in dump.splitlines():
        if line.startswith("page "):
            pages.append([])
        elif DUMP_TEXT.match(line):
            pages[-1].append(DUMP_TEXT.match(line).group(1))
    return pages


def test_widow_and_orphan(yinfa):
    """A paragraph's last line does not stand alone at the head of a page (孤行): two go over,
    and the paragraph above is set one line longer (伸行) so that the page stays full.
    Its first line does not stand alone at the foot: the whole paragraph goes over."""
    a, b = block(19, 28), block(4)
    pages = pages_of(render(yinfa, [a, b])[0])
    assert [len(p) for p in pages] == [22, 2], [len(p) for p in pages]
    a, b = block(21, 28), block(3)
    pages = pages_of(render(yinfa, [a, b])[0])
    assert [len(p) for p in pages] == [22, 3], [len(p) for p in pages]


def test_widow_cured_by_tightening(yinfa):
    """缩行: rather than leave a page short, a paragraph that would end in a widow is set one line
    shorter: its last lines a character denser each (gaps narrowed by less than 0.7 pt), the
    last one too when it comes out full. Its marks inside the lines keep their full width (全角式)."""
    comma_line = HAN[:9] + "，" + HAN[9:18] + "，" + HAN[18:26]  # 28 cells
    b = HAN[:26] + comma_line + comma_line + "导。"
    dump, _ = render(yinfa, [block(19, 28), b])
    pages = pages_of(dump)
    assert [len(p) for p in pages] == [22], [len(p) for p in pages]
    assert pages[0][19:] == [b[:26], comma_line + HAN[0], comma_line[1:] + "导。"], pages[0][19:]


def test_heading_kept_with_two_lines(yinfa):
    """A heading with room for itself and one line of its paragraph (or two lines that the
    widow rule would part) goes to the next page with them; a heading above a heading too."""
    src = lambda body: template([]).replace("</body>", body + "  </body>")
    p = lambda text: f"    <p>{text}</p>\n"
    cases = [
        (p(block(19, 28)) + "    <h1>总体要求</h1>\n" + p(block(3)), [19, 4]),
        (p(block(18, 28)) + "    <h1>总体要求</h1>\n    <h2>指导思想</h2>\n" + p(block(3)), [18, 5]),
        (p(block(18, 28)) + "    <h1>总体要求</h1>\n" + p(block(4)), [22, 2]),  # 伸行 fills the page
    ]
    for body, want in cases:
        pages = pages_of(render(yinfa, [], raw_template=src(body))[0])
        assert [len(x) for x in pages] == want, f"pages of {[len(x) for x in pages]} lines, expected {want}"


def test_long_title_balanced(yinfa):
    """A centred title too long for one line is set in lines of about equal length, breaking
    between words where it can — not a full line over a stub: the speech's title with real data
    used to leave "好步" alone on its third line."""
    raw = template([], head="    <title>振奋精神求突破　竭尽全力抓落实<br/>为全面实现市工会十五大目标任务开好局起好步</title>\n"
                            "    <title>宁波市总工会关于申请2026年职工服务阵地建设专项经费的请示</title>\n"
                            "    <title>关于进一步加强和改进新时代产业工人队伍建设工作的实施意见和具体措施</title>\n")
    lines = dump_lines(render(yinfa, [], raw_template=raw)[0])
    assert lines == ["振奋精神求突破　竭尽全力抓落实", "为全面实现市工会十五大", "目标任务开好局起好步",
                     "宁波市总工会关于申请2026年", "职工服务阵地建设专项经费的请示",
                     "关于进一步加强和改进新时代产业工人", "队伍建设工作的实施意见和具体措施"], lines
