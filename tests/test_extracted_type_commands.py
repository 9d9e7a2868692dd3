"""A type made by extract works with every command, not only render and check: slots, text and
batch find its shared parts too (they load the template without a rendering context), and its
data.json — one object over many lines — is one record for batch."""
import os
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(yinfa, *args, cwd):
    return subprocess.run([yinfa, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_every_command_on_an_extracted_type(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        p = run(yinfa, "extract", os.path.join(ROOT, "examples", "extract", "notice.txt"),
                "--name", "my-notice", "-o", "my-notice", cwd=tmp)
        assert p.returncode == 0, p.stderr
        data = os.path.join("my-notice", "data.json")
        for args in (["render", "my-notice", data, "-o", "a.pdf"], ["check", "my-notice", data],
                     ["slots", "my-notice"], ["slots", "my-notice", "--csv"],
                     ["text", "my-notice", data],
                     ["batch", "my-notice", data, "-o", "out", "--quiet"],
                     ["batch", "my-notice", data, "-o", "out-docx", "--format", "docx", "--quiet"]):
            p = run(yinfa, *args, cwd=tmp)
            assert p.returncode == 0, (args, p.stderr[-2000:])
        assert os.listdir(os.path.join(tmp, "out")) == ["1.pdf"]
        assert os.listdir(os.path.join(tmp, "out-docx")) == ["1.docx"]


def test_one_object_over_many_lines_is_one_record(yinfa):
    """A pretty-printed data file given to batch is one document, not a record a line."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(ROOT, "templates", "notice", "data.json")
        p = run(yinfa, "batch", "notice", src, "-o", "out", "--quiet", cwd=tmp)
        assert p.returncode == 0, p.stderr[-2000:]
        assert os.listdir(os.path.join(tmp, "out")) == ["1.pdf"]
        jsonl = os.path.join(tmp, "two.jsonl")
        with open(jsonl, "w", encoding="utf-8") as f:
            f.write('{"a": 1}\n{"a": 2}\n')
        p = run(yinfa, "check", "notice", jsonl, cwd=tmp)
        assert "第 2 条" in p.stderr or "record" in p.stderr or p.returncode == 1, p.stderr


def test_control_characters_in_the_source(yinfa):
    """A form feed (pdftotext's page break) or a vertical tab ends a line; other controls are
    dropped: the type is written and renders (it wrote a template its own reader refused)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in.txt")
        with open(src, "w", encoding="utf-8") as f:
            f.write("关于测试的通知\n\n各单位：\n请于X月X日前报送材料。\f附件见后。\x01\n\n某某单位\n2026年1月1日\n")
        p = run(yinfa, "extract", src, "--name", "cc", "-o", "cc", cwd=tmp)
        assert p.returncode == 0, p.stderr[-2000:]
        p = run(yinfa, "render", "cc", "--draft", "-o", "d.pdf", cwd=tmp)
        assert p.returncode == 0, p.stderr[-2000:]
        text = subprocess.run(["pdftotext", os.path.join(tmp, "d.pdf"), "-"], capture_output=True,
                              text=True).stdout
        assert "附件见后。" in "".join(text.split()), text


def test_type_names_are_safe_to_print_and_find(yinfa):
    """Names with controls or invisible format characters are refused; a name of a type that
    exists would be hidden behind it and is refused; the commands printed quote what a shell
    would read otherwise."""
    src = os.path.join(ROOT, "examples", "extract", "notice.txt")
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, XDG_DATA_HOME=os.path.join(tmp, "xdg"))
        for bad in ("c\nd", "\u202efdp.exe", "a\tb"):
            p = subprocess.run([yinfa, "extract", src, "--name", bad], capture_output=True,
                               text=True, cwd=tmp, env=env, timeout=60)
            assert p.returncode == 2 and "控制字符" in p.stderr, (bad, p.returncode, p.stderr)
        p = subprocess.run([yinfa, "extract", src, "--name", "notice"], capture_output=True,
                           text=True, cwd=tmp, env=env, timeout=60)
        assert p.returncode == 1 and "已有名为“notice”的类型" in p.stderr, p.stderr
        p = subprocess.run([yinfa, "extract", src, "--name", "x;touch PWNED"], capture_output=True,
                           text=True, cwd=tmp, env=env, timeout=60)
        assert p.returncode == 0, p.stderr[-2000:]
        assert "render 'x;touch PWNED' --draft" in p.stderr, p.stderr[-1500:]
        line = [l for l in p.stderr.splitlines() if "--draft" in l][0]
        r = subprocess.run(line, shell=True, capture_output=True, text=True, cwd=tmp, env=env,
                           timeout=60)
        assert r.returncode == 0 and not os.path.exists(os.path.join(tmp, "PWNED")), r.stderr


def test_a_type_that_cannot_be_laid_out_is_not_written(yinfa):
    """extract lays the new type's draft out as render would before it says it is done: a type
    that would fail at its first render (here a 版记 of one 抄送 line whose rules fell on one
    place) is an error of extract, and no folder is left."""
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in.txt")
        with open(src, "w", encoding="utf-8") as f:
            f.write("职工技能大赛有关事项\n我会拟于2026年4月举办全市职工职业技能大赛。如蒙同意，"
                    "请于2月28日前函复。\n宁波市总工会\n2026年1月20日\n抄送：市委组织部，市财政局。\n")
        p = run(yinfa, "extract", src, "--name", "cc", "-o", "cc", cwd=tmp)
        if p.returncode == 0:
            # the family's parts fixed: then the type must render
            r = run(yinfa, "render", "cc", "--draft", "-o", "d.pdf", cwd=tmp)
            assert r.returncode == 0, r.stderr[-2000:]
        else:
            assert p.returncode == 1 and "排不出合格的版面" in p.stderr, p.stderr[-2000:]
            assert not os.path.exists(os.path.join(tmp, "cc"))
