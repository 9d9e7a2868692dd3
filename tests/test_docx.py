"""The Word file (render -o x.docx), measured through a real client: LibreOffice converts the speech's
and the notice's DOCX to PDF (one soffice call for both), and that PDF is held against GB/T 9704 as
yinfa's own PDF is (tests/pdfmeasure.py): A4, the 28 mm left margin and 37 mm top, 22 lines a page
on one pitch, 28 characters a line, 三号 body, 二号 title centred, the red rule 156 mm long, page
numbers "— N —" odd right and even left, and the same text as yinfa's PDF. python-docx reads the
styles; every sample of every type writes a DOCX it opens; a failing render leaves no file.

LibreOffice does not read a Word file's alternative font names: it is run with a fontconfig file that
includes fonts/yinfa-office-names.conf, which maps 仿宋_GB2312 and the other office names to yinfa's
role faces (the README's DOCX section)."""
import atexit
import functools
import glob
import os
import re
import shutil
import subprocess
import tempfile
import zipfile

import pdfmeasure as pm

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOFFICE = shutil.which("soffice")
SANITIZED = bool(os.environ.get("YINFA_SANITIZED"))
LEFT, TOP, WIDTH, HEIGHT = 28.0, 37.0, 156.0, 225.0
PITCH = HEIGHT / 22  # mm
CELL = WIDTH / 28
DOCS = {"speech": os.path.join(ROOT, "examples", "speech", "data.json"),
        "notice": os.path.join(ROOT, "templates", "notice", "data.json")}
# The text fills page 2: the 版记 goes to page 4 after a blank page 3, neither numbered (§7.5).
BANJI = os.path.join(ROOT, "tests", "attachments", "banji-text-ends-page2.json")


def run(yinfa, *args):
    return subprocess.run([yinfa, *args], capture_output=True, text=True, timeout=300)


def fonts_conf(tmp):
    """tests/fonts.conf (the faces the tests see), the office names mapped to the role aliases, the
    role map: what a Linux office machine without the office faces would configure."""
    path = os.path.join(tmp, "fonts.conf")
    base = os.environ.get("YINFA_FONTS_CONF") or os.path.join(ROOT, "tests", "fonts.conf")
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
                f"<fontconfig>\n  <include>{base}</include>\n"
                f"  <include>{ROOT}/fonts/yinfa-office-names.conf</include>\n"
                f"  <include>{ROOT}/fonts/yinfa-roles.conf</include>\n</fontconfig>\n")
    return path


@functools.lru_cache(maxsize=None)
def converted(yinfa):
    """Renders both documents as DOCX and PDF, converts the DOCX files in one LibreOffice run.
    Returns the folder: NAME.docx, NAME.pdf (yinfa's), lo/NAME.pdf (LibreOffice's)."""
    tmp = tempfile.mkdtemp(prefix="yinfa-docx-")
    atexit.register(shutil.rmtree, tmp, True)
    jobs = [(name, name, data) for name, data in DOCS.items()] + [("banji", "notice", BANJI)]
    for name, template, data in jobs:
        for ext in ("docx", "pdf"):
            p = run(yinfa, "render", template, data, "-o", os.path.join(tmp, f"{name}.{ext}"),
                    "--quiet")
            assert p.returncode == 0, p.stderr
    env = dict(os.environ, FONTCONFIG_FILE=fonts_conf(tmp))
    # the blank page an even-page section break inserts is a page of the PDF, as on paper
    pdf = 'pdf:writer_pdf_Export:{"IsSkipEmptyPages":{"type":"boolean","value":"false"}}'
    p = subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                        "--convert-to", pdf, "--outdir", os.path.join(tmp, "lo"),
                        *(os.path.join(tmp, f"{n}.docx") for n, _, _ in jobs)],
                       capture_output=True, text=True, timeout=240, env=env)
    for name, _, _ in jobs:
        assert os.path.exists(os.path.join(tmp, "lo", f"{name}.pdf")), p.stdout + p.stderr
    return tmp


def lo_pages(yinfa, name):
    return pm.load(os.path.join(converted(yinfa), "lo", f"{name}.pdf"))


