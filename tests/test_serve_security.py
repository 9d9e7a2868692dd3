"""`yinfa serve` against the other pages of the secretary's browser and against slow clients:
only requests naming this server (Host), from its own page (Origin, Sec-Fetch-Site), with JSON
bodies sent as application/json are served; no CORS header is ever sent; a burst of slow
connections does not keep the form from being served; no message names a path of the server.
Loopback only, bounded in count and time."""
import http.client
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serving import ROOT, Server, pdf_text  # noqa: E402

EXAMPLE = os.path.join(ROOT, "examples", "speech", "data.json")
SANITIZED = bool(os.environ.get("YINFA_SANITIZED"))
# A normal request's answer while slow clients hold connections (a preview takes about 0.1 s).
ANSWER_SECONDS = 1.0 * (10 if SANITIZED else 1)
PREVIEW = "/api/templates/speech/preview?pages=1&dpi=40"
PDF = "/api/templates/speech/pdf"


def ask(srv, method, path, body=None, headers=None, timeout=30):
    """(status, headers with lower-case names, body). A Host given in `headers` replaces the
    one http.client would send."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=timeout)
    try:
        if isinstance(body, str):
            body = body.encode("utf-8")
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def raw(srv, data, timeout=10):
    """Sends bytes as they are; the answer's status (0 when none came) and body."""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=timeout) as s:
        s.sendall(data)
        answer = b""
        try:
            while len(answer) < 1 << 20:
                chunk = s.recv(65536)
                if not chunk:
                    break
                answer += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    head, _, body = answer.partition(b"\r\n\r\n")
    line = head.split(b"\r\n", 1)[0].split()
    return (int(line[1]) if len(line) >= 2 and line[1].isdigit() else 0), body


def example_json():
    with open(EXAMPLE, encoding="utf-8") as f:
        return f.read()


def no_cors(headers, what):
    granted = [k for k in headers if k.startswith("access-control-")]
    assert not granted, f"{what}: CORS headers sent: {granted}"


def refused(answer, statuses, what):
    status, headers, body = answer
    assert status in statuses, f"{what}: {status}, wanted one of {statuses}: {body[:200]!r}"
    doc = json.loads(body)
    assert isinstance(doc["error"], str) and doc["error"], (what, doc)
    no_cors(headers, what)
    return doc


def test_serve_refuses_other_host_names(yinfa):
    """DNS rebinding: a page of evil.example whose name is made to resolve to 127.0.0.1 reaches
    the server with Host: evil.example:PORT; such a request is refused (421), whatever it asks."""
    with Server(yinfa) as srv:
        port = srv.port
        other_port = port + 1 if port < 65535 else port - 1
        for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1.nip.io:{port}",
                     f"localhost.:{port}", f"attacker.localhost:{port}", f"127.0.0.1:{other_port}",
                     f"localhost:{other_port}", "127.0.0.1", f"127.0.0.2:{port}",
                     f"[::2]:{port}", f"127.0.0.1:{port}@evil.example", ""):
            for method, path, body in (("GET", "/", None), ("GET", "/api/templates", None),
                                       ("POST", PREVIEW, example_json())):
                answer = ask(srv, method, path, body,
                             {"Host": host, "Content-Type": "application/json"})
                refused(answer, (421, 403), f"{method} {path} with Host {host!r}")
        # No Host at all (HTTP/1.0 lets a client leave it out).
        status, body = raw(srv, b"GET /api/templates HTTP/1.0\r\n\r\n")
        assert status in (400, 421, 403) and "templates" not in json.loads(body), (status, body)

        # This server by any of its names: served.
        for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LocalHost:{port}",
                     f"[::1]:{port}", f"[0:0:0:0:0:0:0:1]:{port}"):
            status, headers, body = ask(srv, "GET", "/api/templates", headers={"Host": host})
            assert status == 200 and json.loads(body)["templates"], (host, status, body[:200])
            no_cors(headers, host)
        assert srv.alive()


