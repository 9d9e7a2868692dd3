"""yinfa extract on .docx files: two written by LibreOffice (one soffice call converting two flat ODT
files — one a plain text as pasted into Writer, one with a centred bold title, a table and a shaded
run), one written by hand the OOXML way (python zipfile: runs shaded and highlighted, X and Ｘ, a
soft line break in the title). As for the plain texts (test_extract_text.py): the draft gives the
text back — the shaded runs as X, they are slots — and passes the layout checks.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_extract_text as te  # noqa: E402

SOFFICE = shutil.which("soffice")

# ---- the documents ------------------------------------------------------------------------------

# A 通知 whose facts are shaded in Word: (text, shaded) runs per paragraph; "TABLE" a table.
RICH = [
    ("title", [("宁波市总工会关于组织2026年度劳模疗休养活动的通知", False)]),
    ("p", [("各区（县、市）总工会，各产业工会：", False)]),
    ("p", [("为关心关爱劳动模范身心健康，市总工会决定组织2026年度劳模疗休养活动。现将有关事项通知如下：", False)]),
    ("p", [("一、疗休养对象", False)]),
    ("p", [("市级以上劳动模范，每人每年安排一次，疗休养时间为", False), ("5", True),
           ("天，每人补助标准为", False), ("1800", True), ("元。", False)]),
    ("p", [("二、名额分配", False)]),
    ("TABLE", [["单位", "名额", "联络员"], ["海曙区总工会", "30", "张敏"], ["江北区总工会", "25", "李强"],
               ["北仑区总工会", "28", "王芳"]]),
    ("bold", [("工作要求", False)]),
    ("p", [("各单位于", False), ("3月31日", True), ("前将人员名单报市总工会劳动和经济工作部。", False)]),
    ("right", [("宁波市总工会", False)]),
    ("right", [("2026年2月26日", False)]),
]


def rich_expected():
    parts = []
    for kind, runs in RICH:
        if kind == "TABLE":
            parts.extend(cell for row in runs for cell in row)
        else:
            parts.extend("X" if shaded else text for text, shaded in runs)
    return te.squash("".join(parts))


FODT_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:automatic-styles>
  <style:style style:name="C" style:family="paragraph"><style:paragraph-properties fo:text-align="center"/>
   <style:text-properties fo:font-weight="bold" fo:font-size="22pt"/></style:style>
  <style:style style:name="R" style:family="paragraph"><style:paragraph-properties fo:text-align="end"/></style:style>
  <style:style style:name="S" style:family="text"><style:text-properties fo:background-color="#ffff00"/></style:style>
  <style:style style:name="B" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>
 </office:automatic-styles>
 <office:body><office:text>
"""
FODT_TAIL = "</office:text></office:body></office:document>\n"


def fodt_from_text(text):
    """A plain text pasted into Writer: one paragraph a line."""
    body = "".join(f"<text:p>{escape(line)}</text:p>\n" for line in text.splitlines() if line.strip())
    return FODT_HEAD + body + FODT_TAIL


def fodt_rich():
    out = []
    for kind, runs in RICH:
        if kind == "TABLE":
            out.append('<table:table table:name="名额"><table:table-column table:number-columns-repeated="3"/>')
            for row in runs:
                out.append("<table:table-row>" + "".join(
                    f'<table:table-cell office:value-type="string"><text:p>{escape(c)}</text:p></table:table-cell>'
                    for c in row) + "</table:table-row>")
            out.append("</table:table>")
            continue
        style = {"title": ' text:style-name="C"', "right": ' text:style-name="R"'}.get(kind, "")
        spans = "".join(f'<text:span text:style-name="S">{escape(t)}</text:span>' if shaded
                        else f'<text:span text:style-name="B">{escape(t)}</text:span>' if kind == "bold"
                        else escape(t) for t, shaded in runs)
        out.append(f"<text:p{style}>{spans}</text:p>")
    return FODT_HEAD + "\n".join(out) + FODT_TAIL


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

# The hand-made .docx: a 函 with a two-line title (a soft break), X and Ｘ, a shaded run and a
# highlighted one. (paragraph alignment, runs of (text, how)); how: "" plain, "shd", "hl", "br".
HAND = [
    ("center", [("宁波市总工会", ""), ("", "br"), ("关于商请协助做好职工技能培训工作的函", "")]),
    ("", [("宁波市人力资源和社会保障局：", "")]),
    ("", [("为提升职工技能水平，市总工会计划于", ""), ("2026年4月", "shd"),
          ("起在全市开展职工技能培训，共设培训班X期，培训职工Ｘ人，培训经费约", ""), ("36", "hl"),
          ("万元。为确保培训质量，特商请贵局协助做好以下工作：", "")]),
    ("", [("一、提供职业技能等级认定政策咨询；", "")]),
    ("", [("二、协调定点培训机构做好师资和场地保障；", "")]),
    ("", [("三、对符合条件的参训职工按规定落实培训补贴。", "")]),
    ("", [("盼复。", "")]),
    ("right", [("宁波市总工会", "")]),
    ("right", [("2026年3月2日", "")]),
]


def hand_expected():
    # a slot's draft is X, whichever X the source wrote
    return te.squash("".join("X" if how in ("shd", "hl") else text.replace("Ｘ", "X")
                             for _, runs in HAND for text, how in runs))


