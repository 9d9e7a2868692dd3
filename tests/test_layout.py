"""Layout test: measure a rendered speech PDF against GB/T 9704-2012 (the numbers in README.md, "Layout").

usage: /usr/bin/python3 tests/test_layout.py PDF

PDF is the draft speech, rendered with the project's pinned fonts:
    YINFA_FONTS_CONF=$PWD/tests/fonts.conf ./build/yinfa render union-speech --draft -o PDF -q

Every check measures the PDF itself (pdfmeasure.py, poppler's pdftotext/pdffonts/pdftoppm), never the
engine's --dump. One line per check, "ok NAME" or "FAIL NAME: what, where, measured vs expected";
lines starting with "#" are information; then "N passed, M failed". Exit status 1 if any check failed.

The grid: A4, type area x 28…184 mm, y 37…262 mm, 22 lines of 28 characters, so a line pitch of 225/22 mm
and a character cell of 156/28 mm (a 16 pt 三号 glyph is centred in a cell 15.79 pt wide).
"""

import collections
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pdfmeasure as pm  # noqa: E402
from pdfminer.pdfdocument import PDFDocument, PDFNoOutlines  # noqa: E402
from pdfminer.pdfparser import PDFParser, PDFSyntaxError  # noqa: E402
from pdfminer.utils import decode_text  # noqa: E402

A4 = (595.28, 841.89)  # pt
LEFT, RIGHT, TOP, BOTTOM = 28.0, 184.0, 37.0, 262.0  # type area, mm from the top-left corner
PITCH = 225 / 22  # mm between baselines
CELL = 156 / 28  # mm per character
INDENT = LEFT + 2 * CELL  # a paragraph's first line starts two characters in
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28
BODY_SIZE, TITLE_SIZE, PAGE_NUMBER_SIZE = 16.0, 22.0, 14.0  # pt: 三号, 二号, 四号

EDGE_TOLERANCE = 1.0  # mm, for line edges
AREA_TOLERANCE = 0.5  # mm, for glyphs against the type area
SIZE_TOLERANCE = 0.05  # pt
PITCH_TOLERANCE = 0.1  # mm

PAGE_NUMBER_INSET = PAGE_NUMBER_SIZE / pm.MM  # one 四号 character in from the edge of the type area
PAGE_NUMBER_INK_TOP = BOTTOM + 7  # top of the dashes' ink, 7 mm below the type area
INK_TOLERANCE = 0.5  # mm
INK_DPI = 300
DARK = 128  # grey level below which a pixel counts as ink

NOT_AT_LINE_START = pm.CLOSING_MARKS
NOT_AT_LINE_START_IN_PARAGRAPH = "…—"  # —— and …… may start a paragraph, not a line inside it
NOT_AT_LINE_END = pm.OPENING_MARKS
PARAGRAPH_END_MARKS = "。！？：；…”’）》」』"  # what a paragraph's last line can end with (or a heading)

SEED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "extract",
                    "speech.txt")  # the redacted source speech the template reproduces
TITLE_START = "振奋精神求突破"
OUTLINE_NUMERALS = "一二三四五六"
MAX_REPORTED = 6  # problems quoted per failed check


class Note(str):
    """Information a check prints without failing."""


class Document:
    def __init__(self, path):
        self.path = path
        self.pages = pm.load(path)

    def text_lines(self):
        """(page, line) for every line on the body grid, in reading order."""
        return [(page, line) for page in self.pages for line in page.text_lines]


# ---- measuring helpers --------------------------------------------------------------------------

def where(page, line):
    """Name a line in a message: page, line number on the page (top to bottom), its first characters."""
    number = page.lines.index(line) + 1
    text = line.text
    return f"p{page.number} line {number} «{text[:10]}{'…' if len(text) > 10 else ''}»"


def left_edge(line):
    return pm.set_extents(line, LEFT, RIGHT)[0][0]


def right_edge(line):
    return pm.set_extents(line, LEFT, RIGHT)[-1][1]


def is_full(line):
    """The line runs to the right edge of the type area (it is not a paragraph's last line)."""
    return abs(right_edge(line) - RIGHT) <= EDGE_TOLERANCE


