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