def test_serve_refuses_other_pages(yinfa):
    """Another page of the browser may send requests to 127.0.0.1 (a <form>, fetch without
    CORS): a foreign Origin or Sec-Fetch-Site is refused (403), a body that is not sent as
    application/json is refused (415), and no answer carries a CORS header."""
    # <form enctype="text/plain" method="post"><input name='{"城市":"' value='x"}'>: the body
    # the browser sends is valid JSON.
    form_body = '{"城市":"=x"}'
    evil = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site",
            "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}
    with Server(yinfa) as srv:
        own = f"http://127.0.0.1:{srv.port}"
        for path in (PDF, PREVIEW):
            # The cross-site form, as a browser sends it; and as an old browser does, without
            # Fetch Metadata.
            refused(ask(srv, "POST", path, form_body, {**evil, "Content-Type": "text/plain"}),
                    (403,), f"{path}: a cross-site text/plain form")
            refused(ask(srv, "POST", path, form_body,
                        {"Origin": "http://evil.example", "Content-Type": "text/plain"}),
                    (403,), f"{path}: a foreign Origin")
            for origin in ("null", "https://evil.example", f"http://evil.example:{srv.port}",
                           f"https://127.0.0.1:{srv.port}", f"http://127.0.0.1:{srv.port + 1}",
                           f"http://127.0.0.1:{srv.port}.evil.example", "file://"):
                refused(ask(srv, "POST", path, example_json(),
                            {"Origin": origin, "Content-Type": "application/json"}),
                        (403,), f"{path}: Origin {origin}")
            # Fetch Metadata without an Origin: another site's or a sibling port's page.
            for site in ("cross-site", "same-site"):
                refused(ask(srv, "POST", path, example_json(),
                            {"Sec-Fetch-Site": site, "Content-Type": "application/json"}),
                        (403,), f"{path}: Sec-Fetch-Site {site}")
            # The form's own origin, but not JSON by its type: what a <form> can send.
            for ctype in ("text/plain", "text/plain; charset=utf-8",
                          "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                          "application/jsonx", "application/json-seq", None):
                headers = {"Origin": own, "Sec-Fetch-Site": "same-origin"}
                if ctype:
                    headers["Content-Type"] = ctype
                refused(ask(srv, "POST", path, example_json(), headers), (415,),
                        f"{path}: Content-Type {ctype}")
        # Reading the API from another page.
        for headers in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
            refused(ask(srv, "GET", "/api/templates", headers=headers), (403,),
                    f"GET /api/templates {headers}")
            refused(ask(srv, "GET", "/api/templates/speech", headers=headers), (403,),
                    f"GET /api/templates/speech {headers}")
        # A CORS preflight is never granted.
        status, headers, _ = ask(srv, "OPTIONS", PDF, headers={
            "Origin": "http://evil.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        assert status >= 400, status
        no_cors(headers, "a preflight")

        # The form page itself: same origin, application/json (with a charset or not).
        page = {"Origin": own, "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"}
        status, headers, body = ask(srv, "POST", PREVIEW, example_json(),
                                    {**page, "Content-Type": "application/json; charset=UTF-8"})
        assert status == 200 and json.loads(body)["complete"] is True, (status, body[:300])
        no_cors(headers, "the page's preview")
        status, headers, body = ask(srv, "POST", PDF, example_json(),
                                    {**page, "Content-Type": "Application/JSON"})
        assert status == 200 and body[:5] == b"%PDF-", (status, body[:300])
        assert "市总工会" in pdf_text(body)
        no_cors(headers, "the page's PDF")
        # The address bar (Sec-Fetch-Site: none), and a link to the form from another site.
        status, _, _ = ask(srv, "GET", "/api/templates", headers={"Sec-Fetch-Site": "none"})
        assert status == 200
        status, headers, body = ask(srv, "GET", "/", headers={
            "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"})
        assert status == 200 and b"/app.js" in body
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        # But not the page's files as another page's script or style.
        status, _, _ = ask(srv, "GET", "/app.js", headers={
            "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"})
        assert status == 403, status
        assert srv.alive()


def test_serve_slowloris(yinfa):
    """A burst of 100 connections that send their headers — or, half of them, their body — one
    byte a second: the form is still served, each request of a normal client answered within a
    second."""
    slow, seconds = 100, 5
    with Server(yinfa) as srv:
        head = f"POST {PREVIEW} HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n"
        whole_head = head + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
        socks = []
        for i in range(slow):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
            s.sendall((head if i % 2 else whole_head).encode())
            s.setblocking(False)
            socks.append(s)
        stop = threading.Event()

        def drip():
            for _ in range(seconds):
                for s in socks:
                    try:
                        s.send(b"X")
                    except OSError:
                        pass
                if stop.wait(1):
                    break

        dripper = threading.Thread(target=drip)
        dripper.start()
        try:
            time.sleep(1.5)
            timings = []
            for method, path in (("GET", "/"), ("GET", "/api/templates"), ("POST", PREVIEW),
                                 ("POST", PDF)):
                started = time.monotonic()
                try:
                    status, _, body = ask(srv, method, path,
                                          example_json() if method == "POST" else None,
                                          {"Content-Type": "application/json"}, timeout=10)
                except OSError as e:
                    raise AssertionError(f"{path}: no answer under slowloris: {e!r}") from e
                took = time.monotonic() - started
                timings.append((path, round(took, 3)))
                assert status == 200, (path, status, body[:200])
                assert took < ANSWER_SECONDS, f"{path} took {took:.2f} s under slowloris"
            # The slow connections were held all along, not dropped: the burst was real.
            held = 0
            for s in socks:
                try:
                    held += s.recv(1) != b""
                except BlockingIOError:
                    held += 1
                except OSError:
                    pass
            assert held >= slow * 9 // 10, f"only {held} of {slow} slow connections held"
        finally:
            stop.set()
            dripper.join(10)
            for s in socks:
                s.close()
        status, _, _ = ask(srv, "GET", "/api/templates")
        assert status == 200 and srv.alive()
    assert srv.rc == 0, srv.errors()


BROKEN = {
    # XML that does not parse.
    "broken/template.xml": '<template version="1"><body>\n',
    # A part with errors, and an include of a file that is not there.
    "badinc/template.xml": """<template version="1" extends="../common/gbt9704.xml">
  <slots><slot name="a" label="A" example="x"/></slots>
  <body>
    <include src="part.xml"/>
    <include src="missing.xml"/>
    <p><v name="a"/></p>
  </body>
</template>
""",
    "badinc/part.xml": """<part>
  <slots><slot name="a" label="A" example="y"/></slots>
  <body><p><bogus/></p></body>
</part>
""",
    # A base with an error.
    "badbase/template.xml": '<template version="1" extends="../base/b.xml">\n'
                            '  <body><p>y</p></body>\n</template>\n',
    "base/b.xml": '<template version="1"><page bogus="1"/><body><p>x</p></body></template>\n',
    # Images: missing, and not an image.
    "badimg/template.xml": """<template version="1" extends="../common/gbt9704.xml">
  <slots><slot name="a" label="A" example="x"/></slots>
  <body>
    <p><v name="a"/></p>
    <image src="missing.png" width="20mm"/>
  </body>
</template>
""",
    "notpng/template.xml": """<template version="1" extends="../common/gbt9704.xml">
  <slots><slot name="a" label="A" example="x"/></slots>
  <body>
    <p><v name="a"/></p>
    <image src="x.png" width="20mm"/>
  </body>
</template>
""",
    "notpng/x.png": "not an image\n",
    # An SVG librsvg cannot read: its own message follows.
    "badsvg/template.xml": """<template version="1" extends="../common/gbt9704.xml">
  <slots><slot name="a" label="A" example="x"/></slots>
  <body>
    <p><v name="a"/></p>
    <image src="x.svg" width="20mm"/>
  </body>
</template>
""",
    "badsvg/x.svg": '<svg xmlns="http://www.w3.org/2000/svg"><g><rect width="1"',
}

# An absolute path: a '/' opening a word, followed by at least two parts.
ABSOLUTE = re.compile(r"(?:^|[\s\"'(（「“:=])/[^\s/:]+/")


def test_serve_error_messages_name_no_server_path(yinfa):
    """Template, include, base, image and data errors name files relative to the templates
    folder (broken/template.xml:2:1), never by where the server keeps them."""
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(os.path.join(ROOT, "templates", "common"), os.path.join(tmp, "common"))
        shutil.copytree(os.path.join(ROOT, "templates", "request"), os.path.join(tmp, "request"))
        for name, text in BROKEN.items():
            os.makedirs(os.path.dirname(os.path.join(tmp, name)), exist_ok=True)
            with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
                f.write(text)
        with open(os.path.join(tmp, "request", "data.json"), encoding="utf-8") as f:
            request_data = json.load(f)
        json_headers = {"Content-Type": "application/json"}
        with Server(yinfa, "--templates", tmp) as srv:
            answers = [ask(srv, "GET", "/api/templates")]
            for name in ("broken", "badinc", "badbase", "badimg", "notpng", "badsvg",
                         "request"):
                answers.append(ask(srv, "GET", f"/api/templates/{name}"))
                for action in ("preview", "pdf"):
                    answers.append(ask(srv, "POST", f"/api/templates/{name}/{action}",
                                       '{"a": "1"}', json_headers))
            # Data naming images: not there, outside the collection, absolute, not an image.
            for seal in ("nosuch.png", "../../../../../etc/hostname", "/etc/hostname",
                         "../notpng/x.png", tmp + "/notpng/x.png"):
                data = dict(request_data, 印章=seal)
                for action in ("preview", "pdf"):
                    answers.append(ask(srv, "POST", f"/api/templates/request/{action}",
                                       json.dumps(data, ensure_ascii=False), json_headers))
            # Data that misses values: the messages name the template's lines.
            answers.append(ask(srv, "POST", "/api/templates/request/pdf", "{}", json_headers))

        messages = []
        for status, _, body in answers:
            doc = json.loads(body)
            messages += [doc.get("error", "")] + [d["message"] for d in doc.get("diagnostics", [])]
            for t in doc.get("templates", []):
                messages += [d["message"] for d in t["diagnostics"]]
        text = "\n".join(messages)
        # (The data's own relative paths, "../../etc/hostname", are quoted back as sent.)
        for secret in (tmp, os.path.realpath(tmp), "/tmp", "/work", ROOT, "/usr/"):
            assert secret not in text, f"{secret} in a message to the client:\n{text}"
        assert not ABSOLUTE.search(text), f"an absolute path in:\n{ABSOLUTE.search(text)}\n{text}"

        # Named as the template's author knows them, relative to the templates folder.
        for want in ("broken/template.xml:2:1: error: XML 格式错误",
                     "badinc/part.xml:2:10: error: 槽位「a」重复声明",
                     "badinc/part.xml:3:3: error: <part> 中未知元素 <body>",
                     "badinc/missing.xml: error: 无法读取模板",
                     "base/b.xml:1:23: error: <page> 没有属性 bogus",
                     "badimg/template.xml:5:5: error: <image src=\"missing.png\">：图片 "
                     "badimg/missing.png 找不到这个文件",
                     "图片 notpng/x.png 既不是 PNG 也不是 SVG 文件",
                     "badsvg/x.svg 不是格式正确的 SVG",
                     "data.json: error: $.年度: 缺少必填值（槽位「年度」，integer，模板 "
                     "request/template.xml:",
                     "（request/nosuch.png）找不到这个文件",
                     "模板 common/red-header.xml:"):
            assert want in text, f"{want!r} not in:\n{text}"
