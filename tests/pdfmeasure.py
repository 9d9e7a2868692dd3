"""Measure the text layout of a PDF from the PDF alone: pages, text lines, glyphs, in millimetres.

The layout tests use this to hold a rendered document against GB/T 9704-2012 (the numbers in README.md, "Layout").
The engine's own --dump is deliberately not read: the point is to measure what a reader of the PDF gets.

pdfminer (Debian's python3-pdfminer, run with /usr/bin/python3) gives every glyph as an LTChar; a text
line is the run of glyphs that share one font size and one baseline (within 0.5 pt), sorted left to
right. All positions are in mm from the TOP-LEFT corner of the page:

- x0/x1: the glyph's advance box as pdfminer reports it (origin to origin + advance);
- baseline: the glyph origin's y;
- em_top/em_bottom: the ideographic em box, 0.88 em above and 0.12 em below the baseline (Noto CJK),
  which is where a Han character's body sits; pdfminer's y0/y1 follow the font's ascent and descent
  and are not used.

cairo may draw "——" as one glyph; pdfminer then returns one LTChar with text "——" and double advance,
so characters are always counted with len(text).

Every line gets a role, from what is visible in the PDF (sizes are checked by the tests, not assumed
here, so that a wrongly sized line is caught instead of being classified away):
- page number: text of the form "— N —";
- title: display size, 18 pt or more (the standard's 二号 is 22 pt);
- subtitle: on page 1, below the title and above the first body line (subtitle, speaker, date);
- body: set in the body font, the face that carries most glyphs of the document;
- heading: any other line (e.g. the 黑体 "一、" headings).
"""

import collections
import re
from dataclasses import dataclass, field

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LTChar, LTContainer
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser

MM = 72 / 25.4  # points per millimetre

# Full-width punctuation that may be set in half an em (clreq "punctuation compression"). In Simplified
# Chinese fonts the ink of a closing mark sits in the left half of its em box and that of an opening
# mark in the right half, so that half is what remains when the mark is compressed.
CLOSING_MARKS = "，。、；：？！）》”’〕】」』"
OPENING_MARKS = "（《“‘〔【「『"

PAGE_NUMBER_RE = re.compile(r"^—\s*(\d+)\s*—$")
DISPLAY_SIZE = 18.0  # pt; anything this large is title type

TITLE, SUBTITLE, PAGE_NUMBER, BODY, HEADING = "title", "subtitle", "page number", "body", "heading"
TEXT_ROLES = (BODY, HEADING)  # the lines set on the body grid

SAME_BASELINE = 0.5  # pt
SAME_SIZE = 0.05  # pt


@dataclass
class Glyph:
    text: str
    x0: float
    x1: float
    baseline: float
    size: float  # pt
    font: str  # PostScript name without the subset tag ("NotoSerifCJKsc-Regular")
    color: tuple = (0, 0, 0)  # the fill colour it is drawn in, RGB 0…1

    @property
    def em(self):
        """The font size in mm."""
        return self.size / MM

    @property
    def em_top(self):
        return self.baseline - 0.88 * self.em

    @property
    def em_bottom(self):
        return self.baseline + 0.12 * self.em

    @property
    def narrow(self):
        """A half-width Latin letter, digit or ASCII punctuation mark (or space)."""
        return self.text.isascii()


@dataclass
class Line:
    glyphs: list
    role: str = ""

    @property
    def text(self):
        return "".join(g.text for g in self.glyphs)

    @property
    def baseline(self):
        return self.glyphs[0].baseline

    @property
    def size(self):
        return self.glyphs[0].size

    @property
    def font(self):
        """The face that carries most of the line's characters."""
        return _most_common_font(self.glyphs)

    @property
    def x0(self):
        return self.glyphs[0].x0

    @property
    def x1(self):
        return self.glyphs[-1].x1

    @property
    def em_top(self):
        return min(g.em_top for g in self.glyphs)


@dataclass
class Page:
    number: int  # 1-based
    width: float  # pt
    height: float  # pt
    lines: list = field(default_factory=list)  # top to bottom

    @property
    def text_lines(self):
        return [line for line in self.lines if line.role in TEXT_ROLES]


def load(pdf_path):
    """Read the PDF: a list of Page, each with its lines (top to bottom) classified by role."""
    pages = []
    with open(pdf_path, "rb") as f:
        document = PDFDocument(PDFParser(f))
        resources = PDFResourceManager()
        device = PDFPageAggregator(resources, laparams=None)
        interpreter = PDFPageInterpreter(resources, device)
        for number, pdf_page in enumerate(PDFPage.create_pages(document), 1):
            interpreter.process_page(pdf_page)
            layout = device.get_result()
            x_min, y_min, x_max, y_max = pdf_page.mediabox
            glyphs = [_glyph(c, x_min, y_max) for c in _chars(layout)]
            pages.append(Page(number, x_max - x_min, y_max - y_min, _lines(glyphs)))
    _assign_roles(pages)
    return pages