def is_indented(line):
    return abs(left_edge(line) - INDENT) <= EDGE_TOLERANCE


def grid_cells(line):
    """How many grid cells the line's characters take, counted from the left edge of the type area.

    A full-width character is one cell per character (half a cell if it is punctuation compressed to
    half width), however much the line was stretched. A run of narrow Latin letters, digits or ASCII
    punctuation takes the space between the cells of its full-width neighbours (glyphs plus Han–Latin
    spacing), and so does the indent before the first full-width character.
    """
    total, edge, open_span = 0.0, LEFT, True
    extents = pm.set_extents(line, LEFT, RIGHT)
    for g, (x0, x1, compressed) in zip(line.glyphs, extents):
        if g.narrow:
            open_span = True
            continue
        width = CELL * len(g.text) * (0.5 if compressed else 1)
        start = (x0 + x1) / 2 - width / 2
        if open_span:
            total += (start - edge) / CELL
        total += width / CELL
        edge, open_span = start + width, False
    if open_span:
        total += (extents[-1][1] - edge) / CELL
    return total


def indent_cells(line):
    return round((left_edge(line) - LEFT) / CELL)


def ink_top(pdf_path, page_number, x0, x1, y0, y1):
    """Top (mm) of the first pixel row with ink (< DARK) in the page region x0…x1 × y0…y1 (mm), or None."""
    def to_pixels(mm):
        return int(mm / 25.4 * INK_DPI)

    left, top = to_pixels(x0), to_pixels(y0)
    width, height = max(1, to_pixels(x1) - left), max(1, to_pixels(y1) - top)
    with tempfile.TemporaryDirectory() as tmp:
        prefix = os.path.join(tmp, "region")
        subprocess.run(["pdftoppm", "-r", str(INK_DPI), "-gray", "-f", str(page_number), "-l", str(page_number),
                        "-x", str(left), "-y", str(top), "-W", str(width), "-H", str(height),
                        "-singlefile", pdf_path, prefix], check=True)
        columns, rows, pixels = read_pgm(prefix + ".pgm")
    for row in range(rows):
        if min(pixels[row * columns:(row + 1) * columns]) < DARK:
            return (top + row) / INK_DPI * 25.4
    return None


def read_pgm(path):
    """(width, height, pixels) of an 8-bit binary PGM as pdftoppm writes it: "P5\\nW H\\n255\\n" + rows."""
    with open(path, "rb") as f:
        magic, size, maxval, pixels = f.read().split(b"\n", 3)
    if magic != b"P5" or maxval != b"255":
        raise ValueError(f"{path}: not an 8-bit binary PGM")
    width, height = map(int, size.split())
    return width, height, pixels


def run(*command):
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def strip_whitespace(text):
    return re.sub(r"\s+", "", text)


# ---- the checks: each yields its problems (and Notes) -------------------------------------------

def a4(doc):
    """Every page is A4 (GB/T 9704 §5)."""
    for page in doc.pages:
        if abs(page.width - A4[0]) > 0.5 or abs(page.height - A4[1]) > 0.5:
            yield f"p{page.number} is {page.width:.2f} × {page.height:.2f} pt, expected {A4[0]} × {A4[1]} ± 0.5"


def body_size(doc):
    """Every glyph on the body grid (body text and headings) is 三号, 16 pt."""
    for page, line in doc.text_lines():
        sizes = sorted({round(g.size, 2) for g in line.glyphs if abs(g.size - BODY_SIZE) > SIZE_TOLERANCE})
        if sizes:
            yield f"{where(page, line)}: glyphs at {sizes} pt, expected {BODY_SIZE} ± {SIZE_TOLERANCE}"


