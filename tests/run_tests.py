#!/usr/bin/python3
"""The test runner: every test of the project, one summary line.

Three kinds of test, all found automatically:
  * tests/cases/NAME/ — a template.xml (and data.json) rendered by the CLI; the case states what
    must come out: expected-stderr.txt (diagnostics, exactly), expected-dump.txt (the layout dump,
    exactly), expected-exit (a number; default 1 when stderr is expected, else 0). A new case is a
    new folder: no runner change.
  * tests/test_*.py — functions named test_* (each gets the yinfa binary path).
  * tests/test_layout.py on the draft speech — measures the PDF against GB/T 9704.
Ends with 'N passed, M failed'; exits 1 if anything failed.
"""
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
YINFA = os.environ.get("YINFA_BIN") or os.path.join(ROOT, "build", "yinfa")  # make asan: another build
CASES = os.path.join(ROOT, "tests", "cases")

passed = failed = 0


def report(name, ok, why=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}: {why}")


def run_case(name):
    case = os.path.join(CASES, name)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.pdf")
        args = [YINFA, "render", "template.xml"]
        if os.path.exists(os.path.join(case, "data.json")):
            args.append("data.json")
        args += ["-o", out, "--dump", os.path.join(tmp, "dump.txt"), "-q"]
        p = subprocess.run(args, cwd=case, capture_output=True, text=True, timeout=60)
        expect_err = os.path.join(case, "expected-stderr.txt")
        expect_dump = os.path.join(case, "expected-dump.txt")
        expect_exit = os.path.join(case, "expected-exit")
        code = 1 if os.path.exists(expect_err) else 0
        if os.path.exists(expect_exit):
            code = int(open(expect_exit).read())
        if p.returncode != code:
            return report(f"case {name}", False, f"exit {p.returncode}, expected {code}; stderr: {p.stderr}")
        if os.path.exists(expect_err):
            want = open(expect_err, encoding="utf-8").read()
            if p.stderr != want:
                return report(f"case {name}", False, f"stderr differs:\n--- got\n{p.stderr}--- expected\n{want}")
            if os.path.exists(out) or os.listdir(tmp) not in ([], ["dump.txt"]):
                return report(f"case {name}", False, f"an output file was left behind: {os.listdir(tmp)}")
        if os.path.exists(expect_dump):
            got = open(os.path.join(tmp, "dump.txt"), encoding="utf-8").read()
            want = open(expect_dump, encoding="utf-8").read()
            if got != want:
                return report(f"case {name}", False, f"dump differs:\n--- got\n{got}--- expected\n{want}")
        report(f"case {name}", True)


def run_module(path):
    spec = importlib.util.spec_from_file_location(os.path.basename(path)[:-3], path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for fname in sorted(n for n in dir(mod) if n.startswith("test_")):
        try:
            getattr(mod, fname)(YINFA)
            report(f"{os.path.basename(path)}::{fname}", True)
        except AssertionError as e:
            report(f"{os.path.basename(path)}::{fname}", False, str(e))
        except Exception:
            report(f"{os.path.basename(path)}::{fname}", False, traceback.format_exc())


def run_layout():
    with tempfile.TemporaryDirectory() as tmp:
        pdf = os.path.join(tmp, "draft.pdf")
        p = subprocess.run([YINFA, "render", "union-speech", "--draft", "-o", pdf, "-q"],
                           capture_output=True, text=True)
        if p.returncode != 0:
            return report("layout: render draft speech", False, p.stderr)
        p = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "test_layout.py"), pdf],
                           capture_output=True, text=True)
        for line in p.stdout.splitlines():
            m = re.match(r"^(ok|FAIL)\s+(\S+)(.*)$", line)
            if m:
                report(f"layout::{m.group(2).rstrip(':')}", m.group(1) == "ok", m.group(3))
            elif not re.match(r"^\d+ passed, \d+ failed$", line):
                print(f"     {line}")
        if p.returncode not in (0, 1) or p.stderr.strip():
            report("layout: test_layout.py ran", False, p.stderr)


def main():
    if not os.access(YINFA, os.X_OK):
        print(f"no binary at {YINFA}: run make first")
        return 2
    only = sys.argv[1:]
    for name in sorted(os.listdir(CASES)):
        if not only or name in only:
            run_case(name)
    for fname in sorted(os.listdir(os.path.join(ROOT, "tests"))):
        if fname.startswith("test_") and fname.endswith(".py") and fname != "test_layout.py":
            if not only or fname in only:
                run_module(os.path.join(ROOT, "tests", fname))
    if (not only or "test_layout.py" in only) and os.path.exists(os.path.join(ROOT, "tests", "test_layout.py")):
        run_layout()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
