"""The template reference (docs/template-language.md) as an executable spec.

Every ```xml block holding a <template> is an example: it is written to template.xml (with the
```xml file=NAME blocks before it written beside it), rendered by `yinfa text` with the ```json
block that follows as data, and its output must equal the ```text block that follows — or, for
an erroneous example, its messages must equal the ```stderr block. A new example in the document
is a new test; an example whose result changes fails here."""
import os
import re
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "template-language.md")
FENCE = re.compile(r"^```(\w+)(?: file=(\S+))?\n(.*?)^```$", re.M | re.S)


def examples():
    """(line, files, template, data, kind, expected) for every example of the document."""
    text = open(DOC, encoding="utf-8").read()
    files, current = {}, None
    for m in FENCE.finditer(text):
        lang, name, body = m.group(1), m.group(2), m.group(3)
        line = text.count("\n", 0, m.start()) + 1
        if lang == "xml" and name:
            files[name] = body
        elif lang == "xml" and "<template" in body:
            current = {"line": line, "files": files, "template": body, "data": None}
            files = {}
        elif lang == "json" and current:
            current["data"] = body
        elif lang in ("text", "stderr") and current:
            yield current["line"], current["files"], current["template"], current["data"], lang, body
            current = None


def run_example(yinfa, files, template, data):
    with tempfile.TemporaryDirectory() as tmp:
        work = os.path.join(tmp, "collection", "example")
        os.makedirs(work)
        for name, body in files.items():
            os.makedirs(os.path.dirname(os.path.join(work, name)), exist_ok=True)
            open(os.path.join(work, name), "w", encoding="utf-8").write(body)
        open(os.path.join(work, "template.xml"), "w", encoding="utf-8").write(template)
        args = [yinfa, "text", "template.xml"]
        if data is not None:
            open(os.path.join(work, "data.json"), "w", encoding="utf-8").write(data)
            args.append("data.json")
        return subprocess.run(args, cwd=work, capture_output=True, text=True, timeout=30)


def test_every_reference_example(yinfa):
    cases = list(examples())
    assert len(cases) >= 15, f"only {len(cases)} examples found in {DOC}"
    failures = []
    for line, files, template, data, kind, expected in cases:
        p = run_example(yinfa, files, template, data)
        if kind == "text":
            ok = p.returncode == 0 and p.stdout == expected
            got = p.stdout if p.returncode == 0 else f"exit {p.returncode}: {p.stderr}"
        else:
            ok = p.returncode == 1 and p.stderr == expected and p.stdout == ""
            got = f"exit {p.returncode}: {p.stderr}"
        if not ok:
            failures.append(f"example at docs/template-language.md:{line}:\n--- got\n{got}--- expected\n{expected}")
    assert not failures, "\n".join(failures)


def test_reference_examples_follow_the_grammar(yinfa):
    """Every example template (and part) also validates against the RELAX NG grammar on its own
    (xmllint); files of other kinds (an SVG image) are not templates."""
    rng = os.path.join(ROOT, "templates", "yinfa-template.rng")
    for line, files, template, _, _, _ in examples():
        for body in [template, *files.values()]:
            # The erroneous example is meant to break the grammar; an SVG is not a template.
            if "tally" in body or not re.search(r"<(template|part)\b", body):
                continue
            p = subprocess.run(["xmllint", "--noout", "--relaxng", rng, "-"], input=body,
                               capture_output=True, text=True)
            assert p.returncode == 0, f"docs/template-language.md:{line}: {p.stderr}"