def left_edge_check(doc):
    """Lines are flush left at 28 mm; a paragraph's first line is indented two characters.

    A line following a paragraph's last line (one that stops short of the right edge) must be indented;
    an indented line must not follow a full line that ends mid-sentence. The first text line (the
    salutation) may be either.
    """
    lines = doc.text_lines()
    for i, (page, line) in enumerate(lines):
        edge = left_edge(line)
        previous = lines[i - 1][1] if i else None
        if abs(edge - LEFT) <= EDGE_TOLERANCE:
            if previous is not None and not is_full(previous):
                yield (f"{where(page, line)} follows a paragraph's last line but is not indented: "
                       f"left edge {edge:.2f} mm, expected {INDENT:.2f}")
        elif abs(edge - INDENT) <= EDGE_TOLERANCE:
            if (previous is not None and is_full(previous) and previous.role != pm.HEADING
                    and previous.text[-1] not in PARAGRAPH_END_MARKS):
                yield (f"{where(page, line)} is indented ({edge:.2f} mm) although the line before "
                       f"continues the paragraph (ends «{previous.text[-3:]}» at the right edge)")
        else:
            yield (f"{where(page, line)}: left edge {edge:.2f} mm, expected {LEFT:.2f} (flush) "
                   f"or {INDENT:.2f} (first line) ± {EDGE_TOLERANCE}")


def first_line_band(doc):
    """The top of each page's first line (its em box) lies in the first line band of the grid."""
    for page in doc.pages:
        lines = [line for line in page.lines if line.role != pm.PAGE_NUMBER]
        if not lines:
            yield f"p{page.number} carries no text"
            continue
        top = lines[0].em_top
        if not TOP <= top <= TOP + PITCH:
            yield (f"{where(page, lines[0])}: top of em box at {top:.2f} mm, "
                   f"expected within the first line band {TOP:.2f}…{TOP + PITCH:.2f}")


def pushed_by_clreq(line, following):
    """Whether clreq forced characters off `line`: the next line starts with a character that was
    dragged down by a mark that may not start a line (「动。」), or starts with an opening mark whose
    first character could not stay at the end of `line` alone (「（街」).

    Only then may a full line hold 27 characters, stretched to the right edge (先挤进，后推出: the squeeze
    was not enough, so one character was pushed)."""
    text = following.text
    return (text[:1] in pm.CLOSING_MARKS + NOT_AT_LINE_START_IN_PARAGRAPH
            or text[1:2] in pm.CLOSING_MARKS + NOT_AT_LINE_START_IN_PARAGRAPH
            or text[:1] in pm.OPENING_MARKS)


def han_gap_extra(line):
    """The largest departure (pt, signed) of the distance between two neighbouring Han characters
    from the grid cell: positive on a line spread out, negative on a line set denser."""
    worst = 0.0
    for a, b in zip(line.glyphs, line.glyphs[1:]):
        if "\u4e00" <= a.text <= "\u9fff" and "\u4e00" <= b.text <= "\u9fff" and len(a.text) == len(b.text) == 1:
            extra = (b.x0 - a.x0 - CELL) * pm.MM
            worst = extra if abs(extra) > abs(worst) else worst
    return worst


MAX_GAP = 0.7  # pt: the most a gap between two Han characters may be widened or narrowed


