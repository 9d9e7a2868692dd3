"""OFD output (GB/T 33190-2016): `yinfa render … -o x.ofd`.

Measured through a real reader: ofd.js (tests/ofd, the open-source GB/T 33190 renderer, installed by
scripts/install-deps.sh --web) lays the notice's OFD out in headless Chromium, and the characters it
draws and the red rule it paints are held against yinfa's own PDF, measured by pdfminer
(tests/pdfmeasure.py): the same text on the same baselines, every glyph of the title and of the first
body line within 0.5 mm of the PDF's. The package itself is checked part by part — every file it
names exists, ids are unique and MaxUnitID is the largest, every TextObject's font resolves to an
embedded OpenType file whose cmap holds its characters, every image to a PNG, the namespace is
http://www.ofdspec.org/2016 — for every sample of every type, each of which must give the PDF's text.
"""
import json
import os
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pdfmeasure  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RENDER = os.path.join(ROOT, "tests", "ofd", "render.mjs")
CHROMIUM = "/usr/bin/chromium"
NS = "http://www.ofdspec.org/2016"
Q = "{%s}" % NS
TOLERANCE = 0.5  # mm
SANITIZED = bool(os.environ.get("YINFA_SANITIZED"))


def render(yinfa, template, data, out):
    args = [yinfa, "render", template] + ([data] if data else []) + ["-o", out, "-q"]
    p = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, f"{' '.join(args)}: {p.stderr}"


def samples():
    """(type, data) for every type of templates/ with its sample."""
    found = []
    for name in sorted(os.listdir(os.path.join(ROOT, "templates"))):
        data = os.path.join(ROOT, "templates", name, "data.json")
        if os.path.isfile(os.path.join(ROOT, "templates", name, "template.xml")) and os.path.isfile(data):
            found.append((name, data))
    return found


# ---- the package ------------------------------------------------------------------------------

def parse(z, name):
    root = ET.fromstring(z.read(name))
    assert root.tag.startswith(Q), f"{name}: root {root.tag} is not in the OFD namespace {NS}"
    for el in root.iter():
        assert el.tag.startswith(Q), f"{name}: element {el.tag} outside the OFD namespace"
    return root


def font_cmap(data):
    """The characters an embedded font's cmap maps, and its number of glyphs (fontTools)."""
    import io
    from fontTools.ttLib import TTFont
    font = TTFont(io.BytesIO(data))
    return set(font.getBestCmap() or {}), font["maxp"].numGlyphs


