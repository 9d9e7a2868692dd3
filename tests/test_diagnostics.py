"""Diagnostics as data: every problem has a stable code, a place and, for the data, its JSON path.

docs/diagnostics.md lists the codes in one table. These tests hold the table, the source and the
program to each other: the table and the codes written in engine/*.c and cli/*.c are the same set,
and every code of the table is produced by an input below (`yinfa … --json`, the codes read back
from the JSON). They also check the JSON of check, render and text, and that layout problems carry
the template place of their block and the slot of the text from the data.
"""
import glob
import json
import os
import re
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOSTILE = os.path.join(ROOT, "tests", "hostile")
PREFLIGHT = os.path.join(ROOT, "tests", "preflight")

# A code is a family and a name; a string literal of that shape whose name is a file extension
# ("data.json", "template.xml") is a file name, not a code.
FAMILIES = ("template", "data", "bind", "image", "font", "setup", "layout", "preflight", "output",
            "batch", "diag")
CODE = re.compile(r'"((?:%s)\.[a-z][a-z0-9-]*)"' % "|".join(FAMILIES))
FILE_EXTENSIONS = {"json", "xml", "csv", "pdf", "png", "svg", "conf", "rng", "docx", "h", "c"}


def table_codes():
    with open(os.path.join(ROOT, "docs", "diagnostics.md"), encoding="utf-8") as f:
        return re.findall(r"^\| `([a-z]+\.[a-z0-9-]+)` \|", f.read(), re.M)


def source_codes():
    found = set()
    for path in glob.glob(os.path.join(ROOT, "engine", "*.c")) + \
            glob.glob(os.path.join(ROOT, "cli", "*.c")):
        with open(path, encoding="utf-8") as f:
            for code in CODE.findall(f.read()):
                if code.split(".", 1)[1] not in FILE_EXTENSIONS:
                    found.add(code)
    return found


def test_table_and_source_have_the_same_codes(yinfa):
    table = table_codes()
    assert len(table) == len(set(table)), [c for c in table if table.count(c) > 1]
    source = source_codes()
    assert not source - set(table), f"used but not in docs/diagnostics.md: {source - set(table)}"
    assert not set(table) - source, f"in docs/diagnostics.md but never used: {set(table) - source}"
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        assert "docs/diagnostics.md" in f.read()


# ---- inputs, one or more a code -------------------------------------------------------------------

def template(body, slots="", page=""):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<template version="1">{page}'
            f'<slots>{slots}</slots><body>{body}</body></template>\n')


def slot(name, type="text", extra=""):
    return f'<slot name="{name}" type="{type}" example="x"{extra}/>'


T = "template.xml"
D = "data.json"
TEXT_SLOT = slot("标题")
FILLED = template('<p><v name="标题"/></p>', TEXT_SLOT)
EMPTY_FONTS = """<?xml version="1.0"?><fontconfig><dir>/nonexistent-fonts</dir></fontconfig>"""
# The test fonts have no Arabic (tests/fonts.conf): the name would be lost.
ARABIC = "محمد"

def crashing_rename(tmp):
    """The environment of a process whose rename() crashes on a file name holding CRASH."""
    from test_batch_reliability import shim
    return shim(tmp)


RECORDS = '{"标题": "a"}\n{"标题": "CRASH"}\n{"多余": 1}\n'

