"""Images as budgets: every attack is generated here and must end in a clear `error:` line, exit
status 1 and no output file, within 2 s and 200 MB (tests/test_hostile.py's contract) — a raster
inside an SVG beyond the side limit, an SVG reaching for other files, a <use> fan-out, a
reference cycle, masks, groups and filters, a DOCTYPE, too many elements, several images each within the limit but too many
pixels together, an image taller than the type area, a FIFO named as an image."""
import base64
import importlib.util
import os
import struct
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location("hostile_contract", os.path.join(HERE, "test_hostile.py"))
hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hostile)
check = hostile.check


def png(width, height):
    """A valid greyscale PNG of width × height zero pixels: small on disk, large decoded."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    z = zlib.compressobj(9)
    row = b"\0" * (width + 1)
    pixels = b"".join(z.compress(row) for _ in range(height)) + z.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def svg(body, extra=""):
    return (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'width="40mm" height="40mm" viewBox="0 0 100 100"{extra}>{body}</svg>').encode()


def data_uri(content, mime="image/png"):
    return f"data:{mime};base64,{base64.b64encode(content).decode()}"


def collection(tmp, files, images=("img.svg",), size='width="30mm"'):
    """A template folder inside `tmp` drawing `images`, with `files` written beside it; returns the
    template's path."""
    folder = os.path.join(tmp, "collection", "type")
    os.makedirs(folder, exist_ok=True)
    for name, content in files.items():
        open(os.path.join(folder, name), "wb").write(content)
    body = "".join(f'<image src="{name}" {size}/>' for name in images)
    template = f'<template version="1"><body><p>正文。</p>{body}</body></template>\n'
    path = os.path.join(folder, "template.xml")
    open(path, "w", encoding="utf-8").write(template)
    return path


def attack(yinfa, label, files, expect, **kw):
    with tempfile.TemporaryDirectory() as tmp:
        t = collection(tmp, files, **kw)
        return check(yinfa, label, ["render", t, "--draft"], expect)


def test_raster_inside_svg_keeps_the_side_limit(yinfa):
    """A 20 000-pixel square PNG in an SVG's data: URI decoded to 1.6 GB through librsvg (3.5 GB
    and 22 s for 30 000): its header is read first, and it is refused."""
    big = png(20000, 20000)
    for href in ("href", "xlink:href"):
        err = attack(yinfa, f"PNG in SVG ({href})",
                     {"img.svg": svg(f'<image {href}="{data_uri(big)}" width="100" height="100"/>')},
                     "内嵌的位图过大：20000 × 20000 像素")
        assert "img.svg" in err, err
    # JPEG (start-of-frame marker after an APP0 segment) and GIF headers are read the same way.
    jpeg = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
            b"\xff\xc0\x00\x11\x08" + struct.pack(">HH", 30000, 30000) + b"\x03" + bytes(9))
    gif = b"GIF89a" + struct.pack("<HH", 60000, 60000) + bytes(20)
    for content, mime, words in ((jpeg, "image/jpeg", "30000 × 30000"), (gif, "image/gif", "60000 × 60000")):
        attack(yinfa, mime, {"img.svg": svg(f'<image href="{data_uri(content, mime)}"/>')},
               f"内嵌的位图过大：{words} 像素")
    # Within the limits it is drawn.
    with tempfile.TemporaryDirectory() as tmp:
        t = collection(tmp, {"img.svg": svg(f'<image href="{data_uri(png(50, 50))}" width="100" height="100"/>')})
        code, err, _, _ = hostile.run_limited([yinfa, "render", t, "--draft", "-o", os.path.join(tmp, "ok.pdf")], tmp)
        assert code == 0, err


def test_svg_in_svg_and_unknown_rasters_are_refused(yinfa):
    inner = svg('<rect width="1" height="1"/>')
    attack(yinfa, "SVG in SVG", {"img.svg": svg(f'<image href="{data_uri(inner, "image/svg+xml")}"/>')},
           "不能再内嵌 SVG")
    attack(yinfa, "not a raster", {"img.svg": svg(f'<image href="{data_uri(b"BM" + bytes(100), "image/bmp")}"/>')},
           "不是 PNG、JPEG 或 GIF")