def check_package(path):
    """Every structural rule the reader relies on; returns the text drawn on each page."""
    z = zipfile.ZipFile(path)
    names = set(z.namelist())
    assert z.namelist()[0] == "OFD.xml", "OFD.xml is the package's first part"
    ofd = parse(z, "OFD.xml")
    assert ofd.get("Version") == "1.0" and ofd.get("DocType") == "OFD"
    body = ofd.find(Q + "DocBody")
    info = body.find(Q + "DocInfo")
    assert [c.tag[len(Q):] for c in info] == ["DocID", "Title", "Author", "CreationDate", "Creator",
                                              "CreatorVersion"], "DocInfo's children in the schema's order"
    assert re.fullmatch(r"[0-9a-f]{32}", info.findtext(Q + "DocID")), "DocID: 32 hex digits"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", info.findtext(Q + "CreationDate")), "CreationDate: xs:date"
    assert info.findtext(Q + "Creator") == "yinfa"
    root_path = body.findtext(Q + "DocRoot")
    assert root_path in names, f"DocRoot {root_path} missing"
    base = root_path.rsplit("/", 1)[0] + "/"
    doc = parse(z, root_path)
    assert [c.tag[len(Q):] for c in doc][:2] == ["CommonData", "Pages"]
    common = doc.find(Q + "CommonData")
    assert [c.tag[len(Q):] for c in common] == ["MaxUnitID", "PageArea", "PublicRes", "DocumentRes"]
    assert common.findtext(f"{Q}PageArea/{Q}PhysicalBox") == "0 0 210 297", "A4 in mm"

    ids = {}  # ID -> where

    def take_ids(part, root):
        for el in root.iter():
            if el.get("ID") is not None:
                assert el.get("ID") not in ids, f"ID {el.get('ID')} twice: {part} and {ids[el.get('ID')]}"
                ids[el.get("ID")] = part

    fonts, media = {}, {}
    for kind in ("PublicRes", "DocumentRes"):
        res_path = base + common.findtext(Q + kind)
        assert res_path in names, f"{kind} {res_path} missing"
        res = parse(z, res_path)
        take_ids(res_path, res)
        res_base = base + res.get("BaseLoc", "").rstrip("/") + "/"
        for font in res.iter(Q + "Font"):
            file = res_base + font.findtext(Q + "FontFile")
            assert file in names, f"FontFile {file} missing"
            data = z.read(file)
            assert data[:4] in (b"OTTO", b"\x00\x01\x00\x00", b"true"), f"{file} is no TrueType/OpenType file"
            fonts[font.get("ID")] = (font, font_cmap(data))
        for m in res.iter(Q + "MultiMedia"):
            file = res_base + m.findtext(Q + "MediaFile")
            assert file in names, f"MediaFile {file} missing"
            assert z.read(file)[:8] == b"\x89PNG\r\n\x1a\n" and m.get("Format") == "PNG", f"{file} is no PNG"
            media[m.get("ID")] = file

    page_ids, texts = [], []
    for page in doc.find(Q + "Pages"):
        loc = base + page.get("BaseLoc")
        assert loc in names, f"page {loc} missing"
        assert page.get("ID") not in ids, f"page ID {page.get('ID')} twice"
        ids[page.get("ID")] = root_path
        page_ids.append(page.get("ID"))
        content = parse(z, loc)
        take_ids(loc, content)
        drawn = []
        for t in content.iter(Q + "TextObject"):
            font, (cmap, nglyphs) = fonts[t.get("Font")] if t.get("Font") in fonts else (None, (None, 0))
            assert font is not None, f"{loc}: TextObject {t.get('ID')} names no Font of the resources"
            assert float(t.get("Size")) > 0 and len(t.get("Boundary").split()) == 4
            codes = t.findall(Q + "TextCode")
            assert len(codes) == 1
            text = codes[0].text or ""
            dx = (codes[0].get("DeltaX") or "").split()
            assert len(dx) == max(len(text) - 1, 0), f"{loc}: {len(dx)} DeltaX for {len(text)} characters"
            transformed = set()
            for cg in t.findall(Q + "CGTransform"):
                pos, count = int(cg.get("CodePosition")), int(cg.get("CodeCount"))
                glyphs = [int(g) for g in cg.findtext(Q + "Glyphs").split()]
                assert pos + count <= len(text) and len(glyphs) == int(cg.get("GlyphCount"))
                assert all(0 <= g < nglyphs for g in glyphs), f"{loc}: glyph id beyond the font"
                transformed.update(range(pos, pos + count))
            missing = [c for i, c in enumerate(text) if ord(c) not in cmap and i not in transformed]
            assert not missing, f"{loc}: {missing} not in the cmap of font {t.get('Font')}"
            drawn.append(text)
        for im in content.iter(Q + "ImageObject"):
            assert im.get("ResourceID") in media, f"{loc}: ImageObject names no MultiMedia"
            assert len(im.get("CTM").split()) == 6
        for p in content.iter(Q + "PathObject"):
            assert p.findtext(Q + "AbbreviatedData").startswith("M ")
        texts.append("".join(drawn))
    for dest in doc.iter(Q + "Dest"):
        assert dest.get("PageID") in page_ids, f"outline destination {dest.get('PageID')} is no page"
    numeric = [int(i) for i in ids]
    assert int(common.findtext(Q + "MaxUnitID")) == max(numeric), "MaxUnitID is the largest ID"
    return texts


def pdf_texts(pdf):
    return ["".join(g.text for line in page.lines for g in line.glyphs) for page in pdfmeasure.load(pdf)]


def same_characters(a, b):
    return sorted(a.replace(" ", "")) == sorted(b.replace(" ", ""))


def test_ofd_every_sample(yinfa):
    """Every sample of every type writes an OFD whose package holds together and whose pages carry
    the PDF's characters."""
    chosen = samples()
    if SANITIZED:
        chosen = [s for s in chosen if s[0] in ("notice", "bulletin", "letter")]
    assert len(chosen) >= 3
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in chosen:
            ofd, pdf = os.path.join(tmp, name + ".ofd"), os.path.join(tmp, name + ".pdf")
            render(yinfa, name, data, ofd)
            render(yinfa, name, data, pdf)
            got, want = check_package(ofd), pdf_texts(pdf)
            assert len(got) == len(want), f"{name}: {len(got)} OFD pages, {len(want)} PDF pages"
            for n, (g, w) in enumerate(zip(got, want), 1):
                assert same_characters(g, w), f"{name} page {n}: OFD text {g!r} differs from PDF {w!r}"


