"""yinfa extract: a plain-text document becomes a template whose draft gives the text back (a
red-header document's draft adds its 版头 and 版记, their slots printed as X)."""
import os
import re
import shutil
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = {
    "seedspeech": os.path.join(ROOT, "tests", "extract", "speech.txt"),  # the redacted source speech
    "notice": os.path.join(ROOT, "tests", "extract", "notice.txt"),
    "report": os.path.join(ROOT, "tests", "extract", "report.txt"),
}


def squash(s):
    return "".join(s.split())


def extract_and_draft(yinfa, name, source, collection):
    out = os.path.join(collection, name)
    p = subprocess.run([yinfa, "extract", source, "--name", name, "--out", out, "-q"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    pdf = os.path.join(collection, name + ".pdf")
    p = subprocess.run([yinfa, "render", out, "--draft", "-o", pdf, "-q"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True, check=True).stdout
    return out, re.sub(r"—\s*\d+\s*—", "", text)


def test_extracted_templates_reproduce_their_sources(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(os.path.join(ROOT, "templates", "common"), os.path.join(tmp, "common"))
        for name, source in SOURCES.items():
            out, text = extract_and_draft(yinfa, name, source, tmp)
            original = open(source, encoding="utf-8").read()
            xml = open(os.path.join(out, "template.xml"), encoding="utf-8").read()
            red = "../common/red-header.xml" in xml
            want = "X文件X〔X〕X号" + squash(original) + "XX印发" if red else squash(original)
            if name == "report":  # a bulletin ("工作简报"): the issue line under its name
                want = want.replace("工作简报", "工作简报第X期XX", 1)
            assert squash(text) == want, f"{name}: the draft differs from the source"
            redactions = len(re.findall(r"X+", original))
            # every X is a slot; a masthead's issue line has slots of its own
            slots = [v for v in re.findall(r'<v name="([^"]+)"/>', xml) if v not in ("简报名称", "期号", "编印单位", "日期")]
            assert len(slots) == redactions, (name, len(slots), redactions)
            assert 'extends="../common/gbt9704.xml"' in xml
            assert red == (name == "notice"), name
            # The example data fills every slot: no X remains.
            data = os.path.join(out, "data.json")
            pdf = os.path.join(tmp, name + "-filled.pdf")
            p = subprocess.run([yinfa, "render", out, data, "-o", pdf, "-q"], capture_output=True, text=True)
            assert p.returncode == 0, p.stderr
            filled = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout
            assert "X" not in filled, name


def test_structure_becomes_elements(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        # `yinfa text` reads templates without fonts, so without the context that names the
        # shared templates: the collection brings its own common/.
        shutil.copytree(os.path.join(ROOT, "templates", "common"), os.path.join(tmp, "common"))
        out, _ = extract_and_draft(yinfa, "report", SOURCES["report"], tmp)
        p = subprocess.run([yinfa, "text", out], capture_output=True, text=True)
        kinds = [line.split(":")[0] for line in p.stdout.splitlines()]
        assert p.returncode == 0, p.stderr
        assert kinds[:6] == ["p", "p", "row", "rule", "subtitle", "h1"], kinds  # the masthead
        assert kinds.count("h1") == 3 and kinds.count("h2") == 2 and kinds.count("h4") == 2, kinds
        xml = open(os.path.join(out, "template.xml"), encoding="utf-8").read()
        # named from the noun before the X and the unit after it
        names = re.findall(r'<slot name="([^"]+)"', xml)
        for name in ("困难职工户数", "慰问金", "职工人次", "劳动竞赛项数", "参赛职工人数"):
            assert any(n.endswith(name) for n in names), (name, names)
        out, _ = extract_and_draft(yinfa, "notice", SOURCES["notice"], tmp)
        xml = open(os.path.join(out, "template.xml"), encoding="utf-8").read()
        assert "<salutation>各区县（市）总工会" in xml
        assert "<issuer>宁波市总工会</issuer>" in xml and "<date>2026年3月6日</date>" in xml
        assert '<slot name="截止日期.月" type="integer"' in xml and '<slot name="截止日期.日" type="integer"' in xml


def test_extract_never_overwrites(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "t")
        os.makedirs(out)
        p = subprocess.run([yinfa, "extract", SOURCES["notice"], "--name", "t", "--out", out],
                           capture_output=True, text=True)
        assert p.returncode == 1 and "已存在" in p.stderr and os.listdir(out) == []
        assert subprocess.run([yinfa, "extract", SOURCES["notice"], "--name", "../x"],
                              capture_output=True).returncode == 2
