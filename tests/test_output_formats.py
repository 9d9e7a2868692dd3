"""The output formats together: one render gives PDF, Word and OFD from the same layout, with
the same text; options that cannot go together are refused before any work."""
import os
import subprocess
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(yinfa, *args, cwd=None):
    return subprocess.run([yinfa, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_one_document_in_every_format(yinfa):
    """The notice as PDF, .docx and .ofd: each is written, each a package of its kind, and a
    failing render (a missing required value) leaves no file in any format."""
    data = os.path.join(ROOT, "templates", "notice", "data.json")
    with tempfile.TemporaryDirectory() as tmp:
        for ext in ("pdf", "docx", "ofd"):
            out = os.path.join(tmp, "n." + ext)
            p = run(yinfa, "render", "notice", data, "-o", out)
            assert p.returncode == 0, (ext, p.stderr)
            head = open(out, "rb").read(4)
            assert head == (b"%PDF" if ext == "pdf" else b"PK\x03\x04"), (ext, head)
        assert "word/document.xml" in zipfile.ZipFile(os.path.join(tmp, "n.docx")).namelist()
        assert "OFD.xml" in zipfile.ZipFile(os.path.join(tmp, "n.ofd")).namelist()
        bad = os.path.join(tmp, "bad.json")
        open(bad, "w", encoding="utf-8").write("{}")
        for ext in ("pdf", "docx", "ofd"):
            out = os.path.join(tmp, "bad." + ext)
            p = run(yinfa, "render", "notice", bad, "-o", out)
            assert p.returncode == 1 and not os.path.exists(out), (ext, p.returncode)
        leftovers = [f for f in os.listdir(tmp) if f.startswith(".") or "tmp" in f]
        assert leftovers == [], leftovers


def test_print_takes_pdf_only(yinfa):
    """batch --print sends PDF: with Word files it is a usage error, before any record is made."""
    data = os.path.join(ROOT, "examples", "bulletin", "records.csv")
    with tempfile.TemporaryDirectory() as tmp:
        p = run(yinfa, "batch", "bulletin", data, "-o", "out", "--format", "docx", "--print",
                cwd=tmp)
        assert p.returncode == 2, p.stderr
        assert "--print 不能与 Word 文件" in p.stderr, p.stderr
        assert not os.path.exists(os.path.join(tmp, "out")) or os.listdir(os.path.join(tmp, "out")) == []


def test_batch_name_says_the_kind_of_file(yinfa):
    """--format docx with a --name ending .pdf wrote 12.pdf.docx: a usage error."""
    data = os.path.join(ROOT, "examples", "bulletin", "records.csv")
    with tempfile.TemporaryDirectory() as tmp:
        p = run(yinfa, "batch", "bulletin", data, "-o", "out", "--format", "docx",
                "--name", "{期号}.pdf", cwd=tmp)
        assert p.returncode == 2 and "生成的却是 Word 文件" in p.stderr, p.stderr
        p = run(yinfa, "batch", "bulletin", data, "-o", "out", "--format", "pdf",
                "--name", "{期号}.docx", cwd=tmp)
        assert p.returncode == 2 and "生成的却是 PDF 文件" in p.stderr, p.stderr
