"""The Python module python/yinfa (ctypes over libyinfa.so): PDF and PNG bytes of the speech, a
bad data dict raising yinfa.Error with its diagnostics as objects (severity, code, JSON path,
slot), a broken template with its line, Template.slots() against `yinfa slots --declarations`,
yinfa.version().

Each check runs in a Python process of its own with YINFA_LIB naming the library beside the yinfa
binary; in a sanitizer build the sanitizers' runtimes are preloaded into that process (leaks are
the C tests' business: the interpreter does not free its own at exit)."""
import json
import os
import re
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TITLE = "凝心聚力抓落实"


def python(yinfa, code, **extra):
    """Runs `code` with the module importable; its last line of output is a JSON value, returned."""
    env = dict(os.environ, YINFA_LIB=os.path.join(os.path.dirname(os.path.abspath(yinfa)), "libyinfa.so.0"),
               PYTHONPATH=os.path.join(ROOT, "python"), **extra)
    if os.environ.get("YINFA_SANITIZED"):
        runtimes = [subprocess.run(["cc", f"-print-file-name={n}"], capture_output=True, text=True,
                                   check=True).stdout.strip() for n in ("libasan.so", "libubsan.so")]
        env["LD_PRELOAD"] = " ".join(runtimes)
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    p = subprocess.run(["/usr/bin/python3", "-c", "import json, os, sys, yinfa\n" + code], env=env, cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.splitlines()[-1])


def pdf_text(data):
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        return subprocess.run(["pdftotext", f.name, "-"], capture_output=True, text=True, check=True).stdout


