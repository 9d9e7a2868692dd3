"""`yinfa serve` renders on a pool of workers, each with a context of its own: a light preview sent
while a heavy one is being laid out is answered first when a worker is free, and in turn after it
with --workers 1; renders at once on several workers give what one gives alone. Loopback only."""
import http.client
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from serving import ROOT, Server  # noqa: E402

TEMPLATES = os.path.join(ROOT, "templates")


def post(srv, path, body, timeout=300):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def example(name):
    return open(os.path.join(TEMPLATES, name, "data.json"), "rb").read()


def heavy_body():
    """The speech with its parts 120 times over: some 270 pages to lay out (the form's limit is
    300), several times a light preview's time."""
    speech = json.loads(example("speech"))
    speech["部分"] = speech["部分"] * 120
    return json.dumps(speech, ensure_ascii=False).encode()


def finish_order(srv):
    """Which of a heavy preview and a light one, sent 0.1 s after it, is answered first."""
    done = []
    answers = {}

    def send(name, path, body):
        answers[name] = post(srv, path, body)
        done.append(name)

    heavy = threading.Thread(target=send, args=("heavy", "/api/templates/speech/preview?pages=1&dpi=30",
                                                heavy_body()))
    heavy.start()
    time.sleep(0.1)
    send("light", "/api/templates/letter/preview?pages=1&dpi=30", example("letter"))
    heavy.join()
    assert answers["heavy"][0] == 200 and answers["light"][0] == 200, answers
    pages = json.loads(answers["heavy"][1])["pages"]
    assert pages > 200, f"the heavy preview has only {pages} pages"
    return done


def test_light_request_passes_a_heavy_one(yinfa):
    with Server(yinfa, "--templates", TEMPLATES, "--workers", "2") as srv:
        assert finish_order(srv) == ["light", "heavy"]
    assert srv.rc == 0, srv.log
    with Server(yinfa, "--templates", TEMPLATES, "--workers", "1") as srv:
        assert finish_order(srv) == ["heavy", "light"]
    assert srv.rc == 0, srv.log


def test_workers_render_alike(yinfa):
    """Eight PDFs of the letter asked at once from four workers are the same bytes."""
    with Server(yinfa, "--templates", TEMPLATES, "--workers", "4") as srv:
        results = [None] * 8

        def one(i):
            results[i] = post(srv, "/api/templates/letter/pdf", example("letter"))

        threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert all(status == 200 for status, _ in results), [s for s, _ in results]
        assert len({body for _, body in results}) == 1, "the workers' PDFs differ"
        assert results[0][1].startswith(b"%PDF-")
    assert srv.rc == 0, srv.log


def test_workers_option(yinfa):
    for bad in ("0", "65", "two", ""):
        p = subprocess.run([yinfa, "serve", "--workers", bad, "--port", "0"], capture_output=True,
                           text=True, timeout=30)
        assert p.returncode == 2, (bad, p.returncode, p.stderr)
        assert "线程数" in p.stderr or "用法" in p.stderr, p.stderr
