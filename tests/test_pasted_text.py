"""Text as users paste it from a word processor or type it in a spreadsheet's cell: line breaks,
an indent of full-width spaces, soft hyphens and zero-width spaces. The same value from JSON and
from a CSV cell gives the same text; a paragraph starts two characters in (GB/T 9704 §7.3.3),
never four; a line break where no paragraph can begin is an error naming the data path and the
slot; a character no font has gets advice for its script."""
import csv
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import pdfmeasure as pm  # noqa: E402

TEMPLATE = os.path.join(ROOT, "tests", "pasted", "template.xml")

# (the 正文 value as pasted, the paragraphs it prints)
PARAGRAPHS = [
    ("\u3000\u3000从Word粘贴的段落。", ["从Word粘贴的段落。"]),
    ("  两个半角空格开头。\t", ["两个半角空格开头。"]),
    ("\t制表符开头。", ["制表符开头。"]),
    ("\u00a0\u3000不换行空格开头。\u3000", ["不换行空格开头。"]),
    ("第一段。\n第二段。", ["第一段。", "第二段。"]),
    ("第一段。\r\n\r\n\u3000\u3000第二段。", ["第一段。", "第二段。"]),
    ("第一段。\r第二段。", ["第一段。", "第二段。"]),
    ("第一段。\u2028第二段。\u2029第三段。", ["第一段。", "第二段。", "第三段。"]),
    ("The quick brown\nfox.", ["The quick brown", "fox."]),
    ("软\u00ad连字符、零宽\u200b空格、\ufeff字节序标记。", ["软连字符、零宽空格、字节序标记。"]),
    ("quick\tbrown fox", ["quick brown fox"]),
    ("甲\t乙", ["甲乙"]),
    ("\u00ad", []),
    ("\u3000\u3000\n\u200b", []),
]


def run(yinfa, *args):
    return subprocess.run([yinfa, *args], capture_output=True, text=True, timeout=60)


def write_json(path, value, name="张三", names="王五、赵六"):
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"姓名": name, "名单": names, "正文": value}, f, ensure_ascii=False)


def write_csv(path, value, name="张三", names="王五、赵六"):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["姓名", "名单", "正文"])
        w.writerow([name, names, value])


def body(yinfa, data):
    p = run(yinfa, "text", TEMPLATE, data)
    assert p.returncode == 0, p.stderr
    return [line[3:] for line in p.stdout.splitlines() if line.startswith("p: ")][3:]