def test_ofd_hostile_input_leaves_no_file(yinfa):
    """A render that fails writes no OFD, leaves no temporary file, and an existing OFD untouched:
    hostile inputs (a loop to 100 000 pages, data nested too deep), a full disk while the package is
    written, a folder that does not exist."""
    hostile = os.path.join(ROOT, "tests", "hostile")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "x.ofd")
        runs = [(["render", os.path.join(hostile, "loop-100000-pages"),
                  os.path.join(hostile, "loop-100000-pages", "data.json")], "1000 页", None),
                (["render", "notice", os.path.join(hostile, "deep-nesting.json")], "嵌套", None)]

        def small_files():
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
            resource.setrlimit(resource.RLIMIT_FSIZE, (16384, 16384))
        runs.append((["render", "notice", os.path.join(ROOT, "templates", "notice", "data.json")], "写入失败",
                     small_files))
        for args, expect, preexec in runs:
            for existing in (None, b"old"):
                if existing:
                    with open(out, "wb") as f:
                        f.write(existing)
                p = subprocess.run([yinfa, *args, "-o", out, "-q"], cwd=ROOT, capture_output=True, text=True,
                                   timeout=120, preexec_fn=preexec)
                assert p.returncode == 1 and expect in p.stderr, p.stderr
                if existing:
                    assert open(out, "rb").read() == existing
                    os.unlink(out)
                assert os.listdir(tmp) == [], os.listdir(tmp)
        # An unknown suffix is a usage error, naming the three.
        p = subprocess.run([yinfa, "render", "notice", "--draft", "-o", os.path.join(tmp, "x.xps")],
                           cwd=ROOT, capture_output=True, text=True)
        assert p.returncode == 2 and ".ofd" in p.stderr
        # A place that cannot be written: an error, nothing left.
        p = subprocess.run([yinfa, "render", "notice", "--draft", "-o", os.path.join(tmp, "no", "x.ofd")],
                           cwd=ROOT, capture_output=True, text=True)
        assert p.returncode == 1 and os.listdir(tmp) == [], p.stderr


def test_ofd_glyphs_the_cmap_does_not_give(yinfa):
    """Noto CJK sets "——" as one glyph two ems wide (in the title's 小标宋 and the 黑体 heading); the
    cmap maps "—" to a one-em dash, so a CGTransform names the glyph (GB/T 33190 §11.4): two codes, one
    glyph, the subset's two-em dash. The text stays "——", two U+2014."""
    import io
    from fontTools.ttLib import TTFont
    with tempfile.TemporaryDirectory() as tmp:
        ofd, pdf = os.path.join(tmp, "g.ofd"), os.path.join(tmp, "g.pdf")
        template = os.path.join(ROOT, "tests", "ofd", "glyphs")
        for out in (ofd, pdf):
            p = subprocess.run([yinfa, "render", template, "--draft", "-o", out, "-q"], capture_output=True,
                               text=True, timeout=60)
            assert p.returncode == 0, p.stderr
        ligatures = [g for page in pdfmeasure.load(pdf) for line in page.lines for g in line.glyphs
                     if g.text == "——"]
        assert len(ligatures) == 2, "the PDF draws two one-glyph dashes"
        check_package(ofd)
        z = zipfile.ZipFile(ofd)
        res = ET.fromstring(z.read("Doc_0/PublicRes.xml"))
        files = {f.get("ID"): "Doc_0/Res/" + f.findtext(Q + "FontFile") for f in res.iter(Q + "Font")}
        found = []
        for name in z.namelist():
            if not name.startswith("Doc_0/Pages/"):
                continue
            for t in ET.fromstring(z.read(name)).iter(Q + "TextObject"):
                text = t.findtext(Q + "TextCode")
                for cg in t.findall(Q + "CGTransform"):
                    pos, count = int(cg.get("CodePosition")), int(cg.get("CodeCount"))
                    font = TTFont(io.BytesIO(z.read(files[t.get("Font")])))
                    glyph = font.getGlyphOrder()[int(cg.findtext(Q + "Glyphs"))]
                    em = font["head"].unitsPerEm
                    found.append((text[pos:pos + count], cg.get("GlyphCount"), font["hmtx"][glyph][0] / em))
        assert found == [("——", "1", 2.0), ("——", "1", 2.0)], found


# ---- through the reader -----------------------------------------------------------------------

