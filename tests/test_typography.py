"""Typography a 公文 proofreader signs off, measured in the PDF (pdfminer glyph positions):

- the body in a FangSong (FandolFang without office fonts), 生僻字 set in the next face with a warning;
- 全角式: no mark standing alone inside a line narrower than 0.75 em;
- every full line ends at the right edge, no Han gap stretched by more than 0.7 pt;
- no kinsoku violation; every middle page holds 22 lines unless a forced break ends it;
- addresses and URLs broken at their natural points.

Run on its own (`/usr/bin/python3 tests/test_typography.py`) it prints the figures docs/typography.md
quotes, for the speech and every sample.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pdfmeasure as pm  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEFT, RIGHT, TOP = 28.0, 184.0, 37.0  # type area, mm
PITCH = 225 / 22  # mm between grid lines
CELL_PT = 156 / 28 * pm.MM  # a 三号 grid cell, pt
LINES = 22
MAX_GAP = 0.7  # pt: the most a gap between two Han characters may be stretched
LONE_MARK = 0.75  # em: a mark alone inside a line is narrower than this only when squeezed
MARKS = "，。、；：？！）》”’〕】」』（《“‘〔【「『"
NO_START = pm.CLOSING_MARKS
NO_END = pm.OPENING_MARKS
EDGE = 0.35  # mm: a line's end against the right edge


def is_han(text):
    return len(text) == 1 and ("\u4e00" <= text <= "\u9fff" or "\u3400" <= text <= "\u4dbf")


def render(yinfa, template, data=None, draft=False, extra=()):
    tmp = tempfile.mkdtemp()
    pdf = os.path.join(tmp, "out.pdf")
    args = [yinfa, "render", template] + ([data] if data else []) + (["--draft"] if draft else [])
    p = subprocess.run(args + ["-o", pdf, "--dump", os.path.join(tmp, "dump.txt")] + list(extra),
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    return pdf, open(os.path.join(tmp, "dump.txt"), encoding="utf-8").read(), p.stderr


def short_reasons(dump):
    """{page: reason} for the pages the dump says end short: at a forced break (an attachment, a
    page break, the signature kept with its text, the 版记's page: "forced-…"), or by a rule no
    paragraph could be set a line longer or shorter to avoid ("…-unabsorbed")."""
    reasons = {}
    for line in dump.splitlines():
        if line.startswith("page ") and " short=" in line:
            reasons[int(line.split()[1])] = line.split(" short=")[1].split()[0]
    return reasons


def is_row(line):
    """A row of parts (发文字号 left, 签发人 right) or a table's cells: glyphs more than 2 em apart."""
    return any((b.x0 - a.x1) > 2 * a.em for a, b in zip(line.glyphs, line.glyphs[1:]))


def body_lines(pages):
    """(page, line) of every line on the body grid, in reading order."""
    return [(p, l) for p in pages for l in p.lines if l.role in pm.TEXT_ROLES]


def measure(pdf, dump=""):
    """The figures of one document: a dict of counts and extremes, and the problems found."""
    pages = pm.load(pdf)
    lines = body_lines(pages)
    fig = {"pages": len(pages), "lines": len(lines), "full_lines": 0, "pushed_lines": 0,
           "lone_marks": 0, "squeezed_lone_marks": 0, "narrowest_lone_mark": 9.0, "max_gap": 0.0, "short_pages": []}
    problems = []
    for k, (page, line) in enumerate(lines):
        g = line.glyphs
        # Lone marks inside the line: the space from the end of the character before to the start of
        # the one after, in em (a full-width mark about 0.97 em, a squeezed one about 0.48).
        for i in range(1, len(g) - 1):
            if g[i].text in MARKS and g[i - 1].text not in MARKS and g[i + 1].text not in MARKS \
                    and not g[i - 1].narrow and not g[i + 1].narrow:
                w = (g[i + 1].x0 - g[i - 1].x1) / g[i].em
                fig["lone_marks"] += 1
                fig["narrowest_lone_mark"] = min(fig["narrowest_lone_mark"], w)
                if w < LONE_MARK:
                    fig["squeezed_lone_marks"] += 1
                    problems.append(f"p{page.number} «{line.text[:12]}»: «{g[i].text}» {w:.2f} em")
        # Kinsoku.
        if line.text[0] in NO_START:
            problems.append(f"p{page.number} «{line.text[:12]}» starts with «{line.text[0]}»")
        if line.text[-1] in NO_END:
            problems.append(f"p{page.number} «{line.text[:12]}» ends with «{line.text[-1]}»")
        # A line followed by a line of the same paragraph (one starting at the left edge) is full.
        nxt = lines[k + 1][1] if k + 1 < len(lines) else None
        if nxt and line.role == pm.BODY and nxt.role == pm.BODY and abs(nxt.x0 - LEFT) < 0.5 \
                and line.x0 < LEFT + 3 * 156 / 28 and line.x1 > LEFT + 0.75 * 156 and not is_row(line):
            fig["full_lines"] += 1
            # Han gaps: how much more than the grid cell lies between two Han characters.
            for a, b in zip(g, g[1:]):
                if is_han(a.text) and is_han(b.text):
                    extra = (b.x0 - a.x0) * pm.MM - CELL_PT * a.size / 16
                    fig["max_gap"] = max(fig["max_gap"], extra)
                    if extra > MAX_GAP + 0.01:
                        problems.append(f"p{page.number} «{line.text[:12]}»: gap {extra:.2f} pt")
            last = g[-1]
            end = last.x1 if last.narrow or len(last.text) > 1 else last.x0 + (
                0.5 if last.text in pm.CLOSING_MARKS and last.x1 > RIGHT + 0.1 else 1) * 156 / 28
            if abs(end - RIGHT) > EDGE:
                problems.append(f"p{page.number} «{line.text[:12]}» ends at {end:.2f} mm")
            if sum(len(x.text) for x in g) + round((line.x0 - LEFT) / (156 / 28)) < 28 \
                    and not any(x.narrow for x in g):
                fig["pushed_lines"] += 1
    # Full pages: every page but the last has text on its 22nd grid line, unless the dump says why
    # not (a forced break; a rule no paragraph could absorb — counted, and not allowed in the speech).
    reasons = short_reasons(dump)
    for page in pages[:-1]:
        text = [l for l in page.lines if l.role in pm.TEXT_ROLES]
        bottom = max((round((l.baseline - TOP) / PITCH + 0.3) for l in text), default=0)
        why = reasons.get(page.number, "")
        if bottom < LINES and not why.startswith("forced"):
            fig["short_pages"].append(page.number)
            if not why:
                problems.append(f"p{page.number} ends at grid line {bottom}, and the dump says nothing")
    fig["unabsorbed"] = [f"p{n}: {w}" for n, w in sorted(reasons.items()) if not w.startswith("forced")]
    return fig, problems


def documents():
    """(name, template, data, draft) for the speech (draft and filled) and every sample."""
    docs = []
    for folder in sorted(glob.glob(os.path.join(ROOT, "templates", "*", "template.xml"))):
        name = os.path.basename(os.path.dirname(folder))
        data = os.path.join(os.path.dirname(folder), "data.json")
        if os.path.exists(data):
            docs.append((name, name, data, False))
    # the types whose example is a whole real document: the general speech's and the union speech's
    for name in ("speech", "union-speech"):
        example = os.path.join(ROOT, "examples", name, "data.json")
        if os.path.exists(example):
            docs.append((name + " (examples)", name, example, False))
    docs.append(("union-speech --draft", "union-speech", None, True))
    return docs


def test_every_document_meets_the_rules(yinfa):
    failures = []
    for name, template, data, draft in documents():
        pdf, dump, _ = render(yinfa, template, data, draft)
        fig, problems = measure(pdf, dump)
        failures += [f"{name}: {p}" for p in problems[:8]]
        if name.startswith("union-speech") and fig["short_pages"]:
            failures.append(f"{name}: short pages {fig['short_pages']}")
    assert not failures, "\n".join(failures)


def test_body_is_fangsong(yinfa):
    pdf, _, _ = render(yinfa, "speech" if os.path.isdir(os.path.join(ROOT, "templates", "speech"))
                       else "union-speech", os.path.join(ROOT, "examples", "speech", "data.json"))
    fonts = subprocess.run(["pdffonts", pdf], capture_output=True, text=True).stdout
    assert "FandolFang-Regular" in fonts, fonts
    assert pm.body_font(pm.load(pdf)) == "FandolFang-Regular"


def test_fonts_command_names_faces_and_how_to_install_office_faces(yinfa):
    p = subprocess.run([yinfa, "fonts"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    faces = dict(line.split("\t")[:2] for line in p.stdout.splitlines())
    assert faces["仿宋"] == "FandolFang" and faces["楷体"] == "FandolKai", faces
    assert "仿宋_GB2312" in p.stderr and "fc-cache" in p.stderr, p.stderr


def write(tmp, body, page=""):
    path = os.path.join(tmp, "template.xml")
    with open(path, "w", encoding="utf-8") as f:
        f.write('<template version="1"><page preset="gbt9704" chars="28" lines="22" '
                f'page-numbers="yes"{page}/><body>{body}</body></template>\n')
    return path


def test_rare_characters_fall_back_with_one_warning_each(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        tpl = write(tmp, "<p>出席：王堃、李喆、张堃、赵喆。</p><p>王堃同志发言。</p>")
        pdf, _, stderr = render(yinfa, tpl, draft=True)
        warned = [l for l in stderr.splitlines() if "补字" in l]
        assert len(warned) == 2, stderr
        assert "「堃」" in warned[0] and "FandolFang" in warned[0] and "Noto Serif CJK SC" in warned[0]
        assert "「喆」" in warned[1]
        glyphs = {g.text: g.font for p in pm.load(pdf) for l in p.lines for g in l.glyphs}
        assert glyphs["堃"].startswith("NotoSerifCJK") and glyphs["王"] == "FandolFang-Regular", glyphs


def lines_of(pdf):
    return [l.text for p in pm.load(pdf) for l in p.lines if l.role in pm.TEXT_ROLES]


ADDRESS_PARA = "请各单位于本月底前将名单报市总工会办公室。联系电话：X，电子邮箱：someone@example.org。"


def test_address_breaks_at_its_natural_points(yinfa):
    """The address wherever the paragraph puts it: no Han gap widened past 0.7 pt, the text
    extracted as written; where it must break it breaks after "@" or "." (hand-checked leads: 12
    characters before the paragraph end line 2 after "example.", 16 after "someone@")."""
    ends = {}
    with tempfile.TemporaryDirectory() as tmp:
        for lead in range(0, 28):
            tpl = write(tmp, f"<p>{'各' * lead}{ADDRESS_PARA}</p>")
            pdf, _, _ = render(yinfa, tpl, draft=True)
            _, problems = measure(pdf)
            assert not problems, (lead, problems)
            text = lines_of(pdf)
            assert "".join(text) == "各" * lead + ADDRESS_PARA, (lead, text)
            ends[lead] = [line[-1] for line in text[:-1] if line[-1].isascii()]
    assert ends[12] == ["."] and ends[16] == ["@"], ends
    natural = sum(all(e in "@." for e in v) for v in ends.values())
    assert natural >= 27, ends  # one lead (19) breaks between two letters rather than leave a gappy line


def test_long_url_keeps_gaps(yinfa):
    url = "https://www.example.gov.cn/zwgk/tzgg/2026/01/notice-20260105-union-work.html"
    with tempfile.TemporaryDirectory() as tmp:
        for lead in range(0, 14, 3):
            tpl = write(tmp, f"<p>{'详' * lead}见市总工会网站公告：{url}，请各单位认真学习。</p>")
            pdf, _, _ = render(yinfa, tpl, draft=True)
            fig, problems = measure(pdf)
            assert not problems, (lead, problems)
            assert "".join(lines_of(pdf)).replace(" ", "").count(url) == 1


WORDS_PARA = "会议邀请了来自internationalization和telecommunications领域的专家作报告。"


def test_long_english_word_hyphenated(yinfa):
    """A long English word breaks between syllables (Debian's hyphen-en-us through libhyphen) with a
    hyphen drawn at the line end rather than leave a gappy line; the hyphen is not in the text."""
    hyphenated = []
    with tempfile.TemporaryDirectory() as tmp:
        for lead in range(0, 21):
            tpl = write(tmp, f"<p>{'各' * lead}{WORDS_PARA}</p>")
            pdf, _, _ = render(yinfa, tpl, draft=True)
            _, problems = measure(pdf)
            # lead 6: not even "tele-" fits after "和", and line 1 has no line above to give it a
            # character (docs/typography.md, Not yet): its gaps stay at 1.2 pt
            assert not problems or lead == 6, (lead, problems)
            out = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout
            body = "".join(out.split("—")[0].split())
            assert body == "各" * lead + WORDS_PARA, (lead, out)
            lines = [l for p in pm.load(pdf) for l in p.lines if l.role in pm.TEXT_ROLES]
            hyphenated += [(lead, l.text) for l in lines if l.text.endswith("-")]
    assert (5, "各各各各各会议邀请了来自internationalization和telecom-") in hyphenated, hyphenated
    assert all(t[-2].isalpha() for _, t in hyphenated), hyphenated


def main():
    yinfa = os.environ.get("YINFA_BIN") or os.path.join(ROOT, "build", "yinfa")
    print(f"{'document':28} {'pages':>5} {'lines':>5} {'full':>5} {'27-char':>7} {'lone marks':>10}"
          f" {'squeezed':>8} {'narrowest':>9} {'max gap':>8} {'short pages':>11}")
    bad = 0
    for name, template, data, draft in documents():
        pdf, dump, _ = render(yinfa, template, data, draft)
        fig, problems = measure(pdf, dump)
        bad += len(problems)
        print(f"{name:28} {fig['pages']:5} {fig['lines']:5} {fig['full_lines']:5} {fig['pushed_lines']:7}"
              f" {fig['lone_marks']:10} {fig['squeezed_lone_marks']:8} {fig['narrowest_lone_mark']:7.2f}em"
              f" {fig['max_gap']:6.2f}pt"
              f" {','.join(map(str, fig['short_pages'])) or '-':>11}")
        for p in problems[:10]:
            print("   ", p)
        for p in fig["unabsorbed"]:
            print("    short:", p)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
