"""The web form end to end, in a real browser: Debian's Chromium driven by playwright-core
(tests/web/e2e.mjs; installed by scripts/install-deps.sh --web). A secretary's session: choose a
template, load last week's data, change fields, watch the preview change, read the engine's
messages beside the fields, download the PDF and the data; lists added to, reordered, trimmed."""
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serving import ROOT, Server, pdf_text  # noqa: E402

E2E = os.path.join(ROOT, "tests", "web", "e2e.mjs")
EXAMPLE = os.path.join(ROOT, "examples", "union-speech", "data.json")
CHROMIUM = "/usr/bin/chromium"


def browser(*args):
    driver = os.path.join(ROOT, "tests", "web", "node_modules", "playwright-core")
    for what, ok in (("node", shutil.which("node")), (CHROMIUM, os.access(CHROMIUM, os.X_OK)),
                     ("playwright-core", os.path.isdir(driver))):
        assert ok, f"{what} is missing: run scripts/install-deps.sh --web"
    p = subprocess.run(["node", E2E, *args], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, f"e2e.mjs {args[0]} failed:\n{p.stderr}"
    report = json.loads(p.stdout)
    assert report["problems"] == [], report["problems"]
    return report


def test_web_form_speech(yinfa):
    with tempfile.TemporaryDirectory() as out, Server(yinfa) as srv:
        r = browser("speech", srv.url, EXAMPLE, out)
        saved = json.load(open(r["data"]["file"], encoding="utf-8"))
        text = pdf_text(r["pdf"]["file"])
        last_week = os.path.join(out, "last-week.pdf")
        subprocess.run([yinfa, "render", "union-speech", EXAMPLE, "-o", last_week, "-q"], check=True)
        before = pdf_text(last_week)

    # A card for every type of templates/ (a folder holding a template.xml).
    types = [d for d in os.listdir(os.path.join(ROOT, "templates"))
             if os.path.exists(os.path.join(ROOT, "templates", d, "template.xml"))]
    assert "讲话稿" in r["cards"] and len(r["cards"]) == len(types), r["cards"]
    # The empty form previews the redacted document.
    assert "未填处以 X 显示" in r["draftInfo"], r["draftInfo"]
    assert r["previewChanged"] and r["pagesShown"] >= 2, r
    # The engine's messages, beside the fields they name.
    assert r["typeError"] == "应为整数，却是 12.5", r["typeError"]
    assert r["missing"] == "必填，尚未填写", r["missing"]
    assert r["refusedStatus"].startswith("无法生成 PDF"), r["refusedStatus"]
    assert r["downloadsWhileInvalid"] == 0 and r["messagesAfterFix"] == 0, r
    assert r["pdf"]["suggested"].startswith("工会全委会讲话稿-") and r["pdf"]["suggested"].endswith(".pdf")

    # The three values typed are in the PDF, and were not in last week's.
    for value in ("二十八", "甬江新区", "31415"):
        assert value in text, f"{value} not in the downloaded PDF"
        assert value not in before, f"{value} was already in the example's PDF"
    assert "X" not in text, "a placeholder remains in the downloaded PDF"
    # The saved data is last week's with the three changes: nothing else lost or altered.
    want = copy.deepcopy(json.load(open(EXAMPLE, encoding="utf-8")))
    want["市总"]["届次"] = "二十八"
    want["城市"] = "甬江新区"
    want["送温暖"]["慰问户数"] = 31415
    assert saved == want, json.dumps(saved, ensure_ascii=False)


def test_web_form_lists_objects_and_reload(yinfa):
    with tempfile.TemporaryDirectory() as out, \
            Server(yinfa, "--templates", os.path.join(ROOT, "tests", "web", "templates")) as srv:
        r = browser("bulletin", srv.url, out)
        saved = json.load(open(r["data"]["file"], encoding="utf-8"))
        text = pdf_text(r["pdf"]["file"])

    # Numbers and dates are text fields that keep what is typed (tests/test_form.py).
    assert r["inputTypes"] == {"期号": "text", "印发日期": "text", "专项经费": "text",
                               "主动公开": "checkbox", "导语": "textarea"}, r["inputTypes"]
    # Starred: every slot but 经费 and 公开 (they have defaults), with 联系人's two members and
    # the two fields of the one row 文章 starts with.
    assert r["required"] == 11, r["required"]
    assert r["placeholder"] == "例：市总工会办公室", r["placeholder"]
    # $.文章[1].字数 was shown beside the second row's 字数.
    assert r["rowError"] == "应为整数，却是 12.5", r["rowError"]
    assert r["rowTitles"] == ["丙篇", "乙篇"], r["rowTitles"]
    assert saved == {
        "期号": 7, "日期": "2026-03-02", "编印": {"单位": "测试办公室"}, "公开": True,
        "导语": ["第一段导语", "第二段导语"], "联系人": {"姓名": "李四", "电话": "0574-1"},
        "文章": [{"标题": "丙篇", "字数": 300}, {"标题": "乙篇", "字数": 200}],
        "抄送": ["甲单位", "乙单位"],
    }, json.dumps(saved, ensure_ascii=False)
    for part in ("第7期", "测试办公室2026年3月2日", "第一段导语", "一、丙篇", "二、乙篇", "（300字）",
                 "此件公开发布", "抄送：甲单位，乙单位。"):
        assert part in text, f"{part} not in the PDF: {text[:400]}"
    assert "甲篇" not in text
    # Next week's issue, loaded back from the saved file.
    back = r["reloaded"]
    assert back["期号"] == "8" and back["titles"] == ["丙篇", "乙篇", "丁篇"], back
    assert back["copies"] == ["甲单位", "乙单位"] and back["公开"] is True, back
    assert any("多余" in n for n in back["notes"]), back["notes"]