def test_svg_refers_to_no_other_file(yinfa):
    """librsvg would load files beside the SVG (or anywhere a data-named path leads): every
    reference to another file is refused, inside the collection or not."""
    beside = png(10, 10)
    cases = [
        ('<image href="beside.png" width="10" height="10"/>', "引用了外部文件 beside.png"),
        ('<image xlink:href="../../../../../../etc/passwd"/>', "引用了外部文件 ../../../../../../etc/passwd"),
        ('<image href="file:///dev/zero"/>', "引用了外部文件 file:///dev/zero"),
        ('<use href="other.svg#a"/>', "引用了外部文件 other.svg#a"),
        ('<rect width="10" height="10" fill="url(other.svg#g)"/>', "引用了外部资源 url(other.svg#g)"),
        ('<rect width="10" height="10" style="fill: url(\'/etc/x.svg#g\')"/>', "引用了外部资源"),
        ('<style>@import url(x.css);</style>', "引用了外部资源"),
        ('<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="x.xml" parse="text"/>', "XInclude"),
    ]
    for body, expect in cases:
        attack(yinfa, body[:40], {"img.svg": svg(body), "beside.png": beside}, expect)
    attack(yinfa, "stylesheet PI", {"img.svg": b'<?xml-stylesheet href="x.css"?>' + svg("")},
           "外部样式表")


def test_use_fan_out_and_cycles(yinfa):
    """<use> ten wide and nine deep draws 10^9 elements (librsvg's own limit, 500 000 references,
    still lets it run for long); patterns filling with the next pattern likewise."""
    levels = ['<g id="l0"><rect width="1" height="1"/></g>']
    for i in range(1, 10):
        uses = "".join(f'<use href="#l{i - 1}"/>' for _ in range(10))
        levels.append(f'<g id="l{i}">{uses}</g>')
    body = "<defs>" + "".join(levels) + '</defs><use href="#l9"/>'
    attack(yinfa, "use fan-out", {"img.svg": svg(body)}, "过于复杂")
    patterns = ['<pattern id="p0" width="1" height="1"><rect width="1" height="1"/></pattern>']
    for i in range(1, 12):
        rects = "".join(f'<rect width="1" height="1" fill="url(#p{i - 1})"/>' for _ in range(10))
        patterns.append(f'<pattern id="p{i}" width="1" height="1">{rects}</pattern>')
    body = "<defs>" + "".join(patterns) + '</defs><rect width="100" height="100" fill="url(#p11)"/>'
    attack(yinfa, "pattern fan-out", {"img.svg": svg(body)}, "过于复杂")
    cycle = '<g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g>'
    attack(yinfa, "use cycle", {"img.svg": svg(cycle)}, "引用成环")
    chain = "".join(f'<g id="c{i}"><use href="#c{i + 1}"/></g>' for i in range(100)) + '<g id="c100"/>'
    attack(yinfa, "use chain", {"img.svg": svg(chain)}, "引用嵌套超过 32 层")
    marker = ('<defs><marker id="m">' + '<rect width="1" height="1"/>' * 50 + '</marker></defs>'
              '<path marker-mid="url(#m)" d="' + "L1 1 " * 20000 + '"/>')
    attack(yinfa, "markers on many vertices", {"img.svg": svg(marker)}, "过于复杂")