def reader(ofd, png):
    driver = os.path.join(ROOT, "tests", "web", "node_modules", "playwright-core")
    ofdjs = os.path.join(ROOT, "tests", "ofd", "node_modules", "ofd.js", "lib", "ofd.umd.js")
    for what, ok in (("node", shutil.which("node")), (CHROMIUM, os.access(CHROMIUM, os.X_OK)),
                     ("playwright-core", os.path.isdir(driver)), ("ofd.js", os.path.isfile(ofdjs))):
        assert ok, f"{what} is missing: run scripts/install-deps.sh --web"
    p = subprocess.run(["node", RENDER, ofd, png], capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, f"render.mjs failed:\n{p.stderr}"
    report = json.loads(p.stdout)
    assert report["problems"] == [], report["problems"]
    return report["pages"]


def lines_of(glyphs):
    """(baseline, [(text, x)] left to right) for glyphs given as (text, x, baseline), top to bottom."""
    lines = []
    for g in sorted(glyphs, key=lambda g: (g[2], g[1])):
        if lines and abs(g[2] - lines[-1][0]) < 0.3:
            lines[-1][1].append(g)
        else:
            lines.append((g[2], [g]))
    return [(b, sorted(gs, key=lambda g: g[1])) for b, gs in lines]


def test_ofd_notice_in_a_reader(yinfa):
    """The notice's OFD as ofd.js draws it in Chromium: the PDF's lines, the title, the first body line
    and the red rule at the PDF's places within 0.5 mm; page 1 saved as a picture."""
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(ROOT, "templates", "notice", "data.json")
        ofd, pdf, png = (os.path.join(tmp, "notice." + s) for s in ("ofd", "pdf", "png"))
        render(yinfa, "notice", data, ofd)
        render(yinfa, "notice", data, pdf)
        pages = reader(ofd, png)
        want = pdfmeasure.load(pdf)
        assert len(pages) == len(want)
        with open(png, "rb") as f:
            head = f.read(24)
        assert head[:8] == b"\x89PNG\r\n\x1a\n"
        w, h = struct.unpack(">II", head[16:24])
        assert abs(h / w - 297 / 210) < 0.01, f"page 1 picture {w}×{h} is not A4"

        for n, (page, pdf_page) in enumerate(zip(pages, want), 1):
            assert abs(page["width"] - 210) < 0.1 and abs(page["height"] - 297) < 0.1
            got = lines_of([(t["text"], t["x"], t["baseline"]) for t in page["texts"]])
            expect = lines_of([(g.text, g.x0, g.baseline) for line in pdf_page.lines for g in line.glyphs])
            assert ["".join(t for t, _, _ in gs) for _, gs in got] == \
                   ["".join(t for t, _, _ in gs) for _, gs in expect], f"page {n}: lines differ"
            for (b1, g1), (b2, g2) in zip(got, expect):
                assert abs(b1 - b2) < TOLERANCE, f"page {n}: baseline {b1:.2f} mm, PDF {b2:.2f} mm"
                assert abs(g1[0][1] - g2[0][1]) < TOLERANCE, f"page {n}: line starts {g1[0][1]:.2f}, PDF {g2[0][1]:.2f}"

        # Glyph by glyph: the title and the first body line, where the browser drew them.
        first = pages[0]
        drawn = sorted(first["texts"], key=lambda t: (round(t["baseline"], 1), t["left"]))
        title = [line for line in want[0].lines if line.role == pdfmeasure.TITLE and line.size < 24][0]
        body = [line for line in want[0].lines if line.role == pdfmeasure.BODY][0]
        for line in (title, body):
            mine = [t for t in drawn if abs(t["baseline"] - line.baseline) < TOLERANCE]
            assert "".join(t["text"] for t in mine) == line.text, (line.text, [t["text"] for t in mine])
            for t, g in zip(mine, line.glyphs):
                assert abs(t["left"] - g.x0) < TOLERANCE, f"{g.text} of {line.text}: {t['left']:.2f} mm, PDF {g.x0:.2f}"
                assert abs(t["baseline"] - g.baseline) < TOLERANCE
        assert title.text in "宁波市总工会关于做好2026年元旦春节期间送温暖活动的通知"
        # The body is drawn in the face the PDF embeds (the reader finds it by FamilyName).
        assert {t["family"] for t in drawn if abs(t["baseline"] - body.baseline) < TOLERANCE} == {"FandolFang"}

        # The red rule under the 发文字号 (GB/T 9704 §7.2.5).
        red = [r for r in pdfmeasure.rects(pdf)[0] if r.color[0] > 0.9 and max(r.color[1:]) < 0.1]
        rule = [p for p in first["paths"] if p["fill"] == "rgb(255, 0, 0)"]
        assert len(red) == 1 and len(rule) == 1, (red, rule)
        r, p = red[0], rule[0]
        for a, b in ((p["x"], r.x0), (p["y"], r.top), (p["w"], r.width), (p["h"], r.thickness)):
            assert abs(a - b) < TOLERANCE, (p, r)
