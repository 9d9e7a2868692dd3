"""`yinfa serve` over HTTP: the API the form page uses, and a server that answers every bad,
malformed, oversized or truncated request with a 4xx and keeps serving. Loopback only."""
import base64
import copy
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serving import ROOT, Server, pdf_text  # noqa: E402

EXAMPLE = os.path.join(ROOT, "examples", "union-speech", "data.json")


def request(srv, method, path, body=None, headers=None, timeout=60):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=timeout)
    try:
        if isinstance(body, str):
            body = body.encode("utf-8")
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        conn.close()


def post_json(srv, path, data):
    return request(srv, "POST", path, json.dumps(data, ensure_ascii=False),
                   {"Content-Type": "application/json"})


def raw(srv, data, read=True, timeout=30):
    """Sends bytes as they are; returns the status code of the answer (0 when none came)."""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=timeout) as s:
        answer = b""
        try:
            s.sendall(data)
            if not read:
                return 0
            s.shutdown(socket.SHUT_WR)
        except OSError:  # reset or not connected: refused before it was all sent
            pass
        try:
            while len(answer) < 65536:
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
        except (ConnectionResetError, socket.timeout):
            pass
    line = answer.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) >= 2 and line[1].isdigit() else 0


def still_serving(srv, why):
    assert srv.alive(), f"the server died after {why}: {srv.errors()}"
    status, _, body = request(srv, "GET", "/api/templates")
    assert status == 200, f"after {why}: GET /api/templates gave {status} {body[:200]!r}"
    assert "union-speech" in [t["id"] for t in json.loads(body)["templates"]]


def error_of(body):
    """An error answer is JSON: {"error": …, "diagnostics": […]}."""
    doc = json.loads(body)
    assert isinstance(doc["error"], str) and doc["error"], doc
    return doc


def example():
    return json.load(open(EXAMPLE, encoding="utf-8"))


def test_serve_page_and_templates(yinfa):
    with Server(yinfa) as srv:
        status, headers, body = request(srv, "GET", "/")
        assert status == 200 and headers["Content-Type"].startswith("text/html"), (status, headers)
        page = body.decode("utf-8")
        assert "/app.js" in page and "/style.css" in page and "下载 PDF" in page
        # Nothing is fetched from anywhere but yinfa, and the browser is told to refuse it.
        assert "http://" not in page and "https://" not in page
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        for asset, kind in (("/app.js", "text/javascript"), ("/style.css", "text/css")):
            status, headers, body = request(srv, "GET", asset)
            assert status == 200 and headers["Content-Type"].startswith(kind), (asset, status)
            assert b"http://" not in body and b"https://" not in body, asset

        status, _, body = request(srv, "GET", "/api/templates")
        assert status == 200
        listed = json.loads(body)["templates"]
        # Every folder of templates/ holding a template.xml, sorted; templates/common holds none:
        # it is a base, not a type.
        types = sorted(d for d in os.listdir(os.path.join(ROOT, "templates"))
                       if os.path.exists(os.path.join(ROOT, "templates", d, "template.xml")))
        assert "common" not in types and [t["id"] for t in listed] == types, listed
        decl = next(t for t in listed if t["id"] == "union-speech")["declarations"]
        assert decl["name"] == "工会全委会讲话稿" and decl["description"]
        slots = {s["name"]: s for s in decl["slots"]}
        assert len(slots) == 32 and slots["市总.届次"]["label"] == "市总工会委员会届次"

        status, _, body = request(srv, "GET", "/api/templates/union-speech")
        assert status == 200 and json.loads(body) == decl
    assert srv.rc == 0, f"yinfa serve did not stop cleanly on SIGTERM: {srv.rc} {srv.errors()}"