def test_docx_page_and_margins_in_libreoffice(yinfa):
    assert SOFFICE, "soffice missing: scripts/install-deps.sh --test installs libreoffice-writer-nogui"
    for name in DOCS:
        pages = lo_pages(yinfa, name)
        for page in pages:
            assert abs(page.width / pm.MM - 210) < 0.5 and abs(page.height / pm.MM - 297) < 0.5, \
                (name, page.number, page.width / pm.MM, page.height / pm.MM)
            lines = page.text_lines
            if not lines:
                continue
            left = min(line.x0 for line in lines)
            assert abs(left - LEFT) <= 1, (name, page.number, left)
            top = min(line.em_top for line in page.lines if pm.page_number(line) is None)
            assert TOP - 1 <= top <= TOP + PITCH, (name, page.number, top)


def test_docx_grid_22_lines_of_28_characters(yinfa):
    full_pages, full_lines, advances = 0, 0, []
    for name in DOCS:
        for page in lo_pages(yinfa, name):
            lines = page.text_lines
            if not lines:
                continue
            first = lines[0].baseline
            rows = []
            for line in lines:
                k = round((line.baseline - first) / PITCH)
                # every line on the grid of one pitch (225 mm / 22), within a millimetre
                assert abs(line.baseline - first - k * PITCH) < 1.0, (name, page.number, line.text)
                rows.append(k)
            assert max(rows) <= 21, (name, page.number, max(rows))
            if first - TOP < PITCH and max(rows) == 21:
                full_pages += 1
            for line in lines:
                if line.role != pm.BODY or line.size != 16 or any(g.narrow for g in line.glyphs):
                    continue
                n = sum(len(g.text) for g in line.glyphs)
                assert n <= 28, (name, page.number, n, line.text)
                if n == 28:
                    full_lines += 1
                if n != 28:
                    continue
                han = [g for g in line.glyphs if "\u4e00" <= g.text[0] <= "\u9fff"]
                advances += [b.x0 - a.x0 for a, b in zip(han, han[1:])
                             if line.glyphs.index(b) == line.glyphs.index(a) + 1]
    assert full_pages >= 2, full_pages  # pages holding all 22 lines
    assert full_lines >= 2, full_lines  # lines holding all 28 characters
    advances.sort()
    median = advances[len(advances) // 2]
    assert abs(median - CELL) < 0.06, (median, CELL)


def test_docx_sizes_and_title(yinfa):
    for name in DOCS:
        pages = lo_pages(yinfa, name)
        # the 版记 (抄送, 印发) is 四号, §7.4; everything else in the body face 三号
        body = [line for p in pages for line in p.lines if line.role == pm.BODY
                and not (p is pages[-1] and re.search(r"^抄送|印发$", line.text))]
        assert body and all(abs(line.size - 16) < 0.05 for line in body), \
            (name, [(line.text, line.size) for line in body if abs(line.size - 16) >= 0.05])
        titles = [line for line in pages[0].lines if line.role == pm.TITLE and line.size < 30]
        assert titles, name
        for line in titles:
            assert abs(line.size - 22) < 0.05, (name, line.size)
            centre = (line.x0 + line.x1) / 2
            assert abs(centre - (LEFT + WIDTH / 2)) < 1.5, (name, line.text, centre)
        # the title keeps yinfa's line breaks (GB/T 9704 §7.3.1)
        mine = [line for line in pm.load(os.path.join(converted(yinfa), f"{name}.pdf"))[0].lines
                if line.role == pm.TITLE and line.size < 30]
        assert [t.text for t in titles] == [t.text for t in mine], name


def test_docx_red_rule(yinfa):
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTContainer, LTCurve

    def shapes(item):
        if isinstance(item, LTCurve):
            yield item
        elif isinstance(item, LTContainer):
            for child in item:
                yield from shapes(child)

    page = next(iter(extract_pages(os.path.join(converted(yinfa), "lo", "notice.pdf"))))
    red = [s for s in shapes(page)
           if tuple(s.stroking_color or ()) == (1, 0, 0) or tuple(s.non_stroking_color or ()) == (1, 0, 0)]
    assert red, "no red rule"
    length = max(s.width for s in red) / pm.MM
    assert abs(length - WIDTH) < 1, length
    # red 发文机关标志
    mark = [line for line in lo_pages(yinfa, "notice")[0].lines if "文件" in line.text]
    assert mark and all(g.color == (1, 0, 0) for g in mark[0].glyphs), mark


def test_docx_page_numbers(yinfa):
    for name in DOCS:
        pages = lo_pages(yinfa, name)
        for page in pages:
            numbers = [line for line in page.lines if pm.page_number(line) is not None]
            assert len(numbers) == 1, (name, page.number, [line.text for line in page.lines][-3:])
            line = numbers[0]
            assert pm.page_number(line) == page.number, (name, page.number, line.text)
            assert abs(line.size - 14) < 0.05, line.size
            dash = 14 / pm.MM  # one 四号 character in from the edge
            if page.number % 2:
                assert abs(line.x1 - (LEFT + WIDTH - dash)) < 1.5, (name, page.number, line.x1)
            else:
                assert abs(line.x0 - (LEFT + dash)) < 1.5, (name, page.number, line.x0)
            assert abs(line.em_top - (TOP + HEIGHT + 7)) < 1.5, (name, page.number, line.em_top)


def test_docx_end_block_on_an_unnumbered_even_page(yinfa):
    pages = lo_pages(yinfa, "banji")
    numbers = [next((pm.page_number(line) for line in p.lines if pm.page_number(line)), None)
               for p in pages]
    assert numbers == [1, 2, None, None], numbers
    assert not pages[2].lines, "page 3 is not blank"
    end = [line for line in pages[3].lines if line.text.startswith("抄送")]
    assert end and end[0].baseline > TOP + HEIGHT - 3 * PITCH, [l.text for l in pages[3].lines]
    with zipfile.ZipFile(os.path.join(converted(yinfa), "banji.docx")) as z:
        assert '<w:type w:val="evenPage"/>' in z.read("word/document.xml").decode()


def squashed_text(pdf):
    text = subprocess.run(["pdftotext", "-layout", pdf, "-"], capture_output=True, text=True, check=True).stdout
    text = re.sub(r"\s+", "", text)
    return re.sub(r"—\d+—", "", text)  # page numbers: the pages may break elsewhere


def first_difference(a, b):
    i = next(i for i in range(min(len(a), len(b)) + 1) if a[i:i + 1] != b[i:i + 1])
    return i, a[max(0, i - 10):i + 20], b[max(0, i - 10):i + 20]


def docx_text(path):
    """The Word file's text in document order: paragraphs, and the cells of tables where they stand."""
    import docx
    d = docx.Document(path)
    parts = []
    for child in d.element.body.iterchildren():
        if child.tag.endswith("}p"):
            parts.append("".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")))
        elif child.tag.endswith("}tbl"):
            parts.append("".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")))
    return re.sub(r"\s+", "", "".join(parts))


def test_docx_text_equals_pdf_text(yinfa):
    tmp = converted(yinfa)
    for name in DOCS:
        mine = squashed_text(os.path.join(tmp, f"{name}.pdf"))
        # the Word file holds exactly the PDF's text
        text = docx_text(os.path.join(tmp, f"{name}.docx"))
        assert text == mine, (name, first_difference(mine, text))
        # and LibreOffice shows it — but LibreOffice 7.4 hangs a mark that would end a full line
        # into the margin and then does not draw it (w:overflowPunct="0" notwithstanding): the
        # marks are compared apart
        theirs = squashed_text(os.path.join(tmp, "lo", f"{name}.pdf"))
        marks = re.compile("[、。，；：！？]")
        assert marks.sub("", mine) == marks.sub("", theirs), \
            (name, first_difference(marks.sub("", mine), marks.sub("", theirs)))
        assert len(marks.findall(mine)) - len(marks.findall(theirs)) <= 6, name


def test_docx_named_styles(yinfa):
    import docx
    tmp = converted(yinfa)
    speech = docx.Document(os.path.join(tmp, "speech.docx"))
    notice = docx.Document(os.path.join(tmp, "notice.docx"))
    for d in (speech, notice):
        names = {s.name for s in d.styles}
        for style in ("标题", "副标题", "正文", "一级标题", "二级标题", "三级标题", "主送机关", "附件说明",
                      "发文机关标志", "发文机关署名", "成文日期", "版记", "页码"):
            assert style in names, (style, sorted(names))
        body = d.styles["正文"]
        assert body.font.size.pt == 16 and body.font.name == "仿宋_GB2312"
        assert d.styles["标题"].font.size.pt == 22 and d.styles["标题"].font.name == "方正小标宋简体"
        assert d.styles["一级标题"].font.name == "黑体" and d.styles["二级标题"].font.name == "楷体_GB2312"
        section = d.sections[0]
        assert abs(section.left_margin.mm - 28) < 0.1 and abs(section.top_margin.mm - 37) < 0.1
        assert abs(section.page_width.mm - 210) < 0.1 and abs(section.page_height.mm - 297) < 0.1
    used = {p.style.name for p in notice.paragraphs}
    for style in ("标题", "正文", "一级标题", "主送机关", "附件说明", "发文机关标志", "发文机关署名",
                  "成文日期", "版记"):
        assert style in used, (style, used)
    assert {"标题", "副标题", "称呼", "一级标题", "二级标题"} <= {p.style.name for p in speech.paragraphs}
    title = [p.text for p in notice.paragraphs if p.style.name == "标题"][0]
    assert title.replace("\n", "") == "宁波市总工会关于做好2026年元旦春节期间送温暖活动的通知", title
    assert notice.core_properties.title == title.replace("\n", "")
    assert len(notice.tables) == 1 and notice.tables[0].cell(1, 0).text == "在档困难职工"
    assert len(notice.inline_shapes) == 0  # the seal floats over the signature
    with zipfile.ZipFile(os.path.join(tmp, "notice.docx")) as z:
        assert any(n.startswith("word/media/") for n in z.namelist())
        settings = z.read("word/settings.xml").decode()
        assert "evenAndOddHeaders" in settings
        document = z.read("word/document.xml").decode()
        assert '<w:docGrid w:type="lines" w:linePitch="579"/>' in document, document[-600:]
        assert "PAGE" in z.read("word/footer1.xml").decode()
        fonts = z.read("word/fontTable.xml").decode()
        assert re.search(r'w:name="仿宋_GB2312"><w:altName w:val="FandolFang"', fonts), fonts


def samples():
    found = []
    for folder in sorted(glob.glob(os.path.join(ROOT, "templates", "*", ""))):
        name = os.path.basename(os.path.dirname(folder))
        for data in sorted(glob.glob(os.path.join(folder, "data*.json"))):
            found.append((name, data))
        found += [(name, d) for d in sorted(glob.glob(os.path.join(ROOT, "examples", name, "*.json")))]
    return found


def test_docx_every_sample(yinfa):
    import docx
    tmp = tempfile.mkdtemp(prefix="yinfa-docx-all-")
    all_samples = samples()
    assert len(all_samples) >= 12, all_samples
    if SANITIZED:
        all_samples = all_samples[::3]
    for i, (name, data) in enumerate(all_samples):
        out = os.path.join(tmp, f"{i}-{name}.docx")
        p = run(yinfa, "render", name, data, "-o", out, "--quiet")
        assert p.returncode == 0, (name, data, p.stderr)
        with zipfile.ZipFile(out) as z:
            assert z.testzip() is None
        d = docx.Document(out)
        assert any(p.text.strip() for p in d.paragraphs), (name, data)
    shutil.rmtree(tmp)


def test_docx_failure_leaves_no_file(yinfa):
    tmp = tempfile.mkdtemp(prefix="yinfa-docx-bad-")
    bad = os.path.join(tmp, "bad.json")
    with open(bad, "w", encoding="utf-8") as f:
        f.write('{"标题": "x", "日期": "2026-02-30"')  # cut off: not JSON
    out = os.path.join(tmp, "out.docx")
    p = run(yinfa, "render", "speech", bad, "-o", out)
    assert p.returncode == 1 and not os.path.exists(out), p.stderr
    # an existing file is left as it was
    with open(out, "wb") as f:
        f.write(b"old")
    p = run(yinfa, "render", "speech", bad, "-o", out)
    assert p.returncode == 1 and open(out, "rb").read() == b"old"
    # into a folder that does not exist: an error, nothing written
    p = run(yinfa, "render", "speech", DOCS["speech"], "-o", os.path.join(tmp, "no", "x.docx"))
    assert p.returncode == 1 and "x.docx" in p.stderr, p.stderr
    assert sorted(os.listdir(tmp)) == ["bad.json", "out.docx"], os.listdir(tmp)
    shutil.rmtree(tmp)


def test_docx_batch(yinfa):
    import docx
    tmp = tempfile.mkdtemp(prefix="yinfa-docx-batch-")
    data = os.path.join(ROOT, "examples", "bulletin", "records.csv")
    # --format docx: the default names end in .docx
    p = run(yinfa, "batch", "bulletin", data, "-o", os.path.join(tmp, "a"), "--format", "docx",
            "--jobs", "2", "--quiet")
    assert p.returncode == 0, p.stderr
    files = sorted(os.listdir(os.path.join(tmp, "a")))
    assert files and all(f.endswith(".docx") for f in files), files
    # a --name ending in .docx says the same
    p = run(yinfa, "batch", "bulletin", data, "-o", os.path.join(tmp, "b"), "--name", "{期号}.docx",
            "--jobs", "1", "--quiet")
    assert p.returncode == 0, p.stderr
    named = sorted(os.listdir(os.path.join(tmp, "b")))
    assert len(named) == len(files) and all(f.endswith(".docx") for f in named), named
    d = docx.Document(os.path.join(tmp, "b", named[0]))
    used = {p.style.name for p in d.paragraphs}
    assert "正文" in used, used
    p = run(yinfa, "batch", "bulletin", data, "-o", os.path.join(tmp, "c"), "--format", "odt")
    assert p.returncode == 2 and "--format" in p.stderr, p.stderr
    shutil.rmtree(tmp)


def test_docx_serve(yinfa):
    import io
    import json
    import docx
    from serving import Server
    from test_serve import post_json, error_of
    data = json.load(open(DOCS["speech"], encoding="utf-8"))
    with Server(yinfa) as srv:
        status, headers, body = post_json(srv, "/api/templates/speech/docx", data)
        assert status == 200, body[:300]
        assert headers["Content-Type"].endswith("wordprocessingml.document")
        assert ".docx" in headers["Content-Disposition"]
        d = docx.Document(io.BytesIO(body))
        assert "凝心聚力抓落实" in "".join(p.text for p in d.paragraphs if p.style.name == "标题")
        # missing values: no file, the reasons
        status, _, body = post_json(srv, "/api/templates/speech/docx", {})
        assert status == 422 and error_of(body)["diagnostics"], body[:300]
    page = open(os.path.join(ROOT, "web", "index.html"), encoding="utf-8").read()
    assert 'id="download-docx"' in page and "下载 Word" in page


def test_docx_web_form_button(yinfa):
    """下载 Word in the form, in Chromium (tests/web/docx.mjs): the notice's Word file downloads; an
    empty form downloads nothing and marks the fields."""
    import json
    import docx
    from serving import Server
    driver = os.path.join(ROOT, "tests", "web", "node_modules", "playwright-core")
    assert shutil.which("node") and os.path.isdir(driver), "run scripts/install-deps.sh --web"
    with tempfile.TemporaryDirectory() as out, Server(yinfa) as srv:
        p = subprocess.run(["node", os.path.join(ROOT, "tests", "web", "docx.mjs"), srv.url,
                            DOCS["notice"], out], capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stderr
        r = json.loads(p.stdout)
        assert r["problems"] == [], r["problems"]
        assert r["button"] == "下载 Word" and r["suggested"].endswith(".docx"), r
        d = docx.Document(r["file"])
        assert "宁波市总工会关于做好" in "".join(p.text for p in d.paragraphs if p.style.name == "标题")
        assert "Word 文件已下载" in r["status"], r["status"]
        assert r["emptyStatus"] == 422 and r["marked"] > 0 and r["emptyDownloads"] == 0, r