def chars_per_line(doc):
    """Every full line (not a paragraph's last) takes the grid's 28 characters; or 27, one character
    pushed to the next line (全角式: a mark alone inside a line keeps its full width, so a line that
    would need one squeezed pushes instead) with its gaps spread; or 29, set one character denser
    (缩行, or a long unit kept on the line) — in both cases no gap between two Han characters more
    than 0.7 pt off the grid cell.

    Measured with grid_cells(); besides, at least 70% of the full lines without Latin letters or digits
    hold exactly 28 characters (a first line 26, plus its indent) and none fewer than 27 or more than 30
    (a squeezed pair of marks takes one cell).
    """
    spread = collections.Counter()  # full lines of 27 and 29 cells
    plain = collections.Counter()  # characters of every full line
    counts = collections.Counter()  # characters plus indent cells of full pure-CJK lines
    lines = doc.text_lines()
    for i, (page, line) in enumerate(lines):
        if not is_full(line):
            continue
        plain[len(line.text)] += 1
        cells = grid_cells(line)
        extra = han_gap_extra(line)
        following = lines[i + 1][1] if i + 1 < len(lines) else None
        if abs(extra) > MAX_GAP + 0.01:
            yield f"{where(page, line)}: a Han gap {extra:+.2f} pt off the grid cell, at most ±{MAX_GAP}"
        if round(cells) in (CHARS_PER_LINE - 1, CHARS_PER_LINE + 1):
            spread[round(cells)] += 1
        elif round(cells) != CHARS_PER_LINE:
            following = f"; next line starts «{following.text[:3]}»" if following else ""
            yield (f"{where(page, line)}: {cells:.2f} cells ({len(line.text)} characters, "
                   f"right edge {right_edge(line):.2f} mm{following}), expected {CHARS_PER_LINE} ± 1")
        if not any(g.narrow for g in line.glyphs):
            counts[len(line.text) + indent_cells(line)] += 1
    yield Note("characters per full line: " + ", ".join(f"{n}: {plain[n]}" for n in sorted(plain))
               + f" (of {sum(plain.values())}; first lines hold 2 fewer, for the indent;"
               f" {spread[CHARS_PER_LINE - 1]} of 27 cells spread, {spread[CHARS_PER_LINE + 1]} of 29 set denser)")
    total = sum(counts.values())
    yield Note("full pure-CJK lines by characters + indent cells: "
               + ", ".join(f"{n}: {counts[n]}" for n in sorted(counts)) + f" (of {total})")
    if total == 0:
        yield "no full pure-CJK lines found"
        return
    exact = counts[CHARS_PER_LINE] / total
    if exact < 0.7:
        yield f"only {exact:.0%} of full pure-CJK lines hold exactly {CHARS_PER_LINE} characters, expected ≥ 70%"
    # characters, not cells: a pair of marks squeezed (。”) puts one more character on a line
    outliers = {n: c for n, c in counts.items() if not CHARS_PER_LINE - 1 <= n <= CHARS_PER_LINE + 2}
    if outliers:
        yield f"full pure-CJK lines outside {CHARS_PER_LINE - 1}…{CHARS_PER_LINE + 2} characters: {outliers}"


def lines_per_page(doc):
    """Pages between the first and the last carry 22 lines; baselines follow one another at the pitch.

    A page may end early only where the next page begins with a heading: the heading is kept with the
    first lines of what follows it (LAYOUT.md: keep a heading with the paragraph that follows it), and
    never by more lines than the heading and two following lines take."""
    pages = doc.pages
    for index, page in enumerate(pages[1:-1], start=1):
        count = len(page.text_lines)
        following = pages[index + 1].text_lines
        heading_next = following and following[0].role == pm.HEADING
        if heading_next and LINES_PER_PAGE - 3 <= count < LINES_PER_PAGE:
            continue
        if count != LINES_PER_PAGE:
            last = page.text_lines[-1] if count else None
            yield (f"p{page.number} carries {count} text lines, expected {LINES_PER_PAGE}"
                   + (f" (last at baseline {last.baseline:.2f} mm: «{last.text[:10]}»)" if last else ""))
    for page in doc.pages:
        lines = page.text_lines
        for above, below in zip(lines, lines[1:]):
            gap = below.baseline - above.baseline
            if abs(gap - PITCH) > PITCH_TOLERANCE:
                yield (f"{where(page, below)}: baseline {gap:.2f} mm below the previous line's, "
                       f"expected {PITCH:.2f} ± {PITCH_TOLERANCE}")


def kinsoku(doc):
    """Line-start and line-end prohibitions (clreq, GB/T 15834); —— and …… are never split."""
    lines = doc.text_lines()
    for i, (page, line) in enumerate(lines):
        text = line.text
        first_of_paragraph = i == 0 or is_indented(line)
        if text[0] in NOT_AT_LINE_START or (text[0] in NOT_AT_LINE_START_IN_PARAGRAPH and not first_of_paragraph):
            yield f"{where(page, line)} starts with «{text[0]}»"
        if text[-1] in NOT_AT_LINE_END:
            yield f"{where(page, line)} ends with «{text[-1]}»"
        if i + 1 < len(lines):
            following = lines[i + 1][1].text
            for mark in "—…":
                trailing = len(text) - len(text.rstrip(mark))
                if trailing % 2 == 1 and following.startswith(mark):
                    yield f"{where(page, line)} splits «{mark * 2}» across lines"


