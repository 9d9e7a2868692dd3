"""The README's examples run as written: every command line of its ```sh blocks that starts with
build/yinfa (or yinfa, in the batch section) — but synopses with placeholders in capitals and the
long-running server — runs against the shipped templates and examples and succeeds, in order, in
one scratch folder (the skeleton written by one line is the data of the next)."""
import os
import re
import shlex
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLACEHOLDER = re.compile(r"\b(TEMPLATE|DATA|DIR|FILE|NAME|COMMAND|PATTERN)\b|\[--")


def command_lines():
    text = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            line = line.strip()
            if not re.match(r"(build/)?yinfa ", line) or line.endswith("\\"):
                continue
            command = line.split("  #")[0].strip()
            if PLACEHOLDER.search(command) or " serve" in command:
                continue
            lines.append(command)
    return lines


def test_readme_commands_run(yinfa):
    lines = command_lines()
    assert len(lines) >= 15, lines
    with tempfile.TemporaryDirectory() as tmp:
        os.symlink(os.path.join(ROOT, "examples"), os.path.join(tmp, "examples"))
        os.symlink(os.path.join(ROOT, "templates"), os.path.join(tmp, "templates"))
        for line in lines:
            words = shlex.split(line.replace(">", " > "))
            out = None
            if ">" in words:
                k = words.index(">")
                out, words = words[k + 1], words[:k]
            args = [yinfa, *words[1:]]
            p = subprocess.run(args, cwd=tmp, capture_output=True, timeout=300)
            assert p.returncode == 0, f"README: {line}\n{p.stderr.decode(errors='replace')[-1500:]}"
            if out:
                open(os.path.join(tmp, out), "wb").write(p.stdout)
