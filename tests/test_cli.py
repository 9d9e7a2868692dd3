"""The command-line contract: slots skeleton round trip, exit statuses, messages, and that no
output file is created, overwritten or left half-written when anything goes wrong."""
import json
import os
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "union-speech", "data.json")


def run(yinfa, *args, cwd=None):
    return subprocess.run([yinfa, *args], capture_output=True, text=True, cwd=cwd, timeout=60)


def pdf_text(path):
    return subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True,
                          check=True).stdout


def leaves(obj, prefix=""):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from leaves(v, f"{prefix}.{k}" if prefix else k)
    else:
        yield prefix, obj


def squash(s):
    return "".join(s.split())


def test_slots_skeleton_round_trip(yinfa):
    p = run(yinfa, "slots", "union-speech")
    assert p.returncode == 0, p.stderr
    skeleton = json.loads(p.stdout)
    values = list(leaves(skeleton))
    assert len(values) >= 20, f"only {len(values)} slots in the speech skeleton"
    with tempfile.TemporaryDirectory() as tmp:
        data, pdf = os.path.join(tmp, "d.json"), os.path.join(tmp, "y.pdf")
        open(data, "w", encoding="utf-8").write(p.stdout)
        r = run(yinfa, "render", "union-speech", data, "-o", pdf, "-q")
        assert r.returncode == 0, r.stderr
        text = squash(pdf_text(pdf))
    missing = [f"{k}={v}" for k, v in values if squash(str(v)) not in text]
    assert not missing, f"values not in the PDF text: {missing}"
    assert "X" not in text, "a placeholder X remains in the filled document"