def body_font(pages):
    """The face that carries most glyphs of the document."""
    return _most_common_font([g for page in pages for line in page.lines for g in line.glyphs])


def page_number(line):
    """N if the line reads "— N —", else None."""
    match = PAGE_NUMBER_RE.match(line.text)
    return int(match.group(1)) if match else None


def is_title(line):
    return line.size >= DISPLAY_SIZE


def set_extents(line, left, right):
    """The horizontal space each glyph of the line is set in: a list of (x0, x1, compressed).

    That is the glyph's advance box, except for a full-width punctuation mark the engine compressed to
    half an em: then it is the half holding the ink. The PDF shows compression only by position: a
    closing mark whose follower starts less than 3/4 em after it (or, at the end of the line, whose em
    box runs more than 1/4 em past `right`, the measure's right edge); an opening mark that starts more
    than 1/4 em before its predecessor's end (or, at the start of the line, before `left`).
    """
    extents = []
    for i, g in enumerate(line.glyphs):
        x0, x1, compressed = g.x0, g.x1, False
        if g.text in CLOSING_MARKS:
            follower = line.glyphs[i + 1] if i + 1 < len(line.glyphs) else None
            if follower is not None:
                compressed = follower.x0 - g.x0 < 0.75 * g.em
            else:
                compressed = g.x1 > right + 0.25 * g.em
            if compressed:
                x1 = x0 + g.em / 2
        elif g.text in OPENING_MARKS:
            previous_end = extents[-1][1] if extents else left
            compressed = previous_end - g.x0 > 0.25 * g.em
            if compressed:
                x0 = x1 - g.em / 2
        extents.append((x0, x1, compressed))
    return extents


@dataclass
class Rect:
    """A filled rectangle: a rule, a table border. mm from the page's top-left corner."""
    x0: float
    x1: float
    top: float
    bottom: float
    color: tuple  # RGB 0…1

    @property
    def width(self):
        return self.x1 - self.x0

    @property
    def thickness(self):
        return self.bottom - self.top


def rects(pdf_path):
    """The filled rectangles of every page, top to bottom: [[Rect, …] per page]."""
    from pdfminer.layout import LTRect
    pages = []
    with open(pdf_path, "rb") as f:
        document = PDFDocument(PDFParser(f))
        resources = PDFResourceManager()
        device = PDFPageAggregator(resources, laparams=None)
        interpreter = PDFPageInterpreter(resources, device)
        for pdf_page in PDFPage.create_pages(document):
            interpreter.process_page(pdf_page)
            layout = device.get_result()
            x_min, y_min, x_max, y_max = pdf_page.mediabox
            found = [Rect((r.x0 - x_min) / MM, (r.x1 - x_min) / MM, (y_max - r.y1) / MM,
                          (y_max - r.y0) / MM, tuple(r.non_stroking_color or (0, 0, 0)))
                     for r in _items(layout, LTRect) if r.fill]
            pages.append(sorted(found, key=lambda r: r.top))
    return pages


def _items(item, kind):
    if isinstance(item, kind):
        yield item
    elif isinstance(item, LTContainer):
        for child in item:
            yield from _items(child, kind)


def _chars(item):
    if isinstance(item, LTChar):
        yield item
    elif isinstance(item, LTContainer):
        for child in item:
            yield from _chars(child)


def _glyph(char, x_min, y_max):
    origin_y = char.matrix[5]
    return Glyph(
        text=char.get_text(),
        x0=(char.x0 - x_min) / MM,
        x1=(char.x1 - x_min) / MM,
        baseline=(y_max - origin_y) / MM,
        size=char.size,
        font=char.fontname.split("+", 1)[-1],
        color=tuple(char.graphicstate.ncolor or (0, 0, 0)),
    )


def _lines(glyphs):
    """Group glyphs sharing one size and one baseline into lines, top to bottom, left to right."""
    lines = []
    for g in sorted(glyphs, key=lambda g: (g.baseline, g.x0)):
        for line in reversed(lines):
            if abs(line.size - g.size) <= SAME_SIZE and abs(line.baseline - g.baseline) * MM <= SAME_BASELINE:
                line.glyphs.append(g)
                break
        else:
            lines.append(Line([g]))
    for line in lines:
        line.glyphs.sort(key=lambda g: g.x0)
    return lines


def _assign_roles(pages):
    font = body_font(pages)
    for page in pages:
        in_front_matter = page.number == 1
        for line in page.lines:
            if page_number(line) is not None:
                line.role = PAGE_NUMBER
            elif is_title(line):
                line.role = TITLE
            elif line.font == font:
                line.role = BODY
                in_front_matter = False
            elif in_front_matter:
                line.role = SUBTITLE
            else:
                line.role = HEADING


def _most_common_font(glyphs):
    counts = collections.Counter()
    for g in glyphs:
        counts[g.font] += len(g.text)
    return counts.most_common(1)[0][0]