# (code, command, arguments, files[, environment]): the files are written into a fresh folder, the
# command run in it with --json (and the environment made for that folder). {HOSTILE} and
# {PREFLIGHT} in an argument are those folders of tests/.
CASES = [
    ("template.not-found", "check", ["no-such-template"], {}),
    ("template.file", "check", [T], {T: ""}),
    ("template.syntax", "check", [T], {T: '<template version="1"><body><p>x</body></template>'}),
    ("template.limit", "check", ["{HOSTILE}/deep-nesting.xml"], {}),
    ("template.schema", "check", [T], {T: template('<p>x</p>', page='<info><name>a</name><name>b</name></info>')}),
    ("template.unknown-element", "check", [T], {T: template("<p>x</p><bogus/>")}),
    ("template.structure", "check", [T], {T: '<template version="1"><slots/></template>'}),
    ("template.attribute", "check", [T], {T: template('<rule thickness="abc"/><p>x</p>')}),
    ("template.include", "check", ["{HOSTILE}/include-escape.xml"], {}),
    ("template.slot", "check", [T], {T: template('<p><v name="a"/></p>', slot("a") + slot("a"))}),
    ("template.undeclared-slot", "check", [T], {T: template('<p><v name="nope"/></p>')}),
    ("template.slot-use", "check", [T],
     {T: template('<for each="标题" as="x"><p>x</p></for>', TEXT_SLOT)}),
    ("template.style", "check", [T], {T: template('<p style="nope">x</p>')}),
    ("template.expression", "check", [T], {T: template('<if test="(("><p>x</p></if>')}),
    ("template.image", "check", [T], {T: template('<image src="missing.png"/>')}),
    ("template.unused-slot", "check", [T], {T: template("<p>x</p>", TEXT_SLOT)}),
    ("data.file", "check", [T, "missing.json"], {T: FILLED}),
    ("data.syntax", "check", [T, D], {T: FILLED, D: '{"标题": }'}),
    ("data.encoding", "check", [T, "{HOSTILE}/invalid-utf8.json"], {T: FILLED}),
    ("data.legacy-encoding", "check", [T, "r.csv"],
     {T: FILLED, "r.csv": "标题\n市总工会\n".encode("gb18030")}),
    ("data.root", "check", [T, "{HOSTILE}/not-an-object.json"], {T: FILLED}),
    ("data.limit", "check", [T, "{HOSTILE}/deep-nesting.json"], {T: FILLED}),
    ("data.control-character", "check", [T, D], {T: FILLED, D: '{"标题": "a\\u0007b"}'}),
    ("data.many-records", "text", [T, "r.jsonl"], {T: FILLED, "r.jsonl": '{"标题": "a"}\n{"标题": "b"}\n'}),
    ("data.no-records", "check", [T, "r.jsonl", "--record", "5"],
     {T: FILLED, "r.jsonl": '{"标题": "a"}\n{"标题": "b"}\n'}),
    ("data.missing", "render", [T, "-o", "out.pdf"], {T: FILLED}),
    ("data.table", "check", [T, "r.csv", "--group-by", "无此列"], {T: FILLED, "r.csv": "标题\na\n"}),
    ("data.workbook", "check", [T, "r.xlsx"], {T: FILLED, "r.xlsx": b"PK\x03\x04 not a workbook"}),
    ("data.required", "check", [T, D], {T: FILLED, D: "{}"}),
    ("data.type", "check", [T, D],
     {T: template('<p><v name="单位.名称"/></p>',
                  '<slot name="单位" type="object" example="x"><slot name="名称" type="text" example="a"/></slot>'),
      D: '{"单位": "市总工会"}'}),
    ("data.value", "check", [T, D],
     {T: template('<p><v name="户数"/></p>', slot("户数", "integer").replace('"x"', '"1"')),
      D: '{"户数": 12.5}'}),
    ("data.format", "check", [T, D],
     {T: template('<p><v name="金额" format="money-upper"/></p>',
                  '<slot name="金额" type="number" example="1"/>'),
      D: '{"金额": 12.345}'}),
    ("data.image", "check", [T, D],
     {T: template('<image name="印章"/>', '<slot name="印章" type="text" example="seal.png"/>'),
      D: '{"印章": "missing.png"}'}),
    ("data.unused", "check", [T, D], {T: FILLED, D: '{"标题": "a", "多余": 1}'}),
    ("bind.limit", "check", ["{HOSTILE}/loop-100000-pages/template.xml",
                             "{HOSTILE}/loop-100000-pages/data.json"], {}),
    ("image.read", "check", [T], {T: template('<image src="bad.png"/>'), "bad.png": "not an image"}),
    ("font.config", "check", [T, "--fonts-conf", "missing.conf"], {T: template("<p>x</p>")}),
    ("setup.missing", "check", [T, "--fonts-conf", "empty.conf"],
     {T: template("<p>x</p>"), "empty.conf": EMPTY_FONTS}),
    ("font.substitute", "check", [T], {T: template("<p>x</p>")}),
    ("font.fallback", "check", [T], {T: template("<p>出席：王堃同志。</p>")}),
    ("font.no-glyph", "check", [T, D], {T: FILLED, D: json.dumps({"标题": ARABIC + "同志"})}),
    ("layout.overfull-line", "check", [T, D],
     {T: template('<row><left><v name="标题"/></left><right>二〇二六年一月五日</right></row>', TEXT_SLOT),
      D: json.dumps({"标题": "宁波市总工会办公室" * 3})}),
    ("layout.unbreakable", "check", [T, D], {T: FILLED, D: json.dumps({"标题": "x" * 120})}),
    ("layout.table-too-wide", "check", [T],
     {T: template('<table widths="100mm 100mm"><tr><td>a</td><td>b</td></tr></table>')}),
    ("layout.too-tall", "check", ["{PREFLIGHT}/tall-stack/template.xml"], {}),
    ("preflight.overlap", "check", ["{PREFLIGHT}/overlap-top/template.xml"], {}),
    ("preflight.outside", "check", ["{PREFLIGHT}/rules-below/template.xml"], {}),
    ("preflight.off-grid", "check", ["{PREFLIGHT}/off-grid/template.xml"], {}),
    ("output.write", "render", [T, "--draft", "-o", "no-such-folder/out.pdf"], {T: template("<p>x</p>")}),
    ("output.empty", "batch", [T, "r.jsonl", "--merge", "all.pdf", "-q"],
     {T: FILLED, "r.jsonl": '{"多余": 1}\n'}),
    ("setup.source-date-epoch", "render", [T, "--draft", "-o", "out.pdf"], {T: template("<p>x</p>")},
     lambda tmp: dict(os.environ, SOURCE_DATE_EPOCH="abc")),
    ("output.page", "render", [T, "--draft", "-o", "out.png", "--page", "9"], {T: template("<p>x</p>")}),
    ("batch.name", "batch", [T, "r.jsonl", "-o", "out", "--name", "{标题}.pdf", "-q"],
     {T: FILLED, "r.jsonl": RECORDS}),
    ("batch.worker", "batch", [T, "r.jsonl", "-o", "out", "--name", "{标题}.pdf", "-q", "--jobs", "1"],
     {T: FILLED, "r.jsonl": RECORDS}, crashing_rename),
    ("diag.more", "check", [T, D],
     {T: template('<for each="数" as="x"><p><v name="x"/></p></for>',
                  '<slot name="数" type="list" item="integer" example="1"/>'),
      D: json.dumps({"数": ["x"] * 1001})}),
]


