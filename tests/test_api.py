"""The public API as a program embedding the library calls it: tests/api/api_test.c, built against
the library beside the yinfa binary (under `make asan`, build-asan's, with the sanitizers) and run.
It calls every function of include/yinfa.h — ownership and NULL rules, the error paths (a missing
template, bad JSON, a record index past the end, writes that cannot happen leave no file), the
multi-document PDF with a document added without being announced, output in memory — and renders
on four threads at once, each with its own context, byte for byte as on one thread. The files it
writes are then read back here with poppler."""
import os
import re
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SANITIZED = bool(os.environ.get("YINFA_SANITIZED"))


def build(yinfa, out_dir):
    """api_test linked against libyinfa.a beside `yinfa`, with the Makefile's packages."""
    makefile = open(os.path.join(ROOT, "Makefile")).read()
    pkgs = re.search(r"^PKGS\s*:=\s*(.*)$", makefile, re.M).group(1).split()
    extra = re.search(r"^PKG_LIBS\s*=.*\)(.*)$", makefile, re.M).group(1).split()
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", *pkgs], capture_output=True,
                           text=True, check=True).stdout.split()
    lib = os.path.join(os.path.dirname(yinfa), "libyinfa.a")
    sanitizers = os.environ.get("YINFA_SAN_FLAGS", "").split()
    exe = os.path.join(out_dir, "api_test")
    subprocess.run(["cc", "-std=gnu11", "-g", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter",
                    "-Iinclude", "tests/api/api_test.c", lib, *sanitizers, *flags, *extra,
                    "-pthread", "-o", exe], cwd=ROOT, check=True)
    return exe


def pdf_text(path):
    return subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True,
                          check=True).stdout


def pdf_pages(path):
    info = subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def test_public_api(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        exe = build(yinfa, tmp)
        out = os.path.join(tmp, "out")
        os.mkdir(out)
        # Fewer threaded renders under the sanitizers (each render is several times slower).
        args = [exe, ROOT, out] + (["all", "1"] if SANITIZED else [])
        # SOURCE_DATE_EPOCH is a setting of the command line, never read by the library.
        env = dict(os.environ, SOURCE_DATE_EPOCH="1767225600")
        p = subprocess.run(args, capture_output=True, text=True, env=env,
                           timeout=600 if SANITIZED else 120)
        failed = [line for line in p.stdout.splitlines() if line.startswith("FAIL")]
        assert p.returncode == 0 and not failed, "\n".join(failed) + "\n" + p.stdout[-3000:] + p.stderr[-3000:]
        assert re.search(r"^\d+ checks, 0 failed$", p.stdout, re.M), p.stdout[-2000:]

        # The merged PDF: speech (3), the letter never announced (1), again (1), blank, again (1).
        merged = os.path.join(out, "merged.pdf")
        assert pdf_pages(merged) == 7
        text = pdf_text(merged)
        letter = "宁波市人力资源和社会保障局"  # the letter's addressee
        assert text.count(letter) == 3, "the unannounced letter must be drawn as text, 3 times"
        assert "关于商请支持举办" in text
        assert letter in pdf_text(os.path.join(out, "unannounced.pdf"))
        # A PDF carries the creation date its context was given; without one, not the
        # environment's.
        def created(name):
            info = subprocess.run(["pdfinfo", "-isodates", os.path.join(out, name)],
                                  capture_output=True, text=True, check=True).stdout
            return re.search(r"^CreationDate:\s+(\S+)", info, re.M).group(1)
        assert created("speech.pdf").startswith("2023-11-14T22:13:20"), created("speech.pdf")
        assert created("merged.pdf").startswith("2023-11-14T22:13:20"), created("merged.pdf")
        assert not created("undated.pdf").startswith("2026-01-01T00:00:00"), created("undated.pdf")


def created(pdf):
    info = subprocess.run(["pdfinfo", "-isodates", pdf], capture_output=True, text=True,
                          check=True).stdout
    return re.search(r"^CreationDate:\s+(\S+)", info, re.M).group(1)


def test_cli_creation_date(yinfa):
    """The command line reads SOURCE_DATE_EPOCH and hands it to the library as a setting; a batch
    gives all its files one date, whether the variable is set or not."""
    letter = os.path.join(ROOT, "templates", "letter")
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
        pdf = os.path.join(tmp, "a.pdf")
        subprocess.run([yinfa, "render", letter, os.path.join(letter, "data.json"), "-o", pdf, "-q"],
                       env=env, check=True, timeout=120)
        assert created(pdf).startswith("2023-11-14T22:13:20"), created(pdf)

        # A malformed value is an error, not a date guessed from it (tests/test_output_safety.py).
        env["SOURCE_DATE_EPOCH"] = "soon"
        p = subprocess.run([yinfa, "render", letter, os.path.join(letter, "data.json"), "-o", pdf,
                            "-q"], env=env, capture_output=True, text=True, timeout=120)
        assert p.returncode == 1 and "SOURCE_DATE_EPOCH" in p.stderr, p.stderr

        records = os.path.join(tmp, "records.json")
        one = open(os.path.join(letter, "data.json"), encoding="utf-8").read()
        open(records, "w", encoding="utf-8").write(f"[{one}, {one}]")
        env.pop("SOURCE_DATE_EPOCH")
        out = os.path.join(tmp, "out")
        subprocess.run([yinfa, "batch", letter, records, "-o", out, "--jobs", "2", "-q"], env=env,
                       check=True, timeout=300)
        dates = {created(os.path.join(out, f)) for f in os.listdir(out)}
        assert len(os.listdir(out)) == 2 and len(dates) == 1, dates


def test_every_public_function_is_called(yinfa):
    """The API test calls every function the header exports (YF_API): a new one without a test
    fails here."""
    header = open(os.path.join(ROOT, "include", "yinfa.h"), encoding="utf-8").read()
    test = open(os.path.join(ROOT, "tests", "api", "api_test.c"), encoding="utf-8").read()
    names = re.findall(r"YF_API[^;(]*?\b(yf_[a-z0-9_]+)\s*\(", header)
    assert len(names) > 50, names
    missing = [n for n in names if not re.search(r"\b%s\s*\(" % n, test)]
    assert missing == [], missing