def test_example_data_fills_every_slot(yinfa):
    data = json.load(open(EXAMPLE, encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        pdf = os.path.join(tmp, "speech.pdf")
        r = run(yinfa, "render", "union-speech", EXAMPLE, "-o", pdf)
        assert r.returncode == 0, r.stderr
        assert "数据未被使用" not in r.stderr, r.stderr
        text = squash(pdf_text(pdf))
    for key, value in leaves(data):
        assert squash(str(value)) in text, f"{key}={value} not in the PDF"
    assert "X" not in text


def test_data_error_keeps_existing_output(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        pdf = os.path.join(tmp, "out.pdf")
        open(pdf, "w").write("finished document")
        bad = os.path.join(tmp, "bad.json")
        json.dump({"市总": {"届次": ["十五"]}}, open(bad, "w"))
        r = run(yinfa, "render", "union-speech", bad, "-o", pdf)
        assert r.returncode == 1, r.returncode
        assert "$.市总.届次: 应为文字，却是列表" in r.stderr, r.stderr
        assert "$.工代会届次: 缺少必填值" in r.stderr, r.stderr
        assert open(pdf).read() == "finished document", "the existing PDF was overwritten"
        assert os.listdir(tmp) == ["out.pdf", "bad.json"] or sorted(os.listdir(tmp)) == ["bad.json", "out.pdf"]


def test_unwritable_output_is_an_error(yinfa):
    r = run(yinfa, "render", "union-speech", EXAMPLE, "-o", "/nonexistent-dir/x.pdf", "-q")
    assert r.returncode == 1
    assert "/nonexistent-dir/x.pdf" in r.stderr and "无法创建输出文件" in r.stderr, r.stderr


def test_success_leaves_no_temporary_files(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        r = run(yinfa, "render", "union-speech", EXAMPLE, "-o", os.path.join(tmp, "s.pdf"), "-q")
        assert r.returncode == 0, r.stderr
        assert os.listdir(tmp) == ["s.pdf"], os.listdir(tmp)
        assert open(os.path.join(tmp, "s.pdf"), "rb").read(5) == b"%PDF-"


def test_usage_errors_exit_2(yinfa):
    for args in ([], ["frobnicate"], ["render", "union-speech"], ["render", "union-speech", "-o", "x.doc"],
                 ["slots"], ["render", "--no-such-flag", "speech", "-o", "x.pdf"]):
        r = run(yinfa, *args)
        assert r.returncode == 2, f"yinfa {' '.join(args)} exited {r.returncode}"
        assert r.stderr.strip(), f"yinfa {' '.join(args)} said nothing"


def test_template_names_stay_in_templates(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("../speech", ".speech", "no-such-type"):
            r = run(yinfa, "render", name, "--draft", "-o", "x.pdf", cwd=tmp)
            assert r.returncode == 1 and "找不到模板" in r.stderr, (name, r.stderr)
        assert os.listdir(tmp) == []


def test_draft_needs_no_data_but_real_render_does(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        r = run(yinfa, "render", "union-speech", "-o", os.path.join(tmp, "x.pdf"))
        assert r.returncode == 1 and "--draft" in r.stderr, r.stderr
        assert os.listdir(tmp) == []


def test_png_preview(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        png = os.path.join(tmp, "p.png")
        r = run(yinfa, "render", "union-speech", EXAMPLE, "-o", png, "--page", "2", "--dpi", "72", "-q")
        assert r.returncode == 0, r.stderr
        head = open(png, "rb").read(24)
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        assert (width, height) == (595, 842), (width, height)
        r = run(yinfa, "render", "union-speech", EXAMPLE, "-o", png, "--page", "99", "-q")
        assert r.returncode == 1 and "没有第 99 页" in r.stderr


def test_font_roles_reported(yinfa):
    r = run(yinfa, "fonts")
    assert r.returncode == 0, r.stderr
    roles = [line.split("\t")[0] for line in r.stdout.splitlines()]
    assert roles == ["小标宋", "仿宋", "黑体", "楷体", "宋体"], roles
    # The test fonts hold no office faces: every role is a substitute, and render says so.
    assert all(line.endswith("substitute") for line in r.stdout.splitlines()), r.stdout
    with tempfile.TemporaryDirectory() as tmp:
        r = run(yinfa, "render", "union-speech", EXAMPLE, "-o", os.path.join(tmp, "s.pdf"))
    warnings = [l for l in r.stderr.splitlines() if l.startswith("warning: 字体角色")]
    assert len(warnings) == 5 and "以 FandolFang 替代" in warnings[1], r.stderr


def test_unused_data_key_is_a_warning(yinfa):
    data = json.load(open(EXAMPLE, encoding="utf-8"))
    data["市总"]["届数"] = "十五"   # a typo of a key
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "d.json")
        json.dump(data, open(path, "w", encoding="utf-8"), ensure_ascii=False)
        r = run(yinfa, "render", "union-speech", path, "-o", os.path.join(tmp, "s.pdf"))
        assert r.returncode == 0, r.stderr
        assert "d.json: warning: $.市总.届数: 模板中没有这个槽位" in r.stderr, r.stderr


def test_check_reports_without_rendering(yinfa):
    r = run(yinfa, "check", "union-speech", EXAMPLE)
    assert r.returncode == 0, r.stderr
    with tempfile.TemporaryDirectory() as tmp:
        bad = os.path.join(tmp, "bad.json")
        data = json.load(open(EXAMPLE, encoding="utf-8"))
        data["返乡"]["专列数"] = "十二"
        data["市委常委会"]["日"] = 17.5
        json.dump(data, open(bad, "w", encoding="utf-8"), ensure_ascii=False)
        r = run(yinfa, "check", "union-speech", bad)
        assert r.returncode == 1
        errors = [l for l in r.stderr.splitlines() if ": error: " in l]
        assert len(errors) == 2, r.stderr
        assert "$.返乡.专列数: 应为数字，却是“十二”" in errors[0] + errors[1]
        assert os.listdir(tmp) == ["bad.json"]


def test_three_data_mistakes_one_report_no_pdf(yinfa):
    data = json.load(open(EXAMPLE, encoding="utf-8"))
    del data["工代会届次"]                      # missing
    data["送温暖"]["慰问户数"] = "三万"           # not a number
    data["返乡"]["补贴金额"] = {"万元": 1245.6}   # an object for a number
    with tempfile.TemporaryDirectory() as tmp:
        path, pdf = os.path.join(tmp, "d.json"), os.path.join(tmp, "s.pdf")
        json.dump(data, open(path, "w", encoding="utf-8"), ensure_ascii=False)
        r = run(yinfa, "render", "union-speech", path, "-o", pdf, "-q")
        assert r.returncode == 1, r.returncode
        errors = r.stderr.splitlines()
        assert len(errors) == 3, r.stderr
        for path_, what in (("$.工代会届次", "缺少必填值"), ("$.送温暖.慰问户数", "应为数字"),
                            ("$.返乡.补贴金额", "应为单个值")):
            line = next((e for e in errors if f": {path_}: " in e), None)
            assert line and what in line and "模板 templates/union-speech/template.xml:" in line, (path_, r.stderr)
        assert not os.path.exists(pdf) and os.listdir(tmp) == ["d.json"]


def test_quiet_long_option(yinfa):
    # --quiet is -q: only errors are printed (the font-role warnings are not).
    with tempfile.TemporaryDirectory() as tmp:
        r = run(yinfa, "render", "union-speech", "--draft", "-o", os.path.join(tmp, "x.pdf"), "--quiet")
        assert r.returncode == 0 and r.stderr == "", r.stderr


def test_multi_page_png_is_all_or_nothing(yinfa):
    # A page that cannot be written (a folder stands where OUT-3.png goes) takes the pages before
    # it away too: the run leaves no file of its own, and what was there stays.
    with tempfile.TemporaryDirectory() as tmp:
        os.mkdir(os.path.join(tmp, "p-3.png"))
        open(os.path.join(tmp, "p-1.png"), "w").write("last week's page")
        r = run(yinfa, "render", "union-speech", "--draft", "-o", os.path.join(tmp, "p.png"), "--dpi", "20", "-q")
        assert r.returncode == 1 and "p-3.png: error: 无法写入" in r.stderr, r.stderr
        assert sorted(os.listdir(tmp)) == ["p-1.png", "p-3.png"], os.listdir(tmp)
        assert open(os.path.join(tmp, "p-1.png")).read() == "last week's page"


def test_object_used_through_its_members(yinfa):
    # <v name="主办.名称"/> uses the object 主办: no "declared but unused" warning for it; an
    # object nobody reads still gets one.
    with tempfile.TemporaryDirectory() as tmp:
        tpl = os.path.join(tmp, "t.xml")
        open(tpl, "w", encoding="utf-8").write(
            '<template version="1"><slots>'
            '<slot name="主办" type="object"><slot name="名称" example="市总工会"/></slot>'
            '<slot name="协办" type="object"><slot name="名称" example="区总工会"/></slot>'
            '</slots><body><p><v name="主办.名称"/></p></body></template>')
        r = run(yinfa, "check", tpl)
        assert r.returncode == 0, r.stderr
        assert "「协办」已声明但未在正文中使用" in r.stderr, r.stderr
        assert "「主办」" not in r.stderr, r.stderr
