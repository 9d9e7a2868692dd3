"""yinfa extract on documents as offices paste them: no blank lines between the parts (or some),
paragraphs indented with full-width spaces or not, hard line breaks, CRLF and GB18030.

Each text under tests/extract-text/ is extracted into a user templates folder (XDG_DATA_HOME), then
`render NAME --draft` must give the text back (pdftotext, whitespace removed; a red-header document
adds its 版头 with every slot as X, and its 版记 shows X where the source's 抄送/印发 lines were — with the
extracted data.json it prints those lines as the source has them), and the draft must pass the layout
checks of tests/test_layout.py: the title 22 pt and centred, body text 16 pt on the grid of 22 lines
of 28 characters, nothing outside the type area.
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import pdfmeasure as pm  # noqa: E402
import test_layout as tl  # noqa: E402

TEXTS = os.path.join(HERE, "extract-text")

# source file -> (the family extract reports, the kinds of elements the body must hold at least)
EXPECTED = {
    "notice.txt": ("红头公文（通知）", {"title": 1, "salutation": 1, "h1": 5, "h3": 3, "signature": 1}),
    "speech.txt": ("讲话稿", {"title": 1, "subtitle": 3, "salutation": 1, "h1": 3}),
    "request.txt": ("红头公文（请示）", {"title": 1, "salutation": 1, "h1": 3, "signature": 1}),
    "report.txt": ("红头公文（报告）", {"title": 1, "salutation": 1, "h1": 4, "h2": 2, "h3": 2, "signature": 1}),
    "minutes.txt": ("会议纪要", {"block": 1, "row": 1, "rule": 1, "h1": 3}),
    "bulletin.txt": ("简报文章", {"row": 1, "rule": 1, "p": 7}),
    "wrapped.txt": ("红头公文（通报）", {"title": 1, "salutation": 1, "p": 4, "signature": 1}),
    "letter-gb18030-crlf.txt": ("红头公文（函）", {"title": 1, "salutation": 1, "signature": 1}),
    "decision-from-pdf.txt": ("红头公文（决定）", {"title": 1, "salutation": 1, "p": 5, "signature": 1}),
}


def is_masthead(line):
    """The 版头 copied from a PDF: the 发文机关标志, the 发文字号, a page number."""
    line = line.strip()
    return (line.endswith("文件") and len(line) < 20) or "〔" in line or re.fullmatch(r"—\s*\d+\s*—", line)

RED_HEADER_DRAFT = "X文件X〔X〕X号"  # common/red-header.xml without data: 发文机关标志 and 发文字号
END_BLOCK_DRAFT = "XX印发"           # common/end-block.xml without data: 印发机关, 印发日期
ISSUE_DRAFT = "第X期XX"              # a 纪要's or a bulletin's issue line: 期号, 编印单位, 日期
BULLETIN_NAME = "工作简报"           # the bulletin's name, a default


def expected_draft(family, body, title):
    """The draft of an extracted type: the source's text (squashed) inside its family's parts:
    a red-header document's 版头 and 版记, a 纪要's issue line under its title (the red 纪要标志),
    a bulletin's masthead before the article (its name the source's first line when that is one)."""
    title = squash(title)
    if family.startswith("红头公文"):
        return RED_HEADER_DRAFT + body + END_BLOCK_DRAFT
    if family == "会议纪要" or (family == "简报文章" and title.endswith("简报") and len(title) <= 12):
        assert body.startswith(title)
        return title + ISSUE_DRAFT + body[len(title):]
    if family == "简报文章":
        return BULLETIN_NAME + ISSUE_DRAFT + body
    return body


def title_of(root):
    """The title as the template writes it: <title>, a 纪要标志's stack, an article's title."""
    body = root.find("body")
    for el in body.iter():
        if el.tag == "title" or el.get("style") in ("纪要标志", "文章标题"):
            return "".join(el.itertext())
    return ""


def squash(s):
    return "".join(s.split())


def source_text(path):
    raw = open(path, "rb").read()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("gb18030")


def is_banji(line):
    line = line.strip()
    return line.startswith("抄送") or (line.endswith("印发") and "年" in line)


def environment(tmp):
    env = dict(os.environ)
    env["XDG_DATA_HOME"] = os.path.join(tmp, "data")
    env.pop("YINFA_TEMPLATES", None)
    return env


def run(args, env, cwd):
    return subprocess.run(args, capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def pdftext(pdf):
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True, check=True).stdout
    return squash(re.sub(r"—\s*\d+\s*—", "", text))


def body_kinds(xml_path):
    root = ET.parse(xml_path).getroot()
    counts = {}
    for el in root.find("body"):
        counts[el.tag] = counts.get(el.tag, 0) + 1
    return root, counts


def layout_problems(pdf, title, title_size=None):
    """The checks of test_layout.py that hold for any document: A4, nothing outside the type area,
    the title 22 pt and centred, body lines 16 pt (the 版记's 四号 lines aside) whose baselines
    follow the grid's pitch, at most 22 of them a page, full lines of 28 characters (± 1)."""
    doc = tl.Document(pdf)
    problems = list(tl.a4(doc)) + list(tl.type_area(doc))
    title = squash(title)
    titles = [(p, l) for p in doc.pages for l in p.lines
              if l.role == pm.TITLE and squash(l.text) and squash(l.text) in title]
    if not titles:
        problems.append("no title line found")
    for page, line in titles:
        size = max(g.size for g in line.glyphs)
        low, high = title_size or (tl.TITLE_SIZE, tl.TITLE_SIZE)
        if not low - tl.SIZE_TOLERANCE <= size <= high + tl.SIZE_TOLERANCE:
            problems.append(f"title «{line.text}» at {size} pt")
        centre = (tl.left_edge(line) + tl.right_edge(line)) / 2
        if abs(centre - (tl.LEFT + tl.RIGHT) / 2) > tl.EDGE_TOLERANCE:
            problems.append(f"title «{line.text}» centred at {centre:.2f} mm")
    grid = None  # where the baselines of the grid lie, modulo the pitch
    for page in doc.pages:
        # the 版记 (GB/T 9704 §7.4) is 四号, 14 pt, below the body's grid
        lines = [l for l in page.text_lines if not l.text.startswith("抄送") and not l.text.endswith("印发")]
        if len(lines) > tl.LINES_PER_PAGE:
            problems.append(f"p{page.number}: {len(lines)} text lines")
        for line in lines:
            sizes = {round(g.size, 2) for g in line.glyphs}
            if any(abs(s - tl.BODY_SIZE) > tl.SIZE_TOLERANCE for s in sizes):
                problems.append(f"p{page.number} «{line.text[:12]}» at {sorted(sizes)} pt")
            # the grid: every baseline a whole number of line pitches from the first one's
            grid = line.baseline if grid is None else grid
            steps = (line.baseline - grid) / tl.PITCH
            if abs(steps - round(steps)) * tl.PITCH > 0.35:
                problems.append(f"p{page.number} «{line.text[:12]}» off the grid: baseline "
                                f"{line.baseline:.2f} mm")
            if tl.is_full(line) and not any(g.narrow for g in line.glyphs):
                cells = tl.grid_cells(line)
                if not 27 <= round(cells) <= 29:
                    problems.append(f"p{page.number} «{line.text[:12]}» full line of {cells:.1f} cells")
    return problems


def extract(yinfa, source, name, env, cwd):
    p = run([yinfa, "extract", source, "--name", name], env, cwd)
    assert p.returncode == 0, p.stderr
    folder = os.path.join(env["XDG_DATA_HOME"], "yinfa", "templates", name)
    assert os.path.isfile(os.path.join(folder, "template.xml")), p.stderr
    return folder, p.stderr


def check_one(yinfa, tmp, file):
    env = environment(tmp)
    cwd = os.path.join(tmp, "elsewhere")  # not the source tree
    os.makedirs(cwd, exist_ok=True)
    source = os.path.join(TEXTS, file)
    name = "t-" + file.split(".")[0]
    family, kinds = EXPECTED[file]
    folder, report = extract(yinfa, source, name, env, cwd)
    assert f"识别为{family}" in report, (file, report.splitlines()[:2])
    root, counts = body_kinds(os.path.join(folder, "template.xml"))
    for kind, n in kinds.items():
        assert counts.get(kind, 0) >= n, (file, kind, counts)

    text = source_text(source)
    red = family.startswith("红头公文")
    if red:
        assert root.get("extends") == "../common/gbt9704.xml"
        includes = [el.get("src") for el in root.find("body") if el.tag == "include"]
        assert includes == ["../common/red-header.xml", "../common/end-block.xml"], includes
    pdf = os.path.join(tmp, name + ".pdf")
    p = run([yinfa, "render", name, "--draft", "-o", pdf, "-q"], env, cwd)
    assert p.returncode == 0, (file, p.stderr)
    got = pdftext(pdf)
    body = squash("\n".join(l for l in text.splitlines() if not is_banji(l) and not is_masthead(l)))
    title = title_of(root)
    want = expected_draft(family, body, title)
    if got != want:
        at = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        raise AssertionError(f"{file}: the draft differs at {at}: «{got[max(0, at - 10):at + 10]}» vs "
                             f"«{want[max(0, at - 10):at + 10]}»")
    # the 纪要标志 is 小初, 36 pt, set smaller when longer than the type area is wide (GB/T 9704
    # §10.3, templates/minutes), and display type still
    problems = layout_problems(pdf, title, (pm.DISPLAY_SIZE, 36.0) if family == "会议纪要" else None)
    assert not problems, (file, problems[:6])

    # The extracted examples fill every slot; a red-header document's 版记 is the source's.
    data = os.path.join(folder, "data.json")
    filled = os.path.join(tmp, name + "-filled.pdf")
    p = run([yinfa, "render", name, data, "-o", filled, "-q"], env, cwd)
    assert p.returncode == 0, (file, p.stderr)
    got = pdftext(filled)
    assert "X" not in got, (file, "an X is left with the example data")
    for line in text.splitlines():
        if is_banji(line) or (is_masthead(line) and "—" not in line):
            assert squash(line) in got, (file, line)


def test_plain_texts_reproduce_and_lay_out(yinfa):
    files = sorted(EXPECTED)
    if os.environ.get("YINFA_SANITIZED"):
        files = ["notice.txt", "letter-gb18030-crlf.txt"]
    with tempfile.TemporaryDirectory() as tmp:
        for file in files:
            check_one(yinfa, tmp, file)


def test_structure_without_blank_lines(yinfa):
    """The notice has no blank line anywhere: its title is one line at 22 pt (not thirty lines
    of <br/>), run-in headings keep their paragraph, the attachments are a 附件说明, the signature
    is a <signature> and the 附注 follows it."""
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(tmp)
        folder, _ = extract(yinfa, os.path.join(TEXTS, "notice.txt"), "n", env, tmp)
        root = ET.parse(os.path.join(folder, "template.xml")).getroot()
        body = list(root.find("body"))
        title = [el for el in body if el.tag == "title"]
        assert len(title) == 1 and title[0].find("br") is None, ET.tostring(title[0], encoding="unicode")
        tags = [el.tag for el in body]
        assert tags.index("title") < tags.index("salutation") < tags.index("h1") < tags.index("signature")
        runin = [el for el in body if el.tag == "p" and el.find("span") is not None]
        assert [el.find("span").text for el in runin] == ["（一）参赛对象。", "（二）比赛工种。", "（三）比赛方式。"]
        attach = [el.text for el in body if el.get("style") in ("附件说明", "附件续")]
        assert attach == ["附件：1.2026年全市职工职业技能大赛报名表", "2.各工种比赛规程"], attach
        signature = [el for el in body if el.tag == "signature"][0]
        assert [c.text for c in signature] == ["宁波市总工会", "2026年1月12日"]
        assert tags[tags.index("signature") + 1] == "p" and body[tags.index("signature") + 1].get("style") == "附注"
        # the speech: the subtitle follows the title, before the salutation
        folder, _ = extract(yinfa, os.path.join(TEXTS, "speech.txt"), "s", env, tmp)
        body = list(ET.parse(os.path.join(folder, "template.xml")).getroot().find("body"))
        assert [el.tag for el in body[:5]] == ["title", "subtitle", "subtitle", "subtitle", "salutation"]
        assert body[1].text == "——在2026年全市工会工作会议上的讲话"
        assert len(body[0].findall("br")) == 1  # two title lines, as the speaker wrote them


def test_hard_line_breaks_are_joined(yinfa):
    """An e-mail wrapped at 60 columns: the lines of a paragraph are one <p>, the title one line."""
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(tmp)
        folder, _ = extract(yinfa, os.path.join(TEXTS, "wrapped.txt"), "w", env, tmp)
        body = list(ET.parse(os.path.join(folder, "template.xml")).getroot().find("body"))
        paragraphs = [el for el in body if el.tag == "p" and not el.get("style")]
        assert len(paragraphs) == 3, [("".join(el.itertext()))[:10] for el in paragraphs]
        title = [el for el in body if el.tag == "title"][0]
        assert "".join(title.itertext()) == "宁波市总工会关于表彰2025年度全市工会系统先进集体和先进个人的通报"


def test_slot_names_from_context(yinfa):
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(tmp)
        folder, report = extract(yinfa, os.path.join(TEXTS, "notice.txt"), "n", env, tmp)
        slots = {s.get("name"): s for s in ET.parse(os.path.join(folder, "template.xml")).getroot().iter("slot")}
        # X月X日 → the parts of one date; X元 → money; X个 → a count named from its words
        assert {"报名截止日期.月", "报名截止日期.日"} <= set(slots) or any(n.endswith("日期.月") for n in slots), slots
        assert slots[[n for n in slots if n.endswith("日期.月")][0]].get("type") == "integer"
        money = [n for n, s in slots.items() if s.get("type") == "money"]
        assert len(money) == 3 and len(set(money)) == 3, money
        assert not any(n.startswith("事项") for n in slots), list(slots)
        assert "工种个数" in slots or any("工种" in n for n in slots), list(slots)
        # the report says why each name was chosen
        for name in slots:
            assert name in report, name
        folder, _ = extract(yinfa, os.path.join(TEXTS, "minutes.txt"), "m", env, tmp)
        slots = {s.get("name"): s for s in ET.parse(os.path.join(folder, "template.xml")).getroot().iter("slot")}
        assert "参会人数" in slots, list(slots)


def test_names_and_text_are_escaped(yinfa):
    """--name 'R&D' and a text with < & > make a template that parses and gives the text back."""
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(tmp)
        source = os.path.join(tmp, "r&d.txt")
        with open(source, "w", encoding="utf-8") as f:
            f.write("R&D <研发> 中心季度进展\n本季度研发投入X万元，同比增长X%，A&B 两个项目进入<试产>阶段。\n")
        p = run([yinfa, "extract", source, "--name", "R&D", "-o", os.path.join(tmp, "R&D")], env, tmp)
        assert p.returncode == 0, p.stderr
        xml = os.path.join(tmp, "R&D", "template.xml")
        root = ET.parse(xml).getroot()
        assert root.find("info").find("name").text == "R&D"
        pdf = os.path.join(tmp, "d.pdf")
        p = run([yinfa, "render", os.path.join(tmp, "R&D"), "--draft", "-o", pdf, "-q"], env, tmp)
        assert p.returncode == 0, p.stderr
        text = open(source, encoding="utf-8").read()
        assert pdftext(pdf) == expected_draft("简报文章", squash(text), text.splitlines()[0])


def test_suggested_commands_run_as_printed(yinfa):
    """From a folder outside the source tree, with the user's templates folder: extract writes
    there by default, and every command it suggests runs as printed."""
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(tmp)
        cwd = os.path.join(tmp, "work")
        os.makedirs(cwd)
        _, report = extract(yinfa, os.path.join(TEXTS, "request.txt"), "my-request", env, cwd)
        commands = [line.strip() for line in report.split("试一试：", 1)[1].splitlines() if line.strip()]
        assert len(commands) == 3, report
        for command in commands:
            p = subprocess.run(shlex.split(command), capture_output=True, text=True, env=env, cwd=cwd,
                               timeout=120)
            assert p.returncode == 0, (command, p.stderr)
        assert os.path.isfile(os.path.join(cwd, "draft.pdf")) and os.path.isfile(os.path.join(cwd, "out.pdf"))
        # found by name from anywhere: the user's folder comes after the installed types
        p = run([yinfa, "check", "my-request"], env, tmp)
        assert p.returncode == 0, p.stderr
        # a second extract does not overwrite
        p = run([yinfa, "extract", os.path.join(TEXTS, "request.txt"), "--name", "my-request"], env, cwd)
        assert p.returncode == 1 and "已存在" in p.stderr


def test_yinfa_templates_collection_without_common(yinfa):
    """A type written into $YINFA_TEMPLATES, a folder without common/: its includes come from the
    shared templates, and it is found by name."""
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(tmp)
        env["YINFA_TEMPLATES"] = os.path.join(tmp, "mine")
        out = os.path.join(tmp, "mine", "zhibao")
        p = run([yinfa, "extract", os.path.join(TEXTS, "report.txt"), "--name", "zhibao", "-o", out], env, tmp)
        assert p.returncode == 0, p.stderr
        assert not os.path.exists(os.path.join(tmp, "mine", "common"))
        pdf = os.path.join(tmp, "z.pdf")
        p = run([yinfa, "render", "zhibao", os.path.join(out, "data.json"), "-o", pdf, "-q"], env, "/")
        assert p.returncode == 0, p.stderr
        assert "宁波市总工会文件" in pdftext(pdf)


def test_serve_lists_the_users_types(yinfa):
    """`yinfa serve` (installed templates) offers the types in the user's templates folder too, and
    renders them with their shared parts."""
    import http.client
    import json
    from serving import Server

    with tempfile.TemporaryDirectory() as tmp:
        env = environment(tmp)
        folder, _ = extract(yinfa, os.path.join(TEXTS, "speech.txt"), "my-speech", env, tmp)
        saved = {k: os.environ.get(k) for k in ("XDG_DATA_HOME", "YINFA_TEMPLATES")}
        os.environ["XDG_DATA_HOME"] = env["XDG_DATA_HOME"]
        os.environ.pop("YINFA_TEMPLATES", None)
        try:
            with Server(yinfa) as srv:
                def call(method, path, body=None):
                    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
                    conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
                    r = conn.getresponse()
                    out = r.status, r.read()
                    conn.close()
                    return out
                status, body = call("GET", "/api/templates")
                ids = [t["id"] for t in json.loads(body)["templates"]]
                assert status == 200 and "my-speech" in ids and "notice" in ids, ids
                data = open(os.path.join(folder, "data.json"), encoding="utf-8").read().encode("utf-8")
                status, body = call("POST", "/api/templates/my-speech/pdf", data)
                assert status == 200 and body[:5] == b"%PDF-", body[:300]
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def test_installed_with_destdir(yinfa):
    """`make install DESTDIR=…`, then the installed program, run from elsewhere with a fresh home:
    extract writes into ~/.local/share/yinfa/templates, and the commands it prints run as printed,
    the shared parts coming from the installed share/yinfa/templates."""
    build = os.path.dirname(os.path.abspath(yinfa))
    if not os.path.isfile(os.path.join(build, "yinfa.1")) and not shutil.which("help2man"):
        raise AssertionError("help2man is missing: run scripts/install-deps.sh")
    with tempfile.TemporaryDirectory() as tmp:
        dest = os.path.join(tmp, "dest")
        # The sanitized build is installed as the normal one is (build/, made by the first pass):
        # make knows nothing of its flags.
        make_build = [] if os.environ.get("YINFA_SANITIZED") else [f"BUILD={os.path.relpath(build, ROOT)}"]
        p = subprocess.run(["make", "-s", "install", f"DESTDIR={dest}", *make_build],
                           cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, p.stderr[-2000:]
        installed = os.path.join(dest, "usr", "local", "bin", "yinfa")
        assert os.access(installed, os.X_OK)
        home = os.path.join(tmp, "home")
        work = os.path.join(tmp, "work")
        os.makedirs(home)
        os.makedirs(work)
        env = dict(os.environ, HOME=home)
        for k in ("XDG_DATA_HOME", "YINFA_TEMPLATES", "YINFA_HOME"):
            env.pop(k, None)
        p = run([installed, "extract", os.path.join(TEXTS, "request.txt"), "--name", "qingshi"], env, work)
        assert p.returncode == 0, p.stderr
        assert os.path.isfile(os.path.join(home, ".local", "share", "yinfa", "templates", "qingshi", "template.xml"))
        commands = [line.strip() for line in p.stderr.split("试一试：", 1)[1].splitlines() if line.strip()]
        for command in commands:
            q = subprocess.run(shlex.split(command), capture_output=True, text=True, env=env, cwd=work,
                               timeout=120)
            assert q.returncode == 0, (command, q.stderr)
        assert pdftext(os.path.join(work, "draft.pdf")).startswith(RED_HEADER_DRAFT)