def test_render_png(yinfa):
    """ctx.render gives page 1 of the speech as a PNG of an A4 page at the dpi asked for, from a
    path or a Template, filled or as a draft; the version is the header's."""
    got = python(yinfa, r"""
ctx = yinfa.Context()
data = json.load(open("examples/speech/data.json", encoding="utf-8"))
png = ctx.render("templates/speech/template.xml", data, format="png", page=1, dpi=72)
draft = ctx.render(ctx.template("templates/speech"), None, draft=True, format="png", page=1, dpi=36)
print(json.dumps({"png": png[:24].hex(), "draft": draft[:24].hex(), "version": yinfa.version(),
                  "warnings": [w.code for w in ctx.warnings]}))
""")
    png = bytes.fromhex(got["png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n", got
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (595, 842), (width, height)   # A4 at 72 dpi
    draft = bytes.fromhex(got["draft"])
    assert draft[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(draft[16:20], "big") == 298, got
    header = open(os.path.join(ROOT, "include", "yinfa.h"), encoding="utf-8").read()
    assert got["version"] == re.search(r'#define YF_VERSION "(.*)"', header).group(1), got


def test_pdf_bytes(yinfa):
    """The PDF bytes start %PDF and hold the title as text."""
    out = os.path.join(tempfile.mkdtemp(), "speech.pdf")
    python(yinfa, r"""
ctx = yinfa.Context()
pdf = ctx.render("templates/speech", json.load(open("examples/speech/data.json", encoding="utf-8")))
open(os.environ["OUT"], "wb").write(pdf)
print(json.dumps(len(pdf)))
""", OUT=out)
    data = open(out, "rb").read()
    assert data[:5] == b"%PDF-" and TITLE in pdf_text(data)


def test_bad_data_raises_with_diagnostics(yinfa):
    """Bad values raise yinfa.Error; each diagnostic says its severity, code, JSON path and slot;
    an unused key is a warning among them; a JSON syntax error has its line and column."""
    got = python(yinfa, r"""
ctx = yinfa.Context()
data = json.load(open("examples/speech/data.json", encoding="utf-8"))
data["日期"] = "2026-02-30"
del data["会议"]
data["届次"] = "十四"
out = {}
for name, value in (("dict", data), ("text", '{\n  "标题": "x",\n  "会议": oops\n}')):
    try:
        ctx.render("templates/speech", value)
        out[name] = "no error"
    except yinfa.Error as e:
        out[name] = [{k: getattr(d, k) for k in Diagnostic.__slots__} for d in e.diagnostics]
        out[name + "-str"] = str(e)
print(json.dumps(out))
""".replace("Diagnostic.__slots__", "yinfa.Diagnostic.__slots__"))
    diags = got["dict"]
    assert diags != "no error", got
    by_path = {d["path"]: d for d in diags}
    date, missing, unused = by_path.get("$.日期"), by_path.get("$.会议"), by_path.get("$.届次")
    assert date and date["severity"] == "error" and date["slot"] == "日期", diags
    assert "2026-02-30" in date["text"] and date["message"].endswith(date["text"]), date
    assert missing and missing["severity"] == "error" and missing["code"] == "data.required", diags
    assert missing["slot"] == "会议" and missing["file"] == "data.json", missing
    assert unused and unused["severity"] == "warning" and unused["slot"] is None, diags
    assert all(d["code"] for d in diags), diags
    assert "$.日期" in got["dict-str"] and "$.届次" not in got["dict-str"], got["dict-str"]
    syntax = [d for d in got["text"] if d["severity"] == "error"]
    assert syntax and syntax[0]["line"] == 3 and syntax[0]["column"] > 0, got["text"]


def test_template_error_has_its_place(yinfa):
    """A template the grammar refuses raises Error naming the file and line."""
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "template.xml")
    open(path, "w", encoding="utf-8").write('<template version="1">\n  <body>\n    <nonsense/>\n'
                                            '  </body>\n</template>\n')
    got = python(yinfa, r"""
ctx = yinfa.Context()
try:
    yinfa.Template(ctx, os.environ["T"])
    print(json.dumps(None))
except yinfa.Error as e:
    print(json.dumps([(d.severity, d.file, d.line, d.code) for d in e.diagnostics]))
""", T=path)
    assert got, "no error"
    assert any(sev == "error" and f == path and line == 3 for sev, f, line, _ in got), got


def test_template_slots(yinfa):
    """Template.slots() are the declarations `yinfa slots --declarations` prints; name too."""
    got = python(yinfa, r"""
t = yinfa.Context().template("templates/speech")
print(json.dumps({"name": t.name, "slots": t.slots()}))
""")
    cli = json.loads(subprocess.run([yinfa, "slots", "templates/speech", "--declarations"], cwd=ROOT,
                                    capture_output=True, text=True, check=True).stdout)
    assert got["name"] == cli["name"] == "讲话稿", got["name"]
    assert got["slots"] == cli["slots"], "slots differ from the CLI's"
    assert {"标题", "日期", "部分"} <= {s["name"] for s in got["slots"]}


def test_readme_example(yinfa):
    """The README's Python example runs as written, from the source tree."""
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    example = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    got = python(yinfa, example.replace("except yinfa.Error as e:", "except yinfa.Error as e:\n    caught = e")
                 + "\nprint(json.dumps([pdf[:5].decode(), png[:4].hex(), len(slots), "
                   "[d.path for d in caught.diagnostics]]))\n")
    assert got[0] == "%PDF-" and got[1] == "89504e47" and got[2] > 5, got
    assert "$.日期" in got[3], got


def test_paths_and_data_kinds(yinfa):
    """A NUL in a path raises ValueError (as open() does) rather than being cut short in C; data is
    JSON text only as bytes or a str starting with "{" — a str or pathlib.Path otherwise names the
    file; a wrong type raises TypeError, and a Template that failed leaves nothing to clean up."""
    got = python(yinfa, r"""
import pathlib
unraisable = []
sys.unraisablehook = lambda u: unraisable.append(repr(u.exc_value))
ctx = yinfa.Context()
T = "templates/speech/template.xml"
D = "examples/speech/data.json"
out = {}
def outcome(f):
    try:
        r = f()
        return "bytes %d" % len(r) if isinstance(r, bytes) else type(r).__name__
    except (ValueError, TypeError) as e:
        return type(e).__name__ + ": " + str(e)
    except yinfa.Error as e:
        return "Error: " + str(e).splitlines()[0]
out["nul template"] = outcome(lambda: ctx.render(T + "\0.evil", None, draft=True))
out["nul Template"] = outcome(lambda: yinfa.Template(ctx, pathlib.Path(T + "\0x")))
out["nul data"] = outcome(lambda: ctx.render(T, D + "\0.x"))
out["nul fonts"] = outcome(lambda: yinfa.Context(fonts_conf="a\0b"))
out["str path"] = outcome(lambda: ctx.render(T, D))
out["Path"] = outcome(lambda: ctx.render(T, pathlib.Path(D)))
out["str json"] = outcome(lambda: ctx.render(T, "  \n" + open(D, encoding="utf-8").read()))
out["str missing"] = outcome(lambda: ctx.render(T, "missing.json"))
out["list"] = outcome(lambda: ctx.render(T, [1]))
out["int template"] = outcome(lambda: ctx.render(123, None))
out["int Template"] = outcome(lambda: yinfa.Template(ctx, 123))
import gc; gc.collect()
out["unraisable"] = unraisable
print(json.dumps(out, ensure_ascii=False))
""")
    assert got["nul template"].startswith("ValueError: embedded null character"), got
    assert got["nul Template"].startswith("ValueError"), got
    assert got["nul data"].startswith("ValueError"), got
    assert got["nul fonts"].startswith("ValueError"), got
    assert got["str path"].startswith("bytes ") and got["str path"] == got["Path"] == got["str json"], got
    assert got["str missing"].startswith("Error: missing.json: error: 无法读取数据"), got
    assert got["list"].startswith("TypeError: data must be"), got
    assert got["int template"].startswith("TypeError"), got
    assert got["int Template"].startswith("TypeError"), got
    # Nothing at cleanup ("Exception ignored … AttributeError: … _ptr").
    assert got["unraisable"] == [], got