def run_case(yinfa, command, args, files, make_env=None):
    """The diagnostics (parsed JSON) and the process of `yinfa COMMAND ARGS --json`."""
    with tempfile.TemporaryDirectory() as tmp:
        env = make_env(tmp) if make_env else None
        for name, content in files.items():
            mode = "wb" if isinstance(content, bytes) else "w"
            with open(os.path.join(tmp, name), mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as f:
                f.write(content)
        args = [a.replace("{HOSTILE}", HOSTILE).replace("{PREFLIGHT}", PREFLIGHT) for a in args]
        p = subprocess.run([yinfa, command, *args, "--json"], capture_output=True, text=True,
                           timeout=120, cwd=tmp, env=env)
    out = p.stderr if command == "text" else p.stdout
    try:
        return json.loads(out), p
    except ValueError:
        raise AssertionError(f"{command} {args}: not JSON: {out!r} (stderr {p.stderr!r})")


def test_every_code_is_produced_by_an_input(yinfa):
    produced, missed = set(), []
    for code, command, args, files, *make_env in CASES:
        diags, p = run_case(yinfa, command, args, files, *make_env)
        codes = {d["code"] for d in diags}
        if code not in codes:
            missed.append(f"{code}: {command} {args} gave {sorted(codes)}:\n" +
                          "\n".join(d["message"] for d in diags))
        want_status = 1 if any(d["severity"] == "error" for d in diags) else 0
        assert p.returncode == want_status, (code, p.returncode, diags)
        produced |= codes
    assert not missed, "\n".join(missed)
    table = set(table_codes())
    assert table == {c for c, *_ in CASES}, table ^ {c for c, *_ in CASES}
    assert produced <= table, f"produced but not documented: {produced - table}"


# ---- the JSON of the commands ---------------------------------------------------------------------

FIELDS = {"severity", "code", "file", "line", "column", "path", "slot", "text", "message"}


def check_fields(d):
    assert set(d) >= FIELDS, d
    assert d["severity"] in ("error", "warning"), d
    assert isinstance(d["code"], str) and d["code"], d
    for k in ("line", "column"):
        assert d[k] is None or (isinstance(d[k], int) and d[k] >= 1), d
    # The line is made of the fields.
    place = d["file"] or ""
    if d["file"] and d["line"]:
        place += f":{d['line']}" + (f":{d['column']}" if d["column"] else "")
    head = f"{place}: " if d["file"] else ""
    head += f"{d['severity']}: "
    if d["path"] and not d["line"]:
        head += f"{d['path']}: "
    assert d["message"] == head + d["text"], d


def test_check_json_data_problem(yinfa):
    diags, p = run_case(yinfa, "check", [T, D], {
        T: template('<for each="议程" as="项"><p><v name="项.事项"/>，<v name="项.时长"/>分钟</p></for>',
                    '<slot name="议程" type="list" example="x"><slot name="事项" type="text" example="a"/>'
                    '<slot name="时长" type="integer" example="5"/></slot>'),
        D: json.dumps({"议程": [{"事项": "开幕", "时长": 5}, {"事项": "讲话", "时长": 12.5}]})})
    assert p.returncode == 1
    for d in diags:
        check_fields(d)
    [bad] = [d for d in diags if d["severity"] == "error"]
    assert bad["code"] == "data.value" and bad["file"] == D, bad
    assert bad["path"] == "$.议程[1].时长" and bad["slot"] == "时长", bad
    assert bad["line"] is None and bad["text"].startswith("应为整数"), bad


def test_plain_lines_are_the_json_messages(yinfa):
    files = {T: template('<p><v name="标题"/></p>', TEXT_SLOT + slot("届次", "integer").replace('"x"', '"1"')),
             D: json.dumps({"届次": "十四", "多余": 1})}
    with tempfile.TemporaryDirectory() as tmp:
        for name, content in files.items():
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
                f.write(content)
        plain = subprocess.run([yinfa, "check", T, D], capture_output=True, text=True, cwd=tmp)
        js = subprocess.run([yinfa, "check", T, D, "--json"], capture_output=True, text=True,
                            cwd=tmp)
    assert plain.returncode == js.returncode == 1
    diags = json.loads(js.stdout)
    assert plain.stderr.splitlines() == [d["message"] for d in diags], (plain.stderr, diags)
    assert "data.json: error: $.标题: 缺少必填值（槽位「标题」" in plain.stderr, plain.stderr
    assert "data.json: warning: $.多余: 模板中没有这个槽位" in plain.stderr, plain.stderr
    for d in diags:
        check_fields(d)
    assert {d["code"] for d in diags} >= {"data.required", "data.value", "data.unused"}, diags


def test_check_json_template_problem_has_its_place(yinfa):
    diags, p = run_case(yinfa, "check", [T], {T: template('<p>x</p>\n<p style="nope">y</p>')})
    assert p.returncode == 1 and p.stderr == "", p.stderr
    [bad] = [d for d in diags if d["severity"] == "error"]
    check_fields(bad)
    assert bad["code"] == "template.style" and bad["file"] == T and bad["line"] == 3, bad
    assert bad["column"] >= 1 and bad["path"] is None and bad["slot"] is None, bad


def test_check_json_of_records(yinfa):
    diags, p = run_case(yinfa, "check", [T, "r.csv"], {T: FILLED, "r.csv": "标题,多余\na,1\n,2\n"})
    assert p.returncode == 1
    errors = [d for d in diags if d["severity"] == "error"]
    assert [d["record"] for d in errors] == [2], errors
    assert errors[0]["code"] == "data.required" and errors[0]["file"] == "r.csv:3", errors


def test_render_json_and_quiet(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, T)
        with open(path, "w", encoding="utf-8") as f:
            f.write(template("<p>正文。</p>"))
        out = os.path.join(tmp, "out.pdf")
        p = subprocess.run([yinfa, "render", path, "--draft", "-o", out, "--json", "-q"],
                           capture_output=True, text=True)
        assert p.returncode == 0 and os.path.exists(out) and p.stderr == "", p.stderr
        for d in json.loads(p.stdout):
            check_fields(d)
        # --dump -: the dump is stdout, the JSON goes to stderr
        p = subprocess.run([yinfa, "render", path, "--draft", "--dump", "-", "--json"],
                           capture_output=True, text=True)
        assert p.returncode == 0 and not p.stdout.startswith("["), p.stdout[:80]
        assert isinstance(json.loads(p.stderr), list), p.stderr


def test_text_json_goes_to_stderr(yinfa):
    diags, p = run_case(yinfa, "text", [T, D], {T: FILLED, D: '{"标题": "通知", "多余": 1}'})
    assert p.returncode == 0 and p.stdout == "p: 通知\n", p.stdout
    assert [d["code"] for d in diags] == ["data.unused"], diags


def test_quiet_is_accepted_by_check_and_text(yinfa):
    for command in ("check", "text"):
        for flag in ("-q", "--quiet"):
            p = subprocess.run([yinfa, command, "union-speech", flag], capture_output=True,
                               text=True, cwd=ROOT)
            assert p.returncode == 0, (command, flag, p.stderr)
            assert "warning:" not in p.stderr, (command, flag, p.stderr)


# ---- places of layout problems --------------------------------------------------------------------

def test_overfull_line_has_the_block_place_and_the_slot(yinfa):
    body = ('<p>开头。</p>\n'
            '<row><left><v name="单位"/></left><right><v name="日期"/></right></row>')
    diags, _ = run_case(yinfa, "check", [T, D], {
        T: template(body, slot("单位") + slot("日期")),
        D: json.dumps({"单位": "宁波市总工会办公室" * 3, "日期": "二〇二六年一月五日"})})
    [w] = [d for d in diags if d["code"] == "layout.overfull-line"]
    check_fields(w)
    assert w["file"] == T and w["line"] == 3 and w["column"] >= 1, w
    assert w["slot"] == "单位" and w["path"] == "$.单位", w
    assert w["message"].startswith(f"{T}:3:"), w


def test_unbreakable_word_in_a_loop_names_its_item(yinfa):
    body = '<for each="名单" as="人">\n<p>请<v name="人"/>同志到会。</p></for>'
    diags, _ = run_case(yinfa, "check", [T, D], {
        T: template(body, '<slot name="名单" type="list" item="text" example="张三"/>'),
        D: json.dumps({"名单": ["张三", "x" * 120]})})
    [w] = [d for d in diags if d["code"] == "layout.unbreakable"]
    assert w["file"] == T and w["line"] == 3, w
    assert w["path"] == "$.名单[1]", w


def test_row_taller_than_a_page_has_its_place(yinfa):
    diags, p = run_case(yinfa, "check", ["{PREFLIGHT}/tall-stack/template.xml"], {})
    [e] = [d for d in diags if d["code"] == "layout.too-tall"]
    check_fields(e)
    assert e["file"].endswith("tall-stack/template.xml") and e["line"] and e["column"], e


def test_table_too_wide_has_its_place(yinfa):
    diags, _ = run_case(yinfa, "check", [T], {
        T: template('<p>x</p>\n<table widths="100mm 100mm"><tr><td>a</td><td>b</td></tr></table>')})
    [w] = [d for d in diags if d["code"] == "layout.table-too-wide"]
    assert w["file"] == T and w["line"] == 3, w


def test_unreadable_image_has_the_place_of_its_element(yinfa):
    diags, p = run_case(yinfa, "check", [T], {
        T: template('<p>x</p>\n<image src="bad.png"/>'), "bad.png": "not an image"})
    [e] = [d for d in diags if d["code"] == "image.read"]
    check_fields(e)
    assert p.returncode == 1 and e["file"] == T and e["line"] == 3, e


def test_value_its_format_cannot_write_has_the_place_and_the_path(yinfa):
    diags, p = run_case(yinfa, "check", [T, D], {
        T: template('<p>x</p>\n<for each="款项" as="项"><p><v name="项" format="money-upper"/></p></for>',
                    '<slot name="款项" type="list" item="number" example="1"/>'),
        D: json.dumps({"款项": [1, 12.345]})})
    [e] = [d for d in diags if d["code"] == "data.format"]
    check_fields(e)
    assert p.returncode == 1 and e["file"] == T and e["line"] == 3, e
    assert e["path"] == "$.款项[1]", e