def test_json_and_csv_give_the_same_paragraphs(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        js, one, cs = (os.path.join(tmp, n) for n in ("d.json", "one.json", "d.csv"))
        for value, want in PARAGRAPHS:
            write_json(js, [value, "末段。"])  # an array of paragraphs, as a form sends them
            write_json(one, value + "\n末段。")  # one text, as a cell holds them
            write_csv(cs, value + "\n末段。")
            for data in (js, one, cs):
                got = body(yinfa, data)
                assert got == want + ["末段。"], (value, data, got)


def test_check_is_silent_about_cleaned_paragraphs(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "d.json")
        write_json(data, [v for v, _ in PARAGRAPHS])
        p = run(yinfa, "check", "--json", TEMPLATE, data)
        assert p.returncode == 0, p.stdout + p.stderr
        errors = [d for d in json.loads(p.stdout) if d["severity"] == "error"]
        assert not errors, errors


def line_break_errors(yinfa, data):
    p = run(yinfa, "check", "--json", TEMPLATE, data)
    assert p.returncode == 1, p.stdout + p.stderr
    return [d for d in json.loads(p.stdout) if d["severity"] == "error"]


def test_line_break_in_a_text_value_is_an_error(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        js, cs = os.path.join(tmp, "d.json"), os.path.join(tmp, "d.csv")
        for name in ("张三\n李四", "John\r\nSmith", "甲\u2028乙", "甲\r乙"):
            write_json(js, ["正文。"], name=name)
            write_csv(cs, "正文。", name=name)
            for data in (js, cs):
                errors = line_break_errors(yinfa, data)
                assert len(errors) == 1, (name, data, errors)
                e = errors[0]
                assert e["code"] == "data.value" and e["slot"] == "姓名", e
                assert e["path"] == "$.姓名", e
                assert "值中有换行" in e["text"] and "paragraphs" in e["text"], e
                assert "↵" in e["text"], e
            # and nothing is printed glued together
            assert run(yinfa, "text", TEMPLATE, js).returncode != 0


def test_line_break_in_a_list_item_names_the_item(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "d.json")
        write_json(data, ["正文。"], names=["王五", "赵\n六"])
        errors = line_break_errors(yinfa, data)
        assert [(e["path"], e["slot"]) for e in errors] == [("$.名单[1]", "名单")], errors


def test_edge_white_space_of_a_text_value_goes(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        js, cs = os.path.join(tmp, "d.json"), os.path.join(tmp, "d.csv")
        # a trailing line break is white space at the end, not a break inside
        for name in ("\u3000张三\n", "\ufeff张\u200b三\u00ad", " 张三\t"):
            for write, data in ((write_json, js), (write_csv, cs)):
                write(data, "正文。", name=name)
                p = run(yinfa, "text", TEMPLATE, data)
                assert p.returncode == 0, p.stderr
                assert "p: 姓名：张三" in p.stdout.splitlines(), (name, p.stdout)


def test_names_in_one_cell_split_at_line_breaks(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        js, cs = os.path.join(tmp, "d.json"), os.path.join(tmp, "d.csv")
        for names in ("王五\n赵六", "王五\r\n赵六", "王五\u2029赵六", "王五、赵六"):
            for write, data in ((write_json, js), (write_csv, cs)):
                write(data, "正文。", names=names)
                p = run(yinfa, "text", TEMPLATE, data)
                assert p.returncode == 0, p.stderr
                got = [l for l in p.stdout.splitlines() if l.startswith("p: 名单")]
                assert got == ["p: 名单：王五", "p: 名单：赵六"], (names, got)


LONG = "这是一段从文字处理软件粘贴来的正文，开头带着两个全角空格的缩进，长到足以折成两行以上，以便量出首行与次行的起点。"


def test_pasted_indent_is_two_characters_in_the_pdf(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        data, pdf = os.path.join(tmp, "d.json"), os.path.join(tmp, "d.pdf")
        write_json(data, ["\u3000\u3000" + LONG, "  " + LONG, "\u00a0\t" + LONG, LONG])
        p = run(yinfa, "render", TEMPLATE, data, "-o", pdf)
        assert p.returncode == 0, p.stderr
        lines = [l for page in pm.load(pdf) for l in page.lines]
        firsts = [l for l in lines if l.text.startswith("这是一段")]
        assert len(firsts) == 4, [l.text for l in lines]
        for first in firsts:
            second = lines[lines.index(first) + 1]
            pitch = first.glyphs[1].x0 - first.glyphs[0].x0  # one Han character (这 to 是)
            indent = (first.x0 - second.x0) / pitch
            assert abs(indent - 2) < 0.05, (first.text, first.x0, second.x0, indent)
            assert abs(first.x0 - firsts[-1].x0) < 0.01, (first.x0, firsts[-1].x0)


def test_missing_glyph_advice_follows_the_script(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        data, pdf = os.path.join(tmp, "d.json"), os.path.join(tmp, "d.pdf")
        write_json(data, ["正文。"], name="张\U0002A6D6")  # CJK Ext-B, in no test font
        p = run(yinfa, "render", TEMPLATE, data, "-o", pdf)
        assert p.returncode != 0, p.stderr
        errors = [l for l in p.stderr.splitlines() if "没有字体可以显示" in l]
        assert len(errors) == 1, p.stderr
        assert "U+2A6D6" in errors[0] and "CJK 扩展区汉字" in errors[0], errors
        assert "fonts-hanazono" in errors[0] and "阿拉伯" not in errors[0], errors
