"""A new speech written in the web form from nothing (tests/web/speech.mjs in headless Chromium):
the general 讲话稿 chosen, the title and the meeting typed, three sections added with the list's
own button, each a heading and paragraphs, one of them with second-level headings added inside it
(a list within a list item), the PDF downloaded. Every value typed is in the PDF's text, the PDF
passes the layout checks of tests/test_layout.py as tests/test_doc_types.py holds the speech to
them, and the data saved is what the command line renders to the same text. Then a count of the
union speech refuses "-3" beside its field once it is left (<slot min="0">)."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serving import ROOT, Server, pdf_text  # noqa: E402
import test_layout as layout  # noqa: E402

SPEECH = os.path.join(ROOT, "tests", "web", "speech.mjs")
CHROMIUM = "/usr/bin/chromium"

SENTENCES = ["全市各级工会要坚持以职工为中心的工作导向，把党的主张和要求转化为广大职工的自觉行动。",
             "要聚焦主责主业，在建功立业、维权服务、基层建设上持续用力，推动各项工作落地见效。",
             "各级工会领导干部要带头深入基层、深入职工，察实情、出实招、办实事、求实效。",
             "要健全完善工作责任制，一级抓一级、层层抓落实，确保年度目标任务如期完成。"]
OPENERS = ["回顾过去一年", "展望新的一年", "从全局来看", "从基层来看", "综合各方面情况",
           "从职工群众的期盼来看", "从发展形势来看", "从改革任务来看", "从队伍建设来看"]


def paragraph(k):
    """A paragraph of about four lines, told apart from the others by its opening words."""
    return OPENERS[k % len(OPENERS)] + "，" + "".join(SENTENCES[(k + i) % 4] for i in range(3))


VALUES = {
    "标题": "踔厉奋发开新局　砥砺前行谱新篇",
    "会议": "全市工会系统半年工作推进会",
    "部分": [
        {"标题": "肯定成绩，坚定做好下半年工作的信心", "段落": [paragraph(0), paragraph(1), paragraph(2)]},
        {"标题": "聚焦重点，推动各项任务落地见效", "段落": [paragraph(3)],
         "小节": [{"标题": "抓好技能竞赛", "段落": [paragraph(4)]},
                  {"标题": "抓好困难帮扶", "段落": [paragraph(5)]}]},
        {"标题": "压实责任，以过硬作风确保任务完成", "段落": [paragraph(6), paragraph(7), paragraph(8)]},
    ],
}


def browser(*args):
    driver = os.path.join(ROOT, "tests", "web", "node_modules", "playwright-core")
    for what, ok in (("node", shutil.which("node")), (CHROMIUM, os.access(CHROMIUM, os.X_OK)),
                     ("playwright-core", os.path.isdir(driver))):
        assert ok, f"{what} is missing: run scripts/install-deps.sh --web"
    p = subprocess.run(["node", SPEECH, *args], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, f"speech.mjs failed:\n{p.stderr}"
    report = json.loads(p.stdout)
    assert report["problems"] == [], report["problems"]
    return report


def typed_values(values):
    """Every text typed into the form."""
    out = [values["标题"], values["会议"]]
    for part in values["部分"]:
        out += [part["标题"], *part["段落"]]
        for sub in part.get("小节", []):
            out += [sub["标题"], *sub["段落"]]
    return out


def test_new_speech_from_empty_form(yinfa):
    with tempfile.TemporaryDirectory() as out, Server(yinfa) as srv:
        values = os.path.join(out, "values.json")
        json.dump(VALUES, open(values, "w", encoding="utf-8"), ensure_ascii=False)
        r = browser(srv.url, values, out)
        # A paragraph may run on over a page break: the page numbers "—N—" between go.
        text = re.sub(r"—\d+—", "", pdf_text(r["pdf"]))
        saved = json.load(open(r["data"], encoding="utf-8"))
        cli_pdf = os.path.join(out, "cli.pdf")
        subprocess.run([yinfa, "render", "speech", r["data"], "-o", cli_pdf, "-q"], check=True)
        cli_text = re.sub(r"—\d+—", "", pdf_text(cli_pdf))
        doc = layout.Document(r["pdf"])
        from pdfminer.pdfdocument import PDFDocument
        from pdfminer.pdfparser import PDFParser
        with open(r["pdf"], "rb") as f:
            outline = [layout.text_of(e[1]) for e in PDFDocument(PDFParser(f)).get_outlines()]
        # The layout of the speech (tests/test_doc_types.py): A4, 三号 body, edges, grid, 28
        # characters a line, 22 lines a page, kinsoku, type area, page numbers, the 二号 title.
        skip = {"text_extraction", "outline_and_metadata"}  # the union speech's text and outline
        problems = {name: [p for p in check(doc) if not isinstance(p, layout.Note)]
                    for name, check in layout.CHECKS if name not in skip}

    # The general speech, not the union's; one section offered to start with, the rest added.
    assert r["card"] == "讲话稿" and r["heading"] == "讲话稿", r
    assert r["rowsAtStart"] == 1, r["rowsAtStart"]
    # Each row and each add button says which list it belongs to: a section's, or a second-level
    # heading's inside it.
    assert r["rowNames"] == ["正文各部分 第 1 项", "正文各部分 第 2 项", "正文各部分 第 3 项"], r["rowNames"]
    assert r["addNames"].count("＋ 添加一项（正文各部分）") == 1, r["addNames"]
    assert r["addNames"].count("＋ 添加一项（二级标题）") == 3, r["addNames"]
    assert r["marked"] == 0 and r["previewInfo"].startswith("共 "), r
    assert r["suggested"].startswith("讲话稿-") and r["suggested"].endswith(".pdf"), r["suggested"]

    # What was typed is the data, in its shape: sections of paragraphs, subsections inside.
    assert saved["部分"] == VALUES["部分"], json.dumps(saved["部分"], ensure_ascii=False)[:600]
    # Every value typed is in the PDF, no placeholder left, and the CLI prints the same.
    for value in typed_values(VALUES):
        assert value.replace("　", "") in text, f"{value} not in the downloaded PDF"
    assert "——在全市工会系统半年工作推进会上的讲话" in text
    assert "X" not in text
    assert cli_text == text

    assert len(doc.pages) >= 2, f"{len(doc.pages)} page"
    assert not any(problems.values()), {k: v[:3] for k, v in problems.items() if v}
    first = doc.pages[0].lines
    assert first[1].text == "——在全市工会系统半年工作推进会上的讲话", [l.text for l in first[:3]]
    heads = [e for e in outline if e[:2] in ("一、", "二、", "三、")]
    assert [e[:2] for e in heads] == ["一、", "二、", "三、"], outline
    assert heads[1] == "二、" + VALUES["部分"][1]["标题"], outline
    subs = [l.text for p in doc.pages for l in p.lines if l.text.startswith(("（一）", "（二）"))]
    assert subs == ["（一）抓好技能竞赛", "（二）抓好困难帮扶"], subs

    # A negative count: kept as typed, and refused beside the field with the range.
    neg = r["negative"]
    assert neg["value"] == "-3" and neg["invalid"], neg
    assert neg["msg"] == "应不小于 0，却是 -3", neg
    assert "不小于 0" in neg["help"], neg