def docx_by_hand(path):
    def run(text, how):
        if how == "br":
            return "<w:r><w:br/></w:r>"
        props = {"shd": '<w:rPr><w:shd w:val="clear" w:color="auto" w:fill="FFFF00"/></w:rPr>',
                 "hl": '<w:rPr><w:highlight w:val="yellow"/></w:rPr>'}.get(how, "")
        return f'<w:r>{props}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'

    paragraphs = []
    for align, runs in HAND:
        ppr = f'<w:pPr><w:jc w:val="{align}"/></w:pPr>' if align else ""
        paragraphs.append(f"<w:p>{ppr}{''.join(run(t, h) for t, h in runs)}</w:p>")
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{W}"><w:body>'
                + "".join(paragraphs) + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                   "</Types>")
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
                   "</Relationships>")
        z.writestr("word/document.xml", document)


# ---- the checks --------------------------------------------------------------------------------

def check(yinfa, tmp, docx, name, want, family, cells=()):
    env = te.environment(tmp)
    folder, report = te.extract(yinfa, docx, name, env, tmp)
    assert f"识别为{family}" in report, (name, report.splitlines()[:2])
    root = ET.parse(os.path.join(folder, "template.xml")).getroot()
    pdf = os.path.join(tmp, name + ".pdf")
    p = te.run([yinfa, "render", name, "--draft", "-o", pdf, "-q"], env, tmp)
    assert p.returncode == 0, (name, p.stderr)
    got = te.pdftext(pdf)
    title = te.title_of(root)
    expected = te.expected_draft(family, want, title)
    if got != expected:
        at = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b), min(len(got), len(expected)))
        raise AssertionError(f"{name}: the draft differs at {at}: «{got[max(0, at - 10):at + 10]}» vs "
                             f"«{expected[max(0, at - 10):at + 10]}»")
    problems = [p for p in te.layout_problems(pdf, title) if not any(c in p for c in cells)]
    assert not problems, (name, problems[:6])
    data = os.path.join(folder, "data.json")
    p = te.run([yinfa, "render", name, data, "-o", os.path.join(tmp, name + "-filled.pdf"), "-q"], env, tmp)
    assert p.returncode == 0, (name, p.stderr)
    return root, report


def test_docx_from_libreoffice(yinfa):
    assert SOFFICE, "LibreOffice is missing: run scripts/install-deps.sh --test"
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(te.TEXTS, "report.txt")
        text = te.source_text(source)
        with open(os.path.join(tmp, "pasted.fodt"), "w", encoding="utf-8") as f:
            f.write(fodt_from_text(text))
        with open(os.path.join(tmp, "rich.fodt"), "w", encoding="utf-8") as f:
            f.write(fodt_rich())
        # One LibreOffice start for both files.
        p = subprocess.run([SOFFICE, "--headless", "--convert-to", "docx:MS Word 2007 XML", "--outdir", tmp,
                            os.path.join(tmp, "pasted.fodt"), os.path.join(tmp, "rich.fodt")],
                           capture_output=True, text=True, timeout=180, env={**os.environ, "HOME": tmp})
        for name in ("pasted", "rich"):
            assert os.path.exists(os.path.join(tmp, name + ".docx")), p.stderr + p.stdout

        if not os.environ.get("YINFA_SANITIZED"):  # the engine's part is the same as the rich file's
            check(yinfa, tmp, os.path.join(tmp, "pasted.docx"), "pasted", te.squash(text), "红头公文（报告）")

        cells = [c for kind, rows in RICH if kind == "TABLE" for row in rows for c in row]
        root, report = check(yinfa, tmp, os.path.join(tmp, "rich.docx"), "rich", rich_expected(),
                             "红头公文（通知）", cells)
        body = root.find("body")
        table = body.find("table")
        assert table is not None and len(table.findall("tr")) == 4, ET.tostring(body, encoding="unicode")[:300]
        # a line all in bold: a heading without a number
        assert [h.text for h in body.findall("h1") if h.get("number") == "none"] == ["工作要求"]
        slots = {s.get("name"): s.get("type") for s in root.iter("slot")}
        # the shaded runs: 5 天 a count, 1800 元 money, 3月31日 the date things are due by
        assert sorted(slots.values()) == ["integer", "money", "text"], slots
        assert slots.get("截止日期") == "text", slots
        assert "加底纹" in report


def test_docx_written_by_hand(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        docx = os.path.join(tmp, "letter.docx")
        docx_by_hand(docx)
        root, report = check(yinfa, tmp, docx, "hand", hand_expected(), "红头公文（函）")
        body = root.find("body")
        title = body.find("title")
        assert len(title.findall("br")) == 1, ET.tostring(title, encoding="unicode")
        slots = {s.get("name"): s.get("type") for s in root.iter("slot")}
        assert len(slots) == 4, slots  # 2026年4月 (shaded), X期, Ｘ人, 36 (highlighted)
        assert "money" in slots.values() or "number" in slots.values() or "integer" in slots.values()
        assert not any(n.startswith("事项") for n in slots), slots


def test_not_a_docx(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        bad = os.path.join(tmp, "bad.docx")
        with zipfile.ZipFile(bad, "w") as z:
            z.writestr("hello.txt", "not word")
        env = te.environment(tmp)
        p = te.run([yinfa, "extract", bad, "--name", "bad"], env, tmp)
        assert p.returncode == 1 and "word/document.xml" in p.stderr, p.stderr
        assert not os.path.exists(os.path.join(env["XDG_DATA_HOME"], "yinfa", "templates", "bad"))
