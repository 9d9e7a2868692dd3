"""The web form never loses or bends a value. In headless Chromium (tests/web/form.mjs): number
fields the mouse wheel cannot change, "12OO", "一千二百" and "2026-02-30" kept as typed with the
engine's message beside the field as soon as it is left, every value kept across the 全部公文 link,
the back button and a reload (the draft), a seal picked from the collection's images that is in
the PDF, the fonts panel. Over HTTP: the check, images and fonts endpoints, and what they refuse."""
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serving import ROOT, Server, pdf_text  # noqa: E402

FORM = os.path.join(ROOT, "tests", "web", "form.mjs")
CHROMIUM = "/usr/bin/chromium"
NOTICE = os.path.join(ROOT, "templates", "notice", "data.json")
SPEECH = os.path.join(ROOT, "examples", "union-speech", "data.json")
ROLES = ["小标宋", "仿宋", "黑体", "楷体", "宋体"]


def browser(*args):
    driver = os.path.join(ROOT, "tests", "web", "node_modules", "playwright-core")
    for what, ok in (("node", shutil.which("node")), (CHROMIUM, os.access(CHROMIUM, os.X_OK)),
                     ("playwright-core", os.path.isdir(driver))):
        assert ok, f"{what} is missing: run scripts/install-deps.sh --web"
    p = subprocess.run(["node", FORM, *args], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, f"form.mjs {args[0]} failed:\n{p.stderr}"
    report = json.loads(p.stdout)
    assert report["problems"] == [], report["problems"]
    return report


def request(srv, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
    try:
        if isinstance(body, (dict, list)):
            body = json.dumps(body, ensure_ascii=False)
        if isinstance(body, str):
            body = body.encode("utf-8")
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def check(srv, name, data, **headers):
    return request(srv, "POST", f"/api/templates/{name}/check", data,
                   {"Content-Type": "application/json", **headers})


def cli_messages(yinfa, name, data):
    """What `yinfa check` says of `data`, each message from its "error:" on, template files named
    relative to the templates folder as the server names them."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
        f.flush()
        p = subprocess.run([yinfa, "check", name, f.name, "-q"], capture_output=True, text=True)
    return sorted(re.sub(r"模板 \S*?templates/", "模板 ", line[line.index("error:"):])
                  for line in p.stderr.splitlines() if "error:" in line)


def red_pixels(pdf):
    """Red pixels (ink of a seal, a masthead) on every page of a PDF at 50 dpi."""
    count = 0
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", "50", pdf, os.path.join(tmp, "p")], check=True)
        for name in sorted(os.listdir(tmp)):
            raw = open(os.path.join(tmp, name), "rb").read()
            header = re.match(rb"P6\s+(\d+)\s+(\d+)\s+255\s", raw)
            px = raw[header.end():]
            count += sum(1 for i in range(0, len(px) - 2, 3)
                         if px[i] > 160 and px[i + 1] < 110 and px[i + 2] < 110)
    return count


# ---- in the browser ----------------------------------------------------------------------------

def test_form_keeps_values(yinfa):
    with Server(yinfa) as srv:
        r = browser("values", srv.url)
    # A text field with a numeric keyboard: the wheel and the arrow keys change nothing.
    assert r["input"] == {"type": "text", "inputmode": "numeric"}, r["input"]
    assert r["afterWheel"] == "2360", r["afterWheel"]
    # Kept as typed, and the engine's words beside the field once it is left (no template path).
    assert r["notNumber"]["value"] == "12OO" and r["notNumber"]["text"].startswith("应为数字，却是“12OO”"), r["notNumber"]
    assert r["chinese"]["value"] == "一千二百" and r["chinese"]["text"].startswith("应为数字，却是“一千二百”"), r["chinese"]
    assert r["emptied"]["text"] == "必填，尚未填写", r["emptied"]
    for k in ("notNumber", "chinese", "emptied"):
        assert r[k]["ms"] < 3000, (k, r[k])
    # A negative count is kept as typed, and refused beside the field: the slot says min="0".
    assert r["negative"]["value"] == "-3", r["negative"]
    assert r["negative"]["text"] == "应不小于 0，却是 -3", r["negative"]
    # Only fields left empty are marked missing, not the thirty the speech still lacks.
    assert 1 <= r["missingShown"] <= 3, r["missingShown"]
    # Away and back: every value, by the link, the logo and the back button, and a reload.
    want = {"户数": "23600", "金额": "1280.5", "城市": "甬江新区", "届次": "二十八", "包车": "-3"}
    assert r["typed"] == want, r["typed"]
    assert r["homeShown"]
    for k in ("afterLink", "afterBack", "afterReload", "afterUndo"):
        assert r[k] == want, (k, r[k])
    assert r["restoredNote"].startswith("已恢复草稿") and r["reloadNote"].startswith("已恢复草稿"), r
    assert all(v == "" for v in r["afterDiscard"].values()), r["afterDiscard"]
    # No question was needed to keep anything...
    assert r["dialogsBefore"] == 0, r["dialogs"]
    # ...but when the browser refuses to store the draft, leaving asks, and "stay" keeps the form.
    refused = r["refusedStorage"]
    assert len(refused["asked"]) == 1 and refused["asked"][0].startswith("confirm: 填写的内容无法保存为草稿"), refused
    assert refused["stayed"] and refused["city"] == "北仑区" and refused["hash"] == "#/union-speech", refused


def test_form_date_seal_fonts(yinfa):
    with tempfile.TemporaryDirectory() as out, Server(yinfa) as srv:
        data = json.load(open(NOTICE, encoding="utf-8"))
        del data["印章"]
        unsealed = os.path.join(out, "unsealed.json")
        json.dump(data, open(unsealed, "w", encoding="utf-8"), ensure_ascii=False)
        r = browser("notice", srv.url, unsealed, out)
        saved = json.load(open(r["data"], encoding="utf-8"))
        cli_pdf = os.path.join(out, "cli.pdf")
        subprocess.run([yinfa, "render", "notice", unsealed, "-o", cli_pdf, "-q"], check=True)
        sealed_red, unsealed_red = red_pixels(r["pdf"]), red_pixels(cli_pdf)
        text = pdf_text(r["pdf"])

    assert r["dateInputType"] == "text"
    assert r["date"]["value"] == "2026-02-30", r["date"]
    assert r["date"]["text"] == "应为日期（如 2026-01-05），却是“2026-02-30”：2026 年 2 月没有 30 日", r["date"]
    assert not r["dateMissing"]
    # A seal the collection lacks, from a data file: kept, and the engine's words beside the picker.
    assert r["wrongSeal"]["checked"] == ["../common/nope.png"], r["wrongSeal"]
    assert r["wrongSeal"]["msg"].startswith("图片“../common/nope.png”") and "找不到这个文件" in r["wrongSeal"]["msg"], r["wrongSeal"]
    assert "槽位" not in r["wrongSeal"]["msg"] and r["wrongSeal"]["general"] == [], r["wrongSeal"]
    # The picker: the collection's images with thumbnails; the seal chosen is the data's value.
    assert r["options"][:2] == ["不使用", "common/seal.svg"], r["options"]
    assert r["sealThumbnail"] > 0, r
    assert r["checkedBefore"] == [""] and r["checkedAfter"] == ["../common/seal.svg"], r
    assert r["checkedAfterReload"] == ["../common/seal.svg"], r
    assert saved["印章"] == "../common/seal.svg" and saved["成文日期"] == "2026年1月5日", saved
    # The seal is in the PDF: its red ink on top of the masthead's.
    assert sealed_red > unsealed_red + 500, (sealed_red, unsealed_red)
    assert "宁波市总工会" in text
    # The fonts panel: the five roles, each a substitute on the test machine, said so.
    assert [row[0] for row in r["fonts"]] == ROLES, r["fonts"]
    assert all(row[2] == "替代" for row in r["fonts"]), r["fonts"]
    assert r["fontsSummary"] == "字体：5 种为替代字体" and "办公字体" in r["fontsNote"], r


# ---- over HTTP -----------------------------------------------------------------------------------

def test_check_endpoint_says_what_yinfa_check_says(yinfa):
    data = json.load(open(SPEECH, encoding="utf-8"))
    data["送温暖"]["慰问户数"] = "12OO"
    data["送温暖"]["慰问金额"] = "一千二百"
    data["返乡"]["专列数"] = 12.5
    del data["城市"]
    with Server(yinfa) as srv:
        status, headers, body = check(srv, "union-speech", data)
        assert status == 200 and headers["content-type"].startswith("application/json"), (status, body)
        answer = json.loads(body)
        assert answer["complete"] is False
        got = sorted(d["message"][d["message"].index("error:"):] for d in answer["diagnostics"])
        assert got == cli_messages(yinfa, "union-speech", data), got
        assert len(got) == 4 and all("/work" not in m and ROOT not in m for m in got), got
        # A filled form: nothing to say.
        status, _, body = check(srv, "union-speech", json.load(open(SPEECH, encoding="utf-8")))
        assert status == 200 and json.loads(body) == {"complete": True, "diagnostics": []}, body
        # Broken JSON is a data problem like any other.
        status, _, body = check(srv, "union-speech", "{")
        assert status == 200 and "JSON" in json.loads(body)["diagnostics"][0]["message"], body
        # The same gate as the renders.
        assert check(srv, "union-speech", data, **{"Content-Type": "text/plain"})[0] == 415
        assert check(srv, "union-speech", data, Origin="http://evil.example")[0] == 403
        assert check(srv, "union-speech", data, **{"Sec-Fetch-Site": "cross-site"})[0] == 403
        assert request(srv, "GET", "/api/templates/union-speech/check")[0] == 405
        assert check(srv, "..", data)[0] == 400
        assert check(srv, "nosuch", data)[0] == 404
        assert srv.alive()


def test_declarations_mark_image_slots(yinfa):
    with Server(yinfa) as srv:
        status, _, body = request(srv, "GET", "/api/templates/notice")
    decl = json.loads(body)
    slots = {s["name"]: s for s in decl["slots"]}
    assert slots["印章"].get("image") is True
    joint = {f["name"]: f for f in slots["联合署名"]["fields"]}
    assert joint["印章"].get("image") is True and "image" not in joint["署名"]
    assert "image" not in slots["标题"]
    # Where a slot is declared is named relative to the templates folder, never by a server path.
    declared = [s["declared"] for s in decl["slots"]]
    assert "common/red-header.xml" in " ".join(declared), declared
    assert not any(d.startswith("/") for d in declared), declared


def make_collection(root):
    """A templates folder with a seal, a hidden file, a link out, a linked folder and an image
    too large, beside an outside file the links point at."""
    coll = os.path.join(root, "templates")
    shutil.copytree(os.path.join(ROOT, "templates", "notice"), os.path.join(coll, "notice"))
    shutil.copytree(os.path.join(ROOT, "templates", "common"), os.path.join(coll, "common"))
    os.makedirs(os.path.join(coll, "seals", "深层"))
    shutil.copy(os.path.join(ROOT, "templates", "common", "seal.svg"), os.path.join(coll, "seals", "深层", "办公室.svg"))
    outside = os.path.join(root, "outside")
    os.makedirs(outside)
    with open(os.path.join(outside, "secret.png"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\nsecret")
    os.symlink(os.path.join(outside, "secret.png"), os.path.join(coll, "seals", "link.png"))
    os.symlink(outside, os.path.join(coll, "linked"))
    with open(os.path.join(coll, "seals", ".hidden.png"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
    with open(os.path.join(coll, "seals", "huge.png"), "wb") as f:
        f.truncate(8 * 1024 * 1024 + 1)
    return coll


def test_images_endpoint(yinfa):
    with tempfile.TemporaryDirectory() as root:
        coll = make_collection(root)
        with Server(yinfa, "--templates", coll) as srv:
            status, headers, body = request(srv, "GET", "/api/images")
            assert status == 200, body
            images = json.loads(body)["images"]
            paths = [i["path"] for i in images]
            assert paths == sorted(paths)
            pictures = {"notice/" + f for f in os.listdir(os.path.join(coll, "notice")) if f.endswith(".png")}
            assert "notice/page1.png" in pictures, pictures
            assert set(paths) == {"common/seal.svg", "seals/深层/办公室.svg"} | pictures, paths
            seal = next(i for i in images if i["path"] == "common/seal.svg")
            assert seal["name"] == "seal.svg" and seal["type"] == "image/svg+xml"
            assert seal["bytes"] == os.path.getsize(os.path.join(coll, "common", "seal.svg"))
            assert root not in body.decode()
            # The thumbnails: the file itself, with its type, no script of an SVG run.
            status, headers, body = request(srv, "GET", seal["url"])
            assert status == 200 and body == open(os.path.join(coll, "common", "seal.svg"), "rb").read()
            assert headers["content-type"] == "image/svg+xml"
            assert "sandbox" in headers["content-security-policy"]
            assert headers["x-content-type-options"] == "nosniff"
            deep = next(i for i in images if i["name"] == "办公室.svg")
            assert request(srv, "GET", deep["url"])[0] == 200
            status, headers, _ = request(srv, "GET", "/api/images/notice/page1.png")
            assert status == 200 and headers["content-type"] == "image/png"
            # Nothing else: outside the collection, hidden, linked out, too large, not an image.
            for bad in ("/api/images/seals/link.png", "/api/images/linked/secret.png",
                        "/api/images/seals/.hidden.png", "/api/images/seals/huge.png",
                        "/api/images/../outside/secret.png", "/api/images/common/../../outside/secret.png",
                        "/api/images/%2e%2e/outside/secret.png", "/api/images//etc/hostname",
                        "/api/images/notice/template.xml", "/api/images/nosuch.png",
                        "/api/images/common\\seal.svg"):
                status, _, body = request(srv, "GET", bad)
                assert status == 404, (bad, status)
                assert root not in body.decode(), (bad, body)
            assert request(srv, "POST", "/api/images", "{}", {"Content-Type": "application/json"})[0] == 405
            assert request(srv, "GET", "/api/images", headers={"Sec-Fetch-Site": "cross-site"})[0] == 403
            assert request(srv, "GET", seal["url"], headers={"Host": "evil.example"})[0] == 421
            assert srv.alive()


def test_fonts_endpoint(yinfa):
    said = subprocess.run([yinfa, "fonts"], capture_output=True, text=True, check=True).stdout
    want = [line.split("\t") for line in said.strip().splitlines()]
    with Server(yinfa) as srv:
        status, _, body = request(srv, "GET", "/api/fonts")
    fonts = json.loads(body)["fonts"]
    assert status == 200 and [f["role"] for f in fonts] == ROLES, fonts
    assert [[f["role"], f["face"], "substitute" if f["substitute"] else "office"] for f in fonts] == want
    for f in fonts:
        if f["substitute"]:
            assert f"「{f['role']}」" in f["message"] and f["face"] in f["message"], f
