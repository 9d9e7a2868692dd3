"""Words with no break opportunity (engine/compose.c): a unit longer than a line is broken between
characters, filling its line, with a warning; composition stays linear in the paragraph's length,
also for a centred title (balanced over its lines).
"""
import os
import subprocess
import sys
import tempfile
import time

SLOW = 8 if os.environ.get("YINFA_SANITIZED") else 1  # sanitizers: time limits scale


def dump(yinfa, text, element="p"):
    with tempfile.TemporaryDirectory() as tmp:
        tpl = os.path.join(tmp, "template.xml")
        open(tpl, "w", encoding="utf-8").write(
            f'<template version="1"><body><{element}>{text}</{element}></body></template>\n')
        start = time.monotonic()
        p = subprocess.run([yinfa, "render", tpl, "--draft", "-o", os.path.join(tmp, "x.pdf"), "--dump", "-"],
                           capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, p.stderr
        return p.stdout, p.stderr, time.monotonic() - start


def test_word_broken_inside_is_reported(yinfa):
    # A run with no break opportunity wider than the line is broken between letters: the
    # document is not what was written, and the user must be told (as for an overfull line).
    _, stderr, _ = dump(yinfa, "a" * 2000)
    assert "已强行断开" in stderr, stderr


def test_line_before_a_long_word_is_not_stretched(yinfa):
    # "http://" + 2 000 letters: the letters cannot fit any line, so pushing them to the next
    # line gains nothing; today the first line keeps "http://" alone, stretched by 60 pt a gap.
    out, _, _ = dump(yinfa, "http://" + "a" * 2000)
    first = next(l for l in out.splitlines() if "|" in l)
    assert "|http://|" not in first, first


def test_long_word_time_is_linear(yinfa):
    # Filling a line scans (and allocates trial arrays for) everything up to the next break
    # opportunity: a run of n letters without one costs O(n^2 / line length).
    # Eight times the letters should take about eight times the composing time (start-up, the
    # time of a one-letter document, subtracted); today it takes forty times.
    base, short, long = (min(dump(yinfa, "a" * n)[2] for _ in range(3)) for n in (1, 4000, 32000))
    # (machine noise is about 0.05 s: the margin is above it, and below the old 0.4 s)
    assert long - base < 12 * max(short - base, 0) + 0.2 * SLOW, (base, short, long)


def test_long_title_is_fast(yinfa):
    # A centred title is balanced over its lines; an unbreakable one of 20 000 letters took 4 s
    # (every trial width scanned the rest of the title from every line).
    for n in (20000, 32000):
        out, stderr, took = dump(yinfa, "a" * n, "title")
        assert took < 1.5 * SLOW, (n, took)
        assert "已强行断开" in stderr


def test_long_paragraph_of_han_is_linear(yinfa):
    # 32 KiB of Chinese (the paragraph limit), with its break opportunities everywhere.
    text = "职工服务阵地建设，推动工会工作高质量发展。"
    base, short, long = (min(dump(yinfa, (text * n)[:n])[2] for _ in range(2)) for n in (1, 1300, 10400))
    assert long - base < 12 * max(short - base, 0) + 0.2 * SLOW, (base, short, long)


if __name__ == "__main__":
    failed = 0
    for name, fn in sorted(globals().items()):
        if name.startswith("test_"):
            try:
                fn(sys.argv[1])
                print(f"ok   {name}")
            except AssertionError as e:
                failed += 1
                print(f"FAIL {name}: {str(e)[:300]}")
    sys.exit(1 if failed else 0)