def test_serve_preview_and_pdf(yinfa):
    data = example()
    with Server(yinfa) as srv:
        status, _, body = post_json(srv, "/api/templates/union-speech/preview?pages=2-3&dpi=40", data)
        assert status == 200, body[:300]
        doc = json.loads(body)
        assert doc["complete"] is True and doc["first"] == 2 and doc["pages"] >= 3, doc["pages"]
        assert len(doc["images"]) == 2
        for img in doc["images"]:
            assert img.startswith("data:image/png;base64,")
            png = base64.b64decode(img.split(",", 1)[1])
            assert png[:8] == b"\x89PNG\r\n\x1a\n"
            # 40 dpi: an A4 page is 331 pixels wide.
            assert int.from_bytes(png[16:20], "big") == 331

        # Missing values still preview, as X, and each is named with its JSON path.
        status, _, body = post_json(srv, "/api/templates/union-speech/preview", {"城市": "宁波市"})
        assert status == 200, body[:300]
        doc = json.loads(body)
        assert doc["complete"] is False and len(doc["images"]) == 1
        messages = [d["message"] for d in doc["diagnostics"]]
        assert any(m.startswith("data.json: error: $.市总.届次: 缺少必填值") for m in messages), messages
        assert not any("$.城市" in m for m in messages), messages

        # The PDF holds what was sent.
        changed = copy.deepcopy(data)
        changed["市总"]["届次"] = "二十八"
        changed["送温暖"]["慰问户数"] = 31415
        status, headers, body = post_json(srv, "/api/templates/union-speech/pdf", changed)
        assert status == 200 and headers["Content-Type"] == "application/pdf", body[:300]
        assert body[:5] == b"%PDF-" and "attachment" in headers["Content-Disposition"]
        text = pdf_text(body)
        assert "市总工会二十八届" in text and "31415" in text, text[:300]

        # A document with missing values is no PDF: 422 and the reasons.
        status, _, body = post_json(srv, "/api/templates/union-speech/pdf", {"城市": "宁波市"})
        assert status == 422
        messages = [d["message"] for d in error_of(body)["diagnostics"]]
        assert sum("缺少必填值" in m for m in messages) == 31, messages
        still_serving(srv, "a refused PDF")


def test_serve_renders_in_parallel_requests(yinfa):
    """Renders share one font context; concurrent requests are serialized, all answered."""
    payload = json.dumps(example(), ensure_ascii=False)
    results = []

    def one(srv, path):
        status, _, body = request(srv, "POST", path, payload,
                                  {"Content-Type": "application/json"})
        results.append((status, len(body)))

    with Server(yinfa) as srv:
        threads = [threading.Thread(target=one, args=(srv, p)) for p in
                   ["/api/templates/union-speech/preview?pages=1-2&dpi=60"] * 4 +
                   ["/api/templates/union-speech/pdf"] * 2]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert [s for s, _ in results] == [200] * 6, results
        still_serving(srv, "parallel renders")


def test_serve_bad_requests(yinfa):
    with Server(yinfa) as srv:
        def expect(status_wanted, method, path, body=None, headers=None):
            if body is not None and headers is None:
                headers = {"Content-Type": "application/json"}
            status, hdrs, answer = request(srv, method, path, body, headers)
            assert status == status_wanted, \
                f"{method} {path}: {status}, wanted {status_wanted}: {answer[:300]!r}"
            still_serving(srv, f"{method} {path}")
            return hdrs, error_of(answer)

        _, doc = expect(422, "POST", "/api/templates/union-speech/preview", "{\"市总\": {\"届次\": ")
        assert "JSON 格式错误" in doc["diagnostics"][0]["message"], doc
        _, doc = expect(422, "POST", "/api/templates/union-speech/pdf", "[1, 2]")
        _, doc = expect(422, "POST", "/api/templates/union-speech/pdf", "")
        _, doc = expect(422, "POST", "/api/templates/union-speech/pdf", "[" * 100000)
        _, doc = expect(422, "POST", "/api/templates/union-speech/preview", b"{\"\xff\xfe\": 1}")
        _, doc = expect(422, "POST", "/api/templates/union-speech/pdf",
                        json.dumps({"市总": {"届次": ["十五"]}}, ensure_ascii=False))
        assert any("$.市总.届次: 应为文字，却是列表" in d["message"] for d in doc["diagnostics"]), doc

        hdrs, _ = expect(405, "PUT", "/api/templates/union-speech/pdf", "{}")
        assert hdrs["Allow"] == "POST"
        expect(405, "DELETE", "/api/templates/union-speech")
        expect(405, "GET", "/api/templates/union-speech/preview")
        expect(405, "POST", "/api/templates", "{}")
        expect(405, "POST", "/", "{}")

        expect(404, "GET", "/api/templates/nosuch")
        expect(404, "POST", "/api/templates/nosuch/pdf", "{}")
        expect(404, "GET", "/api/templates/common")        # a folder, but no template.xml
        expect(404, "GET", "/api/templates/union-speech/template.xml")
        expect(404, "GET", "/etc/passwd")
        expect(404, "GET", "/../../etc/passwd")
        for name in ("..", "..%2F..%2Fetc", "%2e%2e", ".hidden", "..%2Funion-speech", "a%5Cb",
                     "%00", "x" * 300):
            expect(400, "GET", f"/api/templates/{name}")
        expect(400, "POST", "/api/templates/../../../etc/pdf", "{}")

        expect(400, "POST", "/api/templates/union-speech/preview?pages=abc", "{}")
        expect(400, "POST", "/api/templates/union-speech/preview?pages=3-1", "{}")
        expect(400, "POST", "/api/templates/union-speech/preview?dpi=100000", "{}")


