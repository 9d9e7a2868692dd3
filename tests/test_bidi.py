"""Right-to-left text inside Chinese lines (engine/compose.c, UAX #9): an Arabic, Uyghur or Hebrew
name pasted into a form is shaped right to left, broken in logical order and each line reordered on
its own (UAX #9 L2); bidi controls are honoured and never drawn; the PDF's text is the text as
written. These inputs used to abort the process (a negative cluster length from a right-to-left
item: an allocation of 2^64 bytes).

The test fonts (tests/fonts.conf) have no Arabic or Hebrew glyphs; DejaVu Sans, which fontconfig
itself depends on in Debian, is added for these tests so that the scripts are really shaped.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import pdfmeasure as pm  # noqa: E402

DEJAVU = "/usr/share/fonts/truetype/dejavu"
HAN22 = "关于做好全市职工服务工作的通知要求各单位认真"  # 22 characters: the name crosses the line end
ARABIC = "محمد علي"
HEBREW = "דוד כהן"
UYGHUR = "مۇھەممەت ئابدۇللا"
CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
DUMP_TEXT = re.compile(r"^  x=.*\|(.*)\|$")


def fonts_conf(tmp):
    assert os.path.isdir(DEJAVU), "fonts-dejavu-core is missing"
    path = os.path.join(tmp, "fonts.conf")
    open(path, "w").write('<?xml version="1.0"?>\n<fontconfig>\n'
                          f'  <include>{ROOT}/tests/fonts.conf</include>\n  <dir>{DEJAVU}</dir>\n</fontconfig>\n')
    return path


def render(yinfa, texts, element="p", rtl_fonts=True, status=0):
    """Renders each text as the value of a slot in its own block; returns (dump lines, pdf path,
    stderr)."""
    tmp = tempfile.mkdtemp(prefix="yinfa-bidi-")
    slots = "".join(f'<slot name="v{i}" example="X"/>' for i in range(len(texts)))
    body = "".join(f'    <{element}><v name="v{i}"/></{element}>\n' for i in range(len(texts)))
    open(os.path.join(tmp, "template.xml"), "w", encoding="utf-8").write(
        f'<template version="1"><slots>{slots}</slots><body>\n{body}</body></template>\n')
    json.dump({f"v{i}": t for i, t in enumerate(texts)}, open(os.path.join(tmp, "data.json"), "w"))
    pdf = os.path.join(tmp, "out.pdf")
    env = dict(os.environ)
    if rtl_fonts:
        env["YINFA_FONTS_CONF"] = fonts_conf(tmp)
    p = subprocess.run([yinfa, "render", os.path.join(tmp, "template.xml"), os.path.join(tmp, "data.json"),
                        "-o", pdf, "--dump", "-"], capture_output=True, text=True, timeout=60, env=env)
    assert p.returncode == status, p.stderr[-2000:]
    lines = [m.group(1) for m in map(DUMP_TEXT.match, p.stdout.splitlines()) if m]
    return lines, pdf, p.stderr


def pdf_chars(pdf):
    """Every character the PDF maps its glyphs to (pdftotext adds embedding marks of its own
    around right-to-left text, so the controls are looked for here)."""
    return "".join(g.text for page in pm.load(pdf) for line in page.lines for g in line.glyphs)


def pdftotext(pdf):
    return subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True, check=True).stdout


def test_arabic_name_across_a_line_break(yinfa):
    # one more character than HAN22: a line set a little denser would otherwise take the whole name
    text = HAN22 + "请" + ARABIC + "同志参加会议并讲话"
    lines, pdf, _ = render(yinfa, [text])
    # broken between the two words, in logical order: the first word ends line 1
    assert lines[0].endswith("محمد") and lines[1].startswith("علي"), lines
    extracted = pdftotext(pdf)
    assert "محمد" in extracted and "علي" in extracted, extracted
    # shaped right to left: in the PDF, the word's letters (drawn in logical order) go leftwards
    glyphs = [g for page in pm.load(pdf) for line in page.lines for g in line.glyphs]
    arabic = [g for g in glyphs if "\u0600" <= g.text[:1] <= "\u06ff"]
    assert len(arabic) >= 5, [g.text for g in glyphs]
    first = sorted((g for g in arabic if g.baseline == arabic[0].baseline), key=lambda g: g.x0)
    # pdfminer gives each glyph its characters: left to right they read the word backwards
    assert "".join(g.text for g in first) == "محمد"[::-1], [g.text for g in first]
    # and the word sits at the right end of line 1, after the Han text
    han = [g for g in glyphs if g.baseline == arabic[0].baseline and "\u4e00" <= g.text[:1] <= "\u9fff"]
    assert max(g.x1 for g in han) <= min(g.x0 for g in first) + 0.01


def test_hebrew_and_uyghur_names(yinfa):
    lines, pdf, _ = render(yinfa, [HAN22 + HEBREW + "同志", "请" + UYGHUR + "同志于明日到会"])
    extracted = pdftotext(pdf)
    assert "דוד" in extracted and "כהן" in extracted, extracted
    assert "مۇھەممەت" in extracted, extracted
    assert "".join(lines[:2]) == HAN22 + HEBREW + "同志", lines


def test_rtl_in_a_title_and_without_rtl_fonts(yinfa):
    # balanced title lines, and the test fonts without Arabic: glyphs missing, never a crash
    text = "关于邀请" + ARABIC + "先生出席2026年全市职工技能大赛开幕式的函"
    render(yinfa, [text], element="title")
    # no font for Arabic: the name would be lost, so nothing is written — an error, once a letter
    _, pdf, stderr = render(yinfa, [HAN22 + ARABIC + "同志参加会议并讲话"], rtl_fonts=False, status=1)
    errors = [l for l in stderr.splitlines() if "没有字体可以显示" in l]
    assert errors and all(" error: " in l or l.startswith("error: ") for l in errors), stderr
    assert len(errors) == len(set(errors)) and not os.path.exists(pdf), stderr


def test_override_does_not_crash(yinfa):
    # U+202E and 27 characters: the whole paragraph right to left, across the line end
    text = "\u202e" + ("测试文本" * 7)[:27]
    lines, pdf, _ = render(yinfa, [text])
    assert "".join(lines) == text[1:], lines  # the control is not drawn
    assert "\u202e" not in pdf_chars(pdf)


def test_every_bidi_control(yinfa):
    # Each control of UAX #9 before a right-to-left name crossing the line end, unterminated or
    # closed: honoured by the bidi algorithm, never drawn, not in the PDF's text.
    texts = []
    for c in CONTROLS:
        texts.append(HAN22 + c + ARABIC + "同志")
        texts.append(HAN22[:20] + c + ARABIC + "\u202c\u2069" + HEBREW + "同志参加")
    lines, pdf, _ = render(yinfa, texts)
    extracted = pdftotext(pdf)
    assert not any(c in pdf_chars(pdf) for c in CONTROLS)
    assert not any(c in "".join(lines) for c in CONTROLS)
    # every text set whole, in logical order (an override such as U+202D sets the name left to
    # right, as the writer asked; pdftotext then reads it reversed)
    shown = "".join(t for t in texts)
    for c in CONTROLS:
        shown = shown.replace(c, "")
    assert "".join(lines).replace(" ", "") == shown.replace(" ", ""), lines
    assert extracted.count("محمد") >= len(texts) // 2, extracted


def test_marks_and_controls_inside_clusters(yinfa):
    # Found by fuzz/fuzz_bidi.c: an isolate between the halves of "——" put an invisible glyph into
    # the run, and the font subset lookup crashed on it.
    texts = ["中文工会关——，，，，，，，，————\u2069—", "——————————————————于中文工",
             "مُحَمَّد\u0301 שָׁלוֹם a\u0301b 中\u0301文"]
    lines, pdf, _ = render(yinfa, texts)
    assert "于中文工" in pdftotext(pdf)