def type_area(doc):
    """No glyph but the page number leaves the type area (advance box across, em box down)."""
    for page in doc.pages:
        for line in page.lines:
            if line.role == pm.PAGE_NUMBER:
                continue
            for g, (x0, x1, _) in zip(line.glyphs, pm.set_extents(line, LEFT, RIGHT)):
                outside = []
                if x0 < LEFT - AREA_TOLERANCE:
                    outside.append(f"x0 {x0:.2f} < {LEFT}")
                if x1 > RIGHT + AREA_TOLERANCE:
                    outside.append(f"x1 {x1:.2f} > {RIGHT}")
                if g.em_top < TOP - AREA_TOLERANCE:
                    outside.append(f"top {g.em_top:.2f} < {TOP}")
                if g.em_bottom > BOTTOM + AREA_TOLERANCE:
                    outside.append(f"bottom {g.em_bottom:.2f} > {BOTTOM}")
                if outside:
                    yield f"{where(page, line)}: «{g.text}» outside the type area ({', '.join(outside)} mm)"


def page_number_check(doc):
    """One "— N —" in 四号 per page, one character in from the outer edge, dashes' ink 7 mm below."""
    for page in doc.pages:
        numbers = [line for line in page.lines if line.role == pm.PAGE_NUMBER]
        if len(numbers) != 1:
            yield f"p{page.number} has {len(numbers)} page numbers, expected 1"
            continue
        line = numbers[0]
        n = pm.page_number(line)
        if n != page.number:
            yield f"p{page.number}: page number reads {n}"
        sizes = sorted({round(g.size, 2) for g in line.glyphs})
        if any(abs(s - PAGE_NUMBER_SIZE) > SIZE_TOLERANCE for s in sizes):
            yield f"p{page.number}: page number at {sizes} pt, expected {PAGE_NUMBER_SIZE}"
        if page.number % 2:
            edge, expected, side = line.x1, RIGHT - PAGE_NUMBER_INSET, "right"
        else:
            edge, expected, side = line.x0, LEFT + PAGE_NUMBER_INSET, "left"
        if abs(edge - expected) > EDGE_TOLERANCE:
            yield (f"p{page.number}: page number's {side} edge at {edge:.2f} mm, "
                   f"expected {expected:.2f} ± {EDGE_TOLERANCE}")
        dash = line.glyphs[0]
        top = ink_top(doc.path, page.number, dash.x0, dash.x1,
                      dash.baseline - dash.em, dash.baseline + 0.2 * dash.em)
        if top is None:
            yield f"p{page.number}: no ink found in the page number's first dash"
        elif abs(top - PAGE_NUMBER_INK_TOP) > INK_TOLERANCE:
            yield (f"p{page.number}: top of the dash's ink at {top:.2f} mm, "
                   f"expected {PAGE_NUMBER_INK_TOP:.2f} ± {INK_TOLERANCE} (7 mm below the type area)")


def title(doc):
    """The title is 二号 (22 pt), on page 1, every line centred on the type area."""
    titles = [(page, line) for page in doc.pages for line in page.lines if line.role == pm.TITLE]
    if not titles:
        yield "no title line found"
    for page, line in titles:
        if page.number != 1:
            yield f"{where(page, line)}: title line on page {page.number}, expected page 1"
        sizes = sorted({round(g.size, 2) for g in line.glyphs})
        if any(abs(s - TITLE_SIZE) > SIZE_TOLERANCE for s in sizes):
            yield f"{where(page, line)}: title at {sizes} pt, expected {TITLE_SIZE}"
        centre = (left_edge(line) + right_edge(line)) / 2
        if abs(centre - (LEFT + RIGHT) / 2) > EDGE_TOLERANCE:
            yield (f"{where(page, line)}: centred at {centre:.2f} mm, "
                   f"expected {(LEFT + RIGHT) / 2:.2f} ± {EDGE_TOLERANCE}")