def test_costly_drawing_is_counted_or_refused(yinfa):
    """Masks, groups and filters draw through offscreen surfaces: 3 000 masked elements took 27 s
    and 2.2 GB in the PDF, feTurbulence with numOctaves="1000" 26 s (400 s as a PNG). Filters are
    refused; masks and opacity count as many elements."""
    full = '<rect width="100" height="100"/>'
    masked = ('<mask id="m"><rect width="100" height="100" fill="white"/></mask>'
              + '<rect width="100" height="100" mask="url(#m)"/>' * 3000)
    attack(yinfa, "3000 masks", {"img.svg": svg(masked)}, "过于复杂")
    attack(yinfa, "opacity groups", {"img.svg": svg(f'<g opacity="0.5">{full}</g>' * 3000)}, "过于复杂")
    attack(yinfa, "styled opacity", {"img.svg": svg(f'<g style="opacity: .5">{full}</g>' * 3000)}, "过于复杂")
    for body in ['<filter id="f"><feTurbulence baseFrequency="0.5" numOctaves="1000"/></filter>'
                 '<rect width="100" height="100" filter="url(#f)"/>',
                 '<rect width="100" height="100" filter="blur(30px)"/>',
                 '<rect width="100" height="100" style="filter: blur(30px)"/>']:
        attack(yinfa, body[:40], {"img.svg": svg(body)}, "含有滤镜")
    attack(yinfa, "6000 full rects", {"img.svg": svg(full * 6000)}, "过于复杂")
    # What stays within the budget is drawn within the time limit, as PDF and as a PNG page.
    with tempfile.TemporaryDirectory() as tmp:
        t = collection(tmp, {"img.svg": svg(full * 4900)}, size='width="150mm"')
        for out in ("ok.pdf", "ok.png"):
            code, err, seconds, mb = hostile.run_limited(
                [yinfa, "render", t, "--draft", "-o", os.path.join(tmp, out), "--dpi", "150"], tmp)
            assert code == 0 and seconds < hostile.SECONDS, (out, code, seconds, err)
            assert hostile.SANITIZED or mb < hostile.MEGABYTES, (out, mb)


def test_svg_element_count_and_doctype(yinfa):
    attack(yinfa, "20 000 elements", {"img.svg": svg('<rect width="1" height="1"/>' * 20000)},
           "元素超过 10000 个")
    laughs = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
              b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' + svg("<text>&b;</text>"))
    attack(yinfa, "entities", {"img.svg": laughs}, "DOCTYPE")
    attack(yinfa, "not XML", {"img.svg": b"<svg><g></svg>"}, "不是格式正确的 SVG")


def test_document_budget_of_pixels(yinfa):
    """Six PNGs each within the side limit (2 500 × 2 500, 6.25 million pixels, 25 MB decoded):
    four fit the document's 25 million pixels, the fifth is refused, naming the four."""
    files = {f"p{i}.png": png(2500, 2500) for i in range(6)}
    err = attack(yinfa, "six PNGs", files, "使本文档的图片合计超过 25 百万像素的上限",
                 images=list(files), size='width="20mm"')
    assert "p4.png" in err and all(f"p{i}.png 6.2" in err for i in range(4)), err
    # The same file drawn six times is decoded once and counted once.
    with tempfile.TemporaryDirectory() as tmp:
        t = collection(tmp, {"p.png": png(2500, 2500)}, images=["p.png"] * 6, size='width="20mm"')
        code, err, seconds, mb = hostile.run_limited(
            [yinfa, "render", t, "--draft", "-o", os.path.join(tmp, "ok.pdf")], tmp)
        assert code == 0, err
    # Rasters inside SVGs count too.
    one = svg(f'<image href="{data_uri(png(4000, 4000))}" width="100" height="100"/>')
    attack(yinfa, "SVGs with rasters", {"a.svg": one, "b.svg": one}, "使本文档的图片合计超过",
           images=["a.svg", "b.svg"])


def test_image_larger_than_the_type_area(yinfa):
    """A 297 mm tall image ran off the page silently; now an error at its <image> line."""
    tall = svg('<rect width="100" height="297"/>').replace(b'height="40mm"', b'height="297mm"')
    err = attack(yinfa, "297 mm tall", {"img.svg": tall}, "大于版心（156 × 225 mm）", size="")
    assert "template.xml:1:" in err, err
    attack(yinfa, "200 mm wide", {"img.svg": svg("")}, "大于版心", size='width="200mm"')


def test_fifo_named_as_an_image(yinfa):
    """A FIFO (or device) inside the collection is never opened for reading."""
    with tempfile.TemporaryDirectory() as tmp:
        t = collection(tmp, {}, images=["pipe.png"])
        os.mkfifo(os.path.join(os.path.dirname(t), "pipe.png"))
        check(yinfa, "FIFO image", ["render", t, "--draft"], "pipe.png 不是普通文件")
