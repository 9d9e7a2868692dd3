"""Titles broken like a typesetter breaks them (engine/compose.c, GB/T 9704 §7.3.1: 回行时要做到词意
完整，排列对称，长短适宜，间距恰当，梯形或菱形).

tests/titles/titles.txt is a corpus of titles of notices, requests, reports, decisions and speeches
with their breaks marked (" / "; " | " separates breakings that are as good; {…} is a value from the
data). Every title is set as a <title> of one document filled from data, through the CLI, and its
lines are read from the PDF (pdfminer) — and from the dump, which must agree. Beyond the expected
breaks, every line break is checked against the rules: never inside a word of ICU's dictionary,
between a number and its unit, inside 《》〔〕“”（） when the bracketed part fits on a line, inside a
data value that fits on a line; no line of two characters or fewer.
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

CORPUS = os.path.join(ROOT, "tests", "titles", "titles.txt")
LINE_CHARS = 20  # a 二号 title line on the GB/T 9704 grid
PAIRS = {"《": "》", "〔": "〕", "“": "”", "（": "）", "「": "」", "【": "】"}
UNITS = "年月日号期届次个名项条款件位人元万亿岁周季度批轮类大"
SLOW = 8 if os.environ.get("YINFA_SANITIZED") else 1  # sanitizers: time limits scale
DUMP_TEXT = re.compile(r"^  x=.*\|(.*)\|$")


class Title:
    def __init__(self, line):
        self.source = line
        self.choices = [alt.strip() for alt in line.split(" | ")]
        first = self.choices[0]
        self.text = first.replace(" / ", "").replace("{", "").replace("}", "")
        for alt in self.choices[1:]:
            assert alt.replace(" / ", "").replace("{", "").replace("}", "") == self.text, line
        self.expected = [[part.replace("{", "").replace("}", "") for part in c.split(" / ")] for c in self.choices]
        # the data values: [start, end) character offsets in the text
        self.values, plain, at = [], "", 0
        for piece in re.split(r"(\{[^}]*\})", first.replace(" / ", "")):
            if piece.startswith("{"):
                self.values.append((at, at + len(piece) - 2, piece[1:-1]))
                at += len(piece) - 2
            else:
                at += len(piece)


def corpus():
    return [Title(line.rstrip("\n")) for line in open(CORPUS, encoding="utf-8")
            if line.strip() and not line.startswith("#")]


def template_of(titles):
    """One document: each title a <title> whose braced parts are slots, the whole title a slot
    when it has none (as the notice template's <title><v name="标题"/></title>)."""
    slots, body, data = [], [], {}
    for i, t in enumerate(titles):
        if not t.values:
            t.values = [(0, len(t.text), t.text)]
            parts = [("v", t.text)]
        else:
            parts, at = [], 0
            for s, e, v in t.values:
                parts += [("t", t.text[at:s]), ("v", v)]
                at = e
            parts.append(("t", t.text[at:]))
        xml = ""
        for k, (kind, s) in enumerate(parts):
            if kind == "v":
                name = f"t{i}_{k}"
                slots.append(f'<slot name="{name}" example="X"/>')
                data[name] = s
                xml += f'<v name="{name}"/>'
            else:
                xml += s
        body.append(f"    <title>{xml}</title>\n")
    tpl = (f'<template version="1">\n  <slots>{"".join(slots)}</slots>\n  <body>\n{"".join(body)}'
           "  </body>\n</template>\n")
    return tpl, data


def split_lines(titles, lines):
    """The lines of each title, in order: consecutive lines whose text makes up the title."""
    out, i = [], 0
    for t in titles:
        acc = []
        while "".join(acc) != t.text and i < len(lines) and len("".join(acc)) < len(t.text):
            acc.append(lines[i])
            i += 1
        out.append(acc)
    return out


def render(yinfa, titles):
    tmp = tempfile.mkdtemp(prefix="yinfa-titles-")
    tpl, data = template_of(titles)
    open(os.path.join(tmp, "template.xml"), "w", encoding="utf-8").write(tpl)
    json.dump(data, open(os.path.join(tmp, "data.json"), "w", encoding="utf-8"), ensure_ascii=False)
    pdf = os.path.join(tmp, "titles.pdf")
    p = subprocess.run([yinfa, "render", os.path.join(tmp, "template.xml"), os.path.join(tmp, "data.json"),
                        "-o", pdf, "--dump", "-"], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    dumped = [m.group(1) for m in map(DUMP_TEXT.match, p.stdout.splitlines()) if m and "pt |— " not in m.group(0)]
    measured = [line.text.replace(" ", "") for page in pm.load(pdf) for line in page.lines
                if line.role == pm.TITLE]
    return dumped, measured


def rule_breaks(t, lines):
    """The rules every break of title t (set as `lines`) must keep; a list of what is broken."""
    wrong = []
    text, at = t.text, 0
    for line in lines[:-1]:
        at += len(line)
        a, b = text[at - 1], text[at]
        if (a.isdigit() or a in "〇一二三四五六七八九十百千") and b in UNITS:
            wrong.append(f"number and unit {a}|{b}")
        for s, e, v in t.values:
            if s < at < e and len(v) <= LINE_CHARS - 2:
                wrong.append(f"inside the value {v}")
        depth = []
        for k, ch in enumerate(text):
            if ch in PAIRS:
                depth.append((k, PAIRS[ch]))
            elif depth and ch == depth[-1][1]:
                o, _ = depth.pop()
                if o < at <= k and k - o + 1 <= LINE_CHARS - 2:
                    wrong.append(f"inside {text[o:k + 1]}")
    for line in lines:
        if len(line) <= 2:
            wrong.append(f"a stub {line}")
    return wrong


def test_titles_corpus(yinfa):
    titles = corpus()
    assert len(titles) >= 40, len(titles)
    dumped, measured = render(yinfa, titles)
    assert measured == dumped, "the PDF's title lines differ from the dump"
    failures = []
    for t, lines in zip(titles, split_lines(titles, measured)):
        wrong = rule_breaks(t, lines)
        if lines not in t.expected or wrong:
            failures.append(f"{' / '.join(lines)}   expected {t.choices[0]}   {'; '.join(wrong)}")
    assert not failures, f"{len(failures)} of {len(titles)} titles:\n" + "\n".join(failures)


def test_value_kept_when_it_fits(yinfa):
    # A data value that fits on a line is never broken; one longer than a line may be.
    t = Title("{宁波市鄞州区总工会}关于开展2026年职工技能提升行动的通知")
    long = Title("{宁波市鄞州区总工会宁波市鄞州区总工会职工服务中心}关于开展职工技能提升行动的通知")
    dumped, _ = render(yinfa, [t, long])
    first, second = split_lines([t, long], dumped)
    assert not rule_breaks(t, first), first
    assert len(second) >= 2, second


def test_balanced_title_is_linear(yinfa):
    # Title balancing is a dynamic programme over the break opportunities, one line at a time: a
    # centred text of eight lines is as quick as a paragraph, a longer one is filled like one.
    import time
    text = "关于做好全市职工疗休养工作的通知"
    times = []
    for n in (8, 80):
        t = Title(text * n)
        start = time.monotonic()
        render(yinfa, [t])
        times.append(time.monotonic() - start)
    assert times[1] < 2.0 * SLOW, times