def test_serve_oversized_and_truncated_requests(yinfa):
    big = b"{\"x\": \"" + b"a" * (5 * 1024 * 1024) + b"\"}"
    with Server(yinfa) as srv:
        head = (f"POST /api/templates/union-speech/pdf HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n"
                "Content-Type: application/json\r\n")
        # Announced: refused from the headers, before the body is read.
        status = raw(srv, (head + f"Content-Length: {len(big)}\r\n\r\n").encode())
        assert status == 413, status
        still_serving(srv, "a 5 MB Content-Length")
        # The same sent in full.
        status = raw(srv, (head + f"Content-Length: {len(big)}\r\n\r\n").encode() + big)
        assert status in (0, 413), status
        still_serving(srv, "a 5 MB body")
        # Not announced (chunked): counted as it comes, refused at the end.
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=60)
        conn.request("POST", "/api/templates/union-speech/pdf",
                     body=(big[i:i + 65536] for i in range(0, len(big), 65536)),
                     headers={"Content-Type": "application/json"}, encode_chunked=True)
        r = conn.getresponse()
        assert r.status == 413, r.status
        error_of(r.read())
        conn.close()
        still_serving(srv, "a 5 MB chunked body")

        # Truncated: a body shorter than announced, then the client hangs up.
        raw(srv, (head + "Content-Length: 1000\r\n\r\n{\"市总\":").encode(), read=False)
        still_serving(srv, "a truncated body")
        # A request line cut off, then a hang-up.
        raw(srv, b"GET /api/templ", read=False)
        still_serving(srv, "a truncated request line")
        # Garbage instead of HTTP.
        status = raw(srv, b"\x00\x01\x02 nonsense\r\n\r\n")
        assert status == 0 or 400 <= status < 500, status
        still_serving(srv, "garbage")
        # Headers beyond what a connection may hold.
        status = raw(srv, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100000 + b"\r\n\r\n")
        assert status == 0 or 400 <= status < 500, status
        still_serving(srv, "huge headers")
    assert srv.rc == 0, srv.errors()


def test_serve_templates_folder(yinfa):
    """--templates: every folder with a template.xml is a type, whatever its name; a broken
    template is listed with its errors and does not stop the others."""
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(os.path.join(ROOT, "templates", "union-speech"), os.path.join(tmp, "讲话"))
        os.makedirs(os.path.join(tmp, "common"))
        shutil.copy(os.path.join(ROOT, "templates", "common", "gbt9704.xml"),
                    os.path.join(tmp, "common"))
        os.makedirs(os.path.join(tmp, "broken"))
        with open(os.path.join(tmp, "broken", "template.xml"), "w") as f:
            f.write("<template version=\"1\"><body>")
        os.makedirs(os.path.join(tmp, ".hidden"))
        shutil.copy(os.path.join(ROOT, "templates", "union-speech", "template.xml"),
                    os.path.join(tmp, ".hidden"))
        with Server(yinfa, "--templates", tmp) as srv:
            status, _, body = request(srv, "GET", "/api/templates")
            assert status == 200
            listed = {t["id"]: t for t in json.loads(body)["templates"]}
            assert sorted(listed) == ["broken", "讲话"], sorted(listed)
            assert "declarations" not in listed["broken"]
            assert "XML 格式错误" in listed["broken"]["diagnostics"][0]["message"]
            assert listed["讲话"]["declarations"]["name"] == "工会全委会讲话稿"
            status, _, body = request(srv, "GET", "/api/templates/broken")
            assert status == 500 and error_of(body)["diagnostics"], body[:300]
            status, _, body = post_json(srv, "/api/templates/broken/preview", {})
            assert status == 500 and error_of(body)["diagnostics"], body[:300]
            status, _, body = post_json(srv, "/api/templates/%E8%AE%B2%E8%AF%9D/pdf", example())
            assert status == 200 and body[:5] == b"%PDF-", body[:300]
            status, _, _ = request(srv, "GET", "/api/templates/.hidden")
            assert status == 400


def test_serve_usage_errors(yinfa):
    def run(*args):
        return subprocess.run([yinfa, "serve", *args], capture_output=True, text=True, timeout=60)

    assert run("--port", "99999").returncode == 2
    assert run("--port", "http").returncode == 2
    assert run("--host", "example.org").returncode == 2
    assert run("extra").returncode == 2
    p = run("--templates", "/nonexistent-templates", "--port", "0")
    assert p.returncode == 1 and "/nonexistent-templates" in p.stderr, p.stderr
    p = run("--fonts-conf", "/nonexistent/fonts.conf", "--port", "0")
    assert p.returncode == 1 and "/nonexistent/fonts.conf" in p.stderr, p.stderr
    # A port already taken is an error, not a hang.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        p = run("--port", str(s.getsockname()[1]), "-q")
        assert p.returncode == 1 and "无法" in p.stderr, (p.returncode, p.stderr)
    assert "yinfa serve" in run("--help").stdout