def text_extraction(doc):
    """Copy-paste text equals the source, with "——" as two U+2014 (not U+2E3A)."""
    extracted = run("pdftotext", doc.path, "-")
    text = strip_whitespace(re.sub(r"—\s*\d+\s*—", "", extracted))
    with open(SEED, encoding="utf-8") as f:
        source = strip_whitespace(f.read())
    if text != source:
        at = next((i for i, (a, b) in enumerate(zip(text, source)) if a != b), min(len(text), len(source)))
        yield (f"pdftotext differs from {os.path.basename(SEED)} at character {at}: "
               f"«{text[max(0, at - 8):at + 8]}» vs «{source[max(0, at - 8):at + 8]}» "
               f"(lengths {len(text)} vs {len(source)})")
    if "——" not in text:
        yield "no «——» (two U+2014) in the extracted text"
    if "\u2e3a" in text:
        yield "extracted text contains U+2E3A (two-em dash) instead of two U+2014"


def fonts_embedded(doc):
    """Every font is embedded and subset."""
    rows = run("pdffonts", doc.path).splitlines()[2:]  # after the header and the rule
    if not rows:
        yield "pdffonts lists no fonts"
    for row in rows:
        fields = row.split()
        name, emb, sub = fields[0], fields[-5], fields[-4]
        if emb != "yes" or sub != "yes":
            yield f"font {name}: emb={emb} sub={sub}, expected both yes"


def outline_and_metadata(doc):
    """Bookmarks for the six "一、" headings; Title and Author in the document information."""
    with open(doc.path, "rb") as f:
        document = PDFDocument(PDFParser(f))
        try:
            entries = [text_of(entry[1]) for entry in document.get_outlines()]
        except PDFNoOutlines:
            entries = []
        info = document.info[0] if document.info else {}
        doc_title, author = text_of(info.get("Title", b"")), text_of(info.get("Author", b""))
    expected = [numeral + "、" for numeral in OUTLINE_NUMERALS]
    if [e[:2] for e in entries] != expected:
        yield f"outline entries {[e[:6] for e in entries]}, expected {len(expected)} entries {expected}…"
    if not doc_title.startswith(TITLE_START):
        yield f"Title metadata «{doc_title}», expected to start with «{TITLE_START}»"
    if not author.strip():
        yield "Author metadata is empty"


def text_of(value):
    """A PDF string (bytes in PDFDocEncoding or UTF-16BE with BOM) as str."""
    return decode_text(value) if isinstance(value, bytes) else str(value)


CHECKS = [
    ("a4", a4),
    ("body_size", body_size),
    ("left_edge", left_edge_check),
    ("first_line_band", first_line_band),
    ("chars_per_line", chars_per_line),
    ("lines_per_page", lines_per_page),
    ("kinsoku", kinsoku),
    ("type_area", type_area),
    ("page_number", page_number_check),
    ("title", title),
    ("text_extraction", text_extraction),
    ("fonts_embedded", fonts_embedded),
    ("outline_and_metadata", outline_and_metadata),
]


def main(argv):
    if len(argv) != 2:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    try:
        doc = Document(argv[1])
    except (OSError, PDFSyntaxError) as error:
        print(f"cannot read {argv[1]}: {error}", file=sys.stderr)
        return 2
    failed = 0
    for name, check in CHECKS:
        try:
            results = list(check(doc))
        except (OSError, subprocess.CalledProcessError, ValueError) as error:
            results = [f"could not measure: {error}"]
        notes = [r for r in results if isinstance(r, Note)]
        problems = [r for r in results if not isinstance(r, Note)]
        if problems:
            failed += 1
            more = f"; … and {len(problems) - MAX_REPORTED} more" if len(problems) > MAX_REPORTED else ""
            print(f"FAIL {name}: " + "; ".join(problems[:MAX_REPORTED]) + more)
        else:
            print(f"ok {name}")
        for note in notes:
            print(f"# {name}: {note}")
    print(f"{len(CHECKS) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
